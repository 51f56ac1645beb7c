/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bwgen: Bridgeward's deterministic traffic generator.
 *
 *   bwgen mix OUT.pcap [--frames N] [--seed S]   mixed L2/L3/L4 traffic for bridge tests
 *   bwgen demo OUT.pcap                          a short office session for the demo
 *   bwgen apps OUT.pcap                          every catalogue application's signalling
 *                                                and its near misses (apps.c)
 *   bwgen quic-stale OUT.pcap                    regression: QUIC state of an ended flow
 *
 * The same arguments always write the same bytes. Addresses are from the benchmarking
 * range 198.18.0.0/15 (clients 198.18/16, servers 198.19/16) and 2001:db8::/32.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps.h"
#include "collide.h"
#include "pkt.h"

#define T0 1767225600000000ull /* 2026-01-01T00:00:00Z */

static const uint8_t MAC_IN[6] = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x01 };
static const uint8_t MAC_GW[6] = { 0x02, 0x00, 0x00, 0x00, 0x02, 0x01 };
static const uint8_t MAC_BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

struct mix {
	struct gen_writer *w;
	struct gen_rng rng;
	uint64_t window_us; /* conversations start within [T0, T0 + window) */
	unsigned conv;      /* conversations made, for unique ports */
};

static struct gen_l2
l2_plain(void)
{
	struct gen_l2 l2 = { 0 };
	memcpy(l2.src, MAC_IN, 6);
	memcpy(l2.dst, MAC_GW, 6);
	return l2;
}

static struct gen_addr
client_addr(struct mix *m, int family)
{
	uint32_t h = gen_below(&m->rng, 250) + 1;
	return family == 4 ? gen_ip4(198, 18, (uint8_t)(h / 64), (uint8_t)(h % 64 + 10))
			   : gen_ip6(0x100, 0x1000 + h);
}

static struct gen_addr
server_addr(struct mix *m, int family)
{
	uint32_t h = gen_below(&m->rng, 200) + 1;
	return family == 4 ? gen_ip4(198, 19, (uint8_t)(h / 100), (uint8_t)(h % 100 + 1))
			   : gen_ip6(0x200, 0x2000 + h);
}

static uint64_t
start_time(struct mix *m)
{
	return T0 + gen_rand(&m->rng) % m->window_us;
}

static void
fill(struct mix *m, uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)gen_rand(&m->rng);
}

static void
tcp_conv(struct mix *m, int family, const struct gen_l2 *l2, size_t mss, size_t max_bytes)
{
	static uint8_t data[65536];
	uint64_t ts = start_time(m);
	struct gen_tcp t = {
		.w = m->w,
		.l2 = *l2,
		.c = client_addr(m, family),
		.s = server_addr(m, family),
		.cport = (uint16_t)(20000 + (m->conv++ % 40000)),
		.sport = (uint16_t)(gen_below(&m->rng, 4) == 0 ? 22
				    : gen_below(&m->rng, 2)    ? 80
							       : 443),
		.cseq = (uint32_t)gen_rand(&m->rng),
		.sseq = (uint32_t)gen_rand(&m->rng),
		.ts = &ts,
		.gap_us = 50 + gen_below(&m->rng, 400),
		.mss = mss,
	};
	size_t up = gen_below(&m->rng, (uint32_t)max_bytes / 8 + 1);
	size_t down = gen_below(&m->rng, (uint32_t)max_bytes + 1);
	size_t cap = mss * 8 < sizeof(data) ? mss * 8 : sizeof(data);

	gen_tcp_handshake(&t);
	while (up > 0 || down > 0) {
		size_t n = up < cap ? up : cap;
		if (n) {
			fill(m, data, n);
			gen_tcp_send(&t, true, data, n);
			up -= n;
		}
		n = down < cap ? down : cap;
		if (n) {
			fill(m, data, n);
			gen_tcp_send(&t, false, data, n);
			down -= n;
		}
	}
	gen_tcp_close(&t);
}

static void
udp_conv(struct mix *m, int family, const struct gen_l2 *l2)
{
	uint8_t data[1400];
	uint64_t ts = start_time(m);
	struct gen_addr c = client_addr(m, family), s = server_addr(m, family);
	uint16_t cport = (uint16_t)(30000 + (m->conv++ % 30000));
	uint16_t sport = gen_below(&m->rng, 2) ? 53 : (uint16_t)(10000 + gen_below(&m->rng, 50000));
	struct gen_l2 back = gen_l2_reverse(l2);
	unsigned n = 1 + gen_below(&m->rng, 6);

	for (unsigned i = 0; i < n; i++) {
		size_t len = 20 + gen_below(&m->rng, 1200);
		fill(m, data, len);
		gen_udp(m->w, ts, l2, c, s, cport, sport, data, len);
		ts += 200 + gen_below(&m->rng, 5000);
		len = 20 + gen_below(&m->rng, 1300);
		fill(m, data, len);
		gen_udp(m->w, ts, &back, s, c, sport, cport, data, len);
		ts += 200 + gen_below(&m->rng, 5000);
	}
}

