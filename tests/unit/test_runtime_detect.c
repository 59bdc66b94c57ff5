/* test_runtime_detect - which runtime a service runs on (harness/runtime/
 * detect.c, goelf.c): Go build information in every layout (the ELFs of
 * tests/data/goelf, made by tests/fuzz/goelf/mkseeds.py, and the real Go
 * fixture when go built it), programs by name and by script interpreter
 * (also through /usr/bin/env), wrapper scripts, the JDK release file, and
 * running processes through /proc/PID/exe (this test's own, a real JVM when
 * java is installed: a wrapper script that execs java is a JVM). */
#include <leakgate/runtime.h>

#include "lg_test.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmp[64];

static void setup(void) {
  snprintf(tmp, sizeof tmp, "/tmp/lg-rtd-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  ck_assert_int_eq(system(cmd), 0);
}

static void seed(const char *name, char *buf, size_t cap) {
  char rel[128];
  snprintf(rel, sizeof rel, "tests/data/goelf/%s", name);
  lg_test_src(rel, buf, cap);
}

START_TEST(go_buildinfo_layouts) {
  static const struct {
    const char *file, *version;
    int rc;
  } cases[] = {
      {"inline-section-64le", "go1.19.8", 0},
      {"inline-nosections-64le", "go1.21.0", 0},
      {"pointers-64le", "go1.16.15", 0},
      {"pointers-32be", "go1.13", 0},
      {"devel", "devel go1.23-abcdef Mon Jan 1", 0},
      {"not-go", "", LG_ENOENT},
      {"bad-version", "", LG_EINPUT},
  };
  size_t i;
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char path[512], ver[64];
    lg_error err;
    int rc;
    seed(cases[i].file, path, sizeof path);
    lg_error_clear(&err);
    rc = lg_go_build_version(path, ver, sizeof ver, &err);
    ck_assert_msg(rc == cases[i].rc, "%s: rc %d (%s)", cases[i].file, rc,
                  err.msg);
    if (rc == 0)
      ck_assert_str_eq(ver, cases[i].version);
    else
      ck_assert_msg(strstr(err.msg, path) != NULL, "%s", err.msg);
  }
}
END_TEST

START_TEST(go_buildinfo_edges) {
  char path[512], ver[6];
  lg_error err;
  /* A short buffer cuts the version, still NUL-terminated. */
  seed("inline-section-64le", path, sizeof path);
  ck_assert_int_eq(lg_go_build_version(path, ver, sizeof ver, &err), 0);
  ck_assert_str_eq(ver, "go1.1");
  /* Not an ELF, not a file, no file, a truncated ELF. */
  ck_assert_int_eq(lg_go_build_version("/etc/hostname", ver, sizeof ver, &err),
                   LG_ENOENT);
  ck_assert_int_eq(lg_go_build_version("/", ver, sizeof ver, &err), LG_ENOENT);
  ck_assert_int_eq(lg_go_build_version("/nonexistent/x", ver, sizeof ver, &err),
                   LG_EIO);
  {
    char cut[600], cmd[1200];
    snprintf(cut, sizeof cut, "%s/cut", tmp);
    snprintf(cmd, sizeof cmd, "head -c 270 '%s' > '%s'", path, cut);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_ne(lg_go_build_version(cut, ver, sizeof ver, &err), 0);
  }
  /* A C program has no Go build information. */
  ck_assert_int_eq(lg_go_build_version("/bin/sh", ver, sizeof ver, &err),
                   LG_ENOENT);
}
END_TEST

START_TEST(go_fixture_binary) {
  char path[512], ver[64];
  lg_runtime_info info;
  lg_error err;
  lg_test_bin("tests/fixtures/runtimes/go/fixture", path, sizeof path);
  if (access(path, X_OK) != 0) {
    lg_test_skip_unless_env("LG_REQUIRE_RUNTIMES", "go_fixture_binary",
                            "the Go fixture is not built (no go)");
    return;
  }
  ck_assert_int_eq(lg_go_build_version(path, ver, sizeof ver, &err), 0);
  ck_assert_msg(strncmp(ver, "go1.", 4) == 0, "%s", ver);
  ck_assert_int_eq(lg_runtime_detect_program(path, &info), 0);
  ck_assert_int_eq(info.kind, LG_RUNTIME_GO);
  ck_assert_str_eq(info.detected_from, "elf");
  ck_assert_str_eq(info.version, ver);
}
END_TEST

static void write_script(const char *name, const char *text, char *path,
                         size_t cap) {
  FILE *f;
  snprintf(path, cap, "%s/%s", tmp, name);
  f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
  ck_assert_int_eq(chmod(path, 0755), 0);
}

