/* valgrind/memcheck_xml.c - Memcheck's XML output (protocol 4) into
 * lg_memcheck_result, streamed through expat.
 *
 * Reads files in 256 KiB chunks (never the whole file): memory is O(one
 * error's text + distinct non-leak errors), whatever the file size. Per
 * <error>: Leak_* kinds become leak records (bytes, blocks, the primary
 * <stack>'s frames, a fingerprint); every other kind counts as an error,
 * using the last <errorcounts> count for its <unique> when given, else 1,
 * and the first LG_MEMCHECK_MAX_ERROR_RECORDS of a file also become error
 * records (kind, <what>, count, the primary stack), so a report can show
 * where an invalid read happened, not only that one did.
 * Auxiliary stacks, <origin>, <suppression> and <fatal_signal> stacks are
 * ignored; <suppression> blocks are not even given to expat
 * (memcheck_feed.c: 29% of the leaky fixture's bytes). A document that ends
 * before </valgrindoutput> is a run that was killed: the message says
 * whether the leak check had started.
 * Ownership: adds to the caller's m; on failure the records this file added
 * are freed again, so m holds only complete files. Limits: 64 KiB per
 * element text, 500 frames per stack, 2^20 distinct non-leak errors.
 */
#include <leakgate/valgrind.h>

#include "core/buf.h"
#include "valgrind/memcheck_feed.h"
#include "valgrind/memcheck_store.h"
#include "valgrind/vg_internal.h"

#include <errno.h>
#include <expat.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MC_CHUNK (256 * 1024)
#define MC_TEXT_CAP 65536
#define MC_ARENA_CAP (8u << 20)
#define MC_MAX_FRAMES 500
#define MC_MAX_DEPTH 64

typedef enum {
  E_OTHER = 0,
  E_ROOT,
  E_PROTOVER,
  E_PROTOTOOL,
  E_STATUS,
  E_STATE,
  E_ERROR,
  E_UNIQUE,
  E_KIND,
  E_XWHAT,
  E_LEAKBYTES,
  E_LEAKBLOCKS,
  E_STACK,
  E_FRAME,
  E_IP,
  E_OBJ,
  E_FN,
  E_DIR,
  E_FILE,
  E_LINE,
  E_ERRCOUNTS,
  E_PAIR,
  E_COUNT,
  E_FATAL,
  E_SIGNAME,
  E_TEXT,
  E_WHAT
} elem;

/* A frame of the error being read: offsets into the arena (-1 = absent). */
typedef struct mc_frame {
  long fn, file, dir, obj;
  int line;
} mc_frame;

typedef struct mc_parser {
  XML_Parser xp;
  const char *name;
  lg_memcheck_result *m;
  lg_error *err;
  int rc;
  int depth;
  elem stack[MC_MAX_DEPTH];
  bool root_seen, root_closed, finished;
  int protocol; /* -1 until seen */
  bool collect;
  lg_buf text;
  /* the current <error> */
  bool in_error;
  int n_stacks; /* <stack>s seen directly in this error */
  char kind[64];
  char what[256]; /* <what> of a non-leak error */
  uint64_t unique;
  bool have_unique, have_bytes;
  double bytes, direct; /* direct < 0: the record has no indirect part */
  int64_t blocks;
  lg_buf arena;
  mc_frame frames[MC_MAX_FRAMES];
  size_t n_frames;
  bool frame_full;
  /* <errorcounts><pair> */
  int64_t pair_count;
  uint64_t pair_unique;
  bool pair_has_count, pair_has_unique;
  char signame[32];
  mc_feed feed; /* expat's input, suppressions left out */
  /* findings of this file, committed to m on success */
  double lost[3]; /* definite, indirect, possible */
  mc_counts counts;
  size_t leaks_before, errors_before;
  /* the <unique> of each error record this file added, for its count */
  uint64_t err_unique[LG_MEMCHECK_MAX_ERROR_RECORDS];
  size_t n_err_unique;
} mc_parser;

