/* reporters/sarif.c - SARIF 2.1.0 (--sarif) for code scanning (GitHub
 * code scanning, GitLab, IDE viewers).
 *
 * One run for all results. Rules have stable ids (never renumbered; new ones
 * are appended): leakgate/memcheck-{definite,indirect,possible,reachable},
 * leakgate/growing-site, leakgate/growth, leakgate/oom, leakgate/crash,
 * leakgate/baseline-regression, leakgate/time-to-limit,
 * leakgate/heap-growing-site, then (issue 12)
 * leakgate/runtime-growing-stack, leakgate/runtime-oom,
 * leakgate/heap-exhaustion, leakgate/throughput-collapse,
 * leakgate/goroutines.
 * Results:
 *   - each Memcheck leak whose stack has a frame inside repo_root, located at
 *     that frame, with the whole stack in result.stacks and
 *     partialFingerprints {"leakgateStack/v1": the Memcheck fingerprint}
 *     (function/file chain only, so code scanning de-duplicates across
 *     builds and line shifts);
 *   - each Massif growing site inside repo_root ({"leakgateSite/v1"});
 *   - each heap-profile growing site at its frame inside repo_root, with its
 *     stack and {"leakgateStack/v1": the site's stack fingerprint};
 *   - each growing stack of a Go runtime's own heap profile inside
 *     repo_root ({"leakgateSite/v1"});
 *   - each failing or inconclusive scenario-level check (growth, oom, crash,
 *     baseline, time-to-limit, and a managed runtime's runtime-oom,
 *     heap-exhaustion, throughput-collapse, goroutines), located at the
 *     scenario file when that is inside the repository
 *     ({"leakgateScenario/v1"}); growth's properties name a JVM's growing
 *     classes (they have no source location of their own), goroutines'
 *     give the first and last count, and every result a managed runtime
 *     decided carries runtime {name, version, detected_from}.
 * Locations are relative URIs with uriBaseId SRCROOT (originalUriBaseIds
 * holds repo_root as a file:// URI); frames outside it keep an absolute
 * file:// URI and appear only inside stacks. Leaks and sites with no frame
 * in the repository are left out (result.json has them).
 */
#include "report_util.h"
#include "result/fmt.h"
#include "result/json.h"

#include <leakgate/scenario.h>
#include <leakgate/units.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  R_DEFINITE,
  R_INDIRECT,
  R_POSSIBLE,
  R_REACHABLE,
  R_SITE,
  R_GROWTH,
  R_OOM,
  R_CRASH,
  R_BASELINE,
  R_TTL,
  R_HEAP_SITE,
  R_RT_SITE,
  R_RT_OOM,
  R_HEAP_EXHAUSTION,
  R_THROUGHPUT,
  R_GOROUTINES,
  N_RULES
};

