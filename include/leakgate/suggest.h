/* leakgate/suggest.h - "did you mean" for names a user typed: scenario keys
 * (the loader) and command-line options and commands (the CLI), so every
 * typo gets the same kind of hint. */
#ifndef LEAKGATE_SUGGEST_H
#define LEAKGATE_SUGGEST_H

#include <stddef.h>

/* The entry of names[0..n) closest to word (Levenshtein distance, case-
 * insensitive, word of wlen bytes) when it is close enough to be a typo of
 * it: at most 1 edit for names of up to 4 bytes, 2 for longer ones. NULL
 * when none is; words or names over 64 bytes never match. O(n * 64^2). */
const char *lg_suggest(const char *word, size_t wlen,
                       const char *const *names, size_t n);

#endif
