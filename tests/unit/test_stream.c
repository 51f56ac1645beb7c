/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/stream.c: what is delivered is the stream, exactly once, whatever the order;
 * first wins; conflicting overlaps are refused; memory stays within its bounds and comes
 * back.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "../../dataplane/stream.h"

#define NCHUNKS 4096

static struct dp_stream_pool pool;
static void *mem;
static struct dp_stream_dir dir;
static uint8_t out[1 << 20];
static uint32_t outlen, gaps;

static void
sink(void *ctx, const uint8_t *data, uint32_t len)
{
	(void)ctx;
	if (data == NULL) {
		gaps += len;
		return;
	}
	cr_assert_leq(outlen + len, sizeof(out));
	memcpy(out + outlen, data, len);
	outlen += len;
}

static void
make_pool(uint32_t nchunks, uint32_t window, uint32_t depth, bool retain)
{
	free(mem);
	mem = malloc(dp_stream_pool_bytes(nchunks));
	dp_stream_pool_init(&pool, mem, nchunks, window, depth, retain);
	outlen = gaps = 0;
}

static void
setup(void)
{
	make_pool(NCHUNKS, 256 * 1024, 1 << 20, true);
}

static void
teardown(void)
{
	free(mem);
	mem = NULL;
}

static enum dp_stream_res
seg(uint32_t seq, const uint8_t *d, uint32_t len)
{
	return dp_stream_segment(&pool, &dir, seq, d, len, sink, NULL);
}

static void
fill(uint8_t *b, size_t n, unsigned seed)
{
	srand(seed);
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)rand();
}

static void
assert_pool_whole(void)
{
	cr_assert_eq(pool.nfree, pool.nchunks, "%u of %u chunks free", pool.nfree, pool.nchunks);
	cr_assert_eq(pool.cnt.chunks_in_use, 0);
	cr_assert_eq(dir.chunks, 0);
}

TestSuite(stream, .init = setup, .fini = teardown);

Test(stream, in_order)
{
	uint8_t s[5000];
	fill(s, sizeof(s), 1);
	dp_stream_start(&dir, 1000);
	for (uint32_t o = 0; o < sizeof(s); o += 700) {
		uint32_t n = sizeof(s) - o < 700 ? sizeof(s) - o : 700;
		cr_assert_eq(seg(1000 + o, s + o, n), DP_STREAM_NEW);
	}
	cr_assert_eq(outlen, sizeof(s));
	cr_assert(memcmp(out, s, sizeof(s)) == 0);
	cr_assert_eq(pool.cnt.segments_ooo, 0);
	/* retained until acknowledged, then returned */
	cr_assert_gt(dir.chunks, 0);
	dp_stream_ack(&pool, &dir, 1000 + sizeof(s), sink, NULL);
	assert_pool_whole();
}

Test(stream, without_retention_in_order_data_takes_no_memory)
{
	uint8_t s[3000];
	make_pool(NCHUNKS, 65536, 65536, false);
	fill(s, sizeof(s), 2);
	dp_stream_start(&dir, 7);
	cr_assert_eq(seg(7, s, 1000), DP_STREAM_NEW);
	cr_assert_eq(pool.cnt.chunks_hwm, 0);
	cr_assert_eq(seg(1007, s + 1000, 2000), DP_STREAM_NEW);
	cr_assert_eq(pool.cnt.chunks_hwm, 0);
	cr_assert_eq(outlen, 3000);
	cr_assert(memcmp(out, s, 3000) == 0);
}

Test(stream, reversed)
{
	uint8_t s[6000];
	fill(s, sizeof(s), 3);
	dp_stream_start(&dir, 5);
	for (int o = 5400; o >= 0; o -= 600)
		cr_assert_eq(seg(5 + (uint32_t)o, s + o, 600), DP_STREAM_NEW);
	cr_assert_eq(outlen, sizeof(s));
	cr_assert(memcmp(out, s, sizeof(s)) == 0);
	cr_assert_eq(pool.cnt.segments_ooo, 9);
	dp_stream_release(&pool, &dir, DP_STREAM_END_RELEASED);
	assert_pool_whole();
}

