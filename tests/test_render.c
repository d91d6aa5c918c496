/* test_render.c — snapshots on phantoms (tools/phantom, rendered in memory) and synthetic volumes:
 * the PNGs are decoded with libpng and checked for size, tEXt metadata and pixels (overlay colour
 * where the landmarks project, scale-bar length, grey values under the window at known tissue). */
#include <cjson/cJSON.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "phantom.h"
#include "spinescore/core.h"
#include "spinescore/measure.h"
#include "spinescore/render.h"
#include "spinescore/seg.h"
#include "spinescore/volume.h"
#include "test_support.h"

/* ---- PNG decoding ------------------------------------------------------------------------ */

typedef struct png_img {
    int w, h;
    unsigned char *rgb; /* 3 bytes per pixel */
    char software[128], uid[128], desc[1024];
} png_img;

static void png_load(png_img *img, const char *path)
{
    memset(img, 0, sizeof *img);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    assert_non_null(info);
    if (setjmp(png_jmpbuf(png)))
        fail_msg("libpng could not decode %s", path);
    png_init_io(png, f);
    png_read_info(png, info);
    png_set_strip_16(png);
    png_set_strip_alpha(png);
    png_set_palette_to_rgb(png);
    png_read_update_info(png, info);
    img->w = (int)png_get_image_width(png, info);
    img->h = (int)png_get_image_height(png, info);
    assert_int_equal(png_get_channels(png, info), 3);
    img->rgb = malloc((size_t)img->w * (size_t)img->h * 3);
    png_bytep *rows = malloc((size_t)img->h * sizeof *rows);
    for (int y = 0; y < img->h; ++y)
        rows[y] = img->rgb + (size_t)y * (size_t)img->w * 3;
    png_read_image(png, rows);
    png_read_end(png, info);
    png_textp text = NULL;
    int nt = png_get_text(png, info, &text, NULL);
    for (int i = 0; i < nt; ++i) {
        if (!strcmp(text[i].key, "Software"))
            snprintf(img->software, sizeof img->software, "%s", text[i].text);
        else if (!strcmp(text[i].key, "SeriesInstanceUID"))
            snprintf(img->uid, sizeof img->uid, "%s", text[i].text);
        else if (!strcmp(text[i].key, "Description"))
            snprintf(img->desc, sizeof img->desc, "%s", text[i].text);
    }
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(f);
}

static uint32_t px(const png_img *img, int x, int y)
{
    assert_true(x >= 0 && y >= 0 && x < img->w && y < img->h);
    const unsigned char *p = img->rgb + ((size_t)y * (size_t)img->w + (size_t)x) * 3;
    return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
}

static int grey(const png_img *img, int x, int y)
{
    uint32_t c = px(img, x, y);
    int r = (int)(c >> 16), g = (int)((c >> 8) & 0xFF), b = (int)(c & 0xFF);
    assert_int_equal(r, g); /* the image area is grey where no overlay is drawn */
    assert_int_equal(g, b);
    return r;
}

/* Mean grey of a 3x3 neighbourhood (less noise). */
/* Outline strokes are antialiased where a pixel straddles the stroke edge: near-colour match. */
static void assert_colour_near(uint32_t got, uint32_t want)
{
    for (int sh = 0; sh <= 16; sh += 8) {
        int a = (int)((got >> sh) & 0xFF), b = (int)((want >> sh) & 0xFF);
        if (abs(a - b) > 16)
            fail_msg("colour %06x is not near %06x", got, want);
    }
}

static double grey9(const png_img *img, int x, int y)
{
    double s = 0;
    for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx)
            s += grey(img, x + dx, y + dy);
    return s / 9.0;
}

/* Expected PNG pixel of an LPS point, computed here from the plane (independently of the library). */
static void expect_pixel(const sps_render_result *r, const double p[3], int *x, int *y)
{
    const sps_render_view *v = &r->view;
    double d[3] = {p[0] - v->centre_lps[0], p[1] - v->centre_lps[1], p[2] - v->centre_lps[2]};
    double u = (d[0] * v->right_lps[0] + d[1] * v->right_lps[1] + d[2] * v->right_lps[2]) / v->pixel_mm;
    double w = (d[0] * v->down_lps[0] + d[1] * v->down_lps[1] + d[2] * v->down_lps[2]) / v->pixel_mm;
    *x = r->image_x + (int)floor(u + 0.5 * v->width);
    *y = r->image_y + (int)floor(w + 0.5 * v->height);
}

/* Grey the window maps a value to (same rule as a DICOM linear VOI LUT). */
static double window_grey(const sps_render_result *r, double value)
{
    double t = (value - (r->window_centre - r->window_width / 2)) / r->window_width;
    return t <= 0 ? 0 : t >= 1 ? 255 : t * 255;
}

static void check_scale_bar(const png_img *img, const sps_render_result *r)
{
    assert_true(r->scale_bar_mm > 0);
    sps_assert_near(r->scale_bar_px, r->scale_bar_mm / r->view.pixel_mm, 1e-9);
    int run = 0;
    for (int x = r->scale_bar_x; x < img->w && px(img, x, r->scale_bar_y) == 0xFFFFFF; ++x)
        ++run;
    /* the drawn white run equals label (mm) / pixel size within one (partly covered) pixel */
    sps_assert_near(run, r->scale_bar_mm / r->view.pixel_mm, 1.0);
    assert_int_not_equal(px(img, r->scale_bar_x - 1, r->scale_bar_y), 0xFFFFFF);
}

static void check_meta(const png_img *img, const char *uid)
{
    char sw[64];
    snprintf(sw, sizeof sw, "spinescore %s", sps_version());
    assert_string_equal(img->software, sw);
    assert_string_equal(img->uid, uid);
    assert_true(strlen(img->desc) > 20);
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* ---- phantoms ---------------------------------------------------------------------------- */

typedef struct phantom {
    ph_model model;
    sps_volume *vol;
    cJSON *truth;
} phantom;

static void phantom_make(phantom *p, const char *spec, const char *uid)
{
    sps_error err;
    memset(p, 0, sizeof *p);
    assert_int_equal(ph_model_from_json(&p->model, spec, "inline", -1, &err), SPS_OK);
    ph_image img;
    assert_int_equal(ph_render(&p->model, &img, &err), SPS_OK);
    const ph_acq *a = &p->model.acq;
    sps_geometry g;
    memset(&g, 0, sizeof g);
    g.dims[0] = (size_t)a->cols;
    g.dims[1] = (size_t)a->rows;
    g.dims[2] = (size_t)a->slices;
    g.spacing_mm[0] = a->col_spacing;
    g.spacing_mm[1] = a->row_spacing;
    g.spacing_mm[2] = a->spacing;
    for (int i = 0; i < 3; ++i) {
        g.origin_lps[i] = a->first[i];
        g.direction[0][i] = a->row_cos[i];
        g.direction[1][i] = a->col_cos[i];
        g.direction[2][i] = a->normal[i];
    }
    assert_int_equal(sps_volume_new_copy(&p->vol, &g, img.value, &err), SPS_OK);
    sps_volume_set_meta(p->vol, a->is_mr ? SPS_UNITS_RAW : SPS_UNITS_HU, a->is_mr ? "MR" : "CT", uid);
    ph_image_free(&img);
    char *tj = NULL;
    assert_int_equal(ph_truth_json(&p->model, &tj, &err), SPS_OK);
    p->truth = cJSON_Parse(tj);
    free(tj);
    assert_non_null(p->truth);
}

static void phantom_free(phantom *p)
{
    sps_volume_free(p->vol);
    cJSON_Delete(p->truth);
}

static const cJSON *truth_vertebra(const phantom *p, const char *level)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(p->truth, "vertebrae"))
    {
        if (!strcmp(cJSON_GetObjectItem(v, "level")->valuestring, level))
            return v;
    }
    fail_msg("level %s not in the truth", level);
    return NULL;
}

