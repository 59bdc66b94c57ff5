/* leakgate/runtime.h - managed runtimes (Go, JVM, Node, Python): which one a
 * service runs on, how its own GC report is switched on without a code
 * change, and the GC events that report holds (docs/runtimes.md).
 *
 * Detection looks at the command (the program's name, the interpreter of a
 * script, the Go build information of an ELF executable) and, while the
 * service runs, at the processes in its container: a wrapper script that
 * execs java is a JVM. The GC-log parsers read one line at a time, never
 * allocate, and classify every line as a GC event, an information line of
 * the GC log (heap ceiling, runtime version), not theirs, or a line that
 * looks like theirs but does not parse (malformed or cut off): the caller
 * counts those and goes on, so a garbled log never stops a run.
 * Ownership: nothing here allocates; strings are copied into caller buffers
 * and cut to fit.
 */
#ifndef LEAKGATE_RUNTIME_H
#define LEAKGATE_RUNTIME_H

#include <leakgate/error.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef enum lg_runtime_kind {
  LG_RUNTIME_AUTO = 0, /* scenario default: detect */
  LG_RUNTIME_NATIVE,
  LG_RUNTIME_GO,
  LG_RUNTIME_JVM,
  LG_RUNTIME_NODE,
  LG_RUNTIME_PYTHON
} lg_runtime_kind;

/* What a service runs on, and how that was found out. */
typedef struct lg_runtime_info {
  lg_runtime_kind kind;   /* never AUTO once detected */
  char version[64];       /* "go1.19.8", "17.0.21", "v20.20.2"; "" unknown */
  char detected_from[16]; /* scenario, command, script, elf, process */
  /* The command is a script of a shell (or another program leakgate does
   * not know): every managed runtime's report is switched on and the
   * processes that appear decide the runtime. */
  bool wrapper;
} lg_runtime_info;

/* The scenario's name of a kind ("auto", "native", "go", "jvm", ...). */
const char *lg_runtime_name(lg_runtime_kind k);
/* A kind from its name; -1 when unknown. */
int lg_runtime_parse_name(const char *s);

/* Detect from the service's program: path is argv[0] resolved (absolute),
 * read to find a script's interpreter or an ELF's Go build information.
 * Sets kind NATIVE when nothing managed is found. Always 0: a file that
 * cannot be read is simply not recognised (info->wrapper stays false). */
int lg_runtime_detect_program(const char *path, lg_runtime_info *info);

/* Detect from a running process: its executable (/proc/PID/exe, read
 * through the link, so it works across mount namespaces) and its argv[0].
 * procfs_root NULL = "/proc". Returns 1 and fills info (detected_from
 * "process") when the process is a managed runtime, 0 otherwise. */
int lg_runtime_detect_process(const char *procfs_root, pid_t pid,
                              lg_runtime_info *info);

/* The Go version of an ELF executable from its build information (the
 * .go.buildinfo section, or the "\xff Go buildinf:" header in the first
 * writable segment when the section table is stripped): both the inline
 * format of Go >= 1.18 and the pointer format of Go 1.13-1.17. Returns 0
 * with ver filled ("go1.19.8"), LG_ENOENT when the file has no Go build
 * information, LG_EINPUT for a malformed one, LG_EIO when it cannot be read.
 * Reads at most a few KiB past the section; never maps the file. */
int lg_go_build_version(const char *path, char *ver, size_t cap, lg_error *err);

/* One collection as the runtime reported it. Doubles are NAN when the line
 * does not say; bytes are converted from the runtime's unit (Go MB, JVM
 * K/M/G, V8 MB are all powers of 1024). */
typedef struct lg_gc_event {
  double uptime_s;       /* the runtime's own clock (since its start) */
  double before_bytes;   /* heap in use when the collection started */
  double after_bytes;    /* heap in use after it (Go: the live heap marked) */
  double capacity_bytes; /* heap committed (JVM, V8) or the next goal (Go) */
  double pause_s;        /* stop-the-world time of this collection */
  /* Memory outside the heap that the heap's objects keep (V8's ArrayBuffer
   * backing stores: a Buffer's bytes are not in used_heap_size), dead ones
   * included until V8 sweeps them. NAN where the runtime has no such thing
   * or does not say. */
  double external_bytes;
  double gc_cpu_share; /* Go: share of CPU in GC since start (0..1) */
  /* The collection marked the whole heap, so after_bytes is the live heap
   * (every Go cycle, JVM Pause Full and ZGC cycles, V8 Mark-Compact). A
   * young collection's after_bytes also holds old-generation garbage. */
  bool full;
  long long seq; /* the runtime's collection number; -1 unknown */
  long pid;      /* the process (JVM decorator, V8 prefix); 0 unknown */
  char kind[48]; /* "gc", "Pause Young (Normal)", "Scavenge", ... */
} lg_gc_event;

/* An information line of a GC log (JVM gc+init): the heap ceiling
 * (max_bytes) or the runtime's version; fields not given are NAN / "". */
typedef struct lg_gc_info {
  double max_bytes;
  char version[64];
  long pid;
} lg_gc_info;

typedef enum lg_gc_line {
  LG_GC_LINE_OTHER = 0, /* not a line of this GC log */
  LG_GC_LINE_EVENT = 1, /* ev filled */
  LG_GC_LINE_INFO = 2,  /* info filled */
  LG_GC_LINE_BAD = 3    /* looks like one but does not parse: count, skip */
} lg_gc_line;

/* Parse one line (without its newline; need not be NUL-terminated) of Go's
 * GODEBUG=gctrace=1 output. Go never writes information lines. */
lg_gc_line lg_gc_parse_go(const char *line, size_t len, lg_gc_event *ev);
/* One line of the JVM's unified logging -Xlog:gc,gc+init with the uptime
 * and pid decorators ("[1.234s][4242] GC(7) Pause Full (...) 60M->59M(64M)
 * 45.6ms"); also ZGC's "28M(22%)->22M(18%)" form and gc+init's "Heap Max
 * Capacity" and "Version" lines. */
lg_gc_line lg_gc_parse_jvm(const char *line, size_t len, lg_gc_event *ev,
                           lg_gc_info *info);
/* One line of V8's --trace-gc output ("[pid:0xisolate] 21 ms: Scavenge 3.9
 * (4.0) -> 3.1 (5.0) MB, 1.02 / 0.00 ms ...") or of the GC log leakgate's
 * Node preload writes ("lg-node-gc 1 gc PID T_MS KIND PAUSE_MS USED TOTAL
 * EXTERNAL LIMIT", "lg-node-gc 1 info PID VERSION LIMIT"; docs/runtimes.md). */
lg_gc_line lg_gc_parse_node(const char *line, size_t len, lg_gc_event *ev,
                            lg_gc_info *info);

/* Whether a line of the service's output says its runtime ran out of memory
 * (JVM java.lang.OutOfMemoryError, Go "fatal error: runtime: out of
 * memory", V8 "heap out of memory", Python MemoryError); *who is the runtime
 * whose wording it is. */
bool lg_runtime_oom_line(const char *line, size_t len, lg_runtime_kind *who);

#endif
