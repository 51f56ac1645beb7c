/* SPDX-License-Identifier: BSD-3-Clause */
/* fw/json.c: valid JSON for hostile strings; overflow drops instead of truncating. */
#include <criterion/criterion.h>
#include <string.h>

#include "../../fw/json.h"

Test(json, nested_objects_and_escapes)
{
	char buf[256];
	struct fw_json j;

	fw_json_init(&j, buf, sizeof(buf));
	fw_json_open(&j, NULL);
	fw_json_str(&j, "a", "q\"b\\\n\x01\xff");
	fw_json_open(&j, "o");
	fw_json_u64(&j, "n", 18446744073709551615ull);
	fw_json_bool(&j, "t", true);
	fw_json_close(&j);
	fw_json_array_open(&j, "l");
	fw_json_i64(&j, NULL, -3);
	fw_json_i64(&j, NULL, 4);
	fw_json_array_close(&j);
	fw_json_close(&j);
	cr_assert(fw_json_ok(&j));
	cr_assert_str_eq(fw_json_text(&j), "{\"a\":\"q\\\"b\\\\\\n\\u0001\\u00ff\",\"o\":{\"n\":"
					   "18446744073709551615,\"t\":true},\"l\":[-3,4]}");
}

Test(json, timestamp_format)
{
	char buf[128];
	struct fw_json j;

	fw_json_init(&j, buf, sizeof(buf));
	fw_json_open(&j, NULL);
	fw_json_time(&j, "timestamp", 1767225600123456ull);
	fw_json_close(&j);
	cr_assert_str_eq(fw_json_text(&j), "{\"timestamp\":\"2026-01-01T00:00:00.123456+0000\"}");
}

Test(json, overflow_is_detected)
{
	char buf[16];
	struct fw_json j;

	fw_json_init(&j, buf, sizeof(buf));
	fw_json_open(&j, NULL);
	fw_json_str(&j, "key", "a value that does not fit");
	fw_json_close(&j);
	cr_assert(!fw_json_ok(&j));
	cr_assert_lt(strlen(buf), sizeof(buf));
}
