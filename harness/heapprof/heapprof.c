/* heapprof/heapprof.c - the accumulator's life cycle and shared helpers:
 * growth with caps, interned strings, notes, progress pairs (see
 * heapprof/hp_int.h). */
#include "heapprof/hp_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Interned strings: chunks of characters plus an open-addressing table. */
typedef struct hp_strent {
  uint64_t hash;
  const char *s;
  size_t n;
} hp_strent;

struct hp_strs {
  hp_strent *slot;
  size_t cap, n;
  char **chunks;
  size_t n_chunks, cap_chunks;
  size_t chunk_left;
  char *chunk_at;
};

static uint64_t fnv(const char *s, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  size_t i;
  for (i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

static int strs_rehash(hp_strs *t, size_t cap) {
  hp_strent *slot = calloc(cap, sizeof *slot);
  size_t i;
  if (!slot)
    return -1;
  for (i = 0; i < t->cap; i++)
    if (t->slot[i].s) {
      size_t k = (size_t)t->slot[i].hash & (cap - 1);
      while (slot[k].s)
        k = (k + 1) & (cap - 1);
      slot[k] = t->slot[i];
    }
  free(t->slot);
  t->slot = slot;
  t->cap = cap;
  return 0;
}

const char *lg__hp_str(lg_heapprof *h, const char *s, size_t n) {
  hp_strs *t = h->strs;
  uint64_t hash = fnv(s, n);
  size_t k;
  char *copy;
  if (2 * (t->n + 1) > t->cap && strs_rehash(t, t->cap ? 2 * t->cap : 1024))
    return NULL;
  for (k = (size_t)hash & (t->cap - 1); t->slot[k].s;
       k = (k + 1) & (t->cap - 1))
    if (t->slot[k].hash == hash && t->slot[k].n == n &&
        memcmp(t->slot[k].s, s, n) == 0)
      return t->slot[k].s;
  if (n + 1 > t->chunk_left) {
    size_t sz = n + 1 > 65536 ? n + 1 : 65536;
    if (lg__grow((void **)&t->chunks, &t->cap_chunks, t->n_chunks + 1,
                 sizeof *t->chunks, SIZE_MAX / sizeof(char *)))
      return NULL;
    t->chunk_at = malloc(sz);
    if (!t->chunk_at)
      return NULL;
    t->chunks[t->n_chunks++] = t->chunk_at;
    t->chunk_left = sz;
  }
  copy = t->chunk_at;
  if (n)
    memcpy(copy, s, n);
  copy[n] = '\0';
  t->chunk_at += n + 1;
  t->chunk_left -= n + 1;
  t->slot[k].hash = hash;
  t->slot[k].s = copy;
  t->slot[k].n = n;
  t->n++;
  return copy;
}

int lg_heapprof_new(lg_heapprof **out, lg_error *err) {
  lg_heapprof *h = calloc(1, sizeof *h);
  *out = NULL;
  if (!h || !(h->strs = calloc(1, sizeof *h->strs))) {
    free(h);
    return lg_error_set(err, LG_ENOMEM, "heap profile: out of memory");
  }
  *out = h;
  return 0;
}

void lg_heapprof_free(lg_heapprof *h) {
  size_t i;
  if (!h)
    return;
  lg__hp_symbolize_free(h);
  for (i = 0; i < h->n_procs; i++)
    free(h->procs[i].name);
  for (i = 0; i < h->n_maps; i++)
    free(h->maps[i].text);
  for (i = 0; i < h->n_stacks; i++)
    free(h->stacks[i].pcs);
  for (i = 0; i < h->n_notes; i++)
    free(h->notes[i]);
  for (i = 0; i < h->n_sites; i++)
    free(h->sites[i].frames);
  if (h->strs) {
    for (i = 0; i < h->strs->n_chunks; i++)
      free(h->strs->chunks[i]);
    free(h->strs->chunks);
    free(h->strs->slot);
    free(h->strs);
  }
  free(h->procs);
  free(h->maps);
  free(h->stacks);
  free(h->allocs);
  free(h->notes);
  free(h->prog_t);
  free(h->prog_x);
  free(h->sites);
  free(h->site_slot);
  free(h->snaps);
  free(h->points);
  free(h);
}

int lg__hp_note(lg_heapprof *h, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  char *s;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (h->n_notes >= 64)
    return 0; /* bounded: the first notes say what matters */
  s = strdup(buf);
  if (!s || lg__grow((void **)&h->notes, &h->cap_notes, h->n_notes + 1,
                     sizeof *h->notes, 64)) {
    free(s);
    return LG_ENOMEM;
  }
  h->notes[h->n_notes++] = s;
  return 0;
}

size_t lg_heapprof_streams(const lg_heapprof *h) {
  return h->n_procs;
}
size_t lg_heapprof_samples(const lg_heapprof *h) {
  return h->n_allocs;
}
size_t lg_heapprof_notes(const lg_heapprof *h) {
  return h->n_notes;
}
const char *lg_heapprof_note(const lg_heapprof *h, size_t i) {
  return i < h->n_notes ? h->notes[i] : NULL;
}

int lg_heapprof_set_progress(lg_heapprof *h, const double *t_s,
                             const double *requests, size_t n, lg_error *err) {
  double *t = NULL, *x = NULL;
  size_t i;
  for (i = 0; i < n; i++)
    if (!isfinite(t_s[i]) || !isfinite(requests[i]) ||
        (i > 0 && (t_s[i] < t_s[i - 1] || requests[i] < requests[i - 1])))
      return lg_error_set(err, LG_EUSAGE,
                          "heap profile: progress point %zu is not finite "
                          "or goes back",
                          i);
  if (n) {
    t = malloc(n * sizeof *t);
    x = malloc(n * sizeof *x);
    if (!t || !x) {
      free(t);
      free(x);
      return lg_error_set(err, LG_ENOMEM, "heap profile: out of memory");
    }
    memcpy(t, t_s, n * sizeof *t);
    memcpy(x, requests, n * sizeof *x);
  }
  free(h->prog_t);
  free(h->prog_x);
  h->prog_t = t;
  h->prog_x = x;
  h->n_prog = n;
  return 0;
}

void lg_heapprof_opts_init(lg_heapprof_opts *o) {
  memset(o, 0, sizeof *o);
  o->tolerance = 16;
  o->confidence = 0.99;
  o->warmup_fraction = 0.2;
  o->max_sites = 20;
  o->snapshots = 8;
  o->x_name = "index";
}
