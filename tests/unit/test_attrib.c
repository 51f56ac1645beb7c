/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/attrib.c: what a worker learns, it finds again (for that client, that server,
 * that port or any port) until the entry expires; a full table lets its oldest entry go;
 * what one worker learns reaches the others through their rings, within the budget they
 * give it, and a full ring is counted; local socket entries never mix with server entries.
 * rte_hash and rte_ring need the EAL: each test (its own process) starts it without
 * hugepages.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_memory.h>

#include "../../dataplane/attrib.h"
#include "../support/support.h"

static void
eal(void)
{
	cr_assert_geq(ts_eal("bwa", 64), 0);
}

#define CAP 8 /* entries of the table of the single-worker tests */

static struct dp_attrib *a;

static void
setup(void)
{
	eal();
	a = dp_attrib_create("ta", CAP, 64, SOCKET_ID_ANY);
	cr_assert_not_null(a);
}

static void
teardown(void)
{
	dp_attrib_free(a);
	rte_eal_cleanup();
}

/* IPv4 addresses: the 4 bytes a lookup is given. */
static const uint8_t C1[4] = { 10, 0, 0, 1 }, C2[4] = { 10, 0, 0, 2 };
static const uint8_t S1[4] = { 192, 0, 2, 1 }, S2[4] = { 192, 0, 2, 2 }, S3[4] = { 192, 0, 2, 3 };

static struct dp_attrib_entry
server_entry(const uint8_t *client, const uint8_t *server, uint16_t port, uint16_t app,
	     uint64_t expires_us)
{
	struct dp_attrib_entry e;
	memset(&e, 0, sizeof(e));
	memcpy(e.client, client, 4);
	memcpy(e.server, server, 4);
	e.port = port;
	e.family = 4;
	e.source = DP_ATTR_DNS;
	e.app = app;
	e.kind = DP_ATTR_SERVER;
	e.expires_us = expires_us;
	return e;
}

static struct dp_attrib_entry
local_entry(const uint8_t *addr, uint16_t port, uint16_t app, uint64_t expires_us)
{
	struct dp_attrib_entry e;
	memset(&e, 0, sizeof(e));
	memcpy(e.client, addr, 4);
	e.port = port;
	e.family = 4;
	e.source = DP_ATTR_SOCKET;
	e.app = app;
	e.kind = DP_ATTR_LOCAL;
	e.expires_us = expires_us;
	return e;
}

static void
learn(struct dp_attrib *c, struct dp_attrib_entry e)
{
	dp_attrib_learn(c, &e);
}

/* The application found for (client, server, port) at now, or 0. */
static unsigned
app_at(struct dp_attrib *c, const uint8_t *client, const uint8_t *server, uint16_t port,
       uint64_t now)
{
	const struct dp_attrib_entry *e = dp_attrib_lookup(c, 4, client, server, port, now);
	return e ? e->app : 0;
}

static unsigned
local_at(struct dp_attrib *c, const uint8_t *addr, uint16_t port, uint64_t now)
{
	const struct dp_attrib_entry *e = dp_attrib_lookup_local(c, 4, addr, port, now);
	return e ? e->app : 0;
}

Test(attrib, learn_then_lookup, .init = setup, .fini = teardown)
{
	const struct dp_attrib_counters *k = dp_attrib_counters(a);

	cr_assert_eq(app_at(a, C1, S1, 443, 10), 0, "empty");
	learn(a, server_entry(C1, S1, 443, 7, 1000));
	cr_assert_eq(k->learned, 1);
	cr_assert_eq(k->entries, 1);

	const struct dp_attrib_entry *e = dp_attrib_lookup(a, 4, C1, S1, 443, 10);
	cr_assert_not_null(e);
	cr_assert_eq(e->app, 7);
	cr_assert_eq(e->source, DP_ATTR_DNS);
	cr_assert_eq(e->port, 443);
	cr_assert_eq(e->expires_us, 1000);
	cr_assert_eq(k->hits, 1);

	cr_assert_eq(app_at(a, C1, S1, 80, 10), 0, "another port of the server");
	cr_assert_eq(app_at(a, C2, S1, 443, 10), 0, "another client");
	cr_assert_eq(app_at(a, C1, S2, 443, 10), 0, "another server");
	cr_assert_eq(app_at(a, S1, C1, 443, 10), 0, "client and server swapped");
	cr_assert_eq(k->hits, 1, "misses are not hits");
	cr_assert_eq(app_at(a, C1, S1, 443, 999), 7);
	cr_assert_eq(k->hits, 2);
}

