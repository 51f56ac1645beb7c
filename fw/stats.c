/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counter reporting. Summing reads each worker's counters with relaxed loads; a sum taken
 * while traffic flows is a consistent-enough view (each counter is exact, counters are not
 * mutually atomic), and after the workers stop it is exact.
 */
#include "stats.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "../dataplane/attrib.h"
#include "../dataplane/filemagic.h"
#include "control.h"
#include "log.h"
#include "syslog.h"

static const struct fw_app *tel_app;

static void
add_worker(const struct dp_worker *w, unsigned idx, struct fw_port_totals *t)
{
	const struct dp_port_counters *c = &w->cnt[idx];

	t->rx_pkts += DP_CNT_READ(c->rx_pkts);
	t->rx_bytes += DP_CNT_READ(c->rx_bytes);
	t->tx_pkts += DP_CNT_READ(c->tx_pkts);
	t->tx_bytes += DP_CNT_READ(c->tx_bytes);
	t->tx_drops += DP_CNT_READ(c->tx_drops);
	t->tx_retries += DP_CNT_READ(c->tx_retries);
}

void
fw_stats_port(const struct fw_app *app, unsigned idx, struct fw_port_totals *t)
{
	struct rte_eth_stats es;

	memset(t, 0, sizeof(*t));
	for (unsigned w = 0; w < app->nworkers; w++)
		add_worker(app->workers[w], idx, t);
	if (app->sh != NULL && rte_eth_stats_get(app->ethdev[idx], &es) == 0) {
		t->rx_nombuf = es.rx_nombuf;
		t->rx_errors = es.ierrors;
		t->rx_missed = es.imissed;
	}
}

/* The RX error count of the queue a worker owns on a port (devices count per queue). */
static uint64_t
worker_rx_errors(const struct fw_app *app, const struct dp_worker *w, unsigned idx)
{
	struct rte_eth_stats es;

	for (unsigned q = 0; q < w->nrxq; q++) {
		if (w->rxq[q].port != idx)
			continue;
		if (w->rxq[q].queue < RTE_ETHDEV_QUEUE_STAT_CNTRS &&
		    rte_eth_stats_get(app->ethdev[idx], &es) == 0)
			return es.q_errors[w->rxq[q].queue];
	}
	return 0;
}

static void
kv(struct fw_group *g, const char *key, uint64_t val)
{
	if (g->n < FW_GROUP_MAX_KV)
		g->kv[g->n++] = (struct fw_kv){ key, val };
}

