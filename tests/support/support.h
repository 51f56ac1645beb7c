/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

/*
 * Helpers shared by the Criterion tests: temporary directories, running the real binary
 * and capturing its output, reading captures, and picking values out of JSON-lines logs.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A fresh directory under /tmp, removed by ts_rmtree. */
char *ts_tmpdir(const char *tag);
void ts_rmtree(const char *dir);
/* Write text to dir/name; returns the malloc'd path. */
char *ts_write_file(const char *dir, const char *name, const char *text);

/* The project root and build directory (BW_ROOT, BW_BUILD, or guessed from the cwd). */
const char *ts_root(void);
const char *ts_build(void);

/* Run a shell command; stdout+stderr go to *out (malloc'd, may be NULL). Returns the exit
 * status (or 128+signal). */
int ts_run(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A unique EAL file prefix for a test process. */
const char *ts_prefix(const char *tag);

/* Start DPDK's EAL in a unit test's process: no hugepages (mem_mb MiB of memory), no PCI,
 * no shared config, lcore 0, a file prefix of tag and the pid, errors only. Returns what
 * rte_eal_init returns. */
int ts_eal(const char *tag, unsigned mem_mb);

/* Frames of a capture, in order. */
struct ts_frame {
	uint32_t len;
	uint8_t *data;
};
struct ts_capture {
	size_t n;
	struct ts_frame *f;
};
int ts_read_capture(const char *path, struct ts_capture *c);
void ts_free_capture(struct ts_capture *c);

/* The first line of a file containing needle (malloc'd), or NULL. */
char *ts_grep_line(const char *path, const char *needle);
/* Count lines containing needle. */
size_t ts_count_lines(const char *path, const char *needle);
/* The unsigned number after "key": in a JSON text (first occurrence), or -1. */
int64_t ts_json_u64(const char *json, const char *key);
/* The string after "key": (first occurrence) into buf; returns buf or NULL. */
char *ts_json_str(const char *json, const char *key, char *buf, size_t len);

#endif /* TEST_SUPPORT_H */
