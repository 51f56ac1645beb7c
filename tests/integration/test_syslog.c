/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Syslog export through the real binary (virt-pcap replay): with log.syslog pointing at a
 * collector socket this test runs (UDP, then TCP), every line of the --log file arrives as
 * the MSG of one RFC 5424 message, in order, byte for byte, with MSGID = its event_type and
 * PRI = local0 and the severity its record calls for. A TCP collector that cannot be reached
 * does not stop the appliance.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../support/support.h"

static char *dir;

static void
setup(void)
{
	dir = ts_tmpdir("syslog");
	cr_assert_not_null(dir);
}

static void
teardown(void)
{
	ts_rmtree(dir);
	free(dir);
}

/* A collector on 127.0.0.1 receiving on its own thread while the binary runs. */
struct collector {
	bool tcp;
	int fd; /* UDP socket, or TCP listening socket */
	uint16_t port;
	int stop;
	pthread_t th;
	/* UDP: one message per datagram; TCP: the byte stream of every connection */
	char **msgs;
	size_t nmsgs;
	char *buf;
	size_t len, cap;
	unsigned connections;
};

static void
append(struct collector *c, const char *d, size_t n)
{
	if (c->cap - c->len < n + 1) {
		c->cap = (c->cap + n) * 2;
		c->buf = realloc(c->buf, c->cap);
	}
	memcpy(c->buf + c->len, d, n);
	c->len += n;
	c->buf[c->len] = '\0';
}

static void *
collect(void *arg)
{
	struct collector *c = arg;
	static char d[70000];
	struct pollfd p[2] = { { .fd = c->fd, .events = POLLIN }, { .fd = -1, .events = POLLIN } };

	for (;;) {
		int r = poll(p, 2, 200);
		if (r == 0) {
			if (__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE))
				break; /* stopped, and nothing for 200 ms */
			continue;
		}
		if (!c->tcp) {
			ssize_t n = recv(c->fd, d, sizeof(d), 0);
			if (n > 0) {
				c->msgs = realloc(c->msgs, (c->nmsgs + 1) * sizeof(*c->msgs));
				c->msgs[c->nmsgs++] = strndup(d, (size_t)n);
			}
			continue;
		}
		if (p[0].revents & POLLIN) {
			int fd = accept(c->fd, NULL, NULL);
			if (fd >= 0) {
				if (p[1].fd >= 0)
					close(p[1].fd);
				p[1].fd = fd;
				c->connections++;
			}
		}
		if (p[1].fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t n = recv(p[1].fd, d, sizeof(d), 0);
			if (n > 0) {
				append(c, d, (size_t)n);
			} else {
				close(p[1].fd);
				p[1].fd = -1;
			}
		}
	}
	if (p[1].fd >= 0)
		close(p[1].fd);
	return NULL;
}

static void
collector_start(struct collector *c, bool tcp)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int big = 16 << 20, one = 1;

	memset(c, 0, sizeof(*c));
	c->tcp = tcp;
	c->fd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	cr_assert_geq(c->fd, 0);
	setsockopt(c->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* a burst of flow records at the end of the replay must not overflow it (root may
	 * exceed rmem_max) */
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) != 0)
		setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	cr_assert_eq(bind(c->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(c->fd, (struct sockaddr *)&a, &alen), 0);
	c->port = ntohs(a.sin_port);
	if (tcp)
		cr_assert_eq(listen(c->fd, 4), 0);
	cr_assert_eq(pthread_create(&c->th, NULL, collect, c), 0);
}

