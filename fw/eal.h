/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FW_EAL_H
#define FW_EAL_H

/*
 * The EAL command line a board implies: the core list and main (control) core, the ports
 * (PCI allow-list or --vdev), memory (hugepages when enough are free and mounted, else
 * --no-huge with the board's size), a file prefix. Arguments the admin gives after "--"
 * come last and win; one that sets memory or the file prefix replaces the board's choice.
 */

#include <stddef.h>
#include <stdint.h>

#include "../board/board.h"

#define FW_EAL_MAX_ARGS 128

struct fw_eal_args {
	int argc;
	char *argv[FW_EAL_MAX_ARGS];
	char store[8192];
	size_t used;
	int hugepages; /* 1 when the board's memory comes from hugepages */
};

/* Bytes of packet-buffer memory the board needs (the mempool). */
uint64_t fw_eal_pool_bytes(const struct board_profile *b, uint32_t mbuf_data_room);

/* Build the EAL argv. Returns 0, or -1 with a message in err. */
int fw_eal_build(struct fw_eal_args *a, const char *prog, const struct board_profile *b,
		 uint32_t mbuf_data_room, int user_argc, char **user_argv, char *err,
		 size_t errlen);

#endif /* FW_EAL_H */
