/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_IDENTIFY_H
#define DP_IDENTIFY_H

/*
 * Application identification: which application each flow belongs to, whatever its port,
 * as early as possible, and why.
 *
 * Cheapest evidence first. When a flow starts: the attribution cache (addresses a
 * client's DNS answers, TLS server names and STUN exchanges tied to an application) and
 * the published service prefixes (rte_lpm / rte_lpm6). Then on the first bytes of each
 * direction (TCP after reassembly, UDP per datagram): protocol parsers (TLS ClientHello
 * and certificate names, HTTP request head, DNS, STUN/TURN, QUIC Initial, SSH banner,
 * BitTorrent, OpenVPN, WireGuard, RDP, RTP, DTLS), whose names are matched against the
 * catalogue's host patterns (Hyperscan, block mode); and the catalogue's payload
 * signatures (Hyperscan: streaming mode over each TCP direction, block mode per datagram).
 *
 * A decision fixes the flow's application (a catalogue entry, or none), its master
 * protocol, a confidence (dpi, attribution, prefix, port) and the evidence (the field,
 * the rule, the value). After it the flow leaves the inspection path: its streams, head
 * buffers and Hyperscan streams are freed. A flow never decided is "unknown" at the end.
 *
 * Thread: the identification database is built on the control core and published in the
 * snapshot; everything else runs on the owning worker.
 */

#include <stdbool.h>
#include <stdint.h>

#include <hs/hs.h>

#include "../config/apps.h"
#include "filemagic.h"
#include "match.h"

struct rte_lpm;
struct rte_lpm6;

#define DP_ID_MAX_WORKERS 16

enum dp_master {
	DP_M_UNKNOWN,
	DP_M_TLS,
	DP_M_HTTP,
	DP_M_QUIC,
	DP_M_DNS,
	DP_M_STUN,
	DP_M_RTP,
	DP_M_DTLS,
	DP_M_SSH,
	DP_M_RDP,
	DP_M_BITTORRENT,
	DP_M_OPENVPN,
	DP_M_WIREGUARD,
	DP_M__COUNT
};

enum dp_conf { DP_CONF_NONE, DP_CONF_PORT, DP_CONF_PREFIX, DP_CONF_ATTRIBUTION, DP_CONF_DPI };

/* Which field the evidence is. */
enum dp_field {
	DP_F_NONE,
	DP_F_SNI,         /* TLS server_name */
	DP_F_CERT,        /* a name in the server's certificate */
	DP_F_HOST,        /* HTTP Host */
	DP_F_CONNECT,     /* HTTP CONNECT target */
	DP_F_PROXY,       /* HTTP request to a proxy (absolute URI, proxy headers) */
	DP_F_DNS,         /* DNS question */
	DP_F_QUIC,        /* QUIC Initial server_name */
	DP_F_STUN,        /* STUN attribute or SOFTWARE */
	DP_F_PAYLOAD,     /* a catalogue signature */
	DP_F_HANDSHAKE,   /* a protocol's handshake (BitTorrent, OpenVPN, WireGuard, RDP) */
	DP_F_BANNER,      /* SSH identification string */
	DP_F_PREFIX,      /* a published service prefix */
	DP_F_ATTRIBUTION, /* learned from another flow */
	DP_F_HELLO,       /* a "tls" signature on the ClientHello ("sni=...;alpn=...;") */
	DP_F_PORT,        /* a registered port, for a flow that carried no payload */
	DP_F__COUNT
};

/* Flow identification flags (struct dp_flow.id_flags). */
#define DP_ID_DECIDED         0x01
#define DP_ID_NON_HTTP_80     0x02 /* tcp/80 carrying something that is not HTTP */
#define DP_ID_NON_TLS_443     0x04 /* tcp/443 carrying something that is not TLS */
#define DP_ID_CONNECT_NON_WEB 0x08 /* HTTP CONNECT to a port other than 80, 443, 8080, 8443 */
#define DP_ID_KEEP            0x10 /* decided, but still read a few packets (DNS answers, STUN peers) */
#define DP_ID_PAYLOAD         0x20 /* some payload was seen (either direction) */
#define DP_ID_PROVISIONAL     0x40 /* decided by address; payload evidence may still replace it */
#define DP_ID_FILE            0x80 /* a file signature at the start of a cleartext transfer */

