/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/worker.c on real DPDK devices: two net_ring ports built from rte_rings, so the
 * test plays the wire on both sides. Frames cross unchanged; a device that refuses TX gets
 * the configured number of retries, then the frames are freed and counted (the pool is
 * whole again at the end: nothing leaked).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "../../dataplane/worker.h"
#include "../support/support.h"

#define POOL 1024

static struct rte_mempool *pool;
static struct rte_ring *rx[2], *tx[2];
static struct dp_shared sh;
static struct dp_worker w;
static struct dp_snapshot snap = { .burst = 32, .tx_retries = 3 };

static void
start_port(unsigned i, unsigned tx_ring_size)
{
	char name[32];
	struct rte_eth_conf conf;
	int port;

	snprintf(name, sizeof(name), "rx%u", i);
	rx[i] = rte_ring_create(name, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "tx%u", i);
	tx[i] = rte_ring_create(name, tx_ring_size, SOCKET_ID_ANY,
				RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
	cr_assert(rx[i] && tx[i]);
	snprintf(name, sizeof(name), "net_ring_t%u", i);
	port = rte_eth_from_rings(name, &rx[i], 1, &tx[i], 1, SOCKET_ID_ANY);
	cr_assert_geq(port, 0);
	memset(&conf, 0, sizeof(conf));
	cr_assert_eq(rte_eth_dev_configure((uint16_t)port, 1, 1, &conf), 0);
	cr_assert_eq(rte_eth_rx_queue_setup((uint16_t)port, 0, 256, SOCKET_ID_ANY, NULL, pool), 0);
	cr_assert_eq(rte_eth_tx_queue_setup((uint16_t)port, 0, 256, SOCKET_ID_ANY, NULL), 0);
	cr_assert_eq(rte_eth_dev_start((uint16_t)port), 0);
	sh.ports[i].ethdev = (uint16_t)port;
	sh.ports[i].peer = (uint16_t)(1 - i);
	w.rxq[i].port = (uint16_t)i;
	w.rxq[i].queue = 0;
	w.tx[i].ethdev = (uint16_t)port;
	w.tx[i].queue = 0;
}

static void
setup_eal(unsigned tx_ring_size)
{
	cr_assert_geq(ts_eal("bwu", 128), 0);
	pool = rte_pktmbuf_pool_create("p", POOL, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	cr_assert_not_null(pool);
	memset(&sh, 0, sizeof(sh));
	memset(&w, 0, sizeof(w));
	sh.nports = 2;
	w.sh = &sh;
	w.nrxq = 2;
	start_port(0, 1024);
	start_port(1, tx_ring_size);
}

static void
setup_roomy(void)
{
	setup_eal(1024);
}

static void
setup_tight(void)
{
	setup_eal(16);
}

/* What "the wire" delivers to port i: n frames of distinct sizes and contents. */
static void
inject(unsigned i, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		cr_assert_not_null(m);
		uint16_t len = (uint16_t)(60 + k % 1400);
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, len);
		for (uint16_t j = 0; j < len; j++)
			p[j] = (uint8_t)(k * 31 + j);
		cr_assert_eq(rte_ring_enqueue(rx[i], m), 0);
	}
}

Test(worker, frames_cross_unchanged_both_ways, .init = setup_roomy)
{
	inject(0, 100);
	inject(1, 40);
	while (dp_worker_poll(&w, &snap) > 0)
		;
	cr_assert_eq(rte_ring_count(tx[1]), 100);
	cr_assert_eq(rte_ring_count(tx[0]), 40);
	for (unsigned k = 0; k < 100; k++) {
		struct rte_mbuf *m;
		cr_assert_eq(rte_ring_dequeue(tx[1], (void **)&m), 0);
		uint16_t len = (uint16_t)(60 + k % 1400);
		cr_assert_eq(rte_pktmbuf_pkt_len(m), len);
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		for (uint16_t j = 0; j < len; j++)
			cr_assert_eq(p[j], (uint8_t)(k * 31 + j), "frame %u byte %u", k, j);
		rte_pktmbuf_free(m);
	}
	cr_assert_eq(w.cnt[0].rx_pkts, 100);
	cr_assert_eq(w.cnt[1].tx_pkts, 100);
	cr_assert_eq(w.cnt[1].rx_pkts, 40);
	cr_assert_eq(w.cnt[0].tx_pkts, 40);
	cr_assert_eq(w.cnt[0].tx_drops + w.cnt[1].tx_drops, 0);
}

Test(worker, refused_tx_is_retried_then_dropped_and_counted, .init = setup_tight)
{
	inject(0, 100);
	while (dp_worker_poll(&w, &snap) > 0)
		;
	dp_worker_flush(&w, &snap);
	/* the device took 16; every other frame was retried 3 times, then freed */
	cr_assert_eq(rte_ring_count(tx[1]), 16);
	cr_assert_eq(w.cnt[1].tx_pkts, 16);
	cr_assert_eq(w.cnt[1].tx_drops, 84);
	cr_assert_geq(w.cnt[1].tx_retries, 3 * 4, "retries: %lu", w.cnt[1].tx_retries);
	uint64_t bytes = 0;
	for (unsigned k = 0; k < 16; k++)
		bytes += 60 + k % 1400;
	cr_assert_eq(w.cnt[1].tx_bytes, bytes);
	/* nothing leaked: the 16 on the "wire" plus the pool make the whole pool */
	cr_assert_eq(rte_mempool_avail_count(pool) + 16, POOL);
}

Test(worker, zero_retry_budget_drops_at_once, .init = setup_tight)
{
	struct dp_snapshot s0 = { .burst = 8, .tx_retries = 0 };
	inject(0, 24);
	while (dp_worker_poll(&w, &s0) > 0)
		;
	cr_assert_eq(w.cnt[1].tx_pkts, 16);
	cr_assert_eq(w.cnt[1].tx_drops, 8);
	cr_assert_eq(w.cnt[1].tx_retries, 0);
	cr_assert_eq(rte_mempool_avail_count(pool) + 16, POOL);
}
