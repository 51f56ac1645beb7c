/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The signatures are the published leading bytes of each format (Gary Kessler's "File
 * Signatures Table", and the formats' own specifications: Microsoft PE/COFF "MZ", the ELF
 * e_ident, PKWARE APPNOTE 4.3.7 local file header "PK\3\4" (also OOXML office documents,
 * JAR and APK), RAR 4 and 5 "Rar!\x1a\x07", 7-Zip "7z\xbc\xaf\x27\x1c", RFC 1952 gzip
 * "\x1f\x8b\x08", bzip2 "BZh", xz "\xfd7zXZ\0", the Compound File Binary header of
 * Microsoft's legacy office formats "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", PDF "%PDF-",
 * Mach-O "\xcf\xfa\xed\xfe"). A table and a loop: eight fixed prefixes at a known offset
 * need no Hyperscan database.
 */
#include "filemagic.h"

#include <string.h>

struct magic {
	const char *bytes;
	uint8_t len;
	uint8_t kind;
};

static const struct magic magics[] = {
	{ "\x7f"
	  "ELF",
	  4, DP_FILE_EXECUTABLE },
	{ "\xcf\xfa\xed\xfe", 4, DP_FILE_EXECUTABLE },
	{ "MZ", 2, DP_FILE_EXECUTABLE },
	{ "PK\x03\x04", 4, DP_FILE_ARCHIVE },
	{ "Rar!\x1a\x07", 6, DP_FILE_ARCHIVE },
	{ "7z\xbc\xaf\x27\x1c", 6, DP_FILE_ARCHIVE },
	{ "\xfd"
	  "7zXZ\x00",
	  6, DP_FILE_ARCHIVE },
	{ "\x1f\x8b\x08", 3, DP_FILE_ARCHIVE },
	{ "BZh", 3, DP_FILE_ARCHIVE },
	{ "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8, DP_FILE_DOCUMENT },
	{ "%PDF-", 5, DP_FILE_DOCUMENT },
};

/* A DOS stub's header ("MZ", bytes in the last page, pages: "MZ\x90\0\3\0") makes "MZ"
 * strong enough on its own. */
static const char dos_header[] = "MZ\x90\x00\x03\x00";

/* The bytes signature i needs, in strong mode or not (NULL: it does not count). */
static const char *
pattern(const struct magic *m, bool strong, uint32_t *len)
{
	*len = m->len;
	if (!strong || m->len >= 4)
		return m->bytes;
	if (m->len == 2) {
		*len = sizeof(dos_header) - 1;
		return dos_header;
	}
	return NULL;
}

enum dp_file_kind
dp_file_magic(const uint8_t *p, uint32_t n, bool strong)
{
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		uint32_t len;
		const char *b = pattern(&magics[i], strong, &len);
		if (b != NULL && n >= len && memcmp(p, b, len) == 0)
			return (enum dp_file_kind)magics[i].kind;
	}
	return DP_FILE_NONE;
}

bool
dp_file_magic_more(const uint8_t *p, uint32_t n, bool strong)
{
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		uint32_t len;
		const char *b = pattern(&magics[i], strong, &len);
		if (b != NULL && n < len && memcmp(p, b, n) == 0)
			return true;
	}
	return false;
}

const char *
dp_file_kind_name(enum dp_file_kind k)
{
	switch (k) {
	case DP_FILE_EXECUTABLE: return "executable";
	case DP_FILE_ARCHIVE: return "archive";
	case DP_FILE_DOCUMENT: return "document";
	default: return "none";
	}
}
