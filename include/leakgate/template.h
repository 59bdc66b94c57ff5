/* leakgate/template.h - the {{...}} templates of scenario strings.
 *
 * Syntax: {{port}}, {{seq}}, {{seq % N}}, {{rand N}} (N a positive integer;
 * spaces inside the braces are optional). Anything else between {{ and }} is
 * an error; a lone "{{" without "}}" is an error; "}}" alone is literal text.
 *
 * A template is compiled once (one allocation) and rendered many times into
 * a caller buffer without allocating, so the load engine can render a request
 * per send. Rendering is pure except for {{rand N}}, which advances the
 * caller's xorshift state: a fixed seed gives the same request sequence.
 * Ownership: lg_template_compile allocates *out; lg_template_free frees it.
 */
#ifndef LEAKGATE_TEMPLATE_H
#define LEAKGATE_TEMPLATE_H

#include <leakgate/error.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lg_template lg_template;

/* Values a template is rendered with. */
typedef struct lg_template_vars {
  unsigned port;   /* {{port}} */
  uint64_t seq;    /* {{seq}}: request number from 0 */
  uint64_t *rng;   /* xorshift64 state for {{rand N}}; must be non-zero */
} lg_template_vars;

/* Compile text (len bytes, may contain NUL) into *out; on error *err_offset
 * (if non-NULL) is the byte offset of the bad "{{" in text. */
int lg_template_compile(const char *text, size_t len, lg_template **out,
                        size_t *err_offset, lg_error *err);

/* Free a compiled template (NULL is fine). */
void lg_template_free(lg_template *t);

/* Render into out (cap bytes); returns the length written or LG_ELIMIT when
 * it does not fit. The output is not NUL-terminated. */
long lg_template_render(const lg_template *t, const lg_template_vars *vars,
                        char *out, size_t cap);

/* Upper bound of any rendering's length. */
size_t lg_template_max_len(const lg_template *t);

/* 1 when the template has no variables at all (render once, reuse bytes). */
int lg_template_is_static(const lg_template *t);

/* 1 when the template uses {{seq}} or {{rand}} (changes per request). */
int lg_template_is_dynamic(const lg_template *t);

/* Render a template string with seq 0 into a new NUL-terminated string
 * (for argv, env and addresses); caller frees. */
int lg_template_expand(const char *text, unsigned port, char **out,
                       lg_error *err);

/* One step of the xorshift64 generator used by {{rand N}}. */
uint64_t lg_xorshift64(uint64_t *state);

#endif
