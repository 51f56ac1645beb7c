/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/policy.c: rules load from the configuration, every field matches what it says
 * and nothing else, first match wins, a rule that needs identification makes an undecided
 * flow wait, time windows follow the local clock, bad rules are refused at file:line.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../board/board.h"
#include "../../config/apps.h"
#include "../../config/config.h"
#include "../../dataplane/identify.h"
#include "../../dataplane/policy.h"

static struct cfg_config c;
static struct cfg_catalogue cat;
static struct board_profile b;
static struct cfg_diag d;
static struct dp_policy *p;

static const char catalogue[] =
	"applications = (\n"
	"  { name = \"zoom\"; category = \"voip\"; hosts = [ \"zoom.us\" ]; },\n"
	"  { name = \"tor\"; category = \"anonymizer\"; },\n"
	"  { name = \"openvpn\"; category = \"vpn\"; }\n"
	");\n";
static const char board[] = "name = \"t\";\n"
			    "ports = ( { name = \"a\"; dev = \"net_null0\"; },\n"
			    "          { name = \"b\"; dev = \"net_null1\"; },\n"
			    "          { name = \"c\"; dev = \"net_null2\"; },\n"
			    "          { name = \"e\"; dev = \"net_null3\"; } );\n"
			    "segments = ( { name = \"lan\"; ports = [ \"a\", \"b\" ]; },\n"
			    "             { name = \"dmz\"; ports = [ \"c\", \"e\" ]; } );\n"
			    "cores = { control = 0; workers = [ 1 ]; };\n";

static void
setup(void)
{
	cr_assert_eq(cfg_catalogue_load_string(catalogue, "apps.conf", &cat, &d), 0, "%s",
		     d.msg[0]);
	cr_assert_eq(board_load_string(board, "b.conf", &b, &d), 0, "%s", d.msg[0]);
}

static void
teardown(void)
{
	dp_policy_free(p);
	p = NULL;
}

/* Compile a policy group; returns dp_policy_build's result (messages in d). */
static int
build(const char *policy)
{
	char text[8192];
	snprintf(text, sizeof(text), "policy = {\n%s\n};\n", policy);
	memset(&d, 0, sizeof(d));
	if (cfg_config_load_string(text, "bw.conf", &c, &d) != 0)
		return -2;
	dp_policy_free(p);
	p = NULL;
	return dp_policy_build(&c.policy, &cat, &b, &p, &d);
}

static bool
has_msg(const char *msg)
{
	for (unsigned i = 0; i < d.n; i++)
		if (strcmp(d.msg[i], msg) == 0)
			return true;
	return false;
}

static uint8_t cl4[4], sv4[4], cl6[16], sv6[16];

/* A decided IPv4 TCP flow 10.20.1.5:40000 -> 93.184.216.34:443 of app (id, 0 none). */
static struct dp_policy_flow
flow4(uint8_t app)
{
	inet_pton(AF_INET, "10.20.1.5", cl4);
	inet_pton(AF_INET, "93.184.216.34", sv4);
	return (struct dp_policy_flow){ .family = 4,
					.proto = 6,
					.client = cl4,
					.server = sv4,
					.cport = 40000,
					.sport = 443,
					.identified = true,
					.app = app,
					.master = DP_M_TLS,
					.conf = DP_CONF_DPI,
					/* Wednesday 2026-01-07 10:30 UTC */
					.now_us = 1767781800ull * 1000000 };
}

#define RULE(name) (p->nrules > 0 ? (int)rule_index(name) : -9)

static unsigned
rule_index(const char *name)
{
	for (unsigned i = 0; i < p->nrules; i++)
		if (strcmp(p->rule[i].name, name) == 0)
			return i;
	return p->nrules;
}

TestSuite(policy, .init = setup, .fini = teardown);

