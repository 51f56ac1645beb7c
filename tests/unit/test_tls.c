/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/tls.c: ClientHellos (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2) with or without record
 * framing give their server name (RFC 6066 §3), first ALPN protocol (RFC 7301 §3.1) and
 * highest offered version (RFC 8446 §4.2.1), however the records and segments split them;
 * the server's first flight gives its version, cipher and, in clear (TLS 1.2), the leaf
 * certificate's subject CN and dNSNames (RFC 5280 §4.1.2.6, §4.2.1.6).
 *
 * Vectors: the ClientHello and ServerHello of RFC 8448 §3 and the ClientHello inside
 * RFC 9001 Appendix A.2; the certificate of RFC 8448 §3; a CA-issued leaf made with the
 * openssl command (subject C=US/O=Example/CN=www.example.com, issuer CN=Example Test CA,
 * SAN DNS:example.com, IP:192.0.2.1, DNS:www.example.com, DNS:*.example.net). Everything
 * else is built here field by field, and certificates built here are first checked by
 * OpenSSL's own DER parser.
 *
 * Every parse is of a heap copy of exactly the bytes given, so a read past them is an ASan
 * report. A cut anywhere must give MORE (or NO), never OK with something else.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "../../dataplane/tls.h"

/* RFC 8448 §3: {client} construct a ClientHello handshake message (196 bytes). */
static const char rfc8448_client_hello[] =
	"010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef"
	"6283024dece7000006130113031302010000910000000b000900000673657276"
	"6572ff01000100000a00140012001d0017001800190100010101020103010400"
	"230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e"
	"51c13cae4d5413691e529aaf2c002b0003020304000d0020001e040305030603"
	"020308040805080604010501060102010402050206020202002d00020101001c"
	"00024001";

/* RFC 8448 §3: {server} construct a ServerHello handshake message (90 bytes). */
static const char rfc8448_server_hello[] =
	"020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155"
	"772ed3e2692800130100002e00330024001d0020c9828876112095fe66762bdb"
	"f7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304";

/* RFC 9001 Appendix A.2: the ClientHello inside the client Initial's CRYPTO frame. */
static const char rfc9001_client_hello[] =
	"010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47"
	"f06a2b69484c00000413011302010000c000000010000e00000b6578616d706c"
	"652e636f6dff01000100000a00080006001d0017001800100007000504616c70"
	"6e000500050100000000003300260024001d00209370b2c9caa47fbabaf4559f"
	"edba753de171fa71f50f1ce15d43e994ec74d748002b0003020304000d001000"
	"0e0403050306030203080408050806002d00020101001c000240010039003204"
	"08ffffffffffffffff05048000ffff07048000ffff0801100104800075300901"
	"100f088394c8f03e51570806048000ffff";

/* RFC 8448 §3: the server's certificate (subject and issuer CN=rsa, no subjectAltName). */
static const char rfc8448_cert[] =
	"308201ac30820115a003020102020102300d06092a864886f70d01010b050030"
	"0e310c300a06035504031303727361301e170d3136303733303031323335395a"
	"170d3236303733303031323335395a300e310c300a0603550403130372736130"
	"819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f"
	"8279303d980836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91"
	"d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b"
	"1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbf"
	"ae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f02030100"
	"01a31a301830090603551d1304023000300b0603551d0f0404030205a0300d06"
	"092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a726717"
	"0618a54c5f8a7b337d2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6"
	"c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1fc63a4"
	"2a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d"
	"402dcc0cc8f8961229ac9187b42b4de1";

/* openssl x509 -req ... -extfile (SAN as above, basicConstraints critical CA:FALSE). */
static const char openssl_leaf[] =
	"308201e63082018ba00302010202021234300a06082a8648ce3d040302302c31"
	"10300e060355040a0c074578616d706c653118301606035504030c0f4578616d"
	"706c652054657374204341301e170d3236313132323033303034315a170d3336"
	"313131393033303034315a3039310b30090603550406130255533110300e0603"
	"55040a0c074578616d706c653118301606035504030c0f7777772e6578616d70"
	"6c652e636f6d3059301306072a8648ce3d020106082a8648ce3d030107034200"
	"04dab155853c8abdcf2e05ea710257c655ae412247c4675236de21b5c6f48e64"
	"ba8cdf45afc1ba79e6a0fd01df1b748a97aa8de906cc1593751c2a5f12c8882e"
	"9ca3818f30818c303c0603551d1104353033820b6578616d706c652e636f6d87"
	"04c0000201820f7777772e6578616d706c652e636f6d820d2a2e6578616d706c"
	"652e6e6574300c0603551d130101ff04023000301d0603551d0e04160414a8fe"
	"8645247f0179e5307b7a928b6f3c8869d4b4301f0603551d23041830168014e7"
	"bec474b91b0eebebd1b5d18ce38015b7069d9f300a06082a8648ce3d04030203"
	"490030460221009f862d45abec588bd0ac690ed5833fc7330925200cdc916f5d"
	"837ac93eff4aef02210094a057ebb7c13d255f5c926b535a2b4f550847d567fb"
	"619f2fed57edfae19286";

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

/* ---- building messages ---- */

struct buf {
	uint8_t b[40000];
	size_t n;
};

static void
put(struct buf *b, const void *d, size_t n)
{
	cr_assert_leq(b->n + n, sizeof(b->b));
	memcpy(b->b + b->n, d, n);
	b->n += n;
}

static void
put8(struct buf *b, unsigned v)
{
	uint8_t x = (uint8_t)v;
	put(b, &x, 1);
}

static void
put16(struct buf *b, unsigned v)
{
	put8(b, v >> 8);
	put8(b, v);
}

static void
put24(struct buf *b, unsigned v)
{
	put8(b, v >> 16);
	put16(b, v & 0xffff);
}

