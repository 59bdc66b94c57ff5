/* cli/cmd_validate.c - `leakgate validate`: run only the scenario loader. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char validate_usage[] =
    "usage: leakgate validate SCENARIO.yaml... [--set KEY=VALUE]... [--profile NAME]\n"
    "\n"
    "Parse and check scenarios without running anything: every key, type, unit\n"
    "and template. Errors name file:line:column and the key. Prints one line per\n"
    "valid scenario.\n"
    "\n"
    "options:\n"
    "  --set KEY=VALUE    override a scenario key first, as 'run --set' does\n"
    "  --profile NAME     apply a profile first (soak is built in unless the\n"
    "                     scenario has one); the duration printed is scaled\n"
    "  --help             print this help\n"
    "\n"
    "exit: 0 all valid, 2 any invalid\n";

int cmd_validate(int argc, char **argv) {
  static const struct option longopts[] = {{"set", required_argument, 0, 's'},
                                           {"profile", required_argument, 0, 'p'},
                                           {"help", no_argument, 0, 'h'},
                                           {0, 0, 0, 0}};
  const char **sets = calloc((size_t)argc + 1, sizeof *sets);
  const char *profile = NULL;
  size_t n_sets = 0;
  int c, i, rc = LG_EXIT_PASS;

  if (!sets)
    return LG_EXIT_ERROR;
  optind = 1;
  while ((c = getopt_long(argc, argv, "s:p:h", longopts, NULL)) != -1) {
    switch (c) {
    case 's':
      sets[n_sets++] = optarg;
      break;
    case 'p':
      profile = optarg;
      break;
    case 'h':
      fputs(validate_usage, stdout);
      free(sets);
      return LG_EXIT_PASS;
    default:
      cli_bad_option(validate_usage, longopts, "s:p:h", argv);
      free(sets);
      return LG_EXIT_USAGE;
    }
  }
  if (optind >= argc) {
    cli_errorf("validate needs at least one scenario file");
    fputs(validate_usage, stderr);
    free(sets);
    return LG_EXIT_USAGE;
  }
  for (i = optind; i < argc; i++) {
    lg_scenario *sc = NULL;
    char dur[32];
    if (cli_load_scenario(argv[i], sets, n_sets, profile, &sc) != 0) {
      rc = LG_EXIT_USAGE;
    } else {
      printf("ok: %s: scenario '%s', %s driver, %zu phase%s, %s\n", argv[i],
             sc->name, lg_driver_name(sc->load.driver), sc->load.n_phases,
             sc->load.n_phases == 1 ? "" : "s",
             lg_format_duration(dur, sizeof dur, lg_scenario_duration(sc)));
    }
    lg_scenario_free(sc);
  }
  free(sets);
  return rc;
}
