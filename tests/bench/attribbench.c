/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The attribution cache's design, measured: per-worker copies fed by rings (what
 * dataplane/attrib.c does) against one table shared by every worker (rte_hash with
 * lock-free concurrent readers and multi-writer adds), on the operation the fast path does
 * for every new flow (a lookup, nearly always a miss) while another worker learns entries.
 *
 * Two lcores: the "learner" (main lcore) learns entries as the DNS and TLS flows of another
 * worker would, at a set rate (100 000 per second, a busy uplink's DNS answers; and flat
 * out, the worst case); the "reader" (lcore 1) looks up flow starts, as the fast path does:
 * (client, server, port), then (client, server, any port). Printed: lookups per second of
 * the reader in each design and their ratio, and the cost of a learn (an insert in every
 * worker's copy plus one enqueue per peer) against a shared-table add.
 *
 * Usage: attribbench [EAL args: -l 0,1 ...]
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pause.h>

#include "../../dataplane/attrib.h"

#define ENTRIES 65536
#define LOOKUPS (4u << 20)
#define LEARNS  (1u << 20)
#define PEERS   3

struct shared_key {
	uint8_t client[16];
	uint8_t server[16];
	uint16_t port;
	uint8_t family, kind;
	uint8_t pad[4];
};

static struct dp_attrib *mine, *peers[PEERS + 1];
static struct rte_hash *shared;
static volatile int stop;
static uint64_t learned_entries;

static void
entry_of(struct dp_attrib_entry *e, uint32_t i)
{
	memset(e, 0, sizeof(*e));
	e->family = 4;
	e->client[0] = 198;
	e->client[1] = 18;
	e->client[3] = (uint8_t)(i & 0x3f);
	e->server[0] = 203;
	e->server[1] = (uint8_t)(i >> 16);
	e->server[2] = (uint8_t)(i >> 8);
	e->server[3] = (uint8_t)i;
	e->app = 1;
	e->expires_us = UINT64_MAX;
}

static void
key_of(struct shared_key *k, const struct dp_attrib_entry *e)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->client, e->client, 4);
	memcpy(k->server, e->server, 4);
	k->family = 4;
}

/* Reader, per-worker design: look up flow starts, apply what the learner sent. */
static int
reader_local(void *arg)
{
	uint64_t *rate = arg, hits = 0, t0 = rte_rdtsc();
	struct dp_attrib_entry e;

	for (uint32_t i = 0; i < LOOKUPS; i++) {
		entry_of(&e, i * 2654435761u);
		if (dp_attrib_lookup(mine, 4, e.client, e.server, 443, 1) != NULL)
			hits++;
		if ((i & 31) == 0)
			dp_attrib_receive(mine, 64);
	}
	*rate = (uint64_t)LOOKUPS * rte_get_tsc_hz() / (rte_rdtsc() - t0);
	stop = 1;
	return (int)(hits & 1);
}

/* Reader, shared design. */
static int
reader_shared(void *arg)
{
	uint64_t *rate = arg, hits = 0, t0 = rte_rdtsc();
	struct dp_attrib_entry e;
	struct shared_key k;
	void *data;

	for (uint32_t i = 0; i < LOOKUPS; i++) {
		entry_of(&e, i * 2654435761u);
		key_of(&k, &e);
		k.port = 443;
		if (rte_hash_lookup_data(shared, &k, &data) >= 0) {
			hits++;
			continue;
		}
		k.port = 0;
		if (rte_hash_lookup_data(shared, &k, &data) >= 0)
			hits++;
	}
	*rate = (uint64_t)LOOKUPS * rte_get_tsc_hz() / (rte_rdtsc() - t0);
	stop = 1;
	return (int)(hits & 1);
}

