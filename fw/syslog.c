/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 5424 syslog sink for the event log, on libc sockets.
 *
 * Why hand-written: libc syslog(3) only talks to the local /dev/log socket, in the BSD
 * format; the C libraries Debian packages around syslog either do the same or speak
 * another protocol (librelp: RELP, which the collector must run too). None sends RFC 5424
 * over TCP with RFC 6587 octet counting to a remote collector from a non-blocking loop
 * with a bounded queue, which is what the control core needs. It is a few hundred lines.
 *
 * Message: "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG" with PRI = facility * 8
 * + severity, TIMESTAMP the time of sending in UTC with microseconds
 * (2026-01-01T00:00:00.000979Z), PROCID the process id, no STRUCTURED-DATA ("-"), and MSG
 * the record's JSON text as it is, UTF-8 without a BOM (a BOM would make the body
 * something other than JSON for collectors that parse it).
 *
 * UDP (RFC 5426): one datagram per message, sent with MSG_DONTWAIT from an unconnected
 * socket; a message longer than log.syslog.max_datagram is cut at a UTF-8 character
 * boundary (counted as truncated); a datagram the socket refuses is dropped and counted.
 * Default 8192 bytes: rsyslog's default maximum message size, above the 2048 that RFC 5426
 * says receivers should accept, so typical flow records arrive whole.
 *
 * TCP (RFC 6587 octet counting, "LEN SP MESSAGE"): frames are appended to one linear
 * buffer of log.syslog.queue bytes. [head, tail) holds whole frames not yet written;
 * `part` bytes of the frame at head are already on the current connection. A frame that
 * does not fit is dropped whole and counted, so the collector never sees a broken frame.
 * Writing happens when 16 KiB are queued and at every pump, as much as the socket takes
 * (once the socket has refused bytes, only at the next pump: no system call per message).
 * When a connection breaks, the partly written frame is written again whole on the next
 * connection (the collector discards the incomplete one with the broken connection);
 * frames the kernel had already taken are lost with it, as RFC 6587 has no acknowledgement.
 * Connections are opened non-blocking; an attempt that fails, or takes more than 10 s, is
 * retried after a backoff of 1 s doubling to 30 s, reset by a successful connection.
 *
 * Costs: UDP one sendmsg per message; TCP one memcpy per message and one send per 16 KiB
 * or pump. The buffer compacts (memmove of what is queued) only when its tail reaches the
 * end while its head has moved.
 *
 * Thread: control core only.
 */
#include "syslog.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "log.h"

#define FLUSH_AT           (16u * 1024)
#define BACKOFF_MIN_MS     1000u
#define BACKOFF_MAX_MS     30000u
#define CONNECT_TIMEOUT_MS 10000u
#define HEADER_MAX         512 /* PRI, time, 255 + 48 + 10 + 32 for the fields, spaces */

enum tcp_state { TCP_IDLE, TCP_CONNECTING, TCP_CONNECTED };

static struct {
	bool open;
	int transport; /* enum cfg_syslog_transport */
	int fd;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char name[CFG_SYSLOG_SERVER_LEN]; /* "addr:port" for messages */
	unsigned facility;
	char hostname[CFG_SYSLOG_HOSTNAME_LEN];
	char app_name[CFG_SYSLOG_APP_NAME_LEN];
	char procid[16];
	uint32_t max_datagram;
	/* TCP */
	enum tcp_state state;
	uint64_t retry_at_ms, connect_start_ms;
	unsigned backoff_ms;
	unsigned failures_in_row; /* for messages: warn on the first of a series */
	bool would_block;         /* the socket refused bytes: wait for the next pump */
	char *q;
	size_t cap, head, part, tail;
	struct fw_syslog_counters cnt;
} sl = { .fd = -1 };

static uint64_t
mono_ms(void)
{
	return fw_mono_usec() / 1000;
}

/* Copy the printable ASCII (33..126) of s, at most max characters; "-" when none. */
static void
printable(char *out, size_t cap, const char *s, size_t n, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < n && s[i] != '\0' && k < max && k + 1 < cap; i++)
		if (s[i] >= 33 && s[i] <= 126)
			out[k++] = s[i];
	if (k == 0)
		out[k++] = '-';
	out[k] = '\0';
}

/* ---- classification ---- */

/* The string value after pat (`"key":"`) within json[0, len), or NULL. */
static const char *
find_value(const char *json, size_t len, const char *pat, size_t *vlen)
{
	size_t plen = strlen(pat);
	const char *p = memmem(json, len, pat, plen);

	if (p == NULL)
		return NULL;
	p += plen;
	const char *end = memchr(p, '"', len - (size_t)(p - json));
	if (end == NULL)
		return NULL;
	*vlen = (size_t)(end - p);
	return p;
}

