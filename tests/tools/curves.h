/* tests/tools/curves.h - the synthetic accuracy corpus of issue 4 and the
 * research note growth-statistics.md section 10, as seeded C generators.
 *
 * Header-only (static functions) so the accuracy test, the naive-vs-leakgate
 * bench and tests/tools/gen_curves.c share one definition without a library.
 * Deterministic: a curve and a seed give the same points on every run
 * (xoshiro256** seeded by splitmix64, Box-Muller normals).
 *
 * Shared settings: B0 = 64 MiB; x = completed requests sampled every 1,000
 * up to 200,000 (n = 200); AR(1) noise with marginal sigma 256 KiB and
 * rho 0.5; t = x / 1000 (1,000 requests per second); tolerance 16 B/request.
 */
#ifndef LG_TOOLS_CURVES_H
#define LG_TOOLS_CURVES_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LGC_MIB 1048576.0
#define LGC_B0 (64 * LGC_MIB)
#define LGC_MAX_POINTS 2000
#define LGC_TOLERANCE 16.0
#define LGC_RATE 1000.0 /* requests per second, for t */

/* What a curve should get. */
typedef enum {
  LGC_BENIGN, /* no leak: judged leak at most 1% */
  LGC_LEAK,   /* clear leak: found at least 95% */
  LGC_NOPASS, /* too short/noisy: passed (no_leak) at most 5% */
  LGC_LATE    /* late leak: no_leak at most 5% (inconclusive tolerated) */
} lgc_class;

typedef struct lgc_curve {
  const char *id, *file, *desc;
  lgc_class cls;
} lgc_curve;

enum { LGC_N_CURVES = 16 };

static const lgc_curve lgc_curves[LGC_N_CURVES] = {
    {"T1", "t01_linear_leak", "linear leak 64 B/req", LGC_LEAK},
    {"T2", "t02_exp_warmup", "exp warm-up 24 MiB, tau 15k", LGC_BENIGN},
    {"T3", "t03_log_warmup", "log warm-up 1 MiB ln(1+x/1000)", LGC_BENIGN},
    {"T4", "t04_step", "8 MiB step at 60k, flat", LGC_BENIGN},
    {"T5", "t05_gc_sawtooth", "GC sawtooth 32 MiB / 7000 req", LGC_BENIGN},
    {"T6", "t06_sawtooth_leak", "sawtooth + 32 B/req leak", LGC_LEAK},
    {"T7", "t07_slow_leak_long", "24 B/req, sigma 2 MiB, 1M req", LGC_LEAK},
    {"T8", "t08_short_noisy", "20 B/req, sigma 4 MiB, 200k req", LGC_NOPASS},
    {"T9", "t09_leak_halfway", "64 B/req from 100k", LGC_LEAK},
    {"T10", "t10_rss_ratchet", "page-quantised high-water ratchet", LGC_BENIGN},
    {"T11", "t11_late_leak", "64 B/req in the last 15%", LGC_LATE},
    {"T12", "t12_go_staircase", "Go heap staircase, leak 256 B/req", LGC_LEAK},
    {"T13", "t13_go_sparse_staircase", "Go heap, leak 64 B/req, 1M req",
     LGC_LEAK},
    {"T14", "t14_go_cache_once", "Go heap, 32 MiB cache loaded at 80k",
     LGC_BENIGN},
    {"T15", "t15_go_gc_sawtooth", "Go heap sawtooth in 4 MiB chunks",
     LGC_BENIGN},
    {"T16", "t16_go_bounded_cache", "Go heap, 48 MiB cache, tau 30k",
     LGC_BENIGN},
};

typedef struct lgc_rng {
  uint64_t s[4];
} lgc_rng;

static inline uint64_t lgc_splitmix(uint64_t *z) {
  uint64_t r = (*z += 0x9E3779B97F4A7C15ull);
  r = (r ^ (r >> 30)) * 0xBF58476D1CE4E5B9ull;
  r = (r ^ (r >> 27)) * 0x94D049BB133111EBull;
  return r ^ (r >> 31);
}

