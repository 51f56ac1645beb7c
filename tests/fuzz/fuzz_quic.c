/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for dataplane/quic.c.
 *
 * The first input byte (the mode) says what the rest is:
 *
 *  - mode bit 0 clear: raw datagrams. The rest is parsed as one datagram without a flow
 *    state; then it is cut into datagrams (each piece prefixed by a 2-byte big-endian length,
 *    clamped to what remains) parsed in turn with one flow state.
 *  - mode bit 0 set: Initial payloads. The rest is cut the same way and each piece, as the
 *    plaintext of a client Initial, is sealed the way a client seals it (version from mode
 *    bits 1-2: 1, 2, draft-29, draft-27; packet number length from bits 4-5), so that the
 *    frame walker, the CRYPTO reassembly and the ClientHello parser see fuzzed plaintext.
 *    With mode bit 3 the packets are coalesced into one datagram, otherwise each is a
 *    datagram of its own; each datagram is parsed alone and with one flow state.
 *
 * Every datagram is copied to a heap buffer of exactly its length, so any read past it is an
 * ASan report. Checks: the result is OK exactly when a hello is reported; MORE and OK only
 * for a decrypted Initial; NO whenever dp_quic_looks_like says no; names NUL-terminated;
 * the flow state's high mark within DP_QUIC_CRYPTO_MAX; and a sealed Initial always
 * decrypts, whatever its plaintext.
 *
 * Build by hand (the lead integrates it into tests/fuzz/fuzz.mk):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -I. \
 *     $(pkg-config --cflags libcrypto) tests/fuzz/fuzz_quic.c dataplane/quic.c \
 *     dataplane/tls.c $(pkg-config --libs libcrypto) -o fuzz_quic
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "../../dataplane/quic.h"
#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PIECE_MAX 16000 /* fits a 2-byte length varint */
#define DGRAM_MAX (8 * (PIECE_MAX + 64))

static const uint32_t versions[4] = { 0x00000001, 0x6b3343cf, 0xff00001d, 0xff00001b };
static const uint8_t dcid[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };

static const uint8_t salts[4][20] = {
	{ 0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
	  0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a },
	{ 0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
	  0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9 },
	{ 0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
	  0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99 },
	{ 0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
	  0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02 },
};

struct keys {
	uint8_t key[16], iv[12], hp[16];
};

static struct keys keys[4];
static EVP_CIPHER_CTX *gcm, *ecb;

static void
hmac(const uint8_t *key, size_t klen, const uint8_t *d, size_t n, uint8_t out[32])
{
	unsigned ol = 32;
	CHECK(HMAC(EVP_sha256(), key, (int)klen, d, n, out, &ol) != NULL);
}

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
	info[n++] = 0;
	info[n++] = 1;
	hmac(secret, 32, info, n, t);
	memcpy(out, t, len);
}

static void
setup(void)
{
	for (int v = 0; v < 4; v++) {
		uint8_t initial[32], secret[32];
		bool v2 = v == 1;
		hmac(salts[v], 20, dcid, sizeof(dcid), initial);
		expand_label(initial, "client in", secret, 32);
		expand_label(secret, v2 ? "quicv2 key" : "quic key", keys[v].key, 16);
		expand_label(secret, v2 ? "quicv2 iv" : "quic iv", keys[v].iv, 12);
		expand_label(secret, v2 ? "quicv2 hp" : "quic hp", keys[v].hp, 16);
	}
	gcm = EVP_CIPHER_CTX_new();
	ecb = EVP_CIPHER_CTX_new();
	CHECK(gcm != NULL && ecb != NULL);
}

