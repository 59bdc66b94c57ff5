/* test_gclog - the GC-log parsers of harness/runtime (leakgate/runtime.h):
 * exact values from lines the runtimes print (Go 1.12-1.22 gctrace, JDK
 * 9-21 unified logging with every collector's wording, V8 --trace-gc of
 * Node 12-22), lines of other programs (not events), and lines that start
 * like a GC line but are cut off or garbled (LG_GC_LINE_BAD, never a
 * crash). Then data-driven: each .log file of tests/data/gclogs/<runtime>/
 * (real output captured on this kind of machine) parses to exactly the counts
 * in its .expect file, every event consistent (after <= capacity, finite
 * values). */
#include <leakgate/runtime.h>

#include "lg_test.h"

#include <dirent.h>
#include <math.h>

#define MIB 1048576.0

static lg_gc_line go(const char *s, lg_gc_event *ev) {
  return lg_gc_parse_go(s, strlen(s), ev);
}
static lg_gc_line jvm(const char *s, lg_gc_event *ev, lg_gc_info *in) {
  return lg_gc_parse_jvm(s, strlen(s), ev, in);
}
static lg_gc_line node(const char *s, lg_gc_event *ev) {
  lg_gc_info in;
  return lg_gc_parse_node(s, strlen(s), ev, &in);
}

START_TEST(go_lines) {
  lg_gc_event ev;
  ck_assert_int_eq(go("gc 3 @0.006s 7%: 0.013+0.40+0.11 ms clock, "
                      "0.026+0.093/0.052/0.086+0.22 ms cpu, 3->3->1 MB, 4 MB "
                      "goal, 0 MB stacks, 0 MB globals, 2 P",
                      &ev),
                   LG_GC_LINE_EVENT);
  ck_assert_int_eq(ev.seq, 3);
  ck_assert_double_eq_tol(ev.uptime_s, 0.006, 1e-12);
  ck_assert_double_eq_tol(ev.gc_cpu_share, 0.07, 1e-12);
  ck_assert_double_eq_tol(ev.pause_s, (0.013 + 0.11) / 1000, 1e-12);
  ck_assert_double_eq(ev.before_bytes, 3 * MIB);
  ck_assert_double_eq(ev.after_bytes, 1 * MIB);
  ck_assert_double_eq(ev.capacity_bytes, 4 * MIB);
  ck_assert(ev.full);
  ck_assert_str_eq(ev.kind, "gc");
  /* Go <= 1.18: no stacks/globals; forced cycles say so. */
  ck_assert_int_eq(go("gc 120 @31.507s 2%: 0.018+3.1+0.006 ms clock, "
                      "0.037+0.20/1.5/0+0.013 ms cpu, 215->217->110 MB, 221 "
                      "MB goal, 2 P (forced)",
                      &ev),
                   LG_GC_LINE_EVENT);
  ck_assert_double_eq(ev.after_bytes, 110 * MIB);
  ck_assert_str_eq(ev.kind, "gc (forced)");
  /* Not gctrace. */
  ck_assert_int_eq(go("gc is fun", &ev), LG_GC_LINE_OTHER);
  ck_assert_int_eq(go("scvg: 0 MB released", &ev), LG_GC_LINE_OTHER);
  ck_assert_int_eq(go("", &ev), LG_GC_LINE_OTHER);
  /* Cut off, or the service's own write interleaved. */
  ck_assert_int_eq(go("gc 7 @1.2s 3%: 0.01+0.2", &ev), LG_GC_LINE_BAD);
  ck_assert_int_eq(go("gc 7 @1.2s 3%: 0.01+0.2+0.01 ms clock, 0.1+0/0/0+0 ms "
                      "cpu, 3->3",
                      &ev),
                   LG_GC_LINE_BAD);
  ck_assert_int_eq(go("gc 7 @1.2s 3%: 0.01+0.2+0.01 ms clHELLO\nock, ", &ev),
                   LG_GC_LINE_BAD);
  ck_assert_int_eq(go("gc 7 @1.2s 300%: 0.01+0.2+0.01 ms clock, 0+0/0/0+0 ms "
                      "cpu, 3->3->1 MB, 4 MB goal, 2 P",
                      &ev),
                   LG_GC_LINE_BAD);
}
END_TEST

