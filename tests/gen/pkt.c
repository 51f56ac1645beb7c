/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame construction for test traffic. Checksums follow RFC 791/793/768 (ones' complement
 * over the pseudo-header and segment) and RFC 8200 (IPv6 pseudo-header). Fragment frames
 * carry the L4 header only in the first fragment, as on the wire: build the whole datagram
 * once, then slice it (see bwgen's fragment scenarios).
 */
#include "pkt.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t
gen_rand(struct gen_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint32_t
gen_below(struct gen_rng *r, uint32_t n)
{
	return n == 0 ? 0 : (uint32_t)(gen_rand(r) % n);
}

struct gen_addr
gen_ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct gen_addr x = { .family = 4 };
	x.a[0] = a;
	x.a[1] = b;
	x.a[2] = c;
	x.a[3] = d;
	return x;
}

struct gen_addr
gen_ip6(uint32_t hi, uint64_t lo)
{
	struct gen_addr x = { .family = 6 };
	x.a[0] = 0x20;
	x.a[1] = 0x01;
	x.a[2] = 0x0d;
	x.a[3] = 0xb8;
	for (int i = 0; i < 4; i++)
		x.a[4 + i] = (uint8_t)(hi >> (24 - 8 * i));
	for (int i = 0; i < 8; i++)
		x.a[8 + i] = (uint8_t)(lo >> (56 - 8 * i));
	return x;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		acc += (uint32_t)(p[n - 1] << 8);
	return acc;
}

static uint16_t
fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

size_t
gen_build(uint8_t *buf, const struct gen_pkt *p)
{
	size_t off = 12, l3off, l4off, l4len, hl;
	uint16_t ethertype;

	memcpy(buf, p->l2.dst, 6);
	memcpy(buf + 6, p->l2.src, 6);
	for (unsigned i = 0; i < p->l2.nvlan; i++) {
		put16(buf + off, p->l2.tpid[i]);
		put16(buf + off + 2, p->l2.tci[i]);
		off += 4;
	}
	ethertype = p->l3 == 4 ? 0x0800 : p->l3 == 6 ? 0x86dd : p->ethertype;
	put16(buf + off, ethertype);
	off += 2;
	l3off = off;
	if (p->l3 == 0) {
		if (p->payload_len > 0)
			memcpy(buf + off, p->payload, p->payload_len);
		off += p->payload_len;
		goto pad;
	}
	hl = p->l3 == 4 ? 20 : 40;
	l4off = l3off + hl;
	switch (p->proto) {
	case 6: l4len = 20; break;
	case 17: l4len = 8; break;
	case 1:
	case 58: l4len = 8; break;
	default: l4len = 0; break;
	}
	uint8_t *l4 = buf + l4off;
	memset(l4, 0, l4len);
	if (p->payload_len > 0)
		memcpy(l4 + l4len, p->payload, p->payload_len);
	size_t seglen = l4len + p->payload_len;
	if (p->proto == 6) {
		put16(l4, p->sport);
		put16(l4 + 2, p->dport);
		put32(l4 + 4, p->seq);
		put32(l4 + 8, p->ack);
		l4[12] = 5 << 4;
		l4[13] = p->tcp_flags;
		put16(l4 + 14, p->window ? p->window : 64240);
	} else if (p->proto == 17) {
		put16(l4, p->sport);
		put16(l4 + 2, p->dport);
		put16(l4 + 4, (uint16_t)seglen);
	} else if (p->proto == 1 || p->proto == 58) {
		l4[0] = p->icmp_type;
		l4[1] = p->icmp_code;
		put16(l4 + 4, p->icmp_id);
		put16(l4 + 6, p->icmp_seq);
	}
	/* IP header */
	uint8_t *ip = buf + l3off;
	if (p->l3 == 4) {
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + seglen));
		put16(ip + 4, p->ip_id);
		put16(ip + 6, p->frag_off);
		ip[8] = p->ttl ? p->ttl : 64;
		ip[9] = p->proto;
		memcpy(ip + 12, p->src.a, 4);
		memcpy(ip + 16, p->dst.a, 4);
		put16(ip + 10, fold(sum16(ip, 20, 0)));
	} else {
		memset(ip, 0, 40);
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)seglen);
		ip[6] = p->proto;
		ip[7] = p->ttl ? p->ttl : 64;
		memcpy(ip + 8, p->src.a, 16);
		memcpy(ip + 24, p->dst.a, 16);
	}
	/* L4 checksum over the pseudo-header (ICMPv4 has none). */
	int csum_at = p->proto == 6                       ? 16
		      : p->proto == 17                    ? 6
		      : (p->proto == 1 || p->proto == 58) ? 2
							  : -1;
	if (csum_at >= 0) {
		uint32_t acc = 0;
		if (p->proto != 1) {
			size_t alen = p->l3 == 4 ? 4 : 16;
			uint8_t ph[8];
			acc = sum16(p->src.a, alen, acc);
			acc = sum16(p->dst.a, alen, acc);
			put32(ph, (uint32_t)seglen);
			ph[4] = ph[5] = ph[6] = 0;
			ph[7] = p->proto;
			acc = sum16(ph, 8, acc);
		}
		acc = sum16(l4, seglen, acc);
		uint16_t c = fold(acc);
		if (p->proto == 17 && c == 0)
			c = 0xffff;
		if (p->bad_l4_csum)
			c ^= 0x5a5a;
		put16(l4 + csum_at, c);
	}
	off = l4off + seglen;
