/* cli/cmd_analyze.c - `leakgate analyze`: the growth analysis on a series
 * file - a run's samples.csv, a CSV export, or what Prometheus recorded (a
 * query_range answer, a sequence of scrapes) - with one verdict per series
 * the file holds; heap profiles go to cmd_analyze_heap.c. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char analyze_usage[] =
    "usage: leakgate analyze FILE [options]\n"
    "       leakgate analyze PROFILE... | HEAP_PROFILE_DIR [options]\n"
    "\n"
    "Judge a memory series: warm-up trim, Theil-Sen slope with a confidence\n"
    "interval robust to autocorrelated noise, a three-valued verdict against the\n"
    "tolerance, the minimal detectable slope, and the projected time to the limit.\n"
    "FILE (or - for stdin) is recognised by its content:\n"
    "  CSV            a t_s column and at least one metric column (samples.csv\n"
    "                 columns, or any other numeric column named with --metric)\n"
    "  Prometheus     a query_range answer (JSON from /api/v1/query_range, or\n"
    "                 its data.result array), or a sequence of text/OpenMetrics\n"
    "                 scrapes with a timestamp on every sample; one verdict per\n"
    "                 series, named by its labels; x is seconds, or the counter\n"
    "                 given with --x-series\n"
    "  heap profiles  one or more pprof profile.proto files (Go's\n"
    "                 net/http/pprof heap profile; gzip or raw) or\n"
    "                 gperftools heap profiles (HEAPPROFILE=p ./service\n"
    "                 writes p.0001.heap ...), in x order, or a run's\n"
    "                 OUT/heap_profile directory: every allocation site's\n"
    "                 in-use bytes fitted against x, the growing ones named\n"
    "                 with a rate and its interval (exit 1 when one grows)\n"
    "\n"
    "options:\n"
    "  --x requests|seconds  x-axis (default: requests if the CSV column is\n"
    "                        present; seconds for Prometheus input, where\n"
    "                        requests means --x-series leakgate_requests_total)\n"
    "                        heap profiles also take allocated (bytes\n"
    "                        allocated so far: work done) and index (file\n"
    "                        order); default allocated, else seconds (the\n"
    "                        profiles' times), else index\n"
    "  --x-values N,N,...    heap profiles: the x of each (e.g. completed\n"
    "                        requests at each dump: then bytes per request)\n"
    "  --metric COLUMN|SELECTOR  CSV: metric column or short name: anon, heap,\n"
    "                        rss, pss, cgroup (default: first present of\n"
    "                        anon_bytes, heap_bytes, rss_bytes, cgroup_bytes).\n"
    "                        Prometheus: the series to judge, e.g.\n"
    "                        'container_memory_rss{pod=\"api-1\"}' (= and !=);\n"
    "                        default: every series of a query_range answer;\n"
    "                        in scrapes the first present of\n"
    "                        leakgate_memory_bytes{metric=anon|rss|cgroup},\n"
    "                        container_memory_working_set_bytes,\n"
    "                        container_memory_rss, container_memory_usage_bytes,\n"
    "                        process_resident_memory_bytes\n"
    "  --x-series SELECTOR   Prometheus: a request counter at the same\n"
    "                        timestamps gives x (bytes per request); with several\n"
    "                        matches, each series pairs with the one whose labels\n"
    "                        it shares (FILE must be a file, read twice)\n"
    "  --tolerance BYTES     growth per x unit that still counts as no leak;\n"
    "                        default 16B per request. On a seconds axis: 16B\n"
    "                        per request times the file's request rate; a file\n"
    "                        without a requests column needs --limit (then the\n"
    "                        growth that would fill the limit in 24 h) or this\n"
    "                        option, in bytes/second: no fixed per-second value\n"
    "                        suits every service, and the file does not say\n"
    "                        how much memory it may use. Heap profiles: 16B per\n"
    "                        request, and 0 on the other axes (any significant\n"
    "                        growth)\n"
    "  --confidence P        confidence of each one-sided bound (default 0.99:\n"
    "                        a 1% false-leak rate; [lo, hi] is then a 98% CI)\n"
    "  --warmup FRACTION     share of the x span dropped as warm-up (default 20%)\n"
    "  --limit SIZE          memory limit for the time-to-limit projection (and\n"
    "                        the seconds axis's default tolerance)\n"
    "  --rate R              x units per second for the projection (default:\n"
    "                        measured from t_s)\n"
    "  --strict              judge no_leak on the recent segment only\n"
    "  --early-stop          replay a samples.csv as if read live with\n"
    "                        analysis.early_stop: looks from the first row of\n"
    "                        its second phase on, and when they would have\n"
    "                        stopped the run (the verdict of that look)\n"
    "  --max-duration D      with --early-stop: the t_s the run could have\n"
    "                        lasted (load.max_duration; default: the file's end)\n"
    "  --min-evidence-duration D  steady time before the first look (default 2s)\n"
    "  --min-evidence-requests N  steady requests before it (default 1000)\n"
    "  --on-inconclusive pass|fail  exit 0 instead of 3 when undecided\n"
    "  --json F  --junit F  --markdown F  --html F  --sarif F   reports\n"
    "  --quiet               no summary on stdout\n"
    "  --help                print this help\n"
    "\n"
    "exit: 0 no leak, 1 leak, 2 bad input (file:line:column named), 3\n"
    "inconclusive; with several series, the worst of their codes\n";

/* "1234" or "12.5": a rate for a message. */
static char *fmt_rate(char *buf, size_t cap, double v) {
  snprintf(buf, cap, v >= 100 ? "%.0f" : "%.3g", v);
  return buf;
}