Test(attrib, any_port_entries, .init = setup, .fini = teardown)
{
	learn(a, server_entry(C1, S1, 0, 8, 1000));
	cr_assert_eq(app_at(a, C1, S1, 3478, 10), 8);
	cr_assert_eq(app_at(a, C1, S1, 50000, 10), 8);
	cr_assert_eq(app_at(a, C1, S1, 0, 10), 8);
	cr_assert_eq(app_at(a, C2, S1, 3478, 10), 0, "another client");

	/* a port of its own wins over any port */
	learn(a, server_entry(C1, S1, 443, 7, 1000));
	cr_assert_eq(app_at(a, C1, S1, 443, 10), 7);
	cr_assert_eq(app_at(a, C1, S1, 444, 10), 8);
}

Test(attrib, families_are_apart, .init = setup, .fini = teardown)
{
	/* 10.0.0.1 and 0a00:0001:: share their first four bytes */
	uint8_t c6[16] = { 10, 0, 0, 1 }, s6[16] = { 192, 0, 2, 1 };
	struct dp_attrib_entry e = server_entry(C1, S1, 443, 7, 1000);

	/* bytes of a v4 entry beyond its address are not part of it */
	memset(e.client + 4, 0xee, 12);
	memset(e.server + 4, 0xee, 12);
	learn(a, e);
	cr_assert_eq(app_at(a, C1, S1, 443, 10), 7);
	cr_assert_null(dp_attrib_lookup(a, 6, c6, s6, 443, 10));

	e = server_entry(C1, S1, 443, 9, 1000);
	memcpy(e.client, c6, 16);
	memcpy(e.server, s6, 16);
	e.family = 6;
	learn(a, e);
	const struct dp_attrib_entry *f = dp_attrib_lookup(a, 6, c6, s6, 443, 10);
	cr_assert_not_null(f);
	cr_assert_eq(f->app, 9);
	cr_assert_eq(app_at(a, C1, S1, 443, 10), 7);
}

Test(attrib, expiry_removes_the_entry, .init = setup, .fini = teardown)
{
	const struct dp_attrib_counters *k = dp_attrib_counters(a);

	learn(a, server_entry(C1, S1, 443, 7, 1000));
	learn(a, server_entry(C1, S2, 0, 8, 5000));
	cr_assert_eq(app_at(a, C1, S1, 443, 999), 7);
	cr_assert_eq(app_at(a, C1, S1, 443, 1001), 0, "expired");
	cr_assert_eq(k->expired, 1);
	cr_assert_eq(k->entries, 1);
	/* removed, not hidden: earlier clocks do not bring it back */
	cr_assert_eq(app_at(a, C1, S1, 443, 10), 0);
	cr_assert_eq(k->expired, 1);
	cr_assert_eq(app_at(a, C1, S2, 443, 4000), 8, "the other entry lives on");
	cr_assert_eq(app_at(a, C1, S2, 443, 5001), 0);
	cr_assert_eq(k->expired, 2);
	cr_assert_eq(k->entries, 0);

	/* learned again after it expired: found again */
	learn(a, server_entry(C1, S1, 443, 7, 9000));
	cr_assert_eq(app_at(a, C1, S1, 443, 8000), 7);
	cr_assert_eq(k->entries, 1);
}