static bool
value_is(const char *v, size_t n, const char *word)
{
	return v != NULL && n == strlen(word) && memcmp(v, word, n) == 0;
}

int
fw_syslog_classify(const char *json, size_t len, char *msgid, size_t cap)
{
	size_t n = 0, an = 0;
	/* Keys and values fw_json writes are "key":"value"; a string value cannot contain
	 * this pattern (its quotes are escaped), and the record's own event_type comes
	 * before any nested object. */
	const char *v = find_value(json, len, "\"event_type\":\"", &n);

	printable(msgid, cap, v != NULL ? v : "", n, FW_SYSLOG_MSGID_MAX);
	if (value_is(v, n, "policy")) {
		const char *pol = memmem(json, len, "\"policy\":{", 10);
		const char *a = pol != NULL ? find_value(pol, len - (size_t)(pol - json),
							 "\"action\":\"", &an)
					    : NULL;
		if (value_is(a, an, "reset") || value_is(a, an, "drop") ||
		    value_is(a, an, "quarantine"))
			return FW_SYSLOG_WARNING;
		return FW_SYSLOG_NOTICE;
	}
	if (value_is(v, n, "link"))
		return FW_SYSLOG_NOTICE;
	return FW_SYSLOG_INFO;
}

/* ---- the message ---- */

