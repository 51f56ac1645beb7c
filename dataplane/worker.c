/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop and the per-packet pipeline.
 *
 * Verdicts: a frame is forwarded to its segment peer's TX buffer, dropped (freed and
 * counted), or held (a fragment waiting for its datagram). Every mbuf has exactly one
 * owner on every path: the RX burst hands it to the pipeline, which hands it to a TX
 * buffer, to the fragment table, or frees it.
 *
 * TX: a burst the device does not fully accept is retried up to snapshot.tx_retries more
 * times (devices refuse when their ring is full; a retry after the NIC has drained some
 * descriptors usually succeeds); what is still refused is freed and counted as tx_drops.
 *
 * Time: frames from net_pcap carry their capture time, which then drives the worker's
 * clock (offline replay ages flows in capture time); otherwise the clock is the TSC. The
 * clock never goes backwards (merged captures may).
 *
 * Drain: when the control core asks (DP_DRAIN) the worker keeps polling until its queues
 * have been empty for DRAIN_IDLE_PASSES passes, ends every flow, hands back held
 * fragments, flushes, sets drained and returns. DP_STOP skips the waiting.
 */
#include "worker.h"

#include "attrib.h"
#include "decode_fast.h"
#include "reject.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_pause.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#define DRAIN_IDLE_PASSES 64
#define FRAG_AGE_BUDGET   8
#define SCRATCH_BYTES     65536

enum verdict { V_FORWARD, V_DROP, V_HELD };

/* ---- TX ---- */

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
tx_enqueue(struct dp_worker *w, unsigned port, struct rte_mbuf *m)
{
	struct dp_txbuf *tb = &w->tx[port];

	if (unlikely(tb->n == DP_TXBUF_SIZE))
		tx_flush_one(w, port, w->snap->tx_retries);
	tb->pkts[tb->n++] = m;
}

/* A whole burst: one bounds check and one copy (a loop of tx_enqueue reloads and stores the
 * count for every packet, a chain through memory that bounds a plain bridge). */
static inline void
tx_enqueue_burst(struct dp_worker *w, unsigned port, struct rte_mbuf **m, uint16_t n)
{
	struct dp_txbuf *tb = &w->tx[port];

	if (unlikely(tb->n + n > DP_TXBUF_SIZE))
		tx_flush_one(w, port, w->snap->tx_retries);
	memcpy(&tb->pkts[tb->n], m, n * sizeof(m[0]));
	tb->n = (uint16_t)(tb->n + n);
}

/* A few packets (a run of one flow): one bounds check, copied inline (a call to memcpy
 * costs more than the copy). */
static inline void
tx_enqueue_run(struct dp_worker *w, unsigned port, struct rte_mbuf **m, unsigned n)
{
	struct dp_txbuf *tb = &w->tx[port];

	if (unlikely(tb->n + n > DP_TXBUF_SIZE))
		tx_flush_one(w, port, w->snap->tx_retries);
	struct rte_mbuf **o = &tb->pkts[tb->n];
	for (unsigned x = 0; x < n; x++)
		o[x] = m[x];
	tb->n = (uint16_t)(tb->n + n);
}

/* Send m out of the peer of the port it came in on. */
static inline void
forward(struct dp_worker *w, unsigned in_port, struct rte_mbuf *m)
{
	tx_enqueue(w, w->sh->ports[in_port].peer, m);
}

/* ---- events ---- */

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void
post_event(struct dp_worker *w, const struct dp_event *ev)
{
	while (rte_ring_sp_enqueue_elem(w->events, (void *)(uintptr_t)ev, sizeof(*ev)) != 0) {
		/* Live traffic never waits for the log. An offline replay does: its log must be
		 * complete, and nothing is on the wire. */
		if (!w->snap->replay) {
			DP_CNT_INC(w->wc.events_dropped);
			return;
		}
		rte_pause();
	}
	DP_CNT_INC(w->wc.events_posted);
}

/* The flow needs no more inspection: give its context back, keeping why it stopped. */
static void
end_inspection(struct dp_worker *w, struct dp_flow *f)
{
	struct dp_ictx *c = dp_ictx_at(&w->ictx, f->ictx);

	dp_id_release(&w->ident, &c->id);
	if (w->snap->identify && w->ident.info != NULL)
		dp_id_settle(&w->ident, f, dp_flow_index(w->flows, f), &c->id);

	for (unsigned d = 0; d < 2; d++) {
		dp_stream_release(&w->streams, &c->dir[d], DP_STREAM_END_RELEASED);
		f->stream_end[d] = c->dir[d].end;
	}
	dp_ictx_put(&w->ictx, f->ictx);
	f->ictx = 0;
}

/* What a flow's record and its policy events say about it. */
static void
fill_event(struct dp_worker *w, const struct dp_flow_key *k, const struct dp_flow *f,
	   struct dp_event *ev)
{
	unsigned init = (f->flags & DP_FLOW_F_INIT1) ? 1 : 0;
	unsigned alen = k->l3 == 4 ? 4 : 16;
	uint32_t pos = dp_flow_index(w->flows, f);

	memset(ev, 0, sizeof(*ev));
	ev->proto = k->proto;
	ev->l3 = k->l3;
	ev->nvlan = (uint8_t)(k->vlan[1] ? 2 : k->vlan[0] ? 1 : 0);
	ev->vlan[0] = k->vlan[0];
	ev->vlan[1] = k->vlan[1];
	ev->tcp_state = f->tcp_state;
	ev->flow_flags = f->flags;
	ev->worker = (uint16_t)w->id;
	ev->in_port = f->in_port;
	memcpy(ev->src, k->addr[init], alen);
	memcpy(ev->dst, k->addr[init ^ 1], alen);
	ev->sport = k->port[init];
	ev->dport = k->port[init ^ 1];
	ev->stream_end[0] = f->stream_end[0];
	ev->stream_end[1] = f->stream_end[1];
	ev->flow_id = mix64(f->start_us ^ ((uint64_t)pos << 20) ^ ((uint64_t)w->id << 58)) &
		      ((1ull << 52) - 1);
	ev->start_us = f->start_us;
	/*
	 * The last packet's time, counted back from now: the millisecond clock (32 bits) wraps
	 * every 49.7 days, but a flow never stays idle that long (timeouts age it first).
	 */
	uint64_t since_epoch_ms = (w->now_us - w->epoch_us) / 1000u; /* w->now_ms unwrapped */
	uint32_t idle_ms = w->now_ms - f->last_ms;
	ev->end_us =
		since_epoch_ms >= idle_ms ? w->epoch_us + (since_epoch_ms - idle_ms) * 1000u : 0;
	if (ev->end_us < ev->start_us)
		ev->end_us = ev->start_us;
	for (unsigned d = 0; d < 2; d++) {
		ev->pkts[d] = f->pkts[d];
		ev->bytes[d] = f->bytes[d];
	}
	ev->app = f->app;
	ev->master = f->master;
	ev->conf = f->conf;
	ev->id_flags = f->id_flags;
	if (w->ident.info != NULL) {
		const struct dp_flow_info *info = &w->ident.info[pos];
		ev->field = info->field;
		ev->rule = info->rule;
		ev->name_field = info->name_field;
		ev->decided_after = info->decided_after;
		memcpy(ev->value, info->value, sizeof(ev->value));
		memcpy(ev->name, info->name, sizeof(ev->name));
	}
	ev->action = f->action;
	if (w->enf != NULL) {
		const struct dp_enf *e = &w->enf[pos];
		ev->prule = e->prule;
		ev->behaviour = e->behaviour;
		ev->before_pkts = e->before_pkts;
		ev->before_bytes = e->before_bytes;
		ev->rst_sent = e->rst_sent;
		ev->icmp_sent = e->icmp_sent;
	}
}

static void host_flow_end(struct dp_worker *w, const struct dp_flow_key *k,
			  const struct dp_flow *f);
static void hold_release(struct dp_worker *w, struct dp_enf *e, bool drop_them);

