/* test_pprof.c - pprof profile.proto: decoding a real Go heap profile
 * (tests/data/pprof/regen.sh), the writer's dedup, encode -> decode round
 * trips (gzip and raw), and malformed input (hand-made protobuf bytes,
 * every truncation of a real file). */
#include "lg_test.h"

#include <leakgate/pprof.h>

#include "core/fsutil.h"

#include <stdint.h>
#include <string.h>
#include <zlib.h>

/* The sample whose leaf function is fn, or NULL. */
static const lg_pprof_sample *by_leaf(const lg_pprof *p, const char *fn) {
  size_t i;
  for (i = 0; i < p->n_samples; i++) {
    const lg_pprof_sample *s = &p->samples[i];
    const lg_pprof_location *l;
    if (!s->n_locations)
      continue;
    l = &p->locations[s->locations[0]];
    if (l->n_lines && strcmp(p->functions[l->lines[0].function].name, fn) == 0)
      return s;
  }
  return NULL;
}

START_TEST(t_go_heap) {
  char path[4096];
  lg_pprof *p = NULL;
  lg_error err;
  const lg_pprof_sample *s;
  lg_frame *f = NULL;
  size_t n = 0, i;
  int space, objs;
  lg_test_src("tests/data/pprof/go_heap.pb.gz", path, sizeof path);
  ck_assert_msg(lg_pprof_read_file(path, &p, &err) == 0, "%s", err.msg);
  ck_assert_uint_eq(p->n_sample_types, 4);
  ck_assert_str_eq(p->sample_types[0].type, "alloc_objects");
  ck_assert_str_eq(p->sample_types[0].unit, "count");
  ck_assert_str_eq(p->sample_types[3].type, "inuse_space");
  ck_assert_str_eq(p->sample_types[3].unit, "bytes");
  ck_assert_str_eq(p->period_type.type, "space");
  ck_assert_int_eq(p->period, 1); /* MemProfileRate = 1 */
  ck_assert(p->time_nanos > 0);
  space = lg_pprof_sample_type(p, "inuse_space");
  objs = lg_pprof_sample_type(p, "inuse_objects");
  ck_assert_int_eq(space, 3);
  ck_assert_int_eq(objs, 2);
  ck_assert_int_eq(lg_pprof_sample_type(p, "nope"), -1);
  s = by_leaf(p, "main.leakyAlloc");
  ck_assert_ptr_nonnull(s);
  ck_assert_int_eq(s->values[objs], 1000);
  ck_assert_int_eq(s->values[space], 1000 * 4096);
  ck_assert_msg(lg_pprof_sample_frames(p, s, &f, &n, &err) == 0, "%s", err.msg);
  ck_assert_uint_ge(n, 2);
  ck_assert_str_eq(f[0].function, "main.leakyAlloc");
  ck_assert_str_eq(strrchr(f[0].file, '/') + 1, "main.go");
  ck_assert_int_eq(f[0].line, 17);
  ck_assert_str_eq(f[1].function, "main.main");
  for (i = 0; i < n; i++)
    ck_assert_ptr_nonnull(f[i].function);
  lg_pprof_frames_free(f, n);
  /* every location refers to a mapping of the Go binary */
  ck_assert_uint_ge(p->n_mappings, 1);
  lg_pprof_free(p);
}
END_TEST

/* ---- writing ----------------------------------------------------------- */

