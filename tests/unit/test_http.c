/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/http.c: HTTP/1.x request heads (RFC 9112 §2.1, §3): the method (RFC 9110 §9),
 * the request target in origin, absolute (§3.2.2) and authority (§3.2.3, CONNECT) form,
 * Host (RFC 9110 §7.2), Upgrade (§7.8), User-Agent (§10.1.5) and the headers only proxies
 * receive. Real requests from the shared corpus (nDPI's http.pcap, http_connect.pcap,
 * webdav.pcap) and heads written here.
 *
 * Every parse is of a heap copy of exactly the bytes given, so a read past them is an ASan
 * report. Until the blank line that ends the head the answer is MORE (or NO), never OK; a
 * head over 8 KiB is read as far as 8 KiB.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../dataplane/http.h"

/* http.pcap: curl's request */
static const char curl_get[] = "GET / HTTP/1.1\r\n"
			       "Host: google.com\r\n"
			       "User-Agent: curl/7.68.0\r\n"
			       "Accept: */*\r\n"
			       "\r\n";

/* http_connect.pcap frame 4: Firefox through a proxy */
static const char firefox_connect[] =
	"CONNECT apache.org:443 HTTP/1.1\r\n"
	"User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:92.0) Gecko/20100101 "
	"Firefox/92.0\r\n"
	"Proxy-Connection: keep-alive\r\n"
	"Connection: keep-alive\r\n"
	"Host: apache.org:443\r\n"
	"\r\n";

/* webdav.pcap: Windows' WebDAV redirector */
static const char webdav_propfind[] = "PROPFIND /webdav HTTP/1.1\r\n"
				      "Connection: Keep-Alive\r\n"
				      "User-Agent: Microsoft-WebDAV-MiniRedir/10.0.19045\r\n"
				      "Depth: 0\r\n"
				      "translate: f\r\n"
				      "Content-Length: 0\r\n"
				      "Host: 104.156.149.6\r\n"
				      "\r\n";

static enum dp_parse
parse_n(const void *p, size_t n, struct dp_http_req *h)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	memcpy(copy, p, n);
	enum dp_parse r = dp_http_request(copy, (uint32_t)n, h);
	free(copy);
	return r;
}

static enum dp_parse
parse(const char *s, struct dp_http_req *h)
{
	return parse_n(s, strlen(s), h);
}

static bool
looks(const char *s)
{
	size_t n = strlen(s);
	uint8_t *copy = malloc(n > 0 ? n : 1);
	memcpy(copy, s, n);
	bool r = dp_http_looks_like_request(copy, (uint32_t)n);
	free(copy);
	return r;
}

static void
assert_same(const struct dp_http_req *a, const struct dp_http_req *b, size_t at)
{
	cr_assert_eq(a->method, b->method, "at %zu", at);
	cr_assert_str_eq(a->target, b->target, "at %zu", at);
	cr_assert_str_eq(a->host, b->host, "at %zu", at);
	cr_assert_eq(a->port, b->port, "at %zu", at);
	cr_assert_eq(a->absolute, b->absolute, "at %zu", at);
	cr_assert_eq(a->connect, b->connect, "at %zu", at);
	cr_assert_eq(a->proxy_headers, b->proxy_headers, "at %zu", at);
	cr_assert_str_eq(a->upgrade, b->upgrade, "at %zu", at);
	cr_assert_str_eq(a->user_agent, b->user_agent, "at %zu", at);
	cr_assert_eq(a->complete, b->complete, "at %zu", at);
}

/* Every cut before the end gives MORE, all of it OK; bytes after the head change
 * nothing. */
static void
assert_cuts(const char *s, struct dp_http_req *full)
{
	struct dp_http_req h;
	size_t n = strlen(s);
	char *more = malloc(n + 40);

	cr_assert_eq(parse(s, full), DP_PARSE_OK);
	cr_assert(full->complete);
	for (size_t k = 0; k < n; k++)
		cr_assert_eq(parse_n(s, k, &h), DP_PARSE_MORE, "cut at %zu", k);
	memcpy(more, s, n);
	memcpy(more + n, "body\r\n\r\nGET / HTTP/1.1\r\nHost: b\r\n\r\n", 36);
	cr_assert_eq(parse_n(more, n + 36, &h), DP_PARSE_OK);
	assert_same(&h, full, n);
	free(more);
}

