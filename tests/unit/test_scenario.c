/* Unit tests for the scenario loader (harness/scenario/): valid files with
 * every field checked, defaults, --set overrides, profiles, warnings, and the
 * data-driven bad-input corpus of tests/data/bad/ (see its README.md). */
#include "lg_test.h"

#include <dirent.h>
#include <leakgate/scenario.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static lg_scenario *load_ok(const char *rel, const char *const *ov, size_t n) {
  char path[PATH_MAX];
  lg_scenario *sc = NULL;
  lg_error e = {0};
  int rc = lg_scenario_load(lg_test_src(rel, path, sizeof path), ov, n, &sc, &e);
  ck_assert_msg(rc == 0, "%s: %s", rel, e.msg);
  ck_assert_ptr_nonnull(sc);
  return sc;
}

/* Load rel with overrides and return the error message (static buffer). */
static const char *load_err(const char *rel, const char *const *ov, size_t n,
                            int *code) {
  static lg_error e;
  char path[PATH_MAX];
  lg_scenario *sc = NULL;
  int rc = lg_scenario_load(lg_test_src(rel, path, sizeof path), ov, n, &sc, &e);
  ck_assert_msg(rc != 0, "%s loaded but should not", rel);
  ck_assert_ptr_null(sc);
  if (code)
    *code = rc;
  return e.msg;
}

static const char *src_path(const char *rel) {
  static char buf[PATH_MAX], real[PATH_MAX];
  ck_assert_ptr_nonnull(realpath(lg_test_src(rel, buf, sizeof buf), real));
  return real;
}

#define ck_double(a, b) ck_assert_msg(fabs((a) - (b)) < 1e-9, "%g != %g", (double)(a), (double)(b))

