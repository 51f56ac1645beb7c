/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for dataplane/stun.c: the whole input is parsed as a UDP datagram
 * (dp_stun_parse), as a message at the start of a stream (dp_stun_parse_msg, not exact) and
 * as the start of a TCP direction (dp_stun_tcp).
 *
 * Every parse is of a heap copy of exactly its bytes, so a read past them is an ASan
 * report. Checks beyond that:
 *  - the output is bounded (attributes, addresses, families, text terminated and
 *    printable);
 *  - a datagram that parses is one message filling it (or MS-TURN's wrapper around one):
 *    the header fields reported are the header's; without the cookie the type is a classic
 *    one or MS-TURN's MAGIC-COOKIE attribute comes first; 0x000F is listed only with its
 *    Microsoft value (or for the wrapper); the wrapper's message parses alone the same;
 *  - the three entry points agree: a datagram's message parses the same as the start of a
 *    stream (with bytes after it if its length is a multiple of 4), over TCP bare (with
 *    bytes after it) and over TCP in an RFC 4571 frame;
 *  - over TCP a prefix answers OK only with the whole input's answer and output, NO only if
 *    the whole input answers NO.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../dataplane/stun.h"
#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define COOKIE 0x2112a442u

enum how { DGRAM, STREAM, TCP };

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

static bool
classic_type(uint16_t t)
{
	static const uint16_t types[] = { 0x0001, 0x0101, 0x0111, 0x0002, 0x0102, 0x0112,
					  0x0003, 0x0103, 0x0113, 0x0004, 0x0104, 0x0114,
					  0x0115, 0x0006, 0x0106, 0x0116 };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i] == t)
			return true;
	return false;
}

static void
check_text(const char *s, size_t cap)
{
	const char *end = memchr(s, 0, cap);
	CHECK(end != NULL);
	for (const char *c = s; c < end; c++)
		CHECK(*c >= 0x20 && *c < 0x7f);
}

static bool
same(const struct dp_stun *a, const struct dp_stun *b)
{
	if (a->type != b->type || a->length != b->length || a->cookie != b->cookie ||
	    a->ms != b->ms || a->ms_mux != b->ms_mux || a->nattrs != b->nattrs ||
	    a->naddrs != b->naddrs || strcmp(a->software, b->software) != 0 ||
	    strcmp(a->realm, b->realm) != 0)
		return false;
	if (memcmp(a->attrs, b->attrs, a->nattrs * sizeof(a->attrs[0])) != 0)
		return false;
	for (unsigned i = 0; i < a->naddrs; i++)
		if (a->addrs[i].attr != b->addrs[i].attr ||
		    a->addrs[i].family != b->addrs[i].family ||
		    a->addrs[i].port != b->addrs[i].port ||
		    memcmp(a->addrs[i].addr, b->addrs[i].addr, 16) != 0)
			return false;
	return true;
}

static enum dp_parse
parse(enum how how, const uint8_t *p, size_t n, struct dp_stun *s)
{
	uint8_t *c = malloc(n > 0 ? n : 1);
	CHECK(c != NULL);
	memcpy(c, p, n);
	enum dp_parse r = how == DGRAM    ? dp_stun_parse(c, (uint32_t)n, s)
			  : how == STREAM ? dp_stun_parse_msg(c, (uint32_t)n, false, s)
					  : dp_stun_tcp(c, (uint32_t)n, s);
	free(c);

	CHECK(r == DP_PARSE_OK || r == DP_PARSE_NO || (how == TCP && r == DP_PARSE_MORE));
	CHECK(s->nattrs <= DP_STUN_ATTRS && s->naddrs <= DP_STUN_ADDRS);
	check_text(s->software, sizeof(s->software));
	check_text(s->realm, sizeof(s->realm));
	for (unsigned i = 0; i < s->naddrs; i++) {
		const struct dp_stun_addr *a = &s->addrs[i];
		CHECK(a->family == 4 || a->family == 6);
		CHECK(a->attr == 0x0001 || a->attr == 0x8023 || a->attr == 0x0020 ||
		      a->attr == 0x8020 || a->attr == 0x0012 || a->attr == 0x0016);
		if (a->family == 4)
			for (int k = 4; k < 16; k++)
				CHECK(a->addr[k] == 0);
	}
	if (dp_stun_has(s, 0x000f))
		CHECK(s->ms);
	if (s->ms_mux)
		CHECK(r == DP_PARSE_OK && how != STREAM && s->ms && dp_stun_has(s, 0x000f));
	if (r == DP_PARSE_OK && !s->ms_mux)
		CHECK(s->type != 0 && s->type < 0x4000);
	return r;
}

