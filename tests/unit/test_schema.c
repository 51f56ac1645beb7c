/* SPDX-License-Identifier: BSD-3-Clause */
/* config/schema.c: value parsers, defaults, and every error path with its file:line. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "../../config/schema.h"

struct item {
	char name[16];
	uint32_t weight;
	struct cfg_where where;
};

struct sample {
	bool on;
	uint16_t port;
	char label[8];
	int mode;
	uint64_t size, wait_ms, rate;
	struct item items[3];
	unsigned nitems;
	char tags[4][8];
	unsigned ntags;
	uint32_t nums[4];
	unsigned nnums;
	uint32_t inner;
};

static const char *const modes[] = { "forward", "drop", NULL };
#define O(f) offsetof(struct sample, f)
static const struct cfg_row item_rows[] = {
	{ .key = "name",
	  .type = CFG_STRING,
	  .off = offsetof(struct item, name),
	  .size = 16,
	  .flags = CFG_REQUIRED },
	{ .key = "weight",
	  .type = CFG_UINT,
	  .off = offsetof(struct item, weight),
	  .size = 4,
	  .def = "7",
	  .min = 1,
	  .max = 100 },
};
static const struct cfg_table item_table = CFG_TABLE("item", item_rows);
static const struct cfg_row inner_rows[] = {
	{ .key = "value", .type = CFG_UINT, .off = O(inner), .size = 4, .def = "3" },
};
static const struct cfg_table inner_table = CFG_TABLE("inner", inner_rows);
static const struct cfg_row rows[] = {
	{ .key = "on", .type = CFG_BOOL, .off = O(on), .def = "true" },
	{ .key = "port", .type = CFG_UINT, .off = O(port), .size = 2, .def = "80", .min = 1 },
	{ .key = "label", .type = CFG_STRING, .off = O(label), .size = 8, .def = "x" },
	{ .key = "mode", .type = CFG_ENUM, .off = O(mode), .sub = modes, .def = "drop" },
	{ .key = "size", .type = CFG_SIZE, .off = O(size), .def = "64k", .max = 1ull << 30 },
	{ .key = "wait", .type = CFG_DURATION, .off = O(wait_ms), .def = "30s" },
	{ .key = "rate", .type = CFG_RATE, .off = O(rate), .def = "2mbit" },
	{ .key = "items",
	  .type = CFG_LIST,
	  .off = O(items),
	  .size = sizeof(struct item),
	  .sub = &item_table,
	  .count_off = O(nitems),
	  .max_count = 3,
	  .where_off = offsetof(struct item, where) },
	{ .key = "tags",
	  .type = CFG_STRINGS,
	  .off = O(tags),
	  .size = 8,
	  .count_off = O(ntags),
	  .max_count = 4,
	  .def = "a,b" },
	{ .key = "nums",
	  .type = CFG_UINTS,
	  .off = O(nums),
	  .size = 4,
	  .count_off = O(nnums),
	  .max_count = 4,
	  .max = 1000 },
	{ .key = "inner", .type = CFG_GROUP, .sub = &inner_table },
};
static const struct cfg_table table = CFG_TABLE("sample", rows);

static struct sample s;
static struct cfg_diag d;

static int
load(const char *text)
{
	return cfg_load_string(text, "t.conf", &table, &s, sizeof(s), &d);
}

static void
expect_error(const char *text, const char *msg)
{
	cr_assert_eq(load(text), -1, "accepted: %s", text);
	cr_assert_geq(d.n, 1);
	cr_assert_str_eq(d.msg[0], msg);
}

Test(schema, parses_sizes_durations_rates)
{
	uint64_t v;
	cr_assert_eq(cfg_parse_size("64k", &v), 0);
	cr_assert_eq(v, 65536);
	cr_assert_eq(cfg_parse_size("2 MiB", &v), 0);
	cr_assert_eq(v, 2u << 20);
	cr_assert_eq(cfg_parse_size("1.5g", &v), 0);
	cr_assert_eq(v, 3ull << 29);
	cr_assert_eq(cfg_parse_size("12", &v), 0);
	cr_assert_eq(v, 12);
	cr_assert_eq(cfg_parse_size("-1k", &v), -1);
	cr_assert_eq(cfg_parse_size("4 parsecs", &v), -1);
	cr_assert_eq(cfg_parse_size("", &v), -1);
	cr_assert_eq(cfg_parse_duration("250ms", &v), 0);
	cr_assert_eq(v, 250);
	cr_assert_eq(cfg_parse_duration("5m", &v), 0);
	cr_assert_eq(v, 300000);
	cr_assert_eq(cfg_parse_duration("2", &v), 0);
	cr_assert_eq(v, 2000);
	cr_assert_eq(cfg_parse_duration("1d", &v), 0);
	cr_assert_eq(v, 86400000);
	cr_assert_eq(cfg_parse_rate("2mbit", &v), 0);
	cr_assert_eq(v, 2000000);
	cr_assert_eq(cfg_parse_rate("64kbps", &v), 0);
	cr_assert_eq(v, 512000);
	cr_assert_eq(cfg_parse_rate("fast", &v), -1);
}

Test(schema, defaults_apply_when_keys_are_absent)
{
	cr_assert_eq(load(""), 0);
	cr_assert(s.on);
	cr_assert_eq(s.port, 80);
	cr_assert_str_eq(s.label, "x");
	cr_assert_eq(s.mode, 1);
	cr_assert_eq(s.size, 65536);
	cr_assert_eq(s.wait_ms, 30000);
	cr_assert_eq(s.rate, 2000000);
	cr_assert_eq(s.nitems, 0);
	cr_assert_eq(s.ntags, 2);
	cr_assert_str_eq(s.tags[1], "b");
	cr_assert_eq(s.inner, 3);
}

Test(schema, loads_every_type)
{
	cr_assert_eq(load("on = false;\nport = 8080;\nlabel = \"abc\";\nmode = \"forward\";\n"
			  "size = \"1m\";\nwait = \"100ms\";\nrate = 1000;\n"
			  "items = ( { name = \"a\"; }, { name = \"b\"; weight = 9; } );\n"
			  "tags = [ \"x\" ];\nnums = [ 1, 2, 3 ];\ninner = { value = 11; };\n"),
		     0, "%s", d.msg[0]);
	cr_assert(!s.on);
	cr_assert_eq(s.port, 8080);
	cr_assert_str_eq(s.label, "abc");
	cr_assert_eq(s.mode, 0);
	cr_assert_eq(s.size, 1u << 20);
	cr_assert_eq(s.wait_ms, 100);
	cr_assert_eq(s.rate, 1000);
	cr_assert_eq(s.nitems, 2);
	cr_assert_str_eq(s.items[0].name, "a");
	cr_assert_eq(s.items[0].weight, 7);
	cr_assert_eq(s.items[1].weight, 9);
	cr_assert_eq(s.items[1].where.line, 8);
	cr_assert_str_eq(s.items[1].where.file, "t.conf");
	cr_assert_eq(s.ntags, 1);
	cr_assert_eq(s.nnums, 3);
	cr_assert_eq(s.nums[2], 3);
	cr_assert_eq(s.inner, 11);
}

Test(schema, syntax_error_names_file_and_line)
{
	expect_error("port = 80;\nlabel = \"x\";\nmode = = \"drop\";\n", "t.conf:3: syntax error");
}

Test(schema, unknown_key_with_suggestion)
{
	expect_error("on = true;\n\nprot = 8;\n",
		     "t.conf:3: unknown key 'prot' in sample (did you mean 'port'?)");
	expect_error("inner = { valeu = 1; };\n",
		     "t.conf:1: unknown key 'valeu' in sample.inner (did you mean 'value'?)");
	expect_error("zebra = 1;\n", "t.conf:1: unknown key 'zebra' in sample");
}

Test(schema, type_errors)
{
	expect_error("on = 1;\n", "t.conf:1: 'on' must be a boolean");
	expect_error("port = \"80\";\n", "t.conf:1: 'port' must be an integer");
	expect_error("label = 5;\n", "t.conf:1: 'label' must be a string");
	expect_error("mode = 1;\n", "t.conf:1: 'mode' must be one of \"forward\", \"drop\"");
	expect_error("inner = 5;\n", "t.conf:1: 'inner' must be a group { ... }");
	expect_error("port = { x = 1; };\n",
		     "t.conf:1: 'port' must be an integer, not a group or list");
	expect_error("items = 3;\n",
		     "t.conf:1: 'items' must be a list of groups, e.g. ( { ... }, { ... } )");
	expect_error("items = ( 3 );\n", "t.conf:1: entry 1 of 'items' must be a group { ... }");
}

Test(schema, range_errors)
{
	expect_error("port = 0;\n", "t.conf:1: 'port' = 0 is out of range 1..65535");
	expect_error("port = 70000;\n", "t.conf:1: 'port' = 70000 is out of range 1..65535");
	expect_error("label = \"much too long\";\n",
		     "t.conf:1: 'label' is too long (at most 7 characters)");
	expect_error("mode = \"bounce\";\n",
		     "t.conf:1: 'mode' = \"bounce\" is not one of \"forward\", \"drop\"");
	expect_error("size = \"2g\";\n", "t.conf:1: 'size' is out of range (0..1073741824 bytes)");
	expect_error("size = \"lots\";\n",
		     "t.conf:1: 'size' must be a size (65536, \"64k\", \"2m\", \"1g\")");
	expect_error("wait = \"soon\";\n",
		     "t.conf:1: 'wait' must be a duration (seconds, or \"250ms\", \"30s\", \"5m\", "
		     "\"2h\")");
	expect_error("\nitems = ( { name = \"a\"; weight = 0; } );\n",
		     "t.conf:2: 'weight' = 0 is out of range 1..100");
	expect_error("nums = [ 1, 2000 ];\n",
		     "t.conf:1: 'nums' = 2000 is out of range 0..1000 (element 2)");
	expect_error("tags = [ \"a\", \"b\", \"c\", \"d\", \"e\" ];\n",
		     "t.conf:1: 'tags' has 5 elements; at most 4 are allowed");
	expect_error("items = ( {name=\"a\";}, {name=\"b\";}, {name=\"c\";}, {name=\"d\";} );\n",
		     "t.conf:1: 'items' has 4 entries; at most 3 are allowed");
}

Test(schema, required_key_missing)
{
	expect_error("items = (\n { weight = 3; }\n);\n",
		     "t.conf:2: sample.items[1]: required key 'name' is missing");
}

Test(schema, reports_every_error_in_one_pass)
{
	cr_assert_eq(load("port = 0;\nlabel = 1;\nzzz = 2;\n"), -1);
	cr_assert_eq(d.n, 3);
	cr_assert(strstr(d.msg[0], "t.conf:1:") == d.msg[0]);
	cr_assert(strstr(d.msg[1], "t.conf:2:") == d.msg[1]);
	cr_assert(strstr(d.msg[2], "t.conf:3:") == d.msg[2]);
}

Test(schema, missing_file_is_reported)
{
	cr_assert_eq(cfg_load_file("/nonexistent/x.conf", &table, &s, sizeof(s), &d), -1);
	cr_assert_str_eq(d.msg[0],
			 "/nonexistent/x.conf: cannot read file: No such file or directory");
}

Test(schema, include_resolves_relative_to_the_file)
{
	char dir[] = "/tmp/bwtest-incl-XXXXXX";
	char a[64], b[64];
	cr_assert_not_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/main.conf", dir);
	snprintf(b, sizeof(b), "%s/part.conf", dir);
	FILE *f = fopen(b, "w");
	fputs("port = 99;\nbogus = 1;\n", f);
	fclose(f);
	f = fopen(a, "w");
	fputs("on = false;\n@include \"part.conf\"\n", f);
	fclose(f);
	cr_assert_eq(cfg_load_file(a, &table, &s, sizeof(s), &d), -1);
	/* the error is located in the included file */
	char want[160];
	snprintf(want, sizeof(want), "%s:2: unknown key 'bogus' in sample", b);
	cr_assert_str_eq(d.msg[0], want);
	remove(a);
	remove(b);
	rmdir(dir);
}
