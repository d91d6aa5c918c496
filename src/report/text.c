/* text.c — report.txt: the inputs, one line per image-derived component with the numbers behind it
 * (measured next to final when overridden), then the decision core's own summary (src/core/text.c). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_internal.h"

static int num(const cJSON *o, const char *k, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsNumber(v))
        return 0;
    *out = fabs(v->valuedouble) < 0.05 ? 0.0 : v->valuedouble; /* no "-0.0" in the text */
    return 1;
}

/* The numbers behind a measured component, compactly (units in the member names). */
static void evidence_line(sps_str *s, const char *comp, const cJSON *ev)
{
    double a, b, c, d;
    if (strcmp(comp, "collapse") == 0 && num(ev, "ha_mm", &a) && num(ev, "hm_mm", &b) && num(ev, "hp_mm", &c)) {
        sps_str_printf(s, "Ha %.1f / Hm %.1f / Hp %.1f mm", a, b, c);
        if (num(ev, "collapse_pct", &d))
            sps_str_printf(s, ", collapse %.1f %%", d);
        if (num(ev, "genant_grade", &d))
            sps_str_printf(s, " (Genant %d)", (int)d);
        const char *ref = sps_rep__js(ev, "reference_method");
        if (ref)
            sps_str_printf(s, ", reference %s", ref);
        if (num(ev, "body_involved_fraction", &d))
            sps_str_printf(s, ", body involved %.0f %%", 100 * d);
        if (sps_rep__js(ev, "near_cut"))
            sps_str_printf(s, "; NEAR A CUT: %s", sps_rep__js(ev, "near_cut"));
    } else if (strcmp(comp, "alignment") == 0 && num(ev, "translation_mm", &a)) {
        sps_str_printf(s, "translation %.1f mm", a);
        if (num(ev, "segmental_kyphosis_deg", &b))
            sps_str_printf(s, ", segmental kyphosis %.1f deg", b);
        if (num(ev, "coronal_deg", &c))
            sps_str_printf(s, ", coronal %.1f deg", c);
        if (sps_rep__js(ev, "confirm"))
            sps_str_append(s, "; de novo must be confirmed against a prior study");
    } else if (strcmp(comp, "posterolateral") == 0 && cJSON_GetObjectItemCaseSensitive(ev, "left")) {
        sps_str_printf(s, "left %s, right %s", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "left")) ? "involved" : "free",
                       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "right")) ? "involved" : "free");
    } else if (strcmp(comp, "escc") == 0 && num(ev, "sac_area_mm2", &a) && num(ev, "ref_sac_area_mm2", &b)) {
        sps_str_printf(s, "sac %.0f mm2 (%.0f %% of reference)", a, b > 0 ? 100 * a / b : NAN);
        if (num(ev, "cord_area_mm2", &c) && num(ev, "ref_cord_area_mm2", &d))
            sps_str_printf(s, ", cord %.0f mm2 (%.0f %%)", c, d > 0 ? 100 * c / d : NAN);
        if (num(ev, "tumor_cord_distance_mm", &a))
            sps_str_printf(s, ", tumour-cord %.1f mm", a);
        if (num(ev, "csf_rim_fraction", &a))
            sps_str_printf(s, ", CSF rim %.0f %%", 100 * a);
        if (sps_rep__js(ev, "confirm"))
            sps_str_append(s, "; the tumour outline is semi-automatic: confirm it");
    } else if (strcmp(comp, "bone_lesion") == 0 && num(ev, "lesion_mean_hu", &a)) {
        sps_str_printf(s, "lesion mean %.0f HU", a);
        if (num(ev, "reference_mean_hu", &b))
            sps_str_printf(s, " vs reference %.0f HU", b);
    } else {
        /* unknown evidence: its numbers, as given */
        const cJSON *e;
        int n = 0;
        cJSON_ArrayForEach(e, ev)
        {
            if (cJSON_IsNumber(e) && n++ < 6)
                sps_str_printf(s, "%s%s %g", n > 1 ? ", " : "", e->string, e->valuedouble);
        }
    }
}