/* identification and applications */
static unsigned
ident_groups(const struct fw_app *app, struct fw_group *g)
{
	const struct cfg_config *c = &app->cfg;
	uint64_t v[64];
	unsigned nw = app->nworkers;

	/* identification */
	memset(v, 0, sizeof(v));
	for (unsigned w = 0; w < nw; w++) {
		const struct dp_worker *wk = app->workers[w];
		const struct dp_id_counters *ic = &wk->ident.cnt;
		for (unsigned k = 0; k <= DP_CONF_DPI; k++)
			v[k] += DP_CNT_READ(ic->decided[k]);
		v[5] += DP_CNT_READ(ic->tls_hellos);
		v[6] += DP_CNT_READ(ic->tls_certs);
		v[7] += DP_CNT_READ(ic->quic_hellos);
		v[8] += DP_CNT_READ(ic->http_requests);
		v[9] += DP_CNT_READ(ic->dns_messages);
		v[10] += DP_CNT_READ(ic->stun_messages);
		v[11] += dp_head_pool_in_use(wk->ident.heads);
		v[12] += DP_CNT_READ(ic->head_exhausted);
		v[13] += dp_match_pool_in_use(wk->ident.hs_pool);
		v[14] += dp_match_pool_hwm(wk->ident.hs_pool);
		v[15] += DP_CNT_READ(ic->stream_exhausted);
		for (unsigned k = 1; k < DP_FILE__COUNT; k++)
			v[21 + k] += DP_CNT_READ(ic->files[k]);
		if (wk->ident.attrib != NULL) {
			const struct dp_attrib_counters *ac = dp_attrib_counters(wk->ident.attrib);
			v[16] += DP_CNT_READ(ac->entries);
			v[17] += DP_CNT_READ(ac->learned);
			v[18] += DP_CNT_READ(ac->hits);
			v[19] += DP_CNT_READ(ac->expired);
			v[20] += DP_CNT_READ(ac->replaced);
			v[21] += DP_CNT_READ(ac->ring_full);
		}
	}
	g[0].name = "identify";
	kv(&g[0], "by_dpi", v[DP_CONF_DPI]);
	kv(&g[0], "by_attribution", v[DP_CONF_ATTRIBUTION]);
	kv(&g[0], "by_prefix", v[DP_CONF_PREFIX]);
	kv(&g[0], "by_port", v[DP_CONF_PORT]);
	kv(&g[0], "unknown", v[DP_CONF_NONE]);
	kv(&g[0], "tls_hellos", v[5]);
	kv(&g[0], "certificates", v[6]);
	kv(&g[0], "quic_hellos", v[7]);
	kv(&g[0], "http_requests", v[8]);
	kv(&g[0], "dns_messages", v[9]);
	kv(&g[0], "stun_messages", v[10]);
	kv(&g[0], "heads_in_use", v[11]);
	kv(&g[0], "heads_capacity", (uint64_t)c->inspect.heads * nw);
	kv(&g[0], "heads_exhausted", v[12]);
	kv(&g[0], "hs_streams_in_use", v[13]);
	kv(&g[0], "hs_streams_high_water", v[14]);
	kv(&g[0], "hs_streams_capacity", (uint64_t)c->inspect.streams * nw);
	kv(&g[0], "hs_streams_exhausted", v[15]);
	kv(&g[0], "attribution_entries", v[16]);
	kv(&g[0], "attribution_learned", v[17]);
	kv(&g[0], "attribution_hits", v[18]);
	kv(&g[0], "attribution_expired", v[19]);
	kv(&g[0], "attribution_replaced", v[20]);
	kv(&g[0], "attribution_ring_full", v[21]);
	kv(&g[0], "files_executable", v[21 + DP_FILE_EXECUTABLE]);
	kv(&g[0], "files_archive", v[21 + DP_FILE_ARCHIVE]);
	kv(&g[0], "files_document", v[21 + DP_FILE_DOCUMENT]);

	/* flows decided for each application (the summary shows those that had any) */
	g[1].name = "apps";
	g[1].sparse_from = 1;
	uint64_t per[CFG_APP_MAX + 1];
	memset(per, 0, sizeof(per));
	for (unsigned w = 0; w < nw; w++)
		for (unsigned a = 0; a <= app->cat->napps && a <= CFG_APP_MAX; a++)
			per[a] += DP_CNT_READ(app->workers[w]->ident.cnt.apps[a]);
	kv(&g[1], "none", per[0]);
	for (unsigned a = 1; a <= app->cat->napps && g[1].n < FW_GROUP_MAX_KV; a++)
		kv(&g[1], app->cat->apps[a - 1].name, per[a]);
	return 2;
}

