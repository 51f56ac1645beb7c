/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_WORKER_H
#define DP_WORKER_H

/*
 * Poll-mode workers: the fast path.
 *
 * A worker owns everything it touches per packet: its RX queues, one TX buffer per egress
 * port, its flow table, TCP stream pool, fragment table, event ring and counters. Nothing
 * is shared between workers and nothing on the path locks, allocates or makes system calls.
 * The control core reads the counters (single writer, see counters.h) and steers the
 * worker only through dp_shared.state and the RCU-published snapshot.
 *
 * Per packet: decode; fragments go to the fragment table and are held until their datagram
 * is complete; the flow is found or created, its state advanced, TCP payload reassembled
 * per direction and handed to inspection; then the verdict forwards the frame (and every
 * held fragment of its datagram) to the segment peer, or drops it.
 * Per pass: flush TX, age a bounded number of flows and fragments, report a quiescent
 * state for RCU, bump the heartbeat.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "counters.h"
#include "decode.h"
#include "event.h"
#include "flow.h"
#include "frag.h"
#include "ictx.h"
#include "hosts.h"
#include "identify.h"
#include "policy.h"
#include "snapshot.h"
#include "stream.h"

#define DP_MAX_PORTS   16
#define DP_MAX_WORKERS 16
#define DP_MAX_BURST   128u
#define DP_TXBUF_SIZE  (2 * DP_MAX_BURST)

struct rte_ring;

enum dp_run_state {
	DP_RUN,   /* forward */
	DP_DRAIN, /* finish what is queued, end every flow, then stop */
	DP_STOP,  /* stop now (drain took too long) */
};

/* Where a port's frames go; read-only once workers run. */
struct dp_port_map {
	uint16_t ethdev;  /* DPDK port id */
	uint16_t peer;    /* index of the other port of its segment */
	uint16_t segment; /* segment index */
	uint16_t side;    /* 0 or 1 within the segment */
	uint8_t ts_usec;  /* RX timestamps (net_pcap) are capture times in microseconds */
};

/*
 * Live time: a TSC reading and the wall time it stands for. The control core sets a new one
 * every second (dp_clock_anchor_set: the wall time at start plus CLOCK_MONOTONIC since, so
 * the kernel's NTP-disciplined rate and no steps); workers count TSC cycles from the latest.
 * Without it their clock ran at the TSC frequency DPDK estimated, which can be off by
 * thousands of ppm (a development VM: 2.100 GHz said, 2.096 GHz measured, so records fell
 * 164 s a day behind). Two slots: the writer fills slot (anchor_seq + 1) & 1, then counts
 * anchor_seq up; a reader that sees anchor_seq change while it reads a slot reads again.
 */
struct dp_clock_anchor {
	uint64_t tsc;
	uint64_t us;
};

