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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>

#include "attrib.h"
#include "dns.h"
#include "flow.h"
#include "http.h"
#include "quic.h"
#include "shapes.h"
#include "stun.h"
#include "tls.h"

/* ---- names ---- */

const char *
dp_master_name(unsigned m)
{
	static const char *const n[DP_M__COUNT] = {
		"unknown", "tls",  "http", "quic", "dns",        "stun",    "rtp",
		"dtls",    "ssh",  "rdp",  "bittorrent", "openvpn", "wireguard",
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
		"none", "sni",     "cert",      "host",      "connect", "proxy",  "dns",
		"quic", "stun",    "payload",   "handshake", "banner",  "prefix", "attribution",
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
			snprintf(ai->stun_software[ai->nstun_software++], 64, "%s", ca->stun.software[i]);
		for (unsigned i = 0; i < ca->nports; i++)
			if (cfg_parse_portrange(ca->ports[i], &ai->ports[ai->nports]) == 0)
				ai->nports++;
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
		{ DP_M_SSH, "ssh" },		 { DP_M_RDP, "rdp" },
		{ DP_M_BITTORRENT, "bittorrent" }, { DP_M_OPENVPN, "openvpn" },
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
		cfg_diag_add(d, NULL, "cannot create the prefix tables (%u IPv4, %u IPv6 prefixes)", n4,
			     n6);
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
				uint32_t ip = (uint32_t)p.addr[0] << 24 | (uint32_t)p.addr[1] << 16 |
					      (uint32_t)p.addr[2] << 8 | p.addr[3];
				rc = rte_lpm_add(db->lpm4, ip, p.len, a + 1);
			} else {
				rc = rte_lpm6_add(db->lpm6, p.addr, p.len, a + 1);
			}
			if (rc != 0)
				cfg_diag_add(d, &ca->where, "application '%s': cannot add prefix %s",
					     ca->name, ca->prefixes[i]);
		}
	}
	for (unsigned w = 0; w < nworkers && w < DP_ID_MAX_WORKERS; w++) {
		if (db->m.scratch != NULL && hs_clone_scratch(db->m.scratch, &db->scratch[w]) != 0) {
			cfg_diag_add(d, NULL, "cannot allocate Hyperscan scratch for worker %u", w);
			dp_ident_db_free(db);
			return -1;
		}
	}
	db->udp_datagrams = 8;
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
			iw->cnt.head_exhausted++;
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
	e.app = (uint16_t)app;
	e.expires_us = ip->now_us + ttl_us;
	dp_attrib_learn(iw->attrib, &e);
}

static void
decide(struct dp_id_worker *iw, struct dp_id_pkt *ip, unsigned app, unsigned master,
       unsigned conf, unsigned field, unsigned rule, const char *value)
{
	struct dp_flow *f = ip->f;
	struct dp_flow_info *info = &iw->info[ip->pos];

	if (f->id_flags & DP_ID_DECIDED)
		return;
	f->id_flags |= DP_ID_DECIDED;
	f->app = (uint8_t)app;
	if (master != DP_M_UNKNOWN || f->master == DP_M_UNKNOWN)
		f->master = (uint8_t)master;
	f->conf = (uint8_t)conf;
	info->field = (uint8_t)field;
	info->rule = (uint16_t)rule;
	info->decided_after = f->pkts[0] + f->pkts[1];
	snprintf(info->value, sizeof(info->value), "%s", value ? value : "");
	iw->cnt.decided[conf]++;
	iw->cnt.by_field[field]++;
	iw->cnt.apps[app]++;
}

