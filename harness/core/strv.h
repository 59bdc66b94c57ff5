/* core/strv.h - NULL-terminated string vectors: the argv and envp that the
 * service launcher and the container backends build before an exec. */
#ifndef LG_CORE_STRV_H
#define LG_CORE_STRV_H

#include <stddef.h>

/* A vector never holds more than this many entries, its NULL included
 * (an argv). */
#define LG_STRV_MAX 65536

/* v is NULL until the first push, then always NULL-terminated. */
typedef struct lg_strv {
  char **v;
  size_t n, alloc;
} lg_strv;

/* Append a copy of s (0 or LG_ENOMEM / LG_ELIMIT past LG_STRV_MAX). */
int lg__strv_push(lg_strv *sv, const char *s);
int lg__strv_pushf(lg_strv *sv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Hand over the vector (never NULL after a push; an empty one is made). */
char **lg__strv_take(lg_strv *sv);
/* Free the strings and the vector; sv is left empty. */
void lg__strv_cleanup(lg_strv *sv);
/* Free a vector lg__strv_take handed over. */
void lg__strv_free(char **v);

#endif
