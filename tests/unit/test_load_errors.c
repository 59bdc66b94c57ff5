/* Unit tests for the load engine's error paths: an unreachable target, a
 * server that closes every connection, garbage, silence (timeouts), a
 * service that dies mid-run, a stalled server under the open model
 * (coordinated omission), early stop and interrupt, and invalid specs.
 * Each must give error counts and a clear message, and end on time. */
#include "load_test_util.h"

static void one_phase(lt_spec *t, unsigned conns, double secs, double rate) {
  lt_spec_init(t, LG_DRIVER_HTTP, (int)conns);
  t->s.url = "http://127.0.0.1:{{port}}/";
  t->s.timeout_s = 0.25;
  lt_phase(t, "p", secs, rate, NAN);
}

static void run_timed(lt_spec *t, unsigned port, lg_load_result *r,
                      double max_s) {
  lg_load_opts o;
  double t0 = lg__now_s();
  lg_load_opts_init(&o);
  o.spec = &t->s;
  o.port = port;
  lt_run(&o, r);
  ck_assert_msg(lg__now_s() - t0 < max_s, "the load took %.2f s",
                lg__now_s() - t0);
}

START_TEST(unreachable_target) {
  lt_spec t;
  lg_load_result r;
  unsigned port = lt_free_port(); /* nothing listens there */
  one_phase(&t, 4, 1.0, NAN);
  run_timed(&t, port, &r, 2.0);
  ck_assert_int_eq(r.requests, 0);
  ck_assert_int_gt(r.err_connect, 4);
  ck_assert_int_eq(r.errors, r.err_connect);
  /* reconnects back off: a dead target must not make the driver spin */
  ck_assert_msg(r.err_connect < 2000, "%lld connect errors in 1 s",
                (long long)r.err_connect);
  ck_assert_ptr_nonnull(r.message);
  ck_assert_msg(strstr(r.message, "connect") &&
                    strstr(r.message, "Connection refused"),
                "%s", r.message);
  lg_load_result_cleanup(&r);
}
END_TEST

START_TEST(server_closes_every_connection) {
  lt_server s;
  lt_spec t;
  lg_load_result r;
  lt_server_start(&s, LT_CLOSE_ALL);
  one_phase(&t, 4, 0.8, NAN);
  run_timed(&t, s.port, &r, 2.0);
  lt_server_stop(&s);
  ck_assert_int_eq(r.requests, 0);
  ck_assert_int_gt(r.err_read + r.err_write, 4);
  ck_assert_msg(strstr(r.message, "closed the connection") ||
                    strstr(r.message, "reset"),
                "%s", r.message);
  lg_load_result_cleanup(&r);
}
END_TEST

START_TEST(garbage_responses) {
  lt_server s;
  lt_spec t;
  lg_load_result r;
  lt_server_start(&s, LT_GARBAGE);
  one_phase(&t, 2, 0.5, NAN);
  run_timed(&t, s.port, &r, 2.0);
  lt_server_stop(&s);
  ck_assert_int_eq(r.requests, 0);
  ck_assert_int_gt(r.err_parse, 2);
  ck_assert_msg(strstr(r.message, "invalid HTTP response"), "%s", r.message);
  lg_load_result_cleanup(&r);
}
END_TEST

START_TEST(silent_server_times_out) {
  lt_server s;
  lt_spec t;
  lg_load_result r;
  lt_server_start(&s, LT_SILENT);
  one_phase(&t, 2, 1.0, NAN);
  run_timed(&t, s.port, &r, 2.0);
  lt_server_stop(&s);
  ck_assert_int_eq(r.requests, 0);
  ck_assert_int_ge(r.err_timeout, 4); /* 2 conns, 0.25 s timeout, 1 s */
  ck_assert_int_le(r.err_timeout, 10);
  ck_assert_msg(strstr(r.message, "no complete response"), "%s", r.message);
  lg_load_result_cleanup(&r);
}
END_TEST

/* The runner's sequence while the service dies: errors are counted and the
 * load still ends at the end of its phases. */
