/* tests/fuzz/heapstream/fuzz_heapstream.c - libFuzzer target for the heap
 * sampler's stream reader (harness/heapprof/stream.c) and the fit behind
 * it, built by tests/fuzz/run.sh.
 *
 * Input: any bytes, read as one heapprof.*.lghs stream after a good one.
 * Aborts when a promise breaks: a failure names the input, is LG_EINPUT,
 * and leaves the accumulator as it was (the good stream's streams and
 * samples only); a success adds one stream; finish then fits (on a
 * 25-point progress grid, so an input costs milliseconds) without crashing
 * and reports sites with a function and a 16-hex fingerprint, ranked by
 * rate. Maps texts from the input are symbolised with libdw on
 * purpose: paths that do not exist must fail soft.
 */
#include <leakgate/heapprof.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t put(unsigned char *b, size_t n, const void *p, size_t len) {
  memcpy(b + n, p, len);
  return n + len;
}

/* A valid stream: header, a maps line, one stack, two allocations, a
 * free. */
static size_t good(unsigned char *b) {
  static const char maps[] =
      "00400000-00401000 r-xp 00000000 00:00 0 /nonexistent/svc\n";
  uint32_t v = 1, pid = 7, flags = 0, len, id = 0, nf = 1, tid = 1;
  uint64_t period = 64, t0 = 1, pc = 0x400100, t, a, sz = 100, us = 104;
  size_t n = 0;
  n = put(b, n, "LGHS", 4);
  n = put(b, n, &v, 4);
  n = put(b, n, &pid, 4);
  n = put(b, n, &flags, 4);
  n = put(b, n, &period, 8);
  n = put(b, n, &t0, 8);
  len = sizeof maps - 1;
  n = put(b, n, "M\0\0\0", 4);
  n = put(b, n, &len, 4);
  n = put(b, n, maps, len);
  len = 16;
  n = put(b, n, "S\0\0\0", 4);
  n = put(b, n, &len, 4);
  n = put(b, n, &id, 4);
  n = put(b, n, &nf, 4);
  n = put(b, n, &pc, 8);
  for (a = 1; a <= 2; a++) {
    len = 40;
    t = a * 1000000000ull;
    n = put(b, n, "A\0\0\0", 4);
    n = put(b, n, &len, 4);
    n = put(b, n, &t, 8);
    n = put(b, n, &a, 8);
    n = put(b, n, &sz, 8);
    n = put(b, n, &us, 8);
    n = put(b, n, &id, 4);
    n = put(b, n, &tid, 4);
  }
  len = 16;
  t = 3000000000ull;
  a = 1;
  n = put(b, n, "F\0\0\0", 4);
  n = put(b, n, &len, 4);
  n = put(b, n, &t, 8);
  n = put(b, n, &a, 8);
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  unsigned char g[512];
  lg_heapprof *h = NULL;
  lg_result *r = lg_result_new();
  lg_error err;
  size_t gn = good(g), streams, samples, i;
  int rc;
  if (!r || lg_heapprof_new(&h, &err) != 0 ||
      lg_heapprof_add_stream_buffer(h, "good", g, gn, &err) != 0)
    abort();
  streams = lg_heapprof_streams(h);
  samples = lg_heapprof_samples(h);
  rc = lg_heapprof_add_stream_buffer(h, "fuzz.lghs", data, size, &err);
  if (rc != 0) {
    if (rc != LG_EINPUT || strncmp(err.msg, "fuzz.lghs", 9) != 0 ||
        lg_heapprof_streams(h) != streams || lg_heapprof_samples(h) != samples)
      abort();
  } else if (size && lg_heapprof_streams(h) != streams + 1) {
    abort();
  }
  /* progress over every time a stream can hold, on a coarse grid: the fit
   * runs on 25 points (lg_analyze is O(points^2) per site) */
  {
    double pt[25], px[25];
    for (i = 0; i < 25; i++) {
      pt[i] = (double)i * 1e9;
      px[i] = (double)i * 1000;
    }
    if (lg_heapprof_set_progress(h, pt, px, 25, &err) != 0)
      abort();
  }
  if (lg_heapprof_finish(h, NULL, &r->heap_profile, &err) == 0) {
    for (i = 0; i < r->heap_profile.n_sites; i++) {
      const lg_heap_site *s = &r->heap_profile.growing_sites[i];
      if (!s->function || !s->fingerprint || strlen(s->fingerprint) != 16 ||
          (i && s->bytes_per_request >
                    r->heap_profile.growing_sites[i - 1].bytes_per_request))
        abort();
    }
  }
  lg_heapprof_free(h);
  lg_result_free(r);
  return 0;
}