START_TEST(programs_and_scripts) {
  static const struct {
    const char *name, *text;
    lg_runtime_kind kind;
    const char *from;
    bool wrapper;
  } cases[] = {
      {"java", "", LG_RUNTIME_JVM, "command", false},
      {"node", "", LG_RUNTIME_NODE, "command", false},
      {"nodejs", "", LG_RUNTIME_NODE, "command", false},
      {"python3.11", "", LG_RUNTIME_PYTHON, "command", false},
      {"pypy3", "", LG_RUNTIME_PYTHON, "command", false},
      {"python3-config", "#!/bin/sh\n", LG_RUNTIME_NATIVE, "script", true},
      {"app.py", "#!/usr/bin/env python3\nprint(1)\n", LG_RUNTIME_PYTHON,
       "script", false},
      {"app.js", "#!/usr/bin/env -S node --max-old-space-size=64\n",
       LG_RUNTIME_NODE, "script", false},
      {"app2.py", "#!/usr/bin/python3.11 -u\n", LG_RUNTIME_PYTHON, "script",
       false},
      {"run.sh", "#!/bin/sh\nexec java -jar app.jar\n", LG_RUNTIME_NATIVE,
       "script", true},
      {"data.bin", "\x01\x02\x03", LG_RUNTIME_NATIVE, "command", false},
  };
  size_t i;
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char path[256];
    lg_runtime_info info;
    write_script(cases[i].name, cases[i].text, path, sizeof path);
    ck_assert_int_eq(lg_runtime_detect_program(path, &info), 0);
    ck_assert_msg(info.kind == cases[i].kind, "%s: %s", cases[i].name,
                  lg_runtime_name(info.kind));
    ck_assert_str_eq(info.detected_from, cases[i].from);
    ck_assert_msg(info.wrapper == cases[i].wrapper, "%s", cases[i].name);
  }
  {
    lg_runtime_info info;
    char path[256];
    write_script("python3.12", "", path, sizeof path);
    ck_assert_int_eq(lg_runtime_detect_program(path, &info), 0);
    ck_assert_str_eq(info.version, "3.12");
  }
}
END_TEST

START_TEST(jdk_release_version) {
  /* A fake JDK layout: HOME/bin/java and HOME/release. */
  char dir[256], path[300], rel[300];
  lg_runtime_info info;
  FILE *f;
  snprintf(dir, sizeof dir, "%s/jdk", tmp);
  ck_assert_int_eq(mkdir(dir, 0755), 0);
  snprintf(path, sizeof path, "%s/jdk/bin", tmp);
  ck_assert_int_eq(mkdir(path, 0755), 0);
  snprintf(path, sizeof path, "%s/jdk/bin/java", tmp);
  f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fclose(f);
  snprintf(rel, sizeof rel, "%s/jdk/release", tmp);
  f = fopen(rel, "w");
  ck_assert_ptr_nonnull(f);
  fputs("IMPLEMENTOR=\"Debian\"\nJAVA_VERSION=\"17.0.21\"\n", f);
  fclose(f);
  ck_assert_int_eq(lg_runtime_detect_program(path, &info), 0);
  ck_assert_int_eq(info.kind, LG_RUNTIME_JVM);
  ck_assert_str_eq(info.version, "17.0.21");
}
END_TEST

/* Poll /proc until pid runs something detect_process recognises (the exec
 * of a wrapper takes a moment). */
static int detect_soon(pid_t pid, lg_runtime_info *info) {
  int i;
  for (i = 0; i < 400; i++) {
    if (lg_runtime_detect_process(NULL, pid, info) == 1)
      return 1;
    usleep(25000);
  }
  return 0;
}

START_TEST(processes) {
  lg_runtime_info info;
  char java[] = "/usr/bin/java", script[256];
  pid_t pid;
  int st;
  /* This test is native. */
  ck_assert_int_eq(lg_runtime_detect_process(NULL, getpid(), &info), 0);
  ck_assert_int_eq(lg_runtime_detect_process(NULL, 999999999, &info), 0);
  if (access(java, X_OK) != 0) {
    lg_test_skip_unless_env("LG_REQUIRE_RUNTIMES", "processes",
                            "java is missing");
    return;
  }
  /* A wrapper script that execs a JVM; PauseAtStartup keeps the JVM
   * waiting (for its pause file to go) until the test kills it. */
  write_script("wrapper.sh",
               "#!/bin/sh\nsleep 0.2\nexec /usr/bin/java -Xshare:auto "
               "-XX:+UnlockDiagnosticVMOptions -XX:+PauseAtStartup "
               "-version\n",
               script, sizeof script);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    if (chdir(tmp) == 0)
      execl(script, script, (char *)NULL);
    _exit(127);
  }
  ck_assert_int_eq(detect_soon(pid, &info), 1);
  ck_assert_int_eq(info.kind, LG_RUNTIME_JVM);
  ck_assert_str_eq(info.detected_from, "process");
  ck_assert_msg(strncmp(info.version, "1", 1) == 0, "version '%s'",
                info.version);
  kill(pid, SIGKILL);
  ck_assert_int_eq(waitpid(pid, &st, 0), pid);
}
END_TEST

int main(void) {
  Suite *s = suite_create("runtime_detect");
  TCase *tc = tcase_create("detect");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, go_buildinfo_layouts);
  tcase_add_test(tc, go_buildinfo_edges);
  tcase_add_test(tc, go_fixture_binary);
  tcase_add_test(tc, programs_and_scripts);
  tcase_add_test(tc, jdk_release_version);
  tcase_add_test(tc, processes);
  suite_add_tcase(s, tc);
  return lg_test_run(s);
}