static void vec(const cJSON *o, const char *key, double out[3])
{
    const cJSON *a = cJSON_GetObjectItem(o, key);
    assert_non_null(a);
    for (int i = 0; i < 3; ++i)
        out[i] = cJSON_GetArrayItem(a, i)->valuedouble;
}

static void truth_morpho(const phantom *p, const char *level, sps_morpho6 *m)
{
    const cJSON *mp = cJSON_GetObjectItem(truth_vertebra(p, level), "morphometry_points_lps");
    vec(mp, "superior_anterior", m->sup_ant);
    vec(mp, "superior_middle", m->sup_mid);
    vec(mp, "superior_posterior", m->sup_post);
    vec(mp, "inferior_anterior", m->inf_ant);
    vec(mp, "inferior_middle", m->inf_mid);
    vec(mp, "inferior_posterior", m->inf_post);
}

/* LPS of a point given in the local frame of a vertebra (left, posterior, superior mm). */
static void local_lps(const phantom *p, const char *level, double lx, double ly, double lz, double out[3])
{
    for (int v = 0; v < p->model.nvert; ++v)
        if (!strcmp(p->model.vert[v].name, level)) {
            double l[3] = {lx, ly, lz};
            ph_to_world(&p->model, v, l, out);
            return;
        }
    fail_msg("level %s not in the model", level);
}

static const ph_vert *model_vert(const phantom *p, const char *level)
{
    for (int v = 0; v < p->model.nvert; ++v)
        if (!strcmp(p->model.vert[v].name, level))
            return &p->model.vert[v];
    fail_msg("level %s not in the model", level);
    return NULL;
}

static const char *CT_SPEC =
    "{\"name\": \"render-ct\", \"seed\": 12, \"levels\": {\"from\": \"T10\", \"to\": \"L2\"},"
    " \"acquisition\": {\"modality\": \"CT\", \"plane\": \"axial\", \"matrix\": [128, 128],"
    "  \"pixel_spacing_mm\": [0.9, 0.9], \"slices\": 80, \"slice_thickness_mm\": 1.5, \"supersample\": 1,"
    "  \"noise_sd\": 8},"
    " \"lesions\": [{\"level\": \"T12\", \"type\": \"lytic\", \"hu\": 35, \"body_fraction\": 0.6,"
    "   \"position\": [0.0, 0.1, 0.0], \"extends\": [\"pedicle_left\"]}],"
    " \"collapse\": [{\"level\": \"T12\", \"anterior_pct\": 60, \"middle_pct\": 45, \"posterior_pct\": 10}],"
    " \"alignment\": {\"level\": \"T12\", \"translation_mm\": [0, 3], \"kyphosis_deg\": 0, \"scoliosis_deg\": 0}}";

static const char *MR_SPEC =
    "{\"name\": \"render-mr\", \"seed\": 11, \"levels\": {\"from\": \"T9\", \"to\": \"L1\"}, \"focus\": \"T11\","
    " \"acquisition\": {\"modality\": \"MR\", \"plane\": \"axial\", \"matrix\": [192, 192],"
    "  \"pixel_spacing_mm\": [0.7, 0.7], \"slices\": 24, \"slice_thickness_mm\": 3.0, \"slice_spacing_mm\": 3.3,"
    "  \"supersample\": 1, \"noise_sd\": 20},"
    " \"lesions\": [{\"level\": \"T11\", \"type\": \"lytic\", \"body_fraction\": 0.45, \"position\": [0.0, 0.3, 0.0]}],"
    " \"epidural\": {\"level\": \"T11\", \"bilsky\": \"2\"}}";

typedef struct fixture {
    phantom ct, mr;
    char *dir;
    int keep; /* SPS_RENDER_KEEP_DIR: write the PNGs there and keep them (to look at them) */
    sps_models *models;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    sps_error err;
    phantom_make(&f->ct, CT_SPEC, "2.25.1001");
    phantom_make(&f->mr, MR_SPEC, "2.25.1002");
    const char *keep = getenv("SPS_RENDER_KEEP_DIR");
    f->keep = keep && keep[0];
    if (f->keep) {
        f->dir = malloc(strlen(keep) + 1);
        strcpy(f->dir, keep);
    } else {
        f->dir = sps_test_mkdtemp();
    }
    if (sps_models_load_builtin(&f->models, &err) != SPS_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    phantom_free(&f->ct);
    phantom_free(&f->mr);
    sps_models_free(f->models);
    if (!f->keep)
        sps_test_rmtree(f->dir);
    free(f->dir);
    free(f);
    sps_render_release_caches(); /* cairo + fontconfig caches: leak checkers see a clean heap */
    return 0;
}

static const char *out_path(const fixture *f, const char *name)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", f->dir, name);
    return buf;
}

/* ---- reslicing ---------------------------------------------------------------------------- */

static double linear_field(const double p[3])
{
    return 2.0 * p[0] - 3.0 * p[1] + 0.5 * p[2] + 7.0;
}

