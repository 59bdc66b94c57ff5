/* metrics/expose.c - the state of a run rendered as Prometheus text format
 * 0.0.4 or OpenMetrics 1.0.0 (both from one table of families, so the two
 * cannot drift apart).
 *
 * Naming follows Prometheus conventions: a `leakgate_` prefix, base units
 * as suffixes (bytes, seconds), `_total` on counters, `scenario` as a label
 * on every series. The differences between the formats are confined to
 * family_header() and sample_name(): OpenMetrics names a counter family
 * without `_total` and an info family without `_info`, has `# UNIT`
 * lines, the info and stateset types, and ends with `# EOF`; text 0.0.4
 * types them counter/gauge under their sample names. A value that is not
 * known (NAN) is omitted rather than exported as NaN, so a dashboard shows a
 * gap instead of a made-up number; an unbounded slope bound is +Inf/-Inf.
 * Owns nothing: it appends to the caller's capped buffer.
 */
#include "metrics/metrics_int.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { MX_GAUGE, MX_COUNTER, MX_INFO, MX_STATESET } mx_type;

/* A column of lg_sample exported per sample. label/value: one label that
 * tells the columns of one family apart (NULL: none). Columns a sample does
 * not have (the GC columns of a native service) are NAN and not exported. */
typedef struct mx_col {
  const char *family;
  mx_type type;
  const char *unit;
  const char *help;
  const char *label, *value;
  double (*get)(const lg_sample *s);
} mx_col;

static double get_rss(const lg_sample *s) {
  return s->rss_bytes;
}
static double get_anon(const lg_sample *s) {
  return s->anon_bytes;
}
static double get_pss(const lg_sample *s) {
  return s->pss_bytes;
}
static double get_cgroup(const lg_sample *s) {
  return s->cgroup_bytes;
}
static double get_procs(const lg_sample *s) {
  return s->procs < 0 ? NAN : (double)s->procs;
}
static double get_fds(const lg_sample *s) {
  return s->fds < 0 ? NAN : (double)s->fds;
}
/* A managed runtime's own view (its GC report, docs/runtimes.md): absent
 * (NAN, -1) for a native service, so those families are not exported. */
static double get_heap_live(const lg_sample *s) {
  return s->heap_live_bytes;
}
static double get_gc_count(const lg_sample *s) {
  return s->gc_count < 0 ? NAN : (double)s->gc_count;
}
static double get_gc_pause(const lg_sample *s) {
  return s->gc_pause_s;
}

#define MEM_HELP                                                               \
  "Latest sample of each memory column of samples.csv (pss is read at "        \
  "phase boundaries only)."

static const mx_col cols[] = {
    {"leakgate_memory_bytes", MX_GAUGE, "bytes", MEM_HELP, "metric", "rss",
     get_rss},
    {"leakgate_memory_bytes", MX_GAUGE, "bytes", MEM_HELP, "metric", "anon",
     get_anon},
    {"leakgate_memory_bytes", MX_GAUGE, "bytes", MEM_HELP, "metric", "pss",
     get_pss},
    {"leakgate_memory_bytes", MX_GAUGE, "bytes", MEM_HELP, "metric", "cgroup",
     get_cgroup},
    {"leakgate_processes", MX_GAUGE, NULL,
     "Processes in the container (or the service's process tree).", NULL, NULL,
     get_procs},
    {"leakgate_open_fds", MX_GAUGE, NULL,
     "Open file descriptors of those processes.", NULL, NULL, get_fds},
    {"leakgate_runtime_heap_live_bytes", MX_GAUGE, "bytes",
     "A managed runtime's heap in use after its latest collection, from its "
     "own GC report (heap_live_bytes of samples.csv).",
     NULL, NULL, get_heap_live},
    {"leakgate_runtime_gc_collections", MX_COUNTER, NULL,
     "Collections the managed runtime reported (gc_count of samples.csv).",
     NULL, NULL, get_gc_count},
    {"leakgate_runtime_gc_pause_seconds", MX_COUNTER, "seconds",
     "The managed runtime's GC pauses, summed (gc_pause_s of samples.csv).",
     NULL, NULL, get_gc_pause},
};
#define N_COLS (sizeof cols / sizeof cols[0])
_Static_assert(N_COLS <= MX_SAMPLE_MAX, "raise MX_SAMPLE_MAX");

