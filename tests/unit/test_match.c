/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/match.c: the Hyperscan databases built from a catalogue. Host patterns
 * (exact, a domain and below, the most specific wins), UDP and "tls" hello signatures with
 * their port constraints, TCP signatures across segment boundaries, offset and depth, weak
 * signatures kept apart from strong ones; compile errors that name the application, the
 * signature and its line; the on-disk cache (reused, re-keyed when the catalogue changes,
 * a damaged file reported and rebuilt). No EAL needed: stream state comes from malloc.
 */
#include <criterion/criterion.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../dataplane/match.h"
#include "../support/support.h"

/* A catalogue that fills every database. */
static const char catalogue[] =
	"applications = (\n"
	"  { name = \"zoom\"; category = \"voip\";\n"
	"    hosts = [ \"zoom.us\", \"*.zoom.us\", \"mmr-*.zc.example\" ];\n"
	"    signatures = (\n"
	"      { name = \"zoom-sfu\"; proto = \"udp\";\n"
	"        regex = \"^\\\\x01\\\\x00\\\\x02\"; port = \"udp:8801-8810\"; },\n"
	"      { name = \"zoom-hello\"; proto = \"udp\"; dir = \"toserver\";\n"
	"        regex = \"^ZOOMHELLO\"; }\n"
	"    ); },\n"
	"  { name = \"zoommedia\"; category = \"voip\"; hosts = [ \"*.media.zoom.us\" ]; },\n"
	"  { name = \"wild\"; category = \"other\"; hosts = [ \"*.example.com\" ]; },\n"
	"  { name = \"apex\"; category = \"other\";\n"
	"    hosts = [ \"example.com\", \"*.b.example.org\" ]; },\n"
	"  { name = \"wild2\"; category = \"other\";\n"
	"    hosts = [ \"*.example.org\", \"b.example.org\" ]; },\n"
	"  { name = \"tcpapp\"; category = \"chat\";\n"
	"    signatures = (\n"
	"      { name = \"tcp-magic\"; proto = \"tcp\"; dir = \"toserver\";\n"
	"        regex = \"MAGIC-HANDSHAKE-42\"; },\n"
	"      { name = \"tcp-deep\"; proto = \"tcp\"; dir = \"toserver\";\n"
	"        regex = \"DEEP\"; offset = 4; depth = 12; },\n"
	"      { name = \"tcp-banner\"; proto = \"tcp\"; dir = \"toclient\";\n"
	"        regex = \"^BANNER\"; caseless = true; },\n"
	"      { name = \"tcp-hdr\"; proto = \"tcp\"; dir = \"toserver\";\n"
	"        regex = \"^HDR\"; offset = 3; }\n"
	"    ); },\n"
	"  { name = \"udpapp\"; category = \"chat\";\n"
	"    signatures = (\n"
	"      { name = \"udp-deep\"; proto = \"udp\"; regex = \"AB\"; offset = 2; depth = 6; },\n"
	"      { name = \"udp-weak\"; proto = \"udp\"; regex = \"^\\\\x17\\\\x24\"; weak = true; "
	"},\n"
	"      { name = \"udp-weak-tcp\"; proto = \"tcp\";\n"
	"        regex = \"^\\\\x17\\\\x24\"; weak = true; }\n"
	"    ); },\n"
	"  { name = \"strongafter\"; category = \"chat\";\n"
	"    signatures = (\n"
	"      { name = \"udp-strong\"; proto = \"udp\"; regex = \"^\\\\x17\\\\x24STRONG\"; }\n"
	"    ); },\n"
	"  { name = \"tlsapp\"; category = \"other\";\n"
	"    signatures = (\n"
	"      { name = \"tls-alpn\"; proto = \"tls\"; regex = \";alpn=xproto/\"; },\n"
	"      { name = \"tls-sni\"; proto = \"tls\"; dir = \"toserver\";\n"
	"        regex = \"^sni=www\\\\.[a-z]{3}[0-9]\\\\.com;alpn=;\"; depth = 24; }\n"
	"    ); }\n"
	");\n";

static struct cfg_catalogue cat;
static struct cfg_diag d;
static struct dp_matcher m;
static char *dir;

static const char *
all_msgs(void)
{
	static char s[CFG_DIAG_MAX * (CFG_DIAG_LEN + 1) + 1];
	size_t n = 0;
	s[0] = '\0';
	for (unsigned i = 0; i < d.n; i++)
		n += (size_t)snprintf(s + n, sizeof(s) - n, "%s\n", d.msg[i]);
	return s;
}

static void
load(const char *text)
{
	memset(&d, 0, sizeof(d));
	cr_assert_eq(cfg_catalogue_load_string(text, "t.conf", &cat, &d), 0, "%s", all_msgs());
}

static void
build(struct dp_matcher *mm, const char *cache)
{
	memset(&d, 0, sizeof(d));
	cr_assert_eq(dp_matcher_build(&cat, cache, mm, &d), 0, "%s", all_msgs());
}

static void
setup(void)
{
	load(catalogue);
	build(&m, "");
}

static void
teardown(void)
{
	dp_matcher_free(&m);
}

