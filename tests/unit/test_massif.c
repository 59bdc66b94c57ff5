/* test_massif.c - the massif.out parser, the request-aligned series, growing
 * sites, and the tier command lines. Samples are from real Valgrind 3.19
 * runs of tests/fixtures/leaky_http (tests/data/massif/regen.sh). */
#include "lg_test.h"

#include <leakgate/valgrind.h>

#include "core/fsutil.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

static lg_result *res;

static void setup(void) {
  res = lg_result_new();
}
static void teardown(void) {
  lg_result_free(res);
}

/* ---- the --detailed-freq file -------------------------------------------- */

START_TEST(t_ms_leaky_file) {
  lg_massif_result *m = &res->massif;
  char path[4096];
  lg_error err;
  size_t i;
  double peak = 0;
  lg_test_src("tests/data/massif/leaky.massif", path, sizeof path);
  ck_assert_int_eq(lg_massif_parse_file(path, m, &err), 0);
  ck_assert(m->ran);
  ck_assert_str_eq(m->out_file, path);
  ck_assert_uint_eq(m->n_heap, 190); /* snapshot=0 .. snapshot=189 */
  for (i = 1; i < m->n_heap; i++)
    ck_assert(m->heap_x[i] >= m->heap_x[i - 1]);
  for (i = 0; i < m->n_heap; i++)
    peak = m->heap_y[i] > peak ? m->heap_y[i] : peak;
  ck_assert_double_eq(m->peak_heap_bytes, peak);
  ck_assert_double_eq(m->heap_x[0], 0);
  ck_assert_double_eq(m->heap_y[0], 0);
  ck_assert_uint_ge(m->n_sites, 1);
  ck_assert_str_eq(m->growing_sites[0].function, "leak_per_request");
  ck_assert_str_eq(m->growing_sites[0].file, "leaky_http.c");
  ck_assert_int_eq(m->growing_sites[0].line, 12);
  ck_assert(m->growing_sites[0].growth_bytes > 1000);
  ck_assert_double_eq(m->growing_sites[0].growth_bytes,
                      m->growing_sites[0].last_bytes -
                          m->growing_sites[0].first_bytes);
  /* the stdout buffer is allocated once: not growing */
  for (i = 0; i < m->n_sites; i++)
    ck_assert_str_ne(m->growing_sites[i].function, "_IO_file_doallocate");
}
END_TEST

/* The same bytes from memory give the same result. */
START_TEST(t_ms_buffer_equals_file) {
  lg_result *other = lg_result_new();
  char path[4096];
  size_t len, i;
  char *data = lg_test_read_src("tests/data/massif/leaky.massif", &len);
  lg_error err;
  lg_test_src("tests/data/massif/leaky.massif", path, sizeof path);
  ck_assert_int_eq(lg_massif_parse_file(path, &res->massif, &err), 0);
  ck_assert_int_eq(
      lg_massif_parse_buffer("mem", data, len, &other->massif, &err), 0);
  ck_assert_uint_eq(res->massif.n_heap, other->massif.n_heap);
  for (i = 0; i < res->massif.n_heap; i++)
    ck_assert_double_eq(res->massif.heap_y[i], other->massif.heap_y[i]);
  ck_assert_uint_eq(res->massif.n_sites, other->massif.n_sites);
  ck_assert_double_eq(res->massif.growing_sites[0].growth_bytes,
                      other->massif.growing_sites[0].growth_bytes);
  free(data);
  lg_result_free(other);
}
END_TEST

/* ---- the request-aligned series (vgdb snapshots) ------------------------- */

