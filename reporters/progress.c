/* reporters/progress.c - the live progress line of `leakgate run`
 * (lg_report_progress_line, lg_report_progress_fit).
 *
 * The line is a row of fields: scenario | stage | elapsed / total |
 * requests, req/s, errors | mem | slope. A terminal redraws it in place
 * with "\r\033[K", which erases only the row the cursor is on: a line
 * wider than the terminal wraps, and the wrapped part is never erased, so
 * every redraw would leave a new row behind. The line therefore fits a
 * width in columns by dropping whole fields, least useful first (req/s,
 * the planned total, the scenario name, which "leakgate: running" already
 * printed, memory, the request count, errors, the slope); the stage and
 * the elapsed time always stay, and when even those are too wide the stage
 * name is cut. Widths are counted in terminal columns: ANSI colour codes
 * take none, and every non-ASCII code point is counted as two (a wide CJK
 * character may take two; overcounting only drops a field early, while
 * undercounting would wrap). No allocation; O(fields^2) string work.
 */
#include "report_util.h"
#include "result/fmt.h"

#include <leakgate/run.h>
#include <leakgate/units.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Fields in the order they are dropped. */
enum {
  F_RATE,
  F_TOTAL,
  F_SCENARIO,
  F_MEM,
  F_REQUESTS,
  F_ERRORS,
  F_SLOPE,
  F_COUNT
};

typedef struct pfields {
  char scenario[160], stage[96], elapsed[32], total[32];
  char requests[48], rate[48], errors[48], mem[48], slope[64];
} pfields;

/* Terminal columns of a plain (colourless) string: ASCII bytes count one,
 * other code points two, UTF-8 continuation bytes none. */
static size_t columns_of(const char *s) {
  size_t w = 0;
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c < 0x80)
      w++;
    else if ((c & 0xC0) != 0x80)
      w += 2;
  }
  return w;
}

/* Cut s so it takes at most cols columns, on a code point boundary, with a
 * '~' marking the cut when there is room for it. */
static void cut_columns(char *s, size_t cols) {
  size_t w = 0, i = 0, keep = 0;
  if (columns_of(s) <= cols)
    return;
  while (s[i]) {
    unsigned char c = (unsigned char)s[i];
    size_t cw = c < 0x80 ? 1 : 2, len = 1;
    if (c >= 0x80)
      while ((s[i + len] & 0xC0) == 0x80)
        len++;
    if (w + cw + 1 > cols) /* keep a column for the '~' */
      break;
    w += cw;
    i += len;
    keep = i;
  }
  if (cols > 0) {
    s[keep] = '~';
    s[keep + 1] = '\0';
  } else {
    s[0] = '\0';
  }
}

static void fill_fields(const lg_progress *p, pfields *f) {
  const lg_load_progress *l = &p->load;
  char num[32];
  double rps = l->elapsed_s > 0 ? (double)l->completed / l->elapsed_s : NAN;
  snprintf(f->scenario, sizeof f->scenario, "%s",
           p->scenario ? p->scenario : "leakgate");
  if (p->stage && strcmp(p->stage, "load") == 0 && l->phase_name)
    snprintf(f->stage, sizeof f->stage, "load %s", l->phase_name);
  else
    snprintf(f->stage, sizeof f->stage, "%s", p->stage ? p->stage : "run");
  lg_format_duration(f->elapsed, sizeof f->elapsed,
                     l->elapsed_s > 0 ? l->elapsed_s : 0);
  if (isfinite(l->total_s) && l->total_s > 0)
    lg_format_duration(f->total, sizeof f->total, l->total_s);
  else
    snprintf(f->total, sizeof f->total, "?");
  snprintf(f->requests, sizeof f->requests, "%llu req",
           (unsigned long long)l->completed);
  snprintf(f->rate, sizeof f->rate, "%s req/s",
           lg__fmt_num(num, sizeof num, rps));
  f->errors[0] = '\0';
  if (l->errors)
    snprintf(f->errors, sizeof f->errors, "%llu errors",
             (unsigned long long)l->errors);
  if (isfinite(p->memory_bytes))
    lg_format_bytes(num, sizeof num, p->memory_bytes);
  else
    snprintf(num, sizeof num, "n/a");
  snprintf(f->mem, sizeof f->mem, "mem %s", num);
  if (isfinite(p->slope))
    snprintf(f->slope, sizeof f->slope, "slope %s B/req",
             lg__fmt_num(num, sizeof num, p->slope));
  else
    snprintf(f->slope, sizeof f->slope, "slope n/a");
}

