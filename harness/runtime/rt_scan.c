/* runtime/rt_scan.c - the line cursor of the GC-log parsers (rt_scan.h).
 * Complexity: every function is linear in the bytes it looks at. */
#include "runtime/rt_scan.h"

#include <string.h>

#define MAX_DIGITS 18

size_t lg__rt_left(const rt_cur *c) {
  return (size_t)(c->end - c->p);
}

bool lg__rt_lit(rt_cur *c, const char *s) {
  size_t n = strlen(s);
  if (lg__rt_left(c) < n || memcmp(c->p, s, n) != 0)
    return false;
  c->p += n;
  return true;
}

size_t lg__rt_spaces(rt_cur *c) {
  size_t n = 0;
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t')) {
    c->p++;
    n++;
  }
  return n;
}

static bool is_digit(char ch) {
  return ch >= '0' && ch <= '9';
}

bool lg__rt_uint(rt_cur *c, long long *v) {
  const char *q = c->p;
  long long x = 0;
  int n = 0;
  while (q < c->end && is_digit(*q)) {
    if (++n > MAX_DIGITS)
      return false;
    x = x * 10 + (*q - '0');
    q++;
  }
  if (n == 0)
    return false;
  *v = x;
  c->p = q;
  return true;
}

bool lg__rt_num(rt_cur *c, double *v) {
  rt_cur save = *c;
  long long whole, frac = 0;
  double scale = 1;
  int n = 0;
  if (!lg__rt_uint(c, &whole))
    return false;
  if (c->p + 1 < c->end && *c->p == '.' && is_digit(c->p[1])) {
    c->p++;
    while (c->p < c->end && is_digit(*c->p)) {
      if (++n > MAX_DIGITS) {
        *c = save;
        return false;
      }
      frac = frac * 10 + (*c->p - '0');
      scale *= 10;
      c->p++;
    }
  }
  *v = (double)whole + (double)frac / scale;
  return true;
}

const char *lg__rt_find(const rt_cur *c, const char *s) {
  return memmem(c->p, lg__rt_left(c), s, strlen(s));
}

bool lg__rt_skip_past(rt_cur *c, const char *s) {
  const char *q = lg__rt_find(c, s);
  if (!q)
    return false;
  c->p = q + strlen(s);
  return true;
}
