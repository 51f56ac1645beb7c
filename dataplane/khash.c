/* SPDX-License-Identifier: BSD-3-Clause */
#include "khash.h"

#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>

static uint64_t seed_a[DP_KHASH_MAX_LEN / 4];
static uint64_t seed_b;

/* Filled before main: rte_hash calls the hash from any thread, with no first-use race. */
static void __attribute__((constructor)) khash_seed(void)
{
	if (getrandom(seed_a, sizeof(seed_a), 0) == (ssize_t)sizeof(seed_a) &&
	    getrandom(&seed_b, sizeof(seed_b), 0) == (ssize_t)sizeof(seed_b))
		return;
	/* no entropy yet (early boot): splitmix64 from the clock and the TSC */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t z = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32 ^ rte_rdtsc();
	for (unsigned i = 0; i <= RTE_DIM(seed_a); i++) {
		z += 0x9e3779b97f4a7c15u;
		uint64_t x = z;
		x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
		x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
		x ^= x >> 31;
		if (i < RTE_DIM(seed_a))
			seed_a[i] = x;
		else
			seed_b = x;
	}
}

uint32_t
dp_khash(const void *key, uint32_t key_len, uint32_t init_val)
{
	uint32_t x[DP_KHASH_MAX_LEN / 4] = { 0 };
	uint64_t h = seed_b + ((uint64_t)init_val << 32);

	if (key_len > DP_KHASH_MAX_LEN)
		key_len = DP_KHASH_MAX_LEN; /* the tables assert their keys fit */
	memcpy(x, key, key_len);
	for (unsigned i = 0; i < (key_len + 7) / 8 * 2; i += 2)
		h += (seed_a[i] + x[i + 1]) * (seed_a[i + 1] + x[i]);
	return (uint32_t)(h >> 32);
}
