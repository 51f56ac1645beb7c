/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for dataplane/stream.c: one direction of a TCP stream against a
 * reference model.
 *
 * Input:
 *   0..3   ISN (big endian; near 2^32 exercises wrap-around)
 *   4      pool chunks: 1 + b % 64
 *   5      window: 64 * (1 + b) bytes
 *   6..7   depth: 1 + u16 % 32768 bytes
 *   8      bit 0: retain delivered bytes until acknowledged
 *          bit 1: midstream pickup (the direction is not started; the first segment does)
 *          bit 2: full_drop (stream.on_full = "drop": segments that do not fit are refused)
 *   then records, each op (1 byte), offset (2 bytes, signed, relative to the ISN),
 *   length (1 byte; times 4 for ops 0-3 with bit 7 set: segments that span chunks), and
 *   for op 4 the segment's bytes:
 *     op & 7 = 0, 1  segment of the canonical stream bytes
 *              2     the same with one byte flipped (at (op >> 3) % length)
 *              3     segment of different bytes (the canonical ones inverted)
 *              4     segment of literal bytes taken from the input
 *              5     ACK of offset (the receiver acknowledged everything before it)
 *              6     FIN at offset
 *              7     release (the caller decided); a later segment must be ignored
 *   At the end the direction is released and the pool must be whole.
 *
 * The model knows, per stream offset, the byte the direction holds out of order (accepted
 * first, never replaced) and the byte it delivered. It checks after every call: delivery is
 * in order, exactly once, maximal (every held byte contiguous with next is delivered, up to
 * depth) and equals the held or accepted bytes; the result (NEW, OLD, CONFLICT, IGNORED)
 * is the one the contract implies; a conflict is reported only when the segment disagrees
 * with a byte held out of order or delivered-and-retained (retention stops when the pool
 * runs out, seen as the nomem counter rising); no disagreement with a byte that is
 * certainly still retained (delivered at or after the last ACK) passes; the
 * direction's fields and the pool accounting agree with the model; an ended direction
 * holds no chunk.
 *
 * A conflict never rests on bytes the receiver already acknowledged, even inside a partly
 * acknowledged chunk (a bug this target found, fixed).
 *
 * A direction also ends on a segment when a hole has everything the window allows held
 * behind it (DP_STREAM_END_GAP, the hole reported as a gap): the model predicts that too.
 *
 * With full_drop, a segment starting past next that reaches past the window (when the
 * window, not the depth, is the limit) must be refused (DP_STREAM_FULL) and change
 * nothing; one the pool has no room for may be refused only if it starts past next, adds
 * bytes, agrees with what is held and has fewer free chunks than new bytes; the direction
 * is never given up for want of memory (a segment at next fills the hole in place).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../dataplane/stream.h"
#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stream offsets relative to the ISN: segments start in [-32768, 32767] and are at most
 * 1020 bytes long, so every byte that can be held or delivered is in [LO, HI). */
#define LO        (-32768)
#define HI        (32768 + 1024)
#define SPAN      (HI - LO)
#define IX(x)     ((x)-LO)

#define NO_RETAIN INT32_MAX

static struct {
	uint8_t held_f[SPAN]; /* held out of order (offset >= nxt) */
	uint8_t held_v[SPAN];
	uint8_t dlv_f[SPAN]; /* delivered */
	uint8_t dlv_v[SPAN];
	uint8_t cb_data[SPAN]; /* what the deliver callback saw during one call */
} m;

struct model {
	uint32_t isn;
	bool init;   /* the direction has a next_seq */
	bool active; /* still inspected */
	int32_t nxt; /* next offset to deliver */
	uint32_t delivered;
	int32_t retain_lo; /* delivered bytes at or after this may still be retained */
	int32_t ack_hi;    /* highest ACK seen */
	uint32_t window, depth;
	bool retain;
	bool full_drop;
	/* what the deliver callback saw during one call */
	int32_t cb_pos;
	uint32_t cb_bytes;
	uint32_t cb_gap;
	unsigned cb_calls;
};

static struct model md;

static void
sink(void *ctx, const uint8_t *d, uint32_t len)
{
	struct model *s = ctx;
	CHECK(s == &md);
	CHECK(s->active);
	CHECK(len > 0);
	s->cb_calls++;
	if (d == NULL) {
		/* a gap is reported once, by an ACK, and ends the direction */
		CHECK(s->cb_gap == 0 && s->cb_bytes == 0);
		s->cb_gap = len;
		return;
	}
	CHECK(s->cb_gap == 0);
	CHECK(s->cb_bytes + len <= sizeof(m.cb_data));
	memcpy(m.cb_data + s->cb_bytes, d, len);
	s->cb_bytes += len;
}

