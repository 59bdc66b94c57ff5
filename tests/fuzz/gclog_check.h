/* tests/fuzz/gclog_check.h - shared body of the GC-log parser targets
 * (gclog_go, gclog_jvm, gclog_node): the input is split into lines the way
 * the run feeds them (runtime/monitor.c), each line is handed to the
 * parser as a byte range that is not NUL-terminated (a heap copy of
 * exactly len bytes, so ASan sees any read past it), and the parser's
 * promises are checked, abort() when one breaks:
 *   the result is one of the four lg_gc_line values;
 *   an event has a NUL-terminated kind, finite non-negative bytes where
 *   known, a pause that is finite and >= 0, and a GC CPU share in [0, 1];
 *   an info line has a NUL-terminated version and a max >= 0 when known;
 *   the same bytes parse to the same answer twice (no hidden state). */
#ifndef LG_FUZZ_GCLOG_CHECK_H
#define LG_FUZZ_GCLOG_CHECK_H

#include <leakgate/runtime.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef lg_gc_line (*gclog_fn)(const char *line, size_t len, lg_gc_event *ev,
                               lg_gc_info *info);

static void known_bytes(double v) {
  if (!isnan(v) && (!isfinite(v) || v < 0))
    abort();
}

static void check_line(gclog_fn parse, const uint8_t *p, size_t len) {
  lg_gc_event ev, ev2;
  lg_gc_info in, in2;
  char *copy = malloc(len ? len : 1);
  lg_gc_line k, k2;
  if (!copy)
    return;
  memcpy(copy, p, len);
  memset(&ev, 0xa5, sizeof ev);
  memset(&in, 0xa5, sizeof in);
  k = parse(copy, len, &ev, &in);
  switch (k) {
  case LG_GC_LINE_OTHER:
  case LG_GC_LINE_BAD:
    break;
  case LG_GC_LINE_EVENT:
    if (!memchr(ev.kind, '\0', sizeof ev.kind))
      abort();
    known_bytes(ev.before_bytes);
    known_bytes(ev.after_bytes);
    known_bytes(ev.capacity_bytes);
    known_bytes(ev.uptime_s);
    if (!isfinite(ev.pause_s) || ev.pause_s < 0)
      abort();
    if (!isnan(ev.gc_cpu_share) &&
        !(ev.gc_cpu_share >= 0 && ev.gc_cpu_share <= 1))
      abort();
    break;
  case LG_GC_LINE_INFO:
    if (!memchr(in.version, '\0', sizeof in.version))
      abort();
    known_bytes(in.max_bytes);
    break;
  default:
    abort();
  }
  k2 = parse(copy, len, &ev2, &in2);
  if (k2 != k)
    abort();
  if (k == LG_GC_LINE_EVENT && (strcmp(ev.kind, ev2.kind) != 0 ||
                                ev.full != ev2.full || ev.seq != ev2.seq))
    abort();
  free(copy);
}

static void check_lines(gclog_fn parse, const uint8_t *d, size_t n) {
  size_t start = 0, i;
  for (i = 0; i <= n; i++)
    if (i == n || d[i] == '\n') {
      check_line(parse, d + start, i - start);
      start = i + 1;
    }
}

#endif
