/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Process entry: bridgeward --board FILE --config FILE [options] [-- EAL args]
 *
 * Start-up is linear and fails fast with a message that says where: command line, board
 * and configuration (file:line), EAL arguments derived from the board, the packet-buffer
 * pool, ports (name and queue), workers. Then the main lcore becomes the control core
 * (fw/control.c) while the board's worker lcores run dp_worker_main(). On SIGINT/SIGTERM,
 * at the end of an offline replay or after --duration, workers drain, ports stop (which
 * closes net_pcap output files), and a counters summary is printed.
 *
 * Exit status: 0 success, 1 runtime failure, 2 bad command line, board or configuration.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "../board/ports.h"
#include "../dataplane/attrib.h"
#include "../dataplane/hosts.h"
#include "../dataplane/identify.h"
#include "../dataplane/policy.h"
#include "app.h"
#include "control.h"
#include "eal.h"
#include "log.h"
#include "records.h"
#include "replay.h"
#include "stats.h"
#include "syslog.h"
#include "version.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE   2

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: bridgeward --board FILE --config FILE [options] [-- EAL arguments]\n"
		"\n"
		"  --board FILE          board profile (board/*.conf): ports, segments, cores\n"
		"  --config FILE         configuration (config/bridgeward.conf)\n"
		"  --replay IN           offline replay: feed every frame of IN (pcap/pcapng)\n"
		"                        into the first port of the first segment, exit when done\n"
		"  --out OUT             replay: write what the bridge forwards to OUT (pcap)\n"
		"  --log FILE            JSON-lines event log (overrides log.file)\n"
		"  --stats-interval S    print packet rates every S seconds\n"
		"  --duration S          stop after S seconds\n"
		"  --check               validate board and configuration, then exit\n"
		"  --reference           print the board and configuration key reference "
		"(Markdown)\n"
		"  --version             print the version\n"
		"  --help                this text\n");
}

static int
parse_args(int argc, char **argv, struct fw_options *o)
{
	enum {
		O_BOARD = 256,
		O_CONFIG,
		O_REPLAY,
		O_OUT,
		O_LOG,
		O_STATS,
		O_DURATION,
		O_CHECK,
		O_REF,
		O_VERSION,
		O_HELP
	};
	static const struct option opts[] = {
		{ "board", required_argument, NULL, O_BOARD },
		{ "config", required_argument, NULL, O_CONFIG },
		{ "replay", required_argument, NULL, O_REPLAY },
		{ "out", required_argument, NULL, O_OUT },
		{ "log", required_argument, NULL, O_LOG },
		{ "stats-interval", required_argument, NULL, O_STATS },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "check", no_argument, NULL, O_CHECK },
		{ "reference", no_argument, NULL, O_REF },
		{ "version", no_argument, NULL, O_VERSION },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	char *end;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case O_BOARD: o->board = optarg; break;
		case O_CONFIG: o->config = optarg; break;
		case O_REPLAY: o->replay = optarg; break;
		case O_OUT: o->out = optarg; break;
		case O_LOG: o->log = optarg; break;
		case O_STATS:
		case O_DURATION: {
			double v = strtod(optarg, &end);
			if (*end != '\0' || v <= 0 || v > 1e7) {
				fw_err("--%s wants a positive number of seconds, not '%s'",
				       c == O_STATS ? "stats-interval" : "duration", optarg);
				return -1;
			}
			if (c == O_STATS)
				o->stats_interval = v;
			else
				o->duration = v;
			break;
		}
		case O_CHECK: o->check = true; break;
		case O_REF:
			printf("### Board profile keys\n\n");
			cfg_print_reference(stdout, &board_table, "");
			printf("\n### Configuration keys\n\n");
			cfg_print_reference(stdout, &cfg_config_table, "");
			exit(0);
		case O_VERSION: printf("bridgeward %s\n", BW_VERSION); exit(0);
		case O_HELP: usage(stdout); exit(0);
		default: fw_err("unknown option '%s' (see --help)", argv[optind - 1]); return -1;
		}
	}
	if (optind < argc && strcmp(argv[optind - 1], "--") != 0) {
		fw_err("unexpected argument '%s' (EAL arguments go after --)", argv[optind]);
		return -1;
	}
	o->eal_argc = argc - optind;
	o->eal_argv = argv + optind;
	if (o->board == NULL || o->config == NULL) {
		fw_err("--board and --config are required");
		usage(stderr);
		return -1;
	}
	if ((o->replay == NULL) != (o->out == NULL)) {
		fw_err("--replay and --out go together");
		return -1;
	}
	return 0;
}

