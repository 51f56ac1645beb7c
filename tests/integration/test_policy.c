/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Enforcement through the real binary (virt-pcap replay): bwgen's "apps" capture, which
 * holds flows of every application of the catalogue, replayed with a policy that blocks
 * them all. What the box forwarded (OUT) is compared with what it received (IN), flow by
 * flow, against the flow records:
 *  - a blocked flow (reset, blocked) crossed exactly its first pkts_before_block frames and
 *    nothing after its verdict;
 *  - every frame of an allowed flow arrived, byte for byte, in order;
 *  - every frame in OUT that was not in IN is an RST the box made for a reset flow;
 *  - every block has its policy event naming the rule.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../dataplane/decode.h"
#include "../gen/apps.h"
#include "../support/support.h"

static char *dir;

static void
setup(void)
{
	dir = ts_tmpdir("policy");
	cr_assert_not_null(dir);
}

static void
teardown(void)
{
	ts_rmtree(dir);
	free(dir);
}

/* A flow's key as text: protocol and the two endpoints, lower first. */
static void
key_of(const char *proto, const char *a, unsigned ap, const char *b, unsigned bp, char *out,
       size_t len)
{
	char x[80], y[80];
	snprintf(x, sizeof(x), "%s|%u", a, ap);
	snprintf(y, sizeof(y), "%s|%u", b, bp);
	if (strcmp(x, y) < 0)
		snprintf(out, len, "%s %s %s", proto, x, y);
	else
		snprintf(out, len, "%s %s %s", proto, y, x);
}

static bool
frame_key(const struct ts_frame *fr, struct dp_pkt *pk, char *out, size_t len)
{
	static const struct dp_decode_cfg dc = { .max_ip6_ext = 8, .ip4_csum_checked = true };
	char a[64], b[64];

	if (dp_decode(fr->data, fr->len, &dc, pk) != DP_DEC_OK || pk->l3 == 0 || pk->is_frag ||
	    (pk->proto != DP_PROTO_TCP && pk->proto != DP_PROTO_UDP))
		return false;
	int af = pk->l3 == 4 ? AF_INET : AF_INET6;
	inet_ntop(af, pk->src, a, sizeof(a));
	inet_ntop(af, pk->dst, b, sizeof(b));
	key_of(pk->proto == DP_PROTO_TCP ? "TCP" : "UDP", a, pk->sport, b, pk->dport, out, len);
	return true;
}

/* An RST as the box makes them: window 0, TTL (hop limit) 64. */
static bool
made_by_box(const struct ts_frame *fr)
{
	struct dp_pkt pk;
	char k[200];

	if (!frame_key(fr, &pk, k, sizeof(k)) || pk.proto != DP_PROTO_TCP ||
	    !(pk.tcp_flags & DP_TCP_RST) || pk.window != 0)
		return false;
	const uint8_t *ip = fr->data + pk.l3_off;
	return (pk.l3 == 4 ? ip[8] : ip[7]) == 64;
}

/* The order a frame keeps: its flow, its direction, and whether it carries payload ("" for
 * frames of no flow). */
static void
order_key(const struct ts_frame *fr, char *out, size_t len)
{
	struct dp_pkt pk;
	char k[160], src[64];

	if (!frame_key(fr, &pk, k, sizeof(k))) {
		out[0] = '\0';
		return;
	}
	inet_ntop(pk.l3 == 4 ? AF_INET : AF_INET6, pk.src, src, sizeof(src));
	snprintf(out, len, "%s from %s|%u %s", k, src, pk.sport, pk.payload_len ? "data" : "bare");
}

struct rec {
	char key[200];
	char action[16];
	char rule[48];
	int64_t before;
	size_t in, out;     /* frames of the flow in IN, and forwarded to OUT */
	size_t out_data;    /* ... of them carrying payload */
	bool out_is_prefix; /* the forwarded frames were the flow's first ones */
	size_t last_in;     /* frames of the flow in IN seen when OUT stopped matching */
};

static const char *scenario = "apps"; /* the bwgen capture run() replays */