START_TEST(full_design_example) {
  lg_scenario *sc = load_ok("tests/data/scenarios/full.yaml", NULL, 0);
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", src_path("tests/data/scenarios"));
  ck_assert_int_eq(sc->version, 1);
  ck_assert_str_eq(sc->name, "items-api");
  ck_assert_str_eq(sc->dir, dir);
  ck_assert_ptr_nonnull(strstr(sc->file, "tests/data/scenarios/full.yaml"));
  /* service */
  ck_assert_uint_eq(sc->service.argc, 3);
  ck_assert_str_eq(sc->service.argv[0], "./build/tests/fixtures/leaky_http");
  ck_assert_str_eq(sc->service.argv[1], "--port");
  ck_assert_str_eq(sc->service.argv[2], "{{port}}");
  ck_assert_ptr_null(sc->service.argv[3]);
  ck_assert(!sc->service.shell);
  ck_assert_uint_eq(sc->service.n_env, 1);
  ck_assert_str_eq(sc->service.env[0].key, "LEAK_BYTES");
  ck_assert_str_eq(sc->service.env[0].value, "64");
  ck_assert_str_eq(sc->service.cwd, dir);
  ck_assert_int_eq(sc->service.ready.kind, LG_READY_TCP);
  ck_assert_str_eq(sc->service.ready.target, "127.0.0.1:{{port}}");
  ck_double(sc->service.ready.timeout_s, 10);
  ck_assert_int_eq(sc->service.stop_signal, SIGTERM);
  ck_double(sc->service.stop_timeout_s, 10);
  /* container */
  ck_assert_int_eq(sc->container.backend, LG_BACKEND_AUTO);
  ck_assert_uint_eq(sc->container.memory_bytes, 256u << 20);
  ck_assert_uint_eq(sc->container.swap_bytes, 0);
  ck_assert_ptr_null(sc->container.image);
  ck_assert_ptr_null(sc->container.rootfs);
  /* load */
  ck_assert_int_eq(sc->load.driver, LG_DRIVER_HTTP);
  ck_assert_int_eq(sc->load.connections, 16);
  ck_assert_int_eq(sc->load.threads, 1);
  ck_assert_str_eq(sc->load.url, "http://127.0.0.1:{{port}}/items/{{seq}}");
  ck_assert_str_eq(sc->load.method, "GET");
  ck_assert_uint_eq(sc->load.n_headers, 1);
  ck_assert_str_eq(sc->load.headers[0].key, "Accept");
  ck_assert_str_eq(sc->load.headers[0].value, "application/json");
  ck_assert_str_eq(sc->load.body, "");
  ck_assert_uint_eq(sc->load.body_len, 0);
  ck_assert_uint_eq(sc->load.n_flow, 1);
  ck_assert_str_eq(sc->load.flow[0].send, "set k{{seq % 1000}} 0 0 5\r\nhello\r\n");
  ck_assert_uint_eq(sc->load.flow[0].send_len, strlen(sc->load.flow[0].send));
  ck_assert_str_eq(sc->load.flow[0].expect, "\r\n");
  ck_assert_uint_eq(sc->load.flow[0].expect_len, 2);
  ck_assert_str_eq(sc->load.address, "127.0.0.1:{{port}}");
  ck_assert_uint_eq(sc->load.n_command, 4);
  ck_assert_str_eq(sc->load.command[0], "wrk");
  ck_assert_str_eq(sc->load.command[3], "http://127.0.0.1:{{port}}/");
  ck_assert_ptr_null(sc->load.command[4]);
  ck_assert_uint_eq(sc->load.n_phases, 4);
  ck_assert_str_eq(sc->load.phases[0].name, "warmup");
  ck_double(sc->load.phases[0].duration_s, 5);
  ck_double(sc->load.phases[0].rate, 1000);
  ck_assert(isnan(sc->load.phases[0].ramp_to));
  ck_assert_str_eq(sc->load.phases[1].name, "steady");
  ck_double(sc->load.phases[1].duration_s, 60);
  ck_assert(isnan(sc->load.phases[1].rate));
  ck_assert_str_eq(sc->load.phases[2].name, "ramp");
  ck_double(sc->load.phases[2].rate, 100);
  ck_double(sc->load.phases[2].ramp_to, 5000);
  ck_assert_str_eq(sc->load.phases[3].name, "quiet");
  ck_double(sc->load.phases[3].rate, 0);
  ck_double(sc->load.timeout_s, 5);
  ck_assert_uint_eq(sc->load.seed, 1);
  ck_double(lg_scenario_duration(sc), 80);
  /* sampling, analysis */
  ck_double(sc->sampling_interval_s, 0.1);
  ck_assert_int_eq(sc->analysis.metric, LG_METRIC_ANON);
  ck_double(sc->analysis.tolerance_bytes, 16);
  ck_double(sc->analysis.warmup_fraction, 0.2);
  ck_double(sc->analysis.confidence, 0.99);
  ck_assert(!sc->analysis.inconclusive_passes);
  ck_double(sc->analysis.max_time_to_limit_s, 86400);
  /* valgrind */
  ck_assert_int_eq(sc->valgrind.mode, LG_VG_ALWAYS);
  ck_assert(!sc->valgrind.memcheck);
  ck_double(sc->valgrind.memcheck_load.fraction, 0.02);
  ck_assert_uint_eq(sc->valgrind.memcheck_load.requests, 0);
  ck_assert_uint_eq(sc->valgrind.n_suppressions, 0);
  ck_assert_uint_eq(sc->valgrind.fail_on, LG_FAIL_DEFINITE | LG_FAIL_INDIRECT);
  ck_assert(isnan(sc->valgrind.memcheck_budget_bytes));
  ck_assert(!sc->valgrind.massif);
  ck_double(sc->valgrind.massif_load.fraction, 0.10);
  ck_assert_int_eq(sc->valgrind.massif_snapshots, 20);
  /* baseline, profiles */
  ck_assert_str_eq(sc->baseline.file, ".leakgate/baseline.json");
  ck_double(sc->baseline.tolerance_bytes, 16);
  ck_assert(sc->baseline.tolerance_explicit);
  ck_assert(!sc->baseline.missing_fails);
  ck_assert_uint_eq(sc->n_profiles, 0);
  ck_assert_ptr_null(sc->profile);
  /* keys the http driver does not read are reported, in key order */
  ck_assert_uint_eq(sc->n_warnings, 3);
  ck_assert_ptr_nonnull(strstr(sc->warnings[0], "full.yaml:24:5: load.flow: ignored by the http driver"));
  ck_assert_ptr_nonnull(strstr(sc->warnings[1], "full.yaml:25:12: load.address: ignored by the http driver"));
  ck_assert_ptr_nonnull(strstr(sc->warnings[2], "full.yaml:26:12: load.command: ignored by the http driver"));
  lg_scenario_free(sc);
}
END_TEST

/* The defaults of scenario.h, from the minimal http file. */
START_TEST(defaults) {
  lg_scenario *sc = load_ok("tests/data/scenarios/minimal-http.yaml", NULL, 0);
  ck_assert_str_eq(sc->service.cwd, src_path("tests/data/scenarios"));
  ck_assert_uint_eq(sc->service.n_env, 0);
  ck_assert_int_eq(sc->service.ready.kind, LG_READY_NONE);
  ck_assert_ptr_null(sc->service.ready.target);
  ck_double(sc->service.ready.timeout_s, 10);
  ck_assert_int_eq(sc->service.stop_signal, SIGTERM);
  ck_double(sc->service.stop_timeout_s, 10);
  ck_assert_int_eq(sc->container.backend, LG_BACKEND_AUTO);
  ck_assert_uint_eq(sc->container.memory_bytes, 512u << 20);
  ck_assert_uint_eq(sc->container.swap_bytes, 0);
  ck_assert_int_eq(sc->load.connections, 8);
  ck_assert_int_eq(sc->load.threads, 1);
  ck_assert_str_eq(sc->load.method, "GET");
  ck_assert_ptr_null(sc->load.body);
  ck_assert_uint_eq(sc->load.n_headers, 0);
  ck_double(sc->load.timeout_s, 5);
  ck_assert_uint_eq(sc->load.seed, 1);
  ck_double(sc->sampling_interval_s, 0.1);
  ck_assert_int_eq(sc->analysis.metric, LG_METRIC_ANON);
  ck_double(sc->analysis.tolerance_bytes, 16);
  ck_double(sc->analysis.warmup_fraction, 0.2);
  ck_double(sc->analysis.confidence, 0.99);
  ck_assert(!sc->analysis.inconclusive_passes);
  ck_assert(isnan(sc->analysis.max_time_to_limit_s));
  ck_assert_int_eq(sc->valgrind.mode, LG_VG_ALWAYS);
  ck_assert(!sc->valgrind.memcheck && !sc->valgrind.massif);
  ck_double(sc->valgrind.memcheck_load.fraction, 0.02);
  ck_double(sc->valgrind.massif_load.fraction, 0.10);
  ck_assert_int_eq(sc->valgrind.massif_snapshots, 20);
  ck_assert_uint_eq(sc->valgrind.fail_on, LG_FAIL_DEFINITE | LG_FAIL_INDIRECT);
  ck_assert_ptr_null(sc->baseline.file);
  ck_double(sc->baseline.tolerance_bytes, 16);
  ck_assert(!sc->baseline.tolerance_explicit && !sc->baseline.missing_fails);
  ck_assert_uint_eq(sc->n_warnings, 0);
  lg_scenario_free(sc);
}
END_TEST

