/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/khash.c, the keyed hash of the fragment, host and attribution tables: a key
 * hashes the same every time within the process; tuples crafted to share one CRC32C (what
 * those tables were hashed by, with jhash at a fixed seed for hosts) spread over the
 * buckets as random keys would; the table's init value changes the hash.
 */
#include <criterion/criterion.h>
#include <string.h>

#include <rte_hash_crc.h>

#include "../../dataplane/khash.h"
#include "../gen/collide.h"

Test(khash, crafted_crc_collisions_spread_like_random_keys)
{
	enum { N = 4096, BUCKETS = 8192 };
	static struct gen_tuple tu[N];
	static uint16_t load[BUCKETS];
	unsigned most = 0;

	cr_assert_eq(gen_crc_collisions(tu, N), N);
	struct dp_flow_key k0 = gen_collide_key(tu[0].src_low, tu[0].sport, tu[0].dport);
	for (unsigned i = 0; i < N; i++) {
		struct dp_flow_key k = gen_collide_key(tu[i].src_low, tu[i].sport, tu[i].dport);
		cr_assert_eq(rte_hash_crc(&k, sizeof(k), 0), rte_hash_crc(&k0, sizeof(k0), 0));
		uint32_t h = dp_khash(&k, sizeof(k), 0);
		cr_assert_eq(h, dp_khash(&k, sizeof(k), 0), "the same key hashed differently");
		unsigned b = h & (BUCKETS - 1);
		if (++load[b] > most)
			most = load[b];
	}
	/* random keys: 12 or more in one bucket about once in 10^8 tries */
	cr_assert_leq(most, 11, "%u of the crafted keys share one bucket", most);
}

Test(khash, init_value_and_every_byte_change_the_hash)
{
	uint8_t key[DP_KHASH_MAX_LEN];
	memset(key, 0x5a, sizeof(key));
	uint32_t h = dp_khash(key, sizeof(key), 0);
	cr_assert_neq(h, dp_khash(key, sizeof(key), 1));
	unsigned same = 0;
	for (unsigned i = 0; i < sizeof(key); i++) {
		key[i] ^= 1;
		same += dp_khash(key, sizeof(key), 0) == h;
		key[i] ^= 1;
	}
	cr_assert_eq(same, 0, "%u one-bit changes left the hash as it was", same);
	/* a longer key than the seed covers is hashed by its first DP_KHASH_MAX_LEN bytes */
	uint8_t longer[DP_KHASH_MAX_LEN + 8];
	memcpy(longer, key, sizeof(key));
	memset(longer + sizeof(key), 0xff, 8);
	cr_assert_eq(dp_khash(longer, sizeof(longer), 0), h);
}