struct dp_app_info {
	char name[CFG_APP_NAME];
	uint8_t category;
	uint16_t stun_attrs[CFG_APP_STUN_ATTRS];
	unsigned nstun_attrs;
	uint16_t stun_types[CFG_APP_STUN_ATTRS];
	unsigned nstun_types;
	char stun_software[CFG_APP_STUN_SW][64];
	unsigned nstun_software;
	char stun_realms[CFG_APP_STUN_REALM][64];
	unsigned nstun_realms;
	struct cfg_portrange ports[CFG_APP_PORTS];
	unsigned nports;
	struct cfg_portrange prefix_ports[CFG_APP_PORTS];
	unsigned nprefix_ports;
	struct cfg_portrange service_ports[CFG_APP_PORTS];
	unsigned nservice_ports;
};

/* Everything identification reads: built from the catalogue, immutable, in the snapshot. */
struct dp_ident_db {
	struct dp_matcher m;
	unsigned napps;
	struct dp_app_info app[CFG_APP_MAX + 1]; /* [0] unused: app ids start at 1 */
	uint16_t proto_app[DP_M__COUNT];         /* the application a protocol is (ssh, ...) */
	uint16_t app_http_tunnel;                /* "http_tunnel", if the catalogue has it */
	struct rte_lpm *lpm4;
	struct rte_lpm6 *lpm6;
	hs_scratch_t *scratch[DP_ID_MAX_WORKERS];
	/* tunables */
	uint32_t udp_datagrams; /* datagrams per direction inspected before giving up */
	uint32_t tcp_depth;     /* TCP bytes per direction read before giving up */
	uint32_t tcp_packets;   /* TCP packets of a flow read before giving up (0: no limit) */
	uint32_t keep_packets;  /* packets read after a decision that keeps reading */
	uint64_t attr_ttl_min_us, attr_ttl_max_us;
	bool learn; /* feed the attribution cache */
};

/* Build from a catalogue (control core). Returns 0, or -1 with messages in d. */
int dp_ident_db_build(const struct cfg_catalogue *cat, const char *cache_dir, unsigned nworkers,
		      struct dp_ident_db **out, struct cfg_diag *d);
void dp_ident_db_free(struct dp_ident_db *db);

/* The app id of a catalogue application, 0 if absent. */
uint16_t dp_ident_app_id(const struct dp_ident_db *db, const char *name);

const char *dp_master_name(unsigned m);
const char *dp_conf_name(unsigned c);
const char *dp_field_name(unsigned f);

/* How a flow was identified: kept per flow position, read when its record is written. */
struct dp_flow_info {
	uint16_t rule;          /* host pattern or signature index within the application */
	uint8_t field;          /* enum dp_field */
	uint8_t name_field;     /* which field name[] came from (SNI, Host, DNS, QUIC, cert) */
	uint32_t decided_after; /* packets of the flow seen when it was decided */
	char value[64];         /* the evidence value: matched name, signature, banner ... */
	char name[96];          /* the server name seen (SNI, Host, query), decided or not */
};

/* ---- per flow (in its inspection context) ---- */

#define DP_HEAD_DIR 4096 /* first bytes of a direction kept for a parser that needs more */

/* A protocol recognised over several messages: what the first one said, for the next. */
enum dp_cand_kind {
	DP_CAND_NONE,
	DP_CAND_OPENVPN, /* a hard reset: a = sender direction, b = session id */
	DP_CAND_WG_INIT, /* a handshake initiation: a = sender index */
	DP_CAND_WG_DATA, /* transport data: a = receiver index, b = counter, by direction */
	DP_CAND_UTP,     /* a uTP packet: a = type and connection id, b = seq and timestamp */
};

/* Rejections: the flow showed a message that the protocol never sends. */
#define DP_REJ_WG      0x01
#define DP_REJ_UTP     0x02
#define DP_REJ_RDPUDP  0x04
#define DP_REJ_OPENVPN 0x08

