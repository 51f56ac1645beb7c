/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for dataplane/tls.c.
 *
 * The first input byte (the mode) says what the rest is:
 *
 *  - mode & 3 == 0: the start of a client's TCP direction (TLS records), for
 *    dp_tls_client_hello;
 *  - mode & 3 == 1: a handshake message for dp_tls_client_hello_msg, and the same bytes cut
 *    into records of 1 + (mode >> 2) bytes and into records of 16 KiB, for
 *    dp_tls_client_hello;
 *  - mode & 3 == 2: the start of a server's direction, for dp_tls_server_hello;
 *  - mode & 3 == 3: a server's handshake bytes, cut into records both ways as in mode 1.
 *
 * Every parse is of a heap copy of exactly its bytes, so a read past them is an ASan
 * report. Checks beyond that:
 *  - names (SNI, ALPN, certificate names) NUL-terminated, printable, in their arrays;
 *  - a prefix of the input answers OK only if the whole input answers OK with the same
 *    output, and NO only if the whole input answers NO (more bytes never change a
 *    decision already taken);
 *  - the record layer is transparent: the hello in records of any size answers as the bare
 *    message does (a reference gatherer here rebuilds the handshake bytes of mode 0 and 2
 *    inputs the same way), and the server's flight the same whatever its record sizes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../dataplane/tls.h"
#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX 24000
#define HS_MAX    16384

static uint8_t *
copy_of(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n > 0 ? n : 1);
	CHECK(c != NULL);
	memcpy(c, p, n);
	return c;
}

/* A name the parser wrote: terminated inside its array, printable, no space. */
static void
check_name(const char *s, size_t cap)
{
	const char *end = memchr(s, 0, cap);
	CHECK(end != NULL);
	for (const char *c = s; c < end; c++)
		CHECK(*c > 0x20 && *c < 0x7f);
}

static bool
same_hello(const struct dp_tls_hello *a, const struct dp_tls_hello *b)
{
	return strcmp(a->sni, b->sni) == 0 && strcmp(a->alpn, b->alpn) == 0 &&
	       a->legacy_version == b->legacy_version && a->max_version == b->max_version &&
	       a->cipher_suites == b->cipher_suites && a->extensions == b->extensions &&
	       a->grease == b->grease;
}

static bool
same_server(const struct dp_tls_server *a, const struct dp_tls_server *b)
{
	if (a->version != b->version || a->cipher != b->cipher || a->nnames != b->nnames)
		return false;
	for (unsigned i = 0; i < a->nnames; i++)
		if (strcmp(a->names[i], b->names[i]) != 0)
			return false;
	return true;
}

static enum dp_parse
client(const uint8_t *p, size_t n, struct dp_tls_hello *h, bool msg)
{
	uint8_t *c = copy_of(p, n);
	enum dp_parse r = msg ? dp_tls_client_hello_msg(c, (uint32_t)n, h)
			      : dp_tls_client_hello(c, (uint32_t)n, h);
	free(c);
	CHECK(r == DP_PARSE_OK || r == DP_PARSE_MORE || r == DP_PARSE_NO);
	check_name(h->sni, sizeof(h->sni));
	check_name(h->alpn, sizeof(h->alpn));
	if (r == DP_PARSE_OK) {
		CHECK(h->legacy_version >> 8 == 3);
		CHECK(h->max_version >= h->legacy_version);
		CHECK(h->cipher_suites >= 1);
		if (!msg)
			CHECK(dp_tls_looks_like(p, (uint32_t)n));
	}
	return r;
}

static enum dp_parse
server(const uint8_t *p, size_t n, struct dp_tls_server *s)
{
	uint8_t *c = copy_of(p, n);
	enum dp_parse r = dp_tls_server_hello(c, (uint32_t)n, s);
	free(c);
	CHECK(r == DP_PARSE_OK || r == DP_PARSE_MORE || r == DP_PARSE_NO);
	CHECK(s->nnames <= DP_TLS_CERT_NAMES);
	for (unsigned i = 0; i < s->nnames; i++) {
		check_name(s->names[i], DP_NAME_MAX);
		CHECK(s->names[i][0] != '\0');
	}
	if (r == DP_PARSE_OK)
		CHECK(dp_tls_looks_like(p, (uint32_t)n));
	return r;
}