static const struct {
  const char *id, *name, *level, *brief, *full;
} rules[N_RULES] = {
    {"leakgate/memcheck-definite", "MemcheckDefinitelyLost", "error",
     "Memory definitely lost (Valgrind Memcheck)",
     "A block allocated here was unreachable when the service stopped: no "
     "pointer to it remained. Every request that takes this path leaks it."},
    {"leakgate/memcheck-indirect", "MemcheckIndirectlyLost", "error",
     "Memory indirectly lost (Valgrind Memcheck)",
     "A block allocated here was reachable only from blocks that were "
     "themselves lost; fixing the definite leak that owns it fixes this."},
    {"leakgate/memcheck-possible", "MemcheckPossiblyLost", "warning",
     "Memory possibly lost (Valgrind Memcheck)",
     "Only an interior pointer to a block allocated here remained at exit."},
    {"leakgate/memcheck-reachable", "MemcheckStillReachable", "note",
     "Memory still reachable at exit (Valgrind Memcheck)",
     "A block allocated here was still referenced at exit; usually a cache "
     "or a global, a leak only if it grows with work done."},
    {"leakgate/growing-site", "GrowingAllocationSite", "warning",
     "Allocation site whose live bytes grow (Valgrind Massif)",
     "The live heap attributed to this site grew across Massif's detailed "
     "snapshots during the load: a likely place for reachable growth "
     "(caches, queues, maps) that Memcheck cannot see."},
    {"leakgate/growth", "MemoryGrowth", "error", "Memory grows with work done",
     "The service's memory grew with completed requests faster than the "
     "scenario's tolerance, with the confidence set in the scenario."},
    {"leakgate/oom", "OutOfMemoryKill", "error",
     "The service was killed by the out-of-memory killer",
     "The service reached the container's memory limit during the run."},
    {"leakgate/crash", "ServiceCrash", "error", "The service crashed",
     "The service died of a signal or exited before leakgate stopped it."},
    {"leakgate/baseline-regression", "BaselineRegression", "error",
     "Leak regression against the main-branch baseline",
     "The growth slope rose beyond the tolerance over the baseline, or a "
     "leak appeared that the baseline does not have."},
    {"leakgate/time-to-limit", "TimeToLimit", "error",
     "Projected time to the memory limit is too short",
     "At the measured growth and rate, the service reaches its memory "
     "limit sooner than the scenario's max_time_to_limit."},
    {"leakgate/heap-growing-site", "HeapProfileGrowingSite", "error",
     "Allocation site whose live bytes grow per request (sampled heap "
     "profile at full load)",
     "Sampled at the scenario's full load, the memory allocated here and "
     "still live grows with completed requests faster than the tolerance: "
     "a leak or an unbounded cache. The rate is bytes per request with its "
     "confidence interval."},
    {"leakgate/runtime-growing-stack", "RuntimeGrowingStack", "warning",
     "Allocation stack whose live bytes grow (the runtime's heap profile)",
     "The Go runtime's own heap profile (net/http/pprof, taken after a "
     "collection at phase boundaries) holds more bytes allocated here at "
     "the end of the load than at its start: the live objects of this "
     "stack grow with the requests served."},
    {"leakgate/runtime-oom", "RuntimeOutOfMemory", "error",
     "The managed runtime ran out of memory",
     "The service's output has its runtime's out-of-memory error "
     "(java.lang.OutOfMemoryError, Go's fatal error: runtime: out of "
     "memory, V8's JavaScript heap out of memory, a Python MemoryError), "
     "even if the process kept running and serving errors."},
    {"leakgate/heap-exhaustion", "HeapExhaustion", "error",
     "The runtime's heap is full and collecting all the time",
     "At the end of the steady load the live heap after full collections "
     "sits at its ceiling (-Xmx, V8's heap limit) while GC pauses take a "
     "large share of the time: memory seen from outside is flat, the heap "
     "is exhausted."},
    {"leakgate/throughput-collapse", "ThroughputCollapse", "error",
     "Throughput collapsed as GC time or errors rose",
     "The last part of the steady load served far fewer requests per second "
     "than the first while GC pauses took more of the time or requests "
     "failed: the service's heap, not the machine, slowed it down."},
    {"leakgate/goroutines", "GoroutineLeak", "error",
     "Goroutines grow with work done",
     "The Go runtime's goroutine count (net/http/pprof) grows per request: "
     "goroutines that never end are a leak of their stacks and of "
     "everything they reference."},
};

/* GitHub code scanning accepts at most 25,000 results per run and shows
 * far fewer; leaks and sites beyond this many (the smallest, as they are
 * sorted by size) are counted in run.properties instead. */
#define MAX_LOCATED_RESULTS 5000

typedef struct ctx {
  const lg_report_opts *o;
  json_t *results;
  bool bad;
  size_t located, omitted;
} ctx;

static void put(ctx *c, json_t *o, const char *k, json_t *v) {
  lg__json_put(o, k, v, &c->bad);
}

static json_t *text(ctx *c, const char *s) {
  json_t *m = json_object();
  if (!m) {
    c->bad = true;
    return NULL;
  }
  put(c, m, "text", lg__json_str(s ? s : ""));
  return m;
}

