/* heapprof/locate.c - where the heap sampler library is, and whether an
 * executable can take it (LD_PRELOAD needs the dynamic loader: a
 * statically linked program, or a setuid one, ignores it).
 * Paths are tried in order: $LEAKGATE_HEAPSAMPLER; next to the running
 * program (the build tree: build/leakgate beside
 * build/libleakgate-heapsampler.so); the install layout relative to it
 * (bin/../lib/leakgate/); the configured install path; the build tree this
 * library was built in (unit tests run from elsewhere in it).
 */
#include "heapprof/hp_int.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SAMPLER_NAME "libleakgate-heapsampler.so"

#ifndef LG_HEAPSAMPLER_BUILD
#define LG_HEAPSAMPLER_BUILD ""
#endif
#ifndef LG_HEAPSAMPLER_INSTALLED
#define LG_HEAPSAMPLER_INSTALLED ""
#endif
#ifndef LG_HEAPSAMPLER_REL
#define LG_HEAPSAMPLER_REL "../lib/leakgate"
#endif

static int usable(const char *p) {
  struct stat st;
  return p[0] == '/' && stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int lg_heapsampler_path(char *out, size_t cap, lg_error *err) {
  const char *env = getenv("LEAKGATE_HEAPSAMPLER");
  char exe[PATH_MAX], cand[PATH_MAX + 64];
  ssize_t n;
  if (env && env[0]) {
    if (env[0] != '/' || !usable(env))
      return lg_error_set(err, LG_ETOOL,
                          "LEAKGATE_HEAPSAMPLER=%s: not an absolute path to "
                          "a file",
                          env);
    snprintf(out, cap, "%s", env);
    return 0;
  }
  n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    char *slash;
    exe[n] = '\0';
    slash = strrchr(exe, '/');
    if (slash) {
      *slash = '\0';
      snprintf(cand, sizeof cand, "%s/%s", exe, SAMPLER_NAME);
      if (usable(cand))
        goto found;
      snprintf(cand, sizeof cand, "%s/%s/%s", exe, LG_HEAPSAMPLER_REL,
               SAMPLER_NAME);
      if (usable(cand))
        goto found;
    }
  }
  snprintf(cand, sizeof cand, "%s", LG_HEAPSAMPLER_INSTALLED);
  if (usable(cand))
    goto found;
  snprintf(cand, sizeof cand, "%s", LG_HEAPSAMPLER_BUILD);
  if (usable(cand))
    goto found;
  return lg_error_set(err, LG_ETOOL,
                      "the heap sampler (%s) was not found next to leakgate, "
                      "in %s, or in the build tree (set LEAKGATE_HEAPSAMPLER)",
                      SAMPLER_NAME, LG_HEAPSAMPLER_INSTALLED);
found:
  if (strlen(cand) >= cap)
    return lg_error_set(err, LG_ELIMIT, "heap sampler path too long");
  snprintf(out, cap, "%s", cand);
  return 0;
}

int lg_heapprof_check_binary(const char *path, char *why, size_t cap) {
  struct stat st;
  Elf *e = NULL;
  size_t n, i;
  int fd, dynamic = 0, rc = 0;
  if (stat(path, &st) != 0)
    return 0;
  if (st.st_mode & (S_ISUID | S_ISGID)) {
    snprintf(why, cap,
             "cannot profile this service: %s is setuid/setgid (the dynamic "
             "loader ignores LD_PRELOAD for it)",
             path);
    return 1;
  }
  if (elf_version(EV_CURRENT) == EV_NONE)
    return 0;
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  e = elf_begin(fd, ELF_C_READ, NULL);
  if (!e || elf_kind(e) != ELF_K_ELF || elf_getphdrnum(e, &n) != 0)
    goto cleanup; /* a script or not ELF: the sampler's note decides */
  for (i = 0; i < n; i++) {
    GElf_Phdr ph;
    if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_INTERP)
      dynamic = 1;
  }
  if (!dynamic) {
    snprintf(why, cap,
             "cannot profile this service: %s is statically linked (no "
             "dynamic loader, so the heap sampler cannot be preloaded "
             "into it)",
             path);
    rc = 1;
  }
cleanup:
  if (e)
    elf_end(e);
  close(fd);
  return rc;
}
