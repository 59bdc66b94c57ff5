/* core/version.c - the library version string. */
#include <leakgate/leakgate.h>

const char *lg_version(void) { return LG_VERSION; }
