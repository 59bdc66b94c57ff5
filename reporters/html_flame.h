/* reporters/html_flame.h - the heap profile's icicle chart for the HTML
 * report (html_flame.c). Internal. */
#ifndef LG_HTML_FLAME_H
#define LG_HTML_FLAME_H

#include "report_util.h"

/* Append <svg class="flame" id=...> of r's growing heap sites (nothing when
 * none grows); returns the buffer's error. */
int lg__html_flame(lg_buf *b, const lg_result *r, const char *id);

#endif
