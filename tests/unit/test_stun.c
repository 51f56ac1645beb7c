/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/stun.c: STUN messages (RFC 8489 §5, §14) with the magic cookie, classic ones
 * without it (RFC 3489 §11.1), and what deployed implementations send beyond the RFCs:
 * MS-TURN's MAGIC-COOKIE attribute ([MS-TURN] 2.2.2.1) and multiplexed wrapper (2.2.3),
 * WhatsApp's 106-byte messages, unpadded attributes; over TCP with RFC 4571 framing or bare
 * (RFC 8489 §6.2.2).
 *
 * Vectors: the four messages of RFC 5769 §2 (their FINGERPRINTs checked here, so the bytes
 * are the RFC's), and real messages from the shared corpus (nDPI's stun_classic.pcap,
 * teams.pcap, wa_voice.pcap, stun.pcap, stun_tcp_multiple_msgs_same_pkt.pcap). Every parse
 * is of a heap copy of exactly the bytes given, so a read past them is an ASan report.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../dataplane/stun.h"

/* RFC 5769 §2.1: Sample Request (SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME,
 * MESSAGE-INTEGRITY, FINGERPRINT) */
static const char rfc5769_request[] =
	"000100582112a442b7e7a701bc34d686fa87dfae802200105354554e20746573"
	"7420636c69656e74002400046e0001ff80290008932ff9b151263b3600060009"
	"6576746a3a68367659202020000800149aeaa70cbfd8cb56781ef2b5b2d3f249"
	"c1b571a280280004e57a3bcf";

/* RFC 5769 §2.2: Sample IPv4 Response (XOR-MAPPED-ADDRESS 192.0.2.1:32853) */
static const char rfc5769_v4[] = "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563"
				 "746f7220002000080001a147e112a643000800142b91f599fd9e90c38c7489f9"
				 "2af9ba53f06be7d780280004c07d4c96";

/* RFC 5769 §2.3: Sample IPv6 Response (2001:db8:1234:5678:11:2233:4455:6677 port 32853) */
static const char rfc5769_v6[] = "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563"
				 "746f7220002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d900080014"
				 "a382954e4be67bf11784c97c8292c275bfe3ed4180280004c8fb0b4c";

/* RFC 5769 §2.4: Sample Request with Long-Term Authentication (USERNAME, NONCE, REALM
 * "example.org", MESSAGE-INTEGRITY) */
static const char rfc5769_long_term[] =
	"000100602112a44278ad3433c6ad72c029da412e00060012e3839ee38388e383"
	"aae38383e382afe382b900000015001c662f2f3439396b39353464364f4c3334"
	"6f4c394653547679363473410014000b6578616d706c652e6f72670000080014"
	"f67024656dd64a3e02b8e0712e85c9a28ca89666";

/* stun_classic.pcap frames 1 and 2: an RFC 3489 Binding Request with CHANGE-REQUEST, and
 * its response with MAPPED-ADDRESS 172.16.63.224:55050 */
static const char classic_request[] = "000100089429ef88294dd52632c72931cb8dbb4c0003000400000000";
static const char classic_response[] =
	"0101000c9429ef88294dd52632c72931cb8dbb4c000100080001d70aac103fe0";

/* wa_voice.pcap frame 215: WhatsApp's Allocate, message length 106 (one attribute 0x4000 of
 * 102 bytes, not padded) */
static const char whatsapp_106[] =
	"0003006a2112a442a6674f75f0ad2c001315b3364000006605030826d884ea2e"
	"a4c4944ba39f29867bf241bc1d1f5228195ff7602f3302e61e3ef4de0deb9798"
	"9fa132933e675e3981c454d16a5a8caae9521d0421dba60b3b329f858a72e5dd"
	"741369a6808d8481672dade584a273d399fe31d3f91e4545549b729bd734";

/* teams.pcap frame 1238: an MS-TURN Allocate, MAGIC-COOKIE attribute first */
static const char teams_allocate[] =
	"000300302112a442b2343f6e67f41d58acba639f000f000472c64bc680370004"
	"00000002800800040000000680060004000000010010000400002ee080550004"
	"00020002";

/* teams.pcap frame 1424: a Binding success response in the FF10 multiplexed wrapper,
 * XOR-MAPPED-ADDRESS 52.114.252.8:3479 */
static const char teams_ff10[] = "ff100060deaa296708f708fc010100442112a44281275a7e28b364d88f3d14f9"
				 "80700004000000070020000800012c851560584a803700040000000280360004"
				 "0000000100080014998b53fec81f7d913f18f8cc4c645293987537ed80280004"
				 "3ea7ac36";

/* stun.pcap frame 3: a Binding Request over TCP with RFC 4571 framing */
static const char tcp_framed[] = "0068000100542112a442f3439453b698fb2950bb06ed000600092f7049303a54"
				 "6f4564000000002400046e6bfcff80290008000000000004c2d1805400013200"
				 "0000807000040000000300080014fe92876ad46d7b797d42eb8d79a805faf31d"
				 "72d1802800040200fc47";

