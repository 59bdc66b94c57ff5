/* leakgate/heapprof.h - sampled heap profiles: from samples or snapshots to
 * growing allocation sites with a rate per request (docs/heap-profile.md).
 *
 * Two inputs, one output:
 *   - the sample streams the heap sampler (libleakgate-heapsampler.so,
 *     preloaded into the service by the heap_profile tier) writes: every
 *     sampled allocation with its stack and time, and its free. Live bytes
 *     per allocation site can then be reconstructed at any instant; with
 *     the runner's (time, completed requests) progress pairs they become a
 *     series against requests. Stacks are symbolised here, after the run,
 *     with elfutils libdw (function, file, line; inlined frames expanded;
 *     C++ names demangled), from the process's saved /proc/PID/maps.
 *   - a sequence of heap profiles a service wrote itself: pprof
 *     profile.proto files (Go's net/http/pprof heap profile: inuse_space)
 *     or gperftools heap profiles (HEAPPROFILE=... ./service), each a
 *     snapshot at an x the caller gives (order, seconds, requests).
 * lg_heapprof_finish fits every site's live bytes against x with the same
 * pipeline as the main verdict (lg_analyze: warm-up trim, Theil-Sen with
 * Sen's bounds, recent segment, tolerance) and keeps the growing ones,
 * ranked by rate; it can also write heap snapshots as gzip profile.proto
 * (for pprof and speedscope) and gperftools text (for google-pprof).
 *
 * Sites: a site is an allocation stack; its frames after the allocator
 * frames of lg_is_allocator_frame (and the caller's alloc_functions) name
 * it. Its fingerprint is lg_stack_fingerprint of the stack, the function
 * Memcheck fingerprints use (without a leak kind), so a site is recognised
 * across runs and tiers.
 *
 * Ownership: lg_heapprof_new allocates an accumulator; lg_heapprof_free
 * frees it. Results go into a caller-owned lg_heap_profile_result (freed
 * with the lg_result that embeds it). Parsers never crash on any input
 * (fuzzed: tests/fuzz/heapstream, tests/fuzz/gperfheap); bad input is
 * LG_EINPUT naming the file (and line or offset).
 */
#ifndef LEAKGATE_HEAPPROF_H
#define LEAKGATE_HEAPPROF_H

#include <leakgate/error.h>
#include <leakgate/pprof.h>
#include <leakgate/result.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct lg_heapprof lg_heapprof;

int lg_heapprof_new(lg_heapprof **out, lg_error *err);
void lg_heapprof_free(lg_heapprof *h);

/* ---- Sample streams (the heap_profile tier) ----------------------------- */

/* Add one sample stream file (heapprof.PID.N.lghs). A stream cut inside
 * its last record (the process was killed while writing) keeps every
 * complete record and adds a note. LG_EINPUT "FILE: offset N: problem" for
 * anything else that is not a stream. On failure h is unchanged. */
int lg_heapprof_add_stream(lg_heapprof *h, const char *path, lg_error *err);
/* The same from memory; name is used in messages. */
int lg_heapprof_add_stream_buffer(lg_heapprof *h, const char *name,
                                  const void *data, size_t len, lg_error *err);
/* Add every heapprof.*.lghs file of dir (in name order). LG_ENOENT when
 * there is none. */
int lg_heapprof_add_stream_dir(lg_heapprof *h, const char *dir, lg_error *err);
/* Map stream times to requests: n (t_s, requests) pairs of the load's
 * progress, t_s on CLOCK_MONOTONIC (lg__now_s), both non-decreasing.
 * Without them the x axis is seconds since the first pair or event. */
int lg_heapprof_set_progress(lg_heapprof *h, const double *t_s,
                             const double *requests, size_t n, lg_error *err);
/* Streams read, sampled allocations, and the sampler's notes ("cannot
 * profile this service: ..."), in the order read. */
