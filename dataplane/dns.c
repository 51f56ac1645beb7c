/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS parsing. Names are read label by label into a bounded buffer; a compression pointer
 * must point backwards (RFC 1035 §4.1.4 only allows earlier offsets), and at most 32 jumps
 * are followed, so neither loops nor forward references can make the parse run long.
 * The header must look like a query or a response a resolver sends: one question,
 * opcode QUERY, a sane record count. That, with the question parsing cleanly, is what
 * tells DNS apart from other traffic on port 53 or elsewhere.
 */
#include "dns.h"

#include "wire.h"

#include <ctype.h>
#include <string.h>

/* Read a name at *off; on return *off is past the name in the message (not past jumps). */
static bool
name(const uint8_t *p, uint32_t len, uint32_t *off, char *out, size_t cap)
{
	uint32_t o = *off, end_after = 0;
	size_t n = 0;
	unsigned jumps = 0;
	bool jumped = false;

	for (;;) {
		if (o >= len)
			return false;
		uint8_t l = p[o];
		if ((l & 0xc0) == 0xc0) {
			if (o + 1 >= len || ++jumps > 32)
				return false;
			uint32_t target = (uint32_t)(l & 0x3f) << 8 | p[o + 1];
			if (target >= o)
				return false; /* forward or self reference */
			if (!jumped)
				end_after = o + 2;
			jumped = true;
			o = target;
			continue;
		}
		if (l & 0xc0)
			return false; /* extended label types */
		if (l == 0) {
			o++;
			break;
		}
		if (o + 1 + l > len)
			return false;
		if (n > 0 && n + 1 < cap)
			out[n++] = '.';
		for (uint32_t i = 0; i < l; i++) {
			uint8_t c = p[o + 1 + i];
			if (n + 1 < cap)
				out[n++] = (c > 0x20 && c < 0x7f) ? (char)tolower(c) : '?';
		}
		o += 1 + l;
	}
	out[n] = '\0';
	*off = jumped ? end_after : o;
	return true;
}

enum dp_parse
dp_dns_parse(const uint8_t *p, uint32_t len, struct dp_dns *out)
{
	uint32_t off = 12;

	memset(out, 0, sizeof(*out));
	if (len < 12)
		return DP_PARSE_NO;
	uint16_t flags = dp_rd16(p + 2), qd = dp_rd16(p + 4), an = dp_rd16(p + 6),
		 ns = dp_rd16(p + 8), ar = dp_rd16(p + 10);
	if (((flags >> 11) & 0xf) != 0 || qd != 1 || an > 256 || ns > 256 || ar > 256)
		return DP_PARSE_NO;
	if (!(flags & 0x8000) && an != 0)
		return DP_PARSE_NO; /* a query carries no answers */
	out->id = dp_rd16(p);
	out->response = (flags & 0x8000) != 0;
	out->rcode = flags & 0xf;
	if (!name(p, len, &off, out->qname, sizeof(out->qname)) || out->qname[0] == '\0' ||
	    off + 4 > len)
		return DP_PARSE_NO;
	out->qtype = dp_rd16(p + off);
	uint16_t qclass = dp_rd16(p + off + 2);
	if (qclass != 1 && qclass != 255 && (qclass & 0x7fff) != 1)
		return DP_PARSE_NO;
	off += 4;
	for (unsigned i = 0; i < an && out->nanswers < DP_DNS_ANSWERS; i++) {
		char owner[DP_NAME_MAX];
		if (!name(p, len, &off, owner, sizeof(owner)) || off + 10 > len)
			break;
		uint16_t type = dp_rd16(p + off), rdlen = dp_rd16(p + off + 8);
		uint32_t ttl = (uint32_t)dp_rd16(p + off + 4) << 16 | dp_rd16(p + off + 6);
		off += 10;
		if (off + rdlen > len)
			break;
		struct dp_dns_answer *a = &out->answers[out->nanswers];
		if (type == 1 && rdlen == 4) {
			memset(a, 0, sizeof(*a));
			a->type = 1;
			a->ttl = ttl;
			memcpy(a->addr, p + off, 4);
			out->nanswers++;
		} else if (type == 28 && rdlen == 16) {
			memset(a, 0, sizeof(*a));
			a->type = 28;
			a->ttl = ttl;
			memcpy(a->addr, p + off, 16);
			out->nanswers++;
		} else if (type == 5) {
			uint32_t o = off;
			memset(a, 0, sizeof(*a));
			if (name(p, off + rdlen, &o, a->name, sizeof(a->name))) {
				a->type = 5;
				a->ttl = ttl;
				out->nanswers++;
			}
		}
		off += rdlen;
	}
	return DP_PARSE_OK;
}
