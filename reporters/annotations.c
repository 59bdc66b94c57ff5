/* reporters/annotations.c - GitHub Actions workflow commands (printed when
 * GITHUB_ACTIONS=true, or with --annotations).
 *
 *   ::error file=src/items.c,line=42,title=...::message
 *
 * Per result: one annotation for a non-passing verdict (error for fail and
 * error, warning for inconclusive), pointing at the scenario file when it is
 * inside the repository; one per Memcheck leak at its first frame inside the
 * repository (error when the leak's kind is gated and it is not a known
 * baseline leak, else warning); one per Massif growing site inside the
 * repository (error when the verdict is fail, else warning: sites are
 * advisory); one per heap-profile growing site at its frame inside the
 * repository (error when the heap_profile check failed and the site is
 * not known from the baseline, else warning). Frames and sites outside repo_root are skipped; paths are made
 * relative to it. GitHub shows at most 10 errors and 10 warnings per step,
 * so the most important come first and the rest are counted in a notice.
 * Escaping follows GitHub's toolkit: data %, CR, LF; properties also : ,.
 */
#include "report_util.h"
#include "result/fmt.h"

#include <leakgate/units.h>

#include <stdlib.h>
#include <string.h>

#define PER_LEVEL_MAX 10

typedef struct emitter {
  lg_buf *b;
  const lg_report_opts *o;
  size_t n_error, n_warning, dropped;
} emitter;

/* Emit one command; file may be NULL (no location). */
static void emit(emitter *e, bool error, const char *file, int line,
                 const char *title, const char *msg) {
  size_t *count = error ? &e->n_error : &e->n_warning;
  if (*count >= PER_LEVEL_MAX) {
    e->dropped++;
    return;
  }
  (*count)++;
  lg__buf_appends(e->b, error ? "::error " : "::warning ");
  if (file) {
    lg__buf_appends(e->b, "file=");
    lg__esc_gha(e->b, file, true);
    if (line > 0)
      lg__buf_appendf(e->b, ",line=%d", line);
    lg__buf_appends(e->b, ",");
  }
  lg__buf_appends(e->b, "title=");
  lg__esc_gha(e->b, title, true);
  lg__buf_appends(e->b, "::");
  lg__esc_gha(e->b, msg, false);
  lg__buf_appends(e->b, "\n");
}

/* Emit the message gathered in msg (its error, if any, becomes the
 * report's) and free it. */
static void emit_buf(emitter *e, bool error, const char *file, int line,
                     const char *title, lg_buf *msg) {
  if (lg__buf_error(msg))
    lg__buf_fail(e->b, lg__buf_error(msg));
  else
    emit(e, error, file, line, title, msg->data);
  lg__buf_cleanup(msg);
}

static void verdict_note(emitter *e, const lg_result *r) {
  char rel[4096], title[512];
  const char *file;
  lg_buf msg;
  size_t i;
  if (r->verdict == LG_VERDICT_PASS)
    return;
  file = lg__rel_path(r->scenario_file, e->o->repo_root, rel, sizeof rel);
  snprintf(title, sizeof title, "leakgate: %s %s", lg__rep_name(r),
           lg_verdict_name(r->verdict));
  lg__buf_init(&msg, 1 << 20);
  for (i = 0; i < r->n_reasons; i++)
    lg__buf_appendf(&msg, "%s%s", i ? "\n" : "", r->reasons[i]);
  if (!msg.data)
    lg__buf_appends(&msg, lg_verdict_name(r->verdict));
  emit_buf(e, r->verdict != LG_VERDICT_INCONCLUSIVE, file, file ? 1 : 0, title,
           &msg);
}

static void leak_note(emitter *e, const lg_result *r, const lg_leak_record *l) {
  const lg_memcheck_result *m = &r->memcheck;
  char rel[4096], title[512], by[32], fr[1024];
  const lg_frame *site =
      lg__rep_leak_frame(l, e->o->repo_root, rel, sizeof rel);
  lg_buf msg;
  size_t k;
  if (!site)
    return;
  snprintf(title, sizeof title, "leakgate: %s %s lost (%s)",
           lg_format_bytes(by, sizeof by, l->bytes), l->kind ? l->kind : "?",
           lg__rep_name(r));
  lg__buf_init(&msg, 1 << 20);
  lg__buf_appendf(&msg,
                  "%s in %lld blocks %s lost, allocated here "
                  "(fingerprint %s)%s\nStack:",
                  by, (long long)l->blocks, l->kind ? l->kind : "?",
                  l->fingerprint ? l->fingerprint : "none",
                  lg_leak_is_known(&r->baseline, l->fingerprint)
                      ? "; also in the baseline"
                      : "");
  for (k = 0; k < l->n_stack && k < 12; k++)
    lg__buf_appendf(&msg, "\n  at %s",
                    lg__fmt_frame(fr, sizeof fr, &l->stack[k]));
  emit_buf(e,
           m->failed && lg_leak_kind_gated(m, l->kind) &&
               !lg_leak_is_known(&r->baseline, l->fingerprint),
           rel, site->line, title, &msg);
}