START_TEST(go_not_terminated) {
  /* The parser reads only len bytes: a line cut out of a larger buffer. */
  static const char buf[] = "gc 1 @0.5s 1%: 0.1+0.2+0.3 ms clock, 0+0/0/0+0 "
                            "ms cpu, 4->4->2 MB, 5 MB goal, 2 P\ngc 2 @";
  lg_gc_event ev;
  size_t len = (size_t)(strchr(buf, '\n') - buf);
  ck_assert_int_eq(lg_gc_parse_go(buf, len, &ev), LG_GC_LINE_EVENT);
  ck_assert_double_eq(ev.after_bytes, 2 * MIB);
  ck_assert_int_eq(lg_gc_parse_go(buf, 30, &ev), LG_GC_LINE_BAD);
}
END_TEST

START_TEST(jvm_lines) {
  lg_gc_event ev;
  lg_gc_info in;
  ck_assert_int_eq(jvm("[0.092s][4461] GC(2) Pause Young (Normal) (G1 "
                       "Evacuation Pause) 36M->6M(64M) 6.309ms",
                       &ev, &in),
                   LG_GC_LINE_EVENT);
  ck_assert_str_eq(ev.kind, "Pause Young (Normal) (G1 Evacuation Pause)");
  ck_assert_int_eq(ev.seq, 2);
  ck_assert_int_eq(ev.pid, 4461);
  ck_assert_double_eq_tol(ev.uptime_s, 0.092, 1e-12);
  ck_assert_double_eq(ev.before_bytes, 36 * MIB);
  ck_assert_double_eq(ev.after_bytes, 6 * MIB);
  ck_assert_double_eq(ev.capacity_bytes, 64 * MIB);
  ck_assert_double_eq_tol(ev.pause_s, 0.006309, 1e-12);
  ck_assert(!ev.full);
  ck_assert_int_eq(jvm("[5.678s][42] GC(9) Pause Full (Allocation Failure) "
                       "61439K->60416K(62976K) 45.612ms",
                       &ev, &in),
                   LG_GC_LINE_EVENT);
  ck_assert(ev.full);
  ck_assert_double_eq(ev.after_bytes, 60416 * 1024.0);
  /* Default decorators of a log the service writes itself. */
  ck_assert_int_eq(jvm("[2024-05-01T10:00:00.123+0000][1.500s][info][gc] "
                       "GC(3) Pause Young (Allocation Failure) 1G->512M(2G) "
                       "12.000ms",
                       &ev, &in),
                   LG_GC_LINE_EVENT);
  ck_assert_double_eq(ev.after_bytes, 512 * MIB);
  ck_assert_double_eq_tol(ev.uptime_s, 1.5, 1e-12);
  ck_assert_int_eq(ev.pid, 0);
  ck_assert_int_eq(jvm("[750ms][7] GC(1) Pause Young (Allocation Failure) "
                       "512B->100B(1K) 0.010ms",
                       &ev, &in),
                   LG_GC_LINE_EVENT);
  ck_assert_double_eq_tol(ev.uptime_s, 0.75, 1e-12);
  ck_assert_double_eq(ev.after_bytes, 100);
  /* ZGC: a whole-heap cycle, occupancy shares instead of a capacity. */
  ck_assert_int_eq(jvm("[0.300s][9] GC(0) Garbage Collection (Warmup) "
                       "28M(22%)->22M(18%)",
                       &ev, &in),
                   LG_GC_LINE_EVENT);
  ck_assert(ev.full);
  ck_assert(isnan(ev.capacity_bytes));
  ck_assert_double_eq(ev.pause_s, 0);
  ck_assert_str_eq(ev.kind, "Garbage Collection (Warmup)");
  /* gc+init */
  ck_assert_int_eq(jvm("[0.025s][4461] Heap Max Capacity: 256M", &ev, &in),
                   LG_GC_LINE_INFO);
  ck_assert_double_eq(in.max_bytes, 256 * MIB);
  ck_assert_int_eq(in.pid, 4461);
  ck_assert_int_eq(jvm("[0.024s][4461] Version: 17.0.21.1+2-1-deb12u1-Debian "
                       "(release)",
                       &ev, &in),
                   LG_GC_LINE_INFO);
  ck_assert_str_eq(in.version, "17.0.21.1+2-1-deb12u1-Debian");
  /* Phases and concurrent cycles carry no heap figures: not events. */
  ck_assert_int_eq(
      jvm("[1.0s][1] GC(4) Concurrent Mark Cycle 12.345ms", &ev, &in),
      LG_GC_LINE_OTHER);
  ck_assert_int_eq(jvm("[0.007s][8924] Using Serial", &ev, &in),
                   LG_GC_LINE_OTHER);
  ck_assert_int_eq(jvm("Picked up JAVA_TOOL_OPTIONS: -Xlog:gc", &ev, &in),
                   LG_GC_LINE_OTHER);
  /* Cut off or garbled. */
  ck_assert_int_eq(jvm("[1.0s][1] GC(5) Pause Young (Normal) 36M->", &ev, &in),
                   LG_GC_LINE_BAD);
  ck_assert_int_eq(
      jvm("[1.0s][1] GC(5) Pause Young (Normal) 36M->6M(64", &ev, &in),
      LG_GC_LINE_BAD);
  ck_assert_int_eq(jvm("[1.0s][1] GC(5) ->6M(64M) 1.0ms", &ev, &in),
                   LG_GC_LINE_BAD);
  ck_assert_int_eq(
      jvm("[1.0s][1] GC(5) Pause Young 36X->6M(64M) 1ms", &ev, &in),
      LG_GC_LINE_BAD);
  ck_assert_int_eq(
      jvm("[1.0s][1] GC(5) Pause Young 36M->6M(64M) 1.5", &ev, &in),
      LG_GC_LINE_BAD);
  ck_assert_int_eq(jvm("[0.025s][1] Heap Max Capacity: lots", &ev, &in),
                   LG_GC_LINE_BAD);
  ck_assert_int_eq(jvm("[0.025s][1", &ev, &in), LG_GC_LINE_OTHER);
}
END_TEST

