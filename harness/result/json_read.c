/* result/json_read.c - result.json -> lg_result (lg_result_from_json,
 * lg_result_load), for compare, merge, report and baseline update.
 *
 * Reads back every field the writer produces (both follow the field
 * tables, result/fields.h), so to_json -> from_json -> to_json is
 * byte-identical. Strict on what it knows, lenient on what it
 * does not: a known key of the wrong type is an LG_EINPUT error naming the
 * file and the key path ("r.json: analysis.slope_ci: expected [lo, hi]");
 * a missing key or null is "unknown"; an unknown key is ignored (schema 1
 * only ever grows). Another schema_version or a non-object is refused.
 * Owns: the jansson tree while reading; *out on success.
 * Failure: *out is NULL and nothing is leaked.
 */
#include "core/fsutil.h"
#include "result/fields.h"
#include "result/json.h"

#include <leakgate/result.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* result.json files beyond this are refused, by their size, before any of
 * them is read: parsing holds ~14 times the file (jansson's tree), and a
 * run's result.json is 10-100 KiB, a merge of hundreds of shards a few
 * MiB. (At 256 MiB a 58 MB file was parsed to 808 MB of RSS first.) */
#define LG_RESULT_FILE_CAP ((size_t)16 << 20)

static void mark_derived_reasons(lg_result *r);

/* One result from its parsed JSON object (root is borrowed). */
static int from_root(const char *name, json_t *root, lg_result **out,
                     lg_error *err) {
  json_t *sv;
  lg_result *r = NULL;
  lg_jr d = {name, err, 0};

  *out = NULL;
  if (!json_is_object(root))
    return lg_error_set(err, LG_EINPUT,
                        "%s: not a leakgate result (the top level is not a "
                        "JSON object)",
                        name);
  sv = json_object_get(root, "schema_version");
  if (!json_is_integer(sv))
    return lg_error_set(err, LG_EINPUT,
                        "%s: not a leakgate result (no integer "
                        "schema_version)",
                        name);
  if (json_integer_value(sv) != LG_SCHEMA_VERSION)
    return lg_error_set(err, LG_EINPUT,
                        "%s: schema_version %lld is not supported (this "
                        "leakgate reads schema_version %d)",
                        name, (long long)json_integer_value(sv),
                        LG_SCHEMA_VERSION);
  r = lg_result_new();
  if (!r) {
    lg__jr_oom(&d);
    return d.rc;
  }
  lg__fields_read(&d, root, "", &lg__result_fields, r);
  if (d.rc == 0)
    mark_derived_reasons(r);
  if (d.rc == 0) {
    *out = r;
    r = NULL;
  }
  lg_result_free(r);
  return d.rc;
}

static json_t *parse(const char *name, const char *text, size_t len,
                     lg_error *err) {
  json_error_t je;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (!root)
    lg_error_set(err, LG_EINPUT, "%s:%d:%d: not valid JSON: %s", name, je.line,
                 je.column, je.text);
  return root;
}

static bool combined(const json_t *root) {
  return json_is_object(root) &&
         json_is_array(json_object_get(root, "results"));
}

int lg_result_from_json(const char *name, const char *text, size_t len,
                        lg_result **out, lg_error *err) {
  json_t *root;
  int rc;

  *out = NULL;
  if (!name)
    name = "result.json";
  if (!(root = parse(name, text, len, err)))
    return LG_EINPUT;
  if (combined(root))
    rc = lg_error_set(err, LG_EINPUT,
                      "%s: a combined document of %zu results (written by "
                      "--json for several scenarios or by merge); pass the "
                      "per-scenario result.json files, or read it with "
                      "lg_result_load_all",
                      name, json_array_size(json_object_get(root, "results")));
  else
    rc = from_root(name, root, out, err);
  json_decref(root);
  return rc;
}

int lg_result_load_all(const char *path, lg_result ***out, size_t *n,
                       lg_error *err) {
  char *text = NULL, name[600];
  size_t len = 0, i, count = 1;
  json_t *root = NULL, *arr = NULL;
  lg_result **v = NULL;
  int rc;

  *out = NULL;
  *n = 0;
  if ((rc = lg__read_file(path, LG_RESULT_FILE_CAP, &text, &len, err))) {
    if (rc == LG_ELIMIT) /* an input too large to be a result: exit 2 */
      rc = lg_error_set(err, LG_EINPUT, "%s: larger than %zu bytes (a "
                        "result file is at most 16 MiB)", path,
                        LG_RESULT_FILE_CAP);
    goto cleanup;
  }
  if (!(root = parse(path, text, len, err))) {
    rc = LG_EINPUT;
    goto cleanup;
  }
  if (combined(root)) {
    arr = json_object_get(root, "results");
    count = json_array_size(arr);
    if (count == 0) {
      rc = lg_error_set(err, LG_EINPUT,
                        "%s: a combined document with no "
                        "results",
                        path);
      goto cleanup;
    }
  }
  if (!(v = calloc(count, sizeof *v))) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  for (i = 0; i < count; i++) {
    /* Messages name the element: "merged.json: results[2]: ...". */
    if (arr)
      snprintf(name, sizeof name, "%.500s: results[%zu]", path, i);
    if ((rc = from_root(arr ? name : path, arr ? json_array_get(arr, i) : root,
                        &v[i], err)))
      goto cleanup;
  }
  *out = v;
  *n = count;
  v = NULL;
cleanup:
  for (i = 0; v && i < count; i++)
    lg_result_free(v[i]);
  free(v);
  json_decref(root);
  free(text);
  return rc;
}

/* Whether reason s is one lg_result_finish derives from r as read. */
static bool derived_reason(const lg_result *r, const char *s) {
  size_t i, n;
  if (strcmp(s, "interrupted") == 0 || (r->error && strcmp(s, r->error) == 0) ||
      strcmp(s, "inconclusive treated as a pass "
                "(analysis.on_inconclusive: pass)") == 0)
    return true;
  for (i = 0; i < r->n_checks; i++) {
    const lg_check *c = &r->checks[i];
    n = strlen(c->name);
    if (c->derived && strncmp(s, c->name, n) == 0 && s[n] == ':' &&
        s[n + 1] == ' ' && strcmp(s + n + 2, c->message) == 0)
      return true;
  }
  return false;
}

/* finish writes its derived reasons first, then the ones modules added:
 * the leading run that finish derived is marked so, so finishing the result
 * again (compare, report) replaces them instead of keeping stale ones (a
 * growth failure a baseline later made known). */
static void mark_derived_reasons(lg_result *r) {
  size_t i = 0;
  while (i < r->n_reasons && derived_reason(r, r->reasons[i]))
    i++;
  r->n_derived_reasons = i;
}

int lg_result_load(const char *path, lg_result **out, lg_error *err) {
  char *text = NULL;
  size_t len = 0;
  int rc;
  *out = NULL;
  rc = lg__read_file(path, LG_RESULT_FILE_CAP, &text, &len, err);
  if (rc == LG_ELIMIT)
    rc = lg_error_set(err, LG_EINPUT, "%s: larger than %zu bytes (a result "
                      "file is at most 16 MiB)", path, LG_RESULT_FILE_CAP);
  if (rc == 0)
    rc = lg_result_from_json(path, text, len, out, err);
  free(text);
  return rc;
}
