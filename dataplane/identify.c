/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Identification.
 *
 * Database (control core): the catalogue's Hyperscan databases (match.c), its
 * applications' STUN rules and port hints, and its prefixes loaded into rte_lpm (IPv4)
 * and rte_lpm6 (IPv6) with the application id as next hop (longest prefix wins).
 *
 * Flow start: server address in the attribution cache (for this client), else in a
 * service prefix: decided at the first packet.
 *
 * TCP: each direction's first bytes choose a parser (TLS, HTTP, SSH, BitTorrent, RDP,
 * OpenVPN, STUN over TCP); the parser reads straight from the delivered bytes and only
 * when it needs more than one delivery are they gathered in a head buffer (a per-worker
 * pool of fixed blocks). Names a parser finds are matched against the host patterns; the
 * delivered bytes also go through the direction's Hyperscan stream. TLS without a
 * matching name waits for the server's certificate when the session is TLS 1.2.
 *
 * UDP: every datagram until a decision, or until udp_datagrams per direction: DNS, STUN,
 * QUIC, WireGuard, OpenVPN, BitTorrent DHT/uTP, RTP, DTLS, then the datagram signatures.
 *
 * Learning: a decided DNS flow's answers, a decided TLS/QUIC/HTTP flow's server, and the
 * peers/relays in a decided STUN flow's messages go to the attribution cache. DNS and STUN
 * flows therefore keep being read for a few packets after their decision (DP_ID_KEEP).
 *
 * Nothing here allocates: head buffers and Hyperscan stream state come from per-worker
 * pools whose exhaustion is counted and leaves the flow to what evidence it has.
 */
#include "identify.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_common.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>

#include "attrib.h"
#include "counters.h"
#include "dns.h"
#include "filemagic.h"
#include "flow.h"
#include "http.h"
#include "quic.h"
#include "shapes.h"
#include "stun.h"
#include "tls.h"
#include "wire.h"

/* ---- names ---- */

const char *
dp_master_name(unsigned m)
{
	static const char *const n[DP_M__COUNT] = {
		"unknown", "tls", "http", "quic",       "dns",     "stun",      "rtp",
		"dtls",    "ssh", "rdp",  "bittorrent", "openvpn", "wireguard",
	};
	return m < DP_M__COUNT ? n[m] : "unknown";
}

const char *
dp_conf_name(unsigned c)
{
	static const char *const n[] = { "none", "port", "prefix", "attribution", "dpi" };
	return c <= DP_CONF_DPI ? n[c] : "none";
}

const char *
dp_field_name(unsigned f)
{
	static const char *const n[DP_F__COUNT] = {
		"none", "sni",     "cert",      "host",   "connect", "proxy",       "dns",   "quic",
		"stun", "payload", "handshake", "banner", "prefix",  "attribution", "hello", "port",
	};
	return f < DP_F__COUNT ? n[f] : "none";
}

/* ---- database ---- */

uint16_t
dp_ident_app_id(const struct dp_ident_db *db, const char *name)
{
	for (unsigned i = 1; i <= db->napps; i++)
		if (strcmp(db->app[i].name, name) == 0)
			return (uint16_t)i;
	return 0;
}

int
dp_ident_db_build(const struct cfg_catalogue *cat, const char *cache_dir, unsigned nworkers,
		  struct dp_ident_db **out, struct cfg_diag *d)
{
	static unsigned serial;
	struct dp_ident_db *db = calloc(1, sizeof(*db));
	char name[32];
	unsigned n4 = 0, n6 = 0;

	*out = NULL;
	if (db == NULL)
		return -1;
	if (dp_matcher_build(cat, cache_dir, &db->m, d) != 0) {
		free(db);
		return -1;
	}
	db->napps = cat->napps;
	for (unsigned a = 0; a < cat->napps; a++) {
		const struct cfg_app *ca = &cat->apps[a];
		struct dp_app_info *ai = &db->app[a + 1];
		snprintf(ai->name, sizeof(ai->name), "%s", ca->name);
		ai->category = (uint8_t)ca->category;
		for (unsigned i = 0; i < ca->stun.nattrs; i++)
			ai->stun_attrs[ai->nstun_attrs++] = (uint16_t)ca->stun.attrs[i];
		for (unsigned i = 0; i < ca->stun.nsoftware; i++)
			snprintf(ai->stun_software[ai->nstun_software++], 64, "%s",
				 ca->stun.software[i]);
		for (unsigned i = 0; i < ca->stun.ntypes; i++)
			ai->stun_types[ai->nstun_types++] = (uint16_t)ca->stun.types[i];
		for (unsigned i = 0; i < ca->stun.nrealms; i++)
			snprintf(ai->stun_realms[ai->nstun_realms++], 64, "%s", ca->stun.realms[i]);
		for (unsigned i = 0; i < ca->nports; i++)
			if (cfg_parse_portrange(ca->ports[i], &ai->ports[ai->nports]) == 0)
				ai->nports++;
		for (unsigned i = 0; i < ca->nprefix_ports; i++)
			if (cfg_parse_portrange(ca->prefix_ports[i],
						&ai->prefix_ports[ai->nprefix_ports]) == 0)
				ai->nprefix_ports++;
		for (unsigned i = 0; i < ca->nservice_ports; i++)
			if (cfg_parse_portrange(ca->service_ports[i],
						&ai->service_ports[ai->nservice_ports]) == 0)
				ai->nservice_ports++;
		for (unsigned i = 0; i < ca->nprefixes; i++) {
			struct cfg_prefix p;
			if (cfg_parse_prefix(ca->prefixes[i], &p) == 0)
				*(p.family == 4 ? &n4 : &n6) += 1;
		}
	}
	static const struct {
		unsigned m;
		const char *app;
	} proto_apps[] = {
		{ DP_M_SSH, "ssh" },
		{ DP_M_RDP, "rdp" },
		{ DP_M_BITTORRENT, "bittorrent" },
		{ DP_M_OPENVPN, "openvpn" },
		{ DP_M_WIREGUARD, "wireguard" },
	};
	for (unsigned i = 0; i < sizeof(proto_apps) / sizeof(proto_apps[0]); i++)
		db->proto_app[proto_apps[i].m] = dp_ident_app_id(db, proto_apps[i].app);
	db->app_http_tunnel = dp_ident_app_id(db, "http_tunnel");

	serial++;
	snprintf(name, sizeof(name), "bw_lpm4_%u", serial);
	struct rte_lpm_config c4 = { .max_rules = n4 + 16, .number_tbl8s = 256 + n4 };
	db->lpm4 = rte_lpm_create(name, SOCKET_ID_ANY, &c4);
	snprintf(name, sizeof(name), "bw_lpm6_%u", serial);
	struct rte_lpm6_config c6 = { .max_rules = n6 + 16, .number_tbl8s = 256 + 16 * n6 };
	db->lpm6 = rte_lpm6_create(name, SOCKET_ID_ANY, &c6);
	if (db->lpm4 == NULL || db->lpm6 == NULL) {
		cfg_diag_add(d, NULL, "cannot create the prefix tables (%u IPv4, %u IPv6 prefixes)",
			     n4, n6);
		dp_ident_db_free(db);
		return -1;
	}
	for (unsigned a = 0; a < cat->napps; a++) {
		const struct cfg_app *ca = &cat->apps[a];
		for (unsigned i = 0; i < ca->nprefixes; i++) {
			struct cfg_prefix p;
			if (cfg_parse_prefix(ca->prefixes[i], &p) != 0)
				continue;
			int rc;
			if (p.family == 4) {
				uint32_t ip = (uint32_t)p.addr[0] << 24 |
					      (uint32_t)p.addr[1] << 16 | (uint32_t)p.addr[2] << 8 |
					      p.addr[3];
				rc = rte_lpm_add(db->lpm4, ip, p.len, a + 1);
			} else {
				rc = rte_lpm6_add(db->lpm6, p.addr, p.len, a + 1);
			}
			if (rc != 0)
				cfg_diag_add(d, &ca->where,
					     "application '%s': cannot add prefix %s", ca->name,
					     ca->prefixes[i]);
		}
	}
	for (unsigned w = 0; w < nworkers && w < DP_ID_MAX_WORKERS; w++) {
		if (db->m.scratch != NULL &&
		    hs_clone_scratch(db->m.scratch, &db->scratch[w]) != 0) {
			cfg_diag_add(d, NULL, "cannot allocate Hyperscan scratch for worker %u", w);
			dp_ident_db_free(db);
			return -1;
		}
	}
	db->udp_datagrams = 8;
	db->tcp_depth = 16384;
	db->tcp_packets = 64;
	db->keep_packets = 16;
	db->attr_ttl_min_us = 60ull * 1000000;
	db->attr_ttl_max_us = 3600ull * 1000000;
	db->learn = true;
	if (d->n > 0 && db->lpm4 != NULL) {
		/* prefix errors are reported but do not stop the rest */
	}
	*out = db;
	return 0;
}