/* "app/rule" of a result: the host pattern or signature name; "-" for no match. */
static const char *
what(const struct dp_matcher *mm, enum dp_db db, int id)
{
	static char s[4][128];
	static unsigned k;
	char *o = s[k++ % 4];

	if (id < 0)
		return "-";
	cr_assert_lt((unsigned)id, mm->npat[db]);
	const struct dp_pattern *p = &mm->pat[db][id];
	cr_assert(p->app >= 1 && p->app <= cat.napps);
	const struct cfg_app *a = &cat.apps[p->app - 1];
	snprintf(o, 128, "%s/%s", a->name,
		 db == DP_DB_HOST ? a->hosts[p->rule] : a->sigs[p->rule].name);
	return o;
}

static const char *
host(const struct dp_matcher *mm, const char *name)
{
	return what(mm, DP_DB_HOST, dp_match_host(mm, mm->scratch, name, (uint32_t)strlen(name)));
}

static const char *
block(const struct dp_matcher *mm, enum dp_db db, const void *data, size_t len, uint16_t port)
{
	int weak = 12345;
	int id = dp_match_block(mm, db, mm->scratch, data, (uint32_t)len, port, &weak);
	cr_assert_eq(weak, -1, "unexpected weak match %s", what(mm, db, weak));
	return what(mm, db, id);
}

#define BLOCK(db, lit, port) block(&m, (db), (lit), sizeof(lit) - 1, (port))

/* Feed chunks of data to a fresh stream; the result of the scan that decided, and on which
 * chunk (or -1). */
static const char *
stream(const struct dp_matcher *mm, enum dp_db db, const char *data, const size_t *cuts,
       unsigned ncuts, int *at)
{
	hs_stream_t *s = dp_match_stream_open(mm, db);
	size_t from = 0;
	int id = -1;

	cr_assert_not_null(s);
	*at = -1;
	for (unsigned i = 0; i <= ncuts && id < 0; i++) {
		size_t to = i < ncuts ? cuts[i] : strlen(data);
		int weak;
		id = dp_match_stream_scan(mm, db, s, mm->scratch, (const uint8_t *)data + from,
					  (uint32_t)(to - from), 443, &weak);
		cr_assert_eq(weak, -1);
		if (id >= 0)
			*at = (int)i;
		from = to;
	}
	dp_match_stream_close(s);
	return what(mm, db, id);
}

/* ---- host names ---- */

Test(match, host_exact_and_domain_and_below, .init = setup, .fini = teardown)
{
	cr_assert_str_eq(host(&m, "zoom.us"), "zoom/zoom.us");
	cr_assert_str_eq(host(&m, "ZOOM.us"), "zoom/zoom.us");
	cr_assert_str_eq(host(&m, "a.zoom.us"), "zoom/*.zoom.us");
	cr_assert_str_eq(host(&m, "us05web.x-1.zoom.us"), "zoom/*.zoom.us");
	cr_assert_str_eq(host(&m, "notzoom.us"), "-");
	cr_assert_str_eq(host(&m, "zoom.us.evil.com"), "-");
	cr_assert_str_eq(host(&m, "zoom.usa"), "-");
	cr_assert_str_eq(host(&m, "zoom-us"), "-");
	cr_assert_str_eq(host(&m, "zoomxus"), "-", "a '.' in a pattern is a dot, not any byte");
	cr_assert_str_eq(host(&m, ".zoom.us.x"), "-");
	cr_assert_str_eq(host(&m, "us"), "-");
	cr_assert_str_eq(host(&m, ""), "-");
}

Test(match, host_star_inside_a_label_is_one_label_part, .init = setup, .fini = teardown)
{
	cr_assert_str_eq(host(&m, "mmr-1.zc.example"), "zoom/mmr-*.zc.example");
	cr_assert_str_eq(host(&m, "mmr-.zc.example"), "zoom/mmr-*.zc.example");
	cr_assert_str_eq(host(&m, "mmr.zc.example"), "-");
	cr_assert_str_eq(host(&m, "mmr-1.x.zc.example"), "-");
	cr_assert_str_eq(host(&m, "a.mmr-1.zc.example"), "-");
}

Test(match, host_most_specific_pattern_wins, .init = setup, .fini = teardown)
{
	/* a longer suffix wins whatever the catalogue order */
	cr_assert_str_eq(host(&m, "media.zoom.us"), "zoommedia/*.media.zoom.us");
	cr_assert_str_eq(host(&m, "sfu1.media.zoom.us"), "zoommedia/*.media.zoom.us");
	cr_assert_str_eq(host(&m, "a.b.example.org"), "apex/*.b.example.org");
	cr_assert_str_eq(host(&m, "c.example.org"), "wild2/*.example.org");
	/* the name itself beats the same domain "and below", in either order */
	cr_assert_str_eq(host(&m, "example.com"), "apex/example.com");
	cr_assert_str_eq(host(&m, "x.example.com"), "wild/*.example.com");
	cr_assert_str_eq(host(&m, "b.example.org"), "wild2/b.example.org");
}

/* ---- UDP datagrams and hello lines ---- */

