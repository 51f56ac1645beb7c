/* SPDX-License-Identifier: BSD-3-Clause */
#include "support.h"

#include <errno.h>
#include <ftw.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_eal.h>

char *
ts_tmpdir(const char *tag)
{
	char tmpl[256];
	snprintf(tmpl, sizeof(tmpl), "/tmp/bwtest-%s-XXXXXX", tag);
	char *d = mkdtemp(tmpl);
	return d ? strdup(d) : NULL;
}

static int
rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
ts_rmtree(const char *dir)
{
	if (dir != NULL && strncmp(dir, "/tmp/bwtest-", 12) == 0)
		nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

char *
ts_write_file(const char *dir, const char *name, const char *text)
{
	char *path;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return NULL;
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		free(path);
		return NULL;
	}
	fputs(text, f);
	fclose(f);
	return path;
}

const char *
ts_root(void)
{
	const char *r = getenv("BW_ROOT");
	return r ? r : ".";
}

const char *
ts_build(void)
{
	static char buf[512];
	const char *b = getenv("BW_BUILD");
	if (b)
		return b;
	snprintf(buf, sizeof(buf), "%s/build", ts_root());
	return buf;
}

int
ts_run(char **out, const char *fmt, ...)
{
	char *cmd, *full;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (asprintf(&full, "(%s) 2>&1", cmd) < 0)
		abort();
	free(cmd);
	FILE *p = popen(full, "r");
	free(full);
	if (p == NULL)
		return -1;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	size_t n;
	while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (cap - len < 1024) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
	}
	buf[len] = '\0';
	int st = pclose(p);
	if (out)
		*out = buf;
	else
		free(buf);
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

const char *
ts_prefix(const char *tag)
{
	static char buf[64];
	snprintf(buf, sizeof(buf), "bwt-%s-%d", tag, (int)getpid());
	return buf;
}

int
ts_eal(const char *tag, unsigned mem_mb)
{
	char prefix[80], mem[16];
	snprintf(prefix, sizeof(prefix), "--file-prefix=%s", ts_prefix(tag));
	snprintf(mem, sizeof(mem), "%u", mem_mb);
	char *argv[] = { "test",     "--no-huge",           "-m",   mem,
			 "--no-pci", "--no-shconf",         prefix, "-l",
			 "0",        "--log-level=*:error", NULL };
	return rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv);
}

int
ts_read_capture(const char *path, struct ts_capture *c)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p = pcap_open_offline(path, err);
	size_t cap = 0;

	memset(c, 0, sizeof(*c));
	if (p == NULL)
		return -1;
	while (pcap_next_ex(p, &h, &d) == 1) {
		if (c->n == cap) {
			cap = cap ? cap * 2 : 1024;
			c->f = realloc(c->f, cap * sizeof(*c->f));
		}
		c->f[c->n].len = h->caplen;
		c->f[c->n].data = malloc(h->caplen);
		memcpy(c->f[c->n].data, d, h->caplen);
		c->n++;
	}
	pcap_close(p);
	return 0;
}

void
ts_free_capture(struct ts_capture *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->f[i].data);
	free(c->f);
	memset(c, 0, sizeof(*c));
}

char *
ts_grep_line(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;

	if (f == NULL)
		return NULL;
	while (getline(&line, &cap, f) > 0) {
		if (strstr(line, needle) != NULL) {
			fclose(f);
			return line;
		}
	}
	free(line);
	fclose(f);
	return NULL;
}

size_t
ts_count_lines(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, n = 0;

	if (f == NULL)
		return 0;
	while (getline(&line, &cap, f) > 0)
		if (strstr(line, needle) != NULL)
			n++;
	free(line);
	fclose(f);
	return n;
}

int64_t
ts_json_u64(const char *json, const char *key)
{
	char pat[128];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = json ? strstr(json, pat) : NULL;
	if (p == NULL)
		return -1;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	return strtoll(p, NULL, 10);
}

char *
ts_json_str(const char *json, const char *key, char *buf, size_t len)
{
	char pat[128];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = json ? strstr(json, pat) : NULL;
	if (p == NULL)
		return NULL;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	if (*p++ != '"')
		return NULL;
	size_t n = strcspn(p, "\"");
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}
