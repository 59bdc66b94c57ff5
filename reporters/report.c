/* reporters/report.c - lg_report_render / lg_report_write: pick the
 * renderer of a format, run it into a capped buffer, hand the text over or
 * write it atomically (temp file + rename: a reader sees the old report or
 * the whole new one, never a truncated file).
 * Owns: the buffer until it is handed to the caller. Failure: nothing is
 * returned or written, err says why.
 */
#include "core/fsutil.h"
#include "core/termsafe.h"
#include "report_util.h"

#include <stdlib.h>
#include <string.h>

static const struct {
  const char *name;
  lg_renderer render;
} formats[] = {
    [LG_REPORT_JSON] = {"json", lg__render_json},
    [LG_REPORT_JUNIT] = {"junit", lg__render_junit},
    [LG_REPORT_MARKDOWN] = {"markdown", lg__render_markdown},
    [LG_REPORT_HTML] = {"html", lg__render_html},
    [LG_REPORT_SARIF] = {"sarif", lg__render_sarif},
    [LG_REPORT_ANNOTATIONS] = {"annotations", lg__render_annotations},
    [LG_REPORT_SUMMARY] = {"summary", lg__render_summary},
};
#define N_FORMATS (sizeof formats / sizeof formats[0])

const char *lg_report_format_name(lg_report_format fmt) {
  return (unsigned)fmt < N_FORMATS ? formats[fmt].name : "unknown";
}

int lg_report_format_parse(const char *name) {
  size_t i;
  for (i = 0; name && i < N_FORMATS; i++)
    if (strcmp(name, formats[i].name) == 0)
      return (int)i;
  return -1;
}

int lg_report_render(lg_report_format fmt, const lg_result *const *results,
                     size_t n, const lg_report_opts *opts, char **out,
                     size_t *len, lg_error *err) {
  lg_report_opts dflt;
  lg_buf b;
  size_t i;
  int rc;

  *out = NULL;
  *len = 0;
  if ((unsigned)fmt >= N_FORMATS)
    return lg_error_set(err, LG_EUSAGE, "unknown report format %d", (int)fmt);
  if (n == 0 || !results)
    return lg_error_set(err, LG_EUSAGE, "%s report: no results to render",
                        formats[fmt].name);
  for (i = 0; i < n; i++)
    if (!results[i])
      return lg_error_set(err, LG_EUSAGE, "%s report: result %zu is NULL",
                          formats[fmt].name, i);
  if (!opts) {
    memset(&dflt, 0, sizeof dflt);
    opts = &dflt;
  }
  lg__buf_init(&b, LG_REPORT_CAP);
  rc = formats[fmt].render(results, n, opts, &b);
  if (rc == 0) /* a renderer returns its buffer's sticky error; be sure */
    rc = lg__buf_error(&b);
  if (rc == 0 && !b.data)
    rc = lg__buf_append(&b, "", 0);
  if (rc != 0) {
    lg__buf_cleanup(&b);
    if (rc == LG_ELIMIT)
      return lg_error_set(err, rc, "%s report: larger than the %zu MiB cap",
                          formats[fmt].name, LG_REPORT_CAP >> 20);
    return lg_error_set(err, rc, "%s report: %s", formats[fmt].name,
                        lg_strerror(rc));
  }
  *len = b.len;
  *out = lg__buf_steal(&b);
  return 0;
}

int lg_report_write(lg_report_format fmt, const lg_result *const *results,
                    size_t n, const lg_report_opts *opts, const char *path,
                    lg_error *err) {
  char *text = NULL;
  size_t len = 0;
  int rc = lg_report_render(fmt, results, n, opts, &text, &len, err);
  if (rc == 0)
    rc = lg__write_atomic(path, text, len, err);
  free(text);
  return rc;
}

int lg_report_combined_exit(const lg_result *const *results, size_t n) {
  bool fail = false, inconclusive = false;
  int error = LG_EXIT_PASS;
  size_t i;
  for (i = 0; i < n; i++) {
    switch (results[i]->exit_code) {
    case LG_EXIT_PASS:
      break;
    case LG_EXIT_FAIL:
      fail = true;
      break;
    case LG_EXIT_INCONCLUSIVE:
      inconclusive = true;
      break;
    default: /* an infrastructure error outranks an input error */
      if (error != LG_EXIT_ERROR)
        error = results[i]->exit_code == LG_EXIT_USAGE ? LG_EXIT_USAGE
                                                       : LG_EXIT_ERROR;
    }
  }
  if (fail)
    return LG_EXIT_FAIL;
  if (error != LG_EXIT_PASS)
    return error;
  return inconclusive ? LG_EXIT_INCONCLUSIVE : LG_EXIT_PASS;
}

char *lg_report_term_safe(char *s, bool keep_newlines) {
  return lg__term_sanitize(s, keep_newlines);
}
