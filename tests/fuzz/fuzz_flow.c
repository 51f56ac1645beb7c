/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for dataplane/flow.c, the flow table of our own (a chained hash table
 * with a free list of positions, LRU lists for aging and eviction): sequences of creates,
 * packets, aging passes and flushes against a model of the table.
 *
 * Input:
 *   0..3    the clock's start (ms; near 2^32 exercises wrap-around)
 *   4..19   the hash of each of the 16 keys (one byte each: keys of one byte share a chain;
 *           with 16 buckets, bytes equal in their low 4 bits share a bucket)
 *   then records of 2 bytes, one operation each:
 *   r0      bits 6-7: 0 dp_flow_get of key r0 & 15, 1 a packet of that key's flow
 *           (dp_flow_update, if the flow exists), 2 an aging pass of budget (r0 & 15) + 1,
 *           3 a flush when r0 & 15 is 15, otherwise nothing; bit 4 of a get or a packet:
 *           the packet comes from key side 1
 *   r1      clock advance before the operation: 8 * r1 ms (the timeout is 3000 ms, an
 *           entry moves in its LRU list at most once in 1000 ms)
 *
 * Every key is a flow of protocol 47 (one timeout class). The model keeps the class's LRU
 * list: an entry goes to the tail when created, and when a packet comes at least 1000 ms
 * after its last move; a full table ends the head (eviction); an aging pass ends heads whose
 * last packet is at least the timeout old, stopping at the first that is not. After every
 * operation each key is looked up: found exactly when the model holds it, always in the
 * entry it was created in, with its key; the flows in use, created, evicted and timed out
 * are the model's counts; and every flow that ended was reported once, with its key and the
 * model's reason.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "../../dataplane/decode.h"
#include "../../dataplane/flow.h"
#include "check.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP        8u
#define NKEYS      16u
#define TIMEOUT_MS 3000u
#define MOVE_MS    1000u /* flow.c's MOVE_EVERY_MS */
#define HDR        20u
#define PROTO      47u

static struct dp_flow_table *tab;

/* the model */
static struct {
	bool live;
	struct dp_flow *f; /* the entry the table gave it */
	uint32_t last_ms, moved_ms;
	unsigned order; /* place in the LRU list: larger is nearer the tail */
} m[NKEYS];
static uint8_t sigs[NKEYS];
static unsigned next_order, nlive;
static uint64_t created, evicted, timeouts;

/* what the model expects the table to end next (flushing: the LRU head, each in turn) */
static int expect_key = -1;
static enum dp_flow_end expect_why;
static bool flushing;
static unsigned ended;

static int head(void);
static void model_end(unsigned k);

static struct dp_flow_key
key_of(unsigned k)
{
	struct dp_flow_key key;
	memset(&key, 0, sizeof(key));
	key.addr[0][0] = 198, key.addr[0][1] = 18, key.addr[0][3] = (uint8_t)k;
	key.addr[1][0] = 198, key.addr[1][1] = 19, key.addr[1][3] = 1;
	key.proto = PROTO;
	key.l3 = 4;
	return key;
}

static void
on_end(void *ctx, const struct dp_flow_key *k, struct dp_flow *f, enum dp_flow_end why)
{
	(void)ctx;
	if (flushing) {
		expect_key = head();
		expect_why = DP_FLOW_END_SHUTDOWN;
	}
	CHECK(expect_key >= 0); /* the model expected a flow to end */
	struct dp_flow_key want = key_of((unsigned)expect_key);
	CHECK(memcmp(k, &want, sizeof(want)) == 0);
	CHECK(f == m[expect_key].f);
	CHECK(why == expect_why);
	if (flushing)
		model_end((unsigned)expect_key);
	expect_key = -1;
	ended++;
}

/* The model's LRU head: the live key with the smallest order; -1 if none. */
static int
head(void)
{
	int h = -1;
	for (unsigned k = 0; k < NKEYS; k++)
		if (m[k].live && (h < 0 || m[k].order < m[h].order))
			h = (int)k;
	return h;
}

static void
model_end(unsigned k)
{
	m[k].live = false;
	nlive--;
}

static void
check_all(void)
{
	const struct dp_flow_counters *c = dp_flow_counters(tab);
	CHECK(c->in_use == nlive);
	CHECK(c->created == created);
	CHECK(c->evicted == evicted);
	CHECK(c->timeouts == timeouts);
	for (unsigned k = 0; k < NKEYS; k++) {
		struct dp_flow_key key = key_of(k);
		struct dp_flow *f = dp_flow_lookup(tab, &key, sigs[k]);
		CHECK((f != NULL) == m[k].live);
		if (f != NULL) {
			CHECK(f == m[k].f);
			CHECK(memcmp(dp_flow_key_of(tab, f), &key, sizeof(key)) == 0);
			CHECK(f->last_ms == m[k].last_ms);
		}
	}
}

