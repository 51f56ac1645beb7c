/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event log is a stdio stream with a large buffer, flushed by the control loop a few
 * times a second and at exit, so a burst of records costs no system call per record.
 * When log.syslog is configured, every record also goes to the syslog sink (fw/syslog.c),
 * whose TCP queue the same flush pumps. "written" counts records that reached the sinks
 * (the file, or the syslog sink when there is no file); "dropped" those that did not fit
 * their buffer or whose file write failed. The syslog sink counts its own losses.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "syslog.h"

static FILE *log_fp;
static uint64_t written, dropped;

int
fw_log_open(const char *path)
{
	if (path == NULL || path[0] == '\0')
		return 0;
	log_fp = fopen(path, "a");
	if (log_fp == NULL)
		return -1;
	setvbuf(log_fp, NULL, _IOFBF, 1 << 20);
	return 0;
}

bool
fw_log_enabled(void)
{
	return log_fp != NULL || fw_syslog_enabled();
}

void
fw_log_begin(struct fw_json *j, char *buf, size_t cap, const char *event_type)
{
	fw_json_init(j, buf, cap);
	fw_json_open(j, NULL);
	fw_json_time(j, "timestamp", fw_now_usec());
	fw_json_str(j, "event_type", event_type);
}

void
fw_log_record(const struct fw_json *j)
{
	bool ok = true;

	if (!fw_log_enabled())
		return;
	if (!fw_json_ok(j)) {
		dropped++;
		return;
	}
	const char *text = fw_json_text(j);
	if (log_fp != NULL && (fputs(text, log_fp) < 0 || fputc('\n', log_fp) < 0))
		ok = false;
	if (fw_syslog_enabled()) {
		char msgid[FW_SYSLOG_MSGID_MAX + 1];
		int sev = fw_syslog_classify(text, j->len, msgid, sizeof(msgid));
		fw_syslog_send(msgid, sev, text, j->len);
	}
	if (ok)
		written++;
	else
		dropped++;
}

void
fw_log_flush(void)
{
	if (log_fp != NULL)
		fflush(log_fp);
	fw_syslog_pump();
}

void
fw_log_close(void)
{
	if (log_fp != NULL)
		fclose(log_fp);
	log_fp = NULL;
	fw_syslog_close(1000); /* what a reachable collector takes within a second */
}

uint64_t
fw_log_written(void)
{
	return written;
}

uint64_t
fw_log_dropped(void)
{
	return dropped;
}

static void
vmsg(const char *prefix, const char *fmt, va_list ap)
{
	char line[1024];
	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "bridgeward: %s%s\n", prefix, line);
}

void
fw_msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void
fw_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void
fw_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg("error: ", fmt, ap);
	va_end(ap);
}
