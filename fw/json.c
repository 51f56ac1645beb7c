/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON writer. Keeps one "needs a comma" flag per nesting level; every append checks the
 * remaining room and sets overflow instead of writing past the buffer.
 */
#include "json.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void
fw_json_init(struct fw_json *j, char *buf, size_t cap)
{
	memset(j, 0, sizeof(*j));
	j->buf = buf;
	j->cap = cap;
	if (cap > 0)
		buf[0] = '\0';
}

static void
put(struct fw_json *j, const char *s, size_t n)
{
	if (j->overflow || j->len + n + 1 > j->cap) {
		j->overflow = true;
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void putf(struct fw_json *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
putf(struct fw_json *j, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		j->overflow = true;
		return;
	}
	put(j, tmp, (size_t)n);
}

static void
put_escaped(struct fw_json *j, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	put(j, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[6];
		if (c == '"' || c == '\\') {
			e[0] = '\\';
			e[1] = (char)c;
			put(j, e, 2);
		} else if (c == '\n') {
			put(j, "\\n", 2);
		} else if (c == '\r') {
			put(j, "\\r", 2);
		} else if (c == '\t') {
			put(j, "\\t", 2);
		} else if (c < 0x20 || c >= 0x7f) {
			/* Wire data is not trusted to be UTF-8: bytes outside printable ASCII are
			 * written as code points U+0080..U+00FF, which keeps the line valid JSON. */
			e[0] = '\\';
			e[1] = 'u';
			e[2] = '0';
			e[3] = '0';
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			put(j, e, 6);
		} else {
			put(j, (const char *)&c, 1);
		}
	}
	put(j, "\"", 1);
}

static void
key(struct fw_json *j, const char *k)
{
	if (j->depth > 0 && j->comma[j->depth - 1])
		put(j, ",", 1);
	if (j->depth > 0)
		j->comma[j->depth - 1] = true;
	if (k != NULL) {
		put_escaped(j, k, strlen(k));
		put(j, ":", 1);
	}
}

static void
open_(struct fw_json *j, const char *k, char c)
{
	key(j, k);
	put(j, &c, 1);
	if (j->depth >= FW_JSON_DEPTH) {
		j->overflow = true;
		return;
	}
	j->comma[j->depth++] = false;
}

static void
close_(struct fw_json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	put(j, &c, 1);
}

void
fw_json_open(struct fw_json *j, const char *k)
{
	open_(j, k, '{');
}

void
fw_json_close(struct fw_json *j)
{
	close_(j, '}');
}

void
fw_json_array_open(struct fw_json *j, const char *k)
{
	open_(j, k, '[');
}

void
fw_json_array_close(struct fw_json *j)
{
	close_(j, ']');
}

void
fw_json_str(struct fw_json *j, const char *k, const char *val)
{
	fw_json_strn(j, k, val, strlen(val));
}

void
fw_json_strn(struct fw_json *j, const char *k, const char *val, size_t n)
{
	key(j, k);
	put_escaped(j, val, n);
}

void
fw_json_u64(struct fw_json *j, const char *k, uint64_t val)
{
	key(j, k);
	putf(j, "%" PRIu64, val);
}

void
fw_json_i64(struct fw_json *j, const char *k, int64_t val)
{
	key(j, k);
	putf(j, "%" PRId64, val);
}

void
fw_json_bool(struct fw_json *j, const char *k, bool val)
{
	key(j, k);
	put(j, val ? "true" : "false", val ? 4 : 5);
}

void
fw_json_double(struct fw_json *j, const char *k, double val, int decimals)
{
	key(j, k);
	putf(j, "%.*f", decimals, val);
}

void
fw_json_time(struct fw_json *j, const char *k, uint64_t usec)
{
	time_t secs = (time_t)(usec / 1000000);
	struct tm tm;
	char tmp[48];

	gmtime_r(&secs, &tm);
	size_t n = strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(tmp + n, sizeof(tmp) - n, ".%06u+0000", (unsigned)(usec % 1000000));
	fw_json_str(j, k, tmp);
}

bool
fw_json_ok(const struct fw_json *j)
{
	return !j->overflow && j->depth == 0;
}

const char *
fw_json_text(const struct fw_json *j)
{
	return j->buf;
}

uint64_t
fw_now_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t
fw_mono_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
