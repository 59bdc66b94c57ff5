/* series/csv_reader.c - the streaming samples.csv reader of leakgate/series.h.
 *
 * Reads line by line through a fixed 128 KiB buffer (series/lines.h: a line
 * may be at most LG_LINE_MAX bytes), validates every value it uses, and feeds
 * the aggregator of each candidate metric column, so memory is bounded by the
 * aggregators (series/aggregate.h) whatever the number of rows. Without
 * opts.metric all default candidates present in the header are aggregated at
 * once and the first with enough values wins: a column can exist yet stay empty
 * (no anon counter on this kernel), and one pass must also work on a pipe.
 *
 * Owns: the line buffer, a copy of the header, the aggregators; all freed
 * before returning. On failure *out is NULL and err says file:line[:column].
 * Numbers: plain decimal with optional sign, fraction and exponent; "nan",
 * "inf" and hex are rejected. Parsing ignores the locale's decimal point
 * only as far as strtod does (leakgate never calls setlocale).
 */
#include "series/aggregate.h"
#include "series/lines.h"

#include <assert.h>
#include <errno.h>
#include <leakgate/series.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_BYTES LG_LINE_MAX
#define MAX_FIELDS 1024
#define N_DEFAULT 4

static const char *const default_metrics[N_DEFAULT] = {
    "anon_bytes", "heap_bytes", "rss_bytes", "cgroup_bytes"};

/* Split line in place on commas; a field may be double-quoted ("" is a
 * quote). Fields are trimmed of blanks. col[i] is the 1-based character
 * column where field i starts. Returns the number of fields (which may exceed
 * max; only the first max are stored). */
static size_t split(char *line, char **f, size_t *col, size_t max) {
  char *p = line, *w;
  size_t n = 0;
  for (;;) {
    char *start;
    while (*p == ' ' || *p == '\t')
      p++;
    start = w = p;
    if (n < max)
      col[n] = (size_t)(p - line) + 1;
    if (*p == '"') {
      p++;
      for (;;) {
        if (*p == '\0')
          break;
        if (*p == '"') {
          if (p[1] == '"') {
            *w++ = '"';
            p += 2;
            continue;
          }
          p++;
          break;
        }
        *w++ = *p++;
      }
      while (*p && *p != ',')
        p++; /* text after a closing quote is dropped */
    } else {
      while (*p && *p != ',')
        *w++ = *p++;
      while (w > start && (w[-1] == ' ' || w[-1] == '\t'))
        w--;
    }
    {
      int more = *p == ',';
      *w = '\0';
      if (n < max)
        f[n] = start;
      n++;
      if (!more)
        return n;
      p++;
    }
  }
}

static int is_digit(char c) {
  return (unsigned)(c - '0') < 10u;
}

/* Parse a plain decimal number; 0 or -1. Up to 15 significant digits with an
 * optional fraction take a fast path that is still exact: the digits form an
 * integer below 2^53 and 10^k (k <= 15) is exact, so one division rounds
 * correctly, as strtod would (most samples.csv cells are integers or short
 * decimals). Anything else goes to strtod after a grammar check. */
static int parse_num(const char *s, double *v) {
  static const double p10[16] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const char *p = s, *q;
  char *end;
  uint64_t u = 0;
  int neg = 0, nd = 0, frac = 0;
  if (*p == '-' || *p == '+')
    neg = *p++ == '-';
  if (!is_digit(*p) && !(*p == '.' && is_digit(p[1])))
    return -1;
  for (q = p; is_digit(*q) && nd < 15; q++, nd++)
    u = u * 10 + (uint64_t)(*q - '0');
  if (*q == '.' && nd < 15) {
    for (q++; is_digit(*q) && nd < 15; q++, nd++, frac++)
      u = u * 10 + (uint64_t)(*q - '0');
  }
  if (*q == '\0') {
    *v = (double)u / p10[frac];
    if (neg)
      *v = -*v;
    return 0;
  }
  for (q = p; is_digit(*q); q++)
    ;
  if (*q == '.')
    for (q++; is_digit(*q); q++)
      ;
  if (*q == 'e' || *q == 'E') {
    q++;
    if (*q == '+' || *q == '-')
      q++;
    if (!is_digit(*q))
      return -1;
    while (is_digit(*q))
      q++;
  }
  if (*q != '\0')
    return -1;
  errno = 0;
  *v = strtod(s, &end);
  if (end != q || !isfinite(*v))
    return -1;
  return 0;
}

