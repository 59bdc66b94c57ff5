/* runtime/inject.c - the standard switches that make each runtime report
 * its GC (runtime/inject.h, docs/runtimes.md "Switches").
 *
 * Go: GODEBUG=gctrace=1 (one line per cycle on stderr).
 * JVM (9+): -Xlog:gc,gc+init:file=OUT/gc-%p.log:uptime,pid in
 *   JAVA_TOOL_OPTIONS, which every JVM reads (a file per process, so nothing
 *   enters the service's own output but the JVM's one "Picked up" line). A
 *   JDK 8 would refuse -Xlog and not start, so a java known to be 8 gets
 *   nothing, and behind a wrapper script (version unknown) the option goes
 *   to JDK_JAVA_OPTIONS, which only the java launcher of JDK 9+ reads.
 * Node: NODE_OPTIONS refuses --trace-gc (V8 flags are not allowed there),
 *   so --require loads a preload from the out dir that observes each
 *   collection through perf_hooks and appends heap figures to
 *   OUT/node-gc-PID.log, ArrayBuffer memory included.
 * Python: nothing. CPython has no GC report of heap size; tracemalloc
 *   (PYTHONTRACEMALLOC=1) would need code to read it and costs a large
 *   share of throughput (docs/runtimes.md has the measurement); reference
 *   counting frees at once, so memory seen from outside already tracks the
 *   live heap.
 * Paths with whitespace or quotes cannot travel in these space-separated
 *   option lists: the switch is then left out and the note says why. */
#include "runtime/inject.h"

#include "core/fsutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char preload_fmt[] =
    "'use strict';\n"
    "// Written by leakgate (docs/runtimes.md): the V8 heap after each\n"
    "// collection, appended to a file per process; no effect on the service\n"
    "// but one observer callback per collection.\n"
    "(() => {\n"
    "  let fs, v8, perf;\n"
    "  try {\n"
    "    fs = require('fs'); v8 = require('v8'); perf = "
    "require('perf_hooks');\n"
    "  } catch (e) { return; }\n"
    "  let fd;\n"
    "  try {\n"
    "    fd = fs.openSync(%s + '/node-gc-' + process.pid + '.log', 'a');\n"
    "  } catch (e) { return; }\n"
    "  const put = (s) => { try { fs.writeSync(fd, s + '\\n'); } catch (e) {} "
    "};\n"
    "  put('lg-node-gc 1 info ' + process.pid + ' ' + process.version + ' ' +\n"
    "      v8.getHeapStatistics().heap_size_limit);\n"
    "  const obs = new perf.PerformanceObserver((list) => {\n"
    "    const s = v8.getHeapStatistics();\n"
    "    for (const e of list.getEntries()) {\n"
    "      const k = e.detail ? e.detail.kind : e.kind;\n"
    "      put('lg-node-gc 1 gc ' + process.pid + ' ' +\n"
    "          (e.startTime + e.duration).toFixed(3) + ' ' + k + ' ' +\n"
    "          e.duration.toFixed(3) + ' ' + s.used_heap_size + ' ' +\n"
    "          s.total_heap_size + ' ' + (s.external_memory || 0) + ' ' +\n"
    "          s.heap_size_limit);\n"
    "    }\n"
    "  });\n"
    "  obs.observe({entryTypes: ['gc']});\n"
    "})();\n";

static const char *find(const lg_kv *env, size_t n, const char *key) {
  size_t i;
  for (i = 0; i < n; i++)
    if (env[i].key && strcmp(env[i].key, key) == 0)
      return env[i].value ? env[i].value : "";
  return NULL;
}

