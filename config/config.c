/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main configuration's schema: one row per key, defaults in one place (the rows), and
 * the cross-field checks the rows cannot express in validate().
 */
#include "config.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#define F(field) offsetof(struct cfg_config, field)

static const struct cfg_row bridge_rows[] = {
	{ .key = "link_propagation",
	  .type = CFG_BOOL,
	  .off = F(bridge.link_propagation),
	  .def = "false",
	  .doc = "force a port's link down while the other port of its segment has none" },
	{ .key = "link_poll",
	  .type = CFG_DURATION,
	  .off = F(bridge.link_poll_ms),
	  .def = "100ms",
	  .min = 10,
	  .max = 10000,
	  .doc = "how often link state is read" },
	{ .key = "burst",
	  .type = CFG_UINT,
	  .off = F(bridge.burst),
	  .size = 4,
	  .def = "64",
	  .min = 1,
	  .max = 128,
	  .doc = "frames per RX burst (frames of one flow in a burst share one lookup)" },
	{ .key = "tx_retries",
	  .type = CFG_UINT,
	  .off = F(bridge.tx_retries),
	  .size = 4,
	  .def = "8",
	  .max = 1000,
	  .doc = "extra TX attempts for frames a device refused before they are dropped and "
		 "counted" },
};

/*
 * log.syslog.server: "192.0.2.7", "192.0.2.7:6514", "[2001:db8::7]" or "[2001:db8::7]:514".
 * Address literals only: resolving a name would block the control core and make the
 * destination depend on DNS at start-up.
 */
static int
parse_syslog_server(const struct cfg_row *r, const struct cfg_value *v, void *field, char *err,
		    size_t errlen)
{
	struct cfg_syslog_server *sv = field;
	char host[CFG_SYSLOG_SERVER_LEN];
	const char *s, *port = NULL;
	size_t hlen;

	if (v->kind != CFG_V_STRING) {
		snprintf(err, errlen, "'%s' must be a string \"address[:port]\"", r->key);
		return -1;
	}
	s = v->s;
	memset(sv, 0, sizeof(*sv));
	if (s[0] == '\0')
		return 0;
	if (strlen(s) >= sizeof(sv->text)) {
		snprintf(err, errlen, "'%s' is too long (at most %zu characters)", r->key,
			 sizeof(sv->text) - 1);
		return -1;
	}
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL) {
			snprintf(err, errlen, "'%s' = \"%s\": missing ']' after the IPv6 address",
				 r->key, s);
			return -1;
		}
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			goto bad_port;
		sv->family = AF_INET6;
		hlen = (size_t)(close - s - 1);
		memcpy(host, s + 1, hlen);
	} else {
		const char *colon = strchr(s, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			snprintf(err, errlen,
				 "'%s' = \"%s\": an IPv6 address goes in brackets, e.g. "
				 "\"[2001:db8::1]:514\"",
				 r->key, s);
			return -1;
		}
		if (colon != NULL)
			port = colon + 1;
		sv->family = AF_INET;
		hlen = colon != NULL ? (size_t)(colon - s) : strlen(s);
		memcpy(host, s, hlen);
	}
	host[hlen] = '\0';
	if (inet_pton(sv->family, host, sv->addr) != 1) {
		snprintf(err, errlen,
			 "'%s' = \"%s\": \"%s\" is not an %s address (names are not resolved: "
			 "write the collector's address)",
			 r->key, s, host, sv->family == AF_INET ? "IPv4" : "IPv6");
		return -1;
	}
	sv->port = CFG_SYSLOG_PORT;
	if (port != NULL) {
		unsigned long p = 0;
		if (*port == '\0' || strlen(port) > 5)
			goto bad_port;
		for (const char *c = port; *c != '\0'; c++) {
			if (*c < '0' || *c > '9')
				goto bad_port;
			p = p * 10 + (unsigned long)(*c - '0');
		}
		if (p < 1 || p > 65535)
			goto bad_port;
		sv->port = (uint16_t)p;
	}
	memcpy(sv->text, s, strlen(s) + 1);
	return 0;
