/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_HTTP_H
#define DP_HTTP_H

/*
 * HTTP/1.x request parsing (RFC 9112): the request line (method, target), the Host header,
 * the CONNECT target (authority form: host:port), absolute-form targets (what a client
 * sends to a proxy), Upgrade, User-Agent, and the headers only proxies receive
 * (Proxy-Connection, Proxy-Authorization). Also tells an HTTP response start.
 *
 * Only the head (request line and headers) is read; DP_PARSE_MORE until the blank line
 * that ends it, or until 8 KiB of head (then what was read counts).
 *
 * Thread: any; no state.
 */

#include <stdbool.h>
#include <stdint.h>

#include "tls.h" /* enum dp_parse, DP_NAME_MAX */

enum dp_http_method {
	DP_HTTP_OTHER,
	DP_HTTP_GET,
	DP_HTTP_POST,
	DP_HTTP_HEAD,
	DP_HTTP_PUT,
	DP_HTTP_CONNECT,
	DP_HTTP_OPTIONS,
	DP_HTTP_DELETE,
	DP_HTTP_PATCH,
};

struct dp_http_req {
	int method;               /* enum dp_http_method */
	char target[DP_NAME_MAX]; /* request target as sent (truncated) */
	char host[DP_NAME_MAX];   /* Host header, or the authority of an absolute/CONNECT target */
	uint16_t port;            /* CONNECT or absolute-form port (0: none given) */
	bool absolute;            /* target is absolute-form: "http://host/..." (proxy use) */
	bool connect;             /* CONNECT host:port */
	bool proxy_headers;       /* Proxy-Connection or Proxy-Authorization present */
	char upgrade[32];         /* Upgrade header value */
	char user_agent[64];
	bool complete; /* the whole head was read */
};

/* Does p start like an HTTP request (a known method and a space)? */
bool dp_http_looks_like_request(const uint8_t *p, uint32_t len);
/* Does p start like an HTTP response ("HTTP/1.")? */
bool dp_http_looks_like_response(const uint8_t *p, uint32_t len);

enum dp_parse dp_http_request(const uint8_t *p, uint32_t len, struct dp_http_req *out);

#endif /* DP_HTTP_H */
