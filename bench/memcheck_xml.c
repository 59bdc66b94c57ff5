/* bench/memcheck_xml.c - Memcheck XML with 100k leak records (target:
 * parsed in < 2 s).
 *
 * Generates a protocol-4 file like `valgrind --xml=yes --gen-suppressions=
 * all --num-callers=24` writes it (each record: xwhat with leakedbytes and
 * leakedblocks, a stack with obj/fn/dir/file/line, a suppression block
 * with the whole stack again as <sframe>s and as CDATA rawtext, as Valgrind
 * writes it), fixed seed, in two shapes: short C stacks (4-7 frames, 2.0 KB
 * a record, like the fixture's) and deep C++ stacks (6-14 frames with long
 * names, 4.0 KB). Times lg_memcheck_parse_file against,
 * in the same run, `xmllint --stream --noout` (libxml2's streaming reader,
 * which only checks well-formedness) on the same file; CPU and wall time.
 * Expat itself bounds the speed (~70 instructions per byte): the parser's
 * own work is ~25% on top (callgrind over 3000 records of each shape: 71
 * instructions a byte in libexpat, 24% more outside it), so the parser
 * does not give expat the <suppression> blocks it ignores (29% of the
 * fixture's bytes, more for deep stacks).
 * Usage: bench_memcheck_xml [FILE [RECORDS]].
 */
#include <leakgate/template.h> /* lg_xorshift64 */
#include <leakgate/valgrind.h>

#include "../harness/core/clock.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *kinds[] = {"Leak_DefinitelyLost", "Leak_IndirectlyLost",
                              "Leak_PossiblyLost"};
static const char *words[] = {"definitely", "indirectly", "possibly"};

/* deep: 6-14 frames of C++ names with directories (--num-callers=24
 * stacks of a C++ service); else 4-7 short C frames like the fixture's. */
static int generate(const char *path, long records, int deep, uint64_t *rng) {
  FILE *f = fopen(path, "w");
  long i;
  if (!f)
    return -1;
  fprintf(f, "<?xml version=\"1.0\"?>\n\n<valgrindoutput>\n\n"
             "<protocolversion>4</protocolversion>\n"
             "<protocoltool>memcheck</protocoltool>\n\n<preamble>\n"
             "  <line>Memcheck, a memory error detector</line>\n</preamble>\n\n"
             "<pid>4242</pid>\n<ppid>1</ppid>\n<tool>memcheck</tool>\n\n"
             "<status>\n  <state>RUNNING</state>\n  <time>00:00:00:00.05 "
             "</time>\n</status>\n\n<status>\n  <state>FINISHED</state>\n"
             "  <time>00:00:10:00.00 </time>\n</status>\n\n");
  for (i = 0; i < records; i++) {
    int k = (int)(lg_xorshift64(rng) % 3), d;
    int depth = deep ? 6 + (int)(lg_xorshift64(rng) % 9)
                     : 4 + (int)(lg_xorshift64(rng) % 4);
    long bytes = 16 + (long)(lg_xorshift64(rng) % 100000),
         blocks = 1 + (long)(lg_xorshift64(rng) % 50);
    fprintf(f,
            "<error>\n  <unique>0x%lx</unique>\n  <tid>1</tid>\n"
            "  <kind>%s</kind>\n  <xwhat>\n    <text>%ld bytes in %ld blocks "
            "are %s lost in loss record %ld of %ld</text>\n"
            "    <leakedbytes>%ld</leakedbytes>\n"
            "    <leakedblocks>%ld</leakedblocks>\n  </xwhat>\n  <stack>\n"
            "    <frame>\n      <ip>0x48417B4</ip>\n      <obj>/usr/libexec/"
            "valgrind/vgpreload_memcheck-amd64-linux.so</obj>\n"
            "      <fn>malloc</fn>\n    </frame>\n",
            i, kinds[k], bytes, blocks, words[k], i + 1, records, bytes,
            blocks);
    for (d = 1; d < depth; d++)
      if (!deep)
        fprintf(f,
                "    <frame>\n      <ip>0x%" PRIx64 "</ip>\n      <obj>/srv/"
                "bin/service</obj>\n      <fn>fn_%ld_%d</fn>\n"
                "      <dir>/src</dir>\n      <file>f%d.c</file>\n"
                "      <line>%d</line>\n    </frame>\n",
                (uint64_t)0x100000 + lg_xorshift64(rng) % 0xfffff, i % 997, d,
                d, (int)(lg_xorshift64(rng) % 3000) + 1);
      else
        fprintf(
            f,
            "    <frame>\n      <ip>0x%" PRIx64 "</ip>\n      <obj>/srv/"
            "bin/service</obj>\n      <fn>module%ld::function_%d(int, "
            "char const*)</fn>\n      <dir>/home/ci/work/src/module%ld</dir>\n"
            "      <file>part_%d.cc</file>\n      <line>%d</line>\n"
            "    </frame>\n",
            (uint64_t)0x100000 + lg_xorshift64(rng) % 0xfffff, i % 997, d,
            i % 997, d, (int)(lg_xorshift64(rng) % 3000) + 1);
    /* --gen-suppressions=all: the whole stack again, as <sframe>s and as
     * the suppression's text (Valgrind 3.19, tests/data/memcheck). */
    fprintf(f,
            "  </stack>\n  <suppression>\n    <sname>insert_a_suppression_"
            "name_here</sname>\n    <skind>Memcheck:Leak</skind>\n"
            "    <skaux>match-leak-kinds: %s</skaux>\n"
            "    <sframe> <fun>malloc</fun> </sframe>\n",
            words[k]);
    for (d = 1; d < depth; d++)
      if (deep)
        fprintf(f, "    <sframe> <fun>module%ld::function_%d(int, char "
                "const*)</fun> </sframe>\n", i % 997, d);
      else
        fprintf(f, "    <sframe> <fun>fn_%ld_%d</fun> </sframe>\n", i % 997,
                d);
    fprintf(f, "    <rawtext>\n<![CDATA[\n{\n   <insert_a_suppression_name_"
            "here>\n   Memcheck:Leak\n   match-leak-kinds: %s\n   fun:malloc\n",
            words[k]);
    for (d = 1; d < depth; d++)
      if (deep)
        fprintf(f, "   fun:module%ld::function_%d(int, char const*)\n",
                i % 997, d);
      else
        fprintf(f, "   fun:fn_%ld_%d\n", i % 997, d);
    fputs("}\n]]>\n    </rawtext>\n  </suppression>\n</error>\n\n", f);
  }
  fprintf(f, "<errorcounts>\n</errorcounts>\n\n<suppcounts>\n</suppcounts>\n\n"
             "</valgrindoutput>\n\n");
  return fclose(f);
}

