// SPDX-License-Identifier: GPL-2.0-only
/*
 * A small streaming JSON writer (RFC 8259 output).
 *
 * Graph values are arbitrary bytes (paths, comms).  Valid UTF-8 is
 * copied as is; any other byte >= 0x80 is written as \u00XX, so the
 * output is always valid UTF-8 JSON and no byte is silently dropped.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "json_writer.h"

#define JSONW_MAX_DEPTH	64

struct json_writer {
	FILE *out;
	unsigned int depth;
	bool pretty;
	bool after_name;		/* a name is waiting for its value */
	bool first[JSONW_MAX_DEPTH];	/* nothing written at this level */
};

json_writer_t *jsonw_new(FILE *f)
{
	json_writer_t *self = calloc(1, sizeof(*self));

	if (!self)
		return NULL;
	self->out = f;
	self->first[0] = true;
	return self;
}

void jsonw_destroy(json_writer_t **self_p)
{
	free(*self_p);
	*self_p = NULL;
}

void jsonw_pretty(json_writer_t *self, bool on)
{
	self->pretty = on;
}

static void indent(json_writer_t *self)
{
	unsigned int i;

	if (!self->pretty)
		return;
	fputc('\n', self->out);
	for (i = 0; i < self->depth; i++)
		fputs("    ", self->out);
}

/* Before any value or name: the separator its position needs. */
static void sep(json_writer_t *self)
{
	if (self->after_name) {
		self->after_name = false;
		return;
	}
	if (self->depth) {
		if (!self->first[self->depth])
			fputc(',', self->out);
		indent(self);
	}
	self->first[self->depth] = false;
}

/* A complete top-level value ends with a newline, as jq prints it. */
static void value_done(json_writer_t *self)
{
	if (!self->depth)
		fputc('\n', self->out);
}

int utf8_seq_len(const unsigned char *s)
{
	unsigned int cp;
	int n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF are invalid. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static void put_escaped(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', out);
	while (*s) {
		int n;

		switch (*s) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\b':
			fputs("\\b", out);
			break;
		case '\f':
			fputs("\\f", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (*s < 0x20 || *s == 0x7f) {
				fprintf(out, "\\u%04x", *s);
				break;
			}
			n = utf8_seq_len(s);
			if (!n) {
				fprintf(out, "\\u%04x", *s);
				break;
			}
			fwrite(s, 1, n, out);
			s += n;
			continue;
		}
		s++;
	}
	fputc('"', out);
}

static void start(json_writer_t *self, char c)
{
	sep(self);
	fputc(c, self->out);
	if (self->depth + 1 < JSONW_MAX_DEPTH)
		self->depth++;
	self->first[self->depth] = true;
}

static void end(json_writer_t *self, char c)
{
	bool empty = self->first[self->depth];

	if (self->depth)
		self->depth--;
	if (!empty)
		indent(self);
	fputc(c, self->out);
	value_done(self);
}

void jsonw_start_object(json_writer_t *self)
{
	start(self, '{');
}

void jsonw_end_object(json_writer_t *self)
{
	end(self, '}');
}

void jsonw_start_array(json_writer_t *self)
{
	start(self, '[');
}

void jsonw_end_array(json_writer_t *self)
{
	end(self, ']');
}

void jsonw_name(json_writer_t *self, const char *name)
{
	sep(self);
	put_escaped(self->out, name);
	fputs(self->pretty ? ": " : ":", self->out);
	self->after_name = true;
}

void jsonw_string(json_writer_t *self, const char *value)
{
	sep(self);
	put_escaped(self->out, value);
	value_done(self);
}

void jsonw_uint(json_writer_t *self, uint64_t value)
{
	sep(self);
	fprintf(self->out, "%" PRIu64, value);
	value_done(self);
}

void jsonw_int(json_writer_t *self, int64_t value)
{
	sep(self);
	fprintf(self->out, "%" PRId64, value);
	value_done(self);
}

void jsonw_bool(json_writer_t *self, bool value)
{
	sep(self);
	fputs(value ? "true" : "false", self->out);
	value_done(self);
}

void jsonw_null(json_writer_t *self)
{
	sep(self);
	fputs("null", self->out);
	value_done(self);
}

void jsonw_string_field(json_writer_t *self, const char *name,
			const char *value)
{
	jsonw_name(self, name);
	jsonw_string(self, value);
}

void jsonw_uint_field(json_writer_t *self, const char *name, uint64_t value)
{
	jsonw_name(self, name);
	jsonw_uint(self, value);
}
