/* runtime/attrib.h - internal: what grew, named the way the runtime names
 * it (runtime/jvm_hist.c for the JVM's class histogram; the Go heap
 * profile's stacks come through harness/pprof). A look is a list of
 * (name, count, bytes) at some request count; two looks give the names
 * whose bytes grew, largest first. */
#ifndef LG_RUNTIME_ATTRIB_H
#define LG_RUNTIME_ATTRIB_H

#include <leakgate/error.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rt_item {
  char *name; /* owned */
  int64_t count;
  double bytes;
} rt_item;

typedef struct rt_look {
  rt_item *items; /* sorted by name after rt_look_sort */
  size_t n;
  double requests; /* completed requests when it was taken */
} rt_look;

typedef struct rt_grown {
  const char *name; /* points into the later look */
  int64_t count0, count1;
  double bytes0, bytes1, per_request;
} rt_grown;

/* Parse `jcmd PID GC.class_histogram` output ("   1:  17254  1653600  [B
 * (java.base@17)") into look (appending; names without the module).
 * Lines that are not rows (the pid line, the header, "Total") are skipped;
 * a line that starts like a row but does not parse is counted in *bad.
 * LG_ENOMEM, or LG_EINPUT when no row was found at all. */
int lg__rt_jvm_histogram(const char *text, size_t len, rt_look *look,
                         size_t *bad);
/* Add one item (name copied); LG_ENOMEM. */
int lg__rt_look_add(rt_look *look, const char *name, size_t name_len,
                    int64_t count, double bytes);
void lg__rt_look_cleanup(rt_look *look);
/* Names whose bytes grew from a to b by at least min_bytes, largest growth
 * first, at most max; per_request over the requests between the looks
 * (NAN when none). Sorts both looks by name. *out is malloc'd (free it);
 * its names point into b. 0 or LG_ENOMEM. */
int lg__rt_look_growth(rt_look *a, rt_look *b, double min_bytes, size_t max,
                       rt_grown **out, size_t *n);

/* GET an http:// URL (a service's own debug endpoint): the body of a 200
 * answer, NUL-terminated, at most cap bytes, within timeout_s. *body is
 * malloc'd. LG_EINPUT (not http://), LG_EIO (refused, another status,
 * not HTTP), LG_ETIMEOUT, LG_ELIMIT, LG_ENOMEM. */
int lg__rt_http_get(const char *url, double timeout_s, size_t cap, char **body,
                    size_t *len, lg_error *err);

/* A Go heap profile (net/http/pprof's /heap, profile.proto) into look:
 * one item per allocation stack, keyed by its frames ("function
 * file:line" leaf first, joined by "\n"; runtime.* frames before the
 * program's own left out), inuse_space bytes and inuse_objects count.
 * LG_EINPUT for a profile without inuse_space. */
int lg__rt_go_heap_look(const void *data, size_t len, rt_look *look,
                        lg_error *err);
/* "goroutine profile: total N" (/goroutine?debug=1): N, or -1. */
long lg__rt_go_goroutines(const char *text, size_t len);

#endif
