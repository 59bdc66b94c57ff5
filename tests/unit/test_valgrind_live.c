/* test_valgrind_live.c - the Valgrind tiers for real: the HTTP fixtures run
 * under the argv prefixes of lg_memcheck_argv / lg_massif_argv (valgrind
 * 3.x must be installed: ci/install-deps.sh), driven by a tiny blocking
 * client, stopped with SIGTERM (or SIGKILL), and their outputs parsed.
 * Each case stays well under a minute on 2 shared cores.
 * Under an ASan build the fixtures carry ASan, which cannot run inside
 * Valgrind: only the tool lookup runs then. */
#include "lg_test.h"

#include <leakgate/valgrind.h>

#include "core/clock.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static lg_result *res;
static char dir[64];
static char vg[4096];

static void setup(void) {
  lg_error err;
  res = lg_result_new();
  snprintf(dir, sizeof dir, "/tmp/lg_vg_liveXXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
  ck_assert_msg(lg_valgrind_find(vg, sizeof vg, NULL, 0, &err) == 0, "%s",
                err.msg);
}

static void teardown(void) {
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d && (e = readdir(d)) != NULL) {
    char p[4200];
    if (e->d_name[0] == '.')
      continue;
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    unlink(p);
  }
  if (d)
    closedir(d);
  rmdir(dir);
  lg_result_free(res);
}

static int free_port(void) {
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  int fd = socket(AF_INET, SOCK_STREAM, 0), port;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
  ck_assert(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
  port = ntohs(a.sin_port);
  close(fd);
  return port;
}

static int dial(int port) {
  struct sockaddr_in a;
  struct timeval tv = {20, 0};
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* One GET with Connection: close, read to EOF: when it returns, the
 * server has answered and freed the connection. */
static void http_get(int port, int n) {
  char req[128], buf[512];
  int fd = dial(port), len;
  size_t got = 0;
  ssize_t r;
  ck_assert_int_ge(fd, 0);
  len = snprintf(
      req, sizeof req,
      "GET /items/%d HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", n);
  ck_assert_int_eq(write(fd, req, (size_t)len), len);
  while ((r = read(fd, buf + got, sizeof buf - 1 - got)) > 0 &&
         got + (size_t)r < sizeof buf - 1)
    got += (size_t)r;
  buf[got] = '\0';
  ck_assert_msg(strncmp(buf, "HTTP/1.1 200", 12) == 0, "reply '%s'", buf);
  close(fd);
}

/* Start the fixture under prefix; wait until it accepts connections. */
static pid_t start(char **prefix, const char *fixture, int port,
                   const char *leak_bytes) {
  char fx[4096], ports[16], **argv;
  char *cmd[] = {fx, "--port", ports, NULL};
  lg_error err;
  double deadline;
  pid_t pid;
  lg_test_bin(fixture, fx, sizeof fx);
  snprintf(ports, sizeof ports, "%d", port);
  ck_assert_int_eq(lg_valgrind_wrap(prefix, cmd, &argv, &err), 0);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR);
    dup2(null, 1);
    dup2(null, 2);
    if (leak_bytes)
      setenv("LEAK_BYTES", leak_bytes, 1);
    execv(argv[0], argv);
    _exit(127);
  }
  lg_valgrind_argv_free(argv);
  deadline = lg__now_s() + 40;
  for (;;) {
    int fd = dial(port), st;
    if (fd >= 0) {
      close(fd);
      return pid;
    }
    ck_assert_msg(waitpid(pid, &st, WNOHANG) == 0, "%s died at start", fixture);
    ck_assert_msg(lg__now_s() < deadline, "%s not ready in 40 s", fixture);
    usleep(100 * 1000);
  }
}

/* Send sig, wait (at most 40 s, then SIGKILL); the wait status. */
static int stop(pid_t pid, int sig) {
  double deadline = lg__now_s() + 40;
  int st = 0;
  kill(pid, sig);
  while (waitpid(pid, &st, WNOHANG) == 0) {
    if (lg__now_s() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      ck_abort_msg("the service did not stop within 40 s of signal %d", sig);
    }
    usleep(20 * 1000);
  }
  return st;
}

static char **memcheck_prefix(const char *supp) {
  lg_memcheck_cmd c;
  char **argv = NULL;
  const char *supps[1];
  lg_error err;
  memset(&c, 0, sizeof c);
  c.valgrind = vg;
  c.out_dir = dir;
  if (supp) {
    supps[0] = supp;
    c.suppressions = supps;
    c.n_suppressions = 1;
  }
  ck_assert_int_eq(lg_memcheck_argv(&c, &argv, &err), 0);
  return argv;
}

