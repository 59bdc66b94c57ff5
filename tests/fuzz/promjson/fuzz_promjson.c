/* tests/fuzz/promjson/fuzz_promjson.c - libFuzzer target for the
 * Prometheus query_range reader (series/prom_json.c through
 * lg_series_read_all_stream) and the analysis of every series it returns;
 * built by tests/fuzz/run.sh. The shared checks are in ../prom_check.h. */
#define FUZZ_NAME "fuzz.json"
#include "../prom_check.h"
