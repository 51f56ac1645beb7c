/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/quic.c: the client Initials of RFC 9001 and RFC 9369 (Appendix A) decrypt to
 * their ClientHello; Initials sealed here the way clients build them (CRYPTO frames split
 * and reordered within a packet, coalesced packets, a hello spread over two datagrams) give
 * the server name; anything else (truncated, corrupted, random bytes, server Initials,
 * unknown versions, short headers, hostile lengths) is refused without a read past the
 * datagram. Once keyed for a connection, parsing allocates nothing.
 *
 * The sealing side here (HKDF by HMAC-SHA256, AES-128-GCM, header protection) is written
 * independently of quic.c and checked against the RFC vectors before it is used.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "../../dataplane/quic.h"

#define V1  0x00000001u
#define V2  0x6b3343cfu
#define D27 0xff00001bu
#define D29 0xff00001du

/* RFC 9001 Appendix A.2: the client Initial, protected (1200 bytes). */
static const char rfc9001_client_initial[] =
	"c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
	"d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
	"1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
	"8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"
	"30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
	"457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
	"4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"
	"4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"
	"485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
	"059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"
	"7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8"
	"9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"
	"be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74"
	"68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a"
	"c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
	"f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632"
	"291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964"
	"25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"
	"14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff"
	"ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"
	"e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"
	"c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73"
	"203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f"
	"cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"
	"fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"
	"a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047"
	"90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"
	"162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4"
	"40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0"
	"6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
	"8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0"
	"be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400"
	"54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"
	"760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9"
	"f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"
	"056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"
	"7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
	"e221af44860018ab0856972e194cd934";

/* RFC 9369 Appendix A.2: the same Initial in QUIC version 2. */
static const char rfc9369_client_initial[] =
	"d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485"
	"dd04de806071bf03dceebfa162e75d6c96058bdbfb127cdfcbf903388e99ad04"
	"9f9a3dd4425ae4d0992cfff18ecf0fdb5a842d09747052f17ac2053d21f57c5d"
	"250f2c4f0e0202b70785b7946e992e58a59ac52dea6774d4f03b55545243cf1a"
	"12834e3f249a78d395e0d18f4d766004f1a2674802a747eaa901c3f10cda5500"
	"cb9122faa9f1df66c392079a1b40f0de1c6054196a11cbea40afb6ef5253cd68"
	"18f6625efce3b6def6ba7e4b37a40f7732e093daa7d52190935b8da58976ff33"
	"12ae50b187c1433c0f028edcc4c2838b6a9bfc226ca4b4530e7a4ccee1bfa2a3"
	"d396ae5a3fb512384b2fdd851f784a65e03f2c4fbe11a53c7777c023462239dd"
	"6f7521a3f6c7d5dd3ec9b3f233773d4b46d23cc375eb198c63301c21801f6520"
	"bcfb7966fc49b393f0061d974a2706df8c4a9449f11d7f3d2dcbb90c6b877045"
	"636e7c0c0fe4eb0f697545460c806910d2c355f1d253bc9d2452aaa549e27a1f"
	"ac7cf4ed77f322e8fa894b6a83810a34b361901751a6f5eb65a0326e07de7c12"
	"16ccce2d0193f958bb3850a833f7ae432b65bc5a53975c155aa4bcb4f7b2c4e5"
	"4df16efaf6ddea94e2c50b4cd1dfe06017e0e9d02900cffe1935e0491d77ffb4"
	"fdf85290fdd893d577b1131a610ef6a5c32b2ee0293617a37cbb08b847741c3b"
	"8017c25ca9052ca1079d8b78aebd47876d330a30f6a8c6d61dd1ab5589329de7"
	"14d19d61370f8149748c72f132f0fc99f34d766c6938597040d8f9e2bb522ff9"
	"9c63a344d6a2ae8aa8e51b7b90a4a806105fcbca31506c446151adfeceb51b91"
	"abfe43960977c87471cf9ad4074d30e10d6a7f03c63bd5d4317f68ff325ba3bd"
	"80bf4dc8b52a0ba031758022eb025cdd770b44d6d6cf0670f4e990b22347a7db"
	"848265e3e5eb72dfe8299ad7481a408322cac55786e52f633b2fb6b614eaed18"
	"d703dd84045a274ae8bfa73379661388d6991fe39b0d93debb41700b41f90a15"
	"c4d526250235ddcd6776fc77bc97e7a417ebcb31600d01e57f32162a8560cacc"
	"7e27a096d37a1a86952ec71bd89a3e9a30a2a26162984d7740f81193e8238e61"
	"f6b5b984d4d3dfa033c1bb7e4f0037febf406d91c0dccf32acf423cfa1e70710"
	"10d3f270121b493ce85054ef58bada42310138fe081adb04e2bd901f2f13458b"
	"3d6758158197107c14ebb193230cd1157380aa79cae1374a7c1e5bbcb80ee23e"
	"06ebfde206bfb0fcbc0edc4ebec309661bdd908d532eb0c6adc38b7ca7331dce"
	"8dfce39ab71e7c32d318d136b6100671a1ae6a6600e3899f31f0eed19e3417d1"
	"34b90c9058f8632c798d4490da4987307cba922d61c39805d072b589bd52fdf1"
	"e86215c2d54e6670e07383a27bbffb5addf47d66aa85a0c6f9f32e59d85a44dd"
	"5d3b22dc2be80919b490437ae4f36a0ae55edf1d0b5cb4e9a3ecabee93dfc6e3"
	"8d209d0fa6536d27a5d6fbb17641cde27525d61093f1b28072d111b2b4ae5f89"
	"d5974ee12e5cf7d5da4d6a31123041f33e61407e76cffcdcfd7e19ba58cf4b53"
	"6f4c4938ae79324dc402894b44faf8afbab35282ab659d13c93f70412e85cb19"
	"9a37ddec600545473cfb5a05e08d0b209973b2172b4d21fb69745a262ccde96b"
	"a18b2faa745b6fe189cf772a9f84cbfc";

