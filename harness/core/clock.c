/* core/clock.c - CLOCK_MONOTONIC helpers and UTC timestamps (see
 * core/clock.h). */
#include "core/clock.h"

#include <errno.h>
#include <time.h>

uint64_t lg__now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

double lg__now_s(void) {
  return (double)lg__now_ns() / 1e9;
}

void lg__sleep_s(double seconds, const volatile int *stop) {
  struct timespec ts;
  if (seconds <= 0)
    return;
  ts.tv_sec = (time_t)seconds;
  ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
  while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    if (stop && *stop)
      return;
  }
}

char *lg__utc_iso8601(time_t t, char *out, size_t cap) {
  struct tm tm;
  if (!gmtime_r(&t, &tm) ||
      strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    return NULL;
  return out;
}
