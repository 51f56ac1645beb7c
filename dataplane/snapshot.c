/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Snapshot publication with DPDK's QSBR RCU: a pointer store with release semantics, then
 * rte_rcu_qsbr_synchronize() on the control core before the old snapshot is freed. Workers
 * that are parked (offline) do not hold up a publish.
 */
#include "snapshot.h"

#include <stdlib.h>

#include <rte_malloc.h>

#include "identify.h"
#include "policy.h"

void
dp_snapshot_free(struct dp_snapshot *s)
{
	if (s == NULL)
		return;
	dp_ident_db_free((struct dp_ident_db *)s->ident);
	dp_policy_free((struct dp_policy *)s->policy);
	free(s);
}

int
dp_rcu_init(struct dp_rcu *r, unsigned nthreads)
{
	size_t sz = rte_rcu_qsbr_get_memsize(nthreads);

	r->current = NULL;
	r->qsbr = rte_zmalloc("bw_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (r->qsbr == NULL)
		return -1;
	return rte_rcu_qsbr_init(r->qsbr, nthreads);
}

uint64_t
dp_snapshot_publish(struct dp_rcu *r, struct dp_snapshot *s)
{
	struct dp_snapshot *old = r->current;

	s->generation = old != NULL ? old->generation + 1 : 1;
	__atomic_store_n(&r->current, s, __ATOMIC_RELEASE);
	if (old != NULL) {
		rte_rcu_qsbr_synchronize(r->qsbr, RTE_QSBR_THRID_INVALID);
		dp_snapshot_free(old);
	}
	return s->generation;
}

void
dp_rcu_fini(struct dp_rcu *r)
{
	dp_snapshot_free(r->current);
	r->current = NULL;
	rte_free(r->qsbr);
	r->qsbr = NULL;
}
