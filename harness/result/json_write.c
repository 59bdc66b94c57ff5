/* result/json_write.c - lg_result -> result.json (schema_version 1) and
 * lg_result_save.
 *
 * Every DESIGN section 2 key is always present; unknown values (NAN, -1
 * counts, NULL strings) are JSON null. Extension keys (docs/result.md) sit
 * beside the contract keys. Integral numbers below 2^53 are written as JSON
 * integers, others with 15 significant digits, which text -> double -> text
 * reproduces exactly (the round-trip test relies on it). Strings that are
 * not valid UTF-8 (function names from a service's binary) have each bad
 * byte replaced by U+FFFD, because JSON text must be UTF-8.
 * Owns: the jansson tree while building; the caller owns *out.
 * Failure: LG_ENOMEM (nothing returned) or the error of lg_write_atomic
 * (the previous file, if any, is left untouched).
 */
#include "core/fsutil.h"
#include "result/fmt.h"
#include "result/json.h"

#include <leakgate/leakgate.h>
#include <leakgate/scenario.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *lg_json_utf8_clean(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  size_t len = strlen(s), i = 0, k = 0;
  char *out = malloc(len * 3 + 1); /* each bad byte becomes 3 bytes */
  if (!out)
    return NULL;
  while (p[i]) {
    unsigned cp;
    size_t n = lg_fmt_utf8_decode(p + i, &cp);
    if (n == 0) {
      memcpy(out + k, "\xEF\xBF\xBD", 3);
      k += 3;
      i++;
    } else {
      memcpy(out + k, p + i, n);
      k += n;
      i += n;
    }
  }
  out[k] = '\0';
  return out;
}

json_t *lg_json_str(const char *s) {
  char *c;
  json_t *j;
  if (!s)
    return json_null();
  j = json_string(s);
  if (j)
    return j;
  c = lg_json_utf8_clean(s);
  j = c ? json_string(c) : NULL;
  free(c);
  return j;
}

json_t *lg_json_num(double v) {
  char buf[40];
  if (!isfinite(v))
    return json_null();
  /* Round to the 15 digits that will be printed first, so a value such as
   * 15299.999999999998 is written (and read back) as the integer 15300. */
  snprintf(buf, sizeof buf, "%.15g", v);
  v = strtod(buf, NULL);
  if (v == floor(v) && fabs(v) < 9007199254740992.0)
    return json_integer((json_int_t)v);
  return json_real(v);
}

static json_t *jcount(int64_t v) {
  return v < 0 ? json_null() : json_integer(v);
}

void lg_json_put(json_t *o, const char *key, json_t *val, bool *bad) {
  if (!val || json_object_set_new(o, key, val) != 0)
    *bad = true;
}

void lg_json_push(json_t *a, json_t *val, bool *bad) {
  if (!val || json_array_append_new(a, val) != 0)
    *bad = true;
}

json_t *lg_json_pair(double lo, double hi, bool *bad) {
  json_t *a = json_array();
  if (!a) {
    *bad = true;
    return NULL;
  }
  lg_json_push(a, lg_json_num(lo), bad);
  lg_json_push(a, lg_json_num(hi), bad);
  return a;
}

static json_t *num_array(const double *v, size_t n, bool *bad) {
  json_t *a = json_array();
  size_t i;
  if (!a) {
    *bad = true;
    return NULL;
  }
  for (i = 0; i < n; i++)
    lg_json_push(a, lg_json_num(v[i]), bad);
  return a;
}

static json_t *str_array(char *const *v, size_t n, bool *bad) {
  json_t *a = json_array();
  size_t i;
  if (!a) {
    *bad = true;
    return NULL;
  }
  for (i = 0; i < n; i++)
    lg_json_push(a, lg_json_str(v[i]), bad);
  return a;
}

