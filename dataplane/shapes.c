/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fixed-shape protocol recognisers. Each checks every field it can for a value the
 * protocol allows, because on its own a shape is weaker evidence than a parsed exchange:
 * the identification stage combines them with direction, port and what the other side
 * answers before it decides on them.
 */
#include "shapes.h"

#include "wire.h"

#include <string.h>

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
	/* every byte is checked, whatever room the caller gives for the copy, before the
	 * copy (so that software stays "" on NO) */
	for (const uint8_t *q = s; q < e; q++)
		if (*q < 0x20 || *q >= 0x7f)
			return DP_PARSE_NO;
	unsigned k = 0;
	for (; s < e && k + 1 < cap; s++)
		software[k++] = (char)*s;
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

/* A KRPC message (BEP 5): a bencoded dictionary that opens with one of its keys ("a", "r",
 * "e", "ip", "t", "v") and carries the message type "1:y1:q", "1:y1:r" or "1:y1:e". */
bool
dp_bt_dht(const uint8_t *p, uint32_t len)
{
	if (len < 12 || p[0] != 'd' || p[len - 1] != 'e')
		return false;
	if (memcmp(p, "d1:", 3) == 0) {
		if (p[3] != 'a' && p[3] != 'r' && p[3] != 'e' && p[3] != 't' && p[3] != 'v')
			return false;
	} else if (memcmp(p, "d2:ip", 5) != 0 && memcmp(p, "d2:id", 5) != 0) {
		return false;
	}
	return memmem(p, len, "1:y1:q", 6) != NULL || memmem(p, len, "1:y1:r", 6) != NULL ||
	       memmem(p, len, "1:y1:e", 6) != NULL;
}

bool
dp_bt_utp(const uint8_t *p, uint32_t len, struct dp_utp *u)
{
	if (len < 20)
		return false;
	uint8_t type = p[0] >> 4, version = p[0] & 15, ext = p[1];
	if (version != 1 || type > 4)
		return false;
	/* bytes 4-7 are the STUN magic cookie in STUN: not uTP */
	if (dp_rd32(p + 4) == 0x2112a442u)
		return false;
	/* the extension chain: (next, length, data) until next is 0 (BEP 29) */
	uint32_t off = 20;
	while (ext != 0) {
		if (ext > 2 || off + 2 > len)
			return false;
		ext = p[off];
		uint32_t el = p[off + 1];
		if (el == 0 || off + 2 + el > len)
			return false;
		off += 2 + el;
	}
	uint32_t wnd = dp_rd32(p + 12);
	bool payload = off < len;
	switch (type) {
	case 0: /* ST_DATA */
		if (!payload || wnd == 0)
			return false;
		break;
	case 2: /* ST_STATE */
	case 4: /* ST_SYN */
		if (payload || wnd == 0)
			return false;
		break;
	default: /* ST_FIN, ST_RESET */ break;
	}
	u->type = type;
	u->conn = dp_rd16(p + 2);
	u->ts = dp_rd32(p + 4);
	u->seq = dp_rd16(p + 16);
	return true;
}

