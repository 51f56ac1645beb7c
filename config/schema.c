/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Table-driven configuration loading over libconfig.
 *
 * How: defaults are written first by walking the table; then libconfig parses the file and
 * we walk its tree group by group. Each setting must match a row of the table for that group
 * (otherwise "unknown key", with a suggestion when a row name is one or two edits away), the
 * row's setter checks the setting's type and bounds and writes the field. Messages carry the
 * file and line libconfig recorded for the setting. Loading goes on after an error so that
 * one run reports every problem in the file (up to CFG_DIAG_MAX).
 */
#include "schema.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void
cfg_diag_add(struct cfg_diag *d, const struct cfg_where *w, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (d->n >= CFG_DIAG_MAX) {
		d->dropped++;
		return;
	}
	char *m = d->msg[d->n++];
	if (w != NULL && w->file[0] != '\0' && w->line > 0)
		n = snprintf(m, CFG_DIAG_LEN, "%s:%u: ", w->file, w->line);
	else if (w != NULL && w->file[0] != '\0')
		n = snprintf(m, CFG_DIAG_LEN, "%s: ", w->file); /* the file as a whole */
	va_start(ap, fmt);
	vsnprintf(m + n, CFG_DIAG_LEN - (size_t)n, fmt, ap);
	va_end(ap);
}

void
cfg_diag_print(const struct cfg_diag *d, FILE *f)
{
	for (unsigned i = 0; i < d->n; i++)
		fprintf(f, "%s\n", d->msg[i]);
	if (d->dropped)
		fprintf(f, "(%u more errors not shown)\n", d->dropped);
}

/* ---- scalar parsers shared with the CLI ---- */

struct unit {
	const char *suffix;
	uint64_t mult;
};

static int
parse_scaled(const char *s, const struct unit *units, size_t nunits, uint64_t *out,
	     uint64_t default_mult)
{
	char *end;
	double v;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == '-')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || v < 0)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	uint64_t mult = default_mult;
	if (*end != '\0') {
		size_t i;
		for (i = 0; i < nunits; i++)
			if (strcasecmp(end, units[i].suffix) == 0)
				break;
		if (i == nunits)
			return -1;
		mult = units[i].mult;
	}
	double r = v * (double)mult;
	if (r > 1.8e19)
		return -1;
	*out = (uint64_t)(r + 0.5);
	return 0;
}

#define NUNITS(a) (sizeof(a) / sizeof((a)[0]))

int
cfg_parse_size(const char *s, uint64_t *bytes)
{
	static const struct unit u[] = {
		{ "b", 1 },
		{ "k", 1ull << 10 },
		{ "kb", 1ull << 10 },
		{ "kib", 1ull << 10 },
		{ "m", 1ull << 20 },
		{ "mb", 1ull << 20 },
		{ "mib", 1ull << 20 },
		{ "g", 1ull << 30 },
		{ "gb", 1ull << 30 },
		{ "gib", 1ull << 30 },
	};
	return parse_scaled(s, u, NUNITS(u), bytes, 1);
}

int
cfg_parse_duration(const char *s, uint64_t *ms)
{
	static const struct unit u[] = {
		{ "ms", 1 },      { "s", 1000 },    { "sec", 1000 },   { "m", 60000 },
		{ "min", 60000 }, { "h", 3600000 }, { "d", 86400000 },
	};
	return parse_scaled(s, u, NUNITS(u), ms, 1000);
}

int
cfg_parse_rate(const char *s, uint64_t *bps)
{
	/* bit/s units as admins write them (tc, Junos); "bps" suffixes mean bytes per second. */
	static const struct unit u[] = {
		{ "bit", 1 }, { "kbit", 1000 }, { "mbit", 1000000 }, { "gbit", 1000000000 },
		{ "bps", 8 }, { "kbps", 8000 }, { "mbps", 8000000 }, { "gbps", 8000000000ull },
	};
	return parse_scaled(s, u, NUNITS(u), bps, 1);
}