static void test_reslice__linear_field_is_exact_on_an_oblique_grid(void **state)
{
    (void)state;
    sps_geometry g;
    memset(&g, 0, sizeof g);
    g.dims[0] = 40, g.dims[1] = 36, g.dims[2] = 30;
    g.spacing_mm[0] = 0.8, g.spacing_mm[1] = 0.7, g.spacing_mm[2] = 1.5;
    g.origin_lps[0] = -12, g.origin_lps[1] = 5, g.origin_lps[2] = 30;
    double c = cos(0.3), s = sin(0.3); /* volume axes rotated 17 degrees about S */
    double d[3][3] = {{c, s, 0}, {-s, c, 0}, {0, 0, 1}};
    memcpy(g.direction, d, sizeof d);
    sps_error err;
    sps_volume *v = NULL;
    assert_int_equal(sps_volume_new(&v, &g, &err), SPS_OK);
    float *data = sps_volume_data(v);
    size_t idx = 0;
    for (size_t k = 0; k < g.dims[2]; ++k)
        for (size_t j = 0; j < g.dims[1]; ++j)
            for (size_t i = 0; i < g.dims[0]; ++i, ++idx) {
                double ijk[3] = {(double)i, (double)j, (double)k}, p[3];
                sps_geometry_index_to_lps(p, &g, ijk);
                data[idx] = (float)linear_field(p);
            }
    /* an oblique plane through the middle of the volume */
    double mid[3] = {0.5 * 39, 0.5 * 35, 0.5 * 29}, centre[3];
    sps_geometry_index_to_lps(centre, &g, mid);
    double u[3] = {0.6, 0.8, 0}, w[3] = {0, 0, -1};
    double a = 0.25;
    double vdir[3] = {-0.8 * sin(a), 0.6 * sin(a), -cos(a)}; /* orthogonal to u */
    (void)w;
    size_t W = 21, H = 17;
    float out[21 * 17];
    assert_int_equal(sps_seg_reslice_plane(out, v, centre, u, vdir, 0.9, W, H, &err), SPS_OK);
    for (size_t r = 0; r < H; ++r)
        for (size_t q = 0; q < W; ++q) {
            double p[3];
            for (int i = 0; i < 3; ++i)
                p[i] = centre[i] + ((double)q - 0.5 * (double)(W - 1)) * 0.9 * u[i] +
                       ((double)r - 0.5 * (double)(H - 1)) * 0.9 * vdir[i];
            sps_assert_near(out[r * W + q], linear_field(p), 2e-3 * fabs(linear_field(p)) + 1e-3);
        }
    /* far outside: NaN */
    double far[3] = {centre[0] + 500, centre[1], centre[2]};
    assert_int_equal(sps_seg_reslice_plane(out, v, far, u, vdir, 0.9, W, H, &err), SPS_OK);
    assert_true(isnan(out[0]) && isnan(out[W * H - 1]));
    /* refusals name the argument */
    double bad[3] = {1, 1, 0};
    assert_int_equal(sps_seg_reslice_plane(out, v, centre, bad, vdir, 0.9, W, H, &err), SPS_EINVALID);
    assert_string_equal(err.where, "u_lps");
    assert_int_equal(sps_seg_reslice_plane(out, v, centre, u, u, 0.9, W, H, &err), SPS_EINVALID);
    assert_int_equal(sps_seg_reslice_plane(out, v, centre, u, vdir, 0.0, W, H, &err), SPS_EINVALID);
    assert_string_equal(err.where, "pixel_mm");
    sps_volume_free(v);
}

static void test_render__orientation_letters(void **state)
{
    (void)state;
    char l[4];
    double p[3] = {0, 1, 0}, r[3] = {-1, 0, 0}, i[3] = {0, 0, -1}, pi[3] = {0, 0.8, -0.6}, near[3] = {0.1, 0.995, 0};
    sps_render_orientation_letters(l, p);
    assert_string_equal(l, "P");
    sps_render_orientation_letters(l, r);
    assert_string_equal(l, "R");
    sps_render_orientation_letters(l, i);
    assert_string_equal(l, "I");
    sps_render_orientation_letters(l, pi);
    assert_string_equal(l, "PI");
    sps_render_orientation_letters(l, near);
    assert_string_equal(l, "P");
}

/* ---- morphometry -------------------------------------------------------------------------- */

static void test_render__morphometry_on_ct_phantom(void **state)
{
    fixture *f = *state;
    sps_error err;
    sps_morpho6 t12, t11, l1;
    truth_morpho(&f->ct, "T12", &t12);
    truth_morpho(&f->ct, "T11", &t11);
    truth_morpho(&f->ct, "L1", &l1);
    sps_collapse col;
    assert_int_equal(sps_measure_collapse(&col, f->models, &t12, &t11, &l1, 0.6, &err), SPS_OK);
    sps_render_morphometry in = {"T12", t12, &t11, "T11", &l1, "L1", &col};
    sps_render_options opt;
    memset(&opt, 0, sizeof opt);
    opt.series_description = "Phantom CT axial 1.5 mm";
    sps_render_result r;
    const char *path = out_path(f, "morphometry-T12.png");
    assert_int_equal(sps_render_morphometry_png(path, f->ct.vol, &in, &opt, &r, &err), SPS_OK);
    png_img img;
    png_load(&img, path);
    assert_int_equal(img.w, 512);
    assert_int_equal(img.w, r.png_width);
    assert_int_equal(img.h, r.png_height);
    assert_true(img.h > 512 + 52);
    check_meta(&img, "2.25.1001");
    assert_non_null(strstr(img.desc, "T12 sagittal morphometry"));
    assert_non_null(strstr(img.desc, "SINS collapse gt50"));
    /* sagittal: anterior on the left, superior up (LPS: right of screen = P, down = I) */
    assert_string_equal(r.orientation[0], "A");
    assert_string_equal(r.orientation[1], "P");
    assert_string_equal(r.orientation[2], "S");
    assert_string_equal(r.orientation[3], "I");
    sps_assert_near(r.window_centre, SPS_RENDER_CT_BONE_CENTRE, 0);
    sps_assert_near(r.window_width, SPS_RENDER_CT_BONE_WIDTH, 0);
    /* every landmark in its colour where it projects */
    const sps_morpho6 *ms[3] = {&t12, &t11, &l1};
    for (int v = 0; v < 3; ++v) {
        const double *pts[6] = {ms[v]->sup_ant, ms[v]->sup_mid, ms[v]->sup_post,
                                ms[v]->inf_ant, ms[v]->inf_mid, ms[v]->inf_post};
        for (int k = 0; k < 6; ++k) {
            int x, y;
            expect_pixel(&r, pts[k], &x, &y);
            assert_int_equal(px(&img, x, y), v == 0 ? SPS_RENDER_COLOUR_TARGET : SPS_RENDER_COLOUR_REFERENCE);
        }
    }
    /* the anterior height line joins its two points: its middle is drawn in the target colour */
    double m[3];
    for (int i = 0; i < 3; ++i)
        m[i] = 0.5 * (t12.sup_post[i] + t12.inf_post[i]);
    int x, y;
    expect_pixel(&r, m, &x, &y);
    assert_int_equal(px(&img, x, y), SPS_RENDER_COLOUR_TARGET);
    check_scale_bar(&img, &r);
    /* window: L1 trabecular bone (200 HU) between its Ha and Hm lines; soft tissue (45 HU) 10 mm
     * anterior of the body at the level of the disc below it */
    const ph_vert *vl1 = model_vert(&f->ct, "L1");
    double bone[3], soft[3];
    local_lps(&f->ct, "L1", 0, -0.4 * vl1->b, 0, bone);
    local_lps(&f->ct, "L1", 0, -vl1->b - 10.0, -0.5 * vl1->h_nom - 0.5 * vl1->disc_below, soft);
    expect_pixel(&r, bone, &x, &y);
    double gb = grey9(&img, x, y);
    sps_assert_near(gb, window_grey(&r, 200.0), 8.0);
    expect_pixel(&r, soft, &x, &y);
    double gs = grey9(&img, x, y);
    sps_assert_near(gs, window_grey(&r, 45.0), 8.0);
    assert_true(gb > gs + 15);
    free(img.rgb);
}

