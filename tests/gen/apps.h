/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GEN_APPS_H
#define GEN_APPS_H

/*
 * bwgen's application scenarios.
 *
 * "apps": one complete conversation (TCP: handshake, data, FIN; UDP: both directions) per
 * entry below, each carrying one application's publicly documented signalling, one after
 * another on a shared clock. For every way config/apps.conf can identify an application
 * there is a flow that must be identified and, beside it, a near miss that must not be.
 *
 * Addressing, so that a test can find each flow's record: flow n is the only flow from
 * client 198.18.1.n port 40000 + n to server 198.19.1.n, except where gen_apps_client_of
 * and gen_apps_cport_of say that it reuses another flow's client (attribution learns per
 * client, or per client socket) and where its server is a published address (prefix
 * flows) or another flow's server (gen_apps_server_of returns 0 or that flow).
 *
 * The capture's frames are at known times: the timed flows open it (gen_apps_timed_us), and
 * every other flow follows on the shared clock.
 *
 * "quic-stale": the regression capture for a QUIC CRYPTO-reassembly block reused by a
 * later flow without being cleared (see gen_quic_stale_scenario).
 */

enum gen_apps_flow {
	GA_NONE,
	/* TLS server_name (RFC 6066 §3) against the catalogue's host patterns */
	GA_TEAMS_SNI,
	GA_TEAMS_SNI_NEAR,
	GA_ZOOM_SNI,
	GA_ZOOM_SNI_NEAR,
	GA_WEBEX_SNI,
	GA_WEBEX_SNI_NEAR,
	GA_WHATSAPP_SNI,
	GA_WHATSAPP_SNI_NEAR,
	GA_SIGNAL_SNI,
	GA_SIGNAL_SNI_NEAR,
	GA_TELEGRAM_SNI,
	GA_TELEGRAM_SNI_NEAR,
	GA_VIBER_SNI,
	GA_VIBER_SNI_NEAR,
	GA_DISCORD_SNI,
	GA_DISCORD_SNI_NEAR,
	GA_ANYDESK_SNI,
	GA_ANYDESK_SNI_NEAR,
	GA_TEAMVIEWER_SNI,
	GA_TEAMVIEWER_SNI_NEAR,
	GA_PSIPHON_SNI,
	GA_PSIPHON_SNI_NEAR,
	GA_TORPROJECT_SNI,
	GA_TORPROJECT_SNI_NEAR,
	GA_BITTORRENT_SNI,
	GA_BITTORRENT_SNI_NEAR,
	/* "tls" signatures on the hello summary "sni=NAME;alpn=FIRST;" */
	GA_TOR_HELLO,
	GA_TOR_HELLO_NEAR,
	GA_ANYDESK_ALPN,
	GA_ANYDESK_ALPN_NEAR,
	/* TLS 1.2 server certificates, the client having named no server */
	GA_CERT_NAME,
	GA_CERT_NAME_NEAR,
	GA_ANYDESK_CERT,
	GA_ANYDESK_CERT_NEAR,
	/* QUIC Initial server_name */
	GA_QUIC_SNI,
	GA_QUIC_SNI_NEAR,
	/* HTTP */
	GA_HTTP_CONNECT,
	GA_HTTP_PROXY,
	GA_HTTP_RELATIVE_NEAR,
	GA_HTTP_PATH_URL_NEAR,
	GA_HTTP_HOST,
	GA_HTTP_HOST_NEAR,
	GA_BT_ANNOUNCE,
	GA_BT_ANNOUNCE_NEAR,
	/* DNS, and attribution by DNS answers and by TLS-identified servers */
	GA_DNS_APP,
	GA_DNS_MEDIA,
	GA_DNS_NEAR,
	GA_DNS_NEAR_MEDIA,
	GA_TLS_ATTR,
	GA_TLS_ATTR_NEAR,
	/* several questions on one DNS socket: each answer is learned for its own question's
	 * application, and every question is read */
	GA_DNS_REORDERED,            /* zoom.us, then www.example.org; the second answered first */
	GA_DNS_REORDERED_MEDIA,      /* RTP to zoom.us's answer */
	GA_DNS_REORDERED_NEAR_MEDIA, /* RTP to www.example.org's answer */
	GA_DNS_SECOND_Q,             /* www.example.org, then zoom.us, both answered */
	GA_DNS_SECOND_Q_MEDIA,       /* RTP to zoom.us's answer */
	GA_DNS_RESOLVERS,            /* resolver to resolver (port 53 to 53), three questions */
	GA_DNS_RESOLVERS_MEDIA,      /* RTP from that resolver to zoom.us's answer */
	/* STUN / TURN, and attribution by STUN peers and by local sockets */
	GA_STUN_TEAMS,
	GA_STUN_PEER,
	GA_STUN_SOCKET,
	GA_STUN_SOCKET_NEAR,
	GA_STUN_ICE_NEAR,
	GA_STUN_ZOOM,
	GA_STUN_ZOOM_NEAR,
	GA_STUN_WHATSAPP_TYPE,
	GA_STUN_WHATSAPP_ATTR,
	GA_STUN_WHATSAPP_NEAR,
	GA_TURN_VIBER,
	GA_TURN_VIBER_NEAR,
	GA_TURN_SIGNAL,
	/* protocols that are applications */
	GA_SSH,
	GA_SSH_NEAR,
	GA_BT_HANDSHAKE,
	GA_BT_HANDSHAKE_NEAR,
	GA_BT_DHT,
	GA_BT_DHT_NEAR,
	GA_UTP,
	GA_UTP_NEAR,
	GA_BT_UDP_TRACKER,
	GA_BT_UDP_TRACKER_NEAR,
	GA_OVPN_UDP,
	GA_OVPN_UDP_NEAR,
	GA_OVPN_TCP,
	GA_OVPN_TCP_NEAR,
	GA_WG_INIT,
	GA_WG_DATA,
	GA_WG_NEAR,
	GA_RDP_X224,
	GA_RDP_S7_NEAR,
	GA_RDP_UDP_SYN,
	GA_RDP_UDP_NEAR,
	/* payload signatures */
	GA_TV_BOTH,
	GA_TV_5938,
	GA_TV_NEAR,
	GA_TG_REFLECTOR,
	GA_TG_REFLECTOR_NEAR,
	GA_TG_MTPROTO,
	GA_TG_MTPROTO_NEAR,
	GA_DISCORD_IPDISC,
	GA_DISCORD_IPDISC_NEAR,
	GA_WA_NOISE_ED,
	GA_WA_NOISE_WA,
	GA_WA_NOISE_NEAR,
	GA_VIBER_HELLO,
	GA_VIBER_HELLO_NEAR,
	GA_ZOOM_SFU,
	GA_ZOOM_SFU_NEAR,
	GA_TEAMS_FLIGHTPROXY,
	GA_TEAMS_FLIGHTPROXY_NEAR,
	/* published prefixes and registered ports */
	GA_TEAMS_PREFIX_UDP,
	GA_TEAMS_PREFIX_PORT_NEAR,
	GA_TEAMS_PREFIX_TLS_NONAME,
	GA_TEAMS_PREFIX_TLS_SNI_NEAR,
	GA_TELEGRAM_PREFIX,
	GA_TELEGRAM_PREFIX_NEAR,
	GA_WEBEX_PREFIX,
	GA_WEBEX_PREFIX_NEAR,
	GA_RDP_SYN_ONLY,
	GA_RDP_PORT_PAYLOAD_NEAR,
	GA_TUNNEL_SYN_ONLY,
	GA_SYN_ONLY_NEAR,
	/* files in clear (behaviour file_transfer): a program downloaded over HTTP in a
	 * chunked body, a ZIP uploaded by POST with the blank line after the headers split
	 * between two segments, a PDF the server sends and an office document the client sends
	 * on FTP-style data connections; near misses: a form POST whose body mentions "MZ"
	 * further in, and an unknown protocol that starts with "MZ" (not a DOS header) */
	GA_FILE_HTTP_EXE,
	GA_FILE_HTTP_UPLOAD,
	GA_FILE_FTP_PDF,
	GA_FILE_FTP_DOC,
	GA_FILE_HTTP_NEAR,
	GA_FILE_RAW_NEAR,
	/* for policy.hold: a ClientHello naming teams.microsoft.com cut into 100-byte segments
	 * (the name is not in the first), and bytes no parser claims on tcp/443 (never decided) */
	GA_TEAMS_SNI_SPLIT,
	GA_OPAQUE_443,
	/* inspect.tcp_packets: a ClientHello naming teams.microsoft.com cut into 4-byte
	 * segments, each acknowledged (read whole however many packets it takes: its parser
	 * is still gathering it), and a BitTorrent handshake after 40 one-byte segments of
	 * noise (past the default 64 packets: left unknown) */
	GA_TEAMS_SNI_CRUMBS,
	GA_BT_LATE,
	/* record times: three flows taking turns at the start of the capture */
	GA_TIMED_A,
	GA_TIMED_B,
	GA_TIMED_C,
	GA__COUNT
};

