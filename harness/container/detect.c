/* container/detect.c - find the memory cgroup leakgate runs in
 * (lg_cgroup_detect, see leakgate/container.h).
 *
 * Reads /proc/self/cgroup for leakgate's own cgroup paths and
 * /proc/self/mountinfo for where the hierarchies are mounted (mount root and
 * mount point, so a container's bind-mounted sub-tree maps right). With the
 * cgroupfs_root test hook, mountinfo is not read: the fake tree's layout
 * says where the hierarchies are (cgroup.controllers at the root or in
 * unified/ means v2, a memory/ directory means v1), mounted at "/".
 * cgroup v2 is used when leakgate's own cgroup lists "memory" in its
 * cgroup.controllers; otherwise the v1 memory hierarchy. Detection has no
 * side effects: it only reads and checks access(2).
 */
#include <leakgate/container.h>

#include "container/cgfs.h"
#include "core/fsutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define LINE_MAX_LEN 4096

typedef struct mount_pt {
  char point[1024];
  char root[1024];
  bool found;
} mount_pt;

/* Copy a then b into out, cut at cap (paths longer than PATH_MAX-ish are
 * not cgroups we can use anyway). memcpy keeps gcc's truncation checker
 * quiet where snprintf would warn on every fixed-size path field. */
static void cat2(char *out, size_t cap, const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la >= cap)
    la = cap - 1;
  memcpy(out, a, la);
  if (lb >= cap - la)
    lb = cap - la - 1;
  memcpy(out + la, b, lb);
  out[la + lb] = '\0';
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s) {
  char *w = s;
  for (; *s; s++) {
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
        s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
      *w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
      s += 3;
    } else {
      *w++ = *s;
    }
  }
  *w = '\0';
}

static int has_comma_word(const char *list, const char *word) {
  size_t wl = strlen(word);
  const char *p = list;
  while (p && *p) {
    const char *e = strchr(p, ',');
    size_t l = e ? (size_t)(e - p) : strlen(p);
    if (l == wl && strncmp(p, word, wl) == 0)
      return 1;
    p = e ? e + 1 : NULL;
  }
  return 0;
}

/* One mountinfo line: "id parent maj:min root point opts [tags] - fs src
 * superopts". Tells fn of a cgroup2 mount (2) or a cgroup mount with
 * memory (1), point and root unescaped. */
static void mountinfo_line(char *line, lg__cg_mount_fn fn, void *ctx) {
  char *fields[6] = {0}, *sep, *fs, *src, *sopts, *save = NULL, *tok;
  int i = 0;

  sep = strstr(line, " - ");
  if (!sep)
    return;
  *sep = '\0';
  for (tok = strtok_r(line, " ", &save); tok && i < 6;
       tok = strtok_r(NULL, " ", &save))
    fields[i++] = tok;
  if (i < 5)
    return;
  save = NULL;
  fs = strtok_r(sep + 3, " ", &save);
  src = fs ? strtok_r(NULL, " ", &save) : NULL;
  sopts = src ? strtok_r(NULL, " \n", &save) : NULL;
  if (!fs)
    return;
  unescape(fields[3]);
  unescape(fields[4]);
  if (strcmp(fs, "cgroup2") == 0)
    fn(ctx, 2, fields[4], fields[3]);
  else if (strcmp(fs, "cgroup") == 0 && sopts &&
           has_comma_word(sopts, "memory"))
    fn(ctx, 1, fields[4], fields[3]);
}

int lg__cg_memory_mounts(const char *mountinfo, lg__cg_mount_fn fn, void *ctx) {
  FILE *f = fopen(mountinfo, "re");
  char line[LINE_MAX_LEN];
  if (!f)
    return -errno;
  while (fgets(line, sizeof line, f))
    mountinfo_line(line, fn, ctx);
  fclose(f);
  return 0;
}

/* The first mount of each version (mount_pt[2]: v1, v2). */
static void first_mount(void *ctx, int version, const char *point,
                        const char *root) {
  mount_pt *m = &((mount_pt *)ctx)[version - 1];
  if (m->found)
    return;
  cat2(m->point, sizeof m->point, point, "");
  cat2(m->root, sizeof m->root, root, "");
  m->found = true;
}