/* Percent-encode a path for a URI: unreserved characters and '/' stay. */
static char *uri_path(const char *path, const char *prefix) {
  size_t n = strlen(path), i, k;
  char *out = malloc(strlen(prefix) + n * 3 + 1);
  if (!out)
    return NULL;
  k = (size_t)sprintf(out, "%s", prefix);
  for (i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)path[i];
    if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
        (ch >= '0' && ch <= '9') || strchr("-._~/", ch))
      out[k++] = (char)ch;
    else
      k += (size_t)sprintf(out + k, "%%%02X", ch);
  }
  out[k] = '\0';
  return out;
}

/* A location for file:line: relative to SRCROOT when inside the repository,
 * else (when allow_abs) an absolute file:// URI; NULL when neither. */
static json_t *location(ctx *c, const char *file, int line,
                        const char *function, bool allow_abs) {
  char relbuf[4096], *uri = NULL;
  const char *rel = lg__rel_path(file, c->o->repo_root, relbuf, sizeof relbuf);
  json_t *loc, *phys, *art;
  const char *abs_file = allow_abs && file && file[0] == '/' ? file : NULL;
  if (rel || abs_file) {
    uri = rel ? uri_path(rel, "") : uri_path(abs_file, "file://");
    if (!uri) {
      /* out of memory: fail the report rather than drop a result */
      c->bad = true;
      return NULL;
    }
  } else if (!(allow_abs && function)) {
    return NULL;
  }
  loc = json_object();
  if (!loc) {
    free(uri);
    c->bad = true;
    return NULL;
  }
  if (uri) {
    phys = json_object();
    art = json_object();
    if (!phys || !art) {
      json_decref(phys);
      json_decref(art);
      c->bad = true;
    } else {
      put(c, art, "uri", json_string(uri));
      if (rel)
        put(c, art, "uriBaseId", json_string("SRCROOT"));
      put(c, phys, "artifactLocation", art);
      if (line > 0)
        put(c, phys, "region", json_pack("{s:i}", "startLine", line));
      put(c, loc, "physicalLocation", phys);
    }
    free(uri);
  }
  if (function)
    put(c, loc, "logicalLocations",
        json_pack("[{s:o,s:s}]", "fullyQualifiedName", lg__json_str(function),
                  "kind", "function"));
  return loc;
}

static void add_result(ctx *c, int rule, const char *level, const char *msg,
                       json_t *loc, const char *fp_key, const char *fp,
                       json_t *props, json_t *stacks) {
  json_t *r = json_object(), *fps;
  if (!r) {
    c->bad = true;
    json_decref(loc);
    json_decref(props);
    json_decref(stacks);
    return;
  }
  put(c, r, "ruleId", json_string(rules[rule].id));
  put(c, r, "ruleIndex", json_integer(rule));
  put(c, r, "level", json_string(level));
  put(c, r, "message", text(c, msg));
  if (loc)
    put(c, r, "locations", json_pack("[o]", loc));
  fps = json_object();
  if (fps)
    put(c, fps, fp_key, json_string(fp));
  put(c, r, "partialFingerprints", fps);
  if (stacks)
    put(c, r, "stacks", stacks);
  if (props)
    put(c, r, "properties", props);
  lg__json_push(c->results, r, &c->bad);
}

static json_t *stack_of(ctx *c, const lg_leak_record *l) {
  json_t *frames = json_array(), *st;
  size_t k;
  if (!frames) {
    c->bad = true;
    return NULL;
  }
  for (k = 0; k < l->n_stack; k++) {
    const lg_frame *f = &l->stack[k];
    json_t *fr = json_object(), *loc;
    if (!fr) {
      c->bad = true;
      break;
    }
    loc = location(c, f->file, f->line, f->function ? f->function : "??", true);
    if (loc)
      put(c, fr, "location", loc);
    if (f->object)
      put(c, fr, "module", lg__json_str(f->object));
    lg__json_push(frames, fr, &c->bad);
  }
  st = json_object();
  if (!st) {
    json_decref(frames);
    c->bad = true;
    return NULL;
  }
  put(c, st, "message", text(c, "allocation stack"));
  put(c, st, "frames", frames);
  return json_pack("[o]", st);
}

