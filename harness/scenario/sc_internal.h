/* scenario/sc_internal.h - shared pieces of the scenario loader (internal).
 *
 * sc_check.c: the error/warning formatter and typed getters that turn a
 * yt_node into a C value or an error "file:L:C: key.path: problem".
 * lg__sc_service.c, lg__sc_load.c, sc_rest.c: one function per top-level
 * section. scenario.c: the public API, defaults and --set overrides.
 *
 * Getter contract: every sc_get_* does nothing and returns 0 when the node
 * is absent (NULL) or a YAML null ("key:" with no value, "~"), so callers
 * set defaults first and then let the file override them. A getter that
 * stores a string frees what the field held before. On error the field is
 * unchanged and err is filled; the caller returns the code as is.
 */
#ifndef LG_SCENARIO_INTERNAL_H
#define LG_SCENARIO_INTERNAL_H

#include "scenario/ytree.h"

#include <leakgate/scenario.h>

#define SC_PATH_MAX 256
/* The longest duration a scenario may ask for, also after a profile scales
 * it: 366 days, longer than any CI job. */
#define SC_MAX_DURATION_S (366.0 * 86400.0)
#define SC_MAX_WARNINGS 64

/* Enum names as written in scenario files, indexed by lg_driver_kind,
 * lg_backend_kind and lg_metric (defined in scenario.c). */
#define SC_N_DRIVERS 4
#define SC_N_BACKENDS 7
#define SC_N_METRICS 5
extern const char *const lg__sc_driver_names[SC_N_DRIVERS];
extern const char *const lg__sc_backend_names[SC_N_BACKENDS];
extern const char *const lg__sc_metric_names[SC_N_METRICS];

typedef struct sc_ctx {
  const char *file;  /* name used in messages (the path as given) */
  const char *text;  /* YAML source, for positions inside scalars */
  size_t len;
  lg_error *err;
  lg_scenario *sc;   /* being filled; warnings are appended to it */
  const yt_node *max_duration; /* load.max_duration, for the early-stop
                                  checks made once analysis is read */
} sc_ctx;

/* Fail with "file:L:C: path: message" at node at (or "--set K: ..." when at
 * came from an override); returns LG_EINPUT. */
int lg__sc_fail(sc_ctx *c, const yt_node *at, const char *path, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));
/* The same at an explicit position inside at (template errors). */
int lg__sc_fail_at(sc_ctx *c, const yt_node *at, unsigned line, unsigned col,
                   const char *path, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Record a warning in the same format (at most SC_MAX_WARNINGS kept);
 * returns 0 or LG_ENOMEM. */
int lg__sc_warn(sc_ctx *c, const yt_node *at, const char *path, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));

/* Copy src to dst (cap bytes) escaping control bytes (\n, \t, \xHH), so a
 * message is one printable line whatever a key, a --set argument or a file
 * name held; always terminates. */
void lg__sc_escape(char *dst, size_t cap, const char *src);

/* out = parent.key (or key when parent is empty); out has SC_PATH_MAX. */
void lg__sc_path(char *out, const char *parent, const char *key);
/* out = parent[i]. */
void lg__sc_path_index(char *out, const char *parent, size_t i);

/* 1 when v holds a value (present and not null). */
int lg__sc_set(const yt_node *v);
/* "a map", "a list" or "a single value": what v is, for "expected X, got
 * Y" messages. */
const char *lg__sc_kind(const yt_node *v);
/* names[0..n) as "a, b, c" into out (cut at cap). */
void lg__sc_join(char *out, size_t cap, const char *const *names, size_t n);

/* Check that map is a map whose keys are all in names[0..n) with none twice
 * and fill vals[i] with the value of names[i] (NULL when absent). An absent or
 * null map gives all NULL. Unknown keys get a "did you mean" suggestion. */
int lg__sc_fields(sc_ctx *c, const yt_node *map, const char *path,
                  const char *const *names, size_t n, const yt_node **vals);

/* The element count of an array (not a pointer: a pointer gives 1, which
 * the asserts below then refuse). */
#define SC_NELEM(a) (sizeof(a) / sizeof((a)[0]))
/* lg__sc_fields over a names array and a vals array of the same length, both
 * counted by the compiler: vals[i] is names[i]'s value, so a key added to
 * one array and not the other fails to build instead of shifting every
 * later value onto the wrong key. */
#define SC_FIELDS(c, map, path, names, vals)                                   \
  lg__sc_fields((c), (map), (path), (names),                                   \
                SC_NELEM(names) + 0 * sizeof(struct {                          \
                                    _Static_assert(SC_NELEM(names) ==          \
                                                       SC_NELEM(vals),         \
                                                   "one value slot per key");  \
                                    char unused;                               \
                                  }),                                          \
                (vals))

