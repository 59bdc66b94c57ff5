/* leakgate/result.h - the result model: what one scenario run found.
 *
 * Every stage fills its own section (runner: load, container, service;
 * analysis; valgrind tiers; baseline) and lg_result_finish() derives the
 * verdict, exit code, reasons and checks from them. Reporters read only this
 * model. result.json (schema_version 1, DESIGN section 2) is its JSON form:
 * lg_result_to_json/lg_result_from_json round-trip it.
 *
 * Conventions: doubles are NAN when unknown (written as JSON null); integer
 * counts are -1 when unknown; strings may be NULL (null).
 * Fields: each section's result.json fields are listed once, in document
 * order, by its LG_<SECTION>_FIELDS list (row types: leakgate/fields.h);
 * the struct members, the JSON writer and reader, lg_result_new's unknown
 * values and lg_result_free follow from the lists. To add a scalar field,
 * add one row to its section's list and document the key in
 * docs/result.md and docs/result-schema.json (harness/README.md).
 * Ownership: lg_result_new allocates; lg_result_free frees the result and
 * everything reachable from it. Arrays are grown with the lg_result_add_*
 * helpers, which copy their string arguments.
 */
#ifndef LEAKGATE_RESULT_H
#define LEAKGATE_RESULT_H

#include <leakgate/analysis.h>
#include <leakgate/error.h>
#include <leakgate/fields.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LG_SCHEMA_VERSION 1

typedef enum {
  LG_VERDICT_PASS = 0,
  LG_VERDICT_FAIL,
  LG_VERDICT_INCONCLUSIVE,
  LG_VERDICT_ERROR
} lg_verdict;

typedef enum {
  LG_CHECK_PASS = 0,
  LG_CHECK_FAIL,
  LG_CHECK_INCONCLUSIVE,
  LG_CHECK_ERROR,
  LG_CHECK_SKIPPED
} lg_check_status;

typedef struct lg_check {
  char *name; /* growth, oom, crash, memcheck, massif, baseline, time-to-limit,
                 ... */
  lg_check_status status;
  char *message;
  /* Set on checks lg_result_finish derived (and on checks with those names
   * read back from JSON). A check added with lg_result_add_check under one
   * of finish's names (e.g. "growth" with the analysis error) is not
   * derived: it overrides finish's own check of that name. */
  bool derived;
} lg_check;

/* The elements of arrays list their fields too, with H rows: their members
 * are declared by hand (code builds them positionally), and an A row of
 * the section (a records codec, harness/result/sections.c) writes and reads
 * the array from these lists. */
#define LG_PHASE_FIELDS(X, H, A)                                               \
  H(STR, name, "name")                                                         \
  H(COUNT, requests, "requests")                                               \
  H(COUNT, errors, "errors")                                                   \
  H(NUM, duration_s, "duration_s")                                             \
  H(NUM, target_rate, "target_rate")

typedef struct lg_phase_stats {
  char *name;
  int64_t requests, errors;
  double duration_s;
  double target_rate; /* mean intended rate; NAN for closed model */
} lg_phase_stats;

/* load{}. Extensions: errors_by_kind (the error breakdown); the exec
 * driver's exit status; open-model requests that were due but never sent
 * because every connection was busy (dropped); a one-paragraph human
 * summary of errors, drops and the exec command's end (message). */
#define LG_LOAD_FIELDS(X, H, A)                                                \
  X(STR, driver, "driver") /* NULL = the load did not run */                   \
  X(COUNT, requests, "requests")                                               \
  X(COUNT, errors, "errors")                                                   \
  X(NUM, duration_s, "duration_s")                                             \
  X(NUM, throughput_rps, "throughput_rps")                                     \
  X(NUM, p50_ms, "latency_ms.p50")                                             \
  X(NUM, p90_ms, "latency_ms.p90")                                             \
  X(NUM, p99_ms, "latency_ms.p99")                                             \
  X(NUM, max_ms, "latency_ms.max")                                             \
  X(COUNT, err_connect, "errors_by_kind.connect")                              \
  X(COUNT, err_read, "errors_by_kind.read")                                    \
  X(COUNT, err_write, "errors_by_kind.write")                                  \
  X(COUNT, err_timeout, "errors_by_kind.timeout")                              \
  X(COUNT, err_status, "errors_by_kind.status")                                \
  X(COUNT, err_parse, "errors_by_kind.parse")                                  \
  X(INT, exec_exit_status, "exec_exit_status") /* exec driver; -1 n/a */       \
  A(load_phases, "phases")                     /* phases, n_phases */          \
  X(COUNT, dropped, "dropped")                                                 \
  X(STR, message, "message") /* NULL = nothing to say */

