/* reporters/json.c - the JSON reporter (--json).
 *
 * One result: exactly result.json (lg_result_to_json). Several (run with
 * several scenarios, merge): {"schema_version": 1, "verdict", "exit_code",
 * "results": [result.json, ...]} where verdict/exit_code combine the results
 * (fail > error > inconclusive > pass; docs/reporters.md). Both forms
 * validate against docs/result-schema.json.
 */
#include "report_util.h"
#include "result/json.h"

#include <stdlib.h>
#include <string.h>

static const char *combined_verdict(int code) {
  switch (code) {
  case LG_EXIT_PASS:
    return "pass";
  case LG_EXIT_FAIL:
    return "fail";
  case LG_EXIT_INCONCLUSIVE:
    return "inconclusive";
  default:
    return "error";
  }
}

int lg__render_json(const lg_result *const *rs, size_t n,
                    const lg_report_opts *o, lg_buf *b) {
  json_t *root = NULL, *arr = NULL;
  char *text = NULL;
  size_t i, len;
  int rc = 0, code;
  (void)o;

  if (n == 1) {
    rc = lg_result_to_json(rs[0], &text, &len, NULL);
    if (rc == 0)
      rc = lg__buf_append(b, text, len);
    free(text);
    return rc;
  }
  code = lg_report_combined_exit(rs, n);
  root = json_object();
  arr = json_array();
  if (!root || !arr) {
    rc = LG_ENOMEM;
    goto cleanup;
  }
  if (json_object_set_new(root, "schema_version",
                          json_integer(LG_SCHEMA_VERSION)) ||
      json_object_set_new(root, "verdict",
                          json_string(combined_verdict(code))) ||
      json_object_set_new(root, "exit_code", json_integer(code))) {
    rc = LG_ENOMEM;
    goto cleanup;
  }
  for (i = 0; i < n; i++) {
    json_t *one = lg__result_to_jansson(rs[i]);
    if (!one || json_array_append_new(arr, one)) {
      rc = LG_ENOMEM;
      goto cleanup;
    }
  }
  if (json_object_set_new(root, "results", arr)) {
    arr = NULL;
    rc = LG_ENOMEM;
    goto cleanup;
  }
  arr = NULL;
  text = json_dumps(root, LG_JSON_DUMP_FLAGS);
  if (!text) {
    rc = LG_ENOMEM;
    goto cleanup;
  }
  rc = lg__buf_appends(b, text);
  if (rc == 0)
    rc = lg__buf_appends(b, "\n");
cleanup:
  free(text);
  json_decref(arr);
  json_decref(root);
  return rc;
}
