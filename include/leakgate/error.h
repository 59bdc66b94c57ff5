/* leakgate/error.h - error codes and the caller-provided error message.
 *
 * Every libleakgate function that can fail returns 0 or a negative LG_E* code
 * and, when given a non-NULL lg_error, fills it with a one-line human message
 * ("scenario.yaml:12:5: load.rate: expected a number, got 'fast'").
 * The library never prints and never exits: lg_error_exit_code() tells the
 * command which DESIGN exit code (LG_EXIT_USAGE for input, LG_EXIT_ERROR
 * for infrastructure) a code maps to.
 */
#ifndef LEAKGATE_ERROR_H
#define LEAKGATE_ERROR_H

#include <stddef.h>

/* The exit codes of every leakgate command (DESIGN section 2): what a
 * result's exit_code and lg_error_exit_code give. */
typedef enum {
  LG_EXIT_PASS = 0,         /* no leak, no regression, every check held */
  LG_EXIT_FAIL = 1,         /* leak, regression, OOM kill, crash, budget */
  LG_EXIT_USAGE = 2,        /* usage or input error */
  LG_EXIT_INCONCLUSIVE = 3, /* the run cannot decide */
  LG_EXIT_ERROR = 4         /* infrastructure error */
} lg_exit_code;

/* XX(name, value, exit code, message) - the one table of error codes. */
#define LG_ERRNO_MAP(XX)                                                       \
  XX(EINPUT, -1, LG_EXIT_USAGE, "invalid input")                               \
  XX(EUSAGE, -2, LG_EXIT_USAGE, "invalid usage")                               \
  XX(ENOMEM, -3, LG_EXIT_ERROR, "out of memory")                               \
  XX(EIO, -4, LG_EXIT_ERROR, "input/output error")                             \
  XX(ESYS, -5, LG_EXIT_ERROR, "system call failed")                            \
  XX(ECGROUP, -6, LG_EXIT_ERROR, "cgroup unavailable")                         \
  XX(ESTART, -7, LG_EXIT_ERROR, "service failed to start")                     \
  XX(ENOTREADY, -8, LG_EXIT_ERROR, "service did not become ready")             \
  XX(ETOOL, -9, LG_EXIT_ERROR, "external tool missing or failed")              \
  XX(ETIMEOUT, -10, LG_EXIT_ERROR, "timed out")                                \
  XX(EINTR, -11, LG_EXIT_ERROR, "interrupted")                                 \
  XX(ENOTSUP, -12, LG_EXIT_ERROR, "not supported here")                        \
  XX(ENOENT, -13, LG_EXIT_USAGE, "no such file")                               \
  XX(ELIMIT, -14, LG_EXIT_ERROR, "hard limit reached")

typedef enum {
  LG_OK = 0,
#define LG_XX_ENUM(name, value, exit, msg) LG_##name = (value),
  LG_ERRNO_MAP(LG_XX_ENUM)
#undef LG_XX_ENUM
} lg_errcode;

#define LG_ERROR_MSG_MAX 1024

/* A filled error: the code and a human message naming what failed and where. */
typedef struct lg_error {
  int code;
  char msg[LG_ERROR_MSG_MAX];
} lg_error;

/* Set code and a printf-formatted message on err (which may be NULL); returns
 * code. */
int lg_error_set(lg_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#ifdef __clang_analyzer__
/* For clang-tidy's analyzer only (ci/lint.sh): it analyses one file at a
 * time, cannot see that lg_error_set returns its code, and so follows
 * impossible "error returned 0" paths. Same call, result made visible. */
#define lg_error_set(err, code, ...)                                           \
  (lg_error_set(err, code, __VA_ARGS__), (code))
#endif

/* Prefix err's message (when err is not NULL) with a printf-formatted
 * context and ": "; returns code, the failure being passed on, so a caller
 * without an lg_error still gets the real code (an ENOMEM stays one). */
int lg_error_prefix(lg_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reset err to LG_OK with an empty message. */
void lg_error_clear(lg_error *err);

/* The short symbolic name of a code ("EINPUT"), or "UNKNOWN". */
const char *lg_err_name(int code);

/* The generic message of a code ("invalid input"). */
const char *lg_strerror(int code);

/* The DESIGN exit code for a failure with this code: LG_EXIT_USAGE for
 * input, LG_EXIT_ERROR otherwise (LG_EXIT_PASS for LG_OK). */
int lg_error_exit_code(int code);

#endif