/*
 * The cut points tried: all of a short input; of a long one, a spread and, where it is
 * records (records is false for a bare message), the first 64 records' starts and the ends
 * of their headers, where the subtle decisions are.
 */
static bool
cut(size_t i, const uint8_t *p, size_t n, bool records, size_t *k)
{
	if (n <= 200) {
		*k = i;
		return i < n;
	}
	if (i < 48) {
		*k = i < 16 ? i : (i < 32 ? n - (i - 15) : (n * (i - 31)) / 17);
		return true;
	}
	if (!records || i >= 48 + 2 * 64) /* the first 64 records */
		return false;
	size_t off = 0, r = (i - 48) / 2;
	for (size_t j = 0; j < r && off + 5 <= n; j++)
		off += 5 + ((size_t)p[off + 3] << 8 | p[off + 4]);
	if (off + 5 > n)
		return false;
	*k = off + ((i - 48) % 2 ? 5 : 0);
	return true;
}

static void
prefixes_client(const uint8_t *p, size_t n, enum dp_parse full, const struct dp_tls_hello *h,
		bool msg)
{
	struct dp_tls_hello x;
	size_t k;

	for (size_t i = 0; cut(i, p, n, !msg, &k); i++) {
		if (k >= n)
			continue;
		enum dp_parse r = client(p, k, &x, msg);
		if (r == DP_PARSE_OK)
			CHECK(full == DP_PARSE_OK && same_hello(&x, h));
		if (r == DP_PARSE_NO)
			CHECK(full == DP_PARSE_NO);
	}
}

static void
prefixes_server(const uint8_t *p, size_t n, enum dp_parse full, const struct dp_tls_server *s)
{
	static struct dp_tls_server x;
	size_t k;

	for (size_t i = 0; cut(i, p, n, true, &k); i++) {
		if (k >= n)
			continue;
		enum dp_parse r = server(p, k, &x);
		if (r == DP_PARSE_OK)
			CHECK(full == DP_PARSE_OK && same_server(&x, s));
		if (r == DP_PARSE_NO)
			CHECK(full == DP_PARSE_NO);
	}
}

/* hs (n bytes) as handshake records of at most max bytes; returns the length. */
static size_t
records(const uint8_t *hs, size_t n, size_t max, uint8_t *out)
{
	size_t o = 0;

	for (size_t off = 0; off < n; off += max) {
		size_t k = n - off < max ? n - off : max;
		out[o++] = 0x16;
		out[o++] = 0x03;
		out[o++] = 0x03;
		out[o++] = (uint8_t)(k >> 8);
		out[o++] = (uint8_t)k;
		memcpy(out + o, hs + off, k);
		o += k;
	}
	return o;
}

/*
 * Reference record layer (RFC 8446 §5.1, as tls.c documents it): the handshake bytes of
 * the leading handshake records, up to HS_MAX. Returns -1 when the first record is not a
 * handshake record; *more when the last record is cut, *ended when a record of another
 * type (or not a record) follows.
 */
