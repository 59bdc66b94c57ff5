/* test_runtime_inject - the switches that turn a runtime's GC report on
 * (harness/runtime/inject.c, docs/runtimes.md "Switches"): merged into what
 * the scenario's env already sets, never replacing it (issue 12 item 2);
 * a scenario's own gctrace kept; JDK 8 and unsafe out-dir paths left alone
 * with a note; a wrapper gets every runtime's switch (JVM through
 * JDK_JAVA_OPTIONS); Python and native services get nothing. */
#include "runtime/inject.h"

#include "lg_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *value(const rt_injection *inj, const char *key) {
  size_t i;
  for (i = 0; i < inj->n_env; i++)
    if (strcmp(inj->env[i].key, key) == 0)
      return inj->env[i].value;
  return NULL;
}

static lg_runtime_info info_of(lg_runtime_kind kind, const char *version,
                               bool wrapper) {
  lg_runtime_info info;
  memset(&info, 0, sizeof info);
  info.kind = kind;
  snprintf(info.version, sizeof info.version, "%s", version);
  snprintf(info.detected_from, sizeof info.detected_from, "command");
  info.wrapper = wrapper;
  return info;
}

static char dir[] = "/tmp/lg-inject.XXXXXX";

static void inject(const lg_runtime_info *info, const char *out,
                   const lg_kv *env, size_t n, rt_injection *inj) {
  lg_error err;
  lg_error_clear(&err);
  ck_assert_msg(lg__rt_inject(info, out, env, n, inj, &err) == 0, "%s",
                err.msg);
}

START_TEST(merged_into_the_scenarios_env) {
  lg_kv env[] = {{"GODEBUG", "madvdontneed=1"},
                 {"JAVA_TOOL_OPTIONS", "-Xmx64m"},
                 {"NODE_OPTIONS", "--max-old-space-size=100"},
                 {"FIXTURE_MODE", "leak"}};
  char want[512];
  rt_injection inj;
  lg_runtime_info go = info_of(LG_RUNTIME_GO, "go1.19.8", false);
  lg_runtime_info jvm = info_of(LG_RUNTIME_JVM, "17.0.13", false);
  lg_runtime_info node = info_of(LG_RUNTIME_NODE, "", false);

  inject(&go, dir, env, 4, &inj);
  ck_assert_str_eq(value(&inj, "GODEBUG"), "madvdontneed=1,gctrace=1");
  ck_assert_str_eq(value(&inj, "JAVA_TOOL_OPTIONS"), "-Xmx64m");
  ck_assert_str_eq(value(&inj, "FIXTURE_MODE"), "leak");
  ck_assert_uint_eq(inj.n_env, 4);
  ck_assert_str_eq(inj.applied, "GODEBUG += gctrace=1");
  lg__rt_injection_cleanup(&inj);

  inject(&jvm, dir, env, 4, &inj);
  snprintf(want, sizeof want,
           "-Xmx64m -Xlog:gc,gc+init:file=%s/gc-%%p.log:uptime,pid", dir);
  ck_assert_str_eq(value(&inj, "JAVA_TOOL_OPTIONS"), want);
  ck_assert_str_eq(value(&inj, "GODEBUG"), "madvdontneed=1");
  ck_assert_ptr_null(value(&inj, "JDK_JAVA_OPTIONS"));
  lg__rt_injection_cleanup(&inj);

  inject(&node, dir, env, 4, &inj);
  snprintf(want, sizeof want, "--max-old-space-size=100 --require=%s/%s", dir,
           RT_NODE_PRELOAD);
  ck_assert_str_eq(value(&inj, "NODE_OPTIONS"), want);
  snprintf(want, sizeof want, "%s/%s", dir, RT_NODE_PRELOAD);
  ck_assert_int_eq(access(want, R_OK), 0);
  lg__rt_injection_cleanup(&inj);

  /* Not set by the scenario: added, with "=" rather than "+=". */
  inject(&go, dir, env + 3, 1, &inj);
  ck_assert_str_eq(value(&inj, "GODEBUG"), "gctrace=1");
  ck_assert_str_eq(inj.applied, "GODEBUG = gctrace=1");
  ck_assert_uint_eq(inj.n_env, 2);
  lg__rt_injection_cleanup(&inj);
}
END_TEST

