/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP reassembly per direction.
 *
 * How: a direction holds two chunk lists. The out-of-order list keeps disjoint runs of
 * bytes beyond next_seq, sorted by sequence number; a segment is first checked against
 * every byte we hold that it overlaps (memcmp), and only if all agree are its new bytes
 * (the gaps between held runs) copied into fresh chunks. Runs that become contiguous with
 * next_seq are delivered and then either freed or, with retention, moved (not copied) to
 * the retained list, which covers [base_seq, next_seq) until the receiver's ACK passes
 * them. The common case, an in-order segment with nothing held, is delivered straight from
 * the packet (one copy into the retained list when retention is on, none otherwise).
 *
 * Why our own and not a library: DPDK has no TCP reassembly, and the normalisation
 * contract (first wins, conflicting overlaps dropped, bounded chunk pool with accounting)
 * is the point of this module.
 *
 * Costs: O(chunks held) per out-of-order segment; zero allocations on the fast path.
 */
#include "stream.h"

#include <string.h>

static inline int32_t
sdiff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

#define SEQ_LT(a, b)  (sdiff((a), (b)) < 0)
#define SEQ_LEQ(a, b) (sdiff((a), (b)) <= 0)
#define SEQ_GT(a, b)  (sdiff((a), (b)) > 0)

static inline struct dp_chunk *
C(const struct dp_stream_pool *p, uint32_t i)
{
	return &p->chunks[i];
}

uint64_t
dp_stream_pool_bytes(uint32_t nchunks)
{
	return (uint64_t)(nchunks + 1) * sizeof(struct dp_chunk);
}

void
dp_stream_pool_init(struct dp_stream_pool *p, void *mem, uint32_t nchunks, uint32_t window,
		    uint32_t depth, bool retain)
{
	memset(p, 0, sizeof(*p));
	p->chunks = mem;
	p->nchunks = nchunks;
	p->window = window;
	p->depth = depth;
	p->retain = retain;
	/* chunk 0 is the "none" index; 1..nchunks are free */
	for (uint32_t i = 1; i <= nchunks; i++)
		p->chunks[i].next = i < nchunks ? i + 1 : 0;
	p->free_head = nchunks > 0 ? 1 : 0;
	p->nfree = nchunks;
}

static uint32_t
chunk_get(struct dp_stream_pool *p, struct dp_stream_dir *d)
{
	uint32_t i = p->free_head;
	if (i == 0)
		return 0;
	p->free_head = C(p, i)->next;
	p->nfree--;
	d->chunks++;
	p->cnt.chunks_in_use++;
	if (p->cnt.chunks_in_use > p->cnt.chunks_hwm)
		p->cnt.chunks_hwm = p->cnt.chunks_in_use;
	return i;
}

static void
chunk_put(struct dp_stream_pool *p, struct dp_stream_dir *d, uint32_t i)
{
	C(p, i)->next = p->free_head;
	p->free_head = i;
	p->nfree++;
	d->chunks--;
	p->cnt.chunks_in_use--;
}

static void
free_list(struct dp_stream_pool *p, struct dp_stream_dir *d, uint32_t head)
{
	while (head != 0) {
		uint32_t next = C(p, head)->next;
		chunk_put(p, d, head);
		head = next;
	}
}

void
dp_stream_release(struct dp_stream_pool *p, struct dp_stream_dir *d, enum dp_stream_end why)
{
	free_list(p, d, d->ret_head);
	free_list(p, d, d->ooo_head);
	d->ret_head = d->ret_tail = d->ooo_head = d->ooo_tail = 0;
	d->ooo_finger = d->ret_finger = 0;
	d->base_seq = d->next_seq;
	if (d->end == DP_STREAM_ACTIVE)
		d->end = (uint8_t)why;
}

void
dp_stream_start(struct dp_stream_dir *d, uint32_t first_seq)
{
	memset(d, 0, sizeof(*d));
	d->next_seq = d->base_seq = first_seq;
	d->flags = DP_STREAM_F_INIT;
}