static void
collector_stop(struct collector *c)
{
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
	pthread_join(c->th, NULL);
	close(c->fd);
	if (!c->tcp)
		return;
	/* octet counting: "LEN SP MSG", each frame whole */
	size_t off = 0;
	while (off < c->len) {
		char *end;
		unsigned long n = strtoul(c->buf + off, &end, 10);
		cr_assert(end > c->buf + off && *end == ' ', "bad frame at byte %zu", off);
		size_t start = (size_t)(end + 1 - c->buf);
		cr_assert_leq(start + n, c->len, "incomplete frame at byte %zu", off);
		c->msgs = realloc(c->msgs, (c->nmsgs + 1) * sizeof(*c->msgs));
		c->msgs[c->nmsgs++] = strndup(c->buf + start, n);
		off = start + n;
	}
}

static void
collector_free(struct collector *c)
{
	for (size_t i = 0; i < c->nmsgs; i++)
		free(c->msgs[i]);
	free(c->msgs);
	free(c->buf);
}

/* Replay a capture with flows, policy events (a blocking rule and a logging one), link and
 * stats records, exported to 127.0.0.1:port. Returns the exit status, output in *out. */
static int
replay(const char *transport, uint16_t port, char **out)
{
	char cfg[2048], *path;

	snprintf(cfg, sizeof(cfg),
		 "log = {\n"
		 "  syslog = {\n"
		 "    server = \"127.0.0.1:%u\";\n"
		 "    transport = \"%s\";\n"
		 "    hostname = \"bw-itest\";\n"
		 "    max_datagram = 65507;\n"
		 "  };\n"
		 "};\n"
		 "flow = { entries = 16384; };\n"
		 "stream = { memory = \"16m\"; };\n"
		 "inspect = { contexts = 8192; catalogue = [ \"%s/config/apps.conf\" ];\n"
		 "  cache_dir = \"\"; streams = 8192; heads = 1024; };\n"
		 "policy = { rules = (\n"
		 "  { name = \"drop-https\"; dst_port = [ \"443\" ]; action = \"drop\"; },\n"
		 "  { name = \"log-dns\"; dst_port = [ \"udp:53\" ]; action = \"log\"; }\n"
		 "); };\n",
		 port, transport, ts_root());
	path = ts_write_file(dir, "bridgeward.conf", cfg);
	cr_assert_not_null(path);
	cr_assert_eq(
		ts_run(NULL, "%s/bwgen mix %s/in.pcap --frames 4000 --seed 5", ts_build(), dir), 0);
	int rc = ts_run(out,
			"%s/bridgeward --board %s/board/virt-pcap.conf --config %s --replay "
			"%s/in.pcap --out %s/out.pcap --log %s/events.json -- --file-prefix %s",
			ts_build(), ts_root(), path, dir, dir, dir, ts_prefix("syslog"));
	free(path);
	return rc;
}

/* The severity the record calls for: a policy event that blocks 4, other policy events and
 * link 5, the rest 6. */
static unsigned
severity(const char *line)
{
	char type[32] = "", action[32] = "";

	ts_json_str(line, "event_type", type, sizeof(type));
	if (strcmp(type, "policy") == 0) {
		const char *pol = strstr(line, "\"policy\":{");
		cr_assert_not_null(pol, "%s", line);
		ts_json_str(pol, "action", action, sizeof(action));
		if (strcmp(action, "drop") == 0 || strcmp(action, "reset") == 0 ||
		    strcmp(action, "quarantine") == 0)
			return 4;
		return 5;
	}
	return strcmp(type, "link") == 0 ? 5 : 6;
}

