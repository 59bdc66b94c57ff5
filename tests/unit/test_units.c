/* Unit tests for core/units.c: every unit, every rejection. */
#include "lg_test.h"

#include <leakgate/units.h>
#include <math.h>
#include <string.h>

START_TEST(durations) {
  double s;
  lg_error e;
  ck_assert_int_eq(lg_parse_duration("500ms", &s, &e), 0);
  ck_assert_double_eq_tol(s, 0.5, 1e-12);
  ck_assert_int_eq(lg_parse_duration("10s", &s, &e), 0);
  ck_assert_double_eq(s, 10);
  ck_assert_int_eq(lg_parse_duration("1.5m", &s, &e), 0);
  ck_assert_double_eq(s, 90);
  ck_assert_int_eq(lg_parse_duration(" 24h ", &s, &e), 0);
  ck_assert_double_eq(s, 86400);
  ck_assert_int_eq(lg_parse_duration("0", &s, &e), 0);
  ck_assert_double_eq(s, 0);
  ck_assert_int_eq(lg_parse_duration("10", &s, &e), LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(e.msg, "needs a unit"));
  ck_assert_int_eq(lg_parse_duration("10d", &s, &e), LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(e.msg, "unknown unit 'd'"));
  ck_assert_int_eq(lg_parse_duration("-1s", &s, &e), LG_EINPUT);
  ck_assert_int_eq(lg_parse_duration("nan", &s, &e), LG_EINPUT);
  ck_assert_int_eq(lg_parse_duration("inf", &s, &e), LG_EINPUT);
  ck_assert_int_eq(lg_parse_duration("", &s, &e), LG_EINPUT);
  ck_assert_int_eq(lg_parse_duration("5 s x", &s, &e), LG_EINPUT);
}
END_TEST

START_TEST(sizes) {
  uint64_t b;
  double f;
  lg_error e;
  ck_assert_int_eq(lg_parse_size("64MiB", &b, &e), 0);
  ck_assert_uint_eq(b, 67108864u);
  ck_assert_int_eq(lg_parse_size("256", &b, &e), 0);
  ck_assert_uint_eq(b, 256u);
  ck_assert_int_eq(lg_parse_size("1.5GiB", &b, &e), 0);
  ck_assert_uint_eq(b, 1610612736u);
  ck_assert_int_eq(lg_parse_size("2KB", &b, &e), 0);
  ck_assert_uint_eq(b, 2000u);
  ck_assert_int_eq(lg_parse_size("16B", &b, &e), 0);
  ck_assert_uint_eq(b, 16u);
  ck_assert_int_eq(lg_parse_size_f("0.5B", &f, &e), 0);
  ck_assert_double_eq(f, 0.5);
  ck_assert_int_eq(lg_parse_size("2TiB", &b, &e), 0);
  ck_assert_uint_eq(b, 2199023255552u);
  ck_assert_int_eq(lg_parse_size("3TB", &b, &e), 0);
  ck_assert_uint_eq(b, 3000000000000u);
  ck_assert_int_eq(lg_parse_size("64mb", &b, &e), LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(e.msg, "unknown unit 'mb'"));
  /* the message lists every unit the parser takes */
  ck_assert_ptr_nonnull(
      strstr(e.msg, "(use B, KiB, MiB, GiB, TiB, KB, MB, GB or TB)"));
  ck_assert_int_eq(lg_parse_size("1e30GiB", &b, &e), LG_EINPUT);
  ck_assert_int_eq(lg_parse_size("-5", &b, &e), LG_EINPUT);
  ck_assert_int_eq(lg_parse_size("0x10", &b, &e), LG_EINPUT);
}
END_TEST

START_TEST(rates_and_fractions) {
  double v;
  lg_error e;
  ck_assert_int_eq(lg_parse_rate("1000", &v, &e), 0);
  ck_assert_double_eq(v, 1000);
  ck_assert_int_eq(lg_parse_rate("2.5k", &v, &e), 0);
  ck_assert_double_eq(v, 2500);
  ck_assert_int_eq(lg_parse_rate("500/s", &v, &e), 0);
  ck_assert_double_eq(v, 500);
  ck_assert_int_eq(lg_parse_rate("fast", &v, &e), LG_EINPUT);
  ck_assert_int_eq(lg_parse_fraction("20%", &v, &e), 0);
  ck_assert_double_eq_tol(v, 0.2, 1e-12);
  ck_assert_int_eq(lg_parse_fraction("0.25", &v, &e), 0);
  ck_assert_double_eq(v, 0.25);
  ck_assert_int_eq(lg_parse_fraction("120%", &v, &e), LG_EINPUT);
  ck_assert_int_eq(lg_parse_fraction("2", &v, &e), LG_EINPUT);
}
END_TEST

START_TEST(formatting) {
  char b[32];
  ck_assert_str_eq(lg_format_bytes(b, sizeof b, 512), "512 B");
  ck_assert_str_eq(lg_format_bytes(b, sizeof b, 67108864), "64.0 MiB");
  ck_assert_str_eq(lg_format_bytes(b, sizeof b, -2048), "-2.0 KiB");
  ck_assert_str_eq(lg_format_duration(b, sizeof b, 0.85), "850 ms");
  ck_assert_str_eq(lg_format_duration(b, sizeof b, 33480), "9.3 h");
  ck_assert_str_eq(lg_format_duration(b, sizeof b, INFINITY), "never");
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("units");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, durations);
  tcase_add_test(tc, sizes);
  tcase_add_test(tc, rates_and_fractions);
  tcase_add_test(tc, formatting);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return lg_test_run(suite()); }
