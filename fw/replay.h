/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FW_REPLAY_H
#define FW_REPLAY_H

/*
 * Offline replay support. DPDK's net_pcap gives no end-of-file signal (a drained file
 * just returns no more frames), so the control core counts the capture's frames with
 * libpcap before start-up and declares the replay finished once the input port has taken
 * that many frames (received, or refused for lack of buffers or as errors).
 */

#include <stddef.h>
#include <stdint.h>

/*
 * Count the frames of a capture libpcap can read (pcap or pcapng). Returns 0, or -1 with a
 * message in err. A truncated last record ends the count with a warning in warn (or "").
 */
int fw_replay_count(const char *path, uint64_t *frames, uint32_t *max_caplen, char *err,
		    size_t errlen, char *warn, size_t warnlen);

#endif /* FW_REPLAY_H */
