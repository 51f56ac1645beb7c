/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * STUN parsing. A message is accepted only when the header is consistent and the attributes
 * tile the message exactly: random payloads rarely pass that, so a match is strong
 * evidence. Without the magic cookie (classic STUN), the type must be a classic one. The
 * leniencies (length not a multiple of 4, unpadded attributes, the FF10 wrapper) are each
 * what a deployed implementation sends (see stun.h), and each still requires the exact
 * tiling.
 */
#include "stun.h"

#include "wire.h"

#include <string.h>

#define COOKIE 0x2112a442u

bool
dp_stun_has(const struct dp_stun *s, uint16_t t)
{
	for (unsigned i = 0; i < s->nattrs; i++)
		if (s->attrs[i] == t)
			return true;
	return false;
}

static void
address(struct dp_stun *out, uint16_t attr, const uint8_t *v, uint16_t vl, bool xor,
	const uint8_t *hdr)
{
	if (out->naddrs == DP_STUN_ADDRS || vl < 8)
		return;
	struct dp_stun_addr *a = &out->addrs[out->naddrs];
	uint8_t fam = v[1];
	unsigned alen = fam == 1 ? 4 : fam == 2 ? 16 : 0;
	if (alen == 0 || vl < 4 + alen)
		return;
	memset(a, 0, sizeof(*a));
	a->attr = attr;
	a->family = alen == 4 ? 4 : 6;
	a->port = dp_rd16(v + 2);
	memcpy(a->addr, v + 4, alen);
	if (xor) {
		/* XOR with the cookie (port: its top 16 bits), IPv6 also with the transaction id */
		a->port ^= (uint16_t)(COOKIE >> 16);
		for (unsigned i = 0; i < alen; i++)
			a->addr[i] ^= hdr[4 + i];
	}
	out->naddrs++;
}

/* The classic (RFC 3489) message types, for messages without the magic cookie: Binding,
 * Shared Secret, Allocate, Send, Data indication, Set Active Destination (requests,
 * responses, errors), as listed by RFC 3489 §11.1 and draft-rosenberg-midcom-turn. */
static bool
classic_type(uint16_t t)
{
	switch (t) {
	case 0x0001:
	case 0x0101:
	case 0x0111:
	case 0x0002:
	case 0x0102:
	case 0x0112:
	case 0x0003:
	case 0x0103:
	case 0x0113:
	case 0x0004:
	case 0x0104:
	case 0x0114:
	case 0x0115:
	case 0x0006:
	case 0x0106:
	case 0x0116: return true;
	default: return false;
	}
}

/* Does an attribute header at a fit, with its value, before end? */
static bool
attr_fits(const uint8_t *a, const uint8_t *end)
{
	return end - a >= 4 && (uint32_t)(end - a - 4) >= dp_rd16(a + 2);
}

static void
text(char *dst, unsigned cap, const uint8_t *v, uint16_t vl)
{
	uint32_t n = vl < cap - 1 ? vl : cap - 1;
	for (uint32_t i = 0; i < n; i++)
		dst[i] = (v[i] >= 0x20 && v[i] < 0x7f) ? (char)v[i] : '?';
	dst[n] = '\0';
}

/* Microsoft's vendor attributes ([MS-TURN] 2.2.2, [MS-ICE2] 2.2.2); not the standard ones
 * in the same range that its clients also send (ALTERNATE-SERVER 0x8023, RFC 8489 §14.15;
 * ICE-CONTROLLED 0x8029 and ICE-CONTROLLING 0x802A, RFC 8445 §16.1), which every ICE agent
 * sends. */
static bool
ms_attr(uint16_t t)
{
	switch (t) {
	case 0x8006:
	case 0x8008:
	case 0x8020:
	case 0x8032:
	case 0x8036:
	case 0x8037:
	case 0x8038:
	case 0x8050:
	case 0x8054:
	case 0x8055:
	case 0x8070:
	case 0x8090:
	case 0x8095: return true;
	default: return false;
	}
}

/* A message at p; unwrap: the FF10 wrapper may come first (one level: a wrapper inside a
 * wrapper is not a message). */
