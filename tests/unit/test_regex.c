/* Unit tests for core/regex.c: POSIX ERE meaning kept, cost bounded. */
#include "core/regex.h"
#include "lg_test.h"

#include <regex.h>
#include <string.h>
#include <sys/resource.h>

static int matches(const char *pattern, const char *line) {
  lg_regex *re = NULL;
  char msg[200];
  int m;
  ck_assert_msg(lg__regex_compile(pattern, &re, msg, sizeof msg) == 0, "%s: %s",
                pattern, msg);
  m = lg__regex_match(re, line, strlen(line));
  lg__regex_free(re);
  return m;
}

static const char *refusal(const char *pattern) {
  static char msg[200];
  lg_regex *re = (lg_regex *)1;
  ck_assert_int_eq(lg__regex_compile(pattern, &re, msg, sizeof msg), -1);
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
  /* GNU escapes keep glibc's meaning. */
  ck_assert(matches("server\\s+started", "server \t started"));
  ck_assert(matches("\\<ready\\>", "is ready."));
  ck_assert(!matches("\\<ready\\>", "already"));
}
END_TEST

/* Differential check against glibc's regcomp/regexec, the engine these
 * patterns were written for: each pattern compiles in both or in neither,
 * and every subject matches in both or in neither. */
START_TEST(same_as_glibc) {
  static const char *const pats[] = {
      "server\\s+started", "\\w+ ready", "\\bready\\b", "\\<ready\\>",
      "\\Bead", "^\\S+$", "\\W", "\\`ready", "ok\\'", "(a)\\1", "(a)\\12",
      "port [0-9]+", "a\\.b", "\\d+", "\\n", "\\{", "x\\+y", "\\(x\\)",
      "[\\]", "[\\d]", "[]a]+", "[^]a]", "[a-]", "[[:space:]]+ok",
      "[[:alpha:][:digit:]]{3}", "a{2}", "a{,2}b", "a{1,}", "a{,}b", "port {{port}}", "a{{", "a{2,3}",
      "a**", "a+?", "(ab)*+c", "a{1,2}{2}", "foo)", "a|", "|a", "()",
      "^ready$", "a^b", "a$b", ".*", "x.y", "(a|b)c", "((a)(b))\\3",
      "a{", "a{x}", "{1}", "*a", "a|*b", "^*", "(+a)", "x(?i)", "a{2,1}",
      "a{32768}", "[a", "[[:alpha:]", "\\1", "a\\", "(a", "\\(?", "a\\|b",
      "[[:nosuch:]]", "[.", "\xc3\xa9t\xc3\xa9 [0-9]"};
  static const char *const subjects[] = {
      "server  started", "server started ready", "x ready", "already",
      "ready", "ready ok", "bead", "aa", "aab", "a2", "aa2", "b", "abab c", "ababc",
      "port 8080", "a.b", "axb", "ddd", "n", "{", "x+y", "(x)", "\\", "d",
      "]", "a]", "-", "  ok", "ab1", "abc", "foo)", "", "a^b", "a$b",
      "xzy", "ac", "bc", "abb", "x", "a|b", "\xc3\xa9t\xc3\xa9 7", "ready!",
      "ready ready"};
  size_t i, j;
  for (i = 0; i < sizeof pats / sizeof *pats; i++) {
    regex_t g;
    lg_regex *re = NULL;
    char msg[200];
    int gl = regcomp(&g, pats[i], REG_EXTENDED | REG_NOSUB);
    int ours = lg__regex_compile(pats[i], &re, msg, sizeof msg);
    ck_assert_msg((gl == 0) == (ours == 0), "%s: glibc %s, leakgate %s",
                  pats[i], gl ? "refuses" : "compiles",
                  ours ? msg : "compiles");
    if (gl == 0) {
      for (j = 0; j < sizeof subjects / sizeof *subjects; j++) {
        bool want = regexec(&g, subjects[j], 0, NULL, 0) == 0;
        ck_assert_msg(lg__regex_match(re, subjects[j], strlen(subjects[j])) ==
                          want,
                      "/%s/ on \"%s\": glibc %s", pats[i], subjects[j],
                      want ? "matches" : "does not match");
      }
      regfree(&g);
    }
    lg__regex_free(re);
  }
}
END_TEST

START_TEST(bad_patterns_named) {
  ck_assert_ptr_nonnull(strstr(refusal("listening ([0-9+"), "without its ']'"));
  ck_assert_ptr_nonnull(strstr(refusal("+a"), "'+' has nothing to repeat"));
  ck_assert_ptr_nonnull(strstr(refusal("a{x}"), "repetition count like"));
  ck_assert_ptr_nonnull(strstr(refusal("a{99999}"), "above 32767"));
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
    if (lg__regex_compile(bombs[i], &re, msg, sizeof msg) == 0)
      lg__regex_free(re);
    else
      ck_assert_msg(strstr(msg, "too complex"),
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
  ck_assert_int_eq(lg__regex_compile("^(a|a|aa)*b$", &re, msg, sizeof msg), 0);
  ck_assert(!lg__regex_match(re, line, strlen(line)));
  lg__regex_free(re);
  /* glibc took stacked repetitions, which nest here: ((([0-9]+)+)+)... */
  ck_assert_int_eq(lg__regex_compile("port [0-9]++++++++++++++++++++++++++++++",
                                     &re, msg, sizeof msg),
                   0);
  ck_assert(lg__regex_match(re, "listening: port 8080", 20));
  memset(line, '7', sizeof line - 1);
  memcpy(line, "port ", 5);
  line[sizeof line - 2] = 'x';
  ck_assert(lg__regex_match(re, line, strlen(line)));
  lg__regex_free(re);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("regex");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, posix_extended_meaning);
  tcase_add_test(tc, same_as_glibc);
  tcase_add_test(tc, bad_patterns_named);
  tcase_add_test(tc, cost_bounded);
  tcase_add_test(tc, match_limited);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return lg_test_run(suite()); }
