/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QUIC client Initial decryption, to read the ClientHello's server name and ALPN.
 *
 * What: a UDP datagram holds one or more coalesced QUIC packets (RFC 9000 §12.2). Each long
 * header packet is walked (type, version, connection ids, token, length); a datagram ends at
 * a short header packet, a Retry, an unknown version or a malformed header. Initial packets
 * are protected with keys anyone can derive from the Destination Connection ID and a public
 * per-version salt (RFC 9001 §5.2): initial_secret = HKDF-Extract(salt, DCID), client secret
 * = HKDF-Expand-Label(initial_secret, "client in"), then key, iv and hp by the labels
 * "quic key", "quic iv", "quic hp" ("quicv2 ..." for QUIC v2, RFC 9369 §3.3). Header
 * protection is removed (AES-128-ECB of a 16-byte sample taken 4 bytes after the packet
 * number's offset), the payload opened with AES-128-GCM (nonce = iv ^ packet number, AAD =
 * the unprotected header), and only a payload whose tag verifies is read: a server Initial
 * fails here, being sealed with the server's keys.
 *
 * Frames: PADDING, PING and ACK are skipped, CRYPTO data is placed at its offset into the
 * flow's struct dp_quic_crypto (a byte bitmap says which bytes arrived; the first copy of a
 * byte wins), CONNECTION_CLOSE or any other frame type ends that packet's walk (what came
 * before it is kept). Clients split the ClientHello into many CRYPTO frames, reorder them
 * within a packet and spread them over two datagrams when post-quantum key shares make it
 * large, so the hello is read only when bytes [0, 4 + length) are all present; then
 * dp_tls_client_hello_msg parses it.
 *
 * Versions and salts: 1; 2 (0x6b3343cf, its own salt, labels and packet type numbers);
 * drafts 29-32 (0xff00001d-0xff000020, draft-29 salt); drafts 23-28 (0xff000017-0xff00001c,
 * draft-23 salt); Facebook mvfst 0xfaceb001 (draft-22 salt), 0xfaceb002 and 0xfaceb00e
 * (draft-23 salt). All share the RFC 9000 long header, frame encodings and the "quic "
 * labels. Google QUIC (Q0xx, T05x) is not read.
 *
 * Invariants: every read is checked against what remains of the datagram, the packet or
 * the plaintext; varints are at most 2^62 - 1, so offset + length never overflows 64 bits;
 * no byte outside [0, DP_QUIC_CRYPTO_MAX) of the CRYPTO stream is stored; only payloads
 * that authenticate reach st.
 *
 * Limits: keys come from the DCID of the packet itself. That is right for a client's first
 * Initials (and for those after a Retry, which switch to the Retry's connection id), whose
 * DCID is at least 8 bytes (RFC 9000 §7.2): Initials with shorter DCIDs are not tried. A
 * client's later Initials, addressed to the server's chosen id but sealed with the first
 * keys, do not open (NO): by then the hello has been read. Packet numbers are used as
 * truncated on the wire, which is exact for the small numbers of a first flight.
 *
 * Cost (measured on the build host, AES-NI): about 1.6 us to open a 1200-byte Initial and
 * parse its hello. Keys are derived only when the DCID or version differs from the last one
 * this thread saw (a client's first datagrams share it): about 5 us, and some sixty
 * allocations inside OpenSSL 3.0's HKDF (its digest contexts are re-created on every
 * init). The OpenSSL contexts are created on a thread's first call and freed when it exits;
 * with keys cached, parsing allocates nothing. Plaintext goes to a per-thread 64 KiB buffer.
 *
 * Thread: any (all state is per thread or in the caller's st).
 */
#include "quic.h"

#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#define CID_MAX       20
#define CID_MIN_FIRST 8 /* a client's first Initial DCID (RFC 9000 §7.2) */
#define SALT_LEN      20
#define SECRET_LEN    32
#define KEY_LEN       16
#define IV_LEN        12
#define TAG_LEN       16
#define SAMPLE_LEN    16
#define PLAIN_MAX     65536 /* any UDP payload */

/* Long header packet types, as numbered in QUIC v1 (RFC 9000 §17.2). */
enum { PT_INITIAL, PT_0RTT, PT_HANDSHAKE, PT_RETRY };

/* Frame types read in Initial packets (RFC 9000 §19). */
enum {
	FT_PADDING = 0x00,
	FT_PING = 0x01,
	FT_ACK = 0x02,
	FT_ACK_ECN = 0x03,
	FT_CRYPTO = 0x06,
	FT_CONNECTION_CLOSE = 0x1c,
};

struct qver {
	const uint8_t *salt;
	bool v2; /* "quicv2 " labels, packet types rotated by one (RFC 9369 §3.2) */
};

static const uint8_t salt_v1[SALT_LEN] = { 0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34,
					   0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8,
					   0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a };
static const uint8_t salt_v2[SALT_LEN] = { 0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6,
					   0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26,
					   0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9 };
static const uint8_t salt_d29[SALT_LEN] = { 0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2,
					    0x4c, 0x9e, 0x97, 0x86, 0xf1, 0x9c, 0x61,
					    0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99 };
static const uint8_t salt_d23[SALT_LEN] = { 0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb,
					    0x5a, 0x11, 0xa7, 0xd2, 0x43, 0x2b, 0xb4,
					    0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02 };
static const uint8_t salt_d22[SALT_LEN] = { 0x7f, 0xbc, 0xdb, 0x0e, 0x7c, 0x66, 0xbb,
					    0xe9, 0x19, 0x3a, 0x96, 0xcd, 0x21, 0x51,
					    0x9e, 0xbd, 0x7a, 0x02, 0x64, 0x4a };

static const struct qver ver_v1 = { salt_v1, false };
static const struct qver ver_v2 = { salt_v2, true };
static const struct qver ver_d29 = { salt_d29, false };
static const struct qver ver_d23 = { salt_d23, false };
static const struct qver ver_d22 = { salt_d22, false };

static const struct qver *
find_version(uint32_t v)
{
	if (v == 0x00000001)
		return &ver_v1;
	if (v == 0x6b3343cf)
		return &ver_v2;
	if (v >= 0xff00001d && v <= 0xff000020)
		return &ver_d29;
	if ((v >= 0xff000017 && v <= 0xff00001c) || v == 0xfaceb002 || v == 0xfaceb00e)
		return &ver_d23;
	if (v == 0xfaceb001)
		return &ver_d22;
	return NULL;
}

/* ---- reading ---- */

struct cur {
	const uint8_t *p;
	uint32_t n;
};

static bool
take(struct cur *c, uint64_t k, struct cur *sub)
{
	if (c->n < k)
		return false;
	if (sub != NULL) {
		sub->p = c->p;
		sub->n = (uint32_t)k;
	}
	c->p += k;
	c->n -= (uint32_t)k;
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

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A variable-length integer (RFC 9000 §16): 1, 2, 4 or 8 bytes, at most 2^62 - 1. */
static bool
varint(struct cur *c, uint64_t *v)
{
	if (c->n < 1)
		return false;
	uint32_t k = 1u << (c->p[0] >> 6);
	if (c->n < k)
		return false;
	uint64_t x = c->p[0] & 0x3f;
	for (uint32_t i = 1; i < k; i++)
		x = x << 8 | c->p[i];
	c->p += k;
	c->n -= k;
	*v = x;
	return true;
}

/* ---- per-thread crypto ---- */

struct qcrypto {
	int state; /* 0: not set up yet, 1: ready, -1: OpenSSL failed */
	EVP_KDF *kdf_alg;
	EVP_KDF_CTX *kdf;
	EVP_CIPHER *ecb_alg, *gcm_alg;
	EVP_CIPHER_CTX *hp, *aead; /* keyed with the cached keys below */
	bool keyed;
	const struct qver *ver; /* the cached keys' version (salt and labels) and DCID */
	uint8_t dcid_len;
	uint8_t dcid[CID_MAX];
	uint8_t iv[IV_LEN];
};

static _Thread_local struct qcrypto qc;
static _Thread_local uint8_t plain[PLAIN_MAX];
static _Thread_local struct dp_quic_crypto scratch;

static pthread_once_t exit_once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key;

static void
crypto_free(void *arg)
{
	struct qcrypto *q = arg;

	EVP_CIPHER_CTX_free(q->aead);
	EVP_CIPHER_CTX_free(q->hp);
	EVP_CIPHER_free(q->gcm_alg);
	EVP_CIPHER_free(q->ecb_alg);
	EVP_KDF_CTX_free(q->kdf);
	EVP_KDF_free(q->kdf_alg);
	memset(q, 0, sizeof(*q));
}

static void
exit_key_create(void)
{
	(void)pthread_key_create(&exit_key, crypto_free);
}

/* Fetch the algorithms and create the contexts once per thread (freed when it exits). */
static bool
crypto_ready(void)
{
	if (qc.state != 0)
		return qc.state > 0;
	qc.state = -1;
	qc.kdf_alg = EVP_KDF_fetch(NULL, "HKDF", NULL);
	qc.ecb_alg = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
	qc.gcm_alg = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	if (qc.kdf_alg != NULL)
		qc.kdf = EVP_KDF_CTX_new(qc.kdf_alg);
	qc.hp = EVP_CIPHER_CTX_new();
	qc.aead = EVP_CIPHER_CTX_new();
	if (qc.kdf == NULL || qc.ecb_alg == NULL || qc.gcm_alg == NULL || qc.hp == NULL ||
	    qc.aead == NULL)
		goto fail;

	OSSL_PARAM params[2] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	if (EVP_KDF_CTX_set_params(qc.kdf, params) != 1 ||
	    EVP_EncryptInit_ex(qc.hp, qc.ecb_alg, NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(qc.hp, 0) != 1 ||
	    EVP_DecryptInit_ex(qc.aead, qc.gcm_alg, NULL, NULL, NULL) != 1)
		goto fail;

	if (pthread_once(&exit_once, exit_key_create) == 0)
		(void)pthread_setspecific(exit_key, &qc);
	qc.state = 1;
	return true;
fail:
	crypto_free(&qc);
	qc.state = -1;
	return false;
}

static bool
hkdf_extract(const uint8_t *salt, const uint8_t *ikm, uint32_t ikm_len, uint8_t *prk)
{
	int mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, SALT_LEN),
		OSSL_PARAM_construct_end(),
	};
	return EVP_KDF_derive(qc.kdf, prk, SECRET_LEN, params) == 1;
}

/* HKDF-Expand-Label(secret, label, "", len) (RFC 8446 §7.1). */
static bool
hkdf_expand_label(const uint8_t *secret, const char *label, uint8_t *out, uint32_t len)
{
	uint8_t info[2 + 1 + 6 + 16 + 1];
	size_t ll = strlen(label);
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;

	if (ll > 16)
		return false;
	info[0] = (uint8_t)(len >> 8);
	info[1] = (uint8_t)len;
	info[2] = (uint8_t)(6 + ll);
	memcpy(info + 3, "tls13 ", 6);
	memcpy(info + 9, label, ll);
	info[9 + ll] = 0; /* empty context */

	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, SECRET_LEN),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, 10 + ll),
		OSSL_PARAM_construct_end(),
	};
	return EVP_KDF_derive(qc.kdf, out, len, params) == 1;
}

