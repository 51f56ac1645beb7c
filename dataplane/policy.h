/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_POLICY_H
#define DP_POLICY_H

/*
 * The compiled enforcement policy: the configuration's rules with every name resolved
 * (applications and categories to bitmaps, segments to indexes, prefixes and port ranges
 * parsed, time windows in minutes), immutable, published in the snapshot.
 *
 * Evaluation walks the rules in order and stops at the first that matches. A rule that
 * needs the flow's identification (application, category, protocol, confidence) cannot be
 * decided while identification is still under way: if every other field of such a rule
 * matches an undecided flow, evaluation stops there and says "pending", so a later rule
 * never acts before an earlier one could have matched. Behaviour flags, which may appear
 * at any time, simply do not match until they are set; the worker evaluates again when one
 * appears.
 *
 * Thread: built on the control core; evaluated by the workers (pure, no state).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_meter.h>

#include "../board/board.h"
#include "../config/apps.h"
#include "../config/policy.h"

/* Behaviour flags (policy triggers). */
#define DP_B_NON_HTTP_80     0x01
#define DP_B_NON_TLS_443     0x02
#define DP_B_CONNECT_NON_WEB 0x04
#define DP_B_P2P_FANOUT      0x08
#define DP_B_PORT_HOPPING    0x10
#define DP_B_LARGE_UPLOAD    0x20
#define DP_B_FILE_TRANSFER   0x40
#define DP_B__COUNT          7

const char *dp_behaviour_name(unsigned bit);

/* What a flow's record and events say was done. */
enum dp_action {
	DP_ACT_NONE = 0, /* no verdict yet (undecided flows are forwarded) */
	DP_ACT_ALLOW,
	DP_ACT_LOG,
	DP_ACT_RATELIMIT,
	DP_ACT_RESET,
	DP_ACT_DROP,
	DP_ACT_QUARANTINE,
};

/* from enum cfg_action */
static inline uint8_t
dp_action_of(int cfg_action)
{
	return (uint8_t)(cfg_action + 1);
}

static inline bool
dp_action_blocks(uint8_t a)
{
	return a >= DP_ACT_RESET;
}

/* The word flow records use: allowed, blocked, reset, ratelimited. */
const char *dp_action_record_name(uint8_t a);
/* The action as configured: allow, log, ratelimit, reset, drop, quarantine. */
const char *dp_action_name(uint8_t a);

struct dp_net {
	uint8_t family; /* 4 or 6 */
	uint8_t len;
	uint8_t addr[16];
};

struct dp_rule {
	char name[CFG_RULE_NAME];
	uint64_t apps[2]; /* bit n: application id n (bit 0: "unknown", identified as none) */
	uint16_t cats;    /* bit per enum cfg_category */
	uint16_t protos;  /* bit per enum dp_master */
	uint8_t has_app, has_cat, has_proto;
	uint8_t min_conf;  /* enum dp_conf; 0: any */
	uint8_t behaviour; /* DP_B_*: any of them (0: no condition) */
	uint8_t needs_id;  /* the rule reads the identification */
	uint8_t nsrc, ndst, nsport, ndport, nvlan;
	struct dp_net src[CFG_RULE_NETS], dst[CFG_RULE_NETS];
	struct cfg_portrange sport[CFG_RULE_PORTS], dport[CFG_RULE_PORTS];
	uint16_t vlan[CFG_RULE_VLANS];
	uint32_t segments;        /* bit per segment index (0: any) */
	uint8_t days;             /* bit per struct tm wday (0 = Sunday); 0: any */
	int16_t from_min, to_min; /* local minutes of the day; from < 0: all day */
	uint8_t action;           /* enum dp_action */
	uint8_t per_host;
	uint8_t icmp;
	uint64_t rate_Bps; /* ratelimit */
	uint64_t burst;
	uint64_t duration_us; /* quarantine */
	struct rte_meter_srtcm_profile meter;
};

struct dp_policy {
	unsigned nrules;
	struct dp_rule rule[CFG_POLICY_RULES];
	uint8_t dflt;           /* enum dp_action */
	bool active;            /* some rule, or a default other than allow: enforcement runs */
	uint8_t behaviour_used; /* DP_B_* some rule tests (their trackers run only then) */
	int32_t utc_offset_s;   /* local time of days and hours */
	uint8_t inside_side[BOARD_MAX_SEGMENTS]; /* the segment side facing the enterprise */
	uint8_t app_cat[CFG_APP_MAX + 1];        /* category of each application id */
	uint32_t hosts;
	uint32_t fanout_peers;
	uint64_t fanout_window_us;
	uint32_t hopping_ports;
	uint64_t hopping_window_us;
	uint64_t upload_bytes;
	uint64_t upload_host_bytes; /* 0: off */
	uint64_t upload_window_us;
	struct cfg_portrange hold_ports[CFG_RULE_PORTS]; /* hold: server ports */
	unsigned nhold_ports;
	uint32_t hold_packets;
	uint32_t hold_ms;
	uint64_t tsc_hz; /* meters run on microsecond clocks scaled to this */
};

/*
 * Compile (control core). cat may be NULL (identification off: a rule that needs it is an
 * error). Every problem is reported at its rule's file:line. Returns 0 or -1.
 */
int dp_policy_build(const struct cfg_policy *cp, const struct cfg_catalogue *cat,
		    const struct board_profile *board, struct dp_policy **out, struct cfg_diag *d);
void dp_policy_free(struct dp_policy *p);

/* Set up the rate meters' profiles (needs EAL: they count TSC cycles). Returns 0 or -1. */
int dp_policy_meters(struct dp_policy *p);

/* What evaluation knows about a flow. */
struct dp_policy_flow {
	uint8_t family; /* 4 or 6 */
	uint8_t proto;
	const uint8_t *client, *server; /* the side that opened the flow, and the other */
	uint16_t cport, sport;
	uint16_t segment;
	uint16_t vlan[2];
	uint8_t nvlan;
	bool identified; /* identification has decided (or given up: app 0) */
	uint8_t app;     /* application id, 0 none */
	uint8_t master;  /* enum dp_master */
	uint8_t conf;    /* enum dp_conf */
	uint8_t behaviour;
	uint64_t now_us; /* for days and hours */
};

#define DP_POLICY_PENDING (-1)

/*
 * The first rule that matches (0 .. nrules - 1), nrules for the default, or
 * DP_POLICY_PENDING when a rule that needs identification could still match.
 */
int dp_policy_eval(const struct dp_policy *p, const struct dp_policy_flow *pf);

/* Does the hold option cover a flow to this server port (proto: 6 or 17)? */
bool dp_policy_holds(const struct dp_policy *p, uint8_t proto, uint16_t sport);

/* The action of an evaluation's result (rule index or nrules). */
static inline uint8_t
dp_policy_action(const struct dp_policy *p, int r)
{
	return (unsigned)r < p->nrules ? p->rule[r].action : p->dflt;
}

/* Is addr within the prefix? */
bool dp_net_contains(const struct dp_net *n, unsigned family, const uint8_t *addr);

#endif /* DP_POLICY_H */
