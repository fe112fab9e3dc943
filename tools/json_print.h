/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iproute2-style output helpers: one call prints a value either as text,
 * through a printf format, or as a JSON member, so the two outputs cannot
 * drift apart.
 */
#ifndef __OSM_JSON_PRINT_H
#define __OSM_JSON_PRINT_H

#include <stdbool.h>
#include <stdint.h>

#include "json_writer.h"

enum output_type {
	PRINT_FP = 1,		/* text only */
	PRINT_JSON = 2,		/* JSON only */
	PRINT_ANY = 3,		/* both */
};

extern bool json_output;
extern json_writer_t *json_wtr;

#define __fmt(a, b) __attribute__((format(printf, a, b)))

/*
 * In JSON mode @key names the member (NULL inside arrays); in text mode
 * @fmt formats the value.  Text values are escaped as the graph format
 * escapes them (\xHH), so a path cannot move the cursor or fake a line.
 */
void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *value);
void print_uint(enum output_type t, const char *key, const char *fmt,
		unsigned long long value);
/* Text only, not escaped: for layout (headings, separators). */
void print_text(const char *fmt, ...) __fmt(1, 2);
void print_nl(void);

void open_json_object(const char *key);
void close_json_object(void);
void open_json_array(const char *key);
void close_json_array(void);

/* @value with every byte <= 0x20, >= 0x7f or '\\' as \xHH. */
const char *text_escape(const char *value);

#endif /* __OSM_JSON_PRINT_H */
