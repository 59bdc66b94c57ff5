/* result/frames.h - internal: allocator frames by name, shared with the
 * valgrind module (fingerprints, Massif sites). The public test is
 * lg_is_allocator_frame (leakgate/result.h). */
#ifndef LG_RESULT_FRAMES_H
#define LG_RESULT_FRAMES_H

#include <stddef.h>

/* The last path component of p (p itself when it has no '/'; NULL for
 * NULL). */
const char *lg__frame_basename(const char *p);

/* Length of a function name without a symbol-version suffix ("@@GLIBC_2.2.5",
 * "@GLIBC_2.2.5"): such suffixes vary across libc builds. */
size_t lg__frame_fn_len(const char *fn, size_t n);

/* Is fn[0..n) an allocator function name? */
int lg__allocator_fn_n(const char *fn, size_t n);

#endif
