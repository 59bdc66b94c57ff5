/* baseline/bl_int.h - the parsed baseline file, shared by the reader
 * (bl_file.c), the writer (bl_update.c) and the comparison (compare.c).
 * Internal to libleakgate.
 *
 * The jansson tree of the file is kept next to the parsed entries: update
 * edits the tree (so keys a newer 1.x writer added survive), compare reads
 * the entries. Every string and array below is owned by the lg_baseline.
 */
#ifndef LG_BASELINE_INT_H
#define LG_BASELINE_INT_H

#include <leakgate/analysis.h>
#include <leakgate/baseline.h>

#include <jansson.h>
#include <stdint.h>

/* Baseline files beyond this are refused rather than read whole. */
#define BL_FILE_CAP ((size_t)64 << 20)
/* Memcheck loss records kept per run; more is refused by update. */
#define BL_MAX_LEAKS 100000
/* Massif sites kept per run (the largest growth first). */
#define BL_MAX_SITES 10

/* A Memcheck loss record of the baseline run. */
typedef struct bl_leak {
  char *fingerprint, *kind;
  double bytes;
} bl_leak;

/* Heap-profile growing sites kept per run (the fastest first). */
#define BL_MAX_HEAP_SITES 20

/* A growing heap-profile site of the baseline run: its stack fingerprint
 * and rate (bytes per request) with the interval. */
typedef struct bl_heap_site {
  char *fingerprint;
  double rate, lo, hi;
} bl_heap_site;

/* One run of the history: what the band needs. */
typedef struct bl_point {
  double slope;
} bl_point;

/* The slopes of one analysis the comparison chooses from (compare.c):
 * the verdict-deciding one, the window W and the recent segment S. */
typedef struct bl_slopes {
  double slope, lo, hi; /* verdict-deciding slope and bounds */
  double w, w_lo, w_hi; /* window; NAN when unknown */
  double s_lo, s_hi;    /* recent segment's bounds; NAN when unknown */
  bool hinge;           /* S starts at a slope break chosen by BIC */
} bl_slopes;

/* A scenario's entry: its latest main-branch run and the history. */
typedef struct bl_entry {
  char *name;
  char metric[64], x[16];
  lg_leak leak;
  bl_slopes sl;
  double confidence; /* one-sided level of lo and hi; NAN unknown */
  double tolerance;  /* the run's analysis tolerance; NAN unknown */
  int64_t requests;  /* completed requests of the run; -1 unknown */
  bool memcheck_ran;
  bl_leak *leaks;
  size_t n_leaks;
  bool heap_ran;     /* the run had a heap-profile pass */
  bl_heap_site *heap_sites;
  size_t n_heap_sites;
  bl_point *history; /* oldest first; the latest run is the last */
  size_t n_history;
} bl_entry;

struct lg_baseline {
  char *path;
  long version;      /* baseline_version as read */
  json_t *root;      /* the document; NULL for a new file */
  bl_entry *entries; /* empty for another baseline_version */
  size_t n_entries;
};

/* The entry of scenario name, or NULL. O(entries). */
const bl_entry *lg__bl_find(const lg_baseline *b, const char *name);

/* The "latest" object for a result (what update stores); NULL on ENOMEM.
 * now is the ISO 8601 UTC time of the update. */
json_t *lg__bl_run_json(const lg_result *r, const char *now);
/* The history item for a result; NULL on ENOMEM. */
json_t *lg__bl_point_json(const lg_result *r, const char *now);

#endif
