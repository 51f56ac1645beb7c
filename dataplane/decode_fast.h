/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_DECODE_FAST_H
#define DP_DECODE_FAST_H

/*
 * The decoder's per-frame path, inline: the worker decodes every frame it receives, and a
 * call with its register saves was a sixth of the decoder's instructions. decode.c holds
 * the rest (tags, PPPoE, MPLS, IPv6, option walks) and dp_decode() for everyone else.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>

#include "decode.h"
#include "wire.h"

/* Walk TCP or IPv4 options (n bytes at p): false when one is malformed. */
bool dp_options_ok(const uint8_t *p, uint32_t n);

/* dp_decode() for every frame but untagged IPv4; pk initialised, et the first EtherType. */
enum dp_dec_reason dp_decode_other(const uint8_t *frame, uint32_t len, uint16_t et,
				   const struct dp_decode_cfg *cfg, struct dp_pkt *pk);

/* Source and destination port (the first four bytes of TCP and UDP) as dp_pkt.ports: one
 * store, so that the one load of both that builds the flow key is forwarded from it. */
static inline uint32_t
ports_of(const uint8_t *l4)
{
	return (uint32_t)dp_rd16(l4) | (uint32_t)dp_rd16(l4 + 2) << 16;
}

/* RFC 1071 sum over the header in 32-bit words (hlen is a multiple of 4); 0 when valid.
 * Byte order does not matter for a ones' complement sum that is compared with zero. */
