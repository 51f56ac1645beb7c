/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fragment table: rte_hash from (addresses, id, protocol, VLANs, segment) to a position in
 * an array of datagram slots. A slot keeps the held mbufs with each fragment's offset and
 * length in the datagram and where its data starts in the frame. Slots are on one FIFO
 * (by creation) for timeouts. Overlap checks and the completeness test are O(fragments)
 * with at most DP_FRAG_MAX fragments.
 */
#include "frag.h"

#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "khash.h"

/* hashed by dp_khash: a sender picks its addresses and ids (khash.h) */
struct frag_key {
	uint8_t src[16], dst[16];
	uint32_t id;
	uint16_t vlan[2];
	uint16_t segment;
	uint8_t proto;
	uint8_t l3;
	uint8_t pad[4];
};
_Static_assert(sizeof(struct frag_key) == 48, "48-byte keys compare fastest");
_Static_assert(sizeof(struct frag_key) <= DP_KHASH_MAX_LEN, "the hash's seed covers the key");

struct dgram {
	uint32_t first_ms;
	uint32_t prev, next; /* FIFO, position + 1 */
	uint16_t nfrags;
	uint8_t abandoned;
	uint8_t have_last;
	uint32_t total; /* datagram length (fragmentable part), once the last fragment is seen */
	struct rte_mbuf *m[DP_FRAG_MAX];
	uint32_t foff[DP_FRAG_MAX]; /* offset in the datagram */
	uint16_t flen[DP_FRAG_MAX];
	uint16_t doff[DP_FRAG_MAX]; /* where the fragment's data starts in its frame */
	uint16_t port[DP_FRAG_MAX];
};

/*
 * Datagrams refused for want of room (the table was full when their first fragment came),
 * remembered until their timeout so that their later fragments get the same outcome: one
 * that found room later would wait for the fragments that went before and be dropped
 * incomplete. (A datagram over the held budget has an entry: it is abandoned instead.) A
 * short list, the oldest entry replaced; searched only while a refusal is recent, that is
 * after the table was full.
 */
#define FRAG_REFUSED 32

struct refused {
	struct frag_key k;
	uint32_t ms;
	uint32_t live;
};

struct dp_frag_table {
	struct rte_hash *h;
	struct dgram *d;
	struct dp_frag_cfg cfg;
	uint32_t head, tail;
	int32_t ready; /* position of the datagram completed last, -1 if none */
	struct dp_frag_counters cnt;
	uint32_t last_refused_ms;
	bool any_refused;
	struct refused refused[FRAG_REFUSED];
};

struct dp_frag_table *
dp_frag_create(const char *name, const struct dp_frag_cfg *cfg, int socket)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = cfg->datagrams,
		.key_len = sizeof(struct frag_key),
		.hash_func = dp_khash,
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct dp_frag_table *t = rte_zmalloc_socket(name, sizeof(*t), RTE_CACHE_LINE_SIZE, socket);

	if (t == NULL)
		return NULL;
	t->cfg = *cfg;
	if (t->cfg.max_fragments > DP_FRAG_MAX)
		t->cfg.max_fragments = DP_FRAG_MAX;
	t->h = rte_hash_create(&hp);
	t->d = rte_zmalloc_socket(name, (size_t)cfg->datagrams * sizeof(struct dgram),
				  RTE_CACHE_LINE_SIZE, socket);
	if (t->h == NULL || t->d == NULL) {
		dp_frag_free(t);
		rte_errno = ENOMEM;
		return NULL;
	}
	t->ready = -1;
	return t;
}

void
dp_frag_free(struct dp_frag_table *t)
{
	if (t == NULL)
		return;
	if (t->d != NULL) {
		for (uint32_t i = 0; i < t->cfg.datagrams; i++)
			for (unsigned k = 0; k < t->d[i].nfrags; k++)
				rte_pktmbuf_free(t->d[i].m[k]);
	}
	rte_hash_free(t->h);
	rte_free(t->d);
	rte_free(t);
}