/*
 * Where to start walking a sorted chunk list for a segment at seq: after the finger when
 * the finger's chunk ends at or before seq (segments mostly come in order, so the walk
 * is short even for a long list), else at the head. *prev is the chunk before the start.
 */
static uint32_t
walk_start(const struct dp_stream_pool *p, uint32_t head, uint32_t finger, uint32_t seq,
	   uint32_t *prev)
{
	if (finger != 0 && SEQ_LEQ(C(p, finger)->seq + C(p, finger)->len, seq)) {
		*prev = finger;
		return C(p, finger)->next;
	}
	*prev = 0;
	return head;
}

/*
 * Compare [seq, seq+len) of the packet with the bytes of a chunk list where they overlap.
 * Returns -1 on a difference, 1 if some bytes were compared and agreed, 0 if no overlap.
 * *finger moves to the last chunk that ends at or before seq.
 */
static int
compare_list(const struct dp_stream_pool *p, uint32_t head, uint32_t *finger, uint32_t seq,
	     const uint8_t *data, uint32_t len)
{
	uint32_t end = seq + len, prev;
	int seen = 0;

	for (uint32_t i = walk_start(p, head, *finger, seq, &prev); i != 0; i = C(p, i)->next) {
		const struct dp_chunk *c = C(p, i);
		uint32_t cend = c->seq + c->len;
		if (SEQ_LEQ(cend, seq)) {
			prev = i;
			continue;
		}
		if (!SEQ_LT(c->seq, end))
			break;
		uint32_t a = SEQ_LT(c->seq, seq) ? seq : c->seq;
		uint32_t b = SEQ_LT(cend, end) ? cend : end;
		if (memcmp(c->data + (a - c->seq), data + (a - seq), b - a) != 0)
			return -1;
		seen = 1;
	}
	*finger = prev;
	return seen;
}

/* Deliver len in-order bytes (capped at depth). Returns how many were delivered. */
static uint32_t
deliver_run(struct dp_stream_pool *p, struct dp_stream_dir *d, const uint8_t *data, uint32_t len,
	    dp_stream_deliver_fn deliver, void *ctx)
{
	uint32_t room = p->depth - d->delivered;
	uint32_t n = len < room ? len : room;

	if (n > 0) {
		deliver(ctx, data, n);
		d->delivered += n;
		d->next_seq += n;
		p->cnt.bytes_delivered += n;
	}
	if (d->delivered >= p->depth && d->end == DP_STREAM_ACTIVE) {
		d->end = DP_STREAM_END_DEPTH;
		p->cnt.depth_reached++;
	}
	return n;
}

/* Give up retention for this direction (pool empty): verification of delivered bytes stops,
 * inspection goes on. */
static void
drop_retained(struct dp_stream_pool *p, struct dp_stream_dir *d)
{
	free_list(p, d, d->ret_head);
	d->ret_head = d->ret_tail = d->ret_finger = 0;
	d->base_seq = d->next_seq;
}

static void
retain_chunk(struct dp_stream_dir *d, struct dp_stream_pool *p, uint32_t i)
{
	C(p, i)->next = 0;
	if (d->ret_tail != 0)
		C(p, d->ret_tail)->next = i;
	else
		d->ret_head = i;
	d->ret_tail = i;
}

/* Copy delivered bytes [seq, seq+len) to the end of the retained list. */
static void
retain_copy(struct dp_stream_pool *p, struct dp_stream_dir *d, uint32_t seq, const uint8_t *data,
	    uint32_t len)
{
	if (d->ret_tail != 0) {
		struct dp_chunk *t = C(p, d->ret_tail);
		if (t->seq + t->len == seq && t->len < DP_CHUNK_DATA) {
			uint32_t n = DP_CHUNK_DATA - t->len;
			if (n > len)
				n = len;
			memcpy(t->data + t->len, data, n);
			t->len = (uint16_t)(t->len + n);
			seq += n;
			data += n;
			len -= n;
		}
	}
	while (len > 0) {
		uint32_t i = chunk_get(p, d);
		if (i == 0) {
			p->cnt.nomem++;
			drop_retained(p, d);
			return;
		}
		struct dp_chunk *c = C(p, i);
		uint32_t n = len < DP_CHUNK_DATA ? len : DP_CHUNK_DATA;
		c->seq = seq;
		c->len = (uint16_t)n;
		memcpy(c->data, data, n);
		retain_chunk(d, p, i);
		seq += n;
		data += n;
		len -= n;
	}
}

