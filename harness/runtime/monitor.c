/* runtime/monitor.c - the runtime's GC view of one run (runtime/monitor.h).
 *
 * Clock: an event carries the runtime's own uptime; it reaches us a little
 * later (a pipe at once, a tailed file at the next sampler tick). Per
 * process the smallest (arrival - uptime) seen so far is the best estimate
 * of when that process started, so an event's time is start + uptime,
 * within the shortest delivery delay; events without an uptime take their
 * arrival time. Requests at that time are interpolated between the
 * counter readings the monitor takes on every poll (a ring of the last
 * HIST), so a tailed JVM event is not credited with the requests of the
 * 100 ms it waited. gc.csv rows keep t_s and requests non-decreasing, as
 * the series reader needs.
 * Live heap: the occupancy after a collection that marked the whole heap
 * (lg_gc_event.full), summed over the processes that reported, each one's
 * last value. V8's external memory (ArrayBuffer contents) is written beside
 * it but not added: it is freed by a sweep that runs after the collection,
 * so right after one it still holds garbage by the tens of MiB under churn
 * (a Buffer leak still shows: its JS wrapper objects are heap objects).
 * Bounds: MAX_PIDS processes, MAX_FILES logs, MAX_PENDING events before the
 * load starts (the rest are counted, not written), lines of LINE_MAX bytes
 * (a longer line is cut there and will not parse: counted as bad).
 * Complexity: O(new bytes) per poll plus one readdir every 250 ms; O(1) per
 * event apart from the O(processes) live sum.
 */
#include "runtime/monitor.h"

#include "core/clock.h"
#include "core/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PIDS 64
#define MAX_FILES 64
#define MAX_PENDING 4096
#define LINE_MAX 4096
#define HIST 128
#define ROW_MAX 1024
#define SCAN_DIR_S 0.25
#define SCAN_PROCS_S 1.0
#define MAX_BUCKETS (1 << 20) /* a second each: 12 days */

static const char csv_header[] =
    "t_s,requests,pid,kind,full,heap_before_bytes,heap_after_bytes,"
    "external_bytes,heap_live_bytes,heap_capacity_bytes,heap_max_bytes,"
    "pause_s,gc_count,gc_pause_s,phase\n";

typedef enum { SRC_STREAM = 1, SRC_FILE = 2 } source;

typedef struct proc_gc {
  long pid;
  double offset; /* arrival - uptime, smallest seen; NAN none yet */
  double live;   /* after its last full collection; NAN none yet */
  double max;    /* heap ceiling; NAN unknown */
  source src;    /* where its first event came from */
} proc_gc;

typedef struct tail {
  char name[64];
  off_t off;
  char line[LINE_MAX];
  size_t len;
  bool cut; /* the line being gathered went past LINE_MAX */
  bool node;
} tail;

/* One second of the load: counters at its end, collections in it. */
typedef struct bucket {
  double requests, errors; /* NAN until read in this second */
  double pause_s;
  int64_t full_events;
  double live; /* after its last full collection; NAN none */
} bucket;

typedef struct pending {
  lg_gc_event ev;
  double t_abs, live_total;
} pending;

struct rt_monitor {
  pthread_mutex_t mu;
  rt_monitor_opts o;
  char *out_dir;
  lg_runtime_info info;
  bool found_process; /* info came from a running process */
  int csv_fd;
  char csv_error[256];
  /* clock and counter */
  bool started;
  double t0;
  rt_counters_fn counters;
  const char *(*phase)(void *);
  void *ctx;
  bucket *tl; /* timeline, one bucket per second of the load */
  size_t n_tl, cap_tl;
  bool stopped;          /* the load is gone: */
  double final_requests; /* its count */
  char final_phase[64];  /* and its last phase */
  double hist_t[HIST];
  double hist_r[HIST];
  size_t hist_n, hist_at;
  double last_t;
  int64_t last_req;
  pending *pend;
  size_t n_pend;
  /* state */
  proc_gc procs[MAX_PIDS];
  size_t n_procs;
  tail files[MAX_FILES];
  size_t n_files;
  double last_dir_scan, last_proc_scan;
  int64_t events, full_events, bad_lines, dropped;
  double pause_s, live_total, peak_live;
  int64_t oom_lines;
  lg_runtime_kind oom_who;
  char oom_line[240];
  rt_phase_gc phases[RT_MAX_PHASES];
  size_t n_phases;
  double *full_x, *full_y; /* RT_MAX_FULL each, allocated on first use */
  size_t n_full;
  unsigned full_stride, full_skip; /* keep every full_stride-th point */
};

