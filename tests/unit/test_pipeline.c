/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The whole per-packet pipeline of a real worker (decode, fragments, flows, reassembly,
 * records) between two net_ring ports. The test plays both wires: it puts frames on the
 * inside ring with capture timestamps (so it controls the worker's clock), lets the worker
 * poll, and reads what reached the outside ring and the flow records the worker posted.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "../../dataplane/worker.h"
#include "../gen/pkt.h"
#include "../support/support.h"

#define POOL 8192

static struct rte_mempool *pool;
static struct rte_ring *rx[2], *tx[2];
static struct dp_shared sh;
static struct dp_worker w;
static struct dp_snapshot snap;
static struct dp_worker_limits lim;
static int ts_off;
static uint64_t ts_flag;
static uint64_t now_us = 1767225600000000ull;

static void
port(unsigned i)
{
	char name[32];
	struct rte_eth_conf conf;

	snprintf(name, sizeof(name), "prx%u", i);
	rx[i] = rte_ring_create(name, 4096, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "ptx%u", i);
	tx[i] = rte_ring_create(name, 4096, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "net_ring_p%u", i);
	int p = rte_eth_from_rings(name, &rx[i], 1, &tx[i], 1, SOCKET_ID_ANY);
	cr_assert_geq(p, 0);
	memset(&conf, 0, sizeof(conf));
	cr_assert_eq(rte_eth_dev_configure((uint16_t)p, 1, 1, &conf), 0);
	cr_assert_eq(rte_eth_rx_queue_setup((uint16_t)p, 0, 256, SOCKET_ID_ANY, NULL, pool), 0);
	cr_assert_eq(rte_eth_tx_queue_setup((uint16_t)p, 0, 256, SOCKET_ID_ANY, NULL), 0);
	cr_assert_eq(rte_eth_dev_start((uint16_t)p), 0);
	sh.ports[i].ethdev = (uint16_t)p;
	sh.ports[i].peer = (uint16_t)(1 - i);
	sh.ports[i].side = (uint16_t)i;
	sh.ports[i].ts_usec = 1;
	w.rxq[i].port = (uint16_t)i;
	w.tx[i].ethdev = (uint16_t)p;
}

/* Limits small enough to reach in a test. */
static void
limits(void)
{
	memset(&lim, 0, sizeof(lim));
	lim.flows = 64;
	lim.stream_chunks = 256;
	lim.stream_window = 64 * 1024;
	lim.stream_depth = 64 * 1024;
	lim.stream_retain = true;
	lim.contexts = 64;
	lim.frag.datagrams = 16;
	lim.frag.max_fragments = 8;
	lim.frag.max_held = 64;
	lim.frag.timeout_ms = 30000;
	for (unsigned c = 0; c < DP_CLASS__COUNT; c++)
		lim.timeouts.ms[c] = 30000;
	lim.timeouts.ms[DP_CLASS_TCP_EST] = 600000;
	lim.timeouts.evict_idle_ms = 10000;
	lim.event_ring = 1024;
	memset(&snap, 0, sizeof(snap));
	snap.burst = 32;
	snap.tx_retries = 2;
	snap.track = true;
	snap.reassembly = true;
	snap.frag_incomplete_drop = true;
	snap.age_budget = 64;
	snap.decode.max_ip6_ext = 8;
}

static void
start(void)
{
	char err[256];
	cr_assert_geq(ts_eal("bwp", 256), 0);
	pool = rte_pktmbuf_pool_create("pp", POOL, 0, 0, 10240, SOCKET_ID_ANY);
	cr_assert_not_null(pool);
	cr_assert_eq(rte_mbuf_dyn_rx_timestamp_register(&ts_off, &ts_flag), 0);
	memset(&sh, 0, sizeof(sh));
	memset(&w, 0, sizeof(w));
	sh.nports = 2;
	sh.ts_offset = ts_off;
	sh.ts_flag = ts_flag;
	sh.tsc_hz = 1000000000;
	w.sh = &sh;
	w.nrxq = 2;
	w.capture_clock = true;
	port(0);
	port(1);
	cr_assert_eq(dp_worker_init(&w, &lim, SOCKET_ID_ANY, err, sizeof(err)), 0, "%s", err);
}

static void
setup(void)
{
	limits();
	start();
}

/* An .init: the limits above with the given changes, then the worker started. */
#define SETUP(name, ...)       \
	static void name(void) \
	{                      \
		limits();      \
		__VA_ARGS__;   \
		start();       \
	}

static void
setup_long_timeouts(void)
{
	limits();
	for (unsigned c = 0; c < DP_CLASS__COUNT; c++)
		lim.timeouts.ms[c] = 300000;
	start();
}

/* ---- the wire ---- */

static struct gen_pkt
udp4(uint16_t sport, const void *data, size_t len)
{
	struct gen_pkt p = { 0 };
	memcpy(p.l2.dst, "\x02\x00\x00\x00\x00\x02", 6);
	memcpy(p.l2.src, "\x02\x00\x00\x00\x00\x01", 6);
	p.l3 = 4;
	p.src = gen_ip4(198, 18, 0, 1);
	p.dst = gen_ip4(198, 19, 0, 2);
	p.proto = 17;
	p.sport = sport;
	p.dport = 53;
	p.payload = data;
	p.payload_len = len;
	p.ip_id = 1;
	return p;
}

static struct gen_pkt
tcp4(bool from_client, uint32_t seq, uint32_t ack, uint8_t flags, const void *data, size_t len)
{
	struct gen_pkt p = udp4(40000, data, len);
	p.proto = 6;
	if (!from_client) {
		p.src = gen_ip4(198, 19, 0, 2);
		p.dst = gen_ip4(198, 18, 0, 1);
		p.sport = 443;
		p.dport = 40000;
	} else {
		p.dport = 443;
	}
	p.seq = seq;
	p.ack = ack;
	p.tcp_flags = flags;
	return p;
}

/* Put a frame on port i's wire at the current time (+dt_us). */
static void
send_frame(unsigned i, const uint8_t *f, size_t n, uint64_t dt_us)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	cr_assert_not_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)n), f, n);
	now_us += dt_us;
	*RTE_MBUF_DYNFIELD(m, ts_off, uint64_t *) = now_us;
	m->ol_flags |= ts_flag;
	cr_assert_eq(rte_ring_enqueue(rx[i], m), 0);
}

static void
run(void)
{
	while (dp_worker_poll(&w, &snap) > 0)
		;
	dp_worker_age(&w, &snap);
}

/* One frame on port i's wire, processed before the next (the worker polls its ports in
 * turn, so frames queued on two ports at once would not keep their order). */
static void
send_pkt(unsigned i, struct gen_pkt p)
{
	uint8_t f[GEN_MAX_FRAME];
	size_t n = gen_build(f, &p);
	send_frame(i, f, n, 10);
	run();
}

/* Frames that reached port i's wire, in order; frees them. Fills lens. */
static unsigned
wire(unsigned i, uint32_t *lens, unsigned max, uint8_t (*copy)[2048])
{
	unsigned n = 0;
	struct rte_mbuf *m;
	while (rte_ring_dequeue(tx[i], (void **)&m) == 0) {
		if (n < max) {
			lens[n] = rte_pktmbuf_pkt_len(m);
			if (copy)
				memcpy(copy[n], rte_pktmbuf_mtod(m, void *),
				       lens[n] < 2048 ? lens[n] : 2048);
		}
		n++;
		rte_pktmbuf_free(m);
	}
	return n;
}

static unsigned
records(struct dp_event *ev, unsigned max)
{
	return rte_ring_sc_dequeue_burst_elem(w.events, ev, sizeof(*ev), max, NULL);
}

/* ---- TCP ---- */

Test(pipeline, tcp_session_is_one_flow_with_both_directions, .init = setup)
{
	uint8_t req[100], resp[300];
	memset(req, 'q', sizeof(req));
	memset(resp, 'r', sizeof(resp));
	send_pkt(0, tcp4(true, 1000, 0, GEN_TCP_SYN, NULL, 0));
	send_pkt(1, tcp4(false, 5000, 1001, GEN_TCP_SYN | GEN_TCP_ACK, NULL, 0));
	send_pkt(0, tcp4(true, 1001, 5001, GEN_TCP_ACK, NULL, 0));
	send_pkt(0, tcp4(true, 1001, 5001, GEN_TCP_ACK | GEN_TCP_PSH, req, sizeof(req)));
	send_pkt(1, tcp4(false, 5001, 1101, GEN_TCP_ACK | GEN_TCP_PSH, resp, sizeof(resp)));
	send_pkt(0, tcp4(true, 1101, 5301, GEN_TCP_ACK | GEN_TCP_FIN, NULL, 0));
	send_pkt(1, tcp4(false, 5301, 1102, GEN_TCP_ACK | GEN_TCP_FIN, NULL, 0));
	send_pkt(0, tcp4(true, 1102, 5302, GEN_TCP_ACK, NULL, 0));
	run();
	uint32_t lens[16];
	cr_assert_eq(wire(1, lens, 16, NULL), 5);
	cr_assert_eq(wire(0, lens, 16, NULL), 3);
	cr_assert_eq(w.streams.cnt.bytes_delivered, 400);
	cr_assert_eq(w.streams.cnt.chunks_in_use, 0, "acknowledged and finished: memory back");
	dp_worker_finish(&w, &snap);
	struct dp_event ev[4];
	cr_assert_eq(records(ev, 4), 1);
	cr_assert_eq(ev[0].pkts[0], 5);
	cr_assert_eq(ev[0].pkts[1], 3);
	cr_assert_eq(ev[0].sport, 40000, "src is the side that opened the flow");
	cr_assert_eq(ev[0].dport, 443);
	cr_assert_eq(ev[0].tcp_state, DP_TCP_CLOSING);
	cr_assert_eq(ev[0].reason, DP_FLOW_END_SHUTDOWN);
}