/* Property: for random strings cut at random points, sent in random order with random
 * duplicates and overlapping resends of the same bytes, the delivery is the string. */
Test(stream, property_random_segmentation_and_permutation)
{
	static uint8_t s[40000];
	struct piece {
		uint32_t off, len;
	} pieces[400];
	uint64_t ooo = 0, same = 0;

	for (unsigned trial = 0; trial < 300; trial++) {
		make_pool(NCHUNKS, 1 << 20, 1 << 20, trial & 1);
		unsigned seed = 1000 + trial;
		srand(seed);
		uint32_t n = 1 + (uint32_t)rand() % sizeof(s);
		uint32_t isn = (uint32_t)rand() * 2654435761u; /* anywhere, wrap included */
		fill(s, n, seed);
		srand(seed * 7);
		unsigned np = 0;
		for (uint32_t o = 0; o < n && np < 300;) {
			uint32_t l = 1 + (uint32_t)rand() % 1500;
			if (o + l > n)
				l = n - o;
			pieces[np++] = (struct piece){ o, l };
			o += l;
		}
		if (pieces[np - 1].off + pieces[np - 1].len < n)
			pieces[np - 1].len = n - pieces[np - 1].off;
		/* overlapping resends of the same bytes */
		for (unsigned k = 0; k < 40 && np < 400; k++) {
			uint32_t o = (uint32_t)rand() % n;
			uint32_t l = 1 + (uint32_t)rand() % 3000;
			if (o + l > n)
				l = n - o;
			pieces[np++] = (struct piece){ o, l };
		}
		for (unsigned i = np - 1; i > 0; i--) {
			unsigned j = (unsigned)rand() % (i + 1);
			struct piece t = pieces[i];
			pieces[i] = pieces[j];
			pieces[j] = t;
		}
		dp_stream_start(&dir, isn);
		for (unsigned i = 0; i < np; i++) {
			enum dp_stream_res r =
				seg(isn + pieces[i].off, s + pieces[i].off, pieces[i].len);
			cr_assert_neq(r, DP_STREAM_CONFLICT,
				      "trial %u: same bytes reported as conflict", trial);
			cr_assert_neq(r, DP_STREAM_IGNORED, "trial %u", trial);
		}
		cr_assert_eq(outlen, n, "trial %u: delivered %u of %u", trial, outlen, n);
		cr_assert(memcmp(out, s, n) == 0, "trial %u: delivered bytes differ", trial);
		cr_assert_eq(pool.cnt.overlaps_conflict, 0);
		dp_stream_ack(&pool, &dir, isn + n, sink, NULL);
		cr_assert_eq(gaps, 0);
		assert_pool_whole();
		ooo += pool.cnt.segments_ooo;
		same += pool.cnt.overlaps_same;
	}
	cr_assert_gt(ooo, 1000, "the permutations must exercise out-of-order delivery");
	cr_assert_gt(same, 1000, "the resends must exercise overlaps");
}

Test(stream, duplicates_are_old)
{
	uint8_t s[1000];
	fill(s, sizeof(s), 4);
	dp_stream_start(&dir, 100);
	cr_assert_eq(seg(100, s, 1000), DP_STREAM_NEW);
	cr_assert_eq(seg(100, s, 1000), DP_STREAM_OLD);
	cr_assert_eq(seg(300, s + 200, 100), DP_STREAM_OLD);
	cr_assert_eq(outlen, 1000);
	cr_assert_eq(pool.cnt.overlaps_same, 2);
	cr_assert_eq(pool.cnt.overlaps_conflict, 0);
}

