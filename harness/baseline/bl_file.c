/* baseline/bl_file.c - reading a baseline file (lg_baseline_load) into the
 * entries compare needs, keeping the jansson tree for update.
 *
 * Strict on what it reads, lenient on the rest, like result.json: a known
 * key of the wrong type is LG_EINPUT naming the file and the key path
 * ("b.json: scenarios.api.latest.analysis.slope_ci: expected [lo, hi]"); an
 * unknown key is ignored (version 1 only grows); null is "unknown" except
 * for the slope, its bounds, metric and x, without which an entry cannot be
 * compared. Another baseline_version loads with no entries.
 * Owns: the tree and the entries until lg_baseline_free.
 * Failure: *out is NULL and nothing is leaked.
 */
#include "baseline/bl_int.h"
#include "core/fsutil.h"
#include "result/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CTX_MAX 512

/* [lo, hi] of numbers; null bounds are unknown (+-infinity when required:
 * an interval too wide to know, which compare turns into inconclusive). */
static void get_ci(lg_jr *d, const json_t *o, const char *ctx, const char *key,
                   double *lo, double *hi) {
  json_t *v = lg__jr_val(o, key), *a, *b;
  *lo = -INFINITY;
  *hi = INFINITY;
  if (!v || !json_is_array(v) || json_array_size(v) != 2) {
    lg__jr_bad(d, ctx, key, "[lo, hi]");
    return;
  }
  a = json_array_get(v, 0);
  b = json_array_get(v, 1);
  if ((!json_is_null(a) && !json_is_number(a)) ||
      (!json_is_null(b) && !json_is_number(b))) {
    lg__jr_bad(d, ctx, key, "[lo, hi] of numbers or null");
    return;
  }
  if (json_is_number(a))
    *lo = json_number_value(a);
  if (json_is_number(b))
    *hi = json_number_value(b);
}

/* An optional [lo, hi]: NAN bounds when missing or null. */
static void get_opt_ci(lg_jr *d, const json_t *o, const char *ctx,
                       const char *key, double *lo, double *hi) {
  *lo = *hi = NAN;
  if (lg__jr_val(o, key))
    get_ci(d, o, ctx, key, lo, hi);
}

static void read_analysis(lg_jr *d, const json_t *a, const char *ctx,
                          bl_entry *e) {
  const char *s;
  s = lg__jr_str(d, a, ctx, "metric", true);
  snprintf(e->metric, sizeof e->metric, "%s", s ? s : "");
  s = lg__jr_str(d, a, ctx, "x", true);
  snprintf(e->x, sizeof e->x, "%s", s ? s : "");
  if (s && strcmp(s, "requests") != 0 && strcmp(s, "seconds") != 0)
    lg__jr_bad(d, ctx, "x", "\"requests\" or \"seconds\"");
  e->leak = lg__jr_leak(d, a, ctx, "leak");
  e->sl.slope = lg__jr_num(d, a, ctx, "slope_bytes_per_request", true);
  get_ci(d, a, ctx, "slope_ci", &e->sl.lo, &e->sl.hi);
  e->sl.w = lg__jr_num(d, a, ctx, "window_slope", false);
  get_opt_ci(d, a, ctx, "window_ci", &e->sl.w_lo, &e->sl.w_hi);
  get_opt_ci(d, a, ctx, "recent_ci", &e->sl.s_lo, &e->sl.s_hi);
  e->sl.hinge = lg__jr_bool(d, a, ctx, "recent_hinge", "true, false or null");
  e->confidence = lg__jr_num(d, a, ctx, "confidence", false);
  if (isfinite(e->confidence) && !(e->confidence > 0.5 && e->confidence < 1))
    lg__jr_bad(d, ctx, "confidence", "a level between 0.5 and 1");
  e->tolerance = lg__jr_num(d, a, ctx, "tolerance_bytes_per_request", false);
}