/* The file's mean request rate (requests per second over its span), read
 * with the requests axis; NAN when it has no usable requests column. */
static double request_rate(const char *path, const lg_series_opts *so) {
  lg_series_opts rq = *so;
  lg_series *s = NULL;
  lg_error err;
  double rate = NAN;
  rq.x = "requests";
  if (lg_series_read(path, &rq, &s, &err) == 0 && s->n >= 2 && s->t &&
      s->t[s->n - 1] > s->t[0])
    rate = (s->x[s->n - 1] - s->x[0]) / (s->t[s->n - 1] - s->t[0]);
  lg_series_free(s);
  return rate;
}

/* The default tolerance is per request: on a time axis it becomes bytes
 * per second through the file's own request rate (a CSV with a requests
 * column), else through --limit (the growth that adds the whole limit in
 * 24 h), else it must be given: a fixed bytes-per-second default would be
 * arbitrary (16 B/s fails any real service, a generous one hides leaks),
 * and a file alone says nothing about the memory it may use. Sets
 * ao->tolerance and says how on stderr; -1 (said) when nothing gives one. */
static int seconds_tolerance(const char *path, const lg_series_opts *so,
                             lg_analysis_opts *ao, bool quiet) {
  double rps = strcmp(path, "-") != 0 ? request_rate(path, so) : NAN;
  char n1[32], n2[32];
  if (rps > 0) {
    ao->tolerance *= rps;
    if (!quiet)
      fprintf(stderr,
              "leakgate: %s: tolerance %.6g B/s = 16 B/request x %s "
              "requests/s (the file's mean request rate; --tolerance sets "
              "it)\n",
              path, ao->tolerance, fmt_rate(n1, sizeof n1, rps));
    return 0;
  }
  if (ao->memory_limit > 0) {
    ao->tolerance = lg_time_tolerance(ao->memory_limit, NAN);
    if (!quiet)
      fprintf(stderr,
              "leakgate: %s: tolerance %.6g B/s = the %s limit / %s (growth "
              "that adds the whole limit in that time; --tolerance sets "
              "it)\n",
              path, ao->tolerance,
              lg_format_bytes(n1, sizeof n1, ao->memory_limit),
              lg_format_duration(n2, sizeof n2, LG_TOLERANCE_HORIZON_S));
    return 0;
  }
  cli_errorf("%s: the x-axis is seconds and the file counts no requests, so "
             "the default tolerance (16 B/request) has no per-second value: "
             "give --tolerance BYTES (growth per second that is no leak), or "
             "--limit SIZE (then the growth that fills it in 24 h)",
             path);
  return -1;
}

/* --early-stop: replay the CSV at path look by look into r. */
static int early_replay(const char *path, const lg_series_opts *so,
                        const lg_analysis_opts *ao,
                        const lg_early_stop_opts *eo, lg_result *r,
                        lg_error *err) {
  lg_early_stop st;
  FILE *f = fopen(path, "r");
  int rc;
  if (!f)
    return lg_error_set(err, errno == ENOENT ? LG_ENOENT : LG_EIO,
                        "%s: cannot open: %s", path, strerror(errno));
  rc = lg_early_stop_replay(f, path, so, ao, eo, &st, &r->analysis, NULL, err);
  fclose(f);
  return rc;
}

