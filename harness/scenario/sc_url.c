/* scenario/sc_url.c - the addresses of a scenario: load.url and
 * service.ready.http (http:// URLs), load.address and service.ready.tcp
 * (host:port), checked at load time so `leakgate validate` refuses what the
 * load engine or the readiness probe would refuse only after the service
 * started.
 *
 * The checks read the text as the engine will: the authority of a URL (the
 * part between "http://" and the first '/', '?' or '#') is rendered once
 * with {{port}}, so it is checked rendered, with a placeholder port
 * (SC_PLACEHOLDER_PORT, every digit of the longest form). Templates hold no
 * ':', '/', '?', '#', '[', ']' or '@', so the authority and its parts can be
 * found in the unrendered text, and a problem is reported at the line and
 * column of the character it starts at ("url: http://127.0.0.1:{{port}}f.txt"
 * points at the 'f'). No name resolution here: a host that does not resolve
 * is an input error at run time, on a machine that may differ from this one.
 */
#include "scenario/sc_internal.h"

#include <leakgate/template.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SC_PLACEHOLDER_PORT 65535u

/* A problem found in an address: the message and the byte offset in the
 * scalar it starts at. */
typedef struct addr_problem {
  char msg[240];
  size_t off;
} addr_problem;

static int problem(addr_problem *p, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int problem(addr_problem *p, size_t off, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->msg, sizeof p->msg, fmt, ap);
  va_end(ap);
  p->off = off;
  return -1;
}

/* Render s[0..len) with the placeholder port and seq 0 into out (cap
 * bytes, NUL-terminated); 0, or -1 when it does not fit or fails. */
static int render(const char *s, size_t len, char *out, size_t cap) {
  char *in = strndup(s, len), *r = NULL;
  lg_error e;
  int rc = -1;
  if (in && lg_template_expand(in, SC_PLACEHOLDER_PORT, &r, &e) == 0 &&
      strlen(r) < cap) {
    memcpy(out, r, strlen(r) + 1);
    rc = 0;
  }
  free(in);
  free(r);
  return rc;
}

/* The offset in s[0..len) of the first byte that is neither a digit nor
 * inside a {{template}} (len when there is none). */
static size_t first_stray(const char *s, size_t len) {
  size_t i = 0;
  while (i < len) {
    if (isdigit((unsigned char)s[i])) {
      i++;
    } else if (i + 1 < len && s[i] == '{' && s[i + 1] == '{') {
      const char *end = strstr(s + i, "}}");
      if (!end || (size_t)(end - s) + 2 > len)
        return i;
      i = (size_t)(end - s) + 2;
    } else {
      return i;
    }
  }
  return len;
}

/* The port s[0..len) (after the ':'), at offset base in the scalar. */
static int check_port(const char *s, size_t len, size_t base, bool in_url,
                      addr_problem *p) {
  char r[64];
  size_t stray;
  unsigned long v;
  if (len == 0)
    return problem(p, base - 1, "':' without a port number after it");
  stray = first_stray(s, len);
  if (stray < len && stray > 0)
    return problem(p, base + stray, "'%.*s' follows the port%s",
                   (int)(len - stray), s + stray,
                   in_url ? " (a path starts with '/', as in "
                            "http://127.0.0.1:{{port}}/items)"
                          : " (expected host:port, like 127.0.0.1:{{port}})");
  if (stray < len || render(s, len, r, sizeof r) != 0 || !r[0] ||
      strspn(r, "0123456789") != strlen(r))
    return problem(p, base, "the port must be a number or {{port}}, got '%.*s'",
                   (int)len, s);
  v = strlen(r) > 5 ? 65536 : strtoul(r, NULL, 10);
  if (v < 1 || v > 65535)
    return problem(p, base, "port must be between 1 and 65535");
  return 0;
}