Test(stream, overlap_with_delivered_bytes_that_differ_is_refused)
{
	uint8_t s[1000], evil[400];
	fill(s, sizeof(s), 5);
	memcpy(evil, s + 500, sizeof(evil));
	evil[150] ^= 0xff;
	dp_stream_start(&dir, 0);
	cr_assert_eq(seg(0, s, 1000), DP_STREAM_NEW);
	/* old bytes, not yet acknowledged: the receiver could still take the other copy */
	cr_assert_eq(seg(500, evil, 400), DP_STREAM_CONFLICT);
	cr_assert_eq(pool.cnt.overlaps_conflict, 1);
	/* a segment partly old (different) and partly new is refused whole */
	uint8_t mixed[600];
	memcpy(mixed, s + 900, 100);
	mixed[10] ^= 1;
	fill(mixed + 100, 500, 6);
	cr_assert_eq(seg(900, mixed, 600), DP_STREAM_CONFLICT);
	cr_assert_eq(outlen, 1000, "nothing of a refused segment is delivered");
	cr_assert(memcmp(out, s, 1000) == 0, "delivered bytes never change");
	/* once acknowledged, a different copy cannot reach the receiver: harmless */
	dp_stream_ack(&pool, &dir, 1000, sink, NULL);
	cr_assert_eq(seg(500, evil, 400), DP_STREAM_OLD);
}

Test(stream, overlap_with_held_bytes_first_wins)
{
	uint8_t s[3000], other[1000];
	fill(s, sizeof(s), 7);
	dp_stream_start(&dir, 0);
	/* hold [1000, 2000) out of order */
	cr_assert_eq(seg(1000, s + 1000, 1000), DP_STREAM_NEW);
	/* same bytes again, overlapping: fine */
	cr_assert_eq(seg(1500, s + 1500, 1000), DP_STREAM_NEW);
	/* different bytes over the held run: refused, the first copy stays */
	memcpy(other, s + 1200, 1000);
	other[500] ^= 0x20;
	cr_assert_eq(seg(1200, other, 1000), DP_STREAM_CONFLICT);
	cr_assert_eq(seg(0, s, 1000), DP_STREAM_NEW);
	cr_assert_eq(seg(2500, s + 2500, 500), DP_STREAM_NEW);
	cr_assert_eq(outlen, 3000);
	cr_assert(memcmp(out, s, 3000) == 0);
	cr_assert_eq(pool.cnt.overlaps_conflict, 1);
	cr_assert_geq(pool.cnt.overlaps_same, 1);
}

Test(stream, hole_that_never_fills_stays_within_window_and_is_returned)
{
	uint8_t s[200000];
	make_pool(NCHUNKS, 64 * 1024, 1 << 20, true);
	fill(s, sizeof(s), 8);
	dp_stream_start(&dir, 0);
	/* byte 0..999 never arrive; 199 kB after them do */
	uint32_t most = 0;
	enum dp_stream_res r = DP_STREAM_NEW;
	for (uint32_t o = 1000; o < sizeof(s) && r != DP_STREAM_IGNORED; o += 1000) {
		r = seg(o, s + o, 1000);
		if (dir.chunks > most)
			most = dir.chunks;
	}
	cr_assert_eq(outlen, 0);
	cr_assert_leq((uint64_t)most * DP_CHUNK_DATA, 64 * 1024 + 2 * DP_CHUNK_DATA,
		      "held %u chunks", most);
	cr_assert_gt(pool.cnt.beyond_window, 0);
	/* the window full behind the hole: the direction is given up, memory comes back */
	cr_assert_eq(r, DP_STREAM_IGNORED);
	cr_assert_eq(dir.end, DP_STREAM_END_GAP);
	cr_assert_eq(gaps, 1000);
	assert_pool_whole();
}

Test(stream, depth_ends_inspection_and_frees_everything)
{
	uint8_t s[100000];
	make_pool(NCHUNKS, 1 << 20, 64 * 1024, true);
	fill(s, sizeof(s), 9);
	dp_stream_start(&dir, 0);
	/* a hole first (reordering), then everything up to the depth behind it */
	for (uint32_t o = 1460; o < 64 * 1024; o += 1460)
		cr_assert_eq(seg(o, s + o, 1460), DP_STREAM_NEW);
	cr_assert_leq((uint64_t)dir.chunks * DP_CHUNK_DATA, 64 * 1024 + 2 * DP_CHUNK_DATA);
	cr_assert_eq(seg(0, s, 1460), DP_STREAM_NEW);
	cr_assert_eq(outlen, 64 * 1024, "delivered up to depth");
	cr_assert(memcmp(out, s, 64 * 1024) == 0);
	cr_assert(!dp_stream_active(&dir));
	cr_assert_eq(dir.end, DP_STREAM_END_DEPTH);
	cr_assert_eq(pool.cnt.depth_reached, 1);
	assert_pool_whole();
	cr_assert_eq(seg(70000, s + 70000, 100), DP_STREAM_IGNORED);
}

