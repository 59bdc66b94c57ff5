/* container/cmd.c - small text helpers of the wrapping backends and
 * probes (see container/ct_int.h): bounded message formatting, the first
 * line of a command's output, safe unique unit/container names and
 * environment-entry matching, and lg__ct_tool_run, a helper command judged by
 * its exit status (on core/proc.h's lg__run_capture). Nothing
 * outlives a call except lg__ct_unique_name's string, which the caller frees.
 */
#include "container/ct_int.h"

#include "core/clock.h"

#include <stdarg.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *lg__ct_first_line(const char *out, char *buf, size_t cap) {
  size_t n = 0;
  while (*out == '\n' || *out == ' ')
    out++;
  while (out[n] && out[n] != '\n' && n < 300 && n + 1 < cap)
    n++;
  memcpy(buf, out, n);
  buf[n] = '\0';
  if (n == 0)
    snprintf(buf, cap, "(no output)");
  return buf;
}

const char *lg__ct_last_line(const char *out, char *buf, size_t cap) {
  const char *end = out + strlen(out), *start;
  while (end > out && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
    end--;
  start = end;
  while (start > out && start[-1] != '\n')
    start--;
  return lg__ct_first_line(start, buf, cap);
}

void lg__ct_clean_name(char *out, size_t cap, const char *name) {
  size_t i = 0;
  for (; name && *name && i + 1 < cap && i < 64; name++) {
    char ch = *name;
    out[i++] = ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.')
                   ? ch
                   : '_';
  }
  if (i == 0)
    lg__ct_setf(out, cap, "run");
  else
    out[i] = '\0';
}

char *lg__ct_unique_name(const char *name) {
  char clean[72], *out = NULL;
  lg__ct_clean_name(clean, sizeof clean, name);
  /* The monotonic clock in ns is unique per call within the process; the
   * pid makes it unique across processes. */
  if (asprintf(&out, "leakgate-%ld-%llx-%s", (long)getpid(),
               (unsigned long long)lg__now_ns(), clean) < 0)
    return NULL;
  return out;
}

void lg__ct_appendf(char *buf, size_t cap, const char *fmt, ...) {
  va_list ap;
  size_t len = strnlen(buf, cap);
  if (len + 1 >= cap)
    return;
  va_start(ap, fmt);
  (void)vsnprintf(buf + len, cap - len, fmt, ap);
  va_end(ap);
}

void lg__ct_setf(char *buf, size_t cap, const char *fmt, ...) {
  va_list ap;
  if (!cap)
    return;
  va_start(ap, fmt);
  (void)vsnprintf(buf, cap, fmt, ap);
  va_end(ap);
}

int lg__ct_tool_run(const char *tool, char *const *args, double timeout_s,
                    char *out, size_t cap) {
  char *argv[CT_TOOL_ARGS_MAX + 2];
  size_t i;
  int status = 0;
  lg_error e;
  argv[0] = (char *)tool;
  for (i = 0; i < CT_TOOL_ARGS_MAX && args[i]; i++)
    argv[i + 1] = args[i];
  argv[i + 1] = NULL;
  if (lg__run_capture(argv, NULL, timeout_s, out, cap, &status, &e) != 0) {
    lg__ct_setf(out, cap, "%s", e.msg);
    return -1;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

bool lg__ct_env_is(const char *entry, const char *name) {
  size_t l = strlen(name);
  return strncmp(entry, name, l) == 0 && entry[l] == '=';
}
