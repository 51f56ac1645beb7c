/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_EVENT_H
#define DP_EVENT_H

/*
 * Records a worker posts to the control core: fixed-size, copied by value into the
 * worker's own single-producer/single-consumer rte_ring (rte_ring_*_elem). A full ring
 * drops the record and counts it; the worker never waits for the control core (except in
 * offline replay, where completeness matters more than time).
 *
 * Thread: written by one worker, read by the control core.
 */

#include <stdint.h>

enum dp_event_type {
	DP_EV_FLOW = 1, /* a flow ended: its record */
	DP_EV_POLICY,   /* a policy acted on a flow (log, ratelimit, reset, drop, quarantine) */
};

struct dp_event {
	uint16_t type;
	uint8_t reason; /* enum dp_flow_end */
	uint8_t proto;
	uint8_t l3; /* 4 or 6 */
	uint8_t nvlan;
	uint8_t tcp_state; /* enum dp_tcp_state */
	uint8_t flow_flags;
	uint16_t worker;
	uint16_t in_port; /* board port index the initiator's packets came in on */
	uint16_t vlan[2];
	uint16_t sport; /* the initiator's port */
	uint16_t dport;
	uint8_t src[16]; /* the initiator */
	uint8_t dst[16];
	uint8_t stream_end[2]; /* enum dp_stream_end per direction */
	uint8_t action;        /* enum dp_action */
	uint8_t behaviour;     /* DP_B_* */
	uint16_t prule;        /* policy rule index + 1 (nrules + 1: the default), 0 none */
	uint8_t icmp_sent;     /* policy events: an ICMP went to the sender */
	uint8_t rst_sent; /* policy events: RSTs sent (bit 0 to the sender, 1 to the receiver) */
	uint64_t flow_id;
	uint64_t start_us;
	uint64_t end_us;
	uint64_t pkts[2]; /* toserver, toclient */
	uint64_t bytes[2];
	/* identification */
	uint8_t app;    /* catalogue index + 1, 0 none */
	uint8_t master; /* enum dp_master */
	uint8_t conf;   /* enum dp_conf */
	uint8_t field;  /* enum dp_field */
	uint8_t name_field;
	uint8_t id_flags;
	uint16_t rule;
	uint32_t decided_after;
	uint32_t before_pkts;  /* packets of the flow that crossed before a block */
	uint64_t before_bytes; /* and their bytes */
	char value[64];
	char name[96];
};

_Static_assert(sizeof(struct dp_event) % 8 == 0, "ring elements are multiples of 4 bytes");

#endif /* DP_EVENT_H */
