#!/usr/bin/env python3
"""make-annotations.py — reader annotations placed at the truth positions of a phantom.

usage: tools/make-annotations.py TRUTH.json [--pixel] [--outline-body] [--slicer] [--out FILE]

Writes a spinescore annotation file (docs/formats.md section 4) for the phantom described by
TRUTH.json (tools/phantom), with the points where a careful reader would put them:

* the six morphometry points of every vertebra whose six points lie inside the series;
* posterolateral marks (pedicle / facet / costovertebral joint, per side) on the focus level,
  from the replaced posterior elements of the truth, and "posterolateral_assessed": true;
* a lesion sphere inside the lesion (CT) and a normal-bone reference sphere in the nearest
  uninvolved vertebra in the field of view;
* thecal-sac, cord and tumour outlines at the tumour's central section (or at the focus body's
  mid-height when there is no epidural tumour, with "epidural_tumor": false) and at a normal
  reference level, traced from the canal model of the phantom;
* vertebrae[]: involved levels, the lesion fraction of the body as the reader's estimate.

--pixel         give the morphometry points and marks as pixel references (InstanceNumber of
                the nearest slice + column, row) instead of LPS: what a PACS viewer reports. The
                phantom writes InstanceNumber = slice index + 1 along the slice normal. Outlines
                and polygons parallel to the slices (axial sections on an axial, non-oblique
                series) are drawn on the nearest slice: {"pixel": {"instance", "points"}}.
--outline-body  add the body of the focus level and the lesion as polygons on every slice
                (axial, non-oblique series only), so the lesion fraction of the body is measured.
--slicer        write a 3D Slicer markups file (.mrk.json, LPS) with the points, outlines and
                the lesion/body polygons instead (no spheres: Slicer has none).
--seeds         write a seeds file (format spinescore-seeds, docs/formats.md section 4.5) for
                `spinescore measure --auto` instead: one click in each vertebral body in the
                series, in the lesion and in normal bone (CT), in the thecal sac (worst and
                reference section).

The sample annotation files in sample-data/*/ are made by this script
(tools/make-sample-annotations.sh) so they stay in sync with the phantoms.
"""
import argparse
import json
import math
import re
import sys

ROLES6 = [("sup_ant", "superior_anterior"), ("sup_mid", "superior_middle"), ("sup_post", "superior_posterior"),
          ("inf_ant", "inferior_anterior"), ("inf_mid", "inferior_middle"), ("inf_post", "inferior_posterior")]
LEVELS = ["T%d" % i for i in range(1, 13)] + ["L%d" % i for i in range(1, 6)]


def add(a, b, s=1.0):
    return [a[i] + s * b[i] for i in range(3)]


def dot(a, b):
    return sum(a[i] * b[i] for i in range(3))


class Series:
    def __init__(self, s):
        self.o = s["first_position_lps"]
        self.r = s["row_cosines"]
        self.c = s["column_cosines"]
        self.n = s["slice_normal"]
        self.ps = s["pixel_spacing_mm"]  # row spacing, column spacing
        self.dz = s["spacing_between_slices_mm"]
        self.dims = (s["columns"], s["rows"], s["slices"])
        self.oblique = not all(abs(abs(x) - 1) < 1e-9 or abs(x) < 1e-9 for x in self.r + self.c + self.n)
        self.axial = abs(abs(self.n[2]) - 1) < 1e-9

    def ijk(self, p):
        d = [p[i] - self.o[i] for i in range(3)]
        return (dot(d, self.r) / self.ps[1], dot(d, self.c) / self.ps[0], dot(d, self.n) / self.dz)

    def inside(self, p, margin=0.0):
        q = self.ijk(p)
        return all(-0.5 + margin <= q[a] <= self.dims[a] - 0.5 - margin for a in range(3))

    def slice_z(self, k):
        return dot(add(self.o, self.n, k * self.dz), self.n)