Test(policy, example_from_the_docs_loads)
{
	cr_assert_eq(
		build("default = \"allow\";\n"
		      "rules = (\n"
		      "  { name = \"no-zoom\"; app = [ \"zoom\" ]; action = \"reset\"; },\n"
		      "  { name = \"vpn-staff\"; category = [ \"vpn\" ]; src = [ "
		      "\"10.20.0.0/16\" ]; action = \"allow\"; },\n"
		      "  { name = \"no-anon\"; category = [ \"anonymizer\", \"p2p\" ]; action = "
		      "\"drop\"; },\n"
		      "  { name = \"slow\"; app = [ \"zoom\" ]; action = \"ratelimit\"; rate = "
		      "\"2mbit\"; burst = \"256kb\"; }\n"
		      ");"),
		0, "%s", d.msg[0]);
	cr_assert_eq(p->nrules, 4);
	cr_assert_eq(p->rule[0].action, DP_ACT_RESET);
	cr_assert_eq(p->rule[3].rate_Bps, 250000);
	cr_assert_eq(p->rule[3].burst, 256 * 1024);
	cr_assert(p->active);
}

Test(policy, first_match_wins_then_default)
{
	cr_assert_eq(build("default = \"drop\";\n"
			   "rules = (\n"
			   "  { name = \"a\"; app = [ \"zoom\" ]; action = \"allow\"; },\n"
			   "  { name = \"b\"; app = [ \"zoom\", \"tor\" ]; action = \"reset\"; }\n"
			   ");"),
		     0, "%s", d.msg[0]);
	struct dp_policy_flow f = flow4(1); /* zoom */
	cr_assert_eq(dp_policy_eval(p, &f), 0);
	f.app = 2; /* tor */
	cr_assert_eq(dp_policy_eval(p, &f), 1);
	cr_assert_eq(dp_policy_action(p, 1), DP_ACT_RESET);
	f.app = 3; /* openvpn: no rule */
	cr_assert_eq(dp_policy_eval(p, &f), 2);
	cr_assert_eq(dp_policy_action(p, 2), DP_ACT_DROP);
}

Test(policy, undecided_flow_waits_for_rules_that_need_identification)
{
	cr_assert_eq(
		build("rules = (\n"
		      "  { name = \"vpn\"; src = [ \"10.20.0.0/16\" ]; category = [ \"vpn\" ]; "
		      "action = \"allow\"; },\n"
		      "  { name = \"rest\"; src = [ \"10.0.0.0/8\" ]; action = \"drop\"; }\n"
		      ");"),
		0);
	struct dp_policy_flow f = flow4(0);
	f.identified = false;
	cr_assert_eq(dp_policy_eval(p, &f), DP_POLICY_PENDING);
	f.identified = true;
	f.app = 3; /* openvpn, category vpn */
	cr_assert_eq(dp_policy_eval(p, &f), 0);
	f.app = 0;
	cr_assert_eq(dp_policy_eval(p, &f), 1);
	/* a flow the identification rule cannot match on its address is not held up */
	inet_pton(AF_INET, "10.30.0.1", cl4);
	f.identified = false;
	cr_assert_eq(dp_policy_eval(p, &f), 1);
}

