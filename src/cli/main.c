/* main.c — `spinescore <verb> ...`: dispatches to the verbs; the only place that picks exit codes. */
#include <stdio.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cli.h"
#include "spinescore/version.h"

static const sps_cli_command commands[] = {
    {"decide", "score a case (SINS, ESCC, NOMS, survival scores, guidance) and explain it", sps_cmd_decide},
    {"models", "list the decision models in use, or dump one", sps_cmd_models},
    {"agree", "reader agreement of two batch summaries: kappa, weighted kappa, AC1, ICC, Bland-Altman", sps_cmd_agree},
    /* Imaging verbs are added here when their modules are built (see src/cli/CMakeLists.txt). */
#ifdef SPS_HAVE_DICOM
    {"scan", "list patients, studies and series of a DICOM folder or DICOMDIR (headers only)", sps_cmd_scan},
    {"info", "load one DICOM series: geometry (LPS), intensity statistics, load diagnostics", sps_cmd_info},
#endif
#if defined(SPS_HAVE_DICOM) && defined(SPS_HAVE_MEASURE)
    {"measure", "measure reader-placed points and regions on a series: SINS/ESCC inputs as JSON", sps_cmd_measure},
#endif
#if defined(SPS_HAVE_DICOM) && defined(SPS_HAVE_MEASURE) && defined(SPS_HAVE_REPORT)
    {"run", "the whole case: measure, merge with the clinical file, score, write report (+ snapshots, SR)", sps_cmd_run},
    {"batch", "many cases from a manifest CSV, each as `run`, unattended and resumable; summary CSV", sps_cmd_batch},
#endif
};

static void usage(FILE *f)
{
    fprintf(f, "usage: spinescore <verb> [options]\n"
               "       spinescore <verb> --help\n"
               "       spinescore --version\n\nverbs:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nExit codes are listed in docs/exit-codes.md.\n");
}

int sps_cli_exit_for_status(sps_status status)
{
    switch (status) {
    case SPS_OK:
        return SPS_EXIT_OK;
    case SPS_EINVALID:
    case SPS_EFORMAT:
        return SPS_EXIT_INVALID;
    case SPS_ENOTFOUND:
    case SPS_EIO:
        return SPS_EXIT_IO;
    case SPS_EUNSUPPORTED:
        return SPS_EXIT_UNSUPPORTED;
    case SPS_ENOMEM:
    case SPS_EINTERNAL:
        return SPS_EXIT_INTERNAL;
    }
    return SPS_EXIT_INTERNAL;
}

void sps_cli_print_error(const char *verb, const sps_error *err)
{
    if (err->where[0])
        fprintf(stderr, "spinescore %s: %s: %s\n", verb, err->where, err->message);
    else
        fprintf(stderr, "spinescore %s: %s\n", verb, err->message);
}

int sps_cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

/* Process memory policy (the application's, not the libraries'): the DICOM decoders (DCMTK)
 * allocate and free a pixel-data and a frame buffer per file, 0.25-1 MB each. Above glibc's mmap
 * threshold each one is a fresh mapping: page faults to fill it and an munmap (a TLB shootdown on
 * every core) to free it, per file. On the benchmark's RLE series that was three quarters of the
 * decode time (1.04 -> 0.27 s on one thread, docs/benchmarks.md). Buffers below 16 MB stay in the
 * heap and are reused; the volume itself is mapped on its own by sps_volume_new. */
static void memory_policy(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 16 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
}

int main(int argc, char **argv)
{
    memory_policy();
    if (argc < 2) {
        usage(stderr);
        return SPS_EXIT_USAGE;
    }
    if (sps_cli_is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return SPS_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("spinescore %s\n", SPS_VERSION_STRING);
        return SPS_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "spinescore: unknown verb '%s'\n\n", argv[1]);
    usage(stderr);
    return SPS_EXIT_USAGE;
}