typedef struct lg_load_result {
  LG_LOAD_FIELDS(LG_FIELD_MEMBER, LG_FIELD_NONE, LG_FIELD_NONE)
  lg_phase_stats *phases;
  size_t n_phases;
} lg_load_result;

/* container{}. backend: "cgroup-v1", "cgroup-v2", "systemd", "docker",
 * "podman", "none". Extensions: the cgroup path used; a note on why the
 * box is weaker than asked (e.g. auto fell back to none), NULL if it is
 * what the scenario asked for. */
#define LG_CONTAINER_FIELDS(X, H, A)                                           \
  X(STR, backend, "backend")                                                   \
  X(BYTES, memory_limit_bytes, "memory_limit_bytes")                           \
  X(BYTES, peak_bytes, "peak_bytes")                                           \
  X(COUNT, oom_kills, "oom_kills")                                             \
  X(STR, path, "path")                                                         \
  X(STR, note, "note")

typedef struct lg_container_result {
  LG_CONTAINER_FIELDS(LG_FIELD_MEMBER, LG_FIELD_NONE, LG_FIELD_NONE)
} lg_container_result;

/* service{}. crashed: died of a fatal signal (or exited) before leakgate
 * stopped it; signal_name is written from signal. */
#define LG_SERVICE_FIELDS(X, H, A)                                             \
  X(INT, exit_status, "exit_status") /* -1 when killed by a signal/unknown */  \
  X(POS, signal, "signal")           /* 0 when none */                         \
  X(BOOL, crashed, "crashed")                                                  \
  A(service_signal_name, "signal_name")                                        \
  X(BOOL, oom_killed, "oom_killed")                                            \
  X(NUM, ready_s, "ready_s")       /* time to readiness; NAN if never ready */ \
  X(STR, stdout_log, "stdout_log") /* paths in the out dir */                  \
  X(STR, stderr_log, "stderr_log")

typedef struct lg_service_result {
  LG_SERVICE_FIELDS(LG_FIELD_MEMBER, LG_FIELD_NONE, LG_FIELD_NONE)
} lg_service_result;

#define LG_FRAME_FIELDS(X, H, A)                                               \
  H(STR, function, "function")                                                 \
  H(STR, file, "file")                                                         \
  H(POS, line, "line")                                                         \
  H(STR, object, "object")

typedef struct lg_frame {
  char *function, *file, *object;
  int line; /* 0 when unknown */
} lg_frame;

#define LG_LEAK_RECORD_FIELDS(X, H, A)                                         \
  H(STR, kind, "kind")                                                         \
  H(BYTES, bytes, "bytes")                                                     \
  H(COUNT, blocks, "blocks")                                                   \
  H(STR, fingerprint, "fingerprint")                                           \
  A(leak_stack, "stack")

typedef struct lg_leak_record {
  char *kind; /* definite, indirect, possible, reachable */
  double bytes;
  int64_t blocks;
  char *fingerprint;
  lg_frame *stack;
  size_t n_stack;
} lg_leak_record;

/* A Memcheck error that is not a leak (an invalid read, a use of an
 * uninitialised value, ...): Valgrind's kind ("InvalidRead"), its own
 * words ("Invalid read of size 4"), how often it happened and the primary
 * stack. */
#define LG_MEMCHECK_ERROR_FIELDS(X, H, A)                                      \
  H(STR, kind, "kind")                                                         \
  H(STR, what, "what")                                                         \
  H(COUNT, count, "count")                                                     \
  A(error_stack, "stack")

typedef struct lg_memcheck_error {
  char *kind, *what;
  int64_t count;
  lg_frame *stack;
  size_t n_stack;
} lg_memcheck_error;

/* At most this many distinct errors are kept with their stacks (most
 * frequent first); every error is still counted in memcheck.errors. */
#define LG_MEMCHECK_MAX_ERROR_RECORDS 100

/* memcheck{}. Gate (extensions): the runner copies enabled, fail_on and
 * budget_bytes from the scenario; a tier that was meant to run (enabled) but
 * did not (ran false) is an error. */