bad_port:
	snprintf(err, errlen, "'%s' = \"%s\": the port must be a number 1..65535 after ':'", r->key,
		 s);
	return -1;
}

/* RFC 5424 header fields: printable US-ASCII (33..126), row.size buffer, row.min length. */
static int
parse_printusascii(const struct cfg_row *r, const struct cfg_value *v, void *field, char *err,
		   size_t errlen)
{
	if (v->kind != CFG_V_STRING) {
		snprintf(err, errlen, "'%s' must be a string", r->key);
		return -1;
	}
	size_t n = strlen(v->s);
	if (n >= r->size) {
		snprintf(err, errlen, "'%s' is too long (at most %zu characters)", r->key,
			 r->size - 1);
		return -1;
	}
	if (n < r->min) {
		snprintf(err, errlen, "'%s' must not be empty", r->key);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (v->s[i] < 33 || v->s[i] > 126) {
			snprintf(err, errlen,
				 "'%s' = \"%s\": only printable ASCII without spaces is allowed "
				 "(RFC 5424)",
				 r->key, v->s);
			return -1;
		}
	}
	memcpy(field, v->s, n + 1);
	return 0;
}

static const char *const syslog_transports[] = { "udp", "tcp", NULL };
/* Index = RFC 5424 facility code (0..23). */
static const char *const syslog_facilities[] = {
	"kern",   "user",     "mail",   "daemon", "auth",   "syslog", "lpr",   "news",   "uucp",
	"cron",   "authpriv", "ftp",    "ntp",    "audit",  "alert",  "clock", "local0", "local1",
	"local2", "local3",   "local4", "local5", "local6", "local7", NULL,
};

static const struct cfg_row syslog_rows[] = {
	{ .key = "server",
	  .type = CFG_CUSTOM,
	  .off = F(log.syslog.server),
	  .def = "",
	  .parse = parse_syslog_server,
	  .doc = "collector: \"IPv4[:port]\" or \"[IPv6][:port]\", port 514 if omitted "
		 "(addresses only, no names); empty: no syslog export" },
	{ .key = "transport",
	  .type = CFG_ENUM,
	  .off = F(log.syslog.transport),
	  .sub = syslog_transports,
	  .def = "udp",
	  .doc = "\"udp\": one datagram per message (RFC 5426); \"tcp\": octet-counting "
		 "framing (RFC 6587), queued while the collector is unreachable, reconnected "
		 "with backoff (1 s doubling to 30 s)" },
	{ .key = "facility",
	  .type = CFG_ENUM,
	  .off = F(log.syslog.facility),
	  .sub = syslog_facilities,
	  .def = "local0",
	  .doc = "facility of every message (the list gives RFC 5424 codes 0..23 in order)" },
	{ .key = "hostname",
	  .type = CFG_CUSTOM,
	  .off = F(log.syslog.hostname),
	  .size = CFG_SYSLOG_HOSTNAME_LEN,
	  .def = "",
	  .parse = parse_printusascii,
	  .doc = "HOSTNAME field (printable ASCII); empty: the system's host name" },
	{ .key = "app_name",
	  .type = CFG_CUSTOM,
	  .off = F(log.syslog.app_name),
	  .size = CFG_SYSLOG_APP_NAME_LEN,
	  .min = 1,
	  .def = "bridgeward",
	  .parse = parse_printusascii,
	  .doc = "APP-NAME field (1..48 printable ASCII characters)" },
	{ .key = "queue",
	  .type = CFG_SIZE,
	  .off = F(log.syslog.queue),
	  .def = "1m",
	  .min = 4096,
	  .max = 1ull << 30,
	  .doc = "tcp: bytes of messages held while the collector is unreachable or slow; a "
		 "message that does not fit is dropped whole and counted" },
	{ .key = "max_datagram",
	  .type = CFG_UINT,
	  .off = F(log.syslog.max_datagram),
	  .size = 4,
	  .def = "8192",
	  .min = 480,
	  .max = 65507,
	  .doc = "udp: longest message (header included) sent; a longer one is cut at a UTF-8 "
		 "character boundary and counted as truncated" },
};
static const struct cfg_table syslog_table = CFG_TABLE("syslog", syslog_rows);