static inline uint16_t
ip4_csum(const uint8_t *h, uint32_t hlen)
{
	uint64_t sum = 0;
	if (hlen == 20) {
		/* no options, nearly every packet: two words and a half, no loop */
		uint64_t a, b;
		uint32_t c;
		memcpy(&a, h, 8);
		memcpy(&b, h + 8, 8);
		memcpy(&c, h + 16, 4);
		sum = (a & 0xffffffffu) + (a >> 32) + (b & 0xffffffffu) + (b >> 32) + c;
	} else {
		for (uint32_t i = 0; i < hlen; i += 4) {
			uint32_t w;
			memcpy(&w, h + i, 4);
			sum += w;
		}
	}
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The options most TCP segments carry after the handshake: NOP, NOP, timestamps (RFC 7323
 * appendix A's layout), known valid without a walk. */
static inline bool
tcp_ts_only(const uint8_t *opt, uint32_t n)
{
	return n == 12 && dp_rd32(opt) == 0x0101080a;
}

static inline __attribute__((always_inline)) enum dp_dec_reason
decode_l4(const uint8_t *l4, uint32_t len, struct dp_pkt *pk)
{
	switch (pk->proto) {
	case DP_PROTO_TCP: {
		if (len < 20)
			return DP_DEC_TCP_TRUNC;
		uint32_t doff = (uint32_t)(l4[12] >> 4) * 4;
		if (doff < 20 || doff > len)
			return DP_DEC_TCP_DOFF;
		if (doff > 20 && !tcp_ts_only(l4 + 20, doff - 20) &&
		    !dp_options_ok(l4 + 20, doff - 20))
			return DP_DEC_TCP_OPT;
		pk->ports = ports_of(l4);
		pk->seq = dp_rd32(l4 + 4);
		pk->ack = dp_rd32(l4 + 8);
		pk->tcp_flags = l4[13];
		pk->window = dp_rd16(l4 + 14);
		pk->payload = l4 + doff;
		pk->payload_len = len - doff;
		return DP_DEC_OK;
	}
	case DP_PROTO_UDP: {
		if (len < 8)
			return DP_DEC_UDP_TRUNC;
		uint32_t ulen = dp_rd16(l4 + 4);
		if (ulen < 8 || ulen > len)
			return DP_DEC_UDP_LEN;
		pk->ports = ports_of(l4);
		pk->payload = l4 + 8;
		pk->payload_len = ulen - 8;
		return DP_DEC_OK;
	}
	case DP_PROTO_ICMP:
	case DP_PROTO_ICMPV6: {
		if (len < 8)
			return pk->proto == DP_PROTO_ICMP ? DP_DEC_ICMP_TRUNC : DP_DEC_ICMP6_TRUNC;
		pk->icmp_type = l4[0];
		pk->icmp_code = l4[1];
		/* Echo request and reply share their identifier: use it as both "ports" so the
		 * two directions meet in one flow. Other messages have none. */
		bool echo = pk->proto == DP_PROTO_ICMP ? (l4[0] == 8 || l4[0] == 0)
						       : (l4[0] == 128 || l4[0] == 129);
		pk->sport = pk->dport = echo ? dp_rd16(l4 + 4) : 0;
		pk->payload = l4 + 8;
		pk->payload_len = len - 8;
		return DP_DEC_OK;
	}
	default:
		pk->payload = l4;
		pk->payload_len = len;
		return DP_DEC_OK;
	}
}

static inline __attribute__((always_inline)) enum dp_dec_reason
decode_ip4(const uint8_t *ip, uint32_t avail, const struct dp_decode_cfg *cfg, struct dp_pkt *pk)
{
	if (avail < 20)
		return DP_DEC_IP4_TRUNC;
	if ((ip[0] >> 4) != 4)
		return DP_DEC_IP4_VERSION;
	uint32_t hlen = (uint32_t)(ip[0] & 15) * 4;
	if (hlen < 20 || hlen > avail)
		return DP_DEC_IP4_HLEN;
	uint32_t tot = dp_rd16(ip + 2);
	if (tot < hlen || tot > avail)
		return DP_DEC_IP4_LEN;
	if (!cfg->ip4_csum_checked && ip4_csum(ip, hlen) != 0)
		return DP_DEC_IP4_CSUM;
	if (hlen > 20 && !dp_options_ok(ip + 20, hlen - 20))
		return DP_DEC_IP4_OPT;
	pk->l3 = 4;
	pk->addr_len = 4;
	pk->src = ip + 12;
	pk->dst = ip + 16;
	pk->proto = ip[9];
	pk->l3_len = tot;
	pk->l4_off = pk->l3_off + hlen;
	uint16_t fo = dp_rd16(ip + 6);
	if ((fo & 0x3fff) != 0) {
		pk->is_frag = true;
		pk->frag_more = (fo & 0x2000) != 0;
		pk->frag_off = (uint32_t)(fo & 0x1fff) * 8;
		pk->frag_id = dp_rd16(ip + 4);
		pk->frag_hdr_len = hlen;
		pk->frag_data_len = tot - hlen;
		if (pk->frag_off + pk->frag_data_len > 65535)
			return DP_DEC_IP4_FRAG;
		return DP_DEC_OK;
	}
	return decode_l4(ip + hlen, tot - hlen, pk);
}

static inline __attribute__((always_inline)) enum dp_dec_reason
dp_decode_inline(const uint8_t *frame, uint32_t len, const struct dp_decode_cfg *cfg,
		 struct dp_pkt *pk)
{
	/* Only what later stages read without a decoder having set it is cleared (the
	 * struct is on the worker's stack for every frame: no full memset). */
	pk->frame = frame;
	pk->frame_len = len;
	pk->nvlan = 0;
	pk->vlan[0] = pk->vlan[1] = 0;
	pk->l3 = 0;
	pk->proto = 0;
	pk->tcp_flags = 0;
	pk->ports = 0;
	pk->payload_len = 0;
	pk->is_frag = false;
	if (len < 14)
		return DP_DEC_ETH_TRUNC;
	uint16_t et = dp_rd16(frame + 12);
	if (likely(et == 0x0800)) { /* untagged IPv4, the usual frame */
		pk->ethertype = et;
		pk->l3_off = 14;
		return decode_ip4(frame + 14, len - 14, cfg, pk);
	}
	return dp_decode_other(frame, len, et, cfg, pk);
}

#endif /* DP_DECODE_FAST_H */
