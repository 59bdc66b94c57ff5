/* runtime/inject.h - internal: the environment that turns a runtime's own
 * GC report on without a change to the service (runtime/inject.c).
 * Ownership: lg__rt_inject fills an rt_injection whose strings it owns;
 * lg__rt_injection_cleanup frees them. */
#ifndef LG_RUNTIME_INJECT_H
#define LG_RUNTIME_INJECT_H

#include <leakgate/error.h>
#include <leakgate/runtime.h>
#include <leakgate/scenario.h>

/* The preload the Node report needs, written into the out dir. */
#define RT_NODE_PRELOAD "leakgate-node-gc.js"

typedef struct rt_injection {
  lg_kv *env; /* the scenario's environment with the additions merged */
  size_t n_env;
  char applied[1024]; /* "GODEBUG=gctrace=1; ..." for the result; "" none */
  char note[512];     /* what could not be turned on, and why; "" */
} rt_injection;

/* Merge the switches for info (every managed runtime's for a wrapper) into
 * env[0..n_env): appended to a variable the scenario sets (GODEBUG with
 * ",", JAVA_TOOL_OPTIONS and NODE_OPTIONS with " "), never replacing it;
 * a scenario that already sets gctrace keeps its own value. Writes the Node
 * preload into out_dir when Node's switch is added. LG_ENOMEM or LG_EIO. */
int lg__rt_inject(const lg_runtime_info *info, const char *out_dir,
                  const lg_kv *env, size_t n_env, rt_injection *out,
                  lg_error *err);
void lg__rt_injection_cleanup(rt_injection *inj);

#endif
