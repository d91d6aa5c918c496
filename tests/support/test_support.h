/* test_support.h — shared helpers for the cmocka tests: tolerance asserts, paths, temp dirs. */
#ifndef SPS_TEST_SUPPORT_H
#define SPS_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/** Fail unless |actual - expected| <= tol (cmocka 1.1.5 has no assert_double_equal). */
#define sps_assert_near(actual, expected, tol) \
    sps_assert_near_impl((double)(actual), (double)(expected), (double)(tol), #actual, __FILE__, __LINE__)
void sps_assert_near_impl(double actual, double expected, double tol, const char *expr,
                          const char *file, int line);

/** Absolute path of a file in the source tree: sps_test_path("models/sins.json"). Static buffer. */
const char *sps_test_path(const char *relative);

/**
 * The shared DICOM corpus folder (env SPS_CORPUS_DIR, else ../shared/dicom-corpus beside the
 * source tree), or NULL when it is absent: tests that need it call skip().
 */
const char *sps_test_corpus_dir(void);

/** Make a fresh temporary directory; returns its path (static buffer per call site copy it). */
char *sps_test_mkdtemp(void);
/** Remove a directory tree made by sps_test_mkdtemp. */
void sps_test_rmtree(const char *path);

#endif
