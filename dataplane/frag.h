/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_FRAG_H
#define DP_FRAG_H

/*
 * IPv4 and IPv6 fragment reassembly for inspection, holding the original fragments.
 *
 * Each fragment is held (the mbuf itself, untouched) until its datagram is complete. Then
 * the fragmentable part of the datagram (L4 header and payload) is assembled into a
 * caller's buffer for decoding and inspection, and the caller forwards or drops every held
 * fragment with the datagram's verdict: fragmenting never lets traffic past inspection.
 *
 * Overlaps are checked byte by byte: a fragment whose overlap with held fragments carries
 * different bytes is refused (an evasion attempt; first wins), a fragment that adds nothing
 * is a duplicate. Budgets: datagrams in the table, fragments per datagram, fragments held
 * by the worker; a datagram that cannot be tracked is "abandoned" and its fragments, now
 * and until it times out, get the configured overflow outcome. So does one that found no
 * room in the table at all: the last 32 such datagrams are remembered until their timeout.
 *
 * Why not DPDK's rte_ip_frag: it rewrites the first fragment's header in place (the wire
 * must see the original), drops every overlapping datagram without comparing data, and
 * caps fragments per datagram at a build-time constant (8 in Debian's DPDK), too few for a
 * 64 KiB datagram over a 1500-byte MTU.
 *
 * Thread: the owning worker only.
 */

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"

struct rte_mbuf;

#define DP_FRAG_MAX 64 /* fragments per datagram, hard limit */

enum dp_frag_res {
	DP_FRAG_HELD,      /* held; the datagram is not complete */
	DP_FRAG_COMPLETE,  /* held; the datagram is complete: call dp_frag_assemble */
	DP_FRAG_DUPLICATE, /* adds no bytes (same as held): drop it, the original goes on */
	DP_FRAG_CONFLICT,  /* overlaps held bytes with different ones: drop it */
	DP_FRAG_OVERFLOW,  /* no room (table, per-datagram or worker budget): apply the outcome */
	DP_FRAG_INVALID,   /* inconsistent (beyond the known end, odd length mid-datagram) */
};

struct dp_frag_counters {
	uint64_t fragments; /* fragments received */
	uint64_t datagrams_in_use;
	uint64_t datagrams_hwm;
	uint64_t held; /* fragments held now */
	uint64_t held_hwm;
	uint64_t reassembled;
	uint64_t duplicates;
	uint64_t conflicts; /* overlapping with different data: evasion attempts */
	uint64_t timeouts;
	uint64_t too_many;   /* datagrams with more fragments than allowed */
	uint64_t table_full; /* fragments refused for want of room (or of a refused datagram) */
	uint64_t invalid;
};

struct dp_frag_cfg {
	uint32_t datagrams;     /* table capacity */
	uint32_t max_fragments; /* per datagram, <= DP_FRAG_MAX */
	uint32_t max_held;      /* fragments held by the worker */
	uint32_t timeout_ms;
};

struct dp_frag_table;

/* A fragment handed back for forwarding or dropping. */
struct dp_frag_out {
	struct rte_mbuf *m;
	uint16_t port; /* the port it arrived on */
};

struct dp_frag_table *dp_frag_create(const char *name, const struct dp_frag_cfg *cfg, int socket);
void dp_frag_free(struct dp_frag_table *t);

/*
 * Offer a decoded fragment (pk->is_frag) held in m, received on port. On HELD and COMPLETE
 * the table owns m; otherwise the caller keeps it. OVERFLOW for a datagram that was being
 * tracked abandons it: the fragments it held are handed back in rel[] (DP_FRAG_MAX
 * entries, *nrel of them) for the same outcome, and its later fragments get OVERFLOW too.
 */
enum dp_frag_res dp_frag_add(struct dp_frag_table *t, const struct dp_pkt *pk, uint16_t segment,
			     struct rte_mbuf *m, uint16_t port, uint32_t now_ms,
			     struct dp_frag_out *rel, unsigned *nrel);

/*
 * After COMPLETE: write the datagram's fragmentable part (L4 header + payload) into buf
 * (65535 bytes), fill pk's L4 fields from it (via dp_decode_l4), hand back every held
 * fragment in arrival order in out[] (DP_FRAG_MAX entries) and forget the datagram.
 * Returns the number of fragments; *len the datagram's length; *bytes the frames' bytes.
 */
unsigned dp_frag_assemble(struct dp_frag_table *t, struct dp_pkt *pk, uint8_t *buf, uint32_t *len,
			  struct dp_frag_out *out, uint64_t *bytes, enum dp_dec_reason *l4_err);

/*
 * Time out incomplete datagrams (at most budget). Their fragments are handed back in out[]
 * (up to max_out) for the caller's "incomplete" outcome. Returns how many were handed back.
 */
unsigned dp_frag_expire(struct dp_frag_table *t, uint32_t now_ms, unsigned budget,
			struct dp_frag_out *out, unsigned max_out);

/* Hand back everything held (shutdown), up to max_out per call; returns the count. Once
 * the table is empty, refused datagrams are forgotten too. */
unsigned dp_frag_drain(struct dp_frag_table *t, struct dp_frag_out *out, unsigned max_out);

const struct dp_frag_counters *dp_frag_counters(const struct dp_frag_table *t);

#endif /* DP_FRAG_H */
