/* scenario/scenario.c - the public scenario API (leakgate/scenario.h):
 * read the file, build the YAML tree, apply --set overrides to the tree,
 * then validate it section by section into a typed lg_scenario.
 *
 * Owns: the returned lg_scenario and every string in it (lg_scenario_free).
 * A failure leaves *out NULL and nothing allocated; err names
 * "file:line:column: key.path: problem" or "--set KEY: problem".
 * Cost: O(size of the file); the file is capped at YT_MAX_INPUT bytes.
 */
#include "scenario/sc_internal.h"

#include "core/fsutil.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Make err's message one printable line in place (lg__sc_escape): the messages
 * that do not come through lg__sc_fail (lg__yt_parse, overrides, file errors)
 * hold keys, --set arguments and file names too. Returns err's code. */
static int one_line(lg_error *err) {
  char tmp[LG_ERROR_MSG_MAX];
  if (!err)
    return LG_EINPUT;
  lg__sc_escape(tmp, sizeof tmp, err->msg);
  memcpy(err->msg, tmp, strlen(tmp) + 1);
  return err->code;
}

static void set_defaults(lg_scenario *sc) {
  sc->version = 1;
  sc->service.ready.kind = LG_READY_NONE;
  sc->service.ready.timeout_s = 10;
  sc->service.ready.delay_s = NAN;
  sc->service.stop_signal = SIGTERM;
  sc->service.stop_timeout_s = 10;
  sc->container.backend = LG_BACKEND_AUTO;
  sc->container.memory_bytes = 512ull * 1024 * 1024;
  sc->container.swap_bytes = 0;
  sc->load.driver = LG_DRIVER_HTTP;
  sc->load.connections = 8;
  sc->load.threads = 1;
  sc->load.timeout_s = 5;
  sc->load.seed = 1;
  sc->sampling_interval_s = 0.1;
  sc->analysis.metric = LG_METRIC_ANON;
  sc->analysis.tolerance_bytes = 16;
  sc->analysis.tolerance_per_second = NAN;
  sc->analysis.warmup_fraction = 0.2;
  sc->analysis.confidence = 0.99;
  sc->analysis.inconclusive_passes = false;
  sc->analysis.max_time_to_limit_s = NAN;
  sc->analysis.early_stop = false;
  sc->analysis.min_evidence_s = 2;
  sc->analysis.min_evidence_requests = 1000;
  sc->load.max_duration_s = NAN;
  sc->analysis.heap_full = 0.9;
  sc->analysis.gc_time_max = 0.25;
  sc->analysis.throughput_floor = 0.5;
  sc->valgrind.mode = LG_VG_ALWAYS;
  sc->valgrind.memcheck_load.fraction = 0.02;
  sc->valgrind.fail_on = LG_FAIL_DEFINITE | LG_FAIL_INDIRECT;
  sc->valgrind.memcheck_budget_bytes = NAN;
  sc->valgrind.massif_load.fraction = 0.10;
  sc->valgrind.massif_snapshots = 20;
  sc->heap_profile.period_bytes = 512 * 1024;
  sc->heap_profile.snapshots = 8;
  sc->baseline.tolerance_bytes = 16;
}

void lg_scenario_free(lg_scenario *sc) {
  size_t i;
  if (!sc)
    return;
  free(sc->file);
  free(sc->dir);
  free(sc->name);
  free(sc->profile);
  lg__sc_free_strv(sc->service.argv, sc->service.argc);
  lg__sc_free_kv(sc->service.env, sc->service.n_env);
  free(sc->service.cwd);
  free(sc->service.pprof);
  free(sc->service.ready.target);
  free(sc->container.image);
  free(sc->container.rootfs);
  free(sc->load.url);
  free(sc->load.method);
  lg__sc_free_kv(sc->load.headers, sc->load.n_headers);
  free(sc->load.body);
  for (i = 0; i < sc->load.n_flow; i++) {
    free(sc->load.flow[i].send);
    free(sc->load.flow[i].expect);
  }
  free(sc->load.flow);
  free(sc->load.address);
  lg__sc_free_strv(sc->load.command, sc->load.n_command);
  for (i = 0; i < sc->load.n_phases; i++)
    free(sc->load.phases[i].name);
  free(sc->load.phases);
  lg__sc_free_strv(sc->valgrind.suppressions, sc->valgrind.n_suppressions);
  lg__sc_free_strv(sc->heap_profile.alloc_functions,
                   sc->heap_profile.n_alloc_functions);
  free(sc->baseline.file);
  for (i = 0; i < sc->n_profiles; i++)
    free(sc->profiles[i].name);
  free(sc->profiles);
  lg__sc_free_strv(sc->warnings, sc->n_warnings);
  free(sc);
}

