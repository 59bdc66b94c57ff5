/* load/load_int.h - internals shared by the load engine's files (not API).
 *
 * Files of the module:
 *   load.c     public API: phase timeline, threads, counters, the result
 *   request.c  request templates (http head/body, tcp/stdin flow items),
 *              url/address parsing, expect-delimiter tables
 *   worker.c   one epoll loop per thread: scheduling (open/closed),
 *              timeouts, reconnects, end conditions
 *   conn.c     one connection: connect, write, read, response framing
 *              (http-parser or the expect delimiter), error classes
 *   hist.c     the log-linear latency histogram
 *   exec.c     the exec driver (an external load command)
 * Symbols here are prefixed lgl_ (load-internal) and never leave the module.
 */
#ifndef LG_LOAD_INT_H
#define LG_LOAD_INT_H

#include <leakgate/load.h>

#include <http_parser.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define LGL_RBUF (64 * 1024)          /* per-thread read buffer */
#define LGL_MAX_CONNS 100000          /* load.connections cap */
#define LGL_MAX_THREADS 256
#define LGL_MAX_REQUEST (1024 * 1024) /* rendered request bytes cap */
#define LGL_MAX_RESPONSE (64ull * 1024 * 1024) /* response bytes cap */
#define LGL_MAX_EXPECT 4096           /* expect delimiter length cap */
#define LGL_MAX_DEPTH 1024            /* stdin requests in flight cap */
#define LGL_SWEEP_NS 10000000ull      /* timeout/backoff sweep: 10 ms */
#define LGL_MAX_WAIT_NS 50000000ull   /* longest sleep: stop latency bound */
#define LGL_BACKOFF_MAX_NS 100000000ull /* reconnect backoff cap: 100 ms */
#define LGL_MSG 160                   /* first-error message per class */

/* Error classes (result.json load.err_*). */
enum { LGL_E_CONNECT, LGL_E_READ, LGL_E_WRITE, LGL_E_TIMEOUT, LGL_E_STATUS,
       LGL_E_PARSE, LGL_E_N };

/* ---- latency histogram (hist.c) -------------------------------------- */
/* Log-linear buckets over nanoseconds: values below 2^SUB_BITS are exact;
 * above, each power of two is split into 2^(SUB_BITS-1) equal buckets, so a
 * bucket's width is under 1/128 of its value (< 0.8 % error). Values up to
 * 2^44 ns (about 4.9 h) are kept; larger ones land in the last bucket. Fixed
 * size (~40 KiB), no allocation: record is O(1), quantile O(buckets). */
#define LGL_HIST_SUB_BITS 8
#define LGL_HIST_MAX_BITS 44
#define LGL_HIST_BUCKETS                                                      \
  ((1u << LGL_HIST_SUB_BITS) +                                                \
   (LGL_HIST_MAX_BITS - LGL_HIST_SUB_BITS + 1) * (1u << (LGL_HIST_SUB_BITS - 1)))

typedef struct lgl_hist {
  uint64_t count, max_ns;
  uint64_t b[LGL_HIST_BUCKETS];
} lgl_hist;

void lg__load_hist_record(lgl_hist *h, uint64_t ns);
void lg__load_hist_merge(lgl_hist *dst, const lgl_hist *src);
/* The value at quantile q (0..1] in ns: the midpoint of the bucket holding
 * the ceil(q*count)-th value (the exact max for q = 1); 0 when empty. */
uint64_t lg__load_hist_quantile(const lgl_hist *h, double q);

/* ---- requests (request.c) -------------------------------------------- */
typedef struct lgl_item {
  struct lg_template *head; /* http: request line + headers; flow: send */
  struct lg_template *body; /* http with a body; else NULL */
  bool http_cl;             /* append a Content-Length line */
  char *fixed;              /* pre-rendered bytes when nothing varies */
  size_t fixed_len;
  size_t max_len;           /* bound of any rendering (render buffer size) */
  size_t head_max, body_max;
  unsigned char *expect;    /* flow: the delimiter that ends a response */
  size_t expect_len;
  uint32_t *kmp;            /* KMP failure table of expect */
} lgl_item;

