/* service/ready.c - wait until the service is ready (see leakgate/service.h).
 *
 * Probes, retried every 20 ms until the timeout (ready.timeout, default
 * 10 s, times ready_timeout_scale): tcp connect to "host:port"; http GET of
 * an http:// URL answered with a 2xx status (a tiny blocking client with a
 * 1 s budget per attempt, Connection: close); a line of captured output
 * matching the regex; a fixed delay. LG_READY_NONE is ready at once (the
 * runner picks a default probe for network drivers). Before every attempt
 * the service is checked: if it ended, that is LG_ESTART with how it ended
 * and the tail of its stderr. *interrupt set is LG_EINTR.
 * Owns nothing past a call: each attempt opens and closes its socket.
 */
#include "service/service_int.h"

#include <leakgate/template.h>

#include "core/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ATTEMPT_S 1.0
#define RETRY_S 0.02
#define DEFAULT_TIMEOUT_S 10.0
#define TAIL_IN_MESSAGE 600

/* Split "host:port" / "[v6]:port" into host and port strings. */
static int split_hostport(const char *in, char *host, size_t hcap, char *port,
                          size_t pcap) {
  const char *colon;
  size_t hl;
  if (in[0] == '[') {
    const char *rb = strchr(in, ']');
    if (!rb || rb[1] != ':')
      return -1;
    hl = (size_t)(rb - in - 1);
    if (hl >= hcap)
      return -1;
    memcpy(host, in + 1, hl);
    host[hl] = '\0';
    colon = rb + 1;
  } else {
    colon = strrchr(in, ':');
    if (!colon)
      return -1;
    hl = (size_t)(colon - in);
    if (hl >= hcap)
      return -1;
    memcpy(host, in, hl);
    host[hl] = '\0';
  }
  if (!colon[1] || strlen(colon + 1) >= pcap)
    return -1;
  snprintf(port, pcap, "%s", colon + 1);
  return 0;
}

/* Milliseconds left until deadline, for poll(2). Never negative: poll
 * takes a negative timeout as "wait forever", and a probe resumed after
 * its deadline (a stalled leakgate on a loaded runner) must not then hang
 * on a service that answered part of a line and went quiet. */
static int ms_left(double deadline) {
  double ms = (deadline - lg__now_s()) * 1000;
  return ms > 0 ? (int)ms : 0;
}