#define LG_MEMCHECK_FIELDS(X, H, A)                                            \
  X(BOOL, ran, "ran")                                                          \
  X(BYTES, definitely_lost_bytes, "definitely_lost_bytes")                     \
  X(BYTES, indirectly_lost_bytes, "indirectly_lost_bytes")                     \
  X(BYTES, possibly_lost_bytes, "possibly_lost_bytes")                         \
  X(COUNT, errors, "errors")                                                   \
  A(memcheck_leaks, "leaks")     /* leaks, n_leaks */                          \
  X(BOOL, enabled, "enabled")    /* the run meant to do a Memcheck pass */     \
  A(memcheck_fail_on, "fail_on") /* fail_on */                                 \
  X(BYTES, budget_bytes, "budget_bytes") /* of the fail_on kinds; NAN = 0 */   \
  X(BOOL, failed, "failed")              /* set by lg_result_finish */         \
  X(STR, xml_file, "xml_file")                                                 \
  X(STR, note, "note") /* why it did not run / what went wrong; NULL if fine   \
                        */                                                     \
  X(COUNT, requests, "requests")      /* completed by Memcheck's own run */    \
  A(memcheck_errors, "error_records") /* error_records, n_error_records */

typedef struct lg_memcheck_result {
  LG_MEMCHECK_FIELDS(LG_FIELD_MEMBER, LG_FIELD_NONE, LG_FIELD_NONE)
  lg_leak_record *leaks;
  size_t n_leaks;
  lg_memcheck_error *error_records;
  size_t n_error_records;
  unsigned
      fail_on; /* LG_FAIL_* bits of scenario.h; default definite|indirect */
} lg_memcheck_result;

#define LG_GROWING_SITE_FIELDS(X, H, A)                                        \
  H(STR, function, "function")                                                 \
  H(STR, file, "file")                                                         \
  H(POS, line, "line")                                                         \
  H(BYTES, first_bytes, "first_bytes")                                         \
  H(BYTES, last_bytes, "last_bytes")                                           \
  H(NUM, growth_bytes, "growth_bytes")

typedef struct lg_growing_site {
  char *function, *file;
  int line;
  double first_bytes, last_bytes, growth_bytes;
} lg_growing_site;

/* massif{}. Extensions: enabled, the heap curve for charts (heap{x, y}),
 * the growth analysis of the heap series (heap_analysis, null when there is
 * none), out_file, note. */
#define LG_MASSIF_FIELDS(X, H, A)                                              \
  X(BOOL, ran, "ran")                                                          \
  X(BYTES, peak_heap_bytes, "peak_heap_bytes")                                 \
  A(massif_sites, "growing_sites") /* growing_sites, n_sites */                \
  X(BOOL, enabled, "enabled")      /* the run meant to do a Massif pass */     \
  A(massif_heap, "heap")           /* heap_x, heap_y, n_heap */                \
  A(massif_heap_analysis, "heap_analysis") /* heap_analysis */                 \
  X(STR, out_file, "out_file")                                                 \
  X(STR, note, "note")                                                         \
  X(COUNT, requests, "requests") /* completed by Massif's own run */

typedef struct lg_massif_result {
  LG_MASSIF_FIELDS(LG_FIELD_MEMBER, LG_FIELD_NONE, LG_FIELD_NONE)
  lg_growing_site *growing_sites;
  size_t n_sites;
  lg_analysis heap_analysis;
  double *heap_x, *heap_y;
  size_t n_heap;
} lg_massif_result;

/* A growing allocation site of the heap-profile tier (docs/heap-profile.md):
 * live bytes of one allocation stack against the section's x. */
#define LG_HEAP_SITE_FIELDS(X, H, A)                                           \
  H(STR, function, "function")                                                 \
  H(STR, file, "file")                                                         \
  H(POS, line, "line")                                                         \
  H(STR, fingerprint, "fingerprint")                                           \
  H(NUM, bytes_per_request, "bytes_per_request")                               \
  H(PAIR, ci, "ci")                                                            \
  A(heap_site_stack, "stack")                                                  \
  H(BYTES, first_bytes, "first_bytes")                                         \
  H(BYTES, last_bytes, "last_bytes")                                           \
  H(COUNT, samples, "samples")                                                 \
  H(BOOL, known, "known")

typedef struct lg_heap_site {
  char *function, *file; /* the first frame after the allocator frames */
  int line;
  char *fingerprint; /* lg_stack_fingerprint of the stack */
  double bytes_per_request, ci_lo, ci_hi; /* per x unit; CI of lg_analyze */
  double first_bytes, last_bytes; /* estimated live bytes at the start and
                                     end of the analysed span (extension) */
  int64_t samples; /* sampled allocations behind it (extension) */
  lg_frame *stack; /* leaf first, allocator frames dropped */
  size_t n_stack;
  bool known; /* in the baseline too and not faster there: the
                 heap_profile check does not fail on it */
} lg_heap_site;