static void
cb_reset(void)
{
	md.cb_bytes = md.cb_gap = md.cb_calls = 0;
}

static uint8_t
canon(int32_t x)
{
	uint32_t u = (uint32_t)x * 2654435761u;
	return (uint8_t)(u >> 24 ^ u >> 11);
}

static void
check_pool(const struct dp_stream_pool *p, const struct dp_stream_dir *d)
{
	CHECK(p->nfree <= p->nchunks);
	CHECK(p->nfree + d->chunks == p->nchunks);
	CHECK(p->cnt.chunks_in_use == d->chunks);
	CHECK((d->end == DP_STREAM_ACTIVE) == md.active);
	if (!md.active) {
		CHECK(d->chunks == 0);
		CHECK(p->nfree == p->nchunks);
		CHECK(d->ret_head == 0 && d->ooo_head == 0);
	}
	if (md.init) {
		CHECK(d->flags & DP_STREAM_F_INIT);
		CHECK(d->next_seq == md.isn + (uint32_t)md.nxt);
		CHECK(d->delivered == md.delivered);
	}
	CHECK(md.delivered <= md.depth);
}

/* Per-byte loops of the model: not instrumented for coverage (their comparisons tell the
 * fuzzer nothing about the code under test, and cost most of the time). */
#define NOCOV __attribute__((no_sanitize("coverage"), noinline))

/* Move the held bytes contiguous with nxt to delivered (up to depth), checking they are
 * what the callback saw. */
static NOCOV void
expect_delivery(struct dp_stream_pool *p, struct dp_stream_dir *d)
{
	uint32_t k = 0;
	while (md.delivered + k < md.depth && md.nxt + (int32_t)k < HI &&
	       m.held_f[IX(md.nxt + (int32_t)k)])
		k++;
	CHECK(md.cb_gap == 0);
	CHECK(md.cb_bytes == k);
	for (uint32_t i = 0; i < k; i++) {
		int32_t x = md.nxt + (int32_t)i;
		CHECK(!m.dlv_f[IX(x)]);
		CHECK(m.cb_data[i] == m.held_v[IX(x)]);
		m.dlv_f[IX(x)] = 1;
		m.dlv_v[IX(x)] = m.held_v[IX(x)];
		m.held_f[IX(x)] = 0;
	}
	md.nxt += (int32_t)k;
	md.delivered += k;
	if (md.delivered >= md.depth) {
		CHECK(d->end == DP_STREAM_END_DEPTH);
		md.active = false;
	}
	(void)p;
}

/* The model's view of a segment before the call. */
struct predict {
	bool before_possible; /* disagrees with a delivered byte that may still be retained */
	bool before_certain;  /* ... with one certainly retained (after retention last gave up,
			       * not acknowledged) */
	bool held_differs;    /* ... with a byte held out of order */
	uint32_t newbytes;    /* bytes in [s, e) not held yet */
	bool window_full;     /* past the window while its last byte is held behind a hole */
	int32_t hole;         /* that hole's size */
};

static NOCOV void
predict(struct predict *pr, int32_t off, const uint8_t *v, uint32_t len, int32_t s, int32_t e,
	uint32_t limit)
{
	int32_t certain_lo = md.retain_lo > md.ack_hi ? md.retain_lo : md.ack_hi;

	memset(pr, 0, sizeof(*pr));
	for (uint32_t i = 0; i < len; i++) {
		int32_t x = off + (int32_t)i;
		if (x < md.nxt) {
			if (!m.dlv_f[IX(x)] || m.dlv_v[IX(x)] == v[i] || x < md.retain_lo)
				continue;
			pr->before_possible = true;
			if (x >= certain_lo)
				pr->before_certain = true;
		} else if (m.held_f[IX(x)] && m.held_v[IX(x)] != v[i]) {
			pr->held_differs = true;
		}
	}
	for (int32_t x = s; x < e; x++)
		pr->newbytes += !m.held_f[IX(x)];
	/* The direction gives up (a gap of the hole's size) on a segment past the window when
	 * the window's last byte is held behind a hole. */
	int64_t wend = (int64_t)md.nxt + limit;
	if (len > 0 && (int64_t)off + len > wend && limit > 0 && wend - 1 < HI &&
	    m.held_f[IX(wend - 1)]) {
		pr->window_full = true;
		while (!m.held_f[IX(md.nxt + pr->hole)])
			pr->hole++;
	}
}