START_TEST(the_scenarios_own_choice_kept) {
  lg_kv env[] = {{"GODEBUG", "gctrace=2,madvdontneed=1"}};
  rt_injection inj;
  lg_runtime_info go = info_of(LG_RUNTIME_GO, "go1.19.8", false);
  lg_runtime_info jdk8 = info_of(LG_RUNTIME_JVM, "1.8.0_392", false);
  lg_runtime_info jvm = info_of(LG_RUNTIME_JVM, "17.0.13", false);

  inject(&go, dir, env, 1, &inj);
  ck_assert_str_eq(value(&inj, "GODEBUG"), "gctrace=2,madvdontneed=1");
  ck_assert_str_eq(inj.applied, "");
  ck_assert_ptr_nonnull(strstr(inj.note, "GODEBUG already sets gctrace"));
  lg__rt_injection_cleanup(&inj);

  /* JDK 8 would refuse -Xlog and not start at all. */
  inject(&jdk8, dir, NULL, 0, &inj);
  ck_assert_ptr_null(value(&inj, "JAVA_TOOL_OPTIONS"));
  ck_assert_ptr_nonnull(strstr(inj.note, "JDK 1.8.0_392"));
  lg__rt_injection_cleanup(&inj);

  /* -Xlog's option list cannot carry a comma or a space. */
  inject(&jvm, "/tmp/out dir,x", NULL, 0, &inj);
  ck_assert_uint_eq(inj.n_env, 0);
  ck_assert_ptr_nonnull(strstr(inj.note, "cannot take"));
  lg__rt_injection_cleanup(&inj);
}
END_TEST

START_TEST(wrapper_native_and_python) {
  lg_kv env[] = {{"PATH", "/usr/bin:/bin"}};
  char want[512];
  rt_injection inj;
  lg_runtime_info wrapper = info_of(LG_RUNTIME_NATIVE, "", true);
  lg_runtime_info native = info_of(LG_RUNTIME_NATIVE, "", false);
  lg_runtime_info python = info_of(LG_RUNTIME_PYTHON, "3.11", false);

  /* A wrapper script: whatever it starts reports; the JVM option only
   * through the launcher of JDK 9+ (a JDK 8 behind it is not broken). */
  inject(&wrapper, dir, env, 1, &inj);
  ck_assert_str_eq(value(&inj, "GODEBUG"), "gctrace=1");
  snprintf(want, sizeof want, "-Xlog:gc,gc+init:file=%s/gc-%%p.log:uptime,pid",
           dir);
  ck_assert_str_eq(value(&inj, "JDK_JAVA_OPTIONS"), want);
  ck_assert_ptr_null(value(&inj, "JAVA_TOOL_OPTIONS"));
  ck_assert_ptr_nonnull(value(&inj, "NODE_OPTIONS"));
  ck_assert_str_eq(value(&inj, "PATH"), "/usr/bin:/bin");
  lg__rt_injection_cleanup(&inj);

  inject(&native, dir, env, 1, &inj);
  ck_assert_uint_eq(inj.n_env, 1);
  ck_assert_str_eq(inj.applied, "");
  lg__rt_injection_cleanup(&inj);

  inject(&python, dir, env, 1, &inj);
  ck_assert_uint_eq(inj.n_env, 1);
  ck_assert_str_eq(inj.applied, "");
  lg__rt_injection_cleanup(&inj);
}
END_TEST

int main(void) {
  Suite *s = suite_create("runtime_inject");
  TCase *tc = tcase_create("inject");
  char path[sizeof dir + 64];
  int rc;
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  tcase_add_test(tc, merged_into_the_scenarios_env);
  tcase_add_test(tc, the_scenarios_own_choice_kept);
  tcase_add_test(tc, wrapper_native_and_python);
  suite_add_tcase(s, tc);
  rc = lg_test_run(s);
  snprintf(path, sizeof path, "%s/%s", dir, RT_NODE_PRELOAD);
  unlink(path);
  rmdir(dir);
  return rc;
}
