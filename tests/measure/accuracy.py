#!/usr/bin/env python3
"""accuracy.py — user-placed measurements against phantom truth (issue 5, "Accuracy").

For the three sample phantoms (sample-data/*/spec.json) and a generated set with varied geometry
(axial 1 / 1.5 / 2.5 / 3 mm, sagittal, oblique, CT and MR, every Bilsky grade, translation and
kyphosis), this test:

1. generates the phantom with sps-phantom (into a temporary folder);
2. writes reader annotations at the truth positions with tools/make-annotations.py, once in LPS,
   once as pixel references (InstanceNumber + column, row), and on axial CT once more with the
   body and the lesion outlined on every slice (lesion fraction of the body measured);
3. runs `spinescore measure` on each and compares with truth.json:
   * LPS points: collapse within +/- 2 percentage points, heights within one voxel (the voxel's
     extent along the vertebra's axis), and the SINS tokens (bone lesion on CT, collapse,
     alignment, posterolateral) and the ESCC grade exactly equal to the truth;
   * pixel references: the same tokens and grade as the LPS points, heights within one voxel of
     the truth (the point moves to the nearest slice: that is what a pixel reference is), and on
     series where the points lie exactly on a slice, the same numbers as LPS (0.01 mm);
   * body outline: measured lesion fraction within 0.05 of the truth, and the collapse token.

Prints a table (copied to docs/validation.md) and exits 1 if any check failed.
Environment: SPS_BIN (spinescore), SPS_PHANTOM (sps-phantom), SPS_SOURCE_DIR.
"""
import glob
import json
import math
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("SPS_SOURCE_DIR") or os.path.normpath(os.path.join(HERE, "..", ".."))
BIN = os.environ.get("SPS_BIN")
PHANTOM = os.environ.get("SPS_PHANTOM")
MAKE_ANN = os.path.join(SRC, "tools", "make-annotations.py")

CT = {"modality": "CT", "matrix": [128, 128], "pixel_spacing_mm": [0.9, 0.9], "supersample": 2, "noise_sd": 12}
MR = {"modality": "MR", "matrix": [160, 160], "pixel_spacing_mm": [0.75, 0.75], "supersample": 2, "noise_sd": 25}


def acq(base, **kw):
    d = dict(base)
    d.update(kw)
    return d


