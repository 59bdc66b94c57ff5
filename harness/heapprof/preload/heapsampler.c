/* heapprof/preload/heapsampler.c - libleakgate-heapsampler.so, loaded into
 * the service with LD_PRELOAD by the heap_profile tier: a Poisson byte
 * sampler over the service's own allocator (the heapprofd design), writing
 * the stream of heapprof/lghs.h. Not part of libleakgate: it runs inside
 * the service and shares nothing with leakgate but that file format.
 *
 * What it does. Every allocation entry point glibc lets a program replace
 * (malloc, calloc, realloc, free, memalign, posix_memalign, aligned_alloc,
 * valloc, pvalloc; C++ new/delete reach these through libstdc++) forwards
 * to the next definition (dlsym RTLD_NEXT: the C library's allocator,
 * unchanged), and charges the requested bytes to a per-thread countdown
 * drawn from an exponential distribution of mean LG_HEAPPROF_PERIOD (512
 * KiB): an allocation that crosses it is sampled, so each byte has the same
 * chance 1/period and an allocation of s bytes is sampled with probability
 * 1 - exp(-s/period) (the reader weights it back). A sample records the
 * stack (glibc backtrace(): DWARF unwinding, so code built without frame
 * pointers unwinds), the sizes and a monotonic time; its address enters a
 * table so its free is recorded too. Nothing is symbolised here: leakgate
 * does that after the run (libdw), not the service.
 *
 * Cost on the fast path: malloc adds a thread-local subtraction; free adds
 * one byte load from a 1 MiB counting filter indexed by the address hash
 * (nonzero only near sampled addresses), and takes the lock only then.
 *
 * What it refuses (writes an 'E' note, then only forwards): a malloc that
 * is not the C library's (the program or a preloaded/linked library brings
 * its own allocator, whose other entry points - mallocx, sdallocx, ... -
 * would bypass the sampler); no LG_HEAPPROF_DIR; a stream it cannot write.
 * A statically linked service never loads it (the runner says so).
 *
 * Threads: one mutex guards the table, the stacks and the stream; it is
 * never held across a call that can take the dynamic loader's lock
 * (backtrace, dl_iterate_phdr run before it), so a dlopen that allocates
 * cannot deadlock with a sample. Reentrancy (our own allocations, a signal
 * handler that allocates during a sample) is cut by a thread-local flag.
 * fork: the child gets its own stream, re-seeded with the live samples it
 * inherited; exec: the new image loads the sampler again (new stream).
 * Memory of its own: mmap'd, outside the service's heap (filter 1 MiB,
 * table and stack store growing with the samples).
 */
#include "heapprof/lghs.h"

#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <link.h>
#include <malloc.h> /* memalign, pvalloc prototypes */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifdef LG_HS_LIBUNWIND
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#endif

#define EXPORT __attribute__((visibility("default")))
#define TLS __thread __attribute__((tls_model("initial-exec")))
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- the allocator we forward to ---------------------------------------- */

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static void *(*real_memalign)(size_t, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);
static size_t (*real_usable)(void *);

/* Before dlsym has found the real functions (dlsym itself may allocate),
 * allocations come from this buffer and are never freed. */
static _Alignas(64) char boot_buf[64 << 10];
static atomic_size_t boot_used;

static int is_boot(const void *p) {
  return (const char *)p >= boot_buf &&
         (const char *)p < boot_buf + sizeof boot_buf;
}

static void *boot_alloc(size_t n, size_t align) {
  size_t off, need;
  if (align < 16)
    align = 16;
  do {
    off = atomic_load(&boot_used);
    need = (off + align - 1) & ~(align - 1);
    if (need + n + 16 > sizeof boot_buf)
      return NULL;
  } while (!atomic_compare_exchange_weak(&boot_used, &off, need + n + 16));
  /* the size before the block, for realloc of a boot block */
  memcpy(boot_buf + need, &n, sizeof n);
  return boot_buf + need + 16;
}

static size_t boot_size(const void *p) {
  size_t n;
  memcpy(&n, (const char *)p - 16, sizeof n);
  return n;
}

/* ---- state -------------------------------------------------------------- */