/* The catalogue files named by inspect.catalogue, relative to the configuration file. */
static int
load_catalogue(struct fw_app *app)
{
	const char *files[CFG_CATALOGUE_FILES];
	char dir[CFG_PATH_MAX] = ".";
	const char *slash = strrchr(app->opt.config, '/');
	struct cfg_diag *d = malloc(sizeof(*d));

	if (d == NULL || (app->cat = malloc(sizeof(*app->cat))) == NULL)
		return -1;
	if (slash != NULL)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - app->opt.config), app->opt.config);
	for (unsigned i = 0; i < app->cfg.inspect.ncatalogue; i++)
		files[i] = app->cfg.inspect.catalogue[i];
	int rc = cfg_catalogue_load(files, app->cfg.inspect.ncatalogue, dir, app->cat, d);
	if (rc != 0)
		cfg_diag_print(d, stderr);
	free(d);
	return rc;
}

static int
load_files(struct fw_app *app)
{
	struct cfg_diag d;
	struct board_var vars[] = {
		{ "replay", app->opt.replay, "--replay IN" },
		{ "out", app->opt.out, "--out OUT" },
	};

	int bad = 0;

	/* Report the problems of both files in one go. */
	if (board_load(app->opt.board, &app->board, &d) != 0 ||
	    board_resolve(&app->board, vars, 2, &d) != 0) {
		cfg_diag_print(&d, stderr);
		bad = 1;
	}
	if (cfg_config_load(app->opt.config, &app->cfg, &d) != 0) {
		cfg_diag_print(&d, stderr);
		bad = 1;
	}
	if (bad)
		return -1;
	if (app->cfg.flow.track && !app->cfg.decode.enabled) {
		fw_err("%s: flow tracking needs decoding (decode.enabled = true, or flow.track = "
		       "false for a plain bridge)",
		       app->opt.config);
		return -1;
	}
	/* identification reads flows: without flow tracking there is nothing to identify */
	if (!app->cfg.flow.track)
		app->cfg.inspect.identify = false;
	if (app->cfg.inspect.identify && load_catalogue(app) != 0)
		return -1;
	/* the policy names applications and segments: compile it now, so a bad rule stops
	 * the start (and --check) with its file:line */
	if (app->cfg.policy.nrules > 0 || app->cfg.policy.dflt != CFG_ACT_ALLOW) {
		if (!app->cfg.flow.track) {
			fw_err("%s: a policy needs flow tracking (flow.track = true)",
			       app->opt.config);
			return -1;
		}
		if (dp_policy_build(&app->cfg.policy, app->cat, &app->board, &app->policy, &d) !=
		    0) {
			cfg_diag_print(&d, stderr);
			return -1;
		}
	}
	if (app->board.nworkers > DP_MAX_WORKERS) {
		fw_err("%s: at most %d workers", app->opt.board, DP_MAX_WORKERS);
		return -1;
	}
	return 0;
}

