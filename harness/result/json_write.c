/* result/json_write.c - lg_result -> result.json (schema_version 1) and
 * lg_result_save, and the value constructors every writer shares. The
 * document follows the field tables (result/fields.h): their order is the
 * key order.
 *
 * Every DESIGN section 2 key is always present; unknown values (NAN, -1
 * counts, NULL strings) are JSON null. Extension keys (docs/result.md) sit
 * beside the contract keys. Integral numbers below 2^53 are written as JSON
 * integers, others with 15 significant digits, which text -> double -> text
 * reproduces exactly (the round-trip test relies on it). Strings that are
 * not valid UTF-8 (function names from a service's binary) have each bad
 * byte replaced by U+FFFD, because JSON text must be UTF-8.
 * Owns: the jansson tree while building; the caller owns *out.
 * Failure: LG_ENOMEM (nothing returned) or the error of lg__write_atomic
 * (the previous file, if any, is left untouched).
 */
#include "core/fsutil.h"
#include "result/fields.h"
#include "result/fmt.h"
#include "result/json.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *lg__json_utf8_clean(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  size_t len = strlen(s), i = 0, k = 0;
  char *out = malloc(len * 3 + 1); /* each bad byte becomes 3 bytes */
  if (!out)
    return NULL;
  while (p[i]) {
    unsigned cp;
    size_t n = lg__fmt_utf8_decode(p + i, &cp);
    if (n == 0) {
      memcpy(out + k, "\xEF\xBF\xBD", 3);
      k += 3;
      i++;
    } else {
      memcpy(out + k, p + i, n);
      k += n;
      i += n;
    }
  }
  out[k] = '\0';
  return out;
}

json_t *lg__json_str(const char *s) {
  char *c;
  json_t *j;
  if (!s)
    return json_null();
  j = json_string(s);
  if (j)
    return j;
  c = lg__json_utf8_clean(s);
  j = c ? json_string(c) : NULL;
  free(c);
  return j;
}

json_t *lg__json_num(double v) {
  char buf[40];
  if (!isfinite(v))
    return json_null();
  /* Round to the 15 digits that will be printed first, so a value such as
   * 15299.999999999998 is written (and read back) as the integer 15300. */
  snprintf(buf, sizeof buf, "%.15g", v);
  v = strtod(buf, NULL);
  if (v == floor(v) && fabs(v) < 9007199254740992.0)
    return json_integer((json_int_t)v);
  return json_real(v);
}

void lg__json_put(json_t *o, const char *key, json_t *val, bool *bad) {
  if (!val || json_object_set_new(o, key, val) != 0)
    *bad = true;
}

void lg__json_push(json_t *a, json_t *val, bool *bad) {
  if (!val || json_array_append_new(a, val) != 0)
    *bad = true;
}

json_t *lg__json_pair(double lo, double hi, bool *bad) {
  json_t *a = json_array();
  if (!a) {
    *bad = true;
    return NULL;
  }
  lg__json_push(a, lg__json_num(lo), bad);
  lg__json_push(a, lg__json_num(hi), bad);
  return a;
}

json_t *lg__result_to_jansson(const lg_result *r) {
  bool bad = false;
  json_t *o = lg__fields_json(&lg__result_fields, r, NULL, true, &bad);
  if (bad) {
    json_decref(o);
    return NULL;
  }
  return o;
}

int lg_result_to_json(const lg_result *r, char **out, size_t *len,
                      lg_error *err) {
  json_t *o = lg__result_to_jansson(r);
  char *s;
  *out = NULL;
  if (!o)
    return lg_error_set(err, LG_ENOMEM, "result.json: out of memory");
  s = json_dumps(o, LG_JSON_DUMP_FLAGS);
  json_decref(o);
  if (!s)
    return lg_error_set(err, LG_ENOMEM, "result.json: out of memory");
  *len = strlen(s);
  /* A trailing newline makes the file friendly to cat and diff. */
  {
    char *t = realloc(s, *len + 2);
    if (!t) {
      free(s);
      return lg_error_set(err, LG_ENOMEM, "result.json: out of memory");
    }
    s = t;
    s[(*len)++] = '\n';
    s[*len] = '\0';
  }
  *out = s;
  return 0;
}

int lg_result_save(const lg_result *r, const char *path, lg_error *err) {
  char *s = NULL;
  size_t len = 0;
  int rc = lg_result_to_json(r, &s, &len, err);
  if (rc == 0)
    rc = lg__write_atomic(path, s, len, err);
  free(s);
  return rc;
}