/* heap_profile{}: the sampled heap-profile tier at full load
 * (docs/heap-profile.md). tool: "sampler" (leakgate's heap sampler) or the
 * input format of analyze ("pprof", "gperftools"); period_bytes: mean bytes
 * between samples; snapshots: heap snapshots written (or read);
 * throughput_ratio: the tier's requests/s over the main run's.
 * Extensions: x ("requests", "seconds", "index": what the rates are per),
 * dir (snapshots and sample streams), note (why it did not run / what went
 * wrong), samples (sampled allocations read), requests (completed by the
 * tier's own run), peak_bytes (its memory peak), sites_analyzed, enabled
 * (the run meant to do a heap-profile pass), required
 * (heap_profile.required: not running is an error), unsupported (it did not
 * run because the service cannot be profiled: skipped unless required),
 * failed (set by lg_result_finish). */
#define LG_HEAP_PROFILE_FIELDS(X, H, A)                                        \
  X(BOOL, ran, "ran")                                                          \
  X(STR, tool, "tool")                                                         \
  X(BYTES, period_bytes, "period_bytes")                                       \
  X(COUNT, snapshots, "snapshots")                                             \
  X(NUM, throughput_ratio, "throughput_ratio")                                 \
  A(heap_sites, "growing_sites") /* growing_sites, n_sites */                  \
  X(STR, x, "x")                                                               \
  X(STR, dir, "dir")                                                           \
  X(STR, note, "note")                                                         \
  X(COUNT, samples, "samples")                                                 \
  X(COUNT, requests, "requests")                                               \
  X(BYTES, peak_bytes, "peak_bytes")                                           \
  X(COUNT, sites_analyzed, "sites_analyzed")                                   \
  X(BOOL, enabled, "enabled")                                                  \
  X(BOOL, required, "required")                                                \
  X(BOOL, unsupported, "unsupported")                                          \
  X(BOOL, failed, "failed")

typedef struct lg_heap_profile_result {
  LG_HEAP_PROFILE_FIELDS(LG_FIELD_MEMBER, LG_FIELD_NONE, LG_FIELD_NONE)
  lg_heap_site *growing_sites; /* ranked by bytes_per_request */
  size_t n_sites;
} lg_heap_profile_result;

/* Points for charts: a downsampled copy of the analysed series. */
typedef struct lg_chart {
  double *x, *y;
  size_t n;
  double oom_x; /* x of the OOM kill; NAN if none */
} lg_chart;

/* runtime{} (issue 12, docs/runtimes.md): the managed runtime the service
 * runs on and what its own GC report said. name is native, go, jvm, node or
 * python (NULL: not known, e.g. `analyze`); gc_report the switches leakgate
 * set (NULL: none); note what could not be done and why (a switch left out,
 * the live heap too sparse to judge); gc_file the gc.csv of the events. */
/* An element of gc.phases (H rows: the struct below keeps its layout). */
#define LG_RUNTIME_PHASE_FIELDS(X, H, A)                                       \
  H(STR, name, "name")                                                         \
  H(COUNT, collections, "collections")                                         \
  H(COUNT, full_collections, "full_collections")                               \
  H(NUM, pause_s, "pause_seconds")                                             \
  H(NUM, gc_time_share, "gc_time_share")                                       \
  H(NUM, heap_live_bytes, "heap_live_bytes")

typedef struct lg_runtime_phase {
  char *name;
  int64_t collections, full_collections;
  double pause_s;         /* summed pauses */
  double gc_time_share;   /* pauses over the phase's span of events */
  double heap_live_bytes; /* after its last full collection */
} lg_runtime_phase;

/* A class (JVM GC.class_histogram) or an allocation stack (Go heap profile)
 * whose retained bytes grew between the first and the last look. */
/* An element of growing[] (H rows: the struct below keeps its layout). */
#define LG_RUNTIME_SITE_FIELDS(X, H, A)                                        \
  H(STR, kind, "kind")                                                         \
  H(STR, name, "name")                                                         \
  H(STR, file, "file")                                                         \
  H(POS, line, "line")                                                         \
  H(NUM, first_bytes, "first_bytes")                                           \
  H(NUM, last_bytes, "last_bytes")                                             \
  H(NUM, growth_bytes, "growth_bytes")                                         \
  H(COUNT, first_count, "first_count")                                         \
  H(COUNT, last_count, "last_count")                                           \
  H(NUM, bytes_per_request, "bytes_per_request")                               \
  A(runtime_site_stack, "stack") /* stack, n_stack */

typedef struct lg_runtime_site {
  char *kind; /* "class" or "stack" */
  char *name; /* the class, or the stack's first frame of the program */
  char *file; /* stacks: that frame's file and line (NULL / 0) */
  int line;
  double first_bytes, last_bytes, growth_bytes;
  int64_t first_count, last_count; /* instances / objects; -1 unknown */
  double bytes_per_request;        /* growth over the requests between */
  char **stack;                    /* stacks: "function file:line" frames */
  size_t n_stack;
} lg_runtime_site;

