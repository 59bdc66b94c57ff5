/* result/json_read.c - result.json -> lg_result (lg_result_from_json,
 * lg_result_load), for compare, merge, report and baseline update.
 *
 * Reads back every field the writer produces, so to_json -> from_json ->
 * to_json is byte-identical. Strict on what it knows, lenient on what it
 * does not: a known key of the wrong type is an LG_EINPUT error naming the
 * file and the key path ("r.json: analysis.slope_ci: expected [lo, hi]");
 * a missing key or null is "unknown"; an unknown key is ignored (schema 1
 * only ever grows). Another schema_version or a non-object is refused.
 * Owns: the jansson tree while reading; *out on success.
 * Failure: *out is NULL and nothing is leaked.
 */
#include "core/fsutil.h"
#include "result/fmt.h"
#include "result/json.h"

#include <leakgate/result.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* result.json files beyond this are refused rather than read whole. */
#define LG_RESULT_FILE_CAP ((size_t)256 << 20)

/* A number inside an array (the caller turns null into NAN first). */
static double num_of(lg_jr *d, const json_t *v, const char *ctx,
                     const char *key) {
  if (!v)
    return NAN;
  if (!json_is_number(v)) {
    lg_jr_bad(d, ctx, key, "a number or null");
    return NAN;
  }
  return json_number_value(v);
}

/* Every key of result.json is optional: missing or null is unknown. */
static double get_num(lg_jr *d, const json_t *o, const char *ctx,
                      const char *key) {
  return lg_jr_num(d, o, ctx, key, false);
}

static int get_int(lg_jr *d, const json_t *o, const char *ctx, const char *key,
                   int dflt) {
  json_t *v = lg_jr_val(o, key);
  if (!v)
    return dflt;
  if (!json_is_integer(v) || json_integer_value(v) < -1000000000 ||
      json_integer_value(v) > 1000000000) {
    lg_jr_bad(d, ctx, key, "an integer or null");
    return dflt;
  }
  return (int)json_integer_value(v);
}

static bool get_bool(lg_jr *d, const json_t *o, const char *ctx,
                     const char *key) {
  return lg_jr_bool(d, o, ctx, key, "true or false");
}

static const char *get_cstr(lg_jr *d, const json_t *o, const char *ctx,
                            const char *key) {
  return lg_jr_str(d, o, ctx, key, false);
}

/* Replace *dst with a copy of the string at key (NULL for null). */
static void get_str(lg_jr *d, const json_t *o, const char *ctx, const char *key,
                    char **dst) {
  const char *s = get_cstr(d, o, ctx, key);
  free(*dst);
  *dst = NULL;
  if (s && !(*dst = strdup(s)))
    lg_jr_oom(d);
}

static void get_buf(lg_jr *d, const json_t *o, const char *ctx, const char *key,
                    char *buf, size_t cap) {
  const char *s = get_cstr(d, o, ctx, key);
  snprintf(buf, cap, "%s", s ? s : "");
}

static void get_pair(lg_jr *d, const json_t *o, const char *ctx,
                     const char *key, double *lo, double *hi) {
  json_t *v = lg_jr_val(o, key);
  *lo = *hi = NAN;
  if (!v)
    return;
  if (!json_is_array(v) || json_array_size(v) != 2) {
    lg_jr_bad(d, ctx, key, "[lo, hi]");
    return;
  }
  {
    json_t *a0 = json_array_get(v, 0), *a1 = json_array_get(v, 1);
    *lo = json_is_null(a0) ? NAN : num_of(d, a0, ctx, key);
    *hi = json_is_null(a1) ? NAN : num_of(d, a1, ctx, key);
  }
}

/* A number array (nulls become NAN) into a new malloc'd array. */
static double *get_nums(lg_jr *d, const json_t *o, const char *ctx,
                        const char *key, size_t *n) {
  json_t *v = lg_jr_val(o, key), *e;
  double *a;
  size_t i;
  *n = 0;
  if (!v)
    return NULL;
  if (!json_is_array(v)) {
    lg_jr_bad(d, ctx, key, "an array of numbers");
    return NULL;
  }
  if (json_array_size(v) == 0)
    return NULL;
  a = malloc(json_array_size(v) * sizeof *a);
  if (!a) {
    lg_jr_oom(d);
    return NULL;
  }
  json_array_foreach(v, i, e) {
    if (json_is_null(e))
      a[i] = NAN;
    else
      a[i] = num_of(d, e, ctx, key);
  }
  *n = json_array_size(v);
  return a;
}

