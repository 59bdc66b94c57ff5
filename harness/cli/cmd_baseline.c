/* cli/cmd_baseline.c - `leakgate compare` (a saved result against a baseline)
 * and `leakgate baseline update` (create or append to a baseline file). */
#include "cli.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char compare_usage[] =
    "usage: leakgate compare RESULT.json --baseline BASELINE.json [options]\n"
    "\n"
    "Judge a saved result against main's baseline: a regression is a slope\n"
    "increase whose lower confidence bound exceeds the tolerance, or a Memcheck\n"
    "leak not in the baseline. Leaks present on both sides are reported as known.\n"
    "\n"
    "options:\n"
    "  --baseline F          the baseline file (required)\n"
    "  --tolerance BYTES     allowed slope increase per request (default: the\n"
    "                        result's analysis tolerance)\n"
    "  --missing pass|fail   verdict when the baseline or its entry is missing\n"
    "                        (default pass, with a warning)\n"
    "  --json F  --junit F  --markdown F  --html F  --sarif F   reports\n"
    "  --quiet               no summary on stdout\n"
    "  --help                print this help\n"
    "\n"
    "exit: 0 no regression, 1 regression or new leak, 2 bad input,\n"
    "      3 inconclusive, 4 error\n";

static const char baseline_usage[] =
    "usage: leakgate baseline update RESULT.json... --into BASELINE.json [--keep K]\n"
    "\n"
    "Create BASELINE.json from results of main-branch runs, or append them to it,\n"
    "keeping the last K runs per scenario (default 20) as history. A RESULT.json\n"
    "may also be a combined document from merge (every result in it is used).\n"
    "\n"
    "exit: 0 written, 2 bad input, 4 cannot write\n";

int cmd_compare(int argc, char **argv) {
  static const struct option longopts[] = {
      {"baseline", required_argument, 0, 'b'},
      {"tolerance", required_argument, 0, 't'},
      {"missing", required_argument, 0, 'm'},
      CLI_REPORT_LONGOPTS,
      {"quiet", no_argument, 0, 'q'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  lg_compare_opts co;
  cli_outputs outs;
  const char *bpath = NULL;
  lg_result *r = NULL;
  lg_baseline *b = NULL;
  lg_error err;
  int c, idx = 0, rc = LG_EXIT_USAGE;

  lg_compare_opts_init(&co);
  memset(&outs, 0, sizeof outs);
  lg_error_clear(&err);
  optind = 1;
  while ((c = getopt_long(argc, argv, "b:qh", longopts, &idx)) != -1) {
    switch (c) {
    case 'b':
      bpath = optarg;
      break;
    case 't':
      if (lg_parse_size_f(optarg, &co.tolerance, &err)) {
        cli_errorf("--tolerance: %s", err.msg);
        return LG_EXIT_USAGE;
      }
      break;
    case 'm':
      if (strcmp(optarg, "pass") && strcmp(optarg, "fail")) {
        cli_errorf("--missing must be 'pass' or 'fail'");
        return LG_EXIT_USAGE;
      }
      co.missing_fails = strcmp(optarg, "fail") == 0;
      break;
    case 'J': case 'U': case 'M': case 'H': case 'F':
      cli_output_option(&outs, c, optarg);
      break;
    case 'q':
      outs.quiet = true;
      break;
    case 'h':
      fputs(compare_usage, stdout);
      return LG_EXIT_PASS;
    default:
      cli_bad_option(compare_usage, longopts, "b:qh", argv);
      return LG_EXIT_USAGE;
    }
  }
  if (optind != argc - 1 || !bpath) {
    cli_errorf("compare needs one RESULT.json and --baseline BASELINE.json");
    fputs(compare_usage, stderr);
    return LG_EXIT_USAGE;
  }
  if (lg_result_load(argv[optind], &r, &err) != 0) {
    rc = cli_fail(&err);
    goto cleanup;
  }
  if (lg_baseline_load(bpath, &b, &err) != 0 && err.code != LG_ENOENT) {
    rc = cli_fail(&err);
    goto cleanup;
  }
  /* A missing file is not an input error: lg_baseline_compare records it
   * and applies --missing. */
  if (lg_baseline_compare(r, b, bpath, &co, &err) != 0) {
    rc = cli_fail(&err);
    goto cleanup;
  }
  if (r->baseline.note)
    cli_warnf("%s", r->baseline.note);
  lg_result_finish(r);
  rc = cli_finish_results((const lg_result *const *)&r, 1, &outs);
cleanup:
  lg_baseline_free(b);
  lg_result_free(r);
  return rc;
}

int cmd_baseline(int argc, char **argv) {
  static const struct option longopts[] = {{"into", required_argument, 0, 'i'},
                                           {"keep", required_argument, 0, 'k'},
                                           {"help", no_argument, 0, 'h'},
                                           {0, 0, 0, 0}};
  const char *into = NULL;
  long keep = 20;
  lg_result **res = NULL;
  size_t n = 0, i;
  lg_error err;
  int c, rc = LG_EXIT_USAGE;

  lg_error_clear(&err);
  if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    fputs(baseline_usage, stdout);
    return LG_EXIT_PASS;
  }
  if (argc < 2 || strcmp(argv[1], "update") != 0) {
    cli_errorf("baseline needs the subcommand 'update'");
    fputs(baseline_usage, stderr);
    return LG_EXIT_USAGE;
  }
  argc--;
  argv++;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    char *end;
    switch (c) {
    case 'i':
      into = optarg;
      break;
    case 'k':
      keep = strtol(optarg, &end, 10);
      if (*end || keep < 1 || keep > 10000) {
        cli_errorf("--keep needs a count from 1 to 10000, got '%s'", optarg);
        return LG_EXIT_USAGE;
      }
      break;
    case 'h':
      fputs(baseline_usage, stdout);
      return LG_EXIT_PASS;
    default:
      cli_bad_option(baseline_usage, longopts, "h", argv);
      return LG_EXIT_USAGE;
    }
  }
  if (optind >= argc || !into) {
    cli_errorf("baseline update needs RESULT.json... and --into BASELINE.json");
    fputs(baseline_usage, stderr);
    return LG_EXIT_USAGE;
  }
  if ((rc = cli_load_results(argv + optind, (size_t)(argc - optind), &res,
                             &n)))
    goto cleanup;
  if (lg_baseline_update(into, (const lg_result *const *)res, n, (size_t)keep,
                         &err) != 0) {
    rc = cli_fail(&err);
    goto cleanup;
  }
  printf("leakgate: baseline %s updated with %zu result%s\n", into, n,
         n == 1 ? "" : "s");
  rc = LG_EXIT_PASS;
cleanup:
  for (i = 0; i < n; i++)
    lg_result_free(res[i]);
  free(res);
  return rc;
}