START_TEST(minimal_per_driver) {
  lg_scenario *sc = load_ok("tests/data/scenarios/minimal-tcp.yaml", NULL, 0);
  ck_assert_int_eq(sc->load.driver, LG_DRIVER_TCP);
  ck_assert_str_eq(sc->load.address, "127.0.0.1:{{port}}");
  ck_assert_uint_eq(sc->load.n_flow, 2);
  ck_assert_str_eq(sc->load.flow[1].send, "get k{{rand 1000}}\r\n");
  ck_assert_str_eq(sc->load.flow[1].expect, "END\r\n");
  ck_assert_ptr_null(sc->load.url);
  ck_assert_uint_eq(sc->n_warnings, 0);
  lg_scenario_free(sc);

  sc = load_ok("tests/data/scenarios/minimal-stdin.yaml", NULL, 0);
  ck_assert_int_eq(sc->load.driver, LG_DRIVER_STDIN);
  ck_assert_uint_eq(sc->load.n_flow, 1);
  ck_assert_str_eq(sc->load.flow[0].expect, "\n");
  ck_double(sc->load.phases[0].rate, 200);
  ck_assert_uint_eq(sc->n_warnings, 0);
  lg_scenario_free(sc);

  sc = load_ok("tests/data/scenarios/minimal-exec.yaml", NULL, 0);
  ck_assert_int_eq(sc->load.driver, LG_DRIVER_EXEC);
  ck_assert_uint_eq(sc->load.n_command, 5);
  ck_assert_str_eq(sc->load.command[4], "http://127.0.0.1:{{port}}/");
  ck_assert_int_eq(sc->service.ready.kind, LG_READY_HTTP);
  ck_assert_str_eq(sc->service.ready.target, "http://127.0.0.1:{{port}}/");
  ck_assert_uint_eq(sc->n_warnings, 0);
  /* No analysis section: an exec scenario written before
   * tolerance_per_second existed still loads; the run derives one. */
  ck_assert(isnan(sc->analysis.tolerance_per_second));
  lg_scenario_free(sc);
}
END_TEST

