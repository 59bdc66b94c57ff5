/* tests/fuzz/gclog_node/fuzz_gclog_node.c - libFuzzer target for
 * lg_gc_parse_node (harness/runtime/gclog_node.c), V8's --trace-gc lines
 * and the preload's "lg-node-gc 1" lines: every line of the input,
 * with the promises of ../gclog_check.h. */
#include "../gclog_check.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_lines(lg_gc_parse_node, data, size);
  return 0;
}
