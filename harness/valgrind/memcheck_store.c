/* valgrind/memcheck_store.c - what the Memcheck XML reader stores: leak
 * records in the result (with fingerprints), the count of distinct
 * non-leak errors, the order of the records, and the rollback of a file
 * that failed half way.
 * Ownership: records belong to the lg_memcheck_result (freed by
 * lg_result_free, or by lg__mc_rollback); mc_counts owns its arrays.
 */
#include <leakgate/valgrind.h>

#include "valgrind/memcheck_store.h"
#include "valgrind/vg_internal.h"

#include <stdlib.h>
#include <string.h>

#define MC_MAX_UNIQUES ((size_t)1 << 20)

static size_t slot(const mc_counts *c, uint64_t key) {
  size_t i =
      (size_t)(lg_vg_fnv(LG_FNV_OFFSET, &key, sizeof key)) & (c->cap - 1);
  /* After a resize *c = g holds the new arrays; the analyzer keeps
   * following the freed old ones. */
  /* NOLINTNEXTLINE(clang-analyzer-unix.Malloc) */
  while (c->used[i] && c->keys[i] != key)
    i = (i + 1) & (c->cap - 1);
  return i;
}

/* Insert key with value 1 if absent; set its value when set >= 0. */
int lg__mc_counts_put(mc_counts *c, uint64_t key, int64_t set, bool insert) {
  size_t i;
  if (c->n + 1 > c->cap / 2) {
    mc_counts g;
    size_t j;
    if (!insert)
      goto lookup;
    if (c->n >= MC_MAX_UNIQUES)
      return LG_ELIMIT;
    g.cap = c->cap ? c->cap * 2 : 64;
    g.n = 0;
    g.keys = calloc(g.cap, sizeof *g.keys);
    g.vals = calloc(g.cap, sizeof *g.vals);
    g.used = calloc(g.cap, 1);
    if (!g.keys || !g.vals || !g.used) {
      free(g.keys), free(g.vals), free(g.used);
      return LG_ENOMEM;
    }
    for (j = 0; j < c->cap; j++)
      if (c->used[j]) {
        size_t k = slot(&g, c->keys[j]);
        g.used[k] = 1, g.keys[k] = c->keys[j], g.vals[k] = c->vals[j];
        g.n++;
      }
    free(c->keys), free(c->vals), free(c->used);
    *c = g;
  }
lookup:
  if (!c->cap)
    return 0;
  i = slot(c, key);
  /* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): see slot() */
  if (!c->used[i]) {
    if (!insert)
      return 0; /* a count for an error we never saw: partial info, ignore */
    c->used[i] = 1, c->keys[i] = key, c->vals[i] = 1;
    c->n++;
  }
  if (set >= 0)
    c->vals[i] = set;
  return 0;
}

void lg__mc_counts_free(mc_counts *c) {
  free(c->keys), free(c->vals), free(c->used);
  memset(c, 0, sizeof *c);
}

int64_t lg__mc_counts_get(const mc_counts *c, uint64_t key) {
  size_t i;
  if (!c->cap)
    return -1;
  i = slot(c, key);
  return c->used[i] ? c->vals[i] : -1;
}

int64_t lg__mc_counts_sum(const mc_counts *c) {
  int64_t sum = 0;
  size_t i;
  for (i = 0; i < c->cap; i++)
    if (c->used[i])
      sum += c->vals[i];
  return sum;
}

/* The direct bytes of a loss record whose blocks hold indirectly lost ones:
 * "108 (8 direct, 100 indirect) bytes in 1 blocks are definitely lost ..."
 * (numbers may have thousands separators; delta leak checks add "(+8)").
 * <leakedbytes> is 108, but Valgrind's summary counts 8 as definitely lost
 * and the 100 under indirectly lost. -1 when the text has no direct part. */
double lg__mc_direct_bytes(const char *t) {
  const char *d = strstr(t, " direct, "), *q;
  double v = 0;
  int digits = 0;
  if (!d)
    return -1;
  for (q = d; q > t; q--) /* the '(' that opens "(8 direct" */
    if (q[-1] == '(' && q[0] >= '0' && q[0] <= '9')
      break;
  if (q == t)
    return -1;
  for (; q < d; q++) {
    if (*q >= '0' && *q <= '9')
      v = v * 10 + (*q - '0'), digits++;
    else if (*q != ',' && *q != '.' && *q != '\'')
      break; /* the number ends: " (+8)" or " direct" */
  }
  return digits ? v : -1;
}