Test(stream, pool_exhaustion_gives_up_the_direction_not_the_worker)
{
	uint8_t s[20000];
	make_pool(8, 1 << 20, 1 << 20, false);
	fill(s, sizeof(s), 10);
	dp_stream_start(&dir, 0);
	enum dp_stream_res r = DP_STREAM_NEW;
	for (uint32_t o = 1000; o < sizeof(s) && r != DP_STREAM_IGNORED; o += 1000)
		r = seg(o, s + o, 1000);
	cr_assert_eq(r, DP_STREAM_IGNORED);
	cr_assert_eq(dir.end, DP_STREAM_END_NOMEM);
	cr_assert_eq(pool.cnt.nomem, 1);
	assert_pool_whole();
}

/* stream.on_full = "drop": a segment the pool has no room for is refused (the sender sends
 * it again), the direction stays inspected, and the segment that fills the hole needs no
 * room: it is delivered from the packet and the held bytes behind it drain. */
Test(stream, full_pool_refuses_the_segment_and_keeps_inspecting)
{
	uint8_t s[20000];
	make_pool(8, 1 << 20, 1 << 20, false);
	pool.full_drop = true;
	fill(s, sizeof(s), 10);
	dp_stream_start(&dir, 0);
	uint32_t o = 1000, held = 0;
	for (; o < sizeof(s); o += 1000) {
		enum dp_stream_res r = seg(o, s + o, 1000);
		if (r == DP_STREAM_FULL)
			break;
		cr_assert_eq(r, DP_STREAM_NEW);
		held = o + 1000;
	}
	cr_assert_lt(o, sizeof(s), "the pool filled up");
	cr_assert_eq(pool.cnt.full, 1);
	cr_assert_eq(pool.cnt.nomem, 0, "nothing given up");
	cr_assert(dp_stream_active(&dir));
	cr_assert_eq(seg(o + 1000, s + o + 1000, 1000), DP_STREAM_FULL, "still no room");
	/* the hole: with no chunk free, it fills in place and everything held drains */
	cr_assert_eq(pool.nfree, 0);
	cr_assert_eq(seg(0, s, 1000), DP_STREAM_NEW);
	cr_assert_eq(outlen, held);
	/* the refused segments come again and are read */
	for (; o < sizeof(s); o += 1000)
		cr_assert_eq(seg(o, s + o, 1000), DP_STREAM_NEW);
	cr_assert_eq(outlen, sizeof(s));
	cr_assert(memcmp(out, s, sizeof(s)) == 0, "the stream, exactly once");
	assert_pool_whole();
}

/* The same with retention: the bytes delivered from the packet are retained as far as the
 * pool allows, and a segment past the window is refused, not cut. */
Test(stream, full_window_refuses_the_segment_and_keeps_inspecting)
{
	uint8_t s[20000];
	make_pool(NCHUNKS, 4096, 1 << 20, true);
	pool.full_drop = true;
	fill(s, sizeof(s), 12);
	dp_stream_start(&dir, 0);
	cr_assert_eq(seg(1000, s + 1000, 2000), DP_STREAM_NEW);
	cr_assert_eq(seg(3000, s + 3000, 2000), DP_STREAM_FULL, "past the 4 KiB window");
	cr_assert_eq(pool.cnt.beyond_window, 0, "nothing cut");
	cr_assert_eq(seg(0, s, 1000), DP_STREAM_NEW);
	cr_assert_eq(seg(3000, s + 3000, 2000), DP_STREAM_NEW, "in the window now");
	cr_assert_eq(outlen, 5000);
	cr_assert(memcmp(out, s, 5000) == 0);
	cr_assert_eq(pool.cnt.full, 1);
	dp_stream_ack(&pool, &dir, 5000, sink, NULL);
	assert_pool_whole();
}

