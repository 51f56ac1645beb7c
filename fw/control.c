/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control loop. It sleeps a millisecond between passes: nothing here is on the packet
 * path, and the workers never wait for it.
 *
 * Link propagation: a port whose link is down (and not because we forced it) forces the
 * other port of its segment down; when it comes back, the peer is released. Forced ports
 * are not read as sources, so two ports never hold each other down.
 */
#include "control.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "../board/ports.h"
#include "log.h"
#include "records.h"
#include "stats.h"

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

void
fw_control_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

const char *
fw_stop_reason_name(enum fw_stop_reason r)
{
	switch (r) {
	case FW_STOP_SIGNAL: return "signal";
	case FW_STOP_REPLAY_DONE: return "replay finished";
	case FW_STOP_REPLAY_STALLED: return "replay stalled";
	case FW_STOP_DURATION: return "duration reached";
	}
	return "?";
}

static void
log_link(const struct fw_app *app, unsigned idx, const char *state, const char *cause)
{
	const struct board_profile *b = &app->board;
	char buf[512];
	struct fw_json j;

	fw_log_begin(&j, buf, sizeof(buf), "link");
	fw_json_open(&j, "link");
	fw_json_str(&j, "port", b->ports[idx].name);
	fw_json_str(&j, "segment", b->segments[b->ports[idx].segment].name);
	fw_json_str(&j, "state", state);
	fw_json_str(&j, "cause", cause);
	fw_json_close(&j);
	fw_json_close(&j);
	fw_log_record(&j);
	fw_msg("link: port %s %s (%s)", b->ports[idx].name, state, cause);
}

static void
force(struct fw_app *app, unsigned idx, bool up, unsigned because)
{
	struct fw_port_state *ps = &app->port[idx];
	char cause[96];
	int rc = board_port_set_link(&app->board, idx, app->ethdev[idx], up);

	if (rc != 0) {
		if (!ps->force_failed)
			fw_warn("link propagation: cannot set port %s %s: %s",
				app->board.ports[idx].name, up ? "up" : "down", strerror(-rc));
		ps->force_failed = true;
		return;
	}
	ps->forced_down = !up;
	snprintf(cause, sizeof(cause), "propagated from %s", app->board.ports[because].name);
	log_link(app, idx, up ? "released" : "forced-down", cause);
}

void
fw_link_poll(struct fw_app *app)
{
	const struct board_profile *b = &app->board;

	for (unsigned i = 0; i < b->nports; i++) {
		struct fw_port_state *ps = &app->port[i];
		if (ps->forced_down)
			continue;
		int up = board_port_link(b, i, app->ethdev[i]);
		if (up != ps->link) {
			log_link(app, i, up ? "up" : "down", ps->link < 0 ? "start" : "carrier");
			ps->link = up;
		}
	}
	if (!app->cfg.bridge.link_propagation)
		return;
	for (unsigned s = 0; s < b->nsegments; s++) {
		const struct board_segment *sg = &b->segments[s];
		for (unsigned k = 0; k < 2; k++) {
			unsigned p = (unsigned)sg->port_idx[k], q = (unsigned)sg->port_idx[1 - k];
			if (app->port[p].forced_down)
				continue;
			if (app->port[p].link == 0 && !app->port[q].forced_down)
				force(app, q, false, p);
			else if (app->port[p].link == 1 && app->port[q].forced_down)
				force(app, q, true, p);
		}
	}
}

/* Frames the replay's input port has taken from the capture (received or refused). */
static uint64_t
replay_taken(const struct fw_app *app)
{
	unsigned in = (unsigned)app->board.segments[0].port_idx[0];
	struct rte_eth_stats es;

	if (rte_eth_stats_get(app->ethdev[in], &es) != 0)
		return 0;
	return es.ipackets + es.rx_nombuf + es.ierrors;
}

static void
print_rates(const struct fw_app *app, uint64_t *last_rx, uint64_t *last_tx, uint64_t *last_tsc)
{
	uint64_t rx = 0, tx = 0, drops = 0, now = rte_get_tsc_cycles();
	double dt = (double)(now - *last_tsc) / (double)rte_get_tsc_hz();

	for (unsigned i = 0; i < app->board.nports; i++) {
		struct fw_port_totals t;
		fw_stats_port(app, i, &t);
		rx += t.rx_pkts;
		tx += t.tx_pkts;
		drops += t.tx_drops;
	}
	printf("stats: t=%.1fs rx_pps=%.0f tx_pps=%.0f rx_total=%llu tx_total=%llu tx_drops=%llu\n",
	       (double)(now - app->start_tsc) / (double)rte_get_tsc_hz(),
	       (double)(rx - *last_rx) / dt, (double)(tx - *last_tx) / dt, (unsigned long long)rx,
	       (unsigned long long)tx, (unsigned long long)drops);
	fflush(stdout);
	*last_rx = rx;
	*last_tx = tx;
	*last_tsc = now;
}

