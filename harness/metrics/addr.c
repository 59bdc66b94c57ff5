/* metrics/addr.c - the endpoint's listen address: "HOST:PORT",
 * "[IPV6]:PORT" or "PORT", numeric hosts and "localhost" only (no DNS: an
 * address that resolves elsewhere tomorrow is not a loopback promise).
 * Loopback is 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104; anything else,
 * the wildcards 0.0.0.0 and :: included, needs allow_remote, because the
 * endpoint has no authentication and the CI machine's memory figures are
 * nobody else's business by default. Owns nothing.
 */
#include "metrics/metrics_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool v6_loopback(const struct in6_addr *a) {
  static const unsigned char mapped[12] = {0, 0, 0, 0, 0,    0,
                                           0, 0, 0, 0, 0xff, 0xff};
  if (IN6_IS_ADDR_LOOPBACK(a))
    return true;
  return memcmp(a->s6_addr, mapped, 12) == 0 && a->s6_addr[12] == 127;
}

int lg__mx_parse_listen(const char *listen, bool allow_remote,
                        struct sockaddr_storage *sa, socklen_t *sa_len,
                        lg_error *err) {
  char host[64];
  const char *port_s;
  char *end;
  unsigned long port;
  bool loopback;

  memset(sa, 0, sizeof *sa);
  if (!listen || !listen[0])
    return lg_error_set(err, LG_EUSAGE, "--metrics needs HOST:PORT or PORT");
  if (listen[0] == '[') {
    const char *close = strchr(listen, ']');
    size_t n = close ? (size_t)(close - listen - 1) : 0;
    if (!close || close[1] != ':' || n == 0 || n >= sizeof host)
      return lg_error_set(err, LG_EUSAGE,
                          "--metrics '%s': expected [IPV6]:PORT", listen);
    memcpy(host, listen + 1, n);
    host[n] = '\0';
    port_s = close + 2;
  } else {
    const char *colon = strrchr(listen, ':');
    size_t n = colon ? (size_t)(colon - listen) : 0;
    if (colon && strchr(listen, ':') != colon)
      return lg_error_set(
          err, LG_EUSAGE,
          "--metrics '%s': write an IPv6 address as [ADDR]:PORT", listen);
    if (n >= sizeof host)
      return lg_error_set(err, LG_EUSAGE, "--metrics '%s': host too long",
                          listen);
    if (colon && n > 0) {
      memcpy(host, listen, n);
      host[n] = '\0';
    } else {
      snprintf(host, sizeof host, "127.0.0.1"); /* "PORT" or ":PORT" */
    }
    port_s = colon ? colon + 1 : listen;
  }
  if (!isdigit((unsigned char)port_s[0]))
    return lg_error_set(err, LG_EUSAGE,
                        "--metrics '%s': expected a port number after the host",
                        listen);
  port = strtoul(port_s, &end, 10);
  if (*end || port > 65535)
    return lg_error_set(err, LG_EUSAGE, "--metrics '%s': port must be 0..65535",
                        listen);
  if (strcmp(host, "localhost") == 0)
    snprintf(host, sizeof host, "127.0.0.1");

  {
    struct sockaddr_in *v4 = (struct sockaddr_in *)sa;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)sa;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons((unsigned short)port);
      *sa_len = sizeof *v4;
      loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons((unsigned short)port);
      *sa_len = sizeof *v6;
      loopback = v6_loopback(&v6->sin6_addr);
    } else {
      return lg_error_set(err, LG_EUSAGE,
                          "--metrics '%s': '%s' is not a numeric address or "
                          "localhost",
                          listen, host);
    }
  }
  if (!loopback && !allow_remote)
    return lg_error_set(err, LG_EUSAGE,
                        "--metrics '%s': %s is not a loopback address; the "
                        "endpoint has no authentication, so serving it beyond "
                        "this machine needs --metrics-remote",
                        listen, host);
  return 0;
}

int lg_metrics_check_listen(const char *listen, bool allow_remote,
                            lg_error *err) {
  struct sockaddr_storage sa;
  socklen_t len;
  return lg__mx_parse_listen(listen, allow_remote, &sa, &len, err);
}