json_t *lg_json_analysis(const lg_analysis *a, bool present, bool *bad) {
  json_t *o = json_object(), *models;
  size_t i;
  if (!o) {
    *bad = true;
    return NULL;
  }
  lg_json_put(o, "metric", lg_json_str(a->metric[0] ? a->metric : NULL), bad);
  lg_json_put(o, "x", lg_json_str(a->x[0] ? a->x : NULL), bad);
  lg_json_put(o, "leak",
              a->leak == LG_LEAK_UNKNOWN ? json_null()
                                         : json_string(lg_fmt_leak(a->leak)),
              bad);
  lg_json_put(o, "slope_bytes_per_request", lg_json_num(a->slope), bad);
  lg_json_put(o, "slope_ci", lg_json_pair(a->slope_lo, a->slope_hi, bad), bad);
  lg_json_put(o, "slope_bytes_per_second", lg_json_num(a->slope_per_second),
              bad);
  lg_json_put(o, "tolerance_bytes_per_request", lg_json_num(a->tolerance), bad);
  lg_json_put(o, "mds_bytes_per_request", lg_json_num(a->mds), bad);
  lg_json_put(o, "model", lg_json_str(a->model[0] ? a->model : NULL), bad);
  lg_json_put(o, "warmup_requests", lg_json_num(a->warmup_x), bad);
  lg_json_put(o, "samples_used",
              present ? json_integer((json_int_t)a->samples_used) : json_null(),
              bad);
  lg_json_put(o, "time_to_limit_seconds", lg_json_num(a->time_to_limit_s), bad);
  /* extensions */
  lg_json_put(o, "time_to_limit_min_seconds",
              lg_json_num(a->time_to_limit_min_s), bad);
  lg_json_put(o, "window_slope", lg_json_num(a->window_slope), bad);
  lg_json_put(o, "window_ci", lg_json_pair(a->window_lo, a->window_hi, bad),
              bad);
  lg_json_put(o, "recent_slope", lg_json_num(a->recent_slope), bad);
  lg_json_put(o, "recent_ci", lg_json_pair(a->recent_lo, a->recent_hi, bad),
              bad);
  lg_json_put(o, "recent_from_x", lg_json_num(a->recent_from_x), bad);
  lg_json_put(o, "level_shift_x", lg_json_num(a->level_shift_x), bad);
  lg_json_put(o, "rho", lg_json_num(a->rho), bad);
  lg_json_put(o, "sigma_bytes", lg_json_num(a->sigma), bad);
  lg_json_put(o, "x_needed", lg_json_num(a->x_needed), bad);
  lg_json_put(o, "intercept_bytes", lg_json_num(a->intercept), bad);
  lg_json_put(o, "floor_bytes", lg_json_num(a->floor_bytes), bad);
  lg_json_put(o, "transient_bytes", lg_json_num(a->transient_bytes), bad);
  lg_json_put(o, "warmup_bytes", lg_json_num(a->warmup_bytes), bad);
  lg_json_put(o, "asymptote_bytes", lg_json_num(a->asymptote_bytes), bad);
  lg_json_put(o, "x_rate", lg_json_num(a->x_rate), bad);
  models = json_array();
  if (models) {
    for (i = 0; i < a->n_models && i < 8; i++) {
      json_t *m = json_object();
      if (!m) {
        *bad = true;
        break;
      }
      lg_json_put(m, "name", lg_json_str(a->models[i].name), bad);
      lg_json_put(m, "bic", lg_json_num(a->models[i].bic), bad);
      lg_json_put(m, "params", num_array(a->models[i].params, 4, bad), bad);
      lg_json_push(models, m, bad);
    }
  }
  lg_json_put(o, "models", models, bad);
  lg_json_put(o, "reason", lg_json_str(a->reason[0] ? a->reason : NULL), bad);
  lg_json_put(o, "aggregate",
              lg_json_str(a->aggregate[0] ? a->aggregate : NULL), bad);
  lg_json_put(o, "decided_by",
              lg_json_str(a->decided_by[0] ? a->decided_by : NULL), bad);
  lg_json_put(o, "recent_hinge",
              present ? json_boolean(a->recent_hinge) : json_null(), bad);
  lg_json_put(o, "gc_period_x", lg_json_num(a->gc_period_x), bad);
  lg_json_put(o, "points",
              present ? json_integer((json_int_t)a->points) : json_null(), bad);
  return o;
}

