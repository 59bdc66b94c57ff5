/* tests/fuzz/regex/fuzz_regex.c - libFuzzer target for the readiness regex
 * (core/regex.c: the glibc-ERE to PCRE2 translation, compile and match),
 * built by tests/fuzz/run.sh.
 *
 * Input: PATTERN, a NUL byte, then a SUBJECT line (no NUL: the whole input
 * is the pattern). Besides "no crash, no leak, no UB" the target checks the
 * promises: a failure leaves no regex and a one-line reason; a pattern
 * longer than the limit is refused; a compiled pattern matches any subject
 * without crashing (its cost is bounded by the step and heap limits, and
 * libFuzzer's RSS and time limits catch a pattern that escapes them). */
#include "core/regex.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nul = memchr(data, 0, size);
  size_t plen = nul ? (size_t)(nul - data) : size;
  char *pat = malloc(plen + 1), msg[256];
  lg_regex *re = (lg_regex *)pat; /* must be reset to NULL on failure */
  if (!pat)
    return 0;
  memcpy(pat, data, plen);
  pat[plen] = '\0';
  msg[0] = '\0';
  if (lg__regex_compile(pat, &re, msg, sizeof msg) != 0) {
    if (re || !msg[0] || strchr(msg, '\n'))
      abort();
  } else {
    if (!re || plen > LG_REGEX_MAX_LEN)
      abort();
    if (nul)
      (void)lg__regex_match(re, (const char *)nul + 1, size - plen - 1);
    else
      (void)lg__regex_match(re, pat, plen);
    lg__regex_free(re);
  }
  free(pat);
  return 0;
}