/* A flow ended: free its inspection state and post its record. */
static void
on_flow_end(void *ctx, const struct dp_flow_key *k, struct dp_flow *f, enum dp_flow_end why)
{
	struct dp_worker *w = ctx;
	struct dp_event ev;
	unsigned init = (f->flags & DP_FLOW_F_INIT1) ? 1 : 0;

	uint32_t pos = dp_flow_index(w->flows, f);
	if (f->ictx != 0)
		end_inspection(w, f);
	else if (w->snap->identify && w->ident.info != NULL)
		dp_id_settle(&w->ident, f, pos, NULL);
	if (w->snap->identify && w->ident.info != NULL)
		dp_id_port_fallback(&w->ident, f, pos, k->proto, k->port[init ^ 1]);
	if (w->snap->policy != NULL)
		host_flow_end(w, k, f);
	if (w->enf != NULL && w->enf[pos].hold_n > 0)
		hold_release(w, &w->enf[pos], false); /* never decided: what it held goes on */
	fill_event(w, k, f, &ev);
	ev.type = DP_EV_FLOW;
	ev.reason = (uint8_t)why;
	if (w->ident.info != NULL)
		memset(&w->ident.info[pos], 0, sizeof(w->ident.info[pos]));
	post_event(w, &ev);
}

/* ---- enforcement ---- */

/*
 * Hold (policy.hold): a packet with payload of a flow whose verdict is still pending, to a
 * server port the option names, is kept instead of forwarded, so that what identification
 * is still reading cannot cross before the verdict. The flow's held packets leave in their
 * order, before the packet that brought the verdict, when it allows; they are dropped when
 * it blocks; they leave anyway when the flow has policy.hold.packets held (the next one
 * releases them), when the first has waited policy.hold.time, or when the flow ends. Pure
 * acknowledgements and handshakes are never held (the peers must get to the bytes that
 * decide). A flow holds once: after a release its packets are forwarded as usual.
 * Each worker owns its pool (index lists, no locks); flows holding wait in a FIFO of
 * deadlines, which all grow with the same hold time, so the oldest is always first.
 */
enum hold_state { HOLD_NONE, HOLD_ACTIVE, HOLD_DONE };

static void
hold_release(struct dp_worker *w, struct dp_enf *e, bool drop_them)
{
	uint32_t i = e->hold_head;

	while (i != 0) {
		struct dp_held *h = &w->held[i - 1];
		uint32_t next = h->next;
		if (drop_them)
			rte_pktmbuf_free(h->m);
		else
			tx_enqueue(w, h->port, h->m);
		h->m = NULL;
		h->next = w->held_free;
		w->held_free = i;
		i = next;
	}
	if (drop_them)
		DP_CNT_ADD(w->wc.hold_dropped, e->hold_n);
	else
		DP_CNT_ADD(w->wc.hold_released, e->hold_n);
	e->hold_head = e->hold_tail = 0;
	e->hold_n = 0;
	e->hold_state = HOLD_DONE;
}

/* Bytes of the flow's held packets. */
static uint64_t
held_bytes(const struct dp_worker *w, const struct dp_enf *e)
{
	uint64_t b = 0;
	for (uint32_t i = e->hold_head; i != 0; i = w->held[i - 1].next)
		b += rte_pktmbuf_pkt_len(w->held[i - 1].m);
	return b;
}

/* Keep the current packet (w->cur_m) for flow pos. false: forward it instead. */
static bool
hold(struct dp_worker *w, struct dp_enf *e, uint32_t pos)
{
	const struct dp_policy *p = w->snap->policy;

	if (e->hold_n >= p->hold_packets) {
		DP_CNT_ADD(w->wc.hold_limit, e->hold_n);
		hold_release(w, e, false);
		return false;
	}
	if (w->held_free == 0 ||
	    (e->hold_n == 0 && w->holdq_tail - w->holdq_head > w->holdq_mask)) {
		DP_CNT_INC(w->wc.hold_overflow);
		return false;
	}
	uint32_t i = w->held_free;
	struct dp_held *h = &w->held[i - 1];
	w->held_free = h->next;
	h->m = w->cur_m;
	h->port = (uint16_t)w->sh->ports[w->cur_port].peer;
	h->next = 0;
	if (e->hold_n == 0) {
		e->hold_state = HOLD_ACTIVE;
		e->hold_head = i;
		e->hold_deadline = w->now_ms + p->hold_ms;
		w->holdq[w->holdq_tail++ & w->holdq_mask] = (uint64_t)pos << 32 | e->hold_deadline;
	} else {
		w->held[e->hold_tail - 1].next = i;
	}
	e->hold_tail = i;
	e->hold_n++;
	DP_CNT_INC(w->wc.held);
	return true;
}

/* Release the flows whose first held packet has waited long enough. Returns true if it
 * released any. */
static bool
hold_expire(struct dp_worker *w)
{
	bool released = false;

	while (w->holdq_head != w->holdq_tail) {
		uint64_t q = w->holdq[w->holdq_head & w->holdq_mask];
		uint32_t deadline = (uint32_t)q;
		if ((int32_t)(w->now_ms - deadline) < 0)
			break;
		w->holdq_head++;
		struct dp_enf *e = &w->enf[q >> 32];
		/* the flow may have been released, ended, or replaced since */
		if (e->hold_state == HOLD_ACTIVE && e->hold_deadline == deadline && e->hold_n > 0) {
			DP_CNT_ADD(w->wc.hold_expired, e->hold_n);
			hold_release(w, e, false);
			released = true;
		}
	}
	return released;
}

/* The inside host of a flow: the initiator when its packets come in on the segment's
 * inside port, else the responder. */
static const uint8_t *
inside_host(const struct dp_worker *w, const struct dp_flow_key *k, const struct dp_flow *f)
{
	const struct dp_policy *p = w->snap->policy;
	unsigned init = (f->flags & DP_FLOW_F_INIT1) ? 1 : 0;
	bool client_inside = w->sh->ports[f->in_port].side == p->inside_side[k->segment];

	return client_inside ? k->addr[init] : k->addr[init ^ 1];
}

static bool
client_inside(const struct dp_worker *w, const struct dp_flow_key *k, const struct dp_flow *f)
{
	return w->sh->ports[f->in_port].side == w->snap->policy->inside_side[k->segment];
}

/* Port hopping: an undecided flow with payload ended unknown; count its server port for
 * the inside client that opened it. */
static void
host_flow_end(struct dp_worker *w, const struct dp_flow_key *k, const struct dp_flow *f)
{
	const struct dp_policy *p = w->snap->policy;
	unsigned init = (f->flags & DP_FLOW_F_INIT1) ? 1 : 0;

	if (!(p->behaviour_used & DP_B_PORT_HOPPING) || w->sh->hosts == NULL || f->app != 0 ||
	    !(f->id_flags & DP_ID_PAYLOAD) || !client_inside(w, k, f))
		return;
	struct dp_host *h = dp_hosts_get(w->sh->hosts, k->l3, k->addr[init], true, w->now_us);
	if (h != NULL)
		dp_host_hopping(h, (uint64_t)k->proto << 16 | k->port[init ^ 1], w->now_us,
				p->hopping_window_us, p->hopping_ports);
}

/* Send a frame the box made out of port. */
static void
send_made(struct dp_worker *w, unsigned port, const uint8_t *frame, uint32_t len)
{
	struct rte_mbuf *m = w->cur_m != NULL ? rte_pktmbuf_alloc(w->cur_m->pool) : NULL;
	char *dst = m != NULL ? rte_pktmbuf_append(m, (uint16_t)len) : NULL;

	if (dst == NULL) {
		if (m != NULL)
			rte_pktmbuf_free(m);
		DP_CNT_INC(w->wc.reject_failed);
		return;
	}
	memcpy(dst, frame, len);
	tx_enqueue(w, port, m);
}

/* Tell the ends of a blocked flow: RSTs for TCP (reset), an ICMP for UDP when the rule
 * asks. to_receiver: also reset the packet's receiver (the first time). */
