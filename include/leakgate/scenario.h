/* leakgate/scenario.h - the typed scenario (DESIGN section 2, version 1) and
 * its loader.
 *
 * The loader (libyaml) parses every key into lg_scenario, fills defaults,
 * range-checks values and compiles every template once to validate it.
 * Errors name "file:line:column: key: problem"; unknown keys and wrong types
 * are errors (LG_EINPUT), never ignored.
 * Ownership: lg_scenario_load allocates *out and every string in it;
 * lg_scenario_free frees all of it. Strings are NUL-terminated; send/expect
 * and body also carry a length because they may hold NUL bytes.
 * Unset optional numbers are NAN (doubles) or 0 where 0 cannot be meant.
 * Paths the loader resolves (dir, service.cwd, container.rootfs,
 * valgrind suppressions) are absolute; baseline.file is kept as written
 * and the runner resolves a relative one against dir, like every path in a
 * scenario (harness/run/run.c). Every key, default and range is in
 * docs/scenario.md.
 */
#ifndef LEAKGATE_SCENARIO_H
#define LEAKGATE_SCENARIO_H

#include <leakgate/error.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lg_kv {
  char *key;
  char *value;
} lg_kv;

typedef enum {
  LG_READY_NONE = 0, /* no probe configured: the runner picks a default */
  LG_READY_TCP,      /* connect to host:port succeeds */
  LG_READY_HTTP,     /* GET url answers 2xx */
  LG_READY_LOG,      /* a line of stdout/stderr matches a POSIX extended regex */
  LG_READY_DELAY     /* wait delay_s */
} lg_ready_kind;

typedef struct lg_ready_spec {
  lg_ready_kind kind;
  char *target;     /* tcp "host:port", http URL or log regex; templated */
  double delay_s;   /* LG_READY_DELAY */
  double timeout_s; /* default 10s */
} lg_ready_spec;

typedef struct lg_service_spec {
  char **argv; /* NULL-terminated; templated ({{port}}) per element */
  size_t argc;
  bool shell;  /* explicit opt-in: argv[0] is run by /bin/sh -c */
  lg_kv *env;
  size_t n_env;
  char *cwd;   /* absolute; default: the scenario file's directory */
  lg_ready_spec ready;
  int stop_signal;       /* default SIGTERM */
  double stop_timeout_s; /* default 10s, then SIGKILL */
  /* Managed runtime (issue 12, docs/runtimes.md): a lg_runtime_kind of
   * leakgate/runtime.h (0 = auto: detected), and a Go service's
   * net/http/pprof base URL (templated; NULL = none). */
  int runtime;
  char *pprof;
} lg_service_spec;

typedef enum {
  LG_BACKEND_AUTO = 0,
  LG_BACKEND_CGROUP,
  LG_BACKEND_SYSTEMD,
  LG_BACKEND_DOCKER,
  LG_BACKEND_PODMAN,
  LG_BACKEND_NONE,
  LG_BACKEND_SELF /* leakgate inside the box: its own cgroup, read-only */
} lg_backend_kind;

typedef struct lg_container_spec {
  lg_backend_kind backend;
  uint64_t memory_bytes; /* default 512MiB */
  uint64_t swap_bytes;   /* default 0 */
  char *image;           /* docker/podman image */
  char *rootfs;          /* podman --rootfs directory */
} lg_container_spec;

typedef enum {
  LG_DRIVER_HTTP = 0,
  LG_DRIVER_TCP,
  LG_DRIVER_STDIN,
  LG_DRIVER_EXEC
} lg_driver_kind;

typedef struct lg_flow_item {
  char *send; /* templated bytes to write */
  size_t send_len;
  char *expect; /* delimiter that ends the response */
  size_t expect_len;
} lg_flow_item;

typedef struct lg_phase {
  char *name;
  double duration_s;
  double rate;    /* requests/s; NAN = closed model; 0 = quiet phase */
  double ramp_to; /* NAN = no ramp; else the rate at the end of the phase */
} lg_phase;