/* Element name to id: a switch on the first letter narrows the table to
 * one or a few strcmp calls (this runs for every element of the file). */
static elem lookup(const char *n) {
#define IS(str, id)                                                            \
  if (strcmp(n, str) == 0)                                                     \
  return id
  switch (n[0]) {
  case 'c':
    IS("count", E_COUNT);
    break;
  case 'd':
    IS("dir", E_DIR);
    break;
  case 'e':
    IS("error", E_ERROR);
    IS("errorcounts", E_ERRCOUNTS);
    break;
  case 'f':
    IS("frame", E_FRAME);
    IS("fn", E_FN);
    IS("file", E_FILE);
    IS("fatal_signal", E_FATAL);
    break;
  case 'i':
    IS("ip", E_IP);
    break;
  case 'k':
    IS("kind", E_KIND);
    break;
  case 'l':
    IS("line", E_LINE);
    IS("leakedbytes", E_LEAKBYTES);
    IS("leakedblocks", E_LEAKBLOCKS);
    break;
  case 'o':
    IS("obj", E_OBJ);
    break;
  case 'p':
    IS("pair", E_PAIR);
    IS("protocolversion", E_PROTOVER);
    IS("protocoltool", E_PROTOTOOL);
    break;
  case 's':
    IS("stack", E_STACK);
    IS("status", E_STATUS);
    IS("state", E_STATE);
    IS("signame", E_SIGNAME);
    break;
  case 't':
    IS("text", E_TEXT);
    break;
  case 'u':
    IS("unique", E_UNIQUE);
    break;
  case 'v':
    IS("valgrindoutput", E_ROOT);
    break;
  case 'w':
    IS("what", E_WHAT);
    break;
  case 'x':
    IS("xwhat", E_XWHAT);
    break;
  default:
    break;
  }
#undef IS
  return E_OTHER;
}

static unsigned long cur_line(mc_parser *p) {
  return (unsigned long)XML_GetCurrentLineNumber(p->xp);
}

/* Record the first failure ("name:line: message") and stop expat. */
__attribute__((format(printf, 3, 4))) static void fail(mc_parser *p, int code,
                                                       const char *fmt, ...) {
  char msg[512];
  va_list ap;
  if (p->rc)
    return;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  p->rc = lg_error_set(p->err, code, "%s:%lu: %s", p->name, cur_line(p), msg);
  XML_StopParser(p->xp, XML_FALSE);
}

static elem parent(const mc_parser *p, int up) {
  int d = p->depth - 1 - up; /* stack[depth-1] is the current element */
  return d >= 0 && d < MC_MAX_DEPTH ? p->stack[d] : E_OTHER;
}

/* ---- numbers ------------------------------------------------------------- */

static int parse_u64(const char *s, int base, uint64_t *out) {
  char *end;
  unsigned long long v;
  while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
    s++;
  if (*s == '-' || *s == '\0')
    return -1;
  errno = 0;
  v = strtoull(s, &end, base);
  while (*end == ' ' || *end == '\n' || *end == '\t' || *end == '\r')
    end++;
  if (errno || *end)
    return -1;
  *out = v;
  return 0;
}

/* ---- the error being read ------------------------------------------------ */

static void error_reset(mc_parser *p) {
  p->n_stacks = 0;
  p->kind[0] = '\0';
  p->what[0] = '\0';
  p->have_unique = p->have_bytes = false;
  p->bytes = 0;
  p->direct = -1;
  p->blocks = 0;
  lg__buf_reset(&p->arena);
  p->n_frames = 0;
  p->frame_full = false;
}

static const char *arena_str(const mc_parser *p, long off) {
  return off >= 0 ? p->arena.data + off : NULL;
}

/* Append the collected text to the arena; returns its offset or -1. */
static long arena_put(mc_parser *p) {
  long off = (long)p->arena.len;
  if (lg__buf_append(&p->arena, p->text.data ? p->text.data : "",
                     p->text.len + 1) != 0) {
    fail(p, LG_ELIMIT, "one <error> holds more than 8 MiB of text");
    return -1;
  }
  return off;
}