static void
reject(struct dp_worker *w, struct dp_enf *e, const struct dp_pkt *pk, uint8_t action, bool icmp,
       bool to_receiver)
{
	uint8_t frame[DP_REJECT_MAX];
	uint32_t len;
	unsigned in = w->cur_port, out = w->sh->ports[in].peer;

	if (w->cur_m == NULL || e->rst_left == 0)
		return;
	e->rst_left--;
	if (pk->proto == DP_PROTO_TCP && action == DP_ACT_RESET) {
		if ((len = dp_reject_tcp_rst(pk, true, frame, sizeof(frame))) > 0) {
			send_made(w, in, frame, len);
			DP_CNT_INC(w->wc.rst_sent);
			e->rst_sent |= 1;
		}
		if (to_receiver && (len = dp_reject_tcp_rst(pk, false, frame, sizeof(frame))) > 0) {
			send_made(w, out, frame, len);
			DP_CNT_INC(w->wc.rst_sent);
			e->rst_sent |= 2;
		}
	} else if (pk->proto == DP_PROTO_UDP && icmp) {
		if ((len = dp_reject_icmp(pk, frame, sizeof(frame))) > 0) {
			send_made(w, in, frame, len);
			DP_CNT_INC(w->wc.icmp_sent);
			e->icmp_sent = 1;
		} else {
			DP_CNT_INC(w->wc.reject_failed);
		}
	}
}

static void
post_policy_event(struct dp_worker *w, const struct dp_flow_key *k, const struct dp_flow *f)
{
	struct dp_event ev;

	fill_event(w, k, f, &ev);
	ev.type = DP_EV_POLICY;
	ev.end_us = w->now_us;
	post_event(w, &ev);
}

/* Microseconds of the worker clock as TSC cycles, the unit of rte_meter. */
static inline uint64_t
meter_time(const struct dp_worker *w, const struct dp_policy *p)
{
	return w->now_us * (p->tsc_hz / 1000000u);
}

/* A packet of a ratelimited flow: does it fit the rate? */
static bool
metered(struct dp_worker *w, const struct dp_flow_key *k, const struct dp_flow *f, struct dp_enf *e,
	uint32_t len)
{
	const struct dp_policy *p = w->snap->policy;
	const struct dp_rule *r = &p->rule[e->prule - 1];
	uint64_t t = meter_time(w, p);
	enum rte_color c;

	if (r->per_host && w->sh->hosts != NULL) {
		struct dp_host *h =
			dp_hosts_get(w->sh->hosts, k->l3, inside_host(w, k, f), true, w->now_us);
		if (h != NULL) {
			rte_spinlock_lock(&h->lock);
			if (h->meter_rule != e->prule) {
				rte_meter_srtcm_config(&h->meter,
						       (struct rte_meter_srtcm_profile *)&r->meter);
				h->meter.time = t;
				h->meter_rule = e->prule;
			}
			c = rte_meter_srtcm_color_blind_check(
				&h->meter, (struct rte_meter_srtcm_profile *)&r->meter, t, len);
			rte_spinlock_unlock(&h->lock);
			return c == RTE_COLOR_GREEN;
		}
	}
	c = rte_meter_srtcm_color_blind_check(&e->meter,
					      (struct rte_meter_srtcm_profile *)&r->meter, t, len);
	return c == RTE_COLOR_GREEN;
}

/*
 * The policy's say on a packet of flow f, after identification has seen it. Evaluates the
 * rules when the flow starts, while its verdict is pending, and whenever its application or
 * behaviour changes; a block is final.
 */
static enum verdict
enforce(struct dp_worker *w, struct dp_flow *f, const struct dp_pkt *pk,
	const struct dp_flow_key *key, uint32_t pos, bool created, uint32_t npkts, uint64_t bytes)
{
	const struct dp_policy *p = w->snap->policy;
	struct dp_enf *e = &w->enf[pos];
	unsigned init = (f->flags & DP_FLOW_F_INIT1) ? 1 : 0;

	if (created) {
		memset(e, 0, sizeof(*e));
		e->rst_left = 4;
		struct dp_host *h = NULL;
		if (w->sh->hosts != NULL)
			h = dp_hosts_get(w->sh->hosts, key->l3, inside_host(w, key, f), false,
					 w->now_us);
		uint64_t until =
			h != NULL ? __atomic_load_n(&h->quarantine_until_us, __ATOMIC_ACQUIRE) : 0;
		if (until > w->now_us) {
			/* the inside host is in quarantine: its new flows go nowhere */
			f->action = DP_ACT_QUARANTINE;
			f->pol = DP_POL_EVALUATED | DP_POL_FINAL;
			e->prule = h->quarantine_rule;
			DP_CNT_INC(w->wc.quarantined);
			DP_CNT_ADD(w->wc.policy_dropped, npkts);
			post_policy_event(w, key, f);
			return V_DROP;
		}
		if ((p->behaviour_used & DP_B_P2P_FANOUT) && w->sh->hosts != NULL &&
		    key->port[init ^ 1] > 1023 && client_inside(w, key, f)) {
			h = dp_hosts_get(w->sh->hosts, key->l3, key->addr[init], true, w->now_us);
			uint64_t peer;
			memcpy(&peer, key->addr[init ^ 1] + (key->l3 == 4 ? 0 : 8), 8);
			if (key->l3 == 4)
				peer &= 0xffffffffull;
			if (h != NULL && dp_host_fanout(h, peer, w->now_us, p->fanout_window_us,
							p->fanout_peers))
				e->behaviour |= DP_B_P2P_FANOUT;
		}
		if ((p->behaviour_used & DP_B_PORT_HOPPING) && w->sh->hosts != NULL &&
		    client_inside(w, key, f)) {
			h = dp_hosts_get(w->sh->hosts, key->l3, key->addr[init], false, w->now_us);
			if (h != NULL &&
			    __atomic_load_n(&h->hop_count, __ATOMIC_RELAXED) > p->hopping_ports &&
			    w->now_us < __atomic_load_n(&h->hop_start_us, __ATOMIC_RELAXED) +
						p->hopping_window_us)
				e->behaviour |= DP_B_PORT_HOPPING;
		}
	}
	if (f->pol & DP_POL_FINAL) {
		/* blocked: nothing more crosses; a retransmission gets its RST again */
		DP_CNT_ADD(w->wc.policy_dropped, npkts);
		if (f->action == DP_ACT_RESET && e->prule != 0)
			reject(w, e, pk, f->action, false, false);
		return V_DROP;
	}

	uint8_t b = e->behaviour;
	if (f->id_flags & DP_ID_NON_HTTP_80)
		b |= DP_B_NON_HTTP_80;
	if (f->id_flags & DP_ID_NON_TLS_443)
		b |= DP_B_NON_TLS_443;
	if (f->id_flags & DP_ID_CONNECT_NON_WEB)
		b |= DP_B_CONNECT_NON_WEB;
	if (f->id_flags & DP_ID_FILE)
		b |= DP_B_FILE_TRANSFER;
	if (f->bytes[DP_TOSERVER] > p->upload_bytes)
		b |= DP_B_LARGE_UPLOAD;
	if ((p->behaviour_used & DP_B_LARGE_UPLOAD) && p->upload_host_bytes != 0 &&
	    w->sh->hosts != NULL && !(e->behaviour & DP_B_LARGE_UPLOAD) &&
	    (created || f->bytes[DP_TOSERVER] >> 20 != e->up_mib) && client_inside(w, key, f)) {
		/* the inside client's uploads over the period, counted in whole MiB so that the
		 * shared entry is written once a MiB, not once a packet */
		uint32_t mib = (uint32_t)(f->bytes[DP_TOSERVER] >> 20);
		struct dp_host *h =
			dp_hosts_get(w->sh->hosts, key->l3, key->addr[init], true, w->now_us);
		if (h != NULL && dp_host_upload(h, (uint64_t)(mib - e->up_mib) << 20, w->now_us,
						p->upload_window_us, p->upload_host_bytes))
			b |= DP_B_LARGE_UPLOAD; /* kept in e->behaviour by the evaluation below */
		e->up_mib = mib;
	}
	if (!(f->pol & DP_POL_EVALUATED) || b != e->behaviour || f->app != e->app_seen) {
		e->behaviour = b;
		e->app_seen = f->app;
		struct dp_policy_flow pf = {
			.family = key->l3,
			.proto = key->proto,
			.client = key->addr[init],
			.server = key->addr[init ^ 1],
			.cport = key->port[init],
			.sport = key->port[init ^ 1],
			.segment = key->segment,
			.vlan = { key->vlan[0], key->vlan[1] },
			.nvlan = (uint8_t)(key->vlan[1]   ? 2
					   : key->vlan[0] ? 1
							  : 0),
			.identified =
				!w->snap->identify || (f->id_flags & DP_ID_DECIDED) || f->ictx == 0,
			.app = f->app,
			.master = f->master,
			.conf = f->conf,
			.behaviour = b,
			.now_us = w->now_us,
		};
		int r = dp_policy_eval(p, &pf);
		if (r != DP_POLICY_PENDING) {
			uint8_t a = dp_policy_action(p, r);
			bool changed =
				!(f->pol & DP_POL_EVALUATED) || e->prule != (uint16_t)(r + 1);
			f->pol |= DP_POL_EVALUATED;
			if (changed) {
				f->action = a;
				e->prule = (uint16_t)(r + 1);
				DP_CNT_INC(w->wc.rule_hits[r]);
				if (a == DP_ACT_RATELIMIT) {
					rte_meter_srtcm_config(
						&e->meter,
						(struct rte_meter_srtcm_profile *)&p->rule[r]
							.meter);
					e->meter.time = meter_time(w, p);
				}
				if (dp_action_blocks(a)) {
					const struct dp_rule *rl =
						(unsigned)r < p->nrules ? &p->rule[r] : NULL;
					f->pol |= DP_POL_FINAL;
					/* held packets never crossed: they go with the block */
					uint32_t nheld = e->hold_n;
					e->before_pkts = f->pkts[0] + f->pkts[1] - npkts - nheld;
					e->before_bytes = f->bytes[0] + f->bytes[1] - bytes -
							  held_bytes(w, e);
					DP_CNT_ADD(w->wc.policy_dropped, npkts + nheld);
					if (nheld > 0)
						hold_release(w, e, true);
					if (a == DP_ACT_QUARANTINE && rl != NULL &&
					    w->sh->hosts != NULL) {
						struct dp_host *h = dp_hosts_get(
							w->sh->hosts, key->l3,
							inside_host(w, key, f), true, w->now_us);
						if (h != NULL) {
							h->quarantine_rule = e->prule;
							__atomic_store_n(&h->quarantine_until_us,
									 w->now_us +
										 rl->duration_us,
									 __ATOMIC_RELEASE);
						}
					}
					reject(w, e, pk, a, rl != NULL && rl->icmp, true);
					post_policy_event(w, key, f);
					if (f->ictx != 0)
						end_inspection(w, f); /* nothing more to learn */
					return V_DROP;
				}
				if (a != DP_ACT_ALLOW)
					post_policy_event(w, key, f);
			}
		}
	}
	if (e->hold_state != HOLD_DONE) {
		if (f->pol & DP_POL_EVALUATED) {
			/* the verdict lets the flow go: what it held leaves first, in order */
			if (e->hold_n > 0)
				hold_release(w, e, false);
			e->hold_state = HOLD_DONE;
		} else if (p->nhold_ports > 0 && pk->payload_len > 0 && w->cur_m != NULL &&
			   w->held != NULL && dp_policy_holds(p, key->proto, key->port[init ^ 1]) &&
			   hold(w, e, pos)) {
			return V_HELD;
		}
	}
	if (f->action == DP_ACT_RATELIMIT && e->prule != 0 &&
	    !metered(w, key, f, e, (uint32_t)(bytes / (npkts ? npkts : 1)))) {
		DP_CNT_ADD(w->wc.ratelimit_dropped, npkts);
		return V_DROP;
	}
	return V_FORWARD;
}

