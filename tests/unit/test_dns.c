/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/dns.c: DNS messages (RFC 1035 §4.1): the header (§4.1.1), the question name
 * and type (§4.1.2), and A (§3.4.1), AAAA (RFC 3596 §2.2) and CNAME (§3.3.1) answers
 * (§4.1.3), names decompressed (§4.1.4). Two real responses from the shared corpus (nDPI's
 * dns.pcap and teams.pcap) and messages built here field by field.
 *
 * Every parse is of a heap copy of exactly the bytes given, so a read past them is an ASan
 * report. Hostile messages (pointer loops, forward pointers, lengths past the end, counts
 * that lie) end the parse with NO, or with the answers read so far, never a read past the
 * message or a long loop.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../dataplane/dns.h"

/* dns.pcap frame 5: e7.whatsapp.net A, eight A answers named by a pointer to the question */
static const char whatsapp_response[] =
	"784381800001000800000000026537087768617473617070036e657400000100"
	"01c00c00010001000001eb0004a92ddbebc00c00010001000001eb0004a92f28"
	"8ec00c00010001000001eb0004a92df879c00c00010001000001eb00046ca8b0"
	"eac00c00010001000001eb0004a92df8bdc00c00010001000001eb0004a92df8"
	"b4c00c00010001000001eb0004a935514fc00c00010001000001eb0004a92ddb"
	"e8";

/* teams.pcap frame 720: AAAA for trouter2-asse-a.trouter.teams.microsoft.com, a CNAME to
 * trouter2-asse-a.cloudapp.net and that name's AAAA, its owner a pointer into the CNAME's
 * data (0xc049) */
static const char teams_response[] =
	"f401818000010002000000000f74726f75746572322d617373652d610774726f"
	"75746572057465616d73096d6963726f736f667403636f6d00001c0001c00c00"
	"05000100000d8b001e0f74726f75746572322d617373652d6108636c6f756461"
	"7070036e657400c049001c00010000000500102a010111f1007000000000006f"
	"dd54a1";

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

static enum dp_parse
parse(const uint8_t *p, size_t n, struct dp_dns *m)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	memcpy(copy, p, n);
	enum dp_parse r = dp_dns_parse(copy, (uint32_t)n, m);
	free(copy);
	return r;
}

/* ---- building messages ---- */

struct msg {
	uint8_t b[4096];
	size_t n;
};

static void
put(struct msg *m, const void *d, size_t n)
{
	cr_assert_leq(m->n + n, sizeof(m->b));
	memcpy(m->b + m->n, d, n);
	m->n += n;
}

static void
put8(struct msg *m, unsigned v)
{
	uint8_t x = (uint8_t)v;
	put(m, &x, 1);
}

static void
put16(struct msg *m, unsigned v)
{
	put8(m, v >> 8);
	put8(m, v);
}

static void
put32(struct msg *m, uint32_t v)
{
	put16(m, v >> 16);
	put16(m, v & 0xffff);
}

/* The header (§4.1.1). */
static void
header(struct msg *m, unsigned id, unsigned flags, unsigned qd, unsigned an, unsigned ns,
       unsigned ar)
{
	m->n = 0;
	put16(m, id);
	put16(m, flags);
	put16(m, qd);
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
}

/* A name as labels (§3.1), "a.b.c" -> 1a 1b 1c 0; ends with a pointer if ptr >= 0. */
static void
name(struct msg *m, const char *s, int ptr)
{
	while (*s != '\0') {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		put8(m, (unsigned)l);
		put(m, s, l);
		s += l + (dot ? 1 : 0);
	}
	if (ptr >= 0)
		put16(m, 0xc000 | (unsigned)ptr);
	else
		put8(m, 0);
}

static void
question(struct msg *m, const char *q, unsigned type, unsigned cls)
{
	name(m, q, -1);
	put16(m, type);
	put16(m, cls);
}

/* A resource record (§4.1.3) owned by a pointer to owner, with data. */
static void
rr(struct msg *m, unsigned owner, unsigned type, uint32_t ttl, const void *data, size_t n)
{
	put16(m, 0xc000 | owner);
	put16(m, type);
	put16(m, 1);
	put32(m, ttl);
	put16(m, (unsigned)n);
	put(m, data, n);
}