START_TEST(t_ms_vgdb_series) {
  lg_massif_result *m = &res->massif;
  lg_massif_series *s = NULL;
  lg_error err;
  int r;
  ck_assert_int_eq(lg_massif_series_new(&s, &err), 0);
  for (r = 60; r >= 10; r -= 10) { /* any order: sorted by x */
    char rel[64], path[4096];
    snprintf(rel, sizeof rel, "tests/data/massif/snap-r%d.massif", r);
    ck_assert_int_eq(lg_massif_series_add_file(
                         s, lg_test_src(rel, path, sizeof path), r, &err),
                     0);
  }
  ck_assert_uint_eq(lg_massif_series_snapshots(s), 6);
  ck_assert_uint_eq(lg_massif_series_trees(s), 6);
  ck_assert_int_eq(lg_massif_series_finish(s, NULL, m, &err), 0);
  ck_assert_uint_eq(m->n_heap, 6);
  for (r = 0; r < 6; r++)
    ck_assert_double_eq(m->heap_x[r], 10.0 * (r + 1));
  ck_assert(m->heap_y[5] > m->heap_y[0]);
  ck_assert_uint_eq(m->n_sites, 1);
  ck_assert_str_eq(m->growing_sites[0].function, "leak_per_request");
  /* warm-up: the first 20% of [10, 60] requests is skipped, so first is
   * the snapshot after 20 requests (21 served, with the readiness probe) */
  ck_assert_double_eq(m->growing_sites[0].first_bytes, 1344);
  ck_assert_double_eq(m->growing_sites[0].last_bytes, 3904);
  ck_assert_double_eq(m->growing_sites[0].growth_bytes, 2560);
  /* without warm-up trimming: from the first snapshot */
  {
    lg_massif_opts o;
    lg_massif_opts_init(&o);
    o.warmup_fraction = 0;
    ck_assert_int_eq(lg_massif_series_finish(s, &o, m, &err), 0);
    ck_assert_uint_eq(m->n_sites, 1);
    ck_assert_double_eq(m->growing_sites[0].first_bytes, 704);
  }
  lg_massif_series_free(s);
}
END_TEST

static const char *HDR = "desc: x\ncmd: ./t\ntime_unit: i\n";

/* One snapshot with a detailed tree given as text. */
static void snap(char *out, size_t cap, int no, long t, long heap,
                 const char *tree) {
  size_t n = strlen(out);
  snprintf(out + n, cap - n,
           "#-----------\nsnapshot=%d\n#-----------\ntime=%ld\n"
           "mem_heap_B=%ld\nmem_heap_extra_B=8\nmem_stacks_B=0\n"
           "heap_tree=%s\n%s",
           no, t, heap, tree ? "detailed" : "empty", tree ? tree : "");
}

/* Site attribution: allocator wrappers are looked through, a site is
 * merged across the tree, below-threshold entries are skipped, frames
 * without debug info are named by their object; a site that only spikes
 * is not "growing"; a shrinking one neither. */
START_TEST(t_ms_attribution) {
  lg_massif_result *m = &res->massif;
  char buf[16384];
  char tree[2048];
  lg_error err;
  int k;
  strcpy(buf, HDR);
  for (k = 0; k < 6; k++) {
    long grow = 1000L * (k + 1), spike = k == 5 ? 50000 : 100,
         shrink = 9000 - 1000L * k;
    snprintf(tree, sizeof tree,
             "n5: %ld (heap allocation functions) malloc/new/new[], "
             "--alloc-fns, etc.\n"
             " n2: %ld 0x1: xmalloc (util.c:10)\n"
             "  n1: %ld 0x2: cache_put (cache.c:42)\n"
             "   n0: %ld 0x3: main (main.c:5)\n"
             "  n0: 10 in 3 places, all below massif's threshold (1.00%%)\n"
             " n1: %ld 0x4: cache_put (cache.c:42)\n"
             "  n0: %ld 0x5: handler (srv.c:7)\n"
             " n0: %ld 0x6: spike_buf (spike.c:3)\n"
             " n0: %ld 0x7: shrinking (s.c:1)\n"
             " n0: 300 0x8: std::vector<int, std::allocator<int> >::push(int "
             "const&) (in /usr/lib/libfoo.so.1)\n",
             grow * 2 + 10 + spike + shrink + 300, grow + 10, grow, grow, grow,
             grow, spike, shrink);
    snap(buf, sizeof buf, k, 100L * k, grow * 2 + 10 + spike + shrink + 308,
         tree);
  }
  ck_assert_int_eq(
      lg_massif_parse_buffer("a.massif", buf, strlen(buf), m, &err), 0);
  ck_assert_uint_eq(m->n_heap, 6);
  ck_assert_uint_eq(m->n_sites, 1);
  ck_assert_str_eq(m->growing_sites[0].function, "cache_put");
  ck_assert_str_eq(m->growing_sites[0].file, "cache.c");
  ck_assert_int_eq(m->growing_sites[0].line, 42);
  /* both subtrees merged; warm-up drops k=0 (x=0 < 100) */
  ck_assert_double_eq(m->growing_sites[0].first_bytes, 4000);
  ck_assert_double_eq(m->growing_sites[0].last_bytes, 12000);
  ck_assert_double_eq(m->peak_heap_bytes,
                      6000 * 2 + 10 + 50000 + 4000 + 308 + 8);
}
END_TEST

