/* scenario/ytree.h - a small YAML tree built from libyaml's event API, with
 * the source position of every node (internal to the scenario module).
 *
 * Why events and not yaml_document_t: the event stream shows anchors,
 * aliases and tags, which the scenario format refuses (an alias would let a
 * 1 KiB file expand into gigabytes), and it lets us cap depth and node count
 * while building instead of after.
 *
 * Limits: YT_MAX_DEPTH nested collections, YT_MAX_NODES nodes, one document.
 * Ownership: lg__yt_parse allocates the tree; lg__yt_free frees it. A node's
 * origin is borrowed (the --set label it came from, NULL for the file) and must
 * outlive the tree. On failure nothing is left allocated.
 */
#ifndef LG_SCENARIO_YTREE_H
#define LG_SCENARIO_YTREE_H

#include <leakgate/error.h>
#include <stdbool.h>
#include <stddef.h>

#define YT_MAX_DEPTH 48
#define YT_MAX_NODES 50000
#define YT_MAX_INPUT (1024 * 1024) /* bytes of YAML text we accept */

typedef enum { YT_SCALAR, YT_SEQ, YT_MAP } yt_kind;

typedef struct yt_node yt_node;
struct yt_node {
  yt_kind kind;
  bool plain;                /* scalar: unquoted plain style */
  unsigned line, col;        /* 1-based start of the node */
  unsigned end_line, end_col; /* 1-based end (exclusive) */
  const char *origin;        /* NULL: the file; else "--set KEY" (borrowed) */
  char *str;                 /* scalar bytes, NUL-terminated */
  size_t len;                /* scalar length (may hold NUL bytes) */
  yt_node **kids; /* seq: items; map: key at 2*i, value at 2*i+1 */
  size_t n;       /* seq: items; map: complete pairs */
  size_t nk;      /* entries in kids (a map being built may hold a key more) */
  size_t cap;     /* allocated slots in kids */
};

/* Parse text into *root (NULL for an empty stream). name and origin are used
 * in messages: "name:L:C: problem" for the file, "origin: problem" for an
 * override. *nodes counts allocations across calls so overrides share the
 * cap. Returns 0 or LG_EINPUT/LG_ENOMEM with err filled. */
int lg__yt_parse(const char *name, const char *origin, const char *text,
                 size_t len, yt_node **root, size_t *nodes, lg_error *err);

/* Free a tree (NULL is fine). */
void lg__yt_free(yt_node *n);

/* A new empty map or a null scalar stamped with origin (for --set). */
yt_node *lg__yt_new_map(const char *origin);
yt_node *lg__yt_new_null(const char *origin);

/* Append key/value to a map node (takes ownership on success). */
int lg__yt_map_add(yt_node *map, yt_node *key, yt_node *value);

/* Make a scalar node holding a copy of s (for --set keys). */
yt_node *lg__yt_new_scalar(const char *s, const char *origin);

/* 1 when n is a null scalar: plain "", "~", "null", "Null", "NULL". */
int lg__yt_is_null(const yt_node *n);

/* Map lookup by key (first match), NULL when absent. */
yt_node *lg__yt_map_get(const yt_node *map, const char *key);

/* Position of the nth (0-based) non-overlapping "{{" inside scalar n in the
 * source text (the same text given to lg__yt_parse). Falls back to the node's
 * own start when the source cannot be mapped (escapes, UTF-16 input). */
void lg__yt_brace_pos(const char *text, size_t len, const yt_node *n,
                      size_t nth, unsigned *line, unsigned *col);

/* Position of byte offset off of scalar n's value in the source text, when
 * the source spells the value byte for byte up to there (plain or quoted,
 * no escape or folded line before it); else the node's own start. */
void lg__yt_offset_pos(const char *text, size_t len, const yt_node *n,
                       size_t off, unsigned *line, unsigned *col);

#endif
