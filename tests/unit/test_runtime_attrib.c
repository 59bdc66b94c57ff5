/* test_runtime_attrib - the JVM class histogram (`jcmd PID
 * GC.class_histogram`, harness/runtime/jvm_hist.c): a real one captured
 * from the JVM fixture (tests/data/runtime/jcmd-histogram.txt, cut to 40
 * rows and its Total), rows that do not parse counted, and the growth
 * between two looks: classes absent from the first start at 0, shrinking
 * ones are left out, the largest growth comes first, per request over the
 * requests between the looks. */
#include "runtime/attrib.h"

#include "lg_test.h"

#include <math.h>

static char *slurp(const char *rel, size_t *len) {
  char path[1024];
  FILE *f = fopen(lg_test_src(rel, path, sizeof path), "rb");
  char *buf = malloc(1 << 20);
  ck_assert_ptr_nonnull(f);
  ck_assert_ptr_nonnull(buf);
  *len = fread(buf, 1, (1 << 20) - 1, f);
  buf[*len] = '\0';
  fclose(f);
  return buf;
}

static const rt_item *find(const rt_look *l, const char *name) {
  size_t i;
  for (i = 0; i < l->n; i++)
    if (strcmp(l->items[i].name, name) == 0)
      return &l->items[i];
  return NULL;
}

START_TEST(captured_histogram) {
  size_t len, bad = 0;
  char *text = slurp("tests/data/runtime/jcmd-histogram.txt", &len);
  rt_look look = {0};
  const rt_item *b;
  ck_assert_int_eq(lg__rt_jvm_histogram(text, len, &look, &bad), 0);
  /* pid, header, rule, rows 1-37, row 557 and Total */
  ck_assert_uint_eq(look.n, 38);
  ck_assert_uint_eq(bad, 0);
  b = find(&look, "[B");
  ck_assert_ptr_nonnull(b);
  ck_assert_int_eq(b->count, 17254);
  ck_assert_double_eq(b->bytes, 1653600);
  ck_assert_ptr_nonnull(find(&look, "java.lang.String"));
  lg__rt_look_cleanup(&look);
  free(text);
}
END_TEST

START_TEST(bad_rows) {
  static const char text[] = "123:\n"
                             "   1:   10   800  [B (java.base@17)\n"
                             "   2:   ten  800  java.lang.Object\n"
                             "   3:   5    40\n"
                             "   4:   5    40  \n"
                             "Total  15  840\n";
  rt_look look = {0};
  size_t bad = 0;
  ck_assert_int_eq(lg__rt_jvm_histogram(text, sizeof text - 1, &look, &bad), 0);
  ck_assert_uint_eq(look.n, 1);
  ck_assert_uint_eq(bad, 3);
  lg__rt_look_cleanup(&look);
  ck_assert_int_eq(lg__rt_jvm_histogram("no rows\n", 8, &look, &bad),
                   LG_EINPUT);
  lg__rt_look_cleanup(&look);
}
END_TEST

START_TEST(growth) {
  rt_look a = {0}, b = {0};
  rt_grown *g = NULL;
  size_t n = 0;
  a.requests = 1000;
  b.requests = 101000;
  ck_assert_int_eq(lg__rt_look_add(&a, "[B", 2, 1000, 100000), 0);
  ck_assert_int_eq(lg__rt_look_add(&a, "java.lang.String", 16, 500, 12000), 0);
  ck_assert_int_eq(lg__rt_look_add(&a, "Shrinks", 7, 50, 90000), 0);
  ck_assert_int_eq(lg__rt_look_add(&b, "Shrinks", 7, 10, 1000), 0);
  ck_assert_int_eq(lg__rt_look_add(&b, "java.lang.String", 16, 501, 12024), 0);
  ck_assert_int_eq(lg__rt_look_add(&b, "[B", 2, 101000, 27300000), 0);
  ck_assert_int_eq(lg__rt_look_add(&b, "New", 3, 100000, 1600000), 0);
  ck_assert_int_eq(lg__rt_look_growth(&a, &b, 1000, 10, &g, &n), 0);
  ck_assert_uint_eq(n, 2); /* String grew 24 B: below the 1000 B minimum */
  ck_assert_str_eq(g[0].name, "[B");
  ck_assert_double_eq_tol(g[0].per_request, (27300000.0 - 100000) / 100000,
                          1e-9);
  ck_assert_int_eq(g[0].count0, 1000);
  ck_assert_int_eq(g[0].count1, 101000);
  ck_assert_str_eq(g[1].name, "New");
  ck_assert_double_eq(g[1].bytes0, 0);
  ck_assert_double_eq_tol(g[1].per_request, 16, 1e-9);
  free(g);
  ck_assert_int_eq(lg__rt_look_growth(&a, &b, 1000, 1, &g, &n), 0);
  ck_assert_uint_eq(n, 1);
  free(g);
  lg__rt_look_cleanup(&a);
  lg__rt_look_cleanup(&b);
}
END_TEST

int main(void) {
  Suite *s = suite_create("runtime_attrib");
  TCase *tc = tcase_create("attrib");
  tcase_add_test(tc, captured_histogram);
  tcase_add_test(tc, bad_rows);
  tcase_add_test(tc, growth);
  suite_add_tcase(s, tc);
  return lg_test_run(s);
}
