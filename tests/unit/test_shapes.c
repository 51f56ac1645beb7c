/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/shapes.c: the fixed-shape recognisers, each on real first messages from the
 * shared corpus (nDPI's ssh.pcap, bittorrent.pcap, lru_ipv6_caches.pcap,
 * targusdataspeed_false_positives.pcap, wireguard.pcap, tailscale.pcap, openvpn.pcap,
 * s7comm.pcap, s7comm-plus.pcap, rdp2.pcap, rtp.pcap, skype-conference-call.pcap,
 * whatsapp_login_call.pcap, dtls.pcap), on the examples of their specifications, and on the
 * near misses each must refuse: every other shape's messages, each field set to a value
 * the protocol does not allow, every cut.
 *
 * Every call is on a heap copy of exactly the bytes given, so a read past them is an ASan
 * report.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../dataplane/shapes.h"

struct vec {
	const char *name, *hex;
};

/* Real messages, one per recogniser family; each must be refused by the others. */
static const struct vec real[] = {
	/* ssh.pcap frame 4: the server's identification string */
	{ "ssh", "5353482d322e302d4f70656e5353485f352e330d0a" },
	/* bittorrent.pcap frame 1: the peer handshake (BEP 3) */
	{ "bt", "13426974546f7272656e742070726f746f636f6c0000000000100005dcfcdccfb9e670ccc3dd40c7"
		"8c161f2bea2431262d554d313836302d418e181ac9ba17987152663e" },
	/* lru_ipv6_caches.pcap frame 36: a get_peers query (BEP 5) */
	{ "dht", "64313a6164323a696432303ae55c5ba26538c3baec3a6397e92a5778b48fc2c6393a696e666f5f"
		 "6861736832303ae55c57f1592e6e12dbe1b12a2e59083b225c394365313a71393a6765745f7065"
		 "657273313a74323a7445313a76343a4c540102313a79313a7165" },
	/* targusdataspeed_false_positives.pcap frame 1: a find_node query */
	{ "dht", "64313a6164323a696432303af60277019862c11c95bef4f300ef5056b7684a70363a7461726765"
		 "7432303af60277019862c11c95bef4f300ef5056b7684a7165313a71393a66696e645f6e6f6465"
		 "313a74383a88d28dc3a109d050313a79313a7165" },
	/* tailscale.pcap frame 1: a disco message */
	{ "disco", "5453f09f92acb6847dd212ae777bfae214b36d0d971152f0c7e0524e0c28b0a0105b5fa6161703"
		   "214ee94e401257e70fa30f02a2c6b15bb7ab39de58a6aba6dfda69f578e7c967976bd80ea2e2"
		   "ca6e18b699846a9aa1b71d6a965bee" },
	/* openvpn.pcap frames 1 and 2: the client's and the server's hard reset (v2) */
	{ "ovpn", "38334857703d96db390000000000" },
	{ "ovpn", "40d31c3a6964602fa00100000000334857703d96db3900000000" },
	/* s7comm.pcap frame 1: an ISO-on-TCP connection request with TSAP parameters */
	{ "s7", "0300001611e00000000700c1020100c2020102c0010a" },
	/* s7comm-plus.pcap frame 6: the same with a TSAP name */
	{ "s7", "030000241fe00000011200c1020620c21053494d415449432d524f4f542d484d49c0010a" },
	/* whatsapp_login_call.pcap frame 310: an SRTCP receiver report */
	{ "rtcp", "81c900094c289e6db01e0c130efaa7d3d748e5397fe0bf8bbfa3c1a176eca6b292f52831461587"
		  "8eae6ab0c9422de97d6083526d55b59323a403e6c31230d654ef1fa565fd7bb0b48000000"
		  "15befe713ea62c123e25b" },
	/* rdp2.pcap frame 10: an RDP-UDP datagram with an ACK vector and data */
	{ "rdpudp", "e65f846e00c8000c00010200109760351097603517030300200000000000000001cd8db02955"
		    "3bfd937d6c5760d3ff557adbb96f26e9b98696" },
};

