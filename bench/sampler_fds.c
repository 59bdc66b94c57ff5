/* bench/sampler_fds.c - what sampling costs when the service holds many
 * fds (issue 13 item 6). A child holds FDS open fds (default 20,000, or as
 * many as the hard RLIMIT_NOFILE allows); leakgate's sampler samples it at
 * INTERVAL_MS (default 10) for SECONDS (default 5), writing samples.csv.
 * The peer, measured in the same run for as long at the same cadence: the
 * per-tick work leakgate did before (statm, then a walk of /proc/PID/fd's
 * entries every tick). Prints each one's CPU as a share of one core
 * (process CPU time over wall time), the rows written against the ticks
 * due, and the ratio. Target: leakgate < 10% of a core.
 * Usage: bench_sampler_fds [SECONDS] [FDS] [INTERVAL_MS]
 */
#include <leakgate/sampler.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru); /* the holder is a child: not counted */
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static pid_t holder(long nfds, int ready) {
  pid_t pid = fork();
  if (pid == 0) {
    struct rlimit rl = {(rlim_t)nfds, (rlim_t)nfds};
    int dn = open("/dev/null", O_RDONLY);
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
      getrlimit(RLIMIT_NOFILE, &rl);
      rl.rlim_cur = rl.rlim_max;
      setrlimit(RLIMIT_NOFILE, &rl);
    }
    while (dup(dn) >= 0)
      ;
    if (write(ready, "r", 1) != 1)
      _exit(1);
    for (;;)
      pause();
  }
  return pid;
}

/* The peer: statm and a walk of fd/ every interval, for seconds. */
static long walk_each_tick(pid_t pid, double interval, double seconds,
                           long *fds) {
  char path[64], buf[256];
  struct itimerspec its;
  uint64_t exp;
  double end;
  long rows = 0;
  int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
  memset(&its, 0, sizeof its);
  its.it_interval.tv_nsec = (long)(interval * 1e9);
  its.it_value.tv_nsec = 1000;
  timerfd_settime(tfd, 0, &its, NULL);
  end = now_s() + seconds;
  while (now_s() < end) {
    DIR *d;
    struct dirent *de;
    long n = 0;
    int fd;
    if (read(tfd, &exp, sizeof exp) != sizeof exp)
      break;
    snprintf(path, sizeof path, "/proc/%ld/statm", (long)pid);
    if ((fd = open(path, O_RDONLY)) >= 0) {
      if (read(fd, buf, sizeof buf) < 0)
        n = -1;
      close(fd);
    }
    snprintf(path, sizeof path, "/proc/%ld/fd", (long)pid);
    if ((d = opendir(path)) != NULL) {
      while ((de = readdir(d)) != NULL)
        n += de->d_name[0] != '.';
      closedir(d);
    }
    *fds = n;
    rows++;
  }
  close(tfd);
  return rows;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 5;
  long nfds = argc > 2 ? atol(argv[2]) : 20000;
  double interval = (argc > 3 ? atof(argv[3]) : 10) / 1000.0;
  char csv[] = "/tmp/lg-bench-fds-XXXXXX";
  lg_sampler_opts o;
  lg_sampler *s = NULL;
  lg_sampler_stats st;
  lg_error err = {0, ""};
  double t0, c0, lg_wall, lg_cpu, pe_wall, pe_cpu;
  long pe_rows, pe_fds = 0;
  int p[2], fd, status;
  char b;
  pid_t pid;

  if (pipe(p) != 0 || (fd = mkstemp(csv)) < 0)
    return 4;
  close(fd);
  pid = holder(nfds, p[1]);
  if (pid < 0 || read(p[0], &b, 1) != 1) {
    fprintf(stderr, "sampler_fds: the fd holder did not start\n");
    return 4;
  }
  memset(&o, 0, sizeof o);
  o.interval_s = interval;
  o.root_pid = pid;
  o.csv_path = csv;
  t0 = now_s();
  c0 = cpu_s();
  if (lg_sampler_start(&o, &s, &err) != 0) {
    fprintf(stderr, "sampler_fds: %s\n", err.msg);
    kill(pid, SIGKILL);
    return 4;
  }
  usleep((useconds_t)(seconds * 1e6));
  lg_sampler_stop(s, &st, &err);
  lg_wall = now_s() - t0;
  lg_cpu = cpu_s() - c0;
  unlink(csv);

  t0 = now_s();
  c0 = cpu_s();
  pe_rows = walk_each_tick(pid, interval, seconds, &pe_fds);
  pe_wall = now_s() - t0;
  pe_cpu = cpu_s() - c0;
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);

  printf("sampling a process with %ld open fds every %.0f ms for %.1f s\n",
         pe_fds, interval * 1e3, seconds);
  printf("  %-28s %6.1f%% of a core, %5zu rows of %5.0f due\n",
         "leakgate sampler", 100 * lg_cpu / lg_wall, st.samples,
         lg_wall / interval);
  printf("  %-28s %6.1f%% of a core, %5ld rows of %5.0f due\n",
         "walk of fd/ each tick (peer)", 100 * pe_cpu / pe_wall, pe_rows,
         pe_wall / interval);
  printf(
      "  ratio leakgate/peer CPU: %.3f (target: leakgate < 10%% of a core)\n",
      pe_cpu > 0 ? (lg_cpu / lg_wall) / (pe_cpu / pe_wall) : 0);
  return 0;
}
