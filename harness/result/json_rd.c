/* result/json_rd.c - the core of the typed JSON readers (result.json and the
 * baseline file): the first-problem context, value lookup and the typed
 * getters, so both files word a wrong value the same way (see
 * result/json.h). Only lg__jr_str_dup allocates (the copy it returns). */
#include "result/fmt.h"
#include "result/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void lg__jr_bad(lg_jr *d, const char *ctx, const char *key, const char *what) {
  if (d->rc)
    return;
  d->rc = lg_error_set(d->err, LG_EINPUT, "%s: %s%s%s: expected %s", d->file,
                       ctx, ctx[0] && key[0] ? "." : "", key, what);
}

void lg__jr_oom(lg_jr *d) {
  if (!d->rc)
    d->rc = lg_error_set(d->err, LG_ENOMEM, "%s: out of memory", d->file);
}

json_t *lg__jr_val(const json_t *o, const char *key) {
  json_t *v = o ? json_object_get(o, key) : NULL;
  return v && !json_is_null(v) ? v : NULL;
}

int64_t lg__jr_count(lg_jr *d, const json_t *o, const char *ctx,
                     const char *key) {
  json_t *v = lg__jr_val(o, key);
  if (!v)
    return -1;
  if (!json_is_integer(v) || json_integer_value(v) < 0) {
    lg__jr_bad(d, ctx, key, "a non-negative integer or null");
    return -1;
  }
  return json_integer_value(v);
}

/* Whether v (the value at key; NULL when missing or null) is usable: a
 * problem when it is missing but required, or not of_type. */
static bool usable(lg_jr *d, const json_t *v, bool of_type, const char *ctx,
                   const char *key, const char *what, const char *what_or_null,
                   bool required) {
  if (!v) {
    if (required)
      lg__jr_bad(d, ctx, key, what);
    return false;
  }
  if (!of_type) {
    lg__jr_bad(d, ctx, key, required ? what : what_or_null);
    return false;
  }
  return true;
}

double lg__jr_num(lg_jr *d, const json_t *o, const char *ctx, const char *key,
                  bool required) {
  json_t *v = lg__jr_val(o, key);
  return usable(d, v, json_is_number(v), ctx, key, "a number",
                "a number or null", required)
             ? json_number_value(v)
             : NAN;
}

const char *lg__jr_str(lg_jr *d, const json_t *o, const char *ctx,
                       const char *key, bool required) {
  json_t *v = lg__jr_val(o, key);
  return usable(d, v, json_is_string(v), ctx, key, "a string",
                "a string or null", required)
             ? json_string_value(v)
             : NULL;
}

void lg__jr_str_dup(lg_jr *d, const json_t *o, const char *ctx, const char *key,
                    char **dst) {
  const char *s = lg__jr_str(d, o, ctx, key, false);
  free(*dst);
  *dst = NULL;
  if (s && !(*dst = strdup(s)))
    lg__jr_oom(d);
}

json_t *lg__jr_obj(lg_jr *d, const json_t *o, const char *ctx, const char *key,
                   bool required) {
  json_t *v = lg__jr_val(o, key);
  return usable(d, v, json_is_object(v), ctx, key, "an object",
                "an object or null", required)
             ? v
             : NULL;
}

json_t *lg__jr_arr(lg_jr *d, const json_t *o, const char *ctx, const char *key,
                   const char *what) {
  json_t *v = lg__jr_val(o, key);
  return usable(d, v, json_is_array(v), ctx, key, what, what, false) ? v : NULL;
}

bool lg__jr_bool(lg_jr *d, const json_t *o, const char *ctx, const char *key,
                 const char *what) {
  json_t *v = lg__jr_val(o, key);
  return usable(d, v, json_is_boolean(v), ctx, key, what, what, false) &&
         json_is_true(v);
}

int lg__jr_int(lg_jr *d, const json_t *o, const char *ctx, const char *key,
               int dflt) {
  json_t *v = lg__jr_val(o, key);
  if (!v)
    return dflt;
  if (!json_is_integer(v) || json_integer_value(v) < -1000000000 ||
      json_integer_value(v) > 1000000000) {
    lg__jr_bad(d, ctx, key, "an integer or null");
    return dflt;
  }
  return (int)json_integer_value(v);
}

double lg__jr_num_of(lg_jr *d, const json_t *v, const char *ctx,
                     const char *key) {
  if (!v || json_is_null(v))
    return NAN;
  if (!json_is_number(v)) {
    lg__jr_bad(d, ctx, key, "a number or null");
    return NAN;
  }
  return json_number_value(v);
}

void lg__jr_pair(lg_jr *d, const json_t *o, const char *ctx, const char *key,
                 double *lo, double *hi) {
  json_t *v = lg__jr_val(o, key);
  *lo = *hi = NAN;
  if (!v)
    return;
  if (!json_is_array(v) || json_array_size(v) != 2) {
    lg__jr_bad(d, ctx, key, "[lo, hi]");
    return;
  }
  *lo = lg__jr_num_of(d, json_array_get(v, 0), ctx, key);
  *hi = lg__jr_num_of(d, json_array_get(v, 1), ctx, key);
}

lg_leak lg__jr_leak(lg_jr *d, const json_t *o, const char *ctx,
                    const char *key) {
  const char *s = lg__jr_str(d, o, ctx, key, false);
  int l = lg__fmt_leak_parse(s);
  if (!s)
    return LG_LEAK_UNKNOWN;
  if (l < 0 || l == LG_LEAK_UNKNOWN) {
    lg__jr_bad(d, ctx, key, "leak, no_leak, inconclusive or null");
    return LG_LEAK_UNKNOWN;
  }
  return (lg_leak)l;
}
