/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.x request heads. Lines are found with memchr within the bytes given; a head
 * larger than 8 KiB is parsed as far as it goes. Header names are matched case-
 * insensitively; values are copied with control characters replaced, so logs stay clean.
 */
#include "http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HEAD_MAX 8192

static const struct {
	const char *name;
	int method;
} methods[] = {
	{ "GET ", DP_HTTP_GET },         { "POST ", DP_HTTP_POST },
	{ "HEAD ", DP_HTTP_HEAD },       { "PUT ", DP_HTTP_PUT },
	{ "CONNECT ", DP_HTTP_CONNECT }, { "OPTIONS ", DP_HTTP_OPTIONS },
	{ "DELETE ", DP_HTTP_DELETE },   { "PATCH ", DP_HTTP_PATCH },
	{ "TRACE ", DP_HTTP_OTHER },     { "PROPFIND ", DP_HTTP_OTHER },
};

static int
method_of(const uint8_t *p, uint32_t len, uint32_t *mlen)
{
	for (unsigned i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		uint32_t n = (uint32_t)strlen(methods[i].name);
		if (len >= n && memcmp(p, methods[i].name, n) == 0) {
			*mlen = n;
			return methods[i].method;
		}
		/* a prefix of a method: could still be one */
		if (len < n && memcmp(p, methods[i].name, len) == 0) {
			*mlen = 0;
			return -2;
		}
	}
	return -1;
}

bool
dp_http_looks_like_request(const uint8_t *p, uint32_t len)
{
	uint32_t m;
	return method_of(p, len, &m) >= 0;
}

bool
dp_http_looks_like_response(const uint8_t *p, uint32_t len)
{
	return len >= 7 && memcmp(p, "HTTP/1.", 7) == 0;
}

static void
copy_clean(char *dst, size_t cap, const uint8_t *src, uint32_t n)
{
	if (n >= cap)
		n = (uint32_t)cap - 1;
	for (uint32_t i = 0; i < n; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	dst[n] = '\0';
}

/* Split "host[:port]" (or "[v6]:port") into host and port. */
static void
authority(const char *a, char *host, size_t cap, uint16_t *port)
{
	const char *colon = NULL, *h = a, *end;
	size_t n;

	if (a[0] == '[') {
		end = strchr(a, ']');
		if (end == NULL)
			end = a + strlen(a);
		h = a + 1;
		n = (size_t)(end - h);
		if (*end == ']' && end[1] == ':')
			colon = end + 1;
	} else {
		colon = strrchr(a, ':');
		n = colon ? (size_t)(colon - a) : strlen(a);
	}
	if (n >= cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++)
		host[i] = (char)tolower((unsigned char)h[i]);
	host[n] = '\0';
	*port = 0;
	if (colon != NULL) {
		char *e;
		long v = strtol(colon + 1, &e, 10);
		if (e != colon + 1 && v > 0 && v < 65536)
			*port = (uint16_t)v;
	}
}

enum dp_parse
dp_http_request(const uint8_t *p, uint32_t len, struct dp_http_req *out)
{
	uint32_t mlen, n = len < HEAD_MAX ? len : HEAD_MAX;

	memset(out, 0, sizeof(*out));
	int m = method_of(p, n, &mlen);
	if (m == -2)
		return DP_PARSE_MORE;
	if (m < 0)
		return DP_PARSE_NO;
	out->method = m;
	const uint8_t *eol = memchr(p, '\n', n);
	if (eol == NULL)
		return n == HEAD_MAX ? DP_PARSE_NO : DP_PARSE_MORE;
	/* request line: METHOD SP target SP HTTP/1.x */
	const uint8_t *t = p + mlen, *sp = memchr(t, ' ', (size_t)(eol - t));
	if (sp == NULL || eol - sp < 9 || memcmp(sp + 1, "HTTP/", 5) != 0)
		return DP_PARSE_NO;
	copy_clean(out->target, sizeof(out->target), t, (uint32_t)(sp - t));
	if (m == DP_HTTP_CONNECT) {
		out->connect = true;
		authority(out->target, out->host, sizeof(out->host), &out->port);
	} else if (strncasecmp(out->target, "http://", 7) == 0 ||
		   strncasecmp(out->target, "https://", 8) == 0 ||
		   strncasecmp(out->target, "ftp://", 6) == 0) {
		char auth[DP_NAME_MAX];
		const char *a = strstr(out->target, "://") + 3;
		size_t k = strcspn(a, "/?#");
		/* [userinfo "@"] host [":" port] (RFC 3986 §3.2): the host follows the last '@' */
		const char *at = memrchr(a, '@', k);
		if (at != NULL) {
			k -= (size_t)(at + 1 - a);
			a = at + 1;
		}
		snprintf(auth, sizeof(auth), "%.*s", (int)k, a);
		out->absolute = true;
		authority(auth, out->host, sizeof(out->host), &out->port);
	}
	/* headers */
	const uint8_t *line = eol + 1, *end = p + n;
	while (line < end) {
		const uint8_t *e = memchr(line, '\n', (size_t)(end - line));
		if (e == NULL)
			return n == HEAD_MAX ? DP_PARSE_OK : DP_PARSE_MORE;
		uint32_t ll = (uint32_t)(e - line);
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (ll == 0) {
			out->complete = true;
			return DP_PARSE_OK;
		}
		const uint8_t *colon = memchr(line, ':', ll);
		if (colon != NULL) {
			uint32_t kl = (uint32_t)(colon - line);
			const uint8_t *v = colon + 1;
			while (v < line + ll && (*v == ' ' || *v == '\t'))
				v++;
			uint32_t vl = (uint32_t)(line + ll - v);
			if (kl == 4 && strncasecmp((const char *)line, "host", 4) == 0 &&
			    out->host[0] == '\0') {
				char tmp[DP_NAME_MAX];
				uint16_t port;
				copy_clean(tmp, sizeof(tmp), v, vl);
				authority(tmp, out->host, sizeof(out->host), &port);
				if (out->port == 0)
					out->port = port;
			} else if (kl == 7 && strncasecmp((const char *)line, "upgrade", 7) == 0) {
				copy_clean(out->upgrade, sizeof(out->upgrade), v, vl);
			} else if (kl == 10 &&
				   strncasecmp((const char *)line, "user-agent", 10) == 0) {
				copy_clean(out->user_agent, sizeof(out->user_agent), v, vl);
			} else if ((kl == 16 &&
				    strncasecmp((const char *)line, "proxy-connection", 16) == 0) ||
				   (kl == 19 && strncasecmp((const char *)line,
							    "proxy-authorization", 19) == 0)) {
				out->proxy_headers = true;
			}
		}
		line = e + 1;
	}
	return n == HEAD_MAX ? DP_PARSE_OK : DP_PARSE_MORE;
}