static void test_render__oblique_view_letters_and_landmarks(void **state)
{
    fixture *f = *state;
    sps_error err;
    sps_morpho6 t12;
    truth_morpho(&f->ct, "T12", &t12);
    sps_render_morphometry in = {"T12", t12, NULL, NULL, NULL, NULL, NULL};
    /* a sagittal plane turned 25 degrees about S (oblique) */
    double a = 25.0 * 3.14159265358979 / 180.0;
    sps_render_view v = {{0, 0, 0}, {sin(a), cos(a), 0}, {0, 0, -1}, 0.2, 400, 400};
    memcpy(v.centre_lps, t12.sup_mid, sizeof v.centre_lps);
    sps_render_options opt;
    memset(&opt, 0, sizeof opt);
    opt.view = &v;
    sps_render_result r;
    const char *path = out_path(f, "morphometry-oblique-T12.png");
    assert_int_equal(sps_render_morphometry_png(path, f->ct.vol, &in, &opt, &r, &err), SPS_OK);
    png_img img;
    png_load(&img, path);
    assert_int_equal(img.w, 400);
    assert_string_equal(r.orientation[0], "AR"); /* -right = (-0.42, -0.91, 0) */
    assert_string_equal(r.orientation[1], "PL");
    assert_string_equal(r.orientation[2], "S");
    assert_string_equal(r.orientation[3], "I");
    const double *pts[6] = {t12.sup_ant, t12.sup_mid, t12.sup_post, t12.inf_ant, t12.inf_mid, t12.inf_post};
    for (int k = 0; k < 6; ++k) {
        int x, y;
        expect_pixel(&r, pts[k], &x, &y);
        assert_int_equal(px(&img, x, y), SPS_RENDER_COLOUR_TARGET);
    }
    assert_non_null(strstr(img.desc, "oblique sagittal"));
    check_scale_bar(&img, &r);
    free(img.rgb);
}

/* ---- lesion -------------------------------------------------------------------------------- */

static void test_render__lesion_sphere_on_ct_phantom(void **state)
{
    fixture *f = *state;
    sps_error err;
    const cJSON *les = cJSON_GetArrayItem(cJSON_GetObjectItem(f->ct.truth, "lesions"), 0);
    double lc[3];
    vec(les, "ellipsoid_center_lps", lc);
    const ph_vert *t10 = model_vert(&f->ct, "T10");
    double rc[3];
    local_lps(&f->ct, "T10", 0, 0, 0, rc);
    (void)t10;
    sps_volume_stats ls, rs;
    assert_int_equal(sps_volume_stats_sphere(&ls, f->ct.vol, lc, 5.0, &err), SPS_OK);
    assert_int_equal(sps_volume_stats_sphere(&rs, f->ct.vol, rc, 5.0, &err), SPS_OK);
    sps_render_lesion in;
    memset(&in, 0, sizeof in);
    in.level = "T12";
    in.lesion.kind = SPS_RENDER_REGION_SPHERE;
    memcpy(in.lesion.centre_lps, lc, sizeof lc);
    in.lesion.radius_mm = 5.0;
    in.reference.kind = SPS_RENDER_REGION_SPHERE;
    memcpy(in.reference.centre_lps, rc, sizeof rc);
    in.reference.radius_mm = 5.0;
    in.lesion_stats = (sps_render_stats){ls.mean, ls.sd, ls.count};
    in.reference_stats = (sps_render_stats){rs.mean, rs.sd, rs.count};
    in.lesion_class = "lytic";
    sps_render_result r;
    const char *path = out_path(f, "lesion-T12.png");
    assert_int_equal(sps_render_lesion_png(path, f->ct.vol, &in, NULL, &r, &err), SPS_OK);
    png_img img;
    png_load(&img, path);
    assert_int_equal(img.w, 512);
    assert_int_equal(img.h, r.png_height);
    check_meta(&img, "2.25.1001");
    assert_non_null(strstr(img.desc, "class lytic"));
    char want[64];
    snprintf(want, sizeof want, "n %zu", ls.count);
    assert_non_null(strstr(img.desc, want));
    /* the reference (T10) is not on the axial plane through the T12 lesion: sagittal is chosen */
    assert_string_equal(r.orientation[1], "P");
    assert_string_equal(r.orientation[2], "S");
    /* the circles: their rightmost and lowest points */
    double e[3];
    int x, y;
    for (int i = 0; i < 3; ++i)
        e[i] = lc[i] + 5.0 * r.view.right_lps[i];
    expect_pixel(&r, e, &x, &y);
    assert_int_equal(px(&img, x, y), SPS_RENDER_COLOUR_TARGET);
    for (int i = 0; i < 3; ++i)
        e[i] = rc[i] + 5.0 * r.view.down_lps[i];
    expect_pixel(&r, e, &x, &y);
    assert_int_equal(px(&img, x, y), SPS_RENDER_COLOUR_REFERENCE);
    /* lytic lesion (35 HU) darker than normal trabecular bone (200 HU) under the bone window */
    expect_pixel(&r, lc, &x, &y);
    double gl = grey9(&img, x, y);
    sps_assert_near(gl, window_grey(&r, 35.0), 8.0);
    expect_pixel(&r, rc, &x, &y);
    double gr = grey9(&img, x, y);
    sps_assert_near(gr, window_grey(&r, 200.0), 8.0);
    assert_true(gr > gl + 15);
    check_scale_bar(&img, &r);
    free(img.rgb);
}

