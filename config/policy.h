/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CFG_POLICY_H
#define CFG_POLICY_H

/*
 * The enforcement policy (the "policy" group of the main configuration): an ordered list of
 * rules, first match wins, then the default action. A rule matches on any combination of
 * application, category, master protocol, minimum confidence, behaviour, source and
 * destination prefixes and ports, segment, VLAN and a weekly time window; an empty field
 * matches everything. What the names mean (applications of the catalogue, segments of the
 * board) is checked when the policy is compiled (dataplane/policy.c), where every problem
 * is reported at the rule's file:line.
 *
 * Thread: control core.
 */

#include <stdbool.h>
#include <stdint.h>

#include "schema.h"

#define CFG_POLICY_RULES 128
#define CFG_RULE_NAME    48
#define CFG_RULE_APPS    24
#define CFG_RULE_CATS    8
#define CFG_RULE_FLAGS   8
#define CFG_RULE_NETS    16
#define CFG_RULE_PORTS   16
#define CFG_RULE_VLANS   16
#define CFG_RULE_SEGS    8

enum cfg_action {
	CFG_ACT_ALLOW,
	CFG_ACT_LOG,
	CFG_ACT_RATELIMIT,
	CFG_ACT_RESET,
	CFG_ACT_DROP,
	CFG_ACT_QUARANTINE,
};

enum cfg_per { CFG_PER_FLOW, CFG_PER_HOST };

struct cfg_rule {
	char name[CFG_RULE_NAME];
	char app[CFG_RULE_APPS][32]; /* catalogue names, or "unknown" */
	unsigned napp;
	char category[CFG_RULE_CATS][16];
	unsigned ncategory;
	char protocol[CFG_RULE_CATS][16]; /* master protocols: "tls", "quic", ... */
	unsigned nprotocol;
	int confidence; /* minimum: 0 any, then port, prefix, attribution, dpi */
	char behaviour[CFG_RULE_FLAGS][24];
	unsigned nbehaviour;
	char src[CFG_RULE_NETS][48]; /* the side that opened the flow */
	unsigned nsrc;
	char dst[CFG_RULE_NETS][48];
	unsigned ndst;
	char src_port[CFG_RULE_PORTS][24];
	unsigned nsrc_port;
	char dst_port[CFG_RULE_PORTS][24];
	unsigned ndst_port;
	char segment[CFG_RULE_SEGS][32];
	unsigned nsegment;
	uint32_t vlan[CFG_RULE_VLANS];
	unsigned nvlan;
	char days[7][8];
	unsigned ndays;
	char hours[16];       /* "08:00-18:00" ("" = all day; a window may cross midnight) */
	int action;           /* enum cfg_action */
	uint64_t rate;        /* ratelimit: bits per second */
	uint64_t burst;       /* ratelimit: bytes */
	int per;              /* enum cfg_per */
	uint64_t duration_ms; /* quarantine */
	bool icmp;            /* reset/drop of UDP: also send ICMP administratively prohibited */
	struct cfg_where where;
};

/* Hold: the first packets of undecided flows to chosen server ports wait for the verdict. */
struct cfg_hold {
	char ports[CFG_RULE_PORTS][24]; /* "tcp:443", "udp:3478-3481", "8080" */
	unsigned nports;
	uint32_t packets; /* held per flow at most */
	uint64_t time_ms; /* held at most this long */
	uint32_t mbufs;   /* held per worker at once */
	struct cfg_where where;
};

struct cfg_policy {
	int dflt;              /* enum cfg_action: allow, log or drop */
	char utc_offset[8];    /* local time for days/hours: "+01:00" */
	uint32_t hosts;        /* inside hosts tracked (quarantine, behaviour, per-host rates) */
	uint32_t fanout_peers; /* p2p_fanout: distinct peers on high ports ... */
	uint64_t fanout_window_ms; /* ... within this window */
	uint32_t hopping_ports;    /* port_hopping: undecided flows to distinct ports ... */
	uint64_t hopping_window_ms;
	uint64_t upload_bytes;      /* large_upload: bytes a flow sends to its server */
	uint64_t upload_host_bytes; /* ... or an inside host sends in upload_window (0: off) */
	uint64_t upload_window_ms;
	uint64_t host_idle_ms; /* an inside host no flow touched this long leaves the table */
	struct cfg_hold hold;
	struct cfg_rule rules[CFG_POLICY_RULES];
	unsigned nrules;
	struct cfg_where where;
};

extern const struct cfg_table cfg_policy_table;

const char *cfg_action_name(int a);

#endif /* CFG_POLICY_H */
