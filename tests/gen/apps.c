/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bwgen "apps" and "quic-stale": application signalling on the wire, for the
 * identification tests (tests/integration/test_identify.c).
 *
 * Every flow is a whole conversation with correct IPv4, TCP and UDP checksums (pkt.c):
 * TCP flows open with a handshake, carry their data in acknowledged segments and close
 * with FINs; UDP flows carry both directions where the protocol answers. Flows follow one
 * another on one clock (1 ms between packets, 20 ms between flows), each on its own
 * addresses (apps.h), so identification of one never depends on another except where a
 * flow exists to test exactly that (attribution). The timed flows come first, at the times
 * gen_apps_timed_us gives, taking turns frame by frame (the records' times).
 *
 * The bytes come from public specifications and documentation, named beside each flow.
 * Where the catalogue relies on facts read from nDPI's dissectors, the flow follows the
 * catalogue's description of them (config/apps.conf) rather than a capture.
 */
#include "apps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"
#include "proto.h"

static const uint8_t MAC_CLIENT[6] = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x01 };
static const uint8_t MAC_GW[6] = { 0x02, 0x00, 0x00, 0x00, 0x02, 0x01 };

struct apps {
	struct gen_writer *w;
	struct gen_rng rng;
	struct gen_l2 l2;
	uint64_t ts;
};

static struct gen_addr
client_addr(unsigned f)
{
	return gen_ip4(198, 18, 1, (uint8_t)gen_apps_client_of(f));
}

static struct gen_addr
server_addr(unsigned f)
{
	return gen_ip4(198, 19, 1, (uint8_t)gen_apps_server_of(f));
}

/* ---- conversations ---- */

static void
tcp_open(struct apps *a, struct gen_tcp *t, unsigned f, struct gen_addr s, uint16_t sport)
{
	memset(t, 0, sizeof(*t));
	t->w = a->w;
	t->l2 = a->l2;
	t->c = client_addr(f);
	t->s = s;
	t->cport = (uint16_t)gen_apps_cport_of(f);
	t->sport = sport;
	t->cseq = (uint32_t)gen_rand(&a->rng);
	t->sseq = (uint32_t)gen_rand(&a->rng);
	t->ts = &a->ts;
	t->gap_us = 1000;
	t->mss = 1460;
	gen_tcp_handshake(t);
}

static void
tcp_say(struct gen_tcp *t, bool from_client, const struct gen_msg *m)
{
	gen_tcp_send(t, from_client, m->b, m->n);
}

static void
tcp_close(struct apps *a, struct gen_tcp *t)
{
	gen_tcp_close(t);
	a->ts += 20000;
}

struct udp {
	struct apps *a;
	struct gen_addr c, s;
	uint16_t cport, sport;
};

static struct udp
udp_open(struct apps *a, unsigned f, struct gen_addr s, uint16_t sport)
{
	struct udp u = { a, client_addr(f), s, (uint16_t)gen_apps_cport_of(f), sport };
	return u;
}

static void
udp_say(struct udp *u, bool from_client, const void *d, size_t n)
{
	struct gen_l2 back = gen_l2_reverse(&u->a->l2);

	u->a->ts += 1000;
	if (from_client)
		gen_udp(u->a->w, u->a->ts, &u->a->l2, u->c, u->s, u->cport, u->sport, d, n);
	else
		gen_udp(u->a->w, u->a->ts, &back, u->s, u->c, u->sport, u->cport, d, n);
}

static void
udp_msg(struct udp *u, bool from_client, const struct gen_msg *m)
{
	udp_say(u, from_client, m->b, m->n);
}

static void
udp_close(struct udp *u)
{
	u->a->ts += 20000;
}

/* A connection attempt that is never answered: a SYN and its retransmission one second
 * later (RFC 6298 §2.1, initial RTO). */
static void
syn_only(struct apps *a, unsigned f, uint16_t dport)
{
	uint8_t buf[GEN_MAX_FRAME];
	struct gen_pkt p = { 0 };

	p.l2 = a->l2;
	p.l3 = 4;
	p.src = client_addr(f);
	p.dst = server_addr(f);
	p.proto = 6;
	p.sport = (uint16_t)gen_apps_cport_of(f);
	p.dport = dport;
	p.seq = (uint32_t)gen_rand(&a->rng);
	p.tcp_flags = GEN_TCP_SYN;
	p.pad_to = 60;
	p.ip_id = 1;
	gen_write(a->w, a->ts + 1000, buf, gen_build(buf, &p));
	p.ip_id = 2;
	gen_write(a->w, a->ts + 1001000, buf, gen_build(buf, &p));
	a->ts += 20000;
}

/* Bytes no parser or signature claims: a first byte no recogniser accepts (0x7f: not
 * STUN, QUIC, RTP, DTLS, TLS, WireGuard, OpenVPN, uTP), then noise. */
static void
opaque(struct gen_msg *m, struct gen_rng *r, size_t n)
{
	m->n = 0;
	gen_msg_u8(m, 0x7f);
	gen_msg_rand(m, r, n - 1);
}

/* An RTP packet (RFC 3550 §5.1): version 2, dynamic payload type 111 (Opus in WebRTC). */
static void
rtp(struct gen_msg *m, struct gen_rng *r, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
	m->n = 0;
	gen_msg_u8(m, 0x80);
	gen_msg_u8(m, 111);
	gen_msg_u16(m, seq);
	gen_msg_u32(m, ts);
	gen_msg_u32(m, ssrc);
	gen_msg_rand(m, r, 80);
}

/* A few RTP packets each way on an opened UDP flow. */
static void
rtp_exchange(struct udp *u, struct gen_rng *r)
{
	struct gen_msg m;
	uint32_t cs = (uint32_t)gen_rand(r), ss = (uint32_t)gen_rand(r);

	for (unsigned i = 0; i < 3; i++) {
		rtp(&m, r, (uint16_t)(100 + i), 960 * i, cs);
		udp_msg(u, true, &m);
		rtp(&m, r, (uint16_t)(500 + i), 960 * i, ss);
		udp_msg(u, false, &m);
	}
}

/* A datagram flow of opaque bytes both ways. */
static void
opaque_udp(struct apps *a, unsigned f, struct gen_addr s, uint16_t sport)
{
	struct udp u = udp_open(a, f, s, sport);
	struct gen_msg m;

	opaque(&m, &a->rng, 120);
	udp_msg(&u, true, &m);
	opaque(&m, &a->rng, 80);
	udp_msg(&u, false, &m);
	opaque(&m, &a->rng, 120);
	udp_msg(&u, true, &m);
	udp_close(&u);
}

/* ---- TLS ---- */

/* The client's side of a TLS 1.3 handshake after the server's flight: change_cipher_spec
 * and its encrypted Finished, then application data. */
static void
tls13_client_finish(struct gen_tcp *t, struct gen_rng *r)
{
	static const uint8_t ccs[] = { 0x14, 0x03, 0x03, 0x00, 0x01, 0x01 };
	struct gen_msg m = { .n = 0 };
	size_t at;

	gen_msg_put(&m, ccs, sizeof(ccs));
	gen_msg_u8(&m, 0x17);
	gen_msg_u16(&m, 0x0303);
	at = gen_msg_open(&m, 2);
	gen_msg_rand(&m, r, 53);
	gen_msg_close(&m, at, 2);
	gen_msg_u8(&m, 0x17);
	gen_msg_u16(&m, 0x0303);
	at = gen_msg_open(&m, 2);
	gen_msg_rand(&m, r, 300);
	gen_msg_close(&m, at, 2);
	tcp_say(t, true, &m);
}

/* A TLS 1.3 session: ClientHello (sni, alpn: either may be NULL), the server's flight, the
 * client's Finished and a request. */
static void
tls_flow(struct apps *a, unsigned f, struct gen_addr s, uint16_t port, const char *sni,
	 const char *alpn)
{
	struct gen_hello h = { .sni = sni, .alpn = alpn };
	struct gen_msg m = { .n = 0 };
	struct gen_tcp t;

	tcp_open(a, &t, f, s, port);
	gen_tls_client_hello(&m, &h, &a->rng);
	tcp_say(&t, true, &m);
	m.n = 0;
	gen_tls13_server_flight(&m, &a->rng);
	tcp_say(&t, false, &m);
	tls13_client_finish(&t, &a->rng);
	tcp_close(a, &t);
}

/* A browser-like session to https://NAME/: server_name NAME, ALPN h2. */
static void
tls_sni(struct apps *a, unsigned f, const char *name)
{
	tls_flow(a, f, server_addr(f), 443, name, "h2");
}

/*
 * A TLS 1.2 session whose client names no server (it connects to an address), so the names
 * are the server certificate's: ClientHello, the server's ServerHello, Certificate and
 * ServerHelloDone in clear (RFC 5246 §7.3), then ClientKeyExchange, ChangeCipherSpec and
 * Finished from each side.
 */
