/* tests/fuzz/gclog_go/fuzz_gclog_go.c - libFuzzer target for
 * lg_gc_parse_go (harness/runtime/gclog_go.c): every line of the input,
 * with the promises of ../gclog_check.h. */
#include "../gclog_check.h"

static lg_gc_line parse(const char *line, size_t len, lg_gc_event *ev,
                        lg_gc_info *info) {
  (void)info;
  return lg_gc_parse_go(line, len, ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_lines(parse, data, size);
  return 0;
}
