/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BOARD_PORTS_H
#define BOARD_PORTS_H

/*
 * Board glue for ports: bring the board's ports up in DPDK (queues, symmetric RSS, MTU,
 * promiscuous mode, no offloads that change frames), read their link state and force it
 * down or up for link propagation.
 *
 * Link state comes from DPDK (rte_eth_link_get_nowait) for ports that report it, and from
 * the kernel interface behind the port (its carrier, /sys/class/net/IF/carrier) for ports
 * with a netdev, such as net_af_packet on veth, whose DPDK link state is fixed at "up".
 *
 * Thread: control core.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mempool.h>

#include "board.h"

/* The symmetric RSS key: 0x6d5a repeated, so (a,b) and (b,a) hash alike. */
extern const uint8_t board_rss_sym_key[40];

/* Queue pairs each port needs under the board's dispatch mode. */
unsigned board_port_queues(const struct board_profile *b);

/*
 * Find every port in DPDK, configure it with nq queue pairs, start it in promiscuous
 * mode. ethdev[i] receives the DPDK port id of board port i. Returns 0, or -1 with a
 * message naming the port (and queue) in err.
 */
int board_ports_start(const struct board_profile *b, struct rte_mempool *mp, uint16_t *ethdev,
		      char *err, size_t errlen);

/* Stop and close every port (flushes net_pcap output files). */
void board_ports_stop(const struct board_profile *b, const uint16_t *ethdev);

/* 1: link up, 0: link down. */
int board_port_link(const struct board_profile *b, unsigned idx, uint16_t ethdev);

/* Force the port's link down (up = false) or let it come back (up = true). 0 or -errno. */
int board_port_set_link(const struct board_profile *b, unsigned idx, uint16_t ethdev, bool up);

#endif /* BOARD_PORTS_H */
