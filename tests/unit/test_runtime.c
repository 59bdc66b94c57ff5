/* test_runtime - the runner's sequence over container, service and sampler,
 * exactly as harness/run drives it:
 *   lg_container_create -> lg_service_start -> lg_container_attach ->
 *   lg_service_wait_ready -> lg_sampler_start -> (poll) ->
 *   lg_sampler_sample_now -> lg_sampler_stop -> lg_container_read ->
 *   lg_service_stop -> lg_container_destroy
 * with oom_hog under a 64 MiB limit (OOM kill seen by the container, the
 * service and the sampler; samples.csv holds the samples up to the kill)
 * and with forker (a setsid daemon outlives the stop and dies by destroy).
 * Needs root and a writable memory cgroup; otherwise it prints why it
 * skips (and fails when LG_REQUIRE_CGROUP=1, see lg_test_cgroup_skip). */
#include <leakgate/container.h>
#include <leakgate/sampler.h>
#include <leakgate/service.h>

#include "lg_test.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static char outdir[64];

static void setup(void) {
  snprintf(outdir, sizeof outdir, "/tmp/lg-rt-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(outdir));
}

static void teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", outdir);
  ck_assert_int_eq(system(cmd), 0);
}

static int need_cgroup(void) {
  lg_cgroup_info info;
  lg_error err = {0, ""};
  const char *why = NULL;
  if (geteuid() != 0)
    why = "not root";
  else if (lg_cgroup_detect(NULL, NULL, &info, &err) || !info.version ||
           !info.writable)
    why = err.msg[0] ? err.msg : "no writable memory cgroup";
  if (!why)
    return 1;
  lg_test_cgroup_skip("runtime test", why);
  return 0;
}

typedef struct run {
  lg_container *c;
  lg_service *s;
  lg_sampler *smp;
  lg_service_status st;
  lg_container_stats cs;
  lg_sampler_stats ss;
  int rc_stop, rc_destroy, rows;
  char csv[128];
  char leaf[1100];
} run;

static uint64_t no_requests(void *ctx) {
  (void)ctx;
  return 0;
}

static void drive(run *r, const char *fixture, char **argv, lg_kv *env,
                  size_t n_env, uint64_t limit, double run_s) {
  lg_container_opts co;
  lg_service_spec spec;
  lg_service_opts so;
  lg_sampler_opts sm;
  lg_error err = {0, ""};
  unsigned port;
  char path[512];
  double t;
  FILE *f;
  char line[512];

  memset(r, 0, sizeof *r);
  memset(&co, 0, sizeof co);
  co.backend = LG_BACKEND_CGROUP;
  co.memory_bytes = limit;
  co.name = fixture;
  ck_assert_msg(lg_container_create(&co, &r->c, &err) == 0, "%s", err.msg);
  snprintf(r->leaf, sizeof r->leaf, "%s", lg_container_path(r->c));

  lg_test_bin(fixture, path, sizeof path);
  argv[0] = path;
  memset(&spec, 0, sizeof spec);
  spec.argv = argv;
  spec.env = env;
  spec.n_env = n_env;
  spec.ready.kind = LG_READY_TCP;
  spec.ready.target = "127.0.0.1:{{port}}";
  spec.ready.timeout_s = 10;
  spec.stop_signal = SIGTERM;
  spec.stop_timeout_s = 1;
  ck_assert_int_eq(lg_pick_port(&port, &err), 0);
  memset(&so, 0, sizeof so);
  so.spec = &spec;
  so.port = port;
  so.container = r->c;
  so.out_dir = outdir;
  ck_assert_msg(lg_service_start(&so, &r->s, &err) == 0, "%s", err.msg);
  ck_assert_int_eq(lg_container_attach(r->c, lg_service_pid(r->s), &err), 0);
  ck_assert_msg(lg_service_wait_ready(r->s, &err) == 0, "%s", err.msg);

  snprintf(r->csv, sizeof r->csv, "%s/samples.csv", outdir);
  memset(&sm, 0, sizeof sm);
  sm.interval_s = 0.02;
  sm.container = r->c;
  sm.root_pid = lg_service_pid(r->s);
  sm.csv_path = r->csv;
  sm.requests = no_requests;
  ck_assert_int_eq(lg_sampler_start(&sm, &r->smp, &err), 0);
  for (t = 0; t < run_s; t += 0.02) {
    lg_service_poll(r->s, &r->st);
    if (!r->st.running)
      break;
    usleep(20000);
  }
  ck_assert_int_eq(lg_sampler_sample_now(r->smp, &err), 0);
  ck_assert_int_eq(lg_sampler_stop(r->smp, &r->ss, &err), 0);
  ck_assert_int_eq(lg_container_read(r->c, &r->cs, &err), 0);
  r->rc_stop = lg_service_stop(r->s, &r->st, &err);
  lg_service_free(r->s);
  r->rc_destroy = lg_container_destroy(r->c, &err);
  f = fopen(r->csv, "r");
  ck_assert_ptr_nonnull(f);
  while (fgets(line, sizeof line, f))
    r->rows++;
  fclose(f);
  r->rows--; /* header */
}

START_TEST(oom_run) {
  char *argv[] = {NULL, NULL};
  lg_kv env[] = {{"INTERVAL_MS", "5"}};
  run r;
  if (!need_cgroup())
    return;
  drive(&r, "tests/fixtures/oom_hog", argv, env, 1, 64u << 20, 30);
  ck_assert(r.st.crashed && r.st.signal == SIGKILL && !r.st.stopped_by_us);
  ck_assert_int_ge(r.cs.oom_kills, 1);
  ck_assert_int_ge(r.ss.oom_kills, 0);
  ck_assert_double_eq(r.cs.limit_bytes, 67108864);
  ck_assert(r.ss.peak_cgroup_bytes > 16.0 * 1048576);
  ck_assert_int_ge(r.rows, 3);
  ck_assert_int_eq(r.rc_stop, 0);
  ck_assert_int_eq(r.rc_destroy, 0);
  ck_assert_int_eq(access(r.leaf, F_OK), -1);
}
END_TEST

START_TEST(forker_run) {
  char *argv[] = {NULL, NULL};
  lg_kv env[] = {{"FORK_CHILDREN", "2"}, {"DAEMON", "1"}};
  run r;
  if (!need_cgroup())
    return;
  drive(&r, "tests/fixtures/forker", argv, env, 2, 256u << 20, 0.5);
  ck_assert(!r.st.crashed && r.st.stopped_by_us);
  ck_assert_int_eq(r.ss.max_procs, 4); /* parent, 2 children, daemon */
  ck_assert_int_eq(r.cs.oom_kills, 0);
  ck_assert_int_eq(r.rc_stop, 0);
  ck_assert_int_eq(r.rc_destroy, 0);
  ck_assert_int_eq(access(r.leaf, F_OK), -1);
}
END_TEST

int main(void) {
  Suite *s = suite_create("runtime");
  TCase *t = tcase_create("sequence");
  tcase_add_checked_fixture(t, setup, teardown);
  tcase_set_timeout(t, 90);
  tcase_add_test(t, oom_run);
  tcase_add_test(t, forker_run);
  suite_add_tcase(s, t);
  return lg_test_run(s);
}