Test(match, udp_port_constraint, .init = setup, .fini = teardown)
{
	cr_assert_str_eq(BLOCK(DP_DB_UDP_TOSERVER, "\x01\x00\x02rest", 8801), "zoom/zoom-sfu");
	cr_assert_str_eq(BLOCK(DP_DB_UDP_TOSERVER, "\x01\x00\x02rest", 8810), "zoom/zoom-sfu");
	cr_assert_str_eq(BLOCK(DP_DB_UDP_TOCLIENT, "\x01\x00\x02rest", 8805), "zoom/zoom-sfu");
	cr_assert_str_eq(BLOCK(DP_DB_UDP_TOSERVER, "\x01\x00\x02rest", 8800), "-");
	cr_assert_str_eq(BLOCK(DP_DB_UDP_TOSERVER, "\x01\x00\x02rest", 8811), "-");
	cr_assert_str_eq(BLOCK(DP_DB_UDP_TOSERVER, "\x01\x00\x02rest", 443), "-");
	cr_assert_str_eq(BLOCK(DP_DB_UDP_TOSERVER, "\x01\x00\x03rest", 8801), "-");
	/* without a constraint: any port; dir = toserver: only that direction */
	cr_assert_str_eq(BLOCK(DP_DB_UDP_TOSERVER, "ZOOMHELLO!", 1), "zoom/zoom-hello");
	cr_assert_str_eq(BLOCK(DP_DB_UDP_TOSERVER, "ZOOMHELLO!", 65535), "zoom/zoom-hello");
	cr_assert_str_eq(BLOCK(DP_DB_UDP_TOCLIENT, "ZOOMHELLO!", 1), "-");
	cr_assert_str_eq(BLOCK(DP_DB_UDP_TOSERVER, "xZOOMHELLO!", 1), "-", "anchored");
	/* UDP signatures are not TCP signatures and vice versa */
	cr_assert_str_eq(BLOCK(DP_DB_UDP_TOSERVER, "MAGIC-HANDSHAKE-42", 443), "-");
}

Test(match, udp_offset_and_depth, .init = setup, .fini = teardown)
{
	/* "AB" starting at or after byte 2 and ending within 6 bytes */
	cr_assert_str_eq(BLOCK(DP_DB_UDP_TOSERVER, "xxAB", 9), "udpapp/udp-deep");
	cr_assert_str_eq(BLOCK(DP_DB_UDP_TOCLIENT, "xxxxAB", 9), "udpapp/udp-deep");
	cr_assert_str_eq(BLOCK(DP_DB_UDP_TOSERVER, "xxxxxAB", 9), "-", "ends beyond depth");
	cr_assert_str_eq(BLOCK(DP_DB_UDP_TOSERVER, "ABxxxxxx", 9), "-", "starts before offset");
	cr_assert_str_eq(BLOCK(DP_DB_UDP_TOSERVER, "xABxxxxx", 9), "-", "starts before offset");
	cr_assert_str_eq(BLOCK(DP_DB_UDP_TOSERVER, "ABxAB", 9), "udpapp/udp-deep");
}

Test(match, weak_signature_is_reported_apart, .init = setup, .fini = teardown)
{
	static const uint8_t weak_only[] = { 0x17, 0x24, 0x00, 0x01 };
	static const uint8_t both[] = "\x17\x24STRONG";
	int weak = 99;

	int id = dp_match_block(&m, DP_DB_UDP_TOSERVER, m.scratch, weak_only, sizeof(weak_only),
				5938, &weak);
	cr_assert_eq(id, -1, "a weak signature is not a decision: got %s",
		     what(&m, DP_DB_UDP_TOSERVER, id));
	cr_assert_str_eq(what(&m, DP_DB_UDP_TOSERVER, weak), "udpapp/udp-weak");
	cr_assert(m.pat[DP_DB_UDP_TOSERVER][weak].weak);

	/* a weak and a strong match in one datagram: the strong one decides, the weak one is
	 * still reported */
	weak = 99;
	id = dp_match_block(&m, DP_DB_UDP_TOSERVER, m.scratch, both, sizeof(both) - 1, 5938, &weak);
	cr_assert_str_eq(what(&m, DP_DB_UDP_TOSERVER, id), "strongafter/udp-strong");
	cr_assert_str_eq(what(&m, DP_DB_UDP_TOSERVER, weak), "udpapp/udp-weak");

	/* nothing: both -1; and weak may be NULL */
	weak = 99;
	cr_assert_eq(dp_match_block(&m, DP_DB_UDP_TOSERVER, m.scratch, (const uint8_t *)"zz", 2, 1,
				    &weak),
		     -1);
	cr_assert_eq(weak, -1);
	cr_assert_eq(dp_match_block(&m, DP_DB_UDP_TOSERVER, m.scratch, weak_only, sizeof(weak_only),
				    1, NULL),
		     -1);

	/* the same in a TCP stream */
	hs_stream_t *s = dp_match_stream_open(&m, DP_DB_TCP_TOCLIENT);
	cr_assert_not_null(s);
	weak = 99;
	id = dp_match_stream_scan(&m, DP_DB_TCP_TOCLIENT, s, m.scratch, weak_only,
				  sizeof(weak_only), 5938, &weak);
	cr_assert_eq(id, -1);
	cr_assert_str_eq(what(&m, DP_DB_TCP_TOCLIENT, weak), "udpapp/udp-weak-tcp");
	/* reported once: the next bytes of the stream carry no new weak match */
	id = dp_match_stream_scan(&m, DP_DB_TCP_TOCLIENT, s, m.scratch, weak_only,
				  sizeof(weak_only), 5938, &weak);
	cr_assert_eq(id, -1);
	cr_assert_eq(weak, -1);
	dp_match_stream_close(s);
}

