/* sampler/procfs.c - per-process memory from procfs (lg_procfs_measure,
 * lg_procfs_tree; see leakgate/sampler.h).
 *
 * Per pid and sample: /proc/PID/statm (one ~3 us read: resident and shared
 * pages; resident - shared is exactly RssAnon of /proc/PID/status, as both
 * come from the same mm counters, MM_ANONPAGES, at a third of the cost),
 * the open fd count (below), and - only when asked, at phase boundaries -
 * the Pss line of /proc/PID/smaps_rollup (a page-table walk under the
 * target's mmap lock: ~10 ms per GiB, never in the sampling loop).
 * A process that vanishes mid-read (ENOENT, ESRCH) is skipped: exits are
 * normal. Other failures (EACCES on fd/ of a foreign process) count in
 * errors and leave that value out. Summed RSS and anon double-count pages
 * shared between processes (COW after fork); PSS splits them. The sampler
 * still uses these sums for anon_bytes: the cgroup's anon counter is exact
 * about sharing but updated in per-CPU batches (docs/samples.md).
 * Fd counts: since Linux 6.2 the size stat(2) gives for /proc/PID/fd is
 * the number of open fds (a popcount of the fd bitmap: no directory walk),
 * one ~2 us call whatever the count. Where it reads 0 (older kernels, or no
 * fd open) or the tree is not procfs (a test's fake root), the entries are
 * counted instead: O(fds), ~0.5 ms per 1,000 fds, which the sampler
 * rate-limits (sampler.c).
 * Owns nothing past a call, except the tree walk's buffers in a
 * caller-kept lg_procfs_scratch (procfs_int.h).
 */
#include <leakgate/sampler.h>

#include "core/fsutil.h"
#include "sampler/procfs_int.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

#define TREE_MAX 65536
#define CHILDREN_MAX 65536

static const char *root_of(const char *procfs_root) {
  return procfs_root ? procfs_root : "/proc";
}

static int vanished(long r) {
  return r == -ENOENT || r == -ESRCH;
}

/* Pss in bytes from smaps_rollup text, or -1. */
static double parse_pss(const char *text) {
  const char *p = strncmp(text, "Pss:", 4) == 0 ? text : strstr(text, "\nPss:");
  unsigned long long kb;
  if (p && *p == '\n')
    p++;
  /* NOLINTNEXTLINE(cert-err34-c): the kernel writes this number */
  if (!p || sscanf(p + 4, "%llu", &kb) != 1)
    return -1;
  return (double)kb * 1024.0;
}

/* Entries in dir, not counting . and ..; -errno on failure. */
static long count_dir(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *de;
  long n = 0;
  if (!d)
    return -errno;
  while ((de = readdir(d)))
    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
      n++;
  closedir(d);
  return n;
}

/* Whether root is a mounted procfs, where the size of /proc/PID/fd can be
 * the fd count (a fake tree's directory sizes mean nothing). */
