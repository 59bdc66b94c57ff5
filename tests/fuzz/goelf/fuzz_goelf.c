/* tests/fuzz/goelf/fuzz_goelf.c - libFuzzer target for lg_go_build_version
 * (harness/runtime/goelf.c): the input is an executable file, written to a
 * memfd and read through /proc/self/fd/N as the detector reads a program.
 * Promises checked (abort() when broken): the result is 0, LG_ENOENT,
 * LG_EINPUT or LG_EIO; on 0 the version is NUL-terminated, printable and
 * starts "go" or "devel"; on failure the message is one non-empty line.
 * Seeds (corpus/, made by mkseeds.py): minimal ELFs with the inline
 * (Go >= 1.18) and pointer (Go 1.13-1.17) formats, 64-bit little-endian and
 * 32-bit big-endian, with and without a section table. */
#include <leakgate/runtime.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[64], ver[32];
  lg_error err;
  size_t i;
  int fd = memfd_create("goelf", MFD_CLOEXEC), rc;
  if (fd < 0)
    return 0;
  if (write(fd, data, size) != (ssize_t)size) {
    close(fd);
    return 0;
  }
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  memset(&err, 0, sizeof err);
  memset(ver, 0x5a, sizeof ver);
  rc = lg_go_build_version(path, ver, sizeof ver, &err);
  close(fd);
  if (rc == 0) {
    if (!memchr(ver, '\0', sizeof ver) ||
        (strncmp(ver, "go", 2) != 0 && strncmp(ver, "devel", 5) != 0))
      abort();
    for (i = 0; ver[i]; i++)
      if ((unsigned char)ver[i] < 0x20 || (unsigned char)ver[i] >= 0x7f)
        abort();
    return 0;
  }
  if (rc != LG_ENOENT && rc != LG_EINPUT && rc != LG_EIO)
    abort();
  if (err.code != rc || !err.msg[0] || strchr(err.msg, '\n'))
    abort();
  return 0;
}
