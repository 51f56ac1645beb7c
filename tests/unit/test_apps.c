/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config/apps.c: the shipped catalogue loads clean and whole; every mistake an admin can
 * make in a catalogue line is reported as "file:line: ..." naming the application (and the
 * signature) at fault; an admin's own file adds to the shipped one without touching it, and
 * an application defined in both names both places.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../config/apps.h"
#include "../support/support.h"

static struct cfg_catalogue cat;
static struct cfg_diag d;

static const struct cfg_app *
app_named(const char *name)
{
	for (unsigned i = 0; i < cat.napps; i++)
		if (strcmp(cat.apps[i].name, name) == 0)
			return &cat.apps[i];
	return NULL;
}

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

/*
 * One application whose body is the given lines, starting on line 2 of "t.conf":
 *   1 applications = (
 *   2   { name = "NAME"; category = "voip";
 *   3     LINE3
 *   ...
 */
static int
load_app(const char *name, const char *body)
{
	char text[4096];
	snprintf(text, sizeof(text),
		 "applications = (\n  { name = \"%s\"; category = \"voip\";\n%s\n  }\n);\n", name,
		 body);
	return cfg_catalogue_load_string(text, "t.conf", &cat, &d);
}

/* Exactly one message, at file:line, containing every needle (NULL-terminated). */
static void
expect_one(const char *at, ...)
{
	va_list ap;
	const char *needle;

	cr_assert_eq(d.n, 1, "expected one message, got %u:\n%s", d.n, all_msgs());
	cr_assert_eq(strncmp(d.msg[0], at, strlen(at)), 0, "expected \"%s...\", got \"%s\"", at,
		     d.msg[0]);
	va_start(ap, at);
	while ((needle = va_arg(ap, const char *)) != NULL)
		cr_assert_not_null(strstr(d.msg[0], needle), "\"%s\" not in \"%s\"", needle,
				   d.msg[0]);
	va_end(ap);
}

/* ---- the shipped catalogue ---- */

Test(apps, shipped_catalogue_loads_clean_with_its_eighteen_applications)
{
	static const char *const names[] = { "skype_teams", "zoom",       "webex",   "whatsapp",
					     "signal",      "telegram",   "viber",   "discord",
					     "anydesk",     "teamviewer", "rdp",     "ssh",
					     "tor",         "psiphon",    "openvpn", "wireguard",
					     "bittorrent",  "http_tunnel" };
	const char *files[] = { "config/apps.conf" };

	cr_assert_eq(cfg_catalogue_load(files, 1, ts_root(), &cat, &d), 0, "%s", all_msgs());
	cr_assert_eq(d.n, 0, "%s", all_msgs());
	cr_assert_eq(d.dropped, 0);
	cr_assert_eq(cat.napps, 18);
	for (unsigned i = 0; i < 18; i++)
		cr_assert_str_eq(cat.apps[i].name, names[i], "application %u", i);

	/* spot checks that the values arrive where the compiler reads them */
	const struct cfg_app *z = app_named("zoom");
	cr_assert_not_null(z);
	cr_assert_eq(z->category, CFG_CAT_VOIP);
	cr_assert_str_eq(cfg_category_name(z->category), "voip");
	bool wild = false;
	for (unsigned i = 0; i < z->nhosts; i++)
		wild |= strcmp(z->hosts[i], "*.zoom.us") == 0;
	cr_assert(wild, "zoom has *.zoom.us");
	cr_assert_str_eq(z->where.file, "./config/apps.conf");
	cr_assert_gt(z->where.line, 1);

	const struct cfg_app *tv = app_named("teamviewer");
	cr_assert_not_null(tv);
	cr_assert_eq(tv->category, CFG_CAT_REMOTE_ACCESS);
	bool weak = false;
	for (unsigned i = 0; i < tv->nsigs; i++)
		if (strcmp(tv->sigs[i].name, "teamviewer-client") == 0) {
			weak = tv->sigs[i].weak;
			cr_assert_eq(tv->sigs[i].proto, CFG_SIG_TCP);
			cr_assert_eq(tv->sigs[i].dir, CFG_DIR_TOSERVER);
			cr_assert_eq(tv->sigs[i].depth, 2);
		}
	cr_assert(weak, "teamviewer-client is weak");

	const struct cfg_app *tor = app_named("tor");
	cr_assert_not_null(tor);
	cr_assert_eq(tor->category, CFG_CAT_ANONYMIZER);
	cr_assert_eq(tor->nsigs, 1);
	cr_assert_eq(tor->sigs[0].proto, CFG_SIG_TLS);
	cr_assert_eq(tor->sigs[0].dir, CFG_DIR_ANY);
	cr_assert_eq(tor->sigs[0].offset, 0);
	cr_assert_eq(tor->sigs[0].depth, 44);
}