static void test_render__lesion_mask_outline(void **state)
{
    fixture *f = *state;
    sps_error err;
    /* mask: the voxels of a 6-mm ball around the lesion centre, on the CT grid */
    const cJSON *les = cJSON_GetArrayItem(cJSON_GetObjectItem(f->ct.truth, "lesions"), 0);
    double lc[3];
    vec(les, "ellipsoid_center_lps", lc);
    const sps_geometry *g = sps_volume_geometry(f->ct.vol);
    sps_volume *mask = NULL;
    assert_int_equal(sps_volume_new(&mask, g, &err), SPS_OK);
    float *md = sps_volume_data(mask);
    size_t idx = 0, n = 0;
    for (size_t k = 0; k < g->dims[2]; ++k)
        for (size_t j = 0; j < g->dims[1]; ++j)
            for (size_t i = 0; i < g->dims[0]; ++i, ++idx) {
                double ijk[3] = {(double)i, (double)j, (double)k}, p[3];
                sps_geometry_index_to_lps(p, g, ijk);
                double d2 = (p[0] - lc[0]) * (p[0] - lc[0]) + (p[1] - lc[1]) * (p[1] - lc[1]) +
                            (p[2] - lc[2]) * (p[2] - lc[2]);
                if (d2 <= 36.0) {
                    md[idx] = 1.0f;
                    ++n;
                }
            }
    sps_render_lesion in;
    memset(&in, 0, sizeof in);
    in.level = "T12";
    in.lesion.kind = SPS_RENDER_REGION_MASK;
    in.lesion.mask = mask;
    in.lesion_stats = (sps_render_stats){35, 8, n};
    in.plane = 1;
    sps_render_result r;
    const char *path = out_path(f, "lesion-mask-T12.png");
    assert_int_equal(sps_render_lesion_png(path, f->ct.vol, &in, NULL, &r, &err), SPS_OK);
    png_img img;
    png_load(&img, path);
    /* axial, radiological convention: patient right on the left of the screen, anterior up */
    assert_string_equal(r.orientation[0], "R");
    assert_string_equal(r.orientation[1], "L");
    assert_string_equal(r.orientation[2], "A");
    assert_string_equal(r.orientation[3], "P");
    /* outline pixels exist, and every one lies on the 6-mm circle (within 1.5 pixels + voxel size) */
    int cx, cy, count = 0;
    expect_pixel(&r, lc, &cx, &cy);
    double rpx = 6.0 / r.view.pixel_mm, tol = 1.5 + 0.9 / r.view.pixel_mm;
    for (int y = r.image_y; y < r.image_y + r.view.height; ++y)
        for (int x = r.image_x; x < r.image_x + r.view.width; ++x)
            if (px(&img, x, y) == SPS_RENDER_COLOUR_TARGET && abs(x - cx) < 60 && abs(y - cy) < 60) {
                double d = hypot(x + 0.5 - (cx + 0.5), y + 0.5 - (cy + 0.5));
                assert_true(fabs(d - rpx) <= tol);
                ++count;
            }
    assert_true(count > (int)(2 * 3.14159 * rpx * 0.8)); /* a closed outline, not a few dots */
    sps_volume_free(mask);
    free(img.rgb);
}

/* ---- alignment ----------------------------------------------------------------------------- */

static void test_render__alignment_on_ct_phantom(void **state)
{
    fixture *f = *state;
    sps_error err;
    sps_morpho6 t12, l1;
    truth_morpho(&f->ct, "T12", &t12);
    truth_morpho(&f->ct, "L1", &l1);
    sps_alignment_input ai;
    memset(&ai, 0, sizeof ai);
    memcpy(ai.upper_post_inf, t12.inf_post, sizeof ai.upper_post_inf);
    memcpy(ai.lower_post_sup, l1.sup_post, sizeof ai.lower_post_sup);
    memcpy(ai.lower_post_inf, l1.inf_post, sizeof ai.lower_post_inf);
    memcpy(ai.lower_ant_sup, l1.sup_ant, sizeof ai.lower_ant_sup);
    memcpy(ai.upper_end_post, t12.sup_post, sizeof ai.upper_end_post); /* superior endplate above */
    memcpy(ai.upper_end_ant, t12.sup_ant, sizeof ai.upper_end_ant);
    memcpy(ai.lower_end_post, l1.inf_post, sizeof ai.lower_end_post);
    memcpy(ai.lower_end_ant, l1.inf_ant, sizeof ai.lower_end_ant);
    sps_alignment al;
    assert_int_equal(sps_measure_alignment(&al, f->models, &ai, &err), SPS_OK);
    assert_true(al.translation_mm > 2.0); /* phantom: 3 mm posterior translation of T12 on L1 */
    sps_render_alignment in = {"T12", "L1", ai, &al, NULL, NULL};
    sps_render_result r;
    const char *path = out_path(f, "alignment-T12-L1.png");
    assert_int_equal(sps_render_alignment_png(path, f->ct.vol, &in, NULL, &r, &err), SPS_OK);
    png_img img;
    png_load(&img, path);
    check_meta(&img, "2.25.1001");
    assert_non_null(strstr(img.desc, "subluxation_translation"));
    char want[64];
    snprintf(want, sizeof want, "translation %.1f mm", al.translation_mm);
    assert_non_null(strstr(img.desc, want));
    int x, y;
    const double *wall[4] = {ai.upper_post_inf, ai.lower_post_sup, ai.lower_post_inf, ai.lower_ant_sup};
    for (int k = 0; k < 4; ++k) {
        expect_pixel(&r, wall[k], &x, &y);
        assert_int_equal(px(&img, x, y), SPS_RENDER_COLOUR_WALL);
    }
    expect_pixel(&r, ai.upper_end_ant, &x, &y);
    assert_int_equal(px(&img, x, y), SPS_RENDER_COLOUR_ENDPLATE);
    expect_pixel(&r, ai.lower_end_ant, &x, &y);
    assert_int_equal(px(&img, x, y), SPS_RENDER_COLOUR_ENDPLATE);
    /* the offset segment: from the upper corner, perpendicular to the lower wall; its far end lies
     * translation_mm from the corner, on the wall line */
    double w[3], d[3], foot[3];
    for (int i = 0; i < 3; ++i) {
        w[i] = ai.lower_post_sup[i] - ai.lower_post_inf[i];
        d[i] = ai.upper_post_inf[i] - ai.lower_post_inf[i];
    }
    double wl = sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
    double s = (d[0] * w[0] + d[1] * w[1] + d[2] * w[2]) / (wl * wl);
    for (int i = 0; i < 3; ++i)
        foot[i] = ai.lower_post_inf[i] + s * w[i];
    double dd = sqrt((foot[0] - ai.upper_post_inf[0]) * (foot[0] - ai.upper_post_inf[0]) +
                     (foot[1] - ai.upper_post_inf[1]) * (foot[1] - ai.upper_post_inf[1]) +
                     (foot[2] - ai.upper_post_inf[2]) * (foot[2] - ai.upper_post_inf[2]));
    sps_assert_near(dd, al.translation_mm, 0.05);
    double mid[3];
    for (int i = 0; i < 3; ++i)
        mid[i] = 0.5 * (foot[i] + ai.upper_post_inf[i]);
    expect_pixel(&r, mid, &x, &y);
    assert_int_equal(px(&img, x, y), SPS_RENDER_COLOUR_WALL);
    check_scale_bar(&img, &r);
    free(img.rgb);
}

/* ---- canal ---------------------------------------------------------------------------------- */

