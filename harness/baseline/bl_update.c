/* baseline/bl_update.c - lg_baseline_update: create a baseline file from
 * main-branch results or append them to it, keeping the last K runs.
 *
 * Every result is checked before anything is written: a run that errored,
 * has no growth analysis or no slope, or has no scenario name is refused
 * with a message saying why (a broken main run must never become what pull
 * requests are judged against). The existing file's tree is edited in place
 * (keys this version does not know survive), then replaced atomically.
 * Cost: O(size of the file + results); history trimming is O(K) per run.
 * Owns: the tree, freed before returning. Failure leaves the file as it
 * was.
 */
#include "baseline/bl_int.h"
#include "core/clock.h"
#include "core/fsutil.h"
#include "result/fields.h"
#include "result/json.h"

#include <leakgate/leakgate.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* The allocation site of a leak, "function (file:line)", for people. */
static json_t *site_str(const lg_leak_record *l) {
  const lg_frame *f = lg_leak_site(l);
  char buf[768];
  if (!f)
    return json_null();
  if (f->file && f->line > 0)
    snprintf(buf, sizeof buf, "%s (%s:%d)", f->function ? f->function : "??",
             f->file, f->line);
  else
    snprintf(buf, sizeof buf, "%s", f->function ? f->function : "??");
  return lg__json_str(buf);
}

/* result.json's memcheck scalars (the same table rows), and the loss
 * records by fingerprint with their allocation site. */
static json_t *memcheck_json(const lg_memcheck_result *m, bool *bad) {
  static const char *const keys[] = {"ran", "definitely_lost_bytes",
                                     "indirectly_lost_bytes",
                                     "possibly_lost_bytes", NULL};
  json_t *o = lg__fields_json(&lg__memcheck_fields, m, keys, true, bad);
  json_t *leaks = json_array();
  size_t i;
  if (!o || !leaks) {
    *bad = true;
    json_decref(leaks);
    json_decref(o);
    return NULL;
  }
  for (i = 0; m->ran && i < m->n_leaks; i++) {
    const lg_leak_record *l = &m->leaks[i];
    json_t *e = json_object();
    if (!e) {
      *bad = true;
      break;
    }
    lg__json_put(e, "fingerprint",
                 lg__json_str(l->fingerprint ? l->fingerprint : ""), bad);
    lg__json_put(e, "kind", lg__json_str(l->kind ? l->kind : "unknown"), bad);
    lg__json_put(e, "bytes", lg__json_num(isfinite(l->bytes) ? l->bytes : 0),
                 bad);
    lg__json_put(e, "blocks",
                 l->blocks >= 0 ? json_integer(l->blocks) : json_null(), bad);
    lg__json_put(e, "site", site_str(l), bad);
    lg__json_push(leaks, e, bad);
  }
  lg__json_put(o, "leaks", leaks, bad);
  return o;
}

/* Massif's top sites by growth (at most BL_MAX_SITES), for people reading
 * the file; compare does not gate on them (attribution is advisory). */
static json_t *massif_json(const lg_massif_result *m, bool *bad) {
  static const char *const keys[] = {"ran", "peak_heap_bytes", NULL};
  json_t *o = lg__fields_json(&lg__massif_fields, m, keys, true, bad);
  json_t *sites = json_array();
  bool used[1024]; /* sites beyond the first 1024 are not ranked */
  size_t k, i, n = m->n_sites < 1024 ? m->n_sites : 1024;
  if (!o || !sites) {
    *bad = true;
    json_decref(sites);
    json_decref(o);
    return NULL;
  }
  memset(used, 0, sizeof used);
  /* Selection by repeated maximum: O(BL_MAX_SITES * n), n <= 1024. */
  for (k = 0; m->ran && k < BL_MAX_SITES; k++) {
    const lg_growing_site *best = NULL;
    size_t bi = 0;
    json_t *e;
    for (i = 0; i < n; i++)
      if (!used[i] &&
          (!best || m->growing_sites[i].growth_bytes > best->growth_bytes)) {
        best = &m->growing_sites[i];
        bi = i;
      }
    if (!best)
      break;
    used[bi] = true;
    if (!(e = json_object())) {
      *bad = true;
      break;
    }
    lg__json_put(e, "function", lg__json_str(best->function), bad);
    lg__json_put(e, "file", lg__json_str(best->file), bad);
    lg__json_put(e, "line",
                 best->line > 0 ? json_integer(best->line) : json_null(), bad);
    lg__json_put(e, "growth_bytes", lg__json_num(best->growth_bytes), bad);
    lg__json_put(e, "last_bytes", lg__json_num(best->last_bytes), bad);
    lg__json_push(sites, e, bad);
  }
  lg__json_put(o, "top_sites", sites, bad);
  return o;
}

