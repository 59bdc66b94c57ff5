/* scenario/ytree.c - build a yt_node tree from libyaml events (see ytree.h).
 *
 * One pass over the event stream with an explicit stack (no recursion while
 * building, so depth is bounded by YT_MAX_DEPTH, not by the C stack). Cost is
 * O(input) time and memory. Anchors, aliases and explicit tags are refused:
 * the scenario format has no use for them and aliases defeat the size caps.
 */
#include "scenario/ytree.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct builder {
  const char *name, *origin;
  yt_node *stack[YT_MAX_DEPTH];
  size_t depth;
  yt_node *root;
  size_t *nodes;
  lg_error *err;
} builder;

static yt_node *node_new(yt_kind kind, const char *origin) {
  yt_node *n = calloc(1, sizeof *n);
  if (n) {
    n->kind = kind;
    n->origin = origin;
    n->line = n->col = n->end_line = n->end_col = 1;
  }
  return n;
}

void lg__yt_free(yt_node *n) {
  size_t i;
  if (!n)
    return;
  for (i = 0; i < n->nk; i++)
    lg__yt_free(n->kids[i]);
  free(n->kids);
  free(n->str);
  free(n);
}

yt_node *lg__yt_new_map(const char *origin) {
  return node_new(YT_MAP, origin);
}

yt_node *lg__yt_new_scalar(const char *s, const char *origin) {
  yt_node *n = node_new(YT_SCALAR, origin);
  if (!n)
    return NULL;
  n->len = strlen(s);
  n->str = malloc(n->len + 1);
  if (!n->str) {
    free(n);
    return NULL;
  }
  memcpy(n->str, s, n->len + 1);
  n->plain = true;
  return n;
}

yt_node *lg__yt_new_null(const char *origin) {
  return lg__yt_new_scalar("", origin);
}

int lg__yt_is_null(const yt_node *n) {
  if (!n || n->kind != YT_SCALAR || !n->plain)
    return 0;
  return n->len == 0 || strcmp(n->str, "~") == 0 ||
         strcmp(n->str, "null") == 0 || strcmp(n->str, "Null") == 0 ||
         strcmp(n->str, "NULL") == 0;
}

/* Room for `more` (1 or 2) entries in kids, doubling; 0 or LG_ENOMEM with
 * the node unchanged. */
static int reserve(yt_node *n, size_t more) {
  size_t nc;
  yt_node **k;
  if (n->cap - n->nk >= more)
    return 0;
  nc = n->cap ? n->cap * 2 : 4;
  k = realloc(n->kids, nc * sizeof *k);
  if (!k)
    return LG_ENOMEM;
  n->kids = k;
  n->cap = nc;
  return 0;
}

/* Append one entry to kids and keep n (items, or complete pairs) in step. */
static int push_kid(yt_node *parent, yt_node *kid) {
  if (reserve(parent, 1))
    return LG_ENOMEM;
  parent->kids[parent->nk++] = kid;
  parent->n = parent->kind == YT_MAP ? parent->nk / 2 : parent->nk;
  return 0;
}

int lg__yt_map_add(yt_node *map, yt_node *key, yt_node *value) {
  /* Reserve both slots first so a failure leaves the map unchanged. */
  if (reserve(map, 2))
    return LG_ENOMEM;
  push_kid(map, key);
  push_kid(map, value);
  return 0;
}

yt_node *lg__yt_map_get(const yt_node *map, const char *key) {
  size_t i;
  if (!map || map->kind != YT_MAP)
    return NULL;
  for (i = 0; i < map->n; i++) {
    const yt_node *k = map->kids[2 * i];
    if (k->kind == YT_SCALAR && strlen(k->str) == k->len &&
        strcmp(k->str, key) == 0)
      return map->kids[2 * i + 1];
  }
  return NULL;
}

/* The key path of the innermost open collection, for syntax errors
 * ("load.phases[0]"); empty when nothing is open. An open collection is
 * already attached to its parent, so for every frame but the innermost the
 * path goes through the parent's last entry; the innermost frame adds its
 * pending key (a map) or the index of the next item (a list). */