/* A frame without debug info, C++ names with parentheses, and "???". */
START_TEST(t_ms_frame_forms) {
  lg_massif_result *m = &res->massif;
  char buf[8192], tree[1024];
  lg_error err;
  int k;
  strcpy(buf, HDR);
  for (k = 0; k < 3; k++) {
    snprintf(
        tree, sizeof tree,
        "n3: %d (heap allocation functions) malloc/new/new[], "
        "--alloc-fns, etc.\n"
        " n0: %d 0x8: Foo::bar(std::string const&) (in /usr/lib/libfoo.so.1)\n"
        " n0: %d 0x9: ???\n"
        " n0: %d 0xA: (anonymous namespace)::f(int) (a b.cc:77)\n",
        600 * (k + 1), 100 * (k + 1), 200 * (k + 1), 300 * (k + 1));
    snap(buf, sizeof buf, k, 10L * k, 600L * (k + 1), tree);
  }
  ck_assert_int_eq(
      lg_massif_parse_buffer("f.massif", buf, strlen(buf), m, &err), 0);
  ck_assert_uint_eq(m->n_sites, 3);
  ck_assert_str_eq(m->growing_sites[0].function,
                   "(anonymous namespace)::f(int)");
  ck_assert_str_eq(m->growing_sites[0].file, "a b.cc");
  ck_assert_int_eq(m->growing_sites[0].line, 77);
  ck_assert_str_eq(m->growing_sites[1].function, "???");
  ck_assert_ptr_null(m->growing_sites[1].file);
  ck_assert_str_eq(m->growing_sites[2].function,
                   "Foo::bar(std::string const&)");
  ck_assert_str_eq(m->growing_sites[2].file, "/usr/lib/libfoo.so.1");
  ck_assert_int_eq(m->growing_sites[2].line, 0);
}
END_TEST

/* 40 sites that fluctuate at random and one that leaks, over 20 detailed
 * snapshots: the leak ranks first and the trend test keeps the noise out
 * (deterministic noise: a fixed LCG). */
START_TEST(t_ms_noise) {
  lg_massif_result *m = &res->massif;
  size_t cap = 1 << 20, n;
  char *buf = malloc(cap), *tree = malloc(1 << 16);
  unsigned long long lcg = 12345;
  lg_error err;
  int k, i;
  strcpy(buf, HDR);
  for (k = 0; k < 20; k++) {
    long total = 0, b[41];
    for (i = 0; i < 41; i++) {
      lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
      b[i] = i == 40 ? 1000 + 300L * k : 5000 + (long)((lcg >> 33) % 2000);
      total += b[i];
    }
    n = (size_t)snprintf(tree, 1 << 16,
                         "n41: %ld (heap allocation functions) malloc/new/"
                         "new[], --alloc-fns, etc.\n",
                         total);
    for (i = 0; i < 41; i++)
      n += (size_t)snprintf(tree + n, (1 << 16) - n,
                            " n0: %ld 0x%x: site_%d (s.c:%d)\n", b[i], i, i, i);
    snap(buf, cap, k, 1000L * k, total, tree);
  }
  ck_assert_int_eq(
      lg_massif_parse_buffer("n.massif", buf, strlen(buf), m, &err), 0);
  ck_assert_uint_eq(m->n_sites, 1); /* no noise site passes */
  ck_assert_str_eq(m->growing_sites[0].function, "site_40");
  ck_assert_double_eq(m->growing_sites[0].last_bytes, 1000 + 300 * 19);
  free(buf);
  free(tree);
}
END_TEST

START_TEST(t_ms_one_tree) {
  lg_massif_result *m = &res->massif;
  char buf[4096];
  lg_error err;
  strcpy(buf, HDR);
  snap(buf, sizeof buf, 0, 0, 0, NULL);
  snap(buf, sizeof buf, 1, 5, 100,
       "n1: 100 (heap allocation functions) malloc/new/new[], --alloc-fns, "
       "etc.\n n0: 100 0x1: f (f.c:1)\n");
  ck_assert_int_eq(
      lg_massif_parse_buffer("one.massif", buf, strlen(buf), m, &err), 0);
  ck_assert(m->ran);
  ck_assert_uint_eq(m->n_heap, 2);
  ck_assert_double_eq(m->peak_heap_bytes, 108);
  ck_assert_uint_eq(m->n_sites, 0);
  ck_assert_ptr_nonnull(m->note);
  ck_assert_ptr_nonnull(strstr(m->note, "fewer than 2 detailed"));
}
END_TEST

