/* pprof/decode.c - lg_pprof_decode: gzip (zlib) -> protobuf (protobuf-c,
 * generated from profile.proto) -> the checked model of leakgate/pprof.h.
 *
 * Every index and id in the file is checked before the model refers to it:
 * string indices within the string table, unique nonzero ids per table,
 * sample -> location, location -> mapping, line -> function references,
 * one value per sample type. The first problem found is the error
 * ("NAME: sample 12 refers to location 99, which the profile does not
 * have"). A line with function id 0 (allowed by pprof: no function) is
 * read as a line of an unnamed function.
 * Limits: LG_PPROF_MAX_BYTES decompressed (a gzip bomb stops there).
 * Owns: the inflated buffer and the unpacked message, both freed before
 * returning; on failure nothing is left allocated and *out is NULL.
 * Cost: O(size + n log n) for n ids that are not simply 1..n.
 */
#include "pprof/pp_int.h"
#include "profile.pb-c.h"

#include "core/fsutil.h"

#include <stdlib.h>
#include <string.h>
#define ZLIB_CONST /* next_in is const: no cast of the input */
#include <zlib.h>

typedef Perftools__Profiles__Profile pb_profile;

bool lg_pprof_sniff(const void *data, size_t len) {
  const unsigned char *d = data;
  if (len >= 2 && d[0] == 0x1f && d[1] == 0x8b)
    return true;
  /* An uncompressed Profile starts with field 1 (sample_type) or 2
   * (sample), both length-delimited: tag bytes 0x0a or 0x12. */
  return len >= 2 && (d[0] == 0x0a || d[0] == 0x12);
}

/* Inflate every gzip member of in[0..len) into *out (malloc'd). */
static int gunzip(const char *name, const unsigned char *in, size_t len,
                  unsigned char **out, size_t *out_len, lg_error *err) {
  z_stream z;
  unsigned char *buf = NULL;
  size_t cap = 0, n = 0;
  int zr = Z_OK, rc = 0;

  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
    return lg_error_set(err, LG_ENOMEM, "%s: cannot start zlib", name);
  z.next_in = in;
  z.avail_in = len > UINT32_MAX ? UINT32_MAX : (uInt)len;
  for (;;) {
    if (n == cap) {
      unsigned char *nb;
      size_t ncap = cap ? cap * 2 : (len < 4096 ? 16384 : len * 4);
      if (cap >= LG_PPROF_MAX_BYTES) {
        rc = lg_error_set(err, LG_ELIMIT,
                          "%s: more than %u MiB once decompressed", name,
                          LG_PPROF_MAX_BYTES >> 20);
        goto cleanup;
      }
      if (ncap > LG_PPROF_MAX_BYTES)
        ncap = LG_PPROF_MAX_BYTES;
      nb = realloc(buf, ncap);
      if (!nb) {
        rc = lg_error_set(err, LG_ENOMEM, "%s: out of memory", name);
        goto cleanup;
      }
      buf = nb;
      cap = ncap;
    }
    z.next_out = buf + n;
    z.avail_out = (uInt)(cap - n);
    zr = inflate(&z, Z_NO_FLUSH);
    n = cap - z.avail_out;
    if (zr == Z_STREAM_END) {
      /* Another member may follow (gzip -c a b); trailing bytes that are
       * not one are an error below. */
      if (z.avail_in == 0)
        break;
      if (inflateReset(&z) != Z_OK) {
        rc = lg_error_set(err, LG_EINPUT, "%s: bad gzip data", name);
        goto cleanup;
      }
      continue;
    }
    if (zr == Z_BUF_ERROR && z.avail_in == 0) {
      rc = lg_error_set(err, LG_EINPUT,
                        "%s: truncated gzip data (the file ends inside the "
                        "compressed stream)",
                        name);
      goto cleanup;
    }
    if (zr != Z_OK && zr != Z_BUF_ERROR) {
      rc = lg_error_set(err, LG_EINPUT, "%s: bad gzip data: %s", name,
                        z.msg ? z.msg : "inflate failed");
      goto cleanup;
    }
  }
cleanup:
  inflateEnd(&z);
  if (rc) {
    free(buf);
    return rc;
  }
  *out = buf;
  *out_len = n;
  return 0;
}

/* Sorted (id, index) pairs for id lookups; NULL pairs when ids are 1..n. */
typedef struct idmap {
  uint64_t (*pairs)[2];
  size_t n;
} idmap;