/* A full collection's live heap at x requests; thinned to RT_MAX_FULL. */
static void keep_full(rt_monitor *m, double x, double live) {
  size_t i;
  if (!m->full_x) {
    m->full_x = calloc(RT_MAX_FULL, sizeof *m->full_x);
    m->full_y = calloc(RT_MAX_FULL, sizeof *m->full_y);
    m->full_stride = 1;
    if (!m->full_x || !m->full_y) {
      free(m->full_x);
      free(m->full_y);
      m->full_x = m->full_y = NULL;
      return;
    }
  }
  if (++m->full_skip < m->full_stride)
    return;
  m->full_skip = 0;
  if (m->n_full == RT_MAX_FULL) {
    for (i = 0; i < RT_MAX_FULL / 2; i++) {
      m->full_x[i] = m->full_x[2 * i];
      m->full_y[i] = m->full_y[2 * i];
    }
    m->n_full = RT_MAX_FULL / 2;
    m->full_stride *= 2;
  }
  m->full_x[m->n_full] = x;
  m->full_y[m->n_full] = live;
  m->n_full++;
}

static proc_gc *proc_for(rt_monitor *m, long pid) {
  size_t i;
  for (i = 0; i < m->n_procs; i++)
    if (m->procs[i].pid == pid)
      return &m->procs[i];
  if (m->n_procs == MAX_PIDS)
    return NULL;
  m->procs[m->n_procs].pid = pid;
  m->procs[m->n_procs].offset = NAN;
  m->procs[m->n_procs].live = NAN;
  m->procs[m->n_procs].max = NAN;
  m->procs[m->n_procs].src = 0;
  return &m->procs[m->n_procs++];
}

static double live_sum(const rt_monitor *m) {
  double sum = 0;
  size_t i, n = 0;
  for (i = 0; i < m->n_procs; i++)
    if (!isnan(m->procs[i].live)) {
      sum += m->procs[i].live;
      n++;
    }
  return n ? sum : NAN;
}

static double max_sum(const rt_monitor *m) {
  double sum = 0;
  size_t i, n = 0;
  for (i = 0; i < m->n_procs; i++)
    if (!isnan(m->procs[i].max)) {
      sum += m->procs[i].max;
      n++;
    }
  return n ? sum : NAN;
}

/* Requests completed at absolute time t: interpolated between counter
 * readings; at or after the last reading, the counter now. */
static double requests_now(rt_monitor *m) {
  uint64_t done = 0, errors = 0;
  m->counters(m->ctx, &done, &errors);
  return (double)done;
}

static double requests_at(rt_monitor *m, double t) {
  size_t i, k, prev = 0;
  if (m->stopped)
    return m->final_requests;
  if (m->hist_n == 0 || t >= m->hist_t[(m->hist_at + HIST - 1) % HIST])
    return requests_now(m);
  for (i = 0; i < m->hist_n; i++) {
    k = (m->hist_at + HIST - m->hist_n + i) % HIST;
    if (m->hist_t[k] >= t) {
      double t1 = m->hist_t[k], r1 = m->hist_r[k], t0, r0;
      if (i == 0)
        return r1;
      t0 = m->hist_t[prev];
      r0 = m->hist_r[prev];
      return t1 > t0 ? r0 + (r1 - r0) * (t - t0) / (t1 - t0) : r1;
    }
    prev = k;
  }
  return requests_now(m);
}

