/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow records as Suricata writes them (event_type "flow"): timestamp (the flow's start),
 * flow_id, in_port, vlan, src/dest (src is the side that opened the flow), proto, and
 * flow {pkts_toserver, pkts_toclient, bytes_toserver, bytes_toclient, start, end, age,
 * state, reason}; TCP flows add tcp {state}.
 */
#include "records.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "../dataplane/event.h"
#include "../dataplane/flow.h"
#include "../dataplane/identify.h"
#include "../dataplane/policy.h"
#include "json.h"
#include "log.h"

static const char *
proto_name(uint8_t p, char *buf, size_t len)
{
	switch (p) {
	case DP_PROTO_TCP: return "TCP";
	case DP_PROTO_UDP: return "UDP";
	case DP_PROTO_ICMP: return "ICMP";
	case DP_PROTO_ICMPV6: return "IPv6-ICMP";
	case 132: return "SCTP";
	case 47: return "GRE";
	case 50: return "ESP";
	default: snprintf(buf, len, "%u", p); return buf;
	}
}

static const char *
reason_name(uint8_t r)
{
	switch (r) {
	case DP_FLOW_END_TIMEOUT: return "timeout";
	case DP_FLOW_END_FORCED: return "forced";
	default: return "shutdown";
	}
}

static const char *
tcp_state_name(uint8_t s)
{
	switch (s) {
	case DP_TCP_SYN_SENT: return "syn_sent";
	case DP_TCP_SYN_RECV: return "syn_recv";
	case DP_TCP_ESTABLISHED: return "established";
	case DP_TCP_FIN_WAIT: return "fin_wait1";
	case DP_TCP_CLOSING: return "closing";
	case DP_TCP_CLOSED: return "closed";
	default: return "none";
	}
}

static const char *
flow_state_name(const struct dp_event *ev)
{
	if (ev->proto == DP_PROTO_TCP) {
		switch (ev->tcp_state) {
		case DP_TCP_SYN_SENT:
		case DP_TCP_SYN_RECV: return "new";
		case DP_TCP_ESTABLISHED:
		case DP_TCP_FIN_WAIT: return "established";
		default: return "closed";
		}
	}
	return (ev->flow_flags & DP_FLOW_F_REPLIED) ? "established" : "new";
}

/* The rule behind an evidence, as the catalogue writes it. */
static const char *
rule_text(const struct fw_app *app, const struct dp_event *ev, char *buf, size_t len)
{
	const struct cfg_catalogue *cat = app->cat;

	if (cat == NULL || ev->app == 0 || ev->app > cat->napps)
		return dp_field_name(ev->field);
	const struct cfg_app *a = &cat->apps[ev->app - 1];
	switch (ev->field) {
	case DP_F_SNI:
	case DP_F_CERT:
	case DP_F_HOST:
	case DP_F_DNS:
	case DP_F_QUIC:
		if (ev->rule < a->nhosts)
			return a->hosts[ev->rule];
		break;
	case DP_F_PAYLOAD:
	case DP_F_HELLO:
		if (ev->rule < a->nsigs)
			return a->sigs[ev->rule].name;
		break;
	case DP_F_PORT: snprintf(buf, len, "%s service ports", a->name); return buf;
	case DP_F_STUN: snprintf(buf, len, "%s stun", a->name); return buf;
	case DP_F_PREFIX: snprintf(buf, len, "%s prefixes", a->name); return buf;
	default: break;
	}
	return dp_field_name(ev->field);
}

/* app, master, category, confidence, evidence, server name, decided_after_pkts, behaviour */
static void
record_identity(const struct fw_app *app, const struct dp_event *ev, struct fw_json *j)
{
	const struct cfg_catalogue *cat = app->cat;
	char buf[96];

	if (cat == NULL)
		return;
	bool known = ev->app != 0 && ev->app <= cat->napps;
	fw_json_str(j, "app", known ? cat->apps[ev->app - 1].name : dp_master_name(ev->master));
	fw_json_str(j, "master", dp_master_name(ev->master));
	if (known)
		fw_json_str(j, "category", cfg_category_name(cat->apps[ev->app - 1].category));
	fw_json_str(j, "confidence", known ? dp_conf_name(ev->conf) : "none");
	if (known) {
		fw_json_open(j, "evidence");
		fw_json_str(j, "field", dp_field_name(ev->field));
		fw_json_str(j, "rule", rule_text(app, ev, buf, sizeof(buf)));
		fw_json_strn(j, "value", ev->value, strnlen(ev->value, sizeof(ev->value)));
		fw_json_close(j);
	}
	if (ev->name[0] != '\0') {
		bool sni = ev->name_field == DP_F_SNI || ev->name_field == DP_F_QUIC;
		fw_json_strn(j, sni ? "sni" : "host", ev->name,
			     strnlen(ev->name, sizeof(ev->name)));
	}
	fw_json_u64(j, "decided_after_pkts", ev->decided_after);
	uint8_t b = ev->behaviour;
	if (ev->id_flags & DP_ID_NON_HTTP_80)
		b |= DP_B_NON_HTTP_80;
	if (ev->id_flags & DP_ID_NON_TLS_443)
		b |= DP_B_NON_TLS_443;
	if (ev->id_flags & DP_ID_CONNECT_NON_WEB)
		b |= DP_B_CONNECT_NON_WEB;
	if (ev->id_flags & DP_ID_FILE)
		b |= DP_B_FILE_TRANSFER;
	if (b != 0) {
		fw_json_array_open(j, "behaviour");
		for (unsigned i = 0; i < DP_B__COUNT; i++)
			if (b & (1u << i))
				fw_json_str(j, NULL, dp_behaviour_name(1u << i));
		fw_json_array_close(j);
	}
}

static bool
policy_active(const struct fw_app *app)
{
	return app->cfg.policy.nrules > 0 || app->cfg.policy.dflt != CFG_ACT_ALLOW;
}

static const char *
rule_name(const struct fw_app *app, const struct dp_event *ev)
{
	if (ev->prule == 0)
		return NULL;
	if (ev->prule <= app->cfg.policy.nrules)
		return app->cfg.policy.rules[ev->prule - 1].name;
	return "default";
}

/* Flow records: what the policy did (allowed, blocked, reset, ratelimited) and which rule. */
static void
record_action(const struct fw_app *app, const struct dp_event *ev, struct fw_json *j)
{
	if (!policy_active(app))
		return;
	fw_json_str(j, "action", dp_action_record_name(ev->action));
	const char *rn = rule_name(app, ev);
	if (rn != NULL)
		fw_json_str(j, "rule", rn);
	if (dp_action_blocks(ev->action)) {
		fw_json_u64(j, "pkts_before_block", ev->before_pkts);
		fw_json_u64(j, "bytes_before_block", ev->before_bytes);
	}
}

/* The common head of flow records and policy events: time, flow id, port, VLANs, tuple. */
static void
record_head(const struct fw_app *app, const struct dp_event *ev, const char *type, uint64_t ts,
	    struct fw_json *j, char *buf, size_t cap)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], pn[8];
	int af = ev->l3 == 4 ? AF_INET : AF_INET6;

	inet_ntop(af, ev->src, a, sizeof(a));
	inet_ntop(af, ev->dst, b, sizeof(b));
	fw_json_init(j, buf, cap);
	fw_json_open(j, NULL);
	fw_json_time(j, "timestamp", ts);
	fw_json_u64(j, "flow_id", ev->flow_id);
	if (ev->in_port < app->board.nports)
		fw_json_str(j, "in_port", app->board.ports[ev->in_port].name);
	fw_json_str(j, "event_type", type);
	if (ev->nvlan > 0) {
		fw_json_array_open(j, "vlan");
		for (unsigned i = 0; i < ev->nvlan; i++)
			fw_json_u64(j, NULL, ev->vlan[i]);
		fw_json_array_close(j);
	}
	fw_json_str(j, "src_ip", a);
	if (ev->proto == DP_PROTO_TCP || ev->proto == DP_PROTO_UDP)
		fw_json_u64(j, "src_port", ev->sport);
	fw_json_str(j, "dest_ip", b);
	if (ev->proto == DP_PROTO_TCP || ev->proto == DP_PROTO_UDP)
		fw_json_u64(j, "dest_port", ev->dport);
	fw_json_str(j, "proto", proto_name(ev->proto, pn, sizeof(pn)));
}

