/* valgrind/massif_parse.c - massif.out files into a snapshot series.
 *
 * Streaming: a file is read with read(2) into one 1 MiB buffer and parsed
 * line by line in place (a line may not exceed 1 MiB), so memory does not
 * depend on the file size; a 300 MB file is parsed at disk/cache speed.
 * Format (Massif 3.x, docs/valgrind.md): "desc:", "cmd:", "time_unit:"
 * header lines, then snapshots "snapshot=N" (N = 0, 1, 2, ...) with
 * time=, mem_heap_B=, mem_heap_extra_B=, mem_stacks_B=, heap_tree=
 * empty|detailed|peak; detailed and peak snapshots are followed by a tree:
 *   nK: BYTES (heap allocation functions) malloc/new/new[], --alloc-fns, etc.
 *    nK: BYTES 0xADDR: fn (file:line)      one space of indent per level
 *     nK: BYTES 0xADDR: fn (in /obj.so)
 *    n0: BYTES in N places, all below massif's threshold (1.00%)
 * where K is the number of children that follow. Every line is checked
 * against that structure (depth, child counts), so truncation anywhere
 * inside a snapshot or tree is detected; a file cut exactly between two
 * snapshots cannot be told from a complete one.
 * Site attribution: for each child of the root, the first frame that is
 * not an allocator (lg__allocator_fn_n: strdup, xmalloc, ...) takes the
 * node's bytes; an allocator node with no children keeps them itself.
 * Ownership: adds to the caller's lg_massif_series; on failure the file's
 * snapshots are rolled back. Errors: LG_EINPUT "file:line: problem".
 */
#include <leakgate/valgrind.h>

#include "valgrind/vg_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MS_BUF (1u << 20) /* the line buffer, and the longest line */
#define MS_MAX_DEPTH 4096 /* tree depth (Massif's --depth is at most 200) */
#define MS_MAX_CHILDREN 100000000ULL

enum { F_TIME = 1, F_HEAP = 2, F_EXTRA = 4, F_STACKS = 8, F_ALL = 15 };
typedef enum { S_HEADER, S_FIELDS, S_TREE, S_AFTER } ms_state;

typedef struct ms_level {
  uint64_t remaining; /* children of this node still to read */
  int attrib;         /* its children need a site (root, allocator) */
} ms_level;

typedef struct ms_parser {
  const char *name;
  lg_massif_series *s;
  double x; /* NAN: each snapshot's time */
  lg_error *err;
  unsigned long line;
  ms_state state;
  bool time_unit;
  long snap; /* number of the current snapshot, -1 before the first */
  unsigned fields;
  uint64_t time, heap, extra;
  ms_level *stack;
  size_t sp;
} ms_parser;

__attribute__((format(printf, 2, 3))) static int fail(ms_parser *p,
                                                      const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return lg_error_set(p->err, LG_EINPUT, "%s:%lu: %s", p->name, p->line, msg);
}

/* Parse decimal digits at s[*i..n); at least one; no overflow. */
static int parse_num(const char *s, size_t n, size_t *i, uint64_t *out) {
  uint64_t v = 0;
  size_t j = *i;
  if (j >= n || s[j] < '0' || s[j] > '9')
    return -1;
  for (; j < n && s[j] >= '0' && s[j] <= '9'; j++) {
    unsigned d = (unsigned)(s[j] - '0');
    if (v > (UINT64_MAX - d) / 10)
      return -1;
    v = v * 10 + d;
  }
  *i = j;
  *out = v;
  return 0;
}

static int has_prefix(const char *s, size_t n, const char *p, size_t k) {
  return n >= k && memcmp(s, p, k) == 0;
}

/* "key=NUMBER" whole line into *out. */
static int field_num(ms_parser *p, const char *s, size_t n, size_t k,
                     uint64_t *out) {
  size_t i = k;
  if (parse_num(s, n, &i, out) != 0 || i != n)
    return fail(p, "%.*s: expected a whole number, got '%.*s'", (int)(k - 1), s,
                (int)(n - k > 64 ? 64 : n - k), s + k);
  return 0;
}

/* The snapshot is complete: add its heap point. */
static int snapshot_done(ms_parser *p) {
  double x = isnan(p->x) ? (double)p->time : p->x;
  int rc = lg__ms_point_add(p->s, x, (double)p->heap + (double)p->extra);
  if (rc)
    return lg_error_set(p->err, rc, "%s:%lu: cannot store snapshot %ld: %s",
                        p->name, p->line, p->snap, lg_strerror(rc));
  p->state = S_AFTER;
  return 0;
}

