/* core/regex.h - POSIX extended regular expressions with bounded cost, for
 * the readiness pattern (service.ready.log).
 *
 * The pattern, POSIX ERE as glibc's regcomp reads it (GNU escapes like \s,
 * \w, \b included), is translated to PCRE2 syntax (regex.c says how) and
 * compiled by PCRE2, whose compile memory is linear in the pattern and
 * whose compiled size is capped ("regular expression is too large").
 * glibc's regcomp has no such cap: counted repetitions and optional items
 * make it build epsilon closures quadratic in the expanded pattern
 * ("((|)|(|)){4096}" takes 0.7 GB), which no pre-check on the text could
 * bound reliably. Matching runs under a step and heap limit, so a
 * backtracking pattern cannot stall the capture thread either.
 */
#ifndef LG_CORE_REGEX_H
#define LG_CORE_REGEX_H

#include <stdbool.h>
#include <stddef.h>

#define LG_REGEX_MAX_LEN 1024 /* bytes of pattern accepted */

typedef struct lg_regex lg_regex;

/* Compile pattern (NUL-terminated POSIX ERE). 0 and *out set, or -1 with a
 * one-line reason in msg (never NULL on failure; *out NULL) - the caller
 * adds where the pattern came from. LG_ENOMEM cases also return -1. */
int lg__regex_compile(const char *pattern, lg_regex **out, char *msg,
                      size_t msg_cap);

/* Whether s[0..len) contains a match. A subject that exhausts the match
 * limits counts as no match. Not thread-safe for one lg_regex (it keeps
 * its match data); one thread matches at a time. */
bool lg__regex_match(lg_regex *re, const char *s, size_t len);

void lg__regex_free(lg_regex *re);

#endif
