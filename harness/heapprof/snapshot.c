/* heapprof/snapshot.c - heap snapshots written from the sampled heap at
 * one instant: pprof profile.proto (gzip; pprof, speedscope) and the
 * gperftools heap text (Debian's google-pprof).
 *
 * Both hold, per site, the estimated in-use and allocated-so-far objects
 * and bytes (sample types alloc_objects, alloc_space, inuse_objects,
 * inuse_space; default inuse_space; period "space"/"bytes"), with the
 * stack starting at the site (the sampler's and allocator frames are left
 * out, so `pprof -top` puts the allocating function first, as Go's
 * profiles leave out mallocgc).
 * pprof: locations carry function, file and line (inlined calls as
 * several lines of one location) and, for the process whose maps the
 * mappings come from, the address. gperftools: return addresses (the first
 * one minus 1, since google-pprof looks the innermost address up as is)
 * and that process's maps as MAPPED_LIBRARIES; sites of other processes
 * are left out of it. Values are rounded to integers.
 */
#include "heapprof/hp_int.h"

#include "core/clock.h"
#include "core/buf.h"
#include "core/fsutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The maps that addresses refer to: the first live site's stack's. */
static uint32_t main_maps(const lg_heapprof *h, const hp_live *live, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    if (live[i].stack != UINT32_MAX &&
        h->stacks[live[i].stack].maps < h->n_maps)
      return h->stacks[live[i].stack].maps;
  return UINT32_MAX;
}

static int64_t rnd(double v) {
  return isfinite(v) && v > 0 ? (int64_t)llround(v) : 0;
}

static int64_t wall_ns(double t_mono) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec -
         (int64_t)((lg__now_s() - t_mono) * 1e9);
}

int lg__hp_write_pprof(lg_heapprof *h, const hp_live *live, size_t n,
                       double period, const char *comment, double t_mono,
                       const char *path, lg_error *err) {
  lg_pprof *p = NULL;
  lg_pprof_line lines[64];
  size_t *locs = NULL, i, j;
  uint32_t maps = main_maps(h, live, n);
  int rc;
  if ((rc = lg_pprof_new(&p, err)) ||
      (rc = lg_pprof_add_sample_type(p, "alloc_objects", "count", err)) ||
      (rc = lg_pprof_add_sample_type(p, "alloc_space", "bytes", err)) ||
      (rc = lg_pprof_add_sample_type(p, "inuse_objects", "count", err)) ||
      (rc = lg_pprof_add_sample_type(p, "inuse_space", "bytes", err)) ||
      (rc = lg_pprof_set_default_sample_type(p, "inuse_space", err)) ||
      (rc = lg_pprof_set_period(p, "space", "bytes", rnd(period), err)) ||
      (rc = lg_pprof_add_comment(p, comment, err)))
    goto cleanup;
  if (maps != UINT32_MAX &&
      (rc = lg__hp_add_mappings(p, h->maps[maps].text, h->maps[maps].len, err)))
    goto cleanup;
  p->time_nanos = wall_ns(t_mono);
  locs = malloc(HP_MAX_FRAMES * sizeof *locs);
  if (!locs) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  for (i = 0; i < n; i++) {
    const hp_site *s = &h->sites[live[i].site];
    const hp_frame *nm = lg__hp_site_name(s, NULL);
    size_t k = (size_t)(nm - s->frames), nl = 0, nloc = 0;
    int64_t v[4];
    for (j = k; j < s->n_frames; j++) {
      const hp_frame *f = &s->frames[j];
      size_t fi;
      if ((rc = lg_pprof_intern_function(p, f->function, f->function,
                                         f->file ? f->file : f->object, 0, &fi,
                                         err)))
        goto cleanup;
      if (nl < sizeof lines / sizeof *lines) {
        lines[nl].function = fi;
        lines[nl].line = f->line;
        nl++;
      }
      if (!f->inlined || j + 1 == s->n_frames) {
        uint64_t a = f->maps == maps ? f->address : 0;
        size_t m = 0, mi;
        for (mi = 0; a && mi < p->n_mappings; mi++)
          if (a >= p->mappings[mi].start && a < p->mappings[mi].limit) {
            m = mi + 1;
            break;
          }
        if ((rc = lg_pprof_intern_location(p, m, a, lines, nl, &locs[nloc],
                                           err)))
          goto cleanup;
        nloc++;
        nl = 0;
      }
    }
    v[0] = rnd(live[i].alloc_objects);
    v[1] = rnd(live[i].alloc_bytes);
    v[2] = rnd(live[i].objects);
    v[3] = rnd(live[i].bytes);
    if ((rc = lg_pprof_add_sample(p, locs, nloc, v, err)))
      goto cleanup;
  }
  rc = lg_pprof_write_file(p, path, err);
cleanup:
  free(locs);
  lg_pprof_free(p);
  return rc;
}

