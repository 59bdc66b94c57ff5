/* series/prom_text.c - a sequence of Prometheus text-format scrapes
 * (0.0.4 or OpenMetrics 1.0.0), each sample with its timestamp, as series
 * to judge (contract in leakgate/series.h, rules in docs/analysis.md
 * "Prometheus inputs").
 *
 * Accepted: `# HELP/TYPE/UNIT` and other comment lines, `# EOF` between
 * scrapes, blank lines, samples `name{label="value",...} value timestamp`
 * (also `{__name__="name",...}` as promtool tsdb dump writes them), an
 * OpenMetrics exemplar after ` # `. Timestamps are milliseconds in text
 * 0.0.4 and seconds in OpenMetrics; a file with a `# EOF` line is
 * OpenMetrics. They are kept raw and scaled when a series is finished
 * (series/prom_int.h says why that is exact).
 * Bounds: lines of at most LG_LINE_MAX bytes (series/lines.h); at most
 * LG_SERIES_MAX_SERIES series aggregated at once, each in its own
 * aggregator (up to 1.4 MiB); with the default selection, series of a
 * lower-ranked memory metric are dropped as soon as a better one appears.
 * Owns: the reader state and every unfinished series, freed before it
 * returns; on failure nothing is added to the list.
 */
#include "series/lines.h"
#include "series/prom_int.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HT_SIZE 1024 /* > 2 * LG_SERIES_MAX_SERIES: short probes */
#define KEY_MAX 4096
#define SEEN_MAX 8

/* The memory metrics judged by default, best first. */
static int rank_of(const pm_labels *lb) {
  static const char *const names[] = {
      "container_memory_working_set_bytes", "container_memory_rss",
      "container_memory_usage_bytes", "process_resident_memory_bytes"};
  static const char *const own[] = {"anon", "rss", "cgroup"};
  size_t i;
  if (strcmp(lb->metric, "leakgate_memory_bytes") == 0) {
    for (i = 0; i < sizeof own / sizeof own[0]; i++)
      if (strcmp(lg__pm_labels_get(lb, "metric"), own[i]) == 0)
        return (int)i;
    return -1;
  }
  for (i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(lb->metric, names[i]) == 0)
      return 3 + (int)i;
  return -1;
}

typedef struct slot {
  char *key;
  pm_labels lb;
  int rank;
  bool dropped;
  pm_build b;
  const pm_xseries *xlookup;
  pm_xseries *xcollect;
  size_t line, col; /* first sample */
} slot;

typedef struct tr {
  const pm_ctx *ctx;
  lg_series_list *out;
  lg_error *err;
  int rc;
  lg_lines lines;
  size_t col; /* of the token being parsed */
  slot *slots[LG_SERIES_MAX_SERIES];
  size_t nslots;
  int ht[HT_SIZE]; /* slot index + 1; 0 = empty */
  int best_rank;
  bool saw_eof, have_t0;
  double t0;
  char seen[SEEN_MAX][64];
  size_t nseen;
  pm_labels lb;
  char key[KEY_MAX];
} tr;

static void fail(tr *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void fail(tr *t, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  if (t->rc)
    return;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  t->rc = lg_error_set(t->err, LG_EINPUT, "%s:%zu:%zu: %s", t->ctx->name,
                       t->lines.lineno, t->col, msg);
}

static bool name_start(int c) {
  return isalpha(c) || c == '_' || c == ':';
}

static bool name_char(int c) {
  return isalnum(c) || c == '_' || c == ':';
}

static void remember_name(tr *t, const char *name) {
  size_t i;
  for (i = 0; i < t->nseen; i++)
    if (strcmp(t->seen[i], name) == 0)
      return;
  if (t->nseen < SEEN_MAX)
    snprintf(t->seen[t->nseen++], sizeof t->seen[0], "%.63s", name);
}

static void seen_list(const tr *t, char *out, size_t cap) {
  size_t i, len = 0;
  out[0] = '\0';
  for (i = 0; i < t->nseen && len < cap; i++)
    len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? ", " : "",
                            t->seen[i]);
  if (t->nseen == SEEN_MAX && len < cap)
    snprintf(out + len, cap - len, ", ...");
}