static long
gather_ref(const uint8_t *p, size_t n, uint8_t *hs, bool *more, bool *ended)
{
	size_t off = 0, h = 0;

	*more = *ended = false;
	while (off < n && h < HS_MAX) {
		if (n - off < 5) {
			*more = true;
			break;
		}
		size_t rl = (size_t)p[off + 3] << 8 | p[off + 4];
		if (p[off] != 0x16 || p[off + 1] != 3 || rl == 0 || rl > 16384 + 2048) {
			if (off == 0)
				return -1;
			*ended = true; /* what follows is not a handshake record */
			break;
		}
		size_t have = n - off - 5 < rl ? n - off - 5 : rl;
		size_t k = have < HS_MAX - h ? have : HS_MAX - h;
		memcpy(hs + h, p + off + 5, k);
		h += k;
		if (have < rl) {
			*more = true;
			break;
		}
		off += 5 + rl;
	}
	return (long)h;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t hs[HS_MAX], rec1[INPUT_MAX * 6 + 16], rec2[INPUT_MAX + 64];
	static struct dp_tls_server s, s1, s2;
	struct dp_tls_hello h, h1, h2;

	if (size < 1 || size > INPUT_MAX)
		return 0;
	unsigned mode = data[0];
	const uint8_t *p = data + 1;
	size_t n = size - 1;

	switch (mode & 3) {
	case 0: {
		enum dp_parse r = client(p, n, &h, false);
		prefixes_client(p, n, r, &h, false);
		/* the same hello without its records */
		bool looks = dp_tls_looks_like(p, (uint32_t)n), more, ended;
		if (n < 5) {
			CHECK(r == (n < 3 || looks ? DP_PARSE_MORE : DP_PARSE_NO));
			break;
		}
		long hl = gather_ref(p, n, hs, &more, &ended);
		if (!looks || hl < 0) {
			CHECK(r == DP_PARSE_NO);
			break;
		}
		enum dp_parse m = client(hs, (size_t)hl, &h1, true);
		if (m != DP_PARSE_MORE) {
			CHECK(r == m);
			if (m == DP_PARSE_OK)
				CHECK(same_hello(&h, &h1));
		} else {
			/* incomplete for good once all records are whole and either the limit
			 * is reached or another record type has begun */
			CHECK(r == (more || (!ended && hl < HS_MAX) ? DP_PARSE_MORE : DP_PARSE_NO));
		}
		break;
	}
	case 1: {
		enum dp_parse r = client(p, n, &h, true);
		prefixes_client(p, n, r, &h, true);
		if (n == 0 || n > HS_MAX)
			break;
		size_t n1 = records(p, n, 1 + (mode >> 2), rec1);
		size_t n2 = records(p, n, 16384, rec2);
		enum dp_parse r1 = client(rec1, n1, &h1, false);
		enum dp_parse r2 = client(rec2, n2, &h2, false);
		/* all of it gathered: MORE only while under the limit */
		enum dp_parse want = r == DP_PARSE_MORE && n == HS_MAX ? DP_PARSE_NO : r;
		CHECK(r1 == want && r2 == want);
		if (want == DP_PARSE_OK)
			CHECK(same_hello(&h1, &h) && same_hello(&h2, &h));
		break;
	}
	case 2: {
		enum dp_parse r = server(p, n, &s);
		prefixes_server(p, n, r, &s);
		/* other record boundaries over the same handshake bytes answer the same */
		bool more, ended;
		long hl = gather_ref(p, n, hs, &more, &ended);
		if (hl > 0 && !more && !ended && hl < HS_MAX && dp_tls_looks_like(p, (uint32_t)n)) {
			size_t n1 = records(hs, (size_t)hl, 1 + (mode >> 2), rec1);
			enum dp_parse r1 = server(rec1, n1, &s1);
			CHECK(r1 == r);
			if (r == DP_PARSE_OK)
				CHECK(same_server(&s1, &s));
		}
		break;
	}
	case 3: {
		if (n == 0 || n > HS_MAX)
			break;
		size_t n1 = records(p, n, 1 + (mode >> 2), rec1);
		size_t n2 = records(p, n, 16384, rec2);
		enum dp_parse r1 = server(rec1, n1, &s1);
		enum dp_parse r2 = server(rec2, n2, &s2);
		CHECK(r1 == r2);
		if (r1 == DP_PARSE_OK)
			CHECK(same_server(&s1, &s2));
		prefixes_server(rec1, n1, r1, &s1);
		break;
	}
	}
	return 0;
}
