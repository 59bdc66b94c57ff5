/* heapprof/sites.c - allocation sites: symbolised stacks with the
 * sampler's and the allocator's frames dropped, deduplicated by their
 * frames (function, file, line), each with the Memcheck fingerprint of its
 * stack (lg_stack_fingerprint) and the frame that names it.
 * Open addressing on a 64-bit hash of the frames; frames are copied (their
 * strings are the accumulator's interned ones). O(frames) per lookup.
 */
#include "heapprof/hp_int.h"

#include <leakgate/valgrind.h>

#include <stdlib.h>
#include <string.h>

/* The sampler's own frames (its malloc, its unwinder call) lead every
 * stream stack: by the name of its shared object. */
static int sampler_frame(const hp_frame *f) {
  const char *o = f->object, *b;
  if (!o)
    return 0;
  b = strrchr(o, '/');
  b = b ? b + 1 : o;
  return strncmp(b, "libleakgate-heapsampler", 23) == 0;
}

static uint64_t mix(uint64_t h, const void *p, size_t n) {
  const unsigned char *s = p;
  size_t i;
  for (i = 0; i < n; i++) {
    h ^= s[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

static uint64_t frames_key(const hp_frame *f, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  size_t i;
  for (i = 0; i < n; i++) {
    /* strings are interned: equal strings are equal pointers */
    h = mix(h, &f[i].function, sizeof f[i].function);
    h = mix(h, &f[i].file, sizeof f[i].file);
    h = mix(h, &f[i].line, sizeof f[i].line);
  }
  return mix(h, &n, sizeof n);
}

static int same(const hp_site *s, const hp_frame *f, size_t n) {
  size_t i;
  if (s->n_frames != n)
    return 0;
  for (i = 0; i < n; i++)
    if (s->frames[i].function != f[i].function ||
        s->frames[i].file != f[i].file || s->frames[i].line != f[i].line)
      return 0;
  return 1;
}

static int rehash(lg_heapprof *h, size_t cap) {
  uint32_t *slot = calloc(cap, sizeof *slot);
  size_t i;
  if (!slot)
    return LG_ENOMEM;
  for (i = 0; i < h->n_sites; i++) {
    size_t k = (size_t)h->sites[i].key & (cap - 1);
    while (slot[k])
      k = (k + 1) & (cap - 1);
    slot[k] = (uint32_t)(i + 1);
  }
  free(h->site_slot);
  h->site_slot = slot;
  h->site_slot_cap = cap;
  return 0;
}

static void fingerprint(const hp_frame *f, size_t n, char *out, size_t cap) {
  lg_frame tmp[LG_FINGERPRINT_FRAMES + 8];
  size_t i, k = n < sizeof tmp / sizeof *tmp ? n : sizeof tmp / sizeof *tmp;
  /* lg_frame holds char *; the fingerprint only reads the strings. */
  for (i = 0; i < k; i++) {
    union {
      const char *c;
      char *m;
    } fn, file, obj;
    fn.c = f[i].function;
    file.c = f[i].file;
    obj.c = f[i].object;
    tmp[i].function = fn.m;
    tmp[i].file = file.m;
    tmp[i].object = obj.m;
    tmp[i].line = f[i].line;
  }
  lg_stack_fingerprint(tmp, k, out, cap);
}

uint32_t lg__hp_site_of(lg_heapprof *h, const hp_frame *frames, size_t n,
                        lg_error *err) {
  static const hp_frame unknown = {"?", NULL, NULL, 0, 0, UINT32_MAX, 0};
  size_t i = 0, k;
  uint64_t key;
  hp_site s;
  while (i < n && sampler_frame(&frames[i]))
    i++;
  while (i < n && lg_is_allocator_frame(frames[i].function, frames[i].file,
                                        frames[i].object))
    i++;
  if (i >= n) {
    /* only allocator frames (or none): the innermost one stands */
    i = n ? n - 1 : 0;
    if (!n) {
      frames = &unknown;
      n = 1;
    }
  }
  frames += i;
  n -= i;
  key = frames_key(frames, n);
  if (2 * (h->n_sites + 1) > h->site_slot_cap &&
      rehash(h, h->site_slot_cap ? 2 * h->site_slot_cap : 1024)) {
    lg_error_set(err, LG_ENOMEM, "out of memory");
    return UINT32_MAX;
  }
  for (k = (size_t)key & (h->site_slot_cap - 1); h->site_slot[k];
       k = (k + 1) & (h->site_slot_cap - 1)) {
    const hp_site *o = &h->sites[h->site_slot[k] - 1];
    if (o->key == key && same(o, frames, n))
      return h->site_slot[k] - 1;
  }
  memset(&s, 0, sizeof s);
  s.key = key;
  s.n_frames = n;
  s.frames = malloc(n * sizeof *s.frames);
  if (!s.frames || lg__grow((void **)&h->sites, &h->cap_sites, h->n_sites + 1,
                            sizeof *h->sites, HP_MAX_SITES)) {
    free(s.frames);
    lg_error_set(err, LG_ENOMEM, "out of memory (or more than %zu sites)",
                 HP_MAX_SITES);
    return UINT32_MAX;
  }
  memcpy(s.frames, frames, n * sizeof *frames);
  fingerprint(frames, n, s.fingerprint, sizeof s.fingerprint);
  h->sites[h->n_sites] = s;
  h->site_slot[k] = (uint32_t)(h->n_sites + 1);
  return (uint32_t)h->n_sites++;
}

/* A C++ name is matched without its parameter list too:
 * "new_record(unsigned long)" is alloc function "new_record". */
int lg__hp_is_alloc_function(const lg_heapprof_opts *o, const char *fn) {
  size_t i, base;
  const char *paren;
  if (!o || !fn)
    return 0;
  paren = strchr(fn, '(');
  base = paren ? (size_t)(paren - fn) : strlen(fn);
  for (i = 0; i < o->n_alloc_functions; i++) {
    const char *p = o->alloc_functions[i];
    size_t l = strlen(p);
    if (l && p[l - 1] == '*') {
      if (strncmp(fn, p, l - 1) == 0)
        return 1;
    } else if (strcmp(fn, p) == 0 || (l == base && strncmp(fn, p, l) == 0)) {
      return 1;
    }
  }
  return 0;
}

const hp_frame *lg__hp_site_name(const hp_site *s, const lg_heapprof_opts *o) {
  size_t i = 0;
  while (i + 1 < s->n_frames &&
         lg__hp_is_alloc_function(o, s->frames[i].function))
    i++;
  return &s->frames[i];
}
