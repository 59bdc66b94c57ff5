/* scenario/sc_msg.c - messages of the scenario loader: the one formatter
 * behind every error and warning ("file:L:C: key.path: problem", or
 * "--set KEY: problem" for an override), and the key checker of a map
 * (unknown keys with a "did you mean", duplicates).
 *
 * Messages are one printable line: control bytes are escaped. Nothing here
 * allocates except warning strings (owned by the scenario).
 */
#include "scenario/sc_internal.h"
#include <leakgate/suggest.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lg__sc_escape(char *dst, size_t cap, const char *src) {
  size_t o = 0;
  for (; *src && o + 5 < cap; src++) {
    unsigned char ch = (unsigned char)*src;
    if (ch == '\n' || ch == '\r' || ch == '\t') {
      dst[o++] = '\\';
      dst[o++] = ch == '\n' ? 'n' : ch == '\r' ? 'r' : 't';
    } else if (ch < 0x20 || ch == 0x7f) {
      o += (size_t)snprintf(dst + o, cap - o, "\\x%02x", ch);
    } else {
      dst[o++] = (char)ch;
    }
  }
  dst[o] = '\0';
}

/* 1 when origin is "--set KEY" and KEY names path (KEY may write list
 * indexes as ".N" where path writes "[N]"). */
static int origin_is_path(const char *origin, const char *path) {
  const char *k;
  char norm[SC_PATH_MAX];
  size_t o = 0;
  if (strncmp(origin, "--set ", 6) != 0)
    return 0;
  for (k = origin + 6; *k && o + 2 < sizeof norm; k++) {
    if (*k == '.' && isdigit((unsigned char)k[1])) {
      const char *d = k + 1;
      while (isdigit((unsigned char)*d))
        d++;
      if (*d == '.' || *d == '\0') {
        int w = snprintf(norm + o, sizeof norm - o, "[%.*s]", (int)(d - k - 1),
                         k + 1);
        if (w < 0 || (size_t)w >= sizeof norm - o)
          return 0;
        o += (size_t)w;
        k = d - 1;
        continue;
      }
    }
    norm[o++] = *k;
  }
  norm[o] = '\0';
  return strcmp(norm, path) == 0;
}

static void vformat(char *out, size_t cap, sc_ctx *c, const yt_node *at,
                    unsigned line, unsigned col, const char *path,
                    const char *fmt, va_list ap) {
  char msg[LG_ERROR_MSG_MAX], raw[3 * LG_ERROR_MSG_MAX];
  vsnprintf(msg, sizeof msg, fmt, ap);
  if (at && at->origin) {
    if (!path[0] || origin_is_path(at->origin, path))
      snprintf(raw, sizeof raw, "%s: %s", at->origin, msg);
    else
      snprintf(raw, sizeof raw, "%s: %s: %s", at->origin, path, msg);
  } else if (path[0]) {
    snprintf(raw, sizeof raw, "%s:%u:%u: %s: %s", c->file, line, col, path,
             msg);
  } else {
    snprintf(raw, sizeof raw, "%s:%u:%u: %s", c->file, line, col, msg);
  }
  lg__sc_escape(out, cap, raw);
}

int lg__sc_fail(sc_ctx *c, const yt_node *at, const char *path, const char *fmt,
                ...) {
  va_list ap;
  if (!c->err)
    return LG_EINPUT;
  va_start(ap, fmt);
  vformat(c->err->msg, sizeof c->err->msg, c, at, at ? at->line : 1,
          at ? at->col : 1, path, fmt, ap);
  va_end(ap);
  c->err->code = LG_EINPUT;
  return LG_EINPUT;
}

int lg__sc_fail_at(sc_ctx *c, const yt_node *at, unsigned line, unsigned col,
                   const char *path, const char *fmt, ...) {
  va_list ap;
  if (!c->err)
    return LG_EINPUT;
  va_start(ap, fmt);
  vformat(c->err->msg, sizeof c->err->msg, c, at, line, col, path, fmt, ap);
  va_end(ap);
  c->err->code = LG_EINPUT;
  return LG_EINPUT;
}