/* ---- field helpers ---- */

static void
store_uint(void *field, size_t width, uint64_t v)
{
	switch (width) {
	case 1: *(uint8_t *)field = (uint8_t)v; break;
	case 2: *(uint16_t *)field = (uint16_t)v; break;
	case 4: *(uint32_t *)field = (uint32_t)v; break;
	default: *(uint64_t *)field = v; break;
	}
}

static uint64_t
width_max(size_t width)
{
	return width >= 8 ? UINT64_MAX : (1ull << (8 * width)) - 1;
}

static uint64_t
row_max(const struct cfg_row *r, size_t width)
{
	return r->max != 0 ? r->max : width_max(width);
}

static const char *
type_name(enum cfg_type t)
{
	switch (t) {
	case CFG_BOOL: return "boolean";
	case CFG_UINT: return "integer";
	case CFG_STRING: return "string";
	case CFG_ENUM: return "choice";
	case CFG_SIZE: return "size";
	case CFG_DURATION: return "duration";
	case CFG_RATE: return "rate";
	case CFG_GROUP: return "group";
	case CFG_LIST: return "list of groups";
	case CFG_STRINGS: return "array of strings";
	case CFG_UINTS: return "array of integers";
	case CFG_CUSTOM: return "value";
	}
	return "?";
}

static const char *
article(enum cfg_type t)
{
	return (t == CFG_UINT || t == CFG_STRINGS || t == CFG_UINTS) ? "an" : "a";
}

static void
enum_choices(const struct cfg_row *r, char *buf, size_t len)
{
	const char *const *names = r->sub;
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; names[i] != NULL && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s\"%s\"", i ? ", " : "", names[i]);
}

/*
 * Set one scalar field from v. Returns 0, or -1 with a message in err.
 * For arrays the element width/size comes from row->size and field points at the element.
 */
static int
set_scalar(const struct cfg_row *r, enum cfg_type type, const struct cfg_value *v, void *field,
	   char *err, size_t errlen)
{
	uint64_t u = 0;
	char choices[256];

	switch (type) {
	case CFG_BOOL:
		if (v->kind != CFG_V_BOOL)
			goto type_error;
		*(bool *)field = v->i != 0;
		return 0;
	case CFG_UINT:
		if (v->kind != CFG_V_INT)
			goto type_error;
		if (v->i < 0 || (uint64_t)v->i < r->min || (uint64_t)v->i > row_max(r, r->size)) {
			snprintf(err, errlen,
				 "'%s' = %" PRId64 " is out of range %" PRIu64 "..%" PRIu64, r->key,
				 v->i, r->min, row_max(r, r->size));
			return -1;
		}
		store_uint(field, r->size, (uint64_t)v->i);
		return 0;
	case CFG_STRING:
		if (v->kind != CFG_V_STRING)
			goto type_error;
		if (strlen(v->s) >= r->size) {
			snprintf(err, errlen, "'%s' is too long (at most %zu characters)", r->key,
				 r->size - 1);
			return -1;
		}
		if (r->min > 0 && strlen(v->s) < r->min) {
			snprintf(err, errlen, "'%s' must not be empty", r->key);
			return -1;
		}
		memcpy(field, v->s, strlen(v->s) + 1);
		return 0;
	case CFG_ENUM: {
		const char *const *names = r->sub;
		if (v->kind != CFG_V_STRING)
			goto type_error;
		for (int i = 0; names[i] != NULL; i++) {
			if (strcmp(names[i], v->s) == 0) {
				*(int *)field = i;
				return 0;
			}
		}
		enum_choices(r, choices, sizeof(choices));
		snprintf(err, errlen, "'%s' = \"%s\" is not one of %s", r->key, v->s, choices);
		return -1;
	}
	case CFG_SIZE:
	case CFG_DURATION:
	case CFG_RATE: {
		const char *what =
			type == CFG_SIZE ? "a size (65536, \"64k\", \"2m\", \"1g\")"
			: type == CFG_DURATION
				? "a duration (seconds, or \"250ms\", \"30s\", \"5m\", \"2h\")"
				: "a rate (\"2mbit\", \"500kbit\", \"1gbit\", \"64kbps\")";
		int rc;
		if (v->kind == CFG_V_INT) {
			if (v->i < 0)
				goto range_error;
			u = (uint64_t)v->i;
			if (type == CFG_DURATION)
				u *= 1000;
			rc = 0;
		} else if (v->kind == CFG_V_STRING) {
			rc = type == CFG_SIZE       ? cfg_parse_size(v->s, &u)
			     : type == CFG_DURATION ? cfg_parse_duration(v->s, &u)
						    : cfg_parse_rate(v->s, &u);
		} else {
			rc = -1;
		}
		if (rc != 0) {
			snprintf(err, errlen, "'%s' must be %s", r->key, what);
			return -1;
		}
		if (u < r->min || u > row_max(r, 8))
			goto range_error;
		*(uint64_t *)field = u;
		return 0;
	range_error:
		snprintf(err, errlen, "'%s' is out of range (%" PRIu64 "..%" PRIu64 "%s)", r->key,
			 r->min, row_max(r, 8),
			 type == CFG_SIZE       ? " bytes"
			 : type == CFG_DURATION ? " ms"
						: " bit/s");
		return -1;
	}
	case CFG_CUSTOM: return r->parse(r, v, field, err, errlen);
	default: break;
	}
type_error:
	if (type == CFG_ENUM) {
		enum_choices(r, choices, sizeof(choices));
		snprintf(err, errlen, "'%s' must be one of %s", r->key, choices);
	} else {
		snprintf(err, errlen, "'%s' must be %s %s", r->key, article(type), type_name(type));
	}
	return -1;
}