/* RFC 9001 Appendix A.2: the unprotected payload is this, then 917 bytes of PADDING. */
static const char rfc9001_client_payload[] =
	"060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
	"04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
	"616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
	"04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
	"baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
	"0d0010000e0403050306030203080408050806002d00020101001c0002400100"
	"3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
	"75300901100f088394c8f03e51570806048000ffff";

/* RFC 9001 Appendix A.3: the server's Initial (empty DCID). */
static const char rfc9001_server_initial[] =
	"cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a"
	"5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3"
	"dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84"
	"022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4"
	"2158407dd074ee";

static const uint8_t rfc_dcid[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };

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

static void
assert_hex(const uint8_t *got, size_t n, const char *want)
{
	uint8_t w[64];

	cr_assert_eq(unhex(want, w, sizeof(w)), n);
	cr_assert_arr_eq(got, w, n, "got %02x%02x%02x%02x..., want %s", got[0], got[1], got[2],
			 got[3], want);
}

/* ---- sealing, as a client (or a server) does ---- */

static const char *
salt_hex(uint32_t v)
{
	if (v == V1)
		return "38762cf7f55934b34d179ae6a4c80cadccbb7f0a";
	if (v == V2)
		return "0dede3def700a6db819381be6e269dcbf9bd2ed9";
	if (v >= 0xff00001d && v <= 0xff000020)
		return "afbfec289993d24c9e9786f19c6111e04390a899";
	if (v == 0xfaceb001) /* mvfst's draft-22 */
		return "7fbcdb0e7c66bbe9193a96cd21519ebd7a02644a";
	return "c3eef712c72ebb5a11a7d2432bb46365bef9f502"; /* drafts 23-28, mvfst */
}

static void
hmac(const uint8_t *key, size_t klen, const uint8_t *d, size_t n, uint8_t out[32])
{
	unsigned ol = 32;
	cr_assert_not_null(HMAC(EVP_sha256(), key, (int)klen, d, n, out, &ol));
}

/* HKDF-Expand-Label with an empty context, len <= 32 (one HMAC block). */
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
	info[n++] = 0; /* context */
	info[n++] = 1; /* T(1) */
	hmac(secret, 32, info, n, t);
	memcpy(out, t, len);
}

struct keys {
	uint8_t key[16], iv[12], hp[16];
};

static void
derive(uint32_t version, const uint8_t *dcid, size_t n, bool server, struct keys *k)
{
	uint8_t salt[20], initial[32], secret[32];
	bool v2 = version == V2;

	unhex(salt_hex(version), salt, sizeof(salt));
	hmac(salt, 20, dcid, n, initial);
	expand_label(initial, server ? "server in" : "client in", secret, 32);
	expand_label(secret, v2 ? "quicv2 key" : "quic key", k->key, 16);
	expand_label(secret, v2 ? "quicv2 iv" : "quic iv", k->iv, 12);
	expand_label(secret, v2 ? "quicv2 hp" : "quic hp", k->hp, 16);
}

struct spec {
	uint32_t version;
	const uint8_t *dcid;
	size_t dcid_len, scid_len;
	uint32_t pn;
	unsigned pn_len;
	bool server;
};