/* Does every frame of pc belong to the sampler or the allocator (frames
 * the snapshot leaves out)? */
static int dropped_pc(lg_heapprof *h, uint32_t maps, uint64_t pc,
                      lg_error *err) {
  const hp_frame *f;
  size_t n, i;
  if (lg__hp_symbolize(h, maps, pc, 1, &f, &n, err))
    return -1;
  for (i = 0; i < n; i++) {
    const char *o = f[i].object ? strrchr(f[i].object, '/') : NULL;
    o = o ? o + 1 : f[i].object;
    if (!(o && strncmp(o, "libleakgate-heapsampler", 23) == 0) &&
        !lg_is_allocator_frame(f[i].function, f[i].file, f[i].object))
      return 0;
  }
  return 1;
}

int lg__hp_write_gperf(lg_heapprof *h, const hp_live *live, size_t n,
                       const char *path, lg_error *err) {
  lg_buf b;
  uint32_t maps = main_maps(h, live, n);
  double tot[4] = {0, 0, 0, 0};
  size_t i, j;
  int rc = 0;
  lg__buf_init(&b, (size_t)1 << 30);
  for (i = 0; i < n; i++)
    if (live[i].stack != UINT32_MAX && h->stacks[live[i].stack].maps == maps) {
      tot[0] += rnd(live[i].objects);
      tot[1] += rnd(live[i].bytes);
      tot[2] += rnd(live[i].alloc_objects);
      tot[3] += rnd(live[i].alloc_bytes);
    }
  if (lg__buf_appendf(&b,
                      "heap profile: %6.0f: %8.0f [%6.0f: %8.0f] @ "
                      "heapprofile\n",
                      tot[0], tot[1], tot[2], tot[3]))
    goto nomem;
  for (i = 0; i < n; i++) {
    const hp_stack *s;
    int first = 1;
    if (live[i].stack == UINT32_MAX || h->stacks[live[i].stack].maps != maps)
      continue;
    s = &h->stacks[live[i].stack];
    if (lg__buf_appendf(&b, "%6lld: %8lld [%6lld: %8lld] @",
                        (long long)rnd(live[i].objects),
                        (long long)rnd(live[i].bytes),
                        (long long)rnd(live[i].alloc_objects),
                        (long long)rnd(live[i].alloc_bytes)))
      goto nomem;
    for (j = 0; j < s->n; j++) {
      int d = first ? dropped_pc(h, s->maps, s->pcs[j], err) : 0;
      if (d < 0) {
        rc = err->code;
        goto cleanup;
      }
      if (d)
        continue;
      if (lg__buf_appendf(&b, " 0x%llx",
                          (unsigned long long)(s->pcs[j] - (first ? 1 : 0))))
        goto nomem;
      first = 0;
    }
    if (lg__buf_appends(&b, "\n"))
      goto nomem;
  }
  if (maps != UINT32_MAX &&
      (lg__buf_appends(&b, "\nMAPPED_LIBRARIES:\n") ||
       lg__buf_append(&b, h->maps[maps].text, h->maps[maps].len)))
    goto nomem;
  rc = lg__write_atomic(path, b.data, b.len, err);
  goto cleanup;
nomem:
  rc = lg_error_set(err, LG_ENOMEM, "out of memory");
cleanup:
  lg__buf_cleanup(&b);
  return rc;
}