static lg_pprof *heap_profile(void) {
  lg_pprof *p = NULL;
  lg_error err;
  size_t map;
  lg_frame leak[] = {{"leak_per_request", "/src/leaky_http.c", NULL, 12},
                     {"on_request", "/src/leaky_http.c", NULL, 22},
                     {"main", "/src/leaky_http.c", NULL, 40}};
  lg_frame other[] = {{"fx_serve", "/src/fixture_http.h", NULL, 167},
                      {"main", "/src/leaky_http.c", NULL, 40}};
  uint64_t la[] = {0x401010, 0x401100, 0x401200};
  int64_t v1[] = {10, 800, 10, 800}, v2[] = {1, 65536, 1, 65536};
  ck_assert_int_eq(lg_pprof_new(&p, &err), 0);
  ck_assert_int_eq(lg_pprof_add_sample_type(p, "alloc_objects", "count", &err),
                   0);
  ck_assert_int_eq(lg_pprof_add_sample_type(p, "alloc_space", "bytes", &err),
                   0);
  ck_assert_int_eq(lg_pprof_add_sample_type(p, "inuse_objects", "count", &err),
                   0);
  ck_assert_int_eq(lg_pprof_add_sample_type(p, "inuse_space", "bytes", &err),
                   0);
  ck_assert_int_eq(lg_pprof_set_period(p, "space", "bytes", 524288, &err), 0);
  ck_assert_int_eq(lg_pprof_set_default_sample_type(p, "inuse_space", &err), 0);
  ck_assert_int_eq(lg_pprof_add_comment(p, "leakgate heap_profile", &err), 0);
  ck_assert_int_eq(lg_pprof_add_mapping(p, 0x400000, 0x500000, 0,
                                        "/bin/leaky_http", "abcd", &map, &err),
                   0);
  ck_assert_uint_eq(map, 1);
  p->mappings[0].has_functions = p->mappings[0].has_line_numbers = true;
  ck_assert_int_eq(lg_pprof_add_stack(p, leak, 3, la, v1, &err), 0);
  ck_assert_int_eq(lg_pprof_add_stack(p, other, 2, NULL, v2, &err), 0);
  /* the same stack again: no new function or location */
  ck_assert_int_eq(lg_pprof_add_stack(p, leak, 3, la, v1, &err), 0);
  p->time_nanos = 1700000000000000000;
  p->duration_nanos = 5000000000;
  return p;
}

START_TEST(t_writer_dedup) {
  lg_pprof *p = heap_profile();
  lg_error err;
  ck_assert_uint_eq(p->n_samples, 3);
  ck_assert_uint_eq(p->n_functions, 4); /* main once (same name and file) */
  ck_assert_uint_eq(p->n_locations, 5);
  ck_assert_uint_eq(p->samples[0].locations[0], p->samples[2].locations[0]);
  ck_assert_uint_eq(p->locations[0].mapping, 1); /* 0x401010 in the mapping */
  ck_assert_uint_eq(p->locations[3].mapping, 0); /* no address */
  /* usage errors leave the profile unchanged */
  ck_assert_int_eq(lg_pprof_add_sample_type(p, "x", "y", &err), LG_EUSAGE);
  ck_assert_uint_eq(p->n_sample_types, 4);
  ck_assert_int_eq(lg_pprof_set_default_sample_type(p, "cpu", &err), LG_EUSAGE);
  {
    size_t bad = 99;
    int64_t v[4] = {0};
    ck_assert_int_eq(lg_pprof_add_sample(p, &bad, 1, v, &err), LG_EUSAGE);
    ck_assert_uint_eq(p->n_samples, 3);
  }
  lg_pprof_free(p);
}
END_TEST

