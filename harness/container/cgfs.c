/* container/cgfs.c - cgroupfs file helpers (see container/cgfs.h).
 * Owns nothing beyond the duration of a call; lg__cg_join's string is the
 * caller's. */
#include "container/cgfs.h"

#include "core/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LG_CG_MAX_DEPTH 32

char *lg__cg_join(const char *dir, const char *file) {
  return lg__path_join(dir, file);
}

int lg__cg_write(const char *dir, const char *file, const char *val,
                 bool create) {
  char *path = lg__cg_join(dir, file);
  size_t len = strlen(val);
  ssize_t n;
  int fd, rc = 0;

  if (!path)
    return -ENOMEM;
  fd =
      open(path, O_WRONLY | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0), 0644);
  if (fd < 0) {
    rc = -errno;
    goto cleanup;
  }
  /* One write: cgroupfs parses each write(2) as one value. */
  do
    n = write(fd, val, len);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    rc = -errno;
  else if ((size_t)n != len)
    rc = -EIO;
  if (close(fd) != 0 && rc == 0)
    rc = -errno;
cleanup:
  free(path);
  return rc;
}

long lg__cg_read(const char *dir, const char *file, char *buf, size_t cap) {
  char *path = lg__cg_join(dir, file);
  long n;
  if (!path)
    return -ENOMEM;
  n = lg__read_small(path, buf, cap);
  free(path);
  return n;
}

int lg__cg_exists(const char *dir, const char *file) {
  char *path = lg__cg_join(dir, file);
  int ok;
  if (!path)
    return 0;
  ok = access(path, F_OK) == 0;
  free(path);
  return ok;
}

static int parse_u64(const char *s, uint64_t *v) {
  char *end;
  unsigned long long x;
  while (*s == ' ' || *s == '\t')
    s++;
  if (strncmp(s, "max", 3) == 0) {
    *v = UINT64_MAX;
    return 0;
  }
  if (*s < '0' || *s > '9')
    return -EINVAL;
  errno = 0;
  x = strtoull(s, &end, 10);
  if (errno)
    return -EINVAL;
  *v = (uint64_t)x;
  return 0;
}

int lg__cg_read_u64(const char *dir, const char *file, uint64_t *v) {
  char buf[128];
  long n = lg__cg_read(dir, file, buf, sizeof buf);
  if (n < 0)
    return (int)n;
  return parse_u64(buf, v);
}

int lg__cg_keyed(const char *text, const char *key, uint64_t *v) {
  size_t klen = strlen(key);
  const char *p = text;
  while (p && *p) {
    if (strncmp(p, key, klen) == 0 && (p[klen] == ' ' || p[klen] == '\t'))
      return parse_u64(p + klen, v);
    p = strchr(p, '\n');
    if (p)
      p++;
  }
  return -ENOENT;
}

int lg__cg_has_word(const char *text, const char *word) {
  size_t wlen = strlen(word);
  const char *p = text;
  while (*p) {
    const char *e;
    while (*p == ' ' || *p == '\n' || *p == '\t')
      p++;
    e = p;
    while (*e && *e != ' ' && *e != '\n' && *e != '\t')
      e++;
    if ((size_t)(e - p) == wlen && strncmp(p, word, wlen) == 0)
      return 1;
    p = e;
  }
  return 0;
}

/* cgroup.procs of dir into a buffer grown until the whole list fits
 * (*buf owned by the caller); the length, 0 for a cgroup that vanished, or
 * -errno. */
static long read_procs(const char *dir, char **buf) {
  size_t cap = LG_CG_FILE_MAX;
  long len;
  for (;;) {
    char *b = realloc(*buf, cap);
    if (!b)
      return -ENOMEM;
    *buf = b;
    len = lg__cg_read(dir, "cgroup.procs", b, cap);
    if (len != -EFBIG || cap >= LG_CG_PROCS_MAX)
      break;
    cap *= 4;
  }
  if (len == -ENOENT || len == -ENODEV) {
    len = 0;
    (*buf)[0] = '\0';
  }
  return len;
}

static int pids_rec(const char *dir, pid_t *pids, size_t cap, size_t *n,
                    int depth) {
  char *buf = NULL, *path = NULL, *p;
  DIR *d = NULL;
  struct dirent *de;
  long len;
  int rc = 0;

  if (depth > LG_CG_MAX_DEPTH)
    return 0;
  len = read_procs(dir, &buf);
  if (len < 0) {
    rc = (int)len;
    goto cleanup;
  }
  for (p = buf; *p;) {
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p)
      break;
    if (v > 0) {
      if (*n < cap)
        pids[*n] = (pid_t)v;
      (*n)++;
    }
    p = end;
    while (*p == '\n' || *p == ' ')
      p++;
  }
  d = opendir(dir);
  if (!d)
    goto cleanup; /* vanished: no children either */
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.' || de->d_type != DT_DIR)
      continue;
    free(path);
    path = lg__cg_join(dir, de->d_name);
    if (!path) {
      rc = -ENOMEM;
      goto cleanup;
    }
    rc = pids_rec(path, pids, cap, n, depth + 1);
    if (rc)
      goto cleanup;
  }
cleanup:
  if (d)
    closedir(d);
  free(path);
  free(buf);
  return rc;
}

int lg__cg_pids(const char *dir, pid_t *pids, size_t cap, size_t *n) {
  *n = 0;
  return pids_rec(dir, pids, cap, n, 0);
}

int lg__cg_pid_alive(pid_t pid) {
  char path[64], buf[512], *rp;
  if (kill(pid, 0) != 0 && errno == ESRCH)
    return 0;
  snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
  if (lg__read_small(path, buf, sizeof buf) < 0)
    return 0;
  rp = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
  return !(rp && rp[1] == ' ' && rp[2] == 'Z');
}

static int rmdir_rec(const char *dir, bool fake, int depth) {
  DIR *d;
  struct dirent *de;
  char *path = NULL;
  int rc = 0, r;

  if (depth > LG_CG_MAX_DEPTH)
    return -ELOOP;
  d = opendir(dir);
  if (!d)
    return errno == ENOENT ? 0 : -errno;
  while ((de = readdir(d))) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    free(path);
    path = lg__cg_join(dir, de->d_name);
    if (!path) {
      rc = -ENOMEM;
      break;
    }
    if (de->d_type == DT_DIR) {
      r = rmdir_rec(path, fake, depth + 1);
      if (r && !rc)
        rc = r;
    } else if (fake && de->d_type == DT_REG) {
      if (unlink(path) != 0 && !rc)
        rc = -errno;
    }
  }
  closedir(d);
  free(path);
  if (rmdir(dir) != 0 && errno != ENOENT && !rc)
    rc = -errno;
  return rc;
}

int lg__cg_rmdir_tree(const char *dir, bool fake) {
  return rmdir_rec(dir, fake, 0);
}
