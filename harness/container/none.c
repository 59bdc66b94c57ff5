/* container/none.c - backend none: no box. The service runs as given, with
 * no memory limit and no OOM detection, and every result says so (the
 * dispatcher keeps the plan's note: why auto fell back here).
 *
 * Owns nothing; every hook is absent, which the dispatcher reads as "no
 * cgroup" (lg_container_path NULL, counters NAN, nothing to kill).
 */
#include "container/ct_int.h"

const ct_ops lg__ct_none_ops = {
    .name = "none",
    .host_program = true,
};