static void open_path(const builder *b, char *out, size_t cap) {
  size_t i, o = 0;
  out[0] = '\0';
  for (i = 0; i < b->depth && o < cap; i++) {
    const yt_node *c = b->stack[i];
    int inner = i + 1 == b->depth, w = 0;
    if (c->kind == YT_MAP && (inner ? c->nk % 2 == 1 : c->nk >= 2)) {
      const yt_node *k = c->kids[inner ? c->nk - 1 : (c->nk - 1) & ~(size_t)1];
      w = snprintf(out + o, cap - o, "%s%.*s", o ? "." : "", 64,
                   k->kind == YT_SCALAR ? k->str : "?");
    } else if (c->kind == YT_SEQ && (inner || c->n > 0)) {
      w = snprintf(out + o, cap - o, "[%zu]", inner ? c->n : c->n - 1);
    } else {
      break;
    }
    if (w < 0)
      break;
    o += (size_t)w;
  }
  if (o >= cap)
    out[cap - 1] = '\0';
}

/* Attach a finished node to the open collection (or make it the root). */
static int attach(builder *b, yt_node *n) {
  if (b->depth == 0) {
    /* refuse() stops at a second document: no earlier root to lose. */
    b->root = n;
    return 0; /* NOLINT(clang-analyzer-unix.Malloc) */
  }
  return push_kid(b->stack[b->depth - 1], n);
}

static void set_marks(yt_node *n, const yaml_event_t *ev) {
  n->line = (unsigned)ev->start_mark.line + 1;
  n->col = (unsigned)ev->start_mark.column + 1;
  n->end_line = (unsigned)ev->end_mark.line + 1;
  n->end_col = (unsigned)ev->end_mark.column + 1;
}

/* Walk one character of YAML source as libyaml counts it (CRLF, CR, LF, NEL,
 * LS, PS are line breaks; every other code point is one column). */
static void step(const unsigned char *s, size_t len, size_t *i, unsigned *line,
                 unsigned *col) {
  size_t k = *i, w = 1;
  if (s[k] == '\r' && k + 1 < len && s[k + 1] == '\n') {
    w = 2;
  } else if (s[k] == '\r' || s[k] == '\n') {
    w = 1;
  } else if (s[k] == 0xC2 && k + 1 < len && s[k + 1] == 0x85) {
    w = 2;
  } else if (s[k] == 0xE2 && k + 2 < len && s[k + 1] == 0x80 &&
             (s[k + 2] == 0xA8 || s[k + 2] == 0xA9)) {
    w = 3;
  } else {
    w = (s[k] & 0xE0) == 0xC0 ? 2 : (s[k] & 0xF0) == 0xE0 ? 3
        : (s[k] & 0xF8) == 0xF0 ? 4 : 1;
    *i = k + w > len ? len : k + w;
    (*col)++;
    return;
  }
  *i = k + w;
  (*line)++;
  *col = 1;
}

static size_t skip_bom(const unsigned char *s, size_t len) {
  return len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF ? 3 : 0;
}

static int utf16(const unsigned char *s, size_t len) {
  return len >= 2 && ((s[0] == 0xFE && s[1] == 0xFF) ||
                      (s[0] == 0xFF && s[1] == 0xFE));
}

/* Line and column of byte offset off (reader errors report offsets). */
static void pos_of_offset(const char *text, size_t len, size_t off,
                          unsigned *line, unsigned *col) {
  const unsigned char *s = (const unsigned char *)text;
  size_t i = skip_bom(s, len);
  *line = *col = 1;
  if (utf16(s, len))
    return;
  while (i < len && i < off)
    step(s, len, &i, line, col);
}

static int before(unsigned l1, unsigned c1, unsigned l2, unsigned c2) {
  return l1 < l2 || (l1 == l2 && c1 < c2);
}

void lg__yt_brace_pos(const char *text, size_t len, const yt_node *n,
                      size_t nth, unsigned *line, unsigned *col) {
  const unsigned char *s = (const unsigned char *)text;
  size_t i = skip_bom(s, len), seen = 0;
  unsigned l = 1, c = 1;
  *line = n->line;
  *col = n->col;
  if (n->origin || !text || utf16(s, len))
    return;
  while (i < len && before(l, c, n->line, n->col))
    step(s, len, &i, &l, &c);
  while (i < len && before(l, c, n->end_line, n->end_col)) {
    if (s[i] == '{' && i + 1 < len && s[i + 1] == '{') {
      if (seen++ == nth) {
        *line = l;
        *col = c;
        return;
      }
      step(s, len, &i, &l, &c);
    }
    step(s, len, &i, &l, &c);
  }
}