/* stun_tcp_multiple_msgs_same_pkt.pcap frame 2: a bare Allocate over TCP */
static const char tcp_bare[] = "000300082112a442704b6e453952586746596c590019000411000000";

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

enum how { DGRAM, STREAM, TCP };

static enum dp_parse
parse_as(enum how how, const uint8_t *p, size_t n, struct dp_stun *s)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	enum dp_parse r;

	memcpy(copy, p, n);
	if (how == DGRAM)
		r = dp_stun_parse(copy, (uint32_t)n, s);
	else if (how == STREAM)
		r = dp_stun_parse_msg(copy, (uint32_t)n, false, s);
	else
		r = dp_stun_tcp(copy, (uint32_t)n, s);
	free(copy);
	return r;
}

static enum dp_parse
parse(const uint8_t *p, size_t n, struct dp_stun *s)
{
	return parse_as(DGRAM, p, n, s);
}

/* CRC-32 (ISO-HDLC), for FINGERPRINT (RFC 8489 §14.7) */
static uint32_t
crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

static void
assert_fingerprint(const uint8_t *p, size_t n)
{
	cr_assert_geq(n, 28);
	cr_assert_eq(p[n - 8], 0x80);
	cr_assert_eq(p[n - 7], 0x28);
	uint32_t want = (uint32_t)p[n - 4] << 24 | (uint32_t)p[n - 3] << 16 |
			(uint32_t)p[n - 2] << 8 | p[n - 1];
	cr_assert_eq(crc32(p, n - 8) ^ 0x5354554eu, want, "FINGERPRINT");
}

static void
assert_attrs(const struct dp_stun *s, const uint16_t *want, unsigned n)
{
	cr_assert_eq(s->nattrs, n, "%u attributes, want %u", s->nattrs, n);
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(s->attrs[i], want[i], "attribute %u: %04x, want %04x", i, s->attrs[i],
			     want[i]);
}

static void
assert_same(const struct dp_stun *a, const struct dp_stun *b)
{
	cr_assert_eq(a->type, b->type);
	cr_assert_eq(a->length, b->length);
	cr_assert_eq(a->cookie, b->cookie);
	cr_assert_eq(a->ms, b->ms);
	cr_assert_eq(a->ms_mux, b->ms_mux);
	assert_attrs(a, b->attrs, b->nattrs);
	cr_assert_str_eq(a->software, b->software);
	cr_assert_str_eq(a->realm, b->realm);
	cr_assert_eq(a->naddrs, b->naddrs);
	for (unsigned i = 0; i < a->naddrs; i++) {
		cr_assert_eq(a->addrs[i].attr, b->addrs[i].attr);
		cr_assert_eq(a->addrs[i].family, b->addrs[i].family);
		cr_assert_eq(a->addrs[i].port, b->addrs[i].port);
		cr_assert_arr_eq(a->addrs[i].addr, b->addrs[i].addr, 16);
	}
}

/* A datagram cut anywhere is no message; as a TCP stream's start, a cut is MORE. */
static void
assert_cuts(const uint8_t *p, size_t n, bool tcp)
{
	struct dp_stun s;

	for (size_t k = 0; k < n; k++) {
		cr_assert_eq(parse(p, k, &s), DP_PARSE_NO, "datagram cut at %zu", k);
		if (tcp)
			cr_assert_eq(parse_as(TCP, p, k, &s), DP_PARSE_MORE, "stream cut at %zu",
				     k);
	}
}

/* ---- RFC 5769 ---- */

Test(stun, rfc5769_request)
{
	uint8_t p[128];
	struct dp_stun s, t;
	size_t n = unhex(rfc5769_request, p, sizeof(p));
	static const uint16_t want[] = { 0x8022, 0x0024, 0x8029, 0x0006, 0x0008, 0x8028 };

	assert_fingerprint(p, n);
	cr_assert_eq(parse(p, n, &s), DP_PARSE_OK);
	cr_assert_eq(s.type, 0x0001);
	cr_assert_eq(s.length, 0x58);
	cr_assert(s.cookie);
	cr_assert_not(s.ms, "ICE-CONTROLLED (0x8029) is every ICE agent's, not Microsoft's");
	cr_assert_not(s.ms_mux);
	assert_attrs(&s, want, 6);
	cr_assert(dp_stun_has(&s, 0x0006));
	cr_assert_not(dp_stun_has(&s, 0x0020));
	cr_assert_str_eq(s.software, "STUN test client");
	cr_assert_str_eq(s.realm, "");
	cr_assert_eq(s.naddrs, 0);
	assert_cuts(p, n, true);
	/* the same over TCP, bare, and followed by the next message's first bytes */
	cr_assert_eq(parse_as(TCP, p, n, &t), DP_PARSE_OK);
	assert_same(&t, &s);
	uint8_t more[140];
	memcpy(more, p, n);
	memcpy(more + n, p, sizeof(more) - n);
	cr_assert_eq(parse_as(TCP, more, sizeof(more), &t), DP_PARSE_OK);
	assert_same(&t, &s);
	cr_assert_eq(parse_as(STREAM, more, sizeof(more), &t), DP_PARSE_OK);
	assert_same(&t, &s);
	cr_assert_eq(parse(more, sizeof(more), &t), DP_PARSE_NO, "a datagram is one message");
}

