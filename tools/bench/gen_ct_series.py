#!/usr/bin/python3
"""gen_ct_series.py — write a synthetic axial CT series for the loading benchmark.

    gen_ct_series.py OUTDIR [--slices 300] [--size 512]

Explicit VR little endian, 16-bit signed, RescaleIntercept -1024, 1.25 mm slices, file names
shuffled against slice order. Pixels: an elliptic body (~40 HU) with a bright disc (~700 HU)
and uniform noise, four noise realisations cycled over the slices (pure Python, no numpy).
"""
import argparse
import os
import random

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid


def make_image(n, seed):
    rnd = random.Random(seed)
    out = bytearray(2 * n * n)
    c = n / 2.0
    for j in range(n):
        for i in range(n):
            x, y = (i - c) / (0.42 * n), (j - c) / (0.33 * n)
            if x * x + y * y > 1.0:
                hu = -1000
            elif (i - c) ** 2 + (j - c * 1.3) ** 2 < (0.06 * n) ** 2:
                hu = 700
            else:
                hu = 40
            v = hu + 1024 + rnd.randint(-20, 20)
            out[2 * (j * n + i): 2 * (j * n + i) + 2] = v.to_bytes(2, "little", signed=True)
    return bytes(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--slices", type=int, default=300)
    ap.add_argument("--size", type=int, default=512)
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    images = [make_image(a.size, s) for s in range(4)]
    study, series = generate_uid(), generate_uid()
    rnd = random.Random(1)
    names = list(range(a.slices))
    rnd.shuffle(names)
    for k in range(a.slices):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.is_little_endian, ds.is_implicit_VR = True, False
        ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.PatientID, ds.PatientName, ds.Modality = "BENCH", "Bench^CT", "CT"
        ds.SeriesNumber, ds.InstanceNumber = 1, names[k] + 1
        ds.ImagePositionPatient = [-200.0, -200.0, -100.0 + 1.25 * k]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.PixelSpacing = [0.78125, 0.78125]
        ds.SliceThickness = 1.25
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.Rows = ds.Columns = a.size
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleSlope, ds.RescaleIntercept = 1, -1024
        ds.PixelData = images[k % 4]
        ds.save_as(os.path.join(a.outdir, f"CT{names[k]:05d}.dcm"), write_like_original=False)


if __name__ == "__main__":
    main()
