/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GEN_PROTO_H
#define GEN_PROTO_H

/*
 * Application-protocol messages for test traffic, written byte by byte from their public
 * specifications: TLS ClientHello, ServerHello and Certificate (RFC 8446, RFC 5246,
 * RFC 5280), DNS queries and answers (RFC 1035), STUN/TURN messages (RFC 8489, RFC 8656,
 * RFC 3489), and QUIC client Initials sealed as a client seals them (RFC 9000 §17.2.2,
 * RFC 9001 §5: Initial keys by HKDF-SHA256 from the Destination Connection ID,
 * AES-128-GCM payload protection, AES-128-ECB header protection).
 *
 * Deterministic: whatever looks random comes from the caller's gen_rng, so the same seed
 * gives the same bytes. Used by bwgen's "apps" and "quic-stale" scenarios.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

#define GEN_MSG_MAX 8192

/* A message under construction. Writing past GEN_MSG_MAX aborts (a generator bug). */
struct gen_msg {
	uint8_t b[GEN_MSG_MAX];
	size_t n;
};

void gen_msg_put(struct gen_msg *m, const void *d, size_t n);
void gen_msg_str(struct gen_msg *m, const char *s);
void gen_msg_u8(struct gen_msg *m, unsigned v);
void gen_msg_u16(struct gen_msg *m, unsigned v);
void gen_msg_u24(struct gen_msg *m, uint32_t v);
void gen_msg_u32(struct gen_msg *m, uint32_t v);
void gen_msg_fill(struct gen_msg *m, unsigned v, size_t n);
void gen_msg_rand(struct gen_msg *m, struct gen_rng *r, size_t n);
/* A length field of width bytes: open reserves it, close fills in what followed it. */
size_t gen_msg_open(struct gen_msg *m, unsigned width);
void gen_msg_close(struct gen_msg *m, size_t at, unsigned width);

/* ---- TLS ---- */

struct gen_hello {
	const char *sni;  /* server_name (host_name); NULL: no server_name extension */
	const char *alpn; /* one ALPN protocol; NULL: no ALPN extension */
	bool quic;        /* a QUIC client's hello: no session id, TLS 1.3 suites only,
			   * quic_transport_parameters (RFC 9001 §8.2) */
};

/* A ClientHello handshake message (type 1, 3-byte length, body): what QUIC carries. */
void gen_tls_hello_msg(struct gen_msg *m, const struct gen_hello *h, struct gen_rng *r);
/* The same in one TLS handshake record: what a TCP client sends first. */
void gen_tls_client_hello(struct gen_msg *m, const struct gen_hello *h, struct gen_rng *r);
/* A TLS 1.3 server's first flight: ServerHello (supported_versions 0x0304, an X25519
 * key share), change_cipher_spec, then encrypted handshake records. */
void gen_tls13_server_flight(struct gen_msg *m, struct gen_rng *r);
/*
 * A TLS 1.2 server's first flight in clear: ServerHello, Certificate (one leaf
 * certificate whose subject is CN=cn[, O=org], issued by CN=issuer, with dNSName
 * subjectAltNames dns[0..ndns)), ServerHelloDone. The signatures are filler: nothing in
 * the path verifies them.
 */
void gen_tls12_server_flight(struct gen_msg *m, const char *cn, const char *org, const char *issuer,
			     const char *const *dns, unsigned ndns, struct gen_rng *r);

/* ---- DNS ---- */

/* A recursive query for name (qtype 1: A, 28: AAAA), class IN. */
void gen_dns_query(struct gen_msg *m, uint16_t id, const char *name, uint16_t qtype);
/* Turn the query in m into its answer: one A record for the question (a compression
 * pointer to it), TTL ttl seconds. */
void gen_dns_answer_a(struct gen_msg *m, const uint8_t addr[4], uint32_t ttl);

/* ---- STUN / TURN ---- */

/* Start a message: type, a length filled in by gen_stun_end, then the magic cookie and a
 * 96-bit transaction id (RFC 8489 §5), or without the cookie a 128-bit transaction id
 * (RFC 3489 §11.1). */
void gen_stun_begin(struct gen_msg *m, uint16_t type, bool cookie, struct gen_rng *r);
/* An attribute, padded to 4 bytes (RFC 8489 §14). */
void gen_stun_attr(struct gen_msg *m, uint16_t type, const void *v, size_t n);
void gen_stun_attr32(struct gen_msg *m, uint16_t type, uint32_t v);
/* An XOR-*-ADDRESS attribute for an IPv4 address (RFC 8489 §14.2). */
void gen_stun_xor_addr(struct gen_msg *m, uint16_t type, const uint8_t ip[4], uint16_t port);
void gen_stun_end(struct gen_msg *m);

/* ---- QUIC ---- */

/*
 * A QUIC version 1 client Initial datagram of exactly 1200 bytes (RFC 9000 §14.1): long
 * header with dcid (8-20 bytes), an 8-byte source connection id, no token, a 2-byte packet
 * number pn; one CRYPTO frame carrying crypto[0, n) at stream offset off, then PADDING;
 * sealed with the client Initial keys of dcid. Writes out (at least 1200 bytes); returns
 * the length, 0 if the frame does not fit.
 */
size_t gen_quic_initial(uint8_t *out, const uint8_t *dcid, size_t dcid_len, uint16_t pn,
			uint64_t off, const uint8_t *crypto, size_t n);

#endif /* GEN_PROTO_H */
