/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_FLOW_H
#define DP_FLOW_H

/*
 * The per-worker flow table.
 *
 * Key: segment, VLAN ids and the 5-tuple in canonical order (lower address/port first), so
 * both directions of a conversation find the same entry. Entries are preallocated: a
 * chained hash table of our own (flow.c says why not rte_hash) whose key positions index an
 * array of struct dp_flow, so the entry the worker reads per packet holds no copy of its key.
 *
 * Every entry sits on one of a few LRU lists, one per timeout class (TCP half-open, TCP
 * established, TCP closing, UDP one-way, UDP two-way, other). All entries of a list share
 * one idle timeout, so the head of each list is the next to expire and aging is a bounded
 * walk from the heads (dp_flow_age). An entry moves to the tail of its list at most once a
 * second of its own traffic.
 *
 * When the table is full a new flow takes the entry of the oldest half-open or closing
 * flow, or of the oldest established flow idle for at least evict_idle; if there is none,
 * the new flow gets no entry and the caller applies the configured outcome.
 *
 * Thread: the owning worker only.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

#include "decode.h"
#include "khash.h"

/* 48 bytes: six 64-bit words, built, hashed and compared as words. */
struct dp_flow_key {
	uint8_t addr[2][16]; /* IPv4 in the first 4 bytes */
	uint16_t port[2];
	uint16_t vlan[2];
	uint8_t proto;
	uint8_t l3;
	uint16_t segment;
	uint8_t pad[4];
};

enum dp_tcp_state {
	DP_TCP_NONE = 0,
	DP_TCP_SYN_SENT,
	DP_TCP_SYN_RECV,
	DP_TCP_ESTABLISHED,
	DP_TCP_FIN_WAIT, /* one side sent FIN */
	DP_TCP_CLOSING,  /* both sides sent FIN */
	DP_TCP_CLOSED,   /* RST */
};

enum dp_flow_class {
	DP_CLASS_TCP_NEW,
	DP_CLASS_TCP_EST,
	DP_CLASS_TCP_CLOSED,
	DP_CLASS_UDP_NEW,
	DP_CLASS_UDP_EST,
	DP_CLASS_OTHER,
	DP_CLASS__COUNT
};

/* Flow flags. */
#define DP_FLOW_F_INIT1     0x01 /* the initiator (client) is key side 1 */
#define DP_FLOW_F_MIDSTREAM 0x02 /* picked up without seeing the handshake */
#define DP_FLOW_F_REPLIED   0x04 /* packets seen from both sides */
#define DP_FLOW_F_FIN0      0x08 /* key side 0 sent FIN */
#define DP_FLOW_F_FIN1      0x10 /* key side 1 sent FIN */
#define DP_FLOW_F_NOCTX     0x20 /* waits for an inspection context (inspect.on_full drop) */

/* Directions: toserver = from the initiator, toclient = from the responder. */
#define DP_TOSERVER 0
#define DP_TOCLIENT 1

/* One cache line. Inspection state lives in an inspection context (ictx.h) while needed. */
struct dp_flow {
	uint64_t start_us;
	uint64_t bytes[2]; /* by direction */
	uint32_t pkts[2];
	uint32_t lru_prev; /* position + 1; 0 = none */
	uint32_t lru_next;
	uint32_t last_ms;  /* worker clock at the last packet */
	uint32_t moved_ms; /* when the entry last moved to its list's tail */
	uint8_t tcp_state; /* enum dp_tcp_state */
	uint8_t flags;
	uint8_t lru_class;     /* enum dp_flow_class */
	uint8_t in_port;       /* board port index the initiator's packets arrive on */
	uint32_t ictx;         /* inspection context index, 0 = none */
	uint8_t stream_end[2]; /* why each direction stopped being inspected */
	uint8_t app;           /* identified application (catalogue index + 1), 0 none */
	uint8_t master;        /* enum dp_master */
	uint8_t conf;          /* enum dp_conf */
	uint8_t id_flags;      /* DP_ID_* */
	uint8_t action;        /* enum dp_action of the policy verdict (0: none yet) */
	uint8_t pol;           /* DP_POL_* policy evaluation state */
};

/* Policy evaluation state (struct dp_flow.pol). */
#define DP_POL_EVALUATED 0x01 /* a verdict was reached (not pending) */
#define DP_POL_FINAL     0x02 /* the verdict can no longer change (a block) */

