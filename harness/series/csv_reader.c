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

int lg_series_read_stream(FILE *f, const char *name, const lg_series_opts *opts,
                          lg_series **out, lg_error *err) {
  lg_lines lr;
  char *line, *header = NULL, **names = NULL, **fld = NULL;
  size_t *col = NULL, len, nnames = 0, i, last_line = 0;
  target tg[N_DEFAULT];
  size_t ntg = 0, chosen;
  int t_col, req_col, x_col, phase_col, rc = 0, r;
  char *first_phase = NULL;
  double steady_t = NAN, steady_x = NAN, last_t = NAN;
  int have_prev_t = 0, have_prev_x = 0;
  double prev_t = 0, prev_x = 0, first_x = NAN;
  uint64_t rows = 0;
  lg_aggregate mode = opts ? opts->aggregate : LG_AGG_AUTO;
  const char *want_x = opts ? opts->x : NULL;
  double until = opts ? opts->until_t_s : 0;
  lg_series *s = NULL;
  char cols[512];

  *out = NULL;
  memset(&lr, 0, sizeof lr);
  memset(tg, 0, sizeof tg);
  if (!name)
    name = "<stream>";
  if (want_x && strcmp(want_x, "requests") && strcmp(want_x, "seconds"))
    return lg_error_set(err, LG_EUSAGE,
                        "x axis must be 'requests' or 'seconds', got '%s'",
                        want_x);
  if (mode != LG_AGG_AUTO && mode != LG_AGG_MEDIAN && mode != LG_AGG_MIN)
    return lg_error_set(err, LG_EUSAGE, "unknown aggregate mode %d", (int)mode);
  lg_lines_init(&lr, f);
  fld = malloc(MAX_FIELDS * sizeof *fld);
  col = malloc(MAX_FIELDS * sizeof *col);
  names = malloc(MAX_FIELDS * sizeof *names);
  if (!lr.buf || !fld || !col || !names) {
    rc = lg_error_set(err, LG_ENOMEM, "%s: out of memory", name);
    goto cleanup;
  }

  /* Header. */
  r = lg_lines_next(&lr, &line, &len);
  if (r <= 0) {
    rc = r == LG_EIO ? lg_error_set(err, LG_EIO, "%s: read error", name)
         : r == 0
             ? lg_error_set(err, LG_EINPUT, "%s:1: empty file, no header", name)
             : lg_error_set(err, LG_EINPUT, "%s:1: line longer than %d bytes",
                            name, LINE_MAX_BYTES);
    goto cleanup;
  }
  if (len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
    line += 3; /* UTF-8 byte order mark from spreadsheet exports */
  header = strdup(line);
  if (!header) {
    rc = lg_error_set(err, LG_ENOMEM, "%s: out of memory", name);
    goto cleanup;
  }
  nnames = split(header, names, col, MAX_FIELDS);
  if (nnames > MAX_FIELDS) {
    rc = lg_error_set(err, LG_EINPUT, "%s:1: more than %d columns", name,
                      MAX_FIELDS);
    goto cleanup;
  }
  for (i = 0; i < nnames; i++) {
    if (names[i][0] == '\0') {
      rc = lg_error_set(err, LG_EINPUT, "%s:1:%zu: empty column name", name,
                        col[i]);
      goto cleanup;
    }
    if (find_col(names, i, names[i]) >= 0) {
      rc = lg_error_set(err, LG_EINPUT, "%s:1:%zu: duplicate column '%s'", name,
                        col[i], names[i]);
      goto cleanup;
    }
  }
  list_columns(names, nnames, cols, sizeof cols);
  t_col = find_col(names, nnames, "t_s");
  req_col = find_col(names, nnames, "requests");
  phase_col = find_col(names, nnames, "phase");
  if (t_col < 0) {
    rc = lg_error_set(err, LG_EINPUT, "%s:1: no t_s column (columns: %s)", name,
                      cols);
    goto cleanup;
  }
  if (want_x && strcmp(want_x, "requests") == 0 && req_col < 0) {
    rc = lg_error_set(err, LG_EINPUT,
                      "%s:1: no requests column for x = requests (columns: %s)",
                      name, cols);
    goto cleanup;
  }
  x_col = (req_col >= 0 && !(want_x && strcmp(want_x, "seconds") == 0))
              ? req_col
              : t_col;

  /* Metric candidates. */
  if (opts && opts->metric && opts->metric[0]) {
    int c = resolve_metric(names, nnames, opts->metric);
    if (c < 0) {
      rc = lg_error_set(err, LG_EINPUT,
                        "%s:1: no metric column '%s' (columns: %s)", name,
                        opts->metric, cols);
      goto cleanup;
    }
    if (c == t_col || c == x_col) {
      rc =
          lg_error_set(err, LG_EINPUT, "%s:1: metric '%s' is the x axis or t_s",
                       name, names[c]);
      goto cleanup;
    }
    tg[ntg++].col = c;
  } else {
    for (i = 0; i < N_DEFAULT; i++) {
      int c = find_col(names, nnames, default_metrics[i]);
      if (c >= 0)
        tg[ntg++].col = c;
    }
    for (i = 0; ntg == 0 && i < nnames; i++)
      if ((int)i != t_col && (int)i != req_col && ends_with(names[i], "_bytes"))
        tg[ntg++].col = (int)i;
    if (ntg == 0) {
      rc = lg_error_set(
          err, LG_EINPUT,
          "%s:1: no metric column: expected anon_bytes, heap_bytes, "
          "rss_bytes, cgroup_bytes or another *_bytes column, or name "
          "one as the metric (columns: %s)",
          name, cols);
      goto cleanup;
    }
  }
  for (i = 0; i < ntg; i++) {
    tg[i].agg = lg_agg_new();
    if (!tg[i].agg) {
      rc = lg_error_set(err, LG_ENOMEM, "%s: out of memory", name);
      goto cleanup;
    }
  }

  /* Rows. */
  while ((r = lg_lines_next(&lr, &line, &len)) == 1) {
    size_t nf, k;
    double t, x;
    if (len == 0)
      continue; /* blank line (a trailing one, or a separator) */
    last_line = lr.lineno;
    nf = split(line, fld, col, MAX_FIELDS);
    if (nf != nnames) {
      rc = lg_error_set(err, LG_EINPUT,
                        "%s:%zu: %zu fields, but the header has %zu", name,
                        lr.lineno, nf, nnames);
      goto cleanup;
    }
    if (fld[t_col][0] == '\0') {
      rc = lg_error_set(err, LG_EINPUT, "%s:%zu:%zu: t_s is empty", name,
                        lr.lineno, col[t_col]);
      goto cleanup;
    }
    if (parse_num(fld[t_col], &t) != 0) {
      rc = lg_error_set(err, LG_EINPUT,
                        "%s:%zu:%zu: t_s: expected a number, got '%.40s'", name,
                        lr.lineno, col[t_col], fld[t_col]);
      goto cleanup;
    }
    if (have_prev_t && t < prev_t) {
      rc = lg_error_set(err, LG_EINPUT,
                        "%s:%zu:%zu: t_s decreases (%.17g after %.17g)", name,
                        lr.lineno, col[t_col], t, prev_t);
      goto cleanup;
    }
    if (opts && opts->t_max > 0 && t >= opts->t_max)
      break; /* after the look: not read (possibly still being written) */
    rows++;
    prev_t = t;
    have_prev_t = 1;
    if (until > 0 && t > until)
      continue; /* after the end the caller gave (the service's death) */
    if (x_col == t_col) {
      x = t;
    } else {
      if (fld[x_col][0] == '\0')
        continue; /* request count not known at this sample */
      if (parse_num(fld[x_col], &x) != 0) {
        rc =
            lg_error_set(err, LG_EINPUT,
                         "%s:%zu:%zu: requests: expected a number, got '%.40s'",
                         name, lr.lineno, col[x_col], fld[x_col]);
        goto cleanup;
      }
      if (have_prev_x && x < prev_x) {
        rc = lg_error_set(err, LG_EINPUT,
                          "%s:%zu:%zu: requests decreases (%.17g after %.17g)",
                          name, lr.lineno, col[x_col], x, prev_x);
        goto cleanup;
      }
    }
    prev_x = x;
    have_prev_x = 1;
    last_t = t;
    if (isnan(first_x)) {
      first_x = x;
      steady_t = t;
      steady_x = x;
      if (phase_col >= 0 && !(first_phase = strdup(fld[phase_col]))) {
        rc = lg_error_set(err, LG_ENOMEM, "%s: out of memory", name);
        goto cleanup;
      }
    } else if (first_phase && strcmp(fld[phase_col], first_phase) != 0) {
      steady_t = t; /* the first row of the second phase */
      steady_x = x;
      free(first_phase);
      first_phase = NULL; /* found: later phases do not move it */
    }
    for (k = 0; k < ntg; k++) {
      const char *cell = fld[tg[k].col];
      double y;
      if (cell[0] == '\0')
        continue; /* not measured */
      if (parse_num(cell, &y) != 0) {
        rc = lg_error_set(
            err, LG_EINPUT, "%s:%zu:%zu: %s: expected a number, got '%.40s'",
            name, lr.lineno, col[tg[k].col], names[tg[k].col], cell);
        goto cleanup;
      }
      if (y < 0 && ends_with(names[tg[k].col], "_bytes")) {
        /* An amount of memory: a negative one is a broken file, and a
         * series of them would be judged (a falling one even passes). */
        rc = lg_error_set(err, LG_EINPUT,
                          "%s:%zu:%zu: %s: a memory amount cannot be "
                          "negative, got '%.40s'",
                          name, lr.lineno, col[tg[k].col], names[tg[k].col],
                          cell);
        goto cleanup;
      }
      if (lg_agg_add(tg[k].agg, x, t, y) != 0) {
        rc = lg_error_set(err, LG_ENOMEM, "%s: out of memory", name);
        goto cleanup;
      }
    }
    /* Once a candidate has enough values, those after it can never be
     * chosen: stop aggregating them (usually after the first 20 rows). */
    for (k = 0; k + 1 < ntg; k++)
      if (lg_agg_rows(tg[k].agg) >= LG_SERIES_MIN_POINTS) {
        size_t j;
        for (j = k + 1; j < ntg; j++) {
          lg_agg_free(tg[j].agg);
          tg[j].agg = NULL;
        }
        ntg = k + 1;
        break;
      }
  }
  if (r < 0) {
    rc = r == LG_EIO
             ? lg_error_set(err, LG_EIO, "%s:%zu: read error", name,
                            lr.lineno + 1)
             : lg_error_set(err, LG_EINPUT, "%s:%zu: line longer than %d bytes",
                            name, lr.lineno + 1, LINE_MAX_BYTES);
    goto cleanup;
  }

  /* The first candidate with enough values, else report the fullest. */
  chosen = 0;
  for (i = 0; i < ntg; i++)
    if (lg_agg_rows(tg[i].agg) >= LG_SERIES_MIN_POINTS) {
      chosen = i;
      break;
    }
  if (i == ntg) {
    for (i = 1; i < ntg; i++)
      if (lg_agg_rows(tg[i].agg) > lg_agg_rows(tg[chosen].agg))
        chosen = i;
    rc = lg_error_set(
        err, LG_EINPUT,
        "%s:%zu: only %llu rows have a value for %s (need at least %d)", name,
        last_line ? last_line : 1,
        (unsigned long long)lg_agg_rows(tg[chosen].agg), names[tg[chosen].col],
        LG_SERIES_MIN_POINTS);
    goto cleanup;
  }
  if (!(prev_x > first_x)) {
    rc = lg_error_set(
        err, LG_EINPUT,
        "%s:%zu: %s never increases (always %.17g), so there is no "
        "slope to measure%s",
        name, last_line, x_col == t_col ? "t_s" : "requests", first_x,
        x_col == t_col ? "" : "; use x = seconds");
    goto cleanup;
  }

  s = calloc(1, sizeof *s);
  if (!s) {
    rc = lg_error_set(err, LG_ENOMEM, "%s: out of memory", name);
    goto cleanup;
  }
  if (lg_agg_finish(tg[chosen].agg, mode, s) != 0) {
    rc = lg_error_set(err, LG_ENOMEM, "%s: out of memory", name);
    goto cleanup;
  }
  s->rows = (size_t)rows;
  s->rows_used = (size_t)lg_agg_rows(tg[chosen].agg);
  snprintf(s->metric, sizeof s->metric, "%s", names[tg[chosen].col]);
  s->x_is_seconds = x_col == t_col;
  snprintf(s->x_name, sizeof s->x_name, "%s",
           s->x_is_seconds ? "seconds" : "requests");
  s->t_end = last_t;
  s->x_end = prev_x;
  s->steady_t = steady_t;
  s->steady_x = steady_x;
  *out = s;
  s = NULL;

cleanup:
  for (i = 0; i < ntg; i++)
    lg_agg_free(tg[i].agg);
  lg_series_free(s);
  lg_lines_cleanup(&lr);
  free(first_phase);
  free(header);
  free(names);
  free(fld);
  free(col);
  return rc;
}

int lg_series_read(const char *path, const lg_series_opts *opts,
                   lg_series **out, lg_error *err) {
  FILE *f;
  int rc;
  *out = NULL;
  if ((rc = lg_lines_open(path, &f, err)) != 0)
    return rc;
  rc = lg_series_read_stream(f, path, opts, out, err);
  fclose(f);
  return rc;
}