static const struct option longopts[] = {
    {"x", required_argument, 0, 'x'},
    {"metric", required_argument, 0, 'm'},
    {"x-series", required_argument, 0, 'X'},
    {"x-values", required_argument, 0, 'V'},
    {"tolerance", required_argument, 0, 't'},
    {"confidence", required_argument, 0, 'c'},
    {"warmup", required_argument, 0, 'w'},
    {"limit", required_argument, 0, 'l'},
    {"rate", required_argument, 0, 'r'},
    {"strict", no_argument, 0, 'S'},
    {"early-stop", no_argument, 0, 'E'},
    {"max-duration", required_argument, 0, 'D'},
    {"min-evidence-duration", required_argument, 0, 'N'},
    {"min-evidence-requests", required_argument, 0, 'R'},
    {"on-inconclusive", required_argument, 0, 'i'},
    CLI_REPORT_LONGOPTS,
    {"quiet", no_argument, 0, 'q'},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0}};

/* What the command line asks for. */
typedef struct analyze_args {
  lg_series_opts so;
  lg_analysis_opts ao;
  lg_early_stop_opts eo;
  cli_outputs outs;
  const char *x_values;
  bool early, inconclusive_passes, tolerance_given;
} analyze_args;

#define GO_ON (-1) /* parse_options: no exit code yet */

/* One option into a (c from getopt_long, arg its value): 0, -1 when its
 * value was refused (said), 1 when c is no option of this command. */
static int take_option(analyze_args *a, int c, const char *arg, int idx) {
  lg_error err;
  double v;
  uint64_t u;
  int bad = 0;
  lg_error_clear(&err);
  switch (c) {
  case 'x':
    /* checked later: heap profiles take more axes than series do */
    a->so.x = arg;
    break;
  case 'V':
    a->x_values = arg;
    break;
  case 'm':
    a->so.metric = arg;
    break;
  case 'X':
    a->so.x_series = arg;
    break;
  case 't':
    bad = lg_parse_size_f(arg, &a->ao.tolerance, &err);
    a->tolerance_given = true;
    break;
  case 'c':
    if ((bad = lg_parse_fraction(arg, &v, &err)))
      break;
    if (v <= 0.5 || v >= 1) {
      cli_errorf("--confidence must be between 0.5 and 1, got '%s'", arg);
      return -1;
    }
    a->ao.confidence = v;
    break;
  case 'w':
    if ((bad = lg_parse_fraction(arg, &v, &err)))
      break;
    if (v >= 1) {
      cli_errorf("--warmup must be below 100%%, got '%s'", arg);
      return -1;
    }
    a->ao.warmup_fraction = v;
    break;
  case 'l':
    if (!(bad = lg_parse_size(arg, &u, &err)))
      a->ao.memory_limit = (double)u;
    break;
  case 'r':
    bad = lg_parse_rate(arg, &a->ao.x_rate, &err);
    break;
  case 'S':
    a->ao.strict = true;
    break;
  case 'E':
    a->early = true;
    break;
  case 'D':
    bad = lg_parse_duration(arg, &a->eo.max_t, &err);
    break;
  case 'N':
    if ((bad = lg_parse_duration(arg, &a->eo.min_s, &err)))
      break;
    if (!(a->eo.min_s > 0)) {
      cli_errorf("--min-evidence-duration must be longer than 0s");
      return -1;
    }
    break;
  case 'R':
    if (!arg[0] || arg[strspn(arg, "0123456789")] != '\0') {
      cli_errorf("--min-evidence-requests must be a whole number, got '%s'",
                 arg);
      return -1;
    }
    a->eo.min_x = strtod(arg, NULL);
    break;
  case 'i':
    if (strcmp(arg, "pass") && strcmp(arg, "fail")) {
      cli_errorf("--on-inconclusive must be 'pass' or 'fail'");
      return -1;
    }
    a->inconclusive_passes = strcmp(arg, "pass") == 0;
    break;
  case 'J':
  case 'U':
  case 'M':
  case 'H':
  case 'F':
    cli_output_option(&a->outs, c, arg);
    break;
  case 'q':
    a->outs.quiet = true;
    break;
  default:
    return 1;
  }
  if (bad) {
    cli_errorf("--%s: %s", longopts[idx].name, err.msg);
    return -1;
  }
  return 0;
}

/* The options into a: GO_ON, or the exit code (--help, a refused option). */
static int parse_options(int argc, char **argv, analyze_args *a) {
  int c, idx = 0;
  memset(a, 0, sizeof *a);
  lg_analysis_opts_init(&a->ao);
  lg_early_stop_opts_init(&a->eo);
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", longopts, &idx)) != -1) {
    int r;
    if (c == 'h') {
      fputs(analyze_usage, stdout);
      return LG_EXIT_PASS;
    }
    if ((r = take_option(a, c, optarg, idx)) == 1)
      cli_bad_option(analyze_usage, longopts, "h", argv);
    if (r != 0)
      return LG_EXIT_USAGE;
  }
  return GO_ON;
}

