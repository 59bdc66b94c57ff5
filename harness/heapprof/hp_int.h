/* heapprof/hp_int.h - the heapprof module's accumulator and the helpers its
 * files share (not part of the public API; see leakgate/heapprof.h).
 *
 * Data model: streams add processes, maps texts, raw stacks (addresses) and
 * sampled allocations (an interval [t_alloc, t_free) with estimated bytes
 * and objects); heap profiles add snapshots, each a list of (site, bytes,
 * objects). Stacks become sites when symbolised: a site is a symbolised
 * stack (allocator frames dropped) keyed by its frames, so the same stack
 * from two processes (or two identical return addresses in two images) is
 * one site. Everything is owned by the lg_heapprof and freed with it.
 */
#ifndef LG_HEAPPROF_INT_H
#define LG_HEAPPROF_INT_H

#include <leakgate/heapprof.h>

#include "core/buf.h"

#include <stddef.h>
#include <stdint.h>

/* Hard caps (LG_ELIMIT beyond): no input makes leakgate grow unbounded. */
#define HP_MAX_ALLOCS ((size_t)1 << 26)
#define HP_MAX_STACKS ((size_t)1 << 22)
#define HP_MAX_SITES ((size_t)1 << 22)
#define HP_MAX_SNAP_POINTS ((size_t)1 << 24)
#define HP_MAX_FRAMES ((size_t)2048) /* per stack, inlined frames expanded */

typedef struct hp_proc {
  uint32_t pid;
  double period; /* bytes; 0 = every allocation (profiles) */
  char *name;    /* the stream file */
} hp_proc;

/* A /proc/PID/maps text in effect from some point of a stream on. */
typedef struct hp_maps {
  uint32_t proc;
  char *text;
  size_t len;
  void *dwfl;     /* Dwfl *, built on first use; NULL when it failed */
  int dwfl_state; /* 0 not tried, 1 built, -1 failed */
} hp_maps;

typedef struct hp_stack {
  uint32_t maps; /* index into maps: the images the addresses belong to */
  uint32_t n;
  uint64_t *pcs; /* return addresses, innermost first */
  uint32_t site; /* index into sites once symbolised; UINT32_MAX before */
} hp_stack;

typedef struct hp_alloc {
  double t_alloc, t_free; /* seconds (CLOCK_MONOTONIC); t_free INFINITY */
  double bytes, objects;  /* estimated: footprint / P(sampled), 1 / P */
  uint32_t stack;
} hp_alloc;

/* A symbolised frame; strings owned by the site table's string store. */
typedef struct hp_frame {
  const char *function, *file, *object;
  int line;
  uint64_t address; /* 0 when unknown (profiles without addresses) */
  uint32_t maps;    /* UINT32_MAX when unknown */
  int inlined;      /* an inlined call: shares its address with the next */
} hp_frame;

typedef struct hp_site {
  uint64_t key;     /* hash of the frames */
  hp_frame *frames; /* leaf first, after the allocator frames */
  size_t n_frames;
  size_t name; /* index of the frame that names the site */
  char fingerprint[17];
} hp_site;

typedef struct hp_point {
  uint32_t site;
  double bytes, objects;
} hp_point;

typedef struct hp_snap {
  double x;
  double t_s, allocated; /* the profile's own axes (NAN: none) */
  size_t first, n;       /* points[first .. first+n) */
  const char *source;
} hp_snap;

typedef struct hp_strs hp_strs;

struct lg_heapprof {
  hp_proc *procs;
  size_t n_procs, cap_procs;
  hp_maps *maps;
  size_t n_maps, cap_maps;
  hp_stack *stacks;
  size_t n_stacks, cap_stacks;
  hp_alloc *allocs;
  size_t n_allocs, cap_allocs;
  char **notes;
  size_t n_notes, cap_notes;
  double *prog_t, *prog_x; /* progress pairs */
  size_t n_prog;
  hp_site *sites;
  size_t n_sites, cap_sites;
  uint32_t *site_slot; /* key -> index + 1 */
  size_t site_slot_cap;
  hp_snap *snaps;
  size_t n_snaps, cap_snaps;
  hp_point *points;
  size_t n_points, cap_points;
  hp_strs *strs;
  void *symcache;     /* symbolize.c */
  const char *format; /* "stream", "pprof", "gperftools" (what was added) */
  double period;      /* the streams' period (the first seen) */
};

/* ---- shared helpers ------------------------------------------------------ */

/* Arrays grow with lg__grow (core/buf.h). */
/* An interned copy of s[0..n) owned by h (stable pointer); NULL = no memory. */
const char *lg__hp_str(lg_heapprof *h, const char *s, size_t n);
int lg__hp_note(lg_heapprof *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Sites (sites.c): the index of the site of these frames (leaf first,
 * allocator frames included: they are dropped here), added when new;
 * UINT32_MAX on error (err set). */
uint32_t lg__hp_site_of(lg_heapprof *h, const hp_frame *frames, size_t n,
                        lg_error *err);
/* Is fn one of opts' alloc_functions (exact, or "prefix*")? */
int lg__hp_is_alloc_function(const lg_heapprof_opts *o, const char *fn);
/* The frame that names site s under opts (skips alloc_functions too). */
const hp_frame *lg__hp_site_name(const hp_site *s, const lg_heapprof_opts *o);

/* Symbolisation (symbolize.c): frames of pc (a return address when
 * is_return: looked up at pc - 1) in maps m, inlined calls expanded
 * (innermost first); *out points into a cache owned by h. n = 0 is not
 * an error (an address outside every image gives one "?" frame). */
int lg__hp_symbolize(lg_heapprof *h, uint32_t maps, uint64_t pc, int is_return,
                     const hp_frame **out, size_t *n, lg_error *err);
/* Give every stack its site (symbolising each address once). */
int lg__hp_resolve_stacks(lg_heapprof *h, lg_error *err);
void lg__hp_symbolize_free(lg_heapprof *h);
/* Add a maps text for process proc; returns its index or < 0. */
int lg__hp_maps_add(lg_heapprof *h, uint32_t proc, const char *text,
                    size_t len);

/* gperftools heap profiles (gperf.c): parse into a pprof model (addresses
 * only) and say where the maps text is (0, 0 without one). */
int lg__hp_gperf_parse(const char *name, const char *text, size_t len,
                       lg_pprof **out, size_t *maps_off, size_t *maps_len,
                       lg_error *err);
/* Add a pprof mapping for every executable file mapping of a maps text. */
int lg__hp_add_mappings(lg_pprof *p, const char *maps, size_t len,
                        lg_error *err);

/* Demangle a C++ symbol into buf (the name itself when it is not one). */
const char *lg__hp_demangle(const char *sym, char *buf, size_t cap);

/* Snapshot writers (snapshot.c): the live sites at one instant as pprof
 * profile.proto and as a gperftools heap profile. */
typedef struct hp_live {
  uint32_t site;
  uint32_t stack; /* a raw stack of the site (addresses), UINT32_MAX none */
  double bytes, objects, alloc_bytes, alloc_objects;
} hp_live;
/* t_mono: the instant (CLOCK_MONOTONIC seconds), for time_nanos. */
int lg__hp_write_pprof(lg_heapprof *h, const hp_live *live, size_t n,
                       double period, const char *comment, double t_mono,
                       const char *path, lg_error *err);
int lg__hp_write_gperf(lg_heapprof *h, const hp_live *live, size_t n,
                       const char *path, lg_error *err);

#endif