Test(http, looks_like)
{
	static const char *const yes[] = { "GET ",     "POST ",     "HEAD ",   "PUT ",
					   "CONNECT ", "OPTIONS ",  "DELETE ", "PATCH ",
					   "TRACE ",   "PROPFIND ", "GET /x" };
	static const char *const no[] = { "",        "G",     "GET",   "GET/",      "get ",
					  "GETX ",   "BREW ", " GET ", "HTTP/1.1 ", "\x16\x03\x01",
					  "CONNECTX" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		cr_assert(looks(yes[i]), "%s", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		cr_assert_not(looks(no[i]), "%s", no[i]);
	cr_assert(dp_http_looks_like_response((const uint8_t *)"HTTP/1.1 200 OK", 15));
	cr_assert(dp_http_looks_like_response((const uint8_t *)"HTTP/1.0", 8));
	cr_assert_not(dp_http_looks_like_response((const uint8_t *)"HTTP/1", 6));
	cr_assert_not(dp_http_looks_like_response((const uint8_t *)"HTTP/2.0 200", 12));
}

Test(http, curl_get)
{
	struct dp_http_req h;

	assert_cuts(curl_get, &h);
	cr_assert_eq(h.method, DP_HTTP_GET);
	cr_assert_str_eq(h.target, "/");
	cr_assert_str_eq(h.host, "google.com");
	cr_assert_str_eq(h.user_agent, "curl/7.68.0");
	cr_assert_str_eq(h.upgrade, "");
	cr_assert_not(h.absolute);
	cr_assert_not(h.connect);
	cr_assert_not(h.proxy_headers);
	cr_assert_eq(h.port, 0);
}

Test(http, firefox_connect)
{
	struct dp_http_req h;

	assert_cuts(firefox_connect, &h);
	cr_assert_eq(h.method, DP_HTTP_CONNECT);
	cr_assert(h.connect);
	cr_assert_str_eq(h.target, "apache.org:443");
	cr_assert_str_eq(h.host, "apache.org");
	cr_assert_eq(h.port, 443);
	cr_assert(h.proxy_headers, "Proxy-Connection");
	cr_assert_not(h.absolute);
	/* the first 63 bytes of the User-Agent */
	cr_assert_eq(strlen(h.user_agent), sizeof(h.user_agent) - 1);
	static const char ua[] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:92.0) Gecko";
	cr_assert_eq(strncmp(h.user_agent, ua, sizeof(ua) - 1), 0);
}

Test(http, webdav_propfind)
{
	struct dp_http_req h;

	assert_cuts(webdav_propfind, &h);
	cr_assert_eq(h.method, DP_HTTP_OTHER);
	cr_assert_str_eq(h.target, "/webdav");
	cr_assert_str_eq(h.host, "104.156.149.6");
	cr_assert_str_eq(h.user_agent, "Microsoft-WebDAV-MiniRedir/10.0.19045");
}

Test(http, methods)
{
	static const struct {
		const char *req;
		int method;
	} cases[] = {
		{ "GET / HTTP/1.1\r\n\r\n", DP_HTTP_GET },
		{ "POST /form HTTP/1.1\r\n\r\n", DP_HTTP_POST },
		{ "HEAD / HTTP/1.0\r\n\r\n", DP_HTTP_HEAD },
		{ "PUT /x HTTP/1.1\r\n\r\n", DP_HTTP_PUT },
		{ "OPTIONS * HTTP/1.1\r\n\r\n", DP_HTTP_OPTIONS }, /* asterisk-form, §3.2.4 */
		{ "DELETE /x HTTP/1.1\r\n\r\n", DP_HTTP_DELETE },
		{ "PATCH /x HTTP/1.1\r\n\r\n", DP_HTTP_PATCH },
		{ "TRACE / HTTP/1.1\r\n\r\n", DP_HTTP_OTHER },
	};
	struct dp_http_req h;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(parse(cases[i].req, &h), DP_PARSE_OK, "%s", cases[i].req);
		cr_assert_eq(h.method, cases[i].method, "%s", cases[i].req);
		cr_assert(h.complete);
	}
	cr_assert_str_eq(h.target, "/");
	/* a bare LF ends lines too (RFC 9112 §2.2) */
	cr_assert_eq(parse("GET /lf HTTP/1.0\nHost: lf.example\n\n", &h), DP_PARSE_OK);
	cr_assert_str_eq(h.host, "lf.example");
	cr_assert(h.complete);
}

