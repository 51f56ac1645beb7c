/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Straight-line decoding with a bounds check before every read. Lengths come from the
 * headers only after they are checked against what the frame holds; Ethernet padding after
 * the IP datagram is ignored (the IP length decides). Header checksums other than IPv4's
 * are not verified: the endpoints do that, and a wrong one changes nothing we decide.
 */
#include "decode_fast.h"

static const char *const reason_names[DP_DEC__COUNT] = {
	[DP_DEC_OK] = "ok",
	[DP_DEC_ETH_TRUNC] = "eth_trunc",
	[DP_DEC_VLAN_TRUNC] = "vlan_trunc",
	[DP_DEC_VLAN_DEPTH] = "vlan_depth",
	[DP_DEC_IP4_TRUNC] = "ip4_trunc",
	[DP_DEC_IP4_VERSION] = "ip4_version",
	[DP_DEC_IP4_HLEN] = "ip4_hlen",
	[DP_DEC_IP4_LEN] = "ip4_len",
	[DP_DEC_IP4_CSUM] = "ip4_csum",
	[DP_DEC_PPPOE_TRUNC] = "pppoe_trunc",
	[DP_DEC_MPLS_TRUNC] = "mpls_trunc",
	[DP_DEC_IP4_OPT] = "ip4_opt",
	[DP_DEC_IP4_FRAG] = "ip4_frag",
	[DP_DEC_IP6_TRUNC] = "ip6_trunc",
	[DP_DEC_IP6_VERSION] = "ip6_version",
	[DP_DEC_IP6_LEN] = "ip6_len",
	[DP_DEC_IP6_EXT_TRUNC] = "ip6_ext_trunc",
	[DP_DEC_IP6_EXT_CHAIN] = "ip6_ext_chain",
	[DP_DEC_IP6_FRAG] = "ip6_frag",
	[DP_DEC_TCP_TRUNC] = "tcp_trunc",
	[DP_DEC_TCP_DOFF] = "tcp_doff",
	[DP_DEC_TCP_OPT] = "tcp_opt",
	[DP_DEC_UDP_TRUNC] = "udp_trunc",
	[DP_DEC_UDP_LEN] = "udp_len",
	[DP_DEC_ICMP_TRUNC] = "icmp_trunc",
	[DP_DEC_ICMP6_TRUNC] = "icmp6_trunc",
};

const char *
dp_dec_reason_name(enum dp_dec_reason r)
{
	return (unsigned)r < DP_DEC__COUNT ? reason_names[r] : "?";
}

/* Walk TCP or IPv4 options: EOL ends, NOP is one byte, others are kind, length >= 2. */
bool
dp_options_ok(const uint8_t *p, uint32_t n)
{
	uint32_t i = 0;
	while (i < n) {
		uint8_t kind = p[i];
		if (kind == 0)
			return true;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || p[i + 1] < 2 || i + p[i + 1] > n)
			return false;
		i += p[i + 1];
	}
	return true;
}

static enum dp_dec_reason
decode_ip6(const uint8_t *ip, uint32_t avail, const struct dp_decode_cfg *cfg, struct dp_pkt *pk)
{
	if (avail < 40)
		return DP_DEC_IP6_TRUNC;
	if ((ip[0] >> 4) != 6)
		return DP_DEC_IP6_VERSION;
	uint32_t plen = dp_rd16(ip + 4);
	if (40 + plen > avail)
		return DP_DEC_IP6_LEN;
	pk->l3 = 6;
	pk->addr_len = 16;
	pk->src = ip + 8;
	pk->dst = ip + 24;
	pk->l3_len = 40 + plen;
	uint32_t end = 40 + plen, off = 40;
	uint8_t nh = ip[6];
	unsigned n = 0;

	for (;;) {
		switch (nh) {
		case 0:   /* hop-by-hop options */
		case 43:  /* routing */
		case 60:  /* destination options */
		case 135: /* mobility */
		case 139: /* HIP */
		case 140: /* shim6 */
		case 51:  /* AH: length in 4-byte units minus 2 */
		{
			if (++n > cfg->max_ip6_ext)
				return DP_DEC_IP6_EXT_CHAIN;
			if (off + 8 > end)
				return DP_DEC_IP6_EXT_TRUNC;
			uint32_t l = nh == 51 ? ((uint32_t)ip[off + 1] + 2) * 4
					      : ((uint32_t)ip[off + 1] + 1) * 8;
			if (off + l > end)
				return DP_DEC_IP6_EXT_TRUNC;
			nh = ip[off];
			off += l;
			continue;
		}
		case 44: { /* fragment */
			if (++n > cfg->max_ip6_ext)
				return DP_DEC_IP6_EXT_CHAIN;
			if (off + 8 > end)
				return DP_DEC_IP6_EXT_TRUNC;
			uint16_t fo = dp_rd16(ip + off + 2);
			uint32_t foff = (uint32_t)(fo >> 3) * 8;
			bool more = (fo & 1) != 0;
			uint8_t next = ip[off];
			if (foff == 0 && !more) {
				/* an atomic fragment (RFC 6946): not really fragmented */
				nh = next;
				off += 8;
				continue;
			}
			pk->proto = next;
			pk->is_frag = true;
			pk->frag_more = more;
			pk->frag_off = foff;
			pk->frag_id = dp_rd32(ip + off + 4);
			pk->frag_hdr_len = off + 8;
			pk->frag_data_len = end - (off + 8);
			pk->l4_off = pk->l3_off + off + 8;
			/* RFC 8200 §4.5: the reassembled payload cannot exceed 65535 bytes */
			if (foff + pk->frag_data_len > 65535)
				return DP_DEC_IP6_FRAG;
			return DP_DEC_OK;
		}
		default:
			pk->proto = nh;
			pk->l4_off = pk->l3_off + off;
			return decode_l4(ip + off, end - off, pk);
		}
	}
}

