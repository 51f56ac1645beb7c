/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FW_JSON_H
#define FW_JSON_H

/*
 * A JSON object writer into a caller's fixed buffer, for the event log and the console.
 * No allocation; a value that does not fit marks the writer overflowed (fw_json_ok()
 * false) and the record is dropped by the caller rather than written truncated.
 *
 * Thread: whoever owns the buffer (control core).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FW_JSON_DEPTH 8

struct fw_json {
	char *buf;
	size_t cap;
	size_t len;
	unsigned depth;
	bool comma[FW_JSON_DEPTH];
	bool overflow;
};

void fw_json_init(struct fw_json *j, char *buf, size_t cap);
/* Open an object (key NULL at top level or inside an array). */
void fw_json_open(struct fw_json *j, const char *key);
void fw_json_close(struct fw_json *j);
void fw_json_array_open(struct fw_json *j, const char *key);
void fw_json_array_close(struct fw_json *j);
void fw_json_str(struct fw_json *j, const char *key, const char *val);
/* A string of n bytes that may hold anything: escaped, invalid UTF-8 as \u00XX. */
void fw_json_strn(struct fw_json *j, const char *key, const char *val, size_t n);
void fw_json_u64(struct fw_json *j, const char *key, uint64_t val);
void fw_json_i64(struct fw_json *j, const char *key, int64_t val);
void fw_json_bool(struct fw_json *j, const char *key, bool val);
void fw_json_double(struct fw_json *j, const char *key, double val, int decimals);
/* ISO 8601 time as Suricata writes it: 2026-11-22T01:00:46.123456+0000 (UTC). */
void fw_json_time(struct fw_json *j, const char *key, uint64_t usec_since_epoch);
bool fw_json_ok(const struct fw_json *j);
/* The text written so far (NUL-terminated while not overflowed). */
const char *fw_json_text(const struct fw_json *j);

/* Wall-clock time in microseconds since the epoch. */
uint64_t fw_now_usec(void);

/* CLOCK_MONOTONIC in microseconds: for intervals (never steps). */
uint64_t fw_mono_usec(void);

#endif /* FW_JSON_H */