static int read_mounts(mount_pt *v2, mount_pt *v1, lg_error *err) {
  mount_pt m[2] = {{{0}, {0}, false}, {{0}, {0}, false}};
  int rc = lg__cg_memory_mounts("/proc/self/mountinfo", first_mount, m);
  if (rc)
    return lg_error_set(err, LG_ECGROUP, "/proc/self/mountinfo: %s",
                        strerror(-rc));
  *v1 = m[0];
  *v2 = m[1];
  return 0;
}

/* The fake tree's layout stands in for mountinfo. */
static void fake_mounts(const char *root, mount_pt *v2, mount_pt *v1) {
  char path[1024];
  if (lg__cg_exists(root, "cgroup.controllers")) {
    cat2(v2->point, sizeof v2->point, root, "");
    v2->found = true;
  } else {
    cat2(path, sizeof path, root, "/unified");
    if (lg__cg_exists(path, "cgroup.controllers")) {
      cat2(v2->point, sizeof v2->point, path, "");
      v2->found = true;
    }
  }
  cat2(path, sizeof path, root, "/memory");
  if (access(path, F_OK) == 0) {
    cat2(v1->point, sizeof v1->point, path, "");
    v1->found = true;
  }
  snprintf(v2->root, sizeof v2->root, "/");
  snprintf(v1->root, sizeof v1->root, "/");
}

/* From /proc/self/cgroup: the v2 path ("0::/x") and the v1 memory path. */
static int read_self(const char *file, char *v2, size_t v2cap, char *v1,
                     size_t v1cap, lg_error *err) {
  FILE *f = fopen(file, "re");
  char line[LINE_MAX_LEN];
  v2[0] = v1[0] = '\0';
  if (!f)
    return lg_error_set(err, LG_ECGROUP, "%s: %s", file, strerror(errno));
  while (fgets(line, sizeof line, f)) {
    char *c1 = strchr(line, ':'), *c2, *nl;
    if (!c1 || !(c2 = strchr(c1 + 1, ':')))
      continue;
    *c2 = '\0';
    nl = strchr(c2 + 1, '\n');
    if (nl)
      *nl = '\0';
    if (strncmp(line, "0:", 2) == 0 && c1[1] == '\0')
      snprintf(v2, v2cap, "%s", c2 + 1);
    else if (has_comma_word(c1 + 1, "memory"))
      snprintf(v1, v1cap, "%s", c2 + 1);
  }
  fclose(f);
  return 0;
}

/* The cgroup path relative to the mount's root, or NULL when the cgroup is
 * outside what is mounted (a foreign cgroup namespace). */
static const char *relative(const char *path, const char *mroot) {
  size_t l = strlen(mroot);
  if (strcmp(mroot, "/") == 0)
    return path;
  if (strncmp(path, mroot, l) == 0 && (path[l] == '/' || path[l] == '\0'))
    return path[l] ? path + l : "/";
  return NULL;
}

static void dir_of(char *out, size_t cap, const char *mount, const char *rel) {
  cat2(out, cap, mount, strcmp(rel, "/") == 0 ? "" : rel);
}

/* Decide where v2 leaves go (no side effects; see lg_cgroup_info). */
/* Is the cgroup dir delegated to us? systemd marks a delegated subtree
 * with the "trusted.delegate" (system manager) or "user.delegate" (user
 * manager) extended attribute and chowns it to the delegatee. Root can write
 * anywhere, so writability alone proves nothing: a root-owned parent counts
 * only with the mark. */
static bool delegated_to_us(const char *dir) {
  struct stat st;
  char v[8];
  if (getxattr(dir, "trusted.delegate", v, sizeof v) > 0 ||
      getxattr(dir, "user.delegate", v, sizeof v) > 0)
    return true;
  return geteuid() != 0 && stat(dir, &st) == 0 && st.st_uid == geteuid();
}

