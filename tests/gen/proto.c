/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Protocol messages for test traffic (see proto.h). Each builder follows the section of the
 * specification named beside it; lengths are always computed, never written by hand, so a
 * message is well-formed whatever its contents. Certificates are structurally valid DER
 * (RFC 5280 §4.1) with filler keys and signatures.
 */
#include "proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

/* ---- message buffer ---- */

void
gen_msg_put(struct gen_msg *m, const void *d, size_t n)
{
	if (n > sizeof(m->b) - m->n) {
		fprintf(stderr, "bwgen: message larger than %d bytes\n", GEN_MSG_MAX);
		abort();
	}
	if (n > 0)
		memcpy(m->b + m->n, d, n);
	m->n += n;
}

void
gen_msg_str(struct gen_msg *m, const char *s)
{
	gen_msg_put(m, s, strlen(s));
}

void
gen_msg_u8(struct gen_msg *m, unsigned v)
{
	uint8_t x = (uint8_t)v;
	gen_msg_put(m, &x, 1);
}

void
gen_msg_u16(struct gen_msg *m, unsigned v)
{
	gen_msg_u8(m, v >> 8);
	gen_msg_u8(m, v);
}

void
gen_msg_u24(struct gen_msg *m, uint32_t v)
{
	gen_msg_u8(m, v >> 16);
	gen_msg_u16(m, v & 0xffff);
}

void
gen_msg_u32(struct gen_msg *m, uint32_t v)
{
	gen_msg_u16(m, v >> 16);
	gen_msg_u16(m, v & 0xffff);
}

void
gen_msg_fill(struct gen_msg *m, unsigned v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		gen_msg_u8(m, v);
}

void
gen_msg_rand(struct gen_msg *m, struct gen_rng *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		gen_msg_u8(m, (unsigned)gen_rand(r));
}

size_t
gen_msg_open(struct gen_msg *m, unsigned width)
{
	size_t at = m->n;
	gen_msg_fill(m, 0, width);
	return at;
}

void
gen_msg_close(struct gen_msg *m, size_t at, unsigned width)
{
	size_t len = m->n - at - width;
	for (unsigned i = 0; i < width; i++)
		m->b[at + i] = (uint8_t)(len >> (8 * (width - 1 - i)));
}

/* ---- TLS (RFC 8446 §4.1.2, §4.2; RFC 5246 §7.4) ---- */

static void
ext_begin(struct gen_msg *m, unsigned type, size_t *at)
{
	gen_msg_u16(m, type);
	*at = gen_msg_open(m, 2);
}

