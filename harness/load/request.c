/* load/request.c - the requests a load sends, compiled once from the spec.
 *
 * http: the url is split into its authority (host:port, rendered once with
 * {{port}}) and its path; the request line and headers become one template,
 * the body another, and a Content-Length line is inserted per rendering
 * because a templated body changes length. tcp/stdin: each flow item's send
 * text is a template and its expect delimiter gets a KMP failure table, so
 * responses are matched while streaming (no response buffer at all).
 * A request with no {{seq}}/{{rand}} is rendered once here and shared by all
 * connections; rendering never allocates.
 * Owns: l->items (templates, fixed bytes, delimiter tables) and l->url; a
 * failure leaves them for lg__load_requests_free (called by lg_load_free).
 */
#include "load/load_int.h"

#include "core/num.h"
#include "core/buf.h"

#include <leakgate/template.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CL_LINE_MAX 48 /* "Content-Length: <20 digits>\r\n\r\n" */

static int resolve(const char *hostport, const char *what, lgl_target *t,
                   lg_error *err) {
  char host[256], port[16];
  const char *colon, *h = hostport, *hend;
  struct addrinfo hints, *res = NULL;
  int rc;

  if (h[0] == '[') { /* [v6]:port */
    hend = strchr(h, ']');
    if (!hend || hend[1] != ':')
      return lg_error_set(err, LG_EINPUT, "%s: '%s' is not [ipv6]:port", what,
                          hostport);
    h++;
    colon = hend + 1;
  } else {
    colon = strrchr(h, ':');
    if (!colon)
      return lg_error_set(err, LG_EINPUT, "%s: '%s' has no :port", what,
                          hostport);
    hend = colon;
  }
  if ((size_t)(hend - h) >= sizeof host || hend == h ||
      strlen(colon + 1) >= sizeof port || !colon[1] ||
      strspn(colon + 1, "0123456789") != strlen(colon + 1))
    return lg_error_set(err, LG_EINPUT, "%s: '%s' is not host:port", what,
                        hostport);
  memcpy(host, h, (size_t)(hend - h));
  host[hend - h] = '\0';
  snprintf(port, sizeof port, "%s", colon + 1);
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  rc = getaddrinfo(host, port, &hints, &res);
  if (rc != 0 || !res)
    return lg_error_set(err, LG_EINPUT, "%s: cannot resolve '%s': %s", what,
                        hostport, gai_strerror(rc));
  memcpy(&t->addr, res->ai_addr, res->ai_addrlen);
  t->addrlen = res->ai_addrlen;
  snprintf(t->name, sizeof t->name, "%s", hostport);
  freeaddrinfo(res);
  return 0;
}

static int compile(const char *text, size_t len, const char *what,
                   lg_template **out, lg_error *err) {
  int rc = lg_template_compile(text, len, out, NULL, err);
  if (rc)
    lg_error_prefix(err, rc, "%s", what);
  return rc;
}

/* Knuth-Morris-Pratt failure table: kmp[i] = length of the longest proper
 * prefix of pat[0..i] that is also its suffix. O(len). */
static void kmp_table(const unsigned char *pat, size_t len, uint32_t *kmp) {
  size_t i;
  uint32_t k = 0;
  kmp[0] = 0;
  for (i = 1; i < len; i++) {
    while (k > 0 && pat[i] != pat[k])
      k = kmp[k - 1];
    if (pat[i] == pat[k])
      k++;
    kmp[i] = k;
  }
}

static bool token_ok(const char *s) {
  if (!*s)
    return false;
  for (; *s; s++)
    if (*s <= ' ' || *s >= 127 || strchr("()<>@,;:\\\"/[]?={}", *s))
      return false;
  return true;
}

/* Split an http url into its authority and path templates. */
static int split_url(const char *url, const char **auth, size_t *auth_len,
                     const char **path, lg_error *err) {
  const char *p;
  if (!url || !*url)
    return lg_error_set(err, LG_EINPUT, "load.url: the http driver needs a url");
  if (strncasecmp(url, "https://", 8) == 0)
    return lg_error_set(err, LG_ENOTSUP,
                        "load.url: '%s': https is not built in; use the exec "
                        "driver with wrk or k6 for TLS", url);
  if (strncasecmp(url, "http://", 7) != 0)
    return lg_error_set(err, LG_EINPUT,
                        "load.url: '%s' does not start with http://", url);
  p = url + 7;
  *auth = p;
  p += strcspn(p, "/?#");
  *auth_len = (size_t)(p - *auth);
  if (*auth_len == 0)
    return lg_error_set(err, LG_EINPUT, "load.url: '%s' has no host", url);
  *path = p;
  return 0;
}

