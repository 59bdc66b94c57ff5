/* tests/fuzz/gperfheap/fuzz_gperfheap.c - libFuzzer target for the
 * gperftools heap profile parser (harness/heapprof/gperf.c) and the
 * profile input of the heap-profile fit, built by tests/fuzz/run.sh.
 *
 * Input: any bytes, parsed as a gperftools heap profile, then added as a
 * snapshot after a good one. Aborts when a promise breaks: a failure is
 * LG_EINPUT naming the input (one line) with no profile returned; a
 * success gives a profile whose every sample has the four heap sample types
 * and locations that exist; adding it as a snapshot succeeds or fails
 * without changing the snapshots already added.
 */
#include <leakgate/heapprof.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char GOOD[] = "heap profile: 1: 100 [ 2: 200] @ heapprofile\n"
                           "     1:   100 [     2:   200] @ 0x10 0x20\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lg_pprof *p = NULL;
  lg_heapprof *h = NULL;
  lg_result *r = lg_result_new();
  lg_error err;
  size_t i, j;
  int rc = lg_gperf_heap_parse("fuzz.heap", (const char *)data, size, &p, &err);
  if (rc != 0) {
    if (p || rc != LG_EINPUT || strncmp(err.msg, "fuzz.heap", 9) != 0 ||
        strchr(err.msg, '\n'))
      abort();
  } else {
    if (p->n_sample_types != 4 || lg_pprof_sample_type(p, "inuse_space") != 3)
      abort();
    for (i = 0; i < p->n_samples; i++)
      for (j = 0; j < p->samples[i].n_locations; j++)
        if (p->samples[i].locations[j] >= p->n_locations)
          abort();
    lg_pprof_free(p);
  }
  if (!r || lg_heapprof_new(&h, &err) != 0 ||
      lg_heapprof_add_profile_buffer(h, "good", GOOD, sizeof GOOD - 1, 0,
                                     &err) != 0)
    abort();
  rc = lg_heapprof_add_profile_buffer(h, "fuzz.heap", data, size, 1, &err);
  if (lg_heapprof_finish(h, NULL, &r->heap_profile, &err) == 0 &&
      r->heap_profile.snapshots != (rc == 0 ? 2 : 1))
    abort();
  lg_heapprof_free(h);
  lg_result_free(r);
  return 0;
}