size_t lg_heapprof_streams(const lg_heapprof *h);
size_t lg_heapprof_samples(const lg_heapprof *h);
size_t lg_heapprof_notes(const lg_heapprof *h);
const char *lg_heapprof_note(const lg_heapprof *h, size_t i);

/* ---- Heap profiles a service wrote ------------------------------------- */

/* Add a heap profile file as the snapshot at x: a pprof profile.proto
 * (gzip or raw; sample type inuse_space, else the first "space"/"bytes"
 * one) or a gperftools heap profile (text, "heap profile: ..."). The
 * format is detected from the content. LG_EINPUT naming the file for
 * anything else. */
int lg_heapprof_add_profile(lg_heapprof *h, const char *path, double x,
                            lg_error *err);
int lg_heapprof_add_profile_buffer(lg_heapprof *h, const char *name,
                                   const void *data, size_t len, double x,
                                   lg_error *err);
/* What profile i (0-based, in the order added) says of its own x axes, so
 * a caller can choose x after one read of each file: *t_s its time in
 * seconds (pprof time_nanos; a gperftools file's modification time; NAN
 * when it has none) and *allocated the bytes allocated so far (the sum of
 * its alloc_space column; NAN without one). LG_EUSAGE past the last. */
int lg_heapprof_profile_axes(const lg_heapprof *h, size_t i, double *t_s,
                             double *allocated, lg_error *err);
/* Move profile i to x (before lg_heapprof_finish). LG_EUSAGE past the
 * last. */
int lg_heapprof_set_profile_x(lg_heapprof *h, size_t i, double x,
                              lg_error *err);
/* Parse a gperftools heap profile into a pprof model (sample types
 * inuse_objects/inuse_space/alloc_objects/alloc_space; addresses only:
 * locations carry no lines unless symbolize_maps resolves them). */
int lg_gperf_heap_parse(const char *name, const char *text, size_t len,
                        lg_pprof **out, lg_error *err);

/* ---- Fit and output ----------------------------------------------------- */

typedef struct lg_heapprof_opts {
  double tolerance;         /* bytes per x unit a site may grow; default 16 */
  double confidence;        /* one-sided level, as lg_analysis_opts; 0.99 */
  double warmup_fraction;   /* of the x span, as lg_analysis_opts; 0.2 */
  size_t max_sites;         /* growing sites kept; default 20 */
  size_t snapshots;         /* snapshots to write (stream input); default 8 */
  const char *snapshot_dir; /* where to write them; NULL = none */
  const char *const *alloc_functions; /* extra allocator wrappers skipped
                                         when naming a site (exact names or
                                         "prefix*") */
  size_t n_alloc_functions;
  const char *x_name; /* profiles: what their x is ("index", "seconds",
                         "requests"); default "index" */
} lg_heapprof_opts;

void lg_heapprof_opts_init(lg_heapprof_opts *o);

/* Fit every site and fill out: growing sites ranked by rate (bytes per x
 * unit, with the CI of lg_analyze), the x axis name, the sampling period,
 * the snapshots written (stream input). Replaces out's sites. LG_EINPUT
 * when there is nothing to fit (no samples, fewer than 2 snapshots). */
int lg_heapprof_finish(lg_heapprof *h, const lg_heapprof_opts *opts,
                       lg_heap_profile_result *out, lg_error *err);

/* ---- The sampler library ----------------------------------------------- */

/* Path of libleakgate-heapsampler.so: $LEAKGATE_HEAPSAMPLER, else next to
 * the running leakgate (build tree), else <prefix>/lib/leakgate/ relative
 * to it, else the configured install path. LG_ETOOL when none exists. */
int lg_heapsampler_path(char *out, size_t cap, lg_error *err);

/* Why an executable cannot be profiled by the preloaded sampler (it is
 * statically linked: no dynamic loader), into why; 0 when it can be, or
 * when path cannot be read as ELF (the sampler's own note decides then). */
int lg_heapprof_check_binary(const char *path, char *why, size_t cap);

#endif
