/* runtime/rt_scan.h - internal: a cursor over one line of a GC log, for the
 * three parsers (gclog_go.c, gclog_jvm.c, gclog_node.c).
 *
 * The line is a byte range that need not be NUL-terminated (it comes
 * straight from a pipe buffer); every function stays inside it and never
 * allocates. Numbers are plain unsigned decimals with an optional fraction,
 * as the runtimes print them: no sign, no exponent, no locale, so a line
 * reads the same on every machine. Functions return true and advance on a
 * match, and leave the cursor where it was otherwise.
 */
#ifndef LG_RUNTIME_RT_SCAN_H
#define LG_RUNTIME_RT_SCAN_H

#include <stdbool.h>
#include <stddef.h>

typedef struct rt_cur {
  const char *p, *end;
} rt_cur;

/* The literal s (NUL-terminated) comes next. */
bool lg__rt_lit(rt_cur *c, const char *s);
/* Skip spaces and tabs; returns how many. */
size_t lg__rt_spaces(rt_cur *c);
/* An unsigned decimal with an optional ".digits" fraction. At most 18
 * digits before the point: a longer number is not something a runtime
 * prints, and the limit keeps the value exact. */
bool lg__rt_num(rt_cur *c, double *v);
/* An unsigned integer without a fraction (at most 18 digits). */
bool lg__rt_uint(rt_cur *c, long long *v);
/* Advance past the next occurrence of s; false (cursor unchanged) if none. */
bool lg__rt_skip_past(rt_cur *c, const char *s);
/* Position of the next occurrence of s at or after c->p, or NULL. */
const char *lg__rt_find(const rt_cur *c, const char *s);
/* Bytes left. */
size_t lg__rt_left(const rt_cur *c);

#endif
