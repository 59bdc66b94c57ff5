/* run/provenance.c - where a run happened, for the reports' footers: the
 * host name and the commit under test (result.json "host", "commit").
 *
 * The commit comes from the CI's own variable when one is set
 * (LEAKGATE_COMMIT, GITHUB_SHA, CI_COMMIT_SHA, BUILDKITE_COMMIT,
 * GIT_COMMIT), else from the git repository holding the scenario file,
 * read from its files without running git: .git (a directory, or a file
 * "gitdir: PATH" as in worktrees and submodules), HEAD (a hash, or "ref:
 * NAME" resolved in the git dir, its commondir, or packed-refs). Anything
 * that does not read as a hash gives NULL: unknown, never a guess.
 * Bounded: 64 parent directories, files of at most 64 KiB per line read.
 * Owns nothing: each function returns a new string the caller frees.
 */
#include "run/provenance.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* buf = a/b; -1 when it does not fit (such a path is not read). */
static int join(char *buf, size_t cap, const char *a, const char *b) {
  int n = snprintf(buf, cap, "%s/%s", a, b);
  return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* A full hex object name (SHA-1 or SHA-256), lowercased; NULL otherwise. */
static char *hash_or_null(const char *s, size_t len) {
  char *out;
  size_t i;
  while (len > 0 && isspace((unsigned char)s[len - 1]))
    len--;
  if (len != 40 && len != 64)
    return NULL;
  for (i = 0; i < len; i++)
    if (!isxdigit((unsigned char)s[i]))
      return NULL;
  out = strndup(s, len);
  for (i = 0; out && i < len; i++)
    out[i] = (char)tolower((unsigned char)out[i]);
  return out;
}

/* The first line of path (without its newline) into buf; 0, or -1. */
static int first_line(const char *path, char *buf, size_t cap) {
  FILE *f = fopen(path, "r");
  int rc = -1;
  if (!f)
    return -1;
  if (fgets(buf, (int)cap, f)) {
    buf[strcspn(buf, "\r\n")] = '\0';
    rc = 0;
  }
  fclose(f);
  return rc;
}

/* ref (e.g. "refs/heads/main") in one git dir: its loose file, else its
 * line in packed-refs. */
static char *ref_in(const char *gitdir, const char *ref) {
  char path[PATH_MAX + 64], line[512];
  size_t n = strlen(ref);
  FILE *f;
  char *h = NULL;
  if (join(path, sizeof path, gitdir, ref) == 0 &&
      first_line(path, line, sizeof line) == 0)
    return hash_or_null(line, strlen(line));
  if (join(path, sizeof path, gitdir, "packed-refs") != 0 ||
      !(f = fopen(path, "r")))
    return NULL;
  while (!h && fgets(line, sizeof line, f)) {
    char *sp = strchr(line, ' ');
    line[strcspn(line, "\r\n")] = '\0';
    if (sp && strncmp(sp + 1, ref, n) == 0 && sp[1 + n] == '\0')
      h = hash_or_null(line, (size_t)(sp - line));
  }
  fclose(f);
  return h;
}

/* HEAD of the git dir gitdir, following one symbolic ref. */
static char *head_of(const char *gitdir) {
  char path[PATH_MAX + 64], line[512], common[PATH_MAX + 64];
  char *h;
  if (join(path, sizeof path, gitdir, "HEAD") != 0 ||
      first_line(path, line, sizeof line) != 0)
    return NULL;
  if (strncmp(line, "ref: ", 5) != 0)
    return hash_or_null(line, strlen(line));
  if (strstr(line + 5, "..")) /* a ref never climbs out of the git dir */
    return NULL;
  if ((h = ref_in(gitdir, line + 5)) != NULL)
    return h;
  /* a worktree keeps its branches in the main repository (commondir) */
  if (join(path, sizeof path, gitdir, "commondir") != 0 ||
      first_line(path, common, sizeof common) != 0)
    return NULL;
  if (common[0] == '/')
    return ref_in(common, line + 5);
  if (join(path, sizeof path, gitdir, common) != 0)
    return NULL;
  return ref_in(path, line + 5);
}

/* The git dir of the repository holding dir: dir/.git or a parent's. */
static int find_gitdir(const char *dir, char *out, size_t cap) {
  char cur[PATH_MAX], path[PATH_MAX + 16], line[PATH_MAX + 16];
  struct stat st;
  int up;
  if (!realpath(dir, cur))
    return -1;
  for (up = 0; up < 64; up++) {
    char *slash;
    if (join(path, sizeof path, strcmp(cur, "/") ? cur : "", ".git") != 0)
      return -1;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
      return join(out, cap, strcmp(cur, "/") ? cur : "", ".git");
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
        first_line(path, line, sizeof line) == 0 &&
        strncmp(line, "gitdir: ", 8) == 0) {
      size_t n = strlen(line + 8);
      if (line[8] != '/')
        return join(out, cap, cur, line + 8);
      if (n >= cap)
        return -1;
      memcpy(out, line + 8, n + 1);
      return 0;
    }
    if (strcmp(cur, "/") == 0)
      return -1;
    slash = strrchr(cur, '/');
    if (slash == cur)
      cur[1] = '\0';
    else if (slash)
      *slash = '\0';
  }
  return -1;
}

char *lg__run_commit(const char *dir) {
  static const char *const vars[] = {"LEAKGATE_COMMIT", "GITHUB_SHA",
                                     "CI_COMMIT_SHA", "BUILDKITE_COMMIT",
                                     "GIT_COMMIT"};
  char gitdir[PATH_MAX + 32];
  size_t i;
  for (i = 0; i < sizeof vars / sizeof vars[0]; i++) {
    const char *v = getenv(vars[i]);
    if (v && v[0])
      return hash_or_null(v, strlen(v));
  }
  if (!dir || find_gitdir(dir, gitdir, sizeof gitdir) != 0)
    return NULL;
  return head_of(gitdir);
}

char *lg__run_host(void) {
  char name[256];
  if (gethostname(name, sizeof name) != 0)
    return NULL;
  name[sizeof name - 1] = '\0';
  return name[0] ? strdup(name) : NULL;
}
