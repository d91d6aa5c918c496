/* survival.c — the survival scores (revised Tokuhashi, Tomita, modified Bauer, NESMS, new
 * Katagiri) as one table-driven engine over models/<score>.json: item points, total, band, and
 * for a missing item the range the total could take. */
#include <math.h>
#include <string.h>

#include "core_internal.h"

static const char *const score_names[] = {"tokuhashi_revised", "tomita", "bauer_modified", "nesms",
                                          "katagiri_new"};

/* An item's outcome: decided points, or a range [lo, hi] when inputs are missing. */
typedef struct item_out {
    int decided;
    int lo, hi;
    int invalid;
} item_out;

/* ---- reading patient fields with the ranges of models/inputs.json ------------------------ */

static const cJSON *field_spec(sps_ctx *ctx, const char *name)
{
    const sps_model *m = sps_ctx__model(ctx, "inputs");
    const cJSON *fields = m ? sps_m_obj(ctx, m, m->root, "fields") : NULL;
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(fields, name);
    if (!cJSON_IsObject(f))
        sps_ctx__model_error(ctx, "inputs", name, "no field specification for this input");
    return cJSON_IsObject(f) ? f : NULL;
}

/* Number input with unit alternative (albumin_g_l -> albumin_g_dl). Returns 1 if a value was read.
 * When item is given, a conversion is recorded in it ("unit", "converted_from"). */
static int read_number(sps_ctx *ctx, const char *name, sps_input *in, double *out, cJSON *item)
{
    const sps_model *m = sps_models__find(ctx->models, "inputs");
    const cJSON *spec = field_spec(ctx, name);
    if (!spec)
        return 0;
    double lo = sps_m_dbl(ctx, m, spec, "min");
    double hi = sps_m_dbl(ctx, m, spec, "max");
    *in = sps_in_get(ctx, ctx->patient, name, "patient");
    const cJSON *alt0 = cJSON_GetObjectItemCaseSensitive(spec, "alternative");
    if (in->state == SPS_IN_OK && cJSON_IsObject(alt0) && cJSON_IsNumber(in->value)) {
        const char *an = sps_m_tok(ctx, m, alt0, "field");
        sps_input ai = sps_in_get(ctx, ctx->patient, an, "patient");
        double factor = sps_m_dbl(ctx, m, alt0, "factor");
        if (ai.state == SPS_IN_OK && cJSON_IsNumber(ai.value) &&
            fabs(ai.value->valuedouble * factor - in->value->valuedouble) > 0.051) {
            char problem[256];
            snprintf(problem, sizeof problem, "given in both units and they disagree (%s = %g converts to %g)", ai.path,
                     ai.value->valuedouble, ai.value->valuedouble * factor);
            sps_ctx__invalid(ctx, in, problem, NULL);
            return 0;
        }
    }
    if (in->state == SPS_IN_MISSING) {
        const cJSON *alt = cJSON_GetObjectItemCaseSensitive(spec, "alternative");
        if (cJSON_IsObject(alt)) {
            const char *an = sps_m_tok(ctx, m, alt, "field");
            sps_input ai = sps_in_get(ctx, ctx->patient, an, "patient");
            double v;
            if (ai.state == SPS_IN_OK &&
                sps_in_number(ctx, &ai, sps_m_dbl(ctx, m, alt, "min"),
                              sps_m_dbl(ctx, m, alt, "max"), &v)) {
                *in = ai;
                double factor = sps_m_dbl(ctx, m, alt, "factor");
                *out = v * factor;
                if (item) {
                    const cJSON *u = cJSON_GetObjectItemCaseSensitive(spec, "unit");
                    const cJSON *au = cJSON_GetObjectItemCaseSensitive(alt, "unit");
                    cJSON *cf = cJSON_AddObjectToObject(item, "converted_from");
                    cJSON_AddStringToObject(cf, "field", ai.path);
                    cJSON_AddNumberToObject(cf, "value", v);
                    if (cJSON_IsString(au))
                        cJSON_AddStringToObject(cf, "unit", au->valuestring);
                    cJSON_AddNumberToObject(cf, "factor", factor);
                    if (cJSON_IsString(u))
                        cJSON_AddStringToObject(cf, "to_unit", u->valuestring);
                }
                return 1;
            }
            if (ai.state == SPS_IN_INVALID) {
                *in = ai;
                return 0;
            }
        }
        return 0;
    }
    if (in->state == SPS_IN_OK && cJSON_IsNumber(in->value) && in->value->valuedouble > hi) {
        const cJSON *note = cJSON_GetObjectItemCaseSensitive(spec, "note");
        char problem[256];
        snprintf(problem, sizeof problem, "expected a number from %g to %g%s%s", lo, hi,
                 cJSON_IsString(note) ? ". " : "", cJSON_IsString(note) ? note->valuestring : "");
        sps_ctx__invalid(ctx, in, problem, NULL);
        return 0;
    }
    return sps_in_number(ctx, in, lo, hi, out);
}