# The generated set: varied plane, obliquity, slice thickness, lesion class, collapse, alignment,
# posterolateral pattern and Bilsky grade.
GENERATED = [
    {"name": "gen-ct-ax-1mm-lytic-t12-lt50-bilateral", "seed": 101, "levels": {"from": "T11", "to": "L1"},
     "acquisition": acq(CT, plane="axial", slices=110, slice_thickness_mm=1.0),
     "lesions": [{"level": "T12", "type": "lytic", "body_fraction": 0.4, "position": [0, 0.1, 0],
                  "extends": ["pedicle_left", "pedicle_right"]}],
     "collapse": [{"level": "T12", "anterior_pct": 35, "middle_pct": 25, "posterior_pct": 5}]},
    {"name": "gen-ct-ax-3mm-blastic-l1-gt50-involved", "seed": 102, "levels": {"from": "T12", "to": "L2"},
     "acquisition": acq(CT, plane="axial", slices=40, slice_thickness_mm=3.0),
     "lesions": [{"level": "L1", "type": "blastic", "body_fraction": 0.6, "position": [0, 0, 0]}]},
    {"name": "gen-ct-ax-2.5mm-oblique-mixed-t10-translation-1b", "seed": 103, "levels": {"from": "T9", "to": "T11"},
     "acquisition": acq(CT, plane="axial", slices=48, slice_thickness_mm=2.5, oblique_deg=[10, 0, 6]),
     "lesions": [{"level": "T10", "type": "mixed", "body_fraction": 0.35, "position": [0, 0.1, 0],
                  "extends": ["costovertebral_right"]}],
     "alignment": {"level": "T10", "translation_mm": [0, 4], "kyphosis_deg": 0, "scoliosis_deg": 0},
     "epidural": {"level": "T10", "bilsky": "1b"}},
    {"name": "gen-ct-sag-2mm-lytic-l3-gt50-kyphosis", "seed": 104, "levels": {"from": "L2", "to": "L4"},
     "acquisition": acq(CT, plane="sagittal", matrix=[128, 160], slices=21, slice_thickness_mm=2.0),
     "lesions": [{"level": "L3", "type": "lytic", "body_fraction": 0.5, "position": [0, 0.1, 0],
                  "extends": ["facet_left"]}],
     "collapse": [{"level": "L3", "anterior_pct": 55, "middle_pct": 40, "posterior_pct": 10}],
     "alignment": {"level": "L3", "translation_mm": [0, 0], "kyphosis_deg": 15, "scoliosis_deg": 0}},
    {"name": "gen-ct-ax-1.5mm-oblique-blastic-t8-scoliosis-1c", "seed": 105, "levels": {"from": "T7", "to": "T9"},
     "acquisition": acq(CT, plane="axial", slices=72, slice_thickness_mm=1.5, oblique_deg=[0, 8, 0]),
     "lesions": [{"level": "T8", "type": "blastic", "body_fraction": 0.25, "position": [0.1, 0, 0]}],
     "alignment": {"level": "T8", "translation_mm": [0, 0], "kyphosis_deg": 0, "scoliosis_deg": 14},
     "epidural": {"level": "T8", "bilsky": "1c"}},
    {"name": "gen-mr-ax-t2-3mm-t6-bilsky3", "seed": 106, "levels": {"from": "T5", "to": "T7"},
     "acquisition": acq(MR, plane="axial", slices=38, slice_thickness_mm=3.0),
     "lesions": [{"level": "T6", "type": "lytic", "body_fraction": 0.55, "position": [0, 0.3, 0],
                  "extends": ["pedicle_left", "facet_right"]}],
     "epidural": {"level": "T6", "bilsky": "3"}},
    {"name": "gen-mr-ax-t2-4mm-oblique-t4-bilsky1a", "seed": 107, "levels": {"from": "T3", "to": "T5"},
     "acquisition": acq(MR, plane="axial", slices=26, slice_thickness_mm=4.0, slice_spacing_mm=4.4, oblique_deg=[6, 0, 0]),
     "lesions": [{"level": "T4", "type": "lytic", "body_fraction": 0.3, "position": [0, 0.2, 0]}],
     "epidural": {"level": "T4", "bilsky": "1a"}},
    {"name": "gen-mr-sag-t2-3mm-t11-bilsky2", "seed": 108, "levels": {"from": "T10", "to": "T12"},
     "acquisition": acq(MR, plane="sagittal", matrix=[160, 176], slices=15, slice_thickness_mm=3.0),
     "lesions": [{"level": "T11", "type": "lytic", "body_fraction": 0.55, "position": [0, 0.2, 0],
                  "extends": ["pedicle_right"]}],
     "collapse": [{"level": "T11", "anterior_pct": 25, "middle_pct": 20, "posterior_pct": 0}],
     "epidural": {"level": "T11", "bilsky": "2"}},
]

failures = []
rows = []
maxerr = {"collapse_pp": 0.0, "height_mm": 0.0, "height_vox": 0.0, "px_height_vox": 0.0, "px_collapse_pp": 0.0,
          "fraction": 0.0}


def check(cond, case, what):
    if not cond:
        failures.append("%s: %s" % (case, what))
    return cond


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=600, **kw)


def measure(dicom, ann):
    p = run([BIN, "measure", dicom, "--annotations", ann])
    if p.returncode != 0:
        return None, p.stderr.strip()
    return json.loads(p.stdout), ""


