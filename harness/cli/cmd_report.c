/* cli/cmd_report.c - `leakgate report` and `leakgate merge`: re-render saved
 * results in any format, or combine shard results into one document. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char report_usage[] =
    "usage: leakgate report RESULT.json... [--json F] [--junit F] [--markdown F]\n"
    "                       [--html F] [--sarif F] [--annotations] [--quiet]\n"
    "\n"
    "Re-render saved results in any format without running anything again.\n"
    "A RESULT.json is a run's result.json or a combined document from merge\n"
    "or --json (each of its results is read). Prints the summary unless\n"
    "--quiet.\n"
    "\n"
    "exit: the combined verdict of the results (0/1/3/4), 2 for unreadable input\n";

static const char merge_usage[] =
    "usage: leakgate merge RESULT.json... [--json F] [--junit F] [--markdown F]\n"
    "                      [--html F] [--sarif F] [--quiet]\n"
    "\n"
    "Combine results (for example from 'run --shard I/N' jobs of a CI matrix)\n"
    "into one JSON document ({\"results\": [...]}) and one JUnit file with a\n"
    "testsuite per scenario. Combined documents can be merged again.\n"
    "\n"
    "exit: the combined verdict of the results (0/1/3/4), 2 for unreadable input\n";

static int render_saved(int argc, char **argv, const char *usage) {
  static const struct option longopts[] = {
      CLI_REPORT_LONGOPTS,
      {"annotations", no_argument, 0, 'a'},
      {"quiet", no_argument, 0, 'q'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  cli_outputs outs;
  lg_result **res = NULL;
  size_t n = 0, i;
  int c, idx = 0, rc = LG_EXIT_USAGE;

  memset(&outs, 0, sizeof outs);
  optind = 1;
  while ((c = getopt_long(argc, argv, "qh", longopts, &idx)) != -1) {
    switch (c) {
    case 'J': case 'U': case 'M': case 'H': case 'F':
      cli_output_option(&outs, c, optarg);
      break;
    case 'a':
      outs.annotations = true;
      break;
    case 'q':
      outs.quiet = true;
      break;
    case 'h':
      fputs(usage, stdout);
      return LG_EXIT_PASS;
    default:
      cli_bad_option(usage, longopts, "qh", argv);
      return LG_EXIT_USAGE;
    }
  }
  if (optind >= argc) {
    cli_errorf("needs at least one result file");
    fputs(usage, stderr);
    return LG_EXIT_USAGE;
  }
  if ((rc = cli_load_results(argv + optind, (size_t)(argc - optind), &res,
                             &n)))
    goto cleanup;
  rc = cli_finish_results((const lg_result *const *)res, n, &outs);
cleanup:
  for (i = 0; i < n; i++)
    lg_result_free(res[i]);
  free(res);
  return rc;
}

int cmd_report(int argc, char **argv) {
  return render_saved(argc, argv, report_usage);
}

int cmd_merge(int argc, char **argv) {
  return render_saved(argc, argv, merge_usage);
}