class Vert:
    def __init__(self, v):
        self.v = v
        self.level = v["level"]
        self.c = v["center_lps"]
        ax = v["axes_lps"]
        self.L, self.P, self.S = ax["left"], ax["posterior"], ax["superior"]
        b = v["body"]
        self.a, self.b, self.hn = b["half_width_mm"], b["half_depth_mm"], b["nominal_height_mm"]
        self.cortex = b["cortex_mm"]
        h = v["heights_mm"]
        # quadratic H(y) through y = -0.8b, 0, +0.8b
        y0, y1, y2 = -0.8 * self.b, 0.0, 0.8 * self.b
        h0, h1, h2 = h["anterior"], h["middle"], h["posterior"]
        self.hq = (y0, y1, y2, h0, h1, h2)

    def height(self, y):
        y0, y1, y2, h0, h1, h2 = self.hq
        return (h0 * (y - y1) * (y - y2) / ((y0 - y1) * (y0 - y2)) + h1 * (y - y0) * (y - y2) / ((y1 - y0) * (y1 - y2)) +
                h2 * (y - y0) * (y - y1) / ((y2 - y0) * (y2 - y1)))

    def lps(self, x, y, z):
        return add(add(add(self.c, self.L, x), self.P, y), self.S, z)

    def local(self, p):
        d = [p[i] - self.c[i] for i in range(3)]
        return (dot(d, self.L), dot(d, self.P), dot(d, self.S))

    def in_body(self, x, y, z):
        if (x / self.a) ** 2 + (y / self.b) ** 2 > 1:
            return False
        return -self.hn / 2 <= z <= -self.hn / 2 + self.height(y)

    def points6(self):
        mp = self.v["morphometry_points_lps"]
        return [(r, mp[t]) for r, t in ROLES6]


def polar_polygon(inside, cu, cv, n=120, rmax=40.0):
    """Boundary of a star-shaped region around (cu, cv): first exit along each ray, 0.005 mm."""
    pts = []
    for i in range(n):
        t = 2 * math.pi * i / n
        du, dv = math.cos(t), math.sin(t)
        lo, step = 0.0, 0.25
        r = 0.0
        while r < rmax and inside(cu + (r + step) * du, cv + (r + step) * dv):
            r += step
        lo, hi = r, r + step
        while hi - lo > 0.005:
            m = 0.5 * (lo + hi)
            if inside(cu + m * du, cv + m * dv):
                lo = m
            else:
                hi = m
        pts.append((cu + lo * du, cv + lo * dv))
    return pts


def in_ellipse(u, w, rx, ry):
    return (u / rx) ** 2 + (w / ry) ** 2 <= 1.0


class Canal:
    """The phantom's canal model at the central section of an epidural tumour (or a normal level)."""

    def __init__(self, cm, grade=None, f0=None, cord=True):
        self.cm = cm
        self.grade = grade
        self.f0 = f0  # tumour front at the midline (mm from canal centre, anterior negative)
        self.cord = cord

    def front(self, u):
        return self.f0 - 0.02 * u * u if self.f0 is not None else -1e9

    def in_canal(self, u, w):
        return in_ellipse(u, w, self.cm["canal_half_width"], self.cm["canal_half_depth"])

    def tumour(self, u, w):
        return self.f0 is not None and self.in_canal(u, w) and w < self.front(u)

    def in_cord(self, u, w):
        if not self.cord or self.tumour(u, w):
            return False
        cm = self.cm
        rx, ry, off = cm["cord_half_width"], cm["cord_half_depth"], cm["cord_offset_posterior"]
        front, back = off - ry, off + ry
        if self.f0 is not None and self.f0 > front:
            ry2 = 0.5 * (back - self.f0)
            rx2 = min(rx * (ry / ry2) ** 0.3, cm["sac_half_width"] - 0.8)
            return in_ellipse(u, w - 0.5 * (back + self.f0), rx2, ry2)
        return in_ellipse(u, w - off, rx, ry)

    def in_sac(self, u, w):
        if self.in_cord(u, w):
            return True
        if self.tumour(u, w) or self.grade == "3":
            return False
        cm = self.cm
        return in_ellipse(u, w - cm["sac_offset_posterior"], cm["sac_half_width"], cm["sac_half_depth"])

    def centre_w(self):
        cm = self.cm
        if self.cord:
            off, ry = cm["cord_offset_posterior"], cm["cord_half_depth"]
            front = off - ry
            if self.f0 is not None and self.f0 > front:
                return 0.5 * (off + ry + self.f0)
            return off
        return cm["sac_offset_posterior"]