/* The frame's file: dir "/" file when Valgrind gave a directory. */
static char *frame_file(const mc_parser *p, const mc_frame *f) {
  const char *file = arena_str(p, f->file), *dir = arena_str(p, f->dir);
  char *s;
  size_t nd, nf;
  if (!file || !file[0])
    return NULL;
  if (!dir || !dir[0] || file[0] == '/')
    return strdup(file);
  nd = strlen(dir), nf = strlen(file);
  s = malloc(nd + nf + 2);
  if (s) {
    memcpy(s, dir, nd);
    s[nd] = '/';
    memcpy(s + nd + 1, file, nf + 1);
  }
  return s;
}

/* The primary stack's frames of the error being read into tmp (strings
 * borrowed from the arena, files allocated: the caller frees them). */
static int error_frames(mc_parser *p, lg_frame *tmp) {
  size_t i;
  memset(tmp, 0, p->n_frames * sizeof *tmp);
  for (i = 0; i < p->n_frames; i++) {
    tmp[i].function = (char *)arena_str(p, p->frames[i].fn);
    tmp[i].object = (char *)arena_str(p, p->frames[i].obj);
    tmp[i].line = p->frames[i].line;
    tmp[i].file = frame_file(p, &p->frames[i]);
    if (p->frames[i].file >= 0 && !tmp[i].file)
      return LG_ENOMEM;
  }
  return 0;
}

/* A non-leak error: counted; the first ones of the file also kept with
 * their stack (the count comes from <errorcounts> at the end). */
static void plain_error_end(mc_parser *p) {
  lg_frame tmp[MC_MAX_FRAMES];
  size_t i;
  int rc;
  if (!p->have_unique) {
    fail(p, LG_EINPUT, "<error> of kind %s without <unique>", p->kind);
    return;
  }
  rc = lg__mc_counts_put(&p->counts, p->unique, -1, true);
  if (rc) {
    fail(p, rc, "too many distinct errors");
    return;
  }
  if (p->n_err_unique == LG_MEMCHECK_MAX_ERROR_RECORDS)
    return;
  rc = error_frames(p, tmp);
  if (rc == 0)
    rc = lg__mc_store_error(p->m, p->kind, p->what[0] ? p->what : NULL, tmp,
                            p->n_frames);
  for (i = 0; i < p->n_frames; i++)
    free(tmp[i].file);
  if (rc) {
    fail(p, rc, "cannot store an error record");
    return;
  }
  p->err_unique[p->n_err_unique++] = p->unique;
}

static void error_end(mc_parser *p) {
  const char *kind = lg__mc_leak_kind(p->kind);
  lg_frame tmp[MC_MAX_FRAMES];
  double direct;
  size_t i;
  int rc = 0;

  if (!p->kind[0]) {
    fail(p, LG_EINPUT, "<error> without <kind>");
    return;
  }
  if (!kind) { /* InvalidRead, UninitCondition, ...: one error each */
    plain_error_end(p);
    return;
  }
  if (!p->have_bytes) {
    fail(p, LG_EINPUT, "%s error without <leakedbytes>", p->kind);
    return;
  }
  rc = error_frames(p, tmp);
  if (rc == 0)
    rc = lg__mc_store_leak(p->m, kind, p->bytes, p->blocks, tmp, p->n_frames);
  for (i = 0; i < p->n_frames; i++)
    free(tmp[i].file);
  if (rc) {
    fail(p, rc, "cannot store a leak record");
    return;
  }
  /* Totals as in Valgrind's LEAK SUMMARY: a record's indirect part is
   * counted once, under indirectly lost. */
  direct = p->direct >= 0 && p->direct <= p->bytes ? p->direct : p->bytes;
  if (strcmp(kind, "definite") == 0)
    p->lost[0] += direct;
  else if (strcmp(kind, "indirect") == 0)
    p->lost[1] += p->bytes;
  else if (strcmp(kind, "possible") == 0)
    p->lost[2] += direct;
}

