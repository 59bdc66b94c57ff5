/* test_golden.c - golden outputs, jq style: each folder of tests/data/golden/
 * is one case, compared byte for byte.
 *
 * A case's results are its input.json (a result.json or a combined
 * document, read with lg_result_load_all: real runs of the fixtures, a
 * compare, an analyze, a merge), or, for the api-* folders, results built
 * through the API (result_fixtures.h) so the writer is checked without the
 * reader. Each expected file in the folder is one rendering of them
 * (repository root /work/repo, no colour):
 *   result.json      the JSON reporter (one result: exactly result.json)
 *   junit.xml, report.md, report.html, sarif.json, annotations.txt,
 *   summary.txt      the other reporters
 * The files were written by the code before the result field table and the
 * reporters' sticky buffer existed: they pin every output byte for byte
 * while the code behind it changes.
 *
 * LG_GOLDEN_UPDATE=1 rewrites the expected files from the current code and
 * then fails, so an update is never mistaken for a pass: review the diff
 * (git diff tests/data/golden) before committing it, e.g. after adding a
 * result field. A mismatch names the first differing line and leaves the
 * output under build/tests/out/golden/CASE/.
 */
#include "lg_test.h"
#include "result_fixtures.h"

#include <leakgate/report.h>
#include <leakgate/result.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The renderings compared, by the expected file's name. */
static const struct {
  const char *file;
  lg_report_format fmt;
} renderings[] = {
    {"result.json", LG_REPORT_JSON},
    {"junit.xml", LG_REPORT_JUNIT},
    {"report.md", LG_REPORT_MARKDOWN},
    {"report.html", LG_REPORT_HTML},
    {"sarif.json", LG_REPORT_SARIF},
    {"annotations.txt", LG_REPORT_ANNOTATIONS},
    {"summary.txt", LG_REPORT_SUMMARY},
};
#define N_RENDERINGS (sizeof renderings / sizeof renderings[0])

static lg_result *api_inconclusive(void) {
  return fx_inconclusive(false);
}
static lg_result *api_inconclusive_passes(void) {
  return fx_inconclusive(true);
}
static lg_result *api_empty(void) {
  lg_result *r = lg_result_new();
  lg_result_finish(r);
  return r;
}

/* The api-* cases: one builder, or every fixture (api-all, combined). */
static const struct {
  const char *name;
  lg_result *(*build)(void);
} api_cases[] = {
    {"api-pass", fx_pass},
    {"api-leak", fx_leak},
    {"api-oom", fx_oom},
    {"api-crash", fx_crash},
    {"api-inconclusive", api_inconclusive},
    {"api-inconclusive-passes", api_inconclusive_passes},
    {"api-memcheck", fx_memcheck},
    {"api-error", fx_error},
    {"api-empty", api_empty},
};

/* The results of case name (dir is its folder) into rs (at most cap). */
static size_t case_results(const char *name, const char *dir, lg_result **rs,
                           size_t cap) {
  char path[1100];
  lg_result **v = NULL;
  size_t i, n = 0;
  lg_error err;
  if (strcmp(name, "api-all") == 0) {
    ck_assert_uint_ge(cap, FX_N_ALL);
    fx_all(rs);
    n = FX_N_ALL;
  } else if (strncmp(name, "api-", 4) == 0) {
    for (i = 0; i < sizeof api_cases / sizeof api_cases[0]; i++)
      if (strcmp(api_cases[i].name, name) == 0)
        rs[n++] = api_cases[i].build();
    ck_assert_msg(n == 1, "%s: no such API fixture in test_golden.c", name);
  } else {
    snprintf(path, sizeof path, "%s/input.json", dir);
    ck_assert_msg(lg_result_load_all(path, &v, &n, &err) == 0, "%s: %s", name,
                  err.msg);
    ck_assert_uint_le(n, cap);
    memcpy(rs, v, n * sizeof *v);
    free(v);
  }
  /* The running version would change with every release: pin it. */
  for (i = 0; i < n; i++)
    if (!rs[i]->tool_version)
      rs[i]->tool_version = strdup("golden");
  return n;
}

