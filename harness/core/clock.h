/* core/clock.h - monotonic time in nanoseconds and seconds; wall-clock
 * timestamps for the documents leakgate writes. */
#ifndef LG_CORE_CLOCK_H
#define LG_CORE_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

uint64_t lg__now_ns(void);
double lg__now_s(void);
/* Sleep for seconds, restarting on EINTR unless *stop becomes non-zero. */
void lg__sleep_s(double seconds, const volatile int *stop);
/* t as "YYYY-MM-DDTHH:MM:SSZ" (UTC, ISO 8601) in out (cap >= 21); out, or
 * NULL when t cannot be expressed. result.json and baselines use it. */
char *lg__utc_iso8601(time_t t, char *out, size_t cap);

#endif