static const struct cfg_row log_rows[] = {
	{ .key = "file",
	  .type = CFG_STRING,
	  .off = F(log.file),
	  .size = CFG_PATH_MAX,
	  .def = "",
	  .doc = "JSON-lines event log (EVE-style); empty for none; --log overrides" },
	{ .key = "stats_interval",
	  .type = CFG_DURATION,
	  .off = F(log.stats_interval_ms),
	  .def = "0",
	  .max = 86400000,
	  .doc = "write a \"stats\" record this often (0: only at exit)" },
	{ .key = "syslog",
	  .type = CFG_GROUP,
	  .sub = &syslog_table,
	  .doc = "RFC 5424 syslog export of every record to a collector (README \"Event log\")" },
};

static const char *const outcomes[] = { "forward", "drop", NULL };
static const char *const csum_modes[] = { "verify", "ignore", NULL };

static const struct cfg_row decode_rows[] = {
	{ .key = "enabled",
	  .type = CFG_BOOL,
	  .off = F(decode.enabled),
	  .def = "true",
	  .doc = "decode and check every frame, with or without flow tracking (off, with "
		 "flow.track = false: forward without looking, as a plain bridge: no malformation "
		 "counters, `invalid` cannot drop)" },
	{ .key = "invalid",
	  .type = CFG_ENUM,
	  .off = F(decode.invalid),
	  .sub = outcomes,
	  .def = "forward",
	  .doc = "malformed IP packets (counted by reason either way)" },
	{ .key = "max_ipv6_ext",
	  .type = CFG_UINT,
	  .off = F(decode.max_ip6_ext),
	  .size = 4,
	  .def = "8",
	  .min = 1,
	  .max = 64,
	  .doc = "IPv6 extension headers followed before the packet counts as malformed" },
	{ .key = "ip4_checksum",
	  .type = CFG_ENUM,
	  .off = F(decode.ip4_csum_ignore),
	  .sub = csum_modes,
	  .def = "verify",
	  .doc = "\"verify\": an IPv4 header with a bad checksum is malformed (a receiver drops "
		 "it, so inspecting it would let a sender insert bytes the receiver never sees); "
		 "\"ignore\": for captures whose addresses were rewritten without fixing "
		 "checksums" },
};

static const struct cfg_row timeout_rows[] = {
	{ .key = "tcp_new",
	  .type = CFG_DURATION,
	  .off = F(flow.tcp_new_ms),
	  .def = "30s",
	  .min = 1000,
	  .max = 86400000,
	  .doc = "TCP before the handshake completes" },
	{ .key = "tcp_established",
	  .type = CFG_DURATION,
	  .off = F(flow.tcp_established_ms),
	  .def = "10m",
	  .min = 1000,
	  .max = 604800000,
	  .doc = "established TCP, idle" },
	{ .key = "tcp_closed",
	  .type = CFG_DURATION,
	  .off = F(flow.tcp_closed_ms),
	  .def = "30s",
	  .min = 1000,
	  .max = 86400000,
	  .doc = "TCP after FIN from both sides, or RST" },
	{ .key = "udp_new",
	  .type = CFG_DURATION,
	  .off = F(flow.udp_new_ms),
	  .def = "30s",
	  .min = 1000,
	  .max = 86400000,
	  .doc = "UDP seen one way only" },
	{ .key = "udp_established",
	  .type = CFG_DURATION,
	  .off = F(flow.udp_established_ms),
	  .def = "2m",
	  .min = 1000,
	  .max = 86400000,
	  .doc = "UDP seen both ways, idle" },
	{ .key = "other",
	  .type = CFG_DURATION,
	  .off = F(flow.other_ms),
	  .def = "30s",
	  .min = 1000,
	  .max = 86400000,
	  .doc = "ICMP and other protocols" },
};
static const struct cfg_table timeout_table = CFG_TABLE("timeouts", timeout_rows);

