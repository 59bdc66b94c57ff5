/* runtime/jvm_hist.c - the JVM's class histogram (`jcmd PID
 * GC.class_histogram`, the seed's jcmd/jmap workflow) and what grew between
 * two of them (runtime/attrib.h).
 *
 * Format (JDK 9-21, hotspot/share/memory/heapInspection.cpp):
 *    num     #instances         #bytes  class name (module)
 *   -------------------------------------------------------
 *      1:         17254        1653600  [B (java.base@17.0.21.1)
 *   Total         52562        3151208
 * The histogram forces a full collection first, so it counts live objects
 * only. The module in parentheses is dropped: the class is the name. */
#include "runtime/attrib.h"
#include "runtime/rt_scan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int lg__rt_look_add(rt_look *look, const char *name, size_t name_len,
                    int64_t count, double bytes) {
  rt_item *grown = realloc(look->items, (look->n + 1) * sizeof *look->items);
  char *copy;
  if (!grown)
    return LG_ENOMEM;
  look->items = grown;
  copy = malloc(name_len + 1);
  if (!copy)
    return LG_ENOMEM;
  memcpy(copy, name, name_len);
  copy[name_len] = '\0';
  look->items[look->n].name = copy;
  look->items[look->n].count = count;
  look->items[look->n].bytes = bytes;
  look->n++;
  return 0;
}

void lg__rt_look_cleanup(rt_look *look) {
  size_t i;
  for (i = 0; i < look->n; i++)
    free(look->items[i].name);
  free(look->items);
  look->items = NULL;
  look->n = 0;
}

/* One row: "   1:   17254   1653600  [B (java.base@17)". 1 row, 0 not a
 * row, -1 a row that does not parse. */
static int row(rt_look *look, const char *p, size_t n, int *rc) {
  rt_cur c = {p, p + n};
  long long num, inst, bytes;
  const char *name, *end;
  size_t sp;
  lg__rt_spaces(&c);
  if (!lg__rt_uint(&c, &num) || !lg__rt_lit(&c, ":"))
    return 0;
  sp = lg__rt_spaces(&c);
  if (lg__rt_left(&c) == 0)
    return 0; /* "PID:", the line jcmd starts with */
  if (!sp || !lg__rt_uint(&c, &inst) || !lg__rt_spaces(&c) ||
      !lg__rt_uint(&c, &bytes) || !lg__rt_spaces(&c))
    return -1;
  name = c.p;
  end = memchr(name, ' ', lg__rt_left(&c));
  if (!end)
    end = c.end;
  if (end == name)
    return -1;
  *rc = lg__rt_look_add(look, name, (size_t)(end - name), inst, (double)bytes);
  return 1;
}

int lg__rt_jvm_histogram(const char *text, size_t len, rt_look *look,
                         size_t *bad) {
  const char *p = text, *stop = text + len;
  size_t rows = 0;
  int rc = 0;
  while (p < stop && rc == 0) {
    const char *nl = memchr(p, '\n', (size_t)(stop - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(stop - p);
    int r = row(look, p, n, &rc);
    if (r > 0)
      rows++;
    else if (r < 0 && bad)
      (*bad)++;
    p += n + (nl ? 1 : 0);
  }
  if (rc)
    return rc;
  return rows ? 0 : LG_EINPUT;
}

static int by_name(const void *a, const void *b) {
  return strcmp(((const rt_item *)a)->name, ((const rt_item *)b)->name);
}

static int by_growth(const void *a, const void *b) {
  const rt_grown *x = a, *y = b;
  double gx = x->bytes1 - x->bytes0, gy = y->bytes1 - y->bytes0;
  if (gx != gy)
    return gx > gy ? -1 : 1;
  return strcmp(x->name, y->name);
}

int lg__rt_look_growth(rt_look *a, rt_look *b, double min_bytes, size_t max,
                       rt_grown **out, size_t *n) {
  size_t i = 0, j = 0, k = 0;
  double dx = b->requests - a->requests;
  rt_grown *g;
  *out = NULL;
  *n = 0;
  if (b->n == 0)
    return 0;
  qsort(a->items, a->n, sizeof *a->items, by_name);
  qsort(b->items, b->n, sizeof *b->items, by_name);
  g = malloc(b->n * sizeof *g);
  if (!g)
    return LG_ENOMEM;
  /* Merge by name: a class absent from the first look started at 0. */
  for (j = 0; j < b->n; j++) {
    const rt_item *y = &b->items[j];
    const rt_item *x = NULL;
    int cmp = 1;
    while (i < a->n && (cmp = strcmp(a->items[i].name, y->name)) < 0)
      i++;
    if (i < a->n && cmp == 0)
      x = &a->items[i];
    if (y->bytes - (x ? x->bytes : 0) < min_bytes)
      continue;
    g[k].name = y->name;
    g[k].count0 = x ? x->count : 0;
    g[k].count1 = y->count;
    g[k].bytes0 = x ? x->bytes : 0;
    g[k].bytes1 = y->bytes;
    g[k].per_request = dx > 0 ? (g[k].bytes1 - g[k].bytes0) / dx : (double)NAN;
    k++;
  }
  qsort(g, k, sizeof *g, by_growth);
  *out = g;
  *n = k < max ? k : max;
  return 0;
}
