/* tests/fuzz/massif/fuzz_massif.c - libFuzzer target for the massif.out
 * parser, built by tests/fuzz/run.sh.
 *
 * Input: any bytes, read as a massif.out file, twice: once on its own
 * (lg_massif_parse_buffer, x = Massif's time) and once into a series after
 * a good snapshot file at x = 1 with the input at x = 2 (the request-aligned
 * path, with rollback on failure). Aborts when a promise breaks: a failure
 * names the file and leaves the series as it was; a success gives a heap
 * series sorted by x whose maximum is the peak, and at most 20 growing
 * sites, each with positive growth, ranked by it.
 */
#include <leakgate/valgrind.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char GOOD[] =
    "desc: x\ncmd: ./a\ntime_unit: i\n#-----------\nsnapshot=0\n#-----------\n"
    "time=0\nmem_heap_B=10\nmem_heap_extra_B=0\nmem_stacks_B=0\n"
    "heap_tree=detailed\nn1: 10 (heap allocation functions) malloc/new/new[]"
    ", --alloc-fns, etc.\n n0: 10 0x1: f (f.c:1)\n";

static void check(const lg_massif_result *m) {
  size_t i;
  double peak = -1;
  if (!m->ran || m->n_heap == 0 || m->n_sites > 20)
    abort();
  for (i = 0; i < m->n_heap; i++) {
    if (i > 0 && m->heap_x[i] < m->heap_x[i - 1])
      abort();
    if (m->heap_y[i] > peak)
      peak = m->heap_y[i];
  }
  if (peak != m->peak_heap_bytes)
    abort();
  for (i = 0; i < m->n_sites; i++) {
    const lg_growing_site *s = &m->growing_sites[i];
    if (!s->function || !(s->growth_bytes > 0) ||
        (i > 0 && s->growth_bytes > m->growing_sites[i - 1].growth_bytes))
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lg_result *r = lg_result_new();
  lg_massif_series *s = NULL;
  lg_error err;
  int rc;
  if (!r)
    return 0;
  rc = lg_massif_parse_buffer("fuzz.massif", (const char *)data, size,
                              &r->massif, &err);
  if (rc != 0) {
    if (strncmp(err.msg, "fuzz.massif", 11) != 0 || r->massif.ran)
      abort();
  } else {
    check(&r->massif);
  }
  if (lg_massif_series_new(&s, &err) != 0 ||
      lg_massif_series_add_buffer(s, "good", GOOD, sizeof GOOD - 1, 1, &err))
    abort();
  rc = lg_massif_series_add_buffer(s, "fuzz.massif", (const char *)data, size,
                                   2, &err);
  if (rc != 0 &&
      (lg_massif_series_snapshots(s) != 1 || lg_massif_series_trees(s) != 1))
    abort(); /* not rolled back */
  lg_result_free(r);
  r = lg_result_new();
  if (r && lg_massif_series_finish(s, NULL, &r->massif, &err) == 0)
    check(&r->massif);
  lg_massif_series_free(s);
  lg_result_free(r);
  return 0;
}
