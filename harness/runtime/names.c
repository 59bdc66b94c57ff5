/* runtime/names.c - runtime names and the out-of-memory wording of each
 * runtime's output (leakgate/runtime.h). */
#include <leakgate/runtime.h>

#include <string.h>

static const char *const names[] = {
    [LG_RUNTIME_AUTO] = "auto", [LG_RUNTIME_NATIVE] = "native",
    [LG_RUNTIME_GO] = "go",     [LG_RUNTIME_JVM] = "jvm",
    [LG_RUNTIME_NODE] = "node", [LG_RUNTIME_PYTHON] = "python"};
/* lg_runtime_parse_name returns positions as kinds */
_Static_assert(sizeof names / sizeof names[0] == LG_RUNTIME_PYTHON + 1,
               "every runtime kind has its name");

const char *lg_runtime_name(lg_runtime_kind k) {
  return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "unknown";
}

int lg_runtime_parse_name(const char *s) {
  size_t i;
  for (i = 0; s && i < sizeof names / sizeof names[0]; i++)
    if (strcmp(s, names[i]) == 0)
      return (int)i;
  return -1;
}

/* What each runtime prints when its heap is exhausted, wherever the line
 * comes from (a stack trace, a logger's prefix, the runtime's own fatal
 * error). Python's is the exception name alone at the start of a line, as
 * a traceback ends: "MemoryError" is too common a word to match inside
 * other text. */
static const struct {
  const char *text;
  lg_runtime_kind who;
  bool at_start;
} oom_words[] = {
    {"java.lang.OutOfMemoryError", LG_RUNTIME_JVM, false},
    {"fatal error: runtime: out of memory", LG_RUNTIME_GO, false},
    {"runtime: out of memory: cannot allocate", LG_RUNTIME_GO, false},
    {"JavaScript heap out of memory", LG_RUNTIME_NODE, false},
    {"MemoryError", LG_RUNTIME_PYTHON, true},
};

bool lg_runtime_oom_line(const char *line, size_t len, lg_runtime_kind *who) {
  size_t i;
  for (i = 0; i < sizeof oom_words / sizeof oom_words[0]; i++) {
    const char *w = oom_words[i].text;
    size_t n = strlen(w);
    if (oom_words[i].at_start) {
      if (len < n || memcmp(line, w, n) != 0 ||
          (len > n && line[n] != ':' && line[n] != ' '))
        continue;
    } else if (!memmem(line, len, w, n)) {
      continue;
    }
    if (who)
      *who = oom_words[i].who;
    return true;
  }
  return false;
}
