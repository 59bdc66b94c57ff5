/* load/conn.c - one connection of the load engine: connect, write a request,
 * read and frame its response, count it, and recover from failures.
 *
 * States: IDLE_CLOSED -> CONNECTING -> OPEN (-> BACKOFF -> CONNECTING ...).
 * A stdin "connection" is the service's stdin/stdout pipe pair: always OPEN
 * until the service closes a pipe, then DEAD (pipes cannot be reopened).
 * Responses are framed while streaming: http-parser for http (Content-Length,
 * chunked, read-until-close, Connection: close), the item's expect delimiter
 * (KMP) for tcp/stdin. Reads go through the worker's one read buffer, so the
 * only per-connection memory is this struct, its in-flight ring and, for
 * templated requests, one render buffer of the request's maximum length.
 * A failure counts one error per request in flight (at least one), closes
 * the socket and reconnects: at once after the first failure, then with an
 * exponential backoff (5 ms doubling, capped at 100 ms) until a response
 * completes again, so a dead service costs little CPU and cannot spin.
 * Owns: the socket fd (never the stdin driver's pipes, which the caller owns).
 */
#include "load/load_int.h"

#include "core/clock.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

static bool is_pipe(const lgl_conn *c) {
  return c->w->l->driver == LG_DRIVER_STDIN;
}

static uint64_t backoff_ns(uint32_t fails) {
  uint64_t d;
  if (fails <= 1)
    return 0;
  if (fails > 8)
    return LGL_BACKOFF_MAX_NS;
  d = 5000000ull << (fails - 2);
  return d < LGL_BACKOFF_MAX_NS ? d : LGL_BACKOFF_MAX_NS;
}

static void ring_reset(lgl_conn *c) {
  c->ring_head = c->ring_n = 0;
  c->wbuf = NULL;
  c->wlen = c->woff = 0;
  c->matched = 0;
  c->resp_bytes = 0;
  c->msg_done = false;
}

/* The oldest request in flight is done with (answered or given up): drop it
 * and the partial-response state that belonged to it. */
static void pop_oldest(lgl_conn *c) {
  c->ring_head = (c->ring_head + 1) % c->depth;
  c->ring_n--;
  c->resp_bytes = 0;
  c->matched = 0;
}

void lg__load_conn_close(lgl_conn *c) {
  if (is_pipe(c)) {
    /* The pipes belong to the caller: only stop watching them. */
    if (c->state != LGL_C_DEAD) {
      epoll_ctl(c->w->ep, EPOLL_CTL_DEL, c->rfd, NULL);
      epoll_ctl(c->w->ep, EPOLL_CTL_DEL, c->wfd, NULL);
    }
    c->state = LGL_C_DEAD;
  } else {
    if (c->rfd >= 0)
      close(c->rfd); /* also removes it from the epoll set */
    c->rfd = c->wfd = -1;
    c->state = LGL_C_IDLE_CLOSED;
  }
  c->want_out = false;
  ring_reset(c);
}

/* Close the socket and open it again after one more consecutive failure:
 * at once after the first, then after backoff_ns, so a peer that only fails
 * or closes cannot make the loop spin. */
static void reconnect(lgl_conn *c) {
  uint64_t now = lg__now_ns(), d;
  lg__load_conn_close(c);
  d = backoff_ns(++c->fails);
  if (d == 0) {
    lg__load_conn_connect(c, now);
    return;
  }
  c->state = LGL_C_BACKOFF;
  c->retry_ns = now + d;
}

/* Count a failure of class cls for the requests in flight (at least
 * min_n), then reconnect (sockets) or give up (pipes). */
static void conn_fail(lgl_conn *c, int cls, uint64_t min_n, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));
static void conn_fail(lgl_conn *c, int cls, uint64_t min_n, const char *fmt,
                      ...) {
  lgl_worker *w = c->w;
  uint64_t n = c->ring_n > min_n ? c->ring_n : min_n;
  va_list ap;

  va_start(ap, fmt);
  lg__load_worker_vcount_err(w, cls, n, fmt, ap);
  va_end(ap);
  lg__load_worker_unclaim(w, c->ring_n);
  if (is_pipe(c))
    lg__load_conn_close(c);
  else
    reconnect(c);
}