/* Accepted: the bytes of [s, e) not held yet are held now (first wins). */
static NOCOV void
hold(int32_t off, const uint8_t *v, int32_t s, int32_t e)
{
	for (int32_t x = s; x < e; x++) {
		if (!m.held_f[IX(x)]) {
			m.held_f[IX(x)] = 1;
			m.held_v[IX(x)] = v[x - off];
		}
	}
}

static NOCOV void
fill_canon(uint8_t *seg, int32_t off, uint32_t len, uint8_t inv)
{
	for (uint32_t k = 0; k < len; k++)
		seg[k] = canon(off + (int32_t)k) ^ inv;
}

static void
segment(struct dp_stream_pool *p, struct dp_stream_dir *d, int32_t off, const uint8_t *v,
	uint32_t len)
{
	uint8_t *copy = malloc(len > 0 ? len : 1); /* exact size: over-reads are reported */
	CHECK(copy != NULL);
	memcpy(copy, v, len);

	bool was_active = md.active;
	uint64_t nomem0 = p->cnt.nomem, full0 = p->cnt.full;
	uint32_t nfree0 = p->nfree;
	if (was_active && !md.init) {
		/* midstream pickup: the first segment starts the direction */
		md.init = true;
		md.nxt = md.retain_lo = md.ack_hi = off;
		if (!md.retain)
			md.retain_lo = NO_RETAIN;
	}

	/* What the model says about the segment before the call. */
	uint32_t limit = md.window < md.depth - md.delivered ? md.window : md.depth - md.delivered;
	int32_t s = off > md.nxt ? off : md.nxt;
	int64_t e64 = (int64_t)off + len;
	if (e64 > (int64_t)md.nxt + limit)
		e64 = (int64_t)md.nxt + limit;
	int32_t e = (int32_t)e64;
	struct predict pr;
	memset(&pr, 0, sizeof(pr));
	if (was_active)
		predict(&pr, off, copy, len, s, e, limit);
	bool before_possible = pr.before_possible, before_certain = pr.before_certain;
	bool held_differs = pr.held_differs, window_full = pr.window_full;
	bool by_window = md.window < md.depth - md.delivered;
	bool refuse_window = was_active && md.full_drop && by_window && len > 0 && off > md.nxt &&
			     (int64_t)off + len > (int64_t)md.nxt + limit;
	if (refuse_window)
		window_full = false; /* refused before the window is looked at */
	uint32_t newbytes = pr.newbytes;
	int32_t hole = pr.hole;
	bool differs_possible = before_possible || held_differs;
	bool differs_certain = before_certain || held_differs;

	cb_reset();
	enum dp_stream_res r =
		dp_stream_segment(p, d, md.isn + (uint32_t)off, copy, len, sink, &md);
	free(copy);

	if (!was_active) {
		CHECK(r == DP_STREAM_IGNORED);
		CHECK(md.cb_calls == 0);
		check_pool(p, d);
		return;
	}
	if (len == 0) {
		CHECK(r == DP_STREAM_OLD);
		CHECK(md.cb_calls == 0);
		check_pool(p, d);
		return;
	}
	if (window_full)
		CHECK(r == DP_STREAM_CONFLICT ||
		      (r == DP_STREAM_IGNORED && d->end == DP_STREAM_END_GAP));
	if (refuse_window)
		CHECK(r == DP_STREAM_FULL);
	if (r != DP_STREAM_FULL)
		CHECK(p->cnt.full == full0);
	switch (r) {
	case DP_STREAM_FULL:
		CHECK(md.full_drop && off > md.nxt);
		CHECK(p->cnt.full == full0 + 1 && p->cnt.nomem == nomem0);
		CHECK(md.cb_calls == 0);
		CHECK(p->nfree == nfree0);
		if (!refuse_window) { /* no room in the pool */
			CHECK(!differs_certain);
			CHECK(newbytes > 0 && nfree0 < newbytes);
		}
		break;
	case DP_STREAM_CONFLICT:
		/* (past a full window only the delivered bytes are compared) */
		CHECK(window_full ? before_possible : differs_possible);
		CHECK(window_full ? before_certain : differs_certain);
		CHECK(md.cb_calls == 0);
		break;
	case DP_STREAM_IGNORED:
		CHECK(!before_certain);
		if (d->end == DP_STREAM_END_GAP) {
			CHECK(window_full);
			CHECK(md.cb_calls == 1 && md.cb_gap == (uint32_t)hole);
		} else {
			/* the pool ran out */
			CHECK(!md.full_drop);
			CHECK(!differs_certain);
			CHECK(newbytes > 0);
			CHECK(p->cnt.nomem == nomem0 + 1);
			CHECK(d->end == DP_STREAM_END_NOMEM);
			CHECK(md.cb_calls == 0);
		}
		md.active = false;
		break;
	case DP_STREAM_OLD:
		CHECK(!differs_certain);
		CHECK(newbytes == 0);
		CHECK(md.cb_calls == 0);
		break;
	case DP_STREAM_NEW:
		CHECK(!differs_certain);
		CHECK(newbytes > 0);
		hold(off, v, s, e);
		expect_delivery(p, d);
		if (md.active && p->cnt.nomem != nomem0) {
			/* retention gave up: delivered bytes are no longer compared */
			CHECK(md.retain);
			md.retain_lo = md.nxt;
		}
		break;
	default: CHECK(0);
	}
	check_pool(p, d);
}

