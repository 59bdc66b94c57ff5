/* test_sampler - procfs measuring and the sampling thread: exact sums from
 * a fake procfs tree (procfs_root hook), the process tree walk, vanished
 * processes skipped, rows with increasing t_s and the callbacks' values,
 * PSS read only at marked phase boundaries (smaps_rollup opens counted with
 * inotify), a final synchronous sample, plausible RSS for a known
 * allocation, and - with a real cgroup - every process of a forking
 * service summed, then killed by destroy. */
#include <leakgate/container.h>
#include <leakgate/sampler.h>

#include "lg_test.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tmp[64];

static void setup(void) {
  snprintf(tmp, sizeof tmp, "/tmp/lg-smp-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  ck_assert_int_eq(system(cmd), 0);
}

static void put(const char *rel, const char *text) {
  char p[512], cmd[600];
  FILE *f;
  snprintf(p, sizeof p, "%s/proc/%s", tmp, rel);
  snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\"", p);
  ck_assert_int_eq(system(cmd), 0);
  f = fopen(p, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
}

/* A fake process: statm pages, nfds fd entries, a Pss, its children. */
static void fake_proc(int pid, const char *statm, int nfds, int pss_kb,
                      const char *children) {
  char rel[128], text[256];
  int i;
  snprintf(rel, sizeof rel, "%d/statm", pid);
  put(rel, statm);
  for (i = 0; i < nfds; i++) {
    snprintf(rel, sizeof rel, "%d/fd/%d", pid, i);
    put(rel, "");
  }
  snprintf(rel, sizeof rel, "%d/smaps_rollup", pid);
  snprintf(text, sizeof text,
           "00400000-7fff0000 ---p 00000000 00:00 0 "
           "[rollup]\nRss: 1 kB\nPss: %d kB\nPss_Anon: 1 kB\n",
           pss_kb);
  put(rel, text);
  snprintf(rel, sizeof rel, "%d/task/%d/children", pid, pid);
  put(rel, children);
}

static const char *fake_root(char *buf, size_t cap) {
  snprintf(buf, cap, "%s/proc", tmp);
  return buf;
}

/* 100 -> 101, 102; 102 has a second thread 103 whose child is 104. */
static void fake_tree(void) {
  fake_proc(100, "5000 1000 200 10 0 900 0\n", 4, 3000, "101 102 ");
  fake_proc(101, "3000 500 100 10 0 400 0\n", 3, 1000, "");
  fake_proc(102, "3000 300 300 10 0 100 0\n", 2, 500, "");
  put("102/task/103/children", "104");
  fake_proc(104, "1000 100 0 1 0 100 0\n", 1, 100, "");
}

START_TEST(measure_fake) {
  char root[128];
  pid_t pids[] = {100, 101, 102, 104, 999};
  lg_proc_mem m;
  double pg = (double)sysconf(_SC_PAGESIZE);
  fake_tree();
  ck_assert_int_eq(
      lg_procfs_measure(fake_root(root, sizeof root), pids, 5, 0, &m), 0);
  ck_assert_int_eq(m.procs, 4); /* 999 vanished: skipped, no error */
  ck_assert_int_eq(m.errors, 0);
  ck_assert_double_eq(m.rss_bytes, 1900 * pg);
  ck_assert_double_eq(m.anon_bytes, (800 + 400 + 0 + 100) * pg);
  ck_assert_int_eq(m.fds, 10);
  ck_assert(isnan(m.pss_bytes));
  ck_assert_int_eq(lg_procfs_measure(root, pids, 5, 1, &m), 0);
  ck_assert_double_eq(m.pss_bytes, (3000 + 1000 + 500 + 100) * 1024.0);
}
END_TEST

START_TEST(tree_fake) {
  char root[128];
  pid_t pids[8];
  size_t n;
  fake_tree();
  ck_assert_int_eq(
      lg_procfs_tree(fake_root(root, sizeof root), 100, pids, 8, &n), 0);
  ck_assert_uint_eq(n, 4);
  ck_assert_int_eq(pids[0], 100);
  ck_assert_int_eq(pids[1], 101);
  ck_assert_int_eq(pids[2], 102);
  ck_assert_int_eq(pids[3], 104);
  ck_assert_int_eq(lg_procfs_tree(root, 100, pids, 2, &n), 0);
  ck_assert_uint_eq(n, 4); /* all counted, 2 stored */
  ck_assert_int_eq(lg_procfs_tree(root, 555, pids, 8, &n), 0);
  ck_assert_uint_eq(n, 0);
}
END_TEST

typedef struct counter {
  atomic_ulong n;
  atomic_int rows;
} counter;

static uint64_t count_requests(void *ctx) {
  counter *c = ctx;
  return atomic_fetch_add(&c->n, 7) + 7;
}

static const char *phase_name(void *ctx) {
  (void)ctx;
  return "steady";
}

static void on_row(const lg_sample *s, void *ctx) {
  counter *c = ctx;
  (void)s;
  atomic_fetch_add(&c->rows, 1);
}

/* Split one CSV row into cells (in place). */
static int cells(char *line, char **cell, int max) {
  int n = 0;
  char *p = line;
  cell[n++] = p;
  while (*p && n < max) {
    if (*p == ',') {
      *p = '\0';
      cell[n++] = p + 1;
    }
    p++;
  }
  return n;
}

/* The managed runtime's columns, as the run's GC monitor fills them. */
static void gc_columns(void *ctx, lg_sample *row) {
  (void)ctx;
  row->heap_live_bytes = 73400320;
  row->gc_count = 3;
  row->gc_pause_s = 0.25;
}

START_TEST(rows_and_pss_only_at_marks) {
  char root[128], csv[128], line[512], *c[16], watch[160], evbuf[4096];
  lg_sampler_opts o;
  lg_sampler *s = NULL;
  lg_sampler_stats st;
  lg_error err = {0, ""};
  counter cnt;
  FILE *f;
  double last_t = -1;
  int rows = 0, pss_rows = 0, ino, opens = 0;
  ssize_t got;
  fake_tree();
  atomic_init(&cnt.n, 0);
  atomic_init(&cnt.rows, 0);
  ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  ck_assert_int_ge(ino, 0);
  snprintf(watch, sizeof watch, "%s/proc/100/smaps_rollup", tmp);
  /* with IN_CLOSE_NOWRITE between them, two opens are not coalesced */
  ck_assert_int_ge(inotify_add_watch(ino, watch, IN_OPEN | IN_CLOSE_NOWRITE),
                   0);
  snprintf(csv, sizeof csv, "%s/samples.csv", tmp);
  memset(&o, 0, sizeof o);
  o.interval_s = 0.02;
  o.root_pid = 100;
  o.csv_path = csv;
  o.procfs_root = fake_root(root, sizeof root);
  o.requests = count_requests;
  o.requests_ctx = &cnt;
  o.phase = phase_name;
  o.on_sample = on_row;
  o.on_sample_ctx = &cnt;
  o.gc = gc_columns;
  ck_assert_int_eq(lg_sampler_start(&o, &s, &err), 0);
  usleep(150000);
  lg_sampler_mark_phase(s);
  usleep(150000);
  lg_sampler_mark_phase(s);
  ck_assert_int_eq(lg_sampler_sample_now(s, &err), 0); /* takes the mark */
  ck_assert_int_eq(lg_sampler_stop(s, &st, &err), 0);
  while ((got = read(ino, evbuf, sizeof evbuf)) > 0) {
    char *p = evbuf;
    while (p < evbuf + got) {
      struct inotify_event *ev = (struct inotify_event *)p;
      opens += (ev->mask & IN_OPEN) != 0;
      p += sizeof *ev + ev->len;
    }
  }
  close(ino);
  f = fopen(csv, "r");
  ck_assert_ptr_nonnull(f);
  ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
  ck_assert_str_eq(line, "t_s,requests,rss_bytes,anon_bytes,pss_bytes,"
                         "cgroup_bytes,procs,fds,phase,heap_live_bytes,"
                         "gc_count,gc_pause_s\n");
  while (fgets(line, sizeof line, f)) {
    double t;
    line[strcspn(line, "\n")] = '\0';
    ck_assert_int_eq(cells(line, c, 16), 12);
    ck_assert_str_eq(c[9], "73400320");
    ck_assert_str_eq(c[10], "3");
    ck_assert_str_eq(c[11], "0.250000");
    t = atof(c[0]);
    ck_assert(t > last_t);
    last_t = t;
    ck_assert_int_eq(atol(c[1]) % 7, 0);
    ck_assert(atol(c[1]) > 0);
    ck_assert_str_eq(c[6], "4");
    ck_assert_str_eq(c[7], "10");
    ck_assert_str_eq(c[5], ""); /* no cgroup */
    ck_assert_str_eq(c[8], "steady");
    if (c[4][0]) {
      pss_rows++;
      ck_assert_str_eq(c[4], "4710400"); /* 4600 kB */
    }
    rows++;
  }
  fclose(f);
  ck_assert_int_ge(rows, 8); /* ~15 ticks of 20 ms in 300 ms, generously */
  ck_assert_int_eq((int)st.samples, rows);
  ck_assert_int_eq(atomic_load(&cnt.rows), rows);
  ck_assert_int_eq(pss_rows, 2);
  ck_assert_int_eq(opens, 2); /* smaps_rollup opened only at the 2 marks */
  ck_assert_int_eq(st.max_procs, 4);
  ck_assert_double_eq(st.peak_rss_bytes, 1900.0 * sysconf(_SC_PAGESIZE));
  ck_assert_int_eq(st.oom_kills, -1);
}
END_TEST

/* rows_of_csv: data rows of samples.csv and how many have a PSS cell. */
static int rows_of_csv(const char *csv, int *pss_rows) {
  char line[512], *c[16];
  int rows = 0;
  FILE *f = fopen(csv, "r");
  *pss_rows = 0;
  ck_assert_ptr_nonnull(f);
  ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    ck_assert_int_eq(cells(line, c, 16), 12);
    *pss_rows += c[4][0] != '\0';
    rows++;
  }
  fclose(f);
  return rows;
}