static void
tls12_cert(struct apps *a, unsigned f, uint16_t port, const char *cn, const char *org,
	   const char *issuer, const char *const *dns, unsigned ndns)
{
	static const uint8_t ccs[] = { 0x14, 0x03, 0x03, 0x00, 0x01, 0x01 };
	struct gen_hello h = { .sni = NULL, .alpn = NULL };
	struct gen_msg m = { .n = 0 };
	struct gen_tcp t;
	size_t at;

	tcp_open(a, &t, f, server_addr(f), port);
	gen_tls_client_hello(&m, &h, &a->rng);
	tcp_say(&t, true, &m);
	m.n = 0;
	gen_tls12_server_flight(&m, cn, org, issuer, dns, ndns, &a->rng);
	tcp_say(&t, false, &m);
	m.n = 0;
	gen_msg_u8(&m, 0x16); /* ClientKeyExchange: an RSA-encrypted premaster secret */
	gen_msg_u16(&m, 0x0303);
	at = gen_msg_open(&m, 2);
	gen_msg_u8(&m, 16);
	gen_msg_u24(&m, 258);
	gen_msg_u16(&m, 256);
	gen_msg_rand(&m, &a->rng, 256);
	gen_msg_close(&m, at, 2);
	gen_msg_put(&m, ccs, sizeof(ccs));
	gen_msg_u8(&m, 0x16); /* encrypted Finished */
	gen_msg_u16(&m, 0x0303);
	gen_msg_u16(&m, 40);
	gen_msg_rand(&m, &a->rng, 40);
	tcp_say(&t, true, &m);
	m.n = 0;
	gen_msg_put(&m, ccs, sizeof(ccs));
	gen_msg_u8(&m, 0x16);
	gen_msg_u16(&m, 0x0303);
	gen_msg_u16(&m, 40);
	gen_msg_rand(&m, &a->rng, 40);
	tcp_say(&t, false, &m);
	tcp_close(a, &t);
}

/* ---- QUIC ---- */

/* A QUIC v1 connection's first datagram (hello in one Initial) and the server's reply (a
 * short-header packet: opaque here). */
static void
quic_flow(struct apps *a, unsigned f, const char *sni)
{
	struct gen_hello h = { .sni = sni, .alpn = "h3", .quic = true };
	struct gen_msg hello = { .n = 0 }, m;
	uint8_t dcid[8], dgram[1300];
	struct udp u = udp_open(a, f, server_addr(f), 443);

	for (size_t i = 0; i < sizeof(dcid); i++)
		dcid[i] = (uint8_t)gen_rand(&a->rng);
	gen_tls_hello_msg(&hello, &h, &a->rng);
	size_t n = gen_quic_initial(dgram, dcid, sizeof(dcid), 0, 0, hello.b, hello.n);
	if (n == 0)
		abort();
	udp_say(&u, true, dgram, n);
	m.n = 0;
	gen_msg_u8(&m, 0x40 | 0x1a); /* short header, fixed bit set */
	gen_msg_rand(&m, &a->rng, 1199);
	udp_msg(&u, false, &m);
	udp_close(&u);
}

/* ---- HTTP ---- */

static void
http_flow(struct apps *a, unsigned f, uint16_t port, const char *request, const char *response)
{
	struct gen_msg m = { .n = 0 };
	struct gen_tcp t;

	tcp_open(a, &t, f, server_addr(f), port);
	gen_msg_str(&m, request);
	tcp_say(&t, true, &m);
	m.n = 0;
	gen_msg_str(&m, response);
	tcp_say(&t, false, &m);
	tcp_close(a, &t);
}

static const char HTTP_OK[] = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
			      "Content-Length: 13\r\n\r\n<html></html>";

/* ---- DNS ---- */

/* A query for name and its answer: one A record for the server of flow answer_flow. */
static void
dns_flow(struct apps *a, unsigned f, const char *name, unsigned answer_flow)
{
	struct gen_msg m = { .n = 0 };
	struct gen_addr ans = server_addr(answer_flow);
	struct udp u = udp_open(a, f, server_addr(f), 53);

	gen_dns_query(&m, (uint16_t)(0x4000 + f), name, 1);
	udp_msg(&u, true, &m);
	gen_dns_answer_a(&m, ans.a, 300);
	udp_msg(&u, false, &m);
	udp_close(&u);
}

/* Several questions on one socket: question k of flow f (ids 0x5000 + 16 f + k) asking
 * for name's A record, and its answer, addr. */
static uint16_t
dns_id(unsigned f, unsigned k)
{
	return (uint16_t)(0x5000 + 16 * f + k);
}

static void
dns_ask(struct udp *u, unsigned f, unsigned k, const char *name)
{
	struct gen_msg m = { .n = 0 };

	gen_dns_query(&m, dns_id(f, k), name, 1);
	udp_msg(u, true, &m);
}

static void
dns_reply(struct udp *u, unsigned f, unsigned k, const char *name, struct gen_addr addr)
{
	struct gen_msg m = { .n = 0 };

	gen_dns_query(&m, dns_id(f, k), name, 1);
	gen_dns_answer_a(&m, addr.a, 300);
	udp_msg(u, false, &m);
}

/* RTP on Zoom's media port from the client of flow f to its server. */
static void
zoom_media(struct apps *a, unsigned f)
{
	struct udp u = udp_open(a, f, server_addr(f), 8801);

	rtp_exchange(&u, &a->rng);
	udp_close(&u);
}

/* ---- STUN / TURN ---- */

/* A TURN Allocate request (RFC 8656 §7.1): REQUESTED-TRANSPORT UDP. */
static void
turn_allocate(struct gen_msg *m, struct gen_rng *r)
{
	gen_stun_begin(m, 0x0003, true, r);
	gen_stun_attr32(m, 0x0019, 0x11000000);
	gen_stun_end(m);
}

/* The server's 401 answer to it (RFC 8656 §7.2, RFC 8489 §9.2): ERROR-CODE 401, REALM,
 * NONCE. */
static void
turn_401(struct gen_msg *m, struct gen_rng *r, const char *realm)
{
	static const uint8_t err[] = { 0,   0,   4,   1,   'U', 'n', 'a', 'u',
				       't', 'h', 'o', 'r', 'i', 'z', 'e', 'd' };
	gen_stun_begin(m, 0x0113, true, r);
	gen_stun_attr(m, 0x0009, err, sizeof(err));
	gen_stun_attr(m, 0x0014, realm, strlen(realm));
	gen_stun_attr(m, 0x0015, "6b1c3a07d39e4f21", 16);
	gen_stun_end(m);
}

static void
turn_realm(struct apps *a, unsigned f, const char *realm)
{
	struct gen_msg m;
	struct udp u = udp_open(a, f, server_addr(f), 3478);

	turn_allocate(&m, &a->rng);
	udp_msg(&u, true, &m);
	turn_401(&m, &a->rng, realm);
	udp_msg(&u, false, &m);
	udp_close(&u);
}

/* A STUN Binding request with one attribute and its success response (XOR-MAPPED-ADDRESS
 * of the client). */
static void
stun_binding(struct apps *a, unsigned f, uint16_t type, bool cookie, uint16_t attr, uint32_t value)
{
	struct gen_msg m;
	struct udp u = udp_open(a, f, server_addr(f), 3478);

	gen_stun_begin(&m, type, cookie, &a->rng);
	gen_stun_attr32(&m, attr, value);
	gen_stun_end(&m);
	udp_msg(&u, true, &m);
	gen_stun_begin(&m, 0x0101, true, &a->rng);
	gen_stun_xor_addr(&m, 0x0020, u.c.a, u.cport);
	gen_stun_end(&m);
	udp_msg(&u, false, &m);
	udp_close(&u);
}

/* ---- the flows ---- */

static void
tls_names(struct apps *a)
{
	/* Host names as the vendors publish them (config/apps.conf names each source); each
	 * near miss contains the name, or ends like it, without being it or below it. */
	tls_sni(a, GA_TEAMS_SNI, "teams.microsoft.com");
	tls_sni(a, GA_TEAMS_SNI_NEAR, "notteams.microsoft.com.evil.example");
	tls_sni(a, GA_ZOOM_SNI, "zoom.us");
	tls_sni(a, GA_ZOOM_SNI_NEAR, "myzoom.us");
	tls_sni(a, GA_WEBEX_SNI, "webex.com");
	tls_sni(a, GA_WEBEX_SNI_NEAR, "webex.com.evil.example");
	tls_sni(a, GA_WHATSAPP_SNI, "web.whatsapp.com");
	tls_sni(a, GA_WHATSAPP_SNI_NEAR, "fakewhatsapp.com");
	tls_sni(a, GA_SIGNAL_SNI, "chat.signal.org");
	tls_sni(a, GA_SIGNAL_SNI_NEAR, "onesignal.com");
	tls_sni(a, GA_TELEGRAM_SNI, "web.telegram.org");
	tls_sni(a, GA_TELEGRAM_SNI_NEAR, "telegram.org.evil.example");
	tls_sni(a, GA_VIBER_SNI, "viber.com");
	tls_sni(a, GA_VIBER_SNI_NEAR, "notviber.com");
	tls_sni(a, GA_DISCORD_SNI, "discord.com");
	tls_sni(a, GA_DISCORD_SNI_NEAR, "discord.community");
	tls_sni(a, GA_ANYDESK_SNI, "boot.net.anydesk.com");
	tls_sni(a, GA_ANYDESK_SNI_NEAR, "anydesk.com.evil.example");
	tls_sni(a, GA_TEAMVIEWER_SNI, "router1.teamviewer.com");
	tls_sni(a, GA_TEAMVIEWER_SNI_NEAR, "teamviewer.com.evil.example");
	tls_sni(a, GA_PSIPHON_SNI, "psiphon.ca");
	tls_sni(a, GA_PSIPHON_SNI_NEAR, "psiphon.ca.evil.example");
	tls_sni(a, GA_TORPROJECT_SNI, "www.torproject.org");
	tls_sni(a, GA_TORPROJECT_SNI_NEAR, "torproject.org.evil.example");
	tls_sni(a, GA_BITTORRENT_SNI, "www.bittorrent.com");
	tls_sni(a, GA_BITTORRENT_SNI_NEAR, "bittorrent.com.evil.example");

	/* Tor's link handshake (tor: src/lib/tls/tortls_openssl.c with
	 * crypto_random_hostname(4, 25, "www.", ".com")): a random base32 name, no ALPN, to
	 * an OR port. The near miss is an ordinary site's name without ALPN. */
	tls_flow(a, GA_TOR_HELLO, server_addr(GA_TOR_HELLO), 9001, "www.q3ifz6rjxwvd.com", NULL);
	tls_flow(a, GA_TOR_HELLO_NEAR, server_addr(GA_TOR_HELLO_NEAR), 443, "www.google.com", NULL);

	/* AnyDesk 6 offers ALPN "anydesk/<version>/<platform>" and no server name (the
	 * catalogue's anydesk-alpn signature); the near miss offers "anydesk" without the
	 * version path, with a name. */
	tls_flow(a, GA_ANYDESK_ALPN, server_addr(GA_ANYDESK_ALPN), 6568, NULL,
		 "anydesk/6.2.0/linux");
	tls_flow(a, GA_ANYDESK_ALPN_NEAR, server_addr(GA_ANYDESK_ALPN_NEAR), 443,
		 "remote.example.com", "anydesk");

	/* TLS 1.2 certificates: Webex's names (help.webex.com WBX000028782: *.webex.com),
	 * AnyDesk's relay certificate (support.anydesk.com "Firewall": "AnyNet Relay" issued
	 * by "AnyNet Root CA", philandro Software GmbH). The near misses: another site's
	 * certificate, and a name that contains "anydesk-client" in lower case. */
	static const char *const webex[] = { "meet.webex.com", "*.webex.com" };
	static const char *const example[] = { "www.example.org", "example.org" };
	static const char *const look[] = { "anydesk-client.example.org" };
	tls12_cert(a, GA_CERT_NAME, 443, "meet.webex.com", NULL, "Example Issuing CA", webex, 2);
	tls12_cert(a, GA_CERT_NAME_NEAR, 443, "www.example.org", NULL, "Example Issuing CA",
		   example, 2);
	tls12_cert(a, GA_ANYDESK_CERT, 6568, "AnyNet Relay", "philandro Software GmbH",
		   "AnyNet Root CA", NULL, 0);
	tls12_cert(a, GA_ANYDESK_CERT_NEAR, 443, "anydesk-client.example.org",
		   "Example Remote Support Ltd", "Example Issuing CA", look, 1);

	/* QUIC v1 (RFC 9000, RFC 9001): WhatsApp's media host name; the near miss names a
	 * site outside the catalogue. */
	quic_flow(a, GA_QUIC_SNI, "mmg.whatsapp.net");
	quic_flow(a, GA_QUIC_SNI_NEAR, "www.google.com");
}