/* enforcement, and the flows each rule decided */
static unsigned
policy_groups(const struct fw_app *app, struct fw_group *g)
{
	const struct cfg_policy *pc = &app->cfg.policy;
	uint64_t v[16];
	uint64_t hits[CFG_POLICY_RULES + 1];
	unsigned nw = app->nworkers;

	memset(v, 0, sizeof(v));
	memset(hits, 0, sizeof(hits));
	for (unsigned w = 0; w < nw; w++) {
		const struct dp_worker_counters *wc = &app->workers[w]->wc;
		v[0] += DP_CNT_READ(wc->policy_dropped);
		v[1] += DP_CNT_READ(wc->ratelimit_dropped);
		v[2] += DP_CNT_READ(wc->rst_sent);
		v[3] += DP_CNT_READ(wc->icmp_sent);
		v[4] += DP_CNT_READ(wc->reject_failed);
		v[5] += DP_CNT_READ(wc->quarantined);
		v[6] += DP_CNT_READ(wc->held);
		v[7] += DP_CNT_READ(wc->hold_released);
		v[8] += DP_CNT_READ(wc->hold_dropped);
		v[9] += DP_CNT_READ(wc->hold_expired);
		v[10] += DP_CNT_READ(wc->hold_limit);
		v[11] += DP_CNT_READ(wc->hold_overflow);
		for (unsigned r = 0; r <= pc->nrules; r++)
			hits[r] += DP_CNT_READ(wc->rule_hits[r]);
	}
	g[0].name = "policy";
	kv(&g[0], "blocked_packets", v[0]);
	kv(&g[0], "ratelimit_dropped", v[1]);
	kv(&g[0], "rst_sent", v[2]);
	kv(&g[0], "icmp_sent", v[3]);
	kv(&g[0], "reject_failed", v[4]);
	kv(&g[0], "quarantined_flows", v[5]);
	if (pc->hold.nports > 0) {
		kv(&g[0], "held", v[6]);
		kv(&g[0], "hold_released", v[7]);
		kv(&g[0], "hold_dropped", v[8]);
		kv(&g[0], "hold_expired", v[9]);
		kv(&g[0], "hold_limit", v[10]);
		kv(&g[0], "hold_overflow", v[11]);
		/* a held packet ends released or dropped: what is held now is the rest */
		kv(&g[0], "held_now", v[6] >= v[7] + v[8] ? v[6] - v[7] - v[8] : 0);
	}
	if (app->sh != NULL && app->sh->hosts != NULL) {
		kv(&g[0], "hosts", dp_hosts_count(app->sh->hosts));
		kv(&g[0], "hosts_capacity", pc->hosts);
		kv(&g[0], "hosts_full", dp_hosts_full(app->sh->hosts));
		kv(&g[0], "hosts_pruned", dp_hosts_pruned(app->sh->hosts));
	}
	g[1].name = "rules";
	for (unsigned r = 0; r < pc->nrules; r++)
		kv(&g[1], pc->rules[r].name, hits[r]);
	kv(&g[1], "default", hits[pc->nrules]);
	return 2;
}

/* The decoder's counters: non-IP frames, malformed frames dropped, malformations by reason. */
static void
decode_group(const struct fw_app *app, struct fw_group *g)
{
	uint64_t v[DP_DEC__COUNT + 2];

	memset(v, 0, sizeof(v));
	for (unsigned w = 0; w < app->nworkers; w++) {
		const struct dp_worker_counters *wc = &app->workers[w]->wc;
		for (unsigned r = 1; r < DP_DEC__COUNT; r++)
			v[r] += DP_CNT_READ(wc->decode[r]);
		v[DP_DEC__COUNT] += DP_CNT_READ(wc->invalid_dropped);
		v[DP_DEC__COUNT + 1] += DP_CNT_READ(wc->non_ip);
	}
	g->name = "decode";
	g->sparse_from = 2;
	kv(g, "non_ip", v[DP_DEC__COUNT + 1]);
	kv(g, "invalid_dropped", v[DP_DEC__COUNT]);
	for (unsigned r = 1; r < DP_DEC__COUNT; r++)
		kv(g, dp_dec_reason_name((enum dp_dec_reason)r), v[r]);
}

