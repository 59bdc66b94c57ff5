/* test_report_html.c - the HTML report in a real browser.
 *
 * Debian's headless Chromium loads the report of every fixture (result_
 * fixtures.h) from disk: the test asserts the page is self-contained (no
 * script, stylesheet, font or image reference, no URL but the SVG
 * namespace), that the browser logs no console message while loading it,
 * and, through a wrapper page that reads the report's DOM
 * (--allow-file-access-from-files), that every chart is laid out with its
 * samples, fitted slope, band, warm-up cut, limit line and OOM marker. A
 * screenshot is saved as build/tests/out/report-html/report.png. A negative
 * control page proves the console check sees errors on this browser.
 * Skips (with the reason printed) only when no chromium is installed.
 */
#include "lg_test.h"
#include "result_fixtures.h"

#include <leakgate/report.h>

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[512], browser[1024];

static bool find_browser(void) {
  static const char *const names[] = {"chromium", "chromium-browser",
                                      "google-chrome", NULL};
  const char *path = getenv("PATH");
  size_t i;
  for (i = 0; names[i]; i++) {
    char buf[1000], *p, *save = NULL, copy[4096];
    snprintf(copy, sizeof copy, "%s", path ? path : "/usr/bin:/bin");
    for (p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
      snprintf(buf, sizeof buf, "%s/%s", p, names[i]);
      if (access(buf, X_OK) == 0) {
        snprintf(browser, sizeof browser, "%s", buf);
        return true;
      }
    }
  }
  return false;
}

static void spit(const char *path, const char *s) {
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(s, f);
  fclose(f);
}

/* Run the browser headless on file://page with extra flags; stdout and
 * stderr go to <tag>.out / <tag>.err in dir. A fresh profile every time. */
static void browse(const char *tag, const char *page, const char *extra) {
  char cmd[4096];
  int st;
  snprintf(cmd, sizeof cmd, "rm -rf '%s/profile-%s'", dir, tag);
  ck_assert_int_eq(system(cmd), 0);
  snprintf(cmd, sizeof cmd,
           "timeout 120 '%s' --headless --no-sandbox --disable-gpu "
           "--disable-quic --no-first-run --disable-background-networking "
           "--disable-component-update --disable-sync --hide-scrollbars "
           "--user-data-dir='%s/profile-%s' --enable-logging=stderr --v=0 %s "
           "'file://%s/%s' >'%s/%s.out' 2>'%s/%s.err'",
           browser, dir, tag, extra, dir, page, dir, tag, dir, tag);
  st = system(cmd);
  ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                "%s: chromium failed (status %d); see %s/%s.err", tag, st, dir,
                tag);
}

/* The browser's console lines (Chromium logs them as "CONSOLE"). */
static int console_lines(const char *tag, char *first, size_t cap) {
  char path[1024], line[4096];
  FILE *f;
  int n = 0;
  snprintf(path, sizeof path, "%s/%s.err", dir, tag);
  f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  first[0] = '\0';
  while (fgets(line, sizeof line, f))
    if (strstr(line, ":CONSOLE")) {
      if (!n++)
        snprintf(first, cap, "%s", line);
    }
  fclose(f);
  return n;
}