typedef struct lg_load_spec {
  lg_driver_kind driver;
  int connections; /* default 8 */
  int threads;     /* default 1 */
  char *url;       /* http */
  char *method;    /* default GET */
  lg_kv *headers;
  size_t n_headers;
  char *body;
  size_t body_len;
  lg_flow_item *flow; /* tcp, stdin */
  size_t n_flow;
  char *address; /* tcp "host:port", templated */
  char **command; /* exec argv, NULL-terminated, templated */
  size_t n_command;
  lg_phase *phases;
  size_t n_phases;
  double timeout_s; /* per request; default 5s */
  uint64_t seed;    /* {{rand N}} seed; default 1 */
  double max_duration_s; /* with analysis.early_stop: the run may extend its
                            last phase up to this total while undecided;
                            NAN = the phases' total */
} lg_load_spec;

typedef enum {
  LG_METRIC_ANON = 0,
  LG_METRIC_RSS,
  LG_METRIC_PSS,
  LG_METRIC_CGROUP,
  LG_METRIC_HEAP
} lg_metric;

typedef struct lg_analysis_spec {
  lg_metric metric;           /* default anon */
  double tolerance_bytes;     /* per request; default 16 */
  double warmup_fraction;     /* default 0.2 */
  double confidence;          /* default 0.99 */
  bool inconclusive_passes;   /* on_inconclusive: pass */
  double max_time_to_limit_s; /* NAN = not gated */
  /* Where the x-axis is time (the exec driver, or a run that completed no
   * request): growth per second that still counts as no leak. NAN = not
   * written: tolerance_bytes times the load's attempted requests per
   * second; required for the exec driver, which counts none. */
  double tolerance_per_second;
  bool early_stop;            /* stop the steady phases once decided */
  double min_evidence_s;      /* steady seconds before the first look; 2s */
  uint64_t min_evidence_requests; /* steady requests before it; 1000 */
  /* Extensions (issue 12). metric was written (a managed runtime's default
   * is its live heap only when it was not). */
  bool metric_set;
  unsigned metric_line, metric_col; /* where metric is in the file; 0: not
                                       (absent, or from --set) */
  double heap_full;        /* live heap at this share of its ceiling is full;
                              default 0.9 */
  double gc_time_max;      /* GC time share of the last phase that fails with
                              a full heap; default 0.25 */
  double throughput_floor; /* last steady phase below this share of the
                              first's fails when GC time or errors rise;
                              default 0.5 */
} lg_analysis_spec;

enum { /* valgrind.memcheck.fail_on bits */
  LG_FAIL_DEFINITE = 1,
  LG_FAIL_INDIRECT = 2,
  LG_FAIL_POSSIBLE = 4,
  LG_FAIL_ERRORS = 8
};

typedef struct lg_tool_load {
  double fraction;   /* of the scenario's requests and rate; NAN if absolute */
  uint64_t requests; /* absolute request count; 0 if fraction */
} lg_tool_load;

typedef enum { LG_VG_ALWAYS = 0, LG_VG_ON_SUSPICION } lg_valgrind_mode;

typedef struct lg_valgrind_spec {
  lg_valgrind_mode mode;
  bool memcheck;
  lg_tool_load memcheck_load; /* default 2% */
  char **suppressions;        /* absolute (resolved against dir) */
  size_t n_suppressions;
  unsigned fail_on;           /* default definite|indirect */
  double memcheck_budget_bytes; /* NAN = no budget */
  bool massif;
  lg_tool_load massif_load; /* default 10% */
  int massif_snapshots;     /* detailed snapshots; default 20 */
} lg_valgrind_spec;

typedef enum { LG_HEAP_TOOL_AUTO = 0, LG_HEAP_TOOL_SAMPLER } lg_heap_tool;