START_TEST(service_dies_mid_run) {
  unsigned port;
  pid_t pid = lt_start_fixture("clean_http", &port);
  lt_spec t;
  lg_load_opts o;
  lg_load_result r;
  lg_load *l = NULL;
  lg_error e;
  lg_load_progress p;
  double t0;
  int killed = 0, st;
  uint64_t at_kill = 0;

  one_phase(&t, 4, 1.5, NAN);
  lg_load_opts_init(&o);
  o.spec = &t.s;
  o.port = port;
  ck_assert_int_eq(lg_load_new(&o, &l, &e), 0);
  ck_assert_int_eq(lg_load_start(l, &e), 0);
  t0 = lg__now_s();
  while (!lg_load_wait(l, 0.2)) {
    lg_load_progress_get(l, &p);
    if (!killed && lg__now_s() - t0 > 0.5) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      killed = 1;
      at_kill = p.completed;
    }
  }
  ck_assert(lg__now_s() - t0 < 2.5);
  ck_assert_int_eq(lg_load_finish(l, &r, &e), 0);
  lg_load_free(l);
  ck_assert(killed);
  ck_assert_int_gt(r.requests, 100);
  ck_assert_uint_le((uint64_t)r.requests, at_kill + 20000);
  ck_assert_int_gt(r.errors, 0);
  ck_assert_int_gt(r.err_connect + r.err_read, 0);
  ck_assert_ptr_nonnull(r.message);
  lg_load_result_cleanup(&r);
}
END_TEST

/* Open model against a stall: 1 connection, 20 ms per response, 200 req/s
 * asked. Only ~50/s can be served; latency counts from the intended send
 * time, so it grows far beyond 20 ms instead of hiding the stall, and the
 * requests never sent are reported as dropped. */
START_TEST(open_model_counts_the_stall) {
  lt_server s;
  lt_spec t;
  lg_load_result r;
  lt_server_start(&s, LT_SLOW);
  one_phase(&t, 1, 1.0, 200);
  t.s.timeout_s = 2;
  run_timed(&t, s.port, &r, 2.5);
  lt_server_stop(&s);
  ck_assert_int_eq(r.errors, 0);
  ck_assert_msg(r.requests >= 30 && r.requests <= 55, "%lld requests",
                (long long)r.requests);
  ck_assert_msg(r.p50_ms > 100, "p50 %.1f ms hides the stall", r.p50_ms);
  ck_assert_msg(r.dropped >= 140 && r.dropped + r.requests <= 201,
                "dropped %lld", (long long)r.dropped);
  ck_assert_msg(strstr(r.message, "never sent"), "%s", r.message);
  lg_load_result_cleanup(&r);
}
END_TEST

START_TEST(stop_and_interrupt_end_early) {
  unsigned port;
  pid_t pid = lt_start_fixture("clean_http", &port);
  lt_spec t;
  lg_load_opts o;
  lg_load_result r;
  lg_load *l = NULL;
  lg_error e;
  volatile int intr = 0;
  double t0;

  /* A phase far longer than any ceiling below: ending within one proves
   * that stop, the interrupt or free ended the load (the ceilings are
   * generous: the machine may be busy, the load is not early by luck). */
  one_phase(&t, 120, 30.0, NAN);
  lg_load_opts_init(&o);
  o.spec = &t.s;
  o.port = port;
  ck_assert_int_eq(lg_load_new(&o, &l, &e), 0);
  ck_assert_int_eq(lg_load_start(l, &e), 0);
  ck_assert_int_eq(lg_load_wait(l, 0.3), 0);
  t0 = lg__now_s();
  lg_load_stop(l);
  lg_load_stop(l); /* idempotent */
  ck_assert_int_eq(lg_load_wait(l, 30.0), 1);
  ck_assert(lg__now_s() - t0 < 30.0);
  ck_assert_int_eq(lg_load_finish(l, &r, &e), 0);
  ck_assert(r.duration_s < 60.0);
  ck_assert(r.phases[0].duration_s < 60.0);
  ck_assert_int_gt(r.requests, 0);
  ck_assert_int_eq(r.dropped, 0);
  lg_load_result_cleanup(&r);
  lg_load_free(l);

  o.interrupt = &intr;
  ck_assert_int_eq(lg_load_new(&o, &l, &e), 0);
  ck_assert_int_eq(lg_load_start(l, &e), 0);
  ck_assert_int_eq(lg_load_wait(l, 0.2), 0);
  __atomic_store_n(&intr, 1, __ATOMIC_RELAXED); /* as a signal handler would */
  t0 = lg__now_s();
  ck_assert_int_eq(lg_load_wait(l, 30.0), 1);
  ck_assert(lg__now_s() - t0 < 30.0);
  lg_load_free(l); /* without finish: still joins and frees */

  /* never started: wait is done at once, finish gives an empty result */
  ck_assert_int_eq(lg_load_new(&o, &l, &e), 0);
  ck_assert_int_eq(lg_load_wait(l, 5.0), 1);
  ck_assert_uint_eq(lg_load_completed(l), 0);
  ck_assert_str_eq(lg_load_phase(l), "p");
  ck_assert_int_eq(lg_load_finish(l, &r, &e), 0);
  ck_assert_int_eq(r.requests, 0);
  ck_assert(r.duration_s == 0);
  lg_load_result_cleanup(&r);
  lg_load_free(l);

  /* free right after start (no wait, no finish) */
  o.interrupt = NULL;
  ck_assert_int_eq(lg_load_new(&o, &l, &e), 0);
  ck_assert_int_eq(lg_load_start(l, &e), 0);
  t0 = lg__now_s();
  lg_load_free(l);
  ck_assert(lg__now_s() - t0 < 30.0);
  lt_stop_service(pid);
}
END_TEST