Test(http, absolute_form)
{
	struct dp_http_req h;

	/* RFC 9112 §3.2.2: the target's authority, not the Host header, names the server */
	cr_assert_eq(parse("GET http://Example.COM:8080/a/b?c HTTP/1.1\r\n"
			   "Host: other.example\r\n\r\n",
			   &h),
		     DP_PARSE_OK);
	cr_assert(h.absolute);
	cr_assert_not(h.connect);
	cr_assert_str_eq(h.host, "example.com");
	cr_assert_eq(h.port, 8080);
	cr_assert_str_eq(h.target, "http://Example.COM:8080/a/b?c");

	static const struct {
		const char *target, *host;
		uint16_t port;
	} cases[] = {
		{ "https://secure.example/", "secure.example", 0 },
		{ "HTTP://UPPER.example", "upper.example", 0 },
		{ "ftp://files.example:2121/pub", "files.example", 2121 },
		{ "http://q.example?x=1", "q.example", 0 },
		{ "http://f.example#frag", "f.example", 0 },
		{ "http://[2001:db8::1]:3128/", "2001:db8::1", 3128 },
		{ "http://[2001:db8::2]/", "2001:db8::2", 0 },
		{ "http://198.51.100.7:80/", "198.51.100.7", 80 },
		/* userinfo (RFC 3986 §3.2.1) is not the host */
		{ "http://user:secret@host.example:81/", "host.example", 81 },
		{ "http://user@host.example/", "host.example", 0 },
	};
	char req[512];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: h\r\n\r\n", cases[i].target);
		cr_assert_eq(parse(req, &h), DP_PARSE_OK, "%s", req);
		cr_assert(h.absolute, "%s", req);
		cr_assert_str_eq(h.host, cases[i].host, "%s", req);
		cr_assert_eq(h.port, cases[i].port, "%s", req);
	}
	/* not absolute: a path that mentions a scheme */
	cr_assert_eq(parse("GET /http://x.example/ HTTP/1.1\r\nHost: y.example\r\n\r\n", &h),
		     DP_PARSE_OK);
	cr_assert_not(h.absolute);
	cr_assert_str_eq(h.host, "y.example");
}

Test(http, connect_forms)
{
	static const struct {
		const char *target, *host;
		uint16_t port;
	} cases[] = {
		{ "proxy.example:443", "proxy.example", 443 },
		{ "HOST.Example:22", "host.example", 22 },
		{ "[2001:db8::1]:8443", "2001:db8::1", 8443 },
		{ "[2001:db8::1]", "2001:db8::1", 0 },
		{ "noport.example", "noport.example", 0 },
		{ "big.example:99999", "big.example", 0 },
		{ "zero.example:0", "zero.example", 0 },
		{ "neg.example:-1", "neg.example", 0 },
		{ "alpha.example:https", "alpha.example", 0 },
		{ "empty.example:", "empty.example", 0 },
		{ "198.51.100.1:5222", "198.51.100.1", 5222 },
	};
	struct dp_http_req h;
	char req[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(req, sizeof(req), "CONNECT %s HTTP/1.1\r\nHost: ignored.example\r\n\r\n",
			 cases[i].target);
		cr_assert_eq(parse(req, &h), DP_PARSE_OK, "%s", req);
		cr_assert(h.connect);
		cr_assert_not(h.absolute);
		cr_assert_str_eq(h.target, cases[i].target);
		cr_assert_str_eq(h.host, cases[i].host, "%s", req);
		cr_assert_eq(h.port, cases[i].port, "%s", req);
	}
}

Test(http, upgrade_and_proxy_headers)
{
	struct dp_http_req h;

	/* RFC 6455 §1.3: the WebSocket opening handshake */
	cr_assert_eq(parse("GET /chat HTTP/1.1\r\n"
			   "Host: server.example.com\r\n"
			   "Upgrade: websocket\r\n"
			   "Connection: Upgrade\r\n"
			   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			   "Sec-WebSocket-Version: 13\r\n\r\n",
			   &h),
		     DP_PARSE_OK);
	cr_assert_str_eq(h.upgrade, "websocket");
	cr_assert_str_eq(h.host, "server.example.com");
	cr_assert_not(h.proxy_headers);

	/* header names in any case, values after any run of spaces and tabs */
	cr_assert_eq(parse("GET / HTTP/1.1\r\nhOsT:\t \tmixed.example\r\nUPGRADE:h2c\r\n"
			   "user-agent:   ua/1\r\nPROXY-AUTHORIZATION: Basic eDp5\r\n\r\n",
			   &h),
		     DP_PARSE_OK);
	cr_assert_str_eq(h.host, "mixed.example");
	cr_assert_str_eq(h.upgrade, "h2c");
	cr_assert_str_eq(h.user_agent, "ua/1");
	cr_assert(h.proxy_headers);

	/* names that only contain or resemble those */
	cr_assert_eq(parse("GET / HTTP/1.1\r\nX-Proxy-Connection: a\r\nProxy-Connections: b\r\n"
			   "Host : spaced.example\r\nHosts: plural.example\r\nX-Host: x\r\n"
			   "Upgrade-Insecure-Requests: 1\r\n\r\n",
			   &h),
		     DP_PARSE_OK);
	cr_assert_not(h.proxy_headers);
	cr_assert_str_eq(h.host, "");
	cr_assert_str_eq(h.upgrade, "");

	/* the first Host counts; the Host's port does not change the host */
	cr_assert_eq(parse("GET / HTTP/1.1\r\nHost: First.example:8080\r\nHost: second.example\r\n"
			   "\r\n",
			   &h),
		     DP_PARSE_OK);
	cr_assert_str_eq(h.host, "first.example");
}