static const uint8_t v4[4] = { 192, 0, 2, 1 };
static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

/* ---- real responses ---- */

Test(dns, whatsapp_response)
{
	static const uint8_t want[8][4] = {
		{ 169, 45, 219, 235 },  { 169, 47, 40, 142 },  { 169, 45, 248, 121 },
		{ 108, 168, 176, 234 }, { 169, 45, 248, 189 }, { 169, 45, 248, 180 },
		{ 169, 53, 81, 79 },    { 169, 45, 219, 232 },
	};
	uint8_t p[256];
	struct dp_dns m;
	size_t n = unhex(whatsapp_response, p, sizeof(p));

	cr_assert_eq(parse(p, n, &m), DP_PARSE_OK);
	cr_assert_eq(m.id, 0x7843);
	cr_assert(m.response);
	cr_assert_eq(m.rcode, 0);
	cr_assert_eq(m.qtype, 1);
	cr_assert_str_eq(m.qname, "e7.whatsapp.net");
	cr_assert_eq(m.nanswers, 8);
	for (unsigned i = 0; i < 8; i++) {
		cr_assert_eq(m.answers[i].type, 1);
		cr_assert_eq(m.answers[i].ttl, 0x1eb);
		cr_assert_arr_eq(m.answers[i].addr, want[i], 4, "answer %u", i);
	}
}

Test(dns, teams_response_cname_and_aaaa)
{
	static const uint8_t want6[16] = { 0x2a, 0x01, 0x01, 0x11, 0xf1, 0x00, 0x70, 0x00,
					   0,    0,    0,    0,    0x6f, 0xdd, 0x54, 0xa1 };
	uint8_t p[256];
	struct dp_dns m;
	size_t n = unhex(teams_response, p, sizeof(p));

	cr_assert_eq(parse(p, n, &m), DP_PARSE_OK);
	cr_assert_eq(m.id, 0xf401);
	cr_assert_eq(m.qtype, 28);
	cr_assert_str_eq(m.qname, "trouter2-asse-a.trouter.teams.microsoft.com");
	cr_assert_eq(m.nanswers, 2);
	cr_assert_eq(m.answers[0].type, 5);
	cr_assert_eq(m.answers[0].ttl, 3467);
	cr_assert_str_eq(m.answers[0].name, "trouter2-asse-a.cloudapp.net");
	cr_assert_eq(m.answers[1].type, 28);
	cr_assert_eq(m.answers[1].ttl, 5);
	cr_assert_arr_eq(m.answers[1].addr, want6, 16);
}

/* Every cut of a response: NO until the question is whole, then OK with exactly the
 * answers that are whole, each as in the full parse. */
static void
assert_cuts(const uint8_t *p, size_t n, size_t question_end, const size_t *answer_ends,
	    unsigned nanswers)
{
	struct dp_dns full, m;

	cr_assert_eq(parse(p, n, &full), DP_PARSE_OK);
	cr_assert_eq(full.nanswers, nanswers);
	for (size_t k = 0; k < n; k++) {
		enum dp_parse r = parse(p, k, &m);
		if (k < question_end) {
			cr_assert_eq(r, DP_PARSE_NO, "cut at %zu", k);
			continue;
		}
		cr_assert_eq(r, DP_PARSE_OK, "cut at %zu", k);
		cr_assert_str_eq(m.qname, full.qname);
		cr_assert_eq(m.id, full.id);
		cr_assert_eq(m.qtype, full.qtype);
		unsigned whole = 0;
		while (whole < nanswers && answer_ends[whole] <= k)
			whole++;
		cr_assert_eq(m.nanswers, whole, "cut at %zu: %u answers", k, m.nanswers);
		for (unsigned i = 0; i < whole; i++) {
			cr_assert_eq(m.answers[i].type, full.answers[i].type);
			cr_assert_eq(m.answers[i].ttl, full.answers[i].ttl);
			cr_assert_arr_eq(m.answers[i].addr, full.answers[i].addr, 16);
			cr_assert_str_eq(m.answers[i].name, full.answers[i].name);
		}
	}
}