#define FILTER_BITS 20
#define FILTER_SIZE (1u << FILTER_BITS)

typedef struct entry {
  uintptr_t addr; /* 0 empty, 1 deleted */
  uint64_t size, usable;
  uint32_t stack;
} entry;

typedef struct stack_rec {
  uint64_t hash;
  uint32_t off, n;  /* pcs[off .. off+n) in the pc store */
  uint32_t written; /* defined in the current stream */
} stack_rec;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int active;         /* sampling on */
static _Atomic(uint8_t *) filter; /* counting filter of sampled addresses */
static int fd = -1;
static uint64_t period = 512 << 10;
static uint64_t seed_base;
static char dir[1024];
static uint64_t stream_bytes, stream_cap = 1ull << 30;

static entry *table; /* guarded by lock */
static size_t table_cap, table_used, table_live;
static stack_rec *stacks;
static size_t stacks_n, stacks_cap;
static uint32_t *stack_slot; /* hash -> index + 1 */
static size_t stack_slot_cap;
static uint64_t *pcs;
static size_t pcs_n, pcs_cap;
static unsigned long long loaded_objects; /* dlpi_adds + dlpi_subs seen */

static TLS int64_t tl_left;
static TLS uint64_t tl_rng;
static TLS int tl_init, tl_busy;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* mmap'd memory: never the service's heap. */
static void *sys_alloc(size_t n) {
  int prot = PROT_READ | PROT_WRITE, flags = MAP_PRIVATE | MAP_ANONYMOUS;
  void *p;
  /* fd -1 is what MAP_ANONYMOUS takes; the mapping is the caller's */
  // cppcheck-suppress invalidFunctionArg
  p = mmap(NULL, n, prot, flags, -1, 0);
  // cppcheck-suppress memleak
  return p == MAP_FAILED ? NULL : p;
}

static void *sys_grow(void *old, size_t old_n, size_t n) {
  void *p;
  if (!old)
    return sys_alloc(n);
  p = mremap(old, old_n, n, MREMAP_MAYMOVE);
  return p == MAP_FAILED ? NULL : p;
}

static size_t filter_index(uintptr_t a) {
  return (size_t)(((uint64_t)(a >> 4) * 0x9e3779b97f4a7c15ull) >>
                  (64 - FILTER_BITS));
}

static size_t table_index(uintptr_t a, size_t cap) {
  return (size_t)(((uint64_t)a * 0xff51afd7ed558ccdull) >> 17) & (cap - 1);
}

/* ---- the stream --------------------------------------------------------- */

/* Write all of buf; on failure stop sampling (nothing can be reported
 * through a stream that does not take writes). Under lock, or at init. */
static void emit(const void *buf, size_t n) {
  const char *p = buf;
  if (fd < 0)
    return;
  if (stream_bytes + n > stream_cap) {
    atomic_store(&active, 0);
    return;
  }
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      atomic_store(&active, 0);
      return;
    }
    p += w;
    n -= (size_t)w;
    stream_bytes += (size_t)w;
  }
}

static void record_header(char *h, char kind, uint32_t len) {
  h[0] = kind;
  h[1] = h[2] = h[3] = 0;
  memcpy(h + 4, &len, 4);
}

static void emit_text(char kind, const char *text) {
  char h[LGHS_RECORD_HEADER];
  uint32_t n = (uint32_t)strlen(text);
  record_header(h, kind, n);
  emit(h, sizeof h);
  emit(text, n);
}