START_TEST(node_lines) {
  lg_gc_event ev;
  ck_assert_int_eq(node("[4483:0x14489860]       21 ms: Scavenge 3.9 (4.0) -> "
                        "3.1 (5.0) MB, 1.02 / 0.00 ms  (average mu = 1.000, "
                        "current mu = 1.000) allocation failure;",
                        &ev),
                   LG_GC_LINE_EVENT);
  ck_assert_int_eq(ev.pid, 4483);
  ck_assert_double_eq_tol(ev.uptime_s, 0.021, 1e-12);
  ck_assert_str_eq(ev.kind, "Scavenge");
  ck_assert_double_eq_tol(ev.before_bytes, 3.9 * MIB, 1e-3);
  ck_assert_double_eq_tol(ev.after_bytes, 3.1 * MIB, 1e-3);
  ck_assert_double_eq_tol(ev.capacity_bytes, 5.0 * MIB, 1e-3);
  ck_assert_double_eq_tol(ev.pause_s, 0.00102, 1e-12);
  ck_assert(!ev.full);
  ck_assert_int_eq(node("[2185:0x3e2b6ec0]      438 ms: Mark-Compact 36.7 "
                        "(63.9) -> 31.9 (65.0) MB, 20.96 / 0.00 ms  (+ 29.2 "
                        "ms in 105 steps since start of marking, biggest step "
                        "1.2 ms, walltime since start of marking 50 ms) "
                        "(average mu = 0.9, current mu = 0.8) finalize "
                        "incremental marking via task; GC in old space "
                        "requested",
                        &ev),
                   LG_GC_LINE_EVENT);
  ck_assert(ev.full);
  ck_assert_double_eq_tol(ev.after_bytes, 31.9 * MIB, 1e-3);
  /* V8 >= 11 adds "pooled"; "(reduce)" belongs to the name. */
  ck_assert_int_eq(node("[77:0x5581]   1234 ms: Mark-Compact (reduce) 10.5 "
                        "(12.0) -> 9.5 (11.0) MB, pooled: 0 MB, 5.50 / 0.00 "
                        "ms  (average mu = 0.9) memory reducer;",
                        &ev),
                   LG_GC_LINE_EVENT);
  ck_assert_str_eq(ev.kind, "Mark-Compact (reduce)");
  ck_assert(ev.full);
  ck_assert_double_eq_tol(ev.pause_s, 0.0055, 1e-12);
  ck_assert_int_eq(node("[77:0x5581]   1234 ms: Minor Mark-Sweep 10.5 (12.0) "
                        "-> 9.5 (11.0) MB, 1.00 / 0.00 ms",
                        &ev),
                   LG_GC_LINE_EVENT);
  ck_assert(!ev.full);
  /* Not V8's. */
  ck_assert_int_eq(node("listening on 8080", &ev), LG_GC_LINE_OTHER);
  ck_assert_int_eq(node("[INFO] 12 ms: request", &ev), LG_GC_LINE_OTHER);
  /* Cut off. */
  ck_assert_int_eq(
      node("[4483:0x1448]  21 ms: Scavenge 3.9 (4.0) -> 3.1 (5", &ev),
      LG_GC_LINE_BAD);
  ck_assert_int_eq(node("[4483:0x1448]  21 ms: Scavenge 3.9 (4.0) -> 3.1 "
                        "(5.0) MB, ",
                        &ev),
                   LG_GC_LINE_BAD);
  ck_assert_int_eq(node("[4483:0x1448]  21 ms: ", &ev), LG_GC_LINE_BAD);
}
END_TEST

