/* test_valgrind.c - the Memcheck XML and massif.out parsers on samples from
 * real Valgrind 3.19 runs (tests/data/memcheck, tests/data/massif: see their
 * regen.sh) and on hand-made broken inputs; fingerprints; command lines.
 * No valgrind run here: test_valgrind_live.c runs the fixtures. */
#include "lg_test.h"

#include <leakgate/valgrind.h>

#include "core/fsutil.h"

#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static lg_result *res;

static void setup(void) {
  res = lg_result_new();
}
static void teardown(void) {
  lg_result_free(res);
}

static int mc_file(const char *rel, lg_error *err) {
  char path[4096];
  return lg_memcheck_parse_file(lg_test_src(rel, path, sizeof path),
                                &res->memcheck, err);
}

static int ends_with(const char *s, const char *suffix) {
  size_t a = s ? strlen(s) : 0, b = strlen(suffix);
  return s && a >= b && strcmp(s + a - b, suffix) == 0;
}

/* ---- Memcheck ------------------------------------------------------------ */

START_TEST(t_mc_leaky) {
  lg_memcheck_result *m = &res->memcheck;
  lg_error err;
  const lg_leak_record *l;
  size_t i;
  ck_assert_int_eq(mc_file("tests/data/memcheck/leaky.xml", &err), 0);
  ck_assert(m->ran);
  ck_assert_double_eq(m->definitely_lost_bytes, 704);
  ck_assert_double_eq(m->indirectly_lost_bytes, 0);
  ck_assert_double_eq(m->possibly_lost_bytes, 0);
  ck_assert_int_eq(m->errors, 0);
  ck_assert_uint_eq(m->n_leaks, 1);
  l = &m->leaks[0];
  ck_assert_str_eq(l->kind, "definite");
  ck_assert_double_eq(l->bytes, 704);
  ck_assert_int_eq(l->blocks, 11);
  ck_assert_uint_ge(l->n_stack, 3);
  ck_assert_str_eq(l->stack[0].function, "malloc");
  ck_assert_ptr_null(l->stack[0].file);
  ck_assert_str_eq(l->stack[1].function, "leak_per_request");
  ck_assert(ends_with(l->stack[1].file, "tests/fixtures/leaky_http.c"));
  ck_assert_int_eq(l->stack[1].line, 12);
  ck_assert(ends_with(l->stack[1].object, "/leaky_http"));
  ck_assert_str_eq(l->stack[2].function, "on_request");
  ck_assert_uint_eq(strlen(l->fingerprint), 16);
  for (i = 0; i < 16; i++)
    ck_assert(strchr("0123456789abcdef", l->fingerprint[i]));
  /* FNV-1a of "lg1\ndefinite\nleak_per_request\tleaky_http.c\n..." (the
   * five frames after malloc), computed independently in Python. */
  ck_assert_str_eq(l->fingerprint, "f16d907188cb8515");
}
END_TEST

START_TEST(t_mc_clean_and_suppressed) {
  lg_memcheck_result *m = &res->memcheck;
  lg_error err;
  ck_assert_int_eq(mc_file("tests/data/memcheck/clean.xml", &err), 0);
  ck_assert(m->ran);
  ck_assert_double_eq(m->definitely_lost_bytes, 0);
  ck_assert_uint_eq(m->n_leaks, 0);
  ck_assert_int_eq(m->errors, 0);
  /* the leaky fixture with tests/data/memcheck/leaky.supp */
  ck_assert_int_eq(mc_file("tests/data/memcheck/suppressed.xml", &err), 0);
  ck_assert_double_eq(m->definitely_lost_bytes, 0);
  ck_assert_uint_eq(m->n_leaks, 0);
}
END_TEST

