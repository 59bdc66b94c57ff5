/* tests/unit/result_fixtures.h - results built by hand for the result and
 * reporter tests: a leak, a clean pass, an OOM kill, a crash, an
 * inconclusive run, and a Memcheck/Massif/baseline run whose strings need
 * escaping in every format (<, &, ", %, newlines, commas, colons, control
 * characters, invalid UTF-8). Header-only; each builder returns a finished
 * result owned by the caller (lg_result_free).
 */
#ifndef LG_RESULT_FIXTURES_H
#define LG_RESULT_FIXTURES_H

#include <leakgate/result.h>
#include <leakgate/scenario.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FX_REPO "/work/repo"

/* A deterministic series: y = base + slope * x + a bounded wobble. */
static inline void fx_chart(lg_result *r, double slope, size_t n,
                            double x_end) {
  double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
  size_t i;
  for (i = 0; i < n; i++) {
    x[i] = x_end * (double)i / (double)(n - 1);
    /* warm-up bump in the first 20 %, then the slope with a sawtooth */
    y[i] = 40e6 + slope * x[i] + (double)((i * 7919) % 97) * 4096.0 +
           (x[i] < 0.2 * x_end ? 2e6 * x[i] / (0.2 * x_end) : 2e6);
  }
  lg_result_set_chart(r, x, y, n, 400);
  free(x);
  free(y);
}

static inline lg_result *fx_base(const char *name, lg_leak leak, double slope,
                                 double lo, double hi) {
  lg_result *r = lg_result_new();
  lg_analysis *a = &r->analysis;
  r->scenario_name = strdup(name);
  r->scenario_file = strdup("scenarios/items.yaml");
  r->tool_version = strdup("0.1.0");
  r->out_dir = strdup("leakgate-out/items");
  r->confidence = 0.99;
  r->has_analysis = true;
  snprintf(a->metric, sizeof a->metric, "anon_bytes");
  snprintf(a->x, sizeof a->x, "requests");
  a->leak = leak;
  a->slope = slope;
  a->slope_lo = lo;
  a->slope_hi = hi;
  a->slope_per_second = slope * 1500;
  a->tolerance = 16;
  a->mds = 2.5;
  snprintf(a->model, sizeof a->model, "linear");
  a->warmup_x = 20000;
  a->samples_used = 480;
  a->intercept = 42e6;
  a->window_slope = slope;
  a->window_lo = lo;
  a->window_hi = hi;
  a->recent_slope = slope * 1.01;
  a->recent_lo = lo;
  a->recent_hi = hi * 1.1;
  a->recent_from_x = 70000;
  a->rho = 0.42;
  a->sigma = 81920;
  a->floor_bytes = 42e6;
  a->transient_bytes = 390000;
  a->warmup_bytes = 2e6;
  a->x_rate = 1500;
  a->n_models = 2;
  snprintf(a->models[0].name, LG_MODEL_NAME_MAX, "linear");
  a->models[0].bic = -1234.5;
  a->models[0].params[0] = 42e6;
  a->models[0].params[1] = slope;
  a->models[0].params[2] = NAN;
  a->models[0].params[3] = NAN;
  snprintf(a->models[1].name, LG_MODEL_NAME_MAX, "flat");
  a->models[1].bic = -1100.25;
  a->models[1].params[0] = 42e6;
  a->models[1].params[1] = a->models[1].params[2] = a->models[1].params[3] =
      NAN;
  if (slope > 0) {
    a->time_to_limit_s = (268435456.0 - 44e6) / (slope * 1500);
    a->time_to_limit_min_s = (268435456.0 - 44e6) / (hi * 1500);
  }
  snprintf(a->reason, sizeof a->reason,
           "Theil-Sen slope over the window "
           "after warm-up");
  r->load.driver = strdup("http");
  r->load.requests = 100000;
  r->load.errors = 12;
  r->load.duration_s = 66.5;
  r->load.throughput_rps = 1503.76;
  r->load.p50_ms = 0.8;
  r->load.p90_ms = 1.9;
  r->load.p99_ms = 4.25;
  r->load.max_ms = 31;
  r->load.err_connect = 0;
  r->load.err_read = 2;
  r->load.err_write = 0;
  r->load.err_timeout = 10;
  r->load.err_status = 0;
  r->load.err_parse = 0;
  r->load.dropped = 3;
  r->load.message = strdup("12 requests failed: 10 timed out, 2 read errors");
  lg_result_add_phase(&r->load, "warmup", 5000, 0, 5, 1000);
  lg_result_add_phase(&r->load, "steady", 95000, 12, 61.5, NAN);
  r->container.backend = strdup("cgroup-v2");
  r->container.memory_limit_bytes = 268435456;
  r->container.peak_bytes = 52428800;
  r->container.oom_kills = 0;
  r->container.path = strdup("/sys/fs/cgroup/leakgate-1234");
  r->service.exit_status = 0;
  r->service.signal = 0;
  r->service.ready_s = 0.052;
  r->service.stdout_log = strdup("leakgate-out/items/service.stdout");
  r->service.stderr_log = strdup("leakgate-out/items/service.stderr");
  fx_chart(r, slope, 1000, 100000);
  return r;
}