Test(apps, defaults_and_accepted_forms)
{
	cr_assert_eq(
		load_app("x",
			 "    hosts = [ \"x.example\", \"*.x.example\", \"mmr-*.x.example\", "
			 "\"*\", \"A-b_c.Example\" ];\n"
			 "    prefixes = [ \"192.0.2.0/24\", \"2001:db8::/32\", \"0.0.0.0/0\" ];\n"
			 "    ports = [ \"443\", \"tcp:1-65535\", \"udp:3478-3481\" ];\n"
			 "    prefix_ports = [ \"udp:8801-8810\" ];\n"
			 "    service_ports = [ \"tcp:22\" ];\n"
			 "    stun = { realms = [ \"x.example\" ]; attributes = [ 0x8055 ]; };\n"
			 "    signatures = ( { name = \"s\"; proto = \"udp\"; regex = \"^ab\"; } "
			 ");"),
		0, "%s", all_msgs());
	cr_assert_eq(d.n, 0);
	cr_assert_eq(cat.napps, 1);
	const struct cfg_app *a = &cat.apps[0];
	cr_assert_eq(a->nhosts, 5);
	cr_assert_eq(a->nprefixes, 3);
	cr_assert_eq(a->nports, 3);
	cr_assert_eq(a->stun.nattrs, 1);
	cr_assert_eq(a->stun.attrs[0], 0x8055);
	cr_assert_eq(a->nsigs, 1);
	cr_assert_eq(a->sigs[0].dir, CFG_DIR_ANY);
	cr_assert_eq(a->sigs[0].offset, 0);
	cr_assert_eq(a->sigs[0].depth, 0);
	cr_assert_str_eq(a->sigs[0].port, "");
	cr_assert(!a->sigs[0].weak);
	cr_assert(!a->sigs[0].caseless);
	cr_assert_str_eq(a->where.file, "t.conf");
	cr_assert_eq(a->where.line, 2);
	cr_assert_eq(a->sigs[0].where.line, 9);

	struct cfg_portrange r;
	cr_assert_eq(cfg_parse_portrange("udp:3478-3481", &r), 0);
	cr_assert_eq(r.proto, 17);
	cr_assert_eq(r.lo, 3478);
	cr_assert_eq(r.hi, 3481);
	cr_assert_eq(cfg_parse_portrange("443", &r), 0);
	cr_assert_eq(r.proto, 0);
	cr_assert_eq(r.lo, 443);
	cr_assert_eq(r.hi, 443);
	struct cfg_prefix p;
	cr_assert_eq(cfg_parse_prefix("2001:db8::/32", &p), 0);
	cr_assert_eq(p.family, 6);
	cr_assert_eq(p.len, 32);
	cr_assert_eq(p.addr[0], 0x20);
	cr_assert_eq(p.addr[3], 0xb8);
}

/* ---- one message per mistake, at the application's line, naming it ---- */

Test(apps, bad_host_pattern)
{
	static const char *const bad[] = { "zo om.us", "zoom..us",       ".zoom.us",
					   "zoom.us.", "zoom.us/x",      "zoom.us:443",
					   "",         "zo\xc3\xb6m.us", "zoom\\\\.us" };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char body[256];
		snprintf(body, sizeof(body), "    hosts = [ \"ok.example\", \"%s\" ];", bad[i]);
		cr_assert_eq(load_app("zoomish", body), -1, "\"%s\" accepted", bad[i]);
		expect_one("t.conf:2: ", "'zoomish'", "host pattern", NULL);
	}
}