/* Settle a flow that was never decided: unknown application, its best master protocol. */
void
dp_id_settle(struct dp_id_worker *iw, struct dp_flow *f, uint32_t pos, struct dp_ident_state *st)
{
	if (f->id_flags & DP_ID_DECIDED)
		return;
	f->id_flags |= DP_ID_DECIDED;
	f->app = 0;
	if (st != NULL && st->master != DP_M_UNKNOWN)
		f->master = st->master;
	f->conf = DP_CONF_NONE;
	iw->info[pos].decided_after = f->pkts[0] + f->pkts[1];
	iw->cnt.decided[DP_CONF_NONE]++;
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
	const struct dp_ident_db *db = iw->db;
	const struct dp_pattern *p = &db->m.pat[db_id][id];
	char value[64];

	snprintf(value, sizeof(value), "%s", "signature");
	(void)db;
	decide(iw, ip, p->app, ip->st ? ip->st->master : DP_M_UNKNOWN, DP_CONF_DPI, DP_F_PAYLOAD,
	       p->rule, value);
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

void
dp_id_start(struct dp_id_worker *iw, struct dp_id_pkt *ip)
{
	const struct dp_ident_db *db = iw->db;
	uint32_t hop = 0;
	char addr[INET6_ADDRSTRLEN];

	if (db == NULL)
		return;
	if (iw->attrib != NULL) {
		const struct dp_attrib_entry *e = dp_attrib_lookup(iw->attrib, ip->family, ip->client,
								   ip->server, ip->sport, ip->now_us);
		if (e != NULL) {
			static const char *const src[] = { "", "dns", "tls", "stun", "http" };
			decide(iw, ip, e->app, DP_M_UNKNOWN, DP_CONF_ATTRIBUTION, DP_F_ATTRIBUTION, 0,
			       src[e->source < 5 ? e->source : 0]);
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
	if (hit == 0 && hop != 0 && hop <= db->napps) {
		inet_ntop(ip->family == 4 ? AF_INET : AF_INET6, ip->server, addr, sizeof(addr));
		decide(iw, ip, hop, DP_M_UNKNOWN, DP_CONF_PREFIX, DP_F_PREFIX, 0, addr);
	}
}

bool
dp_id_done(const struct dp_id_pkt *ip)
{
	const struct dp_flow *f = ip->f;
	if (!(f->id_flags & DP_ID_DECIDED))
		return false;
	if (!(f->id_flags & DP_ID_KEEP) || ip->st == NULL)
		return true;
	return ip->st->kept >= 16;
}

/* ---- TCP ---- */

enum parser { P_NONE, P_TLS, P_TLS_SERVER, P_HTTP, P_SSH, P_BT, P_RDP, P_OVPN, P_DNS, P_OTHER };

static bool
web_port(uint16_t p)
{
	return p == 80 || p == 443 || p == 8080 || p == 8443;
}

static enum parser
choose_tcp(const struct dp_id_pkt *ip, const uint8_t *d, uint32_t n)
{
	if (ip->dir == 0) {
		if (dp_tls_looks_like(d, n))
			return P_TLS;
		if (dp_http_looks_like_request(d, n))
			return P_HTTP;
		if (n >= 4 && memcmp(d, "SSH-", 4) == 0)
			return P_SSH;
		if (d[0] == 0x13)
			return P_BT;
		if (n >= 2 && d[0] == 3 && d[1] == 0)
			return P_RDP;
		if (ip->sport == 53 && n >= 14)
			return P_DNS;
		if (dp_openvpn_tcp(d, n))
			return P_OVPN;
		return P_OTHER;
	}
	if (dp_tls_looks_like(d, n))
		return P_TLS_SERVER;
	if (n >= 4 && memcmp(d, "SSH-", 4) == 0)
		return P_SSH;
	if (d[0] == 0x13)
		return P_BT;
	return P_OTHER;
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
		iw->cnt.tls_hellos++;
		st->master = DP_M_TLS;
		if (by_name(iw, ip, h.sni, DP_F_SNI, DP_M_TLS)) {
			learn(iw, ip, ip->family, ip->server, ip->sport, ip->f->app, DP_ATTR_TLS,
			      db->attr_ttl_max_us);
			return 1;
		}
		st->await_cert = 1;
		return 1;
	}
	case P_TLS_SERVER: {
		struct dp_tls_server s;
		enum dp_parse r = dp_tls_server_hello(b, n, &s);
		if (r == DP_PARSE_MORE)
			return 0;
		st->master = DP_M_TLS;
		if (r == DP_PARSE_OK) {
			iw->cnt.tls_certs++;
			for (unsigned i = 0; i < s.nnames; i++)
				if (by_name(iw, ip, s.names[i], DP_F_CERT, DP_M_TLS))
					return 1;
		}
		/* the names are all we can read of TLS: nothing more will come in clear */
		st->await_cert = 0;
		decide(iw, ip, 0, DP_M_TLS, DP_CONF_NONE, DP_F_NONE, 0, "");
		iw->cnt.decided[DP_CONF_NONE]--; /* counted as unknown when settled, not here */
		return 1;
	}
	case P_HTTP: {
		struct dp_http_req h;
		enum dp_parse r = dp_http_request(b, n, &h);
		if (r == DP_PARSE_MORE)
			return 0;
		if (r == DP_PARSE_NO)
			return 1;
		iw->cnt.http_requests++;
		st->master = DP_M_HTTP;
		if (h.connect) {
			if (h.port != 0 && !web_port(h.port))
				ip->f->id_flags |= DP_ID_CONNECT_NON_WEB;
			set_name(&iw->info[ip->pos], DP_F_CONNECT, h.host);
			if (db->app_http_tunnel != 0) {
				decide(iw, ip, db->app_http_tunnel, DP_M_HTTP, DP_CONF_DPI, DP_F_CONNECT, 0,
				       h.target);
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
	case P_OVPN:
		by_protocol(iw, ip, DP_M_OPENVPN, DP_F_HANDSHAKE, "hard-reset");
		return 1;
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

void
dp_id_stream(struct dp_id_worker *iw, struct dp_id_pkt *ip, const uint8_t *data, uint32_t len)
{
	const struct dp_ident_db *db = iw->db;
	struct dp_ident_state *st = ip->st;
	unsigned d = ip->dir;

	if (db == NULL || st == NULL || (ip->f->id_flags & DP_ID_DECIDED))
		return;
	if (data == NULL) {
		/* a gap: parsers and signature streams cannot follow it */
		st->pstate[d] = 2;
		dp_match_stream_close(st->hs[d]);
		st->hs[d] = NULL;
		return;
	}
	/* parsers */
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
	if (st->pstate[d] == 1) {
		enum parser p = st->parser[d];
		int done;
		if (p == P_OTHER || (p == P_TLS_SERVER && !st->await_cert &&
				     !(ip->f->id_flags & DP_ID_DECIDED) && st->pstate[0] != 2)) {
			done = p == P_OTHER;
			if (!done)
				goto more; /* the server answers before the client finished its hello */
		} else if (st->head_len[d] == 0) {
			done = run_tcp_parser(iw, ip, p, data, len);
			if (!done) {
			more:;
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
			done = run_tcp_parser(iw, ip, p, h, st->head_len[d]);
			if (!done && st->head_len[d] == DP_HEAD_DIR) {
				iw->cnt.head_exhausted++;
				done = 1;
			}
		}
		if (done) {
			st->pstate[d] = 2;
			if (st->head != 0 && (st->pstate[d ^ 1] != 1 || st->head_len[d ^ 1] == 0))
				head_put(iw, st);
			else if (st->head != 0)
				st->head_len[d] = 0;
		}
		if (ip->f->id_flags & DP_ID_DECIDED)
			return;
	}
	/* signatures */
	enum dp_db sdb = d == 0 ? DP_DB_TCP_TOSERVER : DP_DB_TCP_TOCLIENT;
	if (db->m.db[sdb] != NULL) {
		if (st->hs[d] == NULL) {
			st->hs[d] = dp_match_stream_open(&db->m, sdb);
			if (st->hs[d] == NULL) {
				iw->cnt.stream_exhausted++;
				return;
			}
		}
		int id = dp_match_stream_scan(&db->m, sdb, st->hs[d], iw->scratch, data, len, ip->sport);
		if (id >= 0)
			by_signature(iw, ip, sdb, id);
	}
}

/* ---- UDP ---- */

static bool
stun_rules(struct dp_id_worker *iw, struct dp_id_pkt *ip, const struct dp_stun *s)
{
	const struct dp_ident_db *db = iw->db;

	for (unsigned a = 1; a <= db->napps; a++) {
		const struct dp_app_info *ai = &db->app[a];
		for (unsigned i = 0; i < ai->nstun_attrs; i++) {
			if (dp_stun_has(s, ai->stun_attrs[i])) {
				char v[32];
				snprintf(v, sizeof(v), "attribute 0x%04x", ai->stun_attrs[i]);
				decide(iw, ip, a, DP_M_STUN, DP_CONF_DPI, DP_F_STUN, i, v);
				return true;
			}
		}
		for (unsigned i = 0; i < ai->nstun_software && s->software[0]; i++) {
			if (strstr(s->software, ai->stun_software[i]) != NULL) {
				decide(iw, ip, a, DP_M_STUN, DP_CONF_DPI, DP_F_STUN, i, s->software);
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

static void
dns_learn(struct dp_id_worker *iw, struct dp_id_pkt *ip, const struct dp_dns *m)
{
	for (unsigned i = 0; i < m->nanswers; i++) {
		const struct dp_dns_answer *a = &m->answers[i];
		if (a->type == 1 || a->type == 28)
			learn(iw, ip, a->type == 1 ? 4 : 6, a->addr, 0, ip->f->app, DP_ATTR_DNS,
			      (uint64_t)a->ttl * 1000000);
	}
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
	if (f->id_flags & DP_ID_DECIDED) {
		/* kept reading: harvest DNS answers and STUN peers for attribution */
		if (!(f->id_flags & DP_ID_KEEP) || f->app == 0)
			return;
		st->kept++;
		if (f->master == DP_M_DNS) {
			struct dp_dns m;
			if (dp_dns_parse(p, n, &m) == DP_PARSE_OK && m.response) {
				dns_learn(iw, ip, &m);
				st->kept = 0xffff; /* the answer is what we waited for */
			}
		} else if (f->master == DP_M_STUN) {
			struct dp_stun s;
			if (dp_stun_parse(p, n, &s) == DP_PARSE_OK)
				stun_learn(iw, ip, &s);
		}
		return;
	}
	if (++st->dgrams[d] > db->udp_datagrams)
		return;

	/* DNS: a message that parses, on a DNS port or shaped like one */
	if (ip->sport == 53 || ip->sport == 5353 || ip->cport == 5353) {
		struct dp_dns m;
		if (dp_dns_parse(p, n, &m) == DP_PARSE_OK) {
			iw->cnt.dns_messages++;
			st->master = DP_M_DNS;
			if (by_name(iw, ip, m.qname, DP_F_DNS, DP_M_DNS)) {
				if (m.response)
					dns_learn(iw, ip, &m);
				else
					f->id_flags |= DP_ID_KEEP;
			}
			return;
		}
	}
	/* STUN / TURN */
	struct dp_stun s;
	if (dp_stun_parse(p, n, &s) == DP_PARSE_OK) {
		iw->cnt.stun_messages++;
		st->master = DP_M_STUN;
		if (stun_rules(iw, ip, &s)) {
			f->id_flags |= DP_ID_KEEP;
			stun_learn(iw, ip, &s);
		}
		goto signatures;
	}
	/* QUIC */
	if (dp_quic_looks_like(p, n)) {
		struct dp_quic q;
		uint8_t *h = head_mem(iw, st);
		enum dp_parse r = dp_quic_parse(p, n, &q, (struct dp_quic_crypto *)h);
		if (r != DP_PARSE_NO)
			st->master = DP_M_QUIC;
		if (r == DP_PARSE_OK) {
			iw->cnt.quic_hellos++;
			if (by_name(iw, ip, q.tls.sni, DP_F_QUIC, DP_M_QUIC)) {
				learn(iw, ip, ip->family, ip->server, ip->sport, f->app, DP_ATTR_TLS,
				      db->attr_ttl_max_us);
				return;
			}
			head_put(iw, st);
		}
		if (r != DP_PARSE_NO)
			goto signatures;
	}
	/* protocols that are their own application */
	uint8_t wt;
	if (dp_wireguard(p, n, &wt) && (wt == 1 || wt == 2)) {
		by_protocol(iw, ip, DP_M_WIREGUARD, DP_F_HANDSHAKE,
			    wt == 1 ? "handshake-initiation" : "handshake-response");
		return;
	}
	if (d == 0 && st->dgrams[0] == 1 && dp_openvpn_udp(p, n)) {
		by_protocol(iw, ip, DP_M_OPENVPN, DP_F_HANDSHAKE, "hard-reset");
		return;
	}
	if (dp_bt_dht(p, n)) {
		by_protocol(iw, ip, DP_M_BITTORRENT, DP_F_HANDSHAKE, "dht");
		return;
	}
	/* masters */
	uint8_t pt;
	if (dp_dtls(p, n))
		st->master = DP_M_DTLS;
	else if (st->master == DP_M_UNKNOWN && (dp_rtcp(p, n) || dp_rtp(p, n, &pt)))
		st->master = DP_M_RTP;
signatures:;
	enum dp_db sdb = d == 0 ? DP_DB_UDP_TOSERVER : DP_DB_UDP_TOCLIENT;
	int id = dp_match_block(&db->m, sdb, iw->scratch, p, n, ip->sport);
	if (id >= 0)
		by_signature(iw, ip, sdb, id);
}
