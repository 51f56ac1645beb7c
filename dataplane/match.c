/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hyperscan databases for identification.
 *
 * How: the catalogue is flattened into one expression list per database. Host patterns
 * become anchored regexes ("*.zoom.us" is ^(?:[^.]+\.)*zoom\.us$); signatures keep their
 * expression, with offset folded in as a leading [\s\S]{n} (anchored) or [\s\S]{n,} prefix and
 * depth as Hyperscan's max_offset. All are SINGLEMATCH: the first match of a pattern is all
 * identification needs, and it keeps stream state small.
 *
 * Cache: <cache_dir>/<db>-<sha256 prefix>.hsdb, written to a temporary file and renamed,
 * so a crash never leaves a half-written database under the final name.
 */
#include "match.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <rte_malloc.h>

static const char *const db_names[DP_DB__COUNT] = { "host",         "tcp-toserver", "tcp-toclient",
						    "udp-toserver", "udp-toclient", "tls-hello" };

struct expr_set {
	unsigned n, cap;
	char **expr;
	unsigned *flags;
	unsigned *ids;
	hs_expr_ext_t *ext;
	struct dp_pattern *pat;
	const struct cfg_where **where; /* for messages */
	const char **what;
	const char **app;
};

static int
set_add(struct expr_set *s, char *expr, unsigned flags, const hs_expr_ext_t *ext,
	struct dp_pattern pat, const struct cfg_where *where, const char *what, const char *app)
{
	if (s->n == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 64;
		void *a = realloc(s->expr, cap * sizeof(*s->expr));
		void *b = realloc(s->flags, cap * sizeof(*s->flags));
		void *c = realloc(s->ids, cap * sizeof(*s->ids));
		void *d = realloc(s->ext, cap * sizeof(*s->ext));
		void *e = realloc(s->pat, cap * sizeof(*s->pat));
		void *f = realloc(s->where, cap * sizeof(*s->where));
		void *g = realloc(s->what, cap * sizeof(*s->what));
		void *h = realloc(s->app, cap * sizeof(*s->app));
		if (!a || !b || !c || !d || !e || !f || !g || !h)
			return -1;
		s->expr = a;
		s->flags = b;
		s->ids = c;
		s->ext = d;
		s->pat = e;
		s->where = f;
		s->what = g;
		s->app = h;
		s->cap = cap;
	}
	s->expr[s->n] = expr;
	s->flags[s->n] = flags;
	s->ids[s->n] = s->n;
	s->ext[s->n] = *ext;
	s->pat[s->n] = pat;
	s->where[s->n] = where;
	s->what[s->n] = what;
	s->app[s->n] = app;
	s->n++;
	return 0;
}

static void
set_free(struct expr_set *s)
{
	for (unsigned i = 0; i < s->n; i++)
		free(s->expr[i]);
	free(s->expr);
	free(s->flags);
	free(s->ids);
	free(s->ext);
	free(s->where);
	free(s->what);
	free(s->app);
	/* s->pat moves to the matcher */
}

/*
 * "*.zoom.us" -> ^(?:[^.]+\.)*zoom\.us$ ; "mmr-*.zoom.us" -> ^mmr-[^.]*\.zoom\.us$
 * Weight: twice the literal characters, plus one unless the pattern covers a domain "and
 * below", so "zoom.us" beats "*.zoom.us" for the name zoom.us itself.
 */
static char *
host_regex(const char *glob, uint16_t *weight)
{
	size_t n = strlen(glob);
	char *r = malloc(4 * n + 32), *o = r;
	const char *g = glob;
	bool below = false;

	if (r == NULL)
		return NULL;
	*weight = 0;
	*o++ = '^';
	if (strncmp(g, "*.", 2) == 0) {
		o += sprintf(o, "(?:[^.]+\\.)*");
		g += 2;
		below = true;
	}
	for (; *g; g++) {
		if (*g == '*') {
			o += sprintf(o, "[^.]*");
		} else if (*g == '.') {
			o += sprintf(o, "\\.");
			(*weight)++;
		} else {
			*o++ = *g;
			(*weight)++;
		}
	}
	*o++ = '$';
	*o = '\0';
	*weight = (uint16_t)(*weight * 2 + (below ? 0 : 1));
	return r;
}

