/* scenario/sc_heap.c - the heap_profile: section (docs/scenario.md,
 * docs/heap-profile.md): the sampled heap-profile tier at full load.
 *   heap_profile: {enabled: false, mode: always|on-suspicion,
 *                  tool: auto|sampler, period: 512KiB, snapshots: 8,
 *                  required: false, alloc_functions: [NAME...], seed: N}
 */
#include "scenario/sc_internal.h"

#include <string.h>

/* Mean bytes between samples: 1 byte (every allocation is sampled, for
 * tests) to 1 GiB. */
#define PERIOD_MAX ((uint64_t)1 << 30)

int lg__sc_heap_profile(sc_ctx *c, const yt_node *v) {
  static const char *const keys[] = {"enabled",         "mode",      "tool",
                                     "period",          "snapshots", "required",
                                     "alloc_functions", "seed"};
  static const char *const modes[] = {"always", "on-suspicion"};
  static const char *const tools[] = {"auto", "sampler"};
  lg_heap_profile_spec *hp = &c->sc->heap_profile;
  const yt_node *f[8];
  long long snaps = hp->snapshots;
  int rc, mode = (int)hp->mode, tool = (int)hp->tool;
  if ((rc = SC_FIELDS(c, v, "heap_profile", keys, f)) ||
      (rc = lg__sc_get_bool(c, f[0], "heap_profile.enabled", &hp->enabled)) ||
      (rc = SC_GET_ENUM(c, f[1], "heap_profile.mode", modes, &mode)) ||
      (rc = SC_GET_ENUM(c, f[2], "heap_profile.tool", tools, &tool)) ||
      (rc = lg__sc_get_size(c, f[3], "heap_profile.period",
                            &hp->period_bytes)) ||
      (rc = lg__sc_get_int(c, f[4], "heap_profile.snapshots", 0, 1000,
                           &snaps)) ||
      (rc = lg__sc_get_bool(c, f[5], "heap_profile.required", &hp->required)) ||
      (rc = lg__sc_get_strlist(c, f[6], "heap_profile.alloc_functions",
                               &hp->alloc_functions, &hp->n_alloc_functions)) ||
      (rc = lg__sc_get_u64(c, f[7], "heap_profile.seed", &hp->seed)))
    return rc;
  if (hp->period_bytes < 1 || hp->period_bytes > PERIOD_MAX)
    return lg__sc_fail(c, f[3], "heap_profile.period",
                       "must be between 1B and 1GiB (the mean bytes between "
                       "two samples)");
  hp->mode = (lg_valgrind_mode)mode;
  hp->tool = (lg_heap_tool)tool;
  hp->snapshots = (int)snaps;
  return 0;
}