static inline void lgc_seed(lgc_rng *g, uint64_t seed) {
  int i;
  for (i = 0; i < 4; i++)
    g->s[i] = lgc_splitmix(&seed);
}

static inline uint64_t lgc_next(lgc_rng *g) {
  uint64_t *s = g->s, r = s[1] * 5, t = s[1] << 17;
  r = ((r << 7) | (r >> 57)) * 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = (s[3] << 45) | (s[3] >> 19);
  return r;
}

/* Uniform in (0, 1). */
static inline double lgc_uniform(lgc_rng *g) {
  return ((double)(lgc_next(g) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static inline double lgc_normal(lgc_rng *g) {
  double u = lgc_uniform(g), v = lgc_uniform(g);
  return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

/* AR(1) noise of marginal sd sigma and lag-1 correlation rho into e[0..n). */
static inline void lgc_ar1(lgc_rng *g, double sigma, double rho, double *e,
                           size_t n) {
  size_t i;
  double k = sigma * sqrt(1 - rho * rho);
  e[0] = sigma * lgc_normal(g);
  for (i = 1; i < n; i++)
    e[i] = rho * e[i - 1] + k * lgc_normal(g);
}

/* Live bytes of the Go-heap curves T12-T16 at x requests. */
static inline double lgc_go_live(int c, double x) {
  double l0 = LGC_B0 / 2;
  switch (c) {
  case 11:
    return l0 + 256 * x;
  case 12:
    return l0 + 64 * x;
  case 13:
    return l0 + (x >= 80000 ? 32 * LGC_MIB : 0);
  case 15:
    return l0 + 48 * LGC_MIB * (1 - exp(-x / 30000));
  default:
    return l0;
  }
}

/* Anonymous memory of a Go service (GOGC = 100) whose live heap is
 * lgc_go_live(c, x) and which makes `garbage` bytes of garbage per request:
 * the heap climbs from the live bytes to twice the live bytes at the last
 * collection, then a collection resets it. Memory is mapped in chunks of
 * `chunk` bytes as the heap first needs it and stays mapped (anon is the
 * running peak), unless `scavenge` returns it after each collection. Ten
 * sub-steps per sample; y = mapped + page-level noise e, page-rounded.
 * This is the staircase measured on Go 1.19 services: flat stretches
 * between bursts of jumps at the end of each GC cycle, the bursts getting
 * further apart as the live heap grows (issue 12). */
static inline void lgc_go_heap(int c, const double *x, size_t n, double garbage,
                               double chunk, int scavenge, const double *e,
                               double *y) {
  double xgc = 0, lgc = lgc_go_live(c, 0), mapped = 0, prev = 0, h = lgc;
  size_t i;
  int k;
  for (i = 0; i < n; i++) {
    for (k = 1; k <= 10; k++) {
      double xs = prev + (x[i] - prev) * k / 10;
      h = lgc_go_live(c, xs) + garbage * (xs - xgc);
      while (h > mapped)
        mapped += chunk;
      if (h >= 2 * lgc) { /* collection: only the live bytes remain */
        xgc = xs;
        lgc = lgc_go_live(c, xs);
        h = lgc;
        if (scavenge)
          mapped = chunk * ceil(h / chunk);
      }
    }
    prev = x[i];
    y[i] = 4096 * ceil((mapped + e[i]) / 4096);
  }
}

/* Generate curve c (index into lgc_curves) with seed into x, y, t (each at
 * least LGC_MAX_POINTS long). Returns the number of points. */
static inline size_t lgc_generate(int c, uint64_t seed, double *x, double *y,
                                  double *t) {
  lgc_rng g;
  double e[LGC_MAX_POINTS], step = 1000, sigma = 256 * 1024.0, rho = 0.5;
  size_t n = 200, i;
  lgc_seed(&g, seed * 1000003ull + (uint64_t)c * 7919ull + 17);
  switch (c) {
  case 4: /* T5 */
  case 5: /* T6 */
    n = 2000;
    step = 100;
    break;
  case 6: /* T7 */
    n = 500;
    step = 2000;
    sigma = 2 * LGC_MIB;
    break;
  case 7: /* T8 */
    sigma = 4 * LGC_MIB;
    break;
  case 9: /* T10: the live heap's noise; y is its page-rounded running max */
    sigma = 2 * LGC_MIB;
    rho = 0.3;
    break;
  case 11: /* T12-T16: the noise is page-level jitter of mapped memory */
  case 13:
  case 15:
    sigma = 48 * 1024.0;
    break;
  case 12: /* T13 */
    n = 500;
    step = 2000;
    sigma = 48 * 1024.0;
    break;
  case 14: /* T15 */
    n = 2000;
    step = 100;
    sigma = 48 * 1024.0;
    break;
  default:
    break;
  }
  lgc_ar1(&g, sigma, rho, e, n);
  if (c >= 11) {
    for (i = 0; i < n; i++) {
      x[i] = (double)(i + 1) * step;
      t[i] = x[i] / LGC_RATE;
    }
    lgc_go_heap(c, x, n,
                c == 12   ? 1024
                : c == 14 ? 4681
                          : 2048,
                c == 14 ? 4 * LGC_MIB : 4096, c == 14, e, y);
    return n;
  }
  for (i = 0; i < n; i++) {
    double xi = (double)(i + 1) * step, v;
    switch (c) {
    case 0:
      v = 64 * xi;
      break;
    case 1:
      v = 24 * LGC_MIB * (1 - exp(-xi / 15000));
      break;
    case 2:
      v = LGC_MIB * log1p(xi / 1000);
      break;
    case 3:
      v = xi >= 60000 ? 8 * LGC_MIB : 0;
      break;
    case 4:
      v = 32 * LGC_MIB * (fmod(xi, 7000) / 7000);
      break;
    case 5:
      v = 32 * LGC_MIB * (fmod(xi, 7000) / 7000) + 32 * xi;
      break;
    case 6:
      v = 24 * xi;
      break;
    case 7:
      v = 20 * xi;
      break;
    case 8:
      v = xi > 100000 ? 64 * (xi - 100000) : 0;
      break;
    case 10:
      v = xi > 170000 ? 64 * (xi - 170000) : 0;
      break;
    default:
      v = 0;
      break;
    }
    x[i] = xi;
    t[i] = xi / LGC_RATE;
    if (c == 9) {
      double live = LGC_B0 + e[i];
      double hw = i > 0 && y[i - 1] > live ? y[i - 1] : live;
      y[i] = 4096 * ceil(hw / 4096);
    } else {
      y[i] = LGC_B0 + v + e[i];
    }
  }
  return n;
}

/* Write points as a samples.csv (anon_bytes = the curve, rss_bytes 12 MiB
 * above it, pss_bytes empty as when smaps_rollup is not read). */
static inline int lgc_write_csv(FILE *f, const double *x, const double *y,
                                const double *t, size_t n) {
  size_t i;
  if (fprintf(f, "t_s,requests,rss_bytes,anon_bytes,pss_bytes,cgroup_bytes,"
                 "procs,fds,phase\n") < 0)
    return -1;
  for (i = 0; i < n; i++) {
    double a = floor(y[i] + 0.5);
    if (fprintf(f, "%.3f,%.0f,%.0f,%.0f,,%.0f,1,12,%s\n", t[i], x[i],
                a + 12 * LGC_MIB, a, a + 14 * LGC_MIB,
                x[i] <= 0.2 * x[n - 1] ? "warmup" : "steady") < 0)
      return -1;
  }
  return 0;
}

#endif
