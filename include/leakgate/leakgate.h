/* leakgate/leakgate.h - the public API of libleakgate, in data-flow order. */
#ifndef LEAKGATE_LEAKGATE_H
#define LEAKGATE_LEAKGATE_H

#include <leakgate/error.h>
#include <leakgate/units.h>
#include <leakgate/suggest.h>
#include <leakgate/template.h>
#include <leakgate/scenario.h>
#include <leakgate/container.h>
#include <leakgate/service.h>
#include <leakgate/load.h>
#include <leakgate/sampler.h>
#include <leakgate/series.h>
#include <leakgate/analysis.h>
#include <leakgate/early_stop.h>
#include <leakgate/metrics.h>
#include <leakgate/valgrind.h>
#include <leakgate/pprof.h>
#include <leakgate/heapprof.h>
#include <leakgate/baseline.h>
#include <leakgate/result.h>
#include <leakgate/report.h>
#include <leakgate/run.h>

/* The library version ("0.1.0"). */
const char *lg_version(void);

#endif
