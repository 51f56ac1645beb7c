/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL argv construction. Hugepages are chosen when hugetlbfs is mounted and the free 2 MiB
 * pages cover the pool plus EAL's own needs; otherwise --no-huge (about half the packet
 * rate here, but it always starts).
 */
#include "eal.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_mbuf.h>

#define EAL_OVERHEAD (192ull << 20)

static int
add(struct fw_eal_args *a, const char *s)
{
	size_t n = strlen(s) + 1;

	if (a->argc + 1 >= FW_EAL_MAX_ARGS || a->used + n > sizeof(a->store))
		return -1;
	memcpy(a->store + a->used, s, n);
	a->argv[a->argc++] = a->store + a->used;
	a->argv[a->argc] = NULL;
	a->used += n;
	return 0;
}

static bool
user_has(int argc, char **argv, const char *opt)
{
	size_t n = strlen(opt);
	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], opt, n) == 0 && (argv[i][n] == '\0' || argv[i][n] == '='))
			return true;
	return false;
}

static uint64_t
free_hugepage_bytes(void)
{
	FILE *f = fopen("/proc/mounts", "r");
	char line[512];
	bool mounted = false;
	unsigned long pages = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, " hugetlbfs ") != NULL)
			mounted = true;
	fclose(f);
	if (!mounted)
		return 0;
	f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu", &pages) != 1)
		pages = 0;
	fclose(f);
	return (uint64_t)pages << 21;
}

uint64_t
fw_eal_pool_bytes(const struct board_profile *b, uint32_t mbuf_data_room)
{
	return (uint64_t)b->memory.mbufs * (mbuf_data_room + sizeof(struct rte_mbuf) + 64);
}

int
fw_eal_build(struct fw_eal_args *a, const char *prog, const struct board_profile *b,
	     uint32_t mbuf_data_room, int user_argc, char **user_argv, char *err, size_t errlen)
{
	char tmp[BOARD_DEV_LEN + 16];
	bool any_pci = false;
	int rc = 0;

	memset(a, 0, sizeof(*a));
	rc |= add(a, prog);
	/* Cores: control first, then workers. */
	size_t n = (size_t)snprintf(tmp, sizeof(tmp), "%u", b->control_core);
	for (unsigned i = 0; i < b->nworkers && n < sizeof(tmp); i++)
		n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, ",%u", b->workers[i]);
	if (!user_has(user_argc, user_argv, "-l") && !user_has(user_argc, user_argv, "--lcores")) {
		rc |= add(a, "-l");
		rc |= add(a, tmp);
		snprintf(tmp, sizeof(tmp), "%u", b->control_core);
		rc |= add(a, "--main-lcore");
		rc |= add(a, tmp);
	}
	for (unsigned i = 0; i < b->nports; i++) {
		if (b->ports[i].pci) {
			any_pci = true;
			rc |= add(a, "-a");
		} else {
			rc |= add(a, "--vdev");
		}
		rc |= add(a, b->ports[i].dev);
	}
	if (!any_pci)
		rc |= add(a, "--no-pci");
	bool user_mem = user_has(user_argc, user_argv, "--no-huge") ||
			user_has(user_argc, user_argv, "-m") ||
			user_has(user_argc, user_argv, "--socket-mem");
	if (!user_mem) {
		uint64_t need = fw_eal_pool_bytes(b, mbuf_data_room) + EAL_OVERHEAD;
		bool huge =
			b->memory.hugepages == BOARD_HUGE_ON ||
			(b->memory.hugepages == BOARD_HUGE_AUTO && free_hugepage_bytes() >= need);
		if (huge) {
			a->hugepages = 1;
		} else {
			uint64_t mem = b->memory.no_huge_bytes;
			if (mem < need)
				mem = need;
			snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)(mem >> 20));
			rc |= add(a, "--no-huge");
			rc |= add(a, "-m");
			rc |= add(a, tmp);
		}
	} else {
		a->hugepages = !user_has(user_argc, user_argv, "--no-huge");
	}
	if (!user_has(user_argc, user_argv, "--file-prefix")) {
		rc |= add(a, "--file-prefix");
		rc |= add(a, "bridgeward");
	}
	if (!user_has(user_argc, user_argv, "--log-level"))
		rc |= add(a, "--log-level=lib.eal:warning");
	for (int i = 0; i < user_argc; i++)
		rc |= add(a, user_argv[i]);
	if (rc != 0) {
		snprintf(err, errlen, "too many or too long EAL arguments");
		return -1;
	}
	return 0;
}