static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s) / 2;

	cr_assert_leq(n, cap);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		cr_assert_eq(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

/* Heap copies of exactly n bytes, freed at the next call. */
static uint8_t *
exact(const void *p, size_t n)
{
	static uint8_t *copy;

	free(copy);
	copy = malloc(n > 0 ? n : 1);
	memcpy(copy, p, n);
	return copy;
}

static enum dp_parse
ssh(const void *p, size_t n, char *sw, unsigned cap)
{
	return dp_ssh_banner(exact(p, n), (uint32_t)n, sw, cap);
}

static enum dp_parse
bt(const void *p, size_t n)
{
	return dp_bt_handshake(exact(p, n), (uint32_t)n);
}

static bool
dht(const void *p, size_t n)
{
	return dp_bt_dht(exact(p, n), (uint32_t)n);
}

static bool
utp(const void *p, size_t n, struct dp_utp *u)
{
	return dp_bt_utp(exact(p, n), (uint32_t)n, u);
}

static bool
wg(const void *p, size_t n, uint8_t *type)
{
	return dp_wireguard(exact(p, n), (uint32_t)n, type);
}

static bool
disco(const void *p, size_t n)
{
	return dp_tailscale_disco(exact(p, n), (uint32_t)n);
}

static bool
ovpn(const void *p, size_t n, struct dp_openvpn *o)
{
	return dp_openvpn_msg(exact(p, n), (uint32_t)n, o);
}

static enum dp_parse
rdp(const void *p, size_t n, char *cookie, unsigned cap)
{
	return dp_rdp_request(exact(p, n), (uint32_t)n, cookie, cap);
}

static bool
rdpudp_syn(const void *p, size_t n)
{
	return dp_rdpudp_syn(exact(p, n), (uint32_t)n);
}

static bool
rdpudp_hdr(const void *p, size_t n, uint32_t *ack, uint32_t *seq, bool *has_seq)
{
	return dp_rdpudp_hdr(exact(p, n), (uint32_t)n, ack, seq, has_seq);
}

static bool
rtp(const void *p, size_t n, uint8_t *pt)
{
	return dp_rtp(exact(p, n), (uint32_t)n, pt);
}

static bool
rtcp(const void *p, size_t n)
{
	return dp_rtcp(exact(p, n), (uint32_t)n);
}

static bool
dtls(const void *p, size_t n)
{
	return dp_dtls(exact(p, n), (uint32_t)n);
}

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* ---- SSH ---- */

Test(shapes, ssh_banner)
{
	uint8_t p[300];
	char sw[64];
	size_t n = unhex(real[0].hex, p, sizeof(p));

	cr_assert_eq(ssh(p, n, sw, sizeof(sw)), DP_PARSE_OK);
	cr_assert_str_eq(sw, "OpenSSH_5.3");
	for (size_t k = 0; k < n; k++)
		cr_assert_eq(ssh(p, k, sw, sizeof(sw)), DP_PARSE_MORE, "cut at %zu", k);

	/* RFC 4253 §4.2: SSH-protoversion-softwareversion SP comments CR LF; 1.99 is a
	 * server that speaks both (§5.1); a bare LF is accepted from old clients */
	static const struct {
		const char *line, *sw;
	} ok[] = {
		{ "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n", "OpenSSH_9.6p1 Ubuntu-3ubuntu13" },
		{ "SSH-1.99-Cisco-1.25\r\n", "Cisco-1.25" },
		{ "SSH-1.5-OpenSSH_3.9p1\n", "OpenSSH_3.9p1" },
		{ "SSH-2.0-dropbear_2022.83\r\nrest of the stream", "dropbear_2022.83" },
		{ "SSH-2.0-\r\n", "" },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cr_assert_eq(ssh(ok[i].line, strlen(ok[i].line), sw, sizeof(sw)), DP_PARSE_OK, "%s",
			     ok[i].line);
		cr_assert_str_eq(sw, ok[i].sw);
	}
	static const char *const no[] = {
		"SSH-3.0-x\r\n",    "SSH-2.1-x\r\n",    "ssh-2.0-x\r\n",      "SSH_2.0-x\r\n",
		"SSH-2.0x\r\n\r\n", "HTTP/1.1 200\r\n", "SSH-2.0-a\x01z\r\n", "SSH-2.0-\x80\r\n",
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		cr_assert_eq(ssh(no[i], strlen(no[i]), sw, sizeof(sw)), DP_PARSE_NO, "%s", no[i]);
	cr_assert_eq(ssh("SSH-1.9", 7, sw, sizeof(sw)), DP_PARSE_MORE);
	cr_assert_eq(ssh("SSH-1.99", 8, sw, sizeof(sw)), DP_PARSE_MORE);
	cr_assert_eq(ssh("", 0, sw, sizeof(sw)), DP_PARSE_MORE);
}

Test(shapes, ssh_banner_line_limit_and_capacity)
{
	char line[400], sw[64], big[400];

	/* no line end within 255 bytes: not an identification string */
	memcpy(line, "SSH-2.0-", 8);
	memset(line + 8, 'v', sizeof(line) - 8);
	cr_assert_eq(ssh(line, 254, sw, sizeof(sw)), DP_PARSE_MORE);
	cr_assert_eq(ssh(line, 255, sw, sizeof(sw)), DP_PARSE_NO);
	cr_assert_eq(ssh(line, 400, sw, sizeof(sw)), DP_PARSE_NO);
	/* 253 bytes and CR LF: the longest there is */
	memcpy(line + 253, "\r\n", 2);
	cr_assert_eq(ssh(line, 255, sw, sizeof(sw)), DP_PARSE_OK);
	cr_assert_eq(strlen(sw), sizeof(sw) - 1, "software cut to the room given");
	cr_assert_eq(ssh(line, 255, big, sizeof(big)), DP_PARSE_OK);
	cr_assert_eq(strlen(big), 253 - 8);

	/* The answer does not depend on the room given: a control byte after what fits is
	 * still a control byte */
	memset(line + 8, 'v', 100);
	line[100] = '\x01';
	memcpy(line + 108, "\r\n", 2);
	cr_assert_eq(ssh(line, 110, big, sizeof(big)), DP_PARSE_NO);
	memset(sw, 'x', sizeof(sw));
	cr_assert_eq(ssh(line, 110, sw, sizeof(sw)), DP_PARSE_NO);
	cr_assert_str_eq(sw, "", "no half-copied, unterminated software on NO");
	cr_assert_eq(ssh(line, 110, sw, 1), DP_PARSE_NO);
	cr_assert_eq(ssh(line, 110, NULL, 0), DP_PARSE_NO);
	line[100] = 'v';
	cr_assert_eq(ssh(line, 110, sw, 1), DP_PARSE_OK);
	cr_assert_str_eq(sw, "");
	cr_assert_eq(ssh(line, 110, NULL, 0), DP_PARSE_OK);
}

/* ---- BitTorrent ---- */

Test(shapes, bt_handshake)
{
	uint8_t p[128];
	size_t n = unhex(real[1].hex, p, sizeof(p));

	cr_assert_eq(bt(p, n), DP_PARSE_OK);
	for (size_t k = 0; k < n; k++)
		cr_assert_eq(bt(p, k), k < 20 ? DP_PARSE_MORE : DP_PARSE_OK, "cut at %zu", k);
	for (size_t i = 0; i < 20; i++) {
		p[i] ^= 0x20;
		cr_assert_eq(bt(p, n), DP_PARSE_NO, "byte %zu", i);
		cr_assert_eq(bt(p, i + 1), DP_PARSE_NO, "byte %zu, cut after it", i);
		p[i] ^= 0x20;
	}
}

Test(shapes, bt_dht)
{
	uint8_t p[300];

	for (size_t i = 0; i < sizeof(real) / sizeof(real[0]); i++) {
		size_t n = unhex(real[i].hex, p, sizeof(p));
		bool want = strcmp(real[i].name, "dht") == 0;
		cr_assert_eq(dht(p, n), want, "%s %zu", real[i].name, i);
		if (want)
			for (size_t k = 0; k < n; k++)
				cr_assert_not(dht(p, k), "%zu cut at %zu", i, k);
	}

	/* BEP 5's examples: ping query and response, an error, announce_peer */
	static const char *const yes[] = {
		"d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe",
		"d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re",
		"d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee",
		"d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:"
		"token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe",
		"d2:ip6:\x01\x02\x03\x04\x1a\xe1"
		"1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re",
		"d1:t2:aa1:y1:q1:q4:ping1:ad2:id20:abcdefghij0123456789ee",
	};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		cr_assert(dht(yes[i], strlen(yes[i])), "%s", yes[i]);
	/* a message type is required: 1:y1:q, 1:y1:r or 1:y1:e */
	static const char *const no[] = {
		"d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aae",
		"d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:xe",
		"d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:q", /* not ended */
		"d3:abcd2:id20:abcdefghij0123456789e1:t2:aa1:y1:qe",       /* other first key */
		"l1:ad2:id20:abcdefghij0123456789e1:t2:aa1:y1:qe",         /* a list */
		"d1:y1:qe",                                                /* too short */
		"d1:zd2:id20:abcdefghij0123456789e1:t2:aa1:y1:qe",
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		cr_assert_not(dht(no[i], strlen(no[i])), "%s", no[i]);
	cr_assert_not(dht("", 0));
}

/* A uTP header (BEP 29): type and version 1, extension, connection id, timestamp,
 * timestamp difference, window, seq_nr, ack_nr. */
static size_t
utp_header(uint8_t *p, unsigned type, unsigned ext, uint16_t conn, uint32_t ts, uint32_t wnd,
	   uint16_t seq)
{
	p[0] = (uint8_t)(type << 4 | 1);
	p[1] = (uint8_t)ext;
	put16(p + 2, conn);
	put32(p + 4, ts);
	put32(p + 8, 0);
	put32(p + 12, wnd);
	put16(p + 16, seq);
	put16(p + 18, 0);
	return 20;
}

Test(shapes, bt_utp)
{
	uint8_t p[64];
	struct dp_utp u;

	/* ST_SYN: no payload, a window */
	size_t n = utp_header(p, 4, 0, 0x1234, 0x01020304, 0x100000, 7);
	cr_assert(utp(p, n, &u));
	cr_assert_eq(u.type, 4);
	cr_assert_eq(u.conn, 0x1234);
	cr_assert_eq(u.ts, 0x01020304);
	cr_assert_eq(u.seq, 7);
	/* a SYN with payload is not a SYN */
	p[20] = 'x';
	cr_assert_not(utp(p, 21, &u));
	/* ST_STATE likewise, ST_DATA needs payload, ST_FIN and ST_RESET either way */
	n = utp_header(p, 2, 0, 1, 1000, 65535, 1);
	cr_assert(utp(p, n, &u));
	cr_assert_not(utp(p, n + 1, &u));
	n = utp_header(p, 0, 0, 1, 1000, 65535, 1);
	cr_assert_not(utp(p, n, &u));
	memcpy(p + 20, "payload", 7);
	cr_assert(utp(p, n + 7, &u));
	cr_assert_eq(u.type, 0);
	for (unsigned t = 1; t <= 3; t += 2) {
		n = utp_header(p, t, 0, 1, 1000, 0, 1);
		cr_assert(utp(p, n, &u), "type %u", t);
		cr_assert(utp(p, n + 3, &u), "type %u with bytes", t);
	}
	/* no window on SYN, STATE, DATA */
	n = utp_header(p, 4, 0, 1, 1000, 0, 1);
	cr_assert_not(utp(p, n, &u));
	n = utp_header(p, 0, 0, 1, 1000, 0, 1);
	cr_assert_not(utp(p, n + 4, &u));
	/* version 2, types 5 to 15 */
	n = utp_header(p, 4, 0, 1, 1000, 100, 1);
	p[0] = 0x42;
	cr_assert_not(utp(p, n, &u));
	for (unsigned t = 5; t < 16; t++) {
		p[0] = (uint8_t)(t << 4 | 1);
		cr_assert_not(utp(p, n + 4, &u), "type %u", t);
	}
	/* shorter than the header */
	n = utp_header(p, 2, 0, 1, 1000, 100, 1);
	for (size_t k = 0; k < 20; k++)
		cr_assert_not(utp(p, k, &u), "cut at %zu", k);

	/* The STUN magic cookie at bytes 4-7 (where uTP has its timestamp): STUN, not uTP */
	n = utp_header(p, 0, 0, 1, 0x2112a442, 100, 1);
	cr_assert_not(utp(p, n + 8, &u));
	put32(p + 4, 0x2112a443);
	cr_assert(utp(p, n + 8, &u));
}

Test(shapes, bt_utp_extensions)
{
	uint8_t p[64];
	struct dp_utp u;

	/* ST_STATE with a selective ack (extension 1, 4 bytes), nothing after it */
	size_t n = utp_header(p, 2, 1, 9, 1000, 100, 1);
	p[n++] = 0, p[n++] = 4;
	memset(p + n, 0xff, 4);
	n += 4;
	cr_assert(utp(p, n, &u));
	cr_assert_not(utp(p, n + 1, &u), "payload after the chain");
	/* a chain of two: selective ack, then extension bits (2, 8 bytes) */
	n = utp_header(p, 0, 1, 9, 1000, 100, 1);
	p[n++] = 2, p[n++] = 4;
	memset(p + n, 0, 4);
	n += 4;
	p[n++] = 0, p[n++] = 8;
	memset(p + n, 0, 8);
	n += 8;
	cr_assert_not(utp(p, n, &u), "ST_DATA without payload");
	memcpy(p + n, "data", 4);
	cr_assert(utp(p, n + 4, &u));
	/* an unknown extension, a zero length, a chain past the end */
	n = utp_header(p, 2, 3, 9, 1000, 100, 1);
	p[n++] = 0, p[n++] = 4;
	memset(p + n, 0, 4);
	cr_assert_not(utp(p, n + 4, &u));
	p[1] = 1;
	p[21] = 0;
	cr_assert_not(utp(p, n + 4, &u));
	p[21] = 40;
	cr_assert_not(utp(p, n + 4, &u));
	p[21] = 4;
	p[20] = 7; /* the next extension is unknown */
	cr_assert_not(utp(p, n + 4 + 2 + 4, &u));
	p[20] = 1; /* the next extension's header is missing */
	cr_assert_not(utp(p, n + 4, &u));
	cr_assert_not(utp(p, n + 4 + 1, &u));
}

/* ---- WireGuard and Tailscale ---- */

Test(shapes, wireguard)
{
	uint8_t p[200];
	uint8_t t;

	/* wireguard.pcap frames 1-3: initiation (148), response (92), data (96 + 32) */
	static const struct {
		const char *hex;
		size_t len;
		uint8_t type;
	} msgs[] = {
		{ "01000000d837d030", 148, 1 },
		{ "0200000006f47dabd837d030", 92, 2 },
		{ "0400000006f47dab0000000000000000", 128, 4 },
	};
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		memset(p, 0x5c, sizeof(p));
		unhex(msgs[i].hex, p, sizeof(p));
		cr_assert(wg(p, msgs[i].len, &t), "type %u", msgs[i].type);
		cr_assert_eq(t, msgs[i].type);
		/* one byte more or less */
		cr_assert_not(wg(p, msgs[i].len - 1, &t));
		cr_assert_not(wg(p, msgs[i].len + 1, &t));
		/* reserved bytes not zero */
		for (int r = 1; r <= 3; r++) {
			p[r] = 1;
			cr_assert_not(wg(p, msgs[i].len, &t), "reserved byte %d", r);
			p[r] = 0;
		}
	}
	/* cookie reply (64), keepalive (32: an empty data message), data sizes */
	memset(p, 0, sizeof(p));
	p[0] = 3;
	cr_assert(wg(p, 64, &t));
	p[0] = 4;
	cr_assert(wg(p, 32, &t));
	cr_assert(wg(p, 48, &t));
	cr_assert_not(wg(p, 40, &t));
	cr_assert_not(wg(p, 16, &t));
	for (unsigned type = 5; type < 256; type += 50) {
		p[0] = (uint8_t)type;
		cr_assert_not(wg(p, 148, &t));
	}
	p[0] = 0;
	cr_assert_not(wg(p, 148, &t));
}

Test(shapes, tailscale_disco)
{
	uint8_t p[200];
	size_t n = unhex(real[4].hex, p, sizeof(p));
	uint8_t t;

	cr_assert(disco(p, n));
	cr_assert(disco(p, 6));
	for (size_t k = 0; k < 6; k++)
		cr_assert_not(disco(p, k));
	p[5] ^= 1;
	cr_assert_not(disco(p, n));
	p[5] ^= 1;
	/* it shares WireGuard's socket but is not WireGuard */
	cr_assert_not(wg(p, n, &t));
}

/* ---- OpenVPN ---- */

Test(shapes, openvpn)
{
	uint8_t p[1700];
	struct dp_openvpn o;

	/* openvpn.pcap frames 1-3: client hard reset v2, server hard reset v2, ack */
	size_t n = unhex(real[5].hex, p, sizeof(p));
	cr_assert(ovpn(p, n, &o));
	cr_assert_eq(o.op, DP_OVPN_RESET_CLIENT_V2);
	cr_assert_eq(o.key, 0);
	cr_assert_eq(o.sid, 0x334857703d96db39u);
	cr_assert(dp_openvpn_reset(o.op));
	n = unhex(real[6].hex, p, sizeof(p));
	cr_assert(ovpn(p, n, &o));
	cr_assert_eq(o.op, DP_OVPN_RESET_SERVER_V2);
	cr_assert_eq(o.sid, 0xd31c3a6964602fa0u);
	n = unhex("28334857703d96db390100000000d31c3a6964602fa0", p, sizeof(p));
	cr_assert(ovpn(p, n, &o));
	cr_assert_eq(o.op, DP_OVPN_ACK);
	cr_assert_eq(o.sid, 0x334857703d96db39u, "the same sender's session id");
	cr_assert_not(dp_openvpn_reset(o.op));

	/* the opcodes (ssl_pkt.h): control ones accepted, data and soft reset not */
	static const bool control[32] = { [1] = true, [2] = true, [4] = true,  [5] = true,
					  [7] = true, [8] = true, [10] = true, [11] = true };
	static const bool reset[32] = {
		[1] = true, [2] = true, [7] = true, [8] = true, [10] = true
	};
	memset(p, 0x11, 100);
	for (unsigned op = 0; op < 32; op++) {
		for (unsigned key = 0; key < 8; key += 7) {
			p[0] = (uint8_t)(op << 3 | key);
			cr_assert_eq(ovpn(p, 100, &o), control[op], "opcode %u", op);
			if (control[op]) {
				cr_assert_eq(o.op, op);
				cr_assert_eq(o.key, key);
			}
		}
		cr_assert_eq(dp_openvpn_reset((uint8_t)op), reset[op], "opcode %u", op);
	}
	/* sizes: 14 to 1600 */
	p[0] = 0x38;
	cr_assert_not(ovpn(p, 13, &o));
	cr_assert(ovpn(p, 14, &o));
	cr_assert(ovpn(p, 1600, &o));
	cr_assert_not(ovpn(p, 1601, &o));
	cr_assert_not(ovpn(p, 0, &o));
}

/* ---- RDP ---- */

/* [MS-RDPBCGR] 4.1.1: the Client X.224 Connection Request PDU of the annotated example:
 * TPKT, X.224 CR, "Cookie: mstshash=eltons\r\n", RDP_NEG_REQ (protocols 0) */
static const char mstsc_cr[] = "0300002c27e00000000000436f6f6b69653a206d737473686173683d656c746f"
			       "6e730d0a0100080000000000";

Test(shapes, rdp_request_mstsc)
{
	uint8_t p[64];
	char cookie[64];
	size_t n = unhex(mstsc_cr, p, sizeof(p));

	cr_assert_eq(n, 44);
	cr_assert_eq(rdp(p, n, cookie, sizeof(cookie)), DP_PARSE_OK);
	cr_assert_str_eq(cookie, "eltons");
	for (size_t k = 0; k < n; k++)
		cr_assert_eq(rdp(p, k, cookie, sizeof(cookie)), DP_PARSE_MORE, "cut at %zu", k);
	/* the cookie cut to the room given */
	char small[4];
	cr_assert_eq(rdp(p, n, small, sizeof(small)), DP_PARSE_OK);
	cr_assert_str_eq(small, "elt");
	cr_assert_eq(rdp(p, n, NULL, 0), DP_PARSE_OK);
	/* bytes after the TPKT (the next PDU) do not matter */
	uint8_t more[80];
	memcpy(more, p, n);
	memset(more + n, 0x03, sizeof(more) - n);
	cr_assert_eq(rdp(more, sizeof(more), cookie, sizeof(cookie)), DP_PARSE_OK);
}

/* A CR of TPKT length 11 + the variable part v (vn bytes). */
static size_t
cr_with(uint8_t *p, const void *v, size_t vn)
{
	size_t tl = 11 + vn;
	p[0] = 3, p[1] = 0;
	put16(p + 2, (unsigned)tl);
	p[4] = (uint8_t)(tl - 5);
	p[5] = 0xe0;
	put16(p + 6, 0);
	put16(p + 8, 0x1234);
	p[10] = 0;
	memcpy(p + 11, v, vn);
	return tl;
}

Test(shapes, rdp_request_forms)
{
	uint8_t p[1100];
	char cookie[64];
	static const uint8_t neg[8] = { 0x01, 0x00, 0x08, 0x00, 0x0b, 0x00, 0x00, 0x00 };

	/* the variable part empty; a NEG_REQ alone (TLS, CredSSP, RDSTLS) */
	size_t n = cr_with(p, "", 0);
	cr_assert_eq(rdp(p, n, cookie, sizeof(cookie)), DP_PARSE_OK);
	cr_assert_str_eq(cookie, "");
	n = cr_with(p, neg, sizeof(neg));
	cr_assert_eq(rdp(p, n, cookie, sizeof(cookie)), DP_PARSE_OK);
	/* a routing token ([MS-RDPBCGR] 2.2.1.1: "Cookie: msts=" ... CR LF) and NEG_REQ */
	char v[200];
	int vn = snprintf(v, sizeof(v), "Cookie: msts=3640205228.15629.0000\r\n");
	memcpy(v + vn, neg, 8);
	n = cr_with(p, v, (size_t)vn + 8);
	cr_assert_eq(rdp(p, n, cookie, sizeof(cookie)), DP_PARSE_OK);
	cr_assert_str_eq(cookie, "3640205228.15629.0000");
	/* a cookie with a control byte in it is cleaned */
	vn = snprintf(v, sizeof(v), "Cookie: mstshash=a\tb\r\n");
	n = cr_with(p, v, (size_t)vn);
	cr_assert_eq(rdp(p, n, cookie, sizeof(cookie)), DP_PARSE_OK);
	cr_assert_str_eq(cookie, "a?b");

	/* refused: a cookie line without its end, other text, a NEG_REQ of another length
	 * or size, bytes after the NEG_REQ */
	static const char *const bad[] = {
		"Cookie: mstshash=eltons", "Cookie: mstshash=eltons\r",    "Cookie: other=1\r\n",
		"cookie: mstshash=x\r\n",  "Cookie: mstshash=eltons\r\nX",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = cr_with(p, bad[i], strlen(bad[i]));
		cr_assert_eq(rdp(p, n, cookie, sizeof(cookie)), DP_PARSE_NO, "%s", bad[i]);
	}
	uint8_t neg9[9] = { 0x01, 0x00, 0x09, 0x00, 0, 0, 0, 0, 0 };
	n = cr_with(p, neg9, 9);
	cr_assert_eq(rdp(p, n, cookie, sizeof(cookie)), DP_PARSE_NO);
	neg9[2] = 0x08;
	n = cr_with(p, neg9, 9);
	cr_assert_eq(rdp(p, n, cookie, sizeof(cookie)), DP_PARSE_NO);
	uint8_t negx[8] = { 0x02, 0x00, 0x08, 0x00, 0, 0, 0, 0 }; /* RDP_NEG_RSP's type */
	n = cr_with(p, negx, 8);
	cr_assert_eq(rdp(p, n, cookie, sizeof(cookie)), DP_PARSE_NO);

	/* the TPKT and X.224 fields */
	n = cr_with(p, neg, 8);
	struct {
		size_t off;
		uint8_t v;
		const char *what;
	} fields[] = {
		{ 0, 2, "TPKT version 2" },
		{ 1, 1, "TPKT reserved" },
		{ 4, 18, "length indicator short of the TPKT" },
		{ 4, 20, "length indicator past the TPKT" },
		{ 5, 0xd0, "a Connection Confirm" },
		{ 5, 0xf0, "a Data TPDU" },
		{ 5, 0xe1, "CR with credit" },
		{ 7, 1, "a destination reference" },
		{ 10, 0x10, "class 1" },
		{ 10, 0x40, "class 4" },
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		uint8_t q[64];
		memcpy(q, p, n);
		q[fields[i].off] = fields[i].v;
		cr_assert_eq(rdp(q, n, cookie, sizeof(cookie)), DP_PARSE_NO, "%s", fields[i].what);
	}
	/* TPKT lengths: under 11, over 1024, 0xffff */
	static const unsigned lens[] = { 0, 4, 10, 1025, 0xffff };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint8_t q[64];
		memcpy(q, p, n);
		put16(q + 2, lens[i]);
		cr_assert_eq(rdp(q, n, cookie, sizeof(cookie)), DP_PARSE_NO, "length %u", lens[i]);
	}
	/* the longest: a length indicator of 254 (X.224 §13.2.1), 259 bytes of TPKT */
	static char longv[300];
	memcpy(longv, "Cookie: mstshash=", 17);
	memset(longv + 17, 'u', 259 - 11 - 17 - 2);
	memcpy(longv + 259 - 11 - 2, "\r\n", 2);
	n = cr_with(p, longv, 259 - 11);
	cr_assert_eq(p[4], 254);
	cr_assert_eq(rdp(p, n, cookie, sizeof(cookie)), DP_PARSE_OK);
	cr_assert_eq(strlen(cookie), sizeof(cookie) - 1);
	cr_assert_eq(rdp(p, n - 1, cookie, sizeof(cookie)), DP_PARSE_MORE);
	cr_assert_eq(rdp(p, 0, cookie, sizeof(cookie)), DP_PARSE_MORE);
	cr_assert_eq(rdp("\x03\x01", 2, cookie, sizeof(cookie)), DP_PARSE_NO);
	cr_assert_eq(rdp("\x04", 1, cookie, sizeof(cookie)), DP_PARSE_NO);
}

Test(shapes, rdp_refuses_iso_on_tcp_tsaps)
{
	uint8_t p[64];
	char cookie[64];

	/* S7comm's connection requests (real, from s7comm.pcap and s7comm-plus.pcap) */
	size_t n = unhex(real[7].hex, p, sizeof(p));
	cr_assert_eq(rdp(p, n, cookie, sizeof(cookie)), DP_PARSE_NO);
	n = unhex(real[8].hex, p, sizeof(p));
	cr_assert_eq(rdp(p, n, cookie, sizeof(cookie)), DP_PARSE_NO);
	/* TSAP parameters (ISO 8073 §13.3.4: calling c1, called c2, TPDU size c0) in any
	 * order, including exactly 8 bytes of them, and after a cookie line */
	static const char *const tsaps[] = {
		"c0010a",
		"c1020100c2020102",
		"c2020102c1020100",
		"c1020100c2020102c0010a",
		"c0010ac1020100c20",
		"c1020100",
	};
	for (size_t i = 0; i < sizeof(tsaps) / sizeof(tsaps[0]); i++) {
		uint8_t v[32];
		size_t vn = unhex(tsaps[i], v, sizeof(v));
		n = cr_with(p, v, vn);
		cr_assert_eq(rdp(p, n, cookie, sizeof(cookie)), DP_PARSE_NO, "%s", tsaps[i]);
		char line[64];
		int ln = snprintf(line, sizeof(line), "Cookie: mstshash=plc\r\n");
		memcpy(line + ln, v, vn);
		n = cr_with(p, line, (size_t)ln + vn);
		cr_assert_eq(rdp(p, n, cookie, sizeof(cookie)), DP_PARSE_NO, "cookie + %s",
			     tsaps[i]);
	}
}

/* rdp2.pcap frame 1: the client's SYN (snSourceAck -1, flags SYN|CORRELATION_ID|SYNEX,
 * MTUs 1232), its first 40 bytes; the rest up to 1232 is zeros but for a few ones */
static const char rdpudp_syn_head[] = "ffffffff00401801bbff568704d004d0a69040c1df7948b78fa08c4d63"
				      "63000000000000000000";

Test(shapes, rdpudp_syn)
{
	static uint8_t p[1300];
	uint32_t ack, seq;
	bool has_seq;

	memset(p, 0, sizeof(p));
	unhex(rdpudp_syn_head, p, sizeof(p));
	cr_assert(rdpudp_syn(p, 1232));
	cr_assert_not(rdpudp_syn(p, 1231), "padded to 1232");
	cr_assert_not(rdpudp_syn(p, 1233));
	/* its header parses: it acknowledges nothing and carries no data */
	cr_assert(rdpudp_hdr(p, 1232, &ack, &seq, &has_seq));
	cr_assert_eq(ack, 0xffffffffu);
	cr_assert_not(has_seq);

	uint8_t q[1232];
	memcpy(q, p, 1232);
	q[3] = 0xfe; /* snSourceAck not -1 */
	cr_assert_not(rdpudp_syn(q, 1232));
	memcpy(q, p, 1232);
	q[7] |= 0x04; /* SYN+ACK: the server's */
	cr_assert_not(rdpudp_syn(q, 1232));
	memcpy(q, p, 1232);
	q[7] &= (uint8_t)~0x01; /* no SYN */
	cr_assert_not(rdpudp_syn(q, 1232));
	static const unsigned mtus[] = { 1131, 1233, 0, 0xffff };
	for (size_t i = 0; i < sizeof(mtus) / sizeof(mtus[0]); i++) {
		memcpy(q, p, 1232);
		put16(q + 12, mtus[i]);
		cr_assert_not(rdpudp_syn(q, 1232), "upstream MTU %u", mtus[i]);
		memcpy(q, p, 1232);
		put16(q + 14, mtus[i]);
		cr_assert_not(rdpudp_syn(q, 1232), "downstream MTU %u", mtus[i]);
	}
	memcpy(q, p, 1232);
	put16(q + 12, 1132);
	put16(q + 14, 1132);
	cr_assert(rdpudp_syn(q, 1232));
}

Test(shapes, rdpudp_header)
{
	uint8_t p[128];
	uint32_t ack, seq;
	bool has_seq;

	/* rdp2.pcap frame 10: ACK vector of 1 (padded to 4), then snCoded */
	size_t n = unhex(real[10].hex, p, sizeof(p));
	cr_assert(rdpudp_hdr(p, n, &ack, &seq, &has_seq));
	cr_assert_eq(ack, 0xe65f846eu);
	cr_assert(has_seq);
	cr_assert_eq(seq, 0x10976035u);
	/* cut: the data header needs its 8 bytes */
	for (size_t k = 0; k < 20; k++)
		cr_assert_not(rdpudp_hdr(p, k, &ack, &seq, &has_seq), "cut at %zu", k);
	cr_assert(rdpudp_hdr(p, 20, &ack, &seq, &has_seq));

	/* [MS-RDPEUDP] 2.2.2.7: an ACK vector of 6 states: 2 + 6 padded to 8 */
	memset(p, 0, sizeof(p));
	put32(p, 0x1000);
	put16(p + 4, 64);
	put16(p + 6, 0x0004 | 0x0100 | 0x0008); /* ACK, ACK_OF_ACKS, DATA */
	put16(p + 8, 6);
	put32(p + 16, 0x7777);      /* snAckOfAcksSeqNum */
	put32(p + 20, 0xabcdef01u); /* snCoded */
	cr_assert(rdpudp_hdr(p, 28, &ack, &seq, &has_seq));
	cr_assert_eq(ack, 0x1000);
	cr_assert_eq(seq, 0xabcdef01u);
	cr_assert_not(rdpudp_hdr(p, 27, &ack, &seq, &has_seq));
	/* an ACK vector that runs past the datagram */
	put16(p + 8, 0xffff);
	cr_assert_not(rdpudp_hdr(p, sizeof(p), &ack, &seq, &has_seq));
	/* ACK only: no sequence number; flags beyond those defined */
	put16(p + 6, 0x0004);
	put16(p + 8, 1);
	cr_assert(rdpudp_hdr(p, 12, &ack, &seq, &has_seq));
	cr_assert_not(has_seq);
	cr_assert_not(rdpudp_hdr(p, 11, &ack, &seq, &has_seq));
	for (unsigned bit = 13; bit < 16; bit++) {
		put16(p + 6, 0x0004 | 1u << bit);
		cr_assert_not(rdpudp_hdr(p, 12, &ack, &seq, &has_seq), "flag bit %u", bit);
	}
	/* ACK_OF_ACKS alone past the end */
	put16(p + 6, 0x0100);
	cr_assert(rdpudp_hdr(p, 12, &ack, &seq, &has_seq));
	cr_assert_not(rdpudp_hdr(p, 11, &ack, &seq, &has_seq));
}

/* ---- RTP, RTCP, DTLS ---- */

Test(shapes, rtp_and_rtcp)
{
	uint8_t p[300];
	uint8_t pt;

	/* rtp.pcap frame 1: H.263 (PT 34), marker clear; frame 2 with the marker */
	size_t n = unhex("802201100009e88600001646007000000000836a0e033ffc05cc8e21d3df8b", p,
			 sizeof(p));
	cr_assert(rtp(p, n, &pt));
	cr_assert_eq(pt, 34);
	cr_assert_not(rtcp(p, n));
	p[1] = 0xa2;
	cr_assert(rtp(p, n, &pt));
	cr_assert_eq(pt, 34);
	/* skype-conference-call.pcap frame 8: SRTP with a header extension (X) */
	n = unhex("90685d330c3337ffe074c700bede0001127301ef7c7b6302a22bea64", p, sizeof(p));
	cr_assert(rtp(p, n, &pt));
	cr_assert_eq(pt, 104);
	/* CSRC count: 12 + 4 * CC bytes are needed */
	p[0] = 0x8f;
	cr_assert_not(rtp(p, 12 + 4 * 15 - 1, &pt));
	memset(p + n, 0, 80);
	cr_assert(rtp(p, 12 + 4 * 15, &pt));
	/* versions 0, 1, 3; shorter than the header */
	for (unsigned v = 0; v < 4; v += (v == 1 ? 2 : 1)) {
		p[0] = (uint8_t)(v << 6);
		cr_assert_not(rtp(p, n, &pt), "version %u", v);
	}
	p[0] = 0x80;
	cr_assert_not(rtp(p, 11, &pt));
	/* payload types 72-78 are RTCP's 200-206 with the marker bit (RFC 5761 §4) */
	for (unsigned t = 0; t < 128; t++) {
		p[1] = (uint8_t)t;
		cr_assert_eq(rtp(p, n, &pt), t < 72 || t > 78, "payload type %u", t);
	}

	/* whatsapp_login_call.pcap frame 310: an SRTCP RR (length 9); skype's RR (16) */
	n = unhex(real[9].hex, p, sizeof(p));
	cr_assert_eq(n, 86);
	cr_assert(rtcp(p, n));
	cr_assert_not(rtp(p, n, &pt));
	cr_assert(rtcp(p, 40));
	cr_assert_not(rtcp(p, 39), "the first packet's length (10 words) must fit");
	/* RFC 4585 feedback (RTPFB 205: a generic NACK; PSFB 206: a PLI) is RTCP, not RTP */
	n = unhex("81cd000300000001000000020bb80000", p, sizeof(p));
	cr_assert(rtcp(p, n));
	cr_assert_not(rtp(p, n, &pt));
	n = unhex("81ce00020000000100000002", p, sizeof(p));
	cr_assert(rtcp(p, n));
	cr_assert_not(rtp(p, n, &pt));
	n = unhex("81c90010000003e8d161b6dda5a67065ca781e18a641e26f593ab0369192aa77c3176fbe"
		  "99c57409230e036b1eb0123d1ba41319a5bbdcfd0c6eb8ddc8bd95edecd484c8be2614",
		  p, sizeof(p));
	cr_assert_eq(n, 71);
	cr_assert(rtcp(p, n));
	cr_assert(rtcp(p, 68));
	cr_assert_not(rtcp(p, 67), "16 words + 1 is 68 bytes");
	for (unsigned t = 190; t < 215; t++) {
		p[1] = (uint8_t)t;
		cr_assert_eq(rtcp(p, 68), t >= 200 && t <= 206, "packet type %u", t);
	}
	p[1] = 201;
	p[0] = 0x41;
	cr_assert_not(rtcp(p, 68), "version 1");
	p[0] = 0x81;
	put16(p + 2, 0xffff);
	cr_assert_not(rtcp(p, 68));
	cr_assert_not(rtcp(p, 7));
}

Test(shapes, dtls)
{
	uint8_t p[200];

	/* dtls.pcap frame 1: a DTLS 1.0 record of a ClientHello (length 0x8e) */
	size_t n = unhex("16feff0000000000000000008e010000820000000000000082fefdceb06d2a04cb2a", p,
			 sizeof(p));
	memset(p + n, 0, sizeof(p) - n);
	cr_assert(dtls(p, 13 + 0x8e));
	cr_assert(dtls(p, 13 + 0x8e + 20), "more records after it");
	cr_assert_not(dtls(p, 13 + 0x8d), "the record cut");
	cr_assert_not(dtls(p, 12));
	/* content types 20-23 and 25 (RFC 9147 ACK); versions 1.0, 1.2, 1.3's 0xfefc */
	for (unsigned ct = 0; ct < 256; ct++) {
		p[0] = (uint8_t)ct;
		cr_assert_eq(dtls(p, 13 + 0x8e), (ct >= 20 && ct <= 23) || ct == 25, "type %u", ct);
	}
	p[0] = 22;
	static const struct {
		unsigned v;
		bool ok;
	} vers[] = { { 0xfeff, true },  { 0xfefd, true },  { 0xfefc, true },
		     { 0xfefe, false }, { 0x0303, false }, { 0x0100, false } };
	for (size_t i = 0; i < sizeof(vers) / sizeof(vers[0]); i++) {
		put16(p + 1, vers[i].v);
		cr_assert_eq(dtls(p, 13 + 0x8e), vers[i].ok, "version %04x", vers[i].v);
	}
}

/* ---- every shape against every other's messages ---- */

Test(shapes, each_refuses_the_others)
{
	uint8_t p[300];
	char buf[64];
	struct dp_utp u;
	struct dp_openvpn o;
	uint32_t ack, seq;
	bool hs;
	uint8_t t;

	for (size_t i = 0; i < sizeof(real) / sizeof(real[0]); i++) {
		size_t n = unhex(real[i].hex, p, sizeof(p));
		const char *k = real[i].name;
		cr_assert_eq(ssh(p, n, buf, sizeof(buf)) == DP_PARSE_OK, strcmp(k, "ssh") == 0,
			     "%zu", i);
		cr_assert_eq(bt(p, n) == DP_PARSE_OK, strcmp(k, "bt") == 0, "%zu", i);
		cr_assert_eq(dht(p, n), strcmp(k, "dht") == 0, "%zu", i);
		cr_assert_not(utp(p, n, &u), "%zu", i);
		cr_assert_not(wg(p, n, &t), "%zu", i);
		cr_assert_eq(disco(p, n), strcmp(k, "disco") == 0, "%zu", i);
		cr_assert_eq(rdp(p, n, buf, sizeof(buf)) == DP_PARSE_OK, false, "%zu", i);
		cr_assert_not(rdpudp_syn(p, n), "%zu", i);
		cr_assert_not(dtls(p, n), "%zu", i);
		if (strcmp(k, "rtcp") != 0)
			cr_assert_not(rtcp(p, n), "%zu", i);
		/* OpenVPN's and RTP's shapes are weak (any first byte of a few values): they
		 * are only checked on what they must accept */
		if (strcmp(k, "ovpn") == 0)
			cr_assert(ovpn(p, n, &o));
		if (strcmp(k, "rdpudp") == 0)
			cr_assert(rdpudp_hdr(p, n, &ack, &seq, &hs));
	}
}

Test(shapes, random_bytes)
{
	static uint8_t p[1400];
	uint64_t x = 0xda942042e4dd58b5u;
	char sw[16];
	struct dp_utp u;
	struct dp_openvpn o;
	uint32_t ack, seq;
	bool hs;
	uint8_t t;

	for (int i = 0; i < 30000; i++) {
		size_t n = (x >> 40) % (i & 1 ? 64 : sizeof(p));
		for (size_t j = 0; j < n; j++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			p[j] = (uint8_t)x;
		}
		switch (i % 5) { /* plausible first bytes */
		case 0:
			if (n >= 8)
				memcpy(p, "SSH-2.0-", 8);
			break;
		case 1:
			if (n >= 11)
				p[0] = 3, p[1] = 0, put16(p + 2, (unsigned)n),
				p[4] = (uint8_t)(n - 5), p[5] = 0xe0, p[6] = 0, p[7] = 0, p[10] = 0;
			break;
		case 2:
			if (n >= 20)
				p[0] = 0x21, p[1] = (uint8_t)(x % 3);
			break;
		default: break;
		}
		enum dp_parse r = ssh(p, n, sw, sizeof(sw));
		if (r == DP_PARSE_OK)
			cr_assert_lt(strlen(sw), sizeof(sw));
		r = rdp(p, n, sw, sizeof(sw));
		cr_assert_not_null(memchr(sw, 0, sizeof(sw)));
		bt(p, n);
		dht(p, n);
		if (utp(p, n, &u))
			cr_assert(u.type <= 4 && (p[0] & 15) == 1);
		if (wg(p, n, &t))
			cr_assert(t >= 1 && t <= 4);
		disco(p, n);
		if (ovpn(p, n, &o))
			cr_assert(n >= 14 && n <= 1600);
		rdpudp_syn(p, n);
		if (rdpudp_hdr(p, n, &ack, &seq, &hs))
			cr_assert_geq(n, hs ? 16 : 8);
		rtp(p, n, &t);
		rtcp(p, n);
		dtls(p, n);
	}
}
