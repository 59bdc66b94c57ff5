/* heapprof/profiles.c - heap profiles a service wrote itself, as
 * snapshots: pprof profile.proto (Go's net/http/pprof heap profile, or any
 * profile with an in-use bytes column) and gperftools heap profiles.
 *
 * Column: "inuse_space" when present, else the first sample type whose
 * unit is "bytes"; objects from "inuse_objects", else the first "count".
 * Values are taken as written: Go and gperftools' heap_v2 already scale
 * sampled values back (gperf.c does it for heap_v2). Stacks: a pprof
 * profile's own lines (symbolised by the service: Go always is); a
 * gperftools profile's addresses are symbolised here with libdw through
 * its MAPPED_LIBRARIES section (the binaries must still be on disk).
 * Each sample's stack becomes a site (sites.c); a snapshot is the list of
 * (site, bytes, objects) summed per site, with the profile's own axes
 * (time, bytes allocated so far) for a caller choosing x after reading
 * each file once (cli analyze). On failure nothing is added.
 */
#include "heapprof/hp_int.h"

#include "core/fsutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int column(const lg_pprof *p, const char *type, const char *unit) {
  int i = lg_pprof_sample_type(p, type);
  size_t k;
  if (i >= 0)
    return i;
  for (k = 0; k < p->n_sample_types; k++)
    if (strcmp(p->sample_types[k].unit, unit) == 0)
      return (int)k;
  return -1;
}

/* Frames of sample s: its own lines, or the libdw lookup of its addresses
 * in maps (gperftools). Leaf first; *buf grows as needed. */
static int sample_frames(lg_heapprof *h, const lg_pprof *p,
                         const lg_pprof_sample *s, int maps, hp_frame **buf,
                         size_t *cap, size_t *n, lg_error *err) {
  size_t i, j;
  *n = 0;
  for (i = 0; i < s->n_locations; i++) {
    const lg_pprof_location *l = &p->locations[s->locations[i]];
    const char *obj = l->mapping ? p->mappings[l->mapping - 1].file : NULL;
    if (!l->n_lines && maps >= 0 && l->address) {
      const hp_frame *f;
      size_t k;
      int rc = lg__hp_symbolize(h, (uint32_t)maps, l->address, 1, &f, &k, err);
      if (rc)
        return rc;
      if (lg__grow((void **)buf, cap, *n + k, sizeof **buf, HP_MAX_FRAMES))
        return lg_error_set(err, LG_ELIMIT, "stack deeper than %zu frames",
                            HP_MAX_FRAMES);
      memcpy(*buf + *n, f, k * sizeof *f);
      *n += k;
      continue;
    }
    for (j = 0; j < (l->n_lines ? l->n_lines : 1); j++) {
      hp_frame *f;
      const lg_pprof_function *fn =
          l->n_lines ? &p->functions[l->lines[j].function] : NULL;
      const char *name = fn ? (fn->name[0] ? fn->name : fn->system_name) : "?";
      if (lg__grow((void **)buf, cap, *n + 1, sizeof **buf, HP_MAX_FRAMES))
        return lg_error_set(err, LG_ELIMIT, "stack deeper than %zu frames",
                            HP_MAX_FRAMES);
      f = &(*buf)[(*n)++];
      memset(f, 0, sizeof *f);
      f->function =
          lg__hp_str(h, name[0] ? name : "?", strlen(name[0] ? name : "?"));
      f->file =
          fn && fn->file[0] ? lg__hp_str(h, fn->file, strlen(fn->file)) : NULL;
      f->object = obj && obj[0] ? lg__hp_str(h, obj, strlen(obj)) : NULL;
      f->line = l->n_lines && l->lines[j].line > 0 && l->lines[j].line < 1 << 30
                    ? (int)l->lines[j].line
                    : 0;
      f->address = l->address;
      f->maps = UINT32_MAX;
      f->inlined = l->n_lines && j + 1 < l->n_lines;
      if (!f->function || (fn && fn->file[0] && !f->file) ||
          (obj && obj[0] && !f->object))
        return lg_error_set(err, LG_ENOMEM, "out of memory");
    }
  }
  return 0;
}

/* The bytes allocated so far: the sum of the alloc_space column (NAN
 * without one). */
static double alloc_total(const lg_pprof *p) {
  int col = lg_pprof_sample_type(p, "alloc_space");
  double sum = 0;
  size_t i;
  if (col < 0)
    return NAN;
  for (i = 0; i < p->n_samples; i++)
    sum += (double)p->samples[i].values[col];
  return sum;
}

