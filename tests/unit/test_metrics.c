/* test_metrics.c - the live metrics endpoint (harness/metrics/): rendering
 * in both formats, content negotiation, listen addresses, and the server
 * over real sockets (status codes, bounded connections, stop). The two
 * format checkers that matter are real ones: promtool check metrics for
 * text 0.0.4 and prometheus_client's OpenMetrics parser (Debian's
 * python3-prometheus-client) for OpenMetrics; when one is missing the test
 * says SKIP and fails under LG_REQUIRE_PROMETHEUS=1 (CI). */
#include "lg_test.h"
#include "metrics/metrics_int.h"

#include <arpa/inet.h>
#include <math.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void require_tool(const char *test, const char *why) {
  lg_test_skip_unless_env("LG_REQUIRE_PROMETHEUS", test, why);
}

/* A state with every family present, including awkward label text. */
static void full_state(mx_state *st) {
  lg_sample s;
  lg__mx_state_reset(st);
  snprintf(st->scenario, sizeof st->scenario, "items \"api\"\\v2\nx");
  snprintf(st->stage, sizeof st->stage, "load");
  st->memory_limit = 268435456;
  memset(&s, 0, sizeof s);
  s.t_s = 12.5;
  s.requests = 1000;
  s.rss_bytes = 12660736;
  s.anon_bytes = 11239424;
  s.pss_bytes = NAN;
  s.cgroup_bytes = 11501568;
  s.procs = 2;
  s.fds = 15;
  s.heap_live_bytes = 52428800;
  s.gc_count = 17;
  s.gc_pause_s = 0.5;
  s.phase = "steady";
  lg__mx_state_sample(st, &s);
  st->has_load = true;
  st->requests = 138077;
  st->errors = 3;
  st->elapsed_s = 4.25;
  st->planned_s = 7;
  st->has_analysis = true;
  st->looks = 2;
  snprintf(st->x, sizeof st->x, "requests");
  st->leak = LG_LEAK_LEAK;
  st->slope = 80.01;
  st->slope_lo = 79.9;
  st->slope_hi = INFINITY;
  st->slope_per_second = 3.4e6;
  st->tolerance = 16;
  st->time_to_limit_s = 75.4;
  st->points = 83;
}

static char *render_str(const mx_state *st, bool om) {
  lg_buf b;
  lg__buf_init(&b, 1 << 20);
  ck_assert_int_eq(lg__mx_render(st, om, &b), 0);
  return lg__buf_steal(&b);
}

START_TEST(text_format) {
  mx_state st;
  char *t;
  full_state(&st);
  t = render_str(&st, false);
  ck_assert_ptr_nonnull(strstr(
      t, "leakgate_memory_bytes{scenario=\"items \\\"api\\\"\\\\v2\\nx\","
         "metric=\"anon\"} 11239424\n"));
  /* PSS never measured: absent, not NaN. */
  ck_assert_ptr_null(strstr(t, "metric=\"pss\""));
  ck_assert_ptr_null(strstr(t, "NaN"));
  ck_assert_ptr_nonnull(strstr(t, "# TYPE leakgate_requests_total counter\n"));
  ck_assert_ptr_nonnull(strstr(t, "leakgate_request_errors_total{"));
  ck_assert_ptr_nonnull(strstr(t, "# TYPE leakgate_phase_info gauge\n"));
  ck_assert_ptr_nonnull(strstr(t, "stage=\"load\",phase=\"steady\"} 1\n"));
  ck_assert_ptr_nonnull(strstr(t, "leakgate_slope_upper_bytes_per_request{"));
  ck_assert_ptr_nonnull(strstr(t, "} +Inf\n"));
  ck_assert_ptr_nonnull(strstr(t, "leakgate_growth=\"leak\"} 1\n"));
  ck_assert_ptr_nonnull(strstr(t, "leakgate_growth=\"no_leak\"} 0\n"));
  /* The managed runtime's GC columns (issue 12). */
  ck_assert_ptr_nonnull(strstr(t, "\nleakgate_runtime_heap_live_bytes{"));
  ck_assert_ptr_nonnull(strstr(t, "x\"} 52428800\n"));
  ck_assert_ptr_nonnull(
      strstr(t, "# TYPE leakgate_runtime_gc_collections_total counter\n"));
  ck_assert_ptr_nonnull(strstr(t, "x\"} 17\n"));
  ck_assert_ptr_nonnull(
      strstr(t, "\nleakgate_runtime_gc_pause_seconds_total{"));
  ck_assert_ptr_nonnull(strstr(t, "x\"} 0.5\n"));
  /* No time to limit at the upper bound was given: omitted. */
  ck_assert_ptr_null(strstr(t, "leakgate_time_to_limit_min_seconds"));
  ck_assert_ptr_null(strstr(t, "# EOF"));
  ck_assert_ptr_null(strstr(t, "# UNIT"));
  free(t);
}
END_TEST

