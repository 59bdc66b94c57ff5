/* cli/cmd_run.c - `leakgate run`: load every scenario (all are validated
 * before any runs), pick this shard's share, run each with a live progress
 * line, then print the summary, write the reports and exit with the
 * combined code. */
#include "cli.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const char run_usage[] =
    "usage: leakgate run SCENARIO.yaml... [options]\n"
    "\n"
    "Start each scenario's service in a memory-limited container, drive it with\n"
    "the scenario's load, sample its memory from outside, judge the growth per\n"
    "completed request, and (if configured) re-run it under Memcheck/Massif and\n"
    "compare with a baseline.\n"
    "\n"
    "options:\n"
    "  --out DIR          output directory (default leakgate-out/<scenario name>;\n"
    "                     with several scenarios, DIR/<scenario name>); holds\n"
    "                     result.json, samples.csv, service logs, Valgrind files\n"
    "  --json F           write the result(s) as JSON (schema_version 1)\n"
    "  --junit F          write JUnit XML (a testsuite per scenario)\n"
    "  --markdown F       write a Markdown summary\n"
    "  --html F           write a self-contained HTML report with charts\n"
    "  --sarif F          write SARIF 2.1.0 (leak stacks, growing sites)\n"
    "  --annotations      print GitHub ::error/::warning annotations\n"
    "                     (automatic when GITHUB_ACTIONS=true)\n"
    "  --baseline F       compare with this baseline file (overrides baseline.file)\n"
    "  --set KEY=VALUE    override a scenario key, e.g. --set load.connections=32\n"
    "                     or --set analysis.tolerance=8B (repeatable; VALUE is YAML)\n"
    "  --profile NAME     apply the scenario's profile NAME; soak is built in\n"
    "                     (phases x10, tolerance / 4) unless the scenario has one\n"
    "  --shard I/N        run only shard I of N (1-based; stable by scenario name)\n"
    "  --metrics HOST:PORT  serve Prometheus/OpenMetrics metrics at\n"
    "                     http://HOST:PORT/metrics while the run goes (PORT\n"
    "                     alone: 127.0.0.1; port 0: any free port, printed)\n"
    "  --metrics-remote   allow a non-loopback --metrics address (the\n"
    "                     endpoint has no authentication)\n"
    "  --quiet            no progress line and no summary (reports still written)\n"
    "  --help             print this help\n"
    "\n"
    "Progress goes to stderr: on a terminal one line redrawn in place, fitted to\n"
    "its width by leaving fields out (80 columns when it does not say), else a\n"
    "plain line every 10 s. The summary goes to stdout. With GITHUB_STEP_SUMMARY\n"
    "set, a Markdown summary is appended to it. NO_COLOR disables colour.\n"
    "\n"
    "exit: 0 pass, 1 fail, 2 bad input, 3 inconclusive, 4 infrastructure error\n";

typedef struct progress_state {
  bool tty, color, quiet;
  double last_plain;
  size_t drawn; /* width of the last in-place line */
} progress_state;

/* The terminal's width, asked at every redraw (a resized window takes
 * effect at the next one); 80 columns when the terminal does not say. */
static size_t term_columns(int fd) {
  struct winsize ws;
  if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    return ws.ws_col;
  return 80;
}

static void on_progress(const lg_progress *p, void *ctx) {
  progress_state *st = ctx;
  char line[512];
  size_t cols;
  if (st->quiet)
    return;
  /* One column short of the width: a line that fills the last column
   * leaves some terminals in their wrap-pending state, and the next "\r"
   * then returns to a new row. */
  cols = st->tty ? term_columns(2) - 1 : 0;
  if (lg_report_progress_fit(p, st->color, st->tty && cols == 0 ? 1 : cols,
                             line, sizeof line) != 0)
    return;
  if (st->tty) {
    fprintf(stderr, "\r\033[K%s", line);
    st->drawn = strlen(line);
  } else {
    /* Not a terminal (CI logs): a plain line every 10 s of load. */
    if (p->load.elapsed_s - st->last_plain < 10.0 && st->last_plain >= 0)
      return;
    st->last_plain = p->load.elapsed_s;
    fprintf(stderr, "%s\n", line);
  }
  fflush(stderr);
}

static void progress_end(progress_state *st) {
  if (st->tty && st->drawn) {
    fputs("\r\033[K", stderr);
    fflush(stderr);
    st->drawn = 0;
  }
}

/* "I/N" with 1 <= I <= N <= 100000, digits only (strtoul alone would take
 * signs and blanks, and sscanf's %u wraps "-1"). */
static int parse_shard(const char *s, unsigned *i, unsigned *n) {
  char *end;
  unsigned long a, b;
  if (!isdigit((unsigned char)s[0]))
    return -1;
  errno = 0;
  a = strtoul(s, &end, 10);
  if (*end != '/' || !isdigit((unsigned char)end[1]))
    return -1;
  b = strtoul(end + 1, &end, 10);
  if (*end || errno || b == 0 || b > 100000 || a == 0 || a > b)
    return -1;
  *i = (unsigned)a;
  *n = (unsigned)b;
  return 0;
}

