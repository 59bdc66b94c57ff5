/* valgrind/memcheck_feed.h - feed Memcheck XML to expat with the
 * <suppression> blocks of errors left out (memcheck_feed.c says why and
 * how); internal to the valgrind module. */
#ifndef LG_VALGRIND_MEMCHECK_FEED_H
#define LG_VALGRIND_MEMCHECK_FEED_H

#include <expat.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct mc_feed {
  bool (*in_error)(void *ud); /* the current element is an <error> */
  bool (*stop)(void *ud);     /* the reader has failed: feed nothing more */
  void *ud;
  bool in_supp; /* inside a skipped block */
  size_t tail;  /* bytes of the block since its last line break */
} mc_feed;

/* Feed s[0..n) to xp. Unless final, holds back a tail that may be the start
 * of a tag (under 16 bytes; pass it again, followed by more input). Returns
 * the bytes consumed, or (size_t)-1 when expat failed. */
size_t lg__mc_feed(mc_feed *f, XML_Parser xp, const char *s, size_t n,
                   bool final);

#endif