/* The per-worker sizes the configuration asks for. */
static void
worker_limits(const struct cfg_config *c, struct dp_worker_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->flows = c->flow.entries;
	lim->stream_chunks = (uint32_t)(c->stream.memory / DP_CHUNK_SIZE);
	lim->stream_window = (uint32_t)c->stream.window;
	lim->stream_depth = (uint32_t)c->stream.depth;
	lim->stream_retain = c->stream.verify_delivered;
	lim->contexts = c->inspect.contexts;
	if (c->inspect.identify) {
		lim->hs_streams = c->inspect.streams;
		lim->heads = c->inspect.heads;
		lim->attribution = c->inspect.attribution;
	}
	lim->hold_mbufs = c->policy.hold.mbufs;
	lim->frag.datagrams = c->frag.datagrams;
	lim->frag.max_fragments = c->frag.max_fragments;
	lim->frag.max_held = c->frag.max_held;
	lim->frag.timeout_ms = (uint32_t)c->frag.timeout_ms;
	lim->timeouts.ms[DP_CLASS_TCP_NEW] = (uint32_t)c->flow.tcp_new_ms;
	lim->timeouts.ms[DP_CLASS_TCP_EST] = (uint32_t)c->flow.tcp_established_ms;
	lim->timeouts.ms[DP_CLASS_TCP_CLOSED] = (uint32_t)c->flow.tcp_closed_ms;
	lim->timeouts.ms[DP_CLASS_UDP_NEW] = (uint32_t)c->flow.udp_new_ms;
	lim->timeouts.ms[DP_CLASS_UDP_EST] = (uint32_t)c->flow.udp_established_ms;
	lim->timeouts.ms[DP_CLASS_OTHER] = (uint32_t)c->flow.other_ms;
	lim->timeouts.evict_idle_ms = (uint32_t)c->flow.evict_idle_ms;
	lim->event_ring = c->events.ring;
}

/* The snapshot workers read, from the configuration. */
static struct dp_snapshot *
snapshot_from(const struct fw_app *app)
{
	const struct cfg_config *c = &app->cfg;
	struct dp_snapshot *snap = calloc(1, sizeof(*snap));

	if (snap == NULL)
		return NULL;
	snap->burst = c->bridge.burst;
	snap->tx_retries = c->bridge.tx_retries;
	snap->track = c->flow.track;
	snap->decode_only = !c->flow.track && c->decode.enabled;
	snap->reassembly = c->stream.reassembly;
	snap->invalid_drop = c->decode.invalid == CFG_DROP;
	snap->flow_full_drop = c->flow.on_full == CFG_DROP;
	snap->ictx_full_drop = c->inspect.on_full == CFG_DROP;
	snap->stream_full_drop = c->stream.on_full == CFG_DROP;
	snap->frag_overflow_drop = c->frag.overflow == CFG_DROP;
	snap->frag_incomplete_drop = c->frag.incomplete == CFG_DROP;
	snap->replay = app->opt.replay != NULL;
	snap->age_budget = c->flow.age_batch;
	snap->decode.max_ip6_ext = c->decode.max_ip6_ext;
	snap->decode.ip4_csum_checked = c->decode.ip4_csum_ignore != 0;
	snap->identify = c->inspect.identify && app->cat != NULL;
	return snap;
}

