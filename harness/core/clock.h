/* core/clock.h - monotonic time in nanoseconds and seconds. */
#ifndef LG_CORE_CLOCK_H
#define LG_CORE_CLOCK_H

#include <stdint.h>

uint64_t lg_now_ns(void);
double lg_now_s(void);
/* Sleep for seconds, restarting on EINTR unless *stop becomes non-zero. */
void lg_sleep_s(double seconds, const volatile int *stop);

#endif
