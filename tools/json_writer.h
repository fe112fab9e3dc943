/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small streaming JSON writer, after iproute2's json_writer: the
 * caller emits names and values in order, the writer adds the commas,
 * the quoting and (optionally) the indentation.
 */
#ifndef __OSM_JSON_WRITER_H
#define __OSM_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct json_writer json_writer_t;

json_writer_t *jsonw_new(FILE *f);
/* Flushes what is buffered, then frees. */
void jsonw_destroy(json_writer_t **self_p);
/* Hand what is buffered to the stream (done after each top-level value). */
void jsonw_flush(json_writer_t *self);
void jsonw_pretty(json_writer_t *self, bool on);

void jsonw_start_object(json_writer_t *self);
void jsonw_end_object(json_writer_t *self);
void jsonw_start_array(json_writer_t *self);
void jsonw_end_array(json_writer_t *self);

/* A member name; the next value written is its value. */
void jsonw_name(json_writer_t *self, const char *name);

void jsonw_string(json_writer_t *self, const char *value);
void jsonw_uint(json_writer_t *self, uint64_t value);
void jsonw_int(json_writer_t *self, int64_t value);
void jsonw_bool(json_writer_t *self, bool value);
void jsonw_null(json_writer_t *self);

void jsonw_string_field(json_writer_t *self, const char *name,
			const char *value);
void jsonw_uint_field(json_writer_t *self, const char *name, uint64_t value);

/* Length of the valid UTF-8 sequence at @s (1..4), or 0 if invalid. */
int utf8_seq_len(const unsigned char *s);

#endif /* __OSM_JSON_WRITER_H */