static size_t
header(char *out, size_t cap, const char *msgid, int severity)
{
	uint64_t us = fw_now_usec();
	time_t secs = (time_t)(us / 1000000);
	char mid[FW_SYSLOG_MSGID_MAX + 1];
	struct tm tm;

	gmtime_r(&secs, &tm);
	printable(mid, sizeof(mid), msgid != NULL ? msgid : "", msgid != NULL ? strlen(msgid) : 0,
		  FW_SYSLOG_MSGID_MAX);
	if (severity < 0 || severity > 7)
		severity = FW_SYSLOG_INFO;
	int n = snprintf(out, cap, "<%u>1 %04d-%02d-%02dT%02d:%02d:%02d.%06uZ %s %s %s %s - ",
			 sl.facility * 8 + (unsigned)severity, tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(us % 1000000),
			 sl.hostname, sl.app_name, sl.procid, mid);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/* The longest prefix of msg[0, len) of at most room bytes ending on a character boundary. */
static size_t
utf8_cut(const char *msg, size_t len, size_t room)
{
	size_t cut = room < len ? room : len;

	while (cut > 0 && cut < len && ((unsigned char)msg[cut] & 0xc0) == 0x80)
		cut--;
	return cut;
}

static int
udp_send(const char *hdr, size_t hlen, const char *msg, size_t len)
{
	size_t room = sl.max_datagram > hlen ? sl.max_datagram - hlen : 0;
	ssize_t n;

	if (len > room) {
		len = utf8_cut(msg, len, room);
		sl.cnt.truncated++;
	}
	struct iovec iov[2] = { { .iov_base = (void *)hdr, .iov_len = hlen },
				{ .iov_base = (void *)msg, .iov_len = len } };
	struct msghdr mh = {
		.msg_name = &sl.addr, .msg_namelen = sl.addrlen, .msg_iov = iov, .msg_iovlen = 2
	};
	do
		n = sendmsg(sl.fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (sl.cnt.dropped++ == 0)
			fw_warn("syslog: cannot send to %s: %s (dropping, counted)", sl.name,
				strerror(errno));
		return -1;
	}
	sl.cnt.sent++;
	return 0;
}

/* ---- TCP ---- */

/* Length of the whole frame "LEN SP MESSAGE" starting at p (a frame this file wrote). */
static size_t
frame_len(const char *p)
{
	size_t digits = 0, mlen = 0;

	while (p[digits] != ' ')
		mlen = mlen * 10 + (size_t)(p[digits++] - '0');
	return digits + 1 + mlen;
}

static void
tcp_close_fd(void)
{
	if (sl.fd >= 0)
		close(sl.fd);
	sl.fd = -1;
	sl.state = TCP_IDLE;
	sl.part = 0; /* the frame at head goes again, whole, on the next connection */
}

/* A connection attempt failed or a connection broke (err 0: closed by the collector):
 * close, count, retry later. */
static void
tcp_failed(const char *what, int err)
{
	tcp_close_fd();
	sl.cnt.conn_failures++;
	if (sl.failures_in_row++ == 0)
		fw_warn("syslog: %s %s%s%s; retrying (backoff up to %u s), queueing meanwhile",
			what, sl.name, err != 0 ? ": " : "", err != 0 ? strerror(err) : "",
			BACKOFF_MAX_MS / 1000);
	sl.retry_at_ms = mono_ms() + sl.backoff_ms;
	sl.backoff_ms = sl.backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : sl.backoff_ms * 2;
}

static void
tcp_connected(void)
{
	sl.state = TCP_CONNECTED;
	sl.backoff_ms = BACKOFF_MIN_MS;
	if (sl.failures_in_row > 0)
		fw_msg("syslog: connected to %s after %u failures", sl.name, sl.failures_in_row);
	sl.failures_in_row = 0;
}

static void
tcp_connect(void)
{
	int fd = socket(sl.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		tcp_failed("cannot create a socket for", errno);
		return;
	}
	sl.fd = fd;
	sl.connect_start_ms = mono_ms();
	if (connect(fd, (const struct sockaddr *)&sl.addr, sl.addrlen) == 0) {
		tcp_connected();
		return;
	}
	if (errno == EINPROGRESS) {
		sl.state = TCP_CONNECTING;
		return;
	}
	tcp_failed("cannot connect to", errno);
}

/* A pending connection: done, failed, or still waiting (given up after 10 s). */
static void
tcp_check_connect(void)
{
	struct pollfd p = { .fd = sl.fd, .events = POLLOUT };
	int err = 0;
	socklen_t elen = sizeof(err);

	if (poll(&p, 1, 0) <= 0) {
		if (mono_ms() - sl.connect_start_ms > CONNECT_TIMEOUT_MS)
			tcp_failed("cannot connect to", ETIMEDOUT);
		return;
	}
	if (getsockopt(sl.fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
		err = errno;
	if (err != 0)
		tcp_failed("cannot connect to", err);
	else
		tcp_connected();
}

/* The collector never talks: readable means it closed the connection or it broke. */
static void
tcp_check_peer(void)
{
	char b[512];
	ssize_t n = recv(sl.fd, b, sizeof(b), MSG_DONTWAIT);

	if (n == 0)
		tcp_failed("connection closed by", 0);
	else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		tcp_failed("connection lost to", errno);
}

/* Write what the socket takes; retire the frames written whole. */
static void
tcp_write(void)
{
	sl.would_block = false;
	while (sl.state == TCP_CONNECTED && sl.tail > sl.head + sl.part) {
		ssize_t n = send(sl.fd, sl.q + sl.head + sl.part, sl.tail - sl.head - sl.part,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				tcp_failed("connection lost to", errno);
			else
				sl.would_block = true;
			return;
		}
		sl.part += (size_t)n;
		while (sl.part > 0) {
			size_t f = frame_len(sl.q + sl.head);
			if (sl.part < f)
				break;
			sl.head += f;
			sl.part -= f;
			sl.cnt.sent++;
		}
		if (sl.head == sl.tail)
			sl.head = sl.tail = 0;
	}
}

static int
tcp_queue(const char *hdr, size_t hlen, const char *msg, size_t len)
{
	char pre[24];
	int plen = snprintf(pre, sizeof(pre), "%zu ", hlen + len);
	size_t flen = (size_t)plen + hlen + len;

	if (sl.tail + flen > sl.cap && sl.head > 0) {
		memmove(sl.q, sl.q + sl.head, sl.tail - sl.head);
		sl.tail -= sl.head;
		sl.head = 0;
	}
	if (sl.tail + flen > sl.cap) {
		sl.cnt.dropped++;
		return -1;
	}
	memcpy(sl.q + sl.tail, pre, (size_t)plen);
	memcpy(sl.q + sl.tail + plen, hdr, hlen);
	memcpy(sl.q + sl.tail + plen + hlen, msg, len);
	sl.tail += flen;
	if (sl.state == TCP_CONNECTED && !sl.would_block && sl.tail - sl.head >= FLUSH_AT)
		tcp_write();
	return 0;
}

/* ---- the sink ---- */

static void
address(const struct cfg_syslog_server *s)
{
	char a[INET6_ADDRSTRLEN];

	memset(&sl.addr, 0, sizeof(sl.addr));
	if (s->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&sl.addr;
		in->sin_family = AF_INET;
		in->sin_port = htons(s->port);
		memcpy(&in->sin_addr, s->addr, 4);
		sl.addrlen = sizeof(*in);
		inet_ntop(AF_INET, s->addr, a, sizeof(a));
		snprintf(sl.name, sizeof(sl.name), "%s:%u", a, s->port);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sl.addr;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(s->port);
		memcpy(&in6->sin6_addr, s->addr, 16);
		sl.addrlen = sizeof(*in6);
		inet_ntop(AF_INET6, s->addr, a, sizeof(a));
		snprintf(sl.name, sizeof(sl.name), "[%s]:%u", a, s->port);
	}
}

int
fw_syslog_open(const struct cfg_syslog *c, char *err, size_t errlen)
{
	if (sl.open)
		fw_syslog_close(0);
	memset(&sl.cnt, 0, sizeof(sl.cnt));
	if (c->server.family == 0)
		return 0;
	if (c->server.family != AF_INET && c->server.family != AF_INET6) {
		snprintf(err, errlen, "log.syslog.server: no address");
		return -1;
	}
	address(&c->server);
	sl.transport = c->transport;
	sl.facility = (unsigned)c->facility & 31;
	sl.max_datagram = c->max_datagram;
	snprintf(sl.app_name, sizeof(sl.app_name), "%s", c->app_name);
	if (c->hostname[0] != '\0') {
		snprintf(sl.hostname, sizeof(sl.hostname), "%s", c->hostname);
	} else {
		char h[CFG_SYSLOG_HOSTNAME_LEN] = "";
		if (gethostname(h, sizeof(h) - 1) != 0)
			h[0] = '\0';
		printable(sl.hostname, sizeof(sl.hostname), h, strlen(h), 255);
	}
	snprintf(sl.procid, sizeof(sl.procid), "%ld", (long)getpid());
	sl.fd = -1;
	sl.head = sl.part = sl.tail = 0;
	sl.failures_in_row = 0;
	sl.backoff_ms = BACKOFF_MIN_MS;
	if (sl.transport == CFG_SYSLOG_UDP) {
		sl.fd = socket(sl.addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (sl.fd < 0) {
			snprintf(err, errlen, "cannot create a UDP socket for %s: %s", sl.name,
				 strerror(errno));
			return -1;
		}
	} else {
		sl.cap = c->queue;
		sl.q = malloc(sl.cap);
		if (sl.q == NULL) {
			snprintf(err, errlen,
				 "cannot allocate the %zu-byte queue (log.syslog.queue)", sl.cap);
			return -1;
		}
		sl.state = TCP_IDLE;
		sl.open = true;
		tcp_connect();
		if (sl.state == TCP_CONNECTING)
			tcp_check_connect();
		return 0;
	}
	sl.open = true;
	return 0;
}

bool
fw_syslog_enabled(void)
{
	return sl.open;
}

int
fw_syslog_send(const char *msgid, int severity, const char *msg, size_t len)
{
	char hdr[HEADER_MAX];

	if (!sl.open)
		return -1;
	size_t hlen = header(hdr, sizeof(hdr), msgid, severity);
	if (sl.transport == CFG_SYSLOG_UDP)
		return udp_send(hdr, hlen, msg, len);
	return tcp_queue(hdr, hlen, msg, len);
}

void
fw_syslog_pump(void)
{
	if (!sl.open || sl.transport != CFG_SYSLOG_TCP)
		return;
	switch (sl.state) {
	case TCP_IDLE:
		if (mono_ms() < sl.retry_at_ms)
			return;
		tcp_connect();
		if (sl.state == TCP_CONNECTING)
			tcp_check_connect();
		break;
	case TCP_CONNECTING: tcp_check_connect(); break;
	case TCP_CONNECTED: tcp_check_peer(); break;
	}
	tcp_write();
}

/* Frames left in the queue (the one partly written included): lost at close. */
static uint64_t
frames_left(void)
{
	uint64_t n = 0;

	for (size_t p = sl.head; p < sl.tail; p += frame_len(sl.q + p))
		n++;
	return n;
}

void
fw_syslog_close(unsigned timeout_ms)
{
	if (!sl.open)
		return;
	if (sl.transport == CFG_SYSLOG_TCP) {
		uint64_t deadline = mono_ms() + timeout_ms;
		bool retried = false;
		for (;;) {
			/* One more attempt now if the collector was down: the backoff is for
			 * a process that goes on running. */
			if (sl.state == TCP_IDLE && !retried && sl.tail > sl.head) {
				sl.retry_at_ms = 0;
				retried = true;
			}
			fw_syslog_pump();
			uint64_t now = mono_ms();
			if (sl.tail == sl.head || sl.state == TCP_IDLE || now >= deadline)
				break;
			struct pollfd p = { .fd = sl.fd, .events = POLLOUT };
			uint64_t wait = deadline - now < 50 ? deadline - now : 50;
			poll(&p, 1, (int)wait);
		}
		sl.cnt.dropped += frames_left();
		free(sl.q);
		sl.q = NULL;
		sl.head = sl.part = sl.tail = 0;
	}
	if (sl.fd >= 0)
		close(sl.fd);
	sl.fd = -1;
	sl.state = TCP_IDLE;
	sl.open = false;
}

void
fw_syslog_counters(struct fw_syslog_counters *out)
{
	*out = sl.cnt;
	out->queued = sl.open ? sl.tail - sl.head : 0;
	out->connected = sl.open && (sl.transport == CFG_SYSLOG_UDP || sl.state == TCP_CONNECTED);
}
