/* test_report.c - every reporter on hand-built results (result_fixtures.h):
 * JSON (single = result.json, combined validates against the schema),
 * JUnit (xmllint --schema tests/data/junit/junit.xsd, counts, escaping),
 * SARIF (the subset schema in tests/data/sarif/ plus code-scanning rules:
 * ids, relative locations, fingerprints), Markdown (tables, escaping,
 * sparkline), GitHub annotations (exact commands, escaping, repo-relative
 * paths, the 10-per-level cap), the terminal summary and progress line.
 * Outputs are kept under build/tests/out/reporters/ for inspection. */
#include "lg_test.h"
#include "report_util.h"
#include "result_fixtures.h"

#include <leakgate/report.h>
#include <leakgate/result.h>
#include <leakgate/run.h>

#include <ctype.h>
#include <jansson.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wchar.h>

static char outdir[512];

static void setup(void) {
  char b[512];
  snprintf(outdir, sizeof outdir, "%s", lg_test_bin("tests/out", b, sizeof b));
  mkdir(outdir, 0755);
  strncat(outdir, "/reporters", sizeof outdir - strlen(outdir) - 1);
  mkdir(outdir, 0755);
}

static lg_report_opts opts(void) {
  lg_report_opts o;
  memset(&o, 0, sizeof o);
  o.repo_root = FX_REPO;
  return o;
}

static char *render(lg_report_format f, lg_result **rs, size_t n,
                    const lg_report_opts *o) {
  char *s = NULL;
  size_t len = 0;
  lg_error err;
  int rc =
      lg_report_render(f, (const lg_result *const *)rs, n, o, &s, &len, &err);
  ck_assert_msg(rc == 0, "%s: %s", lg_report_format_name(f), err.msg);
  ck_assert_uint_eq(strlen(s), len);
  return s;
}

