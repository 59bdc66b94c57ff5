/* result/sections.c - the result field tables (result/fields.h) built from
 * the LG_*_FIELDS lists, and the codecs of their A rows: the arrays and the
 * few values with a shape of their own (the verdict names, fail_on bits,
 * the error object, the chart).
 *
 * A codec's reader gets the object holding its key; its writer returns the
 * value (NULL on ENOMEM, with *bad set). Every array it reads grows through
 * the lg_result_add_* helpers, so the caps of result.c hold for files too.
 * Owns: nothing beyond what a codec's release frees.
 */
#include "result/fields.h"

#include "result/fmt.h"

#include <leakgate/leakgate.h>
#include <leakgate/scenario.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers shared by the codecs ----------------------------------- */

static json_t *num_array(const double *v, size_t n, bool *bad) {
  json_t *a = json_array();
  size_t i;
  if (!a) {
    *bad = true;
    return NULL;
  }
  for (i = 0; i < n; i++)
    lg__json_push(a, lg__json_num(v[i]), bad);
  return a;
}

static json_t *str_array(char *const *v, size_t n, bool *bad) {
  json_t *a = json_array();
  size_t i;
  if (!a) {
    *bad = true;
    return NULL;
  }
  for (i = 0; i < n; i++)
    lg__json_push(a, lg__json_str(v[i]), bad);
  return a;
}

static void free_strv(char **v, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    free(v[i]);
  free(v);
}

/* A number array (nulls become NAN) into a new malloc'd array. */
static double *read_nums(lg_jr *d, const json_t *o, const char *ctx,
                         const char *key, size_t *n) {
  json_t *v = lg__jr_val(o, key), *e;
  double *a;
  size_t i;
  *n = 0;
  if (!v)
    return NULL;
  if (!json_is_array(v)) {
    lg__jr_bad(d, ctx, key, "an array of numbers");
    return NULL;
  }
  if (json_array_size(v) == 0)
    return NULL;
  a = malloc(json_array_size(v) * sizeof *a);
  if (!a) {
    lg__jr_oom(d);
    return NULL;
  }
  json_array_foreach(v, i, e) a[i] = lg__jr_num_of(d, e, ctx, key);
  *n = json_array_size(v);
  return a;
}

/* x and y of the object at key into new arrays of *n points each. */
static void read_xy(lg_jr *d, const json_t *o, const char *ctx, const char *key,
                    double **x, double **y, size_t *n) {
  char sub[256];
  const json_t *xy = lg__jr_obj(d, o, ctx, key, false);
  size_t nx = 0, ny = 0;
  if (!xy)
    return;
  snprintf(sub, sizeof sub, "%s%s%s", ctx, ctx[0] ? "." : "", key);
  free(*x);
  free(*y);
  *x = read_nums(d, xy, sub, "x", &nx);
  *y = read_nums(d, xy, sub, "y", &ny);
  *n = nx < ny ? nx : ny;
  if (nx != ny)
    lg__jr_bad(d, ctx[0] ? ctx : key, ctx[0] ? key : "x",
               "x and y of the same length");
}

static json_t *xy_json(const double *x, const double *y, size_t n, bool *bad) {
  json_t *o = json_object();
  if (!o) {
    *bad = true;
    return NULL;
  }
  lg__json_put(o, "x", num_array(x, n, bad), bad);
  lg__json_put(o, "y", num_array(y, n, bad), bad);
  return o;
}

/* v, setting *bad when a constructor returned NULL (ENOMEM). */
static json_t *checked(json_t *v, bool *bad) {
  if (!v)
    *bad = true;
  return v;
}

#define CODEC(name, json_, write_, read_, init_, release_)                     \
  static const lg_field_codec fc_##name = {.json = (json_),                    \
                                           .write = (write_),                  \
                                           .read = (read_),                    \
                                           .init = (init_),                    \
                                           .release = (release_)}
/* A codec whose value is an object of an lg_analysis table. */
#define CODEC_ANALYSIS(name, json_, write_, read_, init_)                      \
  static const lg_field_codec fc_##name = {.json = (json_),                    \
                                           .write = (write_),                  \
                                           .read = (read_),                    \
                                           .init = (init_),                    \
                                           .object = &lg__analysis_fields}

/* ---- arrays of records ---------------------------------------------- */