static void read_memcheck(lg_jr *d, const json_t *m, const char *ctx,
                          bl_entry *e) {
  char c[CTX_MAX];
  json_t *arr, *l;
  size_t i;
  e->memcheck_ran = false;
  if (!m)
    return;
  e->memcheck_ran = lg__jr_bool(d, m, ctx, "ran", "true or false");
  arr = lg__jr_arr(d, m, ctx, "leaks", "an array or null");
  if (!arr || d->rc)
    return;
  if (json_array_size(arr) > BL_MAX_LEAKS) {
    lg__jr_bad(d, ctx, "leaks", "at most 100000 loss records");
    return;
  }
  e->leaks = calloc(json_array_size(arr) + 1, sizeof *e->leaks);
  if (!e->leaks) {
    lg__jr_oom(d);
    return;
  }
  json_array_foreach(arr, i, l) {
    bl_leak *k = &e->leaks[e->n_leaks];
    const char *fp, *kind;
    snprintf(c, sizeof c, "%.460s.leaks[%zu]", ctx, i);
    if (!json_is_object(l)) {
      lg__jr_bad(d, c, "", "an object");
      return;
    }
    fp = lg__jr_str(d, l, c, "fingerprint", true);
    kind = lg__jr_str(d, l, c, "kind", true);
    k->bytes = lg__jr_num(d, l, c, "bytes", true);
    if (d->rc)
      return;
    if (!(k->fingerprint = strdup(fp)) || !(k->kind = strdup(kind))) {
      free(k->fingerprint);
      k->fingerprint = NULL;
      lg__jr_oom(d);
      return;
    }
    e->n_leaks++;
  }
}

/* latest.heap_profile: the growing sites with their rates (optional: a
 * baseline from before the heap-profile tier has none). */
static void read_heap_profile(lg_jr *d, const json_t *h, const char *ctx,
                              bl_entry *e) {
  char c[CTX_MAX];
  json_t *arr, *s;
  size_t i;
  e->heap_ran = false;
  if (!h)
    return;
  e->heap_ran = lg__jr_bool(d, h, ctx, "ran", "true or false");
  arr = lg__jr_arr(d, h, ctx, "growing_sites", "an array or null");
  if (!arr || d->rc)
    return;
  if (json_array_size(arr) > 1000) {
    lg__jr_bad(d, ctx, "growing_sites", "at most 1000 sites");
    return;
  }
  e->heap_sites = calloc(json_array_size(arr) + 1, sizeof *e->heap_sites);
  if (!e->heap_sites) {
    lg__jr_oom(d);
    return;
  }
  json_array_foreach(arr, i, s) {
    bl_heap_site *k = &e->heap_sites[e->n_heap_sites];
    const char *fp;
    snprintf(c, sizeof c, "%.460s.growing_sites[%zu]", ctx, i);
    if (!json_is_object(s)) {
      lg__jr_bad(d, c, "", "an object");
      return;
    }
    fp = lg__jr_str(d, s, c, "fingerprint", true);
    k->rate = lg__jr_num(d, s, c, "bytes_per_request", true);
    get_opt_ci(d, s, c, "ci", &k->lo, &k->hi);
    if (d->rc)
      return;
    if (!(k->fingerprint = strdup(fp))) {
      lg__jr_oom(d);
      return;
    }
    e->n_heap_sites++;
  }
}

static void read_history(lg_jr *d, const json_t *arr, const char *ctx,
                         bl_entry *e) {
  char c[CTX_MAX];
  json_t *p;
  size_t i;
  if (!arr)
    return;
  e->history = calloc(json_array_size(arr) + 1, sizeof *e->history);
  if (!e->history) {
    lg__jr_oom(d);
    return;
  }
  json_array_foreach(arr, i, p) {
    snprintf(c, sizeof c, "%.480s[%zu]", ctx, i);
    if (!json_is_object(p)) {
      lg__jr_bad(d, c, "", "an object");
      return;
    }
    e->history[i].slope = lg__jr_num(d, p, c, "slope_bytes_per_request", true);
    if (d->rc)
      return;
    e->n_history++;
  }
}

static void read_entry(lg_jr *d, const char *name, const json_t *o,
                       bl_entry *e) {
  char ctx[CTX_MAX], c[CTX_MAX];
  json_t *latest;
  snprintf(ctx, sizeof ctx, "scenarios.%.400s", name);
  e->sl.lo = -INFINITY;
  e->sl.hi = INFINITY;
  e->sl.w = e->sl.w_lo = e->sl.w_hi = e->sl.s_lo = e->sl.s_hi = NAN;
  e->requests = -1;
  if (!(e->name = strdup(name))) {
    lg__jr_oom(d);
    return;
  }
  if (!json_is_object(o)) {
    lg__jr_bad(d, ctx, "", "an object");
    return;
  }
  latest = lg__jr_obj(d, o, ctx, "latest", true);
  snprintf(c, sizeof c, "%.480s.latest", ctx);
  {
    char lc[CTX_MAX];
    snprintf(lc, sizeof lc, "%.480s.analysis", c);
    read_analysis(d, lg__jr_obj(d, latest, c, "analysis", true), lc, e);
    snprintf(lc, sizeof lc, "%.480s.load", c);
    e->requests = lg__jr_count(d, lg__jr_obj(d, latest, c, "load", false), lc,
                               "requests");
    snprintf(lc, sizeof lc, "%.480s.memcheck", c);
    read_memcheck(d, lg__jr_obj(d, latest, c, "memcheck", false), lc, e);
    snprintf(lc, sizeof lc, "%.480s.heap_profile", c);
    read_heap_profile(d, lg__jr_obj(d, latest, c, "heap_profile", false), lc,
                      e);
  }
  snprintf(c, sizeof c, "%.480s.history", ctx);
  read_history(d, lg__jr_arr(d, o, ctx, "history", "an array or null"), c, e);
}

