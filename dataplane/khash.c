/* SPDX-License-Identifier: BSD-3-Clause */
#include "khash.h"

#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <rte_cycles.h>

static uint64_t seed_a[DP_KHASH_MAX_LEN / 4];
static uint64_t seed_b;

void
dp_khash_random(void *buf, size_t len)
{
	if (getrandom(buf, len, 0) == (ssize_t)len)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t z = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32 ^ rte_rdtsc();
	for (size_t i = 0; i < len; i += sizeof(z)) {
		z += 0x9e3779b97f4a7c15u;
		uint64_t x = z;
		x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
		x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
		x ^= x >> 31;
		memcpy((uint8_t *)buf + i, &x, len - i < sizeof(x) ? len - i : sizeof(x));
	}
}

/* Filled before main: rte_hash calls the hash from any thread, with no first-use race. */
static void __attribute__((constructor)) khash_seed(void)
{
	dp_khash_random(seed_a, sizeof(seed_a));
	dp_khash_random(&seed_b, sizeof(seed_b));
}

uint32_t
dp_khash(const void *key, uint32_t key_len, uint32_t init_val)
{
	uint64_t w[DP_KHASH_MAX_LEN / 8] = { 0 };
	uint64_t h = seed_b + ((uint64_t)init_val << 32);

	if (key_len > DP_KHASH_MAX_LEN)
		key_len = DP_KHASH_MAX_LEN; /* the tables assert their keys fit */
	memcpy(w, key, key_len);
	for (unsigned i = 0; i < (key_len + 7) / 8; i++)
		h += dp_khash_pair(w[i], &seed_a[2 * i]);
	return (uint32_t)(h >> 32);
}
