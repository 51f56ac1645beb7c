/* SPDX-License-Identifier: BSD-3-Clause */
/* fw/eal.c: the EAL command line a board implies, and admin overrides. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "../../fw/eal.h"

static struct board_profile b;
static struct cfg_diag d;

static void
setup(void)
{
	cr_assert_eq(
		board_load_string("name = \"t\";\nports = (\n"
				  " { name = \"a\"; dev = \"net_null0,size=64\"; },\n"
				  " { name = \"b\"; dev = \"0000:03:00.1\"; }\n);\n"
				  "segments = ( { name = \"s\"; ports = [ \"a\", \"b\" ]; } );\n"
				  "cores = { control = 0; workers = [ 2, 3 ]; };\n"
				  "memory = { hugepages = \"off\"; no_huge_size = \"256m\"; mbufs "
				  "= 4096; };\n",
				  "b.conf", &b, &d),
		0, "%s", d.msg[0]);
}

static const char *
joined(const struct fw_eal_args *a)
{
	static char s[4096];
	size_t n = 0;
	for (int i = 0; i < a->argc; i++)
		n += (size_t)snprintf(s + n, sizeof(s) - n, "%s%s", i ? " " : "", a->argv[i]);
	return s;
}

Test(eal, board_implies_cores_ports_memory, .init = setup)
{
	struct fw_eal_args a;
	char err[128];

	cr_assert_eq(fw_eal_build(&a, "bw", &b, 2048, 0, NULL, err, sizeof(err)), 0);
	cr_assert_str_eq(joined(&a), "bw -l 0,2,3 --main-lcore 0 --vdev net_null0,size=64 -a "
				     "0000:03:00.1 --no-huge -m 256 --file-prefix bridgeward "
				     "--log-level=lib.eal:warning");
	cr_assert_eq(a.hugepages, 0);
	cr_assert_null(a.argv[a.argc]);
}

Test(eal, memory_grows_to_fit_the_pool, .init = setup)
{
	struct fw_eal_args a;
	char err[128];

	b.memory.mbufs = 65536; /* 65536 * ~9.5 KiB: more than 256 MiB */
	cr_assert_eq(fw_eal_build(&a, "bw", &b, 9216, 0, NULL, err, sizeof(err)), 0);
	const char *m = strstr(joined(&a), "--no-huge -m ");
	cr_assert_not_null(m, "%s", joined(&a));
	/* the pool alone is 65536 buffers of 9216 bytes plus headers: over 600 MiB */
	cr_assert_geq(strtoul(m + 13, NULL, 10), (65536ul * 9216) >> 20);
}

Test(eal, admin_arguments_win, .init = setup)
{
	struct fw_eal_args a;
	char err[128];
	char *user[] = { "--file-prefix=mine", "-m", "512", "--no-huge" };

	cr_assert_eq(fw_eal_build(&a, "bw", &b, 2048, 4, user, err, sizeof(err)), 0);
	cr_assert_str_eq(joined(&a), "bw -l 0,2,3 --main-lcore 0 --vdev net_null0,size=64 -a "
				     "0000:03:00.1 --log-level=lib.eal:warning --file-prefix=mine "
				     "-m 512 --no-huge");
}