/* name{labels} of one sample into t->lb; returns the position after it. */
static const char *parse_series_id(tr *t, const char *line, const char *p) {
  lg__pm_labels_clear(&t->lb);
  if (name_start((unsigned char)*p)) {
    const char *s = p;
    while (name_char((unsigned char)*p))
      p++;
    if ((size_t)(p - s) >= sizeof t->lb.metric) {
      t->col = (size_t)(s - line) + 1;
      fail(t, "metric name longer than %zu bytes", sizeof t->lb.metric - 1);
      return NULL;
    }
    lg__pm_labels_add(&t->lb, "__name__", 8, s, (size_t)(p - s));
  } else if (*p != '{') {
    t->col = (size_t)(p - line) + 1;
    fail(t, "expected a metric name");
    return NULL;
  }
  if (*p == '{') {
    p++;
    for (;;) {
      const char *k;
      size_t kn;
      char v[1024];
      size_t vn = 0;
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '}')
        break;
      t->col = (size_t)(p - line) + 1;
      if (!isalpha((unsigned char)*p) && *p != '_') {
        fail(t, "expected a label name");
        return NULL;
      }
      k = p;
      while (isalnum((unsigned char)*p) || *p == '_')
        p++;
      kn = (size_t)(p - k);
      while (*p == ' ' || *p == '\t')
        p++;
      t->col = (size_t)(p - line) + 1;
      if (*p != '=') {
        fail(t, "expected '=' after the label name");
        return NULL;
      }
      p++;
      while (*p == ' ' || *p == '\t')
        p++;
      t->col = (size_t)(p - line) + 1;
      if (*p != '"') {
        fail(t, "expected a quoted label value");
        return NULL;
      }
      for (p++; *p && *p != '"'; p++) {
        char c = *p;
        if (c == '\\') {
          p++;
          if (*p == 'n')
            c = '\n';
          else if (*p == '\\' || *p == '"')
            c = *p;
          else {
            t->col = (size_t)(p - line);
            fail(t, "bad escape in a label value (\\\\, \\\" and \\n only)");
            return NULL;
          }
        }
        if (vn + 1 >= sizeof v) {
          fail(t, "label value longer than %zu bytes", sizeof v - 1);
          return NULL;
        }
        v[vn++] = c;
      }
      if (*p != '"') {
        fail(t, "unterminated label value");
        return NULL;
      }
      p++;
      if (lg__pm_labels_add(&t->lb, k, kn, v, vn) != 0) {
        fail(t, "label set larger than %d labels / %d bytes", PM_MAX_LABELS,
             PM_LABEL_BYTES);
        return NULL;
      }
      while (*p == ' ' || *p == '\t')
        p++;
      t->col = (size_t)(p - line) + 1;
      if (*p == ',') {
        p++;
        continue;
      }
      if (*p != '}') {
        fail(t, "expected ',' or '}' in the label set");
        return NULL;
      }
    }
    p++;
  }
  if (!t->lb.metric[0]) {
    t->col = 1;
    fail(t, "a sample without a metric name");
    return NULL;
  }
  lg__pm_labels_sort(&t->lb);
  return p;
}