Test(policy, every_field)
{
	cr_assert_eq(
		build("rules = (\n"
		      "  { name = \"app\"; app = [ \"tor\" ]; action = \"drop\"; },\n"
		      "  { name = \"unknown\"; app = [ \"unknown\" ]; dst_port = [ \"8000-8100\" "
		      "]; "
		      "action = \"drop\"; },\n"
		      "  { name = \"cat\"; category = [ \"voip\" ]; confidence = \"attribution\"; "
		      "action = \"reset\"; },\n"
		      "  { name = \"proto\"; protocol = [ \"ssh\" ]; action = \"log\"; },\n"
		      "  { name = \"beh\"; behaviour = [ \"non_tls_443\" ]; action = \"drop\"; },\n"
		      "  { name = \"src\"; src = [ \"10.9.9.9\" ]; action = \"drop\"; },\n"
		      "  { name = \"dst6\"; dst = [ \"2001:db8:1::/48\" ]; action = \"drop\"; },\n"
		      "  { name = \"sport\"; src_port = [ \"udp:5000\" ]; action = \"drop\"; },\n"
		      "  { name = \"seg\"; segment = [ \"dmz\" ]; action = \"drop\"; },\n"
		      "  { name = \"vlan\"; vlan = [ 300 ]; action = \"drop\"; },\n"
		      "  { name = \"time\"; days = [ \"sat\", \"sun\" ]; hours = \"22:00-06:00\"; "
		      "action = \"drop\"; }\n"
		      ");"),
		0, "%s", d.msg[0]);
	struct dp_policy_flow f = flow4(2);
	cr_assert_eq(dp_policy_eval(p, &f), RULE("app"));
	f = flow4(0);
	f.sport = 8080;
	cr_assert_eq(dp_policy_eval(p, &f), RULE("unknown"));
	f.app = 1; /* zoom is not "unknown" */
	cr_assert_eq(dp_policy_eval(p, &f), RULE("cat"));
	f.conf = DP_CONF_PREFIX; /* below the rule's confidence */
	cr_assert_eq(dp_policy_eval(p, &f), (int)p->nrules);
	f = flow4(0);
	f.master = DP_M_SSH;
	cr_assert_eq(dp_policy_eval(p, &f), RULE("proto"));
	f = flow4(0);
	f.behaviour = DP_B_NON_HTTP_80;
	cr_assert_eq(dp_policy_eval(p, &f), (int)p->nrules);
	f.behaviour |= DP_B_NON_TLS_443;
	cr_assert_eq(dp_policy_eval(p, &f), RULE("beh"));
	f = flow4(0);
	inet_pton(AF_INET, "10.9.9.9", cl4);
	cr_assert_eq(dp_policy_eval(p, &f), RULE("src"));
	f = flow4(0);
	inet_pton(AF_INET6, "2001:db8::1", cl6);
	inet_pton(AF_INET6, "2001:db8:1:ffff::1", sv6);
	f.family = 6;
	f.client = cl6;
	f.server = sv6;
	cr_assert_eq(dp_policy_eval(p, &f), RULE("dst6"));
	inet_pton(AF_INET6, "2001:db8:2::1", sv6);
	cr_assert_eq(dp_policy_eval(p, &f), (int)p->nrules);
	f = flow4(0);
	f.cport = 5000;
	cr_assert_eq(dp_policy_eval(p, &f), (int)p->nrules, "udp:5000 is not tcp");
	f.proto = 17;
	cr_assert_eq(dp_policy_eval(p, &f), RULE("sport"));
	f = flow4(0);
	f.segment = 1;
	cr_assert_eq(dp_policy_eval(p, &f), RULE("seg"));
	f = flow4(0);
	f.vlan[0] = 100;
	f.vlan[1] = 300;
	f.nvlan = 2;
	cr_assert_eq(dp_policy_eval(p, &f), RULE("vlan"));
	f = flow4(0); /* Wednesday 10:30 */
	cr_assert_eq(dp_policy_eval(p, &f), (int)p->nrules);
	f.now_us = 1768086000ull * 1000000; /* Saturday 2026-01-10 23:00 UTC */
	cr_assert_eq(dp_policy_eval(p, &f), RULE("time"));
	f.now_us = 1767834000ull * 1000000; /* Thursday 01:00 */
	cr_assert_eq(dp_policy_eval(p, &f), (int)p->nrules);
	/* Saturday 01:00 belongs to Friday night's window, which is not in the rule */
	f.now_us = 1768006800ull * 1000000;
	cr_assert_eq(dp_policy_eval(p, &f), (int)p->nrules);
	/* Monday 01:00 belongs to Sunday night's */
	f.now_us = 1768179600ull * 1000000;
	cr_assert_eq(dp_policy_eval(p, &f), RULE("time"));
	/* Sunday 12:00: the right day, outside the hours */
	f.now_us = 1768132800ull * 1000000;
	cr_assert_eq(dp_policy_eval(p, &f), (int)p->nrules);
}

