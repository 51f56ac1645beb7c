/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

/*
 * A fuzz target's invariant: when it does not hold, say where and what, and abort (libFuzzer
 * then writes the input out; fuzz.mk's report looks for "check failed").
 */
#include <stdio.h>
#include <stdlib.h>

#define CHECK(c)                                                                              \
	do {                                                                                  \
		if (!(c)) {                                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
			abort();                                                              \
		}                                                                             \
	} while (0)

#endif
