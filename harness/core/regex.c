/* core/regex.c - bounded-cost POSIX ERE matching on PCRE2 (see
 * core/regex.h). Owns the compiled code, its match data and contexts. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/regex.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per subject line: backtracking steps and heap (KiB) before giving up.
 * A readiness line is short; a million steps is a few milliseconds. */
#define LG_REGEX_MATCH_LIMIT 1000000u
#define LG_REGEX_HEAP_KIB 8192u

struct lg_regex {
  pcre2_code *code;
  pcre2_match_data *md;
  pcre2_match_context *mctx;
};

static void pcre_msg(int code, const char *what, char *msg, size_t cap) {
  PCRE2_UCHAR text[160];
  if (pcre2_get_error_message(code, text, sizeof text) < 0)
    snprintf((char *)text, sizeof text, "error %d", code);
  snprintf(msg, cap, "%s%s", what, (const char *)text);
}

int lg_regex_compile(const char *pattern, lg_regex **out, char *msg,
                     size_t msg_cap) {
  PCRE2_UCHAR *conv = NULL;
  PCRE2_SIZE conv_len = 0, off = 0, len = strlen(pattern);
  pcre2_compile_context *cctx = NULL;
  lg_regex *re = NULL;
  int rc = -1, ec;

  *out = NULL;
  if (len > LG_REGEX_MAX_LEN) {
    snprintf(msg, msg_cap, "the regex is longer than %d bytes",
             LG_REGEX_MAX_LEN);
    goto cleanup;
  }
  ec = pcre2_pattern_convert((PCRE2_SPTR)pattern, len,
                             PCRE2_CONVERT_POSIX_EXTENDED, &conv, &conv_len,
                             NULL);
  if (ec != 0) {
    /* On failure conv_len is the offset of the problem in the pattern. */
    char what[48];
    snprintf(what, sizeof what, "at offset %zu: ", (size_t)conv_len);
    pcre_msg(ec, what, msg, msg_cap);
    goto cleanup;
  }
  if (!(re = calloc(1, sizeof *re)) ||
      !(cctx = pcre2_compile_context_create(NULL)) ||
      !(re->mctx = pcre2_match_context_create(NULL))) {
    snprintf(msg, msg_cap, "out of memory");
    goto cleanup;
  }
  /* The converted pattern is a little longer than the original (a leading
   * "(*NUL)", escapes for bracket contents). */
  pcre2_set_max_pattern_length(cctx, 4 * LG_REGEX_MAX_LEN + 16);
  re->code = pcre2_compile(conv, conv_len, 0, &ec, &off, cctx);
  if (!re->code && ec == PCRE2_ERROR_PATTERN_TOO_LARGE) {
    snprintf(msg, msg_cap, "too complex: its repetitions expand past the "
             "compiled-size limit");
    goto cleanup;
  }
  if (!re->code) {
    pcre_msg(ec, "", msg, msg_cap);
    goto cleanup;
  }
  if (!(re->md = pcre2_match_data_create(1, NULL))) {
    snprintf(msg, msg_cap, "out of memory");
    goto cleanup;
  }
  pcre2_set_match_limit(re->mctx, LG_REGEX_MATCH_LIMIT);
  pcre2_set_heap_limit(re->mctx, LG_REGEX_HEAP_KIB);
  *out = re;
  re = NULL;
  rc = 0;
cleanup:
  lg_regex_free(re);
  pcre2_compile_context_free(cctx);
  pcre2_converted_pattern_free(conv);
  return rc;
}

bool lg_regex_match(lg_regex *re, const char *s, size_t len) {
  return pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, 0, re->md, re->mctx) >= 0;
}

void lg_regex_free(lg_regex *re) {
  if (!re)
    return;
  pcre2_match_data_free(re->md);
  pcre2_match_context_free(re->mctx);
  pcre2_code_free(re->code);
  free(re);
}