Test(stun, rfc5769_xor_mapped_ipv4)
{
	static const uint8_t want[4] = { 192, 0, 2, 1 };
	uint8_t p[128];
	struct dp_stun s;
	size_t n = unhex(rfc5769_v4, p, sizeof(p));

	assert_fingerprint(p, n);
	cr_assert_eq(parse(p, n, &s), DP_PARSE_OK);
	cr_assert_eq(s.type, 0x0101);
	cr_assert_str_eq(s.software, "test vector");
	cr_assert_eq(s.naddrs, 1);
	cr_assert_eq(s.addrs[0].attr, 0x0020);
	cr_assert_eq(s.addrs[0].family, 4);
	cr_assert_eq(s.addrs[0].port, 32853);
	cr_assert_arr_eq(s.addrs[0].addr, want, 4);
	assert_cuts(p, n, true);
}

Test(stun, rfc5769_xor_mapped_ipv6)
{
	static const uint8_t want[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78,
					  0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77 };
	uint8_t p[128];
	struct dp_stun s;
	size_t n = unhex(rfc5769_v6, p, sizeof(p));

	assert_fingerprint(p, n);
	cr_assert_eq(parse(p, n, &s), DP_PARSE_OK);
	cr_assert_eq(s.naddrs, 1);
	cr_assert_eq(s.addrs[0].family, 6);
	cr_assert_eq(s.addrs[0].port, 32853);
	cr_assert_arr_eq(s.addrs[0].addr, want, 16, "XORed with cookie and transaction id");
	assert_cuts(p, n, true);
}

Test(stun, rfc5769_long_term_realm)
{
	uint8_t p[128];
	struct dp_stun s;
	size_t n = unhex(rfc5769_long_term, p, sizeof(p));
	static const uint16_t want[] = { 0x0006, 0x0015, 0x0014, 0x0008 };

	cr_assert_eq(parse(p, n, &s), DP_PARSE_OK);
	assert_attrs(&s, want, 4);
	cr_assert_str_eq(s.realm, "example.org");
	cr_assert_str_eq(s.software, "");
	assert_cuts(p, n, true);
}

/* ---- classic STUN ---- */

Test(stun, classic_without_cookie)
{
	static const uint8_t mapped[4] = { 172, 16, 63, 224 };
	uint8_t p[128];
	struct dp_stun s;
	size_t n = unhex(classic_request, p, sizeof(p));

	cr_assert_eq(parse(p, n, &s), DP_PARSE_OK);
	cr_assert_not(s.cookie);
	cr_assert_eq(s.type, 0x0001);
	static const uint16_t want[] = { 0x0003 };
	assert_attrs(&s, want, 1);
	assert_cuts(p, n, false);
	/* the cookie is required over TCP */
	cr_assert_eq(parse_as(TCP, p, n, &s), DP_PARSE_NO);

	n = unhex(classic_response, p, sizeof(p));
	cr_assert_eq(parse(p, n, &s), DP_PARSE_OK);
	cr_assert_eq(s.type, 0x0101);
	cr_assert_eq(s.naddrs, 1);
	cr_assert_eq(s.addrs[0].attr, 0x0001);
	cr_assert_eq(s.addrs[0].port, 55050, "MAPPED-ADDRESS is not XORed");
	cr_assert_arr_eq(s.addrs[0].addr, mapped, 4);

	/* Without the cookie only the classic types are STUN (RFC 3489 §11.1, TURN
	 * drafts): the same message with other types is not */
	static const uint16_t classic[] = { 0x0001, 0x0101, 0x0111, 0x0002, 0x0102, 0x0112,
					    0x0003, 0x0103, 0x0113, 0x0004, 0x0104, 0x0114,
					    0x0115, 0x0006, 0x0106, 0x0116 };
	n = unhex(classic_request, p, sizeof(p));
	for (unsigned t = 1; t < 0x400; t++) {
		bool want_ok = false;
		for (size_t i = 0; i < sizeof(classic) / sizeof(classic[0]); i++)
			want_ok |= classic[i] == t;
		p[0] = (uint8_t)(t >> 8), p[1] = (uint8_t)t;
		cr_assert_eq(parse(p, n, &s), want_ok ? DP_PARSE_OK : DP_PARSE_NO, "type %04x", t);
	}
	/* and with the cookie any type is */
	n = unhex(rfc5769_request, p, sizeof(p));
	p[0] = 0x00, p[1] = 0x17; /* Data indication (RFC 8656 §12) */
	cr_assert_eq(parse(p, n, &s), DP_PARSE_OK);
	p[0] = 0x3f, p[1] = 0xff;
	cr_assert_eq(parse(p, n, &s), DP_PARSE_OK);

	/* a classic header alone (no attributes) is too little to tell */
	n = unhex(classic_request, p, sizeof(p));
	p[2] = 0, p[3] = 0;
	cr_assert_eq(parse(p, 20, &s), DP_PARSE_NO);
}

/* ---- what deployed implementations send ---- */

