/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CFG_CONFIG_H
#define CFG_CONFIG_H

/*
 * The main configuration (config/bridgeward.conf): what the appliance does, independent of
 * the hardware it runs on (that is the board profile, board/board.h). Loaded through the
 * schema in config.c into one typed struct; the control core owns it and derives the
 * workers' read-only snapshot from it.
 *
 * Thread: control core.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "policy.h"
#include "schema.h"

#define CFG_PATH_MAX 256

struct cfg_bridge {
	bool link_propagation; /* force a port down while its segment peer has no link */
	uint64_t link_poll_ms; /* how often the control core reads link state */
	uint32_t burst;        /* RX burst size */
	uint32_t tx_retries;   /* extra TX attempts for frames the device refused */
};

enum cfg_syslog_transport { CFG_SYSLOG_UDP, CFG_SYSLOG_TCP };

#define CFG_SYSLOG_SERVER_LEN   64  /* "[ffff:...:ffff]:65535" and then some */
#define CFG_SYSLOG_HOSTNAME_LEN 256 /* RFC 5424 HOSTNAME: 1..255 printable ASCII */
#define CFG_SYSLOG_APP_NAME_LEN 49  /* RFC 5424 APP-NAME: 1..48 printable ASCII */
#define CFG_SYSLOG_PORT         514 /* when log.syslog.server names none */

/* The collector, parsed and checked at load time: an IP literal, never a name to resolve. */
struct cfg_syslog_server {
	char text[CFG_SYSLOG_SERVER_LEN]; /* as written; "" = syslog export off */
	int family;                       /* AF_INET or AF_INET6; 0 when off */
	uint8_t addr[16];                 /* network order (4 bytes used for IPv4) */
	uint16_t port;                    /* host order */
};

/* RFC 5424 export of the event log's records (fw/syslog.h). */
struct cfg_syslog {
	struct cfg_syslog_server server;
	int transport;                          /* enum cfg_syslog_transport */
	int facility;                           /* RFC 5424 facility code, 0..23 */
	char hostname[CFG_SYSLOG_HOSTNAME_LEN]; /* "" = gethostname() */
	char app_name[CFG_SYSLOG_APP_NAME_LEN]; /* APP-NAME field */
	uint64_t queue;                         /* TCP: bytes held while the collector lags */
	uint32_t max_datagram;                  /* UDP: longer messages are truncated */
};

struct cfg_log {
	char file[CFG_PATH_MAX];    /* JSON-lines event log ("" = none; --log overrides) */
	uint64_t stats_interval_ms; /* periodic "stats" records; 0 = at exit only */
	struct cfg_syslog syslog;
};

enum cfg_outcome { CFG_FORWARD, CFG_DROP };

struct cfg_decode {
	bool enabled;         /* decode and check every frame (off: a plain bridge) */
	int invalid;          /* enum cfg_outcome for malformed IP */
	uint32_t max_ip6_ext; /* IPv6 extension headers allowed */
	int ip4_csum_ignore;  /* 0 verify, 1 ignore */
};

struct cfg_flow {
	bool track;       /* flow tracking (and everything after it) */
	uint32_t entries; /* per worker */
	int on_full;      /* enum cfg_outcome for new flows without an entry */
	uint64_t evict_idle_ms;
	uint64_t tcp_new_ms, tcp_established_ms, tcp_closed_ms;
	uint64_t udp_new_ms, udp_established_ms, other_ms;
	uint32_t age_batch; /* flows aged per worker pass at most */
};

struct cfg_stream {
	bool reassembly;
	uint64_t depth;  /* bytes inspected per direction */
	uint64_t window; /* out-of-order bytes held per direction */
	uint64_t memory; /* per worker */
	bool verify_delivered;
	int on_full; /* enum cfg_outcome for out-of-order bytes that do not fit */
};

struct cfg_frag {
	uint32_t datagrams; /* per worker */
	uint32_t max_fragments;
	uint32_t max_held; /* fragments held per worker */
	uint64_t timeout_ms;
	int overflow;   /* enum cfg_outcome */
	int incomplete; /* enum cfg_outcome */
};

#define CFG_CATALOGUE_FILES 8

struct cfg_inspect {
	uint32_t contexts; /* flows under inspection at once, per worker */
	int on_full;       /* enum cfg_outcome for flows that get no context */
	bool identify;     /* application identification */
	char catalogue[CFG_CATALOGUE_FILES][CFG_PATH_MAX]; /* relative to the config file */
	unsigned ncatalogue;
	char cache_dir[CFG_PATH_MAX]; /* compiled Hyperscan databases ("" = none) */
	uint32_t udp_datagrams;       /* per direction, before an undecided UDP flow is unknown */
	uint64_t depth;               /* TCP bytes per direction read before a flow is unknown */
	uint32_t tcp_packets;         /* TCP packets (both directions) read before it is unknown */
	uint32_t streams;             /* Hyperscan stream states per worker */
	uint32_t heads;               /* head buffers (8 KiB) per worker */
	uint32_t attribution;         /* attribution cache entries per worker */
	uint64_t attribution_ttl_min_ms, attribution_ttl_max_ms;
};

struct cfg_events {
	uint32_t ring; /* records per worker ring */
};

struct cfg_config {
	struct cfg_bridge bridge;
	struct cfg_log log;
	struct cfg_decode decode;
	struct cfg_flow flow;
	struct cfg_stream stream;
	struct cfg_frag frag;
	struct cfg_inspect inspect;
	struct cfg_events events;
	struct cfg_policy policy;
};

/* The schema of the main configuration. */
extern const struct cfg_table cfg_config_table;

/* Load and validate path into out. Returns 0, or -1 with messages in d. */
int cfg_config_load(const char *path, struct cfg_config *out, struct cfg_diag *d);

/* Same, from text (tests, console). */
int cfg_config_load_string(const char *text, const char *name, struct cfg_config *out,
			   struct cfg_diag *d);

#endif /* CFG_CONFIG_H */