static void
hello_body(struct gen_msg *m, const struct gen_hello *h, struct gen_rng *r)
{
	/* TLS 1.3 suites first, then TLS 1.2 ECDHE and RSA suites, as browsers offer them */
	static const uint16_t tcp_suites[] = { 0x1301, 0x1303, 0x1302, 0xc02b, 0xc02f,
					       0xcca9, 0xcca8, 0xc02c, 0xc030, 0xc013,
					       0xc014, 0x009c, 0x009d, 0x002f, 0x0035 };
	static const uint16_t quic_suites[] = { 0x1301, 0x1302, 0x1303 };
	static const uint16_t sigalgs[] = { 0x0403, 0x0804, 0x0401, 0x0503,
					    0x0805, 0x0501, 0x0806, 0x0601 };
	const uint16_t *suites = h->quic ? quic_suites : tcp_suites;
	size_t nsuites = h->quic ? 3 : sizeof(tcp_suites) / sizeof(tcp_suites[0]);
	size_t at, at2, at3, exts;

	gen_msg_u16(m, 0x0303); /* legacy_version */
	gen_msg_rand(m, r, 32);
	if (h->quic) {
		gen_msg_u8(m, 0); /* RFC 9001 §8.4: no middlebox compatibility session id */
	} else {
		gen_msg_u8(m, 32);
		gen_msg_rand(m, r, 32);
	}
	gen_msg_u16(m, (unsigned)(2 * nsuites));
	for (size_t i = 0; i < nsuites; i++)
		gen_msg_u16(m, suites[i]);
	gen_msg_u8(m, 1); /* compression methods: null */
	gen_msg_u8(m, 0);
	exts = gen_msg_open(m, 2);
	if (h->sni != NULL) { /* server_name, RFC 6066 §3 */
		ext_begin(m, 0, &at);
		at2 = gen_msg_open(m, 2);
		gen_msg_u8(m, 0); /* host_name */
		at3 = gen_msg_open(m, 2);
		gen_msg_str(m, h->sni);
		gen_msg_close(m, at3, 2);
		gen_msg_close(m, at2, 2);
		gen_msg_close(m, at, 2);
	}
	ext_begin(m, 23, &at); /* extended_master_secret, RFC 7627 */
	gen_msg_close(m, at, 2);
	if (!h->quic) {
		ext_begin(m, 0xff01, &at); /* renegotiation_info, RFC 5746 */
		gen_msg_u8(m, 0);
		gen_msg_close(m, at, 2);
	}
	ext_begin(m, 10, &at); /* supported_groups: x25519, secp256r1, secp384r1 */
	gen_msg_u16(m, 6);
	gen_msg_u16(m, 0x001d);
	gen_msg_u16(m, 0x0017);
	gen_msg_u16(m, 0x0018);
	gen_msg_close(m, at, 2);
	if (!h->quic) {
		ext_begin(m, 11, &at); /* ec_point_formats: uncompressed */
		gen_msg_u8(m, 1);
		gen_msg_u8(m, 0);
		gen_msg_close(m, at, 2);
		ext_begin(m, 35, &at); /* session_ticket, RFC 5077 */
		gen_msg_close(m, at, 2);
	}
	if (h->alpn != NULL) { /* application_layer_protocol_negotiation, RFC 7301 */
		ext_begin(m, 16, &at);
		at2 = gen_msg_open(m, 2);
		at3 = gen_msg_open(m, 1);
		gen_msg_str(m, h->alpn);
		gen_msg_close(m, at3, 1);
		gen_msg_close(m, at2, 2);
		gen_msg_close(m, at, 2);
	}
	ext_begin(m, 5, &at); /* status_request: OCSP, no responder ids or extensions */
	gen_msg_u8(m, 1);
	gen_msg_u16(m, 0);
	gen_msg_u16(m, 0);
	gen_msg_close(m, at, 2);
	ext_begin(m, 13, &at); /* signature_algorithms */
	gen_msg_u16(m, (unsigned)sizeof(sigalgs));
	for (size_t i = 0; i < sizeof(sigalgs) / sizeof(sigalgs[0]); i++)
		gen_msg_u16(m, sigalgs[i]);
	gen_msg_close(m, at, 2);
	ext_begin(m, 51, &at); /* key_share: one X25519 share */
	gen_msg_u16(m, 36);
	gen_msg_u16(m, 0x001d);
	gen_msg_u16(m, 32);
	gen_msg_rand(m, r, 32);
	gen_msg_close(m, at, 2);
	ext_begin(m, 45, &at); /* psk_key_exchange_modes: psk_dhe_ke */
	gen_msg_u8(m, 1);
	gen_msg_u8(m, 1);
	gen_msg_close(m, at, 2);
	ext_begin(m, 43, &at); /* supported_versions */
	if (h->quic) {
		gen_msg_u8(m, 2);
		gen_msg_u16(m, 0x0304);
	} else {
		gen_msg_u8(m, 4);
		gen_msg_u16(m, 0x0304);
		gen_msg_u16(m, 0x0303);
	}
	gen_msg_close(m, at, 2);
	if (h->quic) {
		/* quic_transport_parameters (RFC 9000 §18.2): max_idle_timeout 30000,
		 * initial_max_data 15 MB, initial_max_streams_bidi 100,
		 * initial_source_connection_id (8 bytes) */
		static const uint8_t tp[] = { 0x01, 0x04, 0x80, 0x00, 0x75, 0x30, 0x04, 0x04,
					      0x80, 0xf0, 0x00, 0x00, 0x08, 0x02, 0x40, 0x64 };
		ext_begin(m, 0x39, &at);
		gen_msg_put(m, tp, sizeof(tp));
		gen_msg_u8(m, 0x0f);
		gen_msg_u8(m, 8);
		gen_msg_rand(m, r, 8);
		gen_msg_close(m, at, 2);
	}
	gen_msg_close(m, exts, 2);
}

void
gen_tls_hello_msg(struct gen_msg *m, const struct gen_hello *h, struct gen_rng *r)
{
	gen_msg_u8(m, 1); /* client_hello */
	size_t at = gen_msg_open(m, 3);
	hello_body(m, h, r);
	gen_msg_close(m, at, 3);
}