static void
put_str(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* A handshake message: type, 3-byte length, body (RFC 8446 §4). */
static void
put_hs(struct buf *b, unsigned type, const struct buf *body)
{
	put8(b, type);
	put24(b, (unsigned)body->n);
	put(b, body->b, body->n);
}

/* Handshake bytes as TLSPlaintext records (RFC 8446 §5.1) of at most max bytes each. */
static void
put_records(struct buf *b, const uint8_t *hs, size_t n, size_t max)
{
	for (size_t off = 0; off < n; off += max) {
		size_t k = n - off < max ? n - off : max;
		put8(b, 0x16);
		put16(b, 0x0301);
		put16(b, (unsigned)k);
		put(b, hs + off, k);
	}
}

static struct buf scratch[4];

/* The parts of a ClientHello the tests vary. */
struct hello_spec {
	uint16_t version;
	const char *sni;      /* NULL: no server_name extension */
	const char *alpn[3];  /* protocols, in order */
	uint16_t versions[4]; /* supported_versions, 0-terminated; none: no extension */
	bool grease_suite;
	bool no_extensions;
	size_t pad; /* a padding extension (RFC 7685) of this many bytes */
};

/* A ClientHello handshake message (RFC 8446 §4.1.2) at out. */
static void
make_hello(struct buf *out, const struct hello_spec *s)
{
	struct buf *e = &scratch[0], *h = &scratch[1], *x = &scratch[2];

	e->n = h->n = 0;
	if (s->sni != NULL) { /* RFC 6066 §3: ServerNameList of one host_name */
		size_t sl = strlen(s->sni);
		put16(e, 0);
		put16(e, (unsigned)(sl + 5));
		put16(e, (unsigned)(sl + 3));
		put8(e, 0);
		put16(e, (unsigned)sl);
		put_str(e, s->sni);
	}
	if (s->alpn[0] != NULL) { /* RFC 7301 §3.1: ProtocolNameList */
		x->n = 0;
		for (int i = 0; i < 3 && s->alpn[i] != NULL; i++) {
			put8(x, (unsigned)strlen(s->alpn[i]));
			put_str(x, s->alpn[i]);
		}
		put16(e, 16);
		put16(e, (unsigned)(x->n + 2));
		put16(e, (unsigned)x->n);
		put(e, x->b, x->n);
	}
	if (s->versions[0] != 0) { /* RFC 8446 §4.2.1 */
		unsigned k = 0;
		while (k < 4 && s->versions[k] != 0)
			k++;
		put16(e, 43);
		put16(e, 1 + 2 * k);
		put8(e, 2 * k);
		for (unsigned i = 0; i < k; i++)
			put16(e, s->versions[i]);
	}
	if (s->pad > 0) {
		put16(e, 21);
		put16(e, (unsigned)s->pad);
		for (size_t i = 0; i < s->pad; i++)
			put8(e, 0);
	}
	put16(h, s->version);
	for (int i = 0; i < 32; i++)
		put8(h, (unsigned)(0xa0 + i)); /* random */
	put8(h, 32);                           /* legacy_session_id */
	for (int i = 0; i < 32; i++)
		put8(h, (unsigned)i);
	put16(h, s->grease_suite ? 8 : 6);
	if (s->grease_suite)
		put16(h, 0x3a3a);
	put16(h, 0x1301);
	put16(h, 0x1302);
	put16(h, 0xc02f);
	put8(h, 1); /* legacy_compression_methods: null */
	put8(h, 0);
	if (!s->no_extensions) {
		put16(h, (unsigned)e->n);
		put(h, e->b, e->n);
	}
	out->n = 0;
	put_hs(out, 1, h);
}

static const struct hello_spec chrome = {
	.version = 0x0303,
	.sni = "www.example.com",
	.alpn = { "h2", "http/1.1" },
	.versions = { 0x7a7a, 0x0304, 0x0303 },
	.grease_suite = true,
};

/* ---- parsing exact copies ---- */

static enum dp_parse
client(const uint8_t *p, size_t n, struct dp_tls_hello *h)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	memcpy(copy, p, n);
	enum dp_parse r = dp_tls_client_hello(copy, (uint32_t)n, h);
	free(copy);
	return r;
}

static enum dp_parse
client_msg(const uint8_t *p, size_t n, struct dp_tls_hello *h)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	memcpy(copy, p, n);
	enum dp_parse r = dp_tls_client_hello_msg(copy, (uint32_t)n, h);
	free(copy);
	return r;
}

static enum dp_parse
server(const uint8_t *p, size_t n, struct dp_tls_server *s)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	memcpy(copy, p, n);
	enum dp_parse r = dp_tls_server_hello(copy, (uint32_t)n, s);
	free(copy);
	return r;
}

static void
assert_same_hello(const struct dp_tls_hello *a, const struct dp_tls_hello *b, size_t at)
{
	cr_assert_str_eq(a->sni, b->sni, "at %zu", at);
	cr_assert_str_eq(a->alpn, b->alpn, "at %zu", at);
	cr_assert_eq(a->legacy_version, b->legacy_version, "at %zu", at);
	cr_assert_eq(a->max_version, b->max_version, "at %zu", at);
	cr_assert_eq(a->cipher_suites, b->cipher_suites, "at %zu", at);
	cr_assert_eq(a->extensions, b->extensions, "at %zu", at);
	cr_assert_eq(a->grease, b->grease, "at %zu", at);
}

/* Every cut of p before n gives MORE; all n bytes give what full holds. */
static void
assert_cuts_more(const uint8_t *p, size_t n, const struct dp_tls_hello *full, bool records)
{
	struct dp_tls_hello h;

	for (size_t k = 0; k < n; k++)
		cr_assert_eq(records ? client(p, k, &h) : client_msg(p, k, &h), DP_PARSE_MORE,
			     "cut at %zu of %zu", k, n);
	cr_assert_eq(records ? client(p, n, &h) : client_msg(p, n, &h), DP_PARSE_OK);
	assert_same_hello(&h, full, n);
}

/* ---- ClientHello ---- */

Test(tls, looks_like)
{
	static const struct {
		const char *hex;
		bool yes;
	} cases[] = {
		{ "160301", true },  { "16030100", true }, { "160300", true }, /* SSL 3.0 */
		{ "160304", true },  { "160305", false },  { "160201", false },
		{ "170303", false }, /* application data */
		{ "150303", false }, /* alert */
		{ "1603", false },   { "", false },        { "474554", false }, /* "GET" */
	};
	uint8_t p[8];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = unhex(cases[i].hex, p, sizeof(p));
		uint8_t *copy = malloc(n > 0 ? n : 1);
		memcpy(copy, p, n);
		cr_assert_eq(dp_tls_looks_like(copy, (uint32_t)n), cases[i].yes, "%s",
			     cases[i].hex);
		free(copy);
	}
}

Test(tls, rfc8448_client_hello)
{
	static struct buf rec;
	uint8_t m[256];
	struct dp_tls_hello h;
	size_t n = unhex(rfc8448_client_hello, m, sizeof(m));

	cr_assert_eq(n, 196);
	cr_assert_eq(client_msg(m, n, &h), DP_PARSE_OK);
	cr_assert_str_eq(h.sni, "server");
	cr_assert_str_eq(h.alpn, "");
	cr_assert_eq(h.legacy_version, 0x0303);
	cr_assert_eq(h.max_version, 0x0304);
	cr_assert_eq(h.cipher_suites, 3);
	/* server_name, renegotiation_info, supported_groups, session_ticket, key_share,
	 * supported_versions, signature_algorithms, psk_key_exchange_modes,
	 * record_size_limit */
	cr_assert_eq(h.extensions, 9);
	cr_assert_not(h.grease);

	/* In one record, as §3 sends it ({client} send handshake record). */
	rec.n = 0;
	put_records(&rec, m, n, 16384);
	struct dp_tls_hello r;
	cr_assert_eq(client(rec.b, rec.n, &r), DP_PARSE_OK);
	assert_same_hello(&r, &h, rec.n);
}

Test(tls, rfc9001_client_hello)
{
	uint8_t m[256];
	struct dp_tls_hello h;
	size_t n = unhex(rfc9001_client_hello, m, sizeof(m));

	cr_assert_eq(n, 241);
	cr_assert_eq(client_msg(m, n, &h), DP_PARSE_OK);
	cr_assert_str_eq(h.sni, "example.com");
	cr_assert_str_eq(h.alpn, "alpn");
	cr_assert_eq(h.max_version, 0x0304);
	cr_assert_eq(h.cipher_suites, 2);
	cr_assert_eq(h.extensions, 11);
	/* the message form reads one message: bytes after it do not matter */
	uint8_t more[300];
	memcpy(more, m, n);
	memset(more + n, 0xee, sizeof(more) - n);
	struct dp_tls_hello h2;
	cr_assert_eq(client_msg(more, sizeof(more), &h2), DP_PARSE_OK);
	assert_same_hello(&h2, &h, n);
}