static int cmp_by_name(const void *a, const void *b) {
  const lg_scenario *const *x = a, *const *y = b;
  int c = strcmp((*x)->name, (*y)->name);
  return c ? c : strcmp((*x)->file, (*y)->file);
}

/* The command line of run. */
typedef struct run_args {
  cli_outputs outs;
  const char *out_dir, *baseline, *profile;
  lg_metrics_opts mo;
  const char **sets; /* the --set values (argc of them at most) */
  size_t n_sets;
  unsigned shard_i, shard_n;
} run_args;

static const struct option run_longopts[] = {
    {"out", required_argument, 0, 'o'},
    CLI_REPORT_LONGOPTS,
    {"annotations", no_argument, 0, 6},
    {"baseline", required_argument, 0, 'b'},
    {"set", required_argument, 0, 's'},
    {"profile", required_argument, 0, 'p'},
    {"shard", required_argument, 0, 'S'},
    {"metrics", required_argument, 0, 7},
    {"metrics-remote", no_argument, 0, 8},
    {"quiet", no_argument, 0, 'q'},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0}};

/* Parse the options into a; -1 to go on, else the exit code (--help, a
 * bad option). */
static int parse_args(int argc, char **argv, run_args *a) {
  lg_error err;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:b:s:p:S:qh", run_longopts, NULL)) !=
         -1) {
    switch (c) {
    case 'o':
      a->out_dir = optarg;
      break;
    case 'J': case 'U': case 'M': case 'H': case 'F':
      cli_output_option(&a->outs, c, optarg);
      break;
    case 6:
      a->outs.annotations = true;
      break;
    case 'b':
      a->baseline = optarg;
      break;
    case 's':
      if (!strchr(optarg, '=')) {
        cli_errorf("--set needs KEY=VALUE, got '%s'", optarg);
        return LG_EXIT_USAGE;
      }
      assert(a->n_sets < (size_t)argc);
      a->sets[a->n_sets++] = optarg;
      break;
    case 'p':
      a->profile = optarg;
      break;
    case 'S':
      if (parse_shard(optarg, &a->shard_i, &a->shard_n)) {
        cli_errorf("--shard needs I/N with 1 <= I <= N, got '%s'", optarg);
        return LG_EXIT_USAGE;
      }
      break;
    case 7:
      a->mo.listen = optarg;
      break;
    case 8:
      a->mo.allow_remote = true;
      break;
    case 'q':
      a->outs.quiet = true;
      break;
    case 'h':
      fputs(run_usage, stdout);
      return LG_EXIT_PASS;
    default:
      cli_bad_option(run_usage, run_longopts, "o:b:s:p:S:qh", argv);
      return LG_EXIT_USAGE;
    }
  }
  if (optind >= argc) {
    cli_errorf("run needs at least one scenario file");
    fputs(run_usage, stderr);
    return LG_EXIT_USAGE;
  }
  lg_error_clear(&err);
  if (a->mo.listen &&
      lg_metrics_check_listen(a->mo.listen, a->mo.allow_remote, &err) != 0) {
    cli_errorf("%s", err.msg);
    return LG_EXIT_USAGE;
  }
  return -1;
}

/* Load and validate every scenario before running any (a typo in the third
 * should not cost the first two runs), sorted by name, names unique. */
static int load_scenarios(char **files, size_t n, const run_args *a,
                          lg_scenario **sc) {
  size_t i;
  int bad = 0;
  for (i = 0; i < n; i++)
    if (cli_load_scenario(files[i], a->sets, a->n_sets, a->profile, &sc[i]) !=
        0)
      bad = 1;
  if (bad)
    return LG_EXIT_USAGE;
  /* Shards: sort by name and deal round-robin, so every shard gets a
   * balanced, deterministic share whatever order the files were given in. */
  qsort(sc, n, sizeof *sc, cmp_by_name);
  for (i = 1; i < n; i++)
    if (strcmp(sc[i]->name, sc[i - 1]->name) == 0) {
      cli_errorf("two scenarios are named '%s' (%s and %s): names must be "
                 "unique",
                 sc[i]->name, sc[i - 1]->file, sc[i]->file);
      return LG_EXIT_USAGE;
    }
  return 0;
}

/* Caveats that change what the verdict means are said out loud. */
static void say_caveats(const lg_scenario *sc, const lg_result *r) {
  if (r->container.note)
    cli_warnf("%s: %s", sc->name, r->container.note);
  else if (r->container.backend && strcmp(r->container.backend, "none") == 0)
    cli_warnf("%s: container backend none: no memory limit and no OOM "
              "detection in this run",
              sc->name);
  if (r->baseline.note)
    cli_warnf("%s: baseline: %s", sc->name, r->baseline.note);
}

