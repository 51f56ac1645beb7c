/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS handshake parsing.
 *
 * How: a cursor (pointer, remaining length) is advanced through the structure; every
 * length-prefixed field is checked against what remains before it is entered. Handshake
 * messages may be split across records (RFC 8446 §5.1), so the record layer is first
 * gathered into a small buffer of handshake bytes; a ClientHello is rarely larger than a few
 * KiB (16 KiB is the limit we accept).
 *
 * Certificates (TLS 1.2): only the leaf is read, with a minimal DER walker that follows the
 * TBSCertificate down to the subject's commonName and the subjectAltName extension's
 * dNSName entries (RFC 5280 §4.1, §4.2.1.6).
 */
#include "tls.h"

#include <string.h>

#define HS_MAX 16384

struct cur {
	const uint8_t *p;
	uint32_t n;
};

static bool
take(struct cur *c, uint32_t k, struct cur *sub)
{
	if (c->n < k)
		return false;
	if (sub != NULL) {
		sub->p = c->p;
		sub->n = k;
	}
	c->p += k;
	c->n -= k;
	return true;
}

static bool
u8(struct cur *c, uint32_t *v)
{
	if (c->n < 1)
		return false;
	*v = c->p[0];
	c->p++;
	c->n--;
	return true;
}

static bool
u16(struct cur *c, uint32_t *v)
{
	if (c->n < 2)
		return false;
	*v = (uint32_t)c->p[0] << 8 | c->p[1];
	c->p += 2;
	c->n -= 2;
	return true;
}

static bool
u24(struct cur *c, uint32_t *v)
{
	if (c->n < 3)
		return false;
	*v = (uint32_t)c->p[0] << 16 | (uint32_t)c->p[1] << 8 | c->p[2];
	c->p += 3;
	c->n -= 3;
	return true;
}

/* A length-prefixed (1, 2 or 3 bytes) vector. */
static bool
vec(struct cur *c, unsigned lenbytes, struct cur *sub)
{
	uint32_t l;
	bool ok = lenbytes == 1 ? u8(c, &l) : lenbytes == 2 ? u16(c, &l) : u24(c, &l);
	return ok && take(c, l, sub);
}

