/* result/fields.c - the walk over a result field table (result/fields.h):
 * one section written as JSON, read back, set to unknown, freed.
 *
 * Each row type (leakgate/fields.h) has one encoding here, so every field of
 * that type is written, read and initialised the same way wherever it sits.
 * A key "a.b" is b inside the object a, which the writer creates at a's
 * first row (jansson keeps insertion order, so the document order is the
 * table's). Cost: O(rows) per section plus the codecs' own.
 * Owns nothing: the section struct is the caller's.
 */
#include "result/fields.h"

#include "result/fmt.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AT(sec, off, type) ((type *)(void *)((char *)(sec) + (off)))
#define CAT(sec, off, type)                                                    \
  ((const type *)(const void *)((const char *)(sec) + (off)))

/* The longest object name of a dotted key, and of a reader's key path. */
#define LG_FIELD_PREFIX_MAX 64
#define LG_FIELD_CTX_MAX 256

/* Split "a.b" into a (into obj) and b; NULL when key has no dot. */
static const char *split_key(const char *key, char *obj, size_t cap) {
  const char *dot = strchr(key, '.');
  size_t n;
  if (!dot)
    return NULL;
  n = (size_t)(dot - key);
  assert(n < cap);
  if (n >= cap) /* keys are constants: the assert catches it in tests */
    n = cap - 1;
  memcpy(obj, key, n);
  obj[n] = '\0';
  return dot + 1;
}

/* ctx.key (or key at the top) into buf. */
static const char *sub_ctx(char *buf, size_t cap, const char *ctx,
                           const char *key) {
  snprintf(buf, cap, "%s%s%s", ctx, ctx[0] ? "." : "", key);
  return buf;
}

static json_t *write_row(const lg_field *f, const void *sec, bool present,
                         bool *bad) {
  switch (f->type) {
  case LG_FT_NUM:
  case LG_FT_BYTES:
    return lg__json_num(*CAT(sec, f->off, double));
  case LG_FT_COUNT: {
    int64_t v = *CAT(sec, f->off, int64_t);
    return v < 0 ? json_null() : json_integer(v);
  }
  case LG_FT_INT: {
    int v = *CAT(sec, f->off, int);
    return v < 0 ? json_null() : json_integer(v);
  }
  case LG_FT_POS: {
    int v = *CAT(sec, f->off, int);
    return v > 0 ? json_integer(v) : json_null();
  }
  case LG_FT_BOOL:
    return json_boolean(*CAT(sec, f->off, bool));
  case LG_FT_ABOOL:
    return present ? json_boolean(*CAT(sec, f->off, bool)) : json_null();
  case LG_FT_STR:
    return lg__json_str(*CAT(sec, f->off, char *const));
  case LG_FT_PAIR:
    return lg__json_pair(*CAT(sec, f->off, double), *CAT(sec, f->aux, double),
                         bad);
  case LG_FT_LEAK: {
    lg_leak l = *CAT(sec, f->off, lg_leak);
    return l == LG_LEAK_UNKNOWN ? json_null() : json_string(lg__fmt_leak(l));
  }
  case LG_FT_SIZE:
    return present ? json_integer((json_int_t)*CAT(sec, f->off, size_t))
                   : json_null();
  case LG_FT_BUF: {
    const char *s = CAT(sec, f->off, char);
    return lg__json_str(s[0] ? s : NULL);
  }
  case LG_FT_CODEC:
    return f->codec->records
               ? lg__fields_records_json(f->codec->records, sec, bad)
               : f->codec->write(sec, bad);
  case LG_FT_SECTION:
    return lg__fields_json(f->section, CAT(sec, f->off, char), NULL, true, bad);
  }
  assert(!"unknown field type");
  return NULL;
}

static bool wanted(const char *key, const char *const *keys) {
  size_t i;
  if (!keys)
    return true;
  for (i = 0; keys[i]; i++)
    if (strcmp(keys[i], key) == 0)
      return true;
  return false;
}