Test(policy, utc_offset_moves_the_window)
{
	cr_assert_eq(
		build("utc_offset = \"+02:00\";\n"
		      "rules = ( { name = \"work\"; hours = \"09:00-17:00\"; days = [ "
		      "\"mon\", \"tue\", \"wed\", \"thu\", \"fri\" ]; action = \"drop\"; } );"),
		0, "%s", d.msg[0]);
	struct dp_policy_flow f = flow4(0);
	f.now_us = 1767767400ull * 1000000; /* Wednesday 06:30 UTC = 08:30 local */
	cr_assert_eq(dp_policy_eval(p, &f), 1);
	f.now_us += 3600ull * 1000000; /* 09:30 local */
	cr_assert_eq(dp_policy_eval(p, &f), 0);
}

Test(policy, bad_rules_are_refused_at_their_line)
{
	cr_assert_eq(
		build("rules = (\n"
		      "  { name = \"a\"; app = [ \"skype\" ]; action = \"drop\"; },\n"
		      "  { name = \"b\"; src = [ \"10.0.0.0/33\" ]; action = \"drop\"; },\n"
		      "  { name = \"c\"; dst_port = [ \"http\" ]; action = \"drop\"; },\n"
		      "  { name = \"d\"; segment = [ \"wan\" ]; action = \"drop\"; },\n"
		      "  { name = \"e\"; hours = \"9-17\"; action = \"drop\"; },\n"
		      "  { name = \"f\"; action = \"ratelimit\"; },\n"
		      "  { name = \"a\"; category = [ \"games\" ]; behaviour = [ \"x\" ]; action = "
		      "\"drop\"; },\n"
		      "  { name = \"g\"; days = [ \"monday\" ]; action = \"allow\"; }\n"
		      ");"),
		-1);
	cr_assert(has_msg("bw.conf:3: rule 'a': unknown application 'skype' (not in the "
			  "catalogue)"),
		  "%s", d.msg[0]);
	cr_assert(has_msg("bw.conf:4: rule 'b': src \"10.0.0.0/33\" is not an address or prefix"));
	cr_assert(has_msg("bw.conf:5: rule 'c': dst_port \"http\" is not a port or range (\"443\", "
			  "\"1000-2000\", \"udp:3478\")"));
	cr_assert(has_msg("bw.conf:6: rule 'd': the board 't' has no segment 'wan'"));
	cr_assert(has_msg("bw.conf:7: rule 'e': hours \"9-17\" is not \"HH:MM-HH:MM\""));
	cr_assert(has_msg("bw.conf:8: rule 'f': ratelimit needs a rate (\"2mbit\")"));
	cr_assert(has_msg("bw.conf:9: rule 'a' is defined twice (first at line 3)"));
	cr_assert(has_msg("bw.conf:9: rule 'a': unknown category 'games'"));
	cr_assert(has_msg("bw.conf:9: rule 'a': unknown behaviour 'x'"));
	cr_assert(has_msg("bw.conf:10: rule 'g': day 'monday' is not one of mon, tue, wed, thu, "
			  "fri, sat, sun"));
	cr_assert_null(p);
}

/* Regression: the default bucket was 64 KiB whatever the rate, which held a TCP flow at a
 * quarter of a 10 Mbit/s limit. */
