/* reporters/report_util.c - escaping, paths, ordering, sparklines shared by
 * the reporters (see report_util.h). Owns nothing; no state. */
#include "report_util.h"

#include "core/termsafe.h"
#include "result/fmt.h"

#include <leakgate/units.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lg__esc_xml(lg_buf *b, const char *s, bool attr) {
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  int rc = 0;
  while (*p && rc == 0) {
    unsigned cp = 0;
    size_t n = lg__fmt_utf8_decode(p, &cp);
    if (n == 0) {
      rc = lg__buf_appends(b, "\xEF\xBF\xBD");
      p++;
      continue;
    }
    switch (cp) {
    case '&':
      rc = lg__buf_appends(b, "&amp;");
      break;
    case '<':
      rc = lg__buf_appends(b, "&lt;");
      break;
    case '>':
      rc = lg__buf_appends(b, "&gt;");
      break;
    case '"':
      rc = lg__buf_appends(b, "&quot;");
      break;
    case '\'':
      rc = lg__buf_appends(b, "&#39;");
      break;
    case '\t':
    case '\n':
    case '\r':
      rc = attr ? lg__buf_appendf(b, "&#%u;", cp) : lg__buf_append(b, p, 1);
      break;
    default:
      if (cp < 0x20 || cp == 0xFFFE || cp == 0xFFFF || cp == 0x7F)
        break; /* not allowed in XML 1.0 (0x7F: discouraged, invisible) */
      rc = lg__buf_append(b, p, n);
    }
    p += n;
  }
  return rc;
}

int lg__esc_md(lg_buf *b, const char *s) {
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  int rc = 0;
  for (; *p && rc == 0; p++) {
    switch (*p) {
    case '&':
      rc = lg__buf_appends(b, "&amp;");
      break;
    case '<':
      rc = lg__buf_appends(b, "&lt;");
      break;
    case '>':
      rc = lg__buf_appends(b, "&gt;");
      break;
    case '\n':
    case '\r':
    case '\t':
      rc = lg__buf_appends(b, " ");
      break;
    case '|':
    case '\\':
    case '`':
    case '*':
    case '_':
    case '[':
    case ']':
    case '#':
    case '~':
    case '!':
      rc = lg__buf_appendf(b, "\\%c", *p);
      break;
    default:
      if (*p < 0x20 || *p == 0x7F)
        break;
      rc = lg__buf_append(b, p, 1);
    }
  }
  return rc;
}

int lg__md_code(lg_buf *b, const char *s) {
  const char *p = s ? s : "";
  size_t run = 0, longest = 0, i, n = strlen(p);
  int rc = 0, k;
  bool pad;
  for (i = 0; i < n; i++) {
    run = p[i] == '`' ? run + 1 : 0;
    if (run > longest)
      longest = run;
  }
  /* CommonMark: a span opened by N backticks ends at the next run of
   * exactly N, and one space is stripped from each side when both are
   * there - so a fence longer than any run inside, padded when the text
   * starts or ends with a backtick (or is empty), keeps the text whole. */
  pad = n == 0 || p[0] == '`' || p[n - 1] == '`';
  for (i = 0; i <= longest; i++)
    lg__buf_appends(b, "`");
  if (pad)
    lg__buf_appends(b, " ");
  while (rc == 0 && (k = lg__term_char(p, false)) != 0) {
    /* Inside a span nothing is an escape: only line breaks and controls
     * need replacing. */
    rc = k > 0 ? lg__buf_append(b, p, (size_t)k) : lg__buf_appends(b, " ");
    p += k > 0 ? k : -k;
  }
  if (pad)
    lg__buf_appends(b, " ");
  for (i = 0; i <= longest; i++)
    lg__buf_appends(b, "`");
  return lg__buf_error(b);
}

/* GitHub's toolkit (core/command.ts): data escapes % CR LF; properties
 * also ':' and ','. Other controls (ESC...), C1 and malformed UTF-8 become
 * '?'. */
