/* tests/fuzz/pprof/fuzz_pprof.c - libFuzzer target for the pprof
 * profile.proto decoder (harness/pprof), built by tests/fuzz/run.sh.
 *
 * Input: any bytes, decoded as a profile (gzip-compressed when they start
 * with the gzip magic). Aborts when a promise breaks: a failure names the
 * input and returns no profile; a success gives a model whose every index
 * is in range (sample -> location -> function, location -> mapping, one
 * value per sample type), whose samples turn into frames, and which
 * encodes and decodes again to the same counts.
 */
#include <leakgate/pprof.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check(const lg_pprof *p) {
  size_t i, j;
  lg_error err;
  for (i = 0; i < p->n_samples; i++) {
    const lg_pprof_sample *s = &p->samples[i];
    lg_frame *f = NULL;
    size_t n = 0;
    for (j = 0; j < s->n_locations; j++)
      if (s->locations[j] >= p->n_locations)
        abort();
    for (j = 0; j < s->n_labels; j++)
      if (!s->labels[j].key || !s->labels[j].str || !s->labels[j].num_unit)
        abort();
    if (lg_pprof_sample_frames(p, s, &f, &n, &err) != 0)
      abort();
    for (j = 0; j < n; j++)
      if (!f[j].function)
        abort();
    lg_pprof_frames_free(f, n);
  }
  for (i = 0; i < p->n_locations; i++) {
    const lg_pprof_location *l = &p->locations[i];
    if (l->mapping > p->n_mappings)
      abort();
    for (j = 0; j < l->n_lines; j++)
      if (l->lines[j].function >= p->n_functions)
        abort();
  }
  for (i = 0; i < p->n_functions; i++)
    if (!p->functions[i].name || !p->functions[i].file)
      abort();
  for (i = 0; i < p->n_sample_types; i++)
    if (!p->sample_types[i].type || !p->sample_types[i].unit)
      abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lg_pprof *p = NULL, *q = NULL;
  unsigned char *buf = NULL;
  size_t len = 0;
  lg_error err;
  int rc = lg_pprof_decode("fuzz.pb", data, size, &p, &err);
  if (rc != 0) {
    if (p || strncmp(err.msg, "fuzz.pb", 7) != 0 || strchr(err.msg, '\n'))
      abort();
    return 0;
  }
  check(p);
  if (lg_pprof_encode(p, size & 1, &buf, &len, &err) != 0)
    abort();
  if (lg_pprof_decode("again", buf, len, &q, &err) != 0)
    abort();
  check(q);
  if (q->n_samples != p->n_samples || q->n_locations < p->n_locations ||
      q->n_functions < p->n_functions || q->n_mappings != p->n_mappings ||
      q->n_sample_types != p->n_sample_types)
    abort();
  lg_pprof_free(q);
  lg_pprof_free(p);
  free(buf);
  return 0;
}
