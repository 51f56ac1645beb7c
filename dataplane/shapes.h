/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_SHAPES_H
#define DP_SHAPES_H

/*
 * Protocols recognised by the fixed shape of their first messages, each a predicate over
 * the first bytes of a direction (TCP) or a datagram (UDP), with the specification it
 * follows. None of them allocates or keeps state.
 *
 * Thread: any.
 */

#include <stdbool.h>
#include <stdint.h>

#include "tls.h" /* enum dp_parse */

/* SSH identification string "SSH-2.0-..." / "SSH-1.99-..." (RFC 4253 §4.2). software
 * receives what follows the version (up to cap-1 bytes). */
enum dp_parse dp_ssh_banner(const uint8_t *p, uint32_t len, char *software, unsigned cap);

/* BitTorrent peer handshake: 19 "BitTorrent protocol" (BEP 3). */
enum dp_parse dp_bt_handshake(const uint8_t *p, uint32_t len);
/* BitTorrent DHT (BEP 5) KRPC message: a bencoded dictionary "d1:a" / "d1:r" / "d1:e" with an
 * "id" of 20 bytes, or "d2:ip" responses, in a UDP datagram. */
bool dp_bt_dht(const uint8_t *p, uint32_t len);
/* uTP (BEP 29) packet: version 1, type 0-4, a well-formed extension chain, a non-zero
 * window; ST_STATE and ST_SYN without payload, ST_DATA with. */
struct dp_utp {
	uint8_t type;
	uint16_t conn;
	uint32_t ts;
	uint16_t seq;
};
bool dp_bt_utp(const uint8_t *p, uint32_t len, struct dp_utp *u);

/* WireGuard message (whitepaper §5.4): type 1-4, three reserved zero bytes, fixed sizes
 * (initiation 148, response 92, cookie 64, data >= 32 and a multiple of 16). */
bool dp_wireguard(const uint8_t *p, uint32_t len, uint8_t *type);

/* Tailscale's disco messages ("TS" and U+1F4AC, tailscale/disco/disco.go), which share
 * WireGuard's UDP socket. */
bool dp_tailscale_disco(const uint8_t *p, uint32_t len);

/*
 * OpenVPN packet header (openvpn/src/openvpn/ssl_pkt.h): opcode in the top 5 bits, key id
 * in the low 3, then (except P_DATA) the sender's 8-byte session id. Over TCP each packet
 * follows a 2-byte length. A session opens with a hard reset (client: opcodes 1, 7, 10;
 * server: 2, 8) with key id 0; the same sender then uses the same session id in its
 * P_CONTROL (4), P_ACK (5) or P_CONTROL_WKC (11) packets.
 */
enum {
	DP_OVPN_RESET_CLIENT_V1 = 1,
	DP_OVPN_RESET_SERVER_V1 = 2,
	DP_OVPN_CONTROL = 4,
	DP_OVPN_ACK = 5,
	DP_OVPN_RESET_CLIENT_V2 = 7,
	DP_OVPN_RESET_SERVER_V2 = 8,
	DP_OVPN_RESET_CLIENT_V3 = 10,
	DP_OVPN_CONTROL_WKC = 11,
};
struct dp_openvpn {
	uint8_t op, key;
	uint64_t sid;
};
/* A control packet (opcodes above) of len bytes: header and a plausible length. */
bool dp_openvpn_msg(const uint8_t *p, uint32_t len, struct dp_openvpn *o);
static inline bool
dp_openvpn_reset(uint8_t op)
{
	return op == DP_OVPN_RESET_CLIENT_V1 || op == DP_OVPN_RESET_SERVER_V1 ||
	       op == DP_OVPN_RESET_CLIENT_V2 || op == DP_OVPN_RESET_SERVER_V2 ||
	       op == DP_OVPN_RESET_CLIENT_V3;
}

/* RDP: TPKT (RFC 1006) + X.224 Connection Request (MS-RDPBCGR §2.2.1.1) whose variable
 * part is empty, a routing token or "Cookie: mstshash=" line, and/or an RDP_NEG_REQ — not
 * the TSAP parameters other ISO-on-TCP protocols (S7comm) send. cookie receives the
 * cookie's value if present. */
enum dp_parse dp_rdp_request(const uint8_t *p, uint32_t len, char *cookie, unsigned cap);

/* RDP over UDP ([MS-RDPEUDP] 2.2.2.5): the client's SYN datagram, padded to 1232 bytes:
 * snSourceAck -1, flags with RDPUDP_FLAG_SYN and without ACK, MTUs 1132-1232. */
bool dp_rdpudp_syn(const uint8_t *p, uint32_t len);
/* An RDP-UDP datagram's header: the sequence number it acknowledges and, if it carries
 * data, its own (snCoded). false when the header does not parse. */
bool dp_rdpudp_hdr(const uint8_t *p, uint32_t len, uint32_t *ack, uint32_t *seq, bool *has_seq);

/* RTP (RFC 3550 §5.1) version 2 with a payload type outside RTCP's range; RTCP packets
 * (payload types 200-206) separately. */
bool dp_rtp(const uint8_t *p, uint32_t len, uint8_t *pt);
bool dp_rtcp(const uint8_t *p, uint32_t len);

/* DTLS record (RFC 6347 §4.1): content type 20-23 (or 25), version 1.0 or 1.2. */
bool dp_dtls(const uint8_t *p, uint32_t len);

#endif /* DP_SHAPES_H */