void
gen_tls_client_hello(struct gen_msg *m, const struct gen_hello *h, struct gen_rng *r)
{
	gen_msg_u8(m, 0x16); /* handshake record, legacy_record_version 0x0301 */
	gen_msg_u16(m, 0x0301);
	size_t at = gen_msg_open(m, 2);
	gen_tls_hello_msg(m, h, r);
	gen_msg_close(m, at, 2);
}

void
gen_tls13_server_flight(struct gen_msg *m, struct gen_rng *r)
{
	size_t rec, hs, ext, at;

	gen_msg_u8(m, 0x16);
	gen_msg_u16(m, 0x0303);
	rec = gen_msg_open(m, 2);
	gen_msg_u8(m, 2); /* server_hello */
	hs = gen_msg_open(m, 3);
	gen_msg_u16(m, 0x0303);
	gen_msg_rand(m, r, 32);
	gen_msg_u8(m, 32); /* legacy_session_id_echo */
	gen_msg_rand(m, r, 32);
	gen_msg_u16(m, 0x1301);
	gen_msg_u8(m, 0);
	ext = gen_msg_open(m, 2);
	gen_msg_u16(m, 43); /* supported_versions: TLS 1.3 */
	at = gen_msg_open(m, 2);
	gen_msg_u16(m, 0x0304);
	gen_msg_close(m, at, 2);
	gen_msg_u16(m, 51); /* key_share */
	at = gen_msg_open(m, 2);
	gen_msg_u16(m, 0x001d);
	gen_msg_u16(m, 32);
	gen_msg_rand(m, r, 32);
	gen_msg_close(m, at, 2);
	gen_msg_close(m, ext, 2);
	gen_msg_close(m, hs, 3);
	gen_msg_close(m, rec, 2);
	/* change_cipher_spec (RFC 8446 §D.4), then the encrypted rest of the flight */
	static const uint8_t ccs[] = { 0x14, 0x03, 0x03, 0x00, 0x01, 0x01 };
	gen_msg_put(m, ccs, sizeof(ccs));
	gen_msg_u8(m, 0x17);
	gen_msg_u16(m, 0x0303);
	rec = gen_msg_open(m, 2);
	gen_msg_rand(m, r, 900);
	gen_msg_close(m, rec, 2);
}

/* ---- DER (X.690) for a certificate (RFC 5280 §4.1) ---- */

static void
der(struct gen_msg *out, unsigned tag, const void *content, size_t n)
{
	gen_msg_u8(out, tag);
	if (n < 0x80) {
		gen_msg_u8(out, (unsigned)n);
	} else if (n < 0x100) {
		gen_msg_u8(out, 0x81);
		gen_msg_u8(out, (unsigned)n);
	} else {
		gen_msg_u8(out, 0x82);
		gen_msg_u16(out, (unsigned)n);
	}
	gen_msg_put(out, content, n);
}

static void
der_msg(struct gen_msg *out, unsigned tag, const struct gen_msg *content)
{
	der(out, tag, content->b, content->n);
}

/* AlgorithmIdentifier sha256WithRSAEncryption (1.2.840.113549.1.1.11), NULL parameters */
static void
der_sha256_rsa(struct gen_msg *out)
{
	static const uint8_t alg[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
				       0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00 };
	der(out, 0x30, alg, sizeof(alg));
}

/* RelativeDistinguishedName SET { AttributeTypeAndValue { id-at-<oid_last>, string } } */
static void
der_rdn(struct gen_msg *out, uint8_t oid_last, unsigned string_tag, const char *value)
{
	struct gen_msg atv = { .n = 0 }, set = { .n = 0 };
	const uint8_t oid[] = { 0x55, 0x04, oid_last };

	der(&atv, 0x06, oid, sizeof(oid));
	der(&atv, string_tag, value, strlen(value));
	der_msg(&set, 0x30, &atv);
	der_msg(out, 0x31, &set);
}

static void
der_name(struct gen_msg *out, const char *cn, const char *org)
{
	struct gen_msg rdns = { .n = 0 };

	der_rdn(&rdns, 0x06, 0x13, "DE"); /* countryName, PrintableString */
	if (org != NULL)
		der_rdn(&rdns, 0x0a, 0x0c, org); /* organizationName, UTF8String */
	der_rdn(&rdns, 0x03, 0x0c, cn);          /* commonName, UTF8String */
	der_msg(out, 0x30, &rdns);
}