START_TEST(t_mc_kinds) {
  lg_memcheck_result *m = &res->memcheck;
  lg_error err;
  ck_assert_int_eq(mc_file("tests/data/memcheck/kinds.xml", &err), 0);
  /* "108 (8 direct, 100 indirect) bytes ... definitely lost": the summary
   * counts 8 as definite and 100 as indirect, as Valgrind's does. */
  ck_assert_double_eq(m->definitely_lost_bytes, 8);
  ck_assert_double_eq(m->indirectly_lost_bytes, 100);
  ck_assert_double_eq(m->possibly_lost_bytes, 64);
  ck_assert_int_eq(m->errors, 3); /* one InvalidRead, <count>3</count> */
  /* ... kept with its words and its primary stack, not only counted */
  ck_assert_uint_eq(m->n_error_records, 1);
  ck_assert_str_eq(m->error_records[0].kind, "InvalidRead");
  ck_assert_str_eq(m->error_records[0].what, "Invalid read of size 1");
  ck_assert_int_eq(m->error_records[0].count, 3);
  ck_assert_uint_eq(m->error_records[0].n_stack, 2); /* not the free() stack */
  ck_assert_str_eq(m->error_records[0].stack[0].function, "read_freed");
  ck_assert_int_eq(m->error_records[0].stack[0].line, 27);
  ck_assert_str_eq(m->error_records[0].stack[1].function, "main");
  ck_assert_uint_eq(m->n_leaks, 4);
  ck_assert_str_eq(m->leaks[0].kind, "definite");
  ck_assert_double_eq(m->leaks[0].bytes, 108);
  ck_assert_str_eq(m->leaks[0].stack[1].function, "leak_tree");
  ck_assert_str_eq(m->leaks[1].kind, "indirect");
  ck_assert_str_eq(m->leaks[2].kind, "possible");
  ck_assert_str_eq(m->leaks[2].stack[1].function, "leak_interior");
  ck_assert_str_eq(m->leaks[3].kind, "reachable");
  ck_assert_ptr_nonnull(m->note);
  ck_assert_ptr_nonnull(strstr(m->note, "SIGABRT"));
}
END_TEST

START_TEST(t_mc_killed) {
  lg_memcheck_result *m = &res->memcheck;
  lg_error err;
  ck_assert_int_eq(mc_file("tests/data/memcheck/killed.xml", &err), LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(err.msg, "killed.xml:"));
  ck_assert_ptr_nonnull(strstr(err.msg, "before Memcheck's leak check ran"));
  ck_assert(!m->ran);
  ck_assert_uint_eq(m->n_leaks, 0);
}
END_TEST

/* Every prefix of a real file fails cleanly, names the file, and leaves
 * nothing behind in the result. */
START_TEST(t_mc_truncated_everywhere) {
  lg_memcheck_result *m = &res->memcheck;
  size_t len, cut;
  char *data = lg_test_read_src("tests/data/memcheck/kinds.xml", &len);
  lg_error err;
  int saw_finished_msg = 0;
  for (cut = 0; cut + 2 < len; cut += 7) {
    int rc = lg_memcheck_parse_buffer("cut.xml", data, cut, m, &err);
    ck_assert_int_eq(rc, LG_EINPUT);
    ck_assert_msg(strncmp(err.msg, "cut.xml", 7) == 0, "%s", err.msg);
    ck_assert_uint_eq(m->n_leaks, 0);
    ck_assert(!m->ran);
    if (strstr(err.msg, "while writing the leak check"))
      saw_finished_msg = 1;
  }
  ck_assert(saw_finished_msg);
  ck_assert_int_eq(lg_memcheck_parse_buffer("all.xml", data, len, m, &err), 0);
  ck_assert_uint_eq(m->n_leaks, 4);
  free(data);
}
END_TEST

static const char *HEAD = "<?xml version=\"1.0\"?>\n<valgrindoutput>\n"
                          "<protocolversion>4</protocolversion>\n"
                          "<protocoltool>memcheck</protocoltool>\n";