static void
run(const char *policy, struct rec **recs, size_t *nrec, size_t *made_rst, size_t *events)
{
	char cfg[4096], logp[600], *path, *out = NULL, *line = NULL;
	size_t cap = 0;

	snprintf(cfg, sizeof(cfg),
		 "log = { file = \"\"; stats_interval = 0; };\n"
		 "flow = { entries = 16384; };\n"
		 "stream = { memory = \"16m\"; };\n"
		 "inspect = { contexts = 8192; identify = true; catalogue = [ "
		 "\"%s/config/apps.conf\" ];\n"
		 "  cache_dir = \"%s/cache\"; streams = 8192; heads = 1024; };\n"
		 "policy = {\n%s\n};\n",
		 ts_root(), dir, policy);
	path = ts_write_file(dir, "bridgeward.conf", cfg);
	snprintf(logp, sizeof(logp), "%s/events.json", dir);
	unlink(logp); /* the log appends: a second run in one test starts afresh */
	cr_assert_eq(ts_run(&out, "mkdir -p %s/cache && %s/bwgen %s %s/in.pcap", dir, ts_build(),
			    scenario, dir),
		     0, "%s", out);
	free(out);
	cr_assert_eq(ts_run(&out,
			    "%s/bridgeward --board %s/board/virt-pcap.conf --config %s --replay "
			    "%s/in.pcap --out %s/out.pcap --log %s -- --file-prefix %s",
			    ts_build(), ts_root(), path, dir, dir, logp, ts_prefix("policy")),
		     0, "%s", out);
	free(out);
	free(path);

	/* flow records and policy events */
	*recs = NULL;
	*nrec = 0;
	*events = 0;
	FILE *f = fopen(logp, "r");
	cr_assert_not_null(f);
	while (getline(&line, &cap, f) > 0) {
		if (strstr(line, "\"event_type\":\"policy\"") != NULL) {
			cr_assert(strstr(line, "\"rule\":\"") != NULL, "%s", line);
			(*events)++;
			continue;
		}
		if (strstr(line, "\"event_type\":\"flow\"") == NULL)
			continue;
		char proto[8], a[64], b[64];
		if (ts_json_str(line, "proto", proto, sizeof(proto)) == NULL ||
		    (strcmp(proto, "TCP") != 0 && strcmp(proto, "UDP") != 0))
			continue;
		*recs = realloc(*recs, (*nrec + 1) * sizeof(**recs));
		struct rec *r = &(*recs)[(*nrec)++];
		memset(r, 0, sizeof(*r));
		ts_json_str(line, "src_ip", a, sizeof(a));
		ts_json_str(line, "dest_ip", b, sizeof(b));
		key_of(proto, a, (unsigned)ts_json_u64(line, "src_port"), b,
		       (unsigned)ts_json_u64(line, "dest_port"), r->key, sizeof(r->key));
		cr_assert_not_null(ts_json_str(line, "action", r->action, sizeof(r->action)),
				   "no action: %s", line);
		/* a flow that ended while its verdict still waited for identification has no
		 * rule: nothing decided it, and it was forwarded */
		const char *act = strstr(line, "\"action\":"); /* after the evidence's rule */
		if (ts_json_str(act, "rule", r->rule, sizeof(r->rule)) == NULL)
			cr_assert_str_eq(r->action, "allowed", "%s", line);
		r->before = ts_json_u64(line, "pkts_before_block");
		r->out_is_prefix = true;
	}
	free(line);
	fclose(f);

	/* OUT must be, flow by flow and direction by direction, IN's frames in their order with
	 * frames left out, plus the RSTs the box made; frames of no flow keep their order among
	 * themselves. (Not the whole capture in one order: the hold option keeps a flow's first
	 * payload while other flows, and the flow's own bare acknowledgements, go on. Frames
	 * that carry payload and those that do not are two orders of their own.) */
	char inp[600], outp[600];
	struct ts_capture x, y;
	snprintf(inp, sizeof(inp), "%s/in.pcap", dir);
	snprintf(outp, sizeof(outp), "%s/out.pcap", dir);
	cr_assert_eq(ts_read_capture(inp, &x), 0);
	cr_assert_eq(ts_read_capture(outp, &y), 0);
	char(*xk)[256] = calloc(x.n ? x.n : 1, sizeof(*xk));
	bool *fwd = calloc(x.n ? x.n : 1, sizeof(*fwd));
	cr_assert(xk != NULL && fwd != NULL);
	for (size_t i = 0; i < x.n; i++)
		order_key(&x.f[i], xk[i], sizeof(xk[i]));
	struct cursor {
		const char *key;
		size_t at; /* IN frames of the key before this were matched or left out */
	} *cur = calloc(x.n + 1, sizeof(*cur));
	size_t ncur = 0;
	*made_rst = 0;
	for (size_t j = 0; j < y.n; j++) {
		char k[256];
		order_key(&y.f[j], k, sizeof(k));
		struct cursor *c = NULL;
		for (size_t q = 0; q < ncur && c == NULL; q++)
			if (strcmp(cur[q].key, k) == 0)
				c = &cur[q];
		if (c == NULL) {
			c = &cur[ncur++];
			c->key = strdup(k);
			c->at = 0;
		}
		size_t i = c->at;
		while (i < x.n && (strcmp(xk[i], k) != 0 || y.f[j].len != x.f[i].len ||
				   memcmp(y.f[j].data, x.f[i].data, x.f[i].len) != 0))
			i++;
		if (i < x.n) {
			fwd[i] = true;
			c->at = i + 1;
			continue;
		}
		cr_assert(made_by_box(&y.f[j]),
			  "OUT frame %zu is neither a frame of IN (in its flow's order) nor an RST "
			  "the box made",
			  j + 1);
		(*made_rst)++;
	}
	for (size_t i = 0; i < x.n; i++) {
		struct dp_pkt pk;
		char k[200];
		if (!frame_key(&x.f[i], &pk, k, sizeof(k))) {
			cr_assert(fwd[i], "IN frame %zu (no flow) did not cross", i + 1);
			continue;
		}
		for (size_t r = 0; r < *nrec; r++) {
			struct rec *rc = &(*recs)[r];
			if (strcmp(rc->key, k) != 0)
				continue;
			rc->in++;
			if (fwd[i]) {
				rc->out++;
				rc->out_data += pk.payload_len > 0;
				if (rc->out != rc->in)
					rc->out_is_prefix = false;
			}
		}
	}
	for (size_t q = 0; q < ncur; q++)
		free((void *)cur[q].key);
	free(cur);
	free(xk);
	free(fwd);
	ts_free_capture(&x);
	ts_free_capture(&y);
}

