/* scenario/lg__sc_load.c - the load: section: driver, its keys, flow, phases.
 *
 * Each driver reads only its own keys (http: url, method, headers, body;
 * tcp: address, flow; stdin: flow; exec: command). A key of another driver
 * is accepted (one file may be switched between drivers with --set) but
 * gives a warning, so it is never silently taken for something it is not.
 */
#include "scenario/sc_internal.h"

#include <leakgate/template.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SC_MAX_PHASES 1000
#define SC_MAX_FLOW 10000
#define SC_MAX_PHASE_NAME 64
#define SC_MAX_EXPECT 4096 /* the load engine's delimiter cap */

enum {
  K_DRIVER, K_CONNECTIONS, K_THREADS, K_URL, K_METHOD, K_HEADERS, K_BODY,
  K_FLOW, K_ADDRESS, K_COMMAND, K_PHASES, K_TIMEOUT, K_SEED, K_MAX_DURATION,
  K_COUNT
};
static const char *const load_keys[] = {
    "driver",  "connections", "threads", "url",         "method",
    "headers", "body",        "flow",    "address",     "command",
    "phases",  "timeout",     "seed",    "max_duration"};
/* f[K_x] is load_keys[K_x]'s value: one name per K_ constant, in order. */
_Static_assert(SC_NELEM(load_keys) == K_COUNT, "one load key per K_ index");

