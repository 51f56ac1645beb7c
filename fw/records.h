/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FW_RECORDS_H
#define FW_RECORDS_H

/*
 * Worker records to the event log: the control core drains every worker's event ring and
 * writes one JSON line per record, with Suricata EVE-compatible keys.
 *
 * Thread: control core.
 */

#include "app.h"

/* Drain every worker's ring (at most max records in all; 0 = until empty). Returns the
 * number written. */
unsigned fw_records_drain(const struct fw_app *app, unsigned max);

/* Format one flow record into j (exposed for tests). */
struct dp_event;
struct fw_json;
void fw_record_flow(const struct fw_app *app, const struct dp_event *ev, struct fw_json *j,
		    char *buf, size_t cap);
/* A policy event: the rule, the action, what crossed before a block, the identification. */
void fw_record_policy(const struct fw_app *app, const struct dp_event *ev, struct fw_json *j,
		      char *buf, size_t cap);

#endif /* FW_RECORDS_H */