/* ---- inspection hand-off ---- */

/* Reassembled bytes arrive here, in order, once. Identification plugs in at this point;
 * until then the stream pool counts what it delivered. */
static void
inspect_stream(void *ctx, const uint8_t *data, uint32_t len)
{
	struct dp_worker *w = ctx;

	if (w->cur != NULL && w->snap->identify)
		dp_id_stream(&w->ident, w->cur, data, len);
}

/* ---- the pipeline ---- */

/*
 * Idle times are differences of the 32-bit millisecond clock, right while shorter than 2^31
 * ms (24.8 days). A capture's clock can leap further in one step (captures merged end to
 * end). Every timeout is at most 7 days (config.c), so everything from before a leap of
 * CLOCK_LEAP_MS or more has timed out: the clock moves CLOCK_LEAP_MS on, everything that
 * timed out ends there (flows with their own last packet's time), then the clock takes the
 * frame's time.
 */
#define CLOCK_LEAP_MS (1u << 30) /* 12.4 days */

static void frags_out(struct dp_worker *w, struct dp_frag_out *out, unsigned n, bool drop_them);

/*
 * End what timed out by now: at most flow_budget flows and, in rounds of DP_FRAG_MAX
 * fragments, frag_budget datagrams (UINT_MAX: all of both), then the held packets whose
 * time ran out. True if a frame went out.
 */
static bool
expire(struct dp_worker *w, unsigned flow_budget, unsigned frag_budget)
{
	struct dp_frag_out out[DP_FRAG_MAX];
	unsigned n, sent = 0;

	w->aged_ms = w->now_ms;
	dp_flow_age(w->flows, w->now_ms, flow_budget);
	do {
		n = dp_frag_expire(w->frags, w->now_ms, frag_budget, out, DP_FRAG_MAX);
		frags_out(w, out, n, w->snap->frag_incomplete_drop);
		sent += n;
	} while (n > 0 && frag_budget == UINT_MAX);
	bool released = w->holdq_head != w->holdq_tail && hold_expire(w);
	return sent > 0 || released;
}

static __attribute__((noinline)) void
clock_leap(struct dp_worker *w)
{
	w->now_us += (uint64_t)CLOCK_LEAP_MS * 1000u;
	w->now_ms += CLOCK_LEAP_MS;
	expire(w, UINT_MAX, UINT_MAX);
}

/*
 * The clock moved to frame m's capture time, if it has one and it is later. A leap ends
 * what timed out (clock_leap) only if leap_ok: otherwise the clock stays and false says the
 * frame needs a caller that lets flows end.
 */
static inline __attribute__((always_inline)) bool
clock_packet(struct dp_worker *w, const struct rte_mbuf *m, uint64_t ts_flag, int ts_offset,
	     bool leap_ok)
{
	if (m->ol_flags & ts_flag) {
		uint64_t ts = *RTE_MBUF_DYNFIELD(m, ts_offset, uint64_t *);
		if (unlikely(w->epoch_us == 0)) {
			w->epoch_us = ts;
			w->now_us = ts;
		}
		if (ts > w->now_us) {
			if (unlikely(ts - w->now_us >= (uint64_t)CLOCK_LEAP_MS * 1000u)) {
				if (!leap_ok)
					return false;
				clock_leap(w);
			}
			w->now_us = ts;
			w->now_ms = (uint32_t)((ts - w->epoch_us) / 1000);
		}
	}
	return true;
}

/*
 * Cycles since the latest anchor (or the worker's start), scaled by dp_cycles_to: cycles *
 * 10^6 would overflow 64 bits after 1.7 hours at 3 GHz. The clock never goes back: a new
 * anchor that puts it behind holds it until time catches up (about 2 ms a second at the
 * worst TSC estimate seen).
 */