START_TEST(openmetrics_format) {
  mx_state st;
  char *t;
  size_t n;
  full_state(&st);
  t = render_str(&st, true);
  n = strlen(t);
  ck_assert_uint_gt(n, 6);
  ck_assert_str_eq(t + n - 6, "# EOF\n");
  ck_assert_ptr_nonnull(strstr(t, "# TYPE leakgate_requests counter\n"));
  ck_assert_ptr_nonnull(strstr(t, "\nleakgate_requests_total{"));
  ck_assert_ptr_nonnull(strstr(t, "# TYPE leakgate_phase info\n"));
  ck_assert_ptr_nonnull(strstr(t, "\nleakgate_phase_info{"));
  ck_assert_ptr_nonnull(strstr(t, "# TYPE leakgate_growth stateset\n"));
  ck_assert_ptr_nonnull(strstr(t, "# UNIT leakgate_memory_bytes bytes\n"));
  ck_assert_ptr_nonnull(
      strstr(t, "# UNIT leakgate_slope_bytes_per_request bytes_per_request\n"));
  ck_assert_ptr_nonnull(
      strstr(t, "# TYPE leakgate_runtime_gc_pause_seconds counter\n"
                "# UNIT leakgate_runtime_gc_pause_seconds seconds\n"));
  ck_assert_ptr_nonnull(
      strstr(t, "# UNIT leakgate_runtime_heap_live_bytes bytes\n"));
  free(t);
}
END_TEST

START_TEST(seconds_axis_names) {
  mx_state st;
  char *t;
  full_state(&st);
  snprintf(st.x, sizeof st.x, "seconds");
  t = render_str(&st, false);
  ck_assert_ptr_nonnull(strstr(t, "\nleakgate_slope_bytes_per_second{"));
  ck_assert_ptr_nonnull(strstr(t, "\nleakgate_slope_lower_bytes_per_second{"));
  ck_assert_ptr_null(strstr(t, "per_request"));
  free(t);
}
END_TEST

START_TEST(empty_state_is_valid) {
  mx_state st;
  char *t;
  lg__mx_state_reset(&st);
  t = render_str(&st, true);
  ck_assert_ptr_nonnull(strstr(t, "leakgate_phase_info{scenario=\"\","));
  ck_assert_ptr_null(strstr(t, "leakgate_memory_bytes"));
  free(t);
}
END_TEST

START_TEST(negotiation) {
  /* What Prometheus 2.x sends. */
  ck_assert(lg__mx_wants_openmetrics(
      "application/openmetrics-text;version=1.0.0,application/"
      "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,"
      "*/*;q=0.1"));
  ck_assert(lg__mx_wants_openmetrics("application/openmetrics-text"));
  ck_assert(lg__mx_wants_openmetrics(
      "text/plain;q=0.5, application/openmetrics-text; version=\"1.0.0\""));
  ck_assert(!lg__mx_wants_openmetrics(NULL));
  ck_assert(!lg__mx_wants_openmetrics("*/*"));
  ck_assert(!lg__mx_wants_openmetrics("text/plain"));
  /* An OpenMetrics version we do not write, or q=0. */
  ck_assert(!lg__mx_wants_openmetrics(
      "application/openmetrics-text;version=0.0.1,text/plain;q=0.5"));
  ck_assert(!lg__mx_wants_openmetrics("application/openmetrics-text;q=0"));
  /* text/plain preferred by q. */
  ck_assert(!lg__mx_wants_openmetrics(
      "application/openmetrics-text;q=0.3,text/plain;version=0.0.4"));
  /* Equal q: text/plain named beats OpenMetrics. */
  ck_assert(
      !lg__mx_wants_openmetrics("text/plain, application/openmetrics-text"));
}
END_TEST

