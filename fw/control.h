/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FW_CONTROL_H
#define FW_CONTROL_H

/*
 * The control core's loop while workers forward: link state and link propagation,
 * periodic statistics, log flushing, the end of an offline replay, the --duration limit
 * and SIGINT/SIGTERM. Returns when the appliance should stop; the caller then drains the
 * workers (fw_control_drain) and shuts down.
 *
 * Thread: control core (the EAL main lcore).
 */

#include "app.h"

/* Why the loop ended. */
enum fw_stop_reason {
	FW_STOP_SIGNAL,
	FW_STOP_REPLAY_DONE,
	FW_STOP_REPLAY_STALLED,
	FW_STOP_DURATION,
};

/* Install SIGINT/SIGTERM handlers that ask the loop to stop. */
void fw_control_signals(void);

/* Tell the workers what wall time the TSC stands for now: the start's wall clock plus
 * CLOCK_MONOTONIC since (struct dp_clock_anchor). At start, then every second. */
void fw_clock_anchor(struct fw_app *app);

/* Milliseconds since forwarding began, by CLOCK_MONOTONIC (0 before). */
uint64_t fw_uptime_ms(const struct fw_app *app);

/* Read link state once, log changes, apply link propagation. */
void fw_link_poll(struct fw_app *app);

enum fw_stop_reason fw_control_run(struct fw_app *app);

/* Ask workers to drain and wait for them (bounded). Returns the number that did not. */
unsigned fw_control_drain(struct fw_app *app);

const char *fw_stop_reason_name(enum fw_stop_reason r);

#endif /* FW_CONTROL_H */
