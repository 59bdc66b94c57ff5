/* test_heapprof.c - the heap-profile module on streams made here (their
 * stacks are return addresses inside this test's own functions, so the
 * libdw symbolisation is real): site naming and fingerprints, the fit
 * against requests (a leak at a known rate, a bounded cache, a one-off
 * block), frees, snapshots in pprof and gperftools form read back, bad and
 * truncated streams, gperftools heap profiles, sequences of pprof profiles.
 */
#include "lg_test.h"

#include <leakgate/heapprof.h>
#include <leakgate/pprof.h>
#include <leakgate/valgrind.h>

#include "core/fsutil.h"
#include "heapprof/lghs.h"

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* ---- a stream builder ---------------------------------------------------- */

typedef struct sb {
  unsigned char *d;
  size_t n, cap;
} sb;

static void put(sb *b, const void *p, size_t n) {
  if (b->n + n > b->cap) {
    b->cap = (b->n + n) * 2 + 4096;
    b->d = realloc(b->d, b->cap);
    ck_assert_ptr_nonnull(b->d);
  }
  memcpy(b->d + b->n, p, n);
  b->n += n;
}

static void header(sb *b, uint32_t pid, uint64_t period) {
  uint32_t v = LGHS_VERSION, flags = 0;
  uint64_t t0 = 1;
  put(b, LGHS_MAGIC, 4);
  put(b, &v, 4);
  put(b, &pid, 4);
  put(b, &flags, 4);
  put(b, &period, 8);
  put(b, &t0, 8);
}

static void rec(sb *b, char kind, uint32_t len) {
  unsigned char h[8] = {(unsigned char)kind, 0, 0, 0};
  memcpy(h + 4, &len, 4);
  put(b, h, 8);
}

static void maps(sb *b) {
  char *text = NULL;
  size_t len = 0;
  lg_error err;
  ck_assert_int_eq(lg__read_file("/proc/self/maps", 1 << 20, &text, &len, &err),
                   0);
  rec(b, LGHS_MAPS, (uint32_t)len);
  put(b, text, len);
  free(text);
}

static void stack(sb *b, uint32_t id, const uint64_t *pcs, uint32_t n) {
  rec(b, LGHS_STACK, 8 + 8 * n);
  put(b, &id, 4);
  put(b, &n, 4);
  put(b, pcs, 8 * (size_t)n);
}

static void alloc(sb *b, double t, uint64_t addr, uint64_t size,
                  uint32_t stack_id) {
  uint64_t tn = (uint64_t)llround(t * 1e9),
           usable = (size + 8 + 15) / 16 * 16 - 8;
  uint32_t tid = 1;
  if (usable < size)
    usable = size;
  rec(b, LGHS_ALLOC, LGHS_ALLOC_SIZE);
  put(b, &tn, 8);
  put(b, &addr, 8);
  put(b, &size, 8);
  put(b, &usable, 8);
  put(b, &stack_id, 4);
  put(b, &tid, 4);
}

static void release(sb *b, double t, uint64_t addr) {
  uint64_t tn = (uint64_t)llround(t * 1e9);
  rec(b, LGHS_FREE, LGHS_FREE_SIZE);
  put(b, &tn, 8);
  put(b, &addr, 8);
}

/* Allocation sites in this program: their addresses are the stacks. */
__attribute__((noinline)) static int site_leak(int x) {
  return x * 3 + 1;
}
__attribute__((noinline)) static int site_cache(int x) {
  return x * 5 + 2;
}
__attribute__((noinline)) static int site_once(int x) {
  return x * 7 + 3;
}
__attribute__((noinline)) static int site_wrapper(int x) {
  return x * 11 + 4;
}

/* A "return address" inside f (the symboliser looks at address - 1). */
static uint64_t in(int (*f)(int)) {
  return (uint64_t)(uintptr_t)f + 4;
}

/* xorshift: the test's own sampling, seeded. */
static uint64_t rng = 88172645463325252ULL;
static double uniform(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return ((double)(rng >> 11) + 0.5) * 0x1.0p-53;
}

/* 100000 requests over 10 s (progress every 50 ms): each leaks 64 bytes
 * at site_leak (footprint 80: truth 80 B/request) and puts 64 bytes into a
 * ring of 2000 at site_cache (bounded); site_once allocates 1 MiB once.
 * Sampled as the sampler does, at period P. */