void lg__load_conn_connect(lgl_conn *c, uint64_t now) {
  lg_load *l = c->w->l;
  const lgl_target *t = &l->target;
  struct epoll_event ev;
  int fd, one = 1;

  fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    conn_fail(c, LGL_E_CONNECT, 1, "socket for %s: %s", t->name,
              strerror(errno));
    return;
  }
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->rfd = c->wfd = fd;
  c->gen++; /* events still queued for the previous socket are ignored */
  c->state = LGL_C_CONNECTING;
  c->deadline_ns = now + l->timeout_ns;
  ev.events = EPOLLOUT;
  ev.data.u64 = lgl_token(c, false);
  if (epoll_ctl(c->w->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
    conn_fail(c, LGL_E_CONNECT, 1, "epoll_ctl for %s: %s", t->name,
              strerror(errno));
    return;
  }
  if (connect(fd, (const struct sockaddr *)&t->addr, t->addrlen) == 0 ||
      errno == EINPROGRESS)
    return; /* completion (or its error) arrives as EPOLLOUT */
  conn_fail(c, LGL_E_CONNECT, 1, "connect to %s: %s", t->name, strerror(errno));
}

/* stdin driver: the service closed its stdin. Answers it already wrote may
 * still wait in its stdout pipe, so reading goes on; writing stops. The
 * request being written (the newest in flight) is one write error. */
static void pipe_write_closed(lgl_conn *c, const char *why) {
  if (c->wlen) {
    c->ring_n--;
    lg__load_worker_unclaim(c->w, 1);
  }
  c->wbuf = NULL;
  c->wlen = c->woff = 0;
  c->wclosed = true;
  c->want_out = false;
  epoll_ctl(c->w->ep, EPOLL_CTL_DEL, c->wfd, NULL);
  lg__load_worker_count_err(c->w, LGL_E_WRITE, 1, "%s", why);
}

static int flush(lgl_conn *c) {
  while (c->woff < c->wlen) {
    ssize_t n = is_pipe(c) ? write(c->wfd, c->wbuf + c->woff, c->wlen - c->woff)
                           : send(c->wfd, c->wbuf + c->woff, c->wlen - c->woff,
                                  MSG_NOSIGNAL);
    if (n > 0) {
      c->woff += (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!c->want_out && lg__load_worker_set_events(c->w, c, true) != 0) {
        conn_fail(c, LGL_E_WRITE, 1, "epoll_ctl: %s", strerror(errno));
        return -1;
      }
      return 0;
    }
    if (is_pipe(c)) {
      char why[LGL_MSG];
      snprintf(why, sizeof why, "the service closed its stdin (write: %s)",
               n < 0 ? strerror(errno) : "no progress");
      pipe_write_closed(c, why);
    } else
      conn_fail(c, LGL_E_WRITE, 1, "write to %s: %s", c->w->l->target.name,
                n < 0 ? strerror(errno) : "no progress");
    return -1;
  }
  c->wbuf = NULL;
  c->wlen = c->woff = 0;
  if (c->want_out && lg__load_worker_set_events(c->w, c, false) != 0) {
    conn_fail(c, LGL_E_WRITE, 1, "epoll_ctl: %s", strerror(errno));
    return -1;
  }
  return 0;
}

bool lg__load_conn_can_send(const lgl_conn *c) {
  return c->state == LGL_C_OPEN && c->wlen == 0 && c->ring_n < c->depth &&
         !c->wclosed;
}

