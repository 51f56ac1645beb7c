/* SPDX-License-Identifier: BSD-3-Clause */
#include "hosts.h"

#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_malloc.h>

#include "khash.h"

struct dp_host_key {
	uint8_t addr[16];
	uint32_t family;
};
_Static_assert(sizeof(struct dp_host_key) <= DP_KHASH_MAX_LEN, "the hash's seed covers the key");

#define PRUNE_BATCH 1024 /* removals waiting for one grace period */

struct dp_hosts {
	struct rte_hash *h;
	struct dp_host *e;
	uint32_t capacity;
	uint64_t full;
	/* control core only */
	uint32_t iter;     /* rte_hash_iterate cursor */
	uint32_t npending; /* removed keys whose slots wait for the grace period */
	int32_t pending[PRUNE_BATCH];
	uint64_t token; /* rte_rcu_qsbr_start() after the removals */
	uint64_t pruned;
};

struct dp_hosts *
dp_hosts_create(const char *name, uint32_t capacity, int socket)
{
	/* Twice the slots in buckets (at most half full): with a keyed hash, which keys meet in
	 * a bucket changes from run to run, and a full cuckoo table refuses some inserts before
	 * its last slot is taken. capacity is held by the count instead (dp_hosts_get). */
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = rte_align32pow2(capacity) * 2,
		.key_len = sizeof(struct dp_host_key),
		.hash_func = dp_khash, /* keyed: khash.h */
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD,
	};
	struct dp_hosts *t = rte_zmalloc_socket("bw_hosts", sizeof(*t), 0, socket);

	if (t == NULL)
		return NULL;
	t->capacity = capacity;
	t->h = rte_hash_create(&hp);
	/* rte_hash may hand out positions up to capacity plus its per-lcore caches */
	t->e = rte_zmalloc_socket("bw_host_entries",
				  (size_t)(t->h != NULL ? rte_hash_max_key_id(t->h) + 1 : 1) *
					  sizeof(struct dp_host),
				  RTE_CACHE_LINE_SIZE, socket);
	if (t->h == NULL || t->e == NULL) {
		dp_hosts_free(t);
		return NULL;
	}
	return t;
}

void
dp_hosts_free(struct dp_hosts *t)
{
	if (t == NULL)
		return;
	rte_hash_free(t->h);
	rte_free(t->e);
	rte_free(t);
}

struct dp_host *
dp_hosts_get(struct dp_hosts *t, unsigned family, const uint8_t *addr, bool create, uint64_t now_us)
{
	struct dp_host_key k;

	memset(&k, 0, sizeof(k));
	memcpy(k.addr, addr, family == 4 ? 4 : 16);
	k.family = family;
	hash_sig_t sig = rte_hash_hash(t->h, &k);
	int32_t pos = rte_hash_lookup_with_hash(t->h, &k, sig);
	if (pos < 0 && create) {
		/* workers adding at once may pass the count together: a few over capacity, which
		 * the doubled slots hold */
		if (dp_hosts_count(t) < t->capacity)
			pos = rte_hash_add_key_with_hash(t->h, &k, sig);
		if (pos < 0)
			__atomic_fetch_add(&t->full, 1, __ATOMIC_RELAXED);
	}
	if (pos < 0)
		return NULL;
	struct dp_host *h = &t->e[pos];
	if (__atomic_load_n(&h->seen_us, __ATOMIC_RELAXED) < now_us)
		__atomic_store_n(&h->seen_us, now_us, __ATOMIC_RELAXED);
	return h;
}