/* Why a flow ended (flow records' reason). */
enum dp_flow_end {
	DP_FLOW_END_TIMEOUT,
	DP_FLOW_END_FORCED,   /* evicted to make room */
	DP_FLOW_END_SHUTDOWN, /* still open when the appliance stopped */
};

struct dp_flow_counters {
	uint64_t in_use;
	uint64_t hwm;
	uint64_t created;
	uint64_t insert_failed; /* new flows that got no entry */
	uint64_t evicted;
	uint64_t timeouts;
	uint64_t midstream;
};

struct dp_flow_timeouts {
	uint32_t ms[DP_CLASS__COUNT];
	uint32_t evict_idle_ms;
};

struct dp_flow_table;

/* Called for every flow that ends (expiry, eviction, flush) before its entry is freed. */
typedef void (*dp_flow_end_fn)(void *ctx, const struct dp_flow_key *key, struct dp_flow *f,
			       enum dp_flow_end why);

/*
 * Create a table of capacity entries on a NUMA socket (name must be unique in the process).
 * Returns NULL on failure (rte_errno set). Needs EAL.
 */
struct dp_flow_table *dp_flow_table_create(const char *name, uint32_t capacity, int socket,
					   const struct dp_flow_timeouts *t, dp_flow_end_fn on_end,
					   void *ctx);
void dp_flow_table_free(struct dp_flow_table *t);

/* Bytes the table takes for capacity entries: entries, their keys and the buckets. */
uint64_t dp_flow_table_bytes(uint32_t capacity);

/*
 * Build the canonical key of a decoded packet; *side = 0 when the packet's source is key
 * side 0. Returns the key's hash under the table's seed (dp_flow_seed_of).
 *
 * The key is built in six 64-bit words held in registers, stored once each, and hashed from
 * the registers: building it field by field and then hashing it from memory made every
 * 8-byte load wait for several narrower stores to retire (a failed store-to-load forward
 * costs more than the whole hash). Inline: it runs for every run of frames of a flow.
 *
 * The hash is keyed and universal, not a CRC: a CRC is linear, so whoever sends the
 * traffic can pick tuples that share one CRC whatever its seed (48 bits of source address
 * and port, 32 bits of CRC: 65,536 tuples per CRC value), and every one of them would land
 * in one chain that each of their packets walks. Pair-multiply-shift (M. Thorup, "High
 * Speed Hashing for Integers and Strings", 2015, after Black et al.'s NH): the key as
 * twelve 32-bit words x, a random 64-bit seed a[12] and b, h = (b + sum over pairs of
 * (a[2i] + x[2i+1]) * (a[2i+1] + x[2i])) mod 2^64, the top 32 bits kept. For two distinct
 * keys and a seed the sender does not know, any bits of h collide with the chance of random
 * ones (strongly universal for 32-bit words and 32 bits kept): a crafted set of tuples
 * spreads over the buckets as random ones would.
 */
struct dp_flow_seed {
	uint64_t a[12];
	uint64_t b;
};

static inline uint32_t
dp_flow_hash_words(const struct dp_flow_seed *sd, uint64_t w0, uint64_t w1, uint64_t w2,
		   uint64_t w3, uint64_t w4, uint64_t w5)
{
	uint64_t h = sd->b + dp_khash_pair(w0, &sd->a[0]) + dp_khash_pair(w1, &sd->a[2]) +
		     dp_khash_pair(w2, &sd->a[4]) + dp_khash_pair(w3, &sd->a[6]) +
		     dp_khash_pair(w4, &sd->a[8]) + dp_khash_pair(w5, &sd->a[10]);
	return (uint32_t)(h >> 32);
}

/* The hash of a key in memory (what dp_flow_key_make returns for the key it builds). */
static inline uint32_t
dp_flow_hash(const struct dp_flow_seed *sd, const struct dp_flow_key *k)
{
	uint64_t w[6];
	memcpy(w, k, sizeof(w));
	return dp_flow_hash_words(sd, w[0], w[1], w[2], w[3], w[4], w[5]);
}

static inline int
dp_flow_addr_cmp6(const uint64_t a[2], const uint64_t b[2])
{
	uint64_t x = __builtin_bswap64(a[0]), y = __builtin_bswap64(b[0]);
	if (x == y) {
		x = __builtin_bswap64(a[1]);
		y = __builtin_bswap64(b[1]);
	}
	return x < y ? -1 : x > y;
}