static void ellipse(double (*out)[3], int n, const phantom *p, const char *level, double cy, double rx, double ry,
                    double z)
{
    for (int i = 0; i < n; ++i) {
        double a = 2 * 3.14159265358979 * i / n;
        local_lps(p, level, rx * cos(a), cy + ry * sin(a), z, out[i]);
    }
}

static double shoelace_mm2(const double (*pts)[3], int n)
{
    double s = 0; /* axial polygons: x, y are the in-plane coordinates */
    for (int i = 0; i < n; ++i) {
        const double *a = pts[i], *b = pts[(i + 1) % n];
        s += a[0] * b[1] - b[0] * a[1];
    }
    return fabs(s) / 2;
}

static void canal_case(fixture *f, phantom *ph, const char *level, const char *name, int expect_soft,
                       png_img *img, sps_render_result *r)
{
    sps_error err;
    const ph_model *m = &ph->model;
    const ph_vert *v = model_vert(ph, level);
    double canal_y = v->b + m->canal_ry;
    static double sac[48][3], cord[36][3];
    ellipse(sac, 48, ph, level, canal_y + m->sac_off, m->sac_rx, m->sac_ry, 0);
    ellipse(cord, 36, ph, level, canal_y + m->cord_off, m->cord_rx, m->cord_ry, 0);
    sps_escc_input ei;
    memset(&ei, 0, sizeof ei);
    ei.epidural_tumor = 0;
    ei.sac_area_mm2 = shoelace_mm2((const double(*)[3])sac, 48);
    ei.ref_sac_area_mm2 = ei.sac_area_mm2;
    ei.cord_area_mm2 = shoelace_mm2((const double(*)[3])cord, 36);
    ei.ref_cord_area_mm2 = ei.cord_area_mm2;
    ei.cord_ap_mm = ei.ref_cord_ap_mm = 2 * m->cord_ry;
    ei.cord_transverse_mm = ei.ref_cord_transverse_mm = 2 * m->cord_rx;
    ei.tumor_cord_distance_mm = NAN;
    ei.csf_rim_fraction = 1.0;
    ei.pixel_mm = 0.7;
    sps_escc_finding ef;
    assert_int_equal(sps_measure_escc(&ef, f->models, &ei, &err), SPS_OK);
    assert_string_equal(ef.grade, "0");
    sps_render_canal in;
    memset(&in, 0, sizeof in);
    in.level = level;
    in.sac.lps = (const double(*)[3])sac;
    in.sac.count = 48;
    in.cord.lps = (const double(*)[3])cord;
    in.cord.count = 36;
    in.measured = &ei;
    in.escc = &ef;
    const char *path = out_path(f, name);
    assert_int_equal(sps_render_canal_png(path, ph->vol, &in, NULL, r, &err), SPS_OK);
    png_load(img, path);
    assert_non_null(strstr(img->desc, "ESCC grade 0"));
    assert_string_equal(r->orientation[0], "R");
    assert_string_equal(r->orientation[2], "A");
    if (expect_soft) {
        sps_assert_near(r->window_centre, SPS_RENDER_CT_SOFT_CENTRE, 0);
        sps_assert_near(r->window_width, SPS_RENDER_CT_SOFT_WIDTH, 0);
    }
    int x, y;
    /* sac: its posterior-most vertex; cord: its lateral-most vertices (index 0 and n/2) */
    expect_pixel(r, sac[12], &x, &y);
    assert_colour_near(px(img, x, y), SPS_RENDER_COLOUR_SAC);
    expect_pixel(r, cord[0], &x, &y);
    assert_colour_near(px(img, x, y), SPS_RENDER_COLOUR_CORD);
    expect_pixel(r, cord[18], &x, &y);
    assert_colour_near(px(img, x, y), SPS_RENDER_COLOUR_CORD);
    check_scale_bar(img, r);
}

static void test_render__canal_on_mr_t2_phantom(void **state)
{
    fixture *f = *state;
    png_img img;
    sps_render_result r;
    canal_case(f, &f->mr, "T10", "canal-T10-mr.png", 0, &img, &r);
    check_meta(&img, "2.25.1002");
    const ph_model *m = &f->mr.model;
    const ph_vert *v = model_vert(&f->mr, "T10");
    double canal_y = v->b + m->canal_ry, csf[3], cordc[3], body[3];
    /* CSF lateral of the cord (between cord and sac edges), cord centre, vertebral body */
    local_lps(&f->mr, "T10", -0.5 * (m->cord_rx + m->sac_rx), canal_y + m->sac_off, 0, csf);
    local_lps(&f->mr, "T10", 0, canal_y + m->cord_off, 0, cordc);
    local_lps(&f->mr, "T10", 0, 0, 0, body);
    int x, y;
    expect_pixel(&r, csf, &x, &y);
    double gc = grey(&img, x, y);
    expect_pixel(&r, cordc, &x, &y);
    double gcord = grey9(&img, x, y);
    expect_pixel(&r, body, &x, &y);
    double gbody = grey9(&img, x, y);
    /* T2: CSF bright (near the top of the percentile window), cord and marrow clearly darker */
    assert_true(gc > 170);
    assert_true(gcord < gc - 60);
    assert_true(gbody < gc - 60);
    free(img.rgb);
}

static void test_render__canal_on_ct_soft_tissue_window(void **state)
{
    fixture *f = *state;
    png_img img;
    sps_render_result r;
    canal_case(f, &f->ct, "T11", "canal-T11-ct.png", 1, &img, &r);
    const ph_model *m = &f->ct.model;
    const ph_vert *v = model_vert(&f->ct, "T11");
    double canal_y = v->b + m->canal_ry, csf[3], body[3];
    local_lps(&f->ct, "T11", -0.5 * (m->cord_rx + m->sac_rx), canal_y + m->sac_off, 0, csf);
    local_lps(&f->ct, "T11", 0, 0, 0, body);
    int x, y;
    expect_pixel(&r, csf, &x, &y);
    sps_assert_near(grey(&img, x, y), window_grey(&r, 8.0), 14.0); /* CSF ~8 HU: mid grey */
    expect_pixel(&r, body, &x, &y);
    sps_assert_near(grey9(&img, x, y), window_grey(&r, 200.0), 10.0); /* marrow 200 HU: near white */
    assert_true(grey9(&img, x, y) > grey(&img, 0, r.image_y + 5) + 60); /* brighter than air/fat */
    free(img.rgb);
}

/* Outline of a phantom compartment on the axial section z = 0 of a vertebra, traced radially from
 * an inside point (u0, w0 from the canal centre) with the exact classifier (0.02-mm steps). */
static int in_class(const phantom *p, const char *level, const double l[3], int which)
{
    double w[3];
    local_lps(p, level, l[0], l[1], l[2], w);
    ph_class c;
    ph_classify(&p->model, w, &c);
    if (which == 0) /* thecal sac: CSF or cord */
        return c.tissue == PH_CSF || c.tissue == PH_CORD;
    return c.tissue == (which == 1 ? PH_CORD : PH_TUMOUR);
}