pad:
	if (off < p->pad_to) {
		memset(buf + off, 0, p->pad_to - off);
		off = p->pad_to;
	}
	return off;
}

/*
 * Frames are buffered and written in timestamp order at close (stable for equal stamps), so
 * scenarios can emit whole conversations one after another with overlapping clocks and get
 * a capture in which they interleave as on a real wire.
 */
struct gen_frame {
	uint64_t ts;
	uint64_t seq;
	uint32_t len;
	uint8_t *data;
};

struct gen_writer {
	pcap_t *dead;
	pcap_dumper_t *d;
	uint64_t frames;
	struct gen_frame *buf;
	size_t cap;
	bool ordered; /* write through */
};

struct gen_writer *
gen_writer_open(const char *path)
{
	struct gen_writer *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->dead = pcap_open_dead(DLT_EN10MB, 65535);
	w->d = w->dead ? pcap_dump_open(w->dead, path) : NULL;
	if (w->d == NULL) {
		fprintf(stderr, "cannot write %s: %s\n", path,
			w->dead ? pcap_geterr(w->dead) : "pcap_open_dead failed");
		if (w->dead)
			pcap_close(w->dead);
		free(w);
		return NULL;
	}
	return w;
}

static void
dump(struct gen_writer *w, uint64_t ts, const uint8_t *frame, uint32_t len)
{
	struct pcap_pkthdr h;
	h.ts.tv_sec = (time_t)(ts / 1000000);
	h.ts.tv_usec = (suseconds_t)(ts % 1000000);
	h.caplen = h.len = len;
	pcap_dump((u_char *)w->d, &h, frame);
}

struct gen_writer *
gen_writer_open_ordered(const char *path)
{
	struct gen_writer *w = gen_writer_open(path);
	if (w != NULL)
		w->ordered = true;
	return w;
}

void
gen_write(struct gen_writer *w, uint64_t ts, const uint8_t *frame, size_t len)
{
	if (w->ordered) {
		dump(w, ts, frame, (uint32_t)len);
		w->frames++;
		return;
	}
	if (w->frames == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 1024;
		w->buf = realloc(w->buf, w->cap * sizeof(*w->buf));
		if (w->buf == NULL)
			abort();
	}
	struct gen_frame *f = &w->buf[w->frames];
	f->ts = ts;
	f->seq = w->frames++;
	f->len = (uint32_t)len;
	f->data = malloc(len);
	if (f->data == NULL)
		abort();
	memcpy(f->data, frame, len);
}

