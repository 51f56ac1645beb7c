/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port bring-up and link control. Set-up is long and linear and fails fast with a message
 * naming the port and queue, as in DPDK's examples. Frames must leave bit-identical, so no
 * RX offload that rewrites frames (VLAN strip, CRC strip aside) is enabled.
 */
#include "ports.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_ethdev.h>

const uint8_t board_rss_sym_key[40] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

unsigned
board_port_queues(const struct board_profile *b)
{
	return b->dispatch == BOARD_DISPATCH_RSS ? b->nworkers : 1;
}

static int
start_one(const struct board_profile *b, unsigned idx, struct rte_mempool *mp, uint16_t *ethdev,
	  char *err, size_t errlen)
{
	const struct board_port *bp = &b->ports[idx];
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t pid, nq = (uint16_t)board_port_queues(b);
	uint16_t nrx = (uint16_t)b->rx_desc, ntx = (uint16_t)b->tx_desc;
	int rc;

	if (rte_eth_dev_get_port_by_name(bp->ethdev_name, &pid) != 0) {
		snprintf(err, errlen,
			 "port '%s' (%s): no such DPDK device; is it bound to a DPDK "
			 "driver, or is the vdev string right?",
			 bp->name, bp->ethdev_name);
		return -1;
	}
	*ethdev = pid;
	rc = rte_eth_dev_info_get(pid, &info);
	if (rc != 0) {
		snprintf(err, errlen, "port '%s': cannot read device info: %s", bp->name,
			 rte_strerror(-rc));
		return -1;
	}
	if (info.max_rx_queues < nq || info.max_tx_queues < nq) {
		snprintf(err, errlen,
			 "port '%s': %u workers need %u queue pairs, the device has %u RX / %u TX; "
			 "use dispatch = \"segment\" or fewer workers",
			 bp->name, b->nworkers, nq, info.max_rx_queues, info.max_tx_queues);
		return -1;
	}
	memset(&conf, 0, sizeof(conf));
	if (nq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = (uint8_t *)(uintptr_t)board_rss_sym_key;
		conf.rx_adv_conf.rss_conf.rss_key_len = sizeof(board_rss_sym_key);
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
			info.flow_type_rss_offloads;
		if (conf.rx_adv_conf.rss_conf.rss_hf == 0) {
			snprintf(err, errlen,
				 "port '%s': the device cannot spread flows by RSS; use "
				 "dispatch = \"segment\"",
				 bp->name);
			return -1;
		}
	}
	/* Devices that cannot take the board's MTU through DPDK keep their own limit: for
	 * net_pcap there is none, for net_af_packet the kernel interface's MTU and the
	 * socket's frame size (framesz) decide. */
	uint32_t overhead = board_max_frame(b) - b->mtu;
	if (info.max_mtu >= b->mtu && info.min_mtu <= b->mtu &&
	    info.max_rx_pktlen >= b->mtu + overhead)
		conf.rxmode.mtu = b->mtu;
	else if (b->mtu > 1500)
		fprintf(stderr,
			"bridgeward: port '%s': the device takes frames up to %u bytes through "
			"DPDK; MTU %u is left to the device\n",
			bp->name, info.max_rx_pktlen, b->mtu);
	rc = rte_eth_dev_configure(pid, nq, nq, &conf);
	if (rc != 0) {
		snprintf(err, errlen, "port '%s': configure with %u queues: %s", bp->name, nq,
			 rte_strerror(-rc));
		return -1;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nrx, &ntx);
	if (rc != 0) {
		snprintf(err, errlen, "port '%s': descriptors: %s", bp->name, rte_strerror(-rc));
		return -1;
	}
	int socket = rte_eth_dev_socket_id(pid);
	if (socket < 0)
		socket = (int)rte_socket_id();
	for (uint16_t q = 0; q < nq; q++) {
		rc = rte_eth_rx_queue_setup(pid, q, nrx, (unsigned)socket, NULL, mp);
		if (rc != 0) {
			snprintf(err, errlen, "port '%s' RX queue %u: %s", bp->name, q,
				 rte_strerror(-rc));
			return -1;
		}
		rc = rte_eth_tx_queue_setup(pid, q, ntx, (unsigned)socket, NULL);
		if (rc != 0) {
			snprintf(err, errlen, "port '%s' TX queue %u: %s", bp->name, q,
				 rte_strerror(-rc));
			return -1;
		}
	}
	rc = rte_eth_dev_start(pid);
	if (rc != 0) {
		snprintf(err, errlen, "port '%s': start: %s", bp->name, rte_strerror(-rc));
		return -1;
	}
	/* A bridge takes every frame on the wire. Devices without the notion (pcap files)
	 * answer -ENOTSUP, which is fine. */
	rc = rte_eth_promiscuous_enable(pid);
	if (rc != 0 && rc != -ENOTSUP) {
		snprintf(err, errlen, "port '%s': promiscuous mode: %s", bp->name,
			 rte_strerror(-rc));
		return -1;
	}
	rte_eth_allmulticast_enable(pid);
	return 0;
}

int
board_ports_start(const struct board_profile *b, struct rte_mempool *mp, uint16_t *ethdev,
		  char *err, size_t errlen)
{
	for (unsigned i = 0; i < b->nports; i++)
		if (start_one(b, i, mp, &ethdev[i], err, errlen) != 0)
			return -1;
	return 0;
}

void
board_ports_stop(const struct board_profile *b, const uint16_t *ethdev)
{
	for (unsigned i = 0; i < b->nports; i++) {
		rte_eth_dev_stop(ethdev[i]);
		rte_eth_dev_close(ethdev[i]);
	}
}

static int
netdev_carrier(const char *ifname)
{
	char path[128], c = '0';
	int fd;

	snprintf(path, sizeof(path), "/sys/class/net/%s/carrier", ifname);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	/* Reading carrier of an interface that is administratively down fails: down. */
	if (read(fd, &c, 1) != 1)
		c = '0';
	close(fd);
	return c == '1';
}

static int
netdev_set_up(const char *ifname, bool up)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) {
		rc = -errno;
	} else {
		if (up)
			ifr.ifr_flags |= IFF_UP;
		else
			ifr.ifr_flags &= ~IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0)
			rc = -errno;
	}
	close(fd);
	return rc;
}

int
board_port_link(const struct board_profile *b, unsigned idx, uint16_t ethdev)
{
	struct rte_eth_link link;

	if (b->ports[idx].netdev[0] != '\0')
		return netdev_carrier(b->ports[idx].netdev);
	if (rte_eth_link_get_nowait(ethdev, &link) != 0)
		return 0;
	return link.link_status == RTE_ETH_LINK_UP;
}

int
board_port_set_link(const struct board_profile *b, unsigned idx, uint16_t ethdev, bool up)
{
	if (b->ports[idx].netdev[0] != '\0')
		return netdev_set_up(b->ports[idx].netdev, up);
	return up ? rte_eth_dev_set_link_up(ethdev) : rte_eth_dev_set_link_down(ethdev);
}