/* Every line of the log arrived, in order: header fields, MSGID, PRI, body byte for byte. */
static void
assert_log_exported(const struct collector *c)
{
	char logp[600], *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;
	unsigned by_sev[8] = { 0 };

	snprintf(logp, sizeof(logp), "%s/events.json", dir);
	FILE *f = fopen(logp, "r");
	cr_assert_not_null(f);
	while ((len = getline(&line, &cap, f)) > 0) {
		char type[32] = "", want[128];
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		cr_assert_lt(n, c->nmsgs, "line %zu of the log never arrived: %s", n + 1, line);
		const char *m = c->msgs[n];
		cr_assert_not_null(ts_json_str(line, "event_type", type, sizeof(type)));
		unsigned sev = severity(line);
		by_sev[sev]++;
		/* <PRI>1 TIMESTAMP bw-itest bridgeward PID MSGID - MSG; local0 = 16 */
		int k = snprintf(want, sizeof(want), "<%u>1 ", 16 * 8 + sev);
		cr_assert(strncmp(m, want, (size_t)k) == 0, "line %zu: want %s in: %.120s", n + 1,
			  want, m);
		m += k;
		cr_assert_eq(strspn(m, "0123456789-:T."), 26, "timestamp: %.40s", m);
		cr_assert_eq(m[26], 'Z');
		m += 28;
		k = snprintf(want, sizeof(want), "bw-itest bridgeward ");
		cr_assert(strncmp(m, want, (size_t)k) == 0, "%.80s", m);
		m += k;
		size_t pid = strspn(m, "0123456789");
		cr_assert_gt(pid, 0);
		m += pid;
		k = snprintf(want, sizeof(want), " %s - ", type);
		cr_assert(strncmp(m, want, (size_t)k) == 0, "line %zu: MSGID %s: %.80s", n + 1,
			  type, m);
		m += k;
		cr_assert_str_eq(m, line, "line %zu: the body differs", n + 1);
		n++;
	}
	free(line);
	fclose(f);
	cr_assert_eq(n, c->nmsgs, "%zu lines in the log, %zu messages", n, c->nmsgs);
	/* the capture must have given every kind of message something to check */
	cr_assert_gt(by_sev[4], 0, "no blocking policy event");
	cr_assert_gt(by_sev[5], 0, "no notice");
	cr_assert_gt(by_sev[6], 100, "too few flow records");
}

Test(syslog, udp_collector_receives_every_record, .init = setup, .fini = teardown, .timeout = 120)
{
	struct collector c;
	char *out = NULL;

	collector_start(&c, false);
	int rc = replay("udp", c.port, &out);
	collector_stop(&c);
	cr_assert_eq(rc, 0, "%s", out);
	assert_log_exported(&c);
	cr_assert_not_null(strstr(out, "syslog_dropped=0"), "%s", out);
	cr_assert_not_null(strstr(out, " 0 dropped, 0 truncated, 0 connection failures"), "%s",
			   out);
	collector_free(&c);
	free(out);
}

Test(syslog, tcp_collector_receives_every_record, .init = setup, .fini = teardown, .timeout = 120)
{
	struct collector c;
	char *out = NULL;

	collector_start(&c, true);
	int rc = replay("tcp", c.port, &out);
	collector_stop(&c);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert_eq(c.connections, 1, "%s", out);
	assert_log_exported(&c);
	cr_assert_not_null(strstr(out, " 0 dropped, 0 truncated, 0 connection failures"), "%s",
			   out);
	collector_free(&c);
	free(out);
}

Test(syslog, unreachable_tcp_collector_is_not_fatal, .init = setup, .fini = teardown,
     .timeout = 120)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	char *out = NULL, logp[600];

	/* a port bound but not listening: every connection is refused */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	int rc = replay("tcp", ntohs(a.sin_port), &out);
	close(fd);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert_not_null(strstr(out, "bridgeward: warning: syslog: cannot connect to 127.0.0.1:"),
			   "%s", out);
	cr_assert_not_null(strstr(out, "bridgeward: syslog: 0 messages sent"), "%s", out);
	/* the records the collector missed are in the file all the same, and counted */
	snprintf(logp, sizeof(logp), "%s/events.json", dir);
	size_t lines = ts_count_lines(logp, "\"event_type\":");
	cr_assert_gt(lines, 100);
	char want[64];
	snprintf(want, sizeof(want), "0 messages sent, %zu dropped", lines);
	cr_assert_not_null(strstr(out, want), "%s", out);
	free(out);
}