/* A host name, an IPv4 address or (bracketed) an IPv6 address, rendered. */
static int check_host(const char *s, size_t len, size_t base, bool bracketed,
                      addr_problem *p) {
  char r[300];
  size_t i;
  if (len == 0)
    return problem(p, base, "the address has no host");
  if (render(s, len, r, sizeof r) != 0)
    return problem(p, base, "the host is longer than 255 bytes");
  for (i = 0; r[i]; i++) {
    unsigned char c = (unsigned char)r[i];
    if (isalnum(c) || c == '.' || c == '-' || c == '_' ||
        (bracketed && (c == ':' || c == '%')))
      continue;
    /* Rendered text and source differ in length only inside templates,
     * which render to digits: a stray byte is at the same distance from
     * the host's end in both. */
    return problem(p, base + len - (strlen(r) - i),
                   "'%c' is not allowed in a host name", c);
  }
  return 0;
}

/* "host:port", "[v6]:port" (port required) or, in a URL, also "host" and
 * "[v6]"; s[0..len) at offset base in the scalar. */
static int check_authority(const char *s, size_t len, size_t base, bool in_url,
                           addr_problem *p) {
  const char *colon, *at = memchr(s, '@', len);
  size_t hlen;
  if (at)
    return problem(p, base + (size_t)(at - s),
                   "user@host is not supported (credentials do not belong "
                   "in a scenario)");
  if (len > 0 && s[0] == '[') {
    const char *close = memchr(s, ']', len);
    if (!close)
      return problem(p, base, "'[' without ']' around an IPv6 address");
    if (check_host(s + 1, (size_t)(close - s) - 1, base + 1, true, p))
      return -1;
    colon = close + 1 < s + len ? close + 1 : NULL;
    if (colon && *colon != ':')
      return problem(p, base + (size_t)(colon - s),
                     "'%.*s' follows the IPv6 address", (int)(s + len - colon),
                     colon);
    hlen = (size_t)(close - s) + 1;
  } else {
    colon = memchr(s, ':', len);
    if (colon && memchr(colon + 1, ':', (size_t)(s + len - colon - 1)))
      return problem(p, base,
                     "an IPv6 address needs brackets ([::1]:{{port}})");
    hlen = colon ? (size_t)(colon - s) : len;
    if (check_host(s, hlen, base, false, p))
      return -1;
  }
  if (!colon) {
    if (in_url)
      return 0; /* port 80 */
    return problem(p, base, "expected host:port (like 127.0.0.1:{{port}})");
  }
  return check_port(colon + 1, (size_t)(s + len - colon - 1), base + hlen + 1,
                    in_url, p);
}

static int fail_at(sc_ctx *c, const yt_node *v, const char *path,
                   const addr_problem *p) {
  unsigned line, col;
  lg__yt_offset_pos(c->text, c->len, v, p->off, &line, &col);
  return lg__sc_fail_at(c, v, line, col, path, "%s", p->msg);
}

int lg__sc_check_url(sc_ctx *c, const yt_node *v, const char *path) {
  addr_problem p;
  const char *s;
  size_t alen;
  if (!lg__sc_set(v) || v->kind != YT_SCALAR)
    return 0;
  s = v->str;
  if (strncmp(s, "https://", 8) == 0)
    return lg__sc_fail(
        c, v, path,
        "https is not supported by the built-in http driver (use "
        "the exec driver with a TLS-capable tool such as wrk)");
  if (strncmp(s, "http://", 7) != 0)
    return lg__sc_fail(c, v, path, "expected a URL starting with http://");
  alen = strcspn(s + 7, "/?#");
  if (alen == 0 || s[7] == ':') {
    p.off = 7;
    snprintf(p.msg, sizeof p.msg, "the URL has no host");
    return fail_at(c, v, path, &p);
  }
  if (check_authority(s + 7, alen, 7, true, &p))
    return fail_at(c, v, path, &p);
  return 0;
}

int lg__sc_check_hostport(sc_ctx *c, const yt_node *v, const char *path) {
  addr_problem p;
  if (!lg__sc_set(v) || v->kind != YT_SCALAR)
    return 0;
  if (check_authority(v->str, v->len, 0, false, &p))
    return fail_at(c, v, path, &p);
  return 0;
}
