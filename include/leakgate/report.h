/* leakgate/report.h - reporters: render result models in every CI format.
 *
 * Each format is one file in reporters/ and reads only lg_result (it never
 * re-runs analysis). Renderers produce a string; the caller writes it
 * (atomically for files, or to stdout for annotations and the summary).
 * Ownership: *out is allocated and owned by the caller.
 */
#ifndef LEAKGATE_REPORT_H
#define LEAKGATE_REPORT_H

#include <leakgate/error.h>
#include <leakgate/result.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum {
  LG_REPORT_JSON = 0, /* one result: result.json; several: {"results": [...]} */
  LG_REPORT_JUNIT,
  LG_REPORT_MARKDOWN,
  LG_REPORT_HTML,
  LG_REPORT_SARIF,
  LG_REPORT_ANNOTATIONS, /* GitHub ::error/::warning workflow commands */
  LG_REPORT_SUMMARY      /* the one-screen terminal summary */
} lg_report_format;

typedef struct lg_report_opts {
  const char
      *repo_root; /* make file paths relative to it (SARIF, annotations) */
  bool color;     /* summary: ANSI colour (off under NO_COLOR) */
} lg_report_opts;

/* Render results[0..n) in fmt into *out (NUL-terminated, *len bytes). */
int lg_report_render(lg_report_format fmt, const lg_result *const *results,
                     size_t n, const lg_report_opts *opts, char **out,
                     size_t *len, lg_error *err);

/* Render and write atomically to path. */
int lg_report_write(lg_report_format fmt, const lg_result *const *results,
                    size_t n, const lg_report_opts *opts, const char *path,
                    lg_error *err);

/* Format name ("junit") and parse; -1 when unknown. */
const char *lg_report_format_name(lg_report_format fmt);
int lg_report_format_parse(const char *name);

struct lg_progress; /* include/leakgate/run.h */

/* The live progress line: scenario, stage/phase, elapsed of total,
 * requests/s, memory and the running slope, in at most cap bytes (cut to
 * fit; no newline, no cursor control: the CLI redraws it with "\r\033[K"
 * on a TTY and prints it as a plain line otherwise). ANSI colour when color.
 * Returns 0, or LG_EUSAGE for a NULL/zero-sized buffer. */
int lg_report_progress_line(const struct lg_progress *p, bool color, char *buf,
                            size_t cap);

/* The progress line fitted to a terminal of columns columns (0 = no
 * limit): whole fields are dropped, least useful first (req/s, the planned
 * total, the scenario name, memory, the request count, errors, the slope),
 * and the stage name is cut last, so the line never wraps; colour codes
 * take no column. Returns 0, or LG_EUSAGE as lg_report_progress_line. */
int lg_report_progress_fit(const struct lg_progress *p, bool color,
                           size_t columns, char *buf, size_t cap);

/* The combined exit code of several results (fail 1 > error 4/2 >
 * inconclusive 3 > pass 0), as `merge` and the JSON reporter report it. */
int lg_report_combined_exit(const lg_result *const *results, size_t n);

/* Neutralise in place what a terminal or a CI log would obey in s, text
 * from files anyone can write (control characters, C1 controls, malformed
 * UTF-8: each becomes '?'; '\n' kept when keep_newlines). Returns s. The
 * summary and the annotations do this to every string they show. */
char *lg_report_term_safe(char *s, bool keep_newlines);

#endif