static void
certificate(struct gen_msg *out, const char *cn, const char *org, const char *issuer,
	    const char *const *dns, unsigned ndns, struct gen_rng *r)
{
	static const uint8_t version[] = { 0x02, 0x01, 0x02 }; /* v3 */
	static const uint8_t rsa_alg[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
					   0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00 };
	static const uint8_t san_oid[] = { 0x06, 0x03, 0x55, 0x1d, 0x11 };
	static const char not_before[] = "250101000000Z", not_after[] = "270101000000Z";
	struct gen_msg tbs = { .n = 0 }, x = { .n = 0 }, y = { .n = 0 }, cert = { .n = 0 };

	der(&tbs, 0xa0, version, sizeof(version));
	x.n = 0;
	gen_msg_u8(&x, 0x01); /* a positive 16-byte serial number */
	gen_msg_rand(&x, r, 15);
	der_msg(&tbs, 0x02, &x);
	der_sha256_rsa(&tbs);
	der_name(&tbs, issuer, org);
	x.n = 0;
	der(&x, 0x17, not_before, strlen(not_before));
	der(&x, 0x17, not_after, strlen(not_after));
	der_msg(&tbs, 0x30, &x);
	der_name(&tbs, cn, org);
	/* subjectPublicKeyInfo: RSA, a 2048-bit filler modulus and e = 65537 */
	x.n = 0;
	gen_msg_u8(&x, 0x00);
	gen_msg_u8(&x, 0xc1);
	gen_msg_rand(&x, r, 255);
	y.n = 0;
	der_msg(&y, 0x02, &x);
	static const uint8_t e[] = { 0x02, 0x03, 0x01, 0x00, 0x01 };
	gen_msg_put(&y, e, sizeof(e));
	x.n = 0;
	der_msg(&x, 0x30, &y);
	y.n = 0;
	gen_msg_u8(&y, 0x00); /* BIT STRING: no unused bits */
	gen_msg_put(&y, x.b, x.n);
	x.n = 0;
	gen_msg_put(&x, rsa_alg, sizeof(rsa_alg));
	der_msg(&x, 0x03, &y);
	der_msg(&tbs, 0x30, &x);
	/* extensions: subjectAltName with dNSName entries ([2] IMPLICIT IA5String) */
	if (ndns > 0) {
		struct gen_msg names = { .n = 0 }, ext = { .n = 0 };
		for (unsigned i = 0; i < ndns; i++)
			der(&names, 0x82, dns[i], strlen(dns[i]));
		x.n = 0;
		der_msg(&x, 0x30, &names); /* GeneralNames */
		gen_msg_put(&ext, san_oid, sizeof(san_oid));
		der_msg(&ext, 0x04, &x); /* extnValue */
		y.n = 0;
		der_msg(&y, 0x30, &ext); /* Extension */
		x.n = 0;
		der_msg(&x, 0x30, &y); /* Extensions */
		der_msg(&tbs, 0xa3, &x);
	}
	der_msg(&cert, 0x30, &tbs);
	der_sha256_rsa(&cert);
	x.n = 0;
	gen_msg_u8(&x, 0x00);
	gen_msg_rand(&x, r, 256); /* signatureValue: filler */
	der_msg(&cert, 0x03, &x);
	der_msg(out, 0x30, &cert);
}

void
gen_tls12_server_flight(struct gen_msg *m, const char *cn, const char *org, const char *issuer,
			const char *const *dns, unsigned ndns, struct gen_rng *r)
{
	struct gen_msg cert = { .n = 0 };
	size_t rec, hs, ext, list, at;

	certificate(&cert, cn, org, issuer, dns, ndns, r);
	gen_msg_u8(m, 0x16);
	gen_msg_u16(m, 0x0303);
	rec = gen_msg_open(m, 2);
	gen_msg_u8(m, 2); /* server_hello (RFC 5246 §7.4.1.3) */
	hs = gen_msg_open(m, 3);
	gen_msg_u16(m, 0x0303);
	gen_msg_rand(m, r, 32);
	gen_msg_u8(m, 32);
	gen_msg_rand(m, r, 32);
	gen_msg_u16(m, 0x009c); /* TLS_RSA_WITH_AES_128_GCM_SHA256: no ServerKeyExchange */
	gen_msg_u8(m, 0);
	ext = gen_msg_open(m, 2);
	gen_msg_u16(m, 0xff01); /* renegotiation_info */
	gen_msg_u16(m, 1);
	gen_msg_u8(m, 0);
	gen_msg_u16(m, 23); /* extended_master_secret */
	gen_msg_u16(m, 0);
	gen_msg_close(m, ext, 2);
	gen_msg_close(m, hs, 3);
	gen_msg_u8(m, 11); /* certificate (RFC 5246 §7.4.2): the leaf only */
	hs = gen_msg_open(m, 3);
	list = gen_msg_open(m, 3);
	at = gen_msg_open(m, 3);
	gen_msg_put(m, cert.b, cert.n);
	gen_msg_close(m, at, 3);
	gen_msg_close(m, list, 3);
	gen_msg_close(m, hs, 3);
	gen_msg_u8(m, 14); /* server_hello_done */
	gen_msg_u24(m, 0);
	gen_msg_close(m, rec, 2);
}