void lg__mx_state_reset(mx_state *st) {
  size_t i;
  memset(st, 0, sizeof *st);
  st->memory_limit = NAN;
  st->t_s = NAN;
  for (i = 0; i < MX_SAMPLE_MAX; i++)
    st->col[i] = NAN;
  st->elapsed_s = st->planned_s = NAN;
  st->slope = st->slope_lo = st->slope_hi = NAN;
  st->slope_per_second = st->tolerance = NAN;
  st->time_to_limit_s = st->time_to_limit_min_s = NAN;
}

void lg__mx_state_sample(mx_state *st, const lg_sample *s) {
  size_t i;
  st->samples++;
  st->t_s = s->t_s;
  for (i = 0; i < N_COLS; i++) {
    double v = cols[i].get(s);
    if (!isnan(v))
      st->col[i] = v;
  }
  if (s->phase)
    snprintf(st->phase, sizeof st->phase, "%s", s->phase);
}

/* The renderer's context: output, format, scenario label, sticky error. */
typedef struct ctx {
  lg_buf *b;
  bool om;
  const char *scenario;
  int rc;
} ctx;

static void put(ctx *c, const char *s) {
  if (!c->rc)
    c->rc = lg__buf_appends(c->b, s);
}

static void putn(ctx *c, const char *s, size_t n) {
  if (!c->rc)
    c->rc = lg__buf_append(c->b, s, n);
}

/* Label value escaping, the same in both formats: \\ \" \n. */
static void put_label_value(ctx *c, const char *v) {
  const char *p = v;
  while (*p) {
    size_t run = strcspn(p, "\\\"\n");
    putn(c, p, run);
    p += run;
    if (!*p)
      break;
    put(c, *p == '\\' ? "\\\\" : *p == '"' ? "\\\"" : "\\n");
    p++;
  }
}

/* HELP text: 0.0.4 escapes \\ and \n; OpenMetrics also \". Help strings
 * here are constants without those, but keep the rule in one place. */
static void put_help_text(ctx *c, const char *h) {
  for (; *h; h++) {
    char ch[2] = {*h, 0};
    put(c, *h == '\\'             ? "\\\\"
           : *h == '\n'           ? "\\n"
           : (*h == '"' && c->om) ? "\\\""
                                  : ch);
  }
}

static const char *type_name(const ctx *c, mx_type t) {
  switch (t) {
  case MX_COUNTER:
    return "counter";
  case MX_INFO:
    return c->om ? "info" : "gauge";
  case MX_STATESET:
    return c->om ? "stateset" : "gauge";
  case MX_GAUGE:
  default:
    return "gauge";
  }
}

/* The name in # lines: OpenMetrics uses the family name (no _total, no
 * _info); 0.0.4 has no families of its own and uses the sample name. */
static void put_family_name(ctx *c, const char *family, mx_type t) {
  put(c, family);
  if (!c->om && t == MX_COUNTER)
    put(c, "_total");
  else if (!c->om && t == MX_INFO)
    put(c, "_info");
}

static int ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a > b && s[a - b - 1] == '_' && strcmp(s + a - b, suffix) == 0;
}

static void family_header(ctx *c, const char *family, mx_type t,
                          const char *unit, const char *help) {
  put(c, "# HELP ");
  put_family_name(c, family, t);
  put(c, " ");
  put_help_text(c, help);
  put(c, "\n# TYPE ");
  put_family_name(c, family, t);
  put(c, " ");
  put(c, type_name(c, t));
  put(c, "\n");
  /* OpenMetrics: a unit must be the family name's suffix. */
  if (c->om && unit && ends_with(family, unit)) {
    put(c, "# UNIT ");
    put(c, family);
    put(c, " ");
    put(c, unit);
    put(c, "\n");
  }
}

static void put_value(ctx *c, double v) {
  char num[40];
  if (isinf(v)) {
    put(c, v > 0 ? "+Inf" : "-Inf");
    return;
  }
  /* Integral values (bytes, counts) print as integers; others with
   * round-trip precision. */
  if (fabs(v) < 9007199254740992.0 && v == floor(v))
    snprintf(num, sizeof num, "%.0f", v);
  else
    snprintf(num, sizeof num, "%.17g", v);
  put(c, num);
}