START_TEST(extension_keys) {
  lg_scenario *sc = load_ok("tests/data/scenarios/extensions.yaml", NULL, 0);
  char want[PATH_MAX];
  ck_assert_str_eq(sc->name, "ext.case_1");
  ck_assert(sc->service.shell);
  ck_assert_uint_eq(sc->service.argc, 1);
  ck_assert_str_eq(sc->service.argv[0], "exec ./build/tests/fixtures/leaky_http --port {{port}}");
  ck_assert_ptr_null(sc->service.argv[1]);
  ck_assert_uint_eq(sc->service.n_env, 3);
  ck_assert_str_eq(sc->service.env[0].value, "128");
  ck_assert_str_eq(sc->service.env[1].key, "EMPTY");
  ck_assert_str_eq(sc->service.env[1].value, "");
  ck_assert_str_eq(sc->service.env[2].value, "{{port}}");
  ck_assert_str_eq(sc->service.cwd, src_path("."));
  ck_assert_int_eq(sc->service.ready.kind, LG_READY_LOG);
  ck_assert_str_eq(sc->service.ready.target, "listening on port [0-9]+");
  ck_double(sc->service.ready.timeout_s, 2.5);
  ck_assert_int_eq(sc->service.stop_signal, SIGINT);
  ck_double(sc->service.stop_timeout_s, 0);
  ck_assert_int_eq(sc->container.backend, LG_BACKEND_PODMAN);
  ck_assert_uint_eq(sc->container.memory_bytes, 1u << 30);
  ck_assert_uint_eq(sc->container.swap_bytes, 16u << 20);
  ck_assert_str_eq(sc->container.image, "docker.io/library/debian:stable");
  snprintf(want, sizeof want, "%s/rootfs", src_path("tests/data/scenarios"));
  ck_assert_str_eq(sc->container.rootfs, want);
  ck_assert_int_eq(sc->load.connections, 64);
  ck_assert_int_eq(sc->load.threads, 4);
  ck_assert_str_eq(sc->load.method, "POST");
  ck_assert_uint_eq(sc->load.n_headers, 2);
  ck_assert_str_eq(sc->load.headers[1].key, "X-Request");
  ck_assert_str_eq(sc->load.headers[1].value, "r{{seq}}");
  ck_assert_str_eq(sc->load.body, "{\"id\": {{seq}}, \"k\": \"{{rand 50}}\"}");
  ck_double(sc->load.timeout_s, 0.25);
  ck_assert(sc->load.seed == UINT64_MAX);
  ck_assert_str_eq(sc->load.phases[0].name, "warm up");
  ck_double(sc->load.phases[0].duration_s, 90);
  ck_double(sc->load.phases[0].rate, 2500);
  ck_double(sc->load.phases[1].duration_s, 3600);
  ck_double(sc->load.phases[1].rate, 500);
  ck_double(sc->load.phases[1].ramp_to, 1000);
  ck_double(sc->sampling_interval_s, 0.01);
  ck_assert_int_eq(sc->analysis.metric, LG_METRIC_PSS);
  ck_double(sc->analysis.tolerance_bytes, 0.5);
  ck_double(sc->analysis.warmup_fraction, 0);
  ck_double(sc->analysis.confidence, 0.9);
  ck_assert(sc->analysis.inconclusive_passes);
  ck_assert_int_eq(sc->valgrind.mode, LG_VG_ON_SUSPICION);
  ck_assert(sc->valgrind.memcheck);
  ck_assert(isnan(sc->valgrind.memcheck_load.fraction));
  ck_assert_uint_eq(sc->valgrind.memcheck_load.requests, 500);
  ck_assert_uint_eq(sc->valgrind.n_suppressions, 2);
  snprintf(want, sizeof want, "%s/valgrind/local.supp", src_path("tests/data/scenarios"));
  ck_assert_str_eq(sc->valgrind.suppressions[0], want);
  ck_assert_str_eq(sc->valgrind.suppressions[1], "/etc/valgrind/system.supp");
  ck_assert_uint_eq(sc->valgrind.fail_on, LG_FAIL_POSSIBLE | LG_FAIL_ERRORS);
  ck_double(sc->valgrind.memcheck_budget_bytes, 1024);
  ck_assert(sc->valgrind.massif);
  ck_double(sc->valgrind.massif_load.fraction, 0.25);
  ck_assert_int_eq(sc->valgrind.massif_snapshots, 50);
  ck_assert_str_eq(sc->baseline.file, ".leakgate/baseline.json");
  ck_assert(sc->baseline.missing_fails);
  ck_assert(!sc->baseline.tolerance_explicit);
  ck_double(sc->baseline.tolerance_bytes, 0.5);
  ck_assert_uint_eq(sc->n_profiles, 3);
  ck_assert_str_eq(sc->profiles[0].name, "quick");
  ck_double(sc->profiles[0].duration_scale, 0.1);
  ck_assert(isnan(sc->profiles[0].tolerance_bytes));
  ck_double(sc->profiles[1].tolerance_bytes, 2);
  ck_double(sc->profiles[2].duration_scale, 1);
  ck_assert_uint_eq(sc->n_warnings, 0);
  lg_scenario_free(sc);
}
END_TEST

START_TEST(overrides) {
  static const char *const ov[] = {
      "load.connections=32",         "analysis.tolerance=8B",
      "load.phases.1.rate=500",      "load.phases[2].ramp_to=2k",
      "valgrind.memcheck.enabled=true",
      "service.command=[./other, \"{{port}}\"]",
      "baseline.file=",              "load.headers={X-A: \"1\", X-B: \"2\"}",
      "valgrind.memcheck.load=50",   "container.backend=none"};
  lg_scenario *sc = load_ok("tests/data/scenarios/full.yaml", ov, 10);
  ck_assert_int_eq(sc->load.connections, 32);
  ck_double(sc->analysis.tolerance_bytes, 8);
  ck_double(sc->load.phases[1].rate, 500);
  ck_double(sc->load.phases[2].ramp_to, 2000);
  ck_double(sc->load.phases[2].rate, 100);
  ck_assert(sc->valgrind.memcheck);
  ck_assert_uint_eq(sc->service.argc, 2);
  ck_assert_str_eq(sc->service.argv[0], "./other");
  ck_assert_ptr_null(sc->baseline.file);
  ck_assert_uint_eq(sc->load.n_headers, 2);
  ck_assert_str_eq(sc->load.headers[1].key, "X-B");
  ck_assert_uint_eq(sc->valgrind.memcheck_load.requests, 50);
  ck_assert_int_eq(sc->container.backend, LG_BACKEND_NONE);
  lg_scenario_free(sc);
}
END_TEST

