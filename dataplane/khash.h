/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_KHASH_H
#define DP_KHASH_H

/*
 * A keyed hash for the rte_hash tables whose keys come off the wire (fragments, hosts,
 * attribution): pair-multiply-shift (flow.h says why not a CRC or a fixed-seed jhash) under
 * a seed drawn from the kernel's entropy when the program starts, the same for every table
 * and thread of the process. The signature of rte_hash_parameters.hash_func; init_val is
 * added to the hash's top 32 bits.
 */
#include <stddef.h>
#include <stdint.h>

#define DP_KHASH_MAX_LEN 64 /* bytes of key the seed covers (the tables assert theirs fit) */

uint32_t dp_khash(const void *key, uint32_t key_len, uint32_t init_val);

/*
 * One term of pair-multiply-shift: a 64-bit word of the key, its two 32-bit halves x[2i]
 * (low) and x[2i + 1] (high), with seed words a[0] = a[2i] and a[1] = a[2i + 1]:
 * (a[2i] + x[2i + 1]) * (a[2i + 1] + x[2i]) mod 2^64. The hash is the seed's offset plus
 * the terms of every word, its top 32 bits kept. The flow table inlines it (flow.h).
 */
static inline uint64_t
dp_khash_pair(uint64_t w, const uint64_t a[2])
{
	return (a[0] + (w >> 32)) * (a[1] + (w & 0xffffffffu));
}

/* Fill buf with random bytes for a seed: the kernel's (getrandom, which waits for its pool
 * to be ready), or, should the call fail, splitmix64 from the clock and the TSC. */
void dp_khash_random(void *buf, size_t len);

#endif
