/* SPDX-License-Identifier: BSD-3-Clause */
/* dataplane/decode.c: good frames decode; one test per malformation reason. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "../../dataplane/decode.h"
#include "../gen/pkt.h"

static const struct dp_decode_cfg cfg = { .max_ip6_ext = 4 };
static uint8_t f[GEN_MAX_FRAME];
static size_t n;
static struct dp_pkt pk;

static struct gen_pkt
base(int l3, uint8_t proto)
{
	static const uint8_t payload[] = "hello, bridge";
	struct gen_pkt p = { 0 };
	memcpy(p.l2.dst, "\x02\x00\x00\x00\x00\x02", 6);
	memcpy(p.l2.src, "\x02\x00\x00\x00\x00\x01", 6);
	p.l3 = l3;
	p.src = l3 == 4 ? gen_ip4(198, 18, 0, 1) : gen_ip6(1, 1);
	p.dst = l3 == 4 ? gen_ip4(198, 19, 0, 2) : gen_ip6(2, 2);
	p.proto = proto;
	p.sport = 40000;
	p.dport = 443;
	p.seq = 1000;
	p.ack = 2000;
	p.tcp_flags = GEN_TCP_ACK | GEN_TCP_PSH;
	p.icmp_type = l3 == 4 ? 8 : 128;
	p.icmp_id = 77;
	p.payload = payload;
	p.payload_len = sizeof(payload) - 1;
	return p;
}

static enum dp_dec_reason
decode(void)
{
	return dp_decode(f, (uint32_t)n, &cfg, &pk);
}

static void
build(struct gen_pkt p)
{
	n = gen_build(f, &p);
}

/* Recompute the IPv4 header checksum after a test edited the header. */
static void
fix_ip4_csum(size_t l3)
{
	uint32_t hl = (uint32_t)(f[l3] & 15) * 4, sum = 0;
	f[l3 + 10] = f[l3 + 11] = 0;
	for (uint32_t i = 0; i < hl; i += 2)
		sum += (uint32_t)(f[l3 + i] << 8 | f[l3 + i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f[l3 + 10] = (uint8_t)(~sum >> 8);
	f[l3 + 11] = (uint8_t)~sum;
}

Test(decode, tcp4)
{
	build(base(4, 6));
	cr_assert_eq(decode(), DP_DEC_OK);
	cr_assert_eq(pk.l3, 4);
	cr_assert_eq(pk.proto, 6);
	cr_assert_eq(pk.sport, 40000);
	cr_assert_eq(pk.dport, 443);
	cr_assert_eq(pk.seq, 1000);
	cr_assert_eq(pk.ack, 2000);
	cr_assert_eq(pk.tcp_flags, GEN_TCP_ACK | GEN_TCP_PSH);
	cr_assert_eq(pk.payload_len, 13);
	cr_assert(memcmp(pk.payload, "hello, bridge", 13) == 0);
	cr_assert_eq(pk.src[0], 198);
}

Test(decode, udp6_in_qinq)
{
	struct gen_pkt p = base(6, 17);
	p.l2.nvlan = 2;
	p.l2.tpid[0] = 0x88a8;
	p.l2.tci[0] = 0x2000 | 10;
	p.l2.tpid[1] = 0x8100;
	p.l2.tci[1] = 200;
	build(p);
	cr_assert_eq(decode(), DP_DEC_OK);
	cr_assert_eq(pk.nvlan, 2);
	cr_assert_eq(pk.vlan[0], 10);
	cr_assert_eq(pk.vlan[1], 200);
	cr_assert_eq(pk.l3, 6);
	cr_assert_eq(pk.proto, 17);
	cr_assert_eq(pk.payload_len, 13);
}

Test(decode, icmp_echo_id_is_the_flow_port)
{
	build(base(4, 1));
	cr_assert_eq(decode(), DP_DEC_OK);
	cr_assert_eq(pk.icmp_type, 8);
	cr_assert_eq(pk.sport, 77);
	cr_assert_eq(pk.dport, 77);
	build(base(6, 58));
	cr_assert_eq(decode(), DP_DEC_OK);
	cr_assert_eq(pk.icmp_type, 128);
	cr_assert_eq(pk.sport, 77);
}

Test(decode, non_ip_is_fine)
{
	struct gen_pkt p = base(0, 0);
	p.ethertype = 0x0806;
	p.pad_to = 60;
	build(p);
	cr_assert_eq(decode(), DP_DEC_OK);
	cr_assert_eq(pk.l3, 0);
	cr_assert_eq(pk.ethertype, 0x0806);
}

Test(decode, ethernet_padding_is_ignored)
{
	struct gen_pkt p = base(4, 6);
	p.payload_len = 0;
	p.pad_to = 60;
	build(p);
	cr_assert_eq(decode(), DP_DEC_OK);
	cr_assert_eq(pk.payload_len, 0);
}

Test(decode, eth_trunc)
{
	build(base(4, 6));
	n = 13;
	cr_assert_eq(decode(), DP_DEC_ETH_TRUNC);
}

Test(decode, vlan_trunc)
{
	struct gen_pkt p = base(4, 6);
	p.l2.nvlan = 1;
	p.l2.tpid[0] = 0x8100;
	build(p);
	n = 16;
	cr_assert_eq(decode(), DP_DEC_VLAN_TRUNC);
}

Test(decode, vlan_depth)
{
	build(base(4, 6));
	/* three stacked tags */
	memmove(f + 24, f + 12, n - 12);
	for (int i = 0; i < 3; i++) {
		f[12 + 4 * i] = 0x81;
		f[13 + 4 * i] = 0x00;
		f[14 + 4 * i] = 0;
		f[15 + 4 * i] = 5;
	}
	n += 12;
	cr_assert_eq(decode(), DP_DEC_VLAN_DEPTH);
}

/* Put hl bytes of encapsulation between the MAC addresses' EtherType (now et) and the IP
 * packet of the frame built. */
static void
encap(uint16_t et, const uint8_t *hdr, size_t hl)
{
	memmove(f + 14 + hl, f + 14, n - 14);
	memcpy(f + 14, hdr, hl);
	f[12] = (uint8_t)(et >> 8);
	f[13] = (uint8_t)et;
	n += hl;
}

/* PPPoE session stage (RFC 2516 section 4): ver/type 0x11, code 0, session, length; then
 * the PPP protocol (RFC 1661). */
static void
pppoe(uint16_t ppp)
{
	uint16_t len = (uint16_t)(n - 14 + 2);
	const uint8_t h[8] = {
		0x11,        0, 0x12, 0x34, (uint8_t)(len >> 8), (uint8_t)len, (uint8_t)(ppp >> 8),
		(uint8_t)ppp
	};
	encap(0x8864, h, sizeof(h));
}

Test(decode, pppoe_ipv4_and_ipv6)
{
	build(base(4, 6));
	pppoe(0x0021);
	cr_assert_eq(decode(), DP_DEC_OK);
	cr_assert_eq(pk.l3, 4);
	cr_assert_eq(pk.l3_off, 22);
	cr_assert_eq(pk.proto, 6);
	cr_assert_eq(pk.sport, 40000);
	cr_assert(memcmp(pk.payload, "hello, bridge", 13) == 0);
	build(base(6, 17));
	pppoe(0x0057);
	cr_assert_eq(decode(), DP_DEC_OK);
	cr_assert_eq(pk.l3, 6);
	cr_assert_eq(pk.proto, 17);
	cr_assert_eq(pk.dport, 443);
}

Test(decode, pppoe_control_protocols_are_not_ip)
{
	build(base(4, 6));
	pppoe(0xc021); /* LCP */
	cr_assert_eq(decode(), DP_DEC_OK);
	cr_assert_eq(pk.l3, 0);
}

Test(decode, pppoe_trunc)
{
	build(base(4, 6));
	pppoe(0x0021);
	size_t full = n;
	n = 14 + 7; /* the session header cut short */
	cr_assert_eq(decode(), DP_DEC_PPPOE_TRUNC);
	n = full;
	f[14] = 0x21; /* version 2 */
	cr_assert_eq(decode(), DP_DEC_PPPOE_TRUNC);
	f[14] = 0x11;
	f[15] = 0x09; /* a discovery code (PADI) on the session EtherType */
	cr_assert_eq(decode(), DP_DEC_PPPOE_TRUNC);
	f[15] = 0;
	cr_assert_eq(decode(), DP_DEC_OK);
}

/* An MPLS label stack (RFC 3032) of `labels` entries, the bottom-of-stack bit on the last
 * when `bottom`. */
static void
mpls(unsigned labels, bool bottom)
{
	uint8_t h[64];
	for (unsigned i = 0; i < labels; i++) {
		uint32_t e = (100 + i) << 12 | 64; /* label, TC 0, TTL 64 */
		if (bottom && i + 1 == labels)
			e |= 1u << 8;
		h[4 * i] = (uint8_t)(e >> 24);
		h[4 * i + 1] = (uint8_t)(e >> 16);
		h[4 * i + 2] = (uint8_t)(e >> 8);
		h[4 * i + 3] = (uint8_t)e;
	}
	encap(0x8847, h, 4 * labels);
}

Test(decode, mpls_ipv4_and_ipv6)
{
	build(base(4, 6));
	mpls(2, true);
	cr_assert_eq(decode(), DP_DEC_OK);
	cr_assert_eq(pk.l3, 4);
	cr_assert_eq(pk.l3_off, 22);
	cr_assert_eq(pk.sport, 40000);
	build(base(6, 6));
	mpls(1, true);
	cr_assert_eq(decode(), DP_DEC_OK);
	cr_assert_eq(pk.l3, 6);
	cr_assert_eq(pk.l3_off, 18);
}

Test(decode, mpls_pseudowire_is_not_ip)
{
	build(base(4, 6));
	mpls(1, true);
	f[18] = 0x00; /* a pseudowire control word (RFC 4385) where IP would start */
	cr_assert_eq(decode(), DP_DEC_OK);
	cr_assert_eq(pk.l3, 0);
}

Test(decode, mpls_trunc)
{
	build(base(4, 6));
	mpls(2, true);
	n = 14 + 6; /* the second label cut short */
	cr_assert_eq(decode(), DP_DEC_MPLS_TRUNC);
	n = 14 + 8; /* a bottom label and nothing after it */
	cr_assert_eq(decode(), DP_DEC_MPLS_TRUNC);
	build(base(4, 6));
	mpls(12, false); /* no bottom within the bound */
	cr_assert_eq(decode(), DP_DEC_MPLS_TRUNC);
	build(base(4, 6));
	mpls(10, true); /* ten labels: more than the decoder follows */
	cr_assert_eq(decode(), DP_DEC_MPLS_TRUNC);
	build(base(4, 6));
	mpls(9, true);
	cr_assert_eq(decode(), DP_DEC_OK);
}

Test(decode, ip4_trunc)
{
	build(base(4, 6));
	n = 14 + 19;
	cr_assert_eq(decode(), DP_DEC_IP4_TRUNC);
}

Test(decode, ip4_version)
{
	build(base(4, 6));
	f[14] = 0x55;
	cr_assert_eq(decode(), DP_DEC_IP4_VERSION);
}

Test(decode, ip4_hlen)
{
	build(base(4, 6));
	f[14] = 0x44;
	cr_assert_eq(decode(), DP_DEC_IP4_HLEN);
	f[14] = 0x4f; /* 60 bytes of header in a 53-byte packet */
	n = 14 + 53;
	cr_assert_eq(decode(), DP_DEC_IP4_HLEN);
}

Test(decode, ip4_len)
{
	build(base(4, 6));
	f[16] = 0x10; /* total length 4096+ beyond the frame */
	fix_ip4_csum(14);
	cr_assert_eq(decode(), DP_DEC_IP4_LEN);
	f[16] = 0;
	f[17] = 10; /* below the header */
	fix_ip4_csum(14);
	cr_assert_eq(decode(), DP_DEC_IP4_LEN);
}

Test(decode, ip4_csum)
{
	build(base(4, 6));
	f[14 + 10] ^= 0x01;
	cr_assert_eq(decode(), DP_DEC_IP4_CSUM);
	struct dp_decode_cfg nic = cfg;
	nic.ip4_csum_checked = true;
	cr_assert_eq(dp_decode(f, (uint32_t)n, &nic, &pk), DP_DEC_OK);
}

/* An IPv4 header with 4 bytes of options (the payload shifted). */
static void
with_ip4_options(const uint8_t opt[4])
{
	build(base(4, 17));
	memmove(f + 38, f + 34, n - 34);
	memcpy(f + 34, opt, 4);
	n += 4;
	f[14] = 0x46;
	uint16_t tot = (uint16_t)(f[16] << 8 | f[17]) + 4;
	f[16] = (uint8_t)(tot >> 8);
	f[17] = (uint8_t)tot;
	fix_ip4_csum(14);
}

Test(decode, ip4_options_ok)
{
	with_ip4_options((const uint8_t[]){ 0x94, 4, 0, 0 }); /* router alert, RFC 2113 */
	cr_assert_eq(decode(), DP_DEC_OK);
	with_ip4_options((const uint8_t[]){ 1, 1, 0, 0 }); /* NOP, NOP, EOL */
	cr_assert_eq(decode(), DP_DEC_OK);
	cr_assert_eq(pk.proto, 17);
	cr_assert_eq(pk.payload_len, 13);
}

Test(decode, ip4_opt)
{
	with_ip4_options((const uint8_t[]){ 0x94, 1, 0, 0 }); /* length 1 */
	cr_assert_eq(decode(), DP_DEC_IP4_OPT);
	with_ip4_options((const uint8_t[]){ 1, 0x83, 9, 0 }); /* runs past the header */
	cr_assert_eq(decode(), DP_DEC_IP4_OPT);
}

Test(decode, ip4_fragment_fields)
{
	struct gen_pkt p = base(4, 17);
	p.frag_off = 0x2000 | 185; /* MF, offset 1480 */
	p.ip_id = 0x4242;
	build(p);
	cr_assert_eq(decode(), DP_DEC_OK);
	cr_assert(pk.is_frag);
	cr_assert(pk.frag_more);
	cr_assert_eq(pk.frag_off, 1480);
	cr_assert_eq(pk.frag_id, 0x4242);
	cr_assert_eq(pk.frag_hdr_len, 20);
	cr_assert_eq(pk.frag_data_len, 8 + 13);
}

Test(decode, ip4_frag)
{
	struct gen_pkt p = base(4, 17);
	p.frag_off = 8190; /* 65520 + 21 bytes > 65535 */
	build(p);
	cr_assert_eq(decode(), DP_DEC_IP4_FRAG);
}

Test(decode, ip6_trunc)
{
	build(base(6, 6));
	n = 14 + 39;
	cr_assert_eq(decode(), DP_DEC_IP6_TRUNC);
}

Test(decode, ip6_version)
{
	build(base(6, 6));
	f[14] = 0x40;
	cr_assert_eq(decode(), DP_DEC_IP6_VERSION);
}

Test(decode, ip6_len)
{
	build(base(6, 6));
	f[18] = 0x20;
	cr_assert_eq(decode(), DP_DEC_IP6_LEN);
}

/* Insert an 8-byte extension header of type t after the IPv6 header. */
static void
with_ext(uint8_t t, uint8_t hdr_len_field)
{
	uint8_t nh = f[20];
	memmove(f + 62, f + 54, n - 54);
	f[54] = nh;
	f[55] = hdr_len_field;
	memset(f + 56, 0, 6);
	f[20] = t;
	n += 8;
	uint16_t plen = (uint16_t)(f[18] << 8 | f[19]) + 8;
	f[18] = (uint8_t)(plen >> 8);
	f[19] = (uint8_t)plen;
}

Test(decode, ip6_extension_chain_ok)
{
	build(base(6, 6));
	with_ext(60, 0);
	with_ext(0, 0);
	cr_assert_eq(decode(), DP_DEC_OK);
	cr_assert_eq(pk.proto, 6);
	cr_assert_eq(pk.dport, 443);
	cr_assert_eq(pk.payload_len, 13);
}

Test(decode, ip6_ext_trunc)
{
	build(base(6, 6));
	with_ext(60, 30); /* claims 248 bytes */
	cr_assert_eq(decode(), DP_DEC_IP6_EXT_TRUNC);
}

Test(decode, ip6_ext_chain)
{
	build(base(6, 6));
	for (int i = 0; i < 5; i++)
		with_ext(60, 0);
	cr_assert_eq(decode(), DP_DEC_IP6_EXT_CHAIN);
}

Test(decode, ip6_fragment_header)
{
	build(base(6, 17));
	with_ext(44, 0);
	f[56] = 0x05; /* offset 0x05 << 3 ... */
	f[57] = 0xa9; /* offset 181*8 = 1448, M = 1 */
	f[58] = 0xde;
	f[59] = 0xad;
	f[60] = 0xbe;
	f[61] = 0xef;
	cr_assert_eq(decode(), DP_DEC_OK);
	cr_assert(pk.is_frag);
	cr_assert(pk.frag_more);
	cr_assert_eq(pk.frag_off, 1448);
	cr_assert_eq(pk.frag_id, 0xdeadbeef);
	cr_assert_eq(pk.proto, 17);
	cr_assert_eq(pk.frag_hdr_len, 48);
}

Test(decode, tcp_trunc)
{
	struct gen_pkt p = base(4, 6);
	p.payload_len = 0;
	build(p);
	n -= 1;
	f[17] = (uint8_t)(f[17] - 1);
	fix_ip4_csum(14);
	cr_assert_eq(decode(), DP_DEC_TCP_TRUNC);
}

Test(decode, tcp_doff)
{
	build(base(4, 6));
	f[34 + 12] = 0x40; /* 16 bytes */
	cr_assert_eq(decode(), DP_DEC_TCP_DOFF);
	f[34 + 12] = 0xf0; /* 60 bytes, segment has 33 */
	cr_assert_eq(decode(), DP_DEC_TCP_DOFF);
}

Test(decode, tcp_opt)
{
	build(base(4, 6));
	/* data offset 6: the first 4 payload bytes become options: MSS with length 9 */
	f[34 + 12] = 0x60;
	f[54] = 2;
	f[55] = 9;
	cr_assert_eq(decode(), DP_DEC_TCP_OPT);
	f[55] = 4; /* a valid MSS option */
	cr_assert_eq(decode(), DP_DEC_OK);
	cr_assert_eq(pk.payload_len, 9);
}

Test(decode, udp_trunc)
{
	struct gen_pkt p = base(4, 17);
	p.payload_len = 0;
	build(p);
	n = 14 + 20 + 7;
	f[17] = 27;
	fix_ip4_csum(14);
	cr_assert_eq(decode(), DP_DEC_UDP_TRUNC);
}

Test(decode, udp_len)
{
	build(base(4, 17));
	f[34 + 4] = 0;
	f[34 + 5] = 4; /* below 8 */
	cr_assert_eq(decode(), DP_DEC_UDP_LEN);
	f[34 + 5] = 200; /* beyond the IP payload */
	cr_assert_eq(decode(), DP_DEC_UDP_LEN);
}

Test(decode, icmp_trunc)
{
	struct gen_pkt p = base(4, 1);
	p.payload_len = 0;
	build(p);
	n = 14 + 20 + 4;
	f[17] = 24;
	fix_ip4_csum(14);
	cr_assert_eq(decode(), DP_DEC_ICMP_TRUNC);
}

Test(decode, icmp6_trunc)
{
	struct gen_pkt p = base(6, 58);
	p.payload_len = 0;
	build(p);
	n = 14 + 40 + 4;
	f[19] = 4;
	cr_assert_eq(decode(), DP_DEC_ICMP6_TRUNC);
}

Test(decode, every_reason_has_a_name)
{
	for (int r = 0; r < DP_DEC__COUNT; r++)
		cr_assert_not_null(dp_dec_reason_name((enum dp_dec_reason)r));
	cr_assert_str_eq(dp_dec_reason_name(DP_DEC_IP4_CSUM), "ip4_csum");
}

/* Truncating a valid frame at every length never reads out of bounds (ASan run). */
Test(decode, truncation_at_every_byte)
{
	struct gen_pkt p = base(6, 6);
	build(p);
	with_ext(60, 0);
	size_t full = n;
	for (size_t len = 0; len <= full; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		memcpy(copy, f, len);
		enum dp_dec_reason r = dp_decode(copy, (uint32_t)len, &cfg, &pk);
		if (len < full)
			cr_assert_neq(r, DP_DEC_OK, "length %zu decoded OK", len);
		free(copy);
	}
}

/* Regression (found by fuzz_frag): an IPv6 fragment reaching beyond 65535 bytes of datagram
 * must be malformed, as for IPv4; otherwise reassembly writes past its 64 KiB buffer. */
Test(decode, ip6_frag_beyond_65535)
{
	build(base(6, 17));
	with_ext(44, 0);
	/* offset 65520 (8190 << 3), MF = 0, with 21 bytes of data: ends at 65541 */
	f[56] = (uint8_t)((8190 << 3) >> 8);
	f[57] = (uint8_t)(8190 << 3);
	cr_assert_eq(decode(), DP_DEC_IP6_FRAG);
	f[56] = 0x05; /* offset 1448: fine */
	f[57] = 0xa8;
	cr_assert_eq(decode(), DP_DEC_OK);
}