/* The heap profile's growing sites (the fastest BL_MAX_HEAP_SITES: the
 * result lists them by rate), with the rates compare gates on. A site is
 * written by result.json's own site rows (the same nulls); the fingerprint
 * goes first, as baseline files have it, so two puts keep their key order
 * (the table has it after the line). */
static json_t *heap_profile_json(const lg_heap_profile_result *h, bool *bad) {
  static const char *const keys[] = {"ran", "tool", "period_bytes", "x", NULL};
  static const char *const site_first[] = {"fingerprint", NULL};
  static const char *const site_rest[] = {"function",          "file", "line",
                                          "bytes_per_request", "ci",   NULL};
  const lg_field_table *site = lg__heap_site_records.elem;
  json_t *o = lg__fields_json(&lg__heap_profile_fields, h, keys, true, bad);
  json_t *sites = json_array();
  size_t i;
  if (!o || !sites) {
    *bad = true;
    json_decref(sites);
    json_decref(o);
    return NULL;
  }
  for (i = 0; h->ran && i < h->n_sites && i < BL_MAX_HEAP_SITES; i++) {
    const lg_heap_site *s = &h->growing_sites[i];
    json_t *e = lg__fields_json(site, s, site_first, true, bad);
    if (!e)
      break;
    lg__fields_put(e, site, s, site_rest, true, bad);
    lg__json_push(sites, e, bad);
  }
  lg__json_put(o, "growing_sites", sites, bad);
  return o;
}

/* The machine's CPU count and kernel: baseline update runs in the job that
 * ran the scenario, so they describe the run's machine. */
static json_t *environment_json(const lg_result *r, bool *bad) {
  json_t *o = json_object();
  struct utsname u;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  char kernel[3 * sizeof u.release + 4];
  if (!o) {
    *bad = true;
    return NULL;
  }
  lg__json_put(o, "leakgate_version",
               lg__json_str(r->tool_version ? r->tool_version : lg_version()),
               bad);
  lg__json_put(o, "backend", lg__json_str(r->container.backend), bad);
  lg__json_put(o, "memory_limit_bytes",
               lg__json_num(r->container.memory_limit_bytes), bad);
  lg__json_put(o, "cpus", cpus > 0 ? json_integer(cpus) : json_null(), bad);
  if (uname(&u) == 0) {
    snprintf(kernel, sizeof kernel, "%.64s %.64s %.64s", u.sysname, u.release,
             u.machine);
    lg__json_put(o, "kernel", lg__json_str(kernel), bad);
  } else {
    lg__json_put(o, "kernel", json_null(), bad);
  }
  return o;
}

json_t *lg__bl_run_json(const lg_result *r, const char *now) {
  static const char *const load_keys[] = {"driver", "requests", "duration_s",
                                          "throughput_rps", NULL};
  json_t *o = json_object(), *a, *l;
  bool bad = false;
  if (!o)
    return NULL;
  lg__json_put(o, "timestamp", lg__json_str(now), &bad);
  lg__json_put(o, "verdict", lg__json_str(lg_verdict_name(r->verdict)), &bad);
  lg__json_put(o, "scenario_file", lg__json_str(r->scenario_file), &bad);
  /* result.json's analysis object, plus the level its bounds are at */
  a = lg__json_analysis(&r->analysis, r->has_analysis, &bad);
  if (a)
    lg__json_put(a, "confidence",
                 lg__json_num(lg_analysis_level(&r->analysis, r->confidence)),
                 &bad);
  lg__json_put(o, "analysis", a, &bad);
  l = lg__fields_json(&lg__load_fields, &r->load, load_keys, true, &bad);
  lg__json_put(o, "load", l, &bad);
  lg__json_put(o, "memcheck", memcheck_json(&r->memcheck, &bad), &bad);
  lg__json_put(o, "massif", massif_json(&r->massif, &bad), &bad);
  lg__json_put(o, "heap_profile", heap_profile_json(&r->heap_profile, &bad),
               &bad);
  lg__json_put(o, "environment", environment_json(r, &bad), &bad);
  if (bad) {
    json_decref(o);
    return NULL;
  }
  return o;
}

