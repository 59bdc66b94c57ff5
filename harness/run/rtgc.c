/* run/rtgc.c - a session's managed-runtime GC report (run/rtgc.h).
 * Only the main session asks for it: under Valgrind a runtime's heap is not
 * what the tool measures. */
#include "run/rtgc.h"

#include "core/fsutil.h"
#include "core/clock.h"
#include "core/proc.h"
#include "run/tiers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The runtime a scenario names or the command shows. */
static void detect(const lg_scenario *sc, lg_runtime_info *info) {
  lg_runtime_info found;
  char *prog = NULL;
  lg_error e;
  memset(info, 0, sizeof *info);
  memset(&found, 0, sizeof found);
  found.kind = LG_RUNTIME_NATIVE;
  if (lg_service_program(&sc->service, sc->dir, 0, &prog, &e) == 0)
    lg_runtime_detect_program(prog, &found);
  free(prog);
  if (sc->service.runtime == LG_RUNTIME_AUTO) {
    *info = found;
    return;
  }
  info->kind = (lg_runtime_kind)sc->service.runtime;
  snprintf(info->detected_from, sizeof info->detected_from, "scenario");
  /* The scenario says which; the program may still tell its version. */
  if (found.kind == info->kind)
    snprintf(info->version, sizeof info->version, "%s", found.version);
}

int lg_run_check_runtime(const lg_scenario *sc, lg_runtime_info *info,
                         lg_error *err) {
  lg_runtime_info found;
  char at[32] = "";
  detect(sc, &found);
  if (info)
    *info = found;
  if (sc->analysis.metric != LG_METRIC_HEAP || sc->valgrind.massif)
    return 0;
  if (found.kind == LG_RUNTIME_GO || found.kind == LG_RUNTIME_JVM ||
      found.kind == LG_RUNTIME_NODE)
    return 0;
  /* Bad input names file:line:column like the parser's own errors (a
   * --set value has no line in the file). */
  if (sc->analysis.metric_line > 0)
    snprintf(at, sizeof at, ":%u:%u", sc->analysis.metric_line,
             sc->analysis.metric_col);
  return lg_error_set(
      err, LG_EINPUT,
      "%s%s: analysis.metric: heap is a managed runtime's own heap (go, jvm, "
      "node) or the heap Massif measures, and the service is %s (from its "
      "%s) with valgrind.massif off: enable valgrind.massif, or set "
      "service.runtime when a wrapper starts a managed runtime",
      sc->file ? sc->file : "scenario", at, lg_runtime_name(found.kind),
      found.detected_from[0] ? found.detected_from : "command");
}

int lg__rtgc_prepare(rtgc *g, const lg_scenario *sc, const char *out_dir,
                     unsigned port, lg_service_spec *spec, lg_error *err) {
  rt_monitor_opts mo;
  bool managed;
  int rc;

  memset(g, 0, sizeof *g);
  detect(sc, &g->info);
  if (sc->service.pprof &&
      (rc = lg_template_expand(sc->service.pprof, port, &g->pprof, err)) != 0)
    return rc;
  managed = g->info.wrapper || g->info.kind == LG_RUNTIME_GO ||
            g->info.kind == LG_RUNTIME_JVM || g->info.kind == LG_RUNTIME_NODE;
  if (managed) {
    if ((rc = lg__rt_inject(&g->info, out_dir, spec->env, spec->n_env, &g->inj,
                            err)) != 0)
      return rc;
    spec->env = g->inj.env;
    spec->n_env = g->inj.n_env;
    g->switched_on = g->inj.applied[0] != '\0';
  }
  memset(&mo, 0, sizeof mo);
  mo.info = g->info;
  mo.switched_on = g->switched_on;
  mo.out_dir = out_dir;
  mo.tree = lg_procfs_tree;
  if (g->switched_on) {
    char *p = lg__path_join(out_dir, "gc.csv");
    if (!p) {
      lg__rtgc_cleanup(g);
      return lg_error_set(err, LG_ENOMEM, "out of memory");
    }
    snprintf(g->gc_csv, sizeof g->gc_csv, "%s", p);
    free(p);
    mo.gc_csv = g->gc_csv;
  }
  if ((rc = lg__rt_monitor_new(&mo, &g->mon, err)) != 0)
    lg__rtgc_cleanup(g);
  return rc;
}

void lg__rtgc_on_line(void *ctx, int stream, const char *line, size_t len) {
  rtgc *g = ctx;
  lg__rt_monitor_line(g->mon, stream, line, len);
}