def tokens(m):
    s = {k: v["value"] for k, v in m["lesion"]["sins"].items()}
    e = m["lesion"].get("escc")
    s["escc"] = e["value"] if e else None
    return s


def voxel_along(truth, axis):
    s = truth["series"]
    dirs = [s["row_cosines"], s["column_cosines"], s["slice_normal"]]
    sp = [s["pixel_spacing_mm"][1], s["pixel_spacing_mm"][0], s["spacing_between_slices_mm"]]
    return sum(abs(sum(a * b for a, b in zip(axis, d))) * w for d, w in zip(dirs, sp))


def on_slice(truth, points):
    s = truth["series"]
    n, o, dz = s["slice_normal"], s["first_position_lps"], s["spacing_between_slices_mm"]
    for p in points:
        k = sum((p[i] - o[i]) * n[i] for i in range(3)) / dz
        if abs(k - round(k)) > 1e-3:
            return False
    return True


def one_case(name, spec_path, work):
    out = os.path.join(work, name)
    p = run([PHANTOM, spec_path, "--out", out, "--force"])
    if p.returncode != 0:
        check(False, name, "sps-phantom failed: " + p.stderr.strip())
        return
    truth_path = os.path.join(out, "truth.json")
    with open(truth_path) as f:
        t = json.load(f)
    dicom = os.path.join(out, "dicom")
    exp = t["expected"]
    focus = exp["level"]
    tv = next(v for v in t["vertebrae"] if v["level"] == focus)
    ct = t["series"]["modality"] == "CT"
    vox_h = voxel_along(t, tv["axes_lps"]["superior"])
    res = {}
    for mode, extra in (("lps", []), ("pixel", ["--pixel"])):
        ann = os.path.join(work, "%s.%s.json" % (name, mode))
        p = run([sys.executable, MAKE_ANN, truth_path, "--out", ann] + extra)
        if not check(p.returncode == 0, name, "make-annotations %s: %s" % (mode, p.stderr.strip())):
            return
        m, e = measure(dicom, ann)
        if not check(m is not None, name, "spinescore measure (%s) failed: %s" % (mode, e)):
            return
        res[mode] = m
    m = res["lps"]
    tok = tokens(m)
    want = dict(exp["sins"])
    want["escc"] = exp["bilsky"]
    row = {"case": name, "series": "%s %s %.1f mm%s" % (t["series"]["modality"], t["series"]["plane"],
                                                          t["series"]["spacing_between_slices_mm"],
                                                          " oblique" if name.find("oblique") >= 0 else "")}
    for comp in ("bone_lesion", "collapse", "alignment", "posterolateral", "escc"):
        got = tok.get(comp)
        w = want.get(comp)
        if comp == "bone_lesion" and not ct:
            check(got is None, name, "bone_lesion measured on MR")
            row[comp] = "n/a (MR)"
            continue
        if comp == "escc" and got is None:
            # no cord below the conus: the grade cannot be outlined; say so
            reason = [n["why"] for n in m["not_measured"] if n["component"] == "escc"]
            check(focus in ("L1", "L2", "L3", "L4", "L5") and w == "0", name, "ESCC not measured: %s" % reason)
            row[comp] = "n/a (no cord)"
            continue
        if comp == "alignment" and got is None:
            # allowed only when a neighbour of the focus has points outside the series
            ann_levels = {q["level"] for q in json.load(open(os.path.join(work, "%s.lps.json" % name)))["points"]}
            order = [v["level"] for v in t["vertebrae"]]
            i = order.index(focus)
            nb = [order[j] for j in (i - 1, i + 1) if 0 <= j < len(order)]
            missing = [lv for lv in nb if lv not in ann_levels]
            check(len(missing) > 0, name, "alignment not measured although both neighbours are annotated")
            row[comp] = "n/a (%s outside the series)" % ", ".join(missing)
            continue
        check(got == w, name, "%s: measured %s, truth %s" % (comp, got, w))
        row[comp] = got if got == w else "%s (truth %s)" % (got, w)
    c = m["measurements"]["collapse"]
    th = tv["heights_mm"]
    herr = max(abs(c["ha_mm"] - th["anterior"]), abs(c["hm_mm"] - th["middle"]), abs(c["hp_mm"] - th["posterior"]))
    cerr = abs(c["collapse_pct"] - tv["collapse_pct"]["max"])
    check(cerr <= 2.0, name, "collapse %.2f %% vs truth %.2f %%" % (c["collapse_pct"], tv["collapse_pct"]["max"]))
    check(herr <= vox_h, name, "height error %.3f mm > one voxel (%.2f mm)" % (herr, vox_h))
    row["collapse_pct"] = "%.2f / %.2f" % (c["collapse_pct"], tv["collapse_pct"]["max"])
    row["height_err_mm"] = herr
    maxerr["collapse_pp"] = max(maxerr["collapse_pp"], cerr)
    maxerr["height_mm"] = max(maxerr["height_mm"], herr)
    maxerr["height_vox"] = max(maxerr["height_vox"], herr / vox_h)
    a = m["measurements"].get("alignment")
    row["translation_mm"] = "%.2f / %.2f" % (a["translation_mm"], t["alignment"]["translation_mm"]["magnitude"]) if a else "-"
    row["kyphosis_deg"] = "%.2f / %.2f" % (a["segmental_kyphosis_deg"], t["alignment"]["segmental_kyphosis_deg_focus"]) if a else "-"
    row["coronal_deg"] = "%.2f" % a["coronal_deg"] if a and "coronal_deg" in a else "-"
    if "bone_lesion" in m["measurements"]:
        b = m["measurements"]["bone_lesion"]
        row["lesion_hu"] = "%.0f vs ref %.0f" % (b["lesion_mean_hu"], b["reference_mean_hu"])
    else:
        row["lesion_hu"] = "-"
    e = m["measurements"].get("escc")
    if e:
        ea = t.get("epidural")
        truth_sac = "%.1f" % ea["areas_mm2"]["thecal_sac"] if ea else "-"
        row["escc_evidence"] = "sac %.1f (truth %s) / ref %.1f mm2, cord %.1f / ref %.1f mm2, CSF rim %.2f%s" % (
            e["sac_area_mm2"], truth_sac, e["ref_sac_area_mm2"], e["cord_area_mm2"], e["ref_cord_area_mm2"], e["csf_rim_fraction"],
            ", tumour-cord %.2f mm" % e["tumor_cord_distance_mm"] if "tumor_cord_distance_mm" in e else "")
    else:
        row["escc_evidence"] = "-"
    # pixel references
    px = res["pixel"]
    ptok = tokens(px)
    check(ptok == tok, name, "pixel references give %s, LPS points %s" % (ptok, tok))
    pe = px["measurements"].get("escc")
    if e and pe:
        # outlines parallel to the slices are drawn on the nearest slice: the same areas
        d = max(abs(pe[k] - e[k]) for k in ("sac_area_mm2", "cord_area_mm2", "ref_sac_area_mm2", "ref_cord_area_mm2"))
        check(d < 0.01, name, "outline areas from pixel references differ from LPS by %.4f mm2" % d)
    pc = px["measurements"]["collapse"]
    pherr = max(abs(pc["ha_mm"] - th["anterior"]), abs(pc["hm_mm"] - th["middle"]), abs(pc["hp_mm"] - th["posterior"]))
    check(pherr <= vox_h + 1e-6, name, "pixel-reference height error %.3f mm > one voxel (%.2f mm)" % (pherr, vox_h))
    pts = [p for v in t["vertebrae"] for p in v["morphometry_points_lps"].values()]
    exact = on_slice(t, pts)
    if exact:
        d = max(abs(pc[k] - c[k]) for k in ("ha_mm", "hm_mm", "hp_mm"))
        check(d <= 0.01, name, "points on slices: pixel references differ from LPS by %.4f mm" % d)
    row["pixel"] = "same tokens; height err %.2f mm (%.2f voxel); collapse %.2f%s" % (
        pherr, pherr / vox_h, pc["collapse_pct"], "; on-slice: equal to LPS" if exact else "")
    maxerr["px_height_vox"] = max(maxerr["px_height_vox"], pherr / vox_h)
    maxerr["px_collapse_pp"] = max(maxerr["px_collapse_pp"], abs(pc["collapse_pct"] - tv["collapse_pct"]["max"]))
    # body outline: measured lesion fraction
    if ct and t["series"]["plane"] == "axial" and "oblique" not in name and t["lesions"]:
        ann = os.path.join(work, "%s.body.json" % name)
        p = run([sys.executable, MAKE_ANN, truth_path, "--outline-body", "--out", ann])
        check(p.returncode == 0, name, "make-annotations --outline-body: " + p.stderr.strip())
        # drop the reader's estimate so that the measured fraction is the one used
        with open(ann) as f:
            doc = json.load(f)
        for v in doc["vertebrae"]:
            v.pop("body_involved_fraction", None)
        with open(ann, "w") as f:
            json.dump(doc, f)
        mb, e = measure(dicom, ann)
        if check(mb is not None, name, "measure with body outline failed: " + e):
            fr = mb["measurements"]["body_involvement"]["body_involved_fraction"]
            tf = t["lesions"][0]["body_fraction"]
            check(abs(fr - tf) <= 0.05, name, "lesion fraction of the body %.3f vs truth %.3f" % (fr, tf))
            check(tokens(mb)["collapse"] == want["collapse"], name, "collapse token with the measured fraction: %s" % tokens(mb)["collapse"])
            check(tokens(mb)["bone_lesion"] == want["bone_lesion"], name, "bone lesion from the outlined lesion: %s" % tokens(mb)["bone_lesion"])
            row["body_fraction"] = "%.3f / %.3f" % (fr, tf)
            maxerr["fraction"] = max(maxerr["fraction"], abs(fr - tf))
    row.setdefault("body_fraction", "-")
    rows.append(row)


