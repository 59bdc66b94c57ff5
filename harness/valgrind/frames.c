/* valgrind/frames.c - leak fingerprints: stable across builds, so a
 * baseline recognises the same leak after a rebuild. The allocator frames
 * they skip are defined once, in result/frames.c. Owns nothing; pure
 * functions.
 */
#include <leakgate/valgrind.h>

#include "valgrind/vg_internal.h"

#include <stdio.h>
#include <string.h>

static uint64_t hash_str(uint64_t h, const char *s) {
  return s ? lg_vg_fnv(h, s, strlen(s)) : h;
}

void lg_leak_fingerprint(const char *kind, const lg_frame *stack, size_t n,
                         char *out, size_t cap) {
  uint64_t h = LG_FNV_OFFSET;
  size_t i = 0, used = 0;

  h = lg_vg_fnv(h, "lg1\n", 4); /* version of this definition */
  h = hash_str(h, kind);
  h = lg_vg_fnv(h, "\n", 1);
  while (i < n && lg_is_allocator_frame(stack[i].function, stack[i].file,
                                        stack[i].object))
    i++;
  for (; i < n && used < LG_FINGERPRINT_FRAMES; i++, used++) {
    const lg_frame *f = &stack[i];
    const char *fn = f->function && f->function[0] && strcmp(f->function, "???")
                         ? f->function
                         : "?";
    const char *where = f->file && f->file[0] ? f->file : f->object;
    h = lg_vg_fnv(h, fn, lg__frame_fn_len(fn, strlen(fn)));
    h = lg_vg_fnv(h, "\t", 1);
    h = hash_str(h, lg__frame_basename(where));
    h = lg_vg_fnv(h, "\n", 1);
  }
  if (out && cap)
    snprintf(out, cap, "%016llx", (unsigned long long)h);
}

void lg_stack_fingerprint(const lg_frame *stack, size_t n, char *out,
                          size_t cap) {
  lg_leak_fingerprint(NULL, stack, n, out, cap);
}
