/* series/prom_json.c - the Prometheus HTTP API's query_range answer as
 * series to judge (contract in leakgate/series.h, rules in
 * docs/analysis.md "Prometheus inputs").
 *
 * A streaming JSON reader of its own instead of jansson: an answer can
 * hold millions of points, which jansson would hold as objects, and
 * jansson gives no position for a value that parses but is wrong (a
 * non-number in a value string); this one keeps line, column and the JSON
 * path of every token, so every error reads
 *   q.json:1:5234: data.result[2].values[17][1]: expected a number, got "x"
 * Memory: a 64 KiB read buffer, strings up to 64 KiB, the label set of the
 * series being read, its aggregator (series/aggregate.h), and finished
 * series (at most LG_SERIES_MAX_SERIES of at most LG_SERIES_MAX_POINTS
 * points). Points of a series whose labels come after its values (the API
 * writes "metric" first; others may not) wait in a bounded array.
 * Nesting deeper than 64 levels is refused.
 * Owns: the reader state, freed before returning; on failure nothing is
 * added to the list and err names the position.
 */
#include "series/prom_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JBUF 65536
#define JSTR_MAX 65536
#define JDEPTH 64

enum { JT_EOF = 0, JT_STR = 's', JT_NUM = 'n', JT_LIT = 'l', JT_ERR = -1 };

typedef struct jr {
  FILE *f;
  const pm_ctx *ctx;
  lg_series_list *out;
  lg_error *err;
  int rc;
  unsigned char buf[JBUF];
  size_t len, pos;
  bool eof;
  size_t line, col; /* of the next byte */
  int tok;
  size_t tline, tcol; /* of the token */
  char *s;
  size_t slen, scap;
  char path[512];
  size_t plen;
  /* the answer */
  char status[32], error_type[64], error_msg[256];
  bool have_t0;
  double t0;
  size_t series_seen;
  /* the series being read */
  pm_labels lb;
} jr;

