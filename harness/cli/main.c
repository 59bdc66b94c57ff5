/* cli/main.c - placeholder entry until the CLI lands (replaced next). */
#include <leakgate/leakgate.h>
#include <stdio.h>

int main(void) {
  printf("leakgate %s\n", lg_version());
  return 0;
}