int lg__load_conn_dispatch(lgl_conn *c, uint64_t intended_ns) {
  lgl_worker *w = c->w;
  lg_load *l = w->l;
  const lgl_item *it = &l->items[c->flow_pos];
  uint64_t now = lg__now_ns();
  uint64_t seq = w->seq++ * l->n_workers + w->index; /* unique across threads */
  lgl_flight *f;

  if (it->fixed) {
    c->wbuf = it->fixed;
    c->wlen = it->fixed_len;
  } else {
    long n = lg__load_request_render(it, l->o.port, seq, &w->rng, c->obuf,
                                     it->max_len);
    if (n < 0) { /* cannot happen: obuf holds max_len; kept as a guard */
      lg__load_worker_count_err(w, LGL_E_WRITE, 1,
                                "request rendering overflow");
      lg__load_worker_unclaim(w, 1);
      return -1;
    }
    c->wbuf = c->obuf;
    c->wlen = (size_t)n;
  }
  c->woff = 0;
  if (c->ring_n == 0) {
    c->resp_bytes = 0;
    c->matched = 0;
    if (l->driver == LG_DRIVER_HTTP) {
      http_parser_init(&c->hp, HTTP_RESPONSE);
      c->hp.data = c;
      c->msg_done = false;
    }
  }
  f = &c->ring[(c->ring_head + c->ring_n) % c->depth];
  f->intended_ns = intended_ns ? intended_ns : now;
  f->sent_ns = now;
  f->item = c->flow_pos;
  c->ring_n++;
  c->flow_pos = (uint32_t)((c->flow_pos + 1) % l->n_items);
  return flush(c);
}

/* The response to the oldest request in flight is complete. proceed: go on
 * to the next request (false when the connection is about to be failed). */
static void finish_response(lgl_conn *c, int status, bool keep, bool proceed) {
  lgl_flight *f = &c->ring[c->ring_head];
  uint64_t now = lg__now_ns();
  uint64_t lat = now > f->intended_ns ? now - f->intended_ns : 0;

  pop_oldest(c);
  c->fails = 0;
  lg__load_worker_count_response(c->w, lat, status);
  if (!proceed)
    return;
  if (!keep) { /* Connection: close or read-until-close: a new connection */
    lg__load_conn_close(c);
    lg__load_conn_connect(c, now);
    return;
  }
  lg__load_worker_conn_ready(c->w, c);
}

static int on_headers_complete(http_parser *p) {
  lgl_conn *c = p->data;
  return c->w->l->head_method ? 1 : 0; /* 1: a HEAD response has no body */
}

static int on_message_complete(http_parser *p) {
  lgl_conn *c = p->data;
  c->msg_done = true;
  http_parser_pause(p, 1); /* stop here: bytes after it are not ours */
  return 0;
}

static const http_parser_settings http_settings = {
    .on_headers_complete = on_headers_complete,
    .on_message_complete = on_message_complete,
};

/* Returns 0 to keep reading, -1 when the connection was closed or reset. */
static int consume_http(lgl_conn *c, const char *data, size_t len) {
  const char *peer = c->w->l->target.name;
  size_t n;
  int status;
  bool keep;

  if (c->ring_n == 0) {
    conn_fail(c, LGL_E_PARSE, 1, "%zu unexpected bytes from %s while no "
              "request was in flight", len, peer);
    return -1;
  }
  c->resp_bytes += len;
  n = http_parser_execute(&c->hp, &http_settings, data, len);
  if (c->msg_done) {
    status = (int)c->hp.status_code;
    keep = http_should_keep_alive(&c->hp) != 0;
    if (n < len) {
      finish_response(c, status, keep, false);
      conn_fail(c, LGL_E_PARSE, 1, "%zu unexpected bytes from %s after a "
                "complete response", len - n, peer);
      return -1;
    }
    finish_response(c, status, keep, true);
    return c->state == LGL_C_OPEN ? 0 : -1;
  }
  if (HTTP_PARSER_ERRNO(&c->hp) != HPE_OK) {
    conn_fail(c, LGL_E_PARSE, 1, "invalid HTTP response from %s: %s", peer,
              http_errno_description(HTTP_PARSER_ERRNO(&c->hp)));
    return -1;
  }
  if (c->resp_bytes > LGL_MAX_RESPONSE) {
    conn_fail(c, LGL_E_PARSE, 1, "a response from %s exceeds %llu bytes", peer,
              (unsigned long long)LGL_MAX_RESPONSE);
    return -1;
  }
  return 0;
}

