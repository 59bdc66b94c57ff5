/* result/fmt.h - number formatting shared by lg_result_finish and the
 * reporters, so a figure reads the same in a reason, a JUnit failure and the
 * terminal summary, and the UTF-8 check of the JSON writer and the XML
 * escaper. Internal to libleakgate (not a public header).
 * Every function writes into a caller buffer and returns it; NAN prints as
 * "n/a". No allocation, no state.
 */
#ifndef LG_RESULT_FMT_H
#define LG_RESULT_FMT_H

#include <leakgate/result.h>
#include <stddef.h>

/* A plain number with about three significant digits ("64.2", "1234",
 * "0.031"); never exponent notation below 1e12. */
char *lg__fmt_num(char *buf, size_t cap, double v);
/* "B/req" or "B/s" for the analysis x axis. */
const char *lg__fmt_slope_unit(const lg_analysis *a);
/* The unit of a heap-profile rate on axis x (heap_profile.x): "B/request"
 * (requests or unknown), "B/s", "B per allocated B", "B per profile". */
const char *lg__fmt_heap_unit(const char *x);
/* "64.2 B/req" with the unit of a. */
char *lg__fmt_slope(char *buf, size_t cap, const lg_analysis *a, double v);
/* The two-sided level of [slope_lo, slope_hi]: each bound is one-sided at
 * confidence, so "98% CI" for 0.99; "CI" when the level is unknown. */
char *lg__fmt_ci_label(char *buf, size_t cap, double confidence);
/* "; decided after 6.2 s of steady load (early stop)", "; undecided after
 * 14 looks (early stop)", or "" without early stop. */
char *lg__fmt_early_stop(char *buf, size_t cap, const lg_analysis *a);
/* "SIGSEGV" (or "signal 77"). */
char *lg__fmt_signal(char *buf, size_t cap, int sig);
/* "function (file:line)" of a frame, parts omitted when unknown. */
char *lg__fmt_frame(char *buf, size_t cap, const lg_frame *f);

/* "leak", "no_leak", "inconclusive", or "unknown" (result.json writes null
 * for unknown). Kept here so the result module does not link analysis. */
const char *lg__fmt_leak(lg_leak l);
int lg__fmt_leak_parse(const char *s); /* -1 when unknown */

/* Decode one UTF-8 sequence at s: its length (1..4) with *cp set, or 0 for
 * an invalid one (overlong, surrogate, beyond U+10FFFF, truncated). */
size_t lg__fmt_utf8_decode(const unsigned char *s, unsigned *cp);

#endif