/* Write a protected Initial carrying payload at out; returns its length. */
static size_t
seal(const struct spec *s, const uint8_t *payload, size_t plen, uint8_t *out)
{
	struct keys k;
	uint8_t nonce[12], mask[16];
	size_t n = 0;
	int ol, fl;

	cr_assert_geq(plen + s->pn_len, 4, "too short to sample");
	derive(s->version, s->dcid, s->dcid_len, s->server, &k);
	out[n++] = (uint8_t)(0xc0 | (s->version == V2 ? 1 : 0) << 4 | (s->pn_len - 1));
	for (int i = 3; i >= 0; i--)
		out[n++] = (uint8_t)(s->version >> (8 * i));
	out[n++] = (uint8_t)s->dcid_len;
	memcpy(out + n, s->dcid, s->dcid_len);
	n += s->dcid_len;
	out[n++] = (uint8_t)s->scid_len;
	memset(out + n, 0x5c, s->scid_len);
	n += s->scid_len;
	out[n++] = 0; /* token length */
	size_t length = s->pn_len + plen + 16;
	cr_assert_lt(length, 16384);
	out[n++] = (uint8_t)(0x40 | length >> 8);
	out[n++] = (uint8_t)length;
	size_t pn_off = n;
	for (unsigned i = 0; i < s->pn_len; i++)
		out[n++] = (uint8_t)(s->pn >> (8 * (s->pn_len - 1 - i)));

	memcpy(nonce, k.iv, 12);
	for (int i = 0; i < 4; i++)
		nonce[11 - i] ^= (uint8_t)(s->pn >> (8 * i));
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	cr_assert_eq(EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k.key, nonce), 1);
	cr_assert_eq(EVP_EncryptUpdate(c, NULL, &ol, out, (int)n), 1);
	cr_assert_eq(EVP_EncryptUpdate(c, out + n, &ol, payload, (int)plen), 1);
	cr_assert_eq(EVP_EncryptFinal_ex(c, out + n + ol, &fl), 1);
	cr_assert_eq(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, out + n + plen), 1);
	n += plen + 16;
	cr_assert_eq(EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k.hp, NULL), 1);
	cr_assert_eq(EVP_EncryptUpdate(c, mask, &ol, out + pn_off + 4, 16), 1);
	EVP_CIPHER_CTX_free(c);
	out[0] ^= mask[0] & 0x0f;
	for (unsigned i = 0; i < s->pn_len; i++)
		out[pn_off + i] ^= mask[1 + i];
	return n;
}

/* ---- frames and hellos ---- */

struct buf {
	uint8_t b[8192];
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
put_varint(struct buf *b, uint64_t v)
{
	if (v < 64) {
		put8(b, (unsigned)v);
	} else if (v < 16384) {
		put16(b, (unsigned)(0x4000 | v));
	} else {
		put16(b, (unsigned)(0x8000 | v >> 16));
		put16(b, (unsigned)(v & 0xffff));
	}
}

static void
put_crypto(struct buf *b, uint64_t off, const uint8_t *d, size_t n)
{
	put8(b, 0x06);
	put_varint(b, off);
	put_varint(b, n);
	put(b, d, n);
}

static void
pad_to(struct buf *b, size_t n)
{
	while (b->n < n)
		put8(b, 0);
}

/*
 * A TLS 1.3 ClientHello handshake message: server_name, ALPN, supported_versions and, to
 * make it as large as one with a post-quantum key share, a key_share of extra bytes.
 */
static size_t
make_hello(uint8_t *out, const char *sni, const char *alpn, size_t extra)
{
	struct buf e = { .n = 0 }, h = { .n = 0 };
	uint8_t random[32];
	size_t sl = strlen(sni), al = strlen(alpn);

	put16(&e, 0); /* server_name */
	put16(&e, (unsigned)(sl + 5));
	put16(&e, (unsigned)(sl + 3));
	put8(&e, 0);
	put16(&e, (unsigned)sl);
	put(&e, sni, sl);
	put16(&e, 16); /* ALPN */
	put16(&e, (unsigned)(al + 3));
	put16(&e, (unsigned)(al + 1));
	put8(&e, (unsigned)al);
	put(&e, alpn, al);
	put16(&e, 43); /* supported_versions */
	put16(&e, 3);
	put8(&e, 2);
	put16(&e, 0x0304);
	if (extra > 0) { /* key_share: one entry of group 0x11ec (X25519MLKEM768) */
		put16(&e, 51);
		put16(&e, (unsigned)(extra + 6));
		put16(&e, (unsigned)(extra + 4));
		put16(&e, 0x11ec);
		put16(&e, (unsigned)extra);
		for (size_t i = 0; i < extra; i++)
			put8(&e, (unsigned)(i * 7));
	}
	memset(random, 0x11, sizeof(random));
	put16(&h, 0x0303);
	put(&h, random, sizeof(random));
	put8(&h, 0); /* session id */
	put16(&h, 6);
	put16(&h, 0x1301);
	put16(&h, 0x1302);
	put16(&h, 0x1303);
	put8(&h, 1); /* compression: null */
	put8(&h, 0);
	put16(&h, (unsigned)e.n);
	put(&h, e.b, e.n);

	out[0] = 1;
	out[1] = (uint8_t)(h.n >> 16);
	out[2] = (uint8_t)(h.n >> 8);
	out[3] = (uint8_t)h.n;
	memcpy(out + 4, h.b, h.n);
	return 4 + h.n;
}

static const uint8_t dcid8[8] = { 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8 };

/* A client's Initial for dcid8 with pn (2-byte field), the frames padded to 1200 bytes. */
static size_t
client_initial(uint32_t version, uint32_t pn, struct buf *frames, uint8_t *out)
{
	struct spec s = { version, dcid8, sizeof(dcid8), 0, pn, 2, false };
	size_t header = 1 + 4 + 1 + sizeof(dcid8) + 1 + 1 + 2 + 2;

	pad_to(frames, 1200 - header - 16);
	return seal(&s, frames->b, frames->n, out);
}

/* Parse a copy of exactly len bytes (so that ASan sees any read past the end). */
static enum dp_parse
parse(const uint8_t *p, size_t len, struct dp_quic *q, struct dp_quic_crypto *st)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	memcpy(copy, p, len);
	enum dp_parse r = dp_quic_parse(copy, (uint32_t)len, q, st);
	free(copy);
	return r;
}

