/* pprof/model.c - the in-memory profile: creation, the writer's appends
 * with deduplication of functions and locations, and the reader's helpers
 * (see leakgate/pprof.h).
 *
 * Dedup: functions are keyed by their four fields, locations by mapping,
 * address and lines; since every string is interned, equal strings are
 * equal pointers and keys hash pointers, not characters. The tables
 * (open addressing, load <= 1/2) are built lazily, also over a decoded
 * profile the caller extends. Owns: the arrays of the model, each sample's
 * and location's own arrays, the strings and the tables; lg_pprof_free
 * releases all. Expected O(1) per intern, O(frames) per added stack.
 */
#include "pprof/pp_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct pp_table {
  uint32_t *slot; /* element index + 1; 0 = empty */
  size_t cap;     /* power of two, or 0 */
  size_t n;       /* elements of the model entered so far */
} pp_table;

typedef struct pp_index {
  pp_table fn, loc;
} pp_index;

size_t lg__pp_cap(size_t n) {
  size_t c = 8;
  while (c < n)
    c *= 2;
  return c;
}

int lg__pp_reserve(void **arr, size_t n, size_t elem) {
  void *p;
  size_t c;
  if (*arr && n + 1 <= lg__pp_cap(n))
    return 0;
  c = lg__pp_cap(n + 1);
  if (c > SIZE_MAX / elem)
    return LG_ENOMEM;
  p = realloc(*arr, c * elem);
  if (!p)
    return LG_ENOMEM;
  *arr = p;
  return 0;
}

int lg_pprof_new(lg_pprof **out, lg_error *err) {
  lg_pprof *p = calloc(1, sizeof *p);
  *out = NULL;
  if (!p || !(p->strings = lg__pp_strings_new())) {
    free(p);
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  }
  /* "" is interned at index 0; every unset string points at that copy. */
  p->drop_frames = lg__pp_intern(p->strings, "", 0);
  p->keep_frames = p->default_sample_type = p->drop_frames;
  p->period_type.type = p->period_type.unit = p->drop_frames;
  *out = p;
  return 0;
}

void lg_pprof_free(lg_pprof *p) {
  size_t i;
  pp_index *ix;
  if (!p)
    return;
  for (i = 0; i < p->n_samples; i++) {
    free(p->samples[i].locations);
    free(p->samples[i].values);
    free(p->samples[i].labels);
  }
  for (i = 0; i < p->n_locations; i++)
    free(p->locations[i].lines);
  free(p->samples);
  free(p->locations);
  free(p->functions);
  free(p->mappings);
  free(p->sample_types);
  free(p->comments);
  ix = p->index;
  if (ix) {
    free(ix->fn.slot);
    free(ix->loc.slot);
    free(ix);
  }
  lg__pp_strings_free(p->strings);
  free(p);
}

static const char *str(lg_pprof *p, const char *s) {
  return lg__pp_intern(p->strings, s ? s : "", s ? strlen(s) : 0);
}

int lg_pprof_add_sample_type(lg_pprof *p, const char *type, const char *unit,
                             lg_error *err) {
  lg_pprof_value_type v;
  if (p->n_samples)
    return lg_error_set(err, LG_EUSAGE,
                        "sample types must be added before the samples");
  v.type = str(p, type);
  v.unit = str(p, unit);
  if (!v.type || !v.unit ||
      lg__pp_reserve((void **)&p->sample_types, p->n_sample_types,
                     sizeof *p->sample_types) != 0)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  p->sample_types[p->n_sample_types++] = v;
  return 0;
}

int lg_pprof_set_period(lg_pprof *p, const char *type, const char *unit,
                        int64_t period, lg_error *err) {
  const char *t = str(p, type), *u = str(p, unit);
  if (!t || !u)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  p->period_type.type = t;
  p->period_type.unit = u;
  p->period = period;
  return 0;
}

int lg_pprof_sample_type(const lg_pprof *p, const char *type) {
  size_t i;
  for (i = 0; i < p->n_sample_types; i++)
    if (strcmp(p->sample_types[i].type, type) == 0)
      return (int)i;
  return -1;
}

