/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_TLS_H
#define DP_TLS_H

/*
 * TLS handshake parsing (RFC 8446, RFC 5246): the ClientHello's server name (RFC 6066 §3),
 * ALPN (RFC 7301) and offered versions; the ServerHello's version; the server certificate's
 * names (subject CN and dNSName SubjectAltNames) when the handshake is in clear (TLS 1.2).
 *
 * Every read is bounds-checked against the bytes given; hostile lengths end the parse
 * with DP_PARSE_NO, never a read past the buffer. Parsers are stateless: callers hand them
 * the first bytes of a direction (accumulated across segments) and call again with more
 * when they answer DP_PARSE_MORE.
 *
 * Thread: any.
 */

#include <stdbool.h>
#include <stdint.h>

enum dp_parse {
	DP_PARSE_OK,   /* parsed; the output is filled */
	DP_PARSE_MORE, /* looks right so far; give more bytes */
	DP_PARSE_NO,   /* not this protocol, or malformed */
};

#define DP_NAME_MAX 256

struct dp_tls_hello {
	char sni[DP_NAME_MAX]; /* server_name (host_name), NUL-terminated, "" if absent */
	char alpn[32];         /* first ALPN protocol offered, "" if none */
	uint16_t legacy_version;
	uint16_t max_version; /* highest of supported_versions, or legacy_version */
	uint16_t cipher_suites;
	uint16_t extensions;
	bool grease; /* GREASE values (RFC 8701) among suites or extensions */
};

/*
 * A ClientHello in TLS records starting at p (len bytes: the start of a TCP direction).
 * The hello may span several records and segments; DP_PARSE_MORE until it is complete.
 */
enum dp_parse dp_tls_client_hello(const uint8_t *p, uint32_t len, struct dp_tls_hello *out);

/*
 * A ClientHello handshake message without record framing (type 1, 3-byte length, body):
 * what QUIC carries in CRYPTO frames.
 */
enum dp_parse dp_tls_client_hello_msg(const uint8_t *p, uint32_t len, struct dp_tls_hello *out);

#define DP_TLS_CERT_NAMES 4

struct dp_tls_server {
	uint16_t version; /* negotiated (supported_versions if present) */
	uint16_t cipher;
	unsigned nnames;
	char names[DP_TLS_CERT_NAMES][DP_NAME_MAX]; /* subject CN first, then dNSNames */
};

/*
 * The server's first flight: ServerHello and, when not encrypted (TLS 1.2 and earlier),
 * the Certificate message's leaf certificate names. DP_PARSE_OK once the ServerHello is
 * parsed and either the certificate has been read or the session is TLS 1.3 (encrypted).
 */
enum dp_parse dp_tls_server_hello(const uint8_t *p, uint32_t len, struct dp_tls_server *out);

/* Does p look like the start of a TLS record (handshake, a known version)? */
bool dp_tls_looks_like(const uint8_t *p, uint32_t len);

#endif /* DP_TLS_H */
