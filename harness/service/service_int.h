/* service/service_int.h - internal: the lg_service struct shared by
 * service.c (start, poll, stop, free) and ready.c (readiness probes). */
#ifndef LG_SERVICE_INT_H
#define LG_SERVICE_INT_H

#include <leakgate/service.h>

#include "service/capture.h"

#include <stdbool.h>

struct lg_service {
  pid_t pid; /* also the process group id */
  unsigned port;
  const lg_service_spec *spec; /* borrowed from the caller's scenario */
  double ready_scale;
  volatile int *interrupt;
  char *stdout_path, *stderr_path; /* NULL when not written */
  int stdin_fd, stdout_fd;         /* stdin driver pipes, else -1 */
  lg_capture cap;
  bool capturing;
  int log_errno, log_stream; /* a log write failure, kept past the capture */
  double t_start, t_ready; /* monotonic seconds; t_ready NAN before */
  /* How it ended: filled once, from waitid(WNOWAIT), before the reap. */
  bool ended;
  bool exited;
  int exit_status, signal;
  bool stopped_by_us, escalated;
  bool reaped;
  /* A launcher that exited 0 leaving its daemon in the container: from
   * then on the service is the container's processes (service.c). */
  lg_container *container; /* borrowed; NULL without one */
  bool daemon;
  pid_t launcher; /* the pid that exited 0 (pid is still it, reaped) */
};

/* Check (block = wait) whether the service ended; fills the end fields
 * without reaping, so its process group id stays reserved. 1 ended, 0 not.
 * A launcher that exits 0 while processes it started live on in the
 * container (a classic daemon) is reaped at once and the service goes on
 * as those processes: it ends when the container is empty. */
int lg__service_check(lg_service *s, bool block);

/* "exited with status 3" / "killed by signal 11 (Segmentation fault)". */
void lg__service_describe_end(const lg_service *s, char *buf, size_t cap);

#endif
