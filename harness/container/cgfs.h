/* container/cgfs.h - internal: small cgroupfs file helpers shared by the
 * container module's files (detect.c, cgroup.c, container.c, stale.c).
 *
 * cgroupfs interface files are tiny text files the kernel renders on read;
 * each helper opens, reads (until end of file: the kernel may hand out a
 * page per read) or writes once, and closes. Nothing here allocates except
 * lg__cg_join and lg__cg_pids (a buffer for cgroup.procs, freed before it
 * returns). Every function returns 0 (or a byte count)
 * or -errno, never an lg_error: the callers know the context for a message.
 */
#ifndef LG_CONTAINER_CGFS_H
#define LG_CONTAINER_CGFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Upper bound of one interface file we parse (memory.stat is ~1.5 KiB). */
#define LG_CG_FILE_MAX 16384
/* cgroup.procs is read whole up to this size (about 100,000 pids). */
#define LG_CG_PROCS_MAX (1024 * 1024)

/* "<dir>/<file>" into a new string (NULL on out of memory). */
char *lg__cg_join(const char *dir, const char *file);

/* Write val to dir/file in one write(2). create: make the file when it is
 * missing (only for fake trees under a test hook; the kernel makes the real
 * ones at mkdir). Returns 0 or -errno. */
int lg__cg_write(const char *dir, const char *file, const char *val,
                 bool create);

/* Read dir/file into buf (NUL-terminated); returns length or -errno. */
long lg__cg_read(const char *dir, const char *file, char *buf, size_t cap);

/* 1 when dir/file exists, else 0. */
int lg__cg_exists(const char *dir, const char *file);

/* Parse a single number file ("max" gives UINT64_MAX). 0 or -errno/-EINVAL. */
int lg__cg_read_u64(const char *dir, const char *file, uint64_t *v);

/* Find "key value" in a flat-keyed text (memory.stat, memory.events,
 * memory.oom_control). 0 when found, -ENOENT when not. */
int lg__cg_keyed(const char *text, const char *key, uint64_t *v);

/* 1 when the space-separated list text holds word (cgroup.controllers). */
int lg__cg_has_word(const char *text, const char *word);

/* Read every pid of dir/cgroup.procs and, recursively, of its child
 * directories (depth-limited to 32). Stores up to cap pids; *n counts all
 * found. A missing procs file counts as empty (the cgroup is gone).
 * Returns 0 or -errno. O(pids + subdirectories). */
int lg__cg_pids(const char *dir, pid_t *pids, size_t cap, size_t *n);

/* 1 when pid exists and is not a zombie (a zombie holds no memory and
 * cannot be killed any deader; its reaper is not us). */
int lg__cg_pid_alive(pid_t pid);

/* Told of one memory hierarchy's mount: version 2 (cgroup2) or 1 (a
 * cgroup mount with the memory controller), its mount point and the root
 * of the hierarchy mounted there. */
typedef void (*lg__cg_mount_fn)(void *ctx, int version, const char *point,
                                const char *root);
/* Every memory hierarchy mount in mountinfo (/proc/self/mountinfo's
 * format), in its order, octal escapes undone (detect.c). 0 or -errno when
 * it cannot be opened. */
int lg__cg_memory_mounts(const char *mountinfo, lg__cg_mount_fn fn, void *ctx);

/* Remove dir and its child cgroups, deepest first. fake: first unlink the
 * regular files a fake tree holds (kernfs drops them with the directory).
 * Returns 0 or -errno of the first failure. */
int lg__cg_rmdir_tree(const char *dir, bool fake);

#endif