Test(match, tls_hello_line, .init = setup, .fini = teardown)
{
	cr_assert_str_eq(BLOCK(DP_DB_TLS_HELLO, "sni=a.example;alpn=xproto/1,h2;", 443),
			 "tlsapp/tls-alpn");
	cr_assert_str_eq(BLOCK(DP_DB_TLS_HELLO, "sni=;alpn=xproto/2;", 443), "tlsapp/tls-alpn");
	cr_assert_str_eq(BLOCK(DP_DB_TLS_HELLO, "sni=a.example;alpn=h2,http/1.1;", 443), "-");
	cr_assert_str_eq(BLOCK(DP_DB_TLS_HELLO, "sni=www.abc7.com;alpn=;", 443), "tlsapp/tls-sni");
	cr_assert_str_eq(BLOCK(DP_DB_TLS_HELLO, "sni=www.abcd.com;alpn=;", 443), "-");
	cr_assert_str_eq(BLOCK(DP_DB_TLS_HELLO, "sni=www.abc7.com;alpn=h2;", 443), "-");
	cr_assert_str_eq(BLOCK(DP_DB_TLS_HELLO, "sni=x.www.abc7.com;alpn=;", 443), "-");
	/* hello signatures are not payload signatures */
	cr_assert_str_eq(BLOCK(DP_DB_UDP_TOSERVER, "sni=a;alpn=xproto/1;", 443), "-");
}

/* ---- TCP streams ---- */

Test(match, tcp_signature_across_segments, .init = setup, .fini = teardown)
{
	static const char *const data = "GET / xxMAGIC-HANDSHAKE-42yy";
	int at;

	cr_assert_gt(m.stream_size, 0);
	/* whole, split in the middle of the pattern, and one byte at a time */
	cr_assert_str_eq(stream(&m, DP_DB_TCP_TOSERVER, data, NULL, 0, &at), "tcpapp/tcp-magic");
	size_t mid[] = { 14 };
	cr_assert_str_eq(stream(&m, DP_DB_TCP_TOSERVER, data, mid, 1, &at), "tcpapp/tcp-magic");
	cr_assert_eq(at, 1, "decided when the pattern completed");
	size_t bytes[64];
	unsigned n = (unsigned)strlen(data) - 1;
	for (unsigned i = 0; i < n; i++)
		bytes[i] = i + 1;
	cr_assert_str_eq(stream(&m, DP_DB_TCP_TOSERVER, data, bytes, n, &at), "tcpapp/tcp-magic");
	cr_assert_eq(at, 25, "decided on the byte that completed the pattern");
	/* toserver only */
	cr_assert_str_eq(stream(&m, DP_DB_TCP_TOCLIENT, data, mid, 1, &at), "-");
	/* broken by a byte: no */
	cr_assert_str_eq(stream(&m, DP_DB_TCP_TOSERVER, "MAGIC-HANDSHAKE_42", mid, 1, &at), "-");
	/* the server side, caseless and anchored at the start of the stream */
	size_t three[] = { 3 };
	cr_assert_str_eq(stream(&m, DP_DB_TCP_TOCLIENT, "banner v1", three, 1, &at),
			 "tcpapp/tcp-banner");
	cr_assert_str_eq(stream(&m, DP_DB_TCP_TOCLIENT, "x BANNER", three, 1, &at), "-");
	/* a stream is its own context: a second stream does not inherit the first's prefix */
	hs_stream_t *s1 = dp_match_stream_open(&m, DP_DB_TCP_TOSERVER);
	hs_stream_t *s2 = dp_match_stream_open(&m, DP_DB_TCP_TOSERVER);
	cr_assert_eq(dp_match_stream_scan(&m, DP_DB_TCP_TOSERVER, s1, m.scratch,
					  (const uint8_t *)"MAGIC-HAND", 10, 80, NULL),
		     -1);
	cr_assert_eq(dp_match_stream_scan(&m, DP_DB_TCP_TOSERVER, s2, m.scratch,
					  (const uint8_t *)"SHAKE-42", 8, 80, NULL),
		     -1);
	cr_assert_str_eq(what(&m, DP_DB_TCP_TOSERVER,
			      dp_match_stream_scan(&m, DP_DB_TCP_TOSERVER, s1, m.scratch,
						   (const uint8_t *)"SHAKE-42", 8, 80, NULL)),
			 "tcpapp/tcp-magic");
	dp_match_stream_close(s1);
	dp_match_stream_close(s2);
}