void
dp_ident_db_free(struct dp_ident_db *db)
{
	if (db == NULL)
		return;
	for (unsigned w = 0; w < DP_ID_MAX_WORKERS; w++)
		hs_free_scratch(db->scratch[w]);
	dp_matcher_free(&db->m);
	rte_lpm_free(db->lpm4);
	rte_lpm6_free(db->lpm6);
	free(db);
}

/* ---- head buffer pool ---- */

#define HEAD_BLOCK (2 * DP_HEAD_DIR)
_Static_assert(sizeof(struct dp_quic_crypto) <= HEAD_BLOCK, "QUIC state fits a head block");

struct dp_head_pool {
	uint8_t *mem;
	uint32_t *stack;
	uint32_t count, top;
};

struct dp_head_pool *
dp_head_pool_create(uint32_t count, int socket)
{
	struct dp_head_pool *p = rte_zmalloc_socket("bw_heads", sizeof(*p), 64, socket);
	if (p == NULL)
		return NULL;
	p->mem = rte_malloc_socket("bw_head_mem", (size_t)HEAD_BLOCK * (count + 1), 64, socket);
	p->stack = rte_malloc_socket("bw_head_stack", sizeof(uint32_t) * (count + 1), 64, socket);
	if (p->mem == NULL || p->stack == NULL) {
		dp_head_pool_free(p);
		return NULL;
	}
	p->count = count;
	for (uint32_t i = 0; i < count; i++)
		p->stack[i] = i + 1;
	p->top = count;
	return p;
}

void
dp_head_pool_free(struct dp_head_pool *p)
{
	if (p == NULL)
		return;
	rte_free(p->mem);
	rte_free(p->stack);
	rte_free(p);
}

uint64_t
dp_head_pool_in_use(const struct dp_head_pool *p)
{
	return p ? p->count - __atomic_load_n(&p->top, __ATOMIC_RELAXED) : 0;
}

static uint8_t *
head_mem(struct dp_id_worker *iw, struct dp_ident_state *st)
{
	if (st->head == 0) {
		if (iw->heads == NULL || iw->heads->top == 0) {
			DP_CNT_INC(iw->cnt.head_exhausted);
			return NULL;
		}
		st->head = iw->heads->stack[--iw->heads->top];
		st->head_len[0] = st->head_len[1] = 0;
	}
	return iw->heads->mem + (size_t)HEAD_BLOCK * st->head;
}

static void
head_put(struct dp_id_worker *iw, struct dp_ident_state *st)
{
	if (st->head != 0) {
		iw->heads->stack[iw->heads->top++] = st->head;
		st->head = 0;
	}
}

void
dp_id_release(struct dp_id_worker *iw, struct dp_ident_state *st)
{
	for (int d = 0; d < 2; d++) {
		dp_match_stream_close(st->hs[d]);
		st->hs[d] = NULL;
	}
	head_put(iw, st);
}

/* ---- decisions ---- */

static bool
port_in(const struct cfg_portrange *r, unsigned n, uint8_t proto, uint16_t port)
{
	for (unsigned i = 0; i < n; i++)
		if ((r[i].proto == 0 || r[i].proto == proto) && port >= r[i].lo && port <= r[i].hi)
			return true;
	return false;
}

static void
set_name(struct dp_flow_info *info, unsigned field, const char *name)
{
	if (info->name[0] == '\0' && name[0] != '\0') {
		snprintf(info->name, sizeof(info->name), "%.95s", name);
		info->name_field = (uint8_t)field;
	}
}

static void
learn(struct dp_id_worker *iw, const struct dp_id_pkt *ip, int family, const uint8_t *server,
      uint16_t port, unsigned app, unsigned source, uint64_t ttl_us)
{
	const struct dp_ident_db *db = iw->db;
	struct dp_attrib_entry e;
	unsigned alen = family == 4 ? 4 : 16;

	if (!db->learn || iw->attrib == NULL || app == 0 || family != ip->family)
		return;
	if (ttl_us < db->attr_ttl_min_us)
		ttl_us = db->attr_ttl_min_us;
	if (ttl_us > db->attr_ttl_max_us)
		ttl_us = db->attr_ttl_max_us;
	memset(&e, 0, sizeof(e));
	memcpy(e.client, ip->client, alen);
	memcpy(e.server, server, alen);
	e.port = port;
	e.family = (uint8_t)family;
	e.source = (uint8_t)source;
	e.kind = DP_ATTR_SERVER;
	e.app = (uint16_t)app;
	e.expires_us = ip->now_us + ttl_us;
	dp_attrib_learn(iw->attrib, &e);
}

/*
 * A UDP flow identified by its own payload (STUN, a datagram signature): its client's local
 * socket is the application's too, so the peer-to-peer legs of the same call (other flows
 * from or to that address and port) inherit it. Not for well-known service ports, whose
 * sockets are shared by whatever the host runs.
 */
static void
learn_local(struct dp_id_worker *iw, const struct dp_id_pkt *ip)
{
	const struct dp_ident_db *db = iw->db;
	struct dp_attrib_entry e;
	uint16_t port = ip->cport;

	if (!db->learn || iw->attrib == NULL || ip->proto != 17 || ip->f->app == 0 || port < 1024 ||
	    (port >= 3478 && port <= 3481) || port == 5353 || port == 5060)
		return;
	memset(&e, 0, sizeof(e));
	memcpy(e.client, ip->client, ip->family == 4 ? 4 : 16);
	e.port = port;
	e.family = (uint8_t)ip->family;
	e.source = DP_ATTR_SOCKET;
	e.kind = DP_ATTR_LOCAL;
	e.app = ip->f->app;
	uint64_t ttl = 300ull * 1000000;
	if (ttl < db->attr_ttl_min_us)
		ttl = db->attr_ttl_min_us;
	if (ttl > db->attr_ttl_max_us)
		ttl = db->attr_ttl_max_us;
	e.expires_us = ip->now_us + ttl;
	dp_attrib_learn(iw->attrib, &e);
}

/*
 * Fix the flow's verdict. A decision by address (prefix, attribution) on a flow still
 * being inspected is provisional: inspection goes on until the master protocol is known,
 * and payload evidence (conf dpi) for an application replaces it; an "unknown" payload
 * verdict only completes it (the master protocol).
 */