Test(dns, truncation_of_real_responses)
{
	uint8_t p[256];
	size_t n = unhex(whatsapp_response, p, sizeof(p));
	size_t ends[8];

	/* header 12, e7.whatsapp.net 17, type and class 4; each answer 16 */
	for (int i = 0; i < 8; i++)
		ends[i] = 33 + 16 * (size_t)(i + 1);
	cr_assert_eq(ends[7], n);
	assert_cuts(p, n, 33, ends, 8);

	n = unhex(teams_response, p, sizeof(p));
	/* question 12 + 45 + 4; CNAME 12 + 30; AAAA 12 + 16 */
	size_t tends[2] = { 61 + 42, 61 + 42 + 28 };
	cr_assert_eq(tends[1], n);
	assert_cuts(p, n, 61, tends, 2);
}

/* ---- messages built here ---- */

Test(dns, query)
{
	static struct msg m;
	struct dp_dns d;

	/* a stub resolver's query: RD set, one question, no records */
	header(&m, 0xbeef, 0x0100, 1, 0, 0, 0);
	question(&m, "WwW.ExAmple.COM", 28, 1);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_OK);
	cr_assert_eq(d.id, 0xbeef);
	cr_assert_not(d.response);
	cr_assert_eq(d.qtype, 28);
	cr_assert_str_eq(d.qname, "www.example.com", "lower case, no trailing dot");
	cr_assert_eq(d.nanswers, 0);
	for (size_t k = 0; k < m.n; k++)
		cr_assert_eq(parse(m.b, k, &d), DP_PARSE_NO, "cut at %zu", k);

	/* EDNS(0) (RFC 6891 §6.1.2): an OPT record in the additional section */
	header(&m, 1, 0x0120, 1, 0, 0, 1);
	question(&m, "example.org", 65, 1); /* HTTPS (RFC 9460) */
	put8(&m, 0), put16(&m, 41), put16(&m, 1232), put32(&m, 0), put16(&m, 0);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_OK);
	cr_assert_eq(d.qtype, 65);
	cr_assert_str_eq(d.qname, "example.org");

	/* QCLASS: ANY (255), and mDNS's unicast-response bit (RFC 6762 §5.4); not CHAOS */
	header(&m, 1, 0, 1, 0, 0, 0);
	question(&m, "printer.local", 12, 0x8001);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_OK);
	header(&m, 1, 0, 1, 0, 0, 0);
	question(&m, "example.org", 1, 255);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_OK);
	header(&m, 1, 0, 1, 0, 0, 0);
	question(&m, "version.bind", 16, 3);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_NO);
}

Test(dns, header_rules)
{
	static struct msg m;
	struct dp_dns d;

	/* what a resolver sends: one question, opcode QUERY, counts of at most 256 */
	static const struct {
		unsigned flags, qd, an, ns, ar;
		enum dp_parse want;
	} cases[] = {
		{ 0x8180, 1, 0, 0, 0, DP_PARSE_OK },   { 0x8183, 1, 0, 1, 0, DP_PARSE_OK },
		{ 0x8180, 0, 0, 0, 0, DP_PARSE_NO },   { 0x8180, 2, 0, 0, 0, DP_PARSE_NO },
		{ 0x0100, 1, 1, 0, 0, DP_PARSE_NO }, /* a query with an answer */
		{ 0x8180, 1, 257, 0, 0, DP_PARSE_NO }, { 0x8180, 1, 0, 257, 0, DP_PARSE_NO },
		{ 0x8180, 1, 0, 0, 257, DP_PARSE_NO }, { 0x8180, 1, 0xffff, 0, 0, DP_PARSE_NO },
		{ 0x8180, 1, 256, 0, 0, DP_PARSE_OK }, /* counts that lie: answers as they go */
		{ 0x1100, 1, 0, 0, 0, DP_PARSE_NO },   /* opcode 2, STATUS */
		{ 0x2800, 1, 0, 0, 0, DP_PARSE_NO },   /* opcode 5, UPDATE */
		{ 0x7900, 1, 0, 0, 0, DP_PARSE_NO },   /* opcode 15 */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		header(&m, 7, cases[i].flags, cases[i].qd, cases[i].an, cases[i].ns, cases[i].ar);
		question(&m, "example.com", 1, 1);
		cr_assert_eq(parse(m.b, m.n, &d), cases[i].want, "case %zu", i);
	}
	header(&m, 7, 0x8183, 1, 0, 0, 0);
	question(&m, "nx.example.com", 1, 1);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_OK);
	cr_assert_eq(d.rcode, 3, "NXDOMAIN");

	/* no question name (the root), or a question without its type and class */
	header(&m, 7, 0x0100, 1, 0, 0, 0);
	put8(&m, 0), put16(&m, 2), put16(&m, 1);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_NO);
	header(&m, 7, 0x0100, 1, 0, 0, 0);
	name(&m, "example.com", -1);
	put16(&m, 1), put8(&m, 0);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_NO);
	cr_assert_eq(parse(m.b, 0, &d), DP_PARSE_NO);
	cr_assert_eq(parse(m.b, 12, &d), DP_PARSE_NO);
}

