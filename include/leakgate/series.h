/* leakgate/series.h - memory samples: the samples.csv writer the sampler
 * streams to, and the reader that turns any such CSV into an (x, y) series.
 *
 * samples.csv (DESIGN section 2): header
 *   t_s,requests,rss_bytes,anon_bytes,pss_bytes,cgroup_bytes,procs,fds,phase,
 *   heap_live_bytes,gc_count,gc_pause_s
 * then one row per sample in plain decimal (the last three, appended for
 * managed runtimes, are empty for a native service). Unknown values are empty cells.
 * The writer hands every row to the kernel in one write(2) (no stdio
 * buffer), so a crash or an OOM kill of anything loses nothing already
 * sampled.
 *
 * The reader accepts any CSV with a t_s column and at least one metric column.
 * It streams the file and aggregates online into at most LG_SERIES_MAX_POINTS
 * blocks, so its memory does not grow with the number of rows (method and
 * approximations: docs/analysis.md, "Reading and aggregation").
 *   x axis: `requests` when the column exists and opts.x is not "seconds",
 *           else t_s ("seconds").
 *   metric: opts.metric as a column name, or a short name (anon, heap, rss,
 *           pss, cgroup -> <name>_bytes); by default the first of anon_bytes,
 *           heap_bytes, rss_bytes, cgroup_bytes that has at least
 *           LG_SERIES_MIN_POINTS values, else the first other *_bytes column.
 *   empty cells are "not measured": the row is skipped for that metric.
 *   aggregate: LG_AGG_AUTO picks the lower envelope (MIN, one point per GC
 *           cycle) when it finds a GC/decay sawtooth, else block medians.
 * Bad input gives LG_EINPUT with "file:line[:column]: problem"; nothing is
 * made up from a file it could not read completely.
 * Ownership: lg_series_read allocates *out; lg_series_free frees it.
 */
#ifndef LEAKGATE_SERIES_H
#define LEAKGATE_SERIES_H

#include <leakgate/error.h>
#include <stdint.h>
#include <stdio.h>

#define LG_SERIES_MAX_POINTS 4096
/* A series with fewer points (after aggregation) cannot be judged. */
#define LG_SERIES_MIN_POINTS 20

/* One sample row. Doubles are NAN and counts -1 when not measured. */
typedef struct lg_sample {
  double t_s;       /* seconds since load start */
  int64_t requests; /* completed requests at that instant */
  double rss_bytes;
  double anon_bytes;
  double pss_bytes;
  double cgroup_bytes;
  int procs;
  int fds;
  const char *phase; /* phase name (no commas, no quotes) */
  /* Appended columns (issue 12): a managed runtime's live heap after its
   * last full collection, collections so far and their summed pauses;
   * NAN / -1 for a native service (lg_sample_init sets them so). */
  double heap_live_bytes;
  int64_t gc_count;
  double gc_pause_s;
} lg_sample;

/* Every field unknown (NAN, -1, ""): rows that leave a column out stay
 * correct when columns are appended to lg_sample later. */
void lg_sample_init(lg_sample *s);

typedef struct lg_samples_writer lg_samples_writer;

/* Create path (refusing a planted symlink) and write the header. */
int lg_samples_writer_open(const char *path, lg_samples_writer **out,
                           lg_error *err);
/* Append and flush one row. */
int lg_samples_writer_append(lg_samples_writer *w, const lg_sample *s,
                             lg_error *err);
/* A new stream that reads w's file from its first byte: the file this
 * writer created and wrote, never whatever is at its path now (another
 * process may have replaced that). The stream has its own file position;
 * it sees the rows appended before each read. *out is the caller's
 * (fclose). */
int lg_samples_writer_reader(lg_samples_writer *w, FILE **out, lg_error *err);
/* Close and free (NULL is fine); returns a deferred write error if any. */
int lg_samples_writer_close(lg_samples_writer *w, lg_error *err);

typedef enum { LG_AGG_AUTO = 0, LG_AGG_MEDIAN, LG_AGG_MIN } lg_aggregate;

typedef struct lg_series_opts {
  const char *x;      /* "requests", "seconds" or NULL (requests if present) */
  const char *metric; /* column name or short name (anon, rss, ...); NULL default */
  lg_aggregate aggregate;
  double until_t_s;   /* > 0: rows after this t_s are left out of the
                         series (only their t_s is still checked): a run
                         cuts the series at the service's death; 0: none */
  /* Extensions (additive). Prometheus inputs: metric is a series selector
   * (name{label="value",label!="value"}; anon, rss, pss, cgroup stand for
   * leakgate_memory_bytes{metric="..."}), and x_series a selector of the
   * request-counter series that gives x (then x = "requests"). */
  const char *x_series;
  double t_max;       /* > 0: read only the rows before the first with t_s >=
                         t_max (what a look at that moment saw, even while
                         the file is still being written); 0: every row */
} lg_series_opts;