static const char *save(const char *name, const char *text) {
  static char path[1024];
  FILE *f;
  snprintf(path, sizeof path, "%s/%s", outdir, name);
  f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
  return path;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...) {
  char cmd[8192];
  va_list ap;
  int st;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void free_all(lg_result **rs, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    lg_result_free(rs[i]);
}

static size_t count_of(const char *hay, const char *needle) {
  size_t n = 0;
  const char *p = hay;
  while ((p = strstr(p, needle)) != NULL) {
    n++;
    p += strlen(needle);
  }
  return n;
}

/* ---- formats and errors -------------------------------------------------- */

START_TEST(test_format_names) {
  int f;
  for (f = 0; f <= LG_REPORT_SUMMARY; f++)
    ck_assert_int_eq(lg_report_format_parse(lg_report_format_name(f)), f);
  ck_assert_int_eq(lg_report_format_parse("docx"), -1);
  /* every format renders a result that has nothing in it */
  {
    lg_result *e = lg_result_new();
    lg_report_opts o = opts();
    lg_result_finish(e);
    for (f = 0; f <= LG_REPORT_SUMMARY; f++)
      free(render(f, &e, 1, &o));
    o.repo_root = NULL;
    for (f = 0; f <= LG_REPORT_SUMMARY; f++)
      free(render(f, &e, 1, &o));
    lg_result_free(e);
  }
  {
    char *s = NULL;
    size_t len;
    lg_error err;
    ck_assert_int_eq(
        lg_report_render(LG_REPORT_JSON, NULL, 0, NULL, &s, &len, &err),
        LG_EUSAGE);
    ck_assert_ptr_null(s);
  }
}
END_TEST

START_TEST(test_write_atomic) {
  lg_result *r = fx_leak();
  lg_report_opts o = opts();
  lg_error err;
  char path[1024];
  setup();
  snprintf(path, sizeof path, "%s/no/such/dir/r.xml", outdir);
  ck_assert_int_eq(lg_report_write(LG_REPORT_JUNIT,
                                   (const lg_result *const *)&r, 1, &o, path,
                                   &err),
                   LG_EIO);
  snprintf(path, sizeof path, "%s/written.xml", outdir);
  ck_assert_int_eq(lg_report_write(LG_REPORT_JUNIT,
                                   (const lg_result *const *)&r, 1, &o, path,
                                   &err),
                   0);
  ck_assert_int_eq(sh("xmllint --noout '%s'", path), 0);
  lg_result_free(r);
}
END_TEST

/* ---- JSON ---------------------------------------------------------------- */

START_TEST(test_json) {
  lg_result *rs[FX_N_ALL];
  lg_report_opts o = opts();
  char *one, *direct, *comb, schema[512], script[512];
  size_t len;
  lg_error err;
  json_t *root;
  setup();
  fx_all(rs);
  one = render(LG_REPORT_JSON, rs + 1, 1, &o);
  ck_assert_int_eq(lg_result_to_json(rs[1], &direct, &len, &err), 0);
  ck_assert_str_eq(one, direct);
  comb = render(LG_REPORT_JSON, rs, FX_N_ALL, &o);
  root = json_loads(comb, 0, NULL);
  ck_assert_ptr_nonnull(root);
  ck_assert_uint_eq(json_array_size(json_object_get(root, "results")),
                    FX_N_ALL);
  ck_assert_str_eq(json_string_value(json_object_get(root, "verdict")), "fail");
  ck_assert_int_eq(json_integer_value(json_object_get(root, "exit_code")), 1);
  json_decref(root);
  lg_test_src("docs/result-schema.json", schema, sizeof schema);
  lg_test_src("tests/unit/validate_json_schema.py", script, sizeof script);
  save("single.json", one);
  ck_assert_int_eq(
      sh("python3 '%s' '%s' '%s/single.json'", script, schema, outdir), 0);
  save("combined.json", comb);
  ck_assert_int_eq(
      sh("python3 '%s' '%s' '%s/combined.json'", script, schema, outdir), 0);
  /* a combined document is refused by the single-result reader, by name */
  {
    lg_result *back = NULL;
    ck_assert_int_eq(
        lg_result_from_json("combined.json", comb, strlen(comb), &back, &err),
        LG_EINPUT);
    ck_assert_ptr_nonnull(
        strstr(err.msg, "combined.json: a combined document of 7"));
  }
  /* ... and read whole by lg_result_load_all, every result round-tripped */
  {
    lg_result **back = NULL;
    size_t nb = 0, i;
    char path[4096];
    snprintf(path, sizeof path, "%s/combined.json", outdir);
    ck_assert_int_eq(lg_result_load_all(path, &back, &nb, &err), 0);
    ck_assert_uint_eq(nb, FX_N_ALL);
    for (i = 0; i < nb; i++) {
      ck_assert_str_eq(back[i]->scenario_name, rs[i]->scenario_name);
      ck_assert_int_eq(back[i]->verdict, rs[i]->verdict);
      lg_result_free(back[i]);
    }
    free(back);
    snprintf(path, sizeof path, "%s/single.json", outdir);
    ck_assert_int_eq(lg_result_load_all(path, &back, &nb, &err), 0);
    ck_assert_uint_eq(nb, 1);
    lg_result_free(back[0]);
    free(back);
  }
  free(one);
  free(direct);
  free(comb);
  free_all(rs, FX_N_ALL);
}
END_TEST

/* ---- JUnit --------------------------------------------------------------- */

/* count(expr) in file with xmllint, run without a shell (the expressions
 * hold both quote characters). */
static int xpath_count(const char *file, const char *expr) {
  char arg[2048], out[64] = "";
  int fds[2], st;
  ssize_t n;
  pid_t pid;
  snprintf(arg, sizeof arg, "count(%s)", expr);
  ck_assert_int_eq(pipe(fds), 0);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    execlp("xmllint", "xmllint", "--xpath", arg, file, (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  n = read(fds[0], out, sizeof out - 1);
  out[n > 0 ? n : 0] = '\0';
  close(fds[0]);
  waitpid(pid, &st, 0);
  ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                "xmllint --xpath '%s' failed", arg);
  return atoi(out);
}

START_TEST(test_junit) {
  lg_result *rs[FX_N_ALL];
  lg_report_opts o = opts();
  char xsd[512], *x, file[1024];
  setup();
  fx_all(rs);
  lg_test_src("tests/data/junit/junit.xsd", xsd, sizeof xsd);
  x = render(LG_REPORT_JUNIT, rs, FX_N_ALL, &o);
  snprintf(file, sizeof file, "%s", save("junit.xml", x));
  ck_assert_msg(sh("xmllint --noout --schema '%s' '%s'", xsd, file) == 0,
                "junit.xml does not validate against junit.xsd");
  /* one suite per scenario, one case per check (+ "run" for the error) */
  ck_assert_int_eq(xpath_count(file, "//testsuite"), FX_N_ALL);
  ck_assert_int_eq(
      xpath_count(file, "//testsuite[@name='leakgate.leaky-api']/testcase"), 9);
  ck_assert_int_eq(
      xpath_count(
          file,
          "//testsuite[@name='leakgate.broken']/testcase[@name='run']/error"),
      1);
  ck_assert_int_eq(
      xpath_count(
          file,
          "//testsuite[@name='leakgate.leaky-api']/testcase[@name='growth']/"
          "failure[contains(@message, '64.2 B/req (98% CI 60.1 to 68.3)')]"),
      1);
  ck_assert_int_eq(xpath_count(file, "//testsuite[@name='leakgate.oom-hog']/"
                                     "testcase[@name='oom']/failure"),
                   1);
  ck_assert_int_eq(
      xpath_count(
          file,
          "//testsuite[@name='leakgate.crashy-api']/testcase[@name='crash']/"
          "failure[contains(@message,'SIGSEGV')]"),
      1);
  ck_assert_int_eq(
      xpath_count(
          file,
          "//testsuite[@name='leakgate.short-run']/testcase[@name='growth']/"
          "failure[@type='leakgate.inconclusive']"),
      1);
  ck_assert_int_eq(
      xpath_count(file, "//testsuite[@name='leakgate.clean-api']//failure"), 0);
  ck_assert_int_eq(
      xpath_count(file, "//testsuite[@name='leakgate.clean-api']/properties/"
                        "property[@name='analysis.slope_bytes_per_request' and "
                        "@value='0.31']"),
      1);
  ck_assert_int_eq(
      xpath_count(
          file, "//testsuite[@name='leakgate.clean-api']/"
                "system-out[contains(., 'leakgate clean-api: pass (exit 0)')]"),
      1);
  /* the hostile names survive escaping intact */
  ck_assert_int_eq(
      xpath_count(file, "//testsuite[@name='leakgate.cache <&> \"api\"']"), 1);
  ck_assert_int_eq(
      xpath_count(
          file,
          "//testcase[@name='memcheck' and @file='src/items.c' and "
          "@line='42']/failure[contains(., 'item_new<&\"x\">(100%, a:b)')]"),
      1);
  ck_assert_ptr_null(strchr(x, '\x01')); /* forbidden in XML: dropped */
  ck_assert_ptr_nonnull(
      strstr(x, "tagset\xEF\xBF\xBD")); /* bad UTF-8 replaced */
  /* totals on <testsuites> add up */
  ck_assert_int_eq(xpath_count(file, "//testcase"),
                   atoi(strstr(x, "tests=\"") + 7));
  free(x);
  /* on_inconclusive: pass -> skipped, not failure */
  lg_result_free(rs[4]);
  rs[4] = fx_inconclusive(true);
  x = render(LG_REPORT_JUNIT, rs + 4, 1, &o);
  ck_assert_ptr_nonnull(strstr(x, "<skipped message=\"cannot decide"));
  ck_assert_ptr_null(strstr(x, "<failure"));
  free(x);
  /* negative control: the schema really rejects a broken report */
  save("broken-junit.xml", "<testsuites><testsuite name=\"x\"><testcase "
                           "classname=\"c\"/></testsuite></testsuites>\n");
  ck_assert_int_ne(sh("xmllint --noout --schema '%s' '%s/broken-junit.xml' "
                      "2>/dev/null",
                      xsd, outdir),
                   0);
  free_all(rs, FX_N_ALL);
}
END_TEST

/* ---- SARIF --------------------------------------------------------------- */

static json_t *jget(json_t *o, const char *path) {
  char buf[256], *tok, *save = NULL;
  snprintf(buf, sizeof buf, "%s", path);
  for (tok = strtok_r(buf, ".", &save); tok && o;
       tok = strtok_r(NULL, ".", &save))
    o = json_is_array(o) ? json_array_get(o, (size_t)atoi(tok))
                         : json_object_get(o, tok);
  return o;
}

static bool uri_ref_ok(const char *u) {
  for (; *u; u++) {
    if (*u <= ' ' || strchr("\"<>\\^`{|}", *u))
      return false;
    if (*u == '%' &&
        !(isxdigit((unsigned char)u[1]) && isxdigit((unsigned char)u[2])))
      return false;
  }
  return true;
}

START_TEST(test_sarif) {
  lg_result *rs[FX_N_ALL];
  lg_report_opts o = opts();
  char *s, schema[512], script[512], file[1024];
  json_t *root, *rules, *results, *r;
  size_t i, k;
  bool saw_items = false, saw_tags = false, saw_site = false,
       saw_growth = false;
  setup();
  fx_all(rs);
  s = render(LG_REPORT_SARIF, rs, FX_N_ALL, &o);
  snprintf(file, sizeof file, "%s", save("report.sarif", s));
  lg_test_src("tests/data/sarif/sarif-2.1.0-subset.schema.json", schema,
              sizeof schema);
  lg_test_src("tests/unit/validate_json_schema.py", script, sizeof script);
  ck_assert_msg(sh("python3 '%s' '%s' '%s'", script, schema, file) == 0,
                "SARIF does not validate against the 2.1.0 subset schema");
  root = json_loads(s, 0, NULL);
  ck_assert_ptr_nonnull(root);
  ck_assert_str_eq(json_string_value(jget(root, "version")), "2.1.0");
  ck_assert_str_eq(
      json_string_value(jget(root, "runs.0.originalUriBaseIds.SRCROOT.uri")),
      "file:///work/repo/");
  rules = jget(root, "runs.0.tool.driver.rules");
  results = jget(root, "runs.0.results");
  ck_assert_uint_ge(json_array_size(rules), 10);
  json_array_foreach(results, i, r) {
    const char *rid = json_string_value(json_object_get(r, "ruleId"));
    json_t *loc = jget(r, "locations.0.physicalLocation");
    size_t ri = (size_t)json_integer_value(json_object_get(r, "ruleIndex"));
    ck_assert_str_eq(
        json_string_value(json_object_get(json_array_get(rules, ri), "id")),
        rid);
    ck_assert_uint_eq(
        json_object_size(json_object_get(r, "partialFingerprints")), 1);
    ck_assert_ptr_nonnull(json_string_value(jget(r, "message.text")));
    if (loc) {
      const char *uri = json_string_value(jget(loc, "artifactLocation.uri"));
      ck_assert_msg(uri && uri[0] != '/' && strncmp(uri, "file:", 5) != 0,
                    "primary location not repo-relative: %s", uri);
      ck_assert(uri_ref_ok(uri));
      ck_assert_str_eq(
          json_string_value(jget(loc, "artifactLocation.uriBaseId")),
          "SRCROOT");
      saw_items |= strcmp(uri, "src/items.c") == 0 &&
                   json_integer_value(jget(loc, "region.startLine")) == 42 &&
                   strcmp(rid, "leakgate/memcheck-definite") == 0 &&
                   strcmp(json_string_value(
                              jget(r, "partialFingerprints.leakgateStack/v1")),
                          "9f2c4e1ab37d0c55") == 0;
      saw_tags |= strcmp(uri, "src/tags.c") == 0 &&
                  strcmp(rid, "leakgate/memcheck-indirect") == 0;
      saw_site |= strcmp(uri, "src/cache.c") == 0 &&
                  strcmp(rid, "leakgate/growing-site") == 0;
      ck_assert_msg(strstr(uri, "log.c") == NULL,
                    "site outside the repo reported");
    }
    if (strcmp(rid, "leakgate/growth") == 0)
      saw_growth = true;
    /* stacks: every frame URI is a valid URI reference */
    {
      json_t *fr;
      json_array_foreach(jget(r, "stacks.0.frames"), k, fr) {
        const char *u = json_string_value(
            jget(fr, "location.physicalLocation.artifactLocation.uri"));
        if (u)
          ck_assert_msg(uri_ref_ok(u), "bad frame uri %s", u);
      }
    }
  }
  ck_assert(saw_items && saw_tags && saw_site && saw_growth);
  /* a leak with no frame in the repository (g_malloc) is not reported */
  ck_assert_ptr_null(strstr(s, "ffee000011112222"));
  /* stable: same input, same bytes (fingerprints do not depend on order) */
  {
    char *again = render(LG_REPORT_SARIF, rs, FX_N_ALL, &o);
    ck_assert_str_eq(s, again);
    free(again);
  }
  json_decref(root);
  free(s);
  free_all(rs, FX_N_ALL);
}
END_TEST

/* ---- the heap profile in every format ----------------------------------- */

START_TEST(test_heap_profile_formats) {
  lg_result *rs[1];
  lg_report_opts o = opts();
  char *x, schema[512], script[512], file[1024];
  json_t *root, *results, *r;
  size_t i;
  int sites = 0;
  setup();
  rs[0] = fx_heap_profile();
  ck_assert_int_eq(rs[0]->exit_code, 1);
  ck_assert(rs[0]->heap_profile.failed); /* leak_fast is not known */
  ck_assert_int_eq(lg_result_check_by_id(rs[0], LG_CK_HEAP_PROFILE)->status,
                   LG_CHECK_FAIL);
  /* SARIF: one located result per site, its stack, the site fingerprint */
  x = render(LG_REPORT_SARIF, rs, 1, &o);
  snprintf(file, sizeof file, "%s", save("heap.sarif", x));
  lg_test_src("tests/data/sarif/sarif-2.1.0-subset.schema.json", schema,
              sizeof schema);
  lg_test_src("tests/unit/validate_json_schema.py", script, sizeof script);
  ck_assert_msg(sh("python3 '%s' '%s' '%s'", script, schema, file) == 0,
                "heap SARIF does not validate");
  root = json_loads(x, 0, NULL);
  results = jget(root, "runs.0.results");
  json_array_foreach(results, i, r) {
    const char *rid = json_string_value(json_object_get(r, "ruleId"));
    json_t *loc = jget(r, "locations.0.physicalLocation");
    if (strcmp(rid, "leakgate/heap-growing-site") != 0)
      continue;
    sites++;
    ck_assert_str_eq(json_string_value(jget(loc, "artifactLocation.uri")),
                     "src/items.c");
    ck_assert_uint_eq(json_array_size(jget(r, "stacks.0.frames")), 3);
    if (json_integer_value(jget(loc, "region.startLine")) == 13) {
      ck_assert_str_eq(json_string_value(jget(r, "level")), "error");
      ck_assert_str_eq(
          json_string_value(jget(r, "partialFingerprints.leakgateStack/v1")),
          "0f79b5e6b3b434c0");
    } else {
      ck_assert_int_eq(json_integer_value(jget(loc, "region.startLine")), 20);
      ck_assert_str_eq(json_string_value(jget(r, "level")), "warning");
    }
  }
  ck_assert_int_eq(sites, 2);
  json_decref(root);
  free(x);
  /* Markdown: the sites table, escaped */
  x = render(LG_REPORT_MARKDOWN, rs, 1, &o);
  save("heap.md", x);
  ck_assert_ptr_nonnull(strstr(x, "Heap profile: 2 growing allocation sites "
                                  "(sampled every 512.0 KiB at full load)"));
  ck_assert_ptr_nonnull(strstr(x, "| leak\\_fast&lt;&amp;&gt; | "
                                  "/work/repo/src/items.c:13 | 272 | "
                                  "240 to 305 | 366 | `0f79b5e6b3b434c0` |"));
  ck_assert_ptr_nonnull(strstr(x, "`4d1e7a2b9c0f3e18` (known) |"));
  free(x);
  /* annotations: an error at the unknown site, a warning at the known one */
  x = render(LG_REPORT_ANNOTATIONS, rs, 1, &o);
  save("heap-annotations.txt", x);
  ck_assert_ptr_nonnull(strstr(x, "::error file=src/items.c,line=13,title="
                                  "leakgate%3A growing allocation site"));
  ck_assert_ptr_nonnull(strstr(x, "::warning file=src/items.c,line=20,"));
  ck_assert_ptr_nonnull(strstr(x, "272 B/request (98%25 CI 240 to 305)"));
  free(x);
  /* the summary's check line */
  x = render(LG_REPORT_SUMMARY, rs, 1, &o);
  save("heap-summary.txt", x);
  ck_assert_ptr_nonnull(strstr(x, "heap profile"));
  ck_assert_ptr_nonnull(strstr(x, "2 growing sites; top: leak_fast<&> "
                                  "(/work/repo/src/items.c:13) 272 "
                                  "B/request"));
  ck_assert_ptr_nonnull(strstr(x, "throughput 0.97 of the main run"));
  free(x);
  /* JUnit: the heap_profile case points at the top site */
  x = render(LG_REPORT_JUNIT, rs, 1, &o);
  ck_assert_ptr_nonnull(
      strstr(x, "name=\"heap_profile\" classname=\"leakgate.heap &lt;&amp;&gt; api\" time=\"0\" file=\"src/items.c\" line=\"13\""));
  free(x);
  /* result.json round trip */
  {
    char *json = NULL, *again = NULL;
    size_t len;
    lg_result *back = NULL;
    lg_error err;
    ck_assert_int_eq(lg_result_to_json(rs[0], &json, &len, &err), 0);
    ck_assert_msg(lg_result_from_json("heap.json", json, len, &back, &err) ==
                      0,
                  "%s", err.msg);
    ck_assert_uint_eq(back->heap_profile.n_sites, 2);
    ck_assert_uint_eq(back->heap_profile.growing_sites[0].n_stack, 3);
    ck_assert(back->heap_profile.growing_sites[1].known);
    ck_assert_int_eq(lg_result_to_json(back, &again, &len, &err), 0);
    ck_assert_str_eq(json, again);
    free(json);
    free(again);
    lg_result_free(back);
  }
  free_all(rs, 1);
}
END_TEST

/* ---- Markdown ------------------------------------------------------------ */

START_TEST(test_markdown) {
  lg_result *rs[FX_N_ALL];
  lg_report_opts o = opts();
  char *m, *line, *save_p = NULL;
  setup();
  fx_all(rs);
  m = render(LG_REPORT_MARKDOWN, rs, FX_N_ALL, &o);
  save("summary.md", m);
  ck_assert_ptr_nonnull(strstr(m, "## leakgate: 7 scenarios \u2014 4 fail, 1 "
                                  "error, 1 inconclusive, 1 pass"));
  ck_assert_ptr_nonnull(strstr(m, "| Scenario | Verdict | Slope |"));
  ck_assert_ptr_nonnull(strstr(
      m,
      "| leaky-api | \u274c fail | 64.2 B/req | 60.1 to 68.3 | 16.0 B/req |"));
  ck_assert_ptr_nonnull(strstr(m, "### \u2705 pass: clean-api (exit 0)"));
  ck_assert_ptr_nonnull(strstr(m, "\u2581")); /* sparkline */
  ck_assert_ptr_nonnull(strstr(m, "**OOM kill at 13000**"));
  ck_assert_ptr_nonnull(strstr(m, "cache &lt;&amp;&gt; \"api\""));
  ck_assert_ptr_nonnull(
      strstr(m, "<pre>\nat malloc (vg_replace_malloc.c:381)\n"
                "at item_new&lt;&amp;&quot;x&quot;&gt;(100%, a:b)"));
  ck_assert_ptr_nonnull(
      strstr(m, "| cache\\_put | /work/repo/src/cache.c:88 |"));
  /* no table row is broken by a newline or a pipe in a message */
  for (line = strtok_r(m, "\n", &save_p); line;
       line = strtok_r(NULL, "\n", &save_p))
    if (line[0] == '|')
      ck_assert_msg(line[strlen(line) - 1] == '|', "broken row: %s", line);
  free(m);
  free_all(rs, FX_N_ALL);
}
END_TEST

/* ---- annotations ----------------------------------------------------------
 */

START_TEST(test_annotations) {
  lg_result *r = fx_memcheck(), *p = fx_pass(), *inc = fx_inconclusive(false);
  lg_report_opts o = opts();
  char *a;
  setup();
  a = render(LG_REPORT_ANNOTATIONS, &r, 1, &o);
  save("annotations.txt", a);
  /* the verdict, at the scenario file (relative paths are the repo's) */
  ck_assert_ptr_nonnull(
      strstr(a, "::error file=scenarios/items.yaml,line=1,title=leakgate%3A "
                "cache <&> \"api\" fail::memcheck: Memcheck"));
  /* the definite leak at its first frame in the repo; % CR LF , : escaped */
  ck_assert_ptr_nonnull(strstr(
      a, "::error file=src/items.c,line=42,title=leakgate%3A 4.0 KiB definite "
         "lost (cache <&> \"api\")::4.0 KiB in 64 blocks definite lost, "
         "allocated here (fingerprint 9f2c4e1ab37d0c55)%0AStack:%0A  at malloc "
         "(vg_replace_malloc.c:381)%0A  at item_new<&\"x\">(100%25, a:b) "
         "(/work/repo/src/items.c:42)%0A  at handle%0Arequest%0D "
         "(/work/repo/src/server,main.c:7)"));
  /* the indirect leak is a known baseline leak: a warning, at src/tags.c */
  ck_assert_ptr_nonnull(
      strstr(a, "::warning file=src/tags.c,line=9,title=leakgate%3A 128 B "
                "indirect lost"));
  /* the growing site in the repo; the one outside is skipped */
  ck_assert_ptr_nonnull(strstr(
      a, "::error file=src/cache.c,line=88,title=leakgate%3A growing "
         "allocation site (cache <&> \"api\")::cache_put grew by 976.6 KiB"));
  ck_assert_ptr_null(strstr(a, "log.c"));
  ck_assert_ptr_null(strstr(a, "file=/"));
  ck_assert_ptr_null(strstr(a, "ffee000011112222")); /* no repo frame */
  /* every command is one line */
  ck_assert_uint_eq(count_of(a, "\n"), count_of(a, "::") / 2);
  free(a);
  /* a passing run says nothing; an inconclusive one warns */
  a = render(LG_REPORT_ANNOTATIONS, &p, 1, &o);
  ck_assert_str_eq(a, "");
  free(a);
  a = render(LG_REPORT_ANNOTATIONS, &inc, 1, &o);
  ck_assert_ptr_nonnull(
      strstr(a, "::warning file=scenarios/items.yaml,line=1,title=leakgate%3A "
                "short-run inconclusive::growth: cannot decide"));
  free(a);
  /* GitHub shows 10 per level: the rest are counted in one notice */
  {
    int i;
    for (i = 0; i < 25; i++) {
      char fp[32];
      lg_leak_record *l;
      snprintf(fp, sizeof fp, "%016d", i);
      l = lg_result_add_leak(&r->memcheck, "definite", 100 + i, 1, fp);
      lg_leak_add_frame(l, "f", "src/many.c", i + 1, NULL);
    }
    lg_result_finish(r);
    a = render(LG_REPORT_ANNOTATIONS, &r, 1, &o);
    ck_assert_uint_eq(count_of(a, "::error "), 10);
    ck_assert_uint_le(count_of(a, "::warning "), 10);
    ck_assert_ptr_nonnull(strstr(a, "::notice title=leakgate::"));
    free(a);
  }
  lg_result_free(r);
  lg_result_free(p);
  lg_result_free(inc);
}
END_TEST

/* ---- summary and progress line --------------------------------------------
 */

START_TEST(test_summary) {
  lg_result *rs[FX_N_ALL];
  lg_report_opts o = opts();
  char *s;
  size_t i;
  setup();
  fx_all(rs);
  for (i = 0; i < FX_N_ALL; i++) {
    s = render(LG_REPORT_SUMMARY, rs + i, 1, &o);
    ck_assert_msg(count_of(s, "\n") <= 20, "summary too long:\n%s", s);
    ck_assert_ptr_null(strchr(s, '\033'));
    free(s);
  }
  s = render(LG_REPORT_SUMMARY, rs + 1, 1, &o);
  ck_assert_ptr_nonnull(strstr(s, "leakgate leaky-api: fail (exit 1)\n"));
  ck_assert_ptr_nonnull(
      strstr(s, "growth         FAIL  64.2 B/req (98% CI 60.1 to 68.3), "
                "tolerance 16.0 B/req, MDS 2.50 B/req [leak]"));
  ck_assert_ptr_nonnull(strstr(s, "time to limit  FAIL  38.8 min to the 256.0 "
                                  "MiB limit at 1500 req/s, gate 24.0 h"));
  free(s);
  s = render(LG_REPORT_SUMMARY, rs + 5, 1, &o);
  ck_assert_ptr_nonnull(strstr(
      s, "top: item_new<&\"x\">(100%, a:b) (/work/repo/src/items.c:42)"));
  ck_assert_ptr_null(strchr(s, '\x01')); /* control chars never reach the tty */
  free(s);
  o.color = true;
  s = render(LG_REPORT_SUMMARY, rs, FX_N_ALL, &o);
  save("summary.txt", s);
  ck_assert_ptr_nonnull(strstr(s, "\033[1;31mfail\033[0m"));
  ck_assert_ptr_nonnull(strstr(s, "leakgate: 7 scenarios: 4 fail, 1 error, 1 "
                                  "inconclusive, 1 pass (exit 1)"));
  free(s);
  free_all(rs, FX_N_ALL);
}
END_TEST

/* A reason is never cut inside a number (issue 16: "a run of about 3552
 * requests would decid..."): it wraps between words onto indented rows, and
 * the rows joined again give the whole sentence. */
START_TEST(test_summary_why_wraps) {
  static const char tail[] = "; a run of about 3552 requests would decide it";
  lg_result *r = fx_inconclusive(false);
  lg_report_opts o = opts();
  char *s, *p, joined[4096];
  size_t n = 0;
  ck_assert_int_eq(
      lg_result_add_reason(
          r, "growth: cannot decide: 10.2 B/req (98%% CI 3.00 to 17.4) "
             "against the tolerance of 16.0 B/req (MDS 2.50 B/req, 480 "
             "samples, model linear, window 20000 to 100000 requests)%s",
          tail),
      0);
  s = render(LG_REPORT_SUMMARY, &r, 1, &o);
  /* rows of at most 17 + 100 bytes, continuation rows indented 17 */
  for (p = s; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != 0))
    ck_assert_uint_le(strcspn(p, "\n"), 17 + 100 + 6);
  for (p = s; *p && n < sizeof joined - 1; p++) {
    if (p[0] == '\n' && strncmp(p + 1, "                 ", 17) == 0 &&
        p[18] != ' ') {
      joined[n++] = ' ';
      p += 17;
      continue;
    }
    joined[n++] = *p;
  }
  joined[n] = '\0';
  ck_assert_msg(strstr(joined, tail) != NULL, "the reason was cut:\n%s", s);
  ck_assert_ptr_null(strstr(s, "..."));
  free(s);
  lg_result_free(r);
}
END_TEST

/* A load in its steady phase: 18000 requests in 12 of 66 s, 3 errors. */
static void progress_fixture(lg_progress *p) {
  memset(p, 0, sizeof *p);
  p->scenario = "items-api";
  p->stage = "load";
  p->load.phase_name = "steady";
  p->load.completed = 18000;
  p->load.errors = 3;
  p->load.elapsed_s = 12;
  p->load.total_s = 66;
  p->memory_bytes = 47395635;
  p->slope = 64.2;
}

START_TEST(test_progress_line) {
  lg_progress p;
  char buf[256], tiny[24];
  progress_fixture(&p);
  ck_assert_int_eq(lg_report_progress_line(&p, false, buf, sizeof buf), 0);
  ck_assert_str_eq(buf,
                   "items-api | load steady | 12.0 s / 66.0 s | 18000 req, "
                   "1500 req/s, 3 errors | mem 45.2 MiB | slope 64.2 B/req");
  p.slope = NAN;
  p.stage = "memcheck";
  ck_assert_int_eq(lg_report_progress_line(&p, true, buf, sizeof buf), 0);
  ck_assert_ptr_nonnull(strstr(buf, "\033[36mmemcheck\033[0m"));
  ck_assert_ptr_nonnull(strstr(buf, "slope n/a"));
  /* cut to the buffer, colour closed */
  ck_assert_int_eq(lg_report_progress_line(&p, true, tiny, sizeof tiny), 0);
  ck_assert_uint_eq(strlen(tiny), sizeof tiny - 1);
  ck_assert_str_eq(tiny + strlen(tiny) - 4, "\033[0m");
  ck_assert_int_eq(lg_report_progress_line(&p, false, NULL, 0), LG_EUSAGE);
}
END_TEST

/* Visible columns of a progress line: ANSI colour codes take none. */
static size_t visible_columns(const char *s) {
  size_t w = 0;
  while (*s) {
    if (*s == '\033') {
      while (*s && *s != 'm')
        s++;
      if (*s)
        s++;
      continue;
    }
    if (((unsigned char)*s & 0xC0) != 0x80)
      w++;
    s++;
  }
  return w;
}

/* Terminal columns of a progress line as the C library's wcwidth counts
 * them (an oracle independent of progress.c's own count): ANSI colour codes
 * none, a CJK character two, a combining mark none. */
static size_t wc_columns(const char *s) {
  mbstate_t st;
  size_t w = 0;
  memset(&st, 0, sizeof st);
  while (*s) {
    wchar_t wc;
    size_t k;
    int cw;
    if (*s == '\033') {
      while (*s && *s != 'm')
        s++;
      s += *s != '\0';
      continue;
    }
    k = mbrtowc(&wc, s, strlen(s), &st);
    ck_assert_msg(k != (size_t)-1 && k != (size_t)-2 && k > 0,
                  "invalid UTF-8 in the progress line: %s", s);
    cw = wcwidth(wc);
    ck_assert_int_ge(cw, 0);
    w += (size_t)cw;
    s += k;
  }
  return w;
}

/* Wide characters (CJK phase names, two columns each) never make the line
 * wider than the terminal, at any width, and a cut never splits one. */
START_TEST(test_progress_fit_wide) {
  static const char *const names[] = {
      "\xe9\xa2\x84\xe7\x83\xad\xe9\x98\xb6\xe6\xae\xb5", /* 预热阶段 */
      "e\xcc\x81t\xc3\xa9-\xf0\x9f\x94\xa5-\xe7\xa8\xb3\xe5\xae\x9a"};
  lg_progress p;
  char buf[512];
  size_t cols, k;
  ck_assert_ptr_nonnull(setlocale(LC_CTYPE, "C.UTF-8"));
  progress_fixture(&p);
  for (k = 0; k < sizeof names / sizeof names[0]; k++) {
    p.load.phase_name = names[k];
    for (cols = 1; cols <= 120; cols++) {
      ck_assert_int_eq(
          lg_report_progress_fit(&p, cols % 2, cols, buf, sizeof buf), 0);
      ck_assert_msg(wc_columns(buf) <= cols, "%zu columns for %zu: %s",
                    wc_columns(buf), cols, buf);
    }
  }
  setlocale(LC_CTYPE, "C");
}
END_TEST

/* The line fits the terminal: whole fields go, least useful first, and
 * the stage and elapsed time stay until the stage name itself is cut. */
START_TEST(test_progress_fit) {
  lg_progress p;
  char buf[512];
  size_t cols;
  progress_fixture(&p);
  /* wide enough: the whole line, as lg_report_progress_line */
  ck_assert_int_eq(lg_report_progress_fit(&p, false, 200, buf, sizeof buf), 0);
  ck_assert_str_eq(buf,
                   "items-api | load steady | 12.0 s / 66.0 s | 18000 req, "
                   "1500 req/s, 3 errors | mem 45.2 MiB | slope 64.2 B/req");
  /* 79 columns (an 80-column terminal): req/s, the total and the name go */
  ck_assert_int_eq(lg_report_progress_fit(&p, true, 79, buf, sizeof buf), 0);
  ck_assert_uint_le(visible_columns(buf), 79);
  ck_assert_str_eq(buf, "\033[36mload steady\033[0m | 12.0 s | 18000 req, 3 "
                        "errors | mem 45.2 MiB | slope 64.2 B/req");
  /* then the total and the scenario name; the slope stays longest */
  ck_assert_int_eq(lg_report_progress_fit(&p, false, 61, buf, sizeof buf), 0);
  ck_assert_str_eq(buf, "load steady | 12.0 s | 18000 req, 3 errors | "
                        "slope 64.2 B/req");
  ck_assert_int_eq(lg_report_progress_fit(&p, false, 60, buf, sizeof buf), 0);
  ck_assert_str_eq(buf, "load steady | 12.0 s | 3 errors | slope 64.2 B/req");
  ck_assert_int_eq(lg_report_progress_fit(&p, false, 40, buf, sizeof buf), 0);
  ck_assert_str_eq(buf, "load steady | 12.0 s | slope 64.2 B/req");
  ck_assert_int_eq(lg_report_progress_fit(&p, false, 25, buf, sizeof buf), 0);
  ck_assert_str_eq(buf, "load steady | 12.0 s");
  /* a stage name too long for the width is cut, marked with '~' */
  ck_assert_int_eq(lg_report_progress_fit(&p, false, 16, buf, sizeof buf), 0);
  ck_assert_str_eq(buf, "load s~ | 12.0 s");
  /* every width from 1 to 200 fits, with and without colour; a non-ASCII
   * phase name counts two columns a character (never under-counted) */
  p.load.phase_name = "r\xc3\xa9"
                      "chauffement";
  for (cols = 1; cols <= 200; cols++) {
    ck_assert_int_eq(
        lg_report_progress_fit(&p, cols % 2, cols, buf, sizeof buf), 0);
    ck_assert_uint_le(visible_columns(buf), cols);
    ck_assert_uint_gt(strlen(buf), 0);
  }
}
END_TEST

/* Every renderer under every cap: LG_ELIMIT, never more than the cap, and
 * what was written is a prefix of the full report (the sticky buffer keeps
 * a failed append from leaving a hole that later appends fill around). */
START_TEST(test_report_caps) {
  static const lg_renderer renderers[] = {
      lg__render_json,   lg__render_junit, lg__render_markdown,
      lg__render_html,   lg__render_sarif, lg__render_annotations,
      lg__render_summary};
  lg_result *rs[FX_N_ALL];
  lg_report_opts o = opts();
  size_t f, k;
  fx_all(rs);
  for (f = 0; f < sizeof renderers / sizeof renderers[0]; f++) {
    lg_buf full;
    size_t caps[7];
    lg__buf_init(&full, LG_REPORT_CAP);
    ck_assert_int_eq(
        renderers[f]((const lg_result *const *)rs, FX_N_ALL, &o, &full), 0);
    ck_assert_uint_gt(full.len, 100);
    caps[0] = 0, caps[1] = 1, caps[2] = 7, caps[3] = 100, caps[4] = 1000;
    caps[5] = full.len / 2, caps[6] = full.len - 1;
    for (k = 0; k < 7; k++) {
      lg_buf b;
      lg__buf_init(&b, caps[k]);
      ck_assert_msg(renderers[f]((const lg_result *const *)rs, FX_N_ALL, &o,
                                 &b) == LG_ELIMIT,
                    "renderer %zu fit in %zu of %zu bytes", f, caps[k],
                    full.len);
      ck_assert_uint_le(b.len, caps[k]);
      ck_assert_msg(b.len == 0 || memcmp(b.data, full.data, b.len) == 0,
                    "renderer %zu at cap %zu: not a prefix of the report", f,
                    caps[k]);
      lg__buf_cleanup(&b);
    }
    lg__buf_cleanup(&full);
  }
  for (k = 0; k < FX_N_ALL; k++)
    lg_result_free(rs[k]);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("report");
  TCase *t = tcase_create("formats");
  tcase_set_timeout(t, 60);
  tcase_add_test(t, test_format_names);
  tcase_add_test(t, test_write_atomic);
  tcase_add_test(t, test_json);
  tcase_add_test(t, test_junit);
  tcase_add_test(t, test_sarif);
  tcase_add_test(t, test_markdown);
  tcase_add_test(t, test_annotations);
  tcase_add_test(t, test_summary);
  tcase_add_test(t, test_summary_why_wraps);
  tcase_add_test(t, test_heap_profile_formats);
  tcase_add_test(t, test_report_caps);
  tcase_add_test(t, test_progress_line);
  tcase_add_test(t, test_progress_fit);
  tcase_add_test(t, test_progress_fit_wide);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  return lg_test_run(suite());
}
