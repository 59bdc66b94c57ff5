/* leakgate/units.h - parsing and printing of durations, sizes, rates and
 * fractions as they appear in scenarios and on the command line.
 *
 * Grammar (whitespace around the number is allowed, units are case-sensitive):
 *   duration  NUMBER ("ms" | "s" | "m" | "h"); a bare 0 is accepted
 *   size      NUMBER ["B" | "KiB" | "MiB" | "GiB" | "TiB" | "KB" | "MB" | "GB" | "TB"]
 *             (a bare number is bytes; fractional values are rounded down)
 *   rate      NUMBER ["k"] ["/s"]   requests per second
 *   fraction  NUMBER "%"  (0..100) or a plain number in [0, 1]
 * All parsers reject negative, NaN, infinite and trailing-garbage input and
 * return LG_EINPUT with a message that quotes the text and says what was expected.
 */
#ifndef LEAKGATE_UNITS_H
#define LEAKGATE_UNITS_H

#include <leakgate/error.h>
#include <stddef.h>
#include <stdint.h>

/* Parse a duration ("500ms", "1.5m") into seconds. */
int lg_parse_duration(const char *text, double *seconds, lg_error *err);

/* Parse a size ("256MiB", "64", "1.5GB") into bytes. */
int lg_parse_size(const char *text, uint64_t *bytes, lg_error *err);

/* Parse a size that may be fractional ("16B", "0.5B") into bytes, as a double. */
int lg_parse_size_f(const char *text, double *bytes, lg_error *err);

/* Parse a request rate ("1000", "2.5k", "500/s") into requests per second. */
int lg_parse_rate(const char *text, double *per_second, lg_error *err);

/* Parse a fraction ("20%", "0.2") into [0, 1]. */
int lg_parse_fraction(const char *text, double *fraction, lg_error *err);

/* Print bytes with a binary unit ("64.0 MiB", "512 B"); returns buf. */
char *lg_format_bytes(char *buf, size_t cap, double bytes);

/* Print seconds as a short human duration ("850 ms", "12.5 s", "3.2 h", "4.1 d"). */
char *lg_format_duration(char *buf, size_t cap, double seconds);

#endif