/* ---- expat callbacks ----------------------------------------------------- */

static bool wants_text(const mc_parser *p, elem e) {
  elem up = parent(p, 1);
  switch (e) {
  case E_PROTOVER:
  case E_PROTOTOOL:
    return up == E_ROOT;
  case E_STATE:
    return up == E_STATUS;
  case E_KIND:
    return up == E_ERROR;
  case E_WHAT: /* of a non-leak error (<kind> comes first): leaks have xwhat */
    return up == E_ERROR && p->kind[0] && !lg__mc_leak_kind(p->kind);
  case E_UNIQUE:
    return up == E_ERROR || (up == E_PAIR && parent(p, 2) == E_ERRCOUNTS);
  case E_LEAKBYTES:
  case E_LEAKBLOCKS:
    return p->in_error && (up == E_XWHAT || up == E_ERROR);
  case E_IP:
  case E_OBJ:
  case E_FN:
  case E_DIR:
  case E_FILE:
  case E_LINE:
    /* frames of the primary stack only: error > stack > frame > field */
    return up == E_FRAME && parent(p, 2) == E_STACK &&
           parent(p, 3) == E_ERROR && p->n_stacks == 1 && !p->frame_full;
  case E_COUNT:
    return up == E_PAIR && parent(p, 2) == E_ERRCOUNTS;
  case E_SIGNAME:
    return up == E_FATAL;
  case E_TEXT:
    return p->in_error && up == E_XWHAT && parent(p, 2) == E_ERROR;
  default:
    return false;
  }
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len) {
  mc_parser *p = ud;
  if (p->rc || !p->collect || len <= 0)
    return;
  if (lg__buf_append(&p->text, s, (size_t)len) != 0)
    fail(p, LG_EINPUT, "element text longer than 64 KiB");
}

static void XMLCALL on_start(void *ud, const XML_Char *name,
                             const XML_Char **attrs) {
  mc_parser *p = ud;
  elem e = lookup(name), up;
  (void)attrs;
  if (p->rc)
    return;
  if (p->depth == 0) {
    if (e != E_ROOT || p->root_seen) {
      fail(p, LG_EINPUT,
           "not Valgrind XML output: the root element is <%s>, expected "
           "<valgrindoutput>",
           name);
      return;
    }
    p->root_seen = true;
  }
  if (p->depth < MC_MAX_DEPTH)
    p->stack[p->depth] = e;
  p->depth++;
  up = parent(p, 1);
  if (e == E_ERROR && up == E_ROOT) {
    if (p->protocol < 0) {
      fail(p, LG_EINPUT, "<error> before <protocolversion>");
      return;
    }
    p->in_error = true;
    error_reset(p);
  } else if (e == E_STACK && up == E_ERROR) {
    p->n_stacks++;
  } else if (e == E_FRAME && up == E_STACK && parent(p, 2) == E_ERROR &&
             p->n_stacks == 1) {
    if (p->n_frames == MC_MAX_FRAMES) {
      p->frame_full = true; /* deeper than --num-callers allows: ignore */
    } else {
      mc_frame *f = &p->frames[p->n_frames++];
      f->fn = f->file = f->dir = f->obj = -1;
      f->line = 0;
    }
  } else if (e == E_PAIR && up == E_ERRCOUNTS) {
    p->pair_has_count = p->pair_has_unique = false;
  }
  p->collect = wants_text(p, e);
  if (p->collect) {
    lg__buf_reset(&p->text);
    /* Text is wanted only inside these leaf elements: expat skips the
     * callback for all other text (most of the file's whitespace). */
    XML_SetCharacterDataHandler(p->xp, on_text);
  }
}

/* Text of a finished leaf element (never NULL). */
static const char *text(mc_parser *p) {
  return p->text.data && p->text.len ? p->text.data : "";
}

