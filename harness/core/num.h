/* core/num.h - integers to decimal text without stdio, for per-request
 * rendering (templates, HTTP Content-Length): no allocation, no locale. */
#ifndef LG_CORE_NUM_H
#define LG_CORE_NUM_H

#include <stddef.h>
#include <stdint.h>

/* Decimal digits of an unsigned 64-bit value: at most 20. */
#define LG_U64_DIGITS 20

/* Write v in decimal at out (no NUL; out has LG_U64_DIGITS bytes free);
 * returns the number of digits. */
size_t lg__put_u64(char *out, uint64_t v);

#endif