TestSuite(policy, .init = setup, .fini = teardown, .timeout = 120);

Test(policy, blocked_flows_stop_at_their_verdict_allowed_flows_arrive_intact)
{
	struct rec *recs;
	size_t n, made, events, blocked = 0, allowed = 0, reset = 0;

	run("default = \"allow\";\n"
	    "rules = (\n"
	    "  { name = \"reset-voip-chat\"; category = [ \"voip\", \"chat\" ]; action = "
	    "\"reset\"; "
	    "},\n"
	    "  { name = \"drop-the-rest\"; category = [ \"remote_access\", \"anonymizer\", "
	    "\"vpn\", "
	    "\"p2p\", \"tunnel\" ]; action = \"drop\"; icmp = true; }\n"
	    ");",
	    &recs, &n, &made, &events);
	cr_assert_gt(n, 50);
	for (size_t i = 0; i < n; i++) {
		struct rec *r = &recs[i];
		if (strcmp(r->action, "allowed") == 0) {
			allowed++;
			cr_assert(r->rule[0] == '\0' || strcmp(r->rule, "default") == 0, "%s: %s",
				  r->key, r->rule);
			cr_assert_eq(r->out, r->in, "allowed flow %s: %zu of %zu frames crossed",
				     r->key, r->out, r->in);
			continue;
		}
		blocked++;
		reset += strcmp(r->action, "reset") == 0;
		cr_assert(strcmp(r->rule, "reset-voip-chat") == 0 ||
				  strcmp(r->rule, "drop-the-rest") == 0,
			  "%s: rule %s", r->key, r->rule);
		cr_assert_geq(r->before, 0, "%s: no pkts_before_block", r->key);
		cr_assert_eq((int64_t)r->out, r->before,
			     "blocked flow %s: %zu frames crossed, the record says %lld", r->key,
			     r->out, (long long)r->before);
		cr_assert(r->out_is_prefix, "blocked flow %s: a frame crossed after one was held",
			  r->key);
		cr_assert_lt(r->out, r->in, "blocked flow %s lost nothing", r->key);
	}
	cr_assert_geq(blocked, 40, "only %zu flows blocked", blocked);
	cr_assert_gt(allowed, 20);
	cr_assert_gt(reset, 5);
	cr_assert_gt(made, 0, "no RST reached the far side");
	cr_assert_eq(events, blocked, "%zu policy events for %zu blocked flows", events, blocked);
	free(recs);
}