#define MPLS_MAX_LABELS 9

/* Every frame but untagged IPv4: tags, PPPoE, MPLS, IPv6 (pk initialised, et the
 * EtherType after the MAC addresses). */
enum dp_dec_reason
dp_decode_other(const uint8_t *frame, uint32_t len, uint16_t et, const struct dp_decode_cfg *cfg,
		struct dp_pkt *pk)
{
	uint32_t off = 12;

	while (et == 0x8100 || et == 0x88a8 || et == 0x9100) {
		if (pk->nvlan == 2)
			return DP_DEC_VLAN_DEPTH;
		if (off + 6 > len)
			return DP_DEC_VLAN_TRUNC;
		pk->vlan[pk->nvlan++] = dp_rd16(frame + off + 2) & 0x0fff;
		off += 4;
		et = dp_rd16(frame + off);
	}
	pk->ethertype = et;
	pk->l3_off = (uint16_t)(off + 2);
	if (et == 0x8864) {
		/* PPPoE session stage (RFC 2516 §4): ver/type 0x11, code 0, session id, length,
		 * then the PPP protocol (RFC 1661): 0x0021 IPv4, 0x0057 IPv6 */
		const uint8_t *h = frame + pk->l3_off;
		if (pk->l3_off + 8u > len || h[0] != 0x11 || h[1] != 0)
			return DP_DEC_PPPOE_TRUNC;
		uint16_t ppp = dp_rd16(h + 6);
		pk->l3_off = (uint16_t)(pk->l3_off + 8);
		if (ppp == 0x0021)
			et = 0x0800;
		else if (ppp == 0x0057)
			et = 0x86dd;
		else
			return DP_DEC_OK; /* LCP, IPCP, ...: not IP */
	} else if (et == 0x8847 || et == 0x8848) {
		/* MPLS (RFC 3032): labels until the bottom-of-stack bit, then IP by version; a
		 * stack deeper than MPLS_MAX_LABELS is malformed */
		uint32_t o = pk->l3_off;
		for (;;) {
			if (o + 4 > len)
				return DP_DEC_MPLS_TRUNC;
			bool bottom = frame[o + 2] & 1;
			o += 4;
			if (bottom)
				break;
			if (o - pk->l3_off >= 4 * MPLS_MAX_LABELS)
				return DP_DEC_MPLS_TRUNC;
		}
		if (o >= len)
			return DP_DEC_MPLS_TRUNC;
		pk->l3_off = (uint16_t)o;
		if ((frame[o] >> 4) == 4)
			et = 0x0800;
		else if ((frame[o] >> 4) == 6)
			et = 0x86dd;
		else
			return DP_DEC_OK; /* pseudowire or other payload: not inspected */
	}
	if (et == 0x0800)
		return decode_ip4(frame + pk->l3_off, len - pk->l3_off, cfg, pk);
	if (et == 0x86dd)
		return decode_ip6(frame + pk->l3_off, len - pk->l3_off, cfg, pk);
	return DP_DEC_OK;
}

enum dp_dec_reason
dp_decode(const uint8_t *frame, uint32_t len, const struct dp_decode_cfg *cfg, struct dp_pkt *pk)
{
	return dp_decode_inline(frame, len, cfg, pk);
}

enum dp_dec_reason
dp_decode_l4(const uint8_t *l4, uint32_t len, struct dp_pkt *pk)
{
	return decode_l4(l4, len, pk);
}