static const char wrapper[] =
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>\n"
    "<pre id=\"result\">pending</pre>\n"
    "<iframe id=\"f\" src=\"report.html\" style=\"width:1000px;height:800px\">"
    "</iframe>\n<script>\n"
    "var f = document.getElementById('f');\n"
    "f.addEventListener('load', function () {\n"
    "  var d = f.contentDocument, out = {charts: []};\n"
    "  d.querySelectorAll('svg.chart').forEach(function (svg) {\n"
    "    var s = svg.querySelector('.samples'), r = "
    "svg.getBoundingClientRect();\n"
    "    var bb = s ? s.getBBox() : {width: 0, height: 0};\n"
    "    out.charts.push({id: svg.id, w: Math.round(r.width),\n"
    "      sw: Math.round(bb.width), sh: Math.round(bb.height),\n"
    "      points: s ? s.points.numberOfItems : 0,\n"
    "      fit: !!svg.querySelector('.fit'), band: "
    "!!svg.querySelector('.band'),\n"
    "      warmup: !!svg.querySelector('.warmup'),\n"
    "      limit: !!svg.querySelector('.limit'), oom: "
    "!!svg.querySelector('.oom'),\n"
    /* both axes start at 0 (a tick "0" on x, "0 <unit>" on y) */
    "      x0: [].some.call(svg.querySelectorAll('text.tick'), function (t) {\n"
    "        return t.textContent === '0'; }),\n"
    "      y0: [].some.call(svg.querySelectorAll('text.tick'), function (t) {\n"
    "        return /^0(\\.0+)? [KMGT]?i?B$/.test(t.textContent); }),\n"
    /* the fitted line is drawn over the samples, the warm-up label over
     * everything (with a halo), clear of the limit label */
    "      fit_on_top: !!(s && svg.querySelector('.fit') &&\n"
    "        (s.compareDocumentPosition(svg.querySelector('.fit')) & 4)),\n"
    "      label_on_top: !!(s && svg.querySelector('.warmup-label') &&\n"
    "        (s.compareDocumentPosition(svg.querySelector('.warmup-label')) & "
    "4)),\n"
    "      halo: (function (t) { if (!t) return false;\n"
    "        var c = getComputedStyle(t); return c.paintOrder.indexOf("
    "'stroke') === 0 && c.stroke !== 'none'; })(svg.querySelector("
    "'.warmup-label')),\n"
    "      overlap: (function (a, b) { if (!a || !b) return false;\n"
    "        a = a.getBoundingClientRect(); b = b.getBoundingClientRect();\n"
    "        return a.left < b.right && b.left < a.right && a.top < b.bottom "
    "&& b.top < a.bottom; })(svg.querySelector('.warmup-label'), "
    "svg.querySelector('.limit-label'))});\n"
    "  });\n"
    "  var ban = d.querySelector('header .banner');\n"
    "  out.banner = ban ? ban.className + '|' + ban.textContent : '';\n"
    "  out.footer = d.querySelector('footer').textContent;\n"
    "  out.massif = [].map.call(d.querySelectorAll('table.checks tr'), "
    "function (tr) { return tr.textContent; }).filter(function (t) {\n"
    "    return t.indexOf('massif') === 0; });\n"
    "  out.errors = [].map.call(d.querySelectorAll('details.mcerror'), "
    "function (e) { return e.textContent; });\n"
    "  out.scripts = d.scripts.length;\n"
    "  out.sections = d.querySelectorAll('section.scenario').length;\n"
    "  out.leaks = d.querySelectorAll('details.leak').length;\n"
    "  out.checks = d.querySelectorAll('table.checks tr').length;\n"
    "  out.title = d.title;\n"
    "  document.getElementById('result').textContent = JSON.stringify(out);\n"
    "});\n</script></body></html>\n";

static json_t *chart(json_t *charts, const char *id) {
  size_t i;
  json_t *c;
  json_array_foreach(charts, i,
                     c) if (strcmp(json_string_value(json_object_get(c, "id")),
                                   id) == 0) return c;
  ck_abort_msg("no chart %s in the rendered page", id);
  return NULL;
}

/* The JSON a measuring page wrote into its <pre id="result">. */
static json_t *measured(const char *tag) {
  char path[1024], *dom, *p, *q, *s, *d;
  json_t *res;
  snprintf(path, sizeof path, "%s/%s.out", dir, tag);
  dom = lg_test_read(path, NULL);
  p = strstr(dom, "<pre id=\"result\">");
  ck_assert_ptr_nonnull(p);
  p += strlen("<pre id=\"result\">");
  q = strstr(p, "</pre>");
  ck_assert_ptr_nonnull(q);
  *q = '\0';
  for (s = d = p; *s;) {
    if (strncmp(s, "&quot;", 6) == 0) {
      *d++ = '"';
      s += 6;
    } else if (strncmp(s, "&amp;", 5) == 0) {
      *d++ = '&';
      s += 5;
    } else if (strncmp(s, "&lt;", 4) == 0) {
      *d++ = '<';
      s += 4;
    } else if (strncmp(s, "&gt;", 4) == 0) {
      *d++ = '>';
      s += 4;
    } else {
      *d++ = *s++;
    }
  }
  *d = '\0';
  res = json_loads(p, 0, NULL);
  ck_assert_msg(res != NULL, "the measuring page did not report: %.200s", p);
  free(dom);
  return res;
}

