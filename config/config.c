/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main configuration's schema: one row per key, defaults in one place (the rows), and
 * the cross-field checks the rows cannot express in validate().
 */
#include "config.h"

#include <stddef.h>

#define F(field) offsetof(struct cfg_config, field)

static const struct cfg_row bridge_rows[] = {
	{ .key = "link_propagation",
	  .type = CFG_BOOL,
	  .off = F(bridge.link_propagation),
	  .def = "false",
	  .doc = "force a port's link down while the other port of its segment has none" },
	{ .key = "link_poll",
	  .type = CFG_DURATION,
	  .off = F(bridge.link_poll_ms),
	  .def = "100ms",
	  .min = 10,
	  .max = 10000,
	  .doc = "how often link state is read" },
	{ .key = "burst",
	  .type = CFG_UINT,
	  .off = F(bridge.burst),
	  .size = 4,
	  .def = "32",
	  .min = 1,
	  .max = 64,
	  .doc = "frames per RX burst" },
	{ .key = "tx_retries",
	  .type = CFG_UINT,
	  .off = F(bridge.tx_retries),
	  .size = 4,
	  .def = "8",
	  .max = 1000,
	  .doc = "extra TX attempts for frames a device refused before they are dropped and "
		 "counted" },
};

static const struct cfg_row log_rows[] = {
	{ .key = "file",
	  .type = CFG_STRING,
	  .off = F(log.file),
	  .size = CFG_PATH_MAX,
	  .def = "",
	  .doc = "JSON-lines event log (EVE-style); empty for none; --log overrides" },
	{ .key = "stats_interval",
	  .type = CFG_DURATION,
	  .off = F(log.stats_interval_ms),
	  .def = "0",
	  .max = 86400000,
	  .doc = "write a \"stats\" record this often (0: only at exit)" },
};

static const struct cfg_table bridge_table = CFG_TABLE("bridge", bridge_rows);
static const struct cfg_table log_table = CFG_TABLE("log", log_rows);

static const struct cfg_row top_rows[] = {
	{ .key = "bridge", .type = CFG_GROUP, .sub = &bridge_table, .doc = "forwarding" },
	{ .key = "log", .type = CFG_GROUP, .sub = &log_table, .doc = "event log" },
};

const struct cfg_table cfg_config_table = CFG_TABLE("config", top_rows);

int
cfg_config_load(const char *path, struct cfg_config *out, struct cfg_diag *d)
{
	return cfg_load_file(path, &cfg_config_table, out, sizeof(*out), d);
}

int
cfg_config_load_string(const char *text, const char *name, struct cfg_config *out,
		       struct cfg_diag *d)
{
	return cfg_load_string(text, name, &cfg_config_table, out, sizeof(*out), d);
}