/* Connect with a deadline; returns the socket or -1 with why set. */
static int connect_to(const char *host, const char *port, double deadline,
                      char *why, size_t wcap) {
  struct addrinfo hints, *res = NULL, *ai;
  int fd = -1, r;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  r = getaddrinfo(host[0] ? host : "127.0.0.1", port, &hints, &res);
  if (r != 0) {
    snprintf(why, wcap, "%s:%s: %s", host, port, gai_strerror(r));
    return -1;
  }
  for (ai = res; ai; ai = ai->ai_next) {
    struct pollfd p;
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                ai->ai_protocol);
    if (fd < 0)
      continue;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
      break;
    if (errno == EINPROGRESS) {
      p.fd = fd;
      p.events = POLLOUT;
      if (poll(&p, 1, ms_left(deadline)) == 1 &&
          getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
        break;
      errno = soerr ? soerr : ETIMEDOUT;
    }
    snprintf(why, wcap, "connect %s:%s: %s", host, port, strerror(errno));
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  return fd;
}

static int probe_tcp(const char *target, char *why, size_t wcap) {
  char host[256], port[16];
  int fd;
  if (split_hostport(target, host, sizeof host, port, sizeof port) != 0) {
    snprintf(why, wcap, "bad tcp target '%s' (want host:port)", target);
    return -2;
  }
  fd = connect_to(host, port, lg__now_s() + ATTEMPT_S, why, wcap);
  if (fd < 0)
    return -1;
  close(fd);
  return 0;
}

/* Parse http://host[:port][/path]; -1 when not an http URL. */
static int parse_url(const char *url, char *host, size_t hcap, char *port,
                     size_t pcap, const char **path) {
  const char *p = url + 7, *slash;
  char hostport[300];
  size_t l;
  if (strncmp(url, "http://", 7) != 0)
    return -1;
  slash = strchr(p, '/');
  l = slash ? (size_t)(slash - p) : strlen(p);
  if (l == 0 || l >= sizeof hostport)
    return -1;
  memcpy(hostport, p, l);
  hostport[l] = '\0';
  *path = slash ? slash : "/";
  if (split_hostport(hostport, host, hcap, port, pcap) == 0)
    return 0;
  if (hostport[0] == '[' || strlen(hostport) >= hcap)
    return -1;
  snprintf(host, hcap, "%s", hostport);
  snprintf(port, pcap, "80");
  return 0;
}

static int is_digit(char c) {
  return c >= '0' && c <= '9';
}

static int probe_http(const char *url, char *why, size_t wcap) {
  char host[256], port[16], req[2600], resp[256] = {0};
  const char *path;
  double deadline = lg__now_s() + ATTEMPT_S;
  size_t got = 0, off = 0;
  int fd, n, code, rc = -1;

  if (parse_url(url, host, sizeof host, port, sizeof port, &path) != 0) {
    snprintf(why, wcap,
             "bad http target '%s' (only http://host[:port]/path "
             "is supported)",
             url);
    return -2;
  }
  fd = connect_to(host, port, deadline, why, wcap);
  if (fd < 0)
    return -1;
  n = snprintf(req, sizeof req,
               "GET %.2048s HTTP/1.1\r\nHost: %s:%s\r\n"
               "User-Agent: leakgate-ready\r\nConnection: close\r\n\r\n",
               path, host, port);
  while (off < (size_t)n) {
    struct pollfd p = {fd, POLLOUT, 0};
    ssize_t w;
    if (poll(&p, 1, ms_left(deadline)) != 1)
      goto timeout;
    w = send(fd, req + off, (size_t)n - off, MSG_NOSIGNAL);
    if (w <= 0 && errno != EAGAIN) {
      snprintf(why, wcap, "GET %s: send: %s", url, strerror(errno));
      goto cleanup;
    }
    if (w > 0)
      off += (size_t)w;
  }
  /* The status line is all we need. */
  while (got < sizeof resp - 1 && !memchr(resp, '\n', got)) {
    struct pollfd p = {fd, POLLIN, 0};
    ssize_t r;
    if (poll(&p, 1, ms_left(deadline)) != 1)
      goto timeout;
    r = recv(fd, resp + got, sizeof resp - 1 - got, 0);
    if (r == 0)
      break;
    if (r < 0 && errno != EAGAIN) {
      snprintf(why, wcap, "GET %s: %s", url, strerror(errno));
      goto cleanup;
    }
    if (r > 0)
      got += (size_t)r;
  }
  resp[got] = '\0';
  /* "HTTP/d.d NNN": parsed by hand, since the answer is the service's
   * and sscanf's %d is undefined on an out-of-range number. */
  if (strncmp(resp, "HTTP/", 5) != 0 || !is_digit(resp[5]) || resp[6] != '.' ||
      !is_digit(resp[7]) || resp[8] != ' ' || !is_digit(resp[9]) ||
      !is_digit(resp[10]) || !is_digit(resp[11]) || is_digit(resp[12])) {
    snprintf(why, wcap, "GET %s: no HTTP status line in the answer", url);
    goto cleanup;
  }
  code = (resp[9] - '0') * 100 + (resp[10] - '0') * 10 + (resp[11] - '0');
  if (code >= 200 && code < 300)
    rc = 0;
  else
    snprintf(why, wcap, "GET %s: HTTP %d", url, code);
  goto cleanup;
timeout:
  snprintf(why, wcap, "GET %s: no answer within %.0f s", url, ATTEMPT_S);
cleanup:
  close(fd);
  return rc;
}

/* The service ended before it was ready: say how, with its stderr tail. */
static int ended_error(lg_service *s, lg_error *err) {
  char how[512], tail[TAIL_IN_MESSAGE + 1];
  double until = lg__now_s() + 1.0;
  size_t n;
  /* Let the capture thread read the last words (bounded: a daemon child
   * may keep stderr open). */
  while (s->capturing && !lg__capture_stderr_eof(&s->cap) &&
         lg__now_s() < until)
    lg__sleep_s(0.005, NULL);
  lg__service_describe_end(s, how, sizeof how);
  if (s->exited && s->exit_status == 0) {
    /* A daemon's launcher exits 0: say whether one could be followed. */
    size_t k = strlen(how);
    if (s->container && lg_container_path(s->container))
      snprintf(how + k, sizeof how - k, " and left no process in its cgroup");
    else
      snprintf(how + k, sizeof how - k,
               " (if it daemonises, its daemon cannot be followed without a "
               "cgroup: container backend none; run it in the foreground, "
               "e.g. nginx 'daemon off;', memcached without -d, redis "
               "'daemonize no', or use a cgroup backend)");
  }
  n = lg_service_stderr_tail(s, tail, sizeof tail);
  while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == '\r'))
    tail[--n] = '\0';
  return lg_error_set(err, LG_ESTART, "service %s before it was ready%s%s%s",
                      how, n ? "; stderr ends with: \"" : " (stderr empty)",
                      n ? tail : "", n ? "\"" : "");
}

