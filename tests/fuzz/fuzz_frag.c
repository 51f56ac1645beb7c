/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for dataplane/frag.c (with dataplane/decode.c in front, as the worker
 * runs them): sequences of IPv4 and IPv6 fragments against a model of the table.
 *
 * Input:
 *   0..3    the fake clock's start (ms; near 2^32 exercises wrap-around)
 *   4..5    per slot (bit = slot): frames carry a VLAN tag
 *   6..8    per slot, 2 bits: protocol (TCP, UDP, ICMP/ICMPv6, 59)
 *   9       seed of the payload pattern
 *   10..29  the datagram's first 20 bytes (the L4 header after reassembly)
 *   then records of 8 bytes, one fragment each:
 *   r0      slot: r0 % 12 (IPv4 or IPv6, one of 3 ids, one of 2 source addresses)
 *   r1      bit 0: MF; bits 1-2: offset mode (0 absolute from r2..r3, 1 where the slot's
 *           previous fragment ended, 2 where it started, 3 overlapping its end by
 *           8 * (1 + r2 % 16)); bit 3: IPv4 options / IPv6 destination options before
 *           the fragment header; bit 4: flip the byte at r7 * len / 256; bit 5: length not
 *           rounded down to a multiple of 8
 *   r2..r3  offset in 8-byte units (13 bits) for mode 0
 *   r4..r5  length: u16 % (MAXDATA + 1)
 *   r6      clock advance: 4 * r6 ms (the timeout is 1000 ms)
 *   r7      where to flip a byte (bit 4)
 *
 * Payload bytes are a function of the slot and the offset in the datagram, so fragments
 * of a slot agree where they overlap unless a byte was flipped. Each fragment is built as
 * a complete frame in an mbuf (correct lengths, IPv4 header checksum), decoded with
 * dp_decode and, if it is a fragment, offered to dp_frag_add; then dp_frag_expire runs.
 *
 * The model predicts every dp_frag_add result (first wins byte by byte, duplicates,
 * consistency with the datagram's end, the table, per-datagram and held budgets,
 * abandonment until the timeout, datagrams refused for want of room remembered until
 * theirs: the table remembers 32, more than the 12 slots here), which datagrams time out, and which mbufs come back
 * in which order; a reassembled datagram must equal the model's bytes. At the end of each
 * input the table is drained and the mbuf pool must be whole: no mbuf leaks, none is
 * handed back twice.
 *
 * Found with this target (fixed): IPv6 fragments whose offset + length went past 65535 were
 * accepted and reassembly wrote past its 64 KiB buffer; the decoder now rejects them
 * (DP_DEC_IP6_FRAG), as it does for IPv4.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "../../dataplane/decode.h"
#include "../../dataplane/frag.h"
#include "check.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define POOL_N      255u
#define DATA_ROOM   10240u
#define DGRAMS      8u /* the smallest table rte_hash accepts */
#define MAX_FRAGS   8u
#define MAX_HELD    16u /* the smallest the configuration allows */
#define TIMEOUT_MS  1000u
#define NSLOTS      12u
#define HDR         30u
#define REC         8u
#define MAX_RECS    96u
#define SHADOW      (1u << 17) /* offsets up to 65528 + MAXDATA */
#define ASSEMBLE_SZ 65536u

static struct rte_mempool *mp;
static struct dp_frag_table *tab;
static uint32_t maxdata; /* bytes of fragment data that fit an mbuf with the largest headers */
static uint8_t *abuf;    /* dp_frag_assemble's buffer */

struct slot {
	bool exists, abandoned, have_last;
	bool refused; /* found no room in the table at refused_ms (remembered) */
	uint32_t refused_ms;
	uint32_t first_ms, total;
	unsigned nfr;
	struct rte_mbuf *m[DP_FRAG_MAX];
	uint32_t foff[DP_FRAG_MAX], flen[DP_FRAG_MAX];
	uint32_t hi; /* shadow bytes [0, hi) may be set */
	uint8_t have[SHADOW];
	uint8_t data[SHADOW];
	/* the sender's view, for the offset modes */
	uint32_t prev_off, prev_end;
	uint8_t proto;
	bool vlan;
};

static struct slot slots[NSLOTS];
static unsigned in_use, held;
static uint32_t now;
static uint8_t seed, tmpl[20];

/* Per-byte loops of the harness: not instrumented (their comparisons tell the fuzzer nothing
 * about the code under test, and they cost most of the time; their bounds are checked once,
 * in LLVMFuzzerInitialize). */
#define NOCOV __attribute__((no_sanitize("coverage", "address", "undefined"), noinline))

