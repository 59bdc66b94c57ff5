/* runtime/gclog_go.c - Go's GODEBUG=gctrace=1 lines (leakgate/runtime.h).
 *
 * Format (runtime/mgc.go, Go 1.5 to 1.22; stacks and globals since 1.19):
 *   gc 3 @0.006s 7%: 0.013+0.40+0.11 ms clock, 0.026+0.093/0.052/0.086+0.22
 *   ms cpu, 3->3->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)
 * "@" is seconds since the program started, "7%" the share of CPU spent in
 * GC since then, the clock triple is sweep termination (stop the world),
 * concurrent mark and mark termination (stop the world), so the pause is
 * the first plus the last; A->B->C is the heap at GC start, at GC end and
 * the heap marked live, in MiB (the runtime prints bytes >> 20). Every Go
 * cycle marks the whole heap, so C is the live heap.
 * A line that starts like one ("gc N @") but does not follow the format is
 * LG_GC_LINE_BAD: output of the service interleaved into it (the runtime
 * writes a trace line in several write(2) calls), or a line cut off. */
#include <leakgate/runtime.h>

#include "runtime/rt_scan.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MIB 1048576.0

static void event_init(lg_gc_event *ev) {
  memset(ev, 0, sizeof *ev);
  ev->uptime_s = ev->before_bytes = ev->after_bytes = NAN;
  ev->capacity_bytes = ev->pause_s = ev->gc_cpu_share = NAN;
  ev->external_bytes = NAN;
  ev->seq = -1;
}

lg_gc_line lg_gc_parse_go(const char *line, size_t len, lg_gc_event *ev) {
  rt_cur c = {line, line + len};
  double t, pct, clk[3], heap[3], goal;
  long long seq;
  int i;

  if (!lg__rt_lit(&c, "gc ") || !lg__rt_uint(&c, &seq) || !lg__rt_lit(&c, " @"))
    return LG_GC_LINE_OTHER;
  event_init(ev);
  if (!lg__rt_num(&c, &t) || !lg__rt_lit(&c, "s ") || !lg__rt_num(&c, &pct) ||
      !lg__rt_lit(&c, "%: "))
    return LG_GC_LINE_BAD;
  for (i = 0; i < 3; i++)
    if (!lg__rt_num(&c, &clk[i]) ||
        !lg__rt_lit(&c, i < 2 ? "+" : " ms clock, "))
      return LG_GC_LINE_BAD;
  /* The cpu part holds '/' separated fields whose count changed between
   * releases: skip to its end. */
  if (!lg__rt_skip_past(&c, " ms cpu, "))
    return LG_GC_LINE_BAD;
  for (i = 0; i < 3; i++)
    if (!lg__rt_num(&c, &heap[i]) || !lg__rt_lit(&c, i < 2 ? "->" : " MB, "))
      return LG_GC_LINE_BAD;
  if (!lg__rt_num(&c, &goal) || !lg__rt_lit(&c, " MB goal"))
    return LG_GC_LINE_BAD;
  if (pct > 100)
    return LG_GC_LINE_BAD;
  ev->seq = seq;
  ev->uptime_s = t;
  ev->gc_cpu_share = pct / 100;
  ev->pause_s = (clk[0] + clk[2]) / 1000;
  ev->before_bytes = heap[0] * MIB;
  ev->after_bytes = heap[2] * MIB;
  ev->capacity_bytes = goal * MIB;
  ev->full = true;
  snprintf(ev->kind, sizeof ev->kind, "%s",
           lg__rt_find(&c, "(forced)") ? "gc (forced)" : "gc");
  return LG_GC_LINE_EVENT;
}