static json_t *get_obj(lg_jr *d, const json_t *o, const char *ctx,
                       const char *key) {
  return lg_jr_obj(d, o, ctx, key, false);
}

static json_t *get_arr(lg_jr *d, const json_t *o, const char *ctx,
                       const char *key) {
  return lg_jr_arr(d, o, ctx, key, "an array");
}

static void read_analysis(lg_jr *d, const json_t *o, const char *ctx,
                          lg_analysis *a, bool *present) {
  const char *leak;
  json_t *models, *m;
  size_t i;
  if (!o)
    return;
  get_buf(d, o, ctx, "metric", a->metric, sizeof a->metric);
  get_buf(d, o, ctx, "x", a->x, sizeof a->x);
  leak = get_cstr(d, o, ctx, "leak");
  if (leak) {
    int l = lg_fmt_leak_parse(leak);
    if (l < 0)
      lg_jr_bad(d, ctx, "leak", "leak, no_leak or inconclusive");
    else
      a->leak = (lg_leak)l;
  }
  a->slope = get_num(d, o, ctx, "slope_bytes_per_request");
  get_pair(d, o, ctx, "slope_ci", &a->slope_lo, &a->slope_hi);
  a->slope_per_second = get_num(d, o, ctx, "slope_bytes_per_second");
  a->tolerance = get_num(d, o, ctx, "tolerance_bytes_per_request");
  a->mds = get_num(d, o, ctx, "mds_bytes_per_request");
  get_buf(d, o, ctx, "model", a->model, sizeof a->model);
  a->warmup_x = get_num(d, o, ctx, "warmup_requests");
  {
    int64_t su = lg_jr_count(d, o, ctx, "samples_used");
    a->samples_used = su < 0 ? 0 : (size_t)su;
    if (present)
      *present = su >= 0;
  }
  a->time_to_limit_s = get_num(d, o, ctx, "time_to_limit_seconds");
  a->time_to_limit_min_s = get_num(d, o, ctx, "time_to_limit_min_seconds");
  a->window_slope = get_num(d, o, ctx, "window_slope");
  get_pair(d, o, ctx, "window_ci", &a->window_lo, &a->window_hi);
  a->recent_slope = get_num(d, o, ctx, "recent_slope");
  get_pair(d, o, ctx, "recent_ci", &a->recent_lo, &a->recent_hi);
  a->recent_from_x = get_num(d, o, ctx, "recent_from_x");
  a->level_shift_x = get_num(d, o, ctx, "level_shift_x");
  a->rho = get_num(d, o, ctx, "rho");
  a->sigma = get_num(d, o, ctx, "sigma_bytes");
  a->x_needed = get_num(d, o, ctx, "x_needed");
  a->intercept = get_num(d, o, ctx, "intercept_bytes");
  a->floor_bytes = get_num(d, o, ctx, "floor_bytes");
  a->transient_bytes = get_num(d, o, ctx, "transient_bytes");
  a->warmup_bytes = get_num(d, o, ctx, "warmup_bytes");
  a->asymptote_bytes = get_num(d, o, ctx, "asymptote_bytes");
  a->x_rate = get_num(d, o, ctx, "x_rate");
  models = get_arr(d, o, ctx, "models");
  a->n_models = 0;
  json_array_foreach(models, i, m) {
    json_t *params;
    size_t k;
    if (i >= 8)
      break;
    if (!json_is_object(m)) {
      lg_jr_bad(d, ctx, "models", "objects {name, bic, params}");
      break;
    }
    get_buf(d, m, "models[]", "name", a->models[i].name,
            sizeof a->models[i].name);
    a->models[i].bic = get_num(d, m, "models[]", "bic");
    params = get_arr(d, m, "models[]", "params");
    for (k = 0; k < 4; k++) {
      json_t *p = params ? json_array_get(params, k) : NULL;
      a->models[i].params[k] =
          p && !json_is_null(p) ? num_of(d, p, "models[]", "params") : NAN;
    }
    a->n_models = i + 1;
  }
  get_buf(d, o, ctx, "reason", a->reason, sizeof a->reason);
  get_buf(d, o, ctx, "aggregate", a->aggregate, sizeof a->aggregate);
  get_buf(d, o, ctx, "decided_by", a->decided_by, sizeof a->decided_by);
  a->recent_hinge = get_bool(d, o, ctx, "recent_hinge");
  a->gc_period_x = get_num(d, o, ctx, "gc_period_x");
  {
    int64_t pts = lg_jr_count(d, o, ctx, "points");
    a->points = pts < 0 ? 0 : (size_t)pts;
  }
}