static bool
is_grease(uint32_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* Copy a name, keeping printable ASCII host characters only (hostile bytes become '?'). */
static void
copy_name(char *dst, size_t cap, const uint8_t *src, uint32_t n)
{
	if (n >= cap)
		n = (uint32_t)cap - 1;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t ch = src[i];
		dst[i] = (ch > 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	dst[n] = '\0';
}

bool
dp_tls_looks_like(const uint8_t *p, uint32_t len)
{
	/* content type 22 (handshake), version 3.0-3.4 */
	return len >= 3 && p[0] == 0x16 && p[1] == 0x03 && p[2] <= 0x04;
}

/*
 * Gather handshake bytes from the records at p into hs (up to cap). Returns the number of
 * handshake bytes, or -1 if the first record is not a TLS handshake record. *truncated
 * tells that the last record is not all there; *ended that a record of another type (or
 * one that is not TLS) follows the handshake records, so no more handshake bytes will come
 * in clear. What was gathered before such a record stands, whatever follows: the answer
 * for a stream's first bytes does not change when more arrive.
 */
static int32_t
gather(const uint8_t *p, uint32_t len, uint8_t *hs, uint32_t cap, bool *truncated, bool *ended)
{
	uint32_t off = 0, n = 0;

	*truncated = false;
	*ended = false;
	while (off < len) {
		if (len - off < 5) {
			*truncated = true;
			break;
		}
		uint32_t rl = (uint32_t)p[off + 3] << 8 | p[off + 4];
		if (p[off] != 0x16 || p[off + 1] != 0x03 || rl == 0 || rl > 16384 + 2048) {
			/* Another content type after the handshake (change_cipher_spec, alert,
			 * application data), or not a record: the handshake records end here. */
			if (off == 0)
				return -1;
			*ended = true;
			break;
		}
		uint32_t have = len - off - 5 < rl ? len - off - 5 : rl;
		uint32_t room = cap - n;
		uint32_t k = have < room ? have : room;
		memcpy(hs + n, p + off + 5, k);
		n += k;
		if (have < rl) {
			*truncated = true;
			break;
		}
		off += 5 + rl;
		if (n == cap)
			break;
	}
	return (int32_t)n;
}

static enum dp_parse
client_hello_body(struct cur c, struct dp_tls_hello *out)
{
	struct cur x, exts;
	uint32_t v;

	if (!u16(&c, &v))
		return DP_PARSE_NO;
	out->legacy_version = (uint16_t)v;
	out->max_version = (uint16_t)v;
	if ((v >> 8) != 3)
		return DP_PARSE_NO;
	if (!take(&c, 32, NULL) || !vec(&c, 1, &x) || x.n > 32) /* random, session id */
		return DP_PARSE_NO;
	if (!vec(&c, 2, &x) || x.n < 2 || (x.n & 1)) /* cipher suites */
		return DP_PARSE_NO;
	out->cipher_suites = (uint16_t)(x.n / 2);
	while (u16(&x, &v))
		if (is_grease(v))
			out->grease = true;
	if (!vec(&c, 1, &x)) /* compression methods */
		return DP_PARSE_NO;
	if (c.n == 0)
		return DP_PARSE_OK; /* no extensions (old clients) */
	if (!vec(&c, 2, &exts))
		return DP_PARSE_NO;
	while (exts.n > 0) {
		uint32_t type;
		struct cur e;
		if (!u16(&exts, &type) || !vec(&exts, 2, &e))
			return DP_PARSE_NO;
		out->extensions++;
		if (is_grease(type))
			out->grease = true;
		if (type == 0) { /* server_name */
			struct cur list, name;
			uint32_t nt;
			if (!vec(&e, 2, &list))
				return DP_PARSE_NO;
			while (list.n > 0) {
				if (!u8(&list, &nt) || !vec(&list, 2, &name))
					return DP_PARSE_NO;
				if (nt == 0 && out->sni[0] == '\0')
					copy_name(out->sni, sizeof(out->sni), name.p, name.n);
			}
		} else if (type == 16) { /* ALPN */
			struct cur list, proto;
			if (!vec(&e, 2, &list) || !vec(&list, 1, &proto))
				return DP_PARSE_NO;
			copy_name(out->alpn, sizeof(out->alpn), proto.p, proto.n);
		} else if (type == 43) { /* supported_versions */
			struct cur list;
			if (!vec(&e, 1, &list))
				return DP_PARSE_NO;
			while (u16(&list, &v))
				if (!is_grease(v) && v > out->max_version && (v >> 8) == 3)
					out->max_version = (uint16_t)v;
		}
	}
	return DP_PARSE_OK;
}

enum dp_parse
dp_tls_client_hello_msg(const uint8_t *p, uint32_t len, struct dp_tls_hello *out)
{
	struct cur c = { p, len }, body;
	uint32_t type, hl;

	memset(out, 0, sizeof(*out));
	if (!u8(&c, &type))
		return DP_PARSE_MORE;
	if (type != 1)
		return DP_PARSE_NO;
	if (!u24(&c, &hl))
		return DP_PARSE_MORE;
	if (hl < 38 || hl > HS_MAX)
		return DP_PARSE_NO;
	if (!take(&c, hl, &body))
		return DP_PARSE_MORE;
	return client_hello_body(body, out);
}

enum dp_parse
dp_tls_client_hello(const uint8_t *p, uint32_t len, struct dp_tls_hello *out)
{
	static _Thread_local uint8_t hs[HS_MAX];
	bool truncated, ended;

	memset(out, 0, sizeof(*out));
	if (len < 5)
		return dp_tls_looks_like(p, len) || len < 3 ? DP_PARSE_MORE : DP_PARSE_NO;
	if (!dp_tls_looks_like(p, len))
		return DP_PARSE_NO;
	int32_t n = gather(p, len, hs, sizeof(hs), &truncated, &ended);
	if (n < 0)
		return DP_PARSE_NO;
	enum dp_parse r = dp_tls_client_hello_msg(hs, (uint32_t)n, out);
	/* incomplete for good: larger than we accept, or the handshake records have ended */
	if (r == DP_PARSE_MORE && !truncated && ((uint32_t)n == sizeof(hs) || ended))
		return DP_PARSE_NO;
	return r;
}

/* ---- certificates ---- */

/* Read a DER TLV header: tag and content. */
static bool
der(struct cur *c, uint32_t *tag, struct cur *content)
{
	uint32_t t, l, b;
	if (!u8(c, &t) || !u8(c, &b))
		return false;
	if (b < 0x80) {
		l = b;
	} else {
		unsigned k = b & 0x7f;
		if (k == 0 || k > 3)
			return false;
		l = 0;
		for (unsigned i = 0; i < k; i++) {
			uint32_t x;
			if (!u8(c, &x))
				return false;
			l = l << 8 | x;
		}
	}
	*tag = t;
	return take(c, l, content);
}

static void
add_name(struct dp_tls_server *out, const uint8_t *p, uint32_t n)
{
	if (out->nnames < DP_TLS_CERT_NAMES && n > 0)
		copy_name(out->names[out->nnames++], DP_NAME_MAX, p, n);
}

/* Walk a Name (SEQUENCE OF SET OF AttributeTypeAndValue) for commonName (2.5.4.3). */
static void
subject_cn(struct cur name, struct dp_tls_server *out)
{
	static const uint8_t cn_oid[] = { 0x55, 0x04, 0x03 };
	struct cur rdn, atv, set;
	uint32_t tag;

	while (name.n > 0 && der(&name, &tag, &set)) {
		while (set.n > 0 && der(&set, &tag, &atv)) {
			struct cur oid, val;
			if (!der(&atv, &tag, &oid) || tag != 0x06)
				continue;
			if (!der(&atv, &tag, &val))
				continue;
			if (oid.n == 3 && memcmp(oid.p, cn_oid, 3) == 0)
				add_name(out, val.p, val.n);
		}
		(void)rdn;
	}
}

/* subjectAltName (2.5.29.17): GeneralNames, dNSName is [2] IMPLICIT IA5String. */
static void
san(struct cur exts, struct dp_tls_server *out)
{
	static const uint8_t san_oid[] = { 0x55, 0x1d, 0x11 };
	struct cur ext, seq;
	uint32_t tag;

	if (!der(&exts, &tag, &seq)) /* SEQUENCE OF Extension */
		return;
	while (seq.n > 0 && der(&seq, &tag, &ext)) {
		struct cur oid, val, names, gn;
		if (!der(&ext, &tag, &oid) || tag != 0x06 || oid.n != 3 ||
		    memcmp(oid.p, san_oid, 3) != 0)
			continue;
		if (!der(&ext, &tag, &val))
			continue;
		if (tag == 0x01 && !der(&ext, &tag, &val)) /* critical BOOLEAN first */
			continue;
		if (tag != 0x04 || !der(&val, &tag, &names))
			continue;
		while (names.n > 0 && der(&names, &tag, &gn))
			if (tag == 0x82)
				add_name(out, gn.p, gn.n);
	}
}

static void
certificate_names(struct cur cert, struct dp_tls_server *out)
{
	struct cur c, tbs, x;
	uint32_t tag;

	if (!der(&cert, &tag, &c) || tag != 0x30) /* Certificate */
		return;
	if (!der(&c, &tag, &tbs) || tag != 0x30) /* TBSCertificate */
		return;
	if (tbs.n > 0 && tbs.p[0] == 0xa0 && !der(&tbs, &tag, &x)) /* [0] version */
		return;
	for (int i = 0; i < 4; i++) /* serial, signature, issuer, validity */
		if (!der(&tbs, &tag, &x))
			return;
	if (!der(&tbs, &tag, &x) || tag != 0x30) /* subject */
		return;
	subject_cn(x, out);
	if (!der(&tbs, &tag, &x)) /* subjectPublicKeyInfo */
		return;
	while (tbs.n > 0 && der(&tbs, &tag, &x))
		if (tag == 0xa3) /* [3] extensions */
			san(x, out);
}

/*
 * The leaf certificate at the start of a Certificate message's body (RFC 5246 §7.4.2), of
 * which avail bytes are here out of hl: true once the leaf is all there, inside the
 * certificate_list's declared length and that inside the message.
 */
static bool
leaf_certificate(const uint8_t *body, uint32_t avail, uint32_t hl, struct cur *cert)
{
	struct cur c = { body, avail };
	uint32_t list;

	if (!u24(&c, &list) || list > hl - 3)
		return false;
	if (c.n > list)
		c.n = list;
	return vec(&c, 3, cert);
}

enum dp_parse
dp_tls_server_hello(const uint8_t *p, uint32_t len, struct dp_tls_server *out)
{
	static _Thread_local uint8_t hs[HS_MAX];
	bool truncated, ended, have_hello = false;

	memset(out, 0, sizeof(*out));
	if (len < 5)
		return len < 3 || dp_tls_looks_like(p, len) ? DP_PARSE_MORE : DP_PARSE_NO;
	if (!dp_tls_looks_like(p, len))
		return DP_PARSE_NO;
	int32_t n = gather(p, len, hs, sizeof(hs), &truncated, &ended);
	if (n < 0)
		return DP_PARSE_NO;
	/* No more handshake bytes will be read: the records of another type have begun, or
	 * as many bytes as we gather are here. Until then a message not yet complete (or
	 * not yet begun: the Certificate after a ServerHello in a record of its own) is
	 * waited for. */
	bool last = !truncated && (ended || (uint32_t)n == sizeof(hs));
	struct cur c = { hs, (uint32_t)n };
	while (c.n > 0) {
		uint32_t type, hl, v;
		struct cur body, x;
		if (!u8(&c, &type) || !u24(&c, &hl))
			break;
		/* Certificate: the leaf is read as soon as it is here, before the rest of the
		 * chain (which may be larger than what is gathered) */
		if (type == 11 && have_hello) {
			struct cur cert;
			uint32_t avail = c.n < hl ? c.n : hl;
			if (hl >= 3 && leaf_certificate(c.p, avail, hl, &cert)) {
				certificate_names(cert, out);
				return DP_PARSE_OK;
			}
			if (avail == hl || last)
				return DP_PARSE_OK; /* no leaf to read */
			return DP_PARSE_MORE;
		}
		if (hl > HS_MAX)
			return DP_PARSE_NO;
		if (!take(&c, hl, &body))
			break;
		if (type == 2) { /* ServerHello */
			if (!u16(&body, &v) || (v >> 8) != 3)
				return DP_PARSE_NO;
			out->version = (uint16_t)v;
			if (!take(&body, 32, NULL) || !vec(&body, 1, &x) || !u16(&body, &v))
				return DP_PARSE_NO;
			out->cipher = (uint16_t)v;
			if (!take(&body, 1, NULL))
				return DP_PARSE_NO;
			if (body.n > 0 && vec(&body, 2, &x)) {
				while (x.n > 0) {
					uint32_t t;
					struct cur e;
					if (!u16(&x, &t) || !vec(&x, 2, &e))
						break;
					if (t == 43 && u16(&e, &v))
						out->version = (uint16_t)v;
				}
			}
			have_hello = true;
			if (out->version >= 0x0304)
				return DP_PARSE_OK; /* the rest is encrypted */
		} else if (type == 14 || type == 13 || type == 12) {
			/* ServerHelloDone, CertificateRequest, ServerKeyExchange: no certificate */
			if (have_hello && type == 14)
				return DP_PARSE_OK;
		} else if (!have_hello) {
			return DP_PARSE_NO;
		}
	}
	if (!last)
		return DP_PARSE_MORE;
	return have_hello ? DP_PARSE_OK : DP_PARSE_NO;
}