START_TEST(listen_addresses) {
  struct sockaddr_storage sa;
  socklen_t len;
  lg_error err;
  ck_assert_int_eq(lg__mx_parse_listen("9464", false, &sa, &len, &err), 0);
  ck_assert_int_eq(sa.ss_family, AF_INET);
  ck_assert_int_eq(ntohs(((struct sockaddr_in *)&sa)->sin_port), 9464);
  ck_assert_int_eq(lg__mx_parse_listen("127.0.0.2:0", false, &sa, &len, &err),
                   0);
  ck_assert_int_eq(lg__mx_parse_listen("localhost:1", false, &sa, &len, &err),
                   0);
  ck_assert_int_eq(lg__mx_parse_listen("[::1]:9464", false, &sa, &len, &err),
                   0);
  ck_assert_int_eq(sa.ss_family, AF_INET6);
  ck_assert_int_eq(lg__mx_parse_listen(":9464", false, &sa, &len, &err), 0);
  ck_assert_int_eq(lg__mx_parse_listen("0.0.0.0:9464", false, &sa, &len, &err),
                   LG_EUSAGE);
  ck_assert_ptr_nonnull(strstr(err.msg, "not a loopback address"));
  ck_assert_ptr_nonnull(strstr(err.msg, "--metrics-remote"));
  ck_assert_int_eq(lg__mx_parse_listen("[::]:9464", false, &sa, &len, &err),
                   LG_EUSAGE);
  ck_assert_int_eq(lg__mx_parse_listen("10.1.2.3:80", false, &sa, &len, &err),
                   LG_EUSAGE);
  ck_assert_int_eq(lg__mx_parse_listen("0.0.0.0:9464", true, &sa, &len, &err),
                   0);
  ck_assert_int_eq(lg__mx_parse_listen("host:9464", false, &sa, &len, &err),
                   LG_EUSAGE);
  ck_assert_ptr_nonnull(strstr(err.msg, "not a numeric address"));
  ck_assert_int_eq(
      lg__mx_parse_listen("127.0.0.1:99999", false, &sa, &len, &err),
      LG_EUSAGE);
  ck_assert_int_eq(lg__mx_parse_listen("127.0.0.1:", false, &sa, &len, &err),
                   LG_EUSAGE);
  ck_assert_int_eq(lg__mx_parse_listen("::1:80", false, &sa, &len, &err),
                   LG_EUSAGE);
  ck_assert_int_eq(lg__mx_parse_listen("", false, &sa, &len, &err), LG_EUSAGE);
}
END_TEST

/* ---- the server over real sockets ---- */

static int connect_to(const lg_metrics *m) {
  struct sockaddr_in sa;
  unsigned port = 0;
  int fd;
  ck_assert_int_eq(sscanf(lg_metrics_url(m), "http://127.0.0.1:%u/", &port), 1);
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  fd = socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  return fd;
}

