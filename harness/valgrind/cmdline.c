/* valgrind/cmdline.c - the argv prefixes of the Memcheck and Massif tier
 * runs, and the timeout factors for their slowdown. docs/valgrind.md
 * explains every option. Each builder returns a NULL-terminated argv the
 * caller frees with lg_valgrind_argv_free; on failure nothing is left
 * allocated.
 */
#include <leakgate/valgrind.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARGV_MAX 256
/* The vgdb FIFO prefix in the out dir: lg_massif_argv passes it and
 * lg_massif_vgdb_prefix gives it to the runner, so they must agree. */
#define VGDB_PREFIX_FMT "%s/vgdb"

typedef struct argv_b {
  char **v;
  size_t n;
  int rc;
} argv_b;

__attribute__((format(printf, 2, 3))) static void add(argv_b *b,
                                                      const char *fmt, ...) {
  va_list ap;
  char *s = NULL;
  if (b->rc)
    return;
  if (b->n + 2 > ARGV_MAX) {
    b->rc = LG_ELIMIT;
    return;
  }
  va_start(ap, fmt);
  if (vasprintf(&s, fmt, ap) < 0)
    s = NULL;
  va_end(ap);
  if (!s) {
    b->rc = LG_ENOMEM;
    return;
  }
  b->v[b->n++] = s;
  b->v[b->n] = NULL;
}

/* Valgrind expands %p, %q{VAR} and %n in file names: a literal '%' in the
 * out dir must be written "%%". Returns a new string or NULL. */
static char *escape_pct(const char *s) {
  size_t n = strlen(s), k = 0, i;
  char *d;
  for (i = 0; i < n; i++)
    k += s[i] == '%';
  d = malloc(n + k + 1);
  if (!d)
    return NULL;
  for (i = 0, k = 0; i < n; i++) {
    d[k++] = s[i];
    if (s[i] == '%')
      d[k++] = '%';
  }
  d[k] = '\0';
  return d;
}

static int begin(argv_b *b, const char *valgrind, const char *out_dir,
                 char **dir, lg_error *err) {
  b->n = 0;
  b->rc = 0;
  b->v = calloc(ARGV_MAX, sizeof *b->v);
  *dir = out_dir ? escape_pct(out_dir) : NULL;
  if (!b->v || !*dir) {
    free(b->v);
    free(*dir);
    b->v = NULL;
    *dir = NULL;
    return lg_error_set(err, out_dir ? LG_ENOMEM : LG_EUSAGE,
                        out_dir ? "valgrind argv: out of memory"
                                : "valgrind argv: no out dir");
  }
  add(b, "%s", valgrind ? valgrind : "valgrind");
  return 0;
}

static int end(argv_b *b, char *dir, char ***argv, lg_error *err) {
  free(dir);
  if (b->rc) {
    lg_valgrind_argv_free(b->v);
    *argv = NULL;
    return lg_error_set(err, b->rc, "valgrind argv: %s", lg_strerror(b->rc));
  }
  *argv = b->v;
  return 0;
}

int lg_memcheck_argv(const lg_memcheck_cmd *c, char ***argv, lg_error *err) {
  argv_b b;
  char *dir;
  unsigned fail_on =
      c->fail_on ? c->fail_on : LG_FAIL_DEFINITE | LG_FAIL_INDIRECT;
  char kinds[64] = "";
  size_t i;
  int rc = begin(&b, c->valgrind, c->out_dir, &dir, err);
  if (rc)
    return rc;
  /* At most 28 bytes of kinds[64]. */
  snprintf(kinds, sizeof kinds, "%s%s%s",
           fail_on & LG_FAIL_DEFINITE ? ",definite" : "",
           fail_on & LG_FAIL_INDIRECT ? ",indirect" : "",
           fail_on & LG_FAIL_POSSIBLE ? ",possible" : "");
  add(&b, "--tool=memcheck");
  add(&b, "--leak-check=full");
  add(&b, "--show-leak-kinds=definite,indirect,possible%s",
      c->show_reachable ? ",reachable" : "");
  add(&b, "--errors-for-leak-kinds=%s", kinds[0] ? kinds + 1 : "none");
  add(&b, "--error-exitcode=%d", LG_MEMCHECK_ERROR_EXIT);
  add(&b, "--xml=yes");
  add(&b, "--xml-file=%s/memcheck.%%p.xml", dir);
  add(&b, "--log-file=%s/memcheck.%%p.log", dir);
  add(&b, "--gen-suppressions=all");
  add(&b, "--num-callers=%d", c->num_callers > 0 ? c->num_callers : 24);
  add(&b, "--trace-children=yes");
  add(&b, "--child-silent-after-fork=yes");
  add(&b, "--vgdb=no");
  for (i = 0; i < c->n_suppressions; i++)
    add(&b, "--suppressions=%s", c->suppressions[i]);
  return end(&b, dir, argv, err);
}

