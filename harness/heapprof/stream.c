/* heapprof/stream.c - the heap sampler's stream (heapprof/lghs.h) read
 * into the accumulator: one process per file, its maps texts, stacks and
 * sampled allocations as intervals [t_alloc, t_free).
 *
 * Weights: an allocation of s requested bytes is sampled with probability
 * p = 1 - exp(-s / period) (a Poisson process over requested bytes), so
 * it stands for 1/p objects and footprint/p bytes, where footprint is the
 * usable size plus the allocator's chunk header (glibc: one size_t), the
 * memory the leak really costs. Sums of these weights are unbiased.
 * Frees are matched to the latest sampled allocation at the same address
 * in the same stream (sorting the events by address); a free of an
 * address not sampled is ignored.
 * A record cut by the end of the file (the process was killed while
 * writing) ends the stream with a note; every other inconsistency is
 * LG_EINPUT "NAME: offset N: problem", and the accumulator is rolled back
 * to what it held before the file. Cost: O(n log n) for n records.
 */
#include "heapprof/hp_int.h"
#include "heapprof/lghs.h"

#include "core/fsutil.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The chunk header glibc's malloc puts before each block. */
#define CHUNK_HEADER ((double)sizeof(size_t))

typedef struct ev {
  uint64_t addr;
  uint32_t seq;   /* order in the stream */
  uint32_t alloc; /* alloc index, or UINT32_MAX for a free */
  double t;
} ev;

typedef struct idmap {
  uint32_t id, stack;
} idmap;

typedef struct reader {
  lg_heapprof *h;
  const char *name;
  const unsigned char *d;
  size_t len;
  uint32_t proc, maps; /* current maps index, UINT32_MAX before the first */
  double period;
  idmap *ids; /* stream stack id -> stack index */
  size_t n_ids, cap_ids;
  ev *evs;
  size_t n_evs, cap_evs;
  lg_error *err;
} reader;

