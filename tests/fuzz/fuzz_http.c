/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for dataplane/http.c: the whole input is the start of a client's TCP
 * direction.
 *
 * Every parse is of a heap copy of exactly its bytes, so a read past them is an ASan
 * report. Checks beyond that:
 *  - every field terminated in its array; header values printable; the host in lower case;
 *  - OK only for a known method, a complete head (the blank line within the first 8 KiB) or
 *    8 KiB of it; MORE only below 8 KiB; CONNECT exactly when the method is, never with an
 *    absolute target; the target is the request line's, cleaned and cut;
 *  - bytes past 8 KiB change nothing;
 *  - a prefix answers OK only with the whole input's answer and output, NO only if the whole
 *    input answers NO.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../dataplane/http.h"
#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEAD_MAX 8192

static void
check_text(const char *s, size_t cap)
{
	const char *end = memchr(s, 0, cap);
	CHECK(end != NULL);
	for (const char *c = s; c < end; c++)
		CHECK(*c >= 0x20 && *c < 0x7f);
}

static bool
same(const struct dp_http_req *a, const struct dp_http_req *b)
{
	return a->method == b->method && strcmp(a->target, b->target) == 0 &&
	       strcmp(a->host, b->host) == 0 && a->port == b->port && a->absolute == b->absolute &&
	       a->connect == b->connect && a->proxy_headers == b->proxy_headers &&
	       strcmp(a->upgrade, b->upgrade) == 0 && strcmp(a->user_agent, b->user_agent) == 0 &&
	       a->complete == b->complete;
}

static enum dp_parse
parse(const uint8_t *p, size_t n, struct dp_http_req *h)
{
	uint8_t *c = malloc(n > 0 ? n : 1);
	CHECK(c != NULL);
	memcpy(c, p, n);
	enum dp_parse r = dp_http_request(c, (uint32_t)n, h);
	bool looks = dp_http_looks_like_request(c, (uint32_t)n);
	free(c);

	CHECK(r == DP_PARSE_OK || r == DP_PARSE_MORE || r == DP_PARSE_NO);
	check_text(h->target, sizeof(h->target));
	check_text(h->host, sizeof(h->host));
	check_text(h->upgrade, sizeof(h->upgrade));
	check_text(h->user_agent, sizeof(h->user_agent));
	for (const char *c2 = h->host; *c2 != '\0'; c2++)
		CHECK(!isupper((unsigned char)*c2));
	if (r == DP_PARSE_MORE)
		CHECK(n < HEAD_MAX);
	if (r != DP_PARSE_OK)
		return r;

	CHECK(looks);
	CHECK(h->method >= DP_HTTP_OTHER && h->method <= DP_HTTP_PATCH);
	CHECK(h->connect == (h->method == DP_HTTP_CONNECT));
	CHECK(!(h->connect && h->absolute));
	size_t lim = n < HEAD_MAX ? n : HEAD_MAX;
	if (h->complete) {
		const uint8_t *nn = memmem(p, lim, "\n\n", 2), *nrn = memmem(p, lim, "\n\r\n", 3);
		CHECK(nn != NULL || nrn != NULL);
	} else {
		CHECK(n >= HEAD_MAX);
	}
	/* the target: the bytes after the method and its space, up to the next space */
	const uint8_t *t = memchr(p, ' ', lim);
	CHECK(t != NULL);
	t++;
	size_t tl = strlen(h->target);
	CHECK(t + tl <= p + lim);
	for (size_t i = 0; i < tl; i++)
		CHECK(h->target[i] == (t[i] >= 0x20 && t[i] < 0x7f ? (char)t[i] : '?'));
	if (tl < DP_NAME_MAX - 1)
		CHECK(t[tl] == ' ');
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dp_http_req h, x;

	if (size > 3 * HEAD_MAX)
		return 0;
	enum dp_parse r = parse(data, size, &h);

	/* past 8 KiB nothing is read */
	if (size > HEAD_MAX) {
		CHECK(parse(data, HEAD_MAX, &x) == r);
		CHECK(same(&x, &h));
	}
	/* prefixes */
	size_t step = size <= 400 ? 1 : size / 101;
	for (size_t k = 0; k < size; k += step) {
		enum dp_parse rk = parse(data, k, &x);
		if (rk == DP_PARSE_OK)
			CHECK(r == DP_PARSE_OK && same(&x, &h));
		if (rk == DP_PARSE_NO)
			CHECK(r == DP_PARSE_NO);
	}
	return 0;
}
