/* tests/fuzz/gclog_node/fuzz_gclog_node.c - libFuzzer target for
 * lg_gc_parse_node (harness/runtime/gclog_node.c): every line of the input,
 * with the promises of ../gclog_check.h. */
#include "../gclog_check.h"

static lg_gc_line parse(const char *line, size_t len, lg_gc_event *ev,
                        lg_gc_info *info) {
  (void)info;
  return lg_gc_parse_node(line, len, ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_lines(parse, data, size);
  return 0;
}