static void
icmp_echo(struct mix *m, int family)
{
	uint8_t buf[GEN_MAX_FRAME], data[56];
	uint64_t ts = start_time(m);
	struct gen_pkt p = { 0 };
	unsigned n = 1 + gen_below(&m->rng, 4);

	fill(m, data, sizeof(data));
	p.l2 = l2_plain();
	p.l3 = family;
	p.src = client_addr(m, family);
	p.dst = server_addr(m, family);
	p.proto = family == 4 ? 1 : 58;
	p.icmp_id = (uint16_t)m->conv++;
	p.payload = data;
	p.payload_len = sizeof(data);
	for (unsigned i = 0; i < n; i++) {
		struct gen_pkt r = p;
		p.icmp_type = family == 4 ? 8 : 128;
		p.icmp_seq = (uint16_t)i;
		gen_write(m->w, ts, buf, gen_build(buf, &p));
		r.l2 = gen_l2_reverse(&p.l2);
		r.src = p.dst;
		r.dst = p.src;
		r.icmp_type = family == 4 ? 0 : 129;
		r.icmp_seq = (uint16_t)i;
		gen_write(m->w, ts + 300, buf, gen_build(buf, &r));
		ts += 1000000;
	}
}

/* ARP who-has (broadcast) and is-at, both 60-byte minimum frames. */
static void
arp(struct mix *m)
{
	uint8_t buf[GEN_MAX_FRAME], body[28];
	uint64_t ts = start_time(m);
	struct gen_pkt p = { 0 };
	struct gen_addr c = client_addr(m, 4), s = client_addr(m, 4);
	static const uint8_t hdr[6] = { 0, 1, 8, 0, 6, 4 };

	memcpy(body, hdr, 6);
	body[6] = 0;
	body[7] = 1; /* request */
	memcpy(body + 8, MAC_IN, 6);
	memcpy(body + 14, c.a, 4);
	memset(body + 18, 0, 6);
	memcpy(body + 24, s.a, 4);
	p.l2 = l2_plain();
	memcpy(p.l2.dst, MAC_BCAST, 6);
	p.ethertype = 0x0806;
	p.payload = body;
	p.payload_len = sizeof(body);
	p.pad_to = 60;
	gen_write(m->w, ts, buf, gen_build(buf, &p));
	body[7] = 2; /* reply */
	memcpy(body + 8, MAC_GW, 6);
	memcpy(body + 14, s.a, 4);
	memcpy(body + 18, MAC_IN, 6);
	memcpy(body + 24, c.a, 4);
	p.l2 = gen_l2_reverse(&p.l2);
	memcpy(p.l2.src, MAC_GW, 6);
	memcpy(p.l2.dst, MAC_IN, 6);
	gen_write(m->w, ts + 150, buf, gen_build(buf, &p));
}