Test(apps, bad_prefix)
{
	static const char *const bad[] = { "10.0.0.0",       "10.0.0.0/33", "10.0.0/8",
					   "10.0.0.0/",      "10.0.0.0/8x", "10.0.0.0/-1",
					   "2001:db8::/129", "zoom.us/24",  "/24" };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char body[256];
		snprintf(body, sizeof(body), "    prefixes = [ \"192.0.2.0/24\", \"%s\" ];",
			 bad[i]);
		cr_assert_eq(load_app("pfx", body), -1, "\"%s\" accepted", bad[i]);
		char quoted[64];
		snprintf(quoted, sizeof(quoted), "\"%s\"", bad[i]);
		expect_one("t.conf:2: ", "'pfx'", "prefix", quoted, NULL);
	}
}

Test(apps, bad_port_range_in_every_port_list)
{
	static const char *const keys[] = { "ports", "prefix_ports", "service_ports" };
	static const char *const what[] = { "port hint", "prefix port", "service port" };
	static const char *const bad[] = { "udp:70000", "udp:10-5",  "sctp:5", "tcp:",  "udp:1-",
					   "80,443",    "tcp:1-2-3", "udp:-5", "65536", "tcp:80x" };
	for (unsigned k = 0; k < 3; k++)
		for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char body[256], quoted[64];
			snprintf(body, sizeof(body), "    %s = [ \"tcp:443\", \"%s\" ];", keys[k],
				 bad[i]);
			cr_assert_eq(load_app("ports", body), -1, "%s \"%s\" accepted", keys[k],
				     bad[i]);
			snprintf(quoted, sizeof(quoted), "\"%s\"", bad[i]);
			expect_one("t.conf:2: ", "'ports'", what[k], quoted, NULL);
		}
}

Test(apps, bad_signature_port_names_the_signature_line)
{
	cr_assert_eq(load_app("sigport",
			      "    hosts = [ \"a.example\" ];\n"
			      "    signatures = (\n"
			      "      { name = \"one\"; proto = \"udp\"; regex = \"^a\"; },\n"
			      "      { name = \"two\"; proto = \"udp\"; regex = \"^b\"; port "
			      "= \"udp:9-1\"; }\n"
			      "    );"),
		     -1);
	expect_one("t.conf:6: ", "'sigport'", "'two'", "\"udp:9-1\"", NULL);
}

Test(apps, bad_stun_realm)
{
	/* realms are matched as a domain and its subdomains, literally: a '*' never matches */
	static const char *const bad[] = { "vi ber.com", "viber..com",  ".viber.com",
					   "viber.com.", "*.viber.com", "*" };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char body[256], quoted[64];
		snprintf(body, sizeof(body), "    stun = { realms = [ \"viber.com\", \"%s\" ]; };",
			 bad[i]);
		cr_assert_eq(load_app("viberish", body), -1, "realm \"%s\" accepted", bad[i]);
		snprintf(quoted, sizeof(quoted), "\"%s\"", bad[i]);
		expect_one("t.conf:2: ", "'viberish'", "realm", quoted, NULL);
	}
}

Test(apps, tls_signature_cannot_read_the_server_side)
{
	cr_assert_eq(load_app("hello",
			      "    signatures = (\n"
			      "      { name = \"h1\"; proto = \"tls\"; regex = \"^sni=a;\"; "
			      "dir = \"toserver\"; },\n"
			      "      { name = \"h2\"; proto = \"tls\"; regex = \"^sni=b;\"; "
			      "dir = \"toclient\"; }\n"
			      "    );"),
		     -1);
	expect_one("t.conf:5: ", "'hello'", "'h2'", "toclient", NULL);
}