/* A stretch of the steady load: its first fifth, its last fifth, and the
 * last fifth of the time the runtime was collecting (ending at its last
 * collection). What the runtime checks compare; seconds on the run's
 * clock. */
typedef struct lg_runtime_window {
  double from_s, to_s;
  double requests, errors; /* completed, failed in it */
  double pause_s;          /* GC pauses in it */
  int64_t full_collections;
  double heap_live_bytes; /* after its last full collection; NAN none */
} lg_runtime_window;

#define LG_RUNTIME_FIELDS(X, H, A)                                             \
  X(STR, name, "name")                                                         \
  X(STR, version, "version")                                                   \
  X(STR, detected_from, "detected_from")                                       \
  X(STR, gc_report, "gc_report")                                               \
  X(STR, note, "note")                                                         \
  X(STR, gc_file, "gc_file")                                                   \
  X(COUNT, processes, "processes") /* that reported their GC */                \
  X(COUNT, collections, "gc.collections")                                      \
  X(COUNT, full_collections, "gc.full_collections")                            \
  X(NUM, pause_s, "gc.pause_seconds")                                          \
  X(COUNT, malformed_lines, "gc.malformed_lines") /* skipped, counted */       \
  X(BYTES, heap_live_bytes, "gc.heap_live_bytes") /* after the last full */    \
  X(BYTES, heap_live_peak_bytes, "gc.heap_live_peak_bytes")                    \
  X(BYTES, heap_max_bytes, "gc.heap_max_bytes") /* ceiling; NAN unknown */     \
  A(runtime_phases, "gc.phases")                /* phases, n_phases */         \
  A(runtime_windows, "gc.windows") /* windows, n_windows (0 or 3) */           \
  X(COUNT, oom_lines, "out_of_memory.lines")                                   \
  X(STR, oom_line, "out_of_memory.first_line")                                 \
  X(STR, attribution, "attribution") /* how sites were found; NULL none */     \
  X(COUNT, goroutines_points, "goroutines.points") /* Go with pprof */         \
  X(COUNT, goroutines_first, "goroutines.first")                               \
  X(COUNT, goroutines_last, "goroutines.last")                                 \
  X(NUM, goroutines_slope, "goroutines.per_request")                           \
  X(PAIR, goroutines, "goroutines.ci")                                         \
  X(LEAK, goroutines_leak, "goroutines.leak")                                  \
  A(runtime_goroutines_series, "goroutines.series") /* goroutine_chart */      \
  X(STR, memory_metric, "memory.metric") /* judged beside the heap */          \
  X(STR, memory_x, "memory.x")                                                 \
  X(NUM, memory_slope, "memory.slope")                                         \
  X(PAIR, memory, "memory.ci")                                                 \
  X(LEAK, memory_leak, "memory.leak")                                          \
  A(runtime_sites, "growing") /* sites, n_sites */

typedef struct lg_runtime_result {
  LG_RUNTIME_FIELDS(LG_FIELD_MEMBER, LG_FIELD_NONE, LG_FIELD_NONE)
  lg_runtime_phase *phases;
  size_t n_phases;
  lg_runtime_site *sites;
  size_t n_sites;
  lg_runtime_window windows[3]; /* first, last, last while collecting */
  size_t n_windows;
  lg_chart goroutine_chart; /* goroutines (y) at requests (x), downsampled */
} lg_runtime_result;

typedef enum {
  LG_BASELINE_NONE = 0,
  LG_BASELINE_REGRESSION,
  LG_BASELINE_NO_REGRESSION,
  LG_BASELINE_INCONCLUSIVE
} lg_baseline_verdict;

/* baseline{}. Slopes are bytes per request. Extensions (docs/baseline.md):
 * known_leaks (fingerprints present on both sides), baseline_slope,
 * history_limit (median + 3 robust SD of the history), tolerance (what the
 * delta may reach), grown_leaks (fingerprints in the baseline whose bytes
 * grew beyond the leak growth tolerance: they fail the check),
 * baseline_leak (the baseline run's growth verdict: a leak on both sides is
 * known, not failed), missing (no usable baseline: no file, no entry for
 * this scenario, another baseline_version or metric) and missing_policy
 * (missing_fails: a missing baseline fails the check instead of passing
 * with a note). */
