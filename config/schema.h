/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CFG_SCHEMA_H
#define CFG_SCHEMA_H

/*
 * A configuration file described as a table.
 *
 * Every file Bridgeward reads (board profiles, the main configuration, the application
 * catalogue) is declared as a table of rows, one row per key: its type, the field of a
 * typed struct it fills (offsetof), its bounds and its default. cfg_load_file() applies
 * the defaults, parses the file with libconfig, walks it against the table and fills the
 * struct. Unknown keys, wrong types and out-of-range values are reported as
 * "file:line: message"; nothing outside config/ ever sees libconfig.
 *
 * The output struct is self-contained (fixed buffers, fixed-capacity arrays), so a
 * configuration can be loaded into a fresh struct, validated, and only then swapped for
 * the running one: a file with an error never replaces a good configuration.
 *
 * Thread: control core only (or any thread that owns the output struct).
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum cfg_type {
	CFG_BOOL,     /* bool */
	CFG_UINT,     /* unsigned integer; row.size = field width (1, 2, 4, 8) */
	CFG_STRING,   /* char[row.size], NUL-terminated */
	CFG_ENUM,     /* int; row.sub = NULL-terminated array of names */
	CFG_SIZE,     /* uint64_t bytes: 65536, "64k", "64KiB", "2m", "1g" */
	CFG_DURATION, /* uint64_t milliseconds: 30 (seconds), "250ms", "30s", "5m", "2h", "1d" */
	CFG_RATE,     /* uint64_t bits per second: "2mbit", "500kbit", "1gbit", "64kbps" */
	CFG_GROUP,    /* nested table filling the same struct; row.sub = struct cfg_table */
	CFG_LIST,     /* list of groups; row.sub = element table, row.size = element size */
	CFG_STRINGS,  /* array of strings; row.size = element buffer size */
	CFG_UINTS,    /* array of unsigned; row.size = element width (1, 2, 4, 8) */
	CFG_CUSTOM,   /* row.parse decides; scalar settings only */
};

/* Row flags. */
#define CFG_REQUIRED 0x1u /* the key must be present */

/* Where a setting came from, for messages issued after loading (cross-checks). */
struct cfg_where {
	char file[160];
	unsigned line;
};

#define CFG_DIAG_MAX 32
#define CFG_DIAG_LEN 320

/* Diagnostics: every message is "file:line: what is wrong". */
struct cfg_diag {
	unsigned n;       /* messages recorded (at most CFG_DIAG_MAX) */
	unsigned dropped; /* messages beyond CFG_DIAG_MAX */
	char msg[CFG_DIAG_MAX][CFG_DIAG_LEN];
};

struct cfg_row;

/* A scalar value as read from a file (or from a default). */
struct cfg_value {
	enum { CFG_V_INT, CFG_V_STRING, CFG_V_BOOL, CFG_V_FLOAT } kind;
	int64_t i;
	double f;
	const char *s;
};

/*
 * Custom parser: write the parsed value into field; on error write a message (without
 * file:line, which the caller adds) into err and return -1.
 */
typedef int (*cfg_parse_fn)(const struct cfg_row *row, const struct cfg_value *v, void *field,
			    char *err, size_t errlen);

struct cfg_row {
	const char *key;
	enum cfg_type type;
	size_t off;         /* offset of the field in the output struct */
	size_t size;        /* see enum cfg_type */
	uint64_t min, max;  /* CFG_UINT/SIZE/DURATION/RATE bounds; arrays: element bounds */
	const char *def;    /* default, in file syntax without quotes; NULL: zero */
	const void *sub;    /* CFG_GROUP/CFG_LIST: const struct cfg_table *; CFG_ENUM: names */
	size_t count_off;   /* CFG_LIST/STRINGS/UINTS: offset of an unsigned element count */
	unsigned max_count; /* CFG_LIST/STRINGS/UINTS: capacity of the array */
	size_t where_off;   /* CFG_LIST: offset of a struct cfg_where in each element;
			     * CFG_GROUP: offset of one for the group itself; or 0 */
	cfg_parse_fn parse; /* CFG_CUSTOM */
	unsigned flags;     /* CFG_REQUIRED */
	const char *doc;    /* one line for the reference */
};

struct cfg_table {
	const char *name; /* for messages and the reference, e.g. "board" */
	const struct cfg_row *rows;
	size_t nrows;
};

#define CFG_TABLE(nm, rowsarr)                                                                   \
	{                                                                                        \
		.name = (nm), .rows = (rowsarr), .nrows = sizeof(rowsarr) / sizeof((rowsarr)[0]) \
	}

/* Fill out with the defaults of every row of t (recursively). Zeroes out first. */
void cfg_defaults(const struct cfg_table *t, void *out, size_t out_size);

/*
 * Load path into out (which is first reset to defaults). Relative @include paths are
 * resolved against the directory of path. Returns 0, or -1 with d holding at least one
 * message. out is unspecified after a failure: load into a scratch struct.
 */
int cfg_load_file(const char *path, const struct cfg_table *t, void *out, size_t out_size,
		  struct cfg_diag *d);

/* As cfg_load_file, from a string; name stands for the file name in messages. */
int cfg_load_string(const char *text, const char *name, const struct cfg_table *t, void *out,
		    size_t out_size, struct cfg_diag *d);

/* Record a message "file:line: ..." (w may be NULL: the message has no location). */
void cfg_diag_add(struct cfg_diag *d, const struct cfg_where *w, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Print every message of d, one per line, to f. */
void cfg_diag_print(const struct cfg_diag *d, FILE *f);

/* Print the table as a Markdown reference (key, type, default, range, meaning). */
void cfg_print_reference(FILE *f, const struct cfg_table *t, const char *prefix);

/* Parsers shared with other modules (CLI, console). Return 0 or -1. */
int cfg_parse_size(const char *s, uint64_t *bytes);
int cfg_parse_duration(const char *s, uint64_t *ms);
int cfg_parse_rate(const char *s, uint64_t *bits_per_s);

#endif /* CFG_SCHEMA_H */