Test(attrib, expired_port_entry_falls_back_to_any_port, .init = setup, .fini = teardown)
{
	learn(a, server_entry(C1, S1, 443, 7, 1000));
	learn(a, server_entry(C1, S1, 0, 8, 9000));
	cr_assert_eq(app_at(a, C1, S1, 443, 500), 7);
	cr_assert_eq(app_at(a, C1, S1, 443, 2000), 8);
	cr_assert_eq(dp_attrib_counters(a)->expired, 1);
}

Test(attrib, learning_again_refreshes, .init = setup, .fini = teardown)
{
	const struct dp_attrib_counters *k = dp_attrib_counters(a);

	learn(a, server_entry(C1, S1, 443, 7, 1000));
	learn(a, server_entry(C1, S1, 443, 7, 3000));
	cr_assert_eq(k->entries, 1, "one entry per key");
	cr_assert_eq(app_at(a, C1, S1, 443, 2000), 7, "the later expiry holds");
	/* an earlier expiry does not shorten it; the latest application wins */
	learn(a, server_entry(C1, S1, 443, 9, 1500));
	cr_assert_eq(app_at(a, C1, S1, 443, 2500), 9);
	cr_assert_eq(k->entries, 1);
	cr_assert_eq(k->replaced, 0);
}

Test(attrib, full_table_drops_the_oldest, .init = setup, .fini = teardown)
{
	const struct dp_attrib_counters *k = dp_attrib_counters(a);

	/* ports 1..CAP fill it, then CAP+1 and CAP+2 push out 1 and 2 */
	for (uint16_t p = 1; p <= CAP; p++)
		learn(a, server_entry(C1, S1, p, p, 1000));
	cr_assert_eq(k->entries, CAP);
	cr_assert_eq(k->replaced, 0);
	for (uint16_t p = 1; p <= CAP; p++)
		cr_assert_eq(app_at(a, C1, S1, p, 10), p, "port %u", p);
	learn(a, server_entry(C1, S1, CAP + 1, CAP + 1, 1000));
	cr_assert_eq(k->replaced, 1);
	cr_assert_eq(k->entries, CAP);
	cr_assert_eq(app_at(a, C1, S1, 1, 10), 0, "the oldest went");
	for (uint16_t p = 2; p <= CAP + 1; p++)
		cr_assert_eq(app_at(a, C1, S1, p, 10), p, "port %u", p);
	learn(a, server_entry(C2, S2, 6, 99, 1000));
	cr_assert_eq(k->replaced, 2);
	cr_assert_eq(app_at(a, C1, S1, 2, 10), 0);
	cr_assert_eq(app_at(a, C2, S2, 6, 10), 99);
	for (uint16_t p = 3; p <= CAP + 1; p++)
		cr_assert_eq(app_at(a, C1, S1, p, 10), p, "port %u", p);

	/* many more: always the last CAP, never more than CAP */
	for (uint16_t p = 100; p < 200; p++)
		learn(a, server_entry(C1, S3, p, p, 1000));
	cr_assert_eq(k->entries, CAP);
	cr_assert_eq(k->replaced, 102);
	cr_assert_eq(k->learned, CAP + 2 + 100);
	for (uint16_t p = 100; p < 200 - CAP; p++)
		cr_assert_eq(app_at(a, C1, S3, p, 10), 0, "port %u", p);
	for (uint16_t p = 200 - CAP; p < 200; p++)
		cr_assert_eq(app_at(a, C1, S3, p, 10), p, "port %u", p);
}

Test(attrib, an_expired_oldest_entry_is_not_counted_as_replaced, .init = setup, .fini = teardown)
{
	const struct dp_attrib_counters *k = dp_attrib_counters(a);

	for (uint16_t p = 1; p <= CAP; p++)
		learn(a, server_entry(C1, S1, p, p, 1000));
	cr_assert_eq(app_at(a, C1, S1, 1, 2000), 0);
	cr_assert_eq(k->expired, 1);
	cr_assert_eq(k->entries, CAP - 1);
	learn(a, server_entry(C1, S1, 100, 100, 3000));
	cr_assert_eq(k->replaced, 0, "the slot was free");
	cr_assert_eq(k->entries, CAP);
	cr_assert_eq(app_at(a, C1, S1, 100, 2500), 100);
}

