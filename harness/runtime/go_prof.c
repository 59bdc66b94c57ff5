/* runtime/go_prof.c - a Go service's own profiles through net/http/pprof
 * (runtime/attrib.h): the heap profile's allocation stacks as a look, and
 * the goroutine count.
 *
 * The heap profile (profile.proto, read by harness/pprof) holds the
 * runtime's estimate of in-use bytes and objects per allocation stack as
 * of the last collection (leakgate asks for ?gc=1, so that is the moment
 * of the look). A stack is named by its frames, leaf first, from the first
 * frame that is not the runtime's own (runtime.mallocgc, makeslice,
 * growslice, newobject: every allocation goes through them), so one line
 * of the program names it. */
#include "runtime/attrib.h"

#include <leakgate/pprof.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_FRAMES 12
#define KEY_MAX 2048

static int by_name(const void *a, const void *b) {
  return strcmp(((const rt_item *)a)->name, ((const rt_item *)b)->name);
}

/* Stacks that end the same after the cut are one item. */
static void merge_same(rt_look *look) {
  size_t i, k = 0;
  if (look->n == 0)
    return;
  qsort(look->items, look->n, sizeof *look->items, by_name);
  for (i = 1; i < look->n; i++) {
    if (strcmp(look->items[i].name, look->items[k].name) == 0) {
      look->items[k].bytes += look->items[i].bytes;
      look->items[k].count += look->items[i].count;
      free(look->items[i].name);
    } else {
      look->items[++k] = look->items[i];
    }
  }
  look->n = k + 1;
}

/* "function file:line\n..." of frames[from..], at most KEY_FRAMES. */
static size_t stack_key(const lg_frame *f, size_t n, char *key, size_t cap) {
  size_t i, at = 0, used = 0;
  while (at < n && f[at].function &&
         strncmp(f[at].function, "runtime.", 8) == 0)
    at++;
  if (at == n)
    at = 0; /* the runtime's own allocation: keep it whole */
  key[0] = '\0';
  for (i = at; i < n && i < at + KEY_FRAMES && used + 1 < cap; i++) {
    int w = snprintf(key + used, cap - used, "%s%s %s:%lld", i > at ? "\n" : "",
                     f[i].function ? f[i].function : "?",
                     f[i].file ? f[i].file : "?", (long long)f[i].line);
    if (w < 0 || (size_t)w >= cap - used)
      break;
    used += (size_t)w;
  }
  return used;
}

int lg__rt_go_heap_look(const void *data, size_t len, rt_look *look,
                        lg_error *err) {
  lg_pprof *p = NULL;
  char key[KEY_MAX];
  int space, objects, rc;
  size_t i;
  if ((rc = lg_pprof_decode("heap profile", data, len, &p, err)) != 0)
    return rc;
  space = lg_pprof_sample_type(p, "inuse_space");
  objects = lg_pprof_sample_type(p, "inuse_objects");
  if (space < 0) {
    rc = lg_error_set(err, LG_EINPUT, "heap profile: no inuse_space");
    goto cleanup;
  }
  for (i = 0; i < p->n_samples && rc == 0; i++) {
    const lg_pprof_sample *s = &p->samples[i];
    lg_frame *f = NULL;
    size_t nf = 0, kl;
    if (s->values[space] <= 0)
      continue;
    if ((rc = lg_pprof_sample_frames(p, s, &f, &nf, err)) != 0)
      break;
    kl = stack_key(f, nf, key, sizeof key);
    lg_pprof_frames_free(f, nf);
    if (kl == 0)
      continue;
    rc = lg__rt_look_add(look, key, kl, objects >= 0 ? s->values[objects] : -1,
                         (double)s->values[space]);
    if (rc)
      lg_error_set(err, rc, "out of memory");
  }
  if (rc == 0)
    merge_same(look);
cleanup:
  lg_pprof_free(p);
  return rc;
}

long lg__rt_go_goroutines(const char *text, size_t len) {
  static const char pre[] = "goroutine profile: total ";
  long n = -1;
  if (len > sizeof pre - 1 && memcmp(text, pre, sizeof pre - 1) == 0)
    n = strtol(text + sizeof pre - 1, NULL, 10);
  return n >= 0 ? n : -1;
}
