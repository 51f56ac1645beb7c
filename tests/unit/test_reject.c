/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/reject.c: the RSTs a reset sends to both ends and the ICMP a UDP block sends,
 * checked field by field: L2 header kept (MACs swapped back to the sender), addresses and
 * ports mirrored, sequence and acknowledgement numbers each end accepts (RFC 793, RFC 5961),
 * valid IP, TCP and ICMP checksums; IPv4 and IPv6, with VLAN tags.
 */
#define ALLOW_EXPERIMENTAL_API /* rte_ip*_udptcp_cksum_verify */
#include <criterion/criterion.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "../../dataplane/decode.h"
#include "../../dataplane/reject.h"
#include "../gen/pkt.h"

static uint8_t in[GEN_MAX_FRAME], out[DP_REJECT_MAX];
static struct dp_pkt pk, rp;
static const struct dp_decode_cfg dc = { .max_ip6_ext = 8 };

/* A TCP segment from client to server with flags, seq, ack and payload length. */
static void
segment(int l3, unsigned nvlan, uint8_t flags, uint32_t seq, uint32_t ack, size_t plen)
{
	static const uint8_t data[1500];
	cr_assert_leq(plen, sizeof(data));
	struct gen_pkt g = {
		.l2 = { .dst = { 2, 0, 0, 0, 0, 2 }, .src = { 2, 0, 0, 0, 0, 1 }, .nvlan = nvlan },
		.l3 = l3,
		.src = l3 == 4 ? gen_ip4(198, 18, 0, 1) : gen_ip6(1, 1),
		.dst = l3 == 4 ? gen_ip4(198, 19, 0, 2) : gen_ip6(2, 2),
		.proto = 6,
		.ttl = 60,
		.sport = 40000,
		.dport = 443,
		.seq = seq,
		.ack = ack,
		.tcp_flags = flags,
		.window = 1000,
		.payload = data,
		.payload_len = plen,
	};
	g.l2.tpid[0] = 0x88a8;
	g.l2.tci[0] = 10;
	g.l2.tpid[1] = 0x8100;
	g.l2.tci[1] = 20;
	size_t n = gen_build(in, &g);
	cr_assert_eq(dp_decode(in, (uint32_t)n, &dc, &pk), DP_DEC_OK);
}

/* Decode a frame the box made and check its checksums. */
static void
check_made(uint32_t len)
{
	cr_assert_gt(len, 0, "nothing built");
	cr_assert_geq(len, 60, "shorter than the Ethernet minimum");
	cr_assert_eq(dp_decode(out, len, &dc, &rp), DP_DEC_OK);
	const uint8_t *ip = out + rp.l3_off;
	if (rp.l3 == 4) {
		cr_assert_eq(rte_raw_cksum(ip, 20), 0xffff, "IPv4 header checksum");
	}
	if (rp.proto == DP_PROTO_TCP) {
		int ok = rp.l3 == 4 ? rte_ipv4_udptcp_cksum_verify((const struct rte_ipv4_hdr *)ip,
								   out + rp.l4_off)
				    : rte_ipv6_udptcp_cksum_verify((const struct rte_ipv6_hdr *)ip,
								   out + rp.l4_off);
		cr_assert_eq(ok, 0, "TCP checksum");
	}
}

static void
check_mirror(bool to_sender)
{
	unsigned alen = pk.l3 == 4 ? 4 : 16;
	cr_assert_eq(rp.l3, pk.l3);
	cr_assert_eq(rp.nvlan, 2);
	cr_assert_eq(rp.vlan[0], 10);
	cr_assert_eq(rp.vlan[1], 20);
	if (to_sender) {
		cr_assert_arr_eq(out, in + 6, 6, "destination MAC: the sender's");
		cr_assert_arr_eq(out + 6, in, 6);
		cr_assert_arr_eq(rp.src, pk.dst, alen);
		cr_assert_arr_eq(rp.dst, pk.src, alen);
		cr_assert_eq(rp.sport, pk.dport);
		cr_assert_eq(rp.dport, pk.sport);
	} else {
		cr_assert_arr_eq(out, in, 12, "the packet's own MACs");
		cr_assert_arr_eq(rp.src, pk.src, alen);
		cr_assert_arr_eq(rp.dst, pk.dst, alen);
		cr_assert_eq(rp.sport, pk.sport);
		cr_assert_eq(rp.dport, pk.dport);
	}
}