/* Length of the function in a frame "fn (file:line)" / "fn (in obj)" /
 * "fn": up to the last " (" when the frame ends in ')' (C++ names have
 * parentheses of their own), else n. */
static size_t frame_fn_len(const char *t, size_t n) {
  size_t k;
  if (n < 3 || t[n - 1] != ')')
    return n;
  for (k = n - 1; k > 0; k--)
    if (t[k] == '(' && t[k - 1] == ' ')
      return k - 1;
  return n;
}

/* Split a frame (see frame_fn_len) and add its bytes to the site. */
static int add_site(ms_parser *p, const char *t, size_t n, double bytes) {
  const char *fn = t, *file = NULL;
  size_t fn_len = frame_fn_len(t, n), file_len = 0;
  int line = 0, rc;
  if (fn_len < n) {
    const char *loc = t + fn_len + 2; /* after " (" */
    size_t loc_len = n - fn_len - 3, c;
    if (has_prefix(loc, loc_len, "in ", 3)) {
      file = loc + 3, file_len = loc_len - 3; /* no debug info: object */
    } else {
      file = loc, file_len = loc_len;
      for (c = loc_len; c > 0 && loc[c - 1] != ':'; c--)
        ;
      if (c > 1 && c < loc_len) {
        size_t i = c;
        uint64_t v;
        if (parse_num(loc, loc_len, &i, &v) == 0 && i == loc_len &&
            v <= INT32_MAX) {
          line = (int)v;
          file_len = c - 1;
        }
      }
    }
  }
  if (fn_len == 0)
    fn = "???", fn_len = 3;
  rc = lg__ms_site_add(p->s, fn, fn_len, file, file_len, line, bytes);
  if (rc)
    return lg_error_set(p->err, rc, "%s:%lu: cannot store a site: %s", p->name,
                        p->line, lg_strerror(rc));
  return 0;
}

static int tree_line(ms_parser *p, const char *s, size_t n) {
  size_t d = 0, i;
  uint64_t kids, bytes;
  int attrib = 0;

  while (d < n && s[d] == ' ')
    d++;
  if (p->sp == 0 ? d != 0 : d != p->sp)
    return fail(p,
                "heap tree of snapshot %ld: an entry at depth %zu where "
                "depth %zu was expected (truncated or corrupt tree)",
                p->snap, d, p->sp);
  i = d;
  if (i >= n || s[i] != 'n')
    return fail(p, "heap tree of snapshot %ld: expected 'nK: BYTES ...'",
                p->snap);
  i++;
  if (parse_num(s, n, &i, &kids) != 0 || kids > MS_MAX_CHILDREN ||
      !has_prefix(s + i, n - i, ": ", 2))
    return fail(p, "heap tree of snapshot %ld: bad child count", p->snap);
  i += 2;
  if (parse_num(s, n, &i, &bytes) != 0 || i >= n || s[i] != ' ')
    return fail(p, "heap tree of snapshot %ld: bad byte count", p->snap);
  i++;
  if (p->sp > 0) {
    ms_level *up = &p->stack[p->sp - 1];
    up->remaining--;
    if (up->attrib) {
      const char *t = s + i;
      size_t tn = n - i;
      if (has_prefix(t, tn, "0x", 2)) {
        const char *colon = memchr(t, ':', tn);
        const char *f;
        size_t fl;
        if (!colon || (size_t)(colon - t) + 2 > tn || colon[1] != ' ')
          return fail(p, "heap tree of snapshot %ld: bad frame '%.*s'", p->snap,
                      (int)(tn > 64 ? 64 : tn), t);
        f = colon + 2; /* "fn (file:line)" */
        fl = tn - (size_t)(f - t);
        if (kids > 0 && lg__allocator_fn_n(f, frame_fn_len(f, fl))) {
          attrib = 1; /* look through the allocator to its callers */
        } else {
          int rc = add_site(p, f, fl, (double)bytes);
          if (rc)
            return rc;
        }
      } else if (!(has_prefix(t, tn, "in ", 3) &&
                   memmem(t, tn, "below massif's threshold", 24))) {
        return fail(p, "heap tree of snapshot %ld: unrecognised entry '%.*s'",
                    p->snap, (int)(tn > 64 ? 64 : tn), t);
      }
    }
  } else {
    attrib = 1; /* the root: its children are the allocation sites */
  }
  if (kids > 0) {
    if (p->sp == MS_MAX_DEPTH)
      return fail(p, "heap tree deeper than %d levels", MS_MAX_DEPTH);
    p->stack[p->sp].remaining = kids;
    p->stack[p->sp++].attrib = attrib;
  }
  while (p->sp > 0 && p->stack[p->sp - 1].remaining == 0)
    p->sp--;
  return p->sp == 0 ? snapshot_done(p) : 0;
}