Test(http, malformed_request_lines)
{
	static const char *const no[] = {
		"GET /\r\n\r\n",                /* HTTP/0.9 */
		"GET / FTP/1.1\r\n\r\n",        /* not HTTP */
		"GET / HTTP\r\n\r\n",           /* too short a version */
		"GET /HTTP/1.1\r\n\r\n",        /* no space before the version */
		"get / HTTP/1.1\r\n\r\n",       /* methods are case-sensitive */
		"BREW /pot HTCPCP/1.0\r\n\r\n", /* RFC 2324 */
		"\x16\x03\x01\x02\x00\x01\x00", /* TLS */
		"SSH-2.0-OpenSSH_9.6\r\n",
	};
	struct dp_http_req h;

	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		cr_assert_eq(parse(no[i], &h), DP_PARSE_NO, "%s", no[i]);
	/* a method's first bytes: more could make it a request */
	cr_assert_eq(parse("", &h), DP_PARSE_MORE);
	cr_assert_eq(parse("P", &h), DP_PARSE_MORE);
	cr_assert_eq(parse("PROPFIN", &h), DP_PARSE_MORE);
	cr_assert_eq(parse("CONNECT", &h), DP_PARSE_MORE);
	cr_assert_eq(parse("PX", &h), DP_PARSE_NO);
	/* lines without a colon are passed over */
	cr_assert_eq(parse("GET / HTTP/1.1\r\nno colon here\r\nHost: c.example\r\n\r\n", &h),
		     DP_PARSE_OK);
	cr_assert_str_eq(h.host, "c.example");
}

Test(http, head_limit)
{
	static char big[20000];
	struct dp_http_req h;

	/* a request line, then headers past 8 KiB and no blank line: MORE below 8 KiB, OK
	 * (not complete) from there on, with what the first 8 KiB said */
	size_t n = (size_t)sprintf(big, "GET /big HTTP/1.1\r\nHost: big.example\r\n");
	while (n < 12000)
		n += (size_t)sprintf(big + n, "X-Filler-%05zu: %s\r\n", n,
				     "0123456789012345678901234567890123456789");
	for (size_t k = 8000; k < 8192; k += 7)
		cr_assert_eq(parse_n(big, k, &h), DP_PARSE_MORE, "at %zu", k);
	for (size_t k = 8192; k < n; k += 333) {
		cr_assert_eq(parse_n(big, k, &h), DP_PARSE_OK, "at %zu", k);
		cr_assert_not(h.complete);
		cr_assert_str_eq(h.host, "big.example");
	}
	/* a Host header only after 8 KiB is not read */
	n = (size_t)sprintf(big, "GET /late HTTP/1.1\r\n");
	while (n < 9000)
		n += (size_t)sprintf(big + n, "X-Pad: %s\r\n", "abcdefghijklmnopqrstuvwxyz");
	n += (size_t)sprintf(big + n, "Host: late.example\r\n\r\n");
	cr_assert_eq(parse_n(big, n, &h), DP_PARSE_OK);
	cr_assert_str_eq(h.host, "");
	cr_assert_not(h.complete);

	/* a request line of 8 KiB and more without its end: refused at 8 KiB */
	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', 10000);
	cr_assert_eq(parse_n(big, 8191, &h), DP_PARSE_MORE);
	cr_assert_eq(parse_n(big, 8192, &h), DP_PARSE_NO);
	cr_assert_eq(parse_n(big, 10005, &h), DP_PARSE_NO);

	/* a head that ends exactly at 8 KiB is complete */
	n = (size_t)sprintf(big, "GET /edge HTTP/1.1\r\nHost: edge.example\r\nX-Pad: ");
	size_t pad = 8192 - n - 4;
	memset(big + n, 'p', pad);
	memcpy(big + n + pad, "\r\n\r\n", 4);
	cr_assert_eq(parse_n(big, 8192, &h), DP_PARSE_OK);
	cr_assert(h.complete);
	cr_assert_str_eq(h.host, "edge.example");
	cr_assert_eq(parse_n(big, 8191, &h), DP_PARSE_MORE);
}

