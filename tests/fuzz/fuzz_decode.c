/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for dataplane/decode.c: the whole input is an Ethernet frame.
 *
 * The frame is copied into a heap buffer of exactly its length, so any read past len is an
 * ASan report. It is decoded four times: with two extension-header budgets taken from the
 * first byte (a byte of the destination MAC, which the decoder never looks at) and with the
 * IPv4 checksum checked and trusted. Every pointer and offset a successful decode returns
 * must lie inside the frame, and the L4 decoder is run again on what follows the L3 header
 * (as the fragment table does on a reassembled datagram).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../dataplane/decode.h"
#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* p (n bytes) lies inside [f, f + len) */
static int
inside(const uint8_t *f, uint32_t len, const uint8_t *p, uint64_t n)
{
	return p >= f && (uint64_t)(p - f) + n <= len;
}

static void
check_pkt(const uint8_t *f, uint32_t len, const struct dp_pkt *pk)
{
	CHECK(pk->frame == f && pk->frame_len == len);
	CHECK(pk->nvlan <= 2);
	if (pk->l3 == 0)
		return;
	CHECK(pk->l3 == 4 || pk->l3 == 6);
	CHECK(pk->addr_len == (pk->l3 == 4 ? 4 : 16));
	CHECK(inside(f, len, pk->src, pk->addr_len));
	CHECK(inside(f, len, pk->dst, pk->addr_len));
	CHECK((uint64_t)pk->l3_off + pk->l3_len <= len);
	CHECK(pk->l4_off >= pk->l3_off && pk->l4_off <= (uint64_t)pk->l3_off + pk->l3_len);
	if (pk->is_frag) {
		CHECK(pk->frag_off % 8 == 0);
		CHECK(pk->l4_off == pk->l3_off + pk->frag_hdr_len);
		CHECK((uint64_t)pk->l3_off + pk->frag_hdr_len + pk->frag_data_len ==
		      (uint64_t)pk->l3_off + pk->l3_len);
		return;
	}
	if (pk->payload != NULL) {
		CHECK(inside(f, len, pk->payload, pk->payload_len));
		CHECK(pk->payload >= f + pk->l4_off);
		CHECK((uint64_t)(pk->payload - f) + pk->payload_len <=
		      (uint64_t)pk->l3_off + pk->l3_len);
	}
}

static void
check_l4(const uint8_t *l4, uint32_t len, const struct dp_pkt *pk, enum dp_dec_reason r)
{
	CHECK((unsigned)r < DP_DEC__COUNT);
	if (r != DP_DEC_OK)
		return;
	CHECK(inside(l4, len, pk->payload, pk->payload_len));
}

static void
one(const uint8_t *f, uint32_t len, unsigned max_ext, bool csum_checked)
{
	const struct dp_decode_cfg cfg = { .max_ip6_ext = max_ext,
					   .ip4_csum_checked = csum_checked };
	struct dp_pkt pk;
	enum dp_dec_reason r = dp_decode(f, len, &cfg, &pk);

	CHECK((unsigned)r < DP_DEC__COUNT);
	CHECK(dp_dec_reason_name(r) != NULL);
	if (r != DP_DEC_OK)
		return;
	check_pkt(f, len, &pk);
	if (pk.l3 == 0 || !(pk.is_frag || pk.proto != 0))
		return;

	/* The L4 decoder on the datagram's rest (a fragment's data; what a reassembled
	 * first fragment would start with), then on everything up to the frame's end. */
	struct dp_pkt l4pk = pk;
	uint32_t rest = pk.l3_off + pk.l3_len - pk.l4_off;
	l4pk.is_frag = false;
	r = dp_decode_l4(f + pk.l4_off, rest, &l4pk);
	check_l4(f + pk.l4_off, rest, &l4pk, r);

	l4pk = pk;
	rest = len - pk.l4_off;
	r = dp_decode_l4(f + pk.l4_off, rest, &l4pk);
	check_l4(f + pk.l4_off, rest, &l4pk, r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536 + 64)
		return 0;
	uint8_t *f = malloc(size > 0 ? size : 1);
	if (f == NULL)
		abort();
	if (size > 0)
		memcpy(f, data, size);
	/* Two extension-header budgets: 0..15 and 0..7 (the configured range is 1..64). */
	unsigned b = size > 0 ? data[0] : 0;
	unsigned ext[2] = { b & 15, b >> 5 };

	for (unsigned i = 0; i < 2; i++) {
		one(f, (uint32_t)size, ext[i], false);
		one(f, (uint32_t)size, ext[i], true);
	}
	free(f);
	return 0;
}