json_t *lg__bl_point_json(const lg_result *r, const char *now) {
  static const char *const slope_keys[] = {"leak", "slope_bytes_per_request",
                                           "slope_ci", NULL};
  static const char *const used_keys[] = {"samples_used", NULL};
  static const char *const requests_key[] = {"requests", NULL};
  const lg_analysis *a = &r->analysis;
  json_t *o = json_object();
  bool bad = false;
  if (!o)
    return NULL;
  lg__json_put(o, "timestamp", lg__json_str(now), &bad);
  lg__json_put(o, "leakgate_version",
               lg__json_str(r->tool_version ? r->tool_version : lg_version()),
               &bad);
  lg__fields_put(o, &lg__analysis_fields, a, slope_keys, true, &bad);
  lg__json_put(o, "confidence",
               lg__json_num(lg_analysis_level(a, r->confidence)), &bad);
  /* written for every point: update refuses a result without analysis */
  lg__fields_put(o, &lg__analysis_fields, a, used_keys, true, &bad);
  lg__fields_put(o, &lg__load_fields, &r->load, requests_key, true, &bad);
  if (bad) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* Why r cannot become a baseline, or NULL when it can. */
static const char *refusal(const lg_result *r, char *buf, size_t cap) {
  if (!r->scenario_name || !r->scenario_name[0])
    return "it has no scenario name";
  if (r->verdict == LG_VERDICT_ERROR) {
    snprintf(buf, cap,
             "its verdict is error (%s): a broken main-branch run must not "
             "become the baseline; fix the run or keep the old baseline",
             r->error ? r->error : "see its checks");
    return buf;
  }
  if (!r->has_analysis || r->analysis.leak == LG_LEAK_UNKNOWN)
    return "it has no growth analysis to compare pull requests against";
  if (!isfinite(r->analysis.slope))
    return "its growth analysis has no slope (too few samples)";
  if (r->memcheck.ran && r->memcheck.n_leaks > BL_MAX_LEAKS)
    return "it has more than 100000 Memcheck loss records";
  return NULL;
}

/* The entry object of name in scenarios, created when missing; a new run
 * measured on another metric or x axis restarts the history. */
static json_t *entry_for(json_t *scenarios, const lg_result *r) {
  json_t *e = json_object_get(scenarios, r->scenario_name), *a;
  const char *metric = NULL, *x = NULL;
  if (e) {
    a = json_object_get(json_object_get(e, "latest"), "analysis");
    metric = json_string_value(json_object_get(a, "metric"));
    x = json_string_value(json_object_get(a, "x"));
    if (metric && x && strcmp(metric, r->analysis.metric) == 0 &&
        strcmp(x, r->analysis.x) == 0)
      return e;
  }
  e = json_object(); /* "latest" first, for people reading the file */
  if (!e || json_object_set_new(e, "latest", json_null()) != 0 ||
      json_object_set_new(e, "history", json_array()) != 0 ||
      json_object_set_new(scenarios, r->scenario_name, e) != 0)
    return NULL;
  return e;
}

static int add_result(json_t *scenarios, const lg_result *r, size_t keep,
                      const char *now, lg_error *err) {
  json_t *e = entry_for(scenarios, r), *hist, *run, *pt;
  if (!e)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  run = lg__bl_run_json(r, now);
  pt = lg__bl_point_json(r, now);
  if (!run || !pt || json_object_set_new(e, "latest", run) != 0) {
    json_decref(pt);
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  }
  hist = json_object_get(e, "history");
  if (!json_is_array(hist)) {
    hist = json_array();
    if (!hist || json_object_set_new(e, "history", hist) != 0) {
      json_decref(pt);
      return lg_error_set(err, LG_ENOMEM, "out of memory");
    }
  }
  if (json_array_append_new(hist, pt) != 0)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  while (json_array_size(hist) > keep)
    json_array_remove(hist, 0);
  return 0;
}

/* The directory part of path, created if missing (".leakgate/"). */
static int make_parent(const char *path, lg_error *err) {
  const char *slash = strrchr(path, '/');
  char *dir;
  int rc;
  if (!slash || slash == path)
    return 0;
  dir = strndup(path, (size_t)(slash - path));
  if (!dir)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  rc = lg__mkdir_p(dir, err);
  free(dir);
  return rc;
}

int lg_baseline_update(const char *path, const lg_result *const *results,
                       size_t n, size_t keep, lg_error *err) {
  lg_baseline *old = NULL;
  json_t *root = NULL, *scenarios, *tool;
  char now[32], why[LG_ERROR_MSG_MAX / 2], *text = NULL;
  size_t i;
  int rc;

  if (!path || (n > 0 && !results) || keep < 1 || keep > 10000)
    return lg_error_set(err, LG_EUSAGE,
                        "baseline update needs a path, results and a keep "
                        "count from 1 to 10000");
  if (n == 0)
    return lg_error_set(err, LG_EUSAGE, "baseline update needs results");
  for (i = 0; i < n; i++) {
    const char *no = refusal(results[i], why, sizeof why);
    if (no)
      return lg_error_set(
          err, LG_EINPUT, "result %zu of %zu (scenario '%s'%s%s): %s", i + 1, n,
          results[i]->scenario_name ? results[i]->scenario_name : "?",
          results[i]->out_dir ? ", " : "",
          results[i]->out_dir ? results[i]->out_dir : "", no);
  }
  rc = lg_baseline_load(path, &old, err);
  if (rc == LG_ENOENT) {
    lg_error_clear(err);
  } else if (rc != 0) {
    return lg_error_prefix(err, rc, "cannot update the baseline");
  } else if (old->version != LG_BASELINE_VERSION) {
    rc = lg_error_set(err, LG_EINPUT,
                      "%s: baseline_version %ld, this leakgate writes %d: "
                      "refusing to overwrite it (move it aside to start a "
                      "new baseline)",
                      path, old->version, LG_BASELINE_VERSION);
    goto cleanup;
  }
  if (old) {
    root = json_incref(old->root);
  } else if (!(root = json_object()) ||
             json_object_set_new(root, "baseline_version",
                                 json_integer(LG_BASELINE_VERSION)) != 0) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  if (!lg__utc_iso8601(time(NULL), now, sizeof now))
    now[0] = '\0'; /* a clock before 1900 or past year 9999 */
  tool = json_object();
  if (!tool || json_object_set_new(tool, "name", json_string("leakgate")) ||
      json_object_set_new(tool, "version", json_string(lg_version())) ||
      json_object_set_new(root, "tool", tool) ||
      json_object_set_new(root, "updated", json_string(now))) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  scenarios = json_object_get(root, "scenarios");
  if (!scenarios) {
    scenarios = json_object();
    if (!scenarios || json_object_set_new(root, "scenarios", scenarios)) {
      rc = lg_error_set(err, LG_ENOMEM, "out of memory");
      goto cleanup;
    }
  }
  for (i = 0; i < n; i++)
    if ((rc = add_result(scenarios, results[i], keep, now, err)) != 0)
      goto cleanup;
  text = json_dumps(root, LG_JSON_DUMP_FLAGS);
  if (!text) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  if ((rc = make_parent(path, err)) != 0)
    goto cleanup;
  {
    size_t len = strlen(text);
    text[len] = '\n'; /* json_dumps' NUL becomes the final newline */
    rc = lg__write_atomic(path, text, len + 1, err);
  }
cleanup:
  free(text);
  if (root)
    json_decref(root);
  lg_baseline_free(old);
  return rc;
}
