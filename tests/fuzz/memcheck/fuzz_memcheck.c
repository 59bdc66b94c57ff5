/* tests/fuzz/memcheck/fuzz_memcheck.c - libFuzzer target for the Memcheck
 * XML reader (lg_memcheck_parse_buffer), built by tests/fuzz/run.sh.
 *
 * Input: any bytes, read as a Memcheck XML file. Besides "no crash, no
 * leak, no UB" (ASan/UBSan/LeakSanitizer) the target checks the parser's
 * promises and aborts when one breaks: a failure adds nothing to the
 * result and names the file; a success gives leaks sorted by bytes, each
 * with a 16-hex-digit fingerprint and readable frames, and finite totals.
 * The input is parsed twice into one result to exercise accumulation.
 */
#include <leakgate/valgrind.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check(const lg_memcheck_result *m) {
  size_t i, j;
  for (i = 0; i < m->n_leaks; i++) {
    const lg_leak_record *l = &m->leaks[i];
    if (!l->kind || !l->fingerprint || strlen(l->fingerprint) != 16 ||
        !(l->bytes >= 0) || l->blocks < 0)
      abort();
    if (i > 0 && l->bytes > m->leaks[i - 1].bytes)
      abort(); /* not sorted */
    for (j = 0; j < l->n_stack; j++)
      if ((l->stack[j].function && strlen(l->stack[j].function) > 65536) ||
          l->stack[j].line < 0)
        abort();
  }
  if (m->ran && (!isfinite(m->definitely_lost_bytes) ||
                 !isfinite(m->indirectly_lost_bytes) ||
                 !isfinite(m->possibly_lost_bytes) || m->errors < 0))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lg_result *r = lg_result_new();
  lg_error err;
  size_t first;
  int rc;
  if (!r)
    return 0;
  rc = lg_memcheck_parse_buffer("fuzz.xml", (const char *)data, size,
                                &r->memcheck, &err);
  if (rc != 0) {
    if (r->memcheck.n_leaks != 0 || r->memcheck.ran || rc != err.code ||
        strncmp(err.msg, "fuzz.xml", 8) != 0)
      abort();
  } else {
    check(&r->memcheck);
    first = r->memcheck.n_leaks;
    /* the same file again adds the same records (deterministic) */
    if (lg_memcheck_parse_buffer("fuzz.xml", (const char *)data, size,
                                 &r->memcheck, &err) != 0 ||
        r->memcheck.n_leaks != 2 * first)
      abort();
    check(&r->memcheck);
  }
  lg_result_free(r);
  return 0;
}