static void
ack(struct dp_stream_pool *p, struct dp_stream_dir *d, int32_t off)
{
	bool apply = md.active && md.init;
	cb_reset();
	dp_stream_ack(p, d, md.isn + (uint32_t)off, sink, &md);
	if (!apply) {
		CHECK(md.cb_calls == 0);
		check_pool(p, d);
		return;
	}
	if (off > md.ack_hi)
		md.ack_hi = off;
	if (off > md.nxt) {
		CHECK(md.cb_calls == 1 && md.cb_gap == (uint32_t)(off - md.nxt));
		CHECK(d->end == DP_STREAM_END_GAP);
		md.active = false;
	} else {
		CHECK(md.cb_calls == 0);
	}
	check_pool(p, d);
}

static void
fin(struct dp_stream_pool *p, struct dp_stream_dir *d, int32_t off)
{
	dp_stream_fin(p, d, md.isn + (uint32_t)off);
	if (md.active && md.init && off == md.nxt) {
		CHECK(d->end == DP_STREAM_END_FIN);
		md.active = false;
	}
	check_pool(p, d);
}

static void
release(struct dp_stream_pool *p, struct dp_stream_dir *d)
{
	uint8_t end = d->end;
	dp_stream_release(p, d, DP_STREAM_END_RELEASED);
	CHECK(d->end == (end == DP_STREAM_ACTIVE ? DP_STREAM_END_RELEASED : end));
	md.active = false;
	check_pool(p, d);
	CHECK(p->nfree == p->nchunks);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 9)
		return 0;

	uint32_t nchunks = 1 + data[4] % 64;
	uint32_t window = 64u * (1u + data[5]);
	uint32_t depth = 1u + (uint32_t)(data[6] << 8 | data[7]) % 32768u;
	bool retain = data[8] & 1, midstream = data[8] & 2, full_drop = data[8] & 4;

	memset(m.held_f, 0, sizeof(m.held_f)); /* values are only read where a flag is set */
	memset(m.dlv_f, 0, sizeof(m.dlv_f));
	memset(&md, 0, sizeof(md));
	md.isn = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 |
		 data[3];
	md.window = window;
	md.depth = depth;
	md.retain = retain;
	md.full_drop = full_drop;
	md.active = true;
	md.retain_lo = retain ? 0 : NO_RETAIN;

	void *mem = malloc(dp_stream_pool_bytes(nchunks));
	CHECK(mem != NULL);
	struct dp_stream_pool pool;
	struct dp_stream_dir dir;
	dp_stream_pool_init(&pool, mem, nchunks, window, depth, retain);
	pool.full_drop = full_drop;
	CHECK(pool.nfree == nchunks);
	if (midstream) {
		memset(&dir, 0, sizeof(dir));
	} else {
		dp_stream_start(&dir, md.isn);
		md.init = true;
	}
	check_pool(&pool, &dir);

	size_t i = 9;
	while (i + 4 <= size) {
		uint8_t op = data[i];
		int32_t off = (int16_t)(uint16_t)(data[i + 1] << 8 | data[i + 2]);
		uint32_t len = data[i + 3];
		uint8_t seg[1024];
		i += 4;
		switch (op & 7) {
		case 0:
		case 1:
		case 2:
		case 3:
			if (op & 0x80)
				len *= 4;
			fill_canon(seg, off, len, (op & 7) == 3 ? 0xff : 0);
			if ((op & 7) == 2 && len > 0)
				seg[(op >> 3) % len] ^= 0x20;
			segment(&pool, &dir, off, seg, len);
			break;
		case 4:
			if (len > size - i)
				len = (uint32_t)(size - i);
			memcpy(seg, data + i, len);
			i += len;
			segment(&pool, &dir, off, seg, len);
			break;
		case 5: ack(&pool, &dir, off); break;
		case 6: fin(&pool, &dir, off); break;
		case 7: release(&pool, &dir); break;
		}
	}
	release(&pool, &dir);
	CHECK(pool.cnt.chunks_in_use == 0);
	free(mem);
	return 0;
}
