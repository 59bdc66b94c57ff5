/* load/summary.c - lg_load_finish: join the threads and turn the workers'
 * counters and histograms into the result's load section.
 *
 * Counting rules (docs/load.md): requests = responses that completed without
 * error (HTTP status < 400; a delimited tcp/stdin response); errors =
 * everything else, one per request that failed, by class (connect, read,
 * write, timeout, status, parse). The two are disjoint. Latency percentiles
 * cover completed requests only. The exec driver counts nothing: requests,
 * errors and latency are unknown (-1 / NAN) and exec_exit_status is set.
 * Owns nothing after it returns: every string/array it puts into *out is
 * malloc'd and belongs to the result (lg_result_free or
 * lg_load_result_cleanup frees it). On failure *out holds nothing to free.
 */
#include "load/load_int.h"

#include "core/buf.h"
#include "core/clock.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const class_names[] = {
    [LGL_E_CONNECT] = "connect", [LGL_E_READ] = "read",
    [LGL_E_WRITE] = "write",     [LGL_E_TIMEOUT] = "timeout",
    [LGL_E_STATUS] = "status",   [LGL_E_PARSE] = "parse"};
_Static_assert(sizeof class_names / sizeof class_names[0] == LGL_E_N,
               "every error class has its name");

void lg_load_result_cleanup(lg_load_result *r) {
  size_t i;
  if (!r)
    return;
  free(r->driver);
  for (i = 0; r->phases && i < r->n_phases; i++)
    free(r->phases[i].name);
  free(r->phases);
  free(r->message);
  memset(r, 0, sizeof *r);
  r->exec_exit_status = -1;
}

/* The human summary: each error class with its count and first message,
 * drops, and the exec command's end. */
static char *make_message(const lg_load *l, const uint64_t *cls,
                          uint64_t dropped, const char *exec_msg) {
  lg_buf b;
  unsigned c, i;
  uint64_t total = 0;
  char *out;

  lg__buf_init(&b, 4096);
  for (c = 0; c < LGL_E_N; c++)
    total += cls[c];
  if (total)
    lg__buf_appendf(&b, "%llu request%s failed:", (unsigned long long)total,
                    total == 1 ? "" : "s");
  for (c = 0; c < LGL_E_N; c++) {
    const char *first = "";
    if (!cls[c])
      continue;
    for (i = 0; i < l->n_workers && !first[0]; i++)
      first = l->workers[i].first_err[c];
    lg__buf_appendf(&b, " %s %llu (first: %s);", class_names[c],
                    (unsigned long long)cls[c], first);
  }
  if (dropped)
    lg__buf_appendf(&b,
                    "%s%llu scheduled request%s never sent: all %d "
                    "connections were busy (raise load.connections)",
                    b.len ? " " : "", (unsigned long long)dropped,
                    dropped == 1 ? " was" : "s were", l->connections);
  if (exec_msg && exec_msg[0])
    lg__buf_appendf(&b, "%s%s", b.len ? " " : "", exec_msg);
  if (b.len && b.data[b.len - 1] == ';')
    b.data[--b.len] = '\0';
  if (b.len == 0) {
    lg__buf_cleanup(&b);
    return NULL;
  }
  out = lg__buf_steal(&b);
  return out;
}

int lg_load_finish(lg_load *l, lg_load_result *out, lg_error *err) {
  lg_load_result r;
  lgl_hist *h = NULL;
  uint64_t cls[LGL_E_N] = {0}, completed = 0, errors = 0, dropped = 0;
  uint64_t end, dur_ns;
  char exec_msg[512] = "";
  size_t p;
  unsigned i, c;
  int rc = 0;

  memset(&r, 0, sizeof r);
  r.exec_exit_status = -1;
  lg__load_join_all(l);
  end = atomic_load(&l->end_ns);
  dur_ns = l->started ? (end ? end : lg__now_ns()) - l->t0_ns : 0;
  h = calloc(1, sizeof *h);
  r.driver = strdup(lg_driver_name(l->driver));
  r.phases = calloc(l->n_phases, sizeof *r.phases);
  if (!h || !r.driver || !r.phases) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  r.n_phases = l->n_phases;
  for (i = 0; i < l->n_workers; i++) {
    const lgl_worker *w = &l->workers[i];
    lg__load_hist_merge(h, &w->hist);
    for (c = 0; c < LGL_E_N; c++)
      cls[c] += w->err_class[c];
    dropped += w->dropped;
  }
  for (p = 0; p < l->n_phases; p++) {
    const lgl_phase *ph = &l->phases[p];
    lg_phase_stats *s = &r.phases[p];
    uint64_t req = 0, er = 0;
    for (i = 0; i < l->n_workers; i++) {
      req += l->workers[i].per_phase[p].completed;
      er += l->workers[i].per_phase[p].errors;
    }
    completed += req;
    errors += er;
    if (!(s->name = strdup(ph->name))) {
      rc = lg_error_set(err, LG_ENOMEM, "out of memory");
      goto cleanup;
    }
    s->requests = l->driver == LG_DRIVER_EXEC ? -1 : (int64_t)req;
    s->errors = l->driver == LG_DRIVER_EXEC ? -1 : (int64_t)er;
    /* the part of the phase that ran */
    s->duration_s = dur_ns <= ph->start_ns ? 0
                    : (double)((dur_ns - ph->start_ns < ph->dur_ns
                                    ? dur_ns - ph->start_ns
                                    : ph->dur_ns)) / 1e9;
    s->target_rate = ph->open ? (ph->r0 + ph->r1) / 2.0 : NAN;
  }
  r.duration_s = (double)dur_ns / 1e9;
  if (l->driver == LG_DRIVER_EXEC) {
    r.requests = r.errors = -1;
    r.err_connect = r.err_read = r.err_write = -1;
    r.err_timeout = r.err_status = r.err_parse = -1;
    r.throughput_rps = r.p50_ms = r.p90_ms = r.p99_ms = r.max_ms = NAN;
    r.dropped = 0;
    lg__load_exec_result(l, &r, exec_msg, sizeof exec_msg);
  } else {
    r.requests = (int64_t)completed;
    r.errors = (int64_t)errors;
    r.err_connect = (int64_t)cls[LGL_E_CONNECT];
    r.err_read = (int64_t)cls[LGL_E_READ];
    r.err_write = (int64_t)cls[LGL_E_WRITE];
    r.err_timeout = (int64_t)cls[LGL_E_TIMEOUT];
    r.err_status = (int64_t)cls[LGL_E_STATUS];
    r.err_parse = (int64_t)cls[LGL_E_PARSE];
    r.dropped = (int64_t)dropped;
    r.throughput_rps = dur_ns ? (double)completed / ((double)dur_ns / 1e9) : NAN;
    if (h->count) {
      r.p50_ms = (double)lg__load_hist_quantile(h, 0.50) / 1e6;
      r.p90_ms = (double)lg__load_hist_quantile(h, 0.90) / 1e6;
      r.p99_ms = (double)lg__load_hist_quantile(h, 0.99) / 1e6;
      r.max_ms = (double)h->max_ns / 1e6;
    } else {
      r.p50_ms = r.p90_ms = r.p99_ms = r.max_ms = NAN;
    }
  }
  r.message = make_message(l, cls, dropped, exec_msg);
  *out = r;
  memset(&r, 0, sizeof r);
cleanup:
  lg_load_result_cleanup(&r);
  free(h);
  return rc;
}
