/* core/fsutil.h - file helpers that never leave a truncated output behind.
 *
 * lg__write_atomic writes to "<path>.tmp.<pid>" (O_EXCL|O_NOFOLLOW, mode 0644),
 * fsyncs, and renames over path, so readers see the old file or the whole new
 * one. lg__read_file reads at most cap bytes (LG_ELIMIT beyond). lg__mkdir_p
 * creates missing directories with mode 0755 and refuses a symlink as the
 * final component.
 */
#ifndef LG_CORE_FSUTIL_H
#define LG_CORE_FSUTIL_H

#include <leakgate/error.h>
#include <stddef.h>

int lg__write_atomic(const char *path, const void *data, size_t len,
                     lg_error *err);
/* Read a whole regular file; *out is NUL-terminated and owned by the
 * caller. Anything else (a FIFO, a directory, a device) is LG_EINPUT
 * without waiting for it; a file past cap is LG_ELIMIT, told by its size
 * before any of it is read (and again if it grows while being read). */
int lg__read_file(const char *path, size_t cap, char **out, size_t *len,
                  lg_error *err);
/* Read a small file (cgroupfs, procfs) into buf, NUL-terminated, until end
 * of file; returns its size, -EFBIG when it does not fit in cap - 1 bytes
 * (nothing is cut silently), or -errno. */
long lg__read_small(const char *path, char *buf, size_t cap);
int lg__mkdir_p(const char *path, lg_error *err);
/* Create path for writing (mode 0644, O_EXCL|O_NOFOLLOW|O_CLOEXEC): a
 * regular file from an earlier run is replaced, a symlink or anything else
 * planted there is refused. Returns the fd or a negative LG_E* code. */
int lg__create_file(const char *path, lg_error *err);
/* Lock directory dir for this process (an exclusive flock on the directory
 * itself, so no lock file is left behind; the kernel drops it when the
 * process ends, even by SIGKILL). Returns the fd to keep open (close it to
 * unlock; close-on-exec, so a started program never holds it), or LG_EIO
 * when another process holds it, naming that process when /proc/locks
 * tells. */
int lg__lock_dir(const char *dir, lg_error *err);
/* Remove dir's entries whose names start with one of prefixes (a
 * NULL-ended list): an earlier run's files in a reused out dir. Files and
 * symlinks alike (unlink never follows a link); a directory of such a name
 * is left alone. O(entries). */
int lg__remove_prefixed(const char *dir, const char *const *prefixes,
                        lg_error *err);
/* Join dir and name into a new string (caller frees). */
char *lg__path_join(const char *dir, const char *name);

#endif