#define LG_BASELINE_FIELDS(X, H, A)                                            \
  X(STR, file, "file")                                                         \
  A(baseline_verdict, "verdict") /* verdict */                                 \
  X(NUM, slope_delta, "slope_delta_bytes_per_request")                         \
  X(PAIR, delta, "delta_ci")                                                   \
  A(baseline_new_leaks, "new_leaks")     /* new_leaks, n_new_leaks */          \
  A(baseline_known_leaks, "known_leaks") /* known_leaks, n_known_leaks */      \
  X(NUM, baseline_slope, "baseline_slope_bytes_per_request")                   \
  X(NUM, history_limit, "history_limit_bytes_per_request")                     \
  X(NUM, tolerance, "tolerance_bytes_per_request")                             \
  X(STR, note, "note") /* e.g. "baseline missing", "schema version 2" */       \
  A(baseline_grown_leaks, "grown_leaks") /* grown_leaks, n_grown_leaks */      \
  X(LEAK, baseline_leak, "baseline_leak")                                      \
  X(BOOL, missing, "missing")                                                  \
  A(baseline_missing_policy, "missing_policy") /* missing_fails */

typedef struct lg_baseline_result {
  LG_BASELINE_FIELDS(LG_FIELD_MEMBER, LG_FIELD_NONE, LG_FIELD_NONE)
  lg_baseline_verdict verdict;
  char **new_leaks; /* fingerprints not in the baseline */
  size_t n_new_leaks;
  char **known_leaks;
  size_t n_known_leaks;
  char **grown_leaks;
  size_t n_grown_leaks;
  bool missing_fails;
} lg_baseline_result;

/* The top level of result.json. Extensions: scenario.profile (the applied
 * --profile, NULL = none), chart, gates (the scenario's gates, so report and
 * merge re-derive the same verdict; max_time_to_limit_s NAN = not gated),
 * error, interrupted, out_dir, started_at. */
#define LG_RESULT_FIELDS(X, H, A, S)                                           \
  A(schema_version, "schema_version")                                          \
  A(tool, "tool") /* {name, version}: tool_version, NULL = this leakgate */    \
  X(STR, scenario_name, "scenario.name")                                       \
  X(STR, scenario_file, "scenario.file")                                       \
  X(STR, scenario_profile, "scenario.profile")                                 \
  A(verdict, "verdict")     /* verdict */                                      \
  A(exit_code, "exit_code") /* exit_code */                                    \
  A(reasons, "reasons")     /* reasons, n_reasons */                           \
  A(checks, "checks")       /* checks, n_checks */                             \
  A(analysis, "analysis")   /* analysis, has_analysis */                       \
  S(load, "load")                                                              \
  S(container, "container")                                                    \
  S(service, "service")                                                        \
  S(memcheck, "memcheck")                                                      \
  S(massif, "massif")                                                          \
  S(heap_profile, "heap_profile")                                              \
  S(baseline, "baseline")                                                      \
  S(runtime, "runtime")                                                        \
  A(chart, "chart")                           /* chart */                      \
  A(on_inconclusive, "gates.on_inconclusive") /* inconclusive_passes */        \
  X(NUM, max_time_to_limit_s, "gates.max_time_to_limit_seconds")               \
  X(NUM, confidence, "gates.confidence") /* CI level (0.99); NAN unknown */    \
  X(NUM, heap_full, "gates.heap_full")   /* runtime checks' thresholds; */     \
  X(NUM, gc_time_max, "gates.gc_time")   /* NAN: the scenario defaults */      \
  X(NUM, throughput_floor, "gates.throughput_floor")                           \
  A(error, "error") /* error, error_code */                                    \
  X(BOOL, interrupted, "interrupted")                                          \
  X(STR, out_dir, "out_dir")                                                   \
  X(STR, started_at, "started_at") /* UTC start, "2026-11-21T21:50:00Z" */     \
  X(STR, host, "host")             /* the machine that ran it; NULL unknown */ \
  X(STR, commit, "commit")         /* the commit under test; NULL unknown */

typedef struct lg_result {
  LG_RESULT_FIELDS(LG_FIELD_MEMBER, LG_FIELD_NONE, LG_FIELD_NONE,
                   LG_FIELD_SECTION)
  char *tool_version;
  lg_verdict verdict;
  int exit_code;
  char **reasons;
  size_t n_reasons;
  lg_check *checks;
  size_t n_checks;
  bool has_analysis;
  lg_analysis analysis;
  lg_chart chart;
  bool inconclusive_passes; /* scenario analysis.on_inconclusive: pass */
  char *error;    /* infrastructure/input error message; NULL if none */
  int error_code; /* LG_E* of that error; 0 if none */
  /* Bookkeeping of lg_result_finish (not serialised): how many leading
   * reasons it derived, so a second call replaces them and keeps the ones
   * added with lg_result_add_reason. */
  size_t n_derived_reasons;
} lg_result;

