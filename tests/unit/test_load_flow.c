/* Unit tests for the load engine's tcp and stdin drivers: a flow of
 * {send, expect} items against the line_echo fixture, real memcached (a
 * set/get flow, 0 errors, confirmed by memcached's own stats), the
 * stdin_lines fixture over pipes, a wrong delimiter, and a stdin service
 * that exits mid-run. */
#include "load_test_util.h"

#include <sys/stat.h>

START_TEST(tcp_echo_closed_and_open) {
  unsigned port;
  pid_t pid = lt_start_fixture("line_echo", &port);
  lt_spec t;
  lg_load_opts o;
  lg_load_result r;

  lt_spec_init(&t, LG_DRIVER_TCP, 4);
  t.s.threads = 2;
  t.s.address = "127.0.0.1:{{port}}";
  lt_flow(&t, "ping {{seq}}\n", "\n");
  lt_flow(&t, "two lines {{rand 1000}}\r\n{{port}}\r\n", "{{port}}\r\n");
  lt_phase(&t, "closed", 0.7, NAN, NAN);
  lt_phase(&t, "open", 1.0, 500, NAN);
  lg_load_opts_init(&o);
  o.spec = &t.s;
  o.port = port;
  lt_run(&o, &r);
  ck_assert_str_eq(r.driver, "tcp");
  ck_assert_int_eq(r.errors, 0);
  ck_assert_msg(r.phases[0].requests > 500, "closed: %lld",
                (long long)r.phases[0].requests);
  /* 500 due: delivered (90 %: a stalled machine drops a backlog at the end),
   * or dropped; +-4 for requests in flight at the phase edges */
  ck_assert_msg(r.phases[1].requests >= 450 &&
                    r.phases[1].requests + r.dropped >= 500 - 4 &&
                    r.phases[1].requests + r.dropped <= 500 + 4,
                "open 500/s: %lld, dropped %lld",
                (long long)r.phases[1].requests, (long long)r.dropped);
  lg_load_result_cleanup(&r);

  /* A delimiter that ends the response too early is reported, not hidden. */
  lt_spec_init(&t, LG_DRIVER_TCP, 1);
  lt_flow(&t, "a\nb\n", "\n");
  lt_phase(&t, "p", 0.3, NAN, NAN);
  o.spec = &t.s;
  lt_run(&o, &r);
  ck_assert_int_gt(r.err_parse, 0);
  ck_assert_msg(strstr(r.message, "check load.flow expect"), "%s", r.message);
  lg_load_result_cleanup(&r);
  lt_stop_service(pid);
}
END_TEST

/* Ask memcached for one stat over a fresh connection. */
static long mc_stat(unsigned port, const char *name) {
  struct sockaddr_in a;
  char buf[8192], key[64], *p;
  size_t have = 0;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  ck_assert_int_eq(write(fd, "stats\r\n", 7), 7);
  while (have < sizeof buf - 1) {
    ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
    if (n <= 0)
      break;
    have += (size_t)n;
    buf[have] = '\0';
    if (strstr(buf, "END\r\n"))
      break;
  }
  close(fd);
  buf[have] = '\0';
  snprintf(key, sizeof key, "STAT %s ", name);
  p = strstr(buf, key);
  return p ? atol(p + strlen(key)) : -1;
}

START_TEST(tcp_memcached_set_get) {
  const char *mc = "/usr/bin/memcached";
  unsigned port;
  char ports[16];
  pid_t pid;
  lt_spec t;
  lg_load_opts o;
  lg_load_result r;
  struct stat sb;

  if (stat(mc, &sb) != 0) {
    lg_test_skip("tcp_memcached_set_get",
                 "/usr/bin/memcached is not installed (apt-get install "
                 "memcached; ci/install-deps.sh)");
    return;
  }
  port = lt_free_port();
  snprintf(ports, sizeof ports, "%u", port);
  {
    char *argv[] = {(char *)mc, "-p", ports, "-l", "127.0.0.1", "-U", "0",
                    "-m", "16", "-t", "1", "-u", "nobody", NULL};
    pid = lt_start_service(argv, port);
  }
  lt_spec_init(&t, LG_DRIVER_TCP, 4);
  t.s.address = "127.0.0.1:{{port}}";
  lt_flow(&t, "set k{{seq % 100}} 0 0 5\r\nhello\r\n", "\r\n");
  lt_flow(&t, "get k{{seq % 100}}\r\n", "END\r\n");
  lt_phase(&t, "steady", 1.5, NAN, NAN);
  lg_load_opts_init(&o);
  o.spec = &t.s;
  o.port = port;
  lt_run(&o, &r);
  ck_assert_msg(r.errors == 0, "memcached errors: %s", r.message);
  ck_assert_msg(r.requests > 1000, "%lld requests", (long long)r.requests);
  /* memcached saw the flow: sets stored, and gets that hit them */
  ck_assert_int_ge(mc_stat(port, "cmd_set"), r.requests / 2 - 8);
  ck_assert_int_ge(mc_stat(port, "cmd_get"), r.requests / 2 - 8);
  ck_assert_int_gt(mc_stat(port, "get_hits"), 0);
  lg_load_result_cleanup(&r);
  lt_stop_service(pid);
}
END_TEST

