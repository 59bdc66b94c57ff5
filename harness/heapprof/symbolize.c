/* heapprof/symbolize.c - addresses to function, file and line with
 * elfutils libdw, after the run, from a process's saved /proc/PID/maps
 * (the service need not exist any more; its files must).
 *
 * One Dwfl per maps text (dwfl_linux_proc_maps_report over the text; ELF
 * files opened by their mapped path, separate debug info found the
 * standard way). Per address:
 *   - the function: the ELF symbol (dwfl_module_addrinfo), demangled (the
 *     name Valgrind reports, so fingerprints agree), else the DWARF name;
 *   - file and line: the line table (dwfl_module_getsrc);
 *   - inlined calls: the DWARF scopes at the address (dwarf_getscopes),
 *     each DW_TAG_inlined_subroutine giving one more frame whose file and
 *     line are its DW_AT_call_file / DW_AT_call_line (as eu-addr2line -i).
 * A return address is looked up at address - 1 (the call instruction).
 * An address outside every image, or in one without symbols, gives one
 * frame "?" with the object's path.
 * Results are cached per (maps, address). Owns the Dwfl handles and the
 * cache; strings are the accumulator's interned ones.
 */
#include "heapprof/hp_int.h"

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <dwarf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libstdc++'s demangler (C ABI); leakgate links libstdc++ for it. */
char *__cxa_demangle(const char *mangled, char *out, size_t *len, int *status);

typedef struct sym_entry {
  uint32_t maps;
  int is_return;
  uint64_t pc;
  size_t first, n; /* frames in the pool */
} sym_entry;

typedef struct symcache {
  sym_entry *slot; /* open addressing; n == SIZE_MAX marks empty */
  size_t cap, used;
  hp_frame *pool;
  size_t n_pool, cap_pool;
} symcache;

static const Dwfl_Callbacks callbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
};

const char *lg__hp_demangle(const char *sym, char *buf, size_t cap) {
  int status = -1;
  char *d;
  if (!sym || strncmp(sym, "_Z", 2) != 0)
    return sym;
  d = __cxa_demangle(sym, NULL, NULL, &status);
  if (!d || status != 0) {
    free(d);
    return sym;
  }
  snprintf(buf, cap, "%s", d);
  free(d);
  return buf;
}

int lg__hp_maps_add(lg_heapprof *h, uint32_t proc, const char *text,
                    size_t len) {
  hp_maps m;
  memset(&m, 0, sizeof m);
  m.proc = proc;
  m.text = malloc(len + 1);
  if (!m.text || lg__grow((void **)&h->maps, &h->cap_maps, h->n_maps + 1,
                          sizeof *h->maps, 1 << 20)) {
    free(m.text);
    return -1;
  }
  if (len)
    memcpy(m.text, text, len);
  m.text[len] = '\0';
  m.len = len;
  h->maps[h->n_maps] = m;
  return (int)h->n_maps++;
}

static Dwfl *dwfl_of(hp_maps *m) {
  Dwfl *d;
  FILE *f;
  if (m->dwfl_state)
    return m->dwfl_state > 0 ? m->dwfl : NULL;
  m->dwfl_state = -1;
  if (!m->len)
    return NULL;
  d = dwfl_begin(&callbacks);
  if (!d)
    return NULL;
  f = fmemopen(m->text, m->len, "r");
  if (!f) {
    dwfl_end(d);
    return NULL;
  }
  dwfl_report_begin(d);
  if (dwfl_linux_proc_maps_report(d, f) != 0) {
    fclose(f);
    dwfl_end(d);
    return NULL;
  }
  fclose(f);
  dwfl_report_end(d, NULL, NULL);
  m->dwfl = d;
  m->dwfl_state = 1;
  return d;
}

void lg__hp_symbolize_free(lg_heapprof *h) {
  symcache *c = h->symcache;
  size_t i;
  for (i = 0; i < h->n_maps; i++)
    if (h->maps[i].dwfl_state > 0)
      dwfl_end(h->maps[i].dwfl);
  if (c) {
    free(c->slot);
    free(c->pool);
    free(c);
    h->symcache = NULL;
  }
}

/* A DIE's name: linkage name demangled, else DW_AT_name (following
 * abstract origins). */
static const char *die_name(Dwarf_Die *die, char *buf, size_t cap) {
  Dwarf_Attribute a;
  const char *n = NULL;
  if (dwarf_attr_integrate(die, DW_AT_linkage_name, &a) ||
      dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a))
    n = dwarf_formstring(&a);
  if (n)
    return lg__hp_demangle(n, buf, cap);
  if (dwarf_attr_integrate(die, DW_AT_name, &a))
    n = dwarf_formstring(&a);
  return n;
}

typedef struct frames {
  hp_frame f[32];
  size_t n;
} frames;