static int
setup_workers(struct fw_app *app)
{
	const struct board_profile *b = &app->board;
	struct dp_worker_limits lim;
	struct dp_snapshot *snap;
	char err[256];

	app->sh = rte_zmalloc("bw_shared", sizeof(*app->sh), RTE_CACHE_LINE_SIZE);
	if (app->sh == NULL)
		return -1;
	app->sh->nports = b->nports;
	app->sh->tsc_hz = rte_get_tsc_hz();
	/* net_pcap stamps each frame with its capture time (microseconds) in the standard RX
	 * timestamp field: replay then runs on capture time. */
	app->sh->ts_offset = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
	int bit = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, NULL);
	app->sh->ts_flag = (app->sh->ts_offset >= 0 && bit >= 0) ? 1ull << bit : 0;
	for (unsigned i = 0; i < b->nports; i++) {
		const struct board_segment *sg = &b->segments[b->ports[i].segment];
		struct rte_eth_dev_info info;
		app->sh->ports[i].ethdev = app->ethdev[i];
		app->sh->ports[i].segment = (uint16_t)b->ports[i].segment;
		app->sh->ports[i].side = (uint16_t)b->ports[i].side;
		app->sh->ports[i].peer = (uint16_t)sg->port_idx[1 - b->ports[i].side];
		app->sh->ports[i].ts_usec = app->sh->ts_flag != 0 &&
					    rte_eth_dev_info_get(app->ethdev[i], &info) == 0 &&
					    strcmp(info.driver_name, "net_pcap") == 0;
	}
	if (dp_rcu_init(&app->sh->rcu, b->nworkers) != 0) {
		fw_err("cannot set up RCU for %u workers", b->nworkers);
		return -1;
	}
	snap = snapshot_from(app);
	if (snap == NULL)
		return -1;
	if (app->policy != NULL) {
		if (dp_policy_meters(app->policy) != 0) {
			fw_err("policy: a rate limit's rate or burst is out of range");
			free(snap);
			return -1;
		}
		app->sh->hosts =
			dp_hosts_create("bw_hosts", app->policy->hosts, (int)rte_socket_id());
		if (app->sh->hosts == NULL) {
			fw_err("no memory for %u inside hosts (policy.hosts)", app->policy->hosts);
			free(snap);
			return -1;
		}
		snap->policy = app->policy;
		app->policy = NULL;
	}
	worker_limits(&app->cfg, &lim);
	if (snap->identify) {
		struct cfg_diag d;
		struct dp_ident_db *db;
		uint64_t t0 = rte_get_tsc_cycles();
		memset(&d, 0, sizeof(d));
		if (dp_ident_db_build(app->cat, app->cfg.inspect.cache_dir, b->nworkers, &db, &d) !=
		    0) {
			cfg_diag_print(&d, stderr);
			free(snap);
			return -1;
		}
		cfg_diag_print(&d, stderr); /* notes: cache rebuilt, not writable */
		db->udp_datagrams = app->cfg.inspect.udp_datagrams;
		db->tcp_depth = (uint32_t)app->cfg.inspect.depth;
		db->tcp_packets = app->cfg.inspect.tcp_packets;
		db->attr_ttl_min_us = app->cfg.inspect.attribution_ttl_min_ms * 1000;
		db->attr_ttl_max_us = app->cfg.inspect.attribution_ttl_max_ms * 1000;
		snap->ident = db;
		lim.hs_stream_size = db->m.stream_size;
		unsigned cached = 0, dbs = 0;
		for (int i = 0; i < DP_DB__COUNT; i++) {
			dbs += db->m.db[i] != NULL;
			cached += db->m.from_cache[i];
		}
		fw_msg("catalogue: %u applications, %u Hyperscan databases (%u from the cache) in "
		       "%.0f ms",
		       db->napps, dbs, cached,
		       (double)(rte_get_tsc_cycles() - t0) * 1000.0 / (double)rte_get_tsc_hz());
		dp_match_pool_install();
	}
	dp_snapshot_publish(&app->sh->rcu, snap);

	app->nworkers = b->nworkers;
	for (unsigned w = 0; w < b->nworkers; w++) {
		unsigned lcore = b->workers[w];
		struct dp_worker *wk;
		if (!rte_lcore_is_enabled(lcore)) {
			fw_err("%s: worker lcore %u is not enabled in EAL", b->name, lcore);
			return -1;
		}
		wk = rte_zmalloc_socket("bw_worker", sizeof(*wk), RTE_CACHE_LINE_SIZE,
					(int)rte_lcore_to_socket_id(lcore));
		if (wk == NULL) {
			fw_err("cannot allocate worker %u", w);
			return -1;
		}
		wk->id = w;
		wk->lcore = lcore;
		wk->sh = app->sh;
		app->workers[w] = wk;
	}
	/* Queue assignment: rss = queue w of every port to worker w; segment = both ports of
	 * segment s (queue 0) to worker s % nworkers. TX queues follow the same numbering. */
	for (unsigned i = 0; i < b->nports; i++) {
		for (unsigned w = 0; w < b->nworkers; w++) {
			struct dp_worker *wk = app->workers[w];
			unsigned q;
			if (b->dispatch == BOARD_DISPATCH_RSS) {
				q = w;
			} else {
				if ((unsigned)b->ports[i].segment % b->nworkers != w)
					continue;
				q = 0;
			}
			wk->rxq[wk->nrxq].port = (uint16_t)i;
			wk->rxq[wk->nrxq].queue = (uint16_t)q;
			wk->nrxq++;
			wk->tx[i].ethdev = app->ethdev[i];
			wk->tx[i].queue = (uint16_t)q;
		}
	}
	for (unsigned w = 0; w < b->nworkers; w++) {
		struct dp_worker *wk = app->workers[w];
		wk->capture_clock = wk->nrxq > 0;
		for (unsigned q = 0; q < wk->nrxq; q++)
			if (!app->sh->ports[wk->rxq[q].port].ts_usec)
				wk->capture_clock = false;
		if (dp_worker_init(wk, &lim, (int)rte_lcore_to_socket_id(wk->lcore), err,
				   sizeof(err)) != 0) {
			fw_err("%s", err);
			return -1;
		}
	}
	if (snap->identify) {
		struct dp_attrib *peers[DP_MAX_WORKERS];
		for (unsigned w = 0; w < b->nworkers; w++)
			peers[w] = app->workers[w]->ident.attrib;
		for (unsigned w = 0; w < b->nworkers; w++)
			dp_attrib_link(peers[w], peers, b->nworkers, w);
	}
	if (b->dispatch == BOARD_DISPATCH_SEGMENT && b->nworkers > b->nsegments)
		fw_warn("%s: %u workers for %u segments: with dispatch = \"segment\" the extra "
			"workers idle",
			b->name, b->nworkers, b->nsegments);
	/* Held fragments and queued descriptors come out of the same pool as RX buffers. */
	uint64_t need = (uint64_t)b->nworkers * lim.frag.max_held +
			(uint64_t)b->nports * (b->rx_desc + b->tx_desc) * board_port_queues(b);
	if (app->cfg.flow.track && need > b->memory.mbufs)
		fw_warn("memory.mbufs = %u (%s) is below what descriptors and held fragments may "
			"take (%llu): raise it or lower frag.max_held",
			b->memory.mbufs, app->opt.board, (unsigned long long)need);
	fw_msg("per-worker state: %u flows, %u inspection contexts, %llu MiB stream memory, %u "
	       "fragment datagrams: %llu MiB",
	       lim.flows, lim.contexts, (unsigned long long)(app->cfg.stream.memory >> 20),
	       lim.frag.datagrams, (unsigned long long)(dp_worker_state_bytes(&lim) >> 20));
	return 0;
}

