/* cli/common.c - what every subcommand shares: signal flag, messages, colour
 * detection, report emission (files, GitHub step summary, annotations) and
 * the combined exit code of several results. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

volatile int cli_interrupted;

/* First signal: stop gracefully (cli_interrupted = sig). Second: hurry
 * (cli_interrupted = -sig): the service's stop timeout is cut short and it
 * is killed at once, so the cgroup is still removed and result.json still
 * written, within about a second. Third: the default action, at once. */
static void on_signal(int sig) {
  if (cli_interrupted < 0) {
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  cli_interrupted = cli_interrupted ? -sig : sig;
}

static void on_xfsz(int sig) {
  (void)sig;
}

void cli_catch_xfsz(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_xfsz;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGXFSZ, &sa, NULL);
}

void cli_install_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  /* No SA_RESTART: blocking waits return EINTR and see the flag. */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
}

/* "leakgate: <prefix><message>\n" on stderr. Messages quote files (a CSV
 * header, a result's name, a service's output): nothing in them reaches
 * the terminal as a control sequence. */
static void say(const char *prefix, const char *fmt, va_list ap) {
  char msg[4096];
  vsnprintf(msg, sizeof msg, fmt, ap);
  fprintf(stderr, "leakgate: %s%s\n", prefix, lg_report_term_safe(msg, true));
}

void cli_errorf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  say("", fmt, ap);
  va_end(ap);
}

void cli_warnf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  say("warning: ", fmt, ap);
  va_end(ap);
}

int cli_fail(const lg_error *err) {
  cli_errorf("%s", err->msg[0] ? err->msg : lg_strerror(err->code));
  return lg_error_exit_code(err->code);
}

int cli_load_scenario(const char *path, const char *const *sets, size_t n_sets,
                      const char *profile, lg_scenario **out) {
  lg_error err;
  size_t w;
  int rc;
  lg_error_clear(&err);
  rc = lg_scenario_load(path, sets, n_sets, out, &err);
  if (rc == 0 && profile)
    rc = lg_scenario_apply_profile(*out, profile, &err);
  /* What the run would find before starting: heap needs a managed runtime
   * or Massif (auto-detection looks at the command, not only the keys). */
  if (rc == 0)
    rc = lg_run_check_runtime(*out, NULL, &err);
  if (rc) {
    cli_errorf("%s", err.msg);
    lg_scenario_free(*out);
    *out = NULL;
    return rc;
  }
  for (w = 0; w < (*out)->n_warnings; w++)
    cli_warnf("%s", (*out)->warnings[w]);
  return 0;
}

int cli_load_results(char *const *paths, size_t n_paths, lg_result ***out,
                     size_t *n) {
  lg_result **all = NULL, **one = NULL, **grown;
  size_t n_all = 0, n_one = 0, i, k;
  lg_error err;
  int rc = 0;

  *out = NULL;
  *n = 0;
  for (i = 0; i < n_paths; i++) {
    lg_error_clear(&err);
    if (lg_result_load_all(paths[i], &one, &n_one, &err) != 0) {
      rc = cli_fail(&err);
      goto cleanup;
    }
    grown = realloc(all, (n_all + n_one) * sizeof *all);
    if (!grown) {
      for (k = 0; k < n_one; k++)
        lg_result_free(one[k]);
      free(one);
      cli_errorf("out of memory");
      rc = LG_EXIT_ERROR;
      goto cleanup;
    }
    all = grown;
    memcpy(all + n_all, one, n_one * sizeof *one);
    n_all += n_one;
    free(one);
    one = NULL;
  }
  *out = all;
  *n = n_all;
  all = NULL;
cleanup:
  for (k = 0; all && k < n_all; k++)
    lg_result_free(all[k]);
  free(all);
  return rc;
}

/* usage's first line ("usage: leakgate run SCENARIO.yaml... [options]") and
 * the "leakgate run" it names, for the hint after a bad option. */
static void usage_hint(const char *usage) {
  size_t len = strcspn(usage, "\n"), cmd;
  const char *p = strstr(usage, "leakgate ");
  cmd = p ? 9 + strcspn(p + 9, " \n") : 0;
  if (p)
    fprintf(stderr, "%.*s ('%.*s --help' lists every option)\n", (int)len,
            usage, (int)cmd, p);
  else
    fprintf(stderr, "%.*s\n", (int)len, usage);
}