Test(pipeline, conflicting_retransmission_is_dropped_on_the_wire, .init = setup)
{
	uint8_t a[200], b[200];
	memset(a, 'A', sizeof(a));
	memcpy(b, a, sizeof(b));
	b[100] = 'B';
	send_pkt(0, tcp4(true, 1000, 0, GEN_TCP_SYN, NULL, 0));
	send_pkt(1, tcp4(false, 5000, 1001, GEN_TCP_SYN | GEN_TCP_ACK, NULL, 0));
	send_pkt(0, tcp4(true, 1001, 5001, GEN_TCP_ACK | GEN_TCP_PSH, a, sizeof(a)));
	/* the same range again with one byte changed, before the receiver acknowledged it */
	send_pkt(0, tcp4(true, 1001, 5001, GEN_TCP_ACK | GEN_TCP_PSH, b, sizeof(b)));
	/* an honest retransmission passes */
	send_pkt(0, tcp4(true, 1001, 5001, GEN_TCP_ACK | GEN_TCP_PSH, a, sizeof(a)));
	run();
	uint32_t lens[8];
	uint8_t copy[8][2048];
	cr_assert_eq(wire(1, lens, 8, copy), 3,
		     "SYN, the data, its honest copy: not the altered one");
	for (unsigned i = 1; i < 3; i++)
		cr_assert_eq(copy[i][54 + 100], 'A');
	cr_assert_eq(w.wc.stream_conflict_dropped, 1);
	cr_assert_eq(w.streams.cnt.overlaps_conflict, 1);
	cr_assert_eq(w.streams.cnt.bytes_delivered, 200);
}

/* A frame with its IP packet inside a PPPoE session (RFC 2516) or under one MPLS label
 * (RFC 3032), processed; returns the bytes the encapsulation adds. */
static size_t
send_encap(unsigned i, struct gen_pkt p, bool pppoe)
{
	uint8_t f[GEN_MAX_FRAME + 8];
	size_t n = gen_build(f, &p);
	uint16_t len = (uint16_t)(n - 14 + 2);
	const uint8_t ph[8] = { 0x11, 0, 0, 1, (uint8_t)(len >> 8), (uint8_t)len, 0, 0x21 };
	const uint8_t mh[4] = { 0, 0x64, 1, 64 };
	size_t hl = pppoe ? sizeof(ph) : sizeof(mh);
	memmove(f + 14 + hl, f + 14, n - 14);
	memcpy(f + 14, pppoe ? ph : mh, hl);
	f[12] = 0x88; /* 0x8864 PPPoE session, 0x8847 MPLS unicast */
	f[13] = pppoe ? 0x64 : 0x47;
	send_frame(i, f, n + hl, 10);
	run();
	return hl;
}

/* Flows inside PPPoE and MPLS are tracked and reassembled like any other: one record each,
 * and an altered retransmission dropped on the wire. */
Test(pipeline, encapsulated_flows_are_tracked_and_normalised, .init = setup)
{
	uint8_t a[200], b[200];
	memset(a, 'A', sizeof(a));
	memcpy(b, a, sizeof(b));
	b[100] = 'B';
	size_t hl[2];
	for (unsigned e = 0; e < 2; e++) {
		uint16_t cport = (uint16_t)(40000 + e);
		struct gen_pkt syn = tcp4(true, 1000, 0, GEN_TCP_SYN, NULL, 0);
		struct gen_pkt sa = tcp4(false, 5000, 1001, GEN_TCP_SYN | GEN_TCP_ACK, NULL, 0);
		struct gen_pkt da = tcp4(true, 1001, 5001, GEN_TCP_ACK | GEN_TCP_PSH, a, sizeof(a));
		struct gen_pkt db = tcp4(true, 1001, 5001, GEN_TCP_ACK | GEN_TCP_PSH, b, sizeof(b));
		syn.sport = da.sport = db.sport = sa.dport = cport;
		hl[e] = send_encap(0, syn, e == 0);
		send_encap(1, sa, e == 0);
		send_encap(0, da, e == 0);
		send_encap(0, db, e == 0);
		send_encap(0, da, e == 0);
	}
	uint32_t lens[8];
	uint8_t copy[8][2048];
	cr_assert_eq(wire(1, lens, 8, copy), 6, "per flow: the SYN, the data, its honest copy");
	for (unsigned i = 0; i < 6; i++)
		if (i % 3 != 0)
			cr_assert_eq(copy[i][hl[i / 3] + 54 + 100], 'A', "frame %u", i);
	cr_assert_eq(w.wc.stream_conflict_dropped, 2);
	cr_assert_eq(w.streams.cnt.bytes_delivered, 400);
	dp_worker_finish(&w, &snap);
	struct dp_event ev[4];
	cr_assert_eq(records(ev, 4), 2);
	for (unsigned i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].dport, 443);
		cr_assert_eq(ev[i].pkts[0], 4);
		cr_assert_eq(ev[i].pkts[1], 1);
	}
	cr_assert_neq(ev[0].sport, ev[1].sport);
}

SETUP(setup_stream_full_drop, lim.stream_window = 4096; snap.stream_full_drop = true)

/* stream.on_full = "drop": a segment past the window is dropped on the wire (the receiver
 * never sees uninspected bytes), and crosses when the sender sends it again in reach. */
Test(pipeline, segment_past_the_window_is_dropped_and_crosses_when_sent_again,
     .init = setup_stream_full_drop)
{
	static uint8_t d[7000];
	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 13);
	send_pkt(0, tcp4(true, 1000, 0, GEN_TCP_SYN, NULL, 0));
	send_pkt(1, tcp4(false, 5000, 1001, GEN_TCP_SYN | GEN_TCP_ACK, NULL, 0));
	/* bytes 1000-1999 (a hole before them), then 5000-5999: past the 4 KiB window */
	send_pkt(0, tcp4(true, 2001, 5001, GEN_TCP_ACK, d + 1000, 1000));
	send_pkt(0, tcp4(true, 6001, 5001, GEN_TCP_ACK, d + 5000, 1000));
	uint32_t lens[16];
	uint8_t copy[16][2048];
	cr_assert_eq(wire(1, lens, 16, copy), 2, "the SYN and the segment in the window");
	cr_assert_eq(w.wc.stream_full_dropped, 1);
	cr_assert_eq(w.streams.cnt.full, 1);
	/* the hole, then the rest and the refused segment again */
	send_pkt(0, tcp4(true, 1001, 5001, GEN_TCP_ACK, d, 1000));
	send_pkt(0, tcp4(true, 3001, 5001, GEN_TCP_ACK, d + 2000, 1000));
	send_pkt(0, tcp4(true, 4001, 5001, GEN_TCP_ACK, d + 3000, 1000));
	send_pkt(0, tcp4(true, 5001, 5001, GEN_TCP_ACK, d + 4000, 1000));
	send_pkt(0, tcp4(true, 6001, 5001, GEN_TCP_ACK, d + 5000, 1000));
	cr_assert_eq(wire(1, lens, 16, copy), 5);
	cr_assert(memcmp(copy[4] + 54, d + 5000, 1000) == 0);
	cr_assert_eq(w.streams.cnt.bytes_delivered, 6000, "the whole stream read");
	cr_assert_eq(w.wc.stream_full_dropped, 1);
	cr_assert_eq(w.streams.cnt.nomem + w.streams.cnt.beyond_window, 0);
}

/* ---- inspection contexts ---- */

/* A TCP session from client port cport: handshake and 100 bytes; the SYN only if syn_only. */
static void
session(uint16_t cport, bool syn_only)
{
	uint8_t d[100];
	memset(d, 'd', sizeof(d));
	struct gen_pkt syn = tcp4(true, 1000, 0, GEN_TCP_SYN, NULL, 0);
	struct gen_pkt sa = tcp4(false, 5000, 1001, GEN_TCP_SYN | GEN_TCP_ACK, NULL, 0);
	struct gen_pkt data = tcp4(true, 1001, 5001, GEN_TCP_ACK | GEN_TCP_PSH, d, sizeof(d));
	syn.sport = data.sport = sa.dport = cport;
	send_pkt(0, syn);
	if (syn_only)
		return;
	send_pkt(1, sa);
	send_pkt(0, data);
}

SETUP(setup_two_contexts, lim.contexts = 2)

SETUP(setup_two_contexts_drop, lim.contexts = 2; snap.ictx_full_drop = true)

/* inspect.on_full = "forward" (default): a flow that finds every context in use is tracked
 * and forwarded, not inspected, and counted. */