static int kind_rule(const char *kind) {
  if (kind && strcmp(kind, "indirect") == 0)
    return R_INDIRECT;
  if (kind && strcmp(kind, "possible") == 0)
    return R_POSSIBLE;
  if (kind && strcmp(kind, "reachable") == 0)
    return R_REACHABLE;
  return R_DEFINITE;
}

static bool gated(const lg_memcheck_result *m, int rule) {
  return (rule == R_DEFINITE && (m->fail_on & LG_FAIL_DEFINITE)) ||
         (rule == R_INDIRECT && (m->fail_on & LG_FAIL_INDIRECT)) ||
         (rule == R_POSSIBLE && (m->fail_on & LG_FAIL_POSSIBLE));
}

static void leaks(ctx *c, const lg_result *r) {
  const lg_memcheck_result *m = &r->memcheck;
  size_t *idx, i, k;
  if (!m->ran || !m->n_leaks)
    return;
  idx = lg__top_leaks(m);
  if (!idx) {
    c->bad = true;
    return;
  }
  for (i = 0; i < m->n_leaks; i++) {
    const lg_leak_record *l = &m->leaks[idx[i]];
    char relbuf[4096], msg[2048], by[32], fr[1024], fp[17];
    const lg_frame *site =
        lg__rep_leak_frame(l, c->o->repo_root, relbuf, sizeof relbuf);
    int rule = kind_rule(l->kind);
    json_t *loc =
        site ? location(c, site->file, site->line, site->function, false)
             : NULL;
    if (!loc)
      continue;
    if (c->located >= MAX_LOCATED_RESULTS) {
      json_decref(loc);
      c->omitted++;
      continue;
    }
    c->located++;
    snprintf(msg, sizeof msg,
             "%s in %lld block%s %s lost in scenario %s, allocated by %s.",
             lg_format_bytes(by, sizeof by, l->bytes), (long long)l->blocks,
             l->blocks == 1 ? "" : "s", l->kind ? l->kind : "?",
             lg__rep_name(r), lg__fmt_frame(fr, sizeof fr, site));
    if (!l->fingerprint) {
      const char *parts[64];
      size_t np = 0;
      for (k = 0; k < l->n_stack && np + 2 <= 64; k++) {
        parts[np++] = l->stack[k].function;
        parts[np++] = l->stack[k].file;
      }
      lg__hash_hex(fp, parts, np);
    }
    add_result(
        c, rule,
        gated(m, rule) ? rules[rule].level
                       : (rule == R_REACHABLE ? "note" : "warning"),
        msg, loc, "leakgateStack/v1", l->fingerprint ? l->fingerprint : fp,
        json_pack("{s:o,s:o,s:o}", "scenario", lg__json_str(lg__rep_name(r)),
                  "bytes", lg__json_num(l->bytes), "blocks",
                  json_integer(l->blocks > 0 ? l->blocks : 0)),
        stack_of(c, l));
  }
  free(idx);
}

/* A growing site (Massif's, or a runtime's allocation stack) as a result at
 * function, file:line when the file lies inside the repository (else
 * nothing: a site in a library is not the PR's); props is taken. */
static void site_result(ctx *c, const lg_result *r, int rule,
                        const char *function, const char *file, int line,
                        const char *msg, json_t *props) {
  char relbuf[4096], fp[17];
  const char *rel = lg__rel_path(file, c->o->repo_root, relbuf, sizeof relbuf);
  const char *parts[2];
  if (!rel || c->located >= MAX_LOCATED_RESULTS) {
    if (rel)
      c->omitted++;
    json_decref(props);
    return;
  }
  c->located++;
  parts[0] = function;
  parts[1] = rel;
  lg__hash_hex(fp, parts, 2);
  add_result(c, rule, r->verdict == LG_VERDICT_FAIL ? "error" : "warning", msg,
             location(c, file, line, function, false), "leakgateSite/v1", fp,
             props, NULL);
}

