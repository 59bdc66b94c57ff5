/* pprof/pp_int.h - internals shared by the pprof module's files: the
 * interned strings every model string points into, growth of the model's
 * append-only arrays, and the writer's dedup tables. */
#ifndef LG_PPROF_INT_H
#define LG_PPROF_INT_H

#include <leakgate/pprof.h>

#include <stddef.h>
#include <stdint.h>

/* 64-bit FNV-1a over n bytes, continuing from h. */
static inline uint64_t pp_hash(uint64_t h, const void *p, size_t n) {
  const unsigned char *s = p;
  size_t i;
  for (i = 0; i < n; i++) {
    h ^= s[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}
#define PP_HASH0 0xcbf29ce484222325ULL

/* ---- Interned strings (strings.c) -------------------------------------- */

/* A new table holding "" at index 0; NULL when out of memory. */
lg_pprof_strings *lg__pp_strings_new(void);
void lg__pp_strings_free(lg_pprof_strings *t);
/* The interned copy of s[0..n) (added when new); NULL when out of memory.
 * The pointer is stable for the table's life. O(n) expected. */
const char *lg__pp_intern(lg_pprof_strings *t, const char *s, size_t n);
/* The index of interned string s in the table, or -1 when s is not one of
 * its strings. */
int64_t lg__pp_string_index(const lg_pprof_strings *t, const char *s);
/* Strings in index order: how many, and the one at index i (0 is ""). */
size_t lg__pp_string_count(const lg_pprof_strings *t);
const char *lg__pp_string_at(const lg_pprof_strings *t, size_t i);

/* ---- Append-only arrays (model.c) -------------------------------------- */

/* Arrays of the model hold room for lg__pp_cap(n) elements when they hold n, so
 * an append only reallocates when n reaches a power of two. */
size_t lg__pp_cap(size_t n);
/* Make room for element n of *arr (elements of size elem); LG_ENOMEM. */
int lg__pp_reserve(void **arr, size_t n, size_t elem);

#endif