Test(stun, whatsapp_106_fills_the_datagram)
{
	uint8_t p[160];
	struct dp_stun s, t;
	size_t n = unhex(whatsapp_106, p, sizeof(p));

	cr_assert_eq(n, 126);
	cr_assert_eq(parse(p, n, &s), DP_PARSE_OK);
	cr_assert_eq(s.length, 106);
	cr_assert_eq(s.type, 0x0003);
	static const uint16_t want[] = { 0x4000 };
	assert_attrs(&s, want, 1);
	assert_cuts(p, n, true);

	/* A length that is not a multiple of 4 only when it ends the datagram: with a
	 * byte, or a padding of 2, after it, no */
	memset(p + n, 0, 4);
	cr_assert_eq(parse(p, n + 1, &t), DP_PARSE_NO);
	cr_assert_eq(parse(p, n + 2, &t), DP_PARSE_NO);
	cr_assert_eq(parse_as(STREAM, p, n + 2, &t), DP_PARSE_NO);
	cr_assert_eq(parse_as(STREAM, p, n, &t), DP_PARSE_OK);
	assert_same(&t, &s);
	/* over TCP (bare) the message's own length delimits it, as a datagram would */
	cr_assert_eq(parse_as(TCP, p, n + 4, &t), DP_PARSE_OK);
	assert_same(&t, &s);
	/* in an RFC 4571 frame of exactly its size it is */
	uint8_t f[160];
	f[0] = 0, f[1] = (uint8_t)n;
	memcpy(f + 2, p, n);
	cr_assert_eq(parse_as(TCP, f, n + 2, &t), DP_PARSE_OK);
	assert_same(&t, &s);
	for (size_t k = 0; k < n + 2; k++)
		cr_assert_eq(parse_as(TCP, f, k, &t), DP_PARSE_MORE, "framed, cut at %zu", k);

	/* a length of 106 whose attributes do not tile it */
	p[22] = 0, p[23] = 0x65;
	cr_assert_eq(parse(p, n, &t), DP_PARSE_NO);
}

Test(stun, ms_turn_magic_cookie_attribute)
{
	uint8_t p[128];
	struct dp_stun s;
	size_t n = unhex(teams_allocate, p, sizeof(p));

	cr_assert_eq(parse(p, n, &s), DP_PARSE_OK);
	cr_assert(s.ms);
	static const uint16_t want[] = { 0x000f, 0x8037, 0x8008, 0x8006, 0x0010, 0x8055 };
	assert_attrs(&s, want, 6);

	/* 0x000F with another value is RFC 3489's REFLECTED-FROM: not listed */
	p[24 + 3] ^= 1;
	cr_assert_eq(parse(p, n, &s), DP_PARSE_OK);
	cr_assert_not(dp_stun_has(&s, 0x000f));
	cr_assert_eq(s.nattrs, 5);

	/* Without the cookie: MS-TURN's attribute first makes any type a message ... */
	n = unhex(teams_allocate, p, sizeof(p));
	memset(p + 4, 0x5a, 4);
	p[0] = 0x00, p[1] = 0x17;
	cr_assert_eq(parse(p, n, &s), DP_PARSE_OK);
	cr_assert_not(s.cookie);
	cr_assert(s.ms);
	cr_assert(dp_stun_has(&s, 0x000f));
	/* ... with its value only */
	p[27] ^= 0x80;
	cr_assert_eq(parse(p, n, &s), DP_PARSE_NO);
	p[27] ^= 0x80;
	/* ... and only first: after another attribute it does not */
	uint8_t q[128];
	memcpy(q, p, 20);
	memcpy(q + 20, p + 28, n - 28); /* the rest of the attributes */
	memcpy(q + 20 + n - 28, p + 20, 8);
	cr_assert_eq(parse(q, n, &s), DP_PARSE_NO);

	/* a classic Binding Request with REFLECTED-FROM (RFC 3489 §11.2.11): a message,
	 * but neither Microsoft's nor listing 0x000F */
	n = unhex(classic_request, p, sizeof(p));
	static const uint8_t reflected[] = { 0x00, 0x0f, 0x00, 0x08, 0x00, 0x01,
					     0x0d, 0x96, 198,  51,   100,  7 };
	memcpy(p + n, reflected, sizeof(reflected));
	p[3] = (uint8_t)(8 + sizeof(reflected));
	cr_assert_eq(parse(p, n + sizeof(reflected), &s), DP_PARSE_OK);
	cr_assert_not(s.ms);
	cr_assert_not(dp_stun_has(&s, 0x000f));
	cr_assert_eq(s.nattrs, 1);
}