static const struct cfg_row flow_rows[] = {
	{ .key = "track",
	  .type = CFG_BOOL,
	  .off = F(flow.track),
	  .def = "true",
	  .doc = "track flows (off: frames are still decoded and checked, see decode.enabled; "
		 "no flows, reassembly, identification or policy)" },
	{ .key = "entries",
	  .type = CFG_UINT,
	  .off = F(flow.entries),
	  .size = 4,
	  .def = "131072",
	  .min = 64,
	  .max = 16777216,
	  .doc = "flow entries per worker" },
	{ .key = "on_full",
	  .type = CFG_ENUM,
	  .off = F(flow.on_full),
	  .sub = outcomes,
	  .def = "forward",
	  .doc = "packets of a new flow that gets no entry: forward uninspected, or drop" },
	{ .key = "evict_idle",
	  .type = CFG_DURATION,
	  .off = F(flow.evict_idle_ms),
	  .def = "10s",
	  .min = 0,
	  .max = 86400000,
	  .doc = "when full, an established flow idle this long may give up its entry "
		 "(half-open and closing flows always may)" },
	{ .key = "timeouts", .type = CFG_GROUP, .sub = &timeout_table, .doc = "idle timeouts" },
	{ .key = "age_batch",
	  .type = CFG_UINT,
	  .off = F(flow.age_batch),
	  .size = 4,
	  .def = "64",
	  .min = 1,
	  .max = 4096,
	  .doc = "flows a worker may expire per loop pass" },
};

static const struct cfg_row stream_rows[] = {
	{ .key = "reassembly",
	  .type = CFG_BOOL,
	  .off = F(stream.reassembly),
	  .def = "true",
	  .doc = "reassemble TCP streams for inspection" },
	{ .key = "depth",
	  .type = CFG_SIZE,
	  .off = F(stream.depth),
	  .def = "64k",
	  .min = 1,
	  .max = 1ull << 30,
	  .doc = "bytes inspected per direction; then it stops buffering" },
	{ .key = "window",
	  .type = CFG_SIZE,
	  .off = F(stream.window),
	  .def = "256k",
	  .min = 1024,
	  .max = 1ull << 30,
	  .doc = "out-of-order bytes held per direction" },
	{ .key = "memory",
	  .type = CFG_SIZE,
	  .off = F(stream.memory),
	  .def = "64m",
	  .min = 64 * 1024,
	  .max = 64ull << 30,
	  .doc = "stream buffer memory per worker" },
	{ .key = "verify_delivered",
	  .type = CFG_BOOL,
	  .off = F(stream.verify_delivered),
	  .def = "true",
	  .doc = "keep inspected bytes until acknowledged, so a retransmission with different "
		 "bytes is caught and dropped" },
	{ .key = "on_full",
	  .type = CFG_ENUM,
	  .off = F(stream.on_full),
	  .sub = outcomes,
	  .def = "forward",
	  .doc = "an out-of-order segment that does not fit the window or the memory: forward "
		 "(the direction stops being inspected, or the bytes past the window are not "
		 "read), or drop it, so that the sender sends it again and inspection goes on" },
};