static json_t *load_json(const lg_load_result *l, bool *bad) {
  json_t *o = json_object(), *lat = json_object(), *ek = json_object();
  json_t *ph = json_array();
  size_t i;
  if (!o || !lat || !ek || !ph) {
    json_decref(o);
    json_decref(lat);
    json_decref(ek);
    json_decref(ph);
    *bad = true;
    return NULL;
  }
  lg_json_put(o, "driver", lg_json_str(l->driver), bad);
  lg_json_put(o, "requests", jcount(l->requests), bad);
  lg_json_put(o, "errors", jcount(l->errors), bad);
  lg_json_put(o, "duration_s", lg_json_num(l->duration_s), bad);
  lg_json_put(o, "throughput_rps", lg_json_num(l->throughput_rps), bad);
  lg_json_put(lat, "p50", lg_json_num(l->p50_ms), bad);
  lg_json_put(lat, "p90", lg_json_num(l->p90_ms), bad);
  lg_json_put(lat, "p99", lg_json_num(l->p99_ms), bad);
  lg_json_put(lat, "max", lg_json_num(l->max_ms), bad);
  lg_json_put(o, "latency_ms", lat, bad);
  lg_json_put(ek, "connect", jcount(l->err_connect), bad);
  lg_json_put(ek, "read", jcount(l->err_read), bad);
  lg_json_put(ek, "write", jcount(l->err_write), bad);
  lg_json_put(ek, "timeout", jcount(l->err_timeout), bad);
  lg_json_put(ek, "status", jcount(l->err_status), bad);
  lg_json_put(ek, "parse", jcount(l->err_parse), bad);
  lg_json_put(o, "errors_by_kind", ek, bad);
  lg_json_put(o, "exec_exit_status",
              l->exec_exit_status < 0 ? json_null()
                                      : json_integer(l->exec_exit_status),
              bad);
  for (i = 0; i < l->n_phases; i++) {
    json_t *p = json_object();
    if (!p) {
      *bad = true;
      break;
    }
    lg_json_put(p, "name", lg_json_str(l->phases[i].name), bad);
    lg_json_put(p, "requests", jcount(l->phases[i].requests), bad);
    lg_json_put(p, "errors", jcount(l->phases[i].errors), bad);
    lg_json_put(p, "duration_s", lg_json_num(l->phases[i].duration_s), bad);
    lg_json_put(p, "target_rate", lg_json_num(l->phases[i].target_rate), bad);
    lg_json_push(ph, p, bad);
  }
  lg_json_put(o, "phases", ph, bad);
  lg_json_put(o, "dropped", jcount(l->dropped), bad);
  lg_json_put(o, "message", lg_json_str(l->message), bad);
  return o;
}

static json_t *container_json(const lg_container_result *c, bool *bad) {
  json_t *o = json_object();
  if (!o) {
    *bad = true;
    return NULL;
  }
  lg_json_put(o, "backend", lg_json_str(c->backend), bad);
  lg_json_put(o, "memory_limit_bytes", lg_json_num(c->memory_limit_bytes), bad);
  lg_json_put(o, "peak_bytes", lg_json_num(c->peak_bytes), bad);
  lg_json_put(o, "oom_kills", jcount(c->oom_kills), bad);
  lg_json_put(o, "path", lg_json_str(c->path), bad);
  lg_json_put(o, "note", lg_json_str(c->note), bad);
  return o;
}

static json_t *service_json(const lg_service_result *s, bool *bad) {
  json_t *o = json_object();
  char sig[32];
  if (!o) {
    *bad = true;
    return NULL;
  }
  lg_json_put(o, "exit_status",
              s->exit_status < 0 ? json_null() : json_integer(s->exit_status),
              bad);
  lg_json_put(o, "signal",
              s->signal > 0 ? json_integer(s->signal) : json_null(), bad);
  lg_json_put(o, "crashed", json_boolean(s->crashed), bad);
  lg_json_put(o, "signal_name",
              s->signal > 0
                  ? json_string(lg_fmt_signal(sig, sizeof sig, s->signal))
                  : json_null(),
              bad);
  lg_json_put(o, "oom_killed", json_boolean(s->oom_killed), bad);
  lg_json_put(o, "ready_s", lg_json_num(s->ready_s), bad);
  lg_json_put(o, "stdout_log", lg_json_str(s->stdout_log), bad);
  lg_json_put(o, "stderr_log", lg_json_str(s->stderr_log), bad);
  return o;
}

