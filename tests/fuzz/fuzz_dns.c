/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for dataplane/dns.c: the whole input is a DNS message.
 *
 * The message is parsed from a heap copy of exactly its length, so any read past it is an
 * ASan report. Checks beyond that:
 *  - OK exactly when the header is a resolver's (one question, opcode QUERY, counts of at
 *    most 256, no answers in a query) and the question parses: its name is decoded here by
 *    a reference decoder written from RFC 1035 §4.1.4 and the rules dns.c documents
 *    (pointers only backwards, at most 32 of them, no extended labels; lower case, '?' for
 *    bytes outside printable ASCII, cut at DP_NAME_MAX - 1), and must be the same name;
 *  - the header fields reported are the header's; answers only A (4 bytes, the rest zero),
 *    AAAA and CNAME, at most DP_DNS_ANSWERS and at most ANCOUNT, names terminated;
 *  - a prefix of the message that parses gives the same question and the first answers of
 *    the whole message's (answers are read as far as they go, never made up).
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../dataplane/dns.h"
#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Reference name decoder: the name at *off into out (its text, dots between labels, cut
 * to DP_NAME_MAX - 1 characters); *off past the name where it was read.
 */
static bool
ref_name(const uint8_t *p, size_t len, size_t *off, char *out)
{
	char full[DP_NAME_MAX];
	size_t o = *off, n = 0, after = 0;
	int jumps = 0;

	for (;;) {
		if (o >= len)
			return false;
		unsigned l = p[o];
		if (l >= 0xc0) {
			if (o + 2 > len)
				return false;
			size_t t = (size_t)(l & 0x3f) << 8 | p[o + 1];
			if (t >= o || ++jumps > 32)
				return false;
			if (jumps == 1)
				after = o + 2;
			o = t;
			continue;
		}
		if (l >= 0x40)
			return false;
		if (l == 0) {
			o++;
			break;
		}
		if (o + 1 + l > len)
			return false;
		/* the text is kept as far as it fits: the rest is only walked */
		if (n > 0 && n < DP_NAME_MAX - 1)
			full[n++] = '.';
		for (unsigned i = 0; i < l && n < DP_NAME_MAX - 1; i++) {
			uint8_t c = p[o + 1 + i];
			full[n++] = c > 0x20 && c < 0x7f ? (char)tolower(c) : '?';
		}
		o += 1 + l;
	}
	memcpy(out, full, n);
	out[n] = '\0';
	*off = jumps > 0 ? after : o;
	return true;
}

static void
check_name(const char *s)
{
	const char *end = memchr(s, 0, DP_NAME_MAX);
	CHECK(end != NULL);
	for (const char *c = s; c < end; c++)
		CHECK(*c > 0x20 && *c < 0x7f && !isupper((unsigned char)*c));
}

static enum dp_parse
parse(const uint8_t *p, size_t n, struct dp_dns *m)
{
	uint8_t *c = malloc(n > 0 ? n : 1);
	CHECK(c != NULL);
	memcpy(c, p, n);
	enum dp_parse r = dp_dns_parse(c, (uint32_t)n, m);
	free(c);
	CHECK(r == DP_PARSE_OK || r == DP_PARSE_NO);
	check_name(m->qname);
	CHECK(m->nanswers <= DP_DNS_ANSWERS);
	for (unsigned i = 0; i < m->nanswers; i++) {
		const struct dp_dns_answer *a = &m->answers[i];
		CHECK(a->type == 1 || a->type == 5 || a->type == 28);
		check_name(a->name);
		if (a->type != 5)
			CHECK(a->name[0] == '\0');
		if (a->type == 1)
			for (int k = 4; k < 16; k++)
				CHECK(a->addr[k] == 0);
	}
	if (r == DP_PARSE_NO)
		return r;

	/* the header and the question, independently */
	CHECK(n >= 12 + 2 + 4);
	uint16_t flags = rd16(p + 2), an = rd16(p + 6);
	CHECK(rd16(p + 4) == 1 && ((flags >> 11) & 15) == 0);
	CHECK(an <= 256 && rd16(p + 8) <= 256 && rd16(p + 10) <= 256);
	CHECK((flags & 0x8000) || an == 0);
	CHECK(m->id == rd16(p) && m->response == ((flags & 0x8000) != 0));
	CHECK(m->rcode == (flags & 15));
	CHECK(m->nanswers <= an);
	static char q[DP_NAME_MAX];
	size_t off = 12;
	CHECK(ref_name(p, n, &off, q));
	CHECK(strcmp(q, m->qname) == 0);
	CHECK(q[0] != '\0' && off + 4 <= n);
	CHECK(m->qtype == rd16(p + off));
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dp_dns m, x;

	if (size > 65535)
		return 0;
	enum dp_parse r = parse(data, size, &m);

	/* NO with a header and question the reference reads as a resolver's: only if the
	 * class is not IN, ANY or IN with mDNS's top bit */
	if (r == DP_PARSE_NO && size >= 12) {
		uint16_t flags = rd16(data + 2), an = rd16(data + 6);
		static char q[DP_NAME_MAX];
		size_t off = 12;
		if (rd16(data + 4) == 1 && ((flags >> 11) & 15) == 0 && an <= 256 &&
		    rd16(data + 8) <= 256 && rd16(data + 10) <= 256 &&
		    ((flags & 0x8000) || an == 0) && ref_name(data, size, &off, q) &&
		    q[0] != '\0' && off + 4 <= size) {
			uint16_t cls = rd16(data + off + 2);
			CHECK(cls != 1 && cls != 255 && (cls & 0x7fff) != 1);
		}
	}

	/* prefixes */
	size_t step = size <= 300 ? 1 : size / 97;
	for (size_t k = 0; k < size; k += step) {
		if (parse(data, k, &x) != DP_PARSE_OK)
			continue;
		CHECK(r == DP_PARSE_OK);
		CHECK(x.id == m.id && x.qtype == m.qtype && strcmp(x.qname, m.qname) == 0);
		CHECK(x.nanswers <= m.nanswers);
		for (unsigned i = 0; i < x.nanswers; i++) {
			CHECK(x.answers[i].type == m.answers[i].type);
			CHECK(x.answers[i].ttl == m.answers[i].ttl);
			CHECK(memcmp(x.answers[i].addr, m.answers[i].addr, 16) == 0);
			CHECK(strcmp(x.answers[i].name, m.answers[i].name) == 0);
		}
	}
	return 0;
}
