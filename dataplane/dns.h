/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_DNS_H
#define DP_DNS_H

/*
 * DNS message parsing (RFC 1035): the question name and type, and the answers a client
 * receives for it: A, AAAA and CNAME records (names decompressed, with a bound on pointer
 * jumps so a looping message cannot stall a worker). Over TCP the caller strips the 2-byte
 * length prefix.
 *
 * Thread: any; no state.
 */

#include <stdbool.h>
#include <stdint.h>

#include "tls.h" /* enum dp_parse, DP_NAME_MAX */

#define DP_DNS_ANSWERS 8

struct dp_dns_answer {
	uint16_t type; /* 1 A, 28 AAAA, 5 CNAME */
	uint32_t ttl;
	uint8_t addr[16];
	char name[DP_NAME_MAX]; /* CNAME target */
};

struct dp_dns {
	uint16_t id;
	bool response;
	uint8_t rcode;
	uint16_t qtype;
	char qname[DP_NAME_MAX]; /* lower case, no trailing dot */
	unsigned nanswers;
	struct dp_dns_answer answers[DP_DNS_ANSWERS];
};

/*
 * Parse a DNS message. DP_PARSE_OK when the header and the question parse (answers as far
 * as they go), DP_PARSE_NO otherwise (not DNS, or malformed).
 */
enum dp_parse dp_dns_parse(const uint8_t *p, uint32_t len, struct dp_dns *out);

#endif /* DP_DNS_H */
