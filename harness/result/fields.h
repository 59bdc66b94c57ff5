/* result/fields.h - the result field tables and what follows from them.
 * Internal to libleakgate.
 *
 * sections.c turns each LG_<SECTION>_FIELDS list (include/leakgate/
 * result.h, analysis.h; row types in leakgate/fields.h) into an
 * lg_field_table of descriptors (key, type, offsetof). fields.c walks a
 * table to write a section as JSON, read it back, set it to "unknown" and
 * free what it owns, so a field is declared once and the writer
 * (json_write.c), the reader (json_read.c), lg_result_new/_free
 * (result.c), the baseline file (baseline/bl_update.c) and the schema test
 * (tests/unit/test_result_schema.c) all follow from its row.
 * Rows of arrays and other shapes carry a codec: their own write, read,
 * init and release functions (sections.c).
 * Failure: writers set *bad on ENOMEM (a NULL from a constructor);
 * readers record the first problem in the lg_jr (result/json.h).
 */
#ifndef LG_RESULT_FIELDS_H
#define LG_RESULT_FIELDS_H

#include "result/json.h"

#include <leakgate/result.h>

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum {
  LG_FT_NUM,
  LG_FT_BYTES, /* a NUM that is never negative */
  LG_FT_COUNT,
  LG_FT_INT,
  LG_FT_POS,
  LG_FT_BOOL,
  LG_FT_STR,
  LG_FT_PAIR,
  LG_FT_LEAK,
  LG_FT_SIZE,
  LG_FT_ABOOL,
  LG_FT_BUF,
  LG_FT_CODEC,  /* A rows */
  LG_FT_SECTION /* S rows */
} lg_field_type;

typedef struct lg_field_table lg_field_table;

/* An array of records in a section: the pointer to its elements and their
 * count (offsetof each in the section), the elements' table, and the
 * wording of the problem when an element is not an object. Written, read
 * (appending through lg__result_grow, so its cap holds for files) and freed
 * by fields.c. */
typedef struct lg_field_records {
  const lg_field_table *elem;
  size_t off, count_off;
  const char *what; /* "objects", "frame objects" */
} lg_field_records;

/* The code of an A row. sec is the section struct the row belongs to. */
typedef struct lg_field_codec {
  /* the JSON types it writes, '|'-separated ("array", "object|null"), for
   * the schema test */
  const char *json;
  /* the value (a new reference); NULL sets *bad */
  json_t *(*write)(const void *sec, bool *bad);
  /* read key of the object o (ctx its path) into sec; NULL: write only */
  void (*read)(lg_jr *d, const json_t *o, const char *ctx, const char *key,
               void *sec);
  /* set the row's members to unknown (after they were zeroed); optional */
  void (*init)(void *sec);
  /* free what the row's members own; optional */
  void (*release)(void *sec);
  /* the value is an object of this table's rows (analysis), so the schema
   * test checks it as one; optional */
  const struct lg_field_table *object;
  /* an array of records: write, read and release come from fields.c and
   * the functions above are NULL */
  const lg_field_records *records;
} lg_field_codec;

typedef struct lg_field {
  const char *key; /* "p50", or "latency_ms.p50" for one nested object */
  lg_field_type type;
  size_t off;                  /* offsetof the member (PAIR: of m_lo) */
  size_t aux;                  /* PAIR: offsetof m_hi; BUF: sizeof the array */
  const lg_field_codec *codec; /* LG_FT_CODEC */
  const lg_field_table *section; /* LG_FT_SECTION */
} lg_field;

struct lg_field_table {
  const char *name; /* the section's key; "" for the top level */
  size_t size;      /* sizeof the section struct */
  const lg_field *rows;
  size_t n;
};

/* The tables of sections.c. */
extern const lg_field_table lg__result_fields, lg__analysis_fields,
    lg__load_fields, lg__container_fields, lg__service_fields,
    lg__memcheck_fields, lg__massif_fields, lg__heap_profile_fields,
    lg__baseline_fields, lg__runtime_fields;
/* Its arrays of records, for result.c's truncate and clear helpers. */
extern const lg_field_records lg__phase_records, lg__leak_records,
    lg__error_records, lg__site_records, lg__heap_site_records;

/* Put the rows of t for section sec into o, in table order: every row, or
 * only those whose key is in keys (NULL-terminated). present false writes
 * SIZE and ABOOL rows as null (an analysis that did not run). */
void lg__fields_put(json_t *o, const lg_field_table *t, const void *sec,
                    const char *const *keys, bool present, bool *bad);
/* The same into a new object; NULL (and *bad) on ENOMEM. */
json_t *lg__fields_json(const lg_field_table *t, const void *sec,
                        const char *const *keys, bool present, bool *bad);
/* Read the rows of t from the object o (ctx its key path, "" at the top)
 * into sec. A missing key or null leaves the member as it is (unknown in a
 * new result); a key of the wrong type is a problem naming ctx.key. */
void lg__fields_read(lg_jr *d, const json_t *o, const char *ctx,
                     const lg_field_table *t, void *sec);
/* Set every row of a zeroed sec to its unknown value. */
void lg__fields_init(const lg_field_table *t, void *sec);
/* Free what the rows of sec own (the struct itself is the caller's); the
 * members are left dangling: zero and init sec to use it again. */
void lg__fields_release(const lg_field_table *t, void *sec);

/* The records of sec as a JSON array; NULL (and *bad) on ENOMEM. */
json_t *lg__fields_records_json(const lg_field_records *rs, const void *sec,
                                bool *bad);
/* Append the records of the array at key of o (ctx its path; elements are
 * "ctx.key[]" in problems). */
void lg__fields_records_read(lg_jr *d, const json_t *o, const char *ctx,
                             const char *key, const lg_field_records *rs,
                             void *sec);
/* Free the records from index n on; the count becomes n (the array is
 * kept). */
void lg__fields_records_truncate(const lg_field_records *rs, void *sec,
                                 size_t n);
/* Free every record and the array; the section has none. */
void lg__fields_records_clear(const lg_field_records *rs, void *sec);

/* Make room for one more element of size sz in *arr of n (LG_ELIMIT past
 * the cap on one result's arrays, LG_ENOMEM); result.c. */
int lg__result_grow(void **arr, size_t n, size_t sz);

#endif