void lg__yt_offset_pos(const char *text, size_t len, const yt_node *n,
                       size_t off, unsigned *line, unsigned *col) {
  const unsigned char *s = (const unsigned char *)text;
  size_t i = skip_bom(s, len), end;
  unsigned l = 1, c = 1;
  *line = n->line;
  *col = n->col;
  if (n->origin || !text || utf16(s, len) || n->kind != YT_SCALAR ||
      off > n->len)
    return;
  while (i < len && before(l, c, n->line, n->col))
    step(s, len, &i, &l, &c);
  if (!n->plain && i < len && (s[i] == '"' || s[i] == '\'')) {
    i++;
    c++;
  }
  /* The source must spell the value byte for byte up to off: no escape,
   * no folded line break (those change bytes), else the node's start. */
  if (i + off > len || memcmp(s + i, n->str, off) != 0 ||
      memchr(s + i, '\n', off) || memchr(s + i, '\r', off))
    return;
  end = i + off;
  while (i < end)
    step(s, len, &i, &l, &c);
  *line = l;
  *col = c;
}

/* Fill err from a libyaml parser failure. */
static int syntax_error(builder *b, yaml_parser_t *p,
                        const char *text, size_t len) {
  char path[256], ctx[160] = "";
  unsigned line = (unsigned)p->problem_mark.line + 1;
  unsigned col = (unsigned)p->problem_mark.column + 1;
  if (p->error == YAML_MEMORY_ERROR)
    return lg_error_set(b->err, LG_ENOMEM, "%s: out of memory", b->name);
  if (p->error == YAML_READER_ERROR)
    pos_of_offset(text, len, p->problem_offset, &line, &col);
  open_path(b, path, sizeof path);
  if (p->context && !b->origin)
    snprintf(ctx, sizeof ctx, " (%s at line %u)", p->context,
             (unsigned)p->context_mark.line + 1);
  else if (p->context)
    snprintf(ctx, sizeof ctx, " (%s)", p->context);
  if (b->origin)
    return lg_error_set(b->err, LG_EINPUT, "%s: YAML syntax error: %s%s",
                        b->origin, p->problem ? p->problem : "invalid", ctx);
  return lg_error_set(b->err, LG_EINPUT, "%s:%u:%u: %s%sYAML syntax error: %s%s",
                      b->name, line, col, path, path[0] ? ": " : "",
                      p->problem ? p->problem : "invalid", ctx);
}

/* Refuse what the scenario format does not use; 0 when ev is acceptable. */
static int refuse(builder *b, const yaml_event_t *ev) {
  const char *anchor = NULL, *tag = NULL, *what = NULL;
  char path[256];
  switch (ev->type) {
  case YAML_ALIAS_EVENT:
    what = "aliases (*name) are not supported: write the value out";
    break;
  case YAML_SCALAR_EVENT:
    anchor = (const char *)ev->data.scalar.anchor;
    tag = (const char *)ev->data.scalar.tag;
    break;
  case YAML_SEQUENCE_START_EVENT:
    anchor = (const char *)ev->data.sequence_start.anchor;
    tag = (const char *)ev->data.sequence_start.tag;
    break;
  case YAML_MAPPING_START_EVENT:
    anchor = (const char *)ev->data.mapping_start.anchor;
    tag = (const char *)ev->data.mapping_start.tag;
    break;
  default:
    break;
  }
  if (anchor)
    what = "anchors (&name) are not supported: write the value out";
  else if (tag)
    what = "tags (!tag) are not supported: write a plain value";
  if (!what)
    return 0;
  open_path(b, path, sizeof path);
  if (b->origin)
    return lg_error_set(b->err, LG_EINPUT, "%s: %s", b->origin, what);
  return lg_error_set(b->err, LG_EINPUT, "%s:%u:%u: %s%s%s", b->name,
                      (unsigned)ev->start_mark.line + 1,
                      (unsigned)ev->start_mark.column + 1, path,
                      path[0] ? ": " : "", what);
}

/* A map key must be a scalar: complex keys ("? [a, b]") are refused. */
static int bad_key(builder *b, const yaml_event_t *ev) {
  const yt_node *top;
  char path[256];
  if (b->depth == 0)
    return 0;
  top = b->stack[b->depth - 1];
  if (top->kind != YT_MAP || top->nk % 2 == 1)
    return 0;
  open_path(b, path, sizeof path);
  if (b->origin)
    return lg_error_set(b->err, LG_EINPUT, "%s: a map key must be a plain value",
                        b->origin);
  return lg_error_set(b->err, LG_EINPUT,
                      "%s:%u:%u: %s%sa map key must be a plain value, not a "
                      "list or map",
                      b->name, (unsigned)ev->start_mark.line + 1,
                      (unsigned)ev->start_mark.column + 1, path,
                      path[0] ? ": " : "");
}

