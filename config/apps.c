/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Catalogue schema and loading. Each file is loaded through the schema into a scratch
 * catalogue, then its applications are appended to the result after the checks a row
 * cannot express: names unique across files, host patterns well formed, prefixes and port
 * ranges parseable, signatures with a direction that makes sense for their protocol.
 * Expressions themselves are checked by Hyperscan when the snapshot is compiled.
 */
#include "apps.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const category_names[] = { "voip",       "chat",  "remote_access",
					      "anonymizer", "vpn",   "p2p",
					      "tunnel",     "other", NULL };
static const char *const sig_protos[] = { "tcp", "udp", "tls", NULL };
static const char *const sig_dirs[] = { "any", "toserver", "toclient", NULL };

const char *
cfg_category_name(int c)
{
	return c >= 0 && c < CFG_CAT__COUNT ? category_names[c] : "other";
}

#define S(f) offsetof(struct cfg_app_sig, f)
static const struct cfg_row sig_rows[] = {
	{ .key = "name",
	  .type = CFG_STRING,
	  .off = S(name),
	  .size = 48,
	  .min = 1,
	  .flags = CFG_REQUIRED,
	  .doc = "signature name, shown as evidence" },
	{ .key = "proto",
	  .type = CFG_ENUM,
	  .off = S(proto),
	  .sub = sig_protos,
	  .flags = CFG_REQUIRED,
	  .doc = "tcp (reassembled stream) or udp (each datagram)" },
	{ .key = "dir",
	  .type = CFG_ENUM,
	  .off = S(dir),
	  .sub = sig_dirs,
	  .def = "any",
	  .doc = "toserver (from the side that opened the flow), toclient, or any" },
	{ .key = "regex",
	  .type = CFG_STRING,
	  .off = S(regex),
	  .size = CFG_APP_SIG_LEN,
	  .min = 1,
	  .flags = CFG_REQUIRED,
	  .doc = "Hyperscan (PCRE subset) expression over payload bytes" },
	{ .key = "offset",
	  .type = CFG_UINT,
	  .off = S(offset),
	  .size = 4,
	  .def = "0",
	  .max = 65535,
	  .doc = "the match starts at or after this byte" },
	{ .key = "depth",
	  .type = CFG_UINT,
	  .off = S(depth),
	  .size = 4,
	  .def = "0",
	  .max = 65535,
	  .doc = "the match ends within this many bytes (0: inspection depth)" },
	{ .key = "port",
	  .type = CFG_STRING,
	  .off = S(port),
	  .size = 24,
	  .def = "",
	  .doc = "a server port range the flow must also use, e.g. \"udp:50000-59999\"" },
	{ .key = "caseless",
	  .type = CFG_BOOL,
	  .off = S(caseless),
	  .def = "false",
	  .doc = "match letters in either case" },
	{ .key = "weak",
	  .type = CFG_BOOL,
	  .off = S(weak),
	  .def = "false",
	  .doc = "too short to decide alone: needs a second weak match of the application (another "
		 "message, the other direction) or a flow on one of its port hints" },
};
static const struct cfg_table sig_table = CFG_TABLE("signature", sig_rows);

#define A(f) offsetof(struct cfg_app, f)
static const struct cfg_row stun_rows[] = {
	{ .key = "attributes",
	  .type = CFG_UINTS,
	  .off = A(stun.attrs),
	  .size = 4,
	  .count_off = A(stun.nattrs),
	  .max_count = CFG_APP_STUN_ATTRS,
	  .max = 65535,
	  .doc = "STUN attribute types (e.g. Microsoft's 0x8054) that identify the application" },
	{ .key = "types",
	  .type = CFG_UINTS,
	  .off = A(stun.types),
	  .size = 4,
	  .count_off = A(stun.ntypes),
	  .max_count = CFG_APP_STUN_ATTRS,
	  .max = 0x3fff,
	  .doc = "STUN message types outside the standard methods that identify the application" },
	{ .key = "software",
	  .type = CFG_STRINGS,
	  .off = A(stun.software),
	  .size = 64,
	  .count_off = A(stun.nsoftware),
	  .max_count = CFG_APP_STUN_SW,
	  .doc = "substrings of the STUN SOFTWARE attribute" },
	{ .key = "realms",
	  .type = CFG_STRINGS,
	  .off = A(stun.realms),
	  .size = 64,
	  .count_off = A(stun.nrealms),
	  .max_count = CFG_APP_STUN_REALM,
	  .doc = "TURN REALM domains (\"viber.com\" matches it and its subdomains)" },
};
static const struct cfg_table stun_table = CFG_TABLE("stun", stun_rows);

