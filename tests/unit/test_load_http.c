/* Unit tests for the load engine (harness/load): the latency histogram and
 * the http driver against the clean fixture and the in-test server: closed
 * and open models, ramps, quiet phases, scales, max_requests, chunked and
 * Connection: close responses. Margins are generous (a noisy 2-core box);
 * every assertion still fails when the feature is broken. */
#include "load_test_util.h"

#include "load/load_int.h"

static void http_spec(lt_spec *t, int conns) {
  lt_spec_init(t, LG_DRIVER_HTTP, conns);
  t->s.url = "http://127.0.0.1:{{port}}/items/{{seq % 100}}";
}

START_TEST(hist_quantiles) {
  static lgl_hist h, g;
  uint64_t i, v;
  memset(&h, 0, sizeof h);
  ck_assert_uint_eq(lg__load_hist_quantile(&h, 0.5), 0);
  for (i = 1; i <= 100000; i++)
    lg__load_hist_record(&h, i * 1000); /* 1 us .. 100 ms, uniform */
  v = lg__load_hist_quantile(&h, 0.5);
  ck_assert_msg(fabs((double)v - 50e6) < 50e6 * 0.01, "p50 %llu",
                (unsigned long long)v);
  v = lg__load_hist_quantile(&h, 0.99);
  ck_assert_msg(fabs((double)v - 99e6) < 99e6 * 0.01, "p99 %llu",
                (unsigned long long)v);
  ck_assert_uint_eq(lg__load_hist_quantile(&h, 1.0), 100000000ull);
  /* small values are exact; huge ones are clamped, not lost */
  memset(&g, 0, sizeof g);
  lg__load_hist_record(&g, 7);
  lg__load_hist_record(&g, 7);
  lg__load_hist_record(&g, 200);
  ck_assert_uint_eq(lg__load_hist_quantile(&g, 0.5), 7);
  ck_assert_uint_eq(lg__load_hist_quantile(&g, 0.9), 200);
  lg__load_hist_record(&g, UINT64_MAX / 2);
  ck_assert_uint_eq(g.count, 4);
  ck_assert_uint_eq(lg__load_hist_quantile(&g, 1.0), UINT64_MAX / 2);
  lg__load_hist_merge(&h, &g);
  ck_assert_uint_eq(h.count, 100004);
}
END_TEST

START_TEST(closed_model_clean_fixture) {
  unsigned port;
  pid_t pid = lt_start_fixture("clean_http", &port);
  lt_spec t;
  lg_load_opts o;
  lg_load_result r;
  double t0;

  http_spec(&t, 4);
  t.s.method = "POST";
  t.s.body = "{\"n\":{{seq}}}";
  t.s.body_len = strlen(t.s.body);
  t.hdr[0].key = "Accept";
  t.hdr[0].value = "application/json";
  t.s.headers = t.hdr;
  t.s.n_headers = 1;
  lt_phase(&t, "steady", 1.0, NAN, NAN);
  lg_load_opts_init(&o);
  o.spec = &t.s;
  o.port = port;
  t0 = lg__now_s();
  lt_run(&o, &r);
  ck_assert(lg__now_s() - t0 < 30.0); /* a ceiling for a hang, not a speed */
  lt_stop_service(pid);
  ck_assert_str_eq(r.driver, "http");
  /* counts, not speed (speed is bench/'s): requests were served, and the
   * throughput is what the counts and the phase's time say */
  ck_assert_msg(r.requests > 0, "no request completed");
  ck_assert_int_eq(r.errors, 0);
  ck_assert_ptr_null(r.message);
  ck_assert(r.duration_s > 0.95 && r.duration_s < 30.0);
  ck_assert_msg(fabs(r.throughput_rps - (double)r.requests / r.duration_s) <=
                    0.01 * r.throughput_rps,
                "throughput %.1f for %lld requests in %.3f s", r.throughput_rps,
                (long long)r.requests, r.duration_s);
  ck_assert(r.p50_ms > 0 && r.p50_ms <= r.p90_ms && r.p90_ms <= r.p99_ms &&
            r.p99_ms <= r.max_ms);
  ck_assert_uint_eq(r.n_phases, 1);
  ck_assert_str_eq(r.phases[0].name, "steady");
  ck_assert_int_eq(r.phases[0].requests, r.requests);
  ck_assert(isnan(r.phases[0].target_rate));
  ck_assert_int_eq(r.exec_exit_status, -1);
  lg_load_result_cleanup(&r);
}
END_TEST

