/* leakgate/baseline.h - the main-branch baseline and the regression gate.
 *
 * A baseline file (JSON, baseline_version 1, docs/baseline.md) holds, per
 * scenario, the growth analysis, Memcheck fingerprints, Massif top sites, the
 * environment, and the history of the last K main-branch runs. Comparison
 * fails a pull request only for what it made worse: the lower confidence
 * bound of slope(PR) - slope(main) above the tolerance, a new leak
 * fingerprint, a known leak grown beyond tolerance.
 * Ownership: lg_baseline_load allocates; lg_baseline_free frees.
 */
#ifndef LEAKGATE_BASELINE_H
#define LEAKGATE_BASELINE_H

#include <leakgate/error.h>
#include <leakgate/result.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct lg_baseline lg_baseline;

typedef struct lg_compare_opts {
  double tolerance;     /* bytes/request for the slope delta; NAN = analysis tolerance */
  double confidence;    /* default 0.99 */
  bool missing_fails;   /* baseline.missing: fail */
  double leak_growth_tolerance; /* bytes a known leak may grow; NAN = 0 */
} lg_compare_opts;

void lg_compare_opts_init(lg_compare_opts *o);

int lg_baseline_load(const char *path, lg_baseline **out, lg_error *err);
void lg_baseline_free(lg_baseline *b);

/* Fill r->baseline by comparing r with the baseline's entry for r's scenario.
 * A missing entry or file sets verdict none with a note (see missing_fails). */
int lg_baseline_compare(lg_result *r, const lg_baseline *b, const char *file,
                        const lg_compare_opts *o, lg_error *err);

/* Create or update path with these results, keeping the last keep runs. */
int lg_baseline_update(const char *path, const lg_result *const *results,
                       size_t n, size_t keep, lg_error *err);

#endif