void cli_bad_option(const char *usage, const struct option *longopts,
                    const char *shortopts, char *const *argv) {
  const char *names[64], *arg = optind > 0 ? argv[optind - 1] : "";
  const struct option *exact = NULL, *prefix = NULL;
  char amb[256] = "";
  size_t n = 0, nlen, n_prefix = 0;
  /* An unknown short option inside a group ("-json" read as -j -s -o -n)
   * leaves optind on the group: the text is then argv[optind]. */
  if (strncmp(arg, "--", 2) != 0 && optopt > 0 &&
      !(arg[0] == '-' && strchr(arg + 1, optopt)) && argv[optind] &&
      argv[optind][0] == '-')
    arg = argv[optind];
  for (; n < 64 && longopts[n].name; n++)
    names[n] = longopts[n].name;
  if (strncmp(arg, "--", 2) == 0 && arg[2] && arg[2] != '=') {
    const char *name = arg + 2, *near;
    size_t i;
    nlen = strcspn(name, "=");
    for (i = 0; i < n; i++) {
      if (strlen(names[i]) == nlen && strncmp(names[i], name, nlen) == 0)
        exact = &longopts[i];
      else if (strncmp(names[i], name, nlen) == 0 && n_prefix++ < 6) {
        prefix = &longopts[i];
        snprintf(amb + strlen(amb), sizeof amb - strlen(amb), "%s--%s",
                 amb[0] ? ", " : "", names[i]);
      }
    }
    /* getopt takes a unique prefix for the option ("--jso" is --json):
     * what went wrong is then that option's value, not its name. */
    if (!exact && n_prefix == 1)
      exact = prefix;
    if (exact && exact->has_arg == required_argument && !name[nlen])
      cli_errorf("option --%s needs a value", exact->name);
    else if (exact && exact->has_arg == no_argument && name[nlen])
      cli_errorf("option --%s takes no value", exact->name);
    else if (!exact && n_prefix > 1)
      cli_errorf("option '--%.*s' is ambiguous: %s", (int)nlen, name, amb);
    else if ((near = lg_suggest(name, nlen, names, n)) != NULL)
      cli_errorf("unknown option '--%.*s' (did you mean --%s?)", (int)nlen,
                 name, near);
    else
      cli_errorf("unknown option '--%.*s'", (int)nlen, name);
  } else if (optopt && optopt < 128 && strchr(shortopts, optopt) &&
             optopt != ':') {
    cli_errorf("option -%c needs a value", optopt);
  } else if (arg[0] == '-' && arg[1] && arg[2] &&
             lg_suggest(arg + 1, strlen(arg + 1), names, n)) {
    /* "-json": a long option written with one dash */
    cli_errorf("unknown option '%s' (did you mean --%s?)", arg,
               lg_suggest(arg + 1, strlen(arg + 1), names, n));
  } else if (optopt > 0 && optopt < 128) {
    cli_errorf("unknown option '-%c'", optopt);
  } else {
    cli_errorf("unknown option '%s'", arg);
  }
  usage_hint(usage);
}

bool cli_color(int fd) {
  const char *term = getenv("TERM"), *no_color = getenv("NO_COLOR");
  if (no_color && no_color[0])
    return false;
  if (term && strcmp(term, "dumb") == 0)
    return false;
  return isatty(fd) != 0;
}

int cli_output_option(cli_outputs *o, int c, const char *value) {
  switch (c) {
  case 'J':
    o->json = value;
    break;
  case 'U':
    o->junit = value;
    break;
  case 'M':
    o->markdown = value;
    break;
  case 'H':
    o->html = value;
    break;
  case 'F':
    o->sarif = value;
    break;
  default:
    return 0;
  }
  return 1;
}

static int write_one(lg_report_format fmt, const lg_result *const *results,
                     size_t n, const lg_report_opts *ropts, const char *path) {
  lg_error err;
  lg_error_clear(&err);
  if (lg_report_write(fmt, results, n, ropts, path, &err) != 0) {
    cli_errorf("cannot write %s report %s: %s", lg_report_format_name(fmt),
               path, err.msg);
    return LG_EXIT_ERROR;
  }
  return 0;
}

int cli_emit_reports(const lg_result *const *results, size_t n,
                     const cli_outputs *o) {
  lg_report_opts ropts;
  const char *summary = getenv("GITHUB_STEP_SUMMARY");
  const char *gha = getenv("GITHUB_ACTIONS");
  const char *ws = getenv("GITHUB_WORKSPACE");
  char cwd[4096];
  int rc = 0;

  memset(&ropts, 0, sizeof ropts);
  ropts.repo_root = ws && ws[0] ? ws : (getcwd(cwd, sizeof cwd) ? cwd : ".");
  if (o->json)
    rc = rc ? rc : write_one(LG_REPORT_JSON, results, n, &ropts, o->json);
  if (o->junit)
    rc = rc ? rc : write_one(LG_REPORT_JUNIT, results, n, &ropts, o->junit);
  if (o->markdown)
    rc = rc ? rc : write_one(LG_REPORT_MARKDOWN, results, n, &ropts, o->markdown);
  if (o->html)
    rc = rc ? rc : write_one(LG_REPORT_HTML, results, n, &ropts, o->html);
  if (o->sarif)
    rc = rc ? rc : write_one(LG_REPORT_SARIF, results, n, &ropts, o->sarif);

  /* GitHub Actions: the step summary is appended to (other steps share it). */
  if (summary && summary[0]) {
    char *md = NULL;
    size_t len = 0;
    lg_error err;
    FILE *f;
    if (lg_report_render(LG_REPORT_MARKDOWN, results, n, &ropts, &md, &len,
                         &err) == 0 &&
        (f = fopen(summary, "a")) != NULL) {
      fwrite(md, 1, len, f);
      fclose(f);
    } else {
      cli_warnf("cannot append to GITHUB_STEP_SUMMARY %s", summary);
    }
    free(md);
  }
  if (o->annotations || (gha && strcmp(gha, "true") == 0)) {
    char *text = NULL;
    size_t len = 0;
    lg_error err;
    if (lg_report_render(LG_REPORT_ANNOTATIONS, results, n, &ropts, &text, &len,
                         &err) == 0) {
      fwrite(text, 1, len, stdout);
      fflush(stdout);
    }
    free(text);
  }
  return rc;
}

int cli_finish_results(const lg_result *const *results, size_t n,
                       const cli_outputs *outs) {
  int rc;
  if (!outs->quiet)
    cli_print_summary(results, n);
  rc = cli_emit_reports(results, n, outs);
  return rc ? rc : lg_report_combined_exit(results, n);
}

void cli_print_summary(const lg_result *const *results, size_t n) {
  lg_report_opts ropts;
  char *text = NULL;
  size_t len = 0;
  lg_error err;
  memset(&ropts, 0, sizeof ropts);
  ropts.color = cli_color(1);
  if (lg_report_render(LG_REPORT_SUMMARY, results, n, &ropts, &text, &len,
                       &err) == 0)
    fwrite(text, 1, len, stdout);
  else
    cli_errorf("cannot render summary: %s", err.msg);
  free(text);
  fflush(stdout);
}