int lg__esc_gha(lg_buf *b, const char *s, bool property) {
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  int rc = 0;
  for (; *p && rc == 0; p++) {
    if (*p == '%')
      rc = lg__buf_appends(b, "%25");
    else if (*p == '\r')
      rc = lg__buf_appends(b, "%0D");
    else if (*p == '\n')
      rc = lg__buf_appends(b, "%0A");
    else if (property && *p == ':')
      rc = lg__buf_appends(b, "%3A");
    else if (property && *p == ',')
      rc = lg__buf_appends(b, "%2C");
    else {
      /* An escape sequence would be obeyed by the log viewer: '?' for
       * each control or malformed character (core/termsafe.h). */
      int n = lg__term_char((const char *)p, false);
      rc = n > 0 ? lg__buf_append(b, p, (size_t)n) : lg__buf_appends(b, "?");
      p += (n > 0 ? n : -n) - 1;
    }
  }
  return rc;
}

/* Normalise an absolute path in place: collapse "//", drop ".", resolve
 * ".." lexically (no symlinks: the paths come from another machine's
 * debug info, not this file system). */
static void normalise(char *path) {
  char *out = path, *p = path;
  while (*p) {
    char *seg;
    size_t len;
    while (*p == '/')
      p++;
    if (!*p)
      break;
    seg = p;
    while (*p && *p != '/')
      p++;
    len = (size_t)(p - seg);
    if (len == 1 && seg[0] == '.')
      continue;
    if (len == 2 && seg[0] == '.' && seg[1] == '.') {
      while (out > path && *--out != '/')
        ;
      continue;
    }
    *out++ = '/';
    memmove(out, seg, len);
    out += len;
  }
  if (out == path)
    *out++ = '/';
  *out = '\0';
}

const char *lg__rel_path(const char *file, const char *root, char *buf,
                         size_t cap) {
  char f[4096], r[4096];
  size_t rl;
  if (!file || !file[0])
    return NULL;
  if (file[0] != '/') {
    /* relative: inside the repository unless it climbs out */
    snprintf(f, sizeof f, "/%s", file);
    normalise(f);
    if (strncmp(file, "../", 3) == 0 || strcmp(f, "/") == 0)
      return NULL;
    snprintf(buf, cap, "%s", f + 1);
    return buf;
  }
  if (!root || root[0] != '/')
    return NULL;
  snprintf(f, sizeof f, "%s", file);
  snprintf(r, sizeof r, "%s", root);
  normalise(f);
  normalise(r);
  rl = strlen(r);
  if (rl == 1) /* root is "/" */
    rl = 0;
  if (strncmp(f, r, rl) != 0 || f[rl] != '/' || !f[rl + 1])
    return NULL;
  snprintf(buf, cap, "%s", f + rl + 1);
  return buf;
}

const lg_frame *lg__rep_leak_frame(const lg_leak_record *l, const char *root,
                                   char *rel, size_t cap) {
  const lg_frame *site = lg_leak_site(l);
  size_t k;
  if (site && site->file && lg__rel_path(site->file, root, rel, cap))
    return site;
  for (k = 0; k < l->n_stack; k++)
    if (l->stack[k].file &&
        !lg_is_allocator_frame(l->stack[k].function, l->stack[k].file,
                               l->stack[k].object) &&
        lg__rel_path(l->stack[k].file, root, rel, cap))
      return &l->stack[k];
  return NULL;
}

bool lg__rep_heap_frame(const lg_heap_site *s, const char *root, char *rel,
                        size_t cap, const char **fn, int *line) {
  size_t k;
  if (s->file && lg__rel_path(s->file, root, rel, cap)) {
    *fn = s->function;
    *line = s->line;
    return true;
  }
  for (k = 0; k < s->n_stack; k++)
    if (s->stack[k].file &&
        !lg_is_allocator_frame(s->stack[k].function, s->stack[k].file,
                               s->stack[k].object) &&
        lg__rel_path(s->stack[k].file, root, rel, cap)) {
      *fn = s->stack[k].function;
      *line = s->stack[k].line;
      return true;
    }
  return false;
}

char *lg__rep_heap_site_text(char *buf, size_t cap, const lg_result *r,
                             const lg_heap_site *s) {
  char fr[1024], v[64], lo[64], hi[64], ci[32];
  lg_frame f = {s->function, s->file, NULL, s->line};
  snprintf(buf, cap, "%s %s %s (%s %s to %s)", lg__fmt_frame(fr, sizeof fr, &f),
           lg__fmt_num(v, sizeof v, s->bytes_per_request),
           lg__fmt_heap_unit(r->heap_profile.x),
           lg__fmt_ci_label(ci, sizeof ci, r->confidence),
           lg__fmt_num(lo, sizeof lo, s->ci_lo),
           lg__fmt_num(hi, sizeof hi, s->ci_hi));
  return buf;
}