static const char *peer_name(const lgl_conn *c) {
  return is_pipe(c) ? "the service's stdout" : c->w->l->target.name;
}

/* Bytes after a complete response while nothing is in flight: usually an
 * expect delimiter that ends the response too early. */
#define FLOW_EXTRA_FMT                                                        \
  "%zu unexpected bytes from %s after the expect delimiter (check "           \
  "load.flow expect)"

/* Match the expect delimiter of each request in flight, in order. */
static int consume_flow(lgl_conn *c, const char *data, size_t len) {
  const unsigned char *p = (const unsigned char *)data;
  size_t i = 0;

  while (i < len) {
    const lgl_item *it;
    size_t start = i;
    uint32_t m = c->matched;
    bool found = false;

    if (c->state != LGL_C_OPEN)
      return -1;
    if (c->ring_n == 0) {
      if (!is_pipe(c)) {
        conn_fail(c, LGL_E_PARSE, 1, FLOW_EXTRA_FMT, len - i, peer_name(c));
        return -1;
      }
      /* a pipe cannot be resynchronised: count, drop, go on */
      lg__load_worker_count_err(c->w, LGL_E_PARSE, 1, FLOW_EXTRA_FMT, len - i,
                                peer_name(c));
      return 0;
    }
    it = &c->w->l->items[c->ring[c->ring_head].item];
    while (i < len) {
      if (m == 0) { /* skip fast to the delimiter's first byte */
        const unsigned char *q = memchr(p + i, it->expect[0], len - i);
        if (!q) {
          i = len;
          break;
        }
        i = (size_t)(q - p) + 1;
        m = 1;
      } else {
        while (m > 0 && p[i] != it->expect[m])
          m = it->kmp[m - 1];
        if (p[i] == it->expect[m])
          m++;
        i++;
      }
      if (m == it->expect_len) {
        found = true;
        break;
      }
    }
    c->resp_bytes += i - start;
    c->matched = m;
    if (!found) {
      if (c->resp_bytes > LGL_MAX_RESPONSE) {
        conn_fail(c, LGL_E_PARSE, 1, "%llu bytes from %s without the expect "
                  "delimiter", (unsigned long long)c->resp_bytes, peer_name(c));
        return -1;
      }
      return 0;
    }
    /* A socket has one request in flight: bytes left after its response
     * are failed at the top of the loop, so it must not send the next. */
    finish_response(c, 0, true, is_pipe(c) || i == len);
  }
  return c->state == LGL_C_OPEN ? 0 : -1;
}

static void on_eof(lgl_conn *c) {
  if (is_pipe(c)) {
    conn_fail(c, LGL_E_READ, 1, "the service closed its stdout");
    return;
  }
  if (c->ring_n == 0) { /* keep-alive connection closed while idle */
    reconnect(c); /* not an error, but backed off like one: no spinning */
    return;
  }
  if (c->w->l->driver == LG_DRIVER_HTTP && c->resp_bytes) {
    http_parser_execute(&c->hp, &http_settings, NULL, 0); /* body until EOF */
    if (c->msg_done) {
      finish_response(c, (int)c->hp.status_code, false, true);
      return;
    }
  }
  conn_fail(c, LGL_E_READ, 1, "%s closed the connection %s", peer_name(c),
            c->resp_bytes ? "in the middle of a response"
                          : "before responding");
}

/* Reads at most 16 buffers (1 MiB) per event, so one flooding peer cannot
 * starve the other connections and the timers (epoll is level-triggered:
 * the rest is read on the next round). */