/* The stdin_lines fixture on pipes; extra argv for options. */
static pid_t start_stdin_service(const char *opt, const char *val, int *to,
                                 int *from) {
  int in[2], out[2];
  char path[1024];
  pid_t pid;
  lg_test_bin("tests/fixtures/stdin_lines", path, sizeof path);
  ck_assert_int_eq(pipe(in), 0);
  ck_assert_int_eq(pipe(out), 0);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[0]);
    close(in[1]);
    close(out[0]);
    close(out[1]);
    if (opt)
      execl(path, path, opt, val, (char *)NULL);
    else
      execl(path, path, (char *)NULL);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  *to = in[1];
  *from = out[0];
  return pid;
}

START_TEST(stdin_lines_service) {
  int to, from, st;
  pid_t pid = start_stdin_service(NULL, NULL, &to, &from);
  lt_spec t;
  lg_load_opts o;
  lg_load_result r;

  lt_spec_init(&t, LG_DRIVER_STDIN, 8); /* 8 requests in flight */
  lt_flow(&t, "req {{seq}}\n", "\n");
  lt_phase(&t, "closed", 0.6, NAN, NAN);
  lt_phase(&t, "open", 1.0, 1000, NAN);
  lg_load_opts_init(&o);
  o.spec = &t.s;
  o.stdin_fd = to;
  o.stdout_fd = from;
  lt_run(&o, &r);
  ck_assert_str_eq(r.driver, "stdin");
  ck_assert_msg(r.errors == 0, "%s", r.message);
  ck_assert_msg(r.phases[0].requests > 1000, "closed: %lld",
                (long long)r.phases[0].requests);
  ck_assert_msg(r.phases[1].requests >= 900 &&
                    r.phases[1].requests + r.dropped >= 1000 - 8 &&
                    r.phases[1].requests + r.dropped <= 1000 + 8,
                "open 1000/s: %lld, dropped %lld",
                (long long)r.phases[1].requests, (long long)r.dropped);
  lg_load_result_cleanup(&r);
  /* the fds stay ours: the service ends when we close its stdin */
  ck_assert_int_eq(fcntl(to, F_GETFD), 0);
  close(to);
  { /* answers to the requests abandoned at the end are still coming */
    char buf[4096];
    fcntl(from, F_SETFL, 0);
    while (read(from, buf, sizeof buf) > 0)
      ;
  }
  close(from);
  ck_assert_int_eq(waitpid(pid, &st, 0), pid);
  ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}
END_TEST

START_TEST(stdin_service_exits_mid_run) {
  int to, from, st;
  pid_t pid = start_stdin_service("--exit-after", "500", &to, &from);
  lt_spec t;
  lg_load_opts o;
  lg_load_result r;
  double t0 = lg__now_s();

  lt_spec_init(&t, LG_DRIVER_STDIN, 4);
  lt_flow(&t, "req {{seq}}\n", "\n");
  lt_phase(&t, "p", 1.0, NAN, NAN);
  lg_load_opts_init(&o);
  o.spec = &t.s;
  o.stdin_fd = to;
  o.stdout_fd = from;
  lt_run(&o, &r);
  ck_assert(lg__now_s() - t0 < 2.0); /* ends on time, never hangs */
  ck_assert_int_eq(r.requests, 500);
  ck_assert_int_ge(r.errors, 1);
  ck_assert_int_le(r.errors, 8);
  ck_assert_msg(strstr(r.message, "the service closed its std"), "%s",
                r.message);
  lg_load_result_cleanup(&r);
  close(to);
  close(from);
  waitpid(pid, &st, 0);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("load_flow");
  TCase *tc = tcase_create("flow");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, tcp_echo_closed_and_open);
  tcase_add_test(tc, tcp_memcached_set_get);
  tcase_add_test(tc, stdin_lines_service);
  tcase_add_test(tc, stdin_service_exits_mid_run);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return lg_test_run(suite()); }
