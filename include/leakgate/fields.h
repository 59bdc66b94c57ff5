/* leakgate/fields.h - the row vocabulary of the result field tables.
 *
 * Each section of result.json lists its fields once, in document order, as
 * an X-macro list beside its struct (LG_LOAD_FIELDS in result.h,
 * LG_ANALYSIS_FIELDS in analysis.h, ...). A row is one of
 *   X(TYPE, member, "key")  a field; the list declares the struct member;
 *   H(TYPE, member, "key")  a field whose member is declared by hand in the
 *                           struct (a char array, written with TYPE BUF);
 *   A(codec, "key")         an array or another shape with its own code
 *                           (fc_<codec> in harness/result/sections.c);
 *   S(member, "key")        (lg_result only) a section: an lg_<member>_result
 *                           member with its own list.
 * A key may name one nested object: "latency_ms.p50" is p50 in latency_ms.
 * From the lists follow the struct members, the JSON writer and reader, the
 * "unknown" value a new result starts with, freeing, the baseline file's
 * copies of the same fields and the test that checks docs/result-schema.json
 * (harness/result/fields.h, tests/unit/test_result_schema.c).
 *
 * TYPE   member            JSON                          unknown
 * NUM    double            number, null when not finite  NAN
 * BYTES  double            an amount of memory: NUM      NAN
 *                          that is never negative (the
 *                          reader refuses one < 0)
 * COUNT  int64_t           integer >= 0, null when < 0   -1
 * INT    int               integer, null when < 0        -1
 * POS    int               integer, null when <= 0       0 (lines, signals)
 * BOOL   bool              true or false                 false
 * STR    char * (owned)    string (UTF-8), or null       NULL (freed)
 * PAIR   double m_lo, m_hi [lo, hi] of NUMs              NAN, NAN
 * LEAK   lg_leak           leak, no_leak, inconclusive   LG_LEAK_UNKNOWN
 *                          or null
 * SIZE   size_t            integer; null when the        0
 *                          section is absent (analysis)
 * ABOOL  bool              true or false; null when the  false
 *                          section is absent (analysis)
 * BUF    char[N] (H only)  string, null when empty       ""
 */
#ifndef LEAKGATE_FIELDS_H
#define LEAKGATE_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LG_FIELD_DECL_NUM(m) double m
#define LG_FIELD_DECL_BYTES(m) double m
#define LG_FIELD_DECL_COUNT(m) int64_t m
#define LG_FIELD_DECL_INT(m) int m
#define LG_FIELD_DECL_POS(m) int m
#define LG_FIELD_DECL_BOOL(m) bool m
#define LG_FIELD_DECL_STR(m) char *m
#define LG_FIELD_DECL_PAIR(m) double m##_lo, m##_hi
#define LG_FIELD_DECL_LEAK(m) lg_leak m
#define LG_FIELD_DECL_SIZE(m) size_t m
#define LG_FIELD_DECL_ABOOL(m) bool m

/* Row macros for declaring a struct from its list: X rows declare their
 * member, S rows their section, H and A rows nothing. */
#define LG_FIELD_MEMBER(type, member, key) LG_FIELD_DECL_##type(member);
#define LG_FIELD_SECTION(member, key) lg_##member##_result member;
#define LG_FIELD_NONE(...)

#endif
