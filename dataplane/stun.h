/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_STUN_H
#define DP_STUN_H

/*
 * STUN and TURN message parsing (RFC 8489, RFC 8656; classic RFC 3489 without the magic
 * cookie; Microsoft's MS-TURN/MS-ICE2 attributes): message type, the attribute types
 * present, the SOFTWARE string, and the transport addresses a message announces (MAPPED,
 * XOR-MAPPED, XOR-PEER, XOR-RELAYED, ALTERNATE-SERVER), which the attribution cache uses to
 * follow the media flows a signalling exchange sets up.
 *
 * Thread: any; no state.
 */

#include <stdbool.h>
#include <stdint.h>

#include "tls.h" /* enum dp_parse */

#define DP_STUN_ATTRS 32
#define DP_STUN_ADDRS 4

struct dp_stun_addr {
	uint16_t attr;  /* the attribute it came from */
	uint8_t family; /* 4 or 6 */
	uint16_t port;
	uint8_t addr[16];
};

struct dp_stun {
	uint16_t type; /* message type (method and class) */
	uint16_t length;
	bool cookie; /* RFC 5389 magic cookie present */
	bool ms;     /* a Microsoft vendor attribute, or MS-TURN's MAGIC-COOKIE attribute */
	bool ms_mux; /* inside Microsoft's multiplexed-TURN wrapper (0xFF10): attrs then also
		       * lists 0x000F, MS-TURN's MAGIC-COOKIE */
	unsigned nattrs;
	uint16_t attrs[DP_STUN_ATTRS]; /* 0x000F only as MS-TURN's MAGIC-COOKIE (its value) */
	char software[64];
	char realm[64]; /* REALM (RFC 8489 §14.9) */
	unsigned naddrs;
	struct dp_stun_addr addrs[DP_STUN_ADDRS];
};

/*
 * A STUN message at p (a UDP payload, or the start of a TCP direction). DP_PARSE_OK for a
 * well-formed message: two leading zero bits; the magic cookie, or a classic (RFC 3489)
 * message type, or MS-TURN's MAGIC-COOKIE attribute first; a length that is a multiple of
 * 4 or exactly fills the datagram (WhatsApp's relays send 106); attributes that tile the
 * message exactly, each padded to 4 or, where the padded walk does not fit, unpadded (as
 * MS-TURN sends them). Microsoft's multiplexed-TURN wrapper (FF10, length, 8-byte session
 * id) is removed first. DP_PARSE_NO otherwise. exact: the message must fill len (a UDP
 * datagram); otherwise bytes after it are allowed (a TCP stream).
 */
enum dp_parse dp_stun_parse(const uint8_t *p, uint32_t len, struct dp_stun *out);
enum dp_parse dp_stun_parse_msg(const uint8_t *p, uint32_t len, bool exact, struct dp_stun *out);

/* STUN over TCP at the start of a direction: RFC 4571 framing (a 2-byte length, then the
 * message) or a bare message (RFC 8489 §6.2.2). The magic cookie is required. */
enum dp_parse dp_stun_tcp(const uint8_t *p, uint32_t len, struct dp_stun *out);

/* Does the message carry attribute type t? */
bool dp_stun_has(const struct dp_stun *s, uint16_t t);

#endif /* DP_STUN_H */