/* Data rows written to csv so far (complete lines after the header). */
static int lines_written(const char *csv) {
  FILE *f = fopen(csv, "r");
  int c, n = 0;
  if (!f)
    return 0;
  while ((c = getc(f)) != EOF)
    n += c == '\n';
  fclose(f);
  return n > 0 ? n - 1 : 0;
}

/* pss_duty (analysis.metric: pss): PSS on a cadence whose reads take at
 * most that share of the time. A fake tree reads in microseconds: a share
 * of 100% gives PSS in (nearly) every row, one of 1e-9 only in the first
 * (its next read would be hours away). */
START_TEST(pss_on_a_bounded_cadence) {
  static const double duty[] = {1.0, 1e-9};
  char root[128], csv[128];
  int k;
  fake_tree();
  snprintf(csv, sizeof csv, "%s/samples.csv", tmp);
  for (k = 0; k < 2; k++) {
    lg_sampler_opts o;
    lg_sampler *s = NULL;
    lg_sampler_stats st;
    lg_error err = {0, ""};
    int rows, pss_rows, wait;
    memset(&o, 0, sizeof o);
    o.interval_s = 0.02;
    o.root_pid = 100;
    o.csv_path = csv;
    o.procfs_root = fake_root(root, sizeof root);
    o.pss_duty = duty[k];
    ck_assert_int_eq(lg_sampler_start(&o, &s, &err), 0);
    /* until 12 rows are written (20 s at most), however slowly a busy
     * machine ticks: a fixed 300 ms sleep could give fewer than 8 */
    for (wait = 0; lines_written(csv) < 12 && wait < 2000; wait++)
      usleep(10000);
    ck_assert_int_eq(lg_sampler_stop(s, &st, &err), 0);
    rows = rows_of_csv(csv, &pss_rows);
    ck_assert_int_ge(rows, 8);
    ck_assert_int_eq((int)st.pss_reads, pss_rows);
    if (k == 0) /* a stalled tick may skip one: most rows, generously */
      ck_assert_int_ge(pss_rows * 10, rows * 7);
    else
      ck_assert_int_eq(pss_rows, 1);
  }
}
END_TEST

