/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The real binary on the virt-pcap board: what goes in comes out, byte for byte, and the
 * counters (exit summary, "stats" log record, telemetry) agree with the captures. Also the
 * command-line and configuration error paths as an admin meets them.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../support/support.h"

static char *dir;

/* Shell: wait (up to 30 s) until the appliance started in the background says it forwards
 * (its output in %s/run.out), then let a second of traffic cross. A fixed sleep raced a
 * slow start (EAL and hugepages, the catalogue's compile) on a loaded machine. */
#define WAIT_FORWARDING                                                                \
	"for i in $(seq 300); do grep -q forwarding %s/run.out 2>/dev/null && break; " \
	"sleep 0.1; done; sleep 1; "

static void
setup(void)
{
	dir = ts_tmpdir("replay");
	cr_assert_not_null(dir);
}

static void
teardown(void)
{
	ts_rmtree(dir);
	free(dir);
}

/* Replay in through the virt-pcap board; returns the exit status, output in *out. */
static int
replay(const char *in, const char *outpcap, const char *log, const char *config, char **out)
{
	return ts_run(
		out,
		"%s/bridgeward --board %s/board/virt-pcap.conf --config %s --replay %s --out %s "
		"--log %s -- --file-prefix %s",
		ts_build(), ts_root(), config, in, outpcap, log, ts_prefix("replay"));
}

static const char *
default_config(void)
{
	static char p[512];
	snprintf(p, sizeof(p), "%s/config/bridgeward.conf", ts_root());
	return p;
}

/* The summary line of a port: "name link rx_packets rx_bytes tx_packets tx_bytes ...". */
static void
summary_port(const char *out, const char *port, uint64_t v[7])
{
	char pat[64], link[16];
	snprintf(pat, sizeof(pat), "\n%s ", port);
	const char *p = strstr(out, pat);
	cr_assert_not_null(p, "no summary line for %s in:\n%s", port, out);
	cr_assert_eq(sscanf(p + 1,
			    "%*s %15s %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
			    " %" SCNu64 " %" SCNu64,
			    link, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]),
		     8);
}

static void
assert_identical(const char *a, const char *b)
{
	struct ts_capture x, y;
	cr_assert_eq(ts_read_capture(a, &x), 0, "cannot read %s", a);
	cr_assert_eq(ts_read_capture(b, &y), 0, "cannot read %s", b);
	cr_assert_eq(x.n, y.n, "%zu frames in, %zu out", x.n, y.n);
	for (size_t i = 0; i < x.n; i++) {
		cr_assert_eq(x.f[i].len, y.f[i].len, "frame %zu: %u bytes in, %u out", i + 1,
			     x.f[i].len, y.f[i].len);
		cr_assert(memcmp(x.f[i].data, y.f[i].data, x.f[i].len) == 0, "frame %zu differs",
			  i + 1);
	}
	ts_free_capture(&x);
	ts_free_capture(&y);
}

/* What the generated mix must contain for the test to mean anything. */
static void
assert_mix_coverage(const char *path, uint64_t *frames, uint64_t *bytes)
{
	struct ts_capture c;
	unsigned v4 = 0, v6 = 0, tcp = 0, udp = 0, icmp = 0, icmp6 = 0, arp = 0, vlan = 0, qinq = 0,
		 jumbo = 0, min60 = 0, unknown = 0, bcast = 0, mcast = 0;

	cr_assert_eq(ts_read_capture(path, &c), 0);
	*frames = c.n;
	*bytes = 0;
	for (size_t i = 0; i < c.n; i++) {
		const uint8_t *f = c.f[i].data;
		size_t off = 12;
		uint16_t et = (uint16_t)(f[12] << 8 | f[13]);
		*bytes += c.f[i].len;
		if (et == 0x88a8)
			qinq++;
		while (et == 0x8100 || et == 0x88a8) {
			if (et == 0x8100)
				vlan++;
			off += 4;
			et = (uint16_t)(f[off] << 8 | f[off + 1]);
		}
		uint8_t proto = 0;
		if (et == 0x0800) {
			v4++;
			proto = f[off + 2 + 9];
		} else if (et == 0x86dd) {
			v6++;
			proto = f[off + 2 + 6];
		} else if (et == 0x0806) {
			arp++;
		} else if (et != 0x88cc) {
			unknown++;
		}
		tcp += proto == 6;
		udp += proto == 17;
		icmp += proto == 1;
		icmp6 += proto == 58;
		jumbo += c.f[i].len >= 9000;
		min60 += c.f[i].len == 60;
		bcast += memcmp(f, "\xff\xff\xff\xff\xff\xff", 6) == 0;
		mcast += (f[0] & 1) && memcmp(f, "\xff\xff\xff\xff\xff\xff", 6) != 0;
	}
	ts_free_capture(&c);
	cr_assert_geq(*frames, 10000);
	cr_assert(v4 && v6 && tcp && udp && icmp && icmp6 && arp && vlan && qinq && jumbo &&
			  min60 && unknown && bcast && mcast,
		  "v4 %u v6 %u tcp %u udp %u icmp %u icmp6 %u arp %u vlan %u qinq %u jumbo %u "
		  "min60 %u unknown %u bcast %u mcast %u",
		  v4, v6, tcp, udp, icmp, icmp6, arp, vlan, qinq, jumbo, min60, unknown, bcast,
		  mcast);
}

