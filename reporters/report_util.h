/* reporters/report_util.h - what every reporter shares: the renderer
 * signature, escaping for each output language, repository-relative paths,
 * ordering of the top leaks and sites, the sparkline. Internal.
 *
 * All appenders write into a capped lg_buf (core/buf.h) whose first failure
 * sticks (LG_ELIMIT when a report would exceed its cap), so a result with a
 * million leak records cannot make leakgate grow unbounded, and a renderer
 * appends without checking each call and returns lg__buf_error(b) once. The
 * escapers return that error too, for callers that stop early.
 */
#ifndef LG_REPORT_UTIL_H
#define LG_REPORT_UTIL_H

#include "core/buf.h"

#include <leakgate/report.h>
#include <leakgate/result.h>

#include <stdbool.h>
#include <stddef.h>

/* The hard cap of one rendered report. */
#define LG_REPORT_CAP ((size_t)64 << 20)

typedef int (*lg_renderer)(const lg_result *const *rs, size_t n,
                           const lg_report_opts *o, lg_buf *b);

int lg__render_json(const lg_result *const *rs, size_t n,
                    const lg_report_opts *o, lg_buf *b);
int lg__render_junit(const lg_result *const *rs, size_t n,
                     const lg_report_opts *o, lg_buf *b);
int lg__render_markdown(const lg_result *const *rs, size_t n,
                        const lg_report_opts *o, lg_buf *b);
int lg__render_html(const lg_result *const *rs, size_t n,
                    const lg_report_opts *o, lg_buf *b);
int lg__render_sarif(const lg_result *const *rs, size_t n,
                     const lg_report_opts *o, lg_buf *b);
int lg__render_annotations(const lg_result *const *rs, size_t n,
                           const lg_report_opts *o, lg_buf *b);
int lg__render_summary(const lg_result *const *rs, size_t n,
                       const lg_report_opts *o, lg_buf *b);

/* XML/HTML text and attribute escaping: & < > " ' become entities; tab,
 * newline and carriage return become character references when attr (so
 * attribute values keep them); characters XML 1.0 forbids (C0 controls,
 * U+FFFE, U+FFFF) are dropped; bytes that are not UTF-8 become U+FFFD. */
int lg__esc_xml(lg_buf *b, const char *s, bool attr);
/* Markdown inline text (table cells, list items): HTML specials as
 * entities, Markdown punctuation backslash-escaped, line breaks as spaces. */
int lg__esc_md(lg_buf *b, const char *s);
/* s as a Markdown code span, fence and all: a fence longer than any run of
 * backticks in s (a backtick in a path cannot end it), the text verbatim
 * except line breaks and controls (spaces). */
int lg__md_code(lg_buf *b, const char *s);
/* GitHub workflow command data (%, CR, LF) or property (also ':' ','). */
int lg__esc_gha(lg_buf *b, const char *s, bool property);

/* The markup of the checks table and the reasons list, which HTML and
 * Markdown share: per check row_open, esc(name), status(st), esc(message),
 * row_close between table_open and table_close; when there are reasons,
 * per reason item_open, esc(reason), item_close between list_open and
 * list_close. */
typedef struct lg_rep_markup {
  int (*esc)(lg_buf *b, const char *s);
  /* advisory: lg__rep_check_advisory (shown apart from a plain pass) */
  void (*status)(lg_buf *b, lg_check_status st, bool advisory);
  const char *table_open, *row_open, *row_close, *table_close;
  const char *list_open, *item_open, *item_close, *list_close;
} lg_rep_markup;
/* An advisory finding: c passes by design but reports growth that deserves
 * a look (the Massif check when its heap grows or a site grows: Massif
 * diagnoses, the RSS run and Memcheck gate). Reports show it apart from a
 * plain pass, never as a green one. */
bool lg__rep_check_advisory(const lg_result *r, const lg_check *c);
/* r's checks table and reasons in markup m. */
void lg__rep_checks(lg_buf *b, const lg_result *r, const lg_rep_markup *m);

/* The rows of the growing-sites table, which HTML and Markdown share: per
 * site row_open, esc(function), cell, esc(file)[:line], then num (first),
 * num (last), growth and the growth, row_close. */
typedef struct lg_rep_site_markup {
  int (*esc)(lg_buf *b, const char *s);
  const char *row_open, *cell, *num, *growth, *row_close;
} lg_rep_site_markup;
/* The start of a site's row: open, esc(function or "??"), cell,
 * esc(file or nofile) and ":line" when known. */
