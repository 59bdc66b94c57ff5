/* tests/tools/gen_curves.c - write the accuracy corpus (tests/tools/curves.h)
 * as samples.csv files: gen_curves OUTDIR [SEED] writes OUTDIR/<curve>.csv
 * for every curve with the given seed (default 1). The committed files in
 * tests/data/curves/ were made with: build/tests/gen_curves tests/data/curves 1
 */
#include "curves.h"

#include <stdlib.h>

int main(int argc, char **argv) {
  static double x[LGC_MAX_POINTS], y[LGC_MAX_POINTS], t[LGC_MAX_POINTS];
  unsigned long long seed = 1;
  int c;
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: gen_curves OUTDIR [SEED]\n");
    return 2;
  }
  if (argc == 3)
    seed = strtoull(argv[2], NULL, 10);
  for (c = 0; c < LGC_N_CURVES; c++) {
    char path[4096];
    FILE *f;
    size_t n = lgc_generate(c, seed, x, y, t);
    snprintf(path, sizeof path, "%s/%s.csv", argv[1], lgc_curves[c].file);
    f = fopen(path, "w");
    if (!f || lgc_write_csv(f, x, y, t, n) != 0 || fclose(f) != 0) {
      perror(path);
      return 1;
    }
  }
  return 0;
}