static void
http(struct apps *a)
{
	/* RFC 9110 §9.3.6: CONNECT to a proxy (Squid's default port 3128), with the
	 * proxy's answer; RFC 9112 §3.2.2: absolute-form target to a proxy on 8080. */
	http_flow(a, GA_HTTP_CONNECT, 3128,
		  "CONNECT example.net:443 HTTP/1.1\r\nHost: example.net:443\r\n"
		  "User-Agent: curl/7.88.1\r\nProxy-Connection: Keep-Alive\r\n\r\n",
		  "HTTP/1.1 200 Connection established\r\n\r\n");
	http_flow(a, GA_HTTP_PROXY, 8080,
		  "GET http://www.example.com/index.html HTTP/1.1\r\nHost: www.example.com\r\n"
		  "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
		  HTTP_OK);
	/* Near misses: an origin-form request to a web server on 8080, and one whose path
	 * merely contains a URL (as web archives serve them). */
	http_flow(a, GA_HTTP_RELATIVE_NEAR, 8080,
		  "GET /index.html HTTP/1.1\r\nHost: www.example.com:8080\r\n"
		  "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
		  HTTP_OK);
	http_flow(a, GA_HTTP_PATH_URL_NEAR, 80,
		  "GET /web/2024/http://www.example.com/ HTTP/1.1\r\nHost: archive.example.org\r\n"
		  "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
		  HTTP_OK);
	/* RFC 9112 §3.2: Host names Psiphon's domain (psiphon.ca: psiphon3.com) */
	http_flow(a, GA_HTTP_HOST, 80,
		  "GET / HTTP/1.1\r\nHost: www.psiphon3.com\r\nUser-Agent: curl/7.88.1\r\n"
		  "Accept: */*\r\n\r\n",
		  HTTP_OK);
	http_flow(a, GA_HTTP_HOST_NEAR, 80,
		  "GET / HTTP/1.1\r\nHost: psiphon3.com.evil.example\r\nUser-Agent: curl/7.88.1\r\n"
		  "Accept: */*\r\n\r\n",
		  HTTP_OK);
	/* BEP 3 "Trackers": an announce with info_hash; the near miss is a page whose path
	 * starts like one. */
	http_flow(a, GA_BT_ANNOUNCE, 6969,
		  "GET /announce?info_hash=%12%34%56%78%9a%bc%de%f0%12%34%56%78%9a%bc%de%f0%12"
		  "%34%56%78&peer_id=-qB4650-k8hj0wgej6ch&port=6881&uploaded=0&downloaded=0"
		  "&left=0&compact=1&event=started HTTP/1.1\r\nHost: tracker.example.org:6969\r\n"
		  "User-Agent: qBittorrent/4.6.5\r\n\r\n",
		  "HTTP/1.1 200 OK\r\nContent-Length: 29\r\n\r\nd8:intervali1800e5:peers0:e");
	http_flow(a, GA_BT_ANNOUNCE_NEAR, 80,
		  "GET /announcements?page=2 HTTP/1.1\r\nHost: news.example.org\r\n"
		  "User-Agent: curl/7.88.1\r\n\r\n",
		  HTTP_OK);
}

static void
dns_and_attribution(struct apps *a)
{
	struct gen_msg m;
	struct udp u;
	struct gen_tcp t;
	struct gen_hello h = { .sni = NULL, .alpn = "h2" };

	/* RFC 1035: a client resolves zoom.us, then sends RTP to the answered address on
	 * Zoom's media port (support.zoom.com KB0060548: UDP 8801-8810). The near miss
	 * resolves a name outside the catalogue and does the same. */
	dns_flow(a, GA_DNS_APP, "zoom.us", GA_DNS_MEDIA);
	u = udp_open(a, GA_DNS_MEDIA, server_addr(GA_DNS_MEDIA), 8801);
	rtp_exchange(&u, &a->rng);
	udp_close(&u);
	dns_flow(a, GA_DNS_NEAR, "www.example.org", GA_DNS_NEAR_MEDIA);
	u = udp_open(a, GA_DNS_NEAR_MEDIA, server_addr(GA_DNS_NEAR_MEDIA), 8801);
	rtp_exchange(&u, &a->rng);
	udp_close(&u);

	/* The client of GA_WHATSAPP_SNI connects again to the server its hello named, now
	 * without a server name (RFC 8446: server_name is optional); another client does
	 * the same. */
	for (unsigned f = GA_TLS_ATTR; f <= GA_TLS_ATTR_NEAR; f++) {
		tcp_open(a, &t, f, server_addr(f), 443);
		m.n = 0;
		gen_tls_client_hello(&m, &h, &a->rng);
		tcp_say(&t, true, &m);
		m.n = 0;
		gen_tls13_server_flight(&m, &a->rng);
		tcp_say(&t, false, &m);
		tls13_client_finish(&t, &a->rng);
		tcp_close(a, &t);
	}

	/* A stub resolver sends its questions on one socket without waiting (glibc asks for
	 * A and AAAA that way): zoom.us, then www.example.org, whose answer comes first. Each
	 * answer belongs to its own question: the client's media to zoom.us's address is
	 * Zoom's, to www.example.org's it is not. */
	u = udp_open(a, GA_DNS_REORDERED, server_addr(GA_DNS_REORDERED), 53);
	dns_ask(&u, GA_DNS_REORDERED, 1, "zoom.us");
	dns_ask(&u, GA_DNS_REORDERED, 2, "www.example.org");
	dns_reply(&u, GA_DNS_REORDERED, 2, "www.example.org",
		  server_addr(GA_DNS_REORDERED_NEAR_MEDIA));
	dns_reply(&u, GA_DNS_REORDERED, 1, "zoom.us", server_addr(GA_DNS_REORDERED_MEDIA));
	udp_close(&u);
	zoom_media(a, GA_DNS_REORDERED_MEDIA);
	zoom_media(a, GA_DNS_REORDERED_NEAR_MEDIA);

	/* The same with the application's name second: www.example.org, then zoom.us. */
	u = udp_open(a, GA_DNS_SECOND_Q, server_addr(GA_DNS_SECOND_Q), 53);
	dns_ask(&u, GA_DNS_SECOND_Q, 1, "www.example.org");
	dns_ask(&u, GA_DNS_SECOND_Q, 2, "zoom.us");
	dns_reply(&u, GA_DNS_SECOND_Q, 1, "www.example.org", gen_ip4(198, 19, 4, 1));
	dns_reply(&u, GA_DNS_SECOND_Q, 2, "zoom.us", server_addr(GA_DNS_SECOND_Q_MEDIA));
	udp_close(&u);
	zoom_media(a, GA_DNS_SECOND_Q_MEDIA);

	/* A forwarding resolver asks another from its own port 53 (as BIND's query-source
	 * once did), one question after another on that socket, zoom.us third; the
	 * forwarder's host then sends media to zoom.us's address. */
	static const char *const fwd[] = { "www.example.org", "www.example.net", "zoom.us" };
	u = udp_open(a, GA_DNS_RESOLVERS, server_addr(GA_DNS_RESOLVERS), 53);
	for (unsigned k = 0; k < 3; k++) {
		dns_ask(&u, GA_DNS_RESOLVERS, k + 1, fwd[k]);
		dns_reply(&u, GA_DNS_RESOLVERS, k + 1, fwd[k],
			  k == 2 ? server_addr(GA_DNS_RESOLVERS_MEDIA)
				 : gen_ip4(198, 19, 4, (uint8_t)(2 + k)));
	}
	udp_close(&u);
	zoom_media(a, GA_DNS_RESOLVERS_MEDIA);
}