/* One sample: name{scenario="..."[,label="value"]} value. NAN: nothing. */
static void sample2(ctx *c, const char *family, mx_type t, const char *l1,
                    const char *v1, const char *l2, const char *v2, double v) {
  if (isnan(v))
    return;
  put(c, family);
  if (t == MX_COUNTER)
    put(c, "_total");
  else if (t == MX_INFO)
    put(c, "_info");
  put(c, "{scenario=\"");
  put_label_value(c, c->scenario);
  put(c, "\"");
  if (l1) {
    put(c, ",");
    put(c, l1);
    put(c, "=\"");
    put_label_value(c, v1);
    put(c, "\"");
  }
  if (l2) {
    put(c, ",");
    put(c, l2);
    put(c, "=\"");
    put_label_value(c, v2);
    put(c, "\"");
  }
  put(c, "} ");
  put_value(c, v);
  put(c, "\n");
}

static void sample1(ctx *c, const char *family, mx_type t, const char *l1,
                    const char *v1, double v) {
  sample2(c, family, t, l1, v1, NULL, NULL, v);
}

/* A family with a single unlabelled (but for scenario) sample. */
static void single(ctx *c, const char *family, mx_type t, const char *unit,
                   const char *help, double v) {
  if (isnan(v))
    return;
  family_header(c, family, t, unit, help);
  sample1(c, family, t, NULL, NULL, v);
}

static void render_columns(ctx *c, const mx_state *st) {
  size_t i, j;
  for (i = 0; i < N_COLS; i++) {
    bool any = false, first = true;
    if (i > 0 && strcmp(cols[i].family, cols[i - 1].family) == 0)
      continue; /* rendered with the first column of its family */
    for (j = i; j < N_COLS && strcmp(cols[j].family, cols[i].family) == 0; j++)
      any = any || !isnan(st->col[j]);
    if (!any)
      continue;
    for (j = i; j < N_COLS && strcmp(cols[j].family, cols[i].family) == 0;
         j++) {
      if (first)
        family_header(c, cols[j].family, cols[j].type, cols[j].unit,
                      cols[j].help);
      first = false;
      sample1(c, cols[j].family, cols[j].type, cols[j].label, cols[j].value,
              st->col[j]);
    }
  }
}

static void render_analysis(ctx *c, const mx_state *st) {
  static const lg_leak states[] = {LG_LEAK_LEAK, LG_LEAK_NO_LEAK,
                                   LG_LEAK_INCONCLUSIVE};
  bool per_req = strcmp(st->x, "requests") == 0;
  const char *u = per_req ? "bytes_per_request" : "bytes_per_second";
  char name[96];
  size_t i;

  snprintf(name, sizeof name, "leakgate_slope_%s", u);
  single(c, name, MX_GAUGE, u,
         "Memory growth per x unit: a running Theil-Sen estimate during the "
         "load, the run's own analysis once final.",
         st->slope);
  snprintf(name, sizeof name, "leakgate_slope_lower_%s", u);
  single(c, name, MX_GAUGE, u,
         "One-sided lower confidence bound of the slope (the scenario's "
         "confidence).",
         st->slope_lo);
  snprintf(name, sizeof name, "leakgate_slope_upper_%s", u);
  single(c, name, MX_GAUGE, u,
         "One-sided upper confidence bound of the slope (the scenario's "
         "confidence).",
         st->slope_hi);
  snprintf(name, sizeof name, "leakgate_tolerance_%s", u);
  single(c, name, MX_GAUGE, u,
         "Growth per x unit that still counts as no leak.", st->tolerance);
  if (per_req)
    single(c, "leakgate_slope_bytes_per_second", MX_GAUGE, "bytes_per_second",
           "The slope times the measured request rate.", st->slope_per_second);
  single(c, "leakgate_time_to_limit_seconds", MX_GAUGE, "seconds",
         "Projected time until the memory limit at the current slope (absent "
         "without a limit or when memory does not grow).",
         st->time_to_limit_s);
  single(c, "leakgate_time_to_limit_min_seconds", MX_GAUGE, "seconds",
         "Projected time until the memory limit at the slope's upper bound.",
         st->time_to_limit_min_s);
  family_header(c, "leakgate_growth", MX_STATESET, NULL,
                "The growth verdict so far: leak, no_leak or inconclusive.");
  for (i = 0; i < sizeof states / sizeof states[0]; i++)
    sample1(c, "leakgate_growth", MX_STATESET, "leakgate_growth",
            lg_leak_name(states[i]), st->leak == states[i] ? 1 : 0);
  single(c, "leakgate_analysis_final", MX_GAUGE, NULL,
         "1 when the growth series are the run's own analysis, 0 while they "
         "are a running estimate.",
         st->final ? 1 : 0);
  single(c, "leakgate_analysis_points", MX_GAUGE, NULL,
         "Points the latest growth estimate was computed on.",
         (double)st->points);
}