static int field_line(ms_parser *p, const char *s, size_t n) {
  static const struct {
    const char *key;
    unsigned bit;
  } keys[] = {{"time=", F_TIME},
              {"mem_heap_B=", F_HEAP},
              {"mem_heap_extra_B=", F_EXTRA},
              {"mem_stacks_B=", F_STACKS}};
  size_t k;
  uint64_t v = 0; /* set by field_num whenever it returns 0 */
  int rc;
  for (k = 0; k < sizeof keys / sizeof *keys; k++) {
    size_t kl = strlen(keys[k].key);
    if (!has_prefix(s, n, keys[k].key, kl))
      continue;
    if (p->fields & keys[k].bit)
      return fail(p, "snapshot %ld: %.*s given twice", p->snap, (int)kl - 1, s);
    if ((rc = field_num(p, s, n, kl, &v)) != 0)
      return rc;
    p->fields |= keys[k].bit;
    if (keys[k].bit == F_TIME)
      p->time = v;
    else if (keys[k].bit == F_HEAP)
      p->heap = v;
    else if (keys[k].bit == F_EXTRA)
      p->extra = v;
    return 0;
  }
  if (has_prefix(s, n, "heap_tree=", 10)) {
    const char *t = s + 10;
    size_t tn = n - 10;
    if (p->fields != F_ALL)
      return fail(p,
                  "snapshot %ld: heap_tree= before time=, mem_heap_B=, "
                  "mem_heap_extra_B= and mem_stacks_B=",
                  p->snap);
    if (tn == 5 && memcmp(t, "empty", 5) == 0)
      return snapshot_done(p);
    if ((tn == 8 && memcmp(t, "detailed", 8) == 0) ||
        (tn == 4 && memcmp(t, "peak", 4) == 0)) {
      int r = lg__ms_tree_begin(p->s, isnan(p->x) ? (double)p->time : p->x);
      if (r < 0)
        return lg_error_set(p->err, r, "%s:%lu: cannot store a tree: %s",
                            p->name, p->line, lg_strerror(r));
      p->state = S_TREE;
      p->sp = 0;
      return 0;
    }
    return fail(p,
                "snapshot %ld: heap_tree= must be empty, detailed or "
                "peak, not '%.*s'",
                p->snap, (int)(tn > 32 ? 32 : tn), t);
  }
  if (memchr(s, '=', n)) /* a field a newer Massif may add: ignored */
    return 0;
  return fail(p, "snapshot %ld: unexpected line '%.*s'", p->snap,
              (int)(n > 64 ? 64 : n), s);
}

static int one_line(ms_parser *p, const char *s, size_t n) {
  p->line++;
  if (p->state == S_TREE)
    return tree_line(p, s, n);
  if (n > 0 && s[0] == '#')
    return 0;
  if (has_prefix(s, n, "snapshot=", 9)) {
    uint64_t v;
    int rc;
    if (p->state == S_FIELDS)
      return fail(p, "snapshot %ld ends before its heap_tree= line", p->snap);
    if (!p->time_unit)
      return fail(p, "snapshot before the 'time_unit:' header: not a "
                     "massif.out file");
    if ((rc = field_num(p, s, n, 9, &v)) != 0)
      return rc;
    if ((long)v != p->snap + 1 || v > 100000000)
      return fail(p, "snapshot=%llu follows snapshot %ld (expected %ld)",
                  (unsigned long long)v, p->snap, p->snap + 1);
    p->snap = (long)v;
    p->fields = 0;
    p->state = S_FIELDS;
    return 0;
  }
  if (p->state == S_FIELDS)
    return field_line(p, s, n);
  if (p->state == S_HEADER) {
    if (has_prefix(s, n, "time_unit: ", 11)) {
      p->time_unit = true;
      return 0;
    }
    if (has_prefix(s, n, "desc:", 5) || has_prefix(s, n, "cmd:", 4))
      return 0;
    return fail(p, "not a massif.out file: unexpected line '%.*s'",
                (int)(n > 64 ? 64 : n), s);
  }
  return fail(p, "unexpected line after snapshot %ld: '%.*s'", p->snap,
              (int)(n > 64 ? 64 : n), s);
}

static int at_eof(ms_parser *p) {
  switch (p->state) {
  case S_HEADER:
    return fail(p, "no snapshots: an empty or truncated massif.out file");
  case S_FIELDS:
    return fail(p, "truncated: snapshot %ld ends before its heap_tree= line",
                p->snap);
  case S_TREE:
    return fail(p, "truncated inside the heap tree of snapshot %ld", p->snap);
  default:
    return 0;
  }
}

