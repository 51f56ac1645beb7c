/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Attribution cache: rte_hash from the 40-byte key (client, server, port, family) to a
 * slot of a FIFO array of entries. The FIFO makes "the table is full" cheap to resolve
 * (the slot about to be reused is the oldest; its key leaves the hash) and bounds memory.
 * Sending to other workers: rte_ring (multi-producer, single consumer) of whole entries.
 */
#include "attrib.h"

#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "khash.h"

#define MAX_PEERS 16

struct key {
	uint8_t client[16];
	uint8_t server[16];
	uint16_t port;
	uint8_t family;
	uint8_t kind;
	uint8_t pad[4];
};
_Static_assert(sizeof(struct key) == 40, "key layout");
_Static_assert(sizeof(struct key) <= DP_KHASH_MAX_LEN, "the hash's seed covers the key");

struct dp_attrib {
	struct rte_hash *h;
	struct dp_attrib_entry *slot; /* FIFO */
	uint32_t capacity;
	uint32_t next; /* the slot to fill next (the oldest when full) */
	struct rte_ring *inbox;
	struct rte_ring *peers[MAX_PEERS];
	unsigned npeers;
	struct dp_attrib_counters cnt;
};

struct dp_attrib *
dp_attrib_create(const char *name, uint32_t capacity, uint32_t ring_size, int socket)
{
	char n[64];
	struct dp_attrib *a = rte_zmalloc_socket(name, sizeof(*a), 64, socket);

	if (a == NULL)
		return NULL;
	snprintf(n, sizeof(n), "%s_h", name);
	struct rte_hash_parameters hp = {
		.name = n,
		.entries = rte_align32pow2(capacity) + 1, /* half-full buckets, see flow.c */
		.key_len = sizeof(struct key),
		.hash_func = dp_khash, /* keyed: khash.h */
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	a->h = rte_hash_create(&hp);
	a->slot = rte_zmalloc_socket(name, sizeof(*a->slot) * capacity, 64, socket);
	snprintf(n, sizeof(n), "%s_in", name);
	a->inbox = rte_ring_create_elem(n, sizeof(struct dp_attrib_entry), ring_size, socket,
					RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (a->h == NULL || a->slot == NULL || a->inbox == NULL) {
		dp_attrib_free(a);
		return NULL;
	}
	a->capacity = capacity;
	return a;
}

void
dp_attrib_free(struct dp_attrib *a)
{
	if (a == NULL)
		return;
	rte_hash_free(a->h);
	rte_free(a->slot);
	rte_ring_free(a->inbox);
	rte_free(a);
}

void
dp_attrib_link(struct dp_attrib *a, struct dp_attrib **peers, unsigned n, unsigned self)
{
	a->npeers = 0;
	for (unsigned i = 0; i < n && a->npeers < MAX_PEERS; i++)
		if (i != self)
			a->peers[a->npeers++] = peers[i]->inbox;
}

static void
key_of(struct key *k, int family, const uint8_t *client, const uint8_t *server, uint16_t port,
       uint8_t kind)
{
	unsigned alen = family == 4 ? 4 : 16;
	memset(k, 0, sizeof(*k));
	memcpy(k->client, client, alen);
	if (kind == DP_ATTR_SERVER)
		memcpy(k->server, server, alen);
	k->port = port;
	k->family = (uint8_t)family;
	k->kind = kind;
}

static void
insert(struct dp_attrib *a, const struct dp_attrib_entry *e)
{
	struct key k;
	void *data;

	key_of(&k, e->family, e->client, e->server, e->port, e->kind);
	/* already known: refresh it in place */
	if (rte_hash_lookup_data(a->h, &k, &data) >= 0) {
		struct dp_attrib_entry *old = &a->slot[(uintptr_t)data];
		old->app = e->app;
		old->source = e->source;
		if (e->expires_us > old->expires_us)
			old->expires_us = e->expires_us;
		return;
	}
	uint32_t i = a->next;
	struct dp_attrib_entry *s = &a->slot[i];
	if (s->family != 0) {
		struct key ok;
		key_of(&ok, s->family, s->client, s->server, s->port, s->kind);
		if (rte_hash_del_key(a->h, &ok) >= 0)
			a->cnt.replaced++;
		a->cnt.entries--;
	}
	*s = *e;
	if (rte_hash_add_key_data(a->h, &k, (void *)(uintptr_t)i) == 0) {
		a->cnt.entries++;
	} else {
		s->family = 0;
	}
	a->next = (i + 1) % a->capacity;
}

void
dp_attrib_learn(struct dp_attrib *a, const struct dp_attrib_entry *e)
{
	insert(a, e);
	a->cnt.learned++;
	for (unsigned i = 0; i < a->npeers; i++)
		if (rte_ring_mp_enqueue_elem(a->peers[i], (void *)(uintptr_t)e, sizeof(*e)) != 0)
			a->cnt.ring_full++;
}

unsigned
dp_attrib_receive(struct dp_attrib *a, unsigned budget)
{
	struct dp_attrib_entry e[16];
	unsigned total = 0, n;

	while (total < budget &&
	       (n = rte_ring_sc_dequeue_burst_elem(a->inbox, e, sizeof(e[0]),
						   RTE_MIN(16u, budget - total), NULL)) > 0) {
		for (unsigned i = 0; i < n; i++)
			insert(a, &e[i]);
		a->cnt.received += n;
		total += n;
	}
	return total;
}

static const struct dp_attrib_entry *
find(struct dp_attrib *a, const struct key *k, uint64_t now_us)
{
	void *data;
	if (rte_hash_lookup_data(a->h, k, &data) < 0)
		return NULL;
	struct dp_attrib_entry *e = &a->slot[(uintptr_t)data];
	if (e->expires_us < now_us) {
		rte_hash_del_key(a->h, k);
		e->family = 0;
		a->cnt.entries--;
		a->cnt.expired++;
		return NULL;
	}
	return e;
}

const struct dp_attrib_entry *
dp_attrib_lookup(struct dp_attrib *a, int family, const uint8_t *client, const uint8_t *server,
		 uint16_t port, uint64_t now_us)
{
	struct key k;
	const struct dp_attrib_entry *e;

	if (a->cnt.entries == 0)
		return NULL;
	key_of(&k, family, client, server, port, DP_ATTR_SERVER);
	if ((e = find(a, &k, now_us)) == NULL && port != 0) {
		k.port = 0;
		e = find(a, &k, now_us);
	}
	if (e != NULL)
		a->cnt.hits++;
	return e;
}

const struct dp_attrib_entry *
dp_attrib_lookup_local(struct dp_attrib *a, int family, const uint8_t *addr, uint16_t port,
		       uint64_t now_us)
{
	struct key k;
	const struct dp_attrib_entry *e;

	if (a->cnt.entries == 0)
		return NULL;
	key_of(&k, family, addr, NULL, port, DP_ATTR_LOCAL);
	if ((e = find(a, &k, now_us)) != NULL)
		a->cnt.hits++;
	return e;
}

const struct dp_attrib_counters *
dp_attrib_counters(const struct dp_attrib *a)
{
	return &a->cnt;
}