static void leak_notes(emitter *e, const lg_result *r) {
  const lg_memcheck_result *m = &r->memcheck;
  size_t *idx, i;
  if (!(idx = lg__rep_top_leaks(e->b, m)))
    return;
  for (i = 0; i < m->n_leaks && !lg__buf_error(e->b); i++)
    leak_note(e, r, &m->leaks[idx[i]]);
  free(idx);
}

static void site_notes(emitter *e, const lg_result *r) {
  const lg_massif_result *m = &r->massif;
  size_t *idx, i;
  if (!(idx = lg__rep_top_sites(e->b, m)))
    return;
  for (i = 0; i < m->n_sites && !lg__buf_error(e->b); i++) {
    const lg_growing_site *s = &m->growing_sites[idx[i]];
    char relbuf[4096], title[512], msg[1024], b1[32], b2[32], b3[32];
    const char *rel =
        lg__rel_path(s->file, e->o->repo_root, relbuf, sizeof relbuf);
    if (!rel)
      continue;
    snprintf(title, sizeof title, "leakgate: growing allocation site (%s)",
             lg__rep_name(r));
    snprintf(msg, sizeof msg, "%s grew by %s during the Massif run (%s -> %s)",
             s->function ? s->function : "??",
             lg_format_bytes(b1, sizeof b1, s->growth_bytes),
             lg_format_bytes(b2, sizeof b2, s->first_bytes),
             lg_format_bytes(b3, sizeof b3, s->last_bytes));
    emit(e, r->verdict == LG_VERDICT_FAIL, rel, s->line, title, msg);
  }
  free(idx);
}

static void heap_site_notes(emitter *e, const lg_result *r) {
  const lg_heap_profile_result *h = &r->heap_profile;
  size_t i, k;
  if (!h->ran)
    return;
  for (i = 0; i < h->n_sites && !lg__buf_error(e->b); i++) {
    const lg_heap_site *s = &h->growing_sites[i];
    char rel[4096], title[512], t[1536], per[32], fr[1024];
    const char *fn;
    int line;
    lg_buf msg;
    if (!lg__rep_heap_frame(s, e->o->repo_root, rel, sizeof rel, &fn, &line))
      continue;
    snprintf(title, sizeof title, "leakgate: growing allocation site (%s)",
             lg__rep_name(r));
    lg__buf_init(&msg, 1 << 20);
    lg__buf_appendf(&msg,
                    "%s keeps growing at full load (heap profile, sampled "
                    "every %s; fingerprint %s)%s\nStack:",
                    lg__rep_heap_site_text(t, sizeof t, r, s),
                    lg_format_bytes(per, sizeof per, h->period_bytes),
                    s->fingerprint ? s->fingerprint : "none",
                    s->known ? "; also in the baseline" : "");
    for (k = 0; k < s->n_stack && k < 12; k++)
      lg__buf_appendf(&msg, "\n  at %s",
                      lg__fmt_frame(fr, sizeof fr, &s->stack[k]));
    emit_buf(e, h->failed && !s->known, rel, line, title, &msg);
  }
}

int lg__render_annotations(const lg_result *const *rs, size_t n,
                           const lg_report_opts *o, lg_buf *b) {
  emitter e = {b, o, 0, 0, 0};
  size_t i;
  for (i = 0; i < n; i++)
    verdict_note(&e, rs[i]);
  for (i = 0; i < n; i++)
    leak_notes(&e, rs[i]);
  for (i = 0; i < n; i++)
    site_notes(&e, rs[i]);
  for (i = 0; i < n; i++)
    heap_site_notes(&e, rs[i]);
  if (e.dropped)
    lg__buf_appendf(b,
                    "::notice title=leakgate::%zu more annotation%s not "
                    "shown (GitHub shows 10 per level); see the step "
                    "summary or result.json\n",
                    e.dropped, e.dropped == 1 ? "" : "s");
  if (!b->data)
    lg__buf_append(b, "", 0);
  return lg__buf_error(b);
}