typedef struct lgl_target {
  struct sockaddr_storage addr;
  socklen_t addrlen;
  char name[128]; /* "host:port" for messages */
} lgl_target;

typedef struct lgl_phase {
  char *name;
  uint64_t start_ns, dur_ns; /* offsets from load start */
  bool open;                 /* rate given: open model */
  double r0, r1;             /* total req/s at start and end (scaled) */
} lgl_phase;

/* Build l->items and l->target from the spec (http url/method/headers/body,
 * or the tcp/stdin flow and address). */
int lg__load_requests_build(lg_load *l, lg_error *err);
void lg__load_requests_free(lg_load *l);
/* Render item it for seq into out (cap >= it->max_len); returns its length
 * or a negative LG_E*. Never allocates. */
long lg__load_request_render(const lgl_item *it, unsigned port, uint64_t seq,
                             uint64_t *rng, char *out, size_t cap);

/* ---- connections and workers (conn.c, worker.c) ----------------------- */
enum { LGL_C_IDLE_CLOSED, LGL_C_BACKOFF, LGL_C_CONNECTING, LGL_C_OPEN,
       LGL_C_DEAD };

typedef struct lgl_flight {
  uint64_t intended_ns; /* latency origin (open model: the schedule) */
  uint64_t sent_ns;     /* timeout origin */
  uint32_t item;
} lgl_flight;

typedef struct lgl_worker lgl_worker;

typedef struct lgl_conn {
  lgl_worker *w;
  uint32_t idx;
  uint32_t gen;          /* bumped per socket: stale epoll events are dropped */
  int rfd, wfd;          /* one socket, or the service's stdout/stdin */
  uint8_t state;
  bool on_idle;          /* has an entry on the worker's idle stack */
  bool on_ready;         /* queued to send after the current event batch */
  bool wclosed;          /* stdin driver: the service closed its stdin */
  bool want_out;         /* EPOLLOUT registered */
  bool msg_done;         /* http: on_message_complete fired */
  uint32_t fails;        /* consecutive failures: reconnect backoff */
  uint64_t deadline_ns;  /* connect deadline */
  uint64_t retry_ns;     /* backoff: reconnect at */
  uint32_t flow_pos;     /* next flow item */
  uint32_t depth, ring_head, ring_n;
  lgl_flight *ring;      /* requests in flight, oldest first */
  const char *wbuf;      /* bytes being written */
  size_t wlen, woff;
  char *obuf;            /* render buffer (dynamic requests) */
  uint32_t matched;      /* flow: delimiter bytes matched so far */
  uint64_t resp_bytes;   /* bytes of the oldest request's response so far */
  http_parser hp;
} lgl_conn;

typedef struct lgl_counts {
  uint64_t completed, errors;
} lgl_counts;

struct lgl_worker {
  lg_load *l;
  unsigned index;
  pthread_t tid;
  bool thread_started;
  int ep;
  lgl_conn *conns;
  uint32_t n_conns;
  uint32_t *idle; /* stack of conn indices (lazy: entries may be stale) */
  uint32_t n_idle;
  uint32_t *ready; /* conns that may send once the event batch is handled */
  uint32_t n_ready;
  bool in_batch;
  char *rbuf;
  uint64_t seq, rng;
  /* schedule of the current phase (open model), per worker */
  size_t phase;       /* current phase index (by time) */
  double r0, a;       /* this worker's rate (req/s) and slope (req/s^2) */
  double sched_n;     /* requests of this phase dispatched so far */
  double sched_total; /* requests this phase should carry */
  uint64_t next_ns;   /* intended time of the next request; 0 = none */
  uint64_t next_sweep_ns;
  bool capped;        /* max_requests tickets ran out */
  uint64_t seen_budget; /* hold: the budget last acted on */
  /* counters owned by this thread; read by others only after join */
  lgl_counts *per_phase;
  uint64_t err_class[LGL_E_N];
  char first_err[LGL_E_N][LGL_MSG];
  uint64_t dropped;
  uint64_t ended_ns;
  lgl_hist hist;
  /* read by other threads at any time */
  _Alignas(64) _Atomic uint64_t completed;
  _Atomic uint64_t errors;
  _Atomic int finished;
};