static void free_entry(bl_entry *e) {
  size_t i;
  free(e->name);
  for (i = 0; i < e->n_leaks; i++) {
    free(e->leaks[i].fingerprint);
    free(e->leaks[i].kind);
  }
  free(e->leaks);
  for (i = 0; i < e->n_heap_sites; i++)
    free(e->heap_sites[i].fingerprint);
  free(e->heap_sites);
  free(e->history);
}

void lg_baseline_free(lg_baseline *b) {
  size_t i;
  if (!b)
    return;
  for (i = 0; i < b->n_entries; i++)
    free_entry(&b->entries[i]);
  free(b->entries);
  if (b->root)
    json_decref(b->root);
  free(b->path);
  free(b);
}

/* Parse b->root into entries. */
static void parse(lg_jr *d, lg_baseline *b) {
  json_t *v = b->root, *sc, *e;
  const char *name;
  if (!json_is_object(v)) {
    lg__jr_bad(d, "", "", "a JSON object (a leakgate baseline file)");
    return;
  }
  v = json_object_get(b->root, "baseline_version");
  if (!v || !json_is_integer(v)) {
    lg__jr_bad(d, "baseline_version", "",
               "an integer (is this a leakgate baseline file?)");
    return;
  }
  b->version = (long)json_integer_value(v);
  if (b->version != LG_BASELINE_VERSION)
    return; /* compare says so; update refuses */
  sc = lg__jr_obj(d, b->root, "", "scenarios", true);
  if (!sc)
    return;
  b->entries = calloc(json_object_size(sc) + 1, sizeof *b->entries);
  if (!b->entries) {
    lg__jr_oom(d);
    return;
  }
  json_object_foreach(sc, name, e) {
    read_entry(d, name, e, &b->entries[b->n_entries++]);
    if (d->rc)
      return;
  }
}

int lg_baseline_load(const char *path, lg_baseline **out, lg_error *err) {
  lg_baseline *b = NULL;
  char *text = NULL;
  size_t len = 0;
  json_error_t je;
  lg_jr d = {path, err, 0};
  int rc;

  *out = NULL;
  rc = lg__read_file(path, BL_FILE_CAP, &text, &len, err);
  if (rc != 0) {
    if (rc == LG_ENOENT)
      lg_error_set(err, LG_ENOENT, "%s: no such baseline file", path);
    else if (rc == LG_ELIMIT)
      lg_error_set(err, LG_EINPUT, "%s: larger than %zu MiB: not a baseline",
                   path, BL_FILE_CAP >> 20);
    return rc == LG_ELIMIT ? LG_EINPUT : rc;
  }
  b = calloc(1, sizeof *b);
  if (!b || !(b->path = strdup(path))) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  b->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (!b->root) {
    rc = lg_error_set(err, LG_EINPUT, "%s:%d:%d: %s", path, je.line, je.column,
                      je.text);
    goto cleanup;
  }
  parse(&d, b);
  rc = d.rc;
cleanup:
  free(text);
  if (rc != 0)
    lg_baseline_free(b);
  else
    *out = b;
  return rc;
}

const bl_entry *lg__bl_find(const lg_baseline *b, const char *name) {
  size_t i;
  if (!b || !name)
    return NULL;
  for (i = 0; i < b->n_entries; i++)
    if (strcmp(b->entries[i].name, name) == 0)
      return &b->entries[i];
  return NULL;
}

size_t lg_baseline_history_len(const lg_baseline *b, const char *scenario) {
  const bl_entry *e = lg__bl_find(b, scenario);
  return e ? e->n_history : 0;
}
