/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fw/syslog.c and the log.syslog keys: RFC 5424 messages byte for byte over UDP to a
 * collector socket in the test; RFC 6587 octet-counting frames over TCP, queued while the
 * collector is down and delivered after, whole frames dropped and counted when the queue is
 * full; severity and MSGID from records; configuration errors with file:line.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../config/config.h"
#include "../../fw/json.h"
#include "../../fw/log.h"
#include "../../fw/syslog.h"

static struct cfg_config cfg;
static struct cfg_diag diag;

/* Load a log.syslog group (the keys between the braces) into cfg; must succeed. */
static const struct cfg_syslog *syslog_cfg(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static const struct cfg_syslog *
syslog_cfg(const char *fmt, ...)
{
	char keys[1024], text[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(keys, sizeof(keys), fmt, ap);
	va_end(ap);
	snprintf(text, sizeof(text), "log = { syslog = { %s }; };\n", keys);
	cr_assert_eq(cfg_config_load_string(text, "t.conf", &cfg, &diag), 0, "%s: %s", text,
		     diag.msg[0]);
	return &cfg.log.syslog;
}

static void
open_sink(const struct cfg_syslog *c)
{
	char err[256] = "";
	cr_assert_eq(fw_syslog_open(c, err, sizeof(err)), 0, "%s", err);
	cr_assert(fw_syslog_enabled());
}

static int
udp_collector(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* One datagram (NUL-terminated) within 2 s; returns its length. */
static size_t
udp_recv(int fd, char *buf, size_t cap)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	cr_assert_eq(poll(&p, 1, 2000), 1, "no datagram");
	ssize_t n = recv(fd, buf, cap - 1, 0);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	return (size_t)n;
}

/* A TCP socket bound to 127.0.0.1 on an ephemeral port, not yet listening (connections to
 * it are refused until listen()). */
static int
tcp_bound(uint16_t *port, int rcvbuf)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	cr_assert_geq(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static int
tcp_accept(int lfd)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	for (int i = 0; i < 300 && poll(&p, 1, 10) == 0; i++)
		fw_syslog_pump();
	int fd = accept(lfd, NULL, NULL);
	cr_assert_geq(fd, 0, "the sink did not connect");
	return fd;
}

/* Bytes read from a TCP collector, growing. */
struct stream {
	char *buf;
	size_t len, cap;
};

static ssize_t
stream_read(int fd, struct stream *s, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	if (s->cap - s->len < 65536) {
		s->cap = s->cap * 2 + 65536;
		s->buf = realloc(s->buf, s->cap);
	}
	ssize_t n = recv(fd, s->buf + s->len, s->cap - s->len - 1, MSG_DONTWAIT);
	if (n > 0)
		s->len += (size_t)n;
	s->buf[s->len] = '\0';
	return n;
}

/* Split octet-counted frames "LEN SP MSG"; every frame must be complete and well-formed.
 * Returns the number of frames; msgs[i] (malloc'd, NUL-terminated) when msgs is not NULL. */
static size_t
frames(const struct stream *s, char **msgs, size_t max)
{
	size_t off = 0, n = 0;

	while (off < s->len) {
		size_t len = 0, d = 0;
		while (off + d < s->len && s->buf[off + d] >= '0' && s->buf[off + d] <= '9')
			len = len * 10 + (size_t)(s->buf[off + d++] - '0');
		cr_assert(d > 0 && d < 10 && s->buf[off] != '0', "bad frame length at byte %zu",
			  off);
		cr_assert_eq(s->buf[off + d], ' ', "no space after the length at byte %zu", off);
		cr_assert_leq(off + d + 1 + len, s->len, "incomplete frame at byte %zu", off);
		if (msgs != NULL && n < max)
			msgs[n] = strndup(s->buf + off + d + 1, len);
		off += d + 1 + len;
		n++;
	}
	return n;
}

/* Check "<PRI>1 TIMESTAMP HOST APP PROCID MSGID - " and return the MSG that follows. */
static const char *
check_header(const char *m, unsigned pri, const char *host, const char *app, const char *msgid)
{
	char want[128];
	int n = snprintf(want, sizeof(want), "<%u>1 ", pri);

	cr_assert(strncmp(m, want, (size_t)n) == 0, "want %s in: %s", want, m);
	m += n;
	/* 2026-01-01T00:00:00.123456Z, within a minute of now */
	struct tm tm;
	unsigned usec = 0;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(m, "%Y-%m-%dT%H:%M:%S", &tm);
	cr_assert_not_null(end, "timestamp: %s", m);
	cr_assert_eq(end - m, 19);
	cr_assert_eq(end[0], '.');
	cr_assert_eq(sscanf(end + 1, "%6u", &usec), 1);
	for (int i = 1; i <= 6; i++)
		cr_assert(end[i] >= '0' && end[i] <= '9', "six digits of microseconds: %s", m);
	cr_assert_eq(end[7], 'Z', "UTC 'Z' after the microseconds: %s", m);
	cr_assert_eq(end[8], ' ');
	long dt = (long)(timegm(&tm) - time(NULL));
	cr_assert(dt > -60 && dt < 60, "timestamp %ld s off", dt);
	m = end + 9;
	n = snprintf(want, sizeof(want), "%s %s %ld %s - ", host, app, (long)getpid(), msgid);
	cr_assert(strncmp(m, want, (size_t)n) == 0, "want \"%s\" in: %s", want, m);
	return m + n;
}

static const char *flow_json =
	"{\"timestamp\":\"2026-01-01T00:00:00.000979+0000\",\"flow_id\":1,\"in_port\":\"inside\","
	"\"event_type\":\"flow\",\"src_ip\":\"198.18.0.72\",\"proto\":\"TCP\",\"note\":"
	"\"caf\xc3\xa9\"}";

/* ---- UDP ---- */

Test(syslog_udp, message_is_rfc5424_with_the_json_as_is)
{
	uint16_t port;
	int fd = udp_collector(&port);
	char buf[9000];

	open_sink(syslog_cfg("server = \"127.0.0.1:%u\"; facility = \"local3\"; "
			     "hostname = \"bw-test\"; app_name = \"bw-app\";",
			     port));
	cr_assert_eq(fw_syslog_send("flow", FW_SYSLOG_INFO, flow_json, strlen(flow_json)), 0);
	cr_assert_eq(fw_syslog_send("policy", FW_SYSLOG_WARNING, "{}", 2), 0);
	cr_assert_eq(fw_syslog_send(NULL, FW_SYSLOG_NOTICE, "{\"x\":1}", 7), 0);

	size_t n = udp_recv(fd, buf, sizeof(buf));
	/* local3 = 19: 19 * 8 + 6 */
	const char *msg = check_header(buf, 158, "bw-test", "bw-app", "flow");
	cr_assert_str_eq(msg, flow_json, "the body is the JSON, byte for byte");
	cr_assert_eq((size_t)(msg - buf) + strlen(flow_json), n, "no BOM, no trailer");
	udp_recv(fd, buf, sizeof(buf));
	cr_assert_str_eq(check_header(buf, 156, "bw-test", "bw-app", "policy"), "{}");
	udp_recv(fd, buf, sizeof(buf));
	cr_assert_str_eq(check_header(buf, 157, "bw-test", "bw-app", "-"), "{\"x\":1}");

	struct fw_syslog_counters c;
	fw_syslog_counters(&c);
	cr_assert_eq(c.sent, 3);
	cr_assert_eq(c.dropped, 0);
	cr_assert_eq(c.truncated, 0);
	fw_syslog_close(0);
	cr_assert(!fw_syslog_enabled());
	close(fd);
}

Test(syslog_udp, defaults_hostname_and_app_name)
{
	uint16_t port;
	int fd = udp_collector(&port);
	char buf[2048], host[256] = "";

	cr_assert_eq(gethostname(host, sizeof(host) - 1), 0);
	open_sink(syslog_cfg("server = \"127.0.0.1:%u\";", port));
	cr_assert_eq(fw_syslog_send("stats", FW_SYSLOG_INFO, "{}", 2), 0);
	udp_recv(fd, buf, sizeof(buf));
	/* local0 = 16: 16 * 8 + 6 */
	cr_assert_str_eq(check_header(buf, 134, host, "bridgeward", "stats"), "{}");
	fw_syslog_close(0);
	close(fd);
}

Test(syslog_udp, ipv6_collector)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t alen = sizeof(a);
	char buf[2048];
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		cr_skip_test("no IPv6 loopback here");
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	open_sink(syslog_cfg("server = \"[::1]:%u\"; facility = \"kern\"; hostname = \"h\";",
			     ntohs(a.sin6_port)));
	cr_assert_eq(fw_syslog_send("link", FW_SYSLOG_NOTICE, "{}", 2), 0);
	udp_recv(fd, buf, sizeof(buf));
	cr_assert_str_eq(check_header(buf, 5, "h", "bridgeward", "link"), "{}");
	fw_syslog_close(0);
	close(fd);
}

Test(syslog_udp, long_message_is_cut_at_a_character_boundary_and_counted)
{
	uint16_t port;
	int fd = udp_collector(&port);
	char buf[4096], body[1000];

	/* two-byte characters all along: a cut at an odd offset would split one */
	body[0] = '{';
	for (size_t i = 1; i + 2 < sizeof(body); i += 2)
		memcpy(body + i, "\xc3\xa9", 2);
	open_sink(syslog_cfg("server = \"127.0.0.1:%u\"; max_datagram = 480; hostname = \"h\";",
			     port));
	cr_assert_eq(fw_syslog_send("flow", FW_SYSLOG_INFO, body, sizeof(body) - 1), 0);
	size_t n = udp_recv(fd, buf, sizeof(buf));
	cr_assert_leq(n, 480);
	cr_assert_geq(n, 479, "cut at most one byte short of the limit");
	const char *msg = check_header(buf, 134, "h", "bridgeward", "flow");
	size_t blen = n - (size_t)(msg - buf);
	cr_assert(memcmp(msg, body, blen) == 0, "the body is a prefix of the record");
	cr_assert_eq((blen - 1) % 2, 0, "ends on a character boundary (%zu bytes)", blen);

	struct fw_syslog_counters c;
	fw_syslog_counters(&c);
	cr_assert_eq(c.sent, 1);
	cr_assert_eq(c.truncated, 1);
	fw_syslog_close(0);
	close(fd);
}

Test(syslog_udp, event_log_records_go_to_syslog_without_a_file)
{
	uint16_t port;
	int fd = udp_collector(&port);
	char buf[2048], rec[512];
	struct fw_json j;

	cr_assert_eq(fw_log_open(NULL), 0);
	cr_assert(!fw_log_enabled());
	open_sink(syslog_cfg("server = \"127.0.0.1:%u\"; hostname = \"h\";", port));
	cr_assert(fw_log_enabled(), "records are built when only syslog is on");
	fw_log_begin(&j, rec, sizeof(rec), "link");
	fw_json_open(&j, "link");
	fw_json_str(&j, "state", "down");
	fw_json_close(&j);
	fw_json_close(&j);
	fw_log_record(&j);
	udp_recv(fd, buf, sizeof(buf));
	cr_assert_str_eq(check_header(buf, 133, "h", "bridgeward", "link"), fw_json_text(&j));
	cr_assert_eq(fw_log_written(), 1);
	fw_log_close();
	cr_assert(!fw_log_enabled());
	close(fd);
}

/* ---- severity and MSGID ---- */

Test(syslog, classify_records)
{
	char id[FW_SYSLOG_MSGID_MAX + 1];
	struct {
		const char *json, *msgid;
		int sev;
	} t[] = {
		{ "{\"timestamp\":\"x\",\"flow_id\":1,\"in_port\":\"a\",\"event_type\":\"flow\","
		  "\"action\":\"blocked\"}",
		  "flow", FW_SYSLOG_INFO },
		{ "{\"timestamp\":\"x\",\"event_type\":\"policy\",\"policy\":{\"rule\":\"r\","
		  "\"action\":\"drop\"}}",
		  "policy", FW_SYSLOG_WARNING },
		{ "{\"timestamp\":\"x\",\"event_type\":\"policy\",\"policy\":{\"rule\":\"r\","
		  "\"action\":\"reset\"}}",
		  "policy", FW_SYSLOG_WARNING },
		{ "{\"timestamp\":\"x\",\"event_type\":\"policy\",\"policy\":{\"rule\":\"r\","
		  "\"action\":\"quarantine\"}}",
		  "policy", FW_SYSLOG_WARNING },
		{ "{\"timestamp\":\"x\",\"event_type\":\"policy\",\"policy\":{\"rule\":\"r\","
		  "\"action\":\"log\"}}",
		  "policy", FW_SYSLOG_NOTICE },
		{ "{\"timestamp\":\"x\",\"event_type\":\"policy\",\"policy\":{\"rule\":\"r\","
		  "\"action\":\"ratelimit\"}}",
		  "policy", FW_SYSLOG_NOTICE },
		/* a rule named like a blocking action is not the action */
		{ "{\"event_type\":\"policy\",\"policy\":{\"rule\":\"drop\",\"action\":\"allow\"}}",
		  "policy", FW_SYSLOG_NOTICE },
		{ "{\"timestamp\":\"x\",\"event_type\":\"link\",\"link\":{}}", "link",
		  FW_SYSLOG_NOTICE },
		{ "{\"timestamp\":\"x\",\"event_type\":\"stats\",\"stats\":{}}", "stats",
		  FW_SYSLOG_INFO },
		{ "{\"timestamp\":\"x\"}", "-", FW_SYSLOG_INFO },
		{ "{\"event_type\":\"abcdefghijklmnopqrstuvwxyz0123456789\"}",
		  "abcdefghijklmnopqrstuvwxyz012345", FW_SYSLOG_INFO },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int sev = fw_syslog_classify(t[i].json, strlen(t[i].json), id, sizeof(id));
		cr_assert_eq(sev, t[i].sev, "%s: severity %d", t[i].json, sev);
		cr_assert_str_eq(id, t[i].msgid, "%s", t[i].json);
	}
}

/* ---- TCP ---- */

static void
pump_until_sent(uint64_t want, int ms)
{
	struct fw_syslog_counters c;
	for (int i = 0; i < ms; i++) {
		fw_syslog_pump();
		fw_syslog_counters(&c);
		if (c.sent >= want && c.queued == 0)
			return;
		usleep(1000);
	}
	cr_assert_fail("sent %llu of %llu, %llu bytes queued", (unsigned long long)c.sent,
		       (unsigned long long)want, (unsigned long long)c.queued);
}

static void
read_frames(int fd, struct stream *s, size_t want)
{
	for (int i = 0; i < 400 && frames(s, NULL, 0) < want; i++) {
		fw_syslog_pump();
		stream_read(fd, s, 5);
	}
}

Test(syslog_tcp, octet_counted_frames)
{
	uint16_t port;
	int lfd = tcp_bound(&port, 0);
	struct stream s = { 0 };
	char *m[8], body[64];

	cr_assert_eq(listen(lfd, 4), 0);
	open_sink(syslog_cfg("server = \"127.0.0.1:%u\"; transport = \"tcp\"; "
			     "facility = \"daemon\"; hostname = \"bw-test\";",
			     port));
	int cfd = tcp_accept(lfd);
	cr_assert_eq(fw_syslog_send("flow", FW_SYSLOG_INFO, flow_json, strlen(flow_json)), 0);
	for (int i = 0; i < 4; i++) {
		snprintf(body, sizeof(body), "{\"event_type\":\"stats\",\"n\":%d}", i);
		cr_assert_eq(fw_syslog_send("stats", FW_SYSLOG_INFO, body, strlen(body)), 0);
	}
	pump_until_sent(5, 2000);
	read_frames(cfd, &s, 5);
	cr_assert_eq(frames(&s, m, 8), 5, "%s", s.buf);
	/* daemon = 3: 3 * 8 + 6 */
	cr_assert_str_eq(check_header(m[0], 30, "bw-test", "bridgeward", "flow"), flow_json);
	for (int i = 0; i < 4; i++) {
		snprintf(body, sizeof(body), "{\"event_type\":\"stats\",\"n\":%d}", i);
		cr_assert_str_eq(check_header(m[i + 1], 30, "bw-test", "bridgeward", "stats"),
				 body);
	}
	/* frames parse back to back into exactly the messages sent: the lengths count octets
	 * ("\xc3\xa9" in the first record is one character, two octets) */
	struct fw_syslog_counters c;
	fw_syslog_counters(&c);
	cr_assert(c.connected);
	cr_assert_eq(c.conn_failures, 0);
	cr_assert_eq(c.dropped, 0);
	fw_syslog_close(0);
	close(cfd);
	close(lfd);
	for (int i = 0; i < 5; i++)
		free(m[i]);
	free(s.buf);
}

Test(syslog_tcp, queued_while_the_collector_is_down_then_delivered)
{
	uint16_t port;
	int lfd = tcp_bound(&port, 0); /* bound, not listening: connections are refused */
	struct stream s = { 0 };
	struct fw_syslog_counters c;
	char *m[8], body[64];

	open_sink(syslog_cfg("server = \"127.0.0.1:%u\"; transport = \"tcp\"; hostname = \"h\";",
			     port));
	for (int i = 0; i < 3; i++) {
		snprintf(body, sizeof(body), "{\"n\":%d}", i);
		cr_assert_eq(fw_syslog_send("flow", FW_SYSLOG_INFO, body, strlen(body)), 0);
	}
	for (int i = 0; i < 20; i++) {
		fw_syslog_pump();
		usleep(1000);
	}
	fw_syslog_counters(&c);
	cr_assert(!c.connected);
	cr_assert_geq(c.conn_failures, 1, "the refused connection is counted");
	cr_assert_eq(c.sent, 0);
	cr_assert_eq(c.dropped, 0);
	cr_assert_gt(c.queued, 0);

	/* the collector comes up: the sink retries after its backoff (1 s) and delivers */
	cr_assert_eq(listen(lfd, 4), 0);
	pump_until_sent(3, 5000);
	int cfd = tcp_accept(lfd);
	read_frames(cfd, &s, 3);
	cr_assert_eq(frames(&s, m, 8), 3, "%s", s.buf);
	for (int i = 0; i < 3; i++) {
		snprintf(body, sizeof(body), "{\"n\":%d}", i);
		cr_assert_str_eq(check_header(m[i], 134, "h", "bridgeward", "flow"), body);
	}
	fw_syslog_counters(&c);
	cr_assert(c.connected);
	cr_assert_eq(c.dropped, 0);
	fw_syslog_close(0);
	close(cfd);
	close(lfd);
	for (int i = 0; i < 3; i++)
		free(m[i]);
	free(s.buf);
}

Test(syslog_tcp, full_queue_drops_whole_messages_and_counts_them)
{
	uint16_t port;
	int lfd = tcp_bound(&port, 4096);
	struct stream s = { 0 };
	struct fw_syslog_counters c;
	char body[400], pad[301];
	uint64_t total = 0;

	cr_assert_eq(listen(lfd, 4), 0);
	open_sink(syslog_cfg("server = \"127.0.0.1:%u\"; transport = \"tcp\"; queue = 4096; "
			     "hostname = \"h\";",
			     port));
	int cfd = tcp_accept(lfd);
	/* a collector that does not read: the kernel's buffers fill, then the sink's queue */
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	do {
		int n = snprintf(body, sizeof(body), "{\"seq\":%llu,\"pad\":\"%s\"}",
				 (unsigned long long)total, pad);
		fw_syslog_send("flow", FW_SYSLOG_INFO, body, (size_t)n);
		total++;
		fw_syslog_pump();
		fw_syslog_counters(&c);
	} while (c.dropped < 20 && total < 500000);
	cr_assert_geq(c.dropped, 20, "nothing dropped after %llu messages",
		      (unsigned long long)total);
	cr_assert_leq(c.queued, 4096);

	/* now it reads: every frame that arrives is whole, in order, and the rest counted */
	for (int i = 0; i < 20000; i++) {
		fw_syslog_pump();
		stream_read(cfd, &s, 1);
		fw_syslog_counters(&c);
		if (c.queued == 0 && c.sent + c.dropped == total)
			break;
	}
	while (stream_read(cfd, &s, 200) > 0) /* what the kernels still hold */
		;
	fw_syslog_counters(&c);
	cr_assert_eq(c.sent + c.dropped, total);
	size_t nf = frames(&s, NULL, 0);
	cr_assert_eq(nf, c.sent, "%zu frames received, %llu sent", nf, (unsigned long long)c.sent);
	long long prev = -1;
	for (const char *p = s.buf; (p = strstr(p, "{\"seq\":")) != NULL; p++) {
		long long seq = strtoll(p + 7, NULL, 10);
		cr_assert_gt(seq, prev, "in order");
		prev = seq;
	}
	cr_assert_eq(c.conn_failures, 0);
	fw_syslog_close(0);
	close(cfd);
	close(lfd);
	free(s.buf);
}

Test(syslog_tcp, close_delivers_what_is_queued)
{
	uint16_t port;
	int lfd = tcp_bound(&port, 0);
	struct stream s = { 0 };
	struct fw_syslog_counters c;

	cr_assert_eq(listen(lfd, 4), 0);
	open_sink(syslog_cfg("server = \"127.0.0.1:%u\"; transport = \"tcp\";", port));
	int cfd = tcp_accept(lfd);
	for (int i = 0; i < 10; i++)
		fw_syslog_send("flow", FW_SYSLOG_INFO, "{}", 2); /* below the write threshold */
	fw_syslog_close(1000);
	fw_syslog_counters(&c);
	cr_assert_eq(c.sent, 10);
	cr_assert_eq(c.dropped, 0);
	for (int i = 0; i < 100 && frames(&s, NULL, 0) < 10; i++)
		stream_read(cfd, &s, 10);
	cr_assert_eq(frames(&s, NULL, 0), 10);
	close(cfd);
	close(lfd);
	free(s.buf);
}

Test(syslog_tcp, lost_connection_is_counted_and_reopened)
{
	uint16_t port;
	int lfd = tcp_bound(&port, 0);
	struct stream s = { 0 };
	struct fw_syslog_counters c;
	char *m[4];

	cr_assert_eq(listen(lfd, 4), 0);
	open_sink(syslog_cfg("server = \"127.0.0.1:%u\"; transport = \"tcp\"; hostname = \"h\";",
			     port));
	int cfd = tcp_accept(lfd);
	close(cfd); /* the collector goes away */
	for (int i = 0; i < 200; i++) {
		fw_syslog_pump();
		fw_syslog_counters(&c);
		if (!c.connected)
			break;
		usleep(1000);
	}
	cr_assert(!c.connected, "the closed connection is noticed without sending");
	cr_assert_eq(c.conn_failures, 1);
	fw_syslog_send("flow", FW_SYSLOG_INFO, "{\"after\":1}", 11);
	pump_until_sent(1, 5000);
	cfd = tcp_accept(lfd);
	read_frames(cfd, &s, 1);
	cr_assert_eq(frames(&s, m, 4), 1);
	cr_assert_str_eq(check_header(m[0], 134, "h", "bridgeward", "flow"), "{\"after\":1}");
	fw_syslog_close(0);
	close(cfd);
	close(lfd);
	free(m[0]);
	free(s.buf);
}

/* ---- configuration ---- */

Test(syslog_config, defaults_are_off)
{
	char err[64];
	cr_assert_eq(cfg_config_load_string("", "c.conf", &cfg, &diag), 0);
	const struct cfg_syslog *c = &cfg.log.syslog;
	cr_assert_str_eq(c->server.text, "");
	cr_assert_eq(c->server.family, 0);
	cr_assert_eq(c->transport, CFG_SYSLOG_UDP);
	cr_assert_eq(c->facility, 16, "local0");
	cr_assert_str_eq(c->hostname, "");
	cr_assert_str_eq(c->app_name, "bridgeward");
	cr_assert_eq(c->queue, 1u << 20);
	cr_assert_eq(c->max_datagram, 8192);
	cr_assert_eq(fw_syslog_open(c, err, sizeof(err)), 0);
	cr_assert(!fw_syslog_enabled());
}

Test(syslog_config, server_addresses)
{
	const struct cfg_syslog *c = syslog_cfg("server = \"192.0.2.7\";");
	cr_assert_eq(c->server.family, AF_INET);
	cr_assert_eq(c->server.port, 514);
	cr_assert(memcmp(c->server.addr, "\xc0\x00\x02\x07", 4) == 0);
	c = syslog_cfg("server = \"192.0.2.7:6514\"; transport = \"tcp\"; facility = \"local7\";");
	cr_assert_eq(c->server.port, 6514);
	cr_assert_eq(c->transport, CFG_SYSLOG_TCP);
	cr_assert_eq(c->facility, 23);
	c = syslog_cfg("server = \"[2001:db8::7]:1514\";");
	cr_assert_eq(c->server.family, AF_INET6);
	cr_assert_eq(c->server.port, 1514);
	cr_assert_eq(c->server.addr[0], 0x20);
	cr_assert_eq(c->server.addr[15], 7);
	c = syslog_cfg("server = \"[::1]\"; queue = \"64k\";");
	cr_assert_eq(c->server.family, AF_INET6);
	cr_assert_eq(c->server.port, 514);
	cr_assert_eq(c->queue, 65536);
}

static void
bad(const char *keys, const char *want)
{
	char text[512];
	snprintf(text, sizeof(text), "log = {\n  file = \"\";\n  syslog = {\n    %s\n  };\n};\n",
		 keys);
	cr_assert_eq(cfg_config_load_string(text, "c.conf", &cfg, &diag), -1, "%s", keys);
	cr_assert_eq(diag.n, 1, "%s", diag.msg[0]);
	cr_assert_str_eq(diag.msg[0], want);
}

Test(syslog_config, bad_values_name_file_and_line)
{
	bad("server = \"collector.example\";",
	    "c.conf:4: 'server' = \"collector.example\": \"collector.example\" is not an IPv4 "
	    "address (names are not resolved: write the collector's address)");
	bad("server = \"10.0.0.300\";", "c.conf:4: 'server' = \"10.0.0.300\": \"10.0.0.300\" is "
					"not an IPv4 address (names are not resolved: write the "
					"collector's address)");
	bad("server = \"10.0.0.1:0\";",
	    "c.conf:4: 'server' = \"10.0.0.1:0\": the port must be a number 1..65535 after ':'");
	bad("server = \"10.0.0.1:65536\";", "c.conf:4: 'server' = \"10.0.0.1:65536\": the port "
					    "must be a number 1..65535 after ':'");
	bad("server = \"10.0.0.1:\";",
	    "c.conf:4: 'server' = \"10.0.0.1:\": the port must be a number 1..65535 after ':'");
	bad("server = \"10.0.0.1:syslog\";", "c.conf:4: 'server' = \"10.0.0.1:syslog\": the port "
					     "must be a number 1..65535 after ':'");
	bad("server = \"2001:db8::1\";", "c.conf:4: 'server' = \"2001:db8::1\": an IPv6 address "
					 "goes in brackets, e.g. \"[2001:db8::1]:514\"");
	bad("server = \"[2001:db8::1\";",
	    "c.conf:4: 'server' = \"[2001:db8::1\": missing ']' after the IPv6 address");
	bad("server = \"[2001:db8::1]514\";", "c.conf:4: 'server' = \"[2001:db8::1]514\": the port "
					      "must be a number 1..65535 after ':'");
	bad("server = \"[10.0.0.1]\";", "c.conf:4: 'server' = \"[10.0.0.1]\": \"10.0.0.1\" is not "
					"an IPv6 address (names are not resolved: write the "
					"collector's address)");
	bad("server = 514;", "c.conf:4: 'server' must be a string \"address[:port]\"");
	bad("transport = \"tls\";",
	    "c.conf:4: 'transport' = \"tls\" is not one of \"udp\", \"tcp\"");
	bad("facility = \"local8\";",
	    "c.conf:4: 'facility' = \"local8\" is not one of \"kern\", \"user\", \"mail\", "
	    "\"daemon\", \"auth\", \"syslog\", \"lpr\", \"news\", \"uucp\", \"cron\", "
	    "\"authpriv\", \"ftp\", \"ntp\", \"audit\", \"alert\", \"clock\", \"local0\", "
	    "\"local1\", \"local2\", \"local3\", \"local4\", \"local5\", \"local6\", \"local7\"");
	bad("hostname = \"my host\";", "c.conf:4: 'hostname' = \"my host\": only printable ASCII "
				       "without spaces is allowed (RFC 5424)");
	bad("app_name = \"\";", "c.conf:4: 'app_name' must not be empty");
	bad("app_name = \"0123456789012345678901234567890123456789012345678\";",
	    "c.conf:4: 'app_name' is too long (at most 48 characters)");
	bad("queue = \"1k\";", "c.conf:4: 'queue' is out of range (4096..1073741824 bytes)");
	bad("max_datagram = 100;", "c.conf:4: 'max_datagram' = 100 is out of range 480..65507");
	bad("servre = \"10.0.0.1\";",
	    "c.conf:4: unknown key 'servre' in config.log.syslog (did you mean 'server'?)");
}