void
dp_worker_clock(struct dp_worker *w, uint64_t tsc)
{
	uint64_t base_tsc = w->epoch_tsc, base_us = w->epoch_us;
	unsigned seq = __atomic_load_n(&w->sh->anchor_seq, __ATOMIC_ACQUIRE);
	for (;;) {
		const struct dp_clock_anchor *a = &w->sh->anchor[seq & 1];
		uint64_t t = __atomic_load_n(&a->tsc, __ATOMIC_RELAXED);
		uint64_t u = __atomic_load_n(&a->us, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		unsigned again = __atomic_load_n(&w->sh->anchor_seq, __ATOMIC_RELAXED);
		if (again == seq) {
			if (u != 0) {
				base_tsc = t;
				base_us = u;
			}
			break;
		}
		seq = again;
	}
	uint64_t us = base_us +
		      (tsc > base_tsc ? dp_cycles_to(tsc - base_tsc, w->sh->tsc_hz, 1000000u) : 0);
	if (us > w->now_us) {
		w->now_us = us;
		w->now_ms = (uint32_t)((us - w->epoch_us) / 1000);
	}
}

/* TCP: advance both directions' reassembly. Returns V_DROP for a conflicting overlap. */
static enum verdict
tcp_stream(struct dp_worker *w, struct dp_flow *f, const struct dp_pkt *pk, unsigned dir)
{
	struct dp_stream_pool *sp = &w->streams;
	struct dp_ictx *c = dp_ictx_at(&w->ictx, f->ictx);
	struct dp_stream_dir *d = &c->dir[dir];
	uint32_t seq = pk->seq;
	enum verdict v = V_FORWARD;

	if (pk->tcp_flags & DP_TCP_RST) {
		/* A reset ends both streams; its payload (a diagnostic) is not stream data. */
		end_inspection(w, f);
		return V_FORWARD;
	}
	if (pk->tcp_flags & DP_TCP_SYN) {
		if (!(d->flags & DP_STREAM_F_INIT))
			dp_stream_start(d, seq + 1);
		seq++;
	}
	if (pk->tcp_flags & DP_TCP_ACK)
		dp_stream_ack(sp, &c->dir[dir ^ 1], pk->ack, inspect_stream, w);
	if (pk->payload_len > 0) {
		enum dp_stream_res r = dp_stream_segment(sp, d, seq, pk->payload, pk->payload_len,
							 inspect_stream, w);
		if (unlikely(r == DP_STREAM_CONFLICT)) {
			DP_CNT_INC(w->wc.stream_conflict_dropped);
			v = V_DROP;
		} else if (unlikely(r == DP_STREAM_FULL)) {
			DP_CNT_INC(w->wc.stream_full_dropped);
			v = V_DROP;
		}
	}
	if (pk->tcp_flags & DP_TCP_FIN)
		dp_stream_fin(sp, d, seq + pk->payload_len);
	if (!dp_stream_active(&c->dir[0]) && !dp_stream_active(&c->dir[1]))
		end_inspection(w, f);
	return v;
}

static enum verdict identify(struct dp_worker *w, struct dp_flow *f, const struct dp_pkt *pk,
			     const struct dp_flow_key *key, uint32_t pos, unsigned dir,
			     bool created);

/* Nothing left to do for the flow's packets but count them: nothing to inspect, no policy. */
static inline bool
flow_settled(const struct dp_worker *w, const struct dp_flow *f)
{
	const struct dp_snapshot *snap = w->snap;
	return f->ictx == 0 && snap->policy == NULL && !(f->flags & DP_FLOW_F_NOCTX) &&
	       ((f->id_flags & DP_ID_DECIDED) || !snap->identify);
}

/*
 * Accounting, state and reassembly for a packet whose flow key is known; f is its flow if
 * already looked up (NULL: look up, and create if new). npkts frames of bytes in total
 * (a datagram's fragments count each).
 */
static inline __attribute__((always_inline)) enum verdict
flow_stage_keyed(struct dp_worker *w, const struct dp_pkt *pk, unsigned port, uint32_t npkts,
		 uint64_t bytes, const struct dp_flow_key *key, uint32_t sig, unsigned side,
		 struct dp_flow *f)
{
	const struct dp_snapshot *snap = w->snap;
	bool created = false;

	if (f == NULL)
		f = dp_flow_get(w->flows, key, sig, w->now_us, w->now_ms, &created);
	if (unlikely(f == NULL)) {
		if (snap->flow_full_drop) {
			DP_CNT_ADD(w->wc.flow_full_dropped, npkts);
			return V_DROP;
		}
		DP_CNT_ADD(w->wc.flow_full_forwarded, npkts);
		return V_FORWARD;
	}
	dp_flow_update(w->flows, f, pk, side, npkts, bytes, w->now_ms);
	if (pk->payload_len > 0)
		f->id_flags |= DP_ID_PAYLOAD;
	/* A settled flow, most packets: counted, nothing more to read, no policy to apply. */
	if (likely(!created && flow_settled(w, f)))
		return V_FORWARD;
	unsigned dir = dp_flow_dir(f, side);
	bool inspect_tcp = pk->proto == DP_PROTO_TCP && snap->reassembly;
	bool inspect_udp = pk->proto == DP_PROTO_UDP && snap->identify;
	uint32_t pos = dp_flow_index(w->flows, f);
	if (created) {
		f->in_port = (uint8_t)(dir == DP_TOSERVER ? port : w->sh->ports[port].peer);
		if (inspect_tcp || inspect_udp) {
			f->ictx = dp_ictx_get(&w->ictx, pos);
			if (f->ictx == 0 && snap->ictx_full_drop)
				f->flags |= DP_FLOW_F_NOCTX;
		}
	}
	if (unlikely(f->flags & DP_FLOW_F_NOCTX)) {
		/*
		 * inspect.on_full = "drop": no context was free for this flow, and nothing of it
		 * crosses until one is. Each packet tries again; the first that gets one starts
		 * the flow's inspection as if the flow began there (nothing crossed before it).
		 * With on_full now "forward" (a reload), the flow goes on uninspected.
		 */
		if (!created && snap->ictx_full_drop && dp_ictx_available(&w->ictx)) {
			f->ictx = dp_ictx_get(&w->ictx, pos);
			f->flags &= (uint8_t)~DP_FLOW_F_NOCTX;
			created = true;
		} else if (!snap->ictx_full_drop) {
			f->flags &= (uint8_t)~DP_FLOW_F_NOCTX;
		} else {
			DP_CNT_ADD(w->wc.ictx_full_dropped, npkts);
			return V_DROP;
		}
	}
	enum verdict v = V_FORWARD;
	if (!snap->identify) {
		if (f->ictx != 0 && pk->proto == DP_PROTO_TCP)
			v = tcp_stream(w, f, pk, dir);
	} else if (f->ictx != 0 || !(f->id_flags & DP_ID_DECIDED)) {
		v = identify(w, f, pk, key, pos, dir, created);
	}
	if (snap->policy != NULL && v != V_DROP)
		v = enforce(w, f, pk, key, pos, created, npkts, bytes);
	return v;
}

/* Identification of a flow still under inspection. */
static enum verdict
identify(struct dp_worker *w, struct dp_flow *f, const struct dp_pkt *pk,
	 const struct dp_flow_key *key, uint32_t pos, unsigned dir, bool created)
{

	/* Identification: who is the client and the server of this flow. */
	unsigned init = (f->flags & DP_FLOW_F_INIT1) ? 1 : 0;
	struct dp_id_pkt ip = {
		.f = f,
		.pos = pos,
		.st = f->ictx ? &dp_ictx_at(&w->ictx, f->ictx)->id : NULL,
		.dir = dir,
		.family = key->l3,
		.client = key->addr[init],
		.server = key->addr[init ^ 1],
		.cport = key->port[init],
		.sport = key->port[init ^ 1],
		.proto = key->proto,
		.now_us = w->now_us,
	};
	enum verdict v = V_FORWARD;
	w->cur = &ip;
	if (created)
		dp_id_start(&w->ident, &ip);
	if (f->ictx != 0) {
		if (pk->proto == DP_PROTO_TCP)
			v = tcp_stream(w, f, pk, dir);
		else if (pk->proto == DP_PROTO_UDP)
			dp_id_datagram(&w->ident, &ip, pk->payload, pk->payload_len);
		if (f->ictx != 0 && dp_id_done(&w->ident, &ip))
			end_inspection(w, f);
	}
	w->cur = NULL;
	return v;
}

/* The same, computing the key first (reassembled datagrams). */
static enum verdict
flow_stage(struct dp_worker *w, const struct dp_pkt *pk, unsigned port, uint32_t npkts,
	   uint64_t bytes)
{
	struct dp_flow_key key;
	unsigned side;
	uint32_t sig = dp_flow_key_make(pk, w->sh->ports[port].segment, dp_flow_seed_of(w->flows),
					&key, &side);

	return flow_stage_keyed(w, pk, port, npkts, bytes, &key, sig, side, NULL);
}

static void
drop(struct dp_worker *w, struct rte_mbuf *m)
{
	(void)w;
	rte_pktmbuf_free(m);
}

/* Forward or drop fragments handed back by the fragment table. */
static void
frags_out(struct dp_worker *w, struct dp_frag_out *out, unsigned n, bool drop_them)
{
	for (unsigned i = 0; i < n; i++) {
		if (drop_them) {
			DP_CNT_INC(w->wc.frag_dropped);
			rte_pktmbuf_free(out[i].m);
		} else {
			forward(w, out[i].port, out[i].m);
		}
	}
}

static enum verdict
fragment(struct dp_worker *w, struct dp_pkt *pk, struct rte_mbuf *m, unsigned port)
{
	const struct dp_snapshot *snap = w->snap;
	struct dp_frag_out out[DP_FRAG_MAX];
	unsigned n;

	switch (dp_frag_add(w->frags, pk, w->sh->ports[port].segment, m, (uint16_t)port, w->now_ms,
			    out, &n)) {
	case DP_FRAG_HELD: return V_HELD;
	case DP_FRAG_COMPLETE: {
		uint32_t len;
		uint64_t bytes = 0;
		enum dp_dec_reason err = DP_DEC_OK;
		n = dp_frag_assemble(w->frags, pk, w->scratch, &len, out, &bytes, &err);
		enum verdict v = V_FORWARD;
		if (err != DP_DEC_OK) {
			DP_CNT_INC(w->wc.decode[err]);
			v = snap->invalid_drop ? V_DROP : V_FORWARD;
		} else {
			w->cur_m = NULL; /* no single frame to answer */
			w->cur_port = port;
			v = flow_stage(w, pk, port, n, bytes);
		}
		frags_out(w, out, n, v == V_DROP);
		return V_HELD; /* m went out with its datagram */
	}
	case DP_FRAG_DUPLICATE:
	case DP_FRAG_CONFLICT: DP_CNT_INC(w->wc.frag_dropped); return V_DROP;
	case DP_FRAG_INVALID: return snap->invalid_drop ? V_DROP : V_FORWARD;
	case DP_FRAG_OVERFLOW:
	default:
		frags_out(w, out, n, snap->frag_overflow_drop);
		if (snap->frag_overflow_drop) {
			DP_CNT_INC(w->wc.frag_dropped);
			return V_DROP;
		}
		DP_CNT_ADD(w->wc.frag_overflow_forwarded, n + 1);
		return V_FORWARD;
	}
}

/* What the decoder found a frame to be. */
enum kind { K_FORWARD, K_DROP, K_FRAG, K_FLOW };

/*
 * Decode a frame and count what the decoder found: K_DROP for a malformed frame when
 * decode.invalid is "drop", K_FORWARD for one let through or a frame that is not IP, K_FRAG
 * for a fragment, K_FLOW for an IP packet of a flow.
 */
static inline __attribute__((always_inline)) enum kind
classify(struct dp_worker *w, const struct rte_mbuf *m, struct dp_pkt *pk)
{
	const struct dp_snapshot *snap = w->snap;
	enum dp_dec_reason err = dp_decode_inline(rte_pktmbuf_mtod(m, const uint8_t *),
						  rte_pktmbuf_data_len(m), &snap->decode, pk);

	if (unlikely(err != DP_DEC_OK)) {
		DP_CNT_INC(w->wc.decode[err]);
		if (snap->invalid_drop) {
			DP_CNT_INC(w->wc.invalid_dropped);
			return K_DROP;
		}
		return K_FORWARD;
	}
	if (pk->l3 == 0) {
		DP_CNT_INC(w->wc.non_ip);
		return K_FORWARD;
	}
	return unlikely(pk->is_frag) ? K_FRAG : K_FLOW;
}

/*
 * A run: frames of one flow in a row in a burst (either direction; both share the key),
 * looked up once and, for a settled flow, accounted at once. Traffic comes in trains (four
 * frames of a flow in a row on the bench mix); Open vSwitch batches a burst's packets by
 * flow for the same reason.
 */
struct run {
	const struct dp_flow_key *key;
	uint32_t sig;
	uint16_t first, len; /* its frames: first to first + len - 1 */
	uint8_t flags;       /* the union of their TCP flags */
	uint8_t payload;     /* one of them carries payload */
	uint32_t cnt[2];     /* frames and bytes by key side */
	uint64_t bytes[2];
};

/* What a burst's frames share while the tracking pipeline runs over it. */
struct burst {
	struct rte_mbuf **pkts;
	const struct dp_pkt *pk;
	const uint8_t *side; /* each frame's key side */
	unsigned port, peer;
	uint64_t ts_flag; /* frames carry capture times (ports whose times are microseconds) */
	int ts_offset;
};

static inline void
send_or_drop(struct dp_worker *w, unsigned peer, struct rte_mbuf *m, enum verdict v)
{
	switch (v) {
	case V_FORWARD: tx_enqueue(w, peer, m); break;
	case V_DROP: drop(w, m); break;
	case V_HELD: break;
	}
}

/*
 * A run's frames one by one, each at its own time, after the held packets whose time ran
 * out: f is the run's flow as looked up (NULL: none). A lookup stays good while no flow is
 * removed (an eviction or expiry could free its entry): after a removal, or after a frame
 * that found no flow (it may have created it), the next frame looks the flow up again.
 */
static void
run_frames(struct dp_worker *w, const struct burst *b, const struct run *r, struct dp_flow *f)
{
	uint64_t gen = dp_flow_generation(w->flows);

	for (unsigned x = r->first; x < (unsigned)r->first + r->len; x++) {
		struct rte_mbuf *m = b->pkts[x];
		clock_packet(w, m, b->ts_flag, b->ts_offset, true);
		if (unlikely(w->holdq_head != w->holdq_tail))
			hold_expire(w); /* held packets whose time ran out go before this one */
		if (dp_flow_generation(w->flows) != gen || (f == NULL && x != r->first)) {
			f = dp_flow_lookup(w->flows, r->key, r->sig);
			gen = dp_flow_generation(w->flows);
		}
		w->cur_m = m;
		w->cur_port = b->port;
		enum verdict v = flow_stage_keyed(w, &b->pk[x], b->port, 1, rte_pktmbuf_pkt_len(m),
						  r->key, r->sig, b->side[x], f);
		send_or_drop(w, b->peer, m, v);
	}
}

/*
 * A run is complete. A settled flow's run (nothing to inspect, no policy) is accounted in one
 * step (dp_flow_account, unless a frame moves the TCP state machine) and forwarded in one
 * copy; nothing is held for a settled flow, so a hold queue empty at the start of the run
 * stays empty. Other runs go frame by frame.
 */
static inline __attribute__((always_inline)) void
run_end(struct dp_worker *w, const struct burst *b, const struct run *r)
{
	struct dp_flow *f = dp_flow_lookup(w->flows, r->key, r->sig);

	if (f != NULL && w->holdq_head == w->holdq_tail && flow_settled(w, f)) {
		unsigned end = (unsigned)r->first + r->len;
		/* a leap of the clock could end the flow: frame by frame then */
		if (b->ts_flag != 0)
			for (unsigned x = r->first; x < end; x++)
				if (unlikely(!clock_packet(w, b->pkts[x], b->ts_flag, b->ts_offset,
							   false))) {
					run_frames(w, b, r, f);
					return;
				}
		if (!dp_flow_account(w->flows, f, b->pk[r->first].proto, r->cnt, r->bytes, r->flags,
				     w->now_ms)) {
			for (unsigned x = r->first; x < end; x++)
				dp_flow_update(w->flows, f, &b->pk[x], b->side[x], 1,
					       rte_pktmbuf_pkt_len(b->pkts[x]), w->now_ms);
		}
		if (r->payload)
			f->id_flags |= DP_ID_PAYLOAD;
		tx_enqueue_run(w, b->peer, &b->pkts[r->first], r->len);
		return;
	}
	run_frames(w, b, r, f);
}

/*
 * The tracking pipeline over one burst from one port, in one pass: each frame is decoded and
 * joins the run of the frame before it if it belongs to the same flow; a run ends at the
 * first frame that does not, and is then looked up and handled (run_end), so frames leave
 * in the order they came. An IPv4 frame of the flow of the frame before it is told from the
 * tuple as the header holds it (the addresses as one word, the ports as another, either way
 * round), without building and hashing its key; other frames compare keys. A run's key is
 * built and its bucket requested when it starts, a few frames before its lookup.
 */
static void
process_burst(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n, unsigned port)
{
	struct dp_pkt pk[DP_MAX_BURST];
	uint8_t side[DP_MAX_BURST];
	struct dp_flow_key keys[2]; /* the open run's and the next one's */
	struct burst b = {
		.pkts = pkts,
		.pk = pk,
		.side = side,
		.port = port,
		.peer = w->sh->ports[port].peer,
		.ts_flag = w->sh->ports[port].ts_usec ? w->sh->ts_flag : 0,
		.ts_offset = w->sh->ts_offset,
	};
	struct run r = { .key = NULL };
	bool open = false; /* r holds a run, ending at the frame before this one */
	uint16_t segment = w->sh->ports[port].segment;
	const struct dp_flow_seed *seed = dp_flow_seed_of(w->flows);
	/* the open run's IPv4 tuple as read (see above) and its key side */
	uint64_t prev_addrs = 0, prev_rest = UINT64_MAX;
	uint32_t prev_ports = 0;
	unsigned prev_side = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		if (i + 2 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 2], void *));
		enum kind kind = classify(w, m, &pk[i]);
		if (kind == K_FLOW) {
			const struct dp_pkt *p = &pk[i];
			uint64_t addrs = 0, rest = UINT64_MAX; /* IPv6: never equal to IPv4's */
			unsigned s;
			if (p->addr_len == 4) {
				uint32_t x, y;
				memcpy(&x, p->src, 4);
				memcpy(&y, p->dst, 4);
				addrs = (uint64_t)x | (uint64_t)y << 32;
				rest = (uint64_t)p->proto | (uint64_t)p->vlan[0] << 16 |
				       (uint64_t)p->vlan[1] << 32;
				if (open && rest == prev_rest) {
					if (addrs == prev_addrs && p->ports == prev_ports) {
						s = prev_side;
						goto same_run;
					}
					if (addrs == (prev_addrs >> 32 | prev_addrs << 32) &&
					    p->ports == (prev_ports >> 16 | prev_ports << 16)) {
						s = prev_side ^ 1u;
						goto same_run;
					}
				}
			}
			struct dp_flow_key *k = r.key == &keys[0] ? &keys[1] : &keys[0];
			uint32_t sig = dp_flow_key_make(p, segment, seed, k, &s);
			prev_addrs = addrs;
			prev_ports = p->ports;
			prev_rest = rest;
			prev_side = s;
			if (open && sig == r.sig && dp_flow_key_eq(k, r.key))
				goto same_run;
			if (open)
				run_end(w, &b, &r);
			dp_flow_prefetch(w->flows, sig);
			r = (struct run){ .key = k, .sig = sig, .first = i };
			open = true;
		same_run:
			side[i] = (uint8_t)s;
			r.len++;
			r.flags |= p->tcp_flags;
			r.payload |= p->payload_len != 0;
			r.cnt[s]++;
			r.bytes[s] += rte_pktmbuf_pkt_len(m);
			continue;
		}
		if (open) {
			run_end(w, &b, &r);
			open = false;
		}
		clock_packet(w, m, b.ts_flag, b.ts_offset, true);
		if (unlikely(w->holdq_head != w->holdq_tail))
			hold_expire(w);
		enum verdict v = kind == K_FRAG   ? fragment(w, &pk[i], m, port)
				 : kind == K_DROP ? V_DROP
						  : V_FORWARD;
		send_or_drop(w, b.peer, m, v);
	}
	if (open)
		run_end(w, &b, &r);
}