/* Error "path: required" at the parent map unless v is set. */
int lg__sc_require(sc_ctx *c, const yt_node *parent, const yt_node *v,
                   const char *path, const char *hint);

/* Fail unless v is a scalar (a map or list where a value belongs). */
int lg__sc_scalar(sc_ctx *c, const yt_node *v, const char *path,
                  const char *what);

int lg__sc_get_str(sc_ctx *c, const yt_node *v, const char *path, char **out);
/* Keeps embedded NUL bytes; *len is the byte length. */
int lg__sc_get_bytes(sc_ctx *c, const yt_node *v, const char *path, char **out,
                     size_t *len);
int lg__sc_get_bool(sc_ctx *c, const yt_node *v, const char *path, bool *out);
/* A decimal integer in [lo, hi]. */
int lg__sc_get_int(sc_ctx *c, const yt_node *v, const char *path, long long lo,
                   long long hi, long long *out);
int lg__sc_get_u64(sc_ctx *c, const yt_node *v, const char *path,
                   uint64_t *out);
/* A plain number (or a percentage when pct) strictly inside (lo, hi) when
 * open, else within [lo, hi]. */
int lg__sc_get_number(sc_ctx *c, const yt_node *v, const char *path, double lo,
                      double hi, bool open, double *out);
/* A duration; zero_ok allows 0, else it must be > 0. */
int lg__sc_get_duration(sc_ctx *c, const yt_node *v, const char *path,
                        bool zero_ok, double *out);
int lg__sc_get_size(sc_ctx *c, const yt_node *v, const char *path,
                    uint64_t *out);
int lg__sc_get_size_f(sc_ctx *c, const yt_node *v, const char *path,
                      double *out);
int lg__sc_get_fraction(sc_ctx *c, const yt_node *v, const char *path,
                        double *out);
int lg__sc_get_rate(sc_ctx *c, const yt_node *v, const char *path, double *out);
/* One of names[] (case-sensitive); *out is its index. */
int lg__sc_get_enum(sc_ctx *c, const yt_node *v, const char *path,
                    const char *const *names, size_t n, int *out);
/* lg__sc_get_enum over a names array counted by the compiler. */
#define SC_GET_ENUM(c, v, path, names, out)                                    \
  lg__sc_get_enum((c), (v), (path), (names), SC_NELEM(names), (out))
/* A non-empty list of non-empty strings into a NULL-terminated array. */
int lg__sc_get_strlist(sc_ctx *c, const yt_node *v, const char *path,
                       char ***out, size_t *n);
/* A map of string to string; keys checked by key_ok (returns a problem
 * string or NULL), duplicates refused; null values become "". */
int lg__sc_get_kvmap(sc_ctx *c, const yt_node *v, const char *path,
                     const char *(*key_ok)(const char *key, size_t len),
                     lg_kv **out, size_t *n);
/* Compile scalar v as a {{template}}; the error points at the bad "{{". */
int lg__sc_check_template(sc_ctx *c, const yt_node *v, const char *path);

/* Check scalar v as an http:// URL (lg__sc_check_url) or a host:port
 * (lg__sc_check_hostport), its templates rendered with a placeholder port as
 * the load engine renders them; the error points at the offending
 * character (sc_url.c). Absent or null v is fine. */
int lg__sc_check_url(sc_ctx *c, const yt_node *v, const char *path);
int lg__sc_check_hostport(sc_ctx *c, const yt_node *v, const char *path);

/* Path helpers shared by the sections. */
/* path made absolute against dir (realpath when it exists); NULL on ENOMEM. */
char *lg__sc_resolve(const char *dir, const char *path);
void lg__sc_free_strv(char **v, size_t n);
void lg__sc_free_kv(lg_kv *kv, size_t n);

/* Sections (each validates and fills its part of c->sc). */
int lg__sc_service(sc_ctx *c, const yt_node *v, const yt_node *root);
int lg__sc_container(sc_ctx *c, const yt_node *v);
int lg__sc_load(sc_ctx *c, const yt_node *v, const yt_node *root);
int lg__sc_sampling(sc_ctx *c, const yt_node *v);
int lg__sc_analysis(sc_ctx *c, const yt_node *v);
int lg__sc_valgrind(sc_ctx *c, const yt_node *v);
int lg__sc_heap_profile(sc_ctx *c, const yt_node *v);
int lg__sc_baseline(sc_ctx *c, const yt_node *v);
int lg__sc_profiles(sc_ctx *c, const yt_node *v);
/* After every section: what the analysis needs from other sections (heap:
 * valgrind.massif.enabled); analysis is the analysis map or NULL. */
int lg__sc_check_analysis(sc_ctx *c, const yt_node *analysis);

#endif
