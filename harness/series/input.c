/* series/input.c - lg_series_read_all: one entry for every input
 * `leakgate analyze` takes, told apart by content (leakgate/series.h).
 *
 * Detection looks at the first non-blank bytes: '{' or '[' is JSON (the
 * Prometheus API); '#' or a metric name followed by '{' or a blank is a
 * text exposition; anything else is CSV (whose header is names and
 * commas). The head is read once; a seekable stream is rewound, a pipe is
 * replayed through a cookie stream that serves the head first, so a pipe
 * works too - except with --x-series, whose two passes need a file.
 * Owns: the cookie stream and the x-series store, both gone on return;
 * on failure the list is empty.
 */
#include "series/lines.h"
#include "series/prom_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define HEAD_BYTES 4096

lg_input_format lg_input_detect(const char *head, size_t n) {
  size_t i = 0;
  if (n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0)
    i = 3;
  while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' ||
                   head[i] == '\n'))
    i++;
  if (i == n)
    return LG_INPUT_CSV; /* empty: the CSV reader says so */
  if (head[i] == '{' || head[i] == '[')
    return LG_INPUT_PROM_JSON;
  if (head[i] == '#')
    return LG_INPUT_PROM_TEXT;
  {
    size_t j = i;
    char c = head[j];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
          c == ':'))
      return LG_INPUT_CSV;
    while (j < n && ((head[j] >= 'a' && head[j] <= 'z') ||
                     (head[j] >= 'A' && head[j] <= 'Z') ||
                     (head[j] >= '0' && head[j] <= '9') || head[j] == '_' ||
                     head[j] == ':'))
      j++;
    if (j < n && (head[j] == '{' || head[j] == ' ' || head[j] == '\t'))
      return LG_INPUT_PROM_TEXT;
  }
  return LG_INPUT_CSV;
}

const char *lg_input_format_name(lg_input_format f) {
  switch (f) {
  case LG_INPUT_CSV:
    return "csv";
  case LG_INPUT_PROM_JSON:
    return "prometheus-json";
  case LG_INPUT_PROM_TEXT:
    return "prometheus-text";
  case LG_INPUT_AUTO:
  default:
    return "auto";
  }
}

void lg_series_list_cleanup(lg_series_list *l) {
  size_t i;
  if (!l)
    return;
  for (i = 0; i < l->n; i++)
    lg_series_free(l->v[i]);
  free(l->v);
  l->v = NULL;
  l->n = 0;
}

/* A stream that serves the peeked head, then the rest of the original. */
typedef struct replay {
  FILE *f;
  char head[HEAD_BYTES];
  size_t n, pos;
} replay;

static ssize_t replay_read(void *c, char *buf, size_t size) {
  replay *r = c;
  if (r->pos < r->n) {
    size_t k = r->n - r->pos < size ? r->n - r->pos : size;
    memcpy(buf, r->head + r->pos, k);
    r->pos += k;
    return (ssize_t)k;
  }
  {
    size_t got = fread(buf, 1, size, r->f);
    return got == 0 && ferror(r->f) ? -1 : (ssize_t)got;
  }
}

