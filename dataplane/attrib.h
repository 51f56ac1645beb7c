/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_ATTRIB_H
#define DP_ATTRIB_H

/*
 * The attribution cache: (client address, server address[, server port]) -> application,
 * learned from what a client's signalling reveals: the addresses in DNS answers for an
 * application's names, the server of a TLS connection whose name identified it, the peers
 * and relays in STUN/TURN messages of an identified flow. Media and peer-to-peer flows to
 * addresses anywhere then inherit the application from their first packet.
 *
 * Every worker owns a table (rte_hash + an entry array used as a FIFO: when full, the
 * oldest entry goes) and a multi-producer ring through which the other workers send it
 * what they learn (symmetric RSS puts a client's DNS flow and its media flow on different
 * workers). No lock and no shared write on the fast path: a worker inserts into its own
 * table and enqueues (lock-free) to the others' rings; it applies its ring once per pass.
 * Entries expire (their TTL, bounded by the configuration); a lookup never returns an
 * expired entry.
 *
 * Thread: each worker on its own cache; dp_attrib_create/free on the control core.
 */

#include <stdbool.h>
#include <stdint.h>

struct rte_ring;

enum dp_attrib_source { DP_ATTR_DNS = 1, DP_ATTR_TLS, DP_ATTR_STUN, DP_ATTR_HTTP, DP_ATTR_SOCKET };

/* What an entry is keyed on. */
enum dp_attrib_kind {
	DP_ATTR_SERVER, /* (client, server[, port]): a server a client's signalling named */
	DP_ATTR_LOCAL,  /* (address, port): a local UDP socket an application's media uses */
};

struct dp_attrib_entry {
	uint8_t client[16];
	uint8_t server[16];
	uint16_t port;  /* 0: any port */
	uint8_t family; /* 4 or 6 */
	uint8_t source; /* enum dp_attrib_source */
	uint16_t app;
	uint8_t kind; /* enum dp_attrib_kind; DP_ATTR_LOCAL keeps the socket in client */
	uint8_t rsv;
	uint64_t expires_us;
};

struct dp_attrib_counters {
	uint64_t entries;
	uint64_t learned;
	uint64_t received; /* from other workers */
	uint64_t hits;
	uint64_t expired;
	uint64_t replaced;  /* oldest entries dropped because the table was full */
	uint64_t ring_full; /* learned entries another worker could not take */
};

struct dp_attrib;

struct dp_attrib *dp_attrib_create(const char *name, uint32_t capacity, uint32_t ring_size,
				   int socket);
void dp_attrib_free(struct dp_attrib *a);

/* Tell each worker's cache about the others (index w of peers is worker w's cache). */
void dp_attrib_link(struct dp_attrib *a, struct dp_attrib **peers, unsigned n, unsigned self);

/* Learn an entry here and send it to the other workers. */
void dp_attrib_learn(struct dp_attrib *a, const struct dp_attrib_entry *e);

/* Apply what other workers sent (at most budget entries). */
unsigned dp_attrib_receive(struct dp_attrib *a, unsigned budget);

/*
 * Look up (client, server, port), then (client, server, any port). Returns the entry or
 * NULL; expired entries are removed and not returned.
 */
const struct dp_attrib_entry *dp_attrib_lookup(struct dp_attrib *a, int family,
					       const uint8_t *client, const uint8_t *server,
					       uint16_t port, uint64_t now_us);

/*
 * A local UDP socket (address, port) an identified media flow used: later flows from or to
 * it (the peer-to-peer legs of the same call) belong to the same application.
 */
const struct dp_attrib_entry *dp_attrib_lookup_local(struct dp_attrib *a, int family,
						     const uint8_t *addr, uint16_t port,
						     uint64_t now_us);

const struct dp_attrib_counters *dp_attrib_counters(const struct dp_attrib *a);

#endif /* DP_ATTRIB_H */