/* Copy /proc/self/maps into one 'M' record (no malloc: a mmap'd buffer). */
static void emit_maps(void) {
  size_t cap = 64 << 10, n = 0;
  char *buf = sys_alloc(cap);
  int mfd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (!buf || mfd < 0)
    goto done;
  for (;;) {
    ssize_t r;
    if (n == cap) {
      char *nb = sys_grow(buf, cap, cap * 2);
      if (!nb)
        goto done;
      buf = nb;
      cap *= 2;
    }
    r = read(mfd, buf + n, cap - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    n += (size_t)r;
  }
  {
    char h[LGHS_RECORD_HEADER];
    record_header(h, LGHS_MAPS, (uint32_t)n);
    emit(h, sizeof h);
    emit(buf, n);
  }
done:
  if (mfd >= 0)
    close(mfd);
  if (buf)
    munmap(buf, cap);
}

static int count_objects(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  *(unsigned long long *)data = info->dlpi_adds + info->dlpi_subs;
  return 1; /* the first object carries the counters */
}

static int open_stream(void) {
  char path[1200];
  int i;
  for (i = 0; i < 1000; i++) {
    snprintf(path, sizeof path, "%s/heapprof.%ld.%d.lghs", dir, (long)getpid(),
             i);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0 || errno != EEXIST)
      break;
  }
  if (fd < 0)
    return -1;
  {
    char h[LGHS_HEADER_SIZE];
    uint32_t v = LGHS_VERSION, pid = (uint32_t)getpid(), flags = 0;
    uint64_t t0 = now_ns();
    /* the 4 magic bytes, no NUL: a binary header */
    memcpy(h, LGHS_MAGIC, 4); // NOLINT(bugprone-not-null-terminated-result)
    memcpy(h + 4, &v, 4);
    memcpy(h + 8, &pid, 4);
    memcpy(h + 12, &flags, 4);
    memcpy(h + 16, &period, 8);
    memcpy(h + 24, &t0, 8);
    stream_bytes = 0;
    emit(h, sizeof h);
  }
  return 0;
}

/* ---- stacks ------------------------------------------------------------- */

static uint64_t hash_pcs(void *const *pc, int n) {
  uint64_t h = 0xcbf29ce484222325ull;
  int i;
  for (i = 0; i < n; i++) {
    h ^= (uint64_t)(uintptr_t)pc[i];
    h *= 0x100000001b3ull;
  }
  return h ^ (uint64_t)n;
}

static int stack_slots_grow(void) {
  size_t cap = stack_slot_cap ? stack_slot_cap * 2 : 4096, i;
  uint32_t *s = sys_alloc(cap * sizeof *s);
  if (!s)
    return -1;
  for (i = 0; i < stacks_n; i++) {
    size_t k = (size_t)stacks[i].hash & (cap - 1);
    while (s[k])
      k = (k + 1) & (cap - 1);
    s[k] = (uint32_t)(i + 1);
  }
  if (stack_slot)
    munmap(stack_slot, stack_slot_cap * sizeof *stack_slot);
  stack_slot = s;
  stack_slot_cap = cap;
  return 0;
}

/* The id of this stack (added when new); UINT32_MAX when out of memory. */
static uint32_t stack_intern(void *const *pc, int n) {
  uint64_t h = hash_pcs(pc, n);
  size_t k;
  int i;
  if (2 * (stacks_n + 1) > stack_slot_cap && stack_slots_grow() != 0)
    return UINT32_MAX;
  for (k = (size_t)h & (stack_slot_cap - 1); stack_slot[k];
       k = (k + 1) & (stack_slot_cap - 1)) {
    stack_rec *r = &stacks[stack_slot[k] - 1];
    if (r->hash == h && r->n == (uint32_t)n) {
      for (i = 0; i < n && pcs[r->off + i] == (uint64_t)(uintptr_t)pc[i]; i++)
        ;
      if (i == n)
        return stack_slot[k] - 1;
    }
  }
  if (stacks_n == stacks_cap) {
    size_t cap = stacks_cap ? stacks_cap * 2 : 1024;
    stack_rec *s = sys_grow(stacks, stacks_cap * sizeof *s, cap * sizeof *s);
    if (!s)
      return UINT32_MAX;
    stacks = s;
    stacks_cap = cap;
  }
  if (pcs_n + (size_t)n > pcs_cap) {
    size_t cap = pcs_cap ? pcs_cap * 2 : 1 << 16;
    uint64_t *p;
    while (cap < pcs_n + (size_t)n)
      cap *= 2;
    p = sys_grow(pcs, pcs_cap * sizeof *p, cap * sizeof *p);
    if (!p)
      return UINT32_MAX;
    pcs = p;
    pcs_cap = cap;
  }
  stacks[stacks_n].hash = h;
  stacks[stacks_n].off = (uint32_t)pcs_n;
  stacks[stacks_n].n = (uint32_t)n;
  stacks[stacks_n].written = 0;
  for (i = 0; i < n; i++)
    pcs[pcs_n + (size_t)i] = (uint64_t)(uintptr_t)pc[i];
  pcs_n += (size_t)n;
  stack_slot[k] = (uint32_t)(stacks_n + 1);
  return (uint32_t)stacks_n++;
}

