/* metrics/metrics_int.h - internals of the live endpoint (leakgate/metrics.h):
 * the state the run feeds (a fixed-size struct, copied whole under the
 * server's mutex), its rendering in the two text formats, content
 * negotiation and listen-address parsing. */
#ifndef LG_METRICS_INT_H
#define LG_METRICS_INT_H

#include "core/buf.h"

#include <leakgate/metrics.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* Per-sample series, one per column of lg_sample the endpoint exports
 * (expose.c's table; runtime columns are added there). */
#define MX_SAMPLE_MAX 16

/* Everything a scrape shows. NAN / -1 / empty = not known yet (omitted). */
typedef struct mx_state {
  char scenario[256];
  char stage[32];
  char phase[64];
  double memory_limit;
  /* the latest sample; each value keeps its last measurement (PSS is read
   * only at phase boundaries) */
  uint64_t samples;
  double t_s;
  double col[MX_SAMPLE_MAX];
  /* load */
  bool has_load;
  uint64_t requests, errors;
  double elapsed_s, planned_s;
  /* growth: a running look, or the run's own analysis when final */
  bool has_analysis, final;
  uint64_t looks;
  char x[16];
  lg_leak leak;
  double slope, slope_lo, slope_hi, slope_per_second, tolerance;
  double time_to_limit_s, time_to_limit_min_s;
  size_t points;
} mx_state;

/* Forget everything (the start of a scenario). */
void lg__mx_state_reset(mx_state *st);
/* Copy the exported columns of a sample into st (keeping the last
 * measured value of a column the sample left empty). */
void lg__mx_state_sample(mx_state *st, const lg_sample *s);
/* Render st; om = OpenMetrics 1.0.0, else text format 0.0.4. Returns 0 or
 * LG_ELIMIT/LG_ENOMEM from the buffer. */
int lg__mx_render(const mx_state *st, bool om, lg_buf *out);

/* Content negotiation on an Accept header value (NULL: none): true when
 * OpenMetrics 1.0.0 is acceptable and preferred (by q) to text 0.0.4. */
bool lg__mx_wants_openmetrics(const char *accept);

/* Parse "HOST:PORT", "[V6]:PORT" or "PORT" into sa (numeric host or
 * localhost); LG_EUSAGE with the reason, also for a non-loopback host
 * unless allow_remote. */
int lg__mx_parse_listen(const char *listen, bool allow_remote,
                        struct sockaddr_storage *sa, socklen_t *sa_len,
                        lg_error *err);

#endif