Test(stun, ms_turn_multiplexed_wrapper)
{
	static const uint8_t mapped[4] = { 52, 114, 252, 8 };
	uint8_t p[160];
	struct dp_stun s, inner;
	size_t n = unhex(teams_ff10, p, sizeof(p));

	cr_assert_eq(parse(p, n, &s), DP_PARSE_OK);
	cr_assert(s.ms_mux);
	cr_assert(s.ms);
	cr_assert(s.cookie);
	cr_assert_eq(s.type, 0x0101);
	static const uint16_t want[] = { 0x8070, 0x0020, 0x8037, 0x8036, 0x0008, 0x8028, 0x000f };
	assert_attrs(&s, want, 7);
	cr_assert_eq(s.naddrs, 1);
	cr_assert_eq(s.addrs[0].port, 3479);
	cr_assert_arr_eq(s.addrs[0].addr, mapped, 4);
	/* the message inside, alone, is the same but for the wrapper */
	cr_assert_eq(parse(p + 12, n - 12, &inner), DP_PARSE_OK);
	cr_assert_not(inner.ms_mux);
	cr_assert_eq(inner.nattrs, 6);
	for (size_t k = 0; k < n; k++)
		cr_assert_eq(parse(p, k, &s), DP_PARSE_NO, "cut at %zu", k);

	/* the wrapper's length must be the rest of the datagram */
	p[3]++;
	cr_assert_eq(parse(p, n, &s), DP_PARSE_NO);
	p[3] -= 2;
	cr_assert_eq(parse(p, n, &s), DP_PARSE_NO);
	p[3]++;
	/* a wrapper around something that is not STUN */
	memset(p + 12, 0xee, n - 12);
	cr_assert_eq(parse(p, n, &s), DP_PARSE_NO);
	cr_assert_not(s.ms_mux);

	/* one wrapper only: a wrapper in a wrapper is not unwrapped again */
	n = unhex(teams_ff10, p, sizeof(p));
	uint8_t w[200];
	w[0] = 0xff, w[1] = 0x10, w[2] = 0, w[3] = (uint8_t)(n + 8);
	memset(w + 4, 0x11, 8);
	memcpy(w + 12, p, n);
	cr_assert_eq(parse(w, n + 12, &s), DP_PARSE_NO);
	cr_assert_not(s.ms_mux);
	/* nor over a stream */
	cr_assert_eq(parse_as(STREAM, p, n, &s), DP_PARSE_NO);
}

/* ---- messages built here ---- */

struct msg {
	uint8_t b[2048];
	size_t n;
};

static const uint8_t txid[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };

static void
start(struct msg *m, uint16_t type, bool cookie)
{
	m->n = 20;
	m->b[0] = (uint8_t)(type >> 8), m->b[1] = (uint8_t)type;
	static const uint8_t c[4] = { 0x21, 0x12, 0xa4, 0x42 };
	if (cookie)
		memcpy(m->b + 4, c, 4);
	else
		memset(m->b + 4, 0x77, 4);
	memcpy(m->b + 8, txid, 12);
}

/* An attribute (RFC 8489 §14): type, length, value, padded to 4 unless told not to. */
static void
attr(struct msg *m, uint16_t t, const void *v, size_t vl, bool pad)
{
	cr_assert_leq(m->n + 4 + vl + 3, sizeof(m->b));
	m->b[m->n] = (uint8_t)(t >> 8), m->b[m->n + 1] = (uint8_t)t;
	m->b[m->n + 2] = (uint8_t)(vl >> 8), m->b[m->n + 3] = (uint8_t)vl;
	memcpy(m->b + m->n + 4, v, vl);
	m->n += 4 + vl;
	while (pad && (m->n & 3) != 0)
		m->b[m->n++] = 0;
}

static size_t
finish(struct msg *m)
{
	size_t l = m->n - 20;
	m->b[2] = (uint8_t)(l >> 8), m->b[3] = (uint8_t)l;
	return m->n;
}

/* An XOR address value (RFC 8489 §14.2) for port and address (4 or 16 bytes). */
static size_t
xor_value(uint8_t *v, uint16_t port, const uint8_t *addr, size_t alen)
{
	static const uint8_t mask[16] = { 0x21, 0x12, 0xa4, 0x42, 1, 2,  3,  4,
					  5,    6,    7,    8,    9, 10, 11, 12 };
	v[0] = 0;
	v[1] = alen == 4 ? 1 : 2;
	port ^= 0x2112;
	v[2] = (uint8_t)(port >> 8), v[3] = (uint8_t)port;
	for (size_t i = 0; i < alen; i++)
		v[4 + i] = addr[i] ^ mask[i];
	return 4 + alen;
}