Test(replay, mix_leaves_bit_identical_and_counters_agree, .init = setup, .fini = teardown,
     .timeout = 120)
{
	char in[512], outp[512], log[512], *out = NULL;
	uint64_t frames, bytes, v[7];

	snprintf(in, sizeof(in), "%s/mix.pcap", dir);
	snprintf(outp, sizeof(outp), "%s/out.pcap", dir);
	snprintf(log, sizeof(log), "%s/events.json", dir);
	cr_assert_eq(ts_run(NULL, "%s/bwgen mix %s --frames 10000 --seed 42", ts_build(), in), 0);
	assert_mix_coverage(in, &frames, &bytes);

	int rc = replay(in, outp, log, default_config(), &out);
	cr_assert_eq(rc, 0, "exit %d:\n%s", rc, out);
	cr_assert(strstr(out, "stopping: replay finished") != NULL, "%s", out);
	assert_identical(in, outp);

	/* exit summary: inside received everything, outside sent everything */
	summary_port(out, "inside", v);
	cr_assert_eq(v[0], frames);
	cr_assert_eq(v[1], bytes);
	cr_assert_eq(v[2], 0);
	summary_port(out, "outside", v);
	cr_assert_eq(v[0], 0);
	cr_assert_eq(v[2], frames);
	cr_assert_eq(v[3], bytes);
	cr_assert_eq(v[4], 0, "tx drops");

	/* the "stats" record in the log says the same */
	char *stats = ts_grep_line(log, "\"event_type\":\"stats\"");
	cr_assert_not_null(stats);
	const char *outside = strstr(stats, "\"outside\":");
	cr_assert_eq(ts_json_u64(stats, "rx_packets"), (int64_t)frames);
	cr_assert_eq(ts_json_u64(stats, "rx_bytes"), (int64_t)bytes);
	cr_assert_eq(ts_json_u64(outside, "tx_packets"), (int64_t)frames);
	cr_assert_eq(ts_json_u64(outside, "tx_bytes"), (int64_t)bytes);
	cr_assert_eq(ts_json_u64(outside, "tx_drops"), 0);
	free(stats);
	cr_assert_eq(ts_count_lines(log, "\"event_type\":\"link\""), 2);
	free(out);
}

Test(replay, pcapng_input_is_accepted, .init = setup, .fini = teardown, .timeout = 60)
{
	char in[512], ng[512], outp[512], log[512], *out = NULL;

	snprintf(in, sizeof(in), "%s/mix.pcap", dir);
	snprintf(ng, sizeof(ng), "%s/mix.pcapng", dir);
	snprintf(outp, sizeof(outp), "%s/out.pcap", dir);
	snprintf(log, sizeof(log), "%s/events.json", dir);
	cr_assert_eq(ts_run(NULL, "%s/bwgen mix %s --frames 2000 --seed 7", ts_build(), in), 0);
	cr_assert_eq(ts_run(NULL, "editcap -F pcapng %s %s", in, ng), 0);
	int rc = replay(ng, outp, log, default_config(), &out);
	cr_assert_eq(rc, 0, "%s", out);
	assert_identical(in, outp);
	free(out);
}

Test(replay, empty_capture_finishes, .init = setup, .fini = teardown, .timeout = 60)
{
	char in[512], outp[512], log[512], *out = NULL;

	snprintf(in, sizeof(in), "%s/mix.pcap", dir);
	snprintf(outp, sizeof(outp), "%s/out.pcap", dir);
	snprintf(log, sizeof(log), "%s/events.json", dir);
	cr_assert_eq(ts_run(NULL, "%s/bwgen mix %s --frames 0", ts_build(), in), 0);
	cr_assert_eq(ts_run(NULL, "editcap -F pcap -r %s %s/empty.pcap 0", in, dir), 0);
	snprintf(in, sizeof(in), "%s/empty.pcap", dir);
	int rc = replay(in, outp, log, default_config(), &out);
	cr_assert_eq(rc, 0, "%s", out);
	struct ts_capture c;
	cr_assert_eq(ts_read_capture(outp, &c), 0);
	cr_assert_eq(c.n, 0);
	free(out);
}

