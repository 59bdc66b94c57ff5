/* valgrind/frames.c - what an allocator frame is, and leak fingerprints.
 *
 * Both Memcheck fingerprints and Massif site attribution skip the frames of
 * allocation functions, so that a leak or a site is named by the code that
 * asked for the memory, not by malloc. The list is fixed (docs/valgrind.md):
 * the C and C++ allocation entry points, libc helpers that allocate on the
 * caller's behalf (strdup, asprintf, ...), common project wrappers
 * (xmalloc, g_malloc, zmalloc, ...) and Valgrind's own replacement frames.
 * Owns nothing; pure functions.
 */
#include <leakgate/valgrind.h>

#include "valgrind/vg_internal.h"

#include <stdio.h>
#include <string.h>

/* Exact names (after a symbol-version suffix is dropped). Kept sorted by
 * family for reading; lookups are a linear scan of ~50 short strings, which
 * only runs on a few frames per stack. */
static const char *const alloc_names[] = {
    /* C */
    "malloc",
    "calloc",
    "realloc",
    "reallocarray",
    "memalign",
    "posix_memalign",
    "aligned_alloc",
    "valloc",
    "pvalloc",
    "__libc_malloc",
    "__libc_calloc",
    "__libc_realloc",
    "__libc_memalign",
    "__libc_valloc",
    "__libc_pvalloc",
    "__posix_memalign",
    /* libc helpers that allocate for the caller */
    "strdup",
    "strndup",
    "__strdup",
    "__strndup",
    "wcsdup",
    "asprintf",
    "vasprintf",
    "__asprintf",
    "__vasprintf",
    "__vasprintf_internal",
    "open_memstream",
    /* common wrappers */
    "xmalloc",
    "xcalloc",
    "xrealloc",
    "xzalloc",
    "xstrdup",
    "xstrndup",
    "xmemdup",
    "zmalloc",
    "zcalloc",
    "zrealloc",
    "ztrymalloc",
    "ztrymalloc_usable",
    "ztrycalloc",
    "zstrdup",
    "g_malloc",
    "g_malloc0",
    "g_realloc",
    "g_try_malloc",
    "g_try_malloc0",
    "g_try_realloc",
    "g_malloc_n",
    "g_malloc0_n",
    "g_realloc_n",
    "g_strdup",
    "g_strndup",
    "g_memdup",
    "g_memdup2",
    "g_slice_alloc",
    "g_slice_alloc0",
    "OPENSSL_malloc",
    "CRYPTO_malloc",
    "CRYPTO_zalloc",
    "CRYPTO_realloc",
    "CRYPTO_strdup",
    "apr_palloc",
    "apr_pcalloc",
    "ngx_alloc",
    "ngx_calloc",
};

/* Prefixes: C++ operator new in all its overloads, and Valgrind's
 * replacement functions (_vgr10010ZU_libcZdsoZa_malloc). */
static const char *const alloc_prefixes[] = {"operator new", "_vgr"};

/* Standard allocator templates: only their allocate() member allocates. */
static const char *const template_prefixes[] = {
    "std::allocator<", "std::allocator_traits<", "__gnu_cxx::new_allocator<",
    "std::__new_allocator<"};

const char *lg_vg_basename(const char *p) {
  const char *s = p ? strrchr(p, '/') : NULL;
  return s ? s + 1 : p;
}

size_t lg_vg_fn_len(const char *fn, size_t n) {
  const char *at = n ? memchr(fn, '@', n) : NULL;
  /* Only strip a version suffix of a plain C symbol ("name@@VER"), never an
   * '@' inside a C++ signature (which has a '(' before it). */
  if (at && !memchr(fn, '(', (size_t)(at - fn)))
    return (size_t)(at - fn);
  return n;
}

static int has_prefix(const char *fn, size_t n, const char *p) {
  size_t k = strlen(p);
  return n >= k && memcmp(fn, p, k) == 0;
}

int lg_vg_is_allocator_fn(const char *fn, size_t n) {
  size_t i;
  n = lg_vg_fn_len(fn, n);
  for (i = 0; i < sizeof alloc_names / sizeof *alloc_names; i++)
    if (strlen(alloc_names[i]) == n && memcmp(fn, alloc_names[i], n) == 0)
      return 1;
  for (i = 0; i < sizeof alloc_prefixes / sizeof *alloc_prefixes; i++)
    if (has_prefix(fn, n, alloc_prefixes[i]))
      return 1;
  for (i = 0; i < sizeof template_prefixes / sizeof *template_prefixes; i++)
    if (has_prefix(fn, n, template_prefixes[i]) &&
        memmem(fn, n, "::allocate(", 11))
      return 1;
  return 0;
}

bool lg_is_allocator_frame(const char *fn, const char *file,
                           const char *object) {
  const char *base;
  if (fn && lg_vg_is_allocator_fn(fn, strlen(fn)))
    return true;
  base = lg_vg_basename(file);
  if (base && (strcmp(base, "vg_replace_malloc.c") == 0 ||
               strcmp(base, "vg_replace_strmem.c") == 0))
    return true;
  /* Valgrind's preloaded replacements (vgpreload_memcheck-amd64-linux.so)
   * hold only the malloc/new replacements and string functions. */
  base = lg_vg_basename(object);
  if (base && strncmp(base, "vgpreload_", 10) == 0)
    return true;
  return false;
}

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
    h = lg_vg_fnv(h, fn, lg_vg_fn_len(fn, strlen(fn)));
    h = lg_vg_fnv(h, "\t", 1);
    h = hash_str(h, lg_vg_basename(where));
    h = lg_vg_fnv(h, "\n", 1);
  }
  if (out && cap)
    snprintf(out, cap, "%016llx", (unsigned long long)h);
}

void lg_stack_fingerprint(const lg_frame *stack, size_t n, char *out,
                          size_t cap) {
  lg_leak_fingerprint(NULL, stack, n, out, cap);
}
