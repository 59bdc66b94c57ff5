/* reporters/html_flame.c - the icicle chart of the heap profile's growth:
 * an inline SVG (no script) in which every growing allocation site's stack
 * hangs from the root at the top, each frame a box whose width is the
 * bytes per request that grow below it (flame-graph layout upside down).
 * Frames with the same function and file under the same parent merge, so
 * two sites reached through the same caller share its box. Each box has a
 * <title> (the browser's own tooltip: function, file:line, rate and share)
 * and a label when it is wide enough; the boxes of the sites themselves
 * are outlined. Bounded: at most MAX_NODES boxes, MAX_DEPTH rows.
 */
#include "html_flame.h"
#include "result/fmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NODES 2048
#define MAX_DEPTH 48
#define WIDTH 960.0
#define ROW 22.0

typedef struct node {
  const lg_frame *f; /* a representative frame (function, file, line) */
  double value;      /* bytes per x unit that grow below it */
  int parent, depth;
  int first_child, next; /* children as a linked list, -1 terminated */
  int site;              /* a growing site ends here */
  double x;              /* left edge, laid out */
} node;

static bool same_frame(const lg_frame *a, const lg_frame *b) {
  return strcmp(a->function ? a->function : "?",
                b->function ? b->function : "?") == 0 &&
         strcmp(a->file ? a->file : "", b->file ? b->file : "") == 0;
}

/* The child of parent for frame f, added when new; -1 when full. */
static int child(node *t, int *n, int parent, const lg_frame *f) {
  int c;
  for (c = t[parent].first_child; c >= 0; c = t[c].next)
    if (same_frame(t[c].f, f))
      return c;
  if (*n >= MAX_NODES || t[parent].depth + 1 >= MAX_DEPTH)
    return -1;
  c = (*n)++;
  memset(&t[c], 0, sizeof t[c]);
  t[c].f = f;
  t[c].parent = parent;
  t[c].depth = t[parent].depth + 1;
  t[c].first_child = -1;
  t[c].next = t[parent].first_child;
  t[parent].first_child = c;
  return c;
}

/* Left edges, the widest child first (so the biggest growth reads first);
 * recursion depth is bounded by MAX_DEPTH. */
#define MAX_SORTED 64 /* children sorted per box; any more follow unsorted */
static void layout(node *t, int i, double x, double scale) {
  int kids[MAX_SORTED], n = 0, c, a, k;
  t[i].x = x;
  for (c = t[i].first_child; c >= 0 && n < MAX_SORTED; c = t[c].next)
    kids[n++] = c;
  for (a = 1; a < n; a++) /* insertion sort: few children */
    for (k = a; k > 0 && t[kids[k]].value > t[kids[k - 1]].value; k--) {
      c = kids[k];
      kids[k] = kids[k - 1];
      kids[k - 1] = c;
    }
  for (k = 0; k < n; k++) {
    layout(t, kids[k], x, scale);
    x += t[kids[k]].value * scale;
  }
  for (; c >= 0; c = t[c].next) {
    layout(t, c, x, scale);
    x += t[c].value * scale;
  }
}

/* A warm colour from the function name, stable across reports. */
static void colour(const char *s, char *out, size_t cap) {
  unsigned h = 2166136261u;
  for (; s && *s; s++)
    h = (h ^ (unsigned char)*s) * 16777619u;
  snprintf(out, cap, "hsl(%u,%u%%,%u%%)", 8 + h % 45, 70 + (h >> 8) % 20,
           55 + (h >> 16) % 12);
}

static void label(lg_buf *b, const char *fn, double w) {
  size_t max = w > 12 ? (size_t)((w - 8) / 6.6) : 0, n = strlen(fn);
  char cut[256];
  if (max < 3)
    return;
  if (n > max) {
    snprintf(cut, sizeof cut, "%.*s..", (int)(max - 2 < 250 ? max - 2 : 250),
             fn);
    fn = cut;
  }
  lg__esc_xml(b, fn, false);
}