static uint32_t u32(const unsigned char *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
static uint64_t u64(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

static int bad(reader *r, size_t off, const char *what) {
  return lg_error_set(r->err, LG_EINPUT, "%s: offset %zu: %s", r->name, off,
                      what);
}

static int nomem(reader *r) {
  return lg_error_set(r->err, LG_ENOMEM, "%s: out of memory", r->name);
}

static int find_id(const reader *r, uint32_t id, uint32_t *stack) {
  size_t lo = 0, hi = r->n_ids;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (r->ids[mid].id < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < r->n_ids && r->ids[lo].id == id) {
    *stack = r->ids[lo].stack;
    return 1;
  }
  return 0;
}

static int on_stack(reader *r, size_t off, const unsigned char *p,
                    uint32_t len) {
  lg_heapprof *h = r->h;
  uint32_t id, n, i, found;
  hp_stack s;
  size_t at;
  int rc;
  if (len < 8)
    return bad(r, off, "stack record shorter than its header");
  id = u32(p);
  n = u32(p + 4);
  if (n > LGHS_MAX_FRAMES || len != 8 + 8 * n)
    return bad(r, off, "stack record with a bad frame count");
  if (find_id(r, id, &found))
    return bad(r, off, "stack id defined twice");
  if ((rc = lg__grow((void **)&h->stacks, &h->cap_stacks, h->n_stacks + 1,
                     sizeof *h->stacks, HP_MAX_STACKS)) ||
      (rc = lg__grow((void **)&r->ids, &r->cap_ids, r->n_ids + 1,
                     sizeof *r->ids, HP_MAX_STACKS)))
    return rc == LG_ELIMIT ? bad(r, off, "too many stacks") : nomem(r);
  s.maps = r->maps;
  s.n = n;
  s.site = UINT32_MAX;
  s.pcs = malloc((n ? n : 1) * sizeof *s.pcs);
  if (!s.pcs)
    return nomem(r);
  for (i = 0; i < n; i++)
    s.pcs[i] = u64(p + 8 + 8 * i);
  h->stacks[h->n_stacks] = s;
  /* keep ids sorted: the sampler numbers them in order, so this is an
   * append except after a fork (the child's ids start anywhere) */
  at = r->n_ids;
  while (at > 0 && r->ids[at - 1].id > id) {
    r->ids[at] = r->ids[at - 1];
    at--;
  }
  r->ids[at].id = id;
  r->ids[at].stack = (uint32_t)h->n_stacks++;
  r->n_ids++;
  return 0;
}

static int add_ev(reader *r, uint64_t addr, uint32_t alloc, double t) {
  if (lg__grow((void **)&r->evs, &r->cap_evs, r->n_evs + 1, sizeof *r->evs,
               2 * HP_MAX_ALLOCS))
    return LG_ENOMEM;
  r->evs[r->n_evs].addr = addr;
  r->evs[r->n_evs].seq = (uint32_t)r->n_evs;
  r->evs[r->n_evs].alloc = alloc;
  r->evs[r->n_evs].t = t;
  r->n_evs++;
  return 0;
}

static int on_alloc(reader *r, size_t off, const unsigned char *p,
                    uint32_t len) {
  lg_heapprof *h = r->h;
  hp_alloc a;
  double size, usable, prob;
  uint32_t stack;
  int rc;
  if (len != LGHS_ALLOC_SIZE)
    return bad(r, off, "allocation record of the wrong size");
  if (!find_id(r, u32(p + 32), &stack))
    return bad(r, off, "allocation refers to a stack not defined before it");
  size = (double)u64(p + 16);
  usable = (double)u64(p + 24);
  if (usable < size)
    usable = size;
  prob = size > 0 ? -expm1(-size / r->period) : 1;
  if (!(prob > 0))
    prob = 1;
  a.t_alloc = (double)u64(p) / 1e9;
  a.t_free = INFINITY;
  a.bytes = (usable + CHUNK_HEADER) / prob;
  a.objects = 1 / prob;
  a.stack = stack;
  if ((rc = lg__grow((void **)&h->allocs, &h->cap_allocs, h->n_allocs + 1,
                     sizeof *h->allocs, HP_MAX_ALLOCS)))
    return rc == LG_ELIMIT ? bad(r, off, "too many samples") : nomem(r);
  if (add_ev(r, u64(p + 8), (uint32_t)h->n_allocs, a.t_alloc))
    return nomem(r);
  h->allocs[h->n_allocs++] = a;
  return 0;
}

static int cmp_ev(const void *a, const void *b) {
  const ev *x = a, *y = b;
  if (x->addr != y->addr)
    return x->addr < y->addr ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Close each sampled allocation at the next free (or re-allocation: a free
 * the sampler missed) of its address. */
static void match_frees(reader *r) {
  size_t i;
  if (r->n_evs)
    qsort(r->evs, r->n_evs, sizeof *r->evs, cmp_ev);
  for (i = 0; i < r->n_evs; i++) {
    const ev *e = &r->evs[i], *next;
    if (e->alloc == UINT32_MAX || i + 1 >= r->n_evs)
      continue;
    next = &r->evs[i + 1];
    if (next->addr == e->addr)
      r->h->allocs[e->alloc].t_free = next->t;
  }
}

/* Printable copy of a note (the sampler writes text; a damaged file may
 * not). */
static int on_note(reader *r, const unsigned char *p, uint32_t len) {
  char buf[600];
  size_t i, n = len < 512 ? len : 512;
  for (i = 0; i < n; i++)
    buf[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
  buf[n] = '\0';
  return lg__hp_note(r->h, "%s", buf);
}

static int parse(reader *r) {
  lg_heapprof *h = r->h;
  hp_proc pr;
  size_t off = LGHS_HEADER_SIZE;
  uint32_t version;
  int rc;
  if (r->len < LGHS_HEADER_SIZE || memcmp(r->d, LGHS_MAGIC, 4) != 0)
    return bad(r, 0, "not a heap-sampler stream (no LGHS header)");
  version = u32(r->d + 4);
  if (version != LGHS_VERSION)
    return lg_error_set(r->err, LG_EINPUT,
                        "%s: stream version %u is not supported (this "
                        "leakgate reads version %u)",
                        r->name, version, LGHS_VERSION);
  r->period = (double)u64(r->d + 16);
  if (!(r->period >= 1))
    return bad(r, 16, "sampling period 0");
  if (lg__grow((void **)&h->procs, &h->cap_procs, h->n_procs + 1,
               sizeof *h->procs, 1 << 20))
    return nomem(r);
  pr.pid = u32(r->d + 8);
  pr.period = r->period;
  pr.name = strdup(r->name);
  if (!pr.name)
    return nomem(r);
  r->proc = (uint32_t)h->n_procs;
  h->procs[h->n_procs++] = pr;
  if (h->period == 0)
    h->period = r->period;
  while (off < r->len) {
    const unsigned char *p;
    uint32_t len;
    if (r->len - off < LGHS_RECORD_HEADER ||
        (len = u32(r->d + off + 4),
         r->len - off - LGHS_RECORD_HEADER < (size_t)len)) {
      rc = lg__hp_note(h,
                       "%s: the stream ends inside a record at offset %zu (the "
                       "process was killed while writing); the records before "
                       "it are used",
                       r->name, off);
      if (rc)
        return nomem(r);
      break;
    }
    if (len > LGHS_MAX_PAYLOAD)
      return bad(r, off, "record longer than any the sampler writes");
    if (r->d[off + 1] || r->d[off + 2] || r->d[off + 3])
      return bad(r, off, "record header with nonzero padding");
    p = r->d + off + LGHS_RECORD_HEADER;
    switch (r->d[off]) {
    case LGHS_MAPS: {
      int m = lg__hp_maps_add(h, r->proc, (const char *)p, len);
      if (m < 0)
        return nomem(r);
      r->maps = (uint32_t)m;
      break;
    }
    case LGHS_STACK:
      if ((rc = on_stack(r, off, p, len)))
        return rc;
      break;
    case LGHS_ALLOC:
      if ((rc = on_alloc(r, off, p, len)))
        return rc;
      break;
    case LGHS_FREE:
      if (len != LGHS_FREE_SIZE)
        return bad(r, off, "free record of the wrong size");
      if (add_ev(r, u64(p + 8), UINT32_MAX, (double)u64(p) / 1e9))
        return nomem(r);
      break;
    case LGHS_NOTE:
      if (on_note(r, p, len))
        return nomem(r);
      break;
    default:
      break; /* a newer sampler's record: skipped by its length */
    }
    off += LGHS_RECORD_HEADER + len;
  }
  match_frees(r);
  return 0;
}

/* Undo everything a failed file added. */
static void rollback(lg_heapprof *h, size_t procs, size_t maps, size_t stacks,
                     size_t allocs, size_t notes) {
  size_t i;
  for (i = procs; i < h->n_procs; i++)
    free(h->procs[i].name);
  for (i = maps; i < h->n_maps; i++)
    free(h->maps[i].text);
  for (i = stacks; i < h->n_stacks; i++)
    free(h->stacks[i].pcs);
  for (i = notes; i < h->n_notes; i++)
    free(h->notes[i]);
  h->n_procs = procs;
  h->n_maps = maps;
  h->n_stacks = stacks;
  h->n_allocs = allocs;
  h->n_notes = notes;
}

int lg_heapprof_add_stream_buffer(lg_heapprof *h, const char *name,
                                  const void *data, size_t len, lg_error *err) {
  reader r;
  size_t procs = h->n_procs, maps = h->n_maps, stacks = h->n_stacks,
         allocs = h->n_allocs, notes = h->n_notes;
  int rc;
  if (h->n_snaps)
    return lg_error_set(err, LG_EUSAGE,
                        "%s: sample streams and heap profiles cannot be "
                        "mixed",
                        name);
  if (len == 0)
    return lg__hp_note(
               h, "%s: empty (the process ended as the sampler started)", name)
               ? lg_error_set(err, LG_ENOMEM, "out of memory")
               : 0;
  memset(&r, 0, sizeof r);
  r.h = h;
  r.name = name;
  r.d = data;
  r.len = len;
  r.maps = UINT32_MAX;
  r.err = err;
  rc = parse(&r);
  if (rc)
    rollback(h, procs, maps, stacks, allocs, notes);
  else
    h->format = "stream";
  free(r.ids);
  free(r.evs);
  return rc;
}

int lg_heapprof_add_stream(lg_heapprof *h, const char *path, lg_error *err) {
  char *data = NULL;
  size_t len = 0;
  int rc = lg__read_file(path, (size_t)1 << 31, &data, &len, err);
  if (rc)
    return rc;
  rc = lg_heapprof_add_stream_buffer(h, path, data, len, err);
  free(data);
  return rc;
}

static int cmp_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int lg_heapprof_add_stream_dir(lg_heapprof *h, const char *dir, lg_error *err) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char **names = NULL;
  size_t n = 0, cap = 0, i;
  int rc = 0;
  if (!d)
    return lg_error_set(err, LG_ENOENT, "%s: cannot open the directory", dir);
  while ((e = readdir(d)) != NULL) {
    size_t l = strlen(e->d_name);
    char *p;
    if (strncmp(e->d_name, "heapprof.", 9) != 0 || l < 14 ||
        strcmp(e->d_name + l - 5, ".lghs") != 0)
      continue;
    p = lg__path_join(dir, e->d_name);
    if (!p || lg__grow((void **)&names, &cap, n + 1, sizeof *names, 1 << 20)) {
      free(p);
      rc = lg_error_set(err, LG_ENOMEM, "out of memory");
      goto cleanup;
    }
    names[n++] = p;
  }
  if (n == 0) {
    rc = lg_error_set(err, LG_ENOENT,
                      "%s: no heap-sampler stream (heapprof.*.lghs): the "
                      "sampler was never loaded into the service",
                      dir);
    goto cleanup;
  }
  qsort(names, n, sizeof *names, cmp_name);
  for (i = 0; i < n && rc == 0; i++)
    rc = lg_heapprof_add_stream(h, names[i], err);
cleanup:
  closedir(d);
  for (i = 0; i < n; i++)
    free(names[i]);
  free(names);
  return rc;
}
