/* load/hist.c - the latency histogram of the load engine (see load_int.h).
 *
 * HdrHistogram's idea in its smallest form: a value's bucket is given by its
 * magnitude (the position of its top bit) and its next SUB_BITS-1 bits, so
 * relative precision is the same at 50 us and at 5 s. One histogram per
 * worker thread, merged after the join: recording needs no lock and no
 * allocation. Owns no heap memory.
 */
#include "load/load_int.h"

#define SUB (1u << LGL_HIST_SUB_BITS)
#define HALF (1u << (LGL_HIST_SUB_BITS - 1))

static unsigned top_bit(uint64_t v) { return 63u - (unsigned)__builtin_clzll(v); }

static size_t bucket_of(uint64_t v) {
  unsigned shift;
  size_t idx;
  if (v < SUB)
    return (size_t)v;
  shift = top_bit(v) - LGL_HIST_SUB_BITS + 1; /* v >> shift in [HALF, SUB) */
  idx = SUB + (size_t)(shift - 1) * HALF + (size_t)((v >> shift) - HALF);
  return idx < LGL_HIST_BUCKETS ? idx : LGL_HIST_BUCKETS - 1;
}

/* Lowest value and width of bucket idx. */
static void bucket_range(size_t idx, uint64_t *lo, uint64_t *width) {
  size_t k;
  unsigned shift;
  if (idx < SUB) {
    *lo = idx;
    *width = 1;
    return;
  }
  k = idx - SUB;
  shift = (unsigned)(k / HALF) + 1;
  *lo = ((uint64_t)HALF + k % HALF) << shift;
  *width = (uint64_t)1 << shift;
}

void lg__load_hist_record(lgl_hist *h, uint64_t ns) {
  h->b[bucket_of(ns)]++;
  h->count++;
  if (ns > h->max_ns)
    h->max_ns = ns;
}

void lg__load_hist_merge(lgl_hist *dst, const lgl_hist *src) {
  size_t i;
  for (i = 0; i < LGL_HIST_BUCKETS; i++)
    dst->b[i] += src->b[i];
  dst->count += src->count;
  if (src->max_ns > dst->max_ns)
    dst->max_ns = src->max_ns;
}

uint64_t lg__load_hist_quantile(const lgl_hist *h, double q) {
  uint64_t rank, seen = 0, lo, width, mid;
  size_t i;
  if (h->count == 0)
    return 0;
  if (q >= 1.0)
    return h->max_ns;
  if (q < 0)
    q = 0;
  rank = (uint64_t)(q * (double)h->count + 0.999999999);
  if (rank == 0)
    rank = 1;
  for (i = 0; i < LGL_HIST_BUCKETS; i++) {
    seen += h->b[i];
    if (seen >= rank)
      break;
  }
  if (i == LGL_HIST_BUCKETS)
    return h->max_ns;
  bucket_range(i, &lo, &width);
  mid = lo + (width - 1) / 2;
  /* Never report more than the largest value actually seen. */
  return mid > h->max_ns ? h->max_ns : mid;
}