static char *
sig_regex(const struct cfg_app_sig *sg)
{
	size_t n = strlen(sg->regex);
	char *r = malloc(n + 48);

	if (r == NULL)
		return NULL;
	if (sg->offset == 0)
		snprintf(r, n + 48, "%s", sg->regex);
	else if (sg->regex[0] == '^')
		snprintf(r, n + 48, "^[\\s\\S]{%u}(?:%s)", sg->offset, sg->regex + 1);
	else
		snprintf(r, n + 48, "^[\\s\\S]{%u,}(?:%s)", sg->offset, sg->regex);
	return r;
}

static int
flatten(const struct cfg_catalogue *cat, struct expr_set *sets)
{
	hs_expr_ext_t none;

	memset(&none, 0, sizeof(none));
	for (unsigned a = 0; a < cat->napps; a++) {
		const struct cfg_app *app = &cat->apps[a];
		for (unsigned h = 0; h < app->nhosts; h++) {
			struct dp_pattern pat = { .app = (uint16_t)(a + 1), .rule = (uint16_t)h };
			char *re = host_regex(app->hosts[h], &pat.weight);
			if (re == NULL ||
			    set_add(&sets[DP_DB_HOST], re, HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH,
				    &none, pat, &app->where, app->hosts[h], app->name) != 0)
				return -1;
		}
		for (unsigned i = 0; i < app->nsigs; i++) {
			const struct cfg_app_sig *sg = &app->sigs[i];
			struct dp_pattern pat = { .app = (uint16_t)(a + 1),
						  .rule = (uint16_t)i,
						  .weak = sg->weak };
			struct cfg_portrange pr;
			hs_expr_ext_t ext = none;
			unsigned flags = HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH |
					 (sg->caseless ? HS_FLAG_CASELESS : 0);
			if (sg->port[0] != '\0' && cfg_parse_portrange(sg->port, &pr) == 0) {
				pat.port_proto =
					pr.proto ? pr.proto : (sg->proto == CFG_SIG_UDP ? 17 : 6);
				pat.port_lo = pr.lo;
				pat.port_hi = pr.hi;
			}
			if (sg->depth != 0) {
				ext.flags = HS_EXT_FLAG_MAX_OFFSET;
				ext.max_offset = sg->depth;
			}
			if (sg->proto == CFG_SIG_TLS) {
				char *re = sig_regex(sg);
				if (re == NULL ||
				    set_add(&sets[DP_DB_TLS_HELLO], re, flags, &ext, pat,
					    &sg->where, sg->name, app->name) != 0)
					return -1;
				continue;
			}
			for (int dir = CFG_DIR_TOSERVER; dir <= CFG_DIR_TOCLIENT; dir++) {
				if (sg->dir != CFG_DIR_ANY && sg->dir != dir)
					continue;
				enum dp_db db =
					sg->proto == CFG_SIG_TCP
						? (dir == CFG_DIR_TOSERVER ? DP_DB_TCP_TOSERVER
									   : DP_DB_TCP_TOCLIENT)
						: (dir == CFG_DIR_TOSERVER ? DP_DB_UDP_TOSERVER
									   : DP_DB_UDP_TOCLIENT);
				char *re = sig_regex(sg);
				if (re == NULL || set_add(&sets[db], re, flags, &ext, pat,
							  &sg->where, sg->name, app->name) != 0)
					return -1;
			}
		}
	}
	return 0;
}