Test(policy, allow_everything_changes_nothing)
{
	struct rec *recs;
	size_t n, made, events;

	run("default = \"allow\";\n"
	    "rules = ( { name = \"log-all\"; category = [ \"voip\", \"chat\", \"remote_access\", "
	    "\"anonymizer\", \"vpn\", \"p2p\", \"tunnel\" ]; action = \"log\"; } );",
	    &recs, &n, &made, &events);
	cr_assert_eq(made, 0);
	size_t logged = 0;
	for (size_t i = 0; i < n; i++) {
		cr_assert_str_eq(recs[i].action, "allowed");
		cr_assert_eq(recs[i].out, recs[i].in, "%s", recs[i].key);
		logged += strcmp(recs[i].rule, "log-all") == 0;
	}
	cr_assert_gt(logged, 40);
	cr_assert_eq(events, logged, "one policy event per logged flow");
	free(recs);
}

/* Is r a flow with an end at NET.host? (Flow n of the apps capture is the one of client
 * 198.18.1.n; the uploads capture's go to servers 198.19.5.n.) */
static bool
rec_is(const struct rec *r, const char *net, unsigned host)
{
	char ep[40];
	snprintf(ep, sizeof(ep), " %s.%u|", net, host);
	return strstr(r->key, ep) != NULL;
}

/* The (first) record of the flow with an end at NET.host. */
static struct rec *
rec_at(struct rec *recs, size_t n, const char *net, unsigned host)
{
	for (size_t i = 0; i < n; i++)
		if (rec_is(&recs[i], net, host))
			return &recs[i];
	return NULL;
}

/* A rule on the behaviour file_transfer resets exactly the flows that carry a program, an
 * archive or a document in clear, and the segment that starts the file does not cross. */
Test(policy, file_transfers_are_stopped_before_the_file)
{
	static const unsigned files[] = { GA_FILE_HTTP_EXE, GA_FILE_HTTP_UPLOAD, GA_FILE_FTP_PDF,
					  GA_FILE_FTP_DOC };
	struct rec *recs;
	size_t n, made, events, blocked = 0;

	run("default = \"allow\";\n"
	    "rules = ( { name = \"no-files\"; behaviour = [ \"file_transfer\" ]; action = "
	    "\"reset\"; } );",
	    &recs, &n, &made, &events);
	for (size_t i = 0; i < n; i++) {
		struct rec *r = &recs[i];
		bool file = false;
		for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++)
			file |= rec_is(r, "198.18.1", files[k]);
		if (!file) {
			cr_assert_str_eq(r->action, "allowed", "%s", r->key);
			cr_assert_eq(r->out, r->in, "allowed flow %s lost frames", r->key);
			continue;
		}
		blocked++;
		cr_assert_str_eq(r->action, "reset", "%s", r->key);
		cr_assert_str_eq(r->rule, "no-files", "%s", r->key);
		cr_assert_eq((int64_t)r->out, r->before, "%s", r->key);
		cr_assert(r->out_is_prefix, "%s", r->key);
		cr_assert_lt(r->out, r->in, "%s: the file crossed", r->key);
	}
	cr_assert_eq(blocked, 4, "%zu file flows blocked", blocked);
	cr_assert_eq(events, 4);
	cr_assert_gt(made, 0);
	free(recs);
}

/* A counter of the policy group of the exit "stats" record in the last run's log. */
static int64_t
stat_of(const char *key)
{
	char logp[600], *line = NULL;
	size_t cap = 0;
	int64_t v = -1;

	snprintf(logp, sizeof(logp), "%s/events.json", dir);
	FILE *f = fopen(logp, "r");
	cr_assert_not_null(f);
	while (getline(&line, &cap, f) > 0)
		if (strstr(line, "\"event_type\":\"stats\"") != NULL &&
		    strstr(line, "\"policy\":{") != NULL)
			v = ts_json_u64(strstr(line, "\"policy\":{"), key);
	free(line);
	fclose(f);
	return v;
}