/* ---- the model ---- */

static bool
slot_v6(unsigned s)
{
	return s >= NSLOTS / 2;
}

/* Payload bytes: a random table read at an offset that depends on the slot and the seed,
 * twice as long as its period so a fragment is one memcpy; the first bytes of a datagram
 * come from the input (its L4 header). */
#define PERIOD 65536u
static uint8_t ptab[2 * PERIOD];

static NOCOV void
fill_pattern(unsigned s, uint32_t o, uint32_t l, uint8_t *v)
{
	memcpy(v, ptab + (o + s * 4099u + seed * 257u) % PERIOD, l);
	for (uint32_t x = o; x < sizeof(tmpl) && x < o + l; x++)
		v[x - o] = tmpl[x];
}

/* Does [o, o + l) disagree with a byte held, is every byte of it held? */
static NOCOV void
shadow_compare(const struct slot *g, uint32_t o, const uint8_t *v, uint32_t l, bool *differs,
	       bool *covered)
{
	*differs = false;
	*covered = l > 0;
	for (uint32_t i = 0; i < l; i++) {
		if (!g->have[o + i])
			*covered = false;
		else if (g->data[o + i] != v[i])
			*differs = true;
	}
}

/* First wins: keep the held bytes, add the others. */
static NOCOV void
shadow_apply(struct slot *g, uint32_t o, const uint8_t *v, uint32_t l)
{
	for (uint32_t i = 0; i < l; i++) {
		if (!g->have[o + i]) {
			g->have[o + i] = 1;
			g->data[o + i] = v[i];
		}
	}
	if (o + l > g->hi)
		g->hi = o + l;
}

static void
slot_forget(struct slot *g)
{
	memset(g->have, 0, g->hi);
	g->hi = 0;
	g->nfr = 0;
	g->have_last = false;
	g->total = 0;
}

/* The union of the held fragments covers [0, total). */
static bool
model_complete(const struct slot *g)
{
	uint32_t reach = 0;
	bool moved = true;

	if (!g->have_last)
		return false;
	while (moved) {
		moved = false;
		for (unsigned i = 0; i < g->nfr; i++) {
			if (g->foff[i] <= reach && g->foff[i] + g->flen[i] > reach) {
				reach = g->foff[i] + g->flen[i];
				moved = true;
			}
		}
	}
	return reach >= g->total;
}

/* ---- mbufs coming back ---- */

static unsigned ret_count[NSLOTS];

static unsigned
frame_slot(const struct rte_mbuf *mb)
{
	const uint8_t *p = rte_pktmbuf_mtod(mb, const uint8_t *);
	CHECK(p[10] == 0xf2);
	CHECK(p[11] < NSLOTS);
	return p[11];
}

/* Take back n mbufs from the table: each must be the next one of its slot in arrival
 * order. Afterwards finish_back() checks that slots gave back all or nothing. */
static void
take_back(const struct dp_frag_out *out, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned s = frame_slot(out[i].m);
		struct slot *g = &slots[s];
		CHECK(ret_count[s] < g->nfr);
		CHECK(out[i].m == g->m[ret_count[s]]);
		CHECK(out[i].port == s);
		ret_count[s]++;
		rte_pktmbuf_free(out[i].m);
	}
}

static void
finish_back(void)
{
	for (unsigned s = 0; s < NSLOTS; s++) {
		if (ret_count[s] == 0)
			continue;
		CHECK(ret_count[s] == slots[s].nfr);
		CHECK(held >= slots[s].nfr);
		held -= slots[s].nfr;
		slot_forget(&slots[s]);
		ret_count[s] = 0;
	}
}

static void
check_counters(void)
{
	const struct dp_frag_counters *c = dp_frag_counters(tab);
	CHECK(c->held == held);
	CHECK(c->datagrams_in_use == in_use);
}

/* ---- frames ---- */

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static uint32_t
frag_id(unsigned s)
{
	return slot_v6(s) ? 0x80000000u + s % 3 : 0x1000u + s % 3;
}