/* SHA-256 of everything that determines the compiled database. */
static void
cache_key(const struct expr_set *s, unsigned mode, char hex[33])
{
	unsigned char md[32];
	unsigned mdlen = 0;
	hs_platform_info_t plat;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	memset(&plat, 0, sizeof(plat));
	hs_populate_platform(&plat);
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, "bridgeward-hs-1", 15);
	const char *v = hs_version();
	EVP_DigestUpdate(c, v, strlen(v));
	EVP_DigestUpdate(c, &plat, sizeof(plat));
	EVP_DigestUpdate(c, &mode, sizeof(mode));
	for (unsigned i = 0; i < s->n; i++) {
		EVP_DigestUpdate(c, s->expr[i], strlen(s->expr[i]) + 1);
		EVP_DigestUpdate(c, &s->flags[i], sizeof(s->flags[i]));
		EVP_DigestUpdate(c, &s->ids[i], sizeof(s->ids[i]));
		EVP_DigestUpdate(c, &s->ext[i].flags, sizeof(s->ext[i].flags));
		EVP_DigestUpdate(c, &s->ext[i].max_offset, sizeof(s->ext[i].max_offset));
	}
	EVP_DigestFinal_ex(c, md, &mdlen);
	EVP_MD_CTX_free(c);
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static hs_database_t *
cache_read(const char *path, struct cfg_diag *d)
{
	FILE *f = fopen(path, "rb");
	hs_database_t *db = NULL;
	struct stat st;

	if (f == NULL)
		return NULL;
	/* a file under the final name that does not load (empty, unreadable, damaged) is
	 * reported, whatever the reason */
	if (fstat(fileno(f), &st) == 0 && st.st_size > 0 && st.st_size < (256 << 20)) {
		char *buf = malloc((size_t)st.st_size);
		if (buf != NULL && fread(buf, 1, (size_t)st.st_size, f) == (size_t)st.st_size &&
		    hs_deserialize_database(buf, (size_t)st.st_size, &db) != HS_SUCCESS)
			db = NULL;
		free(buf);
	}
	fclose(f);
	if (db == NULL)
		cfg_diag_add(d, NULL,
			     "note: cached database %s does not load (corrupt?): recompiling",
			     path);
	return db;
}

static void
cache_write(const char *path, const hs_database_t *db, struct cfg_diag *d)
{
	char *bytes = NULL, tmp[1100];
	size_t len = 0;

	if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	FILE *f = fopen(tmp, "wb");
	if (f == NULL || fwrite(bytes, 1, len, f) != len || fclose(f) != 0 ||
	    rename(tmp, path) != 0) {
		cfg_diag_add(d, NULL, "note: cannot write the database cache %s: %s", path,
			     strerror(errno));
		unlink(tmp);
	}
	free(bytes);
}

static int
compile(struct expr_set *s, unsigned mode, const char *cache_dir, const char *name,
	hs_database_t **out, bool *from_cache, struct cfg_diag *d)
{
	char path[1024], hex[33];
	hs_compile_error_t *err = NULL;
	const hs_expr_ext_t **exts;

	*out = NULL;
	*from_cache = false;
	if (s->n == 0)
		return 0;
	cache_key(s, mode, hex);
	if (cache_dir != NULL && cache_dir[0] != '\0') {
		snprintf(path, sizeof(path), "%s/%s-%s.hsdb", cache_dir, name, hex);
		*out = cache_read(path, d);
		if (*out != NULL) {
			*from_cache = true;
			return 0;
		}
	}
	exts = malloc(s->n * sizeof(*exts));
	if (exts == NULL)
		return -1;
	for (unsigned i = 0; i < s->n; i++)
		exts[i] = &s->ext[i];
	hs_error_t rc = hs_compile_ext_multi((const char *const *)s->expr, s->flags, s->ids, exts,
					     s->n, mode, NULL, out, &err);
	free(exts);
	if (rc != HS_SUCCESS) {
		int i = err != NULL ? err->expression : -1;
		if (i >= 0 && (unsigned)i < s->n)
			cfg_diag_add(d, s->where[i], "application '%s': %s \"%s\": %s", s->app[i],
				     name[0] == 'h' ? "host pattern" : "signature", s->what[i],
				     err->message);
		else
			cfg_diag_add(d, NULL, "%s database: %s", name,
				     err ? err->message : "compile failed");
		hs_free_compile_error(err);
		*out = NULL;
		return -1;
	}
	if (cache_dir != NULL && cache_dir[0] != '\0') {
		mkdir(cache_dir, 0755);
		cache_write(path, *out, d);
	}
	return 0;
}

