/* cli/cmd_analyze_heap.c - `leakgate analyze` on heap profiles: a sequence
 * of pprof profile.proto files (Go's net/http/pprof heap profile, or any
 * profile with an in-use bytes column) or gperftools heap profiles
 * (HEAPPROFILE=prefix ./service writes prefix.0001.heap, ...), or a heap
 * sampler directory (OUT/heap_profile of a run, fitted again). Every
 * allocation site's in-use bytes are fitted against x and the growing ones
 * reported (docs/heap-profile.md "analyze").
 *
 * x, per file in the order given:
 *   seconds    pprof: the profile's time (time_nanos); gperftools: the
 *              file's modification time; relative to the first
 *   allocated  the profile's allocated bytes so far (alloc_space): work
 *              done, as gperftools dumps every HEAP_PROFILE_ALLOCATION_
 *              INTERVAL bytes (rates are then bytes kept per byte
 *              allocated)
 *   index      0, 1, 2, ...
 *   requests   with --x-values: the completed requests at each profile
 * Default: allocated when every profile has allocation totals (work done
 * does not depend on how busy the machine was, as the time between dumps
 * does), else seconds when every one has a time, else index.
 */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Read the first bytes of path; 0 when it cannot be read. */
static size_t head(const char *path, unsigned char *buf, size_t cap) {
  FILE *f = fopen(path, "rb");
  size_t n;
  if (!f)
    return 0;
  n = fread(buf, 1, cap, f);
  fclose(f);
  return n;
}

static bool has_streams(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  bool found = false;
  if (!d)
    return false;
  while (!found && (e = readdir(d)) != NULL)
    found = strncmp(e->d_name, "heapprof.", 9) == 0 &&
            strstr(e->d_name, ".lghs") != NULL;
  closedir(d);
  return found;
}

bool cli_is_heap_input(const char *path) {
  unsigned char b[32];
  struct stat st;
  size_t n, i = 0;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
    return has_streams(path);
  n = head(path, b, sizeof b);
  while (i < n && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t'))
    i++;
  if (n - i >= 13 && memcmp(b + i, "heap profile:", 13) == 0)
    return true;
  /* a gzip file is a profile here: the series readers take no gzip */
  return n >= 2 && ((b[0] == 0x1f && b[1] == 0x8b) ||
                    (lg_pprof_sniff(b, n) && b[0] == 0x0a));
}

/* OUT/heap_profile/progress.csv ("t_s,requests" rows) into h. */
static int read_progress(lg_heapprof *h, const char *dir, lg_error *err) {
  char path[4096], line[256];
  double *t = NULL, *x = NULL;
  size_t n = 0, cap = 0;
  FILE *f;
  int rc = 0;
  snprintf(path, sizeof path, "%s/progress.csv", dir);
  f = fopen(path, "r");
  if (!f)
    return 0; /* no progress pairs: x is seconds */
  while (fgets(line, sizeof line, f)) {
    double a, b;
    /* the header, and a row that is not two numbers, are skipped;
     * lg_heapprof_set_progress checks the order of the rest */
    if (sscanf(line, "%lf,%lf", &a, &b) != 2) // NOLINT(cert-err34-c)
      continue;
    if (n == cap) {
      double *nt, *nx;
      cap = cap ? cap * 2 : 1024;
      nt = realloc(t, cap * sizeof *t);
      if (nt)
        t = nt;
      nx = nt ? realloc(x, cap * sizeof *x) : NULL;
      if (!nx) {
        rc = lg_error_set(err, LG_ENOMEM, "out of memory");
        goto cleanup;
      }
      x = nx;
    }
    t[n] = a;
    x[n++] = b;
  }
  rc = lg_heapprof_set_progress(h, t, x, n, err);
  if (rc)
    rc = lg_error_prefix(err, rc, "%s", path);
cleanup:
  fclose(f);
  free(t);
  free(x);
  return rc;
}

/* "1000,2000,5000" into v (n values); -1 when malformed. */
static int parse_values(const char *s, double *v, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    char *end;
    errno = 0;
    v[i] = strtod(s, &end);
    if (end == s || errno || !isfinite(v[i]))
      return -1;
    s = end;
    if (i + 1 < n) {
      if (*s != ',')
        return -1;
      s++;
    }
  }
  return *s ? -1 : 0;
}