static void write_file(const char *path, const char *s, size_t len) {
  FILE *f = fopen(path, "wb");
  ck_assert_msg(f != NULL, "%s: cannot write", path);
  ck_assert_uint_eq(fwrite(s, 1, len, f), len);
  ck_assert_int_eq(fclose(f), 0);
}

/* Fail naming the first line where got differs from want. */
static void same_bytes(const char *what, const char *want, size_t wlen,
                       const char *got, size_t glen, const char *kept) {
  size_t i = 0, line = 1, bol = 0;
  if (wlen == glen && memcmp(want, got, wlen) == 0)
    return;
  while (i < wlen && i < glen && want[i] == got[i]) {
    if (want[i] == '\n') {
      line++;
      bol = i + 1;
    }
    i++;
  }
  ck_abort_msg("%s differs from the golden file at line %zu:\n"
               "  want: %.*s\n  got:  %.*s\n(output kept in %s)",
               what, line, (int)strcspn(want + bol, "\n"), want + bol,
               (int)strcspn(got + bol, "\n"), got + bol, kept);
}

static int run_case(const char *name, const char *dir, bool update) {
  lg_result *rs[16];
  char path[1100], out[1024], b[512];
  lg_report_opts o;
  size_t n, i, k, len, wlen = 0;
  int compared = 0;

  n = case_results(name, dir, rs, sizeof rs / sizeof rs[0]);
  memset(&o, 0, sizeof o);
  o.repo_root = FX_REPO;
  for (k = 0; k < N_RENDERINGS; k++) {
    char *got = NULL, *want;
    lg_error err;
    snprintf(path, sizeof path, "%s/%s", dir, renderings[k].file);
    want = lg_test_slurp(path, &wlen);
    if (!want && !update)
      continue;
    ck_assert_msg(lg_report_render(renderings[k].fmt,
                                   (const lg_result *const *)rs, n, &o, &got,
                                   &len, &err) == 0,
                  "%s/%s: %s", name, renderings[k].file, err.msg);
    snprintf(out, sizeof out, "%s/%s",
             lg_test_bin("tests/out/golden", b, sizeof b), name);
    mkdir(lg_test_bin("tests/out", b, sizeof b), 0755);
    mkdir(lg_test_bin("tests/out/golden", b, sizeof b), 0755);
    mkdir(out, 0755);
    snprintf(out + strlen(out), sizeof out - strlen(out), "/%s",
             renderings[k].file);
    write_file(out, got, len);
    if (update) {
      write_file(path, got, len);
    } else {
      char what[600];
      snprintf(what, sizeof what, "%s/%s", name, renderings[k].file);
      same_bytes(what, want, wlen, got, len, out);
    }
    compared++;
    free(want);
    free(got);
  }
  for (i = 0; i < n; i++)
    lg_result_free(rs[i]);
  return compared;
}

START_TEST(test_golden_cases) {
  char dir[512], sub[1024];
  const char *upd = getenv("LG_GOLDEN_UPDATE");
  bool update = upd && strcmp(upd, "1") == 0;
  DIR *d;
  struct dirent *e;
  int cases = 0, files = 0;
  lg_test_src("tests/data/golden", dir, sizeof dir);
  d = opendir(dir);
  ck_assert_msg(d != NULL, "%s: cannot open", dir);
  while ((e = readdir(d)) != NULL) {
    struct stat st;
    if (e->d_name[0] == '.')
      continue;
    snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
    if (stat(sub, &st) != 0 || !S_ISDIR(st.st_mode))
      continue;
    files += run_case(e->d_name, sub, update);
    cases++;
  }
  closedir(d);
  ck_assert_msg(!update,
                "LG_GOLDEN_UPDATE=1: rewrote %d golden files of %d "
                "cases; review git diff tests/data/golden",
                files, cases);
  /* the folders of this commit: real runs, compare, analyze, merge, API */
  ck_assert_int_ge(cases, 20);
  ck_assert_int_ge(files, cases);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("golden");
  TCase *tc = tcase_create("golden");
  tcase_add_test(tc, test_golden_cases);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return lg_test_run(suite());
}