START_TEST(known_allocation) {
  double upper;
  lg_sampler_opts o;
  lg_sampler *s = NULL;
  lg_sampler_stats st;
  lg_error err = {0, ""};
  int pfd[2], status;
  char ok;
  pid_t pid;
  ck_assert_int_eq(pipe(pfd), 0);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    size_t sz = 64u << 20;
    char *m = mmap(NULL, sz, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
      _exit(1);
    memset(m, 1, sz);
    if (write(pfd[1], "k", 1) != 1)
      _exit(1);
    for (;;)
      pause();
  }
  close(pfd[1]);
  ck_assert_int_eq(read(pfd[0], &ok, 1), 1);
  close(pfd[0]);
  memset(&o, 0, sizeof o);
  o.interval_s = 0.05;
  o.root_pid = pid;
  ck_assert_int_eq(lg_sampler_start(&o, &s, &err), 0);
  usleep(120000);
  lg_sampler_mark_phase(s);
  ck_assert_int_eq(lg_sampler_sample_now(s, &err), 0);
  ck_assert_int_eq(lg_sampler_stop(s, &st, &err), 0);
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  ck_assert(st.samples >= 2);
  /* Under ci/test-memcheck.sh the forked child is still inside Valgrind,
   * whose own memory adds a hundred MiB or more: only the lower bounds
   * hold there. */
  upper = getenv("LG_UNDER_VALGRIND") ? INFINITY : 1.0;
  ck_assert_msg(st.peak_rss_bytes >= 64.0 * 1048576 &&
                    st.peak_rss_bytes < 80.0 * 1048576 * upper,
                "rss %.0f", st.peak_rss_bytes);
  ck_assert_msg(st.peak_anon_bytes >= 64.0 * 1048576 &&
                    st.peak_anon_bytes < 72.0 * 1048576 * upper,
                "anon %.0f", st.peak_anon_bytes);
  ck_assert_int_eq(st.max_procs, 1);
}
END_TEST