Test(http, values_are_bounded_and_clean)
{
	static char req[4096];
	struct dp_http_req h;

	/* control bytes and NUL in values become '?' */
	static const char ua[] = "GET / HTTP/1.1\r\nUser-Agent: a\x01"
				 "b\x7f"
				 "c\0d\xff\r\nUpgrade: w\ts\r\n\r\n";
	cr_assert_eq(parse_n(ua, sizeof(ua) - 1, &h), DP_PARSE_OK);
	cr_assert_str_eq(h.user_agent, "a?b?c?d?");
	cr_assert_str_eq(h.upgrade, "w?s");

	/* long values are cut to their fields */
	size_t n = (size_t)sprintf(req, "GET /");
	memset(req + n, 't', 1000);
	n += 1000;
	n += (size_t)sprintf(req + n, " HTTP/1.1\r\nHost: ");
	memset(req + n, 'h', 400);
	n += 400;
	n += (size_t)sprintf(req + n, "\r\nUpgrade: ");
	memset(req + n, 'u', 100);
	n += 100;
	n += (size_t)sprintf(req + n, "\r\nUser-Agent: ");
	memset(req + n, 'a', 100);
	n += 100;
	n += (size_t)sprintf(req + n, "\r\n\r\n");
	cr_assert_eq(parse_n(req, n, &h), DP_PARSE_OK);
	cr_assert_eq(strlen(h.target), DP_NAME_MAX - 1);
	cr_assert_eq(strlen(h.host), DP_NAME_MAX - 1);
	cr_assert_eq(strlen(h.upgrade), sizeof(h.upgrade) - 1);
	cr_assert_eq(strlen(h.user_agent), sizeof(h.user_agent) - 1);

	/* a CONNECT target longer than the field: cut, the port lost with it */
	n = (size_t)sprintf(req, "CONNECT ");
	memset(req + n, 'c', 300);
	n += 300;
	n += (size_t)sprintf(req + n, ":443 HTTP/1.1\r\n\r\n");
	cr_assert_eq(parse_n(req, n, &h), DP_PARSE_OK);
	cr_assert_eq(strlen(h.host), DP_NAME_MAX - 1);
	cr_assert_eq(h.port, 0);
}

Test(http, random_heads)
{
	static const char alphabet[] = "GET /:\r\n HostUpgrade-Proxy-Connection[]@0123456789http:";
	static uint8_t p[1200];
	uint64_t x = 0x2545f4914f6cdd1du;
	struct dp_http_req h;

	for (int i = 0; i < 30000; i++) {
		size_t n = (x >> 35) % sizeof(p);
		for (size_t j = 0; j < n; j++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			p[j] = (i & 3) == 0 ? (uint8_t)x
					    : (uint8_t)alphabet[(x >> 8) % (sizeof(alphabet) - 1)];
		}
		if (n >= 4 && (i & 1))
			memcpy(p, (i & 2) ? "GET " : "CONNECT ", (i & 2) ? 4 : (n >= 8 ? 8 : 4));
		enum dp_parse r = parse_n(p, n, &h);
		cr_assert(r == DP_PARSE_OK || r == DP_PARSE_MORE || r == DP_PARSE_NO);
		cr_assert_not_null(memchr(h.target, 0, sizeof(h.target)));
		cr_assert_not_null(memchr(h.host, 0, sizeof(h.host)));
		cr_assert_not_null(memchr(h.upgrade, 0, sizeof(h.upgrade)));
		cr_assert_not_null(memchr(h.user_agent, 0, sizeof(h.user_agent)));
		if (r == DP_PARSE_OK)
			cr_assert(dp_http_looks_like_request(p, (uint32_t)n));
		if (r == DP_PARSE_OK && h.complete)
			cr_assert(memmem(p, n, "\n\n", 2) != NULL ||
				  memmem(p, n, "\n\r\n", 3) != NULL);
	}
}