int lg_pprof_set_default_sample_type(lg_pprof *p, const char *type,
                                     lg_error *err) {
  int i = lg_pprof_sample_type(p, type);
  if (i < 0)
    return lg_error_set(err, LG_EUSAGE, "no sample type '%s'", type);
  p->default_sample_type = p->sample_types[i].type;
  return 0;
}

int lg_pprof_add_comment(lg_pprof *p, const char *text, lg_error *err) {
  const char *s = str(p, text);
  if (!s || lg__pp_reserve((void **)&p->comments, p->n_comments,
                           sizeof *p->comments) != 0)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  p->comments[p->n_comments++] = s;
  return 0;
}

int lg_pprof_add_mapping(lg_pprof *p, uint64_t start, uint64_t limit,
                         uint64_t offset, const char *file,
                         const char *build_id, size_t *index, lg_error *err) {
  lg_pprof_mapping m;
  memset(&m, 0, sizeof m);
  m.id = p->n_mappings + 1;
  m.start = start;
  m.limit = limit;
  m.offset = offset;
  m.file = str(p, file);
  m.build_id = str(p, build_id);
  if (!m.file || !m.build_id ||
      lg__pp_reserve((void **)&p->mappings, p->n_mappings, sizeof *p->mappings))
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  p->mappings[p->n_mappings++] = m;
  if (index)
    *index = p->n_mappings;
  return 0;
}

/* ---- Dedup tables ------------------------------------------------------ */

static uint64_t fn_hash(const lg_pprof_function *f) {
  uint64_t h = PP_HASH0;
  h = pp_hash(h, &f->name, sizeof f->name);
  h = pp_hash(h, &f->system_name, sizeof f->system_name);
  h = pp_hash(h, &f->file, sizeof f->file);
  return pp_hash(h, &f->start_line, sizeof f->start_line);
}

static bool fn_eq(const lg_pprof_function *a, const lg_pprof_function *b) {
  return a->name == b->name && a->system_name == b->system_name &&
         a->file == b->file && a->start_line == b->start_line;
}

static uint64_t loc_hash(size_t mapping, uint64_t address,
                         const lg_pprof_line *lines, size_t n) {
  uint64_t h = PP_HASH0;
  size_t i;
  h = pp_hash(h, &mapping, sizeof mapping);
  h = pp_hash(h, &address, sizeof address);
  for (i = 0; i < n; i++) {
    h = pp_hash(h, &lines[i].function, sizeof lines[i].function);
    h = pp_hash(h, &lines[i].line, sizeof lines[i].line);
  }
  return pp_hash(h, &n, sizeof n);
}

static bool loc_eq(const lg_pprof_location *l, size_t mapping, uint64_t address,
                   const lg_pprof_line *lines, size_t n) {
  size_t i;
  if (l->mapping != mapping || l->address != address || l->n_lines != n)
    return false;
  for (i = 0; i < n; i++)
    if (l->lines[i].function != lines[i].function ||
        l->lines[i].line != lines[i].line)
      return false;
  return true;
}

static uint64_t elem_hash(const lg_pprof *p, bool fn, size_t i) {
  const lg_pprof_location *l;
  if (fn)
    return fn_hash(&p->functions[i]);
  l = &p->locations[i];
  return loc_hash(l->mapping, l->address, l->lines, l->n_lines);
}

/* Enter elements [t->n, count) of the model into t, growing it to keep the
 * load at most 1/2 after one more insert. */
static int table_sync(const lg_pprof *p, pp_table *t, bool fn, size_t count) {
  size_t i;
  if (!t->slot || 2 * (count + 1) > t->cap) {
    size_t cap = t->cap ? t->cap : 64;
    uint32_t *slot;
    while (2 * (count + 1) > cap)
      cap *= 2;
    slot = calloc(cap, sizeof *slot);
    if (!slot)
      return LG_ENOMEM;
    free(t->slot);
    t->slot = slot;
    t->cap = cap;
    t->n = 0;
  }
  for (i = t->n; i < count; i++) {
    size_t k = (size_t)elem_hash(p, fn, i) & (t->cap - 1);
    while (t->slot[k])
      k = (k + 1) & (t->cap - 1);
    t->slot[k] = (uint32_t)(i + 1);
  }
  t->n = count;
  return 0;
}