START_TEST(node_preload_lines) {
  lg_gc_event ev;
  lg_gc_info in;
  const char *info = "lg-node-gc 1 info 11288 v20.20.2 4345298944";
  ck_assert_int_eq(lg_gc_parse_node(info, strlen(info), &ev, &in),
                   LG_GC_LINE_INFO);
  ck_assert_str_eq(in.version, "v20.20.2");
  ck_assert_int_eq(in.pid, 11288);
  ck_assert_double_eq(in.max_bytes, 4345298944.0);
  ck_assert_int_eq(node("lg-node-gc 1 gc 11288 2395.539 1 1.068 4492904 "
                        "6266880 1745356 4345298944",
                        &ev),
                   LG_GC_LINE_EVENT);
  ck_assert_int_eq(ev.pid, 11288);
  ck_assert_double_eq_tol(ev.uptime_s, 2.395539, 1e-9);
  ck_assert_double_eq_tol(ev.pause_s, 0.001068, 1e-12);
  ck_assert_double_eq(ev.after_bytes, 4492904);
  ck_assert_double_eq(ev.capacity_bytes, 6266880);
  ck_assert_double_eq(ev.external_bytes, 1745356);
  ck_assert_str_eq(ev.kind, "minor");
  ck_assert(!ev.full);
  ck_assert_int_eq(node("lg-node-gc 1 gc 7 10.0 4 2.5 100 200 0 300", &ev),
                   LG_GC_LINE_EVENT);
  ck_assert(ev.full);
  ck_assert_str_eq(ev.kind, "major");
  /* Cut off, or a field too many or too few. */
  ck_assert_int_eq(node("lg-node-gc 1 gc 7 10.0 4 2.5 100 200 0", &ev),
                   LG_GC_LINE_BAD);
  ck_assert_int_eq(node("lg-node-gc 1 gc 7 10.0 4 2.5 100 200 0 300 9", &ev),
                   LG_GC_LINE_BAD);
  ck_assert_int_eq(node("lg-node-gc 1 info 7 v20", &ev), LG_GC_LINE_BAD);
  ck_assert_int_eq(node("lg-node-gc 1 what", &ev), LG_GC_LINE_BAD);
  /* Another version of the format is not ours to read. */
  ck_assert_int_eq(node("lg-node-gc 2 gc 7 10.0 4 2.5 100 200 0 300", &ev),
                   LG_GC_LINE_OTHER);
}
END_TEST