static unsigned hash(const char *s) {
  unsigned h = 2166136261u;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static slot *find(tr *t, const char *key) {
  unsigned i = hash(key) % HT_SIZE;
  for (; t->ht[i]; i = (i + 1) % HT_SIZE)
    if (strcmp(t->slots[t->ht[i] - 1]->key, key) == 0)
      return t->slots[t->ht[i] - 1];
  return NULL;
}

static slot *add_slot(tr *t, const char *key, int rank) {
  slot *s;
  unsigned i;
  if (t->nslots >= LG_SERIES_MAX_SERIES) {
    fail(t, "more than %d series to read; pick some with --metric SELECTOR",
         LG_SERIES_MAX_SERIES);
    return NULL;
  }
  s = calloc(1, sizeof *s);
  if (!s || !(s->key = strdup(key))) {
    free(s);
    t->rc = lg_error_set(t->err, LG_ENOMEM, "out of memory");
    return NULL;
  }
  lg__pm_labels_copy(&s->lb, &t->lb);
  s->rank = rank;
  s->line = t->lines.lineno;
  s->col = 1;
  t->slots[t->nslots++] = s;
  for (i = hash(key) % HT_SIZE; t->ht[i]; i = (i + 1) % HT_SIZE)
    ;
  t->ht[i] = (int)t->nslots;
  return s;
}

/* The slot of the current sample's series, created when this pass reads
 * it; NULL when the pass has no use for it (or on error). */
static slot *slot_for(tr *t) {
  const pm_ctx *c = t->ctx;
  bool is_x = c->has_x && lg__pm_selector_match(&c->xsel, &t->lb);
  int rank = -1;
  slot *s;

  if (c->pass == 1 && !is_x)
    return NULL;
  if (c->pass != 1) {
    if (is_x)
      return NULL;
    if (c->has_metric) {
      if (!lg__pm_selector_match(&c->metric, &t->lb))
        return NULL;
    } else {
      rank = rank_of(&t->lb);
      if (rank < 0 || rank > t->best_rank)
        return NULL;
    }
  }
  lg__pm_labels_format(&t->lb, t->key, sizeof t->key);
  if ((s = find(t, t->key)))
    return s->dropped ? NULL : s;
  if (!(s = add_slot(t, t->key, rank)))
    return NULL;
  if (c->pass == 1) {
    if (!(s->xcollect = lg__pm_xstore_new(c->xs, &t->lb)))
      fail(t, "more than %d series match --x-series (or out of memory)",
           LG_SERIES_MAX_SERIES);
    return s;
  }
  if (c->pass == 2) {
    char why[256];
    if (!(s->xlookup = lg__pm_xstore_pair(c->xs, &t->lb, why, sizeof why))) {
      fail(t, "%s: %s", t->key, why);
      return NULL;
    }
  }
  if (!c->has_metric && rank < t->best_rank) {
    /* A better memory metric: the worse ones are not judged. */
    size_t i;
    t->best_rank = rank;
    for (i = 0; i < t->nslots; i++)
      if (t->slots[i]->rank > rank && !t->slots[i]->dropped) {
        t->slots[i]->dropped = true;
        lg__pm_build_free(&t->slots[i]->b);
      }
  }
  return s;
}

static void sample_line(tr *t, const char *line, const char *p) {
  const char *vs, *ts;
  size_t vn, tn, vcol, tcol;
  double v, stamp, x, rel;
  slot *s;
  int r;

  p = parse_series_id(t, line, p);
  if (!p)
    return;
  remember_name(t, t->lb.metric);
  t->col = (size_t)(p - line) + 1;
  if (*p != ' ' && *p != '\t') {
    fail(t, "expected a space before the value");
    return;
  }
  while (*p == ' ' || *p == '\t')
    p++;
  vs = p;
  vcol = (size_t)(p - line) + 1;
  while (*p && *p != ' ' && *p != '\t')
    p++;
  vn = (size_t)(p - vs);
  while (*p == ' ' || *p == '\t')
    p++;
  ts = p;
  tcol = (size_t)(p - line) + 1;
  tn = 0;
  if (*p && *p != '#') {
    while (*p && *p != ' ' && *p != '\t')
      p++;
    tn = (size_t)(p - ts);
    while (*p == ' ' || *p == '\t')
      p++;
  }
  if (*p && *p != '#') {
    t->col = (size_t)(p - line) + 1;
    fail(t, "unexpected text after the timestamp");
    return;
  }
  t->col = vcol;
  if (lg__pm_parse_value(vs, vn, &v) != 0) {
    fail(t, "expected a number, got '%.*s'", (int)(vn > 40 ? 40 : vn), vs);
    return;
  }
  if (tn && (lg__pm_parse_value(ts, tn, &stamp) != 0 || !isfinite(stamp))) {
    t->col = tcol;
    fail(t, "expected a timestamp, got '%.*s'", (int)(tn > 40 ? 40 : tn), ts);
    return;
  }
  s = slot_for(t);
  if (!s || t->rc)
    return;
  if (!tn) {
    t->col = tcol;
    fail(t,
         "%s has no timestamp: a sequence of scrapes needs one on every "
         "sample (name{labels} value TIMESTAMP)",
         t->key);
    return;
  }
  if (isnan(v))
    return; /* not measured (or a staleness marker) */
  t->col = vcol;
  if (!isfinite(v)) {
    fail(t, "value is infinite");
    return;
  }
  if (s->xcollect) {
    r = lg__pm_xseries_push(s->xcollect, stamp, v);
    t->col = r == PM_T_DECREASES ? tcol : vcol;
    if (r == PM_T_DECREASES)
      fail(t, "timestamps go back in time for %s", t->key);
    else if (r == PM_X_DECREASES)
      fail(t,
           "the --x-series counter %s decreases (%.17g after %.17g): a "
           "counter reset; judge one process lifetime at a time",
           t->key, v, s->xcollect->x[s->xcollect->n - 1]);
    else if (r == LG_ELIMIT)
      fail(t, "--x-series longer than %u points", PM_XSERIES_MAX_POINTS);
    else if (r)
      t->rc = lg_error_set(t->err, LG_ENOMEM, "out of memory");
    return;
  }
  if (!t->have_t0) {
    t->t0 = stamp;
    t->have_t0 = true;
  }
  rel = stamp - t->t0;
  if (s->xlookup) {
    if (!lg__pm_xseries_at(s->xlookup, stamp, &x))
      return; /* no request count at that instant */
  } else {
    x = rel;
  }
  r = lg__pm_build_add(&s->b, x, rel, v);
  t->col = tcol;
  if (r == PM_T_DECREASES)
    fail(t, "timestamps go back in time for %s (%.17g after %.17g)", t->key,
         stamp, s->b.prev_t + t->t0);
  else if (r == PM_X_DECREASES)
    fail(t,
         "the --x-series counter decreases at this instant (%.17g after "
         "%.17g): a counter reset",
         x, s->b.prev_x);
  else if (r)
    t->rc = lg_error_set(t->err, LG_ENOMEM, "out of memory");
}

static void comment_line(tr *t, const char *line) {
  const char *p = line + 1;
  while (*p == ' ' || *p == '\t')
    p++;
  if (strcmp(p, "EOF") == 0)
    t->saw_eof = true;
  /* HELP, TYPE, UNIT and free comments carry nothing a verdict needs. */
}

static void finish(tr *t) {
  size_t i;
  double unit = t->saw_eof ? 1.0 : 1e-3; /* OpenMetrics: s; 0.0.4: ms */
  char where[640], seen[600];
  for (i = 0; i < t->nslots && !t->rc; i++) {
    slot *s = t->slots[i];
    lg_series *out = NULL;
    if (s->dropped || s->xcollect)
      continue;
    snprintf(where, sizeof where, "%s:%zu:%zu", t->ctx->name, s->line, s->col);
    if (lg__pm_build_finish(&s->b, t->ctx, &s->lb, unit, where, &out, t->err) ||
        lg__pm_list_push(t->out, out, t->ctx->name, t->err))
      t->rc = t->err ? t->err->code : LG_EINPUT;
  }
  if (t->rc || t->ctx->pass == 1 || t->out->n > 0)
    return;
  seen_list(t, seen, sizeof seen);
  if (t->ctx->has_metric)
    t->rc = lg_error_set(t->err, LG_EINPUT,
                         "%s: no series matches --metric (metrics seen: %s)",
                         t->ctx->name, t->nseen ? seen : "none");
  else
    t->rc = lg_error_set(
        t->err, LG_EINPUT,
        "%s: no memory metric: expected leakgate_memory_bytes, "
        "container_memory_working_set_bytes, container_memory_rss, "
        "container_memory_usage_bytes or process_resident_memory_bytes, or "
        "name the series with --metric (metrics seen: %s)",
        t->ctx->name, t->nseen ? seen : "none");
}

int lg__pm_text_read(FILE *f, const pm_ctx *ctx, lg_series_list *out,
                     lg_error *err) {
  tr *t = calloc(1, sizeof *t);
  char *line;
  size_t len, i;
  int r, rc;

  if (!t || lg__lines_init(&t->lines, f) != 0) {
    free(t);
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  }
  t->ctx = ctx;
  t->out = out;
  t->err = err;
  t->best_rank = 1000;
  while (!t->rc && (r = lg__lines_next(&t->lines, &line, &len)) == 1) {
    const char *p = line;
    if (t->lines.lineno == 1 && len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
      p += 3;
    while (*p == ' ' || *p == '\t')
      p++;
    if (*p == '\0')
      continue;
    if (*p == '#')
      comment_line(t, p);
    else
      sample_line(t, line, p);
  }
  if (!t->rc && r < 0) {
    t->col = 1;
    t->lines.lineno++;
    if (r == LG_EIO)
      t->rc = lg_error_set(err, LG_EIO, "%s:%zu: read error", ctx->name,
                           t->lines.lineno);
    else
      fail(t, "line longer than %d bytes", LG_LINE_MAX);
  }
  if (!t->rc)
    finish(t);
  rc = t->rc;
  for (i = 0; i < t->nslots; i++) {
    lg__pm_build_free(&t->slots[i]->b);
    free(t->slots[i]->key);
    free(t->slots[i]);
  }
  lg__lines_cleanup(&t->lines);
  free(t);
  return rc;
}
