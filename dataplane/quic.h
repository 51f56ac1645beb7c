/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_QUIC_H
#define DP_QUIC_H

/*
 * QUIC (RFC 9000) long-header parsing and client Initial decryption (RFC 9001 §5: Initial
 * keys derive from the Destination Connection ID with a public, version-specific salt), to
 * read the TLS ClientHello a client sends in its first datagram(s): server name and ALPN.
 *
 * Versions: 1 (RFC 9000), 2 (RFC 9369), draft-29 (0xff00001d) and drafts 27-32 sharing its
 * salt. Crypto: OpenSSL's libcrypto (HKDF-SHA256, AES-128-ECB for header protection,
 * AES-128-GCM for the payload).
 *
 * Every read is bounds-checked; hostile lengths end with DP_PARSE_NO. No allocation on
 * the packet path beyond what OpenSSL's EVP contexts need (created once per thread).
 *
 * Thread: any (per-thread crypto contexts).
 */

#include <stdbool.h>
#include <stdint.h>

#include "tls.h"

struct dp_quic {
	uint32_t version;
	uint8_t dcid_len, scid_len;
	uint8_t dcid[20];
	bool initial;   /* a client Initial packet */
	bool decrypted; /* its payload was decrypted */
	bool hello;     /* a complete ClientHello was read: see .tls */
	struct dp_tls_hello tls;
};

/* Is this UDP payload a QUIC long-header packet of a known version? */
bool dp_quic_looks_like(const uint8_t *p, uint32_t len);

#define DP_QUIC_CRYPTO_MAX 4096

/* CRYPTO stream bytes of a flow's client Initials, gathered across datagrams (a
 * ClientHello with post-quantum key shares spans two), in any order. */
struct dp_quic_crypto {
	uint32_t hi;                          /* highest offset received + 1 */
	uint8_t have[DP_QUIC_CRYPTO_MAX / 8]; /* which bytes were received */
	uint8_t data[DP_QUIC_CRYPTO_MAX];
};

/*
 * Parse a UDP datagram (possibly several coalesced QUIC packets). For a client Initial of a
 * known version, decrypt it and add its CRYPTO frames to st; when st holds a complete
 * ClientHello (contiguous from offset 0 through the end of the hello), parse it into
 * out->tls and set out->hello. st may be NULL (then only this datagram's frames count).
 * Bytes beyond DP_QUIC_CRYPTO_MAX are ignored (a hello that large is not read).
 *
 * Returns DP_PARSE_OK when out->hello is set, DP_PARSE_MORE for a valid Initial whose
 * hello is not complete yet, DP_PARSE_NO otherwise (not QUIC, not an Initial we can read,
 * or malformed).
 */
enum dp_parse dp_quic_parse(const uint8_t *p, uint32_t len, struct dp_quic *out,
			    struct dp_quic_crypto *st);

#endif /* DP_QUIC_H */