/* The bucket of second t_s of the load (grown on demand), or NULL. */
static bucket *bucket_at(rt_monitor *m, double t_s) {
  size_t b;
  if (!(t_s >= 0) || t_s >= (double)MAX_BUCKETS)
    return NULL;
  b = (size_t)t_s;
  if (b >= m->cap_tl) {
    size_t cap = m->cap_tl ? m->cap_tl : 64;
    bucket *grown;
    while (cap <= b)
      cap *= 2;
    if (!(grown = realloc(m->tl, cap * sizeof *grown)))
      return NULL;
    m->tl = grown;
    m->cap_tl = cap;
  }
  while (m->n_tl <= b) {
    bucket *k = &m->tl[m->n_tl++];
    k->requests = k->errors = k->live = NAN;
    k->pause_s = 0;
    k->full_events = 0;
  }
  return &m->tl[b];
}

static void remember_counter(rt_monitor *m) {
  uint64_t done = 0, errors = 0;
  double now;
  bucket *b;
  if (!m->started || m->stopped)
    return;
  now = lg__now_s();
  m->counters(m->ctx, &done, &errors);
  if ((b = bucket_at(m, now - m->t0)) != NULL) {
    b->requests = (double)done;
    b->errors = (double)errors;
  }
  m->hist_t[m->hist_at] = now;
  m->hist_r[m->hist_at] = (double)done;
  m->hist_at = (m->hist_at + 1) % HIST;
  if (m->hist_n < HIST)
    m->hist_n++;
}

static size_t cell(char *p, double v, const char *fmt) {
  if (!isfinite(v))
    return 0;
  return (size_t)snprintf(p, 40, fmt, v);
}

/* A name as a bare CSV cell: separators, quotes, controls become '_'. */
static size_t bare(char *p, const char *s, size_t max) {
  size_t i;
  for (i = 0; s && s[i] && i < max; i++) {
    unsigned char ch = (unsigned char)s[i];
    p[i] = ch < 0x20 || ch == ',' || ch == '"' || ch == 0x7f ? '_' : (char)ch;
  }
  return i;
}

static void write_row(rt_monitor *m, const lg_gc_event *ev, double t_s,
                      double req, double live, const char *phase) {
  char row[ROW_MAX];
  size_t n = 0;
  ssize_t w;
  if (m->csv_fd < 0)
    return;
  if (t_s < m->last_t)
    t_s = m->last_t;
  if ((int64_t)req < m->last_req)
    req = (double)m->last_req;
  m->last_t = t_s;
  m->last_req = (int64_t)req;
  n += (size_t)snprintf(row + n, 40, "%.6f,%.0f,", t_s, req);
  n += ev->pid ? (size_t)snprintf(row + n, 24, "%ld", ev->pid) : 0;
  row[n++] = ',';
  n += bare(row + n, ev->kind, sizeof ev->kind);
  n += (size_t)snprintf(row + n, 8, ",%d,", ev->full ? 1 : 0);
  n += cell(row + n, ev->before_bytes, "%.0f");
  row[n++] = ',';
  n += cell(row + n, ev->after_bytes, "%.0f");
  row[n++] = ',';
  n += cell(row + n, ev->external_bytes, "%.0f");
  row[n++] = ',';
  n += cell(row + n, ev->full ? live : NAN, "%.0f");
  row[n++] = ',';
  n += cell(row + n, ev->capacity_bytes, "%.0f");
  row[n++] = ',';
  n += cell(row + n, max_sum(m), "%.0f");
  row[n++] = ',';
  n += cell(row + n, ev->pause_s, "%.6f");
  n += (size_t)snprintf(row + n, 64, ",%lld,", (long long)m->events);
  n += cell(row + n, m->pause_s, "%.6f");
  row[n++] = ',';
  n += bare(row + n, phase, 64);
  row[n++] = '\n';
  /* One write(2) per row, as samples.csv: a crash loses no whole row. */
  do
    w = write(m->csv_fd, row, n);
  while (w < 0 && errno == EINTR);
  if (w != (ssize_t)n) {
    snprintf(m->csv_error, sizeof m->csv_error, "%s: cannot write: %s",
             m->o.gc_csv ? m->o.gc_csv : "gc.csv",
             w < 0 ? strerror(errno) : "short write");
    close(m->csv_fd);
    m->csv_fd = -1;
  }
}

