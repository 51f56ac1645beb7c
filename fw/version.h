/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FW_VERSION_H
#define FW_VERSION_H

/* The Makefile passes the git description; builds outside git say "dev". */
#ifndef BW_VERSION
#define BW_VERSION "dev"
#endif

#endif /* FW_VERSION_H */