/* Multicast: mDNS to 224.0.0.251 (01:00:5e:00:00:fb) or ff02::fb (33:33:00:00:00:fb). */
static void
multicast(struct mix *m, int family)
{
	static const uint8_t mc4[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
	static const uint8_t mc6[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0xfb };
	uint8_t data[64];
	struct gen_l2 l2 = l2_plain();
	struct gen_addr dst = family == 4 ? gen_ip4(224, 0, 0, 251) : gen_ip6(0, 0);

	if (family == 6) {
		memset(dst.a, 0, 16);
		dst.a[0] = 0xff;
		dst.a[1] = 0x02;
		dst.a[15] = 0xfb;
	}
	memcpy(l2.dst, family == 4 ? mc4 : mc6, 6);
	fill(m, data, sizeof(data));
	gen_udp(m->w, start_time(m), &l2, client_addr(m, family), dst, 5353, 5353, data,
		sizeof(data));
}

/* DHCP-discover-like broadcast: 0.0.0.0:68 -> 255.255.255.255:67. */
static void
broadcast_udp(struct mix *m)
{
	uint8_t data[300];
	struct gen_l2 l2 = l2_plain();

	memcpy(l2.dst, MAC_BCAST, 6);
	fill(m, data, sizeof(data));
	gen_udp(m->w, start_time(m), &l2, gen_ip4(0, 0, 0, 0), gen_ip4(255, 255, 255, 255), 68, 67,
		data, sizeof(data));
}

/* A frame with an ethertype nobody registered for (IEEE local experimental 0x88b5) and an
 * LLDP frame: a transparent bridge passes both. */
static void
non_ip(struct mix *m)
{
	static const uint8_t lldp_dst[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e };
	uint8_t buf[GEN_MAX_FRAME], body[120];
	struct gen_pkt p = { 0 };

	fill(m, body, sizeof(body));
	p.l2 = l2_plain();
	p.ethertype = 0x88b5;
	p.payload = body;
	p.payload_len = 46 + gen_below(&m->rng, 70);
	gen_write(m->w, start_time(m), buf, gen_build(buf, &p));
	memcpy(p.l2.dst, lldp_dst, 6);
	p.ethertype = 0x88cc;
	p.payload_len = 60;
	gen_write(m->w, start_time(m), buf, gen_build(buf, &p));
}

static struct gen_l2
l2_vlan(struct mix *m, bool qinq)
{
	struct gen_l2 l2 = l2_plain();
	if (qinq) {
		l2.nvlan = 2;
		l2.tpid[0] = 0x88a8;
		l2.tci[0] = (uint16_t)(10 + gen_below(&m->rng, 5));
		l2.tpid[1] = 0x8100;
		l2.tci[1] = (uint16_t)(100 + gen_below(&m->rng, 20));
	} else {
		l2.nvlan = 1;
		l2.tpid[0] = 0x8100;
		l2.tci[0] =
			(uint16_t)((gen_below(&m->rng, 8) << 13) | (100 + gen_below(&m->rng, 100)));
	}
	return l2;
}

static int
scenario_mix(const char *out, unsigned frames, uint64_t seed)
{
	struct mix m = { .rng = { seed }, .window_us = 1000000 + (uint64_t)frames * 200 };
	struct gen_l2 plain = l2_plain(), vl;

	m.w = gen_writer_open(out);
	if (m.w == NULL)
		return 1;
	/* One of every special kind first, whatever the seed. */
	vl = l2_vlan(&m, false);
	tcp_conv(&m, 4, &vl, 1460, 4000);
	vl = l2_vlan(&m, true);
	udp_conv(&m, 4, &vl);
	vl = l2_vlan(&m, true);
	tcp_conv(&m, 6, &vl, 1440, 4000);
	tcp_conv(&m, 4, &plain, 8960, 40000); /* jumbo: 9000-byte IP packets */
	tcp_conv(&m, 6, &plain, 8940, 40000);
	arp(&m);
	multicast(&m, 4);
	multicast(&m, 6);
	broadcast_udp(&m);
	non_ip(&m);
	icmp_echo(&m, 4);
	icmp_echo(&m, 6);
	while (gen_writer_frames(m.w) < frames) {
		unsigned r = gen_below(&m.rng, 100);
		if (r < 30)
			tcp_conv(&m, 4, &plain, 1460, 12000);
		else if (r < 42)
			tcp_conv(&m, 6, &plain, 1440, 12000);
		else if (r < 57)
			udp_conv(&m, gen_below(&m.rng, 3) ? 4 : 6, &plain);
		else if (r < 62)
			icmp_echo(&m, 4);
		else if (r < 65)
			icmp_echo(&m, 6);
		else if (r < 70)
			arp(&m);
		else if (r < 75) {
			vl = l2_vlan(&m, false);
			if (gen_below(&m.rng, 2))
				tcp_conv(&m, 4, &vl, 1460, 6000);
			else
				udp_conv(&m, 4, &vl);
		} else if (r < 79) {
			vl = l2_vlan(&m, true);
			if (gen_below(&m.rng, 2))
				tcp_conv(&m, 4, &vl, 1460, 6000);
			else
				udp_conv(&m, 6, &vl);
		} else if (r < 83)
			multicast(&m, gen_below(&m.rng, 2) ? 4 : 6);
		else if (r < 86)
			non_ip(&m);
		else if (r < 88)
			tcp_conv(&m, 4, &plain, 8960, 60000);
		else if (r < 90)
			broadcast_udp(&m);
		else
			tcp_conv(&m, gen_below(&m.rng, 2) ? 4 : 6, &plain,
				 200 + gen_below(&m.rng, 600), 3000);
	}
	uint64_t n = gen_writer_frames(m.w);
	if (gen_writer_close(m.w) != 0)
		return 1;
	fprintf(stderr, "bwgen: wrote %llu frames to %s\n", (unsigned long long)n, out);
	return 0;
}

/* ---- demo: a short office session ---- */

static size_t
dns_query(uint8_t *b, uint16_t id, const char *name, uint16_t qtype)
{
	size_t n = 12;
	memset(b, 0, 12);
	b[0] = (uint8_t)(id >> 8);
	b[1] = (uint8_t)id;
	b[2] = 0x01; /* RD */
	b[5] = 1;    /* QDCOUNT */
	for (const char *p = name; *p;) {
		size_t l = strcspn(p, ".");
		b[n++] = (uint8_t)l;
		memcpy(b + n, p, l);
		n += l;
		p += l;
		if (*p == '.')
			p++;
	}
	b[n++] = 0;
	b[n++] = (uint8_t)(qtype >> 8);
	b[n++] = (uint8_t)qtype;
	b[n++] = 0;
	b[n++] = 1;
	return n;
}

static size_t
dns_answer_a(uint8_t *b, size_t qlen, const uint8_t ip[4])
{
	static const uint8_t rr[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4 };
	b[2] = 0x81;
	b[3] = 0x80;
	b[7] = 1; /* ANCOUNT */
	memcpy(b + qlen, rr, sizeof(rr));
	memcpy(b + qlen + sizeof(rr), ip, 4);
	return qlen + sizeof(rr) + 4;
}

/* A TLS 1.3-style ClientHello with server_name and ALPN (RFC 8446 §4.1.2, RFC 6066 §3). */
static size_t
tls_client_hello(uint8_t *b, const char *sni, struct gen_rng *rng)
{
	size_t n = 0, hlen_at, ext_at, sl = strlen(sni);
	b[n++] = 0x16;
	b[n++] = 0x03;
	b[n++] = 0x01;
	n += 2; /* record length */
	b[n++] = 0x01;
	hlen_at = n;
	n += 3;
	b[n++] = 0x03;
	b[n++] = 0x03;
	for (int i = 0; i < 32; i++)
		b[n++] = (uint8_t)gen_rand(rng);
	b[n++] = 32;
	for (int i = 0; i < 32; i++)
		b[n++] = (uint8_t)gen_rand(rng);
	static const uint8_t suites[] = { 0, 6, 0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 1, 0 };
	memcpy(b + n, suites, sizeof(suites));
	n += sizeof(suites);
	ext_at = n;
	n += 2;
	/* server_name */
	b[n++] = 0;
	b[n++] = 0;
	b[n++] = (uint8_t)((sl + 5) >> 8);
	b[n++] = (uint8_t)(sl + 5);
	b[n++] = (uint8_t)((sl + 3) >> 8);
	b[n++] = (uint8_t)(sl + 3);
	b[n++] = 0;
	b[n++] = (uint8_t)(sl >> 8);
	b[n++] = (uint8_t)sl;
	memcpy(b + n, sni, sl);
	n += sl;
	/* ALPN h2, http/1.1 */
	static const uint8_t alpn[] = { 0, 16,  0,   14,  0,   12,  2,   'h', '2',
					8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
	memcpy(b + n, alpn, sizeof(alpn));
	n += sizeof(alpn);
	/* supported_versions: TLS 1.3, 1.2 */
	static const uint8_t sv[] = { 0, 43, 0, 5, 4, 3, 4, 3, 3 };
	memcpy(b + n, sv, sizeof(sv));
	n += sizeof(sv);
	size_t el = n - ext_at - 2;
	b[ext_at] = (uint8_t)(el >> 8);
	b[ext_at + 1] = (uint8_t)el;
	size_t hl = n - hlen_at - 3;
	b[hlen_at] = 0;
	b[hlen_at + 1] = (uint8_t)(hl >> 8);
	b[hlen_at + 2] = (uint8_t)hl;
	b[3] = (uint8_t)((n - 5) >> 8);
	b[4] = (uint8_t)(n - 5);
	return n;
}

static int
scenario_demo(const char *out)
{
	struct gen_writer *w = gen_writer_open(out);
	struct gen_rng rng = { 7 };
	struct gen_l2 l2 = l2_plain(), back = gen_l2_reverse(&l2);
	struct gen_addr pc = gen_ip4(198, 18, 0, 10), dns = gen_ip4(198, 19, 0, 53);
	uint8_t b[4096];
	uint64_t ts = T0;
	size_t n, q;

	if (w == NULL)
		return 1;
	struct {
		const char *name;
		uint8_t ip[4];
		uint16_t port;
	} sites[] = {
		{ "www.example.org", { 198, 19, 1, 80 }, 80 },
		{ "teams.microsoft.com", { 198, 19, 2, 43 }, 443 },
		{ "zoom.us", { 198, 19, 3, 43 }, 443 },
		{ "git.example.net", { 198, 19, 4, 22 }, 22 },
	};
	for (unsigned i = 0; i < sizeof(sites) / sizeof(sites[0]); i++) {
		q = dns_query(b, (uint16_t)(0x1000 + i), sites[i].name, 1);
		gen_udp(w, ts, &l2, pc, dns, (uint16_t)(40000 + i), 53, b, q);
		ts += 8000;
		n = dns_answer_a(b, q, sites[i].ip);
		gen_udp(w, ts, &back, dns, pc, 53, (uint16_t)(40000 + i), b, n);
		ts += 2000;

		struct gen_addr srv =
			gen_ip4(sites[i].ip[0], sites[i].ip[1], sites[i].ip[2], sites[i].ip[3]);
		struct gen_tcp t = { .w = w,
				     .l2 = l2,
				     .c = pc,
				     .s = srv,
				     .cport = (uint16_t)(50000 + i),
				     .sport = sites[i].port,
				     .cseq = (uint32_t)gen_rand(&rng),
				     .sseq = (uint32_t)gen_rand(&rng),
				     .ts = &ts,
				     .gap_us = 3000,
				     .mss = 1460 };
		gen_tcp_handshake(&t);
		if (sites[i].port == 80) {
			n = (size_t)snprintf(
				(char *)b, sizeof(b),
				"GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: curl/7.88.1\r\n"
				"Accept: */*\r\n\r\n",
				sites[i].name);
			gen_tcp_send(&t, true, b, n);
			n = (size_t)snprintf((char *)b, sizeof(b),
					     "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
					     "Content-Length: 44\r\n\r\n<html><body>Hello, "
					     "Bridgeward</body></html>");
			gen_tcp_send(&t, false, b, n);
		} else if (sites[i].port == 443) {
			n = tls_client_hello(b, sites[i].name, &rng);
			gen_tcp_send(&t, true, b, n);
			memset(b, 0x17, 1200);
			gen_tcp_send(&t, false, b, 1200);
		} else {
			n = (size_t)snprintf((char *)b, sizeof(b),
					     "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
			gen_tcp_send(&t, true, b, n);
			n = (size_t)snprintf((char *)b, sizeof(b), "SSH-2.0-OpenSSH_9.2p1\r\n");
			gen_tcp_send(&t, false, b, n);
		}
		gen_tcp_close(&t);
		ts += 50000;
	}
	uint64_t frames = gen_writer_frames(w);
	if (gen_writer_close(w) != 0)
		return 1;
	fprintf(stderr, "bwgen: wrote %llu frames to %s\n", (unsigned long long)frames, out);
	return 0;
}

/* ---- evasion: what a normalising bridge must refuse ---- */

/*
 * Writes IN and EXPECTED: the frames the bridge must forward, in the order it forwards them
 * (held fragments leave when their datagram completes). Forwarded although unusual: a
 * client's data before the ACK that completes its handshake. Refused: a TCP segment that
 * overlaps bytes already sent with different bytes, an IPv4 and an IPv6 fragment that
 * overlap held fragments with different bytes, a duplicate fragment, the fragments of a
 * datagram that never completes.
 */
struct pair {
	struct gen_writer *in, *exp;
	uint64_t ts;
};

static void
both(struct pair *p, const uint8_t *f, size_t n, bool forwarded)
{
	p->ts += 1000;
	gen_write(p->in, p->ts, f, n);
	if (forwarded)
		gen_write(p->exp, p->ts, f, n);
}

static size_t
tcp_frame(uint8_t *buf, struct gen_addr c, struct gen_addr s, bool from_client, uint32_t seq,
	  uint32_t ack, uint8_t flags, const void *data, size_t len)
{
	struct gen_pkt p = { 0 };
	p.l2 = l2_plain();
	if (!from_client)
		p.l2 = gen_l2_reverse(&p.l2);
	p.l3 = c.family;
	p.src = from_client ? c : s;
	p.dst = from_client ? s : c;
	p.proto = 6;
	p.sport = from_client ? 41000 : 80;
	p.dport = from_client ? 80 : 41000;
	p.seq = seq;
	p.ack = ack;
	p.tcp_flags = flags;
	p.payload = data;
	p.payload_len = len;
	p.pad_to = 60;
	return gen_build(buf, &p);
}

static void
datagram(struct pair *p, int l3, uint16_t sport, uint32_t id, size_t size, const char *how)
{
	static uint8_t payload[8000], whole[GEN_MAX_FRAME], fr[16][2048];
	size_t lens[16];
	struct gen_pkt d = { 0 };

	for (size_t i = 0; i < size; i++)
		payload[i] = (uint8_t)(i + id);
	d.l2 = l2_plain();
	d.l3 = l3;
	d.src = l3 == 4 ? gen_ip4(198, 18, 9, 1) : gen_ip6(0x900, 1);
	d.dst = l3 == 4 ? gen_ip4(198, 19, 9, 2) : gen_ip6(0x900, 2);
	d.proto = 17;
	d.sport = sport;
	d.dport = 5001;
	d.payload = payload;
	d.payload_len = size;
	d.ip_id = (uint16_t)id;
	size_t wl = gen_build(whole, &d);
	unsigned k = gen_fragment(whole, wl, l3, 1000, id, fr, lens, 16);

	if (strcmp(how, "in-order") == 0) {
		for (unsigned i = 0; i < k; i++)
			gen_write(p->in, p->ts += 1000, fr[i], lens[i]);
		for (unsigned i = 0; i < k; i++)
			gen_write(p->exp, p->ts, fr[i], lens[i]);
	} else if (strcmp(how, "reversed") == 0) {
		for (unsigned i = k; i-- > 0;)
			gen_write(p->in, p->ts += 1000, fr[i], lens[i]);
		for (unsigned i = k; i-- > 0;)
			gen_write(p->exp, p->ts, fr[i], lens[i]);
	} else if (strcmp(how, "duplicate") == 0 || strcmp(how, "conflict") == 0) {
		/* fragment 1 twice; for "conflict" the second copy has one byte changed */
		uint8_t again[2048];
		memcpy(again, fr[1], lens[1]);
		if (how[0] == 'c')
			again[lens[1] - 100] ^= 0x5a;
		gen_write(p->in, p->ts += 1000, fr[0], lens[0]);
		gen_write(p->in, p->ts += 1000, fr[1], lens[1]);
		gen_write(p->in, p->ts += 1000, again, lens[1]);
		for (unsigned i = 2; i < k; i++)
			gen_write(p->in, p->ts += 1000, fr[i], lens[i]);
		for (unsigned i = 0; i < k; i++)
			gen_write(p->exp, p->ts, fr[i], lens[i]);
	} else { /* incomplete: fragment 1 never comes */
		for (unsigned i = 0; i < k; i++)
			if (i != 1)
				gen_write(p->in, p->ts += 1000, fr[i], lens[i]);
	}
}

static int
scenario_evasion(const char *in, const char *exp)
{
	struct pair p = { gen_writer_open_ordered(in), gen_writer_open_ordered(exp), T0 };
	uint8_t b[GEN_MAX_FRAME], good[400], evil[400];
	struct gen_addr c = gen_ip4(198, 18, 8, 1), s = gen_ip4(198, 19, 8, 2);

	if (p.in == NULL || p.exp == NULL)
		return 1;
	memset(good, 'G', sizeof(good));
	memcpy(evil, good, sizeof(evil));
	memcpy(evil + 200, "EVIL", 4);
	/* TCP: the client's segment, then a "retransmission" with different bytes before the
	 * server acknowledged it, then an honest retransmission. */
	both(&p, b, tcp_frame(b, c, s, true, 100, 0, GEN_TCP_SYN, NULL, 0), true);
	both(&p, b, tcp_frame(b, c, s, false, 900, 101, GEN_TCP_SYN | GEN_TCP_ACK, NULL, 0), true);
	both(&p, b, tcp_frame(b, c, s, true, 101, 901, GEN_TCP_ACK, NULL, 0), true);
	both(&p, b, tcp_frame(b, c, s, true, 101, 901, GEN_TCP_ACK | GEN_TCP_PSH, good, 400), true);
	both(&p, b, tcp_frame(b, c, s, true, 101, 901, GEN_TCP_ACK | GEN_TCP_PSH, evil, 400),
	     false);
	both(&p, b, tcp_frame(b, c, s, true, 101, 901, GEN_TCP_ACK | GEN_TCP_PSH, good, 400), true);
	both(&p, b, tcp_frame(b, c, s, false, 901, 501, GEN_TCP_ACK, NULL, 0), true);
	both(&p, b, tcp_frame(b, c, s, true, 501, 901, GEN_TCP_ACK | GEN_TCP_FIN, NULL, 0), true);
	both(&p, b, tcp_frame(b, c, s, false, 901, 502, GEN_TCP_ACK | GEN_TCP_FIN, NULL, 0), true);
	both(&p, b, tcp_frame(b, c, s, true, 502, 902, GEN_TCP_ACK, NULL, 0), true);
	/* TCP: another client's first data overtakes the bare ACK that ends its handshake (a
	 * loaded host can send them in that order): the data opens the stream, the ACK is an
	 * old duplicate, and everything crosses. */
	struct gen_addr c2 = gen_ip4(198, 18, 8, 3);
	both(&p, b, tcp_frame(b, c2, s, true, 300, 0, GEN_TCP_SYN, NULL, 0), true);
	both(&p, b, tcp_frame(b, c2, s, false, 700, 301, GEN_TCP_SYN | GEN_TCP_ACK, NULL, 0), true);
	both(&p, b, tcp_frame(b, c2, s, true, 301, 701, GEN_TCP_ACK | GEN_TCP_PSH, good, 400),
	     true);
	both(&p, b, tcp_frame(b, c2, s, true, 301, 701, GEN_TCP_ACK, NULL, 0), true);
	both(&p, b, tcp_frame(b, c2, s, false, 701, 701, GEN_TCP_ACK, NULL, 0), true);
	both(&p, b, tcp_frame(b, c2, s, true, 701, 701, GEN_TCP_ACK | GEN_TCP_FIN, NULL, 0), true);
	both(&p, b, tcp_frame(b, c2, s, false, 701, 702, GEN_TCP_ACK | GEN_TCP_FIN, NULL, 0), true);
	both(&p, b, tcp_frame(b, c2, s, true, 702, 702, GEN_TCP_ACK, NULL, 0), true);
	/* UDP datagrams of 3000 bytes, four fragments each */
	datagram(&p, 4, 6001, 101, 3000, "in-order");
	datagram(&p, 4, 6002, 102, 3000, "reversed");
	datagram(&p, 4, 6003, 103, 3000, "duplicate");
	datagram(&p, 4, 6004, 104, 3000, "conflict");
	datagram(&p, 4, 6005, 105, 3000, "incomplete");
	datagram(&p, 6, 6006, 106, 3000, "in-order");
	datagram(&p, 6, 6007, 107, 3000, "reversed");
	datagram(&p, 6, 6008, 108, 3000, "conflict");
	datagram(&p, 6, 6009, 109, 3000, "incomplete");
	uint64_t a = gen_writer_frames(p.in), e = gen_writer_frames(p.exp);
	if (gen_writer_close(p.in) != 0 || gen_writer_close(p.exp) != 0)
		return 1;
	fprintf(stderr, "bwgen: wrote %llu frames to %s, %llu expected to cross to %s\n",
		(unsigned long long)a, in, (unsigned long long)e, exp);
	return 0;
}

/* ---- floods for the new-flow benchmark ---- */

/* n SYNs, each a new flow: sources walk 198.18.0.0/15, ports 1024..65535. */
static int
scenario_synflood(const char *out, unsigned n)
{
	struct gen_writer *w = gen_writer_open_ordered(out);
	uint8_t b[GEN_MAX_FRAME];
	struct gen_pkt p = { 0 };

	if (w == NULL)
		return 1;
	p.l2 = l2_plain();
	p.l3 = 4;
	p.dst = gen_ip4(198, 19, 255, 1);
	p.proto = 6;
	p.dport = 443;
	p.tcp_flags = GEN_TCP_SYN;
	p.pad_to = 60;
	for (unsigned i = 0; i < n; i++) {
		uint32_t host = i / 64512, port = 1024 + i % 64512;
		p.src = gen_ip4(198, (uint8_t)(18 + ((host >> 16) & 1)), (uint8_t)(host >> 8),
				(uint8_t)host);
		p.sport = (uint16_t)port;
		p.seq = i * 2654435761u;
		gen_write(w, T0 + i, b, gen_build(b, &p));
	}
	if (gen_writer_close(w) != 0)
		return 1;
	fprintf(stderr, "bwgen: wrote %u SYNs to %s\n", n, out);
	return 0;
}

/*
 * n UDP datagrams, each a new flow, from tuples whose flow keys all share one CRC32C
 * (collide.h): a hash-flooding attack on a CRC-hashed flow table. 198.18.x.y -> 198.19.255.1.
 */
static int
scenario_collide(const char *out, unsigned n)
{
	static struct gen_tuple tu[65536];
	struct gen_writer *w = gen_writer_open_ordered(out);
	uint8_t b[GEN_MAX_FRAME];
	struct gen_pkt p = { 0 };
	unsigned nt = gen_crc_collisions(tu, n < 65536 ? n : 65536);

	if (w == NULL || nt == 0)
		return 1;
	p.l2 = l2_plain();
	p.l3 = 4;
	p.dst = gen_ip4(198, 19, 255, 1);
	p.proto = 17;
	p.pad_to = 60;
	for (unsigned i = 0; i < n; i++) {
		const struct gen_tuple *t = &tu[i % nt];
		p.src = gen_ip4(198, 18, (uint8_t)(t->src_low >> 8), (uint8_t)t->src_low);
		p.sport = t->sport;
		p.dport = t->dport;
		gen_write(w, T0 + i, b, gen_build(b, &p));
	}
	if (gen_writer_close(w) != 0)
		return 1;
	fprintf(stderr, "bwgen: wrote %u datagrams of %u tuples sharing one CRC32C to %s\n", n, nt,
		out);
	return 0;
}

/* n complete TCP sessions without data: handshake and FIN teardown, six frames each. */
static int
scenario_handshakes(const char *out, unsigned n)
{
	struct gen_writer *w = gen_writer_open_ordered(out);
	uint64_t ts = T0;

	if (w == NULL)
		return 1;
	for (unsigned i = 0; i < n; i++) {
		uint32_t host = i / 64512;
		struct gen_tcp t = {
			.w = w,
			.l2 = l2_plain(),
			.c = gen_ip4(198, (uint8_t)(18 + ((host >> 16) & 1)), (uint8_t)(host >> 8),
				     (uint8_t)host),
			.s = gen_ip4(198, 19, 255, 1),
			.cport = (uint16_t)(1024 + i % 64512),
			.sport = 443,
			.cseq = i * 2654435761u,
			.sseq = i * 40503u,
			.ts = &ts,
			.gap_us = 1,
		};
		gen_tcp_handshake(&t);
		gen_tcp_close(&t);
	}
	if (gen_writer_close(w) != 0)
		return 1;
	fprintf(stderr, "bwgen: wrote %u sessions (%u frames) to %s\n", n, 6 * n, out);
	return 0;
}

/*
 * Uploads for the per-host large_upload trigger: inside client 198.18.5.1 sends 2.5 MiB to
 * each of five servers 198.19.5.1..5 (tcp/9000), one after another; client 198.18.5.2
 * sends 2.5 MiB once, to 198.19.5.6. Bytes no parser claims and no file signature.
 */
static int
scenario_uploads(const char *out)
{
	enum { SIZE = 5 * 512 * 1024 };
	struct gen_writer *w = gen_writer_open(out);
	uint8_t *data = malloc(SIZE);
	uint64_t ts = T0;

	if (w == NULL || data == NULL) {
		free(data);
		return 1;
	}
	for (size_t i = 0; i < SIZE; i++)
		data[i] = (uint8_t)(0x41 + (i * 7 + i / 1000) % 26);
	for (unsigned f = 1; f <= 6; f++) {
		struct gen_tcp t = {
			.w = w,
			.l2 = l2_plain(),
			.c = gen_ip4(198, 18, 5, f <= 5 ? 1 : 2),
			.s = gen_ip4(198, 19, 5, (uint8_t)f),
			.cport = (uint16_t)(41000 + f),
			.sport = 9000,
			.cseq = f * 2654435761u,
			.sseq = f * 40503u,
			.ts = &ts,
			.gap_us = 10,
		};
		gen_tcp_handshake(&t);
		gen_tcp_send(&t, true, data, SIZE);
		gen_tcp_close(&t);
		ts += 100000;
	}
	free(data);
	uint64_t n = gen_writer_frames(w);
	if (gen_writer_close(w) != 0)
		return 1;
	fprintf(stderr, "bwgen: wrote %llu frames (6 uploads) to %s\n", (unsigned long long)n, out);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bwgen mix OUT.pcap [--frames N] [--seed S]\n"
			"       bwgen demo OUT.pcap\n"
			"       bwgen apps OUT.pcap\n"
			"       bwgen quic-stale OUT.pcap\n"
			"       bwgen evasion IN.pcap EXPECTED.pcap\n"
			"       bwgen synflood OUT.pcap [--frames N]\n"
			"       bwgen collide OUT.pcap [--frames N]   (tuples sharing one CRC32C)\n"
			"       bwgen handshakes OUT.pcap [--frames N]   (N sessions)\n"
			"       bwgen uploads OUT.pcap\n");
}

int
main(int argc, char **argv)
{
	unsigned frames = 10000;
	uint64_t seed = 1;

	if (argc < 3) {
		usage();
		return 2;
	}
	if (strcmp(argv[1], "evasion") == 0)
		return argc == 4 ? scenario_evasion(argv[2], argv[3]) : (usage(), 2);
	for (int i = 3; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--frames") == 0)
			frames = (unsigned)strtoul(argv[i + 1], NULL, 0);
		else if (strcmp(argv[i], "--seed") == 0)
			seed = strtoull(argv[i + 1], NULL, 0);
		else {
			usage();
			return 2;
		}
	}
	if (strcmp(argv[1], "mix") == 0)
		return scenario_mix(argv[2], frames, seed);
	if (strcmp(argv[1], "demo") == 0)
		return scenario_demo(argv[2]);
	if (strcmp(argv[1], "apps") == 0)
		return gen_apps_scenario(argv[2]);
	if (strcmp(argv[1], "quic-stale") == 0)
		return gen_quic_stale_scenario(argv[2]);
	if (strcmp(argv[1], "synflood") == 0)
		return scenario_synflood(argv[2], frames);
	if (strcmp(argv[1], "handshakes") == 0)
		return scenario_handshakes(argv[2], frames);
	if (strcmp(argv[1], "collide") == 0)
		return scenario_collide(argv[2], frames);
	if (strcmp(argv[1], "uploads") == 0)
		return scenario_uploads(argv[2]);
	usage();
	return 2;
}