static bool flag(json_t *c, const char *k) {
  return json_is_true(json_object_get(c, k));
}

START_TEST(test_html_in_chromium) {
  lg_result *rs[FX_N_ALL];
  lg_report_opts o;
  lg_error err;
  char path[1024], first[4096], *html, *dom, *p;
  json_t *res, *charts;
  size_t i;

  if (!find_browser()) {
    lg_test_skip("test_html_in_chromium",
                 "no chromium on PATH (apt-get install chromium "
                 "chromium-driver; ci/install-deps.sh)");
    return;
  }
  lg_test_bin("tests/out", dir, sizeof dir);
  mkdir(dir, 0755);
  strncat(dir, "/report-html", sizeof dir - strlen(dir) - 1);
  mkdir(dir, 0755);
  fx_all(rs);
  /* what the footer shows where known */
  free(rs[0]->started_at);
  rs[0]->started_at = strdup("2026-12-06T14:00:00Z");
  rs[0]->host = strdup("ci-runner-7");
  rs[0]->commit = strdup("0123456789abcdef0123456789abcdef01234567");
  /* a Memcheck error that is not a leak, with its stack */
  {
    lg_memcheck_error *e = lg_result_add_memcheck_error(
        &rs[5]->memcheck, "InvalidRead", "Invalid read of size 4", 8);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(lg_memcheck_error_add_frame(e, "parse_header",
                                                 FX_REPO "/src/headers.c", 211,
                                                 NULL),
                     0);
    ck_assert_int_eq(
        lg_memcheck_error_add_frame(e, "main", FX_REPO "/src/main.c", 9, NULL),
        0);
    rs[5]->memcheck.errors = 8;
  }
  memset(&o, 0, sizeof o);
  o.repo_root = FX_REPO;
  snprintf(path, sizeof path, "%s/report.html", dir);
  ck_assert_int_eq(lg_report_write(LG_REPORT_HTML, (const lg_result *const *)rs,
                                   FX_N_ALL, &o, path, &err),
                   0);

  /* self-contained: nothing to fetch */
  html = lg_test_read(path, NULL);
  ck_assert_ptr_null(strstr(html, "<script"));
  ck_assert_ptr_null(strstr(html, "<link"));
  ck_assert_ptr_null(strstr(html, "<img"));
  ck_assert_ptr_null(strstr(html, "src="));
  ck_assert_ptr_null(strstr(html, "@import"));
  for (p = html; (p = strstr(p, "url(")) != NULL; p += 4)
    ck_assert_msg(p[4] == '#', "external url( in the page");
  for (p = html; (p = strstr(p, "http")) != NULL; p += 4)
    ck_assert_msg(strncmp(p, "http://www.w3.org/2000/svg", 26) == 0,
                  "a URL in the page: %.40s", p);
  free(html);

  /* loads without a console message; the DOM has the charts */
  browse("load", "report.html", "--dump-dom");
  ck_assert_msg(console_lines("load", first, sizeof first) == 0,
                "console output while loading the report: %s", first);
  snprintf(path, sizeof path, "%s/load.out", dir);
  dom = lg_test_read(path, NULL);
  ck_assert_ptr_nonnull(strstr(dom, "<svg class=\"chart\" id=\"chart-1\""));
  ck_assert_ptr_nonnull(strstr(dom, "<svg class=\"chart\" id=\"heap-5\""));
  ck_assert_ptr_nonnull(strstr(dom, "cache &lt;&amp;&gt; \"api\""));
  free(dom);

  /* laid out: measured through the wrapper */
  snprintf(path, sizeof path, "%s/wrapper.html", dir);
  spit(path, wrapper);
  browse("measure", "wrapper.html",
         "--allow-file-access-from-files --dump-dom");
  ck_assert_msg(console_lines("measure", first, sizeof first) == 0,
                "console output in the measuring page: %s", first);
  res = measured("measure");
  ck_assert_int_eq(json_integer_value(json_object_get(res, "scripts")), 0);
  ck_assert_int_eq(json_integer_value(json_object_get(res, "sections")), 7);
  ck_assert_int_eq(json_integer_value(json_object_get(res, "leaks")), 3);
  charts = json_object_get(res, "charts");
  ck_assert_uint_eq(json_array_size(charts), 7); /* 6 memory + 1 heap */
  for (i = 0; i < 6; i++) {
    char id[16];
    json_t *c;
    snprintf(id, sizeof id, "chart-%zu", i);
    c = chart(charts, id);
    ck_assert_int_eq(json_integer_value(json_object_get(c, "points")),
                     (json_int_t)rs[i]->chart.n);
    ck_assert_int_ge(json_integer_value(json_object_get(c, "w")), 300);
    ck_assert_int_ge(json_integer_value(json_object_get(c, "sw")), 600);
    ck_assert_int_ge(json_integer_value(json_object_get(c, "sh")), 5);
    ck_assert(flag(c, "fit") && flag(c, "band") && flag(c, "warmup"));
  }
  /* every chart from 0 on both axes, the fit over the samples, the
   * warm-up label over everything with a halo, clear of the limit label */
  for (i = 0; i < json_array_size(charts); i++) {
    json_t *c = json_array_get(charts, i);
    const char *id = json_string_value(json_object_get(c, "id"));
    ck_assert_msg(flag(c, "x0"), "%s: no 0 tick on x", id);
    ck_assert_msg(flag(c, "y0"), "%s: the y axis does not start at 0", id);
    ck_assert_msg(!flag(c, "overlap"), "%s: warm-up and limit labels overlap",
                  id);
    if (flag(c, "fit")) {
      ck_assert_msg(flag(c, "fit_on_top"), "%s: the fit is under the samples",
                    id);
      ck_assert_msg(flag(c, "label_on_top") && flag(c, "halo"),
                    "%s: the warm-up label can be struck through", id);
    }
  }
  /* the overall verdict as a banner; the footer says what the run was */
  {
    const char *ban = json_string_value(json_object_get(res, "banner"));
    const char *foot = json_string_value(json_object_get(res, "footer"));
    json_t *massif = json_object_get(res, "massif");
    json_t *errs = json_object_get(res, "errors");
    ck_assert_msg(strncmp(ban, "banner fail|FAIL", 16) == 0, "banner: %s", ban);
    ck_assert_msg(strstr(foot, "leakgate 0.") && strstr(foot, "2026-12-06T14:00:00Z") &&
                      strstr(foot, "backend cgroup-v2") &&
                      strstr(foot, "host ci-runner-7") &&
                      strstr(foot, "commit 0123456789abcdef"),
                  "footer: %s", foot);
    /* the Massif check of the cache fixture reports growth: not a pass */
    for (i = 0; i < json_array_size(massif); i++)
      if (strstr(json_string_value(json_array_get(massif, i)), "(leak)"))
        ck_assert_msg(strstr(json_string_value(json_array_get(massif, i)),
                             "advisory") &&
                          !strstr(json_string_value(json_array_get(massif, i)),
                                  "massifpass"),
                      "a Massif '(leak)' shown as a pass: %s",
                      json_string_value(json_array_get(massif, i)));
    ck_assert_uint_eq(json_array_size(errs), 1);
    ck_assert_msg(strstr(json_string_value(json_array_get(errs, 0)),
                         "InvalidRead") &&
                      strstr(json_string_value(json_array_get(errs, 0)),
                             "Invalid read of size 4") &&
                      strstr(json_string_value(json_array_get(errs, 0)),
                             "parse_header (/work/repo/src/headers.c:211)"),
                  "Memcheck error: %s",
                  json_string_value(json_array_get(errs, 0)));
  }
  ck_assert(flag(chart(charts, "chart-2"), "oom"));
  ck_assert(flag(chart(charts, "chart-2"), "limit"));
  ck_assert(!flag(chart(charts, "chart-0"), "oom"));
  ck_assert(!flag(chart(charts, "chart-0"), "limit")); /* 256 MiB: off chart */
  ck_assert_int_eq(
      json_integer_value(json_object_get(chart(charts, "heap-5"), "points")),
      6);
  json_decref(res);

  /* a screenshot for the artifacts */
  {
    char flags[1200];
    struct stat sb;
    FILE *f;
    unsigned char sig[8];
    snprintf(path, sizeof path, "%s/report.png", dir);
    unlink(path);
    snprintf(flags, sizeof flags, "--window-size=1100,2400 --screenshot='%s'",
             path);
    browse("shot", "report.html", flags);
    ck_assert_msg(stat(path, &sb) == 0 && sb.st_size > 20000,
                  "no screenshot at %s", path);
    f = fopen(path, "rb");
    ck_assert_uint_eq(fread(sig, 1, 8, f), 8);
    fclose(f);
    ck_assert(memcmp(sig, "\x89PNG\r\n\x1a\n", 8) == 0);
    printf("screenshot: %s\n", path);
  }

  /* negative control: this browser does report console errors */
  snprintf(path, sizeof path, "%s/control.html", dir);
  spit(path, "<!DOCTYPE html><html><body><script>console.error('lg-control');"
             "undefinedFunction();</script></body></html>\n");
  browse("control", "control.html", "--dump-dom");
  ck_assert_msg(console_lines("control", first, sizeof first) >= 1,
                "the console check saw nothing on a page that logs errors");
  ck_assert_ptr_nonnull(strstr(first, "lg-control"));

  for (i = 0; i < FX_N_ALL; i++)
    lg_result_free(rs[i]);
  /* the browser profiles are large and of no use afterwards */
  snprintf(path, sizeof path, "rm -rf '%s'/profile-*", dir);
  ck_assert_int_eq(system(path), 0);
}
END_TEST

