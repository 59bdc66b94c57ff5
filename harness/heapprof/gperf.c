/* heapprof/gperf.c - gperftools heap profiles (the text HEAPPROFILE=...
 * writes and Debian's google-pprof reads), parsed into the pprof model.
 *
 *   heap profile:   12:   480 [   300: 12000] @ heapprofile
 *        4:   160 [   100:  4000] @ 0x55d4a1f0 0x55d4a2b1 0x7f3c1a2b
 *   ...
 *   MAPPED_LIBRARIES:
 *   55d4a1e00000-55d4a1e01000 r--p 00000000 08:01 1234 /usr/bin/service
 *
 * Each record: in-use objects and bytes, [allocated objects and bytes],
 * and the return addresses of the allocating stack, innermost first. The
 * header's "@ heapprofile" means every allocation was recorded (the heap
 * profiler's own format); "@ heap_v2/RATE" means sampled at RATE bytes,
 * and each record is scaled by 1 / (1 - exp(-(bytes/objects) / RATE)) as
 * pprof does. Other header types are refused. The maps section (a copy of
 * /proc/PID/maps) gives the mappings, so addresses can be symbolised.
 * Errors are LG_EINPUT "NAME:LINE:COL: problem". Owns nothing beyond the
 * returned profile. Cost: O(size).
 */
#include "heapprof/hp_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cur {
  const char *name;
  const char *s, *end; /* the current line, without its newline */
  const char *line_start;
  size_t lineno;
  lg_error *err;
} cur;

static int fail(const cur *c, const char *at, const char *what) {
  char got[48];
  size_t n = (size_t)(c->end - at);
  size_t i;
  if (n > 40)
    n = 40;
  for (i = 0; i < n; i++)
    got[i] = isprint((unsigned char)at[i]) ? at[i] : '?';
  got[n] = '\0';
  return lg_error_set(c->err, LG_EINPUT, "%s:%zu:%zu: %s, got '%s%s'", c->name,
                      c->lineno, (size_t)(at - c->line_start) + 1, what, got,
                      (size_t)(c->end - at) > 40 ? "..." : "");
}

static void skip_ws(cur *c) {
  while (c->s < c->end && (*c->s == ' ' || *c->s == '\t'))
    c->s++;
}

static int expect(cur *c, char ch, const char *what) {
  skip_ws(c);
  if (c->s >= c->end || *c->s != ch)
    return fail(c, c->s, what);
  c->s++;
  return 0;
}

/* A decimal count (at most 2^62). */
static int number(cur *c, int64_t *out) {
  int64_t v = 0;
  const char *start;
  skip_ws(c);
  start = c->s;
  while (c->s < c->end && isdigit((unsigned char)*c->s)) {
    if (v > (((int64_t)1 << 62) - 9) / 10)
      return fail(c, start, "number too large");
    v = v * 10 + (*c->s - '0');
    c->s++;
  }
  if (c->s == start)
    return fail(c, start, "expected a number");
  *out = v;
  return 0;
}

/* "N: B [ N: B ]" */
static int counts(cur *c, int64_t v[4]) {
  int rc;
  if ((rc = number(c, &v[0])) || (rc = expect(c, ':', "expected ':'")) ||
      (rc = number(c, &v[1])) || (rc = expect(c, '[', "expected '['")) ||
      (rc = number(c, &v[2])) || (rc = expect(c, ':', "expected ':'")) ||
      (rc = number(c, &v[3])) || (rc = expect(c, ']', "expected ']'")) ||
      (rc = expect(c, '@', "expected '@'")))
    return rc;
  return 0;
}

/* One /proc/PID/maps line: "lo-hi perms offset dev inode path". */
static int maps_line(const char *s, const char *end, unsigned long long *lo,
                     unsigned long long *hi, unsigned long long *off, int *exec,
                     const char **path, size_t *path_len) {
  char *e;
  int field;
  errno = 0;
  *lo = strtoull(s, &e, 16);
  if (e == s || *e != '-')
    return -1;
  s = e + 1;
  *hi = strtoull(s, &e, 16);
  if (e == s || *e != ' ' || errno)
    return -1;
  s = e + 1;
  *exec = s + 3 <= end && s[2] == 'x';
  while (s < end && *s != ' ')
    s++;
  *off = strtoull(s, &e, 16);
  if (e == s || errno)
    return -1;
  s = e;
  /* dev and inode, then spaces up to the path */
  for (field = 0; field < 2; field++) {
    while (s < end && *s == ' ')
      s++;
    while (s < end && *s != ' ')
      s++;
  }
  while (s < end && *s == ' ')
    s++;
  *path = s;
  *path_len = (size_t)(end - s);
  return 0;
}