/* HTTP token characters (RFC 9110 tchar). */
static int tchar(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
         (ch >= '0' && ch <= '9') || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static const char *header_key_ok(const char *k, size_t len) {
  size_t i;
  if (len == 0 || strlen(k) != len)
    return "a header name must not be empty";
  for (i = 0; i < len; i++)
    if (!tchar(k[i]))
      return "a header name takes letters, digits and !#$%&'*+-.^_`|~ only";
  return NULL;
}

static int method(sc_ctx *c, const yt_node *v) {
  lg_load_spec *l = &c->sc->load;
  const char *p;
  int rc;
  if ((rc = lg__sc_get_str(c, v, "load.method", &l->method)))
    return rc;
  for (p = l->method; *p && tchar(*p); p++)
    ;
  if (!l->method[0] || *p || strlen(l->method) > 20)
    return lg__sc_fail(
        c, v, "load.method",
        "expected an HTTP method such as GET or POST, got '%.40s'", l->method);
  return 0;
}

static int headers(sc_ctx *c, const yt_node *v) {
  lg_load_spec *l = &c->sc->load;
  size_t i;
  int rc;
  if ((rc = lg__sc_get_kvmap(c, v, "load.headers", header_key_ok, &l->headers,
                             &l->n_headers)))
    return rc;
  for (i = 0; i < l->n_headers; i++) {
    if (strpbrk(l->headers[i].value, "\r\n")) {
      char p[SC_PATH_MAX];
      lg__sc_path(p, "load.headers", l->headers[i].key);
      return lg__sc_fail(c, v->kids[2 * i + 1], p,
                         "a header value must not contain a line break");
    }
  }
  return 0;
}

/* An expect delimiter frames responses, it does not check them: it is
 * rendered once, so only {{port}} may vary, and the load engine keeps it in
 * a fixed buffer of SC_MAX_EXPECT bytes. */
static int expect_static(sc_ctx *c, const yt_node *v, const char *path) {
  lg_template *t = NULL;
  int dynamic;
  size_t max;
  if (lg_template_compile(v->str, v->len, &t, NULL, NULL))
    return 0; /* already reported by lg__sc_check_template */
  dynamic = lg_template_is_dynamic(t);
  max = lg_template_max_len(t);
  lg_template_free(t);
  if (dynamic)
    return lg__sc_fail(c, v, path,
                       "{{seq}} and {{rand}} cannot be used in a "
                       "delimiter (only {{port}})");
  if (max > SC_MAX_EXPECT)
    return lg__sc_fail(c, v, path, "must be at most %d bytes", SC_MAX_EXPECT);
  return 0;
}

static int flow(sc_ctx *c, const yt_node *v) {
  static const char *const keys[] = {"send", "expect"};
  lg_load_spec *l = &c->sc->load;
  size_t i;
  int rc;
  if (!lg__sc_set(v))
    return 0;
  if (v->kind != YT_SEQ)
    return lg__sc_fail(c, v, "load.flow",
                       "expected a list of {send, expect} items, got %s",
                       lg__sc_kind(v));
  if (v->n == 0)
    return lg__sc_fail(c, v, "load.flow", "must not be empty");
  if (v->n > SC_MAX_FLOW)
    return lg__sc_fail(c, v, "load.flow", "has more than %d items",
                       SC_MAX_FLOW);
  if (!(l->flow = calloc(v->n, sizeof *l->flow)))
    return lg_error_set(c->err, LG_ENOMEM, "out of memory");
  l->n_flow = v->n;
  for (i = 0; i < v->n; i++) {
    lg_flow_item *it = &l->flow[i];
    const yt_node *f[2], *item = v->kids[i];
    char ip[SC_PATH_MAX], sp[SC_PATH_MAX], ep[SC_PATH_MAX];
    lg__sc_path_index(ip, "load.flow", i);
    lg__sc_path(sp, ip, "send");
    lg__sc_path(ep, ip, "expect");
    if ((rc = lg__sc_require(c, v, item, ip, " ({send: ..., expect: ...})")))
      return rc;
    if (item->kind != YT_MAP)
      return lg__sc_fail(c, item, ip,
                         "expected a map {send: ..., expect: ...}, "
                         "got %s",
                         lg__sc_kind(item));
    if ((rc = SC_FIELDS(c, item, ip, keys, f)) ||
        (rc = lg__sc_require(c, item, f[0], sp, " (the bytes to write)")) ||
        (rc = lg__sc_require(
             c, item, f[1], ep,
             " (the bytes that end a response, like \"\\r\\n\")")) ||
        (rc = lg__sc_get_bytes(c, f[0], sp, &it->send, &it->send_len)) ||
        (rc = lg__sc_check_template(c, f[0], sp)) ||
        (rc = lg__sc_get_bytes(c, f[1], ep, &it->expect, &it->expect_len)) ||
        (rc = lg__sc_check_template(c, f[1], ep)))
      return rc;
    if (it->send_len == 0)
      return lg__sc_fail(c, f[0], sp, "must not be empty");
    if (it->expect_len == 0)
      return lg__sc_fail(c, f[1], ep,
                         "must not be empty (it ends the response)");
    if ((rc = expect_static(c, f[1], ep)))
      return rc;
  }
  return 0;
}

/* Phase names become a samples.csv column value: keep them plain. */
static const char *phase_name_problem(const yt_node *n) {
  size_t i;
  if (n->len == 0)
    return "a phase name must not be empty";
  if (n->len > SC_MAX_PHASE_NAME)
    return "a phase name must be at most 64 bytes";
  for (i = 0; i < n->len; i++) {
    unsigned char ch = (unsigned char)n->str[i];
    if (ch == ',' || ch == '"' || ch == '\'')
      return "a phase name must not contain commas or quotes (it is written "
             "into samples.csv)";
    if (ch < 0x20 || ch == 0x7f)
      return "a phase name must not contain control characters";
  }
  return NULL;
}

static int phase(sc_ctx *c, const yt_node *item, const char *ip, size_t i) {
  static const char *const keys[] = {"name", "duration", "rate", "ramp_to"};
  lg_load_spec *l = &c->sc->load;
  lg_phase *ph = &l->phases[i];
  const yt_node *f[4];
  const char *why;
  char p[4][SC_PATH_MAX];
  size_t j, k;
  int rc;
  for (k = 0; k < 4; k++)
    lg__sc_path(p[k], ip, keys[k]);
  if (item->kind != YT_MAP)
    return lg__sc_fail(c, item, ip,
                       "expected a map {name, duration, rate?, "
                       "ramp_to?}, got %s",
                       lg__sc_kind(item));
  if ((rc = SC_FIELDS(c, item, ip, keys, f)) ||
      (rc = lg__sc_require(c, item, f[0], p[0], " (phases are named)")) ||
      (rc = lg__sc_scalar(c, f[0], p[0], "a phase name")))
    return rc;
  if ((why = phase_name_problem(f[0])))
    return lg__sc_fail(c, f[0], p[0], "%s", why);
  for (j = 0; j < i; j++)
    if (strcmp(l->phases[j].name, f[0]->str) == 0)
      return lg__sc_fail(c, f[0], p[0],
                         "phase name '%s' is used twice (phase %zu "
                         "has it too)",
                         f[0]->str, j);
  if ((rc = lg__sc_get_str(c, f[0], p[0], &ph->name)) ||
      (rc =
           lg__sc_require(c, item, f[1], p[1], " (how long the phase runs)")) ||
      (rc = lg__sc_get_duration(c, f[1], p[1], false, &ph->duration_s)) ||
      (rc = lg__sc_get_rate(c, f[2], p[2], &ph->rate)) ||
      (rc = lg__sc_get_rate(c, f[3], p[3], &ph->ramp_to)))
    return rc;
  if (lg__sc_set(f[3]) && !lg__sc_set(f[2]))
    return lg__sc_fail(c, f[3], p[3], "needs a rate to ramp from");
  if (lg__sc_set(f[2]) && c->sc->load.driver == LG_DRIVER_EXEC)
    return lg__sc_warn(c, f[2], p[2],
                       "ignored by the exec driver (the command "
                       "paces itself)");
  return 0;
}

static int phases(sc_ctx *c, const yt_node *v, const yt_node *load) {
  lg_load_spec *l = &c->sc->load;
  size_t i;
  int rc;
  if ((rc = lg__sc_require(c, load, v, "load.phases",
                           " (at least one {name, duration})")))
    return rc;
  if (v->kind != YT_SEQ)
    return lg__sc_fail(c, v, "load.phases",
                       "expected a list of {name, duration, rate?, ramp_to?}, "
                       "got %s",
                       lg__sc_kind(v));
  if (v->n == 0)
    return lg__sc_fail(c, v, "load.phases", "needs at least one phase");
  if (v->n > SC_MAX_PHASES)
    return lg__sc_fail(c, v, "load.phases", "has more than %d phases",
                       SC_MAX_PHASES);
  if (!(l->phases = calloc(v->n, sizeof *l->phases)))
    return lg_error_set(c->err, LG_ENOMEM, "out of memory");
  l->n_phases = v->n;
  for (i = 0; i < v->n; i++) {
    char ip[SC_PATH_MAX];
    l->phases[i].rate = NAN;
    l->phases[i].ramp_to = NAN;
    lg__sc_path_index(ip, "load.phases", i);
    if ((rc = lg__sc_require(c, v, v->kids[i], ip,
                             " (a {name, duration} map)")) ||
        (rc = phase(c, v->kids[i], ip, i)))
      return rc;
  }
  return 0;
}

static int command(sc_ctx *c, const yt_node *v) {
  lg_load_spec *l = &c->sc->load;
  char p[SC_PATH_MAX];
  size_t i;
  int rc;
  if (!lg__sc_set(v))
    return 0;
  if (v->kind == YT_SCALAR)
    return lg__sc_fail(
        c, v, "load.command",
        "must be a list (argv, like [wrk, -c8, \"http://...\"]); "
        "a single string is never run through a shell");
  if ((rc = lg__sc_get_strlist(c, v, "load.command", &l->command,
                               &l->n_command)))
    return rc;
  if (l->n_command == 0)
    return lg__sc_fail(c, v, "load.command", "must not be empty");
  if (!l->command[0][0])
    return lg__sc_fail(c, v->kids[0], "load.command[0]",
                       "the program must not be empty");
  for (i = 0; i < v->n; i++) {
    lg__sc_path_index(p, "load.command", i);
    if ((rc = lg__sc_check_template(c, v->kids[i], p)))
      return rc;
  }
  return 0;
}

/* Warn about keys that the chosen driver does not read. */
static int foreign_keys(sc_ctx *c, const yt_node **f) {
  static const struct {
    int key;
    unsigned drivers; /* bit per lg_driver_kind that reads the key */
  } owners[] = {/* in the order of load_keys, so warnings come in that order */
                {K_CONNECTIONS, ~(1u << LG_DRIVER_EXEC)},
                {K_THREADS, 1u << LG_DRIVER_HTTP | 1u << LG_DRIVER_TCP},
                {K_URL, 1u << LG_DRIVER_HTTP},
                {K_METHOD, 1u << LG_DRIVER_HTTP},
                {K_HEADERS, 1u << LG_DRIVER_HTTP},
                {K_BODY, 1u << LG_DRIVER_HTTP},
                {K_FLOW, 1u << LG_DRIVER_TCP | 1u << LG_DRIVER_STDIN},
                {K_ADDRESS, 1u << LG_DRIVER_TCP},
                {K_COMMAND, 1u << LG_DRIVER_EXEC}};
  lg_driver_kind d = c->sc->load.driver;
  size_t i;
  int rc;
  for (i = 0; i < sizeof owners / sizeof owners[0]; i++) {
    char p[SC_PATH_MAX];
    if (!lg__sc_set(f[owners[i].key]) || (owners[i].drivers & (1u << d)))
      continue;
    lg__sc_path(p, "load", load_keys[owners[i].key]);
    if ((rc = lg__sc_warn(c, f[owners[i].key], p, "ignored by the %s driver",
                          lg_driver_name(d))))
      return rc;
  }
  return 0;
}

static int driver_needs(sc_ctx *c, const yt_node *v, const yt_node **f) {
  lg_load_spec *l = &c->sc->load;
  int rc = 0;
  switch (l->driver) {
  case LG_DRIVER_HTTP:
    rc = lg__sc_require(c, v, f[K_URL], "load.url",
                        " (the http driver needs one)");
    break;
  case LG_DRIVER_TCP:
    if (!(rc = lg__sc_require(c, v, f[K_ADDRESS], "load.address",
                              " (the tcp driver connects to host:port)")))
      rc = lg__sc_require(c, v, f[K_FLOW], "load.flow",
                          " (the tcp driver needs {send, expect} items)");
    break;
  case LG_DRIVER_STDIN:
    rc = lg__sc_require(c, v, f[K_FLOW], "load.flow",
                        " (the stdin driver needs {send, expect} items)");
    break;
  case LG_DRIVER_EXEC:
    rc = lg__sc_require(c, v, f[K_COMMAND], "load.command",
                        " (the exec driver runs a command, like [wrk, ...])");
    break;
  }
  if (rc)
    return rc;
  if ((l->driver == LG_DRIVER_HTTP || l->driver == LG_DRIVER_TCP) &&
      l->threads > l->connections)
    return lg__sc_fail(c, f[K_THREADS], "load.threads",
                       "%d threads for %d connections: each thread needs at "
                       "least one connection",
                       l->threads, l->connections);
  return foreign_keys(c, f);
}

int lg__sc_load(sc_ctx *c, const yt_node *v, const yt_node *root) {
  lg_load_spec *l = &c->sc->load;
  const yt_node *f[K_COUNT];
  long long n = 0;
  int rc, d = 0;
  if ((rc =
           lg__sc_require(c, root, v, "load",
                          " (load: {driver, phases, ...} says how to drive the "
                          "service)")) ||
      (rc = SC_FIELDS(c, v, "load", load_keys, f)) ||
      (rc = lg__sc_require(c, v, f[K_DRIVER], "load.driver",
                           " (http, tcp, stdin or exec)")) ||
      (rc =
           SC_GET_ENUM(c, f[K_DRIVER], "load.driver", lg__sc_driver_names, &d)))
    return rc;
  l->driver = (lg_driver_kind)d;
  n = l->connections;
  if ((rc = lg__sc_get_int(c, f[K_CONNECTIONS], "load.connections", 1, 10000,
                           &n)))
    return rc;
  l->connections = (int)n;
  n = l->threads;
  if ((rc = lg__sc_get_int(c, f[K_THREADS], "load.threads", 1, 64, &n)))
    return rc;
  l->threads = (int)n;
  if ((rc = lg__sc_get_str(c, f[K_URL], "load.url", &l->url)) ||
      (rc = lg__sc_check_template(c, f[K_URL], "load.url")))
    return rc;
  if ((rc = lg__sc_check_url(c, f[K_URL], "load.url")))
    return rc;
  if ((rc = method(c, f[K_METHOD])) || (rc = headers(c, f[K_HEADERS])) ||
      (rc = lg__sc_get_bytes(c, f[K_BODY], "load.body", &l->body,
                             &l->body_len)) ||
      (rc = lg__sc_check_template(c, f[K_BODY], "load.body")) ||
      (rc = flow(c, f[K_FLOW])) ||
      (rc = lg__sc_get_str(c, f[K_ADDRESS], "load.address", &l->address)) ||
      (rc = lg__sc_check_template(c, f[K_ADDRESS], "load.address")))
    return rc;
  if ((rc = lg__sc_check_hostport(c, f[K_ADDRESS], "load.address")))
    return rc;
  if ((rc = command(c, f[K_COMMAND])) ||
      (rc = lg__sc_get_duration(c, f[K_TIMEOUT], "load.timeout", false,
                                &l->timeout_s)) ||
      (rc = lg__sc_get_u64(c, f[K_SEED], "load.seed", &l->seed)) ||
      (rc = phases(c, f[K_PHASES], v)) ||
      (rc = lg__sc_get_duration(c, f[K_MAX_DURATION], "load.max_duration",
                                false, &l->max_duration_s)))
    return rc;
  if (lg__sc_set(f[K_MAX_DURATION])) {
    double total = lg_scenario_duration(c->sc);
    c->max_duration = f[K_MAX_DURATION];
    if (l->max_duration_s < total - 1e-9)
      return lg__sc_fail(c, f[K_MAX_DURATION], "load.max_duration",
                         "%gs is shorter than the phases' total of %gs (it may "
                         "only extend the run)",
                         l->max_duration_s, total);
  }
  return driver_needs(c, v, f);
}