static int find_col(char **names, size_t n, const char *name) {
  size_t i;
  for (i = 0; i < n; i++)
    if (strcmp(names[i], name) == 0)
      return (int)i;
  return -1;
}

/* Resolve opts.metric: a column name, a short name, or name + "_bytes". */
static int resolve_metric(char **names, size_t n, const char *m) {
  static const char *const shorts[][2] = {{"anon", "anon_bytes"},
                                          {"heap", "heap_bytes"},
                                          {"rss", "rss_bytes"},
                                          {"pss", "pss_bytes"},
                                          {"cgroup", "cgroup_bytes"}};
  char buf[96];
  size_t i;
  int c = find_col(names, n, m);
  if (c >= 0)
    return c;
  for (i = 0; i < sizeof shorts / sizeof shorts[0]; i++)
    if (strcmp(m, shorts[i][0]) == 0)
      return find_col(names, n, shorts[i][1]);
  if (strlen(m) < sizeof buf - 7) {
    snprintf(buf, sizeof buf, "%s_bytes", m);
    return find_col(names, n, buf);
  }
  return -1;
}

static void list_columns(char **names, size_t n, char *out, size_t cap) {
  size_t i, len = 0;
  out[0] = '\0';
  for (i = 0; i < n && len + 1 < cap; i++)
    len +=
        (size_t)snprintf(out + len, cap - len, "%s%s", i ? ", " : "", names[i]);
}

static int ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

typedef struct target {
  int col;
  lg_agg *agg;
} target;

/* One pass over one file: the header's columns, the candidates being
 * aggregated, and what the rows so far say about the axes. */
typedef struct reader {
  const char *name;
  lg_lines lr;
  char *header, **names, **fld;
  size_t *col, nnames, last_line;
  target tg[N_DEFAULT];
  size_t ntg;
  int t_col, req_col, x_col, phase_col;
  char *first_phase; /* until the second phase starts */
  double steady_t, steady_x, last_t, prev_t, prev_x, first_x;
  int have_prev_t, have_prev_x;
  uint64_t rows;
  char cols[512]; /* the header's names, for messages */
} reader;

static int oom(reader *rd, lg_error *err) {
  return lg_error_set(err, LG_ENOMEM, "%s: out of memory", rd->name);
}

/* The header: column names (none empty, none twice), the t_s, requests and
 * phase columns, and the x axis (requests unless told seconds or absent). */