Test(tls, built_hello_fields)
{
	static struct buf m;
	struct dp_tls_hello h;

	make_hello(&m, &chrome);
	cr_assert_eq(client_msg(m.b, m.n, &h), DP_PARSE_OK);
	cr_assert_str_eq(h.sni, "www.example.com");
	cr_assert_str_eq(h.alpn, "h2", "the first protocol offered");
	cr_assert_eq(h.legacy_version, 0x0303);
	cr_assert_eq(h.max_version, 0x0304, "GREASE 0x7a7a is not a version");
	cr_assert_eq(h.cipher_suites, 4);
	cr_assert_eq(h.extensions, 3);
	cr_assert(h.grease);

	/* GREASE only among extensions (RFC 8701 §2: 0x?a?a) */
	struct hello_spec s = chrome;
	s.grease_suite = false;
	s.versions[0] = 0x0304;
	s.versions[1] = 0x0303;
	s.versions[2] = 0;
	make_hello(&m, &s);
	cr_assert_eq(client_msg(m.b, m.n, &h), DP_PARSE_OK);
	cr_assert_not(h.grease);
	cr_assert_eq(h.max_version, 0x0304);

	/* No supported_versions: the legacy version is the highest (TLS 1.2 clients) */
	s.versions[0] = 0;
	s.version = 0x0301;
	make_hello(&m, &s);
	cr_assert_eq(client_msg(m.b, m.n, &h), DP_PARSE_OK);
	cr_assert_eq(h.max_version, 0x0301);
	cr_assert_eq(h.legacy_version, 0x0301);

	/* SSL 3.0 / TLS 1.0 clients may send no extensions at all (RFC 5246 §7.4.1.2) */
	s.no_extensions = true;
	make_hello(&m, &s);
	cr_assert_eq(client_msg(m.b, m.n, &h), DP_PARSE_OK);
	cr_assert_str_eq(h.sni, "");
	cr_assert_str_eq(h.alpn, "");
	cr_assert_eq(h.extensions, 0);
}

Test(tls, server_name_list)
{
	static struct buf m, e;
	struct hello_spec s = { .version = 0x0303 };
	struct dp_tls_hello h;

	/* RFC 6066 §3: a ServerNameList with an unknown NameType first, then two
	 * host_names: the first host_name counts. */
	make_hello(&m, &s);
	e.n = 0;
	put16(&e, 0);
	put16(&e, 2 + 3 + 4 + 3 + 5 + 3 + 5);
	put16(&e, 3 + 4 + 3 + 5 + 3 + 5);
	put8(&e, 7);
	put16(&e, 4);
	put_str(&e, "zzzz");
	put8(&e, 0);
	put16(&e, 5);
	put_str(&e, "first");
	put8(&e, 0);
	put16(&e, 5);
	put_str(&e, "other");
	/* replace the (empty) extensions block with e */
	m.n -= 2;
	put16(&m, (unsigned)e.n);
	put(&m, e.b, e.n);
	unsigned hl = (unsigned)m.n - 4;
	m.b[1] = (uint8_t)(hl >> 16), m.b[2] = (uint8_t)(hl >> 8), m.b[3] = (uint8_t)hl;
	cr_assert_eq(client_msg(m.b, m.n, &h), DP_PARSE_OK);
	cr_assert_str_eq(h.sni, "first");
}

Test(tls, hostile_names_are_bounded_and_clean)
{
	static struct buf m;
	char sni[400], alpn[60];
	struct dp_tls_hello h;

	memset(sni, 'a', sizeof(sni) - 1);
	sni[sizeof(sni) - 1] = '\0';
	memset(alpn, 'b', sizeof(alpn) - 1);
	alpn[sizeof(alpn) - 1] = '\0';
	struct hello_spec s = { .version = 0x0303, .sni = sni, .alpn = { alpn } };
	make_hello(&m, &s);
	cr_assert_eq(client_msg(m.b, m.n, &h), DP_PARSE_OK);
	cr_assert_eq(strlen(h.sni), DP_NAME_MAX - 1);
	cr_assert_eq(strlen(h.alpn), sizeof(h.alpn) - 1);

	/* control characters, space, DEL and high bytes become '?' */
	s.sni = "a\x01"
		"b c\x7f"
		"d\xff";
	s.alpn[0] = "h\n2";
	make_hello(&m, &s);
	cr_assert_eq(client_msg(m.b, m.n, &h), DP_PARSE_OK);
	cr_assert_str_eq(h.sni, "a?b?c?d?");
	cr_assert_str_eq(h.alpn, "h?2");

	/* a NUL inside the name does not end it early */
	s.sni = "xyz";
	make_hello(&m, &s);
	uint8_t *x = memmem(m.b, m.n, "xyz", 3);
	cr_assert_not_null(x);
	x[1] = 0;
	cr_assert_eq(client_msg(m.b, m.n, &h), DP_PARSE_OK);
	cr_assert_str_eq(h.sni, "x?z");
}

Test(tls, records_and_segments)
{
	static struct buf m, rec;
	static const size_t sizes[] = { 1, 2, 3, 5, 64, 100, 16384 };
	struct dp_tls_hello full, h;

	make_hello(&m, &chrome);
	cr_assert_eq(client_msg(m.b, m.n, &full), DP_PARSE_OK);
	/* the message form, cut anywhere */
	assert_cuts_more(m.b, m.n, &full, false);

	/* RFC 8446 §5.1: a handshake message may be fragmented across several records;
	 * and the records across TCP segments, cut anywhere. */
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		rec.n = 0;
		put_records(&rec, m.b, m.n, sizes[i]);
		assert_cuts_more(rec.b, rec.n, &full, true);
		/* what follows the hello (a second flight, application data) is not read */
		put8(&rec, 0x17);
		put16(&rec, 0x0303);
		put16(&rec, 0x4000);
		cr_assert_eq(client(rec.b, rec.n, &h), DP_PARSE_OK, "records of %zu", sizes[i]);
		assert_same_hello(&h, &full, rec.n);
	}

	/* A large hello (a post-quantum key share): 3 KiB over records of 1400 bytes */
	struct hello_spec s = chrome;
	s.pad = 3000;
	make_hello(&m, &s);
	cr_assert_eq(client_msg(m.b, m.n, &full), DP_PARSE_OK);
	rec.n = 0;
	put_records(&rec, m.b, m.n, 1400);
	assert_cuts_more(rec.b, rec.n, &full, true);
	cr_assert_str_eq(full.sni, "www.example.com");
}

Test(tls, hello_not_finished_before_another_record_type)
{
	static struct buf m, rec;
	struct dp_tls_hello h;

	/* Half a hello, then a change_cipher_spec record: the handshake records have ended
	 * (RFC 8446 §5.1: handshake messages are not interleaved with other record types)
	 * and the hello can never complete. */
	make_hello(&m, &chrome);
	put_records(&rec, m.b, m.n / 2, 16384);
	cr_assert_eq(client(rec.b, rec.n, &h), DP_PARSE_MORE);
	put8(&rec, 0x14);
	put16(&rec, 0x0303);
	put16(&rec, 1);
	put8(&rec, 1);
	cr_assert_eq(client(rec.b, rec.n, &h), DP_PARSE_NO);
	/* an alert header alone says the same */
	rec.n = 0;
	put_records(&rec, m.b, m.n / 2, 16384);
	put8(&rec, 0x15);
	put16(&rec, 0x0303);
	put16(&rec, 2);
	cr_assert_eq(client(rec.b, rec.n, &h), DP_PARSE_NO);
}

/* Apply f to a fresh copy of the Chrome-like hello in a record and parse it. */
static enum dp_parse
mutated(void (*f)(struct buf *m), bool records)
{
	static struct buf m, rec;
	struct dp_tls_hello h;

	make_hello(&m, &chrome);
	f(&m);
	if (!records)
		return client_msg(m.b, m.n, &h);
	rec.n = 0;
	put_records(&rec, m.b, m.n, 16384);
	return client(rec.b, rec.n, &h);
}

/* Offsets in the built hello: 4 header, 2 version, 32 random, 1+32 session id, 2+8 suites,
 * 2 compression, 2 extensions length, then server_name (type, length, list length, name
 * type, name length, name), ALPN, supported_versions. */