static void on_readable(lgl_conn *c) {
  lgl_worker *w = c->w;
  int budget = 16;
  while (budget-- > 0) {
    ssize_t n = read(c->rfd, w->rbuf, LGL_RBUF);
    int rc;
    if (n > 0) {
      rc = w->l->driver == LG_DRIVER_HTTP ? consume_http(c, w->rbuf, (size_t)n)
                                          : consume_flow(c, w->rbuf, (size_t)n);
      if (rc != 0 || n < LGL_RBUF)
        return; /* a short read drained the socket: back to epoll */
      continue;
    }
    if (n == 0) {
      on_eof(c);
      return;
    }
    if (errno == EINTR)
      continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      return;
    if (c->ring_n == 0 && !is_pipe(c)) { /* reset while idle: reconnect */
      on_eof(c);
      return;
    }
    conn_fail(c, LGL_E_READ, 1, "read from %s: %s", peer_name(c),
              strerror(errno));
    return;
  }
}

static void on_connected(lgl_conn *c) {
  int soerr = 0;
  socklen_t len = sizeof soerr;
  if (getsockopt(c->rfd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
    soerr = errno;
  if (soerr) {
    conn_fail(c, LGL_E_CONNECT, 1, "connect to %s: %s", c->w->l->target.name,
              strerror(soerr));
    return;
  }
  c->state = LGL_C_OPEN;
  c->want_out = true; /* registered for EPOLLOUT while connecting */
  if (lg__load_worker_set_events(c->w, c, false) != 0) {
    conn_fail(c, LGL_E_CONNECT, 1, "epoll_ctl: %s", strerror(errno));
    return;
  }
  lg__load_worker_conn_ready(c->w, c);
}

void lg__load_conn_on_event(lgl_conn *c, uint32_t events, bool wfd_event) {
  if (c->state == LGL_C_CONNECTING) {
    on_connected(c);
    return;
  }
  if (c->state != LGL_C_OPEN)
    return; /* a stale event for a connection closed in this batch */
  if ((events & (EPOLLOUT | EPOLLERR)) && c->wlen > 0 &&
      (wfd_event || !is_pipe(c))) {
    if (flush(c) != 0)
      return;
    if (c->wlen == 0)
      lg__load_worker_conn_ready(c->w,
                                 c); /* a pipe may take the next request */
    if (c->state != LGL_C_OPEN)
      return;
  }
  if (wfd_event && (events & (EPOLLERR | EPOLLHUP))) {
    /* The service closed its stdin (reported even while we do not write). */
    pipe_write_closed(c, "the service closed its stdin");
    return;
  }
  if (!wfd_event && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
    on_readable(c);
}

void lg__load_conn_sweep(lgl_conn *c, uint64_t now) {
  lg_load *l = c->w->l;
  switch (c->state) {
  case LGL_C_BACKOFF:
    if (now >= c->retry_ns)
      lg__load_conn_connect(c, now);
    break;
  case LGL_C_CONNECTING:
    if (now >= c->deadline_ns)
      conn_fail(c, LGL_E_CONNECT, 1, "connect to %s timed out after %.3g s",
                l->target.name, (double)l->timeout_ns / 1e9);
    break;
  case LGL_C_OPEN:
    if (c->ring_n && now >= c->ring[c->ring_head].sent_ns + l->timeout_ns) {
      if (!is_pipe(c)) {
        conn_fail(c, LGL_E_TIMEOUT, 1, "no complete response from %s within "
                  "%.3g s", peer_name(c), (double)l->timeout_ns / 1e9);
        break;
      }
      /* A pipe cannot be reset: give up on the oldest request only. */
      lg__load_worker_count_err(c->w, LGL_E_TIMEOUT, 1,
                                "no complete response from "
                                "%s within %.3g s",
                                peer_name(c), (double)l->timeout_ns / 1e9);
      lg__load_worker_unclaim(c->w, 1);
      pop_oldest(c);
      lg__load_worker_conn_ready(c->w, c);
    }
    break;
  default:
    break;
  }
}