Test(pipeline, flow_without_a_context_is_forwarded_uninspected, .init = setup_two_contexts)
{
	for (uint16_t c = 41000; c < 41003; c++)
		session(c, false);
	uint32_t lens[16];
	cr_assert_eq(wire(1, lens, 16, NULL), 6);
	cr_assert_eq(wire(0, lens, 16, NULL), 3);
	cr_assert_eq(w.ictx.cnt.exhausted, 1);
	cr_assert_eq(w.streams.cnt.bytes_delivered, 200, "the third flow was not read");
	cr_assert_eq(w.wc.ictx_full_dropped, 0);
}

/* inspect.on_full = "drop": nothing of such a flow crosses until a context is free; then
 * its inspection starts with the next packet, from the handshake the client repeats. */
Test(pipeline, flow_without_a_context_is_dropped_until_one_is_free, .init = setup_two_contexts_drop)
{
	session(41000, false);
	session(41001, false);
	session(41002, true);
	uint32_t lens[16];
	cr_assert_eq(wire(1, lens, 16, NULL), 4, "the third SYN did not cross");
	cr_assert_eq(w.wc.ictx_full_dropped, 1);
	session(41002, true); /* the client repeats its SYN: still none free */
	cr_assert_eq(wire(1, lens, 16, NULL), 0);
	cr_assert_eq(w.wc.ictx_full_dropped, 2);
	/* the first session is reset: its context comes back */
	struct gen_pkt rst = tcp4(true, 1101, 5001, GEN_TCP_RST | GEN_TCP_ACK, NULL, 0);
	rst.sport = 41000;
	send_pkt(0, rst);
	wire(1, lens, 16, NULL);
	session(41002, false);
	cr_assert_eq(wire(1, lens, 16, NULL), 2, "the SYN and the data");
	cr_assert_eq(wire(0, lens, 16, NULL), 3, "the SYN-ACKs");
	cr_assert_eq(w.wc.ictx_full_dropped, 2);
	cr_assert_eq(w.streams.cnt.bytes_delivered, 300, "all three flows read");
	cr_assert_eq(w.ictx.cnt.exhausted, 1, "one flow found the pool empty");
}

/* A reload that turns inspect.on_full back to "forward" lets a flow that was waiting for a
 * context go on uninspected. */
Test(pipeline, flow_waiting_for_a_context_goes_on_when_on_full_turns_forward,
     .init = setup_two_contexts_drop)
{
	session(41000, false);
	session(41001, false);
	session(41002, true);
	uint32_t lens[16];
	cr_assert_eq(wire(1, lens, 16, NULL), 4);
	snap.ictx_full_drop = false; /* the new configuration */
	session(41002, false);
	cr_assert_eq(wire(1, lens, 16, NULL), 2, "the SYN again and the data");
	cr_assert_eq(w.wc.ictx_full_dropped, 1);
	cr_assert_eq(w.streams.cnt.bytes_delivered, 200, "the third flow is not read");
}

Test(pipeline, syn_with_data_is_inspected, .init = setup)
{
	uint8_t tfo[50];
	memset(tfo, 'f', sizeof(tfo));
	send_pkt(0, tcp4(true, 7, 0, GEN_TCP_SYN, tfo, sizeof(tfo)));
	send_pkt(0, tcp4(true, 58, 0, GEN_TCP_ACK | GEN_TCP_PSH, tfo, 10));
	run();
	cr_assert_eq(w.streams.cnt.bytes_delivered, 60);
}

Test(pipeline, rst_payload_is_not_stream_data, .init = setup)
{
	uint8_t d[40];
	memset(d, 'd', sizeof(d));
	send_pkt(0, tcp4(true, 1000, 0, GEN_TCP_SYN, NULL, 0));
	send_pkt(1, tcp4(false, 5000, 1001, GEN_TCP_SYN | GEN_TCP_ACK, NULL, 0));
	send_pkt(0, tcp4(true, 1001, 5001, GEN_TCP_ACK | GEN_TCP_PSH, d, 20));
	send_pkt(1, tcp4(false, 5001, 1021, GEN_TCP_RST | GEN_TCP_ACK, d, 40));
	run();
	cr_assert_eq(w.streams.cnt.bytes_delivered, 20);
	uint32_t lens[8];
	cr_assert_eq(wire(0, lens, 8, NULL), 2, "the RST itself is forwarded");
	dp_worker_finish(&w, &snap);
	struct dp_event ev[2];
	cr_assert_eq(records(ev, 2), 1);
	cr_assert_eq(ev[0].tcp_state, DP_TCP_CLOSED);
}

SETUP(setup_class_timeouts, lim.timeouts.ms[DP_CLASS_TCP_NEW] = 5000;
      lim.timeouts.ms[DP_CLASS_TCP_CLOSED] = 10000; lim.timeouts.ms[DP_CLASS_OTHER] = 20000;
      lim.timeouts.ms[DP_CLASS_UDP_NEW] = 30000; lim.timeouts.ms[DP_CLASS_UDP_EST] = 120000;
      lim.timeouts.ms[DP_CLASS_TCP_EST] = 600000)

/* Move the clock to `at` microseconds after t0 with a frame of a flow of its own (port 60000
 * and up); return the port of the one other flow that timed out, 0 if none. */
static uint16_t
expired_at(uint64_t t0, uint64_t at, uint16_t tick)
{
	uint8_t d[8] = { 0 };
	now_us = t0 + at;
	send_pkt(0, udp4(tick, d, 8));
	struct dp_event ev[8];
	unsigned n = records(ev, 8);
	uint16_t port = 0;
	for (unsigned i = 0; i < n; i++) {
		if (ev[i].sport >= 60000)
			continue;
		cr_assert_eq(port, 0, "one flow at a time");
		cr_assert_eq(ev[i].reason, DP_FLOW_END_TIMEOUT);
		port = ev[i].sport;
	}
	return port;
}

/* Each protocol and state has its own idle timeout: TCP half-open, closed (RST) and
 * established, UDP one-way and answered, and everything else (ICMP). */
Test(pipeline, idle_timeouts_by_protocol_and_state, .init = setup_class_timeouts)
{
	uint8_t d[8] = { 0 };
	uint64_t t0 = now_us;
	for (uint16_t c = 41000; c <= 41002; c++) {
		struct gen_pkt syn = tcp4(true, 1, 0, GEN_TCP_SYN, NULL, 0);
		struct gen_pkt sa = tcp4(false, 9, 2, GEN_TCP_SYN | GEN_TCP_ACK, NULL, 0);
		struct gen_pkt ack = tcp4(true, 2, 10, GEN_TCP_ACK, NULL, 0);
		struct gen_pkt rst = tcp4(true, 2, 10, GEN_TCP_RST | GEN_TCP_ACK, NULL, 0);
		syn.sport = ack.sport = rst.sport = sa.dport = c;
		send_pkt(0, syn); /* 41000: half-open */
		if (c == 41000)
			continue;
		send_pkt(1, sa);
		send_pkt(0, c == 41001 ? ack : rst); /* 41001 established, 41002 reset */
	}
	send_pkt(0, udp4(2000, d, 8)); /* one-way */
	send_pkt(0, udp4(2001, d, 8));
	struct gen_pkt answer = udp4(53, d, 8);
	answer.src = gen_ip4(198, 19, 0, 2);
	answer.dst = gen_ip4(198, 18, 0, 1);
	answer.dport = 2001;
	send_pkt(1, answer); /* answered */
	struct gen_pkt echo = udp4(0, d, 8);
	echo.proto = 1;
	echo.icmp_type = 8;
	echo.icmp_id = 7777;
	send_pkt(0, echo);
	cr_assert_eq(dp_flow_counters(w.flows)->in_use, 6);

	cr_assert_eq(expired_at(t0, 4000000, 60000), 0);
	cr_assert_eq(expired_at(t0, 6000000, 60001), 41000, "TCP half-open: 5 s");
	cr_assert_eq(expired_at(t0, 9000000, 60002), 0);
	cr_assert_eq(expired_at(t0, 11000000, 60003), 41002, "TCP reset: 10 s");
	cr_assert_eq(expired_at(t0, 21000000, 60004), 7777, "ICMP: 20 s");
	cr_assert_eq(expired_at(t0, 31000000, 60005), 2000, "UDP one-way: 30 s");
	cr_assert_eq(expired_at(t0, 119000000, 60006), 0);
	cr_assert_eq(expired_at(t0, 121000000, 60007), 2001, "UDP answered: 120 s");
	cr_assert_eq(expired_at(t0, 599000000, 60008), 0);
	cr_assert_eq(expired_at(t0, 601000000, 60009), 41001, "TCP established: 600 s");
}

SETUP(setup_small_age_budget, snap.age_budget = 8)

/* Aging does bounded work per loop pass: flows that all expired at once leave at most
 * flow.age_budget a pass, the oldest first. */
