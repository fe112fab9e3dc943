// SPDX-License-Identifier: GPL-2.0-only
/*
 * A small streaming JSON writer (RFC 8259 output).
 *
 * Graph values are arbitrary bytes (paths, comms).  Valid UTF-8 is
 * copied as is; any other byte >= 0x80 is written as \u00XX, so the
 * output is always valid UTF-8 JSON and no byte is silently dropped.
 *
 * The writer fills a buffer of its own and hands it to the stream when
 * it is full and after each complete top-level value: a whole graph is
 * tens of millions of short pieces, and a stdio call per piece was most
 * of the cost of "osm -j graph".
 */
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

#define JSONW_MAX_DEPTH	64
#define JSONW_BUF_SIZE	(64U << 10)

struct json_writer {
	FILE *out;
	unsigned int depth;
	bool pretty;
	bool after_name;		/* a name is waiting for its value */
	bool first[JSONW_MAX_DEPTH];	/* nothing written at this level */
	size_t len;			/* bytes waiting in buf */
	char buf[JSONW_BUF_SIZE];
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

void jsonw_flush(json_writer_t *self)
{
	if (self->len)
		fwrite(self->buf, 1, self->len, self->out);
	self->len = 0;
}

void jsonw_destroy(json_writer_t **self_p)
{
	if (*self_p)
		jsonw_flush(*self_p);
	free(*self_p);
	*self_p = NULL;
}

static void put(json_writer_t *self, const void *p, size_t n)
{
	if (n > JSONW_BUF_SIZE - self->len) {
		jsonw_flush(self);
		if (n >= JSONW_BUF_SIZE) {
			fwrite(p, 1, n, self->out);
			return;
		}
	}
	memcpy(self->buf + self->len, p, n);
	self->len += n;
}

static inline void put_c(json_writer_t *self, char c)
{
	if (self->len == JSONW_BUF_SIZE)
		jsonw_flush(self);
	self->buf[self->len++] = c;
}

#define put_lit(self, lit)	put(self, lit, sizeof(lit) - 1)

void jsonw_pretty(json_writer_t *self, bool on)
{
	self->pretty = on;
}

static void indent(json_writer_t *self)
{
	unsigned int i;

	if (!self->pretty)
		return;
	put_c(self, '\n');
	for (i = 0; i < self->depth; i++)
		put_lit(self, "    ");
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
			put_c(self, ',');
		indent(self);
	}
	self->first[self->depth] = false;
}

/* A complete top-level value ends with a newline, as jq prints it. */
static void value_done(json_writer_t *self)
{
	if (!self->depth) {
		put_c(self, '\n');
		jsonw_flush(self);
	}
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

/* Printable ASCII but the quote and backslash: held as it is. */
static bool json_plain[256];

static void json_plain_init(void)
{
	unsigned int c;

	for (c = 0x20; c < 0x7f; c++)
		json_plain[c] = c != '"' && c != '\\';
}

static const char hex_digits[] = "0123456789abcdef";

/* The escape of a byte that is not plain or valid UTF-8. */
static void put_escape(json_writer_t *self, unsigned char c)
{
	static const char short_esc[0x20] = {
		['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r',
		['\t'] = 't',
	};
	char u[6] = { '\\', 'u', '0', '0' };

	if (c == '"' || c == '\\' || (c < 0x20 && short_esc[c])) {
		u[1] = c < 0x20 ? short_esc[c] : c;
		put(self, u, 2);
		return;
	}
	u[4] = hex_digits[c >> 4];
	u[5] = hex_digits[c & 0xf];
	put(self, u, 6);
}

/* Runs of bytes that need no escape are copied at once. */
static void put_escaped(json_writer_t *self, const char *str)
{
	const unsigned char *s = (const unsigned char *)str, *run = s;
	int n;

	if (!json_plain['a'])
		json_plain_init();
	put_c(self, '"');
	for (;;) {
		while (json_plain[*s])
			s++;
		n = *s >= 0x80 ? utf8_seq_len(s) : 0;
		if (n) {
			s += n;
			continue;
		}
		if (s > run)
			put(self, run, s - run);
		if (!*s)
			break;
		put_escape(self, *s++);
		run = s;
	}
	put_c(self, '"');
}

/* @v in decimal, with a '-' first when @neg. */
static void put_u64(json_writer_t *self, uint64_t v, bool neg)
{
	char d[21];
	size_t i = sizeof(d);

	do {
		d[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	if (neg)
		d[--i] = '-';
	put(self, d + i, sizeof(d) - i);
}

static void start(json_writer_t *self, char c)
{
	sep(self);
	put_c(self, c);
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
	put_c(self, c);
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
	put_escaped(self, name);
	if (self->pretty)
		put_lit(self, ": ");
	else
		put_c(self, ':');
	self->after_name = true;
}

void jsonw_string(json_writer_t *self, const char *value)
{
	sep(self);
	put_escaped(self, value);
	value_done(self);
}

void jsonw_uint(json_writer_t *self, uint64_t value)
{
	sep(self);
	put_u64(self, value, false);
	value_done(self);
}

void jsonw_int(json_writer_t *self, int64_t value)
{
	sep(self);
	put_u64(self, value < 0 ? -(uint64_t)value : (uint64_t)value,
		value < 0);
	value_done(self);
}

void jsonw_bool(json_writer_t *self, bool value)
{
	sep(self);
	if (value)
		put_lit(self, "true");
	else
		put_lit(self, "false");
	value_done(self);
}

void jsonw_null(json_writer_t *self)
{
	sep(self);
	put_lit(self, "null");
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
