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
/* uTP (BEP 29) header: version 1, type 0-4, extension 0-2, 20-byte header. */
bool dp_bt_utp(const uint8_t *p, uint32_t len);

/* WireGuard message (whitepaper §5.4): type 1-4, three reserved zero bytes, fixed sizes
 * (initiation 148, response 92, cookie 64, data >= 32 and a multiple of 16). */
bool dp_wireguard(const uint8_t *p, uint32_t len, uint8_t *type);

/* OpenVPN control packet opening a session (openvpn/src/openvpn/ssl_pkt.h): opcode
 * P_CONTROL_HARD_RESET_CLIENT_V2 (7) or _V3 (10) in the top 5 bits; over TCP after the
 * 2-byte packet length. */
bool dp_openvpn_udp(const uint8_t *p, uint32_t len);
bool dp_openvpn_tcp(const uint8_t *p, uint32_t len);

/* RDP: TPKT (RFC 1006) + X.224 Connection Request (MS-RDPBCGR §2.2.1.1); cookie receives
 * the "Cookie: mstshash=" value if present. */
enum dp_parse dp_rdp_request(const uint8_t *p, uint32_t len, char *cookie, unsigned cap);

/* RTP (RFC 3550 §5.1) version 2 with a payload type outside RTCP's range; RTCP packets
 * (payload types 200-206) separately. */
bool dp_rtp(const uint8_t *p, uint32_t len, uint8_t *pt);
bool dp_rtcp(const uint8_t *p, uint32_t len);

/* DTLS record (RFC 6347 §4.1): content type 20-23 (or 25), version 1.0 or 1.2. */
bool dp_dtls(const uint8_t *p, uint32_t len);

#endif /* DP_SHAPES_H */
