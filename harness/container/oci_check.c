/* container/oci_check.c - doctor's check of a container engine
 * (lg_container_check_engine, see leakgate/container.h): is the client
 * there, does the daemon answer, and can it run a container limited to
 * 64 MiB the way a service runs (--init, the host network) and show that
 * limit from inside?
 *
 * The container needs an image, and a registry may be out of reach: the
 * check makes one from this machine's /bin/sh and the libraries `ldd`
 * names for it (docker: `import` of their tarball; podman: `--rootfs` of
 * the directory), so the answer depends on the engine only. What a failed
 * run prints is matched against the failures this project has met, each
 * with its fix (the two podman settings of ci/engines.sh among them).
 *
 * Owns, for the duration of a call: a temporary directory (rootfs and
 * tarball) and the throwaway image; both are removed before it returns.
 * The container runs with --rm.
 */
#include "container/ct_int.h"

#include "core/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK_LIMIT (UINT64_C(64) << 20)
/* Largest gap between the asked limit and what the kernel shows: it
 * rounds down to whole pages (64 KiB pages on some arm64). */
#define CHECK_SLACK 65536

/* Run inside the container: the limit of its own cgroup, v2 (in the
 * container's cgroup namespace) or v1 (the memory hierarchy mounted at its
 * cgroup). Pure sh: the image holds nothing else. */
static const char check_script[] =
    "for f in /sys/fs/cgroup/memory.max "
    "/sys/fs/cgroup/memory/memory.limit_in_bytes; do "
    "if [ -r \"$f\" ]; then read -r v <\"$f\"; echo \"$v\"; exit 0; fi; "
    "done; echo 'no memory limit file in the container'; exit 3";

/* Known failures of a run: a word of the engine's message, and the fix. */
static const struct {
  const char *word;
  const char *fix;
} known[] = {
    {"rlimit",
     "this sandbox refuses raising RLIMIT_NOFILE/NPROC: add `default_ulimits "
     "= []` under [containers] in /etc/containers/containers.conf"},
    {"ulimit",
     "this sandbox refuses raising RLIMIT_NOFILE/NPROC: add `default_ulimits "
     "= []` under [containers] in /etc/containers/containers.conf"},
    {"crun", "crun refuses this cgroup layout: install runc and set `runtime = "
             "\"runc\"` under [engine] in /etc/containers/containers.conf"},
    {"catatonit", "podman --init needs catatonit: apt-get install catatonit"},
    {"container-init", "podman --init needs catatonit: apt-get install "
                       "catatonit"},
    {"docker-init", "docker --init needs tini: apt-get install tini"},
    {"docker.sock: connect: permission denied",
     "add this user to the docker group (then log in again)"},
};

static const char *fix_for(const char *out) {
  size_t i;
  for (i = 0; i < sizeof known / sizeof *known; i++)
    if (strstr(out, known[i].word))
      return known[i].fix;
  return "";
}