static void
stun(struct apps *a)
{
	struct gen_msg m;
	struct udp u;
	uint8_t conn_id[24];

	/*
	 * Microsoft Teams relay ([MS-TURN]): an Allocate carrying MS-VERSION (0x8008),
	 * MS-SERVICE-QUALITY (0x8055: stream type audio) and MS-SEQUENCE-NUMBER (0x8050: a
	 * 20-byte connection id and a sequence number); the answer gives the relayed
	 * address; a CreatePermission (RFC 8656 §9) names the peer the media goes to.
	 */
	u = udp_open(a, GA_STUN_TEAMS, server_addr(GA_STUN_TEAMS), 3478);
	gen_stun_begin(&m, 0x0003, true, &a->rng);
	gen_stun_attr32(&m, 0x0019, 0x11000000);
	gen_stun_attr32(&m, 0x8008, 0x00000006);
	gen_stun_attr32(&m, 0x8055, 0x00010000);
	for (size_t i = 0; i < 20; i++)
		conn_id[i] = (uint8_t)gen_rand(&a->rng);
	conn_id[20] = conn_id[21] = conn_id[22] = 0;
	conn_id[23] = 1;
	gen_stun_attr(&m, 0x8050, conn_id, sizeof(conn_id));
	gen_stun_end(&m);
	udp_msg(&u, true, &m);
	static const uint8_t relay[4] = { 198, 19, 2, 1 };
	gen_stun_begin(&m, 0x0103, true, &a->rng);
	gen_stun_xor_addr(&m, 0x0016, relay, 52000);
	gen_stun_xor_addr(&m, 0x0020, u.c.a, u.cport);
	gen_stun_attr32(&m, 0x000d, 600);
	gen_stun_attr32(&m, 0x8008, 0x00000006);
	gen_stun_end(&m);
	udp_msg(&u, false, &m);
	struct gen_addr peer = server_addr(GA_STUN_PEER);
	gen_stun_begin(&m, 0x0008, true, &a->rng);
	gen_stun_xor_addr(&m, 0x0012, peer.a, 50000);
	gen_stun_attr32(&m, 0x8008, 0x00000006);
	gen_stun_end(&m);
	udp_msg(&u, true, &m);
	gen_stun_begin(&m, 0x0108, true, &a->rng);
	gen_stun_attr32(&m, 0x8008, 0x00000006);
	gen_stun_end(&m);
	udp_msg(&u, false, &m);
	udp_close(&u);
	/* media to the peer the relay was told about; from the Teams socket to another
	 * address (a peer-to-peer leg); from another socket of the same host (near miss) */
	u = udp_open(a, GA_STUN_PEER, server_addr(GA_STUN_PEER), 50000);
	rtp_exchange(&u, &a->rng);
	udp_close(&u);
	u = udp_open(a, GA_STUN_SOCKET, server_addr(GA_STUN_SOCKET), 50002);
	rtp_exchange(&u, &a->rng);
	udp_close(&u);
	u = udp_open(a, GA_STUN_SOCKET_NEAR, server_addr(GA_STUN_SOCKET_NEAR), 50003);
	rtp_exchange(&u, &a->rng);
	udp_close(&u);

	/* ICE connectivity check (RFC 8445 §7.1.2, RFC 8489): USERNAME, PRIORITY,
	 * ICE-CONTROLLING, MESSAGE-INTEGRITY, FINGERPRINT (integrity and fingerprint are
	 * filler): generic, no application's. */
	u = udp_open(a, GA_STUN_ICE_NEAR, server_addr(GA_STUN_ICE_NEAR), 3478);
	gen_stun_begin(&m, 0x0001, true, &a->rng);
	gen_stun_attr(&m, 0x0006, "a1b2:c3d4", 9);
	gen_stun_attr32(&m, 0x0024, 0x6e7f00ff);
	gen_stun_attr(&m, 0x802a, "\x12\x34\x56\x78\x9a\xbc\xde\xf0", 8);
	gen_stun_attr(&m, 0x0008, "integrity-hmac-sha1!", 20);
	gen_stun_attr32(&m, 0x8028, 0xa1b2c3d4);
	gen_stun_end(&m);
	udp_msg(&u, true, &m);
	gen_stun_begin(&m, 0x0101, true, &a->rng);
	gen_stun_xor_addr(&m, 0x0020, u.c.a, u.cport);
	gen_stun_attr(&m, 0x0008, "integrity-hmac-sha1!", 20);
	gen_stun_attr32(&m, 0x8028, 0x0badcafe);
	gen_stun_end(&m);
	udp_msg(&u, false, &m);
	udp_close(&u);

	/* Zoom's classic (RFC 3489, no magic cookie) Binding request with attribute 0x0101
	 * (the catalogue's zoom entry, after nDPI's stun.c); the near miss is a classic
	 * Binding with CHANGE-REQUEST (RFC 3489 §11.2.4). */
	stun_binding(a, GA_STUN_ZOOM, 0x0001, false, 0x0101, 0x00000002);
	stun_binding(a, GA_STUN_ZOOM_NEAR, 0x0001, false, 0x0003, 0x00000000);

	/* WhatsApp relays: message type 0x0801 and attributes 0x4000-0x4007 (the catalogue's
	 * whatsapp entry, after nDPI's stun.c); the near miss carries 0x4008. */
	stun_binding(a, GA_STUN_WHATSAPP_TYPE, 0x0801, true, 0x4002, 0x00000001);
	stun_binding(a, GA_STUN_WHATSAPP_ATTR, 0x0001, true, 0x4000, 0x00000001);
	stun_binding(a, GA_STUN_WHATSAPP_NEAR, 0x0001, true, 0x4008, 0x00000001);

	/* TURN relays that name their service in REALM (RFC 8656 §7.2): Viber's and
	 * Signal's; the near miss's realm only ends like Viber's. */
	turn_realm(a, GA_TURN_VIBER, "viber.com");
	turn_realm(a, GA_TURN_VIBER_NEAR, "notviber.com");
	turn_realm(a, GA_TURN_SIGNAL, "signal.org");
}

/* The BitTorrent peer handshake (BEP 3): pstrlen 19, "BitTorrent protocol", reserved
 * bytes (extension protocol BEP 10, DHT BEP 5, fast BEP 6), info_hash, peer_id. */
static void
bt_handshake(struct gen_msg *m, struct gen_rng *r, const char *client)
{
	static const uint8_t reserved[8] = { 0, 0, 0, 0, 0, 0x10, 0, 0x05 };
	static const uint8_t info_hash[20] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde,
					       0xf0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc,
					       0xde, 0xf0, 0x12, 0x34, 0x56, 0x78 };
	m->n = 0;
	gen_msg_u8(m, 19);
	gen_msg_str(m, "BitTorrent protocol");
	gen_msg_put(m, reserved, sizeof(reserved));
	gen_msg_put(m, info_hash, sizeof(info_hash));
	gen_msg_str(m, client); /* Azureus-style prefix, 8 bytes */
	for (int i = 0; i < 12; i++)
		gen_msg_u8(m, 'a' + gen_below(r, 26));
}

/* A uTP header (BEP 29): type and version 1, no extension, connection id, timestamps,
 * window, seq_nr, ack_nr. */
static void
utp(struct gen_msg *m, unsigned type, uint16_t conn, uint32_t ts, uint16_t seq, uint16_t ack)
{
	m->n = 0;
	gen_msg_u8(m, type << 4 | 1);
	gen_msg_u8(m, 0);
	gen_msg_u16(m, conn);
	gen_msg_u32(m, ts);
	gen_msg_u32(m, ts ? 2500 : 0);
	gen_msg_u32(m, 0x00100000);
	gen_msg_u16(m, seq);
	gen_msg_u16(m, ack);
}

/* OpenVPN control packets (openvpn/src/openvpn/ssl_pkt.h, ssl.c): opcode << 3 | key id,
 * session id, ack array (count, packet ids, and the peer's session id when count > 0),
 * then the message packet id (not in P_ACK_V1). */
static void
ovpn(struct gen_msg *m, unsigned op, uint64_t sid, int acked, uint64_t peer, int pid)
{
	m->n = 0;
	gen_msg_u8(m, op << 3);
	gen_msg_u32(m, (uint32_t)(sid >> 32));
	gen_msg_u32(m, (uint32_t)sid);
	if (acked >= 0) {
		gen_msg_u8(m, 1);
		gen_msg_u32(m, (uint32_t)acked);
		gen_msg_u32(m, (uint32_t)(peer >> 32));
		gen_msg_u32(m, (uint32_t)peer);
	} else {
		gen_msg_u8(m, 0);
	}
	if (pid >= 0)
		gen_msg_u32(m, (uint32_t)pid);
}

static void
framed(struct gen_msg *out, const struct gen_msg *in)
{
	out->n = 0;
	gen_msg_u16(out, (unsigned)in->n); /* OpenVPN over TCP: a 2-byte length first */
	gen_msg_put(out, in->b, in->n);
}

/* WireGuard messages (whitepaper §5.4.2, §5.4.3, §5.4.6): type, three reserved zero bytes,
 * little-endian indices and counter, then (encrypted) fields of fixed sizes. */
static void
wg_header(struct gen_msg *m, unsigned type)
{
	m->n = 0;
	gen_msg_u8(m, type);
	gen_msg_fill(m, 0, 3);
}