static void same_profile(const lg_pprof *a, const lg_pprof *b) {
  size_t i, j;
  ck_assert_uint_eq(a->n_sample_types, b->n_sample_types);
  for (i = 0; i < a->n_sample_types; i++) {
    ck_assert_str_eq(a->sample_types[i].type, b->sample_types[i].type);
    ck_assert_str_eq(a->sample_types[i].unit, b->sample_types[i].unit);
  }
  ck_assert_uint_eq(a->n_samples, b->n_samples);
  for (i = 0; i < a->n_samples; i++) {
    ck_assert_uint_eq(a->samples[i].n_locations, b->samples[i].n_locations);
    for (j = 0; j < a->samples[i].n_locations; j++)
      ck_assert_uint_eq(a->samples[i].locations[j], b->samples[i].locations[j]);
    for (j = 0; j < a->n_sample_types; j++)
      ck_assert_int_eq(a->samples[i].values[j], b->samples[i].values[j]);
  }
  ck_assert_uint_eq(a->n_locations, b->n_locations);
  for (i = 0; i < a->n_locations; i++) {
    ck_assert_uint_eq(a->locations[i].address, b->locations[i].address);
    ck_assert_uint_eq(a->locations[i].mapping, b->locations[i].mapping);
    ck_assert_uint_eq(a->locations[i].n_lines, b->locations[i].n_lines);
    for (j = 0; j < a->locations[i].n_lines; j++) {
      ck_assert_uint_eq(a->locations[i].lines[j].function,
                        b->locations[i].lines[j].function);
      ck_assert_int_eq(a->locations[i].lines[j].line,
                       b->locations[i].lines[j].line);
    }
  }
  ck_assert_uint_eq(a->n_functions, b->n_functions);
  for (i = 0; i < a->n_functions; i++) {
    ck_assert_str_eq(a->functions[i].name, b->functions[i].name);
    ck_assert_str_eq(a->functions[i].system_name, b->functions[i].system_name);
    ck_assert_str_eq(a->functions[i].file, b->functions[i].file);
  }
  ck_assert_uint_eq(a->n_mappings, b->n_mappings);
  for (i = 0; i < a->n_mappings; i++) {
    ck_assert_uint_eq(a->mappings[i].start, b->mappings[i].start);
    ck_assert_uint_eq(a->mappings[i].limit, b->mappings[i].limit);
    ck_assert_str_eq(a->mappings[i].file, b->mappings[i].file);
    ck_assert_str_eq(a->mappings[i].build_id, b->mappings[i].build_id);
    ck_assert_int_eq(a->mappings[i].has_functions,
                     b->mappings[i].has_functions);
  }
  ck_assert_str_eq(a->period_type.type, b->period_type.type);
  ck_assert_int_eq(a->period, b->period);
  ck_assert_int_eq(a->time_nanos, b->time_nanos);
  ck_assert_int_eq(a->duration_nanos, b->duration_nanos);
  ck_assert_str_eq(a->default_sample_type, b->default_sample_type);
  ck_assert_uint_eq(a->n_comments, b->n_comments);
  for (i = 0; i < a->n_comments; i++)
    ck_assert_str_eq(a->comments[i], b->comments[i]);
}

START_TEST(t_roundtrip) {
  lg_pprof *p = heap_profile(), *q = NULL;
  unsigned char *buf = NULL;
  size_t len = 0;
  lg_error err;
  int gz;
  for (gz = 0; gz <= 1; gz++) {
    ck_assert_int_eq(lg_pprof_encode(p, gz, &buf, &len, &err), 0);
    ck_assert(lg_pprof_sniff(buf, len));
    ck_assert_int_eq(gz ? buf[0] == 0x1f && buf[1] == 0x8b : buf[0] == 0x0a, 1);
    ck_assert_msg(lg_pprof_decode("mem", buf, len, &q, &err) == 0, "%s",
                  err.msg);
    same_profile(p, q);
    /* a decoded profile can be extended: its dedup tables are rebuilt */
    {
      size_t fi, before = q->n_functions;
      ck_assert_int_eq(lg_pprof_intern_function(q, "main", "main",
                                                "/src/leaky_http.c", 0, &fi,
                                                &err),
                       0);
      ck_assert_uint_eq(q->n_functions, before);
      ck_assert_str_eq(q->functions[fi].name, "main");
    }
    lg_pprof_free(q);
    q = NULL;
    free(buf);
    buf = NULL;
  }
  lg_pprof_free(p);
}
END_TEST

START_TEST(t_write_file) {
  lg_pprof *p = heap_profile(), *q = NULL;
  char path[] = "/tmp/lg_pprof_XXXXXX";
  int fd = mkstemp(path);
  lg_error err;
  ck_assert_int_ge(fd, 0);
  close(fd);
  ck_assert_int_eq(lg_pprof_write_file(p, path, &err), 0);
  ck_assert_msg(lg_pprof_read_file(path, &q, &err) == 0, "%s", err.msg);
  same_profile(p, q);
  lg_pprof_free(q);
  lg_pprof_free(p);
  unlink(path);
  ck_assert_int_eq(lg_pprof_read_file(path, &q, &err), LG_ENOENT);
  ck_assert_ptr_null(q);
}
END_TEST