def outline(to_lps, pts):
    return [to_lps(u, w) for u, w in pts]


def rnd(p, nd=3):
    return [round(x, nd) + 0.0 for x in p]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("truth")
    ap.add_argument("--pixel", action="store_true")
    ap.add_argument("--outline-body", action="store_true")
    ap.add_argument("--slicer", action="store_true")
    ap.add_argument("--seeds", action="store_true")
    ap.add_argument("--out")
    args = ap.parse_args()
    with open(args.truth, encoding="utf-8") as f:
        t = json.load(f)
    ser = Series(t["series"])
    verts = {v["level"]: Vert(v) for v in t["vertebrae"]}
    order = [v["level"] for v in t["vertebrae"]]  # cranial first
    focus = t["expected"]["level"]
    fv = verts[focus]
    lesion = next((l for l in t["lesions"] if l["level"] == focus), None)
    epi = t.get("epidural")
    ct = t["series"]["modality"] == "CT"

    points, outlines, regions, notes = [], [], [], []

    def point(level, role, p):
        if not ser.inside(p):
            raise SystemExit("make-annotations: %s %s %s is outside the series" % (level, role, p))
        e = {"level": level, "role": role}
        if args.pixel:
            i, j, k = ser.ijk(p)
            kk = int(math.floor(k + 0.5))
            e["pixel"] = {"instance": kk + 1, "column": round(i, 3), "row": round(j, 3)}
        else:
            e["lps"] = rnd(p)
        points.append(e)

    # six points of every vertebra fully inside the series
    in_fov = []
    for lv in order:
        v = verts[lv]
        if all(ser.inside(p) for _, p in v.points6()):
            in_fov.append(lv)
            for role, p in v.points6():
                point(lv, role, p)
            # coronal endplate points (for the coronal Cobb angle): on the coronal plane through
            # the body centre, 0.8 of the half-width to each side (+x = patient left)
            zs = -v.hn / 2 + v.height(0.0)
            for role, x, z in (("cor_sup_right", -0.8 * v.a, zs), ("cor_sup_left", 0.8 * v.a, zs),
                               ("cor_inf_right", -0.8 * v.a, -v.hn / 2), ("cor_inf_left", 0.8 * v.a, -v.hn / 2)):
                if ser.inside(v.lps(x, 0.0, z)):
                    point(lv, role, v.lps(x, 0.0, z))
        else:
            notes.append("%s: morphometry points outside the series, not annotated" % lv)

    # posterolateral marks on the focus level
    cm = t["canal_model_mm"]
    crx = cm["canal_half_width"]
    marks = {
        "pedicle": lambda s: fv.lps(s * (crx + 3.0), fv.b + 3.0, fv.hn / 4),
        "facet": lambda s: fv.lps(s * (crx + 5.0), fv.b + 2 * cm["canal_half_depth"] + 2.0, fv.hn / 2 - 1.0),
        "costovertebral": lambda s: fv.lps(s * (fv.a + 2.0), 0.7 * fv.b, fv.hn / 4),
    }
    for el in (lesion or {}).get("replaced_posterior_elements", []):
        kind, side = el.split("_")
        s = 1.0 if side == "left" else -1.0  # +x = patient left
        point(focus, "%s_%s" % (side, kind), marks[kind](s))

    # lesion sphere (inside the lesion and the body) and a normal-bone reference sphere
    if lesion and ct:
        c = lesion["ellipsoid_center_lps"]
        x, y, z = fv.local(c)
        r = 0.5 * min(lesion["ellipsoid_radii_mm"])
        zt = -fv.hn / 2 + fv.height(y)
        room = min(z - (-fv.hn / 2), zt - z, fv.a - abs(x), fv.b - abs(y)) - fv.cortex - 0.5
        r = round(max(1.5, min(r, room, 6.0)), 2)
        regions.append({"level": focus, "role": "lesion", "sphere": {"center_lps": rnd(c), "radius_mm": r}})
        refs = [lv for lv in in_fov if lv != focus and not verts[lv].v["involved"]]
        refs.sort(key=lambda lv: abs(order.index(lv) - order.index(focus)))
        if refs:
            rv = verts[refs[0]]
            rr = round(min(6.0, rv.b - rv.cortex - 2.0, min(rv.v["heights_mm"].values()) / 2 - rv.cortex - 2.0), 2)
            regions.append({"level": rv.level, "role": "reference_bone", "sphere": {"center_lps": rnd(rv.c), "radius_mm": rr}})

    # body and lesion polygons on every slice (lesion fraction of the body)
    if args.outline_body and lesion:
        if not ser.axial or ser.oblique:
            raise SystemExit("make-annotations: --outline-body needs an axial, non-oblique series")
        lc = fv.local(lesion["ellipsoid_center_lps"])
        lr = lesion["ellipsoid_radii_mm"]

        def in_les(x, y, z):
            return ((x - lc[0]) / lr[0]) ** 2 + ((y - lc[1]) / lr[1]) ** 2 + ((z - lc[2]) / lr[2]) ** 2 <= 1

        for k in range(ser.dims[2]):
            p0 = add(ser.o, ser.n, k * ser.dz)
            z = fv.local(p0)[2]
            if not (-fv.hn / 2 < z < fv.hn / 2):
                continue
            ys = [y / 10.0 for y in range(int(-fv.b * 10), int(fv.b * 10) + 1) if fv.in_body(0, y / 10.0, z)]
            if not ys:
                continue
            yc = 0.5 * (ys[0] + ys[-1])
            body = polar_polygon(lambda u, w: fv.in_body(u, w, z), 0.0, yc, n=120)
            regions.append({"level": focus, "role": "body", "polygon": {"lps": [rnd(fv.lps(u, w, z)) for u, w in body]}})
            cands = [(lc[0], lc[1])] + [(u / 2.0, w / 2.0) for u in range(-30, 31) for w in range(-30, 31)]
            seed = next(((u, w) for u, w in cands if fv.in_body(u, w, z) and in_les(u, w, z)), None)
            if seed:
                lp = polar_polygon(lambda u, w: fv.in_body(u, w, z) and in_les(u, w, z), seed[0], seed[1], n=120)
                regions.append({"level": focus, "role": "lesion", "polygon": {"lps": [rnd(fv.lps(u, w, z)) for u, w in lp]}})

    # canal outlines: worst section and a normal reference level
    has_cord = order.index(focus) < order.index("L1") if "L1" in order else LEVELS.index(focus) < LEVELS.index("L1")
    if epi:
        sc = epi["section_canal_center_lps"]
        grade = epi["bilsky"]
        f0 = epi["midline_mm_from_canal_center"]["tumour_front"]
        canal = Canal(cm, grade, f0, cord=LEVELS.index(focus) < LEVELS.index("L1"))
        ref_level = epi["reference_areas_mm2"].get("level")
    else:
        sc = fv.lps(0, fv.b + cm["canal_half_depth"], 0)
        canal = Canal(cm, None, None, cord=LEVELS.index(focus) < LEVELS.index("L1"))
        ref_level = None
    has_cord = canal.cord

    def section(v, centre):
        return lambda u, w: add(add(centre, v.L, u), v.P, w)

    worst = section(fv, sc)
    sac = polar_polygon(canal.in_sac, 0.0, canal.centre_w(), n=144)
    cand_ref = [lv for lv in order if lv != focus and not verts[lv].v["involved"] and LEVELS.index(lv) < LEVELS.index("L1")]
    if ref_level in cand_ref:
        cand_ref.remove(ref_level)
        cand_ref.insert(0, ref_level)
    else:
        cand_ref.sort(key=lambda lv: abs(order.index(lv) - order.index(focus)))
    normal = Canal(cm, None, None, cord=True)
    ref = None
    for lv in cand_ref:
        rv = verts[lv]
        rs = section(rv, rv.lps(0, rv.b + cm["canal_half_depth"], 0))
        rsac = polar_polygon(normal.in_sac, 0.0, normal.centre_w(), n=144)
        if all(ser.inside(p) for p in outline(rs, rsac)):
            ref = (lv, rs)
            break
    worst_ok = all(ser.inside(p) for p in outline(worst, sac))
    if has_cord and ref and worst_ok:
        outlines.append({"level": focus, "role": "sac_outline", "slice": "worst", "lps": [rnd(p) for p in outline(worst, sac)]})
        cord = polar_polygon(canal.in_cord, 0.0, canal.centre_w(), n=144)
        outlines.append({"level": focus, "role": "cord_outline", "slice": "worst", "lps": [rnd(p) for p in outline(worst, cord)]})
        if canal.f0 is not None:
            tw = 0.5 * (-cm["canal_half_depth"] + canal.f0)
            tum = polar_polygon(canal.tumour, 0.0, tw, n=144)
            outlines.append({"level": focus, "role": "tumor_outline", "slice": "worst", "lps": [rnd(p) for p in outline(worst, tum)]})
        lv, rs = ref
        rsac = polar_polygon(normal.in_sac, 0.0, normal.centre_w(), n=144)
        rcord = polar_polygon(normal.in_cord, 0.0, normal.centre_w(), n=144)
        outlines.append({"level": lv, "role": "sac_outline", "slice": "reference", "lps": [rnd(p) for p in outline(rs, rsac)]})
        outlines.append({"level": lv, "role": "cord_outline", "slice": "reference", "lps": [rnd(p) for p in outline(rs, rcord)]})
    else:
        notes.append("no canal outlines: %s" % ("no cord at %s (below the conus)" % focus if not has_cord else
                                                 "no normal reference level in the series" if not ref else
                                                 "the worst section is outside the series"))

    if args.pixel:
        for o in outlines:
            px = pixel_polyline(ser, o["lps"])
            if px:
                del o["lps"]
                o["pixel"] = px
        for r in regions:
            if "polygon" in r:
                px = pixel_polyline(ser, r["polygon"]["lps"])
                if px:
                    r["polygon"] = {"pixel": px}

    vertebrae = []
    for lv in in_fov:
        v = verts[lv]
        e = {"level": lv, "involved": bool(v.v["involved"])}
        if lv == focus:
            if lesion:
                e["body_involved_fraction"] = lesion["body_fraction"]
            e["deformity_preexisting"] = False
            e["epidural_tumor"] = bool(epi and epi.get("epidural_tumour_present", epi["bilsky"] != "0"))
            e["posterolateral_assessed"] = True
        vertebrae.append(e)

    if args.seeds:
        # body click half-way up the body on its axis: the nominal centre of a crushed body lies
        # in the disc (the middle height is below the nominal height)
        seeds = [{"level": lv, "kind": "body",
                  "lps": rnd(verts[lv].lps(0.0, 0.0, -verts[lv].hn / 2 + verts[lv].height(0.0) / 2))} for lv in in_fov]
        for r in regions:
            if "sphere" in r and r["role"] in ("lesion", "reference_bone"):
                seeds.append({"level": r["level"], "kind": r["role"], "lps": r["sphere"]["center_lps"]})
        for o in outlines:
            if o["role"] == "cord_outline":
                # the centroid of the cord outline: inside the thecal sac
                pts = o["lps"]
                c = [sum(q[i] for q in pts) / len(pts) for i in range(3)]
                seeds.append({"level": o["level"], "kind": "sac", "slice": o["slice"], "lps": rnd(c)})
        doc = {"format": "spinescore-seeds", "version": 1,
               "description": "Seeds at the truth positions of phantom %s (made by tools/make-annotations.py --seeds)" % t.get("name", "?"),
               "series_uid": t["series"]["series_instance_uid"], "seeds": seeds}
    elif args.slicer:
        doc = slicer_doc(points, outlines, regions, focus)
    else:
        doc = {"format": "spinescore-annotations", "version": 1,
               "description": "Reader annotations at the truth positions of phantom %s (made by tools/make-annotations.py%s)" % (
                   t.get("name", "?"), " --pixel" if args.pixel else ""),
               "series_uid": t["series"]["series_instance_uid"],
               "points": points, "outlines": outlines, "regions": regions, "vertebrae": vertebrae}
        if notes:
            doc["notes"] = notes
    text = compact(json.dumps(doc, indent=2)) + "\n"
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


