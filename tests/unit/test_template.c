/* Unit tests for scenario/template.c: syntax, rendering, determinism. */
#include "lg_test.h"

#include <leakgate/template.h>
#include <string.h>

static char *render(const char *text, unsigned port, uint64_t seq,
                    uint64_t *rng) {
  static char out[256];
  lg_template *t = NULL;
  lg_template_vars v = {port, seq, rng};
  lg_error e;
  long n;
  ck_assert_int_eq(lg_template_compile(text, strlen(text), &t, NULL, &e), 0);
  n = lg_template_render(t, &v, out, sizeof out - 1);
  ck_assert_int_ge(n, 0);
  ck_assert_uint_le((size_t)n, lg_template_max_len(t));
  out[n] = '\0';
  lg_template_free(t);
  return out;
}

START_TEST(renders_variables) {
  uint64_t rng = 42;
  ck_assert_str_eq(render("http://127.0.0.1:{{port}}/items/{{seq}}", 8080, 17, &rng),
                   "http://127.0.0.1:8080/items/17");
  ck_assert_str_eq(render("k{{seq % 1000}}", 0, 12345, &rng), "k345");
  ck_assert_str_eq(render("k{{ seq%7 }}-{{seq}}", 0, 8, &rng), "k1-8");
  ck_assert_str_eq(render("plain } text }}", 0, 0, &rng), "plain } text }}");
  ck_assert_str_eq(render("", 0, 0, &rng), "");
}
END_TEST

START_TEST(rand_is_seeded_and_bounded) {
  uint64_t a = 7, b = 7;
  int i;
  for (i = 0; i < 1000; i++) {
    char x[64];
    strcpy(x, render("{{rand 10}}", 0, 0, &a));
    ck_assert_str_eq(x, render("{{rand 10}}", 0, 0, &b));
    ck_assert_int_lt(atoi(x), 10);
  }
}
END_TEST

START_TEST(rejects_bad_templates) {
  lg_template *t = NULL;
  lg_error e;
  size_t off = 99;
  ck_assert_int_eq(lg_template_compile("ab{{nope}}", 10, &t, &off, &e), LG_EINPUT);
  ck_assert_uint_eq(off, 2);
  ck_assert_ptr_nonnull(strstr(e.msg, "{{nope}}"));
  ck_assert_int_eq(lg_template_compile("x{{seq", 6, &t, &off, &e), LG_EINPUT);
  ck_assert_uint_eq(off, 1);
  ck_assert_int_eq(lg_template_compile("{{seq % 0}}", 11, &t, &off, &e), LG_EINPUT);
  ck_assert_int_eq(lg_template_compile("{{rand}}", 8, &t, &off, &e), LG_EINPUT);
  ck_assert_int_eq(lg_template_compile("{{seq % 5 x}}", 13, &t, &off, &e), LG_EINPUT);
  ck_assert_ptr_null(t);
}
END_TEST

START_TEST(static_and_overflow) {
  lg_template *t = NULL;
  lg_template_vars v = {1, 123456, NULL};
  char small[4];
  lg_error e;
  ck_assert_int_eq(lg_template_compile("abc", 3, &t, NULL, &e), 0);
  ck_assert_int_eq(lg_template_is_static(t), 1);
  lg_template_free(t);
  ck_assert_int_eq(lg_template_compile("{{port}}", 8, &t, NULL, &e), 0);
  ck_assert_int_eq(lg_template_is_static(t), 0);
  ck_assert_int_eq(lg_template_is_dynamic(t), 0);
  lg_template_free(t);
  ck_assert_int_eq(lg_template_compile("x{{seq}}", 8, &t, NULL, &e), 0);
  ck_assert_int_eq(lg_template_is_dynamic(t), 1);
  ck_assert_int_eq(lg_template_render(t, &v, small, sizeof small), LG_ELIMIT);
  lg_template_free(t);
}
END_TEST

START_TEST(expand) {
  char *s = NULL;
  lg_error e;
  ck_assert_int_eq(lg_template_expand("--port={{port}}", 4242, &s, &e), 0);
  ck_assert_str_eq(s, "--port=4242");
  free(s);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("template");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, renders_variables);
  tcase_add_test(tc, rand_is_seeded_and_bounded);
  tcase_add_test(tc, rejects_bad_templates);
  tcase_add_test(tc, static_and_overflow);
  tcase_add_test(tc, expand);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return lg_test_run(suite()); }
