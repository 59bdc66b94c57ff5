/* pprof/encode.c - lg_pprof_encode / lg_pprof_write_file: the model ->
 * protobuf-c message -> bytes -> gzip (zlib).
 *
 * The message is built over temporary arrays that point into the model
 * (strings are the interned table, in index order, so string fields are
 * looked up, never copied); ids are written as index + 1, so they are the
 * 1..n pprof readers expect. A model string that is not interned in the
 * profile (a caller that set a field by hand) is LG_EUSAGE.
 * Owns: the temporary arrays, freed before returning; *out on success.
 * Cost: O(size of the profile).
 */
#include "pprof/pp_int.h"
#include "profile.pb-c.h"

#include "core/fsutil.h"

#include <stdlib.h>
#include <string.h>
#define ZLIB_CONST /* next_in is const: no cast of the input */
#include <zlib.h>

typedef struct enc {
  const lg_pprof *p;
  lg_error *err;
  int rc;
} enc;

/* String index of s, recording a usage error once. */
static int64_t sidx(enc *e, const char *s) {
  int64_t i = lg__pp_string_index(e->p->strings, s ? s : "");
  if (i < 0 && !e->rc)
    e->rc = lg_error_set(e->err, LG_EUSAGE,
                         "string \"%.40s\" is not one of the profile's", s);
  return i < 0 ? 0 : i;
}

/* Every allocation of one encoding, freed together. */
typedef struct arena {
  void **ptr;
  size_t n, cap;
} arena;

static void *arena_alloc(arena *a, size_t n, size_t elem) {
  void *p;
  if (a->n == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 64;
    void **np = realloc(a->ptr, cap * sizeof *np);
    if (!np)
      return NULL;
    a->ptr = np;
    a->cap = cap;
  }
  p = calloc(n ? n : 1, elem);
  if (p)
    a->ptr[a->n++] = p;
  return p;
}

static void arena_free(arena *a) {
  size_t i;
  for (i = 0; i < a->n; i++)
    free(a->ptr[i]);
  free(a->ptr);
}

static Perftools__Profiles__ValueType *
value_type(enc *e, arena *a, const lg_pprof_value_type *v) {
  Perftools__Profiles__ValueType *o = arena_alloc(a, 1, sizeof *o);
  if (!o)
    return NULL;
  perftools__profiles__value_type__init(o);
  o->type = sidx(e, v->type);
  o->unit = sidx(e, v->unit);
  return o;
}

#define NEW_ARRAY(ptr, n) ((ptr) = arena_alloc(a, (n), sizeof *(ptr))) == NULL