enum {
	O_VERSION = 4,
	O_SID = 38,
	O_SUITES = 71,
	O_COMP = 81,
	O_EXTS = 83,
	O_SNI = 85,
	O_SNI_LIST = O_SNI + 4,
	O_SNI_NAME = O_SNI + 7,
	O_ALPN = O_SNI + 4 + 5 + 15,
};

static void
set16(struct buf *m, size_t off, unsigned v)
{
	m->b[off] = (uint8_t)(v >> 8);
	m->b[off + 1] = (uint8_t)v;
}

static void
m_hl_huge(struct buf *m)
{
	m->b[1] = 0xff, m->b[2] = 0xff, m->b[3] = 0xff;
}
static void
m_hl_short(struct buf *m)
{
	m->b[1] = 0, m->b[2] = 0, m->b[3] = 37;
}
static void
m_hl_16k(struct buf *m)
{
	m->b[1] = 0, m->b[2] = 0x40, m->b[3] = 1;
}
static void
m_type(struct buf *m)
{
	m->b[0] = 2;
}
static void
m_version(struct buf *m)
{
	set16(m, O_VERSION, 0x0200);
}
static void
m_sid_33(struct buf *m)
{
	m->b[O_SID] = 33;
}
static void
m_sid_ff(struct buf *m)
{
	m->b[O_SID] = 0xff;
}
static void
m_suites_odd(struct buf *m)
{
	set16(m, O_SUITES, 7);
}
static void
m_suites_zero(struct buf *m)
{
	set16(m, O_SUITES, 0);
}
static void
m_suites_ffff(struct buf *m)
{
	set16(m, O_SUITES, 0xffff);
}
static void
m_comp_ff(struct buf *m)
{
	m->b[O_COMP] = 0xff;
}
static void
m_exts_ffff(struct buf *m)
{
	set16(m, O_EXTS, 0xffff);
}
static void
m_exts_plus1(struct buf *m)
{
	set16(m, O_EXTS, (unsigned)(m->n - O_EXTS - 2 + 1));
}
static void
m_ext_len(struct buf *m)
{
	set16(m, O_SNI + 2, 0xfff0);
}
static void
m_sni_list(struct buf *m)
{
	set16(m, O_SNI_LIST, 0x00ff);
}
static void
m_sni_name(struct buf *m)
{
	set16(m, O_SNI_NAME, 16);
}
static void
m_alpn_proto(struct buf *m)
{
	m->b[O_ALPN + 6] = 12; /* "h2" claims 12 bytes: past the list */
}
static void
m_alpn_empty(struct buf *m)
{
	/* ALPN of an empty ProtocolNameList, same total length: the rest of the old
	 * extension becomes an extension with a length past the block */
	set16(m, O_ALPN + 4, 0);
}
static void
m_truncated_by_one(struct buf *m)
{
	/* the extensions block one byte shorter than what it holds */
	m->n--;
	unsigned hl = (unsigned)m->n - 4;
	m->b[1] = (uint8_t)(hl >> 16), m->b[2] = (uint8_t)(hl >> 8), m->b[3] = (uint8_t)hl;
}

