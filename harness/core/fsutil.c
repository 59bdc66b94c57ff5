/* core/fsutil.c - atomic writes, capped reads, mkdir -p (see core/fsutil.h). */
#include "core/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int lg__write_atomic(const char *path, const void *data, size_t len,
                     lg_error *err) {
  char *tmp = NULL;
  const char *p = data;
  int fd = -1, rc = 0;
  size_t need = strlen(path) + 32;

  tmp = malloc(need);
  if (!tmp)
    return lg_error_set(err, LG_ENOMEM, "%s: out of memory", path);
  snprintf(tmp, need, "%s.tmp.%ld", path, (long)getpid());
  unlink(tmp);
  fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) {
    rc = lg_error_set(err, LG_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    goto cleanup;
  }
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      rc = lg_error_set(err, LG_EIO, "%s: write failed: %s", tmp,
                        n < 0 ? strerror(errno) : "short write");
      goto cleanup;
    }
    p += n;
    len -= (size_t)n;
  }
  if (fsync(fd) != 0 && errno != EINVAL) {
    rc = lg_error_set(err, LG_EIO, "%s: fsync failed: %s", tmp, strerror(errno));
    goto cleanup;
  }
  if (close(fd) != 0) {
    fd = -1;
    rc = lg_error_set(err, LG_EIO, "%s: close failed: %s", tmp, strerror(errno));
    goto cleanup;
  }
  fd = -1;
  if (rename(tmp, path) != 0) {
    rc = lg_error_set(err, LG_EIO, "%s: cannot rename into place: %s", path,
                      strerror(errno));
    goto cleanup;
  }
cleanup:
  if (fd >= 0)
    close(fd);
  if (rc && tmp)
    unlink(tmp);
  free(tmp);
  return rc;
}

int lg__read_file(const char *path, size_t cap, char **out, size_t *len,
                  lg_error *err) {
  char *data = NULL;
  size_t n = 0, alloc = 0;
  int fd, rc = 0;

  *out = NULL;
  /* O_NONBLOCK: a FIFO without a writer must not hang the open. */
  fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return lg_error_set(err, errno == ENOENT ? LG_ENOENT : LG_EIO, "%s: %s",
                        path, strerror(errno));
  {
    struct stat st;
    if (fstat(fd, &st) != 0) {
      rc = lg_error_set(err, LG_EIO, "%s: %s", path, strerror(errno));
      goto cleanup;
    }
    if (!S_ISREG(st.st_mode)) {
      rc = lg_error_set(err, LG_EINPUT, "%s: not a regular file (%s)", path,
                        S_ISDIR(st.st_mode)    ? "a directory"
                        : S_ISFIFO(st.st_mode) ? "a FIFO"
                        : S_ISSOCK(st.st_mode) ? "a socket"
                                               : "a device");
      goto cleanup;
    }
    /* Refused before reading: a parser would grow many times the file. */
    if ((unsigned long long)st.st_size > (unsigned long long)cap) {
      rc = lg_error_set(err, LG_ELIMIT, "%s: larger than %zu bytes", path, cap);
      goto cleanup;
    }
  }
  for (;;) {
    ssize_t r;
    if (alloc - n < 4096 + 1) {
      size_t na = alloc ? alloc * 2 : 8192;
      char *p = realloc(data, na);
      if (!p) {
        rc = lg_error_set(err, LG_ENOMEM, "%s: out of memory", path);
        goto cleanup;
      }
      data = p;
      alloc = na;
    }
    r = read(fd, data + n, alloc - n - 1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      rc = lg_error_set(err, LG_EIO, "%s: read failed: %s", path, strerror(errno));
      goto cleanup;
    }
    if (r == 0)
      break;
    n += (size_t)r;
    if (n > cap) {
      rc = lg_error_set(err, LG_ELIMIT, "%s: larger than %zu bytes", path, cap);
      goto cleanup;
    }
  }
  data[n] = '\0';
  *out = data;
  data = NULL;
  if (len)
    *len = n;
cleanup:
  free(data);
  close(fd);
  return rc;
}

long lg__read_small(const char *path, char *buf, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  size_t n = 0;
  long rc;
  if (fd < 0)
    return -errno;
  /* Until end of file: procfs and cgroupfs render a file page by page (v1
   * cgroup.procs gives one 4 KiB page per read), so one read(2) can stop
   * long before the end. */
  for (;;) {
    ssize_t r;
    char extra;
    if (n + 1 >= cap) {
      /* Full: one more byte says whether the file was cut. */
      do
        r = read(fd, &extra, 1);
      while (r < 0 && errno == EINTR);
      rc = r > 0 ? -EFBIG : r < 0 ? -errno : (long)n;
      break;
    }
    r = read(fd, buf + n, cap - 1 - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) {
      rc = r < 0 ? -errno : (long)n;
      break;
    }
    n += (size_t)r;
  }
  if (cap > 0)
    buf[rc >= 0 ? n : 0] = '\0';
  close(fd);
  return rc;
}