static inline lg_result *fx_pass(void) {
  lg_result *r = fx_base("clean-api", LG_LEAK_NO_LEAK, 0.31, -1.2, 1.9);
  r->analysis.time_to_limit_s = NAN;
  r->analysis.time_to_limit_min_s = NAN;
  lg_result_finish(r);
  return r;
}

static inline lg_result *fx_leak(void) {
  lg_result *r = fx_base("leaky-api", LG_LEAK_LEAK, 64.2, 60.1, 68.3);
  r->max_time_to_limit_s = 86400;
  lg_result_finish(r);
  return r;
}

static inline lg_result *fx_oom(void) {
  lg_result *r = fx_base("oom-hog", LG_LEAK_LEAK, 2048, 1990, 2100);
  r->container.memory_limit_bytes = 67108864;
  r->container.peak_bytes = 67108864;
  r->container.oom_kills = 1;
  r->service.exit_status = -1;
  r->service.signal = 9;
  r->service.crashed = true;
  r->service.oom_killed = true;
  /* 40 MB + 2 KiB per request reaches the 64 MiB limit near 13000 */
  fx_chart(r, 2048, 1000, 13000);
  r->analysis.warmup_x = 2600;
  r->chart.oom_x = 13000;
  r->load.requests = 13000;
  r->load.errors = 4000;
  lg_result_finish(r);
  return r;
}

static inline lg_result *fx_crash(void) {
  lg_result *r = fx_base("crashy-api", LG_LEAK_NO_LEAK, 0.5, -0.5, 1.5);
  r->service.exit_status = -1;
  r->service.signal = 11;
  r->service.crashed = true;
  lg_result_finish(r);
  return r;
}

static inline lg_result *fx_inconclusive(bool passes) {
  lg_result *r = fx_base("short-run", LG_LEAK_INCONCLUSIVE, 10.2, 3.0, 17.4);
  r->analysis.x_needed = 450000;
  r->inconclusive_passes = passes;
  lg_result_finish(r);
  return r;
}

/* Memcheck leaks with hostile strings, Massif sites, a baseline new leak. */
static inline lg_result *fx_memcheck(void) {
  lg_result *r = fx_base("cache <&> \"api\"", LG_LEAK_NO_LEAK, 0.2, -1, 1.4);
  lg_leak_record *l;
  static const double hx[] = {0, 1000, 2000, 3000, 4000, 5000};
  static const double hy[] = {1e6, 1.2e6, 1.5e6, 1.55e6, 1.9e6, 2.2e6};

  r->memcheck.ran = true;
  r->memcheck.enabled = true;
  r->memcheck.definitely_lost_bytes = 4096;
  r->memcheck.indirectly_lost_bytes = 128;
  r->memcheck.possibly_lost_bytes = 0;
  r->memcheck.errors = 0;
  r->memcheck.xml_file = strdup("leakgate-out/items/memcheck.xml");
  l = lg_result_add_leak(&r->memcheck, "definite", 4096, 64,
                         "9f2c4e1ab37d0c55");
  lg_leak_add_frame(l, "malloc", "vg_replace_malloc.c", 381,
                    "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so");
  lg_leak_add_frame(l, "item_new<&\"x\">(100%, a:b)", FX_REPO "/src/items.c",
                    42, "/work/repo/build/items");
  lg_leak_add_frame(l, "handle\nrequest\r", FX_REPO "/src/server,main.c", 7,
                    NULL);
  lg_leak_add_frame(l, "main", FX_REPO "/src/main.c", 120, NULL);
  l = lg_result_add_leak(&r->memcheck, "indirect", 128, 2, "00aa11bb22cc33dd");
  lg_leak_add_frame(l, "strdup", "/usr/include/string.h", 10,
                    "/lib/x86_64-linux-gnu/libc.so.6");
  lg_leak_add_frame(l, "tag\x01set\xff\xfe", FX_REPO "/src/tags.c", 9, NULL);
  l = lg_result_add_leak(&r->memcheck, "definite", 32, 1, "ffee000011112222");
  lg_leak_add_frame(l, "g_malloc", NULL, 0, "/usr/lib/libglib-2.0.so");
  r->memcheck.definitely_lost_bytes = 4128;

  r->massif.ran = true;
  r->massif.enabled = true;
  r->massif.peak_heap_bytes = 2.2e6;
  r->massif.out_file = strdup("leakgate-out/items/massif.out");
  lg_result_add_site(&r->massif, "cache_put", FX_REPO "/src/cache.c", 88, 1e5,
                     1.1e6);
  lg_result_add_site(&r->massif, "log<line>", "/usr/src/other/log.c", 3, 1000,
                     2000);
  lg_result_set_heap(&r->massif, hx, hy, 6);
  r->massif.heap_analysis.leak = LG_LEAK_LEAK;
  snprintf(r->massif.heap_analysis.x, sizeof r->massif.heap_analysis.x,
           "requests");
  snprintf(r->massif.heap_analysis.metric,
           sizeof r->massif.heap_analysis.metric, "heap_bytes");
  r->massif.heap_analysis.slope = 240;
  r->massif.heap_analysis.slope_lo = 200;
  r->massif.heap_analysis.slope_hi = 280;
  r->massif.heap_analysis.samples_used = 6;

  r->baseline.file = strdup(".leakgate/baseline.json");
  r->baseline.verdict = LG_BASELINE_NO_REGRESSION;
  r->baseline.slope_delta = 0.1;
  r->baseline.delta_lo = -1.5;
  r->baseline.delta_hi = 1.7;
  r->baseline.tolerance = 16;
  r->baseline.baseline_slope = 0.1;
  lg_result_add_baseline_leak(&r->baseline, false, "9f2c4e1ab37d0c55");
  lg_result_add_baseline_leak(&r->baseline, true, "00aa11bb22cc33dd");
  lg_result_finish(r);
  return r;
}