static bool is_procfs(const char *root) {
  struct statfs sf;
  return statfs(root, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

/* Open fds of one process: the size of its fd/ on procfs when the kernel
 * reports the count there, else its entries; -errno on failure. */
static long fds_of(const char *root, pid_t pid, bool procfs) {
  char path[512];
  struct stat st;
  snprintf(path, sizeof path, "%s/%ld/fd", root, (long)pid);
  if (procfs) {
    if (stat(path, &st) != 0)
      return -errno;
    if (st.st_size > 0)
      return (long)st.st_size;
  }
  return count_dir(path);
}

int lg__procfs_fds(const char *procfs_root, const pid_t *pids, size_t n,
                   int *errors) {
  const char *root = root_of(procfs_root);
  bool procfs = is_procfs(root), known = false;
  int total = 0;
  size_t i;
  for (i = 0; i < n; i++) {
    long r = fds_of(root, pids[i], procfs);
    if (r >= 0) {
      total += (int)r;
      known = true;
    } else if (!vanished(r) && errors) {
      (*errors)++;
    }
  }
  return known ? total : -1;
}

int lg_procfs_measure(const char *procfs_root, const pid_t *pids, size_t n,
                      int flags, lg_proc_mem *out) {
  const char *root = root_of(procfs_root);
  double page = (double)sysconf(_SC_PAGESIZE);
  char path[512], buf[4096];
  bool pss_ok = true, with_pss = (flags & LG_PROCFS_PSS) != 0;
  bool with_fds = !(flags & LG_PROCFS_NO_FDS), fds_known = false;
  bool procfs = with_fds && is_procfs(root);
  size_t i;

  memset(out, 0, sizeof out[0]);
  out->pss_bytes = with_pss ? 0 : NAN;
  for (i = 0; i < n; i++) {
    unsigned long long size, res, shared;
    long r;
    snprintf(path, sizeof path, "%s/%ld/statm", root, (long)pids[i]);
    r = lg__read_small(path, buf, sizeof buf);
    if (r < 0) {
      if (!vanished(r))
        out->errors++;
      continue;
    }
    /* NOLINTNEXTLINE(cert-err34-c): /proc/PID/statm, written by the kernel */
    if (sscanf(buf, "%llu %llu %llu", &size, &res, &shared) != 3) {
      out->errors++;
      continue;
    }
    if (res == 0 && size == 0)
      continue; /* a zombie or kernel thread: nothing to measure */
    out->procs++;
    out->rss_bytes += (double)res * page;
    out->anon_bytes += (double)(res > shared ? res - shared : 0) * page;
    if (with_fds) {
      r = fds_of(root, pids[i], procfs);
      if (r >= 0) {
        out->fds += (int)r;
        fds_known = true;
      } else if (!vanished(r)) {
        out->errors++;
      }
    }
    if (with_pss) {
      double pss;
      snprintf(path, sizeof path, "%s/%ld/smaps_rollup", root, (long)pids[i]);
      r = lg__read_small(path, buf, sizeof buf);
      if (r >= 0 && (pss = parse_pss(buf)) >= 0) {
        out->pss_bytes += pss;
      } else if (r < 0 && vanished(r)) {
        /* exited between statm and now: its PSS is gone with it */
      } else {
        pss_ok = false;
        out->errors++;
      }
    }
  }
  if (!fds_known)
    out->fds = -1;
  if (with_pss && (!pss_ok || out->procs == 0))
    out->pss_bytes = NAN;
  return 0;
}

static int seen(const pid_t *q, size_t n, pid_t p) {
  size_t i;
  for (i = 0; i < n; i++)
    if (q[i] == p)
      return 1;
  return 0;
}

/* Append the children listed by every thread of pid to the queue. */
static int add_children(const char *root, pid_t pid, pid_t *q, size_t *qn,
                        size_t qcap, char *buf) {
  char path[512];
  DIR *d;
  struct dirent *de;
  snprintf(path, sizeof path, "%s/%ld/task", root, (long)pid);
  d = opendir(path);
  if (!d)
    return 0; /* vanished */
  while ((de = readdir(d))) {
    char *p, *end;
    if (de->d_name[0] == '.')
      continue;
    snprintf(path, sizeof path, "%s/%ld/task/%s/children", root, (long)pid,
             de->d_name);
    if (lg__read_small(path, buf, CHILDREN_MAX) < 0)
      continue;
    for (p = buf;; p = end) {
      long c = strtol(p, &end, 10);
      if (end == p)
        break;
      /* The tree is walked while it changes: a reused pid could loop. */
      if (c > 0 && *qn < qcap && !seen(q, *qn, (pid_t)c))
        q[(*qn)++] = (pid_t)c;
    }
  }
  closedir(d);
  return 0;
}

int lg__procfs_tree(const char *procfs_root, pid_t root_pid, pid_t *pids,
                    size_t cap, size_t *n, lg_procfs_scratch *sc) {
  const char *root = root_of(procfs_root);
  char path[512];
  size_t qn = 0, i;

  *n = 0;
  snprintf(path, sizeof path, "%s/%ld", root, (long)root_pid);
  if (root_pid <= 0 || access(path, F_OK) != 0)
    return 0;
  if (!sc->q)
    sc->q = malloc(TREE_MAX * sizeof *sc->q);
  if (!sc->buf)
    sc->buf = malloc(CHILDREN_MAX);
  if (!sc->q || !sc->buf)
    return -ENOMEM;
  sc->q[qn++] = root_pid;
  /* Breadth first; the queue is the result. O(processes * threads), plus
   * the linear duplicate check per child (trees here are small). */
  for (i = 0; i < qn; i++)
    add_children(root, sc->q[i], sc->q, &qn, TREE_MAX, sc->buf);
  for (i = 0; i < qn && i < cap; i++)
    pids[i] = sc->q[i];
  *n = qn;
  return 0;
}

void lg__procfs_scratch_free(lg_procfs_scratch *sc) {
  free(sc->q);
  free(sc->buf);
  sc->q = NULL;
  sc->buf = NULL;
}

int lg_procfs_tree(const char *procfs_root, pid_t root_pid, pid_t *pids,
                   size_t cap, size_t *n) {
  lg_procfs_scratch sc = {NULL, NULL};
  int rc = lg__procfs_tree(procfs_root, root_pid, pids, cap, n, &sc);
  lg__procfs_scratch_free(&sc);
  return rc;
}
