"""check_pydicom.py CASE_DIR — read CASE_DIR/dicom with pydicom and compare with CASE_DIR/truth.json.

Headers: SOP class, transfer syntax, synthetic identifiers, UIDs, geometry of every slice.
Voxels (uncompressed series only; pydicom needs NumPy for the codecs): the mean CT value in a
small box at each lesion centre equals the lesion HU of the truth within the noise.
"""
import array
import glob
import json
import math
import os
import sys

import pydicom


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def near(a, b, tol):
    return abs(float(a) - float(b)) <= tol


case = sys.argv[1]
name = os.path.basename(case.rstrip("/"))
truth = json.load(open(os.path.join(case, "truth.json")))
s = truth["series"]
files = sorted(glob.glob(os.path.join(case, "dicom", "*.dcm")))
if len(files) != s["slices"]:
    fail("%s: %d files, truth says %d slices" % (name, len(files), s["slices"]))

sop_uids = set()
slices = []
for k, f in enumerate(files):
    ds = pydicom.dcmread(f)
    where = "%s/%s" % (name, os.path.basename(f))
    if ds.SOPClassUID != s["sop_class_uid"] or ds.file_meta.MediaStorageSOPClassUID != s["sop_class_uid"]:
        fail("%s: SOP class %s, expected %s" % (where, ds.SOPClassUID, s["sop_class_uid"]))
    if ds.file_meta.TransferSyntaxUID != s["transfer_syntax_uid"]:
        fail("%s: transfer syntax %s" % (where, ds.file_meta.TransferSyntaxUID))
    if str(ds.PatientName) != "PHANTOM^SPINE" or ds.PatientID != s["patient_id"]:
        fail("%s: patient identifiers %s / %s" % (where, ds.PatientName, ds.PatientID))
    if ds.StudyInstanceUID != s["study_instance_uid"] or ds.SeriesInstanceUID != s["series_instance_uid"] \
            or ds.FrameOfReferenceUID != s["frame_of_reference_uid"]:
        fail("%s: study/series/frame UIDs differ from truth" % where)
    sop_uids.add(ds.SOPInstanceUID)
    if int(ds.InstanceNumber) != k + 1 or ds.Rows != s["rows"] or ds.Columns != s["columns"]:
        fail("%s: instance number or matrix" % where)
    iop = [float(v) for v in ds.ImageOrientationPatient]
    if not all(near(a, b, 1e-6) for a, b in zip(iop, s["row_cosines"] + s["column_cosines"])):
        fail("%s: ImageOrientationPatient %s" % (where, iop))
    expect = [s["first_position_lps"][i] + k * s["spacing_between_slices_mm"] * s["slice_normal"][i]
              for i in range(3)]
    ipp = [float(v) for v in ds.ImagePositionPatient]
    if not all(near(a, b, 1e-4) for a, b in zip(ipp, expect)):
        fail("%s: ImagePositionPatient %s, expected %s" % (where, ipp, expect))
    ps = [float(v) for v in ds.PixelSpacing]
    if not (near(ps[0], s["pixel_spacing_mm"][0], 1e-6) and near(ps[1], s["pixel_spacing_mm"][1], 1e-6)
            and near(ds.SliceThickness, s["slice_thickness_mm"], 1e-6)):
        fail("%s: PixelSpacing/SliceThickness" % where)
    if s["modality"] == "CT" and (float(ds.RescaleIntercept) != -1024 or float(ds.RescaleSlope) != 1):
        fail("%s: rescale %s/%s" % (where, ds.RescaleIntercept, ds.RescaleSlope))
    slices.append(ds)
if len(sop_uids) != len(files):
    fail("%s: SOP instance UIDs are not unique" % name)

checked = 0
if s["transfer_syntax_uid"] == "1.2.840.10008.1.2.1" and s["modality"] == "CT":
    R, C = s["rows"], s["columns"]
    vol = []
    for ds in slices:
        a = array.array("H")
        a.frombytes(ds.PixelData)
        if sys.byteorder != "little":
            a.byteswap()
        vol.append(a)
    rc, cc, nz = s["row_cosines"], s["column_cosines"], s["slice_normal"]
    for les in truth["lesions"]:
        if les["class"] == "mixed":
            continue
        c = les["ellipsoid_center_lps"]
        d = [c[i] - s["first_position_lps"][i] for i in range(3)]
        i0 = round(sum(d[i] * rc[i] for i in range(3)) / s["pixel_spacing_mm"][1])
        j0 = round(sum(d[i] * cc[i] for i in range(3)) / s["pixel_spacing_mm"][0])
        k0 = round(sum(d[i] * nz[i] for i in range(3)) / s["spacing_between_slices_mm"])
        # a box well inside the ellipsoid (smallest radius / 3)
        half = max(1, int(min(les["ellipsoid_radii_mm"]) / 3 / max(s["pixel_spacing_mm"] + [s["spacing_between_slices_mm"]])))
        vals = []
        for k in range(k0 - half, k0 + half + 1):
            for j in range(j0 - half, j0 + half + 1):
                for i in range(i0 - half, i0 + half + 1):
                    if 0 <= k < len(vol) and 0 <= j < R and 0 <= i < C:
                        vals.append(vol[k][j * C + i] - 1024)
        mean = sum(vals) / len(vals)
        tol = 4 * s["noise_sd"] / math.sqrt(len(vals)) + 1.0
        if not near(mean, les["hu"], tol):
            fail("%s: mean %.1f HU in %d voxels at the %s lesion centre, truth %.1f +/- %.1f"
                 % (name, mean, len(vals), les["level"], les["hu"], tol))
        print("%s: %s lesion centre mean %.1f HU over %d voxels (truth %.1f)" % (name, les["level"], mean, len(vals), les["hu"]))
        checked += 1
print("%s: %d files read by pydicom %s, headers match truth.json%s"
      % (name, len(files), pydicom.__version__, "" if checked else " (voxels not checked: compressed or MR)"))
