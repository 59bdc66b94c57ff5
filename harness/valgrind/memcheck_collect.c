/* valgrind/memcheck_collect.c - every Memcheck XML of a tier run.
 *
 * With --trace-children=yes and --xml-file=OUT/memcheck.%p.xml each traced
 * process (the service, and any program it execs in a child) writes its own
 * file; a process that execs keeps its pid, so its file holds the final
 * program's report. All of them are parsed, in name order, into one result.
 * Owns nothing beyond the call; m gets what every complete file found.
 */
#include <leakgate/valgrind.h>

#include "core/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLLECT_MAX 4096 /* XML files considered (processes traced) */

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_xml_name(const char *n) {
  size_t len = strlen(n);
  return strncmp(n, "memcheck.", 9) == 0 && len > 13 &&
         strcmp(n + len - 4, ".xml") == 0;
}

int lg_memcheck_collect(const char *dir, lg_memcheck_result *m, lg_error *err) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char **names = NULL;
  size_t n = 0, i;
  int rc = 0, first_rc = 0;
  lg_error one;

  if (!d)
    return lg_error_set(err, errno == ENOENT ? LG_ENOENT : LG_EIO,
                        "%s: cannot open: %s", dir, strerror(errno));
  names = calloc(COLLECT_MAX, sizeof *names);
  if (!names) {
    rc = lg_error_set(err, LG_ENOMEM, "%s: out of memory", dir);
    goto cleanup;
  }
  while ((e = readdir(d)) != NULL && n < COLLECT_MAX) {
    if (!is_xml_name(e->d_name))
      continue;
    if (!(names[n] = lg__path_join(dir, e->d_name))) {
      rc = lg_error_set(err, LG_ENOMEM, "%s: out of memory", dir);
      goto cleanup;
    }
    n++;
  }
  if (n == 0) {
    rc = lg_error_set(err, LG_ENOENT,
                      "%s: no memcheck.*.xml: Valgrind wrote no XML (the "
                      "service did not start under Valgrind)",
                      dir);
    goto cleanup;
  }
  qsort(names, n, sizeof *names, cmp_str);
  if (!m->xml_file && !(m->xml_file = strdup(names[0]))) {
    rc = lg_error_set(err, LG_ENOMEM, "%s: out of memory", dir);
    goto cleanup;
  }
  for (i = 0; i < n; i++) {
    lg_error_clear(&one);
    rc = lg_memcheck_parse_file(names[i], m, &one);
    if (rc && !first_rc) {
      first_rc = rc;
      if (err)
        *err = one;
    }
  }
  rc = first_rc;
cleanup:
  if (names)
    for (i = 0; i < n; i++)
      free(names[i]);
  free(names);
  closedir(d);
  return rc;
}