static const struct cfg_row app_rows[] = {
	{ .key = "name",
	  .type = CFG_STRING,
	  .off = A(name),
	  .size = CFG_APP_NAME,
	  .min = 1,
	  .flags = CFG_REQUIRED,
	  .doc = "canonical name (skype_teams, zoom, ...)" },
	{ .key = "category",
	  .type = CFG_ENUM,
	  .off = A(category),
	  .sub = category_names,
	  .flags = CFG_REQUIRED,
	  .doc = "for policy rules" },
	{ .key = "description",
	  .type = CFG_STRING,
	  .off = A(description),
	  .size = 128,
	  .def = "",
	  .doc = "free text" },
	{ .key = "hosts",
	  .type = CFG_STRINGS,
	  .off = A(hosts),
	  .size = CFG_APP_HOST_LEN,
	  .count_off = A(nhosts),
	  .max_count = CFG_APP_HOSTS,
	  .doc = "host names: \"zoom.us\" exactly, \"*.zoom.us\" that domain and below, \"*\" one "
		 "label part (\"mmr-*.example.com\")" },
	{ .key = "prefixes",
	  .type = CFG_STRINGS,
	  .off = A(prefixes),
	  .size = 48,
	  .count_off = A(nprefixes),
	  .max_count = CFG_APP_PREFIXES,
	  .doc = "published service prefixes (IPv4 and IPv6 CIDR)" },
	{ .key = "signatures",
	  .type = CFG_LIST,
	  .off = A(sigs),
	  .size = sizeof(struct cfg_app_sig),
	  .sub = &sig_table,
	  .count_off = A(nsigs),
	  .max_count = CFG_APP_SIGS,
	  .where_off = S(where),
	  .doc = "payload signatures" },
	{ .key = "stun", .type = CFG_GROUP, .sub = &stun_table, .doc = "STUN/TURN rules" },
	{ .key = "ports",
	  .type = CFG_STRINGS,
	  .off = A(ports),
	  .size = 24,
	  .count_off = A(nports),
	  .max_count = CFG_APP_PORTS,
	  .doc = "port hints (\"udp:3478-3481\", \"tcp:443\"): supporting evidence only" },
	{ .key = "prefix_ports",
	  .type = CFG_STRINGS,
	  .off = A(prefix_ports),
	  .size = 24,
	  .count_off = A(nprefix_ports),
	  .max_count = CFG_APP_PORTS,
	  .doc = "the prefixes decide only flows to these server ports (empty: any); elsewhere a "
		 "prefix decides only a TLS session that names no server" },
	{ .key = "service_ports",
	  .type = CFG_STRINGS,
	  .off = A(service_ports),
	  .size = 24,
	  .count_off = A(nservice_ports),
	  .max_count = CFG_APP_PORTS,
	  .doc = "the protocol's registered ports: a flow that ends without any payload to one "
		 "of them is reported with confidence \"port\"" },
};
static const struct cfg_table app_table = CFG_TABLE("application", app_rows);

#define C(f) offsetof(struct cfg_catalogue, f)
static const struct cfg_row top_rows[] = {
	{ .key = "applications",
	  .type = CFG_LIST,
	  .off = C(apps),
	  .size = sizeof(struct cfg_app),
	  .sub = &app_table,
	  .count_off = C(napps),
	  .max_count = CFG_APP_MAX,
	  .where_off = A(where),
	  .flags = CFG_REQUIRED,
	  .doc = "the applications" },
};
const struct cfg_table cfg_apps_table = CFG_TABLE("catalogue", top_rows);

