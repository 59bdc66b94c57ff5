/* leakgate/metrics.h - a live Prometheus / OpenMetrics endpoint for runs
 * (`leakgate run --metrics HOST:PORT`).
 *
 * lg_metrics_start binds a listening socket and starts one thread that
 * answers `GET /metrics` (and HEAD) with the latest state the run fed in:
 * every memory column of the last sample, completed requests and errors,
 * the running slope with its bounds, the time to the limit, the phase and
 * stage, all labelled with the scenario. The format is negotiated from the
 * scraper's Accept header: `application/openmetrics-text; version=1.0.0`
 * when it asks for that (Prometheus does), else the text format 0.0.4
 * (`text/plain; version=0.0.4`). docs/metrics.md lists every series.
 *
 * The run never waits for the endpoint: the feeding functions below hold a
 * mutex only while they copy a fixed-size struct (no allocation, no I/O
 * under it), and the server thread renders from its own copy. Memory is
 * bounded: at most max_clients connections, each with a request buffer of
 * 8 KiB and a response capped at 256 KiB; an idle or slow client is dropped
 * after io_timeout_s, and when all slots are taken the oldest connection is
 * dropped for the new one, so a scraper is never locked out.
 *
 * Addresses: "HOST:PORT", "[IPV6]:PORT" or "PORT" (127.0.0.1); HOST is a
 * numeric address or "localhost". Port 0 picks a free port
 * (lg_metrics_url tells which). A non-loopback address is refused with
 * LG_EUSAGE unless allow_remote is set: the endpoint has no
 * authentication.
 * Ownership: lg_metrics_start allocates; lg_metrics_stop closes the socket,
 * joins the thread and frees everything. Every feeding function accepts
 * m == NULL (no endpoint) and does nothing then.
 */
#ifndef LEAKGATE_METRICS_H
#define LEAKGATE_METRICS_H

#include <leakgate/analysis.h>
#include <leakgate/error.h>
#include <leakgate/load.h>
#include <leakgate/series.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct lg_metrics lg_metrics;

typedef struct lg_metrics_opts {
  const char *listen;  /* "HOST:PORT", "[V6]:PORT" or "PORT" */
  bool allow_remote;   /* allow a non-loopback HOST */
  size_t max_clients;  /* concurrent connections; 0 = 8 */
  double io_timeout_s; /* per connection; 0 = 5 s */
} lg_metrics_opts;

/* Check a listen address without binding: LG_EUSAGE with the reason when
 * it cannot be parsed or is not loopback (and allow_remote is false). */
int lg_metrics_check_listen(const char *listen, bool allow_remote,
                            lg_error *err);
/* Bind, listen and start the server thread (LG_ESYS when the address is
 * taken or cannot be bound). */
int lg_metrics_start(const lg_metrics_opts *o, lg_metrics **out, lg_error *err);
/* "http://HOST:PORT/metrics" with the port actually bound. */
const char *lg_metrics_url(const lg_metrics *m);
/* Close the listener and every connection, join the thread, free m (NULL
 * is fine). */
void lg_metrics_stop(lg_metrics *m);

/* A new scenario starts: forget the previous one's values. memory_limit is
 * the container limit in bytes (NAN = none). */
void lg_metrics_begin(lg_metrics *m, const char *scenario, double memory_limit);
/* The latest sample (called on the sampler thread). */
void lg_metrics_sample(lg_metrics *m, const lg_sample *s);
/* Load progress: completed requests, errors, phase, elapsed time. */
void lg_metrics_load(lg_metrics *m, const lg_load_progress *p);
/* What the run is doing: "starting", "load", "analysis", "valgrind",
 * "done". */
void lg_metrics_stage(lg_metrics *m, const char *stage);
/* A running estimate (final = false) or the run's own analysis (final =
 * true): slope, bounds, tolerance, time to limit, the verdict so far. */
void lg_metrics_analysis(lg_metrics *m, const lg_analysis *a, bool final);
/* Render the current state as the endpoint serves it (for tests and
 * tools); *out is malloc'd, NUL-terminated, owned by the caller. */
int lg_metrics_render(lg_metrics *m, bool openmetrics, char **out, size_t *len,
                      lg_error *err);

#endif
