/* core/termsafe.h - text shown on a terminal or in a CI log that neither
 * may obey: a result name, a CSV header, a service's output quoted in a
 * message come from files anyone can write, and an escape sequence in them
 * would clear the screen, set the window title or forge a log line.
 *
 * Unsafe: C0 controls (ESC, BEL, CR, ...; tab and, where the caller keeps
 * lines, newline excepted), DEL, C1 controls (U+0080..U+009F, which some
 * terminals take as CSI, OSC and the like) and any byte that is not part
 * of well-formed UTF-8 (a lone 0x9B is CSI to an 8-bit terminal). Nothing
 * here allocates.
 */
#ifndef LG_CORE_TERMSAFE_H
#define LG_CORE_TERMSAFE_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes of one character at p: > 0 for a character that is safe to show
 * (a printable ASCII byte, tab, newline when newline is true, or a whole
 * well-formed UTF-8 sequence outside C1); < 0 (minus its length) for an
 * unsafe one; 0 at the end of the string. */
int lg__term_char(const char *p, bool newline);

/* Replace in place each unsafe character of s with one '?' (the string
 * never grows); newline: keep '\n'. Returns s. */
char *lg__term_sanitize(char *s, bool newline);

#endif