void lg__fields_put(json_t *o, const lg_field_table *t, const void *sec,
                    const char *const *keys, bool present, bool *bad) {
  char obj[LG_FIELD_PREFIX_MAX];
  size_t i;
  for (i = 0; i < t->n; i++) {
    const lg_field *f = &t->rows[i];
    const char *leaf;
    json_t *into = o;
    if (!wanted(f->key, keys))
      continue;
    leaf = split_key(f->key, obj, sizeof obj);
    if (leaf) {
      into = json_object_get(o, obj);
      if (!into) {
        into = json_object();
        lg__json_put(o, obj, into, bad);
        if (*bad)
          return;
      }
    }
    lg__json_put(into, leaf ? leaf : f->key, write_row(f, sec, present, bad),
                 bad);
  }
}

json_t *lg__fields_json(const lg_field_table *t, const void *sec,
                        const char *const *keys, bool present, bool *bad) {
  json_t *o = json_object();
  if (!o) {
    *bad = true;
    return NULL;
  }
  lg__fields_put(o, t, sec, keys, present, bad);
  return o;
}

static void read_row(lg_jr *d, const json_t *o, const char *ctx,
                     const char *key, const lg_field *f, void *sec) {
  char sub[LG_FIELD_CTX_MAX];
  switch (f->type) {
  case LG_FT_NUM:
    *AT(sec, f->off, double) = lg__jr_num(d, o, ctx, key, false);
    return;
  case LG_FT_BYTES: {
    /* A negative amount of memory is no measurement: read as one it
     * becomes "-64.0 MiB limit" in every report (issue 13). */
    double v = lg__jr_num(d, o, ctx, key, false);
    if (v < 0) {
      lg__jr_bad(d, ctx, key, "a number of bytes >= 0 or null");
      v = NAN;
    }
    *AT(sec, f->off, double) = v;
    return;
  }
  case LG_FT_COUNT:
    *AT(sec, f->off, int64_t) = lg__jr_count(d, o, ctx, key);
    return;
  case LG_FT_INT:
    *AT(sec, f->off, int) = lg__jr_int(d, o, ctx, key, -1);
    return;
  case LG_FT_POS:
    *AT(sec, f->off, int) = lg__jr_int(d, o, ctx, key, 0);
    return;
  case LG_FT_BOOL:
  case LG_FT_ABOOL:
    *AT(sec, f->off, bool) = lg__jr_bool(d, o, ctx, key, "true or false");
    return;
  case LG_FT_STR:
    lg__jr_str_dup(d, o, ctx, key, AT(sec, f->off, char *));
    return;
  case LG_FT_PAIR:
    lg__jr_pair(d, o, ctx, key, AT(sec, f->off, double),
                AT(sec, f->aux, double));
    return;
  case LG_FT_LEAK:
    *AT(sec, f->off, lg_leak) = lg__jr_leak(d, o, ctx, key);
    return;
  case LG_FT_SIZE: {
    int64_t v = lg__jr_count(d, o, ctx, key);
    *AT(sec, f->off, size_t) = v < 0 ? 0 : (size_t)v;
    return;
  }
  case LG_FT_BUF: {
    const char *s = lg__jr_str(d, o, ctx, key, false);
    snprintf(AT(sec, f->off, char), f->aux, "%s", s ? s : "");
    return;
  }
  case LG_FT_CODEC:
    if (f->codec->records)
      lg__fields_records_read(d, o, ctx, key, f->codec->records, sec);
    else if (f->codec->read)
      f->codec->read(d, o, ctx, key, sec);
    return;
  case LG_FT_SECTION: {
    json_t *so = lg__jr_obj(d, o, ctx, key, false);
    if (so)
      lg__fields_read(d, so, sub_ctx(sub, sizeof sub, ctx, key), f->section,
                      AT(sec, f->off, char));
    return;
  }
  }
  assert(!"unknown field type");
}

void lg__fields_read(lg_jr *d, const json_t *o, const char *ctx,
                     const lg_field_table *t, void *sec) {
  char obj[LG_FIELD_PREFIX_MAX], sub[LG_FIELD_CTX_MAX];
  size_t i;
  for (i = 0; i < t->n && !d->rc; i++) {
    const lg_field *f = &t->rows[i];
    const char *leaf = split_key(f->key, obj, sizeof obj);
    if (leaf) {
      const json_t *so = lg__jr_obj(d, o, ctx, obj, false);
      if (so)
        read_row(d, so, sub_ctx(sub, sizeof sub, ctx, obj), leaf, f, sec);
    } else {
      read_row(d, o, ctx, f->key, f, sec);
    }
  }
}