/* The line of the malloc in leak_per_request(), read from the source. */
static int malloc_line(void) {
  char path[4096], line[512];
  int n = 0;
  FILE *f =
      fopen(lg_test_src("tests/fixtures/leaky_http.c", path, sizeof path), "r");
  ck_assert_ptr_nonnull(f);
  while (fgets(line, sizeof line, f)) {
    n++;
    if (strstr(line, "malloc(leak_bytes)")) {
      fclose(f);
      return n;
    }
  }
  fclose(f);
  ck_abort_msg("no malloc(leak_bytes) in leaky_http.c");
  return -1;
}

START_TEST(t_memcheck_leaky) {
  lg_memcheck_result *m = &res->memcheck;
  char **prefix = memcheck_prefix(NULL);
  int port = free_port(), i, st;
  pid_t pid = start(prefix, "tests/fixtures/leaky_http", port, "64");
  const lg_leak_record *l;
  lg_error err;
  for (i = 0; i < 50; i++)
    http_get(port, i);
  st = stop(pid, SIGTERM);
  lg_valgrind_argv_free(prefix);
  /* the fixture exits 0 on SIGTERM; Valgrind turns that into the
   * error exit code because definite leaks are errors */
  ck_assert(WIFEXITED(st));
  ck_assert_int_eq(WEXITSTATUS(st), LG_MEMCHECK_ERROR_EXIT);
  ck_assert_msg(lg_memcheck_collect(dir, m, &err) == 0, "%s", err.msg);
  ck_assert(m->ran);
  /* 64 B per request; the last block may still sit in a register */
  ck_assert(m->definitely_lost_bytes >= 49 * 64);
  ck_assert(m->definitely_lost_bytes <= 50 * 64);
  ck_assert_uint_ge(m->n_leaks, 1);
  l = &m->leaks[0];
  ck_assert_str_eq(l->kind, "definite");
  ck_assert_uint_ge(l->n_stack, 2);
  ck_assert_str_eq(l->stack[1].function, "leak_per_request");
  ck_assert_ptr_nonnull(strstr(l->stack[1].file, "leaky_http.c"));
  ck_assert_int_eq(l->stack[1].line, malloc_line());
  ck_assert_uint_eq(strlen(l->fingerprint), 16);
}
END_TEST

START_TEST(t_memcheck_clean) {
  lg_memcheck_result *m = &res->memcheck;
  char **prefix = memcheck_prefix(NULL);
  int port = free_port(), i, st;
  pid_t pid = start(prefix, "tests/fixtures/clean_http", port, NULL);
  lg_error err;
  for (i = 0; i < 50; i++)
    http_get(port, i);
  st = stop(pid, SIGTERM);
  lg_valgrind_argv_free(prefix);
  ck_assert(WIFEXITED(st));
  ck_assert_int_eq(WEXITSTATUS(st), 0);
  ck_assert_msg(lg_memcheck_collect(dir, m, &err) == 0, "%s", err.msg);
  ck_assert(m->ran);
  ck_assert_double_eq(m->definitely_lost_bytes, 0);
  ck_assert_double_eq(m->indirectly_lost_bytes, 0);
  ck_assert_int_eq(m->errors, 0);
}
END_TEST

START_TEST(t_memcheck_suppressed) {
  lg_memcheck_result *m = &res->memcheck;
  char supp[4096];
  char **prefix;
  int port = free_port(), i, st;
  pid_t pid;
  lg_error err;
  prefix = memcheck_prefix(
      lg_test_src("tests/data/memcheck/leaky.supp", supp, sizeof supp));
  pid = start(prefix, "tests/fixtures/leaky_http", port, "64");
  for (i = 0; i < 20; i++)
    http_get(port, i);
  st = stop(pid, SIGTERM);
  lg_valgrind_argv_free(prefix);
  ck_assert(WIFEXITED(st));
  ck_assert_int_eq(WEXITSTATUS(st), 0); /* nothing left to report */
  ck_assert_msg(lg_memcheck_collect(dir, m, &err) == 0, "%s", err.msg);
  ck_assert_double_eq(m->definitely_lost_bytes, 0);
  ck_assert_uint_eq(m->n_leaks, 0);
}
END_TEST

/* SIGKILL: no leak check ran; the message says so. */
START_TEST(t_memcheck_killed) {
  lg_memcheck_result *m = &res->memcheck;
  char **prefix = memcheck_prefix(NULL);
  int port = free_port(), i, st;
  pid_t pid = start(prefix, "tests/fixtures/leaky_http", port, "64");
  lg_error err;
  for (i = 0; i < 5; i++)
    http_get(port, i);
  st = stop(pid, SIGKILL);
  lg_valgrind_argv_free(prefix);
  ck_assert(WIFSIGNALED(st));
  ck_assert_int_eq(lg_memcheck_collect(dir, m, &err), LG_EINPUT);
  ck_assert_msg(strstr(err.msg, "before Memcheck's leak check ran"), "%s",
                err.msg);
  ck_assert(!m->ran);
}
END_TEST