static inline uint32_t
dp_flow_key_make(const struct dp_pkt *pk, uint16_t segment, const struct dp_flow_seed *sd,
		 struct dp_flow_key *k, unsigned *side)
{
	uint64_t a0, a1 = 0, b0, b1 = 0;
	uint32_t ports = pk->ports;
	int c;

	if (pk->addr_len == 4) {
		uint32_t x, y;
		memcpy(&x, pk->src, 4);
		memcpy(&y, pk->dst, 4);
		a0 = x;
		b0 = y;
		x = __builtin_bswap32(x);
		y = __builtin_bswap32(y);
		c = x < y ? -1 : x > y;
	} else {
		uint64_t a[2], b[2];
		memcpy(a, pk->src, 16);
		memcpy(b, pk->dst, 16);
		c = dp_flow_addr_cmp6(a, b);
		a0 = a[0], a1 = a[1], b0 = b[0], b1 = b[1];
	}
	if (c == 0)
		c = (ports & 0xffff) < (ports >> 16) ? -1 : (ports & 0xffff) > (ports >> 16);
	unsigned s = c > 0;
	if (s) {
		uint64_t t0 = a0, t1 = a1;
		a0 = b0, a1 = b1, b0 = t0, b1 = t1;
		ports = ports >> 16 | ports << 16;
	}
	uint64_t w4 = ports | (uint64_t)pk->vlan[0] << 32 | (uint64_t)pk->vlan[1] << 48;
	uint64_t w5 = (uint64_t)pk->proto | (uint64_t)pk->l3 << 8 | (uint64_t)segment << 16;
	uint8_t *o = (uint8_t *)k;
	memcpy(o, &a0, 8);
	memcpy(o + 8, &a1, 8);
	memcpy(o + 16, &b0, 8);
	memcpy(o + 24, &b1, 8);
	memcpy(o + 32, &w4, 8);
	memcpy(o + 40, &w5, 8);
	*side = s;
	return dp_flow_hash_words(sd, a0, a1, b0, b1, w4, w5);
}

_Static_assert(RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN, "the key words are little-endian");

/* Two keys are equal: word by word, the widths dp_flow_key_make stores them in, so a key
 * just made is read back from the store buffer (memcmp's wider loads stall on it). */
static inline bool
dp_flow_key_eq(const struct dp_flow_key *a, const struct dp_flow_key *b)
{
	uint64_t u[6], v[6];
	memcpy(u, a, sizeof(u));
	memcpy(v, b, sizeof(v));
	return ((u[0] ^ v[0]) | (u[1] ^ v[1]) | (u[2] ^ v[2]) | (u[3] ^ v[3]) | (u[4] ^ v[4]) |
		(u[5] ^ v[5])) == 0;
}

/* A key in the table (flow.c): one cache line. */
struct dp_flow_slot {
	struct dp_flow_key key;
	uint32_t sig;  /* dp_flow_key_make's hash of key */
	uint32_t next; /* position + 1 of the next slot in the chain (or the free list); 0 = end */
	uint8_t pad[8];
};

/*
 * What the per-packet accessors below read: the first member of every table (flow.c),
 * declared here so that they inline into the worker's loop.
 */
struct dp_flow_table_hot {
	struct dp_flow *flows;      /* the entry at each position */
	struct dp_flow_slot *slots; /* the key at each position */
	const uint32_t *bucket;     /* position + 1 of each chain's first slot, 0 = empty */
	uint32_t mask;              /* buckets - 1 */
	uint64_t generation;        /* removals so far */
	struct dp_flow_seed seed;   /* random, drawn when the table is made */
};

static inline const struct dp_flow_table_hot *
dp_flow_hot(const struct dp_flow_table *t)
{
	return (const struct dp_flow_table_hot *)(const void *)t;
}

/* The seed dp_flow_key_make hashes keys of this table with. */
static inline const struct dp_flow_seed *
dp_flow_seed_of(const struct dp_flow_table *t)
{
	return &dp_flow_hot(t)->seed;
}

/* The bucket a hash selects (tests look at how keys spread). */
static inline uint32_t
dp_flow_bucket_of(const struct dp_flow_table *t, uint32_t sig)
{
	return sig & dp_flow_hot(t)->mask;
}

