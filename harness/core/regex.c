/* core/regex.c - bounded-cost POSIX ERE matching on PCRE2 (see
 * core/regex.h). Owns the compiled code, its match data and contexts. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/regex.h"

#include <pcre2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per subject line: backtracking steps and heap (KiB) before giving up.
 * A readiness line is short; a million steps is a few milliseconds. */
#define LG_REGEX_MATCH_LIMIT 1000000u
#define LG_REGEX_HEAP_KIB 8192u

struct lg_regex {
  pcre2_code *code;
  pcre2_match_data *md;
  pcre2_match_context *mctx;
};

static void pcre_msg(int code, const char *what, char *msg, size_t cap) {
  PCRE2_UCHAR text[160];
  if (pcre2_get_error_message(code, text, sizeof text) < 0)
    snprintf((char *)text, sizeof text, "error %d", code);
  snprintf(msg, cap, "%s%s", what, (const char *)text);
}

/* ---- POSIX ERE (as glibc reads it) to PCRE2 ------------------------------
 *
 * One pass, output at most 40 bytes per input byte. The meaning kept is
 * glibc's REG_EXTENDED (in the C locale), which readiness patterns were
 * written against:
 *   - GNU escapes: \w \W \s \S as POSIX classes, \b \B, \< \> as word
 *     starts and ends, \` \' as the subject's ends; \1-\9 back-references;
 *     any other escaped letter or digit is that letter ("\d" is "d"), an
 *     escaped punctuation mark is literal;
 *   - in a bracket expression a backslash is itself;
 *   - {m}, {m,}, {m,n} and glibc's {,n} (= {0,n}), counts up to 32767;
 *     anything else after '{' is an error, as in glibc;
 *   - a repetition right after another one repeats it ("a**" is (a*)*),
 *     never PCRE's lazy or possessive forms;
 *   - a repetition with nothing to repeat (at the start, after '(', '|',
 *     '^' or '$') is an error, so PCRE's "(?" and "(*" never appear;
 *   - an unmatched ')' is a literal.
 * '.' matches any byte and '$' only the end (lines have no newline). */

#define RX_EXPAND 40 /* bound on output bytes per input byte ("\<": 18 for 2) */
#define RX_DUP_MAX 32767

typedef struct rx_out {
  char *b;
  size_t n;
  size_t atom;        /* output offset where the last atom starts */
  bool can_repeat;    /* an atom was just written */
  bool after_repeat;  /* ... and it is already repeated */
  size_t open[LG_REGEX_MAX_LEN]; /* output offsets of open '(' */
  size_t depth;
} rx_out;

static void put(rx_out *o, const char *s) {
  size_t k = strlen(s);
  memcpy(o->b + o->n, s, k);
  o->n += k;
}

/* Start an atom: what follows may be repeated. */
static void atom(rx_out *o, const char *s) {
  o->atom = o->n;
  put(o, s);
  o->can_repeat = true;
  o->after_repeat = false;
}

/* Not an atom: '|', '(', '^', '$' leave nothing to repeat. */
static void op(rx_out *o, const char *s) {
  put(o, s);
  o->can_repeat = o->after_repeat = false;
}

/* Write the repetition q; a repetition of a repetition groups the first. */
static int repeat(rx_out *o, const char *q, char *msg, size_t cap) {
  if (!o->can_repeat) {
    snprintf(msg, cap, "'%s' has nothing to repeat", q);
    return -1;
  }
  if (o->after_repeat) {
    memmove(o->b + o->atom + 3, o->b + o->atom, o->n - o->atom);
    memcpy(o->b + o->atom, "(?:", 3);
    o->n += 3;
    put(o, ")");
  }
  put(o, q);
  o->after_repeat = true;
  return 0;
}

/* A bracket expression from p (at '['): copied with backslashes made
 * literal; returns the byte after its ']', or NULL if it has none. */