Test(apps, depth_must_be_beyond_offset)
{
	static const struct {
		unsigned offset, depth;
		bool ok;
	} cases[] = {
		{ 4, 4, false }, { 8, 4, false }, { 4, 5, true }, { 4, 0, true }, { 0, 1, true }
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char body[256];
		snprintf(body, sizeof(body),
			 "    signatures = ( { name = \"d\"; proto = \"tcp\"; regex = \"x\"; "
			 "offset = %u; depth = %u; } );",
			 cases[i].offset, cases[i].depth);
		int rc = load_app("deep", body);
		if (cases[i].ok) {
			cr_assert_eq(rc, 0, "offset %u depth %u: %s", cases[i].offset,
				     cases[i].depth, all_msgs());
			cr_assert_eq(cat.apps[0].sigs[0].offset, cases[i].offset);
			cr_assert_eq(cat.apps[0].sigs[0].depth, cases[i].depth);
		} else {
			cr_assert_eq(rc, -1, "offset %u depth %u accepted", cases[i].offset,
				     cases[i].depth);
			expect_one("t.conf:3: ", "'deep'", "'d'", "depth", "offset", NULL);
		}
	}
}

Test(apps, unknown_key_suggests_the_right_one)
{
	cr_assert_eq(load_app("typo", "    host = [ \"a.example\" ];"), -1);
	expect_one("t.conf:3: ", "unknown key 'host'", "did you mean 'hosts'?", NULL);

	cr_assert_eq(load_app("typo", "    signatures = ( { name = \"s\"; proto = \"udp\";\n"
				      "      regexp = \"^a\"; } );"),
		     -1);
	/* the misspelt key, and the required one it leaves missing */
	cr_assert_eq(d.n, 2, "%s", all_msgs());
	cr_assert_not_null(strstr(all_msgs(), "t.conf:4: unknown key 'regexp'"), "%s", all_msgs());
	cr_assert_not_null(strstr(all_msgs(), "did you mean 'regex'?"), "%s", all_msgs());
	cr_assert_not_null(strstr(all_msgs(), "required key 'regex' is missing"), "%s", all_msgs());
}

Test(apps, wrong_enum_values_are_reported)
{
	cr_assert_eq(cfg_catalogue_load_string("applications = (\n"
					       "  { name = \"c\"; category = \"video\"; }\n);\n",
					       "t.conf", &cat, &d),
		     -1);
	expect_one("t.conf:2: ", "video", NULL);
	cr_assert_eq(load_app("p", "    signatures = ( { name = \"s\"; proto = \"sctp\"; "
				   "regex = \"a\"; } );"),
		     -1);
	expect_one("t.conf:3: ", "sctp", NULL);
}

Test(apps, every_mistake_of_an_application_is_reported_at_once)
{
	cr_assert_eq(load_app("many", "    hosts = [ \"bad host\" ];\n"
				      "    prefixes = [ \"10.0.0.0/40\" ];\n"
				      "    ports = [ \"udp:0-99999\" ];"),
		     -1);
	cr_assert_eq(d.n, 3, "%s", all_msgs());
	for (unsigned i = 0; i < 3; i++) {
		cr_assert_eq(strncmp(d.msg[i], "t.conf:2: ", 10), 0, "%s", d.msg[i]);
		cr_assert_not_null(strstr(d.msg[i], "'many'"), "%s", d.msg[i]);
	}
}

/* ---- several files ---- */

static char *dir;

static void
mkdir_setup(void)
{
	dir = ts_tmpdir("apps");
	cr_assert_not_null(dir);
}

static void
mkdir_teardown(void)
{
	ts_rmtree(dir);
	free(dir);
}

Test(apps, admin_file_adds_an_application_to_the_shipped_ones, .init = mkdir_setup,
     .fini = mkdir_teardown)
{
	char shipped[PATH_MAX], rel[512];
	snprintf(rel, sizeof(rel), "%s/config/apps.conf", ts_root());
	cr_assert_not_null(realpath(rel, shipped));
	char *mine =
		ts_write_file(dir, "mine.conf",
			      "# local\napplications = (\n"
			      "  { name = \"intranet_chat\"; category = \"chat\";\n"
			      "    hosts = [ \"chat.corp.example\" ]; ports = [ \"tcp:5222\" ]; }\n"
			      ");\n");
	cr_assert_not_null(mine);
	const char *files[] = { shipped, "mine.conf" };

	cr_assert_eq(cfg_catalogue_load(files, 2, dir, &cat, &d), 0, "%s", all_msgs());
	cr_assert_eq(d.n, 0);
	cr_assert_eq(cat.napps, 19);
	/* the shipped applications first and unchanged, the admin's after them */
	cr_assert_str_eq(cat.apps[0].name, "skype_teams");
	cr_assert_str_eq(cat.apps[17].name, "http_tunnel");
	cr_assert_str_eq(cat.apps[18].name, "intranet_chat");
	cr_assert_eq(cat.apps[18].category, CFG_CAT_CHAT);
	cr_assert_str_eq(cat.apps[18].hosts[0], "chat.corp.example");
	cr_assert_str_eq(cat.apps[18].where.file, mine);
	cr_assert_eq(cat.apps[18].where.line, 3);

	static struct cfg_catalogue alone;
	static struct cfg_diag d2;
	const char *one[] = { shipped };
	cr_assert_eq(cfg_catalogue_load(one, 1, NULL, &alone, &d2), 0);
	for (unsigned i = 0; i < 18; i++)
		cr_assert_eq(memcmp(&alone.apps[i], &cat.apps[i], sizeof(alone.apps[i])), 0,
			     "shipped application %s changed by the merge", alone.apps[i].name);
	free(mine);
}