static rt_phase_gc *phase_gc(rt_monitor *m, const char *name) {
  size_t i;
  for (i = 0; i < m->n_phases; i++)
    if (strcmp(m->phases[i].name, name) == 0)
      return &m->phases[i];
  if (m->n_phases == RT_MAX_PHASES)
    return NULL;
  memset(&m->phases[m->n_phases], 0, sizeof m->phases[0]);
  snprintf(m->phases[m->n_phases].name, sizeof m->phases[0].name, "%s", name);
  m->phases[m->n_phases].first_t = NAN;
  m->phases[m->n_phases].last_live_bytes = NAN;
  m->phases[m->n_phases].max_after_bytes = NAN;
  return &m->phases[m->n_phases++];
}

static void account_phase(rt_monitor *m, const char *name,
                          const lg_gc_event *ev, double t_s, double live) {
  rt_phase_gc *p = phase_gc(m, name);
  if (!p)
    return;
  p->events++;
  if (isnan(p->first_t))
    p->first_t = t_s;
  p->last_t = t_s;
  if (isfinite(ev->pause_s))
    p->pause_s += ev->pause_s;
  if (ev->full) {
    p->full_events++;
    p->last_live_bytes = live;
  }
  if (isfinite(ev->after_bytes) &&
      (isnan(p->max_after_bytes) || ev->after_bytes > p->max_after_bytes))
    p->max_after_bytes = ev->after_bytes;
}

/* Place an event on the run's clock and record it. */
static void record(rt_monitor *m, const lg_gc_event *ev, source src) {
  proc_gc *p = proc_for(m, ev->pid);
  double now = lg__now_s(), t_abs = now, live;
  if (!p) {
    m->dropped++;
    return;
  }
  /* A process's events come from one source: the preload's file and V8's
   * own --trace-gc lines would count each Node collection twice. */
  if (p->src && p->src != src)
    return;
  p->src = src;
  if (isfinite(ev->uptime_s)) {
    double off = now - ev->uptime_s;
    if (isnan(p->offset) || off < p->offset)
      p->offset = off;
    t_abs = p->offset + ev->uptime_s;
  }
  m->events++;
  if (isfinite(ev->pause_s))
    m->pause_s += ev->pause_s;
  if (ev->full) {
    m->full_events++;
    p->live = ev->after_bytes;
    m->live_total = live_sum(m);
    if (isnan(m->peak_live) || m->live_total > m->peak_live)
      m->peak_live = m->live_total;
  }
  live = m->live_total;
  if (!m->started) {
    if (m->n_pend == MAX_PENDING) {
      m->dropped++;
      return;
    }
    if (!m->pend && !(m->pend = malloc(MAX_PENDING * sizeof *m->pend))) {
      m->dropped++;
      return;
    }
    m->pend[m->n_pend].ev = *ev;
    m->pend[m->n_pend].t_abs = t_abs;
    m->pend[m->n_pend].live_total = live;
    m->n_pend++;
    return;
  }
  {
    const char *ph = m->stopped ? m->final_phase : m->phase(m->ctx);
    double t_s = t_abs - m->t0;
    bucket *b = bucket_at(m, t_s);
    double req = requests_at(m, t_abs);
    write_row(m, ev, t_s, req, live, ph);
    if (ev->full && isfinite(live))
      keep_full(m, req, live);
    account_phase(m, ph, ev, t_s, live);
    if (b) {
      if (isfinite(ev->pause_s))
        b->pause_s += ev->pause_s;
      if (ev->full) {
        b->full_events++;
        b->live = live;
      }
    }
  }
}