unsigned
fw_stats_groups(const struct fw_app *app, struct fw_group *g)
{
	const struct cfg_config *c = &app->cfg;
	uint64_t v[64];
	unsigned nw = app->nworkers;

	memset(g, 0, sizeof(*g) * FW_GROUPS);
	/* Without flow tracking only the decoder runs (if it does): its counters are the only
	 * ones that move. */
	if (!c->flow.track) {
		if (!c->decode.enabled)
			return 0;
		decode_group(app, &g[0]);
		return 1;
	}

	/* flows */
	memset(v, 0, sizeof(v));
	for (unsigned w = 0; w < nw; w++) {
		const struct dp_worker *wk = app->workers[w];
		if (wk->flows == NULL)
			continue;
		const struct dp_flow_counters *fc = dp_flow_counters(wk->flows);
		v[0] += DP_CNT_READ(fc->in_use);
		v[1] += DP_CNT_READ(fc->hwm);
		v[2] += DP_CNT_READ(fc->created);
		v[3] += DP_CNT_READ(fc->timeouts);
		v[4] += DP_CNT_READ(fc->evicted);
		v[5] += DP_CNT_READ(fc->insert_failed);
		v[6] += DP_CNT_READ(fc->midstream);
		v[7] += DP_CNT_READ(wk->wc.flow_full_forwarded);
		v[8] += DP_CNT_READ(wk->wc.flow_full_dropped);
	}
	g[0].name = "flows";
	kv(&g[0], "in_use", v[0]);
	kv(&g[0], "high_water", v[1]);
	kv(&g[0], "capacity", (uint64_t)c->flow.entries * nw);
	kv(&g[0], "created", v[2]);
	kv(&g[0], "timeouts", v[3]);
	kv(&g[0], "evicted", v[4]);
	kv(&g[0], "insert_failed", v[5]);
	kv(&g[0], "midstream", v[6]);
	kv(&g[0], "no_entry_forwarded", v[7]);
	kv(&g[0], "no_entry_dropped", v[8]);

	/* streams */
	memset(v, 0, sizeof(v));
	for (unsigned w = 0; w < nw; w++) {
		const struct dp_stream_counters *sc = &app->workers[w]->streams.cnt;
		v[0] += DP_CNT_READ(sc->chunks_in_use);
		v[1] += DP_CNT_READ(sc->chunks_hwm);
		v[2] += app->workers[w]->streams.nchunks;
		v[3] += DP_CNT_READ(sc->bytes_delivered);
		v[4] += DP_CNT_READ(sc->segments_ooo);
		v[5] += DP_CNT_READ(sc->overlaps_same);
		v[6] += DP_CNT_READ(sc->overlaps_conflict);
		v[7] += DP_CNT_READ(app->workers[w]->wc.stream_conflict_dropped);
		v[8] += DP_CNT_READ(sc->beyond_window);
		v[9] += DP_CNT_READ(sc->nomem);
		v[10] += DP_CNT_READ(sc->gaps);
		v[11] += DP_CNT_READ(sc->depth_reached);
		v[12] += DP_CNT_READ(app->workers[w]->ictx.cnt.in_use);
		v[13] += DP_CNT_READ(app->workers[w]->ictx.cnt.hwm);
		v[14] += DP_CNT_READ(app->workers[w]->ictx.cnt.exhausted);
		v[15] += DP_CNT_READ(app->workers[w]->wc.ictx_full_dropped);
		v[16] += DP_CNT_READ(app->workers[w]->wc.stream_full_dropped);
	}
	g[1].name = "streams";
	kv(&g[1], "memory_in_use", v[0] * DP_CHUNK_SIZE);
	kv(&g[1], "memory_high_water", v[1] * DP_CHUNK_SIZE);
	kv(&g[1], "memory_budget", v[2] * DP_CHUNK_SIZE);
	kv(&g[1], "bytes_inspected", v[3]);
	kv(&g[1], "segments_out_of_order", v[4]);
	kv(&g[1], "overlaps_same", v[5]);
	kv(&g[1], "overlaps_conflicting", v[6]);
	kv(&g[1], "conflicting_dropped", v[7]);
	kv(&g[1], "beyond_window", v[8]);
	kv(&g[1], "memory_exhausted", v[9]);
	kv(&g[1], "full_dropped", v[16]);
	kv(&g[1], "gaps", v[10]);
	kv(&g[1], "depth_reached", v[11]);
	kv(&g[1], "contexts_in_use", v[12]);
	kv(&g[1], "contexts_high_water", v[13]);
	kv(&g[1], "contexts_capacity", (uint64_t)c->inspect.contexts * nw);
	kv(&g[1], "contexts_exhausted", v[14]);
	kv(&g[1], "contexts_full_dropped", v[15]);

	/* fragments */
	memset(v, 0, sizeof(v));
	for (unsigned w = 0; w < nw; w++) {
		const struct dp_worker *wk = app->workers[w];
		if (wk->frags == NULL)
			continue;
		const struct dp_frag_counters *fc = dp_frag_counters(wk->frags);
		v[0] += DP_CNT_READ(fc->fragments);
		v[1] += DP_CNT_READ(fc->datagrams_in_use);
		v[2] += DP_CNT_READ(fc->datagrams_hwm);
		v[3] += DP_CNT_READ(fc->held);
		v[4] += DP_CNT_READ(fc->held_hwm);
		v[5] += DP_CNT_READ(fc->reassembled);
		v[6] += DP_CNT_READ(fc->duplicates);
		v[7] += DP_CNT_READ(fc->conflicts);
		v[8] += DP_CNT_READ(fc->timeouts);
		v[9] += DP_CNT_READ(fc->too_many);
		v[10] += DP_CNT_READ(fc->table_full);
		v[11] += DP_CNT_READ(fc->invalid);
		v[12] += DP_CNT_READ(wk->wc.frag_dropped);
		v[13] += DP_CNT_READ(wk->wc.frag_overflow_forwarded);
	}
	g[2].name = "fragments";
	kv(&g[2], "received", v[0]);
	kv(&g[2], "datagrams_in_use", v[1]);
	kv(&g[2], "datagrams_high_water", v[2]);
	kv(&g[2], "datagrams_capacity", (uint64_t)c->frag.datagrams * nw);
	kv(&g[2], "held", v[3]);
	kv(&g[2], "held_high_water", v[4]);
	kv(&g[2], "held_budget", (uint64_t)c->frag.max_held * nw);
	kv(&g[2], "reassembled", v[5]);
	kv(&g[2], "duplicates", v[6]);
	kv(&g[2], "overlaps_conflicting", v[7]);
	kv(&g[2], "timeouts", v[8]);
	kv(&g[2], "too_many", v[9]);
	kv(&g[2], "table_full", v[10]);
	kv(&g[2], "invalid", v[11]);
	kv(&g[2], "dropped", v[12]);
	kv(&g[2], "overflow_forwarded", v[13]);

	decode_group(app, &g[3]);

	/* events */
	memset(v, 0, sizeof(v));
	for (unsigned w = 0; w < nw; w++) {
		v[0] += DP_CNT_READ(app->workers[w]->wc.events_posted);
		v[1] += DP_CNT_READ(app->workers[w]->wc.events_dropped);
	}
	g[4].name = "events";
	kv(&g[4], "posted", v[0]);
	kv(&g[4], "dropped", v[1]);
	kv(&g[4], "log_written", fw_log_written());
	kv(&g[4], "log_dropped", fw_log_dropped());
	if (fw_syslog_enabled()) {
		struct fw_syslog_counters sc;
		fw_syslog_counters(&sc);
		kv(&g[4], "syslog_sent", sc.sent);
		kv(&g[4], "syslog_dropped", sc.dropped);
		kv(&g[4], "syslog_truncated", sc.truncated);
		kv(&g[4], "syslog_conn_failures", sc.conn_failures);
		kv(&g[4], "syslog_queued_bytes", sc.queued);
	}
	unsigned ng = 5;
	if (c->inspect.identify && app->cat != NULL)
		ng += ident_groups(app, &g[ng]);
	if (c->policy.nrules > 0 || c->policy.dflt != CFG_ACT_ALLOW)
		ng += policy_groups(app, &g[ng]);
	return ng;
}

