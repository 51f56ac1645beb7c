/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CFG_APPS_H
#define CFG_APPS_H

/*
 * The application catalogue: what Bridgeward knows about each application it controls.
 *
 * Files (config/apps.conf shipped, plus the admin's own, named by inspect.catalogue) list
 * applications, each with a category, host-name patterns (matched against TLS SNI, HTTP
 * Host, DNS names and certificate names), payload signatures (Hyperscan expressions) for
 * TCP streams and UDP datagrams with direction, offset and depth, STUN/TURN rules,
 * published service prefixes, and port hints (a port alone never decides). Every entry
 * names its public source in a comment.
 *
 * Loading merges the files in order; an application defined twice is an error naming both
 * places. The result is a plain struct the snapshot builder compiles (Hyperscan databases,
 * prefix tables); libconfig is not seen outside config/.
 *
 * Thread: control core.
 */

#include <stdbool.h>
#include <stdint.h>

#include "schema.h"

#define CFG_APP_MAX        96
#define CFG_APP_NAME       32
#define CFG_APP_HOSTS      160
#define CFG_APP_HOST_LEN   128
#define CFG_APP_PREFIXES   640
#define CFG_APP_SIGS       24
#define CFG_APP_SIG_LEN    384
#define CFG_APP_PORTS      32
#define CFG_APP_STUN_ATTRS 16
#define CFG_APP_STUN_SW    8
#define CFG_APP_STUN_REALM 8

enum cfg_category {
	CFG_CAT_VOIP,
	CFG_CAT_CHAT,
	CFG_CAT_REMOTE_ACCESS,
	CFG_CAT_ANONYMIZER,
	CFG_CAT_VPN,
	CFG_CAT_P2P,
	CFG_CAT_TUNNEL,
	CFG_CAT_OTHER,
	CFG_CAT__COUNT
};

/* tcp: a reassembled direction; udp: a datagram; tls: the line "sni=NAME;alpn=A,B;" made
 * from a TLS or QUIC ClientHello (no SNI: "sni=;"). */
enum cfg_sig_proto { CFG_SIG_TCP, CFG_SIG_UDP, CFG_SIG_TLS };
enum cfg_sig_dir { CFG_DIR_ANY, CFG_DIR_TOSERVER, CFG_DIR_TOCLIENT };

struct cfg_app_sig {
	char name[48]; /* shown as evidence */
	int proto;     /* enum cfg_sig_proto */
	int dir;       /* enum cfg_sig_dir */
	char regex[CFG_APP_SIG_LEN];
	uint32_t offset; /* match must start at or after this byte */
	uint32_t depth;  /* and end within this many bytes (0: the inspection depth) */
	char port[24];   /* "" or a port hint the match also needs: "udp:3478-3481" */
	bool caseless;
	bool weak; /* decides only with a second weak match or the application's port hint */
	struct cfg_where where;
};

struct cfg_app_stun {
	uint32_t attrs[CFG_APP_STUN_ATTRS]; /* any of these attribute types decides */
	unsigned nattrs;
	uint32_t types[CFG_APP_STUN_ATTRS]; /* any of these message types decides */
	unsigned ntypes;
	char software[CFG_APP_STUN_SW][64]; /* SOFTWARE attribute substrings */
	unsigned nsoftware;
	char realms[CFG_APP_STUN_REALM][64]; /* REALM attribute: a domain (and below) */
	unsigned nrealms;
};

struct cfg_app {
	char name[CFG_APP_NAME];
	int category; /* enum cfg_category */
	char description[128];
	char hosts[CFG_APP_HOSTS][CFG_APP_HOST_LEN];
	unsigned nhosts;
	char prefixes[CFG_APP_PREFIXES][48];
	unsigned nprefixes;
	struct cfg_app_sig sigs[CFG_APP_SIGS];
	unsigned nsigs;
	struct cfg_app_stun stun;
	char ports[CFG_APP_PORTS][24];
	unsigned nports;
	char prefix_ports[CFG_APP_PORTS][24]; /* a prefix decides only for these (none: all) */
	unsigned nprefix_ports;
	char service_ports[CFG_APP_PORTS][24]; /* registered ports: payload-less flows */
	unsigned nservice_ports;
	struct cfg_where where;
};

struct cfg_catalogue {
	struct cfg_app apps[CFG_APP_MAX];
	unsigned napps;
};

/* Parsed forms, for the compiler. */
struct cfg_prefix {
	int family; /* 4 or 6 */
	uint8_t addr[16];
	uint8_t len;
};
struct cfg_portrange {
	uint8_t proto; /* 6 or 17, 0 = either */
	uint16_t lo, hi;
};

int cfg_parse_prefix(const char *s, struct cfg_prefix *out);
int cfg_parse_portrange(const char *s, struct cfg_portrange *out);

/*
 * Load the catalogue files (paths relative to base_dir when not absolute) into out,
 * merging them. Returns 0, or -1 with file:line messages in d.
 */
int cfg_catalogue_load(const char *const *files, unsigned nfiles, const char *base_dir,
		       struct cfg_catalogue *out, struct cfg_diag *d);

/* One file from a string (tests). */
int cfg_catalogue_load_string(const char *text, const char *name, struct cfg_catalogue *out,
			      struct cfg_diag *d);

const char *cfg_category_name(int c);

extern const struct cfg_table cfg_apps_table;

#endif /* CFG_APPS_H */