void
fw_clock_anchor(struct fw_app *app)
{
	uint64_t tsc = rte_get_tsc_cycles();
	dp_clock_anchor_set(app->sh, tsc, app->start_usec + (fw_mono_usec() - app->start_mono));
}

uint64_t
fw_uptime_ms(const struct fw_app *app)
{
	return app->start_mono != 0 ? (fw_mono_usec() - app->start_mono) / 1000u : 0;
}

/* Once a second: inside hosts idle for policy.host_idle leave the host table, on the
 * workers' clock (capture time in a replay). */
static void
prune_hosts(struct fw_app *app)
{
	uint64_t now = 0;

	if (app->sh == NULL || app->sh->hosts == NULL)
		return;
	for (unsigned w = 0; w < app->nworkers; w++)
		now = RTE_MAX(now, __atomic_load_n(&app->workers[w]->clock_us, __ATOMIC_RELAXED));
	if (now != 0)
		dp_hosts_prune(app->sh->hosts, app->sh->rcu.qsbr, now,
			       app->cfg.policy.host_idle_ms * 1000, 65536);
}

enum fw_stop_reason
fw_control_run(struct fw_app *app)
{
	const uint64_t hz = rte_get_tsc_hz();
	const uint64_t link_every = app->cfg.bridge.link_poll_ms * hz / 1000;
	const uint64_t flush_every = hz / 4;
	const uint64_t stall_limit = 10 * hz;
	const uint64_t stats_every =
		app->opt.stats_interval > 0 ? (uint64_t)(app->opt.stats_interval * (double)hz) : 0;
	const uint64_t log_stats_every = app->cfg.log.stats_interval_ms * hz / 1000;
	const uint64_t end = app->opt.duration > 0
				     ? app->start_tsc + (uint64_t)(app->opt.duration * (double)hz)
				     : UINT64_MAX;
	uint64_t now = rte_get_tsc_cycles();
	uint64_t next_link = now + link_every, next_flush = now + flush_every;
	uint64_t next_stats = now + stats_every, next_log_stats = now + log_stats_every;
	uint64_t last_rx = 0, last_tx = 0, last_tsc = now;
	uint64_t next_prune = now + hz;
	uint64_t taken = 0, progress_tsc = now;

	for (;;) {
		now = rte_get_tsc_cycles();
		if (stop_requested)
			return FW_STOP_SIGNAL;
		if (now >= end)
			return FW_STOP_DURATION;
		if (app->opt.replay != NULL) {
			uint64_t t = replay_taken(app);
			if (t >= app->replay_frames)
				return FW_STOP_REPLAY_DONE;
			if (t != taken) {
				taken = t;
				progress_tsc = now;
			} else if (now - progress_tsc > stall_limit) {
				fw_warn("replay: no progress for 10 s after %llu of %llu frames",
					(unsigned long long)t,
					(unsigned long long)app->replay_frames);
				return FW_STOP_REPLAY_STALLED;
			}
		}
		if (now >= next_link) {
			fw_link_poll(app);
			next_link = now + link_every;
		}
		if (stats_every != 0 && now >= next_stats) {
			print_rates(app, &last_rx, &last_tx, &last_tsc);
			next_stats += stats_every;
		}
		if (log_stats_every != 0 && now >= next_log_stats) {
			fw_stats_log(app);
			next_log_stats += log_stats_every;
		}
		fw_records_drain(app, 4096);
		if (now >= next_prune) {
			fw_clock_anchor(app);
			prune_hosts(app);
			next_prune = now + hz;
		}
		if (now >= next_flush) {
			fw_log_flush();
			next_flush = now + flush_every;
		}
		usleep(1000);
	}
}

static unsigned
wait_drained(const struct fw_app *app, uint64_t ms)
{
	uint64_t deadline = rte_get_tsc_cycles() + ms * rte_get_tsc_hz() / 1000;
	unsigned left;

	do {
		/* Workers ending their flows fill their rings: keep emptying them. */
		fw_records_drain(app, 0);
		left = 0;
		for (unsigned w = 0; w < app->nworkers; w++)
			if (!__atomic_load_n(&app->workers[w]->drained, __ATOMIC_ACQUIRE))
				left++;
		if (left == 0)
			return 0;
		usleep(1000);
	} while (rte_get_tsc_cycles() < deadline);
	return left;
}

unsigned
fw_control_drain(struct fw_app *app)
{
	__atomic_store_n(&app->sh->state, DP_DRAIN, __ATOMIC_RELEASE);
	if (wait_drained(app, 2000) == 0)
		return 0;
	fw_warn("workers still busy after 2 s of draining; stopping them");
	__atomic_store_n(&app->sh->state, DP_STOP, __ATOMIC_RELEASE);
	return wait_drained(app, 2000);
}