static const char *
link_name(int link)
{
	return link > 0 ? "up" : link == 0 ? "down" : "?";
}

void
fw_stats_print(const struct fw_app *app, FILE *f)
{
	const struct board_profile *b = &app->board;
	struct fw_port_totals t[BOARD_MAX_PORTS];
	double secs = (double)(rte_get_tsc_cycles() - app->start_tsc) / (double)rte_get_tsc_hz();

	fprintf(f, "bridgeward: counters after %.3f s\n", secs);
	fprintf(f, "%-10s %-5s %12s %14s %12s %14s %9s %9s %9s\n", "port", "link", "rx_packets",
		"rx_bytes", "tx_packets", "tx_bytes", "tx_drops", "rx_nombuf", "rx_errors");
	for (unsigned i = 0; i < b->nports; i++) {
		fw_stats_port(app, i, &t[i]);
		fprintf(f,
			"%-10s %-5s %12" PRIu64 " %14" PRIu64 " %12" PRIu64 " %14" PRIu64
			" %9" PRIu64 " %9" PRIu64 " %9" PRIu64 "\n",
			b->ports[i].name,
			app->port[i].forced_down ? "forced" : link_name(app->port[i].link),
			t[i].rx_pkts, t[i].rx_bytes, t[i].tx_pkts, t[i].tx_bytes, t[i].tx_drops,
			t[i].rx_nombuf, t[i].rx_errors);
	}
	fprintf(f, "%-10s %-22s %12s %14s %12s %9s\n", "segment", "direction", "received", "bytes",
		"forwarded", "dropped");
	for (unsigned s = 0; s < b->nsegments; s++) {
		const struct board_segment *sg = &b->segments[s];
		for (unsigned k = 0; k < 2; k++) {
			const struct fw_port_totals *in = &t[sg->port_idx[k]];
			const struct fw_port_totals *out = &t[sg->port_idx[1 - k]];
			char dir[2 * BOARD_NAME_LEN + 4];
			snprintf(dir, sizeof(dir), "%s->%s", sg->ports[k], sg->ports[1 - k]);
			fprintf(f,
				"%-10s %-22s %12" PRIu64 " %14" PRIu64 " %12" PRIu64 " %9" PRIu64
				"\n",
				sg->name, dir, in->rx_pkts, in->rx_bytes, out->tx_pkts,
				out->tx_drops);
		}
	}
	fprintf(f, "%-7s %-6s %-10s %12s %12s %9s %9s %12s\n", "worker", "lcore", "port",
		"rx_packets", "tx_packets", "tx_drops", "rx_errors", "passes");
	for (unsigned w = 0; w < app->nworkers; w++) {
		const struct dp_worker *wk = app->workers[w];
		for (unsigned i = 0; i < b->nports; i++) {
			const struct dp_port_counters *c = &wk->cnt[i];
			fprintf(f,
				"%-7u %-6u %-10s %12" PRIu64 " %12" PRIu64 " %9" PRIu64 " %9" PRIu64
				" %12" PRIu64 "\n",
				w, wk->lcore, b->ports[i].name, DP_CNT_READ(c->rx_pkts),
				DP_CNT_READ(c->tx_pkts), DP_CNT_READ(c->tx_drops),
				worker_rx_errors(app, wk, i), DP_CNT_READ(wk->heartbeat));
		}
	}
	struct fw_group g[FW_GROUPS];
	unsigned ng = fw_stats_groups(app, g);
	for (unsigned i = 0; i < ng; i++) {
		int col = fprintf(f, "%-10s", g[i].name);
		for (unsigned k = 0; k < g[i].n; k++) {
			/* decode reasons, applications: only those that happened */
			if (g[i].sparse_from != 0 && k >= g[i].sparse_from && g[i].kv[k].val == 0)
				continue;
			char item[96];
			int n = snprintf(item, sizeof(item), " %s=%" PRIu64, g[i].kv[k].key,
					 g[i].kv[k].val);
			if (col + n > 100) {
				fprintf(f, "\n%-10s", "");
				col = 10;
			}
			fputs(item, f);
			col += n;
		}
		fputc('\n', f);
	}
	if (fw_log_enabled())
		fprintf(f, "log: %" PRIu64 " records written, %" PRIu64 " dropped\n",
			fw_log_written(), fw_log_dropped());
}

