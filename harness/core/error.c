/* core/error.c - the error table and message helpers of leakgate/error.h.
 * Owns nothing on the heap; messages are truncated to LG_ERROR_MSG_MAX. */
#include <leakgate/error.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#undef lg_error_set /* the analyzer-only macro of error.h */

int lg_error_set(lg_error *err, int code, const char *fmt, ...) {
  if (err) {
    va_list ap;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}

int lg_error_prefix(lg_error *err, int code, const char *fmt, ...) {
  char prefix[LG_ERROR_MSG_MAX];
  char old[LG_ERROR_MSG_MAX];
  va_list ap;
  if (!err)
    return code;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  memcpy(old, err->msg, sizeof old);
  /* Truncation is acceptable: the message is for humans and stays bounded. */
  {
    size_t n = strlen(prefix);
    if (n > sizeof err->msg - 3)
      n = sizeof err->msg - 3;
    memcpy(err->msg, prefix, n);
    err->msg[n] = ':';
    err->msg[n + 1] = ' ';
    n += 2;
    snprintf(err->msg + n, sizeof err->msg - n, "%.*s",
             (int)(sizeof err->msg - n - 1), old);
  }
  return code;
}

void lg_error_clear(lg_error *err) {
  if (err) {
    err->code = LG_OK;
    err->msg[0] = '\0';
  }
}

const char *lg_err_name(int code) {
  switch (code) {
  case LG_OK:
    return "OK";
#define LG_XX_NAME(name, value, exit, msg)                                     \
  case LG_##name:                                                              \
    return #name;
    LG_ERRNO_MAP(LG_XX_NAME)
#undef LG_XX_NAME
  }
  return "UNKNOWN";
}

const char *lg_strerror(int code) {
  switch (code) {
  case LG_OK:
    return "success";
#define LG_XX_MSG(name, value, exit, msg)                                      \
  case LG_##name:                                                              \
    return msg;
    LG_ERRNO_MAP(LG_XX_MSG)
#undef LG_XX_MSG
  }
  return "unknown error";
}

int lg_error_exit_code(int code) {
  switch (code) {
  case LG_OK:
    return LG_EXIT_PASS;
#define LG_XX_EXIT(name, value, exit, msg)                                     \
  case LG_##name:                                                              \
    return exit;
    LG_ERRNO_MAP(LG_XX_EXIT)
#undef LG_XX_EXIT
  }
  return LG_EXIT_ERROR;
}
