/* test_backends - the wrapping container backends (systemd, docker, podman)
 * and backend auto, on a machine that has neither systemd as init nor a
 * container engine:
 * - the exact command lines built (lg__ct_systemd_argv, lg__ct_oci_argv) and
 * the wrapper environments;
 * - helper commands (ct_run): output, exit status, timeout, a daemon
 *   holding the pipe;
 * - the cgroup lookup from /proc/PID/cgroup against fixture files, with the
 *   checks that the limit really landed;
 * - whole lifecycles (create, wrap, exec, attach, read, kill, destroy)
 *   through fake systemd-run, sudo, docker and podman scripts
 *   (tests/data/container/bin) working on a fake cgroupfs and a fake /proc;
 * - the real probes' reading of every answer those tools give;
 * - auto's decision table with injected probes, including which probes
 *   run (lazily, in the documented order).
 * What only a real runner can show is listed in docs/backends.md. */
#include <leakgate/container.h>

#include "container/ct_int.h"
#include "core/watchdog.h"
#include "lg_test.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------ */

static char saved_path[4096];
static char tmp[256], fake_root[512], fake_proc[512], fake_cg[700],
    fake_state[512], fake_log[512];
static const char *cg_rel =
    "/user.slice/user-1000.slice/user@1000.service/app.slice";

static void sh(const char *fmt, const char *arg) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, fmt, arg);
  ck_assert_msg(system(cmd) == 0, "%s", cmd);
}

static void put(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
  fputs(text, f);
  fclose(f);
}

/* A temp dir with a fake cgroupfs (v2 at the root, the user manager's
 * app.slice), a fake /proc, engine state, and the fake tools first in
 * PATH. The fakes read FAKE_* from the environment. */