/* Descriptor fields (off, aux) of a row of type T for member m of ROW_S. */
#define AT_NUM(S, m) offsetof(S, m), 0
#define AT_BYTES(S, m) offsetof(S, m), 0
#define AT_COUNT(S, m) offsetof(S, m), 0
#define AT_INT(S, m) offsetof(S, m), 0
#define AT_POS(S, m) offsetof(S, m), 0
#define AT_BOOL(S, m) offsetof(S, m), 0
#define AT_ABOOL(S, m) offsetof(S, m), 0
#define AT_STR(S, m) offsetof(S, m), 0
#define AT_LEAK(S, m) offsetof(S, m), 0
#define AT_SIZE(S, m) offsetof(S, m), 0
#define AT_PAIR(S, m) offsetof(S, m##_lo), offsetof(S, m##_hi)
#define AT_BUF(S, m) offsetof(S, m), sizeof(((S *)0)->m)

/* A row of struct S; each table's ROW_<var> fixes its S. */
#define ROW_OF(S, T, m, k) {k, LG_FT_##T, AT_##T(S, m), NULL, NULL},
#define ROW_CODEC(c, k) {k, LG_FT_CODEC, 0, 0, &fc_##c, NULL},
/* The table of an array's elements (file-local). */
#define ELEMENTS(var, S, LIST)                                                 \
  static const lg_field var##_rows[] = {                                       \
      LIST(ROW_##var, ROW_##var, ROW_CODEC)};                                  \
  static const lg_field_table var##_elements = {                               \
      "", sizeof(S), var##_rows, sizeof var##_rows / sizeof(lg_field)}
/* An A row's codec for the array member of S counted by count. */
#define RECORDS(name, S, member, count, elem, what)                            \
  const lg_field_records name = {&elem##_elements, offsetof(S, member),        \
                                 offsetof(S, count), what}
#define RECORDS_CODEC(name, records_)                                          \
  static const lg_field_codec fc_##name = {.json = "array",                    \
                                           .records = &(records_)}

#define ROW_frame(T, m, k) ROW_OF(lg_frame, T, m, k)
ELEMENTS(frame, lg_frame, LG_FRAME_FIELDS);
/* The stacks of leaks, error records and heap sites. */
static RECORDS(leak_stack_records, lg_leak_record, stack, n_stack, frame,
               "frame objects");
static RECORDS(error_stack_records, lg_memcheck_error, stack, n_stack, frame,
               "frame objects");
static RECORDS(heap_site_stack_records, lg_heap_site, stack, n_stack, frame,
               "frame objects");
RECORDS_CODEC(leak_stack, leak_stack_records);
RECORDS_CODEC(error_stack, error_stack_records);
RECORDS_CODEC(heap_site_stack, heap_site_stack_records);

#define ROW_phase(T, m, k) ROW_OF(lg_phase_stats, T, m, k)
#define ROW_leak(T, m, k) ROW_OF(lg_leak_record, T, m, k)
#define ROW_error(T, m, k) ROW_OF(lg_memcheck_error, T, m, k)
#define ROW_site(T, m, k) ROW_OF(lg_growing_site, T, m, k)
#define ROW_heap_site(T, m, k) ROW_OF(lg_heap_site, T, m, k)
ELEMENTS(phase, lg_phase_stats, LG_PHASE_FIELDS);
ELEMENTS(leak, lg_leak_record, LG_LEAK_RECORD_FIELDS);
ELEMENTS(error, lg_memcheck_error, LG_MEMCHECK_ERROR_FIELDS);
ELEMENTS(site, lg_growing_site, LG_GROWING_SITE_FIELDS);
ELEMENTS(heap_site, lg_heap_site, LG_HEAP_SITE_FIELDS);

RECORDS(lg__phase_records, lg_load_result, phases, n_phases, phase, "objects");
RECORDS(lg__leak_records, lg_memcheck_result, leaks, n_leaks, leak, "objects");
RECORDS(lg__error_records, lg_memcheck_result, error_records, n_error_records,
        error, "objects");
RECORDS(lg__site_records, lg_massif_result, growing_sites, n_sites, site,
        "objects");
RECORDS(lg__heap_site_records, lg_heap_profile_result, growing_sites, n_sites,
        heap_site, "objects");
RECORDS_CODEC(load_phases, lg__phase_records);
RECORDS_CODEC(memcheck_leaks, lg__leak_records);
RECORDS_CODEC(memcheck_errors, lg__error_records);
RECORDS_CODEC(massif_sites, lg__site_records);
RECORDS_CODEC(heap_sites, lg__heap_site_records);

/* ---- analysis{} ------------------------------------------------------- */

static json_t *models_write(const void *sec, bool *bad) {
  const lg_analysis *a = sec;
  json_t *models = json_array();
  size_t i;
  if (!models) {
    *bad = true;
    return NULL;
  }
  for (i = 0; i < a->n_models && i < LG_ANALYSIS_N_MODELS; i++) {
    json_t *m = json_object();
    if (!m) {
      *bad = true;
      break;
    }
    lg__json_put(m, "name", lg__json_str(a->models[i].name), bad);
    lg__json_put(m, "bic", lg__json_num(a->models[i].bic), bad);
    lg__json_put(m, "params", num_array(a->models[i].params, 4, bad), bad);
    lg__json_push(models, m, bad);
  }
  return models;
}

