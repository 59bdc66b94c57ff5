/* bench/load_vs_wrk.c - leakgate's http driver against wrk, the anchor.
 *
 * Starts the clean fixture server pinned to one CPU, then alternates rounds
 * of (a) leakgate's http driver (closed model, 16 connections, 1 thread) and
 * (b) `wrk -t1 -c16`, each for the same duration and pinned to the other
 * CPU. Each side runs in a child process so its CPU time and peak RSS come
 * from wait4() the same way. The order flips every round to cancel drift.
 * Prints one line per run (requests/s, the side's CPU seconds and peak RSS,
 * the server's CPU seconds during the run, and voluntary context switches,
 * i.e. sleeps, per 1000 requests), then the median ratio of requests/s
 * (leakgate / wrk; target >= 1.0), the CPU seconds per million requests and
 * the peak RSS of each side. On a machine shared with other work single
 * rounds are noisy: read the median, and run it more than once.
 *
 * Usage: bench_load_vs_wrk --server PATH [--duration S] [--rounds N]
 *        [--server-cpu C] [--load-cpu C] [--connections N] [--wrk PATH]
 * Needs wrk on PATH (Debian: apt-get install wrk). Not run as a test.
 */
#include <leakgate/load.h>

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct run {
  double rps, cpu_s, requests;
  long maxrss_kib;
  long nvcsw; /* voluntary context switches (sleeps) of the load side */
  double server_cpu_s; /* the server's CPU time during the run */
} run;

/* utime + stime of a process in seconds, from /proc/PID/stat. */
static double proc_cpu_s(pid_t pid) {
  char path[64], buf[1024], *p;
  unsigned long ut = 0, st = 0;
  FILE *f;
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  if (!(f = fopen(path, "r")))
    return NAN;
  p = fgets(buf, sizeof buf, f);
  fclose(f);
  if (!p || !(p = strrchr(buf, ')')))
    return NAN;
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
             &st) != 2)
    return NAN;
  return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void pin(int cpu) {
  cpu_set_t set;
  if (cpu < 0)
    return;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0)
    perror("sched_setaffinity");
}

static unsigned free_port(void) {
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) || getsockname(fd, (struct sockaddr *)&a, &len))
    return 0;
  close(fd);
  return ntohs(a.sin_port);
}

static int can_connect(unsigned port) {
  struct sockaddr_in a;
  int fd = socket(AF_INET, SOCK_STREAM, 0), ok;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
  close(fd);
  return ok;
}

static void collect(pid_t pid, run *r) {
  struct rusage ru;
  int st;
  while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR)
    ;
  r->cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
             (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  r->maxrss_kib = ru.ru_maxrss;
  r->nvcsw = ru.ru_nvcsw;
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    r->rps = NAN;
}

/* Reset *r to a failed run, then fork with a pipe from the child (pfd[1])
 * to us (pfd[0]). -1 when the pipe or the fork failed: *r stays failed and
 * no child exists (so collect() never waits for an unrelated one). */
static int start_child(int pfd[2], pid_t *pid, run *r) {
  memset(r, 0, sizeof *r);
  r->rps = NAN;
  if (pipe(pfd))
    return -1;
  *pid = fork();
  if (*pid < 0) {
    close(pfd[0]);
    close(pfd[1]);
    return -1;
  }
  return 0;
}