static int read_prom(FILE *f, bool seekable, long start, const char *name,
                     lg_input_format fmt, const lg_series_opts *opts,
                     lg_series_list *out, lg_error *err) {
  pm_ctx ctx;
  pm_xstore xs;
  const char *xsel = opts ? opts->x_series : NULL;
  int rc = 0;

  memset(&ctx, 0, sizeof ctx);
  memset(&xs, 0, sizeof xs);
  ctx.name = name;
  ctx.aggregate = opts ? opts->aggregate : LG_AGG_AUTO;
  ctx.xs = &xs;
  if (opts && opts->x && strcmp(opts->x, "requests") == 0 && !xsel)
    xsel = "leakgate_requests_total";
  if (opts && opts->x && strcmp(opts->x, "seconds") == 0 && xsel)
    return lg_error_set(err, LG_EUSAGE,
                        "--x seconds and --x-series contradict each other");
  if (opts && opts->metric && opts->metric[0] &&
      (rc = lg__pm_selector_parse(opts->metric, "--metric", &ctx.metric, err)))
    return rc;
  ctx.has_metric = opts && opts->metric && opts->metric[0];
  if (xsel && (rc = lg__pm_selector_parse(xsel, "--x-series", &ctx.xsel, err)))
    return rc;
  ctx.has_x = xsel != NULL;
  if (ctx.has_x) {
    if (!seekable)
      return lg_error_set(err, LG_EUSAGE,
                          "%s: --x-series reads the input twice: give a file, "
                          "not a pipe",
                          name);
    ctx.pass = 1;
    rc = fmt == LG_INPUT_PROM_JSON ? lg__pm_json_read(f, &ctx, out, err)
                                   : lg__pm_text_read(f, &ctx, out, err);
    if (!rc && xs.n == 0)
      rc = lg_error_set(err, LG_EINPUT, "%s: no series matches --x-series '%s'",
                        name, xsel);
    if (!rc && fseek(f, start, SEEK_SET) != 0)
      rc = lg_error_set(err, LG_EIO, "%s: cannot rewind: %s", name,
                        strerror(errno));
    ctx.pass = 2;
  }
  if (!rc)
    rc = fmt == LG_INPUT_PROM_JSON ? lg__pm_json_read(f, &ctx, out, err)
                                   : lg__pm_text_read(f, &ctx, out, err);
  if (!rc && out->n == 0)
    rc = lg_error_set(
        err, LG_EINPUT, "%s: no series to judge (the query matched nothing%s)",
        name, ctx.has_metric ? ", or nothing matches --metric" : "");
  lg__pm_xstore_free(&xs);
  return rc;
}

int lg_series_read_all_stream(FILE *f, const char *name,
                              const lg_series_opts *opts, lg_series_list *out,
                              lg_error *err) {
  replay *r = NULL;
  FILE *rf = NULL, *use = f;
  long start;
  bool seekable;
  size_t n;
  int rc = 0;

  memset(out, 0, sizeof *out);
  if (!name)
    name = "<stream>";
  r = calloc(1, sizeof *r);
  if (!r)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  start = ftell(f);
  seekable = start >= 0;
  n = fread(r->head, 1, sizeof r->head, f);
  if (n == 0 && ferror(f)) {
    rc = lg_error_set(err, LG_EIO, "%s: read error", name);
    goto cleanup;
  }
  out->format = lg_input_detect(r->head, n);
  if (seekable && fseek(f, start, SEEK_SET) == 0) {
    use = f;
  } else {
    cookie_io_functions_t io = {replay_read, NULL, NULL, NULL};
    seekable = false;
    r->f = f;
    r->n = n;
    rf = fopencookie(r, "r", io);
    if (!rf) {
      rc = lg_error_set(err, LG_ENOMEM, "out of memory");
      goto cleanup;
    }
    use = rf;
  }
  if (out->format == LG_INPUT_CSV) {
    lg_series *s = NULL;
    if (opts && opts->x_series) {
      rc = lg_error_set(err, LG_EUSAGE,
                        "%s: --x-series is for Prometheus inputs; a CSV's x "
                        "is its requests column (or --x seconds)",
                        name);
      goto cleanup;
    }
    rc = lg_series_read_stream(use, name, opts, &s, err);
    if (!rc)
      rc = lg__pm_list_push(out, s, name, err);
  } else {
    rc = read_prom(use, seekable, start, name, out->format, opts, out, err);
  }
cleanup:
  if (rc)
    lg_series_list_cleanup(out);
  if (rf)
    fclose(rf);
  free(r);
  return rc;
}

int lg_series_read_all(const char *path, const lg_series_opts *opts,
                       lg_series_list *out, lg_error *err) {
  FILE *f;
  int rc;
  memset(out, 0, sizeof *out);
  if ((rc = lg__lines_open(path, &f, err)) != 0)
    return rc;
  rc = lg_series_read_all_stream(f, path, opts, out, err);
  fclose(f);
  return rc;
}