static void plan_v2(lg_cgroup_info *info) {
  char buf[LG_CG_FILE_MAX], parent[1024], *slash;
  long n;
  bool is_root = strcmp(info->self, "/") == 0;

  n = lg__cg_read(info->dir, "cgroup.subtree_control", buf, sizeof buf);
  if (n >= 0 && lg__cg_has_word(buf, "memory")) {
    snprintf(info->strategy, sizeof info->strategy, "child");
    cat2(info->leaf_parent, sizeof info->leaf_parent, info->dir, "");
    info->writable = access(info->dir, W_OK) == 0;
    return;
  }
  n = lg__cg_read(info->dir, "cgroup.procs", buf, sizeof buf);
  if (is_root || n == 0) {
    snprintf(info->strategy, sizeof info->strategy, "enable");
    cat2(info->leaf_parent, sizeof info->leaf_parent, info->dir, "");
    info->writable = access(info->dir, W_OK) == 0;
    return;
  }
  /* leakgate's cgroup holds processes: memory cannot be enabled for its
   * children, but its parent already enables it (else this cgroup would not
   * list memory in cgroup.controllers): a sibling leaf works, but only in a
   * parent delegated to us - never in a cgroup someone else manages (as
   * root, systemd's own slices). Without one, backend auto moves on to a
   * systemd scope. */
  cat2(parent, sizeof parent, info->dir, "");
  slash = strrchr(parent, '/');
  if (slash && slash != parent)
    *slash = '\0';
  n = lg__cg_read(parent, "cgroup.subtree_control", buf, sizeof buf);
  if (n >= 0 && lg__cg_has_word(buf, "memory") && access(parent, W_OK) == 0 &&
      delegated_to_us(parent)) {
    snprintf(info->strategy, sizeof info->strategy, "sibling");
    cat2(info->leaf_parent, sizeof info->leaf_parent, parent, "");
    info->writable = true;
    return;
  }
  info->strategy[0] = '\0';
  info->leaf_parent[0] = '\0';
  info->writable = false;
}

int lg_cgroup_detect(const char *cgroupfs_root, const char *proc_self_cgroup,
                     lg_cgroup_info *info, lg_error *err) {
  mount_pt v2m = {{0}, {0}, false}, v1m = {{0}, {0}, false};
  char v2path[512], v1path[512], buf[LG_CG_FILE_MAX];
  const char *rel;
  int rc;

  memset(info, 0, sizeof *info);
  rc = read_self(proc_self_cgroup ? proc_self_cgroup : "/proc/self/cgroup",
                 v2path, sizeof v2path, v1path, sizeof v1path, err);
  if (rc)
    return rc;
  if (cgroupfs_root)
    fake_mounts(cgroupfs_root, &v2m, &v1m);
  else if ((rc = read_mounts(&v2m, &v1m, err)))
    return rc;

  if (v2m.found && v2path[0] && (rel = relative(v2path, v2m.root))) {
    dir_of(info->dir, sizeof info->dir, v2m.point, rel);
    if (lg__cg_read(info->dir, "cgroup.controllers", buf, sizeof buf) >= 0 &&
        lg__cg_has_word(buf, "memory")) {
      info->version = 2;
      cat2(info->mount, sizeof info->mount, v2m.point, "");
      cat2(info->self, sizeof info->self, rel, "");
      info->swap_accounting = lg__cg_exists(info->dir, "memory.swap.max");
      info->has_cgroup_kill = lg__cg_exists(info->dir, "cgroup.kill");
      info->has_peak = lg__cg_exists(info->dir, "memory.peak");
      plan_v2(info);
      return 0;
    }
  }
  if (v1m.found && v1path[0] && (rel = relative(v1path, v1m.root))) {
    dir_of(info->dir, sizeof info->dir, v1m.point, rel);
    if (access(info->dir, F_OK) == 0) {
      info->version = 1;
      cat2(info->mount, sizeof info->mount, v1m.point, "");
      cat2(info->self, sizeof info->self, rel, "");
      info->swap_accounting =
          lg__cg_exists(info->dir, "memory.memsw.limit_in_bytes");
      info->has_cgroup_kill = false;
      info->has_peak = lg__cg_exists(info->dir, "memory.max_usage_in_bytes");
      info->writable = access(info->dir, W_OK) == 0;
      snprintf(info->strategy, sizeof info->strategy, "child");
      cat2(info->leaf_parent, sizeof info->leaf_parent, info->dir, "");
      return 0;
    }
  }
  info->dir[0] = '\0';
  return 0;
}