#define REQS 100000
#define P 4096.0
static void leak_stream(sb *b, double *pt, double *px, size_t *np) {
  uint64_t leak_stack[] = {in(site_leak), in(site_wrapper)};
  uint64_t cache_stack[] = {in(site_cache)};
  uint64_t once_stack[] = {in(site_once)};
  static uint64_t ring[2000];
  double p = -expm1(-64 / P);
  size_t i;
  header(b, 4242, (uint64_t)P);
  maps(b);
  stack(b, 0, leak_stack, 2);
  stack(b, 1, cache_stack, 1);
  stack(b, 2, once_stack, 1);
  alloc(b, 100.001, 0x7000000, 1 << 20, 2);
  for (i = 0; i < REQS; i++) {
    double t = 100.0 + 10.0 * (double)i / REQS;
    if (uniform() < p)
      alloc(b, t, 0x10000000 + 128 * i, 64, 0);
    if (ring[i % 2000]) {
      release(b, t, ring[i % 2000]);
      ring[i % 2000] = 0;
    }
    if (uniform() < p) {
      ring[i % 2000] = 0x20000000 + 128 * i;
      alloc(b, t, ring[i % 2000], 64, 1);
    }
  }
  *np = 0;
  for (i = 0; i <= 200; i++) {
    pt[*np] = 100.0 + 0.05 * (double)i;
    px[*np] = (double)REQS * (double)i / 200;
    (*np)++;
  }
}

START_TEST(t_stream_fit) {
  sb b = {0};
  double pt[256], px[256];
  size_t np, i;
  lg_heapprof *h = NULL;
  lg_heapprof_opts o;
  lg_result *r = lg_result_new();
  lg_heap_profile_result *hp = &r->heap_profile;
  lg_heap_site *s;
  lg_error err;
  char fp[LG_FINGERPRINT_SIZE];
  leak_stream(&b, pt, px, &np);
  ck_assert_int_eq(lg_heapprof_new(&h, &err), 0);
  ck_assert_msg(lg_heapprof_add_stream_buffer(h, "t.lghs", b.d, b.n, &err) == 0,
                "%s", err.msg);
  ck_assert_uint_eq(lg_heapprof_streams(h), 1);
  ck_assert_uint_gt(lg_heapprof_samples(h), 2000);
  ck_assert_int_eq(lg_heapprof_set_progress(h, pt, px, np, &err), 0);
  lg_heapprof_opts_init(&o);
  ck_assert_msg(lg_heapprof_finish(h, &o, hp, &err) == 0, "%s", err.msg);
  ck_assert(hp->ran);
  ck_assert_str_eq(hp->tool, "sampler");
  ck_assert_str_eq(hp->x, "requests");
  ck_assert_double_eq(hp->period_bytes, P);
  ck_assert_uint_eq(hp->n_sites, 1); /* not the cache, not the one-off */
  s = &hp->growing_sites[0];
  ck_assert_str_eq(s->function, "site_leak");
  ck_assert_ptr_nonnull(strstr(s->file, "test_heapprof.c"));
  ck_assert_int_gt(s->line, 0);
  ck_assert_msg(s->bytes_per_request > 72 && s->bytes_per_request < 88,
                "rate %g (truth 80)", s->bytes_per_request);
  ck_assert_msg(s->ci_lo < 80 && s->ci_hi > 80, "CI %g..%g misses 80", s->ci_lo,
                s->ci_hi);
  ck_assert(s->ci_lo > 16);
  ck_assert_uint_eq(s->n_stack, 2);
  ck_assert_str_eq(s->stack[1].function, "site_wrapper");
  ck_assert_ptr_nonnull(strstr(s->stack[0].object, "test_heapprof"));
  /* the Memcheck fingerprint of the same frames */
  lg_stack_fingerprint(s->stack, s->n_stack, fp, sizeof fp);
  ck_assert_str_eq(s->fingerprint, fp);
  ck_assert(s->last_bytes > s->first_bytes);
  for (i = 0; i < hp->n_sites; i++)
    ck_assert_str_ne(hp->growing_sites[i].function, "site_cache");
  lg_heapprof_free(h);
  lg_result_free(r);
  free(b.d);
}
END_TEST