/* leakgate's http driver in a child; it reports "requests duration_s". */
static int run_leakgate(unsigned port, int cpu, int conns, double dur, run *r) {
  int pfd[2];
  pid_t pid;
  char line[128] = "";
  ssize_t n;
  if (start_child(pfd, &pid, r) != 0)
    return -1;
  if (pid == 0) {
    lg_load_spec s;
    lg_phase ph = {"bench", dur, NAN, NAN};
    lg_load_opts o;
    lg_load *l = NULL;
    lg_load_result res;
    lg_error e;
    FILE *f;
    close(pfd[0]);
    pin(cpu);
    memset(&s, 0, sizeof s);
    s.driver = LG_DRIVER_HTTP;
    s.connections = conns;
    s.threads = 1;
    s.url = "http://127.0.0.1:{{port}}/";
    s.phases = &ph;
    s.n_phases = 1;
    s.timeout_s = 5;
    s.seed = 1;
    lg_load_opts_init(&o);
    o.spec = &s;
    o.port = port;
    if (lg_load_new(&o, &l, &e) || lg_load_start(l, &e) ||
        (lg_load_wait(l, dur + 10), lg_load_finish(l, &res, &e))) {
      fprintf(stderr, "leakgate: %s\n", e.msg);
      _exit(1);
    }
    f = fdopen(pfd[1], "w");
    fprintf(f, "%lld %.6f %lld\n", (long long)res.requests, res.duration_s,
            (long long)res.errors);
    fclose(f);
    lg_load_result_cleanup(&res);
    lg_load_free(l);
    _exit(0);
  }
  close(pfd[1]);
  n = read(pfd[0], line, sizeof line - 1);
  close(pfd[0]);
  line[n > 0 ? n : 0] = '\0';
  {
    long long req = 0, errs = 0;
    double d = 0;
    if (sscanf(line, "%lld %lf %lld", &req, &d, &errs) != 3 || d <= 0)
      r->rps = NAN;
    else {
      r->rps = (double)req / d;
      r->requests = (double)req;
    }
    if (errs)
      fprintf(stderr, "leakgate run had %lld errors\n", errs);
  }
  collect(pid, r);
  return 0;
}