static void sites(ctx *c, const lg_result *r) {
  const lg_massif_result *m = &r->massif;
  size_t i, *idx;
  if (!m->ran || !m->n_sites)
    return;
  idx = lg__top_sites(m);
  if (!idx) {
    c->bad = true;
    return;
  }
  for (i = 0; i < m->n_sites; i++) {
    const lg_growing_site *s = &m->growing_sites[idx[i]];
    char msg[1024], b1[32], b2[32], b3[32];
    snprintf(msg, sizeof msg,
             "%s grew by %s (%s to %s) during the Massif run of scenario %s.",
             s->function ? s->function : "??",
             lg_format_bytes(b1, sizeof b1, s->growth_bytes),
             lg_format_bytes(b2, sizeof b2, s->first_bytes),
             lg_format_bytes(b3, sizeof b3, s->last_bytes), lg__rep_name(r));
    site_result(c, r, R_SITE, s->function, s->file, s->line, msg,
                json_pack("{s:o,s:o}", "scenario",
                          lg__json_str(lg__rep_name(r)), "growth_bytes",
                          lg__json_num(s->growth_bytes)));
  }
  free(idx);
}

static void heap_sites(ctx *c, const lg_result *r) {
  const lg_heap_profile_result *h = &r->heap_profile;
  size_t i, k;
  if (!h->ran)
    return;
  for (i = 0; i < h->n_sites; i++) {
    const lg_heap_site *s = &h->growing_sites[i];
    char rel[4096], msg[2048], t[1536], fp[17];
    const char *fn, *parts[64];
    int line;
    lg_leak_record as_leak;
    size_t np = 0;
    if (!lg__rep_heap_frame(s, c->o->repo_root, rel, sizeof rel, &fn, &line))
      continue;
    if (c->located >= MAX_LOCATED_RESULTS) {
      c->omitted++;
      continue;
    }
    c->located++;
    if (!s->fingerprint) {
      for (k = 0; k < s->n_stack && np + 2 <= 64; k++) {
        parts[np++] = s->stack[k].function;
        parts[np++] = s->stack[k].file;
      }
      lg__hash_hex(fp, parts, np);
    }
    snprintf(msg, sizeof msg,
             "%s stays live and grows at full load in scenario %s (heap "
             "profile).",
             lg__rep_heap_site_text(t, sizeof t, r, s), lg__rep_name(r));
    /* stack_of reads a leak record's stack */
    memset(&as_leak, 0, sizeof as_leak);
    as_leak.stack = s->stack;
    as_leak.n_stack = s->n_stack;
    add_result(c, R_HEAP_SITE, h->failed && !s->known ? "error" : "warning",
               msg, location(c, rel, line, fn, false), "leakgateStack/v1",
               s->fingerprint ? s->fingerprint : fp,
               json_pack("{s:o,s:o,s:o,s:o}", "scenario",
                         lg__json_str(lg__rep_name(r)), "bytes_per_request",
                         lg__json_num(s->bytes_per_request), "ci_lo",
                         lg__json_num(s->ci_lo), "ci_hi",
                         lg__json_num(s->ci_hi)),
               stack_of(c, &as_leak));
  }
}

/* {name, version, detected_from} of a managed runtime, for the properties
 * of the results it decided; NULL for a native service. */
static json_t *runtime_of(const lg_result *r) {
  const lg_runtime_result *rt = &r->runtime;
  if (!rt->name || strcmp(rt->name, "native") == 0)
    return NULL;
  return json_pack("{s:o,s:o,s:o}", "name", lg__json_str(rt->name), "version",
                   lg__json_str(rt->version), "detected_from",
                   lg__json_str(rt->detected_from));
}

/* The runtime's growing allocation stacks whose first frame is inside the
 * repository (Go heap profile), like Massif's sites; classes (JVM) have no
 * source location: the growth check's result carries them instead. */
