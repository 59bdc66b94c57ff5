/* cli/cli.h - the `leakgate` command: one file per subcommand, shared output
 * helpers here. The command uses only the public API (include/leakgate/);
 * it owns printing, exit codes and signal handling, which the library never
 * does. */
#ifndef LG_CLI_H
#define LG_CLI_H

#include <getopt.h>
#include <leakgate/leakgate.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

/* Report file options shared by run, merge, report and compare. */
typedef struct cli_outputs {
  const char *json, *junit, *markdown, *html, *sarif;
  bool annotations; /* also automatic when GITHUB_ACTIONS=true */
  bool quiet;
} cli_outputs;

/* Whether path is heap-profile input for analyze: a pprof profile (gzip
 * or protobuf), a gperftools heap profile, or a directory of heap-sampler
 * streams (cmd_analyze_heap.c). */
bool cli_is_heap_input(const char *path);
/* analyze on heap profiles (paths, in x order) or one heap-sampler
 * directory; x: requests, seconds, allocated, index or NULL (default);
 * x_values: "N,N,..." per profile or NULL. Returns the exit code. */
int cli_analyze_heap(char *const *paths, size_t n, const char *x,
                     const char *x_values, const lg_analysis_opts *ao,
                     bool tolerance_given, const cli_outputs *outs);

/* Set by SIGINT/SIGTERM; a second signal forces the exit. */
extern volatile int cli_interrupted;
void cli_install_signals(void);
/* Catch SIGXFSZ with a no-op handler: past a file-size limit (ulimit -f)
 * write(2) then fails with EFBIG, so the output is refused with exit 4 and
 * its temp file removed, instead of the process being killed mid-file.
 * A handler (unlike SIG_IGN) is reset by exec: services and tools started
 * by leakgate keep the default. */
void cli_catch_xfsz(void);

/* Print "leakgate: <msg>" to stderr. */
void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "leakgate: warning: <msg>" to stderr. */
void cli_warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print an lg_error and return its DESIGN exit code. */
int cli_fail(const lg_error *err);
/* Load a scenario with --set overrides and an optional --profile, printing
 * its error (file:line:column) or its warnings; returns 0 or the error code.
 * *out is NULL on failure. */
int cli_load_scenario(const char *path, const char *const *sets, size_t n_sets,
                      const char *profile, lg_scenario **out);
/* Load every result of the files in paths (a result.json, or a combined
 * document from merge or --json: each of its results), printing the first
 * error; returns 0 or its exit code. On success *out holds *n results
 * (free each, then the array); on failure nothing. */
int cli_load_results(char *const *paths, size_t n_paths, lg_result ***out,
                     size_t *n);
/* The default: branch of a getopt_long loop (main sets opterr = 0, so
 * getopt prints nothing itself): say in one line what was wrong with the
 * option just read - unknown (with the closest known option: "did you mean
 * --json?"), ambiguous, missing or unexpected value - then usage's first
 * line with where the full help is. Two lines, not the whole help. */
void cli_bad_option(const char *usage, const struct option *longopts,
                    const char *shortopts, char *const *argv);
/* Colour on stdout/stderr: a TTY, NO_COLOR unset, TERM not dumb. */
bool cli_color(int fd);

/* The report file options every report-writing command takes, as
 * getopt_long entries (values 'J' 'U' 'M' 'H' 'F'), and their handler. */
#define CLI_REPORT_LONGOPTS                                                    \
  {"json", required_argument, 0, 'J'}, {"junit", required_argument, 0, 'U'},   \
      {"markdown", required_argument, 0, 'M'},                                 \
      {"html", required_argument, 0, 'H'}, {"sarif", required_argument, 0, 'F'}
/* Store a CLI_REPORT_LONGOPTS option (c is its getopt value) in outs; 1 if
 * c was one of them. */
int cli_output_option(cli_outputs *outs, int c, const char *value);
/* Write every requested report plus the automatic ones (GitHub step summary,
 * annotations); returns 0 or the exit code of the first failure (4). */
int cli_emit_reports(const lg_result *const *results, size_t n,
                     const cli_outputs *outs);
/* Print the one-screen summary of each result to stdout. */
void cli_print_summary(const lg_result *const *results, size_t n);
/* The end of every command that produces results: the summary (unless
 * outs->quiet), then the reports; returns the first report failure (4) or
 * else the combined exit code of the results (lg_report_combined_exit). */
int cli_finish_results(const lg_result *const *results, size_t n,
                       const cli_outputs *outs);

int cmd_run(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_doctor(int argc, char **argv);

#endif