/* Define stack id in the current stream if it is not yet. */
static void stack_emit(uint32_t id) {
  stack_rec *r = &stacks[id];
  char h[LGHS_RECORD_HEADER + 8];
  uint32_t len = 8 + 8 * r->n;
  if (r->written)
    return;
  record_header(h, LGHS_STACK, len);
  memcpy(h + 8, &id, 4);
  memcpy(h + 12, &r->n, 4);
  emit(h, sizeof h);
  emit(pcs + r->off, 8 * (size_t)r->n);
  r->written = 1;
}

/* ---- the table of live samples ------------------------------------------ */

static int table_grow(void) {
  size_t cap = table_cap ? table_cap : 4096, i;
  entry *t;
  /* grow when live entries fill a quarter; otherwise only drop tombstones */
  if (4 * (table_live + 1) > cap)
    cap *= 2;
  t = sys_alloc(cap * sizeof *t);
  if (!t)
    return -1;
  for (i = 0; i < table_cap; i++)
    if (table[i].addr > 1) {
      size_t k = table_index(table[i].addr, cap);
      while (t[k].addr)
        k = (k + 1) & (cap - 1);
      t[k] = table[i];
    }
  if (table)
    munmap(table, table_cap * sizeof *table);
  table = t;
  table_cap = cap;
  table_used = table_live;
  return 0;
}

static entry *table_find(uintptr_t a) {
  size_t k;
  if (!table)
    return NULL;
  for (k = table_index(a, table_cap); table[k].addr;
       k = (k + 1) & (table_cap - 1))
    if (table[k].addr == a)
      return &table[k];
  return NULL;
}

static int table_insert(const entry *e) {
  size_t k;
  if (2 * (table_used + 1) > table_cap && table_grow() != 0)
    return -1;
  for (k = table_index(e->addr, table_cap); table[k].addr > 1;
       k = (k + 1) & (table_cap - 1))
    ;
  if (table[k].addr == 0)
    table_used++;
  table[k] = *e;
  table_live++;
  return 0;
}

static void filter_add(uintptr_t a, int d) {
  uint8_t *f = atomic_load_explicit(&filter, memory_order_relaxed);
  size_t i = filter_index(a);
  uint8_t v =
      atomic_load_explicit((_Atomic uint8_t *)&f[i], memory_order_relaxed);
  if (v == 255)
    return; /* saturated: stays "maybe" for good */
  atomic_store_explicit((_Atomic uint8_t *)&f[i], (uint8_t)(v + d),
                        memory_order_release);
}

static void emit_free(uintptr_t a, uint64_t t) {
  char r[LGHS_RECORD_HEADER + LGHS_FREE_SIZE];
  uint64_t a64 = (uint64_t)a;
  record_header(r, LGHS_FREE, LGHS_FREE_SIZE);
  memcpy(r + 8, &t, 8);
  memcpy(r + 16, &a64, 8);
  emit(r, sizeof r);
}

/* Under lock: forget a, recording its free when it was sampled. */
static void unsample_locked(uintptr_t a) {
  entry *e = table_find(a);
  if (!e)
    return;
  e->addr = 1;
  table_live--;
  filter_add(a, -1);
  emit_free(a, now_ns());
}

/* ---- sampling ----------------------------------------------------------- */

static uint64_t rng_next(void) {
  /* xorshift64*: fast, per thread, good enough for exponential draws */
  tl_rng ^= tl_rng >> 12;
  tl_rng ^= tl_rng << 25;
  tl_rng ^= tl_rng >> 27;
  return tl_rng * 0x2545f4914f6cdd1dull;
}