static const char *bracket(rx_out *o, const char *p) {
  const char *q = p + 1;
  o->atom = o->n;
  put(o, "[");
  if (*q == '^')
    put(o, "^"), q++;
  if (*q == ']')
    put(o, "]"), q++;
  for (; *q && *q != ']'; q++) {
    if (*q == '[' && (q[1] == ':' || q[1] == '=' || q[1] == '.')) {
      /* [:class:], [=x=], [.x.]: copied to the matching close */
      char close[3] = {q[1], ']', '\0'};
      const char *e = strstr(q + 2, close);
      if (!e)
        return NULL;
      memcpy(o->b + o->n, q, (size_t)(e + 2 - q));
      o->n += (size_t)(e + 2 - q);
      q = e + 1;
    } else if (*q == '\\') {
      put(o, "\\\\");
    } else {
      o->b[o->n++] = *q;
    }
  }
  if (!*q)
    return NULL;
  put(o, "]");
  o->can_repeat = true;
  o->after_repeat = false;
  return q + 1;
}

/* An interval from p (at '{'): returns the byte after '}' or NULL. */
static const char *interval(rx_out *o, const char *p, char *msg, size_t cap) {
  long m = -1, n = -1, *cur = &m;
  bool comma = false;
  char q[32];
  for (p++; *p != '}'; p++) {
    if (*p >= '0' && *p <= '9') {
      *cur = (*cur < 0 ? 0 : *cur) * 10 + (*p - '0');
      if (*cur > RX_DUP_MAX) {
        snprintf(msg, cap, "a repetition count above %d", RX_DUP_MAX);
        return NULL;
      }
    } else if (*p == ',' && !comma) {
      comma = true;
      cur = &n;
    } else {
      snprintf(msg, cap, "'{' starts a repetition count like {2} or {1,3} "
               "(write \\{ for a brace)");
      return NULL;
    }
  }
  if ((m < 0 && n < 0 && !comma) || (n >= 0 && m > n)) {
    snprintf(msg, cap, "invalid repetition count");
    return NULL;
  }
  if (!comma)
    snprintf(q, sizeof q, "{%ld}", m);
  else if (n < 0)
    snprintf(q, sizeof q, "{%ld,}", m < 0 ? 0 : m); /* glibc: {,} is {0,} */
  else
    snprintf(q, sizeof q, "{%ld,%ld}", m < 0 ? 0 : m, n);
  return repeat(o, q, msg, cap) ? NULL : p + 1;
}

/* A backslash escape at p (p[0] == '\\'); returns the byte after it. */
static const char *escape(rx_out *o, const char *p, char *msg, size_t cap) {
  char c = p[1], lit[3] = {'\\', c, '\0'};
  switch (c) {
  case '\0':
    snprintf(msg, cap, "a trailing backslash escapes nothing");
    return NULL;
  case 'w': atom(o, "[[:alnum:]_]"); break;
  case 'W': atom(o, "[^[:alnum:]_]"); break;
  case 's': atom(o, "[[:space:]]"); break;
  case 'S': atom(o, "[^[:space:]]"); break;
  case 'b': op(o, "\\b"); break;
  case 'B': op(o, "\\B"); break;
  case '<': op(o, "\\b(?=[[:alnum:]_])"); break;
  case '>': op(o, "\\b(?<=[[:alnum:]_])"); break;
  case '`': op(o, "\\A"); break;
  case '\'': op(o, "\\z"); break;
  default:
    if (c >= '1' && c <= '9') {
      /* a back-reference; \g{N} so that a digit after it stays a digit
       * (PCRE reads "\12" as reference 12 or an octal escape) */
      char ref[8] = {'\\', 'g', '{', c, '}', '\0'};
      atom(o, ref);
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               (c >= '0' && c <= '9') || (unsigned char)c >= 0x80) {
      lit[0] = c, lit[1] = '\0'; /* glibc: an escaped letter is itself */
      atom(o, lit);
    } else {
      atom(o, lit); /* escaped punctuation: literal in PCRE too */
    }
  }
  return p + 2;
}

