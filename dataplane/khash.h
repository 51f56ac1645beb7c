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
#include <stdint.h>

#define DP_KHASH_MAX_LEN 64 /* bytes of key the seed covers (the tables assert theirs fit) */

uint32_t dp_khash(const void *key, uint32_t key_len, uint32_t init_val);

#endif