START_TEST(override_errors) {
  static const char *const typo[] = {"load.conections=32"};
  static const char *const bad[] = {"analysis.confidence=2"};
  static const char *const idx[] = {"load.phases[9].rate=1"};
  static const char *const brk[] = {"load.phases[x].rate=1"};
  static const char *const noeq[] = {"load.connections"};
  static const char *const lst[] = {"load.phases.name=x"};
  const char *f = "tests/data/scenarios/full.yaml";
  int code = 0;
  ck_assert_str_eq(load_err(f, typo, 1, &code),
                   "--set load.conections: unknown key (did you mean 'connections'?)");
  ck_assert_int_eq(code, LG_EINPUT);
  ck_assert_int_eq(lg_error_exit_code(code), 2);
  ck_assert_str_eq(load_err(f, bad, 1, NULL),
                   "--set analysis.confidence: must be strictly between 0.5 and 1, got 2");
  ck_assert_str_eq(load_err(f, idx, 1, NULL),
                   "--set load.phases[9].rate: index 9 is past the end of 'phases' (4 items)");
  ck_assert_str_eq(load_err(f, brk, 1, NULL),
                   "--set load.phases[x].rate: a key is dotted names and list indexes, like "
                   "load.phases.0.rate");
  ck_assert_str_eq(load_err(f, noeq, 1, NULL),
                   "--set 'load.connections': expected KEY=VALUE (like load.connections=32)");
  ck_assert_str_eq(load_err(f, lst, 1, NULL),
                   "--set load.phases.name: 'phases' is a list: use an index (0 to 3)");
}
END_TEST

START_TEST(profiles) {
  lg_scenario *sc = load_ok("tests/data/scenarios/extensions.yaml", NULL, 0);
  lg_error e;
  double before = lg_scenario_duration(sc);
  ck_assert_int_eq(lg_scenario_apply_profile(sc, "soak", &e), 0);
  ck_assert_str_eq(sc->profile, "soak");
  ck_double(lg_scenario_duration(sc), before * 12);
  ck_double(sc->load.phases[0].duration_s, 90 * 12);
  ck_double(sc->analysis.tolerance_bytes, 2);
  ck_double(sc->baseline.tolerance_bytes, 2); /* not written: follows */
  ck_assert_int_eq(lg_scenario_apply_profile(sc, "quick", &e), LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(e.msg, "profile 'soak' is already applied"));
  lg_scenario_free(sc);

  sc = load_ok("tests/data/scenarios/extensions.yaml", NULL, 0);
  ck_assert_int_eq(lg_scenario_apply_profile(sc, "quick", &e), 0);
  ck_double(lg_scenario_duration(sc), before * 0.1);
  ck_double(sc->analysis.tolerance_bytes, 0.5); /* quick keeps tolerance */
  lg_scenario_free(sc);

  sc = load_ok("tests/data/scenarios/extensions.yaml", NULL, 0);
  ck_assert_int_eq(lg_scenario_apply_profile(sc, "nightly", &e), LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(e.msg, "unknown profile 'nightly' (this scenario defines: quick, soak, tight)"));
  lg_scenario_free(sc);

  /* A written baseline tolerance is kept when a profile changes analysis. */
  {
    static const char *const ov[] = {"profiles={t: {tolerance: 1B}}"};
    sc = load_ok("tests/data/scenarios/full.yaml", ov, 1);
    ck_assert_int_eq(lg_scenario_apply_profile(sc, "t", &e), 0);
    ck_double(sc->analysis.tolerance_bytes, 1);
    ck_double(sc->baseline.tolerance_bytes, 16);
    lg_scenario_free(sc);
  }
  sc = load_ok("tests/data/scenarios/minimal-http.yaml", NULL, 0);
  ck_assert_int_eq(lg_scenario_apply_profile(sc, "x", &e), LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(e.msg, "this scenario defines no profiles; "
                                      "soak is built in"));
  lg_scenario_free(sc);

  /* The built-in soak where the scenario defines none: ten times the
   * phases, a quarter of the tolerance (baseline's too, not written). */
  sc = load_ok("tests/data/scenarios/minimal-http.yaml", NULL, 0);
  before = lg_scenario_duration(sc);
  ck_assert_int_eq(lg_scenario_apply_profile(sc, "soak", &e), 0);
  ck_assert_str_eq(sc->profile, "soak");
  ck_double(lg_scenario_duration(sc), before * 10);
  ck_double(sc->analysis.tolerance_bytes, 4);
  ck_double(sc->baseline.tolerance_bytes, 4);
  lg_scenario_free(sc);
}
END_TEST