/*
 * Walk the gaps that [seq, seq+len) leaves between held out-of-order runs. With insert,
 * copy them into new chunks; either way return how many chunks that takes.
 */
static uint32_t
fill_gaps(struct dp_stream_pool *p, struct dp_stream_dir *d, uint32_t seq, const uint8_t *data,
	  uint32_t len, bool insert)
{
	uint32_t pos = seq, end = seq + len, prev, need = 0;
	uint32_t cur = walk_start(p, d->ooo_head, d->ooo_finger, seq, &prev);

	while (SEQ_LT(pos, end)) {
		while (cur != 0 && SEQ_LEQ(C(p, cur)->seq + C(p, cur)->len, pos)) {
			prev = cur;
			cur = C(p, cur)->next;
		}
		uint32_t gap_end;
		if (cur == 0 || !SEQ_LT(C(p, cur)->seq, end)) {
			gap_end = end;
		} else if (SEQ_LT(pos, C(p, cur)->seq)) {
			gap_end = C(p, cur)->seq;
		} else {
			pos = C(p, cur)->seq + C(p, cur)->len; /* held already (and verified) */
			continue;
		}
		while (pos != gap_end) {
			uint32_t n = gap_end - pos;
			if (n > DP_CHUNK_DATA)
				n = DP_CHUNK_DATA;
			need++;
			if (insert) {
				uint32_t i = chunk_get(p, d);
				struct dp_chunk *c = C(p, i);
				c->seq = pos;
				c->len = (uint16_t)n;
				memcpy(c->data, data + (pos - seq), n);
				c->next = cur;
				if (prev != 0)
					C(p, prev)->next = i;
				else
					d->ooo_head = i;
				if (cur == 0)
					d->ooo_tail = i;
				prev = i;
			}
			pos += n;
		}
	}
	return need;
}

/* Deliver held runs that now continue next_seq. */
static void
drain(struct dp_stream_pool *p, struct dp_stream_dir *d, dp_stream_deliver_fn deliver, void *ctx)
{
	while (d->ooo_head != 0 && d->end == DP_STREAM_ACTIVE &&
	       C(p, d->ooo_head)->seq == d->next_seq) {
		uint32_t i = d->ooo_head;
		struct dp_chunk *c = C(p, i);
		d->ooo_head = c->next;
		if (d->ooo_head == 0)
			d->ooo_tail = 0;
		if (d->ooo_finger == i)
			d->ooo_finger = 0;
		uint32_t n = deliver_run(p, d, c->data, c->len, deliver, ctx);
		if (p->retain && d->end == DP_STREAM_ACTIVE && n == c->len)
			retain_chunk(d, p, i);
		else
			chunk_put(p, d, i);
	}
}

/*
 * The pool cannot hold a segment's new bytes: refuse the segment (full_drop: the caller
 * drops it, the sender sends it again) or give the direction up.
 */
static enum dp_stream_res
no_room(struct dp_stream_pool *p, struct dp_stream_dir *d)
{
	if (p->full_drop) {
		p->cnt.full++;
		return DP_STREAM_FULL;
	}
	p->cnt.nomem++;
	dp_stream_release(p, d, DP_STREAM_END_NOMEM);
	return DP_STREAM_IGNORED;
}

/*
 * A segment at next_seq, its overlaps with held bytes already found equal, when the pool
 * has no room to copy it in (full_drop): what the held chunks lack is delivered straight
 * from the packet and the held chunks drain behind it, so it needs no chunk (but to retain
 * what it delivered: if none is free, retention gives up as anywhere).
 */
