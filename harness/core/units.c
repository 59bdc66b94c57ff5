/* core/units.c - unit parsing/printing (see leakgate/units.h).
 * Pure functions: no allocation, no global state. */
#include <leakgate/units.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Split "  12.5KiB " into a finite non-negative number and its unit suffix
 * (trailing whitespace removed). Returns 0 or LG_EINPUT. */
static int split_number(const char *text, const char *what, double *value,
                        char *unit, size_t unit_cap, lg_error *err) {
  const char *p = text;
  char *end = NULL;
  size_t n;
  if (!text)
    return lg_error_set(err, LG_EINPUT, "expected a %s, got nothing", what);
  while (isspace((unsigned char)*p))
    p++;
  /* strtod would accept "inf", "nan" and hex; insist on a decimal number. */
  if (!(isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))))
    return lg_error_set(err, LG_EINPUT, "expected a %s, got '%s'", what, text);
  errno = 0;
  *value = strtod(p, &end);
  if (errno == ERANGE || !isfinite(*value) || *value < 0)
    return lg_error_set(err, LG_EINPUT, "%s '%s' is out of range", what, text);
  /* Only plain decimal: strtod also takes hex ("0x10"), which we refuse. */
  for (const char *q = p; q < end; q++)
    if (!isdigit((unsigned char)*q) && *q != '.' && *q != 'e' && *q != 'E' &&
        *q != '+' && *q != '-')
      return lg_error_set(err, LG_EINPUT, "expected a %s, got '%s'", what, text);
  while (isspace((unsigned char)*end))
    end++;
  n = strlen(end);
  while (n > 0 && isspace((unsigned char)end[n - 1]))
    n--;
  if (n >= unit_cap)
    return lg_error_set(err, LG_EINPUT, "expected a %s, got '%s'", what, text);
  memcpy(unit, end, n);
  unit[n] = '\0';
  return 0;
}

int lg_parse_duration(const char *text, double *seconds, lg_error *err) {
  static const struct {
    const char *unit;
    double scale;
  } units[] = {{"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}};
  char unit[8];
  double v;
  size_t i;
  if (split_number(text, "duration (like 500ms, 10s, 5m, 1h)", &v, unit,
                   sizeof unit, err))
    return LG_EINPUT;
  if (unit[0] == '\0') {
    if (v == 0) {
      *seconds = 0;
      return 0;
    }
    return lg_error_set(err, LG_EINPUT,
                        "duration '%s' needs a unit: ms, s, m or h", text);
  }
  for (i = 0; i < sizeof units / sizeof units[0]; i++) {
    if (strcmp(unit, units[i].unit) == 0) {
      *seconds = v * units[i].scale;
      return 0;
    }
  }
  return lg_error_set(err, LG_EINPUT,
                      "duration '%s' has unknown unit '%s' (use ms, s, m or h)",
                      text, unit);
}

static const struct {
  const char *unit;
  double scale;
} size_units[] = {
    {"", 1},           {"B", 1},           {"KiB", 1024.0},
    {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0},
    {"KB", 1e3},       {"MB", 1e6},        {"GB", 1e9},
    {"TB", 1e12},
};

int lg_parse_size_f(const char *text, double *bytes, lg_error *err) {
  char unit[8];
  double v;
  size_t i;
  if (split_number(text, "size (like 64MiB, 512KiB, 16B)", &v, unit,
                   sizeof unit, err))
    return LG_EINPUT;
  for (i = 0; i < sizeof size_units / sizeof size_units[0]; i++) {
    if (strcmp(unit, size_units[i].unit) == 0) {
      *bytes = v * size_units[i].scale;
      if (!isfinite(*bytes) || *bytes > 9.2e18)
        return lg_error_set(err, LG_EINPUT, "size '%s' is too large", text);
      return 0;
    }
  }
  return lg_error_set(err, LG_EINPUT,
                      "size '%s' has unknown unit '%s' (use B, KiB, MiB, GiB, "
                      "TiB, KB, MB, GB or TB)",
                      text, unit);
}

int lg_parse_size(const char *text, uint64_t *bytes, lg_error *err) {
  double v;
  if (lg_parse_size_f(text, &v, err))
    return LG_EINPUT;
  *bytes = (uint64_t)v;
  return 0;
}

int lg_parse_rate(const char *text, double *per_second, lg_error *err) {
  char unit[8];
  double v;
  if (split_number(text, "rate in requests/s (like 1000 or 2.5k)", &v, unit,
                   sizeof unit, err))
    return LG_EINPUT;
  if (strcmp(unit, "") == 0 || strcmp(unit, "/s") == 0) {
    *per_second = v;
    return 0;
  }
  if (strcmp(unit, "k") == 0 || strcmp(unit, "k/s") == 0) {
    *per_second = v * 1000.0;
    return 0;
  }
  return lg_error_set(err, LG_EINPUT,
                      "rate '%s' has unknown unit '%s' (use 1000, 2.5k or 500/s)",
                      text, unit);
}

int lg_parse_fraction(const char *text, double *fraction, lg_error *err) {
  char unit[4];
  double v;
  if (split_number(text, "fraction (like 20% or 0.2)", &v, unit, sizeof unit,
                   err))
    return LG_EINPUT;
  if (strcmp(unit, "%") == 0) {
    if (v > 100)
      return lg_error_set(err, LG_EINPUT, "percentage '%s' is above 100%%",
                          text);
    *fraction = v / 100.0;
    return 0;
  }
  if (unit[0] != '\0')
    return lg_error_set(err, LG_EINPUT,
                        "expected a fraction (like 20%% or 0.2), got '%s'", text);
  if (v > 1)
    return lg_error_set(err, LG_EINPUT,
                        "fraction '%s' is above 1 (write 20%% or 0.2)", text);
  *fraction = v;
  return 0;
}

char *lg_format_bytes(char *buf, size_t cap, double bytes) {
  static const char *names[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double a = fabs(bytes);
  int i = 0;
  if (!isfinite(bytes)) {
    snprintf(buf, cap, "n/a");
    return buf;
  }
  while (a >= 1024.0 && i < 4) {
    a /= 1024.0;
    i++;
  }
  if (i == 0)
    snprintf(buf, cap, "%.0f B", bytes);
  else
    snprintf(buf, cap, "%.1f %s", bytes < 0 ? -a : a, names[i]);
  return buf;
}

char *lg_format_duration(char *buf, size_t cap, double s) {
  if (!isfinite(s))
    snprintf(buf, cap, "never");
  else if (s < 1)
    snprintf(buf, cap, "%.0f ms", s * 1e3);
  else if (s < 120)
    snprintf(buf, cap, "%.1f s", s);
  else if (s < 7200)
    snprintf(buf, cap, "%.1f min", s / 60);
  else if (s < 172800)
    snprintf(buf, cap, "%.1f h", s / 3600);
  else
    snprintf(buf, cap, "%.1f d", s / 86400);
  return buf;
}