static void
decide(struct dp_id_worker *iw, struct dp_id_pkt *ip, unsigned app, unsigned master, unsigned conf,
       unsigned field, unsigned rule, const char *value)
{
	struct dp_flow *f = ip->f;
	struct dp_flow_info *info = &iw->info[ip->pos];

	if (f->id_flags & DP_ID_DECIDED) {
		if (!(f->id_flags & DP_ID_PROVISIONAL))
			return;
		if (master != DP_M_UNKNOWN)
			f->master = (uint8_t)master;
		if (app == 0 || conf != DP_CONF_DPI) {
			if (app == 0)
				f->id_flags &= (uint8_t)~DP_ID_PROVISIONAL;
			return;
		}
		/* payload evidence replaces the address's */
		DP_CNT_ADD(iw->cnt.decided[f->conf], -1);
		DP_CNT_ADD(iw->cnt.by_field[info->field], -1);
		DP_CNT_ADD(iw->cnt.apps[f->app], -1);
		f->id_flags &= (uint8_t)~DP_ID_PROVISIONAL;
		if (f->app != app)
			info->decided_after = f->pkts[0] + f->pkts[1];
	} else {
		info->decided_after = f->pkts[0] + f->pkts[1];
		if ((conf == DP_CONF_PREFIX || conf == DP_CONF_ATTRIBUTION) && ip->st != NULL)
			f->id_flags |= DP_ID_PROVISIONAL;
	}
	f->id_flags |= DP_ID_DECIDED;
	f->app = (uint8_t)app;
	if (master != DP_M_UNKNOWN || f->master == DP_M_UNKNOWN)
		f->master = (uint8_t)master;
	f->conf = (uint8_t)conf;
	info->field = (uint8_t)field;
	info->rule = (uint16_t)rule;
	snprintf(info->value, sizeof(info->value), "%s", value ? value : "");
	DP_CNT_INC(iw->cnt.decided[conf]);
	DP_CNT_INC(iw->cnt.by_field[field]);
	DP_CNT_INC(iw->cnt.apps[app]);
}

/* File transfers in clear: where each direction is (see file_scan). */
enum file_scan {
	FS_NEW,     /* the direction has not carried a byte yet */
	FS_ARMED,   /* an HTTP response is expected */
	FS_HEADERS, /* in an HTTP message's headers */
	FS_BODY,    /* gathering the body's first bytes */
	FS_DONE,
};

#define FILE_HEADERS_MAX 8192

static bool
file_active(const struct dp_ident_state *st, unsigned d)
{
	return st->fscan[d] == FS_ARMED || st->fscan[d] == FS_HEADERS || st->fscan[d] == FS_BODY;
}

/* Is the flow's verdict final (nothing more to read for identification)? */
static inline bool
final(const struct dp_flow *f)
{
	return (f->id_flags & (DP_ID_DECIDED | DP_ID_PROVISIONAL)) == DP_ID_DECIDED;
}

/* Settle a flow that was never decided: unknown application, its best master protocol. */
void
dp_id_settle(struct dp_id_worker *iw, struct dp_flow *f, uint32_t pos, struct dp_ident_state *st)
{
	if (st != NULL && st->master != DP_M_UNKNOWN && f->master == DP_M_UNKNOWN)
		f->master = st->master;
	f->id_flags &= (uint8_t)~DP_ID_PROVISIONAL;
	if (f->id_flags & DP_ID_DECIDED)
		return;
	f->id_flags |= DP_ID_DECIDED;
	f->app = 0;
	f->conf = DP_CONF_NONE;
	iw->info[pos].decided_after = f->pkts[0] + f->pkts[1];
	DP_CNT_INC(iw->cnt.decided[DP_CONF_NONE]);
	DP_CNT_INC(iw->cnt.apps[0]);
}

void
dp_id_port_fallback(struct dp_id_worker *iw, struct dp_flow *f, uint32_t pos, uint8_t proto,
		    uint16_t server_port)
{
	const struct dp_ident_db *db = iw->db;

	if (db == NULL || f->app != 0 || (f->id_flags & DP_ID_PAYLOAD))
		return;
	for (unsigned a = 1; a <= db->napps; a++) {
		const struct dp_app_info *ai = &db->app[a];
		if (!port_in(ai->service_ports, ai->nservice_ports, proto, server_port))
			continue;
		struct dp_flow_info *info = &iw->info[pos];
		DP_CNT_ADD(iw->cnt.decided[f->conf], -1);
		DP_CNT_ADD(iw->cnt.apps[0], -1);
		f->app = (uint8_t)a;
		f->conf = DP_CONF_PORT;
		f->id_flags |= DP_ID_DECIDED;
		info->field = DP_F_PORT;
		info->rule = 0;
		snprintf(info->value, sizeof(info->value), "%s:%u", proto == 6 ? "tcp" : "udp",
			 server_port);
		DP_CNT_INC(iw->cnt.decided[DP_CONF_PORT]);
		DP_CNT_INC(iw->cnt.by_field[DP_F_PORT]);
		DP_CNT_INC(iw->cnt.apps[a]);
		return;
	}
}

/* Match a name against the host patterns; decide on a hit. Returns true if decided. */
static bool
by_name(struct dp_id_worker *iw, struct dp_id_pkt *ip, const char *name, unsigned field,
	unsigned master)
{
	const struct dp_ident_db *db = iw->db;
	size_t n = strlen(name);

	set_name(&iw->info[ip->pos], field, name);
	if (n == 0)
		return false;
	int id = dp_match_host(&db->m, iw->scratch, name, (uint32_t)n);
	if (id < 0)
		return false;
	const struct dp_pattern *p = &db->m.pat[DP_DB_HOST][id];
	decide(iw, ip, p->app, master, DP_CONF_DPI, field, p->rule, name);
	return true;
}

static void
by_signature(struct dp_id_worker *iw, struct dp_id_pkt *ip, enum dp_db db_id, int id)
{
	const struct dp_pattern *p = &iw->db->m.pat[db_id][id];

	decide(iw, ip, p->app, ip->st ? ip->st->master : DP_M_UNKNOWN, DP_CONF_DPI, DP_F_PAYLOAD,
	       p->rule, "signature");
}

/*
 * A weak signature matched: it decides with a second weak match of the same application
 * (another datagram, the other direction) or when the flow uses one of the application's
 * port hints. Returns true if decided.
 */
static bool
weak_signature(struct dp_id_worker *iw, struct dp_id_pkt *ip, enum dp_db db_id, int id)
{
	const struct dp_pattern *p = &iw->db->m.pat[db_id][id];
	const struct dp_app_info *ai = &iw->db->app[p->app];
	struct dp_ident_state *st = ip->st;

	if (port_in(ai->ports, ai->nports, ip->proto, ip->sport) ||
	    (st != NULL && st->weak_app == p->app && st->weak_hits > 0)) {
		decide(iw, ip, p->app, st ? st->master : DP_M_UNKNOWN, DP_CONF_DPI, DP_F_PAYLOAD,
		       p->rule, "signature");
		return true;
	}
	if (st != NULL) {
		st->weak_app = p->app;
		st->weak_hits++;
	}
	return false;
}

/* The application a protocol is (ssh, rdp, ...), decided with its evidence. */
static void
by_protocol(struct dp_id_worker *iw, struct dp_id_pkt *ip, unsigned master, unsigned field,
	    const char *value)
{
	if (ip->st)
		ip->st->master = (uint8_t)master;
	decide(iw, ip, iw->db->proto_app[master], master, DP_CONF_DPI, field, 0, value);
}

static void
addr_text(const struct dp_id_pkt *ip, char *buf, size_t cap)
{
	inet_ntop(ip->family == 4 ? AF_INET : AF_INET6, ip->server, buf, (socklen_t)cap);
}

void
dp_id_start(struct dp_id_worker *iw, struct dp_id_pkt *ip)
{
	const struct dp_ident_db *db = iw->db;
	uint32_t hop = 0;
	char addr[INET6_ADDRSTRLEN];

	if (db == NULL)
		return;
	if (iw->attrib != NULL) {
		const struct dp_attrib_entry *e = dp_attrib_lookup(
			iw->attrib, ip->family, ip->client, ip->server, ip->sport, ip->now_us);
		if (e == NULL && ip->proto == 17) {
			e = dp_attrib_lookup_local(iw->attrib, ip->family, ip->client, ip->cport,
						   ip->now_us);
			if (e == NULL)
				e = dp_attrib_lookup_local(iw->attrib, ip->family, ip->server,
							   ip->sport, ip->now_us);
		}
		if (e != NULL) {
			static const char *const src[] = { "",     "dns",  "tls",
							   "stun", "http", "socket" };
			decide(iw, ip, e->app, DP_M_UNKNOWN, DP_CONF_ATTRIBUTION, DP_F_ATTRIBUTION,
			       0, src[e->source < 6 ? e->source : 0]);
			return;
		}
	}
	int hit;
	if (ip->family == 4) {
		uint32_t a = (uint32_t)ip->server[0] << 24 | (uint32_t)ip->server[1] << 16 |
			     (uint32_t)ip->server[2] << 8 | ip->server[3];
		hit = rte_lpm_lookup(db->lpm4, a, &hop);
	} else {
		hit = rte_lpm6_lookup(db->lpm6, ip->server, &hop);
	}
	if (hit != 0 || hop == 0 || hop > db->napps)
		return;
	const struct dp_app_info *ai = &db->app[hop];
	if (ai->nprefix_ports == 0 ||
	    port_in(ai->prefix_ports, ai->nprefix_ports, ip->proto, ip->sport)) {
		addr_text(ip, addr, sizeof(addr));
		decide(iw, ip, hop, DP_M_UNKNOWN, DP_CONF_PREFIX, DP_F_PREFIX, 0, addr);
	} else if (ip->st != NULL) {
		ip->st->prefix_app = (uint16_t)hop; /* for a TLS session that names no server */
	}
}