/* ---- malformed input --------------------------------------------------- */

/* A tiny protobuf writer for hand-made bad profiles. */
typedef struct pbw {
  unsigned char b[512];
  size_t n;
} pbw;

static void varint(pbw *w, uint64_t v) {
  while (v >= 0x80) {
    w->b[w->n++] = (unsigned char)(v | 0x80);
    v >>= 7;
  }
  w->b[w->n++] = (unsigned char)v;
}
static void field_varint(pbw *w, unsigned field, uint64_t v) {
  varint(w, (uint64_t)field << 3);
  varint(w, v);
}
static void field_bytes(pbw *w, unsigned field, const void *p, size_t n) {
  varint(w, (uint64_t)field << 3 | 2);
  varint(w, n);
  memcpy(w->b + w->n, p, n);
  w->n += n;
}
static void field_msg(pbw *w, unsigned field, const pbw *m) {
  field_bytes(w, field, m->b, m->n);
}

static void expect_bad(const pbw *w, const char *want) {
  lg_pprof *p = (lg_pprof *)1;
  lg_error err;
  lg_error_clear(&err);
  ck_assert_int_eq(lg_pprof_decode("bad.pb", w->b, w->n, &p, &err), LG_EINPUT);
  ck_assert_ptr_null(p);
  ck_assert_msg(strncmp(err.msg, "bad.pb: ", 8) == 0, "%s", err.msg);
  ck_assert_msg(strstr(err.msg, want) != NULL, "got '%s', want '%s'", err.msg,
                want);
}

START_TEST(t_bad_refs) {
  pbw w, vt, s, loc, ln;
  /* sample type (string 1, 2), a sample with one value at location 5 */
  memset(&w, 0, sizeof w);
  memset(&vt, 0, sizeof vt);
  memset(&s, 0, sizeof s);
  field_varint(&vt, 1, 1);
  field_varint(&vt, 2, 2);
  field_msg(&w, 1, &vt);
  field_varint(&s, 1, 5);
  field_varint(&s, 2, 100);
  field_msg(&w, 2, &s);
  field_bytes(&w, 6, "", 0);
  field_bytes(&w, 6, "inuse_space", 11);
  field_bytes(&w, 6, "bytes", 5);
  expect_bad(&w, "sample 0 refers to location 5, which the profile does not "
                 "have");

  /* a string index past the table */
  memset(&w, 0, sizeof w);
  memset(&vt, 0, sizeof vt);
  field_varint(&vt, 1, 7);
  field_msg(&w, 1, &vt);
  field_bytes(&w, 6, "", 0);
  expect_bad(&w, "sample type 0: string index 7 is outside the string table");

  /* a string table that does not start with "" */
  memset(&w, 0, sizeof w);
  field_bytes(&w, 6, "x", 1);
  expect_bad(&w, "does not start with \"\"");

  /* a value count that does not match the sample types */
  memset(&w, 0, sizeof w);
  memset(&s, 0, sizeof s);
  field_msg(&w, 1, &vt); /* vt: type 7 - but the count is checked later */
  memset(&w, 0, sizeof w);
  memset(&vt, 0, sizeof vt);
  field_msg(&w, 1, &vt);
  field_varint(&s, 2, 1);
  field_varint(&s, 2, 2);
  field_msg(&w, 2, &s);
  expect_bad(&w, "sample 0 has 2 values for 1 sample types");

  /* a line naming a function that is not there; duplicate ids */
  memset(&w, 0, sizeof w);
  memset(&loc, 0, sizeof loc);
  memset(&ln, 0, sizeof ln);
  field_varint(&ln, 1, 3);
  field_varint(&ln, 2, 10);
  field_varint(&loc, 1, 1);
  field_msg(&loc, 4, &ln);
  field_msg(&w, 4, &loc);
  expect_bad(&w, "location 1 refers to function 3");
  field_msg(&w, 4, &loc);
  memset(&loc, 0, sizeof loc);
  field_varint(&loc, 1, 9);
  field_msg(&w, 4, &loc);
  expect_bad(&w, "two locations have id 1");

  /* a location without an id */
  memset(&w, 0, sizeof w);
  memset(&loc, 0, sizeof loc);
  field_varint(&loc, 3, 0x1234);
  field_msg(&w, 4, &loc);
  expect_bad(&w, "location 0 has id 0");

  /* not protobuf at all; a wire type the message cannot have */
  memset(&w, 0, sizeof w);
  memcpy(w.b, "heap profile: 1: 2 [ 3: 4] @ heapprofile\n", 41);
  w.n = 41;
  expect_bad(&w, "not a pprof profile");
}
END_TEST

