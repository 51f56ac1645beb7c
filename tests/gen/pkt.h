/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GEN_PKT_H
#define GEN_PKT_H

/*
 * Test-traffic construction: frames from a declarative description (L2 with up to two
 * VLAN tags, IPv4 or IPv6, TCP/UDP/ICMP, payload) with correct lengths and checksums, a
 * pcap writer, TCP conversations (handshake, data in MSS-sized segments, teardown) and a
 * deterministic random generator. Used by bwgen (the project's traffic generator) and by
 * tests that need frames in memory.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GEN_MAX_FRAME 16384

/* splitmix64: deterministic, seedable, good enough for test traffic. */
struct gen_rng {
	uint64_t s;
};
uint64_t gen_rand(struct gen_rng *r);
/* Uniform in [0, n). */
uint32_t gen_below(struct gen_rng *r, uint32_t n);

struct gen_addr {
	int family; /* 4 or 6 */
	uint8_t a[16];
};
struct gen_addr gen_ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
/* 2001:db8::/32 documentation prefix + 96-bit suffix from x. */
struct gen_addr gen_ip6(uint32_t hi, uint64_t lo);

struct gen_l2 {
	uint8_t dst[6], src[6];
	unsigned nvlan;   /* 0, 1 or 2 tags */
	uint16_t tpid[2]; /* outer first: 0x88a8/0x8100 */
	uint16_t tci[2];
};

enum {
	GEN_TCP_FIN = 0x01,
	GEN_TCP_SYN = 0x02,
	GEN_TCP_RST = 0x04,
	GEN_TCP_PSH = 0x08,
	GEN_TCP_ACK = 0x10
};

struct gen_pkt {
	struct gen_l2 l2;
	uint16_t ethertype; /* used when l3 == 0 (raw payload after L2) */
	int l3;             /* 0 (raw), 4 or 6 */
	struct gen_addr src, dst;
	uint8_t proto; /* 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, other: raw */
	uint8_t ttl;
	uint16_t ip_id;
	uint16_t frag_off; /* IPv4: offset in 8-byte units | 0x2000 (MF) | 0x4000 (DF) */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t tcp_flags;
	uint16_t window;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;
	const uint8_t *payload;
	size_t payload_len;
	size_t pad_to;    /* pad the frame with zeros up to this length (e.g. 60) */
	bool bad_l4_csum; /* corrupt the L4 checksum */
};

/* Build a frame into buf (GEN_MAX_FRAME bytes). Returns its length. */
size_t gen_build(uint8_t *buf, const struct gen_pkt *p);

/* pcap output. */
struct gen_writer;
struct gen_writer *gen_writer_open(const char *path);
/* A writer for frames already in time order: written at once, nothing buffered. */
struct gen_writer *gen_writer_open_ordered(const char *path);
void gen_write(struct gen_writer *w, uint64_t ts_usec, const uint8_t *frame, size_t len);
uint64_t gen_writer_frames(const struct gen_writer *w);
int gen_writer_close(struct gen_writer *w);

/* A TCP conversation written frame by frame. */
struct gen_tcp {
	struct gen_writer *w;
	struct gen_l2 l2; /* client->server L2 (reversed for server->client) */
	struct gen_addr c, s;
	uint16_t cport, sport;
	uint32_t cseq, sseq; /* next sequence number of each side */
	uint64_t *ts;        /* shared clock, advanced by gap_us per frame */
	uint32_t gap_us;
	size_t mss;
	uint64_t frames;
};
void gen_tcp_handshake(struct gen_tcp *t);
/* Send len bytes from one side in MSS-sized PSH|ACK segments, each acked by the peer. */
void gen_tcp_send(struct gen_tcp *t, bool from_client, const void *data, size_t len);
void gen_tcp_close(struct gen_tcp *t);
/* One UDP datagram. */
void gen_udp(struct gen_writer *w, uint64_t ts, const struct gen_l2 *l2, struct gen_addr src,
	     struct gen_addr dst, uint16_t sport, uint16_t dport, const void *data, size_t len);

/*
 * Cut an IP datagram (a frame built by gen_build, l3 4 or 6, no VLAN tags) into fragments
 * carrying `step` bytes of payload each (a multiple of 8): frames[k] of lens[k] bytes.
 * IPv6 fragments get a fragment header with identification id. Returns the count.
 */
unsigned gen_fragment(const uint8_t *frame, size_t len, int l3, size_t step, uint32_t id,
		      uint8_t (*frames)[2048], size_t *lens, unsigned max);

/* Reverse an L2 header (swap MACs, keep tags). */
struct gen_l2 gen_l2_reverse(const struct gen_l2 *l2);

#endif /* GEN_PKT_H */