Test(dns, built_response_with_compression)
{
	static struct msg m;
	struct dp_dns d;

	/* www.example.com CNAME edge.cdn.example (data "edge.cdn" + a pointer to
	 * "example.com" in the question), then edge.cdn.example.com's A and AAAA, owned by a
	 * pointer into the CNAME's data; an NS in the authority section */
	header(&m, 0x1234, 0x8180, 1, 3, 1, 0);
	question(&m, "www.example.com", 1, 1);
	struct msg cn = { .n = 0 };
	name(&cn, "edge.cdn", 12 + 4);
	size_t cname_data = m.n + 12;
	rr(&m, 12, 5, 300, cn.b, cn.n);
	rr(&m, (unsigned)cname_data, 1, 60, v4, 4);
	rr(&m, (unsigned)cname_data, 28, 0x7fffffff, v6, 16);
	struct msg ns = { .n = 0 };
	name(&ns, "ns1", 12 + 4);
	rr(&m, 16, 2, 86400, ns.b, ns.n);

	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_OK);
	cr_assert_eq(d.nanswers, 3);
	cr_assert_eq(d.answers[0].type, 5);
	cr_assert_eq(d.answers[0].ttl, 300);
	cr_assert_str_eq(d.answers[0].name, "edge.cdn.example.com");
	cr_assert_eq(d.answers[1].type, 1);
	cr_assert_arr_eq(d.answers[1].addr, v4, 4);
	cr_assert_eq(d.answers[2].type, 28);
	cr_assert_eq(d.answers[2].ttl, 0x7fffffff);
	cr_assert_arr_eq(d.answers[2].addr, v6, 16);
}

Test(dns, more_answers_than_kept)
{
	static struct msg m;
	struct dp_dns d;
	uint8_t a[4] = { 10, 0, 0, 0 };

	header(&m, 1, 0x8180, 1, 12, 0, 0);
	question(&m, "many.example", 1, 1);
	for (int i = 0; i < 12; i++) {
		a[3] = (uint8_t)i;
		rr(&m, 12, 1, (uint32_t)i, a, 4);
	}
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_OK);
	cr_assert_eq(d.nanswers, DP_DNS_ANSWERS);
	for (unsigned i = 0; i < DP_DNS_ANSWERS; i++) {
		cr_assert_eq(d.answers[i].addr[3], i);
		cr_assert_eq(d.answers[i].ttl, i);
	}
}

Test(dns, other_records_and_wrong_sizes_are_skipped)
{
	static struct msg m;
	struct dp_dns d;
	uint8_t five[5] = { 1, 2, 3, 4, 5 };

	/* TXT, an A of 5 bytes, an AAAA of 4, an MX: none counted, and the A after them is */
	header(&m, 1, 0x8180, 1, 5, 0, 0);
	question(&m, "example.net", 1, 1);
	rr(&m, 12, 16, 1, "\x05hello", 6);
	rr(&m, 12, 1, 1, five, 5);
	rr(&m, 12, 28, 1, v4, 4);
	rr(&m, 12, 15, 1, "\x00\x0a\xc0\x0c", 4);
	rr(&m, 12, 1, 9, v4, 4);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_OK);
	cr_assert_eq(d.nanswers, 1);
	cr_assert_eq(d.answers[0].type, 1);
	cr_assert_eq(d.answers[0].ttl, 9);
	cr_assert_arr_eq(d.answers[0].addr, v4, 4);
}

