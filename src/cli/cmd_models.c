/* cmd_models.c — `spinescore models [NAME] [--models DIR]`: list the decision tables in use or dump one. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "spinescore/core.h"

int sps_cmd_models(int argc, char **argv)
{
    const char *dir = NULL, *name = NULL;
    for (int i = 1; i < argc; i++) {
        if (sps_cli_is_help(argv[i])) {
            printf("usage: spinescore models [NAME] [--models DIR]\n\n"
                   "Lists the decision models (name, version, origin), or prints model NAME as JSON.\n"
                   "With --models DIR, files in DIR replace the embedded models of the same name;\n"
                   "a malformed file is refused with file, line and column (exit 5).\n");
            return SPS_EXIT_OK;
        } else if (strcmp(argv[i], "--models") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "spinescore models: unknown option '%s'\n", argv[i]);
            return SPS_EXIT_USAGE;
        } else {
            name = argv[i];
        }
    }
    sps_error err;
    sps_error_clear(&err);
    sps_models *m = NULL;
    sps_status st = dir ? sps_models_load_dir(&m, dir, &err) : sps_models_load_builtin(&m, &err);
    if (st != SPS_OK) {
        sps_cli_print_error("models", &err);
        return st == SPS_EFORMAT ? SPS_EXIT_MODEL : sps_cli_exit_for_status(st);
    }
    int rc = SPS_EXIT_OK;
    if (name) {
        char *s = sps_models_dump(m, name);
        if (!s) {
            fprintf(stderr, "spinescore models: no model named '%s'\n", name);
            rc = SPS_EXIT_USAGE;
        } else {
            printf("%s\n", s);
            sps_free(s);
        }
    } else {
        for (size_t i = 0; i < sps_models_count(m); i++)
            printf("%-20s %-8s %s\n", sps_models_name(m, i), sps_models_version(m, i), sps_models_origin(m, i));
    }
    sps_models_free(m);
    return rc;
}
