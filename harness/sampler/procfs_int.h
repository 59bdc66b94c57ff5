/* sampler/procfs_int.h - internal: the process-tree walk with buffers the
 * caller keeps, so the sampler's tick walks the tree without allocating
 * (lg_procfs_tree makes and frees them per call). */
#ifndef LG_SAMPLER_PROCFS_INT_H
#define LG_SAMPLER_PROCFS_INT_H

#include <stddef.h>
#include <sys/types.h>

/* The walk's queue (TREE_MAX pids) and children-file buffer; both NULL
 * until the first walk that needs them. */
typedef struct lg_procfs_scratch {
  pid_t *q;
  char *buf;
} lg_procfs_scratch;

/* Open fds of pids, summed (-1 when none could be read); failures other
 * than a process exiting count in *errors (may be NULL). Zombies have no
 * fd table and add nothing. */
int lg__procfs_fds(const char *procfs_root, const pid_t *pids, size_t n,
                   int *errors);

/* lg_procfs_tree with its buffers in sc (allocated on first use, kept). */
int lg__procfs_tree(const char *procfs_root, pid_t root_pid, pid_t *pids,
                    size_t cap, size_t *n, lg_procfs_scratch *sc);
void lg__procfs_scratch_free(lg_procfs_scratch *sc);

#endif