/* Every cut of a real file either fails naming the file and a line, or
 * falls exactly between two snapshots (then it is a shorter valid file). */
START_TEST(t_ms_truncated_everywhere) {
  lg_massif_result *m = &res->massif;
  size_t len, cut;
  char *data = lg_test_read_src("tests/data/massif/leaky.massif", &len);
  lg_error err;
  size_t ok = 0, bad = 0;
  for (cut = 0; cut < len; cut += (cut < 3000 ? 1 : 97)) {
    int rc = lg_massif_parse_buffer("cut.massif", data, cut, m, &err);
    if (rc == 0) {
      /* only between snapshots: the rest starts a new one */
      ck_assert_msg(
          cut > 0 && data[cut - 1] == '\n' &&
              (strncmp(data + cut, "#-----------\nsnapshot=", 22) == 0 ||
               strncmp(data + cut, "snapshot=", 9) == 0),
          "cut at %zu accepted", cut);
      ok++;
    } else {
      ck_assert_int_eq(rc, LG_EINPUT);
      ck_assert_msg(strncmp(err.msg, "cut.massif:", 11) == 0, "%s", err.msg);
      bad++;
    }
  }
  ck_assert_uint_gt(ok, 0);
  ck_assert_uint_gt(bad, 1000);
  free(data);
}
END_TEST

static void expect_bad(const char *text, const char *needle) {
  lg_error err;
  int rc = lg_massif_parse_buffer("bad.massif", text, strlen(text),
                                  &res->massif, &err);
  ck_assert_msg(rc == LG_EINPUT, "rc %d for: %s", rc, text);
  ck_assert_msg(strstr(err.msg, needle) &&
                    strncmp(err.msg, "bad.massif:", 11) == 0,
                "message '%s' lacks '%s'", err.msg, needle);
}

#define S0                                                                     \
  "snapshot=0\ntime=0\nmem_heap_B=0\nmem_heap_extra_B=0\nmem_stacks_B=0\n"

START_TEST(t_ms_malformed) {
  expect_bad("", "no snapshots");
  expect_bad("desc: x\n", "no snapshots");
  expect_bad("hello\n", "bad.massif:1: not a massif.out file");
  expect_bad("desc: x\nsnapshot=0\n", "before the 'time_unit:' header");
  expect_bad("time_unit: i\nsnapshot=1\n", "snapshot=1 follows snapshot -1");
  expect_bad("time_unit: i\n" S0 "heap_tree=empty\nsnapshot=2\n",
             "bad.massif:8: snapshot=2 follows snapshot 0");
  expect_bad("time_unit: i\nsnapshot=0\ntime=x\n", "time: expected a whole");
  expect_bad("time_unit: i\nsnapshot=0\ntime=1\ntime=2\n", "given twice");
  expect_bad("time_unit: i\nsnapshot=0\ntime=1\nheap_tree=empty\n",
             "heap_tree= before");
  expect_bad("time_unit: i\n" S0 "heap_tree=bushy\n", "must be empty");
  expect_bad("time_unit: i\n" S0 "heap_tree=empty\nzzz\n",
             "unexpected line after snapshot 0");
  expect_bad("time_unit: i\nsnapshot=0\ntime=1\nsnapshot=1\n",
             "ends before its heap_tree=");
  expect_bad("time_unit: i\n" S0 "heap_tree=detailed\n", "truncated inside");
  expect_bad("time_unit: i\n" S0 "heap_tree=detailed\nn2: 5 (heap)\n"
             " n0: 5 0x1: f (f.c:1)\n",
             "truncated inside the heap tree of snapshot 0");
  expect_bad("time_unit: i\n" S0 "heap_tree=detailed\nn1: 5 (heap)\n"
             "  n0: 5 0x1: f (f.c:1)\n",
             "at depth 2 where depth 1 was expected");
  expect_bad("time_unit: i\n" S0 "heap_tree=detailed\nx1: 5 (heap)\n",
             "expected 'nK: BYTES");
  expect_bad("time_unit: i\n" S0 "heap_tree=detailed\nn1 5 (heap)\n",
             "bad child count");
  expect_bad("time_unit: i\n" S0 "heap_tree=detailed\nn1: 99999999999999999999"
             "9 (heap)\n",
             "bad byte count");
  expect_bad("time_unit: i\n" S0 "heap_tree=detailed\nn1: 5 (heap)\n"
             " n0: 5 what is this\n",
             "unrecognised entry");
  expect_bad("time_unit: i\n" S0 "heap_tree=detailed\nn1: 5 (heap)\n"
             " n0: 5 0x1f (f.c:1)\n",
             "bad frame");
  expect_bad("time_unit: i\n" S0 "heap_tree=empty", "no newline");
  ck_assert(!res->massif.ran);
}
END_TEST