static void read_load(lg_jr *d, const json_t *o, lg_load_result *l) {
  json_t *lat, *ek, *ph, *p;
  size_t i;
  if (!o)
    return;
  get_str(d, o, "load", "driver", &l->driver);
  l->requests = lg_jr_count(d, o, "load", "requests");
  l->errors = lg_jr_count(d, o, "load", "errors");
  l->duration_s = get_num(d, o, "load", "duration_s");
  l->throughput_rps = get_num(d, o, "load", "throughput_rps");
  lat = get_obj(d, o, "load", "latency_ms");
  l->p50_ms = get_num(d, lat, "load.latency_ms", "p50");
  l->p90_ms = get_num(d, lat, "load.latency_ms", "p90");
  l->p99_ms = get_num(d, lat, "load.latency_ms", "p99");
  l->max_ms = get_num(d, lat, "load.latency_ms", "max");
  ek = get_obj(d, o, "load", "errors_by_kind");
  l->err_connect = lg_jr_count(d, ek, "load.errors_by_kind", "connect");
  l->err_read = lg_jr_count(d, ek, "load.errors_by_kind", "read");
  l->err_write = lg_jr_count(d, ek, "load.errors_by_kind", "write");
  l->err_timeout = lg_jr_count(d, ek, "load.errors_by_kind", "timeout");
  l->err_status = lg_jr_count(d, ek, "load.errors_by_kind", "status");
  l->err_parse = lg_jr_count(d, ek, "load.errors_by_kind", "parse");
  l->exec_exit_status = get_int(d, o, "load", "exec_exit_status", -1);
  l->dropped = lg_jr_count(d, o, "load", "dropped");
  get_str(d, o, "load", "message", &l->message);
  ph = get_arr(d, o, "load", "phases");
  json_array_foreach(ph, i, p) {
    if (d->rc)
      break;
    if (!json_is_object(p)) {
      lg_jr_bad(d, "load", "phases", "objects");
      break;
    }
    if (lg_result_add_phase(l, get_cstr(d, p, "load.phases[]", "name"),
                            lg_jr_count(d, p, "load.phases[]", "requests"),
                            lg_jr_count(d, p, "load.phases[]", "errors"),
                            get_num(d, p, "load.phases[]", "duration_s"),
                            get_num(d, p, "load.phases[]", "target_rate")))
      lg_jr_oom(d);
  }
}

