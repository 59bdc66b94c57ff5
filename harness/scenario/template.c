/* scenario/template.c - compile and render {{...}} templates
 * (see leakgate/template.h). A compiled template is one allocation: a header
 * followed by its segments and a copy of the literal bytes. Rendering costs
 * O(length) and never allocates. */
#include <leakgate/template.h>

#include "core/num.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum seg_kind { SEG_LIT, SEG_PORT, SEG_SEQ, SEG_SEQ_MOD, SEG_RAND };

typedef struct seg {
  enum seg_kind kind;
  size_t off, len; /* literal: range in lit */
  uint64_t n;      /* modulus or rand bound */
} seg;

struct lg_template {
  size_t nseg;
  size_t max_len;
  int dynamic, has_vars;
  char *lit;
  seg segs[];
};

static const char *skip_ws(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  return p;
}

static int match_word(const char **pp, const char *end, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(end - *pp) >= n && memcmp(*pp, word, n) == 0 &&
      ((size_t)(end - *pp) == n || !isalnum((unsigned char)(*pp)[n]))) {
    *pp += n;
    return 1;
  }
  return 0;
}

static int parse_uint(const char **pp, const char *end, uint64_t *v) {
  const char *p = *pp;
  uint64_t x = 0;
  if (p >= end || !isdigit((unsigned char)*p))
    return -1;
  while (p < end && isdigit((unsigned char)*p)) {
    if (x > (UINT64_MAX - 9) / 10)
      return -1;
    x = x * 10 + (uint64_t)(*p - '0');
    p++;
  }
  *pp = p;
  *v = x;
  return 0;
}

/* Parse the inside of one {{ }} (from p to end) into s. */
static int parse_var(const char *p, const char *end, seg *s) {
  p = skip_ws(p, end);
  if (match_word(&p, end, "port")) {
    s->kind = SEG_PORT;
  } else if (match_word(&p, end, "seq")) {
    s->kind = SEG_SEQ;
    p = skip_ws(p, end);
    if (p < end && *p == '%') {
      p = skip_ws(p + 1, end);
      if (parse_uint(&p, end, &s->n) || s->n == 0)
        return -1;
      s->kind = SEG_SEQ_MOD;
    }
  } else if (match_word(&p, end, "rand")) {
    p = skip_ws(p, end);
    if (parse_uint(&p, end, &s->n) || s->n == 0)
      return -1;
    s->kind = SEG_RAND;
  } else {
    return -1;
  }
  p = skip_ws(p, end);
  return p == end ? 0 : -1;
}

int lg_template_compile(const char *text, size_t len, lg_template **out,
                        size_t *err_offset, lg_error *err) {
  size_t maxseg = 1, i, nseg = 0, litlen = 0;
  lg_template *t;
  const char *p = text, *end = text + len;

  *out = NULL;
  for (i = 0; i + 1 < len; i++)
    if (text[i] == '{' && text[i + 1] == '{')
      maxseg += 2;
  t = calloc(1, sizeof *t + maxseg * sizeof(seg) + len + 1);
  if (!t)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  t->lit = (char *)(t->segs + maxseg);

  while (p < end) {
    const char *open = NULL, *close, *q;
    for (q = p; q + 1 < end; q++)
      if (q[0] == '{' && q[1] == '{') {
        open = q;
        break;
      }
    if (!open) {
      open = end;
    }
    if (open > p) {
      seg *s = &t->segs[nseg++];
      s->kind = SEG_LIT;
      s->off = litlen;
      s->len = (size_t)(open - p);
      memcpy(t->lit + litlen, p, s->len);
      litlen += s->len;
      t->max_len += s->len;
    }
    if (open == end)
      break;
    close = NULL;
    for (q = open + 2; q + 1 < end; q++)
      if (q[0] == '}' && q[1] == '}') {
        close = q;
        break;
      }
    if (!close) {
      if (err_offset)
        *err_offset = (size_t)(open - text);
      lg_error_set(err, LG_EINPUT, "template '{{' at offset %zu is not closed by '}}'",
                   (size_t)(open - text));
      goto fail;
    }
    if (parse_var(open + 2, close, &t->segs[nseg])) {
      if (err_offset)
        *err_offset = (size_t)(open - text);
      lg_error_set(err, LG_EINPUT,
                   "unknown template '%.*s' (use {{port}}, {{seq}}, {{seq %% N}} "
                   "or {{rand N}})",
                   (int)(close + 2 - open), open);
      goto fail;
    }
    t->has_vars = 1;
    if (t->segs[nseg].kind != SEG_PORT)
      t->dynamic = 1;
    t->max_len += LG_U64_DIGITS;
    nseg++;
    p = close + 2;
  }
  t->nseg = nseg;
  *out = t;
  return 0;
fail:
  free(t);
  return LG_EINPUT;
}

void lg_template_free(lg_template *t) { free(t); }

uint64_t lg_xorshift64(uint64_t *state) {
  uint64_t x = *state ? *state : 0x9E3779B97F4A7C15ull;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  *state = x;
  return x;
}

long lg_template_render(const lg_template *t, const lg_template_vars *vars,
                        char *out, size_t cap) {
  size_t i, o = 0;
  char num[LG_U64_DIGITS];
  for (i = 0; i < t->nseg; i++) {
    const seg *s = &t->segs[i];
    const char *src = num;
    size_t n;
    uint64_t v = 0;
    switch (s->kind) {
    case SEG_LIT:
      src = t->lit + s->off;
      n = s->len;
      break;
    case SEG_PORT:
      v = vars ? vars->port : 0;
      n = lg__put_u64(num, v);
      break;
    case SEG_SEQ:
      v = vars ? vars->seq : 0;
      n = lg__put_u64(num, v);
      break;
    case SEG_SEQ_MOD:
      v = (vars ? vars->seq : 0) % s->n;
      n = lg__put_u64(num, v);
      break;
    case SEG_RAND:
    default:
      v = (vars && vars->rng) ? lg_xorshift64(vars->rng) % s->n : 0;
      n = lg__put_u64(num, v);
      break;
    }
    if (n > cap - o)
      return LG_ELIMIT;
    memcpy(out + o, src, n);
    o += n;
  }
  return (long)o;
}

size_t lg_template_max_len(const lg_template *t) { return t->max_len; }

int lg_template_is_static(const lg_template *t) { return !t->has_vars; }

int lg_template_is_dynamic(const lg_template *t) { return t->dynamic; }

int lg_template_expand(const char *text, unsigned port, char **out,
                       lg_error *err) {
  lg_template *t = NULL;
  lg_template_vars vars = {port, 0, NULL};
  uint64_t rng = 1;
  char *buf = NULL;
  long n;
  int rc;

  *out = NULL;
  vars.rng = &rng;
  rc = lg_template_compile(text, strlen(text), &t, NULL, err);
  if (rc)
    return rc;
  buf = malloc(lg_template_max_len(t) + 1);
  if (!buf) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  n = lg_template_render(t, &vars, buf, lg_template_max_len(t));
  if (n < 0) {
    rc = lg_error_set(err, LG_ELIMIT, "template too long");
    goto cleanup;
  }
  buf[n] = '\0';
  *out = buf;
  buf = NULL;
cleanup:
  free(buf);
  lg_template_free(t);
  return rc;
}
