/* leakgate/valgrind.h - the Valgrind tiers: Memcheck leak stacks and Massif
 * heap growth, from separate reduced-load runs (never inside the RSS run).
 * Method, command lines and formats: docs/valgrind.md.
 *
 * How the runner uses this module, in order:
 *   1. lg_valgrind_find() - is valgrind installed (LG_ETOOL if not).
 *   2. lg_memcheck_argv() / lg_massif_argv() - the wrapper argv prefix the
 *      service's argv is appended to (lg_valgrind_wrap joins them);
 *      lg_valgrind_ready_scale() / lg_valgrind_stop_scale() stretch the
 *      readiness and stop timeouts for the tool's slowdown.
 *   3. Memcheck: stop the service with its stop signal (the leak check runs
 *      at exit), then lg_memcheck_collect(out_dir) parses every
 *      memcheck.<pid>.xml. A service killed by SIGKILL writes no leak check:
 *      that file fails with a message saying so.
 *   4. Massif: every N requests call lg_massif_vgdb_snapshot(pid, file) and
 *      record (requests, file); after the run feed each pair to
 *      lg_massif_series_add_file() and call lg_massif_series_finish(): the
 *      heap series is then against requests. Without snapshots, parse the
 *      massif.out.<pid> of --detailed-freq with lg_massif_parse_file()
 *      (x = Massif's time unit, bytes allocated: --time-unit=B).
 *
 * Parsers: Memcheck's XML (protocol 4) with expat, streamed in 256 KiB
 * chunks; massif.out streamed line by line in a bounded buffer (these files
 * reach hundreds of MB). Both fill the result model's memcheck / massif
 * sections. Malformed or truncated input is LG_EINPUT "file:line: problem";
 * they never crash on any input (fuzzed: tests/fuzz/memcheck, massif).
 * Ownership: results go into caller-owned lg_memcheck_result /
 * lg_massif_result (freed with the lg_result that embeds them); argv arrays
 * are freed with lg_valgrind_argv_free; a series with lg_massif_series_free.
 */
#ifndef LEAKGATE_VALGRIND_H
#define LEAKGATE_VALGRIND_H

#include <leakgate/error.h>
#include <leakgate/result.h>
#include <leakgate/scenario.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Exit status Valgrind gives the service when Memcheck found errors
 * (--error-exitcode): the runner must not read it as the service failing. */
#define LG_MEMCHECK_ERROR_EXIT 97
/* Frames hashed into a fingerprint (after the allocator frames). */
#define LG_FINGERPRINT_FRAMES 8
/* Hex digits of a fingerprint, plus the NUL. */
#define LG_FINGERPRINT_SIZE 17

/* ---- Memcheck ---------------------------------------------------------- */

/* Parse one Memcheck XML file and ADD its findings to m (totals, error
 * count, leak records; leaks stay sorted by bytes, descending); sets
 * m->ran. LG_EINPUT naming file:line for truncated or malformed XML, for a
 * file that is not Memcheck protocol 4, and for a run that never reached
 * </valgrindoutput> (the service was killed before the leak check ran). On
 * failure m keeps what earlier files added. */
int lg_memcheck_parse_file(const char *path, lg_memcheck_result *m,
                           lg_error *err);
/* The same from memory; name is used in messages. */
int lg_memcheck_parse_buffer(const char *name, const char *data, size_t len,
                             lg_memcheck_result *m, lg_error *err);
/* Parse every "memcheck.*.xml" in dir (one per traced process) in name
 * order into m and set m->xml_file (the first one). LG_ENOENT when there is
 * none (Valgrind never started the service); the first failing file's
 * error otherwise, after parsing the others. */
int lg_memcheck_collect(const char *dir, lg_memcheck_result *m, lg_error *err);

/* Fingerprint of a leak: 64-bit FNV-1a, as 16 lowercase hex digits, of
 * "lg1\n" kind "\n" and, for the first LG_FINGERPRINT_FRAMES frames after
 * the leading allocator frames, function "\t" basename(file) "\n"
 * (function "?" when unknown; the object's basename when no file). No
 * addresses, no line numbers, no directories: stable across builds and
 * checkouts. kind may be NULL (then "" is hashed). out needs
 * LG_FINGERPRINT_SIZE bytes. */
void lg_leak_fingerprint(const char *kind, const lg_frame *stack, size_t n,
                         char *out, size_t cap);
/* lg_leak_fingerprint without a kind. */
void lg_stack_fingerprint(const lg_frame *stack, size_t n, char *out,
                          size_t cap);
/* lg_is_allocator_frame (the frames fingerprints skip) is declared in
 * leakgate/result.h, beside lg_leak_site, which skips the same frames. */

/* ---- Massif ------------------------------------------------------------ */

typedef struct lg_massif_opts {
  double warmup_fraction; /* of the x span skipped for site growth; 0.2 */
  size_t max_sites;       /* growing sites kept; default 20 */
} lg_massif_opts;

/* Fill opts with the defaults above. */
void lg_massif_opts_init(lg_massif_opts *o);

/* Parse a massif.out file: peak heap, heap series (mem_heap_B +
 * mem_heap_extra_B against Massif's time), and growing sites from its
 * detailed snapshots (default options). Replaces m's series and sites and
 * sets m->ran. */
int lg_massif_parse_file(const char *path, lg_massif_result *m, lg_error *err);
int lg_massif_parse_buffer(const char *name, const char *data, size_t len,
                           lg_massif_result *m, lg_error *err);