/* Seal payload as a client Initial at out; returns its length. */
static size_t
seal(int v, uint32_t pn, unsigned pn_len, const uint8_t *payload, size_t plen, uint8_t *out)
{
	const struct keys *k = &keys[v];
	uint8_t nonce[12], mask[16];
	size_t n = 0;
	int ol, fl;

	out[n++] = (uint8_t)(0xc0 | (v == 1 ? 1 : 0) << 4 | (pn_len - 1));
	for (int i = 3; i >= 0; i--)
		out[n++] = (uint8_t)(versions[v] >> (8 * i));
	out[n++] = sizeof(dcid);
	memcpy(out + n, dcid, sizeof(dcid));
	n += sizeof(dcid);
	out[n++] = 0; /* SCID */
	out[n++] = 0; /* token */
	size_t length = pn_len + plen + 16;
	out[n++] = (uint8_t)(0x40 | length >> 8);
	out[n++] = (uint8_t)length;
	size_t pn_off = n;
	for (unsigned i = 0; i < pn_len; i++)
		out[n++] = (uint8_t)(pn >> (8 * (pn_len - 1 - i)));

	memcpy(nonce, k->iv, 12);
	for (int i = 0; i < 4; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	CHECK(EVP_EncryptInit_ex(gcm, EVP_aes_128_gcm(), NULL, k->key, nonce) == 1);
	CHECK(EVP_EncryptUpdate(gcm, NULL, &ol, out, (int)n) == 1);
	CHECK(EVP_EncryptUpdate(gcm, out + n, &ol, payload, (int)plen) == 1);
	CHECK(EVP_EncryptFinal_ex(gcm, out + n + ol, &fl) == 1);
	CHECK(EVP_CIPHER_CTX_ctrl(gcm, EVP_CTRL_AEAD_GET_TAG, 16, out + n + plen) == 1);
	n += plen + 16;
	CHECK(EVP_EncryptInit_ex(ecb, EVP_aes_128_ecb(), NULL, k->hp, NULL) == 1);
	CHECK(EVP_EncryptUpdate(ecb, mask, &ol, out + pn_off + 4, 16) == 1);
	out[0] ^= mask[0] & 0x0f;
	for (unsigned i = 0; i < pn_len; i++)
		out[pn_off + i] ^= mask[1 + i];
	return n;
}

static void
check(const uint8_t *p, uint32_t n, enum dp_parse r, const struct dp_quic *q,
      const struct dp_quic_crypto *st)
{
	CHECK(r == DP_PARSE_OK || r == DP_PARSE_MORE || r == DP_PARSE_NO);
	CHECK((r == DP_PARSE_OK) == q->hello);
	if (r != DP_PARSE_NO)
		CHECK(q->initial && q->decrypted);
	if (q->decrypted)
		CHECK(q->initial);
	if (!dp_quic_looks_like(p, n))
		CHECK(r == DP_PARSE_NO);
	CHECK(q->dcid_len <= 20 && q->scid_len <= 20);
	CHECK(memchr(q->tls.sni, 0, sizeof(q->tls.sni)) != NULL);
	CHECK(memchr(q->tls.alpn, 0, sizeof(q->tls.alpn)) != NULL);
	if (st != NULL)
		CHECK(st->hi <= DP_QUIC_CRYPTO_MAX);
}

/* Parse a heap copy of exactly n bytes, alone and with st; returns whether it decrypted. */
static bool
parse(const uint8_t *p, size_t n, struct dp_quic_crypto *st)
{
	struct dp_quic q;
	uint8_t *copy = malloc(n > 0 ? n : 1);
	CHECK(copy != NULL);
	memcpy(copy, p, n);
	enum dp_parse r = dp_quic_parse(copy, (uint32_t)n, &q, NULL);
	check(copy, (uint32_t)n, r, &q, NULL);
	bool decrypted = q.decrypted;
	if (st != NULL) {
		r = dp_quic_parse(copy, (uint32_t)n, &q, st);
		check(copy, (uint32_t)n, r, &q, st);
		CHECK(q.decrypted == decrypted);
	}
	free(copy);
	return decrypted;
}

/* The next length-prefixed piece of the input. */
static bool
piece(const uint8_t **data, size_t *size, const uint8_t **p, size_t *n)
{
	if (*size == 0)
		return false;
	if (*size < 2) {
		*p = *data, *n = *size;
		*data += *size, *size = 0;
		return true;
	}
	size_t len = (size_t)(*data)[0] << 8 | (*data)[1];
	*data += 2, *size -= 2;
	if (len > *size)
		len = *size;
	*p = *data, *n = len;
	*data += len, *size -= len;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *dgram;
	static struct dp_quic_crypto st;
	const uint8_t *p;
	size_t n;

	if (dgram == NULL) {
		setup();
		dgram = malloc(DGRAM_MAX);
		CHECK(dgram != NULL);
	}
	if (size < 1 || size > 65536)
		return 0;
	unsigned mode = data[0];
	data++, size--;
	memset(&st, 0, sizeof(st));

	if (!(mode & 1)) {
		parse(data, size, NULL);
		while (piece(&data, &size, &p, &n))
			parse(p, n, &st);
		return 0;
	}

	int v = (mode >> 1) & 3;
	bool coalesce = mode & 8;
	unsigned pn_len = 1 + ((mode >> 4) & 3);
	size_t off = 0;
	uint32_t pn = 0;
	uint8_t small[4] = { 0 };
	for (int i = 0; i < 8 && piece(&data, &size, &p, &n); i++) {
		if (n > PIECE_MAX)
			n = PIECE_MAX;
		if (n < 4) { /* room for the header protection sample */
			memset(small, 0, sizeof(small));
			memcpy(small, p, n);
			p = small, n = 4;
		}
		size_t k = seal(v, pn++, pn_len, p, n, dgram + off);
		if (coalesce) {
			off += k;
		} else {
			CHECK(parse(dgram, k, &st));
		}
	}
	if (coalesce && off > 0)
		CHECK(parse(dgram, off, &st));
	return 0;
}