struct dp_ident_state {
	hs_stream_t *hs[2]; /* TCP signature streams, by direction */
	uint32_t head;      /* head block + 1 (2 x DP_HEAD_DIR, or QUIC CRYPTO state) */
	uint16_t head_len[2];
	uint8_t parser[2];     /* which parser reads each direction */
	uint8_t pstate[2];     /* 0 not started, 1 parsing, 2 done */
	uint16_t dgrams[2];    /* UDP datagrams inspected, by direction */
	uint32_t tcp_bytes[2]; /* TCP bytes read, by direction */
	uint8_t master;        /* the best master protocol so far */
	uint8_t await_cert;    /* TLS 1.2: the names may come in the server's certificate */
	uint16_t kept;         /* packets read since a decision that keeps reading */
	uint16_t prefix_app;   /* a prefix that could not decide alone (port, TLS without a name) */
	uint16_t weak_app;     /* the application of weak signature matches so far */
	uint8_t weak_hits;
	uint8_t cand_kind; /* enum dp_cand_kind */
	uint8_t reject;    /* DP_REJ_* */
	uint8_t cand_n;    /* messages that agreed so far */
	uint32_t cand_a[2];
	uint64_t cand_b[2];
	uint32_t rdp_sn[2]; /* RDP-UDP: the last sequence number each side sent */
	uint8_t rdp_acked;  /* sides that acknowledged the other's */
	/* file transfers in clear: per direction, where the body start is (identify.c) */
	uint8_t fscan[2];    /* enum file_scan */
	uint8_t fcrlf[2];    /* bytes of the blank line that ends the headers matched */
	uint16_t fseen[2];   /* header bytes read */
	uint8_t flen[2];     /* body bytes gathered in fbuf */
	uint8_t fbuf[2][16]; /* the body's first bytes */
};

/* ---- per worker ---- */

struct dp_id_counters {
	uint64_t decided[DP_CONF_DPI + 1]; /* by confidence ([0]: unknown at the end) */
	uint64_t by_field[DP_F__COUNT];
	uint64_t tls_hellos, tls_certs, http_requests, dns_messages, stun_messages, quic_hellos;
	uint64_t head_exhausted;   /* parsers that wanted more bytes than a head could get */
	uint64_t stream_exhausted; /* flows whose signature stream could not open (pool empty) */
	uint64_t apps[CFG_APP_MAX + 1]; /* flows decided for each application */
	uint64_t files[DP_FILE__COUNT]; /* file transfers by kind ([DP_FILE_NONE] unused) */
};

struct dp_head_pool;
struct dp_attrib;

struct dp_id_worker {
	const struct dp_ident_db *db;
	hs_scratch_t *scratch;
	struct dp_match_pool *hs_pool;
	struct dp_head_pool *heads;
	struct dp_attrib *attrib;
	struct dp_flow_info *info; /* by flow position */
	struct dp_id_counters cnt;
};

/* What the engine needs to know about the packet at hand. */
struct dp_id_pkt {
	struct dp_flow *f;
	uint32_t pos;              /* flow position, for its info */
	struct dp_ident_state *st; /* NULL: the flow has no inspection context */
	unsigned dir;              /* DP_TOSERVER or DP_TOCLIENT */
	int family;
	const uint8_t *client, *server;
	uint16_t cport, sport; /* client port, server port */
	uint8_t proto;
	uint64_t now_us;
};

struct dp_head_pool *dp_head_pool_create(uint32_t count, int socket);
void dp_head_pool_free(struct dp_head_pool *p);
uint64_t dp_head_pool_in_use(const struct dp_head_pool *p);

/* A flow starts: attribution and prefixes may decide it at once. */
void dp_id_start(struct dp_id_worker *iw, struct dp_id_pkt *ip);
/* New in-order TCP bytes of direction ip->dir (data NULL: a gap of len bytes). */
void dp_id_stream(struct dp_id_worker *iw, struct dp_id_pkt *ip, const uint8_t *data, uint32_t len);
/* A UDP datagram's payload. */
void dp_id_datagram(struct dp_id_worker *iw, struct dp_id_pkt *ip, const uint8_t *data,
		    uint32_t len);
/* Is the flow past needing its inspection context? */
bool dp_id_done(const struct dp_id_worker *iw, const struct dp_id_pkt *ip);
/* Free the flow's identification resources (signature streams, head buffers). */
void dp_id_release(struct dp_id_worker *iw, struct dp_ident_state *st);
/* The flow ends (or stops being inspected) undecided: settle it as unknown. */
void dp_id_settle(struct dp_id_worker *iw, struct dp_flow *f, uint32_t pos,
		  struct dp_ident_state *st);
/* The flow ended having carried no payload at all: if its server port is an application's
 * registered port (catalogue service_ports), report that, with confidence "port". */
void dp_id_port_fallback(struct dp_id_worker *iw, struct dp_flow *f, uint32_t pos, uint8_t proto,
			 uint16_t server_port);

#endif /* DP_IDENTIFY_H */