Test(pipeline, aging_work_is_bounded_per_pass, .init = setup_small_age_budget)
{
	uint8_t d[8] = { 0 };
	for (unsigned i = 0; i < 40; i++)
		send_pkt(0, udp4((uint16_t)(2000 + i), d, 8));
	now_us += 31000000;
	for (unsigned pass = 0; pass < 5; pass++) {
		now_us += 1000; /* a new millisecond: one aging pass */
		send_pkt(0, udp4((uint16_t)(60000 + pass), d, 8));
		struct dp_event ev[64];
		cr_assert_eq(records(ev, 64), 8, "pass %u", pass);
		for (unsigned i = 0; i < 8; i++)
			cr_assert_eq(ev[i].sport, 2000 + 8 * pass + i, "oldest first");
	}
	cr_assert_eq(dp_flow_counters(w.flows)->timeouts, 40);
	cr_assert_eq(dp_flow_counters(w.flows)->in_use, 5);
}

Test(pipeline, midstream_pickup, .init = setup)
{
	uint8_t d[30];
	memset(d, 'm', sizeof(d));
	/* the server's data first: the client is still the side with the high port */
	send_pkt(1, tcp4(false, 9000, 1000, GEN_TCP_ACK | GEN_TCP_PSH, d, sizeof(d)));
	send_pkt(0, tcp4(true, 1000, 9030, GEN_TCP_ACK, NULL, 0));
	run();
	dp_worker_finish(&w, &snap);
	struct dp_event ev[2];
	cr_assert_eq(records(ev, 2), 1);
	cr_assert_eq(ev[0].sport, 40000);
	cr_assert_eq(ev[0].pkts[0], 1);
	cr_assert_eq(ev[0].pkts[1], 1);
	cr_assert(ev[0].flow_flags & DP_FLOW_F_MIDSTREAM);
	cr_assert_eq(w.streams.cnt.bytes_delivered, 30);
}

/* ---- flow table ---- */

Test(pipeline, idle_flows_time_out, .init = setup)
{
	uint8_t d[8] = { 0 };
	send_pkt(0, udp4(1000, d, 8));
	run();
	now_us += 29000000;
	send_pkt(0, udp4(1001, d, 8)); /* another flow moves the clock: not yet */
	run();
	struct dp_event ev[4];
	cr_assert_eq(records(ev, 4), 0);
	now_us += 2000000; /* 31 s after the first */
	send_pkt(0, udp4(1002, d, 8));
	run();
	cr_assert_eq(records(ev, 4), 1);
	cr_assert_eq(ev[0].sport, 1000);
	cr_assert_eq(ev[0].reason, DP_FLOW_END_TIMEOUT);
	cr_assert_eq(dp_flow_counters(w.flows)->timeouts, 1);
	cr_assert_eq(dp_flow_counters(w.flows)->in_use, 2);
}

/*
 * The worker's clock counts milliseconds in 32 bits: it wraps after 49.7 days of running.
 * A flow's end was the clock's start plus its last packet's millisecond, so every record
 * written after the first 49.7 days got a wrong end (here, one before the flow's start,
 * shown as the start).
 */
Test(pipeline, flow_end_is_right_after_fifty_days, .init = setup)
{
	uint8_t d[8] = { 0 };
	send_pkt(0, udp4(1000, d, 8)); /* the clock starts here */
	for (unsigned day = 1; day <= 50; day++) {
		now_us += 86400ull * 1000000;
		send_pkt(0, udp4((uint16_t)(1000 + day), d, 8)); /* the day's flow ends the last */
	}
	uint64_t start = now_us;
	send_pkt(0, udp4(2000, d, 8));
	now_us += 1500000;
	send_pkt(0, udp4(2000, d, 8));
	uint64_t last = now_us;
	dp_worker_finish(&w, &snap);
	struct dp_event ev[64];
	unsigned n = records(ev, 64), found = 0;
	for (unsigned i = 0; i < n; i++) {
		if (ev[i].sport != 2000)
			continue;
		found++;
		cr_assert_eq(ev[i].start_us, start + 10);
		cr_assert_eq(ev[i].end_us / 1000, last / 1000, "end %lu, last packet %lu",
			     (unsigned long)ev[i].end_us, (unsigned long)last);
	}
	cr_assert_eq(found, 1);
}

/*
 * A capture whose clock leaps forward (captures merged end to end: here 30 days): the
 * flows from before the leap time out at once, and the flows after it time out as usual.
 * Before, the 32-bit millisecond clock took the oldest flow's last packet for one in the
 * future: it never expired, and the flows behind it in its list never did either.
 */
Test(pipeline, flows_time_out_across_a_leap_of_the_capture_clock, .init = setup)
{
	uint8_t d[8] = { 0 };
	send_pkt(0, udp4(1000, d, 8));
	uint64_t a_end = now_us;
	now_us += 30ull * 86400 * 1000000;
	send_pkt(0, udp4(1001, d, 8));
	uint64_t b_end = now_us;
	struct dp_event ev[4];
	cr_assert_eq(records(ev, 4), 1, "the flow from before the leap ends at the leap");
	cr_assert_eq(ev[0].sport, 1000);
	cr_assert_eq(ev[0].reason, DP_FLOW_END_TIMEOUT);
	cr_assert_eq(ev[0].end_us / 1000, a_end / 1000);
	now_us += 31000000;
	send_pkt(0, udp4(1002, d, 8));
	cr_assert_eq(records(ev, 4), 1);
	cr_assert_eq(ev[0].sport, 1001);
	cr_assert_eq(ev[0].reason, DP_FLOW_END_TIMEOUT);
	cr_assert_eq(ev[0].end_us / 1000, b_end / 1000);
	cr_assert_eq(dp_flow_counters(w.flows)->timeouts, 2);
	cr_assert_eq(dp_flow_counters(w.flows)->in_use, 1);
}

/*
 * A live worker's clock runs on the TSC. Scaling the cycles since start to microseconds
 * overflowed after 1.7 hours at 3 GHz and the clock stopped there: no flow timed out any
 * more, and records carried the time the clock stopped.
 */
#define LIVE_HZ 3000000000ull
#define LIVE_T0 1767225600000000ull

/* The worker on a live clock (TSC at LIVE_HZ, started at LIVE_T0), frames' times ignored. */
static void
live_clock(void)
{
	sh.tsc_hz = LIVE_HZ;
	sh.ports[0].ts_usec = sh.ports[1].ts_usec = 0;
	w.capture_clock = false;
	w.epoch_us = w.now_us = LIVE_T0;
	w.now_ms = 0;
}

Test(pipeline, live_clock_runs_past_hours_of_cycles, .init = setup)
{
	uint64_t hz = LIVE_HZ, t0 = LIVE_T0;
	uint8_t d[8] = { 0 };
	live_clock();
	dp_worker_clock(&w, w.epoch_tsc + 3 * 3600 * hz);
	cr_assert_eq(w.now_us, t0 + 3ull * 3600 * 1000000);
	send_pkt(0, udp4(1000, d, 8));
	dp_worker_clock(&w, w.epoch_tsc + (3 * 3600 + 31) * hz);
	run();
	struct dp_event ev[4];
	cr_assert_eq(records(ev, 4), 1, "the flow times out 31 s later");
	cr_assert_eq(ev[0].start_us, t0 + 3ull * 3600 * 1000000);
	cr_assert_eq(ev[0].end_us, ev[0].start_us);
	cr_assert_eq(ev[0].reason, DP_FLOW_END_TIMEOUT);
	cr_assert_eq(dp_cycles_to(400 * 86400 * hz + hz / 2, hz, 1000),
		     400ull * 86400 * 1000 + 500);
}

/*
 * A live worker's clock follows the control core's anchors (the kernel's clock), not the
 * TSC frequency DPDK estimated: here the TSC runs 0.2% faster than tsc_hz says, as on the
 * development VM. Without anchors the clock was 7.2 s ahead after an hour; it never goes
 * back, so a new anchor behind it holds it until time catches up.
 */
Test(pipeline, live_clock_follows_the_kernel_clock, .init = setup)
{
	uint64_t hz = LIVE_HZ, t0 = LIVE_T0;
	live_clock();
	uint64_t tsc = w.epoch_tsc + 3600 * hz; /* an hour by the TSC estimate: 3592.8 s */
	dp_clock_anchor_set(&sh, tsc, t0 + 3592800000ull);
	dp_worker_clock(&w, tsc + hz / 2);
	cr_assert_eq(w.now_us, t0 + 3593300000ull);
	cr_assert_eq(w.now_ms, 3593300);
	dp_clock_anchor_set(&sh, tsc + hz, t0 + 3593200000ull); /* behind: the clock holds */
	dp_worker_clock(&w, tsc + hz);
	cr_assert_eq(w.now_us, t0 + 3593300000ull);
	dp_worker_clock(&w, tsc + hz + hz / 5);
	cr_assert_eq(w.now_us, t0 + 3593400000ull);
	cr_assert_eq(sh.anchor_seq, 2);
}

SETUP(setup_big_burst, lim.flows = 256; snap.burst = DP_MAX_BURST)

/* A burst of the largest size with more distinct flows than rte_hash looks up in one call
 * (64): before the lookups were split, the worker crashed in rte_hash. */
