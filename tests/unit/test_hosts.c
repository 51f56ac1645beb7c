/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/hosts.c: the shared inside-host table. Hosts idle for the configured time leave
 * it, but their slots come back only after every worker has been quiescent once (RCU), so a
 * worker still holding an entry never sees it cleared or reused under it; a full table
 * takes new hosts again once idle ones are gone. Each test runs in its own process with
 * its own EAL (no hugepages); this thread plays the one worker of the RCU state.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_rcu_qsbr.h>

#include "../../dataplane/hosts.h"
#include "../support/support.h"

#define CAP 64
#define SEC 1000000ull

static struct dp_hosts *t;
static struct rte_rcu_qsbr *qs;

static void
setup(void)
{
	cr_assert_geq(ts_eal("bwh", 64), 0);
	t = dp_hosts_create("th", CAP, SOCKET_ID_ANY);
	cr_assert_not_null(t);
	qs = rte_zmalloc("qs", rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);
	cr_assert_not_null(qs);
	cr_assert_eq(rte_rcu_qsbr_init(qs, 1), 0);
	cr_assert_eq(rte_rcu_qsbr_thread_register(qs, 0), 0);
	rte_rcu_qsbr_thread_online(qs, 0);
}

static void
teardown(void)
{
	rte_rcu_qsbr_thread_offline(qs, 0);
	rte_free(qs);
	dp_hosts_free(t);
	rte_eal_cleanup();
}

static const uint8_t *
ip4(unsigned n)
{
	static uint8_t a[4];
	a[0] = 198;
	a[1] = 18;
	a[2] = (uint8_t)(n >> 8);
	a[3] = (uint8_t)n;
	return a;
}

TestSuite(hosts, .init = setup, .fini = teardown);

Test(hosts, idle_hosts_leave_after_a_grace_period)
{
	struct dp_host *busy = dp_hosts_get(t, 4, ip4(1), true, 100 * SEC);
	struct dp_host *idle = dp_hosts_get(t, 4, ip4(2), true, 10 * SEC);
	cr_assert(busy != NULL && idle != NULL);
	idle->fan_count = 7; /* state a worker left in it */
	cr_assert_eq(dp_hosts_count(t), 2);

	/* at 100 s with 60 s of idleness allowed, host 2 (last seen at 10 s) goes */
	cr_assert_eq(dp_hosts_prune(t, qs, 100 * SEC, 60 * SEC, 1000), 0, "nothing freed yet");
	cr_assert_null(dp_hosts_get(t, 4, ip4(2), false, 100 * SEC), "no lookup finds it");
	cr_assert_not_null(dp_hosts_get(t, 4, ip4(1), false, 100 * SEC));
	/* the worker has not been quiescent: the entry it may hold stays as it was */
	cr_assert_eq(dp_hosts_prune(t, qs, 100 * SEC, 60 * SEC, 1000), 0);
	cr_assert_eq(idle->fan_count, 7, "cleared under a worker that may still use it");
	cr_assert_eq(dp_hosts_pruned(t), 0);

	rte_rcu_qsbr_quiescent(qs, 0);
	cr_assert_eq(dp_hosts_prune(t, qs, 100 * SEC, 60 * SEC, 1000), 1);
	cr_assert_eq(dp_hosts_pruned(t), 1);
	cr_assert_eq(idle->fan_count, 0, "a freed entry starts clean");
	cr_assert_eq(dp_hosts_count(t), 1);
}

Test(hosts, quarantined_and_recent_hosts_stay)
{
	struct dp_host *q = dp_hosts_get(t, 4, ip4(3), true, 1 * SEC);
	cr_assert_not_null(q);
	q->quarantine_until_us = 500 * SEC;
	cr_assert_not_null(dp_hosts_get(t, 4, ip4(4), true, 1 * SEC));
	/* host 4 was touched again by a later flow */
	cr_assert_not_null(dp_hosts_get(t, 4, ip4(4), false, 90 * SEC));
	dp_hosts_prune(t, qs, 100 * SEC, 60 * SEC, 1000);
	rte_rcu_qsbr_quiescent(qs, 0);
	dp_hosts_prune(t, qs, 100 * SEC, 60 * SEC, 1000);
	cr_assert_eq(dp_hosts_count(t), 2);
	cr_assert_eq(dp_hosts_pruned(t), 0);
	/* quarantine over and idle: it goes */
	dp_hosts_prune(t, qs, 600 * SEC, 60 * SEC, 1000);
	rte_rcu_qsbr_quiescent(qs, 0);
	dp_hosts_prune(t, qs, 600 * SEC, 60 * SEC, 1000);
	cr_assert_eq(dp_hosts_count(t), 0);
	cr_assert_eq(dp_hosts_pruned(t), 2);
}

Test(hosts, a_full_table_takes_new_hosts_once_idle_ones_are_gone)
{
	unsigned n = 0;
	while (dp_hosts_get(t, 4, ip4(n), true, 1 * SEC) != NULL)
		n++;
	cr_assert_geq(n, CAP, "%u hosts fit", n);
	uint64_t full = dp_hosts_full(t);
	cr_assert_gt(full, 0);
	cr_assert_null(dp_hosts_get(t, 4, ip4(1000), true, 200 * SEC));

	/* a small budget: the table is pruned over several calls */
	unsigned calls = 0;
	while (dp_hosts_count(t) > 0 && calls < 100) {
		dp_hosts_prune(t, qs, 200 * SEC, 60 * SEC, 16);
		rte_rcu_qsbr_quiescent(qs, 0);
		calls++;
	}
	dp_hosts_prune(t, qs, 200 * SEC, 60 * SEC, 16);
	cr_assert_eq(dp_hosts_count(t), 0, "after %u calls", calls);
	cr_assert_gt(calls, 1);
	cr_assert_eq(dp_hosts_pruned(t), n);
	for (unsigned i = 0; i < CAP; i++)
		cr_assert_not_null(dp_hosts_get(t, 4, ip4(2000 + i), true, 200 * SEC),
				   "new host %u refused after pruning", i);
	cr_assert_eq(dp_hosts_full(t), full + 1);
}

Test(hosts, uploads_add_up_per_window)
{
	struct dp_host *h = dp_hosts_get(t, 4, ip4(7), true, 1 * SEC);
	cr_assert_not_null(h);
	cr_assert_not(dp_host_upload(h, 2 << 20, 1 * SEC, 60 * SEC, 4 << 20));
	cr_assert_not(dp_host_upload(h, 2 << 20, 2 * SEC, 60 * SEC, 4 << 20), "4 MiB is the limit");
	cr_assert(dp_host_upload(h, 1 << 20, 3 * SEC, 60 * SEC, 4 << 20), "5 MiB is over it");
	cr_assert(dp_host_upload(h, 0, 4 * SEC, 60 * SEC, 4 << 20), "looking does not add");
	cr_assert_not(dp_host_upload(h, 0, 62 * SEC, 60 * SEC, 4 << 20), "a new window");
	cr_assert_not(dp_host_upload(h, 3 << 20, 63 * SEC, 60 * SEC, 4 << 20));
}