static struct rte_mbuf *
build(unsigned s, uint32_t o, uint32_t l, bool mf, bool opts, const uint8_t *v)
{
	const struct slot *g = &slots[s];
	bool v6 = slot_v6(s);
	unsigned srcv = (s / 3) % 2;
	uint32_t l2 = 14 + (g->vlan ? 4 : 0);
	uint32_t hl = v6 ? 40 + (opts ? 8 : 0) + 8 : 20 + (opts ? 4 : 0);
	struct rte_mbuf *mb = rte_pktmbuf_alloc(mp);
	CHECK(mb != NULL);
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(mb, (uint16_t)(l2 + hl + l));
	CHECK(p != NULL);

	memcpy(p, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00", 10);
	p[10] = 0xf2;
	p[11] = (uint8_t)s; /* which slot, for mbufs coming back */
	if (g->vlan) {
		put16(p + 12, 0x8100);
		put16(p + 14, 100 + s);
	}
	put16(p + l2 - 2, v6 ? 0x86dd : 0x0800);
	uint8_t *ip = p + l2;
	if (!v6) {
		ip[0] = (uint8_t)(0x40 | hl / 4);
		ip[1] = 0;
		put16(ip + 2, hl + l);
		put16(ip + 4, frag_id(s));
		put16(ip + 6, o / 8 | (mf ? 0x2000 : 0));
		ip[8] = 64;
		ip[9] = g->proto;
		put16(ip + 10, 0);
		put32(ip + 12, 0x0a000001 + srcv);
		put32(ip + 16, 0x0a000101);
		if (opts)
			memset(ip + 20, 1, 4); /* NOPs */
		uint32_t sum = 0;
		for (uint32_t i = 0; i < hl; i += 2)
			sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		put16(ip + 10, ~sum & 0xffff);
	} else {
		memset(ip, 0, 40);
		ip[0] = 0x60;
		put16(ip + 4, hl - 40 + l);
		ip[6] = opts ? 60 : 44;
		ip[7] = 64;
		ip[8] = 0xfd;
		ip[23] = (uint8_t)(1 + srcv);
		ip[24] = 0xfd;
		ip[38] = 1;
		uint8_t *x = ip + 40;
		if (opts) {
			static const uint8_t dopt[8] = { 44, 0, 1, 4, 0, 0, 0, 0 }; /* PadN */
			memcpy(x, dopt, 8);
			x += 8;
		}
		x[0] = g->proto;
		x[1] = 0;
		put16(x + 2, o | (mf ? 1 : 0));
		put32(x + 4, frag_id(s));
	}
	memcpy(ip + hl, v, l);
	return mb;
}

/* ---- one fragment ---- */

static void
fragment(const uint8_t *r)
{
	static uint8_t v[DATA_ROOM];
	unsigned s = r[0] % NSLOTS;
	struct slot *g = &slots[s];
	bool mf = r[1] & 1, opts = r[1] & 8, flip = r[1] & 16, unaligned = r[1] & 32;
	uint32_t o, l = (uint32_t)(r[4] << 8 | r[5]) % (maxdata + 1);

	switch ((r[1] >> 1) & 3) {
	case 0: o = (uint32_t)((r[2] << 8 | r[3]) & 0x1fff) * 8; break;
	case 1: o = g->prev_end & ~7u; break;
	case 2: o = g->prev_off; break;
	default: {
		uint32_t back = 8u * (1 + r[2] % 16), end = g->prev_end & ~7u;
		o = end > back ? end - back : 0;
		break;
	}
	}
	if (o > 65528)
		o = 65528;
	if (!unaligned)
		l &= ~7u;
	g->prev_off = o;
	g->prev_end = o + l;
	fill_pattern(s, o, l, v);
	if (flip && l > 0)
		v[(uint32_t)r[7] * l / 256] ^= 0xa5;

	struct rte_mbuf *mb = build(s, o, l, mf, opts, v);
	struct dp_decode_cfg cfg = { .max_ip6_ext = 8, .ip4_csum_checked = false };
	struct dp_pkt pk;
	enum dp_dec_reason dr = dp_decode(rte_pktmbuf_mtod(mb, const uint8_t *),
					  rte_pktmbuf_data_len(mb), &cfg, &pk);
	bool is_frag = o != 0 || mf;

	if (is_frag && o + l > 65535) {
		/* a fragment reaching beyond a 65535-byte datagram is malformed (RFC 791, 8200) */
		CHECK(dr == (slot_v6(s) ? DP_DEC_IP6_FRAG : DP_DEC_IP4_FRAG));
		rte_pktmbuf_free(mb);
		return;
	}
	if (!is_frag) {
		CHECK(!pk.is_frag);
		rte_pktmbuf_free(mb);
		return;
	}
	CHECK(dr == DP_DEC_OK);
	CHECK(pk.is_frag && pk.frag_off == o && pk.frag_data_len == l && pk.frag_more == mf);
	CHECK(pk.frag_id == frag_id(s) && pk.proto == g->proto);
	CHECK(pk.l3 == (slot_v6(s) ? 6 : 4));

	/* What the table should answer. */
	enum dp_frag_res want;
	bool created = false;
	uint32_t e = o + l;
	bool differs, covered;
	shadow_compare(g, o, v, l, &differs, &covered);
	if (mf && (l % 8 != 0 || l == 0)) {
		want = DP_FRAG_INVALID;
	} else if (!g->exists && g->refused && now - g->refused_ms < TIMEOUT_MS) {
		want = DP_FRAG_OVERFLOW; /* refused before: the same outcome until its timeout */
	} else if (!g->exists && in_use >= DGRAMS) {
		want = DP_FRAG_OVERFLOW;
		g->refused = true;
		g->refused_ms = now;
	} else {
		if (!g->exists)
			created = true;
		if (created || !g->abandoned) {
			bool invalid = (g->have_last && e > g->total) ||
				       (!mf && g->have_last && e != g->total);
			for (unsigned i = 0; !mf && i < g->nfr; i++)
				if (g->foff[i] + g->flen[i] > e)
					invalid = true;
			if (invalid)
				want = DP_FRAG_INVALID;
			else if (differs)
				want = DP_FRAG_CONFLICT;
			else if (covered)
				want = DP_FRAG_DUPLICATE;
			else if (g->nfr >= MAX_FRAGS || held >= MAX_HELD)
				want = DP_FRAG_OVERFLOW;
			else
				want = DP_FRAG_HELD; /* or COMPLETE, below */
		} else {
			want = DP_FRAG_OVERFLOW;
		}
	}

	struct dp_frag_out rel[DP_FRAG_MAX];
	unsigned nrel = 12345;
	enum dp_frag_res res = dp_frag_add(tab, &pk, 7, mb, (uint16_t)s, now, rel, &nrel);

	if (created) {
		g->exists = true;
		g->abandoned = false;
		g->first_ms = now;
		in_use++;
		CHECK(g->nfr == 0 && !g->have_last);
	}
	if (want == DP_FRAG_HELD) {
		CHECK(res == DP_FRAG_HELD || res == DP_FRAG_COMPLETE);
		CHECK(nrel == 0);
		unsigned n = g->nfr++;
		g->m[n] = mb;
		g->foff[n] = o;
		g->flen[n] = l;
		if (!mf) {
			g->have_last = true;
			g->total = e;
		}
		shadow_apply(g, o, v, l);
		held++;
		CHECK((res == DP_FRAG_COMPLETE) == model_complete(g));
		check_counters();
		if (res != DP_FRAG_COMPLETE)
			return;

		/* Reassemble: the datagram is the model's bytes, the fragments come back in
		 * arrival order. */
		struct dp_frag_out out[DP_FRAG_MAX];
		struct dp_pkt apk = pk, mpk = pk;
		uint32_t len = 0;
		uint64_t bytes = 0, want_bytes = 0;
		enum dp_dec_reason l4err;
		for (unsigned i = 0; i < g->nfr; i++)
			want_bytes += rte_pktmbuf_pkt_len(g->m[i]);
		unsigned n2 = dp_frag_assemble(tab, &apk, abuf, &len, out, &bytes, &l4err);
		CHECK(len == g->total);
		CHECK(len <= 65535); /* the contract: buf holds 65535 bytes */
		CHECK(memcmp(abuf, g->data, len) == 0);
		CHECK(bytes == want_bytes);
		CHECK(n2 == g->nfr);
		mpk.is_frag = false;
		CHECK(dp_decode_l4(g->data, len, &mpk) == l4err);
		CHECK(!apk.is_frag);
		if (l4err == DP_DEC_OK) {
			CHECK(apk.sport == mpk.sport && apk.dport == mpk.dport);
			CHECK(apk.payload_len == mpk.payload_len);
			CHECK(apk.payload == abuf + (mpk.payload - g->data));
		}
		take_back(out, n2);
		finish_back();
		g->exists = false;
		in_use--;
		check_counters();
		return;
	}

	CHECK(res == want);
	if (res == DP_FRAG_OVERFLOW && g->exists && !g->abandoned) {
		/* abandoned: what it held comes back now, later fragments overflow too */
		g->abandoned = true;
		CHECK(nrel == g->nfr);
		take_back(rel, nrel);
		finish_back();
	} else {
		CHECK(nrel == 0);
	}
	rte_pktmbuf_free(mb); /* the table did not take it */
	check_counters();
}

static void
expire(void)
{
	struct dp_frag_out out[DP_FRAG_MAX];
	bool gone[NSLOTS] = { false };
	unsigned want = 0;

	for (unsigned s = 0; s < NSLOTS; s++) {
		if (slots[s].exists && now - slots[s].first_ms >= TIMEOUT_MS) {
			gone[s] = true;
			want += slots[s].nfr;
		}
	}
	unsigned n = dp_frag_expire(tab, now, 64, out, DP_FRAG_MAX);
	CHECK(n == want);
	take_back(out, n);
	for (unsigned s = 0; s < NSLOTS; s++)
		CHECK(ret_count[s] == (gone[s] ? slots[s].nfr : 0));
	finish_back();
	for (unsigned s = 0; s < NSLOTS; s++) {
		if (gone[s]) {
			slots[s].exists = false;
			in_use--;
		}
	}
	check_counters();
}

static void
drain(void)
{
	struct dp_frag_out out[DP_FRAG_MAX];
	unsigned want = held, got = 0, n;

	while ((n = dp_frag_drain(tab, out, DP_FRAG_MAX)) > 0) {
		take_back(out, n);
		got += n;
	}
	CHECK(got == want);
	finish_back();
	for (unsigned s = 0; s < NSLOTS; s++) {
		if (slots[s].exists)
			in_use--;
		slots[s].exists = false;
	}
	CHECK(in_use == 0 && held == 0);
	check_counters();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HDR)
		return 0;
	now = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
	unsigned vl = (unsigned)(data[4] << 8 | data[5]);
	uint32_t pr = (uint32_t)data[6] << 16 | (uint32_t)data[7] << 8 | data[8];
	static const uint8_t protos[2][4] = { { 6, 17, 1, 59 }, { 6, 17, 58, 59 } };
	for (unsigned s = 0; s < NSLOTS; s++) {
		struct slot *g = &slots[s];
		slot_forget(g);
		g->exists = g->abandoned = g->refused = false;
		g->prev_off = g->prev_end = 0;
		g->vlan = (vl >> s) & 1;
		g->proto = protos[slot_v6(s)][(pr >> (2 * s)) & 3];
	}
	seed = data[9];
	memcpy(tmpl, data + 10, sizeof(tmpl));
	in_use = held = 0;

	unsigned nrec = 0;
	for (size_t i = HDR; i + REC <= size && nrec < MAX_RECS; i += REC, nrec++) {
		const uint8_t *r = data + i;
		fragment(r);
		now += 4u * r[6];
		expire();
	}
	drain();
	CHECK(rte_mempool_avail_count(mp) == POOL_N);
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char prefix[64];
	static char a0[] = "fuzz", a1[] = "--no-huge", a2[] = "-m", a3[] = "256", a4[] = "--no-pci",
		    a5[] = "--no-shconf", a7[] = "-l", a8[] = "0", a9[] = "--log-level=*:error",
		    a10[] = "--no-telemetry";
	char *eal[] = { a0, a1, a2, a3, a4, a5, prefix, a7, a8, a9, a10, NULL };
	const struct dp_frag_cfg cfg = {
		.datagrams = DGRAMS,
		.max_fragments = MAX_FRAGS,
		.max_held = MAX_HELD,
		.timeout_ms = TIMEOUT_MS,
	};

	(void)argc;
	(void)argv;
	snprintf(prefix, sizeof(prefix), "--file-prefix=bwfuzz%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0) {
		fprintf(stderr, "fuzz_frag: rte_eal_init: %s\n", rte_strerror(rte_errno));
		abort();
	}
	mp = rte_pktmbuf_pool_create("fuzz_mbufs", POOL_N, 0, 0, DATA_ROOM, (int)rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "fuzz_frag: mbuf pool: %s\n", rte_strerror(rte_errno));
		abort();
	}
	tab = dp_frag_create("fuzz_frags", &cfg, (int)rte_socket_id());
	if (tab == NULL) {
		fprintf(stderr, "fuzz_frag: dp_frag_create: %s\n", rte_strerror(rte_errno));
		abort();
	}
	struct rte_mbuf *mb = rte_pktmbuf_alloc(mp);
	CHECK(mb != NULL);
	/* the largest headers: Ethernet + VLAN, IPv6 + destination options + fragment */
	maxdata = (rte_pktmbuf_tailroom(mb) - (18 + 40 + 8 + 8)) & ~7u;
	rte_pktmbuf_free(mb);
	CHECK(maxdata + 80 <= DATA_ROOM && maxdata + 65528 + 8 <= SHADOW);
	srandom(1);
	for (uint32_t i = 0; i < PERIOD; i++)
		ptab[i] = ptab[i + PERIOD] = (uint8_t)(random() >> 7);
	abuf = malloc(ASSEMBLE_SZ); /* on the heap: ASan sees a write past its end */
	CHECK(abuf != NULL);
	return 0;
}