static uint8_t dgram[4][2048];
static uint8_t hello[DP_QUIC_CRYPTO_MAX];
static struct dp_quic q;
static struct dp_quic_crypto st;

/* ---- the RFC vectors ---- */

Test(quic, rfc9001_keys_and_sealing)
{
	struct keys k;
	uint8_t payload[1162], want[1200], got[1300];

	derive(V1, rfc_dcid, sizeof(rfc_dcid), false, &k);
	assert_hex(k.key, 16, "1f369613dd76d5467730efcbe3b1a22d");
	assert_hex(k.iv, 12, "fa044b2f42a3fd3b46fb255c");
	assert_hex(k.hp, 16, "9f50449e04a0e810283a1e9933adedd2");
	derive(V1, rfc_dcid, sizeof(rfc_dcid), true, &k);
	assert_hex(k.key, 16, "cf3a5331653c364c88f0f379b6067e37");
	assert_hex(k.iv, 12, "0ac1493ca1905853b0bba03e");
	assert_hex(k.hp, 16, "c206b8d9b9f0f37644430b490eeaa314");

	/* This file's sealing reproduces A.2 bit for bit. */
	memset(payload, 0, sizeof(payload));
	cr_assert_eq(unhex(rfc9001_client_payload, payload, sizeof(payload)), 245);
	cr_assert_eq(unhex(rfc9001_client_initial, want, sizeof(want)), 1200);
	struct spec s = { V1, rfc_dcid, 8, 0, 2, 4, false };
	cr_assert_eq(seal(&s, payload, sizeof(payload), got), 1200);
	cr_assert_arr_eq(got, want, 1200);
}

Test(quic, rfc9001_client_initial)
{
	uint8_t p[1200];
	size_t n = unhex(rfc9001_client_initial, p, sizeof(p));

	cr_assert(dp_quic_looks_like(p, (uint32_t)n));
	cr_assert_eq(parse(p, n, &q, NULL), DP_PARSE_OK);
	cr_assert_eq(q.version, V1);
	cr_assert_eq(q.dcid_len, 8);
	cr_assert_arr_eq(q.dcid, rfc_dcid, 8);
	cr_assert_eq(q.scid_len, 0);
	cr_assert(q.initial && q.decrypted && q.hello);
	cr_assert_str_eq(q.tls.sni, "example.com");
	cr_assert_str_eq(q.tls.alpn, "alpn");
	cr_assert_eq(q.tls.max_version, 0x0304);
	cr_assert_eq(q.tls.cipher_suites, 2);

	/* Again with a flow state, and again (keys cached). */
	memset(&st, 0, sizeof(st));
	cr_assert_eq(parse(p, n, &q, &st), DP_PARSE_OK);
	cr_assert_eq(st.hi, 245 - 4);
	cr_assert_eq(parse(p, n, &q, &st), DP_PARSE_OK);
	cr_assert_str_eq(q.tls.sni, "example.com");
}

Test(quic, rfc9369_v2)
{
	struct keys k;
	uint8_t p[1200], payload[1162], got[1300];

	derive(V2, rfc_dcid, sizeof(rfc_dcid), false, &k);
	assert_hex(k.key, 16, "8b1a0bc121284290a29e0971b5cd045d");
	assert_hex(k.iv, 12, "91f73e2351d8fa91660e909f");
	assert_hex(k.hp, 16, "45b95e15235d6f45a6b19cbcb0294ba9");
	derive(V2, rfc_dcid, sizeof(rfc_dcid), true, &k);
	assert_hex(k.key, 16, "82db637861d55e1d011f19ea71d5d2a7");

	size_t n = unhex(rfc9369_client_initial, p, sizeof(p));
	cr_assert_eq(n, 1200);
	memset(payload, 0, sizeof(payload));
	unhex(rfc9001_client_payload, payload, sizeof(payload));
	struct spec s = { V2, rfc_dcid, 8, 0, 2, 4, false };
	cr_assert_eq(seal(&s, payload, sizeof(payload), got), 1200);
	cr_assert_arr_eq(got, p, 1200);

	cr_assert(dp_quic_looks_like(p, (uint32_t)n));
	cr_assert_eq(parse(p, n, &q, NULL), DP_PARSE_OK);
	cr_assert_eq(q.version, V2);
	cr_assert(q.initial && q.decrypted && q.hello);
	cr_assert_str_eq(q.tls.sni, "example.com");

	/* v2's Initial type bits (0b01) are v1's 0-RTT: not read as v1, and vice versa. */
	p[1] = 0, p[2] = 0, p[3] = 0, p[4] = 1;
	cr_assert_eq(parse(p, n, &q, NULL), DP_PARSE_NO);
	cr_assert_not(q.initial);
}