int
cfg_parse_prefix(const char *s, struct cfg_prefix *out)
{
	char addr[64];
	const char *slash = strchr(s, '/');
	char *end;

	memset(out, 0, sizeof(*out));
	if (slash == NULL || (size_t)(slash - s) >= sizeof(addr))
		return -1;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	long len = strtol(slash + 1, &end, 10);
	if (*end != '\0' || end == slash + 1)
		return -1;
	if (inet_pton(AF_INET, addr, out->addr) == 1) {
		out->family = 4;
		if (len < 0 || len > 32)
			return -1;
	} else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
		out->family = 6;
		if (len < 0 || len > 128)
			return -1;
	} else {
		return -1;
	}
	out->len = (uint8_t)len;
	return 0;
}

int
cfg_parse_portrange(const char *s, struct cfg_portrange *out)
{
	char *end;
	const char *p = s;

	memset(out, 0, sizeof(*out));
	if (strncmp(p, "tcp:", 4) == 0) {
		out->proto = 6;
		p += 4;
	} else if (strncmp(p, "udp:", 4) == 0) {
		out->proto = 17;
		p += 4;
	}
	long lo = strtol(p, &end, 10), hi = lo;
	if (end == p || lo < 0 || lo > 65535)
		return -1;
	if (*end == '-') {
		const char *q = end + 1;
		hi = strtol(q, &end, 10);
		if (end == q || hi < lo || hi > 65535)
			return -1;
	}
	if (*end != '\0')
		return -1;
	out->lo = (uint16_t)lo;
	out->hi = (uint16_t)hi;
	return 0;
}

/* Host patterns: labels of [a-z0-9-_], '*' within a label or "*." leading, or "*" alone. */
static bool
host_pattern_ok(const char *h)
{
	size_t n = strlen(h);
	if (n == 0 || h[0] == '.' || h[n - 1] == '.' || strstr(h, "..") != NULL)
		return false;
	for (const char *p = h; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (!(isalnum(c) || c == '.' || c == '-' || c == '_' || c == '*'))
			return false;
	}
	return true;
}

static void
check_app(const struct cfg_app *a, struct cfg_diag *d)
{
	for (unsigned i = 0; i < a->nhosts; i++)
		if (!host_pattern_ok(a->hosts[i]))
			cfg_diag_add(d, &a->where,
				     "application '%s': host pattern \"%s\" is not a host name "
				     "(letters, digits, '-', '.', '*')",
				     a->name, a->hosts[i]);
	for (unsigned i = 0; i < a->nprefixes; i++) {
		struct cfg_prefix p;
		if (cfg_parse_prefix(a->prefixes[i], &p) != 0)
			cfg_diag_add(d, &a->where,
				     "application '%s': prefix \"%s\" is not ADDRESS/LENGTH",
				     a->name, a->prefixes[i]);
	}
	for (unsigned i = 0; i < a->nports; i++) {
		struct cfg_portrange r;
		if (cfg_parse_portrange(a->ports[i], &r) != 0)
			cfg_diag_add(
				d, &a->where,
				"application '%s': port hint \"%s\" is not [tcp:|udp:]PORT[-PORT]",
				a->name, a->ports[i]);
	}
	const struct {
		const char (*list)[24];
		unsigned n;
		const char *what;
	} plists[] = { { a->prefix_ports, a->nprefix_ports, "prefix port" },
		       { a->service_ports, a->nservice_ports, "service port" } };
	for (unsigned k = 0; k < 2; k++)
		for (unsigned i = 0; i < plists[k].n; i++) {
			struct cfg_portrange r;
			if (cfg_parse_portrange(plists[k].list[i], &r) != 0)
				cfg_diag_add(d, &a->where,
					     "application '%s': %s \"%s\" is not "
					     "[tcp:|udp:]PORT[-PORT]",
					     a->name, plists[k].what, plists[k].list[i]);
		}
	/* a realm is matched literally (it and its subdomains): a '*' would never match */
	for (unsigned i = 0; i < a->stun.nrealms; i++)
		if (!host_pattern_ok(a->stun.realms[i]) || strchr(a->stun.realms[i], '*') != NULL)
			cfg_diag_add(d, &a->where,
				     "application '%s': STUN realm \"%s\" is not a domain name",
				     a->name, a->stun.realms[i]);
	for (unsigned i = 0; i < a->nsigs; i++) {
		const struct cfg_app_sig *s = &a->sigs[i];
		if (s->proto == CFG_SIG_TLS && s->dir == CFG_DIR_TOCLIENT)
			cfg_diag_add(d, &s->where,
				     "application '%s' signature '%s': a \"tls\" signature reads "
				     "the client's hello: dir cannot be \"toclient\"",
				     a->name, s->name);
		struct cfg_portrange r;
		if (s->port[0] != '\0' && cfg_parse_portrange(s->port, &r) != 0)
			cfg_diag_add(d, &s->where,
				     "application '%s' signature '%s': port \"%s\" is not "
				     "[tcp:|udp:]PORT[-PORT]",
				     a->name, s->name, s->port);
		if (s->depth != 0 && s->depth <= s->offset)
			cfg_diag_add(d, &s->where,
				     "application '%s' signature '%s': depth %u must be beyond "
				     "offset %u",
				     a->name, s->name, s->depth, s->offset);
	}
}