/* Key the header protection and AEAD contexts with the client Initial keys for dcid. */
static bool
set_keys(const struct qver *ver, const uint8_t *dcid, uint8_t dcid_len)
{
	uint8_t initial[SECRET_LEN], client[SECRET_LEN], key[KEY_LEN], hp[KEY_LEN];
	bool ok;

	if (qc.keyed && qc.ver == ver && qc.dcid_len == dcid_len &&
	    memcmp(qc.dcid, dcid, dcid_len) == 0)
		return true;
	qc.keyed = false;
	ok = hkdf_extract(ver->salt, dcid, dcid_len, initial) &&
	     hkdf_expand_label(initial, "client in", client, SECRET_LEN) &&
	     hkdf_expand_label(client, ver->v2 ? "quicv2 key" : "quic key", key, KEY_LEN) &&
	     hkdf_expand_label(client, ver->v2 ? "quicv2 iv" : "quic iv", qc.iv, IV_LEN) &&
	     hkdf_expand_label(client, ver->v2 ? "quicv2 hp" : "quic hp", hp, KEY_LEN) &&
	     EVP_EncryptInit_ex(qc.hp, NULL, NULL, hp, NULL) == 1 &&
	     EVP_CIPHER_CTX_set_padding(qc.hp, 0) == 1 &&
	     EVP_DecryptInit_ex(qc.aead, NULL, NULL, key, NULL) == 1;
	if (!ok)
		return false;
	qc.ver = ver;
	qc.dcid_len = dcid_len;
	memcpy(qc.dcid, dcid, dcid_len);
	qc.keyed = true;
	return true;
}