_Static_assert(GA__COUNT < 250, "flow numbers are the last octet of 198.18.1.0/24");

/* The flow whose client address (198.18.1.x) flow f uses. */
static inline unsigned
gen_apps_client_of(unsigned f)
{
	switch (f) {
	case GA_DNS_MEDIA: return GA_DNS_APP;
	case GA_DNS_NEAR_MEDIA: return GA_DNS_NEAR;
	case GA_DNS_REORDERED_MEDIA:
	case GA_DNS_REORDERED_NEAR_MEDIA: return GA_DNS_REORDERED;
	case GA_DNS_SECOND_Q_MEDIA: return GA_DNS_SECOND_Q;
	case GA_DNS_RESOLVERS_MEDIA: return GA_DNS_RESOLVERS;
	case GA_TLS_ATTR: return GA_WHATSAPP_SNI;
	case GA_STUN_PEER:
	case GA_STUN_SOCKET:
	case GA_STUN_SOCKET_NEAR: return GA_STUN_TEAMS;
	default: return f;
	}
}

/* The client port of flow f (a resolver's flow to another resolver: 53). */
static inline unsigned
gen_apps_cport_of(unsigned f)
{
	if (f == GA_DNS_RESOLVERS)
		return 53;
	return 40000 + (f == GA_STUN_SOCKET ? GA_STUN_TEAMS : f);
}