START_TEST(names) {
  ck_assert_str_eq(lg_driver_name(LG_DRIVER_HTTP), "http");
  ck_assert_str_eq(lg_driver_name(LG_DRIVER_TCP), "tcp");
  ck_assert_str_eq(lg_driver_name(LG_DRIVER_STDIN), "stdin");
  ck_assert_str_eq(lg_driver_name(LG_DRIVER_EXEC), "exec");
  ck_assert_str_eq(lg_driver_name((lg_driver_kind)42), "unknown");
  ck_assert_str_eq(lg_backend_name(LG_BACKEND_AUTO), "auto");
  ck_assert_str_eq(lg_backend_name(LG_BACKEND_CGROUP), "cgroup");
  ck_assert_str_eq(lg_backend_name(LG_BACKEND_SYSTEMD), "systemd");
  ck_assert_str_eq(lg_backend_name(LG_BACKEND_DOCKER), "docker");
  ck_assert_str_eq(lg_backend_name(LG_BACKEND_PODMAN), "podman");
  ck_assert_str_eq(lg_backend_name(LG_BACKEND_NONE), "none");
  ck_assert_str_eq(lg_metric_name(LG_METRIC_ANON), "anon");
  ck_assert_str_eq(lg_metric_name(LG_METRIC_RSS), "rss");
  ck_assert_str_eq(lg_metric_name(LG_METRIC_PSS), "pss");
  ck_assert_str_eq(lg_metric_name(LG_METRIC_CGROUP), "cgroup");
  ck_assert_str_eq(lg_metric_name(LG_METRIC_HEAP), "heap");
  lg_scenario_free(NULL);
}
END_TEST

START_TEST(file_errors) {
  lg_scenario *sc = NULL;
  lg_error e;
  char path[] = "/tmp/lg_scenario_big_XXXXXX";
  int fd;
  ck_assert_int_eq(lg_scenario_load("/nonexistent/x.yaml", NULL, 0, &sc, &e), LG_ENOENT);
  ck_assert_int_eq(lg_error_exit_code(LG_ENOENT), 2);
  ck_assert_ptr_null(sc);
  fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(ftruncate(fd, 2 * 1024 * 1024), 0);
  close(fd);
  ck_assert_int_eq(lg_scenario_load(path, NULL, 0, &sc, &e), LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(e.msg, "larger than 1048576 bytes"));
  unlink(path);
}
END_TEST

START_TEST(load_string_and_warnings) {
  static const char text[] =
      "version: 1\nname: s\nservice: {command: [x]}\n"
      "container: {backend: cgroup, image: debian}\n"
      "load:\n  driver: exec\n  connections: 4\n  command: [wrk]\n"
      "  url: \"http://h/\"\n  phases: [{name: a, duration: 1s, rate: 5}]\n";
  lg_scenario *sc = NULL;
  lg_error e;
  ck_assert_int_eq(lg_scenario_load_string("mem.yaml", text, sizeof text - 1, NULL, 0, &sc, &e), 0);
  ck_assert_uint_eq(sc->n_warnings, 4);
  ck_assert_str_eq(sc->warnings[0], "mem.yaml:4:37: container.image: ignored by the cgroup backend");
  ck_assert_str_eq(sc->warnings[1], "mem.yaml:10:42: load.phases[0].rate: ignored by the exec driver "
                                    "(the command paces itself)");
  ck_assert_str_eq(sc->warnings[2], "mem.yaml:7:16: load.connections: ignored by the exec driver");
  ck_assert_str_eq(sc->warnings[3], "mem.yaml:9:8: load.url: ignored by the exec driver");
  lg_scenario_free(sc);
}
END_TEST

/* Early stop (issue 18): analysis.early_stop, analysis.min_evidence and
 * load.max_duration, their defaults, the checks that need both sections,
 * and a profile scaling max_duration with the phases. */
static int es_load(const char *extra_load, const char *analysis,
                   lg_scenario **sc, lg_error *e) {
  char text[1024];
  snprintf(text, sizeof text,
           "version: 1\nname: s\nservice: {command: [x]}\n"
           "load:\n  driver: http\n  url: \"http://h/\"\n"
           "  phases: [{name: w, duration: 2s}, {name: st, duration: 10s%s}]\n"
           "%s%s%s\n"
           "profiles: {double: {duration_scale: 2}}\n",
           extra_load[0] == ',' ? extra_load : "",
           extra_load[0] == ',' ? "" : extra_load,
           analysis[0] ? "analysis: " : "", analysis);
  return lg_scenario_load_string("es.yaml", text, strlen(text), NULL, 0, sc, e);
}