int lg_service_wait_ready(lg_service *s, lg_error *err) {
  const lg_ready_spec *rs = &s->spec->ready;
  double timeout =
      (rs->timeout_s > 0 ? rs->timeout_s : DEFAULT_TIMEOUT_S) * s->ready_scale;
  double start = lg__now_s(), deadline = start + timeout;
  char *target = NULL, why[512] = "";
  int rc = 0, r;

  if (!isnan(s->t_ready))
    return 0;
  if (rs->kind == LG_READY_DELAY && rs->delay_s + 1 > timeout) {
    timeout = rs->delay_s + 1; /* the delay is the probe: let it pass */
    deadline = start + timeout;
  }
  if ((rs->kind == LG_READY_TCP || rs->kind == LG_READY_HTTP)) {
    if (!rs->target)
      return lg_error_set(err, LG_EUSAGE, "service.ready: no target");
    rc = lg_template_expand(rs->target, s->port, &target, err);
    if (rc)
      return lg_error_prefix(err, rc, "service.ready");
  }
  for (;;) {
    if (lg__service_check(s, false)) {
      rc = ended_error(s, err);
      break;
    }
    if (s->interrupt && *s->interrupt) {
      rc = lg_error_set(err, LG_EINTR,
                        "interrupted while waiting for the "
                        "service to become ready");
      break;
    }
    switch (rs->kind) {
    case LG_READY_TCP:
      r = probe_tcp(target, why, sizeof why);
      break;
    case LG_READY_HTTP:
      r = probe_http(target, why, sizeof why);
      break;
    case LG_READY_LOG:
      r = s->capturing && lg__capture_matched(&s->cap) ? 0 : -1;
      if (r)
        snprintf(why, sizeof why, "no output line matched /%s/",
                 rs->target ? rs->target : "");
      break;
    case LG_READY_DELAY:
      r = lg__now_s() - start >= rs->delay_s ? 0 : -1;
      break;
    case LG_READY_NONE:
    default:
      r = 0;
      break;
    }
    if (r == -2) {
      rc = lg_error_set(err, LG_EINPUT, "service.ready: %s", why);
      break;
    }
    if (r == 0) {
      /* A delay or a quick probe can pass just as the service dies. */
      if (lg__service_check(s, false)) {
        rc = ended_error(s, err);
        break;
      }
      s->t_ready = lg__now_s();
      break;
    }
    if (lg__now_s() >= deadline) {
      rc = lg_error_set(err, LG_ENOTREADY,
                        "service not ready after %.1f s "
                        "(%s)",
                        timeout, why[0] ? why : "probe failed");
      break;
    }
    lg__sleep_s(RETRY_S, s->interrupt);
  }
  free(target);
  return rc;
}