/*
 * policy.hold: the ClientHello cut into segments crosses in part before its name decides
 * the flow; with tcp/443 held, only the handshake crosses. Flows the verdict allows leave
 * intact and in their order, the undecided one when its time runs out.
 */
Test(policy, hold_keeps_the_first_segments_until_the_verdict)
{
	static const char rules[] = "rules = ( { name = \"no-teams\"; app = [ \"skype_teams\" ]; "
				    "action = \"reset\"; } );";
	char pol[1024];
	struct rec *recs, *r;
	size_t n, made, events;

	run(rules, &recs, &n, &made, &events);
	r = rec_at(recs, n, "198.18.1", GA_TEAMS_SNI_SPLIT);
	cr_assert_not_null(r);
	cr_assert_str_eq(r->action, "reset");
	cr_assert_gt(r->out_data, 0, "without hold the hello's first segments cross");
	free(recs);

	snprintf(pol, sizeof(pol),
		 "hold = { ports = [ \"tcp:443\" ]; packets = 16; time = \"5ms\"; };\n%s", rules);
	run(pol, &recs, &n, &made, &events);
	r = rec_at(recs, n, "198.18.1", GA_TEAMS_SNI_SPLIT);
	cr_assert_not_null(r);
	cr_assert_str_eq(r->action, "reset");
	cr_assert_eq(r->out_data, 0, "with hold none of the hello crosses (%zu segments did)",
		     r->out_data);
	cr_assert_eq((int64_t)r->out, r->before, "%zu frames crossed, the record says %lld", r->out,
		     (long long)r->before);
	size_t allowed = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(recs[i].action, "allowed") != 0)
			continue;
		allowed++;
		cr_assert_eq(recs[i].out, recs[i].in, "allowed flow %s: %zu of %zu frames",
			     recs[i].key, recs[i].out, recs[i].in);
	}
	cr_assert_gt(allowed, 50);
	r = rec_at(recs, n, "198.18.1", GA_OPAQUE_443);
	cr_assert_not_null(r);
	cr_assert_str_eq(r->action, "allowed");
	cr_assert_eq(r->out, r->in, "the undecided flow's held frames were not released");
	cr_assert_gt(stat_of("held"), 0);
	cr_assert_gt(stat_of("hold_expired"), 0, "the undecided flow waited its time out");
	cr_assert_gt(stat_of("hold_dropped"), 0, "the hello's segments went with the block");
	cr_assert_eq(stat_of("held_now"), 0);
	cr_assert_eq(stat_of("hold_overflow"), 0);
	free(recs);
}

/*
 * large_upload per inside host: 198.18.5.1 uploads 2.5 MiB to five servers in turn, with
 * 4 MiB allowed per hour. The first two uploads count 2 MiB each (whole MiB); the third
 * goes over during its first MiB and is reset there; the fourth and fifth are stopped at
 * their first packet. The other client's single upload goes through.
 */
Test(policy, large_uploads_per_host_and_period)
{
	struct rec *recs, *r;
	size_t n, made, events;

	scenario = "uploads";
	run("upload_host_bytes = \"4m\";\nupload_window = \"1h\";\n"
	    "rules = ( { name = \"big-uploads\"; behaviour = [ \"large_upload\" ]; action = "
	    "\"reset\"; } );",
	    &recs, &n, &made, &events);
	for (unsigned s = 1; s <= 6; s++) {
		r = rec_at(recs, n, "198.19.5", s);
		cr_assert_not_null(r, "no record for the upload to 198.19.5.%u", s);
		if (s <= 2 || s == 6) {
			cr_assert_str_eq(r->action, "allowed", "upload %u", s);
			cr_assert_eq(r->out, r->in, "upload %u lost frames", s);
			continue;
		}
		cr_assert_str_eq(r->action, "reset", "upload %u", s);
		cr_assert_str_eq(r->rule, "big-uploads");
		cr_assert(r->out_is_prefix);
		cr_assert_eq((int64_t)r->out, r->before);
		if (s == 3) {
			cr_assert_gt(r->out_data, 500, "the third went over during its first MiB");
			cr_assert_lt(r->out_data, 1200, "%zu segments crossed", r->out_data);
		} else {
			cr_assert_eq(r->out, 0, "upload %u: %zu frames crossed", s, r->out);
		}
	}
	cr_assert_eq(events, 3);
	cr_assert_gt(made, 0);
	free(recs);
}
