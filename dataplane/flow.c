/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table: a chained hash table of our own, not rte_hash (which the fragment, host and
 * attribution tables use). Why: on the bench mix rte_hash's lookup cost about 155
 * instructions a key (two buckets of eight signatures compared, the key store, its data
 * pointer, the generality of any key length and of concurrent readers), a fifth of what
 * flow tracking added to every frame. This table has one writer and one reader (the
 * worker), one key length, and every position is ours: a bucket holds the position + 1 of
 * its chain's first slot; a slot (one cache line) holds the key, its hash and the next
 * position of the chain. The hash is keyed with a random seed per table (flow.h says why).
 * With at least twice as many buckets as entries, a chain averages at most half an entry
 * when the table is full, and an insert never fails while a position is free (no
 * displacement search, no extendable buckets). flows[position] is the entry.
 *
 * Keys that share a bucket anyway (chance, or an attacker who learnt the seed) make a chain
 * at most the table's capacity long, whose flows are evicted as any others.
 *
 * LRU lists: doubly linked through lru_prev/lru_next (position + 1, 0 = none), one per
 * timeout class. An entry is moved to the tail when its class changes, or when its own
 * traffic is at least a second newer than its last move, so a busy flow costs one relink a
 * second, not one per packet. Consequence: heads are ordered to within a second, and a flow
 * may expire up to a second late.
 */
#include "flow.h"

#include <string.h>

#include <rte_errno.h>
#include <rte_common.h>
#include <rte_malloc.h>

_Static_assert(sizeof(struct dp_flow) <= 64, "a flow entry is one cache line");
_Static_assert(sizeof(struct dp_flow_key) == 48, "the key is six 64-bit words");

#define MOVE_EVERY_MS 1000

_Static_assert(sizeof(struct dp_flow_slot) == 64, "a slot is one cache line");

struct dp_flow_table {
	struct dp_flow_table_hot hot; /* first: what lookups read (flow.h) */
	uint32_t *bucket;             /* hot.bucket, writable */
	uint32_t free;                /* position + 1 of the first free slot */
	uint32_t capacity;
	uint32_t head[DP_CLASS__COUNT]; /* position + 1 */
	uint32_t tail[DP_CLASS__COUNT];
	struct dp_flow_timeouts to;
	dp_flow_end_fn on_end;
	void *ctx;
	struct dp_flow_counters cnt;
};

/* Buckets: a power of two, at least twice the entries. */
static uint32_t
buckets_for(uint32_t capacity)
{
	return rte_align32pow2(capacity < 2 ? 4 : capacity * 2u);
}

uint64_t
dp_flow_table_bytes(uint32_t capacity)
{
	return (uint64_t)capacity * (sizeof(struct dp_flow) + sizeof(struct dp_flow_slot)) +
	       (uint64_t)buckets_for(capacity) * sizeof(uint32_t);
}

struct dp_flow_table *
dp_flow_table_create(const char *name, uint32_t capacity, int socket,
		     const struct dp_flow_timeouts *t, dp_flow_end_fn on_end, void *ctx)
{
	if (capacity == 0 || capacity > (UINT32_C(1) << 30)) {
		rte_errno = EINVAL;
		return NULL;
	}
	struct dp_flow_table *ft =
		rte_zmalloc_socket(name, sizeof(*ft), RTE_CACHE_LINE_SIZE, socket);
	if (ft == NULL)
		return NULL;
	uint32_t nb = buckets_for(capacity);
	ft->hot.flows = rte_zmalloc_socket(name, (size_t)capacity * sizeof(struct dp_flow),
					   RTE_CACHE_LINE_SIZE, socket);
	ft->hot.slots = rte_zmalloc_socket(name, (size_t)capacity * sizeof(struct dp_flow_slot),
					   RTE_CACHE_LINE_SIZE, socket);
	ft->bucket = rte_zmalloc_socket(name, (size_t)nb * sizeof(uint32_t), RTE_CACHE_LINE_SIZE,
					socket);
	ft->hot.bucket = ft->bucket;
	if (ft->hot.flows == NULL || ft->hot.slots == NULL || ft->bucket == NULL) {
		dp_flow_table_free(ft);
		rte_errno = ENOMEM;
		return NULL;
	}
	/* the hash's seed (flow.h): random, never seen on the wire */
	dp_khash_random(&ft->hot.seed, sizeof(ft->hot.seed));
	/* the free list in position order: a new table hands out positions 0, 1, 2... */
	for (uint32_t i = 0; i < capacity; i++)
		ft->hot.slots[i].next = i + 1 < capacity ? i + 2 : 0;
	ft->free = 1;
	ft->hot.mask = nb - 1;
	ft->capacity = capacity;
	ft->to = *t;
	ft->on_end = on_end;
	ft->ctx = ctx;
	return ft;
}

