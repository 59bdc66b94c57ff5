/* run/early.h - early stop inside a running session (analysis.early_stop):
 * the looks of leakgate/early_stop.h taken while the load runs, so the
 * session can end the steady load once the verdict is decided.
 *
 * A look at time T reads samples.csv (the run's own file, through its
 * writer) up to the rows before T, once a row at or after T is written:
 * exactly the rows `leakgate analyze --early-stop` gives the same look when
 * it replays the file, so the run's verdict (which run.c takes from that
 * replay) and the moment the session stopped agree. The steady phases start
 * at the first row of the second phase, as the reader finds it.
 *
 * Threads: lg__early_on_sample runs on the sampler thread and only stores the
 * latest row's time and the steady start (atomics); lg__early_poll, which reads
 * the file and analyses (10-50 ms a look, a dozen or so looks a run),
 * belongs to the session's main loop.
 * Ownership: nothing allocated outside a look; the writer is borrowed.
 */
#ifndef LG_RUN_EARLY_H
#define LG_RUN_EARLY_H

#include <leakgate/leakgate.h>
#include <stdatomic.h>
#include <stdbool.h>

typedef struct early {
  bool on;
  lg_samples_writer *w; /* borrowed: the rows looks read back */
  const lg_scenario *sc; /* borrowed: each look's options */
  lg_early_stop st;      /* main loop only */
  const char *metric; /* the column run.c judges */
  bool x_seconds;
  _Atomic double last_t;             /* t_s of the latest row, as written */
  _Atomic double steady_t, steady_x; /* NAN until the second phase's row */
  char first_phase[72];              /* sampler thread only */
  bool have_first;                   /* sampler thread only */
  bool steady_set, decided;          /* main loop only */
  lg_leak leak;                      /* the deciding look's verdict */
} early;

/* The scenario's early-stop options: max_t is load.max_duration (or the
 * phases' total) times duration_scale; the minimum evidence as written. */
void lg__early_stop_opts(const lg_scenario *sc, double duration_scale,
                         lg_early_stop_opts *eo);

/* Set up; looks are on when sc asks for early stop and w is given.
 * duration_scale as the session's (max_duration scales with it). */
void lg__early_init(early *e, const lg_scenario *sc, lg_samples_writer *w,
                    double duration_scale);
/* The t_s the load may run to (load.max_duration, scaled); 0 when early
 * stop is off or the phases' total already reaches it. */
double lg__early_max_duration(const early *e);
/* Sampler thread: note the row just written. */
void lg__early_on_sample(early *e, const lg_sample *s);
/* Main loop: take every look that is due (memory_limit: NAN for none).
 * Returns 1 once a look has decided, else 0. A look that cannot read or
 * analyse is skipped: early stop never fails a run, the run goes on. */
int lg__early_poll(early *e, double memory_limit);

#endif
