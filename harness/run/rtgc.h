/* run/rtgc.h - a session's managed-runtime GC report (issue 12): detect the
 * runtime before the service starts, switch its GC report on through the
 * service's environment, and feed what it reports into samples.csv,
 * gc.csv and the session's result (run/rtgc.c; docs/runtimes.md).
 * Ownership: lg__rtgc_prepare fills an rtgc owned by the session;
 * lg__rtgc_cleanup frees it (after the service is freed: the capture thread
 * calls into it until then). */
#ifndef LG_RUN_RTGC_H
#define LG_RUN_RTGC_H

#include "runtime/attrib.h"
#include "runtime/inject.h"
#include "runtime/monitor.h"

#include <leakgate/leakgate.h>
#include <leakgate/runtime.h>

typedef struct rtgc {
  rt_monitor *mon;
  rt_injection inj;
  lg_runtime_info info;
  bool switched_on; /* a GC report was switched on */
  pid_t root;       /* the service, for the process scan */
  char gc_csv[4096];
  /* Attribution: the first and the latest look (class histogram, Go heap
   * profile). */
  rt_look first, last;
  int looks;
  char look_error[512];   /* why the last try failed; "" */
  char *pprof;            /* service.pprof with {{port}} filled; NULL none */
  double next_goroutines; /* when to ask for the goroutine count next */
  double *gr_x, *gr_y;    /* goroutines (y) at requests (x) */
  size_t n_gr, cap_gr;
} rtgc;

/* What the session keeps of it (session_out.runtime). */
typedef struct rtgc_out {
  bool monitored;      /* the session watched the runtime at all */
  rt_summary summary;  /* info, events, phases, out-of-memory lines */
  char applied[1024];  /* the switches set ("" none) */
  char note[512];      /* switches left out, and why */
  char gc_csv[4096];   /* "" when none was written */
  rt_look first, last; /* attribution looks (moved from rtgc) */
  int looks;
  char look_error[512];
  const char *look_tool; /* "jcmd GC.class_histogram", "net/http/pprof ..." */
  double *gr_x, *gr_y;   /* the goroutine series (moved from rtgc) */
  size_t n_gr;
} rtgc_out;

/* Detect (service.runtime: auto) or take the scenario's runtime, merge the
 * switches into spec->env (spec keeps pointing into g until cleanup), and
 * start the monitor with gc.csv in out_dir. A program that cannot be found
 * is not an error here (the service start reports it). */
int lg__rtgc_prepare(rtgc *g, const lg_scenario *sc, const char *out_dir,
                     unsigned port, lg_service_spec *spec, lg_error *err);
/* Hooks for lg_service_opts.on_line and lg_sampler_opts.gc (ctx = g). */
void lg__rtgc_on_line(void *ctx, int stream, const char *line, size_t len);
void lg__rtgc_sample(void *ctx, lg_sample *row);
/* Take a look at what the runtime holds (JVM: jcmd GC.class_histogram) at
 * a phase boundary or at the end of the load, completed requests so far;
 * a failure is kept for the result's note, never stops the run. Runs the
 * runtime's tool synchronously (a second or two). */
void lg__rtgc_look(rtgc *g, uint64_t completed);
/* Called from the session's loop while the load runs: a Go service with
 * service.pprof is asked for its goroutine count four times a second. */
void lg__rtgc_tick(rtgc *g, uint64_t completed);
/* The load starts now (just before the sampler). */
void lg__rtgc_load_started(rtgc *g, lg_load *load);
/* The load is about to be freed (before lg_load_free). */
void lg__rtgc_load_stopped(rtgc *g);
/* After the service is gone: the summary into out (duration_scale: the
 * session's, for where the steady load starts). */
void lg__rtgc_finish(rtgc *g, const lg_scenario *sc, double duration_scale,
                     rtgc_out *out);
void lg__rtgc_cleanup(rtgc *g);
/* Free what lg__rtgc_finish moved into out. */
void lg__rtgc_out_cleanup(rtgc_out *out);
/* The runtime section of r from what the session kept, and the scenario's
 * thresholds of the runtime checks (gates.*; result/finish.c derives the
 * checks); note (may be "") is why the runtime's heap was not judged. */
void lg__rtgc_to_result(const rtgc_out *o, const lg_scenario *sc,
                        const char *note, lg_result *r);

#endif