int lg__html_flame(lg_buf *b, const lg_result *r, const char *id) {
  const lg_heap_profile_result *h = &r->heap_profile;
  node *t = malloc(MAX_NODES * sizeof *t);
  int n = 1, i, depth = 0;
  double total = 0, scale;
  size_t s, k;
  const char *unit = lg__fmt_heap_unit(h->x);
  static const lg_frame root_frame = {(char *)"all growing sites", NULL, NULL,
                                      0};

  if (!t) {
    lg__buf_fail(b, LG_ENOMEM);
    return lg__buf_error(b);
  }
  memset(&t[0], 0, sizeof t[0]);
  t[0].f = &root_frame;
  t[0].first_child = -1;
  for (s = 0; s < h->n_sites; s++) {
    const lg_heap_site *site = &h->growing_sites[s];
    double v = site->bytes_per_request > 0 && isfinite(site->bytes_per_request)
                   ? site->bytes_per_request
                   : 0;
    int at = 0;
    if (v <= 0 || !site->n_stack)
      continue;
    total += v;
    t[0].value += v;
    /* from the outermost frame down to the site (stack is leaf first) */
    for (k = site->n_stack; k-- > 0;) {
      int c = child(t, &n, at, &site->stack[k]);
      if (c < 0)
        break;
      t[c].value += v;
      at = c;
    }
    t[at].site = 1;
  }
  if (!(total > 0)) {
    free(t);
    return lg__buf_error(b);
  }
  for (i = 0; i < n; i++)
    if (t[i].depth > depth)
      depth = t[i].depth;
  scale = WIDTH / total;
  layout(t, 0, 0, scale);
  lg__buf_appendf(b,
                  "<svg class=\"flame\" id=\"%s\" xmlns=\"http://www.w3.org/"
                  "2000/svg\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
                  "aria-labelledby=\"%s-title\"><title id=\"%s-title\">Where "
                  "the growth is allocated in ",
                  id, WIDTH, ROW * (depth + 1), id, id);
  lg__esc_xml(b, lg__rep_name(r), false);
  /* its own styles, so a report without a heap profile is unchanged */
  lg__buf_appends(b, "</title>\n<style>svg.flame{width:100%;height:auto;"
                     "border:1px solid var(--line);border-radius:6px}"
                     "svg.flame rect{stroke:var(--bg);stroke-width:.5}"
                     "svg.flame .site rect{stroke:var(--fg);stroke-width:1.2}"
                     "svg.flame text{fill:#1f2328;font-size:12px}</style>\n");
  for (i = 0; i < n; i++) {
    const node *d = &t[i];
    double w = d->value * scale, y = ROW * d->depth;
    char fill[48], fr[1024], v[64], pct[32];
    if (w < 0.5)
      continue; /* narrower than a pixel: its bytes are in the parent's */
    colour(d->f->function, fill, sizeof fill);
    lg__buf_appendf(b, "<g class=\"frame%s\"><title>", d->site ? " site" : "");
    lg__esc_xml(b, i ? lg__fmt_frame(fr, sizeof fr, d->f) : d->f->function,
                false);
    snprintf(pct, sizeof pct, "%.1f%%", 100.0 * d->value / total);
    lg__buf_appendf(b, "\n%s %s, %s of the growth</title>",
                    lg__fmt_num(v, sizeof v, d->value), unit, pct);
    lg__buf_appendf(
        b,
        "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
        "fill=\"%s\"/>",
        d->x, y, w, ROW - 1, i ? fill : "var(--card)");
    if (w >= 30) {
      lg__buf_appendf(b, "<text x=\"%.2f\" y=\"%.1f\">", d->x + 4, y + ROW - 7);
      label(b, d->f->function ? d->f->function : "?", w);
      lg__buf_appends(b, "</text>");
    }
    lg__buf_appends(b, "</g>\n");
  }
  lg__buf_appends(b, "</svg>\n");
  free(t);
  return lg__buf_error(b);
}