/*
 * Without flow tracking: every frame decoded and checked (malformations counted by reason,
 * decode.invalid applied, fragments passed on as they come), the forwarded frames sent on
 * in one copy.
 */
static void
decode_burst(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n, unsigned peer)
{
	struct rte_mbuf *out[DP_MAX_BURST];
	uint16_t no = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct dp_pkt pk;
		if (i + 2 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 2], void *));
		if (classify(w, m, &pk) == K_DROP)
			drop(w, m);
		else
			out[no++] = m;
	}
	tx_enqueue_burst(w, peer, out, no);
}

unsigned
dp_worker_poll(struct dp_worker *w, const struct dp_snapshot *snap)
{
	struct rte_mbuf *pkts[DP_MAX_BURST];
	unsigned total = 0;
	uint16_t burst = (uint16_t)RTE_MIN(snap->burst, DP_MAX_BURST);

	w->snap = snap;
	w->streams.full_drop = snap->stream_full_drop;
	w->ident.db = snap->identify ? snap->ident : NULL;
	w->ident.scratch = w->ident.db != NULL ? w->ident.db->scratch[w->id] : NULL;
	for (unsigned q = 0; q < w->nrxq; q++) {
		const struct dp_rxq *rq = &w->rxq[q];
		const struct dp_port_map *pm = &w->sh->ports[rq->port];
		struct dp_port_counters *c = &w->cnt[rq->port];
		uint16_t n = rte_eth_rx_burst(pm->ethdev, rq->queue, pkts, burst);
		uint64_t bytes = 0;

		if (n == 0)
			continue;
		for (uint16_t i = 0; i < n; i++)
			bytes += rte_pktmbuf_pkt_len(pkts[i]);
		DP_CNT_ADD(c->rx_pkts, n);
		DP_CNT_ADD(c->rx_bytes, bytes);
		if (snap->track)
			process_burst(w, pkts, n, rq->port);
		else if (snap->decode_only)
			decode_burst(w, pkts, n, pm->peer);
		else
			tx_enqueue_burst(w, pm->peer, pkts, n); /* a plain bridge */
		dp_worker_flush(w, snap);
		total += n;
	}
	return total;
}

