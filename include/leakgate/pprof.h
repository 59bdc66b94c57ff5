/* leakgate/pprof.h - pprof's profile.proto format: read and write.
 *
 * A profile (google/pprof proto/profile.proto) is a set of samples, each a
 * stack of locations (leaf first) with one value per sample type
 * ("inuse_space"/"bytes", "alloc_objects"/"count", ...); a location is an
 * address in a mapping with one or more lines (inlined callees first), a
 * line names a function (name, file) and a line number. On disk it is the
 * serialised message, gzip-compressed. Go's net/http/pprof heap profiles,
 * leakgate's own heap-profile snapshots and pprof/speedscope all use it.
 *
 * The model below is the file with its string table resolved and its ids
 * turned into array indices, so a reader never looks anything up:
 *   sample.locations[i]   -> p->locations[...]
 *   location.lines[j].function -> p->functions[...]
 *   location.mapping      -> p->mappings[mapping - 1] (0: none)
 * Every string field points into the profile's own interned strings (never
 * NULL: "" when unset) and lives as long as the profile.
 *
 * Reading: lg_pprof_read_file / lg_pprof_decode (gzip or raw bytes; the
 * encoding is protobuf-c's, generated from harness/pprof/profile.proto).
 * Every reference is checked (string index, location, function and mapping
 * ids, value count per sample), so a reader can index without checks;
 * malformed input is LG_EINPUT "name: problem" and never crashes (fuzzed:
 * tests/fuzz/pprof). Decompressed input is capped at LG_PPROF_MAX_BYTES.
 *
 * Writing: lg_pprof_new, then lg_pprof_add_sample_type / set_period and
 * lg_pprof_add_stack (frames as the result model has them) or the lower
 * level intern_function / intern_location / add_sample; lg_pprof_encode or
 * lg_pprof_write_file (gzip, atomic). Functions and locations are
 * deduplicated as they are added, so a writer may add the same stack many
 * times. Ids written are index + 1.
 *
 * Ownership: a profile owns everything reachable from it; lg_pprof_free
 * frees it. Frames from lg_pprof_sample_frames are the caller's
 * (lg_pprof_frames_free). Failing calls leave the profile as it was.
 * See docs/heap-profile.md ("pprof files").
 */
#ifndef LEAKGATE_PPROF_H
#define LEAKGATE_PPROF_H

#include <leakgate/error.h>
#include <leakgate/result.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest decompressed profile accepted (bytes). */
#define LG_PPROF_MAX_BYTES (256u << 20)

typedef struct lg_pprof_value_type {
  const char *type, *unit;
} lg_pprof_value_type;

typedef struct lg_pprof_function {
  uint64_t id;             /* as read; written as index + 1 */
  const char *name;        /* human-readable (demangled) */
  const char *system_name; /* as the linker knows it (mangled) */
  const char *file;
  int64_t start_line;
} lg_pprof_function;

typedef struct lg_pprof_line {
  size_t function; /* index into functions */
  int64_t line;    /* 0 when unknown */
} lg_pprof_line;

typedef struct lg_pprof_mapping {
  uint64_t id;
  uint64_t start, limit, offset;
  const char *file, *build_id;
  bool has_functions, has_filenames, has_line_numbers, has_inline_frames;
} lg_pprof_mapping;

typedef struct lg_pprof_location {
  uint64_t id;
  size_t mapping; /* index + 1 into mappings; 0 = none */
  uint64_t address;
  lg_pprof_line *lines; /* inlined callees first, the caller last */
  size_t n_lines;
  bool is_folded;
} lg_pprof_location;

typedef struct lg_pprof_label {
  const char *key, *str, *num_unit;
  int64_t num;
} lg_pprof_label;

typedef struct lg_pprof_sample {
  size_t *locations; /* indices into locations, leaf first */
  size_t n_locations;
  int64_t *values; /* n_sample_types values */
  lg_pprof_label *labels;
  size_t n_labels;
} lg_pprof_sample;

typedef struct lg_pprof_strings lg_pprof_strings; /* the interned strings */

typedef struct lg_pprof {
  lg_pprof_value_type *sample_types;
  size_t n_sample_types;
  lg_pprof_sample *samples;
  size_t n_samples;
  lg_pprof_mapping *mappings;
  size_t n_mappings;
  lg_pprof_location *locations;
  size_t n_locations;
  lg_pprof_function *functions;
  size_t n_functions;
  const char *drop_frames, *keep_frames; /* regexps; "" = none */
  int64_t time_nanos, duration_nanos;
  lg_pprof_value_type period_type;
  int64_t period;
  const char **comments;
  size_t n_comments;
  const char *default_sample_type; /* "" = the last sample type */
  lg_pprof_strings *strings;       /* internal */
  void *index;                     /* internal: dedup tables of the writer */
} lg_pprof;