static void
make_key(const struct dp_pkt *pk, uint16_t segment, struct frag_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->src, pk->src, pk->addr_len);
	memcpy(k->dst, pk->dst, pk->addr_len);
	k->id = pk->frag_id;
	k->vlan[0] = pk->vlan[0];
	k->vlan[1] = pk->vlan[1];
	k->segment = segment;
	k->proto = pk->proto;
	k->l3 = pk->l3;
}

/* The entry that remembers datagram k, NULL if none does. */
static struct refused *
refused_entry(struct dp_frag_table *t, const struct frag_key *k)
{
	for (unsigned i = 0; i < FRAG_REFUSED; i++)
		if (t->refused[i].live && memcmp(&t->refused[i].k, k, sizeof(*k)) == 0)
			return &t->refused[i];
	return NULL;
}

static bool
refused_recently(struct dp_frag_table *t, const struct frag_key *k, uint32_t now_ms)
{
	if (!t->any_refused || now_ms - t->last_refused_ms >= t->cfg.timeout_ms)
		return false;
	const struct refused *r = refused_entry(t, k);
	return r != NULL && now_ms - r->ms < t->cfg.timeout_ms;
}

/* Remember a refused datagram: in its own entry if it has one, else a free or the oldest. */
static void
refuse(struct dp_frag_table *t, const struct frag_key *k, uint32_t now_ms)
{
	struct refused *v = refused_entry(t, k);
	for (unsigned i = 0; v == NULL && i < FRAG_REFUSED; i++)
		if (!t->refused[i].live)
			v = &t->refused[i];
	if (v == NULL) {
		v = &t->refused[0];
		for (unsigned i = 1; i < FRAG_REFUSED; i++)
			if (now_ms - t->refused[i].ms > now_ms - v->ms)
				v = &t->refused[i];
	}
	v->k = *k;
	v->ms = now_ms;
	v->live = 1;
	t->any_refused = true;
	t->last_refused_ms = now_ms;
}

static void
fifo_unlink(struct dp_frag_table *t, uint32_t pos)
{
	struct dgram *g = &t->d[pos];
	if (g->prev)
		t->d[g->prev - 1].next = g->next;
	else
		t->head = g->next;
	if (g->next)
		t->d[g->next - 1].prev = g->prev;
	else
		t->tail = g->prev;
	g->prev = g->next = 0;
}

static void
fifo_append(struct dp_frag_table *t, uint32_t pos)
{
	struct dgram *g = &t->d[pos];
	g->next = 0;
	g->prev = t->tail;
	if (t->tail)
		t->d[t->tail - 1].next = pos + 1;
	else
		t->head = pos + 1;
	t->tail = pos + 1;
}

/* Forget a datagram slot (its fragments already handed out). */
static void
forget(struct dp_frag_table *t, uint32_t pos)
{
	void *key;
	fifo_unlink(t, pos);
	if (rte_hash_get_key_with_position(t->h, (int32_t)pos, &key) == 0) {
		struct frag_key copy;
		memcpy(&copy, key, sizeof(copy));
		rte_hash_del_key(t->h, &copy);
	}
	t->d[pos].nfrags = 0;
	t->cnt.datagrams_in_use--;
}

/* Hand the held fragments of g out (for the overflow or incomplete outcome). */
static unsigned
release_held(struct dp_frag_table *t, struct dgram *g, struct dp_frag_out *out, unsigned max)
{
	unsigned n = 0;
	for (unsigned k = 0; k < g->nfrags; k++) {
		if (n < max) {
			out[n].m = g->m[k];
			out[n].port = g->port[k];
			n++;
		} else {
			rte_pktmbuf_free(g->m[k]);
		}
	}
	t->cnt.held -= g->nfrags;
	g->nfrags = 0;
	return n;
}

static const uint8_t *
frag_data(const struct dgram *g, unsigned k)
{
	return rte_pktmbuf_mtod(g->m[k], const uint8_t *) + g->doff[k];
}

