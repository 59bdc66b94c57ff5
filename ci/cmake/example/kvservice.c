/* kvservice - the example project's service: a tiny HTTP/1.1 keep-alive
 * server (one thread, poll) answering every request with "ok". Built with
 * KV_LEAK=N (bytes) it keeps N bytes per request forever: a leak that
 * `make leakcheck` must catch.
 *
 * usage: kvservice --port PORT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef KV_LEAK
#define KV_LEAK 0
#endif
#define MAX_CONN 256
#define BUF 8192

/* A variable, not the macro, so a clean build (0) is not a memset of a
 * constant zero length. */
static size_t leak_bytes = KV_LEAK;

typedef struct conn {
  int fd;
  char in[BUF];
  size_t len;
} conn;

struct leaked {
  struct leaked *next;
};

static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                            "Content-Type: text/plain\r\n\r\nok\n";

static int listen_on(int port) {
  struct sockaddr_in a;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
  if (fd < 0)
    return -1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 512) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Answer every complete request in c->in; 0, or -1 to close. */
static int serve(conn *c, struct leaked **keep) {
  char *end;
  while ((end = memmem(c->in, c->len, "\r\n\r\n", 4)) != NULL) {
    size_t used = (size_t)(end + 4 - c->in);
    if (leak_bytes > 0) {
      struct leaked *l = malloc(sizeof *l + leak_bytes);
      if (l) {
        memset(l + 1, 0xab, leak_bytes);
        l->next = *keep;
        *keep = l;
      }
    }
    /* Small reply on loopback: a blocking-style retry is enough here. */
    for (size_t off = 0; off < sizeof reply - 1;) {
      ssize_t n = write(c->fd, reply + off, sizeof reply - 1 - off);
      if (n > 0)
        off += (size_t)n;
      else if (n < 0 && errno != EAGAIN && errno != EINTR)
        return -1;
    }
    memmove(c->in, c->in + used, c->len - used);
    c->len -= used;
  }
  return c->len == BUF ? -1 : 0; /* a header larger than BUF: give up */
}

int main(int argc, char **argv) {
  struct pollfd pf[MAX_CONN + 1];
  static conn conns[MAX_CONN];
  struct leaked *keep = NULL;
  int port = 0, lfd, i, n = 0;

  for (i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], "--port") == 0)
      port = atoi(argv[i + 1]);
  if (port <= 0 || port > 65535) {
    fprintf(stderr, "usage: kvservice --port PORT\n");
    return 2;
  }
  lfd = listen_on(port);
  if (lfd < 0) {
    perror("kvservice: listen");
    return 1;
  }
  fprintf(stderr, "kvservice: listening on 127.0.0.1:%d (leak %zu B/req)\n",
          port, leak_bytes);
  for (;;) {
    pf[0].fd = lfd;
    pf[0].events = POLLIN;
    for (i = 0; i < n; i++) {
      pf[i + 1].fd = conns[i].fd;
      pf[i + 1].events = POLLIN;
    }
    if (poll(pf, (nfds_t)n + 1, -1) < 0) {
      if (errno == EINTR)
        continue;
      return 1;
    }
    for (i = n - 1; i >= 0; i--) {
      ssize_t got;
      if (!pf[i + 1].revents)
        continue;
      got = read(conns[i].fd, conns[i].in + conns[i].len, BUF - conns[i].len);
      if (got > 0) {
        conns[i].len += (size_t)got;
        if (serve(&conns[i], &keep) == 0)
          continue;
      } else if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
        continue;
      }
      close(conns[i].fd);
      conns[i] = conns[--n];
    }
    if (pf[0].revents & POLLIN) {
      int fd, one = 1;
      while (n < MAX_CONN &&
             (fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conns[n].fd = fd;
        conns[n].len = 0;
        n++;
      }
    }
  }
}
