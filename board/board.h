/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BOARD_BOARD_H
#define BOARD_BOARD_H

/*
 * Board profiles: the hardware Bridgeward runs on (board/<name>.conf).
 *
 * A profile names the ports (a PCI address or a DPDK virtual-device string), pairs them
 * into segments, says which cores are the control core and the workers and how work is
 * divided among the workers, and gives descriptor counts, MTU, memory hints, the console
 * device and the bypass kind. The main configuration stays portable between boards.
 *
 * Device strings may use ${name} variables, resolved by board_resolve() from the command
 * line (the virt-pcap board takes its capture files from --replay and --out this way).
 *
 * Thread: control core, before and after EAL start-up.
 */

#include <stdbool.h>
#include <stdint.h>

#include "../config/schema.h"

#define BOARD_MAX_PORTS    16
#define BOARD_MAX_SEGMENTS 8
#define BOARD_MAX_WORKERS  16
#define BOARD_NAME_LEN     32
#define BOARD_DEV_LEN      512

/* How workers share the ports. */
enum board_dispatch {
	/* Every worker owns one RX/TX queue pair on every port; symmetric RSS spreads flows. */
	BOARD_DISPATCH_RSS,
	/* One queue pair per port; each segment (both its ports) belongs to one worker,
	 * segments spread round-robin over the workers. For single-queue devices. */
	BOARD_DISPATCH_SEGMENT,
};

enum board_hugepages { BOARD_HUGE_AUTO, BOARD_HUGE_ON, BOARD_HUGE_OFF };
enum board_bypass { BOARD_BYPASS_NONE };

struct board_port {
	char name[BOARD_NAME_LEN];
	char dev[BOARD_DEV_LEN];     /* PCI address or vdev string */
	char netdev[BOARD_NAME_LEN]; /* kernel interface behind the port, or "" */
	struct cfg_where where;
	/* derived by board_validate() */
	bool pci;
	char ethdev_name[BOARD_DEV_LEN]; /* name DPDK gives the port */
	int segment;                     /* index of its segment */
	int side;                        /* 0 or 1 within the segment */
};

struct board_segment {
	char name[BOARD_NAME_LEN];
	char ports[2][BOARD_NAME_LEN];
	unsigned nports;
	char inside[BOARD_NAME_LEN]; /* the port facing the enterprise */
	struct cfg_where where;
	/* derived */
	int port_idx[2]; /* indexes into board.ports */
	int inside_side; /* 0 or 1 */
};

struct board_memory {
	int hugepages;          /* enum board_hugepages */
	uint32_t mbufs;         /* packet buffers in the pool */
	uint32_t mbuf_cache;    /* per-lcore mempool cache */
	uint64_t no_huge_bytes; /* EAL memory (-m) when running without hugepages */
	uint64_t buffer_size;   /* mbuf data room; 0: derived from the MTU */
};

struct board_profile {
	char name[BOARD_NAME_LEN];
	char description[256];
	struct board_port ports[BOARD_MAX_PORTS];
	unsigned nports;
	struct board_segment segments[BOARD_MAX_SEGMENTS];
	unsigned nsegments;
	uint32_t control_core;
	struct cfg_where cores_where; /* the cores group, for messages */
	uint32_t workers[BOARD_MAX_WORKERS];
	unsigned nworkers;
	int dispatch; /* enum board_dispatch */
	uint32_t rx_desc, tx_desc;
	uint32_t mtu;
	struct board_memory memory;
	char console[64];
	int bypass;             /* enum board_bypass */
	struct cfg_where where; /* the file, for messages */
};

extern const struct cfg_table board_table;

/* Load and validate a board profile. Returns 0, or -1 with messages in d. */
int board_load(const char *path, struct board_profile *b, struct cfg_diag *d);
int board_load_string(const char *text, const char *name, struct board_profile *b,
		      struct cfg_diag *d);

/* A ${name} variable for device strings. */
struct board_var {
	const char *name;
	const char *value;  /* NULL: not given */
	const char *option; /* the command-line option that gives it, for messages */
};

/*
 * Replace ${name} in every port's device string. Returns 0, or -1 with a message naming the
 * port, its line and the option to give.
 */
int board_resolve(struct board_profile *b, const struct board_var *vars, unsigned nvars,
		  struct cfg_diag *d);

/* Frame bytes a port must hold at the board's MTU (Ethernet header, two VLAN tags, FCS). */
uint32_t board_max_frame(const struct board_profile *b);

/* Data room of each packet buffer: memory.buffer_size, or headroom plus the largest frame,
 * so that every frame fits one buffer. */
uint32_t board_buffer_size(const struct board_profile *b);

#endif /* BOARD_BOARD_H */
