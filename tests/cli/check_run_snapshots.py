#!/usr/bin/env python3
"""check_run_snapshots.py OUT_DIR TRUTH.json ANNOTATIONS.json — the PNG snapshots of one `spinescore run`
against the phantom truth. Standard library only (the PNG is decoded here: chunk CRCs, inflate,
row filters).

Which snapshots must exist: the summary card and the sagittal morphometry always; the lesion
snapshot when the series is CT and the phantom has a lesion at the level (and never on MR: the
bone-lesion class needs HU); the alignment snapshot when the report measured alignment; the
axial canal snapshot when the report measured ESCC.

For each: a valid PNG, 512 px wide for the image snapshots, tEXt Software / SeriesInstanceUID (the
phantom's) / Description naming the finding, and for the image snapshots the "View" tEXt (how LPS
maps to PNG pixels, docs/snapshots.md). The PIXELS are then checked where the phantom's truth says
the anatomy is: truth.json points are projected with that view (the renderer's projection:
x = origin_x + (p - centre).right / pixel_mm + width / 2, likewise y with down) and the overlay
colour of docs/snapshots.md must be drawn within a few pixels of them, while the colour of the
other overlay must not (markers of the target vertebra are yellow, of the references cyan; the
alignment landmarks green / magenta; the sac cyan, the cord yellow, the tumour red; the lesion
ring yellow at the annotated sphere radius around the truth lesion centre, the reference ring
cyan around the truth centre of the reference vertebra). The view itself is checked: its plane
must pass through the truth points it shows (within 1 mm) and be the expected patient plane.
"""
import glob
import json
import math
import os
import re
import struct
import sys
import zlib

YELLOW, CYAN, GREEN, MAGENTA, RED = 0xFFD400, 0x00D8FF, 0x40FF40, 0xFF60FF, 0xFF3030