Test(quic, drafts_and_mvfst)
{
	static const uint32_t versions[] = { D29,        0xff000020, D27,        0xff00001c,
					     0xff000018, 0xfaceb001, 0xfaceb002, 0xfaceb00e };
	size_t hl = make_hello(hello, "draft.example", "h3-29", 0);

	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		struct buf f = { .n = 0 };
		put_crypto(&f, 0, hello, hl);
		size_t n = client_initial(versions[i], 0, &f, dgram[0]);
		cr_assert(dp_quic_looks_like(dgram[0], (uint32_t)n));
		cr_assert_eq(parse(dgram[0], n, &q, NULL), DP_PARSE_OK, "version %08x",
			     versions[i]);
		cr_assert_eq(q.version, versions[i]);
		cr_assert_str_eq(q.tls.sni, "draft.example");
		cr_assert_str_eq(q.tls.alpn, "h3-29");
	}
}

/* ---- how clients split the hello ---- */

Test(quic, split_reversed_in_one_packet)
{
	size_t hl = make_hello(hello, "www.example.org", "h3", 0);
	struct buf f = { .n = 0 };

	/* Chrome-like: PING, the tail, padding, the middle, PING, the head. */
	cr_assert_gt(hl, 80);
	put8(&f, 0x01);
	put_crypto(&f, 60, hello + 60, hl - 60);
	pad_to(&f, f.n + 7);
	put_crypto(&f, 25, hello + 25, 35);
	put8(&f, 0x01);
	put_crypto(&f, 0, hello, 25);
	size_t n = client_initial(V1, 0, &f, dgram[0]);

	cr_assert_eq(parse(dgram[0], n, &q, NULL), DP_PARSE_OK);
	cr_assert_str_eq(q.tls.sni, "www.example.org");
	cr_assert_str_eq(q.tls.alpn, "h3");

	/* Overlapping retransmitted pieces are fine too. */
	f.n = 0;
	put_crypto(&f, 30, hello + 30, hl - 30);
	put_crypto(&f, 0, hello, 50);
	n = client_initial(V1, 1, &f, dgram[0]);
	cr_assert_eq(parse(dgram[0], n, &q, NULL), DP_PARSE_OK);
	cr_assert_str_eq(q.tls.sni, "www.example.org");

	/* A gap: never complete. */
	f.n = 0;
	put_crypto(&f, 41, hello + 41, hl - 41);
	put_crypto(&f, 0, hello, 40);
	n = client_initial(V1, 2, &f, dgram[0]);
	cr_assert_eq(parse(dgram[0], n, &q, NULL), DP_PARSE_MORE);
	cr_assert(q.initial && q.decrypted);
	cr_assert_not(q.hello);
}

/* A hello with a large key share (about 1.9 KB, as with post-quantum shares and the other
 * extensions browsers send) over two datagrams. */
static void
two_datagrams(bool reversed, bool shuffled)
{
	size_t hl = make_hello(hello, "pq.example.net", "h3", 1800);
	size_t cut = 1000, n[2];
	struct buf f[2] = { { .n = 0 }, { .n = 0 } };

	cr_assert_gt(hl, 1800);
	if (shuffled) { /* each half in three pieces, out of order */
		put_crypto(&f[0], 600, hello + 600, cut - 600);
		put_crypto(&f[0], 0, hello, 300);
		put_crypto(&f[0], 300, hello + 300, 300);
		put_crypto(&f[1], 1500, hello + 1500, hl - 1500);
		put_crypto(&f[1], cut, hello + cut, 500);
	} else {
		put_crypto(&f[0], 0, hello, cut);
		put_crypto(&f[1], cut, hello + cut, hl - cut);
	}
	n[0] = client_initial(V1, 0, &f[0], dgram[0]);
	n[1] = client_initial(V1, 1, &f[1], dgram[1]);
	int a = reversed ? 1 : 0, b = 1 - a;

	/* Alone, neither is enough. */
	cr_assert_eq(parse(dgram[a], n[a], &q, NULL), DP_PARSE_MORE);
	cr_assert_eq(parse(dgram[b], n[b], &q, NULL), DP_PARSE_MORE);

	memset(&st, 0, sizeof(st));
	cr_assert_eq(parse(dgram[a], n[a], &q, &st), DP_PARSE_MORE);
	cr_assert(q.decrypted);
	cr_assert_not(q.hello);
	cr_assert_eq(parse(dgram[b], n[b], &q, &st), DP_PARSE_OK);
	cr_assert_eq(st.hi, hl);
	cr_assert_str_eq(q.tls.sni, "pq.example.net");
	cr_assert_eq(q.tls.extensions, 4);
}

Test(quic, split_over_two_datagrams)
{
	two_datagrams(false, false);
}

Test(quic, split_over_two_datagrams_reversed)
{
	two_datagrams(true, false);
}

Test(quic, split_over_two_datagrams_shuffled)
{
	two_datagrams(false, true);
	two_datagrams(true, true);
}