static void
established(int l3)
{
	/* client sent 100 bytes at seq 1000 having received up to 5000 */
	segment(l3, 2, DP_TCP_ACK | DP_TCP_PSH, 1000, 5000, 100);

	uint32_t n = dp_reject_tcp_rst(&pk, false, out, sizeof(out));
	check_made(n);
	check_mirror(false);
	cr_assert_eq(rp.tcp_flags, DP_TCP_RST | DP_TCP_ACK);
	cr_assert_eq(rp.seq, 1000, "the server still expects the dropped segment's first byte");
	cr_assert_eq(rp.ack, 5000);
	cr_assert_eq(rp.payload_len, 0);

	n = dp_reject_tcp_rst(&pk, true, out, sizeof(out));
	check_made(n);
	check_mirror(true);
	cr_assert_eq(rp.tcp_flags, DP_TCP_RST | DP_TCP_ACK);
	cr_assert_eq(rp.seq, 5000, "the client expects what it acknowledged");
	cr_assert_eq(rp.ack, 1100);
}

Test(reject, tcp_rst_both_ends_ipv4)
{
	established(4);
}

Test(reject, tcp_rst_both_ends_ipv6)
{
	established(6);
}

Test(reject, syn_gets_rst_acking_it_and_none_to_the_server)
{
	segment(4, 2, DP_TCP_SYN, 0xfffffff0u, 0, 0);
	cr_assert_eq(dp_reject_tcp_rst(&pk, false, out, sizeof(out)), 0,
		     "the server never saw the SYN");
	uint32_t n = dp_reject_tcp_rst(&pk, true, out, sizeof(out));
	check_made(n);
	cr_assert_eq(rp.tcp_flags, DP_TCP_RST | DP_TCP_ACK);
	cr_assert_eq(rp.seq, 0);
	cr_assert_eq(rp.ack, 0xfffffff1u, "SYN-SENT accepts an RST that acknowledges the SYN");
}

Test(reject, sequence_wraps)
{
	segment(6, 2, DP_TCP_ACK | DP_TCP_FIN, 0xffffffc0u, 7, 64);
	uint32_t n = dp_reject_tcp_rst(&pk, true, out, sizeof(out));
	check_made(n);
	cr_assert_eq(rp.ack, 1u, "seq + 64 bytes + FIN wraps");
}

Test(reject, no_rst_for_an_rst)
{
	segment(4, 2, DP_TCP_RST, 1, 0, 0);
	cr_assert_eq(dp_reject_tcp_rst(&pk, true, out, sizeof(out)), 0);
}

static void
icmp(int l3)
{
	static const uint8_t data[300];
	struct gen_pkt g = {
		.l2 = { .dst = { 2, 0, 0, 0, 0, 2 }, .src = { 2, 0, 0, 0, 0, 1 } },
		.l3 = l3,
		.src = l3 == 4 ? gen_ip4(198, 18, 0, 1) : gen_ip6(1, 1),
		.dst = l3 == 4 ? gen_ip4(198, 19, 0, 2) : gen_ip6(2, 2),
		.proto = 17,
		.ttl = 60,
		.sport = 5000,
		.dport = 3478,
		.payload = data,
		.payload_len = sizeof(data),
	};
	size_t len = gen_build(in, &g);
	cr_assert_eq(dp_decode(in, (uint32_t)len, &dc, &pk), DP_DEC_OK);
	uint32_t n = dp_reject_icmp(&pk, out, sizeof(out));
	check_made(n);
	cr_assert_arr_eq(out, in + 6, 6);
	cr_assert_eq(rp.proto, l3 == 4 ? DP_PROTO_ICMP : DP_PROTO_ICMPV6);
	cr_assert_eq(rp.icmp_type, l3 == 4 ? 3 : 1, "destination unreachable");
	cr_assert_eq(rp.icmp_code, l3 == 4 ? 13 : 1, "administratively prohibited");
	unsigned alen = l3 == 4 ? 4 : 16;
	cr_assert_arr_eq(rp.src, pk.dst, alen);
	cr_assert_arr_eq(rp.dst, pk.src, alen);
	/* the quote: the offending packet from its IP header on */
	uint32_t quote = rp.payload_len;
	cr_assert_eq(quote, l3 == 4 ? 20u + 8u : 40u + 8u + 300u);
	cr_assert_arr_eq(rp.payload, in + pk.l3_off, quote);
	const uint8_t *ip = out + rp.l3_off;
	if (l3 == 4) {
		cr_assert_eq(rte_raw_cksum(out + rp.l4_off, 8 + quote), 0xffff, "ICMP checksum");
	} else {
		cr_assert_eq(rte_ipv6_udptcp_cksum_verify((const struct rte_ipv6_hdr *)ip,
							  out + rp.l4_off),
			     0, "ICMPv6 checksum");
	}
}

Test(reject, icmp_prohibited_ipv4)
{
	icmp(4);
}

Test(reject, icmp_prohibited_ipv6)
{
	icmp(6);
}