static int read_int(sps_ctx *ctx, const char *name, sps_input *in, long *out)
{
    const sps_model *m = sps_models__find(ctx->models, "inputs");
    const cJSON *spec = field_spec(ctx, name);
    *in = sps_in_get(ctx, ctx->patient, name, "patient");
    if (!spec)
        return 0;
    const cJSON *step = cJSON_GetObjectItemCaseSensitive(spec, "step");
    return sps_in_int(ctx, in, (long)sps_m_dbl(ctx, m, spec, "min"),
                      (long)sps_m_dbl(ctx, m, spec, "max"),
                      cJSON_IsNumber(step) ? (long)step->valuedouble : 1, out);
}

/* ---- derivations (documented in docs/formats.md) ----------------------------------------- */

/* Skeletal metastases from the two counts: 1 = solitary, 0 = multiple, -1 unknown, -2 invalid. */
static int skeletal_solitary(sps_ctx *ctx, cJSON *item, cJSON *res)
{
    sps_input ein, vin;
    long e = 0, v = 0;
    int have_e = read_int(ctx, "extraspinal_bone_metastases", &ein, &e);
    int have_v = read_int(ctx, "vertebral_body_metastases", &vin, &v);
    if (ein.state == SPS_IN_INVALID || vin.state == SPS_IN_INVALID) {
        if (ein.state == SPS_IN_INVALID)
            sps_result_invalid(res, ein.path);
        if (vin.state == SPS_IN_INVALID)
            sps_result_invalid(res, vin.path);
        return -2;
    }
    int from_counts = -1;
    if ((have_v && v >= 2) || (have_e && e >= 1))
        from_counts = 0;
    else if (have_e && have_v)
        from_counts = (e + v == 1) ? 1 : 0;
    /* an explicit Tomita-style entry must agree with the counts; alone, it decides */
    sps_input bin = sps_in_get(ctx, ctx->patient, "bone_metastases", "patient");
    int explicit_v = -1;
    if (bin.state == SPS_IN_OK && cJSON_IsString(bin.value)) {
        if (strcmp(bin.value->valuestring, "solitary") == 0)
            explicit_v = 1;
        else if (strcmp(bin.value->valuestring, "multiple") == 0)
            explicit_v = 0;
    }
    if (explicit_v >= 0 && from_counts >= 0 && explicit_v != from_counts) {
        char msg[200];
        snprintf(msg, sizeof msg, "contradicts the metastasis counts (extraspinal %s, vertebral %s), which give \"%s\"",
                 have_e ? "given" : "missing", have_v ? "given" : "missing", from_counts ? "solitary" : "multiple");
        sps_ctx__invalid(ctx, &bin, msg, NULL);
        sps_result_invalid(res, bin.path);
        return -2;
    }
    if (from_counts >= 0) {
        cJSON_AddStringToObject(item, "derived_from", "patient.extraspinal_bone_metastases + patient.vertebral_body_metastases");
        return from_counts;
    }
    if (explicit_v >= 0) {
        cJSON_AddStringToObject(item, "derived_from", "patient.bone_metastases");
        return explicit_v;
    }
    if (!have_e)
        sps_result_missing(res, ein.path);
    if (!have_v)
        sps_result_missing(res, vin.path);
    return -1;
}