/* Sort fragment indexes by offset (insertion sort: at most DP_FRAG_MAX). */
static void
by_offset(const struct dgram *g, uint8_t *idx)
{
	for (unsigned i = 0; i < g->nfrags; i++) {
		unsigned j = i;
		idx[i] = (uint8_t)i;
		while (j > 0 && g->foff[idx[j - 1]] > g->foff[idx[j]]) {
			uint8_t x = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = x;
			j--;
		}
	}
}

static bool
complete(const struct dgram *g)
{
	uint8_t idx[DP_FRAG_MAX];
	uint32_t covered = 0;

	if (!g->have_last)
		return false;
	by_offset(g, idx);
	for (unsigned i = 0; i < g->nfrags; i++) {
		uint32_t o = g->foff[idx[i]], e = o + g->flen[idx[i]];
		if (o > covered)
			return false;
		if (e > covered)
			covered = e;
	}
	return covered >= g->total;
}

enum dp_frag_res
dp_frag_add(struct dp_frag_table *t, const struct dp_pkt *pk, uint16_t segment, struct rte_mbuf *m,
	    uint16_t port, uint32_t now_ms, struct dp_frag_out *rel, unsigned *nrel)
{
	struct frag_key k;
	uint32_t o = pk->frag_off, l = pk->frag_data_len, e = o + l;
	const uint8_t *data = pk->frame + pk->l3_off + pk->frag_hdr_len;

	*nrel = 0;
	t->cnt.fragments++;
	if ((pk->frag_more && (l % 8 != 0 || l == 0)) || m->nb_segs != 1) {
		t->cnt.invalid++;
		return DP_FRAG_INVALID;
	}
	make_key(pk, segment, &k);
	uint32_t sig = rte_hash_hash(t->h, &k);
	int32_t pos = rte_hash_lookup_with_hash(t->h, &k, sig);
	struct dgram *g;

	if (pos < 0) {
		if (refused_recently(t, &k, now_ms)) {
			t->cnt.table_full++;
			return DP_FRAG_OVERFLOW;
		}
		if (t->cnt.datagrams_in_use >= t->cfg.datagrams ||
		    (pos = rte_hash_add_key_with_hash(t->h, &k, sig)) < 0) {
			t->cnt.table_full++;
			refuse(t, &k, now_ms);
			return DP_FRAG_OVERFLOW;
		}
		g = &t->d[pos];
		memset(g, 0, offsetof(struct dgram, m));
		g->first_ms = now_ms;
		fifo_append(t, (uint32_t)pos);
		if (++t->cnt.datagrams_in_use > t->cnt.datagrams_hwm)
			t->cnt.datagrams_hwm = t->cnt.datagrams_in_use;
	}
	g = &t->d[pos];
	if (g->abandoned)
		return DP_FRAG_OVERFLOW;

	/* Consistency with what is known of the datagram's end. */
	if ((g->have_last && e > g->total) || (!pk->frag_more && g->have_last && e != g->total)) {
		t->cnt.invalid++;
		return DP_FRAG_INVALID;
	}
	if (!pk->frag_more) {
		for (unsigned i = 0; i < g->nfrags; i++) {
			if (g->foff[i] + g->flen[i] > e) {
				t->cnt.invalid++;
				return DP_FRAG_INVALID;
			}
		}
	}

	/* First wins: every held byte this fragment overlaps must be the same. */
	uint32_t covered = 0, ivs = 0;
	uint32_t iv_o[DP_FRAG_MAX], iv_e[DP_FRAG_MAX];
	for (unsigned i = 0; i < g->nfrags; i++) {
		uint32_t fo = g->foff[i], fe = fo + g->flen[i];
		uint32_t a = fo > o ? fo : o, b = fe < e ? fe : e;
		if (a >= b)
			continue;
		if (memcmp(frag_data(g, i) + (a - fo), data + (a - o), b - a) != 0) {
			t->cnt.conflicts++;
			return DP_FRAG_CONFLICT;
		}
		iv_o[ivs] = a;
		iv_e[ivs] = b;
		ivs++;
	}
	/* How much of [o, e) do held fragments cover? (union of the overlaps) */
	for (uint32_t i = 1; i < ivs; i++)
		for (uint32_t j = i; j > 0 && iv_o[j - 1] > iv_o[j]; j--) {
			uint32_t x = iv_o[j], y = iv_e[j];
			iv_o[j] = iv_o[j - 1];
			iv_e[j] = iv_e[j - 1];
			iv_o[j - 1] = x;
			iv_e[j - 1] = y;
		}
	for (uint32_t i = 0, reach = o; i < ivs; i++) {
		uint32_t a = iv_o[i] > reach ? iv_o[i] : reach;
		if (iv_e[i] > a) {
			covered += iv_e[i] - a;
			reach = iv_e[i];
		}
	}
	if (covered == l && l > 0) {
		t->cnt.duplicates++;
		return DP_FRAG_DUPLICATE;
	}

	if (g->nfrags >= t->cfg.max_fragments || t->cnt.held >= t->cfg.max_held) {
		if (g->nfrags >= t->cfg.max_fragments)
			t->cnt.too_many++;
		else
			t->cnt.table_full++;
		g->abandoned = 1;
		*nrel = release_held(t, g, rel, DP_FRAG_MAX);
		return DP_FRAG_OVERFLOW;
	}
	unsigned n = g->nfrags++;
	g->m[n] = m;
	g->foff[n] = o;
	g->flen[n] = (uint16_t)l;
	g->doff[n] = (uint16_t)(data - pk->frame);
	g->port[n] = port;
	if (!pk->frag_more) {
		g->have_last = 1;
		g->total = e;
	}
	if (++t->cnt.held > t->cnt.held_hwm)
		t->cnt.held_hwm = t->cnt.held;
	if (complete(g)) {
		t->ready = pos;
		return DP_FRAG_COMPLETE;
	}
	return DP_FRAG_HELD;
}