/* A new empty result with every number unknown. */
lg_result *lg_result_new(void);
/* Free a result and all it owns (NULL is fine). */
void lg_result_free(lg_result *r);

/* Set r->error (copied) with its code; the verdict becomes error. */
int lg_result_set_error(lg_result *r, int code, const char *msg);
int lg_result_add_reason(lg_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int lg_result_add_check(lg_result *r, const char *name, lg_check_status st,
                        const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Add a leak record (strings copied); returns the new record or NULL. */
lg_leak_record *lg_result_add_leak(lg_memcheck_result *m, const char *kind,
                                   double bytes, int64_t blocks,
                                   const char *fingerprint);
int lg_leak_add_frame(lg_leak_record *l, const char *function, const char *file,
                      int line, const char *object);
/* Free the leak records from index n on; n_leaks becomes n (a parser
 * rolling back what a failed file added). The array itself is kept. */
void lg_result_truncate_leaks(lg_memcheck_result *m, size_t n);
/* Add a non-leak error record (strings copied); the new record or NULL. */
lg_memcheck_error *lg_result_add_memcheck_error(lg_memcheck_result *m,
                                                const char *kind,
                                                const char *what,
                                                int64_t count);
int lg_memcheck_error_add_frame(lg_memcheck_error *e, const char *function,
                                const char *file, int line, const char *object);
/* Free the error records from index n on (as lg_result_truncate_leaks). */
void lg_result_truncate_errors(lg_memcheck_result *m, size_t n);
/* Append a runtime phase (name copied). */
int lg_result_add_runtime_phase(lg_runtime_result *rt, const char *name,
                                int64_t collections, int64_t full,
                                double pause_s, double gc_time_share,
                                double heap_live_bytes);
/* Append a growing class or stack (strings copied); the new site, or NULL
 * when out of memory. Frames are added with lg_runtime_site_add_frame. */
lg_runtime_site *lg_result_add_runtime_site(lg_runtime_result *rt,
                                            const char *kind, const char *name,
                                            const char *file, int line);
int lg_runtime_site_add_frame(lg_runtime_site *s, const char *frame);
/* Free every growing site; n_sites becomes 0. */
void lg_result_clear_sites(lg_massif_result *m);
int lg_result_add_site(lg_massif_result *m, const char *function,
                       const char *file, int line, double first, double last);
/* Append a growing heap-profile site (strings copied); the new site or
 * NULL. */
lg_heap_site *lg_result_add_heap_site(lg_heap_profile_result *h,
                                      const char *function, const char *file,
                                      int line, const char *fingerprint,
                                      double rate, double lo, double hi);
int lg_heap_site_add_frame(lg_heap_site *s, const char *function,
                           const char *file, int line, const char *object);
/* Free every heap-profile site; n_sites becomes 0. */
void lg_result_clear_heap_sites(lg_heap_profile_result *h);
/* Copy a series into the chart, downsampled to at most max_points (at
 * least 4): the first and last points and, per bucket of x, the lowest and
 * highest point are kept, so peaks and drops survive. chart.oom_x is kept. */
int lg_result_set_chart(lg_result *r, const double *x, const double *y,
                        size_t n, size_t max_points);
/* The same into any chart c (the runtime's goroutine series). */
int lg_chart_set(lg_chart *c, const double *x, const double *y, size_t n,
                 size_t max_points);
/* Copy the Massif heap curve (replacing any previous one). */
int lg_result_set_heap(lg_massif_result *m, const double *x, const double *y,
                       size_t n);
/* Append a per-phase load record (name copied). */
int lg_result_add_phase(lg_load_result *l, const char *name, int64_t requests,
                        int64_t errors, double duration_s, double target_rate);
/* Append a fingerprint to baseline.new_leaks (known = false) or
 * baseline.known_leaks (known = true); copied. */
int lg_result_add_baseline_leak(lg_baseline_result *b, bool known,
                                const char *fingerprint);
/* Append a fingerprint to baseline.grown_leaks; copied. */
int lg_result_add_baseline_grown(lg_baseline_result *b,
                                 const char *fingerprint);
/* Free and reset the baseline section to "not compared" (verdict none,
 * numbers unknown, no lists, no note). */
void lg_result_reset_baseline(lg_baseline_result *b);
/* True for allocator functions skipped by fingerprints, by Massif's site
 * attribution and by lg_leak_site: malloc family, operator new/new[],
 * strdup family, common wrappers (xmalloc, g_malloc, ...), Valgrind's
 * replacement frames (docs/valgrind.md lists them). Any argument may be
 * NULL. */
bool lg_is_allocator_frame(const char *fn, const char *file,
                           const char *object);
/* The frame that names a leak's allocation site in the program: the first
 * frame with a source file that is not an allocator (lg_is_allocator_frame);
 * else the first frame; NULL for an empty stack. */
const lg_frame *lg_leak_site(const lg_leak_record *l);
/* Whether loss records of kind count against m's gate (memcheck.fail_on:
 * definite, indirect, possible); false for NULL or any other kind. */
bool lg_leak_kind_gated(const lg_memcheck_result *m, const char *kind);
/* Whether fingerprint fp is one of b's known leaks (in the baseline too and
 * not grown); false for NULL. O(known leaks). */
bool lg_leak_is_known(const lg_baseline_result *b, const char *fp);
/* The checks lg_result_finish derives, in the order it reports them
 * (docs/result.md#checks), libuv style: X(ID, fn, "name"). A row binds the
 * check's name to check_<fn> in harness/result/finish.c, the function that
 * derives its status and message from the sections; adding a check is one
 * row here plus that function (and its row in docs/result.md). Code that
 * picks one check out names it LG_CK_<ID>, never by a string. */
#define LG_FINISH_CHECKS(X)                                                    \
  X(GROWTH, growth, "growth")                                                  \
  X(OOM, oom, "oom")                                                           \
  X(CRASH, crash, "crash")                                                     \
  X(MEMCHECK, memcheck, "memcheck")                                            \
  X(MASSIF, massif, "massif")                                                  \
  X(BASELINE, baseline, "baseline")                                            \
  X(TTL, ttl, "time-to-limit")                                                 \
  X(LOAD, load, "load")                                                        \
  X(HEAP_PROFILE, heap_profile, "heap_profile")                                \
  X(RUNTIME_OOM, runtime_oom, "runtime-oom")                                   \
  X(HEAP_EXHAUSTION, heap_exhaustion, "heap-exhaustion")                       \
  X(THROUGHPUT_COLLAPSE, throughput_collapse, "throughput-collapse")           \
  X(GOROUTINES, goroutines, "goroutines")

typedef enum {
#define LG_CK_ENUM(ID, fn, name) LG_CK_##ID,
  LG_FINISH_CHECKS(LG_CK_ENUM)
#undef LG_CK_ENUM
      LG_N_FINISH_CHECKS
} lg_check_id;

/* The name of check id ("time-to-limit" for LG_CK_TTL); NULL out of
 * range. */
const char *lg_check_name(lg_check_id id);
/* The id of one of lg_result_finish's check names; -1 for another name or
 * NULL. */
int lg_check_id_of(const char *name);
/* Whether name is one of the checks lg_result_finish derives. */
bool lg_result_check_is_finish_name(const char *name);
/* r's check named as id (the derived one, or one a module added under that
 * name), or NULL. */
const lg_check *lg_result_check_by_id(const lg_result *r, lg_check_id id);
/* The check named name, or NULL. */
const lg_check *lg_result_check(const lg_result *r, const char *name);

/* Derive checks, reasons, verdict and exit code from the sections
 * (the DESIGN exit-code table; docs/result.md): checks growth, oom, crash,
 * memcheck, massif, baseline, time-to-limit, load, then any other check
 * added with lg_result_add_check; reasons for every non-passing check.
 * Idempotent: call it again after changing a section (e.g. baseline). */
void lg_result_finish(lg_result *r);

/* The JSON document (schema_version 1); caller frees *out. */
int lg_result_to_json(const lg_result *r, char **out, size_t *len,
                      lg_error *err);
/* Parse a result.json; LG_EINPUT naming the file for bad or foreign input. */
int lg_result_from_json(const char *name, const char *text, size_t len,
                        lg_result **out, lg_error *err);
int lg_result_load(const char *path, lg_result **out, lg_error *err);
/* Every result in a file: one for a result.json, each of "results" for a
 * combined document (merge, --json over several scenarios). *out is a
 * malloc'd array of *n results; free each with lg_result_free, then it. */
int lg_result_load_all(const char *path, lg_result ***out, size_t *n,
                       lg_error *err);
/* Write result.json atomically. */
int lg_result_save(const lg_result *r, const char *path, lg_error *err);

const char *lg_verdict_name(lg_verdict v);
const char *lg_check_status_name(lg_check_status s);
const char *lg_baseline_verdict_name(lg_baseline_verdict v);
/* Parse a name back (for from_json); -1 when unknown. */
int lg_verdict_parse(const char *s);
int lg_check_status_parse(const char *s);
int lg_baseline_verdict_parse(const char *s);

#endif