static void info_line(rt_monitor *m, const lg_gc_info *in) {
  proc_gc *p = proc_for(m, in->pid);
  if (p && isfinite(in->max_bytes))
    p->max = in->max_bytes;
  if (in->version[0] && !m->info.version[0])
    snprintf(m->info.version, sizeof m->info.version, "%s", in->version);
}

/* One line of a per-process log. */
static void file_line(rt_monitor *m, tail *f, const char *line, size_t len) {
  lg_gc_event ev;
  lg_gc_info in;
  lg_gc_line k = f->node ? lg_gc_parse_node(line, len, &ev, &in)
                         : lg_gc_parse_jvm(line, len, &ev, &in);
  if (k == LG_GC_LINE_EVENT) {
    /* The file name carries the pid where the decorator was left out. */
    if (!ev.pid)
      ev.pid = strtol(strrchr(f->name, '-') + 1, NULL, 10);
    record(m, &ev, SRC_FILE);
  } else if (k == LG_GC_LINE_INFO) {
    if (!in.pid)
      in.pid = strtol(strrchr(f->name, '-') + 1, NULL, 10);
    info_line(m, &in);
  } else if (k == LG_GC_LINE_BAD) {
    m->bad_lines++;
  }
}

/* Read what f gained since the last time; final: a last line without its
 * newline counts too (the process has stopped). */
static void read_tail(rt_monitor *m, tail *f, bool final) {
  char path[4200], buf[16384];
  int fd;
  snprintf(path, sizeof path, "%s/%s", m->out_dir, f->name);
  fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return;
  for (;;) {
    ssize_t n = pread(fd, buf, sizeof buf, f->off), i;
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    f->off += n;
    for (i = 0; i < n; i++) {
      if (buf[i] == '\n') {
        if (f->cut)
          m->bad_lines++;
        else
          file_line(m, f, f->line, f->len);
        f->len = 0;
        f->cut = false;
      } else if (f->len < LINE_MAX) {
        f->line[f->len++] = buf[i];
      } else {
        f->cut = true;
      }
    }
  }
  close(fd);
  if (final && (f->len > 0 || f->cut)) {
    if (f->cut)
      m->bad_lines++;
    else
      file_line(m, f, f->line, f->len);
    f->len = 0;
    f->cut = false;
  }
}

/* "gc-123.log" (JVM) and "node-gc-123.log" (the Node preload). */
static int log_kind(const char *name) {
  const char *p;
  size_t n = strlen(name);
  if (n < 8 || strcmp(name + n - 4, ".log") != 0)
    return 0;
  if (strncmp(name, "node-gc-", 8) == 0)
    p = name + 8;
  else if (strncmp(name, "gc-", 3) == 0)
    p = name + 3;
  else
    return 0;
  if (p == name + n - 4)
    return 0;
  for (; p < name + n - 4; p++)
    if (*p < '0' || *p > '9')
      return 0;
  return name[0] == 'n' ? 2 : 1;
}

static void scan_dir(rt_monitor *m) {
  DIR *d = opendir(m->out_dir);
  struct dirent *e;
  if (!d)
    return;
  while ((e = readdir(d)) != NULL && m->n_files < MAX_FILES) {
    int k = log_kind(e->d_name);
    size_t i;
    if (!k || strlen(e->d_name) >= sizeof m->files[0].name)
      continue;
    for (i = 0; i < m->n_files; i++)
      if (strcmp(m->files[i].name, e->d_name) == 0)
        break;
    if (i < m->n_files)
      continue;
    memset(&m->files[m->n_files], 0, sizeof m->files[0]);
    snprintf(m->files[m->n_files].name, sizeof m->files[0].name, "%s",
             e->d_name);
    m->files[m->n_files].node = k == 2;
    m->n_files++;
  }
  closedir(d);
}

static void read_logs(rt_monitor *m, bool final) {
  size_t i;
  double now = lg__now_s();
  if (final || now - m->last_dir_scan >= SCAN_DIR_S) {
    m->last_dir_scan = now;
    scan_dir(m);
  }
  for (i = 0; i < m->n_files; i++)
    read_tail(m, &m->files[i], final);
}