static int mc_str(const char *name, const char *body, lg_error *err) {
  char buf[8192];
  snprintf(buf, sizeof buf, "%s%s", HEAD, body);
  return lg_memcheck_parse_buffer(name, buf, strlen(buf), &res->memcheck, err);
}

static void expect_input_error(const char *body, const char *needle) {
  lg_error err;
  int rc = mc_str("bad.xml", body, &err);
  ck_assert_msg(rc == LG_EINPUT, "rc %d for: %s", rc, body);
  ck_assert_msg(strstr(err.msg, needle) && strncmp(err.msg, "bad.xml:", 8) == 0,
                "message '%s' lacks '%s'", err.msg, needle);
  ck_assert_uint_eq(res->memcheck.n_leaks, 0);
}

static const char *LEAK =
    "<error><unique>0x1</unique><tid>1</tid><kind>Leak_DefinitelyLost</kind>"
    "<xwhat><text>t</text><leakedbytes>%s</leakedbytes><leakedblocks>1"
    "</leakedblocks></xwhat><stack><frame><ip>0x1</ip><fn>f</fn></frame>"
    "</stack></error>\n";

START_TEST(t_mc_malformed) {
  lg_error err;
  char body[2048];

  /* a good minimal document parses */
  snprintf(body, sizeof body, LEAK, "10");
  strcat(body, "<status><state>FINISHED</state></status></valgrindoutput>\n");
  ck_assert_int_eq(mc_str("ok.xml", body, &err), 0);
  ck_assert_double_eq(res->memcheck.definitely_lost_bytes, 10);
  ck_assert_str_eq(res->memcheck.leaks[0].stack[0].function, "f");
  lg_result_free(res);
  res = lg_result_new();

  expect_input_error("<error><kind>Leak</kinds></error></valgrindoutput>",
                     "malformed XML: mismatched tag");
  expect_input_error("<status><state>X</state></status></valgrindoutput>"
                     "<?xml version=\"1.0\"?>\n<valgrindoutput>",
                     "--child-silent-after-fork=yes");
  snprintf(body, sizeof body, LEAK, "ten");
  expect_input_error(body, "<leakedbytes>: expected a number, got 'ten'");
  snprintf(body, sizeof body, LEAK, "-5");
  expect_input_error(body, "expected a number");
  expect_input_error("<error><unique>0x1</unique><kind>Leak_PossiblyLost"
                     "</kind></error></valgrindoutput>",
                     "Leak_PossiblyLost error without <leakedbytes>");
  expect_input_error("<error><unique>0x1</unique></error></valgrindoutput>",
                     "<error> without <kind>");
  expect_input_error("<error><unique>zz</unique></error></valgrindoutput>",
                     "<unique>: expected a hex number");
  expect_input_error("<error><kind>InvalidRead</kind></error>"
                     "</valgrindoutput>",
                     "of kind InvalidRead without <unique>");
  expect_input_error("<errorcounts><pair><count>x</count></pair>"
                     "</errorcounts></valgrindoutput>",
                     "<count>: expected a number");
  expect_input_error("<error><unique>0x1</unique><kind>Leak_DefinitelyLost"
                     "</kind><xwhat><leakedbytes>1</leakedbytes></xwhat><stack>"
                     "<frame><line>abc</line></frame></stack></error>"
                     "</valgrindoutput>",
                     "<line>: expected a line number");

  /* not Memcheck protocol 4 */
  ck_assert_int_eq(lg_memcheck_parse_buffer("h.xml", "<helgrind/>", 11,
                                            &res->memcheck, &err),
                   LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(err.msg, "h.xml:1: not Valgrind XML output"));
  {
    const char *p3 = "<valgrindoutput><protocolversion>3</protocolversion>"
                     "</valgrindoutput>";
    ck_assert_int_eq(lg_memcheck_parse_buffer("p3.xml", p3, strlen(p3),
                                              &res->memcheck, &err),
                     LG_EINPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "protocol version '3'"));
  }
  {
    const char *hg = "<valgrindoutput><protocolversion>4</protocolversion>"
                     "<protocoltool>helgrind</protocoltool></valgrindoutput>";
    ck_assert_int_eq(lg_memcheck_parse_buffer("hg.xml", hg, strlen(hg),
                                              &res->memcheck, &err),
                     LG_EINPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "'helgrind' tool, not Memcheck"));
  }
  {
    const char *nv = "<valgrindoutput></valgrindoutput>";
    ck_assert_int_eq(lg_memcheck_parse_buffer("nv.xml", nv, strlen(nv),
                                              &res->memcheck, &err),
                     LG_EINPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "no <protocolversion>"));
  }
  {
    const char *dt = "<!DOCTYPE valgrindoutput [<!ENTITY a \"aaaa\">]>"
                     "<valgrindoutput>&a;</valgrindoutput>";
    ck_assert_int_eq(lg_memcheck_parse_buffer("dt.xml", dt, strlen(dt),
                                              &res->memcheck, &err),
                     LG_EINPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "unexpected <!DOCTYPE"));
  }
  ck_assert_int_eq(
      lg_memcheck_parse_buffer("empty.xml", "", 0, &res->memcheck, &err),
      LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(err.msg, "empty.xml: empty file"));
  ck_assert(!res->memcheck.ran);
}
END_TEST

