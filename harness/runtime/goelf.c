/* runtime/goelf.c - the Go version from an ELF executable's build
 * information (lg_go_build_version, leakgate/runtime.h), the way Go's own
 * debug/buildinfo reads it, so a Go service is known before it starts.
 *
 * The build information is a 32-byte header, "\xff Go buildinf:", pointer
 * size, flags, then either (flags & 2, Go >= 1.18) the version and module
 * strings inline, each prefixed by its length as a uvarint, or (Go 1.13 to
 * 1.17) two pointers to Go string headers {data, len} elsewhere in the
 * image, which are virtual addresses translated through the PT_LOAD program
 * headers; flags & 1 says the pointers are big-endian. The header sits at
 * the start of the .go.buildinfo section, or, when the section table was
 * stripped, 16-byte aligned within the first 64 KiB of the first writable
 * PT_LOAD segment (Go's search). Everything read is bounded: header
 * tables to 1 MiB, the search to 64 KiB, strings to the caller's buffer.
 * Every offset and size is checked against the file before it is used, so
 * a hostile or truncated file is LG_EINPUT, never a crash.
 */
#include <leakgate/runtime.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "\xff Go buildinf:"
#define MAGIC_LEN 14
#define HDR_LEN 32
#define SEARCH_MAX 65536
#define TABLE_MAX (1 << 20)
#define PT_LOAD 1
#define PF_W 2

typedef struct elf {
  int fd;
  uint64_t size; /* file size */
  int is64, be;
  uint64_t phoff, shoff;
  unsigned phentsize, phnum, shentsize, shnum, shstrndx;
  unsigned char *ph; /* program header table */
} elf;

static uint64_t get(const unsigned char *p, int n, int be) {
  uint64_t v = 0;
  int i;
  for (i = 0; i < n; i++)
    v |= (uint64_t)p[be ? n - 1 - i : i] << (8 * i);
  return v;
}

/* pread exactly n bytes at off, inside the file. */
static int read_at(const elf *e, uint64_t off, void *buf, size_t n) {
  size_t got = 0;
  if (off > e->size || n > e->size - off)
    return LG_EINPUT;
  while (got < n) {
    ssize_t r = pread(e->fd, (char *)buf + got, n - got, (off_t)(off + got));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return r < 0 ? LG_EIO : LG_EINPUT;
    got += (size_t)r;
  }
  return 0;
}

static int read_header(elf *e) {
  unsigned char h[64];
  if (e->size < 52 || read_at(e, 0, h, 52) != 0 ||
      memcmp(h,
             "\x7f"
             "ELF",
             4) != 0)
    return LG_ENOENT;
  if ((h[4] != 1 && h[4] != 2) || (h[5] != 1 && h[5] != 2))
    return LG_EINPUT;
  e->is64 = h[4] == 2;
  e->be = h[5] == 2;
  if (e->is64) {
    if (e->size < 64 || read_at(e, 0, h, 64) != 0)
      return LG_EINPUT;
    e->phoff = get(h + 32, 8, e->be);
    e->shoff = get(h + 40, 8, e->be);
    e->phentsize = (unsigned)get(h + 54, 2, e->be);
    e->phnum = (unsigned)get(h + 56, 2, e->be);
    e->shentsize = (unsigned)get(h + 58, 2, e->be);
    e->shnum = (unsigned)get(h + 60, 2, e->be);
    e->shstrndx = (unsigned)get(h + 62, 2, e->be);
  } else {
    e->phoff = get(h + 28, 4, e->be);
    e->shoff = get(h + 32, 4, e->be);
    e->phentsize = (unsigned)get(h + 42, 2, e->be);
    e->phnum = (unsigned)get(h + 44, 2, e->be);
    e->shentsize = (unsigned)get(h + 46, 2, e->be);
    e->shnum = (unsigned)get(h + 48, 2, e->be);
    e->shstrndx = (unsigned)get(h + 50, 2, e->be);
  }
  if (e->phnum && e->phentsize < (e->is64 ? 56u : 32u))
    return LG_EINPUT;
  if (e->shnum && e->shentsize < (e->is64 ? 64u : 40u))
    return LG_EINPUT;
  return 0;
}

static int load_table(const elf *e, uint64_t off, unsigned entsize,
                      unsigned num, unsigned char **out) {
  size_t n = (size_t)entsize * num;
  int rc;
  *out = NULL;
  if (n == 0 || n > TABLE_MAX)
    return LG_EINPUT;
  *out = malloc(n);
  if (!*out)
    return LG_ENOMEM;
  if ((rc = read_at(e, off, *out, n)) != 0) {
    free(*out);
    *out = NULL;
  }
  return rc;
}

