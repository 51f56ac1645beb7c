/* SPDX-License-Identifier: BSD-3-Clause */
/* Inspection context pool: an array with a free list threaded through it. */
#include "ictx.h"

#include <string.h>

uint64_t
dp_ictx_pool_bytes(uint32_t n)
{
	return (uint64_t)(n + 1) * sizeof(struct dp_ictx);
}

void
dp_ictx_pool_init(struct dp_ictx_pool *p, void *mem, uint32_t n)
{
	memset(p, 0, sizeof(*p));
	p->ctx = mem;
	p->n = n;
	for (uint32_t i = 1; i <= n; i++)
		p->ctx[i].next_free = i < n ? i + 1 : 0;
	p->free_head = n > 0 ? 1 : 0;
}

uint32_t
dp_ictx_get(struct dp_ictx_pool *p, uint32_t pos)
{
	uint32_t i = p->free_head;

	if (i == 0) {
		p->cnt.exhausted++;
		return 0;
	}
	p->free_head = p->ctx[i].next_free;
	memset(&p->ctx[i], 0, sizeof(p->ctx[i]));
	p->ctx[i].flow = pos + 1;
	if (++p->cnt.in_use > p->cnt.hwm)
		p->cnt.hwm = p->cnt.in_use;
	return i;
}

void
dp_ictx_put(struct dp_ictx_pool *p, uint32_t idx)
{
	p->ctx[idx].flow = 0;
	p->ctx[idx].next_free = p->free_head;
	p->free_head = idx;
	p->cnt.in_use--;
}