static void runtime_sites(ctx *c, const lg_result *r) {
  const lg_runtime_result *rt = &r->runtime;
  size_t i;
  for (i = 0; i < rt->n_sites; i++) {
    const lg_runtime_site *s = &rt->sites[i];
    char msg[1024], b1[32], b2[32];
    json_t *props, *rt_json;
    if (!s->kind || strcmp(s->kind, "stack") != 0 || !s->file)
      continue;
    snprintf(msg, sizeof msg,
             "%s: its live objects grew by %s (%.3g B per request, %s at the "
             "end) during scenario %s, per the runtime's heap profile.",
             s->name ? s->name : "??",
             lg_format_bytes(b1, sizeof b1, s->growth_bytes),
             s->bytes_per_request,
             lg_format_bytes(b2, sizeof b2, s->last_bytes), lg__rep_name(r));
    props =
        json_pack("{s:o,s:o,s:o}", "scenario", lg__json_str(lg__rep_name(r)),
                  "growth_bytes", lg__json_num(s->growth_bytes),
                  "bytes_per_request", lg__json_num(s->bytes_per_request));
    if (props && (rt_json = runtime_of(r)) != NULL)
      json_object_set_new(props, "runtime", rt_json);
    site_result(c, r, R_RT_SITE, s->name, s->file, s->line, msg, props);
  }
}

/* The top growing classes of a JVM, for the growth result's properties. */
static json_t *growing_classes(const lg_result *r) {
  const lg_runtime_result *rt = &r->runtime;
  json_t *a = json_array();
  size_t i, n = 0;
  for (i = 0; a && i < rt->n_sites && n < 5; i++) {
    const lg_runtime_site *s = &rt->sites[i];
    if (!s->kind || strcmp(s->kind, "class") != 0)
      continue;
    json_array_append_new(
        a, json_pack("{s:o,s:o}", "class", lg__json_str(s->name),
                     "bytes_per_request", lg__json_num(s->bytes_per_request)));
    n++;
  }
  if (a && n == 0) {
    json_decref(a);
    a = NULL;
  }
  return a;
}

static void checks(ctx *c, const lg_result *r) {
  static const struct {
    lg_check_id check;
    int rule;
  } map[] = {{LG_CK_GROWTH, R_GROWTH},
             {LG_CK_OOM, R_OOM},
             {LG_CK_CRASH, R_CRASH},
             {LG_CK_BASELINE, R_BASELINE},
             {LG_CK_TTL, R_TTL},
             {LG_CK_RUNTIME_OOM, R_RT_OOM},
             {LG_CK_HEAP_EXHAUSTION, R_HEAP_EXHAUSTION},
             {LG_CK_THROUGHPUT_COLLAPSE, R_THROUGHPUT},
             {LG_CK_GOROUTINES, R_GOROUTINES}};
  size_t i;
  for (i = 0; i < sizeof map / sizeof map[0]; i++) {
    const lg_check *ch = lg_result_check_by_id(r, map[i].check);
    const char *parts[2];
    char fp[17], msg[2048];
    json_t *props, *classes, *rt;
    if (!ch ||
        (ch->status != LG_CHECK_FAIL && ch->status != LG_CHECK_INCONCLUSIVE))
      continue;
    parts[0] = rules[map[i].rule].id;
    parts[1] = lg__rep_name(r);
    lg__hash_hex(fp, parts, 2);
    snprintf(msg, sizeof msg, "Scenario %s: %s", lg__rep_name(r), ch->message);
    props = json_pack("{s:o,s:s,s:o}", "scenario",
                      lg__json_str(lg__rep_name(r)), "verdict",
                      lg_verdict_name(r->verdict), "slope_bytes_per_request",
                      lg__json_num(r->has_analysis ? r->analysis.slope : NAN));
    if (props && map[i].check == LG_CK_GROWTH &&
        (classes = growing_classes(r)) != NULL)
      json_object_set_new(props, "growing_classes", classes);
    if (props && (rt = runtime_of(r)) != NULL)
      json_object_set_new(props, "runtime", rt);
    if (props && map[i].check == LG_CK_GOROUTINES)
      put(c, props, "goroutines",
          json_pack("{s:I,s:I,s:o}", "first",
                    (json_int_t)r->runtime.goroutines_first, "last",
                    (json_int_t)r->runtime.goroutines_last, "per_request",
                    lg__json_num(r->runtime.goroutines_slope)));
    add_result(c, map[i].rule,
               ch->status == LG_CHECK_FAIL ? "error" : "warning", msg,
               location(c, r->scenario_file, 1, NULL, false),
               "leakgateScenario/v1", fp, props, NULL);
  }
}

