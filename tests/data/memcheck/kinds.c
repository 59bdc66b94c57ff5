/* kinds.c - generator of kinds.xml (see regen.sh): one of each Memcheck
 * leak kind, a repeated InvalidRead (errorcounts > 1), and death by
 * SIGABRT (a <fatal_signal>). Not built by CMake. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

struct node { char *payload; };
static char *interior; /* points inside a block: possibly lost */
static void *reachable; /* still reachable */

__attribute__((noinline)) static void leak_tree(void) {
  struct node *n = malloc(sizeof *n);   /* definitely lost */
  n->payload = malloc(100);             /* indirectly lost */
  memset(n->payload, 1, 100);
}

__attribute__((noinline)) static void leak_interior(void) {
  char *b = malloc(64);
  interior = b + 16;
}

__attribute__((noinline)) static int read_freed(int i) {
  char *p = malloc(8);
  volatile char c;
  free(p);
  c = p[i % 8];
  return c;
}

int main(void) {
  int i, s = 0;
  leak_tree();
  leak_interior();
  reachable = malloc(32);
  for (i = 0; i < 3; i++)
    s += read_freed(i);
  raise(SIGABRT);
  return s;
}