/* A wrapper (or a native command) may start a managed runtime: the first
 * one found among the processes names the run's runtime. */
static void scan_procs(rt_monitor *m, pid_t root) {
  pid_t pids[256];
  size_t n = 0, i;
  double now = lg__now_s();
  if (m->found_process || root <= 0 || !m->o.tree ||
      now - m->last_proc_scan < SCAN_PROCS_S)
    return;
  if (m->info.kind != LG_RUNTIME_NATIVE && !m->info.wrapper)
    return; /* the command said which runtime: nothing to look for */
  m->last_proc_scan = now;
  if (m->o.tree(m->o.procfs_root, root, pids, 256, &n) != 0)
    return;
  for (i = 0; i < n; i++) {
    lg_runtime_info found;
    if (lg_runtime_detect_process(m->o.procfs_root, pids[i], &found) == 1) {
      found.wrapper = m->info.wrapper;
      m->info = found;
      m->found_process = true;
      return;
    }
  }
}

int lg__rt_monitor_new(const rt_monitor_opts *o, rt_monitor **out,
                       lg_error *err) {
  static const char *const stale[] = {"gc-", "node-gc-", NULL};
  rt_monitor *m;
  int rc = 0;

  *out = NULL;
  m = calloc(1, sizeof *m);
  if (!m)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  pthread_mutex_init(&m->mu, NULL);
  m->o = *o;
  m->info = o->info;
  m->csv_fd = -1;
  m->live_total = m->peak_live = NAN;
  m->out_dir = strdup(o->out_dir ? o->out_dir : ".");
  if (!m->out_dir) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  /* An earlier run into the same out dir left its processes' logs: they
   * would be read as this run's. */
  if ((rc = lg__remove_prefixed(m->out_dir, stale, err)) != 0)
    goto cleanup;
  if (o->gc_csv) {
    ssize_t w;
    m->csv_fd = lg__create_file(o->gc_csv, err);
    if (m->csv_fd < 0) {
      rc = m->csv_fd;
      m->csv_fd = -1;
      goto cleanup;
    }
    do
      w = write(m->csv_fd, csv_header, sizeof csv_header - 1);
    while (w < 0 && errno == EINTR);
    if (w != (ssize_t)(sizeof csv_header - 1)) {
      rc = lg_error_set(err, LG_EIO, "%s: cannot write: %s", o->gc_csv,
                        w < 0 ? strerror(errno) : "short write");
      goto cleanup;
    }
  }
  *out = m;
  m = NULL;
cleanup:
  lg__rt_monitor_free(m);
  return rc;
}

void lg__rt_monitor_line(rt_monitor *m, int stream, const char *line,
                         size_t len) {
  lg_gc_event ev;
  lg_gc_info in;
  lg_runtime_kind who;
  lg_runtime_kind k;
  if (!m)
    return;
  pthread_mutex_lock(&m->mu);
  k = m->info.kind;
  if (lg_runtime_oom_line(line, len, &who)) {
    if (m->oom_lines++ == 0) {
      m->oom_who = who;
      snprintf(m->oom_line, sizeof m->oom_line, "%.*s",
               (int)(len < sizeof m->oom_line ? len : sizeof m->oom_line - 1),
               line);
    }
  }
  /* Go's trace goes to stderr; V8's own --trace-gc (set by the service)
   * to stdout. Only where that runtime's report can be on. */
  if (stream == 1 && (k == LG_RUNTIME_GO || m->info.wrapper)) {
    lg_gc_line r = lg_gc_parse_go(line, len, &ev);
    if (r == LG_GC_LINE_EVENT)
      record(m, &ev, SRC_STREAM);
    else if (r == LG_GC_LINE_BAD)
      m->bad_lines++;
  } else if (stream == 0 && (k == LG_RUNTIME_NODE || m->info.wrapper)) {
    lg_gc_line r = lg_gc_parse_node(line, len, &ev, &in);
    if (r == LG_GC_LINE_EVENT)
      record(m, &ev, SRC_STREAM);
    else if (r == LG_GC_LINE_BAD)
      m->bad_lines++;
  }
  pthread_mutex_unlock(&m->mu);
}