/* heap_profile: the sampled heap-profile tier (docs/heap-profile.md). */
typedef struct lg_heap_profile_spec {
  bool enabled;
  lg_valgrind_mode mode;  /* always | on-suspicion */
  lg_heap_tool tool;      /* auto = sampler (leakgate's heap sampler) */
  uint64_t period_bytes;  /* mean bytes between samples; default 512KiB */
  int snapshots;          /* heap snapshots written; default 8 */
  bool required;          /* a service that cannot be profiled is an error */
  char **alloc_functions; /* allocator wrappers skipped when naming a site */
  size_t n_alloc_functions;
  uint64_t seed;          /* sampler RNG seed; 0 = from the clock */
} lg_heap_profile_spec;

typedef struct lg_baseline_spec {
  char *file;             /* NULL = none */
  double tolerance_bytes; /* default analysis tolerance */
  bool missing_fails;     /* baseline.missing: fail */
  bool tolerance_explicit; /* tolerance was written (a profile keeps it) */
} lg_baseline_spec;

typedef struct lg_profile {
  char *name;
  double duration_scale;  /* multiplies every phase duration; default 1 */
  double tolerance_bytes; /* NAN = keep */
} lg_profile;

typedef struct lg_scenario {
  char *file; /* path as given */
  char *dir;  /* directory of file, for relative paths */
  int version;
  char *name;
  lg_service_spec service;
  lg_container_spec container;
  lg_load_spec load;
  double sampling_interval_s; /* default 100ms */
  lg_analysis_spec analysis;
  lg_valgrind_spec valgrind;
  lg_heap_profile_spec heap_profile;
  lg_baseline_spec baseline;
  lg_profile *profiles;
  size_t n_profiles;
  char *profile; /* the applied profile's name, NULL = none */
  /* Non-fatal findings, formatted like errors ("file:L:C: load.url: ignored
   * by the tcp driver"): keys the chosen driver or backend does not read. */
  char **warnings;
  size_t n_warnings;
} lg_scenario;

/* Load and validate a scenario file. overrides are "KEY=VALUE" strings
 * (dotted keys as in --set load.connections=32, list items by index as in
 * load.phases.1.rate or load.phases[1].rate) applied to the YAML tree before
 * validation; VALUE is parsed as YAML ("[a, b]" is a list, an empty VALUE
 * is null = unset). Errors in an override name "--set KEY" instead of a file
 * position. Files larger than 1 MiB are refused. */
int lg_scenario_load(const char *path, const char *const *overrides,
                     size_t n_overrides, lg_scenario **out, lg_error *err);

/* Load a scenario from memory; name is used in messages. */
int lg_scenario_load_string(const char *name, const char *text, size_t len,
                            const char *const *overrides, size_t n_overrides,
                            lg_scenario **out, lg_error *err);

/* The built-in profile `soak`, used when a scenario defines none of that
 * name: every phase duration times LG_SOAK_DURATION_SCALE, the tolerance
 * divided by LG_SOAK_TOLERANCE_DIVISOR. */
#define LG_SOAK_DURATION_SCALE 10.0
#define LG_SOAK_TOLERANCE_DIVISOR 4.0

/* Apply a named profile once (scales every phase duration, replaces the
 * analysis tolerance and the baseline tolerance unless that was written);
 * `soak` is built in (above) unless the scenario defines its own. */
int lg_scenario_apply_profile(lg_scenario *sc, const char *profile,
                              lg_error *err);

/* Free a scenario and everything it owns (NULL is fine). */
void lg_scenario_free(lg_scenario *sc);

/* Total duration of all phases in seconds. */
double lg_scenario_duration(const lg_scenario *sc);

/* Names for enums, as written in scenario files ("http", "anon", "cgroup"). */
const char *lg_driver_name(lg_driver_kind d);
const char *lg_backend_name(lg_backend_kind b);
const char *lg_metric_name(lg_metric m);

#endif