/*
 * Remove header protection from the packet pkt[0, len) whose packet number field starts at
 * pn_off, and open its payload into plain. Returns the plaintext length, or -1 when the
 * packet is too short or does not authenticate.
 */
static int32_t
open_packet(const uint8_t *pkt, uint32_t pn_off, uint32_t len)
{
	uint8_t mask[SAMPLE_LEN], pn[4], nonce[IV_LEN], tag[TAG_LEN];
	int n, fin;

	if (pn_off < 1 || pn_off > PLAIN_MAX || len < pn_off + 4 + SAMPLE_LEN)
		return -1;
	if (EVP_EncryptUpdate(qc.hp, mask, &n, pkt + pn_off + 4, SAMPLE_LEN) != 1 ||
	    n != SAMPLE_LEN)
		return -1;
	uint8_t first = pkt[0] ^ (mask[0] & 0x0f);
	uint32_t pn_len = (first & 3u) + 1;
	uint64_t pnv = 0;
	for (uint32_t i = 0; i < pn_len; i++) {
		pn[i] = pkt[pn_off + i] ^ mask[1 + i];
		pnv = pnv << 8 | pn[i];
	}
	/* len >= pn_off + 20 and pn_len <= 4: the tag fits after the packet number. */
	uint32_t body = pn_off + pn_len;
	uint32_t ct_len = len - body - TAG_LEN;
	if (ct_len > PLAIN_MAX)
		return -1;
	memcpy(nonce, qc.iv, IV_LEN);
	for (uint32_t i = 0; i < 8; i++)
		nonce[IV_LEN - 1 - i] ^= (uint8_t)(pnv >> (8 * i));
	memcpy(tag, pkt + len - TAG_LEN, TAG_LEN);

	/* The AAD is the header with protection removed: given in three pieces. */
	if (EVP_DecryptInit_ex(qc.aead, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_DecryptUpdate(qc.aead, NULL, &n, &first, 1) != 1 ||
	    EVP_DecryptUpdate(qc.aead, NULL, &n, pkt + 1, (int)pn_off - 1) != 1 ||
	    EVP_DecryptUpdate(qc.aead, NULL, &n, pn, (int)pn_len) != 1 ||
	    EVP_DecryptUpdate(qc.aead, plain, &n, pkt + body, (int)ct_len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(qc.aead, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, tag) != 1 ||
	    EVP_DecryptFinal_ex(qc.aead, plain + n, &fin) != 1)
		return -1;
	return (int32_t)ct_len;
}

/* ---- the CRYPTO stream ---- */

static bool
have(const struct dp_quic_crypto *st, uint32_t i)
{
	return (st->have[i >> 3] >> (i & 7)) & 1;
}

/* Are bytes [0, n) all present? (n <= DP_QUIC_CRYPTO_MAX) */
static bool
have_prefix(const struct dp_quic_crypto *st, uint32_t n)
{
	uint32_t i = 0;

	for (; i + 8 <= n; i += 8)
		if (st->have[i >> 3] != 0xff)
			return false;
	for (; i < n; i++)
		if (!have(st, i))
			return false;
	return true;
}

/* Store CRYPTO data d[0, n) found at stream offset off; the first copy of a byte wins. */
static void
crypto_add(struct dp_quic_crypto *st, uint64_t off, const uint8_t *d, uint32_t n)
{
	if (off >= DP_QUIC_CRYPTO_MAX)
		return;
	uint32_t start = (uint32_t)off;
	uint32_t end = off + n > DP_QUIC_CRYPTO_MAX ? DP_QUIC_CRYPTO_MAX : start + n;
	for (uint32_t i = start; i < end; i++) {
		if (!have(st, i)) {
			st->data[i] = d[i - start];
			st->have[i >> 3] |= (uint8_t)(1u << (i & 7));
		}
	}
	if (end > st->hi)
		st->hi = end;
}

/* Walk the frames of a decrypted Initial payload, keeping CRYPTO data. */
static void
walk_frames(const uint8_t *p, uint32_t len, struct dp_quic_crypto *st)
{
	struct cur c = { p, len };
	uint64_t type, x, count, off, n;

	while (c.n > 0) {
		if (c.p[0] == FT_PADDING) { /* the common case: long runs of zeros */
			c.p++;
			c.n--;
			continue;
		}
		if (!varint(&c, &type))
			return;
		switch (type) {
		case FT_PING: break;
		case FT_ACK:
		case FT_ACK_ECN:
			/* largest, delay, range count, first range, then (gap, length) pairs */
			if (!varint(&c, &x) || !varint(&c, &x) || !varint(&c, &count) ||
			    !varint(&c, &x))
				return;
			for (uint64_t i = 0; i < count; i++) /* each pair takes >= 2 bytes */
				if (!varint(&c, &x) || !varint(&c, &x))
					return;
			if (type == FT_ACK_ECN &&
			    (!varint(&c, &x) || !varint(&c, &x) || !varint(&c, &x)))
				return;
			break;
		case FT_CRYPTO: {
			struct cur d;
			if (!varint(&c, &off) || !varint(&c, &n) || !take(&c, n, &d))
				return;
			crypto_add(st, off, d.p, d.n);
			break;
		}
		case FT_CONNECTION_CLOSE: return;
		default: return; /* not expected in an Initial: read no further */
		}
	}
}

/* Is the ClientHello in st complete? Parse it if so. */
static enum dp_parse
read_hello(const struct dp_quic_crypto *st, struct dp_quic *out)
{
	if (!have_prefix(st, 4))
		return DP_PARSE_MORE;
	if (st->data[0] != 1) /* the client's first handshake message is its hello */
		return DP_PARSE_NO;
	uint32_t n = 4 + ((uint32_t)st->data[1] << 16 | (uint32_t)st->data[2] << 8 | st->data[3]);
	if (n > DP_QUIC_CRYPTO_MAX)
		return DP_PARSE_NO; /* too large to hold: it will never be complete */
	if (!have_prefix(st, n))
		return DP_PARSE_MORE;
	enum dp_parse r = dp_tls_client_hello_msg(st->data, n, &out->tls);
	if (r == DP_PARSE_OK)
		out->hello = true;
	return r == DP_PARSE_OK ? DP_PARSE_OK : DP_PARSE_NO;
}

/* ---- packets ---- */

struct lhdr {
	const struct qver *ver;
	uint32_t version;
	unsigned type; /* PT_*, v1 numbering */
	uint8_t dcid_len, scid_len;
	const uint8_t *dcid;
	const uint8_t *pkt; /* the packet: [pkt, pkt + len), packet number at pn_off */
	uint32_t len, pn_off;
};

/*
 * Read the long header packet at the start of c and step c over it. False when c does not
 * start with a whole long header packet of a known version (and for a Retry, which has no
 * length and is never a client's).
 */
static bool
long_header(struct cur *c, struct lhdr *h)
{
	struct cur x = *c, cid;
	uint32_t b, l;
	uint64_t v;

	if (!u8(&x, &b) || (b & 0xc0) != 0xc0 || x.n < 4)
		return false;
	h->version = be32(x.p);
	h->ver = find_version(h->version);
	if (h->ver == NULL || !take(&x, 4, NULL))
		return false;
	if (!u8(&x, &l) || l > CID_MAX || !take(&x, l, &cid))
		return false;
	h->dcid_len = (uint8_t)l;
	h->dcid = cid.p;
	if (!u8(&x, &l) || l > CID_MAX || !take(&x, l, NULL))
		return false;
	h->scid_len = (uint8_t)l;
	unsigned raw = (b >> 4) & 3;
	h->type = h->ver->v2 ? (raw + 3) & 3 : raw;
	if (h->type == PT_RETRY)
		return false;
	if (h->type == PT_INITIAL && (!varint(&x, &v) || !take(&x, v, NULL))) /* token */
		return false;
	if (!varint(&x, &v) || v > x.n) /* length: packet number and payload */
		return false;
	h->pkt = c->p;
	h->pn_off = (uint32_t)(x.p - c->p);
	h->len = h->pn_off + (uint32_t)v;
	return take(c, h->len, NULL);
}

bool
dp_quic_looks_like(const uint8_t *p, uint32_t len)
{
	if (len < 7 || (p[0] & 0xc0) != 0xc0 || find_version(be32(p + 1)) == NULL)
		return false;
	uint32_t dl = p[5];
	if (dl > CID_MAX || len < 7 + dl)
		return false;
	uint32_t sl = p[6 + dl];
	return sl <= CID_MAX && len >= 7 + dl + sl;
}

enum dp_parse
dp_quic_parse(const uint8_t *p, uint32_t len, struct dp_quic *out, struct dp_quic_crypto *st)
{
	struct cur c = { p, len };
	struct lhdr h;
	bool first = true;

	memset(out, 0, sizeof(*out));
	if (!dp_quic_looks_like(p, len))
		return DP_PARSE_NO;
	if (st == NULL) {
		st = &scratch;
		st->hi = 0;
		memset(st->have, 0, sizeof(st->have));
	}
	while (c.n > 0 && long_header(&c, &h)) {
		if (first) {
			out->version = h.version;
			out->dcid_len = h.dcid_len;
			out->scid_len = h.scid_len;
			memcpy(out->dcid, h.dcid, h.dcid_len);
			first = false;
		}
		if (h.type != PT_INITIAL)
			continue;
		out->initial = true;
		if (h.dcid_len < CID_MIN_FIRST || !crypto_ready() ||
		    !set_keys(h.ver, h.dcid, h.dcid_len))
			continue;
		int32_t n = open_packet(h.pkt, h.pn_off, h.len);
		if (n < 0)
			continue;
		out->decrypted = true;
		walk_frames(plain, (uint32_t)n, st);
	}
	if (!out->decrypted)
		return DP_PARSE_NO;
	return read_hello(st, out);
}