Test(tls, hostile_lengths_client)
{
	static const struct {
		void (*f)(struct buf *);
		const char *what;
	} cases[] = {
		{ m_hl_huge, "handshake length 0xffffff" },
		{ m_hl_short, "handshake length below a hello's minimum" },
		{ m_hl_16k, "handshake length over 16 KiB" },
		{ m_type, "a ServerHello" },
		{ m_version, "legacy_version 2.0" },
		{ m_sid_33, "session id of 33 bytes" },
		{ m_sid_ff, "session id past the message" },
		{ m_suites_odd, "odd cipher suites length" },
		{ m_suites_zero, "no cipher suites" },
		{ m_suites_ffff, "cipher suites past the message" },
		{ m_comp_ff, "compression methods past the message" },
		{ m_exts_ffff, "extensions length 0xffff" },
		{ m_exts_plus1, "extensions one byte past the message" },
		{ m_ext_len, "an extension past the block" },
		{ m_sni_list, "server name list past the extension" },
		{ m_sni_name, "host name past the list" },
		{ m_alpn_proto, "protocol name past the list" },
		{ m_alpn_empty, "an empty ALPN list" },
		{ m_truncated_by_one, "the last extension one byte short" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(mutated(cases[i].f, false), DP_PARSE_NO, "msg: %s", cases[i].what);
		cr_assert_eq(mutated(cases[i].f, true), DP_PARSE_NO, "records: %s", cases[i].what);
	}
}

Test(tls, hostile_records)
{
	static struct buf m, rec;
	struct dp_tls_hello h;

	make_hello(&m, &chrome);
	/* record length 0 (RFC 8446 §5.1: zero-length handshake fragments are not sent) */
	rec.n = 0;
	put8(&rec, 0x16), put16(&rec, 0x0301), put16(&rec, 0);
	put_records(&rec, m.b, m.n, 16384);
	cr_assert_eq(client(rec.b, rec.n, &h), DP_PARSE_NO);
	/* record length over 2^14 + 2048 */
	rec.n = 0;
	put8(&rec, 0x16), put16(&rec, 0x0301), put16(&rec, 16384 + 2049);
	put(&rec, m.b, m.n);
	cr_assert_eq(client(rec.b, rec.n, &h), DP_PARSE_NO);
	rec.b[3] = 0xff, rec.b[4] = 0xff;
	cr_assert_eq(client(rec.b, rec.n, &h), DP_PARSE_NO);
	/* a second record that is not TLS (major version 2) */
	rec.n = 0;
	put_records(&rec, m.b, m.n, 50);
	rec.b[50 + 5 + 1] = 0x02;
	cr_assert_eq(client(rec.b, rec.n, &h), DP_PARSE_NO);
	/* not a handshake record first */
	rec.n = 0;
	put_records(&rec, m.b, m.n, 16384);
	rec.b[0] = 0x17;
	cr_assert_eq(client(rec.b, rec.n, &h), DP_PARSE_NO);
	/* a whole hello, then something that is not a record (a zero-length handshake
	 * record, RFC 5246 §6.2.1): the hello stands, as it did before those bytes came */
	rec.n = 0;
	put_records(&rec, m.b, m.n, 100);
	struct dp_tls_hello full;
	cr_assert_eq(client(rec.b, rec.n, &full), DP_PARSE_OK);
	put8(&rec, 0x16), put16(&rec, 0x0303), put16(&rec, 0);
	cr_assert_eq(client(rec.b, rec.n, &h), DP_PARSE_OK);
	assert_same_hello(&h, &full, rec.n);
	rec.b[rec.n - 4] = 0x09; /* version 9.3 */
	rec.b[rec.n - 1] = 1;
	cr_assert_eq(client(rec.b, rec.n, &h), DP_PARSE_OK);
	/* SSL 2.0-style or other protocols' first bytes */
	cr_assert_eq(client((const uint8_t *)"GET / HTTP/1.1\r\n", 16, &h), DP_PARSE_NO);
	cr_assert_eq(client((const uint8_t *)"\x80\x2e\x01\x03\x01", 5, &h), DP_PARSE_NO);
	cr_assert_eq(client((const uint8_t *)"", 0, &h), DP_PARSE_MORE);
	cr_assert_eq(client((const uint8_t *)"\x16\x03", 2, &h), DP_PARSE_MORE);
	cr_assert_eq(client((const uint8_t *)"\x16\x03\x09", 3, &h), DP_PARSE_NO);
}

Test(tls, hello_larger_than_accepted)
{
	static struct buf m, rec;
	struct dp_tls_hello h;

	/* 16 KiB is the limit: a hello just under it parses, one over is refused once the
	 * records carry more than the limit (not MORE for ever). */
	struct hello_spec s = chrome;
	s.pad = 16384 - 4 - 300;
	make_hello(&m, &s);
	cr_assert_lt(m.n, 16384);
	rec.n = 0;
	put_records(&rec, m.b, m.n, 16384);
	cr_assert_eq(client(rec.b, rec.n, &h), DP_PARSE_OK);
	cr_assert_str_eq(h.sni, "www.example.com");

	s.pad = 17000;
	make_hello(&m, &s);
	cr_assert_eq(client_msg(m.b, m.n, &h), DP_PARSE_NO);
	rec.n = 0;
	put_records(&rec, m.b, m.n, 4000);
	for (size_t k = 0; k < rec.n; k += 997) {
		enum dp_parse r = client(rec.b, k, &h);
		cr_assert(r == DP_PARSE_MORE || r == DP_PARSE_NO, "at %zu", k);
	}
	cr_assert_eq(client(rec.b, rec.n, &h), DP_PARSE_NO);

	/* A handshake length at the limit itself: the message (with its header) is larger
	 * than what is gathered, so once that much has arrived the answer is NO. */
	s.pad = 16000;
	make_hello(&m, &s);
	s.pad += 16384 + 4 - m.n;
	make_hello(&m, &s);
	cr_assert_eq(m.n, 16384 + 4);
	rec.n = 0;
	put_records(&rec, m.b, m.n, 4000);
	/* five records: 4 x 4000 + 388 handshake bytes */
	size_t gathered = 4 * (5 + 4000) + 5 + 384;
	for (size_t k = 0; k < gathered; k += 101)
		cr_assert_eq(client(rec.b, k, &h), DP_PARSE_MORE, "at %zu", k);
	/* (the last record is read to its end first) */
	for (size_t k = gathered; k < rec.n; k++) {
		enum dp_parse r = client(rec.b, k, &h);
		cr_assert(r == DP_PARSE_MORE || r == DP_PARSE_NO, "at %zu", k);
	}
	cr_assert_eq(client(rec.b, rec.n, &h), DP_PARSE_NO);
}

Test(tls, random_bytes_after_a_record_header)
{
	static uint8_t p[2048];
	uint64_t x = 0x243f6a8885a308d3u;
	struct dp_tls_hello h;

	for (int i = 0; i < 20000; i++) {
		size_t n = 5 + (x >> 40) % (sizeof(p) - 5);
		for (size_t j = 0; j < n; j++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			p[j] = (uint8_t)x;
		}
		p[0] = 0x16, p[1] = 0x03, p[2] = 0x01;
		p[3] = (uint8_t)((n - 5) >> 8), p[4] = (uint8_t)(n - 5);
		if (i & 1)
			p[5] = 1; /* a ClientHello header */
		enum dp_parse r = client(p, n, &h);
		cr_assert(r == DP_PARSE_MORE || r == DP_PARSE_NO || r == DP_PARSE_OK);
		cr_assert_not_null(memchr(h.sni, 0, sizeof(h.sni)));
		cr_assert_not_null(memchr(h.alpn, 0, sizeof(h.alpn)));
	}
}

/* ---- the server's flight ---- */

/* A TLS 1.2 ServerHello (RFC 5246 §7.4.1.3): session id, ECDHE-RSA-AES128-GCM-SHA256,
 * renegotiation_info and ec_point_formats. */
static void
make_server_hello(struct buf *out, uint16_t version)
{
	struct buf *h = &scratch[3];

	h->n = 0;
	put16(h, version);
	for (int i = 0; i < 32; i++)
		put8(h, (unsigned)(0x50 + i));
	put8(h, 32);
	for (int i = 0; i < 32; i++)
		put8(h, (unsigned)(0x90 + i));
	put16(h, 0xc02f);
	put8(h, 0);
	put16(h, 11);
	put16(h, 0xff01), put16(h, 1), put8(h, 0);
	put16(h, 0x000b), put16(h, 2), put8(h, 1), put8(h, 0);
	put_hs(out, 2, h);
}

/* A Certificate message (RFC 5246 §7.4.2): the leaf, then more certificates. */
static void
make_certificate(struct buf *out, const uint8_t *const *certs, const size_t *lens, int n)
{
	struct buf *body = &scratch[3];
	size_t total = 0;

	for (int i = 0; i < n; i++)
		total += 3 + lens[i];
	body->n = 0;
	put24(body, (unsigned)total);
	for (int i = 0; i < n; i++) {
		put24(body, (unsigned)lens[i]);
		put(body, certs[i], lens[i]);
	}
	put_hs(out, 11, body);
}

static void
make_done(struct buf *out)
{
	put8(out, 14);
	put24(out, 0);
}

static void
assert_names(const struct dp_tls_server *s, const char *const *want, unsigned n)
{
	cr_assert_eq(s->nnames, n, "%u names, want %u", s->nnames, n);
	for (unsigned i = 0; i < n; i++)
		cr_assert_str_eq(s->names[i], want[i], "name %u", i);
}

static void
assert_same_server(const struct dp_tls_server *a, const struct dp_tls_server *b, size_t at)
{
	cr_assert_eq(a->version, b->version, "at %zu", at);
	cr_assert_eq(a->cipher, b->cipher, "at %zu", at);
	cr_assert_eq(a->nnames, b->nnames, "at %zu", at);
	for (unsigned i = 0; i < a->nnames; i++)
		cr_assert_str_eq(a->names[i], b->names[i], "at %zu", at);
}

Test(tls, rfc8448_server_hello)
{
	static struct buf rec;
	uint8_t m[128];
	struct dp_tls_server s;
	size_t n = unhex(rfc8448_server_hello, m, sizeof(m));

	/* {server} send handshake record, then the middlebox-compatible change_cipher_spec
	 * and the encrypted flight (RFC 8446 §5, Appendix D.4) */
	put_records(&rec, m, n, 16384);
	size_t sh = rec.n;
	put8(&rec, 0x14), put16(&rec, 0x0303), put16(&rec, 1), put8(&rec, 1);
	put8(&rec, 0x17), put16(&rec, 0x0303), put16(&rec, 0x0290);
	for (size_t k = 0; k < sh; k++)
		cr_assert_eq(server(rec.b, k, &s), DP_PARSE_MORE, "cut at %zu", k);
	for (size_t k = sh; k <= rec.n; k++) {
		cr_assert_eq(server(rec.b, k, &s), DP_PARSE_OK, "at %zu", k);
		cr_assert_eq(s.version, 0x0304, "supported_versions, not legacy_version");
		cr_assert_eq(s.cipher, 0x1301);
		cr_assert_eq(s.nnames, 0);
	}
}

/* TLS 1.2 flights: ServerHello, Certificate (leaf and a CA), ServerHelloDone. */
static void
flight12(struct buf *out, const uint8_t *leaf, size_t leaf_len, size_t record_max)
{
	static struct buf hs;
	uint8_t ca[432];
	size_t ca_len = unhex(rfc8448_cert, ca, sizeof(ca));
	const uint8_t *certs[2] = { leaf, ca };
	size_t lens[2] = { leaf_len, ca_len };

	hs.n = 0;
	make_server_hello(&hs, 0x0303);
	make_certificate(&hs, certs, lens, 2);
	make_done(&hs);
	out->n = 0;
	put_records(out, hs.b, hs.n, record_max);
}

Test(tls, tls12_certificate_names)
{
	static struct buf rec;
	static const char *const want[] = { "www.example.com", "example.com", "www.example.com",
					    "*.example.net" };
	uint8_t leaf[600];
	struct dp_tls_server s;
	size_t n = unhex(openssl_leaf, leaf, sizeof(leaf));

	/* the vector is a certificate, with the names openssl reports */
	const uint8_t *q = leaf;
	X509 *x = d2i_X509(NULL, &q, (long)n);
	cr_assert_not_null(x);
	cr_assert_eq(q, leaf + n);
	X509_free(x);

	/* the whole flight in one record */
	flight12(&rec, leaf, n, 16384);
	cr_assert_eq(server(rec.b, rec.n, &s), DP_PARSE_OK);
	cr_assert_eq(s.version, 0x0303);
	cr_assert_eq(s.cipher, 0xc02f);
	/* subject CN first, then the dNSNames in order; not the issuer's CN, not the IP */
	assert_names(&s, want, 4);
}

Test(tls, tls12_flight_cut_anywhere)
{
	static struct buf rec;
	static const size_t sizes[] = { 16384, 7, 100, 512 };
	uint8_t leaf[600];
	struct dp_tls_server full, s;
	size_t n = unhex(openssl_leaf, leaf, sizeof(leaf));

	flight12(&rec, leaf, n, 16384);
	cr_assert_eq(server(rec.b, rec.n, &full), DP_PARSE_OK);
	cr_assert_eq(full.nnames, 4);
	/* The Certificate message ends 4 bytes (ServerHelloDone) before the handshake
	 * bytes do: until then MORE, after it the same answer. */
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		flight12(&rec, leaf, n, sizes[i]);
		bool ok = false;
		for (size_t k = 0; k <= rec.n; k++) {
			enum dp_parse r = server(rec.b, k, &s);
			if (ok) {
				cr_assert_eq(r, DP_PARSE_OK, "records of %zu, cut at %zu", sizes[i],
					     k);
			} else if (r == DP_PARSE_OK) {
				ok = true;
			} else {
				cr_assert_eq(r, DP_PARSE_MORE, "records of %zu, cut at %zu",
					     sizes[i], k);
			}
			if (r == DP_PARSE_OK)
				assert_same_server(&s, &full, k);
		}
		cr_assert(ok);
	}
}

