/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_STREAM_H
#define DP_STREAM_H

/*
 * TCP stream reassembly for one direction of a flow, with a per-worker chunk pool.
 *
 * Promises:
 *  - New bytes are delivered in sequence order, exactly once, to the caller's deliver
 *    function, up to the inspection depth; then the direction stops buffering.
 *  - Overlaps are resolved first-wins: bytes already delivered never change. A segment
 *    whose overlap with bytes we still hold carries different bytes is rejected
 *    (DP_STREAM_CONFLICT: the caller drops it on the wire, so the receiver sees what was
 *    inspected). Bytes we hold are the out-of-order ones and, when retention is on, the
 *    delivered ones the receiver has not acknowledged yet (until then it could still
 *    accept a different copy; after, it ignores any copy).
 *  - Memory is bounded per direction (window, and never beyond what depth still allows)
 *    and per worker (the pool). Running out is reported, never fatal.
 *  - Sequence numbers wrap: every comparison is modulo 2^32.
 *
 * A direction is 40 bytes (in the flow's inspection context); chunks are taken only while
 * bytes are out of order or retained, and return to the pool when delivered-and-acknowledged, when the
 * direction reaches depth, or when the caller releases it (flow decided or ended).
 *
 * Thread: the owning worker only.
 */

#include <stdbool.h>
#include <stdint.h>

#define DP_CHUNK_SIZE 512u
#define DP_CHUNK_DATA (DP_CHUNK_SIZE - 12u)

struct dp_chunk {
	uint32_t next; /* index of the next chunk in its list, 0 = end */
	uint32_t seq;  /* sequence number of data[0] */
	uint16_t len;
	uint16_t rsv;
	uint8_t data[DP_CHUNK_DATA];
};

/* Why a direction stopped being inspected. */
enum dp_stream_end {
	DP_STREAM_ACTIVE = 0,
	DP_STREAM_END_DEPTH,    /* inspection depth reached */
	DP_STREAM_END_FIN,      /* the sender finished */
	DP_STREAM_END_RELEASED, /* the caller released it (decided, reset, flow end) */
	DP_STREAM_END_NOMEM,    /* the worker's pool ran out */
	DP_STREAM_END_GAP,      /* a hole we cannot wait for: acknowledged by the receiver, or
				 * everything the window allows is held behind it */
};

/* Direction flags. */
#define DP_STREAM_F_INIT 0x01 /* next_seq is known */

struct dp_stream_dir {
	uint32_t next_seq; /* next byte to deliver */
	uint32_t base_seq; /* first retained (delivered, unacknowledged) byte */
	uint32_t ret_head; /* retained chunks, contiguous from base_seq to next_seq */
	uint32_t ret_tail;
	uint32_t ooo_head;   /* out-of-order chunks beyond next_seq, sorted, disjoint */
	uint32_t ooo_tail;   /* the last of them: segments beyond it are appended in O(1) */
	uint32_t ooo_finger; /* an out-of-order chunk ending at or before the last segment */
	uint32_t ret_finger; /* a retained chunk ending at or before the last old segment */
	uint32_t delivered;  /* bytes delivered so far */
	uint16_t chunks;     /* chunks held by this direction */
	uint8_t flags;
	uint8_t end; /* enum dp_stream_end */
};

struct dp_stream_counters {
	uint64_t chunks_in_use;
	uint64_t chunks_hwm;
	uint64_t segments_ooo;      /* segments that arrived ahead of a hole */
	uint64_t overlaps_same;     /* overlaps whose bytes matched */
	uint64_t overlaps_conflict; /* overlaps with different bytes: evasion attempts, dropped */
	uint64_t beyond_window;     /* segments (or parts) past the window/depth, not kept */
	uint64_t nomem;             /* directions given up because the pool was empty */
	uint64_t full;              /* segments refused (full_drop): no room in window or pool */
	uint64_t gaps;              /* holes skipped because the receiver acknowledged them */
	uint64_t depth_reached;
	uint64_t bytes_delivered;
};

struct dp_stream_pool {
	struct dp_chunk *chunks; /* chunks[0] is never used: index 0 means "none" */
	uint32_t nchunks;
	uint32_t free_head;
	uint32_t nfree;
	uint32_t window; /* bytes a direction may hold beyond next_seq */
	uint32_t depth;  /* bytes inspected per direction */
	bool retain;     /* keep delivered bytes until acknowledged */
	/* Out-of-order bytes that do not fit (the window, or the pool) refuse their segment
	 * (DP_STREAM_FULL: the caller drops it, the sender sends it again) instead of giving
	 * up the direction or leaving the bytes beyond the window uninspected. Set by the
	 * caller (stream.on_full), may change between segments. */
	bool full_drop;
	struct dp_stream_counters cnt;
};

/* Bytes of memory a pool of n chunks needs (pass it to dp_stream_pool_init). */
uint64_t dp_stream_pool_bytes(uint32_t nchunks);

/* mem: dp_stream_pool_bytes(nchunks) bytes, suitably aligned (8). */
void dp_stream_pool_init(struct dp_stream_pool *p, void *mem, uint32_t nchunks, uint32_t window,
			 uint32_t depth, bool retain);

/* Called with each run of new in-order bytes; data == NULL means a gap of len bytes. */
typedef void (*dp_stream_deliver_fn)(void *ctx, const uint8_t *data, uint32_t len);

enum dp_stream_res {
	DP_STREAM_NEW,      /* new bytes accepted (delivered or held) */
	DP_STREAM_OLD,      /* nothing new; any overlap agreed or could not matter */
	DP_STREAM_CONFLICT, /* overlap with different bytes: drop the segment */
	DP_STREAM_IGNORED,  /* the direction is no longer inspected */
	DP_STREAM_FULL,     /* full_drop: no room to hold the segment: drop it */
};

/* Start a direction at first_seq (the SYN's sequence number + 1, or midstream). */
void dp_stream_start(struct dp_stream_dir *d, uint32_t first_seq);

/* A data segment. */
enum dp_stream_res dp_stream_segment(struct dp_stream_pool *p, struct dp_stream_dir *d,
				     uint32_t seq, const uint8_t *data, uint32_t len,
				     dp_stream_deliver_fn deliver, void *ctx);

/* The sender's FIN at seq (after its data): the direction ends once delivered to there. */
void dp_stream_fin(struct dp_stream_pool *p, struct dp_stream_dir *d, uint32_t seq);

/* The receiver acknowledged everything before ack: free retained bytes; skip a hole the
 * receiver evidently has (a gap, delivered as data == NULL). */
void dp_stream_ack(struct dp_stream_pool *p, struct dp_stream_dir *d, uint32_t ack,
		   dp_stream_deliver_fn deliver, void *ctx);

/* Stop inspecting: free every chunk, remember why. Safe to call again. */
void dp_stream_release(struct dp_stream_pool *p, struct dp_stream_dir *d, enum dp_stream_end why);

static inline bool
dp_stream_active(const struct dp_stream_dir *d)
{
	return d->end == DP_STREAM_ACTIVE;
}

#endif /* DP_STREAM_H */