static void read_memcheck(lg_jr *d, const json_t *o, lg_memcheck_result *m) {
  json_t *leaks, *l, *fo, *f;
  size_t i, k;
  if (!o)
    return;
  m->ran = get_bool(d, o, "memcheck", "ran");
  m->definitely_lost_bytes = get_num(d, o, "memcheck", "definitely_lost_bytes");
  m->indirectly_lost_bytes = get_num(d, o, "memcheck", "indirectly_lost_bytes");
  m->possibly_lost_bytes = get_num(d, o, "memcheck", "possibly_lost_bytes");
  m->errors = lg_jr_count(d, o, "memcheck", "errors");
  leaks = get_arr(d, o, "memcheck", "leaks");
  json_array_foreach(leaks, i, l) {
    lg_leak_record *rec;
    json_t *st;
    if (d->rc)
      break;
    if (!json_is_object(l)) {
      lg_jr_bad(d, "memcheck", "leaks", "objects");
      break;
    }
    rec = lg_result_add_leak(m, get_cstr(d, l, "memcheck.leaks[]", "kind"),
                             get_num(d, l, "memcheck.leaks[]", "bytes"),
                             lg_jr_count(d, l, "memcheck.leaks[]", "blocks"),
                             get_cstr(d, l, "memcheck.leaks[]", "fingerprint"));
    if (!rec) {
      lg_jr_oom(d);
      break;
    }
    st = get_arr(d, l, "memcheck.leaks[]", "stack");
    json_array_foreach(st, k, f) {
      if (d->rc)
        break;
      if (!json_is_object(f)) {
        lg_jr_bad(d, "memcheck.leaks[]", "stack", "frame objects");
        break;
      }
      if (lg_leak_add_frame(
              rec, get_cstr(d, f, "memcheck.leaks[].stack[]", "function"),
              get_cstr(d, f, "memcheck.leaks[].stack[]", "file"),
              get_int(d, f, "memcheck.leaks[].stack[]", "line", 0),
              get_cstr(d, f, "memcheck.leaks[].stack[]", "object")))
        lg_jr_oom(d);
    }
  }
  m->enabled = get_bool(d, o, "memcheck", "enabled");
  fo = get_arr(d, o, "memcheck", "fail_on");
  if (fo) {
    m->fail_on = 0;
    json_array_foreach(fo, i, f) {
      unsigned bit =
          json_is_string(f) ? lg_json_fail_on_bit(json_string_value(f)) : 0;
      if (!bit) {
        lg_jr_bad(d, "memcheck", "fail_on",
                  "names among definite, indirect, possible, errors");
        break;
      }
      m->fail_on |= bit;
    }
  }
  m->budget_bytes = get_num(d, o, "memcheck", "budget_bytes");
  m->failed = get_bool(d, o, "memcheck", "failed");
  get_str(d, o, "memcheck", "xml_file", &m->xml_file);
  get_str(d, o, "memcheck", "note", &m->note);
}

static void read_massif(lg_jr *d, const json_t *o, lg_massif_result *m) {
  json_t *sites, *s, *heap;
  size_t i, nx = 0, ny = 0;
  if (!o)
    return;
  m->ran = get_bool(d, o, "massif", "ran");
  m->peak_heap_bytes = get_num(d, o, "massif", "peak_heap_bytes");
  sites = get_arr(d, o, "massif", "growing_sites");
  json_array_foreach(sites, i, s) {
    if (d->rc)
      break;
    if (!json_is_object(s)) {
      lg_jr_bad(d, "massif", "growing_sites", "objects");
      break;
    }
    if (lg_result_add_site(
            m, get_cstr(d, s, "massif.growing_sites[]", "function"),
            get_cstr(d, s, "massif.growing_sites[]", "file"),
            get_int(d, s, "massif.growing_sites[]", "line", 0),
            get_num(d, s, "massif.growing_sites[]", "first_bytes"),
            get_num(d, s, "massif.growing_sites[]", "last_bytes")))
      lg_jr_oom(d);
    else
      m->growing_sites[m->n_sites - 1].growth_bytes =
          get_num(d, s, "massif.growing_sites[]", "growth_bytes");
  }
  m->enabled = get_bool(d, o, "massif", "enabled");
  heap = get_obj(d, o, "massif", "heap");
  free(m->heap_x);
  free(m->heap_y);
  m->heap_x = get_nums(d, heap, "massif.heap", "x", &nx);
  m->heap_y = get_nums(d, heap, "massif.heap", "y", &ny);
  m->n_heap = nx < ny ? nx : ny;
  if (nx != ny)
    lg_jr_bad(d, "massif", "heap", "x and y of the same length");
  read_analysis(d, get_obj(d, o, "massif", "heap_analysis"),
                "massif.heap_analysis", &m->heap_analysis, NULL);
  get_str(d, o, "massif", "out_file", &m->out_file);
  get_str(d, o, "massif", "note", &m->note);
}