Test(stun, turn_addresses)
{
	static struct msg m;
	static const uint8_t relayed[4] = { 203, 0, 113, 9 };
	static const uint8_t mapped[4] = { 198, 51, 100, 20 };
	static const uint8_t peer6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xaa, 0xbb, 0, 0,
					   0,    0,    0,    0,    0,    0,    0, 0x42 };
	uint8_t v[20];
	struct dp_stun s;

	/* An Allocate success response (RFC 8656 §7.3): XOR-RELAYED-ADDRESS,
	 * XOR-MAPPED-ADDRESS; then a CreatePermission's XOR-PEER-ADDRESS (IPv6) and an
	 * ALTERNATE-SERVER (not XORed) */
	start(&m, 0x0103, true);
	attr(&m, 0x0016, v, xor_value(v, 49152, relayed, 4), true);
	attr(&m, 0x0020, v, xor_value(v, 54321, mapped, 4), true);
	attr(&m, 0x0012, v, xor_value(v, 443, peer6, 16), true);
	uint8_t alt[8] = { 0, 1, 0x0d, 0x96, 192, 0, 2, 77 };
	attr(&m, 0x8023, alt, 8, true);
	uint8_t lifetime[4] = { 0, 0, 0x02, 0x58 };
	attr(&m, 0x000d, lifetime, 4, true);
	size_t n = finish(&m);

	cr_assert_eq(parse(m.b, n, &s), DP_PARSE_OK);
	cr_assert_eq(s.naddrs, 4);
	cr_assert_eq(s.addrs[0].attr, 0x0016);
	cr_assert_eq(s.addrs[0].port, 49152);
	cr_assert_arr_eq(s.addrs[0].addr, relayed, 4);
	cr_assert_eq(s.addrs[1].attr, 0x0020);
	cr_assert_eq(s.addrs[1].port, 54321);
	cr_assert_arr_eq(s.addrs[1].addr, mapped, 4);
	cr_assert_eq(s.addrs[2].attr, 0x0012);
	cr_assert_eq(s.addrs[2].family, 6);
	cr_assert_eq(s.addrs[2].port, 443);
	cr_assert_arr_eq(s.addrs[2].addr, peer6, 16);
	cr_assert_eq(s.addrs[3].attr, 0x8023);
	cr_assert_eq(s.addrs[3].port, 3478);
	cr_assert_arr_eq(s.addrs[3].addr, alt + 4, 4);

	/* more than four: the first four; families other than 1 and 2, and values too
	 * short for their family, are passed over */
	start(&m, 0x0101, true);
	uint8_t bad[20] = { 0, 3, 0, 80, 1, 2, 3, 4 };
	attr(&m, 0x0020, bad, 8, true);
	bad[1] = 2;
	attr(&m, 0x0020, bad, 8, true); /* IPv6 in 8 bytes */
	attr(&m, 0x0001, bad, 7, true); /* shorter than any address */
	for (int i = 0; i < 6; i++) {
		uint8_t a4[4] = { 10, 0, 0, (uint8_t)i };
		attr(&m, 0x0020, v, xor_value(v, (uint16_t)(1000 + i), a4, 4), true);
	}
	n = finish(&m);
	cr_assert_eq(parse(m.b, n, &s), DP_PARSE_OK);
	cr_assert_eq(s.naddrs, DP_STUN_ADDRS);
	for (unsigned i = 0; i < DP_STUN_ADDRS; i++) {
		cr_assert_eq(s.addrs[i].port, 1000 + i);
		cr_assert_eq(s.addrs[i].addr[3], i);
	}

	/* the pre-RFC XOR-MAPPED-ADDRESS (0x8020) is XORed with the cookie too; without a
	 * cookie (classic), XOR attributes are read as they are */
	start(&m, 0x0101, true);
	attr(&m, 0x8020, v, xor_value(v, 5000, mapped, 4), true);
	n = finish(&m);
	cr_assert_eq(parse(m.b, n, &s), DP_PARSE_OK);
	cr_assert_eq(s.addrs[0].port, 5000);
	cr_assert_arr_eq(s.addrs[0].addr, mapped, 4);
	start(&m, 0x0101, false);
	attr(&m, 0x0020, alt, 8, true);
	n = finish(&m);
	cr_assert_eq(parse(m.b, n, &s), DP_PARSE_OK);
	cr_assert_eq(s.addrs[0].port, 3478);
	cr_assert_arr_eq(s.addrs[0].addr, alt + 4, 4);
}

Test(stun, realm_and_software)
{
	static struct msg m;
	struct dp_stun s;
	char long_realm[100];

	/* a 401 to an Allocate (RFC 8656 §7.2): ERROR-CODE, REALM, NONCE, SOFTWARE */
	start(&m, 0x0113, true);
	attr(&m, 0x0009, "\x00\x00\x04\x01Unauthorized", 16, true);
	attr(&m, 0x0014, "turn.example.org", 16, true);
	attr(&m, 0x0015, "abcdef0123456789", 16, true);
	attr(&m, 0x8022, "Coturn-4.6.2 'Gorst'", 20, true);
	size_t n = finish(&m);
	cr_assert_eq(parse(m.b, n, &s), DP_PARSE_OK);
	cr_assert_str_eq(s.realm, "turn.example.org");
	cr_assert_str_eq(s.software, "Coturn-4.6.2 'Gorst'");

	/* long values are cut; control and high bytes become '?' */
	memset(long_realm, 'r', sizeof(long_realm));
	start(&m, 0x0113, true);
	attr(&m, 0x0014, long_realm, sizeof(long_realm), true);
	attr(&m, 0x8022,
	     "a\x00"
	     "b\x1f"
	     "c\x80",
	     6, true);
	n = finish(&m);
	cr_assert_eq(parse(m.b, n, &s), DP_PARSE_OK);
	cr_assert_eq(strlen(s.realm), sizeof(s.realm) - 1);
	cr_assert_str_eq(s.software, "a?b?c?");
	/* an empty REALM */
	start(&m, 0x0113, true);
	attr(&m, 0x0014, "", 0, true);
	n = finish(&m);
	cr_assert_eq(parse(m.b, n, &s), DP_PARSE_OK);
	cr_assert_str_eq(s.realm, "");
	cr_assert(dp_stun_has(&s, 0x0014));
}