static int build_http(lg_load *l, lg_error *err) {
  const lg_load_spec *s = l->o.spec;
  const char *auth = NULL, *path = NULL;
  const char *method = s->method && *s->method ? s->method : "GET";
  size_t auth_len = 0, i, plen;
  char *auth_t = NULL, *authority = NULL, hostport[300];
  lg_buf head;
  lgl_item *it;
  bool user_host = false;
  int rc;

  lg__buf_init(&head, LGL_MAX_REQUEST);
  rc = split_url(s->url, &auth, &auth_len, &path, err);
  if (rc)
    goto cleanup;
  rc = lg_template_expand(s->url, l->o.port, &l->url, err);
  if (rc) {
    lg_error_prefix(err, rc, "load.url");
    goto cleanup;
  }
  auth_t = strndup(auth, auth_len);
  if (!auth_t) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  rc = lg_template_expand(auth_t, l->o.port, &authority, err);
  if (rc) {
    lg_error_prefix(err, rc, "load.url");
    goto cleanup;
  }
  { /* the port after the host (after "]" for an IPv6 literal), default 80 */
    const char *h = authority[0] == '[' ? strchr(authority, ']') : authority;
    snprintf(hostport, sizeof hostport, "%s%s", authority,
             h && strchr(h, ':') ? "" : ":80");
  }
  rc = resolve(hostport, "load.url", &l->target, err);
  if (rc)
    goto cleanup;
  if (!token_ok(method)) {
    rc = lg_error_set(err, LG_EINPUT, "load.method: '%s' is not an HTTP token",
                      method);
    goto cleanup;
  }
  l->head_method = strcmp(method, "HEAD") == 0;
  plen = strcspn(path, "#");
  rc = lg__buf_appendf(&head, "%s %s%.*s HTTP/1.1\r\n", method,
                       (plen == 0 || path[0] == '?') ? "/" : "", (int)plen,
                       path);
  for (i = 0; rc == 0 && i < s->n_headers; i++) {
    const lg_kv *h = &s->headers[i];
    if (!token_ok(h->key) || strpbrk(h->value ? h->value : "", "\r\n")) {
      rc = lg_error_set(err, LG_EINPUT,
                        "load.headers.%s: a header name must be a token and a "
                        "value a single line", h->key);
      goto cleanup;
    }
    if (strcasecmp(h->key, "Content-Length") == 0 ||
        strcasecmp(h->key, "Transfer-Encoding") == 0) {
      rc = lg_error_set(err, LG_EINPUT,
                        "load.headers.%s: set by leakgate from load.body; "
                        "remove it", h->key);
      goto cleanup;
    }
    user_host |= strcasecmp(h->key, "Host") == 0;
    rc = lg__buf_appendf(&head, "%s: %s\r\n", h->key, h->value ? h->value : "");
  }
  if (rc == 0 && !user_host)
    rc = lg__buf_appendf(&head, "Host: %s\r\n", authority);
  if (rc) {
    rc = lg_error_set(err, LG_ELIMIT, "load: the request head exceeds %d bytes",
                      LGL_MAX_REQUEST);
    goto cleanup;
  }
  l->items = calloc(1, sizeof *l->items);
  if (!l->items) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  l->n_items = 1;
  it = &l->items[0];
  it->http_cl = s->body_len > 0 || strcmp(method, "POST") == 0 ||
                strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0;
  if (!it->http_cl && lg__buf_append(&head, "\r\n", 2) != 0) {
    rc = lg_error_set(err, LG_ELIMIT, "load: request head too long");
    goto cleanup;
  }
  rc = compile(head.data, head.len, "load.url/method/headers", &it->head, err);
  if (rc == 0 && s->body_len > 0)
    rc = compile(s->body, s->body_len, "load.body", &it->body, err);
  if (rc)
    goto cleanup;
  it->head_max = lg_template_max_len(it->head);
  it->body_max = it->body ? lg_template_max_len(it->body) : 0;
  it->max_len = it->head_max + (it->http_cl ? CL_LINE_MAX : 0) + it->body_max;
cleanup:
  lg__buf_cleanup(&head);
  free(auth_t);
  free(authority);
  return rc;
}

/* The expect delimiter, rendered once: {{port}} is allowed; {{seq}} and
 * {{rand}} are not (a delimiter frames responses, it does not check them). */
static int build_expect(lgl_item *it, const lg_flow_item *f, size_t i,
                        unsigned port, lg_error *err) {
  lg_template *t = NULL;
  lg_template_vars v = {port, 0, NULL};
  char what[48];
  long n;
  int rc;

  snprintf(what, sizeof what, "load.flow[%zu].expect", i);
  if ((rc = compile(f->expect, f->expect_len, what, &t, err)) != 0)
    return rc;
  if (lg_template_is_dynamic(t)) {
    lg_template_free(t);
    return lg_error_set(err, LG_EINPUT, "%s: {{seq}} and {{rand}} cannot be "
                        "used in a delimiter (only {{port}})", what);
  }
  it->expect = malloc(lg_template_max_len(t) + 1);
  if (!it->expect) {
    lg_template_free(t);
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  }
  n = lg_template_render(t, &v, (char *)it->expect, lg_template_max_len(t));
  lg_template_free(t);
  if (n <= 0 || n > LGL_MAX_EXPECT)
    return lg_error_set(err, LG_EINPUT, "%s: needs a delimiter of 1 to %d "
                        "bytes that ends the response", what, LGL_MAX_EXPECT);
  it->expect_len = (size_t)n;
  it->kmp = malloc(it->expect_len * sizeof *it->kmp);
  if (!it->kmp)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  kmp_table(it->expect, it->expect_len, it->kmp);
  return 0;
}