static const struct {
  unsigned bit;
  const char *name;
} fail_on_names[] = {{LG_FAIL_DEFINITE, "definite"},
                     {LG_FAIL_INDIRECT, "indirect"},
                     {LG_FAIL_POSSIBLE, "possible"},
                     {LG_FAIL_ERRORS, "errors"}};

unsigned lg_json_fail_on_bit(const char *name) {
  size_t i;
  for (i = 0; i < sizeof fail_on_names / sizeof fail_on_names[0]; i++)
    if (strcmp(name, fail_on_names[i].name) == 0)
      return fail_on_names[i].bit;
  return 0;
}

static json_t *memcheck_json(const lg_memcheck_result *m, bool *bad) {
  json_t *o = json_object(), *leaks = json_array(), *fo = json_array();
  size_t i, k;
  if (!o || !leaks || !fo) {
    json_decref(o);
    json_decref(leaks);
    json_decref(fo);
    *bad = true;
    return NULL;
  }
  lg_json_put(o, "ran", json_boolean(m->ran), bad);
  lg_json_put(o, "definitely_lost_bytes", lg_json_num(m->definitely_lost_bytes),
              bad);
  lg_json_put(o, "indirectly_lost_bytes", lg_json_num(m->indirectly_lost_bytes),
              bad);
  lg_json_put(o, "possibly_lost_bytes", lg_json_num(m->possibly_lost_bytes),
              bad);
  lg_json_put(o, "errors", jcount(m->errors), bad);
  for (i = 0; i < m->n_leaks; i++) {
    const lg_leak_record *l = &m->leaks[i];
    json_t *lo = json_object(), *st = json_array();
    if (!lo || !st) {
      json_decref(lo);
      json_decref(st);
      *bad = true;
      break;
    }
    lg_json_put(lo, "kind", lg_json_str(l->kind), bad);
    lg_json_put(lo, "bytes", lg_json_num(l->bytes), bad);
    lg_json_put(lo, "blocks", jcount(l->blocks), bad);
    lg_json_put(lo, "fingerprint", lg_json_str(l->fingerprint), bad);
    for (k = 0; k < l->n_stack; k++) {
      json_t *f = json_object();
      if (!f) {
        *bad = true;
        break;
      }
      lg_json_put(f, "function", lg_json_str(l->stack[k].function), bad);
      lg_json_put(f, "file", lg_json_str(l->stack[k].file), bad);
      lg_json_put(f, "line",
                  l->stack[k].line > 0 ? json_integer(l->stack[k].line)
                                       : json_null(),
                  bad);
      lg_json_put(f, "object", lg_json_str(l->stack[k].object), bad);
      lg_json_push(st, f, bad);
    }
    lg_json_put(lo, "stack", st, bad);
    lg_json_push(leaks, lo, bad);
  }
  lg_json_put(o, "leaks", leaks, bad);
  lg_json_put(o, "enabled", json_boolean(m->enabled), bad);
  for (i = 0; i < sizeof fail_on_names / sizeof fail_on_names[0]; i++)
    if (m->fail_on & fail_on_names[i].bit)
      lg_json_push(fo, json_string(fail_on_names[i].name), bad);
  lg_json_put(o, "fail_on", fo, bad);
  lg_json_put(o, "budget_bytes", lg_json_num(m->budget_bytes), bad);
  lg_json_put(o, "failed", json_boolean(m->failed), bad);
  lg_json_put(o, "xml_file", lg_json_str(m->xml_file), bad);
  lg_json_put(o, "note", lg_json_str(m->note), bad);
  return o;
}