static void expect_new_error(lt_spec *t, const char *what) {
  lg_load_opts o;
  lg_load *l = (lg_load *)0x1;
  lg_error e;
  int rc;
  lg_load_opts_init(&o);
  o.spec = &t->s;
  o.port = 8080;
  rc = lg_load_new(&o, &l, &e);
  ck_assert_msg(rc < 0, "no error for %s", what);
  ck_assert_ptr_null(l);
  ck_assert_msg(strstr(e.msg, what), "'%s' not in '%s'", what, e.msg);
}

START_TEST(invalid_specs) {
  lt_spec t;
  lt_spec_init(&t, LG_DRIVER_HTTP, 1);
  t.s.url = "http://127.0.0.1:{{port}}/";
  expect_new_error(&t, "load.phases");
  lt_phase(&t, "p", 1, NAN, NAN);
  t.s.url = "https://127.0.0.1/";
  expect_new_error(&t, "exec driver");
  t.s.url = "ftp://x/";
  expect_new_error(&t, "http://");
  t.s.url = "http://127.0.0.1:{{port}}/{{nope}}";
  expect_new_error(&t, "{{nope}}");
  t.s.url = "http://127.0.0.1:{{port}}/";
  t.hdr[0].key = "Content-Length";
  t.hdr[0].value = "3";
  t.s.headers = t.hdr;
  t.s.n_headers = 1;
  expect_new_error(&t, "load.headers.Content-Length");
  t.s.n_headers = 0;
  t.ph[0].ramp_to = 10;
  expect_new_error(&t, "ramp_to");
  t.ph[0].rate = -1;
  expect_new_error(&t, "rates");
  t.ph[0].rate = NAN;
  t.ph[0].ramp_to = NAN;
  t.s.driver = LG_DRIVER_TCP;
  expect_new_error(&t, "load.flow");
  lt_flow(&t, "x\n", "");
  expect_new_error(&t, "expect");
  t.flow[0].expect = "{{seq}}\n";
  t.flow[0].expect_len = 8;
  expect_new_error(&t, "cannot be used in a delimiter");
  t.s.driver = LG_DRIVER_STDIN;
  t.flow[0].expect = "\n";
  t.flow[0].expect_len = 1;
  expect_new_error(&t, "stdin");
  t.s.driver = LG_DRIVER_EXEC;
  expect_new_error(&t, "load.command");
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("load_errors");
  TCase *tc = tcase_create("errors");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, invalid_specs);
  tcase_add_test(tc, unreachable_target);
  tcase_add_test(tc, server_closes_every_connection);
  tcase_add_test(tc, garbage_responses);
  tcase_add_test(tc, silent_server_times_out);
  tcase_add_test(tc, service_dies_mid_run);
  tcase_add_test(tc, open_model_counts_the_stall);
  tcase_add_test(tc, stop_and_interrupt_end_early);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return lg_test_run(suite()); }