static int copy_file(const char *src, const char *dst) {
  char buf[65536];
  ssize_t n;
  int in, out, rc = 0;
  in = open(src, O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return -errno;
  out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  if (out < 0) {
    rc = -errno;
    close(in);
    return rc;
  }
  while ((n = read(in, buf, sizeof buf)) > 0)
    if (write(out, buf, (size_t)n) != n) {
      rc = -EIO;
      break;
    }
  if (n < 0)
    rc = -errno;
  close(in);
  if (close(out) != 0 && !rc)
    rc = -errno;
  return rc;
}

/* Copy src to root/src (root + the absolute path), making directories. */
static int place(const char *root, const char *src, char *why, size_t cap) {
  char dst[2048], *slash;
  lg_error e = {0, ""};
  int r;
  lg__ct_setf(dst, sizeof dst, "%s%s", root, src);
  slash = strrchr(dst, '/');
  *slash = '\0';
  if (lg__mkdir_p(dst, &e) != 0) {
    lg__ct_setf(why, cap, "%s", e.msg);
    return -1;
  }
  *slash = '/';
  if ((r = copy_file(src, dst)) != 0) {
    lg__ct_setf(why, cap, "cannot copy %s into the check's image: %s", src,
                strerror(-r));
    return -1;
  }
  return 0;
}

/* root/bin/sh and the libraries `ldd /bin/sh` names: "x => /path (addr)"
 * and the loader's "/path (addr)". */
static int make_rootfs(const char *root, double timeout_s, char *why,
                       size_t cap) {
  char *ldd = lg__which("ldd"), out[CT_OUT_CAP], *line, *save = NULL;
  char *args[] = {"/bin/sh", NULL};
  int rc = 0;
  if (place(root, "/bin/sh", why, cap) != 0) {
    rc = -1;
    goto cleanup;
  }
  /* No ldd (or a static /bin/sh): nothing more to copy. */
  if (!ldd || lg__ct_tool_run(ldd, args, timeout_s, out, sizeof out) != 0)
    goto cleanup;
  for (line = strtok_r(out, "\n", &save); line && !rc;
       line = strtok_r(NULL, "\n", &save)) {
    char *p = strstr(line, "=> /"), *end;
    if (p)
      p += 3;
    else
      for (p = line; *p == ' ' || *p == '\t'; p++)
        ;
    if (*p != '/')
      continue;
    end = strchr(p, ' ');
    if (end)
      *end = '\0';
    rc = place(root, p, why, cap);
  }
cleanup:
  free(ldd);
  return rc;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw) {
  (void)st;
  (void)ftw;
  return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* The run: 64 MiB, like a service (lg__ct_oci_argv's flags), reading its own
 * limit; out holds what it printed. */
static int run_check(const char *tool, const char *image, const char *rootfs,
                     double timeout_s, char *out, size_t cap) {
  char *args[CT_TOOL_ARGS_MAX + 1];
  char mem[32];
  size_t n = 0;
  lg__ct_setf(mem, sizeof mem, "%" PRIu64, CHECK_LIMIT);
  args[n++] = "run";
  args[n++] = "--rm";
  args[n++] = "--init";
  args[n++] = "--label";
  args[n++] = "leakgate=1";
  args[n++] = "--network";
  args[n++] = "host";
  args[n++] = "--memory";
  args[n++] = mem;
  args[n++] = "--memory-swap";
  args[n++] = mem;
  if (image) {
    args[n++] = (char *)image;
  } else {
    args[n++] = "--rootfs";
    args[n++] = (char *)rootfs;
  }
  args[n++] = "/bin/sh";
  args[n++] = "-c";
  args[n++] = (char *)check_script;
  args[n] = NULL;
  return lg__ct_tool_run(tool, args, timeout_s, out, cap);
}

/* The number the script printed (its last line). */
static bool read_limit(const char *out, uint64_t *v) {
  char line[320], *end;
  unsigned long long x;
  lg__ct_last_line(out, line, sizeof line);
  if (line[0] < '0' || line[0] > '9')
    return false;
  errno = 0;
  x = strtoull(line, &end, 10);
  if (errno || *end)
    return false;
  *v = x;
  return true;
}

static void check_run(const lg_container_opts *o, bool podman,
                      lg_engine_check *ck) {
  double t = lg__ct_probe_timeout(o);
  const char *name = podman ? "podman" : "docker";
  char dir[] = "/tmp/leakgate-check-XXXXXX", root[64], tar[64], tag[96];
  char out[CT_OUT_CAP], line[320], *tar_tool = NULL;
  char *tar_args[] = {"-C", root, "-cf", tar, ".", NULL};
  char *import_args[] = {"import", tar, tag, NULL};
  char *rmi_args[] = {"rmi", "-f", tag, NULL};
  bool imported = false;
  int r;

  if (!mkdtemp(dir)) {
    lg__ct_setf(ck->run, sizeof ck->run, "mkdtemp: %s", strerror(errno));
    return;
  }
  lg__ct_setf(root, sizeof root, "%s/root", dir);
  lg__ct_setf(tar, sizeof tar, "%s/root.tar", dir);
  lg__ct_setf(tag, sizeof tag, "leakgate-check-%ld:latest", (long)getpid());
  if (make_rootfs(root, t, ck->run, sizeof ck->run) != 0)
    goto cleanup;
  if (!podman) {
    if (!(tar_tool = lg__which("tar"))) {
      lg__ct_setf(ck->run, sizeof ck->run, "tar not found in PATH");
      lg__ct_setf(ck->fix, sizeof ck->fix, "install tar");
      goto cleanup;
    }
    if (lg__ct_tool_run(tar_tool, tar_args, t, out, sizeof out) != 0 ||
        lg__ct_tool_run(ck->tool, import_args, t, out, sizeof out) != 0) {
      lg__ct_setf(ck->run, sizeof ck->run, "cannot make the check's image: %s",
                  lg__ct_last_line(out, line, sizeof line));
      goto cleanup;
    }
    imported = true;
  }
  r = run_check(ck->tool, podman ? NULL : tag, podman ? root : NULL, t, out,
                sizeof out);
  if (r != 0) {
    lg__ct_setf(ck->run, sizeof ck->run,
                "a container limited to 64 MiB does not run: %s",
                lg__ct_last_line(out, line, sizeof line));
    lg__ct_setf(ck->fix, sizeof ck->fix, "%s", fix_for(out));
  } else if (!read_limit(out, &ck->limit)) {
    lg__ct_setf(ck->run, sizeof ck->run,
                "a container limited to 64 MiB ran but its limit reads \"%s\"",
                lg__ct_last_line(out, line, sizeof line));
  } else if (ck->limit > CHECK_LIMIT ||
             CHECK_LIMIT - ck->limit >= CHECK_SLACK) {
    lg__ct_setf(
        ck->run, sizeof ck->run,
        "%s ran the container without the asked limit: it reads %" PRIu64
        " bytes, not 64 MiB",
        name, ck->limit);
    lg__ct_setf(ck->fix, sizeof ck->fix, "%s",
                podman ? "rootless podman needs cgroup v2 with memory "
                         "delegated to limit memory (docs/backends.md)"
                       : "see the WARNING lines of `docker info` (no "
                         "memory limit support?)");
  } else {
    ck->runs = true;
    lg__ct_setf(ck->run, sizeof ck->run,
                "runs a container limited to 64 MiB (--init, host network) and "
                "reads the limit back from inside: %" PRIu64 " bytes",
                ck->limit);
  }
cleanup:
  if (imported)
    (void)lg__ct_tool_run(ck->tool, rmi_args, t, out, sizeof out);
  (void)nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  free(tar_tool);
}

int lg_container_check_engine(const lg_container_opts *o,
                              lg_backend_kind engine, lg_engine_check *ck) {
  bool podman = engine == LG_BACKEND_PODMAN;
  const char *name = podman ? "podman" : "docker";
  char *tool;
  memset(ck, 0, sizeof *ck);
  tool = lg__which(name);
  if (!tool) {
    lg__ct_setf(ck->answer, sizeof ck->answer, "%s not found in PATH", name);
    lg__ct_setf(ck->fix, sizeof ck->fix, "apt-get install %s",
                podman ? "podman catatonit" : "docker.io");
    return 0;
  }
  ck->found = true;
  lg__ct_setf(ck->tool, sizeof ck->tool, "%s", tool);
  free(tool);
  ck->answers =
      lg_container_probe_engine(o, engine, ck->answer, sizeof ck->answer) == 1;
  if (!ck->answers) {
    lg__ct_setf(ck->fix, sizeof ck->fix, "%s",
                podman ? "see podman's message above; rootless podman needs "
                         "cgroup v2"
                       : "start the daemon (systemctl start docker, or dockerd "
                         "--iptables=false --bridge=none as ci/engines.sh "
                         "does) or add this user to the docker group");
    return 0;
  }
  check_run(o, podman, ck);
  return 0;
}