static int
merge(struct cfg_catalogue *out, const struct cfg_catalogue *part, struct cfg_diag *d)
{
	unsigned before = d->n;

	for (unsigned i = 0; i < part->napps; i++) {
		const struct cfg_app *a = &part->apps[i];
		bool dup = false;
		for (unsigned k = 0; k < out->napps; k++) {
			if (strcmp(out->apps[k].name, a->name) == 0) {
				cfg_diag_add(d, &a->where,
					     "application '%s' is already defined at %s:%u",
					     a->name, out->apps[k].where.file,
					     out->apps[k].where.line);
				dup = true;
			}
		}
		check_app(a, d);
		if (dup)
			continue;
		if (out->napps == CFG_APP_MAX) {
			cfg_diag_add(d, &a->where, "more than %d applications", CFG_APP_MAX);
			break;
		}
		out->apps[out->napps++] = *a;
	}
	return d->n > before ? -1 : 0;
}

int
cfg_catalogue_load(const char *const *files, unsigned nfiles, const char *base_dir,
		   struct cfg_catalogue *out, struct cfg_diag *d)
{
	struct cfg_catalogue *part = malloc(sizeof(*part));
	int rc = 0;

	memset(out, 0, sizeof(*out));
	memset(d, 0, sizeof(*d));
	if (part == NULL)
		return -1;
	for (unsigned i = 0; i < nfiles; i++) {
		char path[1024];
		struct cfg_diag fd;
		if (files[i][0] == '/' || base_dir == NULL || base_dir[0] == '\0')
			snprintf(path, sizeof(path), "%s", files[i]);
		else
			snprintf(path, sizeof(path), "%s/%s", base_dir, files[i]);
		if (cfg_load_file(path, &cfg_apps_table, part, sizeof(*part), &fd) != 0) {
			for (unsigned k = 0; k < fd.n; k++)
				cfg_diag_add(d, NULL, "%s", fd.msg[k]);
			rc = -1;
			continue;
		}
		if (merge(out, part, d) != 0)
			rc = -1;
	}
	free(part);
	return rc;
}

int
cfg_catalogue_load_string(const char *text, const char *name, struct cfg_catalogue *out,
			  struct cfg_diag *d)
{
	struct cfg_catalogue *part = malloc(sizeof(*part));
	int rc;

	memset(out, 0, sizeof(*out));
	if (part == NULL)
		return -1;
	rc = cfg_load_string(text, name, &cfg_apps_table, part, sizeof(*part), d);
	if (rc == 0)
		rc = merge(out, part, d);
	free(part);
	return rc;
}
