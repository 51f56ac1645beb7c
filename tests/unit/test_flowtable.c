/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/flow.c's own hash table: keys that share a bucket (the same hash given for
 * each, as a crafted set of tuples would get) are all found, each in its own entry; an
 * ended flow leaves the chain without taking its neighbours along, and its entry is the
 * next one handed out; a full table takes the oldest half-open flow's entry and still finds
 * every other key; tuples crafted to share one CRC32 spread over the buckets as random ones
 * would (the table's hash is keyed). The table needs the EAL (rte_zmalloc): each test, its
 * own process, starts it without hugepages.
 */
#include <criterion/criterion.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_memory.h>

#include <rte_hash_crc.h>

#include "../../dataplane/flow.h"
#include "../gen/collide.h"
#include "../support/support.h"

#define CAP 16

static struct dp_flow_table *t;
static struct dp_flow_key ended[4 * CAP];
static unsigned nended;

static void
on_end(void *ctx, const struct dp_flow_key *k, struct dp_flow *f, enum dp_flow_end why)
{
	(void)ctx;
	(void)f;
	(void)why;
	cr_assert_lt(nended, 4 * CAP);
	ended[nended++] = *k;
}

static void
setup(void)
{
	cr_assert_geq(ts_eal("bwft", 64), 0);
	struct dp_flow_timeouts to = { .ms = { 1000, 1000, 1000, 1000, 1000, 1000 },
				       .evict_idle_ms = 1000 };
	t = dp_flow_table_create("tft", CAP, SOCKET_ID_ANY, &to, on_end, NULL);
	cr_assert_not_null(t);
	nended = 0;
}

static void
teardown(void)
{
	dp_flow_table_free(t);
	rte_eal_cleanup();
}

/* TCP flow i: 198.18.0.1:(1000 + i) -> 198.18.0.2:80 */
static struct dp_flow_key
key(unsigned i)
{
	struct dp_flow_key k;
	memset(&k, 0, sizeof(k));
	k.addr[0][0] = 198, k.addr[0][1] = 18, k.addr[0][3] = 1;
	k.addr[1][0] = 198, k.addr[1][1] = 18, k.addr[1][3] = 2;
	k.port[0] = (uint16_t)(1000 + i);
	k.port[1] = 80;
	k.proto = DP_PROTO_TCP;
	k.l3 = 4;
	return k;
}

#define SIG 0x5eed5eedu /* every key in one bucket */

static struct dp_flow *
get(unsigned i, uint32_t now_ms, bool *created)
{
	struct dp_flow_key k = key(i);
	return dp_flow_get(t, &k, SIG, 0, now_ms, created);
}

static struct dp_flow *
find(unsigned i)
{
	struct dp_flow_key k = key(i);
	return dp_flow_lookup(t, &k, SIG);
}

Test(flowtable, keys_sharing_a_bucket_are_each_found, .init = setup, .fini = teardown)
{
	struct dp_flow *f[CAP];
	bool created;

	for (unsigned i = 0; i < CAP; i++) {
		f[i] = get(i, 0, &created);
		cr_assert_not_null(f[i]);
		cr_assert(created, "key %u was found before it was added", i);
	}
	for (unsigned i = 0; i < CAP; i++) {
		cr_assert_eq(find(i), f[i], "key %u found in another entry", i);
		cr_assert_eq(get(i, 0, &created), f[i]);
		cr_assert(!created);
		struct dp_flow_key k = key(i);
		cr_assert_eq(memcmp(dp_flow_key_of(t, f[i]), &k, sizeof(k)), 0);
	}
	/* a key of the same bucket not in the table is not found */
	cr_assert_null(find(CAP));
	cr_assert_eq(dp_flow_counters(t)->in_use, CAP);
}

Test(flowtable, an_ended_flow_leaves_its_chain_and_its_entry_is_reused, .init = setup,
     .fini = teardown)
{
	struct dp_flow *f[CAP];
	bool created;

	/* all at time 0; the odd keys see a SYN at time 1000, so at 1500 the even keys, every
	 * other one along the chain, time out */
	for (unsigned i = 0; i < CAP; i++)
		f[i] = get(i, 0, &created);
	for (unsigned i = 1; i < CAP; i += 2) {
		struct dp_pkt pk;
		memset(&pk, 0, sizeof(pk));
		pk.proto = DP_PROTO_TCP;
		pk.tcp_flags = DP_TCP_SYN;
		pk.sport = (uint16_t)(1000 + i);
		pk.dport = 80;
		dp_flow_update(t, f[i], &pk, 0, 1, 60, 1000);
	}
	cr_assert_eq(dp_flow_age(t, 1500, 100), CAP / 2);
	cr_assert_eq(nended, CAP / 2);
	for (unsigned i = 0; i < CAP; i += 2) {
		struct dp_flow_key k = key(i);
		cr_assert_eq(memcmp(&ended[i / 2], &k, sizeof(k)), 0, "record %u has another key",
			     i / 2);
		cr_assert_null(find(i), "timed-out key %u still found", i);
	}
	for (unsigned i = 1; i < CAP; i += 2)
		cr_assert_eq(find(i), f[i], "key %u lost with its neighbours", i);
	cr_assert_eq(dp_flow_counters(t)->in_use, CAP / 2);

	/* new keys take the freed entries, none of the live ones */
	for (unsigned i = CAP; i < CAP + CAP / 2; i++) {
		struct dp_flow *n = get(i, 1500, &created);
		cr_assert(created);
		for (unsigned j = 1; j < CAP; j += 2)
			cr_assert_neq(n, f[j], "new key %u took live key %u's entry", i, j);
	}
	for (unsigned i = 1; i < CAP + CAP / 2; i += (i < CAP ? 2 : 1))
		cr_assert_not_null(find(i), "key %u not found", i);
	cr_assert_eq(dp_flow_counters(t)->in_use, CAP);
}

Test(flowtable, a_full_table_gives_the_oldest_half_open_entry_to_a_new_key, .init = setup,
     .fini = teardown)
{
	bool created;

	for (unsigned i = 0; i < CAP; i++)
		cr_assert_not_null(get(i, i, &created));
	/* full: the new key takes key 0's entry (the oldest; none has had a packet yet) */
	struct dp_flow *n = get(CAP, CAP, &created);
	cr_assert_not_null(n);
	cr_assert(created);
	cr_assert_eq(dp_flow_counters(t)->evicted, 1);
	cr_assert_eq(nended, 1);
	struct dp_flow_key k0 = key(0);
	cr_assert_eq(memcmp(&ended[0], &k0, sizeof(k0)), 0, "evicted another flow than the oldest");
	cr_assert_null(find(0));
	for (unsigned i = 1; i <= CAP; i++)
		cr_assert_not_null(find(i), "key %u not found after the eviction", i);
	cr_assert_eq(find(CAP), n);
	/* flushing ends every flow once, and the table is empty */
	nended = 0;
	dp_flow_flush(t);
	cr_assert_eq(nended, CAP);
	cr_assert_eq(dp_flow_counters(t)->in_use, 0);
	for (unsigned i = 0; i <= CAP; i++)
		cr_assert_null(find(i));
}

/*
 * A hash-flooding attack: 4,096 tuples whose keys share one CRC32C (a CRC-hashed table puts
 * them all in one chain, and every packet of theirs walks it). Under the table's keyed hash
 * they spread as random keys do (4,096 random keys in 8,192 buckets put 12 or more in one
 * bucket about once in 10^8 tries).
 */
Test(flowtable, tuples_sharing_a_crc_spread_over_the_buckets, .init = setup, .fini = teardown)
{
	enum { N = 4096 };
	static struct gen_tuple tu[N];
	static uint16_t load[2 * N];
	struct dp_flow_table *big;
	struct dp_flow_timeouts to = { .ms = { 1000, 1000, 1000, 1000, 1000, 1000 },
				       .evict_idle_ms = 1000 };

	cr_assert_eq(gen_crc_collisions(tu, N), N, "fewer than 4096 colliding tuples");
	struct dp_flow_key k0 = gen_collide_key(tu[0].src_low, tu[0].sport, tu[0].dport);
	uint32_t crc = rte_hash_crc(&k0, sizeof(k0), 0);
	big = dp_flow_table_create("tftbig", N, SOCKET_ID_ANY, &to, on_end, NULL);
	cr_assert_not_null(big);
	unsigned most = 0;
	for (unsigned i = 0; i < N; i++) {
		struct dp_flow_key k = gen_collide_key(tu[i].src_low, tu[i].sport, tu[i].dport);
		cr_assert_eq(rte_hash_crc(&k, sizeof(k), 0), crc, "tuple %u does not share the CRC",
			     i);
		uint32_t sig = dp_flow_hash(dp_flow_seed_of(big), &k);
		uint32_t b = dp_flow_bucket_of(big, sig);
		cr_assert_lt(b, 2 * N);
		if (++load[b] > most)
			most = load[b];
		bool created;
		cr_assert_not_null(dp_flow_get(big, &k, sig, 0, 0, &created));
		cr_assert(created, "tuple %u is another's flow", i);
	}
	cr_assert_leq(most, 11, "%u of the crafted keys share one bucket", most);
	cr_assert_eq(dp_flow_counters(big)->in_use, N);
	dp_flow_table_free(big);
}