static void models_read(lg_jr *d, const json_t *o, const char *ctx,
                        const char *key, void *sec) {
  lg_analysis *a = sec;
  json_t *models = lg__jr_arr(d, o, ctx, key, "an array"), *m;
  size_t i, k;
  a->n_models = 0;
  json_array_foreach(models, i, m) {
    json_t *params;
    const char *name;
    if (i >= LG_ANALYSIS_N_MODELS)
      break;
    if (!json_is_object(m)) {
      lg__jr_bad(d, ctx, key, "objects {name, bic, params}");
      break;
    }
    name = lg__jr_str(d, m, "models[]", "name", false);
    snprintf(a->models[i].name, sizeof a->models[i].name, "%s",
             name ? name : "");
    a->models[i].bic = lg__jr_num(d, m, "models[]", "bic", false);
    params = lg__jr_arr(d, m, "models[]", "params", "an array");
    for (k = 0; k < 4; k++)
      a->models[i].params[k] = lg__jr_num_of(
          d, params ? json_array_get(params, k) : NULL, "models[]", "params");
    a->n_models = i + 1;
  }
}
CODEC(analysis_models, "array", models_write, models_read, NULL, NULL);

json_t *lg__json_analysis(const lg_analysis *a, bool present, bool *bad) {
  return lg__fields_json(&lg__analysis_fields, a, NULL, present, bad);
}

/* Read the analysis at key; whether it has samples_used (an analysis
 * ran). */
static bool read_analysis(lg_jr *d, const json_t *o, const char *ctx,
                          const char *key, lg_analysis *a) {
  char sub[256];
  const json_t *ao = lg__jr_obj(d, o, ctx, key, false);
  if (!ao)
    return false;
  snprintf(sub, sizeof sub, "%s%s%s", ctx, ctx[0] ? "." : "", key);
  lg__fields_read(d, ao, sub, &lg__analysis_fields, a);
  return lg__jr_val(ao, "samples_used") != NULL;
}

/* ---- the top level ---------------------------------------------------- */

static json_t *schema_version_write(const void *sec, bool *bad) {
  (void)sec;
  return checked(json_integer(LG_SCHEMA_VERSION), bad);
}
/* Read (and refused when other) before the fields: json_read.c. */
CODEC(schema_version, "integer", schema_version_write, NULL, NULL, NULL);

static json_t *tool_write(const void *sec, bool *bad) {
  const lg_result *r = sec;
  json_t *t = json_object();
  if (!t) {
    *bad = true;
    return NULL;
  }
  lg__json_put(t, "name", json_string("leakgate"), bad);
  lg__json_put(t, "version",
               lg__json_str(r->tool_version ? r->tool_version : lg_version()),
               bad);
  return t;
}
static void tool_read(lg_jr *d, const json_t *o, const char *ctx,
                      const char *key, void *sec) {
  lg_result *r = sec;
  lg__jr_str_dup(d, lg__jr_obj(d, o, ctx, key, false), key, "version",
                 &r->tool_version);
}
static void tool_release(void *sec) {
  free(((lg_result *)sec)->tool_version);
}
CODEC(tool, "object", tool_write, tool_read, NULL, tool_release);

static json_t *verdict_write(const void *sec, bool *bad) {
  return checked(
      json_string(lg_verdict_name(((const lg_result *)sec)->verdict)), bad);
}
static void verdict_read(lg_jr *d, const json_t *o, const char *ctx,
                         const char *key, void *sec) {
  const char *s = lg__jr_str(d, o, ctx, key, false);
  if (!s || lg_verdict_parse(s) < 0)
    lg__jr_bad(d, ctx, key, "one of pass, fail, inconclusive, error");
  else
    ((lg_result *)sec)->verdict = (lg_verdict)lg_verdict_parse(s);
}
static void verdict_init(void *sec) {
  ((lg_result *)sec)->verdict = LG_VERDICT_ERROR;
}
CODEC(verdict, "string", verdict_write, verdict_read, verdict_init, NULL);