/* An allocation wrapper named in alloc_functions names its caller. */
START_TEST(t_alloc_functions) {
  sb b = {0};
  double pt[256], px[256];
  size_t np;
  lg_heapprof *h = NULL;
  lg_heapprof_opts o;
  lg_result *r = lg_result_new();
  const char *const wrappers[] = {"site_l*"};
  lg_error err;
  leak_stream(&b, pt, px, &np);
  ck_assert_int_eq(lg_heapprof_new(&h, &err), 0);
  ck_assert_int_eq(lg_heapprof_add_stream_buffer(h, "t", b.d, b.n, &err), 0);
  ck_assert_int_eq(lg_heapprof_set_progress(h, pt, px, np, &err), 0);
  lg_heapprof_opts_init(&o);
  o.alloc_functions = wrappers;
  o.n_alloc_functions = 1;
  ck_assert_int_eq(lg_heapprof_finish(h, &o, &r->heap_profile, &err), 0);
  ck_assert_uint_eq(r->heap_profile.n_sites, 1);
  ck_assert_str_eq(r->heap_profile.growing_sites[0].function, "site_wrapper");
  /* the stack and fingerprint do not change with the naming */
  ck_assert_str_eq(r->heap_profile.growing_sites[0].stack[0].function,
                   "site_leak");
  lg_heapprof_free(h);
  lg_result_free(r);
  free(b.d);
}
END_TEST

START_TEST(t_snapshots) {
  sb b = {0};
  double pt[256], px[256];
  size_t np, i;
  char dir[] = "/tmp/lg_hp_XXXXXX", path[512];
  lg_heapprof *h = NULL;
  lg_heapprof_opts o;
  lg_result *r = lg_result_new();
  lg_pprof *p = NULL, *g = NULL;
  char *text = NULL;
  size_t len;
  lg_error err;
  int space;
  int64_t leak_bytes = 0;
  ck_assert_ptr_nonnull(mkdtemp(dir));
  leak_stream(&b, pt, px, &np);
  ck_assert_int_eq(lg_heapprof_new(&h, &err), 0);
  ck_assert_int_eq(lg_heapprof_add_stream_buffer(h, "t", b.d, b.n, &err), 0);
  ck_assert_int_eq(lg_heapprof_set_progress(h, pt, px, np, &err), 0);
  lg_heapprof_opts_init(&o);
  o.snapshots = 3;
  o.snapshot_dir = dir;
  ck_assert_msg(lg_heapprof_finish(h, &o, &r->heap_profile, &err) == 0, "%s",
                err.msg);
  ck_assert_int_eq(r->heap_profile.snapshots, 3);
  snprintf(path, sizeof path, "%s/snapshot.02.pb.gz", dir);
  ck_assert_msg(lg_pprof_read_file(path, &p, &err) == 0, "%s", err.msg);
  space = lg_pprof_sample_type(p, "inuse_space");
  ck_assert_int_eq(space, 3);
  ck_assert_str_eq(p->default_sample_type, "inuse_space");
  ck_assert_int_eq(p->period, (int64_t)P);
  for (i = 0; i < p->n_samples; i++) {
    const lg_pprof_location *l = &p->locations[p->samples[i].locations[0]];
    const char *fn = p->functions[l->lines[0].function].name;
    if (strcmp(fn, "site_leak") == 0)
      leak_bytes = p->samples[i].values[space];
    /* the leaf is the site: no allocator or sampler frame before it */
    ck_assert(strcmp(fn, "malloc") != 0);
    ck_assert_uint_ne(l->address, 0); /* with addresses, in a mapping */
    ck_assert_uint_ne(l->mapping, 0);
  }
  /* about 80 B x 100000 requests at the last snapshot */
  ck_assert_msg(leak_bytes > 7000000 && leak_bytes < 9000000, "%lld",
                (long long)leak_bytes);
  /* the gperftools text of the same instant */
  snprintf(path, sizeof path, "%s/snapshot.02.heap", dir);
  ck_assert_int_eq(lg__read_file(path, 64 << 20, &text, &len, &err), 0);
  ck_assert(strncmp(text, "heap profile: ", 14) == 0);
  ck_assert_ptr_nonnull(strstr(text, "@ heapprofile\n"));
  ck_assert_ptr_nonnull(strstr(text, "\nMAPPED_LIBRARIES:\n"));
  ck_assert_msg(lg_gperf_heap_parse(path, text, len, &g, &err) == 0, "%s",
                err.msg);
  ck_assert_uint_eq(g->n_samples, p->n_samples);
  ck_assert_uint_gt(g->n_mappings, 0);
  lg_pprof_free(g);
  lg_pprof_free(p);
  free(text);
  lg_heapprof_free(h);
  lg_result_free(r);
  free(b.d);
  for (i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s/snapshot.%02zu.pb.gz", dir, i);
    unlink(path);
    snprintf(path, sizeof path, "%s/snapshot.%02zu.heap", dir, i);
    unlink(path);
  }
  rmdir(dir);
}
END_TEST

