#!/usr/bin/python3
"""make_series.py — write a small synthetic CT series with known truth for test_dicom.

    make_series.py OUTDIR [--corrupt-end | --corrupt-interior]

Six sagittal slices (Columns 16, Rows 12; row cosines (0,1,0), column cosines (0,0,-1), so the
slice normal is (-1,0,0)), ImagePositionPatient x = 10 - 3*k for slice k (k = 0 is first along
the normal), PixelSpacing 0.8\\0.6 (row\\column), RescaleIntercept -1024, BitsStored 12 with
garbage in the top 4 bits that a loader must mask off. Stored value of voxel (i, j) of slice k:
    1000 + 100*k + 5*j + i          ->  HU = stored - 1024
File names and InstanceNumbers are shuffled so neither follows the slice order.
Also writes README.txt (not DICOM) and a symlink loop (loop -> .).
--corrupt-end / --corrupt-interior: the file of slice 5 / slice 2 gets Pixel Data one row short.
--repeat-acquisition: every slice written again with AcquisitionNumber 2 (values + 10000).
--localizer: one extra coronal LOCALIZER image (ImageType ORIGINAL\PRIMARY\LOCALIZER) in the series.
--absurd: three files claiming Rows = Columns = 65535 (Pixel Data stays 12x16).
--slope-only: RescaleSlope 2 and no RescaleIntercept (a broken writer): HU = 2 * stored.
"""
import os
import sys

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

ROWS, COLS, N = 12, 16, 6
ORDER = [3, 0, 5, 1, 4, 2]  # file i holds slice ORDER[i]
INSTANCE = [2, 6, 1, 5, 3, 4]


def write(out, idx, k, series_uid, study_uid, short, acq=1, localizer=False, absurd=False,
          name=None, slope_only=False):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.PatientID = "SPS-SYNTH"
    ds.PatientName = "Synthetic^Shuffled"
    ds.Modality = "CT"
    ds.SeriesNumber = 7
    ds.InstanceNumber = INSTANCE[idx]
    ds.AcquisitionNumber = acq
    ds.ImageType = ["ORIGINAL", "PRIMARY", "LOCALIZER" if localizer else "AXIAL"]
    ds.ImagePositionPatient = [10.0 - 3.0 * k, -20.0, 30.0]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 0, -1] if localizer else [0, 1, 0, 0, 0, -1]
    ds.PixelSpacing = [0.8, 0.6]
    ds.SliceThickness = 3.0
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = (65535, 65535) if absurd else (ROWS, COLS)
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    if slope_only:
        ds.RescaleSlope = 2
    else:
        ds.RescaleSlope, ds.RescaleIntercept = 1, -1024
    px = bytearray()
    for j in range(ROWS - (1 if short else 0)):
        for i in range(COLS):
            v = (1000 + 100 * k + 5 * j + i + (10000 if acq == 2 else 0)) & 0x0FFF
            v = (1000 + 100 * k + 5 * j + i) if acq == 1 else v
            v |= 0xA000  # garbage above BitsStored
            px += v.to_bytes(2, "little")
    ds.PixelData = bytes(px)
    ds.save_as(os.path.join(out, name or f"IMG{idx * 7 % 10:03d}_{idx}"), write_like_original=False)


def main(argv):
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    series, study = generate_uid(), generate_uid()
    bad = 5 if "--corrupt-end" in argv else 2 if "--corrupt-interior" in argv else -1
    if "--absurd" in argv:
        for k in range(3):
            write(out, k, k, series, study, False, absurd=True)
        print(series)
        return 0
    for idx, k in enumerate(ORDER):
        write(out, idx, k, series, study, k == bad, slope_only="--slope-only" in argv)
        if "--repeat-acquisition" in argv:
            write(out, idx, k, series, study, False, acq=2, name=f"ACQ2_{idx}")
    if "--localizer" in argv:
        write(out, 0, 0, series, study, False, localizer=True, name="LOC")
    with open(os.path.join(out, "README.txt"), "w") as f:
        f.write("not a DICOM file\n")
    if not os.path.lexists(os.path.join(out, "loop")):
        os.symlink(".", os.path.join(out, "loop"))
    print(series)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