void lg__rtgc_sample(void *ctx, lg_sample *row) {
  rtgc *g = ctx;
  lg__rt_monitor_poll(g->mon, g->root);
  lg__rt_monitor_state(g->mon, &row->heap_live_bytes, &row->gc_count,
                       &row->gc_pause_s);
}

static void counters(void *ctx, uint64_t *completed, uint64_t *errors) {
  lg_load_progress p;
  lg_load_progress_get(ctx, &p);
  *completed = p.completed;
  *errors = p.errors;
}

void lg__rtgc_load_started(rtgc *g, lg_load *load) {
  lg__rt_monitor_load_started(g->mon, counters, lg_load_phase_cb, load);
}

#define JCMD_TIMEOUT_S 30
#define JCMD_OUT_MAX (8u << 20)

/* The JDK's own jcmd beside the JVM's executable (the same version), else
 * the first on leakgate's PATH; malloc'd or NULL. */
static char *jcmd_for(pid_t pid) {
  char exe[64], target[4096];
  ssize_t n;
  snprintf(exe, sizeof exe, "/proc/%d/exe", (int)pid);
  n = readlink(exe, target, sizeof target - 16);
  if (n > 0) {
    char *slash;
    target[n] = '\0';
    slash = strrchr(target, '/');
    if (slash) {
      /* readlink left 16 bytes free past the name */
      snprintf(slash + 1, 8, "jcmd");
      if (access(target, X_OK) == 0)
        return strdup(target);
    }
  }
  return lg__which("jcmd");
}

/* A class histogram of the JVM into a new look. */
static int jvm_look(rtgc *g, pid_t pid, double requests, rt_look *look) {
  char *jcmd = jcmd_for(pid), *buf = NULL, pidbuf[24];
  char *argv[4];
  size_t bad = 0;
  int status = 0, rc;
  lg_error e;
  memset(look, 0, sizeof *look);
  look->requests = requests;
  if (!jcmd) {
    snprintf(g->look_error, sizeof g->look_error,
             "no jcmd beside the JVM or on PATH");
    return LG_ETOOL;
  }
  buf = malloc(JCMD_OUT_MAX);
  if (!buf) {
    free(jcmd);
    return LG_ENOMEM;
  }
  snprintf(pidbuf, sizeof pidbuf, "%d", (int)pid);
  argv[0] = jcmd;
  argv[1] = pidbuf;
  argv[2] = "GC.class_histogram";
  argv[3] = NULL;
  rc = lg__run_capture(argv, NULL, JCMD_TIMEOUT_S, buf, JCMD_OUT_MAX, &status,
                       &e);
  if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
    rc = LG_ETOOL;
  if (rc == 0)
    rc = lg__rt_jvm_histogram(buf, strlen(buf), look, &bad);
  if (rc) {
    /* jcmd's own first line says why (attach refused, process gone). */
    snprintf(g->look_error, sizeof g->look_error,
             "jcmd %d GC.class_histogram failed: %.300s", (int)pid,
             rc == LG_ETIMEOUT || rc == LG_ESYS ? e.msg : buf);
    g->look_error[strcspn(g->look_error, "\n")] = '\0';
    lg__rt_look_cleanup(look);
  }
  free(buf);
  free(jcmd);
  return rc;
}

#define PPROF_TIMEOUT_S 10
/* Four looks a second: a 5 s phase already gives the 20 points a slope
 * needs; one costs the service about a millisecond. */
#define GOROUTINE_PERIOD_S 0.25
#define PPROF_MAX (64u << 20)

/* url + name, with the '/' between them once. */
static char *pprof_url(const char *base, const char *name) {
  size_t n = strlen(base) + strlen(name) + 2;
  char *u = malloc(n);
  if (u)
    snprintf(u, n, "%s%s%s", base,
             base[0] && base[strlen(base) - 1] == '/' ? "" : "/", name);
  return u;
}

/* The Go heap profile (after a collection it asks for) into a new look. */
static int go_look(rtgc *g, double requests, rt_look *look) {
  char *url = pprof_url(g->pprof, "heap?gc=1"), *body = NULL;
  size_t len = 0;
  lg_error e;
  int rc;
  memset(look, 0, sizeof *look);
  look->requests = requests;
  if (!url)
    return LG_ENOMEM;
  lg_error_clear(&e);
  rc = lg__rt_http_get(url, PPROF_TIMEOUT_S, PPROF_MAX, &body, &len, &e);
  if (rc == 0)
    rc = lg__rt_go_heap_look(body, len, look, &e);
  if (rc) {
    snprintf(g->look_error, sizeof g->look_error, "%.400s", e.msg);
    lg__rt_look_cleanup(look);
  }
  free(body);
  free(url);
  return rc;
}