void lg__rt_monitor_load_started(rt_monitor *m, rt_counters_fn counters,
                                 const char *(*phase)(void *), void *ctx) {
  size_t i;
  if (!m)
    return;
  pthread_mutex_lock(&m->mu);
  m->t0 = lg__now_s();
  m->counters = counters;
  m->phase = phase;
  m->ctx = ctx;
  for (i = 0; i < m->n_pend; i++) {
    const pending *p = &m->pend[i];
    write_row(m, &p->ev, p->t_abs - m->t0, 0, p->live_total, "startup");
    account_phase(m, "startup", &p->ev, p->t_abs - m->t0, p->live_total);
  }
  free(m->pend);
  m->pend = NULL;
  m->n_pend = 0;
  m->started = true;
  remember_counter(m);
  pthread_mutex_unlock(&m->mu);
}

void lg__rt_monitor_load_stopped(rt_monitor *m) {
  if (!m)
    return;
  pthread_mutex_lock(&m->mu);
  if (m->started && !m->stopped) {
    uint64_t done = 0, errors = 0;
    m->counters(m->ctx, &done, &errors);
    m->final_requests = (double)done;
    snprintf(m->final_phase, sizeof m->final_phase, "%s", m->phase(m->ctx));
    m->stopped = true;
  }
  pthread_mutex_unlock(&m->mu);
}

void lg__rt_monitor_poll(rt_monitor *m, pid_t root) {
  if (!m)
    return;
  pthread_mutex_lock(&m->mu);
  remember_counter(m);
  read_logs(m, false);
  scan_procs(m, root);
  pthread_mutex_unlock(&m->mu);
}

lg_runtime_kind lg__rt_monitor_kind(rt_monitor *m) {
  lg_runtime_kind k;
  if (!m)
    return LG_RUNTIME_NATIVE;
  pthread_mutex_lock(&m->mu);
  k = m->info.kind;
  pthread_mutex_unlock(&m->mu);
  return k;
}

pid_t lg__rt_monitor_runtime_pid(rt_monitor *m) {
  pid_t pid = 0;
  size_t i;
  if (!m)
    return 0;
  pthread_mutex_lock(&m->mu);
  for (i = 0; i < m->n_procs && !pid; i++)
    if (m->procs[i].pid > 0 && m->procs[i].src)
      pid = (pid_t)m->procs[i].pid;
  pthread_mutex_unlock(&m->mu);
  return pid;
}

void lg__rt_monitor_state(rt_monitor *m, double *live, int64_t *count,
                          double *pause_s) {
  *live = NAN;
  *count = -1;
  *pause_s = NAN;
  if (!m)
    return;
  pthread_mutex_lock(&m->mu);
  if (m->events > 0 || m->o.switched_on) {
    *live = m->live_total;
    *count = m->events;
    *pause_s = m->pause_s;
  }
  pthread_mutex_unlock(&m->mu);
}

/* Sum buckets [a, b) into w; counters from the last reading at or before
 * each end. */
static void window(const rt_monitor *m, size_t a, size_t b, rt_window *w) {
  double r0 = 0, e0 = 0, r1 = NAN, e1 = NAN;
  size_t i;
  w->t0 = (double)a;
  w->t1 = (double)b;
  for (i = 0; i < a; i++)
    if (isfinite(m->tl[i].requests)) {
      r0 = m->tl[i].requests;
      e0 = m->tl[i].errors;
    }
  for (i = a; i < b; i++) {
    if (isfinite(m->tl[i].requests)) {
      r1 = m->tl[i].requests;
      e1 = m->tl[i].errors;
    }
    w->pause_s += m->tl[i].pause_s;
    w->full_events += m->tl[i].full_events;
    if (isfinite(m->tl[i].live))
      w->live_bytes = m->tl[i].live;
  }
  w->requests = isfinite(r1) ? r1 - r0 : NAN;
  w->errors = isfinite(e1) ? e1 - e0 : NAN;
}