static json_t *exit_code_write(const void *sec, bool *bad) {
  return checked(json_integer(((const lg_result *)sec)->exit_code), bad);
}
static void exit_code_read(lg_jr *d, const json_t *o, const char *ctx,
                           const char *key, void *sec) {
  lg_result *r = sec;
  r->exit_code = lg__jr_int(d, o, ctx, key, -1);
  if (r->exit_code < LG_EXIT_PASS || r->exit_code > LG_EXIT_ERROR)
    lg__jr_bad(d, ctx, key, "an integer from 0 to 4");
}
static void exit_code_init(void *sec) {
  ((lg_result *)sec)->exit_code = LG_EXIT_ERROR;
}
CODEC(exit_code, "integer", exit_code_write, exit_code_read, exit_code_init,
      NULL);

static json_t *reasons_write(const void *sec, bool *bad) {
  const lg_result *r = sec;
  return str_array(r->reasons, r->n_reasons, bad);
}
static void reasons_read(lg_jr *d, const json_t *o, const char *ctx,
                         const char *key, void *sec) {
  json_t *arr = lg__jr_arr(d, o, ctx, key, "an array"), *e;
  size_t i;
  json_array_foreach(arr, i, e) {
    if (!json_is_string(e)) {
      lg__jr_bad(d, ctx, key, "an array of strings");
      break;
    }
    if (lg_result_add_reason(sec, "%s", json_string_value(e)))
      lg__jr_oom(d);
  }
}
static void reasons_release(void *sec) {
  lg_result *r = sec;
  free_strv(r->reasons, r->n_reasons);
}
CODEC(reasons, "array", reasons_write, reasons_read, NULL, reasons_release);

static json_t *checks_write(const void *sec, bool *bad) {
  const lg_result *r = sec;
  json_t *checks = json_array();
  size_t i;
  if (!checks) {
    *bad = true;
    return NULL;
  }
  for (i = 0; i < r->n_checks; i++) {
    json_t *c = json_object();
    if (!c) {
      *bad = true;
      break;
    }
    lg__json_put(c, "name", lg__json_str(r->checks[i].name), bad);
    lg__json_put(c, "status",
                 json_string(lg_check_status_name(r->checks[i].status)), bad);
    lg__json_put(c, "message", lg__json_str(r->checks[i].message), bad);
    lg__json_push(checks, c, bad);
  }
  return checks;
}
static void checks_read(lg_jr *d, const json_t *o, const char *ctx,
                        const char *key, void *sec) {
  lg_result *r = sec;
  json_t *arr = lg__jr_arr(d, o, ctx, key, "an array"), *e;
  size_t i;
  json_array_foreach(arr, i, e) {
    const char *nm, *st, *msg;
    if (d->rc)
      break;
    nm = json_is_object(e) ? lg__jr_str(d, e, "checks[]", "name", false) : NULL;
    st = json_is_object(e) ? lg__jr_str(d, e, "checks[]", "status", false)
                           : NULL;
    msg = json_is_object(e) ? lg__jr_str(d, e, "checks[]", "message", false)
                            : NULL;
    if (!nm || lg_check_status_parse(st) < 0) {
      lg__jr_bad(
          d, ctx, key,
          "objects {name, status (pass|fail|inconclusive|error|skipped), "
          "message}");
      break;
    }
    if (lg_result_add_check(r, nm, (lg_check_status)lg_check_status_parse(st),
                            "%s", msg ? msg : ""))
      lg__jr_oom(d);
    else
      r->checks[r->n_checks - 1].derived = lg_result_check_is_finish_name(nm);
  }
}
static void checks_release(void *sec) {
  lg_result *r = sec;
  size_t i;
  for (i = 0; i < r->n_checks; i++) {
    free(r->checks[i].name);
    free(r->checks[i].message);
  }
  free(r->checks);
}
CODEC(checks, "array", checks_write, checks_read, NULL, checks_release);

static json_t *analysis_write(const void *sec, bool *bad) {
  const lg_result *r = sec;
  return lg__json_analysis(&r->analysis, r->has_analysis, bad);
}
static void analysis_read(lg_jr *d, const json_t *o, const char *ctx,
                          const char *key, void *sec) {
  lg_result *r = sec;
  r->has_analysis = read_analysis(d, o, ctx, key, &r->analysis);
}
static void analysis_init(void *sec) {
  lg__fields_init(&lg__analysis_fields, &((lg_result *)sec)->analysis);
}
CODEC_ANALYSIS(analysis, "object", analysis_write, analysis_read,
               analysis_init);