/* Open model: a 2000 req/s phase delivers 2000 +- 5 % over 3 s, and the
 * sampler counter grows steadily (no burst at the end). */
START_TEST(open_model_accuracy) {
  unsigned port;
  pid_t pid = lt_start_fixture("clean_http", &port);
  lt_spec t;
  lg_load_opts o;
  lg_load_result r;
  lg_load *l = NULL;
  lg_error e;
  uint64_t at1 = 0, at2 = 0;
  double t0, t1 = 0, t2 = 0, mid;

  http_spec(&t, 16);
  lt_phase(&t, "paced", 3.0, 2000, NAN);
  lg_load_opts_init(&o);
  o.spec = &t.s;
  o.port = port;
  ck_assert_int_eq(lg_load_new(&o, &l, &e), 0);
  ck_assert_int_eq(lg_load_start(l, &e), 0);
  t0 = lg__now_s();
  while (!lg_load_wait(l, 0.05)) {
    double el = lg__now_s() - t0;
    if (!at1 && el >= 1.0) {
      at1 = lg_load_completed(l);
      t1 = lg__now_s();
    }
    if (!at2 && el >= 2.0) {
      at2 = lg_load_completed(l);
      t2 = lg__now_s();
    }
  }
  ck_assert_int_eq(lg_load_finish(l, &r, &e), 0);
  lg_load_free(l);
  lt_stop_service(pid);
  ck_assert_int_eq(r.errors, 0);
  /* The schedule is exact: 6000 requests are due, each sent or counted as
   * dropped (a backlog a stalled machine leaves at the end); most are sent
   * (half, on a bad day of the shared 2 cores: 27 dropped and a mid-run
   * 1600/s were seen there while the team built). */
  ck_assert_msg(r.requests + r.dropped >= 5700 &&
                    r.requests + r.dropped <= 6300,
                "2000 req/s for 3 s: %lld sent + %lld dropped",
                (long long)r.requests, (long long)r.dropped);
  ck_assert_msg(r.requests >= 3000, "2000 req/s for 3 s delivered %lld",
                (long long)r.requests);
  /* the counter grows at the rate in the middle too (no burst at the end,
   * which leaves the middle near 0, and no unpaced sending, which puts it
   * far above 2000); +-40 %: on a loaded 2-core machine the workers fall
   * behind for a while and catch up (1600/s was seen with 7 builds) */
  mid = (double)(at2 - at1) / (t2 - t1);
  ck_assert_msg(mid > 1200 && mid < 2800, "mid-run rate %.0f/s", mid);
  ck_assert(fabs(r.phases[0].target_rate - 2000) < 1e-9);
  lg_load_result_cleanup(&r);
}
END_TEST

/* A ramp 0 -> 2000 over 2 s carries 2000 requests; a quiet phase none; the
 * phases run in order and the phase name follows the clock. */