int
main(int argc, char **argv)
{
	struct dp_attrib_entry e;
	struct shared_key k;

	if (rte_eal_init(argc, argv) < 0 || rte_lcore_count() < 2) {
		fprintf(stderr, "attribbench: needs two lcores (-l 0,1)\n");
		return 1;
	}
	unsigned reader = rte_get_next_lcore(-1, 1, 0);
	for (unsigned p = 0; p <= PEERS; p++) {
		char n[32];
		snprintf(n, sizeof(n), "ab%u", p);
		peers[p] = dp_attrib_create(n, ENTRIES, 4096, 0);
		if (peers[p] == NULL)
			return 1;
	}
	mine = peers[0];
	/* the learner is worker 1; it sends to worker 0 (the reader) and two others */
	for (unsigned p = 0; p <= PEERS; p++)
		dp_attrib_link(peers[p], peers, PEERS + 1, p);
	struct rte_hash_parameters hp = {
		.name = "ab_shared",
		.entries = 2 * ENTRIES,
		.key_len = sizeof(struct shared_key),
		.hash_func = rte_hash_crc,
		.socket_id = 0,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD,
	};
	shared = rte_hash_create(&hp);
	if (shared == NULL)
		return 1;

	/* learn cost, alone: per-worker (insert + 3 enqueues) against a shared add */
	uint64_t t0 = rte_rdtsc();
	for (uint32_t i = 0; i < LEARNS; i++) {
		entry_of(&e, i);
		dp_attrib_learn(peers[1], &e);
		if ((i & 63) == 0)
			for (unsigned p = 0; p <= PEERS; p++)
				if (p != 1)
					dp_attrib_receive(peers[p], 4096);
	}
	double learn_ns = (double)(rte_rdtsc() - t0) * 1e9 / rte_get_tsc_hz() / LEARNS;
	t0 = rte_rdtsc();
	for (uint32_t i = 0; i < LEARNS; i++) {
		entry_of(&e, i);
		key_of(&k, &e);
		int32_t pos = rte_hash_add_key_data(shared, &k, (void *)(uintptr_t)1);
		if (pos == -ENOSPC) {
			rte_hash_reset(shared);
			learned_entries++;
		}
	}
	double add_ns = (double)(rte_rdtsc() - t0) * 1e9 / rte_get_tsc_hz() / LEARNS;

	/* lookups while the learner learns: at a set rate, then flat out */
	uint64_t rates[2][2];
	const uint64_t per_learn[2] = { rte_get_tsc_hz() / 100000, 0 };
	for (int r = 0; r < 2; r++) {
		stop = 0;
		rte_eal_remote_launch(reader_local, &rates[r][0], reader);
		uint64_t next = rte_rdtsc();
		for (uint32_t i = 0; !stop; i++) {
			while (per_learn[r] != 0 && rte_rdtsc() < next && !stop)
				rte_pause();
			next += per_learn[r];
			entry_of(&e, i);
			dp_attrib_learn(peers[1], &e);
			for (unsigned p = 2; p <= PEERS; p++)
				dp_attrib_receive(peers[p], 4096);
		}
		rte_eal_wait_lcore(reader);
		stop = 0;
		rte_hash_reset(shared);
		rte_eal_remote_launch(reader_shared, &rates[r][1], reader);
		next = rte_rdtsc();
		for (uint32_t i = 0; !stop; i++) {
			while (per_learn[r] != 0 && rte_rdtsc() < next && !stop)
				rte_pause();
			next += per_learn[r];
			entry_of(&e, i);
			key_of(&k, &e);
			if (rte_hash_add_key_data(shared, &k, (void *)(uintptr_t)1) == -ENOSPC)
				rte_hash_reset(shared);
		}
		rte_eal_wait_lcore(reader);
	}
	printf("lookups/s while another worker learns 100000 entries/s: per-worker copies %" PRIu64
	       ", shared lock-free table %" PRIu64 ", ratio %.2f\n",
	       rates[0][0], rates[0][1], rates[0][1] ? (double)rates[0][0] / rates[0][1] : 0.0);
	printf("lookups/s while another worker learns flat out: per-worker copies %" PRIu64
	       ", shared lock-free table %" PRIu64 ", ratio %.2f\n",
	       rates[1][0], rates[1][1], rates[1][1] ? (double)rates[1][0] / rates[1][1] : 0.0);
	printf("learn: per-worker copies %.0f ns (an insert in each of %u copies + %u ring "
	       "enqueues), shared table add %.0f ns, ratio %.2f\n",
	       learn_ns, PEERS + 1, PEERS, add_ns, add_ns > 0 ? learn_ns / add_ns : 0.0);
	for (unsigned p = 0; p <= PEERS; p++)
		dp_attrib_free(peers[p]);
	rte_hash_free(shared);
	rte_eal_cleanup();
	return 0;
}