Test(stun, unpadded_attributes)
{
	static struct msg m;
	struct dp_stun s;

	/* MS-TURN does not pad: USERNAME of 5 bytes, then SOFTWARE right after it (the
	 * padded position would read "\x04w" as a type and "xy" as a length) */
	start(&m, 0x0001, true);
	attr(&m, 0x0006, "abcde", 5, false);
	attr(&m, 0x8022, "wxyz", 4, false);
	size_t n = finish(&m);
	cr_assert_eq(n, 37);
	cr_assert_eq(parse(m.b, n, &s), DP_PARSE_OK);
	static const uint16_t want[] = { 0x0006, 0x8022 };
	assert_attrs(&s, want, 2);
	cr_assert_str_eq(s.software, "wxyz");
	/* not multiple of 4: only as the whole datagram */
	cr_assert_eq(parse_as(STREAM, m.b, n + 3, &s), DP_PARSE_NO);

	/* padded where it fits, unpadded last */
	start(&m, 0x0001, true);
	attr(&m, 0x0006, "abcde", 5, true);
	attr(&m, 0x0014, "realm", 5, false);
	n = finish(&m);
	cr_assert_eq(parse(m.b, n, &s), DP_PARSE_OK);
	cr_assert_str_eq(s.realm, "realm");

	/* neither the padded nor the unpadded position starts an attribute */
	start(&m, 0x0001, true);
	attr(&m, 0x0006, "abcde", 5, false);
	m.b[m.n++] = 0xff;
	m.b[m.n++] = 0xff;
	n = finish(&m);
	cr_assert_eq(parse(m.b, n, &s), DP_PARSE_NO);
}

Test(stun, hostile_lengths)
{
	static struct msg m;
	uint8_t p[128];
	struct dp_stun s;
	size_t n = unhex(rfc5769_request, p, sizeof(p));

	/* the message length past the datagram, 0xfffc, or short of it */
	p[2] = 0xff, p[3] = 0xfc;
	cr_assert_eq(parse(p, n, &s), DP_PARSE_NO);
	cr_assert_eq(parse_as(STREAM, p, n, &s), DP_PARSE_NO);
	cr_assert_eq(parse_as(TCP, p, n, &s), DP_PARSE_MORE, "a stream may bring the rest");
	p[2] = 0, p[3] = 0x5c;
	cr_assert_eq(parse(p, n, &s), DP_PARSE_NO);
	p[3] = 0x54;
	cr_assert_eq(parse(p, n, &s), DP_PARSE_NO);
	cr_assert_eq(parse_as(STREAM, p, n, &s), DP_PARSE_NO, "attributes cut by the length");
	p[3] = 0x58;
	/* an attribute's length past the message: 0xffff, and by one */
	p[22] = 0xff, p[23] = 0xff;
	cr_assert_eq(parse(p, n, &s), DP_PARSE_NO);
	p[22] = 0, p[23] = 0x10;
	cr_assert_eq(parse(p, n, &s), DP_PARSE_OK);
	n = unhex(rfc5769_request, p, sizeof(p));
	p[n - 6] = 0, p[n - 5] = 5; /* FINGERPRINT's length */
	cr_assert_eq(parse(p, n, &s), DP_PARSE_NO);
	/* leading bits, type 0, under 20 bytes */
	n = unhex(rfc5769_request, p, sizeof(p));
	p[0] |= 0x40;
	cr_assert_eq(parse(p, n, &s), DP_PARSE_NO);
	p[0] = 0x80;
	cr_assert_eq(parse(p, n, &s), DP_PARSE_NO);
	p[0] = 0, p[1] = 0;
	cr_assert_eq(parse(p, n, &s), DP_PARSE_NO);
	cr_assert_eq(parse(p, 19, &s), DP_PARSE_NO);
	cr_assert_eq(parse(p, 0, &s), DP_PARSE_NO);

	/* one to three bytes after the last attribute: no attribute fits them */
	for (int extra = 1; extra <= 3; extra++) {
		start(&m, 0x0001, true);
		attr(&m, 0x0024, "\x6e\x00\x01\xff", 4, true);
		for (int i = 0; i < extra; i++)
			m.b[m.n++] = 0;
		size_t k = finish(&m);
		cr_assert_eq(parse(m.b, k, &s), DP_PARSE_NO, "%d extra", extra);
	}

	/* more attributes than are listed: the first 32, and the message stands */
	start(&m, 0x0001, true);
	for (int i = 0; i < 40; i++)
		attr(&m, (uint16_t)(0x8000 + i), "", 0, true);
	n = finish(&m);
	cr_assert_eq(parse(m.b, n, &s), DP_PARSE_OK);
	cr_assert_eq(s.nattrs, DP_STUN_ATTRS);
	cr_assert_eq(s.attrs[31], 0x801f);
	/* the largest message: 0xfffc of attributes */
	static uint8_t big[20 + 0xfffc];
	memcpy(big, m.b, 20);
	big[2] = 0xff, big[3] = 0xfc;
	big[20] = 0x80, big[21] = 0x01, big[22] = 0xff, big[23] = 0xf8;
	memset(big + 24, 'x', 0xfff8);
	cr_assert_eq(parse(big, sizeof(big), &s), DP_PARSE_OK);
	cr_assert_eq(s.nattrs, 1);
}

