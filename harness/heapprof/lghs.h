/* heapprof/lghs.h - the sample stream the heap sampler writes inside the
 * service (preload/heapsampler.c) and leakgate reads after the run
 * (stream.c). One file per process image, OUT/heap_profile/
 * heapprof.<pid>.<n>.lghs, written with one write(2) per event group, so a
 * service killed at any moment leaves every complete record on disk.
 *
 * Layout (host byte order: written and read on the same machine):
 *   header  "LGHS" u32 version, u32 pid, u32 flags, u64 period, u64 t0_ns
 *   records u8 kind, u8 0, u16 0, u32 payload length, payload
 * Kinds:
 *   'M' /proc/self/maps text of the process (again after dlopen/dlclose)
 *   'S' stack: u32 id, u32 n, n x u64 return addresses (innermost first)
 *   'A' sampled allocation: u64 t_ns, u64 address, u64 requested size,
 *       u64 usable size, u32 stack id, u32 thread id
 *   'F' free of a sampled allocation: u64 t_ns, u64 address
 *   'E' a note from the sampler (why it stopped or cannot profile), text
 * Times are CLOCK_MONOTONIC nanoseconds (the runner's clock too). A reader
 * skips unknown kinds by their length.
 */
#ifndef LG_HEAPPROF_LGHS_H
#define LG_HEAPPROF_LGHS_H

#define LGHS_MAGIC "LGHS"
#define LGHS_VERSION 1u
#define LGHS_HEADER_SIZE 32
#define LGHS_RECORD_HEADER 8
#define LGHS_MAX_FRAMES 64
/* Largest payload a reader accepts (a maps text is the longest record). */
#define LGHS_MAX_PAYLOAD (16u << 20)

#define LGHS_MAPS 'M'
#define LGHS_STACK 'S'
#define LGHS_ALLOC 'A'
#define LGHS_FREE 'F'
#define LGHS_NOTE 'E'

#define LGHS_ALLOC_SIZE 40 /* t, addr, size, usable (u64), stack, tid (u32) */
#define LGHS_FREE_SIZE 16

/* Environment the runner sets for the service. */
#define LGHS_ENV_DIR "LG_HEAPPROF_DIR"       /* where streams go */
#define LGHS_ENV_PERIOD "LG_HEAPPROF_PERIOD" /* mean bytes between samples */
#define LGHS_ENV_SEED "LG_HEAPPROF_SEED"     /* fixed RNG seed (tests) */

#endif