/* The .go.buildinfo section's file offset and size: 0, or LG_ENOENT. */
static int find_section(const elf *e, uint64_t *off, uint64_t *size) {
  static const char want[] = ".go.buildinfo";
  unsigned char *sh = NULL, name[sizeof want];
  uint64_t str_off, str_size;
  unsigned i, w = e->is64 ? 8 : 4;
  int rc = LG_ENOENT;
  if (!e->shnum || e->shstrndx >= e->shnum ||
      load_table(e, e->shoff, e->shentsize, e->shnum, &sh) != 0)
    goto cleanup;
  {
    const unsigned char *s = sh + (size_t)e->shstrndx * e->shentsize;
    str_off = get(s + 8 + 2 * w, w, e->be);
    str_size = get(s + 8 + 3 * w, w, e->be);
  }
  for (i = 0; i < e->shnum; i++) {
    const unsigned char *s = sh + (size_t)i * e->shentsize;
    uint64_t nm = get(s, 4, e->be);
    if (nm >= str_size || str_size - nm < sizeof want ||
        read_at(e, str_off + nm, name, sizeof want) != 0 ||
        memcmp(name, want, sizeof want) != 0)
      continue;
    *off = get(s + 8 + 2 * w, w, e->be);
    *size = get(s + 8 + 3 * w, w, e->be);
    rc = 0;
    break;
  }
cleanup:
  free(sh);
  return rc;
}

/* Program header i: type, flags, offset, vaddr, filesz. */
static void phdr(const elf *e, unsigned i, uint64_t *type, uint64_t *flags,
                 uint64_t *off, uint64_t *vaddr, uint64_t *filesz) {
  const unsigned char *p = e->ph + (size_t)i * e->phentsize;
  *type = get(p, 4, e->be);
  if (e->is64) {
    *flags = get(p + 4, 4, e->be);
    *off = get(p + 8, 8, e->be);
    *vaddr = get(p + 16, 8, e->be);
    *filesz = get(p + 32, 8, e->be);
  } else {
    *off = get(p + 4, 4, e->be);
    *vaddr = get(p + 8, 4, e->be);
    *filesz = get(p + 16, 4, e->be);
    *flags = get(p + 24, 4, e->be);
  }
}

/* Without a section table: the header 16-byte aligned in the first 64 KiB
 * of the first writable PT_LOAD segment. */
static int search_segment(const elf *e, uint64_t *at) {
  unsigned char *buf = NULL;
  unsigned i;
  int rc = LG_ENOENT;
  for (i = 0; e->ph && i < e->phnum; i++) {
    uint64_t type, flags, off, vaddr, filesz, n, j;
    phdr(e, i, &type, &flags, &off, &vaddr, &filesz);
    if (type != PT_LOAD || !(flags & PF_W))
      continue;
    n = filesz < SEARCH_MAX ? filesz : SEARCH_MAX;
    if (off > e->size)
      break;
    if (n > e->size - off)
      n = e->size - off;
    buf = malloc(n ? n : 1);
    if (!buf)
      return LG_ENOMEM;
    if (read_at(e, off, buf, n) != 0)
      break;
    for (j = 0; j + HDR_LEN <= n; j += 16)
      if (memcmp(buf + j, MAGIC, MAGIC_LEN) == 0) {
        *at = off + j;
        rc = 0;
        break;
      }
    break; /* only the first writable segment, as Go does */
  }
  free(buf);
  return rc;
}

/* A virtual address to a file offset through the PT_LOAD segments, with n
 * bytes available there. */
static int vaddr_to_off(const elf *e, uint64_t va, uint64_t n, uint64_t *off) {
  unsigned i;
  for (i = 0; e->ph && i < e->phnum; i++) {
    uint64_t type, flags, o, v, fs;
    phdr(e, i, &type, &flags, &o, &v, &fs);
    if (type == PT_LOAD && va >= v && va - v < fs && fs - (va - v) >= n) {
      *off = o + (va - v);
      return 0;
    }
  }
  return LG_EINPUT;
}

/* A Go version string: "go1.19.8", "devel go1.22-abcdef ..."; printable. */
static int check_version(const char *v, size_t n) {
  size_t i;
  if (n < 3 || (strncmp(v, "go", 2) != 0 && strncmp(v, "devel", 5) != 0))
    return LG_EINPUT;
  for (i = 0; i < n; i++)
    if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] >= 0x7f)
      return LG_EINPUT;
  return 0;
}