/* Parse a default written in file syntax into a value of the row's type. */
static void
set_default(const struct cfg_row *r, enum cfg_type type, const char *def, void *field)
{
	struct cfg_value v = { .kind = CFG_V_STRING, .s = def };
	char err[CFG_DIAG_LEN];
	char *end;

	if (type == CFG_BOOL) {
		v.kind = CFG_V_BOOL;
		v.i = strcmp(def, "true") == 0;
	} else if (type == CFG_UINT) {
		v.kind = CFG_V_INT;
		v.i = strtoll(def, &end, 0);
	}
	if (set_scalar(r, type, &v, field, err, sizeof(err)) != 0) {
		/* A default that does not parse is a programming error in the table. */
		fprintf(stderr, "internal error: default of '%s': %s\n", r->key, err);
		abort();
	}
}

static enum cfg_type
element_type(enum cfg_type array_type)
{
	return array_type == CFG_STRINGS ? CFG_STRING : CFG_UINT;
}

static void
defaults_into(const struct cfg_table *t, void *base)
{
	for (size_t i = 0; i < t->nrows; i++) {
		const struct cfg_row *r = &t->rows[i];
		char *field = (char *)base + r->off;

		switch (r->type) {
		case CFG_GROUP: defaults_into(r->sub, base); break;
		case CFG_LIST: *(unsigned *)((char *)base + r->count_off) = 0; break;
		case CFG_STRINGS:
		case CFG_UINTS: {
			/* A default array is written "a,b,c". */
			unsigned *count = (unsigned *)((char *)base + r->count_off);
			*count = 0;
			if (r->def == NULL)
				break;
			char buf[512];
			snprintf(buf, sizeof(buf), "%s", r->def);
			for (char *save = NULL, *tok = strtok_r(buf, ",", &save);
			     tok != NULL && *count < r->max_count; tok = strtok_r(NULL, ",", &save))
				set_default(r, element_type(r->type), tok,
					    field + (size_t)(*count)++ * r->size);
			break;
		}
		default:
			if (r->def != NULL)
				set_default(r, r->type, r->def, field);
			break;
		}
	}
}

