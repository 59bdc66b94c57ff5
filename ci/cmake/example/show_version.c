/* show_version - links libleakgate through find_package(LeakGate). */
#include <leakgate/leakgate.h>
#include <stdio.h>

int main(void) {
  printf("libleakgate %s\n", lg_version());
  return 0;
}