void lg__rtgc_tick(rtgc *g, uint64_t completed) {
  char *url, *body = NULL;
  size_t len = 0;
  double now = lg__now_s();
  lg_error e;
  long n;
  if (!g->mon || !g->pprof || now < g->next_goroutines)
    return;
  g->next_goroutines = now + GOROUTINE_PERIOD_S;
  if (!(url = pprof_url(g->pprof, "goroutine?debug=1")))
    return;
  if (lg__rt_http_get(url, PPROF_TIMEOUT_S, PPROF_MAX, &body, &len, &e) == 0 &&
      (n = lg__rt_go_goroutines(body, len)) >= 0) {
    if (g->n_gr == g->cap_gr) {
      size_t cap = g->cap_gr ? 2 * g->cap_gr : 256;
      double *x = realloc(g->gr_x, cap * sizeof *x), *y;
      if (x)
        g->gr_x = x;
      y = x ? realloc(g->gr_y, cap * sizeof *y) : NULL;
      if (y) {
        g->gr_y = y;
        g->cap_gr = cap;
      }
    }
    if (g->n_gr < g->cap_gr) {
      g->gr_x[g->n_gr] = (double)completed;
      g->gr_y[g->n_gr] = (double)n;
      g->n_gr++;
    }
  }
  free(body);
  free(url);
}

void lg__rtgc_look(rtgc *g, uint64_t completed) {
  rt_look look;
  pid_t pid;
  if (!g->mon)
    return;
  if (g->pprof) {
    if (go_look(g, (double)completed, &look) != 0)
      return;
  } else {
    pid = lg__rt_monitor_runtime_pid(g->mon);
    if (!pid && g->info.kind == LG_RUNTIME_JVM)
      pid = g->root;
    if (!pid || lg__rt_monitor_kind(g->mon) != LG_RUNTIME_JVM)
      return;
    if (jvm_look(g, pid, (double)completed, &look) != 0)
      return;
  }
  g->looks++;
  if (!g->first.items) {
    g->first = look;
  } else {
    lg__rt_look_cleanup(&g->last);
    g->last = look;
  }
}

void lg__rtgc_load_stopped(rtgc *g) {
  lg__rt_monitor_load_stopped(g->mon);
}

/* Where the steady load starts: after the first phase when there are
 * several (a warm-up), else after analysis.warmup of the run. */
static double steady_start(const lg_scenario *sc, double duration_scale) {
  const lg_load_spec *l = &sc->load;
  if (l->n_phases > 1)
    return l->phases[0].duration_s * duration_scale;
  return sc->analysis.warmup_fraction * lg_scenario_duration(sc) *
         duration_scale;
}

void lg__rtgc_finish(rtgc *g, const lg_scenario *sc, double duration_scale,
                     rtgc_out *out) {
  memset(out, 0, sizeof *out);
  if (!g->mon)
    return;
  out->monitored = true;
  lg__rt_monitor_summary(g->mon, steady_start(sc, duration_scale),
                         &out->summary);
  snprintf(out->applied, sizeof out->applied, "%s", g->inj.applied);
  snprintf(out->note, sizeof out->note, "%s", g->inj.note);
  snprintf(out->gc_csv, sizeof out->gc_csv, "%s", g->gc_csv);
  out->first = g->first;
  out->last = g->last;
  out->looks = g->looks;
  out->look_tool = g->pprof ? "net/http/pprof heap profile (?gc=1)"
                            : "jcmd GC.class_histogram";
  snprintf(out->look_error, sizeof out->look_error, "%s", g->look_error);
  memset(&g->first, 0, sizeof g->first);
  memset(&g->last, 0, sizeof g->last);
  out->gr_x = g->gr_x;
  out->gr_y = g->gr_y;
  out->n_gr = g->n_gr;
  g->gr_x = g->gr_y = NULL;
  g->n_gr = g->cap_gr = 0;
}

void lg__rtgc_out_cleanup(rtgc_out *out) {
  free(out->gr_x);
  free(out->gr_y);
  out->gr_x = out->gr_y = NULL;
  lg__rt_summary_cleanup(&out->summary);
  lg__rt_look_cleanup(&out->first);
  lg__rt_look_cleanup(&out->last);
}