Test(attrib, zero_capacity_is_refused)
{
	eal();
	cr_assert_null(dp_attrib_create("z", 0, 64, SOCKET_ID_ANY));
	rte_eal_cleanup();
}

/* ---- several workers ---- */

static struct dp_attrib *w[3];

static void
peers_setup(void)
{
	eal();
	for (unsigned i = 0; i < 3; i++) {
		char n[16];
		snprintf(n, sizeof(n), "w%u", i);
		w[i] = dp_attrib_create(n, 64, 4, SOCKET_ID_ANY);
		cr_assert_not_null(w[i]);
	}
	for (unsigned i = 0; i < 3; i++)
		dp_attrib_link(w[i], w, 3, i);
}

static void
peers_teardown(void)
{
	for (unsigned i = 0; i < 3; i++)
		dp_attrib_free(w[i]);
	rte_eal_cleanup();
}

Test(attrib, learned_on_one_worker_reaches_the_others, .init = peers_setup, .fini = peers_teardown)
{
	learn(w[0], server_entry(C1, S1, 443, 7, 1000));
	cr_assert_eq(app_at(w[0], C1, S1, 443, 10), 7);
	cr_assert_eq(app_at(w[1], C1, S1, 443, 10), 0, "not before the ring is read");
	cr_assert_eq(dp_attrib_receive(w[1], 64), 1);
	cr_assert_eq(dp_attrib_receive(w[1], 64), 0);
	cr_assert_eq(app_at(w[1], C1, S1, 443, 10), 7);
	cr_assert_eq(dp_attrib_receive(w[2], 64), 1);
	cr_assert_eq(app_at(w[2], C1, S1, 443, 10), 7);
	cr_assert_eq(dp_attrib_receive(w[0], 64), 0, "a worker does not send to itself");

	const struct dp_attrib_counters *k0 = dp_attrib_counters(w[0]);
	const struct dp_attrib_counters *k1 = dp_attrib_counters(w[1]);
	cr_assert_eq(k0->learned, 1);
	cr_assert_eq(k0->received, 0);
	cr_assert_eq(k1->learned, 0);
	cr_assert_eq(k1->received, 1);
	cr_assert_eq(k1->entries, 1);
	cr_assert_eq(k0->ring_full, 0);

	/* received entries are not sent on again, and keep their expiry */
	cr_assert_eq(dp_attrib_receive(w[2], 64), 0);
	cr_assert_eq(app_at(w[1], C1, S1, 443, 1001), 0);

	/* and the other way round, local sockets too */
	learn(w[2], local_entry(C2, 40000, 3, 1000));
	cr_assert_eq(dp_attrib_receive(w[0], 64), 1);
	cr_assert_eq(local_at(w[0], C2, 40000, 10), 3);
}

Test(attrib, receive_applies_at_most_the_budget, .init = peers_setup, .fini = peers_teardown)
{
	for (uint16_t p = 1; p <= 4; p++)
		learn(w[0], server_entry(C1, S1, p, p, 1000));
	cr_assert_eq(dp_attrib_receive(w[1], 1), 1);
	cr_assert_eq(app_at(w[1], C1, S1, 1, 10), 1);
	cr_assert_eq(app_at(w[1], C1, S1, 2, 10), 0, "beyond the budget: still in the ring");
	cr_assert_eq(dp_attrib_receive(w[1], 2), 2);
	cr_assert_eq(app_at(w[1], C1, S1, 3, 10), 3);
	cr_assert_eq(dp_attrib_receive(w[1], 0), 0);
	cr_assert_eq(dp_attrib_receive(w[1], 100), 1);
	cr_assert_eq(app_at(w[1], C1, S1, 4, 10), 4);
	cr_assert_eq(dp_attrib_counters(w[1])->received, 4);
}