Test(stun, tcp_framing)
{
	uint8_t p[160];
	struct dp_stun s, t;
	size_t n = unhex(tcp_framed, p, sizeof(p));

	/* RFC 4571: a 2-byte length, then the message */
	cr_assert_eq(parse_as(TCP, p, n, &s), DP_PARSE_OK);
	cr_assert_eq(s.type, 0x0001);
	cr_assert(s.cookie);
	cr_assert(dp_stun_has(&s, 0x0006));
	cr_assert_eq(parse(p + 2, n - 2, &t), DP_PARSE_OK);
	assert_same(&t, &s);
	for (size_t k = 0; k < n; k++)
		cr_assert_eq(parse_as(TCP, p, k, &t), DP_PARSE_MORE, "cut at %zu", k);
	/* followed by the next frame */
	uint8_t two[320];
	memcpy(two, p, n);
	memcpy(two + n, p, n);
	cr_assert_eq(parse_as(TCP, two, 2 * n, &t), DP_PARSE_OK);
	assert_same(&t, &s);
	/* a frame length that is not the message's */
	p[1]++;
	cr_assert_eq(parse_as(TCP, p, n, &t), DP_PARSE_NO);
	p[1] -= 2;
	cr_assert_eq(parse_as(TCP, p, n, &t), DP_PARSE_NO);
	p[1]++;
	p[0] = 0, p[1] = 19;
	cr_assert_eq(parse_as(TCP, p, n, &t), DP_PARSE_NO);

	/* bare (RFC 8489 §6.2.2) */
	n = unhex(tcp_bare, p, sizeof(p));
	cr_assert_eq(parse_as(TCP, p, n, &s), DP_PARSE_OK);
	cr_assert_eq(s.type, 0x0003);
	cr_assert(dp_stun_has(&s, 0x0019));
	for (size_t k = 0; k < n; k++)
		cr_assert_eq(parse_as(TCP, p, k, &t), DP_PARSE_MORE, "cut at %zu", k);
	memset(p + n, 0xab, 30);
	cr_assert_eq(parse_as(TCP, p, n + 30, &t), DP_PARSE_OK);
	assert_same(&t, &s);
	/* a bare message whose attributes do not tile it */
	p[22] = 0, p[23] = 5;
	cr_assert_eq(parse_as(TCP, p, n, &t), DP_PARSE_NO);

	/* not STUN */
	cr_assert_eq(parse_as(TCP, (const uint8_t *)"GET / HTTP/1.1\r\n", 16, &t), DP_PARSE_NO);
	cr_assert_eq(
		parse_as(TCP, (const uint8_t *)"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03", 10, &t),
		DP_PARSE_NO);
	cr_assert_eq(parse_as(TCP, (const uint8_t *)"\x00", 1, &t), DP_PARSE_MORE);
	cr_assert_eq(parse_as(TCP, (const uint8_t *)"\xff\xff", 2, &t), DP_PARSE_NO);
}

Test(stun, random_bytes)
{
	static uint8_t p[600];
	uint64_t x = 0x853c49e6748fea9bu;
	struct dp_stun s;

	for (int i = 0; i < 50000; i++) {
		size_t n = (x >> 37) % sizeof(p);
		for (size_t j = 0; j < n; j++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			p[j] = (uint8_t)x;
		}
		if (n >= 20 && (i & 1)) { /* a plausible header */
			p[0] &= 0x3f;
			p[2] = (uint8_t)((n - 20) >> 8), p[3] = (uint8_t)(n - 20);
			p[4] = 0x21, p[5] = 0x12, p[6] = 0xa4, p[7] = 0x42;
			if (i & 2 && n >= 24) /* and a plausible first attribute */
				p[22] = 0, p[23] = (uint8_t)((x >> 3) % (n - 23));
		}
		enum how how = (enum how)(i % 3);
		enum dp_parse r = parse_as(how, p, n, &s);
		cr_assert(r == DP_PARSE_OK || r == DP_PARSE_MORE || r == DP_PARSE_NO);
		if (how != TCP)
			cr_assert_neq(r, DP_PARSE_MORE);
		cr_assert_leq(s.nattrs, DP_STUN_ATTRS);
		cr_assert_leq(s.naddrs, DP_STUN_ADDRS);
		cr_assert_not_null(memchr(s.software, 0, sizeof(s.software)));
		cr_assert_not_null(memchr(s.realm, 0, sizeof(s.realm)));
		if (r == DP_PARSE_OK && how == DGRAM && !s.ms_mux) {
			cr_assert_eq(s.length + 20u, n);
			cr_assert_eq((p[0] & 0xc0), 0);
		}
		for (unsigned a = 0; a < s.naddrs; a++)
			cr_assert(s.addrs[a].family == 4 || s.addrs[a].family == 6);
	}
}