void lg__fields_init(const lg_field_table *t, void *sec) {
  size_t i;
  for (i = 0; i < t->n; i++) {
    const lg_field *f = &t->rows[i];
    switch (f->type) {
    case LG_FT_NUM:
    case LG_FT_BYTES:
      *AT(sec, f->off, double) = NAN;
      break;
    case LG_FT_PAIR:
      *AT(sec, f->off, double) = *AT(sec, f->aux, double) = NAN;
      break;
    case LG_FT_COUNT:
      *AT(sec, f->off, int64_t) = -1;
      break;
    case LG_FT_INT:
      *AT(sec, f->off, int) = -1;
      break;
    case LG_FT_LEAK:
      *AT(sec, f->off, lg_leak) = LG_LEAK_UNKNOWN;
      break;
    case LG_FT_CODEC:
      if (f->codec->init)
        f->codec->init(sec);
      break;
    case LG_FT_SECTION:
      lg__fields_init(f->section, AT(sec, f->off, char));
      break;
    default: /* POS, BOOL, ABOOL, SIZE, STR, BUF: zero is unknown */
      break;
    }
  }
}

void lg__fields_release(const lg_field_table *t, void *sec) {
  size_t i;
  for (i = 0; i < t->n; i++) {
    const lg_field *f = &t->rows[i];
    if (f->type == LG_FT_STR)
      free(*AT(sec, f->off, char *));
    else if (f->type == LG_FT_CODEC && f->codec->records)
      lg__fields_records_clear(f->codec->records, sec);
    else if (f->type == LG_FT_CODEC && f->codec->release)
      f->codec->release(sec);
    else if (f->type == LG_FT_SECTION)
      lg__fields_release(f->section, AT(sec, f->off, char));
  }
}

/* ---- arrays of records ------------------------------------------------ */

json_t *lg__fields_records_json(const lg_field_records *rs, const void *sec,
                                bool *bad) {
  const char *base = *CAT(sec, rs->off, char *const);
  size_t n = *CAT(sec, rs->count_off, size_t), i;
  json_t *a = json_array();
  if (!a) {
    *bad = true;
    return NULL;
  }
  for (i = 0; i < n && !*bad; i++)
    lg__json_push(
        a,
        lg__fields_json(rs->elem, base + i * rs->elem->size, NULL, true, bad),
        bad);
  return a;
}

void lg__fields_records_read(lg_jr *d, const json_t *o, const char *ctx,
                             const char *key, const lg_field_records *rs,
                             void *sec) {
  char **arr = AT(sec, rs->off, char *), el[LG_FIELD_CTX_MAX];
  size_t *n = AT(sec, rs->count_off, size_t), i;
  json_t *a = lg__jr_arr(d, o, ctx, key, "an array"), *e;
  snprintf(el, sizeof el, "%s%s%s[]", ctx, ctx[0] ? "." : "", key);
  json_array_foreach(a, i, e) {
    char *rec;
    if (d->rc)
      break;
    if (!json_is_object(e)) {
      lg__jr_bad(d, ctx, key, rs->what);
      break;
    }
    if (lg__result_grow((void **)arr, *n, rs->elem->size) != 0) {
      lg__jr_oom(d);
      break;
    }
    rec = *arr + *n * rs->elem->size;
    memset(rec, 0, rs->elem->size);
    lg__fields_init(rs->elem, rec);
    (*n)++; /* counted before it is read: a failure frees what it got */
    lg__fields_read(d, e, el, rs->elem, rec);
  }
}

void lg__fields_records_truncate(const lg_field_records *rs, void *sec,
                                 size_t n) {
  char *base = *AT(sec, rs->off, char *);
  size_t *count = AT(sec, rs->count_off, size_t), i;
  for (i = n; i < *count; i++)
    lg__fields_release(rs->elem, base + i * rs->elem->size);
  if (*count > n)
    *count = n;
}

void lg__fields_records_clear(const lg_field_records *rs, void *sec) {
  char **arr = AT(sec, rs->off, char *);
  lg__fields_records_truncate(rs, sec, 0);
  free(*arr);
  *arr = NULL;
}