void
fw_record_policy(const struct fw_app *app, const struct dp_event *ev, struct fw_json *j, char *buf,
		 size_t cap)
{
	record_head(app, ev, "policy", ev->end_us, j, buf, cap);
	fw_json_open(j, "policy");
	const char *rn = rule_name(app, ev);
	fw_json_str(j, "rule", rn != NULL ? rn : "default");
	fw_json_str(j, "action", dp_action_name(ev->action));
	if (dp_action_blocks(ev->action)) {
		fw_json_u64(j, "pkts_before_block", ev->before_pkts);
		fw_json_u64(j, "bytes_before_block", ev->before_bytes);
	}
	if (ev->rst_sent) {
		fw_json_array_open(j, "rst_sent");
		if (ev->rst_sent & 1)
			fw_json_str(j, NULL, "src");
		if (ev->rst_sent & 2)
			fw_json_str(j, NULL, "dest");
		fw_json_array_close(j);
	}
	if (ev->icmp_sent)
		fw_json_bool(j, "icmp_sent", true);
	fw_json_close(j);
	fw_json_open(j, "flow");
	fw_json_u64(j, "pkts_toserver", ev->pkts[0]);
	fw_json_u64(j, "pkts_toclient", ev->pkts[1]);
	fw_json_u64(j, "bytes_toserver", ev->bytes[0]);
	fw_json_u64(j, "bytes_toclient", ev->bytes[1]);
	fw_json_time(j, "start", ev->start_us);
	fw_json_close(j);
	record_identity(app, ev, j);
	fw_json_close(j);
}