Test(match, tcp_offset_and_depth_across_segments, .init = setup, .fini = teardown)
{
	int at;
	size_t cuts[] = { 2, 5, 6 };

	/* "DEEP" at or after byte 4, ending within 12 bytes */
	cr_assert_str_eq(stream(&m, DP_DB_TCP_TOSERVER, "0123DEEP", cuts, 3, &at),
			 "tcpapp/tcp-deep");
	cr_assert_str_eq(stream(&m, DP_DB_TCP_TOSERVER, "01234567DEEP", cuts, 3, &at),
			 "tcpapp/tcp-deep");
	cr_assert_str_eq(stream(&m, DP_DB_TCP_TOSERVER, "012345678DEEP", cuts, 3, &at), "-",
			 "ends beyond depth");
	cr_assert_str_eq(stream(&m, DP_DB_TCP_TOSERVER, "DEEP____", cuts, 3, &at), "-",
			 "starts before offset");
	cr_assert_str_eq(stream(&m, DP_DB_TCP_TOSERVER, "012DEEP_", cuts, 3, &at), "-",
			 "starts before offset");
	/* an anchored expression with an offset: exactly at that offset */
	cr_assert_str_eq(stream(&m, DP_DB_TCP_TOSERVER, "xyzHDR", cuts, 3, &at), "tcpapp/tcp-hdr");
	cr_assert_str_eq(stream(&m, DP_DB_TCP_TOSERVER, "xyzwHDR", cuts, 3, &at), "-");
	cr_assert_str_eq(stream(&m, DP_DB_TCP_TOSERVER, "HDRxyz", cuts, 3, &at), "-");
}

Test(match, empty_catalogue_builds_nothing)
{
	load("applications = ( { name = \"a\"; category = \"other\"; } );\n");
	build(&m, "");
	for (int i = 0; i < DP_DB__COUNT; i++) {
		cr_assert_null(m.db[i]);
		cr_assert_eq(m.npat[i], 0);
	}
	cr_assert_eq(dp_match_host(&m, m.scratch, "zoom.us", 7), -1);
	int weak = 5;
	cr_assert_eq(dp_match_block(&m, DP_DB_UDP_TOSERVER, m.scratch, (const uint8_t *)"x", 1, 1,
				    &weak),
		     -1);
	cr_assert_eq(weak, -1);
	cr_assert_null(dp_match_stream_open(&m, DP_DB_TCP_TOSERVER));
	dp_matcher_free(&m);
}

/* ---- compile errors ---- */

static void
expect_compile_error(const char *regex, const char *why)
{
	char text[2048];
	snprintf(text, sizeof(text),
		 "applications = (\n"
		 "  { name = \"fine\"; category = \"chat\"; hosts = [ \"fine.example\" ];\n"
		 "    signatures = ( { name = \"ok\"; proto = \"udp\"; regex = \"^ok\"; } ); },\n"
		 "  { name = \"broken\"; category = \"chat\";\n"
		 "    signatures = (\n"
		 "      { name = \"good\"; proto = \"udp\"; regex = \"^good\"; },\n"
		 "      { name = \"bad-one\"; proto = \"udp\"; regex = \"%s\"; }\n"
		 "    ); }\n"
		 ");\n",
		 regex);
	load(text);
	memset(&d, 0, sizeof(d));
	memset(&m, 0xa5, sizeof(m));
	cr_assert_eq(dp_matcher_build(&cat, "", &m, &d), -1, "%s compiled", why);
	cr_assert_geq(d.n, 1);
	cr_assert_eq(strncmp(d.msg[0], "t.conf:7: ", 10), 0, "%s: %s", why, d.msg[0]);
	cr_assert_not_null(strstr(d.msg[0], "'broken'"), "%s: %s", why, d.msg[0]);
	cr_assert_not_null(strstr(d.msg[0], "\"bad-one\""), "%s: %s", why, d.msg[0]);
	/* nothing half-built is left behind */
	for (int i = 0; i < DP_DB__COUNT; i++) {
		cr_assert_null(m.db[i]);
		cr_assert_null(m.pat[i]);
	}
	cr_assert_null(m.scratch);
	dp_matcher_free(&m); /* and freeing again is harmless */
}

Test(match, compile_error_unbalanced_parenthesis)
{
	expect_compile_error("(", "\"(\"");
	cr_assert_not_null(strstr(d.msg[0], "arenthes"), "%s", d.msg[0]);
}

Test(match, compile_error_backreference)
{
	expect_compile_error("(a)\\\\1", "a backreference");
	cr_assert_not_null(strstr(d.msg[0], "eference"), "%s", d.msg[0]);
}