/* Frees are matched to their allocations; a re-allocation at the same
 * address closes the earlier one (a free the sampler missed). */
START_TEST(t_frees) {
  sb b = {0};
  uint64_t st[] = {in(site_once)};
  lg_heapprof *h = NULL;
  lg_result *r = lg_result_new();
  lg_error err;
  size_t i;
  header(&b, 1, 1);
  maps(&b);
  stack(&b, 7, st, 1);
  for (i = 0; i < 300; i++) {
    alloc(&b, 1.0 + (double)i, 0x5000, 100, 7); /* same address again */
    if (i % 2)
      release(&b, 1.5 + (double)i, 0x5000);
  }
  ck_assert_int_eq(lg_heapprof_new(&h, &err), 0);
  ck_assert_int_eq(lg_heapprof_add_stream_buffer(h, "f", b.d, b.n, &err), 0);
  ck_assert_int_eq(lg_heapprof_finish(h, NULL, &r->heap_profile, &err), 0);
  ck_assert_str_eq(r->heap_profile.x, "seconds"); /* no progress pairs */
  ck_assert_uint_eq(r->heap_profile.n_sites, 0);  /* never more than 1 live */
  lg_heapprof_free(h);
  lg_result_free(r);
  free(b.d);
}
END_TEST

/* ---- bad and cut streams ------------------------------------------------- */

static void expect_bad(const sb *b, const char *want) {
  lg_heapprof *h = NULL;
  lg_error err;
  ck_assert_int_eq(lg_heapprof_new(&h, &err), 0);
  lg_error_clear(&err);
  ck_assert_int_eq(
      lg_heapprof_add_stream_buffer(h, "bad.lghs", b->d, b->n, &err),
      LG_EINPUT);
  ck_assert_msg(strncmp(err.msg, "bad.lghs: ", 10) == 0, "%s", err.msg);
  ck_assert_msg(strstr(err.msg, want) != NULL, "got '%s', want '%s'", err.msg,
                want);
  /* rolled back: nothing of the file stays */
  ck_assert_uint_eq(lg_heapprof_streams(h), 0);
  ck_assert_uint_eq(lg_heapprof_samples(h), 0);
  lg_heapprof_free(h);
}

START_TEST(t_bad_streams) {
  sb b = {0};
  uint64_t st[] = {in(site_once)};
  uint32_t v = 9;
  put(&b, "NOPE", 4);
  put(&b, "0123456789012345678901234567", 28);
  expect_bad(&b, "offset 0: not a heap-sampler stream");
  b.n = 0;
  header(&b, 1, 64);
  memcpy(b.d + 4, &v, 4);
  expect_bad(&b, "stream version 9 is not supported");
  b.n = 0;
  header(&b, 1, 0);
  expect_bad(&b, "sampling period 0");
  b.n = 0;
  header(&b, 1, 64);
  alloc(&b, 1, 0x10, 10, 3);
  expect_bad(&b, "offset 32: allocation refers to a stack not defined");
  b.n = 0;
  header(&b, 1, 64);
  rec(&b, LGHS_STACK, 8 + 8 * 100);
  {
    uint32_t id = 0, n = 100;
    unsigned char z[800] = {0};
    put(&b, &id, 4);
    put(&b, &n, 4);
    put(&b, z, sizeof z);
  }
  expect_bad(&b, "stack record with a bad frame count");
  b.n = 0;
  header(&b, 1, 64);
  stack(&b, 1, st, 1);
  stack(&b, 1, st, 1);
  expect_bad(&b, "stack id defined twice");
  b.n = 0;
  header(&b, 1, 64);
  rec(&b, LGHS_FREE, 3);
  put(&b, "abc", 3);
  expect_bad(&b, "free record of the wrong size");
  b.n = 0;
  header(&b, 1, 64);
  put(&b, (unsigned char[]){'E', 1, 0, 0, 0, 0, 0, 0}, 8);
  expect_bad(&b, "nonzero padding");
  free(b.d);
}
END_TEST