int
main(int argc, char **argv)
{
	static struct fw_app app;
	struct fw_eal_args eal;
	char err[512], warn[512];
	uint32_t room, max_caplen = 0;
	int rc;

	if (parse_args(argc, argv, &app.opt) != 0)
		return EXIT_USAGE;
	if (load_files(&app) != 0)
		return EXIT_USAGE;
	if (app.opt.replay != NULL) {
		if (fw_replay_count(app.opt.replay, &app.replay_frames, &max_caplen, err,
				    sizeof(err), warn, sizeof(warn)) != 0) {
			fw_err("%s", err);
			return EXIT_USAGE;
		}
		if (warn[0] != '\0')
			fw_warn("%s", warn);
	}
	room = board_buffer_size(&app.board);
	if (app.opt.check) {
		if (app.cat != NULL) {
			struct cfg_diag d;
			struct dp_matcher m;
			memset(&d, 0, sizeof(d));
			if (dp_matcher_build(app.cat, "", &m, &d) != 0) {
				cfg_diag_print(&d, stderr);
				return EXIT_USAGE;
			}
			dp_matcher_free(&m);
			printf("catalogue: %u applications: OK\n", app.cat->napps);
		}
		printf("board %s: %u ports, %u segments, %u workers: OK\nconfig %s: OK\n",
		       app.opt.board, app.board.nports, app.board.nsegments, app.board.nworkers,
		       app.opt.config);
		return 0;
	}
	const char *logpath = app.opt.log != NULL ? app.opt.log : app.cfg.log.file;
	if (fw_log_open(logpath) != 0) {
		fw_err("cannot open log %s: %s", logpath, strerror(errno));
		return EXIT_USAGE;
	}
	/* An unreachable TCP collector is not an error: the sink queues and retries. */
	if (fw_syslog_open(&app.cfg.log.syslog, err, sizeof(err)) != 0) {
		fw_err("syslog: %s", err);
		return EXIT_RUNTIME;
	}
	if (fw_eal_build(&eal, argv[0], &app.board, room, app.opt.eal_argc, app.opt.eal_argv, err,
			 sizeof(err)) != 0) {
		fw_err("%s", err);
		return EXIT_USAGE;
	}
	rc = rte_eal_init(eal.argc, eal.argv);
	if (rc < 0) {
		fw_err("EAL initialisation failed: %s (arguments from board %s)",
		       rte_strerror(rte_errno), app.opt.board);
		return EXIT_RUNTIME;
	}
	fw_control_signals();
	if (rte_lcore_id() != app.board.control_core)
		fw_warn("control core is lcore %u, board says %u", rte_lcore_id(),
			app.board.control_core);

	app.pool = rte_pktmbuf_pool_create("bw_mbufs", app.board.memory.mbufs,
					   app.board.memory.mbuf_cache, 0, (uint16_t)room,
					   (int)rte_socket_id());
	if (app.pool == NULL) {
		fw_err("cannot create %u packet buffers of %u bytes: %s (memory.mbufs in %s)",
		       app.board.memory.mbufs, room, rte_strerror(rte_errno), app.opt.board);
		rte_eal_cleanup();
		return EXIT_RUNTIME;
	}
	if (max_caplen + RTE_PKTMBUF_HEADROOM > room)
		fw_warn("replay: frames up to %u bytes exceed the board's MTU %u; they are "
			"received in several buffers",
			max_caplen, app.board.mtu);
	if (board_ports_start(&app.board, app.pool, app.ethdev, err, sizeof(err)) != 0) {
		fw_err("%s", err);
		rte_eal_cleanup();
		return EXIT_RUNTIME;
	}
	if (setup_workers(&app) != 0) {
		board_ports_stop(&app.board, app.ethdev);
		rte_eal_cleanup();
		return EXIT_RUNTIME;
	}
	for (unsigned i = 0; i < app.board.nports; i++)
		app.port[i].link = -1;
	if (fw_telemetry_register(&app) != 0)
		fw_warn("telemetry commands not registered");

	app.start_usec = fw_now_usec();
	app.start_mono = fw_mono_usec();
	app.start_tsc = rte_get_tsc_cycles();
	fw_clock_anchor(&app);
	fw_link_poll(&app);
	fw_msg("board %s: %u ports, %u segments, %u workers, %s, %u-byte buffers; %s",
	       app.board.name, app.board.nports, app.board.nsegments, app.nworkers,
	       eal.hugepages ? "hugepages" : "no hugepages", room,
	       app.opt.replay ? "replaying" : "forwarding");
	for (unsigned w = 0; w < app.nworkers; w++) {
		rc = rte_eal_remote_launch(dp_worker_main, app.workers[w], app.workers[w]->lcore);
		if (rc != 0) {
			fw_err("cannot launch worker %u on lcore %u: %s", w, app.workers[w]->lcore,
			       rte_strerror(-rc));
			__atomic_store_n(&app.sh->state, DP_STOP, __ATOMIC_RELEASE);
			rte_eal_mp_wait_lcore();
			board_ports_stop(&app.board, app.ethdev);
			rte_eal_cleanup();
			return EXIT_RUNTIME;
		}
	}

	enum fw_stop_reason why = fw_control_run(&app);
	fw_msg("stopping: %s", fw_stop_reason_name(why));
	unsigned stuck = fw_control_drain(&app);
	if (stuck != 0)
		fw_err("%u workers did not stop", stuck);
	rte_eal_mp_wait_lcore();
	fw_records_drain(&app, 0);

	fw_stats_print(&app, stdout);
	fw_stats_log(&app);
	board_ports_stop(&app.board, app.ethdev);
	bool syslog_on = fw_syslog_enabled();
	fw_log_close();
	if (syslog_on) {
		struct fw_syslog_counters sc;
		fw_syslog_counters(&sc);
		fw_msg("syslog: %" PRIu64 " messages sent, %" PRIu64 " dropped, %" PRIu64
		       " truncated, %" PRIu64 " connection failures",
		       sc.sent, sc.dropped, sc.truncated, sc.conn_failures);
	}
	dp_rcu_fini(&app.sh->rcu);
	dp_hosts_free(app.sh->hosts);
	app.sh->hosts = NULL;
	for (unsigned w = 0; w < app.nworkers; w++) {
		dp_worker_fini(app.workers[w]);
		rte_free(app.workers[w]);
	}
	rte_free(app.sh);
	rte_mempool_free(app.pool);
	rte_eal_cleanup();
	if (why == FW_STOP_REPLAY_STALLED)
		return EXIT_RUNTIME;
	return stuck != 0 ? EXIT_RUNTIME : 0;
}