static void leaf_end(mc_parser *p, elem e, const char *name) {
  const char *t = text(p);
  uint64_t v;
  mc_frame *f = p->n_frames ? &p->frames[p->n_frames - 1] : NULL;

  switch (e) {
  case E_PROTOVER:
    if (parse_u64(t, 10, &v) != 0 || v != 4) {
      fail(p, LG_EINPUT,
           "Valgrind XML protocol version '%s' is not supported (leakgate "
           "reads protocol 4, written by Valgrind 3.5 and later)",
           t);
      return;
    }
    p->protocol = 4;
    return;
  case E_PROTOTOOL:
    if (strcmp(t, "memcheck") != 0)
      fail(p, LG_EINPUT, "this XML is from Valgrind's '%s' tool, not Memcheck",
           t);
    return;
  case E_STATE:
    if (strstr(t, "FINISHED"))
      p->finished = true;
    return;
  case E_KIND:
    if (parent(p, 1) == E_ERROR)
      snprintf(p->kind, sizeof p->kind, "%s", t);
    return;
  case E_WHAT:
    if (parent(p, 1) == E_ERROR)
      snprintf(p->what, sizeof p->what, "%s", t);
    return;
  case E_UNIQUE:
    if (parse_u64(t, 16, &v) != 0) {
      fail(p, LG_EINPUT, "<unique>: expected a hex number, got '%.100s'", t);
      return;
    }
    if (parent(p, 1) == E_ERROR)
      p->unique = v, p->have_unique = true;
    else
      p->pair_unique = v, p->pair_has_unique = true;
    return;
  case E_COUNT:
    if (parse_u64(t, 10, &v) != 0 || v > INT64_MAX) {
      fail(p, LG_EINPUT, "<count>: expected a number, got '%.100s'", t);
      return;
    }
    p->pair_count = (int64_t)v, p->pair_has_count = true;
    return;
  case E_LEAKBYTES:
  case E_LEAKBLOCKS:
    if (parse_u64(t, 10, &v) != 0 || v > INT64_MAX) {
      fail(p, LG_EINPUT, "<%s>: expected a number, got '%.100s'", name, t);
      return;
    }
    if (e == E_LEAKBYTES)
      p->bytes = (double)v, p->have_bytes = true;
    else
      p->blocks = (int64_t)v;
    return;
  case E_LINE:
    if (parse_u64(t, 10, &v) != 0 || v > INT32_MAX) {
      fail(p, LG_EINPUT, "<line>: expected a line number, got '%.100s'", t);
      return;
    }
    if (f)
      f->line = (int)v;
    return;
  case E_FN:
  case E_FILE:
  case E_DIR:
  case E_OBJ:
    if (f) {
      long off = arena_put(p);
      if (e == E_FN)
        f->fn = off;
      else if (e == E_FILE)
        f->file = off;
      else if (e == E_DIR)
        f->dir = off;
      else
        f->obj = off;
    }
    return;
  case E_SIGNAME:
    snprintf(p->signame, sizeof p->signame, "%s", t);
    return;
  case E_TEXT:
    p->direct = lg__mc_direct_bytes(t);
    return;
  default:
    return;
  }
}

static void XMLCALL on_end(void *ud, const XML_Char *name) {
  mc_parser *p = ud;
  elem e;
  if (p->rc)
    return;
  e = p->depth - 1 < MC_MAX_DEPTH ? p->stack[p->depth - 1] : E_OTHER;
  if (p->collect) {
    p->collect = false;
    XML_SetCharacterDataHandler(p->xp, NULL);
    leaf_end(p, e, name);
  } else if (e == E_ERROR && parent(p, 1) == E_ROOT) {
    error_end(p);
    p->in_error = false;
  } else if (e == E_PAIR && parent(p, 1) == E_ERRCOUNTS) {
    if (p->pair_has_count && p->pair_has_unique) {
      int rc =
          lg__mc_counts_put(&p->counts, p->pair_unique, p->pair_count, false);
      if (rc)
        fail(p, rc, "cannot count errors");
    }
  } else if (e == E_ROOT && p->depth == 1) {
    p->root_closed = true;
  }
  p->depth--;
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name,
                               const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal_subset) {
  (void)sysid, (void)pubid, (void)has_internal_subset;
  fail(ud, LG_EINPUT,
       "unexpected <!DOCTYPE %s>: Valgrind's XML has no document type", name);
}