bool
dp_id_done(const struct dp_id_worker *iw, const struct dp_id_pkt *ip)
{
	const struct dp_flow *f = ip->f;
	const struct dp_ident_state *st = ip->st;

	if (st != NULL && st->master == DP_M_DNS && ip->proto == 17) {
		/* a stub's socket: done once every question has its answer; between resolvers
		 * (both ends on 53), every question is read */
		if (ip->sport == 53 && ip->cport != 53)
			return st->dgrams[1] > 0 && st->dgrams[1] >= st->dgrams[0];
		if (ip->sport != 53)
			return st->dgrams[0] + st->dgrams[1] >= iw->db->udp_datagrams;
		return false;
	}
	if (st != NULL && ip->proto == 6 && (file_active(st, 0) || file_active(st, 1)) &&
	    !(f->pol & DP_POL_FINAL))
		return false; /* a body's start is still to be looked at */
	if (!(f->id_flags & DP_ID_DECIDED)) {
		/* UDP past its datagram budget in both directions (or one direction three times
		 * over, for one-way streams), TCP past the identification depth: nothing more
		 * will be read */
		uint32_t lim = iw->db->udp_datagrams;
		if (st == NULL)
			return false;
		if (ip->proto == 17)
			return (st->dgrams[0] > lim && st->dgrams[1] > lim) ||
			       st->dgrams[0] + st->dgrams[1] > 3 * lim;
		/* TCP: a direction read to the identification depth, or the flow's packets to
		 * the packet limit (a stream that stops advancing, or advances in crumbs, is not
		 * read forever), and no parser of either direction still gathering a message (so
		 * a hello cut in more pieces than the limit is still read whole) */
		uint32_t plim = iw->db->tcp_packets;
		return ip->proto == 6 &&
		       (st->tcp_bytes[0] >= iw->db->tcp_depth ||
			st->tcp_bytes[1] >= iw->db->tcp_depth ||
			(plim != 0 && f->pkts[0] + f->pkts[1] >= plim)) &&
		       st->pstate[0] != 1 && st->pstate[1] != 1;
	}
	if (st == NULL)
		return true;
	if (f->id_flags & DP_ID_PROVISIONAL) {
		/* read until the master protocol is known, within the usual limits */
		if (st->master != DP_M_UNKNOWN)
			return true;
		if (ip->proto == 17)
			return st->dgrams[0] + st->dgrams[1] >= 2 * iw->db->udp_datagrams;
		return st->pstate[0] == 2 && st->pstate[1] == 2;
	}
	if (!(f->id_flags & DP_ID_KEEP))
		return true;
	return st->kept >= 16;
}

static bool stun_rules(struct dp_id_worker *iw, struct dp_id_pkt *ip, const struct dp_stun *s);

/* ---- TLS hellos (TCP and QUIC) ---- */