/* Resolve a derived value as a token or boolean; returns 1 ok, 0 missing, -1 invalid. */
static int derive(sps_ctx *ctx, const char *how, cJSON *item, cJSON *res, const char **tok, int *b)
{
    const sps_model *m = NULL; /* item belongs to the score being computed: named "?" in errors */
    if (strcmp(how, "skeletal_solitary_or_multiple") == 0 || strcmp(how, "skeletal_solitary") == 0 ||
        strcmp(how, "skeletal_multiple") == 0) {
        int s = skeletal_solitary(ctx, item, res);
        if (s < 0)
            return s == -2 ? -1 : 0;
        *tok = s ? "solitary" : "multiple";
        *b = strcmp(how, "skeletal_multiple") == 0 ? !s : s;
        return 1;
    }
    if (strcmp(how, "visceral_absent") == 0) {
        sps_input in = sps_in_get(ctx, ctx->patient, "visceral_metastases", "patient");
        cJSON_AddStringToObject(item, "derived_from", "patient.visceral_metastases (none -> true)");
        if (in.state == SPS_IN_MISSING) {
            sps_result_missing(res, in.path);
            return 0;
        }
        if (in.state == SPS_IN_OK && cJSON_IsString(in.value) &&
            (strcmp(in.value->valuestring, "none") == 0 || strcmp(in.value->valuestring, "treatable") == 0 ||
             strcmp(in.value->valuestring, "untreatable") == 0)) {
            *b = strcmp(in.value->valuestring, "none") == 0;
            return 1;
        }
        if (in.state == SPS_IN_OK) {
            cJSON *allowed = cJSON_CreateArray();
            cJSON_AddItemToArray(allowed, cJSON_CreateString("none"));
            cJSON_AddItemToArray(allowed, cJSON_CreateString("treatable"));
            cJSON_AddItemToArray(allowed, cJSON_CreateString("untreatable"));
            sps_ctx__invalid(ctx, &in, "not an allowed category", allowed);
            cJSON_Delete(allowed);
        }
        sps_result_invalid(res, in.path);
        return -1;
    }
    if (strcmp(how, "primary_not_lung") == 0 || strcmp(how, "primary_bauer_favourable") == 0) {
        const char *htok = NULL;
        sps_in_state hstate;
        const cJSON *h = sps_histology__entry(ctx, &htok, &hstate);
        const char *key = strcmp(how, "primary_not_lung") == 0 ? "bauer_lung" : "bauer_favourable";
        char from[160];
        snprintf(from, sizeof from, "patient.histology via models/histology.json %s", key);
        cJSON_AddStringToObject(item, "derived_from", from);
        if (!h) {
            if (hstate == SPS_IN_INVALID)
                sps_result_invalid(res, "patient.histology");
            else
                sps_result_missing(res, "patient.histology");
            return hstate == SPS_IN_INVALID ? -1 : 0;
        }
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(h, key);
        if (!cJSON_IsBool(v)) {
            char f[96];
            snprintf(f, sizeof f, "patient.%s", sps_m_tok(ctx, m, item, "input_name"));
            sps_result_missing(res, f);
            return 0;
        }
        *b = strcmp(key, "bauer_lung") == 0 ? !cJSON_IsTrue(v) : cJSON_IsTrue(v);
        return 1;
    }
    sps_ctx__model_error(ctx, "survival", how, "unknown derivation");
    return -1;
}

/* ---- one item ---------------------------------------------------------------------------- */

static void range_of_points(const cJSON *list, const char *key, int *lo, int *hi)
{
    *lo = 1000;
    *hi = -1000;
    const cJSON *o;
    cJSON_ArrayForEach(o, list)
    {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, key);
        if (cJSON_IsNumber(p)) {
            if (p->valueint < *lo)
                *lo = p->valueint;
            if (p->valueint > *hi)
                *hi = p->valueint;
        }
    }
    if (*lo > *hi)
        *lo = *hi = 0;
}

static void set_points(cJSON *item, item_out *out, int pts, const char *label)
{
    out->decided = 1;
    out->lo = out->hi = pts;
    cJSON_AddNumberToObject(item, "points", pts);
    if (label)
        cJSON_AddStringToObject(item, "finding", label);
}

