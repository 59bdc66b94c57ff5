/* test_container - the container module: cgroup v2 and v1 against fixture
 * trees (tests/data/cgroupfs-v2, cgroupfs-v1, copied to a temp dir because
 * create writes), backend none, and - when this machine allows it (root, a
 * writable memory cgroup) - the real thing: oom_hog OOM-killed under a
 * 64 MiB limit, a forking service killed whole by destroy, and nothing left
 * behind. Without access the real tests print why they skip; with
 * LG_REQUIRE_CGROUP=1 in the environment (CI) a skip is a failure. */
#include <leakgate/container.h>

#include "lg_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[256];

/* Copy a fixture tree to a fresh temp dir; returns its path. */
static const char *fixture_copy(const char *name) {
  char src[512], cmd[1200];
  snprintf(tmpdir, sizeof tmpdir, "/tmp/lg-ct-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
  lg_test_src(name, src, sizeof src);
  snprintf(cmd, sizeof cmd, "cp -a '%s/.' '%s/'", src, tmpdir);
  ck_assert_int_eq(system(cmd), 0);
  return tmpdir;
}

static void fixture_remove(void) {
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  ck_assert_int_eq(system(cmd), 0);
}

static void put(const char *dir, const char *file, const char *text) {
  char p[1024];
  FILE *f;
  snprintf(p, sizeof p, "%s/%s", dir, file);
  f = fopen(p, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
}

static const char *get(const char *dir, const char *file, char *buf,
                       size_t cap) {
  char p[1024];
  FILE *f;
  size_t n;
  snprintf(p, sizeof p, "%s/%s", dir, file);
  f = fopen(p, "r");
  if (!f)
    return NULL;
  n = fread(buf, 1, cap - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

/* Mark the fixture's ci.slice as delegated to us, as systemd does for a
 * Delegate=yes unit (the test runs as root, for whom writability proves
 * nothing). */
static void delegate_ci_slice(bool on) {
  char dir[600];
  snprintf(dir, sizeof dir, "%s/sys/ci.slice", tmpdir);
  if (on)
    ck_assert_int_eq(setxattr(dir, "user.delegate", "1", 1, 0), 0);
  else
    removexattr(dir, "user.delegate");
}

static void v2_opts(lg_container_opts *o, char *root, size_t rcap, char *self,
                    size_t scap) {
  delegate_ci_slice(true);
  snprintf(root, rcap, "%s/sys", tmpdir);
  snprintf(self, scap, "%s/proc-self-cgroup", tmpdir);
  memset(o, 0, sizeof *o);
  o->backend = LG_BACKEND_CGROUP;
  o->memory_bytes = 64u << 20;
  o->swap_bytes = 0;
  o->name = "items api/v2";
  o->cgroupfs_root = root;
  o->proc_self_cgroup = self;
}

START_TEST(v2_detect) {
  char root[512], self[512];
  lg_cgroup_info info;
  lg_error err = {0, ""};
  lg_container_opts o;
  fixture_copy("tests/data/cgroupfs-v2");
  v2_opts(&o, root, sizeof root, self, sizeof self);
  ck_assert_int_eq(lg_cgroup_detect(root, self, &info, &err), 0);
  ck_assert_int_eq(info.version, 2);
  ck_assert_str_eq(info.self, "/ci.slice/runner.service");
  ck_assert(info.has_cgroup_kill && info.has_peak && info.swap_accounting);
  /* runner.service holds processes and enables nothing: a sibling leaf. */
  ck_assert_str_eq(info.strategy, "sibling");
  ck_assert(strstr(info.leaf_parent, "/sys/ci.slice") != NULL);
  ck_assert(strstr(info.leaf_parent, "runner.service") == NULL);
  ck_assert(info.writable);
  fixture_remove();
}
END_TEST

/* A parent that was not delegated to leakgate is never used, even when
 * leakgate (as root) could write to it: no cgroup outside our own subtree. */
START_TEST(v2_sibling_needs_delegation) {
  char root[512], self[512];
  lg_cgroup_info info;
  lg_container_opts o;
  lg_container *c = NULL;
  lg_error err = {0, ""};
  fixture_copy("tests/data/cgroupfs-v2");
  v2_opts(&o, root, sizeof root, self, sizeof self);
  delegate_ci_slice(false);
  ck_assert_int_eq(lg_cgroup_detect(root, self, &info, &err), 0);
  ck_assert_str_eq(info.strategy, "");
  ck_assert(!info.writable);
  ck_assert_int_eq(lg_container_create(&o, &c, &err), LG_ECGROUP);
  ck_assert_ptr_null(c);
  fixture_remove();
}
END_TEST

START_TEST(v2_create_sibling_limits) {
  char root[512], self[512], buf[256], leaf[600];
  lg_container_opts o;
  lg_container *c = NULL, *c2 = NULL;
  lg_error err = {0, ""};
  const char *p;
  fixture_copy("tests/data/cgroupfs-v2");
  v2_opts(&o, root, sizeof root, self, sizeof self);
  ck_assert_msg(lg_container_create(&o, &c, &err) == 0, "%s", err.msg);
  ck_assert_str_eq(lg_container_backend(c), "cgroup-v2");
  ck_assert_uint_eq(lg_container_limit(c), 64u << 20);
  p = lg_container_path(c);
  snprintf(leaf, sizeof leaf, "%s/ci.slice/leakgate-%ld-0-items_api_v2", root,
           (long)getpid());
  ck_assert_str_eq(p, leaf);
  ck_assert_str_eq(get(p, "memory.max", buf, sizeof buf), "67108864");
  ck_assert_str_eq(get(p, "memory.swap.max", buf, sizeof buf), "0");
  ck_assert_str_eq(get(p, "memory.oom.group", buf, sizeof buf), "1");
  ck_assert_ptr_null(lg_container_note(c));
  /* A second run gets the next free number. */
  ck_assert_int_eq(lg_container_create(&o, &c2, &err), 0);
  ck_assert(strstr(lg_container_path(c2), "-1-items_api_v2") != NULL);
  ck_assert_int_eq(lg_container_destroy(c2, &err), 0);
  ck_assert_int_eq(lg_container_destroy(c, &err), 0);
  ck_assert_int_eq(access(leaf, F_OK), -1);
  fixture_remove();
}
END_TEST

START_TEST(v2_create_child_and_enable) {
  char root[512], self[512], svc[600], buf[256];
  lg_container_opts o;
  lg_container *c = NULL;
  lg_error err = {0, ""};
  fixture_copy("tests/data/cgroupfs-v2");
  v2_opts(&o, root, sizeof root, self, sizeof self);
  snprintf(svc, sizeof svc, "%s/ci.slice/runner.service", root);
  /* Delegated cgroup that already enables memory below it: a child leaf. */
  put(svc, "cgroup.subtree_control", "memory pids\n");
  ck_assert_int_eq(lg_container_create(&o, &c, &err), 0);
  ck_assert(strncmp(lg_container_path(c), svc, strlen(svc)) == 0);
  ck_assert_int_eq(lg_container_destroy(c, &err), 0);
  /* No processes and nothing enabled: memory gets enabled, then a child. */
  put(svc, "cgroup.subtree_control", "");
  put(svc, "cgroup.procs", "");
  ck_assert_int_eq(lg_container_create(&o, &c, &err), 0);
  ck_assert_str_eq(get(svc, "cgroup.subtree_control", buf, sizeof buf),
                   "+memory");
  ck_assert(strncmp(lg_container_path(c), svc, strlen(svc)) == 0);
  ck_assert_int_eq(lg_container_destroy(c, &err), 0);
  fixture_remove();
}
END_TEST

START_TEST(v2_no_place_auto_falls_back) {
  char root[512], self[512], slice[600];
  lg_container_opts o;
  lg_container *c = NULL;
  lg_error err = {0, ""};
  lg_container_stats st;
  size_t n = 99;
  pid_t pids[4];
  fixture_copy("tests/data/cgroupfs-v2");
  v2_opts(&o, root, sizeof root, self, sizeof self);
  snprintf(slice, sizeof slice, "%s/ci.slice", root);
  put(slice, "cgroup.subtree_control", "pids\n");
  ck_assert_int_eq(lg_container_create(&o, &c, &err), LG_ECGROUP);
  ck_assert_ptr_null(c);
  ck_assert(strstr(err.msg, "no writable place") != NULL);
  o.backend = LG_BACKEND_AUTO;
  ck_assert_int_eq(lg_container_create(&o, &c, &err), 0);
  ck_assert_str_eq(lg_container_backend(c), "none");
  ck_assert_ptr_null(lg_container_path(c));
  ck_assert(strstr(lg_container_note(c), "fell back to none") != NULL);
  ck_assert_int_eq(lg_container_read(c, &st, &err), 0);
  ck_assert(isnan(st.usage_bytes) && st.oom_kills == -1);
  ck_assert_int_eq(lg_container_pids(c, pids, 4, &n, &err), 0);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(lg_container_destroy(c, &err), 0);
  fixture_remove();
}
END_TEST

START_TEST(v2_read_stats_and_pids) {
  char root[512], self[512], sub[700];
  lg_container_opts o;
  lg_container *c = NULL;
  lg_error err = {0, ""};
  lg_container_stats st;
  pid_t pids[2];
  size_t n;
  const char *p;
  fixture_copy("tests/data/cgroupfs-v2");
  v2_opts(&o, root, sizeof root, self, sizeof self);
  ck_assert_int_eq(lg_container_create(&o, &c, &err), 0);
  p = lg_container_path(c);
  /* What the kernel would show for a service near its limit. */
  put(p, "memory.current", "60000000\n");
  put(p, "memory.peak", "67100000\n");
  put(p, "memory.stat",
      "anon 50000000\nfile 9000000\nkernel 1000000\n"
      "anon_thp 0\nfile_mapped 0\n");
  put(p, "memory.events",
      "low 0\nhigh 0\nmax 12\noom 3\noom_kill 3\n"
      "oom_group_kill 1\n");
  ck_assert_int_eq(lg_container_read(c, &st, &err), 0);
  ck_assert_double_eq(st.usage_bytes, 60000000);
  ck_assert_double_eq(st.peak_bytes, 67100000);
  ck_assert_double_eq(st.anon_bytes, 50000000);
  ck_assert_double_eq(st.file_bytes, 9000000);
  ck_assert_double_eq(st.limit_bytes, 67108864);
  ck_assert_int_eq(st.oom_kills, 3);
  /* pids: the leaf and a child cgroup the service made; cap respected. */
  put(p, "cgroup.procs", "100\n101\n");
  snprintf(sub, sizeof sub, "%s/worker", p);
  ck_assert_int_eq(mkdir(sub, 0755), 0);
  put(sub, "cgroup.procs", "102\n");
  ck_assert_int_eq(lg_container_pids(c, pids, 2, &n, &err), 0);
  ck_assert_uint_eq(n, 3);
  ck_assert_int_eq(pids[0], 100);
  ck_assert_int_eq(pids[1], 101);
  put(p, "cgroup.procs", "");
  put(sub, "cgroup.procs", "");
  ck_assert_int_eq(lg_container_destroy(c, &err), 0);
  ck_assert_int_eq(access(sub, F_OK), -1);
  fixture_remove();
}
END_TEST

static pid_t spawn_sleeper(void) {
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    for (;;)
      pause();
  }
  return pid;
}

START_TEST(v2_kill_all_with_and_without_cgroup_kill) {
  char root[512], self[512], buf[700], list[64];
  lg_container_opts o;
  lg_container *c = NULL;
  lg_error err = {0, ""};
  pid_t a, b;
  int st;
  fixture_copy("tests/data/cgroupfs-v2");
  v2_opts(&o, root, sizeof root, self, sizeof self);
  ck_assert_int_eq(lg_container_create(&o, &c, &err), 0);
  ck_assert_int_eq(lg_container_kill_all(c, &err), 0);
  ck_assert_str_eq(get(lg_container_path(c), "cgroup.kill", buf, sizeof buf),
                   "1");
  ck_assert_int_eq(lg_container_destroy(c, &err), 0);

  /* Without cgroup.kill every listed pid gets SIGKILL. */
  snprintf(buf, sizeof buf, "%s/ci.slice/runner.service/cgroup.kill", root);
  ck_assert_int_eq(unlink(buf), 0);
  ck_assert_int_eq(lg_container_create(&o, &c, &err), 0);
  a = spawn_sleeper();
  b = spawn_sleeper();
  snprintf(list, sizeof list, "%ld\n%ld\n", (long)a, (long)b);
  put(lg_container_path(c), "cgroup.procs", list);
  ck_assert_msg(lg_container_destroy(c, &err) == 0, "%s", err.msg);
  ck_assert_int_eq(waitpid(a, &st, 0), a);
  ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
  ck_assert_int_eq(waitpid(b, &st, 0), b);
  ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
  fixture_remove();
}
END_TEST

START_TEST(v1_fixture_tree) {
  char root[512], self[512], buf[256];
  lg_cgroup_info info;
  lg_container_opts o;
  lg_container *c = NULL;
  lg_error err = {0, ""};
  lg_container_stats st;
  const char *p;
  fixture_copy("tests/data/cgroupfs-v1");
  snprintf(root, sizeof root, "%s/sys", tmpdir);
  snprintf(self, sizeof self, "%s/proc-self-cgroup", tmpdir);
  /* The empty unified/ (no controllers) must not be taken for v2. */
  ck_assert_int_eq(lg_cgroup_detect(root, self, &info, &err), 0);
  ck_assert_int_eq(info.version, 1);
  ck_assert_str_eq(info.self, "/ci/job");
  ck_assert(info.swap_accounting && !info.has_cgroup_kill);
  memset(&o, 0, sizeof o);
  o.backend = LG_BACKEND_AUTO;
  o.memory_bytes = 64u << 20;
  o.swap_bytes = 4096;
  o.name = "v1";
  o.cgroupfs_root = root;
  o.proc_self_cgroup = self;
  ck_assert_int_eq(lg_container_create(&o, &c, &err), 0);
  ck_assert_str_eq(lg_container_backend(c), "cgroup-v1");
  p = lg_container_path(c);
  ck_assert(strstr(p, "/memory/ci/job/leakgate-") != NULL);
  ck_assert_str_eq(get(p, "memory.limit_in_bytes", buf, sizeof buf),
                   "67108864");
  ck_assert_str_eq(get(p, "memory.memsw.limit_in_bytes", buf, sizeof buf),
                   "67112960");
  put(p, "memory.usage_in_bytes", "3000\n");
  put(p, "memory.max_usage_in_bytes", "5000\n");
  put(p, "memory.stat", "cache 1\nrss 2\ntotal_cache 4096\ntotal_rss 8192\n");
  put(p, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  ck_assert_int_eq(lg_container_read(c, &st, &err), 0);
  ck_assert_double_eq(st.usage_bytes, 3000);
  ck_assert_double_eq(st.peak_bytes, 5000);
  ck_assert_double_eq(st.anon_bytes, 8192);
  ck_assert_double_eq(st.file_bytes, 4096);
  ck_assert_double_eq(st.limit_bytes, 67108864);
  ck_assert_int_eq(st.oom_kills, 2);
  ck_assert_int_eq(lg_container_destroy(c, &err), 0);
  fixture_remove();
}
END_TEST

START_TEST(backend_none_and_unsupported) {
  lg_container_opts o;
  lg_container *c = NULL;
  lg_error err = {0, ""};
  char *argv[] = {"x", NULL};
  char *const *out = NULL;
  memset(&o, 0, sizeof o);
  o.backend = LG_BACKEND_NONE;
  o.memory_bytes = 1 << 20;
  ck_assert_int_eq(lg_container_create(&o, &c, &err), 0);
  ck_assert_str_eq(lg_container_backend(c), "none");
  ck_assert_uint_eq(lg_container_limit(c), 0);
  ck_assert_int_eq(lg_container_child_enter(c), 0);
  ck_assert_int_eq(lg_container_wrap_argv(c, argv, &out, &err), 0);
  ck_assert_ptr_eq(out, argv);
  ck_assert_int_eq(lg_container_kill_all(c, &err), 0);
  ck_assert_int_eq(lg_container_destroy(c, &err), 0);
  /* Wrapping backends are tested in test_backends; a container engine
   * without an image to run is an input error on any machine. */
  o.backend = LG_BACKEND_DOCKER;
  ck_assert_int_eq(lg_container_create(&o, &c, &err), LG_EINPUT);
  ck_assert(strstr(err.msg, "container.image") != NULL);
  ck_assert_ptr_null(c);
}
END_TEST

/* ---- the real cgroup of this machine ---------------------------------- */

/* 1 when real cgroup tests can run; else prints why (and fails when CI
 * demands them through LG_REQUIRE_CGROUP=1). */
static int real_cgroup(lg_cgroup_info *info) {
  lg_error err = {0, ""};
  const char *why = NULL;
  if (geteuid() != 0)
    why = "not root";
  else if (lg_cgroup_detect(NULL, NULL, info, &err) != 0)
    why = err.msg;
  else if (info->version == 0)
    why = "no memory cgroup for this process";
  else if (!info->writable)
    why = "no writable place for a run cgroup";
  if (!why)
    return 1;
  lg_test_cgroup_skip("real cgroup test", why);
  return 0;
}

/* No leaf of this process may remain where leaves are made. */
static void assert_no_leaves(const lg_cgroup_info *info) {
  char prefix[64];
  DIR *d = opendir(info->leaf_parent);
  struct dirent *de;
  ck_assert_ptr_nonnull(d);
  snprintf(prefix, sizeof prefix, "leakgate-%ld-", (long)getpid());
  while ((de = readdir(d)))
    ck_assert_msg(strncmp(de->d_name, prefix, strlen(prefix)) != 0,
                  "left behind: %s/%s", info->leaf_parent, de->d_name);
  closedir(d);
}

/* Exists and is not a zombie (orphans are reaped by init a bit later). */
static int running(pid_t pid) {
  char path[64], buf[512], *rp;
  FILE *f;
  size_t n;
  snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
  f = fopen(path, "r");
  if (!f)
    return 0;
  n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  rp = strrchr(buf, ')');
  return !(rp && rp[1] == ' ' && rp[2] == 'Z');
}

static pid_t start_in(lg_container *c, const char *fixture, char **envp) {
  char path[512];
  int pfd[2];
  pid_t pid;
  int e = 0;
  lg_test_bin(fixture, path, sizeof path);
  ck_assert_int_eq(pipe2(pfd, O_CLOEXEC), 0);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    char *argv[] = {path, NULL};
    e = lg_container_child_enter(c);
    if (e == 0) {
      int dn = open("/dev/null", O_WRONLY);
      dup2(dn, 1);
      dup2(dn, 2); /* a leftover daemon must not hold ctest's pipe */
      execve(path, argv, envp);
      e = -errno;
    }
    if (write(pfd[1], &e, sizeof e) < 0)
      _exit(126);
    _exit(127);
  }
  close(pfd[1]);
  ck_assert_int_eq(read(pfd[0], &e, sizeof e), 0); /* exec succeeded */
  close(pfd[0]);
  return pid;
}

START_TEST(real_oom_kill) {
  lg_cgroup_info info;
  lg_container_opts o;
  lg_container *c = NULL;
  lg_container_stats st;
  lg_error err = {0, ""};
  char *envp[] = {"LEAKGATE_PORT=0", NULL}, leaf[1100];
  pid_t pid, pids[8];
  size_t n = 0;
  int status = 0, i, rc_pids, rc_read, rc_destroy;
  if (!real_cgroup(&info))
    return;
  memset(&o, 0, sizeof o);
  o.backend = LG_BACKEND_CGROUP;
  o.memory_bytes = 64u << 20;
  o.name = "oom";
  ck_assert_msg(lg_container_create(&o, &c, &err) == 0, "%s", err.msg);
  snprintf(leaf, sizeof leaf, "%s", lg_container_path(c));
  pid = start_in(c, "tests/fixtures/oom_hog", envp);
  rc_pids = lg_container_pids(c, pids, 8, &n, &err);
  /* 1 MiB per 10 ms: killed within about a second; allow 30. */
  for (i = 0; i < 3000 && waitpid(pid, &status, WNOHANG) == 0; i++)
    usleep(10000);
  rc_read = lg_container_read(c, &st, &err);
  /* Clean up before asserting: a failed check must leave nothing. */
  if (i == 3000) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  rc_destroy = lg_container_destroy(c, &err);
  ck_assert_int_eq(rc_pids, 0);
  ck_assert_uint_ge(n, 1);
  ck_assert_msg(i < 3000, "oom_hog not killed in 30 s");
  ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  ck_assert_int_eq(rc_read, 0);
  ck_assert_int_ge(st.oom_kills, 1);
  ck_assert_double_eq(st.limit_bytes, 67108864);
  ck_assert(st.peak_bytes > 32.0 * 1048576 && st.peak_bytes <= 67108864);
  ck_assert_int_eq(rc_destroy, 0);
  ck_assert_int_eq(access(leaf, F_OK), -1);
  assert_no_leaves(&info);
}
END_TEST

START_TEST(real_forker_killed_by_destroy) {
  lg_cgroup_info info;
  lg_container_opts o;
  lg_container *c = NULL;
  lg_error err = {0, ""};
  char *envp[] = {"LEAKGATE_PORT=0", "FORK_CHILDREN=3", "DAEMON=1",
                  "CHILD_BYTES=1048576", NULL};
  pid_t pid, pids[16];
  size_t n = 0, i;
  int tries, status, rc_destroy;
  if (!real_cgroup(&info))
    return;
  memset(&o, 0, sizeof o);
  o.backend = LG_BACKEND_CGROUP;
  o.memory_bytes = 256u << 20;
  o.name = "forker";
  ck_assert_int_eq(lg_container_create(&o, &c, &err), 0);
  pid = start_in(c, "tests/fixtures/forker", envp);
  /* parent + 3 children + the setsid daemon */
  for (tries = 0; tries < 500; tries++) {
    if (lg_container_pids(c, pids, 16, &n, &err) == 0 && n >= 5)
      break;
    usleep(10000);
  }
  rc_destroy = lg_container_destroy(c, &err);
  ck_assert_msg(n >= 5, "only %zu processes in the cgroup", n);
  ck_assert_int_eq(rc_destroy, 0);
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  for (i = 0; i < n && i < 16; i++)
    ck_assert_msg(pids[i] == pid || !running(pids[i]), "pid %ld survived",
                  (long)pids[i]);
  assert_no_leaves(&info);
}
END_TEST

int main(void) {
  Suite *s = suite_create("container");
  TCase *t = tcase_create("fixture");
  TCase *r = tcase_create("real");
  tcase_add_test(t, v2_detect);
  tcase_add_test(t, v2_create_sibling_limits);
  tcase_add_test(t, v2_sibling_needs_delegation);
  tcase_add_test(t, v2_create_child_and_enable);
  tcase_add_test(t, v2_no_place_auto_falls_back);
  tcase_add_test(t, v2_read_stats_and_pids);
  tcase_add_test(t, v2_kill_all_with_and_without_cgroup_kill);
  tcase_add_test(t, v1_fixture_tree);
  tcase_add_test(t, backend_none_and_unsupported);
  tcase_add_test(r, real_oom_kill);
  tcase_add_test(r, real_forker_killed_by_destroy);
  tcase_set_timeout(r, 60);
  suite_add_tcase(s, t);
  suite_add_tcase(s, r);
  return lg_test_run(s);
}
