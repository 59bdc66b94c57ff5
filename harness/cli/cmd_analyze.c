/* cli/cmd_analyze.c - `leakgate analyze`: the growth analysis on any CSV
 * (a run's samples.csv or an export of production metrics). */
#include "cli.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char analyze_usage[] =
    "usage: leakgate analyze SAMPLES.csv [options]\n"
    "\n"
    "Judge a memory series: warm-up trim, Theil-Sen slope with a confidence\n"
    "interval robust to autocorrelated noise, a three-valued verdict against the\n"
    "tolerance, the minimal detectable slope, and the projected time to the limit.\n"
    "The CSV needs a t_s column and at least one metric column (samples.csv\n"
    "columns, or any other numeric column named with --metric).\n"
    "\n"
    "options:\n"
    "  --x requests|seconds  x-axis (default: requests if the column is present)\n"
    "  --metric COLUMN       metric column or short name: anon, heap, rss, pss,\n"
    "                        cgroup (default: first present of anon_bytes,\n"
    "                        heap_bytes, rss_bytes, cgroup_bytes)\n"
    "  --tolerance BYTES     growth per x unit that still counts as no leak\n"
    "                        (default 16B)\n"
    "  --confidence P        confidence of each one-sided bound (default 0.99:\n"
    "                        a 1% false-leak rate; [lo, hi] is then a 98% CI)\n"
    "  --warmup FRACTION     share of the x span dropped as warm-up (default 20%)\n"
    "  --limit SIZE          memory limit for the time-to-limit projection\n"
    "  --rate R              x units per second for the projection (default:\n"
    "                        measured from t_s)\n"
    "  --strict              judge no_leak on the recent segment only\n"
    "  --on-inconclusive pass|fail  exit 0 instead of 3 when undecided\n"
    "  --json F  --junit F  --markdown F  --html F  --sarif F   reports\n"
    "  --quiet               no summary on stdout\n"
    "  --help                print this help\n"
    "\n"
    "exit: 0 no leak, 1 leak, 2 bad input (file:line named), 3 inconclusive\n";

int cmd_analyze(int argc, char **argv) {
  static const struct option longopts[] = {
      {"x", required_argument, 0, 'x'},
      {"metric", required_argument, 0, 'm'},
      {"tolerance", required_argument, 0, 't'},
      {"confidence", required_argument, 0, 'c'},
      {"warmup", required_argument, 0, 'w'},
      {"limit", required_argument, 0, 'l'},
      {"rate", required_argument, 0, 'r'},
      {"strict", no_argument, 0, 'S'},
      {"on-inconclusive", required_argument, 0, 'i'},
      CLI_REPORT_LONGOPTS,
      {"quiet", no_argument, 0, 'q'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  lg_series_opts so;
  lg_analysis_opts ao;
  cli_outputs outs;
  lg_series *s = NULL;
  lg_result *r = NULL;
  lg_error err;
  const char *path;
  int c, rc = LG_EXIT_USAGE, idx = 0;
  bool inconclusive_passes = false;

  memset(&so, 0, sizeof so);
  memset(&outs, 0, sizeof outs);
  lg_analysis_opts_init(&ao);
  lg_error_clear(&err);
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", longopts, &idx)) != -1) {
    double v;
    uint64_t u;
    switch (c) {
    case 'x':
      if (strcmp(optarg, "requests") && strcmp(optarg, "seconds")) {
        cli_errorf("--x must be 'requests' or 'seconds', got '%s'", optarg);
        goto cleanup;
      }
      so.x = optarg;
      break;
    case 'm':
      so.metric = optarg;
      break;
    case 't':
      if (lg_parse_size_f(optarg, &ao.tolerance, &err))
        goto bad_value;
      break;
    case 'c':
      if (lg_parse_fraction(optarg, &v, &err))
        goto bad_value;
      if (v <= 0.5 || v >= 1) {
        cli_errorf("--confidence must be between 0.5 and 1, got '%s'", optarg);
        goto cleanup;
      }
      ao.confidence = v;
      break;
    case 'w':
      if (lg_parse_fraction(optarg, &v, &err))
        goto bad_value;
      if (v >= 1) {
        cli_errorf("--warmup must be below 100%%, got '%s'", optarg);
        goto cleanup;
      }
      ao.warmup_fraction = v;
      break;
    case 'l':
      if (lg_parse_size(optarg, &u, &err))
        goto bad_value;
      ao.memory_limit = (double)u;
      break;
    case 'r':
      if (lg_parse_rate(optarg, &ao.x_rate, &err))
        goto bad_value;
      break;
    case 'S':
      ao.strict = true;
      break;
    case 'i':
      if (strcmp(optarg, "pass") && strcmp(optarg, "fail")) {
        cli_errorf("--on-inconclusive must be 'pass' or 'fail'");
        goto cleanup;
      }
      inconclusive_passes = strcmp(optarg, "pass") == 0;
      break;
    case 'J': case 'U': case 'M': case 'H': case 'F':
      cli_output_option(&outs, c, optarg);
      break;
    case 'q':
      outs.quiet = true;
      break;
    case 'h':
      fputs(analyze_usage, stdout);
      rc = LG_EXIT_PASS;
      goto cleanup;
    default:
      cli_bad_option(analyze_usage, longopts, "h", argv);
      goto cleanup;
    }
    continue;
  bad_value:
    cli_errorf("--%s: %s", longopts[idx].name, err.msg);
    goto cleanup;
  }
  if (optind != argc - 1) {
    cli_errorf("analyze needs exactly one CSV file");
    fputs(analyze_usage, stderr);
    goto cleanup;
  }
  path = argv[optind];

  if (lg_series_read(path, &so, &s, &err) != 0) {
    rc = cli_fail(&err);
    goto cleanup;
  }
  r = lg_result_new();
  if (!r) {
    rc = LG_EXIT_ERROR;
    goto cleanup;
  }
  if (lg_analyze(s, &ao, &r->analysis, &err) != 0) {
    rc = cli_fail(&err);
    goto cleanup;
  }
  r->has_analysis = true;
  r->inconclusive_passes = inconclusive_passes;
  r->scenario_name = strdup(path);
  r->scenario_file = strdup(path);
  r->container.memory_limit_bytes = ao.memory_limit;
  lg_result_set_chart(r, s->x, s->y, s->n, 400);
  lg_result_finish(r);
  rc = cli_finish_results((const lg_result *const *)&r, 1, &outs);

cleanup:
  lg_result_free(r);
  lg_series_free(s);
  return rc;
}