/* Files add up; a failing file adds nothing. */
START_TEST(t_mc_accumulate) {
  lg_memcheck_result *m = &res->memcheck;
  lg_error err;
  ck_assert_int_eq(mc_file("tests/data/memcheck/leaky.xml", &err), 0);
  ck_assert_int_eq(mc_file("tests/data/memcheck/kinds.xml", &err), 0);
  ck_assert_int_eq(mc_file("tests/data/memcheck/killed.xml", &err), LG_EINPUT);
  ck_assert_uint_eq(m->n_leaks, 5);
  ck_assert_double_eq(m->definitely_lost_bytes, 712);
  ck_assert_int_eq(m->errors, 3);
  /* sorted by bytes across files */
  ck_assert_double_eq(m->leaks[0].bytes, 704);
  ck_assert_double_eq(m->leaks[1].bytes, 108);
  ck_assert_int_eq(mc_file("tests/data/memcheck/nonexistent.xml", &err),
                   LG_ENOENT);
  ck_assert_uint_eq(m->n_leaks, 5);
}
END_TEST

/* A ~1 MB synthetic file crosses the reader's 256 KiB chunks (MC_CHUNK)
 * four times: same as from memory. */
START_TEST(t_mc_chunked_file) {
  char path[] = "/tmp/lg_mc_bigXXXXXX";
  int fd = mkstemp(path), i;
  FILE *f;
  lg_result *other = lg_result_new();
  lg_error err;
  size_t len;
  char *data;
  ck_assert_int_ge(fd, 0);
  f = fdopen(fd, "w");
  fputs(HEAD, f);
  for (i = 0; i < 3000; i++)
    fprintf(f,
            "<error><unique>0x%x</unique><tid>1</tid><kind>%s</kind><xwhat>"
            "<text>%d bytes</text><leakedbytes>%d</leakedbytes><leakedblocks>1"
            "</leakedblocks></xwhat><stack><frame><ip>0x1</ip><obj>/lib/x.so"
            "</obj><fn>malloc</fn></frame><frame><ip>0x2</ip><fn>fn_%d</fn>"
            "<dir>/src</dir><file>f%d.c</file><line>%d</line></frame></stack>"
            "</error>\n",
            i, i % 3 ? "Leak_DefinitelyLost" : "Leak_IndirectlyLost", i + 1,
            i + 1, i % 50, i % 7, i);
  fputs("<status><state>FINISHED</state></status></valgrindoutput>\n", f);
  fclose(f);
  ck_assert_int_eq(lg_memcheck_parse_file(path, &res->memcheck, &err), 0);
  data = NULL;
  ck_assert_int_eq(lg__read_file(path, 64u << 20, &data, &len, &err), 0);
  ck_assert_uint_gt(len, 200000);
  ck_assert_int_eq(
      lg_memcheck_parse_buffer("mem", data, len, &other->memcheck, &err), 0);
  ck_assert_uint_eq(res->memcheck.n_leaks, 3000);
  ck_assert_uint_eq(other->memcheck.n_leaks, 3000);
  ck_assert_double_eq(res->memcheck.definitely_lost_bytes,
                      other->memcheck.definitely_lost_bytes);
  ck_assert_double_eq(res->memcheck.leaks[0].bytes, 3000);
  ck_assert_double_eq(res->memcheck.leaks[2999].bytes, 1);
  ck_assert_str_eq(res->memcheck.leaks[0].stack[1].file, "/src/f3.c");
  ck_assert_str_eq(res->memcheck.leaks[7].fingerprint,
                   other->memcheck.leaks[7].fingerprint);
  free(data);
  unlink(path);
  lg_result_free(other);
}
END_TEST