static int build(enc *e, Perftools__Profiles__Profile *pb, arena *a) {
  const lg_pprof *p = e->p;
  size_t i, j, ns = lg__pp_string_count(p->strings);

  perftools__profiles__profile__init(pb);
  if (NEW_ARRAY(pb->string_table, ns) ||
      NEW_ARRAY(pb->sample_type, p->n_sample_types) ||
      NEW_ARRAY(pb->sample, p->n_samples) ||
      NEW_ARRAY(pb->mapping, p->n_mappings) ||
      NEW_ARRAY(pb->location, p->n_locations) ||
      NEW_ARRAY(pb->function, p->n_functions) ||
      NEW_ARRAY(pb->comment, p->n_comments))
    goto nomem;
  for (i = 0; i < ns; i++) {
    /* protobuf-c's message type has char *; packing only reads it. */
    union {
      const char *c;
      char *m;
    } u;
    u.c = lg__pp_string_at(p->strings, i);
    pb->string_table[i] = u.m;
  }
  pb->n_string_table = ns;
  for (i = 0; i < p->n_sample_types; i++)
    if (!(pb->sample_type[i] = value_type(e, a, &p->sample_types[i])))
      goto nomem;
  pb->n_sample_type = p->n_sample_types;
  for (i = 0; i < p->n_samples; i++) {
    const lg_pprof_sample *s = &p->samples[i];
    Perftools__Profiles__Sample *o = arena_alloc(a, 1, sizeof *o);
    if (!o)
      goto nomem;
    perftools__profiles__sample__init(o);
    pb->sample[i] = o;
    if (NEW_ARRAY(o->location_id, s->n_locations) ||
        NEW_ARRAY(o->value, p->n_sample_types) ||
        NEW_ARRAY(o->label, s->n_labels))
      goto nomem;
    for (j = 0; j < s->n_locations; j++)
      o->location_id[j] = s->locations[j] + 1;
    o->n_location_id = s->n_locations;
    memcpy(o->value, s->values, p->n_sample_types * sizeof *o->value);
    o->n_value = p->n_sample_types;
    for (j = 0; j < s->n_labels; j++) {
      Perftools__Profiles__Label *l = arena_alloc(a, 1, sizeof *l);
      if (!l)
        goto nomem;
      perftools__profiles__label__init(l);
      l->key = sidx(e, s->labels[j].key);
      l->str = sidx(e, s->labels[j].str);
      l->num = s->labels[j].num;
      l->num_unit = sidx(e, s->labels[j].num_unit);
      o->label[j] = l;
    }
    o->n_label = s->n_labels;
  }
  pb->n_sample = p->n_samples;
  for (i = 0; i < p->n_mappings; i++) {
    const lg_pprof_mapping *m = &p->mappings[i];
    Perftools__Profiles__Mapping *o = arena_alloc(a, 1, sizeof *o);
    if (!o)
      goto nomem;
    perftools__profiles__mapping__init(o);
    o->id = i + 1;
    o->memory_start = m->start;
    o->memory_limit = m->limit;
    o->file_offset = m->offset;
    o->filename = sidx(e, m->file);
    o->build_id = sidx(e, m->build_id);
    o->has_functions = m->has_functions;
    o->has_filenames = m->has_filenames;
    o->has_line_numbers = m->has_line_numbers;
    o->has_inline_frames = m->has_inline_frames;
    pb->mapping[i] = o;
  }
  pb->n_mapping = p->n_mappings;
  for (i = 0; i < p->n_locations; i++) {
    const lg_pprof_location *l = &p->locations[i];
    Perftools__Profiles__Location *o = arena_alloc(a, 1, sizeof *o);
    if (!o)
      goto nomem;
    perftools__profiles__location__init(o);
    o->id = i + 1;
    o->mapping_id = l->mapping;
    o->address = l->address;
    o->is_folded = l->is_folded;
    if (NEW_ARRAY(o->line, l->n_lines))
      goto nomem;
    for (j = 0; j < l->n_lines; j++) {
      Perftools__Profiles__Line *ln = arena_alloc(a, 1, sizeof *ln);
      if (!ln)
        goto nomem;
      perftools__profiles__line__init(ln);
      ln->function_id = l->lines[j].function + 1;
      ln->line = l->lines[j].line;
      o->line[j] = ln;
    }
    o->n_line = l->n_lines;
    pb->location[i] = o;
  }
  pb->n_location = p->n_locations;
  for (i = 0; i < p->n_functions; i++) {
    const lg_pprof_function *f = &p->functions[i];
    Perftools__Profiles__Function *o = arena_alloc(a, 1, sizeof *o);
    if (!o)
      goto nomem;
    perftools__profiles__function__init(o);
    o->id = i + 1;
    o->name = sidx(e, f->name);
    o->system_name = sidx(e, f->system_name);
    o->filename = sidx(e, f->file);
    o->start_line = f->start_line;
    pb->function[i] = o;
  }
  pb->n_function = p->n_functions;
  for (i = 0; i < p->n_comments; i++)
    pb->comment[i] = sidx(e, p->comments[i]);
  pb->n_comment = p->n_comments;
  pb->drop_frames = sidx(e, p->drop_frames);
  pb->keep_frames = sidx(e, p->keep_frames);
  pb->time_nanos = p->time_nanos;
  pb->duration_nanos = p->duration_nanos;
  if (!(pb->period_type = value_type(e, a, &p->period_type)))
    goto nomem;
  pb->period = p->period;
  pb->default_sample_type = sidx(e, p->default_sample_type);
  return e->rc;
nomem:
  return lg_error_set(e->err, LG_ENOMEM, "out of memory");
}

static int gzip_bytes(const unsigned char *in, size_t len, unsigned char **out,
                      size_t *out_len, lg_error *err) {
  z_stream z;
  unsigned char *buf;
  uLong cap;
  int zr;
  memset(&z, 0, sizeof z);
  if (len > UINT32_MAX / 2)
    return lg_error_set(err, LG_ELIMIT, "profile too large to compress");
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK)
    return lg_error_set(err, LG_ENOMEM, "cannot start zlib");
  cap = deflateBound(&z, (uLong)len);
  buf = malloc(cap);
  if (!buf) {
    deflateEnd(&z);
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  }
  z.next_in = in;
  z.avail_in = (uInt)len;
  z.next_out = buf;
  z.avail_out = (uInt)cap;
  zr = deflate(&z, Z_FINISH);
  *out_len = cap - z.avail_out;
  deflateEnd(&z);
  if (zr != Z_STREAM_END) {
    free(buf);
    return lg_error_set(err, LG_EIO, "gzip compression failed");
  }
  *out = buf;
  return 0;
}

int lg_pprof_encode(const lg_pprof *p, bool gzip, unsigned char **out,
                    size_t *len, lg_error *err) {
  Perftools__Profiles__Profile pb;
  arena a;
  enc e;
  unsigned char *raw = NULL;
  size_t n;
  int rc;

  *out = NULL;
  *len = 0;
  memset(&a, 0, sizeof a);
  e.p = p;
  e.err = err;
  e.rc = 0;
  if ((rc = build(&e, &pb, &a)))
    goto cleanup;
  n = perftools__profiles__profile__get_packed_size(&pb);
  raw = malloc(n ? n : 1);
  if (!raw) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  perftools__profiles__profile__pack(&pb, raw);
  if (gzip) {
    rc = gzip_bytes(raw, n, out, len, err);
    goto cleanup;
  }
  *out = raw;
  *len = n;
  raw = NULL;
cleanup:
  free(raw);
  arena_free(&a);
  return rc;
}

int lg_pprof_write_file(const lg_pprof *p, const char *path, lg_error *err) {
  unsigned char *data = NULL;
  size_t len = 0;
  int rc = lg_pprof_encode(p, true, &data, &len, err);
  if (rc == 0)
    rc = lg__write_atomic(path, data, len, err);
  free(data);
  return rc;
}