static json_t *massif_json(const lg_massif_result *m, bool *bad) {
  json_t *o = json_object(), *sites = json_array(), *heap = json_object();
  size_t i;
  bool ha;
  if (!o || !sites || !heap) {
    json_decref(o);
    json_decref(sites);
    json_decref(heap);
    *bad = true;
    return NULL;
  }
  lg_json_put(o, "ran", json_boolean(m->ran), bad);
  lg_json_put(o, "peak_heap_bytes", lg_json_num(m->peak_heap_bytes), bad);
  for (i = 0; i < m->n_sites; i++) {
    const lg_growing_site *s = &m->growing_sites[i];
    json_t *so = json_object();
    if (!so) {
      *bad = true;
      break;
    }
    lg_json_put(so, "function", lg_json_str(s->function), bad);
    lg_json_put(so, "file", lg_json_str(s->file), bad);
    lg_json_put(so, "line", s->line > 0 ? json_integer(s->line) : json_null(),
                bad);
    lg_json_put(so, "first_bytes", lg_json_num(s->first_bytes), bad);
    lg_json_put(so, "last_bytes", lg_json_num(s->last_bytes), bad);
    lg_json_put(so, "growth_bytes", lg_json_num(s->growth_bytes), bad);
    lg_json_push(sites, so, bad);
  }
  lg_json_put(o, "growing_sites", sites, bad);
  lg_json_put(o, "enabled", json_boolean(m->enabled), bad);
  lg_json_put(heap, "x", num_array(m->heap_x, m->n_heap, bad), bad);
  lg_json_put(heap, "y", num_array(m->heap_y, m->n_heap, bad), bad);
  lg_json_put(o, "heap", heap, bad);
  ha = m->heap_analysis.leak != LG_LEAK_UNKNOWN ||
       m->heap_analysis.samples_used > 0;
  lg_json_put(o, "heap_analysis",
              ha ? lg_json_analysis(&m->heap_analysis, true, bad) : json_null(),
              bad);
  lg_json_put(o, "out_file", lg_json_str(m->out_file), bad);
  lg_json_put(o, "note", lg_json_str(m->note), bad);
  return o;
}

static json_t *baseline_json(const lg_baseline_result *b, bool *bad) {
  json_t *o = json_object();
  if (!o) {
    *bad = true;
    return NULL;
  }
  lg_json_put(o, "file", lg_json_str(b->file), bad);
  lg_json_put(o, "verdict", json_string(lg_baseline_verdict_name(b->verdict)),
              bad);
  lg_json_put(o, "slope_delta_bytes_per_request", lg_json_num(b->slope_delta),
              bad);
  lg_json_put(o, "delta_ci", lg_json_pair(b->delta_lo, b->delta_hi, bad), bad);
  lg_json_put(o, "new_leaks", str_array(b->new_leaks, b->n_new_leaks, bad),
              bad);
  lg_json_put(o, "known_leaks",
              str_array(b->known_leaks, b->n_known_leaks, bad), bad);
  lg_json_put(o, "baseline_slope_bytes_per_request",
              lg_json_num(b->baseline_slope), bad);
  lg_json_put(o, "history_limit_bytes_per_request",
              lg_json_num(b->history_limit), bad);
  lg_json_put(o, "tolerance_bytes_per_request", lg_json_num(b->tolerance), bad);
  lg_json_put(o, "note", lg_json_str(b->note), bad);
  lg_json_put(o, "grown_leaks",
              str_array(b->grown_leaks, b->n_grown_leaks, bad), bad);
  lg_json_put(o, "baseline_leak",
              b->baseline_leak == LG_LEAK_UNKNOWN
                  ? json_null()
                  : json_string(lg_fmt_leak(b->baseline_leak)),
              bad);
  lg_json_put(o, "missing", json_boolean(b->missing), bad);
  lg_json_put(o, "missing_policy",
              json_string(b->missing_fails ? "fail" : "pass"), bad);
  return o;
}

