/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_WIRE_H
#define DP_WIRE_H

/*
 * Network-order (big-endian) fields read a byte at a time: any alignment, no byte-order
 * macro, and the compiler turns them into one load and a byte swap. For the decoder and
 * the parsers.
 */
#include <stdint.h>

static inline uint16_t
dp_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
dp_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif /* DP_WIRE_H */
