/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_SNAPSHOT_H
#define DP_SNAPSHOT_H

/*
 * The snapshot: everything read-only that workers consult, in one immutable object.
 *
 * The control core builds a new snapshot off the fast path, publishes it with one atomic
 * pointer store (dp_snapshot_publish), waits until every worker has passed a quiescent
 * state (rte_rcu_qsbr), and only then frees the old one. Workers read the current pointer
 * once per loop pass (dp_snapshot_get) and report a quiescent state between passes
 * (dp_snapshot_quiescent), so reload never stops traffic and never frees memory a worker
 * is still reading.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_rcu_qsbr.h>

#include "decode.h"

struct dp_ident_db;
struct dp_policy;

struct dp_snapshot {
	uint64_t generation;       /* increases with every publish */
	uint32_t burst;            /* RX burst size */
	uint32_t tx_retries;       /* extra TX attempts per burst */
	bool track;                /* flow tracking */
	bool decode_only;          /* no tracking: decode, count and apply invalid_drop */
	bool reassembly;           /* TCP stream reassembly */
	bool invalid_drop;         /* drop malformed IP (else forward it) */
	bool flow_full_drop;       /* drop packets of new flows that get no entry (else forward) */
	bool ictx_full_drop;       /* drop packets of flows without an inspection context */
	bool stream_full_drop;     /* drop out-of-order segments that do not fit (stream.h) */
	bool frag_overflow_drop;   /* fragments that cannot be tracked */
	bool frag_incomplete_drop; /* fragments of datagrams that never completed */
	bool replay;         /* offline replay: wait for event ring space instead of dropping */
	uint32_t age_budget; /* flows aged per pass at most */
	struct dp_decode_cfg decode;
	bool identify;                   /* application identification */
	const struct dp_ident_db *ident; /* what identification reads (NULL: none) */
	const struct dp_policy *policy;  /* enforcement (NULL: none, forward everything) */
};

struct dp_rcu {
	struct rte_rcu_qsbr *qsbr;
	struct dp_snapshot *current;
};

/* Control core: create the RCU state for nthreads workers. Returns 0 or -1. */
int dp_rcu_init(struct dp_rcu *r, unsigned nthreads);

/*
 * Control core: make s current. Blocks until no worker can still hold the previous
 * snapshot, then frees it (dp_snapshot_free; snapshots come from malloc). Returns the
 * generation.
 */
uint64_t dp_snapshot_publish(struct dp_rcu *r, struct dp_snapshot *s);

/* Free a snapshot and what it owns (its identification database). */
void dp_snapshot_free(struct dp_snapshot *s);

/* Control core, at exit: free the current snapshot and the RCU state. */
void dp_rcu_fini(struct dp_rcu *r);

/* Worker: the current snapshot, valid until the worker's next quiescent report. */
static inline const struct dp_snapshot *
dp_snapshot_get(const struct dp_rcu *r)
{
	return __atomic_load_n(&r->current, __ATOMIC_ACQUIRE);
}

/* Worker: between loop passes, holding no snapshot pointer. */
static inline void
dp_snapshot_quiescent(const struct dp_rcu *r, unsigned thread_id)
{
	rte_rcu_qsbr_quiescent(r->qsbr, thread_id);
}

#endif /* DP_SNAPSHOT_H */