/* Suppression blocks are skipped before expat (memcheck_feed.c): with the
 * reader's first 256 KiB chunk ending at[k] bytes into the first error's
 * <suppression> region (inside the open tag at 1-12, inside the close tag,
 * which starts 250 bytes in, at 260), the file parses as the whole buffer
 * does. */
static const char *SUPP_ERR =
    "<error>\n  <unique>0x%x</unique>\n  <tid>1</tid>\n"
    "  <kind>Leak_DefinitelyLost</kind>\n  <what>%s</what>\n"
    "  <xwhat>\n    <text>t</text>\n"
    "    <leakedbytes>%d</leakedbytes>\n    <leakedblocks>1</leakedblocks>\n"
    "  </xwhat>\n  <stack>\n    <frame>\n      <ip>0x1</ip>\n"
    "      <fn>fn_%d</fn>\n    </frame>\n  </stack>\n  <suppression>\n"
    "    <sname>insert_a_suppression_name_here</sname>\n"
    "    <skind>Memcheck:Leak</skind>\n    <sframe> <fun>fn_%d</fun> "
    "</sframe>\n    <rawtext>\n<![CDATA[\n{\n   <insert_a_suppression_name_"
    "here>\n   Memcheck:Leak\n   fun:fn_%d\n}\n]]>\n    </rawtext>\n"
    "  </suppression>\n</error>\n";