static void appendf(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void appendf(char *buf, size_t cap, const char *fmt, ...) {
  size_t n = strlen(buf);
  va_list ap;
  if (n >= cap - 1)
    return;
  va_start(ap, fmt);
  vsnprintf(buf + n, cap - n, fmt, ap);
  va_end(ap);
}

/* Set key to value in out (replacing the copy of the scenario's). */
static int put(rt_injection *out, const char *key, const char *value) {
  size_t i;
  char *v = strdup(value), *k;
  lg_kv *grown;
  if (!v)
    return LG_ENOMEM;
  for (i = 0; i < out->n_env; i++)
    if (strcmp(out->env[i].key, key) == 0) {
      free(out->env[i].value);
      out->env[i].value = v;
      return 0;
    }
  k = strdup(key);
  grown = realloc(out->env, (out->n_env + 1) * sizeof *out->env);
  if (!k || !grown) {
    free(k);
    free(v);
    if (grown)
      out->env = grown;
    return LG_ENOMEM;
  }
  out->env = grown;
  out->env[out->n_env].key = k;
  out->env[out->n_env].value = v;
  out->n_env++;
  return 0;
}

/* old + sep + add, or add alone. */
static int merge(rt_injection *out, const char *key, const char *sep,
                 const char *add) {
  const char *old = find(out->env, out->n_env, key);
  bool had = old && *old;
  size_t n = (old ? strlen(old) + strlen(sep) : 0) + strlen(add) + 1;
  char *v = malloc(n);
  int rc;
  if (!v)
    return LG_ENOMEM;
  snprintf(v, n, "%s%s%s", had ? old : "", had ? sep : "", add);
  rc = put(out, key, v); /* frees old */
  if (rc == 0)
    appendf(out->applied, sizeof out->applied, "%s%s%s %s",
            out->applied[0] ? "; " : "", key, had ? " +=" : " =", add);
  free(v);
  return rc;
}

static bool unsafe_path(const char *p) {
  return strpbrk(p, " \t\n\"'\\,:") != NULL;
}

static int go_switch(rt_injection *out) {
  const char *g = find(out->env, out->n_env, "GODEBUG");
  if (g && strstr(g, "gctrace=")) {
    appendf(out->note, sizeof out->note,
            "%sGODEBUG already sets gctrace: kept as the scenario wrote it; ",
            "");
    return 0;
  }
  return merge(out, "GODEBUG", ",", "gctrace=1");
}

static int jvm_switch(const lg_runtime_info *info, const char *dir,
                      rt_injection *out) {
  char opt[4200];
  /* "1.8.0_392" and earlier: JDK 8 refuses -Xlog. */
  if (strncmp(info->version, "1.", 2) == 0) {
    appendf(out->note, sizeof out->note,
            "JDK %s has no unified logging (-Xlog, JDK 9+): no GC log; ",
            info->version);
    return 0;
  }
  if (unsafe_path(dir)) {
    appendf(out->note, sizeof out->note,
            "the out dir's path has a character -Xlog cannot take "
            "(space, quote, comma, colon): no GC log; ");
    return 0;
  }
  snprintf(opt, sizeof opt, "-Xlog:gc,gc+init:file=%s/gc-%%p.log:uptime,pid",
           dir);
  return merge(out, info->wrapper ? "JDK_JAVA_OPTIONS" : "JAVA_TOOL_OPTIONS",
               " ", opt);
}

static int node_switch(const char *dir, rt_injection *out, lg_error *err) {
  char *path = NULL, *js = NULL, opt[4200];
  size_t i, n, cap;
  int rc = 0;
  if (unsafe_path(dir)) {
    appendf(out->note, sizeof out->note,
            "the out dir's path has a character NODE_OPTIONS cannot take: no "
            "GC log; ");
    return 0;
  }
  /* The directory as a JavaScript string literal (no quote or backslash
   * can be in it: unsafe_path refused those). */
  n = strlen(dir) + 3;
  cap = sizeof preload_fmt + n;
  path = malloc(n);
  js = malloc(cap);
  if (!path || !js) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  snprintf(path, n, "'%s'", dir);
  for (i = 0; path[i]; i++)
    if ((unsigned char)path[i] < 0x20)
      path[i] = '_';
  snprintf(js, cap, preload_fmt, path);
  free(path);
  path = lg__path_join(dir, RT_NODE_PRELOAD);
  if (!path) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  if ((rc = lg__write_atomic(path, js, strlen(js), err)) != 0)
    goto cleanup;
  snprintf(opt, sizeof opt, "--require=%s", path);
  if ((rc = merge(out, "NODE_OPTIONS", " ", opt)) != 0)
    lg_error_set(err, rc, "out of memory");
cleanup:
  free(path);
  free(js);
  return rc;
}

int lg__rt_inject(const lg_runtime_info *info, const char *out_dir,
                  const lg_kv *env, size_t n_env, rt_injection *out,
                  lg_error *err) {
  size_t i;
  int rc = 0;
  bool all = info->wrapper;

  memset(out, 0, sizeof *out);
  for (i = 0; i < n_env; i++)
    if ((rc = put(out, env[i].key, env[i].value ? env[i].value : "")) != 0)
      goto cleanup;
  if ((all || info->kind == LG_RUNTIME_GO) && (rc = go_switch(out)) != 0)
    goto cleanup;
  if ((all || info->kind == LG_RUNTIME_JVM) &&
      (rc = jvm_switch(info, out_dir, out)) != 0)
    goto cleanup;
  if (all || info->kind == LG_RUNTIME_NODE) {
    if ((rc = node_switch(out_dir, out, err)) != 0) {
      lg__rt_injection_cleanup(out);
      return rc;
    }
  }
cleanup:
  if (rc) {
    lg__rt_injection_cleanup(out);
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  }
  return 0;
}

void lg__rt_injection_cleanup(rt_injection *inj) {
  size_t i;
  for (i = 0; i < inj->n_env; i++) {
    free(inj->env[i].key);
    free(inj->env[i].value);
  }
  free(inj->env);
  inj->env = NULL;
  inj->n_env = 0;
}