static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU seconds of finished children (user + system). */
static double child_cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_CHILDREN, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

static double run(const char *cmd) {
  double t0 = lg__now_s();
  if (system(cmd) != 0)
    return -1;
  return lg__now_s() - t0;
}

static int bench(const char *path, long records, int deep, uint64_t *rng) {
  lg_result *r = NULL;
  lg_error err;
  struct stat st;
  double t, best = 1e9, tx, c, cbest = 1e9, cx;
  char cmd[4096];
  int i;

  if (generate(path, records, deep, rng) != 0 || stat(path, &st) != 0) {
    fprintf(stderr, "cannot write %s\n", path);
    return 1;
  }
  printf("%s stacks: %s, %.1f MB, %ld leak records (%.2f KB each)\n",
         deep ? "deep C++" : "short C", path, st.st_size / 1048576.0, records,
         st.st_size / 1024.0 / records);
  snprintf(cmd, sizeof cmd, "cat '%s' > /dev/null", path);
  run(cmd);
  for (i = 0; i < 3; i++) {
    lg_result_free(r);
    r = lg_result_new();
    t = lg__now_s();
    c = cpu_s();
    if (lg_memcheck_parse_file(path, &r->memcheck, &err) != 0) {
      fprintf(stderr, "parse failed: %s\n", err.msg);
      return 1;
    }
    c = cpu_s() - c;
    t = lg__now_s() - t;
    best = t < best ? t : best;
    cbest = c < cbest ? c : cbest;
  }
  /* CPU time is what the parser costs; wall time also counts the other
   * jobs of a shared machine. */
  printf("  leakgate Memcheck parser: %.3f s wall, %.3f s CPU (best of 3), "
         "%.0f MB/s; %zu leaks, %.0f B definitely lost\n",
         best, cbest, st.st_size / 1048576.0 / best, r->memcheck.n_leaks,
         r->memcheck.definitely_lost_bytes);
  snprintf(cmd, sizeof cmd, "xmllint --stream --noout '%s'", path);
  cx = child_cpu_s();
  tx = run(cmd);
  cx = child_cpu_s() - cx;
  if (tx > 0)
    printf("  peer xmllint --stream --noout: %.3f s wall, %.3f s CPU; "
           "leakgate/xmllint ratio %.2f wall, %.2f CPU\n",
           tx, cx, best / tx, cbest / cx);
  else
    printf("  peer xmllint: not available\n");
  printf("  target < 2 s for 100k records: %s (wall), %s (CPU)\n",
         best < 2 ? "met" : "NOT met", cbest < 2 ? "met" : "NOT met");
  lg_result_free(r);
  return 0;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "/tmp/lg_bench_memcheck.xml";
  /* the file is removed at the end: it is regenerated per shape */
  long records = argc > 2 ? atol(argv[2]) : 100000;
  uint64_t rng = 0x9E3779B97F4A7C15ULL; /* fixed seed: the same files */
  int rc = bench(path, records, 0, &rng);
  if (rc == 0)
    rc = bench(path, records, 1, &rng);
  unlink(path);
  return rc;
}
