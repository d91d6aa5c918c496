#!/usr/bin/env python3
"""check_run_snapshots.py OUT_DIR TRUTH.json — the PNG snapshots of one `spinescore run`:
each file is a valid PNG (signature, chunk CRCs, image data inflates to its size), carries the
tEXt keys of docs/snapshots.md with the series of the phantom, image snapshots are 512 px wide,
the summary card's description states the report's SINS total/category, ESCC grade and NOMS
row/decision, and the collapse snapshot states the measured collapse %. Standard library only."""
import glob
import json
import os
import struct
import sys
import zlib


def png(path):
    b = open(path, "rb").read()
    if b[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    i, text, size, idat = 8, {}, None, b""
    while i < len(b):
        n, = struct.unpack(">I", b[i:i + 4])
        typ, data = b[i + 4:i + 8], b[i + 8:i + 8 + n]
        if zlib.crc32(typ + data) != struct.unpack(">I", b[i + 8 + n:i + 12 + n])[0]:
            raise ValueError("bad CRC in " + typ.decode())
        if typ == b"IHDR":
            size = struct.unpack(">II", data[:8])
        elif typ == b"tEXt":
            k, v = data.split(b"\0", 1)
            text[k.decode()] = v.decode("latin-1")
        elif typ == b"IDAT":
            idat += data
        i += 12 + n
    raw = zlib.decompress(idat)
    if len(raw) < size[1] * (1 + size[0] * 3):
        raise ValueError("short image data")
    return size, text


def main():
    out, truth = sys.argv[1:]
    t = json.load(open(truth))
    r = json.load(open(os.path.join(out, "report.json")))
    level = t["expected"]["level"]
    L = next(l for l in r["lesions"] if l["level"] == level)
    S = L["summary"]
    bad = []
    files = sorted(glob.glob(os.path.join(out, "snapshots", "*.png")))
    for p in files:
        try:
            size, text = png(p)
        except Exception as e:  # noqa: BLE001 - report any decoding problem as a failure
            bad.append("%s: %s" % (p, e))
            continue
        if text.get("SeriesInstanceUID") != t["series"]["series_instance_uid"]:
            bad.append("%s: tEXt SeriesInstanceUID %r" % (p, text.get("SeriesInstanceUID")))
        if not text.get("Software", "").startswith("spinescore"):
            bad.append("%s: tEXt Software %r" % (p, text.get("Software")))
        desc = text.get("Description", "")
        if p.endswith("-summary.png"):
            want = "SINS %s %s; ESCC %s; NOMS row %s %s" % (S["sins_total"], S["sins_category"], S["escc_grade"],
                                                           S["noms_row"], S["noms_decision"])
            if want not in desc:
                bad.append("%s: card description %r lacks %r" % (p, desc, want))
        elif size[0] != 512:
            bad.append("%s: image snapshot %d px wide, expected 512" % (p, size[0]))
        if p.endswith("-collapse.png"):
            cp = L["measurements"]["collapse"]["collapse_pct"]
            if "collapse %.0f %%" % cp not in desc:
                bad.append("%s: description %r lacks the measured collapse %.0f %%" % (p, desc, cp))
        if p.endswith("-canal.png") and "ESCC" not in desc and "Bilsky" not in desc:
            bad.append("%s: canal description %r names no grade" % (p, desc))
    for need in ("%s-summary.png" % level, "%s-collapse.png" % level):
        if not os.path.exists(os.path.join(out, "snapshots", need)):
            bad.append("missing snapshots/" + need)
    for b in bad:
        print("FAIL: " + b)
    print("%s: %d snapshots checked" % (level, len(files)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