/* The line with the fields whose bit is set in keep (the stage and the
 * elapsed time always). Colour codes only when color. */
static int compose(const pfields *f, unsigned keep, bool color, char *buf,
                   size_t cap) {
  char group[160];
  size_t o = 0;
  int n;
#define HAS(x) (keep & (1u << (x)))
  group[0] = '\0';
  if (HAS(F_REQUESTS))
    snprintf(group, sizeof group, "%s", f->requests);
  if (HAS(F_RATE) && HAS(F_REQUESTS))
    snprintf(group + strlen(group), sizeof group - strlen(group), ", %s",
             f->rate);
  if (HAS(F_ERRORS) && f->errors[0])
    snprintf(group + strlen(group), sizeof group - strlen(group), "%s%s",
             group[0] ? ", " : "", f->errors);
  n = snprintf(buf, cap, "%s%s%s%s%s%s%s | %s%s%s",
               HAS(F_SCENARIO) && color ? "\033[1m" : "",
               HAS(F_SCENARIO) ? f->scenario : "",
               HAS(F_SCENARIO) && color ? "\033[0m" : "",
               HAS(F_SCENARIO) ? " | " : "", color ? "\033[36m" : "", f->stage,
               color ? "\033[0m" : "", f->elapsed, HAS(F_TOTAL) ? " / " : "",
               HAS(F_TOTAL) ? f->total : "");
  o = n < 0 ? 0 : (size_t)n;
  if (group[0] && o < cap)
    o += (size_t)snprintf(buf + o, cap - o, " | %s", group);
  if (HAS(F_MEM) && o < cap)
    o += (size_t)snprintf(buf + o, cap - o, " | %s", f->mem);
  if (HAS(F_SLOPE) && o < cap)
    o += (size_t)snprintf(buf + o, cap - o, " | %s", f->slope);
#undef HAS
  return o >= cap ? -1 : 0;
}

int lg_report_progress_fit(const struct lg_progress *p, bool color,
                           size_t columns, char *buf, size_t cap) {
  pfields f;
  char plain[512];
  unsigned keep = (1u << F_COUNT) - 1;
  int k;
  if (!buf || cap == 0)
    return LG_EUSAGE;
  buf[0] = '\0';
  if (!p)
    return LG_EUSAGE;
  fill_fields(p, &f);
  for (k = 0; columns > 0 && k <= F_COUNT; k++) {
    if (compose(&f, keep, false, plain, sizeof plain) == 0 &&
        columns_of(plain) <= columns)
      break;
    if (k < F_COUNT)
      keep &= ~(1u << k);
  }
  if (columns > 0 && k > F_COUNT) {
    /* Only the stage and the elapsed time left, and still too wide: cut
     * the stage name (" | " and the elapsed time stay whole). */
    size_t fixed = 3 + columns_of(f.elapsed);
    cut_columns(f.stage, columns > fixed ? columns - fixed : 0);
    keep = 0;
    if (compose(&f, keep, false, plain, sizeof plain) != 0 ||
        columns_of(plain) > columns) {
      snprintf(plain, sizeof plain, "%s", f.elapsed);
      cut_columns(plain, columns);
      snprintf(buf, cap, "%s", plain);
      return 0;
    }
  }
  if (compose(&f, keep, color, buf, cap) != 0 && color && cap > 5)
    /* cut inside a coloured segment: close it so the terminal is not left
     * bold or cyan */
    memcpy(buf + cap - 5, "\033[0m", 5);
  return 0;
}

int lg_report_progress_line(const struct lg_progress *p, bool color, char *buf,
                            size_t cap) {
  return lg_report_progress_fit(p, color, 0, buf, cap);
}