Test(match, compile_error_in_a_tcp_or_tls_signature)
{
	load("applications = (\n"
	     "  { name = \"t\"; category = \"chat\";\n"
	     "    signatures = (\n"
	     "      { name = \"s1\"; proto = \"tcp\"; regex = \"a\"; },\n"
	     "      { name = \"s2\"; proto = \"tcp\"; dir = \"toclient\"; regex = \"a(?<=b)c\"; }\n"
	     "    ); }\n);\n");
	memset(&d, 0, sizeof(d));
	cr_assert_eq(dp_matcher_build(&cat, "", &m, &d), -1);
	static const char s2[] = "t.conf:5: application 't': signature \"s2\": ";
	cr_assert_eq(strncmp(d.msg[0], s2, strlen(s2)), 0, "%s", d.msg[0]);

	load("applications = (\n"
	     "  { name = \"h\"; category = \"chat\";\n"
	     "    signatures = ( { name = \"hello\"; proto = \"tls\"; regex = \"[z-a]\"; } ); "
	     "}\n);\n");
	memset(&d, 0, sizeof(d));
	cr_assert_eq(dp_matcher_build(&cat, "", &m, &d), -1);
	static const char hello[] = "t.conf:3: application 'h': signature \"hello\": ";
	cr_assert_eq(strncmp(d.msg[0], hello, strlen(hello)), 0, "%s", d.msg[0]);
}

/* ---- the database cache ---- */

static void
cache_setup(void)
{
	setup();
	dir = ts_tmpdir("match");
	cr_assert_not_null(dir);
}

static void
cache_teardown(void)
{
	teardown();
	ts_rmtree(dir);
	free(dir);
}

static unsigned
count_files(const char *pattern)
{
	char p[600];
	glob_t g;
	snprintf(p, sizeof(p), "%s/%s", dir, pattern);
	if (glob(p, 0, NULL, &g) != 0)
		return 0;
	unsigned n = (unsigned)g.gl_pathc;
	globfree(&g);
	return n;
}

static char *
one_file(const char *pattern)
{
	char p[600];
	glob_t g;
	snprintf(p, sizeof(p), "%s/%s", dir, pattern);
	cr_assert_eq(glob(p, 0, NULL, &g), 0, "no %s", p);
	cr_assert_eq(g.gl_pathc, 1, "%zu files %s", (size_t)g.gl_pathc, p);
	char *s = strdup(g.gl_pathv[0]);
	globfree(&g);
	return s;
}