/* The options that only fit some inputs, once the input is known to be a
 * series file (not heap profiles): 0, or -1 when refused (said). */
static int check_series_args(const analyze_args *a, int argc) {
  if (a->so.x && strcmp(a->so.x, "requests") && strcmp(a->so.x, "seconds")) {
    cli_errorf("--x must be 'requests' or 'seconds', got '%s'", a->so.x);
    return -1;
  }
  if (a->x_values) {
    cli_errorf("--x-values is for heap profiles");
    return -1;
  }
  if (optind != argc - 1) {
    cli_errorf("analyze needs exactly one input file");
    fputs(analyze_usage, stderr);
    return -1;
  }
  if (!a->early &&
      (!isnan(a->eo.max_t) || a->eo.min_s != 2 || a->eo.min_x != 1000)) {
    cli_errorf("--max-duration and --min-evidence-* need --early-stop");
    return -1;
  }
  return 0;
}

/* One series of the file judged into r (its verdict, chart and names):
 * 0, or the exit code of the failure (said). */
static int judge_series(const char *path, const lg_series *s,
                        const analyze_args *a, lg_result *r) {
  lg_error err;
  if (a->early ? early_replay(path, &a->so, &a->ao, &a->eo, r, &err) != 0
               : lg_analyze(s, &a->ao, &r->analysis, &err) != 0) {
    if (s->name)
      cli_errorf("%s: %s", s->name, err.msg);
    else
      cli_errorf("%s", err.msg);
    return lg_error_exit_code(err.code);
  }
  r->has_analysis = true;
  r->confidence = a->ao.confidence; /* the reports' interval level */
  r->inconclusive_passes = a->inconclusive_passes;
  r->scenario_name = strdup(s->name ? s->name : path);
  r->scenario_file = strdup(path);
  r->container.memory_limit_bytes = a->ao.memory_limit;
  lg_result_set_chart(r, s->x, s->y, s->n, 400);
  lg_result_finish(r);
  return 0;
}

int cmd_analyze(int argc, char **argv) {
  analyze_args a;
  lg_series_list sl;
  lg_result **res = NULL;
  lg_error err;
  const char *path;
  size_t i, n_res = 0;
  int rc;

  memset(&sl, 0, sizeof sl);
  lg_error_clear(&err);
  if ((rc = parse_options(argc, argv, &a)) != GO_ON)
    return rc;
  rc = LG_EXIT_USAGE;
  if (optind < argc && (argc - optind >= 2 || cli_is_heap_input(argv[optind])))
    return cli_analyze_heap(argv + optind, (size_t)(argc - optind), a.so.x,
                            a.x_values, &a.ao, a.tolerance_given, &a.outs);
  if (check_series_args(&a, argc) != 0)
    return rc;
  path = argv[optind];
  if ((strcmp(path, "-") == 0
           ? lg_series_read_all_stream(stdin, "<stdin>", &a.so, &sl, &err)
           : lg_series_read_all(path, &a.so, &sl, &err)) != 0) {
    rc = cli_fail(&err);
    goto cleanup;
  }
  if (sl.n > 0 && sl.v[0]->x_is_seconds && !a.tolerance_given &&
      seconds_tolerance(path, &a.so, &a.ao, a.outs.quiet) != 0)
    goto cleanup;
  /* The replay reads the file once per look: a CSV file, not a stream. */
  if (a.early && (strcmp(path, "-") == 0 || sl.n != 1 || sl.v[0]->name)) {
    cli_errorf("%s: --early-stop replays a samples.csv file (one CSV series, "
               "not stdin or Prometheus input)",
               path);
    goto cleanup;
  }
  res = calloc(sl.n ? sl.n : 1, sizeof *res);
  if (!res) {
    rc = LG_EXIT_ERROR;
    goto cleanup;
  }
  /* One result per series: a query over many pods gives a verdict each. */
  for (i = 0; i < sl.n; i++) {
    if (!(res[n_res] = lg_result_new())) {
      rc = LG_EXIT_ERROR;
      goto cleanup;
    }
    if ((rc = judge_series(path, sl.v[i], &a, res[n_res++])) != 0)
      goto cleanup;
  }
  rc = cli_finish_results((const lg_result *const *)res, n_res, &a.outs);

cleanup:
  for (i = 0; i < n_res; i++)
    lg_result_free(res[i]);
  free(res);
  lg_series_list_cleanup(&sl);
  return rc;
}