static void read_baseline(lg_jr *d, const json_t *o, lg_baseline_result *b) {
  const char *v;
  json_t *arr, *e;
  size_t i;
  if (!o)
    return;
  get_str(d, o, "baseline", "file", &b->file);
  v = get_cstr(d, o, "baseline", "verdict");
  if (v) {
    int bv = lg_baseline_verdict_parse(v);
    if (bv < 0)
      lg_jr_bad(d, "baseline", "verdict",
                "regression, no_regression, inconclusive or none");
    else
      b->verdict = (lg_baseline_verdict)bv;
  }
  b->slope_delta = get_num(d, o, "baseline", "slope_delta_bytes_per_request");
  get_pair(d, o, "baseline", "delta_ci", &b->delta_lo, &b->delta_hi);
  for (int list = 0; list < 3; list++) {
    static const char *const keys[] = {"new_leaks", "known_leaks",
                                       "grown_leaks"};
    const char *key = keys[list];
    arr = get_arr(d, o, "baseline", key);
    json_array_foreach(arr, i, e) {
      int rc;
      if (!json_is_string(e)) {
        lg_jr_bad(d, "baseline", key, "an array of fingerprint strings");
        break;
      }
      rc = list == 2 ? lg_result_add_baseline_grown(b, json_string_value(e))
                     : lg_result_add_baseline_leak(b, list == 1,
                                                   json_string_value(e));
      if (rc)
        lg_jr_oom(d);
    }
  }
  b->baseline_slope =
      get_num(d, o, "baseline", "baseline_slope_bytes_per_request");
  b->history_limit =
      get_num(d, o, "baseline", "history_limit_bytes_per_request");
  b->tolerance = get_num(d, o, "baseline", "tolerance_bytes_per_request");
  get_str(d, o, "baseline", "note", &b->note);
  b->baseline_leak = lg_jr_leak(d, o, "baseline", "baseline_leak");
  b->missing = get_bool(d, o, "baseline", "missing");
  v = get_cstr(d, o, "baseline", "missing_policy");
  if (v && strcmp(v, "pass") != 0 && strcmp(v, "fail") != 0)
    lg_jr_bad(d, "baseline", "missing_policy", "pass, fail or null");
  b->missing_fails = v && strcmp(v, "fail") == 0;
}

static void mark_derived_reasons(lg_result *r);