/* The heap profile's icicle chart, measured in the page: one box per
 * frame of the merged stacks (all, main, on_request, leak_fast,
 * leak_slow), the two sites outlined, their widths in the ratio of their
 * rates (272.5 : 32), every box with a tooltip title. */
static const char flame_wrapper[] =
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>\n"
    "<pre id=\"result\">pending</pre>\n"
    "<iframe id=\"f\" src=\"heap.html\" style=\"width:1000px;"
    "height:800px\"></iframe>\n<script>\n"
    "var f = document.getElementById('f');\n"
    "f.addEventListener('load', function () {\n"
    "  var d = f.contentDocument, svg = d.querySelector('svg.flame'),\n"
    "      out = {flames: d.querySelectorAll('svg.flame').length, boxes: [],"
    " scripts: d.scripts.length};\n"
    "  if (svg) {\n"
    "    out.w = Math.round(svg.getBoundingClientRect().width);\n"
    "    svg.querySelectorAll('g.frame').forEach(function (g) {\n"
    "      var r = g.querySelector('rect'), t = g.querySelector('title');\n"
    "      out.boxes.push({w: r.getBoundingClientRect().width,\n"
    "        site: g.classList.contains('site'),\n"
    "        title: t ? t.textContent : ''});\n"
    "    });\n"
    "  }\n"
    "  document.getElementById('result').textContent = "
    "JSON.stringify(out);\n"
    "});\n</script></body></html>\n";

