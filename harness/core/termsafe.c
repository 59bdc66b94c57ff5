/* core/termsafe.c - neutralise what a terminal would obey (see
 * core/termsafe.h). O(length), one pass, in place. */
#include "core/termsafe.h"

int lg__term_char(const char *s, bool newline) {
  const unsigned char *p = (const unsigned char *)s;
  unsigned cp, need, i;
  if (p[0] == 0)
    return 0;
  if (p[0] < 0x80) {
    if (p[0] == '\t' || (newline && p[0] == '\n'))
      return 1;
    return p[0] < 0x20 || p[0] == 0x7F ? -1 : 1;
  }
  /* UTF-8: the lead byte says how many continuation bytes follow; overlong
   * forms, surrogates and code points past U+10FFFF are not well-formed. */
  if (p[0] >= 0xC2 && p[0] <= 0xDF) {
    need = 1;
    cp = p[0] & 0x1F;
  } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
    need = 2;
    cp = p[0] & 0x0F;
  } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
    need = 3;
    cp = p[0] & 0x07;
  } else {
    return -1; /* a continuation byte alone, or 0xC0, 0xC1, 0xF5.. */
  }
  for (i = 1; i <= need; i++) {
    if ((p[i] & 0xC0) != 0x80)
      return -(int)i; /* cut short: the bytes so far */
    cp = cp << 6 | (p[i] & 0x3F);
  }
  if ((need == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
      (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
    return -(int)(need + 1);
  if (cp >= 0x80 && cp <= 0x9F)
    return -(int)(need + 1); /* C1 control */
  return (int)(need + 1);
}

char *lg__term_sanitize(char *s, bool newline) {
  char *r = s, *w = s;
  int n;
  if (!s)
    return s;
  while ((n = lg__term_char(r, newline)) != 0) {
    if (n > 0) {
      while (n-- > 0)
        *w++ = *r++;
    } else {
      *w++ = '?';
      r += -n;
    }
  }
  *w = '\0';
  return s;
}