/* Request-aligned Massif: a detailed snapshot through vgdb every 10
 * requests; the series is against requests and the top growing site is
 * the leaking function. The --detailed-freq file agrees. */
START_TEST(t_massif_vgdb) {
  lg_massif_result *m = &res->massif;
  lg_massif_cmd c;
  lg_massif_series *s = NULL;
  char **prefix = NULL, *vprefix, path[256], snaps[5][256];
  int port = free_port(), i, k, st, n = 0;
  pid_t pid, pids[8];
  lg_error err;

  memset(&c, 0, sizeof c);
  c.valgrind = vg;
  c.out_dir = dir;
  c.vgdb = true;
  ck_assert_int_eq(lg_massif_argv(&c, &prefix, &err), 0);
  vprefix = lg_massif_vgdb_prefix(dir);
  pid = start(prefix, "tests/fixtures/leaky_http", port, "256");
  lg_valgrind_argv_free(prefix);
  ck_assert_int_eq(lg_vgdb_pids(vprefix, pids, 8), 1);
  ck_assert_int_eq(pids[0], pid);
  for (k = 0; k < 5; k++) {
    for (i = 0; i < 10; i++)
      http_get(port, n++);
    snprintf(snaps[k], sizeof snaps[k], "%s/snap.%d", dir, n);
    ck_assert_msg(
        lg_massif_vgdb_snapshot(vprefix, pid, snaps[k], true, 30, &err) == 0,
        "%s", err.msg);
  }
  st = stop(pid, SIGTERM);
  ck_assert(WIFEXITED(st));
  ck_assert_int_eq(lg_massif_series_new(&s, &err), 0);
  for (k = 0; k < 5; k++)
    ck_assert_msg(
        lg_massif_series_add_file(s, snaps[k], 10.0 * (k + 1), &err) == 0, "%s",
        err.msg);
  ck_assert_int_eq(lg_massif_series_finish(s, NULL, m, &err), 0);
  lg_massif_series_free(s);
  ck_assert_uint_eq(m->n_heap, 5);
  ck_assert_double_eq(m->heap_x[0], 10);
  ck_assert_double_eq(m->heap_x[4], 50);
  ck_assert(m->heap_y[4] - m->heap_y[0] >= 40 * 256);
  ck_assert_uint_ge(m->n_sites, 1);
  ck_assert_str_eq(m->growing_sites[0].function, "leak_per_request");
  ck_assert_str_eq(m->growing_sites[0].file, "leaky_http.c");
  ck_assert_int_eq(m->growing_sites[0].line, malloc_line());
  ck_assert(m->growing_sites[0].growth_bytes >= 30 * 256);

  /* the fallback: Massif's own file, x = bytes allocated */
  snprintf(path, sizeof path, "%s/massif.out.%d", dir, (int)pid);
  ck_assert_msg(lg_massif_parse_file(path, m, &err) == 0, "%s", err.msg);
  ck_assert_uint_ge(m->n_sites, 1);
  ck_assert_str_eq(m->growing_sites[0].function, "leak_per_request");
  free(vprefix);

  /* vgdb towards a process that is gone fails, and does not hang */
  {
    double t0 = lg__now_s();
    ck_assert_int_ne(
        lg_massif_vgdb_snapshot(NULL, pid, snaps[0], true, 10, &err), 0);
    ck_assert(lg__now_s() - t0 < 15);
  }
  ck_assert_int_eq(lg_massif_vgdb_snapshot(NULL, 1, "/tmp/a b", true, 1, &err),
                   LG_EUSAGE);
}
END_TEST

START_TEST(t_find) {
  char path[4096], version[64],
      *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
  lg_error err;
  ck_assert_int_eq(
      lg_valgrind_find(path, sizeof path, version, sizeof version, &err), 0);
  ck_assert_int_eq(strncmp(version, "valgrind-3.", 11), 0);
  ck_assert_int_eq(access(path, X_OK), 0);
  setenv("PATH", "/nonexistent-dir", 1);
  ck_assert_int_eq(lg_valgrind_find(path, sizeof path, NULL, 0, &err),
                   LG_ETOOL);
  ck_assert_ptr_nonnull(strstr(err.msg, "install the 'valgrind' package"));
  if (old) {
    setenv("PATH", old, 1);
    free(old);
  }
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("valgrind_live");
  TCase *tc = tcase_create("live");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 90);
  tcase_add_test(tc, t_find);
  /* Also in sanitizer builds: the fixtures are built without ASan there
   * (tests/fixtures/CMakeLists.txt), so Valgrind can run them. */
  tcase_add_test(tc, t_memcheck_leaky);
  tcase_add_test(tc, t_memcheck_clean);
  tcase_add_test(tc, t_memcheck_suppressed);
  tcase_add_test(tc, t_memcheck_killed);
  tcase_add_test(tc, t_massif_vgdb);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return lg_test_run(suite());
}