/* Send req, read the whole response (the server closes). */
static char *exchange(const lg_metrics *m, const char *req) {
  static char buf[300000];
  size_t n = 0;
  ssize_t r;
  int fd = connect_to(m);
  struct timeval tv = {10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ck_assert_int_eq(send(fd, req, strlen(req), MSG_NOSIGNAL),
                   (ssize_t)strlen(req));
  while (n < sizeof buf - 1 &&
         (r = recv(fd, buf + n, sizeof buf - 1 - n, 0)) > 0)
    n += (size_t)r;
  buf[n] = '\0';
  close(fd);
  return buf;
}

static lg_metrics *start(size_t max_clients, double timeout) {
  lg_metrics_opts o;
  lg_metrics *m = NULL;
  lg_error err;
  memset(&o, 0, sizeof o);
  o.listen = "127.0.0.1:0";
  o.max_clients = max_clients;
  o.io_timeout_s = timeout;
  ck_assert_msg(lg_metrics_start(&o, &m, &err) == 0, "%s", err.msg);
  return m;
}

static void feed(lg_metrics *m) {
  lg_sample s;
  lg_load_progress p;
  lg_analysis a;
  lg_sample_init(&s); /* a native service: no GC columns */
  s.t_s = 1;
  s.requests = 10;
  s.rss_bytes = 4096;
  s.anon_bytes = 2048;
  s.pss_bytes = NAN;
  s.cgroup_bytes = NAN;
  s.procs = 1;
  s.fds = 3;
  s.phase = "warmup";
  lg_metrics_begin(m, "t1", 1 << 20);
  lg_metrics_sample(m, &s);
  memset(&p, 0, sizeof p);
  p.completed = 10;
  p.phase_name = "warmup";
  p.elapsed_s = 1;
  p.total_s = 2;
  lg_metrics_load(m, &p);
  memset(&a, 0, sizeof a);
  snprintf(a.x, sizeof a.x, "requests");
  a.leak = LG_LEAK_INCONCLUSIVE;
  a.slope = 1.5;
  a.slope_lo = -INFINITY;
  a.slope_hi = INFINITY;
  a.slope_per_second = NAN;
  a.tolerance = 16;
  a.time_to_limit_s = NAN;
  a.time_to_limit_min_s = NAN;
  lg_metrics_analysis(m, &a, false);
}

START_TEST(serves_and_negotiates) {
  lg_metrics *m = start(0, 0);
  char *r;
  feed(m);
  r = exchange(m, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  ck_assert_msg(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0, "%s", r);
  ck_assert_ptr_nonnull(
      strstr(r, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
  ck_assert_ptr_nonnull(
      strstr(r, "leakgate_memory_bytes{scenario=\"t1\",metric=\"anon\"} 2048"));
  ck_assert_ptr_nonnull(
      strstr(r, "leakgate_memory_limit_bytes{scenario=\"t1\"} 1048576"));
  /* A native service has no runtime GC view: not exported, not 0. */
  ck_assert_ptr_null(strstr(r, "leakgate_runtime_"));
  r = exchange(m, "GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\naccept: "
                  "application/openmetrics-text;version=1.0.0,text/"
                  "plain;version=0.0.4;q=0.5\r\n\r\n");
  ck_assert_ptr_nonnull(
      strstr(r, "Content-Type: application/openmetrics-text; version=1.0.0"));
  ck_assert_ptr_nonnull(strstr(r, "# EOF\n"));
  r = exchange(m, "HEAD /metrics HTTP/1.0\r\n\r\n");
  ck_assert_msg(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0, "%s", r);
  ck_assert_ptr_null(strstr(r, "leakgate_"));
  r = exchange(m, "GET / HTTP/1.1\r\n\r\n");
  ck_assert_msg(strncmp(r, "HTTP/1.1 404 ", 13) == 0, "%s", r);
  r = exchange(m, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  ck_assert_msg(strncmp(r, "HTTP/1.1 405 ", 13) == 0, "%s", r);
  r = exchange(m, "garbage\r\n\r\n");
  ck_assert_msg(strncmp(r, "HTTP/1.1 400 ", 13) == 0, "%s", r);
  {
    char big[9000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
    r = exchange(m, big);
    ck_assert_msg(strncmp(r, "HTTP/1.1 431 ", 13) == 0, "%.60s", r);
  }
  lg_metrics_stop(m);
}
END_TEST

/* Idle connections beyond the slots do not lock a scraper out, and a
 * silent one is dropped after the timeout. */
START_TEST(idle_clients_bounded) {
  lg_metrics *m = start(4, 1.0);
  int idle[12], i;
  char *r, c;
  feed(m);
  for (i = 0; i < 12; i++)
    idle[i] = connect_to(m);
  r = exchange(m, "GET /metrics HTTP/1.1\r\n\r\n");
  ck_assert_msg(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0, "%.80s", r);
  /* The last idle one still holds a slot; within the timeout (plus a
   * generous margin for a loaded machine) the server closes it. */
  {
    struct timeval tv = {20, 0};
    setsockopt(idle[11], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ck_assert_int_eq(recv(idle[11], &c, 1, 0), 0);
  }
  for (i = 0; i < 12; i++)
    close(idle[i]);
  lg_metrics_stop(m);
}
END_TEST

static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The process out of descriptors (the load's connections share its
 * limit): the server cannot accept a waiting scraper, and must neither
 * spin on it - poll would report it readable again at once, burning a core
 * the load needs - nor lose it: it is served once descriptors are free.
 * The bound is on CPU time, not on speed: a pause costs a few syscalls per
 * second, a spin all the CPU the scheduler gives this thread. */
START_TEST(out_of_fds_no_spin) {
  lg_metrics *m = start(0, 30);
  struct rlimit rl;
  struct timeval tv = {20, 0};
  struct timespec nap = {2, 0};
  static const char req[] = "GET /metrics HTTP/1.1\r\n\r\n";
  int fill[256], n = 0, fd, i;
  char buf[64];
  double c0, used;
  ssize_t r;

  feed(m);
  ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
  rl.rlim_cur = 128;
  ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
  while (n < 256 && (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
    fill[n++] = fd;
  ck_assert_int_eq(errno, EMFILE);
  ck_assert_int_gt(n, 1);
  close(fill[--n]); /* one left: the scraper's socket takes it */
  fd = connect_to(m);
  ck_assert_int_eq(send(fd, req, sizeof req - 1, MSG_NOSIGNAL),
                   (ssize_t)(sizeof req - 1));
  c0 = cpu_s();
  while (nanosleep(&nap, &nap) != 0 && errno == EINTR)
    ;
  used = cpu_s() - c0;
  ck_assert_msg(used < 0.03, "%.3f s of CPU in 2 s while out of descriptors",
                used);
  for (i = 0; i < n; i++)
    close(fill[i]);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  r = recv(fd, buf, sizeof buf - 1, 0);
  ck_assert_int_gt(r, 0);
  buf[r] = '\0';
  ck_assert_msg(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0, "%s", buf);
  close(fd);
  lg_metrics_stop(m);
}
END_TEST

/* After stop, the port is closed. */
START_TEST(stop_closes_listener) {
  lg_metrics *m = start(0, 0);
  struct sockaddr_in sa;
  unsigned port = 0;
  int fd;
  ck_assert_int_eq(sscanf(lg_metrics_url(m), "http://127.0.0.1:%u/", &port), 1);
  lg_metrics_stop(m);
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  fd = socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_ne(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  close(fd);
}
END_TEST

/* Pipe text into cmd; its exit status. */
static int pipe_to(const char *cmd, const char *text) {
  FILE *p = popen(cmd, "w");
  int st;
  ck_assert_ptr_nonnull(p);
  fputs(text, p);
  st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(promtool_accepts_text) {
  mx_state st;
  char *t;
  if (system("command -v promtool >/dev/null 2>&1") != 0) {
    require_tool("promtool_accepts_text", "promtool is not installed");
    return;
  }
  full_state(&st);
  t = render_str(&st, false);
  ck_assert_int_eq(pipe_to("promtool check metrics", t), 0);
  free(t);
  lg__mx_state_reset(&st);
  t = render_str(&st, false);
  ck_assert_int_eq(pipe_to("promtool check metrics", t), 0);
  free(t);
}
END_TEST

#define OM_PARSE                                                               \
  "/usr/bin/python3 -c 'import sys; "                                          \
  "from prometheus_client.openmetrics.parser import "                          \
  "text_string_to_metric_families as p; "                                      \
  "n = len(list(p(sys.stdin.read()))); sys.exit(0 if n > 0 else 3)'"

START_TEST(openmetrics_parser_accepts) {
  mx_state st;
  char *t;
  if (system(
          "/usr/bin/python3 -c 'import prometheus_client' >/dev/null 2>&1")) {
    require_tool("openmetrics_parser_accepts",
                 "python3-prometheus-client is not installed");
    return;
  }
  full_state(&st);
  t = render_str(&st, true);
  ck_assert_int_eq(pipe_to(OM_PARSE, t), 0);
  free(t);
  lg__mx_state_reset(&st);
  t = render_str(&st, true);
  ck_assert_int_eq(pipe_to(OM_PARSE, t), 0);
  free(t);
  /* The checker is not a rubber stamp: a document without "# EOF" is
   * refused. */
  ck_assert_int_ne(pipe_to(OM_PARSE, "# TYPE a gauge\na 1\n"), 0);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("metrics");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, text_format);
  tcase_add_test(tc, openmetrics_format);
  tcase_add_test(tc, seconds_axis_names);
  tcase_add_test(tc, empty_state_is_valid);
  tcase_add_test(tc, negotiation);
  tcase_add_test(tc, listen_addresses);
  tcase_add_test(tc, serves_and_negotiates);
  tcase_add_test(tc, idle_clients_bounded);
  tcase_add_test(tc, stop_closes_listener);
  tcase_add_test(tc, out_of_fds_no_spin);
  tcase_add_test(tc, promtool_accepts_text);
  tcase_add_test(tc, openmetrics_parser_accepts);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return lg_test_run(suite());
}
