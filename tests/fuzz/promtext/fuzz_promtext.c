/* tests/fuzz/promtext/fuzz_promtext.c - libFuzzer target for the
 * Prometheus / OpenMetrics scrape-sequence reader (series/prom_text.c
 * through lg_series_read_all_stream) and the analysis of every series it
 * returns; built by tests/fuzz/run.sh. The shared checks are in
 * ../prom_check.h. */
#define FUZZ_NAME "fuzz.prom"
#include "../prom_check.h"