static void
json_port(struct fw_json *j, const char *key, const struct fw_port_totals *t)
{
	fw_json_open(j, key);
	fw_json_u64(j, "rx_packets", t->rx_pkts);
	fw_json_u64(j, "rx_bytes", t->rx_bytes);
	fw_json_u64(j, "tx_packets", t->tx_pkts);
	fw_json_u64(j, "tx_bytes", t->tx_bytes);
	fw_json_u64(j, "tx_drops", t->tx_drops);
	fw_json_u64(j, "tx_retries", t->tx_retries);
	fw_json_u64(j, "rx_nombuf", t->rx_nombuf);
	fw_json_u64(j, "rx_errors", t->rx_errors);
	fw_json_u64(j, "rx_missed", t->rx_missed);
	fw_json_close(j);
}

void
fw_stats_log(const struct fw_app *app)
{
	const struct board_profile *b = &app->board;
	static char buf[1 << 17]; /* control core only; many workers and ports */
	struct fw_json j;

	if (!fw_log_enabled())
		return;
	fw_log_begin(&j, buf, sizeof(buf), "stats");
	fw_json_open(&j, "stats");
	fw_json_u64(&j, "uptime_ms", fw_uptime_ms(app));
	fw_json_open(&j, "ports");
	for (unsigned i = 0; i < b->nports; i++) {
		struct fw_port_totals t;
		fw_stats_port(app, i, &t);
		json_port(&j, b->ports[i].name, &t);
	}
	fw_json_close(&j);
	fw_json_open(&j, "workers");
	for (unsigned w = 0; w < app->nworkers; w++) {
		char k[16];
		snprintf(k, sizeof(k), "%u", w);
		fw_json_open(&j, k);
		fw_json_u64(&j, "lcore", app->workers[w]->lcore);
		fw_json_u64(&j, "passes", DP_CNT_READ(app->workers[w]->heartbeat));
		for (unsigned i = 0; i < b->nports; i++) {
			struct fw_port_totals t;
			memset(&t, 0, sizeof(t));
			add_worker(app->workers[w], i, &t);
			t.rx_errors = worker_rx_errors(app, app->workers[w], i);
			json_port(&j, b->ports[i].name, &t);
		}
		fw_json_close(&j);
	}
	fw_json_close(&j);
	struct fw_group g[FW_GROUPS];
	unsigned ng = fw_stats_groups(app, g);
	for (unsigned i = 0; i < ng; i++) {
		fw_json_open(&j, g[i].name);
		for (unsigned k = 0; k < g[i].n; k++)
			fw_json_u64(&j, g[i].kv[k].key, g[i].kv[k].val);
		fw_json_close(&j);
	}
	fw_json_close(&j);
	fw_json_close(&j);
	fw_log_record(&j);
}

