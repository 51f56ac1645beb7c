/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * STUN parsing. A message is accepted only when the header is consistent (two leading zero
 * bits, a length that is a multiple of 4 and fits) and every attribute lies within the
 * message: random UDP payloads rarely pass that, so a match is strong evidence. Without the
 * magic cookie (classic STUN), the method must be one of the classic ones.
 */
#include "stun.h"

#include <string.h>

#define COOKIE 0x2112a442u

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

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
	a->port = rd16(v + 2);
	memcpy(a->addr, v + 4, alen);
	if (xor) {
		/* XOR with the cookie (port: its top 16 bits), IPv6 also with the transaction id */
		a->port ^= (uint16_t)(COOKIE >> 16);
		for (unsigned i = 0; i < alen; i++)
			a->addr[i] ^= hdr[4 + i];
	}
	out->naddrs++;
}

enum dp_parse
dp_stun_parse(const uint8_t *p, uint32_t len, struct dp_stun *out)
{
	memset(out, 0, sizeof(*out));
	if (len < 20 || (p[0] & 0xc0) != 0)
		return DP_PARSE_NO;
	uint16_t type = rd16(p), mlen = rd16(p + 2);
	if ((mlen & 3) != 0 || 20u + mlen > len)
		return DP_PARSE_NO;
	out->type = type;
	out->length = mlen;
	out->cookie = rd32(p + 4) == COOKIE;
	if (!out->cookie) {
		/* classic STUN (RFC 3489) or early MS-TURN: Binding, Shared Secret, Allocate,
		 * Send, Data, Set Active Destination (requests, responses, errors) */
		uint16_t method = type & 0x3eef;
		if (method != 0x001 && method != 0x002 && method != 0x003 && method != 0x004 &&
		    method != 0x005 && method != 0x006 && method != 0x007 && method != 0x008 &&
		    method != 0x009)
			return DP_PARSE_NO;
		if (mlen == 0)
			return DP_PARSE_NO; /* too little to tell it from noise */
	}
	const uint8_t *a = p + 20, *end = p + 20 + mlen;
	while (a < end) {
		if (end - a < 4)
			return DP_PARSE_NO;
		uint16_t t = rd16(a), vl = rd16(a + 2);
		const uint8_t *v = a + 4;
		uint32_t padded = (vl + 3u) & ~3u;
		if ((uint32_t)(end - v) < vl)
			return DP_PARSE_NO;
		if (out->nattrs < DP_STUN_ATTRS)
			out->attrs[out->nattrs++] = t;
		if (t >= 0x8000 && t <= 0x80ff &&
		    (t == 0x8008 || t == 0x8050 || t == 0x8054 || t == 0x8055 || t == 0x8070 ||
		     t == 0x8020 || t == 0x8023 || t == 0x8029 || t == 0x802a || t == 0x8032 ||
		     t == 0x8036 || t == 0x8037 || t == 0x8038 || t == 0x8090 || t == 0x8095))
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
		{
			uint32_t n =
				vl < sizeof(out->software) - 1 ? vl : sizeof(out->software) - 1;
			for (uint32_t i = 0; i < n; i++)
				out->software[i] = (v[i] >= 0x20 && v[i] < 0x7f) ? (char)v[i] : '?';
			out->software[n] = '\0';
			break;
		}
		default: break;
		}
		/* the last attribute's padding may be missing in some implementations */
		if ((uint32_t)(end - v) < padded)
			break;
		a = v + padded;
	}
	return DP_PARSE_OK;
}
