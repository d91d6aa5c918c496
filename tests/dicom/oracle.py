#!/usr/bin/python3
"""oracle.py — independent reference for the DICOM loader tests (pydicom, no numpy needed).

For each uncompressed DICOM file given (or every file in a given folder) print one line
    <pos_along_normal> <ipp_x> <ipp_y> <ipp_z> <sum> <min> <max> <rows> <cols> <path>
sorted by position along the slice normal (row x column cosines of the first file), where the
statistics are over the modality values of the file's single frame:
    value = RescaleSlope * stored + RescaleIntercept, stored = pixel masked to BitsStored below
    HighBit, sign-extended when PixelRepresentation is 1.
This re-implements the value transform on purpose, so the C loader is checked against code that
shares nothing with it. Exit status 2 on a file it cannot handle (compressed, multi-frame, ...).
"""
import array
import os
import sys

import pydicom
from pydicom.uid import UID


def values(ds):
    ba, bs = int(ds.BitsAllocated), int(ds.BitsStored)
    hb = int(ds.get("HighBit", bs - 1))
    signed = int(ds.PixelRepresentation) == 1
    raw = ds.PixelData
    n = int(ds.Rows) * int(ds.Columns)
    if ba == 16:
        a = array.array("H")
        a.frombytes(raw[: 2 * n])
        if not ds.is_little_endian:
            a.byteswap()
    elif ba == 8:
        a = array.array("B")
        a.frombytes(raw[:n])
    else:
        raise SystemExit(f"oracle: BitsAllocated {ba} not handled")
    if len(a) != n:
        raise SystemExit(f"oracle: short pixel data")
    shift, mask, sign = hb + 1 - bs, (1 << bs) - 1, 1 << (bs - 1)
    slope = float(ds.get("RescaleSlope", 1.0))
    icpt = float(ds.get("RescaleIntercept", 0.0))
    tot, lo, hi = 0.0, None, None
    for r in a:
        v = (r >> shift) & mask
        if signed and v & sign:
            v -= mask + 1
        x = slope * v + icpt
        tot += x
        lo = x if lo is None or x < lo else lo
        hi = x if hi is None or x > hi else hi
    return tot, lo, hi


def main(args):
    files = []
    for a in args:
        if os.path.isdir(a):
            files += sorted(os.path.join(a, f) for f in os.listdir(a))
        else:
            files.append(a)
    rows = []
    normal = None
    for f in files:
        ds = pydicom.dcmread(f, force=True)
        if UID(ds.file_meta.get("TransferSyntaxUID", "1.2.840.10008.1.2")).is_compressed:
            print(f"oracle: {f} is compressed", file=sys.stderr)
            return 2
        iop = [float(x) for x in ds.ImageOrientationPatient]
        ipp = [float(x) for x in ds.ImagePositionPatient]
        if normal is None:
            r, c = iop[:3], iop[3:]
            normal = [r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]]
        pos = sum(p * q for p, q in zip(ipp, normal))
        tot, lo, hi = values(ds)
        rows.append((pos, ipp, tot, lo, hi, int(ds.Rows), int(ds.Columns), f))
    rows.sort(key=lambda t: t[0])
    for pos, ipp, tot, lo, hi, nr, nc, f in rows:
        print(f"{pos:.6f} {ipp[0]:.6f} {ipp[1]:.6f} {ipp[2]:.6f} {tot:.6f} {lo:.6f} {hi:.6f} {nr} {nc} {f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
