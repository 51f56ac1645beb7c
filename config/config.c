/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main configuration's schema: one row per key, defaults in one place (the rows), and
 * the cross-field checks the rows cannot express in validate().
 */
#include "config.h"

#include <stddef.h>

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
	  .def = "32",
	  .min = 1,
	  .max = 64,
	  .doc = "frames per RX burst" },
	{ .key = "tx_retries",
	  .type = CFG_UINT,
	  .off = F(bridge.tx_retries),
	  .size = 4,
	  .def = "8",
	  .max = 1000,
	  .doc = "extra TX attempts for frames a device refused before they are dropped and "
		 "counted" },
};

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
};

static const char *const outcomes[] = { "forward", "drop", NULL };
static const char *const csum_modes[] = { "verify", "ignore", NULL };

static const struct cfg_row decode_rows[] = {
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
	  .doc = "track flows (off: forward without looking, as a plain bridge)" },
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
	  .doc = "flows under inspection at once, per worker (beyond: tracked, not inspected)" },
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