/* RssAnon from status and resident - shared from statm agree (same
 * counters), for our own process. */
START_TEST(statm_anon_is_rssanon) {
  char buf[4096], *p;
  FILE *f;
  unsigned long kb = 0;
  pid_t me = getpid();
  lg_proc_mem m;
  size_t n;
  ck_assert_int_eq(lg_procfs_measure(NULL, &me, 1, 1, &m), 0);
  f = fopen("/proc/self/status", "r");
  n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  p = strstr(buf, "RssAnon:");
  ck_assert_ptr_nonnull(p);
  sscanf(p + 8, "%lu", &kb);
  /* a few pages may be touched between the two reads (more under ASan) */
  ck_assert_msg(fabs(m.anon_bytes - (double)kb * 1024) <= 262144,
                "statm anon %.0f vs RssAnon %lu kB", m.anon_bytes, kb);
  ck_assert(m.pss_bytes > 0 && m.fds >= 3 && m.procs == 1);
}
END_TEST

/* A child holding nfds open fds (dups of /dev/null, up to its hard
 * RLIMIT_NOFILE, which CAP_SYS_RESOURCE could raise), paused; -pid when it
 * could not start. */
static pid_t fd_holder(int nfds) {
  int p[2];
  char b;
  pid_t pid;
  ck_assert_int_eq(pipe(p), 0);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    struct rlimit rl = {(rlim_t)nfds, (rlim_t)nfds};
    int dn = open("/dev/null", O_RDONLY);
    close(p[0]);
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0 &&
        (getrlimit(RLIMIT_NOFILE, &rl) != 0 ||
         (rl.rlim_cur = rl.rlim_max, setrlimit(RLIMIT_NOFILE, &rl) != 0)))
      _exit(1);
    while (dup(dn) >= 0) /* until EMFILE: every fd number below the limit */
      ;
    if (write(p[1], "r", 1) != 1)
      _exit(3);
    for (;;)
      pause();
  }
  close(p[1]);
  if (read(p[0], &b, 1) != 1)
    pid = -pid;
  close(p[0]);
  return pid;
}

static void max_fds(const lg_sample *row, void *ctx) {
  atomic_int *m = ctx;
  if (row->fds > atomic_load(m))
    atomic_store(m, row->fds);
}

/* CPU time of this thread for `rounds` synchronous samples of pid; *fds
 * is the largest fd count a row had. */
static double sample_cost(pid_t pid, int rounds, int *fds) {
  lg_sampler_opts o;
  lg_sampler *s = NULL;
  lg_error err = {0, ""};
  struct timespec a, b;
  atomic_int m;
  int i;
  atomic_init(&m, -1);
  memset(&o, 0, sizeof o);
  o.interval_s = 0.01; /* the thread's rows cost its CPU, not ours */
  o.root_pid = pid;
  o.on_sample = max_fds;
  o.on_sample_ctx = &m;
  ck_assert_int_eq(lg_sampler_start(&o, &s, &err), 0);
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
  for (i = 0; i < rounds; i++)
    ck_assert_int_eq(lg_sampler_sample_now(s, &err), 0);
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
  ck_assert_int_eq(lg_sampler_stop(s, NULL, &err), 0);
  *fds = atomic_load(&m);
  return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) * 1e-9;
}