/* The absolute directory of a scenario named path (realpath when it exists,
 * else cwd joined lexically); NULL on ENOMEM. */
static char *scenario_dir(const char *path) {
  const char *slash = strrchr(path, '/');
  char *dir, *abs, cwd[PATH_MAX];
  if (!slash)
    dir = strdup(".");
  else if (slash == path)
    dir = strdup("/");
  else
    dir = strndup(path, (size_t)(slash - path));
  if (!dir)
    return NULL;
  abs = realpath(dir, NULL);
  if (!abs && dir[0] != '/' && getcwd(cwd, sizeof cwd))
    abs = lg__path_join(cwd, dir);
  if (!abs)
    return dir;
  free(dir);
  return abs;
}

/* Split an override key into segments: "a.b[2].c" and "a.b.2.c" both give
 * a, b, 2, c. Writes into buf (klen + 1 bytes) and seg[]; returns the count,
 * or -1 for an empty segment or a malformed bracket. */
static int split_key(const char *key, size_t klen, char *buf, char **seg,
                     int max) {
  size_t i, o = 0;
  int n = 0;
  for (i = 0; i < klen; i++) {
    if (key[i] == '[') {
      size_t j = i + 1;
      while (j < klen && isdigit((unsigned char)key[j]))
        j++;
      if (j == i + 1 || j >= klen || key[j] != ']' ||
          (j + 1 < klen && key[j + 1] != '.' && key[j + 1] != '['))
        return -1;
      buf[o++] = '.';
      memcpy(buf + o, key + i + 1, j - i - 1);
      o += j - i - 1;
      i = j;
      if (j + 1 < klen && key[j + 1] == '.')
        i++, buf[o++] = '.';
      continue;
    }
    if (key[i] == ']')
      return -1;
    buf[o++] = key[i];
  }
  buf[o] = '\0';
  /* "a[1].b" became "a.1.b"; an index right after a dot ("a.[1]") left an
   * empty segment, refused below. */
  for (char *p = buf;; p++) {
    char *dot = strchr(p, '.');
    if (n == max)
      return -1;
    seg[n++] = p;
    if (!dot)
      break;
    *dot = '\0';
    p = dot;
  }
  for (i = 0; i < (size_t)n; i++)
    if (!seg[i][0])
      return -1;
  return n;
}

static int is_index(const char *s, size_t *idx) {
  size_t v = 0;
  if (!*s)
    return 0;
  for (; *s; s++) {
    if (!isdigit((unsigned char)*s) || v > 1000000)
      return 0;
    v = v * 10 + (size_t)(*s - '0');
  }
  *idx = v;
  return 1;
}

/* Put val at the path of segments into root, creating missing maps. Takes
 * ownership of val in every case. */
static int place(yt_node *root, char **seg, int n, yt_node *val,
                 const char *label, lg_error *err) {
  yt_node *cur = root;
  int i, rc = 0;
  for (i = 0; i < n; i++) {
    yt_node **slot = NULL, *key = NULL, *fresh;
    size_t idx, k;
    if (cur->kind == YT_SEQ) {
      if (!is_index(seg[i], &idx)) {
        rc = lg_error_set(err, LG_EINPUT, "%s: '%s' is a list: use an index "
                          "(0 to %zu)", label, seg[i - 1], cur->n ? cur->n - 1 : 0);
        break;
      }
      if (idx >= cur->n) {
        rc = lg_error_set(err, LG_EINPUT, "%s: index %zu is past the end of "
                          "'%s' (%zu item%s)", label, idx, seg[i - 1], cur->n,
                          cur->n == 1 ? "" : "s");
        break;
      }
      slot = &cur->kids[idx];
    } else if (cur->kind == YT_MAP) {
      for (k = 0; k < cur->n; k++) {
        key = cur->kids[2 * k];
        if (key->len == strlen(seg[i]) && strcmp(key->str, seg[i]) == 0) {
          slot = &cur->kids[2 * k + 1];
          break;
        }
      }
    } else {
      rc = lg_error_set(err, LG_EINPUT, "%s: '%s' holds a single value, not "
                        "a map or list", label, seg[i - 1]);
      break;
    }
    if (i == n - 1) {
      fresh = val;
      val = NULL;
    } else if (slot && !lg__yt_is_null(*slot)) {
      cur = *slot;
      continue;
    } else if (!(fresh = lg__yt_new_map(label))) {
      rc = lg_error_set(err, LG_ENOMEM, "out of memory");
      break;
    }
    if (slot) {
      lg__yt_free(*slot);
      *slot = fresh;
    } else if (!(key = lg__yt_new_scalar(seg[i], label)) ||
               lg__yt_map_add(cur, key, fresh)) {
      lg__yt_free(key);
      lg__yt_free(fresh);
      rc = lg_error_set(err, LG_ENOMEM, "out of memory");
      break;
    }
    cur = fresh;
  }
  lg__yt_free(val);
  return rc;
}

