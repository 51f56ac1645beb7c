/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Application identification through the real binary (virt-pcap replay).
 *
 * bwgen's "apps" capture holds, for every way config/apps.conf identifies an application,
 * a flow that must be identified and a near miss that must not be (tests/gen/apps.h lists
 * them and where each one's record is). Each flow's record must carry the promised verdict:
 * app, master, confidence, the evidence's field, rule and value, the server name seen and
 * how many packets the decision took; each near miss must be no catalogue application.
 * Every application of the catalogue must be identified by its own bytes at least once.
 * The records' times are the frames' own: the capture's first frames are at known times.
 *
 * The "quic-stale" capture is the regression for QUIC CRYPTO-reassembly state: an Initial
 * with part of a hello held a head block; when its flow ended the block went back to the
 * pool uncleared, and the next QUIC flow given it read the old flow's server name.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../gen/apps.h"
#include "../support/support.h"

static char *dir;
static char logp[600];
static char **recs; /* the flow records of the log */
static size_t nrecs;

static void
setup(void)
{
	dir = ts_tmpdir("identify");
	cr_assert_not_null(dir);
	snprintf(logp, sizeof(logp), "%s/events.json", dir);
}

static void
teardown(void)
{
	for (size_t i = 0; i < nrecs; i++)
		free(recs[i]);
	free(recs);
	recs = NULL;
	nrecs = 0;
	ts_rmtree(dir);
	free(dir);
}

/* Generate a bwgen scenario and replay it with identification on: the shipped catalogue, a
 * private Hyperscan cache, correct checksums verified, inspect settings added. Loads the
 * flow records. */
static void
replay_with(const char *scenario, const char *inspect)
{
	char cfg[4096], *path, *out = NULL, *line = NULL;
	size_t cap = 0;

	snprintf(cfg, sizeof(cfg),
		 "log = { file = \"\"; stats_interval = 0; };\n"
		 "decode = { ip4_checksum = \"verify\"; };\n"
		 "flow = { entries = 16384; };\n"
		 "stream = { memory = \"16m\"; };\n"
		 "frag = { datagrams = 512; max_held = 2048; };\n"
		 "inspect = {\n"
		 "  contexts = 8192;\n"
		 "  identify = true;\n"
		 "  catalogue = [ \"%s/config/apps.conf\" ];\n"
		 "  cache_dir = \"%s/cache\";\n"
		 "  streams = 8192;\n"
		 "  heads = 1024;\n"
		 "  %s\n"
		 "};\n",
		 ts_root(), dir, inspect);
	path = ts_write_file(dir, "bridgeward.conf", cfg);
	cr_assert_not_null(path);
	cr_assert_eq(ts_run(&out, "mkdir -p %s/cache && %s/bwgen %s %s/in.pcap", dir, ts_build(),
			    scenario, dir),
		     0, "%s", out);
	free(out);
	int rc = ts_run(&out,
			"%s/bridgeward --board %s/board/virt-pcap.conf --config %s --replay "
			"%s/in.pcap --out %s/out.pcap --log %s -- --file-prefix %s",
			ts_build(), ts_root(), path, dir, dir, logp, ts_prefix("identify"));
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	free(path);

	FILE *f = fopen(logp, "r");
	cr_assert_not_null(f);
	while (getline(&line, &cap, f) > 0) {
		if (strstr(line, "\"event_type\":\"flow\"") == NULL)
			continue;
		recs = realloc(recs, (nrecs + 1) * sizeof(*recs));
		recs[nrecs++] = strdup(line);
	}
	free(line);
	fclose(f);
	cr_assert_gt(nrecs, 0, "no flow records in %s", logp);
}

static void
replay(const char *scenario)
{
	replay_with(scenario, "");
}

/* The record of bwgen apps flow n (see tests/gen/apps.h for the addressing). */
static const char *
record(unsigned n)
{
	char src[96], dst[64] = "";
	const char *found = NULL;

	snprintf(src, sizeof(src), "\"src_ip\":\"198.18.1.%u\",\"src_port\":%u,",
		 gen_apps_client_of(n), gen_apps_cport_of(n));
	if (gen_apps_server_of(n) != 0)
		snprintf(dst, sizeof(dst), "\"dest_ip\":\"198.19.1.%u\",", gen_apps_server_of(n));
	for (size_t i = 0; i < nrecs; i++) {
		if (strstr(recs[i], src) == NULL || (dst[0] && strstr(recs[i], dst) == NULL))
			continue;
		cr_assert_null(found, "flow %u has two records:\n%s%s", n, found, recs[i]);
		found = recs[i];
	}
	cr_assert_not_null(found, "no record of flow %u (%s%s)", n, src, dst);
	return found;
}

static const char *
str(const char *rec, const char *key, char *buf, size_t len)
{
	return ts_json_str(rec, key, buf, len) ? buf : "(absent)";
}

/* What an identified flow's record must say. NULL and -1: not checked. */
struct want {
	unsigned flow;
	const char *what;
	const char *app, *master, *conf;
	const char *field, *rule, *value;
	const char *sni, *host;
	int after; /* decided_after_pkts */
};

static void
check(const struct want *w)
{
	const char *rec = record(w->flow);
	char b[256];
	const struct {
		const char *key, *want;
	} fields[] = {
		{ "app", w->app },     { "master", w->master }, { "confidence", w->conf },
		{ "field", w->field }, { "rule", w->rule },     { "value", w->value },
		{ "sni", w->sni },     { "host", w->host },
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (fields[i].want == NULL)
			continue;
		cr_expect_str_eq(str(rec, fields[i].key, b, sizeof(b)), fields[i].want,
				 "%s (flow %u): %s \"%s\", want \"%s\"\n%s", w->what, w->flow,
				 fields[i].key, b, fields[i].want, rec);
	}
	if (w->after >= 0)
		cr_expect_eq(ts_json_u64(rec, "decided_after_pkts"), w->after,
			     "%s (flow %u): decided after %lld packets, want %d\n%s", w->what,
			     w->flow, (long long)ts_json_u64(rec, "decided_after_pkts"), w->after,
			     rec);
}

/* A near miss: not the application it resembles, nor any other (no evidence), reported
 * as its master protocol (or "unknown"); the server name it carried, if given. */
struct near {
	unsigned flow;
	const char *what;
	const char *not_app;
	const char *app;
	const char *sni, *host;
};

static void
check_near(const struct near *w)
{
	const char *rec = record(w->flow);
	char b[256];

	cr_expect(ts_json_str(rec, "app", b, sizeof(b)) && strcmp(b, w->not_app) != 0,
		  "%s (flow %u) identified as %s\n%s", w->what, w->flow, w->not_app, rec);
	cr_expect_str_eq(str(rec, "confidence", b, sizeof(b)), "none",
			 "%s (flow %u): confidence %s\n%s", w->what, w->flow, b, rec);
	cr_expect_null(strstr(rec, "\"evidence\""), "%s (flow %u) has evidence\n%s", w->what,
		       w->flow, rec);
	cr_expect_str_eq(str(rec, "app", b, sizeof(b)), w->app, "%s (flow %u): app %s\n%s", w->what,
			 w->flow, b, rec);
	if (w->sni != NULL)
		cr_expect_str_eq(str(rec, "sni", b, sizeof(b)), w->sni, "%s (flow %u)\n%s", w->what,
				 w->flow, rec);
	if (w->host != NULL)
		cr_expect_str_eq(str(rec, "host", b, sizeof(b)), w->host, "%s (flow %u)\n%s",
				 w->what, w->flow, rec);
}

#define CHECK_ALL(arr)                                                       \
	do {                                                                 \
		for (size_t i_ = 0; i_ < sizeof(arr) / sizeof(arr[0]); i_++) \
			check(&arr[i_]);                                     \
	} while (0)
#define CHECK_NEAR(arr)                                                      \
	do {                                                                 \
		for (size_t i_ = 0; i_ < sizeof(arr) / sizeof(arr[0]); i_++) \
			check_near(&arr[i_]);                                \
	} while (0)

/* A TLS ClientHello is the 4th packet (after the handshake); a TLS 1.2 server's
 * certificate the 6th (hello, its ACK, the server's flight). */
#define HELLO_PKT 4
#define CERT_PKT  6

Test(identify, tls_server_names, .init = setup, .fini = teardown, .timeout = 60)
{
	static const struct {
		unsigned flow;
		const char *app, *rule, *name;
	} pos[] = {
		{ GA_TEAMS_SNI, "skype_teams", "teams.microsoft.com", "teams.microsoft.com" },
		{ GA_ZOOM_SNI, "zoom", "zoom.us", "zoom.us" },
		{ GA_WEBEX_SNI, "webex", "webex.com", "webex.com" },
		{ GA_WHATSAPP_SNI, "whatsapp", "*.whatsapp.com", "web.whatsapp.com" },
		{ GA_SIGNAL_SNI, "signal", "*.signal.org", "chat.signal.org" },
		{ GA_TELEGRAM_SNI, "telegram", "*.telegram.org", "web.telegram.org" },
		{ GA_VIBER_SNI, "viber", "viber.com", "viber.com" },
		{ GA_DISCORD_SNI, "discord", "discord.com", "discord.com" },
		{ GA_ANYDESK_SNI, "anydesk", "*.anydesk.com", "boot.net.anydesk.com" },
		{ GA_TEAMVIEWER_SNI, "teamviewer", "*.teamviewer.com", "router1.teamviewer.com" },
		{ GA_PSIPHON_SNI, "psiphon", "psiphon.ca", "psiphon.ca" },
		{ GA_TORPROJECT_SNI, "tor", "*.torproject.org", "www.torproject.org" },
		{ GA_BITTORRENT_SNI, "bittorrent", "*.bittorrent.com", "www.bittorrent.com" },
	};
	static const struct near near[] = {
		{ GA_TEAMS_SNI_NEAR, "SNI notteams.microsoft.com.evil.example", "skype_teams",
		  "tls", "notteams.microsoft.com.evil.example", NULL },
		{ GA_ZOOM_SNI_NEAR, "SNI myzoom.us", "zoom", "tls", "myzoom.us", NULL },
		{ GA_WEBEX_SNI_NEAR, "SNI webex.com.evil.example", "webex", "tls",
		  "webex.com.evil.example", NULL },
		{ GA_WHATSAPP_SNI_NEAR, "SNI fakewhatsapp.com", "whatsapp", "tls",
		  "fakewhatsapp.com", NULL },
		{ GA_SIGNAL_SNI_NEAR, "SNI onesignal.com", "signal", "tls", "onesignal.com", NULL },
		{ GA_TELEGRAM_SNI_NEAR, "SNI telegram.org.evil.example", "telegram", "tls",
		  "telegram.org.evil.example", NULL },
		{ GA_VIBER_SNI_NEAR, "SNI notviber.com", "viber", "tls", "notviber.com", NULL },
		{ GA_DISCORD_SNI_NEAR, "SNI discord.community", "discord", "tls",
		  "discord.community", NULL },
		{ GA_ANYDESK_SNI_NEAR, "SNI anydesk.com.evil.example", "anydesk", "tls",
		  "anydesk.com.evil.example", NULL },
		{ GA_TEAMVIEWER_SNI_NEAR, "SNI teamviewer.com.evil.example", "teamviewer", "tls",
		  "teamviewer.com.evil.example", NULL },
		{ GA_PSIPHON_SNI_NEAR, "SNI psiphon.ca.evil.example", "psiphon", "tls",
		  "psiphon.ca.evil.example", NULL },
		{ GA_TORPROJECT_SNI_NEAR, "SNI torproject.org.evil.example", "tor", "tls",
		  "torproject.org.evil.example", NULL },
		{ GA_BITTORRENT_SNI_NEAR, "SNI bittorrent.com.evil.example", "bittorrent", "tls",
		  "bittorrent.com.evil.example", NULL },
	};

	replay("apps");
	for (size_t i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
		struct want w = { pos[i].flow, pos[i].name, pos[i].app,  "tls", "dpi",    "sni",
				  pos[i].rule, pos[i].name, pos[i].name, NULL,  HELLO_PKT };
		check(&w);
	}
	CHECK_NEAR(near);
}

Test(identify, tls_hello_signatures_and_certificates, .init = setup, .fini = teardown,
     .timeout = 60)
{
	static const struct want want[] = {
		{ GA_TOR_HELLO, "Tor link hello (random base32 SNI, no ALPN) on 9001", "tor", "tls",
		  "dpi", "hello", "tor-link-hello", "sni=www.q3ifz6rjxwvd.com;alpn=;",
		  "www.q3ifz6rjxwvd.com", NULL, HELLO_PKT },
		{ GA_ANYDESK_ALPN, "ALPN anydesk/6.2.0/linux, no SNI", "anydesk", "tls", "dpi",
		  "hello", "anydesk-alpn", "sni=;alpn=anydesk/6.2.0/linux;", NULL, NULL,
		  HELLO_PKT },
		{ GA_CERT_NAME, "no SNI; TLS 1.2 certificate CN meet.webex.com", "webex", "tls",
		  "dpi", "cert", "*.webex.com", "meet.webex.com", NULL, "meet.webex.com",
		  CERT_PKT },
		{ GA_ANYDESK_CERT, "no SNI; certificate AnyNet Relay by philandro", "anydesk",
		  "tls", "dpi", "payload", "anydesk-certificate", "signature", NULL, NULL,
		  CERT_PKT },
	};
	static const struct near near[] = {
		{ GA_TOR_HELLO_NEAR, "www.google.com without ALPN", "tor", "tls", "www.google.com",
		  NULL },
		{ GA_ANYDESK_ALPN_NEAR, "ALPN \"anydesk\" without version path", "anydesk", "tls",
		  "remote.example.com", NULL },
		{ GA_CERT_NAME_NEAR, "no SNI; certificate www.example.org", "webex", "tls", NULL,
		  "www.example.org" },
		{ GA_ANYDESK_CERT_NEAR, "no SNI; certificate anydesk-client.example.org", "anydesk",
		  "tls", NULL, "anydesk-client.example.org" },
	};

	replay("apps");
	CHECK_ALL(want);
	CHECK_NEAR(near);
	/* a certificate's name is reported as "host", a client's server name as "sni" */
	cr_expect_null(strstr(record(GA_CERT_NAME), "\"sni\""));
}

Test(identify, quic_initials, .init = setup, .fini = teardown, .timeout = 60)
{
	static const struct want want[] = {
		{ GA_QUIC_SNI, "QUIC v1 Initial, SNI mmg.whatsapp.net", "whatsapp", "quic", "dpi",
		  "quic", "*.whatsapp.net", "mmg.whatsapp.net", "mmg.whatsapp.net", NULL, 1 },
	};
	static const struct near near[] = {
		{ GA_QUIC_SNI_NEAR, "QUIC v1 Initial, SNI www.google.com", "whatsapp", "quic",
		  "www.google.com", NULL },
	};

	replay("apps");
	CHECK_ALL(want);
	CHECK_NEAR(near);
	/* the near miss was still read: decided (as no application) at its first packet */
	cr_expect_eq(ts_json_u64(record(GA_QUIC_SNI_NEAR), "decided_after_pkts"), 1);
}

Test(identify, http_requests, .init = setup, .fini = teardown, .timeout = 60)
{
	static const struct want want[] = {
		{ GA_HTTP_CONNECT, "CONNECT example.net:443 on 3128", "http_tunnel", "http", "dpi",
		  "connect", "connect", "example.net:443", NULL, "example.net", HELLO_PKT },
		{ GA_HTTP_PROXY, "GET http://www.example.com/index.html on 8080", "http_tunnel",
		  "http", "dpi", "proxy", "proxy", "absolute-uri", NULL, "www.example.com",
		  HELLO_PKT },
		{ GA_HTTP_HOST, "Host: www.psiphon3.com", "psiphon", "http", "dpi", "host",
		  "*.psiphon3.com", "www.psiphon3.com", NULL, "www.psiphon3.com", HELLO_PKT },
		/* master: the protocol the first bytes chose, though the signature decided */
		{ GA_BT_ANNOUNCE, "GET /announce?info_hash=...", "bittorrent", "http", "dpi",
		  "payload", "bittorrent-tracker-announce", "signature", NULL, NULL, HELLO_PKT },
	};
	static const struct near near[] = {
		{ GA_HTTP_RELATIVE_NEAR, "GET /index.html on 8080", "http_tunnel", "http", NULL,
		  "www.example.com" },
		{ GA_HTTP_PATH_URL_NEAR, "GET /web/2024/http://www.example.com/", "http_tunnel",
		  "http", NULL, "archive.example.org" },
		{ GA_HTTP_HOST_NEAR, "Host: psiphon3.com.evil.example", "psiphon", "http", NULL,
		  "psiphon3.com.evil.example" },
		{ GA_BT_ANNOUNCE_NEAR, "GET /announcements?page=2", "bittorrent", "http", NULL,
		  "news.example.org" },
	};

	replay("apps");
	CHECK_ALL(want);
	CHECK_NEAR(near);
}

Test(identify, dns_and_attribution, .init = setup, .fini = teardown, .timeout = 60)
{
	static const struct want want[] = {
		{ GA_DNS_APP, "DNS query zoom.us", "zoom", "dns", "dpi", "dns", "zoom.us",
		  "zoom.us", NULL, "zoom.us", 1 },
		/* media to the address the answer gave: decided at its first packet, the
		 * master filled in by its own bytes */
		{ GA_DNS_MEDIA, "RTP to the answer of zoom.us", "zoom", "rtp", "attribution",
		  "attribution", "attribution", "dns", NULL, NULL, 1 },
		{ GA_TLS_ATTR, "no-SNI TLS to the server web.whatsapp.com named", "whatsapp", "tls",
		  "attribution", "attribution", "attribution", "tls", NULL, NULL, 1 },
	};
	static const struct near near[] = {
		{ GA_DNS_NEAR, "DNS query www.example.org", "zoom", "dns", NULL,
		  "www.example.org" },
		{ GA_DNS_NEAR_MEDIA, "RTP to the answer of www.example.org", "zoom", "rtp", NULL,
		  NULL },
		{ GA_TLS_ATTR_NEAR, "another client to the same WhatsApp server", "whatsapp", "tls",
		  NULL, NULL },
	};

	replay("apps");
	CHECK_ALL(want);
	CHECK_NEAR(near);
	/* a DNS flow naming no application is settled once its question has its answer */
	cr_expect_eq(ts_json_u64(record(GA_DNS_NEAR), "decided_after_pkts"), 2);
}

/*
 * Regression: one socket asks zoom.us, then www.example.org, whose answer comes first. Each
 * answer is learned for its own question's application: before the fix every answer was
 * learned for the application of the flow's first question, so the client's media to
 * www.example.org's address was zoom (confidence attribution), and the flow was done before
 * zoom.us's answer, so its media to zoom.us's address was not.
 */
Test(identify, dns_answers_are_learned_for_their_own_question, .init = setup, .fini = teardown,
     .timeout = 60)
{
	static const struct want want[] = {
		{ GA_DNS_REORDERED, "DNS zoom.us and www.example.org on one socket", "zoom", "dns",
		  "dpi", "dns", "zoom.us", "zoom.us", NULL, NULL, 1 },
		{ GA_DNS_REORDERED_MEDIA, "RTP to zoom.us's answer, given after the other's",
		  "zoom", "rtp", "attribution", "attribution", "attribution", "dns", NULL, NULL,
		  1 },
	};
	static const struct near near[] = {
		{ GA_DNS_REORDERED_NEAR_MEDIA, "RTP to the answer of www.example.org, asked second",
		  "zoom", "rtp", NULL, NULL },
	};

	replay("apps");
	CHECK_ALL(want);
	CHECK_NEAR(near);
}

/*
 * Regression: every question of a DNS flow is read, not only the first. Before the fix a
 * socket that asked www.example.org first was settled (dns, no application) at its first
 * packet: its later question for zoom.us decided nothing and its answer was not learned; a
 * resolver forwarding questions to another (port 53 to 53) the same.
 */
Test(identify, dns_every_question_is_read, .init = setup, .fini = teardown, .timeout = 60)
{
	static const struct want want[] = {
		/* decided by the second question; every answer read */
		{ GA_DNS_SECOND_Q, "DNS www.example.org, then zoom.us, on one socket", "zoom",
		  "dns", "dpi", "dns", "zoom.us", "zoom.us", NULL, NULL, 2 },
		{ GA_DNS_SECOND_Q_MEDIA, "RTP to the answer of zoom.us, asked second", "zoom",
		  "rtp", "attribution", "attribution", "attribution", "dns", NULL, NULL, 1 },
		/* question, answer, question, answer, question (zoom.us), answer */
		{ GA_DNS_RESOLVERS, "resolver to resolver, zoom.us the third question", "zoom",
		  "dns", "dpi", "dns", "zoom.us", "zoom.us", NULL, NULL, 5 },
		{ GA_DNS_RESOLVERS_MEDIA, "RTP from the resolver's host to zoom.us's answer",
		  "zoom", "rtp", "attribution", "attribution", "attribution", "dns", NULL, NULL,
		  1 },
	};

	replay("apps");
	CHECK_ALL(want);
	/* the flows as the capture has them: every answer reached the client */
	cr_expect_eq(ts_json_u64(record(GA_DNS_SECOND_Q), "pkts_toclient"), 2);
	cr_expect_eq(ts_json_u64(record(GA_DNS_RESOLVERS), "pkts_toclient"), 3);
}

Test(identify, stun_and_turn, .init = setup, .fini = teardown, .timeout = 60)
{
	static const struct want want[] = {
		{ GA_STUN_TEAMS, "MS-TURN Allocate with MS-VERSION", "skype_teams", "stun", "dpi",
		  "stun", "skype_teams stun", "attribute 0x8008", NULL, NULL, 1 },
		{ GA_STUN_PEER, "RTP to the XOR-PEER-ADDRESS of a Teams CreatePermission",
		  "skype_teams", "rtp", "attribution", "attribution", "attribution", "stun", NULL,
		  NULL, 1 },
		{ GA_STUN_SOCKET, "RTP from the Teams STUN socket to another peer", "skype_teams",
		  "rtp", "attribution", "attribution", "attribution", "socket", NULL, NULL, 1 },
		{ GA_STUN_ZOOM, "classic Binding with attribute 0x0101", "zoom", "stun", "dpi",
		  "stun", "zoom stun", "attribute 0x0101", NULL, NULL, 1 },
		{ GA_STUN_WHATSAPP_TYPE, "message type 0x0801", "whatsapp", "stun", "dpi", "stun",
		  "whatsapp stun", "message type 0x0801", NULL, NULL, 1 },
		{ GA_STUN_WHATSAPP_ATTR, "Binding with attribute 0x4000", "whatsapp", "stun", "dpi",
		  "stun", "whatsapp stun", "attribute 0x4000", NULL, NULL, 1 },
		/* the realm is in the server's answer, the second packet */
		{ GA_TURN_VIBER, "TURN 401 with REALM viber.com", "viber", "stun", "dpi", "stun",
		  "viber stun", "realm viber.com", NULL, NULL, 2 },
		{ GA_TURN_SIGNAL, "TURN 401 with REALM signal.org", "signal", "stun", "dpi", "stun",
		  "signal stun", "realm signal.org", NULL, NULL, 2 },
	};
	static const struct near near[] = {
		{ GA_STUN_SOCKET_NEAR, "RTP from another socket of the Teams host", "skype_teams",
		  "rtp", NULL, NULL },
		{ GA_STUN_ICE_NEAR, "ICE check with generic attributes on 3478", "skype_teams",
		  "stun", NULL, NULL },
		{ GA_STUN_ZOOM_NEAR, "classic Binding with CHANGE-REQUEST", "zoom", "stun", NULL,
		  NULL },
		{ GA_STUN_WHATSAPP_NEAR, "Binding with attribute 0x4008", "whatsapp", "stun", NULL,
		  NULL },
		{ GA_TURN_VIBER_NEAR, "TURN 401 with REALM notviber.com", "viber", "stun", NULL,
		  NULL },
	};

	replay("apps");
	CHECK_ALL(want);
	CHECK_NEAR(near);
}

Test(identify, protocol_handshakes, .init = setup, .fini = teardown, .timeout = 60)
{
	static const struct want want[] = {
		{ GA_SSH, "SSH banners on 2222", "ssh", "ssh", "dpi", "banner", "banner",
		  "OpenSSH_9.2p1 Debian-2+deb12u3", NULL, NULL, HELLO_PKT },
		/* decided by the catalogue's handshake signature; master from the bytes */
		{ GA_BT_HANDSHAKE, "BitTorrent peer handshake", "bittorrent", "bittorrent", "dpi",
		  "payload", "bittorrent-handshake", "signature", NULL, NULL, HELLO_PKT },
		{ GA_BT_DHT, "DHT ping query", "bittorrent", "bittorrent", "dpi", "handshake",
		  "handshake", "dht", NULL, NULL, 1 },
		/* SYN, STATE, DATA (connection id + 1): the initiator's SYN and DATA agree
		 * (BEP 29: the initiator sends with id + 1 after its SYN) */
		{ GA_UTP, "uTP connection", "bittorrent", "bittorrent", "dpi", "handshake",
		  "handshake", "utp", NULL, NULL, 3 },
		{ GA_BT_UDP_TRACKER, "UDP tracker connect", "bittorrent", NULL, "dpi", "payload",
		  "bittorrent-udp-tracker", "signature", NULL, NULL, 1 },
		{ GA_OVPN_UDP, "OpenVPN UDP reset, server reset, client ack", "openvpn", "openvpn",
		  "dpi", "handshake", "handshake", "reset+control", NULL, NULL, 3 },
		/* SYN, SYN-ACK, ACK, reset, ack, server reset, ack, the client's P_ACK */
		{ GA_OVPN_TCP, "OpenVPN over TCP 443", "openvpn", "openvpn", "dpi", "handshake",
		  "handshake", "reset+control", NULL, NULL, 8 },
		{ GA_WG_INIT, "WireGuard handshake initiation", "wireguard", "wireguard", "dpi",
		  "handshake", "handshake", "handshake-initiation", NULL, NULL, 1 },
		{ GA_WG_DATA, "WireGuard transport data, one index, rising counter", "wireguard",
		  "wireguard", "dpi", "handshake", "handshake", "transport-data", NULL, NULL, 2 },
		{ GA_RDP_X224, "X.224 CR with mstshash and RDP_NEG_REQ", "rdp", "rdp", "dpi",
		  "handshake", "handshake", "eltons", NULL, NULL, HELLO_PKT },
		{ GA_RDP_UDP_SYN, "RDP-UDP SYN, 1232 bytes", "rdp", "rdp", "dpi", "handshake",
		  "handshake", "rdp-udp-syn", NULL, NULL, 1 },
	};
	static const struct near near[] = {
		{ GA_SSH_NEAR, "TLS on tcp/22", "ssh", "tls", "www.example.com", NULL },
		{ GA_BT_HANDSHAKE_NEAR, "\"BitTorrent protocol\" in a text body", "bittorrent",
		  "http", NULL, "wiki.example.org" },
		{ GA_BT_DHT_NEAR, "bencoded dictionary without a KRPC type", "bittorrent",
		  "unknown", NULL, NULL },
		{ GA_UTP_NEAR, "a lone uTP ST_SYN", "bittorrent", "unknown", NULL, NULL },
		{ GA_BT_UDP_TRACKER_NEAR, "16 bytes, protocol id off by one bit", "bittorrent",
		  "unknown", NULL, NULL },
		{ GA_OVPN_UDP_NEAR, "a lone OpenVPN reset on 1194", "openvpn", "unknown", NULL,
		  NULL },
		{ GA_OVPN_TCP_NEAR, "framed reset, then TLS records", "openvpn", "unknown", NULL,
		  NULL },
		{ GA_WG_NEAR, "WireGuard-shaped data, receiver index changing", "wireguard",
		  "unknown", NULL, NULL },
		{ GA_RDP_S7_NEAR, "S7comm COTP CR on tcp/102", "rdp", "unknown", NULL, NULL },
		{ GA_RDP_UDP_NEAR, "RDP-UDP SYN header without padding", "rdp", "unknown", NULL,
		  NULL },
	};

	replay("apps");
	CHECK_ALL(want);
	CHECK_NEAR(near);
	/* OpenVPN over TCP 443 is flagged as not TLS on 443 */
	cr_expect_not_null(strstr(record(GA_OVPN_TCP), "\"behaviour\":[\"non_tls_443\"]"));
}

Test(identify, payload_signatures, .init = setup, .fini = teardown, .timeout = 60)
{
	/* master not checked: none of these bytes is a protocol with a parser of its own (a
	 * signature deciding on HTTP or BitTorrent bytes reports them: http_requests,
	 * protocol_handshakes) */
	static const struct want want[] = {
		/* weak: the client's magic, then the server's (6th packet) */
		{ GA_TV_BOTH, "TeamViewer client and server magic on 443", "teamviewer", NULL,
		  "dpi", "payload", "teamviewer-server", "signature", NULL, NULL, CERT_PKT },
		/* weak, on TeamViewer's port: the client's alone */
		{ GA_TV_5938, "TeamViewer client magic on 5938", "teamviewer", NULL, "dpi",
		  "payload", "teamviewer-client", "signature", NULL, NULL, HELLO_PKT },
		{ GA_TG_REFLECTOR, "Telegram reflector ping", "telegram", NULL, "dpi", "payload",
		  "telegram-reflector-ping", "signature", NULL, NULL, 1 },
		{ GA_TG_MTPROTO, "MTProto intermediate transport", "telegram", NULL, "dpi",
		  "payload", "telegram-mtproto-intermediate", "signature", NULL, NULL, HELLO_PKT },
		{ GA_DISCORD_IPDISC, "Discord IP discovery, 74 bytes", "discord", NULL, "dpi",
		  "payload", "discord-ip-discovery", "signature", NULL, NULL, 1 },
		{ GA_WA_NOISE_ED, "WhatsApp ED edge header and WA prologue", "whatsapp", NULL,
		  "dpi", "payload", "whatsapp-noise-edge", "signature", NULL, NULL, HELLO_PKT },
		{ GA_WA_NOISE_WA, "WhatsApp WA prologue", "whatsapp", NULL, "dpi", "payload",
		  "whatsapp-noise-prologue", "signature", NULL, NULL, HELLO_PKT },
		{ GA_VIBER_HELLO, "Viber TCP hello", "viber", NULL, "dpi", "payload",
		  "viber-tcp-hello", "signature", NULL, NULL, HELLO_PKT },
		{ GA_ZOOM_SFU, "Zoom media hello on 8801", "zoom", NULL, "dpi", "payload",
		  "zoom-sfu-hello", "signature", NULL, NULL, 1 },
		{ GA_TEAMS_FLIGHTPROXY, "Teams flight proxy ack", "skype_teams", NULL, "dpi",
		  "payload", "teams-flightproxy-ack", "signature", NULL, NULL, 2 },
	};
	static const struct near near[] = {
		{ GA_TV_NEAR, "TeamViewer client magic alone on 443", "teamviewer", "unknown", NULL,
		  NULL },
		{ GA_TG_REFLECTOR_NEAR, "reflector ping with eleven 0xFF", "telegram", "unknown",
		  NULL, NULL },
		{ GA_TG_MTPROTO_NEAR, "0xdddddde0 on 443", "telegram", "unknown", NULL, NULL },
		{ GA_DISCORD_IPDISC_NEAR, "IP discovery one byte short", "discord", "unknown", NULL,
		  NULL },
		{ GA_WA_NOISE_NEAR, "\"WAIT\" on 5222", "whatsapp", "unknown", NULL, NULL },
		{ GA_VIBER_HELLO_NEAR, "Viber hello with 0x04", "viber", "unknown", NULL, NULL },
		{ GA_ZOOM_SFU_NEAR, "Zoom media hello on 9801", "zoom", "unknown", NULL, NULL },
		{ GA_TEAMS_FLIGHTPROXY_NEAR, "flight proxy ack in upper case", "skype_teams",
		  "unknown", NULL, NULL },
	};

	replay("apps");
	CHECK_ALL(want);
	CHECK_NEAR(near);
}

Test(identify, prefixes_and_ports, .init = setup, .fini = teardown, .timeout = 60)
{
	static const struct want want[] = {
		{ GA_TEAMS_PREFIX_UDP, "UDP to 52.113.0.10:3479", "skype_teams", NULL, "prefix",
		  "prefix", "skype_teams prefixes", "52.113.0.10", NULL, NULL, 1 },
		/* on TCP 443 a Teams prefix decides only a session naming no server, once the
		 * server answers */
		{ GA_TEAMS_PREFIX_TLS_NONAME, "no-SNI TLS to 52.112.1.20:443", "skype_teams", "tls",
		  "prefix", "prefix", "skype_teams prefixes", "52.112.1.20", NULL, NULL, CERT_PKT },
		{ GA_TELEGRAM_PREFIX, "UDP to 149.154.167.50", "telegram", NULL, "prefix", "prefix",
		  "telegram prefixes", "149.154.167.50", NULL, NULL, 1 },
		{ GA_WEBEX_PREFIX, "UDP to 170.72.1.10:9000", "webex", NULL, "prefix", "prefix",
		  "webex prefixes", "170.72.1.10", NULL, NULL, 1 },
		/* payload-less attempts (SYN and its retransmission) to registered ports */
		{ GA_RDP_SYN_ONLY, "SYN-only to tcp/3389", "rdp", NULL, "port", "port",
		  "rdp service ports", "tcp:3389", NULL, NULL, 2 },
		{ GA_TUNNEL_SYN_ONLY, "SYN-only to tcp/8080", "http_tunnel", NULL, "port", "port",
		  "http_tunnel service ports", "tcp:8080", NULL, NULL, 2 },
	};
	static const struct near near[] = {
		{ GA_TEAMS_PREFIX_PORT_NEAR, "UDP to a Teams prefix on port 5000", "skype_teams",
		  "unknown", NULL, NULL },
		{ GA_TEAMS_PREFIX_TLS_SNI_NEAR,
		  "TLS naming mobile.pipe.aria.microsoft.com at a "
		  "Teams prefix on tcp/443",
		  "skype_teams", "tls", "mobile.pipe.aria.microsoft.com", NULL },
		{ GA_TELEGRAM_PREFIX_NEAR, "UDP to 149.154.176.10, past the /20", "telegram",
		  "unknown", NULL, NULL },
		{ GA_WEBEX_PREFIX_NEAR, "UDP to a Webex prefix on 9001", "webex", "unknown", NULL,
		  NULL },
		{ GA_RDP_PORT_PAYLOAD_NEAR, "tcp/3389 carrying bytes that are not RDP", "rdp",
		  "unknown", NULL, NULL },
		{ GA_SYN_ONLY_NEAR, "SYN-only to tcp/3390", "rdp", "unknown", NULL, NULL },
	};

	replay("apps");
	CHECK_ALL(want);
	CHECK_NEAR(near);
}

/* Files in clear: the behaviour file_transfer on the flows that carry a program, an archive
 * or a document at the start of an HTTP body or a data connection, not on the near misses. */
Test(identify, file_transfers_in_clear, .init = setup, .fini = teardown, .timeout = 60)
{
	static const unsigned files[] = { GA_FILE_HTTP_EXE, GA_FILE_HTTP_UPLOAD, GA_FILE_FTP_PDF,
					  GA_FILE_FTP_DOC };
	static const unsigned near[] = { GA_FILE_HTTP_NEAR, GA_FILE_RAW_NEAR, GA_HTTP_HOST,
					 GA_HTTP_PROXY };

	replay("apps");
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		cr_expect_not_null(strstr(record(files[i]), "\"behaviour\":[\"file_transfer\"]"),
				   "flow %u: %s", files[i], record(files[i]));
	for (size_t i = 0; i < sizeof(near) / sizeof(near[0]); i++)
		cr_expect_null(strstr(record(near[i]), "file_transfer"), "flow %u: %s", near[i],
			       record(near[i]));
	/* the download is still identified as what it is */
	cr_expect_not_null(strstr(record(GA_FILE_HTTP_EXE), "\"master\":\"http\""), "%s",
			   record(GA_FILE_HTTP_EXE));
}

/* inspect.tcp_packets: an undecided TCP flow is read for at most that many packets, unless
 * a parser is gathering a message (a hello in crumbs is still read whole). */
Test(identify, tcp_packet_limit, .init = setup, .fini = teardown, .timeout = 60)
{
	char b[64];

	replay("apps");
	cr_expect_str_eq(str(record(GA_TEAMS_SNI_CRUMBS), "app", b, sizeof(b)), "skype_teams", "%s",
			 record(GA_TEAMS_SNI_CRUMBS));
	cr_expect_gt(ts_json_u64(record(GA_TEAMS_SNI_CRUMBS), "decided_after_pkts"), 64, "%s",
		     record(GA_TEAMS_SNI_CRUMBS));
	cr_expect_str_eq(str(record(GA_BT_LATE), "app", b, sizeof(b)), "unknown", "%s",
			 record(GA_BT_LATE));
	teardown();
	setup();

	/* without the limit, depth alone: the handshake after the noise is read */
	replay_with("apps", "tcp_packets = 0;");
	cr_expect_str_eq(str(record(GA_BT_LATE), "app", b, sizeof(b)), "bittorrent", "%s",
			 record(GA_BT_LATE));
	cr_expect_str_eq(str(record(GA_TEAMS_SNI_CRUMBS), "app", b, sizeof(b)), "skype_teams", "%s",
			 record(GA_TEAMS_SNI_CRUMBS));
}

/* The catalogue's applications and categories, read from config/apps.conf: each entry's
 * name is the last `name = "..."` before its `category = "..."`. */
static unsigned
catalogue(char names[][32], char cats[][32], unsigned max)
{
	char path[600], *text = NULL;
	size_t cap = 0;
	unsigned n = 0;

	snprintf(path, sizeof(path), "%s/config/apps.conf", ts_root());
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	ssize_t len = getdelim(&text, &cap, '\0', f);
	fclose(f);
	cr_assert_gt(len, 0);
	for (const char *c = text; (c = strstr(c, "category = \"")) != NULL && n < max; c++) {
		const char *nm = NULL;
		for (const char *p = text; p < c; p++)
			if (strncmp(p, "name = \"", 8) == 0)
				nm = p + 8;
		cr_assert_not_null(nm);
		cr_assert_eq(sscanf(nm, "%31[^\"]", names[n]), 1);
		cr_assert_eq(sscanf(c + 12, "%31[^\"]", cats[n]), 1);
		n++;
	}
	free(text);
	return n;
}

Test(identify, every_application_by_its_own_bytes, .init = setup, .fini = teardown, .timeout = 60)
{
	char names[64][32], cats[64][32], want[64], b[64];
	unsigned n = catalogue(names, cats, 64);

	cr_assert_geq(n, 18, "%u applications read from config/apps.conf", n);
	replay("apps");
	/* one record per flow of the capture, nothing else */
	cr_expect_eq(nrecs, GA__COUNT - 1, "%zu records for %d flows", nrecs, GA__COUNT - 1);
	for (unsigned f = 1; f < GA__COUNT; f++)
		(void)record(f);
	for (unsigned a = 0; a < n; a++) {
		size_t hits = 0;
		snprintf(want, sizeof(want), "\"app\":\"%s\",", names[a]);
		for (size_t i = 0; i < nrecs; i++) {
			if (strstr(recs[i], want) == NULL ||
			    strstr(recs[i], "\"confidence\":\"dpi\"") == NULL)
				continue;
			hits++;
			cr_expect_str_eq(str(recs[i], "category", b, sizeof(b)), cats[a],
					 "%s: category %s, want %s\n%s", names[a], b, cats[a],
					 recs[i]);
		}
		cr_expect_gt(hits, 0, "no flow identified as %s by its own bytes", names[a]);
	}
}

/*
 * Regression: flow A's QUIC Initial carries the first 120 bytes of a hello naming
 * update.googleapis.com (the parser waits for more, keeping them in a head block); A times
 * out, its block returns to the pool; flow B's single Initial carries a whole hello naming
 * scontent.whatsapp.net. B must be read from its own bytes: before the fix the reused
 * block still marked A's bytes as received, the first copy won, and B reported A's name.
 */
Test(identify, quic_state_of_an_ended_flow_is_not_reused, .init = setup, .fini = teardown,
     .timeout = 60)
{
	const char *a = NULL, *b = NULL;
	char v[128];

	replay("quic-stale");
	for (size_t i = 0; i < nrecs; i++) {
		if (strstr(recs[i], "\"src_ip\":\"198.18.3.1\",") != NULL)
			a = recs[i];
		if (strstr(recs[i], "\"src_ip\":\"198.18.3.2\",") != NULL)
			b = recs[i];
	}
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	/* A ended (timeout) before B started, undecided but known to be QUIC */
	cr_assert_not_null(strstr(a, "\"reason\":\"timeout\""), "%s", a);
	cr_expect_str_eq(str(a, "app", v, sizeof(v)), "quic", "%s", a);
	cr_expect_null(strstr(a, "\"sni\""), "%s", a);
	/* B: its own name */
	cr_expect_null(strstr(b, GEN_QUIC_STALE_NAME_A), "B reports A's server name:\n%s", b);
	cr_expect_str_eq(str(b, "sni", v, sizeof(v)), GEN_QUIC_STALE_NAME_B, "%s", b);
	cr_expect_str_eq(str(b, "app", v, sizeof(v)), "whatsapp", "%s", b);
	cr_expect_str_eq(str(b, "field", v, sizeof(v)), "quic", "%s", b);
	cr_expect_str_eq(str(b, "value", v, sizeof(v)), GEN_QUIC_STALE_NAME_B, "%s", b);
	cr_expect_eq(ts_json_u64(b, "decided_after_pkts"), 1, "%s", b);
}

/* A time as the records write it: 2026-01-01T00:00:00.001250+0000. */
static const char *
time_text(unsigned long long us, char *buf, size_t len)
{
	time_t secs = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06llu+0000", us % 1000000);
	return buf;
}

/*
 * Regression: a record's times are its frames' own. The three timed flows open the apps
 * capture and take turns frame by frame, so each one's frames share the replay's first
 * burst with others' that follow them. Before the fix every frame of a burst was stamped
 * with the burst's last frame's time: each flow started and ended when the burst did.
 */
Test(identify, record_times_are_each_frames_own, .init = setup, .fini = teardown, .timeout = 60)
{
	char want[64], got[64];

	replay("apps");
	for (unsigned f = GA_TIMED_A; f <= GA_TIMED_C; f++) {
		const char *rec = record(f);
		cr_expect_eq(ts_json_u64(rec, "pkts_toserver") + ts_json_u64(rec, "pkts_toclient"),
			     GEN_APPS_TIMED_FRAMES, "%s", rec);
		/* the first frame's time, to the microsecond */
		time_text(gen_apps_timed_us(f, 0), want, sizeof(want));
		cr_expect_str_eq(str(rec, "start", got, sizeof(got)), want,
				 "timed flow %u: start %s, want %s\n%s", f - GA_TIMED_A, got, want,
				 rec);
		cr_expect_str_eq(str(rec, "timestamp", got, sizeof(got)), want,
				 "timed flow %u: timestamp %s, want %s\n%s", f - GA_TIMED_A, got,
				 want, rec);
		/* the last frame's */
		time_text(gen_apps_timed_us(f, GEN_APPS_TIMED_FRAMES - 1), want, sizeof(want));
		cr_expect_str_eq(str(rec, "end", got, sizeof(got)), want,
				 "timed flow %u: end %s, want %s\n%s", f - GA_TIMED_A, got, want,
				 rec);
	}
}