/* A message that parsed as a datagram at p (n bytes, no wrapper), checked field by field. */
static void
check_message(const uint8_t *p, size_t n, const struct dp_stun *s)
{
	CHECK(n >= 20 && (p[0] & 0xc0) == 0);
	CHECK(s->type == rd16(p) && s->length == rd16(p + 2) && 20u + s->length == n);
	CHECK(s->cookie == (rd32(p + 4) == COOKIE));
	if (!s->cookie)
		CHECK(classic_type(s->type) || (n >= 28 && rd16(p + 20) == 0x000f &&
						rd16(p + 22) == 4 && rd32(p + 24) == 0x72c64bc6u));
	/* 0x000F listed: the Microsoft value is in the message */
	if (dp_stun_has(s, 0x000f)) {
		bool found = false;
		for (size_t i = 20; i + 8 <= n && !found; i++)
			found = rd16(p + i) == 0x000f && rd16(p + i + 2) == 4 &&
				rd32(p + i + 4) == 0x72c64bc6u;
		CHECK(found);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[65536 + 64];
	static struct dp_stun d, m, t, x;

	if (size > 65535)
		return 0;
	enum dp_parse rd = parse(DGRAM, data, size, &d);
	enum dp_parse rm = parse(STREAM, data, size, &m);
	enum dp_parse rt = parse(TCP, data, size, &t);

	if (rd == DP_PARSE_OK && d.ms_mux) {
		/* [MS-TURN] 2.2.3: FF10, the length of the rest, a session id, a message */
		CHECK(size >= 32 && data[0] == 0xff && data[1] == 0x10 &&
		      rd16(data + 2) + 4u == size);
		CHECK(parse(DGRAM, data + 12, size - 12, &x) == DP_PARSE_OK && !x.ms_mux);
		check_message(data + 12, size - 12, &x);
		CHECK(x.type == d.type && x.cookie == d.cookie && x.naddrs == d.naddrs);
		CHECK(d.nattrs == x.nattrs + (dp_stun_has(&x, 0x000f) || x.nattrs == 32 ? 0 : 1));
	} else if (rd == DP_PARSE_OK) {
		check_message(data, size, &d);
		/* as the start of a stream */
		CHECK(rm == DP_PARSE_OK && same(&m, &d));
		if ((d.length & 3) == 0) {
			memcpy(buf, data, size);
			memset(buf + size, 0x41, 8);
			CHECK(parse(STREAM, buf, size + 8, &x) == DP_PARSE_OK && same(&x, &d));
		}
		if (d.cookie) {
			/* over TCP: bare, followed by more bytes */
			memcpy(buf, data, size);
			memset(buf + size, 0x00, 8);
			CHECK(parse(TCP, buf, size + 8, &x) == DP_PARSE_OK && same(&x, &d));
			CHECK(rt == DP_PARSE_OK && same(&t, &d));
			/* and in an RFC 4571 frame */
			if (size < 0x4000) {
				buf[0] = (uint8_t)(size >> 8), buf[1] = (uint8_t)size;
				memcpy(buf + 2, data, size);
				CHECK(parse(TCP, buf, size + 2, &x) == DP_PARSE_OK && same(&x, &d));
			}
		}
	}
	if (rm == DP_PARSE_OK) {
		/* the message at the start of the stream, alone, is a datagram */
		CHECK(20u + m.length <= size);
		if ((m.length & 3) != 0)
			CHECK(20u + m.length == size);
		CHECK(parse(DGRAM, data, 20u + m.length, &x) == DP_PARSE_OK && same(&x, &m));
	}
	if (rt == DP_PARSE_OK)
		CHECK(t.cookie || t.ms_mux);

	/* TCP prefixes */
	size_t step = size <= 200 ? 1 : size / 61;
	for (size_t k = 0; k < size; k += step) {
		enum dp_parse r = parse(TCP, data, k, &x);
		if (r == DP_PARSE_OK)
			CHECK(rt == DP_PARSE_OK && same(&x, &t));
		if (r == DP_PARSE_NO)
			CHECK(rt == DP_PARSE_NO);
	}
	return 0;
}