static int build_flow(lg_load *l, lg_error *err) {
  const lg_load_spec *s = l->o.spec;
  size_t i;
  int rc = 0;
  char *addr = NULL;

  if (s->n_flow == 0 || !s->flow)
    return lg_error_set(err, LG_EINPUT,
                        "load.flow: the %s driver needs at least one "
                        "{send, expect} item", lg_driver_name(l->driver));
  l->items = calloc(s->n_flow, sizeof *l->items);
  if (!l->items)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  l->n_items = s->n_flow;
  for (i = 0; i < s->n_flow; i++) {
    const lg_flow_item *f = &s->flow[i];
    lgl_item *it = &l->items[i];
    char what[48];
    snprintf(what, sizeof what, "load.flow[%zu].send", i);
    if (f->expect_len == 0 || !f->expect)
      return lg_error_set(err, LG_EINPUT,
                          "load.flow[%zu].expect: needs a delimiter of 1 to %d "
                          "bytes that ends the response", i, LGL_MAX_EXPECT);
    if (f->send_len == 0 || !f->send)
      return lg_error_set(err, LG_EINPUT, "load.flow[%zu].send: empty", i);
    rc = compile(f->send, f->send_len, what, &it->head, err);
    if (rc)
      return rc;
    it->head_max = it->max_len = lg_template_max_len(it->head);
    if ((rc = build_expect(it, f, i, l->o.port, err)) != 0)
      return rc;
  }
  if (l->driver == LG_DRIVER_TCP) {
    rc = lg_template_expand(s->address && *s->address ? s->address
                                                      : "127.0.0.1:{{port}}",
                            l->o.port, &addr, err);
    if (rc)
      return lg_error_prefix(err, rc, "load.address");
    rc = resolve(addr, "load.address", &l->target, err);
    free(addr);
  }
  return rc;
}

int lg__load_requests_build(lg_load *l, lg_error *err) {
  size_t i;
  int rc = l->driver == LG_DRIVER_HTTP ? build_http(l, err) : build_flow(l, err);
  if (rc)
    return rc;
  for (i = 0; i < l->n_items; i++) {
    lgl_item *it = &l->items[i];
    long n;
    uint64_t rng = 1;
    if (it->max_len > LGL_MAX_REQUEST)
      return lg_error_set(err, LG_ELIMIT,
                          "load: a rendered request may reach %zu bytes; the "
                          "limit is %d", it->max_len, LGL_MAX_REQUEST);
    if (lg_template_is_dynamic(it->head) ||
        (it->body && lg_template_is_dynamic(it->body)))
      continue;
    it->fixed = malloc(it->max_len ? it->max_len : 1);
    if (!it->fixed)
      return lg_error_set(err, LG_ENOMEM, "out of memory");
    n = lg__load_request_render(it, l->o.port, 0, &rng, it->fixed, it->max_len);
    if (n < 0)
      return lg_error_set(err, LG_ELIMIT, "load: request rendering overflow");
    it->fixed_len = (size_t)n;
  }
  return 0;
}

void lg__load_requests_free(lg_load *l) {
  size_t i;
  for (i = 0; l->items && i < l->n_items; i++) {
    lgl_item *it = &l->items[i];
    lg_template_free(it->head);
    lg_template_free(it->body);
    free(it->fixed);
    free(it->expect);
    free(it->kmp);
  }
  free(l->items);
  l->items = NULL;
  l->n_items = 0;
  free(l->url);
  l->url = NULL;
}

/* rng is advanced by {{rand N}} through lg_template_vars: not const. */
long lg__load_request_render(
    const lgl_item *it, unsigned port, uint64_t seq,
    uint64_t *rng, // NOLINT(readability-non-const-parameter)
    char *out, size_t cap) {
  lg_template_vars v = {port, seq, rng};
  size_t body_at = it->head_max + CL_LINE_MAX, n;
  long hl, bl = 0;

  if (!it->http_cl)
    return lg_template_render(it->head, &v, out, cap);
  if (cap < it->max_len)
    return LG_ELIMIT;
  /* The body first (its length goes into the head), parked past the
   * longest head, then moved down next to the head: one memmove. */
  if (it->body) {
    bl = lg_template_render(it->body, &v, out + body_at, cap - body_at);
    if (bl < 0)
      return bl;
  }
  hl = lg_template_render(it->head, &v, out, it->head_max);
  if (hl < 0)
    return hl;
  n = (size_t)hl;
  /* out is a byte buffer with a length, never a C string: no NUL. */
  memcpy(out + n, "Content-Length: ", 16); // NOLINT(bugprone-not-null-terminated-result)
  n += 16;
  n += lg__put_u64(out + n, (uint64_t)bl);
  memcpy(out + n, "\r\n\r\n", 4); // NOLINT(bugprone-not-null-terminated-result)
  n += 4;
  memmove(out + n, out + body_at, (size_t)bl);
  return (long)(n + (size_t)bl);
}