/* The first and last fifth of the steady load [steady_s, end of the
 * timeline), each at least a second; none when it is shorter than 2 s. */
static void windows(const rt_monitor *m, double steady_s, rt_summary *s) {
  size_t a = steady_s > 0 ? (size_t)ceil(steady_s) : 0, n, w, end;
  memset(&s->first, 0, sizeof s->first);
  memset(&s->last, 0, sizeof s->last);
  memset(&s->collecting, 0, sizeof s->collecting);
  s->first.live_bytes = s->last.live_bytes = NAN;
  s->collecting.live_bytes = NAN;
  if (m->n_tl < a + 3)
    return;
  /* The last bucket is the partial second the load ended in. */
  n = m->n_tl - 1 - a;
  w = n / 5 ? n / 5 : 1;
  window(m, a, a + w, &s->first);
  window(m, a + n - w, a + n, &s->last);
  /* The same width, ending at the last second with a collection. */
  for (end = a + n; end > a + w; end--)
    if (m->tl[end - 1].pause_s > 0 || m->tl[end - 1].full_events > 0)
      break;
  window(m, end - w, end, &s->collecting);
}

void lg__rt_monitor_summary(rt_monitor *m, double steady_s, rt_summary *s) {
  size_t i;
  memset(s, 0, sizeof *s);
  s->heap_max_bytes = s->live_bytes = s->peak_live_bytes = NAN;
  if (!m)
    return;
  pthread_mutex_lock(&m->mu);
  read_logs(m, true);
  windows(m, steady_s, s);
  s->info = m->info;
  s->events = m->events;
  s->full_events = m->full_events;
  s->bad_lines = m->bad_lines;
  s->pause_s = m->pause_s;
  s->heap_max_bytes = max_sum(m);
  s->live_bytes = m->live_total;
  s->peak_live_bytes = m->peak_live;
  for (i = 0; i < m->n_procs; i++)
    s->processes += m->procs[i].src != 0;
  s->oom_lines = m->oom_lines;
  s->oom_who = m->oom_who;
  snprintf(s->oom_line, sizeof s->oom_line, "%s", m->oom_line);
  memcpy(s->phases, m->phases, m->n_phases * sizeof m->phases[0]);
  s->n_phases = m->n_phases;
  if (m->n_full && (s->full_x = malloc(m->n_full * sizeof *s->full_x)) &&
      (s->full_y = malloc(m->n_full * sizeof *s->full_y))) {
    memcpy(s->full_x, m->full_x, m->n_full * sizeof *s->full_x);
    memcpy(s->full_y, m->full_y, m->n_full * sizeof *s->full_y);
    s->n_full = m->n_full;
  } else {
    free(s->full_x);
    s->full_x = NULL;
  }
  if (m->csv_error[0])
    snprintf(s->gc_csv_error, sizeof s->gc_csv_error, "%s", m->csv_error);
  else if (m->dropped)
    snprintf(s->gc_csv_error, sizeof s->gc_csv_error,
             "%lld events not recorded (more than %d processes or %d events "
             "before the load started)",
             (long long)m->dropped, MAX_PIDS, MAX_PENDING);
  pthread_mutex_unlock(&m->mu);
}

void lg__rt_summary_cleanup(rt_summary *s) {
  free(s->full_x);
  free(s->full_y);
  s->full_x = s->full_y = NULL;
  s->n_full = 0;
}

void lg__rt_monitor_free(rt_monitor *m) {
  if (!m)
    return;
  if (m->csv_fd >= 0)
    close(m->csv_fd);
  pthread_mutex_destroy(&m->mu);
  free(m->pend);
  free(m->tl);
  free(m->full_x);
  free(m->full_y);
  free(m->out_dir);
  free(m);
}