static enum dp_parse
parse(const uint8_t *p, uint32_t len, bool exact, bool unwrap, struct dp_stun *out)
{
	memset(out, 0, sizeof(*out));
	/* [MS-TURN] 2.2.3 multiplexed TURN: FF10, length of the rest, 8-byte session id */
	if (unwrap && exact && len >= 12 + 20 && p[0] == 0xff && p[1] == 0x10 &&
	    dp_rd16(p + 2) + 4u == len) {
		enum dp_parse r = parse(p + 12, len - 12, true, false, out);
		out->ms_mux = r == DP_PARSE_OK;
		out->ms |= out->ms_mux;
		/* the wrapper is MS-TURN's: reported as its MAGIC-COOKIE attribute */
		if (out->ms_mux && !dp_stun_has(out, 0x000f) && out->nattrs < DP_STUN_ATTRS)
			out->attrs[out->nattrs++] = 0x000f;
		return r;
	}
	if (len < 20 || (p[0] & 0xc0) != 0)
		return DP_PARSE_NO;
	uint16_t type = dp_rd16(p), mlen = dp_rd16(p + 2);
	if (type == 0 || 20u + mlen > len || (exact && 20u + mlen != len))
		return DP_PARSE_NO;
	if ((mlen & 3) != 0 && 20u + mlen != len)
		return DP_PARSE_NO;
	out->type = type;
	out->length = mlen;
	out->cookie = dp_rd32(p + 4) == COOKIE;
	const uint8_t *a = p + 20, *end = p + 20 + mlen;
	if (!out->cookie) {
		/* MS-TURN Data indications carry no cookie but open with the MAGIC-COOKIE
		 * attribute ([MS-TURN] 2.2.2.1: type 0x000F, value 0x72C64BC6) */
		bool ms_cookie = mlen >= 8 && dp_rd16(a) == 0x000f && dp_rd16(a + 2) == 4 &&
				 dp_rd32(a + 4) == 0x72c64bc6u;
		if (!ms_cookie && (!classic_type(type) || mlen == 0))
			return DP_PARSE_NO;
	}
	while (a < end) {
		if (!attr_fits(a, end))
			return DP_PARSE_NO;
		uint16_t t = dp_rd16(a), vl = dp_rd16(a + 2);
		const uint8_t *v = a + 4;
		/* 0x000F is MS-TURN's MAGIC-COOKIE only with its value (RFC 3489's
		 * REFLECTED-FROM otherwise, which is not reported) */
		bool ms_cookie_attr = t == 0x000f && vl == 4 && dp_rd32(v) == 0x72c64bc6u;
		if (out->nattrs < DP_STUN_ATTRS && (t != 0x000f || ms_cookie_attr))
			out->attrs[out->nattrs++] = t;
		if (ms_attr(t) || ms_cookie_attr)
			out->ms = true;
		switch (t) {
		case 0x0001: /* MAPPED-ADDRESS */
		case 0x8023: /* ALTERNATE-SERVER */ address(out, t, v, vl, false, p); break;
		case 0x0020: /* XOR-MAPPED-ADDRESS */
		case 0x8020: /* XOR-MAPPED-ADDRESS (pre-RFC) */
		case 0x0012: /* XOR-PEER-ADDRESS */
		case 0x0016: /* XOR-RELAYED-ADDRESS */
			address(out, t, v, vl, out->cookie, p);
			break;
		case 0x8022: /* SOFTWARE */
			text(out->software, sizeof(out->software), v, vl);
			break;
		case 0x0014: /* REALM */ text(out->realm, sizeof(out->realm), v, vl); break;
		default: break;
		}
		/* next: after the padding (RFC 8489 §14), unless that does not tile the message
		 * and the unpadded position does (MS-TURN does not pad) */
		const uint8_t *padded = v + ((vl + 3u) & ~3u), *bare = v + vl;
		if (padded == end || (padded < end && attr_fits(padded, end)))
			a = padded;
		else if (bare == end || (bare < end && attr_fits(bare, end)))
			a = bare;
		else
			return DP_PARSE_NO;
	}
	return DP_PARSE_OK;
}

enum dp_parse
dp_stun_parse_msg(const uint8_t *p, uint32_t len, bool exact, struct dp_stun *out)
{
	return parse(p, len, exact, true, out);
}

enum dp_parse
dp_stun_parse(const uint8_t *p, uint32_t len, struct dp_stun *out)
{
	return dp_stun_parse_msg(p, len, true, out);
}

enum dp_parse
dp_stun_tcp(const uint8_t *p, uint32_t len, struct dp_stun *out)
{
	memset(out, 0, sizeof(*out));
	if (len < 2)
		return DP_PARSE_MORE;
	/* RFC 4571: the length prefix covers exactly one message */
	if (p[0] < 0x40 && len >= 2 + 8 && dp_rd32(p + 6) == COOKIE) {
		uint32_t fl = dp_rd16(p);
		if (fl < 20 || dp_rd16(p + 4) + 20u != fl)
			return DP_PARSE_NO;
		if (len < 2 + fl)
			return DP_PARSE_MORE;
		return dp_stun_parse_msg(p + 2, fl, true, out);
	}
	if (len >= 8 && (p[0] & 0xc0) == 0 && dp_rd32(p + 4) == COOKIE) {
		uint32_t ml = 20u + dp_rd16(p + 2);
		if (len < ml)
			return DP_PARSE_MORE;
		if (dp_stun_parse_msg(p, ml, true, out) != DP_PARSE_OK)
			return DP_PARSE_NO;
		return DP_PARSE_OK;
	}
	if (len < 10)
		return (p[0] & 0xc0) == 0 || p[0] < 0x40 ? DP_PARSE_MORE : DP_PARSE_NO;
	return DP_PARSE_NO;
}
