/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy compilation and evaluation. Rules are few (at most CFG_POLICY_RULES) and a flow is
 * evaluated a handful of times in its life (when it starts, when it is identified, when a
 * behaviour appears), so a linear first-match walk over compact rules is the right tool:
 * no per-packet cost, and the order the admin wrote is the order of evaluation.
 */
#include "policy.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "identify.h"

static const char *const behaviour_names[DP_B__COUNT] = {
	"non_http_80",  "non_tls_443",  "connect_non_web", "p2p_fanout",
	"port_hopping", "large_upload", "file_transfer",
};

const char *
dp_behaviour_name(unsigned bit)
{
	for (unsigned i = 0; i < DP_B__COUNT; i++)
		if (bit == (1u << i))
			return behaviour_names[i];
	return "?";
}

const char *
dp_action_record_name(uint8_t a)
{
	switch (a) {
	case DP_ACT_RATELIMIT: return "ratelimited";
	case DP_ACT_RESET: return "reset";
	case DP_ACT_DROP:
	case DP_ACT_QUARANTINE: return "blocked";
	default: return "allowed";
	}
}

const char *
dp_action_name(uint8_t a)
{
	return a == DP_ACT_NONE ? "none" : cfg_action_name(a - 1);
}

bool
dp_net_contains(const struct dp_net *n, unsigned family, const uint8_t *addr)
{
	if (n->family != family)
		return false;
	unsigned full = n->len / 8, rest = n->len % 8;
	if (memcmp(n->addr, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff00u >> rest);
	return (n->addr[full] & mask) == (addr[full] & mask);
}

/* ---- compilation ---- */

static int
parse_net(const char *s, struct dp_net *n)
{
	struct cfg_prefix p;
	char buf[64];

	if (strchr(s, '/') == NULL) {
		/* an address alone: the host */
		snprintf(buf, sizeof(buf), "%s/%d", s, strchr(s, ':') ? 128 : 32);
		s = buf;
	}
	if (cfg_parse_prefix(s, &p) != 0)
		return -1;
	n->family = (uint8_t)p.family;
	n->len = p.len;
	memcpy(n->addr, p.addr, 16);
	/* host bits set below the length would never match: clear them */
	for (unsigned b = p.len; b < (p.family == 4 ? 32u : 128u); b++)
		n->addr[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
	return 0;
}

static int
parse_hhmm(const char *s, int *min)
{
	unsigned h, m;
	int used = 0;

	if (sscanf(s, "%2u:%2u%n", &h, &m, &used) != 2 || used != 5 || h > 24 || m > 59 ||
	    (h == 24 && m != 0))
		return -1;
	*min = (int)(h * 60 + m);
	return 0;
}

static int
parse_offset(const char *s, int32_t *sec)
{
	int min;

	if ((s[0] != '+' && s[0] != '-') || parse_hhmm(s + 1, &min) != 0 || s[6] != '\0')
		return -1;
	*sec = (s[0] == '-' ? -1 : 1) * min * 60;
	return 0;
}

static int
category_id(const char *s)
{
	for (int c = 0; c < CFG_CAT__COUNT; c++)
		if (strcmp(cfg_category_name(c), s) == 0)
			return c;
	return -1;
}

static int
master_id(const char *s)
{
	for (unsigned m = 0; m < DP_M__COUNT; m++)
		if (strcmp(dp_master_name(m), s) == 0)
			return (int)m;
	return -1;
}

static void
build_rule(const struct cfg_rule *cr, const struct cfg_catalogue *cat,
	   const struct board_profile *board, struct dp_rule *r, struct cfg_diag *d)
{
	static const char *const days[7] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };
	const struct cfg_where *w = &cr->where;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", cr->name);
	r->action = dp_action_of(cr->action);
	r->has_app = cr->napp > 0;
	r->has_cat = cr->ncategory > 0;
	r->has_proto = cr->nprotocol > 0;
	r->min_conf = (uint8_t)cr->confidence;
	r->needs_id = r->has_app || r->has_cat || r->has_proto || r->min_conf > 0;
	if (r->needs_id && cat == NULL)
		cfg_diag_add(d, w,
			     "rule '%s' matches on identification, which is off "
			     "(inspect.identify = false)",
			     cr->name);
	for (unsigned i = 0; i < cr->napp; i++) {
		unsigned id = 0;
		if (strcmp(cr->app[i], "unknown") != 0) {
			for (unsigned a = 0; cat != NULL && a < cat->napps; a++)
				if (strcmp(cat->apps[a].name, cr->app[i]) == 0)
					id = a + 1;
			if (id == 0) {
				if (cat != NULL)
					cfg_diag_add(d, w,
						     "rule '%s': unknown application '%s' (not in "
						     "the catalogue)",
						     cr->name, cr->app[i]);
				continue;
			}
		}
		r->apps[id / 64] |= 1ull << (id % 64);
	}
	for (unsigned i = 0; i < cr->ncategory; i++) {
		int c = category_id(cr->category[i]);
		if (c < 0)
			cfg_diag_add(d, w, "rule '%s': unknown category '%s'", cr->name,
				     cr->category[i]);
		else
			r->cats |= (uint16_t)(1u << c);
	}
	for (unsigned i = 0; i < cr->nprotocol; i++) {
		int m = master_id(cr->protocol[i]);
		if (m < 0)
			cfg_diag_add(d, w, "rule '%s': unknown protocol '%s'", cr->name,
				     cr->protocol[i]);
		else
			r->protos |= (uint16_t)(1u << m);
	}
	for (unsigned i = 0; i < cr->nbehaviour; i++) {
		unsigned b = 0;
		for (unsigned k = 0; k < DP_B__COUNT; k++)
			if (strcmp(behaviour_names[k], cr->behaviour[i]) == 0)
				b = 1u << k;
		if (b == 0)
			cfg_diag_add(d, w, "rule '%s': unknown behaviour '%s'", cr->name,
				     cr->behaviour[i]);
		r->behaviour |= (uint8_t)b;
	}
	for (unsigned i = 0; i < cr->nsrc; i++)
		if (parse_net(cr->src[i], &r->src[r->nsrc++]) != 0)
			cfg_diag_add(d, w, "rule '%s': src \"%s\" is not an address or prefix",
				     cr->name, cr->src[i]);
	for (unsigned i = 0; i < cr->ndst; i++)
		if (parse_net(cr->dst[i], &r->dst[r->ndst++]) != 0)
			cfg_diag_add(d, w, "rule '%s': dst \"%s\" is not an address or prefix",
				     cr->name, cr->dst[i]);
	for (unsigned i = 0; i < cr->nsrc_port; i++)
		if (cfg_parse_portrange(cr->src_port[i], &r->sport[r->nsport++]) != 0)
			cfg_diag_add(d, w,
				     "rule '%s': src_port \"%s\" is not a port or range "
				     "(\"443\", \"1000-2000\", \"udp:3478\")",
				     cr->name, cr->src_port[i]);
	for (unsigned i = 0; i < cr->ndst_port; i++)
		if (cfg_parse_portrange(cr->dst_port[i], &r->dport[r->ndport++]) != 0)
			cfg_diag_add(d, w,
				     "rule '%s': dst_port \"%s\" is not a port or range "
				     "(\"443\", \"1000-2000\", \"udp:3478\")",
				     cr->name, cr->dst_port[i]);
	for (unsigned i = 0; i < cr->nsegment; i++) {
		int found = -1;
		for (unsigned s = 0; s < board->nsegments; s++)
			if (strcmp(board->segments[s].name, cr->segment[i]) == 0)
				found = (int)s;
		if (found < 0)
			cfg_diag_add(d, w, "rule '%s': the board '%s' has no segment '%s'",
				     cr->name, board->name, cr->segment[i]);
		else
			r->segments |= 1u << found;
	}
	for (unsigned i = 0; i < cr->nvlan; i++)
		r->vlan[r->nvlan++] = (uint16_t)cr->vlan[i];
	for (unsigned i = 0; i < cr->ndays; i++) {
		int found = -1;
		for (int k = 0; k < 7; k++)
			if (strcmp(days[k], cr->days[i]) == 0)
				found = k;
		if (found < 0)
			cfg_diag_add(d, w,
				     "rule '%s': day '%s' is not one of mon, tue, wed, thu, fri, "
				     "sat, sun",
				     cr->name, cr->days[i]);
		else
			r->days |= (uint8_t)(1u << found);
	}
	r->from_min = -1;
	if (cr->hours[0] != '\0') {
		int a, b;
		const char *dash = strchr(cr->hours, '-');
		if (dash == NULL || dash - cr->hours != 5 || parse_hhmm(cr->hours, &a) != 0 ||
		    parse_hhmm(dash + 1, &b) != 0 || dash[6] != '\0' || a == b)
			cfg_diag_add(d, w, "rule '%s': hours \"%s\" is not \"HH:MM-HH:MM\"",
				     cr->name, cr->hours);
		else {
			r->from_min = (int16_t)a;
			r->to_min = (int16_t)b;
		}
	}
	if (cr->action == CFG_ACT_RATELIMIT) {
		if (cr->rate == 0)
			cfg_diag_add(d, w, "rule '%s': ratelimit needs a rate (\"2mbit\")",
				     cr->name);
		r->rate_Bps = cr->rate / 8;
		/* A policer drops what exceeds its bucket; TCP sends a window at a time, so a
		 * bucket of less than about one window's worth of data (rate x RTT) makes it
		 * back off again and again: measured on virt-netns, a 64 KiB bucket held an
		 * iperf3 TCP flow at 25% of a 10 Mbit/s rate, 256 KiB at 95%. */
		r->burst = cr->burst != 0 ? cr->burst : RTE_MAX(r->rate_Bps / 5, 65536ull);
		if (r->burst < 1500)
			cfg_diag_add(d, w,
				     "rule '%s': burst %" PRIu64 " is smaller than one frame (at "
				     "least 1500 bytes)",
				     cr->name, r->burst);
		r->per_host = cr->per == CFG_PER_HOST;
	}
	r->duration_us = cr->duration_ms * 1000;
	r->icmp = cr->icmp;
}

int
dp_policy_build(const struct cfg_policy *cp, const struct cfg_catalogue *cat,
		const struct board_profile *board, struct dp_policy **out, struct cfg_diag *d)
{
	struct dp_policy *p = calloc(1, sizeof(*p));
	unsigned before = d->n + d->dropped;

	*out = NULL;
	if (p == NULL) {
		cfg_diag_add(d, NULL, "policy: out of memory");
		return -1;
	}
	p->dflt = dp_action_of(cp->dflt);
	if (cp->dflt == CFG_ACT_RATELIMIT || cp->dflt == CFG_ACT_QUARANTINE)
		cfg_diag_add(d, &cp->where,
			     "policy: default must be allow, log, reset or drop (a rate or a "
			     "quarantine needs a rule)");
	p->nrules = cp->nrules;
	for (unsigned i = 0; i < cp->nrules; i++) {
		build_rule(&cp->rules[i], cat, board, &p->rule[i], d);
		for (unsigned j = 0; j < i; j++)
			if (strcmp(cp->rules[j].name, cp->rules[i].name) == 0)
				cfg_diag_add(d, &cp->rules[i].where,
					     "rule '%s' is defined twice (first at line %u)",
					     cp->rules[i].name, cp->rules[j].where.line);
		p->behaviour_used |= p->rule[i].behaviour;
	}
	for (unsigned i = 0; i < cp->hold.nports; i++)
		if (cfg_parse_portrange(cp->hold.ports[i], &p->hold_ports[p->nhold_ports++]) != 0)
			cfg_diag_add(d, &cp->hold.where,
				     "policy.hold: port \"%s\" is not a port or range (\"443\", "
				     "\"1000-2000\", \"udp:3478\")",
				     cp->hold.ports[i]);
	p->hold_packets = cp->hold.packets;
	p->hold_ms = (uint32_t)cp->hold.time_ms;
	if (parse_offset(cp->utc_offset, &p->utc_offset_s) != 0)
		cfg_diag_add(d, &cp->where,
			     "policy: utc_offset \"%s\" is not \"+HH:MM\" or \"-HH:MM\"",
			     cp->utc_offset);
	for (unsigned s = 0; s < board->nsegments && s < BOARD_MAX_SEGMENTS; s++)
		p->inside_side[s] = (uint8_t)board->segments[s].inside_side;
	for (unsigned a = 0; cat != NULL && a < cat->napps; a++)
		p->app_cat[a + 1] = (uint8_t)cat->apps[a].category;
	p->active = p->nrules > 0 || p->dflt != DP_ACT_ALLOW;
	p->hosts = cp->hosts;
	p->fanout_peers = cp->fanout_peers;
	p->fanout_window_us = cp->fanout_window_ms * 1000;
	p->hopping_ports = cp->hopping_ports;
	p->hopping_window_us = cp->hopping_window_ms * 1000;
	p->upload_bytes = cp->upload_bytes;
	p->upload_host_bytes = cp->upload_host_bytes;
	p->upload_window_us = cp->upload_window_ms * 1000;
	if (d->n + d->dropped != before) {
		free(p);
		return -1;
	}
	*out = p;
	return 0;
}

int
dp_policy_meters(struct dp_policy *p)
{
	p->tsc_hz = rte_get_tsc_hz();
	for (unsigned i = 0; i < p->nrules; i++) {
		struct dp_rule *r = &p->rule[i];
		if (r->action != DP_ACT_RATELIMIT)
			continue;
		/* The meters run on the worker clock in microseconds scaled to TSC cycles, so
		 * they follow capture time in an offline replay. */
		struct rte_meter_srtcm_params mp = { .cir = r->rate_Bps,
						     .cbs = r->burst,
						     .ebs = 0 };
		if (p->tsc_hz < 1000000 || rte_meter_srtcm_profile_config(&r->meter, &mp) != 0)
			return -1;
	}
	return 0;
}

void
dp_policy_free(struct dp_policy *p)
{
	free(p);
}

/* ---- evaluation ---- */

static bool
ports_match(const struct cfg_portrange *r, unsigned n, uint8_t proto, uint16_t port)
{
	if (n == 0)
		return true;
	for (unsigned i = 0; i < n; i++)
		if ((r[i].proto == 0 || r[i].proto == proto) && port >= r[i].lo && port <= r[i].hi)
			return true;
	return false;
}

bool
dp_policy_holds(const struct dp_policy *p, uint8_t proto, uint16_t sport)
{
	return p->nhold_ports > 0 && ports_match(p->hold_ports, p->nhold_ports, proto, sport);
}

static bool
nets_match(const struct dp_net *n, unsigned cnt, unsigned family, const uint8_t *addr)
{
	if (cnt == 0)
		return true;
	for (unsigned i = 0; i < cnt; i++)
		if (dp_net_contains(&n[i], family, addr))
			return true;
	return false;
}

static bool
when_matches(const struct dp_policy *p, const struct dp_rule *r, uint64_t now_us)
{
	if (r->days == 0 && r->from_min < 0)
		return true;
	int64_t t = (int64_t)(now_us / 1000000) + p->utc_offset_s;
	int64_t day = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	int min = (int)((t - day * 86400) / 60);
	int wday = (int)(((day % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
	if (r->from_min >= 0) {
		bool in = r->from_min < r->to_min ? (min >= r->from_min && min < r->to_min)
						  : (min >= r->from_min || min < r->to_min);
		if (!in)
			return false;
		/* a window crossing midnight belongs to the day it started */
		if (r->from_min > r->to_min && min < r->to_min)
			wday = (wday + 6) % 7;
	}
	return r->days == 0 || (r->days & (1u << wday)) != 0;
}

/* Identification fields: does the (decided) flow match them? */
static bool
id_matches(const struct dp_policy *p, const struct dp_rule *r, const struct dp_policy_flow *pf)
{
	if (r->has_app && !(r->apps[pf->app / 64] & (1ull << (pf->app % 64))))
		return false;
	if (r->has_cat && (pf->app == 0 || !(r->cats & (1u << p->app_cat[pf->app]))))
		return false;
	if (r->has_proto && !(r->protos & (1u << pf->master)))
		return false;
	if (r->min_conf > 0 && (pf->app == 0 || pf->conf < r->min_conf))
		return false;
	return true;
}

int
dp_policy_eval(const struct dp_policy *p, const struct dp_policy_flow *pf)
{
	for (unsigned i = 0; i < p->nrules; i++) {
		const struct dp_rule *r = &p->rule[i];
		if (r->segments != 0 && !(r->segments & (1u << pf->segment)))
			continue;
		if (r->nvlan > 0) {
			bool hit = false;
			for (unsigned k = 0; k < r->nvlan && !hit; k++)
				for (unsigned v = 0; v < pf->nvlan; v++)
					hit |= pf->vlan[v] == r->vlan[k];
			if (!hit)
				continue;
		}
		if (!nets_match(r->src, r->nsrc, pf->family, pf->client) ||
		    !nets_match(r->dst, r->ndst, pf->family, pf->server) ||
		    !ports_match(r->sport, r->nsport, pf->proto, pf->cport) ||
		    !ports_match(r->dport, r->ndport, pf->proto, pf->sport))
			continue;
		if (r->behaviour != 0 && !(r->behaviour & pf->behaviour))
			continue;
		if (!when_matches(p, r, pf->now_us))
			continue;
		if (r->needs_id) {
			if (!pf->identified)
				return DP_POLICY_PENDING;
			if (!id_matches(p, r, pf))
				continue;
		}
		return (int)i;
	}
	return (int)p->nrules;
}
