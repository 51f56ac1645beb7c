/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_flow_key_make (dataplane/flow.h): both directions of a flow make one key, and the hash
 * it returns is pair-multiply-shift over the key's bytes as stored, under the given seed
 * (computed here again from the key in memory, as twelve 32-bit words).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../dataplane/decode.h"
#include "../../dataplane/flow.h"
#include "../gen/pkt.h"

static const struct dp_decode_cfg dc = { .max_ip6_ext = 8 };

static const struct dp_flow_seed seed = {
	.a = { 0x9e3779b97f4a7c15, 0xbf58476d1ce4e5b9, 0x94d049bb133111eb, 0x2545f4914f6cdd1d,
	       0xd6e8feb86659fd93, 0xa0761d6478bd642f, 0xe7037ed1a0b428db, 0x8ebc6af09c88c6e3,
	       0x589965cc75374cc3, 0x1d8e4e27c47d124f, 0xc2b2ae3d27d4eb4f, 0x165667b19e3779f9 },
	.b = 0x27d4eb2f165667c5,
};

/* The hash by its definition: x the key's twelve 32-bit words in memory order. */
static uint32_t
reference_hash(const struct dp_flow_key *k)
{
	uint32_t x[12];
	memcpy(x, k, sizeof(x));
	uint64_t h = seed.b;
	for (unsigned i = 0; i < 12; i += 2)
		h += (seed.a[i] + x[i + 1]) * (seed.a[i + 1] + x[i]);
	return (uint32_t)(h >> 32);
}

static uint32_t
key_of(int l3, uint8_t proto, unsigned nvlan, bool reverse, struct dp_flow_key *k, unsigned *side)
{
	uint8_t buf[GEN_MAX_FRAME];
	struct dp_pkt pk;
	struct gen_addr c = l3 == 4 ? gen_ip4(198, 18, 0, 7) : gen_ip6(1, 7);
	struct gen_addr s = l3 == 4 ? gen_ip4(198, 19, 3, 9) : gen_ip6(2, 9);
	struct gen_pkt g = {
		.l2 = { .dst = { 2, 0, 0, 0, 0, 2 }, .src = { 2, 0, 0, 0, 0, 1 }, .nvlan = nvlan },
		.l3 = l3,
		.src = reverse ? s : c,
		.dst = reverse ? c : s,
		.proto = proto,
		.ttl = 64,
		.sport = reverse ? 443 : 40001,
		.dport = reverse ? 40001 : 443,
		.tcp_flags = 0x10,
	};
	g.l2.tpid[0] = 0x88a8;
	g.l2.tci[0] = 100;
	g.l2.tpid[1] = 0x8100;
	g.l2.tci[1] = 200;
	size_t n = gen_build(buf, &g);
	cr_assert_eq(dp_decode(buf, (uint32_t)n, &dc, &pk), DP_DEC_OK);
	memset(k, 0xa5, sizeof(*k)); /* whatever was there before must not matter */
	return dp_flow_key_make(&pk, 3, &seed, k, side);
}

static void
check(int l3, uint8_t proto, unsigned nvlan)
{
	struct dp_flow_key a, b;
	unsigned sa, sb;
	uint32_t ha = key_of(l3, proto, nvlan, false, &a, &sa);
	uint32_t hb = key_of(l3, proto, nvlan, true, &b, &sb);

	cr_assert_eq(ha, reference_hash(&a), "not the hash of the key as stored");
	cr_assert_eq(ha, dp_flow_hash(&seed, &a));
	cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0, "the two directions make different keys");
	cr_assert_eq(ha, hb);
	cr_assert_neq(sa, sb);
	cr_assert_eq(a.segment, 3);
	cr_assert_eq(a.l3, l3);
	cr_assert_eq(a.proto, proto);
	static const uint8_t zero[12];
	cr_assert_eq(memcmp(a.pad, zero, sizeof(a.pad)), 0, "padding must be zero");
	if (l3 == 4)
		cr_assert_eq(memcmp(a.addr[0] + 4, zero, 12), 0, "IPv4 slot not zero-filled");
}

Test(flowkey, ipv4_tcp)
{
	check(4, 6, 0);
}
Test(flowkey, ipv4_udp_qinq)
{
	check(4, 17, 2);
}
Test(flowkey, ipv6_tcp_vlan)
{
	check(6, 6, 1);
}
Test(flowkey, ipv6_udp)
{
	check(6, 17, 0);
}