static int cmp_pair(const void *a, const void *b) {
  const uint64_t *x = a, *y = b;
  return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* ids[i] for i < n, given through an accessor so one function serves the
 * three tables. */
typedef uint64_t (*id_at_fn)(const pb_profile *pb, size_t i);
static uint64_t fn_id(const pb_profile *pb, size_t i) {
  return pb->function[i]->id;
}
static uint64_t loc_id(const pb_profile *pb, size_t i) {
  return pb->location[i]->id;
}
static uint64_t map_id(const pb_profile *pb, size_t i) {
  return pb->mapping[i]->id;
}

static int idmap_build(const char *name, const char *what, const pb_profile *pb,
                       size_t n, id_at_fn at, idmap *m, lg_error *err) {
  size_t i;
  bool seq = true;
  memset(m, 0, sizeof *m);
  m->n = n;
  for (i = 0; i < n; i++) {
    if (at(pb, i) == 0)
      return lg_error_set(err, LG_EINPUT, "%s: %s %zu has id 0", name, what, i);
    if (at(pb, i) != i + 1)
      seq = false;
  }
  if (seq)
    return 0;
  m->pairs = malloc(n * sizeof *m->pairs);
  if (!m->pairs)
    return lg_error_set(err, LG_ENOMEM, "%s: out of memory", name);
  for (i = 0; i < n; i++) {
    m->pairs[i][0] = at(pb, i);
    m->pairs[i][1] = i;
  }
  qsort(m->pairs, n, sizeof *m->pairs, cmp_pair);
  for (i = 1; i < n; i++)
    if (m->pairs[i][0] == m->pairs[i - 1][0])
      return lg_error_set(err, LG_EINPUT, "%s: two %ss have id %llu", name,
                          what, (unsigned long long)m->pairs[i][0]);
  return 0;
}

/* Index of id in m, or SIZE_MAX. */
static size_t idmap_find(const idmap *m, uint64_t id) {
  size_t lo = 0, hi = m->n;
  if (!m->pairs)
    return id >= 1 && id <= m->n ? (size_t)(id - 1) : SIZE_MAX;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (m->pairs[mid][0] < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < m->n && m->pairs[lo][0] == id ? (size_t)m->pairs[lo][1]
                                            : SIZE_MAX;
}

typedef struct conv {
  const char *name;
  const pb_profile *pb;
  lg_pprof *p;
  const char **str; /* interned copy of each string-table entry */
  idmap fns, locs, maps;
  lg_error *err;
} conv;

/* *out = the string at index i; LG_EINPUT naming where it was used. */
static int get_str(conv *c, int64_t i, const char *where, const char **out) {
  if (i == 0 && c->pb->n_string_table == 0) {
    *out = c->p->drop_frames; /* "" (an empty table still means "" at 0) */
    return 0;
  }
  if (i < 0 || (size_t)i >= c->pb->n_string_table)
    return lg_error_set(c->err, LG_EINPUT,
                        "%s: %s: string index %lld is outside the string "
                        "table (%zu strings)",
                        c->name, where, (long long)i, c->pb->n_string_table);
  *out = c->str[i];
  return 0;
}

static int conv_strings(conv *c) {
  size_t i;
  const pb_profile *pb = c->pb;
  if (pb->n_string_table && pb->string_table[0][0] != '\0')
    return lg_error_set(c->err, LG_EINPUT,
                        "%s: the string table does not start with \"\"",
                        c->name);
  c->str =
      malloc((pb->n_string_table ? pb->n_string_table : 1) * sizeof *c->str);
  if (!c->str)
    return lg_error_set(c->err, LG_ENOMEM, "out of memory");
  for (i = 0; i < pb->n_string_table; i++) {
    c->str[i] = lg__pp_intern(c->p->strings, pb->string_table[i],
                              strlen(pb->string_table[i]));
    if (!c->str[i])
      return lg_error_set(c->err, LG_ENOMEM, "out of memory");
  }
  return 0;
}

static int conv_value_type(conv *c, const Perftools__Profiles__ValueType *v,
                           const char *where, lg_pprof_value_type *out) {
  int rc;
  if (!v)
    return 0; /* unset: stays "" */
  if ((rc = get_str(c, v->type, where, &out->type)) ||
      (rc = get_str(c, v->unit, where, &out->unit)))
    return rc;
  return 0;
}

/* Allocate an array of n elements with room to append (lg__pp_cap). */
static void *alloc_arr(size_t n, size_t elem) {
  return calloc(lg__pp_cap(n), elem);
}

static int conv_header(conv *c) {
  const pb_profile *pb = c->pb;
  lg_pprof *p = c->p;
  size_t i;
  int rc;
  char where[64];
  p->sample_types = alloc_arr(pb->n_sample_type, sizeof *p->sample_types);
  p->comments = alloc_arr(pb->n_comment, sizeof *p->comments);
  if (!p->sample_types || !p->comments)
    return lg_error_set(c->err, LG_ENOMEM, "out of memory");
  for (i = 0; i < pb->n_sample_type; i++) {
    snprintf(where, sizeof where, "sample type %zu", i);
    if ((rc = conv_value_type(c, pb->sample_type[i], where,
                              &p->sample_types[i])))
      return rc;
    p->n_sample_types++;
  }
  for (i = 0; i < pb->n_comment; i++) {
    snprintf(where, sizeof where, "comment %zu", i);
    if ((rc = get_str(c, pb->comment[i], where, &p->comments[i])))
      return rc;
    p->n_comments++;
  }
  if ((rc = conv_value_type(c, pb->period_type, "period type",
                            &p->period_type)) ||
      (rc = get_str(c, pb->drop_frames, "drop_frames", &p->drop_frames)) ||
      (rc = get_str(c, pb->keep_frames, "keep_frames", &p->keep_frames)) ||
      (rc = get_str(c, pb->default_sample_type, "default_sample_type",
                    &p->default_sample_type)))
    return rc;
  p->time_nanos = pb->time_nanos;
  p->duration_nanos = pb->duration_nanos;
  p->period = pb->period;
  return 0;
}

static int conv_tables(conv *c) {
  const pb_profile *pb = c->pb;
  lg_pprof *p = c->p;
  size_t i, j;
  int rc;
  char where[64];
  p->functions = alloc_arr(pb->n_function, sizeof *p->functions);
  p->mappings = alloc_arr(pb->n_mapping, sizeof *p->mappings);
  p->locations = alloc_arr(pb->n_location, sizeof *p->locations);
  if (!p->functions || !p->mappings || !p->locations)
    return lg_error_set(c->err, LG_ENOMEM, "out of memory");
  for (i = 0; i < pb->n_function; i++) {
    const Perftools__Profiles__Function *f = pb->function[i];
    lg_pprof_function *o = &p->functions[i];
    snprintf(where, sizeof where, "function %llu", (unsigned long long)f->id);
    o->id = f->id;
    o->start_line = f->start_line;
    if ((rc = get_str(c, f->name, where, &o->name)) ||
        (rc = get_str(c, f->system_name, where, &o->system_name)) ||
        (rc = get_str(c, f->filename, where, &o->file)))
      return rc;
    p->n_functions++;
  }
  for (i = 0; i < pb->n_mapping; i++) {
    const Perftools__Profiles__Mapping *m = pb->mapping[i];
    lg_pprof_mapping *o = &p->mappings[i];
    snprintf(where, sizeof where, "mapping %llu", (unsigned long long)m->id);
    o->id = m->id;
    o->start = m->memory_start;
    o->limit = m->memory_limit;
    o->offset = m->file_offset;
    o->has_functions = m->has_functions;
    o->has_filenames = m->has_filenames;
    o->has_line_numbers = m->has_line_numbers;
    o->has_inline_frames = m->has_inline_frames;
    if ((rc = get_str(c, m->filename, where, &o->file)) ||
        (rc = get_str(c, m->build_id, where, &o->build_id)))
      return rc;
    p->n_mappings++;
  }
  for (i = 0; i < pb->n_location; i++) {
    const Perftools__Profiles__Location *l = pb->location[i];
    lg_pprof_location *o = &p->locations[i];
    o->id = l->id;
    o->address = l->address;
    o->is_folded = l->is_folded;
    if (l->mapping_id) {
      size_t m = idmap_find(&c->maps, l->mapping_id);
      if (m == SIZE_MAX)
        return lg_error_set(c->err, LG_EINPUT,
                            "%s: location %llu refers to mapping %llu, "
                            "which the profile does not have",
                            c->name, (unsigned long long)l->id,
                            (unsigned long long)l->mapping_id);
      o->mapping = m + 1;
    }
    if (l->n_line) {
      o->lines = malloc(l->n_line * sizeof *o->lines);
      if (!o->lines)
        return lg_error_set(c->err, LG_ENOMEM, "out of memory");
    }
    p->n_locations++; /* owns lines from here: freed with the profile */
    for (j = 0; j < l->n_line; j++) {
      const Perftools__Profiles__Line *ln = l->line[j];
      size_t f;
      if (ln->function_id == 0) {
        if ((rc = lg_pprof_intern_function(p, "", "", "", 0, &f, c->err)))
          return rc;
      } else if ((f = idmap_find(&c->fns, ln->function_id)) == SIZE_MAX) {
        return lg_error_set(c->err, LG_EINPUT,
                            "%s: location %llu refers to function %llu, "
                            "which the profile does not have",
                            c->name, (unsigned long long)l->id,
                            (unsigned long long)ln->function_id);
      }
      o->lines[j].function = f;
      o->lines[j].line = ln->line;
      o->n_lines++;
    }
  }
  return 0;
}

static int conv_samples(conv *c) {
  const pb_profile *pb = c->pb;
  lg_pprof *p = c->p;
  size_t i, j;
  int rc;
  char where[64];
  p->samples = alloc_arr(pb->n_sample, sizeof *p->samples);
  if (!p->samples)
    return lg_error_set(c->err, LG_ENOMEM, "out of memory");
  for (i = 0; i < pb->n_sample; i++) {
    const Perftools__Profiles__Sample *s = pb->sample[i];
    lg_pprof_sample *o = &p->samples[i];
    if (s->n_value != p->n_sample_types)
      return lg_error_set(c->err, LG_EINPUT,
                          "%s: sample %zu has %zu values for %zu sample "
                          "types",
                          c->name, i, s->n_value, p->n_sample_types);
    o->locations = malloc((s->n_location_id ? s->n_location_id : 1) *
                          sizeof *o->locations);
    o->values = malloc((s->n_value ? s->n_value : 1) * sizeof *o->values);
    o->labels = malloc((s->n_label ? s->n_label : 1) * sizeof *o->labels);
    p->n_samples++; /* owns its arrays from here */
    if (!o->locations || !o->values || !o->labels)
      return lg_error_set(c->err, LG_ENOMEM, "out of memory");
    for (j = 0; j < s->n_location_id; j++) {
      size_t l = idmap_find(&c->locs, s->location_id[j]);
      if (l == SIZE_MAX)
        return lg_error_set(c->err, LG_EINPUT,
                            "%s: sample %zu refers to location %llu, which "
                            "the profile does not have",
                            c->name, i, (unsigned long long)s->location_id[j]);
      o->locations[o->n_locations++] = l;
    }
    if (s->n_value)
      memcpy(o->values, s->value, s->n_value * sizeof *o->values);
    for (j = 0; j < s->n_label; j++) {
      const Perftools__Profiles__Label *lb = s->label[j];
      lg_pprof_label *ol = &o->labels[j];
      snprintf(where, sizeof where, "sample %zu label %zu", i, j);
      if ((rc = get_str(c, lb->key, where, &ol->key)) ||
          (rc = get_str(c, lb->str, where, &ol->str)) ||
          (rc = get_str(c, lb->num_unit, where, &ol->num_unit)))
        return rc;
      ol->num = lb->num;
      o->n_labels++;
    }
  }
  return 0;
}

int lg_pprof_decode(const char *name, const void *data, size_t len,
                    lg_pprof **out, lg_error *err) {
  unsigned char *raw = NULL;
  size_t raw_len = len;
  const unsigned char *bytes = data;
  pb_profile *pb = NULL;
  conv c;
  int rc;

  *out = NULL;
  memset(&c, 0, sizeof c);
  c.name = name;
  c.err = err;
  if (len == 0)
    return lg_error_set(err, LG_EINPUT, "%s: empty file: no profile", name);
  if (len >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) {
    if ((rc = gunzip(name, bytes, len, &raw, &raw_len, err)))
      return rc;
    bytes = raw;
  } else if (len > LG_PPROF_MAX_BYTES) {
    return lg_error_set(err, LG_ELIMIT, "%s: larger than %u MiB", name,
                        LG_PPROF_MAX_BYTES >> 20);
  }
  pb = perftools__profiles__profile__unpack(NULL, raw_len, bytes);
  if (!pb) {
    rc = lg_error_set(err, LG_EINPUT,
                      "%s: not a pprof profile (the bytes%s are not a "
                      "profile.proto Profile message)",
                      name, raw ? " after gunzip" : "");
    goto cleanup;
  }
  c.pb = pb;
  if ((rc = lg_pprof_new(&c.p, err)) ||
      (rc = idmap_build(name, "function", pb, pb->n_function, fn_id, &c.fns,
                        err)) ||
      (rc = idmap_build(name, "location", pb, pb->n_location, loc_id, &c.locs,
                        err)) ||
      (rc = idmap_build(name, "mapping", pb, pb->n_mapping, map_id, &c.maps,
                        err)) ||
      (rc = conv_strings(&c)) || (rc = conv_header(&c)) ||
      (rc = conv_tables(&c)) || (rc = conv_samples(&c)))
    goto cleanup;
  *out = c.p;
  c.p = NULL;
cleanup:
  lg_pprof_free(c.p);
  free(c.str);
  free(c.fns.pairs);
  free(c.locs.pairs);
  free(c.maps.pairs);
  if (pb)
    perftools__profiles__profile__free_unpacked(pb, NULL);
  free(raw);
  return rc;
}

int lg_pprof_read_file(const char *path, lg_pprof **out, lg_error *err) {
  char *data = NULL;
  size_t len = 0;
  int rc;
  *out = NULL;
  rc = lg__read_file(path, LG_PPROF_MAX_BYTES, &data, &len, err);
  if (rc)
    return rc;
  rc = lg_pprof_decode(path, data, len, out, err);
  free(data);
  return rc;
}