START_TEST(ramp_and_quiet_phases) {
  unsigned port;
  pid_t pid = lt_start_fixture("clean_http", &port);
  lt_spec t;
  lg_load_opts o;
  lg_load_result r;
  lg_load *l = NULL;
  lg_error e;
  int saw_quiet = 0, saw_ramp = 0, saw_closed = 0;

  http_spec(&t, 4);
  lt_phase(&t, "ramp", 2.0, 0, 2000);
  lt_phase(&t, "quiet", 0.6, 0, NAN);
  lt_phase(&t, "closed", 0.4, NAN, NAN);
  lg_load_opts_init(&o);
  o.spec = &t.s;
  o.port = port;
  ck_assert_int_eq(lg_load_new(&o, &l, &e), 0);
  ck_assert_str_eq(lg_load_phase(l), "ramp");
  ck_assert_int_eq(lg_load_start(l, &e), 0);
  while (!lg_load_wait(l, 0.05)) {
    const char *ph = lg_load_phase(l);
    if (strcmp(ph, "ramp") == 0) {
      ck_assert(!saw_quiet && !saw_closed);
      saw_ramp = 1;
    } else if (strcmp(ph, "quiet") == 0) {
      ck_assert(!saw_closed);
      saw_quiet = 1;
    } else {
      ck_assert_str_eq(ph, "closed");
      saw_closed = 1;
    }
  }
  ck_assert(saw_ramp && saw_quiet && saw_closed);
  ck_assert_int_eq(lg_load_finish(l, &r, &e), 0);
  lg_load_free(l);
  lt_stop_service(pid);
  ck_assert_int_eq(r.errors, 0);
  ck_assert_uint_eq(r.n_phases, 3);
  /* The schedule is exact: 2000 requests are due in the ramp. They are
   * delivered (half at least: a stalled test machine leaves a backlog at
   * the phase end, which is dropped; 1248 were seen on the shared cores),
   * answered in the next phase, or counted as dropped; one in flight per
   * connection may be abandoned at the end. */
  ck_assert_msg(r.phases[0].requests >= 1000, "ramp delivered %lld",
                (long long)r.phases[0].requests);
  ck_assert_msg(r.phases[0].requests + r.phases[1].requests + r.dropped >=
                        2000 - 4 &&
                    r.phases[0].requests + r.phases[1].requests + r.dropped <=
                        2000,
                "ramp: %lld + %lld + dropped %lld",
                (long long)r.phases[0].requests,
                (long long)r.phases[1].requests, (long long)r.dropped);
  ck_assert(fabs(r.phases[0].target_rate - 1000) < 1e-9);
  /* responses of requests sent just before the boundary may land in quiet */
  ck_assert_msg(r.phases[1].requests <= 4, "quiet phase carried %lld",
                (long long)r.phases[1].requests);
  ck_assert_msg(r.phases[2].requests > 100, "closed phase carried %lld",
                (long long)r.phases[2].requests);
  ck_assert(fabs(r.phases[1].duration_s - 0.6) < 1e-6);
  lg_load_result_cleanup(&r);
}
END_TEST

/* rate_scale and duration_scale (the Valgrind tiers) shrink the plan;
 * max_requests caps completed requests exactly and ends the load early. */
START_TEST(scales_and_max_requests) {
  unsigned port;
  pid_t pid = lt_start_fixture("clean_http", &port);
  lt_spec t;
  lg_load_opts o;
  lg_load_result r;
  double t0;

  http_spec(&t, 4);
  lt_phase(&t, "paced", 4.0, 1000, NAN);
  lg_load_opts_init(&o);
  o.spec = &t.s;
  o.port = port;
  o.rate_scale = 0.5;
  o.duration_scale = 0.25; /* 1 s at 500 req/s */
  t0 = lg__now_s();
  lt_run(&o, &r);
  /* 1 s, not the unscaled 4 s (the margin is for a loaded machine). */
  ck_assert(lg__now_s() - t0 < 3.0);
  /* The schedule owes exactly 500 requests: each was completed, failed,
   * dropped (due while all 4 connections were busy) or abandoned in flight
   * at the end (at most one per connection). How many complete depends on
   * how fast this machine is today, so only a loose floor on that. */
  ck_assert_msg(r.requests + r.errors + r.dropped >= 496 &&
                    r.requests + r.errors + r.dropped <= 500,
                "scaled: %lld done + %lld errors + %lld dropped",
                (long long)r.requests, (long long)r.errors,
                (long long)r.dropped);
  ck_assert_msg(r.requests >= 250, "scaled: only %lld done",
                (long long)r.requests);
  ck_assert(fabs(r.phases[0].target_rate - 500) < 1e-9);
  lg_load_result_cleanup(&r);

  lt_spec_init(&t, LG_DRIVER_HTTP, 8);
  t.s.url = "http://127.0.0.1:{{port}}/";
  t.s.threads = 2;
  lt_phase(&t, "steady", 10.0, NAN, NAN);
  lg_load_opts_init(&o);
  o.spec = &t.s;
  o.port = port;
  o.max_requests = 777;
  t0 = lg__now_s();
  lt_run(&o, &r);
  ck_assert_msg(lg__now_s() - t0 < 5.0, "max_requests did not end the load");
  ck_assert_int_eq(r.requests, 777);
  ck_assert_int_eq(r.errors, 0);
  lg_load_result_cleanup(&r);

  /* the cap under the open model: 300 of a 2000 req/s phase, ~0.15 s */
  t.ph[0].rate = 2000;
  o.max_requests = 300;
  t0 = lg__now_s();
  lt_run(&o, &r);
  ck_assert_msg(lg__now_s() - t0 < 2.0, "max_requests did not end the load");
  ck_assert_int_eq(r.requests, 300);
  ck_assert_int_eq(r.dropped, 0);
  lg_load_result_cleanup(&r);
  lt_stop_service(pid);
}
END_TEST

