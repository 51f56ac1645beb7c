/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_WORKER_H
#define DP_WORKER_H

/*
 * Poll-mode workers: the fast path.
 *
 * A worker owns everything it touches per packet: its RX queues, one TX buffer per egress
 * port, its counters and (from later stages) its flow table and inspection state. Nothing
 * is shared between workers and nothing on the path locks, allocates or makes system calls.
 * The control core reads the counters (single writer, see counters.h) and steers the
 * worker only through dp_shared.state.
 *
 * Per pass: for each RX queue, receive a burst, hand every frame to the segment peer's TX
 * buffer, flush; then report a quiescent state for RCU and bump the heartbeat.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "counters.h"
#include "snapshot.h"

#define DP_MAX_PORTS   16
#define DP_MAX_WORKERS 16
#define DP_MAX_BURST   64u
#define DP_TXBUF_SIZE  (2 * DP_MAX_BURST)

enum dp_run_state {
	DP_RUN,   /* forward */
	DP_DRAIN, /* finish what is queued, then stop */
	DP_STOP,  /* stop now (drain took too long) */
};

/* Where a port's frames go; read-only once workers run. */
struct dp_port_map {
	uint16_t ethdev;  /* DPDK port id */
	uint16_t peer;    /* index of the other port of its segment */
	uint16_t segment; /* segment index */
	uint16_t side;    /* 0 or 1 within the segment */
};

/* Process-wide state the workers read. */
struct dp_shared {
	unsigned nports;
	struct dp_port_map ports[DP_MAX_PORTS];
	struct dp_rcu rcu;
	int state; /* enum dp_run_state, written by the control core */
};

struct dp_rxq {
	uint16_t port;  /* board port index */
	uint16_t queue; /* RX queue id on that port */
};

struct dp_txbuf {
	uint16_t ethdev;
	uint16_t queue;
	uint16_t n;
	struct rte_mbuf *pkts[DP_TXBUF_SIZE];
};

struct dp_worker {
	unsigned id; /* 0..nworkers-1, also the RCU thread id */
	unsigned lcore;
	struct dp_shared *sh;
	unsigned nrxq;
	struct dp_rxq rxq[DP_MAX_PORTS];
	struct dp_txbuf tx[DP_MAX_PORTS]; /* by egress port index; queue = this worker's */
	struct dp_port_counters cnt[DP_MAX_PORTS];
	uint64_t heartbeat; /* loop passes; the watchdog reads it */
	uint64_t busy_passes;
	int drained; /* set (release) when the worker has flushed everything and stopped */
} __rte_cache_aligned;

/* Worker lcore entry point (rte_eal_remote_launch); arg is the struct dp_worker. */
int dp_worker_main(void *arg);

/*
 * One pass over the worker's RX queues: receive, forward, flush. Returns the frames
 * received. Exposed for tests that drive a worker without launching an lcore.
 */
unsigned dp_worker_poll(struct dp_worker *w, const struct dp_snapshot *snap);

/* Send everything buffered, retrying refused frames within the snapshot's budget. */
void dp_worker_flush(struct dp_worker *w, const struct dp_snapshot *snap);

#endif /* DP_WORKER_H */