Test(pipeline, largest_burst_of_distinct_flows, .init = setup_big_burst)
{
	uint8_t d[8] = { 0 }, f[GEN_MAX_FRAME];
	cr_assert_geq(DP_MAX_BURST, 100);
	for (unsigned i = 0; i < DP_MAX_BURST; i++) {
		/* 100 flows, then the first ones again */
		struct gen_pkt p = udp4((uint16_t)(2000 + i % 100), d, sizeof(d));
		send_frame(0, f, gen_build(f, &p), 1);
	}
	cr_assert_eq(dp_worker_poll(&w, &snap), DP_MAX_BURST, "one poll takes the whole burst");
	uint32_t lens[DP_MAX_BURST];
	cr_assert_eq(wire(1, lens, DP_MAX_BURST, NULL), DP_MAX_BURST);
	cr_assert_eq(dp_flow_counters(w.flows)->in_use, 100);
	dp_worker_finish(&w, &snap);
	struct dp_event ev[128];
	unsigned n = records(ev, 128), twice = 0;
	cr_assert_eq(n, 100);
	for (unsigned i = 0; i < n; i++)
		twice += ev[i].pkts[0] == 2;
	cr_assert_eq(twice, DP_MAX_BURST - 100, "repeated flows were found, not created again");
}

Test(pipeline, full_table_evicts_the_oldest_half_open_flow, .init = setup_long_timeouts)
{
	uint8_t d[8] = { 0 };
	for (unsigned i = 0; i < 64; i++) {
		send_pkt(0, udp4((uint16_t)(2000 + i), d, 8));
		now_us += 1000000;
		run();
	}
	cr_assert_eq(dp_flow_counters(w.flows)->in_use, 64);
	send_pkt(0, udp4(3000, d, 8));
	send_pkt(0, udp4(3001, d, 8));
	run();
	struct dp_event ev[4];
	cr_assert_eq(records(ev, 4), 2);
	cr_assert_eq(ev[0].sport, 2000, "the oldest goes first");
	cr_assert_eq(ev[1].sport, 2001);
	cr_assert_eq(ev[0].reason, DP_FLOW_END_FORCED);
	cr_assert_eq(dp_flow_counters(w.flows)->evicted, 2);
	cr_assert_eq(dp_flow_counters(w.flows)->in_use, 64);
	uint32_t lens[80];
	cr_assert_eq(wire(1, lens, 80, NULL), 66, "every frame crossed");
}

/*
 * No frame reaches an entry its flow has left: flows found in the hash, then evicted, come
 * back as new flows, and the flows that took their entries count only their own frames.
 */
Test(pipeline, evicted_flows_come_back_as_new_flows, .init = setup_long_timeouts)
{
	uint8_t d[8] = { 0 };
	for (unsigned i = 0; i < 64; i++) { /* each twice: the second frame finds it */
		send_pkt(0, udp4((uint16_t)(2000 + i), d, 8));
		send_pkt(0, udp4((uint16_t)(2000 + i), d, 8));
	}
	for (unsigned i = 0; i < 64; i++) /* 64 new flows evict the first 64 */
		send_pkt(0, udp4((uint16_t)(3000 + i), d, 8));
	for (unsigned i = 0; i < 64; i++) /* the first 64 again: new flows, evicting the others */
		send_pkt(0, udp4((uint16_t)(2000 + i), d, 8));
	uint32_t lens[300];
	cr_assert_eq(wire(1, lens, 300, NULL), 4 * 64, "every frame crossed");
	cr_assert_eq(dp_flow_counters(w.flows)->created, 3 * 64);
	dp_worker_finish(&w, &snap);
	struct dp_event ev[256];
	unsigned n = records(ev, 256), once = 0, twice = 0;
	cr_assert_eq(n, 3 * 64);
	for (unsigned i = 0; i < n; i++) {
		cr_assert_eq(ev[i].pkts[1], 0);
		if (ev[i].sport >= 3000)
			cr_assert_eq(ev[i].pkts[0], 1, "flow %u counted another's frames",
				     ev[i].sport);
		once += ev[i].sport < 3000 && ev[i].pkts[0] == 1;
		twice += ev[i].sport < 3000 && ev[i].pkts[0] == 2;
	}
	cr_assert_eq(twice, 64, "the first flows' first lives");
	cr_assert_eq(once, 64, "and their second");
}

/* 64 established TCP flows, all active: nothing may be evicted. */
static void
fill_with_established(void)
{
	for (unsigned i = 0; i < 64; i++) {
		struct gen_pkt s = tcp4(true, 1, 0, GEN_TCP_SYN, NULL, 0);
		s.sport = (uint16_t)(10000 + i);
		send_pkt(0, s);
		struct gen_pkt sa = tcp4(false, 9, 2, GEN_TCP_SYN | GEN_TCP_ACK, NULL, 0);
		sa.dport = (uint16_t)(10000 + i);
		send_pkt(1, sa);
		struct gen_pkt a = tcp4(true, 2, 10, GEN_TCP_ACK, NULL, 0);
		a.sport = (uint16_t)(10000 + i);
		send_pkt(0, a);
	}
	run();
	uint32_t lens[256];
	wire(0, lens, 256, NULL);
	wire(1, lens, 256, NULL);
	cr_assert_eq(dp_flow_counters(w.flows)->in_use, 64);
}

Test(pipeline, exhausted_table_forwards_new_flows_uninspected, .init = setup)
{
	fill_with_established();
	uint8_t d[8] = { 0 };
	send_pkt(0, udp4(4000, d, 8));
	run();
	uint32_t lens[4];
	cr_assert_eq(wire(1, lens, 4, NULL), 1);
	cr_assert_eq(dp_flow_counters(w.flows)->insert_failed, 1);
	cr_assert_eq(w.wc.flow_full_forwarded, 1);
	cr_assert_eq(dp_flow_counters(w.flows)->evicted, 0);
}

SETUP(setup_drop_when_full, snap.flow_full_drop = true)

Test(pipeline, exhausted_table_drops_new_flows_when_configured, .init = setup_drop_when_full)
{
	fill_with_established();
	uint8_t d[8] = { 0 };
	send_pkt(0, udp4(4000, d, 8));
	run();
	uint32_t lens[4];
	cr_assert_eq(wire(1, lens, 4, NULL), 0);
	cr_assert_eq(w.wc.flow_full_dropped, 1);
	/* after evict_idle without traffic, an established flow may give up its entry */
	now_us += 11000000;
	send_pkt(0, udp4(4001, d, 8));
	run();
	cr_assert_eq(wire(1, lens, 4, NULL), 1);
	cr_assert_eq(dp_flow_counters(w.flows)->evicted, 1);
}

/* ---- fragments ---- */

