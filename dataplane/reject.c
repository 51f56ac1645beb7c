/* SPDX-License-Identifier: BSD-3-Clause */
#include "reject.h"

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>

/* Copy the L2 header (Ethernet and VLAN tags only), swapping the MACs if asked. Returns its
 * length, or 0 if the frame has another encapsulation (PPPoE, MPLS) or out is too small. */
static uint32_t
l2_header(const struct dp_pkt *pk, bool swap, uint8_t *out, uint32_t cap)
{
	uint32_t n = pk->l3_off;
	uint16_t et = (uint16_t)(pk->frame[n - 2] << 8 | pk->frame[n - 1]);

	if (n < 14 || n > 22 || n > cap || (et != 0x0800 && et != 0x86dd))
		return 0;
	memcpy(out, pk->frame, n);
	if (swap) {
		memcpy(out, pk->frame + 6, 6);
		memcpy(out + 6, pk->frame, 6);
	}
	return n;
}

/* An IP header from a to b carrying l4len bytes of proto; returns its length. */
static uint32_t
ip_header(const struct dp_pkt *pk, const uint8_t *a, const uint8_t *b, uint8_t proto,
	  uint32_t l4len, uint8_t *out)
{
	if (pk->l3 == 4) {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)out;
		memset(h, 0, sizeof(*h));
		h->version_ihl = 0x45;
		h->total_length = rte_cpu_to_be_16((uint16_t)(20 + l4len));
		h->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		h->time_to_live = 64;
		h->next_proto_id = proto;
		memcpy(&h->src_addr, a, 4);
		memcpy(&h->dst_addr, b, 4);
		h->hdr_checksum = rte_ipv4_cksum(h);
		return 20;
	}
	struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)out;
	memset(h, 0, sizeof(*h));
	h->vtc_flow = rte_cpu_to_be_32(6u << 28);
	h->payload_len = rte_cpu_to_be_16((uint16_t)l4len);
	h->proto = proto;
	h->hop_limits = 64;
	memcpy(h->src_addr, a, 16);
	memcpy(h->dst_addr, b, 16);
	return 40;
}

static uint16_t
l4_cksum(const struct dp_pkt *pk, const uint8_t *ip, const void *l4)
{
	if (pk->l3 == 4)
		return rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)ip, l4);
	return rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)ip, l4);
}

uint32_t
dp_reject_tcp_rst(const struct dp_pkt *pk, bool to_sender, uint8_t *out, uint32_t cap)
{
	uint32_t seq, ack = 0;
	uint8_t flags = RTE_TCP_RST_FLAG;

	if (pk->proto != DP_PROTO_TCP || pk->l3 == 0 || (pk->tcp_flags & DP_TCP_RST))
		return 0;
	if (to_sender) {
		/* what the sender expects next from its peer: the number it acknowledged; in
		 * SYN-SENT (no ACK yet) an RST must acknowledge the SYN instead */
		uint32_t end = pk->seq + pk->payload_len + ((pk->tcp_flags & DP_TCP_SYN) ? 1 : 0) +
			       ((pk->tcp_flags & DP_TCP_FIN) ? 1 : 0);
		seq = (pk->tcp_flags & DP_TCP_ACK) ? pk->ack : 0;
		ack = end;
		flags |= RTE_TCP_ACK_FLAG;
	} else {
		/* the receiver never gets this packet: it still expects its first byte; a SYN
		 * it never saw leaves it nothing to reset */
		if ((pk->tcp_flags & DP_TCP_SYN) && !(pk->tcp_flags & DP_TCP_ACK))
			return 0;
		seq = pk->seq;
		if (pk->tcp_flags & DP_TCP_ACK) {
			ack = pk->ack;
			flags |= RTE_TCP_ACK_FLAG;
		}
	}
	uint32_t iplen = pk->l3 == 4 ? 20 : 40;
	uint32_t l2 = l2_header(pk, to_sender, out, cap);
	if (l2 == 0 || l2 + iplen + 20 > cap)
		return 0;
	uint8_t *ip = out + l2;
	const uint8_t *from = to_sender ? pk->dst : pk->src;
	const uint8_t *to = to_sender ? pk->src : pk->dst;
	ip_header(pk, from, to, DP_PROTO_TCP, 20, ip);
	struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(ip + iplen);
	memset(t, 0, sizeof(*t));
	t->src_port = rte_cpu_to_be_16(to_sender ? pk->dport : pk->sport);
	t->dst_port = rte_cpu_to_be_16(to_sender ? pk->sport : pk->dport);
	t->sent_seq = rte_cpu_to_be_32(seq);
	t->recv_ack = rte_cpu_to_be_32(ack);
	t->data_off = 5 << 4;
	t->tcp_flags = flags;
	t->cksum = l4_cksum(pk, ip, t);
	uint32_t len = l2 + iplen + 20;
	/* pad to the Ethernet minimum */
	for (; len < 60 && len < cap; len++)
		out[len] = 0;
	return len;
}

uint32_t
dp_reject_icmp(const struct dp_pkt *pk, uint8_t *out, uint32_t cap)
{
	if (pk->l3 == 0)
		return 0;
	/* the quote: the sender's IP header and the first 8 bytes after it (RFC 792), or as
	 * much as keeps the message within the IPv6 minimum MTU (RFC 4443 2.4) */
	uint32_t avail = pk->frame_len - pk->l3_off;
	if (pk->l3_len < avail)
		avail = pk->l3_len;
	uint32_t iphl = pk->l4_off - pk->l3_off;
	uint32_t quote = pk->l3 == 4 ? iphl + 8 : 1232;
	if (quote > avail)
		quote = avail;
	uint32_t iplen = pk->l3 == 4 ? 20 : 40;
	uint32_t l4len = 8 + quote;
	uint32_t l2 = l2_header(pk, true, out, cap);
	if (l2 == 0 || l2 + iplen + l4len > cap)
		return 0;
	uint8_t *ip = out + l2;
	uint8_t proto = pk->l3 == 4 ? DP_PROTO_ICMP : DP_PROTO_ICMPV6;
	ip_header(pk, pk->dst, pk->src, proto, l4len, ip);
	uint8_t *icmp = ip + iplen;
	memset(icmp, 0, 8);
	icmp[0] = pk->l3 == 4 ? 3 : 1;  /* destination unreachable */
	icmp[1] = pk->l3 == 4 ? 13 : 1; /* administratively prohibited */
	memcpy(icmp + 8, pk->frame + pk->l3_off, quote);
	uint16_t ck;
	if (pk->l3 == 4) {
		ck = (uint16_t)~rte_raw_cksum(icmp, l4len);
	} else {
		ck = rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)ip, icmp);
	}
	memcpy(icmp + 2, &ck, 2);
	uint32_t len = l2 + iplen + l4len;
	for (; len < 60 && len < cap; len++)
		out[len] = 0;
	return len;
}