START_TEST(t_mc_suppression_skip) {
  static const int at[] = {0, 1, 5, 12, 13, 14, 20, 200, 240, 260, 280, 300};
  char path[64], *pad, first[1024];
  size_t k, j, supp_at;
  lg_error err;
  /* where the first error's <suppression> starts when its <what> is empty */
  snprintf(first, sizeof first, SUPP_ERR, 1, "", 100, 1, 1, 1);
  supp_at = strlen(HEAD) + (size_t)(strstr(first, "<suppression>") - first);
  pad = malloc(270000);
  for (k = 0; k < sizeof at / sizeof *at; k++) {
    lg_result *a = lg_result_new(), *b = lg_result_new();
    char *data = NULL;
    size_t len, padlen = 262144 - supp_at - (size_t)at[k];
    int fd;
    FILE *f;
    snprintf(path, sizeof path, "/tmp/lg_mc_suppXXXXXX");
    fd = mkstemp(path);
    f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    memset(pad, 'p', padlen);
    pad[padlen] = '\0';
    fputs(HEAD, f);
    /* the first error's <what> (text nobody reads: no 64 KiB cap) pushes
     * its suppression across 256 KiB */
    fprintf(f, SUPP_ERR, 1, pad, 100, 1, 1, 1);
    for (j = 2; j < 40; j++)
      fprintf(f, SUPP_ERR, (unsigned)j, "t", (int)j, (int)j, (int)j, (int)j);
    fputs("<status><state>FINISHED</state></status></valgrindoutput>\n", f);
    fclose(f);
    ck_assert_msg(lg_memcheck_parse_file(path, &a->memcheck, &err) == 0,
                  "at %d: %s", at[k], err.msg);
    ck_assert_int_eq(lg__read_file(path, 8u << 20, &data, &len, &err), 0);
    /* the set-up itself: the region starts at[k] bytes before the boundary */
    ck_assert(memcmp(data + 262144 - at[k], "<suppression>", 13) == 0);
    ck_assert_int_eq(
        lg_memcheck_parse_buffer("mem", data, len, &b->memcheck, &err), 0);
    ck_assert_uint_eq(a->memcheck.n_leaks, 39);
    ck_assert_uint_eq(b->memcheck.n_leaks, 39);
    ck_assert_double_eq(a->memcheck.definitely_lost_bytes,
                        100 + 39.0 * 40 / 2 - 1);
    ck_assert_double_eq(b->memcheck.definitely_lost_bytes,
                        a->memcheck.definitely_lost_bytes);
    ck_assert_str_eq(a->memcheck.leaks[0].stack[0].function, "fn_1");
    free(data);
    unlink(path);
    lg_result_free(a);
    lg_result_free(b);
  }
  free(pad);
  /* Lines and columns after a skipped block are the file's own: the
   * mismatched </stack> is line 8 (of HEAD + body), column 17, as expat
   * reports it for the unfiltered text. */
  expect_input_error(
      "<error><unique>0x1</unique><kind>Leak_DefinitelyLost</kind>\n"
      "<suppression>\n<sname>x</sname>\n</suppression></stack></error>\n",
      "bad.xml:8:17: malformed XML: mismatched tag");
  /* Outside <error> the tag is not skipped: an element like any other. */
  ck_assert_int_eq(
      mc_str("top.xml",
             "<suppression><x/></suppression><status><state>FINISHED</state>"
             "</status></valgrindoutput>\n",
             &err),
      0);
}
END_TEST

START_TEST(t_mc_collect) {
  char dir[] = "/tmp/lg_mc_collectXXXXXX", path[4200];
  size_t len;
  char *data = lg_test_read_src("tests/data/memcheck/leaky.xml", &len);
  lg_error err;
  ck_assert_ptr_nonnull(mkdtemp(dir));
  ck_assert_int_eq(lg_memcheck_collect(dir, &res->memcheck, &err), LG_ENOENT);
  ck_assert_ptr_nonnull(strstr(err.msg, "no memcheck.*.xml"));
  snprintf(path, sizeof path, "%s/memcheck.100.xml", dir);
  ck_assert_int_eq(lg__write_atomic(path, data, len, &err), 0);
  snprintf(path, sizeof path, "%s/memcheck.200.xml", dir);
  ck_assert_int_eq(lg__write_atomic(path, data, len / 2, &err), 0);
  snprintf(path, sizeof path, "%s/memcheck.100.log", dir);
  ck_assert_int_eq(lg__write_atomic(path, "x", 1, &err), 0);
  ck_assert_int_eq(lg_memcheck_collect(dir, &res->memcheck, &err), LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(err.msg, "memcheck.200.xml"));
  ck_assert_uint_eq(res->memcheck.n_leaks, 1); /* the complete file counts */
  ck_assert(res->memcheck.ran);
  ck_assert(ends_with(res->memcheck.xml_file, "memcheck.100.xml"));
  snprintf(path, sizeof path, "%s/memcheck.200.xml", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/memcheck.100.xml", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/memcheck.100.log", dir);
  unlink(path);
  rmdir(dir);
  free(data);
}
END_TEST

/* ---- fingerprints -------------------------------------------------------- */