/* ---- DNS (RFC 1035 §4.1) ---- */

void
gen_dns_query(struct gen_msg *m, uint16_t id, const char *name, uint16_t qtype)
{
	gen_msg_u16(m, id);
	gen_msg_u16(m, 0x0100); /* RD */
	gen_msg_u16(m, 1);      /* QDCOUNT */
	gen_msg_u16(m, 0);
	gen_msg_u16(m, 0);
	gen_msg_u16(m, 0);
	for (const char *p = name; *p;) {
		size_t l = strcspn(p, ".");
		gen_msg_u8(m, (unsigned)l);
		gen_msg_put(m, p, l);
		p += l;
		if (*p == '.')
			p++;
	}
	gen_msg_u8(m, 0);
	gen_msg_u16(m, qtype);
	gen_msg_u16(m, 1); /* IN */
}

void
gen_dns_answer_a(struct gen_msg *m, const uint8_t addr[4], uint32_t ttl)
{
	m->b[2] = 0x81; /* QR, RD */
	m->b[3] = 0x80; /* RA, NOERROR */
	m->b[6] = 0;
	m->b[7] = 1;            /* ANCOUNT */
	gen_msg_u16(m, 0xc00c); /* the question's name */
	gen_msg_u16(m, 1);      /* A */
	gen_msg_u16(m, 1);      /* IN */
	gen_msg_u32(m, ttl);
	gen_msg_u16(m, 4);
	gen_msg_put(m, addr, 4);
}

/* ---- STUN (RFC 8489 §5, §14; RFC 3489 §11.1) ---- */

#define STUN_COOKIE 0x2112a442u

void
gen_stun_begin(struct gen_msg *m, uint16_t type, bool cookie, struct gen_rng *r)
{
	m->n = 0;
	gen_msg_u16(m, type);
	gen_msg_u16(m, 0);
	if (cookie) {
		gen_msg_u32(m, STUN_COOKIE);
		gen_msg_rand(m, r, 12);
	} else {
		gen_msg_rand(m, r, 16);
	}
}

void
gen_stun_attr(struct gen_msg *m, uint16_t type, const void *v, size_t n)
{
	gen_msg_u16(m, type);
	gen_msg_u16(m, (unsigned)n);
	gen_msg_put(m, v, n);
	gen_msg_fill(m, 0, (4 - n % 4) % 4);
}

void
gen_stun_attr32(struct gen_msg *m, uint16_t type, uint32_t v)
{
	const uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
			       (uint8_t)v };
	gen_stun_attr(m, type, b, 4);
}

void
gen_stun_xor_addr(struct gen_msg *m, uint16_t type, const uint8_t ip[4], uint16_t port)
{
	uint8_t v[8] = { 0, 1 };
	uint16_t xp = (uint16_t)(port ^ (STUN_COOKIE >> 16));

	v[2] = (uint8_t)(xp >> 8);
	v[3] = (uint8_t)xp;
	for (int i = 0; i < 4; i++)
		v[4 + i] = (uint8_t)(ip[i] ^ (STUN_COOKIE >> (24 - 8 * i)));
	gen_stun_attr(m, type, v, sizeof(v));
}

void
gen_stun_end(struct gen_msg *m)
{
	size_t len = m->n - 20;
	m->b[2] = (uint8_t)(len >> 8);
	m->b[3] = (uint8_t)len;
}

/* ---- QUIC Initial (RFC 9000 §17.2.2, RFC 9001 §5) ---- */

static const uint8_t quic_v1_salt[20] = { 0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34,
					  0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8,
					  0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a };

static void
hmac_sha256(const uint8_t *key, size_t klen, const uint8_t *d, size_t n, uint8_t out[32])
{
	unsigned ol = 32;
	if (HMAC(EVP_sha256(), key, (int)klen, d, n, out, &ol) == NULL)
		abort();
}

