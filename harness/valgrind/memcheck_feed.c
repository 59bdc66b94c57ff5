/* valgrind/memcheck_feed.c - feeding Memcheck XML to expat without the
 * <suppression> blocks (see valgrind/memcheck_feed.h).
 *
 * With --gen-suppressions=all (cmdline.c) every error carries a
 * <suppression> block - its stack again as <sframe>s and as CDATA - which
 * the reader ignores and which is 29% of the bytes of the leaky fixture's
 * output (tests/data/memcheck/leaky.xml; more for deep stacks). Expat's
 * tokenising is most of the cost (~70 instructions a byte, callgrind in
 * bench/memcheck_xml.c), so those bytes are not fed to it: an exact
 * "<suppression>" found while the current element is <error> starts a
 * region that ends after the next "</suppression>", and expat gets only the
 * region's line breaks plus one space per byte of its last line, so every
 * later line and column expat reports is unchanged. The tag text cannot
 * occur elsewhere in Valgrind's output (text is escaped; the only CDATA is
 * the suppression's own); in other input a region may hide malformed
 * markup, which costs nothing but a missed complaint. Owns nothing beyond
 * the mc_feed state.
 */
#include "valgrind/memcheck_feed.h"

#include <string.h>

static const char supp_open[] = "<suppression>", supp_close[] = "</suppression>";
#define SUPP_OPEN_LEN (sizeof supp_open - 1)
#define SUPP_CLOSE_LEN (sizeof supp_close - 1)

static int xml_feed(XML_Parser xp, const char *s, size_t n) {
  return XML_Parse(xp, s, (int)n, 0) == XML_STATUS_OK ? 0 : -1;
}

/* Feed k copies of byte c (line breaks or spaces). */
static int xml_repeat(XML_Parser xp, char c, size_t k) {
  char fill[256];
  memset(fill, c, sizeof fill);
  while (k > 0) {
    size_t w = k < sizeof fill ? k : sizeof fill;
    if (xml_feed(xp, fill, w))
      return -1;
    k -= w;
  }
  return 0;
}

/* Skip region bytes s[0..n): feed its line breaks; with end, also the spaces
 * that keep the columns of the rest of its last line. */
static int skip_region(mc_feed *f, XML_Parser xp, const char *s, size_t n,
                       bool end) {
  const char *q = s, *nl;
  size_t breaks = 0;
  while ((nl = memchr(q, '\n', (size_t)(s + n - q)))) {
    breaks++;
    q = nl + 1;
  }
  f->tail = breaks ? (size_t)(s + n - q) : f->tail + n;
  if (xml_repeat(xp, '\n', breaks))
    return -1;
  return end ? xml_repeat(xp, ' ', f->tail) : 0;
}

/* Length of the longest suffix of s[0..n) that is a proper prefix of tag:
 * bytes to hold back until the next chunk shows whether the tag is there. */
static size_t partial_tag(const char *s, size_t n, const char *tag,
                          size_t tag_len) {
  size_t k = n < tag_len - 1 ? n : tag_len - 1;
  for (; k > 0; k--)
    if (memcmp(s + n - k, tag, k) == 0)
      return k;
  return 0;
}

size_t lg__mc_feed(mc_feed *f, XML_Parser xp, const char *s, size_t n,
                   bool final) {
  size_t i = 0;
  while (i < n && !f->stop(f->ud)) {
    const char *tag = f->in_supp ? supp_close : supp_open;
    size_t tlen = f->in_supp ? SUPP_CLOSE_LEN : SUPP_OPEN_LEN;
    const char *hit = memmem(s + i, n - i, tag, tlen);
    size_t end = hit ? (size_t)(hit - s) : n;
    if (!hit && !final)
      end -= partial_tag(s + i, n - i, tag, tlen);
    if (f->in_supp) {
      if (skip_region(f, xp, s + i, (hit ? end + tlen : end) - i,
                      hit != NULL))
        return (size_t)-1;
      i = hit ? end + tlen : end;
      f->in_supp = hit == NULL;
      if (!hit)
        break;
      continue;
    }
    if (end > i && xml_feed(xp, s + i, end - i))
      return (size_t)-1;
    i = end;
    if (!hit)
      break;
    /* Everything before the tag is parsed: is it a child of <error>? */
    if (!f->stop(f->ud) && f->in_error(f->ud)) {
      f->in_supp = true;
      f->tail = 0;
    } else {
      if (xml_feed(xp, s + i, tlen))
        return (size_t)-1;
      i += tlen;
    }
  }
  return i;
}