START_TEST(oom_lines) {
  lg_runtime_kind who = LG_RUNTIME_AUTO;
  static const struct {
    const char *line;
    lg_runtime_kind who;
  } yes[] = {
      {"Exception in thread \"pool-1-thread-3\" java.lang.OutOfMemoryError: "
       "Java heap space",
       LG_RUNTIME_JVM},
      {"java.lang.OutOfMemoryError: Metaspace", LG_RUNTIME_JVM},
      {"fatal error: runtime: out of memory", LG_RUNTIME_GO},
      {"FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap "
       "out of memory",
       LG_RUNTIME_NODE},
      {"MemoryError", LG_RUNTIME_PYTHON},
      {"MemoryError: cannot allocate", LG_RUNTIME_PYTHON},
  };
  static const char *const no[] = {
      "handled MemoryError gracefully", "MemoryErrorHandler installed",
      "out of memory? no", "OutOfMemoryError test passed", ""};
  size_t i;
  for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
    ck_assert_msg(lg_runtime_oom_line(yes[i].line, strlen(yes[i].line), &who),
                  "%s", yes[i].line);
    ck_assert_int_eq(who, yes[i].who);
  }
  for (i = 0; i < sizeof no / sizeof no[0]; i++)
    ck_assert_msg(!lg_runtime_oom_line(no[i], strlen(no[i]), &who), "%s",
                  no[i]);
}
END_TEST

/* One captured log: parse each line with the runtime's parser, count. */
static void check_log(const char *dir, const char *name, const char *rt) {
  char path[1024], exp[1024], line[8192], want[256], got[256];
  size_t events = 0, full = 0, info = 0, bad = 0, other = 0;
  FILE *f;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  snprintf(exp, sizeof exp, "%s/%.*s.expect", dir, (int)(strlen(name) - 4),
           name);
  f = fopen(path, "r");
  ck_assert_msg(f != NULL, "%s", path);
  while (fgets(line, sizeof line, f)) {
    size_t n = strcspn(line, "\n");
    lg_gc_event ev;
    lg_gc_info in;
    lg_gc_line k = strcmp(rt, "go") == 0 ? lg_gc_parse_go(line, n, &ev)
                   : strcmp(rt, "jvm") == 0
                       ? lg_gc_parse_jvm(line, n, &ev, &in)
                       : lg_gc_parse_node(line, n, &ev, &in);
    if (k == LG_GC_LINE_EVENT) {
      events++;
      full += ev.full;
      ck_assert_msg(isfinite(ev.after_bytes) && ev.after_bytes >= 0 &&
                        isfinite(ev.pause_s) && ev.pause_s >= 0,
                    "%s: %s", name, line);
      ck_assert_msg(isnan(ev.capacity_bytes) || strcmp(rt, "go") == 0 ||
                        ev.after_bytes <= ev.capacity_bytes,
                    "%s: after above capacity: %s", name, line);
    } else if (k == LG_GC_LINE_INFO) {
      info++;
    } else if (k == LG_GC_LINE_BAD) {
      bad++;
    } else {
      other++;
    }
  }
  fclose(f);
  f = fopen(exp, "r");
  ck_assert_msg(f != NULL, "%s", exp);
  ck_assert_ptr_nonnull(fgets(want, sizeof want, f));
  fclose(f);
  want[strcspn(want, "\n")] = '\0';
  snprintf(got, sizeof got, "events %zu full %zu info %zu bad %zu other %zu",
           events, full, info, bad, other);
  ck_assert_msg(strcmp(got, want) == 0, "%s: got '%s', want '%s'", name, got,
                want);
}

START_TEST(captured_logs) {
  static const char *const rts[] = {"go", "jvm", "node"};
  size_t i, n = 0;
  for (i = 0; i < 3; i++) {
    char rel[64], dir[512];
    DIR *d;
    struct dirent *e;
    snprintf(rel, sizeof rel, "tests/data/gclogs/%s", rts[i]);
    lg_test_src(rel, dir, sizeof dir);
    d = opendir(dir);
    ck_assert_msg(d != NULL, "%s", dir);
    while ((e = readdir(d)) != NULL) {
      size_t len = strlen(e->d_name);
      if (len > 4 && strcmp(e->d_name + len - 4, ".log") == 0) {
        check_log(dir, e->d_name, rts[i]);
        n++;
      }
    }
    closedir(d);
  }
  ck_assert_uint_ge(n, 6);
}
END_TEST

int main(void) {
  Suite *s = suite_create("gclog");
  TCase *tc = tcase_create("parse");
  tcase_add_test(tc, go_lines);
  tcase_add_test(tc, go_not_terminated);
  tcase_add_test(tc, jvm_lines);
  tcase_add_test(tc, node_lines);
  tcase_add_test(tc, node_preload_lines);
  tcase_add_test(tc, oom_lines);
  tcase_add_test(tc, captured_logs);
  suite_add_tcase(s, tc);
  return lg_test_run(s);
}
