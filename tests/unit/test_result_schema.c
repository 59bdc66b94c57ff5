/* test_result_schema.c - docs/result-schema.json against the result field
 * tables (result/fields.h): every row's key is in the schema at the same
 * place with a type that admits every value the row writes, and every
 * property the schema lists for a table's object (or for a nested object
 * of dotted keys such as load.latency_ms) is a row. Arrays of records
 * (phases, leaks and their stacks, sites, ...) are checked element by
 * element against the schema's items; other objects and arrays with their
 * own codec as a whole (their key and type); the analysis codecs against
 * the analysis table.
 * A fake table with a misspelt and a mistyped row must be caught, so the
 * checker itself can fail. */
#include "lg_test.h"
#include "result/fields.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* JSON types as bits; a schema "number" admits integers too. */
enum {
  T_NULL = 1,
  T_BOOL = 2,
  T_INT = 4,
  T_REAL = 8,
  T_STR = 16,
  T_ARR = 32,
  T_OBJ = 64,
  T_ANY = 127
};

static json_t *schema_root;
static char problems[8192];
static int n_problems;

static void problem(const char *fmt, const char *a, const char *b) {
  size_t n = strlen(problems);
  n_problems++;
  snprintf(problems + n, sizeof problems - n, "\n  ");
  n = strlen(problems);
  snprintf(problems + n, sizeof problems - n, fmt, a, b);
}

/* Follow "$ref": "#/$defs/NAME" (the only form the schema uses). */
static json_t *resolve(json_t *node) {
  int hops = 0;
  while (json_is_object(node) && json_object_get(node, "$ref") && hops++ < 8) {
    const char *ref = json_string_value(json_object_get(node, "$ref"));
    ck_assert_msg(ref && strncmp(ref, "#/$defs/", 8) == 0, "unexpected $ref %s",
                  ref ? ref : "?");
    node = json_object_get(json_object_get(schema_root, "$defs"), ref + 8);
    ck_assert_msg(node != NULL, "dangling $ref %s", ref);
  }
  return node;
}

static unsigned type_bit(const char *t) {
  if (strcmp(t, "null") == 0)
    return T_NULL;
  if (strcmp(t, "boolean") == 0)
    return T_BOOL;
  if (strcmp(t, "integer") == 0)
    return T_INT;
  if (strcmp(t, "number") == 0)
    return T_INT | T_REAL;
  if (strcmp(t, "string") == 0)
    return T_STR;
  if (strcmp(t, "array") == 0)
    return T_ARR;
  if (strcmp(t, "object") == 0)
    return T_OBJ;
  ck_abort_msg("unknown JSON type %s", t);
  return 0;
}

static unsigned value_bits(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_NULL:
    return T_NULL;
  case JSON_TRUE:
  case JSON_FALSE:
    return T_BOOL;
  case JSON_INTEGER:
    return T_INT;
  case JSON_REAL:
    return T_REAL;
  case JSON_STRING:
    return T_STR;
  case JSON_ARRAY:
    return T_ARR;
  default:
    return T_OBJ;
  }
}

/* The JSON types a schema node admits. */
static unsigned admits(json_t *node) {
  json_t *t, *e;
  unsigned bits = 0;
  size_t i;
  node = resolve(node);
  if (json_is_true(node))
    return T_ANY;
  if ((t = json_object_get(node, "type"))) {
    if (json_is_string(t))
      return type_bit(json_string_value(t));
    json_array_foreach(t, i, e) bits |= type_bit(json_string_value(e));
    return bits;
  }
  if ((t = json_object_get(node, "const")))
    return value_bits(t);
  if ((t = json_object_get(node, "enum"))) {
    json_array_foreach(t, i, e) bits |= value_bits(e);
    return bits;
  }
  if ((t = json_object_get(node, "anyOf")) ||
      (t = json_object_get(node, "oneOf"))) {
    json_array_foreach(t, i, e) bits |= admits(e);
    return bits;
  }
  if ((t = json_object_get(node, "allOf"))) {
    bits = T_ANY;
    json_array_foreach(t, i, e) bits &= admits(e);
    return bits;
  }
  return json_object_get(node, "properties") ? T_OBJ : T_ANY;
}