/* ---- telemetry ---- */

/* Telemetry names may hold only [A-Za-z0-9_/]: "port/lan_wan" for port "lan-wan". */
static void tel_key(char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
tel_key(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, len, fmt, ap);
	va_end(ap);
	for (char *p = out; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '/')
			*p = '_';
}

static void
tel_port(struct rte_tel_data *d, const char *name, const struct fw_port_totals *t)
{
	struct rte_tel_data *c = rte_tel_data_alloc();

	if (c == NULL)
		return;
	rte_tel_data_start_dict(c);
	rte_tel_data_add_dict_u64(c, "rx_packets", t->rx_pkts);
	rte_tel_data_add_dict_u64(c, "rx_bytes", t->rx_bytes);
	rte_tel_data_add_dict_u64(c, "tx_packets", t->tx_pkts);
	rte_tel_data_add_dict_u64(c, "tx_bytes", t->tx_bytes);
	rte_tel_data_add_dict_u64(c, "tx_drops", t->tx_drops);
	rte_tel_data_add_dict_u64(c, "tx_retries", t->tx_retries);
	rte_tel_data_add_dict_u64(c, "rx_nombuf", t->rx_nombuf);
	rte_tel_data_add_dict_u64(c, "rx_errors", t->rx_errors);
	rte_tel_data_add_dict_u64(c, "rx_missed", t->rx_missed);
	rte_tel_data_add_dict_container(d, name, c, 0);
}