static int read_header(reader *rd, const char *want_x, lg_error *err) {
  char *line;
  size_t len, i;
  int r = lg__lines_next(&rd->lr, &line, &len);
  if (r <= 0)
    return r == LG_EIO ? lg_error_set(err, LG_EIO, "%s: read error", rd->name)
           : r == 0
               ? lg_error_set(err, LG_EINPUT, "%s:1: empty file, no header",
                              rd->name)
               : lg_error_set(err, LG_EINPUT, "%s:1: line longer than %d bytes",
                              rd->name, LINE_MAX_BYTES);
  if (len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
    line += 3; /* UTF-8 byte order mark from spreadsheet exports */
  if (!(rd->header = strdup(line)))
    return oom(rd, err);
  rd->nnames = split(rd->header, rd->names, rd->col, MAX_FIELDS);
  if (rd->nnames > MAX_FIELDS)
    return lg_error_set(err, LG_EINPUT, "%s:1: more than %d columns", rd->name,
                        MAX_FIELDS);
  for (i = 0; i < rd->nnames; i++) {
    if (rd->names[i][0] == '\0')
      return lg_error_set(err, LG_EINPUT, "%s:1:%zu: empty column name",
                          rd->name, rd->col[i]);
    if (find_col(rd->names, i, rd->names[i]) >= 0)
      return lg_error_set(err, LG_EINPUT, "%s:1:%zu: duplicate column '%s'",
                          rd->name, rd->col[i], rd->names[i]);
  }
  list_columns(rd->names, rd->nnames, rd->cols, sizeof rd->cols);
  rd->t_col = find_col(rd->names, rd->nnames, "t_s");
  rd->req_col = find_col(rd->names, rd->nnames, "requests");
  rd->phase_col = find_col(rd->names, rd->nnames, "phase");
  if (rd->t_col < 0)
    return lg_error_set(err, LG_EINPUT, "%s:1: no t_s column (columns: %s)",
                        rd->name, rd->cols);
  if (want_x && strcmp(want_x, "requests") == 0 && rd->req_col < 0)
    return lg_error_set(
        err, LG_EINPUT,
        "%s:1: no requests column for x = requests (columns: %s)", rd->name,
        rd->cols);
  rd->x_col = (rd->req_col >= 0 && !(want_x && strcmp(want_x, "seconds") == 0))
                  ? rd->req_col
                  : rd->t_col;
  return 0;
}

/* The metric candidates: the one asked for, else the default columns
 * present (in preference order), else every other *_bytes column. */
static int pick_candidates(reader *rd, const char *metric, lg_error *err) {
  size_t i;
  if (metric && metric[0]) {
    int c = resolve_metric(rd->names, rd->nnames, metric);
    if (c < 0)
      return lg_error_set(err, LG_EINPUT,
                          "%s:1: no metric column '%s' (columns: %s)", rd->name,
                          metric, rd->cols);
    if (c == rd->t_col || c == rd->x_col)
      return lg_error_set(err, LG_EINPUT,
                          "%s:1: metric '%s' is the x axis or t_s", rd->name,
                          rd->names[c]);
    rd->tg[rd->ntg++].col = c;
  } else {
    for (i = 0; i < N_DEFAULT; i++) {
      int c = find_col(rd->names, rd->nnames, default_metrics[i]);
      if (c >= 0)
        rd->tg[rd->ntg++].col = c;
    }
    for (i = 0; rd->ntg == 0 && i < rd->nnames; i++)
      if ((int)i != rd->t_col && (int)i != rd->req_col &&
          ends_with(rd->names[i], "_bytes"))
        rd->tg[rd->ntg++].col = (int)i;
    if (rd->ntg == 0)
      return lg_error_set(
          err, LG_EINPUT,
          "%s:1: no metric column: expected anon_bytes, heap_bytes, "
          "rss_bytes, cgroup_bytes or another *_bytes column, or name "
          "one as the metric (columns: %s)",
          rd->name, rd->cols);
  }
  assert(rd->ntg <= N_DEFAULT);
  for (i = 0; i < rd->ntg; i++)
    if (!(rd->tg[i].agg = lg__agg_new()))
      return oom(rd, err);
  return 0;
}

/* A row's x: t_s itself, or its request count checked not to decrease.
 * 1 when the count is not known at this sample (the row is skipped). */
static int row_x(reader *rd, double t, double *x, lg_error *err) {
  const char *cell = rd->fld[rd->x_col];
  if (rd->x_col == rd->t_col) {
    *x = t;
    return 0;
  }
  if (cell[0] == '\0')
    return 1; /* request count not known at this sample */
  if (parse_num(cell, x) != 0)
    return lg_error_set(err, LG_EINPUT,
                        "%s:%zu:%zu: requests: expected a number, got '%.40s'",
                        rd->name, rd->lr.lineno, rd->col[rd->x_col], cell);
  if (rd->have_prev_x && *x < rd->prev_x)
    return lg_error_set(
        err, LG_EINPUT, "%s:%zu:%zu: requests decreases (%.17g after %.17g)",
        rd->name, rd->lr.lineno, rd->col[rd->x_col], *x, rd->prev_x);
  return 0;
}

/* Where the steady load starts: the first row of the second phase (the
 * first row when there is no phase column or one phase only). */
static int track_phase(reader *rd, double t, double x, lg_error *err) {
  if (isnan(rd->first_x)) {
    rd->first_x = x;
    rd->steady_t = t;
    rd->steady_x = x;
    if (rd->phase_col >= 0 &&
        !(rd->first_phase = strdup(rd->fld[rd->phase_col])))
      return oom(rd, err);
  } else if (rd->first_phase &&
             strcmp(rd->fld[rd->phase_col], rd->first_phase) != 0) {
    rd->steady_t = t; /* the first row of the second phase */
    rd->steady_x = x;
    free(rd->first_phase);
    rd->first_phase = NULL; /* found: later phases do not move it */
  }
  return 0;
}

/* The row's value of each candidate into its aggregator; then, once a
 * candidate has enough values, those after it can never be chosen: stop
 * aggregating them (usually after the first 20 rows). */
static int add_values(reader *rd, double t, double x, lg_error *err) {
  size_t k, j;
  for (k = 0; k < rd->ntg; k++) {
    int c = rd->tg[k].col;
    const char *cell = rd->fld[c];
    double y;
    if (cell[0] == '\0')
      continue; /* not measured */
    if (parse_num(cell, &y) != 0)
      return lg_error_set(
          err, LG_EINPUT, "%s:%zu:%zu: %s: expected a number, got '%.40s'",
          rd->name, rd->lr.lineno, rd->col[c], rd->names[c], cell);
    if (y < 0 && ends_with(rd->names[c], "_bytes"))
      /* An amount of memory: a negative one is a broken file, and a
       * series of them would be judged (a falling one even passes). */
      return lg_error_set(err, LG_EINPUT,
                          "%s:%zu:%zu: %s: a memory amount cannot be "
                          "negative, got '%.40s'",
                          rd->name, rd->lr.lineno, rd->col[c], rd->names[c],
                          cell);
    if (lg__agg_add(rd->tg[k].agg, x, t, y) != 0)
      return oom(rd, err);
  }
  for (k = 0; k + 1 < rd->ntg; k++)
    if (lg__agg_rows(rd->tg[k].agg) >= LG_SERIES_MIN_POINTS) {
      for (j = k + 1; j < rd->ntg; j++) {
        lg__agg_free(rd->tg[j].agg);
        rd->tg[j].agg = NULL;
      }
      rd->ntg = k + 1;
      break;
    }
  return 0;
}

/* One data row: 0 (taken or skipped), 1 at opts.t_max (stop reading), or
 * an error naming line and column. */
static int read_row(reader *rd, char *line, const lg_series_opts *opts,
                    lg_error *err) {
  double until = opts ? opts->until_t_s : 0, t, x;
  size_t nf;
  int rc;
  rd->last_line = rd->lr.lineno;
  nf = split(line, rd->fld, rd->col, MAX_FIELDS);
  if (nf != rd->nnames)
    return lg_error_set(err, LG_EINPUT,
                        "%s:%zu: %zu fields, but the header has %zu", rd->name,
                        rd->lr.lineno, nf, rd->nnames);
  if (rd->fld[rd->t_col][0] == '\0')
    return lg_error_set(err, LG_EINPUT, "%s:%zu:%zu: t_s is empty", rd->name,
                        rd->lr.lineno, rd->col[rd->t_col]);
  if (parse_num(rd->fld[rd->t_col], &t) != 0)
    return lg_error_set(
        err, LG_EINPUT, "%s:%zu:%zu: t_s: expected a number, got '%.40s'",
        rd->name, rd->lr.lineno, rd->col[rd->t_col], rd->fld[rd->t_col]);
  if (rd->have_prev_t && t < rd->prev_t)
    return lg_error_set(
        err, LG_EINPUT, "%s:%zu:%zu: t_s decreases (%.17g after %.17g)",
        rd->name, rd->lr.lineno, rd->col[rd->t_col], t, rd->prev_t);
  if (opts && opts->t_max > 0 && t >= opts->t_max)
    return 1; /* after the look: not read (possibly still being written) */
  rd->rows++;
  rd->prev_t = t;
  rd->have_prev_t = 1;
  if (until > 0 && t > until)
    return 0; /* after the end the caller gave (the service's death) */
  if ((rc = row_x(rd, t, &x, err)) != 0)
    return rc < 0 ? rc : 0;
  rd->prev_x = x;
  rd->have_prev_x = 1;
  rd->last_t = t;
  if ((rc = track_phase(rd, t, x, err)) != 0)
    return rc;
  return add_values(rd, t, x, err);
}

/* The first candidate with enough values, else an error naming the
 * fullest; and an x axis that moved at all. */
static int choose(const reader *rd, size_t *chosen, lg_error *err) {
  size_t i, best = 0;
  for (i = 0; i < rd->ntg; i++)
    if (lg__agg_rows(rd->tg[i].agg) >= LG_SERIES_MIN_POINTS) {
      *chosen = i;
      break;
    }
  if (i == rd->ntg) {
    for (i = 1; i < rd->ntg; i++)
      if (lg__agg_rows(rd->tg[i].agg) > lg__agg_rows(rd->tg[best].agg))
        best = i;
    return lg_error_set(
        err, LG_EINPUT,
        "%s:%zu: only %llu rows have a value for %s (need at least %d)",
        rd->name, rd->last_line ? rd->last_line : 1,
        (unsigned long long)lg__agg_rows(rd->tg[best].agg),
        rd->names[rd->tg[best].col], LG_SERIES_MIN_POINTS);
  }
  if (!(rd->prev_x > rd->first_x)) {
    int on_t = rd->x_col == rd->t_col;
    return lg_error_set(err, LG_EINPUT,
                        "%s:%zu: %s never increases (always %.17g), so there "
                        "is no slope to measure%s",
                        rd->name, rd->last_line, on_t ? "t_s" : "requests",
                        rd->first_x, on_t ? "" : "; use x = seconds");
  }
  return 0;
}

/* The chosen candidate's aggregate as the series, with the axes' ends. */
static int make_series(const reader *rd, size_t chosen, lg_aggregate mode,
                       lg_series **out, lg_error *err) {
  const target *tg = &rd->tg[chosen];
  lg_series *s = calloc(1, sizeof *s);
  if (!s || lg__agg_finish(tg->agg, mode, s) != 0) {
    lg_series_free(s);
    return lg_error_set(err, LG_ENOMEM, "%s: out of memory", rd->name);
  }
  s->rows = (size_t)rd->rows;
  s->rows_used = (size_t)lg__agg_rows(tg->agg);
  snprintf(s->metric, sizeof s->metric, "%s", rd->names[tg->col]);
  s->x_is_seconds = rd->x_col == rd->t_col;
  snprintf(s->x_name, sizeof s->x_name, "%s",
           s->x_is_seconds ? "seconds" : "requests");
  s->t_end = rd->last_t;
  s->x_end = rd->prev_x;
  s->steady_t = rd->steady_t;
  s->steady_x = rd->steady_x;
  *out = s;
  return 0;
}

int lg_series_read_stream(FILE *f, const char *name, const lg_series_opts *opts,
                          lg_series **out, lg_error *err) {
  reader rd;
  char *line;
  size_t len, i, chosen = 0;
  int rc = 0, r;
  lg_aggregate mode = opts ? opts->aggregate : LG_AGG_AUTO;
  const char *want_x = opts ? opts->x : NULL;

  *out = NULL;
  memset(&rd, 0, sizeof rd);
  rd.name = name ? name : "<stream>";
  rd.steady_t = rd.steady_x = rd.last_t = rd.first_x = NAN;
  if (want_x && strcmp(want_x, "requests") && strcmp(want_x, "seconds"))
    return lg_error_set(err, LG_EUSAGE,
                        "x axis must be 'requests' or 'seconds', got '%s'",
                        want_x);
  if (mode != LG_AGG_AUTO && mode != LG_AGG_MEDIAN && mode != LG_AGG_MIN)
    return lg_error_set(err, LG_EUSAGE, "unknown aggregate mode %d", (int)mode);
  lg__lines_init(&rd.lr, f);
  rd.fld = malloc(MAX_FIELDS * sizeof *rd.fld);
  rd.col = malloc(MAX_FIELDS * sizeof *rd.col);
  rd.names = malloc(MAX_FIELDS * sizeof *rd.names);
  if (!rd.lr.buf || !rd.fld || !rd.col || !rd.names) {
    rc = oom(&rd, err);
    goto cleanup;
  }
  if ((rc = read_header(&rd, want_x, err)) != 0 ||
      (rc = pick_candidates(&rd, opts ? opts->metric : NULL, err)) != 0)
    goto cleanup;
  while ((r = lg__lines_next(&rd.lr, &line, &len)) == 1) {
    if (len == 0)
      continue; /* blank line (a trailing one, or a separator) */
    if ((rc = read_row(&rd, line, opts, err)) < 0)
      goto cleanup;
    if (rc == 1)
      break; /* at opts.t_max; rc is set again below */
  }
  if (r < 0) {
    rc = r == LG_EIO
             ? lg_error_set(err, LG_EIO, "%s:%zu: read error", rd.name,
                            rd.lr.lineno + 1)
             : lg_error_set(err, LG_EINPUT, "%s:%zu: line longer than %d bytes",
                            rd.name, rd.lr.lineno + 1, LINE_MAX_BYTES);
    goto cleanup;
  }
  if ((rc = choose(&rd, &chosen, err)) == 0)
    rc = make_series(&rd, chosen, mode, out, err);

cleanup:
  for (i = 0; i < rd.ntg; i++)
    lg__agg_free(rd.tg[i].agg);
  lg__lines_cleanup(&rd.lr);
  free(rd.first_phase);
  free(rd.header);
  free(rd.names);
  free(rd.fld);
  free(rd.col);
  return rc;
}

int lg_series_read(const char *path, const lg_series_opts *opts,
                   lg_series **out, lg_error *err) {
  FILE *f;
  int rc;
  *out = NULL;
  if ((rc = lg__lines_open(path, &f, err)) != 0)
    return rc;
  rc = lg_series_read_stream(f, path, opts, out, err);
  fclose(f);
  return rc;
}