static void setup(void) {
  char bin[512], path[1400], d[1000];
  snprintf(tmp, sizeof tmp, "/tmp/lg-bk-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmp));
  snprintf(fake_root, sizeof fake_root, "%s/sys", tmp);
  snprintf(fake_proc, sizeof fake_proc, "%s/proc", tmp);
  snprintf(fake_state, sizeof fake_state, "%s/state", tmp);
  snprintf(fake_log, sizeof fake_log, "%s/log", tmp);
  snprintf(fake_cg, sizeof fake_cg, "%s%s", fake_root, cg_rel);
  sh("mkdir -p '%s'", fake_cg);
  sh("mkdir -p '%s'", fake_proc);
  sh("mkdir -p '%s'", fake_state);
  snprintf(d, sizeof d, "%s/cgroup.controllers", fake_root);
  put(d, "cpu memory pids\n");
  snprintf(d, sizeof d, "%s/cgroup.controllers", fake_cg);
  put(d, "memory pids\n");
  snprintf(d, sizeof d, "%s/memory.events", fake_cg);
  put(d, "low 0\nhigh 0\nmax 0\noom 3\noom_kill 3\n");
  if (!saved_path[0])
    snprintf(saved_path, sizeof saved_path, "%s",
             getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
  lg_test_src("tests/data/container/bin", bin, sizeof bin);
  snprintf(path, sizeof path, "%s:/usr/bin:/bin", bin);
  setenv("PATH", path, 1);
  setenv("FAKE_CG", fake_cg, 1);
  setenv("FAKE_CG_REL", cg_rel, 1);
  setenv("FAKE_PROC", fake_proc, 1);
  setenv("FAKE_STATE", fake_state, 1);
  setenv("FAKE_LOG", fake_log, 1);
  unsetenv("XDG_RUNTIME_DIR");
  unsetenv("DBUS_SESSION_BUS_ADDRESS");
}

static void teardown(void) {
  setenv("PATH", saved_path, 1);
  sh("rm -rf '%s'", tmp);
  unsetenv("FAKE_SD_PROBE_OUT");
  unsetenv("FAKE_SD_PROBE_RC");
  unsetenv("FAKE_SD_IGNORE_MAX");
  unsetenv("FAKE_SD_NO_MEMORY");
  unsetenv("FAKE_ENGINE_DOWN");
  unsetenv("FAKE_ENGINE_HANG");
  unsetenv("FAKE_PODMAN_CGROUPS");
  unsetenv("FAKE_NO_IMAGE");
}

static void expect_argv(char **got, const char *const *want) {
  size_t i;
  for (i = 0; want[i]; i++) {
    ck_assert_msg(got[i] != NULL, "argv[%zu] missing, expected '%s'", i,
                  want[i]);
    ck_assert_msg(strcmp(got[i], want[i]) == 0,
                  "argv[%zu] is '%s', expected '%s'", i, got[i], want[i]);
  }
  ck_assert_msg(got[i] == NULL, "extra argv[%zu] '%s'", i, got[i]);
}

static bool has_entry(char *const *v, const char *s) {
  size_t i;
  for (i = 0; v && v[i]; i++)
    if (strcmp(v[i], s) == 0)
      return true;
  return false;
}

/* ---- fake probes for auto ------------------------------------------------ */

typedef struct fake {
  bool root, cgroup, system, user, sudo, docker, podman;
  char log[256];
  bool with_self, self; /* with_self: the table has the self probe */
} fake;

static void called(fake *f, const char *what) {
  size_t l = strlen(f->log);
  snprintf(f->log + l, sizeof f->log - l, "%s%s", l ? "," : "", what);
}
static bool f_root(void *ctx) {
  called(ctx, "root");
  return ((fake *)ctx)->root;
}
static int f_cgroup(void *ctx, const lg_container_opts *o, char *why,
                    size_t cap) {
  (void)o;
  called(ctx, "cgroup");
  snprintf(why, cap, "fake cgroup says %s",
           ((fake *)ctx)->cgroup ? "yes" : "no");
  return ((fake *)ctx)->cgroup;
}
static int f_systemd(void *ctx, const lg_container_opts *o, lg_systemd_mode m,
                     char *why, size_t cap) {
  fake *f = ctx;
  (void)o;
  called(f, lg_systemd_mode_name(m));
  snprintf(why, cap, "fake %s manager unreachable", lg_systemd_mode_name(m));
  return m == LG_SYSTEMD_SYSTEM ? f->system
         : m == LG_SYSTEMD_USER ? f->user
                                : f->sudo;
}
static int f_engine(void *ctx, const lg_container_opts *o, lg_backend_kind e,
                    char *why, size_t cap) {
  fake *f = ctx;
  (void)o;
  called(f, e == LG_BACKEND_DOCKER ? "docker" : "podman");
  snprintf(why, cap, "fake %s down",
           e == LG_BACKEND_DOCKER ? "docker" : "podman");
  return e == LG_BACKEND_DOCKER ? f->docker : f->podman;
}

static int f_self(void *ctx, const lg_container_opts *o, char *why,
                  size_t cap) {
  (void)o;
  called(ctx, "self");
  snprintf(why, cap, "fake own cgroup has %s",
           ((fake *)ctx)->self ? "a limit" : "no limit");
  return ((fake *)ctx)->self;
}

static void fake_probes(lg_container_probes *p, fake *f) {
  memset(p, 0, sizeof *p);
  p->ctx = f;
  p->is_root = f_root;
  p->cgroup = f_cgroup;
  p->systemd = f_systemd;
  p->engine = f_engine;
  p->self = f->with_self ? f_self : NULL;
}

/* ---- command lines --------------------------------------------------------
 */

START_TEST(systemd_argv_user) {
  ct_systemd_params p;
  lg_strv out = {0};
  lg_error err = {0, ""};
  char *argv[] = {"/srv/api", "--port", "$PORT", NULL};
  char *envp[] = {"LEAKGATE_PORT=8080", "SECRET=x", NULL};
  const char *want[] = {"/usr/bin/systemd-run",
                        "--user",
                        "--scope",
                        "--quiet",
                        "--collect",
                        "--unit=leakgate-7-a-api.scope",
                        "--expand-environment=no",
                        "-p",
                        "MemoryAccounting=yes",
                        "-p",
                        "MemoryMax=268435456",
                        "-p",
                        "MemorySwapMax=0",
                        "--",
                        "/srv/api",
                        "--port",
                        "$PORT",
                        NULL};
  memset(&p, 0, sizeof p);
  p.mode = LG_SYSTEMD_USER;
  p.systemd_run = "/usr/bin/systemd-run";
  p.unit = "leakgate-7-a-api";
  p.version = 255;
  p.memory = 256u << 20;
  ck_assert_int_eq(lg__ct_systemd_argv(&p, argv, envp, &out, &err), 0);
  expect_argv(out.v, want);
  lg__strv_cleanup(&out);
}
END_TEST

START_TEST(systemd_argv_system_old_and_sudo) {
  ct_systemd_params p;
  lg_strv out = {0};
  lg_error err = {0, ""};
  char *argv[] = {"/srv/api", NULL};
  char *envp[] = {"LEAKGATE_PORT=8080", "A=b c", NULL};
  /* systemd 252: no --expand-environment (it did not expand, and would
   * refuse the option); no memory limit: no MemoryMax; swap allowed. */
  const char *want_sys[] = {"/bin/systemd-run",
                            "--scope",
                            "--quiet",
                            "--collect",
                            "--unit=u.scope",
                            "-p",
                            "MemoryAccounting=yes",
                            "-p",
                            "MemorySwapMax=1048576",
                            "--",
                            "/srv/api",
                            NULL};
  const char *want_sudo[] = {"/usr/bin/sudo",
                             "-n",
                             "/bin/systemd-run",
                             "--scope",
                             "--quiet",
                             "--collect",
                             "--unit=u.scope",
                             "--uid=1001",
                             "--gid=127",
                             "--expand-environment=no",
                             "-p",
                             "MemoryAccounting=yes",
                             "-p",
                             "MemoryMax=67108864",
                             "-p",
                             "MemorySwapMax=0",
                             "--setenv=LEAKGATE_PORT=8080",
                             "--setenv=A=b c",
                             "--",
                             "/srv/api",
                             NULL};
  memset(&p, 0, sizeof p);
  p.mode = LG_SYSTEMD_SYSTEM;
  p.systemd_run = "/bin/systemd-run";
  p.unit = "u";
  p.version = 252;
  p.swap = 1u << 20;
  ck_assert_int_eq(lg__ct_systemd_argv(&p, argv, envp, &out, &err), 0);
  expect_argv(out.v, want_sys);
  lg__strv_cleanup(&out);
  p.mode = LG_SYSTEMD_SUDO;
  p.sudo = "/usr/bin/sudo";
  p.version = 254;
  p.memory = 64u << 20;
  p.swap = 0;
  p.uid = 1001;
  p.gid = 127;
  ck_assert_int_eq(lg__ct_systemd_argv(&p, argv, envp, &out, &err), 0);
  expect_argv(out.v, want_sudo);
  lg__strv_cleanup(&out);
  ck_assert_int_eq(lg__ct_systemd_argv(&p, (char *[]){NULL}, envp, &out, &err),
                   LG_EUSAGE);
  lg__strv_cleanup(&out);
}
END_TEST

START_TEST(oci_argv) {
  ct_oci_params p;
  lg_strv out = {0};
  lg_error err = {0, ""};
  char *argv[] = {"/app/server", "--port", "8080", NULL};
  char *envp[] = {"LEAKGATE_PORT=8080", "TOKEN=s3cret", "=bad", NULL};
  const char *want_docker[] = {"/usr/bin/docker",
                               "run",
                               "--name",
                               "leakgate-1-2-api",
                               "--label",
                               "leakgate=1",
                               "--init",
                               "-i",
                               "--network",
                               "host",
                               "--memory",
                               "268435456",
                               "--memory-swap",
                               "268435456",
                               "-e",
                               "LEAKGATE_PORT",
                               "-e",
                               "TOKEN",
                               "ghcr.io/acme/api:1.2",
                               "/app/server",
                               "--port",
                               "8080",
                               NULL};
  const char *want_podman[] = {
      "/usr/bin/podman", "run",        "--name",   "n",
      "--label",         "leakgate=1", "--init",   "-i",
      "--network",       "host",       "--rootfs", "/srv/rootfs",
      "/app/server",     "--port",     "8080",     NULL};
  memset(&p, 0, sizeof p);
  p.engine = LG_BACKEND_DOCKER;
  p.tool = "/usr/bin/docker";
  p.name = "leakgate-1-2-api";
  p.image = "ghcr.io/acme/api:1.2";
  p.memory = 256u << 20;
  ck_assert_int_eq(lg__ct_oci_argv(&p, argv, envp, &out, &err), 0);
  expect_argv(out.v, want_docker);
  lg__strv_cleanup(&out);
  /* swap allowed: --memory-swap is the total */
  p.swap = 1u << 20;
  ck_assert_int_eq(lg__ct_oci_argv(&p, argv, NULL, &out, &err), 0);
  ck_assert_str_eq(out.v[13], "269484032");
  lg__strv_cleanup(&out);
  /* podman from a rootfs, no limit, no env */
  p.engine = LG_BACKEND_PODMAN;
  p.tool = "/usr/bin/podman";
  p.name = "n";
  p.image = NULL;
  p.rootfs = "/srv/rootfs";
  p.memory = 0;
  ck_assert_int_eq(lg__ct_oci_argv(&p, argv, NULL, &out, &err), 0);
  expect_argv(out.v, want_podman);
  lg__strv_cleanup(&out);
  /* docker cannot use a rootfs */
  p.engine = LG_BACKEND_DOCKER;
  ck_assert_int_eq(lg__ct_oci_argv(&p, argv, NULL, &out, &err), LG_EINPUT);
  ck_assert(strstr(err.msg, "container.image") != NULL);
  lg__strv_cleanup(&out);
}
END_TEST

START_TEST(wrapper_environments) {
  lg_strv out = {0};
  lg_error err = {0, ""};
  char *envp[] = {"LEAKGATE_PORT=1", "HOME=/svc", NULL};
  setenv("HOME", "/root-of-leakgate", 1);
  setenv("DOCKER_HOST", "unix:///run/docker.sock", 1);
  /* engine client: leakgate's environment, the service's values win */
  ck_assert_int_eq(lg__ct_oci_env(envp, &out, &err), 0);
  ck_assert(has_entry(out.v, "HOME=/svc"));
  ck_assert(!has_entry(out.v, "HOME=/root-of-leakgate"));
  ck_assert(has_entry(out.v, "DOCKER_HOST=unix:///run/docker.sock"));
  ck_assert(has_entry(out.v, "LEAKGATE_PORT=1"));
  lg__strv_cleanup(&out);
  /* systemd --user: the service's env plus the bus of the user manager */
  setenv("XDG_RUNTIME_DIR", "/run/user/1001", 1);
  setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/1001/bus", 1);
  ck_assert_int_eq(lg__ct_systemd_env(LG_SYSTEMD_USER, envp, &out, &err), 0);
  ck_assert_uint_eq(out.n, 4);
  ck_assert(has_entry(out.v, "XDG_RUNTIME_DIR=/run/user/1001"));
  ck_assert(has_entry(out.v,
                      "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1001/bus"));
  lg__strv_cleanup(&out);
  /* the system manager needs nothing of leakgate's */
  ck_assert_int_eq(lg__ct_systemd_env(LG_SYSTEMD_SYSTEM, envp, &out, &err), 0);
  ck_assert_uint_eq(out.n, 2);
  lg__strv_cleanup(&out);
  unsetenv("XDG_RUNTIME_DIR");
  unsetenv("DBUS_SESSION_BUS_ADDRESS");
  unsetenv("DOCKER_HOST");
}
END_TEST

/* ---- helper commands --------------------------------------------------------
 */

START_TEST(run_helper) {
  char out[64];
  int status = 0;
  lg_error err = {0, ""};
  double t0;
  char *a1[] = {"/bin/sh", "-c", "echo out; echo err >&2; exit 3", NULL};
  char *a2[] = {"/bin/sh", "-c", "sleep 5", NULL};
  char *a3[] = {"/bin/sh", "-c", "(sleep 3 &); echo done", NULL};
  char *a4[] = {"/nonexistent/tool", NULL};
  char *a5[] = {"/bin/sh", "-c",
                "i=0; while [ $i -lt 2000 ]; do echo "
                "0123456789; i=$((i+1)); done",
                NULL};
  ck_assert_int_eq(lg__run_capture(a1, NULL, 5, out, sizeof out, &status, &err),
                   0);
  ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 3);
  ck_assert(strstr(out, "out") && strstr(out, "err"));
  t0 = (double)time(NULL);
  ck_assert_int_eq(
      lg__run_capture(a2, NULL, 0.3, out, sizeof out, &status, &err),
      LG_ETIMEOUT);
  ck_assert(strstr(err.msg, "within") != NULL);
  /* a daemon left holding the pipe does not hold us */
  ck_assert_int_eq(lg__run_capture(a3, NULL, 5, out, sizeof out, &status, &err),
                   0);
  ck_assert_str_eq(out, "done\n");
  ck_assert((double)time(NULL) - t0 < 3);
  ck_assert_int_eq(lg__run_capture(a4, NULL, 5, out, sizeof out, &status, &err),
                   0);
  ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 127);
  /* 22 KB of output into 64 bytes: cut, drained, no deadlock */
  ck_assert_int_eq(lg__run_capture(a5, NULL, 5, out, sizeof out, &status, &err),
                   0);
  ck_assert_uint_eq(strlen(out), 63);
  ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

/* What a watchdog would hear from lg__run_capture_watched. */
typedef struct heard {
  pid_t pgid[4];
  bool alive[4];
  char state[4];     /* the leader's state when told (Z: not yet reaped) */
  bool group_ran[4]; /* the group had a live member when told alive */
  int n;
} heard;

static void hear(void *ctx, pid_t pgid, bool alive) {
  heard *h = ctx;
  char path[64], buf[512], *rp;
  ck_assert_int_lt(h->n, 4);
  h->pgid[h->n] = pgid;
  h->alive[h->n] = alive;
  h->group_ran[h->n] = kill(-pgid, 0) == 0;
  h->state[h->n] = '?';
  snprintf(path, sizeof path, "/proc/%ld/stat", (long)pgid);
  if (lg_test_read_into(path, buf, sizeof buf) > 0 && (rp = strrchr(buf, ')')))
    h->state[h->n] = rp[2];
  h->n++;
}

/* A helper's process group is told alive as it starts and dead while its
 * leader is still an unreaped zombie (so a watchdog never kills an id the
 * kernel handed out again) - on a normal exit and on a timeout. */
START_TEST(run_helper_watched) {
  char out[64];
  int status = 0, k;
  lg_error err = {0, ""};
  char *quick[] = {"/bin/sh", "-c", "exit 0", NULL};
  char *slow[] = {"/bin/sh", "-c", "sleep 5", NULL};
  for (k = 0; k < 2; k++) {
    heard h;
    memset(&h, 0, sizeof h);
    ck_assert_int_eq(lg__run_capture_watched(k ? slow : quick, NULL,
                                             k ? 0.3 : 5, out, sizeof out,
                                             &status, hear, &h, &err),
                     k ? LG_ETIMEOUT : 0);
    ck_assert_int_eq(h.n, 2);
    ck_assert_int_eq(h.pgid[0], h.pgid[1]);
    ck_assert(h.alive[0] && !h.alive[1]);
    ck_assert_msg(h.group_ran[0], "told alive after the group was gone");
    ck_assert_msg(h.state[1] == 'Z', "told dead in state %c, not as a zombie",
                  h.state[1]);
    ck_assert_int_eq(kill(h.pgid[0], 0), -1); /* reaped afterwards */
  }
}
END_TEST

/* A process started with env, sleeping (a child of the test). */
static pid_t sleeper(const char *env) {
  pid_t p = fork();
  ck_assert_int_ge(p, 0);
  if (p == 0) {
    char *const argv[] = {"/bin/sleep", "30", NULL};
    char *const envp[] = {"A=1", (char *)env, "Z=2", NULL};
    execve(argv[0], argv, envp);
    _exit(127);
  }
  /* until it has exec'd (its environ is the new one), 20 s at most */
  for (int i = 0; i < 2000; i++) {
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%ld/environ", (long)p);
    if (lg_test_read_into(path, buf, sizeof buf) > 0 && strcmp(buf, "A=1") == 0)
      return p;
    usleep(10000);
  }
  ck_abort_msg("pid %ld never exec'd sleep", (long)p);
  return p;
}

/* lg__kill_marked kills the processes whose environment holds the entry
 * whole - not one whose value only starts with it, not an unmarked one. */
START_TEST(kill_marked_by_environment) {
  char mark[32], entry[64], longer[80];
  pid_t hit, near, other;
  int st;
  lg__run_mark(mark, sizeof mark);
  ck_assert_uint_eq(strlen(mark), 16);
  ck_assert_uint_eq(strspn(mark, "0123456789abcdef"), 16);
  snprintf(entry, sizeof entry, "LEAKGATE_RUN=%s", mark);
  snprintf(longer, sizeof longer, "%s0", entry);
  hit = sleeper(entry);
  near = sleeper(longer);
  other = sleeper("B=3");
  ck_assert_int_eq(lg__kill_marked(entry), 1);
  ck_assert_int_eq(waitpid(hit, &st, 0), hit);
  ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
  ck_assert_int_eq(waitpid(near, &st, WNOHANG), 0); /* still running */
  ck_assert_int_eq(waitpid(other, &st, WNOHANG), 0);
  kill(near, SIGKILL);
  kill(other, SIGKILL);
  waitpid(near, NULL, 0);
  waitpid(other, NULL, 0);
}
END_TEST

/* ---- cgroup lookup against fixture files
 * -------------------------------------- */

static void fixture_pid(pid_t pid, const char *text) {
  char d[1200];
  snprintf(d, sizeof d, "%s/%ld", fake_proc, (long)pid);
  mkdir(d, 0755);
  snprintf(d, sizeof d, "%s/%ld/cgroup", fake_proc, (long)pid);
  put(d, text);
}

START_TEST(pid_cgroup_lookup) {
  char src[600];
  pid_t found = 0;
  setup();
  lg_test_src("tests/data/container/proc", src, sizeof src);
  /* checked-in /proc/PID/cgroup samples: v2, hybrid, a docker container */
  ck_assert_int_eq(lg__ct_extcg_pid_in(src, 4242, "leakgate-1-a-api.scope"), 1);
  ck_assert_int_eq(lg__ct_extcg_pid_in(src, 4242, "a-api.scope"), 0);
  ck_assert_int_eq(lg__ct_extcg_pid_in(src, 4242, "app.slice"), 0);
  ck_assert_int_eq(lg__ct_extcg_pid_in(src, 4343, "leakgate-1-a-api.scope"), 1);
  ck_assert_int_eq(lg__ct_extcg_pid_in(src, 5000, "docker-0123abcd.scope"), 1);
  ck_assert_int_eq(lg__ct_extcg_pid_in(src, 9999, "x.scope"), -ENOENT);
  /* sudo (4300) -> monitor (4301) -> systemd-run in the scope (4302) */
  ck_assert_int_eq(
      lg__ct_extcg_find(src, 4300, "leakgate-1-a-api.scope", &found), 1);
  ck_assert_int_eq(found, 4302);
  ck_assert_int_eq(lg__ct_extcg_find(src, 4300, "other.scope", &found), 0);
  ck_assert_int_eq(lg__ct_extcg_find(src, 9999, "x.scope", &found), -ESRCH);
  teardown();
}
END_TEST

/* A systemd container on the fake tree, pid fixtures written by hand;
 * attach waits at most start_timeout_s (copied at create). */
static lg_container *systemd_box(lg_container_opts *o, fake *f,
                                 lg_container_probes *pr,
                                 double start_timeout_s) {
  lg_container *c = NULL;
  lg_error err = {0, ""};
  memset(o, 0, sizeof *o);
  memset(f, 0, sizeof *f);
  f->user = true;
  fake_probes(pr, f);
  o->backend = LG_BACKEND_SYSTEMD;
  o->memory_bytes = 64u << 20;
  o->name = "api v2";
  o->cgroupfs_root = fake_root;
  o->proc_root = fake_proc;
  o->probes = pr;
  o->start_timeout_s = start_timeout_s;
  ck_assert_msg(lg_container_create(o, &c, &err) == 0, "%s", err.msg);
  return c;
}

static void make_scope(const char *scope, const char *max,
                       const char *controllers) {
  char d[1200], f[1300];
  snprintf(d, sizeof d, "%s/%s", fake_cg, scope);
  mkdir(d, 0755);
  snprintf(f, sizeof f, "%s/cgroup.controllers", d);
  put(f, controllers);
  snprintf(f, sizeof f, "%s/memory.max", d);
  put(f, max);
  snprintf(f, sizeof f, "%s/memory.current", d);
  put(f, "1000\n");
  snprintf(f, sizeof f, "%s/memory.events", d);
  put(f, "oom_kill 0\n");
}

START_TEST(systemd_attach_fixtures) {
  lg_container_opts o;
  lg_container_probes pr;
  fake f;
  lg_container *c;
  lg_error err = {0, ""};
  char text[1200], want[1400];
  const char *scope;
  pid_t me = getpid();
  setup();
  c = systemd_box(&o, &f, &pr, 2);
  ck_assert_str_eq(lg_container_backend(c), "systemd");
  ck_assert(lg_container_host_program(c));
  ck_assert_str_eq(f.log, "root,user"); /* not root in the fake: user first */
  scope = lg_container_unit(c);
  ck_assert(strncmp(scope, "leakgate-", 9) == 0);
  ck_assert(strstr(scope, "-api_v2.scope") != NULL);
  ck_assert_uint_eq(lg_container_limit(c), 64u << 20);
  ck_assert_ptr_null(lg_container_path(c)); /* not before attach */

  /* The scope exists but systemd put no memory controller in it. */
  make_scope(scope, "max\n", "pids\n");
  snprintf(text, sizeof text, "0::%s/%s\n", cg_rel, scope);
  fixture_pid(me, text);
  ck_assert_int_eq(lg_container_attach(c, me, &err), LG_ECGROUP);
  ck_assert_msg(strstr(err.msg, "no cgroup with the memory controller"), "%s",
                err.msg);
  /* Memory there, but MemoryMax ignored: an error, never an unlimited pass. */
  make_scope(scope, "max\n", "memory pids\n");
  ck_assert_int_eq(lg_container_attach(c, me, &err), LG_ECGROUP);
  ck_assert_msg(strstr(err.msg, "was not applied") &&
                    strstr(err.msg, "reads max"),
                "%s", err.msg);
  /* Applied (rounded down to a page): adopted, limit as the kernel says. */
  make_scope(scope, "67104768\n", "memory pids\n");
  ck_assert_msg(lg_container_attach(c, me, &err) == 0, "%s", err.msg);
  snprintf(want, sizeof want, "%s/%s", fake_cg, scope);
  ck_assert_str_eq(lg_container_path(c), want);
  ck_assert_uint_eq(lg_container_limit(c), 67104768);
  ck_assert(strstr(lg_container_note(c), "no memory.swap.max") != NULL);
  /* The pid is in some other cgroup: waits, then times out. */
  fixture_pid(me, "0::/user.slice/other.scope\n");
  lg_container_destroy(c, &err);
  c = systemd_box(&o, &f, &pr, 0.2);
  ck_assert_int_eq(lg_container_attach(c, me, &err), LG_ETIMEOUT);
  /* The pid is gone (no proc entry): said at once, not after the timeout. */
  ck_assert_int_eq(lg_container_attach(c, 999999, &err), LG_ECGROUP);
  ck_assert(strstr(err.msg, "exited before") != NULL);
  ck_assert_int_eq(lg_container_destroy(c, &err), 0);
  teardown();
}
END_TEST

/* ---- whole lifecycles through the fake tools --------------------------------
 */

/* fork + exec the wrapped command as the service module does; returns pid */
static pid_t start_wrapped(char *const *argv, char *const *envp) {
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    int dn = open("/dev/null", O_RDWR);
    dup2(dn, 0);
    dup2(dn, 1);
    setpgid(0, 0);
    execve(argv[0], argv, envp);
    _exit(127);
  }
  return pid;
}

