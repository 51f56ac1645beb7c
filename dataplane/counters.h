/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_COUNTERS_H
#define DP_COUNTERS_H

/*
 * Counters with one writer.
 *
 * Each worker owns its counters and is their only writer; the control core and the
 * telemetry thread read them without locks and sum them. A single writer needs no atomic
 * read-modify-write: DP_CNT_ADD compiles to a plain add, and the relaxed atomic store and
 * load only keep the compiler from tearing or caching the 64-bit value.
 */

#include <stdint.h>

#define DP_CNT_ADD(var, n) __atomic_store_n(&(var), (var) + (uint64_t)(n), __ATOMIC_RELAXED)
#define DP_CNT_INC(var)    DP_CNT_ADD(var, 1)
#define DP_CNT_SET(var, v) __atomic_store_n(&(var), (uint64_t)(v), __ATOMIC_RELAXED)
#define DP_CNT_READ(var)   __atomic_load_n(&(var), __ATOMIC_RELAXED)

/* Per worker and port. */
struct dp_port_counters {
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t tx_drops;   /* refused by the device after every retry, freed */
	uint64_t tx_retries; /* extra TX attempts made */
};

#endif /* DP_COUNTERS_H */