/* qsort_r comparators over index arrays. */
static int cmp_leak(const void *a, const void *b, void *ctx) {
  const lg_leak_record *l = ctx;
  double x = l[*(const size_t *)a].bytes, y = l[*(const size_t *)b].bytes;
  x = isfinite(x) ? x : -1;
  y = isfinite(y) ? y : -1;
  if (x != y)
    return x < y ? 1 : -1;
  return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static int cmp_site(const void *a, const void *b, void *ctx) {
  const lg_growing_site *s = ctx;
  double x = s[*(const size_t *)a].growth_bytes;
  double y = s[*(const size_t *)b].growth_bytes;
  x = isfinite(x) ? x : -1e300;
  y = isfinite(y) ? y : -1e300;
  if (x != y)
    return x < y ? 1 : -1;
  return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static size_t *sorted_idx(size_t n,
                          int (*cmp)(const void *, const void *, void *),
                          void *ctx) {
  size_t *idx, i;
  if (!n)
    return NULL;
  idx = malloc(n * sizeof *idx);
  if (!idx)
    return NULL;
  for (i = 0; i < n; i++)
    idx[i] = i;
  qsort_r(idx, n, sizeof *idx, cmp, ctx);
  return idx;
}

size_t *lg__top_leaks(const lg_memcheck_result *m) {
  return sorted_idx(m->n_leaks, cmp_leak, m->leaks);
}

size_t *lg__top_sites(const lg_massif_result *m) {
  return sorted_idx(m->n_sites, cmp_site, m->growing_sites);
}

size_t *lg__rep_top_leaks(lg_buf *b, const lg_memcheck_result *m) {
  size_t *idx;
  if (!m->ran || !m->n_leaks)
    return NULL;
  if (!(idx = lg__top_leaks(m)))
    lg__buf_fail(b, LG_ENOMEM);
  return idx;
}

size_t *lg__rep_top_sites(lg_buf *b, const lg_massif_result *m) {
  size_t *idx;
  if (!m->ran || !m->n_sites)
    return NULL;
  if (!(idx = lg__top_sites(m)))
    lg__buf_fail(b, LG_ENOMEM);
  return idx;
}

int lg__sparkline(lg_buf *b, const double *y, size_t n, size_t width) {
  static const char *const bars[] = {"\u2581", "\u2582", "\u2583", "\u2584",
                                     "\u2585", "\u2586", "\u2587", "\u2588"};
  double lo = INFINITY, hi = -INFINITY, v[512];
  size_t m, i, k;
  int rc = 0;
  if (width > 512)
    width = 512;
  m = n < width ? n : width;
  for (i = 0; i < m; i++) {
    size_t a = i * n / m, e = (i + 1) * n / m, c = 0;
    double sum = 0;
    for (k = a; k < e; k++)
      if (isfinite(y[k])) {
        sum += y[k];
        c++;
      }
    v[i] = c ? sum / (double)c : NAN;
    if (c && v[i] < lo)
      lo = v[i];
    if (c && v[i] > hi)
      hi = v[i];
  }
  for (i = 0; i < m && rc == 0; i++) {
    int level;
    if (!isfinite(v[i])) {
      rc = lg__buf_appends(b, " ");
      continue;
    }
    level = hi > lo ? (int)floor((v[i] - lo) / (hi - lo) * 7.999) : 0;
    rc = lg__buf_appends(b, bars[level < 0 ? 0 : level > 7 ? 7 : level]);
  }
  return rc;
}

void lg__hash_hex(char out[17], const char *const *parts, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  size_t i;
  for (i = 0; i < n; i++) {
    const unsigned char *p = (const unsigned char *)parts[i];
    if (!p)
      continue;
    for (; *p; p++) {
      h ^= *p;
      h *= 1099511628211ULL;
    }
    h ^= 0xFF; /* separator, so ("ab","c") != ("a","bc") */
    h *= 1099511628211ULL;
  }
  snprintf(out, 17, "%016llx", (unsigned long long)h);
}

bool lg__rep_check_advisory(const lg_result *r, const lg_check *c) {
  const lg_massif_result *m = &r->massif;
  size_t i;
  if (c->status != LG_CHECK_PASS ||
      strcmp(c->name, lg_check_name(LG_CK_MASSIF)) != 0 || !m->ran)
    return false;
  if (m->heap_analysis.leak == LG_LEAK_LEAK)
    return true;
  for (i = 0; i < m->n_sites; i++)
    if (m->growing_sites[i].growth_bytes > 0)
      return true;
  return false;
}

void lg__rep_checks(lg_buf *b, const lg_result *r, const lg_rep_markup *m) {
  size_t i;
  lg__buf_appends(b, m->table_open);
  for (i = 0; i < r->n_checks; i++) {
    lg__buf_appends(b, m->row_open);
    m->esc(b, r->checks[i].name);
    m->status(b, r->checks[i].status, lg__rep_check_advisory(r, &r->checks[i]));
    m->esc(b, r->checks[i].message);
    lg__buf_appends(b, m->row_close);
  }
  lg__buf_appends(b, m->table_close);
  if (!r->n_reasons)
    return;
  lg__buf_appends(b, m->list_open);
  for (i = 0; i < r->n_reasons; i++) {
    lg__buf_appends(b, m->item_open);
    m->esc(b, r->reasons[i]);
    lg__buf_appends(b, m->item_close);
  }
  lg__buf_appends(b, m->list_close);
}

void lg__rep_site_start(lg_buf *b, int (*esc)(lg_buf *b, const char *s),
                        const char *open, const char *cell,
                        const char *function, const char *file,
                        const char *nofile, int line) {
  lg__buf_appends(b, open);
  esc(b, function ? function : "??");
  lg__buf_appends(b, cell);
  esc(b, file ? file : nofile);
  if (line > 0)
    lg__buf_appendf(b, ":%d", line);
}

void lg__rep_site_cells(lg_buf *b, const lg_rep_site_markup *mk,
                        const char *function, const char *file, int line,
                        double first, double last, double growth) {
  char by[32];
  lg__rep_site_start(b, mk->esc, mk->row_open, mk->cell, function, file, "",
                     line);
  lg__buf_appends(b, mk->num);
  lg__buf_appends(b, lg_format_bytes(by, sizeof by, first));
  lg__buf_appends(b, mk->num);
  lg__buf_appends(b, lg_format_bytes(by, sizeof by, last));
  lg__buf_appends(b, mk->growth);
  lg__buf_appends(b, lg_format_bytes(by, sizeof by, growth));
}

void lg__rep_site_rows(lg_buf *b, const lg_massif_result *m, const size_t *idx,
                       size_t max, const lg_rep_site_markup *mk) {
  size_t i;
  for (i = 0; i < m->n_sites && i < max; i++) {
    const lg_growing_site *s = &m->growing_sites[idx[i]];
    lg__rep_site_cells(b, mk, s->function, s->file, s->line, s->first_bytes,
                       s->last_bytes, s->growth_bytes);
    lg__buf_appends(b, mk->row_close);
  }
}

void lg__rep_heap_site_rows(lg_buf *b, const lg_heap_profile_result *h,
                            size_t max, const lg_rep_site_markup *mk,
                            const char *fp_quote, const char *fp_none) {
  char v[64], lo[64], hi[64];
  size_t i;
  for (i = 0; i < h->n_sites && i < max; i++) {
    const lg_heap_site *s = &h->growing_sites[i];
    lg__rep_site_start(b, mk->esc, mk->row_open, mk->cell, s->function, s->file,
                       "?", s->line);
    lg__buf_appends(b, mk->num);
    lg__buf_appends(b, lg__fmt_num(v, sizeof v, s->bytes_per_request));
    lg__buf_appends(b, mk->num);
    lg__buf_appendf(b, "%s to %s", lg__fmt_num(lo, sizeof lo, s->ci_lo),
                    lg__fmt_num(hi, sizeof hi, s->ci_hi));
    lg__buf_appends(b, mk->num);
    if (s->samples >= 0)
      lg__buf_appendf(b, "%lld", (long long)s->samples);
    lg__buf_appends(b, mk->cell);
    lg__buf_appends(b, fp_quote);
    mk->esc(b, s->fingerprint ? s->fingerprint : fp_none);
    lg__buf_appends(b, fp_quote);
    if (s->known)
      lg__buf_appends(b, " (known)");
    lg__buf_appends(b, mk->row_close);
  }
}

void lg__rep_runtime_site_rows(lg_buf *b, const lg_runtime_result *rt,
                               size_t max, const lg_rep_site_markup *mk) {
  char v[64];
  size_t i;
  for (i = 0; i < rt->n_sites && i < max; i++) {
    const lg_runtime_site *s = &rt->sites[i];
    lg__rep_site_cells(b, mk, s->name, s->file, s->line, s->first_bytes,
                       s->last_bytes, s->growth_bytes);
    lg__buf_appends(b, mk->num);
    lg__buf_appendf(b, "%s B", lg__fmt_num(v, sizeof v, s->bytes_per_request));
    lg__buf_appends(b, mk->row_close);
  }
}

/* runtime.detected_from in words (docs/result.md#runtime). */
static const char *detected_from_text(const char *from) {
  static const struct {
    const char *key, *text;
  } words[] = {{"scenario", "set by service.runtime"},
               {"command", "detected from the command"},
               {"script", "detected from the script's #! line"},
               {"elf", "detected from the Go build information"},
               {"process", "detected among the container's processes"}};
  size_t i;
  for (i = 0; i < sizeof words / sizeof words[0]; i++)
    if (strcmp(from, words[i].key) == 0)
      return words[i].text;
  return from;
}

bool lg__rep_runtime_text(char *buf, size_t cap, const lg_result *r) {
  const lg_runtime_result *rt = &r->runtime;
  char b1[32], b2[32], b3[32], pause[32];
  size_t n = 0;
#define ADD(...)                                                               \
  do {                                                                         \
    if (n < cap)                                                               \
      n += (size_t)snprintf(buf + n, cap - n, __VA_ARGS__);                    \
  } while (0)
  if (cap)
    buf[0] = '\0';
  if (!rt->name || strcmp(rt->name, "native") == 0)
    return false;
  ADD("%s", rt->name);
  if (rt->version)
    ADD(" %s", rt->version);
  if (rt->detected_from)
    ADD(" (%s)", detected_from_text(rt->detected_from));
  ADD("; GC report %s", rt->gc_report ? rt->gc_report : "not switched on");
  if (rt->collections >= 0) {
    ADD("; %lld collections", (long long)rt->collections);
    if (rt->full_collections >= 0)
      ADD(" (%lld full)", (long long)rt->full_collections);
    if (isfinite(rt->pause_s))
      ADD(", %s of pauses",
          lg_format_duration(pause, sizeof pause, rt->pause_s));
  }
  if (isfinite(rt->heap_live_bytes)) {
    ADD("; live heap %s", lg_format_bytes(b1, sizeof b1, rt->heap_live_bytes));
    if (isfinite(rt->heap_live_peak_bytes))
      ADD(" (peak %s)",
          lg_format_bytes(b2, sizeof b2, rt->heap_live_peak_bytes));
    if (isfinite(rt->heap_max_bytes))
      ADD(" of a %s ceiling",
          lg_format_bytes(b3, sizeof b3, rt->heap_max_bytes));
  }
  if (rt->memory_metric && isfinite(rt->memory_slope)) {
    char v[64], lo[64], hi[64];
    ADD("; %s beside it: %s B/%s (CI %s to %s), %s", rt->memory_metric,
        lg__fmt_num(v, sizeof v, rt->memory_slope),
        rt->memory_x && strcmp(rt->memory_x, "seconds") == 0 ? "s" : "req",
        lg__fmt_num(lo, sizeof lo, rt->memory_lo),
        lg__fmt_num(hi, sizeof hi, rt->memory_hi),
        lg__fmt_leak(rt->memory_leak));
  }
  if (rt->malformed_lines > 0)
    ADD("; %lld malformed GC lines skipped", (long long)rt->malformed_lines);
  if (rt->note)
    ADD("; %s", rt->note);
#undef ADD
  return true;
}

const char *lg__rep_name(const lg_result *r) {
  if (r->scenario_name && r->scenario_name[0])
    return r->scenario_name;
  if (r->scenario_file && r->scenario_file[0])
    return r->scenario_file;
  return "scenario";
}
