/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_DECODE_H
#define DP_DECODE_H

/*
 * Packet decoding: Ethernet, up to two VLAN tags (802.1Q, 802.1ad/QinQ), IPv4 (options),
 * IPv6 (extension header chain, bounded), TCP (options), UDP, ICMP, ICMPv6.
 *
 * The decoder only reads: it never writes to the frame and never reads past len. Every
 * malformation it can see has a reason (enum dp_dec_reason) that the worker counts; what
 * happens to a malformed packet is the caller's policy. Fragments are decoded up to the IP
 * layer (the fragment fields are filled) and their L4 header is decoded later, on the
 * reassembled datagram, by dp_decode_l4().
 *
 * Thread: any; no state.
 */

#include <stdbool.h>
#include <stdint.h>

enum dp_dec_reason {
	DP_DEC_OK = 0,
	DP_DEC_ETH_TRUNC,     /* shorter than an Ethernet header */
	DP_DEC_VLAN_TRUNC,    /* a VLAN tag cut short */
	DP_DEC_VLAN_DEPTH,    /* more than two VLAN tags */
	DP_DEC_PPPOE_TRUNC,   /* a PPPoE session header cut short, or not version 1 type 1 */
	DP_DEC_MPLS_TRUNC,    /* an MPLS label stack without its bottom or its payload */
	DP_DEC_IP4_TRUNC,     /* fewer than 20 bytes of IPv4 header */
	DP_DEC_IP4_VERSION,   /* version field is not 4 */
	DP_DEC_IP4_HLEN,      /* IHL below 5 or header beyond the packet */
	DP_DEC_IP4_LEN,       /* total length below the header or beyond the frame */
	DP_DEC_IP4_CSUM,      /* header checksum wrong */
	DP_DEC_IP4_OPT,       /* malformed option */
	DP_DEC_IP4_FRAG,      /* fragment offset + length beyond 65535 */
	DP_DEC_IP6_TRUNC,     /* fewer than 40 bytes of IPv6 header */
	DP_DEC_IP6_VERSION,   /* version field is not 6 */
	DP_DEC_IP6_LEN,       /* payload length beyond the frame */
	DP_DEC_IP6_EXT_TRUNC, /* an extension header runs past the packet */
	DP_DEC_IP6_EXT_CHAIN, /* more extension headers than allowed */
	DP_DEC_IP6_FRAG,      /* fragment offset + length beyond 65535 */
	DP_DEC_TCP_TRUNC,     /* fewer than 20 bytes of TCP header */
	DP_DEC_TCP_DOFF,      /* data offset below 5 or beyond the segment */
	DP_DEC_TCP_OPT,       /* malformed option */
	DP_DEC_UDP_TRUNC,     /* fewer than 8 bytes of UDP header */
	DP_DEC_UDP_LEN,       /* length field below 8 or beyond the IP payload */
	DP_DEC_ICMP_TRUNC,    /* fewer than 8 bytes of ICMP header */
	DP_DEC_ICMP6_TRUNC,   /* fewer than 8 bytes of ICMPv6 header */
	DP_DEC__COUNT
};

/* Stable names for counters and logs ("ip4_csum", ...). */
const char *dp_dec_reason_name(enum dp_dec_reason r);

#define DP_PROTO_ICMP   1
#define DP_PROTO_TCP    6
#define DP_PROTO_UDP    17
#define DP_PROTO_ICMPV6 58

#define DP_TCP_FIN      0x01
#define DP_TCP_SYN      0x02
#define DP_TCP_RST      0x04
#define DP_TCP_PSH      0x08
#define DP_TCP_ACK      0x10

struct dp_pkt {
	const uint8_t *frame;
	uint32_t frame_len; /* bytes of the frame (wire length) */
	uint16_t l3_off;    /* offset of the IP header */
	uint16_t ethertype; /* after the VLAN tags */
	uint16_t vlan[2];   /* VLAN ids, outer first */
	uint8_t nvlan;
	uint8_t l3;    /* 0 (not IP), 4, 6 */
	uint8_t proto; /* L4 protocol (after IPv6 extension headers) */
	uint8_t tcp_flags;
	uint8_t addr_len;   /* 4 or 16 */
	const uint8_t *src; /* into the frame */
	const uint8_t *dst;
	uint32_t l4_off; /* offset of the L4 header in the frame (or datagram) */
	uint32_t l3_len; /* IP header + payload (total length), as the header says */
	union {
		struct {
			uint16_t sport, dport;
		};
		uint32_t ports; /* both in one load or store: sport in the low half */
	};
	uint32_t seq, ack;
	uint16_t window;
	uint8_t icmp_type, icmp_code;
	const uint8_t *payload; /* L4 payload */
	uint32_t payload_len;
	/* fragments */
	bool is_frag;
	bool frag_more;    /* MF */
	uint32_t frag_id;  /* IPv4 id or IPv6 identification */
	uint32_t frag_off; /* bytes */
	uint32_t
		frag_hdr_len; /* bytes before the fragmentable part (IP header + unfragmentable exts) */
	uint32_t frag_data_len;
};

struct dp_decode_cfg {
	unsigned max_ip6_ext;  /* extension headers allowed before giving up */
	bool ip4_csum_checked; /* verified by the NIC, or decode.ip4_checksum = "ignore" */
};

/*
 * Decode a frame down to L4 (or to IP for fragments). Returns DP_DEC_OK or the first
 * malformation found; pk holds everything decoded before it. A frame that is not IP
 * (ARP, LLDP, ...) decodes OK with pk->l3 == 0.
 */
enum dp_dec_reason dp_decode(const uint8_t *frame, uint32_t len, const struct dp_decode_cfg *cfg,
			     struct dp_pkt *pk);

/*
 * Decode the L4 header at l4 (len bytes, the rest of the datagram) for pk->proto: used
 * for reassembled datagrams. Fills ports, flags, payload.
 */
enum dp_dec_reason dp_decode_l4(const uint8_t *l4, uint32_t len, struct dp_pkt *pk);

#endif /* DP_DECODE_H */