static int add_snapshot(lg_heapprof *h, const char *name, const lg_pprof *p,
                        int maps, double x, lg_error *err) {
  int bytes_col = column(p, "inuse_space", "bytes"),
      objs_col = column(p, "inuse_objects", "count");
  hp_frame *buf = NULL;
  size_t cap = 0, i, first = h->n_points, *pos = NULL, cap_pos = 0;
  hp_snap sn;
  int rc = 0;
  if (bytes_col < 0)
    return lg_error_set(err, LG_EINPUT,
                        "%s: no in-use bytes in this profile (sample types "
                        "have no inuse_space or bytes column): not a heap "
                        "profile",
                        name);
  for (i = 0; i < p->n_samples && rc == 0; i++) {
    const lg_pprof_sample *s = &p->samples[i];
    size_t n, k;
    uint32_t site;
    if ((rc = sample_frames(h, p, s, maps, &buf, &cap, &n, err)))
      break;
    if ((site = lg__hp_site_of(h, buf, n, err)) == UINT32_MAX) {
      rc = err->code;
      break;
    }
    /* sum per site within this snapshot: pos[site] = its point + 1 */
    if (site >= cap_pos) {
      size_t old = cap_pos, j;
      if (lg__grow((void **)&pos, &cap_pos, (size_t)site + 1, sizeof *pos,
                   HP_MAX_SITES)) {
        rc = lg_error_set(err, LG_ENOMEM, "out of memory");
        break;
      }
      for (j = old; j < cap_pos; j++)
        pos[j] = 0;
    }
    k = pos[site] ? pos[site] - 1 : h->n_points;
    if (k == h->n_points) {
      if (lg__grow((void **)&h->points, &h->cap_points, h->n_points + 1,
                   sizeof *h->points, HP_MAX_SNAP_POINTS)) {
        rc = lg_error_set(err, LG_ELIMIT, "%s: too many heap sites", name);
        break;
      }
      h->points[k].site = site;
      h->points[k].bytes = h->points[k].objects = 0;
      h->n_points++;
      pos[site] = k + 1;
    }
    h->points[k].bytes += (double)s->values[bytes_col];
    h->points[k].objects += objs_col >= 0 ? (double)s->values[objs_col] : 0;
  }
  free(buf);
  free(pos);
  if (rc == 0 && lg__grow((void **)&h->snaps, &h->cap_snaps, h->n_snaps + 1,
                          sizeof *h->snaps, 1 << 20))
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
  if (rc) {
    /* sites added by this file stay (they are only names); its points go */
    h->n_points = first;
    return rc;
  }
  sn.x = x;
  sn.t_s = p->time_nanos > 0 ? (double)p->time_nanos / 1e9 : NAN;
  sn.allocated = alloc_total(p);
  sn.first = first;
  sn.n = h->n_points - first;
  sn.source = lg__hp_str(h, name, strlen(name));
  h->snaps[h->n_snaps++] = sn;
  if (p->period > 0 && h->period == 0)
    h->period = (double)p->period;
  return 0;
}

/* lg_heapprof_add_profile_buffer; mtime (or NULL) is the file's, a
 * gperftools profile's only time. */
static int add_profile(lg_heapprof *h, const char *name, const void *data,
                       size_t len, double x, const struct timespec *mtime,
                       lg_error *err) {
  const char *t = data;
  size_t i = 0;
  lg_pprof *p = NULL;
  int rc, maps = -1;
  const char *format;
  if (h->n_allocs || h->n_procs)
    return lg_error_set(err, LG_EUSAGE,
                        "%s: heap profiles and sample streams cannot be "
                        "mixed",
                        name);
  while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n'))
    i++;
  if (len - i >= 13 && memcmp(t + i, "heap profile:", 13) == 0) {
    size_t off, n;
    format = "gperftools";
    rc = lg__hp_gperf_parse(name, t, len, &p, &off, &n, err);
    if (rc == 0 && n) {
      maps = lg__hp_maps_add(h, UINT32_MAX, t + off, n);
      if (maps < 0)
        rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    }
  } else if (lg_pprof_sniff(data, len)) {
    format = "pprof";
    rc = lg_pprof_decode(name, data, len, &p, err);
  } else {
    return lg_error_set(err, LG_EINPUT,
                        "%s: neither a pprof profile (gzip or protobuf) nor "
                        "a gperftools heap profile ('heap profile: ...')",
                        name);
  }
  if (rc == 0)
    rc = add_snapshot(h, name, p, maps, x, err);
  if (rc == 0) {
    if (h->format && strcmp(h->format, format) != 0)
      h->format = "mixed";
    else
      h->format = format;
    if (mtime && strcmp(format, "gperftools") == 0)
      h->snaps[h->n_snaps - 1].t_s =
          (double)mtime->tv_sec + (double)mtime->tv_nsec / 1e9;
  }
  lg_pprof_free(p);
  return rc;
}

int lg_heapprof_add_profile_buffer(lg_heapprof *h, const char *name,
                                   const void *data, size_t len, double x,
                                   lg_error *err) {
  return add_profile(h, name, data, len, x, NULL, err);
}

int lg_heapprof_add_profile(lg_heapprof *h, const char *path, double x,
                            lg_error *err) {
  char *data = NULL;
  size_t len = 0;
  struct stat st;
  int rc = lg__read_file(path, LG_PPROF_MAX_BYTES, &data, &len, err);
  if (rc)
    return rc;
  rc = add_profile(h, path, data, len, x,
                   stat(path, &st) == 0 ? &st.st_mtim : NULL, err);
  free(data);
  return rc;
}

int lg_heapprof_profile_axes(const lg_heapprof *h, size_t i, double *t_s,
                             double *allocated, lg_error *err) {
  if (i >= h->n_snaps)
    return lg_error_set(err, LG_EUSAGE, "no heap profile %zu (%zu added)", i,
                        h->n_snaps);
  *t_s = h->snaps[i].t_s;
  *allocated = h->snaps[i].allocated;
  return 0;
}

int lg_heapprof_set_profile_x(lg_heapprof *h, size_t i, double x,
                              lg_error *err) {
  if (i >= h->n_snaps)
    return lg_error_set(err, LG_EUSAGE, "no heap profile %zu (%zu added)", i,
                        h->n_snaps);
  h->snaps[i].x = x;
  return 0;
}