/* HKDF-Expand-Label(secret, label, "", len) for len <= 32 (RFC 8446 §7.1): one block. */
static void
expand_label(const uint8_t secret[32], const char *label, uint8_t *out, size_t len)
{
	uint8_t info[64], t[32];
	size_t ll = strlen(label), n = 0;

	info[n++] = 0;
	info[n++] = (uint8_t)len;
	info[n++] = (uint8_t)(6 + ll);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, ll);
	n += ll;
	info[n++] = 0; /* empty context */
	info[n++] = 1; /* T(1) */
	hmac_sha256(secret, 32, info, n, t);
	memcpy(out, t, len);
}

static void
put_varint(struct gen_msg *m, uint64_t v)
{
	if (v < 64) {
		gen_msg_u8(m, (unsigned)v);
	} else if (v < 16384) {
		gen_msg_u16(m, (unsigned)(0x4000 | v));
	} else {
		gen_msg_u32(m, (uint32_t)(0x80000000u | v));
	}
}

size_t
gen_quic_initial(uint8_t *out, const uint8_t *dcid, size_t dcid_len, uint16_t pn, uint64_t off,
		 const uint8_t *crypto, size_t n)
{
	static const uint8_t scid[8] = { 'b', 'w', 'g', 'e', 'n', 0x51, 0x0c, 0x1d };
	uint8_t initial[32], secret[32], key[16], iv[12], hp[16], nonce[12], mask[16];
	struct gen_msg payload = { .n = 0 };
	size_t hl = 0;
	int ol, fl;

	if (dcid_len < 8 || dcid_len > 20)
		return 0;
	hmac_sha256(quic_v1_salt, sizeof(quic_v1_salt), dcid, dcid_len, initial);
	expand_label(initial, "client in", secret, 32);
	expand_label(secret, "quic key", key, 16);
	expand_label(secret, "quic iv", iv, 12);
	expand_label(secret, "quic hp", hp, 16);

	/* header: Initial, 2-byte packet number; version 1; connection ids; no token */
	size_t header = 1 + 4 + 1 + dcid_len + 1 + sizeof(scid) + 1 + 2 + 2;
	size_t plen = 1200 - header - 16;
	gen_msg_u8(&payload, 0x06); /* CRYPTO */
	put_varint(&payload, off);
	put_varint(&payload, n);
	if (payload.n + n > plen)
		return 0;
	gen_msg_put(&payload, crypto, n);
	gen_msg_fill(&payload, 0, plen - payload.n); /* PADDING */

	out[hl++] = 0xc1;
	out[hl++] = 0;
	out[hl++] = 0;
	out[hl++] = 0;
	out[hl++] = 1;
	out[hl++] = (uint8_t)dcid_len;
	memcpy(out + hl, dcid, dcid_len);
	hl += dcid_len;
	out[hl++] = sizeof(scid);
	memcpy(out + hl, scid, sizeof(scid));
	hl += sizeof(scid);
	out[hl++] = 0; /* token length */
	size_t length = 2 + plen + 16;
	out[hl++] = (uint8_t)(0x40 | length >> 8);
	out[hl++] = (uint8_t)length;
	size_t pn_off = hl;
	out[hl++] = (uint8_t)(pn >> 8);
	out[hl++] = (uint8_t)pn;

	/* AEAD_AES_128_GCM, nonce = iv XOR packet number, AAD = the header (§5.3) */
	memcpy(nonce, iv, sizeof(nonce));
	nonce[10] ^= (uint8_t)(pn >> 8);
	nonce[11] ^= (uint8_t)pn;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	if (c == NULL || EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, key, nonce) != 1 ||
	    EVP_EncryptUpdate(c, NULL, &ol, out, (int)hl) != 1 ||
	    EVP_EncryptUpdate(c, out + hl, &ol, payload.b, (int)plen) != 1 ||
	    EVP_EncryptFinal_ex(c, out + hl + ol, &fl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, out + hl + plen) != 1)
		abort();
	/* header protection (§5.4): AES-128-ECB of the sample 4 bytes after the packet
	 * number's start masks the low 4 bits of the first byte and the packet number */
	if (EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, hp, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(c, 0) != 1 ||
	    EVP_EncryptUpdate(c, mask, &ol, out + pn_off + 4, 16) != 1)
		abort();
	EVP_CIPHER_CTX_free(c);
	out[0] ^= mask[0] & 0x0f;
	out[pn_off] ^= mask[1];
	out[pn_off + 1] ^= mask[2];
	return hl + plen + 16;
}