int
dp_matcher_build(const struct cfg_catalogue *cat, const char *cache_dir, struct dp_matcher *m,
		 struct cfg_diag *d)
{
	struct expr_set sets[DP_DB__COUNT];
	int rc = 0;

	memset(m, 0, sizeof(*m));
	memset(sets, 0, sizeof(sets));
	if (flatten(cat, sets) != 0) {
		cfg_diag_add(d, NULL, "out of memory building the catalogue's databases");
		rc = -1;
	}
	for (int i = 0; rc == 0 && i < DP_DB__COUNT; i++) {
		unsigned mode = (i == DP_DB_TCP_TOSERVER || i == DP_DB_TCP_TOCLIENT)
					? HS_MODE_STREAM | HS_MODE_SOM_HORIZON_SMALL
					: HS_MODE_BLOCK;
		if (compile(&sets[i], mode, cache_dir, db_names[i], &m->db[i], &m->from_cache[i],
			    d) != 0)
			rc = -1;
	}
	for (int i = 0; i < DP_DB__COUNT; i++) {
		m->pat[i] = sets[i].pat;
		m->npat[i] = sets[i].n;
		sets[i].pat = NULL;
		set_free(&sets[i]);
		if (rc == 0 && m->db[i] != NULL) {
			if (hs_alloc_scratch(m->db[i], &m->scratch) != HS_SUCCESS)
				rc = -1;
			size_t sz = 0;
			if ((i == DP_DB_TCP_TOSERVER || i == DP_DB_TCP_TOCLIENT) &&
			    hs_stream_size(m->db[i], &sz) == HS_SUCCESS && sz > m->stream_size)
				m->stream_size = sz;
		}
	}
	if (rc != 0)
		dp_matcher_free(m);
	return rc;
}

void
dp_matcher_free(struct dp_matcher *m)
{
	for (int i = 0; i < DP_DB__COUNT; i++) {
		hs_free_database(m->db[i]);
		free(m->pat[i]);
		m->db[i] = NULL;
		m->pat[i] = NULL;
	}
	hs_free_scratch(m->scratch);
	m->scratch = NULL;
}

/* ---- scanning ---- */

struct scan_ctx {
	const struct dp_pattern *pat;
	int best;
	uint16_t weight;
	uint16_t server_port;
	bool want_best; /* hosts: keep scanning for a more specific pattern */
	int weak;       /* the first weak signature that matched */
};

static bool
port_ok(const struct dp_pattern *p, uint16_t port)
{
	return p->port_proto == 0 || (port >= p->port_lo && port <= p->port_hi);
}

static int
on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
	struct scan_ctx *c = ctx;
	const struct dp_pattern *p = &c->pat[id];

	(void)from;
	(void)to;
	(void)flags;
	if (!port_ok(p, c->server_port))
		return 0;
	if (p->weak) {
		if (c->weak < 0)
			c->weak = (int)id;
		return 0; /* a strong match may still come */
	}
	if (c->best < 0 || p->weight > c->weight) {
		c->best = (int)id;
		c->weight = p->weight;
	}
	return c->want_best ? 0 : 1; /* 1 stops the scan */
}

int
dp_match_host(const struct dp_matcher *m, hs_scratch_t *scratch, const char *name, uint32_t len)
{
	struct scan_ctx c = { m->pat[DP_DB_HOST], -1, 0, 0, true, -1 };

	if (m->db[DP_DB_HOST] == NULL || len == 0)
		return -1;
	hs_scan(m->db[DP_DB_HOST], name, len, 0, scratch, on_match, &c);
	return c.best;
}

int
dp_match_block(const struct dp_matcher *m, enum dp_db db, hs_scratch_t *scratch,
	       const uint8_t *data, uint32_t len, uint16_t server_port, int *weak)
{
	struct scan_ctx c = { m->pat[db], -1, 0, server_port, false, -1 };

	if (weak != NULL)
		*weak = -1;
	if (m->db[db] == NULL || len == 0)
		return -1;
	hs_scan(m->db[db], (const char *)data, len, 0, scratch, on_match, &c);
	if (weak != NULL)
		*weak = c.weak;
	return c.best;
}