def main():
    if not BIN or not PHANTOM:
        print("SKIP: SPS_BIN and SPS_PHANTOM are needed")
        return 77
    with tempfile.TemporaryDirectory(prefix="sps-accuracy-") as work:
        cases = []
        for spec in sorted(glob.glob(os.path.join(SRC, "sample-data", "*", "spec.json"))):
            cases.append((os.path.basename(os.path.dirname(spec)), spec))
        for g in GENERATED:
            path = os.path.join(work, g["name"] + ".spec.json")
            with open(path, "w") as f:
                json.dump(g, f)
            cases.append((g["name"], path))
        for name, spec in cases:
            one_case(name, spec, work)
    tables = [["case", "series", "bone_lesion", "collapse", "alignment", "posterolateral", "escc"],
              ["case", "collapse_pct", "height_err_mm", "translation_mm", "kyphosis_deg", "coronal_deg", "lesion_hu",
               "body_fraction"],
              ["case", "escc_evidence", "pixel"]]
    for cols in tables:
        print("| " + " | ".join(cols) + " |")
        print("|" + " --- |" * len(cols))
        for r in rows:
            print("| " + " | ".join(("%.3f" % r[c]) if isinstance(r.get(c), float) else str(r.get(c, "-")) for c in cols) + " |")
        print()
    print("\nmax errors: collapse %.3f pp, height %.3f mm (%.3f voxel); pixel references: height %.3f voxel, "
          "collapse %.3f pp; lesion fraction of the body %.3f" % (
              maxerr["collapse_pp"], maxerr["height_mm"], maxerr["height_vox"], maxerr["px_height_vox"],
              maxerr["px_collapse_pp"], maxerr["fraction"]))
    print("%d cases, %d failures" % (len(rows), len(failures)))
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
