// SPDX-License-Identifier: GPL-2.0-only
/*
 * iproute2-style print helpers over json_writer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_print.h"

static bool want_text(enum output_type t)
{
	return !json_output && (t & PRINT_FP);
}

static bool want_json(enum output_type t)
{
	return json_output && (t & PRINT_JSON);
}

static void json_key(const char *key)
{
	if (key)
		jsonw_name(json_wtr, key);
}

static bool needs_escape(unsigned char c)
{
	return c <= 0x20 || c >= 0x7f || c == '\\';
}

const char *text_escape(const char *value)
{
	static char *buf;
	static size_t cap;
	const unsigned char *s;
	size_t need;
	char *w;

	for (s = (const unsigned char *)value; *s; s++)
		if (needs_escape(*s))
			break;
	if (!*s)
		return value;

	need = strlen(value) * 4 + 1;
	if (need > cap) {
		char *p = realloc(buf, need);

		if (!p)
			return "?";
		buf = p;
		cap = need;
	}
	for (s = (const unsigned char *)value, w = buf; *s; s++) {
		if (needs_escape(*s))
			w += sprintf(w, "\\x%02x", *s);
		else
			*w++ = *s;
	}
	*w = '\0';
	return buf;
}

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *value)
{
	if (want_json(t)) {
		json_key(key);
		jsonw_string(json_wtr, value);
	} else if (want_text(t) && fmt) {
		printf(fmt, text_escape(value));
	}
}

void print_uint(enum output_type t, const char *key, const char *fmt,
		unsigned long long value)
{
	if (want_json(t)) {
		json_key(key);
		jsonw_uint(json_wtr, value);
	} else if (want_text(t) && fmt) {
		printf(fmt, value);
	}
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (json_output)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void print_nl(void)
{
	if (!json_output)
		putchar('\n');
}

void open_json_object(const char *key)
{
	if (!json_output)
		return;
	json_key(key);
	jsonw_start_object(json_wtr);
}

void close_json_object(void)
{
	if (json_output)
		jsonw_end_object(json_wtr);
}

void open_json_array(const char *key)
{
	if (!json_output)
		return;
	json_key(key);
	jsonw_start_array(json_wtr);
}

void close_json_array(void)
{
	if (json_output)
		jsonw_end_array(json_wtr);
}