static void trace(double (*out)[3], int n, const phantom *p, const char *level, double u0, double w0, int which)
{
    const ph_vert *v = model_vert(p, level);
    double yc = v->b + p->model.canal_ry;
    for (int i = 0; i < n; ++i) {
        double a = 2 * 3.14159265358979 * i / n, rr = 0;
        for (double t = 0.02; t < 15.0; t += 0.02) {
            double l[3] = {u0 + t * cos(a), yc + w0 + t * sin(a), 0};
            if (!in_class(p, level, l, which))
                break;
            rr = t;
        }
        local_lps(p, level, u0 + rr * cos(a), yc + w0 + rr * sin(a), 0, out[i]);
    }
}

static void test_render__canal_with_tumour_bilsky2_mr(void **state)
{
    fixture *f = *state;
    sps_error err;
    const ph_model *m = &f->mr.model;
    const cJSON *ep = cJSON_GetObjectItem(f->mr.truth, "epidural");
    assert_string_equal(cJSON_GetObjectItem(ep, "bilsky")->valuestring, "2");
    const cJSON *ar = cJSON_GetObjectItem(ep, "areas_mm2"), *ra = cJSON_GetObjectItem(ep, "reference_areas_mm2");
    static double sac[120][3], cord[90][3], tum[90][3];
    double wc = m->cord_off + m->cord_ry - 1.0; /* just inside the cord's fixed rear edge */
    trace(sac, 120, &f->mr, "T11", 0, wc, 0);
    trace(cord, 90, &f->mr, "T11", 0, wc, 1);
    trace(tum, 90, &f->mr, "T11", 0, -m->canal_ry + 0.6, 2);
    /* the traced outlines reproduce the truth areas (so the picture shows the model) */
    double sa = shoelace_mm2((const double(*)[3])sac, 120), ca = shoelace_mm2((const double(*)[3])cord, 90);
    sps_assert_near(sa, cJSON_GetObjectItem(ar, "thecal_sac")->valuedouble,
                    0.03 * cJSON_GetObjectItem(ar, "thecal_sac")->valuedouble);
    sps_assert_near(ca, cJSON_GetObjectItem(ar, "cord")->valuedouble, 0.03 * cJSON_GetObjectItem(ar, "cord")->valuedouble);
    sps_escc_input ei;
    memset(&ei, 0, sizeof ei);
    ei.epidural_tumor = 1;
    ei.sac_area_mm2 = sa;
    ei.ref_sac_area_mm2 = cJSON_GetObjectItem(ra, "thecal_sac")->valuedouble;
    ei.cord_area_mm2 = ca;
    ei.ref_cord_area_mm2 = cJSON_GetObjectItem(ra, "cord")->valuedouble;
    ei.cord_ap_mm = ei.ref_cord_ap_mm = ei.cord_transverse_mm = ei.ref_cord_transverse_mm = NAN;
    ei.tumor_cord_distance_mm = cJSON_GetObjectItem(ep, "tumour_cord_gap_mm")->valuedouble;
    /* CSF rim: share of cord outline points with CSF 0.5 mm outward */
    const ph_vert *v = model_vert(&f->mr, "T11");
    int rim = 0;
    for (int i = 0; i < 90; ++i) {
        double a = 2 * 3.14159265358979 * i / 90, l[3], w[3];
        ph_to_local(m, (int)(v - m->vert), cord[i], l);
        l[0] += 0.5 * cos(a);
        l[1] += 0.5 * sin(a);
        local_lps(&f->mr, "T11", l[0], l[1], l[2], w);
        ph_class c;
        ph_classify(m, w, &c);
        rim += c.tissue == PH_CSF;
    }
    ei.csf_rim_fraction = rim / 90.0;
    ei.pixel_mm = 0.7;
    sps_escc_finding ef;
    assert_int_equal(sps_measure_escc(&ef, f->models, &ei, &err), SPS_OK);
    assert_string_equal(ef.grade, "2"); /* the phantom's constructed grade */
    sps_render_canal in;
    memset(&in, 0, sizeof in);
    in.level = "T11";
    in.sac.lps = (const double(*)[3])sac;
    in.sac.count = 120;
    in.cord.lps = (const double(*)[3])cord;
    in.cord.count = 90;
    in.tumor.lps = (const double(*)[3])tum;
    in.tumor.count = 90;
    in.measured = &ei;
    in.escc = &ef;
    sps_render_result r;
    const char *path = out_path(f, "canal-T11-bilsky2-mr.png");
    assert_int_equal(sps_render_canal_png(path, f->mr.vol, &in, NULL, &r, &err), SPS_OK);
    png_img img;
    png_load(&img, path);
    char want[64];
    snprintf(want, sizeof want, "epidural tumour outlines; sac %.1f mm2", sa);
    assert_non_null(strstr(img.desc, want));
    snprintf(want, sizeof want, "ESCC grade %s", ef.grade);
    assert_non_null(strstr(img.desc, want));
    int x, y;
    expect_pixel(&r, tum[68], &x, &y); /* anterior-most tumour point (272 deg: -y = anterior) */
    assert_colour_near(px(&img, x, y), SPS_RENDER_COLOUR_TUMOR);
    expect_pixel(&r, sac[30], &x, &y); /* posterior-most sac point */
    assert_colour_near(px(&img, x, y), SPS_RENDER_COLOUR_SAC);
    expect_pixel(&r, cord[0], &x, &y); /* cord, patient-left edge */
    assert_colour_near(px(&img, x, y), SPS_RENDER_COLOUR_CORD);
    free(img.rgb);
}

/* ---- summary card --------------------------------------------------------------------------- */

