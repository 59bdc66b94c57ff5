/* tests/fuzz/gclog_jvm/fuzz_gclog_jvm.c - libFuzzer target for
 * lg_gc_parse_jvm (harness/runtime/gclog_jvm.c): every line of the input,
 * with the promises of ../gclog_check.h. */
#include "../gclog_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_lines(lg_gc_parse_jvm, data, size);
  return 0;
}