/* Two Initials coalesced in a datagram, then a 0-RTT packet, then zeros. */
static size_t
coalesced(size_t *first_len)
{
	size_t hl = make_hello(hello, "coalesced.example", "h3", 300), n;
	struct buf f = { .n = 0 };
	struct spec s = { V1, dcid8, sizeof(dcid8), 0, 0, 1, false };

	put_crypto(&f, 200, hello + 200, hl - 200);
	n = seal(&s, f.b, f.n, dgram[0]);
	*first_len = n;
	f.n = 0;
	put_crypto(&f, 0, hello, 200);
	s.pn = 1;
	n += seal(&s, f.b, f.n, dgram[0] + n);
	/* 0-RTT: type 1, its payload is not ours to read */
	uint8_t zrtt[] = { 0xd1, 0,  0,    0,  1,  8,  0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7,
			   0xd8, 0,  0x14, 1,  2,  3,  4,    5,    6,    7,    8,    9,    10,
			   11,   12, 13,   14, 15, 16, 17,   18,   19,   20,   21 };
	memcpy(dgram[0] + n, zrtt, sizeof(zrtt));
	n += sizeof(zrtt);
	memset(dgram[0] + n, 0, 1200 - n);
	return 1200;
}

Test(quic, coalesced_packets)
{
	size_t first;
	size_t n = coalesced(&first);

	cr_assert_eq(parse(dgram[0], n, &q, NULL), DP_PARSE_OK);
	cr_assert_str_eq(q.tls.sni, "coalesced.example");
}

/* ---- frames ---- */

Test(quic, frames_ack_ping_close_and_unknown)
{
	size_t hl = make_hello(hello, "frames.example", "h3", 0);
	struct buf f = { .n = 0 };

	/* ACK with ECN counts and two more ranges, a large (4-byte) varint among them */
	put8(&f, 0x03);
	put_varint(&f, 100000);
	put_varint(&f, 25);
	put_varint(&f, 2);
	put_varint(&f, 3);
	put_varint(&f, 1), put_varint(&f, 4);
	put_varint(&f, 2), put_varint(&f, 0);
	put_varint(&f, 7), put_varint(&f, 8), put_varint(&f, 9);
	put8(&f, 0x02); /* plain ACK */
	put_varint(&f, 5), put_varint(&f, 0), put_varint(&f, 0), put_varint(&f, 5);
	put8(&f, 0x01);
	put_crypto(&f, 0, hello, hl);
	put8(&f, 0x1c); /* CONNECTION_CLOSE: nothing after it is read */
	put_crypto(&f, 0, (const uint8_t *)"junk", 4);
	size_t n = client_initial(V1, 3, &f, dgram[0]);
	cr_assert_eq(parse(dgram[0], n, &q, NULL), DP_PARSE_OK);
	cr_assert_str_eq(q.tls.sni, "frames.example");

	/* An unexpected frame (STREAM) ends the packet's walk; what came before counts. */
	f.n = 0;
	put_crypto(&f, 10, hello + 10, hl - 10);
	put8(&f, 0x08);
	put_crypto(&f, 0, hello, 10);
	n = client_initial(V1, 4, &f, dgram[0]);
	memset(&st, 0, sizeof(st));
	cr_assert_eq(parse(dgram[0], n, &q, &st), DP_PARSE_MORE);
	cr_assert(q.decrypted);
	cr_assert_eq(st.hi, hl);

	/* A truncated ACK ends the walk without harm. */
	f.n = 0;
	put_crypto(&f, 0, hello, 10);
	put8(&f, 0x02);
	put8(&f, 0x80); /* a 4-byte varint cut short by the end of the payload */
	n = client_initial(V1, 5, &f, dgram[0]);
	cr_assert_eq(parse(dgram[0], n, &q, NULL), DP_PARSE_MORE);
}

Test(quic, crypto_limits)
{
	struct buf f = { .n = 0 };
	uint8_t junk[64];

	/* Data far beyond DP_QUIC_CRYPTO_MAX, or straddling it, is dropped there. */
	memset(junk, 0xab, sizeof(junk));
	put_crypto(&f, 1u << 20, junk, sizeof(junk));
	put_crypto(&f, DP_QUIC_CRYPTO_MAX - 10, junk, sizeof(junk));
	put8(&f, 0x06); /* offset 2^62 - 1 */
	put16(&f, 0xffff), put16(&f, 0xffff), put16(&f, 0xffff), put16(&f, 0xffff);
	put_varint(&f, 4);
	put(&f, junk, 4);
	size_t n = client_initial(V1, 0, &f, dgram[0]);
	memset(&st, 0, sizeof(st));
	cr_assert_eq(parse(dgram[0], n, &q, &st), DP_PARSE_MORE);
	cr_assert_eq(st.hi, DP_QUIC_CRYPTO_MAX);

	/* A hello declared larger than we hold is refused at once. */
	uint8_t big[4] = { 1, 0, 0x10, 0x00 };
	f.n = 0;
	put_crypto(&f, 0, big, 4);
	n = client_initial(V1, 1, &f, dgram[0]);
	cr_assert_eq(parse(dgram[0], n, &q, NULL), DP_PARSE_NO);
	cr_assert(q.decrypted);

	/* The stream must start with a ClientHello. */
	uint8_t sh[4] = { 2, 0, 0, 40 };
	f.n = 0;
	put_crypto(&f, 0, sh, 4);
	n = client_initial(V1, 2, &f, dgram[0]);
	cr_assert_eq(parse(dgram[0], n, &q, NULL), DP_PARSE_NO);

	/* A CRYPTO length beyond the payload ends the walk. */
	f.n = 0;
	put8(&f, 0x06);
	put_varint(&f, 0);
	put_varint(&f, 5000);
	put(&f, junk, 10);
	n = client_initial(V1, 3, &f, dgram[0]);
	memset(&st, 0, sizeof(st));
	cr_assert_eq(parse(dgram[0], n, &q, &st), DP_PARSE_MORE);
	cr_assert_eq(st.hi, 0);
}