Test(apps, application_defined_twice_names_both_places, .init = mkdir_setup, .fini = mkdir_teardown)
{
	char *a = ts_write_file(
		dir, "a.conf",
		"applications = (\n"
		"  { name = \"one\"; category = \"chat\"; },\n"
		"  { name = \"zoom\"; category = \"voip\"; hosts = [ \"zoom.us\" ]; }\n"
		");\n");
	char *b = ts_write_file(
		dir, "b.conf",
		"applications = (\n"
		"  { name = \"two\"; category = \"chat\"; },\n"
		"\n"
		"  { name = \"zoom\"; category = \"other\"; hosts = [ \"z.example\" ]; }\n"
		");\n");
	const char *files[] = { "a.conf", "b.conf" };
	char want[600];

	cr_assert_eq(cfg_catalogue_load(files, 2, dir, &cat, &d), -1);
	cr_assert_eq(d.n, 1, "%s", all_msgs());
	snprintf(want, sizeof(want), "%s:4: application 'zoom' is already defined at %s:3", b, a);
	cr_assert_str_eq(d.msg[0], want);
	/* the first definition stands, the second is not added */
	cr_assert_eq(cat.napps, 3);
	const struct cfg_app *z = app_named("zoom");
	cr_assert_not_null(z);
	cr_assert_str_eq(z->hosts[0], "zoom.us");
	free(a);
	free(b);
}

Test(apps, application_defined_twice_in_one_file)
{
	cr_assert_eq(cfg_catalogue_load_string("applications = (\n"
					       "  { name = \"x\"; category = \"chat\"; },\n"
					       "  { name = \"x\"; category = \"chat\"; }\n);\n",
					       "t.conf", &cat, &d),
		     -1);
	cr_assert_eq(d.n, 1, "%s", all_msgs());
	cr_assert_str_eq(d.msg[0], "t.conf:3: application 'x' is already defined at t.conf:2");
	cr_assert_eq(cat.napps, 1);
}

Test(apps, errors_in_one_file_do_not_hide_the_next, .init = mkdir_setup, .fini = mkdir_teardown)
{
	char *a = ts_write_file(dir, "a.conf",
				"applications = ( { name = \"a\"; category = 3; } );\n");
	char *b = ts_write_file(dir, "b.conf",
				"applications = (\n  { name = \"b\"; category = \"chat\"; "
				"hosts = [ \"b b\" ]; }\n);\n");
	const char *files[] = { "a.conf", "b.conf", "missing.conf" };
	char want[600];

	cr_assert_eq(cfg_catalogue_load(files, 3, dir, &cat, &d), -1);
	cr_assert_eq(d.n, 3, "%s", all_msgs());
	snprintf(want, sizeof(want), "%s:1: ", a);
	cr_assert_eq(strncmp(d.msg[0], want, strlen(want)), 0, "%s", d.msg[0]);
	snprintf(want, sizeof(want), "%s:2: application 'b': host pattern \"b b\"", b);
	cr_assert_eq(strncmp(d.msg[1], want, strlen(want)), 0, "%s", d.msg[1]);
	cr_assert_not_null(strstr(d.msg[2], "missing.conf"), "%s", d.msg[2]);
	free(a);
	free(b);
}