def pixel_polyline(ser, pts):
    """{"instance", "points": [[column, row], ...]} when the vertices lie on a plane parallel to
    the slices (they are drawn on the nearest slice), else None (kept in LPS)."""
    ks = [ser.ijk(p) for p in pts]
    if max(q[2] for q in ks) - min(q[2] for q in ks) > 1e-6:
        return None
    k = int(math.floor(ks[0][2] + 0.5))
    return {"instance": k + 1, "points": [[round(q[0], 3), round(q[1], 3)] for q in ks]}


def slicer_doc(points, outlines, regions, focus):
    mk = []
    cps = []
    for p in points:
        if "lps" not in p:
            raise SystemExit("make-annotations: --slicer needs LPS points (no --pixel)")
        cps.append({"label": "%s %s" % (p["level"], p["role"]), "position": p["lps"]})
    mk.append({"type": "Fiducial", "coordinateSystem": "LPS", "controlPoints": cps})
    for o in outlines:
        mk.append({"type": "ClosedCurve", "name": "%s %s %s" % (o["level"], o["role"], o["slice"]), "coordinateSystem": "LPS",
                   "controlPoints": [{"position": q} for q in o["lps"]]})
    for r in regions:
        if "polygon" in r:
            mk.append({"type": "ClosedCurve", "name": "%s %s" % (r["level"], r["role"]), "coordinateSystem": "LPS",
                       "controlPoints": [{"position": q} for q in r["polygon"]["lps"]]})
    return {"@schema": "https://raw.githubusercontent.com/slicer/slicer/master/Modules/Loadable/Markups/Resources/Schema/markups-schema-v1.0.3.json#",
            "markups": mk}


def compact(text):
    """Put short arrays of numbers and small objects on one line, so a reader can scan the file."""
    text = re.sub(r"\[\s+(-?[\d.e+-]+),\s+(-?[\d.e+-]+),\s+(-?[\d.e+-]+)\s+\]", r"[\1, \2, \3]", text)
    text = re.sub(r"\[\s+(-?[\d.e+-]+),\s+(-?[\d.e+-]+)\s+\]", r"[\1, \2]", text)
    text = re.sub(r"\{\s+(\"(?:instance|column)\"[^{}\[\]]*?)\s+\}", lambda m: "{" + re.sub(r"\s*\n\s*", " ", m.group(1)) + "}", text)
    text = re.sub(r"\{\s+(\"(?:level|label|center_lps|position)\"[^{}\[\]]*?(?:\[[^\[\]]*\][^{}\[\]]*?)*)\s+\}",
                  lambda m: "{" + re.sub(r"\s*\n\s*", " ", m.group(1)) + "}", text)
    return text


if __name__ == "__main__":
    main()
