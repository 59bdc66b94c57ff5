/* leakgate/valgrind.h - the Valgrind tiers: Memcheck leak stacks and Massif
 * heap growth, from separate reduced-load runs (never inside the RSS run).
 *
 * Parsers: Memcheck's XML (protocol 4) with expat, streamed; massif.out
 * streamed line by line (these files reach hundreds of MB). Both fill the
 * result model's memcheck / massif sections. Fingerprints of leak stacks
 * hash the function and file chain only (no addresses, no line numbers), so
 * they are stable across builds.
 * Ownership: results go into caller-owned lg_memcheck_result/lg_massif_result
 * (freed with the lg_result that embeds them).
 */
#ifndef LEAKGATE_VALGRIND_H
#define LEAKGATE_VALGRIND_H

#include <leakgate/error.h>
#include <leakgate/result.h>
#include <leakgate/scenario.h>
#include <stddef.h>

/* Parse a Memcheck XML file into m (ran = true on success). LG_EINPUT naming
 * the file and line for truncated or malformed XML. */
int lg_memcheck_parse_file(const char *path, lg_memcheck_result *m,
                           lg_error *err);
int lg_memcheck_parse_buffer(const char *name, const char *data, size_t len,
                             lg_memcheck_result *m, lg_error *err);

/* Parse a massif.out file: peak heap, heap series (mem_heap_B +
 * mem_heap_extra_B against time), and growing sites from detailed snapshots.
 * x_of_time maps massif's time unit to requests when given (else time). */
int lg_massif_parse_file(const char *path, lg_massif_result *m, lg_error *err);
int lg_massif_parse_buffer(const char *name, const char *data, size_t len,
                           lg_massif_result *m, lg_error *err);

/* Stable fingerprint of a stack (hex string into out, at least 17 bytes). */
void lg_stack_fingerprint(const lg_frame *stack, size_t n, char *out,
                          size_t cap);

/* Where valgrind is and its version; LG_ETOOL naming the package if absent. */
int lg_valgrind_find(char *path, size_t cap, char *version, size_t vcap,
                     lg_error *err);

#endif