START_TEST(t_cut_stream) {
  sb b = {0};
  uint64_t st[] = {in(site_once)};
  lg_heapprof *h = NULL;
  lg_error err;
  size_t full, cut;
  header(&b, 1, 64);
  stack(&b, 0, st, 1);
  alloc(&b, 1, 0x10, 100, 0);
  alloc(&b, 2, 0x20, 100, 0);
  full = b.n;
  /* every cut inside the last record keeps the first allocation */
  for (cut = full - LGHS_RECORD_HEADER - LGHS_ALLOC_SIZE + 1; cut < full;
       cut++) {
    ck_assert_int_eq(lg_heapprof_new(&h, &err), 0);
    ck_assert_msg(lg_heapprof_add_stream_buffer(h, "cut", b.d, cut, &err) == 0,
                  "cut %zu: %s", cut, err.msg);
    ck_assert_uint_eq(lg_heapprof_samples(h), 1);
    ck_assert_uint_eq(lg_heapprof_notes(h), 1);
    ck_assert_ptr_nonnull(strstr(lg_heapprof_note(h, 0), "killed while"));
    lg_heapprof_free(h);
  }
  /* an empty file: a note, no stream, nothing to fit */
  {
    lg_result *r = lg_result_new();
    ck_assert_int_eq(lg_heapprof_new(&h, &err), 0);
    ck_assert_int_eq(lg_heapprof_add_stream_buffer(h, "empty", b.d, 0, &err),
                     0);
    ck_assert_uint_eq(lg_heapprof_streams(h), 0);
    ck_assert_uint_eq(lg_heapprof_notes(h), 1);
    ck_assert_int_eq(lg_heapprof_finish(h, NULL, &r->heap_profile, &err),
                     LG_EINPUT);
    lg_heapprof_free(h);
    lg_result_free(r);
  }
  free(b.d);
}
END_TEST

/* The sampler's refusal travels as a note. */
START_TEST(t_note) {
  sb b = {0};
  const char msg[] = "cannot profile this service: malloc is\x01 defined";
  lg_heapprof *h = NULL;
  lg_error err;
  header(&b, 1, 64);
  rec(&b, LGHS_NOTE, sizeof msg - 1);
  put(&b, msg, sizeof msg - 1);
  ck_assert_int_eq(lg_heapprof_new(&h, &err), 0);
  ck_assert_int_eq(lg_heapprof_add_stream_buffer(h, "n", b.d, b.n, &err), 0);
  ck_assert_uint_eq(lg_heapprof_notes(h), 1);
  ck_assert_str_eq(lg_heapprof_note(h, 0),
                   "cannot profile this service: malloc is? defined");
  lg_heapprof_free(h);
  free(b.d);
}
END_TEST

/* ---- gperftools heap profiles -------------------------------------------- */

