/* tests/fuzz/scenario/fuzz_scenario.c - libFuzzer target for the scenario
 * loader (lg_scenario_load_string), built by tests/fuzz/run.sh.
 *
 * Input: YAML text. Lines starting with "#set " (YAML comments, so the text
 * stays YAML) also become --set overrides, at most 4, so the override path is
 * fuzzed too. Besides "no crash, no leak, no UB" (ASan/UBSan/LeakSanitizer),
 * the target checks the loader's promises and aborts when one breaks:
 * a failure leaves no scenario and a one-line message naming its position;
 * a success gives a scenario whose strings and arrays are all readable.
 */
#include <leakgate/scenario.h>
#include <leakgate/template.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OV 4
#define MAX_OV_LEN 256

static size_t overrides(const uint8_t *d, size_t n, char ov[][MAX_OV_LEN],
                        const char **ptrs) {
  size_t i = 0, k = 0;
  while (i < n && k < MAX_OV) {
    size_t e = i;
    while (e < n && d[e] != '\n')
      e++;
    if (e - i > 5 && memcmp(d + i, "#set ", 5) == 0) {
      size_t len = e - i - 5;
      if (len >= MAX_OV_LEN)
        len = MAX_OV_LEN - 1;
      memcpy(ov[k], d + i + 5, len);
      ov[k][len] = '\0';
      ptrs[k] = ov[k];
      k++;
    }
    i = e + 1;
  }
  return k;
}

static size_t touch(const char *s) { return s ? strlen(s) : 0; }

/* Read every string and array of a loaded scenario (ASan catches any bad
 * pointer) and check the invariants the other modules rely on. */
static void check(const lg_scenario *sc) {
  size_t i, sum = 0;
  sum += touch(sc->file) + touch(sc->dir) + touch(sc->name);
  if (!sc->name || !sc->dir || sc->dir[0] != '/' || sc->version != 1)
    abort();
  if (!sc->service.argv || sc->service.argc == 0 ||
      sc->service.argv[sc->service.argc] != NULL || !sc->service.cwd)
    abort();
  for (i = 0; i < sc->service.argc; i++)
    sum += touch(sc->service.argv[i]);
  for (i = 0; i < sc->service.n_env; i++)
    sum += touch(sc->service.env[i].key) + touch(sc->service.env[i].value);
  sum += touch(sc->service.ready.target) + touch(sc->container.image) +
         touch(sc->container.rootfs) + touch(sc->load.url) +
         touch(sc->load.method) + touch(sc->load.address);
  for (i = 0; i < sc->load.n_headers; i++)
    sum += touch(sc->load.headers[i].key) + touch(sc->load.headers[i].value);
  if (sc->load.body && sc->load.body[sc->load.body_len] != '\0')
    abort();
  for (i = 0; i < sc->load.n_flow; i++) {
    const lg_flow_item *f = &sc->load.flow[i];
    if (!f->send_len || !f->expect_len || f->send[f->send_len] ||
        f->expect[f->expect_len])
      abort();
  }
  for (i = 0; i < sc->load.n_command; i++)
    sum += touch(sc->load.command[i]);
  if (sc->load.n_phases == 0)
    abort();
  for (i = 0; i < sc->load.n_phases; i++) {
    const lg_phase *p = &sc->load.phases[i];
    if (!(p->duration_s > 0) || (!isnan(p->ramp_to) && isnan(p->rate)))
      abort();
    sum += touch(p->name);
  }
  if (sc->load.connections < 1 || sc->load.connections > 10000 ||
      sc->load.threads < 1 || sc->load.threads > 64 ||
      !(sc->sampling_interval_s >= 0.00999) ||
      !(sc->analysis.confidence > 0.5 && sc->analysis.confidence < 1) ||
      !(sc->analysis.warmup_fraction < 1))
    abort();
  for (i = 0; i < sc->valgrind.n_suppressions; i++)
    if (sc->valgrind.suppressions[i][0] != '/')
      abort();
  sum += touch(sc->baseline.file);
  for (i = 0; i < sc->n_profiles; i++)
    sum += touch(sc->profiles[i].name);
  for (i = 0; i < sc->n_warnings; i++)
    if (!strchr(sc->warnings[i], ':') || strchr(sc->warnings[i], '\n'))
      abort();
  /* Templates the loader accepted must compile. */
  if (sc->load.url) {
    char *out = NULL;
    if (lg_template_expand(sc->load.url, 8080, &out, NULL))
      abort();
    free(out);
  }
  (void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char ov[MAX_OV][MAX_OV_LEN];
  const char *ptrs[MAX_OV];
  size_t n = overrides(data, size, ov, ptrs);
  lg_scenario *sc = NULL;
  lg_error e;
  int rc;
  memset(&e, 0, sizeof e);
  rc = lg_scenario_load_string("fuzz.yaml", (const char *)data, size, ptrs, n,
                               &sc, &e);
  if (rc) {
    if (sc || rc != e.code || !e.msg[0] || strchr(e.msg, '\n') ||
        (strncmp(e.msg, "fuzz.yaml:", 10) != 0 &&
         strncmp(e.msg, "--set ", 6) != 0 && rc != LG_ENOMEM))
      abort();
    return 0;
  }
  check(sc);
  if (sc->n_profiles) {
    lg_error pe;
    double before = lg_scenario_duration(sc);
    if (lg_scenario_apply_profile(sc, sc->profiles[0].name, &pe) == 0 &&
        !(lg_scenario_duration(sc) > 0) && before > 0)
      abort();
  }
  lg_scenario_free(sc);
  return 0;
}