/* /bridgeward/counters: "port/<name>", "segment/<name>/<from>_to_<to>", "worker/<n>/<port>". */
static int
tel_counters(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct fw_app *app = tel_app;
	const struct board_profile *b = &app->board;
	struct fw_port_totals t[BOARD_MAX_PORTS];
	char key[128];

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < b->nports; i++) {
		fw_stats_port(app, i, &t[i]);
		tel_key(key, sizeof(key), "port/%s", b->ports[i].name);
		tel_port(d, key, &t[i]);
	}
	for (unsigned s = 0; s < b->nsegments; s++) {
		const struct board_segment *sg = &b->segments[s];
		for (unsigned k = 0; k < 2; k++) {
			const struct fw_port_totals *in = &t[sg->port_idx[k]];
			const struct fw_port_totals *out = &t[sg->port_idx[1 - k]];
			struct rte_tel_data *c = rte_tel_data_alloc();
			if (c == NULL)
				continue;
			rte_tel_data_start_dict(c);
			rte_tel_data_add_dict_u64(c, "received", in->rx_pkts);
			rte_tel_data_add_dict_u64(c, "received_bytes", in->rx_bytes);
			rte_tel_data_add_dict_u64(c, "forwarded", out->tx_pkts);
			rte_tel_data_add_dict_u64(c, "forwarded_bytes", out->tx_bytes);
			rte_tel_data_add_dict_u64(c, "dropped", out->tx_drops);
			tel_key(key, sizeof(key), "segment/%s/%s_to_%s", sg->name, sg->ports[k],
				sg->ports[1 - k]);
			rte_tel_data_add_dict_container(d, key, c, 0);
		}
	}
	for (unsigned w = 0; w < app->nworkers; w++) {
		for (unsigned i = 0; i < b->nports; i++) {
			struct fw_port_totals wt;
			memset(&wt, 0, sizeof(wt));
			add_worker(app->workers[w], i, &wt);
			wt.rx_errors = worker_rx_errors(app, app->workers[w], i);
			tel_key(key, sizeof(key), "worker/%u/%s", w, b->ports[i].name);
			tel_port(d, key, &wt);
		}
	}
	struct fw_group g[FW_GROUPS];
	unsigned ng = fw_stats_groups(app, g);
	for (unsigned i = 0; i < ng; i++) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		if (c == NULL)
			continue;
		rte_tel_data_start_dict(c);
		for (unsigned k = 0; k < g[i].n; k++)
			rte_tel_data_add_dict_u64(c, g[i].kv[k].key, g[i].kv[k].val);
		rte_tel_data_add_dict_container(d, g[i].name, c, 0);
	}
	return 0;
}

/* /bridgeward/link: per port "up", "down" or "forced-down". */
static int
tel_link(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct fw_app *app = tel_app;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < app->board.nports; i++) {
		char key[64];
		tel_key(key, sizeof(key), "%s", app->board.ports[i].name);
		rte_tel_data_add_dict_string(
			d, key,
			app->port[i].forced_down ? "forced-down" : link_name(app->port[i].link));
	}
	return 0;
}

/* /bridgeward/info: board, workers, uptime. */
static int
tel_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct fw_app *app = tel_app;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "board", app->board.name);
	rte_tel_data_add_dict_u64(d, "workers", app->nworkers);
	rte_tel_data_add_dict_u64(d, "ports", app->board.nports);
	rte_tel_data_add_dict_u64(d, "segments", app->board.nsegments);
	rte_tel_data_add_dict_u64(d, "uptime_ms", fw_uptime_ms(app));
	return 0;
}

int
fw_telemetry_register(const struct fw_app *app)
{
	tel_app = app;
	if (rte_telemetry_register_cmd("/bridgeward/counters", tel_counters,
				       "Bridgeward counters per port, segment direction and "
				       "worker. No parameters") != 0)
		return -1;
	if (rte_telemetry_register_cmd("/bridgeward/link", tel_link,
				       "Link state per port. No parameters") != 0)
		return -1;
	return rte_telemetry_register_cmd("/bridgeward/info", tel_info,
					  "Board, workers, uptime. No parameters");
}