Test(tls, tls12_server_hello_alone_in_its_record)
{
	static struct buf hs, rec;
	uint8_t leaf[600];
	struct dp_tls_server s;
	size_t n = unhex(openssl_leaf, leaf, sizeof(leaf));
	const uint8_t *certs[1] = { leaf };

	/* OpenSSL writes each handshake message in its own record; a segment may end
	 * right after the ServerHello's. The Certificate is still to come: not OK yet. */
	hs.n = 0;
	make_server_hello(&hs, 0x0303);
	rec.n = 0;
	put_records(&rec, hs.b, hs.n, 16384);
	size_t sh = rec.n;
	hs.n = 0;
	make_certificate(&hs, certs, &n, 1);
	put_records(&rec, hs.b, hs.n, 16384);
	size_t cert = rec.n;
	hs.n = 0;
	make_done(&hs);
	put_records(&rec, hs.b, hs.n, 16384);

	cr_assert_eq(server(rec.b, sh, &s), DP_PARSE_MORE);
	cr_assert_eq(server(rec.b, sh + 5, &s), DP_PARSE_MORE);
	cr_assert_eq(server(rec.b, cert - 1, &s), DP_PARSE_MORE);
	cr_assert_eq(server(rec.b, cert, &s), DP_PARSE_OK);
	cr_assert_eq(s.nnames, 4);
	cr_assert_eq(server(rec.b, rec.n, &s), DP_PARSE_OK);
	cr_assert_eq(s.nnames, 4);
}

Test(tls, tls12_without_certificate)
{
	static struct buf hs, rec;
	struct dp_tls_server s;

	/* Anonymous or PSK suites: ServerHello, ServerKeyExchange, ServerHelloDone */
	make_server_hello(&hs, 0x0303);
	put8(&hs, 12), put24(&hs, 3), put8(&hs, 3), put16(&hs, 0x001d);
	make_done(&hs);
	put_records(&rec, hs.b, hs.n, 16384);
	for (size_t k = 0; k < rec.n; k++)
		cr_assert_eq(server(rec.b, k, &s), DP_PARSE_MORE, "cut at %zu", k);
	cr_assert_eq(server(rec.b, rec.n, &s), DP_PARSE_OK);
	cr_assert_eq(s.nnames, 0);
	cr_assert_eq(s.cipher, 0xc02f);

	/* Session resumption (RFC 5246 §7.3, abbreviated handshake): ServerHello, then
	 * change_cipher_spec and the encrypted Finished. No certificate is coming. */
	hs.n = rec.n = 0;
	make_server_hello(&hs, 0x0303);
	put_records(&rec, hs.b, hs.n, 16384);
	size_t sh = rec.n;
	put8(&rec, 0x14), put16(&rec, 0x0303), put16(&rec, 1), put8(&rec, 1);
	put8(&rec, 0x16), put16(&rec, 0x0303), put16(&rec, 40);
	for (int i = 0; i < 40; i++)
		put8(&rec, 0xe0);
	cr_assert_eq(server(rec.b, sh, &s), DP_PARSE_MORE);
	for (size_t k = sh + 5; k <= rec.n; k++) {
		cr_assert_eq(server(rec.b, k, &s), DP_PARSE_OK, "at %zu", k);
		cr_assert_eq(s.nnames, 0);
		cr_assert_eq(s.version, 0x0303);
	}
}

/* ---- certificates built here ---- */

struct der {
	uint8_t b[4096];
	size_t n;
};

static void
der_raw(struct der *d, const void *p, size_t n)
{
	if (n == 0)
		return;
	cr_assert_leq(d->n + n, sizeof(d->b));
	memcpy(d->b + d->n, p, n);
	d->n += n;
}

/* Append tag, DER length (short or long form) and content. */
static void
der_tlv(struct der *d, unsigned tag, const void *content, size_t n)
{
	uint8_t h[5];
	size_t k = 0;

	h[k++] = (uint8_t)tag;
	if (n < 0x80) {
		h[k++] = (uint8_t)n;
	} else if (n < 0x100) {
		h[k++] = 0x81, h[k++] = (uint8_t)n;
	} else {
		h[k++] = 0x82, h[k++] = (uint8_t)(n >> 8), h[k++] = (uint8_t)n;
	}
	der_raw(d, h, k);
	der_raw(d, content, n);
}

static void
der_wrap(struct der *d, unsigned tag, const struct der *in)
{
	der_tlv(d, tag, in->b, in->n);
}

