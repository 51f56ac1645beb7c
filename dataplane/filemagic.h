/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_FILEMAGIC_H
#define DP_FILEMAGIC_H

/*
 * File signatures at the start of a transfer: executables, archives and office documents
 * crossing in clear (an HTTP body, an FTP data connection). A policy trigger
 * (behaviour "file_transfer"), not a file type detector: only the first bytes of a body
 * are looked at.
 *
 * Thread: any (pure).
 */

#include <stdbool.h>
#include <stdint.h>

enum dp_file_kind {
	DP_FILE_NONE,
	DP_FILE_EXECUTABLE,
	DP_FILE_ARCHIVE,
	DP_FILE_DOCUMENT,
	DP_FILE__COUNT
};

/*
 * What the n bytes at p (the start of a body) are. With strong set (a stream that carries
 * no known protocol: an FTP data connection, say), only signatures of four bytes or more
 * count, so that an unknown binary protocol starting with "MZ" is not taken for a
 * program; in an HTTP body, whose start is known, the short ones count too.
 */
enum dp_file_kind dp_file_magic(const uint8_t *p, uint32_t n, bool strong);
/* Could more bytes after these n still make a signature? */
bool dp_file_magic_more(const uint8_t *p, uint32_t n, bool strong);
const char *dp_file_kind_name(enum dp_file_kind k);

#endif /* DP_FILEMAGIC_H */
