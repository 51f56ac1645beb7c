/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow tracking through the real binary (virt-pcap replay): the flow records list exactly
 * the conversations tshark lists, with the same counts; evasions are normalised on the
 * wire; flows still open at the end are flushed with reason "shutdown".
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/support.h"

static char *dir;
static char in[512], outp[512], log_[512];

static void
setup(void)
{
	dir = ts_tmpdir("flows");
	cr_assert_not_null(dir);
	snprintf(in, sizeof(in), "%s/in.pcap", dir);
	snprintf(outp, sizeof(outp), "%s/out.pcap", dir);
	snprintf(log_, sizeof(log_), "%s/events.json", dir);
}

static void
teardown(void)
{
	ts_rmtree(dir);
	free(dir);
}

static int
replay(char **out)
{
	return ts_run(
		out,
		"%s/bridgeward --board %s/board/virt-pcap.conf --config %s/config/bridgeward.conf "
		"--replay %s --out %s --log %s -- --file-prefix %s",
		ts_build(), ts_root(), ts_root(), in, outp, log_, ts_prefix("flows"));
}

Test(flows, records_match_tshark_conversations, .init = setup, .fini = teardown, .timeout = 180)
{
	char *out = NULL, *cmp = NULL;
	cr_assert_eq(ts_run(NULL, "%s/bwgen mix %s --frames 12000 --seed 11", ts_build(), in), 0);
	int rc = replay(&out);
	cr_assert_eq(rc, 0, "%s", out);
	rc = ts_run(&cmp, "/usr/bin/python3 %s/tests/tools/conv_compare.py %s %s", ts_root(), in,
		    log_);
	cr_assert_eq(rc, 0, "%s", cmp);
	cr_assert_not_null(strstr(cmp, " 0 differences"), "%s", cmp);
	/* the capture lasts seconds, timeouts are longer: every flow ends at shutdown */
	size_t flows = ts_count_lines(log_, "\"event_type\":\"flow\"");
	cr_assert_gt(flows, 500);
	cr_assert_eq(ts_count_lines(log_, "\"reason\":\"shutdown\""), flows);
	char *stats = ts_grep_line(log_, "\"event_type\":\"stats\"");
	cr_assert_not_null(stats);
	const char *f = strstr(stats, "\"flows\":");
	cr_assert_not_null(f);
	cr_assert_eq(ts_json_u64(f, "in_use"), 0, "all flows ended");
	cr_assert_eq(ts_json_u64(f, "created"), (int64_t)flows);
	cr_assert_eq(ts_json_u64(strstr(stats, "\"events\":"), "dropped"), 0);
	free(stats);
	free(cmp);
	free(out);
}

Test(flows, evasions_are_normalised_on_the_wire, .init = setup, .fini = teardown, .timeout = 60)
{
	char exp[600], *out = NULL;
	snprintf(exp, sizeof(exp), "%s/expected.pcap", dir);
	cr_assert_eq(ts_run(NULL, "%s/bwgen evasion %s %s", ts_build(), in, exp), 0);
	int rc = replay(&out);
	cr_assert_eq(rc, 0, "%s", out);

	struct ts_capture x, y;
	cr_assert_eq(ts_read_capture(exp, &x), 0);
	cr_assert_eq(ts_read_capture(outp, &y), 0);
	cr_assert_eq(x.n, y.n, "%zu frames expected, %zu forwarded", x.n, y.n);
	for (size_t i = 0; i < x.n; i++) {
		cr_assert_eq(x.f[i].len, y.f[i].len, "frame %zu", i + 1);
		cr_assert(memcmp(x.f[i].data, y.f[i].data, x.f[i].len) == 0, "frame %zu", i + 1);
	}
	ts_free_capture(&x);
	ts_free_capture(&y);
	cr_assert_not_null(strstr(out, "conflicting_dropped=1"), "%s", out);
	cr_assert_not_null(strstr(out, "duplicates=1"), "%s", out);
	const char *frag = strstr(out, "\nfragments");
	cr_assert_not_null(frag);
	cr_assert_not_null(strstr(frag, "overlaps_conflicting=2"), "%s", out);
	cr_assert_not_null(strstr(frag, "reassembled=7"), "%s", out);
	/* the UDP flows carried by fragments are in the records, fragments counted */
	char *rec = ts_grep_line(log_, "\"src_port\":6001");
	cr_assert_not_null(rec);
	cr_assert_eq(ts_json_u64(rec, "pkts_toserver"), 4);
	free(rec);
	/* the client whose data came before its handshake's last ACK: one flow, every frame
	 * counted, and its 400 bytes inspected once, like the first client's (800 in all) */
	rec = ts_grep_line(log_, "\"src_ip\":\"198.18.8.3\"");
	cr_assert_not_null(rec);
	cr_assert_eq(ts_json_u64(rec, "pkts_toserver"), 5);
	cr_assert_eq(ts_json_u64(rec, "pkts_toclient"), 3);
	free(rec);
	cr_assert_eq(ts_count_lines(log_, "\"src_ip\":\"198.18.8.3\""), 1);
	cr_assert_not_null(strstr(out, "bytes_inspected=800"), "%s", out);
	free(out);
}