/* ---- what is refused ---- */

Test(quic, server_initial_refused)
{
	uint8_t p[256];
	size_t n = unhex(rfc9001_server_initial, p, sizeof(p));

	cr_assert(dp_quic_looks_like(p, (uint32_t)n));
	cr_assert_eq(parse(p, n, &q, NULL), DP_PARSE_NO);
	cr_assert(q.initial);
	cr_assert_not(q.decrypted);

	/* A server Initial with an 8-byte DCID: client keys do not open it. */
	size_t hl = make_hello(hello, "server.example", "h3", 0);
	struct buf f = { .n = 0 };
	put_crypto(&f, 0, hello, hl);
	struct spec s = { V1, dcid8, sizeof(dcid8), 8, 0, 2, true };
	n = seal(&s, f.b, f.n, dgram[0]);
	memset(&st, 0, sizeof(st));
	cr_assert_eq(parse(dgram[0], n, &q, &st), DP_PARSE_NO);
	cr_assert(q.initial);
	cr_assert_not(q.decrypted);
	cr_assert_eq(st.hi, 0);
	/* The same sealed by the client is read. */
	s.server = false;
	n = seal(&s, f.b, f.n, dgram[0]);
	cr_assert_eq(parse(dgram[0], n, &q, &st), DP_PARSE_OK);
}

Test(quic, short_header_versions_and_cids)
{
	uint8_t p[1200];
	size_t n = unhex(rfc9001_client_initial, p, sizeof(p));

	/* Short header (1-RTT) */
	uint8_t s1[40] = { 0x43, 1, 2, 3, 4, 5, 6, 7, 8 };
	cr_assert_not(dp_quic_looks_like(s1, sizeof(s1)));
	cr_assert_eq(parse(s1, sizeof(s1), &q, NULL), DP_PARSE_NO);

	/* Fixed bit clear */
	p[0] &= (uint8_t)~0x40;
	cr_assert_not(dp_quic_looks_like(p, (uint32_t)n));
	cr_assert_eq(parse(p, n, &q, NULL), DP_PARSE_NO);
	p[0] |= 0x40;

	/* Unsupported versions: version negotiation, gQUIC Q050, T051, a grease version,
	 * draft-22 and draft-33 */
	static const uint32_t bad[] = { 0,          0x51303530, 0x54303531, 0x1a2a3a4a,
					0xff000016, 0xff000021, 2 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (int b = 0; b < 4; b++)
			p[1 + b] = (uint8_t)(bad[i] >> (24 - 8 * b));
		cr_assert_not(dp_quic_looks_like(p, (uint32_t)n), "%08x", bad[i]);
		cr_assert_eq(parse(p, n, &q, NULL), DP_PARSE_NO);
	}
	p[1] = 0, p[2] = 0, p[3] = 0, p[4] = 1;
	cr_assert(dp_quic_looks_like(p, (uint32_t)n));

	/* Connection ids longer than 20, or past the end */
	uint8_t h[] = { 0xc0, 0, 0, 0, 1, 21 };
	cr_assert_not(dp_quic_looks_like(h, sizeof(h)));
	uint8_t h2[48] = { 0xc0, 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 21 };
	cr_assert_not(dp_quic_looks_like(h2, sizeof(h2)));
	h2[14] = 20;
	cr_assert(dp_quic_looks_like(h2, sizeof(h2)));
	cr_assert_not(dp_quic_looks_like(h2, 34));
	cr_assert(dp_quic_looks_like(h2, 35));
	cr_assert_eq(parse(h2, sizeof(h2), &q, NULL), DP_PARSE_NO);

	/* A client Initial whose DCID is shorter than 8 bytes is not decrypted. */
	size_t hl = make_hello(hello, "short.example", "h3", 0);
	struct buf f = { .n = 0 };
	put_crypto(&f, 0, hello, hl);
	struct spec s = { V1, dcid8, 4, 0, 0, 2, false };
	n = seal(&s, f.b, f.n, dgram[0]);
	cr_assert_eq(parse(dgram[0], n, &q, NULL), DP_PARSE_NO);
	cr_assert(q.initial);
	cr_assert_not(q.decrypted);
}