/* A heap-profile tier run (not part of fx_all, whose goldens predate it):
 * two growing sites reached through the same handler, one known from the
 * baseline, strings that need escaping. */
static inline lg_result *fx_heap_profile(void) {
  lg_result *r = fx_base("heap <&> api", LG_LEAK_LEAK, 352, 340, 365);
  lg_heap_site *s;
  r->heap_profile.enabled = true;
  r->heap_profile.ran = true;
  r->heap_profile.tool = strdup("sampler");
  r->heap_profile.period_bytes = 524288;
  r->heap_profile.snapshots = 8;
  r->heap_profile.throughput_ratio = 0.97;
  r->heap_profile.x = strdup("requests");
  r->heap_profile.dir = strdup("leakgate-out/items/heap_profile");
  r->heap_profile.samples = 412;
  r->heap_profile.requests = 600000;
  r->heap_profile.sites_analyzed = 3;
  s = lg_result_add_heap_site(&r->heap_profile, "leak_fast<&>",
                              FX_REPO "/src/items.c", 13, "0f79b5e6b3b434c0",
                              272.5, 240.1, 305.2);
  s->samples = 366;
  s->first_bytes = 1e6;
  s->last_bytes = 1.6e8;
  lg_heap_site_add_frame(s, "leak_fast<&>", FX_REPO "/src/items.c", 13,
                         "/work/repo/build/items");
  lg_heap_site_add_frame(s, "on_request", FX_REPO "/src/server.c", 30, NULL);
  lg_heap_site_add_frame(s, "main", FX_REPO "/src/main.c", 9, NULL);
  s = lg_result_add_heap_site(&r->heap_profile, "leak_slow",
                              FX_REPO "/src/items.c", 20, "4d1e7a2b9c0f3e18",
                              32.0, 20.5, 43.1);
  s->samples = 46;
  s->known = true;
  lg_heap_site_add_frame(s, "leak_slow", FX_REPO "/src/items.c", 20, NULL);
  lg_heap_site_add_frame(s, "on_request", FX_REPO "/src/server.c", 31, NULL);
  lg_heap_site_add_frame(s, "main", FX_REPO "/src/main.c", 9, NULL);
  lg_result_finish(r);
  return r;
}

/* A start failure: the service would not start (error, exit 4). */
static inline lg_result *fx_error(void) {
  lg_result *r = lg_result_new();
  r->scenario_name = strdup("broken");
  r->scenario_file = strdup("scenarios/broken.yaml");
  lg_result_set_error(r, LG_ESTART,
                      "service: ./missing-binary: cannot execute: No such "
                      "file or directory");
  lg_result_finish(r);
  return r;
}

/* Every fixture above, in this order, for the combined documents (the
 * caller frees each). */
#define FX_N_ALL 7
static inline void fx_all(lg_result **rs) {
  rs[0] = fx_pass();
  rs[1] = fx_leak();
  rs[2] = fx_oom();
  rs[3] = fx_crash();
  rs[4] = fx_inconclusive(false);
  rs[5] = fx_memcheck();
  rs[6] = fx_error();
}

#endif