/* What a codec says it writes: "object|null". */
static unsigned codec_bits(const char *json) {
  char buf[64], *tok, *save = NULL;
  unsigned bits = 0;
  snprintf(buf, sizeof buf, "%s", json);
  for (tok = strtok_r(buf, "|", &save); tok; tok = strtok_r(NULL, "|", &save))
    bits |= type_bit(tok);
  return bits;
}

/* The JSON types row f may write. */
static unsigned row_bits(const lg_field *f) {
  switch (f->type) {
  case LG_FT_NUM:
  case LG_FT_BYTES:
    return T_NULL | T_INT | T_REAL;
  case LG_FT_COUNT:
  case LG_FT_INT:
  case LG_FT_POS:
  case LG_FT_SIZE:
    return T_NULL | T_INT;
  case LG_FT_BOOL:
    return T_BOOL;
  case LG_FT_ABOOL:
    return T_BOOL | T_NULL;
  case LG_FT_STR:
  case LG_FT_BUF:
  case LG_FT_LEAK:
    return T_STR | T_NULL;
  case LG_FT_PAIR:
    return T_ARR;
  case LG_FT_CODEC:
    return codec_bits(f->codec->json);
  case LG_FT_SECTION:
    return T_OBJ;
  }
  return 0;
}

/* The "properties" of an object schema node, taking the object branch of
 * an anyOf/oneOf (an object or null). */
static json_t *props_of(json_t *node) {
  json_t *p, *alts, *e;
  size_t i;
  node = resolve(node);
  if ((p = json_object_get(node, "properties")))
    return p;
  if ((alts = json_object_get(node, "anyOf")) ||
      (alts = json_object_get(node, "oneOf")))
    json_array_foreach(alts, i, e) if ((p = props_of(e))) return p;
  return NULL;
}

static void check_table(const lg_field_table *t, json_t *node,
                        const char *path);

static void check_row(const lg_field *f, json_t *props, const char *path) {
  char obj[64], where[256];
  const char *leaf = f->key, *dot = strchr(f->key, '.');
  json_t *node;
  unsigned want, have;
  if (dot) {
    json_t *sub;
    snprintf(obj, sizeof obj, "%.*s", (int)(dot - f->key), f->key);
    leaf = dot + 1;
    sub = json_object_get(props, obj);
    props = sub ? props_of(sub) : NULL;
  }
  snprintf(where, sizeof where, "%s%s%s", path, path[0] ? "." : "", f->key);
  node = props ? json_object_get(props, leaf) : NULL;
  if (!node) {
    problem("%s: a table row the schema does not list%s", where, "");
    return;
  }
  want = row_bits(f);
  have = admits(node);
  if ((want & have) != want)
    problem("%s: the schema does not admit every value the row writes "
            "(%s)",
            where,
            f->type == LG_FT_CODEC ? f->codec->json : "see leakgate/fields.h");
  if (f->type == LG_FT_BYTES &&
      !(json_is_number(json_object_get(resolve(node), "minimum")) &&
        json_number_value(json_object_get(resolve(node), "minimum")) == 0))
    problem("%s: a bytes row, but the schema gives no \"minimum\": 0%s", where,
            "");
  if (f->type == LG_FT_SECTION)
    check_table(f->section, node, where);
  else if (f->type == LG_FT_CODEC && f->codec->object)
    check_table(f->codec->object, node, where);
  else if (f->type == LG_FT_CODEC && f->codec->records) {
    /* an array of records: its elements against the schema's items */
    json_t *items = json_object_get(resolve(node), "items");
    char elem[300];
    snprintf(elem, sizeof elem, "%s[]", where);
    if (!items)
      problem("%s: the schema gives no items for this array%s", where, "");
    else
      check_table(f->codec->records->elem, items, elem);
  }
}