START_TEST(t_fingerprint) {
  lg_frame a[12], b[12];
  char fa[LG_FINGERPRINT_SIZE], fb[LG_FINGERPRINT_SIZE];
  int i;
  memset(a, 0, sizeof a);
  a[0].function = "malloc";
  a[0].object = "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so";
  for (i = 1; i < 12; i++) {
    static char names[12][16];
    snprintf(names[i], sizeof names[i], "fn%d", i);
    a[i].function = names[i];
    a[i].file = "/build/a/src/x.c";
    a[i].line = i;
  }
  memcpy(b, a, sizeof a);
  lg_leak_fingerprint("definite", a, 12, fa, sizeof fa);
  ck_assert_uint_eq(strlen(fa), 16);
  /* other checkout dir, other lines: same */
  for (i = 1; i < 12; i++) {
    b[i].file = "/home/ci/w/src/x.c";
    b[i].line = 100 + i;
    b[i].object = "/other/obj";
  }
  lg_leak_fingerprint("definite", b, 12, fb, sizeof fb);
  ck_assert_str_eq(fa, fb);
  /* allocator frames on top are skipped: operator new, strdup, none */
  b[0].function = "operator new(unsigned long)";
  b[0].object = "/lib/libstdc++.so.6";
  lg_leak_fingerprint("definite", b, 12, fb, sizeof fb);
  ck_assert_str_eq(fa, fb);
  lg_leak_fingerprint("definite", b + 1, 11, fb, sizeof fb);
  ck_assert_str_eq(fa, fb);
  /* frames past the 8th do not count */
  b[10].function = "changed";
  lg_leak_fingerprint("definite", b, 12, fb, sizeof fb);
  ck_assert_str_eq(fa, fb);
  /* the kind, a function and a file basename do */
  lg_leak_fingerprint("indirect", a, 12, fb, sizeof fb);
  ck_assert_str_ne(fa, fb);
  b[10].function = a[10].function;
  b[3].function = "other";
  lg_leak_fingerprint("definite", b, 12, fb, sizeof fb);
  ck_assert_str_ne(fa, fb);
  b[3].function = a[3].function;
  b[3].file = "/build/a/src/y.c";
  lg_leak_fingerprint("definite", b, 12, fb, sizeof fb);
  ck_assert_str_ne(fa, fb);
  /* glibc symbol versions do not count */
  b[3].file = a[3].file;
  b[2].function = "fn2@@GLIBC_2.2.5";
  lg_leak_fingerprint("definite", b, 12, fb, sizeof fb);
  ck_assert_str_eq(fa, fb);
  /* FNV-1a of "lg1\n\n" (computed independently, docs/valgrind.md) */
  lg_stack_fingerprint(NULL, 0, fa, sizeof fa);
  ck_assert_str_eq(fa, "f39df5fc5efe204f");
  ck_assert(lg_is_allocator_frame("calloc", NULL, NULL));
  ck_assert(lg_is_allocator_frame("xmalloc", "util.c", "/bin/x"));
  ck_assert(lg_is_allocator_frame(
      "__gnu_cxx::new_allocator<int>::allocate(unsigned long, void const*)",
      NULL, NULL));
  ck_assert(
      !lg_is_allocator_frame("std::allocator<int>::allocator()", NULL, NULL));
  ck_assert(!lg_is_allocator_frame("main", "main.c", "/bin/x"));
  ck_assert(!lg_is_allocator_frame(NULL, NULL, NULL));
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("valgrind");
  TCase *tc = tcase_create("memcheck");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, t_mc_leaky);
  tcase_add_test(tc, t_mc_clean_and_suppressed);
  tcase_add_test(tc, t_mc_kinds);
  tcase_add_test(tc, t_mc_killed);
  tcase_add_test(tc, t_mc_truncated_everywhere);
  tcase_add_test(tc, t_mc_malformed);
  tcase_add_test(tc, t_mc_accumulate);
  tcase_add_test(tc, t_mc_chunked_file);
  tcase_add_test(tc, t_mc_suppression_skip);
  tcase_add_test(tc, t_mc_collect);
  tcase_add_test(tc, t_fingerprint);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return lg_test_run(suite());
}