static int reap(pid_t pid, double timeout_s) {
  int status = 0, i;
  for (i = 0; i < (int)(timeout_s * 100); i++) {
    if (waitpid(pid, &status, WNOHANG) == pid)
      return status;
    usleep(10000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  ck_abort_msg("pid %ld did not end in %.0f s", (long)pid, timeout_s);
  return status;
}

START_TEST(systemd_lifecycle_user) {
  lg_container_opts o;
  lg_container_probes pr;
  fake f;
  lg_container *c;
  lg_error err = {0, ""};
  lg_container_stats st;
  char *argv[] = {"/bin/sleep", "30", NULL}, fe[800], fp[800], fr[800], fl[800];
  char *const *aout, *const *eout;
  char buf[4096], ev[1200];
  pid_t pid, pids[4];
  size_t n = 0;
  int status;
  char *envp[] = {"LEAKGATE_PORT=1234", fe, fp, fr, fl, NULL};
  setup();
  snprintf(fl, sizeof fl, "FAKE_LOG=%s", fake_log);
  setenv("XDG_RUNTIME_DIR", tmp, 1);
  snprintf(fe, sizeof fe, "FAKE_CG=%s", fake_cg);
  snprintf(fp, sizeof fp, "FAKE_PROC=%s", fake_proc);
  snprintf(fr, sizeof fr, "FAKE_CG_REL=%s", cg_rel);
  c = systemd_box(&o, &f, &pr, 2);
  ck_assert_int_eq(lg_container_wrap(c, argv, envp, &aout, &eout, &err), 0);
  ck_assert(strstr(aout[0], "tests/data/container/bin/systemd-run") != NULL);
  ck_assert_str_eq(aout[1], "--user");
  ck_assert(has_entry((char **)eout, "LEAKGATE_PORT=1234"));
  {
    char x[300];
    snprintf(x, sizeof x, "XDG_RUNTIME_DIR=%s", tmp);
    ck_assert(has_entry((char **)eout, x));
  }
  pid = start_wrapped(aout, eout);
  ck_assert_msg(lg_container_attach(c, pid, &err) == 0, "%s", err.msg);
  ck_assert_int_eq(lg_container_pids(c, pids, 4, &n, &err), 0);
  ck_assert_uint_eq(n, 1);
  ck_assert_int_eq(pids[0], pid); /* systemd-run exec'd the service */
  ck_assert_int_eq(lg_container_read(c, &st, &err), 0);
  ck_assert_double_eq(st.usage_bytes, 4096);
  ck_assert_double_eq(st.peak_bytes, 8192);
  ck_assert_double_eq(st.anon_bytes, 1024);
  ck_assert_double_eq(st.limit_bytes, 67108864);
  ck_assert_int_eq(st.oom_kills, 0);
  ck_assert_ptr_null(lg_container_note(c)); /* swap limited to 0 */
  /* The service is OOM-killed; systemd removes the scope at once. The
   * parent's hierarchical count (3 -> 4) still tells. */
  kill(pid, SIGKILL);
  status = reap(pid, 10);
  ck_assert(WIFSIGNALED(status));
  snprintf(ev, sizeof ev, "%s/memory.events", fake_cg);
  put(ev, "low 0\nhigh 0\nmax 1\noom 4\noom_kill 4\n");
  sh("rm -rf '%s'/leakgate-*", fake_cg);
  ck_assert_int_eq(lg_container_read(c, &st, &err), 0);
  ck_assert_int_eq(st.oom_kills, 1);
  ck_assert_double_eq(st.peak_bytes, 8192); /* last seen */
  ck_assert(isnan(st.usage_bytes));
  ck_assert_int_eq(lg_container_read(c, &st, &err), 0);
  ck_assert_int_eq(st.oom_kills, 1); /* counted once */
  ck_assert_int_eq(lg_container_kill_all(c, &err), 0);
  ck_assert_int_eq(lg_container_destroy(c, &err), 0);
  /* what the fake systemd-run was given */
  lg_test_read_into(fake_log, buf, sizeof buf);
  ck_assert(
      strstr(buf, "--user\n--scope\n--quiet\n--collect\n--unit=leakgate-"));
  ck_assert(strstr(buf, "\n--expand-environment=no\n-p\nMemoryAccounting=yes\n"
                        "-p\nMemoryMax=67108864\n-p\nMemorySwapMax=0\n--\n"
                        "/bin/sleep\n30\n--end--"));
  teardown();
}
END_TEST

START_TEST(systemd_lifecycle_sudo_and_kill) {
  lg_container_opts o;
  lg_container_probes pr;
  fake f;
  lg_container *c = NULL;
  lg_error err = {0, ""};
  char *argv[] = {"/bin/sleep", "30", NULL}, fe[800], fp[800], fr[800], fl[800];
  char *const *aout, *const *eout;
  char buf[4096];
  pid_t pid;
  int status;
  char *envp[] = {"LEAKGATE_PORT=1", fe, fp, fr, fl, NULL};
  setup();
  snprintf(fl, sizeof fl, "FAKE_LOG=%s", fake_log);
  snprintf(fe, sizeof fe, "FAKE_CG=%s", fake_cg);
  snprintf(fp, sizeof fp, "FAKE_PROC=%s", fake_proc);
  snprintf(fr, sizeof fr, "FAKE_CG_REL=%s", cg_rel);
  /* Not root, no user manager, sudo works: auto in the systemd backend. */
  memset(&o, 0, sizeof o);
  memset(&f, 0, sizeof f);
  f.sudo = true;
  fake_probes(&pr, &f);
  o.backend = LG_BACKEND_SYSTEMD;
  o.memory_bytes = 64u << 20;
  o.name = "s";
  o.cgroupfs_root = fake_root;
  o.proc_root = fake_proc;
  o.probes = &pr;
  ck_assert_msg(lg_container_create(&o, &c, &err) == 0, "%s", err.msg);
  ck_assert_str_eq(f.log, "root,user,sudo");
  ck_assert_int_eq(lg_container_wrap(c, argv, envp, &aout, &eout, &err), 0);
  ck_assert(strstr(aout[0], "/sudo") && strcmp(aout[1], "-n") == 0);
  pid = start_wrapped(aout, eout);
  /* The scope holds sudo's grandchild, found through the children list. */
  ck_assert_msg(lg_container_attach(c, pid, &err) == 0, "%s", err.msg);
  /* kill_all empties the scope (cgroup.kill is a plain file in the fake:
   * the per-pid SIGKILL does it); sudo then exits with the kill. */
  ck_assert_int_eq(lg_container_kill_all(c, &err), 0);
  status = reap(pid, 10);
  ck_assert(WIFEXITED(status) || WIFSIGNALED(status));
  ck_assert_int_eq(lg_container_destroy(c, &err), 0);
  lg_test_read_into(fake_log, buf, sizeof buf);
  ck_assert(strstr(buf, "\n--setenv=LEAKGATE_PORT=1\n") != NULL);
  ck_assert(strstr(buf, "--uid=") != NULL);
  /* Neither manager: the error names both reasons. */
  f.sudo = false;
  f.log[0] = '\0';
  ck_assert_int_eq(lg_container_create(&o, &c, &err), LG_ECGROUP);
  ck_assert_msg(strstr(err.msg, "user: fake user manager unreachable") &&
                    strstr(err.msg, "sudo: fake sudo manager unreachable"),
                "%s", err.msg);
  teardown();
}
END_TEST

START_TEST(docker_lifecycle) {
  lg_container_opts o;
  lg_container *c = NULL;
  lg_error err = {0, ""};
  lg_container_stats st;
  char *argv[] = {"/bin/sleep", "30", NULL};
  char *envp[] = {"LEAKGATE_PORT=77", "MODE=test", NULL};
  char *const *aout, *const *eout;
  char buf[8192], oomf[1200], scope[1200];
  pid_t pid;
  int status;
  setup();
  memset(&o, 0, sizeof o);
  o.backend = LG_BACKEND_DOCKER;
  o.memory_bytes = 128u << 20;
  o.image = "alpine:3";
  o.name = "api";
  o.cgroupfs_root = fake_root;
  o.proc_root = fake_proc;
  o.start_timeout_s = 10;
  /* real engine probe against the fake docker */
  ck_assert_msg(lg_container_create(&o, &c, &err) == 0, "%s", err.msg);
  ck_assert_str_eq(lg_container_backend(c), "docker");
  ck_assert(!lg_container_host_program(c));
  ck_assert_int_eq(lg_container_wrap(c, argv, envp, &aout, &eout, &err), 0);
  ck_assert(has_entry((char **)eout, "MODE=test"));
  ck_assert(has_entry((char **)aout, "alpine:3"));
  pid = start_wrapped(aout, eout);
  ck_assert_msg(lg_container_attach(c, pid, &err) == 0, "%s", err.msg);
  snprintf(scope, sizeof scope, "%s/docker-%s.scope", fake_cg,
           lg_container_unit(c));
  ck_assert_str_eq(lg_container_path(c), scope);
  ck_assert_int_eq(lg_container_read(c, &st, &err), 0);
  ck_assert_double_eq(st.usage_bytes, 4096);
  ck_assert_double_eq(st.limit_bytes, 134217728);
  /* OOM: the engine removes the cgroup and keeps State.OOMKilled. */
  snprintf(oomf, sizeof oomf, "%s/%s.oom", fake_state, lg_container_unit(c));
  put(oomf, "true\n");
  kill(pid, SIGKILL);
  status = reap(pid, 10);
  ck_assert(WIFSIGNALED(status));
  sh("rm -rf '%s'", scope);
  ck_assert_int_eq(lg_container_read(c, &st, &err), 0);
  ck_assert_int_eq(st.oom_kills, 1);
  ck_assert_int_eq(lg_container_destroy(c, &err), 0);
  lg_test_read_into(fake_log, buf, sizeof buf);
  ck_assert(strstr(buf, "docker\nrun\n--name\nleakgate-") != NULL);
  ck_assert(strstr(buf, "\n--memory\n134217728\n--memory-swap\n134217728\n-e\n"
                        "LEAKGATE_PORT\n-e\nMODE\nalpine:3\n/bin/sleep\n30\n"));
  ck_assert(strstr(buf, "docker\nkill\nleakgate-") != NULL);
  ck_assert(strstr(buf, "docker\nrm\n-f\nleakgate-") != NULL);
  teardown();
}
END_TEST

START_TEST(podman_rootfs_and_client_exit) {
  lg_container_opts o;
  lg_container *c = NULL;
  lg_error err = {0, ""};
  char *argv[] = {"/bin/sleep", "30", NULL}, *bad[] = {"/bin/true", NULL};
  char *noenv[] = {NULL};
  char *const *aout, *const *eout;
  pid_t pid;
  setup();
  memset(&o, 0, sizeof o);
  o.backend = LG_BACKEND_PODMAN;
  o.memory_bytes = 64u << 20;
  o.rootfs = "/srv/rootfs";
  o.name = "p";
  o.cgroupfs_root = fake_root;
  o.proc_root = fake_proc;
  o.start_timeout_s = 10;
  ck_assert_msg(lg_container_create(&o, &c, &err) == 0, "%s", err.msg);
  ck_assert_str_eq(lg_container_backend(c), "podman");
  ck_assert_int_eq(lg_container_wrap(c, argv, NULL, &aout, &eout, &err), 0);
  pid = start_wrapped(aout, eout);
  ck_assert_msg(lg_container_attach(c, pid, &err) == 0, "%s", err.msg);
  ck_assert(strstr(lg_container_path(c), "/podman-leakgate-") != NULL);
  ck_assert_int_eq(lg_container_destroy(c, &err), 0); /* kill + rm -f */
  reap(pid, 10);
  /* A client that exits at once (pull failed, bad flag): said promptly. */
  ck_assert_int_eq(lg_container_create(&o, &c, &err), 0);
  pid = start_wrapped(bad, noenv);
  reap(pid, 10);
  ck_assert_int_eq(lg_container_attach(c, pid, &err), LG_ESTART);
  ck_assert(strstr(err.msg, "exited before the container ran") != NULL);
  ck_assert_int_eq(lg_container_destroy(c, &err), 0); /* rm: no such: fine */
  /* rootless podman on cgroup v1 ignores limits: the probe says so */
  setenv("FAKE_PODMAN_CGROUPS", "v1", 1);
  if (geteuid() != 0) {
    ck_assert_int_eq(lg_container_create(&o, &c, &err), LG_ETOOL);
    ck_assert(strstr(err.msg, "cgroup v1") != NULL);
  }
  teardown();
}
END_TEST

/* ---- the real probes against the fake tools' answers
 * ------------------------- */

START_TEST(engine_probe_answers) {
  lg_container_opts o;
  char why[600];
  setup();
  memset(&o, 0, sizeof o);
  /* Long enough for a shell script on a busy machine, short of the hang. */
  o.probe_timeout_s = 3;
  ck_assert_int_eq(
      lg_container_probe_engine(&o, LG_BACKEND_DOCKER, why, sizeof why), 1);
  ck_assert_str_eq(why, "docker daemon 28.0.1");
  setenv("FAKE_ENGINE_DOWN", "1", 1);
  ck_assert_int_eq(
      lg_container_probe_engine(&o, LG_BACKEND_DOCKER, why, sizeof why), 0);
  ck_assert_msg(
      strstr(why, "does not answer: Cannot connect to the Docker daemon"), "%s",
      why);
  ck_assert_int_eq(
      lg_container_probe_engine(&o, LG_BACKEND_PODMAN, why, sizeof why), 0);
  ck_assert(strstr(why, "podman info failed") != NULL);
  unsetenv("FAKE_ENGINE_DOWN");
  setenv("FAKE_ENGINE_HANG", "1", 1);
  ck_assert_int_eq(
      lg_container_probe_engine(&o, LG_BACKEND_DOCKER, why, sizeof why), 0);
  ck_assert_msg(strstr(why, "did not finish within"), "%s", why);
  unsetenv("FAKE_ENGINE_HANG");
  ck_assert_msg(
      lg_container_probe_engine(&o, LG_BACKEND_PODMAN, why, sizeof why) == 1,
      "%s", why);
  setenv("PATH", "/nonexistent", 1);
  ck_assert_int_eq(
      lg_container_probe_engine(&o, LG_BACKEND_DOCKER, why, sizeof why), 0);
  ck_assert_str_eq(why, "docker not found in PATH");
  teardown();
}
END_TEST

START_TEST(systemd_probe_answers) {
  lg_container_opts o;
  char why[800], sock[600], buf[4096];
  lg_systemd_mode m = geteuid() == 0 ? LG_SYSTEMD_SYSTEM : LG_SYSTEMD_USER;
  setup();
  memset(&o, 0, sizeof o);
  o.probe_timeout_s = 5;
  /* the user manager's socket must exist before anything runs */
  setenv("XDG_RUNTIME_DIR", tmp, 1);
  ck_assert_int_eq(
      lg_container_probe_systemd(&o, LG_SYSTEMD_USER, why, sizeof why), 0);
  ck_assert_msg(strstr(why, "no user manager") &&
                    strstr(why, "/systemd/private"),
                "%s", why);
  snprintf(sock, sizeof sock, "%s/systemd", tmp);
  mkdir(sock, 0755);
  snprintf(sock, sizeof sock, "%s/systemd/private", tmp);
  put(sock, "");
  setenv("FAKE_SD_PROBE_OUT", "67108864", 1);
  ck_assert_msg(
      lg_container_probe_systemd(&o, LG_SYSTEMD_USER, why, sizeof why), "%s",
      why);
  ck_assert(strstr(why, "user scope with MemoryMax=64M works (systemd 255)"));
  lg_test_read_into(fake_log, buf, sizeof buf);
  ck_assert(strstr(buf, "--user\n--scope\n") &&
            strstr(buf, "MemoryMax=67108864\n"));
  ck_assert(strstr(buf, "--\n/bin/sh\n-c\n") != NULL);
  setenv("FAKE_SD_PROBE_OUT", "max", 1);
  ck_assert_int_eq(
      lg_container_probe_systemd(&o, LG_SYSTEMD_USER, why, sizeof why), 0);
  ck_assert_msg(strstr(why, "ignored MemoryMax") &&
                    strstr(why, "Delegate=memory"),
                "%s", why);
  setenv("FAKE_SD_PROBE_OUT",
         "cat: /sys/fs/cgroup/user.slice/x.scope/memory.max: No such file", 1);
  setenv("FAKE_SD_PROBE_RC", "1", 1);
  ck_assert_int_eq(
      lg_container_probe_systemd(&o, LG_SYSTEMD_USER, why, sizeof why), 0);
  ck_assert_msg(strstr(why, "no memory.max"), "%s", why);
  setenv("FAKE_SD_PROBE_OUT", "Failed to connect to bus: No medium found", 1);
  ck_assert_int_eq(lg_container_probe_systemd(&o, m, why, sizeof why), 0);
  ck_assert_msg(strstr(why, "failed: Failed to connect to bus"), "%s", why);
  if (geteuid() == 0) {
    setenv("FAKE_SD_PROBE_OUT", "67108864", 1);
    setenv("FAKE_SD_PROBE_RC", "0", 1);
    ck_assert_int_eq(
        lg_container_probe_systemd(&o, LG_SYSTEMD_SUDO, why, sizeof why), 1);
    lg_test_read_into(fake_log, buf, sizeof buf);
    ck_assert(strstr(buf, "--uid=0\n--gid=0\n") != NULL);
  } else {
    ck_assert_int_eq(
        lg_container_probe_systemd(&o, LG_SYSTEMD_SYSTEM, why, sizeof why), 0);
    ck_assert(strstr(why, "needs root") != NULL);
  }
  setenv("PATH", "/nonexistent", 1);
  ck_assert_int_eq(lg_container_probe_systemd(&o, m, why, sizeof why), 0);
  ck_assert_str_eq(why, "systemd-run not found in PATH");
  teardown();
}
END_TEST

/* ---- auto: the decision table
 * ------------------------------------------------- */

typedef struct row {
  fake in;
  const char *image, *rootfs;
  int rc;
  lg_backend_kind backend;
  lg_systemd_mode mode;
  const char *log;    /* probes called, in order */
  const char *reason; /* must appear in why (or the error) */
} row;

START_TEST(auto_decision_table) {
  static const row rows[] = {
      /* 1. a delegated cgroup (not root) */
      {{false, true, false, false, false, true, true, "", false, false},
       NULL,
       NULL,
       0,
       LG_BACKEND_CGROUP,
       0,
       "cgroup",
       ""},
      /* 2. a cgroup as root */
      {{true, true, true, true, true, true, true, "", false, false},
       NULL,
       NULL,
       0,
       LG_BACKEND_CGROUP,
       0,
       "cgroup",
       ""},
      /* 3. root without a writable cgroup: the system manager */
      {{true, false, true, false, false, false, false, "", false, false},
       NULL,
       NULL,
       0,
       LG_BACKEND_SYSTEMD,
       LG_SYSTEMD_SYSTEM,
       "cgroup,root,system",
       "cgroup: fake cgroup says no"},
      /* root: the user manager and sudo are not asked */
      {{true, false, false, true, true, true, true, "", false, false},
       NULL,
       NULL,
       0,
       LG_BACKEND_NONE,
       0,
       "cgroup,root,system",
       "systemd system: fake system manager unreachable"},
      /* 4. a systemd user scope */
      {{false, false, true, true, true, false, false, "", false, false},
       NULL,
       NULL,
       0,
       LG_BACKEND_SYSTEMD,
       LG_SYSTEMD_USER,
       "cgroup,root,user",
       ""},
      /* 5. sudo -n systemd-run */
      {{false, false, false, false, true, false, false, "", false, false},
       NULL,
       NULL,
       0,
       LG_BACKEND_SYSTEMD,
       LG_SYSTEMD_SUDO,
       "cgroup,root,user,sudo",
       "systemd user: fake user manager unreachable"},
      /* 6. nothing: none, engines not asked without an image */
      {{false, false, false, false, false, true, true, "", false, false},
       NULL,
       NULL,
       0,
       LG_BACKEND_NONE,
       0,
       "cgroup,root,user,sudo",
       "docker/podman: not tried: they run container.image"},
      /* 7. inside a memory-limited container: its own cgroup (self) */
      {{false, false, false, false, false, true, true, "", true, true},
       NULL,
       NULL,
       0,
       LG_BACKEND_SELF,
       0,
       "cgroup,root,user,sudo,self",
       "systemd sudo: fake sudo manager unreachable"},
      /* 8. ... without a limit on it: none, saying why */
      {{false, false, false, false, false, true, true, "", true, false},
       NULL,
       NULL,
       0,
       LG_BACKEND_NONE,
       0,
       "cgroup,root,user,sudo,self",
       "self: fake own cgroup has no limit; docker/podman: not tried"},
      /* 9. a writable cgroup wins over self */
      {{false, true, false, false, false, false, false, "", true, true},
       NULL,
       NULL,
       0,
       LG_BACKEND_CGROUP,
       0,
       "cgroup",
       ""},
      /* an image: only the engines, docker first */
      {{false, true, true, true, true, true, true, "", false, false},
       "alpine",
       NULL,
       0,
       LG_BACKEND_DOCKER,
       0,
       "docker",
       ""},
      {{false, true, true, true, true, false, true, "", false, false},
       "alpine",
       NULL,
       0,
       LG_BACKEND_PODMAN,
       0,
       "docker,podman",
       "docker: fake docker down"},
      /* a rootfs: podman only */
      {{false, true, true, true, true, true, true, "", false, false},
       NULL,
       "/r",
       0,
       LG_BACKEND_PODMAN,
       0,
       "podman",
       ""},
      /* an image and no engine: an error, never the host */
      {{false, true, true, true, true, false, false, "", false, false},
       "alpine",
       NULL,
       LG_ECGROUP,
       LG_BACKEND_NONE,
       0,
       "docker,podman",
       "container.image is set, but no container engine can run it here: "
       "docker: fake docker down; podman: fake podman down"},
  };
  size_t i;
  for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    lg_container_opts o;
    lg_container_probes pr;
    lg_container_choice ch;
    lg_error err = {0, ""};
    fake f = rows[i].in;
    int rc;
    memset(&o, 0, sizeof o);
    fake_probes(&pr, &f);
    o.backend = LG_BACKEND_AUTO;
    o.image = rows[i].image;
    o.rootfs = rows[i].rootfs;
    o.probes = &pr;
    rc = lg_container_choose(&o, &ch, &err);
    ck_assert_msg(rc == rows[i].rc, "row %zu: rc %d", i, rc);
    ck_assert_msg(strcmp(f.log, rows[i].log) == 0,
                  "row %zu: probes %s, want %s", i, f.log, rows[i].log);
    ck_assert_msg(strstr(rc ? err.msg : ch.why, rows[i].reason) != NULL,
                  "row %zu: '%s' lacks '%s'", i, rc ? err.msg : ch.why,
                  rows[i].reason);
    if (rc == 0) {
      ck_assert_msg(ch.backend == rows[i].backend, "row %zu: backend %d", i,
                    ch.backend);
      if (ch.backend == LG_BACKEND_SYSTEMD)
        ck_assert_msg(ch.systemd_mode == rows[i].mode, "row %zu: mode %s", i,
                      lg_systemd_mode_name(ch.systemd_mode));
    }
  }
}
END_TEST

START_TEST(auto_create) {
  lg_container_opts o;
  lg_container_probes pr;
  fake f;
  lg_container *c = NULL;
  lg_error err = {0, ""};
  setup();
  memset(&o, 0, sizeof o);
  memset(&f, 0, sizeof f);
  fake_probes(&pr, &f);
  o.backend = LG_BACKEND_AUTO;
  o.memory_bytes = 64u << 20;
  o.probes = &pr;
  /* nothing works: none, with every reason in the note */
  ck_assert_int_eq(lg_container_create(&o, &c, &err), 0);
  ck_assert_str_eq(lg_container_backend(c), "none");
  ck_assert_uint_eq(lg_container_limit(c), 0);
  ck_assert_msg(strstr(lg_container_note(c), "backend auto fell back to none: "
                                             "cgroup: fake cgroup says no; "
                                             "systemd user: ") &&
                    strstr(lg_container_note(c), "no memory limit"),
                "%s", lg_container_note(c));
  lg_container_destroy(c, &err);
  /* the user manager works: the systemd backend, recorded as such */
  f.user = true;
  f.log[0] = '\0';
  ck_assert_int_eq(lg_container_create(&o, &c, &err), 0);
  ck_assert_str_eq(lg_container_backend(c), "systemd");
  ck_assert_str_eq(f.log, "cgroup,root,user"); /* probed once, not again */
  lg_container_destroy(c, &err);
  /* under the fake-cgroupfs hook without probes: no real systemd tried */
  o.probes = NULL;
  o.cgroupfs_root = fake_root;
  o.proc_self_cgroup = "/nonexistent";
  ck_assert_int_eq(lg_container_create(&o, &c, &err), 0);
  ck_assert_str_eq(lg_container_backend(c), "none");
  ck_assert(strstr(lg_container_note(c), "not tried under the cgroupfs_root") !=
            NULL);
  lg_container_destroy(c, &err);
  teardown();
}
END_TEST

/* A leakgate killed mid-run: a child process makes the docker box, starts
 * the client (joining as the service module does) and dies without
 * destroy. Its watchdog removes the container, and the client dies with
 * its parent (parent-death signal). */
START_TEST(docker_watchdog) {
  lg_container_opts o;
  lg_error err = {0, ""};
  char *argv[] = {"/bin/sleep", "60", NULL};
  char *envp[] = {"LEAKGATE_PORT=77", NULL};
  char buf[8192], name[300] = "", want[400];
  long client = 0;
  int pfd[2], i, status;
  pid_t k;
  setup();
  memset(&o, 0, sizeof o);
  o.backend = LG_BACKEND_DOCKER;
  o.memory_bytes = 64u << 20;
  o.image = "alpine:3";
  o.name = "wd";
  o.cgroupfs_root = fake_root;
  o.proc_root = fake_proc;
  o.start_timeout_s = 10;
  ck_assert_int_eq(pipe(pfd), 0);
  k = fork();
  ck_assert_int_ge(k, 0);
  if (k == 0) {
    lg_container *c = NULL;
    char *const *aout, *const *eout;
    pid_t pid;
    if (lg_container_create(&o, &c, &err) != 0 ||
        lg_container_wrap(c, argv, envp, &aout, &eout, &err) != 0)
      _exit(1);
    pid = fork();
    if (pid == 0) {
      int dn = open("/dev/null", O_RDWR);
      dup2(dn, 0);
      dup2(dn, 1);
      setpgid(0, 0);
      if (lg_container_child_enter(c) != 0)
        _exit(126);
      execve(aout[0], aout, eout);
      _exit(127);
    }
    if (lg_container_attach(c, pid, &err) != 0)
      _exit(2);
    dprintf(pfd[1], "%s %ld\n", lg_container_unit(c), (long)pid);
    _exit(0); /* no destroy: as if SIGKILLed */
  }
  close(pfd[1]);
  i = (int)read(pfd[0], buf, sizeof buf - 1);
  close(pfd[0]);
  ck_assert_int_eq(waitpid(k, &status, 0), k);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                "the dying leakgate failed at step %d", WEXITSTATUS(status));
  ck_assert_int_gt(i, 0);
  buf[i] = '\0';
  ck_assert_int_eq(sscanf(buf, "%299s %ld", name, &client), 2);
  snprintf(want, sizeof want, "docker\nrm\n-f\n%s\n", name);
  for (i = 0; i < 1500; i++) { /* generous: the machine may be busy */
    lg_test_read_into(fake_log, buf, sizeof buf);
    if (strstr(buf, want) && kill((pid_t)client, 0) != 0)
      break;
    usleep(10000);
  }
  ck_assert_msg(strstr(buf, want) != NULL, "the watchdog did not rm -f %s",
                name);
  ck_assert_msg(kill((pid_t)client, 0) != 0,
                "the client (pid %ld) outlived its leakgate", client);
  teardown();
}
END_TEST