/* A line longer than the 1 MiB buffer, from a file. */
START_TEST(t_ms_long_line_file) {
  char path[] = "/tmp/lg_ms_longXXXXXX";
  int fd = mkstemp(path);
  FILE *f;
  size_t i;
  lg_error err;
  ck_assert_int_ge(fd, 0);
  f = fdopen(fd, "w");
  fputs("desc: ", f);
  for (i = 0; i < (2u << 20); i++)
    fputc('x', f);
  fputs("\n", f);
  fclose(f);
  ck_assert_int_eq(lg_massif_parse_file(path, &res->massif, &err), LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(err.msg, ":1: line longer than"));
  unlink(path);
  ck_assert_int_eq(
      lg_massif_parse_file("/nonexistent/massif.out", &res->massif, &err),
      LG_ENOENT);
}
END_TEST

/* A failing file leaves the series as it was. */
START_TEST(t_ms_series_rollback) {
  lg_massif_series *s = NULL;
  char path[4096];
  lg_error err;
  size_t len;
  char *data = lg_test_read_src("tests/data/massif/snap-r10.massif", &len);
  ck_assert_int_eq(lg_massif_series_new(&s, &err), 0);
  ck_assert_int_eq(lg_massif_series_finish(s, NULL, &res->massif, &err),
                   LG_EINPUT);
  ck_assert_int_eq(
      lg_massif_series_add_file(
          s,
          lg_test_src("tests/data/massif/snap-r10.massif", path, sizeof path),
          10, &err),
      0);
  ck_assert_int_eq(
      lg_massif_series_add_buffer(s, "half", data, len - 40, 20, &err),
      LG_EINPUT);
  ck_assert_uint_eq(lg_massif_series_snapshots(s), 1);
  ck_assert_uint_eq(lg_massif_series_trees(s), 1);
  ck_assert_int_eq(lg_massif_series_add_buffer(s, "full", data, len, 20, &err),
                   0);
  ck_assert_uint_eq(lg_massif_series_trees(s), 2);
  ck_assert_int_eq(lg_massif_series_finish(s, NULL, &res->massif, &err), 0);
  ck_assert_uint_eq(res->massif.n_heap, 2);
  ck_assert_uint_eq(res->massif.n_sites, 0); /* the same bytes twice */
  lg_massif_series_free(s);
  free(data);
}
END_TEST

/* ---- command lines ------------------------------------------------------- */

static int has_arg(char **argv, const char *a) {
  size_t i;
  for (i = 0; argv[i]; i++)
    if (strcmp(argv[i], a) == 0)
      return 1;
  return 0;
}