static void fail(jr *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void fail(jr *j, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  if (j->rc)
    return;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  j->rc = lg_error_set(j->err, LG_EINPUT, "%s:%zu:%zu: %s%s%s", j->ctx->name,
                       j->tline, j->tcol, j->plen ? j->path : "",
                       j->plen ? ": " : "", msg);
}

static void path_push_key(jr *j, const char *k) {
  int n = snprintf(j->path + j->plen, sizeof j->path - j->plen, "%s%.60s",
                   j->plen ? "." : "", k);
  size_t i;
  if (n > 0 && j->plen + (size_t)n < sizeof j->path) {
    /* A key may hold any character once decoded ("a\nb"): the path goes
     * into one-line messages, so control characters become '?'. */
    for (i = j->plen; i < j->plen + (size_t)n; i++)
      if ((unsigned char)j->path[i] < 0x20 || j->path[i] == 0x7f)
        j->path[i] = '?';
    j->plen += (size_t)n;
  }
}

static void path_push_index(jr *j, size_t i) {
  int n = snprintf(j->path + j->plen, sizeof j->path - j->plen, "[%zu]", i);
  if (n > 0 && j->plen + (size_t)n < sizeof j->path)
    j->plen += (size_t)n;
}

static void path_pop(jr *j, size_t mark) {
  j->plen = mark;
  j->path[mark] = '\0';
}

/* Refill the buffer when it is used up; false at the end of the input. A
 * read error is recorded here, whichever of get and peek meets it first, so
 * it is reported as LG_EIO rather than as a truncated document. */
static bool fill(jr *j) {
  if (j->pos < j->len)
    return true;
  if (j->eof)
    return false;
  j->len = fread(j->buf, 1, sizeof j->buf, j->f);
  j->pos = 0;
  if (j->len == 0) {
    j->eof = true;
    if (ferror(j->f) && !j->rc)
      j->rc = lg_error_set(j->err, LG_EIO, "%s: read error", j->ctx->name);
    return false;
  }
  return true;
}

static int get(jr *j) {
  int c;
  if (!fill(j))
    return -1;
  c = j->buf[j->pos++];
  if (c == '\n') {
    j->line++;
    j->col = 1;
  } else {
    j->col++;
  }
  return c;
}

static int peek(jr *j) {
  return fill(j) ? j->buf[j->pos] : -1;
}

static bool sput(jr *j, char c) {
  if (j->slen + 1 >= j->scap) {
    size_t cap = j->scap ? 2 * j->scap : 256;
    char *s;
    if (cap > JSTR_MAX + 8) {
      fail(j, "string longer than %d bytes", JSTR_MAX);
      return false;
    }
    s = realloc(j->s, cap);
    if (!s) {
      j->rc = lg_error_set(j->err, LG_ENOMEM, "out of memory");
      return false;
    }
    j->s = s;
    j->scap = cap;
  }
  j->s[j->slen++] = c;
  j->s[j->slen] = '\0';
  return true;
}

static void put_utf8(jr *j, unsigned long cp) {
  if (cp < 0x80) {
    sput(j, (char)cp);
  } else if (cp < 0x800) {
    sput(j, (char)(0xc0 | (cp >> 6)));
    sput(j, (char)(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    sput(j, (char)(0xe0 | (cp >> 12)));
    sput(j, (char)(0x80 | ((cp >> 6) & 0x3f)));
    sput(j, (char)(0x80 | (cp & 0x3f)));
  } else {
    sput(j, (char)(0xf0 | (cp >> 18)));
    sput(j, (char)(0x80 | ((cp >> 12) & 0x3f)));
    sput(j, (char)(0x80 | ((cp >> 6) & 0x3f)));
    sput(j, (char)(0x80 | (cp & 0x3f)));
  }
}

static long hex4(jr *j) {
  long v = 0;
  int i;
  for (i = 0; i < 4; i++) {
    int c = get(j), d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return -1;
    v = v * 16 + d;
  }
  return v;
}

static void lex_string(jr *j) {
  for (;;) {
    int c = get(j);
    if (c < 0) {
      fail(j, "unterminated string");
      return;
    }
    if (c == '"')
      return;
    if (c < 0x20) {
      fail(j, "control character in a string");
      return;
    }
    if (c == '\\') {
      /* JSON's escapes: \" \\ \/ \b \f \n \r \t, and \uXXXX. */
      static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
      const char *k;
      long cp;
      c = get(j);
      k = c > 0 ? strchr(from, c) : NULL;
      if (k) {
        sput(j, to[k - from]);
      } else if (c == 'u') {
        cp = hex4(j);
        if (cp < 0) {
          fail(j, "bad \\u escape");
          return;
        }
        if (cp >= 0xd800 && cp < 0xdc00 && peek(j) == '\\') {
          long lo;
          get(j);
          if (get(j) != 'u' || (lo = hex4(j)) < 0xdc00 || lo > 0xdfff) {
            fail(j, "bad surrogate pair");
            return;
          }
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        } else if (cp >= 0xd800 && cp < 0xe000) {
          cp = 0xfffd; /* a lone surrogate */
        }
        put_utf8(j, (unsigned long)cp);
      } else {
        fail(j, "bad escape in a string");
        return;
      }
    } else {
      sput(j, (char)c);
    }
    if (j->rc)
      return;
  }
}

static bool is_digit(int c) {
  return c >= '0' && c <= '9';
}

/* JSON's number grammar, exactly. */
static void lex_number(jr *j, int c) {
  int digits = 0;
  sput(j, (char)c);
  if (c == '-') {
    c = get(j);
    if (!is_digit(c)) {
      fail(j, "bad number");
      return;
    }
    sput(j, (char)c);
  }
  if (c != '0')
    while (is_digit(peek(j)) && j->slen < 64)
      sput(j, (char)get(j));
  if (peek(j) == '.') {
    sput(j, (char)get(j));
    while (is_digit(peek(j)) && j->slen < 64) {
      sput(j, (char)get(j));
      digits++;
    }
    if (!digits) {
      fail(j, "bad number");
      return;
    }
  }
  if (peek(j) == 'e' || peek(j) == 'E') {
    sput(j, (char)get(j));
    if (peek(j) == '+' || peek(j) == '-')
      sput(j, (char)get(j));
    digits = 0;
    while (is_digit(peek(j)) && j->slen < 64) {
      sput(j, (char)get(j));
      digits++;
    }
    if (!digits) {
      fail(j, "bad number");
      return;
    }
  }
  if (j->slen >= 64)
    fail(j, "number longer than 64 characters");
}

static int next(jr *j) {
  int c;
  if (j->rc)
    return j->tok = JT_ERR;
  do
    c = get(j);
  while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
  j->tline = j->line;
  j->tcol = j->col - 1;
  j->slen = 0;
  j->s[0] = '\0';
  if (c < 0)
    return j->tok = j->rc ? JT_ERR : JT_EOF;
  switch (c) {
  case '{':
  case '}':
  case '[':
  case ']':
  case ':':
  case ',':
    return j->tok = c;
  case '"':
    j->tok = JT_STR;
    lex_string(j);
    break;
  case 't':
  case 'f':
  case 'n': {
    const char *want = c == 't' ? "rue" : c == 'f' ? "alse" : "ull";
    for (; *want; want++)
      if (get(j) != *want) {
        fail(j, "unexpected character");
        return j->tok = JT_ERR;
      }
    return j->tok = JT_LIT;
  }
  default:
    if (c == '-' || is_digit(c)) {
      j->tok = JT_NUM;
      lex_number(j, c);
    } else {
      fail(j, "unexpected character '%c'", c >= 0x20 && c < 0x7f ? c : '?');
    }
  }
  return j->rc ? (j->tok = JT_ERR) : j->tok;
}

static const char *tok_name(int t) {
  switch (t) {
  case JT_EOF:
    return "the end of the input";
  case JT_STR:
    return "a string";
  case JT_NUM:
    return "a number";
  case JT_LIT:
    return "true/false/null";
  case '{':
    return "an object";
  case '[':
    return "an array";
  default:
    return "punctuation";
  }
}

/* Step to the next member or element of the object or array being read:
 * call first with *first = true right after its opening token, then after
 * each value. False at the closing token (consumed) or on an error. */
static bool advance(jr *j, bool *first, int close) {
  if (next(j) == close)
    return false;
  if (!*first) {
    if (j->tok != ',') {
      fail(j, "expected ',' or '%c'", close);
      return false;
    }
    next(j);
  }
  *first = false;
  return !j->rc;
}

/* The next member of an object: true with its key in key (a copy) and the
 * token after ':' current. */
static bool member(jr *j, bool *first, char *key, size_t cap) {
  if (!advance(j, first, '}'))
    return false;
  if (j->tok != JT_STR) {
    fail(j, "expected a key, got %s", tok_name(j->tok));
    return false;
  }
  snprintf(key, cap, "%s", j->s);
  if (next(j) != ':') {
    fail(j, "expected ':'");
    return false;
  }
  next(j);
  return !j->rc;
}

/* The next element of an array, current. */
static bool element(jr *j, bool *first) {
  return advance(j, first, ']');
}

static void skip_value(jr *j, int depth) {
  bool first = true;
  char key[8];
  if (depth > JDEPTH) {
    fail(j, "nested deeper than %d levels", JDEPTH);
    return;
  }
  if (j->tok == '{') {
    while (!j->rc && member(j, &first, key, sizeof key))
      skip_value(j, depth + 1);
  } else if (j->tok == '[') {
    while (!j->rc && element(j, &first))
      skip_value(j, depth + 1);
  } else if (j->tok != JT_STR && j->tok != JT_NUM && j->tok != JT_LIT) {
    fail(j, "expected a value, got %s", tok_name(j->tok));
  }
}

static void expect_string(jr *j, char *out, size_t cap) {
  if (j->tok != JT_STR) {
    fail(j, "expected a string, got %s", tok_name(j->tok));
    return;
  }
  snprintf(out, cap, "%s", j->s);
}

/* "metric": {"__name__": "...", "label": "value", ...} */
static void parse_labels(jr *j) {
  char key[256];
  bool first = true;
  size_t mark = j->plen;
  lg__pm_labels_clear(&j->lb);
  if (j->tok != '{') {
    fail(j, "expected an object of labels, got %s", tok_name(j->tok));
    return;
  }
  while (member(j, &first, key, sizeof key)) {
    path_push_key(j, key);
    if (j->tok != JT_STR) {
      fail(j, "expected a string label value, got %s", tok_name(j->tok));
      return;
    }
    if (lg__pm_labels_add(&j->lb, key, strlen(key), j->s, j->slen) != 0) {
      fail(j, "label set larger than %d labels / %d bytes", PM_MAX_LABELS,
           PM_LABEL_BYTES);
      return;
    }
    path_pop(j, mark);
  }
}

/* What a series is to this pass, once its labels are known. */
typedef struct series_role {
  bool judge;                /* a memory series to judge */
  pm_xseries *xcollect;      /* pass 1: collect it as an x series */
  const pm_xseries *xlookup; /* pass 2: its x series */
} series_role;

static void decide_role(jr *j, series_role *role) {
  const pm_ctx *c = j->ctx;
  bool is_x = c->has_x && lg__pm_selector_match(&c->xsel, &j->lb);
  memset(role, 0, sizeof *role);
  if (c->pass == 1) {
    if (is_x && !(role->xcollect = lg__pm_xstore_new(c->xs, &j->lb)))
      fail(j, "more than %d series match --x-series (or out of memory)",
           LG_SERIES_MAX_SERIES);
    return;
  }
  role->judge =
      !is_x && (!c->has_metric || lg__pm_selector_match(&c->metric, &j->lb));
  if (role->judge && c->pass == 2) {
    char why[256], name[512];
    role->xlookup = lg__pm_xstore_pair(c->xs, &j->lb, why, sizeof why);
    if (!role->xlookup) {
      lg__pm_labels_format(&j->lb, name, sizeof name);
      fail(j, "%s: %s", name, why);
    }
  }
}

/* One point of the current series: timestamp (absolute, file unit) and
 * value; tl/tc: where the pair starts, for messages. */
static void point(jr *j, const series_role *role, pm_build *b, double ts,
                  double v, size_t tl, size_t tc) {
  double x, t;
  int r;
  j->tline = tl;
  j->tcol = tc;
  if (role->xcollect) {
    if (isnan(v))
      return;
    if (!isfinite(v)) {
      fail(j, "--x-series value is infinite");
      return;
    }
    r = lg__pm_xseries_push(role->xcollect, ts, v);
    if (r == PM_T_DECREASES)
      fail(j, "timestamps go back in time");
    else if (r == PM_X_DECREASES)
      fail(j,
           "the --x-series counter decreases (%.17g after %.17g): a "
           "counter reset; judge one process lifetime at a time",
           v, role->xcollect->x[role->xcollect->n - 1]);
    else if (r == LG_ELIMIT)
      fail(j, "--x-series longer than %u points", PM_XSERIES_MAX_POINTS);
    else if (r)
      j->rc = lg_error_set(j->err, LG_ENOMEM, "out of memory");
    return;
  }
  if (!role->judge || isnan(v)) /* NaN: not measured at that step */
    return;
  if (!isfinite(v)) {
    fail(j, "value is infinite");
    return;
  }
  if (!j->have_t0) {
    j->t0 = ts;
    j->have_t0 = true;
  }
  t = ts - j->t0;
  if (role->xlookup) {
    if (!lg__pm_xseries_at(role->xlookup, ts, &x))
      return; /* no request count at that instant */
  } else {
    x = t;
  }
  r = lg__pm_build_add(b, x, t, v);
  if (r == PM_T_DECREASES)
    fail(j, "timestamps go back in time (%.17g after %.17g)", ts,
         b->prev_t + j->t0);
  else if (r == PM_X_DECREASES)
    fail(j,
         "the --x-series counter decreases at this instant (%.17g after "
         "%.17g): a counter reset",
         x, b->prev_x);
  else if (r)
    j->rc = lg_error_set(j->err, LG_ENOMEM, "out of memory");
}

/* Points seen before the labels: held until the object ends. */
typedef struct held {
  double *v; /* ts, value, line, column */
  size_t n, cap;
} held;

static void hold(jr *j, held *h, double ts, double v, size_t tl, size_t tc) {
  if (h->n == h->cap) {
    size_t cap = h->cap ? 2 * h->cap : 256;
    double *nv;
    if (cap > PM_XSERIES_MAX_POINTS) {
      fail(j, "more than %u values before the series' labels",
           PM_XSERIES_MAX_POINTS);
      return;
    }
    nv = realloc(h->v, cap * 4 * sizeof *nv);
    if (!nv) {
      j->rc = lg_error_set(j->err, LG_ENOMEM, "out of memory");
      return;
    }
    h->v = nv;
    h->cap = cap;
  }
  h->v[4 * h->n] = ts;
  h->v[4 * h->n + 1] = v;
  h->v[4 * h->n + 2] = (double)tl;
  h->v[4 * h->n + 3] = (double)tc;
  h->n++;
}

/* "values": [[ts, "v"], ...] */
static void parse_values(jr *j, const series_role *role, bool known,
                         pm_build *b, held *h) {
  bool first = true;
  size_t i = 0, mark = j->plen;
  if (j->tok != '[') {
    fail(j, "expected an array of [timestamp, \"value\"] pairs, got %s",
         tok_name(j->tok));
    return;
  }
  while (element(j, &first)) {
    size_t tl = j->tline, tc = j->tcol;
    double ts, v;
    char *end;
    path_push_index(j, i);
    if (j->tok != '[') {
      fail(j, "expected a [timestamp, \"value\"] pair, got %s",
           tok_name(j->tok));
      return;
    }
    path_push_index(j, 0);
    if (next(j) != JT_NUM) {
      fail(j, "expected a timestamp (a number), got %s", tok_name(j->tok));
      return;
    }
    ts = strtod(j->s, &end);
    if (!isfinite(ts)) {
      fail(j, "timestamp out of range");
      return;
    }
    path_pop(j, mark);
    path_push_index(j, i);
    if (next(j) != ',') {
      fail(j, "expected ',' after the timestamp");
      return;
    }
    path_push_index(j, 1);
    if (next(j) != JT_STR) {
      fail(j, "expected the value as a string, got %s", tok_name(j->tok));
      return;
    }
    if (lg__pm_parse_value(j->s, j->slen, &v) != 0) {
      fail(j, "expected a number, got \"%.40s\"", j->s);
      return;
    }
    path_pop(j, mark);
    path_push_index(j, i);
    if (next(j) != ']') {
      fail(j, "expected ']' after the value");
      return;
    }
    if (known)
      point(j, role, b, ts, v, tl, tc);
    else
      hold(j, h, ts, v, tl, tc);
    if (j->rc)
      return;
    path_pop(j, mark);
    i++;
  }
}

static void finish_series(jr *j, pm_build *b, size_t sl, size_t sc) {
  lg_series *s = NULL;
  char where[640];
  snprintf(where, sizeof where, "%s:%zu:%zu: %s", j->ctx->name, sl, sc,
           j->path);
  if (lg__pm_build_finish(b, j->ctx, &j->lb, 1.0, where, &s, j->err) != 0) {
    j->rc = j->err ? j->err->code : LG_EINPUT;
    return;
  }
  if (lg__pm_list_push(j->out, s, j->ctx->name, j->err) != 0)
    j->rc = j->err ? j->err->code : LG_EINPUT;
}

/* One element of result: {"metric": {...}, "values": [...]} */
static void parse_series(jr *j) {
  char key[64];
  bool first = true, known = false, any_values = false;
  size_t sl = j->tline, sc = j->tcol, mark = j->plen, i;
  series_role role;
  pm_build b;
  held h = {NULL, 0, 0};

  memset(&b, 0, sizeof b);
  memset(&role, 0, sizeof role);
  lg__pm_labels_clear(&j->lb);
  if (j->tok != '{') {
    fail(j, "expected a series object, got %s", tok_name(j->tok));
    return;
  }
  while (member(j, &first, key, sizeof key)) {
    path_push_key(j, key);
    if (strcmp(key, "metric") == 0) {
      parse_labels(j);
      if (j->rc)
        break;
      known = true;
      decide_role(j, &role);
      /* Points held before the labels. */
      for (i = 0; i < h.n && !j->rc; i++)
        point(j, &role, &b, h.v[4 * i], h.v[4 * i + 1], (size_t)h.v[4 * i + 2],
              (size_t)h.v[4 * i + 3]);
      h.n = 0;
    } else if (strcmp(key, "values") == 0) {
      any_values = true;
      parse_values(j, &role, known, &b, &h);
    } else if (strcmp(key, "value") == 0) {
      fail(j, "an instant vector (one value per series): ask the "
              "query_range API (/api/v1/query_range) for a series over time");
    } else {
      skip_value(j, 1); /* "histograms": native histograms are not memory */
    }
    if (j->rc)
      break;
    path_pop(j, mark);
  }
  if (!j->rc && !known) {
    j->tline = sl;
    j->tcol = sc;
    decide_role(j, &role); /* no "metric": an expression's result, {} */
    for (i = 0; i < h.n && !j->rc; i++)
      point(j, &role, &b, h.v[4 * i], h.v[4 * i + 1], (size_t)h.v[4 * i + 2],
            (size_t)h.v[4 * i + 3]);
  }
  free(h.v);
  path_pop(j, mark);
  if (!j->rc && role.judge) {
    if (!any_values) {
      j->tline = sl;
      j->tcol = sc;
      fail(j, "a series without \"values\"");
    } else {
      finish_series(j, &b, sl, sc);
    }
  }
  lg__pm_build_free(&b);
  j->series_seen++;
}

static void parse_result(jr *j) {
  bool first = true;
  size_t i = 0, mark = j->plen;
  if (j->tok != '[') {
    fail(j, "expected an array of series, got %s", tok_name(j->tok));
    return;
  }
  while (element(j, &first)) {
    path_push_index(j, i++);
    parse_series(j);
    if (j->rc)
      return;
    path_pop(j, mark);
  }
}

static void parse_data(jr *j) {
  char key[64], rtype[32];
  bool first = true;
  size_t mark = j->plen;
  if (j->tok != '{') {
    fail(j, "expected an object, got %s", tok_name(j->tok));
    return;
  }
  while (member(j, &first, key, sizeof key)) {
    path_push_key(j, key);
    if (strcmp(key, "resultType") == 0) {
      expect_string(j, rtype, sizeof rtype);
      if (!j->rc && strcmp(rtype, "matrix") != 0)
        fail(j,
             "resultType '%s': leakgate needs a range result (matrix) "
             "from the query_range API (/api/v1/query_range)",
             rtype);
    } else if (strcmp(key, "result") == 0) {
      parse_result(j);
    } else {
      skip_value(j, 1);
    }
    if (j->rc)
      return;
    path_pop(j, mark);
  }
}

static void parse_top(jr *j) {
  char key[64];
  bool first = true;
  if (next(j) == '[') {
    parse_result(j); /* just the result array (jq .data.result) */
  } else if (j->tok == '{') {
    while (member(j, &first, key, sizeof key)) {
      path_push_key(j, key);
      if (strcmp(key, "status") == 0)
        expect_string(j, j->status, sizeof j->status);
      else if (strcmp(key, "errorType") == 0)
        expect_string(j, j->error_type, sizeof j->error_type);
      else if (strcmp(key, "error") == 0)
        expect_string(j, j->error_msg, sizeof j->error_msg);
      else if (strcmp(key, "data") == 0)
        parse_data(j);
      else
        skip_value(j, 1);
      if (j->rc)
        return;
      path_pop(j, 0);
    }
  } else if (!j->rc) {
    fail(j,
         "expected a Prometheus API answer (an object) or an array of "
         "series, got %s",
         tok_name(j->tok));
  }
  if (!j->rc && next(j) != JT_EOF)
    fail(j, "text after the end of the JSON document");
}

int lg__pm_json_read(FILE *f, const pm_ctx *ctx, lg_series_list *out,
                     lg_error *err) {
  jr *j = calloc(1, sizeof *j);
  int rc;
  if (!j)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  j->f = f;
  j->ctx = ctx;
  j->out = out;
  j->err = err;
  j->line = j->col = 1;
  /* The token text buffer exists from the start (it only ever grows). */
  j->scap = 256;
  j->s = calloc(1, j->scap);
  if (!j->s) {
    free(j);
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  }
  parse_top(j);
  rc = j->rc;
  if (!rc && strcmp(j->status, "error") == 0)
    rc = lg_error_set(
        err, LG_EINPUT, "%s: Prometheus answered status 'error' (%s): %s",
        ctx->name, j->error_type[0] ? j->error_type : "?", j->error_msg);
  free(j->s);
  free(j);
  return rc;
}