const char *lg__mc_leak_kind(const char *k) {
  if (strcmp(k, "Leak_DefinitelyLost") == 0)
    return "definite";
  if (strcmp(k, "Leak_IndirectlyLost") == 0)
    return "indirect";
  if (strcmp(k, "Leak_PossiblyLost") == 0)
    return "possible";
  if (strcmp(k, "Leak_StillReachable") == 0)
    return "reachable";
  return NULL;
}

void lg__mc_rollback(lg_memcheck_result *m, size_t leaks_before,
                     size_t errors_before) {
  lg_result_truncate_leaks(m, leaks_before);
  lg_result_truncate_errors(m, errors_before);
}

static int cmp_errors(const void *a, const void *b) {
  const lg_memcheck_error *x = a, *y = b;
  int c;
  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  if ((c = strcmp(x->kind ? x->kind : "", y->kind ? y->kind : "")) != 0)
    return c;
  return strcmp(x->what ? x->what : "", y->what ? y->what : "");
}

/* A record's stack from frames[0..n): files moved, the rest copied. The
 * array is sized once (lg_leak_add_frame grows it by one per call);
 * lg_result_free frees it and each string, as for any record, also after a
 * failure half way (*n_stack counts the frames filled). */
static int copy_frames(lg_frame **stack, size_t *n_stack, lg_frame *frames,
                       size_t n) {
  size_t i;
  if (n && !(*stack = calloc(n, sizeof **stack)))
    return LG_ENOMEM;
  for (i = 0; i < n; i++) {
    lg_frame *f = &(*stack)[i];
    f->line = frames[i].line;
    f->file = frames[i].file; /* moved */
    frames[i].file = NULL;
    f->function = frames[i].function ? strdup(frames[i].function) : NULL;
    f->object = frames[i].object ? strdup(frames[i].object) : NULL;
    *n_stack = i + 1;
    if ((frames[i].function && !f->function) ||
        (frames[i].object && !f->object))
      return LG_ENOMEM;
  }
  return 0;
}

int lg__mc_store_leak(lg_memcheck_result *m, const char *kind, double bytes,
                      int64_t blocks, lg_frame *frames, size_t n) {
  char fp[LG_FINGERPRINT_SIZE];
  lg_leak_record *l;
  lg_leak_fingerprint(kind, frames, n, fp, sizeof fp);
  l = lg_result_add_leak(m, kind, bytes, blocks, fp);
  if (!l)
    return LG_ENOMEM;
  return copy_frames(&l->stack, &l->n_stack, frames, n);
}

int lg__mc_store_error(lg_memcheck_result *m, const char *kind,
                       const char *what, lg_frame *frames, size_t n) {
  lg_memcheck_error *e = lg_result_add_memcheck_error(m, kind, what, 1);
  if (!e)
    return LG_ENOMEM;
  return copy_frames(&e->stack, &e->n_stack, frames, n);
}

static int cmp_leaks(const void *a, const void *b) {
  const lg_leak_record *x = a, *y = b;
  int c;
  if (x->bytes != y->bytes)
    return x->bytes > y->bytes ? -1 : 1;
  if (x->blocks != y->blocks)
    return x->blocks > y->blocks ? -1 : 1;
  c = strcmp(x->kind ? x->kind : "", y->kind ? y->kind : "");
  if (c)
    return c;
  return strcmp(x->fingerprint ? x->fingerprint : "",
                y->fingerprint ? y->fingerprint : "");
}

void lg__mc_sort(lg_memcheck_result *m) {
  if (m->n_leaks > 1)
    qsort(m->leaks, m->n_leaks, sizeof *m->leaks, cmp_leaks);
  if (m->n_error_records > 1)
    qsort(m->error_records, m->n_error_records, sizeof *m->error_records,
          cmp_errors);
  lg_result_truncate_errors(m, LG_MEMCHECK_MAX_ERROR_RECORDS);
}
