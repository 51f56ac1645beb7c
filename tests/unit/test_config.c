/* SPDX-License-Identifier: BSD-3-Clause */
/* config/config.c: the shipped configuration loads; errors carry file:line. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "../../config/config.h"
#include "../support/support.h"

static struct cfg_config c;
static struct cfg_diag d;

Test(config, shipped_config_loads)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/config/bridgeward.conf", ts_root());
	cr_assert_eq(cfg_config_load(path, &c, &d), 0, "%s", d.msg[0]);
	cr_assert_eq(c.bridge.burst, 64);
	cr_assert_eq(c.bridge.link_poll_ms, 100);
}

Test(config, defaults_without_file_content)
{
	cr_assert_eq(cfg_config_load_string("", "c.conf", &c, &d), 0);
	cr_assert(!c.bridge.link_propagation);
	cr_assert_eq(c.bridge.tx_retries, 8);
	cr_assert_str_eq(c.log.file, "");
}

Test(config, errors_name_file_and_line)
{
	cr_assert_eq(
		cfg_config_load_string("bridge = {\n  burst = 500;\n  link_propagation = 1;\n};\n"
				       "logs = { };\n",
				       "c.conf", &c, &d),
		-1);
	cr_assert_eq(d.n, 3);
	cr_assert_str_eq(d.msg[0], "c.conf:2: 'burst' = 500 is out of range 1..128");
	cr_assert_str_eq(d.msg[1], "c.conf:3: 'link_propagation' must be a boolean");
	cr_assert_str_eq(d.msg[2], "c.conf:5: unknown key 'logs' in config (did you mean 'log'?)");
}