void
cfg_defaults(const struct cfg_table *t, void *out, size_t out_size)
{
	memset(out, 0, out_size);
	defaults_into(t, out);
}

/* ---- walking the libconfig tree ---- */

struct walk {
	struct cfg_diag *d;
	const char *name;        /* file name used when libconfig has none (string input) */
	const char *include_dir; /* where relative @include paths were resolved, or NULL */
};

static void
where_of(const struct walk *w, const config_setting_t *s, struct cfg_where *out)
{
	const char *f = config_setting_source_file(s);

	if (f == NULL)
		f = w->name;
	/* libconfig records an included file by the path written in @include, relative to
	 * the include directory: name it as the admin can open it. */
	if (f[0] != '/' && strcmp(f, w->name) != 0 && w->include_dir != NULL)
		snprintf(out->file, sizeof(out->file), "%s/%s", w->include_dir, f);
	else
		snprintf(out->file, sizeof(out->file), "%s", f);
	out->line = config_setting_source_line(s);
}

static void error_at(const struct walk *w, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
error_at(const struct walk *w, const config_setting_t *s, const char *fmt, ...)
{
	struct cfg_where wh;
	char msg[CFG_DIAG_LEN];
	va_list ap;

	where_of(w, s, &wh);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg_diag_add(w->d, &wh, "%s", msg);
}

static int
value_of(const config_setting_t *s, struct cfg_value *v)
{
	memset(v, 0, sizeof(*v));
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		v->kind = CFG_V_INT;
		v->i = config_setting_get_int64(s);
		return 0;
	case CONFIG_TYPE_BOOL:
		v->kind = CFG_V_BOOL;
		v->i = config_setting_get_bool(s);
		return 0;
	case CONFIG_TYPE_FLOAT:
		v->kind = CFG_V_FLOAT;
		v->f = config_setting_get_float(s);
		return 0;
	case CONFIG_TYPE_STRING:
		v->kind = CFG_V_STRING;
		v->s = config_setting_get_string(s);
		return 0;
	default: return -1;
	}
}

static unsigned
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned prev = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned cur = row[j];
			unsigned best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

static const struct cfg_row *
find_row(const struct cfg_table *t, const char *key)
{
	for (size_t i = 0; i < t->nrows; i++)
		if (strcmp(t->rows[i].key, key) == 0)
			return &t->rows[i];
	return NULL;
}

static const char *
suggest(const struct cfg_table *t, const char *key)
{
	const char *best = NULL;
	unsigned bestd = 3;

	for (size_t i = 0; i < t->nrows; i++) {
		unsigned dist = edit_distance(key, t->rows[i].key);
		if (dist < bestd) {
			bestd = dist;
			best = t->rows[i].key;
		}
	}
	return best;
}

static void walk_group(const struct walk *w, const config_setting_t *g, const struct cfg_table *t,
		       void *base, const char *path);

static void
walk_array(const struct walk *w, const config_setting_t *s, const struct cfg_row *r, void *base)
{
	unsigned *count = (unsigned *)((char *)base + r->count_off);
	enum cfg_type et = element_type(r->type);
	int n = config_setting_length(s);
	char err[CFG_DIAG_LEN];

	if (!config_setting_is_aggregate(s) || config_setting_is_group(s)) {
		error_at(w, s, "'%s' must be %s %s, e.g. [ ... ]", r->key, article(r->type),
			 type_name(r->type));
		return;
	}
	if ((unsigned)n > r->max_count) {
		error_at(w, s, "'%s' has %d elements; at most %u are allowed", r->key, n,
			 r->max_count);
		return;
	}
	*count = 0;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		struct cfg_value v;
		if (value_of(e, &v) != 0 ||
		    set_scalar(r, et, &v, (char *)base + r->off + (size_t)i * r->size, err,
			       sizeof(err)) != 0) {
			if (value_of(e, &v) != 0)
				snprintf(err, sizeof(err), "'%s' must be %s %s", r->key,
					 article(r->type), type_name(r->type));
			error_at(w, e, "%s (element %d)", err, i + 1);
			continue;
		}
		(*count)++;
	}
}