/* Replay a generated mix with the shipped configuration edited by sed arguments SED. */
static int
replay_edited(const char *sed, const char *name, char **out)
{
	char cfg[600];
	snprintf(cfg, sizeof(cfg), "%s/%s.conf", dir, name);
	cr_assert_eq(ts_run(NULL, "sed %s %s/config/bridgeward.conf > %s", sed, ts_root(), cfg), 0);
	cr_assert_eq(ts_run(NULL, "%s/bwgen mix %s --frames 3000 --seed 3", ts_build(), in), 0);
	return ts_run(out,
		      "%s/bridgeward --board %s/board/virt-pcap.conf --config %s --replay %s "
		      "--out %s --log %s -- --file-prefix %s",
		      ts_build(), ts_root(), cfg, in, outp, log_, ts_prefix(name));
}

Test(flows, tracking_off_keeps_no_flows_but_still_decodes, .init = setup, .fini = teardown,
     .timeout = 60)
{
	char *out = NULL;
	int rc = replay_edited("'s/track = true/track = false/'", "off", &out);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert_eq(ts_count_lines(log_, "\"event_type\":\"flow\""), 0);
	cr_assert_null(strstr(out, "\nflows "), "no flow counters when tracking is off");
	/* the frames are still decoded and checked (decode.enabled): their counters show */
	cr_assert_not_null(strstr(out, "\ndecode     non_ip="), "%s", out);
	free(out);
}

/* decode.enabled = false with tracking off: every frame out as it came, nothing read. */
Test(flows, decode_off_is_a_plain_bridge, .init = setup, .fini = teardown, .timeout = 60)
{
	char *out = NULL;
	int rc = replay_edited("-e 's/track = true/track = false/' "
			       "-e 's/^decode = {/decode = { enabled = false;/'",
			       "plain", &out);
	cr_assert_eq(rc, 0, "%s", out);
	struct ts_capture a, b;
	cr_assert_eq(ts_read_capture(in, &a), 0);
	cr_assert_eq(ts_read_capture(outp, &b), 0);
	cr_assert_eq(b.n, a.n, "every frame forwarded");
	cr_assert_null(strstr(out, "\ndecode "), "no decoder counters: nothing decoded\n%s", out);
	ts_free_capture(&a);
	ts_free_capture(&b);
	free(out);
}

/* The value of "key=N" in the exit summary, -1 if absent. */
static long long
summary(const char *out, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof(pat), " %s=", key);
	const char *p = strstr(out, pat);
	return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

/* inspect.on_full with 16 contexts for a mix with more flows under inspection at once:
 * "forward" lets every frame cross, "drop" holds back exactly the frames it counts. */
Test(flows, flows_without_a_context_get_inspect_on_full, .init = setup, .fini = teardown,
     .timeout = 60)
{
	static const char *const outcome[2] = { "forward", "drop" };
	struct ts_capture a, b;
	for (unsigned i = 0; i < 2; i++) {
		char sed[1000], name[32], *out = NULL;
		snprintf(sed, sizeof(sed),
			 "-e 's#\"apps.conf\"#\"%s/config/apps.conf\"#' "
			 "-e 's/contexts = 65536;/contexts = 16;/' -e 's/on_full = \"forward\";    "
			 "# a flow that gets none/on_full = \"%s\"; #/'",
			 ts_root(), outcome[i]);
		snprintf(name, sizeof(name), "ctx-%s", outcome[i]);
		int rc = replay_edited(sed, name, &out);
		cr_assert_eq(rc, 0, "%s", out);
		cr_assert_gt(summary(out, "contexts_exhausted"), 0, "%s", out);
		long long dropped = summary(out, "contexts_full_dropped");
		cr_assert_eq(ts_read_capture(in, &a), 0);
		cr_assert_eq(ts_read_capture(outp, &b), 0);
		if (i == 0)
			cr_assert(dropped == 0 && b.n == a.n, "forward: all %zu cross\n%s", a.n,
				  out);
		else
			cr_assert(dropped > 0 && b.n + (size_t)dropped == a.n,
				  "drop: %zu in, %zu out, %lld counted\n%s", a.n, b.n, dropped,
				  out);
		ts_free_capture(&a);
		ts_free_capture(&b);
		free(out);
	}
}

/* Flow tracking reads what the decoder found: turning the decoder off under it is an
 * error at start, not a silent plain bridge. */
Test(flows, tracking_without_decoding_is_refused, .init = setup, .fini = teardown, .timeout = 60)
{
	char cfg[600], *out = NULL;
	snprintf(cfg, sizeof(cfg), "%s/nodecode.conf", dir);
	cr_assert_eq(ts_run(NULL,
			    "sed -e 's/^decode = {/decode = { enabled = false;/' "
			    "%s/config/bridgeward.conf > %s",
			    ts_root(), cfg),
		     0);
	int rc = ts_run(
		&out,
		"%s/bridgeward --board %s/board/virt-pcap.conf --config %s --replay %s --out "
		"%s --check",
		ts_build(), ts_root(), cfg, in, outp);
	cr_assert_neq(rc, 0, "%s", out);
	cr_assert_not_null(strstr(out, "flow tracking needs decoding (decode.enabled = true"), "%s",
			   out);
	free(out);
}