/* The reader's state, for lg__mc_feed. */
static bool feed_in_error(void *ud) {
  const mc_parser *p = ud;
  return p->depth >= 2 && parent(p, 0) == E_ERROR;
}

static bool feed_stop(void *ud) { return ((const mc_parser *)ud)->rc != 0; }

/* ---- driver -------------------------------------------------------------- */

static int parser_init(mc_parser *p, const char *name, lg_memcheck_result *m,
                       lg_error *err) {
  memset(p, 0, sizeof *p);
  p->name = name;
  p->m = m;
  p->err = err;
  p->protocol = -1;
  p->leaks_before = m->n_leaks;
  p->errors_before = m->n_error_records;
  lg__buf_init(&p->text, MC_TEXT_CAP);
  lg__buf_init(&p->arena, MC_ARENA_CAP);
  p->xp = XML_ParserCreate(NULL);
  if (!p->xp)
    return lg_error_set(err, LG_ENOMEM, "%s: cannot create an XML parser",
                        name);
  XML_SetUserData(p->xp, p);
  XML_SetElementHandler(p->xp, on_start, on_end);
  XML_SetStartDoctypeDeclHandler(p->xp, on_doctype);
  p->feed.in_error = feed_in_error;
  p->feed.stop = feed_stop;
  p->feed.ud = p;
  return 0;
}

static void parser_cleanup(mc_parser *p) {
  if (p->xp)
    XML_ParserFree(p->xp);
  lg__buf_cleanup(&p->text);
  lg__buf_cleanup(&p->arena);
  lg__mc_counts_free(&p->counts);
}

/* expat rejected the input; final: it was the end-of-input call. */
static int xml_failed(mc_parser *p, bool final, size_t total) {
  enum XML_Error code = XML_GetErrorCode(p->xp);
  unsigned long line = cur_line(p),
                col = (unsigned long)XML_GetCurrentColumnNumber(p->xp) + 1;
  if (p->rc)
    return p->rc;
  if (total == 0)
    return p->rc = lg_error_set(p->err, LG_EINPUT,
                                "%s: empty file: Valgrind wrote no XML (it "
                                "did not start, or was killed at once)",
                                p->name);
  if (final && p->root_seen && !p->root_closed)
    return p->rc = lg_error_set(
               p->err, LG_EINPUT,
               p->finished
                   ? "%s:%lu: truncated Memcheck XML: no </valgrindoutput>; "
                     "Valgrind was killed while writing the leak check"
                   : "%s:%lu: truncated Memcheck XML: no </valgrindoutput> "
                     "and no FINISHED status: the service was killed (SIGKILL "
                     "after the stop timeout, or an OOM kill) before "
                     "Memcheck's leak check ran, so there are no leak results",
               p->name, line);
  return p->rc = lg_error_set(
             p->err, LG_EINPUT, "%s:%lu:%lu: malformed XML: %s%s", p->name,
             line, col, XML_ErrorString(code),
             code == XML_ERROR_MISPLACED_XML_PI ||
                     code == XML_ERROR_JUNK_AFTER_DOC_ELEMENT
                 ? " (several processes wrote into one file: run Memcheck "
                   "with --child-silent-after-fork=yes)"
                 : "");
}

static double add_known(double total, double v) {
  return isnan(total) ? v : total + v;
}