static void
walk_list(const struct walk *w, const config_setting_t *s, const struct cfg_row *r, void *base,
	  const char *path)
{
	unsigned *count = (unsigned *)((char *)base + r->count_off);
	int n = config_setting_length(s);

	if (!config_setting_is_list(s) && !config_setting_is_array(s)) {
		error_at(w, s, "'%s' must be a list of groups, e.g. ( { ... }, { ... } )", r->key);
		return;
	}
	if ((unsigned)n > r->max_count) {
		error_at(w, s, "'%s' has %d entries; at most %u are allowed", r->key, n,
			 r->max_count);
		return;
	}
	*count = 0;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		char *elem = (char *)base + r->off + (size_t)(*count) * r->size;
		char sub[192];

		if (!config_setting_is_group(e)) {
			error_at(w, e, "entry %d of '%s' must be a group { ... }", i + 1, r->key);
			continue;
		}
		memset(elem, 0, r->size);
		defaults_into(r->sub, elem);
		if (r->where_off != 0)
			where_of(w, e, (struct cfg_where *)(elem + r->where_off));
		snprintf(sub, sizeof(sub), "%.150s[%d]", path, i + 1);
		walk_group(w, e, r->sub, elem, sub);
		(*count)++;
	}
}

static void
walk_group(const struct walk *w, const config_setting_t *g, const struct cfg_table *t, void *base,
	   const char *path)
{
	int n = config_setting_length(g);
	char err[CFG_DIAG_LEN];

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *key = config_setting_name(s);
		const struct cfg_row *r = find_row(t, key);
		char sub[192];

		if (r == NULL) {
			const char *hint = suggest(t, key);
			if (hint != NULL)
				error_at(w, s, "unknown key '%s' in %s (did you mean '%s'?)", key,
					 path, hint);
			else
				error_at(w, s, "unknown key '%s' in %s", key, path);
			continue;
		}
		snprintf(sub, sizeof(sub), "%.120s.%.60s", path, key);
		switch (r->type) {
		case CFG_GROUP:
			if (!config_setting_is_group(s)) {
				error_at(w, s, "'%s' must be a group { ... }", key);
				break;
			}
			if (r->where_off != 0)
				where_of(w, s, (struct cfg_where *)((char *)base + r->where_off));
			walk_group(w, s, r->sub, base, sub);
			break;
		case CFG_LIST: walk_list(w, s, r, base, sub); break;
		case CFG_STRINGS:
		case CFG_UINTS: walk_array(w, s, r, base); break;
		default: {
			struct cfg_value v;
			if (value_of(s, &v) != 0) {
				error_at(w, s, "'%s' must be %s %s, not a group or list", key,
					 article(r->type), type_name(r->type));
				break;
			}
			if (set_scalar(r, r->type, &v, (char *)base + r->off, err, sizeof(err)) !=
			    0)
				error_at(w, s, "%s", err);
			break;
		}
		}
	}
	for (size_t i = 0; i < t->nrows; i++) {
		const struct cfg_row *r = &t->rows[i];
		if ((r->flags & CFG_REQUIRED) && config_setting_get_member(g, r->key) == NULL)
			error_at(w, g, "%s: required key '%s' is missing", path, r->key);
	}
}