Test(attrib, full_ring_is_counted_and_the_entry_still_learned_here, .init = peers_setup,
     .fini = peers_teardown)
{
	const struct dp_attrib_counters *k0 = dp_attrib_counters(w[0]);

	/* rings of 4: the 5th and 6th entries find both peers' rings full */
	for (uint16_t p = 1; p <= 6; p++)
		learn(w[0], server_entry(C1, S1, p, p, 1000));
	cr_assert_eq(k0->learned, 6);
	cr_assert_eq(k0->ring_full, 4, "2 entries x 2 peers");
	for (uint16_t p = 1; p <= 6; p++)
		cr_assert_eq(app_at(w[0], C1, S1, p, 10), p);
	cr_assert_eq(dp_attrib_receive(w[1], 64), 4);
	for (uint16_t p = 1; p <= 4; p++)
		cr_assert_eq(app_at(w[1], C1, S1, p, 10), p);
	cr_assert_eq(app_at(w[1], C1, S1, 5, 10), 0);
	/* room again for the next one (w[2] still has a full ring) */
	learn(w[0], server_entry(C1, S1, 7, 7, 1000));
	cr_assert_eq(k0->ring_full, 5);
	cr_assert_eq(dp_attrib_receive(w[1], 64), 1);
	cr_assert_eq(app_at(w[1], C1, S1, 7, 10), 7);
}

/* ---- local sockets ---- */

Test(attrib, local_socket_entries_are_apart_from_server_entries, .init = setup, .fini = teardown)
{
	const struct dp_attrib_counters *k = dp_attrib_counters(a);
	static const uint8_t zero[4];

	/* the client's media socket 10.0.0.1:40000 belongs to application 3 */
	learn(a, local_entry(C1, 40000, 3, 1000));
	cr_assert_eq(local_at(a, C1, 40000, 10), 3);
	cr_assert_eq(local_at(a, C1, 40001, 10), 0, "another port");
	cr_assert_eq(local_at(a, C2, 40000, 10), 0, "another address");
	cr_assert_eq(local_at(a, C1, 0, 10), 0);
	/* no server entry comes from it, for any server or port */
	cr_assert_eq(app_at(a, C1, zero, 40000, 10), 0);
	cr_assert_eq(app_at(a, C1, S1, 40000, 10), 0);
	cr_assert_eq(app_at(a, C1, zero, 0, 10), 0);

	/* server entries of the same address and port: each kind finds its own */
	learn(a, server_entry(C1, zero, 40000, 9, 1000));
	learn(a, server_entry(C2, C1, 40000, 10, 1000));
	cr_assert_eq(k->entries, 3);
	cr_assert_eq(local_at(a, C1, 40000, 10), 3);
	cr_assert_eq(app_at(a, C1, zero, 40000, 10), 9);
	cr_assert_eq(app_at(a, C2, C1, 40000, 10), 10);

	/* a server entry alone does not make a local one */
	learn(a, server_entry(C2, S2, 5000, 11, 1000));
	cr_assert_eq(local_at(a, S2, 5000, 10), 0);
	cr_assert_eq(local_at(a, C2, 5000, 10), 0);
}

Test(attrib, local_socket_entries_ignore_the_server_field_and_expire, .init = setup,
     .fini = teardown)
{
	struct dp_attrib_entry e = local_entry(C1, 40000, 3, 1000);

	memset(e.server, 0x77, sizeof(e.server));
	learn(a, e);
	cr_assert_eq(local_at(a, C1, 40000, 999), 3);
	cr_assert_eq(local_at(a, C1, 40000, 1001), 0);
	cr_assert_eq(dp_attrib_counters(a)->expired, 1);
	cr_assert_eq(dp_attrib_counters(a)->entries, 0);
}