static int
frame_cmp(const void *a, const void *b)
{
	const struct gen_frame *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

uint64_t
gen_writer_frames(const struct gen_writer *w)
{
	return w->frames;
}

int
gen_writer_close(struct gen_writer *w)
{
	if (!w->ordered)
		qsort(w->buf, w->frames, sizeof(*w->buf), frame_cmp);
	for (size_t i = 0; !w->ordered && i < w->frames; i++) {
		dump(w, w->buf[i].ts, w->buf[i].data, w->buf[i].len);
		free(w->buf[i].data);
	}
	free(w->buf);
	int rc = pcap_dump_flush(w->d);
	pcap_dump_close(w->d);
	pcap_close(w->dead);
	free(w);
	return rc;
}

struct gen_l2
gen_l2_reverse(const struct gen_l2 *l2)
{
	struct gen_l2 r = *l2;
	memcpy(r.dst, l2->src, 6);
	memcpy(r.src, l2->dst, 6);
	return r;
}

static void
tcp_frame(struct gen_tcp *t, bool from_client, uint8_t flags, const void *data, size_t len)
{
	uint8_t buf[GEN_MAX_FRAME];
	struct gen_pkt p = { 0 };

	p.l2 = from_client ? t->l2 : gen_l2_reverse(&t->l2);
	p.l3 = t->c.family;
	p.src = from_client ? t->c : t->s;
	p.dst = from_client ? t->s : t->c;
	p.proto = 6;
	p.sport = from_client ? t->cport : t->sport;
	p.dport = from_client ? t->sport : t->cport;
	p.seq = from_client ? t->cseq : t->sseq;
	p.ack = (flags & GEN_TCP_ACK) ? (from_client ? t->sseq : t->cseq) : 0;
	p.tcp_flags = flags;
	p.payload = data;
	p.payload_len = len;
	p.ip_id = (uint16_t)(t->frames * 7 + 1);
	p.pad_to = 60;
	*t->ts += t->gap_us;
	gen_write(t->w, *t->ts, buf, gen_build(buf, &p));
	t->frames++;
	uint32_t adv = (uint32_t)len + ((flags & (GEN_TCP_SYN | GEN_TCP_FIN)) ? 1 : 0);
	if (from_client)
		t->cseq += adv;
	else
		t->sseq += adv;
}

void
gen_tcp_handshake(struct gen_tcp *t)
{
	tcp_frame(t, true, GEN_TCP_SYN, NULL, 0);
	tcp_frame(t, false, GEN_TCP_SYN | GEN_TCP_ACK, NULL, 0);
	tcp_frame(t, true, GEN_TCP_ACK, NULL, 0);
}

void
gen_tcp_send(struct gen_tcp *t, bool from_client, const void *data, size_t len)
{
	const uint8_t *d = data;
	size_t mss = t->mss ? t->mss : 1460;

	while (len > 0) {
		size_t n = len < mss ? len : mss;
		tcp_frame(t, from_client, GEN_TCP_PSH | GEN_TCP_ACK, d, n);
		tcp_frame(t, !from_client, GEN_TCP_ACK, NULL, 0);
		d += n;
		len -= n;
	}
}

void
gen_tcp_close(struct gen_tcp *t)
{
	tcp_frame(t, true, GEN_TCP_FIN | GEN_TCP_ACK, NULL, 0);
	tcp_frame(t, false, GEN_TCP_FIN | GEN_TCP_ACK, NULL, 0);
	tcp_frame(t, true, GEN_TCP_ACK, NULL, 0);
}

void
gen_udp(struct gen_writer *w, uint64_t ts, const struct gen_l2 *l2, struct gen_addr src,
	struct gen_addr dst, uint16_t sport, uint16_t dport, const void *data, size_t len)
{
	uint8_t buf[GEN_MAX_FRAME];
	struct gen_pkt p = { 0 };

	p.l2 = *l2;
	p.l3 = src.family;
	p.src = src;
	p.dst = dst;
	p.proto = 17;
	p.sport = sport;
	p.dport = dport;
	p.payload = data;
	p.payload_len = len;
	p.pad_to = 60;
	gen_write(w, ts, buf, gen_build(buf, &p));
}

unsigned
gen_fragment(const uint8_t *frame, size_t len, int l3, size_t step, uint32_t id,
	     uint8_t (*frames)[2048], size_t *lens, unsigned max)
{
	size_t hdr = l3 == 4 ? 34 : 54, data = len - hdr;
	unsigned k = 0;

	for (size_t off = 0; off < data && k < max; off += step, k++) {
		size_t l = data - off < step ? data - off : step;
		bool more = off + l < data;
		uint8_t *f = frames[k];
		if (l3 == 4) {
			memcpy(f, frame, 34);
			memcpy(f + 34, frame + 34 + off, l);
			put16(f + 16, (uint16_t)(20 + l));
			put16(f + 18, (uint16_t)id);
			put16(f + 20, (uint16_t)((off / 8) | (more ? 0x2000 : 0)));
			put16(f + 24, 0);
			put16(f + 24, fold(sum16(f + 14, 20, 0)));
			lens[k] = 34 + l;
		} else {
			memcpy(f, frame, 54);
			uint8_t nh = f[20];
			f[20] = 44;
			put16(f + 18, (uint16_t)(8 + l));
			f[54] = nh;
			f[55] = 0;
			put16(f + 56, (uint16_t)(off | (more ? 1 : 0)));
			put32(f + 58, id);
			memcpy(f + 62, frame + 54 + off, l);
			lens[k] = 62 + l;
		}
	}
	return k;
}