int lg__yt_parse(const char *name, const char *origin, const char *text,
                 size_t len, yt_node **root, size_t *nodes, lg_error *err) {
  yaml_parser_t p;
  yaml_event_t ev;
  builder b;
  int rc = 0, done = 0, docs = 0, have_ev = 0;
  yt_node *n = NULL;

  *root = NULL;
  memset(&b, 0, sizeof b);
  b.name = name;
  b.origin = origin;
  b.nodes = nodes;
  b.err = err;
  if (len > YT_MAX_INPUT)
    return lg_error_set(err, LG_EINPUT, "%s: larger than %d bytes",
                        origin ? origin : name, YT_MAX_INPUT);
  if (!yaml_parser_initialize(&p))
    return lg_error_set(err, LG_ENOMEM, "%s: out of memory", name);
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);

  while (!done) {
    if (!yaml_parser_parse(&p, &ev)) {
      rc = syntax_error(&b, &p, text, len);
      goto cleanup;
    }
    have_ev = 1;
    if ((rc = refuse(&b, &ev)))
      goto cleanup;
    switch (ev.type) {
    case YAML_STREAM_END_EVENT:
      done = 1;
      break;
    case YAML_DOCUMENT_START_EVENT:
      if (++docs > 1) {
        rc = origin ? lg_error_set(err, LG_EINPUT,
                                   "%s: only one YAML document is allowed",
                                   origin)
                    : lg_error_set(err, LG_EINPUT,
                                   "%s:%u:%u: only one YAML document is "
                                   "allowed per scenario file",
                                   name, (unsigned)ev.start_mark.line + 1,
                                   (unsigned)ev.start_mark.column + 1);
        goto cleanup;
      }
      break;
    case YAML_SCALAR_EVENT:
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
      if (ev.type != YAML_SCALAR_EVENT && (rc = bad_key(&b, &ev)))
        goto cleanup;
      if (++*nodes > YT_MAX_NODES) {
        rc = lg_error_set(err, LG_EINPUT, "%s: more than %d YAML nodes",
                          origin ? origin : name, YT_MAX_NODES);
        goto cleanup;
      }
      n = node_new(ev.type == YAML_SCALAR_EVENT ? YT_SCALAR
                   : ev.type == YAML_SEQUENCE_START_EVENT ? YT_SEQ
                                                          : YT_MAP,
                   origin);
      if (!n)
        goto nomem;
      set_marks(n, &ev);
      if (ev.type == YAML_SCALAR_EVENT) {
        n->len = ev.data.scalar.length;
        n->str = malloc(n->len + 1);
        if (!n->str)
          goto nomem;
        memcpy(n->str, ev.data.scalar.value, n->len);
        n->str[n->len] = '\0';
        n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
      } else if (b.depth == YT_MAX_DEPTH) {
        rc = origin ? lg_error_set(err, LG_EINPUT,
                                   "%s: nested deeper than %d levels", origin,
                                   YT_MAX_DEPTH)
                    : lg_error_set(err, LG_EINPUT,
                                   "%s:%u:%u: nested deeper than %d levels",
                                   name, n->line, n->col, YT_MAX_DEPTH);
        goto cleanup;
      }
      if (attach(&b, n))
        goto nomem;
      if (n->kind != YT_SCALAR)
        b.stack[b.depth++] = n;
      n = NULL;
      break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
      if (b.depth > 0) {
        yt_node *c = b.stack[--b.depth];
        c->end_line = (unsigned)ev.end_mark.line + 1;
        c->end_col = (unsigned)ev.end_mark.column + 1;
      }
      break;
    default:
      break;
    }
    yaml_event_delete(&ev);
    have_ev = 0;
  }
  *root = b.root;
  b.root = NULL;
  goto cleanup;
nomem:
  rc = lg_error_set(err, LG_ENOMEM, "%s: out of memory", name);
cleanup:
  if (have_ev)
    yaml_event_delete(&ev);
  lg__yt_free(n);
  lg__yt_free(b.root); /* on failure: the partial tree hangs below the root */
  yaml_parser_delete(&p);
  return rc;
}