/* The per-sample cost does not grow with the service's fds (issue 13 item
 * 6: walking /proc/PID/fd each tick made 10 ms sampling of a service with
 * 19,800 fds cost a whole core). A ratio of CPU times measured side by side
 * (this thread's, not wall time), against a bound far from both outcomes:
 * walking 20,000 entries per sample made it ~100-500; counted in O(1), or
 * rate-limited by its cost, it stays near 1. The figure for 10 ms sampling
 * is bench/sampler_fds.c's. 20,000 fds, or as many as the hard
 * RLIMIT_NOFILE allows (at least 19,800, the case). */
START_TEST(fd_count_cost_flat) {
  pid_t few = fd_holder(20), many = fd_holder(20000);
  int fds_few = -1, fds_many = -1, st;
  double c_few, c_many;
  if (few < 0 || many < 0) {
    kill(few < 0 ? -few : few, SIGKILL);
    kill(many < 0 ? -many : many, SIGKILL);
    waitpid(few < 0 ? -few : few, &st, 0);
    waitpid(many < 0 ? -many : many, &st, 0);
    ck_abort_msg("cannot open 20,000 fds in a child (RLIMIT_NOFILE)");
  }
  c_few = sample_cost(few, 200, &fds_few);
  c_many = sample_cost(many, 200, &fds_many);
  kill(few, SIGKILL);
  kill(many, SIGKILL);
  waitpid(few, &st, 0);
  waitpid(many, &st, 0);
  ck_assert_int_ge(fds_few, 20); /* and any inherited above the limit */
  ck_assert_int_ge(fds_many, 19800);
  ck_assert_msg(c_many < 10 * c_few,
                "200 samples cost %.1f ms of CPU with 20,000 fds against "
                "%.1f ms with 20",
                c_many * 1e3, c_few * 1e3);
}
END_TEST

START_TEST(csv_unwritable) {
  lg_sampler_opts o;
  lg_sampler *s = NULL;
  lg_error err = {0, ""};
  memset(&o, 0, sizeof o);
  o.interval_s = 0.1;
  o.root_pid = getpid();
  o.csv_path = "/nonexistent-dir/samples.csv";
  ck_assert_int_eq(lg_sampler_start(&o, &s, &err), LG_EIO);
  ck_assert_ptr_null(s);
  o.csv_path = NULL;
  o.interval_s = 0;
  ck_assert_int_eq(lg_sampler_start(&o, &s, &err), LG_EUSAGE);
}
END_TEST

static pid_t start_in(lg_container *c, const char *fixture, char **envp) {
  char path[512];
  pid_t pid;
  lg_test_bin(fixture, path, sizeof path);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    char *argv[] = {path, NULL};
    int dn = open("/dev/null", O_WRONLY);
    /* Its own process group, so kill(-pid) at the end reaches its children
     * (it was the test's group: without a cgroup they were left running). */
    setpgid(0, 0);
    if (lg_container_child_enter(c) != 0)
      _exit(126);
    dup2(dn, 1);
    dup2(dn, 2); /* a leftover daemon must not hold ctest's pipe */
    execve(path, argv, envp);
    _exit(127);
  }
  return pid;
}

typedef struct last_row {
  atomic_int procs;
  atomic_long rss, anon;
} last_row;

static void keep_last(const lg_sample *row, void *ctx) {
  last_row *l = ctx;
  atomic_store(&l->procs, row->procs);
  atomic_store(&l->rss, isfinite(row->rss_bytes) ? (long)row->rss_bytes : 0);
  atomic_store(&l->anon, isfinite(row->anon_bytes) ? (long)row->anon_bytes : 0);
}

/* forker with `children` children of `bytes` each (plus its setsid daemon
 * when there is a cgroup to find it by): every process is counted and
 * every child's memory is in rss and anon. */