static int run_wrk(const char *wrk, unsigned port, int cpu, int conns,
                   double dur, run *r) {
  int pfd[2];
  pid_t pid;
  char out[8192], *p;
  size_t have = 0;
  ssize_t n;
  if (start_child(pfd, &pid, r) != 0)
    return -1;
  if (pid == 0) {
    char c[16], d[16], url[64];
    snprintf(c, sizeof c, "-c%d", conns);
    snprintf(d, sizeof d, "-d%.0fs", dur);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", port);
    close(pfd[0]);
    dup2(pfd[1], 1);
    pin(cpu);
    execlp(wrk, wrk, "-t1", c, d, url, (char *)NULL);
    _exit(127);
  }
  close(pfd[1]);
  while (have < sizeof out - 1 &&
         (n = read(pfd[0], out + have, sizeof out - 1 - have)) > 0)
    have += (size_t)n;
  out[have] = '\0';
  close(pfd[0]);
  p = strstr(out, "Requests/sec:");
  r->rps = p ? strtod(p + 13, NULL) : NAN;
  p = strstr(out, " requests in ");
  if (p) {
    while (p > out && p[-1] != ' ' && p[-1] != '\n')
      p--;
    r->requests = strtod(p, NULL);
  }
  collect(pid, r);
  return 0;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  const char *server = NULL, *wrk = "wrk";
  double dur = 2, ratios[64], lg_cpu = 0, wrk_cpu = 0, lg_req = 0, wrk_req = 0;
  int rounds = 8, scpu = 0, lcpu = 1, conns = 16, i, nr = 0;
  long lg_rss = 0, wrk_rss = 0;
  unsigned port;
  pid_t srv;

  for (i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--server")) server = argv[i + 1];
    else if (!strcmp(argv[i], "--duration")) dur = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--rounds")) rounds = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--server-cpu")) scpu = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--load-cpu")) lcpu = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--connections")) conns = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--wrk")) wrk = argv[i + 1];
    else { fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
  }
  if (!server || rounds < 1 || rounds > 64 || dur <= 0) {
    fprintf(stderr, "usage: %s --server PATH [--duration S] [--rounds N] "
            "[--server-cpu C] [--load-cpu C] [--connections N] [--wrk PATH]\n",
            argv[0]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  port = free_port();
  srv = fork();
  if (srv == 0) {
    char ps[16];
    snprintf(ps, sizeof ps, "%u", port);
    freopen("/dev/null", "w", stdout);
    pin(scpu);
    execl(server, server, "--port", ps, (char *)NULL);
    _exit(127);
  }
  for (i = 0; i < 500 && !can_connect(port); i++)
    usleep(10000);
  if (!can_connect(port)) {
    fprintf(stderr, "server %s did not listen on %u\n", server, port);
    kill(srv, SIGKILL);
    return 4;
  }
  printf("server %s on 127.0.0.1:%u (cpu %d); load on cpu %d; %d connections, "
         "1 thread, %.0f s per run, %d rounds\n", server, port, scpu, lcpu,
         conns, dur, rounds);
  printf("%-5s %-9s %12s %9s %10s %12s %10s\n", "round", "driver", "req/s",
         "cpu_s", "maxrss_kb", "server_cpu_s", "sleeps/1k");
  for (i = 0; i < rounds; i++) {
    run a, b;
    int first_lg = i % 2 == 0;
    double c0;
    if (first_lg) {
      c0 = proc_cpu_s(srv);
      run_leakgate(port, lcpu, conns, dur, &a);
      a.server_cpu_s = proc_cpu_s(srv) - c0;
      c0 = proc_cpu_s(srv);
      run_wrk(wrk, port, lcpu, conns, dur, &b);
      b.server_cpu_s = proc_cpu_s(srv) - c0;
    } else {
      c0 = proc_cpu_s(srv);
      run_wrk(wrk, port, lcpu, conns, dur, &b);
      b.server_cpu_s = proc_cpu_s(srv) - c0;
      c0 = proc_cpu_s(srv);
      run_leakgate(port, lcpu, conns, dur, &a);
      a.server_cpu_s = proc_cpu_s(srv) - c0;
    }
    printf("%-5d %-9s %12.0f %9.2f %10ld %12.2f %10.1f\n", i + 1, "leakgate",
           a.rps, a.cpu_s, a.maxrss_kib, a.server_cpu_s,
           a.requests > 0 ? 1000.0 * (double)a.nvcsw / a.requests : NAN);
    printf("%-5d %-9s %12.0f %9.2f %10ld %12.2f %10.1f\n", i + 1, "wrk", b.rps,
           b.cpu_s, b.maxrss_kib, b.server_cpu_s,
           b.requests > 0 ? 1000.0 * (double)b.nvcsw / b.requests : NAN);
    fflush(stdout);
    if (isnan(a.rps) || isnan(b.rps) || b.rps <= 0) {
      fprintf(stderr, "round %d failed (is wrk installed?)\n", i + 1);
      continue;
    }
    ratios[nr++] = a.rps / b.rps;
    lg_cpu += a.cpu_s;
    wrk_cpu += b.cpu_s;
    lg_req += a.requests;
    wrk_req += b.requests;
    if (a.maxrss_kib > lg_rss) lg_rss = a.maxrss_kib;
    if (b.maxrss_kib > wrk_rss) wrk_rss = b.maxrss_kib;
  }
  kill(srv, SIGTERM);
  waitpid(srv, NULL, 0);
  if (nr == 0)
    return 4;
  {
    double sorted[64], mean = 0;
    memcpy(sorted, ratios, sizeof(double) * (size_t)nr);
    qsort(sorted, (size_t)nr, sizeof(double), cmp);
    for (i = 0; i < nr; i++)
      mean += ratios[i] / nr;
    printf("ratios:");
    for (i = 0; i < nr; i++)
      printf(" %.3f", ratios[i]);
    printf("\nratio leakgate/wrk req/s: median %.3f mean %.3f min %.3f max "
           "%.3f (target >= 1.0)\n", nr % 2 ? sorted[nr / 2]
           : (sorted[nr / 2 - 1] + sorted[nr / 2]) / 2, mean, sorted[0],
           sorted[nr - 1]);
    printf("cpu s per 1M requests: leakgate %.2f, wrk %.2f\n",
           lg_req > 0 ? lg_cpu / lg_req * 1e6 : NAN,
           wrk_req > 0 ? wrk_cpu / wrk_req * 1e6 : NAN);
    printf("peak RSS: leakgate %ld KiB, wrk %ld KiB\n", lg_rss, wrk_rss);
  }
  return 0;
}