static json_t *chart_write(const void *sec, bool *bad) {
  const lg_chart *c = &((const lg_result *)sec)->chart;
  json_t *o = xy_json(c->x, c->y, c->n, bad);
  if (o)
    lg__json_put(o, "oom_x", lg__json_num(c->oom_x), bad);
  return o;
}
static void chart_read(lg_jr *d, const json_t *o, const char *ctx,
                       const char *key, void *sec) {
  lg_chart *c = &((lg_result *)sec)->chart;
  read_xy(d, o, ctx, key, &c->x, &c->y, &c->n);
  c->oom_x =
      lg__jr_num(d, lg__jr_obj(d, o, ctx, key, false), key, "oom_x", false);
}
static void chart_init(void *sec) {
  ((lg_result *)sec)->chart.oom_x = NAN;
}
static void chart_release(void *sec) {
  lg_result *r = sec;
  free(r->chart.x);
  free(r->chart.y);
}
CODEC(chart, "object", chart_write, chart_read, chart_init, chart_release);

static json_t *on_inconclusive_write(const void *sec, bool *bad) {
  return checked(json_string(((const lg_result *)sec)->inconclusive_passes
                                 ? "pass"
                                 : "fail"),
                 bad);
}
static void on_inconclusive_read(lg_jr *d, const json_t *o, const char *ctx,
                                 const char *key, void *sec) {
  const char *s = lg__jr_str(d, o, ctx, key, false);
  if (s && strcmp(s, "pass") != 0 && strcmp(s, "fail") != 0)
    lg__jr_bad(d, ctx, key, "pass or fail");
  ((lg_result *)sec)->inconclusive_passes = s && strcmp(s, "pass") == 0;
}
CODEC(on_inconclusive, "string", on_inconclusive_write, on_inconclusive_read,
      NULL, NULL);