void lg__rep_site_start(lg_buf *b, int (*esc)(lg_buf *b, const char *s),
                        const char *open, const char *cell,
                        const char *function, const char *file,
                        const char *nofile, int line);
/* A site's row up to its growth: the start, then num first, num last,
 * growth growth; the caller adds its own cells, then row_close. */
void lg__rep_site_cells(lg_buf *b, const lg_rep_site_markup *mk,
                        const char *function, const char *file, int line,
                        double first, double last, double growth);
/* The first max of the sites in order idx (lg__rep_top_sites) as rows. */
void lg__rep_site_rows(lg_buf *b, const lg_massif_result *m, const size_t *idx,
                       size_t max, const lg_rep_site_markup *mk);
/* The first max of the heap profile's growing sites (fastest first) as
 * rows: the start (nofile "?"), num rate, num interval, num samples, cell,
 * then the fingerprint (fp_none when unknown) between two fp_quote, and
 * " (known)" for a site the baseline knew, row_close. */
void lg__rep_heap_site_rows(lg_buf *b, const lg_heap_profile_result *h,
                            size_t max, const lg_rep_site_markup *mk,
                            const char *fp_quote, const char *fp_none);
/* The first max of a managed runtime's growing classes or stacks
 * (runtime.growing, largest first) as the same rows plus num and the bytes
 * per request. */
void lg__rep_runtime_site_rows(lg_buf *b, const lg_runtime_result *rt,
                               size_t max, const lg_rep_site_markup *mk);
/* What a managed runtime's own report said, as one line of plain text for
 * the reports' runtime paragraph ("jvm 17.0.13 (detected from the command);
 * GC report JAVA_TOOL_OPTIONS = ...; 1234 collections (56 full), 1.20 s of
 * pauses; live heap 60.0 MiB (peak 62.0 MiB) of a 64.0 MiB ceiling"), into
 * buf; false (buf empty) for a native service or an unknown runtime. */
bool lg__rep_runtime_text(char *buf, size_t cap, const lg_result *r);

/* path relative to root when the file lies inside it ("src/a.c"), else NULL.
 * Absolute paths are compared after removing "." and ".." components;
 * relative paths are taken as relative to root unless they climb out. */
const char *lg__rel_path(const char *file, const char *root, char *buf,
                         size_t cap);

/* The frame a leak is reported at: its allocation site (lg_leak_site) when
 * that lies inside root, else the first frame inside root that is not an
 * allocator frame (lg_is_allocator_frame, the list lg_leak_site skips);
 * NULL when no frame is. rel gets its path relative to root. O(stack). */
const lg_frame *lg__rep_leak_frame(const lg_leak_record *l, const char *root,
                                   char *rel, size_t cap);

/* The frame a heap-profile growing site is reported at: its named frame
 * (function, file, line of the site) when its file lies inside root, else
 * the first frame of its stack inside root that is not an allocator frame;
 * NULL when none is. rel gets the path relative to root; *line the line. */
bool lg__rep_heap_frame(const lg_heap_site *s, const char *root, char *rel,
                        size_t cap, const char **fn, int *line);
/* "leak_per_request (src/leaky.c:12) 80.1 B/request (98% CI 72.0 to
 * 88.2)" for a heap site, into buf (per "request" or the section's x). */
char *lg__rep_heap_site_text(char *buf, size_t cap, const lg_result *r,
                             const lg_heap_site *s);

/* Leak indices sorted by bytes, largest first (caller frees); NULL when
 * there are none or on ENOMEM. */
size_t *lg__top_leaks(const lg_memcheck_result *m);
/* Growing-site indices sorted by growth, largest first (caller frees). */
size_t *lg__top_sites(const lg_massif_result *m);

/* The same for a renderer: NULL when the tier did not run or found
 * nothing, and on ENOMEM, which it records in b's sticky error. */
size_t *lg__rep_top_leaks(lg_buf *b, const lg_memcheck_result *m);
size_t *lg__rep_top_sites(lg_buf *b, const lg_massif_result *m);

/* A Unicode block sparkline (U+2581..U+2588) of y, resampled to at most
 * width characters by bucket means. */
int lg__sparkline(lg_buf *b, const double *y, size_t n, size_t width);

/* 64-bit FNV-1a of the strings (NULL skipped), as 16 hex digits. */
void lg__hash_hex(char out[17], const char *const *parts, size_t n);

/* Result display name (scenario name, else file, else "scenario"). */
const char *lg__rep_name(const lg_result *r);

#endif