Test(replay, unreadable_capture_is_an_error, .init = setup, .fini = teardown)
{
	char *out = NULL;
	char *bad = ts_write_file(dir, "bad.pcap", "this is not a capture\n");
	int rc = replay(bad, "/tmp/x.pcap", "/dev/null", default_config(), &out);
	cr_assert_eq(rc, 2, "%s", out);
	cr_assert(strstr(out, "cannot read capture") != NULL, "%s", out);
	free(bad);
	free(out);
}

Test(cli, replay_needs_out)
{
	char *out = NULL;
	int rc =
		ts_run(&out, "%s/bridgeward --board %s/board/virt-pcap.conf --config %s --replay x",
		       ts_build(), ts_root(), default_config());
	cr_assert_eq(rc, 2);
	cr_assert(strstr(out, "--replay and --out go together") != NULL, "%s", out);
	free(out);
}

Test(cli, virt_pcap_without_replay_names_the_option)
{
	char *out = NULL;
	int rc = ts_run(&out, "%s/bridgeward --board %s/board/virt-pcap.conf --config %s",
			ts_build(), ts_root(), default_config());
	cr_assert_eq(rc, 2);
	cr_assert(strstr(out, "virt-pcap.conf:13: port 'inside': dev uses ${replay}: give "
			      "--replay IN on the command line") != NULL,
		  "%s", out);
	free(out);
}

Test(cli, bad_config_reports_file_line_and_changes_nothing, .init = setup, .fini = teardown)
{
	char *out = NULL;
	char *cfg = ts_write_file(dir, "bad.conf",
				  "# comment\nbridge = {\n  tx_retries = -4;\n  burts = 8;\n};\n");
	int rc = ts_run(&out, "%s/bridgeward --board %s/board/virt-pcap.conf --config %s --check",
			ts_build(), ts_root(), cfg);
	cr_assert_eq(rc, 2);
	char want[640];
	snprintf(want, sizeof(want), "%s:3: 'tx_retries' = -4 is out of range 0..1000", cfg);
	cr_assert(strstr(out, want) != NULL, "%s", out);
	snprintf(want, sizeof(want),
		 "%s:4: unknown key 'burts' in config.bridge (did you mean "
		 "'burst'?)",
		 cfg);
	cr_assert(strstr(out, want) != NULL, "%s", out);
	free(cfg);
	free(out);
}

Test(cli, check_accepts_shipped_files)
{
	const char *boards[] = { "virt-netns", "x710-4port" };
	for (unsigned i = 0; i < 2; i++) {
		char *out = NULL;
		int rc = ts_run(&out, "%s/bridgeward --board %s/board/%s.conf --config %s --check",
				ts_build(), ts_root(), boards[i], default_config());
		cr_assert_eq(rc, 0, "%s: %s", boards[i], out);
		cr_assert(strstr(out, ": OK") != NULL);
		free(out);
	}
}

/* A board that forwards from memory for as long as it runs: replayed capture into a sink. */
static char *
loop_board(const char *capture)
{
	char text[1024];
	snprintf(text, sizeof(text),
		 "name = \"loop\";\nports = (\n"
		 " { name = \"inside\"; dev = \"net_pcap0,rx_pcap=%s,infinite_rx=1\"; },\n"
		 " { name = \"outside\"; dev = \"net_null0,no-rx=1\"; }\n);\n"
		 "segments = ( { name = \"seg0\"; ports = [ \"inside\", \"outside\" ]; } );\n"
		 "cores = { control = 0; workers = [ 1 ]; };\ndispatch = \"segment\";\nmtu = "
		 "9000;\n",
		 capture);
	return ts_write_file(dir, "loop.conf", text);
}