/* Process-wide state the workers read. */
struct dp_shared {
	unsigned nports;
	struct dp_port_map ports[DP_MAX_PORTS];
	struct dp_rcu rcu;
	int ts_offset;    /* mbuf dynfield of RX timestamps, or -1 */
	uint64_t ts_flag; /* ol_flags bit saying the timestamp is valid */
	uint64_t tsc_hz;
	struct dp_clock_anchor anchor[2]; /* us == 0: none yet, workers count from their start */
	unsigned anchor_seq;
	int state;              /* enum dp_run_state, written by the control core */
	struct dp_hosts *hosts; /* inside hosts (quarantine, behaviour, per-host rates), or NULL */
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

/* Per-worker counters beyond those of the modules (flow, stream, frag keep their own). */
struct dp_worker_counters {
	uint64_t decode[DP_DEC__COUNT]; /* malformed packets by reason ([0]: well formed) */
	uint64_t invalid_dropped;       /* malformed packets dropped by policy */
	uint64_t non_ip;
	uint64_t stream_conflict_dropped; /* TCP segments dropped for conflicting overlaps */
	uint64_t stream_full_dropped;     /* ... that did not fit (stream.on_full drop) */
	uint64_t frag_dropped;            /* fragments dropped (duplicate, conflict, outcome) */
	uint64_t frag_overflow_forwarded; /* fragments forwarded uninspected by outcome */
	uint64_t flow_full_forwarded;     /* packets of new flows without an entry, forwarded */
	uint64_t flow_full_dropped;       /* ... dropped */
	uint64_t ictx_full_dropped;       /* packets of flows waiting for an inspection context */
	uint64_t events_posted;
	uint64_t events_dropped; /* ring full */
	/* enforcement */
	uint64_t policy_dropped;    /* packets of blocked flows (reset, drop, quarantine) */
	uint64_t ratelimit_dropped; /* packets over a rate limit */
	uint64_t rst_sent;          /* TCP RSTs sent */
	uint64_t icmp_sent;         /* ICMP unreachables sent */
	uint64_t reject_failed;     /* an RST or ICMP that could not be built or had no buffer */
	uint64_t quarantined;       /* new flows of quarantined hosts */
	uint64_t held;              /* packets of undecided flows kept until the verdict */
	uint64_t hold_released;     /* ... forwarded once the verdict allowed them */
	uint64_t hold_dropped;      /* ... dropped by a blocking verdict: they never crossed */
	uint64_t hold_expired;      /* ... forwarded when policy.hold.time ran out */
	uint64_t hold_limit;        /* ... forwarded when policy.hold.packets was reached */
	uint64_t hold_overflow;     /* packets forwarded unheld: policy.hold.mbufs in use */
	uint64_t rule_hits[CFG_POLICY_RULES +
			   1]; /* flows given each rule's verdict ([n]: default) */
};

/* Enforcement state of a flow, by flow position (the entry itself has no room). */
struct dp_enf {
	struct rte_meter_srtcm meter; /* ratelimit per flow */
	uint64_t before_bytes;        /* bytes that crossed before a block */
	uint32_t before_pkts;
	uint16_t prule;    /* rule index + 1 (nrules + 1: the default) */
	uint8_t behaviour; /* DP_B_* seen on the flow */
	uint8_t app_seen;  /* the application the last evaluation saw */
	uint8_t rst_left;  /* RSTs / ICMPs still sent for packets after the block */
	uint8_t rst_sent;  /* bit 0: to the sender, bit 1: to the receiver */
	uint8_t icmp_sent;
	uint8_t hold_n;     /* packets held (worker.c "hold") */
	uint8_t hold_state; /* enum hold_state */
	uint8_t rsv[3];
	uint32_t up_mib;    /* MiB of the flow's upload counted for its inside host */
	uint32_t hold_head; /* held packet list: w->held index + 1, 0 = none */
	uint32_t hold_tail;
	uint32_t hold_deadline; /* worker ms when the first held packet must go */
};

/* A packet held for its flow's verdict. */
struct dp_held {
	struct rte_mbuf *m;
	uint32_t next; /* index + 1 of the flow's next held packet; free list link */
	uint16_t port; /* where it goes when released */
};

/* Per-worker state sizes, from the configuration. */
struct dp_worker_limits {
	uint32_t flows;
	uint32_t stream_chunks;
	uint32_t stream_window;
	uint32_t stream_depth;
	bool stream_retain;
	uint32_t contexts;     /* flows under inspection at once */
	uint32_t hs_streams;   /* Hyperscan stream states */
	size_t hs_stream_size; /* bytes each (largest database's) */
	uint32_t heads;        /* identification head buffers */
	uint32_t attribution;  /* attribution cache entries */
	struct dp_frag_cfg frag;
	struct dp_flow_timeouts timeouts;
	uint32_t event_ring;
	uint32_t hold_mbufs; /* packets held at once (policy.hold.mbufs) */
};

struct dp_worker {
	unsigned id; /* 0..nworkers-1, also the RCU thread id */
	unsigned lcore;
	struct dp_shared *sh;
	unsigned nrxq;
	struct dp_rxq rxq[DP_MAX_PORTS];
	struct dp_txbuf tx[DP_MAX_PORTS]; /* by egress port index; queue = this worker's */
	struct dp_port_counters cnt[DP_MAX_PORTS];
	struct dp_worker_counters wc;
	struct dp_flow_table *flows;
	struct dp_stream_pool streams;
	struct dp_ictx_pool ictx;
	void *ictx_mem;
	struct dp_id_worker ident; /* identification state and counters */
	struct dp_id_pkt *cur;     /* the packet being processed (stream callbacks) */
	struct rte_mbuf *cur_m;    /* its frame (NULL: a reassembled datagram) */
	unsigned cur_port;         /* the port it came in on */
	struct dp_enf *enf;        /* by flow position */
	struct dp_held *held;      /* hold: policy.hold.mbufs entries */
	uint32_t held_free;        /* free list head (index + 1) */
	uint64_t *holdq;           /* flows holding, oldest first: position << 32 | deadline ms */
	uint32_t holdq_mask, holdq_head, holdq_tail;
	struct dp_frag_table *frags;
	struct rte_ring *events;
	uint8_t *scratch; /* a reassembled datagram (64 KiB) */
	void *stream_mem;
	const struct dp_snapshot *snap; /* during a pass */
	uint64_t now_us;                /* worker clock: capture time in replay, wall clock live */
	uint64_t clock_us;              /* now_us as of the last pass, for the control core */
	uint64_t epoch_us;
	uint32_t now_ms;  /* milliseconds since epoch_us */
	uint32_t aged_ms; /* now_ms at the last aging pass */
	uint64_t epoch_tsc;
	bool capture_clock; /* its ports stamp frames with capture times (replay) */
	uint64_t heartbeat; /* loop passes; the watchdog reads it */
	uint64_t busy_passes;
	int drained; /* set (release) when the worker has flushed everything and stopped */
} __rte_cache_aligned;

/*
 * Allocate a worker's tables (flows, stream chunks, fragments, event ring) on socket.
 * Returns 0, or -1 with a message in err naming what could not be had.
 */
int dp_worker_init(struct dp_worker *w, const struct dp_worker_limits *lim, int socket, char *err,
		   size_t errlen);
void dp_worker_fini(struct dp_worker *w);

/* Worker lcore entry point (rte_eal_remote_launch); arg is the struct dp_worker. */
int dp_worker_main(void *arg);

/*
 * One pass over the worker's RX queues: receive, process, forward, flush. Returns the
 * frames received. Exposed for tests that drive a worker without launching an lcore.
 */
unsigned dp_worker_poll(struct dp_worker *w, const struct dp_snapshot *snap);

/* A live worker's clock (not the capture's) moved to TSC reading tsc; once per pass. */
void dp_worker_clock(struct dp_worker *w, uint64_t tsc);

/* The control core: TSC reading tsc stands for wall time us (see struct dp_clock_anchor). */
static inline void
dp_clock_anchor_set(struct dp_shared *sh, uint64_t tsc, uint64_t us)
{
	unsigned next = __atomic_load_n(&sh->anchor_seq, __ATOMIC_RELAXED) + 1;
	__atomic_store_n(&sh->anchor[next & 1].tsc, tsc, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->anchor[next & 1].us, us, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->anchor_seq, next, __ATOMIC_RELEASE);
}

/* cycles of a clock of hz per second, in units of per_second (no overflow for any count
 * below 2^64 of a clock under 18 GHz, to microseconds). */
static inline uint64_t
dp_cycles_to(uint64_t cycles, uint64_t hz, uint64_t per_second)
{
	return cycles / hz * per_second + cycles % hz * per_second / hz;
}

/* Bounded housekeeping, once per pass: flow and fragment timeouts. */
void dp_worker_age(struct dp_worker *w, const struct dp_snapshot *snap);

/* Send everything buffered, retrying refused frames within the snapshot's budget. */
void dp_worker_flush(struct dp_worker *w, const struct dp_snapshot *snap);

/* End of run: end every flow (records with reason "shutdown") and hand back held fragments
 * with the "incomplete" outcome. */
void dp_worker_finish(struct dp_worker *w, const struct dp_snapshot *snap);

/* Bytes per worker the limits imply (for the memory report). */
uint64_t dp_worker_state_bytes(const struct dp_worker_limits *lim);

#endif /* DP_WORKER_H */