static json_t *driver(ctx *c, const lg_result *first) {
  json_t *d = json_object(), *rs = json_array();
  size_t i;
  if (!d || !rs) {
    json_decref(d);
    json_decref(rs);
    c->bad = true;
    return NULL;
  }
  put(c, d, "name", json_string("leakgate"));
  put(c, d, "version",
      lg__json_str(first->tool_version ? first->tool_version : "unknown"));
  for (i = 0; i < N_RULES; i++) {
    json_t *ru = json_object();
    if (!ru) {
      c->bad = true;
      break;
    }
    put(c, ru, "id", json_string(rules[i].id));
    put(c, ru, "name", json_string(rules[i].name));
    put(c, ru, "shortDescription", text(c, rules[i].brief));
    put(c, ru, "fullDescription", text(c, rules[i].full));
    put(c, ru, "defaultConfiguration",
        json_pack("{s:s}", "level", rules[i].level));
    put(c, ru, "properties", json_pack("{s:[s,s]}", "tags", "memory", "leak"));
    lg__json_push(rs, ru, &c->bad);
  }
  put(c, d, "rules", rs);
  return d;
}

int lg__render_sarif(const lg_result *const *rs, size_t n,
                     const lg_report_opts *o, lg_buf *b) {
  ctx c = {o, json_array(), false, 0, 0};
  json_t *root = json_object(), *run = json_object();
  char *s = NULL;
  size_t i;
  int rc = 0;

  if (!c.results || !root || !run) {
    json_decref(c.results);
    json_decref(root);
    json_decref(run);
    return LG_ENOMEM;
  }
  put(&c, root, "$schema",
      json_string("https://json.schemastore.org/sarif-2.1.0.json"));
  put(&c, root, "version", json_string("2.1.0"));
  put(&c, run, "tool", json_pack("{s:o}", "driver", driver(&c, rs[0])));
  if (o->repo_root && o->repo_root[0] == '/') {
    size_t len = strlen(o->repo_root);
    char *uri = uri_path(o->repo_root, "file://");
    /* a base URI must end with '/' (SARIF 3.14.14) */
    char *u2 = uri ? malloc(strlen(uri) + 2) : NULL;
    if (u2) {
      sprintf(u2, "%s%s", uri, len && o->repo_root[len - 1] == '/' ? "" : "/");
      put(&c, run, "originalUriBaseIds",
          json_pack("{s:{s:s}}", "SRCROOT", "uri", u2));
    } else {
      c.bad = true;
    }
    free(u2);
    free(uri);
  }
  put(&c, run, "automationDetails", json_pack("{s:s}", "id", "leakgate/"));
  put(&c, run, "columnKind", json_string("utf16CodeUnits"));
  for (i = 0; i < n; i++) {
    checks(&c, rs[i]);
    leaks(&c, rs[i]);
    sites(&c, rs[i]);
    heap_sites(&c, rs[i]);
    runtime_sites(&c, rs[i]);
  }
  put(&c, run, "results", c.results);
  if (c.omitted)
    put(&c, run, "properties",
        json_pack("{s:I}", "leakgate.omitted_results", (json_int_t)c.omitted));
  put(&c, root, "runs", json_pack("[o]", run));
  if (c.bad) {
    rc = LG_ENOMEM;
    goto cleanup;
  }
  s = json_dumps(root, JSON_INDENT(2));
  if (!s) {
    rc = LG_ENOMEM;
    goto cleanup;
  }
  lg__buf_appends(b, s);
  rc = lg__buf_appends(b, "\n");
cleanup:
  free(s);
  json_decref(root);
  return rc;
}
