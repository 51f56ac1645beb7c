/* SPDX-License-Identifier: BSD-3-Clause */
/* board/board.c: shipped profiles load; every cross-check reports file:line. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../board/board.h"
#include "../support/support.h"

static struct board_profile b;
static struct cfg_diag d;

#define PORTS                                           \
	"ports = (\n"                                   \
	"  { name = \"a\"; dev = \"net_null0\"; },\n"   \
	"  { name = \"b\"; dev = \"0000:03:00.1\"; }\n" \
	");\n"

static int
load(const char *text)
{
	return board_load_string(text, "b.conf", &b, &d);
}

static void
expect(const char *text, const char *msg)
{
	cr_assert_eq(load(text), -1, "accepted:\n%s", text);
	for (unsigned i = 0; i < d.n; i++)
		if (strcmp(d.msg[i], msg) == 0)
			return;
	cr_assert_fail("expected '%s', got '%s' (%u messages)", msg, d.n ? d.msg[0] : "", d.n);
}

Test(board, shipped_profiles_load)
{
	const char *files[] = { "virt-pcap.conf", "virt-netns.conf", "x710-4port.conf" };
	for (unsigned i = 0; i < 3; i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/board/%s", ts_root(), files[i]);
		cr_assert_eq(board_load(path, &b, &d), 0, "%s: %s", files[i], d.msg[0]);
	}
	cr_assert_eq(b.nports, 4);
	cr_assert_eq(b.nsegments, 2);
	cr_assert(b.ports[0].pci);
	cr_assert_str_eq(b.ports[2].ethdev_name, "0000:03:00.2");
	cr_assert_eq(b.dispatch, BOARD_DISPATCH_RSS);
}

Test(board, derives_ports_and_segments)
{
	cr_assert_eq(
		load("name = \"t\";\n" PORTS
		     "segments = ( { name = \"s\"; ports = [ \"b\", \"a\" ]; inside = \"a\"; } );\n"
		     "cores = { control = 2; workers = [ 3 ]; };\n"),
		0, "%s", d.msg[0]);
	cr_assert(!b.ports[0].pci);
	cr_assert_str_eq(b.ports[0].ethdev_name, "net_null0");
	cr_assert(b.ports[1].pci);
	cr_assert_eq(b.ports[1].side, 0);
	cr_assert_eq(b.ports[0].side, 1);
	cr_assert_eq(b.segments[0].port_idx[0], 1);
	cr_assert_eq(b.segments[0].inside_side, 1);
	cr_assert_eq(b.control_core, 2);
	cr_assert_eq(b.mtu, 1500);
	cr_assert_eq(b.memory.mbufs, 16384);
}

Test(board, af_packet_netdev_comes_from_iface)
{
	cr_assert_eq(load("name = \"t\";\nports = (\n"
			  " { name = \"a\"; dev = \"net_af_packet0,iface=veth7,qpairs=1\"; },\n"
			  " { name = \"b\"; dev = \"net_af_packet1,iface=veth8\"; netdev = \"x\"; "
			  "}\n);\n"
			  "segments = ( { name = \"s\"; ports = [ \"a\", \"b\" ]; } );\n"
			  "cores = { workers = [ 1 ]; };\n"),
		     0, "%s", d.msg[0]);
	cr_assert_str_eq(b.ports[0].netdev, "veth7");
	cr_assert_str_eq(b.ports[1].netdev, "x");
	cr_assert_str_eq(b.ports[0].ethdev_name, "net_af_packet0");
}

Test(board, duplicate_port)
{
	expect("name = \"t\";\nports = (\n { name = \"a\"; dev = \"net_null0\"; },\n"
	       " { name = \"a\"; dev = \"net_null1\"; }\n);\n"
	       "segments = ( { name = \"s\"; ports = [ \"a\", \"a\" ]; } );\n"
	       "cores = { workers = [ 1 ]; };\n",
	       "b.conf:4: port 'a' is defined twice");
}

Test(board, unknown_port_in_segment)
{
	expect("name = \"t\";\n" PORTS
	       "segments = (\n { name = \"s\"; ports = [ \"a\", \"c\" ]; }\n);\n"
	       "cores = { workers = [ 1 ]; };\n",
	       "b.conf:7: segment 's': unknown port 'c'");
}

Test(board, port_in_two_segments)
{
	expect("name = \"t\";\nports = (\n { name = \"a\"; dev = \"net_null0\"; },\n"
	       " { name = \"b\"; dev = \"net_null1\"; },\n { name = \"c\"; dev = \"net_null2\"; "
	       "}\n);\n"
	       "segments = (\n { name = \"s\"; ports = [ \"a\", \"b\" ]; },\n"
	       " { name = \"t\"; ports = [ \"b\", \"c\" ]; }\n);\n"
	       "cores = { workers = [ 1 ]; };\n",
	       "b.conf:9: segment 't': port 'b' is already in segment 's'");
}

Test(board, segment_needs_two_distinct_ports)
{
	expect("name = \"t\";\n" PORTS "segments = (\n { name = \"s\"; ports = [ \"a\" ]; }\n);\n"
	       "cores = { workers = [ 1 ]; };\n",
	       "b.conf:7: segment 's' must name exactly two ports");
	expect("name = \"t\";\n" PORTS
	       "segments = (\n { name = \"s\"; ports = [ \"a\", \"a\" ]; }\n);\n"
	       "cores = { workers = [ 1 ]; };\n",
	       "b.conf:7: segment 's' pairs port 'a' with itself");
}

Test(board, inside_must_be_a_member)
{
	expect("name = \"t\";\n" PORTS
	       "segments = (\n { name = \"s\"; ports = [ \"a\", \"b\" ]; inside = \"z\"; }\n);\n"
	       "cores = { workers = [ 1 ]; };\n",
	       "b.conf:7: segment 's': inside port 'z' is not one of its ports");
}

Test(board, port_without_segment)
{
	expect("name = \"t\";\nports = (\n { name = \"a\"; dev = \"net_null0\"; },\n"
	       " { name = \"b\"; dev = \"net_null1\"; },\n { name = \"c\"; dev = \"net_null2\"; "
	       "}\n);\n"
	       "segments = ( { name = \"s\"; ports = [ \"a\", \"b\" ]; } );\n"
	       "cores = { workers = [ 1 ]; };\n",
	       "b.conf:5: port 'c' is not in any segment: a bridge port needs a peer");
}

Test(board, core_map_errors)
{
	const char *base = "name = \"t\";\n" PORTS
			   "segments = ( { name = \"s\"; ports = [ \"a\", \"b\" ]; } );\n";
	char text[1024];
	snprintf(text, sizeof(text), "%scores = { control = 1; workers = [ 1 ]; };\n", base);
	expect(text, "b.conf:7: cores: lcore 1 is both the control core and a worker");
	snprintf(text, sizeof(text), "%scores = { workers = [ 1, 1 ]; };\n", base);
	expect(text, "b.conf:7: cores: worker lcore 1 is listed twice");
	snprintf(text, sizeof(text), "%scores = { workers = [ ]; };\n", base);
	expect(text, "b.conf:7: cores: at least one worker is needed");
	snprintf(text, sizeof(text), "%s\ncores = { control = 0; };\n", base);
	expect(text, "b.conf:8: board.cores: required key 'workers' is missing");
}

Test(board, required_and_typed_keys)
{
	expect("ports = ();\nsegments = ();\ncores = { workers = [ 1 ]; };\n",
	       "b.conf: board: required key 'name' is missing");
	expect("name = \"t\";\n" PORTS
	       "segments = ( { name = \"s\"; ports = [ \"a\", \"b\" ]; } );\n"
	       "cores = { workers = [ 1 ]; };\ndispatch = \"random\";\n",
	       "b.conf:8: 'dispatch' = \"random\" is not one of \"rss\", \"segment\"");
	expect("name = \"t\";\n" PORTS
	       "segments = ( { name = \"s\"; ports = [ \"a\", \"b\" ]; } );\n"
	       "cores = { workers = [ 1 ]; };\nmtu = 100000;\n",
	       "b.conf:8: 'mtu' = 100000 is out of range 576..9600");
}

Test(board, resolve_variables)
{
	struct board_var vars[] = { { "replay", "/tmp/in.pcap", "--replay IN" },
				    { "out", NULL, "--out OUT" } };
	cr_assert_eq(load("name = \"t\";\nports = (\n"
			  " { name = \"a\"; dev = \"net_pcap0,rx_pcap=${replay}\"; },\n"
			  " { name = \"b\"; dev = \"net_pcap1,tx_pcap=${out}\"; }\n);\n"
			  "segments = ( { name = \"s\"; ports = [ \"a\", \"b\" ]; } );\n"
			  "cores = { workers = [ 1 ]; };\n"),
		     0);
	cr_assert_eq(board_resolve(&b, vars, 2, &d), -1);
	cr_assert_str_eq(b.ports[0].dev, "net_pcap0,rx_pcap=/tmp/in.pcap");
	cr_assert_str_eq(d.msg[0], "b.conf:4: port 'b': dev uses ${out}: give --out OUT on the "
				   "command line");
	vars[1].value = "/tmp/a,b.pcap";
	memset(&d, 0, sizeof(d));
	cr_assert_eq(board_resolve(&b, vars, 2, &d), -1);
	cr_assert(strstr(d.msg[0], "contains a comma") != NULL);
	memset(&d, 0, sizeof(d));
	strcpy(b.ports[1].dev, "net_pcap1,tx_pcap=${nope}");
	cr_assert_eq(board_resolve(&b, vars, 2, &d), -1);
	cr_assert_str_eq(d.msg[0], "b.conf:4: port 'b': unknown variable ${nope} in dev");
}
