/* test_util.c — error records, status names, strings and atomic writes. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test_support.h"
#include "util_internal.h"

static void test_util__status_names_are_distinct_and_documented(void **state)
{
    (void)state;
    char *doc = NULL;
    size_t len = 0;
    sps_error err;
    assert_int_equal(sps_read_file(&doc, &len, sps_test_path("docs/errors.md"), 1 << 20, &err), SPS_OK);
    static const sps_status all[] = {
#define X(name, value, text) name,
        SPS_STATUS_LIST(X)
#undef X
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const char *n = sps_status_name(all[i]);
        if (!strstr(doc, n))
            fail_msg("docs/errors.md does not mention %s", n);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(n, sps_status_name(all[j]));
    }
    free(doc);
}

static void test_util__error_set_fills_code_where_and_message(void **state)
{
    (void)state;
    sps_error err;
    sps_error_clear(&err);
    assert_int_equal(sps_error_set(&err, SPS_EFORMAT, "(0028,0030)", "PixelSpacing has %d values, expected 2", 3),
                     SPS_EFORMAT);
    assert_int_equal(err.code, SPS_EFORMAT);
    assert_string_equal(err.where, "(0028,0030)");
    assert_string_equal(err.message, "PixelSpacing has 3 values, expected 2");
    assert_int_equal(sps_error_set(NULL, SPS_EIO, "x", "y"), SPS_EIO);
}

static void test_util__str_grows_and_detaches(void **state)
{
    (void)state;
    sps_str s = {0};
    for (int i = 0; i < 1000; i++)
        sps_str_printf(&s, "%d,", i);
    assert_int_equal(s.len, 3890);
    char *p = sps_str_detach(&s);
    assert_memory_equal(p, "0,1,2,", 6);
    assert_null(s.ptr);
    free(p);
}

static void test_util__atomic_write_leaves_no_temp_file(void **state)
{
    (void)state;
    char *dir = sps_test_mkdtemp();
    char path[512];
    snprintf(path, sizeof path, "%s/out.json", dir);
    sps_error err;
    assert_int_equal(sps_write_file_atomic(path, "{}\n", 3, &err), SPS_OK);
    char *back = NULL;
    size_t len = 0;
    assert_int_equal(sps_read_file(&back, &len, path, 100, &err), SPS_OK);
    assert_int_equal(len, 3);
    assert_string_equal(back, "{}\n");
    free(back);
    int entries = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            entries++;
    closedir(d);
    assert_int_equal(entries, 1);
    /* a folder that does not exist: clear error, nothing written */
    snprintf(path, sizeof path, "%s/missing/out.json", dir);
    assert_int_equal(sps_write_file_atomic(path, "x", 1, &err), SPS_EIO);
    assert_string_equal(err.where, path);
    sps_test_rmtree(dir);
    free(dir);
}

static void test_util__read_file_refuses_oversized_and_missing_files(void **state)
{
    (void)state;
    char *buf = NULL;
    sps_error err;
    assert_int_equal(sps_read_file(&buf, NULL, "/nonexistent/spinescore.json", 100, &err), SPS_ENOTFOUND);
    assert_null(buf);
    assert_int_equal(sps_read_file(&buf, NULL, sps_test_path("models/sins.json"), 100, &err), SPS_EINVALID);
    assert_null(buf);
    assert_non_null(strstr(err.message, "limit"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util__status_names_are_distinct_and_documented),
        cmocka_unit_test(test_util__error_set_fills_code_where_and_message),
        cmocka_unit_test(test_util__str_grows_and_detaches),
        cmocka_unit_test(test_util__atomic_write_leaves_no_temp_file),
        cmocka_unit_test(test_util__read_file_refuses_oversized_and_missing_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