typedef struct lgl_exec lgl_exec;

struct lg_load {
  lg_load_opts o;
  lg_driver_kind driver;
  lgl_phase *phases;
  size_t n_phases;
  uint64_t total_ns;
  uint64_t timeout_ns;
  uint64_t seed;
  /* requests */
  lgl_item *items;
  size_t n_items;
  bool head_method; /* http HEAD: responses carry no body */
  lgl_target target;
  char *url;        /* http: the rendered url (first request), for messages */
  /* workers */
  lgl_worker *workers;
  unsigned n_workers;
  unsigned connections; /* in all (stdin: requests in flight) */
  lgl_exec *ex;
  /* run state */
  uint64_t t0_ns;
  _Atomic uint64_t end_ns; /* 0 while running */
  _Atomic int stop;
  _Atomic uint64_t tickets; /* max_requests/hold: requests handed out */
  _Atomic uint64_t budget;  /* hold: requests allowed so far */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool sync_init, started, joined;
  unsigned running;
};

/* The phase index at offset t_ns from the start (the last one past the end). */
size_t lg__load_phase_at(const lg_load *l, uint64_t t_ns);
/* True when the worker should stop now (time, stop, interrupt, cap). */
bool lg__load_should_end(lgl_worker *w, uint64_t now);
/* Called by each worker thread (and the exec supervisor) as it ends. */
void lg__load_worker_done(lg_load *l);
/* Join every thread once (after they ended or were told to stop). */
void lg__load_join_all(lg_load *l);

int lg__load_worker_init(lgl_worker *w, lg_load *l, unsigned index,
                         uint32_t n_conns, lg_error *err);
void lg__load_worker_cleanup(lgl_worker *w);
void *lg__load_worker_main(void *arg);

/* epoll data of a connection's fd: generation, index, "is the write fd". */
static inline uint64_t lgl_token(const lgl_conn *c, bool wfd) {
  return ((uint64_t)c->gen << 32) | ((uint64_t)c->idx << 1) | (wfd ? 1u : 0u);
}

/* conn.c: the connection state machine, driven by worker.c. */
void lg__load_conn_connect(lgl_conn *c, uint64_t now);
void lg__load_conn_on_event(lgl_conn *c, uint32_t events, bool wfd_event);
void lg__load_conn_sweep(lgl_conn *c, uint64_t now);
/* Send the next request on an idle, open connection; intended_ns = 0 means
 * now (closed model). Returns 0, or -1 when the connection failed. */
int lg__load_conn_dispatch(lgl_conn *c, uint64_t intended_ns);
bool lg__load_conn_can_send(const lgl_conn *c);
void lg__load_conn_close(lgl_conn *c);

/* worker.c hooks called by conn.c */
/* A whole response arrived: one completed request with its latency, or,
 * for an HTTP status >= 400, one status error (flows pass status 0). */
void lg__load_worker_count_response(lgl_worker *w, uint64_t latency_ns,
                                    int status);
/* Count n errors of class cls; fmt is formatted only for the first error
 * of the class (the message kept for the result). */
void lg__load_worker_count_err(lgl_worker *w, int cls, uint64_t n,
                               const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void lg__load_worker_vcount_err(lgl_worker *w, int cls, uint64_t n,
                                const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
void lg__load_worker_conn_ready(lgl_worker *w, lgl_conn *c);
bool lg__load_worker_claim(lgl_worker *w);
void lg__load_worker_unclaim(lgl_worker *w, uint64_t n);
int lg__load_worker_set_events(lgl_worker *w, lgl_conn *c, bool want_out);

/* exec.c */
int lg__load_exec_new(lg_load *l, lg_error *err);
int lg__load_exec_start(lg_load *l, lg_error *err);
void lg__load_exec_join(lg_load *l);
void lg__load_exec_free(lg_load *l);
/* Fill r->exec_exit_status and describe the command's end in msg (after
 * the join). */
int lg__load_exec_result(lg_load *l, lg_load_result *r, char *msg, size_t cap);

#endif