/* Fragments of one UDP datagram (payload n bytes) cut every `step` bytes of IP payload. */
static unsigned
fragments4(uint16_t id, size_t n, size_t step, uint8_t frames[][2048], size_t *lens)
{
	static uint8_t payload[8000];
	uint8_t whole[GEN_MAX_FRAME];
	for (size_t i = 0; i < n; i++)
		payload[i] = (uint8_t)(i * 7 + id);
	struct gen_pkt p = udp4(5000, payload, n);
	p.ip_id = id;
	size_t wl = gen_build(whole, &p);
	size_t data = wl - 34, k = 0;
	for (size_t off = 0; off < data; off += step, k++) {
		size_t l = data - off < step ? data - off : step;
		bool more = off + l < data;
		memcpy(frames[k], whole, 34);
		memcpy(frames[k] + 34, whole + 34 + off, l);
		uint16_t tot = (uint16_t)(20 + l), fo = (uint16_t)((off / 8) | (more ? 0x2000 : 0));
		frames[k][16] = (uint8_t)(tot >> 8);
		frames[k][17] = (uint8_t)tot;
		frames[k][20] = (uint8_t)(fo >> 8);
		frames[k][21] = (uint8_t)fo;
		frames[k][24] = frames[k][25] = 0;
		uint32_t sum = 0;
		for (int b = 0; b < 20; b += 2)
			sum += (uint32_t)(frames[k][14 + b] << 8 | frames[k][15 + b]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		frames[k][24] = (uint8_t)(~sum >> 8);
		frames[k][25] = (uint8_t)~sum;
		lens[k] = 34 + l;
	}
	return (unsigned)k;
}

static uint8_t fr[16][2048];
static size_t frl[16];

Test(pipeline, ipv4_fragments_held_until_complete_then_all_forwarded, .init = setup)
{
	unsigned k = fragments4(1, 3000, 1000, fr, frl); /* 3008 bytes: 4 fragments */
	cr_assert_eq(k, 4);
	uint32_t lens[8];
	for (unsigned i = 0; i < k; i++) {
		send_frame(0, fr[i], frl[i], 10);
		run();
		if (i + 1 < k)
			cr_assert_eq(wire(1, lens, 8, NULL), 0, "fragment %u held", i);
	}
	uint8_t copy[8][2048];
	cr_assert_eq(wire(1, lens, 8, copy), 4);
	for (unsigned i = 0; i < k; i++)
		cr_assert(memcmp(copy[i], fr[i], frl[i]) == 0, "fragment %u unchanged, in order",
			  i);
	cr_assert_eq(dp_frag_counters(w.frags)->reassembled, 1);
	dp_worker_finish(&w, &snap);
	struct dp_event ev[2];
	cr_assert_eq(records(ev, 2), 1);
	cr_assert_eq(ev[0].pkts[0], 4, "every fragment counts in its flow");
	cr_assert_eq(ev[0].sport, 5000);
	cr_assert_eq(rte_mempool_avail_count(pool), POOL, "no mbuf leaked");
}

Test(pipeline, ipv4_fragments_reversed, .init = setup)
{
	unsigned k = fragments4(2, 3000, 1000, fr, frl);
	for (unsigned i = k; i-- > 0;)
		send_frame(0, fr[i], frl[i], 10);
	run();
	uint32_t lens[8];
	uint8_t copy[8][2048];
	cr_assert_eq(wire(1, lens, 8, copy), 4);
	for (unsigned i = 0; i < k; i++)
		cr_assert(memcmp(copy[i], fr[k - 1 - i], frl[k - 1 - i]) == 0,
			  "arrival order kept");
}

Test(pipeline, duplicate_fragment_is_dropped, .init = setup)
{
	unsigned k = fragments4(3, 3000, 1000, fr, frl);
	send_frame(0, fr[0], frl[0], 10);
	send_frame(0, fr[1], frl[1], 10);
	send_frame(0, fr[1], frl[1], 10);
	send_frame(0, fr[2], frl[2], 10);
	send_frame(0, fr[3], frl[3], 10);
	run();
	uint32_t lens[8];
	cr_assert_eq(wire(1, lens, 8, NULL), k);
	cr_assert_eq(dp_frag_counters(w.frags)->duplicates, 1);
}

Test(pipeline, overlapping_fragment_with_different_data_is_dropped, .init = setup)
{
	unsigned k = fragments4(4, 3000, 1000, fr, frl);
	uint8_t evil[2048];
	memcpy(evil, fr[1], frl[1]);
	evil[34 + 500] ^= 0xff;
	send_frame(0, fr[0], frl[0], 10);
	send_frame(0, fr[1], frl[1], 10);
	send_frame(0, evil, frl[1], 10);
	for (unsigned i = 2; i < k; i++)
		send_frame(0, fr[i], frl[i], 10);
	run();
	uint32_t lens[8];
	uint8_t copy[8][2048];
	cr_assert_eq(wire(1, lens, 8, copy), k, "the original datagram crosses");
	cr_assert(memcmp(copy[1], fr[1], frl[1]) == 0, "first wins");
	cr_assert_eq(dp_frag_counters(w.frags)->conflicts, 1);
}

Test(pipeline, incomplete_datagram_times_out_and_is_dropped, .init = setup)
{
	fragments4(5, 3000, 1000, fr, frl);
	send_frame(0, fr[0], frl[0], 10);
	send_frame(0, fr[2], frl[2], 10);
	run();
	now_us += 31000000;
	uint8_t d[8] = { 0 };
	send_pkt(0, udp4(7, d, 8)); /* anything, to move the clock */
	run();
	uint32_t lens[8];
	cr_assert_eq(wire(1, lens, 8, NULL), 1, "only the unrelated datagram");
	cr_assert_eq(dp_frag_counters(w.frags)->timeouts, 1);
	cr_assert_eq(dp_frag_counters(w.frags)->held, 0);
	cr_assert_eq(rte_mempool_avail_count(pool), POOL);
}

/* The k fragments of one datagram, more than frag.max_fragments: with overflow = forward
 * they all cross, uninspected, and are counted. */
static void
too_many_cross(uint8_t (*f)[2048], const size_t *len, unsigned k)
{
	for (unsigned i = 0; i < k; i++)
		send_frame(0, f[i], len[i], 10);
	run();
	uint32_t lens[32];
	cr_assert_eq(wire(1, lens, 32, NULL), k, "overflow = forward: all cross, uninspected");
	cr_assert_eq(dp_frag_counters(w.frags)->too_many, 1);
	cr_assert_eq(w.wc.frag_overflow_forwarded, k);
}

Test(pipeline, too_many_fragments_get_the_overflow_outcome, .init = setup)
{
	static uint8_t many[16][2048];
	static size_t ml[16];
	unsigned k = fragments4(6, 1600, 104, many, ml); /* 16 fragments, limit 8 */
	cr_assert_eq(k, 16);
	too_many_cross(many, ml, k);
}

SETUP(setup_overflow_drop, snap.frag_overflow_drop = true)

Test(pipeline, too_many_fragments_dropped_when_configured, .init = setup_overflow_drop)
{
	static uint8_t many[16][2048];
	static size_t ml[16];
	unsigned k = fragments4(7, 1600, 104, many, ml);
	for (unsigned i = 0; i < k; i++)
		send_frame(0, many[i], ml[i], 10);
	run();
	uint32_t lens[32];
	cr_assert_eq(wire(1, lens, 32, NULL), 0);
	cr_assert_eq(rte_mempool_avail_count(pool), POOL);
}

/* 17 datagrams of two fragments (ids from 100) for a table of 16: send the first (half 0,
 * made then) or the second fragment of each. */
static uint8_t two[34][2048];
static size_t tl[34];

static void
send_seventeen(unsigned half)
{
	for (unsigned d = 0; half == 0 && d < 17; d++)
		fragments4((uint16_t)(100 + d), 1500, 1000, two + 2 * d, tl + 2 * d);
	for (unsigned d = 0; d < 17; d++)
		send_frame(0, two[2 * d + half], tl[2 * d + half], 10);
}

/* A full fragment table (frag.datagrams) is counted and gets the overflow outcome: with
 * "forward" the datagram that found no room crosses uninspected, the others whole. */
Test(pipeline, full_fragment_table_forwards_when_configured, .init = setup)
{
	send_seventeen(0);
	run();
	uint32_t lens[40];
	uint8_t copy[40][2048];
	cr_assert_eq(wire(1, lens, 40, copy), 1, "only the 17th's fragment, not held");
	cr_assert(memcmp(copy[0], two[32], tl[32]) == 0);
	cr_assert_eq(dp_frag_counters(w.frags)->table_full, 1);
	cr_assert_eq(dp_frag_counters(w.frags)->datagrams_in_use, 16);
	send_seventeen(1);
	run();
	cr_assert_eq(wire(1, lens, 40, NULL), 33, "16 datagrams whole, and the 17th's rest");
	cr_assert_eq(dp_frag_counters(w.frags)->reassembled, 16);
	cr_assert_eq(w.wc.frag_overflow_forwarded, 2);
	cr_assert_eq(rte_mempool_avail_count(pool), POOL);
}

Test(pipeline, full_fragment_table_drops_when_configured, .init = setup_overflow_drop)
{
	send_seventeen(0);
	send_seventeen(1);
	run();
	uint32_t lens[40];
	cr_assert_eq(wire(1, lens, 40, NULL), 32, "the 17th datagram dropped");
	cr_assert_eq(dp_frag_counters(w.frags)->table_full, 2);
	cr_assert_eq(w.wc.frag_dropped, 2);
	cr_assert_eq(rte_mempool_avail_count(pool), POOL);
}

SETUP(setup_held_budget, lim.frag.max_held = 4)

/* The budget of held fragments (frag.max_held) is counted like a full table: the datagram
 * that would pass it gives up, what it held goes out with the overflow outcome, and the
 * datagrams already held complete. */
Test(pipeline, held_fragment_budget_gets_the_overflow_outcome, .init = setup_held_budget)
{
	static uint8_t a[8][2048], b[8][2048];
	static size_t al[8], bl[8];
	cr_assert_eq(fragments4(200, 3000, 1000, a, al), 4);
	cr_assert_eq(fragments4(201, 3000, 1000, b, bl), 4);
	for (unsigned i = 0; i < 3; i++) /* A: three held, its last one missing */
		send_frame(0, a[i], al[i], 10);
	send_frame(0, b[0], bl[0], 10); /* B: the fourth held fragment */
	send_frame(0, b[1], bl[1], 10); /* the fifth: over the budget */
	run();
	uint32_t lens[16];
	uint8_t copy[16][2048];
	cr_assert_eq(wire(1, lens, 16, copy), 2, "B's two fragments, released uninspected");
	cr_assert(memcmp(copy[0], b[0], bl[0]) == 0 && memcmp(copy[1], b[1], bl[1]) == 0);
	cr_assert_eq(dp_frag_counters(w.frags)->table_full, 1);
	send_frame(0, b[2], bl[2], 10); /* the rest of B follows its first fragments */
	send_frame(0, a[3], al[3], 10); /* A completes */
	run();
	cr_assert_eq(wire(1, lens, 16, NULL), 1 + 4);
	cr_assert_eq(dp_frag_counters(w.frags)->reassembled, 1);
	cr_assert_eq(dp_frag_counters(w.frags)->held, 0);
	cr_assert_eq(rte_mempool_avail_count(pool), POOL);
}

SETUP(setup_incomplete_forward, snap.frag_incomplete_drop = false)

/* frag.incomplete = "forward": a datagram that never completes goes out at its timeout, in
 * the order its fragments came. */
Test(pipeline, incomplete_datagram_forwarded_at_its_timeout_when_configured,
     .init = setup_incomplete_forward)
{
	fragments4(5, 3000, 1000, fr, frl);
	send_frame(0, fr[2], frl[2], 10);
	send_frame(0, fr[0], frl[0], 10);
	run();
	uint32_t lens[8];
	uint8_t copy[8][2048];
	cr_assert_eq(wire(1, lens, 8, NULL), 0, "held while it may complete");
	now_us += 31000000;
	uint8_t d[8] = { 0 };
	send_pkt(0, udp4(7, d, 8));
	run();
	cr_assert_eq(wire(1, lens, 8, copy), 3, "the frame that moved the clock, then the two");
	cr_assert(memcmp(copy[1], fr[2], frl[2]) == 0);
	cr_assert(memcmp(copy[2], fr[0], frl[0]) == 0);
	cr_assert_eq(dp_frag_counters(w.frags)->timeouts, 1);
	cr_assert_eq(dp_frag_counters(w.frags)->held, 0);
	cr_assert_eq(rte_mempool_avail_count(pool), POOL);
}

SETUP(setup_invalid_drop, snap.invalid_drop = true)

Test(pipeline, the_datagram_verdict_applies_to_every_fragment, .init = setup_invalid_drop)
{
	unsigned k = fragments4(8, 3000, 1000, fr, frl);
	/* the UDP length field in the first fragment claims more than the datagram holds:
	 * only the reassembled datagram shows it, and all four fragments go with it */
	fr[0][34 + 4] = 0xff;
	for (unsigned i = 0; i < k; i++)
		send_frame(0, fr[i], frl[i], 10);
	/* a good datagram in the same burst crosses whole */
	k = fragments4(9, 3000, 1000, fr + 4, frl + 4);
	for (unsigned i = 0; i < k; i++)
		send_frame(0, fr[4 + i], frl[4 + i], 10);
	run();
	uint32_t lens[16];
	uint8_t copy[16][2048];
	cr_assert_eq(wire(1, lens, 16, copy), 4);
	for (unsigned i = 0; i < 4; i++)
		cr_assert(memcmp(copy[i], fr[4 + i], frl[4 + i]) == 0);
	cr_assert_eq(w.wc.decode[DP_DEC_UDP_LEN], 1);
	cr_assert_eq(rte_mempool_avail_count(pool), POOL);
}

/* IPv6: fragment header after the fixed header (RFC 8200 §4.5). */
static unsigned
fragments6(uint32_t id, size_t n, size_t step, bool reverse_data_byte)
{
	static uint8_t payload[4000];
	uint8_t whole[GEN_MAX_FRAME];
	for (size_t i = 0; i < n; i++)
		payload[i] = (uint8_t)(i * 3);
	struct gen_pkt p = udp4(6000, payload, n);
	p.l3 = 6;
	p.src = gen_ip6(1, 1);
	p.dst = gen_ip6(2, 2);
	size_t wl = gen_build(whole, &p);
	size_t data = wl - 54, k = 0;
	for (size_t off = 0; off < data; off += step, k++) {
		size_t l = data - off < step ? data - off : step;
		bool more = off + l < data;
		memcpy(fr[k], whole, 54);
		fr[k][20] = 44; /* next header: fragment */
		uint16_t plen = (uint16_t)(8 + l);
		fr[k][18] = (uint8_t)(plen >> 8);
		fr[k][19] = (uint8_t)plen;
		uint8_t *fh = fr[k] + 54;
		fh[0] = 17;
		fh[1] = 0;
		uint16_t fo = (uint16_t)(off | (more ? 1 : 0));
		fh[2] = (uint8_t)(fo >> 8);
		fh[3] = (uint8_t)fo;
		fh[4] = (uint8_t)(id >> 24);
		fh[5] = (uint8_t)(id >> 16);
		fh[6] = (uint8_t)(id >> 8);
		fh[7] = (uint8_t)id;
		memcpy(fr[k] + 62, whole + 54 + off, l);
		frl[k] = 62 + l;
	}
	if (reverse_data_byte)
		fr[1][62 + 10] ^= 1;
	return (unsigned)k;
}

Test(pipeline, ipv6_fragments_in_order_and_reversed, .init = setup)
{
	unsigned k = fragments6(0x1234, 2000, 800, false);
	cr_assert_eq(k, 3);
	for (unsigned i = 0; i < k; i++)
		send_frame(0, fr[i], frl[i], 10);
	k = fragments6(0x1235, 2000, 800, false);
	for (unsigned i = k; i-- > 0;)
		send_frame(0, fr[i], frl[i], 10);
	run();
	uint32_t lens[8];
	cr_assert_eq(wire(1, lens, 8, NULL), 6);
	cr_assert_eq(dp_frag_counters(w.frags)->reassembled, 2);
	dp_worker_finish(&w, &snap);
	struct dp_event ev[2];
	cr_assert_eq(records(ev, 2), 1, "both datagrams belong to one UDP flow");
	cr_assert_eq(ev[0].l3, 6);
	cr_assert_eq(ev[0].pkts[0], 6);
}

Test(pipeline, ipv6_overlap_with_different_data_is_dropped, .init = setup)
{
	unsigned k = fragments6(0x77, 2000, 800, false);
	static uint8_t good1[2048];
	memcpy(good1, fr[1], frl[1]);
	send_frame(0, fr[0], frl[0], 10);
	send_frame(0, fr[1], frl[1], 10);
	fragments6(0x77, 2000, 800, true); /* the same fragment 1, one byte changed */
	send_frame(0, fr[1], frl[1], 10);
	send_frame(0, fr[2], frl[2], 10);
	run();
	uint32_t lens[8];
	uint8_t copy[8][2048];
	cr_assert_eq(wire(1, lens, 8, copy), k);
	cr_assert(memcmp(copy[1], good1, frl[1]) == 0);
	cr_assert_eq(dp_frag_counters(w.frags)->conflicts, 1);
}

Test(pipeline, ipv6_duplicate_fragment_is_dropped, .init = setup)
{
	unsigned k = fragments6(0x78, 2000, 800, false);
	send_frame(0, fr[0], frl[0], 10);
	send_frame(0, fr[1], frl[1], 10);
	send_frame(0, fr[1], frl[1], 10);
	send_frame(0, fr[2], frl[2], 10);
	run();
	uint32_t lens[8];
	uint8_t copy[8][2048];
	cr_assert_eq(wire(1, lens, 8, copy), k, "the datagram crosses once");
	for (unsigned i = 0; i < k; i++)
		cr_assert(memcmp(copy[i], fr[i], frl[i]) == 0, "fragment %u unchanged, in order",
			  i);
	cr_assert_eq(dp_frag_counters(w.frags)->duplicates, 1);
	cr_assert_eq(dp_frag_counters(w.frags)->reassembled, 1);
}

Test(pipeline, ipv6_incomplete_datagram_times_out_and_is_dropped, .init = setup)
{
	fragments6(0x79, 2000, 800, false);
	send_frame(0, fr[0], frl[0], 10);
	send_frame(0, fr[2], frl[2], 10);
	run();
	uint32_t lens[8];
	cr_assert_eq(wire(1, lens, 8, NULL), 0, "held while incomplete");
	now_us += 31000000;
	uint8_t d[8] = { 0 };
	send_pkt(0, udp4(7, d, 8)); /* anything, to move the clock */
	run();
	cr_assert_eq(wire(1, lens, 8, NULL), 1, "only the unrelated datagram");
	cr_assert_eq(dp_frag_counters(w.frags)->timeouts, 1);
	cr_assert_eq(dp_frag_counters(w.frags)->held, 0);
	cr_assert_eq(rte_mempool_avail_count(pool), POOL);
}

Test(pipeline, ipv6_too_many_fragments_get_the_overflow_outcome, .init = setup)
{
	unsigned k = fragments6(0x7a, 1200, 104, false); /* 12 fragments, limit 8 */
	cr_assert_eq(k, 12);
	too_many_cross(fr, frl, k);
}

/* ---- runs: frames of one flow in a row, accounted at once ---- */

static void
setup_settled(void)
{
	limits();
	snap.reassembly = false; /* nothing inspected: every known flow is settled */
	snap.burst = DP_MAX_BURST;
	start();
}

/* Queue frames without polling, so that they come in one burst. */
static void
queue_pkt(unsigned i, struct gen_pkt p)
{
	uint8_t f[GEN_MAX_FRAME];
	send_frame(i, f, gen_build(f, &p), 10);
}

/* A settled flow's run in one burst counts exactly what the frames carried, by direction,
 * and a FIN inside a run still moves the state machine. The replay port sees both
 * directions (a capture replayed on one port), so runs hold both. */
Test(pipeline, run_of_one_flow_in_a_burst_is_counted_frame_for_frame, .init = setup_settled)
{
	uint8_t d[100];
	memset(d, 'x', sizeof(d));
	send_pkt(0, tcp4(true, 1000, 0, GEN_TCP_SYN, NULL, 0));
	send_pkt(1, tcp4(false, 5000, 1001, GEN_TCP_SYN | GEN_TCP_ACK, NULL, 0));
	send_pkt(0, tcp4(true, 1001, 5001, GEN_TCP_ACK, NULL, 0));
	/* one burst, one run: five data frames and two answers (on the same port) */
	for (unsigned k = 0; k < 5; k++)
		queue_pkt(0, tcp4(true, 1001 + 100 * k, 5001, GEN_TCP_ACK, d, sizeof(d)));
	queue_pkt(0, tcp4(false, 5001, 1501, GEN_TCP_ACK, d, 10));
	queue_pkt(0, tcp4(false, 5011, 1501, GEN_TCP_ACK, d, 20));
	cr_assert_eq(dp_worker_poll(&w, &snap), 7, "one poll takes the whole burst");
	/* the next: a run with a FIN in its middle */
	queue_pkt(0, tcp4(false, 5031, 1501, GEN_TCP_ACK, NULL, 0));
	queue_pkt(0, tcp4(true, 1501, 5031, GEN_TCP_ACK | GEN_TCP_FIN, NULL, 0));
	queue_pkt(0, tcp4(true, 1502, 5031, GEN_TCP_ACK, NULL, 0));
	cr_assert_eq(dp_worker_poll(&w, &snap), 3);
	uint32_t lens[16];
	cr_assert_eq(wire(1, lens, 16, NULL), 2 + 10);
	dp_worker_finish(&w, &snap);
	struct dp_event ev[4];
	cr_assert_eq(records(ev, 4), 1, "both directions in one flow");
	cr_assert_eq(ev[0].pkts[0], 2 + 5 + 2);
	cr_assert_eq(ev[0].pkts[1], 1 + 2 + 1);
	/* frames: 14 Ethernet + 20 IPv4 + 20 TCP + payload */
	cr_assert_eq(ev[0].bytes[0], 4 * 54 + 5 * 154);
	cr_assert_eq(ev[0].bytes[1], 54 + 64 + 74 + 54);
	cr_assert_eq(ev[0].tcp_state, DP_TCP_FIN_WAIT, "the FIN in the run counted");
	cr_assert_eq(ev[0].sport, 40000);
}

/* A settled flow's run whose first frame leaps the capture clock: the leap ends the flow
 * (it timed out before the leap), and the run makes a new flow of it. */
Test(pipeline, run_after_a_leap_of_the_clock_starts_a_new_flow, .init = setup_settled)
{
	uint8_t d[8] = { 0 };
	send_pkt(0, udp4(1000, d, 8));
	send_pkt(0, udp4(1000, d, 8)); /* known now: looked up, settled */
	now_us += 30ull * 86400 * 1000000;
	for (unsigned k = 0; k < 3; k++)
		queue_pkt(0, udp4(1000, d, 8));
	cr_assert_eq(dp_worker_poll(&w, &snap), 3);
	struct dp_event ev[4];
	cr_assert_eq(records(ev, 4), 1, "the flow from before the leap");
	cr_assert_eq(ev[0].pkts[0] + ev[0].pkts[1], 2);
	cr_assert_eq(ev[0].reason, DP_FLOW_END_TIMEOUT);
	dp_worker_finish(&w, &snap);
	cr_assert_eq(records(ev, 4), 1, "the run's flow");
	cr_assert_eq(ev[0].pkts[0] + ev[0].pkts[1], 3);
	cr_assert_eq(ev[0].reason, DP_FLOW_END_SHUTDOWN);
	cr_assert_eq(ev[0].start_us, now_us - 20);
	cr_assert_eq(dp_flow_counters(w.flows)->created, 2);
	cr_assert_eq(dp_flow_counters(w.flows)->in_use, 0);
}

/* Two frames in a row of each of n variants of one UDP packet, vary making variant k. */
static void
queue_pairs(unsigned n, void (*vary)(struct gen_pkt *p, unsigned k))
{
	uint8_t d[8] = { 0 };
	for (unsigned k = 0; k < n; k++) {
		for (unsigned r = 0; r < 2; r++) {
			struct gen_pkt p = udp4(7000, d, sizeof(d));
			vary(&p, k);
			queue_pkt(0, p);
		}
	}
}

/* IPv6 flows that differ only in their source address. */
static void
ipv6_source(struct gen_pkt *p, unsigned k)
{
	p->l3 = 6;
	p->src = gen_ip6(1, 10 + k);
	p->dst = gen_ip6(2, 2);
}

/* IPv6 frames are told apart by their keys: two flows with the same ports and different
 * addresses in a row are two runs, not one. */
Test(pipeline, ipv6_flows_with_the_same_ports_in_a_row_stay_apart, .init = setup_settled)
{
	queue_pairs(2, ipv6_source);
	cr_assert_eq(dp_worker_poll(&w, &snap), 4);
	cr_assert_eq(dp_flow_counters(w.flows)->in_use, 2);
	/* and again, in the next burst: both known now, each run of two counted once */
	queue_pairs(2, ipv6_source);
	cr_assert_eq(dp_worker_poll(&w, &snap), 4);
	dp_worker_finish(&w, &snap);
	struct dp_event ev[4];
	cr_assert_eq(records(ev, 4), 2);
	cr_assert_eq(ev[0].pkts[0] + ev[0].pkts[1], 4);
	cr_assert_eq(ev[1].pkts[0] + ev[1].pkts[1], 4);
}

/* The same tuple untagged (k = 0), on VLAN 100 (1) and on 100/200 (2, QinQ). */
static void
vlan_stack(struct gen_pkt *p, unsigned k)
{
	p->l2.nvlan = k;
	p->l2.tpid[0] = k == 2 ? 0x88a8 : 0x8100;
	p->l2.tci[0] = 100;
	p->l2.tpid[1] = 0x8100;
	p->l2.tci[1] = 200;
}

/* The VLAN ids are part of the flow key: the same addresses and ports on three VLAN stacks
 * are three flows, also when their frames come in a row in one burst. */
Test(pipeline, the_same_tuple_on_other_vlans_is_another_flow, .init = setup_settled)
{
	queue_pairs(3, vlan_stack);
	cr_assert_eq(dp_worker_poll(&w, &snap), 6);
	queue_pairs(3, vlan_stack); /* again: known flows, each run of two counted at once */
	cr_assert_eq(dp_worker_poll(&w, &snap), 6);
	uint32_t lens[16];
	cr_assert_eq(wire(1, lens, 16, NULL), 12);
	dp_worker_finish(&w, &snap);
	struct dp_event ev[4];
	cr_assert_eq(records(ev, 4), 3);
	unsigned seen = 0;
	for (unsigned i = 0; i < 3; i++) {
		cr_assert_eq(ev[i].pkts[0], 4, "flow %u", i);
		if (ev[i].nvlan > 0)
			cr_assert_eq(ev[i].vlan[0], 100);
		if (ev[i].nvlan > 1)
			cr_assert_eq(ev[i].vlan[1], 200);
		seen |= 1u << ev[i].nvlan;
	}
	cr_assert_eq(seen, 7, "untagged, one tag, two tags");
}

/* ---- decode policy ---- */

Test(pipeline, malformed_ip_is_forwarded_by_default_and_counted, .init = setup)
{
	uint8_t d[8] = { 0 };
	uint8_t f[GEN_MAX_FRAME];
	size_t n = gen_build(f, &(struct gen_pkt){ 0 });
	struct gen_pkt p = udp4(1, d, 8);
	n = gen_build(f, &p);
	f[24] ^= 0xff; /* header checksum */
	send_frame(0, f, n, 10);
	run();
	uint32_t lens[2];
	cr_assert_eq(wire(1, lens, 2, NULL), 1);
	cr_assert_eq(w.wc.decode[DP_DEC_IP4_CSUM], 1);
}

Test(pipeline, malformed_ip_is_dropped_when_configured, .init = setup_invalid_drop)
{
	uint8_t d[8] = { 0 };
	uint8_t f[GEN_MAX_FRAME];
	struct gen_pkt p = udp4(1, d, 8);
	size_t n = gen_build(f, &p);
	f[14] = 0x46; /* IHL 6, no options present: checksum also off, first error wins */
	send_frame(0, f, n, 10);
	run();
	uint32_t lens[2];
	cr_assert_eq(wire(1, lens, 2, NULL), 0);
	cr_assert_eq(w.wc.invalid_dropped, 1);
}

/* Without flow tracking the frames are still decoded: decode.invalid applies and the
 * malformations are counted (before, flow.track = false forwarded them unseen). */
SETUP(setup_decode_only, snap.track = false; snap.decode_only = true; snap.invalid_drop = true)

Test(pipeline, without_tracking_malformed_ip_is_still_dropped_and_counted,
     .init = setup_decode_only)
{
	uint8_t d[8] = { 0 };
	uint8_t f[GEN_MAX_FRAME];
	struct gen_pkt p = udp4(1, d, 8);
	size_t n = gen_build(f, &p);
	send_frame(0, f, n, 10);
	f[24] ^= 0xff; /* header checksum */
	send_frame(0, f, n, 10);
	run();
	uint32_t lens[4];
	cr_assert_eq(wire(1, lens, 4, NULL), 1, "the good frame only");
	cr_assert_eq(w.wc.decode[DP_DEC_IP4_CSUM], 1);
	cr_assert_eq(w.wc.invalid_dropped, 1);
	cr_assert_eq(dp_flow_counters(w.flows)->created, 0, "no flows without tracking");
}
