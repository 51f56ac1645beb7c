/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_HOSTS_H
#define DP_HOSTS_H

/*
 * Inside hosts, shared by every worker: quarantine, behaviour counters that must see all
 * of a host's flows whatever worker RSS gave them to (peer-to-peer fan-out, port hopping),
 * and per-host rate limits.
 *
 * A DPDK rte_hash with lock-free readers and concurrent adders (RW_CONCURRENCY_LF,
 * MULTI_WRITER_ADD) maps a host address to its entry's position; entries are preallocated.
 * Workers touch the table only when a flow starts, ends or is metered per host, never per
 * packet of an ordinary flow. Counters in an entry are updated with atomics; a per-host
 * meter is serialised by the entry's spinlock (rte_meter is single-threaded).
 *
 * A host no flow has touched for policy.host_idle (and not in quarantine) is removed by the
 * control core (dp_hosts_prune): its key is deleted at once, so no new lookup finds it, and
 * its entry is cleared and its slot handed back only once every worker has passed a
 * quiescent state (rte_rcu_qsbr, the workers' snapshot RCU), since a worker may still hold
 * the entry it looked up. Workers hold entries only within one packet's processing.
 * A full table leaves new hosts untracked, counted in hosts_full.
 *
 * Thread: any worker; created, pruned and freed by the control core.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_meter.h>
#include <rte_rcu_qsbr.h>
#include <rte_spinlock.h>

#define DP_HOST_BITS 1024 /* distinct peers / ports a window can tell apart */

struct dp_host {
	uint64_t quarantine_until_us; /* 0: not quarantined */
	uint16_t quarantine_rule;     /* rule index + 1 */
	uint8_t behaviour;            /* DP_B_* flags raised for the host (sticky per window) */
	uint8_t rsv[5];
	uint64_t seen_us; /* a flow of the host last started or ended (worker clock) */
	/* p2p fan-out: distinct peers on high ports within the window */
	uint64_t up_start_us; /* large uploads: bytes sent to servers in the window */
	uint64_t up_bytes;
	uint64_t fan_start_us;
	uint32_t fan_count;
	uint32_t hop_count;
	uint64_t hop_start_us;
	uint64_t fan_bits[DP_HOST_BITS / 64];
	uint64_t hop_bits[DP_HOST_BITS / 64];
	rte_spinlock_t lock; /* the meter */
	uint16_t meter_rule; /* rule index + 1 the meter was set up for */
	struct rte_meter_srtcm meter;
};

struct dp_hosts;

struct dp_hosts *dp_hosts_create(const char *name, uint32_t capacity, int socket);
void dp_hosts_free(struct dp_hosts *t);

/* The entry of a host (family 4 or 6), added if absent and create; NULL if absent or the
 * table is full. now_us (worker clock) marks the host as active. */
struct dp_host *dp_hosts_get(struct dp_hosts *t, unsigned family, const uint8_t *addr, bool create,
			     uint64_t now_us);

/*
 * Control core: remove hosts idle for idle_us at now_us (the workers' clock), looking at
 * up to budget entries per call and going on from there next time. Removals wait for a
 * grace period of qs (every worker quiescent once) before their slots are reused: a call
 * first completes the previous call's removals if the grace period is over. Returns the
 * hosts whose slots were handed back by this call.
 */
unsigned dp_hosts_prune(struct dp_hosts *t, struct rte_rcu_qsbr *qs, uint64_t now_us,
			uint64_t idle_us, unsigned budget);
/* Hosts removed so far. */
uint64_t dp_hosts_pruned(const struct dp_hosts *t);

/* Hosts tracked, and adds refused because the table was full. */
uint32_t dp_hosts_count(const struct dp_hosts *t);
uint64_t dp_hosts_full(const struct dp_hosts *t);

/*
 * Count one event (a peer for fan-out, a port for hopping) keyed by key in a window of
 * window_us; returns true when the distinct keys seen in the current window exceed limit.
 */
bool dp_host_fanout(struct dp_host *h, uint64_t key, uint64_t now_us, uint64_t window_us,
		    uint32_t limit);
/* Add bytes an inside host sent its servers to its window of window_us; true when the
 * window's total exceeds limit (add 0: only look). */
bool dp_host_upload(struct dp_host *h, uint64_t add, uint64_t now_us, uint64_t window_us,
		    uint64_t limit);
bool dp_host_hopping(struct dp_host *h, uint64_t key, uint64_t now_us, uint64_t window_us,
		     uint32_t limit);

#endif /* DP_HOSTS_H */