/* Changes whenever a flow is removed (expiry, eviction, flush). */
static inline uint64_t
dp_flow_generation(const struct dp_flow_table *t)
{
	return dp_flow_hot(t)->generation;
}

/* Ask for the bucket a lookup of sig will read, ahead of the lookup. */
static inline void
dp_flow_prefetch(const struct dp_flow_table *t, uint32_t sig)
{
	const struct dp_flow_table_hot *h = dp_flow_hot(t);
	__builtin_prefetch(&h->bucket[sig & h->mask]);
}

/* The position + 1 of key k's slot in the chain that starts at position + 1 p, 0 if none. */
static inline uint32_t
dp_flow_chain_find(const struct dp_flow_table *t, uint32_t p, const struct dp_flow_key *k,
		   uint32_t sig)
{
	const struct dp_flow_slot *slots = dp_flow_hot(t)->slots;
	while (p != 0) {
		const struct dp_flow_slot *s = &slots[p - 1];
		if (s->sig == sig && dp_flow_key_eq(&s->key, k))
			break;
		p = s->next;
	}
	return p;
}

/*
 * Find a flow by its key and the key's hash; NULL if none. The chain's first entry, most
 * often the flow sought, is requested with its key: the two loads overlap.
 */
static inline struct dp_flow *
dp_flow_lookup(const struct dp_flow_table *t, const struct dp_flow_key *k, uint32_t sig)
{
	const struct dp_flow_table_hot *h = dp_flow_hot(t);
	uint32_t p = h->bucket[sig & h->mask];
	if (p != 0)
		__builtin_prefetch(&h->flows[p - 1]);
	p = dp_flow_chain_find(t, p, k, sig);
	return p != 0 ? &h->flows[p - 1] : NULL;
}

/*
 * Find or create. *created tells which. NULL: the table is full and nothing could be
 * evicted (counted in insert_failed).
 */
struct dp_flow *dp_flow_get(struct dp_flow_table *t, const struct dp_flow_key *k, uint32_t sig,
			    uint64_t now_us, uint32_t now_ms, bool *created);

/* The direction a packet from key side `side` travels in. */
static inline unsigned
dp_flow_dir(const struct dp_flow *f, unsigned side)
{
	return (side ^ ((f->flags & DP_FLOW_F_INIT1) ? 1u : 0u)) & 1u;
}

/*
 * Account npkts frames of bytes in total (one packet, or the fragments of a datagram) from
 * key side `side` and move the flow along its state machine (TCP flags for TCP). Sets the
 * initiator on the first packet.
 */
void dp_flow_update(struct dp_flow_table *t, struct dp_flow *f, const struct dp_pkt *pk,
		    unsigned side, uint32_t npkts, uint64_t bytes, uint32_t now_ms);

/*
 * Account a run of frames of one flow at once: pkts[s] frames and bytes[s] bytes from key
 * side s, tcp_flags the union of their TCP flags. Does what dp_flow_update would do frame by
 * frame, when no frame of the run can move the TCP state machine (no FIN or RST, the
 * handshake done) and the flow has had a packet before; false (nothing done) otherwise, and
 * the caller updates frame by frame.
 */
bool dp_flow_account(struct dp_flow_table *t, struct dp_flow *f, uint8_t proto,
		     const uint32_t pkts[2], const uint64_t bytes[2], uint8_t tcp_flags,
		     uint32_t now_ms);

/* Expire at most budget flows idle past their class timeout. Returns how many. */
unsigned dp_flow_age(struct dp_flow_table *t, uint32_t now_ms, unsigned budget);

/* End every flow (reason shutdown). */
void dp_flow_flush(struct dp_flow_table *t);

/* The key and position of a flow (for records and tests). */
const struct dp_flow_key *dp_flow_key_of(const struct dp_flow_table *t, const struct dp_flow *f);
static inline uint32_t
dp_flow_index(const struct dp_flow_table *t, const struct dp_flow *f)
{
	return (uint32_t)(f - dp_flow_hot(t)->flows);
}

const struct dp_flow_counters *dp_flow_counters(const struct dp_flow_table *t);
uint32_t dp_flow_capacity(const struct dp_flow_table *t);
/* Positions run from 0 to dp_flow_slots() - 1 (per-flow side arrays are this long). */
uint32_t dp_flow_slots(uint32_t capacity);

/* EVE names: "new", "established", "closed". */
const char *dp_flow_state_name(const struct dp_flow *f);

#endif /* DP_FLOW_H */