unsigned
dp_hosts_prune(struct dp_hosts *t, struct rte_rcu_qsbr *qs, uint64_t now_us, uint64_t idle_us,
	       unsigned budget)
{
	unsigned freed = 0;

	if (t->npending > 0) {
		/* a worker may still use an entry it found before the removal: wait */
		if (rte_rcu_qsbr_check(qs, t->token, false) != 1)
			return 0;
		for (uint32_t i = 0; i < t->npending; i++) {
			memset(&t->e[t->pending[i]], 0, sizeof(t->e[0]));
			rte_hash_free_key_with_position(t->h, t->pending[i]);
		}
		freed = t->npending;
		t->pruned += freed;
		t->npending = 0;
	}
	for (unsigned n = 0; n < budget && t->npending < PRUNE_BATCH; n++) {
		const void *key;
		void *data;
		int32_t pos = rte_hash_iterate(t->h, &key, &data, &t->iter);
		if (pos < 0) {
			t->iter = 0; /* the whole table was looked at: start again next time */
			break;
		}
		const struct dp_host *h = &t->e[pos];
		uint64_t seen = __atomic_load_n(&h->seen_us, __ATOMIC_RELAXED);
		uint64_t until = __atomic_load_n(&h->quarantine_until_us, __ATOMIC_ACQUIRE);
		if (seen + idle_us > now_us || until > now_us)
			continue;
		struct dp_host_key k;
		memcpy(&k, key, sizeof(k));
		int32_t del = rte_hash_del_key(t->h, &k);
		if (del >= 0)
			t->pending[t->npending++] = del;
	}
	if (t->npending > 0)
		t->token = rte_rcu_qsbr_start(qs);
	return freed;
}

uint64_t
dp_hosts_pruned(const struct dp_hosts *t)
{
	return t->pruned;
}

uint32_t
dp_hosts_count(const struct dp_hosts *t)
{
	int32_t n = rte_hash_count(t->h);
	return n > 0 ? (uint32_t)n : 0;
}

uint64_t
dp_hosts_full(const struct dp_hosts *t)
{
	return __atomic_load_n(&t->full, __ATOMIC_RELAXED);
}

/* Does now_us start a new window at *start (none yet, or the last one is over)? Of the
 * workers that see it, the one that swaps the start gets true and clears the window's
 * counts (a racing update may be lost, which only delays a trigger). */
static bool
window_roll(uint64_t *start, uint64_t now_us, uint64_t window_us)
{
	uint64_t s = __atomic_load_n(start, __ATOMIC_ACQUIRE);
	return (s == 0 || now_us >= s + window_us) &&
	       __atomic_compare_exchange_n(start, &s, now_us ? now_us : 1, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

/* Distinct keys in a window, approximated by a 1024-bit set (a linear counter: with at
 * most a few hundred keys per window, collisions undercount by a few percent). */
static bool
window_count(uint64_t *start, uint32_t *count, uint64_t *bits, uint64_t key, uint64_t now_us,
	     uint64_t window_us, uint32_t limit)
{
	if (window_roll(start, now_us, window_us)) {
		for (unsigned i = 0; i < DP_HOST_BITS / 64; i++)
			__atomic_store_n(&bits[i], 0, __ATOMIC_RELAXED);
		__atomic_store_n(count, 0, __ATOMIC_RELEASE);
	}
	uint32_t b = (uint32_t)(dp_khash(&key, sizeof(key), 0) % DP_HOST_BITS);
	uint64_t bit = 1ull << (b % 64);
	uint64_t old = __atomic_fetch_or(&bits[b / 64], bit, __ATOMIC_RELAXED);
	uint32_t n = __atomic_load_n(count, __ATOMIC_RELAXED);
	if (!(old & bit))
		n = __atomic_add_fetch(count, 1, __ATOMIC_RELAXED);
	return n > limit;
}

bool
dp_host_fanout(struct dp_host *h, uint64_t key, uint64_t now_us, uint64_t window_us, uint32_t limit)
{
	return window_count(&h->fan_start_us, &h->fan_count, h->fan_bits, key, now_us, window_us,
			    limit);
}

bool
dp_host_upload(struct dp_host *h, uint64_t add, uint64_t now_us, uint64_t window_us, uint64_t limit)
{
	if (window_roll(&h->up_start_us, now_us, window_us))
		__atomic_store_n(&h->up_bytes, 0, __ATOMIC_RELEASE);
	uint64_t n = add != 0 ? __atomic_add_fetch(&h->up_bytes, add, __ATOMIC_RELAXED)
			      : __atomic_load_n(&h->up_bytes, __ATOMIC_RELAXED);
	return n > limit;
}

bool
dp_host_hopping(struct dp_host *h, uint64_t key, uint64_t now_us, uint64_t window_us,
		uint32_t limit)
{
	return window_count(&h->hop_start_us, &h->hop_count, h->hop_bits, key, now_us, window_us,
			    limit);
}
