/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop.
 *
 * Every frame received on a segment port is queued for the other port of the segment and
 * sent unchanged. A TX burst the device does not fully accept is retried up to
 * snapshot.tx_retries more times (devices refuse when their ring is full; a retry after
 * the NIC has drained some descriptors usually succeeds); what is still refused is freed
 * and counted as tx_drops, so no mbuf is ever leaked or held without bound.
 *
 * Drain: when the control core asks (dp_shared.state = DP_DRAIN) the worker keeps polling
 * until its queues have been empty for DRAIN_IDLE_PASSES consecutive passes, flushes, sets
 * drained and returns. DP_STOP ends the loop at once (after a flush).
 */
#include "worker.h"

#include <rte_ethdev.h>
#include <rte_prefetch.h>

#define DRAIN_IDLE_PASSES 64

static void
tx_flush_one(struct dp_worker *w, unsigned port, uint32_t retries)
{
	struct dp_txbuf *tb = &w->tx[port];
	struct dp_port_counters *c = &w->cnt[port];
	uint16_t n = tb->n, sent;
	uint64_t bytes = 0;

	if (n == 0)
		return;
	for (uint16_t i = 0; i < n; i++)
		bytes += rte_pktmbuf_pkt_len(tb->pkts[i]);
	sent = rte_eth_tx_burst(tb->ethdev, tb->queue, tb->pkts, n);
	for (uint32_t r = 0; sent < n && r < retries; r++) {
		DP_CNT_INC(c->tx_retries);
		sent += rte_eth_tx_burst(tb->ethdev, tb->queue, tb->pkts + sent, n - sent);
	}
	if (unlikely(sent < n)) {
		for (uint16_t i = sent; i < n; i++) {
			bytes -= rte_pktmbuf_pkt_len(tb->pkts[i]);
			rte_pktmbuf_free(tb->pkts[i]);
		}
		DP_CNT_ADD(c->tx_drops, n - sent);
	}
	DP_CNT_ADD(c->tx_pkts, sent);
	DP_CNT_ADD(c->tx_bytes, bytes);
	tb->n = 0;
}

void
dp_worker_flush(struct dp_worker *w, const struct dp_snapshot *snap)
{
	for (unsigned p = 0; p < w->sh->nports; p++)
		tx_flush_one(w, p, snap->tx_retries);
}

static inline void
tx_enqueue(struct dp_worker *w, const struct dp_snapshot *snap, unsigned port, struct rte_mbuf *m)
{
	struct dp_txbuf *tb = &w->tx[port];

	if (unlikely(tb->n == DP_TXBUF_SIZE))
		tx_flush_one(w, port, snap->tx_retries);
	tb->pkts[tb->n++] = m;
}

unsigned
dp_worker_poll(struct dp_worker *w, const struct dp_snapshot *snap)
{
	struct rte_mbuf *pkts[DP_MAX_BURST];
	unsigned total = 0;
	uint16_t burst = (uint16_t)RTE_MIN(snap->burst, DP_MAX_BURST);

	for (unsigned q = 0; q < w->nrxq; q++) {
		const struct dp_rxq *rq = &w->rxq[q];
		const struct dp_port_map *pm = &w->sh->ports[rq->port];
		struct dp_port_counters *c = &w->cnt[rq->port];
		uint16_t n = rte_eth_rx_burst(pm->ethdev, rq->queue, pkts, burst);
		uint64_t bytes = 0;

		if (n == 0)
			continue;
		for (uint16_t i = 0; i < n; i++) {
			bytes += rte_pktmbuf_pkt_len(pkts[i]);
			tx_enqueue(w, snap, pm->peer, pkts[i]);
		}
		DP_CNT_ADD(c->rx_pkts, n);
		DP_CNT_ADD(c->rx_bytes, bytes);
		tx_flush_one(w, pm->peer, snap->tx_retries);
		total += n;
	}
	return total;
}

int
dp_worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct dp_shared *sh = w->sh;
	unsigned idle = 0;

	rte_rcu_qsbr_thread_register(sh->rcu.qsbr, w->id);
	rte_rcu_qsbr_thread_online(sh->rcu.qsbr, w->id);
	for (;;) {
		int state = __atomic_load_n(&sh->state, __ATOMIC_ACQUIRE);
		const struct dp_snapshot *snap = dp_snapshot_get(&sh->rcu);
		unsigned n = dp_worker_poll(w, snap);

		if (n != 0)
			DP_CNT_INC(w->busy_passes);
		DP_CNT_INC(w->heartbeat);
		if (unlikely(state != DP_RUN)) {
			idle = n == 0 ? idle + 1 : 0;
			if (state == DP_STOP || idle >= DRAIN_IDLE_PASSES) {
				dp_worker_flush(w, snap);
				break;
			}
		}
		dp_snapshot_quiescent(&sh->rcu, w->id);
	}
	rte_rcu_qsbr_thread_offline(sh->rcu.qsbr, w->id);
	rte_rcu_qsbr_thread_unregister(sh->rcu.qsbr, w->id);
	__atomic_store_n(&w->drained, 1, __ATOMIC_RELEASE);
	return 0;
}