START_TEST(early_stop_keys) {
  lg_scenario *sc = NULL;
  lg_error e;
  ck_assert_int_eq(es_load("", "", &sc, &e), 0);
  ck_assert(!sc->analysis.early_stop);
  ck_double(sc->analysis.min_evidence_s, 2);
  ck_assert_uint_eq(sc->analysis.min_evidence_requests, 1000);
  ck_assert(isnan(sc->load.max_duration_s));
  lg_scenario_free(sc);

  ck_assert_int_eq(es_load("  max_duration: 1m\n",
                           "{early_stop: true, min_evidence: {duration: 500ms, "
                           "requests: 20000}}",
                           &sc, &e),
                   0);
  ck_assert(sc->analysis.early_stop);
  ck_double(sc->analysis.min_evidence_s, 0.5);
  ck_assert_uint_eq(sc->analysis.min_evidence_requests, 20000);
  ck_double(sc->load.max_duration_s, 60);
  ck_assert_uint_eq(sc->n_warnings, 0);
  ck_assert_int_eq(lg_scenario_apply_profile(sc, "double", &e), 0);
  ck_double(sc->load.max_duration_s, 120);
  ck_double(sc->load.phases[1].duration_s, 20);
  lg_scenario_free(sc);

  /* max_duration only extends; it means nothing without early stop. */
  ck_assert_int_eq(es_load("  max_duration: 11s\n", "{early_stop: true}", &sc, &e),
                   LG_EINPUT);
  ck_assert_str_eq(e.msg, "es.yaml:8:17: load.max_duration: 11s is shorter than "
                          "the phases' total of 12s (it may only extend the run)");
  ck_assert_int_eq(es_load("  max_duration: 12s\n", "", &sc, &e), 0);
  ck_assert_uint_eq(sc->n_warnings, 1);
  ck_assert_str_eq(sc->warnings[0], "es.yaml:8:17: load.max_duration: only read "
                                    "with analysis.early_stop: true");
  lg_scenario_free(sc);
  /* A quiet last phase cannot be repeated to decide. */
  ck_assert_int_eq(es_load(", rate: 0", "{early_stop: true}", &sc, &e), 0);
  lg_scenario_free(sc);
  ck_assert_int_eq(es_load(", rate: 0}]\n  max_duration: 20s\n#", "{early_stop: true}",
                           &sc, &e),
                   LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(e.msg, "load.max_duration: the last phase 'st' "
                                      "sends no requests (rate 0)"));
  /* Early stop needs a warm-up phase. */
  {
    static const char one[] =
        "version: 1\nname: s\nservice: {command: [x]}\n"
        "load: {driver: http, url: \"http://h/\", phases: [{name: st, duration: 60s}]}\n"
        "analysis: {early_stop: true}\n";
    ck_assert_int_eq(lg_scenario_load_string("one.yaml", one, sizeof one - 1,
                                             NULL, 0, &sc, &e),
                     LG_EINPUT);
    ck_assert_str_eq(e.msg, "one.yaml:5:24: analysis.early_stop: needs a warm-up "
                            "phase before the steady ones: at least two "
                            "load.phases (the first is never judged)");
  }
  ck_assert_int_eq(es_load("", "{min_evidence: {duration: 0s}}", &sc, &e), LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(e.msg, "analysis.min_evidence.duration: must be longer than 0"));
  ck_assert_int_eq(es_load("", "{min_evidence: {requests: -1}}", &sc, &e), LG_EINPUT);
  ck_assert_int_eq(es_load("", "{early_stop: yes}", &sc, &e), LG_EINPUT);
}
END_TEST

/* Read a whole small file into buf; returns its length or -1. */
/* Every tests/data/bad/<case>/ holds scenario.yaml, expected.txt (the exact
 * message) and optionally overrides (one KEY=VALUE per line). The test runs
 * in the case folder and loads "scenario.yaml", so messages start with it. */
START_TEST(bad_corpus) {
  char root[PATH_MAX], cwd[PATH_MAX], failures[8192] = "";
  DIR *d;
  struct dirent *ent;
  int cases = 0, failed = 0;
  ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
  lg_test_src("tests/data/bad", root, sizeof root);
  d = opendir(root);
  ck_assert_ptr_nonnull(d);
  while ((ent = readdir(d))) {
    char dir[PATH_MAX + 300], want[2048], ovbuf[2048];
    const char *ov[16];
    size_t nov = 0;
    lg_scenario *sc = NULL;
    lg_error e = {0};
    struct stat st;
    long n;
    int rc;
    if (ent->d_name[0] == '.')
      continue;
    snprintf(dir, sizeof dir, "%s/%s", root, ent->d_name);
    if (stat(dir, &st) || !S_ISDIR(st.st_mode))
      continue;
    ck_assert_int_eq(chdir(dir), 0);
    n = lg_test_read_into("expected.txt", want, sizeof want);
    ck_assert_msg(n >= 0, "%s: no expected.txt", ent->d_name);
    while (n > 0 && want[n - 1] == '\n')
      want[--n] = '\0';
    if (lg_test_read_into("overrides", ovbuf, sizeof ovbuf) > 0) {
      char *save = NULL, *line = strtok_r(ovbuf, "\n", &save);
      for (; line && nov < 16; line = strtok_r(NULL, "\n", &save))
        ov[nov++] = line;
    }
    rc = lg_scenario_load("scenario.yaml", ov, nov, &sc, &e);
    cases++;
    if (rc != LG_EINPUT || sc || strcmp(e.msg, want) != 0) {
      size_t o = strlen(failures);
      failed++;
      snprintf(failures + o, sizeof failures - o, "\n%s: rc=%d\n  got:  %s\n  want: %s",
               ent->d_name, rc, rc ? e.msg : "(loaded)", want);
    }
    lg_scenario_free(sc);
  }
  closedir(d);
  ck_assert_int_eq(chdir(cwd), 0);
  ck_assert_msg(cases >= 30, "only %d bad cases", cases);
  ck_assert_msg(failed == 0, "%d of %d bad cases failed:%s", failed, cases, failures);
}
END_TEST