/* ---- Reading ----------------------------------------------------------- */

/* Decode a profile from memory (gzip-compressed or raw protobuf). name is
 * used in messages. LG_EINPUT for anything that is not a valid profile
 * (bad gzip, bad protobuf, a dangling reference), LG_ELIMIT beyond
 * LG_PPROF_MAX_BYTES decompressed, LG_ENOMEM. */
int lg_pprof_decode(const char *name, const void *data, size_t len,
                    lg_pprof **out, lg_error *err);
/* Read and decode a profile file (LG_ENOENT when it does not exist). */
int lg_pprof_read_file(const char *path, lg_pprof **out, lg_error *err);
/* Whether data starts like a profile file (gzip magic, or a protobuf
 * field 1 or 2 of Profile): a cheap test for format detection. */
bool lg_pprof_sniff(const void *data, size_t len);

/* Index of the sample type named type (e.g. "inuse_space"), or -1. */
int lg_pprof_sample_type(const lg_pprof *p, const char *type);

/* The stack of sample s as result frames, leaf first, inlined frames
 * expanded (a location with lines [callee, caller] gives two frames);
 * function "?" when a location has no line (unsymbolised: then object is
 * the mapping's file and line 0). *out is the caller's. */
int lg_pprof_sample_frames(const lg_pprof *p, const lg_pprof_sample *s,
                           lg_frame **out, size_t *n, lg_error *err);
/* Free frames from lg_pprof_sample_frames. */
void lg_pprof_frames_free(lg_frame *f, size_t n);

/* ---- Writing ----------------------------------------------------------- */

/* A new empty profile (no sample types). */
int lg_pprof_new(lg_pprof **out, lg_error *err);
/* Free a profile (NULL is fine). */
void lg_pprof_free(lg_pprof *p);

/* Append a sample type; only before the first sample is added. */
int lg_pprof_add_sample_type(lg_pprof *p, const char *type, const char *unit,
                             lg_error *err);
/* The sampling period: period events of period_type between samples. */
int lg_pprof_set_period(lg_pprof *p, const char *type, const char *unit,
                        int64_t period, lg_error *err);
/* Name the preferred sample type (must be one added). */
int lg_pprof_set_default_sample_type(lg_pprof *p, const char *type,
                                     lg_error *err);
int lg_pprof_add_comment(lg_pprof *p, const char *text, lg_error *err);
/* Append a mapping; *index receives its index + 1 (what locations take). */
int lg_pprof_add_mapping(lg_pprof *p, uint64_t start, uint64_t limit,
                         uint64_t offset, const char *file,
                         const char *build_id, size_t *index, lg_error *err);
/* The index of the function (name, system_name, file, start_line), added
 * when new. NULL strings are "". O(1) expected. */
int lg_pprof_intern_function(lg_pprof *p, const char *name,
                             const char *system_name, const char *file,
                             int64_t start_line, size_t *index, lg_error *err);
/* The index of the location (mapping, address, lines), added when new.
 * mapping is index + 1 or 0; every line's function must exist. */
int lg_pprof_intern_location(lg_pprof *p, size_t mapping, uint64_t address,
                             const lg_pprof_line *lines, size_t n_lines,
                             size_t *index, lg_error *err);
/* Append a sample: locations (indices, leaf first) and one value per
 * sample type. */
int lg_pprof_add_sample(lg_pprof *p, const size_t *locations, size_t n,
                        const int64_t *values, lg_error *err);
/* Append a sample whose stack is given as frames (leaf first): one
 * location per frame (address addresses[i] when addresses is not NULL,
 * with the mapping that contains it, else 0), its function (function,
 * file) and line. */
int lg_pprof_add_stack(lg_pprof *p, const lg_frame *stack, size_t n,
                       const uint64_t *addresses, const int64_t *values,
                       lg_error *err);

/* Serialise p (gzip-compressed when gzip); *out is the caller's (free). */
int lg_pprof_encode(const lg_pprof *p, bool gzip, unsigned char **out,
                    size_t *len, lg_error *err);
/* Write p gzip-compressed to path, atomically. */
int lg_pprof_write_file(const lg_pprof *p, const char *path, lg_error *err);

#endif