void lg__rtgc_cleanup(rtgc *g) {
  lg__rt_monitor_free(g->mon);
  g->mon = NULL;
  lg__rt_injection_cleanup(&g->inj);
  lg__rt_look_cleanup(&g->first);
  lg__rt_look_cleanup(&g->last);
  free(g->pprof);
  free(g->gr_x);
  free(g->gr_y);
  g->pprof = NULL;
  g->gr_x = g->gr_y = NULL;
}

static char *dup_nonempty(const char *s) {
  return s && *s ? strdup(s) : NULL;
}

/* "a; b" of the two notes that are set. */
static char *join_notes(const char *a, const char *b) {
  size_t n;
  char *out;
  if (!a[0] || !b[0])
    return dup_nonempty(a[0] ? a : b);
  n = strlen(a) + strlen(b) + 3;
  out = malloc(n);
  if (out)
    snprintf(out, n, "%s; %s", a, b);
  return out;
}

#define MAX_SITES 10

/* A class name, or a Go stack key ("function file:line" frames joined by
 * newlines: runtime/go_prof.c) as a site named by its first frame. */
static lg_runtime_site *add_site(lg_runtime_result *rt, const char *name) {
  char fn[512], file[1024];
  const char *nl, *p;
  lg_runtime_site *x;
  long long line = 0;
  if (!strchr(name, ' '))
    return lg_result_add_runtime_site(rt, "class", name, NULL, 0);
  /* "function file:line" */
  if (sscanf(name, "%511s %1023[^\n]", fn, file) != 2)
    return lg_result_add_runtime_site(rt, "stack", name, NULL, 0);
  p = strrchr(file, ':');
  if (p) {
    line = strtoll(p + 1, NULL, 10);
    file[p - file] = '\0';
  }
  x = lg_result_add_runtime_site(rt, "stack", fn, file,
                                 line > 0 && line < 1000000000 ? (int)line : 0);
  for (p = name; x && p && *p; p = nl ? nl + 1 : NULL) {
    char frame[1536];
    size_t n;
    nl = strchr(p, '\n');
    n = nl ? (size_t)(nl - p) : strlen(p);
    snprintf(frame, sizeof frame, "%.*s", (int)(n < 1535 ? n : 1535), p);
    if (lg_runtime_site_add_frame(x, frame))
      break;
  }
  return x;
}
#define MIN_GROWTH_BYTES 65536.0

/* The classes whose live bytes grew between the first and the last look. */
static void attribution(const rtgc_out *o, const lg_scenario *sc,
                        lg_runtime_result *rt) {
  rt_look a = o->first, b = o->last;
  rt_grown *g = NULL;
  double dx = b.requests - a.requests, min;
  size_t n = 0, i;
  char text[256];
  if (o->looks == 0 && !o->look_error[0])
    return;
  if (o->looks < 2) {
    snprintf(text, sizeof text, "%s: %d look%s, two are needed%s%.150s",
             o->look_tool, o->looks, o->looks == 1 ? "" : "s",
             o->look_error[0] ? ": " : "", o->look_error);
    rt->attribution = strdup(text);
    return;
  }
  snprintf(text, sizeof text,
           "%s at %.0f and %.0f requests (a full collection each)",
           o->look_tool, a.requests, b.requests);
  rt->attribution = strdup(text);
  /* Growth worth naming: a byte a request at least, or 64 KiB. */
  min = dx > 0 ? fmax(MIN_GROWTH_BYTES,
                      dx * fmin(1.0, sc->analysis.tolerance_bytes))
               : MIN_GROWTH_BYTES;
  if (lg__rt_look_growth(&a, &b, min, MAX_SITES, &g, &n) != 0)
    return;
  for (i = 0; i < n; i++) {
    lg_runtime_site *x = add_site(rt, g[i].name);
    if (!x)
      break;
    x->first_bytes = g[i].bytes0;
    x->last_bytes = g[i].bytes1;
    x->growth_bytes = g[i].bytes1 - g[i].bytes0;
    x->first_count = g[i].count0;
    x->last_count = g[i].count1;
    x->bytes_per_request = g[i].per_request;
  }
  free(g);
}

/* Goroutines per request, judged like memory: a goroutine leak is a leak.
 * A tenth of a goroutine per thousand requests is the tolerance. */
#define GOROUTINE_TOLERANCE 1e-4

