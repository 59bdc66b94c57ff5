/* result/frames.c - what an allocator frame is (see result/frames.h).
 *
 * A leak or a growing site is named by the code that asked for the memory,
 * not by malloc: Memcheck fingerprints and Massif site attribution (the
 * valgrind module) and the site reports show (lg_leak_site) all skip the
 * frames this file recognises, from one list (docs/valgrind.md): the C and
 * C++ allocation entry points, libc helpers that allocate on the caller's
 * behalf (strdup, asprintf, ...), common project wrappers (xmalloc,
 * g_malloc, zmalloc, ...) and Valgrind's own replacement frames.
 * Owns nothing; pure functions.
 */
#include <leakgate/result.h>

#include "result/frames.h"

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

const char *lg__frame_basename(const char *p) {
  const char *s = p ? strrchr(p, '/') : NULL;
  return s ? s + 1 : p;
}

size_t lg__frame_fn_len(const char *fn, size_t n) {
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

int lg__allocator_fn_n(const char *fn, size_t n) {
  size_t i;
  n = lg__frame_fn_len(fn, n);
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
  if (fn && lg__allocator_fn_n(fn, strlen(fn)))
    return true;
  base = lg__frame_basename(file);
  if (base && (strcmp(base, "vg_replace_malloc.c") == 0 ||
               strcmp(base, "vg_replace_strmem.c") == 0))
    return true;
  /* Valgrind's preloaded replacements (vgpreload_memcheck-amd64-linux.so)
   * hold only the malloc/new replacements and string functions. */
  base = lg__frame_basename(object);
  if (base && strncmp(base, "vgpreload_", 10) == 0)
    return true;
  return false;
}
