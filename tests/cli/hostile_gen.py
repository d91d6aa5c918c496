#!/usr/bin/env python3
"""hostile_gen.py — hostile input files for tests/cli/test_hostile.sh (plain Python, no deps).

  deep_dicomdir OUT DEPTH [REF...]  a DICOMDIR (explicit VR little endian) whose first directory
                                    record holds a Content Sequence nested DEPTH levels deep
                                    (undefined lengths), then one IMAGE record per REF
                                    (ReferencedFileID components separated by '/')
  self_dicomdir OUT                 a DICOMDIR whose records reference the DICOMDIR itself and
                                    its own folder ('.'), twice
  nested_json OUT DEPTH             '[' * DEPTH + ']' * DEPTH
  huge_json OUT MB                  a valid annotation-shaped JSON object of about MB megabytes
"""
import struct
import sys


def el(group, elem, vr, value):
    if isinstance(value, str):
        value = value.encode("ascii")
        if len(value) % 2:
            value += b"\0" if vr == "UI" else b" "
    if vr in ("OB", "OW", "SQ", "UN", "UT"):
        return struct.pack("<HH2sHI", group, elem, vr.encode(), 0, len(value)) + value
    return struct.pack("<HH2sH", group, elem, vr.encode(), len(value)) + value


def sq_undef(group, elem):
    return struct.pack("<HH2sHI", group, elem, b"SQ", 0, 0xFFFFFFFF)


ITEM = struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF)
ITEM_END = struct.pack("<HHI", 0xFFFE, 0xE00D, 0)
SEQ_END = struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)


def meta():
    body = (el(0x0002, 0x0001, "OB", b"\0\1")
            + el(0x0002, 0x0002, "UI", "1.2.840.10008.1.3.10")
            + el(0x0002, 0x0003, "UI", "2.25.1234567890")
            + el(0x0002, 0x0010, "UI", "1.2.840.10008.1.2.1"))
    return b"\0" * 128 + b"DICM" + el(0x0002, 0x0000, "UL", struct.pack("<I", len(body))) + body


def record(kind, ref=None, nested=0):
    out = ITEM + el(0x0004, 0x1430, "CS", kind)
    if ref is not None:
        out += el(0x0004, 0x1500, "CS", "\\".join(ref.split("/")))
    if nested:
        out += (sq_undef(0x0040, 0xA730) + ITEM) * nested + (ITEM_END + SEQ_END) * nested
    return out + ITEM_END


def dicomdir(path, records):
    ds = el(0x0004, 0x1130, "CS", "HOSTILE") + sq_undef(0x0004, 0x1220) + b"".join(records) + SEQ_END
    with open(path, "wb") as f:
        f.write(meta() + ds)


def main(argv):
    cmd = argv[1]
    if cmd == "deep_dicomdir":
        recs = [record("PATIENT", nested=int(argv[3]))] + [record("IMAGE", r) for r in argv[4:]]
        dicomdir(argv[2], recs)
    elif cmd == "self_dicomdir":
        dicomdir(argv[2], [record("IMAGE", "DICOMDIR"), record("IMAGE", "."), record("IMAGE", "DICOMDIR")])
    elif cmd == "nested_json":
        d = int(argv[3])
        with open(argv[2], "w") as f:
            f.write("[" * d + "]" * d)
    elif cmd == "huge_json":
        mb = int(argv[3])
        with open(argv[2], "w") as f:
            f.write('{"format": "spinescore-annotations", "version": 1, "padding": [')
            chunk = ",".join(["1234567.125"] * 10000)
            n = (mb * 1024 * 1024) // (len(chunk) + 1) + 1
            for i in range(n):
                f.write(("," if i else "") + chunk)
            f.write("]}\n")
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