static const struct cfg_row frag_rows[] = {
	{ .key = "datagrams",
	  .type = CFG_UINT,
	  .off = F(frag.datagrams),
	  .size = 4,
	  .def = "4096",
	  .min = 8,
	  .max = 1048576,
	  .doc = "datagrams being reassembled, per worker" },
	{ .key = "max_fragments",
	  .type = CFG_UINT,
	  .off = F(frag.max_fragments),
	  .size = 4,
	  .def = "64",
	  .min = 2,
	  .max = 64,
	  .doc = "fragments per datagram" },
	{ .key = "max_held",
	  .type = CFG_UINT,
	  .off = F(frag.max_held),
	  .size = 4,
	  .def = "8192",
	  .min = 16,
	  .max = 1048576,
	  .doc = "fragments held per worker" },
	{ .key = "timeout",
	  .type = CFG_DURATION,
	  .off = F(frag.timeout_ms),
	  .def = "30s",
	  .min = 100,
	  .max = 600000,
	  .doc = "time for a datagram to complete" },
	{ .key = "overflow",
	  .type = CFG_ENUM,
	  .off = F(frag.overflow),
	  .sub = outcomes,
	  .def = "forward",
	  .doc = "fragments of datagrams that cannot be tracked (table full, too many)" },
	{ .key = "incomplete",
	  .type = CFG_ENUM,
	  .off = F(frag.incomplete),
	  .sub = outcomes,
	  .def = "drop",
	  .doc = "held fragments of a datagram that timed out" },
};

static const struct cfg_row attribution_rows[] = {
	{ .key = "entries",
	  .type = CFG_UINT,
	  .off = F(inspect.attribution),
	  .size = 4,
	  .def = "65536",
	  .min = 64,
	  .max = 16777216,
	  .doc = "attribution cache entries per worker (the oldest go when full)" },
	{ .key = "ttl_min",
	  .type = CFG_DURATION,
	  .off = F(inspect.attribution_ttl_min_ms),
	  .def = "60s",
	  .min = 1000,
	  .max = 86400000,
	  .doc = "shortest life of a learned entry" },
	{ .key = "ttl_max",
	  .type = CFG_DURATION,
	  .off = F(inspect.attribution_ttl_max_ms),
	  .def = "1h",
	  .min = 1000,
	  .max = 604800000,
	  .doc = "longest life of a learned entry (DNS TTLs are clamped to it)" },
};
static const struct cfg_table attribution_table = CFG_TABLE("attribution", attribution_rows);

static const struct cfg_row inspect_rows[] = {
	{ .key = "contexts",
	  .type = CFG_UINT,
	  .off = F(inspect.contexts),
	  .size = 4,
	  .def = "65536",
	  .min = 16,
	  .max = 16777216,
	  .doc = "flows under inspection at once, per worker (beyond: see on_full)" },
	{ .key = "on_full",
	  .type = CFG_ENUM,
	  .off = F(inspect.on_full),
	  .sub = outcomes,
	  .def = "forward",
	  .doc = "packets of a flow that gets no inspection context (all in use): forward "
		 "(tracked, not inspected), or drop until one is free, so nothing crosses "
		 "uninspected" },
	{ .key = "identify",
	  .type = CFG_BOOL,
	  .off = F(inspect.identify),
	  .def = "true",
	  .doc = "identify applications" },
	{ .key = "catalogue",
	  .type = CFG_STRINGS,
	  .off = F(inspect.catalogue),
	  .size = CFG_PATH_MAX,
	  .count_off = F(inspect.ncatalogue),
	  .max_count = CFG_CATALOGUE_FILES,
	  .def = "apps.conf",
	  .doc = "application catalogue files, relative to this file (the shipped one, then the "
		 "admin's own)" },
	{ .key = "cache_dir",
	  .type = CFG_STRING,
	  .off = F(inspect.cache_dir),
	  .size = CFG_PATH_MAX,
	  .def = "/var/cache/bridgeward",
	  .doc = "where compiled Hyperscan databases are kept (empty: never cached)" },
	{ .key = "udp_datagrams",
	  .type = CFG_UINT,
	  .off = F(inspect.udp_datagrams),
	  .size = 4,
	  .def = "8",
	  .min = 1,
	  .max = 1000,
	  .doc = "datagrams per direction inspected before a UDP flow is left unknown" },
	{ .key = "depth",
	  .type = CFG_SIZE,
	  .off = F(inspect.depth),
	  .def = "16k",
	  .min = 256,
	  .max = 1ull << 30,
	  .doc = "bytes per TCP direction read for identification: a flow still undecided when "
		 "a direction has passed it (and no parser waits for more) is unknown and leaves "
		 "inspection" },
	{ .key = "tcp_packets",
	  .type = CFG_UINT,
	  .off = F(inspect.tcp_packets),
	  .size = 4,
	  .def = "64",
	  .min = 0,
	  .max = 1000000,
	  .doc = "packets of a TCP flow (both directions, retransmissions included) read for "
		 "identification: a flow still undecided after them (and no parser waiting for the "
		 "rest of a message) is unknown and leaves inspection; 0: no limit but depth" },
	{ .key = "streams",
	  .type = CFG_UINT,
	  .off = F(inspect.streams),
	  .size = 4,
	  .def = "32768",
	  .min = 16,
	  .max = 16777216,
	  .doc = "Hyperscan stream states per worker (TCP signatures)" },
	{ .key = "heads",
	  .type = CFG_UINT,
	  .off = F(inspect.heads),
	  .size = 4,
	  .def = "4096",
	  .min = 16,
	  .max = 1048576,
	  .doc = "8 KiB buffers per worker for handshakes spanning several segments" },
	{ .key = "attribution",
	  .type = CFG_GROUP,
	  .sub = &attribution_table,
	  .doc = "attribution cache" },
};