static const uint8_t oid_cn[] = { 0x55, 0x04, 0x03 };
static const uint8_t oid_o[] = { 0x55, 0x04, 0x0a };
static const uint8_t oid_san[] = { 0x55, 0x1d, 0x11 };
static const uint8_t oid_bc[] = { 0x55, 0x1d, 0x13 };
static const uint8_t oid_ecdsa_sha256[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
static const uint8_t oid_ec_key[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
static const uint8_t oid_p256[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };

/* RDNSequence (RFC 5280 §4.1.2.4) of one attribute per RDN: oids[i] = values[i]. */
static void
der_name(struct der *d, const uint8_t *const *oids, const char *const *values, int n)
{
	struct der seq = { .n = 0 };

	for (int i = 0; i < n; i++) {
		struct der atv = { .n = 0 }, tmp = { .n = 0 }, set = { .n = 0 };
		der_tlv(&tmp, 0x06, oids[i], 3);
		der_tlv(&tmp, 0x0c, values[i], strlen(values[i])); /* UTF8String */
		der_wrap(&atv, 0x30, &tmp);
		der_wrap(&set, 0x31, &atv);
		der_raw(&seq, set.b, set.n);
	}
	der_wrap(d, 0x30, &seq);
}

struct cert_spec {
	const char *cn[2];  /* subject CNs (one RDN each) */
	const char *san[8]; /* dNSNames; "ip:" entries become iPAddress */
	bool critical;      /* the SAN extension marked critical */
	bool san_first;     /* SAN before basicConstraints */
};

/* A certificate (RFC 5280 §4.1) of the given names, signed by nobody. */
static void
make_cert(struct der *out, const struct cert_spec *c)
{
	struct der tbs = { .n = 0 }, t = { .n = 0 }, u = { .n = 0 };
	static const uint8_t two = 2, serial[] = { 0x0b, 0xad };
	static const char *const issuer[] = { "Example", "Issuing CA" };
	const uint8_t *oids[3] = { oid_o, oid_cn, oid_cn };
	const char *vals[3] = { "Example" };

	/* version [0] EXPLICIT INTEGER 2 (v3) */
	der_tlv(&t, 0x02, &two, 1);
	der_wrap(&tbs, 0xa0, &t);
	der_tlv(&tbs, 0x02, serial, sizeof(serial));
	t.n = 0;
	der_tlv(&t, 0x06, oid_ecdsa_sha256, sizeof(oid_ecdsa_sha256));
	der_wrap(&tbs, 0x30, &t);
	const uint8_t *ioids[2] = { oid_o, oid_cn };
	der_name(&tbs, ioids, issuer, 2);
	t.n = 0;
	der_tlv(&t, 0x17, "250101000000Z", 13);
	der_tlv(&t, 0x17, "350101000000Z", 13);
	der_wrap(&tbs, 0x30, &t);
	int nn = 1;
	for (int i = 0; i < 2 && c->cn[i] != NULL; i++)
		vals[nn++] = c->cn[i];
	der_name(&tbs, oids, vals, nn);
	/* subjectPublicKeyInfo: the openssl leaf's P-256 key */
	uint8_t leaf[600], point[66];
	unhex(openssl_leaf, leaf, sizeof(leaf));
	point[0] = 0;
	memcpy(point + 1, leaf + 0xc0, 65);
	cr_assert_eq(point[1], 0x04);
	t.n = u.n = 0;
	der_tlv(&u, 0x06, oid_ec_key, sizeof(oid_ec_key));
	der_tlv(&u, 0x06, oid_p256, sizeof(oid_p256));
	der_wrap(&t, 0x30, &u);
	der_tlv(&t, 0x03, point, sizeof(point));
	der_wrap(&tbs, 0x30, &t);
	/* extensions [3] EXPLICIT SEQUENCE OF Extension */
	struct der exts = { .n = 0 }, san = { .n = 0 }, gn = { .n = 0 }, ext = { .n = 0 },
		   bc = { .n = 0 };
	for (int i = 0; i < 8 && c->san[i] != NULL; i++) {
		if (strncmp(c->san[i], "ip:", 3) == 0)
			der_tlv(&gn, 0x87, "\xc0\x00\x02\x01", 4);
		else
			der_tlv(&gn, 0x82, c->san[i], strlen(c->san[i]));
	}
	t.n = 0;
	der_wrap(&t, 0x30, &gn);
	der_tlv(&san, 0x06, oid_san, sizeof(oid_san));
	if (c->critical)
		der_tlv(&san, 0x01, "\xff", 1);
	der_wrap(&san, 0x04, &t);
	t.n = 0;
	der_tlv(&t, 0x30, NULL, 0); /* BasicConstraints: cA FALSE (default) */
	der_tlv(&bc, 0x06, oid_bc, sizeof(oid_bc));
	der_wrap(&bc, 0x04, &t);
	if (c->san_first)
		der_wrap(&ext, 0x30, &san);
	der_wrap(&ext, 0x30, &bc);
	if (!c->san_first)
		der_wrap(&ext, 0x30, &san);
	der_wrap(&exts, 0x30, &ext);
	der_wrap(&tbs, 0xa3, &exts);

	struct der cert = { .n = 0 };
	der_wrap(&cert, 0x30, &tbs);
	t.n = 0;
	der_tlv(&t, 0x06, oid_ecdsa_sha256, sizeof(oid_ecdsa_sha256));
	der_wrap(&cert, 0x30, &t);
	uint8_t sig[9] = { 0, 0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01 };
	der_tlv(&cert, 0x03, sig, sizeof(sig));
	out->n = 0;
	der_wrap(out, 0x30, &cert);

	/* OpenSSL reads it as a certificate with these names */
	const uint8_t *q = out->b;
	X509 *x = d2i_X509(NULL, &q, (long)out->n);
	cr_assert_not_null(x, "OpenSSL does not parse the built certificate");
	cr_assert_eq(q, out->b + out->n);
	char cn[512];
	if (c->cn[0] != NULL) {
		cr_assert_gt(X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
						       sizeof(cn)),
			     0);
		cr_assert_str_eq(cn, c->cn[0]);
	}
	GENERAL_NAMES *g = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	cr_assert_not_null(g);
	int k = 0;
	while (k < 8 && c->san[k] != NULL)
		k++;
	cr_assert_eq(sk_GENERAL_NAME_num(g), k);
	GENERAL_NAMES_free(g);
	X509_free(x);
}

static enum dp_parse
flight_with(const struct der *leaf, struct dp_tls_server *s)
{
	static struct buf rec;
	flight12(&rec, leaf->b, leaf->n, 16384);
	return server(rec.b, rec.n, s);
}

Test(tls, built_certificates)
{
	static struct der c;
	struct dp_tls_server s;

	/* one CN, SAN after basicConstraints, an iPAddress among the dNSNames */
	struct cert_spec a = { .cn = { "cn.example" }, .san = { "a.example", "ip:", "b.example" } };
	make_cert(&c, &a);
	cr_assert_eq(flight_with(&c, &s), DP_PARSE_OK);
	static const char *const wa[] = { "cn.example", "a.example", "b.example" };
	assert_names(&s, wa, 3);

	/* the SAN extension marked critical (the BOOLEAN before extnValue), and first */
	struct cert_spec b = {
		.cn = { "cn.example" }, .san = { "a.example" }, .critical = true, .san_first = true
	};
	make_cert(&c, &b);
	cr_assert_eq(flight_with(&c, &s), DP_PARSE_OK);
	static const char *const wb[] = { "cn.example", "a.example" };
	assert_names(&s, wb, 2);

	/* no CN (modern certificates): the dNSNames alone */
	struct cert_spec d = { .san = { "only.example" } };
	make_cert(&c, &d);
	cr_assert_eq(flight_with(&c, &s), DP_PARSE_OK);
	static const char *const wd[] = { "only.example" };
	assert_names(&s, wd, 1);

	/* two CN attributes, then more dNSNames than are kept: the first four names */
	struct cert_spec e = { .cn = { "one.example", "two.example" },
			       .san = { "s1.example", "s2.example", "s3.example", "s4.example",
					"s5.example", "s6.example" } };
	make_cert(&c, &e);
	cr_assert_eq(flight_with(&c, &s), DP_PARSE_OK);
	static const char *const we[] = { "one.example", "two.example", "s1.example",
					  "s2.example" };
	assert_names(&s, we, DP_TLS_CERT_NAMES);

	/* names with control bytes, and longer than a name's room */
	char longname[300];
	memset(longname, 'l', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	struct cert_spec f = { .cn = { "bad\x01name" }, .san = { longname } };
	make_cert(&c, &f);
	cr_assert_eq(flight_with(&c, &s), DP_PARSE_OK);
	cr_assert_eq(s.nnames, 2);
	cr_assert_str_eq(s.names[0], "bad?name");
	cr_assert_eq(strlen(s.names[1]), DP_NAME_MAX - 1);
}

Test(tls, hostile_certificates)
{
	static struct der c;
	static struct buf rec;
	struct dp_tls_server s;
	struct cert_spec a = { .cn = { "cn.example" }, .san = { "a.example", "b.example" } };

	make_cert(&c, &a);
	/* Every byte of the certificate set to each of a few hostile values: the parse
	 * ends (OK: the Certificate message is whole), names stay bounded, and nothing
	 * is read past the certificate (checked by ASan on the exact copy). */
	static const uint8_t vals[] = { 0x00, 0x7f, 0x80, 0x81, 0x84, 0xff };
	for (size_t i = 0; i < c.n; i++) {
		for (size_t v = 0; v < sizeof(vals); v++) {
			struct der m = c;
			m.b[i] = vals[v];
			flight12(&rec, m.b, m.n, 16384);
			cr_assert_eq(server(rec.b, rec.n, &s), DP_PARSE_OK, "byte %zu = %02x", i,
				     vals[v]);
			cr_assert_leq(s.nnames, DP_TLS_CERT_NAMES);
			for (unsigned k = 0; k < s.nnames; k++)
				cr_assert_not_null(memchr(s.names[k], 0, DP_NAME_MAX));
		}
	}
	/* the certificate cut short inside its own length (the Certificate message says
	 * fewer bytes than the DER does) */
	for (size_t k = 0; k < c.n; k += 13) {
		flight12(&rec, c.b, k, 16384);
		cr_assert_eq(server(rec.b, rec.n, &s), DP_PARSE_OK, "cert of %zu bytes", k);
		cr_assert_eq(s.nnames, 0, "no name is read from %zu bytes of DER", k);
	}
}

Test(tls, hostile_server_flights)
{
	static struct buf hs, rec;
	uint8_t m[128];
	struct dp_tls_server s;
	size_t n = unhex(rfc8448_server_hello, m, sizeof(m));

	/* a ClientHello is not the server's first message */
	uint8_t ch[256];
	size_t chn = unhex(rfc8448_client_hello, ch, sizeof(ch));
	rec.n = 0;
	put_records(&rec, ch, chn, 16384);
	cr_assert_eq(server(rec.b, rec.n, &s), DP_PARSE_NO);
	/* a Certificate before any ServerHello */
	uint8_t leaf[600];
	size_t ln = unhex(openssl_leaf, leaf, sizeof(leaf));
	const uint8_t *certs[1] = { leaf };
	hs.n = rec.n = 0;
	make_certificate(&hs, certs, &ln, 1);
	put_records(&rec, hs.b, hs.n, 16384);
	cr_assert_eq(server(rec.b, rec.n, &s), DP_PARSE_NO);
	/* ServerHello with version 2.0, or a body shorter than its fields */
	memcpy(ch, m, n);
	ch[4] = 2;
	rec.n = 0;
	put_records(&rec, ch, n, 16384);
	cr_assert_eq(server(rec.b, rec.n, &s), DP_PARSE_NO);
	memcpy(ch, m, n);
	ch[3] = 30; /* the body ends inside the random */
	rec.n = 0;
	put_records(&rec, ch, n, 16384);
	cr_assert_eq(server(rec.b, rec.n, &s), DP_PARSE_NO);
	memcpy(ch, m, n);
	ch[38] = 0xff; /* session id past the body */
	rec.n = 0;
	put_records(&rec, ch, n, 16384);
	cr_assert_eq(server(rec.b, rec.n, &s), DP_PARSE_NO);
	/* a handshake length over the limit */
	memcpy(ch, m, n);
	ch[1] = 0x01;
	rec.n = 0;
	put_records(&rec, ch, n, 16384);
	cr_assert_eq(server(rec.b, rec.n, &s), DP_PARSE_NO);
	/* extensions past the body: the hello stands, without them */
	memcpy(ch, m, n);
	ch[4 + 2 + 32 + 1 + 2 + 1] = 0xff;
	rec.n = 0;
	put_records(&rec, ch, n, 16384);
	cr_assert_eq(server(rec.b, rec.n, &s), DP_PARSE_MORE);
	/* a whole flight, then something that is not a record: the certificate's names
	 * stand (found by fuzz_tls: the answer was NO once those bytes had come) */
	uint8_t leaf2[600];
	size_t ln2 = unhex(openssl_leaf, leaf2, sizeof(leaf2));
	flight12(&rec, leaf2, ln2, 16384);
	struct dp_tls_server full;
	cr_assert_eq(server(rec.b, rec.n, &full), DP_PARSE_OK);
	put8(&rec, 0x16), put16(&rec, 0x0303), put16(&rec, 0xffff);
	cr_assert_eq(server(rec.b, rec.n, &s), DP_PARSE_OK);
	assert_same_server(&s, &full, rec.n);
	/* record lengths */
	rec.n = 0;
	put8(&rec, 0x16), put16(&rec, 0x0303), put16(&rec, 0);
	cr_assert_eq(server(rec.b, rec.n, &s), DP_PARSE_NO);
	rec.b[3] = 0xff, rec.b[4] = 0xff;
	cr_assert_eq(server(rec.b, rec.n, &s), DP_PARSE_NO);
	cr_assert_eq(server((const uint8_t *)"HTTP/1.1 200 OK\r\n", 17, &s), DP_PARSE_NO);
	cr_assert_eq(server((const uint8_t *)"\x16", 1, &s), DP_PARSE_MORE);
}

Test(tls, certificate_message_larger_than_accepted)
{
	static struct buf hs, rec;
	static uint8_t big[20000];
	uint8_t leaf[600];
	struct dp_tls_server s;
	size_t n = unhex(openssl_leaf, leaf, sizeof(leaf));
	const uint8_t *certs[2] = { leaf, big };
	size_t lens[2] = { n, sizeof(big) };

	/* A chain larger than what is gathered (a Certificate message over 16 KiB): the
	 * leaf comes first and is read as soon as it is all there. */
	memset(big, 0x30, sizeof(big));
	make_server_hello(&hs, 0x0303);
	size_t leaf_end = 5 + hs.n + 4 + 3 + 3 + n;
	make_certificate(&hs, certs, lens, 2);
	make_done(&hs);
	put_records(&rec, hs.b, hs.n, 16384);
	for (size_t k = 0; k <= rec.n; k += k < leaf_end + 10 ? 1 : 1021) {
		enum dp_parse r = server(rec.b, k, &s);
		cr_assert_eq(r, k < leaf_end ? DP_PARSE_MORE : DP_PARSE_OK, "at %zu", k);
		cr_assert_eq(s.nnames, k < leaf_end ? 0 : 4, "at %zu", k);
	}
	cr_assert_eq(server(rec.b, rec.n, &s), DP_PARSE_OK);
	cr_assert_str_eq(s.names[0], "www.example.com");

	/* The same with a leaf that is not a certificate: once as much as is gathered has
	 * arrived, the answer is OK without names (not MORE for ever). */
	memset(leaf, 0x04, n);
	hs.n = rec.n = 0;
	make_server_hello(&hs, 0x0303);
	lens[0] = 17000;
	certs[0] = big;
	make_certificate(&hs, certs, lens, 2);
	put_records(&rec, hs.b, hs.n, 16384);
	cr_assert_eq(server(rec.b, 16384 + 5 - 1, &s), DP_PARSE_MORE);
	cr_assert_eq(server(rec.b, 16384 + 5, &s), DP_PARSE_OK);
	cr_assert_eq(s.nnames, 0);
}