/* An (x, y) series after aggregation; t is seconds at each point. */
typedef struct lg_series {
  double *x, *y, *t;
  size_t n;
  size_t rows;       /* rows read */
  char metric[64];   /* column name used, e.g. "anon_bytes" */
  char x_name[16];   /* "requests" or "seconds" */
  int x_is_seconds;
  lg_aggregate aggregate; /* what was applied (MEDIAN or MIN), never AUTO */
  double x_block;    /* mean x width of one point (0 = raw points) */
  /* Extensions (additive). */
  double *ymax;        /* largest raw value inside each point (transients) */
  size_t rows_used;    /* rows with a value for the metric */
  size_t gc_cycles;    /* sawtooth drops found (0 = none) */
  double gc_period_x;  /* median x between drops; NAN if none */
  char *name;          /* Prometheus inputs: the series with its labels,
                          metric{label="value",...}; NULL for a CSV */
  double t_end, x_end; /* t_s and x of the last row read with an x */
  double steady_t, steady_x; /* t_s and x of the first row (with an x) whose
                                phase differs from the first such row's:
                                where the steady phases start after the
                                warm-up phase; the first row itself when
                                the phase never changes or there is no
                                phase column (from arrays: the first point) */
} lg_series;

/* Read a CSV file into a series; LG_EINPUT with file:line for bad input,
 * LG_ENOENT/LG_EIO when it cannot be opened or read, LG_EUSAGE for bad opts. */
int lg_series_read(const char *path, const lg_series_opts *opts,
                   lg_series **out, lg_error *err);
/* Same, from an open stream; name is used in messages. */
int lg_series_read_stream(FILE *f, const char *name, const lg_series_opts *opts,
                          lg_series **out, lg_error *err);
/* Build a series from arrays (copied, aggregated as the reader does with
 * LG_AGG_AUTO); t may be NULL (then t = x for "seconds", else NAN). */
int lg_series_from_arrays(const double *x, const double *y, const double *t,
                          size_t n, const char *metric, const char *x_name,
                          lg_series **out, lg_error *err);
/* Free a series (NULL is fine). */
void lg_series_free(lg_series *s);

/* What `leakgate analyze` reads, told apart by content (never by the file
 * name): samples.csv-style CSV; the Prometheus HTTP API's query_range answer
 * (JSON: {"status":"success","data":{"resultType":"matrix","result":[...]}},
 * or just its result array); a sequence of Prometheus text 0.0.4 or
 * OpenMetrics scrapes whose samples carry timestamps (milliseconds in
 * 0.0.4, seconds in OpenMetrics, which ends each scrape with "# EOF").
 * docs/analysis.md, "Prometheus inputs", has the rules. */
typedef enum lg_input_format {
  LG_INPUT_AUTO = 0,
  LG_INPUT_CSV,
  LG_INPUT_PROM_JSON,
  LG_INPUT_PROM_TEXT
} lg_input_format;

/* Series a Prometheus input holds at most (one verdict each). */
#define LG_SERIES_MAX_SERIES 128

/* Every series read from one input: one for a CSV, one per selected
 * Prometheus series (each named). */
typedef struct lg_series_list {
  lg_series **v;
  size_t n;
  lg_input_format format;
} lg_series_list;

/* The format of an input from its first bytes. */
lg_input_format lg_input_detect(const char *head, size_t n);
/* "csv", "prometheus-json", "prometheus-text". */
const char *lg_input_format_name(lg_input_format f);
/* Read any input into out (zeroed first). Prometheus inputs: x is time in
 * seconds, or the counter of opts.x_series at the same timestamps (x =
 * "requests" without x_series means leakgate_requests_total); series
 * selected by opts.metric, else every series of a query_range answer (but
 * the x series), else for text scrapes the first memory metric present of
 * leakgate_memory_bytes{metric="anon"|"rss"|"cgroup"},
 * container_memory_working_set_bytes, container_memory_rss,
 * container_memory_usage_bytes, process_resident_memory_bytes. Errors as
 * lg_series_read, with file:line:column (and a JSON path for JSON). With
 * x_series the input is read twice, so it must be seekable. */
int lg_series_read_all(const char *path, const lg_series_opts *opts,
                       lg_series_list *out, lg_error *err);
int lg_series_read_all_stream(FILE *f, const char *name,
                              const lg_series_opts *opts, lg_series_list *out,
                              lg_error *err);
/* Free every series and the array (the struct itself is the caller's). */
void lg_series_list_cleanup(lg_series_list *l);

#endif