static void
le32(struct gen_msg *m, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		gen_msg_u8(m, (v >> (8 * i)) & 0xff);
}

static void
wg_data(struct gen_msg *m, struct gen_rng *r, uint32_t receiver, uint64_t counter)
{
	wg_header(m, 4);
	le32(m, receiver);
	le32(m, (uint32_t)counter);
	le32(m, (uint32_t)(counter >> 32));
	gen_msg_rand(m, r, 128); /* 112 bytes of padded packet and the 16-byte tag */
}

static void
protocols(struct apps *a)
{
	struct gen_msg m, x;
	struct gen_tcp t;
	struct udp u;

	/* RFC 4253 §4.2 identification strings, on a port other than 22 */
	tcp_open(a, &t, GA_SSH, server_addr(GA_SSH), 2222);
	m.n = 0;
	gen_msg_str(&m, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");
	tcp_say(&t, true, &m);
	m.n = 0;
	gen_msg_str(&m, "SSH-2.0-OpenSSH_9.6\r\n");
	tcp_say(&t, false, &m);
	m.n = 0;
	gen_msg_u32(&m, 1532); /* SSH_MSG_KEXINIT in a binary packet (RFC 4253 §6) */
	gen_msg_u8(&m, 10);
	gen_msg_u8(&m, 20);
	gen_msg_rand(&m, &a->rng, 1531 - 1);
	tcp_say(&t, true, &m);
	tcp_close(a, &t);
	/* near miss: TLS on tcp/22 is not SSH */
	tls_flow(a, GA_SSH_NEAR, server_addr(GA_SSH_NEAR), 22, "www.example.com", "h2");

	/* BitTorrent peers (BEP 3) on 6881; near miss: the protocol's name in a text body */
	tcp_open(a, &t, GA_BT_HANDSHAKE, server_addr(GA_BT_HANDSHAKE), 6881);
	bt_handshake(&m, &a->rng, "-qB4650-");
	tcp_say(&t, true, &m);
	bt_handshake(&m, &a->rng, "-TR4060-");
	tcp_say(&t, false, &m);
	tcp_close(a, &t);
	http_flow(a, GA_BT_HANDSHAKE_NEAR, 80,
		  "POST /notes HTTP/1.1\r\nHost: wiki.example.org\r\nContent-Length: 38\r\n\r\n"
		  "about the BitTorrent protocol (BEP 3)\n",
		  HTTP_OK);

	/* BEP 5 "ping" query and its response (the BEP's own example); near miss: a
	 * bencoded dictionary without the KRPC message type "y" */
	u = udp_open(a, GA_BT_DHT, server_addr(GA_BT_DHT), 6881);
	udp_say(&u, true, "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe", 56);
	udp_say(&u, false, "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re", 47);
	udp_close(&u);
	u = udp_open(a, GA_BT_DHT_NEAR, server_addr(GA_BT_DHT_NEAR), 6881);
	udp_say(&u, true, "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aae", 50);
	udp_close(&u);

	/* uTP (BEP 29): ST_SYN with the initiator's recv_id, ST_STATE from the responder
	 * with the same id, ST_DATA from the initiator with send_id = recv_id + 1, and the
	 * responder's ST_STATE acknowledging it; near miss: an unanswered ST_SYN */
	u = udp_open(a, GA_UTP, server_addr(GA_UTP), 6881);
	utp(&m, 4, 0x3a17, 1000000, 1, 0);
	udp_msg(&u, true, &m);
	utp(&m, 2, 0x3a17, 2000000, 0x5150, 1);
	udp_msg(&u, false, &m);
	utp(&m, 0, 0x3a18, 1005000, 2, 0x5150);
	bt_handshake(&x, &a->rng, "-UT360S-");
	gen_msg_put(&m, x.b, x.n);
	udp_msg(&u, true, &m);
	utp(&m, 2, 0x3a17, 2003000, 0x5150, 2);
	udp_msg(&u, false, &m);
	udp_close(&u);
	u = udp_open(a, GA_UTP_NEAR, server_addr(GA_UTP_NEAR), 6881);
	utp(&m, 4, 0x7e21, 3000000, 1, 0);
	udp_msg(&u, true, &m);
	udp_close(&u);

	/* BEP 15 UDP tracker connect request (protocol id 0x41727101980, action 0) and its
	 * answer; near miss: 16 bytes that differ from it in the protocol id's last bit */
	static const uint8_t connect[16] = { 0x00, 0x00, 0x04, 0x17, 0x27, 0x10, 0x19, 0x80,
					     0x00, 0x00, 0x00, 0x00, 0xc0, 0xff, 0xee, 0x01 };
	u = udp_open(a, GA_BT_UDP_TRACKER, server_addr(GA_BT_UDP_TRACKER), 6969);
	udp_say(&u, true, connect, sizeof(connect));
	m.n = 0;
	gen_msg_u32(&m, 0);
	gen_msg_u32(&m, 0xc0ffee01);
	gen_msg_rand(&m, &a->rng, 8);
	udp_msg(&u, false, &m);
	udp_close(&u);
	uint8_t near[16];
	memcpy(near, connect, sizeof(near));
	near[7] ^= 1;
	u = udp_open(a, GA_BT_UDP_TRACKER_NEAR, server_addr(GA_BT_UDP_TRACKER_NEAR), 6969);
	udp_say(&u, true, near, sizeof(near));
	udp_close(&u);

	/* OpenVPN over UDP (no tls-auth): P_CONTROL_HARD_RESET_CLIENT_V2, the server's
	 * P_CONTROL_HARD_RESET_SERVER_V2 acknowledging it, the client's P_ACK_V1; near miss:
	 * a lone client reset, never confirmed */
	const uint64_t cs = 0x8f1c2d3e4a5b6c7dull, ss = 0x1122334455667788ull;
	u = udp_open(a, GA_OVPN_UDP, server_addr(GA_OVPN_UDP), 1194);
	ovpn(&m, 7, cs, -1, 0, 0);
	udp_msg(&u, true, &m);
	ovpn(&m, 8, ss, 0, cs, 0);
	udp_msg(&u, false, &m);
	ovpn(&m, 5, cs, 0, ss, -1);
	udp_msg(&u, true, &m);
	udp_close(&u);
	u = udp_open(a, GA_OVPN_UDP_NEAR, server_addr(GA_OVPN_UDP_NEAR), 1194);
	ovpn(&m, 7, cs ^ 0xff, -1, 0, 0);
	udp_msg(&u, true, &m);
	udp_close(&u);
	/* OpenVPN over TCP on 443: each packet after a 2-byte length; near miss: a framed
	 * reset followed by TLS application data, not OpenVPN's next packet */
	tcp_open(a, &t, GA_OVPN_TCP, server_addr(GA_OVPN_TCP), 443);
	ovpn(&x, 7, cs, -1, 0, 0);
	framed(&m, &x);
	tcp_say(&t, true, &m);
	ovpn(&x, 8, ss, 0, cs, 0);
	framed(&m, &x);
	tcp_say(&t, false, &m);
	ovpn(&x, 5, cs, 0, ss, -1);
	framed(&m, &x);
	tcp_say(&t, true, &m);
	tcp_close(a, &t);
	tcp_open(a, &t, GA_OVPN_TCP_NEAR, server_addr(GA_OVPN_TCP_NEAR), 443);
	ovpn(&x, 7, cs, -1, 0, 0);
	framed(&m, &x);
	tcp_say(&t, true, &m);
	m.n = 0;
	gen_msg_u8(&m, 0x17);
	gen_msg_u16(&m, 0x0303);
	gen_msg_u16(&m, 64);
	gen_msg_rand(&m, &a->rng, 64);
	tcp_say(&t, true, &m);
	tcp_close(a, &t);

	/* WireGuard: handshake initiation (148 bytes) and response (92); a session already
	 * running (two data messages to one receiver index, counters rising); near miss:
	 * data-shaped messages whose receiver index changes */
	u = udp_open(a, GA_WG_INIT, server_addr(GA_WG_INIT), 51820);
	wg_header(&m, 1);
	le32(&m, 0x6a1f2e3d);
	gen_msg_rand(&m, &a->rng, 32 + 48 + 28 + 16); /* ephemeral, static, timestamp, mac1 */
	gen_msg_fill(&m, 0, 16);                      /* mac2: no cookie */
	udp_msg(&u, true, &m);
	wg_header(&m, 2);
	le32(&m, 0x0b0c0d0e);
	le32(&m, 0x6a1f2e3d);
	gen_msg_rand(&m, &a->rng, 32 + 16 + 16);
	gen_msg_fill(&m, 0, 16);
	udp_msg(&u, false, &m);
	udp_close(&u);
	u = udp_open(a, GA_WG_DATA, server_addr(GA_WG_DATA), 51820);
	wg_data(&m, &a->rng, 0x0b0c0d0e, 7);
	udp_msg(&u, true, &m);
	wg_data(&m, &a->rng, 0x0b0c0d0e, 8);
	udp_msg(&u, true, &m);
	wg_data(&m, &a->rng, 0x6a1f2e3d, 5);
	udp_msg(&u, false, &m);
	udp_close(&u);
	u = udp_open(a, GA_WG_NEAR, server_addr(GA_WG_NEAR), 51820);
	wg_data(&m, &a->rng, 0x11111111, 7);
	udp_msg(&u, true, &m);
	wg_data(&m, &a->rng, 0x22222222, 8);
	udp_msg(&u, true, &m);
	udp_close(&u);

	/* RDP ([MS-RDPBCGR] 4.1.1, 4.1.2): X.224 Connection Request with the routing cookie
	 * "Cookie: mstshash=eltons" and RDP_NEG_REQ (TLS | CredSSP), the Connection Confirm
	 * with RDP_NEG_RSP. Near miss: an S7comm COTP Connection Request (ISO 8073 over RFC
	 * 1006 on tcp/102) with its TSAP parameters. */
	static const uint8_t x224_cr_neg[] = { 0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00 };
	static const uint8_t x224_cc[] = { 0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00,
					   0x00, 0x12, 0x34, 0x00, 0x02, 0x00, 0x08,
					   0x00, 0x01, 0x00, 0x00, 0x00 };
	static const uint8_t cotp_cr[] = { 0x03, 0x00, 0x00, 0x16, 0x11, 0xe0, 0x00, 0x00,
					   0x00, 0x01, 0x00, 0xc1, 0x02, 0x01, 0x00, 0xc2,
					   0x02, 0x01, 0x02, 0xc0, 0x01, 0x0a };
	static const uint8_t cotp_cc[] = { 0x03, 0x00, 0x00, 0x16, 0x11, 0xd0, 0x00, 0x01,
					   0x00, 0x01, 0x00, 0xc0, 0x01, 0x0a, 0xc1, 0x02,
					   0x01, 0x00, 0xc2, 0x02, 0x01, 0x02 };
	tcp_open(a, &t, GA_RDP_X224, server_addr(GA_RDP_X224), 3389);
	m.n = 0;
	gen_msg_u16(&m, 0x0300); /* TPKT version 3, then its length (the whole packet) */
	gen_msg_u16(&m, 0);
	gen_msg_u8(&m, 0);    /* X.224 length indicator: the rest of the packet */
	gen_msg_u8(&m, 0xe0); /* CR, CDT 0 */
	gen_msg_u16(&m, 0);   /* DST-REF */
	gen_msg_u16(&m, 0);   /* SRC-REF */
	gen_msg_u8(&m, 0);    /* class 0 */
	gen_msg_str(&m, "Cookie: mstshash=eltons\r\n");
	gen_msg_put(&m, x224_cr_neg, sizeof(x224_cr_neg));
	m.b[2] = (uint8_t)(m.n >> 8);
	m.b[3] = (uint8_t)m.n;
	m.b[4] = (uint8_t)(m.n - 5);
	tcp_say(&t, true, &m);
	m.n = 0;
	gen_msg_put(&m, x224_cc, sizeof(x224_cc));
	tcp_say(&t, false, &m);
	tcp_close(a, &t);
	tcp_open(a, &t, GA_RDP_S7_NEAR, server_addr(GA_RDP_S7_NEAR), 102);
	m.n = 0;
	gen_msg_put(&m, cotp_cr, sizeof(cotp_cr));
	tcp_say(&t, true, &m);
	m.n = 0;
	gen_msg_put(&m, cotp_cc, sizeof(cotp_cc));
	tcp_say(&t, false, &m);
	tcp_close(a, &t);

	/* RDP over UDP ([MS-RDPEUDP] 2.2.2.5, 3.1.5.1.1): the SYN datagram, snSourceAck -1,
	 * RDPUDP_FLAG_SYN, MTUs 1232, zero-padded to 1232 bytes. Near miss: the same header
	 * without the padding. */
	m.n = 0;
	gen_msg_u32(&m, 0xffffffff);
	gen_msg_u16(&m, 64);     /* uReceiveWindowSize */
	gen_msg_u16(&m, 0x0001); /* RDPUDP_FLAG_SYN */
	gen_msg_u32(&m, (uint32_t)gen_rand(&a->rng));
	gen_msg_u16(&m, 1232);
	gen_msg_u16(&m, 1232);
	x = m;
	gen_msg_fill(&m, 0, 1232 - m.n);
	u = udp_open(a, GA_RDP_UDP_SYN, server_addr(GA_RDP_UDP_SYN), 3389);
	udp_msg(&u, true, &m);
	udp_close(&u);
	u = udp_open(a, GA_RDP_UDP_NEAR, server_addr(GA_RDP_UDP_NEAR), 3389);
	udp_msg(&u, true, &x);
	udp_close(&u);
}

static void
signatures(struct apps *a)
{
	struct gen_msg m;
	struct gen_tcp t;
	struct udp u;

	/* TeamViewer (the catalogue's teamviewer entry, after nDPI: client messages start
	 * 0x17 0x24, server messages 0x11 0x30): both on tcp/443; the client's alone on
	 * 5938; near miss: the client's alone on 443, the server answering a TLS alert */
	static const uint8_t tv_client[] = { 0x17, 0x24, 0x0a, 0x20, 0x00, 0x00, 0x00, 0x00,
					     0x6d, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
	static const uint8_t tv_server[] = { 0x11, 0x30, 0x0c, 0x20, 0x00, 0x00, 0x00, 0x00,
					     0x3c, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
	static const uint8_t tls_alert[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28 };
	tcp_open(a, &t, GA_TV_BOTH, server_addr(GA_TV_BOTH), 443);
	m.n = 0;
	gen_msg_put(&m, tv_client, sizeof(tv_client));
	tcp_say(&t, true, &m);
	m.n = 0;
	gen_msg_put(&m, tv_server, sizeof(tv_server));
	tcp_say(&t, false, &m);
	tcp_close(a, &t);
	tcp_open(a, &t, GA_TV_5938, server_addr(GA_TV_5938), 5938);
	m.n = 0;
	gen_msg_put(&m, tv_client, sizeof(tv_client));
	tcp_say(&t, true, &m);
	tcp_close(a, &t);
	tcp_open(a, &t, GA_TV_NEAR, server_addr(GA_TV_NEAR), 443);
	m.n = 0;
	gen_msg_put(&m, tv_client, sizeof(tv_client));
	tcp_say(&t, true, &m);
	m.n = 0;
	gen_msg_put(&m, tls_alert, sizeof(tls_alert));
	tcp_say(&t, false, &m);
	tcp_close(a, &t);

	/* Telegram call reflectors (libtgvoip, as the catalogue describes them): a 16-byte
	 * peer tag, twelve 0xFF, the ping's type id 0xFFFFFFFE (little-endian) and an 8-byte
	 * query id; the reflector's empty answer. Near miss: eleven 0xFF. */
	uint8_t tag[16];
	for (size_t i = 0; i < sizeof(tag); i++)
		tag[i] = (uint8_t)(0x3c + 7 * i); /* (a first byte 0x80-0xbf would pass as RTP) */
	u = udp_open(a, GA_TG_REFLECTOR, server_addr(GA_TG_REFLECTOR), 599);
	m.n = 0;
	gen_msg_put(&m, tag, sizeof(tag));
	gen_msg_fill(&m, 0xff, 12);
	gen_msg_u32(&m, 0xfeffffff);
	gen_msg_rand(&m, &a->rng, 8);
	udp_msg(&u, true, &m);
	m.n = 0;
	gen_msg_put(&m, tag, sizeof(tag));
	gen_msg_fill(&m, 0xff, 16);
	udp_msg(&u, false, &m);
	udp_close(&u);
	u = udp_open(a, GA_TG_REFLECTOR_NEAR, server_addr(GA_TG_REFLECTOR_NEAR), 599);
	m.n = 0;
	gen_msg_put(&m, tag, sizeof(tag));
	gen_msg_fill(&m, 0xff, 11);
	gen_msg_u32(&m, 0xfeffffff);
	gen_msg_rand(&m, &a->rng, 8);
	udp_msg(&u, true, &m);
	udp_close(&u);

	/* MTProto over TCP (core.telegram.org/mtproto/mtproto-transports): the intermediate
	 * transport's 0xeeeeeeee, then a 4-byte length and an unencrypted req_pq_multi
	 * (auth_key_id 0, message id, length, constructor 0xbe7e8ef1, nonce). Near miss:
	 * 0xdddddde0, not the padded transport's 0xdddddddd. */
	for (unsigned f = GA_TG_MTPROTO; f <= GA_TG_MTPROTO_NEAR; f++) {
		tcp_open(a, &t, f, server_addr(f), 443);
		m.n = 0;
		gen_msg_u32(&m, f == GA_TG_MTPROTO ? 0xeeeeeeee : 0xdddddde0);
		le32(&m, 40);
		gen_msg_fill(&m, 0, 8);
		gen_msg_rand(&m, &a->rng, 8);
		le32(&m, 20);
		le32(&m, 0xbe7e8ef1);
		gen_msg_rand(&m, &a->rng, 16);
		tcp_say(&t, true, &m);
		m.n = 0;
		le32(&m, 84);
		gen_msg_fill(&m, 0, 8);
		gen_msg_rand(&m, &a->rng, 76);
		tcp_say(&t, false, &m);
		tcp_close(a, &t);
	}

	/* Discord voice IP discovery (Discord developer docs, "Voice Connections"): type 1,
	 * length 70, SSRC, 64-byte address, port: 74 bytes; the answer (type 2) carries the
	 * client's address. Near miss: one byte short. */
	u = udp_open(a, GA_DISCORD_IPDISC, server_addr(GA_DISCORD_IPDISC), 50004);
	m.n = 0;
	gen_msg_u16(&m, 1);
	gen_msg_u16(&m, 70);
	gen_msg_u32(&m, 0x00012a4f);
	gen_msg_fill(&m, 0, 66);
	udp_msg(&u, true, &m);
	m.n = 0;
	gen_msg_u16(&m, 2);
	gen_msg_u16(&m, 70);
	gen_msg_u32(&m, 0x00012a4f);
	char seen[64];
	snprintf(seen, sizeof(seen), "%u.%u.%u.%u", u.c.a[0], u.c.a[1], u.c.a[2], u.c.a[3]);
	gen_msg_str(&m, seen);
	gen_msg_fill(&m, 0, 64 - strlen(seen));
	gen_msg_u16(&m, (unsigned)gen_apps_cport_of(GA_DISCORD_IPDISC));
	udp_msg(&u, false, &m);
	udp_close(&u);
	u = udp_open(a, GA_DISCORD_IPDISC_NEAR, server_addr(GA_DISCORD_IPDISC_NEAR), 50004);
	m.n = 0;
	gen_msg_u16(&m, 1);
	gen_msg_u16(&m, 70);
	gen_msg_u32(&m, 0x00012a4f);
	gen_msg_fill(&m, 0, 65);
	udp_msg(&u, true, &m);
	udp_close(&u);

	/* WhatsApp's Noise handshake (the catalogue's whatsapp entry, after nDPI's
	 * whatsapp.c): the "ED" edge routing header (version 0.1, 3-byte length 4, routing
	 * data) before the "WA" prologue and its two version bytes; the prologue alone on
	 * 5222; then the Noise message's 3-byte length. Near miss: a text protocol's "WAIT". */
	tcp_open(a, &t, GA_WA_NOISE_ED, server_addr(GA_WA_NOISE_ED), 443);
	m.n = 0;
	gen_msg_str(&m, "ED");
	gen_msg_u16(&m, 0x0001);
	gen_msg_u24(&m, 4);
	gen_msg_u8(&m, 0x08);
	gen_msg_rand(&m, &a->rng, 3);
	gen_msg_str(&m, "WA");
	gen_msg_u8(&m, 6);
	gen_msg_u8(&m, 3);
	gen_msg_u24(&m, 40);
	gen_msg_rand(&m, &a->rng, 40);
	tcp_say(&t, true, &m);
	m.n = 0;
	gen_msg_u24(&m, 350);
	gen_msg_rand(&m, &a->rng, 350);
	tcp_say(&t, false, &m);
	tcp_close(a, &t);
	tcp_open(a, &t, GA_WA_NOISE_WA, server_addr(GA_WA_NOISE_WA), 5222);
	m.n = 0;
	gen_msg_str(&m, "WA");
	gen_msg_u8(&m, 6);
	gen_msg_u8(&m, 3);
	gen_msg_u24(&m, 40);
	gen_msg_rand(&m, &a->rng, 40);
	tcp_say(&t, true, &m);
	m.n = 0;
	gen_msg_u24(&m, 350);
	gen_msg_rand(&m, &a->rng, 350);
	tcp_say(&t, false, &m);
	tcp_close(a, &t);
	http_flow(a, GA_WA_NOISE_NEAR, 5222, "WAIT 30\r\n", "OK\r\n");

	/* Viber's TCP hello (the catalogue's viber entry, after nDPI's viber.c): six bytes,
	 * then 0xfc 0xff, 0x03 and 0x80, on Viber's port 5242. Near miss: 0x04 in place of
	 * the 0x03. */
	for (unsigned f = GA_VIBER_HELLO; f <= GA_VIBER_HELLO_NEAR; f++) {
		tcp_open(a, &t, f, server_addr(f), 5242);
		m.n = 0;
		gen_msg_u16(&m, 0x3a00);
		gen_msg_rand(&m, &a->rng, 4);
		gen_msg_u16(&m, 0xfcff);
		gen_msg_u8(&m, f == GA_VIBER_HELLO ? 0x03 : 0x04);
		gen_msg_u8(&m, 0x80);
		gen_msg_rand(&m, &a->rng, 48);
		tcp_say(&t, true, &m);
		opaque(&m, &a->rng, 40);
		tcp_say(&t, false, &m);
		tcp_close(a, &t);
	}

	/* Zoom's media servers (the catalogue's zoom entry, after nDPI's zoom.c): the hello
	 * 0x01 0x00 0x02 on UDP 8801-8810; near miss: the same datagram to 9801. */
	for (unsigned f = GA_ZOOM_SFU; f <= GA_ZOOM_SFU_NEAR; f++) {
		u = udp_open(a, f, server_addr(f), f == GA_ZOOM_SFU ? 8801 : 9801);
		m.n = 0;
		gen_msg_u8(&m, 0x01);
		gen_msg_u8(&m, 0x00);
		gen_msg_u8(&m, 0x02);
		gen_msg_rand(&m, &a->rng, 37);
		udp_msg(&u, true, &m);
		udp_close(&u);
	}

	/* Teams flight proxy (the catalogue's skype_teams entry): the relay acknowledges
	 * with 0x03 and a lower-case UUID (RFC 4122 text form); near miss: upper case. */
	for (unsigned f = GA_TEAMS_FLIGHTPROXY; f <= GA_TEAMS_FLIGHTPROXY_NEAR; f++) {
		u = udp_open(a, f, server_addr(f), 3480);
		opaque(&m, &a->rng, 64);
		udp_msg(&u, true, &m);
		m.n = 0;
		gen_msg_u8(&m, 0x03);
		gen_msg_str(&m, f == GA_TEAMS_FLIGHTPROXY ? "0f8fad5b-d9cb-469f-a165-70867728950e"
							  : "0F8FAD5B-D9CB-469F-A165-70867728950E");
		udp_msg(&u, false, &m);
		udp_close(&u);
	}
}

static void
addresses(struct apps *a)
{
	struct gen_tcp t;
	struct gen_msg m;
	struct gen_hello h = { .sni = NULL, .alpn = NULL };

	/* Microsoft 365 endpoints, ID 11 (52.112.0.0/14 for Teams media on UDP 3478-3481):
	 * media to 52.113.0.10:3479 decides by address; to another port it does not. On TCP
	 * 443 the range also serves telemetry: a session naming its server
	 * (mobile.pipe.aria.microsoft.com) is not Teams, one naming none is (once the
	 * server answers). */
	opaque_udp(a, GA_TEAMS_PREFIX_UDP, gen_ip4(52, 113, 0, 10), 3479);
	opaque_udp(a, GA_TEAMS_PREFIX_PORT_NEAR, gen_ip4(52, 113, 0, 11), 5000);
	tcp_open(a, &t, GA_TEAMS_PREFIX_TLS_NONAME, gen_ip4(52, 112, 1, 20), 443);
	m.n = 0;
	gen_tls_client_hello(&m, &h, &a->rng);
	tcp_say(&t, true, &m);
	m.n = 0;
	gen_tls13_server_flight(&m, &a->rng);
	tcp_say(&t, false, &m);
	tls13_client_finish(&t, &a->rng);
	tcp_close(a, &t);
	tls_flow(a, GA_TEAMS_PREFIX_TLS_SNI_NEAR, gen_ip4(52, 113, 194, 132), 443,
		 "mobile.pipe.aria.microsoft.com", "h2");

	/* Telegram's published ranges (core.telegram.org/resources/cidr.txt: 149.154.160.0/20)
	 * on any port; near miss: the first address after the range */
	opaque_udp(a, GA_TELEGRAM_PREFIX, gen_ip4(149, 154, 167, 50), 443);
	opaque_udp(a, GA_TELEGRAM_PREFIX_NEAR, gen_ip4(149, 154, 176, 10), 443);
	/* Webex media ranges (AS13445, 170.72.0.0/16) on UDP 9000; near miss: UDP 9001 */
	opaque_udp(a, GA_WEBEX_PREFIX, gen_ip4(170, 72, 1, 10), 9000);
	opaque_udp(a, GA_WEBEX_PREFIX_NEAR, gen_ip4(170, 72, 1, 11), 9001);

	/* Registered ports (IANA): ms-wbt-server 3389/tcp and http-alt 8080/tcp for
	 * attempts that never carried payload. Near misses: tcp/3389 carrying bytes that are
	 * not RDP, and an attempt to an unregistered port. */
	syn_only(a, GA_RDP_SYN_ONLY, 3389);
	tcp_open(a, &t, GA_RDP_PORT_PAYLOAD_NEAR, server_addr(GA_RDP_PORT_PAYLOAD_NEAR), 3389);
	opaque(&m, &a->rng, 200);
	tcp_say(&t, true, &m);
	opaque(&m, &a->rng, 300);
	tcp_say(&t, false, &m);
	tcp_close(a, &t);
	syn_only(a, GA_TUNNEL_SYN_ONLY, 8080);
	syn_only(a, GA_SYN_ONLY_NEAR, 3390);
}

/* File signatures (filemagic.c names their sources) at the start of cleartext transfers. */
static void
files(struct apps *a)
{
	static const uint8_t dos[] = { 'M', 'Z', 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00 };
	static const uint8_t zip[] = { 'P', 'K', 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00 };
	static const uint8_t ole[] = { 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0 };
	struct gen_msg m = { .n = 0 };
	struct gen_tcp t;

	tcp_open(a, &t, GA_FILE_HTTP_EXE, server_addr(GA_FILE_HTTP_EXE), 80);
	gen_msg_str(&m, "GET /tools/setup.exe HTTP/1.1\r\nHost: downloads.example.com\r\n\r\n");
	tcp_say(&t, true, &m);
	m.n = 0;
	gen_msg_str(&m, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
			"Transfer-Encoding: chunked\r\n\r\n");
	tcp_say(&t, false, &m);
	m.n = 0;
	gen_msg_str(&m, "400\r\n");
	gen_msg_put(&m, dos, sizeof(dos));
	gen_msg_rand(&m, &a->rng, 1024 - sizeof(dos));
	gen_msg_str(&m, "\r\n0\r\n\r\n");
	tcp_say(&t, false, &m);
	tcp_close(a, &t);

	tcp_open(a, &t, GA_FILE_HTTP_UPLOAD, server_addr(GA_FILE_HTTP_UPLOAD), 80);
	m.n = 0;
	gen_msg_str(&m, "POST /upload HTTP/1.1\r\nHost: files.example.com\r\n"
			"Content-Type: application/zip\r\nContent-Length: 600\r");
	tcp_say(&t, true, &m);
	m.n = 0;
	gen_msg_str(&m, "\n\r\n");
	gen_msg_put(&m, zip, sizeof(zip));
	gen_msg_rand(&m, &a->rng, 600 - sizeof(zip));
	tcp_say(&t, true, &m);
	m.n = 0;
	gen_msg_str(&m, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
	tcp_say(&t, false, &m);
	tcp_close(a, &t);

	tcp_open(a, &t, GA_FILE_FTP_PDF, server_addr(GA_FILE_FTP_PDF), 50100);
	m.n = 0;
	gen_msg_str(&m, "%PDF-1.7\n%");
	gen_msg_rand(&m, &a->rng, 1200);
	tcp_say(&t, false, &m);
	tcp_close(a, &t);

	tcp_open(a, &t, GA_FILE_FTP_DOC, server_addr(GA_FILE_FTP_DOC), 50101);
	m.n = 0;
	gen_msg_put(&m, ole, sizeof(ole));
	gen_msg_rand(&m, &a->rng, 1400);
	tcp_say(&t, true, &m);
	tcp_close(a, &t);

	http_flow(a, GA_FILE_HTTP_NEAR, 80,
		  "POST /form HTTP/1.1\r\nHost: www.example.com\r\nContent-Type: "
		  "application/x-www-form-urlencoded\r\nContent-Length: 16\r\n\r\nname=MZ&zip=PK34",
		  HTTP_OK);

	tcp_open(a, &t, GA_FILE_RAW_NEAR, server_addr(GA_FILE_RAW_NEAR), 50102);
	m.n = 0;
	gen_msg_str(&m, "MZ");
	gen_msg_u8(&m, 0x7f);
	gen_msg_rand(&m, &a->rng, 300);
	tcp_say(&t, true, &m);
	tcp_close(a, &t);
}

/* A TLS 1.3 session naming teams.microsoft.com whose ClientHello is cut into mss-byte
 * segments; finish: the client's last flight too. */
static void
teams_hello_in_pieces(struct apps *a, unsigned f, size_t mss, bool finish)
{
	struct gen_hello h = { .sni = "teams.microsoft.com", .alpn = "h2" };
	struct gen_msg m = { .n = 0 };
	struct gen_tcp t;

	tcp_open(a, &t, f, server_addr(f), 443);
	t.mss = mss;
	gen_tls_client_hello(&m, &h, &a->rng);
	tcp_say(&t, true, &m);
	t.mss = 0;
	m.n = 0;
	gen_tls13_server_flight(&m, &a->rng);
	tcp_say(&t, false, &m);
	if (finish)
		tls13_client_finish(&t, &a->rng);
	tcp_close(a, &t);
}

/* Flows whose deciding bytes come in several segments (policy.hold, inspect.tcp_packets). */
static void
held(struct apps *a)
{
	struct gen_msg m = { .n = 0 };
	struct gen_tcp t;

	teams_hello_in_pieces(a, GA_TEAMS_SNI_SPLIT, 100, true);
	teams_hello_in_pieces(a, GA_TEAMS_SNI_CRUMBS, 4, false);

	tcp_open(a, &t, GA_BT_LATE, server_addr(GA_BT_LATE), 51413);
	t.mss = 1;
	m.n = 0;
	for (unsigned i = 0; i < 40; i++)
		gen_msg_u8(&m, 'x');
	tcp_say(&t, true, &m);
	t.mss = 0;
	m.n = 0;
	gen_msg_u8(&m, 19);
	gen_msg_str(&m, "BitTorrent protocol");
	gen_msg_rand(&m, &a->rng, 48);
	tcp_say(&t, true, &m);
	tcp_close(a, &t);

	tcp_open(a, &t, GA_OPAQUE_443, server_addr(GA_OPAQUE_443), 443);
	opaque(&m, &a->rng, 200);
	tcp_say(&t, true, &m);
	opaque(&m, &a->rng, 200);
	tcp_say(&t, true, &m);
	opaque(&m, &a->rng, 300);
	tcp_say(&t, false, &m);
	tcp_close(a, &t);
}

/*
 * Three UDP flows taking turns (apps.h: gen_apps_timed_us), each frame at its own time,
 * all of them in the replay's first burst; bytes no parser claims, none of them random
 * (the other flows' bytes stay as they were). The clock resumes 20 ms after the last.
 */
static void
timed(struct apps *a)
{
	struct gen_l2 back = gen_l2_reverse(&a->l2);
	uint8_t body[64];

	for (unsigned f = GA_TIMED_A; f <= GA_TIMED_C; f++) {
		for (unsigned i = 0; i < GEN_APPS_TIMED_FRAMES; i++) {
			bool up = i % 2 == 0;
			body[0] = 0x7f;
			for (size_t j = 1; j < sizeof(body); j++)
				body[j] = (uint8_t)(31 * f + 7 * i + j);
			gen_udp(a->w, gen_apps_timed_us(f, i), up ? &a->l2 : &back,
				up ? client_addr(f) : server_addr(f),
				up ? server_addr(f) : client_addr(f),
				(uint16_t)(up ? gen_apps_cport_of(f) : GEN_APPS_TIMED_PORT),
				(uint16_t)(up ? GEN_APPS_TIMED_PORT : gen_apps_cport_of(f)), body,
				sizeof(body));
		}
	}
	a->ts = gen_apps_timed_us(GA_TIMED_C, GEN_APPS_TIMED_FRAMES - 1) + 20000;
}

int
gen_apps_scenario(const char *out)
{
	struct apps a = { .rng = { 0x5eed0a995ull }, .ts = GEN_APPS_T0 };

	memcpy(a.l2.src, MAC_CLIENT, 6);
	memcpy(a.l2.dst, MAC_GW, 6);
	a.w = gen_writer_open(out);
	if (a.w == NULL)
		return 1;
	timed(&a);
	tls_names(&a);
	http(&a);
	dns_and_attribution(&a);
	stun(&a);
	protocols(&a);
	signatures(&a);
	addresses(&a);
	files(&a);
	held(&a);
	uint64_t n = gen_writer_frames(a.w);
	if (gen_writer_close(a.w) != 0)
		return 1;
	fprintf(stderr, "bwgen: wrote %llu frames (%u flows) to %s\n", (unsigned long long)n,
		(unsigned)GA__COUNT - 1, out);
	return 0;
}

/*
 * quic-stale: flow A (198.18.3.1 -> 198.19.3.1:443) sends one Initial carrying only the
 * first 120 bytes of a ClientHello for GEN_QUIC_STALE_NAME_A (the server name included):
 * the parser keeps them in a head block and waits for the rest, which never comes. A
 * hundred non-IP frames (IEEE 802 local experimental ethertype 0x88b5) then advance the
 * clock, one second apart, past every UDP timeout, so A ends and its block goes back to
 * the pool. Flow B (198.18.3.2 -> 198.19.3.2:443) then sends one Initial with a complete
 * hello for GEN_QUIC_STALE_NAME_B, built from the same random bytes, so that A's 120
 * bytes and the rest of B's hello would make a well-formed hello naming A.
 */
int
gen_quic_stale_scenario(const char *out)
{
	static const uint8_t dcid_a[8] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8 };
	static const uint8_t dcid_b[8] = { 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8 };
	struct gen_hello ha = { .sni = GEN_QUIC_STALE_NAME_A, .alpn = "h3", .quic = true };
	struct gen_hello hb = { .sni = GEN_QUIC_STALE_NAME_B, .alpn = "h3", .quic = true };
	struct gen_msg a = { .n = 0 }, b = { .n = 0 };
	struct gen_rng r;
	struct gen_l2 l2 = { 0 };
	uint8_t dgram[1300], frame[GEN_MAX_FRAME];
	uint64_t ts = GEN_APPS_T0;
	size_t n;

	memcpy(l2.src, MAC_CLIENT, 6);
	memcpy(l2.dst, MAC_GW, 6);
	r.s = 42;
	gen_tls_hello_msg(&a, &ha, &r);
	r.s = 42;
	gen_tls_hello_msg(&b, &hb, &r);
	if (a.n != b.n || a.n <= 120)
		return 1;
	struct gen_writer *w = gen_writer_open_ordered(out);
	if (w == NULL)
		return 1;
	n = gen_quic_initial(dgram, dcid_a, sizeof(dcid_a), 0, 0, a.b, 120);
	gen_udp(w, ts, &l2, gen_ip4(198, 18, 3, 1), gen_ip4(198, 19, 3, 1), 40001, 443, dgram, n);
	struct gen_pkt p = { 0 };
	uint8_t body[46];
	memset(body, 0x5a, sizeof(body));
	p.l2 = l2;
	p.ethertype = 0x88b5;
	p.payload = body;
	p.payload_len = sizeof(body);
	for (unsigned i = 1; i <= 100; i++)
		gen_write(w, ts + i * 1000000ull, frame, gen_build(frame, &p));
	ts += 102 * 1000000ull;
	n = gen_quic_initial(dgram, dcid_b, sizeof(dcid_b), 0, 0, b.b, b.n);
	gen_udp(w, ts, &l2, gen_ip4(198, 18, 3, 2), gen_ip4(198, 19, 3, 2), 40002, 443, dgram, n);
	if (gen_writer_close(w) != 0)
		return 1;
	fprintf(stderr, "bwgen: wrote 102 frames to %s\n", out);
	return 0;
}