static void
packet(unsigned k, unsigned side, uint32_t now)
{
	struct dp_pkt pk;
	memset(&pk, 0, sizeof(pk));
	pk.proto = PROTO;
	pk.l3 = 4;
	dp_flow_update(tab, m[k].f, &pk, side, 1, 60, now);
	m[k].last_ms = now;
	if (now - m[k].moved_ms >= MOVE_MS) {
		m[k].moved_ms = now;
		m[k].order = next_order++;
	}
}

static void
get(unsigned k, unsigned side, uint32_t now)
{
	struct dp_flow_key key = key_of(k);
	bool was = m[k].live, made;
	if (!was && nlive == CAP) {
		int h = head(); /* one class, no idle rule for it: the head goes */
		CHECK(h >= 0);
		expect_key = h;
		expect_why = DP_FLOW_END_FORCED;
	}
	struct dp_flow *f = dp_flow_get(tab, &key, sigs[k], 1000u * now, now, &made);
	CHECK(f != NULL);
	CHECK(expect_key < 0); /* the eviction the model expected happened */
	CHECK(made == !was);
	if (was) {
		CHECK(f == m[k].f);
		packet(k, side, now);
		return;
	}
	if (nlive == CAP) {
		model_end((unsigned)head());
		evicted++;
	}
	CHECK(f->start_us == 1000u * now && f->pkts[0] == 0 && f->pkts[1] == 0);
	m[k] = (typeof(m[k])){
		.live = true, .f = f, .last_ms = now, .moved_ms = now, .order = next_order++
	};
	nlive++;
	created++;
	packet(k, side, now);
}

static void
age(unsigned budget, uint32_t now)
{
	unsigned n = 0;
	while (n < budget) {
		int h = head();
		if (h < 0 || (int32_t)(now - m[h].last_ms) < 0 || now - m[h].last_ms < TIMEOUT_MS)
			break;
		/* dp_flow_age ends one at a time: let it, then check the reason */
		expect_key = h;
		expect_why = DP_FLOW_END_TIMEOUT;
		unsigned got = dp_flow_age(tab, now, 1);
		CHECK(got == 1 && expect_key < 0);
		model_end((unsigned)h);
		timeouts++;
		n++;
	}
	if (n < budget)
		CHECK(dp_flow_age(tab, now, budget - n) == 0); /* nothing more timed out */
}

/* dp_flow_flush ends every flow, from the LRU head on (on_end checks each in turn) */
static void
flush(void)
{
	unsigned before = ended, n = nlive;
	flushing = true;
	dp_flow_flush(tab);
	flushing = false;
	CHECK(ended == before + n && nlive == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HDR)
		return 0;
	uint32_t now = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 |
		       data[3];
	memcpy(sigs, data + 4, NKEYS);
	for (size_t i = HDR; i + 2 <= size; i += 2) {
		unsigned op = data[i] >> 6, k = data[i] & 15u, side = (data[i] >> 4) & 1u;
		now += 8u * data[i + 1];
		switch (op) {
		case 0: get(k, side, now); break;
		case 1:
			if (m[k].live)
				packet(k, side, now);
			break;
		case 2: age(k + 1, now); break;
		default:
			if (k == 15)
				flush();
			break;
		}
		check_all();
	}
	flush();
	check_all();
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char prefix[64];
	static char a0[] = "fuzz", a1[] = "--no-huge", a2[] = "-m", a3[] = "64", a4[] = "--no-pci",
		    a5[] = "--no-shconf", a7[] = "-l", a8[] = "0", a9[] = "--log-level=*:error",
		    a10[] = "--no-telemetry";
	char *eal[] = { a0, a1, a2, a3, a4, a5, prefix, a7, a8, a9, a10, NULL };
	struct dp_flow_timeouts to = { .evict_idle_ms = TIMEOUT_MS };

	(void)argc;
	(void)argv;
	for (unsigned c = 0; c < DP_CLASS__COUNT; c++)
		to.ms[c] = TIMEOUT_MS;
	snprintf(prefix, sizeof(prefix), "--file-prefix=bwfuzzf%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0) {
		fprintf(stderr, "fuzz_flow: rte_eal_init: %s\n", rte_strerror(rte_errno));
		abort();
	}
	tab = dp_flow_table_create("fuzz_flows", CAP, (int)rte_socket_id(), &to, on_end, NULL);
	if (tab == NULL) {
		fprintf(stderr, "fuzz_flow: dp_flow_table_create: %s\n", rte_strerror(rte_errno));
		abort();
	}
	return 0;
}