static int copy_out(const char *v, size_t n, char *ver, size_t cap) {
  int rc = check_version(v, n);
  if (rc)
    return rc;
  if (cap == 0)
    return 0;
  if (n >= cap)
    n = cap - 1;
  memcpy(ver, v, n);
  ver[n] = '\0';
  return 0;
}

/* The header and what follows it at file offset at. */
static int parse_at(const elf *e, uint64_t at, char *ver, size_t cap) {
  unsigned char h[HDR_LEN + 10];
  char s[128];
  uint64_t len = 0;
  unsigned ptr, shift = 0, i;
  int be;
  if (read_at(e, at, h, HDR_LEN) != 0 || memcmp(h, MAGIC, MAGIC_LEN) != 0)
    return LG_EINPUT;
  ptr = h[14];
  be = h[15] & 1;
  if (h[15] & 2) {
    /* Inline: uvarint length then the bytes. */
    uint64_t n = e->size - at - HDR_LEN;
    if (at + HDR_LEN > e->size)
      return LG_EINPUT;
    if (read_at(e, at + HDR_LEN, h + HDR_LEN, n < 10 ? (size_t)n : 10) != 0)
      return LG_EINPUT;
    for (i = 0; i < 10 && i < n; i++) {
      len |= (uint64_t)(h[HDR_LEN + i] & 0x7f) << shift;
      shift += 7;
      if (!(h[HDR_LEN + i] & 0x80))
        break;
    }
    if (i >= 10 || i >= n || len == 0 || len > sizeof s)
      return LG_EINPUT;
    if (read_at(e, at + HDR_LEN + i + 1, s, (size_t)len) != 0)
      return LG_EINPUT;
    return copy_out(s, (size_t)len, ver, cap);
  }
  /* Pointers: versionAddr at 16 -> {data, len} -> the bytes. */
  if (ptr != 4 && ptr != 8)
    return LG_EINPUT;
  {
    unsigned char sh[16];
    uint64_t va = get(h + 16, (int)ptr, be), off, data;
    if (vaddr_to_off(e, va, 2 * ptr, &off) != 0 ||
        read_at(e, off, sh, 2 * ptr) != 0)
      return LG_EINPUT;
    data = get(sh, (int)ptr, be);
    len = get(sh + ptr, (int)ptr, be);
    if (len == 0 || len > sizeof s || vaddr_to_off(e, data, len, &off) != 0 ||
        read_at(e, off, s, (size_t)len) != 0)
      return LG_EINPUT;
    return copy_out(s, (size_t)len, ver, cap);
  }
}

int lg_go_build_version(const char *path, char *ver, size_t cap,
                        lg_error *err) {
  elf e;
  struct stat st;
  uint64_t at = 0, size = 0;
  int rc;

  memset(&e, 0, sizeof e);
  if (cap)
    ver[0] = '\0';
  e.fd = open(path, O_RDONLY | O_CLOEXEC);
  if (e.fd < 0)
    return lg_error_set(err, LG_EIO, "%s: %s", path, strerror(errno));
  if (fstat(e.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    rc = lg_error_set(err, LG_ENOENT, "%s: not a regular file", path);
    goto cleanup;
  }
  e.size = (uint64_t)st.st_size;
  if ((rc = read_header(&e)) != 0) {
    lg_error_set(err, rc, "%s: %s", path,
                 rc == LG_ENOENT ? "not an ELF file" : "malformed ELF header");
    goto cleanup;
  }
  if (e.phnum && (rc = load_table(&e, e.phoff, e.phentsize, e.phnum, &e.ph))) {
    lg_error_set(err, rc, "%s: malformed program header table", path);
    goto cleanup;
  }
  rc = find_section(&e, &at, &size);
  if (rc == 0 && size < HDR_LEN) {
    rc = lg_error_set(err, LG_EINPUT, "%s: .go.buildinfo too short", path);
    goto cleanup;
  }
  if (rc != 0 && (rc = search_segment(&e, &at)) != 0) {
    lg_error_set(err, rc, "%s: %s", path,
                 rc == LG_ENOENT ? "no Go build information" : "out of memory");
    goto cleanup;
  }
  if ((rc = parse_at(&e, at, ver, cap)) != 0)
    lg_error_set(err, rc, "%s: malformed Go build information", path);
cleanup:
  free(e.ph);
  close(e.fd);
  return rc;
}