/* Run scenario sc into *out with the progress line; 0, or the exit code of
 * a run the library could not carry out (said on stderr). */
static int run_one(const lg_scenario *sc, size_t n_sc, const run_args *a,
                   lg_metrics *metrics, progress_state *ps, lg_result **out) {
  lg_run_opts ro;
  lg_error err;
  char dir[4096];
  lg_run_opts_init(&ro);
  if (a->out_dir && n_sc == 1) {
    ro.out_dir = a->out_dir;
  } else if (a->out_dir) {
    snprintf(dir, sizeof dir, "%s/%s", a->out_dir, sc->name);
    ro.out_dir = dir;
  }
  ro.baseline_path = a->baseline;
  ro.progress = on_progress;
  ro.progress_ctx = ps;
  ro.interrupt = &cli_interrupted;
  ro.metrics = metrics;
  ps->last_plain = -1;
  if (!a->outs.quiet)
    fprintf(stderr, "leakgate: running %s (%s)\n", sc->name, sc->file);
  lg_error_clear(&err);
  if (lg_run_scenario(sc, &ro, out, &err) != 0) {
    progress_end(ps);
    cli_errorf("%s: %s", sc->name, err.msg);
    return lg_error_exit_code(err.code);
  }
  progress_end(ps);
  say_caveats(sc, *out);
  return 0;
}

/* The exit code when the scenarios that ran give results_rc and a later
 * one could not run (failed_rc, 2 or 4): a failure found stays a failure,
 * as in lg_report_combined_exit; otherwise the run's own error. */
static int with_failed_run(int results_rc, int failed_rc) {
  if (!failed_rc || results_rc == LG_EXIT_FAIL)
    return results_rc;
  if (results_rc == LG_EXIT_ERROR)
    return LG_EXIT_ERROR;
  return failed_rc;
}

int cmd_run(int argc, char **argv) {
  run_args a;
  lg_metrics *metrics = NULL;
  size_t n_sc = 0, n_res = 0, i;
  lg_scenario **sc = NULL;
  lg_result **res = NULL;
  progress_state ps;
  lg_error err;
  int rc, failed = 0;

  memset(&a, 0, sizeof a);
  memset(&ps, 0, sizeof ps);
  a.shard_i = a.shard_n = 1;
  a.sets = calloc((size_t)argc, sizeof *a.sets);
  if (!a.sets)
    return LG_EXIT_ERROR;
  if ((rc = parse_args(argc, argv, &a)) >= 0)
    goto cleanup;
  n_sc = (size_t)(argc - optind);
  sc = calloc(n_sc, sizeof *sc);
  res = calloc(n_sc, sizeof *res);
  if (!sc || !res) {
    rc = LG_EXIT_ERROR;
    goto cleanup;
  }
  if ((rc = load_scenarios(argv + optind, n_sc, &a, sc)) != 0)
    goto cleanup;
  if (a.mo.listen) {
    /* One endpoint for the whole command: it goes away when the last
     * scenario is done. */
    if (lg_metrics_start(&a.mo, &metrics, &err) != 0) {
      cli_errorf("%s", err.msg);
      rc = lg_error_exit_code(err.code);
      goto cleanup;
    }
    if (!a.outs.quiet)
      fprintf(stderr, "leakgate: metrics at %s\n", lg_metrics_url(metrics));
  }
  cli_install_signals();
  ps.tty = isatty(2) != 0;
  ps.color = cli_color(2);
  ps.quiet = a.outs.quiet;
  for (i = 0; i < n_sc && !failed && !cli_interrupted; i++) {
    if (i % a.shard_n != a.shard_i - 1)
      continue;
    assert(n_res < n_sc);
    if ((failed = run_one(sc[i], n_sc, &a, metrics, &ps, &res[n_res])) == 0)
      n_res++;
  }
  if (n_res == 0 && (failed || cli_interrupted)) {
    rc = failed ? failed : LG_EXIT_ERROR;
    goto cleanup;
  }
  if (n_res == 0) {
    cli_warnf("shard %u/%u has no scenarios (of %zu)", a.shard_i, a.shard_n,
              n_sc);
    rc = LG_EXIT_PASS;
    goto cleanup;
  }
  /* The scenarios that ran are reported even when a later one could not
   * run: their results are real and the exit code says both. */
  rc = with_failed_run(
      cli_finish_results((const lg_result *const *)res, n_res, &a.outs),
      failed);
  if (cli_interrupted && rc == LG_EXIT_PASS)
    rc = LG_EXIT_ERROR;

cleanup:
  lg_metrics_stop(metrics);
  for (i = 0; sc && i < n_sc; i++)
    lg_scenario_free(sc[i]);
  for (i = 0; res && i < n_res; i++)
    lg_result_free(res[i]);
  free(sc);
  free(res);
  free(a.sets);
  return rc;
}