void
dp_flow_table_free(struct dp_flow_table *t)
{
	if (t == NULL)
		return;
	rte_free(t->bucket);
	rte_free(t->hot.slots);
	rte_free(t->hot.flows);
	rte_free(t);
}

static void
lru_unlink(struct dp_flow_table *t, struct dp_flow *f)
{
	unsigned c = f->lru_class;
	if (f->lru_prev)
		t->hot.flows[f->lru_prev - 1].lru_next = f->lru_next;
	else
		t->head[c] = f->lru_next;
	if (f->lru_next)
		t->hot.flows[f->lru_next - 1].lru_prev = f->lru_prev;
	else
		t->tail[c] = f->lru_prev;
	f->lru_prev = f->lru_next = 0;
}

static void
lru_append(struct dp_flow_table *t, struct dp_flow *f, unsigned c)
{
	uint32_t me = dp_flow_index(t, f) + 1;
	f->lru_class = (uint8_t)c;
	f->lru_next = 0;
	f->lru_prev = t->tail[c];
	if (t->tail[c])
		t->hot.flows[t->tail[c] - 1].lru_next = me;
	else
		t->head[c] = me;
	t->tail[c] = me;
}

const struct dp_flow_key *
dp_flow_key_of(const struct dp_flow_table *t, const struct dp_flow *f)
{
	return &t->hot.slots[dp_flow_index(t, f)].key;
}

/* End a flow: report it, unlink it, free its position. */
static void
end_flow(struct dp_flow_table *t, struct dp_flow *f, enum dp_flow_end why)
{
	uint32_t pos = dp_flow_index(t, f);
	struct dp_flow_slot *s = &t->hot.slots[pos];
	struct dp_flow_key copy;

	memcpy(&copy, &s->key, sizeof(copy));
	t->on_end(t->ctx, &copy, f, why);
	lru_unlink(t, f);
	uint32_t *link = &t->bucket[s->sig & t->hot.mask];
	while (*link != pos + 1)
		link = &t->hot.slots[*link - 1].next;
	*link = s->next;
	s->next = t->free;
	t->free = pos + 1;
	t->cnt.in_use--;
	t->hot.generation++;
}

static bool
evict_one(struct dp_flow_table *t, uint32_t now_ms)
{
	static const uint8_t cheap[] = { DP_CLASS_TCP_CLOSED, DP_CLASS_TCP_NEW, DP_CLASS_UDP_NEW,
					 DP_CLASS_OTHER };
	static const uint8_t dear[] = { DP_CLASS_UDP_EST, DP_CLASS_TCP_EST };
	struct dp_flow *best = NULL;

	/* Half-open and closing flows go first, oldest first: a flood of new flows displaces
	 * only its own kind. */
	for (unsigned i = 0; i < sizeof(cheap); i++) {
		uint32_t h = t->head[cheap[i]];
		if (h &&
		    (best == NULL || (int32_t)(t->hot.flows[h - 1].last_ms - best->last_ms) < 0))
			best = &t->hot.flows[h - 1];
	}
	if (best == NULL) {
		for (unsigned i = 0; i < sizeof(dear); i++) {
			uint32_t h = t->head[dear[i]];
			if (!h || now_ms - t->hot.flows[h - 1].last_ms < t->to.evict_idle_ms)
				continue;
			if (best == NULL ||
			    (int32_t)(t->hot.flows[h - 1].last_ms - best->last_ms) < 0)
				best = &t->hot.flows[h - 1];
		}
	}
	if (best == NULL)
		return false;
	t->cnt.evicted++;
	end_flow(t, best, DP_FLOW_END_FORCED);
	return true;
}