int lg__mx_render(const mx_state *st, bool om, lg_buf *out) {
  ctx c = {out, om, st->scenario, 0};

  family_header(&c, "leakgate_phase", MX_INFO, NULL,
                "What the run is doing: stage (starting, load, analysis, "
                "valgrind, done) and the load phase.");
  sample2(&c, "leakgate_phase", MX_INFO, "stage", st->stage, "phase", st->phase,
          1);
  single(&c, "leakgate_memory_limit_bytes", MX_GAUGE, "bytes",
         "Memory limit of the container (absent without one).",
         st->memory_limit);
  if (st->samples > 0) {
    render_columns(&c, st);
    single(&c, "leakgate_samples", MX_COUNTER, NULL,
           "Samples taken (rows of samples.csv).", (double)st->samples);
    single(&c, "leakgate_sample_time_seconds", MX_GAUGE, "seconds",
           "t_s of the latest sample: seconds since the load started.",
           st->t_s);
  }
  if (st->has_load) {
    single(&c, "leakgate_requests", MX_COUNTER, NULL,
           "Completed requests (the x axis of the growth analysis).",
           (double)st->requests);
    single(&c, "leakgate_request_errors", MX_COUNTER, NULL,
           "Requests that failed (connect, read, write, timeout, status, "
           "parse).",
           (double)st->errors);
    single(&c, "leakgate_load_elapsed_seconds", MX_GAUGE, "seconds",
           "Seconds since the load started.", st->elapsed_s);
    single(&c, "leakgate_load_planned_seconds", MX_GAUGE, "seconds",
           "Planned duration of the load (the phases' total).", st->planned_s);
  }
  if (st->has_analysis) {
    render_analysis(&c, st);
    single(&c, "leakgate_analysis_looks", MX_COUNTER, NULL,
           "Running growth estimates computed so far.", (double)st->looks);
  }
  if (om)
    put(&c, "# EOF\n");
  return c.rc;
}

/* One media range of an Accept header: type/subtype and its q and version
 * parameters. */
static double accept_q(const char *range, size_t n, const char *type,
                       const char *version, bool *named) {
  char buf[256], *save = NULL, *part, *mt;
  double q = 1;
  bool version_ok = true, type_ok;
  if (n >= sizeof buf)
    return 0;
  memcpy(buf, range, n);
  buf[n] = '\0';
  mt = strtok_r(buf, ";", &save);
  if (!mt)
    return 0;
  mt += strspn(mt, " \t");
  mt[strcspn(mt, " \t")] = '\0';
  type_ok = strcasecmp(mt, type) == 0;
  *named = type_ok;
  if (!type_ok) {
    /* wildcards: text/plain also takes text/ and * / *; OpenMetrics is
     * served only when asked for by name (the default stays 0.0.4). */
    if (strcmp(type, "text/plain") != 0)
      return 0;
    if (strcmp(mt, "*/*") != 0 && strcasecmp(mt, "text/*") != 0)
      return 0;
  }
  while ((part = strtok_r(NULL, ";", &save))) {
    char *eq, *k = part + strspn(part, " \t"), *v;
    eq = strchr(k, '=');
    if (!eq)
      continue;
    *eq = '\0';
    v = eq + 1;
    k[strcspn(k, " \t")] = '\0';
    v += strspn(v, " \t\"");
    v[strcspn(v, " \t\"")] = '\0';
    if (strcasecmp(k, "q") == 0)
      q = strtod(v, NULL);
    else if (type_ok && strcasecmp(k, "version") == 0)
      version_ok = strcmp(v, version) == 0;
  }
  return version_ok && q > 0 ? q : 0;
}

bool lg__mx_wants_openmetrics(const char *accept) {
  double q_om = 0, q_text = 0;
  bool text_named = false;
  const char *p = accept;
  if (!accept)
    return false;
  while (*p) {
    size_t n = strcspn(p, ",");
    bool named = false;
    double q = accept_q(p, n, "application/openmetrics-text", "1.0.0", &named);
    if (q > q_om)
      q_om = q;
    q = accept_q(p, n, "text/plain", "0.0.4", &named);
    if (q > q_text || (named && q == q_text && q > 0)) {
      q_text = q;
      text_named = text_named || named;
    }
    p += n;
    if (*p == ',')
      p++;
  }
  /* Equal preference: OpenMetrics only if text/plain was not named. */
  return q_om > q_text || (q_om > 0 && q_om == q_text && !text_named);
}