Test(policy, default_burst_follows_the_rate)
{
	cr_assert_eq(build("rules = (\n"
			   "  { name = \"fast\"; action = \"ratelimit\"; rate = \"10mbit\"; },\n"
			   "  { name = \"slow\"; action = \"ratelimit\"; rate = \"1mbit\"; },\n"
			   "  { name = \"set\"; action = \"ratelimit\"; rate = \"10mbit\"; burst = "
			   "\"32kb\"; }\n"
			   ");"),
		     0, "%s", d.msg[0]);
	cr_assert_eq(p->rule[0].burst, 250000, "200 ms of 10 Mbit/s");
	cr_assert_eq(p->rule[1].burst, 65536, "at least 64 KiB");
	cr_assert_eq(p->rule[2].burst, 32 * 1024, "an explicit burst stands");
	cr_assert_eq(build("rules = (\n"
			   "  { name = \"tiny\"; action = \"ratelimit\"; rate = \"1mbit\"; burst = "
			   "100; }\n);"),
		     -1);
	cr_assert(has_msg("bw.conf:3: rule 'tiny': burst 100 is smaller than one frame (at least "
			  "1500 bytes)"),
		  "%s", d.msg[0]);
}

Test(policy, schema_errors_name_the_line)
{
	cr_assert_eq(build("rules = (\n  { name = \"a\"; action = \"block\"; },\n"
			   "  { name = \"b\"; action = \"drop\"; vlan = [ 5000 ]; }\n);"),
		     -2);
	cr_assert(d.n >= 2);
	cr_assert(strncmp(d.msg[0], "bw.conf:3: ", 11) == 0, "%s", d.msg[0]);
	cr_assert(strstr(d.msg[0], "action") != NULL, "%s", d.msg[0]);
	cr_assert(strncmp(d.msg[1], "bw.conf:4: ", 11) == 0, "%s", d.msg[1]);
}

Test(policy, identification_rules_need_identification)
{
	cr_assert_eq(cfg_config_load_string("policy = { rules = ( { name = \"z\"; app = [ \"zoom\" "
					    "]; action = \"drop\"; } ); };",
					    "bw.conf", &c, &d),
		     0);
	memset(&d, 0, sizeof(d));
	cr_assert_eq(dp_policy_build(&c.policy, NULL, &b, &p, &d), -1);
	cr_assert_str_eq(d.msg[0], "bw.conf:1: rule 'z' matches on identification, which is off "
				   "(inspect.identify = false)");
}

Test(policy, no_policy_is_inactive)
{
	cr_assert_eq(build("default = \"allow\";"), 0);
	cr_assert_not(p->active);
}

Test(policy, hold_ports_and_their_errors)
{
	cr_assert_eq(build("hold = { ports = [ \"tcp:443\", \"udp:3478-3481\" ]; packets = 6; "
			   "time = \"150ms\"; };\n"
			   "rules = ( { name = \"t\"; app = [ \"zoom\" ]; action = \"drop\"; } );"),
		     0, "%s", d.msg[0]);
	cr_assert_eq(p->nhold_ports, 2);
	cr_assert_eq(p->hold_packets, 6);
	cr_assert_eq(p->hold_ms, 150);
	cr_assert(dp_policy_holds(p, 6, 443));
	cr_assert_not(dp_policy_holds(p, 17, 443), "tcp:443 is TCP only");
	cr_assert(dp_policy_holds(p, 17, 3480));
	cr_assert_not(dp_policy_holds(p, 6, 80));

	cr_assert_eq(build("rules = ( { name = \"t\"; action = \"drop\"; } );"), 0);
	cr_assert_eq(p->nhold_ports, 0);
	cr_assert_not(dp_policy_holds(p, 6, 443), "nothing is held by default");
	cr_assert_eq(p->hold_packets, 4);
	cr_assert_eq(p->hold_ms, 200);

	cr_assert_eq(build("hold = {\n  ports = [ \"https\" ]; };\nrules = ( );"), -1);
	cr_assert(has_msg("bw.conf:2: policy.hold: port \"https\" is not a port or range "
			  "(\"443\", \"1000-2000\", \"udp:3478\")"),
		  "%s", d.msg[0]);
	cr_assert_eq(build("hold = { packets = 0; };\nrules = ( );"), -2, "below the minimum");
	cr_assert(strncmp(d.msg[0], "bw.conf:2: ", 11) == 0, "%s", d.msg[0]);
}