START_TEST(test_heap_flame_in_chromium) {
  lg_result *rs[1];
  lg_report_opts o;
  lg_error err;
  char path[1024], first[4096], *html;
  json_t *res, *boxes, *bx;
  size_t i;
  double w_fast = 0, w_slow = 0, w_all = 0;
  int sites = 0;
  if (!find_browser()) {
    lg_test_skip("test_heap_flame_in_chromium",
                 "no chromium on PATH (apt-get install chromium "
                 "chromium-driver; ci/install-deps.sh)");
    return;
  }
  lg_test_bin("tests/out", dir, sizeof dir);
  mkdir(dir, 0755);
  strncat(dir, "/report-html", sizeof dir - strlen(dir) - 1);
  mkdir(dir, 0755);
  rs[0] = fx_heap_profile();
  memset(&o, 0, sizeof o);
  o.repo_root = FX_REPO;
  snprintf(path, sizeof path, "%s/heap.html", dir);
  ck_assert_int_eq(lg_report_write(LG_REPORT_HTML, (const lg_result *const *)rs,
                                   1, &o, path, &err),
                   0);
  html = lg_test_read(path, NULL);
  ck_assert_ptr_null(strstr(html, "<script"));
  ck_assert_ptr_nonnull(strstr(html, "<svg class=\"flame\" id=\"flame-0\""));
  free(html);
  browse("heap", "heap.html", "--dump-dom");
  ck_assert_msg(console_lines("heap", first, sizeof first) == 0,
                "console output while loading the heap report: %s", first);
  snprintf(path, sizeof path, "%s/flame.html", dir);
  spit(path, flame_wrapper);
  browse("flame", "flame.html", "--allow-file-access-from-files --dump-dom");
  ck_assert_msg(console_lines("flame", first, sizeof first) == 0,
                "console output in the measuring page: %s", first);
  res = measured("flame");
  ck_assert_int_eq(json_integer_value(json_object_get(res, "scripts")), 0);
  ck_assert_int_eq(json_integer_value(json_object_get(res, "flames")), 1);
  ck_assert_int_ge(json_integer_value(json_object_get(res, "w")), 600);
  boxes = json_object_get(res, "boxes");
  ck_assert_uint_eq(json_array_size(boxes), 5);
  json_array_foreach(boxes, i, bx) {
    const char *t = json_string_value(json_object_get(bx, "title"));
    double w = json_number_value(json_object_get(bx, "w"));
    ck_assert_msg(t && strstr(t, "B/request"), "box without a tooltip");
    if (json_is_true(json_object_get(bx, "site")))
      sites++;
    if (strncmp(t, "leak_fast<&>", 12) == 0)
      w_fast = w;
    else if (strncmp(t, "leak_slow", 9) == 0)
      w_slow = w;
    else if (strncmp(t, "all growing sites", 17) == 0)
      w_all = w;
  }
  ck_assert_int_eq(sites, 2);
  ck_assert_msg(w_fast > 0 && w_slow > 0 &&
                    fabs(w_fast / w_slow - 272.5 / 32.0) < 0.05 * 272.5 / 32,
                "site widths %g and %g are not 272.5 : 32", w_fast, w_slow);
  ck_assert_msg(fabs(w_fast + w_slow - w_all) < 2,
                "the sites do not fill the root: %g + %g vs %g", w_fast,
                w_slow, w_all);
  json_decref(res);
  /* a screenshot for the artifacts */
  snprintf(path, sizeof path,
           "--window-size=1100,1800 --screenshot='%s/heap.png'", dir);
  browse("heapshot", "heap.html", path);
  lg_result_free(rs[0]);
  snprintf(path, sizeof path, "rm -rf '%s'/profile-*", dir);
  ck_assert_int_eq(system(path), 0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("report_html");
  TCase *t = tcase_create("chromium");
  tcase_set_timeout(t, 300);
  tcase_add_test(t, test_html_in_chromium);
  tcase_add_test(t, test_heap_flame_in_chromium);
  suite_add_tcase(s, t);
  return lg_test_run(s);
}