Test(telemetry, counters_through_the_stock_client, .init = setup, .fini = teardown, .timeout = 60)
{
	char in[512], *out = NULL, *tel = NULL;
	const char *prefix = ts_prefix("tel");

	snprintf(in, sizeof(in), "%s/mix.pcap", dir);
	cr_assert_eq(ts_run(NULL, "%s/bwgen mix %s --frames 1000", ts_build(), in), 0);
	char *board = loop_board(in);
	int rc = ts_run(&tel,
			"%s/bridgeward --board %s --config %s --duration 5 -- --file-prefix %s "
			"> %s/run.out 2>&1 & " WAIT_FORWARDING
			"printf '/bridgeward/counters\\n/bridgeward/link\\n/bridgeward/info\\n' "
			"| /usr/bin/python3 /usr/bin/dpdk-telemetry.py -f %s; wait",
			ts_build(), board, default_config(), prefix, dir, dir, prefix);
	cr_assert_eq(rc, 0, "%s", tel);
	const char *c = strstr(tel, "\"/bridgeward/counters\"");
	cr_assert_not_null(c, "%s", tel);
	cr_assert_gt(ts_json_u64(strstr(c, "\"port/inside\""), "rx_packets"), 1000, "%s", tel);
	cr_assert_gt(ts_json_u64(strstr(c, "\"port/outside\""), "tx_packets"), 1000, "%s", tel);
	cr_assert_not_null(strstr(c, "\"segment/seg0/inside_to_outside\""));
	cr_assert_not_null(strstr(c, "\"worker/0/inside\""));
	cr_assert_not_null(
		strstr(tel, "{\"/bridgeward/link\": {\"inside\": \"up\", \"outside\": \"up\"}}"),
		"%s", tel);
	/* asked a second or more after "forwarding", well before the 5-second end */
	const char *info = strstr(tel, "\"/bridgeward/info\"");
	cr_assert_not_null(info, "%s", tel);
	int64_t up = ts_json_u64(info, "uptime_ms");
	cr_assert(up >= 1000 && up < 5000, "uptime_ms %lld", (long long)up);
	char path[600];
	snprintf(path, sizeof(path), "%s/run.out", dir);
	char *line = ts_grep_line(path, "stopping: duration reached");
	cr_assert_not_null(line);
	free(line);
	free(board);
	free(tel);
	free(out);
}

Test(signals, sigterm_stops_cleanly_with_a_summary, .init = setup, .fini = teardown, .timeout = 60)
{
	char in[512], *out = NULL;

	snprintf(in, sizeof(in), "%s/mix.pcap", dir);
	cr_assert_eq(ts_run(NULL, "%s/bwgen mix %s --frames 1000", ts_build(), in), 0);
	char *board = loop_board(in);
	int rc = ts_run(
		&out,
		"%s/bridgeward --board %s --config %s -- --file-prefix %s > %s/run.out 2>&1 & "
		"pid=$!; " WAIT_FORWARDING "kill -TERM $pid; wait $pid; rc=$?; cat %s/run.out; "
		"exit $rc",
		ts_build(), board, default_config(), ts_prefix("sig"), dir, dir, dir);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert_not_null(strstr(out, "stopping: signal"), "%s", out);
	uint64_t v[7];
	summary_port(out, "inside", v);
	cr_assert_gt(v[0], 1000);
	summary_port(out, "outside", v);
	cr_assert_gt(v[2], 1000);
	free(board);
	free(out);
}

/* dispatch = "rss": a queue pair per worker on every port. net_null has many queues and
 * spreads what it generates over them, so both workers must forward (two workers share one
 * CPU here: --lcores). */
Test(dispatch, rss_gives_every_worker_a_queue_on_every_port, .init = setup, .fini = teardown,
     .timeout = 60)
{
	char *out = NULL;
	char *board = ts_write_file(dir, "rss.conf",
				    "name = \"rss-null\";\nports = (\n"
				    " { name = \"a\"; dev = \"net_null0\"; },\n"
				    " { name = \"b\"; dev = \"net_null1\"; }\n);\n"
				    "segments = ( { name = \"s\"; ports = [ \"a\", \"b\" ]; } );\n"
				    "cores = { control = 0; workers = [ 1, 2 ]; };\n"
				    "dispatch = \"rss\";\n");
	int rc = ts_run(&out,
			"%s/bridgeward --board %s --config %s --duration 1 -- --lcores 0@0,1@1,2@1 "
			"--file-prefix %s",
			ts_build(), board, default_config(), ts_prefix("rss"));
	cr_assert_eq(rc, 0, "%s", out);
	for (unsigned w = 0; w < 2; w++) {
		for (const char *port = "a"; port; port = (*port == 'a') ? "b" : NULL) {
			char pat[64];
			unsigned long long rx = 0, tx = 0;
			snprintf(pat, sizeof(pat), "\n%u       %u      %s ", w, w + 1, port);
			const char *p = strstr(out, pat);
			cr_assert_not_null(p, "no line for worker %u port %s:\n%s", w, port, out);
			cr_assert_eq(sscanf(p + 1, "%*u %*u %*s %llu %llu", &rx, &tx), 2);
			cr_assert_gt(rx, 1000, "worker %u port %s received %llu", w, port, rx);
			cr_assert_gt(tx, 1000, "worker %u port %s sent %llu", w, port, tx);
		}
	}
	free(board);
	free(out);
}
