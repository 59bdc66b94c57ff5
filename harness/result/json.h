/* result/json.h - jansson helpers shared by the result.json writer, its
 * reader and the JSON reporter. Internal to libleakgate.
 * Ownership: the json_t constructors return a new reference (or NULL on
 * ENOMEM); lg__json_utf8_clean returns a malloc'd string.
 */
#ifndef LG_RESULT_JSON_H
#define LG_RESULT_JSON_H

#include <leakgate/result.h>

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Indented for people, key order kept, 15 significant digits (see
 * json_write.c for why that round-trips). */
#define LG_JSON_DUMP_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(15))

/* A copy of s with every byte that does not start valid UTF-8 replaced by
 * U+FFFD. */
char *lg__json_utf8_clean(const char *s);
/* A JSON string (cleaned to UTF-8), or null for NULL. */
json_t *lg__json_str(const char *s);
/* A JSON number, or null for NAN/inf; integral values as integers. */
json_t *lg__json_num(double v);
/* The analysis object; samples_used is null when !present. Sets *bad on
 * ENOMEM. */
json_t *lg__json_analysis(const lg_analysis *a, bool present, bool *bad);
/* The whole result.json document, or NULL on ENOMEM. */
json_t *lg__result_to_jansson(const lg_result *r);
/* LG_FAIL_* bit of a fail_on name, 0 when unknown. */
unsigned lg__json_fail_on_bit(const char *name);

/* Writer helpers: set key / append to an array, stealing v; a NULL v (an
 * allocation failure upstream) or a failed insert sets *bad. */
void lg__json_put(json_t *o, const char *key, json_t *v, bool *bad);
void lg__json_push(json_t *a, json_t *v, bool *bad);
/* [lo, hi] with null for unknown bounds. */
json_t *lg__json_pair(double lo, double hi, bool *bad);

/* Reader context shared by result.json and baseline readers: the first
 * problem is kept as "FILE: ctx.key: expected WHAT" (LG_EINPUT) and every
 * later one ignored, so a reader can walk the whole document and report
 * the first thing wrong with its exact key path. */
typedef struct lg_jr {
  const char *file;
  lg_error *err;
  int rc;
} lg_jr;
void lg__jr_bad(lg_jr *d, const char *ctx, const char *key, const char *what);
void lg__jr_oom(lg_jr *d);
/* The value at key, or NULL when o is NULL, the key is missing or null. */
json_t *lg__jr_val(const json_t *o, const char *key);
/* A non-negative integer count; -1 for missing or null. */
int64_t lg__jr_count(lg_jr *d, const json_t *o, const char *ctx,
                     const char *key);
/* Typed values: NAN / NULL when the key is missing or null (a problem
 * "expected WHAT" when required) or of another type (a problem "expected
 * WHAT", or "expected WHAT or null" when not required); WHAT is "a number",
 * "a string", "an object". */
double lg__jr_num(lg_jr *d, const json_t *o, const char *ctx, const char *key,
                  bool required);
const char *lg__jr_str(lg_jr *d, const json_t *o, const char *ctx,
                       const char *key, bool required);
json_t *lg__jr_obj(lg_jr *d, const json_t *o, const char *ctx, const char *key,
                   bool required);
/* Replace *dst (freed) with a malloc'd copy of the string at key, NULL for
 * missing or null (lg__jr_str's problems; ENOMEM is lg__jr_oom). */
void lg__jr_str_dup(lg_jr *d, const json_t *o, const char *ctx, const char *key,
                    char **dst);
/* An optional array / boolean: NULL / false when missing or null, a problem
 * "expected WHAT" (the reader's own wording) when of another type. */
json_t *lg__jr_arr(lg_jr *d, const json_t *o, const char *ctx, const char *key,
                   const char *what);
bool lg__jr_bool(lg_jr *d, const json_t *o, const char *ctx, const char *key,
                 const char *what);
/* An int in +-1e9 ("expected an integer or null"); dflt when missing or
 * null. */
int lg__jr_int(lg_jr *d, const json_t *o, const char *ctx, const char *key,
               int dflt);
/* A number inside an array (v NULL: NAN; "expected a number or null"). */
double lg__jr_num_of(lg_jr *d, const json_t *v, const char *ctx,
                     const char *key);
/* [lo, hi] into *lo, *hi (null bounds NAN); both NAN when missing or null,
 * a problem "expected [lo, hi]" when not a pair. */
void lg__jr_pair(lg_jr *d, const json_t *o, const char *ctx, const char *key,
                 double *lo, double *hi);
/* A growth verdict leak, no_leak or inconclusive; LG_LEAK_UNKNOWN when
 * missing or null (anything else is a problem). */
lg_leak lg__jr_leak(lg_jr *d, const json_t *o, const char *ctx,
                    const char *key);

#endif