int lg__hp_add_mappings(lg_pprof *p, const char *maps, size_t len,
                        lg_error *err) {
  const char *s = maps, *end = maps + len;
  while (s < end) {
    const char *nl = memchr(s, '\n', (size_t)(end - s)), *path;
    const char *le = nl ? nl : end;
    char line[4352], file[4096];
    unsigned long long lo, hi, off;
    size_t n = (size_t)(le - s), plen;
    int exec, rc;
    if (n < sizeof line) {
      /* a NUL-terminated copy: strtoull must stop inside the line */
      memcpy(line, s, n);
      line[n] = '\0';
      if (maps_line(line, line + n, &lo, &hi, &off, &exec, &path, &plen) == 0 &&
          exec && plen > 0 && path[0] == '/' && plen < sizeof file && hi > lo) {
        size_t idx;
        memcpy(file, path, plen);
        file[plen] = '\0';
        if ((rc = lg_pprof_add_mapping(p, lo, hi, off, file, "", &idx, err)))
          return rc;
        p->mappings[idx - 1].has_functions = true;
        p->mappings[idx - 1].has_filenames = true;
        p->mappings[idx - 1].has_line_numbers = true;
        p->mappings[idx - 1].has_inline_frames = true;
      }
    }
    s = nl ? nl + 1 : end;
  }
  return 0;
}

/* The mapping (index + 1) holding address a, or 0. O(mappings). */
static size_t mapping_of(const lg_pprof *p, unsigned long long a) {
  size_t j;
  for (j = 0; j < p->n_mappings; j++)
    if (a >= p->mappings[j].start && a < p->mappings[j].limit)
      return j + 1;
  return 0;
}

/* Scale a sampled record pair (objects, bytes) back, as pprof does for
 * heap_v2. */
static void unsample(int64_t *objs, int64_t *bytes, double rate) {
  double scale;
  if (rate <= 0 || *objs <= 0)
    return;
  scale = 1 / -expm1(-((double)*bytes / (double)*objs) / rate);
  *objs = (int64_t)llround((double)*objs * scale);
  *bytes = (int64_t)llround((double)*bytes * scale);
}