static pp_index *index_of(lg_pprof *p) {
  if (!p->index)
    p->index = calloc(1, sizeof(pp_index));
  return p->index;
}

int lg_pprof_intern_function(lg_pprof *p, const char *name,
                             const char *system_name, const char *file,
                             int64_t start_line, size_t *index, lg_error *err) {
  lg_pprof_function f;
  pp_index *ix = index_of(p);
  size_t k;
  memset(&f, 0, sizeof f);
  f.name = str(p, name);
  f.system_name = str(p, system_name);
  f.file = str(p, file);
  f.start_line = start_line;
  if (!ix || !f.name || !f.system_name || !f.file ||
      p->n_functions >= UINT32_MAX - 1 ||
      table_sync(p, &ix->fn, true, p->n_functions) != 0)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  for (k = (size_t)fn_hash(&f) & (ix->fn.cap - 1); ix->fn.slot[k];
       k = (k + 1) & (ix->fn.cap - 1))
    if (fn_eq(&p->functions[ix->fn.slot[k] - 1], &f)) {
      *index = ix->fn.slot[k] - 1;
      return 0;
    }
  if (lg__pp_reserve((void **)&p->functions, p->n_functions,
                     sizeof *p->functions) != 0)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  f.id = p->n_functions + 1;
  p->functions[p->n_functions++] = f;
  ix->fn.slot[k] = (uint32_t)p->n_functions;
  ix->fn.n = p->n_functions;
  *index = p->n_functions - 1;
  return 0;
}

int lg_pprof_intern_location(lg_pprof *p, size_t mapping, uint64_t address,
                             const lg_pprof_line *lines, size_t n_lines,
                             size_t *index, lg_error *err) {
  lg_pprof_location l;
  pp_index *ix = index_of(p);
  size_t k, i;
  if (mapping > p->n_mappings)
    return lg_error_set(err, LG_EUSAGE, "location: no mapping %zu", mapping);
  for (i = 0; i < n_lines; i++)
    if (lines[i].function >= p->n_functions)
      return lg_error_set(err, LG_EUSAGE, "location: no function %zu",
                          lines[i].function);
  if (!ix || p->n_locations >= UINT32_MAX - 1 ||
      table_sync(p, &ix->loc, false, p->n_locations) != 0)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  for (k = (size_t)loc_hash(mapping, address, lines, n_lines) &
           (ix->loc.cap - 1);
       ix->loc.slot[k]; k = (k + 1) & (ix->loc.cap - 1))
    if (loc_eq(&p->locations[ix->loc.slot[k] - 1], mapping, address, lines,
               n_lines)) {
      *index = ix->loc.slot[k] - 1;
      return 0;
    }
  memset(&l, 0, sizeof l);
  l.id = p->n_locations + 1;
  l.mapping = mapping;
  l.address = address;
  l.n_lines = n_lines;
  if (n_lines) {
    l.lines = malloc(n_lines * sizeof *l.lines);
    if (!l.lines)
      return lg_error_set(err, LG_ENOMEM, "out of memory");
    memcpy(l.lines, lines, n_lines * sizeof *l.lines);
  }
  if (lg__pp_reserve((void **)&p->locations, p->n_locations,
                     sizeof *p->locations) != 0) {
    free(l.lines);
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  }
  p->locations[p->n_locations++] = l;
  ix->loc.slot[k] = (uint32_t)p->n_locations;
  ix->loc.n = p->n_locations;
  *index = p->n_locations - 1;
  return 0;
}

int lg_pprof_add_sample(lg_pprof *p, const size_t *locations, size_t n,
                        const int64_t *values, lg_error *err) {
  lg_pprof_sample s;
  size_t i;
  if (!p->n_sample_types)
    return lg_error_set(err, LG_EUSAGE, "a sample needs sample types first");
  for (i = 0; i < n; i++)
    if (locations[i] >= p->n_locations)
      return lg_error_set(err, LG_EUSAGE, "sample: no location %zu",
                          locations[i]);
  memset(&s, 0, sizeof s);
  s.n_locations = n;
  s.locations = malloc((n ? n : 1) * sizeof *s.locations);
  s.values = malloc(p->n_sample_types * sizeof *s.values);
  if (!s.locations || !s.values ||
      lg__pp_reserve((void **)&p->samples, p->n_samples, sizeof *p->samples)) {
    free(s.locations);
    free(s.values);
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  }
  if (n)
    memcpy(s.locations, locations, n * sizeof *s.locations);
  memcpy(s.values, values, p->n_sample_types * sizeof *s.values);
  p->samples[p->n_samples++] = s;
  return 0;
}

