/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_REJECT_H
#define DP_REJECT_H

/*
 * Frames the box sends when a policy resets a flow: TCP RSTs to both ends, and ICMP
 * "administratively prohibited" for UDP. Each is built from the packet that met the
 * verdict, keeping its Ethernet and VLAN header (MACs swapped when it goes back to the
 * sender) so it reaches the host on the segment exactly as the real peer's frames do.
 *
 * Sequence numbers (RFC 793, RFC 5961): the packet at hand is dropped, so its receiver
 * still expects its sequence number: the RST to the receiver carries seq = the packet's
 * seq. Its sender expects the number it acknowledged: the RST to the sender carries
 * seq = the packet's ack (a sender still in SYN-SENT gets ack = its ISN + 1 instead, which
 * is what it accepts there). Both are in-window exactly, so neither end answers with a
 * challenge ACK.
 *
 * Thread: any; no state.
 */

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"

#define DP_REJECT_MAX 1600 /* largest frame built (ICMPv6 quotes at most 1232 bytes) */

/*
 * A TCP RST answering pk: to its sender (to_sender) or to its receiver. Writes the frame
 * into out and returns its length, or 0 when none can be built (not TCP, an L2 header
 * other than Ethernet and VLAN tags, a SYN the receiver never saw, out too small).
 */
uint32_t dp_reject_tcp_rst(const struct dp_pkt *pk, bool to_sender, uint8_t *out, uint32_t cap);

/*
 * ICMP destination unreachable, administratively prohibited (ICMPv4 type 3 code 13,
 * ICMPv6 type 1 code 1), to pk's sender, quoting its IP packet, from pk's destination.
 * Returns the frame length, or 0.
 */
uint32_t dp_reject_icmp(const struct dp_pkt *pk, uint8_t *out, uint32_t cap);

#endif /* DP_REJECT_H */
