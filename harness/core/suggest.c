/* core/suggest.c - "did you mean": the closest known name to a typed one
 * (leakgate/suggest.h). No allocation, no state. */
#include <leakgate/suggest.h>

#include <ctype.h>
#include <string.h>

#define SUGGEST_MAX 64

/* Levenshtein distance of two short strings, case-insensitive; O(|a|*|b|)
 * with |a|, |b| <= 64 (longer strings return a large distance). */
static size_t distance(const char *a, size_t la, const char *b) {
  size_t lb = strlen(b), i, j, prev[SUGGEST_MAX + 1], cur[SUGGEST_MAX + 1];
  if (la > SUGGEST_MAX || lb > SUGGEST_MAX)
    return 1000;
  for (j = 0; j <= lb; j++)
    prev[j] = j;
  for (i = 1; i <= la; i++) {
    cur[0] = i;
    for (j = 1; j <= lb; j++) {
      size_t sub = prev[j - 1] + (tolower((unsigned char)a[i - 1]) !=
                                  tolower((unsigned char)b[j - 1]));
      size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
      cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
    }
    memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
  }
  return prev[lb];
}

const char *lg_suggest(const char *word, size_t wlen, const char *const *names,
                       size_t n) {
  size_t i, best = 0, bestd = 1000;
  for (i = 0; i < n; i++) {
    size_t d = distance(word, wlen, names[i]);
    if (d < bestd) {
      bestd = d;
      best = i;
    }
  }
  if (n && bestd <= (strlen(names[best]) <= 4 ? 1u : 2u))
    return names[best];
  return NULL;
}