static void read_top(lg_jr *d, const json_t *root, lg_result *r) {
  json_t *o, *arr, *e, *cx;
  const char *s;
  size_t i, nx = 0, ny = 0;

  o = get_obj(d, root, "", "tool");
  get_str(d, o, "tool", "version", &r->tool_version);
  o = get_obj(d, root, "", "scenario");
  get_str(d, o, "scenario", "name", &r->scenario_name);
  get_str(d, o, "scenario", "file", &r->scenario_file);
  get_str(d, o, "scenario", "profile", &r->scenario_profile);
  s = get_cstr(d, root, "", "verdict");
  if (!s || lg_verdict_parse(s) < 0)
    lg_jr_bad(d, "", "verdict", "one of pass, fail, inconclusive, error");
  else
    r->verdict = (lg_verdict)lg_verdict_parse(s);
  r->exit_code = get_int(d, root, "", "exit_code", -1);
  if (r->exit_code < 0 || r->exit_code > 4)
    lg_jr_bad(d, "", "exit_code", "an integer from 0 to 4");
  arr = get_arr(d, root, "", "reasons");
  json_array_foreach(arr, i, e) {
    if (!json_is_string(e)) {
      lg_jr_bad(d, "", "reasons", "an array of strings");
      break;
    }
    if (lg_result_add_reason(r, "%s", json_string_value(e)))
      lg_jr_oom(d);
  }
  arr = get_arr(d, root, "", "checks");
  json_array_foreach(arr, i, e) {
    const char *nm, *st, *msg;
    if (d->rc)
      break;
    nm = json_is_object(e) ? get_cstr(d, e, "checks[]", "name") : NULL;
    st = json_is_object(e) ? get_cstr(d, e, "checks[]", "status") : NULL;
    msg = json_is_object(e) ? get_cstr(d, e, "checks[]", "message") : NULL;
    if (!nm || lg_check_status_parse(st) < 0) {
      lg_jr_bad(d, "", "checks",
                "objects {name, status (pass|fail|inconclusive|error|skipped), "
                "message}");
      break;
    }
    if (lg_result_add_check(r, nm, (lg_check_status)lg_check_status_parse(st),
                            "%s", msg ? msg : ""))
      lg_jr_oom(d);
    else
      r->checks[r->n_checks - 1].derived = lg_result_check_is_finish_name(nm);
  }
  read_analysis(d, get_obj(d, root, "", "analysis"), "analysis", &r->analysis,
                &r->has_analysis);
  read_load(d, get_obj(d, root, "", "load"), &r->load);
  o = get_obj(d, root, "", "container");
  if (o) {
    get_str(d, o, "container", "backend", &r->container.backend);
    r->container.memory_limit_bytes =
        get_num(d, o, "container", "memory_limit_bytes");
    r->container.peak_bytes = get_num(d, o, "container", "peak_bytes");
    r->container.oom_kills = lg_jr_count(d, o, "container", "oom_kills");
    get_str(d, o, "container", "path", &r->container.path);
    get_str(d, o, "container", "note", &r->container.note);
  }
  o = get_obj(d, root, "", "service");
  if (o) {
    r->service.exit_status = get_int(d, o, "service", "exit_status", -1);
    r->service.signal = get_int(d, o, "service", "signal", 0);
    r->service.crashed = get_bool(d, o, "service", "crashed");
    r->service.oom_killed = get_bool(d, o, "service", "oom_killed");
    r->service.ready_s = get_num(d, o, "service", "ready_s");
    get_str(d, o, "service", "stdout_log", &r->service.stdout_log);
    get_str(d, o, "service", "stderr_log", &r->service.stderr_log);
  }
  read_memcheck(d, get_obj(d, root, "", "memcheck"), &r->memcheck);
  read_massif(d, get_obj(d, root, "", "massif"), &r->massif);
  read_baseline(d, get_obj(d, root, "", "baseline"), &r->baseline);
  cx = get_obj(d, root, "", "chart");
  if (cx) {
    r->chart.x = get_nums(d, cx, "chart", "x", &nx);
    r->chart.y = get_nums(d, cx, "chart", "y", &ny);
    r->chart.n = nx < ny ? nx : ny;
    if (nx != ny)
      lg_jr_bad(d, "chart", "x", "x and y of the same length");
    r->chart.oom_x = get_num(d, cx, "chart", "oom_x");
  }
  o = get_obj(d, root, "", "gates");
  if (o) {
    s = get_cstr(d, o, "gates", "on_inconclusive");
    if (s && strcmp(s, "pass") != 0 && strcmp(s, "fail") != 0)
      lg_jr_bad(d, "gates", "on_inconclusive", "pass or fail");
    r->inconclusive_passes = s && strcmp(s, "pass") == 0;
    r->max_time_to_limit_s =
        get_num(d, o, "gates", "max_time_to_limit_seconds");
    r->confidence = get_num(d, o, "gates", "confidence");
  }
  o = get_obj(d, root, "", "error");
  if (o) {
    const char *code = get_cstr(d, o, "error", "code");
    int c = LG_EIO;
#define LG_XX_PARSE(name, value, exit, msg)                                    \
  if (code && strcmp(code, #name) == 0)                                        \
    c = LG_##name;
    LG_ERRNO_MAP(LG_XX_PARSE)
#undef LG_XX_PARSE
    get_str(d, o, "error", "message", &r->error);
    if (!r->error && !(r->error = strdup(lg_strerror(c))))
      lg_jr_oom(d);
    r->error_code = c;
  }
  r->interrupted = get_bool(d, root, "", "interrupted");
  get_str(d, root, "", "out_dir", &r->out_dir);
  get_str(d, root, "", "started_at", &r->started_at);
}

/* One result from its parsed JSON object (root is borrowed). */
static int from_root(const char *name, json_t *root, lg_result **out,
                     lg_error *err) {
  json_t *sv;
  lg_result *r = NULL;
  lg_jr d = {name, err, 0};

  *out = NULL;
  if (!json_is_object(root))
    return lg_error_set(err, LG_EINPUT,
                        "%s: not a leakgate result (the top level is not a "
                        "JSON object)",
                        name);
  sv = json_object_get(root, "schema_version");
  if (!json_is_integer(sv))
    return lg_error_set(err, LG_EINPUT,
                        "%s: not a leakgate result (no integer "
                        "schema_version)",
                        name);
  if (json_integer_value(sv) != LG_SCHEMA_VERSION)
    return lg_error_set(err, LG_EINPUT,
                        "%s: schema_version %lld is not supported (this "
                        "leakgate reads schema_version %d)",
                        name, (long long)json_integer_value(sv),
                        LG_SCHEMA_VERSION);
  r = lg_result_new();
  if (!r) {
    lg_jr_oom(&d);
    return d.rc;
  }
  read_top(&d, root, r);
  if (d.rc == 0)
    mark_derived_reasons(r);
  if (d.rc == 0) {
    *out = r;
    r = NULL;
  }
  lg_result_free(r);
  return d.rc;
}

static json_t *parse(const char *name, const char *text, size_t len,
                     lg_error *err) {
  json_error_t je;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (!root)
    lg_error_set(err, LG_EINPUT, "%s:%d:%d: not valid JSON: %s", name, je.line,
                 je.column, je.text);
  return root;
}

static bool combined(const json_t *root) {
  return json_is_object(root) &&
         json_is_array(json_object_get(root, "results"));
}

int lg_result_from_json(const char *name, const char *text, size_t len,
                        lg_result **out, lg_error *err) {
  json_t *root;
  int rc;

  *out = NULL;
  if (!name)
    name = "result.json";
  if (!(root = parse(name, text, len, err)))
    return LG_EINPUT;
  if (combined(root))
    rc = lg_error_set(err, LG_EINPUT,
                      "%s: a combined document of %zu results (written by "
                      "--json for several scenarios or by merge); pass the "
                      "per-scenario result.json files, or read it with "
                      "lg_result_load_all",
                      name, json_array_size(json_object_get(root, "results")));
  else
    rc = from_root(name, root, out, err);
  json_decref(root);
  return rc;
}

int lg_result_load_all(const char *path, lg_result ***out, size_t *n,
                       lg_error *err) {
  char *text = NULL, name[600];
  size_t len = 0, i, count = 1;
  json_t *root = NULL, *arr = NULL;
  lg_result **v = NULL;
  int rc;

  *out = NULL;
  *n = 0;
  if ((rc = lg_read_file(path, LG_RESULT_FILE_CAP, &text, &len, err)))
    goto cleanup;
  if (!(root = parse(path, text, len, err))) {
    rc = LG_EINPUT;
    goto cleanup;
  }
  if (combined(root)) {
    arr = json_object_get(root, "results");
    count = json_array_size(arr);
    if (count == 0) {
      rc = lg_error_set(err, LG_EINPUT,
                        "%s: a combined document with no "
                        "results",
                        path);
      goto cleanup;
    }
  }
  if (!(v = calloc(count, sizeof *v))) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  for (i = 0; i < count; i++) {
    /* Messages name the element: "merged.json: results[2]: ...". */
    if (arr)
      snprintf(name, sizeof name, "%.500s: results[%zu]", path, i);
    if ((rc = from_root(arr ? name : path, arr ? json_array_get(arr, i) : root,
                        &v[i], err)))
      goto cleanup;
  }
  *out = v;
  *n = count;
  v = NULL;
cleanup:
  for (i = 0; v && i < count; i++)
    lg_result_free(v[i]);
  free(v);
  json_decref(root);
  free(text);
  return rc;
}

/* Whether reason s is one lg_result_finish derives from r as read. */
static bool derived_reason(const lg_result *r, const char *s) {
  size_t i, n;
  if (strcmp(s, "interrupted") == 0 || (r->error && strcmp(s, r->error) == 0) ||
      strcmp(s, "inconclusive treated as a pass "
                "(analysis.on_inconclusive: pass)") == 0)
    return true;
  for (i = 0; i < r->n_checks; i++) {
    const lg_check *c = &r->checks[i];
    n = strlen(c->name);
    if (c->derived && strncmp(s, c->name, n) == 0 && s[n] == ':' &&
        s[n + 1] == ' ' && strcmp(s + n + 2, c->message) == 0)
      return true;
  }
  return false;
}

/* finish writes its derived reasons first, then the ones modules added:
 * the leading run that finish derived is marked so, so finishing the result
 * again (compare, report) replaces them instead of keeping stale ones (a
 * growth failure a baseline later made known). */
static void mark_derived_reasons(lg_result *r) {
  size_t i = 0;
  while (i < r->n_reasons && derived_reason(r, r->reasons[i]))
    i++;
  r->n_derived_reasons = i;
}

int lg_result_load(const char *path, lg_result **out, lg_error *err) {
  char *text = NULL;
  size_t len = 0;
  int rc;
  *out = NULL;
  rc = lg_read_file(path, LG_RESULT_FILE_CAP, &text, &len, err);
  if (rc == 0)
    rc = lg_result_from_json(path, text, len, out, err);
  free(text);
  return rc;
}
