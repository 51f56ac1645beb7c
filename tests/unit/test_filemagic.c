/* SPDX-License-Identifier: BSD-3-Clause */
/* File signatures at the start of a transfer (dataplane/filemagic.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "../../dataplane/filemagic.h"

#define MAGIC(s, strong) dp_file_magic((const uint8_t *)(s), sizeof(s) - 1, strong)
#define MORE(s, strong)  dp_file_magic_more((const uint8_t *)(s), sizeof(s) - 1, strong)

Test(filemagic, every_signature_names_its_kind)
{
	cr_expect_eq(MAGIC("\x7f"
			   "ELF\x02\x01\x01",
			   true),
		     DP_FILE_EXECUTABLE);
	cr_expect_eq(MAGIC("\xcf\xfa\xed\xfe\x07\x00", true), DP_FILE_EXECUTABLE);
	cr_expect_eq(MAGIC("MZ\x90\x00\x03\x00\x00\x00", true), DP_FILE_EXECUTABLE);
	cr_expect_eq(MAGIC("PK\x03\x04\x14\x00", true), DP_FILE_ARCHIVE);
	cr_expect_eq(MAGIC("Rar!\x1a\x07\x01\x00", true), DP_FILE_ARCHIVE);
	cr_expect_eq(MAGIC("7z\xbc\xaf\x27\x1c\x00\x04", true), DP_FILE_ARCHIVE);
	cr_expect_eq(MAGIC("\xfd"
			   "7zXZ\x00\x00\x04",
			   true),
		     DP_FILE_ARCHIVE);
	cr_expect_eq(MAGIC("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", true), DP_FILE_DOCUMENT);
	cr_expect_eq(MAGIC("%PDF-1.7\n", true), DP_FILE_DOCUMENT);
	cr_expect_str_eq(dp_file_kind_name(DP_FILE_ARCHIVE), "archive");
}

Test(filemagic, short_signatures_need_a_known_body_start)
{
	/* in an HTTP body (not strong) "MZ", gzip and bzip2 count; at the start of an unknown
	 * stream they do not, unless "MZ" is followed by a DOS header */
	cr_expect_eq(MAGIC("MZ\x7f\x41\x42\x43", false), DP_FILE_EXECUTABLE);
	cr_expect_eq(MAGIC("MZ\x7f\x41\x42\x43", true), DP_FILE_NONE);
	cr_expect_eq(MAGIC("\x1f\x8b\x08\x00\x00\x00", false), DP_FILE_ARCHIVE);
	cr_expect_eq(MAGIC("\x1f\x8b\x08\x00\x00\x00", true), DP_FILE_NONE);
	cr_expect_eq(MAGIC("BZh91AY&SY", false), DP_FILE_ARCHIVE);
	cr_expect_eq(MAGIC("BZh91AY&SY", true), DP_FILE_NONE);
}

Test(filemagic, text_is_not_a_file)
{
	cr_expect_eq(MAGIC("<html><body>", false), DP_FILE_NONE);
	cr_expect_eq(MAGIC("name=MZ&zip=PK34", false), DP_FILE_NONE);
	cr_expect_eq(MAGIC("PK\x03\x05", false), DP_FILE_NONE);
	cr_expect_eq(MAGIC("%PDF", false), DP_FILE_NONE, "one byte short");
	cr_expect_eq(MAGIC("", false), DP_FILE_NONE);
}

Test(filemagic, a_prefix_asks_for_more)
{
	cr_expect(MORE("%PD", false));
	cr_expect(MORE("\xd0\xcf\x11", true));
	cr_expect(MORE("MZ\x90", true), "a DOS header may follow");
	cr_expect(MORE("", false));
	cr_expect_not(MORE("<ht", false));
	cr_expect_not(MORE("MZ\x7f", true));
	cr_expect_not(MORE("%PDF-1.7", false), "long enough to decide");
}
