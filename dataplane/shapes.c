/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fixed-shape protocol recognisers. Each checks every field it can for a value the
 * protocol allows, because on its own a shape is weaker evidence than a parsed exchange:
 * the identification stage combines them with direction, port and what the other side
 * answers before it decides on them.
 */
#include "shapes.h"

#include <string.h>

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

enum dp_parse
dp_ssh_banner(const uint8_t *p, uint32_t len, char *software, unsigned cap)
{
	static const char pre[] = "SSH-";
	uint32_t n = len < 4 ? len : 4;

	if (cap > 0)
		software[0] = '\0';
	if (memcmp(p, pre, n) != 0)
		return DP_PARSE_NO;
	if (len < 8)
		return DP_PARSE_MORE;
	const uint8_t *v = p + 4;
	uint32_t vlen;
	if (len >= 8 && memcmp(v, "2.0-", 4) == 0)
		vlen = 4;
	else if (len >= 9 && memcmp(v, "1.99-", 5) == 0)
		vlen = 5;
	else if (len >= 9 && memcmp(v, "1.5-", 4) == 0)
		vlen = 4;
	else
		return len < 9 ? DP_PARSE_MORE : DP_PARSE_NO;
	/* the line ends with CR LF (or LF) within 255 bytes */
	uint32_t lim = len < 255 ? len : 255;
	const uint8_t *nl = memchr(p, '\n', lim);
	if (nl == NULL)
		return len >= 255 ? DP_PARSE_NO : DP_PARSE_MORE;
	const uint8_t *s = v + vlen, *e = nl;
	if (e > s && e[-1] == '\r')
		e--;
	unsigned k = 0;
	for (; s < e && k + 1 < cap; s++) {
		if (*s < 0x20 || *s >= 0x7f)
			return DP_PARSE_NO;
		software[k++] = (char)*s;
	}
	if (cap > 0)
		software[k] = '\0';
	return DP_PARSE_OK;
}

enum dp_parse
dp_bt_handshake(const uint8_t *p, uint32_t len)
{
	static const char hs[] = "\x13"
				 "BitTorrent protocol";
	uint32_t n = len < 20 ? len : 20;

	if (memcmp(p, hs, n) != 0)
		return DP_PARSE_NO;
	return len < 20 ? DP_PARSE_MORE : DP_PARSE_OK;
}

bool
dp_bt_dht(const uint8_t *p, uint32_t len)
{
	if (len < 12 || p[0] != 'd' || p[len - 1] != 'e')
		return false;
	if (memcmp(p, "d1:ad2:id20:", 12) == 0 || memcmp(p, "d1:rd2:id20:", 12) == 0)
		return true;
	if (len >= 16 && memcmp(p, "d2:ip6:", 7) == 0 && memcmp(p + 13, "1:r", 3) == 0)
		return true;
	/* "d1:e" errors, and dictionaries whose keys come in another order but carry "1:y1:q"
	 * or "1:y1:r" with "2:id20:" */
	if (memmem(p, len, "1:y1:q", 6) == NULL && memmem(p, len, "1:y1:r", 6) == NULL)
		return false;
	return memmem(p, len, "2:id20:", 7) != NULL;
}

bool
dp_bt_utp(const uint8_t *p, uint32_t len)
{
	if (len < 20)
		return false;
	uint8_t type = p[0] >> 4, version = p[0] & 15, ext = p[1];
	if (version != 1 || type > 4 || ext > 2)
		return false;
	/* ST_SYN carries no payload and a zero ack number */
	if (type == 4 && (len != 20 || rd16(p + 18) != 0))
		return false;
	return true;
}

bool
dp_wireguard(const uint8_t *p, uint32_t len, uint8_t *type)
{
	if (len < 32 || p[1] != 0 || p[2] != 0 || p[3] != 0)
		return false;
	*type = p[0];
	switch (p[0]) {
	case 1: return len == 148;
	case 2: return len == 92;
	case 3: return len == 64;
	case 4: return (len - 16) % 16 == 0;
	default: return false;
	}
}

/* Hard resets open a session: opcode 7 (client, v2) or 10 (client, v3), key id 0. */
static bool
openvpn_reset(uint8_t op)
{
	return op == (7 << 3) || op == (10 << 3);
}

bool
dp_openvpn_udp(const uint8_t *p, uint32_t len)
{
	/* opcode, 8-byte session id, [HMAC], packet-id array length (0), message packet id
	 * (0) — 14 bytes at least without tls-auth; at most a few hundred in all */
	if (len < 14 || len > 1500 || !openvpn_reset(p[0]))
		return false;
	return true;
}

bool
dp_openvpn_tcp(const uint8_t *p, uint32_t len)
{
	if (len < 16)
		return false;
	uint16_t plen = rd16(p);
	return plen >= 14 && plen <= 1024 && openvpn_reset(p[2]) && (uint32_t)plen + 2 >= 16;
}

enum dp_parse
dp_rdp_request(const uint8_t *p, uint32_t len, char *cookie, unsigned cap)
{
	if (cap > 0)
		cookie[0] = '\0';
	if (len < 4)
		return (len < 1 || p[0] == 3) && (len < 2 || p[1] == 0) ? DP_PARSE_MORE : DP_PARSE_NO;
	if (p[0] != 3 || p[1] != 0)
		return DP_PARSE_NO;
	uint16_t tl = rd16(p + 2);
	if (tl < 11 || tl > 1024)
		return DP_PARSE_NO;
	if (len < 11)
		return DP_PARSE_MORE;
	/* X.224: length indicator, then CR (0xE0) with DST-REF 0 */
	if (p[4] + 5u > tl || (p[5] & 0xf0) != 0xe0 || rd16(p + 6) != 0)
		return DP_PARSE_NO;
	static const char ck[] = "Cookie: mstshash=";
	uint32_t end = tl < len ? tl : len;
	const uint8_t *c = memmem(p + 11, end > 11 ? end - 11 : 0, ck, sizeof(ck) - 1);
	if (c != NULL && cap > 0) {
		c += sizeof(ck) - 1;
		unsigned k = 0;
		while (c < p + end && *c != '\r' && *c != '\n' && k + 1 < cap)
			cookie[k++] = (*c >= 0x20 && *c < 0x7f) ? (char)*c : '?', c++;
		cookie[k] = '\0';
	}
	return DP_PARSE_OK;
}

bool
dp_rtp(const uint8_t *p, uint32_t len, uint8_t *pt)
{
	if (len < 12 || (p[0] >> 6) != 2)
		return false;
	uint8_t t = p[1] & 0x7f;
	if (t >= 72 && t <= 76)
		return false; /* RTCP's range */
	unsigned cc = p[0] & 15, hl = 12 + 4 * cc;
	if (hl > len)
		return false;
	*pt = t;
	return true;
}

bool
dp_rtcp(const uint8_t *p, uint32_t len)
{
	if (len < 8 || (p[0] >> 6) != 2)
		return false;
	if (p[1] < 200 || p[1] > 206)
		return false;
	return (rd16(p + 2) + 1u) * 4 <= len;
}

bool
dp_dtls(const uint8_t *p, uint32_t len)
{
	if (len < 13)
		return false;
	uint8_t ct = p[0];
	if (!((ct >= 20 && ct <= 23) || ct == 25))
		return false;
	uint16_t v = rd16(p + 1);
	if (v != 0xfeff && v != 0xfefd && v != 0xfefc)
		return false;
	return rd16(p + 11) + 13u <= len;
}