static void score_item(sps_ctx *ctx, const sps_model *m, const cJSON *def, cJSON *item, cJSON *res,
                       const cJSON *computed, item_out *out)
{
    memset(out, 0, sizeof *out);
    const char *type = sps_m_str(ctx, m, def, "type");
    const cJSON *input = cJSON_GetObjectItemCaseSensitive(def, "input");
    const char *iname = cJSON_IsString(input) ? input->valuestring : NULL;
    if (iname)
        cJSON_AddStringToObject(item, "input_name", iname);
    if (!type)
        return;

    if (strcmp(type, "choice") == 0) {
        const cJSON *opts = sps_m_arr(ctx, m, def, "options");
        if (!opts || !iname)
            return;
        range_of_points(opts, "points", &out->lo, &out->hi);
        sps_input in = sps_in_get(ctx, ctx->patient, iname, "patient");
        int pts = 0;
        const cJSON *dv0 = cJSON_GetObjectItemCaseSensitive(def, "derive");
        if (in.state == SPS_IN_OK && cJSON_IsString(dv0) && strcmp(dv0->valuestring, "skeletal_solitary_or_multiple") == 0 &&
            cJSON_IsString(in.value)) {
            /* explicit entry and counts both given: they must agree */
            const char *tok0 = NULL;
            int b0 = 0;
            cJSON *scratch = cJSON_CreateObject();
            int r0 = derive(ctx, dv0->valuestring, scratch, res, &tok0, &b0);
            cJSON_Delete(scratch);
            if (r0 < 0) {
                out->invalid = 1;
                return;
            }
        }
        if (in.state == SPS_IN_OK) {
            const cJSON *o = sps_in_choice(ctx, &in, opts, 0, &pts);
            if (o) {
                set_points(item, out, pts, sps_m_tok(ctx, m, o, "label"));
                cJSON_AddStringToObject(item, "value", in.value->valuestring);
                sps_in_provenance(&in, item);
                return;
            }
        }
        if (in.state == SPS_IN_INVALID) {
            sps_result_invalid(res, in.path);
            out->invalid = 1;
            return;
        }
        /* missing: histology table or a derivation may decide it */
        const cJSON *fh = cJSON_GetObjectItemCaseSensitive(def, "from_histology");
        const cJSON *dv = cJSON_GetObjectItemCaseSensitive(def, "derive");
        const char *tok = NULL;
        if (cJSON_IsString(fh)) {
            const char *htok = NULL;
            sps_in_state hstate;
            const cJSON *h = sps_histology__entry(ctx, &htok, &hstate);
            const cJSON *cls = h ? cJSON_GetObjectItemCaseSensitive(h, fh->valuestring) : NULL;
            if (cJSON_IsString(cls)) {
                tok = cls->valuestring;
                char from[200];
                snprintf(from, sizeof from, "patient.histology \"%s\" via models/histology.json %s", htok, fh->valuestring);
                cJSON_AddStringToObject(item, "derived_from", from);
            } else if (hstate == SPS_IN_INVALID) {
                sps_result_invalid(res, "patient.histology");
                out->invalid = 1;
                return;
            } else {
                if (h) {
                    char note[256];
                    snprintf(note, sizeof note, "histology \"%s\" does not determine this item: enter patient.%s", htok, iname);
                    cJSON_AddStringToObject(item, "note", note);
                }
                sps_result_missing(res, in.path);
                return;
            }
        } else if (cJSON_IsString(dv)) {
            int b = 0;
            int r = derive(ctx, dv->valuestring, item, res, &tok, &b);
            if (r < 0)
                out->invalid = 1;
            if (r <= 0)
                return;
        } else {
            sps_result_missing(res, in.path);
            return;
        }
        sps_input t;
        memset(&t, 0, sizeof t);
        t.state = SPS_IN_OK;
        t.source = "entered";
        cJSON *tv = cJSON_CreateString(tok);
        t.value = tv;
        snprintf(t.path, sizeof t.path, "patient.%s (derived)", iname);
        const cJSON *o = sps_in_choice(ctx, &t, opts, 0, &pts);
        cJSON_Delete(tv);
        if (!o) {
            sps_ctx__model_error(ctx, m->name, iname, "derived category is not an option of this item");
            return;
        }
        set_points(item, out, pts, sps_m_tok(ctx, m, o, "label"));
        cJSON_AddStringToObject(item, "value", tok);
        cJSON_AddStringToObject(item, "source", "derived");
        return;
    }

    if (strcmp(type, "int_bands") == 0) {
        const cJSON *bands = sps_m_arr(ctx, m, def, "bands");
        if (!bands || !iname)
            return;
        range_of_points(bands, "points", &out->lo, &out->hi);
        sps_input in;
        long v = 0;
        if (read_int(ctx, iname, &in, &v)) {
            const cJSON *b;
            cJSON_ArrayForEach(b, bands)
            {
                if (v >= sps_m_int(ctx, m, b, "min") &&
                    v <= sps_m_int(ctx, m, b, "max")) {
                    set_points(item, out, sps_m_int(ctx, m, b, "points"),
                               sps_m_tok(ctx, m, b, "label"));
                    cJSON_AddNumberToObject(item, "value", (double)v);
                    sps_in_provenance(&in, item);
                    return;
                }
            }
            const cJSON *note = cJSON_GetObjectItemCaseSensitive(def, "note");
            char problem[300];
            snprintf(problem, sizeof problem, "value %ld has no points in this item%s%s", v,
                     cJSON_IsString(note) ? ": " : "", cJSON_IsString(note) ? note->valuestring : "");
            sps_ctx__invalid(ctx, &in, problem, NULL);
        }
        if (in.state == SPS_IN_INVALID) {
            sps_result_invalid(res, in.path);
            out->invalid = 1;
        } else {
            sps_result_missing(res, in.path);
        }
        return;
    }

    if (strcmp(type, "bool") == 0) {
        double tp = 0, fp = 0;
        if (!sps_m_num(ctx, m, def, "true_points", &tp) || !sps_m_num(ctx, m, def, "false_points", &fp) || !iname)
            return;
        out->lo = (int)fmin(tp, fp);
        out->hi = (int)fmax(tp, fp);
        sps_input in = sps_in_get(ctx, ctx->patient, iname, "patient");
        int b = 0;
        if (in.state == SPS_IN_OK && sps_in_bool(ctx, &in, &b)) {
            set_points(item, out, b ? (int)tp : (int)fp, NULL);
            cJSON_AddBoolToObject(item, "value", b);
            sps_in_provenance(&in, item);
            return;
        }
        if (in.state == SPS_IN_INVALID) {
            sps_result_invalid(res, in.path);
            out->invalid = 1;
            return;
        }
        const cJSON *dv = cJSON_GetObjectItemCaseSensitive(def, "derive");
        if (!cJSON_IsString(dv)) {
            sps_result_missing(res, in.path);
            return;
        }
        const char *tok = NULL;
        int r = derive(ctx, dv->valuestring, item, res, &tok, &b);
        if (r < 0)
            out->invalid = 1;
        if (r <= 0)
            return;
        set_points(item, out, b ? (int)tp : (int)fp, NULL);
        cJSON_AddBoolToObject(item, "value", b);
        cJSON_AddStringToObject(item, "source", "derived");
        return;
    }

    if (strcmp(type, "number_threshold") == 0) {
        double tp = 0, fp = 0, cut = 0;
        if (!sps_m_num(ctx, m, def, "true_points", &tp) || !sps_m_num(ctx, m, def, "false_points", &fp) ||
            !sps_m_num(ctx, m, def, "at_least", &cut) || !iname)
            return;
        out->lo = (int)fmin(tp, fp);
        out->hi = (int)fmax(tp, fp);
        sps_input in;
        double v = 0;
        if (read_number(ctx, iname, &in, &v, item)) {
            set_points(item, out, v >= cut ? (int)tp : (int)fp, NULL);
            cJSON_AddNumberToObject(item, "value", v);
            sps_in_provenance(&in, item);
            return;
        }
        if (in.state == SPS_IN_INVALID) {
            sps_result_invalid(res, in.path);
            out->invalid = 1;
        } else {
            sps_result_missing(res, in.path);
        }
        return;
    }

    if (strcmp(type, "score_threshold") == 0) {
        double tp = 0, fp = 0, cut = 0;
        const char *sname = sps_m_str(ctx, m, def, "score");
        if (!sname || !sps_m_num(ctx, m, def, "true_points", &tp) || !sps_m_num(ctx, m, def, "false_points", &fp) ||
            !sps_m_num(ctx, m, def, "min_total", &cut))
            return;
        out->lo = (int)fmin(tp, fp);
        out->hi = (int)fmax(tp, fp);
        const cJSON *other = cJSON_GetObjectItemCaseSensitive(computed, sname);
        char from[96];
        snprintf(from, sizeof from, "survival.%s", sname);
        cJSON_AddStringToObject(item, "derived_from", from);
        const cJSON *tot = cJSON_GetObjectItemCaseSensitive(other, "total");
        const cJSON *range = cJSON_GetObjectItemCaseSensitive(other, "total_range");
        if (cJSON_IsNumber(tot)) {
            set_points(item, out, tot->valuedouble >= cut ? (int)tp : (int)fp, NULL);
            cJSON_AddNumberToObject(item, "value", tot->valuedouble);
            return;
        }
        if (range) {
            double lo = sps_m_dbl(ctx, m, range, "min");
            double hi = sps_m_dbl(ctx, m, range, "max");
            if (lo >= cut || hi < cut) {
                set_points(item, out, lo >= cut ? (int)tp : (int)fp, NULL);
                cJSON_AddStringToObject(item, "note", "decided by the range of the underlying score");
                return;
            }
        }
        const cJSON *f;
        cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(other, "missing")) sps_result_missing(res, f->valuestring);
        cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(other, "invalid"))
        {
            sps_result_invalid(res, f->valuestring);
            out->invalid = 1;
        }
        return;
    }

    if (strcmp(type, "worst_of") == 0) {
        const cJSON *tests = sps_m_arr(ctx, m, def, "tests");
        if (!tests)
            return;
        int present_max = 0, missing_max = 0;
        cJSON *found = cJSON_AddArrayToObject(item, "findings");
        cJSON *absent = cJSON_CreateArray();
        const cJSON *t;
        cJSON_ArrayForEach(t, tests)
        {
            const char *tin = sps_m_str(ctx, m, t, "input");
            double pts = 0;
            if (!tin || !sps_m_num(ctx, m, t, "points", &pts))
                continue;
            sps_input in;
            double v = 0;
            if (read_number(ctx, tin, &in, &v, item)) {
                const cJSON *al = cJSON_GetObjectItemCaseSensitive(t, "at_least");
                const cJSON *be = cJSON_GetObjectItemCaseSensitive(t, "below");
                int abnormal = (cJSON_IsNumber(al) && v >= al->valuedouble) || (cJSON_IsNumber(be) && v < be->valuedouble);
                if (abnormal) {
                    cJSON_AddItemToArray(found, cJSON_CreateString(sps_m_tok(ctx, m, t, "label")));
                    if ((int)pts > present_max)
                        present_max = (int)pts;
                }
            } else if (in.state == SPS_IN_INVALID) {
                sps_result_invalid(res, in.path);
                out->invalid = 1;
            } else {
                cJSON_AddItemToArray(absent, cJSON_CreateString(in.path));
                if ((int)pts > missing_max)
                    missing_max = (int)pts;
            }
        }
        out->lo = present_max;
        out->hi = present_max > missing_max ? present_max : missing_max;
        if (!out->invalid && out->lo == out->hi) {
            set_points(item, out, present_max, NULL);
            if (cJSON_GetArraySize(absent) > 0)
                cJSON_AddItemToObject(item, "absent_but_not_needed", absent);
            else
                cJSON_Delete(absent);
        } else {
            const cJSON *a;
            const cJSON *tt;
            /* only the absent tests that could raise the item are needed */
            cJSON_ArrayForEach(a, absent)
            {
                cJSON_ArrayForEach(tt, tests)
                {
                    char p[160];
                    snprintf(p, sizeof p, "patient.%s", sps_m_tok(ctx, m, tt, "input"));
                    if (strcmp(p, a->valuestring) == 0 &&
                        sps_m_int(ctx, m, tt, "points") > present_max)
                        sps_result_missing(res, a->valuestring);
                }
            }
            cJSON_Delete(absent);
        }
        return;
    }
    sps_ctx__model_error(ctx, m->name, type, "unknown item type");
}

