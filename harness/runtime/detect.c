/* runtime/detect.c - which runtime a service runs on (leakgate/runtime.h).
 *
 * From the program, before it starts: its name (java, node, nodejs,
 * python, python3, python3.11, pypy3), a script's interpreter ("#!" line,
 * through /usr/bin/env), or the Go build information of an ELF. A script of
 * a shell (or of anything else) is a wrapper: what it starts decides, so
 * the caller turns on every runtime's report and watches the processes.
 * Versions come from what is on disk, without running anything: Go's build
 * information, the JDK's "release" file next to bin/java, the number in a
 * Python interpreter's name (python3.11). A JVM's full version and Node's
 * come from their own reports once they run (runtime/monitor.c).
 * From a process: /proc/PID/exe (the link's target name, and the file
 * itself for Go's build information) and argv[0] from /proc/PID/cmdline.
 */
#include <leakgate/runtime.h>

#include <ctype.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void set(lg_runtime_info *info, lg_runtime_kind k, const char *from) {
  info->kind = k;
  snprintf(info->detected_from, sizeof info->detected_from, "%s", from);
}

/* "python3.11" -> "3.11"; "python3" -> "" (no minor version: unknown). */
static void python_version(const char *name, char *ver, size_t cap) {
  const char *d = strpbrk(name, "0123456789");
  if (d && strchr(d, '.'))
    snprintf(ver, cap, "%s", d);
}

/* The kind a program's base name says, or NATIVE. */
static lg_runtime_kind by_name(const char *base) {
  size_t i;
  if (strcmp(base, "java") == 0)
    return LG_RUNTIME_JVM;
  if (strcmp(base, "node") == 0 || strcmp(base, "nodejs") == 0)
    return LG_RUNTIME_NODE;
  if (strncmp(base, "python", 6) == 0 || strncmp(base, "pypy", 4) == 0) {
    const char *v = base + (base[1] == 'y' && base[2] == 'p' ? 4 : 6);
    for (i = 0; v[i]; i++)
      if (!isdigit((unsigned char)v[i]) && v[i] != '.')
        return LG_RUNTIME_NATIVE; /* python-config, pythonw.sh, ... */
    return LG_RUNTIME_PYTHON;
  }
  return LG_RUNTIME_NATIVE;
}

static const char *base_of(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

/* JAVA_VERSION="17.0.21" from <java's real path>/../../release. */
static void jdk_version(const char *java, char *ver, size_t cap) {
  char real[PATH_MAX], rel[PATH_MAX + 16], buf[4096], *p, *q;
  long n;
  FILE *f;
  if (!realpath(java, real))
    return;
  snprintf(rel, sizeof rel, "%s", dirname(dirname(real)));
  strncat(rel, "/release", sizeof rel - strlen(rel) - 1);
  f = fopen(rel, "re");
  if (!f)
    return;
  n = (long)fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n > 0 ? n : 0] = '\0';
  p = strstr(buf, "JAVA_VERSION=\"");
  if (!p)
    return;
  p += 14;
  q = strchr(p, '"');
  if (q && q - p < (long)cap) {
    memcpy(ver, p, (size_t)(q - p));
    ver[q - p] = '\0';
  }
}

/* Fill info for a program known by name; path is the file to look at for
 * its version. */
static void named(lg_runtime_info *info, lg_runtime_kind k, const char *path,
                  const char *name, const char *from) {
  char real[PATH_MAX];
  set(info, k, from);
  if (k == LG_RUNTIME_JVM)
    jdk_version(path, info->version, sizeof info->version);
  else if (k == LG_RUNTIME_PYTHON) {
    /* python3 is usually a link to python3.11: the target names it. */
    python_version(name, info->version, sizeof info->version);
    if (!info->version[0] && realpath(path, real))
      python_version(base_of(real), info->version, sizeof info->version);
  }
}