START_TEST(t_cmdlines) {
  const char *supp[] = {"/s/a.supp", "/s/b c.supp"};
  lg_memcheck_cmd mc;
  lg_massif_cmd ms;
  char **argv = NULL, **wrapped = NULL;
  char *cmd[] = {"./svc", "--port", "8080", NULL};
  lg_error err;
  memset(&mc, 0, sizeof mc);
  mc.out_dir = "/out/100%";
  mc.suppressions = supp;
  mc.n_suppressions = 2;
  ck_assert_int_eq(lg_memcheck_argv(&mc, &argv, &err), 0);
  ck_assert_str_eq(argv[0], "valgrind");
  ck_assert(has_arg(argv, "--tool=memcheck"));
  ck_assert(has_arg(argv, "--leak-check=full"));
  ck_assert(has_arg(argv, "--show-leak-kinds=definite,indirect,possible"));
  ck_assert(has_arg(argv, "--errors-for-leak-kinds=definite,indirect"));
  ck_assert(has_arg(argv, "--error-exitcode=97"));
  ck_assert(has_arg(argv, "--xml=yes"));
  ck_assert(has_arg(argv, "--xml-file=/out/100%%/memcheck.%p.xml"));
  ck_assert(has_arg(argv, "--child-silent-after-fork=yes"));
  ck_assert(has_arg(argv, "--trace-children=yes"));
  ck_assert(has_arg(argv, "--num-callers=24"));
  ck_assert(has_arg(argv, "--suppressions=/s/b c.supp"));
  ck_assert_int_eq(lg_valgrind_wrap(argv, cmd, &wrapped, &err), 0);
  {
    size_t n = 0;
    while (wrapped[n])
      n++;
    ck_assert_str_eq(wrapped[n - 3], "./svc");
    ck_assert_str_eq(wrapped[n - 1], "8080");
    ck_assert_str_eq(wrapped[n - 4], "--suppressions=/s/b c.supp");
  }
  lg_valgrind_argv_free(argv);
  lg_valgrind_argv_free(wrapped);
  mc.fail_on = LG_FAIL_POSSIBLE | LG_FAIL_ERRORS;
  mc.valgrind = "/usr/bin/valgrind";
  mc.show_reachable = true;
  ck_assert_int_eq(lg_memcheck_argv(&mc, &argv, &err), 0);
  ck_assert_str_eq(argv[0], "/usr/bin/valgrind");
  ck_assert(has_arg(argv, "--errors-for-leak-kinds=possible"));
  ck_assert(
      has_arg(argv, "--show-leak-kinds=definite,indirect,possible,reachable"));
  lg_valgrind_argv_free(argv);
  mc.fail_on = LG_FAIL_ERRORS;
  ck_assert_int_eq(lg_memcheck_argv(&mc, &argv, &err), 0);
  ck_assert(has_arg(argv, "--errors-for-leak-kinds=none"));
  lg_valgrind_argv_free(argv);
  mc.out_dir = NULL;
  ck_assert_int_eq(lg_memcheck_argv(&mc, &argv, &err), LG_EUSAGE);

  memset(&ms, 0, sizeof ms);
  ms.out_dir = "/out";
  ms.vgdb = true;
  ck_assert_int_eq(lg_massif_argv(&ms, &argv, &err), 0);
  ck_assert(has_arg(argv, "--tool=massif"));
  ck_assert(has_arg(argv, "--massif-out-file=/out/massif.out.%p"));
  ck_assert(has_arg(argv, "--time-unit=B"));
  ck_assert(has_arg(argv, "--detailed-freq=10"));
  ck_assert(has_arg(argv, "--max-snapshots=200"));
  ck_assert(has_arg(argv, "--threshold=0.10"));
  ck_assert(has_arg(argv, "--vgdb=yes"));
  ck_assert(has_arg(argv, "--vgdb-prefix=/out/vgdb"));
  lg_valgrind_argv_free(argv);
  {
    char *p = lg_massif_vgdb_prefix("/out");
    ck_assert_str_eq(p, "/out/vgdb");
    free(p);
  }
  ms.vgdb = false;
  ms.detailed_snapshots = 500;
  ck_assert_int_eq(lg_massif_argv(&ms, &argv, &err), 0);
  ck_assert(has_arg(argv, "--vgdb=no"));
  ck_assert(has_arg(argv, "--detailed-freq=1"));
  lg_valgrind_argv_free(argv);
  ck_assert(lg_valgrind_ready_scale(LG_TOOL_MEMCHECK) >= 20);
  ck_assert(lg_valgrind_ready_scale(LG_TOOL_MASSIF) >= 10);
  ck_assert(lg_valgrind_stop_scale(LG_TOOL_MEMCHECK) > 1);
  ck_assert(lg_valgrind_startup_s(LG_TOOL_MASSIF) > 0);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("massif");
  TCase *tc = tcase_create("massif");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, t_ms_leaky_file);
  tcase_add_test(tc, t_ms_buffer_equals_file);
  tcase_add_test(tc, t_ms_vgdb_series);
  tcase_add_test(tc, t_ms_attribution);
  tcase_add_test(tc, t_ms_frame_forms);
  tcase_add_test(tc, t_ms_noise);
  tcase_add_test(tc, t_ms_one_tree);
  tcase_add_test(tc, t_ms_truncated_everywhere);
  tcase_add_test(tc, t_ms_malformed);
  tcase_add_test(tc, t_ms_long_line_file);
  tcase_add_test(tc, t_ms_series_rollback);
  tcase_add_test(tc, t_cmdlines);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return lg_test_run(suite());
}