Test(quic, hostile_lengths)
{
	uint8_t p[1200];
	size_t n = unhex(rfc9001_client_initial, p, sizeof(p));

	/* Token length: 2^62 - 1, then just one byte too many */
	uint8_t t[1210];
	memcpy(t, p, 15);
	memset(t + 15, 0xff, 8);
	memcpy(t + 23, p + 16, n - 16);
	cr_assert_eq(parse(t, n + 7, &q, NULL), DP_PARSE_NO);
	t[15] = 0x44, t[16] = 0xa0; /* 1184: the rest of the packet and one more */
	memcpy(t + 17, p + 16, n - 16);
	cr_assert_eq(parse(t, n + 1, &q, NULL), DP_PARSE_NO);

	/* Length field: larger than the datagram, huge, or too small to sample */
	uint8_t l[1200];
	memcpy(l, p, n);
	l[16] = 0x44, l[17] = 0x9f;
	cr_assert_eq(parse(l, n, &q, NULL), DP_PARSE_NO);
	l[16] = 0x7f, l[17] = 0xff;
	cr_assert_eq(parse(l, n, &q, NULL), DP_PARSE_NO);
	l[16] = 0x40, l[17] = 19;
	cr_assert_eq(parse(l, n, &q, NULL), DP_PARSE_NO);
	l[16] = 0x40, l[17] = 0;
	cr_assert_eq(parse(l, n, &q, NULL), DP_PARSE_NO);
	/* Header cut inside the token length or length varints */
	cr_assert_eq(parse(p, 16, &q, NULL), DP_PARSE_NO);
	cr_assert_eq(parse(p, 17, &q, NULL), DP_PARSE_NO);
}

Test(quic, truncation_never_reads_past_the_end)
{
	uint8_t p[1200];
	size_t n = unhex(rfc9001_client_initial, p, sizeof(p));

	for (size_t k = 0; k < n; k++) {
		cr_assert_eq(parse(p, k, &q, NULL), DP_PARSE_NO, "at %zu", k);
		memset(&st, 0, sizeof(st));
		cr_assert_eq(parse(p, k, &q, &st), DP_PARSE_NO, "at %zu", k);
		cr_assert_eq(st.hi, 0);
	}

	/* Two coalesced Initials: cut in the first, nothing; cut in the second, part. */
	size_t first;
	n = coalesced(&first);
	for (size_t k = 0; k < n; k++) {
		enum dp_parse r = parse(dgram[0], k, &q, NULL);
		if (k < first)
			cr_assert_eq(r, DP_PARSE_NO, "at %zu", k);
		else if (k < first + (n - first) / 2 && r != DP_PARSE_OK)
			cr_assert_eq(r, DP_PARSE_MORE, "at %zu", k);
	}
}

Test(quic, corruption_is_refused)
{
	uint8_t p[1200], c[1200];
	size_t n = unhex(rfc9001_client_initial, p, sizeof(p));

	for (size_t i = 0; i < n; i++) {
		for (unsigned bit = 0; bit < 8; bit += 7) {
			memcpy(c, p, n);
			c[i] ^= (uint8_t)(1u << bit);
			cr_assert_eq(parse(c, n, &q, NULL), DP_PARSE_NO, "byte %zu bit %u", i, bit);
			cr_assert_not(q.decrypted);
		}
	}
}

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

Test(quic, random_bytes)
{
	static uint8_t p[1500];

	memset(&st, 0, sizeof(st));
	for (int i = 0; i < 20000; i++) {
		size_t n = next() % sizeof(p);
		for (size_t j = 0; j < n; j++)
			p[j] = (uint8_t)next();
		if (i & 1 && n > 24) { /* a plausible Initial header, random after it */
			p[0] = (uint8_t)(0xc0 | (p[0] & 0x0f));
			p[1] = 0, p[2] = 0, p[3] = 0, p[4] = 1;
			p[5] = 8;
			p[14] = 0;
			p[15] = 0;
			p[16] = (uint8_t)(0x40 | (n - 18) >> 8);
			p[17] = (uint8_t)(n - 18);
		}
		enum dp_parse r = parse(p, n, &q, (i & 2) ? &st : NULL);
		cr_assert_eq(r, DP_PARSE_NO);
		cr_assert_leq(q.dcid_len, 20);
	}
	cr_assert_eq(st.hi, 0);
}

/* ---- cost ---- */

/*
 * OpenSSL's allocations are counted from the start (pass-through wrappers installed before
 * main: the test runner's libraries may use OpenSSL before a test starts, after which its
 * allocator can no longer be set).
 */
static _Thread_local size_t nalloc;
static bool counting;

static void *
count_malloc(size_t n, const char *file, int line)
{
	(void)file, (void)line;
	nalloc++;
	return malloc(n);
}

static void *
count_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file, (void)line;
	nalloc++;
	return realloc(p, n);
}

static void
count_free(void *p, const char *file, int line)
{
	(void)file, (void)line;
	free(p);
}

__attribute__((constructor)) static void
count_openssl_allocations(void)
{
	counting = CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free) == 1;
}

Test(quic, no_allocation_once_keyed)
{
	uint8_t p[1200];

	if (!counting)
		cr_skip_test("OpenSSL allocated before the test binary's constructors");
	size_t n = unhex(rfc9001_client_initial, p, sizeof(p));
	cr_assert_eq(dp_quic_parse(p, (uint32_t)n, &q, NULL), DP_PARSE_OK);
	nalloc = 0;
	for (int i = 0; i < 10; i++)
		cr_assert_eq(dp_quic_parse(p, (uint32_t)n, &q, NULL), DP_PARSE_OK);
	p[100] ^= 1; /* and when the tag does not verify */
	cr_assert_eq(dp_quic_parse(p, (uint32_t)n, &q, NULL), DP_PARSE_NO);
	cr_assert_eq(nalloc, 0, "%zu allocations", nalloc);
}
