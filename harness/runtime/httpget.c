/* runtime/httpget.c - a GET of a service's own debug endpoint (Go's
 * net/http/pprof) for the attribution looks (runtime/attrib.h).
 *
 * HTTP/1.0 with "Connection: close": the server answers without chunked
 * encoding and closes, so the body is everything after the headers (cut to
 * Content-Length when given). Only http:// URLs of a numeric IPv4 address
 * or a name getaddrinfo resolves; one connection per call; every wait is
 * bounded by the deadline; the body by cap (LG_ELIMIT beyond). */
#include "runtime/attrib.h"

#include "core/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* "http://host:port/path" -> host, port, path. */
static int split_url(const char *url, char *host, size_t hcap, char *port,
                     size_t pcap, const char **path) {
  const char *p, *slash, *colon;
  size_t n;
  if (strncmp(url, "http://", 7) != 0)
    return LG_EINPUT;
  p = url + 7;
  slash = p + strcspn(p, "/");
  colon = memchr(p, ':', (size_t)(slash - p));
  n = (size_t)((colon ? colon : slash) - p);
  if (n == 0 || n >= hcap)
    return LG_EINPUT;
  memcpy(host, p, n);
  host[n] = '\0';
  if (colon) {
    n = (size_t)(slash - colon - 1);
    if (n == 0 || n >= pcap)
      return LG_EINPUT;
    memcpy(port, colon + 1, n);
    port[n] = '\0';
  } else {
    snprintf(port, pcap, "80");
  }
  *path = *slash ? slash : "/";
  return 0;
}

/* Wait for fd to be ready for events until deadline; 0, or LG_ETIMEOUT. */
static int wait_fd(int fd, short events, double deadline) {
  for (;;) {
    struct pollfd p = {fd, events, 0};
    double left = deadline - lg__now_s();
    int r;
    if (left <= 0)
      return LG_ETIMEOUT;
    r = poll(&p, 1, (int)(left * 1000) + 1);
    if (r > 0)
      return 0;
    if (r < 0 && errno != EINTR)
      return LG_ESYS;
  }
}

int lg__rt_http_get(const char *url, double timeout_s, size_t cap, char **body,
                    size_t *len, lg_error *err) {
  char host[256], port[16], req[1024], *buf = NULL, *hdr_end;
  const char *path;
  struct addrinfo hints, *ai = NULL;
  double deadline = lg__now_s() + timeout_s;
  size_t got = 0, bcap = 65536, sent = 0, reqlen;
  int fd = -1, rc, status = 0;

  *body = NULL;
  *len = 0;
  if (split_url(url, host, sizeof host, port, sizeof port, &path) != 0)
    return lg_error_set(err, LG_EINPUT, "%s: not an http:// URL", url);
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai)
    return lg_error_set(err, LG_EIO, "%s: cannot resolve %s", url, host);
  fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    rc = lg_error_set(err, LG_ESYS, "socket: %s", strerror(errno));
    goto cleanup;
  }
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
    rc = lg_error_set(err, LG_EIO, "%s: connect: %s", url, strerror(errno));
    goto cleanup;
  }
  reqlen = (size_t)snprintf(req, sizeof req,
                            "GET %s HTTP/1.0\r\nHost: %s:%s\r\nConnection: "
                            "close\r\n\r\n",
                            path, host, port);
  if (reqlen >= sizeof req) {
    rc = lg_error_set(err, LG_EINPUT, "%s: URL too long", url);
    goto cleanup;
  }
  while (sent < reqlen) {
    ssize_t w;
    if ((rc = wait_fd(fd, POLLOUT, deadline)) != 0) {
      lg_error_set(err, rc, "%s: timed out connecting", url);
      goto cleanup;
    }
    w = send(fd, req + sent, reqlen - sent, MSG_NOSIGNAL);
    if (w < 0 && (errno == EAGAIN || errno == EINTR))
      continue;
    if (w <= 0) {
      rc = lg_error_set(err, LG_EIO, "%s: %s", url, strerror(errno));
      goto cleanup;
    }
    sent += (size_t)w;
  }
  if (!(buf = malloc(bcap + 1))) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  for (;;) {
    ssize_t r;
    if ((rc = wait_fd(fd, POLLIN, deadline)) != 0) {
      lg_error_set(err, rc, "%s: timed out after %zu bytes", url, got);
      goto cleanup;
    }
    if (got == bcap) {
      char *grown;
      if (bcap >= cap + 65536) {
        rc = lg_error_set(err, LG_ELIMIT, "%s: more than %zu bytes", url, cap);
        goto cleanup;
      }
      bcap *= 2;
      if (!(grown = realloc(buf, bcap + 1))) {
        rc = lg_error_set(err, LG_ENOMEM, "out of memory");
        goto cleanup;
      }
      buf = grown;
    }
    r = recv(fd, buf + got, bcap - got, 0);
    if (r < 0 && (errno == EAGAIN || errno == EINTR))
      continue;
    if (r < 0) {
      rc = lg_error_set(err, LG_EIO, "%s: %s", url, strerror(errno));
      goto cleanup;
    }
    if (r == 0)
      break;
    got += (size_t)r;
  }
  buf[got] = '\0';
  hdr_end = strstr(buf, "\r\n\r\n");
  /* "HTTP/1.1 200 OK" */
  if (hdr_end && strncmp(buf, "HTTP/", 5) == 0 && strchr(buf, ' ') &&
      strchr(buf, ' ') < hdr_end)
    status = (int)strtol(strchr(buf, ' ') + 1, NULL, 10);
  if (!hdr_end || status <= 0) {
    rc = lg_error_set(err, LG_EIO, "%s: not an HTTP response", url);
    goto cleanup;
  }
  if (status != 200) {
    rc = lg_error_set(err, LG_EIO, "%s: HTTP status %d", url, status);
    goto cleanup;
  }
  *len = got - (size_t)(hdr_end + 4 - buf);
  if (*len > cap) {
    rc = lg_error_set(err, LG_ELIMIT, "%s: more than %zu bytes", url, cap);
    goto cleanup;
  }
  memmove(buf, hdr_end + 4, *len);
  buf[*len] = '\0';
  *body = buf;
  buf = NULL;
  rc = 0;
cleanup:
  free(buf);
  if (fd >= 0)
    close(fd);
  freeaddrinfo(ai);
  return rc;
}