static void goroutines(const rtgc_out *o, const lg_scenario *sc,
                       lg_runtime_result *rt) {
  lg_series *s = NULL;
  lg_analysis a;
  lg_analysis_opts ao;
  lg_error e;
  if (o->n_gr == 0)
    return;
  rt->goroutines_points = (int64_t)o->n_gr;
  rt->goroutines_first = (int64_t)o->gr_y[0];
  rt->goroutines_last = (int64_t)o->gr_y[o->n_gr - 1];
  /* The series itself, for the reports' goroutine chart (a copy failing
   * for memory leaves it out; the verdict below does not need it). */
  (void)lg_chart_set(&rt->goroutine_chart, o->gr_x, o->gr_y, o->n_gr, 400);
  lg__run_analysis_opts(sc, &ao);
  ao.tolerance = GOROUTINE_TOLERANCE;
  if (lg_series_from_arrays(o->gr_x, o->gr_y, NULL, o->n_gr, "goroutines",
                            "requests", &s, &e) != 0 ||
      lg_analyze(s, &ao, &a, &e) != 0) {
    rt->goroutines_leak = LG_LEAK_UNKNOWN; /* too few looks: not judged */
    lg_series_free(s);
    return;
  }
  rt->goroutines_slope = a.slope;
  rt->goroutines_lo = a.slope_lo;
  rt->goroutines_hi = a.slope_hi;
  rt->goroutines_leak = a.leak;
  lg_series_free(s);
}

void lg__rtgc_to_result(const rtgc_out *o, const lg_scenario *sc,
                        const char *note, lg_result *r) {
  const rt_summary *s = &o->summary;
  lg_runtime_result *rt = &r->runtime;
  char inj_note[sizeof o->note];
  size_t i, n;

  if (!o->monitored)
    return;
  /* The injection's note ends in "; " between its items. */
  snprintf(inj_note, sizeof inj_note, "%s", o->note);
  n = strlen(inj_note);
  while (n > 0 && (inj_note[n - 1] == ' ' || inj_note[n - 1] == ';'))
    inj_note[--n] = '\0';
  rt->name = strdup(lg_runtime_name(s->info.kind));
  rt->version = dup_nonempty(s->info.version);
  rt->detected_from = dup_nonempty(s->info.detected_from);
  rt->gc_report = dup_nonempty(o->applied);
  rt->note = join_notes(inj_note, note ? note : "");
  if (s->gc_csv_error[0]) {
    char *more = join_notes(rt->note ? rt->note : "", s->gc_csv_error);
    free(rt->note);
    rt->note = more;
  }
  rt->gc_file = dup_nonempty(o->gc_csv);
  if (o->gc_csv[0]) {
    rt->processes = s->processes;
    rt->collections = s->events;
    rt->full_collections = s->full_events;
    rt->pause_s = s->pause_s;
    rt->malformed_lines = s->bad_lines;
    rt->heap_live_bytes = s->live_bytes;
    rt->heap_live_peak_bytes = s->peak_live_bytes;
    rt->heap_max_bytes = s->heap_max_bytes;
    for (i = 0; i < s->n_phases; i++) {
      const rt_phase_gc *p = &s->phases[i];
      double span = p->last_t - p->first_t;
      (void)lg_result_add_runtime_phase(
          rt, p->name, p->events, p->full_events, p->pause_s,
          span > 0 ? p->pause_s / span : NAN, p->last_live_bytes);
    }
  }
  rt->oom_lines = s->oom_lines;
  rt->oom_line = dup_nonempty(s->oom_line);
  /* What the runtime checks compare (result/finish.c derives them). */
  if (s->first.t1 > s->first.t0 && s->last.t1 > s->last.t0) {
    const rt_window *w[3] = {&s->first, &s->last, &s->collecting};
    for (i = 0; i < 3; i++) {
      rt->windows[i].from_s = w[i]->t0;
      rt->windows[i].to_s = w[i]->t1;
      rt->windows[i].requests = w[i]->requests;
      rt->windows[i].errors = w[i]->errors;
      rt->windows[i].pause_s = w[i]->pause_s;
      rt->windows[i].full_collections = w[i]->full_events;
      rt->windows[i].heap_live_bytes = w[i]->live_bytes;
    }
    rt->n_windows = 3;
  }
  attribution(o, sc, rt);
  goroutines(o, sc, rt);
  r->heap_full = sc->analysis.heap_full;
  r->gc_time_max = sc->analysis.gc_time_max;
  r->throughput_floor = sc->analysis.throughput_floor;
}
