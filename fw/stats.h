/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FW_STATS_H
#define FW_STATS_H

/*
 * Counters as the control core reports them: per-worker counters summed per port and per
 * segment (lock-free reads, see dataplane/counters.h), plus what the devices count
 * themselves (no-mbuf, errors, missed). Shown in the exit summary, in "stats" log records
 * and through DPDK telemetry (/bridgeward/counters and friends).
 */

#include <stdio.h>

#include "app.h"

struct fw_port_totals {
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes, tx_drops, tx_retries;
	uint64_t rx_nombuf, rx_errors, rx_missed; /* from the device */
};

/* A named group of counters summed over the workers (flows, streams, fragments, ...). */
#define FW_GROUP_MAX_KV 136 /* the rules group: every rule and the default */
struct fw_kv {
	const char *key;
	uint64_t val;
};
struct fw_group {
	const char *name;
	unsigned n;
	unsigned
		sparse_from; /* the summary prints keys from this index only when non-zero (0: all) */
	struct fw_kv kv[FW_GROUP_MAX_KV];
};
#define FW_GROUPS 9

/* Fill the table and budget counter groups (without flow tracking only the decoder's, and
 * none for a plain bridge); returns how many. */
unsigned fw_stats_groups(const struct fw_app *app, struct fw_group *g);

/* Sum of every worker's counters for port idx, plus the device's own. */
void fw_stats_port(const struct fw_app *app, unsigned idx, struct fw_port_totals *t);

/* Human-readable summary (exit). */
void fw_stats_print(const struct fw_app *app, FILE *f);

/* A "stats" record in the event log. */
void fw_stats_log(const struct fw_app *app);

/* Register the /bridgeward/... telemetry commands. Returns 0 or -1. */
int fw_telemetry_register(const struct fw_app *app);

#endif /* FW_STATS_H */