/* Translate pattern into o->b; 0 or -1 with msg filled. */
static int translate(const char *p, rx_out *o, char *msg, size_t cap) {
  char one[2] = {0, 0};
  while (*p) {
    switch (*p) {
    case '\\':
      p = escape(o, p, msg, cap);
      break;
    case '[':
      if (!(p = bracket(o, p)))
        snprintf(msg, cap, "a '[' without its ']'");
      break;
    case '{':
      p = interval(o, p, msg, cap);
      break;
    case '*': case '+': case '?':
      one[0] = *p;
      p = repeat(o, one, msg, cap) ? NULL : p + 1;
      break;
    case '(':
      o->open[o->depth++] = o->n;
      op(o, "(");
      p++;
      break;
    case ')':
      if (o->depth == 0) { /* glibc: an unmatched ')' is a literal */
        atom(o, "\\)");
      } else {
        put(o, ")");
        o->atom = o->open[--o->depth];
        o->can_repeat = true;
        o->after_repeat = false;
      }
      p++;
      break;
    case '|': case '^': case '$':
      one[0] = *p++;
      op(o, one);
      break;
    default:
      one[0] = *p++;
      atom(o, one);
      break;
    }
    if (!p)
      return -1;
  }
  return 0;
}

int lg__regex_compile(const char *pattern, lg_regex **out, char *msg,
                      size_t msg_cap) {
  PCRE2_SIZE off = 0, len = strlen(pattern);
  pcre2_compile_context *cctx = NULL;
  rx_out *o = NULL;
  lg_regex *re = NULL;
  int rc = -1, ec;

  *out = NULL;
  if (len > LG_REGEX_MAX_LEN) {
    snprintf(msg, msg_cap, "the regex is longer than %d bytes",
             LG_REGEX_MAX_LEN);
    goto cleanup;
  }
  if (!(o = calloc(1, sizeof *o)) ||
      !(o->b = malloc(len * RX_EXPAND + 1)) ||
      !(re = calloc(1, sizeof *re)) ||
      !(cctx = pcre2_compile_context_create(NULL)) ||
      !(re->mctx = pcre2_match_context_create(NULL))) {
    snprintf(msg, msg_cap, "out of memory");
    goto cleanup;
  }
  if (translate(pattern, o, msg, msg_cap))
    goto cleanup;
  pcre2_set_max_pattern_length(cctx, len * RX_EXPAND + 1);
  re->code = pcre2_compile((PCRE2_SPTR)o->b, o->n,
                           PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY, &ec, &off,
                           cctx);
  if (!re->code && ec == PCRE2_ERROR_PATTERN_TOO_LARGE) {
    snprintf(msg, msg_cap, "too complex: its repetitions expand past the "
             "compiled-size limit");
    goto cleanup;
  }
  if (!re->code) {
    pcre_msg(ec, "", msg, msg_cap);
    goto cleanup;
  }
  if (!(re->md = pcre2_match_data_create(1, NULL))) {
    snprintf(msg, msg_cap, "out of memory");
    goto cleanup;
  }
  pcre2_set_match_limit(re->mctx, LG_REGEX_MATCH_LIMIT);
  pcre2_set_heap_limit(re->mctx, LG_REGEX_HEAP_KIB);
  *out = re;
  re = NULL;
  rc = 0;
cleanup:
  lg__regex_free(re);
  pcre2_compile_context_free(cctx);
  if (o)
    free(o->b);
  free(o);
  return rc;
}

bool lg__regex_match(lg_regex *re, const char *s, size_t len) {
  return pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, 0, re->md, re->mctx) >= 0;
}

void lg__regex_free(lg_regex *re) {
  if (!re)
    return;
  pcre2_match_data_free(re->md);
  pcre2_match_context_free(re->mctx);
  pcre2_code_free(re->code);
  free(re);
}