static int
load(config_t *c, int parsed, const char *name, const struct cfg_table *t, void *out,
     size_t out_size, struct cfg_diag *d)
{
	struct walk w = { .d = d, .name = name, .include_dir = config_get_include_dir(c) };

	memset(d, 0, sizeof(*d));
	cfg_defaults(t, out, out_size);
	if (parsed != CONFIG_TRUE) {
		struct cfg_where wh;
		const char *f = config_error_file(c);
		snprintf(wh.file, sizeof(wh.file), "%s", f != NULL ? f : name);
		wh.line = (unsigned)config_error_line(c);
		cfg_diag_add(d, &wh, "%s", config_error_text(c));
		config_destroy(c);
		return -1;
	}
	walk_group(&w, config_root_setting(c), t, out, t->name);
	config_destroy(c);
	return d->n > 0 || d->dropped > 0 ? -1 : 0;
}

static void
init_config(config_t *c, const char *path)
{
	char dir[512];
	const char *slash = strrchr(path, '/');

	config_init(c);
	if (slash != NULL) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
		config_set_include_dir(c, slash == path ? "/" : dir);
	}
}

int
cfg_load_file(const char *path, const struct cfg_table *t, void *out, size_t out_size,
	      struct cfg_diag *d)
{
	config_t c;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		memset(d, 0, sizeof(*d));
		cfg_diag_add(d, NULL, "%s: cannot read file: %s", path, strerror(errno));
		return -1;
	}
	init_config(&c, path);
	int parsed = config_read(&c, f);
	fclose(f);
	return load(&c, parsed, path, t, out, out_size, d);
}

int
cfg_load_string(const char *text, const char *name, const struct cfg_table *t, void *out,
		size_t out_size, struct cfg_diag *d)
{
	config_t c;
	init_config(&c, name);
	return load(&c, config_read_string(&c, text), name, t, out, out_size, d);
}

/* ---- reference ---- */

static void
print_range(FILE *f, const struct cfg_row *r)
{
	switch (r->type) {
	case CFG_UINT:
	case CFG_UINTS: fprintf(f, "%" PRIu64 "..%" PRIu64, r->min, row_max(r, r->size)); break;
	case CFG_SIZE:
	case CFG_DURATION:
	case CFG_RATE:
		if (r->min != 0 || r->max != 0)
			fprintf(f, "%" PRIu64 "..%" PRIu64 " %s", r->min, row_max(r, 8),
				r->type == CFG_SIZE       ? "B"
				: r->type == CFG_DURATION ? "ms"
							  : "bit/s");
		break;
	case CFG_ENUM: {
		const char *const *names = r->sub;
		for (unsigned i = 0; names[i] != NULL; i++)
			fprintf(f, "%s`%s`", i ? ", " : "", names[i]);
		break;
	}
	default: break;
	}
	if (r->max_count != 0 && r->type != CFG_LIST)
		fprintf(f, "%s≤ %u entries", (r->type == CFG_STRINGS) ? "" : "; ", r->max_count);
}

void
cfg_print_reference(FILE *f, const struct cfg_table *t, const char *prefix)
{
	if (prefix[0] == '\0') {
		fprintf(f, "| key | type | default | range | meaning |\n");
		fprintf(f, "| --- | --- | --- | --- | --- |\n");
	}
	for (size_t i = 0; i < t->nrows; i++) {
		const struct cfg_row *r = &t->rows[i];
		char key[192];

		snprintf(key, sizeof(key), "%s%s", prefix, r->key);
		const char *def = r->def == NULL      ? (r->flags & CFG_REQUIRED ? "required" : "")
				  : r->def[0] == '\0' ? "`\"\"`"
						      : NULL;
		if (def != NULL)
			fprintf(f, "| `%s` | %s | %s | ", key, type_name(r->type), def);
		else
			fprintf(f, "| `%s` | %s | `%s` | ", key, type_name(r->type), r->def);
		print_range(f, r);
		fprintf(f, " | %s |\n", r->doc ? r->doc : "");
		if (r->type == CFG_GROUP || r->type == CFG_LIST) {
			char sub[200];
			snprintf(sub, sizeof(sub), "%s%s.", key, r->type == CFG_LIST ? "[]" : "");
			cfg_print_reference(f, r->sub, sub);
		}
	}
}