/* An accumulator of snapshots from one or more massif files, each at an x
 * the caller chooses (requests): the request-aligned method. */
typedef struct lg_massif_series lg_massif_series;

int lg_massif_series_new(lg_massif_series **out, lg_error *err);
void lg_massif_series_free(lg_massif_series *s);
/* Add every snapshot of a massif file. x: the x of its snapshots (the
 * request count when vgdb took it); NAN = each snapshot's own time. On
 * failure s is unchanged. */
int lg_massif_series_add_file(lg_massif_series *s, const char *path, double x,
                              lg_error *err);
int lg_massif_series_add_buffer(lg_massif_series *s, const char *name,
                                const char *data, size_t len, double x,
                                lg_error *err);
/* Snapshots and detailed trees added so far. */
size_t lg_massif_series_snapshots(const lg_massif_series *s);
size_t lg_massif_series_trees(const lg_massif_series *s);
/* Fill m from everything added (opts NULL = defaults): heap series sorted
 * by x, peak, growing sites ranked by growth (docs/valgrind.md "Growing
 * sites"), m->ran = true; m->note says why sites are empty when fewer than
 * two detailed snapshots were seen. s may be finished again after more
 * files. */
int lg_massif_series_finish(lg_massif_series *s, const lg_massif_opts *opts,
                            lg_massif_result *m, lg_error *err);

/* Ask the Massif of process pid for a detailed snapshot written to path
 * (vgdb --pid=P detailed_snapshot PATH; detailed=false: snapshot). Blocks
 * until vgdb ends, at most timeout_s (then vgdb is killed: LG_ETIMEOUT).
 * vgdb_prefix is the --vgdb-prefix the service was started with (NULL =
 * Valgrind's default). LG_ETOOL when vgdb fails or path was not written. */
int lg_massif_vgdb_snapshot(const char *vgdb_prefix, pid_t pid,
                            const char *path, bool detailed, double timeout_s,
                            lg_error *err);
/* The same, telling on_group (NULL: nobody) of vgdb's process group as it
 * starts (alive) and before it is reaped (!alive): a run registers it with
 * its watchdog, as vgdb left by a killed leakgate would wait on its FIFOs
 * until its own end. */
int lg_massif_vgdb_snapshot_watched(
    const char *vgdb_prefix, pid_t pid, const char *path, bool detailed,
    double timeout_s, void (*on_group)(void *ctx, pid_t pgid, bool alive),
    void *group_ctx, lg_error *err);
/* Pids of the Valgrind processes that opened vgdb FIFOs under vgdb_prefix
 * (one per traced process); returns how many (at most cap) or < 0. */
int lg_vgdb_pids(const char *vgdb_prefix, pid_t *pids, size_t cap);

/* ---- Tool and command lines ------------------------------------------- */

/* Where valgrind is (searched on PATH) and its version ("valgrind-3.19.0");
 * LG_ETOOL "valgrind not found: install the 'valgrind' package" if absent. */
int lg_valgrind_find(char *path, size_t cap, char *version, size_t vcap,
                     lg_error *err);

typedef struct lg_memcheck_cmd {
  const char *valgrind; /* path from lg_valgrind_find; NULL = "valgrind" */
  const char *out_dir;  /* gets memcheck.%p.xml and memcheck.%p.log */
  const char *const *suppressions; /* paths as given (resolve them first) */
  size_t n_suppressions;
  unsigned fail_on; /* LG_FAIL_* bits: --errors-for-leak-kinds; 0 = def|ind */
  int num_callers;  /* stack depth; 0 = 24 */
  bool show_reachable; /* also list still-reachable blocks (large XML) */
} lg_memcheck_cmd;

typedef struct lg_massif_cmd {
  const char *valgrind;
  const char *out_dir;    /* gets massif.out.%p, massif.%p.log, vgdb FIFOs */
  int detailed_snapshots; /* wanted over the run (fallback); 0 = 20 */
  int max_snapshots;      /* 0 = 200 */
  double threshold_pct;   /* tree threshold in percent; 0 = 0.1 */
  bool vgdb;              /* enable vgdb snapshots (default method) */
} lg_massif_cmd;

/* The NULL-terminated argv prefix of a Memcheck run (docs/valgrind.md has
 * the exact line and why); *argv is freed with lg_valgrind_argv_free. */
int lg_memcheck_argv(const lg_memcheck_cmd *c, char ***argv, lg_error *err);
/* The argv prefix of a Massif run. */
int lg_massif_argv(const lg_massif_cmd *c, char ***argv, lg_error *err);
/* The --vgdb-prefix lg_massif_argv used for out_dir (caller frees). */
char *lg_massif_vgdb_prefix(const char *out_dir);
/* prefix followed by cmd, as one new NULL-terminated argv (strings copied). */
int lg_valgrind_wrap(char *const *prefix, char *const *cmd, char ***argv,
                     lg_error *err);
void lg_valgrind_argv_free(char **argv);

typedef enum { LG_TOOL_MEMCHECK = 0, LG_TOOL_MASSIF } lg_valgrind_tool;

/* Factor for readiness timeouts under the tool (Memcheck 30, Massif 20:
 * the documented slowdowns) and the extra seconds Valgrind's start-up
 * (reading debug info) needs: timeout' = timeout * scale + startup. */
double lg_valgrind_ready_scale(lg_valgrind_tool t);
double lg_valgrind_startup_s(lg_valgrind_tool t);
/* Factor for the stop timeout: Memcheck's leak check runs at exit. */
double lg_valgrind_stop_scale(lg_valgrind_tool t);

#endif