/* The mapping (index + 1) whose range holds address, or 0. O(mappings). */
static size_t mapping_of(const lg_pprof *p, uint64_t address) {
  size_t i;
  for (i = 0; i < p->n_mappings; i++)
    if (address >= p->mappings[i].start && address < p->mappings[i].limit)
      return i + 1;
  return 0;
}

int lg_pprof_add_stack(lg_pprof *p, const lg_frame *stack, size_t n,
                       const uint64_t *addresses, const int64_t *values,
                       lg_error *err) {
  size_t *locs = malloc((n ? n : 1) * sizeof *locs), i;
  int rc = 0;
  if (!locs)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  for (i = 0; i < n; i++) {
    lg_pprof_line line;
    uint64_t a = addresses ? addresses[i] : 0;
    const lg_frame *f = &stack[i];
    rc = lg_pprof_intern_function(p, f->function, f->function,
                                  f->file ? f->file : f->object, 0,
                                  &line.function, err);
    if (rc)
      goto cleanup;
    line.line = f->line > 0 ? f->line : 0;
    rc = lg_pprof_intern_location(p, a ? mapping_of(p, a) : 0, a, &line, 1,
                                  &locs[i], err);
    if (rc)
      goto cleanup;
  }
  rc = lg_pprof_add_sample(p, locs, n, values, err);
cleanup:
  free(locs);
  return rc;
}

/* ---- Reading helpers --------------------------------------------------- */

void lg_pprof_frames_free(lg_frame *f, size_t n) {
  size_t i;
  if (!f)
    return;
  for (i = 0; i < n; i++) {
    free(f[i].function);
    free(f[i].file);
    free(f[i].object);
  }
  free(f);
}

static char *dup_nonempty(const char *s) {
  return s && s[0] ? strdup(s) : NULL;
}

int lg_pprof_sample_frames(const lg_pprof *p, const lg_pprof_sample *s,
                           lg_frame **out, size_t *n, lg_error *err) {
  size_t total = 0, i, j, k = 0;
  lg_frame *f;
  *out = NULL;
  *n = 0;
  for (i = 0; i < s->n_locations; i++) {
    size_t nl = p->locations[s->locations[i]].n_lines;
    total += nl ? nl : 1;
  }
  f = calloc(total ? total : 1, sizeof *f);
  if (!f)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  for (i = 0; i < s->n_locations; i++) {
    const lg_pprof_location *l = &p->locations[s->locations[i]];
    const char *obj = l->mapping ? p->mappings[l->mapping - 1].file : NULL;
    if (!l->n_lines) {
      f[k].function = strdup("?");
      f[k].object = dup_nonempty(obj);
      if (!f[k].function || (obj && obj[0] && !f[k].object))
        goto nomem;
      k++;
      continue;
    }
    for (j = 0; j < l->n_lines; j++, k++) {
      const lg_pprof_function *fn = &p->functions[l->lines[j].function];
      const char *name = fn->name[0] ? fn->name : fn->system_name;
      f[k].function = strdup(name[0] ? name : "?");
      f[k].file = dup_nonempty(fn->file);
      f[k].object = dup_nonempty(obj);
      f[k].line = l->lines[j].line > 0 && l->lines[j].line <= INT32_MAX
                      ? (int)l->lines[j].line
                      : 0;
      if (!f[k].function || (fn->file[0] && !f[k].file) ||
          (obj && obj[0] && !f[k].object))
        goto nomem;
    }
  }
  *out = f;
  *n = k;
  return 0;
nomem:
  lg_pprof_frames_free(f, total); /* calloc'd: unset entries are NULL */
  return lg_error_set(err, LG_ENOMEM, "out of memory");
}