unsigned
dp_frag_assemble(struct dp_frag_table *t, struct dp_pkt *pk, uint8_t *buf, uint32_t *len,
		 struct dp_frag_out *out, uint64_t *bytes, enum dp_dec_reason *l4_err)
{
	struct dgram *g;
	unsigned n;

	if (t->ready < 0)
		return 0;
	g = &t->d[t->ready];
	for (unsigned k = 0; k < g->nfrags; k++)
		memcpy(buf + g->foff[k], frag_data(g, k), g->flen[k]);
	*len = g->total;
	*bytes = 0;
	for (unsigned k = 0; k < g->nfrags; k++)
		*bytes += rte_pktmbuf_pkt_len(g->m[k]);
	pk->is_frag = false;
	*l4_err = dp_decode_l4(buf, g->total, pk);
	t->cnt.reassembled++;
	n = release_held(t, g, out, DP_FRAG_MAX);
	forget(t, (uint32_t)t->ready);
	t->ready = -1;
	return n;
}

unsigned
dp_frag_expire(struct dp_frag_table *t, uint32_t now_ms, unsigned budget, struct dp_frag_out *out,
	       unsigned max_out)
{
	unsigned n = 0;

	while (t->head && budget-- > 0) {
		uint32_t pos = t->head - 1;
		struct dgram *g = &t->d[pos];
		if (now_ms - g->first_ms < t->cfg.timeout_ms)
			break;
		if (n + g->nfrags > max_out)
			break;
		if (!g->abandoned)
			t->cnt.timeouts++;
		n += release_held(t, g, out + n, max_out - n);
		forget(t, pos);
	}
	return n;
}

unsigned
dp_frag_drain(struct dp_frag_table *t, struct dp_frag_out *out, unsigned max_out)
{
	unsigned n = 0;

	while (t->head) {
		uint32_t pos = t->head - 1;
		struct dgram *g = &t->d[pos];
		if (n + g->nfrags > max_out)
			break;
		n += release_held(t, g, out + n, max_out - n);
		forget(t, pos);
	}
	if (t->head == 0) { /* empty: nothing refused is remembered either */
		t->any_refused = false;
		for (unsigned i = 0; i < FRAG_REFUSED; i++)
			t->refused[i].live = 0;
	}
	return n;
}

const struct dp_frag_counters *
dp_frag_counters(const struct dp_frag_table *t)
{
	return &t->cnt;
}