static enum dp_stream_res
fill_in_place(struct dp_stream_pool *p, struct dp_stream_dir *d, uint32_t seq, const uint8_t *data,
	      uint32_t len, dp_stream_deliver_fn deliver, void *ctx)
{
	uint32_t end = seq + len;
	uint64_t nomem0 = p->cnt.nomem;

	while (d->end == DP_STREAM_ACTIVE && SEQ_LT(d->next_seq, end)) {
		uint32_t at = d->next_seq, upto = end;
		if (d->ooo_head != 0 && SEQ_LT(C(p, d->ooo_head)->seq, upto))
			upto = C(p, d->ooo_head)->seq;
		uint32_t n = deliver_run(p, d, data + (at - seq), upto - at, deliver, ctx);
		if (p->retain && d->end == DP_STREAM_ACTIVE)
			retain_copy(p, d, at, data + (at - seq), n);
		drain(p, d, deliver, ctx);
		if (d->next_seq == at)
			break;
	}
	/* retention gave up on the way: it starts again after this segment, as it would had the
	 * segment been retained in one copy (what was retained since is let go) */
	if (p->cnt.nomem != nomem0 && d->end == DP_STREAM_ACTIVE)
		drop_retained(p, d);
	if (d->end != DP_STREAM_ACTIVE)
		dp_stream_release(p, d, (enum dp_stream_end)d->end);
	return DP_STREAM_NEW;
}

enum dp_stream_res
dp_stream_segment(struct dp_stream_pool *p, struct dp_stream_dir *d, uint32_t seq,
		  const uint8_t *data, uint32_t len, dp_stream_deliver_fn deliver, void *ctx)
{
	if (d->end != DP_STREAM_ACTIVE)
		return DP_STREAM_IGNORED;
	if (!(d->flags & DP_STREAM_F_INIT))
		dp_stream_start(d, seq); /* midstream pickup */
	if (len == 0)
		return DP_STREAM_OLD;

	uint32_t next = d->next_seq, end = seq + len;

	/* Bytes before next_seq were delivered: they must agree with what we still hold. */
	if (SEQ_LT(seq, next)) {
		/* Bytes below base_seq were acknowledged: no copy of them can matter now. */
		uint32_t upto = SEQ_LT(end, next) ? end : next;
		uint32_t from = SEQ_LT(seq, d->base_seq) ? d->base_seq : seq;
		int c = SEQ_LT(from, upto) ? compare_list(p, d->ret_head, &d->ret_finger, from,
							  data + (from - seq), upto - from)
					   : 0;
		if (c < 0) {
			p->cnt.overlaps_conflict++;
			return DP_STREAM_CONFLICT;
		}
		if (!SEQ_LT(next, end)) {
			if (c > 0)
				p->cnt.overlaps_same++;
			return DP_STREAM_OLD;
		}
		if (c > 0)
			p->cnt.overlaps_same++;
		data += next - seq;
		len = end - next;
		seq = next;
	}

	/* Hold at most window bytes beyond next_seq, and never more than depth allows. */
	uint32_t limit = p->depth - d->delivered;
	bool by_window = p->window < limit;
	if (by_window)
		limit = p->window;
	if ((uint32_t)sdiff(end, next) > limit) {
		if (p->full_drop && by_window && seq != next) {
			/* refused whole: the sender sends it again once the hole is filled */
			p->cnt.full++;
			return DP_STREAM_FULL;
		}
		p->cnt.beyond_window++;
		if (d->ooo_tail != 0 &&
		    (uint32_t)sdiff(C(p, d->ooo_tail)->seq + C(p, d->ooo_tail)->len, next) >=
			    limit) {
			/* A hole with everything the window (or what depth still allows) can hold
			 * waiting behind it: the sender has moved on, the hole will not be
			 * inspected in time. Give the direction up rather than hold on. */
			p->cnt.gaps++;
			deliver(ctx, NULL, (uint32_t)sdiff(C(p, d->ooo_head)->seq, next));
			dp_stream_release(p, d, DP_STREAM_END_GAP);
			return DP_STREAM_IGNORED;
		}
		if ((uint32_t)sdiff(seq, next) >= limit)
			return DP_STREAM_OLD;
		len = next + limit - seq;
		end = seq + len;
	}

	if (d->ooo_tail != 0 && !SEQ_LT(seq, C(p, d->ooo_tail)->seq + C(p, d->ooo_tail)->len)) {
		/* Beyond everything held: the usual case after a loss. Append, no walk. */
		uint32_t need = (len + DP_CHUNK_DATA - 1) / DP_CHUNK_DATA;
		if (p->nfree < need)
			return no_room(p, d);
		p->cnt.segments_ooo++;
		while (len > 0) {
			uint32_t i = chunk_get(p, d), n = len < DP_CHUNK_DATA ? len : DP_CHUNK_DATA;
			struct dp_chunk *ch = C(p, i);
			ch->seq = seq;
			ch->len = (uint16_t)n;
			ch->next = 0;
			memcpy(ch->data, data, n);
			C(p, d->ooo_tail)->next = i;
			d->ooo_tail = i;
			seq += n;
			data += n;
			len -= n;
		}
		return DP_STREAM_NEW;
	}

	int c = compare_list(p, d->ooo_head, &d->ooo_finger, seq, data, len);
	if (c < 0) {
		p->cnt.overlaps_conflict++;
		return DP_STREAM_CONFLICT;
	}
	if (c > 0)
		p->cnt.overlaps_same++;

	if (seq == next && d->ooo_head == 0) {
		/* In order with nothing held: the fast path. */
		uint32_t n = deliver_run(p, d, data, len, deliver, ctx);
		if (p->retain && d->end == DP_STREAM_ACTIVE)
			retain_copy(p, d, seq, data, n);
		if (d->end != DP_STREAM_ACTIVE)
			dp_stream_release(p, d, (enum dp_stream_end)d->end);
		return DP_STREAM_NEW;
	}

	uint32_t need = fill_gaps(p, d, seq, data, len, false);
	if (need == 0)
		return DP_STREAM_OLD;
	if (p->nfree < need) {
		if (p->full_drop && seq == next) /* it fills the hole: never refused */
			return fill_in_place(p, d, seq, data, len, deliver, ctx);
		return no_room(p, d);
	}
	if (seq != next)
		p->cnt.segments_ooo++;
	fill_gaps(p, d, seq, data, len, true);
	drain(p, d, deliver, ctx);
	if (d->end != DP_STREAM_ACTIVE)
		dp_stream_release(p, d, (enum dp_stream_end)d->end);
	return DP_STREAM_NEW;
}