hs_stream_t *
dp_match_stream_open(const struct dp_matcher *m, enum dp_db db)
{
	hs_stream_t *s = NULL;

	if (m->db[db] == NULL || hs_open_stream(m->db[db], 0, &s) != HS_SUCCESS)
		return NULL;
	return s;
}

int
dp_match_stream_scan(const struct dp_matcher *m, enum dp_db db, hs_stream_t *s,
		     hs_scratch_t *scratch, const uint8_t *data, uint32_t len, uint16_t server_port,
		     int *weak)
{
	struct scan_ctx c = { m->pat[db], -1, 0, server_port, false, -1 };

	if (weak != NULL)
		*weak = -1;
	if (s == NULL || len == 0)
		return -1;
	hs_scan_stream(s, (const char *)data, len, 0, scratch, on_match, &c);
	if (weak != NULL)
		*weak = c.weak;
	return c.best;
}

void
dp_match_stream_close(hs_stream_t *s)
{
	if (s != NULL)
		hs_close_stream(s, NULL, NULL, NULL);
}

/* ---- stream state pools ---- */

struct dp_match_pool {
	uint8_t *base;
	size_t block;
	uint32_t count;
	uint32_t top; /* free blocks on the stack */
	void **stack;
	uint64_t hwm;
	uint64_t exhausted;
};

static _Thread_local struct dp_match_pool *pool_here;

struct dp_match_pool *
dp_match_pool_create(size_t block, uint32_t count, int socket)
{
	struct dp_match_pool *p = rte_zmalloc_socket("bw_hs_pool", sizeof(*p), 64, socket);

	if (p == NULL)
		return NULL;
	block = (block + 63) & ~(size_t)63;
	p->block = block;
	p->count = count;
	p->base = rte_malloc_socket("bw_hs_streams", block * count + 64, 64, socket);
	p->stack = rte_malloc_socket("bw_hs_stack", sizeof(void *) * (count + 1), 64, socket);
	if ((count > 0 && p->base == NULL) || p->stack == NULL) {
		dp_match_pool_free(p);
		return NULL;
	}
	for (uint32_t i = 0; i < count; i++)
		p->stack[i] = p->base + (size_t)i * block;
	p->top = count;
	return p;
}

void
dp_match_pool_free(struct dp_match_pool *p)
{
	if (p == NULL)
		return;
	rte_free(p->base);
	rte_free(p->stack);
	rte_free(p);
}

void
dp_match_pool_attach(struct dp_match_pool *p)
{
	pool_here = p;
}

uint64_t
dp_match_pool_in_use(const struct dp_match_pool *p)
{
	return p ? p->count - __atomic_load_n(&p->top, __ATOMIC_RELAXED) : 0;
}

uint64_t
dp_match_pool_hwm(const struct dp_match_pool *p)
{
	return p ? __atomic_load_n(&p->hwm, __ATOMIC_RELAXED) : 0;
}

uint64_t
dp_match_pool_exhausted(const struct dp_match_pool *p)
{
	return p ? __atomic_load_n(&p->exhausted, __ATOMIC_RELAXED) : 0;
}

static void *
pool_alloc(size_t n)
{
	struct dp_match_pool *p = pool_here;

	if (p == NULL)
		return malloc(n);
	if (n > p->block || p->top == 0) {
		p->exhausted++;
		return NULL;
	}
	void *b = p->stack[--p->top];
	if (p->count - p->top > p->hwm)
		p->hwm = p->count - p->top;
	return b;
}

static void
pool_free(void *ptr)
{
	struct dp_match_pool *p = pool_here;

	if (ptr == NULL)
		return;
	if (p != NULL && (uint8_t *)ptr >= p->base &&
	    (uint8_t *)ptr < p->base + p->block * p->count) {
		p->stack[p->top++] = ptr;
		return;
	}
	free(ptr);
}

void
dp_match_pool_install(void)
{
	hs_set_stream_allocator(pool_alloc, pool_free);
}