def png(path):
    b = open(path, "rb").read()
    if b[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    i, text, hdr, idat = 8, {}, None, b""
    while i < len(b):
        n, = struct.unpack(">I", b[i:i + 4])
        typ, data = b[i + 4:i + 8], b[i + 8:i + 8 + n]
        if zlib.crc32(typ + data) != struct.unpack(">I", b[i + 8 + n:i + 12 + n])[0]:
            raise ValueError("bad CRC in " + typ.decode())
        if typ == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", data)
        elif typ == b"tEXt":
            k, v = data.split(b"\0", 1)
            text[k.decode()] = v.decode("latin-1")
        elif typ == b"IDAT":
            idat += data
        i += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("unexpected PNG type (depth %d, colour type %d, interlace %d)" % (depth, ctype, interlace))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    if len(raw) != h * (stride + 1):
        raise ValueError("image data %d bytes, expected %d" % (len(raw), h * (stride + 1)))
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        cur = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for x in range(bpp, stride):
                cur[x] = (cur[x] + cur[x - bpp]) & 255
        elif f == 2:
            cur = bytearray((c + p) & 255 for c, p in zip(cur, prev))
        elif f == 3:
            for x in range(stride):
                a = cur[x - bpp] if x >= bpp else 0
                cur[x] = (cur[x] + ((a + prev[x]) >> 1)) & 255
        elif f == 4:
            for x in range(stride):
                a = cur[x - bpp] if x >= bpp else 0
                c = prev[x - bpp] if x >= bpp else 0
                bb = prev[x]
                p = a + bb - c
                pa, pb, pc = abs(p - a), abs(p - bb), abs(p - c)
                cur[x] = (cur[x] + (a if pa <= pb and pa <= pc else bb if pb <= pc else c)) & 255
        elif f != 0:
            raise ValueError("bad filter type %d in row %d" % (f, y))
        rows.append(bytes(cur))
        prev = cur
    return (w, h), text, (rows, bpp)


class Img:
    def __init__(self, size, pix, view):
        self.w, self.h = size
        self.rows, self.bpp = pix
        self.v = view

    def rgb(self, x, y):
        r = self.rows[y]
        o = x * self.bpp
        return r[o], r[o + 1], r[o + 2]

    def project(self, p):
        v = self.v
        d = [p[i] - v["centre_lps"][i] for i in range(3)]
        x = v["origin_px"][0] + sum(d[i] * v["right_lps"][i] for i in range(3)) / v["pixel_mm"] + 0.5 * v["size_px"][0]
        y = v["origin_px"][1] + sum(d[i] * v["down_lps"][i] for i in range(3)) / v["pixel_mm"] + 0.5 * v["size_px"][1]
        return x, y

    def off_plane(self, p):
        v = self.v
        r, d = v["right_lps"], v["down_lps"]
        n = [r[1] * d[2] - r[2] * d[1], r[2] * d[0] - r[0] * d[2], r[0] * d[1] - r[1] * d[0]]
        return abs(sum((p[i] - v["centre_lps"][i]) * n[i] for i in range(3)))

    def near(self, x, y, colour, radius, tol=40):
        """Pixels of @colour (each channel within tol) within radius px of (x, y)."""
        want = ((colour >> 16) & 255, (colour >> 8) & 255, colour & 255)
        n = 0
        for yy in range(int(math.floor(y - radius)), int(math.ceil(y + radius)) + 1):
            for xx in range(int(math.floor(x - radius)), int(math.ceil(x + radius)) + 1):
                if not (0 <= xx < self.w and 0 <= yy < self.h) or (xx + 0.5 - x) ** 2 + (yy + 0.5 - y) ** 2 > radius ** 2:
                    continue
                if all(abs(a - b) <= tol for a, b in zip(self.rgb(xx, yy), want)):
                    n += 1
        return n


def parse_view(s):
    v = {}
    for part in s.split(";"):
        k, *vals = part.split()
        v[k] = [float(t) for t in vals]
    v["pixel_mm"] = v["pixel_mm"][0]
    return v


ROLES = {"superior_anterior": "sup_ant", "superior_middle": "sup_mid", "superior_posterior": "sup_post",
         "inferior_anterior": "inf_ant", "inferior_middle": "inf_mid", "inferior_posterior": "inf_post"}


def main():
    out, truth, annotations = sys.argv[1:]
    t = json.load(open(truth))
    ann = json.load(open(annotations))
    r = json.load(open(os.path.join(out, "report.json")))
    level = t["expected"]["level"]
    L = next(l for l in r["lesions"] if l["level"] == level)
    S, M = L["summary"], L.get("measurements", {})
    verts = {v["level"]: v for v in t["vertebrae"]}
    order = [v["level"] for v in t["vertebrae"]]
    m6 = {lv: {ROLES[k]: p for k, p in v["morphometry_points_lps"].items()} for lv, v in verts.items()}
    ct = t["series"]["modality"] == "CT"
    bad, checked = [], []

    def fail(p, msg):
        bad.append("%s: %s" % (os.path.basename(p), msg))

    expected = {"%s-summary.png" % level, "%s-collapse.png" % level}
    has_lesion = any(l["level"] == level for l in t.get("lesions", []))
    if ct and has_lesion:
        expected.add("%s-lesion.png" % level)
    if "alignment" in M:
        expected.add("%s-alignment.png" % level)
    if "escc" in M:
        expected.add("%s-canal.png" % level)
    files = sorted(glob.glob(os.path.join(out, "snapshots", "*.png")))
    names = {os.path.basename(p) for p in files}
    for need in sorted(expected - names):
        bad.append("missing snapshots/" + need)
    for extra in sorted(names - expected):
        bad.append("unexpected snapshots/%s (not a finding of this case)" % extra)

    for p in files:
        try:
            size, text, pix = png(p)
        except Exception as e:  # noqa: BLE001 - report any decoding problem as a failure
            fail(p, e)
            continue
        if text.get("SeriesInstanceUID") != t["series"]["series_instance_uid"]:
            fail(p, "tEXt SeriesInstanceUID %r" % text.get("SeriesInstanceUID"))
        if not text.get("Software", "").startswith("spinescore"):
            fail(p, "tEXt Software %r" % text.get("Software"))
        desc = text.get("Description", "")
        if p.endswith("-summary.png"):
            want = "SINS %s %s; ESCC %s; NOMS row %s %s" % (S["sins_total"], S["sins_category"], S["escc_grade"],
                                                           S["noms_row"], S["noms_decision"])
            if want not in desc:
                fail(p, "card description %r lacks %r" % (desc, want))
            checked.append(os.path.basename(p))
            continue
        if size[0] != 512:
            fail(p, "image snapshot %d px wide, expected 512" % size[0])
        if "View" not in text:
            fail(p, "no View tEXt")
            continue
        img = Img(size, pix, parse_view(text["View"]))
        n_before = len(bad)

        def drawn(what, lps, colour, radius=4.0, min_px=3):
            if img.off_plane(lps) > 1.0:
                fail(p, "%s %s lies %.1f mm off the drawn plane" % (what, lps, img.off_plane(lps)))
            x, y = img.project(lps)
            n = img.near(x, y, colour, radius)
            if n < min_px:
                fail(p, "%s: no %06X overlay near the truth position %s (pixel %.1f, %.1f; %d px found)" %
                     (what, colour, lps, x, y, n))

        def not_drawn(what, lps, colour, radius=2.5):
            x, y = img.project(lps)
            n = img.near(x, y, colour, radius, tol=25)
            if n:
                fail(p, "%s: %06X overlay at the truth position %s (pixel %.1f, %.1f) where the other colour "
                        "belongs (%d px)" % (what, colour, lps, x, y, n))

        def plane(kind):
            v = img.v
            r, d = v["right_lps"], v["down_lps"]
            n = [abs(r[1] * d[2] - r[2] * d[1]), abs(r[2] * d[0] - r[0] * d[2]), abs(r[0] * d[1] - r[1] * d[0])]
            axis = {"sagittal": 0, "axial": 2}[kind]
            if n[axis] < 0.99:
                fail(p, "expected a %s view, normal %s" % (kind, n))

        if p.endswith("-collapse.png"):
            cp = M["collapse"]["collapse_pct"]
            if "collapse %.0f %%" % cp not in desc:
                fail(p, "description %r lacks the measured collapse %.0f %%" % (desc, cp))
            plane("sagittal")
            for role, lps in m6[level].items():
                drawn("%s %s" % (level, role), lps, YELLOW)
                not_drawn("%s %s" % (level, role), lps, CYAN)
            for k in ("reference_above", "reference_below"):
                ref = M["collapse"].get(k)
                if ref:
                    for role, lps in m6[ref].items():
                        drawn("%s %s" % (ref, role), lps, CYAN)
                        not_drawn("%s %s" % (ref, role), lps, YELLOW)
        elif p.endswith("-lesion.png"):
            les = next(l for l in t["lesions"] if l["level"] == level)
            if "class %s" % les["class"] not in desc:
                fail(p, "description %r lacks the class %s" % (desc, les["class"]))
            bl = M["bone_lesion"]
            if "lesion mean %.1f" % bl["lesion_mean_hu"] not in desc:
                fail(p, "description %r lacks the lesion mean %.1f HU" % (desc, bl["lesion_mean_hu"]))
            sph = {g["role"]: g["sphere"] for g in ann.get("regions", []) if "sphere" in g and
                   (g["role"] == "reference_bone" or g["level"] == level)}
            rings = [("lesion", les["ellipsoid_center_lps"], sph.get("lesion"), YELLOW)]
            rl = next((g["level"] for g in ann.get("regions", []) if g["role"] == "reference_bone"), None)
            if rl and "reference_bone" in sph and img.off_plane(verts[rl]["center_lps"]) < sph["reference_bone"]["radius_mm"]:
                rings.append(("reference %s" % rl, verts[rl]["center_lps"], sph["reference_bone"], CYAN))
            for what, c, s, col in rings:
                if not s:
                    fail(p, "no sphere for the %s in the annotations" % what)
                    continue
                d = img.off_plane(c)
                rr = math.sqrt(max(0.0, s["radius_mm"] ** 2 - d * d)) / img.v["pixel_mm"]
                x, y = img.project(c)
                hits = sum(1 for k in range(24) if img.near(x + rr * math.cos(k * math.pi / 12),
                                                            y + rr * math.sin(k * math.pi / 12), col, 2.5))
                if hits < 20:
                    fail(p, "%s ring (r %.1f px around the truth centre %s) drawn at %d of 24 angles" % (what, rr, c, hits))
                if img.near(x, y, col, 0.4 * rr, tol=25):
                    fail(p, "%s: overlay colour inside the ring (filled, or the ring is off-centre)" % what)
        elif p.endswith("-alignment.png"):
            al = M["alignment"]
            if "translation %.1f mm" % al["translation_mm"] not in desc:
                fail(p, "description %r lacks the translation %.1f mm" % (desc, al["translation_mm"]))
            plane("sagittal")
            i = order.index(level)
            up, dn = order[i - 1], order[i + 1]
            seg_up, seg_dn = (level, dn) if al["translation_segment"] == level else (up, level)
            drawn("%s inf_post (upper corner)" % seg_up, m6[seg_up]["inf_post"], GREEN)
            for role in ("sup_post", "inf_post", "sup_ant"):
                drawn("%s %s (lower wall)" % (seg_dn, role), m6[seg_dn][role], GREEN)
            for lv, roles in ((up, ("sup_post", "sup_ant")), (dn, ("inf_post", "inf_ant"))):
                for role in roles:
                    drawn("%s %s (endplate line)" % (lv, role), m6[lv][role], MAGENTA)
                    not_drawn("%s %s (endplate line)" % (lv, role), m6[lv][role], GREEN)
        elif p.endswith("-canal.png"):
            if "ESCC grade %s" % S["escc_grade"] not in desc:
                fail(p, "description %r lacks the ESCC grade %s" % (desc, S["escc_grade"]))
            plane("axial")
            cm = t["canal_model_mm"]
            epi = t.get("epidural") or {}
            v = verts[level]
            if epi.get("level") == level and "section_canal_center_lps" in epi:
                cc = epi["section_canal_center_lps"]
            else:
                cc = [v["center_lps"][k] + (v["body"]["half_depth_mm"] + cm["canal_half_depth"]) * v["axes_lps"]["posterior"][k]
                      for k in range(3)]
            post = v["axes_lps"]["posterior"]
            at = lambda w: [cc[k] + w * post[k] for k in range(3)]  # noqa: E731 - on the midline, w mm posterior
            drawn("back of the thecal sac", at(cm["sac_offset_posterior"] + cm["sac_half_depth"]), CYAN)
            not_drawn("back of the thecal sac", at(cm["sac_offset_posterior"] + cm["sac_half_depth"]), RED)
            if order.index(level) < order.index("L1") if "L1" in order else True:
                drawn("back of the cord", at(cm["cord_offset_posterior"] + cm["cord_half_depth"]), YELLOW)
                not_drawn("back of the cord", at(cm["cord_offset_posterior"] + cm["cord_half_depth"]), CYAN)
            if epi.get("epidural_tumour_present") and epi.get("level") == level:
                # the tumour fills the canal in front of its advancing front: its outline runs along
                # the canal wall there (at the midline its back coincides with the cord, drawn on top)
                mid = epi["midline_mm_from_canal_center"]
                drawn("front of the epidural tumour (canal front)", at(mid["canal_front"]), RED)
                w = 0.5 * mid["canal_front"]
                u = cm["canal_half_width"] * math.sqrt(1 - (w / cm["canal_half_depth"]) ** 2)
                left = v["axes_lps"]["left"]
                for side in (-1, 1):
                    q = [cc[k] + w * post[k] + side * u * left[k] for k in range(3)]
                    drawn("epidural tumour at the canal wall (%s)" % ("right" if side < 0 else "left"), q, RED)
                    not_drawn("epidural tumour at the canal wall", q, CYAN)
        checked.append("%s (%s)" % (os.path.basename(p), "pixels ok" if len(bad) == n_before else "FAILED"))
    for b in bad:
        print("FAIL: " + b)
    print("%s: %d snapshots checked: %s" % (level, len(checked), ", ".join(checked)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