START_TEST(t_gperf_parse) {
  static const char text[] =
      "heap profile:    3:     300 [    10:    1000] @ heapprofile\n"
      "     2:     200 [     5:     500] @ 0x401010 0x401100\n"
      "     1:     100 [     5:     500] @ 0x401200\n"
      "\n"
      "MAPPED_LIBRARIES:\n"
      "00400000-00402000 r-xp 00000000 08:01 1 /usr/bin/svc\n"
      "7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n";
  static const char v2[] =
      "heap profile:    1:  1024 [     1:  1024] @ heap_v2/524288\n"
      "     1:  1024 [     1:  1024] @ 0x10\n";
  lg_pprof *p = NULL;
  lg_error err;
  ck_assert_msg(
      lg_gperf_heap_parse("g.heap", text, sizeof text - 1, &p, &err) == 0, "%s",
      err.msg);
  ck_assert_uint_eq(p->n_samples, 2);
  ck_assert_int_eq(lg_pprof_sample_type(p, "inuse_space"), 3);
  ck_assert_int_eq(p->samples[0].values[3], 200); /* inuse_space */
  ck_assert_int_eq(p->samples[0].values[2], 2);   /* inuse_objects */
  ck_assert_int_eq(p->samples[0].values[1], 500); /* alloc_space */
  ck_assert_uint_eq(p->samples[0].n_locations, 2);
  ck_assert_uint_eq(p->locations[p->samples[0].locations[0]].address, 0x401010);
  ck_assert_uint_eq(p->n_mappings, 1); /* executable file mappings only */
  ck_assert_str_eq(p->mappings[0].file, "/usr/bin/svc");
  ck_assert_uint_eq(p->locations[p->samples[0].locations[0]].mapping, 1);
  lg_pprof_free(p);
  /* heap_v2: scaled back by 1 / (1 - exp(-1024 / 524288)) ~ 512.5 */
  ck_assert_int_eq(lg_gperf_heap_parse("v2.heap", v2, sizeof v2 - 1, &p, &err),
                   0);
  ck_assert_int_eq(p->period, 524288);
  ck_assert_msg(p->samples[0].values[3] > 520000 &&
                    p->samples[0].values[3] < 530000,
                "%lld", (long long)p->samples[0].values[3]);
  lg_pprof_free(p);
}
END_TEST

START_TEST(t_gperf_bad) {
  static const struct {
    const char *text, *want;
  } cases[] = {
      {"heap profile: 1: 2 [3: 4] @ growth\n", "g.heap:1:29: unsupported heap "
                                               "profile type"},
      {"heap profile: 1: 2 [3: 4 @ heapprofile\n", "g.heap:1:26: expected ']'"},
      {"heap profile: 1: 2 [3: 4] @ heapprofile\n 1: x [1: 1] @ 0x1\n",
       "g.heap:2:5: expected a number"},
      {"heap profile: 1: 2 [3: 4] @ heapprofile\n1: 1 [1: 1] @ 12\n",
       "g.heap:2:15: expected an address (0x...)"},
      {"heap profile: 1: 2 [3: 4] @ heapprofile\n1: 1 [1: 1] @ "
       "0x12345678901234567\n",
       "address wider than 64 bits"},
      {"PROFILE: 1\n", "g.heap:1:1: not a gperftools heap profile"},
      {"heap profile: 1: 2 [3: 4] @ heap_v2/0\n", "expected a sampling rate"},
      {"\n\n", "empty: not a gperftools heap profile"},
  };
  size_t i;
  for (i = 0; i < sizeof cases / sizeof *cases; i++) {
    lg_pprof *p = (lg_pprof *)1;
    lg_error err;
    ck_assert_int_eq(lg_gperf_heap_parse("g.heap", cases[i].text,
                                         strlen(cases[i].text), &p, &err),
                     LG_EINPUT);
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(err.msg, cases[i].want) != NULL,
                  "case %zu: got '%s', want '%s'", i, err.msg, cases[i].want);
  }
}
END_TEST

/* ---- sequences of profiles ----------------------------------------------- */

/* A Go-like heap profile: main.leaky holds 1000 x + 5000 bytes (noise
 * optional), main.flat 1 MiB. */
static void go_profile(int64_t leaky_bytes, unsigned char **buf, size_t *len) {
  lg_pprof *p = NULL;
  lg_error err;
  lg_frame leak[] = {{"main.leaky", "/src/main.go", NULL, 17},
                     {"main.main", "/src/main.go", NULL, 30}};
  lg_frame flat[] = {{"main.flat", "/src/main.go", NULL, 40}};
  int64_t v1[] = {leaky_bytes / 64, leaky_bytes, leaky_bytes / 64, leaky_bytes},
          v2[] = {1, 1 << 20, 1, 1 << 20};
  ck_assert_int_eq(lg_pprof_new(&p, &err), 0);
  ck_assert_int_eq(lg_pprof_add_sample_type(p, "alloc_objects", "count", &err),
                   0);
  ck_assert_int_eq(lg_pprof_add_sample_type(p, "alloc_space", "bytes", &err),
                   0);
  ck_assert_int_eq(lg_pprof_add_sample_type(p, "inuse_objects", "count", &err),
                   0);
  ck_assert_int_eq(lg_pprof_add_sample_type(p, "inuse_space", "bytes", &err),
                   0);
  ck_assert_int_eq(lg_pprof_set_period(p, "space", "bytes", 524288, &err), 0);
  ck_assert_int_eq(lg_pprof_add_stack(p, leak, 2, NULL, v1, &err), 0);
  ck_assert_int_eq(lg_pprof_add_stack(p, flat, 1, NULL, v2, &err), 0);
  ck_assert_int_eq(lg_pprof_encode(p, true, buf, len, &err), 0);
  lg_pprof_free(p);
}

