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
	bool ms;     /* a Microsoft vendor attribute (0x8000-0x80ff range they use) */
	unsigned nattrs;
	uint16_t attrs[DP_STUN_ATTRS];
	char software[64];
	unsigned naddrs;
	struct dp_stun_addr addrs[DP_STUN_ADDRS];
};

/*
 * A STUN message at p (a UDP payload, or one message of a TCP stream). DP_PARSE_OK for a
 * well-formed message (header, every attribute within the length), DP_PARSE_NO otherwise.
 * Trailing bytes beyond the message (e.g. a ChannelData or TCP continuation) are allowed.
 */
enum dp_parse dp_stun_parse(const uint8_t *p, uint32_t len, struct dp_stun *out);

/* Does the message carry attribute type t? */
bool dp_stun_has(const struct dp_stun *s, uint16_t t);

#endif /* DP_STUN_H */