bool
dp_tailscale_disco(const uint8_t *p, uint32_t len)
{
	static const uint8_t magic[] = { 'T', 'S', 0xf0, 0x9f, 0x92, 0xac };
	return len >= sizeof(magic) && memcmp(p, magic, sizeof(magic)) == 0;
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

bool
dp_openvpn_msg(const uint8_t *p, uint32_t len, struct dp_openvpn *o)
{
	/* opcode, session id, [HMAC or tls-crypt tag], ack array, packet id: 14 bytes at least
	 * (a bare P_ACK: 1 + 8 + 1 + 4 + 8), and a control packet fits one datagram */
	if (len < 14 || len > 1600)
		return false;
	o->op = p[0] >> 3;
	o->key = p[0] & 7;
	switch (o->op) {
	case DP_OVPN_RESET_CLIENT_V1:
	case DP_OVPN_RESET_SERVER_V1:
	case DP_OVPN_CONTROL:
	case DP_OVPN_ACK:
	case DP_OVPN_RESET_CLIENT_V2:
	case DP_OVPN_RESET_SERVER_V2:
	case DP_OVPN_RESET_CLIENT_V3:
	case DP_OVPN_CONTROL_WKC: break;
	default: return false;
	}
	o->sid = 0;
	for (int i = 1; i <= 8; i++)
		o->sid = o->sid << 8 | p[i];
	return true;
}

enum dp_parse
dp_rdp_request(const uint8_t *p, uint32_t len, char *cookie, unsigned cap)
{
	if (cap > 0)
		cookie[0] = '\0';
	if (len < 4)
		return (len < 1 || p[0] == 3) && (len < 2 || p[1] == 0) ? DP_PARSE_MORE
									: DP_PARSE_NO;
	if (p[0] != 3 || p[1] != 0)
		return DP_PARSE_NO;
	uint16_t tl = dp_rd16(p + 2);
	if (tl < 11 || tl > 1024)
		return DP_PARSE_NO;
	if (len < 11)
		return DP_PARSE_MORE;
	/* X.224 (ITU-T X.224 §13.3): length indicator covering the rest of the TPKT, CR
	 * (0xE0) with DST-REF 0 and class 0 */
	if (p[4] + 5u != tl || p[5] != 0xe0 || dp_rd16(p + 6) != 0 || (p[10] & 0xf0) != 0)
		return DP_PARSE_NO;
	if (len < tl)
		return DP_PARSE_MORE;
	/* the variable part: [Cookie: mstshash=...\r\n | routing token\r\n] [RDP_NEG_REQ] */
	const uint8_t *v = p + 11, *end = p + tl;
	static const char ck[] = "Cookie: mstshash=";
	static const char tok[] = "Cookie: msts=";
	size_t room = (size_t)(end - v);
	const uint8_t *c = NULL;
	if (room >= sizeof(ck) - 1 && memcmp(v, ck, sizeof(ck) - 1) == 0)
		c = v + sizeof(ck) - 1;
	else if (room >= sizeof(tok) - 1 && memcmp(v, tok, sizeof(tok) - 1) == 0)
		c = v + sizeof(tok) - 1;
	if (c != NULL) {
		const uint8_t *crlf = memmem(c, (size_t)(end - c), "\r\n", 2);
		if (crlf == NULL)
			return DP_PARSE_NO;
		unsigned k = 0;
		for (const uint8_t *q = c; q < crlf && k + 1 < cap; q++)
			cookie[k++] = (*q >= 0x20 && *q < 0x7f) ? (char)*q : '?';
		if (cap > 0)
			cookie[k] = '\0';
		v = crlf + 2;
	}
	if (v == end)
		return DP_PARSE_OK;
	/* RDP_NEG_REQ (MS-RDPBCGR 2.2.1.1.1): type 1, flags, length 8 (LE), protocols */
	if (end - v == 8 && v[0] == 0x01 && v[2] == 0x08 && v[3] == 0x00)
		return DP_PARSE_OK;
	return DP_PARSE_NO;
}

bool
dp_rdpudp_syn(const uint8_t *p, uint32_t len)
{
	/* RDPUDP_FBACK_HEADER-less SYN: snSourceAck (-1), uReceiveWindowSize, uFlags, then
	 * RDPUDP_SYNDATA_PAYLOAD: snInitialSequenceNumber, uUpStreamMtu, uDownStreamMtu */
	if (len != 1232 || dp_rd32(p) != 0xffffffffu)
		return false;
	uint16_t flags = dp_rd16(p + 6);
	if (!(flags & 0x0001) || (flags & 0x0004))
		return false;
	uint16_t up = dp_rd16(p + 12), down = dp_rd16(p + 14);
	return up >= 1132 && up <= 1232 && down >= 1132 && down <= 1232;
}

bool
dp_rdpudp_hdr(const uint8_t *p, uint32_t len, uint32_t *ack, uint32_t *seq, bool *has_seq)
{
	/* [MS-RDPEUDP] 2.2.2.1 RDPUDP_FEC_HEADER: snSourceAck, uReceiveWindowSize, uFlags;
	 * then per flags: ACK -> RDPUDP_ACK_VECTOR_HEADER (u16 size + size states, padded
	 * to 4); ACK_OF_ACKS -> 4 bytes; DATA -> RDPUDP_SOURCE_PAYLOAD_HEADER (snCoded,
	 * snSourceStart). Flags beyond those defined (0xE000) do not occur. */
	if (len < 8)
		return false;
	uint16_t flags = dp_rd16(p + 6);
	if (flags & 0xe000)
		return false;
	*ack = dp_rd32(p);
	*has_seq = false;
	uint32_t off = 8;
	if (flags & 0x0004) {
		if (off + 2 > len)
			return false;
		uint32_t n = dp_rd16(p + off);
		off += (2 + n + 3) & ~3u;
		if (off > len)
			return false;
	}
	if (flags & 0x0100)
		off += 4;
	if (flags & 0x0008) {
		if (off + 8 > len)
			return false;
		*seq = dp_rd32(p + off);
		*has_seq = true;
	}
	return off <= len;
}

bool
dp_rtp(const uint8_t *p, uint32_t len, uint8_t *pt)
{
	if (len < 12 || (p[0] >> 6) != 2)
		return false;
	uint8_t t = p[1] & 0x7f;
	if (t >= 72 && t <= 78)
		return false; /* RTCP's 200-206 with the marker bit (RFC 5761 §4) */
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
	return (dp_rd16(p + 2) + 1u) * 4 <= len;
}

bool
dp_dtls(const uint8_t *p, uint32_t len)
{
	if (len < 13)
		return false;
	uint8_t ct = p[0];
	if (!((ct >= 20 && ct <= 23) || ct == 25))
		return false;
	uint16_t v = dp_rd16(p + 1);
	if (v != 0xfeff && v != 0xfefd && v != 0xfefc)
		return false;
	return dp_rd16(p + 11) + 13u <= len;
}