static int apply_override(yt_node *root, const char *ov, char **label_out,
                          const char *name, size_t *nodes, lg_error *err) {
  const char *eq = strchr(ov, '=');
  char *label = NULL, *buf = NULL, *seg[64];
  yt_node *val = NULL;
  size_t klen;
  int n, rc;
  if (!eq || eq == ov)
    return lg_error_set(err, LG_EINPUT, "--set '%.80s': expected KEY=VALUE "
                        "(like load.connections=32)", ov);
  klen = (size_t)(eq - ov);
  if (klen > 200)
    return lg_error_set(err, LG_EINPUT, "--set %.40s...: the key is longer "
                        "than 200 bytes", ov);
  if (!(label = malloc(klen + 7)) || !(buf = malloc(klen + 2))) {
    free(label);
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  }
  snprintf(label, klen + 7, "--set %.*s", (int)klen, ov);
  *label_out = label;
  n = split_key(ov, klen, buf, seg, 64);
  if (n < 0) {
    rc = lg_error_set(err, LG_EINPUT, "%s: a key is dotted names and list "
                      "indexes, like load.phases.0.rate", label);
    goto cleanup;
  }
  if ((rc =
           lg__yt_parse(name, label, eq + 1, strlen(eq + 1), &val, nodes, err)))
    goto cleanup;
  if (!val && !(val = lg__yt_new_null(label))) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  rc = place(root, seg, n, val, label, err);
cleanup:
  free(buf);
  return rc;
}

/* A name becomes a directory name: [A-Za-z0-9._-], not starting with '.'. */
static int name_ok(const char *s, size_t len) {
  size_t i;
  if (len == 0 || len > 128 || s[0] == '.' || strlen(s) != len)
    return 0;
  for (i = 0; i < len; i++)
    if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
      return 0;
  return 1;
}

static int validate(sc_ctx *c, const yt_node *root) {
  static const char *const keys[] = {"version",  "name",     "service",
                                     "container", "load",    "sampling",
                                     "analysis", "valgrind", "baseline",
                                     "profiles", "heap_profile"};
  const yt_node *f[11];
  long long version = 0;
  int rc;
  if ((rc = SC_FIELDS(c, root, "", keys, f)) ||
      (rc = lg__sc_require(c, root, f[0], "version", " (write version: 1)")) ||
      (rc = lg__sc_get_int(c, f[0], "version", 0, INT_MAX, &version)))
    return rc;
  if (version != 1)
    return lg__sc_fail(c, f[0], "version",
                       "unsupported version %lld (this "
                       "leakgate reads version 1)",
                       version);
  if ((rc = lg__sc_require(c, root, f[1], "name",
                           " (it names the output directory)")) ||
      (rc = lg__sc_scalar(c, f[1], "name", "a name")))
    return rc;
  if (!name_ok(f[1]->str, f[1]->len))
    return lg__sc_fail(
        c, f[1], "name",
        "must be a safe file name: letters, "
        "digits, '.', '_' and '-', not starting with '.' (at most "
        "128; it names the output directory)");
  if ((rc = lg__sc_get_str(c, f[1], "name", &c->sc->name)) ||
      (rc = lg__sc_service(c, f[2], root)) ||
      (rc = lg__sc_container(c, f[3])) || (rc = lg__sc_load(c, f[4], root)) ||
      (rc = lg__sc_sampling(c, f[5])) || (rc = lg__sc_analysis(c, f[6])) ||
      (rc = lg__sc_valgrind(c, f[7])) || (rc = lg__sc_baseline(c, f[8])) ||
      (rc = lg__sc_profiles(c, f[9])) ||
      (rc = lg__sc_check_analysis(c, f[6])) ||
      (rc = lg__sc_heap_profile(c, f[10])))
    return rc;
  return 0;
}

