/* pprof/strings.c - interned strings of a profile (see pprof/pp_int.h).
 *
 * Every string of a profile is stored once; the model's fields point at
 * the stored copies, so equal strings are equal pointers (the writer's
 * dedup tables hash pointers) and the encoder's string table is the list in
 * insertion order. Open addressing on FNV-1a, grown at 1/2 load.
 * Owns the copies; freed with the table. O(length) per intern.
 */
#include "pprof/pp_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct pp_str {
  uint64_t hash;
  size_t len;
  char s[]; /* NUL-terminated */
} pp_str;

struct lg_pprof_strings {
  pp_str **list; /* index order */
  size_t n;
  uint32_t *slot; /* index + 1; 0 = empty */
  size_t cap;     /* power of two */
};

static int rehash(lg_pprof_strings *t, size_t cap) {
  uint32_t *slot = calloc(cap, sizeof *slot);
  size_t i;
  if (!slot)
    return -1;
  for (i = 0; i < t->n; i++) {
    size_t k = (size_t)t->list[i]->hash & (cap - 1);
    while (slot[k])
      k = (k + 1) & (cap - 1);
    slot[k] = (uint32_t)(i + 1);
  }
  free(t->slot);
  t->slot = slot;
  t->cap = cap;
  return 0;
}

lg_pprof_strings *lg__pp_strings_new(void) {
  lg_pprof_strings *t = calloc(1, sizeof *t);
  if (!t || rehash(t, 64) != 0 || !lg__pp_intern(t, "", 0)) {
    lg__pp_strings_free(t);
    return NULL;
  }
  return t;
}

void lg__pp_strings_free(lg_pprof_strings *t) {
  size_t i;
  if (!t)
    return;
  for (i = 0; i < t->n; i++)
    free(t->list[i]);
  free(t->list);
  free(t->slot);
  free(t);
}

const char *lg__pp_intern(lg_pprof_strings *t, const char *s, size_t n) {
  uint64_t h = pp_hash(PP_HASH0, s, n);
  size_t k = (size_t)h & (t->cap - 1);
  pp_str *e;
  for (; t->slot[k]; k = (k + 1) & (t->cap - 1)) {
    e = t->list[t->slot[k] - 1];
    if (e->hash == h && e->len == n && memcmp(e->s, s, n) == 0)
      return e->s;
  }
  if (t->n >= UINT32_MAX - 1)
    return NULL;
  /* Grow first (load at most 1/2), so a probe always ends at a free slot. */
  if (2 * (t->n + 1) > t->cap) {
    if (rehash(t, 2 * t->cap) != 0)
      return NULL;
    for (k = (size_t)h & (t->cap - 1); t->slot[k]; k = (k + 1) & (t->cap - 1))
      ;
  }
  if (lg__pp_reserve((void **)&t->list, t->n, sizeof *t->list) != 0)
    return NULL;
  e = malloc(sizeof *e + n + 1);
  if (!e)
    return NULL;
  e->hash = h;
  e->len = n;
  if (n)
    memcpy(e->s, s, n);
  e->s[n] = '\0';
  t->list[t->n++] = e;
  t->slot[k] = (uint32_t)t->n;
  return e->s;
}

int64_t lg__pp_string_index(const lg_pprof_strings *t, const char *s) {
  size_t n = strlen(s), k;
  uint64_t h = pp_hash(PP_HASH0, s, n);
  for (k = (size_t)h & (t->cap - 1); t->slot[k]; k = (k + 1) & (t->cap - 1)) {
    pp_str *e = t->list[t->slot[k] - 1];
    if (e->hash == h && e->len == n && memcmp(e->s, s, n) == 0)
      return (int64_t)(t->slot[k] - 1);
  }
  return -1;
}

size_t lg__pp_string_count(const lg_pprof_strings *t) {
  return t->n;
}

const char *lg__pp_string_at(const lg_pprof_strings *t, size_t i) {
  return t->list[i]->s;
}
