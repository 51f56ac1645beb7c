/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GEN_COLLIDE_H
#define GEN_COLLIDE_H

/*
 * Tuples crafted to share one CRC32C of their flow key: what a sender who knows the hash
 * can do to a table hashed by a CRC (a hash-flooding attack), for the flow table's test and
 * benchmark.
 */
#include <stdint.h>

#include "../../dataplane/flow.h"

/*
 * UDP from 198.18.x.y (x.y: src_low) port sport to 198.19.255.1 port dport, VLAN-less, on
 * segment 0: the flow key a worker builds for it.
 */
struct dp_flow_key gen_collide_key(uint16_t src_low, uint16_t sport, uint16_t dport);

struct gen_tuple {
	uint16_t src_low; /* 198.18.(src_low >> 8).(src_low & 255) */
	uint16_t sport, dport;
};

/*
 * Fill out[0..n-1] with distinct tuples whose keys (gen_collide_key) all have the same
 * rte_hash_crc(key, 48, 0). CRC32C is linear over GF(2): the 48 bits of src_low, sport and
 * dport map to 32 bits of CRC, so at least 2^16 combinations of them leave the CRC as it
 * is; they are found by Gaussian elimination. Returns how many were written (at most n).
 */
unsigned gen_crc_collisions(struct gen_tuple *out, unsigned n);

#endif
