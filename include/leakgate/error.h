/* leakgate/error.h - error codes and the caller-provided error message.
 *
 * Every libleakgate function that can fail returns 0 or a negative LG_E* code
 * and, when given a non-NULL lg_error, fills it with a one-line human message
 * ("scenario.yaml:12:5: load.rate: expected a number, got 'fast'").
 * The library never prints and never exits: lg_error_exit_code() tells the
 * command which DESIGN exit code (2 input, 4 infrastructure) a code maps to.
 */
#ifndef LEAKGATE_ERROR_H
#define LEAKGATE_ERROR_H

#include <stddef.h>

/* XX(name, value, exit code, message) - the one table of error codes. */
#define LG_ERRNO_MAP(XX)                                                        \
  XX(EINPUT, -1, 2, "invalid input")                                           \
  XX(EUSAGE, -2, 2, "invalid usage")                                           \
  XX(ENOMEM, -3, 4, "out of memory")                                           \
  XX(EIO, -4, 4, "input/output error")                                         \
  XX(ESYS, -5, 4, "system call failed")                                        \
  XX(ECGROUP, -6, 4, "cgroup unavailable")                                     \
  XX(ESTART, -7, 4, "service failed to start")                                 \
  XX(ENOTREADY, -8, 4, "service did not become ready")                         \
  XX(ETOOL, -9, 4, "external tool missing or failed")                          \
  XX(ETIMEOUT, -10, 4, "timed out")                                            \
  XX(EINTR, -11, 4, "interrupted")                                             \
  XX(ENOTSUP, -12, 4, "not supported here")                                    \
  XX(ENOENT, -13, 2, "no such file")                                           \
  XX(ELIMIT, -14, 4, "hard limit reached")

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

/* Set code and a printf-formatted message on err (which may be NULL); returns code. */
int lg_error_set(lg_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#ifdef __clang_analyzer__
/* For clang-tidy's analyzer only (ci/lint.sh): it analyses one file at a
 * time, cannot see that lg_error_set returns its code, and so follows
 * impossible "error returned 0" paths. Same call, result made visible. */
#define lg_error_set(err, code, ...)                                           \
  (lg_error_set(err, code, __VA_ARGS__), (code))
#endif

/* Prefix err's message with a printf-formatted context and ": "; returns err->code. */
int lg_error_prefix(lg_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reset err to LG_OK with an empty message. */
void lg_error_clear(lg_error *err);

/* The short symbolic name of a code ("EINPUT"), or "UNKNOWN". */
const char *lg_err_name(int code);

/* The generic message of a code ("invalid input"). */
const char *lg_strerror(int code);

/* The DESIGN exit code for a failure with this code: 2 for input, 4 otherwise. */
int lg_error_exit_code(int code);

#endif