struct dp_flow *
dp_flow_get(struct dp_flow_table *t, const struct dp_flow_key *k, uint32_t sig, uint64_t now_us,
	    uint32_t now_ms, bool *created)
{
	uint32_t p = dp_flow_chain_find(t, t->bucket[sig & t->hot.mask], k, sig);

	*created = false;
	if (p != 0)
		return &t->hot.flows[p - 1];
	if (t->cnt.in_use >= t->capacity && !evict_one(t, now_ms)) {
		t->cnt.insert_failed++;
		return NULL;
	}
	/* in_use < capacity: a position is free */
	p = t->free;
	struct dp_flow_slot *s = &t->hot.slots[p - 1];
	t->free = s->next;
	memcpy(&s->key, k, sizeof(s->key));
	s->sig = sig;
	s->next = t->bucket[sig & t->hot.mask];
	t->bucket[sig & t->hot.mask] = p;
	struct dp_flow *f = &t->hot.flows[p - 1];
	memset(f, 0, sizeof(*f));
	f->start_us = now_us;
	f->last_ms = f->moved_ms = now_ms;
	lru_append(t, f,
		   k->proto == DP_PROTO_TCP   ? DP_CLASS_TCP_NEW
		   : k->proto == DP_PROTO_UDP ? DP_CLASS_UDP_NEW
					      : DP_CLASS_OTHER);
	t->cnt.in_use++;
	t->cnt.created++;
	if (t->cnt.in_use > t->cnt.hwm)
		t->cnt.hwm = t->cnt.in_use;
	*created = true;
	return f;
}

/* Which key side opened a flow whose first packet came from `side` without a SYN: the
 * side using a well-known port (below 1024) answers, the other asked. */
static unsigned
guess_initiator(const struct dp_pkt *pk, unsigned side)
{
	if (pk->sport < 1024 && pk->dport >= 1024)
		return side ^ 1u;
	return side;
}

static void
set_initiator(struct dp_flow *f, unsigned side)
{
	if (side)
		f->flags |= DP_FLOW_F_INIT1;
	else
		f->flags &= (uint8_t)~DP_FLOW_F_INIT1;
}

static unsigned
class_of(const struct dp_flow *f, uint8_t proto)
{
	if (proto == DP_PROTO_TCP) {
		switch (f->tcp_state) {
		case DP_TCP_ESTABLISHED:
		case DP_TCP_FIN_WAIT: return DP_CLASS_TCP_EST;
		case DP_TCP_CLOSING:
		case DP_TCP_CLOSED: return DP_CLASS_TCP_CLOSED;
		default: return DP_CLASS_TCP_NEW;
		}
	}
	if (proto == DP_PROTO_UDP)
		return (f->flags & DP_FLOW_F_REPLIED) ? DP_CLASS_UDP_EST : DP_CLASS_UDP_NEW;
	return DP_CLASS_OTHER;
}

static void
tcp_first(struct dp_flow_table *t, struct dp_flow *f, const struct dp_pkt *pk, unsigned side)
{
	uint8_t fl = pk->tcp_flags;

	if (fl & DP_TCP_RST) {
		set_initiator(f, guess_initiator(pk, side));
		f->tcp_state = DP_TCP_CLOSED;
		f->flags |= DP_FLOW_F_MIDSTREAM;
	} else if ((fl & (DP_TCP_SYN | DP_TCP_ACK)) == DP_TCP_SYN) {
		set_initiator(f, side);
		f->tcp_state = DP_TCP_SYN_SENT;
	} else if (fl & DP_TCP_SYN) {
		/* SYN-ACK first: its sender is the server */
		set_initiator(f, side ^ 1u);
		f->tcp_state = DP_TCP_SYN_RECV;
		f->flags |= DP_FLOW_F_MIDSTREAM;
		t->cnt.midstream++;
	} else {
		set_initiator(f, guess_initiator(pk, side));
		f->tcp_state = DP_TCP_ESTABLISHED;
		f->flags |= DP_FLOW_F_MIDSTREAM;
		t->cnt.midstream++;
	}
}

static void
tcp_next(struct dp_flow *f, const struct dp_pkt *pk, unsigned side, unsigned dir)
{
	uint8_t fl = pk->tcp_flags;

	if (fl & DP_TCP_RST) {
		f->tcp_state = DP_TCP_CLOSED;
		return;
	}
	switch (f->tcp_state) {
	case DP_TCP_SYN_SENT:
		if (dir == DP_TOCLIENT &&
		    (fl & (DP_TCP_SYN | DP_TCP_ACK)) == (DP_TCP_SYN | DP_TCP_ACK))
			f->tcp_state = DP_TCP_SYN_RECV;
		break;
	case DP_TCP_SYN_RECV:
		if (dir == DP_TOSERVER && (fl & (DP_TCP_SYN | DP_TCP_ACK)) == DP_TCP_ACK)
			f->tcp_state = DP_TCP_ESTABLISHED;
		break;
	default: break;
	}
	if ((fl & DP_TCP_FIN) && f->tcp_state >= DP_TCP_ESTABLISHED &&
	    f->tcp_state < DP_TCP_CLOSED) {
		f->flags |= side ? DP_FLOW_F_FIN1 : DP_FLOW_F_FIN0;
		bool both = (f->flags & (DP_FLOW_F_FIN0 | DP_FLOW_F_FIN1)) ==
			    (DP_FLOW_F_FIN0 | DP_FLOW_F_FIN1);
		f->tcp_state = both ? DP_TCP_CLOSING : DP_TCP_FIN_WAIT;
	}
}