START_TEST(t_truncations) {
  size_t len = 0, raw_len, cut;
  char *gz = lg_test_read_src("tests/data/pprof/go_heap.pb.gz", &len);
  unsigned char *raw = malloc(1 << 20);
  uLongf rl = 1 << 20;
  z_stream z;
  lg_error err;
  int ok = 0, bad = 0;
  /* gunzip by hand to cut the raw protobuf too */
  memset(&z, 0, sizeof z);
  ck_assert_int_eq(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
  z.next_in = (unsigned char *)gz;
  z.avail_in = (uInt)len;
  z.next_out = raw;
  z.avail_out = (uInt)rl;
  ck_assert_int_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
  raw_len = rl - z.avail_out;
  inflateEnd(&z);
  for (cut = 0; cut < len; cut++) {
    lg_pprof *p = NULL;
    int rc = lg_pprof_decode("cut.pb.gz", gz, cut, &p, &err);
    /* a cut gzip stream never decodes (its trailer is missing) */
    ck_assert_msg(rc == LG_EINPUT, "gzip cut at %zu: %d", cut, rc);
    ck_assert_ptr_null(p);
  }
  for (cut = 0; cut < raw_len; cut++) {
    lg_pprof *p = NULL;
    int rc = lg_pprof_decode("cut.pb", raw, cut, &p, &err);
    ck_assert(rc == 0 || rc == LG_EINPUT);
    ck_assert(rc == 0 ? p != NULL : p == NULL);
    rc == 0 ? ok++ : bad++;
    lg_pprof_free(p);
  }
  ck_assert_int_gt(bad, 0);
  free(raw);
  free(gz);
}
END_TEST

START_TEST(t_gzip_bomb_capped) {
  /* 300 MiB of zeros compresses to ~300 KiB: refused at the cap. */
  size_t n = 300u << 20, clen;
  unsigned char *zeros = calloc(1, 1 << 20), *c;
  z_stream z;
  lg_pprof *p = NULL;
  lg_error err;
  size_t i;
  memset(&z, 0, sizeof z);
  ck_assert_int_eq(
      deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
      Z_OK);
  clen = deflateBound(&z, n);
  c = malloc(clen);
  z.next_out = c;
  z.avail_out = (uInt)clen;
  for (i = 0; i < 300; i++) {
    z.next_in = zeros;
    z.avail_in = 1 << 20;
    ck_assert_int_eq(deflate(&z, i == 299 ? Z_FINISH : Z_NO_FLUSH),
                     i == 299 ? Z_STREAM_END : Z_OK);
  }
  clen -= z.avail_out;
  deflateEnd(&z);
  ck_assert_int_eq(lg_pprof_decode("bomb.pb.gz", c, clen, &p, &err), LG_ELIMIT);
  ck_assert_ptr_null(p);
  ck_assert_msg(strstr(err.msg, "bomb.pb.gz: more than 256 MiB") != NULL, "%s",
                err.msg);
  free(c);
  free(zeros);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("pprof");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, t_go_heap);
  tcase_add_test(tc, t_writer_dedup);
  tcase_add_test(tc, t_roundtrip);
  tcase_add_test(tc, t_write_file);
  tcase_add_test(tc, t_bad_refs);
  tcase_add_test(tc, t_truncations);
  tcase_add_test(tc, t_gzip_bomb_capped);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return lg_test_run(suite());
}