Test(stream, sequence_wraps_around)
{
	uint8_t s[8000];
	fill(s, sizeof(s), 11);
	uint32_t isn = 0xffffffffu - 3000;
	dp_stream_start(&dir, isn);
	cr_assert_eq(seg(isn + 4000, s + 4000, 4000), DP_STREAM_NEW);
	cr_assert_eq(seg(isn + 2000, s + 2000, 2000), DP_STREAM_NEW);
	cr_assert_eq(seg(isn, s, 2500), DP_STREAM_NEW);
	cr_assert_eq(outlen, 8000);
	cr_assert(memcmp(out, s, 8000) == 0);
	dp_stream_ack(&pool, &dir, isn + 8000, sink, NULL);
	assert_pool_whole();
}

Test(stream, syn_with_data_starts_after_the_syn)
{
	/* SYN at ISN carries bytes from ISN+1 (TCP Fast Open): the worker starts the direction
	 * at ISN+1 and hands the SYN's payload in as the first segment. */
	uint8_t s[300];
	fill(s, sizeof(s), 12);
	uint32_t isn = 42;
	dp_stream_start(&dir, isn + 1);
	cr_assert_eq(seg(isn + 1, s, 100), DP_STREAM_NEW);
	cr_assert_eq(seg(isn + 101, s + 100, 200), DP_STREAM_NEW);
	cr_assert_eq(outlen, 300);
	cr_assert(memcmp(out, s, 300) == 0);
}

Test(stream, midstream_pickup_starts_at_the_first_segment)
{
	uint8_t s[100];
	fill(s, sizeof(s), 13);
	memset(&dir, 0, sizeof(dir));
	cr_assert_eq(seg(777, s, 100), DP_STREAM_NEW);
	cr_assert_eq(outlen, 100);
}

Test(stream, fin_ends_the_direction)
{
	uint8_t s[100];
	fill(s, sizeof(s), 14);
	dp_stream_start(&dir, 0);
	seg(0, s, 100);
	dp_stream_fin(&pool, &dir, 100);
	cr_assert_eq(dir.end, DP_STREAM_END_FIN);
	assert_pool_whole();
}

Test(stream, acknowledged_hole_is_a_gap)
{
	uint8_t s[3000];
	fill(s, sizeof(s), 15);
	dp_stream_start(&dir, 0);
	seg(0, s, 1000);
	seg(2000, s + 2000, 1000);
	dp_stream_ack(&pool, &dir, 3000, sink, NULL);
	cr_assert_eq(gaps, 2000);
	cr_assert_eq(dir.end, DP_STREAM_END_GAP);
	cr_assert_eq(pool.cnt.gaps, 1);
	assert_pool_whole();
}

/* Regression (found by fuzz_stream): bytes the receiver acknowledged are past changing, even
 * inside a chunk that is only partly acknowledged: a different copy of them is harmless. */
Test(stream, acknowledged_bytes_in_a_partly_acknowledged_chunk_are_not_compared)
{
	uint8_t s[200], other = 0;
	fill(s, sizeof(s), 16);
	dp_stream_start(&dir, 0xffff0500u);
	cr_assert_eq(seg(0xffff0500u, s, 200), DP_STREAM_NEW);
	dp_stream_ack(&pool, &dir, 0xffff0500u + 44, sink, NULL);
	other = (uint8_t)(s[3] ^ 0xff);
	cr_assert_eq(seg(0xffff0500u + 3, &other, 1), DP_STREAM_OLD);
	other = (uint8_t)(s[50] ^ 0xff); /* not yet acknowledged: still refused */
	cr_assert_eq(seg(0xffff0500u + 50, &other, 1), DP_STREAM_CONFLICT);
}