void
dp_stream_fin(struct dp_stream_pool *p, struct dp_stream_dir *d, uint32_t seq)
{
	if (d->end == DP_STREAM_ACTIVE && (d->flags & DP_STREAM_F_INIT) && d->next_seq == seq)
		dp_stream_release(p, d, DP_STREAM_END_FIN);
}

void
dp_stream_ack(struct dp_stream_pool *p, struct dp_stream_dir *d, uint32_t ack,
	      dp_stream_deliver_fn deliver, void *ctx)
{
	if (!(d->flags & DP_STREAM_F_INIT) || d->end != DP_STREAM_ACTIVE)
		return;
	while (d->ret_head != 0) {
		struct dp_chunk *c = C(p, d->ret_head);
		if (!SEQ_LEQ(c->seq + c->len, ack))
			break;
		uint32_t next = c->next;
		if (d->ret_finger == d->ret_head)
			d->ret_finger = 0;
		chunk_put(p, d, d->ret_head);
		d->ret_head = next;
	}
	if (d->ret_head == 0)
		d->ret_tail = 0;
	if (SEQ_GT(ack, d->base_seq))
		d->base_seq = SEQ_GT(ack, d->next_seq) ? d->next_seq : ack;
	if (SEQ_GT(ack, d->next_seq)) {
		/* The receiver has bytes we never saw (loss before us, or a path around us).
		 * The stream can no longer be followed: report the gap and stop. */
		p->cnt.gaps++;
		deliver(ctx, NULL, ack - d->next_seq);
		dp_stream_release(p, d, DP_STREAM_END_GAP);
	}
}