char *lg_massif_vgdb_prefix(const char *out_dir) {
  char *s = NULL;
  if (asprintf(&s, VGDB_PREFIX_FMT, out_dir) < 0)
    return NULL;
  return s;
}

int lg_massif_argv(const lg_massif_cmd *c, char ***argv, lg_error *err) {
  argv_b b;
  char *dir;
  int max = c->max_snapshots > 0 ? c->max_snapshots : 200;
  int want = c->detailed_snapshots > 0 ? c->detailed_snapshots : 20;
  int freq = max / want > 1 ? max / want : 1;
  double thr = c->threshold_pct > 0 ? c->threshold_pct : 0.1;
  int rc = begin(&b, c->valgrind, c->out_dir, &dir, err);
  if (rc)
    return rc;
  add(&b, "--tool=massif");
  add(&b, "--massif-out-file=%s/massif.out.%%p", dir);
  add(&b, "--log-file=%s/massif.%%p.log", dir);
  add(&b, "--time-unit=B");
  add(&b, "--detailed-freq=%d", freq);
  add(&b, "--max-snapshots=%d", max);
  add(&b, "--threshold=%.2f", thr);
  add(&b, "--trace-children=yes");
  add(&b, "--child-silent-after-fork=yes");
  if (c->vgdb) {
    add(&b, "--vgdb=yes");
    /* FIFOs in the out dir, not /tmp: the runner finds them (and a
     * containerised /tmp cannot hide them). Not %-expanded by Valgrind. */
    add(&b, "--vgdb-prefix=" VGDB_PREFIX_FMT, c->out_dir);
  } else {
    add(&b, "--vgdb=no");
  }
  return end(&b, dir, argv, err);
}

int lg_valgrind_wrap(char *const *prefix, char *const *cmd, char ***argv,
                     lg_error *err) {
  size_t np = 0, nc = 0, i;
  char **v;
  while (prefix && prefix[np])
    np++;
  while (cmd && cmd[nc])
    nc++;
  v = calloc(np + nc + 1, sizeof *v);
  if (!v)
    return lg_error_set(err, LG_ENOMEM, "valgrind argv: out of memory");
  for (i = 0; i < np + nc; i++) {
    v[i] = strdup(i < np ? prefix[i] : cmd[i - np]);
    if (!v[i]) {
      lg_valgrind_argv_free(v);
      return lg_error_set(err, LG_ENOMEM, "valgrind argv: out of memory");
    }
  }
  *argv = v;
  return 0;
}

void lg_valgrind_argv_free(char **argv) {
  size_t i;
  if (!argv)
    return;
  for (i = 0; argv[i]; i++)
    free(argv[i]);
  free(argv);
}

double lg_valgrind_ready_scale(lg_valgrind_tool t) {
  return t == LG_TOOL_MEMCHECK ? 30.0 : 20.0;
}

double lg_valgrind_startup_s(lg_valgrind_tool t) {
  (void)t;
  return 10.0; /* reading the debug info of a large binary */
}

double lg_valgrind_stop_scale(lg_valgrind_tool t) {
  return t == LG_TOOL_MEMCHECK ? 6.0 : 3.0;
}