static int push(lg_heapprof *h, frames *fs, const char *fn, const char *file,
                int line, const char *obj, uint64_t pc, uint32_t maps) {
  hp_frame *f;
  if (fs->n >= sizeof fs->f / sizeof *fs->f)
    return 0; /* deeper inlining than any real stack: the rest is dropped */
  f = &fs->f[fs->n];
  f->function = lg__hp_str(h, fn ? fn : "?", strlen(fn ? fn : "?"));
  f->file = file ? lg__hp_str(h, file, strlen(file)) : NULL;
  f->object = obj ? lg__hp_str(h, obj, strlen(obj)) : NULL;
  if (!f->function || (file && !f->file) || (obj && !f->object))
    return LG_ENOMEM;
  f->line = line;
  f->address = pc;
  f->maps = maps;
  f->inlined = 0;
  fs->n++;
  return 0;
}

/* The frames of one address (uncached). */
static int lookup(lg_heapprof *h, uint32_t maps, uint64_t pc, int is_return,
                  frames *fs) {
  Dwfl *d = maps < h->n_maps ? dwfl_of(&h->maps[maps]) : NULL;
  Dwfl_Module *mod = d ? dwfl_addrmodule(d, pc - (is_return ? 1 : 0)) : NULL;
  Dwarf_Addr a = pc - (is_return ? 1 : 0), bias = 0;
  const char *obj = NULL, *sym, *file = NULL;
  char symbuf[1024], namebuf[1024], outer_name[1024];
  GElf_Off off;
  GElf_Sym esym;
  Dwfl_Line *ln;
  Dwarf_Die *cu, *scopes = NULL;
  int line = 0, nscopes, i, rc = 0;
  size_t start = fs->n;

  if (!mod)
    return push(h, fs, "?", NULL, 0, NULL, pc, maps);
  /* the module's name is the mapped path (its ELF may not be open yet) */
  obj = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  sym = dwfl_module_addrinfo(mod, a, &off, &esym, NULL, NULL, NULL);
  sym = sym ? lg__hp_demangle(sym, symbuf, sizeof symbuf) : NULL;
  if (sym && sym != symbuf && strchr(sym, '@') && !strchr(sym, '(')) {
    /* "__libc_start_main@@GLIBC_2.34": the version is not the name */
    snprintf(symbuf, sizeof symbuf, "%.*s", (int)strcspn(sym, "@"), sym);
    sym = symbuf;
  }
  ln = dwfl_module_getsrc(mod, a);
  if (ln)
    file = dwfl_lineinfo(ln, NULL, &line, NULL, NULL, NULL);
  cu = dwfl_module_addrdie(mod, a, &bias);
  nscopes = cu ? dwarf_getscopes(cu, a - bias, &scopes) : 0;
  if (nscopes <= 0) {
    free(scopes);
    return push(h, fs, sym, file, line, obj, pc, maps);
  }
  {
    /* Re-read the scopes from the innermost DIE so that abstract origins
     * are followed (as eu-addr2line does). */
    Dwarf_Die inner, *chain = NULL;
    Dwarf_Files *files = NULL;
    int nchain;
    Dwarf *dw = dwfl_module_getdwarf(mod, &bias);
    if (!dw || !dwarf_offdie(dw, dwarf_dieoffset(&scopes[0]), &inner) ||
        (nchain = dwarf_getscopes_die(&inner, &chain)) <= 0) {
      free(scopes);
      free(chain);
      return push(h, fs, sym, file, line, obj, pc, maps);
    }
    free(scopes);
    if (dwarf_getsrcfiles(cu, &files, NULL) != 0)
      files = NULL;
    /* the innermost function: an inlined one by its DWARF name, the
     * outermost (not inlined) by its symbol */
    for (i = 0; i < nchain; i++) {
      int tag = dwarf_tag(&chain[i]);
      if (tag == DW_TAG_inlined_subroutine || tag == DW_TAG_subprogram ||
          tag == DW_TAG_entry_point)
        break;
    }
    if (i == nchain || dwarf_tag(&chain[i]) != DW_TAG_inlined_subroutine) {
      /* no inlining at this address */
      const char *name = sym ? sym
                         : i < nchain
                             ? die_name(&chain[i], namebuf, sizeof namebuf)
                             : NULL;
      rc = push(h, fs, name, file, line, obj, pc, maps);
      free(chain);
      return rc;
    }
    rc = push(h, fs, die_name(&chain[i], namebuf, sizeof namebuf), file, line,
              obj, pc, maps);
    for (; rc == 0 && i < nchain - 1; i++) {
      Dwarf_Attribute at;
      Dwarf_Word val;
      const char *cfile = NULL, *pname = NULL;
      int cline = 0, j, ptag = 0;
      if (dwarf_tag(&chain[i]) != DW_TAG_inlined_subroutine)
        continue;
      for (j = i + 1; j < nchain; j++) {
        ptag = dwarf_tag(&chain[j]);
        if (ptag == DW_TAG_inlined_subroutine || ptag == DW_TAG_subprogram ||
            ptag == DW_TAG_entry_point)
          break;
      }
      if (j == nchain)
        break;
      if (files && dwarf_formudata(dwarf_attr(&chain[i], DW_AT_call_file, &at),
                                   &val) == 0)
        cfile = dwarf_filesrc(files, val, NULL, NULL);
      if (dwarf_formudata(dwarf_attr(&chain[i], DW_AT_call_line, &at), &val) ==
          0)
        cline = (int)val;
      if (ptag == DW_TAG_inlined_subroutine)
        pname = die_name(&chain[j], namebuf, sizeof namebuf);
      else
        pname = sym ? sym : die_name(&chain[j], outer_name, sizeof outer_name);
      rc = push(h, fs, pname, cfile, cline, obj, pc, maps);
    }
    free(chain);
    /* every frame but the outermost shares the address with the next */
    for (i = (int)start; rc == 0 && (size_t)i + 1 < fs->n; i++)
      fs->f[i].inlined = 1;
  }
  return rc;
}