int lg_scenario_load_string(const char *name, const char *text, size_t len,
                            const char *const *overrides, size_t n_overrides,
                            lg_scenario **out, lg_error *err) {
  lg_scenario *sc = NULL;
  yt_node *root = NULL;
  char **labels = NULL;
  size_t nodes = 0, i;
  sc_ctx c;
  int rc = 0;

  *out = NULL;
  if (!name)
    name = "scenario";
  if (!text) /* libyaml asserts on a NULL input even when it is empty */
    text = "", len = 0;
  if (!(sc = calloc(1, sizeof *sc)) ||
      !(labels = calloc(n_overrides + 1, sizeof *labels)) ||
      !(sc->file = strdup(name)) || !(sc->dir = scenario_dir(name)) ||
      !(sc->load.method = strdup("GET"))) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  set_defaults(sc);
  c.file = name;
  c.text = text;
  c.len = len;
  c.err = err;
  c.sc = sc;
  c.max_duration = NULL;
  if ((rc = lg__yt_parse(name, NULL, text, len, &root, &nodes, err)))
    goto cleanup;
  if (!root || (root->kind == YT_SCALAR && lg__yt_is_null(root))) {
    rc = lg_error_set(err, LG_EINPUT, "%s:1:1: the file is empty (a scenario "
                      "starts with version: 1)", name);
    goto cleanup;
  }
  if (root->kind != YT_MAP) {
    rc = lg__sc_fail(&c, root, "",
                     "expected a map of top-level keys (version, "
                     "name, service, load, ...), got %s",
                     lg__sc_kind(root));
    goto cleanup;
  }
  for (i = 0; i < n_overrides; i++)
    if ((rc = apply_override(root, overrides[i], &labels[i], name, &nodes,
                             err)))
      goto cleanup;
  if ((rc = validate(&c, root)))
    goto cleanup;
  *out = sc;
  sc = NULL;
cleanup:
  lg__yt_free(root);
  lg_scenario_free(sc);
  for (i = 0; labels && i < n_overrides; i++)
    free(labels[i]);
  free(labels);
  if (rc)
    one_line(err);
  return rc;
}

int lg_scenario_load(const char *path, const char *const *overrides,
                     size_t n_overrides, lg_scenario **out, lg_error *err) {
  char *text = NULL;
  size_t len = 0;
  int rc;
  *out = NULL;
  rc = lg__read_file(path, YT_MAX_INPUT, &text, &len, err);
  if (rc == LG_ELIMIT)
    rc = lg_error_set(err, LG_EINPUT, "%s: larger than %d bytes (a scenario "
                      "is a small file)", path, YT_MAX_INPUT);
  if (rc) {
    one_line(err);
    return rc;
  }
  rc = lg_scenario_load_string(path, text, len, overrides, n_overrides, out,
                               err);
  free(text);
  return rc;
}