START_TEST(missing_image) {
  lg_container_opts o;
  lg_container *c = NULL;
  lg_error err = {0, ""};
  setup();
  setenv("FAKE_NO_IMAGE", "1", 1);
  memset(&o, 0, sizeof o);
  o.backend = LG_BACKEND_DOCKER;
  o.memory_bytes = 64u << 20;
  o.image = "nosuch:1";
  o.name = "api";
  ck_assert_int_eq(lg_container_create(&o, &c, &err), LG_ETOOL);
  ck_assert_ptr_null(c);
  ck_assert_msg(strstr(err.msg, "docker: image nosuch:1 is not on this "
                                "machine and `docker pull` failed: ") &&
                    strstr(err.msg, "pull access denied for nosuch:1"),
                "%s", err.msg);
  teardown();
}
END_TEST

/* ---- backend self: leakgate inside the box it measures ------------------- */

static void put_in(const char *dir, const char *file, const char *text) {
  char path[1400];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  put(path, text);
}

/* cgroup v2 in a cgroup namespace: /proc/self/cgroup names the cgroup the
 * fake tree holds; its limit is read, never written. */
START_TEST(self_v2_fake_tree) {
  lg_container_opts o;
  lg_container *c = NULL;
  lg_error err = {0, ""};
  lg_container_stats st;
  char selfcg[600], text[600], why[600];
  pid_t pids[8], child;
  size_t n = 0;
  setup();
  snprintf(selfcg, sizeof selfcg, "%s/self-cgroup", tmp);
  snprintf(text, sizeof text, "0::%s\n", cg_rel);
  put(selfcg, text);
  put_in(fake_cg, "memory.max", "268435456\n");
  put_in(fake_cg, "memory.current", "5000\n");
  put_in(fake_cg, "memory.peak", "6000\n");
  put_in(fake_cg, "memory.stat", "anon 3000\nfile 1000\n");
  child = fork();
  ck_assert_int_ge(child, 0);
  if (child == 0) {
    pause();
    _exit(0);
  }
  snprintf(text, sizeof text, "%ld\n%ld\n", (long)getpid(), (long)child);
  put_in(fake_cg, "cgroup.procs", text);
  memset(&o, 0, sizeof o);
  o.backend = LG_BACKEND_SELF;
  o.memory_bytes = 512u << 20;
  o.name = "api";
  o.cgroupfs_root = fake_root;
  o.proc_self_cgroup = selfcg;
  ck_assert_msg(lg_container_create(&o, &c, &err) == 0, "%s", err.msg);
  ck_assert_str_eq(lg_container_backend(c), "self-cgroup-v2");
  ck_assert_str_eq(lg_container_path(c), fake_cg);
  ck_assert_uint_eq(lg_container_limit(c), 268435456);
  ck_assert(lg_container_host_program(c));
  ck_assert_ptr_null(lg_container_unit(c));
  ck_assert_msg(strstr(lg_container_note(c), "inside the box it measures") &&
                    strstr(lg_container_note(c),
                           "container.memory 536870912 not applied"),
                "%s", lg_container_note(c));
  ck_assert_int_eq(lg_container_read(c, &st, &err), 0);
  ck_assert_double_eq(st.usage_bytes, 5000);
  ck_assert_double_eq(st.peak_bytes, 6000);
  ck_assert_double_eq(st.anon_bytes, 3000);
  ck_assert_double_eq(st.limit_bytes, 268435456);
  ck_assert_int_eq(st.oom_kills, 3);
  /* Before attach no process is the service's; after, only its tree,
   * never leakgate itself. */
  ck_assert_int_eq(lg_container_pids(c, pids, 8, &n, &err), 0);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(lg_container_attach(c, child, &err), 0);
  ck_assert_int_eq(lg_container_pids(c, pids, 8, &n, &err), 0);
  ck_assert_uint_eq(n, 1);
  ck_assert_int_eq(pids[0], child);
  /* Destroy kills the service only, and leaves the cgroup. */
  ck_assert_msg(lg_container_destroy(c, &err) == 0, "%s", err.msg);
  ck_assert(WIFSIGNALED(reap(child, 10)));
  ck_assert_int_eq(access(fake_cg, F_OK), 0);
  /* No limit: runs, and says no OOM kill will end a leak. */
  put_in(fake_cg, "memory.max", "max\n");
  ck_assert_msg(lg_container_create(&o, &c, &err) == 0, "%s", err.msg);
  ck_assert_uint_eq(lg_container_limit(c), 0);
  ck_assert(strstr(lg_container_note(c), "has no memory limit") != NULL);
  lg_container_destroy(c, &err);
  /* auto's probe: yes only with a limit. */
  ck_assert_int_eq(lg_container_probe_self(&o, why, sizeof why), 0);
  ck_assert_msg(strstr(why, "has no memory limit"), "%s", why);
  put_in(fake_cg, "memory.max", "268435456\n");
  ck_assert_int_eq(lg_container_probe_self(&o, why, sizeof why), 1);
  ck_assert_msg(strstr(why, "limit 268435456 bytes"), "%s", why);
  teardown();
}
END_TEST

