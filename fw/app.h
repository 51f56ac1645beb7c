/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FW_APP_H
#define FW_APP_H

/*
 * The control core's view of the running appliance: board, configuration, ports,
 * workers and the state the control loop keeps (link state, replay progress).
 * One instance per process, owned by the control core; the telemetry thread reads it.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

#include "../board/board.h"
#include "../config/apps.h"
#include "../config/config.h"
#include "../dataplane/worker.h"

struct fw_options {
	const char *board;
	const char *config;
	const char *replay;    /* --replay IN: offline replay */
	const char *out;       /* --out OUT */
	const char *log;       /* --log FILE, overrides log.file */
	double stats_interval; /* --stats-interval S: a rate line on stdout every S seconds */
	double duration;       /* --duration S: stop after S seconds (benchmarks) */
	bool check;            /* --check: validate board and config, then exit */
	int eal_argc;
	char **eal_argv;
};

struct fw_port_state {
	int link;          /* last link state read: 1 up, 0 down, -1 not read yet */
	bool forced_down;  /* held down by link propagation */
	bool force_failed; /* a force was refused (reported once) */
};

struct fw_app {
	struct fw_options opt;
	struct board_profile board;
	struct cfg_config cfg;
	struct cfg_catalogue *cat; /* application catalogue (inspect.identify) */
	struct dp_policy *policy;  /* compiled policy, until the snapshot takes it */
	struct rte_mempool *pool;
	struct dp_shared *sh;
	struct dp_worker *workers[DP_MAX_WORKERS];
	unsigned nworkers;
	uint16_t ethdev[BOARD_MAX_PORTS];
	struct fw_port_state port[BOARD_MAX_PORTS];
	uint64_t replay_frames; /* frames in the replay capture */
	uint64_t start_usec;    /* wall clock at start of forwarding */
	uint64_t start_mono;    /* CLOCK_MONOTONIC then (fw_mono_usec) */
	uint64_t start_tsc;
};

#endif /* FW_APP_H */
