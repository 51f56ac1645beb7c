/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FW_SYSLOG_H
#define FW_SYSLOG_H

/*
 * RFC 5424 syslog export of the event log: each JSON record becomes one message
 *
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - JSON
 *
 * sent to a collector over UDP (RFC 5426, one datagram a message) or TCP (RFC 6587
 * octet counting, "LEN SP MESSAGE"). Nothing here ever blocks: UDP sends what the socket
 * takes and drops the rest; TCP queues messages in a bounded buffer (log.syslog.queue)
 * while the collector is connecting, unreachable or slow, and reconnects with backoff.
 *
 * Thread: control core only. One sink per process, configured at start-up.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../config/config.h"

/* RFC 5424 severities used by the event log (see fw_syslog_classify). */
enum fw_syslog_severity {
	FW_SYSLOG_WARNING = 4,
	FW_SYSLOG_NOTICE = 5,
	FW_SYSLOG_INFO = 6,
};

/* Longest MSGID (RFC 5424: 1..32 printable ASCII). */
#define FW_SYSLOG_MSGID_MAX 32

struct fw_syslog_counters {
	uint64_t sent;          /* messages handed whole to the kernel */
	uint64_t dropped;       /* messages lost: queue full, send error, left at close */
	uint64_t truncated;     /* UDP messages cut to log.syslog.max_datagram (also sent) */
	uint64_t conn_failures; /* TCP connection attempts that failed, connections that broke */
	uint64_t queued;        /* TCP bytes waiting (frames, not yet all written) */
	bool connected;         /* TCP: a connection is up (UDP: always true) */
};

/*
 * Start the sink described by c (c->server.family 0: export off, returns 0). Creates the
 * socket and, for TCP, the queue and a first non-blocking connection attempt; a collector
 * that cannot be reached is retried later, not an error. Returns 0, or -1 with a message
 * in err (socket or memory failure).
 */
int fw_syslog_open(const struct cfg_syslog *c, char *err, size_t errlen);

/* A sink is open. */
bool fw_syslog_enabled(void);

/*
 * Send (UDP) or queue (TCP) one message: msgid (an event_type; "-" when NULL or empty),
 * severity 0..7, msg the JSON text of len bytes (no newline). Returns 0, or -1 when the
 * message was dropped (counted). TCP writes to the socket once enough bytes are queued;
 * fw_syslog_pump() sends the rest.
 */
int fw_syslog_send(const char *msgid, int severity, const char *msg, size_t len);

/*
 * Progress without blocking: complete a pending connection, notice a collector that went
 * away, start a new attempt when the backoff has passed, write what the socket takes.
 * Call a few times a second (the control loop's log flush does).
 */
void fw_syslog_pump(void);

/*
 * Write what is queued, waiting at most timeout_ms for the collector (TCP), then close.
 * Messages still queued are counted as dropped. Counters stay readable after.
 */
void fw_syslog_close(unsigned timeout_ms);

void fw_syslog_counters(struct fw_syslog_counters *out);

/*
 * The MSGID and severity of an event-log record (the JSON text fw_log_begin and
 * fw/records.c write): MSGID = the record's top-level "event_type" (truncated to 32
 * characters; "-" when absent); severity = warning for a "policy" event whose action
 * blocks the flow (reset, drop, quarantine), notice for other "policy" events and for
 * "link" events, info for everything else ("flow", "stats", ...).
 */
int fw_syslog_classify(const char *json, size_t len, char *msgid, size_t cap);

#endif /* FW_SYSLOG_H */
