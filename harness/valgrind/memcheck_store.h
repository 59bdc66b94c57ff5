/* valgrind/memcheck_store.h - storage helpers of the Memcheck XML reader
 * (memcheck_store.c); internal to the valgrind module. */
#ifndef LG_VALGRIND_MEMCHECK_STORE_H
#define LG_VALGRIND_MEMCHECK_STORE_H

#include <leakgate/result.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Distinct non-leak errors: unique -> count (open addressing). */
typedef struct mc_counts {
  uint64_t *keys;
  int64_t *vals;
  unsigned char *used;
  size_t cap, n;
} mc_counts;

/* Insert key with count 1 if absent (when insert); set its count when
 * set >= 0; a key never inserted is ignored. LG_ELIMIT past 2^20 keys. */
int lg__mc_counts_put(mc_counts *c, uint64_t key, int64_t set, bool insert);
int64_t lg__mc_counts_sum(const mc_counts *c);
/* The count of key; -1 when absent. */
int64_t lg__mc_counts_get(const mc_counts *c, uint64_t key);
void lg__mc_counts_free(mc_counts *c);

/* "definite" for "Leak_DefinitelyLost", ...; NULL for a non-leak kind. */
const char *lg__mc_leak_kind(const char *valgrind_kind);
/* The direct part of "108 (8 direct, 100 indirect) bytes ..."; -1 if none. */
double lg__mc_direct_bytes(const char *text);

/* Add a leak record with a fingerprint and a copy of frames[0..n) (each
 * frames[i].file is moved into the record and set to NULL). On failure the
 * partial record stays in m, for lg__mc_rollback. */
int lg__mc_store_leak(lg_memcheck_result *m, const char *kind, double bytes,
                      int64_t blocks, lg_frame *frames, size_t n);
/* Add a non-leak error record (count 1 until the file's errorcounts say
 * otherwise) with a copy of frames[0..n) (files moved, as for leaks). */
int lg__mc_store_error(lg_memcheck_result *m, const char *kind,
                       const char *what, lg_frame *frames, size_t n);
/* Free the leak and error records after the first leaks_before and
 * errors_before. */
void lg__mc_rollback(lg_memcheck_result *m, size_t leaks_before,
                     size_t errors_before);
/* Sort the leak records by bytes (descending), blocks, kind, fingerprint;
 * the error records by count (descending), kind, what, and keep the first
 * LG_MEMCHECK_MAX_ERROR_RECORDS. */
void lg__mc_sort(lg_memcheck_result *m);

#endif