static const struct cfg_row events_rows[] = {
	{ .key = "ring",
	  .type = CFG_UINT,
	  .off = F(events.ring),
	  .size = 4,
	  .def = "16384",
	  .min = 64,
	  .max = 1048576,
	  .doc = "records a worker can queue for the control core" },
};

static const struct cfg_table bridge_table = CFG_TABLE("bridge", bridge_rows);
static const struct cfg_table log_table = CFG_TABLE("log", log_rows);
static const struct cfg_table decode_table = CFG_TABLE("decode", decode_rows);
static const struct cfg_table flow_table = CFG_TABLE("flow", flow_rows);
static const struct cfg_table stream_table = CFG_TABLE("stream", stream_rows);
static const struct cfg_table frag_table = CFG_TABLE("frag", frag_rows);
static const struct cfg_table inspect_table = CFG_TABLE("inspect", inspect_rows);
static const struct cfg_table events_table = CFG_TABLE("events", events_rows);

static const struct cfg_row top_rows[] = {
	{ .key = "bridge", .type = CFG_GROUP, .sub = &bridge_table, .doc = "forwarding" },
	{ .key = "log", .type = CFG_GROUP, .sub = &log_table, .doc = "event log" },
	{ .key = "decode", .type = CFG_GROUP, .sub = &decode_table, .doc = "packet decoding" },
	{ .key = "flow", .type = CFG_GROUP, .sub = &flow_table, .doc = "flow table" },
	{ .key = "stream", .type = CFG_GROUP, .sub = &stream_table, .doc = "TCP reassembly" },
	{ .key = "frag", .type = CFG_GROUP, .sub = &frag_table, .doc = "IP fragment reassembly" },
	{ .key = "inspect", .type = CFG_GROUP, .sub = &inspect_table, .doc = "inspection" },
	{ .key = "events",
	  .type = CFG_GROUP,
	  .sub = &events_table,
	  .doc = "worker to control core records" },
	{ .key = "policy",
	  .type = CFG_GROUP,
	  .sub = &cfg_policy_table,
	  .where_off = F(policy.where),
	  .doc = "enforcement: rules, first match wins" },
};

const struct cfg_table cfg_config_table = CFG_TABLE("config", top_rows);

int
cfg_config_load(const char *path, struct cfg_config *out, struct cfg_diag *d)
{
	return cfg_load_file(path, &cfg_config_table, out, sizeof(*out), d);
}

int
cfg_config_load_string(const char *text, const char *name, struct cfg_config *out,
		       struct cfg_diag *d)
{
	return cfg_load_string(text, name, &cfg_config_table, out, sizeof(*out), d);
}