/* The flow had traffic at now_ms: its list by class, its place in the list. */
static inline void
touch(struct dp_flow_table *t, struct dp_flow *f, uint8_t proto, uint32_t now_ms)
{
	f->last_ms = now_ms;

	unsigned c = class_of(f, proto);
	if (c != f->lru_class || now_ms - f->moved_ms >= MOVE_EVERY_MS) {
		lru_unlink(t, f);
		lru_append(t, f, c);
		f->moved_ms = now_ms;
	}
}

void
dp_flow_update(struct dp_flow_table *t, struct dp_flow *f, const struct dp_pkt *pk, unsigned side,
	       uint32_t npkts, uint64_t bytes, uint32_t now_ms)
{
	bool first = f->pkts[0] == 0 && f->pkts[1] == 0;

	if (first) {
		if (pk->proto == DP_PROTO_TCP)
			tcp_first(t, f, pk, side);
		else
			set_initiator(f, guess_initiator(pk, side));
	}
	unsigned dir = dp_flow_dir(f, side);
	f->pkts[dir] += npkts;
	f->bytes[dir] += bytes;
	if (f->pkts[dir ^ 1u] != 0)
		f->flags |= DP_FLOW_F_REPLIED;
	if (!first && pk->proto == DP_PROTO_TCP)
		tcp_next(f, pk, side, dir);
	touch(t, f, pk->proto, now_ms);
}

bool
dp_flow_account(struct dp_flow_table *t, struct dp_flow *f, uint8_t proto, const uint32_t pkts[2],
		const uint64_t bytes[2], uint8_t tcp_flags, uint32_t now_ms)
{
	/* What tcp_next would act on; a flow's first packet picks its initiator. */
	if (proto == DP_PROTO_TCP &&
	    ((tcp_flags & (DP_TCP_FIN | DP_TCP_RST)) || f->tcp_state == DP_TCP_SYN_SENT ||
	     f->tcp_state == DP_TCP_SYN_RECV))
		return false;
	if (f->pkts[0] == 0 && f->pkts[1] == 0)
		return false;
	unsigned init = (f->flags & DP_FLOW_F_INIT1) ? 1u : 0u; /* side s travels in s ^ init */
	f->pkts[init] += pkts[0];
	f->bytes[init] += bytes[0];
	f->pkts[init ^ 1u] += pkts[1];
	f->bytes[init ^ 1u] += bytes[1];
	/* packet by packet, a frame sets REPLIED when the other direction has sent: after a
	 * run, exactly when both directions have */
	if (f->pkts[0] != 0 && f->pkts[1] != 0)
		f->flags |= DP_FLOW_F_REPLIED;
	touch(t, f, proto, now_ms);
	return true;
}

unsigned
dp_flow_age(struct dp_flow_table *t, uint32_t now_ms, unsigned budget)
{
	unsigned n = 0;

	for (unsigned c = 0; c < DP_CLASS__COUNT && n < budget; c++) {
		while (n < budget && t->head[c]) {
			struct dp_flow *f = &t->hot.flows[t->head[c] - 1];
			if ((int32_t)(now_ms - f->last_ms) < 0 || now_ms - f->last_ms < t->to.ms[c])
				break;
			t->cnt.timeouts++;
			end_flow(t, f, DP_FLOW_END_TIMEOUT);
			n++;
		}
	}
	return n;
}

void
dp_flow_flush(struct dp_flow_table *t)
{
	for (unsigned c = 0; c < DP_CLASS__COUNT; c++)
		while (t->head[c])
			end_flow(t, &t->hot.flows[t->head[c] - 1], DP_FLOW_END_SHUTDOWN);
}

const struct dp_flow_counters *
dp_flow_counters(const struct dp_flow_table *t)
{
	return &t->cnt;
}

uint32_t
dp_flow_capacity(const struct dp_flow_table *t)
{
	return t->capacity;
}

uint32_t
dp_flow_slots(uint32_t capacity)
{
	return capacity;
}

const char *
dp_flow_state_name(const struct dp_flow *f)
{
	switch (f->tcp_state) {
	case DP_TCP_NONE: return (f->flags & DP_FLOW_F_REPLIED) ? "established" : "new";
	case DP_TCP_SYN_SENT:
	case DP_TCP_SYN_RECV: return "new";
	case DP_TCP_ESTABLISHED:
	case DP_TCP_FIN_WAIT: return "established";
	default: return "closed";
	}
}