int lg__mkdir_p(const char *path, lg_error *err) {
  char *copy = strdup(path);
  char *p;
  struct stat st;
  int rc = 0;
  if (!copy)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  for (p = copy + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
      rc = lg_error_set(err, LG_EIO, "%s: cannot create directory: %s", copy,
                        strerror(errno));
      goto cleanup;
    }
    *p = '/';
  }
  if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
    rc = lg_error_set(err, LG_EIO, "%s: cannot create directory: %s", copy,
                      strerror(errno));
    goto cleanup;
  }
  /* lstat: a symlink planted where our out dir should be is refused. */
  if (lstat(copy, &st) != 0 || !S_ISDIR(st.st_mode)) {
    rc = lg_error_set(err, LG_EIO, "%s: exists and is not a directory", copy);
    goto cleanup;
  }
cleanup:
  free(copy);
  return rc;
}

int lg__create_file(const char *path, lg_error *err) {
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  struct stat st;
  int fd = open(path, flags, 0644);
  if (fd >= 0)
    return fd;
  if (errno == EEXIST && lstat(path, &st) == 0) {
    if (!S_ISREG(st.st_mode))
      return lg_error_set(err, LG_EIO,
                          "%s: exists and is not a regular file "
                          "(a symlink?); refusing to write through it",
                          path);
    if (unlink(path) == 0 && (fd = open(path, flags, 0644)) >= 0)
      return fd;
  }
  return lg_error_set(err, LG_EIO, "%s: cannot create: %s", path,
                      strerror(errno));
}

/* The pid holding a flock on the inode (dev, ino), from /proc/locks; 0 when
 * not found (another pid namespace, /proc not mounted). O(locks). */
static long lock_holder(dev_t dev, ino_t ino) {
  char *text = NULL, *line, *save = NULL;
  long holder = 0;
  if (lg__read_file("/proc/locks", 1 << 20, &text, NULL, NULL) != 0)
    return 0;
  for (line = strtok_r(text, "\n", &save); line && !holder;
       line = strtok_r(NULL, "\n", &save)) {
    /* "1: FLOCK  ADVISORY  WRITE 22909 fe:00:10960898 0 EOF" */
    unsigned maj, min;
    unsigned long long inode;
    long pid;
    char kind[16];
    /* NOLINTNEXTLINE(cert-err34-c): /proc/locks, written by the kernel */
    if (sscanf(line, "%*d: %15s %*s %*s %ld %x:%x:%llu", kind, &pid, &maj, &min,
               &inode) == 5 &&
        strcmp(kind, "FLOCK") == 0 && inode == (unsigned long long)ino &&
        maj == major(dev) && min == minor(dev))
      holder = pid;
  }
  free(text);
  return holder;
}

int lg__lock_dir(const char *dir, lg_error *err) {
  struct stat st;
  long holder;
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return lg_error_set(err, LG_EIO, "%s: cannot open the out dir: %s", dir,
                        strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) == 0)
    return fd;
  if (errno != EWOULDBLOCK) {
    int e = errno;
    close(fd);
    return lg_error_set(err, LG_EIO, "%s: cannot lock the out dir: %s", dir,
                        strerror(e));
  }
  holder = fstat(fd, &st) == 0 ? lock_holder(st.st_dev, st.st_ino) : 0;
  close(fd);
  if (holder > 0)
    return lg_error_set(err, LG_EIO,
                        "%s: out dir in use by another leakgate run (pid %ld); "
                        "give each run its own --out",
                        dir, holder);
  return lg_error_set(err, LG_EIO,
                      "%s: out dir in use by another leakgate run; give each "
                      "run its own --out",
                      dir);
}

char *lg__path_join(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (!p)
    return NULL;
  if (dir[0] && dir[strlen(dir) - 1] == '/')
    snprintf(p, n, "%s%s", dir, name);
  else
    snprintf(p, n, "%s/%s", dir, name);
  return p;
}

/* unlinkat refuses a directory with EISDIR: d_type is not filled in on
 * every filesystem, so it is not consulted. */
int lg__remove_prefixed(const char *dir, const char *const *prefixes,
                        lg_error *err) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int rc = 0;
  if (!d)
    return lg_error_set(err, LG_EIO, "%s: cannot open: %s", dir,
                        strerror(errno));
  while ((e = readdir(d)) != NULL) {
    size_t i;
    for (i = 0; prefixes[i]; i++)
      if (strncmp(e->d_name, prefixes[i], strlen(prefixes[i])) == 0)
        break;
    if (!prefixes[i])
      continue;
    if (unlinkat(dirfd(d), e->d_name, 0) != 0 && errno != ENOENT &&
        errno != EISDIR) {
      rc = lg_error_set(err, LG_EIO,
                        "%s/%s: cannot remove an earlier run's "
                        "file: %s",
                        dir, e->d_name, strerror(errno));
      break;
    }
  }
  closedir(d);
  return rc;
}
