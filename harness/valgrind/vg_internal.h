/* valgrind/vg_internal.h - helpers shared by the valgrind module's files
 * (not part of the public API). */
#ifndef LG_VALGRIND_INTERNAL_H
#define LG_VALGRIND_INTERNAL_H

#include "result/frames.h"

#include <stddef.h>
#include <stdint.h>

#define LG_FNV_OFFSET 0xcbf29ce484222325ULL
#define LG_FNV_PRIME 0x100000001b3ULL

/* 64-bit FNV-1a over n bytes, continuing from h. O(n). */
static inline uint64_t lg_vg_fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *s = p;
  size_t i;
  for (i = 0; i < n; i++) {
    h ^= s[i];
    h *= LG_FNV_PRIME;
  }
  return h;
}

/* Allocator frames (lg__allocator_fn_n, lg__frame_fn_len, ...) are the
 * result module's: result/frames.h. */

/* ---- Massif: the snapshot accumulator (massif_series.c) -------------- */

typedef struct ms_point {
  uint32_t tree; /* index into lg_massif_series.tree_x */
  double bytes;
} ms_point;

/* An allocation site: function/file/line merged across a tree. */
typedef struct ms_site {
  char *fn, *file; /* file: source file, else the object, else NULL */
  int line;
  uint64_t hash;
  ms_point *pts;
  uint32_t n_pts, cap_pts;
} ms_site;

struct lg_massif_series {
  double *x, *y; /* heap series: x, mem_heap_B + mem_heap_extra_B */
  size_t n, cap;
  double *tree_x; /* x of each detailed (or peak) tree */
  size_t n_trees, cap_trees;
  ms_site *sites;
  size_t n_sites, cap_sites;
  uint32_t *table; /* open addressing: site index + 1, 0 = empty */
  size_t table_cap;
  size_t n_points; /* all ms_point, for the hard cap */
};

/* Start a detailed tree at x; returns its index or < 0. */
int lg__ms_tree_begin(struct lg_massif_series *s, double x);
/* Add bytes of a site (fn, file: length-delimited; file may be NULL) to
 * the current tree. */
int lg__ms_site_add(struct lg_massif_series *s, const char *fn, size_t fn_len,
                    const char *file, size_t file_len, int line, double bytes);
/* Add one heap-series point. */
int lg__ms_point_add(struct lg_massif_series *s, double x, double y);
/* Undo everything added after the series had n points and n_trees trees. */
void lg__ms_rollback(struct lg_massif_series *s, size_t n, size_t n_trees);

#endif