static void forker_sampled(lg_container *c, int children, long bytes,
                           int want_procs) {
  char env_children[64], env_bytes[64];
  char *envp[] = {"LEAKGATE_PORT=0", env_children, env_bytes,
                  c ? "DAEMON=1" : "DAEMON=0", NULL};
  double want_bytes = (want_procs - 1) * (double)bytes;
  lg_sampler_opts o;
  lg_sampler *s = NULL;
  lg_sampler_stats st;
  lg_error err = {0, ""};
  last_row l;
  int i, status, rc_now, rc_stop, rc_destroy = 0;
  pid_t pid;
  snprintf(env_children, sizeof env_children, "FORK_CHILDREN=%d", children);
  snprintf(env_bytes, sizeof env_bytes, "CHILD_BYTES=%ld", bytes);
  pid = start_in(c, "tests/fixtures/forker", envp);
  atomic_init(&l.procs, 0);
  atomic_init(&l.rss, 0);
  atomic_init(&l.anon, 0);
  memset(&o, 0, sizeof o);
  o.interval_s = 0.05;
  o.container = c;
  o.root_pid = pid;
  o.on_sample = keep_last;
  o.on_sample_ctx = &l;
  ck_assert_int_eq(lg_sampler_start(&o, &s, &err), 0);
  /* until every process has touched its memory (10 s at most) */
  for (i = 0; i < 200; i++) {
    /* memory.stat may lag statm by a stats flush period (~2 s) */
    if (atomic_load(&l.procs) >= want_procs &&
        atomic_load(&l.rss) >= want_bytes && atomic_load(&l.anon) >= want_bytes)
      break;
    usleep(50000);
  }
  rc_now = lg_sampler_sample_now(s, &err);
  rc_stop = lg_sampler_stop(s, &st, &err);
  /* Clean up before asserting: a failed check must not leave processes. */
  kill(-pid, SIGKILL); /* without a cgroup: its group (no daemon there) */
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  if (c)
    rc_destroy = lg_container_destroy(c, &err);
  ck_assert_int_eq(rc_now, 0);
  ck_assert_int_eq(rc_stop, 0);
  ck_assert_int_eq(rc_destroy, 0);
  ck_assert_msg(i < 200, "saw %d processes, %ld bytes", atomic_load(&l.procs),
                atomic_load(&l.rss));
  ck_assert_int_eq(st.max_procs, want_procs);
  ck_assert(st.peak_rss_bytes >= want_bytes);
  ck_assert(st.peak_anon_bytes >= want_bytes);
  if (c) {
    ck_assert(st.peak_cgroup_bytes >= want_bytes);
    ck_assert_int_eq(st.oom_kills, 0);
  } else {
    ck_assert(isnan(st.peak_cgroup_bytes));
  }
}

START_TEST(forker_tree_without_cgroup) {
  forker_sampled(NULL, 3, 8 << 20, 4); /* parent + 3 children via
                                           task/children */
}
END_TEST

/* forker_sampled in a real cgroup of memory_mib, named name. */
static void forker_in_cgroup(const char *name, unsigned memory_mib,
                             int children, long bytes, int want_procs) {
  lg_container_opts co;
  lg_container *c = NULL;
  lg_error err = {0, ""};
  memset(&co, 0, sizeof co);
  co.backend = LG_BACKEND_CGROUP;
  co.memory_bytes = (uint64_t)memory_mib << 20;
  co.name = name;
  if (geteuid() != 0 || lg_container_create(&co, &c, &err) != 0) {
    lg_test_cgroup_skip(name, geteuid() ? "not root" : err.msg);
    return;
  }
  forker_sampled(c, children, bytes, want_procs);
}

START_TEST(forker_cgroup_real) {
  /* + the setsid daemon, found through the cgroup; destroyed there */
  forker_in_cgroup("sampler", 256, 3, 8 << 20, 5);
}
END_TEST

/* 1000 children (issue 13 item 2): cgroup v1's cgroup.procs hands out one
 * 4 KiB page per read, and a single read(2) saw only ~680 of them. Every
 * process is counted (1000 children + parent + daemon) and every child's
 * 1 MiB is in anon. */
START_TEST(forker_1000_children_cgroup) {
  forker_in_cgroup("sampler-1000", 2048, 1000, 1 << 20, 1002);
}
END_TEST

int main(void) {
  Suite *s = suite_create("sampler");
  TCase *t = tcase_create("sampler");
  tcase_add_checked_fixture(t, setup, teardown);
  tcase_set_timeout(t, 60);
  tcase_add_test(t, measure_fake);
  tcase_add_test(t, tree_fake);
  tcase_add_test(t, rows_and_pss_only_at_marks);
  tcase_add_test(t, pss_on_a_bounded_cadence);
  tcase_add_test(t, known_allocation);
  tcase_add_test(t, statm_anon_is_rssanon);
  tcase_add_test(t, csv_unwritable);
  tcase_add_test(t, fd_count_cost_flat);
  tcase_add_test(t, forker_tree_without_cgroup);
  tcase_add_test(t, forker_cgroup_real);
  tcase_add_test(t, forker_1000_children_cgroup);
  suite_add_tcase(s, t);
  return lg_test_run(s);
}