Test(dns, compression_pointer_loops)
{
	static struct msg m;
	struct dp_dns d;

	/* a pointer to itself */
	header(&m, 1, 0x0100, 1, 0, 0, 0);
	put16(&m, 0xc00c), put16(&m, 1), put16(&m, 1);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_NO);
	/* a forward pointer (§4.1.4 points to a prior occurrence) */
	header(&m, 1, 0x0100, 1, 0, 0, 0);
	put16(&m, 0xc00e), put8(&m, 1), put8(&m, 'a'), put8(&m, 0), put16(&m, 1), put16(&m, 1);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_NO);
	/* a label, then a pointer back to it: a.a.a.... for ever */
	header(&m, 1, 0x0100, 1, 0, 0, 0);
	put8(&m, 1), put8(&m, 'a'), put16(&m, 0xc00c), put16(&m, 1), put16(&m, 1);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_NO);
	/* the same with the longest labels: bounded work, bounded name */
	header(&m, 1, 0x0100, 1, 0, 0, 0);
	put8(&m, 63);
	for (int i = 0; i < 63; i++)
		put8(&m, 'x');
	put16(&m, 0xc00c), put16(&m, 1), put16(&m, 1);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_NO);
	/* a pointer cut after its first byte */
	header(&m, 1, 0x0100, 1, 0, 0, 0);
	put8(&m, 1), put8(&m, 'a'), put8(&m, 0xc0);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_NO);
	/* 14-bit pointer values past the message */
	header(&m, 1, 0x8180, 1, 1, 0, 0);
	question(&m, "a.example", 1, 1);
	put16(&m, 0xffff), put16(&m, 1), put16(&m, 1), put32(&m, 1), put16(&m, 4);
	put(&m, v4, 4);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_OK);
	cr_assert_eq(d.nanswers, 0);

	/* a looping CNAME: that answer is not counted, the A after it is */
	header(&m, 1, 0x8180, 1, 2, 0, 0);
	question(&m, "loop.example", 1, 1);
	size_t data = m.n + 12;
	uint8_t loop[4] = { 1, 'b', (uint8_t)(0xc0 | data >> 8), (uint8_t)data };
	rr(&m, 12, 5, 1, loop, 4);
	rr(&m, 12, 1, 2, v4, 4);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_OK);
	cr_assert_eq(d.nanswers, 1);
	cr_assert_eq(d.answers[0].type, 1);
}

/* A response whose last answer's owner name is a chain of k pointers, each to the one
 * before, the first to the question. */
static void
pointer_chain(struct msg *m, int k)
{
	uint8_t ptrs[200];

	header(m, 1, 0x8180, 1, 2, 0, 0);
	question(m, "chain.example", 1, 1);
	/* an unknown record whose data is the chain */
	size_t data = m->n + 12;
	for (int i = 0; i < k; i++) {
		unsigned to = i == 0 ? 12 : (unsigned)(data + 2 * (size_t)(i - 1));
		ptrs[2 * i] = (uint8_t)(0xc0 | to >> 8);
		ptrs[2 * i + 1] = (uint8_t)to;
	}
	rr(m, 12, 99, 1, ptrs, 2 * (size_t)k);
	rr(m, (unsigned)(data + 2 * (size_t)(k - 1)), 1, 7, v4, 4);
}

Test(dns, pointer_jumps_are_bounded)
{
	static struct msg m;
	struct dp_dns d;

	/* The owner name: 1 pointer to the last of k, k jumps through the chain. At most 32
	 * jumps are followed. */
	pointer_chain(&m, 31);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_OK);
	cr_assert_eq(d.nanswers, 1, "32 jumps are followed");
	pointer_chain(&m, 32);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_OK);
	cr_assert_eq(d.nanswers, 0, "33 jumps are not");
	pointer_chain(&m, 90);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_OK);
	cr_assert_eq(d.nanswers, 0);
}

