/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_ICTX_H
#define DP_ICTX_H

/*
 * Inspection contexts: the per-flow state that exists only while a flow is being
 * inspected (TCP reassembly of both directions; identification state). A worker has a
 * fixed pool of them; a flow takes one when it starts and gives it back as soon as it no
 * longer needs inspecting (decided, both directions at depth or finished, or ended). So
 * the flow entry stays one cache line, and the memory inspection takes is bounded by the
 * pool, not by the number of flows. An empty pool is counted and leaves the new flow
 * uninspected (it is still tracked and forwarded).
 *
 * Thread: the owning worker only.
 */

#include <stdbool.h>
#include <stdint.h>

#include "identify.h"
#include "stream.h"

struct dp_ictx {
	struct dp_stream_dir dir[2]; /* by direction: toserver, toclient */
	struct dp_ident_state id;
	uint32_t next_free;
	uint32_t flow; /* position of the owning flow + 1 */
};

struct dp_ictx_counters {
	uint64_t in_use;
	uint64_t hwm;
	uint64_t exhausted; /* flows that found the pool empty */
};

struct dp_ictx_pool {
	struct dp_ictx *ctx; /* ctx[0] unused: index 0 means "none" */
	uint32_t n;
	uint32_t free_head;
	struct dp_ictx_counters cnt;
};

/* Bytes for a pool of n contexts. */
uint64_t dp_ictx_pool_bytes(uint32_t n);
/* mem: dp_ictx_pool_bytes(n) bytes. */
void dp_ictx_pool_init(struct dp_ictx_pool *p, void *mem, uint32_t n);

/* Take a context (zeroed) for flow position pos; 0 if the pool is empty (counted). */
uint32_t dp_ictx_get(struct dp_ictx_pool *p, uint32_t pos);
/* Give it back; the caller has released its streams. */
void dp_ictx_put(struct dp_ictx_pool *p, uint32_t idx);

/* Is a context free? (A caller that must not count another exhaustion asks first.) */
static inline bool
dp_ictx_available(const struct dp_ictx_pool *p)
{
	return p->free_head != 0;
}

static inline struct dp_ictx *
dp_ictx_at(const struct dp_ictx_pool *p, uint32_t idx)
{
	return &p->ctx[idx];
}

#endif /* DP_ICTX_H */