/* cgroup v1 as docker shows it without a cgroup namespace: the memory
 * hierarchy, leakgate's path below its root. */
START_TEST(self_v1_fake_tree) {
  lg_container_opts o;
  lg_container *c = NULL;
  lg_error err = {0, ""};
  lg_container_stats st;
  char root[600], dir[700], selfcg[600];
  setup();
  snprintf(root, sizeof root, "%s/v1", tmp);
  snprintf(dir, sizeof dir, "%s/memory/docker/abc", root);
  sh("mkdir -p '%s'", dir);
  put_in(dir, "memory.limit_in_bytes", "100663296\n");
  put_in(dir, "memory.usage_in_bytes", "9000\n");
  put_in(dir, "memory.max_usage_in_bytes", "9500\n");
  put_in(dir, "memory.stat",
         "cache 50\nrss 60\ntotal_cache 100\n"
         "total_rss 7000\n");
  put_in(dir, "memory.oom_control",
         "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
  put_in(dir, "cgroup.procs", "");
  snprintf(selfcg, sizeof selfcg, "%s/self-cgroup", tmp);
  put(selfcg, "12:pids:/docker/abc\n4:memory:/docker/abc\n0::/\n");
  memset(&o, 0, sizeof o);
  o.backend = LG_BACKEND_SELF;
  o.cgroupfs_root = root;
  o.proc_self_cgroup = selfcg;
  ck_assert_msg(lg_container_create(&o, &c, &err) == 0, "%s", err.msg);
  ck_assert_str_eq(lg_container_backend(c), "self-cgroup-v1");
  ck_assert_str_eq(lg_container_path(c), dir);
  ck_assert_uint_eq(lg_container_limit(c), 100663296);
  ck_assert_int_eq(lg_container_read(c, &st, &err), 0);
  ck_assert_double_eq(st.usage_bytes, 9000);
  ck_assert_double_eq(st.peak_bytes, 9500);
  ck_assert_double_eq(st.anon_bytes, 7000);
  ck_assert_double_eq(st.file_bytes, 100);
  ck_assert_int_eq(st.oom_kills, 1);
  ck_assert_int_eq(lg_container_destroy(c, &err), 0);
  /* No memory controller for leakgate: an error naming the backend. */
  put(selfcg, "12:pids:/docker/abc\n0::/\n");
  ck_assert_int_eq(lg_container_create(&o, &c, &err), LG_ECGROUP);
  ck_assert(strstr(err.msg, "backend self: no cgroup with the memory") != NULL);
  teardown();
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("backends");
  TCase *t = tcase_create("argv");
  tcase_add_test(t, systemd_argv_user);
  tcase_add_test(t, systemd_argv_system_old_and_sudo);
  tcase_add_test(t, oci_argv);
  tcase_add_test(t, wrapper_environments);
  tcase_add_test(t, run_helper);
  tcase_add_test(t, run_helper_watched);
  tcase_add_test(t, kill_marked_by_environment);
  suite_add_tcase(s, t);
  t = tcase_create("lookup");
  tcase_add_test(t, pid_cgroup_lookup);
  tcase_add_test(t, systemd_attach_fixtures);
  suite_add_tcase(s, t);
  t = tcase_create("lifecycle");
  tcase_set_timeout(t, 60);
  tcase_add_test(t, systemd_lifecycle_user);
  tcase_add_test(t, systemd_lifecycle_sudo_and_kill);
  tcase_add_test(t, docker_lifecycle);
  tcase_add_test(t, podman_rootfs_and_client_exit);
  tcase_add_test(t, docker_watchdog);
  tcase_add_test(t, missing_image);
  suite_add_tcase(s, t);
  t = tcase_create("self");
  tcase_add_test(t, self_v2_fake_tree);
  tcase_add_test(t, self_v1_fake_tree);
  suite_add_tcase(s, t);
  t = tcase_create("probes");
  tcase_set_timeout(t, 60);
  tcase_add_test(t, engine_probe_answers);
  tcase_add_test(t, systemd_probe_answers);
  tcase_add_test(t, auto_decision_table);
  tcase_add_test(t, auto_create);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  return lg_test_run(suite());
}