/* hold: the load stops at exactly the budget (nothing in flight beyond it)
 * and resumes when the budget is raised, closed model with several threads
 * and connections, and open model. */
START_TEST(hold_budget) {
  unsigned port;
  pid_t pid = lt_start_fixture("clean_http", &port);
  lt_spec t;
  lg_load_opts o;
  lg_load_result r;
  lg_load *l = NULL;
  lg_error e;
  int model;

  for (model = 0; model < 2; model++) {
    lt_spec_init(&t, LG_DRIVER_HTTP, 8);
    t.s.url = "http://127.0.0.1:{{port}}/";
    t.s.threads = 2;
    lt_phase(&t, "steady", 3.0, model ? 2000 : NAN, NAN);
    lg_load_opts_init(&o);
    o.spec = &t.s;
    o.port = port;
    o.hold = true;
    ck_assert_int_eq(lg_load_new(&o, &l, &e), 0);
    lg_load_set_budget(l, 100);
    ck_assert_int_eq(lg_load_start(l, &e), 0);
    usleep(400000);
    ck_assert_uint_eq(lg_load_completed(l), 100); /* held exactly there */
    lg_load_set_budget(l, 50);                    /* budgets never shrink */
    lg_load_set_budget(l, 350);
    usleep(600000);
    ck_assert_uint_eq(lg_load_completed(l), 350);
    lg_load_set_budget(l, UINT64_MAX); /* released: runs to the phase end */
    while (!lg_load_wait(l, 0.2)) {
    }
    ck_assert_int_eq(lg_load_finish(l, &r, &e), 0);
    ck_assert_msg(r.requests > 350, "%s model: %lld after release",
                  model ? "open" : "closed", (long long)r.requests);
    ck_assert_int_eq(r.errors, 0);
    lg_load_result_cleanup(&r);
    lg_load_free(l);
    l = NULL;
  }
  lt_stop_service(pid);
}
END_TEST

static void run_against(lt_server *s, enum lt_mode mode, double secs,
                        lg_load_result *r) {
  lt_spec t;
  lg_load_opts o;
  lt_server_start(s, mode);
  lt_spec_init(&t, LG_DRIVER_HTTP, 2);
  t.s.url = "http://127.0.0.1:{{port}}/x";
  /* 2 s, not 0.3 s: on a loaded machine the test server's thread can be
   * off the CPU for longer than 0.3 s ("eof body: 485 ok 2 err" were such
   * timeouts). A parser that waits for more of a body still fails: with a
   * phase of at most 0.5 s it completes no request at all. */
  t.s.timeout_s = 2.0;
  lt_phase(&t, "p", secs, NAN, NAN);
  lg_load_opts_init(&o);
  o.spec = &t.s;
  o.port = s->port;
  lt_run(&o, r);
  lt_server_stop(s);
}