static void profile_sequence(size_t n, lg_heap_profile_result *out) {
  lg_heapprof *h = NULL;
  lg_heapprof_opts o;
  lg_error err;
  size_t i;
  ck_assert_int_eq(lg_heapprof_new(&h, &err), 0);
  for (i = 0; i < n; i++) {
    unsigned char *buf;
    size_t len;
    char name[32];
    /* 1000 B per x unit, with +-3% noise */
    int64_t bytes = (int64_t)(1000.0 * (double)(i + 1) * 1000 *
                              (1 + 0.03 * ((double)(i % 3) - 1)));
    go_profile(bytes, &buf, &len);
    snprintf(name, sizeof name, "heap.%zu.pb.gz", i);
    ck_assert_msg(lg_heapprof_add_profile_buffer(
                      h, name, buf, len, (double)(i + 1) * 1000, &err) == 0,
                  "%s", err.msg);
    free(buf);
  }
  lg_heapprof_opts_init(&o);
  o.x_name = "seconds";
  ck_assert_msg(lg_heapprof_finish(h, &o, out, &err) == 0, "%s", err.msg);
  lg_heapprof_free(h);
}

START_TEST(t_profiles) {
  lg_result *r = lg_result_new();
  lg_heap_profile_result *hp = &r->heap_profile;
  /* 8 profiles: the Theil-Sen fallback; 30: lg_analyze */
  profile_sequence(8, hp);
  ck_assert_str_eq(hp->tool, "pprof");
  ck_assert_int_eq(hp->snapshots, 8);
  ck_assert_str_eq(hp->x, "seconds");
  ck_assert_uint_eq(hp->n_sites, 1);
  ck_assert_str_eq(hp->growing_sites[0].function, "main.leaky");
  ck_assert_int_eq(hp->growing_sites[0].line, 17);
  ck_assert_msg(fabs(hp->growing_sites[0].bytes_per_request - 1000) < 100, "%g",
                hp->growing_sites[0].bytes_per_request);
  profile_sequence(30, hp);
  ck_assert_uint_eq(hp->n_sites, 1);
  ck_assert_str_eq(hp->growing_sites[0].function, "main.leaky");
  ck_assert_msg(fabs(hp->growing_sites[0].bytes_per_request - 1000) < 100, "%g",
                hp->growing_sites[0].bytes_per_request);
  lg_result_free(r);
}
END_TEST

START_TEST(t_profile_errors) {
  lg_heapprof *h = NULL;
  lg_result *r = lg_result_new();
  unsigned char *buf;
  size_t len;
  sb b = {0};
  lg_error err;
  go_profile(1000, &buf, &len);
  ck_assert_int_eq(lg_heapprof_new(&h, &err), 0);
  ck_assert_int_eq(lg_heapprof_add_profile_buffer(h, "one", buf, len, 1, &err),
                   0);
  ck_assert_int_eq(lg_heapprof_finish(h, NULL, &r->heap_profile, &err),
                   LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(err.msg, "at least 2 are needed"));
  /* a stream after profiles */
  header(&b, 1, 64);
  ck_assert_int_eq(lg_heapprof_add_stream_buffer(h, "s", b.d, b.n, &err),
                   LG_EUSAGE);
  ck_assert_int_eq(
      lg_heapprof_add_profile_buffer(h, "junk", "hello", 5, 2, &err),
      LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(err.msg, "junk: neither a pprof profile"));
  lg_heapprof_free(h);
  /* profiles after a stream */
  ck_assert_int_eq(lg_heapprof_new(&h, &err), 0);
  ck_assert_int_eq(lg_heapprof_add_stream_buffer(h, "s", b.d, b.n, &err), 0);
  ck_assert_int_eq(lg_heapprof_add_profile_buffer(h, "one", buf, len, 1, &err),
                   LG_EUSAGE);
  lg_heapprof_free(h);
  lg_result_free(r);
  free(buf);
  free(b.d);
}
END_TEST

