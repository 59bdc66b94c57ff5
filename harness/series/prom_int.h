/* series/prom_int.h - what the two Prometheus readers share (prom_json.c:
 * the HTTP API's query_range answer; prom_text.c: a sequence of text
 * exposition scrapes): label sets, series selectors, the per-series builder
 * that validates and aggregates points, and the store of request-counter
 * series an --x-series selector picks.
 *
 * Points carry raw timestamps relative to the file's first one (t0), in the
 * file's unit (seconds in JSON and OpenMetrics, milliseconds in text 0.0.4);
 * lg__pm_build_finish scales t (and x when x is time) to seconds. The
 * aggregator groups rows by count, so scaling after aggregation gives
 * exactly what scaling before would.
 */
#ifndef LG_SERIES_PROM_INT_H
#define LG_SERIES_PROM_INT_H

#include "series/aggregate.h"

#include <leakgate/series.h>
#include <stdbool.h>
#include <stddef.h>

#define PM_MAX_LABELS 64
#define PM_LABEL_BYTES 8192
#define PM_MAX_MATCHERS 16
/* Points of one --x-series (16 bytes each): 4M is 64 MiB. */
#define PM_XSERIES_MAX_POINTS (4u << 20)

typedef struct pm_label {
  const char *k, *v;
} pm_label;

/* A series' identity: __name__ apart, the other labels in arena. */
typedef struct pm_labels {
  char metric[256];
  size_t n;
  pm_label l[PM_MAX_LABELS];
  char arena[PM_LABEL_BYTES];
  size_t used;
} pm_labels;

void lg__pm_labels_clear(pm_labels *lb);
/* Add a label (copied); __name__ goes to metric. LG_ELIMIT when the set
 * outgrows its bounds. */
int lg__pm_labels_add(pm_labels *lb, const char *k, size_t kn, const char *v,
                      size_t vn);
/* Sort by label name (text scrapes may order them differently). */
void lg__pm_labels_sort(pm_labels *lb);
/* The value of k, "" when absent (Prometheus semantics). */
const char *lg__pm_labels_get(const pm_labels *lb, const char *k);
/* "metric{k=\"v\",...}" (values escaped), truncated to cap. */
void lg__pm_labels_format(const pm_labels *lb, char *out, size_t cap);
void lg__pm_labels_copy(pm_labels *dst, const pm_labels *src);

typedef struct pm_matcher {
  char k[128], v[256];
  bool neg;
} pm_matcher;

/* metric{k="v",k2!="v2"}, either part optional. */
typedef struct pm_selector {
  char metric[256];
  size_t n;
  pm_matcher m[PM_MAX_MATCHERS];
} pm_selector;

/* Parse a selector; anon, rss, pss and cgroup stand for
 * leakgate_memory_bytes{metric="..."}. LG_EUSAGE naming what (e.g.
 * "--metric") on a syntax error. */
int lg__pm_selector_parse(const char *s, const char *what, pm_selector *out,
                          lg_error *err);
bool lg__pm_selector_match(const pm_selector *sel, const pm_labels *lb);

/* One series being read: its aggregator and the checks the CSV reader
 * makes (t and x never decrease, enough values, x increases). */
typedef struct pm_build {
  lg_agg *agg;
  uint64_t rows;
  double first_x, prev_x, prev_t;
  bool any;
} pm_build;

enum { PM_OK = 0, PM_T_DECREASES = 1, PM_X_DECREASES = 2 };

/* Returns PM_OK, PM_T_DECREASES, PM_X_DECREASES or LG_ENOMEM; a refused
 * point changes nothing. */
int lg__pm_build_add(pm_build *b, double x, double t, double y);
void lg__pm_build_free(pm_build *b);

/* Everything a reader needs besides its input. */
typedef struct pm_ctx {
  const char *name; /* file name for messages */
  bool has_metric;
  pm_selector metric;
  bool has_x;
  pm_selector xsel;
  lg_aggregate aggregate;
  int pass; /* 0: judge, x = time; 1: collect --x-series; 2: judge with it */
  struct pm_xstore *xs;
} pm_ctx;

/* Finish b into a new series named after lb (x = counter values, or time
 * when !ctx->has_x; unit: seconds per timestamp unit). LG_EINPUT naming
 * where (a prefix such as "q.json:1:30: data.result[2]") when the series
 * cannot be judged. b is freed. */
int lg__pm_build_finish(pm_build *b, const pm_ctx *ctx, const pm_labels *lb,
                        double unit, const char *where, lg_series **out,
                        lg_error *err);

/* Request-counter series picked by --x-series, collected in pass 1. */
typedef struct pm_xseries {
  pm_labels lb;
  double *t, *x;
  size_t n, cap;
} pm_xseries;

typedef struct pm_xstore {
  pm_xseries **v; /* each allocated on its own: readers keep pointers */
  size_t n;
} pm_xstore;

/* A new empty x-series for lb (its address stays valid until
 * lg__pm_xstore_free); NULL when out of memory or past LG_SERIES_MAX_SERIES. */
pm_xseries *lg__pm_xstore_new(pm_xstore *xs, const pm_labels *lb);
/* Append (t, x): PM_OK, PM_T_DECREASES, PM_X_DECREASES (a counter reset),
 * LG_ELIMIT or LG_ENOMEM. */
int lg__pm_xseries_push(pm_xseries *s, double t, double x);
void lg__pm_xstore_free(pm_xstore *xs);
/* The x-series for memory series lb: the only one, or the one whose labels
 * (but the name) all appear in lb with the same values. NULL with why
 * filled when none or several fit. */
const pm_xseries *lg__pm_xstore_pair(const pm_xstore *xs, const pm_labels *lb,
                                     char *why, size_t cap);
/* The counter at timestamp t (exact match); false when not sampled then. */
bool lg__pm_xseries_at(const pm_xseries *s, double t, double *x);

/* Append s to the list (LG_EINPUT past LG_SERIES_MAX_SERIES, s freed then). */
int lg__pm_list_push(lg_series_list *l, lg_series *s, const char *name,
                     lg_error *err);

/* Parse a sample value as Go's ParseFloat does for the text format:
 * decimal with optional exponent, or NaN / [+-]Inf in any case. */
int lg__pm_parse_value(const char *s, size_t n, double *v);

/* The readers, one pass each (ctx->pass says which). */
int lg__pm_json_read(FILE *f, const pm_ctx *ctx, lg_series_list *out,
                     lg_error *err);
int lg__pm_text_read(FILE *f, const pm_ctx *ctx, lg_series_list *out,
                     lg_error *err);

#endif