int lg__sc_warn(sc_ctx *c, const yt_node *at, const char *path, const char *fmt,
                ...) {
  lg_scenario *sc = c->sc;
  char buf[LG_ERROR_MSG_MAX];
  char **w;
  va_list ap;
  if (sc->n_warnings >= SC_MAX_WARNINGS)
    return 0;
  va_start(ap, fmt);
  vformat(buf, sizeof buf, c, at, at ? at->line : 1, at ? at->col : 1, path,
          fmt, ap);
  va_end(ap);
  w = realloc(sc->warnings, (sc->n_warnings + 1) * sizeof *w);
  if (!w)
    return lg_error_set(c->err, LG_ENOMEM, "out of memory");
  sc->warnings = w;
  if (!(w[sc->n_warnings] = strdup(buf)))
    return lg_error_set(c->err, LG_ENOMEM, "out of memory");
  sc->n_warnings++;
  return 0;
}

void lg__sc_path(char *out, const char *parent, const char *key) {
  snprintf(out, SC_PATH_MAX, "%s%s%.*s", parent, parent[0] ? "." : "", 80,
           key);
}

void lg__sc_path_index(char *out, const char *parent, size_t i) {
  snprintf(out, SC_PATH_MAX, "%s[%zu]", parent, i);
}

int lg__sc_set(const yt_node *v) {
  return v && !lg__yt_is_null(v);
}

const char *lg__sc_kind(const yt_node *v) {
  return v->kind == YT_MAP ? "a map" : v->kind == YT_SEQ ? "a list"
                                                         : "a single value";
}

void lg__sc_join(char *out, size_t cap, const char *const *names, size_t n) {
  size_t i, o = 0;
  out[0] = '\0';
  for (i = 0; i < n && o < cap; i++) {
    int w = snprintf(out + o, cap - o, "%s%s", i ? ", " : "", names[i]);
    if (w < 0)
      break;
    o += (size_t)w;
  }
}

static int unknown_key(sc_ctx *c, const yt_node *key, const char *path,
                       const char *const *names, size_t n) {
  char kp[SC_PATH_MAX], list[512];
  const char *near = lg_suggest(key->str, key->len, names, n);
  lg__sc_path(kp, path, key->str);
  if (near)
    return lg__sc_fail(c, key, kp, "unknown key (did you mean '%s'?)", near);
  lg__sc_join(list, sizeof list, names, n);
  return lg__sc_fail(c, key, kp, "unknown key (expected one of: %s)", list);
}

int lg__sc_fields(sc_ctx *c, const yt_node *map, const char *path,
                  const char *const *names, size_t n, const yt_node **vals) {
  const yt_node *keys[32] = {NULL};
  size_t i, j;
  for (i = 0; i < n; i++)
    vals[i] = NULL;
  if (!lg__sc_set(map))
    return 0;
  if (map->kind != YT_MAP)
    return lg__sc_fail(c, map, path, "expected a map of keys, got %s",
                       lg__sc_kind(map));
  for (i = 0; i < map->n; i++) {
    const yt_node *k = map->kids[2 * i];
    for (j = 0; j < n && j < 32; j++)
      if (strlen(names[j]) == k->len && memcmp(names[j], k->str, k->len) == 0)
        break;
    if (j == n || j == 32)
      return unknown_key(c, k, path, names, n);
    if (keys[j]) {
      char kp[SC_PATH_MAX];
      lg__sc_path(kp, path, names[j]);
      return lg__sc_fail(c, k, kp, "duplicate key (first at line %u)",
                         keys[j]->line);
    }
    keys[j] = k;
    vals[j] = map->kids[2 * i + 1];
  }
  return 0;
}