int lg__hp_gperf_parse(const char *name, const char *text, size_t len,
                       lg_pprof **out, size_t *maps_off, size_t *maps_len,
                       lg_error *err) {
  lg_pprof *p = NULL;
  cur c;
  const char *at = text, *end = text + len;
  double rate = 0;
  size_t *locs = NULL, cap_locs = 0;
  int rc, header = 0;
  *out = NULL;
  *maps_off = *maps_len = 0;
  memset(&c, 0, sizeof c);
  c.name = name;
  c.err = err;
  if ((rc = lg_pprof_new(&p, err)) ||
      (rc = lg_pprof_add_sample_type(p, "alloc_objects", "count", err)) ||
      (rc = lg_pprof_add_sample_type(p, "alloc_space", "bytes", err)) ||
      (rc = lg_pprof_add_sample_type(p, "inuse_objects", "count", err)) ||
      (rc = lg_pprof_add_sample_type(p, "inuse_space", "bytes", err)))
    goto cleanup;
  /* The maps come last; read them first so locations get their mapping. */
  {
    static const char mark[] = "\nMAPPED_LIBRARIES:";
    const char *m = memmem(text, len, mark, sizeof mark - 1);
    if (m) {
      const char *nl = memchr(m + 1, '\n', (size_t)(end - m - 1));
      *maps_off = nl ? (size_t)(nl + 1 - text) : len;
      *maps_len = len - *maps_off;
      if ((rc = lg__hp_add_mappings(p, text + *maps_off, *maps_len, err)))
        goto cleanup;
      end = m + 1;
    }
  }
  while (at < end) {
    const char *nl = memchr(at, '\n', (size_t)(end - at));
    int64_t v[4] = {0, 0, 0, 0}, values[4];
    size_t n = 0;
    c.lineno++;
    c.s = c.line_start = at;
    c.end = nl ? nl : end;
    at = nl ? nl + 1 : end;
    if (c.end > c.s && c.end[-1] == '\r')
      c.end--;
    skip_ws(&c);
    if (c.s == c.end)
      continue;
    if (!header) {
      static const char hdr[] = "heap profile:";
      const char *type;
      if ((size_t)(c.end - c.s) < sizeof hdr - 1 ||
          memcmp(c.s, hdr, sizeof hdr - 1) != 0) {
        rc = fail(&c, c.s,
                  "not a gperftools heap profile: expected "
                  "'heap profile:'");
        goto cleanup;
      }
      c.s += sizeof hdr - 1;
      if ((rc = counts(&c, v)))
        goto cleanup;
      skip_ws(&c);
      type = c.s;
      if ((size_t)(c.end - type) == 11 &&
          memcmp(type, "heapprofile", 11) == 0) {
        rate = 0;
      } else if ((size_t)(c.end - type) > 8 &&
                 memcmp(type, "heap_v2/", 8) == 0) {
        int64_t r = 0;
        c.s += 8;
        if ((rc = number(&c, &r)))
          goto cleanup;
        skip_ws(&c);
        if (c.s != c.end || r <= 0) {
          rc = fail(&c, c.s, "expected a sampling rate after heap_v2/");
          goto cleanup;
        }
        rate = (double)r;
      } else {
        rc = fail(&c, type,
                  "unsupported heap profile type (this reads "
                  "'heapprofile' and 'heap_v2/RATE')");
        goto cleanup;
      }
      if ((rc = lg_pprof_set_period(p, "space", "bytes", (int64_t)rate, err)))
        goto cleanup;
      header = 1;
      continue;
    }
    if ((rc = counts(&c, v)))
      goto cleanup;
    for (;;) {
      unsigned long long a = 0;
      const char *start;
      size_t idx, digits = 0;
      skip_ws(&c);
      if (c.s == c.end)
        break;
      start = c.s;
      if (c.end - c.s < 3 || c.s[0] != '0' ||
          (c.s[1] != 'x' && c.s[1] != 'X')) {
        rc = fail(&c, start, "expected an address (0x...)");
        goto cleanup;
      }
      for (c.s += 2; c.s < c.end && isxdigit((unsigned char)*c.s); c.s++) {
        if (++digits > 16) {
          rc = fail(&c, start, "address wider than 64 bits");
          goto cleanup;
        }
        a = a * 16 + (unsigned long long)(isdigit((unsigned char)*c.s)
                                              ? *c.s - '0'
                                              : (tolower((unsigned char)*c.s) -
                                                 'a' + 10));
      }
      if (!digits || (c.s < c.end && *c.s != ' ' && *c.s != '\t')) {
        rc = fail(&c, start, "expected an address (0x...)");
        goto cleanup;
      }
      if (lg__grow((void **)&locs, &cap_locs, n + 1, sizeof *locs, 1 << 16)) {
        rc = fail(&c, start, "too many addresses in one record");
        goto cleanup;
      }
      if ((rc = lg_pprof_intern_location(p, mapping_of(p, a), a, NULL, 0, &idx,
                                         err)))
        goto cleanup;
      locs[n++] = idx;
    }
    unsample(&v[0], &v[1], rate);
    unsample(&v[2], &v[3], rate);
    values[0] = v[2]; /* alloc_objects */
    values[1] = v[3]; /* alloc_space */
    values[2] = v[0]; /* inuse_objects */
    values[3] = v[1]; /* inuse_space */
    if ((rc = lg_pprof_add_sample(p, locs, n, values, err)))
      goto cleanup;
  }
  if (!header)
    rc = lg_error_set(err, LG_EINPUT,
                      "%s: empty: not a gperftools heap profile", name);
cleanup:
  if (rc == 0 && header) {
    *out = p;
    p = NULL;
  }
  free(locs);
  lg_pprof_free(p);
  return rc;
}

int lg_gperf_heap_parse(const char *name, const char *text, size_t len,
                        lg_pprof **out, lg_error *err) {
  size_t off, n;
  return lg__hp_gperf_parse(name, text, len, out, &off, &n, err);
}
