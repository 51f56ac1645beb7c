/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bytes per flow: create a flow table (and an inspection-context pool) of N entries and
 * read how much the DPDK heap grew. Prints one line per table size.
 * Usage: flowmem [EAL args]
 */
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_malloc.h>

#include "../../dataplane/flow.h"
#include "../../dataplane/ictx.h"

static size_t
heap_used(void)
{
	struct rte_malloc_socket_stats st;
	rte_malloc_get_socket_stats(0, &st);
	return st.heap_allocsz_bytes;
}

static void
noop(void *ctx, const struct dp_flow_key *k, struct dp_flow *f, enum dp_flow_end why)
{
	(void)ctx;
	(void)k;
	(void)f;
	(void)why;
}

int
main(int argc, char **argv)
{
	struct dp_flow_timeouts to;

	if (rte_eal_init(argc, argv) < 0)
		return 1;
	memset(&to, 0, sizeof(to));
	printf("sizeof(struct dp_flow) = %zu bytes; sizeof(struct dp_ictx) = %zu bytes\n",
	       sizeof(struct dp_flow), sizeof(struct dp_ictx));
	for (uint32_t n = 65536; n <= 1048576; n *= 4) {
		char name[32];
		size_t before = heap_used();
		snprintf(name, sizeof(name), "fm%u", n);
		struct dp_flow_table *t = dp_flow_table_create(name, n, 0, &to, noop, NULL);
		if (t == NULL)
			return 1;
		size_t after = heap_used();
		printf("flow table of %u entries: %.1f MiB, %.0f bytes per flow (entry + hash)\n",
		       n, (double)(after - before) / (1 << 20), (double)(after - before) / n);
		dp_flow_table_free(t);
	}
	rte_eal_cleanup();
	return 0;
}
