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

#include "log.h"

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
	char buf[16384];
	struct fw_json j;

	if (!fw_log_enabled())
		return;
	fw_log_begin(&j, buf, sizeof(buf), "stats");
	fw_json_open(&j, "stats");
	fw_json_u64(&j, "uptime_ms",
		    (rte_get_tsc_cycles() - app->start_tsc) * 1000 / rte_get_tsc_hz());
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
	rte_tel_data_add_dict_u64(
		d, "uptime_ms", (rte_get_tsc_cycles() - app->start_tsc) * 1000 / rte_get_tsc_hz());
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