/* Deterministic mutations of the full example: every result is either a
 * scenario or an error naming the file; never a crash or a leak (run this
 * under ASan/valgrind). Complements the libFuzzer target. */
START_TEST(mutations_never_crash) {
  char path[PATH_MAX], orig[8192], buf[8192];
  long n = lg_test_read_into(lg_test_src("tests/data/scenarios/full.yaml", path, sizeof path), orig,
                 sizeof orig);
  uint64_t rng = 12345;
  int i, ok = 0, bad = 0;
  static const char junk[] = "{}[]:,-#&*!|>'\"%@` \n\t{{}}0x";
  ck_assert_int_gt(n, 0);
  for (i = 0; i < 3000; i++) {
    lg_scenario *sc = NULL;
    lg_error e = {0};
    long len = n, k, edits = 1 + (long)(i % 4);
    memcpy(buf, orig, (size_t)n);
    for (k = 0; k < edits; k++) {
      long at;
      rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
      at = (long)(rng % (uint64_t)len);
      switch (rng >> 60 & 3) {
      case 0: /* replace a byte */
        buf[at] = junk[(rng >> 32) % (sizeof junk - 1)];
        break;
      case 1: /* delete a byte */
        memmove(buf + at, buf + at + 1, (size_t)(len - at - 1));
        len--;
        break;
      case 2: /* truncate */
        len = at;
        break;
      default: /* duplicate a run */
        if (len + 16 < (long)sizeof buf) {
          memmove(buf + at + 16, buf + at, (size_t)(len - at));
          len += 16;
        }
      }
      if (len <= 0)
        break;
    }
    if (lg_scenario_load_string("m.yaml", buf, (size_t)(len > 0 ? len : 0), NULL, 0, &sc, &e) == 0) {
      ok++;
      lg_scenario_free(sc);
    } else {
      bad++;
      ck_assert_msg(strncmp(e.msg, "m.yaml:", 7) == 0, "message without position: %s", e.msg);
      ck_assert_ptr_null(strchr(e.msg, '\n'));
    }
  }
  ck_assert_int_gt(ok, 0);
  ck_assert_int_gt(bad, 0);
}
END_TEST

/* Issue 12: service.runtime, service.pprof and the runtime checks'
 * thresholds; metric heap needs no Massif when the runtime is named. */
START_TEST(runtime_keys) {
  static const char *const ov[] = {
      "service.runtime=jvm", "analysis.metric=heap",
      "analysis.heap_full=95%", "analysis.gc_time=10%",
      "analysis.throughput_floor=0.25",
      "service.pprof=http://127.0.0.1:{{port}}/debug/pprof/"};
  lg_scenario *sc = load_ok("tests/data/scenarios/minimal-http.yaml", NULL, 0);
  ck_assert_int_eq(sc->service.runtime, 0); /* auto */
  ck_assert_ptr_null(sc->service.pprof);
  ck_assert(!sc->analysis.metric_set);
  ck_assert_double_eq(sc->analysis.heap_full, 0.9);
  ck_assert_double_eq(sc->analysis.gc_time_max, 0.25);
  ck_assert_double_eq(sc->analysis.throughput_floor, 0.5);
  lg_scenario_free(sc);
  sc = load_ok("tests/data/scenarios/minimal-http.yaml", ov, 6);
  ck_assert_int_eq(sc->service.runtime, 3);
  ck_assert(sc->analysis.metric_set);
  ck_assert_int_eq(sc->analysis.metric, LG_METRIC_HEAP);
  ck_assert_double_eq_tol(sc->analysis.heap_full, 0.95, 1e-12);
  ck_assert_double_eq_tol(sc->analysis.gc_time_max, 0.10, 1e-12);
  ck_assert_double_eq_tol(sc->analysis.throughput_floor, 0.25, 1e-12);
  ck_assert_str_eq(sc->service.pprof,
                   "http://127.0.0.1:{{port}}/debug/pprof/");
  lg_scenario_free(sc);
}
END_TEST

int main(void) {
  Suite *s = suite_create("scenario");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, full_design_example);
  tcase_add_test(tc, defaults);
  tcase_add_test(tc, minimal_per_driver);
  tcase_add_test(tc, extension_keys);
  tcase_add_test(tc, overrides);
  tcase_add_test(tc, override_errors);
  tcase_add_test(tc, profiles);
  tcase_add_test(tc, names);
  tcase_add_test(tc, file_errors);
  tcase_add_test(tc, load_string_and_warnings);
  tcase_add_test(tc, early_stop_keys);
  tcase_add_test(tc, bad_corpus);
  tcase_add_test(tc, runtime_keys);
  tcase_add_test(tc, mutations_never_crash);
  suite_add_tcase(s, tc);
  return lg_test_run(s);
}
