/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FW_LOG_H
#define FW_LOG_H

/*
 * Output of the control core: the JSON-lines event log (one record a line, Suricata EVE
 * style keys) and human-readable messages on stderr.
 *
 * Thread: control core only. Workers never log: they post records on their event ring.
 */

#include <stdbool.h>
#include <stdint.h>

#include "json.h"

/* Open (append) the event log. path NULL or "": no log. Returns 0 or -1 (errno set). */
int fw_log_open(const char *path);
/* Write one complete record as a line. Records that overflowed are counted and dropped. */
void fw_log_record(const struct fw_json *j);
void fw_log_flush(void);
void fw_log_close(void);
bool fw_log_enabled(void);
/* Records written / dropped because they did not fit their buffer or the write failed. */
uint64_t fw_log_written(void);
uint64_t fw_log_dropped(void);

/* Human messages: "bridgeward: ..." on stderr. */
void fw_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fw_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fw_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Start a record with timestamp and event_type (caller closes it). */
void fw_log_begin(struct fw_json *j, char *buf, size_t cap, const char *event_type);

#endif /* FW_LOG_H */
