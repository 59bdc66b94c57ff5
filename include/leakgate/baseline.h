/* leakgate/baseline.h - the main-branch baseline and the regression gate.
 *
 * A baseline file (JSON, baseline_version 1, docs/baseline.md) holds, per
 * scenario, the growth analysis, Memcheck fingerprints, Massif top sites, the
 * environment, and the history of the last K main-branch runs. Comparison
 * fails a pull request only for what it made worse: the lower confidence
 * bound of slope(PR) - slope(main) above the tolerance (or, with a history
 * of at least LG_BASELINE_HISTORY_MIN runs, a slope above the history band
 * when the interval alone cannot decide), a new leak fingerprint, a known
 * leak grown beyond tolerance. A leak present on both sides is known.
 * Ownership: lg_baseline_load allocates; lg_baseline_free frees.
 * lg_baseline_compare owns nothing beyond r->baseline, which it replaces.
 */
#ifndef LEAKGATE_BASELINE_H
#define LEAKGATE_BASELINE_H

#include <leakgate/error.h>
#include <leakgate/result.h>
#include <stdbool.h>
#include <stddef.h>

/* The baseline file format this leakgate reads and writes. */
#define LG_BASELINE_VERSION 1
/* History runs kept per scenario unless told otherwise. */
#define LG_BASELINE_KEEP_DEFAULT 20
/* History runs needed before the median + 3 robust SD band is used. */
#define LG_BASELINE_HISTORY_MIN 5

typedef struct lg_baseline lg_baseline;

typedef struct lg_compare_opts {
  double tolerance;   /* bytes/request the slope may grow; NAN = the
                         result's analysis tolerance */
  double confidence;  /* one-sided level of the delta's bounds; NAN = the
                         result's confidence, else 0.99 */
  bool missing_fails; /* baseline.missing: fail */
  double leak_growth_tolerance; /* bytes a known leak may grow beyond the
                                   baseline's (scaled to this run's
                                   requests); NAN = 25% of those bytes */
} lg_compare_opts;

/* Fill o with the defaults above (missing_fails false). */
void lg_compare_opts_init(lg_compare_opts *o);

/* Read a baseline file. LG_ENOENT when path does not exist (not an error for
 * callers: compare with b = NULL records it); LG_EINPUT naming the file and
 * the key for malformed JSON or a known key of the wrong type. A file of
 * another baseline_version loads (so compare can say so) with no entries. */
int lg_baseline_load(const char *path, lg_baseline **out, lg_error *err);
/* Free a baseline (NULL is fine). */
void lg_baseline_free(lg_baseline *b);

/* Fill r->baseline by comparing r with the baseline's entry for r's
 * scenario; file is the path recorded in the result. b = NULL (no file), no
 * entry, another baseline_version, metric or x axis set verdict none with
 * a note and baseline.missing (the check then fails when o->missing_fails).
 * Returns 0, or LG_ENOMEM / LG_EUSAGE (bad options). */
int lg_baseline_compare(lg_result *r, const lg_baseline *b, const char *file,
                        const lg_compare_opts *o, lg_error *err);

/* Create or update path with these results (in order: the last result of a
 * scenario becomes its latest run), keeping the last keep runs (1..10000)
 * of history per scenario. Refuses, writing nothing, a result with verdict
 * error, without a growth analysis or slope, or without a scenario name
 * (LG_EINPUT), and an existing file it cannot read or of another
 * baseline_version. The file is replaced atomically. */
int lg_baseline_update(const char *path, const lg_result *const *results,
                       size_t n, size_t keep, lg_error *err);

/* Runs in the history of a scenario's entry (0 when there is none). */
size_t lg_baseline_history_len(const lg_baseline *b, const char *scenario);

#endif
