/* Unit tests for core/regex.c: POSIX ERE meaning kept, cost bounded. */
#include "core/regex.h"
#include "lg_test.h"

#include <string.h>
#include <sys/resource.h>

static int matches(const char *pattern, const char *line) {
  lg_regex *re = NULL;
  char msg[200];
  int m;
  ck_assert_msg(lg_regex_compile(pattern, &re, msg, sizeof msg) == 0,
                "%s: %s", pattern, msg);
  m = lg_regex_match(re, line, strlen(line));
  lg_regex_free(re);
  return m;
}

static const char *refusal(const char *pattern) {
  static char msg[200];
  lg_regex *re = (lg_regex *)1;
  ck_assert_int_eq(lg_regex_compile(pattern, &re, msg, sizeof msg), -1);
  ck_assert_ptr_null(re);
  ck_assert(msg[0] != '\0');
  return msg;
}

START_TEST(posix_extended_meaning) {
  ck_assert(matches("listening on port [0-9]+", "x listening on port 8080"));
  ck_assert(!matches("listening on port [0-9]+", "listening on port x"));
  ck_assert(matches("^Ready\\.$", "Ready."));
  ck_assert(!matches("^Ready\\.$", "Ready!"));
  ck_assert(!matches("^Ready$", "not Ready"));
  ck_assert(matches("(up|ready) [[:digit:]]{2,3} ok", "ready 123 ok"));
  ck_assert(!matches("(up|ready) [[:digit:]]{2,3} ok", "ready 1 ok"));
  /* In POSIX brackets a backslash is itself, not an escape: [\d] is "\"
   * or "d", where Perl would read digits. */
  ck_assert(matches("^[\\d]$", "d"));
  ck_assert(!matches("^[\\d]$", "7"));
  /* A templated port is rendered before matching; the braces of an
   * unrendered {{port}} are literal text, as in glibc. */
  ck_assert(matches("port {{port}}", "port {{port}}"));
}
END_TEST

START_TEST(bad_patterns_named) {
  ck_assert_ptr_nonnull(strstr(refusal("listening ([0-9+"), "at offset"));
  ck_assert_ptr_nonnull(strstr(refusal("+a"), "quantifier"));
  ck_assert_ptr_nonnull(strstr(refusal("x{1,2}{3}"), "quantifier"));
  {
    char big[LG_REGEX_MAX_LEN + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ck_assert_ptr_nonnull(strstr(refusal(big), "longer than"));
  }
}
END_TEST

/* Patterns that made glibc's regcomp take 0.1-3 GB (its epsilon closures
 * are quadratic in the expanded pattern; the scenario fuzzer found such
 * shapes twice). Each must be refused or compiled in small memory. */
START_TEST(cost_bounded) {
  static const char *const bombs[] = {
      "((|)|(|)){4096}", "((a{255}){255}){255}", "(a|b?){4000}",
      "(a?){4096}", "(()()()()){1024}", "((a{,255}){,255}){,20}"};
  struct rusage before, after;
  size_t i;
  getrusage(RUSAGE_SELF, &before);
  for (i = 0; i < sizeof bombs / sizeof *bombs; i++) {
    lg_regex *re = NULL;
    char msg[200];
    if (lg_regex_compile(bombs[i], &re, msg, sizeof msg) == 0)
      lg_regex_free(re);
    else
      ck_assert_msg(strstr(msg, "too complex") || strstr(msg, "quantifier"),
                    "%s: %s", bombs[i], msg);
  }
  getrusage(RUSAGE_SELF, &after);
  /* glibc needed 131-703 MB for these; PCRE2's compiled-size cap keeps
   * each below a megabyte (the margin covers the allocator). */
  ck_assert_int_lt(after.ru_maxrss - before.ru_maxrss, 64 * 1024);
}
END_TEST

/* Catastrophic backtracking ends at the step limit as "no match" instead
 * of stalling the capture thread. */
START_TEST(match_limited) {
  char line[4096];
  lg_regex *re = NULL;
  char msg[200];
  memset(line, 'a', sizeof line - 1);
  line[sizeof line - 1] = '\0';
  ck_assert_int_eq(lg_regex_compile("^(a|a|aa)*b$", &re, msg, sizeof msg), 0);
  ck_assert(!lg_regex_match(re, line, strlen(line)));
  lg_regex_free(re);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("regex");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, posix_extended_meaning);
  tcase_add_test(tc, bad_patterns_named);
  tcase_add_test(tc, cost_bounded);
  tcase_add_test(tc, match_limited);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return lg_test_run(suite()); }