char *sps_report_to_text(const sps_report *r)
{
    if (!r || !r->decision)
        return NULL;
    cJSON *doc = sps_rep__build_json(r);
    if (!doc)
        return NULL;
    sps_str s = {0};
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(doc, "inputs");
    sps_str_printf(&s, "spinescore report — %s\n", sps_rep__js(doc, "software"));
    if (sps_rep__js(in, "case_id"))
        sps_str_printf(&s, "case       %s\n", sps_rep__js(in, "case_id"));
    if (r->include_identifiers && (r->patient_name || r->patient_id))
        sps_str_printf(&s, "patient    %s  ID %s  born %s\n", r->patient_name ? r->patient_name : "?",
                       r->patient_id ? r->patient_id : "?", r->patient_birth_date ? r->patient_birth_date : "?");
    sps_str_printf(&s, "study      %s\n", sps_rep__js(in, "study_uid") ? sps_rep__js(in, "study_uid") : "(not given)");
    const cJSON *se;
    cJSON_ArrayForEach(se, cJSON_GetObjectItemCaseSensitive(in, "series"))
    {
        sps_str_printf(&s, "series     %s%s%s%s%s\n", sps_rep__js(se, "series_uid") ? sps_rep__js(se, "series_uid") : "?",
                       sps_rep__js(se, "modality") ? "  " : "", sps_rep__js(se, "modality") ? sps_rep__js(se, "modality") : "",
                       sps_rep__js(se, "role") ? "  for " : "", sps_rep__js(se, "role") ? sps_rep__js(se, "role") : "");
    }
    sps_str_printf(&s, "files      annotations %s, clinical %s%s%s\n",
                   sps_rep__js(in, "annotations_file") ? sps_rep__js(in, "annotations_file") : "-",
                   sps_rep__js(in, "clinical_file") ? sps_rep__js(in, "clinical_file") : "-",
                   sps_rep__js(in, "seeds_file") ? ", seeds " : "", sps_rep__js(in, "seeds_file") ? sps_rep__js(in, "seeds_file") : "");

    const cJSON *lo;
    cJSON_ArrayForEach(lo, cJSON_GetObjectItemCaseSensitive(doc, "lesions"))
    {
        if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(lo, "measured")))
            continue;
        sps_str_printf(&s, "\nImage measurements at %s (component: final value [source] <- the numbers behind it)\n",
                       sps_rep__js(lo, "level") ? sps_rep__js(lo, "level") : "?");
        const cJSON *comps = cJSON_GetObjectItemCaseSensitive(lo, "components");
        for (size_t i = 0; i < SPS_REP_NIMAGE; i++) {
            const char *comp = sps_rep__image_components[i];
            const cJSON *row = cJSON_GetObjectItemCaseSensitive(comps, comp);
            const cJSON *m = cJSON_GetObjectItemCaseSensitive(row, "measured");
            const cJSON *f = cJSON_GetObjectItemCaseSensitive(row, "final");
            const char *status = sps_rep__js(row, "status");
            const cJSON *p = cJSON_GetObjectItemCaseSensitive(f, "points");
            char pts[16] = "";
            if (cJSON_IsNumber(p))
                snprintf(pts, sizeof pts, " (%d)", p->valueint);
            sps_str_printf(&s, "  %-15s %s%s [%s]", comp, sps_rep__js(f, "value") ? sps_rep__js(f, "value") : "?", pts,
                           status ? status : "?");
            if (cJSON_IsObject(m)) {
                sps_str_append(&s, " <- ");
                evidence_line(&s, comp, cJSON_GetObjectItemCaseSensitive(m, "evidence"));
                if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(row, "changed_from_measured")) ||
                    (status && strcmp(status, "invalid") == 0))
                    sps_str_printf(&s, "\n  %-15s   measured %s, final %s%s%s", "",
                                   sps_rep__js(m, "value"), sps_rep__js(f, "value"),
                                   sps_rep__js(f, "reason") ? "; reason: " : "",
                                   sps_rep__js(f, "reason") ? sps_rep__js(f, "reason") : "");
            } else if (sps_rep__js(row, "not_measured")) {
                sps_str_printf(&s, " <- not measured: %s", sps_rep__js(row, "not_measured"));
            }
            sps_str_append(&s, "\n");
        }
    }
    const cJSON *n;
    int header = 0;
    cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(doc, "merge_notes"))
    {
        const char *kind = sps_rep__js(n, "kind");
        if (!kind || strcmp(kind, "agrees") == 0)
            continue;
        if (!header++)
            sps_str_append(&s, "\nClinical file vs measurements\n");
        sps_str_printf(&s, "  %s %s: %s\n", strcmp(kind, "conflict") == 0 ? "CONFLICT" : "override", sps_rep__js(n, "field"),
                       sps_rep__js(n, "message"));
    }
    sps_str_append(&s, "\n");
    sps_str_append(&s, r->decision_text);
    cJSON_Delete(doc);
    return sps_str_detach(&s);
}
