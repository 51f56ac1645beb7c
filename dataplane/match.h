/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_MATCH_H
#define DP_MATCH_H

/*
 * Hyperscan databases built from the application catalogue, and scanning them.
 *
 *   DP_DB_HOST          block mode: host names (TLS SNI, HTTP Host, DNS names, certificates)
 *   DP_DB_TCP_TOSERVER  streaming mode: reassembled TCP, client to server
 *   DP_DB_TCP_TOCLIENT  streaming mode: reassembled TCP, server to client
 *   DP_DB_UDP_TOSERVER  block mode: UDP datagrams from the client
 *   DP_DB_UDP_TOCLIENT  block mode: UDP datagrams from the server
 *   DP_DB_TLS_HELLO     block mode: "sni=NAME;alpn=A,B;" of a TLS or QUIC ClientHello
 *
 * Building (control core): every expression is compiled with its pattern id; a compile
 * error names the application, the signature and its file:line. Compiled databases are
 * cached on disk, keyed by a SHA-256 of their input and the Hyperscan version and
 * platform, so a restart with an unchanged catalogue does not recompile; a cache file that
 * does not deserialise is reported and rebuilt.
 *
 * Scanning (workers): one scratch per worker (cloned from the prototype by the snapshot
 * builder), one stream per TCP flow direction, whose state comes from a per-worker pool
 * (dp_match_pool_*), so a scan never allocates.
 *
 * Thread: build/free on the control core; scans on workers with their own scratch.
 */

#include <stdbool.h>
#include <stdint.h>

#include <hs/hs.h>

#include "../config/apps.h"

enum dp_db {
	DP_DB_HOST,
	DP_DB_TCP_TOSERVER,
	DP_DB_TCP_TOCLIENT,
	DP_DB_UDP_TOSERVER,
	DP_DB_UDP_TOCLIENT,
	DP_DB_TLS_HELLO,
	DP_DB__COUNT
};

/* What a pattern id stands for. */
struct dp_pattern {
	uint16_t app;       /* catalogue index + 1 */
	uint16_t rule;      /* host index or signature index within the application */
	uint16_t weight;    /* host patterns: more specific patterns win */
	uint8_t port_proto; /* signature port constraint: 0 none, 6, 17 */
	uint8_t weak;       /* a weak signature (see cfg_app_sig.weak) */
	uint16_t port_lo, port_hi;
};

struct dp_matcher {
	hs_database_t *db[DP_DB__COUNT]; /* NULL when the catalogue has nothing for it */
	struct dp_pattern *pat[DP_DB__COUNT];
	unsigned npat[DP_DB__COUNT];
	hs_scratch_t *scratch; /* prototype, for cloning */
	size_t stream_size;    /* largest TCP stream state */
	bool from_cache[DP_DB__COUNT];
};

/*
 * Build every database from cat. cache_dir ("" for none) holds compiled databases.
 * Returns 0, or -1 with messages in d (file:line of the offending signature).
 */
int dp_matcher_build(const struct cfg_catalogue *cat, const char *cache_dir, struct dp_matcher *m,
		     struct cfg_diag *d);
void dp_matcher_free(struct dp_matcher *m);

/* Scan a host name (DP_DB_HOST): the most specific pattern wins. */
int dp_match_host(const struct dp_matcher *m, hs_scratch_t *scratch, const char *name,
		  uint32_t len);

/*
 * Scan a datagram or a hello line (db is DP_DB_UDP_* or DP_DB_TLS_HELLO). Returns the first
 * matching strong pattern id whose port constraint holds for server_port, or -1; *weak
 * (if not NULL) receives the first weak pattern that matched, or -1.
 */
int dp_match_block(const struct dp_matcher *m, enum dp_db db, hs_scratch_t *scratch,
		   const uint8_t *data, uint32_t len, uint16_t server_port, int *weak);

/*
 * Streams. Open lazily (state from the calling worker's pool: NULL if it is empty), scan
 * each run of new bytes in order, close when the direction is decided or done.
 */
hs_stream_t *dp_match_stream_open(const struct dp_matcher *m, enum dp_db db);
int dp_match_stream_scan(const struct dp_matcher *m, enum dp_db db, hs_stream_t *s,
			 hs_scratch_t *scratch, const uint8_t *data, uint32_t len,
			 uint16_t server_port, int *weak);
void dp_match_stream_close(hs_stream_t *s);

/*
 * Per-worker pools for Hyperscan stream state. hs_set_stream_allocator() is process-wide;
 * our allocator takes blocks from the pool of the calling thread (set by
 * dp_match_pool_attach on each worker) and falls back to malloc elsewhere.
 */
struct dp_match_pool;
struct dp_match_pool *dp_match_pool_create(size_t block, uint32_t count, int socket);
void dp_match_pool_free(struct dp_match_pool *p);
void dp_match_pool_attach(struct dp_match_pool *p); /* on the worker's thread */
uint64_t dp_match_pool_in_use(const struct dp_match_pool *p);
uint64_t dp_match_pool_hwm(const struct dp_match_pool *p);
uint64_t dp_match_pool_exhausted(const struct dp_match_pool *p);
/* Install the allocator (once, before any stream is opened). */
void dp_match_pool_install(void);

#endif /* DP_MATCH_H */