/* Bytes to the next sample: exponential with mean period. */
static int64_t draw(void) {
  double u = ((double)(rng_next() >> 11) + 0.5) * 0x1.0p-53; /* (0, 1) */
  double d = -log(u) * (double)period;
  return d < 1 ? 1 : d > 4e18 ? (int64_t)4e18 : (int64_t)d;
}

static void thread_init(void) {
  tl_init = 1;
  tl_rng =
      (seed_base ^ ((uint64_t)syscall(SYS_gettid) * 0x9e3779b97f4a7c15ull)) | 1;
  tl_left += draw();
}

#ifdef LG_HS_FRAMEPOINTER
/* Frame-pointer walk (bench variant only): stops at the first function
 * built without frame pointers, whose rbp is not a frame. */
static int unwind(void **pc, int max) {
  uintptr_t *fp = __builtin_frame_address(0), lo = (uintptr_t)fp;
  int n = 0;
  while (n < max && fp && (uintptr_t)fp >= lo &&
         (uintptr_t)fp < lo + (8 << 20) && ((uintptr_t)fp & 7) == 0) {
    uintptr_t ret = fp[1];
    if (!ret)
      break;
    pc[n++] = (void *)ret;
    if ((uintptr_t)fp[0] <= (uintptr_t)fp)
      break;
    fp = (uintptr_t *)fp[0];
  }
  return n;
}
#elif defined(LG_HS_LIBUNWIND)
static int unwind(void **pc, int max) {
  return unw_backtrace(pc, max);
}
#else
static int unwind(void **pc, int max) {
  return backtrace(pc, max);
}
#endif

/* Slow path of an allocation whose bytes crossed the countdown. */
static void sample(void *p, size_t size) {
  void *pc[LGHS_MAX_FRAMES];
  int n;
  unsigned long long objs = 0;
  entry e;
  uint32_t tid;
  if (tl_busy)
    return;
  tl_busy = 1;
  if (!tl_init) {
    thread_init();
    if (tl_left > 0)
      goto out;
  }
  while (tl_left <= 0)
    tl_left += draw();
  /* Outside the lock: both may take the dynamic loader's lock. */
  n = unwind(pc, LGHS_MAX_FRAMES);
  dl_iterate_phdr(count_objects, &objs);
  e.addr = (uintptr_t)p;
  e.size = size;
  e.usable = real_usable ? real_usable(p) : size;
  tid = (uint32_t)syscall(SYS_gettid);
  pthread_mutex_lock(&lock);
  if (atomic_load_explicit(&active, memory_order_relaxed)) {
    char r[LGHS_RECORD_HEADER + LGHS_ALLOC_SIZE];
    uint64_t t, a64 = (uint64_t)e.addr;
    entry *old = table_find(e.addr);
    if (old) /* its free was missed (freed inside a sample): settle it */
      unsample_locked(e.addr);
    if (objs != loaded_objects) {
      loaded_objects = objs;
      emit_maps();
    }
    e.stack = stack_intern(pc, n);
    if (e.stack != UINT32_MAX && table_insert(&e) == 0) {
      filter_add(e.addr, +1);
      stack_emit(e.stack);
      t = now_ns();
      record_header(r, LGHS_ALLOC, LGHS_ALLOC_SIZE);
      memcpy(r + 8, &t, 8);
      memcpy(r + 16, &a64, 8);
      memcpy(r + 24, &e.size, 8);
      memcpy(r + 32, &e.usable, 8);
      memcpy(r + 40, &e.stack, 4);
      memcpy(r + 44, &tid, 4);
      emit(r, sizeof r);
    }
  }
  pthread_mutex_unlock(&lock);
out:
  tl_busy = 0;
}

static inline void account(void *p, size_t size) {
  if (LIKELY(p != NULL) &&
      atomic_load_explicit(&active, memory_order_relaxed)) {
    tl_left -= (int64_t)(size < INT64_MAX ? size : INT64_MAX);
    if (UNLIKELY(tl_left <= 0))
      sample(p, size);
  }
}

/* Before p is given back: forget it if it was sampled. The filter byte is
 * zero for almost every address, so this is one load on the fast path. */