START_TEST(chunked_and_connection_close) {
  lt_server s;
  lg_load_result r;

  run_against(&s, LT_CHUNKED, 0.5, &r);
  ck_assert_msg(r.requests > 100 && r.errors == 0, "chunked: %lld ok %lld err",
                (long long)r.requests, (long long)r.errors);
  ck_assert_uint_ge(atomic_load(&s.requests), (unsigned long)r.requests);
  lg_load_result_cleanup(&r);

  run_against(&s, LT_CLOSE, 0.5, &r);
  ck_assert_msg(r.requests > 20 && r.errors == 0, "close: %lld ok %lld err",
                (long long)r.requests, (long long)r.errors);
  lg_load_result_cleanup(&r);

  run_against(&s, LT_BIG, 0.5, &r);
  ck_assert_msg(r.requests > 10 && r.errors == 0, "big: %lld ok %lld err",
                (long long)r.requests, (long long)r.errors);
  lg_load_result_cleanup(&r);

  run_against(&s, LT_EOF_BODY, 0.5, &r);
  ck_assert_msg(r.requests > 20 && r.errors == 0, "eof body: %lld ok %lld err",
                (long long)r.requests, (long long)r.errors);
  lg_load_result_cleanup(&r);
}
END_TEST

START_TEST(status_errors) {
  lt_server s;
  lg_load_result r;
  run_against(&s, LT_STATUS500, 0.4, &r);
  ck_assert_int_eq(r.requests, 0);
  ck_assert_int_gt(r.err_status, 50);
  ck_assert_int_eq(r.errors, r.err_status);
  ck_assert_int_eq(r.phases[0].errors, r.errors);
  ck_assert_ptr_nonnull(r.message);
  ck_assert_msg(strstr(r.message, "HTTP status 500"), "%s", r.message);
  ck_assert(isnan(r.p50_ms));
  lg_load_result_cleanup(&r);
}
END_TEST

START_TEST(templates_render_per_request) {
  lgl_item it;
  lg_load l;
  lt_spec t;
  char buf[512];
  uint64_t rng = 5;
  long n;
  lg_error e;

  memset(&l, 0, sizeof l);
  lt_spec_init(&t, LG_DRIVER_HTTP, 1);
  t.s.url = "http://localhost:{{port}}/k/{{seq % 10}}?r={{rand 100}}";
  t.s.method = "PUT";
  t.s.body = "v{{seq}}";
  t.s.body_len = 8;
  lg_load_opts_init(&l.o);
  l.o.spec = &t.s;
  l.o.port = 8081;
  l.driver = LG_DRIVER_HTTP;
  ck_assert_msg(lg__load_requests_build(&l, &e) == 0, "%s", e.msg);
  it = l.items[0];
  ck_assert_ptr_null(it.fixed); /* dynamic: rendered per request */
  n = lg__load_request_render(&it, 8081, 123, &rng, buf, sizeof buf);
  ck_assert_int_gt(n, 0);
  buf[n] = '\0';
  ck_assert_msg(strncmp(buf, "PUT /k/3?r=", 11) == 0, "%s", buf);
  ck_assert_ptr_nonnull(strstr(buf, " HTTP/1.1\r\nHost: localhost:8081\r\n"));
  ck_assert_ptr_nonnull(strstr(buf, "\r\nContent-Length: 4\r\n\r\nv123"));
  ck_assert_uint_le((size_t)n, it.max_len);
  lg__load_requests_free(&l);

  /* static requests are rendered once */
  t.s.url = "http://127.0.0.1:{{port}}";
  t.s.method = NULL;
  t.s.body = NULL;
  t.s.body_len = 0;
  ck_assert_int_eq(lg__load_requests_build(&l, &e), 0);
  ck_assert_ptr_nonnull(l.items[0].fixed);
  ck_assert_str_eq(l.url, "http://127.0.0.1:8081");
  ck_assert_int_eq(strncmp(l.items[0].fixed, "GET / HTTP/1.1\r\n", 16), 0);
  lg__load_requests_free(&l);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("load_http");
  TCase *tc = tcase_create("http");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, hist_quantiles);
  tcase_add_test(tc, templates_render_per_request);
  tcase_add_test(tc, closed_model_clean_fixture);
  tcase_add_test(tc, open_model_accuracy);
  tcase_add_test(tc, ramp_and_quiet_phases);
  tcase_add_test(tc, hold_budget);
  tcase_add_test(tc, scales_and_max_requests);
  tcase_add_test(tc, chunked_and_connection_close);
  tcase_add_test(tc, status_errors);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return lg_test_run(suite()); }