/* Commit this file's totals to m, or roll its leak records back. */
static int parser_finish(mc_parser *p) {
  lg_memcheck_result *m = p->m;
  int64_t errors;
  size_t i;
  if (p->rc == 0 && p->protocol < 0)
    p->rc =
        lg_error_set(p->err, LG_EINPUT,
                     "%s: no <protocolversion> in the Valgrind XML", p->name);
  if (p->rc) {
    lg__mc_rollback(m, p->leaks_before, p->errors_before);
    return p->rc;
  }
  errors = lg__mc_counts_sum(&p->counts);
  for (i = 0; i < p->n_err_unique; i++) {
    int64_t n = lg__mc_counts_get(&p->counts, p->err_unique[i]);
    if (n > 0)
      m->error_records[p->errors_before + i].count = n;
  }
  m->definitely_lost_bytes = add_known(m->definitely_lost_bytes, p->lost[0]);
  m->indirectly_lost_bytes = add_known(m->indirectly_lost_bytes, p->lost[1]);
  m->possibly_lost_bytes = add_known(m->possibly_lost_bytes, p->lost[2]);
  m->errors = (m->errors < 0 ? 0 : m->errors) + errors;
  m->ran = true;
  lg__mc_sort(m);
  if (p->signame[0] && strcmp(p->signame, "SIGTERM") != 0 &&
      strcmp(p->signame, "SIGINT") != 0 && strcmp(p->signame, "SIGHUP") != 0 &&
      !m->note) {
    char note[160];
    snprintf(note, sizeof note,
             "the service died of %s under Memcheck (the leak check ran)",
             p->signame);
    m->note = strdup(note);
  }
  return 0;
}

static size_t feed(mc_parser *p, const char *s, size_t n, bool final) {
  return lg__mc_feed(&p->feed, p->xp, s, n, final);
}

int lg_memcheck_parse_buffer(const char *name, const char *data, size_t len,
                             lg_memcheck_result *m, lg_error *err) {
  mc_parser p;
  size_t off = 0;
  int rc = parser_init(&p, name, m, err);
  if (rc) {
    parser_cleanup(&p);
    return rc;
  }
  while (off < len && !p.rc) {
    size_t n = len - off > MC_CHUNK * 16 ? MC_CHUNK * 16 : len - off;
    size_t used = feed(&p, data + off, n, off + n == len);
    if (used == (size_t)-1) {
      xml_failed(&p, false, len);
      goto cleanup;
    }
    off += used;
  }
  if (!p.rc && XML_Parse(p.xp, "", 0, 1) != XML_STATUS_OK)
    xml_failed(&p, true, len);
cleanup:
  rc = parser_finish(&p);
  parser_cleanup(&p);
  return rc;
}

int lg_memcheck_parse_file(const char *path, lg_memcheck_result *m,
                           lg_error *err) {
  mc_parser p;
  FILE *f = NULL;
  char *buf = NULL;
  size_t total = 0, held = 0;
  int rc = parser_init(&p, path, m, err);
  if (rc) {
    parser_cleanup(&p);
    return rc;
  }
  /* held: a possible partial tag kept from the last chunk (< 16 bytes) */
  buf = malloc(MC_CHUNK + 16);
  if (!buf) {
    p.rc = lg_error_set(err, LG_ENOMEM, "%s: out of memory", path);
    goto cleanup;
  }
  f = fopen(path, "rb");
  if (!f) {
    p.rc = lg_error_set(err, errno == ENOENT ? LG_ENOENT : LG_EIO,
                        "%s: cannot open: %s", path, strerror(errno));
    goto cleanup;
  }
  while (!p.rc) {
    size_t n = fread(buf + held, 1, MC_CHUNK, f), used;
    if (n == 0 && ferror(f)) {
      p.rc = lg_error_set(err, LG_EIO, "%s: read error", path);
      goto cleanup;
    }
    total += n;
    used = feed(&p, buf, held + n, n == 0);
    if (used == (size_t)-1) {
      xml_failed(&p, false, total);
      goto cleanup;
    }
    held = held + n - used;
    memmove(buf, buf + used, held);
    if (n == 0) {
      if (!p.rc && XML_Parse(p.xp, "", 0, 1) != XML_STATUS_OK)
        xml_failed(&p, true, total);
      break;
    }
  }
cleanup:
  if (f)
    fclose(f);
  free(buf);
  rc = parser_finish(&p);
  parser_cleanup(&p);
  return rc;
}