/* Whether key (or a nested key under it, "key.x") is a row of t. */
static bool has_row(const lg_field_table *t, const char *key) {
  size_t i, n = strlen(key);
  for (i = 0; i < t->n; i++)
    if (strcmp(t->rows[i].key, key) == 0 ||
        (strncmp(t->rows[i].key, key, n) == 0 && t->rows[i].key[n] == '.'))
      return true;
  return false;
}

/* Whether t has dotted rows "key.x" (key is one of their objects). */
static bool has_nested(const lg_field_table *t, const char *key) {
  size_t i, n = strlen(key);
  for (i = 0; i < t->n; i++)
    if (strncmp(t->rows[i].key, key, n) == 0 && t->rows[i].key[n] == '.')
      return true;
  return false;
}

static void check_table(const lg_field_table *t, json_t *node,
                        const char *path) {
  json_t *props = props_of(node), *v, *sub;
  const char *k, *k2;
  char nested[128], where[256];
  size_t i;
  if (!props) {
    problem("%s: the schema has no properties for this table%s", path, "");
    return;
  }
  for (i = 0; i < t->n; i++)
    check_row(&t->rows[i], props, path);
  json_object_foreach(props, k, v) {
    snprintf(where, sizeof where, "%s%s%s", path, path[0] ? "." : "", k);
    if (!has_row(t, k)) {
      problem("%s: in the schema but not a row of the table%s", where, "");
      continue;
    }
    /* an object of dotted rows: each of its properties is a row */
    if (!has_nested(t, k) || !(sub = props_of(v)))
      continue;
    json_object_foreach(sub, k2, v) {
      (void)v;
      snprintf(nested, sizeof nested, "%s.%s", k, k2);
      if (!has_row(t, nested))
        problem("%s.%s: in the schema but not a row of the table", where, k2);
    }
  }
}

static void load_schema(void) {
  char path[512];
  json_error_t je;
  lg_test_src("docs/result-schema.json", path, sizeof path);
  schema_root = json_load_file(path, 0, &je);
  ck_assert_msg(schema_root != NULL, "%s:%d: %s", path, je.line, je.text);
  problems[0] = '\0';
  n_problems = 0;
}

START_TEST(test_schema_matches_tables) {
  json_t *result;
  load_schema();
  result = json_object_get(json_object_get(schema_root, "$defs"), "result");
  ck_assert_ptr_nonnull(result);
  check_table(&lg__result_fields, result, "");
  ck_assert_msg(n_problems == 0,
                "docs/result-schema.json and the result field tables "
                "disagree:%s",
                problems);
  json_decref(schema_root);
}
END_TEST

/* A section with a row the schema lacks, a mistyped row, and missing the
 * rows the schema has: the checker must report all three kinds. */
typedef struct fake_section {
  double memory_limit_bytes;
  char *peak_bytes; /* the schema says a number */
  double no_such_key;
} fake_section;

START_TEST(test_schema_check_can_fail) {
  static const lg_field rows[] = {
      {"memory_limit_bytes", LG_FT_NUM,
       offsetof(fake_section, memory_limit_bytes), 0, NULL, NULL},
      {"peak_bytes", LG_FT_STR, offsetof(fake_section, peak_bytes), 0, NULL,
       NULL},
      {"no_such_key", LG_FT_NUM, offsetof(fake_section, no_such_key), 0, NULL,
       NULL}};
  static const lg_field_table fake = {"container", sizeof(fake_section), rows,
                                      3};
  json_t *container;
  load_schema();
  container = json_object_get(
      json_object_get(
          json_object_get(json_object_get(schema_root, "$defs"), "result"),
          "properties"),
      "container");
  check_table(&fake, container, "container");
  ck_assert_ptr_nonnull(strstr(problems, "container.no_such_key: a table row"));
  ck_assert_ptr_nonnull(strstr(problems, "container.peak_bytes: the schema "
                                         "does not admit"));
  ck_assert_ptr_nonnull(strstr(problems, "container.backend: in the schema"));
  json_decref(schema_root);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("result_schema");
  TCase *tc = tcase_create("schema");
  tcase_add_test(tc, test_schema_matches_tables);
  tcase_add_test(tc, test_schema_check_can_fail);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return lg_test_run(suite());
}