/* The flow whose server address (198.19.1.x) flow f talks to; 0 for a published address. */
static inline unsigned
gen_apps_server_of(unsigned f)
{
	switch (f) {
	case GA_TLS_ATTR:
	case GA_TLS_ATTR_NEAR: return GA_WHATSAPP_SNI;
	case GA_TEAMS_PREFIX_UDP:
	case GA_TEAMS_PREFIX_PORT_NEAR:
	case GA_TEAMS_PREFIX_TLS_NONAME:
	case GA_TEAMS_PREFIX_TLS_SNI_NEAR:
	case GA_TELEGRAM_PREFIX:
	case GA_TELEGRAM_PREFIX_NEAR:
	case GA_WEBEX_PREFIX:
	case GA_WEBEX_PREFIX_NEAR: return 0;
	default: return f;
	}
}

/* The capture's clock: 2026-01-01T00:00:00Z. */
#define GEN_APPS_T0 1767225600000000ull

/* The server port of the timed flows (UDP; bytes no parser or signature claims). */
#define GEN_APPS_TIMED_PORT 4000
/* Frames per timed flow: even ones from the client, odd ones from the server. */
#define GEN_APPS_TIMED_FRAMES 4

/*
 * The time (microseconds since the epoch) of frame i of timed flow f (GA_TIMED_A..C). The
 * timed flows are the capture's first twelve frames, taking turns so that each one's first
 * and last frames have other flows' frames after them in the same replay burst:
 *
 *   A +0       B +1.250   C +2.500   A +3   B +4   C +5   ...   A +9   B +10   C +11 ms
 *
 * A first frame is off the millisecond except A's, which is the capture's first (a record's
 * start is exact to the microsecond); every last frame is a whole number of milliseconds
 * after the capture's first frame (a record's end is kept in milliseconds from it).
 */
static inline unsigned long long
gen_apps_timed_us(unsigned f, unsigned i)
{
	unsigned k = f - GA_TIMED_A;

	return GEN_APPS_T0 + (i == 0 ? 1250ull * k : 1000ull * (3 * i + k));
}

/* The server names of the quic-stale capture: the same length, so that the start of one
 * hello and the rest of the other make a well-formed hello. */
#define GEN_QUIC_STALE_NAME_A "update.googleapis.com"
#define GEN_QUIC_STALE_NAME_B "scontent.whatsapp.net"

/* Write the scenarios; 0 on success. */
int gen_apps_scenario(const char *out);
int gen_quic_stale_scenario(const char *out);

#endif /* GEN_APPS_H */