static json_t *error_write(const void *sec, bool *bad) {
  const lg_result *r = sec;
  json_t *t;
  if (!r->error)
    return json_null();
  if (!(t = json_object())) {
    *bad = true;
    return NULL;
  }
  lg__json_put(t, "code", json_string(lg_err_name(r->error_code)), bad);
  lg__json_put(t, "message", lg__json_str(r->error), bad);
  return t;
}
static void error_read(lg_jr *d, const json_t *o, const char *ctx,
                       const char *key, void *sec) {
  lg_result *r = sec;
  const json_t *eo = lg__jr_obj(d, o, ctx, key, false);
  const char *code;
  int c = LG_EIO;
  if (!eo)
    return;
  code = lg__jr_str(d, eo, key, "code", false);
#define LG_XX_PARSE(name, value, exit, msg)                                    \
  if (code && strcmp(code, #name) == 0)                                        \
    c = LG_##name;
  LG_ERRNO_MAP(LG_XX_PARSE)
#undef LG_XX_PARSE
  lg__jr_str_dup(d, eo, key, "message", &r->error);
  if (!r->error && !(r->error = strdup(lg_strerror(c))))
    lg__jr_oom(d);
  r->error_code = c;
}
static void error_release(void *sec) {
  free(((lg_result *)sec)->error);
}
CODEC(error, "object|null", error_write, error_read, NULL, error_release);

/* ---- load{} ----------------------------------------------------------- */

/* ---- service{} -------------------------------------------------------- */

static json_t *signal_name_write(const void *sec, bool *bad) {
  const lg_service_result *s = sec;
  char sig[32];
  return checked(s->signal > 0
                     ? json_string(lg__fmt_signal(sig, sizeof sig, s->signal))
                     : json_null(),
                 bad);
}
/* Written from signal, so not read back. */
CODEC(service_signal_name, "string|null", signal_name_write, NULL, NULL, NULL);

/* ---- memcheck{} ------------------------------------------------------- */

static const struct {
  unsigned bit;
  const char *name;
} fail_on_names[] = {{LG_FAIL_DEFINITE, "definite"},
                     {LG_FAIL_INDIRECT, "indirect"},
                     {LG_FAIL_POSSIBLE, "possible"},
                     {LG_FAIL_ERRORS, "errors"}};
#define N_FAIL_ON (sizeof fail_on_names / sizeof fail_on_names[0])

unsigned lg__json_fail_on_bit(const char *name) {
  size_t i;
  for (i = 0; i < N_FAIL_ON; i++)
    if (strcmp(name, fail_on_names[i].name) == 0)
      return fail_on_names[i].bit;
  return 0;
}

static json_t *fail_on_write(const void *sec, bool *bad) {
  const lg_memcheck_result *m = sec;
  json_t *fo = json_array();
  size_t i;
  if (!fo) {
    *bad = true;
    return NULL;
  }
  for (i = 0; i < N_FAIL_ON; i++)
    if (m->fail_on & fail_on_names[i].bit)
      lg__json_push(fo, json_string(fail_on_names[i].name), bad);
  return fo;
}
static void fail_on_read(lg_jr *d, const json_t *o, const char *ctx,
                         const char *key, void *sec) {
  lg_memcheck_result *m = sec;
  json_t *fo = lg__jr_arr(d, o, ctx, key, "an array"), *f;
  size_t i;
  if (!fo)
    return;
  m->fail_on = 0;
  json_array_foreach(fo, i, f) {
    unsigned bit =
        json_is_string(f) ? lg__json_fail_on_bit(json_string_value(f)) : 0;
    if (!bit) {
      lg__jr_bad(d, ctx, key,
                 "names among definite, indirect, possible, errors");
      break;
    }
    m->fail_on |= bit;
  }
}
static void fail_on_init(void *sec) {
  ((lg_memcheck_result *)sec)->fail_on = LG_FAIL_DEFINITE | LG_FAIL_INDIRECT;
}
CODEC(memcheck_fail_on, "array", fail_on_write, fail_on_read, fail_on_init,
      NULL);

/* ---- massif{} --------------------------------------------------------- */

static json_t *heap_write(const void *sec, bool *bad) {
  const lg_massif_result *m = sec;
  return xy_json(m->heap_x, m->heap_y, m->n_heap, bad);
}
static void heap_read(lg_jr *d, const json_t *o, const char *ctx,
                      const char *key, void *sec) {
  lg_massif_result *m = sec;
  read_xy(d, o, ctx, key, &m->heap_x, &m->heap_y, &m->n_heap);
}
static void heap_release(void *sec) {
  lg_massif_result *m = sec;
  free(m->heap_x);
  free(m->heap_y);
}
CODEC(massif_heap, "object", heap_write, heap_read, NULL, heap_release);

static json_t *heap_analysis_write(const void *sec, bool *bad) {
  const lg_analysis *a = &((const lg_massif_result *)sec)->heap_analysis;
  bool ha = a->leak != LG_LEAK_UNKNOWN || a->samples_used > 0;
  return ha ? lg__json_analysis(a, true, bad) : json_null();
}
static void heap_analysis_read(lg_jr *d, const json_t *o, const char *ctx,
                               const char *key, void *sec) {
  read_analysis(d, o, ctx, key, &((lg_massif_result *)sec)->heap_analysis);
}
static void heap_analysis_init(void *sec) {
  lg__fields_init(&lg__analysis_fields,
                  &((lg_massif_result *)sec)->heap_analysis);
}
CODEC_ANALYSIS(massif_heap_analysis, "object|null", heap_analysis_write,
               heap_analysis_read, heap_analysis_init);

/* ---- heap_profile{} --------------------------------------------------- */

/* ---- baseline{} ------------------------------------------------------- */

static json_t *bverdict_write(const void *sec, bool *bad) {
  return checked(json_string(lg_baseline_verdict_name(
                     ((const lg_baseline_result *)sec)->verdict)),
                 bad);
}
static void bverdict_read(lg_jr *d, const json_t *o, const char *ctx,
                          const char *key, void *sec) {
  const char *v = lg__jr_str(d, o, ctx, key, false);
  int bv = lg_baseline_verdict_parse(v);
  if (v && bv < 0)
    lg__jr_bad(d, ctx, key, "regression, no_regression, inconclusive or none");
  else if (v)
    ((lg_baseline_result *)sec)->verdict = (lg_baseline_verdict)bv;
}
CODEC(baseline_verdict, "string", bverdict_write, bverdict_read, NULL, NULL);

/* The three fingerprint lists: new, known and grown leaks. */
static void fps_read(lg_jr *d, const json_t *o, const char *ctx,
                     const char *key, lg_baseline_result *b, int list) {
  json_t *arr = lg__jr_arr(d, o, ctx, key, "an array"), *e;
  size_t i;
  json_array_foreach(arr, i, e) {
    int rc;
    if (!json_is_string(e)) {
      lg__jr_bad(d, ctx, key, "an array of fingerprint strings");
      break;
    }
    rc = list == 2
             ? lg_result_add_baseline_grown(b, json_string_value(e))
             : lg_result_add_baseline_leak(b, list == 1, json_string_value(e));
    if (rc)
      lg__jr_oom(d);
  }
}
#define FP_LIST(name, list)                                                    \
  static json_t *name##_write(const void *sec, bool *bad) {                    \
    const lg_baseline_result *b = sec;                                         \
    return str_array(b->name, b->n_##name, bad);                               \
  }                                                                            \
  static void name##_read(lg_jr *d, const json_t *o, const char *ctx,          \
                          const char *key, void *sec) {                        \
    fps_read(d, o, ctx, key, sec, list);                                       \
  }                                                                            \
  static void name##_release(void *sec) {                                      \
    lg_baseline_result *b = sec;                                               \
    free_strv(b->name, b->n_##name);                                           \
  }                                                                            \
  CODEC(baseline_##name, "array", name##_write, name##_read, NULL,             \
        name##_release)
FP_LIST(new_leaks, 0);
FP_LIST(known_leaks, 1);
FP_LIST(grown_leaks, 2);

static json_t *missing_policy_write(const void *sec, bool *bad) {
  return checked(json_string(((const lg_baseline_result *)sec)->missing_fails
                                 ? "fail"
                                 : "pass"),
                 bad);
}
static void missing_policy_read(lg_jr *d, const json_t *o, const char *ctx,
                                const char *key, void *sec) {
  const char *v = lg__jr_str(d, o, ctx, key, false);
  if (v && strcmp(v, "pass") != 0 && strcmp(v, "fail") != 0)
    lg__jr_bad(d, ctx, key, "pass, fail or null");
  ((lg_baseline_result *)sec)->missing_fails = v && strcmp(v, "fail") == 0;
}
CODEC(baseline_missing_policy, "string", missing_policy_write,
      missing_policy_read, NULL, NULL);

/* ---- runtime{} -------------------------------------------------------- */

static json_t *count_json(int64_t v) {
  return v < 0 ? json_null() : json_integer(v);
}

#define ROW_rt_phase(T, m, k) ROW_OF(lg_runtime_phase, T, m, k)
ELEMENTS(rt_phase, lg_runtime_phase, LG_RUNTIME_PHASE_FIELDS);
static RECORDS(runtime_phase_records, lg_runtime_result, phases, n_phases,
               rt_phase, "objects");
RECORDS_CODEC(runtime_phases, runtime_phase_records);

/* The goroutine count at each look (requests, count), {x, y} like chart. */
static json_t *rt_goroutines_write(const void *sec, bool *bad) {
  const lg_chart *c = &((const lg_runtime_result *)sec)->goroutine_chart;
  return xy_json(c->x, c->y, c->n, bad);
}
static void rt_goroutines_read(lg_jr *d, const json_t *o, const char *ctx,
                               const char *key, void *sec) {
  lg_chart *c = &((lg_runtime_result *)sec)->goroutine_chart;
  read_xy(d, o, ctx, key, &c->x, &c->y, &c->n);
}
static void rt_goroutines_init(void *sec) {
  ((lg_runtime_result *)sec)->goroutine_chart.oom_x = NAN;
}
static void rt_goroutines_release(void *sec) {
  lg_chart *c = &((lg_runtime_result *)sec)->goroutine_chart;
  free(c->x);
  free(c->y);
  c->x = c->y = NULL;
  c->n = 0;
}
CODEC(runtime_goroutines_series, "object", rt_goroutines_write,
      rt_goroutines_read, rt_goroutines_init, rt_goroutines_release);

static json_t *rt_windows_write(const void *sec, bool *bad) {
  const lg_runtime_result *rt = sec;
  json_t *arr = json_array();
  size_t i;
  if (!arr) {
    *bad = true;
    return NULL;
  }
  for (i = 0; i < rt->n_windows && i < 3; i++) {
    const lg_runtime_window *w = &rt->windows[i];
    json_t *o = json_object();
    if (!o) {
      *bad = true;
      break;
    }
    lg__json_put(o, "from_s", lg__json_num(w->from_s), bad);
    lg__json_put(o, "to_s", lg__json_num(w->to_s), bad);
    lg__json_put(o, "requests", lg__json_num(w->requests), bad);
    lg__json_put(o, "errors", lg__json_num(w->errors), bad);
    lg__json_put(o, "pause_seconds", lg__json_num(w->pause_s), bad);
    lg__json_put(o, "full_collections", count_json(w->full_collections), bad);
    lg__json_put(o, "heap_live_bytes", lg__json_num(w->heap_live_bytes), bad);
    lg__json_push(arr, o, bad);
  }
  return arr;
}
static void rt_windows_read(lg_jr *d, const json_t *o, const char *ctx,
                            const char *key, void *sec) {
  static const char *const el = "runtime.gc.windows[]";
  lg_runtime_result *rt = sec;
  json_t *arr = lg__jr_arr(d, o, ctx, key, "an array"), *w;
  size_t i;
  if (arr && json_array_size(arr) != 0 && json_array_size(arr) != 3) {
    lg__jr_bad(d, ctx, key,
               "an array of the first, the last and the last collecting "
               "window");
    return;
  }
  json_array_foreach(arr, i, w) {
    lg_runtime_window *x = &rt->windows[i];
    if (!json_is_object(w)) {
      lg__jr_bad(d, ctx, key, "objects");
      return;
    }
    x->from_s = lg__jr_num(d, w, el, "from_s", false);
    x->to_s = lg__jr_num(d, w, el, "to_s", false);
    x->requests = lg__jr_num(d, w, el, "requests", false);
    x->errors = lg__jr_num(d, w, el, "errors", false);
    x->pause_s = lg__jr_num(d, w, el, "pause_seconds", false);
    x->full_collections = lg__jr_count(d, w, el, "full_collections");
    x->heap_live_bytes = lg__jr_num(d, w, el, "heap_live_bytes", false);
  }
  rt->n_windows = json_array_size(arr);
}
CODEC(runtime_windows, "array", rt_windows_write, rt_windows_read, NULL, NULL);

/* A growing site's stack: "function file:line" strings. */
static json_t *rt_stack_write(const void *sec, bool *bad) {
  const lg_runtime_site *x = sec;
  return str_array(x->stack, x->n_stack, bad);
}
static void rt_stack_read(lg_jr *d, const json_t *o, const char *ctx,
                          const char *key, void *sec) {
  json_t *st = lg__jr_arr(d, o, ctx, key, "an array of strings"), *f;
  size_t k;
  json_array_foreach(st, k, f) {
    if (!json_is_string(f)) {
      lg__jr_bad(d, ctx, key, "an array of strings");
      break;
    }
    if (lg_runtime_site_add_frame(sec, json_string_value(f))) {
      lg__jr_oom(d);
      break;
    }
  }
}
static void rt_stack_release(void *sec) {
  lg_runtime_site *x = sec;
  free_strv(x->stack, x->n_stack);
  x->stack = NULL;
  x->n_stack = 0;
}
CODEC(runtime_site_stack, "array", rt_stack_write, rt_stack_read, NULL,
      rt_stack_release);
#define ROW_rt_site(T, m, k) ROW_OF(lg_runtime_site, T, m, k)
ELEMENTS(rt_site, lg_runtime_site, LG_RUNTIME_SITE_FIELDS);
static RECORDS(runtime_site_records, lg_runtime_result, sites, n_sites, rt_site,
               "objects");
RECORDS_CODEC(runtime_sites, runtime_site_records);

/* ---- the tables ------------------------------------------------------- */

#define ROW_SECTION(m, k)                                                      \
  {k, LG_FT_SECTION, offsetof(lg_result, m), 0, NULL, &lg__##m##_fields},
#define TABLE(var, S, key, LIST)                                               \
  static const lg_field var##_rows[] = {                                       \
      LIST(ROW_##var, ROW_##var, ROW_CODEC)};                                  \
  const lg_field_table lg__##var##_fields = {                                  \
      key, sizeof(S), var##_rows, sizeof var##_rows / sizeof(lg_field)}

#define ROW_analysis(T, m, k) ROW_OF(lg_analysis, T, m, k)
#define ROW_load(T, m, k) ROW_OF(lg_load_result, T, m, k)
#define ROW_container(T, m, k) ROW_OF(lg_container_result, T, m, k)
#define ROW_service(T, m, k) ROW_OF(lg_service_result, T, m, k)
#define ROW_memcheck(T, m, k) ROW_OF(lg_memcheck_result, T, m, k)
#define ROW_massif(T, m, k) ROW_OF(lg_massif_result, T, m, k)
#define ROW_heap_profile(T, m, k) ROW_OF(lg_heap_profile_result, T, m, k)
#define ROW_baseline(T, m, k) ROW_OF(lg_baseline_result, T, m, k)
#define ROW_runtime(T, m, k) ROW_OF(lg_runtime_result, T, m, k)
#define ROW_result(T, m, k) ROW_OF(lg_result, T, m, k)
TABLE(analysis, lg_analysis, "analysis", LG_ANALYSIS_FIELDS);
TABLE(load, lg_load_result, "load", LG_LOAD_FIELDS);
TABLE(container, lg_container_result, "container", LG_CONTAINER_FIELDS);
TABLE(service, lg_service_result, "service", LG_SERVICE_FIELDS);
TABLE(memcheck, lg_memcheck_result, "memcheck", LG_MEMCHECK_FIELDS);
TABLE(massif, lg_massif_result, "massif", LG_MASSIF_FIELDS);
TABLE(heap_profile, lg_heap_profile_result, "heap_profile",
      LG_HEAP_PROFILE_FIELDS);
TABLE(baseline, lg_baseline_result, "baseline", LG_BASELINE_FIELDS);
TABLE(runtime, lg_runtime_result, "runtime", LG_RUNTIME_FIELDS);

static const lg_field result_rows[] = {
    LG_RESULT_FIELDS(ROW_result, ROW_result, ROW_CODEC, ROW_SECTION)};
const lg_field_table lg__result_fields = {
    "", sizeof(lg_result), result_rows, sizeof result_rows / sizeof(lg_field)};