/* Each profile's own axes, then x chosen after the files were added (cli
 * analyze reads every file once). */
START_TEST(t_profile_axes) {
  lg_heapprof *h = NULL;
  lg_result *r = lg_result_new();
  lg_heap_profile_result *hp = &r->heap_profile;
  lg_heapprof_opts o;
  lg_error err;
  double t, alloc;
  size_t i;
  ck_assert_int_eq(lg_heapprof_new(&h, &err), 0);
  ck_assert_int_eq(lg_heapprof_profile_axes(h, 0, &t, &alloc, &err), LG_EUSAGE);
  for (i = 0; i < 8; i++) {
    unsigned char *buf;
    size_t len;
    go_profile((int64_t)(i + 1) * 1000000, &buf, &len);
    ck_assert_int_eq(lg_heapprof_add_profile_buffer(h, "p", buf, len, 0, &err),
                     0);
    free(buf);
    ck_assert_int_eq(lg_heapprof_profile_axes(h, i, &t, &alloc, &err), 0);
    ck_assert(isnan(t)); /* go_profile writes no time_nanos */
    ck_assert_double_eq(alloc, (double)(i + 1) * 1000000 + (1 << 20));
    ck_assert_int_eq(
        lg_heapprof_set_profile_x(h, i, (double)(i + 1) * 1000, &err), 0);
  }
  ck_assert_int_eq(lg_heapprof_set_profile_x(h, 8, 1, &err), LG_EUSAGE);
  lg_heapprof_opts_init(&o);
  ck_assert_msg(lg_heapprof_finish(h, &o, hp, &err) == 0, "%s", err.msg);
  ck_assert_uint_eq(hp->n_sites, 1);
  ck_assert_str_eq(hp->growing_sites[0].function, "main.leaky");
  ck_assert_msg(fabs(hp->growing_sites[0].bytes_per_request - 1000) < 1, "%g",
                hp->growing_sites[0].bytes_per_request);
  lg_heapprof_free(h);
  lg_result_free(r);
}
END_TEST

/* ---- where the sampler is, who can take it ------------------------------- */

START_TEST(t_locate) {
  char path[4096], why[1024], fx[4096];
  lg_error err;
  ck_assert_msg(lg_heapsampler_path(path, sizeof path, &err) == 0, "%s",
                err.msg);
  ck_assert_ptr_nonnull(strstr(path, "libleakgate-heapsampler.so"));
  ck_assert_int_eq(access(path, R_OK), 0);
  setenv("LEAKGATE_HEAPSAMPLER", "relative.so", 1);
  ck_assert_int_eq(lg_heapsampler_path(path, sizeof path, &err), LG_ETOOL);
  unsetenv("LEAKGATE_HEAPSAMPLER");
  lg_test_bin("tests/fixtures/leaky_http", fx, sizeof fx);
  ck_assert_int_eq(lg_heapprof_check_binary(fx, why, sizeof why), 0);
  lg_test_bin("tests/fixtures/static_http", fx, sizeof fx);
  if (access(fx, X_OK) == 0) {
    ck_assert_int_eq(lg_heapprof_check_binary(fx, why, sizeof why), 1);
    ck_assert_ptr_nonnull(strstr(why, "cannot profile this service: "));
    ck_assert_ptr_nonnull(strstr(why, "is statically linked"));
  } else {
    lg_test_skip("part of t_locate", "no static libc to link static_http");
  }
  /* not ELF: the sampler decides at run time */
  ck_assert_int_eq(lg_heapprof_check_binary("/etc/passwd", why, sizeof why), 0);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("heapprof");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, t_stream_fit);
  tcase_add_test(tc, t_alloc_functions);
  tcase_add_test(tc, t_snapshots);
  tcase_add_test(tc, t_frees);
  tcase_add_test(tc, t_bad_streams);
  tcase_add_test(tc, t_cut_stream);
  tcase_add_test(tc, t_note);
  tcase_add_test(tc, t_gperf_parse);
  tcase_add_test(tc, t_gperf_bad);
  tcase_add_test(tc, t_profiles);
  tcase_add_test(tc, t_profile_errors);
  tcase_add_test(tc, t_profile_axes);
  tcase_add_test(tc, t_locate);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return lg_test_run(suite());
}