/* Parse every complete line of buf[0..n); *used = bytes consumed. */
static int lines(ms_parser *p, const char *buf, size_t n, size_t *used) {
  size_t off = 0;
  int rc = 0;
  while (off < n && rc == 0) {
    const char *nl = memchr(buf + off, '\n', n - off);
    if (!nl)
      break;
    rc = one_line(p, buf + off, (size_t)(nl - (buf + off)));
    off = (size_t)(nl - buf) + 1;
  }
  *used = off;
  return rc;
}

static int parser_begin(ms_parser *p, const char *name, lg_massif_series *s,
                        double x, lg_error *err) {
  memset(p, 0, sizeof *p);
  p->name = name;
  p->s = s;
  p->x = x;
  p->err = err;
  p->snap = -1;
  p->state = S_HEADER;
  p->stack = malloc(MS_MAX_DEPTH * sizeof *p->stack);
  return p->stack ? 0 : lg_error_set(err, LG_ENOMEM, "%s: out of memory", name);
}

/* Leftover bytes at the end of the input: a line without its newline. */
static int tail(ms_parser *p, size_t left) {
  if (left == 0)
    return at_eof(p);
  p->line++;
  if (left >= MS_BUF)
    return fail(p, "line longer than %u bytes", MS_BUF);
  return fail(p, "truncated: the last line has no newline");
}

int lg_massif_series_add_buffer(lg_massif_series *s, const char *name,
                                const char *data, size_t len, double x,
                                lg_error *err) {
  ms_parser p;
  size_t n0 = s->n, t0 = s->n_trees, used = 0;
  int rc = parser_begin(&p, name, s, x, err);
  if (rc == 0)
    rc = lines(&p, data, len, &used);
  if (rc == 0)
    rc = tail(&p, len - used);
  if (rc)
    lg__ms_rollback(s, n0, t0);
  free(p.stack);
  return rc;
}

int lg_massif_series_add_file(lg_massif_series *s, const char *path, double x,
                              lg_error *err) {
  ms_parser p;
  size_t n0 = s->n, t0 = s->n_trees, have = 0, used;
  char *buf = NULL;
  int fd = -1, rc = parser_begin(&p, path, s, x, err);
  if (rc)
    goto cleanup;
  buf = malloc(MS_BUF);
  if (!buf) {
    rc = lg_error_set(err, LG_ENOMEM, "%s: out of memory", path);
    goto cleanup;
  }
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    rc = lg_error_set(err, errno == ENOENT ? LG_ENOENT : LG_EIO,
                      "%s: cannot open: %s", path, strerror(errno));
    goto cleanup;
  }
  for (;;) {
    ssize_t got = read(fd, buf + have, MS_BUF - have);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      rc = lg_error_set(err, LG_EIO, "%s: read error: %s", path,
                        strerror(errno));
      goto cleanup;
    }
    if (got == 0)
      break;
    have += (size_t)got;
    rc = lines(&p, buf, have, &used);
    if (rc)
      goto cleanup;
    if (used == 0 && have == MS_BUF) {
      p.line++;
      rc = fail(&p, "line longer than %u bytes", MS_BUF);
      goto cleanup;
    }
    memmove(buf, buf + used, have - used);
    have -= used;
  }
  rc = tail(&p, have);
cleanup:
  if (rc)
    lg__ms_rollback(s, n0, t0);
  if (fd >= 0)
    close(fd);
  free(buf);
  free(p.stack);
  return rc;
}

static int parse_one(const char *name, const char *data, size_t len,
                     lg_massif_result *m, lg_error *err) {
  lg_massif_series *s = NULL;
  int rc = lg_massif_series_new(&s, err);
  if (rc == 0)
    rc = data ? lg_massif_series_add_buffer(s, name, data, len, NAN, err)
              : lg_massif_series_add_file(s, name, NAN, err);
  if (rc == 0)
    rc = lg_massif_series_finish(s, NULL, m, err);
  lg_massif_series_free(s);
  return rc;
}

int lg_massif_parse_file(const char *path, lg_massif_result *m, lg_error *err) {
  int rc = parse_one(path, NULL, 0, m, err);
  if (rc == 0) {
    char *dup = strdup(path);
    if (!dup)
      return lg_error_set(err, LG_ENOMEM, "%s: out of memory", path);
    free(m->out_file);
    m->out_file = dup;
  }
  return rc;
}

int lg_massif_parse_buffer(const char *name, const char *data, size_t len,
                           lg_massif_result *m, lg_error *err) {
  return parse_one(name, data ? data : "", len, m, err);
}
