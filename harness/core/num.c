/* core/num.c - integer to decimal text (see core/num.h). */
#include "core/num.h"

size_t lg__put_u64(char *out, uint64_t v) {
  char tmp[LG_U64_DIGITS];
  size_t n = 0, i;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (i = 0; i < n; i++)
    out[i] = tmp[n - 1 - i];
  return n;
}
