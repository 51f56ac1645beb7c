/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for dataplane/shapes.c: the whole input is given to every recogniser.
 *
 * Every call is on a heap copy of exactly the bytes given, so a read past them is an ASan
 * report. Checks beyond that, against what each recogniser's specification (shapes.h)
 * says, computed here from the bytes:
 *  - SSH, BitTorrent handshake, RDP (the parsers over a TCP stream's start): a prefix
 *    answers OK only with the whole input's answer and output, NO only if the whole input
 *    answers NO; the answer does not depend on the room given for the copied string, and
 *    the copies are the same text cut to that room;
 *  - SSH: the identification line is whole and printable; RDP: TPKT and X.224 CR fields,
 *    and a variable part that is a cookie line and/or an RDP_NEG_REQ, nothing else (no
 *    TSAP parameters);
 *  - uTP: the extension chain walked here ends where the payload rule says; fields copied;
 *  - WireGuard, Tailscale, OpenVPN, RTP, RTCP, DTLS, RDP-UDP: the fields and sizes that
 *    make them; no datagram is both RTP and RTCP.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../dataplane/shapes.h"
#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

/* A heap copy of exactly n bytes; freed by the next call. */
static const uint8_t *
exact(const uint8_t *p, size_t n)
{
	static uint8_t *c;
	free(c);
	c = malloc(n > 0 ? n : 1);
	CHECK(c != NULL);
	memcpy(c, p, n);
	return c;
}

/* ---- the stream parsers ---- */

enum stream { SSH, BT, RDP };

static const unsigned caps[] = { 0, 1, 2, 9, 64, 300 };

/* Parse with every room in caps (all: only the largest); the answers agree and the texts
 * are one text cut. */
static enum dp_parse
stream(enum stream which, const uint8_t *p, size_t n, char *text, bool all)
{
	static char t[sizeof(caps) / sizeof(caps[0])][300];
	enum dp_parse r = DP_PARSE_NO;

	for (size_t i = all ? 0 : sizeof(caps) / sizeof(caps[0]) - 1;
	     i < sizeof(caps) / sizeof(caps[0]); i++) {
		enum dp_parse ri;
		memset(t[i], 0x55, sizeof(t[i]));
		char *out = caps[i] > 0 ? t[i] : NULL;
		if (which == SSH)
			ri = dp_ssh_banner(exact(p, n), (uint32_t)n, out, caps[i]);
		else if (which == RDP)
			ri = dp_rdp_request(exact(p, n), (uint32_t)n, out, caps[i]);
		else
			ri = dp_bt_handshake(exact(p, n), (uint32_t)n);
		CHECK(ri == DP_PARSE_OK || ri == DP_PARSE_MORE || ri == DP_PARSE_NO);
		if (i == 0 || !all)
			r = ri;
		CHECK(ri == r);
		if (which == BT || caps[i] == 0)
			continue;
		CHECK(memchr(t[i], 0, caps[i]) != NULL);
		for (size_t k = caps[i]; k < sizeof(t[i]); k++)
			CHECK(t[i][k] == 0x55); /* nothing written past the room */
		if (r == DP_PARSE_OK && i > 1 && all) {
			/* the smaller room holds the start of the larger's text */
			size_t l = strlen(t[i - 1]);
			CHECK(strncmp(t[i - 1], t[i], l) == 0);
			CHECK(l == caps[i - 1] - 1 || strlen(t[i]) == l);
		}
	}
	memcpy(text, t[sizeof(caps) / sizeof(caps[0]) - 1], 300);
	return r;
}

static void
check_ssh(const uint8_t *p, size_t n, enum dp_parse r, const char *sw)
{
	if (r != DP_PARSE_OK) {
		if (n >= 4 && memcmp(p, "SSH-", 4) != 0)
			CHECK(r == DP_PARSE_NO);
		return;
	}
	CHECK(n >= 8 && memcmp(p, "SSH-", 4) == 0);
	size_t v = memcmp(p + 4, "2.0-", 4) == 0 || memcmp(p + 4, "1.5-", 4) == 0 ? 8 : 9;
	if (v == 9)
		CHECK(memcmp(p + 4, "1.99-", 5) == 0);
	const uint8_t *nl = memchr(p, '\n', n < 255 ? n : 255);
	CHECK(nl != NULL);
	size_t e = (size_t)(nl - p);
	if (e > v && p[e - 1] == '\r')
		e--;
	for (size_t i = v; i < e; i++)
		CHECK(p[i] >= 0x20 && p[i] < 0x7f);
	CHECK(strlen(sw) == (e - v < 299 ? e - v : 299));
	CHECK(memcmp(sw, p + v, strlen(sw)) == 0);
}

static void
check_bt(const uint8_t *p, size_t n, enum dp_parse r)
{
	static const char hs[] = "\x13"
				 "BitTorrent protocol";
	size_t k = n < 20 ? n : 20;
	bool match = memcmp(p, hs, k) == 0;
	CHECK(r == (!match ? DP_PARSE_NO : n < 20 ? DP_PARSE_MORE : DP_PARSE_OK));
}

static void
check_rdp(const uint8_t *p, size_t n, enum dp_parse r, const char *cookie)
{
	if (r != DP_PARSE_OK) {
		if (n >= 1 && p[0] != 3)
			CHECK(r == DP_PARSE_NO);
		return;
	}
	/* TPKT (RFC 1006 §6): version 3, reserved 0, length; X.224 CR (§13.3) of class 0 */
	CHECK(n >= 11 && p[0] == 3 && p[1] == 0);
	size_t tl = rd16(p + 2);
	CHECK(tl >= 11 && tl <= n && p[4] + 5u == tl && p[5] == 0xe0 && rd16(p + 6) == 0 &&
	      (p[10] & 0xf0) == 0);
	/* [MS-RDPBCGR] 2.2.1.1: [cookie or routing token line] [RDP_NEG_REQ] */
	const uint8_t *v = p + 11, *end = p + tl;
	size_t cl = 0;
	if ((size_t)(end - v) >= 17 && memcmp(v, "Cookie: mstshash=", 17) == 0)
		cl = 17;
	else if ((size_t)(end - v) >= 13 && memcmp(v, "Cookie: msts=", 13) == 0)
		cl = 13;
	if (cl > 0) {
		const uint8_t *crlf = memmem(v + cl, (size_t)(end - v - cl), "\r\n", 2);
		CHECK(crlf != NULL);
		size_t k = (size_t)(crlf - v - cl);
		CHECK(strlen(cookie) == (k < 299 ? k : 299));
		for (size_t i = 0; i < strlen(cookie); i++)
			CHECK(cookie[i] ==
			      (v[cl + i] >= 0x20 && v[cl + i] < 0x7f ? (char)v[cl + i] : '?'));
		v = crlf + 2;
	} else {
		CHECK(cookie[0] == '\0');
	}
	CHECK(v == end || (end - v == 8 && v[0] == 1 && v[2] == 8 && v[3] == 0));
	/* so never ISO-on-TCP's TSAP parameters */
	CHECK(tl == 11 || (p[11] != 0xc0 && p[11] != 0xc1 && p[11] != 0xc2));
}

static void
streams(const uint8_t *p, size_t n)
{
	static char text[300], tk[300];

	for (int w = SSH; w <= RDP; w++) {
		enum dp_parse r = stream((enum stream)w, p, n, text, true);
		if (w == SSH)
			check_ssh(p, n, r, text);
		else if (w == BT)
			check_bt(p, n, r);
		else
			check_rdp(p, n, r, text);
		size_t step = n <= 100 ? 1 : n / 37;
		for (size_t k = 0; k < n; k += step) {
			enum dp_parse rk = stream((enum stream)w, p, k, tk, false);
			if (rk == DP_PARSE_OK)
				CHECK(r == DP_PARSE_OK && (w == BT || strcmp(tk, text) == 0));
			if (rk == DP_PARSE_NO)
				CHECK(r == DP_PARSE_NO);
		}
	}
}

/* ---- the datagram shapes ---- */

static void
check_utp(const uint8_t *p, size_t n)
{
	struct dp_utp u;
	if (!dp_bt_utp(exact(p, n), (uint32_t)n, &u))
		return;
	/* BEP 29 */
	CHECK(n >= 20 && (p[0] & 15) == 1 && p[0] >> 4 <= 4 && rd32(p + 4) != 0x2112a442u);
	CHECK(u.type == p[0] >> 4 && u.conn == rd16(p + 2) && u.ts == rd32(p + 4) &&
	      u.seq == rd16(p + 16));
	size_t off = 20;
	unsigned ext = p[1];
	while (ext != 0) {
		CHECK(ext <= 2 && off + 2 <= n && p[off + 1] != 0 && off + 2 + p[off + 1] <= n);
		ext = p[off];
		off += 2 + (size_t)p[off + 1];
	}
	if (u.type == 0)
		CHECK(off < n && rd32(p + 12) != 0);
	if (u.type == 2 || u.type == 4)
		CHECK(off == n && rd32(p + 12) != 0);
}

static void
check_datagram(const uint8_t *p, size_t n)
{
	uint8_t t = 0;
	struct dp_openvpn o;
	uint32_t ack = 0, seq = 0;
	bool has_seq = false;

	CHECK(dp_bt_dht(exact(p, n), (uint32_t)n) ==
	      (n >= 12 && p[0] == 'd' && p[n - 1] == 'e' &&
	       (memcmp(p, "d1:", 3) == 0
			? strchr("aretv", p[3]) != NULL && p[3] != 0
			: memcmp(p, "d2:ip", 5) == 0 || memcmp(p, "d2:id", 5) == 0) &&
	       (memmem(p, n, "1:y1:q", 6) || memmem(p, n, "1:y1:r", 6) ||
		memmem(p, n, "1:y1:e", 6))));
	check_utp(p, n);

	/* WireGuard whitepaper §5.4 */
	if (dp_wireguard(exact(p, n), (uint32_t)n, &t)) {
		CHECK(t == p[0] && p[1] == 0 && p[2] == 0 && p[3] == 0);
		CHECK((t == 1 && n == 148) || (t == 2 && n == 92) || (t == 3 && n == 64) ||
		      (t == 4 && n >= 32 && n % 16 == 0));
	}
	CHECK(dp_tailscale_disco(exact(p, n), (uint32_t)n) ==
	      (n >= 6 && memcmp(p, "TS\xf0\x9f\x92\xac", 6) == 0));

	/* OpenVPN: exactly the control opcodes, 14 to 1600 bytes */
	bool ov = dp_openvpn_msg(exact(p, n), (uint32_t)n, &o);
	unsigned op = n > 0 ? p[0] >> 3 : 0;
	CHECK(ov == (n >= 14 && n <= 1600 &&
		     (op == 1 || op == 2 || op == 4 || op == 5 || op == 7 || op == 8 || op == 10 ||
		      op == 11)));
	if (ov) {
		CHECK(o.op == op && o.key == (p[0] & 7));
		uint64_t sid = 0;
		for (int i = 1; i <= 8; i++)
			sid = sid << 8 | p[i];
		CHECK(o.sid == sid);
		CHECK(dp_openvpn_reset(o.op) ==
		      (op == 1 || op == 2 || op == 7 || op == 8 || op == 10));
	}

	/* [MS-RDPEUDP] */
	if (dp_rdpudp_syn(exact(p, n), (uint32_t)n))
		CHECK(n == 1232 && rd32(p) == 0xffffffffu && (rd16(p + 6) & 1) &&
		      !(rd16(p + 6) & 4) && rd16(p + 12) >= 1132 && rd16(p + 12) <= 1232 &&
		      rd16(p + 14) >= 1132 && rd16(p + 14) <= 1232);
	if (dp_rdpudp_hdr(exact(p, n), (uint32_t)n, &ack, &seq, &has_seq)) {
		uint16_t flags = rd16(p + 6);
		CHECK(n >= 8 && ack == rd32(p) && !(flags & 0xe000));
		size_t off = 8;
		if (flags & 4) {
			CHECK(off + 2 <= n);
			off += (2 + (size_t)rd16(p + off) + 3) & ~(size_t)3;
		}
		if (flags & 0x100)
			off += 4;
		CHECK(off <= n);
		CHECK(has_seq == ((flags & 8) != 0));
		if (has_seq)
			CHECK(off + 8 <= n && seq == rd32(p + off));
	}

	/* RFC 3550 §5.1, §6.4; RFC 5761 §4 */
	bool is_rtp = dp_rtp(exact(p, n), (uint32_t)n, &t);
	bool is_rtcp = dp_rtcp(exact(p, n), (uint32_t)n);
	CHECK(!(is_rtp && is_rtcp));
	if (is_rtp)
		CHECK(n >= 12 + 4 * (size_t)(p[0] & 15) && p[0] >> 6 == 2 && t == (p[1] & 0x7f) &&
		      (t < 72 || t > 78));
	CHECK(is_rtcp == (n >= 8 && p[0] >> 6 == 2 && p[1] >= 200 && p[1] <= 206 &&
			  ((size_t)rd16(p + 2) + 1) * 4 <= n));
	/* RFC 6347 §4.1 */
	CHECK(dp_dtls(exact(p, n), (uint32_t)n) ==
	      (n >= 13 && ((p[0] >= 20 && p[0] <= 23) || p[0] == 25) &&
	       (rd16(p + 1) == 0xfeff || rd16(p + 1) == 0xfefd || rd16(p + 1) == 0xfefc) &&
	       (size_t)rd16(p + 11) + 13 <= n));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	streams(data, size);
	check_datagram(data, size);
	return 0;
}
