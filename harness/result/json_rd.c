/* result/json_rd.c - the core of the typed JSON readers (result.json and the
 * baseline file): the first-problem context, value lookup and counts (see
 * result/json.h). No allocation. */
#include "result/json.h"

void lg_jr_bad(lg_jr *d, const char *ctx, const char *key, const char *what) {
  if (d->rc)
    return;
  d->rc = lg_error_set(d->err, LG_EINPUT, "%s: %s%s%s: expected %s", d->file,
                       ctx, ctx[0] && key[0] ? "." : "", key, what);
}

void lg_jr_oom(lg_jr *d) {
  if (!d->rc)
    d->rc = lg_error_set(d->err, LG_ENOMEM, "%s: out of memory", d->file);
}

json_t *lg_jr_val(const json_t *o, const char *key) {
  json_t *v = o ? json_object_get(o, key) : NULL;
  return v && !json_is_null(v) ? v : NULL;
}

int64_t lg_jr_count(lg_jr *d, const json_t *o, const char *ctx,
                    const char *key) {
  json_t *v = lg_jr_val(o, key);
  if (!v)
    return -1;
  if (!json_is_integer(v) || json_integer_value(v) < 0) {
    lg_jr_bad(d, ctx, key, "a non-negative integer or null");
    return -1;
  }
  return json_integer_value(v);
}
