/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Board profile schema and the checks that tie its parts together: port names are unique,
 * every segment pairs two distinct known ports, a port belongs to at most one segment, the
 * control core is not a worker, and the dispatch mode can feed every segment. Derived
 * fields (PCI or vdev, DPDK's name for the port, segment membership) are filled here so
 * that start-up code never parses strings again.
 */
#include "board.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define P(field) offsetof(struct board_port, field)
#define S(field) offsetof(struct board_segment, field)
#define B(field) offsetof(struct board_profile, field)

static const struct cfg_row port_rows[] = {
	{ .key = "name",
	  .type = CFG_STRING,
	  .off = P(name),
	  .size = BOARD_NAME_LEN,
	  .min = 1,
	  .flags = CFG_REQUIRED,
	  .doc = "port name used by segments, counters and logs" },
	{ .key = "dev",
	  .type = CFG_STRING,
	  .off = P(dev),
	  .size = BOARD_DEV_LEN,
	  .min = 1,
	  .flags = CFG_REQUIRED,
	  .doc = "PCI address (0000:01:00.0) or DPDK vdev string (net_pcap0,rx_pcap=...); ${var} "
		 "expands command-line values" },
	{ .key = "netdev",
	  .type = CFG_STRING,
	  .off = P(netdev),
	  .size = BOARD_NAME_LEN,
	  .def = "",
	  .doc = "kernel interface whose carrier is the port's link (default: iface= of "
		 "net_af_packet)" },
};
static const struct cfg_table port_table = CFG_TABLE("port", port_rows);

static const struct cfg_row segment_rows[] = {
	{ .key = "name",
	  .type = CFG_STRING,
	  .off = S(name),
	  .size = BOARD_NAME_LEN,
	  .min = 1,
	  .flags = CFG_REQUIRED,
	  .doc = "segment name" },
	{ .key = "ports",
	  .type = CFG_STRINGS,
	  .off = S(ports),
	  .size = BOARD_NAME_LEN,
	  .count_off = S(nports),
	  .max_count = 2,
	  .flags = CFG_REQUIRED,
	  .doc = "the two ports wired through the box" },
	{ .key = "inside",
	  .type = CFG_STRING,
	  .off = S(inside),
	  .size = BOARD_NAME_LEN,
	  .def = "",
	  .doc = "the port facing the enterprise (default: the first)" },
};
static const struct cfg_table segment_table = CFG_TABLE("segment", segment_rows);

static const struct cfg_row core_rows[] = {
	{ .key = "control",
	  .type = CFG_UINT,
	  .off = B(control_core),
	  .size = 4,
	  .def = "0",
	  .max = 1023,
	  .doc = "lcore of the control core (configuration, logs, console)" },
	{ .key = "workers",
	  .type = CFG_UINTS,
	  .off = B(workers),
	  .size = 4,
	  .max = 1023,
	  .count_off = B(nworkers),
	  .max_count = BOARD_MAX_WORKERS,
	  .flags = CFG_REQUIRED,
	  .doc = "lcores of the poll-mode workers" },
};
static const struct cfg_table core_table = CFG_TABLE("cores", core_rows);

static const char *const dispatch_names[] = { "rss", "segment", NULL };
static const char *const huge_names[] = { "auto", "on", "off", NULL };
static const char *const bypass_names[] = { "none", NULL };

static const struct cfg_row memory_rows[] = {
	{ .key = "hugepages",
	  .type = CFG_ENUM,
	  .off = B(memory.hugepages),
	  .sub = huge_names,
	  .def = "auto",
	  .doc = "use 2 MiB hugepages: auto (when enough are free and mounted), on, off" },
	{ .key = "mbufs",
	  .type = CFG_UINT,
	  .off = B(memory.mbufs),
	  .size = 4,
	  .def = "16384",
	  .min = 1024,
	  .max = 16777216,
	  .doc = "packet buffers in the pool" },
	{ .key = "mbuf_cache",
	  .type = CFG_UINT,
	  .off = B(memory.mbuf_cache),
	  .size = 4,
	  .def = "256",
	  .max = 512,
	  .doc = "per-core buffer cache" },
	{ .key = "no_huge_size",
	  .type = CFG_SIZE,
	  .off = B(memory.no_huge_bytes),
	  .def = "1g",
	  .min = 64ull << 20,
	  .max = 64ull << 30,
	  .doc = "EAL memory when running without hugepages" },
	{ .key = "buffer_size",
	  .type = CFG_SIZE,
	  .off = B(memory.buffer_size),
	  .def = "0",
	  .max = 65535,
	  .doc = "data room of a packet buffer, headroom included (0: from the MTU)" },
};
static const struct cfg_table memory_table = CFG_TABLE("memory", memory_rows);

static const struct cfg_row board_rows[] = {
	{ .key = "name",
	  .type = CFG_STRING,
	  .off = B(name),
	  .size = BOARD_NAME_LEN,
	  .min = 1,
	  .flags = CFG_REQUIRED,
	  .doc = "board name" },
	{ .key = "description",
	  .type = CFG_STRING,
	  .off = B(description),
	  .size = 256,
	  .def = "",
	  .doc = "free text" },
	{ .key = "ports",
	  .type = CFG_LIST,
	  .off = B(ports),
	  .size = sizeof(struct board_port),
	  .sub = &port_table,
	  .count_off = B(nports),
	  .max_count = BOARD_MAX_PORTS,
	  .where_off = P(where),
	  .flags = CFG_REQUIRED,
	  .doc = "the ports" },
	{ .key = "segments",
	  .type = CFG_LIST,
	  .off = B(segments),
	  .size = sizeof(struct board_segment),
	  .sub = &segment_table,
	  .count_off = B(nsegments),
	  .max_count = BOARD_MAX_SEGMENTS,
	  .where_off = S(where),
	  .flags = CFG_REQUIRED,
	  .doc = "pairs of ports bridged to each other" },
	{ .key = "cores",
	  .type = CFG_GROUP,
	  .sub = &core_table,
	  .flags = CFG_REQUIRED,
	  .where_off = B(cores_where),
	  .doc = "core map" },
	{ .key = "dispatch",
	  .type = CFG_ENUM,
	  .off = B(dispatch),
	  .sub = dispatch_names,
	  .def = "rss",
	  .doc = "rss: a queue pair per worker on every port (symmetric RSS); segment: one queue "
		 "per port, a segment per worker" },
	{ .key = "rx_desc",
	  .type = CFG_UINT,
	  .off = B(rx_desc),
	  .size = 4,
	  .def = "1024",
	  .min = 64,
	  .max = 32768,
	  .doc = "RX descriptors per queue" },
	{ .key = "tx_desc",
	  .type = CFG_UINT,
	  .off = B(tx_desc),
	  .size = 4,
	  .def = "1024",
	  .min = 64,
	  .max = 32768,
	  .doc = "TX descriptors per queue" },
	{ .key = "mtu",
	  .type = CFG_UINT,
	  .off = B(mtu),
	  .size = 4,
	  .def = "1500",
	  .min = 576,
	  .max = 9600,
	  .doc = "largest IP packet carried (jumbo: 9000)" },
	{ .key = "memory", .type = CFG_GROUP, .sub = &memory_table, .doc = "memory hints" },
	{ .key = "console",
	  .type = CFG_STRING,
	  .off = B(console),
	  .size = 64,
	  .def = "",
	  .doc = "serial console device (e.g. /dev/ttyS0)" },
	{ .key = "bypass",
	  .type = CFG_ENUM,
	  .off = B(bypass),
	  .sub = bypass_names,
	  .def = "none",
	  .doc = "bypass mechanism driven by worker heartbeats" },
};

const struct cfg_table board_table = CFG_TABLE("board", board_rows);

/* "0000:01:00.0" or "01:00.0" */
static bool
is_pci_address(const char *s)
{
	unsigned dom, bus, dev, fn;
	char end;

	if (sscanf(s, "%4x:%2x:%2x.%1u%c", &dom, &bus, &dev, &fn, &end) == 4)
		return true;
	return sscanf(s, "%2x:%2x.%1u%c", &bus, &dev, &fn, &end) == 3;
}

static void
derive_port(struct board_port *p)
{
	p->pci = is_pci_address(p->dev);
	if (p->pci) {
		unsigned dom = 0, bus, dev, fn;
		if (sscanf(p->dev, "%4x:%2x:%2x.%1u", &dom, &bus, &dev, &fn) != 4) {
			dom = 0;
			sscanf(p->dev, "%2x:%2x.%1u", &bus, &dev, &fn);
		}
		snprintf(p->ethdev_name, sizeof(p->ethdev_name), "%04x:%02x:%02x.%u", dom, bus, dev,
			 fn);
		return;
	}
	/* A vdev port is named by its driver instance, the text before the first comma. */
	size_t n = strcspn(p->dev, ",");
	snprintf(p->ethdev_name, sizeof(p->ethdev_name), "%.*s", (int)n, p->dev);
	if (p->netdev[0] == '\0' && strncmp(p->dev, "net_af_packet", 13) == 0) {
		const char *ifc = strstr(p->dev, ",iface=");
		if (ifc != NULL) {
			ifc += 7;
			snprintf(p->netdev, sizeof(p->netdev), "%.*s", (int)strcspn(ifc, ","), ifc);
		}
	}
}

static int
find_port(const struct board_profile *b, const char *name)
{
	for (unsigned i = 0; i < b->nports; i++)
		if (strcmp(b->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void
validate(struct board_profile *b, struct cfg_diag *d)
{
	for (unsigned i = 0; i < b->nports; i++) {
		struct board_port *p = &b->ports[i];
		p->segment = -1;
		if (find_port(b, p->name) != (int)i)
			cfg_diag_add(d, &p->where, "port '%s' is defined twice", p->name);
		derive_port(p);
	}
	for (unsigned s = 0; s < b->nsegments; s++) {
		struct board_segment *sg = &b->segments[s];
		for (unsigned t = 0; t < s; t++)
			if (strcmp(b->segments[t].name, sg->name) == 0)
				cfg_diag_add(d, &sg->where, "segment '%s' is defined twice",
					     sg->name);
		if (sg->nports != 2) {
			cfg_diag_add(d, &sg->where, "segment '%s' must name exactly two ports",
				     sg->name);
			continue;
		}
		for (unsigned k = 0; k < 2; k++) {
			int pi = find_port(b, sg->ports[k]);
			sg->port_idx[k] = pi;
			if (pi < 0) {
				cfg_diag_add(d, &sg->where, "segment '%s': unknown port '%s'",
					     sg->name, sg->ports[k]);
				continue;
			}
			if (b->ports[pi].segment >= 0) {
				cfg_diag_add(d, &sg->where,
					     "segment '%s': port '%s' is already in segment '%s'",
					     sg->name, sg->ports[k],
					     b->segments[b->ports[pi].segment].name);
				continue;
			}
			b->ports[pi].segment = (int)s;
			b->ports[pi].side = (int)k;
		}
		if (strcmp(sg->ports[0], sg->ports[1]) == 0)
			cfg_diag_add(d, &sg->where, "segment '%s' pairs port '%s' with itself",
				     sg->name, sg->ports[0]);
		sg->inside_side = 0;
		if (sg->inside[0] != '\0') {
			if (strcmp(sg->inside, sg->ports[1]) == 0)
				sg->inside_side = 1;
			else if (strcmp(sg->inside, sg->ports[0]) != 0)
				cfg_diag_add(
					d, &sg->where,
					"segment '%s': inside port '%s' is not one of its ports",
					sg->name, sg->inside);
		}
	}
	for (unsigned i = 0; i < b->nports; i++)
		if (b->ports[i].segment < 0)
			cfg_diag_add(d, &b->ports[i].where,
				     "port '%s' is not in any segment: a bridge port needs a peer",
				     b->ports[i].name);
	for (unsigned w = 0; w < b->nworkers; w++) {
		if (b->workers[w] == b->control_core)
			cfg_diag_add(d, &b->cores_where,
				     "cores: lcore %u is both the control core and a worker",
				     b->control_core);
		for (unsigned v = 0; v < w; v++)
			if (b->workers[v] == b->workers[w])
				cfg_diag_add(d, &b->cores_where,
					     "cores: worker lcore %u is listed twice",
					     b->workers[w]);
	}
	if (b->nworkers == 0)
		cfg_diag_add(d, &b->cores_where, "cores: at least one worker is needed");
	if (b->memory.buffer_size != 0 && b->memory.buffer_size < 128 + board_max_frame(b))
		cfg_diag_add(
			d, &b->where,
			"memory.buffer_size %llu cannot hold a %u-byte frame (mtu %u) after the "
			"128-byte headroom",
			(unsigned long long)b->memory.buffer_size, board_max_frame(b), b->mtu);
}

static int
finish(int rc, const char *name, struct board_profile *b, struct cfg_diag *d)
{
	snprintf(b->where.file, sizeof(b->where.file), "%s", name);
	b->where.line = 0;
	if (rc != 0)
		return -1;
	validate(b, d);
	return d->n > 0 ? -1 : 0;
}

int
board_load(const char *path, struct board_profile *b, struct cfg_diag *d)
{
	return finish(cfg_load_file(path, &board_table, b, sizeof(*b), d), path, b, d);
}

int
board_load_string(const char *text, const char *name, struct board_profile *b, struct cfg_diag *d)
{
	return finish(cfg_load_string(text, name, &board_table, b, sizeof(*b), d), name, b, d);
}

int
board_resolve(struct board_profile *b, const struct board_var *vars, unsigned nvars,
	      struct cfg_diag *d)
{
	unsigned before = d->n;

	for (unsigned i = 0; i < b->nports; i++) {
		struct board_port *p = &b->ports[i];
		char out[BOARD_DEV_LEN];
		size_t o = 0;
		const char *s = p->dev;
		bool bad = false;

		while (*s != '\0' && o + 1 < sizeof(out)) {
			if (s[0] != '$' || s[1] != '{') {
				out[o++] = *s++;
				continue;
			}
			const char *end = strchr(s, '}');
			if (end == NULL) {
				cfg_diag_add(d, &p->where, "port '%s': unterminated ${ in dev",
					     p->name);
				bad = true;
				break;
			}
			size_t n = (size_t)(end - s - 2);
			unsigned v;
			for (v = 0; v < nvars; v++)
				if (strlen(vars[v].name) == n &&
				    strncmp(vars[v].name, s + 2, n) == 0)
					break;
			if (v == nvars) {
				cfg_diag_add(d, &p->where,
					     "port '%s': unknown variable ${%.*s} in dev", p->name,
					     (int)n, s + 2);
				bad = true;
				break;
			}
			if (vars[v].value == NULL) {
				cfg_diag_add(
					d, &p->where,
					"port '%s': dev uses ${%s}: give %s on the command line",
					p->name, vars[v].name, vars[v].option);
				bad = true;
				break;
			}
			if (strchr(vars[v].value, ',') != NULL) {
				cfg_diag_add(
					d, &p->where,
					"port '%s': %s '%s' contains a comma, which DPDK device "
					"arguments cannot carry",
					p->name, vars[v].option, vars[v].value);
				bad = true;
				break;
			}
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s", vars[v].value);
			s = end + 1;
		}
		if (bad)
			continue; /* leave dev as written, for the next attempt's messages */
		if (o >= sizeof(out) - 1) {
			cfg_diag_add(d, &p->where, "port '%s': dev is too long after expansion",
				     p->name);
			continue;
		}
		out[o] = '\0';
		memcpy(p->dev, out, o + 1);
		derive_port(p);
	}
	return d->n > before ? -1 : 0;
}

uint32_t
board_max_frame(const struct board_profile *b)
{
	return b->mtu + 14 /* Ethernet */ + 2 * 4 /* QinQ */ + 4 /* FCS */;
}

uint32_t
board_buffer_size(const struct board_profile *b)
{
	if (b->memory.buffer_size != 0)
		return (uint32_t)b->memory.buffer_size;
	/* RTE_PKTMBUF_HEADROOM (128) plus the frame, in whole KiB; never below DPDK's
	 * default of 2048 + 128. */
	uint32_t room = (128 + board_max_frame(b) + 1023) & ~1023u;
	return room < 2176 ? 2176 : room;
}