json_t *lg_result_to_jansson(const lg_result *r) {
  json_t *o = json_object(), *t, *checks;
  bool bad = false;
  size_t i;
  if (!o)
    return NULL;
  lg_json_put(o, "schema_version", json_integer(LG_SCHEMA_VERSION), &bad);
  t = json_object();
  if (t) {
    lg_json_put(t, "name", json_string("leakgate"), &bad);
    lg_json_put(t, "version",
                lg_json_str(r->tool_version ? r->tool_version : lg_version()),
                &bad);
  }
  lg_json_put(o, "tool", t, &bad);
  t = json_object();
  if (t) {
    lg_json_put(t, "name", lg_json_str(r->scenario_name), &bad);
    lg_json_put(t, "file", lg_json_str(r->scenario_file), &bad);
    lg_json_put(t, "profile", lg_json_str(r->scenario_profile), &bad);
  }
  lg_json_put(o, "scenario", t, &bad);
  lg_json_put(o, "verdict", json_string(lg_verdict_name(r->verdict)), &bad);
  lg_json_put(o, "exit_code", json_integer(r->exit_code), &bad);
  lg_json_put(o, "reasons", str_array(r->reasons, r->n_reasons, &bad), &bad);
  checks = json_array();
  for (i = 0; checks && i < r->n_checks; i++) {
    json_t *c = json_object();
    if (!c) {
      bad = true;
      break;
    }
    lg_json_put(c, "name", lg_json_str(r->checks[i].name), &bad);
    lg_json_put(c, "status",
                json_string(lg_check_status_name(r->checks[i].status)), &bad);
    lg_json_put(c, "message", lg_json_str(r->checks[i].message), &bad);
    lg_json_push(checks, c, &bad);
  }
  lg_json_put(o, "checks", checks, &bad);
  lg_json_put(o, "analysis",
              lg_json_analysis(&r->analysis, r->has_analysis, &bad), &bad);
  lg_json_put(o, "load", load_json(&r->load, &bad), &bad);
  lg_json_put(o, "container", container_json(&r->container, &bad), &bad);
  lg_json_put(o, "service", service_json(&r->service, &bad), &bad);
  lg_json_put(o, "memcheck", memcheck_json(&r->memcheck, &bad), &bad);
  lg_json_put(o, "massif", massif_json(&r->massif, &bad), &bad);
  lg_json_put(o, "baseline", baseline_json(&r->baseline, &bad), &bad);
  /* extensions */
  t = json_object();
  if (t) {
    lg_json_put(t, "x", num_array(r->chart.x, r->chart.n, &bad), &bad);
    lg_json_put(t, "y", num_array(r->chart.y, r->chart.n, &bad), &bad);
    lg_json_put(t, "oom_x", lg_json_num(r->chart.oom_x), &bad);
  }
  lg_json_put(o, "chart", t, &bad);
  t = json_object();
  if (t) {
    lg_json_put(t, "on_inconclusive",
                json_string(r->inconclusive_passes ? "pass" : "fail"), &bad);
    lg_json_put(t, "max_time_to_limit_seconds",
                lg_json_num(r->max_time_to_limit_s), &bad);
    lg_json_put(t, "confidence", lg_json_num(r->confidence), &bad);
  }
  lg_json_put(o, "gates", t, &bad);
  if (r->error) {
    t = json_object();
    if (t) {
      lg_json_put(t, "code", json_string(lg_err_name(r->error_code)), &bad);
      lg_json_put(t, "message", lg_json_str(r->error), &bad);
    }
    lg_json_put(o, "error", t, &bad);
  } else {
    lg_json_put(o, "error", json_null(), &bad);
  }
  lg_json_put(o, "interrupted", json_boolean(r->interrupted), &bad);
  lg_json_put(o, "out_dir", lg_json_str(r->out_dir), &bad);
  lg_json_put(o, "started_at", lg_json_str(r->started_at), &bad);
  if (bad) {
    json_decref(o);
    return NULL;
  }
  return o;
}

int lg_result_to_json(const lg_result *r, char **out, size_t *len,
                      lg_error *err) {
  json_t *o = lg_result_to_jansson(r);
  char *s;
  *out = NULL;
  if (!o)
    return lg_error_set(err, LG_ENOMEM, "result.json: out of memory");
  s = json_dumps(o, LG_JSON_DUMP_FLAGS);
  json_decref(o);
  if (!s)
    return lg_error_set(err, LG_ENOMEM, "result.json: out of memory");
  *len = strlen(s);
  /* A trailing newline makes the file friendly to cat and diff. */
  {
    char *t = realloc(s, *len + 2);
    if (!t) {
      free(s);
      return lg_error_set(err, LG_ENOMEM, "result.json: out of memory");
    }
    s = t;
    s[(*len)++] = '\n';
    s[*len] = '\0';
  }
  *out = s;
  return 0;
}

int lg_result_save(const lg_result *r, const char *path, lg_error *err) {
  char *s = NULL;
  size_t len = 0;
  int rc = lg_result_to_json(r, &s, &len, err);
  if (rc == 0)
    rc = lg_write_atomic(path, s, len, err);
  free(s);
  return rc;
}