int lg_scenario_apply_profile(lg_scenario *sc, const char *profile,
                              lg_error *err) {
  const lg_profile *p = NULL;
  lg_profile soak;
  char names[512], soak_name[] = "soak";
  size_t i, o = 0;
  bool soak_own = false;
  for (i = 0; i < sc->n_profiles; i++) {
    if (strcmp(sc->profiles[i].name, profile) == 0)
      p = &sc->profiles[i];
    soak_own |= strcmp(sc->profiles[i].name, soak_name) == 0;
  }
  if (!p && strcmp(profile, soak_name) == 0) {
    /* The built-in soak (a scenario's own `soak` replaces it): ten times
     * the requests and a four times tighter tolerance. The slope's
     * interval narrows with the x range times the square root of the
     * sample count, so ten times the run narrows it about thirty times:
     * a quarter of the tolerance is still decided, not inconclusive. */
    soak.name = soak_name;
    soak.duration_scale = LG_SOAK_DURATION_SCALE;
    soak.tolerance_bytes =
        sc->analysis.tolerance_bytes / LG_SOAK_TOLERANCE_DIVISOR;
    p = &soak;
  }
  if (!p) {
    names[0] = '\0';
    for (i = 0; i < sc->n_profiles && o < sizeof names; i++) {
      int w = snprintf(names + o, sizeof names - o, "%s%s", i ? ", " : "",
                       sc->profiles[i].name);
      if (w < 0)
        break;
      o += (size_t)w;
    }
    lg_error_set(err, LG_EINPUT, "%s: unknown profile '%.64s' (%s%s%s)",
                 sc->file, profile,
                 sc->n_profiles ? "this scenario defines: "
                                : "this scenario defines no profiles",
                 names, soak_own ? "" : "; soak is built in");
    one_line(err);
    return LG_EINPUT;
  }
  if (sc->profile)
    return lg_error_set(err, LG_EINPUT, "%s: profile '%s' is already applied",
                        sc->file, sc->profile);
  for (i = 0; i < sc->load.n_phases; i++)
    if (sc->load.phases[i].duration_s * p->duration_scale > SC_MAX_DURATION_S)
      return lg_error_set(err, LG_EINPUT, "%s: profile '%s': phase '%s' would "
                          "run longer than 366 days", sc->file, p->name,
                          sc->load.phases[i].name);
  if (sc->load.max_duration_s * p->duration_scale > SC_MAX_DURATION_S)
    return lg_error_set(err, LG_EINPUT, "%s: profile '%s': load.max_duration "
                        "would be longer than 366 days", sc->file, p->name);
  if (!(sc->profile = strdup(p->name)))
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  for (i = 0; i < sc->load.n_phases; i++)
    sc->load.phases[i].duration_s *= p->duration_scale;
  sc->load.max_duration_s *= p->duration_scale; /* NAN stays NAN */
  if (!isnan(p->tolerance_bytes)) {
    sc->analysis.tolerance_bytes = p->tolerance_bytes;
    if (!sc->baseline.tolerance_explicit)
      sc->baseline.tolerance_bytes = p->tolerance_bytes;
  }
  return 0;
}

double lg_scenario_duration(const lg_scenario *sc) {
  double total = 0;
  size_t i;
  for (i = 0; i < sc->load.n_phases; i++)
    total += sc->load.phases[i].duration_s;
  return total;
}

/* The names scenario files use, indexed by the enums (the section parsers
 * read them with lg__sc_get_enum, the lg_*_name functions print them). */
const char *const lg__sc_driver_names[SC_N_DRIVERS] = {
    [LG_DRIVER_HTTP] = "http",
    [LG_DRIVER_TCP] = "tcp",
    [LG_DRIVER_STDIN] = "stdin",
    [LG_DRIVER_EXEC] = "exec"};
const char *const lg__sc_backend_names[SC_N_BACKENDS] = {
    [LG_BACKEND_AUTO] = "auto",       [LG_BACKEND_CGROUP] = "cgroup",
    [LG_BACKEND_SYSTEMD] = "systemd", [LG_BACKEND_DOCKER] = "docker",
    [LG_BACKEND_PODMAN] = "podman",   [LG_BACKEND_NONE] = "none",
    [LG_BACKEND_SELF] = "self"};
const char *const lg__sc_metric_names[SC_N_METRICS] = {
    [LG_METRIC_ANON] = "anon",
    [LG_METRIC_RSS] = "rss",
    [LG_METRIC_PSS] = "pss",
    [LG_METRIC_CGROUP] = "cgroup",
    [LG_METRIC_HEAP] = "heap"};
/* An enum value added without its name would parse as another value's
 * index (lg__sc_get_enum returns positions): the counts follow the enums. */
_Static_assert(SC_N_DRIVERS == LG_DRIVER_EXEC + 1, "a driver without a name");
_Static_assert(SC_N_BACKENDS == LG_BACKEND_SELF + 1,
               "a backend without a name");
_Static_assert(SC_N_METRICS == LG_METRIC_HEAP + 1, "a metric without a name");

const char *lg_driver_name(lg_driver_kind d) {
  return (unsigned)d < SC_N_DRIVERS ? lg__sc_driver_names[d] : "unknown";
}

const char *lg_backend_name(lg_backend_kind b) {
  return (unsigned)b < SC_N_BACKENDS ? lg__sc_backend_names[b] : "unknown";
}

const char *lg_metric_name(lg_metric m) {
  return (unsigned)m < SC_N_METRICS ? lg__sc_metric_names[m] : "unknown";
}