static inline void forget(void *p) {
  uint8_t *f = atomic_load_explicit(&filter, memory_order_acquire);
  if (!f || tl_busy)
    return;
  if (LIKELY(atomic_load_explicit(
                 (_Atomic uint8_t *)&f[filter_index((uintptr_t)p)],
                 memory_order_acquire) == 0))
    return;
  pthread_mutex_lock(&lock);
  unsample_locked((uintptr_t)p);
  pthread_mutex_unlock(&lock);
}

/* ---- fork --------------------------------------------------------------- */

static void at_prepare(void) {
  pthread_mutex_lock(&lock);
}
static void at_parent(void) {
  pthread_mutex_unlock(&lock);
}

/* The child writes its own stream, starting with what it inherited: the
 * maps, and every live sample (with its stack) as allocated now. */
static void at_child(void) {
  size_t i;
  uint64_t t = now_ns();
  if (fd >= 0) {
    close(fd);
    fd = -1;
  }
  for (i = 0; i < stacks_n; i++)
    stacks[i].written = 0;
  if (atomic_load(&active) && open_stream() == 0) {
    emit_maps();
    for (i = 0; i < table_cap; i++) {
      const entry *e = &table[i];
      char r[LGHS_RECORD_HEADER + LGHS_ALLOC_SIZE];
      uint64_t a64;
      uint32_t tid = (uint32_t)syscall(SYS_gettid);
      if (e->addr <= 1)
        continue;
      stack_emit(e->stack);
      a64 = (uint64_t)e->addr;
      record_header(r, LGHS_ALLOC, LGHS_ALLOC_SIZE);
      memcpy(r + 8, &t, 8);
      memcpy(r + 16, &a64, 8);
      memcpy(r + 24, &e->size, 8);
      memcpy(r + 32, &e->usable, 8);
      memcpy(r + 40, &e->stack, 4);
      memcpy(r + 44, &tid, 4);
      emit(r, sizeof r);
    }
  } else {
    atomic_store(&active, 0);
  }
  pthread_mutex_unlock(&lock);
}

/* ---- start-up ----------------------------------------------------------- */

static void resolve(void) {
  real_malloc = dlsym(RTLD_NEXT, "malloc");
  real_calloc = dlsym(RTLD_NEXT, "calloc");
  real_realloc = dlsym(RTLD_NEXT, "realloc");
  real_free = dlsym(RTLD_NEXT, "free");
  real_memalign = dlsym(RTLD_NEXT, "memalign");
  real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
  real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
  real_valloc = dlsym(RTLD_NEXT, "valloc");
  real_pvalloc = dlsym(RTLD_NEXT, "pvalloc");
  real_usable = dlsym(RTLD_NEXT, "malloc_usable_size");
}

/* Why this process cannot be profiled, or NULL. */
static const char *refusal(char *buf, size_t cap) {
  Dl_info di, self;
  void *first = dlsym(RTLD_DEFAULT, "malloc");
  memset(&di, 0, sizeof di);
  if (!real_malloc || !real_free || !real_calloc || !real_realloc)
    return "cannot profile this service: the C library's malloc was not found";
  /* Is the first malloc in the lookup order ours? (Compared by object:
   * &malloc here would resolve to that first definition too.) */
  if (!dladdr((void *)refusal, &self) || !dladdr(first, &di) ||
      di.dli_fbase != self.dli_fbase) {
    const char *who =
        di.dli_fname && di.dli_fname[0] ? di.dli_fname : "the program";
    snprintf(buf, cap,
             "cannot profile this service: malloc is defined by %s before "
             "the sampler (its own allocator)",
             who);
    return buf;
  }
  if (dladdr((void *)real_malloc, &di) && di.dli_fname &&
      !strstr(di.dli_fname, "/libc.so") && strcmp(di.dli_fname, "libc.so.6")) {
    snprintf(buf, cap,
             "cannot profile this service: its malloc comes from %s, not the "
             "C library (a replaced allocator has entry points the sampler "
             "does not see, such as mallocx or sdallocx)",
             di.dli_fname);
    return buf;
  }
  return NULL;
}