int cli_analyze_heap(char *const *paths, size_t n, const char *x,
                     const char *x_values, const lg_analysis_opts *ao,
                     bool tolerance_given, const cli_outputs *outs) {
  lg_heapprof *h = NULL;
  lg_heapprof_opts ho;
  lg_result *r = NULL;
  lg_error err;
  double *secs = NULL, *alloc = NULL, *xs = NULL;
  bool all_secs = true, all_alloc = true, dir = false;
  struct stat st;
  size_t i;
  int rc = LG_EXIT_USAGE;

  lg_error_clear(&err);
  dir = n == 1 && stat(paths[0], &st) == 0 && S_ISDIR(st.st_mode);
  if (x && strcmp(x, "requests") && strcmp(x, "seconds") &&
      strcmp(x, "index") && strcmp(x, "allocated")) {
    cli_errorf("--x for heap profiles: requests, seconds, allocated or "
               "index, got '%s'",
               x);
    return LG_EXIT_USAGE;
  }
  if (x_values && dir) {
    cli_errorf("--x-values: a heap sampler directory has its own x "
               "(progress.csv)");
    return LG_EXIT_USAGE;
  }
  secs = calloc(n, sizeof *secs);
  alloc = calloc(n, sizeof *alloc);
  xs = calloc(n, sizeof *xs);
  if (!secs || !alloc || !xs || lg_heapprof_new(&h, &err) != 0) {
    rc = LG_EXIT_ERROR;
    goto cleanup;
  }
  if (dir) {
    /* a run's OUT/heap_profile: its streams and its progress pairs */
    if (lg_heapprof_add_stream_dir(h, paths[0], &err) != 0 ||
        read_progress(h, paths[0], &err) != 0) {
      rc = cli_fail(&err);
      goto cleanup;
    }
  } else {
    /* each file read once: added at its index, moved to its x below */
    for (i = 0; i < n; i++) {
      if (lg_heapprof_add_profile(h, paths[i], (double)i, &err) != 0 ||
          lg_heapprof_profile_axes(h, i, &secs[i], &alloc[i], &err) != 0) {
        rc = cli_fail(&err);
        goto cleanup;
      }
      all_secs &= isfinite(secs[i]);
      all_alloc &= isfinite(alloc[i]) && alloc[i] > 0;
    }
    if (x_values) {
      if (parse_values(x_values, xs, n) != 0) {
        cli_errorf("--x-values: %zu comma-separated numbers expected, one "
                   "per profile",
                   n);
        goto cleanup;
      }
      if (!x)
        x = "requests";
    } else if (x && strcmp(x, "requests") == 0) {
      cli_errorf("--x requests needs --x-values (the completed requests at "
                 "each profile)");
      goto cleanup;
    }
    if (!x)
      x = all_alloc ? "allocated" : all_secs ? "seconds" : "index";
    for (i = 0; i < n && !x_values; i++) {
      if (strcmp(x, "seconds") == 0) {
        if (!all_secs) {
          cli_errorf("%s: no time in this profile: use --x allocated or "
                     "index",
                     paths[i]);
          goto cleanup;
        }
        xs[i] = secs[i] - secs[0];
      } else if (strcmp(x, "allocated") == 0) {
        if (!all_alloc) {
          cli_errorf("%s: no allocation totals in this profile: use --x "
                     "seconds or index",
                     paths[i]);
          goto cleanup;
        }
        xs[i] = alloc[i];
      } else {
        xs[i] = (double)i;
      }
    }
    for (i = 0; i < n; i++)
      if (lg_heapprof_set_profile_x(h, i, xs[i], &err) != 0) {
        rc = cli_fail(&err);
        goto cleanup;
      }
  }
  lg_heapprof_opts_init(&ho);
  ho.confidence = ao->confidence;
  ho.warmup_fraction = ao->warmup_fraction;
  /* Per request the run's tolerance applies; on the other axes no default
   * is meaningful, so any growth the sites show with confidence counts. */
  ho.tolerance =
      tolerance_given || (x && strcmp(x, "requests") == 0) ? ao->tolerance : 0;
  ho.x_name = x ? x : "requests";
  ho.snapshots = 0;
  r = lg_result_new();
  if (!r) {
    rc = LG_EXIT_ERROR;
    goto cleanup;
  }
  if (lg_heapprof_finish(h, &ho, &r->heap_profile, &err) != 0) {
    rc = cli_fail(&err);
    goto cleanup;
  }
  r->heap_profile.enabled = true;
  r->confidence = ao->confidence;
  r->scenario_name = strdup(paths[0]);
  r->scenario_file = strdup(paths[0]);
  for (i = 0; i < lg_heapprof_notes(h); i++)
    cli_warnf("%s", lg_heapprof_note(h, i));
  /* No memory series here: the growth check is the sites'. */
  lg_result_add_check(r, "growth", LG_CHECK_SKIPPED,
                      "heap profiles: judged per allocation site (the "
                      "heap_profile check), not as one series");
  lg_result_finish(r);
  rc = cli_finish_results((const lg_result *const *)&r, 1, outs);
cleanup:
  lg_result_free(r);
  lg_heapprof_free(h);
  free(secs);
  free(alloc);
  free(xs);
  return rc;
}