/* ---- one score --------------------------------------------------------------------------- */

static const cJSON *band_for(sps_ctx *ctx, const sps_model *m, const cJSON *bands, int total)
{
    const cJSON *b;
    cJSON_ArrayForEach(b, bands)
    {
        if (total >= sps_m_int(ctx, m, b, "min") &&
            total <= sps_m_int(ctx, m, b, "max"))
            return b;
    }
    return NULL;
}

static cJSON *score_one(sps_ctx *ctx, const char *name, const cJSON *computed)
{
    const sps_model *m = sps_ctx__model(ctx, name);
    if (!m)
        return NULL;
    const cJSON *items = sps_m_arr(ctx, m, m->root, "items");
    const cJSON *bands = sps_m_arr(ctx, m, m->root, "bands");
    if (!items || !bands)
        return NULL;
    cJSON *res = sps_result_new(m);
    const cJSON *title = cJSON_GetObjectItemCaseSensitive(m->root, "title");
    if (cJSON_IsString(title))
        cJSON_AddStringToObject(res, "title", title->valuestring);
    cJSON *jitems = cJSON_AddObjectToObject(res, "items");
    int lo = 0, hi = 0, all = 1, any_invalid = 0;
    const cJSON *def;
    cJSON_ArrayForEach(def, items)
    {
        const char *id = sps_m_str(ctx, m, def, "id");
        if (!id)
            break;
        cJSON *item = cJSON_CreateObject();
        const cJSON *lbl = cJSON_GetObjectItemCaseSensitive(def, "label");
        if (cJSON_IsString(lbl))
            cJSON_AddStringToObject(item, "label", lbl->valuestring);
        item_out o;
        score_item(ctx, m, def, item, res, computed, &o);
        cJSON_DeleteItemFromObjectCaseSensitive(item, "input_name");
        if (!o.decided) {
            all = 0;
            cJSON_AddStringToObject(item, "status", o.invalid ? "invalid" : "missing");
            cJSON *r = cJSON_AddObjectToObject(item, "points_range");
            cJSON_AddNumberToObject(r, "min", o.lo);
            cJSON_AddNumberToObject(r, "max", o.hi);
        }
        any_invalid |= o.invalid;
        lo += o.lo;
        hi += o.hi;
        cJSON_AddItemToObject(jitems, id, item);
    }
    (void)any_invalid;
    const char *status = sps_result_finish(res);
    if (all && strcmp(status, "ok") == 0) {
        cJSON_AddNumberToObject(res, "total", lo);
        const cJSON *b = band_for(ctx, m, bands, lo);
        if (!b) {
            sps_ctx__model_error(ctx, name, "bands", "total not covered by any band");
        } else {
            cJSON *band = cJSON_Duplicate(b, 1);
            cJSON_AddItemToObject(res, "band", band);
            char rule[96];
            snprintf(rule, sizeof rule, "%s.bands[%d-%d]", name, sps_m_int(ctx, m, b, "min"),
                     sps_m_int(ctx, m, b, "max"));
            cJSON_AddStringToObject(res, "rule", rule);
        }
    } else if (strcmp(status, "ok") == 0) {
        /* an undecided item without a named missing field: cannot happen unless a model error */
        sps_result_set_status(res, "not_computable");
    }
    if (strcmp(sps_result_status(res), "not_computable") == 0) {
        cJSON *r = cJSON_AddObjectToObject(res, "total_range");
        cJSON_AddNumberToObject(r, "min", lo);
        cJSON_AddNumberToObject(r, "max", hi);
        cJSON *pb = cJSON_AddArrayToObject(res, "possible_bands");
        const cJSON *b;
        cJSON_ArrayForEach(b, bands)
        {
            if (sps_m_int(ctx, m, b, "max") >= lo &&
                sps_m_int(ctx, m, b, "min") <= hi)
                cJSON_AddItemToArray(pb, cJSON_CreateString(sps_m_tok(ctx, m, b, "token")));
        }
        sps_result_explain(res, "Not computable: missing item(s); the total could be %d-%d.", lo, hi);
    }
    return res;
}

cJSON *sps_survival__all(sps_ctx *ctx)
{
    cJSON *out = cJSON_CreateObject();
    for (size_t i = 0; i < sizeof score_names / sizeof score_names[0]; i++) {
        cJSON *r = score_one(ctx, score_names[i], out);
        if (!r)
            break;
        cJSON_AddItemToObject(out, score_names[i], r);
    }
    return out;
}