static size_t slot_of(const symcache *c, uint32_t maps, uint64_t pc,
                      int is_return) {
  uint64_t k = (pc * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)maps << 1) ^
               (uint64_t)is_return;
  return (size_t)(k >> 17) & (c->cap - 1);
}

static int cache_grow(symcache *c) {
  size_t cap = c->cap ? c->cap * 2 : 1024, i;
  sym_entry *s = malloc(cap * sizeof *s), *old = c->slot;
  size_t old_cap = c->cap;
  if (!s)
    return LG_ENOMEM;
  memset(s, 0xff, cap * sizeof *s); /* n = SIZE_MAX: every slot empty */
  c->slot = s;
  c->cap = cap;
  for (i = 0; i < old_cap; i++)
    if (old[i].n != SIZE_MAX) {
      size_t k = slot_of(c, old[i].maps, old[i].pc, old[i].is_return);
      while (s[k].n != SIZE_MAX)
        k = (k + 1) & (cap - 1);
      s[k] = old[i];
    }
  free(old);
  return 0;
}

int lg__hp_symbolize(lg_heapprof *h, uint32_t maps, uint64_t pc, int is_return,
                     const hp_frame **out, size_t *n, lg_error *err) {
  symcache *c = h->symcache;
  frames fs;
  size_t k;
  int rc;
  if (!c) {
    c = h->symcache = calloc(1, sizeof *c);
    if (!c)
      return lg_error_set(err, LG_ENOMEM, "out of memory");
  }
  if (2 * (c->used + 1) > c->cap && cache_grow(c))
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  for (k = slot_of(c, maps, pc, is_return); c->slot[k].n != SIZE_MAX;
       k = (k + 1) & (c->cap - 1))
    if (c->slot[k].pc == pc && c->slot[k].maps == maps &&
        c->slot[k].is_return == is_return) {
      *out = c->pool + c->slot[k].first;
      *n = c->slot[k].n;
      return 0;
    }
  fs.n = 0;
  if ((rc = lookup(h, maps, pc, is_return, &fs)) != 0)
    return lg_error_set(err, rc, "out of memory");
  if (lg__grow((void **)&c->pool, &c->cap_pool, c->n_pool + fs.n,
               sizeof *c->pool, HP_MAX_STACKS * 4))
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  memcpy(c->pool + c->n_pool, fs.f, fs.n * sizeof *fs.f);
  c->slot[k].maps = maps;
  c->slot[k].pc = pc;
  c->slot[k].is_return = is_return;
  c->slot[k].first = c->n_pool;
  c->slot[k].n = fs.n;
  c->n_pool += fs.n;
  c->used++;
  *out = c->pool + c->slot[k].first;
  *n = fs.n;
  return 0;
}

int lg__hp_resolve_stacks(lg_heapprof *h, lg_error *err) {
  hp_frame *buf = NULL;
  size_t cap = 0, i, j;
  int rc = 0;
  for (i = 0; i < h->n_stacks && rc == 0; i++) {
    hp_stack *s = &h->stacks[i];
    size_t n = 0;
    if (s->site != UINT32_MAX)
      continue;
    for (j = 0; j < s->n; j++) {
      const hp_frame *f;
      size_t k;
      if ((rc = lg__hp_symbolize(h, s->maps, s->pcs[j], 1, &f, &k, err)))
        break;
      if ((rc = lg__grow((void **)&buf, &cap, n + k, sizeof *buf,
                         HP_MAX_FRAMES))) {
        rc = lg_error_set(err, LG_ENOMEM, "out of memory");
        break;
      }
      memcpy(buf + n, f, k * sizeof *f);
      n += k;
    }
    if (rc == 0 && (s->site = lg__hp_site_of(h, buf, n, err)) == UINT32_MAX)
      rc = err->code;
  }
  free(buf);
  return rc;
}