void
dp_worker_age(struct dp_worker *w, const struct dp_snapshot *snap)
{
	if (!snap->track || w->now_ms == w->aged_ms)
		return; /* timeouts are in milliseconds: nothing new to expire */
	w->snap = snap;
	if (expire(w, snap->age_budget, FRAG_AGE_BUDGET))
		dp_worker_flush(w, snap);
}

void
dp_worker_finish(struct dp_worker *w, const struct dp_snapshot *snap)
{
	struct dp_frag_out out[DP_FRAG_MAX];
	unsigned n;

	w->snap = snap;
	dp_flow_flush(w->flows);
	while ((n = dp_frag_drain(w->frags, out, DP_FRAG_MAX)) > 0)
		frags_out(w, out, n, snap->frag_incomplete_drop);
	dp_worker_flush(w, snap);
}

int
dp_worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct dp_shared *sh = w->sh;
	unsigned idle = 0;

	rte_rcu_qsbr_thread_register(sh->rcu.qsbr, w->id);
	rte_rcu_qsbr_thread_online(sh->rcu.qsbr, w->id);
	dp_match_pool_attach(w->ident.hs_pool); /* Hyperscan streams of this thread come from it */
	for (;;) {
		int state = __atomic_load_n(&sh->state, __ATOMIC_ACQUIRE);
		const struct dp_snapshot *snap = dp_snapshot_get(&sh->rcu);

		if (!w->capture_clock)
			dp_worker_clock(w, rte_get_tsc_cycles());
		if (w->ident.attrib != NULL)
			dp_attrib_receive(w->ident.attrib, 64);
		unsigned n = dp_worker_poll(w, snap);
		dp_worker_age(w, snap);
		if (n != 0)
			DP_CNT_INC(w->busy_passes);
		DP_CNT_INC(w->heartbeat);
		__atomic_store_n(&w->clock_us, w->now_us, __ATOMIC_RELAXED);
		if (unlikely(state != DP_RUN)) {
			idle = n == 0 ? idle + 1 : 0;
			if (state == DP_STOP || idle >= DRAIN_IDLE_PASSES) {
				dp_worker_finish(w, snap);
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

uint64_t
dp_worker_state_bytes(const struct dp_worker_limits *lim)
{
	return dp_flow_table_bytes(lim->flows) + dp_stream_pool_bytes(lim->stream_chunks) +
	       dp_ictx_pool_bytes(lim->contexts) +
	       (uint64_t)lim->frag.datagrams * (64 + DP_FRAG_MAX * 20) +
	       (uint64_t)lim->event_ring * sizeof(struct dp_event) + SCRATCH_BYTES +
	       (uint64_t)dp_flow_slots(lim->flows) * sizeof(struct dp_enf) +
	       (uint64_t)lim->hold_mbufs * (sizeof(struct dp_held) + 2 * sizeof(uint64_t));
}

int
dp_worker_init(struct dp_worker *w, const struct dp_worker_limits *lim, int socket, char *err,
	       size_t errlen)
{
	char name[64];

	snprintf(name, sizeof(name), "bw_flows_%u", w->id);
	w->flows = dp_flow_table_create(name, lim->flows, socket, &lim->timeouts, on_flow_end, w);
	if (w->flows == NULL) {
		snprintf(err, errlen, "worker %u: no memory for %u flow entries (flow.entries)",
			 w->id, lim->flows);
		return -1;
	}
	w->stream_mem = rte_zmalloc_socket("bw_stream", dp_stream_pool_bytes(lim->stream_chunks),
					   RTE_CACHE_LINE_SIZE, socket);
	if (w->stream_mem == NULL) {
		snprintf(err, errlen, "worker %u: no memory for %u stream chunks (stream.memory)",
			 w->id, lim->stream_chunks);
		return -1;
	}
	w->ictx_mem = rte_zmalloc_socket("bw_ictx", dp_ictx_pool_bytes(lim->contexts),
					 RTE_CACHE_LINE_SIZE, socket);
	if (w->ictx_mem == NULL) {
		snprintf(err, errlen,
			 "worker %u: no memory for %u inspection contexts "
			 "(inspect.contexts)",
			 w->id, lim->contexts);
		return -1;
	}
	dp_ictx_pool_init(&w->ictx, w->ictx_mem, lim->contexts);
	if (lim->hs_streams > 0) {
		w->ident.hs_pool = dp_match_pool_create(
			lim->hs_stream_size ? lim->hs_stream_size : 64, lim->hs_streams, socket);
		w->ident.heads = dp_head_pool_create(lim->heads, socket);
		snprintf(name, sizeof(name), "bw_attr_%u", w->id);
		w->ident.attrib = dp_attrib_create(name, lim->attribution, 4096, socket);
		w->ident.info = rte_zmalloc_socket(
			"bw_info", sizeof(struct dp_flow_info) * dp_flow_slots(lim->flows),
			RTE_CACHE_LINE_SIZE, socket);
		if (w->ident.hs_pool == NULL || w->ident.heads == NULL || w->ident.attrib == NULL ||
		    w->ident.info == NULL) {
			snprintf(err, errlen,
				 "worker %u: no memory for identification (inspect.streams, "
				 "inspect.heads, inspect.attribution)",
				 w->id);
			return -1;
		}
	}
	snprintf(name, sizeof(name), "bw_frags_%u", w->id);
	w->frags = dp_frag_create(name, &lim->frag, socket);
	if (w->frags == NULL) {
		snprintf(err, errlen,
			 "worker %u: no memory for %u fragment datagrams (frag.datagrams)", w->id,
			 lim->frag.datagrams);
		return -1;
	}
	snprintf(name, sizeof(name), "bw_events_%u", w->id);
	w->events = rte_ring_create_elem(name, sizeof(struct dp_event), lim->event_ring, socket,
					 RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (w->events == NULL) {
		snprintf(err, errlen, "worker %u: no memory for an event ring of %u (events.ring)",
			 w->id, lim->event_ring);
		return -1;
	}
	w->enf = rte_zmalloc_socket("bw_enf", sizeof(struct dp_enf) * dp_flow_slots(lim->flows),
				    RTE_CACHE_LINE_SIZE, socket);
	if (w->enf == NULL) {
		snprintf(err, errlen, "worker %u: no memory for enforcement state (flow.entries)",
			 w->id);
		return -1;
	}
	if (lim->hold_mbufs > 0) {
		uint32_t cap = lim->hold_mbufs;
		w->held = rte_zmalloc_socket("bw_held", sizeof(struct dp_held) * cap,
					     RTE_CACHE_LINE_SIZE, socket);
		uint32_t qn = rte_align32pow2(2 * cap);
		w->holdq = rte_zmalloc_socket("bw_holdq", sizeof(uint64_t) * qn,
					      RTE_CACHE_LINE_SIZE, socket);
		if (w->held == NULL || w->holdq == NULL) {
			snprintf(err, errlen,
				 "worker %u: no memory to hold %u packets (policy.hold.mbufs)",
				 w->id, cap);
			return -1;
		}
		w->holdq_mask = qn - 1;
		for (uint32_t i = 0; i < cap; i++)
			w->held[i].next = i + 1 < cap ? i + 2 : 0;
		w->held_free = 1;
	}
	w->scratch = rte_malloc_socket("bw_scratch", SCRATCH_BYTES, RTE_CACHE_LINE_SIZE, socket);
	if (w->scratch == NULL) {
		snprintf(err, errlen, "worker %u: no memory for its reassembly buffer", w->id);
		return -1;
	}
	dp_stream_pool_init(&w->streams, w->stream_mem, lim->stream_chunks, lim->stream_window,
			    lim->stream_depth, lim->stream_retain);
	/* Live, the clock starts at the wall clock; in replay, at the first frame's time. */
	w->epoch_tsc = rte_get_tsc_cycles();
	if (!w->capture_clock) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		w->epoch_us = w->now_us =
			(uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	}
	return 0;
}

void
dp_worker_fini(struct dp_worker *w)
{
	dp_flow_table_free(w->flows);
	dp_frag_free(w->frags);
	rte_free(w->stream_mem);
	rte_free(w->ictx_mem);
	w->ictx_mem = NULL;
	dp_match_pool_free(w->ident.hs_pool);
	dp_head_pool_free(w->ident.heads);
	dp_attrib_free(w->ident.attrib);
	rte_free(w->ident.info);
	memset(&w->ident, 0, sizeof(w->ident));
	rte_ring_free(w->events);
	rte_free(w->scratch);
	rte_free(w->enf);
	w->enf = NULL;
	rte_free(w->held);
	rte_free(w->holdq);
	w->held = NULL;
	w->holdq = NULL;
	w->flows = NULL;
	w->frags = NULL;
	w->stream_mem = NULL;
	w->events = NULL;
	w->scratch = NULL;
}