/* The same identifications as the matcher built without a cache. */
static void
same_results(const struct dp_matcher *c)
{
	static const char *const hosts[] = { "zoom.us",         "a.zoom.us",
					     "notzoom.us",      "example.com",
					     "x.example.com",   "sfu.media.zoom.us",
					     "mmr-2.zc.example" };
	for (unsigned i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
		cr_assert_str_eq(host(c, hosts[i]), host(&m, hosts[i]), "%s", hosts[i]);
	cr_assert_str_eq(block(c, DP_DB_UDP_TOSERVER, "\x01\x00\x02", 3, 8801), "zoom/zoom-sfu");
	cr_assert_str_eq(block(c, DP_DB_UDP_TOSERVER, "\x01\x00\x02", 3, 443), "-");
	cr_assert_str_eq(block(c, DP_DB_UDP_TOCLIENT, "xxAB", 4, 1), "udpapp/udp-deep");
	cr_assert_str_eq(block(c, DP_DB_UDP_TOCLIENT, "xxxxxAB", 7, 1), "-");
	cr_assert_str_eq(block(c, DP_DB_TLS_HELLO, "sni=;alpn=xproto/2;", 19, 443),
			 "tlsapp/tls-alpn");
	int at;
	size_t cut[] = { 10 };
	cr_assert_str_eq(stream(c, DP_DB_TCP_TOSERVER, "xxMAGIC-HANDSHAKE-42", cut, 1, &at),
			 "tcpapp/tcp-magic");
	cr_assert_str_eq(stream(c, DP_DB_TCP_TOSERVER, "012345678DEEP", cut, 1, &at), "-");
	cr_assert_str_eq(stream(c, DP_DB_TCP_TOCLIENT, "BaNnEr", cut, 1, &at), "tcpapp/tcp-banner");
}

static unsigned
ndbs(const struct dp_matcher *mm)
{
	unsigned n = 0;
	for (int i = 0; i < DP_DB__COUNT; i++)
		n += mm->db[i] != NULL;
	return n;
}

Test(match, cache_written_then_reused, .init = cache_setup, .fini = cache_teardown)
{
	struct dp_matcher c1, c2;

	cr_assert_eq(ndbs(&m), DP_DB__COUNT, "the test catalogue fills every database");
	build(&c1, dir);
	cr_assert_eq(d.n, 0, "%s", all_msgs());
	for (int i = 0; i < DP_DB__COUNT; i++)
		cr_assert(!c1.from_cache[i], "db %d from an empty cache", i);
	cr_assert_eq(count_files("*.hsdb"), DP_DB__COUNT);
	cr_assert_eq(count_files("*tmp*"), 0, "no temporary file left");
	static const char *const names[] = { "host",         "tcp-toserver", "tcp-toclient",
					     "udp-toserver", "udp-toclient", "tls-hello" };
	for (int i = 0; i < DP_DB__COUNT; i++) {
		char p[64];
		snprintf(p, sizeof(p), "%s-*.hsdb", names[i]);
		free(one_file(p));
	}
	same_results(&c1);

	build(&c2, dir);
	cr_assert_eq(d.n, 0, "%s", all_msgs());
	for (int i = 0; i < DP_DB__COUNT; i++)
		cr_assert(c2.from_cache[i], "db %d not from the cache", i);
	cr_assert_eq(count_files("*.hsdb"), DP_DB__COUNT);
	for (int i = 0; i < DP_DB__COUNT; i++)
		cr_assert_eq(c2.npat[i], c1.npat[i]);
	cr_assert_eq(c2.stream_size, c1.stream_size);
	same_results(&c2);
	dp_matcher_free(&c1);
	dp_matcher_free(&c2);
}

Test(match, cache_directory_is_created, .init = cache_setup, .fini = cache_teardown)
{
	char sub[600];
	struct dp_matcher c;
	struct stat st;

	snprintf(sub, sizeof(sub), "%s/hs", dir);
	build(&c, sub);
	cr_assert_eq(stat(sub, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_eq(count_files("hs/*.hsdb"), DP_DB__COUNT);
	dp_matcher_free(&c);
}

Test(match, unwritable_cache_is_a_note_not_a_failure, .init = cache_setup, .fini = cache_teardown)
{
	struct dp_matcher c;
	char *file = ts_write_file(dir, "plain", "not a directory\n");
	char sub[600];

	snprintf(sub, sizeof(sub), "%s/sub", file);
	build(&c, sub);
	cr_assert_geq(d.n, 1);
	cr_assert_not_null(strstr(d.msg[0], "note: "), "%s", d.msg[0]);
	cr_assert_not_null(strstr(d.msg[0], sub), "%s", d.msg[0]);
	same_results(&c);
	dp_matcher_free(&c);
	free(file);
}

Test(match, changed_catalogue_gets_a_new_key, .init = cache_setup, .fini = cache_teardown)
{
	struct dp_matcher c1, c2, c3;
	char *old_udp, *old_host;

	build(&c1, dir);
	old_udp = one_file("udp-toserver-*.hsdb");
	old_host = one_file("host-*.hsdb");

	/* zoom-sfu now needs \x01\x00\x05: the cached UDP databases are stale */
	char *text = strdup(catalogue);
	char *p = strstr(text, "^\\\\x01\\\\x00\\\\x02");
	cr_assert_not_null(p);
	p[strlen("^\\\\x01\\\\x00\\\\x0")] = '5';
	load(text);
	build(&c2, dir);
	cr_assert_eq(d.n, 0, "%s", all_msgs());
	cr_assert(!c2.from_cache[DP_DB_UDP_TOSERVER]);
	cr_assert(!c2.from_cache[DP_DB_UDP_TOCLIENT]);
	/* what did not change still comes from the cache */
	cr_assert(c2.from_cache[DP_DB_HOST]);
	cr_assert(c2.from_cache[DP_DB_TCP_TOSERVER]);
	cr_assert(c2.from_cache[DP_DB_TLS_HELLO]);
	cr_assert_eq(count_files("udp-toserver-*.hsdb"), 2, "a new file beside the old one");
	cr_assert_eq(count_files("host-*.hsdb"), 1);
	cr_assert_eq(access(old_udp, F_OK), 0);
	cr_assert_eq(access(old_host, F_OK), 0);
	cr_assert_str_eq(block(&c2, DP_DB_UDP_TOSERVER, "\x01\x00\x05", 3, 8801), "zoom/zoom-sfu");
	cr_assert_str_eq(block(&c2, DP_DB_UDP_TOSERVER, "\x01\x00\x02", 3, 8801), "-");

	/* a flag alone (caseless) and a depth alone change the key too */
	free(text);
	text = strdup(catalogue);
	p = strstr(text, "caseless = true");
	cr_assert_not_null(p);
	memcpy(p + strlen("caseless = "), "false", 5);
	p[strlen("caseless = false")] = ';';
	p = strstr(text, "depth = 24");
	cr_assert_not_null(p);
	p[strlen("depth = ")] = '3';
	load(text);
	build(&c3, dir);
	cr_assert(!c3.from_cache[DP_DB_TCP_TOCLIENT]);
	cr_assert(!c3.from_cache[DP_DB_TLS_HELLO]);
	cr_assert(c3.from_cache[DP_DB_TCP_TOSERVER]);
	int at;
	cr_assert_str_eq(stream(&c3, DP_DB_TCP_TOCLIENT, "BaNnEr", NULL, 0, &at), "-");
	cr_assert_str_eq(stream(&c3, DP_DB_TCP_TOCLIENT, "BANNER", NULL, 0, &at),
			 "tcpapp/tcp-banner");
	cr_assert_str_eq(block(&c3, DP_DB_TLS_HELLO, "sni=www.abc7.com;alpn=;", 23, 443),
			 "tlsapp/tls-sni");
	dp_matcher_free(&c1);
	dp_matcher_free(&c2);
	dp_matcher_free(&c3);
	free(text);
	free(old_udp);
	free(old_host);
}

/* Damage the cached database of one kind, rebuild: a note naming the file, the same results,
 * and a good file in its place (the build after that loads it). */
static void
damage_and_rebuild(enum dp_db which, const char *pattern, void (*damage)(const char *path),
		   const char *how)
{
	struct dp_matcher c1, c2, c3;

	build(&c1, dir);
	char *path = one_file(pattern);
	damage(path);
	build(&c2, dir);
	cr_assert_eq(d.n, 1, "%s: one note expected:\n%s", how, all_msgs());
	cr_assert_not_null(strstr(d.msg[0], "note: "), "%s: %s", how, d.msg[0]);
	cr_assert_not_null(strstr(d.msg[0], path), "%s: %s", how, d.msg[0]);
	for (int i = 0; i < DP_DB__COUNT; i++)
		cr_assert_eq(c2.from_cache[i], i != (int)which, "%s: db %d", how, i);
	same_results(&c2);
	build(&c3, dir);
	cr_assert_eq(d.n, 0, "%s: rewritten: %s", how, all_msgs());
	for (int i = 0; i < DP_DB__COUNT; i++)
		cr_assert(c3.from_cache[i], "%s: db %d", how, i);
	same_results(&c3);
	dp_matcher_free(&c1);
	dp_matcher_free(&c2);
	dp_matcher_free(&c3);
	free(path);
}

static void
truncate_half(const char *path)
{
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(truncate(path, st.st_size / 2), 0);
}

static void
truncate_empty(const char *path)
{
	cr_assert_eq(truncate(path, 0), 0);
}

static void
overwrite(const char *path, long at, size_t n)
{
	FILE *f = fopen(path, "r+b");
	struct stat st;
	cr_assert_not_null(f);
	cr_assert_eq(stat(path, &st), 0);
	if (at < 0)
		at += st.st_size;
	cr_assert(at >= 0 && at + (long)n <= st.st_size);
	cr_assert_eq(fseek(f, at, SEEK_SET), 0);
	for (size_t i = 0; i < n; i++)
		fputc(0xa5 ^ (int)i, f);
	fclose(f);
}

static void
overwrite_header(const char *path)
{
	overwrite(path, 0, 8);
}

static void
overwrite_middle(const char *path)
{
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	overwrite(path, st.st_size / 2, 16);
}

static void
garbage(const char *path)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	fputs("this is not a Hyperscan database, not at all; it is some text instead\n", f);
	fclose(f);
}

Test(match, truncated_cache_file_is_reported_and_rebuilt, .init = cache_setup,
     .fini = cache_teardown)
{
	damage_and_rebuild(DP_DB_UDP_TOSERVER, "udp-toserver-*.hsdb", truncate_half,
			   "truncated to half");
}

Test(match, empty_cache_file_is_reported_and_rebuilt, .init = cache_setup, .fini = cache_teardown)
{
	damage_and_rebuild(DP_DB_HOST, "host-*.hsdb", truncate_empty, "truncated to nothing");
}

Test(match, overwritten_cache_header_is_reported_and_rebuilt, .init = cache_setup,
     .fini = cache_teardown)
{
	damage_and_rebuild(DP_DB_UDP_TOSERVER, "udp-toserver-*.hsdb", overwrite_header,
			   "header overwritten");
}

Test(match, overwritten_cache_bytes_are_reported_and_rebuilt, .init = cache_setup,
     .fini = cache_teardown)
{
	damage_and_rebuild(DP_DB_UDP_TOSERVER, "udp-toserver-*.hsdb", overwrite_middle,
			   "middle overwritten");
}

/*
 * Damage anywhere: Hyperscan checks the bytecode (CRC) but not its reserved header words or
 * the padding after the bytecode, which it does not use either. So a damaged file is either
 * reported and rebuilt, or loads exactly what was compiled: the results never change.
 */
Test(match, damage_anywhere_never_changes_results, .init = cache_setup, .fini = cache_teardown)
{
	struct dp_matcher c1, c2;
	struct stat st;
	unsigned reported = 0, tries = 0;

	build(&c1, dir);
	char *path = one_file("udp-toserver-*.hsdb");
	cr_assert_eq(stat(path, &st), 0);
	long size = st.st_size;
	for (long at = 0; at + 4 <= size; at += size / 13 + 1) {
		for (int pass = 0; pass < 2; pass++) {
			long where = pass == 0 ? at : size - 4 - at / 8;
			overwrite(path, where, 4);
			build(&c2, dir);
			tries++;
			if (!c2.from_cache[DP_DB_UDP_TOSERVER]) {
				reported++;
				cr_assert_eq(d.n, 1, "byte %ld: %s", where, all_msgs());
				cr_assert_not_null(strstr(d.msg[0], path), "%s", d.msg[0]);
			} else {
				cr_assert_eq(d.n, 0, "byte %ld: %s", where, all_msgs());
			}
			same_results(&c2);
			dp_matcher_free(&c2);
			/* the rebuilt file is good again */
			build(&c2, dir);
			cr_assert(c2.from_cache[DP_DB_UDP_TOSERVER]);
			dp_matcher_free(&c2);
		}
	}
	cr_assert_gt(reported, tries / 2, "only %u of %u damaged files noticed", reported, tries);
	dp_matcher_free(&c1);
	free(path);
}

Test(match, garbage_cache_file_is_reported_and_rebuilt, .init = cache_setup, .fini = cache_teardown)
{
	damage_and_rebuild(DP_DB_HOST, "host-*.hsdb", garbage, "replaced by text");
}
