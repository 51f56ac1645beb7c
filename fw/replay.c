/* SPDX-License-Identifier: BSD-3-Clause */
#include "replay.h"

#include <pcap/pcap.h>
#include <stdio.h>

int
fw_replay_count(const char *path, uint64_t *frames, uint32_t *max_caplen, char *err, size_t errlen,
		char *warn, size_t warnlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	int rc;

	*frames = 0;
	*max_caplen = 0;
	warn[0] = '\0';
	p = pcap_open_offline(path, ebuf);
	if (p == NULL) {
		snprintf(err, errlen, "cannot read capture %s: %s", path, ebuf);
		return -1;
	}
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		(*frames)++;
		if (h->caplen > *max_caplen)
			*max_caplen = h->caplen;
	}
	if (rc == PCAP_ERROR)
		snprintf(warn, warnlen, "capture %s: %s after %llu frames; replaying those", path,
			 pcap_geterr(p), (unsigned long long)*frames);
	pcap_close(p);
	return 0;
}