__attribute__((constructor(101))) static void heapsampler_init(void) {
  const char *d = getenv(LGHS_ENV_DIR), *p = getenv(LGHS_ENV_PERIOD),
             *s = getenv(LGHS_ENV_SEED), *why;
  char buf[512];
  void *warm[4];
  resolve();
  if (!d || !d[0] || strlen(d) >= sizeof dir)
    return; /* not asked to profile: forward only */
  snprintf(dir, sizeof dir, "%s", d);
  if (p && strtoull(p, NULL, 10) > 0)
    period = strtoull(p, NULL, 10);
  seed_base = s && s[0] ? strtoull(s, NULL, 10) : now_ns() ^ (uint64_t)getpid();
  if (open_stream() != 0)
    return;
  why = refusal(buf, sizeof buf);
  if (why) {
    emit_text(LGHS_NOTE, why);
    return;
  }
  /* backtrace() loads the unwinder (which allocates) on first use: do it
   * now, outside any sample. */
  tl_busy = 1;
  (void)unwind(warm, 4);
  dl_iterate_phdr(count_objects, &loaded_objects);
  tl_busy = 0;
  {
    uint8_t *f = sys_alloc(FILTER_SIZE);
    if (!f) {
      emit_text(LGHS_NOTE, "heap sampler: out of memory for its filter");
      return;
    }
    atomic_store(&filter, f);
  }
  emit_maps();
  pthread_atfork(at_prepare, at_parent, at_child);
  atomic_store(&active, 1);
}

/* ---- the interposed entry points ---------------------------------------- */

EXPORT void *malloc(size_t n) {
  void *p;
  if (UNLIKELY(!real_malloc))
    return boot_alloc(n, 16);
  p = real_malloc(n);
  account(p, n);
  return p;
}

EXPORT void free(void *p) {
  if (!p || UNLIKELY(is_boot(p)))
    return;
  forget(p);
  real_free(p);
}

EXPORT void *calloc(size_t n, size_t s) {
  void *p;
  size_t bytes;
  if (__builtin_mul_overflow(n, s, &bytes)) {
    errno = ENOMEM;
    return NULL;
  }
  if (UNLIKELY(!real_calloc)) {
    p = boot_alloc(bytes, 16);
    if (p)
      memset(p, 0, bytes);
    return p;
  }
  p = real_calloc(n, s);
  account(p, bytes);
  return p;
}

EXPORT void *realloc(void *old, size_t n) {
  void *p;
  if (UNLIKELY(old && is_boot(old))) {
    size_t o = boot_size(old);
    p = malloc(n);
    if (p)
      memcpy(p, old, o < n ? o : n);
    return p;
  }
  if (UNLIKELY(!real_realloc))
    return boot_alloc(n, 16);
  if (old)
    forget(old); /* before: realloc may free it */
  p = real_realloc(old, n);
  account(p, n);
  return p;
}

EXPORT void *memalign(size_t align, size_t n) {
  void *p;
  if (UNLIKELY(!real_memalign))
    return boot_alloc(n, align);
  p = real_memalign(align, n);
  account(p, n);
  return p;
}

EXPORT int posix_memalign(void **out, size_t align, size_t n) {
  int rc;
  if (UNLIKELY(!real_posix_memalign)) {
    *out = boot_alloc(n, align);
    return *out ? 0 : ENOMEM;
  }
  rc = real_posix_memalign(out, align, n);
  if (rc == 0)
    account(*out, n);
  return rc;
}

EXPORT void *aligned_alloc(size_t align, size_t n) {
  void *p;
  if (UNLIKELY(!real_aligned_alloc))
    return boot_alloc(n, align);
  p = real_aligned_alloc(align, n);
  account(p, n);
  return p;
}

EXPORT void *valloc(size_t n) {
  void *p;
  if (UNLIKELY(!real_valloc))
    return boot_alloc(n, 4096);
  p = real_valloc(n);
  account(p, n);
  return p;
}

EXPORT void *pvalloc(size_t n) {
  void *p;
  if (UNLIKELY(!real_pvalloc))
    return boot_alloc(n, 4096);
  p = real_pvalloc(n);
  account(p, n);
  return p;
}