Test(dns, hostile_lengths)
{
	static struct msg m;
	struct dp_dns d;

	/* a label longer than what follows */
	header(&m, 1, 0x0100, 1, 0, 0, 0);
	put8(&m, 40), put(&m, "short", 5);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_NO);
	/* extended (0x40) and reserved (0x80) label types (RFC 6891 §5) */
	header(&m, 1, 0x0100, 1, 0, 0, 0);
	put8(&m, 0x41), put8(&m, 'a'), put8(&m, 0), put16(&m, 1), put16(&m, 1);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_NO);
	m.b[12] = 0x81;
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_NO);

	/* RDLENGTH 0xffff, and one byte past the end: the answers before it stand */
	header(&m, 1, 0x8180, 1, 3, 0, 0);
	question(&m, "len.example", 1, 1);
	rr(&m, 12, 1, 1, v4, 4);
	size_t second = m.n;
	rr(&m, 12, 1, 2, v4, 4);
	rr(&m, 12, 1, 3, v4, 4);
	m.b[second + 10] = 0xff, m.b[second + 11] = 0xff;
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_OK);
	cr_assert_eq(d.nanswers, 1);
	m.b[second + 10] = 0, m.b[second + 11] = (uint8_t)(m.n - second - 12 + 1);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_OK);
	cr_assert_eq(d.nanswers, 1);
	/* a CNAME whose name runs past its RDLENGTH: not counted, the A after it is */
	header(&m, 1, 0x8180, 1, 2, 0, 0);
	question(&m, "cn.example", 1, 1);
	rr(&m, 12, 5, 1,
	   "\x04"
	   "abc",
	   4);
	rr(&m, 12, 1, 2, v4, 4);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_OK);
	cr_assert_eq(d.nanswers, 1);
	cr_assert_eq(d.answers[0].type, 1);
}

Test(dns, names_are_bounded_and_clean)
{
	static struct msg m;
	struct dp_dns d;

	/* 50 labels of 63 bytes: far over 255; the name is cut, terminated */
	header(&m, 1, 0x0100, 1, 0, 0, 0);
	for (int i = 0; i < 50; i++) {
		put8(&m, 63);
		for (int j = 0; j < 63; j++)
			put8(&m, (unsigned)('a' + i % 26));
	}
	put8(&m, 0), put16(&m, 1), put16(&m, 1);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_OK);
	cr_assert_eq(strlen(d.qname), DP_NAME_MAX - 1);
	cr_assert_eq(strncmp(d.qname, "aaa", 3), 0);

	/* control bytes, space, NUL, DEL and high bytes become '?'; upper case is lowered */
	header(&m, 1, 0x0100, 1, 0, 0, 0);
	put8(&m, 8), put(&m, "A\x00 \x7f\xff\x01Zz", 8), put8(&m, 0), put16(&m, 1), put16(&m, 1);
	cr_assert_eq(parse(m.b, m.n, &d), DP_PARSE_OK);
	cr_assert_str_eq(d.qname, "a?????zz");
}

Test(dns, random_bytes)
{
	static uint8_t p[600];
	uint64_t x = 0x9e3779b97f4a7c15u;
	struct dp_dns d;

	for (int i = 0; i < 50000; i++) {
		size_t n = (x >> 33) % sizeof(p);
		for (size_t j = 0; j < n; j++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			/* mostly small values and pointers, so that names parse */
			uint8_t v = (uint8_t)x;
			p[j] = (i & 1) ? v : (v & 0x80) ? (uint8_t)(0xc0 | (v & 1)) : (v & 7);
		}
		if (n >= 12) {
			p[2] &= 0x87; /* opcode QUERY */
			p[4] = 0, p[5] = 1;
			p[6] = 0, p[8] = 0, p[10] = 0;
		}
		enum dp_parse r = parse(p, n, &d);
		cr_assert(r == DP_PARSE_OK || r == DP_PARSE_NO);
		cr_assert_not_null(memchr(d.qname, 0, sizeof(d.qname)));
		cr_assert_leq(d.nanswers, DP_DNS_ANSWERS);
		if (r == DP_PARSE_OK)
			cr_assert_neq(d.qname[0], '\0');
		for (unsigned a = 0; a < d.nanswers; a++) {
			cr_assert(d.answers[a].type == 1 || d.answers[a].type == 5 ||
				  d.answers[a].type == 28);
			cr_assert_not_null(memchr(d.answers[a].name, 0, DP_NAME_MAX));
		}
	}
}