static void test_render__summary_card_shows_the_decision(void **state)
{
    fixture *f = *state;
    sps_error err;
    char *text = NULL;
    size_t len = 0;
    FILE *fp = fopen(sps_test_path("sample-data/cases/lytic-t12-renal.case.json"), "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    len = (size_t)ftell(fp);
    fseek(fp, 0, SEEK_SET);
    text = malloc(len + 1);
    assert_int_equal(fread(text, 1, len, fp), len);
    fclose(fp);
    sps_case *c = NULL;
    assert_int_equal(sps_case_parse(&c, text, len, "case", &err), SPS_OK);
    sps_decision *d = NULL;
    assert_int_equal(sps_decide(&d, f->models, c, NULL, &err), SPS_OK);
    char *json = sps_decision_to_json(d);
    sps_render_result r;
    const char *path = out_path(f, "summary-T12.png");
    assert_int_equal(sps_render_summary_png(path, json, strlen(json), 0, "2.25.1001", &r, &err), SPS_OK);
    png_img img;
    png_load(&img, path);
    assert_int_equal(img.w, r.png_width);
    assert_int_equal(img.h, r.png_height);
    assert_true(img.h > 400);
    check_meta(&img, "2.25.1001");
    /* the card carries exactly what the core decided */
    char total[16], cat[32], grade[8], row[8], dec[64], want[160];
    assert_true(sps_decision_get(d, "lesions.0.sins.total", total, sizeof total) > 0);
    assert_true(sps_decision_get(d, "lesions.0.sins.category", cat, sizeof cat) > 0);
    assert_true(sps_decision_get(d, "lesions.0.escc.grade", grade, sizeof grade) > 0);
    assert_true(sps_decision_get(d, "lesions.0.noms.row", row, sizeof row) > 0);
    assert_true(sps_decision_get(d, "lesions.0.noms.decision", dec, sizeof dec) > 0);
    snprintf(want, sizeof want, "SINS %s %s; ESCC %s; NOMS row %s %s", total, cat, grade, row, dec);
    assert_non_null(strstr(img.desc, want));
    /* refusals */
    assert_int_equal(sps_render_summary_png(path, json, strlen(json), 3, NULL, NULL, &err), SPS_EINVALID);
    assert_string_equal(err.where, "lesion_index");
    assert_int_equal(sps_render_summary_png(path, "{\"format\": \"x\"}", 15, 0, NULL, NULL, &err), SPS_EFORMAT);
    free(img.rgb);
    sps_free(json);
    sps_decision_free(d);
    sps_case_free(c);
    free(text);
}

static void test_render__summary_card_incomplete_and_overridden(void **state)
{
    fixture *f = *state;
    sps_error err;
    const char *cj =
        "{\"format\": \"spinescore-case\", \"version\": 1, \"case_id\": \"INCOMPLETE\","
        " \"patient\": {\"histology\": \"breast\"},"
        " \"lesions\": [{\"level\": \"L2\", \"sins\": {\"pain\": \"occasional_non_mechanical\","
        "   \"bone_lesion\": {\"value\": \"mixed\", \"source\": \"overridden\", \"measured_value\": \"blastic\","
        "     \"reason\": \"lytic rim on the prior study\"}, \"alignment\": \"normal\"}}]}";
    sps_case *c = NULL;
    assert_int_equal(sps_case_parse(&c, cj, strlen(cj), "case", &err), SPS_OK);
    sps_decision *d = NULL;
    assert_int_equal(sps_decide(&d, f->models, c, NULL, &err), SPS_OK);
    char *json = sps_decision_to_json(d);
    char lo[16], hi[16], want[96];
    assert_true(sps_decision_get(d, "lesions.0.sins.total_range.min", lo, sizeof lo) > 0);
    assert_true(sps_decision_get(d, "lesions.0.sins.total_range.max", hi, sizeof hi) > 0);
    sps_render_result r;
    const char *path = out_path(f, "summary-incomplete-L2.png");
    assert_int_equal(sps_render_summary_png(path, json, strlen(json), 0, NULL, &r, &err), SPS_OK);
    png_img img;
    png_load(&img, path);
    snprintf(want, sizeof want, "SINS not computable (%s-%s)", lo, hi);
    assert_non_null(strstr(img.desc, want));
    assert_non_null(strstr(img.desc, "ESCC not_computable"));
    assert_string_equal(img.uid, "");
    free(img.rgb);
    sps_free(json);
    sps_decision_free(d);
    sps_case_free(c);
}

/* ---- refusals and atomic writing ------------------------------------------------------------ */

static void test_render__refusals_leave_no_file(void **state)
{
    fixture *f = *state;
    sps_error err;
    sps_morpho6 t12;
    truth_morpho(&f->ct, "T12", &t12);
    sps_render_morphometry in = {"T12", t12, NULL, NULL, NULL, NULL, NULL};
    char path[600];
    snprintf(path, sizeof path, "%s/no-such-dir/m.png", f->dir);
    assert_int_not_equal(sps_render_morphometry_png(path, f->ct.vol, &in, NULL, NULL, &err), SPS_OK);
    assert_false(file_exists(path));
    in.target.sup_ant[0] = NAN;
    snprintf(path, sizeof path, "%s/nan.png", f->dir);
    remove(path);
    assert_int_equal(sps_render_morphometry_png(path, f->ct.vol, &in, NULL, NULL, &err), SPS_EINVALID);
    assert_string_equal(err.where, "morphometry.points");
    assert_false(file_exists(path));
    in.target = t12;
    in.level = "";
    assert_int_equal(sps_render_morphometry_png(path, f->ct.vol, &in, NULL, NULL, &err), SPS_EINVALID);
    assert_string_equal(err.where, "morphometry.level");
    /* a bad explicit window is named */
    in.level = "T12";
    sps_render_options opt;
    memset(&opt, 0, sizeof opt);
    opt.window.kind = SPS_RENDER_WINDOW_EXPLICIT;
    opt.window.width = 0;
    assert_int_equal(sps_render_morphometry_png(path, f->ct.vol, &in, &opt, NULL, &err), SPS_EINVALID);
    assert_string_equal(err.where, "options.window");
    assert_false(file_exists(path));
    /* explicit window and a caller's view are honoured */
    opt.window.centre = 100;
    opt.window.width = 500;
    sps_render_view v = {{0, 0, 0}, {0, 1, 0}, {0, 0, -1}, 0.5, 200, 160};
    memcpy(v.centre_lps, t12.sup_mid, sizeof v.centre_lps);
    opt.view = &v;
    sps_render_result r;
    assert_int_equal(sps_render_morphometry_png(path, f->ct.vol, &in, &opt, &r, &err), SPS_OK);
    png_img img;
    png_load(&img, path);
    assert_int_equal(img.w, 200);
    assert_true(img.h > 160);
    sps_assert_near(r.window_centre, 100, 0);
    sps_assert_near(r.window_width, 500, 0);
    sps_assert_near(r.view.pixel_mm, 0.5, 0);
    free(img.rgb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reslice__linear_field_is_exact_on_an_oblique_grid),
        cmocka_unit_test(test_render__orientation_letters),
        cmocka_unit_test(test_render__morphometry_on_ct_phantom),
        cmocka_unit_test(test_render__oblique_view_letters_and_landmarks),
        cmocka_unit_test(test_render__lesion_sphere_on_ct_phantom),
        cmocka_unit_test(test_render__lesion_mask_outline),
        cmocka_unit_test(test_render__alignment_on_ct_phantom),
        cmocka_unit_test(test_render__canal_on_mr_t2_phantom),
        cmocka_unit_test(test_render__canal_on_ct_soft_tissue_window),
        cmocka_unit_test(test_render__canal_with_tumour_bilsky2_mr),
        cmocka_unit_test(test_render__summary_card_shows_the_decision),
        cmocka_unit_test(test_render__summary_card_incomplete_and_overridden),
        cmocka_unit_test(test_render__refusals_leave_no_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