void
fw_record_flow(const struct fw_app *app, const struct dp_event *ev, struct fw_json *j, char *buf,
	       size_t cap)
{
	record_head(app, ev, "flow", ev->start_us, j, buf, cap);
	fw_json_open(j, "flow");
	fw_json_u64(j, "pkts_toserver", ev->pkts[0]);
	fw_json_u64(j, "pkts_toclient", ev->pkts[1]);
	fw_json_u64(j, "bytes_toserver", ev->bytes[0]);
	fw_json_u64(j, "bytes_toclient", ev->bytes[1]);
	fw_json_time(j, "start", ev->start_us);
	fw_json_time(j, "end", ev->end_us);
	fw_json_u64(j, "age", (ev->end_us - ev->start_us) / 1000000);
	fw_json_str(j, "state", flow_state_name(ev));
	fw_json_str(j, "reason", reason_name(ev->reason));
	fw_json_close(j);
	record_identity(app, ev, j);
	record_action(app, ev, j);
	if (ev->proto == DP_PROTO_TCP) {
		fw_json_open(j, "tcp");
		fw_json_str(j, "state", tcp_state_name(ev->tcp_state));
		if (ev->flow_flags & DP_FLOW_F_MIDSTREAM)
			fw_json_bool(j, "midstream", true);
		fw_json_close(j);
	}
	fw_json_close(j);
}

unsigned
fw_records_drain(const struct fw_app *app, unsigned max)
{
	struct dp_event evs[32];
	char buf[4096];
	struct fw_json j;
	unsigned total = 0;

	for (unsigned w = 0; w < app->nworkers; w++) {
		struct rte_ring *r = app->workers[w]->events;
		unsigned n;
		if (r == NULL)
			continue;
		while ((max == 0 || total < max) &&
		       (n = rte_ring_sc_dequeue_burst_elem(r, evs, sizeof(evs[0]), 32, NULL)) > 0) {
			for (unsigned i = 0; i < n && fw_log_enabled(); i++) {
				if (evs[i].type == DP_EV_FLOW)
					fw_record_flow(app, &evs[i], &j, buf, sizeof(buf));
				else if (evs[i].type == DP_EV_POLICY)
					fw_record_policy(app, &evs[i], &j, buf, sizeof(buf));
				else
					continue;
				fw_log_record(&j);
			}
			total += n;
		}
	}
	return total;
}