static bool
ip_literal(const char *s)
{
	uint8_t buf[16];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* A prefix that could not decide alone decides a session that names no server. */
static void
prefix_decides(struct dp_id_worker *iw, struct dp_id_pkt *ip, unsigned master)
{
	char addr[INET6_ADDRSTRLEN];
	addr_text(ip, addr, sizeof(addr));
	decide(iw, ip, ip->st->prefix_app, master, DP_CONF_PREFIX, DP_F_PREFIX, 0, addr);
}

/*
 * A ClientHello: the "tls" signatures on its summary line, then its server name against
 * the host patterns. Without a server name (or with an address for one) the server's
 * certificate names are read instead, and a published prefix that could not decide alone
 * decides. Returns true if decided.
 */
static bool
client_hello(struct dp_id_worker *iw, struct dp_id_pkt *ip, const struct dp_tls_hello *h,
	     unsigned field, unsigned master)
{
	const struct dp_ident_db *db = iw->db;
	struct dp_ident_state *st = ip->st;
	char line[DP_NAME_MAX + 48];
	int weak;

	int n = snprintf(line, sizeof(line), "sni=%s;alpn=%s;", h->sni, h->alpn);
	int id = dp_match_block(&db->m, DP_DB_TLS_HELLO, iw->scratch, (const uint8_t *)line,
				(uint32_t)n, ip->sport, &weak);
	if (id >= 0 || (weak >= 0 && weak_signature(iw, ip, DP_DB_TLS_HELLO, weak))) {
		if (id >= 0) {
			const struct dp_pattern *p = &db->m.pat[DP_DB_TLS_HELLO][id];
			decide(iw, ip, p->app, master, DP_CONF_DPI, DP_F_HELLO, p->rule, line);
		}
		set_name(&iw->info[ip->pos], field, h->sni);
		return true;
	}
	if (h->sni[0] != '\0' && !ip_literal(h->sni)) {
		if (by_name(iw, ip, h->sni, field, master)) {
			learn(iw, ip, ip->family, ip->server, ip->sport, ip->f->app, DP_ATTR_TLS,
			      db->attr_ttl_max_us);
			return true;
		}
		/* the server's certificate would name more than this server (shared hosting,
		 * CDNs, telemetry on a vendor's certificate): the client's name is the answer */
		return false;
	}
	set_name(&iw->info[ip->pos], field, h->sni);
	if (master == DP_M_QUIC && st != NULL && st->prefix_app != 0) {
		prefix_decides(iw, ip, master);
		return true;
	}
	if (st != NULL)
		st->await_cert = 1; /* and a prefix decides once the server answers */
	return false;
}

/* ---- TCP ---- */

enum parser {
	P_NONE,
	P_TLS,
	P_TLS_SERVER,
	P_HTTP,
	P_SSH,
	P_BT,
	P_RDP,
	P_OVPN,
	P_DNS,
	P_STUN,
	P_OTHER
};

static bool
web_port(uint16_t p)
{
	return p == 80 || p == 443 || p == 8080 || p == 8443;
}

/* OpenVPN over TCP: the first packet (after its 2-byte length) is a hard reset. */
static bool
openvpn_tcp_start(const uint8_t *d, uint32_t n)
{
	struct dp_openvpn o;
	if (n < 3)
		return false;
	uint32_t l = dp_rd16(d);
	return l >= 14 && l <= 1600 && dp_openvpn_msg(d + 2, n - 2 < l ? n - 2 : l, &o) &&
	       o.key == 0 && dp_openvpn_reset(o.op) && (n - 2 >= l || n - 2 >= 9);
}

/* The master protocol a parser's choice implies (TLS, HTTP, ...; none for "other"). */
static uint8_t
parser_master(unsigned p)
{
	switch (p) {
	case P_TLS:
	case P_TLS_SERVER: return DP_M_TLS;
	case P_HTTP: return DP_M_HTTP;
	case P_SSH: return DP_M_SSH;
	case P_BT: return DP_M_BITTORRENT;
	case P_RDP: return DP_M_RDP;
	case P_OVPN: return DP_M_OPENVPN;
	case P_DNS: return DP_M_DNS;
	case P_STUN: return DP_M_STUN;
	default: return DP_M_UNKNOWN;
	}
}

static enum parser
choose_tcp(const struct dp_id_pkt *ip, const uint8_t *d, uint32_t n)
{
	struct dp_stun s;

	if (ip->dir == 0) {
		if (dp_tls_looks_like(d, n))
			return P_TLS;
		if (dp_http_looks_like_request(d, n))
			return P_HTTP;
	} else if (dp_tls_looks_like(d, n)) {
		return P_TLS_SERVER;
	}
	if (n >= 4 && memcmp(d, "SSH-", 4) == 0)
		return P_SSH;
	if (d[0] == 0x13)
		return P_BT;
	if (ip->dir == 0 && n >= 2 && d[0] == 3 && d[1] == 0)
		return P_RDP;
	if (ip->dir == 0 && ip->sport == 53 && n >= 14)
		return P_DNS;
	if (openvpn_tcp_start(d, n))
		return P_OVPN;
	if (n >= 10 && dp_stun_tcp(d, n, &s) != DP_PARSE_NO)
		return P_STUN;
	return P_OTHER;
}

/* OpenVPN over TCP: a hard reset, then a control or ack packet of the same sender with the
 * same session id. 1 decided / not OpenVPN, 0 wants more. */
static int
openvpn_tcp(struct dp_id_worker *iw, struct dp_id_pkt *ip, const uint8_t *b, uint32_t n)
{
	struct dp_openvpn first = { 0 }, o;
	uint32_t off = 0;
	bool have = false;

	while (off + 2 <= n) {
		uint32_t l = dp_rd16(b + off);
		if (l < 14 || l > 1600)
			return 1;
		if (off + 2 + l > n)
			return 0;
		if (!dp_openvpn_msg(b + off + 2, l, &o) || o.key != 0)
			return 1;
		if (!have) {
			if (!dp_openvpn_reset(o.op))
				return 1;
			first = o;
			have = true;
		} else if ((o.op == DP_OVPN_CONTROL || o.op == DP_OVPN_ACK ||
			    o.op == DP_OVPN_CONTROL_WKC) &&
			   o.sid == first.sid) {
			by_protocol(iw, ip, DP_M_OPENVPN, DP_F_HANDSHAKE, "reset+control");
			return 1;
		} else if (!dp_openvpn_reset(o.op) || o.sid != first.sid) {
			return 1;
		}
		off += 2 + l;
	}
	return 0;
}

/* Run a direction's parser over buf. Returns 1 done, 0 wants more. */
static int
run_tcp_parser(struct dp_id_worker *iw, struct dp_id_pkt *ip, enum parser p, const uint8_t *b,
	       uint32_t n)
{
	struct dp_ident_state *st = ip->st;
	const struct dp_ident_db *db = iw->db;

	switch (p) {
	case P_TLS: {
		struct dp_tls_hello h;
		enum dp_parse r = dp_tls_client_hello(b, n, &h);
		if (r == DP_PARSE_MORE)
			return 0;
		if (r == DP_PARSE_NO)
			return 1;
		DP_CNT_INC(iw->cnt.tls_hellos);
		st->master = DP_M_TLS;
		if (!client_hello(iw, ip, &h, DP_F_SNI, DP_M_TLS) && !st->await_cert)
			decide(iw, ip, 0, DP_M_TLS, DP_CONF_NONE, DP_F_NONE, 0, "");
		return 1;
	}
	case P_TLS_SERVER: {
		struct dp_tls_server s;
		enum dp_parse r = dp_tls_server_hello(b, n, &s);
		if (r == DP_PARSE_MORE)
			return 0;
		st->master = DP_M_TLS;
		if (r == DP_PARSE_OK) {
			DP_CNT_INC(iw->cnt.tls_certs);
			for (unsigned i = 0; i < s.nnames; i++)
				if (by_name(iw, ip, s.names[i], DP_F_CERT, DP_M_TLS))
					return 1;
		}
		/* the names are all we can read of TLS: nothing more will come in clear. A
		 * server that answers a session naming no server, at a prefix whose ports did not
		 * decide alone, is the prefix's application. */
		if (st->await_cert && st->prefix_app != 0)
			prefix_decides(iw, ip, DP_M_TLS);
		st->await_cert = 0;
		decide(iw, ip, 0, DP_M_TLS, DP_CONF_NONE, DP_F_NONE, 0, "");
		return 1;
	}
	case P_HTTP: {
		struct dp_http_req h;
		enum dp_parse r = dp_http_request(b, n, &h);
		if (r == DP_PARSE_MORE)
			return 0;
		if (r == DP_PARSE_NO)
			return 1;
		DP_CNT_INC(iw->cnt.http_requests);
		st->master = DP_M_HTTP;
		if (h.connect) {
			if (h.port != 0 && !web_port(h.port))
				ip->f->id_flags |= DP_ID_CONNECT_NON_WEB;
			set_name(&iw->info[ip->pos], DP_F_CONNECT, h.host);
			if (db->app_http_tunnel != 0) {
				decide(iw, ip, db->app_http_tunnel, DP_M_HTTP, DP_CONF_DPI,
				       DP_F_CONNECT, 0, h.target);
				return 1;
			}
		}
		if ((h.absolute || h.proxy_headers) && db->app_http_tunnel != 0) {
			set_name(&iw->info[ip->pos], DP_F_HOST, h.host);
			decide(iw, ip, db->app_http_tunnel, DP_M_HTTP, DP_CONF_DPI, DP_F_PROXY, 0,
			       h.absolute ? "absolute-uri" : "proxy-header");
			return 1;
		}
		if (by_name(iw, ip, h.host, DP_F_HOST, DP_M_HTTP)) {
			learn(iw, ip, ip->family, ip->server, ip->sport, ip->f->app, DP_ATTR_HTTP,
			      db->attr_ttl_min_us);
			return 1;
		}
		return 1;
	}
	case P_SSH: {
		char sw[64];
		enum dp_parse r = dp_ssh_banner(b, n, sw, sizeof(sw));
		if (r == DP_PARSE_MORE)
			return 0;
		if (r == DP_PARSE_OK)
			by_protocol(iw, ip, DP_M_SSH, DP_F_BANNER, sw);
		return 1;
	}
	case P_BT: {
		enum dp_parse r = dp_bt_handshake(b, n);
		if (r == DP_PARSE_MORE)
			return 0;
		if (r == DP_PARSE_OK)
			by_protocol(iw, ip, DP_M_BITTORRENT, DP_F_HANDSHAKE, "BitTorrent protocol");
		return 1;
	}
	case P_RDP: {
		char cookie[64];
		enum dp_parse r = dp_rdp_request(b, n, cookie, sizeof(cookie));
		if (r == DP_PARSE_MORE)
			return 0;
		if (r == DP_PARSE_OK)
			by_protocol(iw, ip, DP_M_RDP, DP_F_HANDSHAKE,
				    cookie[0] ? cookie : "x224-connection-request");
		return 1;
	}
	case P_OVPN: return openvpn_tcp(iw, ip, b, n);
	case P_STUN: {
		struct dp_stun s;
		enum dp_parse r = dp_stun_tcp(b, n, &s);
		if (r == DP_PARSE_MORE)
			return 0;
		if (r == DP_PARSE_OK) {
			DP_CNT_INC(iw->cnt.stun_messages);
			st->master = DP_M_STUN;
			stun_rules(iw, ip, &s);
		}
		return 1;
	}
	case P_DNS: {
		if (n < 2)
			return 0;
		uint32_t ml = (uint32_t)b[0] << 8 | b[1];
		if (n < 2 + ml && ml < DP_HEAD_DIR - 2)
			return 0;
		struct dp_dns m;
		if (dp_dns_parse(b + 2, n - 2 < ml ? n - 2 : ml, &m) == DP_PARSE_OK) {
			st->master = DP_M_DNS;
			by_name(iw, ip, m.qname, DP_F_DNS, DP_M_DNS);
		}
		return 1;
	}
	default: return 1;
	}
}

/*
 * ---- file transfers in clear (behaviour "file_transfer") ----
 *
 * The first bytes of an HTTP body (a response, or the body of a POST or PUT) and of a TCP
 * direction that carries no known protocol (an FTP data connection) are compared with file
 * signatures (filemagic.h). This reads past the flow's identification: an HTTP flow decided
 * by its Host keeps its inspection context until the response's body has started, and no
 * longer than FILE_HEADERS_MAX bytes of headers. Only the first message of each direction
 * is looked at.
 */
static void
file_found(struct dp_id_worker *iw, struct dp_id_pkt *ip, enum dp_file_kind k)
{
	ip->f->id_flags |= DP_ID_FILE;
	DP_CNT_INC(iw->cnt.files[k]);
}

/* Decide on the body's first bytes once there are enough. A chunked body starts with its
 * first chunk's size line ("1f40\r\n"): the signature follows it. */
static void
file_body(struct dp_id_worker *iw, struct dp_id_pkt *ip, struct dp_ident_state *st, unsigned d,
	  bool strong)
{
	const uint8_t *b = st->fbuf[d];
	uint32_t n = st->flen[d], off = 0;

	if (!strong && n > 0 && isxdigit(b[0])) {
		uint32_t i = 0;
		while (i < n && isxdigit(b[i]))
			i++;
		while (i < n && b[i] != '\r' && b[i] != '\n' && i < sizeof(st->fbuf[d]))
			i++; /* chunk extensions */
		if (i + 1 < n && b[i] == '\r' && b[i + 1] == '\n')
			off = i + 2;
		else if (n < sizeof(st->fbuf[d]))
			return; /* the size line may not be complete yet */
	}
	enum dp_file_kind k = dp_file_magic(b + off, n - off, strong);
	if (k != DP_FILE_NONE)
		file_found(iw, ip, k);
	else if (n < sizeof(st->fbuf[d]) && dp_file_magic_more(b + off, n - off, strong))
		return;
	st->fscan[d] = FS_DONE;
}

static void
file_scan(struct dp_id_worker *iw, struct dp_id_pkt *ip, struct dp_ident_state *st,
	  const uint8_t *data, uint32_t len)
{
	static const char blank[4] = { '\r', '\n', '\r', '\n' };
	unsigned d = ip->dir;
	uint32_t i = 0;

	if (st->fscan[d] == FS_NEW || st->fscan[d] == FS_ARMED) {
		bool response =
			st->fscan[d] == FS_ARMED && len >= 5 && memcmp(data, "HTTP/", 5) == 0;
		if (d == 0 && dp_http_looks_like_request(data, len)) {
			/* a request: its body, if it is an upload; the answer's in any case */
			bool upload = (len >= 5 && memcmp(data, "POST ", 5) == 0) ||
				      (len >= 4 && memcmp(data, "PUT ", 4) == 0);
			st->fscan[0] = upload ? FS_HEADERS : FS_DONE;
			if (st->fscan[1] == FS_NEW)
				st->fscan[1] = FS_ARMED;
		} else if (response) {
			st->fscan[d] = FS_HEADERS;
		} else {
			/* no known protocol around it: a file starts at the first byte */
			st->fscan[d] = FS_BODY;
			uint32_t take = RTE_MIN(len, (uint32_t)sizeof(st->fbuf[d]));
			memcpy(st->fbuf[d], data, take);
			st->flen[d] = (uint8_t)take;
			if (st->fscan[d ^ 1] == FS_ARMED)
				st->fscan[d ^ 1] = FS_DONE;
			file_body(iw, ip, st, d, true);
			if (st->fscan[d] == FS_BODY)
				st->fscan[d] = FS_DONE; /* the start of a stream: decided now */
			return;
		}
	}
	if (st->fscan[d] == FS_HEADERS) {
		uint8_t m = st->fcrlf[d];
		for (; i < len && m < 4; i++)
			m = data[i] == blank[m] ? (uint8_t)(m + 1) : data[i] == '\r' ? 1 : 0;
		st->fcrlf[d] = m;
		if (m < 4) {
			st->fseen[d] = (uint16_t)RTE_MIN((uint32_t)st->fseen[d] + len, 0xffffu);
			if (st->fseen[d] > FILE_HEADERS_MAX)
				st->fscan[d] = FS_DONE;
			return;
		}
		st->fscan[d] = FS_BODY;
		st->flen[d] = 0;
	}
	if (st->fscan[d] == FS_BODY && i < len) {
		uint32_t take = RTE_MIN(len - i, (uint32_t)(sizeof(st->fbuf[d]) - st->flen[d]));
		memcpy(st->fbuf[d] + st->flen[d], data + i, take);
		st->flen[d] = (uint8_t)(st->flen[d] + take);
		file_body(iw, ip, st, d, false);
	}
}

void
dp_id_stream(struct dp_id_worker *iw, struct dp_id_pkt *ip, const uint8_t *data, uint32_t len)
{
	const struct dp_ident_db *db = iw->db;
	struct dp_ident_state *st = ip->st;
	unsigned d = ip->dir;

	if (db == NULL || st == NULL)
		return;
	if (data != NULL && len > 0 && st->fscan[d] != FS_DONE)
		file_scan(iw, ip, st, data, len);
	else if (data == NULL)
		st->fscan[d] = FS_DONE; /* a gap: the body start cannot be found */
	if (final(ip->f))
		return;
	if (data == NULL) {
		/* a gap: parsers and signature streams cannot follow it */
		st->pstate[d] = 2;
		dp_match_stream_close(st->hs[d]);
		st->hs[d] = NULL;
		st->tcp_bytes[d] = UINT32_MAX;
		return;
	}
	if (st->tcp_bytes[d] >= db->tcp_depth)
		return;
	st->tcp_bytes[d] =
		st->tcp_bytes[d] + len < st->tcp_bytes[d] ? UINT32_MAX : st->tcp_bytes[d] + len;
	/* the parser for this direction, chosen on its first bytes (the master protocol a
	 * signature decision reports, if no parser confirmed one before) */
	if (st->pstate[d] == 0 && len > 0) {
		st->parser[d] = (uint8_t)choose_tcp(ip, data, len);
		st->pstate[d] = 1;
		if (d == 0) {
			enum parser p = st->parser[0];
			if (ip->sport == 80 && p != P_HTTP)
				ip->f->id_flags |= DP_ID_NON_HTTP_80;
			if (ip->sport == 443 && p != P_TLS)
				ip->f->id_flags |= DP_ID_NON_TLS_443;
		}
	}
	/* signatures: they read every delivered byte, whatever a parser concludes */
	enum dp_db sdb = d == 0 ? DP_DB_TCP_TOSERVER : DP_DB_TCP_TOCLIENT;
	if (db->m.db[sdb] != NULL) {
		if (st->hs[d] == NULL)
			st->hs[d] = dp_match_stream_open(&db->m, sdb);
		if (st->hs[d] == NULL) {
			DP_CNT_INC(iw->cnt.stream_exhausted);
		} else {
			int weak;
			int id = dp_match_stream_scan(&db->m, sdb, st->hs[d], iw->scratch, data,
						      len, ip->sport, &weak);
			if (id >= 0) {
				if (st->master == DP_M_UNKNOWN && st->pstate[d] == 1)
					st->master = parser_master(st->parser[d]);
				by_signature(iw, ip, sdb, id);
				return;
			}
			if (weak >= 0 && weak_signature(iw, ip, sdb, weak))
				return;
		}
	}
	if (st->pstate[d] != 1)
		return;
	enum parser p = st->parser[d];
	int done;
	if (p == P_OTHER) {
		done = 1;
	} else if (p == P_TLS_SERVER && !st->await_cert && st->pstate[0] != 2) {
		/* the server answers before the client's hello is complete: keep its bytes */
		done = 0;
		goto keep;
	} else if (st->head_len[d] == 0) {
		done = run_tcp_parser(iw, ip, p, data, len);
	keep:
		if (!done) {
			uint8_t *h = head_mem(iw, st);
			if (h == NULL) {
				done = 1;
			} else {
				uint32_t k = len < DP_HEAD_DIR ? len : DP_HEAD_DIR;
				memcpy(h + d * DP_HEAD_DIR, data, k);
				st->head_len[d] = (uint16_t)k;
			}
		}
	} else {
		uint8_t *h = head_mem(iw, st) + d * DP_HEAD_DIR;
		uint32_t room = DP_HEAD_DIR - st->head_len[d];
		uint32_t k = len < room ? len : room;
		memcpy(h + st->head_len[d], data, k);
		st->head_len[d] = (uint16_t)(st->head_len[d] + k);
		if (p == P_TLS_SERVER && !st->await_cert && st->pstate[0] != 2)
			done = 0;
		else
			done = run_tcp_parser(iw, ip, p, h, st->head_len[d]);
		if (!done && st->head_len[d] == DP_HEAD_DIR) {
			DP_CNT_INC(iw->cnt.head_exhausted);
			done = 1;
		}
	}
	if (done) {
		st->pstate[d] = 2;
		if (st->head != 0 && (st->pstate[d ^ 1] != 1 || st->head_len[d ^ 1] == 0))
			head_put(iw, st);
		else if (st->head != 0)
			st->head_len[d] = 0;
		/* a server that was waiting for the client's hello */
		if (d == 0 && st->pstate[1] == 1 && st->parser[1] == P_TLS_SERVER &&
		    st->await_cert && st->head_len[1] > 0 && !final(ip->f)) {
			uint8_t *h = head_mem(iw, st);
			struct dp_id_pkt sp = *ip;
			sp.dir = 1;
			if (h != NULL && run_tcp_parser(iw, &sp, P_TLS_SERVER, h + DP_HEAD_DIR,
							st->head_len[1])) {
				st->pstate[1] = 2;
				head_put(iw, st);
			}
		}
	}
}

/* ---- UDP ---- */

static bool
realm_match(const char *realm, const char *domain)
{
	size_t r = strlen(realm), d = strlen(domain);
	if (r < d || strcasecmp(realm + r - d, domain) != 0)
		return false;
	return r == d || realm[r - d - 1] == '.';
}

static bool
stun_rules(struct dp_id_worker *iw, struct dp_id_pkt *ip, const struct dp_stun *s)
{
	const struct dp_ident_db *db = iw->db;
	char v[80];

	for (unsigned a = 1; a <= db->napps; a++) {
		const struct dp_app_info *ai = &db->app[a];
		for (unsigned i = 0; i < ai->nstun_types; i++) {
			if (s->type == ai->stun_types[i]) {
				snprintf(v, sizeof(v), "message type 0x%04x", s->type);
				decide(iw, ip, a, DP_M_STUN, DP_CONF_DPI, DP_F_STUN, i, v);
				return true;
			}
		}
		for (unsigned i = 0; i < ai->nstun_attrs; i++) {
			if (dp_stun_has(s, ai->stun_attrs[i])) {
				snprintf(v, sizeof(v), "attribute 0x%04x", ai->stun_attrs[i]);
				decide(iw, ip, a, DP_M_STUN, DP_CONF_DPI, DP_F_STUN, i, v);
				return true;
			}
		}
		for (unsigned i = 0; i < ai->nstun_realms && s->realm[0]; i++) {
			if (realm_match(s->realm, ai->stun_realms[i])) {
				snprintf(v, sizeof(v), "realm %s", s->realm);
				decide(iw, ip, a, DP_M_STUN, DP_CONF_DPI, DP_F_STUN, i, v);
				return true;
			}
		}
		for (unsigned i = 0; i < ai->nstun_software && s->software[0]; i++) {
			if (strstr(s->software, ai->stun_software[i]) != NULL) {
				decide(iw, ip, a, DP_M_STUN, DP_CONF_DPI, DP_F_STUN, i,
				       s->software);
				return true;
			}
		}
	}
	return false;
}

/* What an identified STUN flow's messages say about where media goes. */
static void
stun_learn(struct dp_id_worker *iw, struct dp_id_pkt *ip, const struct dp_stun *s)
{
	for (unsigned i = 0; i < s->naddrs; i++) {
		const struct dp_stun_addr *a = &s->addrs[i];
		/* XOR-MAPPED-ADDRESS is the client's own public address: not a server */
		if (a->attr == 0x0020 || a->attr == 0x8020 || a->attr == 0x0001)
			continue;
		learn(iw, ip, a->family, a->addr, 0, ip->f->app, DP_ATTR_STUN,
		      iw->db->attr_ttl_max_us);
	}
}

/* The addresses an answer gives for a question of app: the client's next flows to them are
 * app's (for as long as the answer's TTL says, within the configured bounds). */
static void
dns_learn(struct dp_id_worker *iw, struct dp_id_pkt *ip, const struct dp_dns *m, unsigned app)
{
	for (unsigned i = 0; i < m->nanswers; i++) {
		const struct dp_dns_answer *a = &m->answers[i];
		if (a->type == 1 || a->type == 28)
			learn(iw, ip, a->type == 1 ? 4 : 6, a->addr, 0, app, DP_ATTR_DNS,
			      (uint64_t)a->ttl * 1000000);
	}
}

/*
 * A DNS message. Every message of the flow is read, not just the first: a resolver may
 * forward many questions over one socket. The first question that names an application
 * decides the flow; each answer is learned for the application its own question names.
 */
static void
dns_message(struct dp_id_worker *iw, struct dp_id_pkt *ip, const struct dp_dns *m)
{
	const struct dp_ident_db *db = iw->db;
	size_t n = strlen(m->qname);

	DP_CNT_INC(iw->cnt.dns_messages);
	ip->st->master = DP_M_DNS;
	set_name(&iw->info[ip->pos], DP_F_DNS, m->qname);
	int id = n ? dp_match_host(&db->m, iw->scratch, m->qname, (uint32_t)n) : -1;
	if (id < 0)
		return;
	const struct dp_pattern *p = &db->m.pat[DP_DB_HOST][id];
	if (!final(ip->f)) {
		/* the record names the question that decided it */
		struct dp_flow_info *info = &iw->info[ip->pos];
		snprintf(info->name, sizeof(info->name), "%.95s", m->qname);
		info->name_field = DP_F_DNS;
		decide(iw, ip, p->app, DP_M_DNS, DP_CONF_DPI, DP_F_DNS, p->rule, m->qname);
	}
	if (m->response)
		dns_learn(iw, ip, m, p->app);
}

static inline uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void
cand_reset(struct dp_ident_state *st, unsigned kind)
{
	if (st->cand_kind != kind) {
		st->cand_kind = (uint8_t)kind;
		st->cand_n = 0;
		st->cand_a[0] = st->cand_a[1] = 0;
		st->cand_b[0] = st->cand_b[1] = 0;
	}
}

/*
 * Protocols recognised over a few datagrams (see shapes.h for the formats). Each keeps
 * what the last message said in the candidate fields and decides when the next agrees;
 * a datagram a protocol never sends rejects it for the rest of the flow. Returns true if
 * decided.
 */
static bool
udp_shapes(struct dp_id_worker *iw, struct dp_id_pkt *ip, const uint8_t *p, uint32_t n)
{
	struct dp_ident_state *st = ip->st;
	unsigned d = ip->dir;
	uint8_t wt;

	/* WireGuard: a handshake message (fixed size and type), or a run of transport data
	 * with one receiver index and a rising counter; anything else rejects it (Tailscale
	 * interleaves its disco messages with WireGuard on one socket) */
	if (!(st->reject & DP_REJ_WG)) {
		if (!dp_tailscale_disco(p, n) && dp_wireguard(p, n, &wt)) {
			if (wt == 1 || wt == 2) {
				by_protocol(iw, ip, DP_M_WIREGUARD, DP_F_HANDSHAKE,
					    wt == 1 ? "handshake-initiation"
						    : "handshake-response");
				return true;
			}
			if (wt == 4) {
				uint32_t idx = dp_rd32(p + 4);
				uint64_t ctr = le64(p + 8);
				if (st->cand_kind == DP_CAND_WG_DATA && (st->cand_n & (1u << d)) &&
				    st->cand_a[d] == idx && ctr > st->cand_b[d] &&
				    ctr - st->cand_b[d] < 64) {
					by_protocol(iw, ip, DP_M_WIREGUARD, DP_F_HANDSHAKE,
						    "transport-data");
					return true;
				}
				cand_reset(st, DP_CAND_WG_DATA);
				st->cand_a[d] = idx;
				st->cand_b[d] = ctr;
				st->cand_n |= (uint8_t)(1u << d);
			}
		} else {
			st->reject |= DP_REJ_WG;
		}
	}
	/* OpenVPN: a hard reset, then the same sender's control or ack packet with the same
	 * session id */
	struct dp_openvpn o;
	if (!(st->reject & DP_REJ_OPENVPN) && dp_openvpn_msg(p, n, &o) && o.key == 0) {
		if (dp_openvpn_reset(o.op)) {
			if (st->cand_kind != DP_CAND_OPENVPN || !(st->cand_n & (1u << d)) ||
			    st->cand_b[d] != o.sid) {
				cand_reset(st, DP_CAND_OPENVPN);
				st->cand_b[d] = o.sid;
				st->cand_n |= (uint8_t)(1u << d);
			}
		} else if (st->cand_kind == DP_CAND_OPENVPN && (st->cand_n & (1u << d)) &&
			   st->cand_b[d] == o.sid &&
			   (o.op == DP_OVPN_CONTROL || o.op == DP_OVPN_ACK ||
			    o.op == DP_OVPN_CONTROL_WKC)) {
			by_protocol(iw, ip, DP_M_OPENVPN, DP_F_HANDSHAKE, "reset+control");
			return true;
		}
	} else if (st->cand_kind == DP_CAND_OPENVPN && (st->cand_n & (1u << d))) {
		st->reject |= DP_REJ_OPENVPN; /* the sender of a reset spoke something else */
	}
	/* BitTorrent DHT: a KRPC dictionary */
	if (dp_bt_dht(p, n)) {
		by_protocol(iw, ip, DP_M_BITTORRENT, DP_F_HANDSHAKE, "dht");
		return true;
	}
	/* uTP: the next packet of the direction keeps its connection id and advances its
	 * timestamp (10 us to 10 s) and sequence number as the packet types say */
	struct dp_utp u;
	if (!(st->reject & DP_REJ_UTP)) {
		if (dp_bt_utp(p, n, &u)) {
			uint32_t prev_ts = (uint32_t)st->cand_b[d];
			uint16_t prev_seq = (uint16_t)(st->cand_b[d] >> 32);
			uint8_t prev_type = (uint8_t)(st->cand_a[d] >> 16);
			uint32_t dt = u.ts - prev_ts;
			uint16_t pconn = (uint16_t)st->cand_a[d];
			/* BEP 29: the initiator's SYN carries id X, its later packets X + 1 */
			bool same = u.conn == pconn ||
				    (prev_type == 4 && u.conn == (uint16_t)(pconn + 1));
			if (st->cand_kind == DP_CAND_UTP && (st->cand_n & (1u << d)) && same &&
			    dt >= 10 && dt <= 10000000 &&
			    ((u.type == 0 && prev_type == 0 && u.seq == (uint16_t)(prev_seq + 1)) ||
			     (u.type == 2 && prev_type == 2 && u.seq == prev_seq) ||
			     (u.type != prev_type))) {
				by_protocol(iw, ip, DP_M_BITTORRENT, DP_F_HANDSHAKE, "utp");
				return true;
			}
			cand_reset(st, DP_CAND_UTP);
			st->cand_a[d] = (uint32_t)u.type << 16 | u.conn;
			st->cand_b[d] = (uint64_t)u.seq << 32 | u.ts;
			st->cand_n |= (uint8_t)(1u << d);
		} else if (st->cand_kind == DP_CAND_UTP) {
			st->reject |= DP_REJ_UTP;
		}
	}
	/* RDP over UDP: the client's SYN, or (mid-session) each side acknowledging a
	 * sequence number the other sent */
	if (d == 0 && st->dgrams[0] == 1 && dp_rdpudp_syn(p, n)) {
		by_protocol(iw, ip, DP_M_RDP, DP_F_HANDSHAKE, "rdp-udp-syn");
		return true;
	}
	if (!(st->reject & DP_REJ_RDPUDP)) {
		uint32_t ack, seq;
		bool has_seq;
		if (dp_rdpudp_hdr(p, n, &ack, &seq, &has_seq)) {
			if (st->rdp_sn[d ^ 1] != 0 && ack == st->rdp_sn[d ^ 1])
				st->rdp_acked |= (uint8_t)(1u << d);
			if (has_seq)
				st->rdp_sn[d] = seq;
			if (st->rdp_acked == 3) {
				by_protocol(iw, ip, DP_M_RDP, DP_F_HANDSHAKE,
					    "rdp-udp-acknowledged");
				return true;
			}
		} else {
			st->reject |= DP_REJ_RDPUDP;
		}
	}
	return false;
}

void
dp_id_datagram(struct dp_id_worker *iw, struct dp_id_pkt *ip, const uint8_t *p, uint32_t n)
{
	const struct dp_ident_db *db = iw->db;
	struct dp_ident_state *st = ip->st;
	struct dp_flow *f = ip->f;
	unsigned d = ip->dir;

	if (db == NULL || st == NULL || n == 0)
		return;
	/* DNS: a message that parses, on a DNS port */
	if ((ip->sport == 53 || ip->sport == 5353 || ip->cport == 5353) &&
	    (st->master == DP_M_UNKNOWN || st->master == DP_M_DNS)) {
		struct dp_dns m;
		if (dp_dns_parse(p, n, &m) == DP_PARSE_OK) {
			if (st->dgrams[d] < 0xffff)
				st->dgrams[d]++;
			dns_message(iw, ip, &m);
			return;
		}
	}
	if (final(f)) {
		/* kept reading: harvest STUN peers for attribution */
		if (!(f->id_flags & DP_ID_KEEP) || f->app == 0)
			return;
		st->kept++;
		if (f->master == DP_M_STUN) {
			struct dp_stun s;
			if (dp_stun_parse(p, n, &s) == DP_PARSE_OK)
				stun_learn(iw, ip, &s);
		}
		return;
	}
	if (++st->dgrams[d] > db->udp_datagrams)
		return;

	/* STUN / TURN */
	struct dp_stun s;
	if (dp_stun_parse(p, n, &s) == DP_PARSE_OK) {
		DP_CNT_INC(iw->cnt.stun_messages);
		st->master = DP_M_STUN;
		if (stun_rules(iw, ip, &s)) {
			f->id_flags |= DP_ID_KEEP;
			stun_learn(iw, ip, &s);
			learn_local(iw, ip);
			return;
		}
		goto signatures;
	}
	/* QUIC */
	if (dp_quic_looks_like(p, n)) {
		struct dp_quic q;
		bool fresh = st->head == 0;
		uint8_t *h = head_mem(iw, st);
		if (h != NULL && fresh)
			memset(h, 0, sizeof(struct dp_quic_crypto)); /* a block another flow used */
		enum dp_parse r = dp_quic_parse(p, n, &q, (struct dp_quic_crypto *)h);
		if (r != DP_PARSE_NO)
			st->master = DP_M_QUIC;
		if (r == DP_PARSE_OK) {
			DP_CNT_INC(iw->cnt.quic_hellos);
			head_put(iw, st);
			if (!client_hello(iw, ip, &q.tls, DP_F_QUIC, DP_M_QUIC))
				decide(iw, ip, 0, DP_M_QUIC, DP_CONF_NONE, DP_F_NONE, 0, "");
			return;
		}
		if (r != DP_PARSE_NO)
			goto signatures;
	}
	if (udp_shapes(iw, ip, p, n))
		return;
	/* masters */
	uint8_t pt;
	if (dp_dtls(p, n))
		st->master = DP_M_DTLS;
	else if (st->master == DP_M_UNKNOWN && (dp_rtcp(p, n) || dp_rtp(p, n, &pt)))
		st->master = DP_M_RTP;
signatures:;
	enum dp_db sdb = d == 0 ? DP_DB_UDP_TOSERVER : DP_DB_UDP_TOCLIENT;
	int weak;
	int id = dp_match_block(&db->m, sdb, iw->scratch, p, n, ip->sport, &weak);
	if (id >= 0)
		by_signature(iw, ip, sdb, id);
	else if (weak >= 0)
		weak_signature(iw, ip, sdb, weak);
	if (final(f) && f->conf == DP_CONF_DPI)
		learn_local(iw, ip);
}