/* "#!/usr/bin/env -S python3 -u" -> "python3"; "#!/bin/sh -e" -> "sh". */
static int shebang(const char *path, char *interp, size_t cap) {
  char line[256], *p, *word, *save = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n;
  if (fd < 0)
    return 0;
  n = read(fd, line, sizeof line - 1);
  close(fd);
  if (n < 3 || line[0] != '#' || line[1] != '!')
    return 0;
  line[n] = '\0';
  line[strcspn(line, "\r\n")] = '\0';
  p = line + 2;
  word = strtok_r(p, " \t", &save);
  if (!word)
    return 0;
  if (strcmp(base_of(word), "env") == 0) {
    /* env's own options come first ("-S", "-u NAME", "VAR=value"). */
    while ((word = strtok_r(NULL, " \t", &save)) != NULL &&
           (word[0] == '-' || strchr(word, '=')))
      if (strcmp(word, "-u") == 0)
        (void)strtok_r(NULL, " \t", &save);
    if (!word)
      return 0;
  }
  snprintf(interp, cap, "%s", word);
  return 1;
}

int lg_runtime_detect_program(const char *path, lg_runtime_info *info) {
  char interp[256], ver[64];
  lg_runtime_kind k;

  memset(info, 0, sizeof *info);
  set(info, LG_RUNTIME_NATIVE, "command");
  k = by_name(base_of(path));
  if (k != LG_RUNTIME_NATIVE) {
    named(info, k, path, base_of(path), "command");
    return 0;
  }
  if (shebang(path, interp, sizeof interp)) {
    k = by_name(base_of(interp));
    if (k != LG_RUNTIME_NATIVE) {
      /* "#!/usr/bin/env node": the interpreter's own path is unknown. */
      named(info, k, interp[0] == '/' ? interp : path, base_of(interp),
            "script");
      if (interp[0] != '/')
        info->version[0] = '\0';
      return 0;
    }
    set(info, LG_RUNTIME_NATIVE, "script");
    info->wrapper = true;
    return 0;
  }
  if (lg_go_build_version(path, ver, sizeof ver, NULL) == 0) {
    set(info, LG_RUNTIME_GO, "elf");
    snprintf(info->version, sizeof info->version, "%s", ver);
  }
  return 0;
}

int lg_runtime_detect_process(const char *procfs_root, pid_t pid,
                              lg_runtime_info *info) {
  const char *root = procfs_root ? procfs_root : "/proc";
  char exe[64 + PATH_MAX], target[PATH_MAX], cmd[PATH_MAX], ver[64];
  lg_runtime_kind k;
  ssize_t n;
  int fd;

  memset(info, 0, sizeof *info);
  snprintf(exe, sizeof exe, "%s/%d/exe", root, (int)pid);
  n = readlink(exe, target, sizeof target - 1);
  if (n > 0) {
    target[n] = '\0';
    /* A deleted binary reads "/path/prog (deleted)". */
    if (n > 10 && strcmp(target + n - 10, " (deleted)") == 0)
      target[n - 10] = '\0';
    k = by_name(base_of(target));
    if (k != LG_RUNTIME_NATIVE) {
      named(info, k, exe, base_of(target), "process");
      return 1;
    }
  }
  /* argv[0] names the runtime when the executable is a launcher with
   * another name (a versioned file behind the link, "java" under jsvc). */
  snprintf(cmd, sizeof cmd, "%s/%d/cmdline", root, (int)pid);
  fd = open(cmd, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    char argv0[PATH_MAX];
    ssize_t m = read(fd, argv0, sizeof argv0 - 1);
    close(fd);
    if (m > 0) {
      argv0[m] = '\0';
      k = by_name(base_of(argv0));
      if (k != LG_RUNTIME_NATIVE) {
        named(info, k, exe, base_of(argv0), "process");
        return 1;
      }
    }
  }
  if (lg_go_build_version(exe, ver, sizeof ver, NULL) == 0) {
    set(info, LG_RUNTIME_GO, "process");
    snprintf(info->version, sizeof info->version, "%s", ver);
    return 1;
  }
  return 0;
}
