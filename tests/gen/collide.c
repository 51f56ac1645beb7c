/* SPDX-License-Identifier: BSD-3-Clause */
#include "collide.h"

#include <string.h>

#include <rte_hash_crc.h>

struct dp_flow_key
gen_collide_key(uint16_t src_low, uint16_t sport, uint16_t dport)
{
	struct dp_flow_key k;
	memset(&k, 0, sizeof(k));
	k.addr[0][0] = 198, k.addr[0][1] = 18;
	k.addr[0][2] = (uint8_t)(src_low >> 8), k.addr[0][3] = (uint8_t)src_low;
	k.addr[1][0] = 198, k.addr[1][1] = 19, k.addr[1][2] = 255, k.addr[1][3] = 1;
	k.port[0] = sport;
	k.port[1] = dport;
	k.proto = 17;
	k.l3 = 4;
	return k;
}

static uint32_t
crc_of(uint64_t bits)
{
	struct dp_flow_key k =
		gen_collide_key((uint16_t)bits, (uint16_t)(bits >> 16), (uint16_t)(bits >> 32));
	return rte_hash_crc(&k, sizeof(k), 0);
}

unsigned
gen_crc_collisions(struct gen_tuple *out, unsigned n)
{
	/* pivot[b]: a combination of the 48 bits whose CRC difference has b as its top bit */
	uint32_t pdiff[32] = { 0 };
	uint64_t pbits[32] = { 0 };
	uint64_t null[48]; /* combinations that leave the CRC unchanged */
	unsigned nnull = 0;
	uint32_t base = crc_of(0);

	for (unsigned j = 0; j < 48; j++) {
		uint64_t bits = UINT64_C(1) << j;
		uint32_t d = crc_of(bits) ^ base; /* the same for any starting tuple: linear */
		while (d != 0) {
			unsigned top = 31u - (unsigned)__builtin_clz(d);
			if (pdiff[top] == 0) {
				pdiff[top] = d;
				pbits[top] = bits;
				break;
			}
			d ^= pdiff[top];
			bits ^= pbits[top];
		}
		if (d == 0)
			null[nnull++] = bits;
	}
	unsigned m = 0;
	for (uint64_t c = 0; m < n && c < (UINT64_C(1) << nnull) && c < (UINT64_C(1) << 32); c++) {
		uint64_t bits = 0;
		for (unsigned i = 0; i < nnull; i++)
			if (c >> i & 1)
				bits ^= null[i];
		out[m].src_low = (uint16_t)bits;
		out[m].sport = (uint16_t)(bits >> 16);
		out[m].dport = (uint16_t)(bits >> 32);
		m++;
	}
	return m;
}
