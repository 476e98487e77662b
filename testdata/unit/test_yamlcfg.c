/*
 * test_yamlcfg.c: the strict YAML loader and its schema getters.
 *
 * Each case writes a small YAML text to a temporary file, loads it with
 * yamlcfg_load() and checks the tree or the exact refusal: error code,
 * the file name and the line in the message, and the words that tell
 * the operator what to fix.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "yamlcfg.h"
#include "harness.h"

static char tmp_path[64];

/* Load text through a real file; the file is gone afterwards. */
static int
load_text(const char *text, struct ynode **root)
{
	FILE *f;
	int fd, ret;

	snprintf(tmp_path, sizeof(tmp_path), "/tmp/test_yamlcfg.XXXXXX");
	if ((fd = mkstemp(tmp_path)) == -1 || (f = fdopen(fd, "w")) == NULL) {
		perror("test_yamlcfg: temp file");
		exit(70);
	}
	fputs(text, f);
	fclose(f);
	ret = yamlcfg_load(tmp_path, root);
	unlink(tmp_path);
	return ret;
}

/* The message names the temp file and says "line N: " and has want. */
static int
msg_is(int line, const char *want)
{
	char prefix[96];

	snprintf(prefix, sizeof(prefix), "%s line %d: ", tmp_path, line);
	if (strncmp(err_msg(), prefix, strlen(prefix)) == 0 &&
	    strstr(err_msg(), want) != NULL)
		return 1;
	printf("      message: %s\n      wanted: %s...%s\n", err_msg(), prefix,
	    want);
	return 0;
}

/* Load text that must be refused with ERR_CONFIG at line. */
static void
refused(const char *what, const char *text, int line, const char *want)
{
	struct ynode *root = NULL;

	CHECK_RC(load_text(text, &root), ERR_CONFIG, "%s: refused", what);
	CHECK(root == NULL, "%s: no tree", what);
	CHECK(msg_is(line, want), "%s: message names line %d", what, line);
	yamlcfg_free(root);
}

static const char good[] =
    "# a comment\n"
    "name: \"Example\"\n"
    "count: 7\n"
    "enabled: true\n"
    "country: NO\n"
    "mode: fast\n"
    "certificate:\n"
    "  subject: { common_name: \"Root\", organization: Example }\n"
    "  validity_years: 20\n"
    "people:\n"
    "  - Carol\n"
    "  - 'Dave'\n"
    "items:\n"
    "  - name: a\n"
    "  - name: b\n";

static void
test_good(void)
{
	static const char *const top[] = { "name", "count", "enabled",
	    "country", "mode", "certificate", "people", "items", NULL };
	static const char *const modes[] = { "slow", "fast", NULL };
	const struct ynode *cert, *subj, *items;
	struct ynode *root = NULL;
	const char **people, *s;
	unsigned u;
	size_t n;
	int b, e;

	CHECK_RC(load_text(good, &root), 0, "good file loads");
	if (root == NULL)
		return;
	CHECK(root->kind == YNODE_MAP && root->count == 8,
	    "root is a mapping of 8 keys");
	CHECK(root->key_lines[0] == 2 && root->key_lines[7] == 13,
	    "key lines are 1-based and skip the comment");
	CHECK_RC(yamlcfg_check_keys(root, tmp_path, NULL, top), 0,
	    "all keys allowed");
	CHECK_RC(yamlcfg_str(root, tmp_path, "name", 1, &s), 0, "name");
	CHECK(s != NULL && strcmp(s, "Example") == 0, "name is Example");
	CHECK(yamlcfg_get(root, "name")->quoted == 1, "name was quoted");
	CHECK_RC(yamlcfg_uint(root, tmp_path, "count", 1, 1, 10, 0, &u), 0,
	    "count");
	CHECK(u == 7, "count is 7");
	CHECK_RC(yamlcfg_bool(root, tmp_path, "enabled", 1, 0, &b), 0,
	    "enabled");
	CHECK(b == 1, "enabled is true");
	CHECK_RC(yamlcfg_str(root, tmp_path, "country", 1, &s), 0, "country");
	CHECK(s != NULL && strcmp(s, "NO") == 0,
	    "plain NO stays the string NO (no Norway problem)");
	CHECK_RC(yamlcfg_enum(root, tmp_path, "mode", 1, modes, 0, &e), 0,
	    "mode");
	CHECK(e == 1, "mode is fast (index 1)");
	CHECK_RC(yamlcfg_map(root, tmp_path, "certificate", 1, &cert), 0,
	    "certificate section");
	CHECK_RC(yamlcfg_map(cert, tmp_path, "subject", 1, &subj), 0,
	    "flow mapping subject");
	CHECK(subj != NULL && strcmp(subj->where, "certificate.subject") == 0 &&
	    subj->head_line == 8, "subject knows its place and line");
	CHECK_RC(yamlcfg_str(subj, tmp_path, "common_name", 1, &s), 0,
	    "common_name");
	CHECK(s != NULL && strcmp(s, "Root") == 0, "common_name is Root");
	CHECK_RC(yamlcfg_strlist(root, tmp_path, "people", 1, 1, 5, &people,
	    &n), 0, "people");
	CHECK(n == 2 && strcmp(people[0], "Carol") == 0 &&
	    strcmp(people[1], "Dave") == 0, "people are Carol, Dave");
	CHECK_RC(yamlcfg_seq(root, tmp_path, "items", 1, 1, 4, &items), 0,
	    "items");
	CHECK(items != NULL && items->count == 2 &&
	    items->items[1]->kind == YNODE_MAP &&
	    strcmp(items->items[1]->where, "items[1]") == 0 &&
	    items->items[1]->line == 15, "second item is a mapping at line 15");
	yamlcfg_free(root);
}

static void
test_defaults(void)
{
	static const char *const modes[] = { "slow", "fast", NULL };
	const struct ynode *m;
	struct ynode *root = NULL;
	const char **list, *s;
	unsigned u;
	size_t n;
	int b, e;

	CHECK_RC(load_text("a: 1\n", &root), 0, "one-key file loads");
	if (root == NULL)
		return;
	s = "x";
	CHECK_RC(yamlcfg_str(root, "f", "absent", 0, &s), 0, "optional str");
	CHECK(s == NULL, "absent string is NULL");
	CHECK_RC(yamlcfg_uint(root, "f", "absent", 0, 1, 9, 5, &u), 0,
	    "optional uint");
	CHECK(u == 5, "absent uint takes the default");
	CHECK_RC(yamlcfg_bool(root, "f", "absent", 0, 1, &b), 0,
	    "optional bool");
	CHECK(b == 1, "absent bool takes the default");
	CHECK_RC(yamlcfg_enum(root, "f", "absent", 0, modes, 1, &e), 0,
	    "optional enum");
	CHECK(e == 1, "absent enum takes the default");
	list = &s;
	CHECK_RC(yamlcfg_strlist(root, "f", "absent", 0, 1, 3, &list, &n), 0,
	    "optional list");
	CHECK(list == NULL && n == 0, "absent list is empty");
	m = root;
	CHECK_RC(yamlcfg_map(root, "f", "absent", 0, &m), 0, "optional map");
	CHECK(m == NULL, "absent map is NULL");
	CHECK(yamlcfg_line(root, "a") == 1 && yamlcfg_get(root, "b") == NULL,
	    "line of a key, get of an absent key");
	CHECK_RC(yamlcfg_str(root, tmp_path, "missing", 1, &s), ERR_CONFIG,
	    "required key missing");
	CHECK(msg_is(1, "missing required key \"missing\" at the top level"),
	    "missing key named");
	yamlcfg_free(root);
	yamlcfg_free(NULL);
}

static void
test_structure_refused(void)
{
	refused("duplicate key", "backup:\n  threshold: 2\n  method: x\n"
	    "  threshold: 3\n", 4,
	    "duplicate key \"threshold\" (first at line 2)");
	refused("alias", "a: &anchor 1\nb: *anchor\n", 1, "anchor &anchor is "
	    "not allowed");
	refused("alias alone", "a: 1\nb: *nowhere\n", 2, "alias *nowhere is "
	    "not allowed");
	refused("tag", "a: 1\nb: !!str 2\n", 2, "tags (\"!...\") are not "
	    "allowed");
	refused("control in key", "a: 1\n\"b\\e[2J\": 2\n", 2, "key "
	    "contains a control character");
	refused("directive", "%YAML 1.1\n---\na: 1\n", 1, "directives");
	refused("two documents", "a: 1\n---\nb: 2\n", 2, "a second YAML "
	    "document is not allowed");
	refused("tab indent", "a: 1\nb:\n\t- x\n", 3, "tab");
	refused("unclosed list", "a: [1, 2\nb: 3\n", 2, "flow sequence");
	refused("bad mapping", "a: b: c\n", 1, "mapping values are not "
	    "allowed");
	refused("empty file", "", 1, "the file is empty");
	refused("comments only", "# nothing\n\n", 1, "the file is empty");
	refused("root is a list", "- a\n- b\n", 1, "the top level must be a "
	    "mapping");
	refused("root is a scalar", "just text\n", 1, "the top level must be "
	    "a mapping");
	refused("list as key", "? [a, b]\n: 1\n", 1, "keys must be strings");
	refused("empty key", "\"\": 1\n", 1, "empty key");
	refused("NUL in value", "a: \"x\\0y\"\n", 1, "NUL");
	refused("bad UTF-8", "a: \xff\n", 1, "UTF-8");
	refused("too deep", "a: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	    "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n", 1, "nested more "
	    "than 32 levels");
}

static void
test_missing_file(void)
{
	struct ynode *root = NULL;

	CHECK_RC(yamlcfg_load("/nonexistent/dir/x.yaml", &root), ERR_NOINPUT,
	    "missing file is ERR_NOINPUT");
	CHECK(root == NULL && strstr(err_msg(), "/nonexistent/dir/x.yaml") !=
	    NULL, "message names the missing file");
}

static void
test_check_keys(void)
{
	static const char *const cert_keys[] = { "subject",
	    "validity_years", NULL };
	static const char *const backup_keys[] = { "method", "threshold",
	    "custodians", NULL };
	const struct ynode *sec;
	struct ynode *root = NULL;

	CHECK_RC(load_text("certificate:\n  validity_years: 3\n"
	    "  subjet: {}\nbackup:\n  threhsold: 2\n  colour: red\n", &root),
	    0, "file with misspelt keys loads");
	if (root == NULL)
		return;
	CHECK_RC(yamlcfg_map(root, tmp_path, "certificate", 1, &sec), 0,
	    "certificate section");
	CHECK_RC(yamlcfg_check_keys(sec, tmp_path, "certificate", cert_keys),
	    ERR_CONFIG, "misspelt key refused");
	CHECK(msg_is(3, "unknown key \"subjet\" in section certificate (did "
	    "you mean \"subject\"?)"), "suggests subject");
	CHECK_RC(yamlcfg_map(root, tmp_path, "backup", 1, &sec), 0,
	    "backup section");
	CHECK_RC(yamlcfg_check_keys(sec, tmp_path, NULL, backup_keys),
	    ERR_CONFIG, "transposed key refused");
	CHECK(msg_is(5, "unknown key \"threhsold\" in section backup (did you "
	    "mean \"threshold\"?)"), "a transposition counts one");
	yamlcfg_free(root);

	CHECK_RC(load_text("backup:\n  colour: red\n", &root), 0,
	    "file with an unknown key loads");
	if (root == NULL)
		return;
	CHECK_RC(yamlcfg_check_keys(yamlcfg_get(root, "backup"), tmp_path,
	    NULL, backup_keys), ERR_CONFIG, "unknown key refused");
	CHECK(msg_is(2, "unknown key \"colour\" in section backup (allowed: "
	    "method, threshold, custodians)"), "far key lists the allowed");
	yamlcfg_free(root);
}

/* uint refusals: text is the value of n in "n: <text>". */
static void
uint_refused(const char *text, const char *want)
{
	char doc[128];
	struct ynode *root = NULL;
	unsigned u = 99;

	snprintf(doc, sizeof(doc), "x: 0\nn: %s\n", text);
	CHECK_RC(load_text(doc, &root), 0, "n: %s loads", text);
	if (root == NULL)
		return;
	CHECK_RC(yamlcfg_uint(root, tmp_path, "n", 1, 0, 100, 0, &u),
	    ERR_CONFIG, "n: %s refused as a number", text);
	CHECK(msg_is(2, want), "n: %s message", text);
	yamlcfg_free(root);
}

static void
test_numbers(void)
{
	struct ynode *root = NULL;
	unsigned u;

	CHECK_RC(load_text("threshold: 1\nbig: 4294967295\n", &root), 0,
	    "numbers load");
	if (root != NULL) {
		CHECK_RC(yamlcfg_uint(root, tmp_path, "threshold", 1, 2, 16, 0,
		    &u), ERR_CONFIG, "threshold below range");
		CHECK(msg_is(1, "threshold 1 is out of range (2..16)"),
		    "range named");
		CHECK_RC(yamlcfg_uint(root, tmp_path, "big", 1, 0, UINT32_MAX,
		    0, &u), 0, "UINT32_MAX read");
		CHECK(u == UINT32_MAX, "UINT32_MAX exact");
		yamlcfg_free(root);
	}
	uint_refused("-1", "\"-1\" is not a decimal number");
	uint_refused("+3", "\"+3\" is not a decimal number");
	uint_refused("0x10", "\"0x10\" is not a decimal number");
	uint_refused("1e3", "\"1e3\" is not a decimal number");
	uint_refused("12abc", "\"12abc\" is not a decimal number");
	uint_refused("010", "\"010\" is not a decimal number");
	uint_refused("3.0", "\"3.0\" is not a decimal number");
	uint_refused("\"3\"", "n \"3\" is quoted");
	uint_refused("\"\\e[2J\"", "n is quoted and contains a control "
	    "character");
	uint_refused("", "n has no value");
	uint_refused("~", "n has no value");
	uint_refused("[3]", "n must be a number, not a list");
	uint_refused("101", "n 101 is out of range (0..100)");
	uint_refused("99999999999999999999999",
	    "n 99999999999999999999999 is out of range (0..100)");
}

static void
test_types(void)
{
	static const char *const methods[] = { "shamir", "none", NULL };
	const struct ynode *m;
	struct ynode *root = NULL;
	const char **list, *s;
	size_t n;
	int b, e;

	CHECK_RC(load_text("name: [a, b]\nsec: text\nyes_: yes\n"
	    "q: \"true\"\nmethod: shamri\nlist: [a, {b: 1}]\none: a\n"
	    "ctl: \"a\\e[2Jb\"\nsp: \" a\"\nempty: \"\"\nnull_: null\n"
	    "c1: \"a\\u009bb\"\n", &root), 0, "typed file loads");
	if (root == NULL)
		return;
	CHECK_RC(yamlcfg_str(root, tmp_path, "name", 1, &s), ERR_CONFIG,
	    "list where a string is expected");
	CHECK(msg_is(1, "name must be a string, not a list"), "kind named");
	CHECK_RC(yamlcfg_map(root, tmp_path, "sec", 1, &m), ERR_CONFIG,
	    "string where a mapping is expected");
	CHECK(msg_is(2, "sec must be a mapping of keys, not a single value"),
	    "section kind named");
	CHECK_RC(yamlcfg_bool(root, tmp_path, "yes_", 1, 0, &b), ERR_CONFIG,
	    "yes is not a boolean");
	CHECK(msg_is(3, "must be true or false, not \"yes\""), "yes named");
	CHECK_RC(yamlcfg_bool(root, tmp_path, "q", 1, 0, &b), ERR_CONFIG,
	    "quoted true is not a boolean");
	CHECK_RC(yamlcfg_enum(root, tmp_path, "method", 1, methods, 0, &e),
	    ERR_CONFIG, "unknown enum value");
	CHECK(msg_is(5, "method \"shamri\" is not known (did you mean "
	    "\"shamir\"?)"), "enum suggestion");
	CHECK_RC(yamlcfg_strlist(root, tmp_path, "list", 1, 1, 5, &list, &n),
	    ERR_CONFIG, "mapping inside a list of strings");
	CHECK(msg_is(6, "list entry 2 must be a string, not a mapping"),
	    "entry named");
	CHECK_RC(yamlcfg_strlist(root, tmp_path, "one", 1, 1, 5, &list, &n),
	    ERR_CONFIG, "string where a list is expected");
	CHECK_RC(yamlcfg_strlist(root, tmp_path, "name", 1, 3, 5, &list, &n),
	    ERR_CONFIG, "list too short");
	CHECK(msg_is(1, "name has 2 entries; at least 3 are required"),
	    "count named");
	CHECK_RC(yamlcfg_strlist(root, tmp_path, "name", 1, 0, 1, &list, &n),
	    ERR_CONFIG, "list too long");
	CHECK_RC(yamlcfg_str(root, tmp_path, "ctl", 1, &s), ERR_CONFIG,
	    "escape character refused");
	CHECK(msg_is(8, "ctl contains a control character"), "control named");
	CHECK_RC(yamlcfg_str(root, tmp_path, "c1", 1, &s), ERR_CONFIG,
	    "C1 control (CSI) refused");
	CHECK_RC(yamlcfg_str(root, tmp_path, "sp", 1, &s), ERR_CONFIG,
	    "leading space refused");
	CHECK_RC(yamlcfg_str(root, tmp_path, "empty", 1, &s), ERR_CONFIG,
	    "empty string refused");
	CHECK(msg_is(10, "empty is empty"), "empty named");
	CHECK_RC(yamlcfg_str(root, tmp_path, "null_", 0, &s), ERR_CONFIG,
	    "null refused even when optional");
	CHECK(msg_is(11, "null_ has no value"), "null named");
	yamlcfg_free(root);
}

/* yamlcfg_text(): bounded copies; yamlcfg_country(): ISO 3166 codes. */
static void
test_text_country(void)
{
	struct ynode *root = NULL;
	const char *c;
	char *t = NULL;

	if (load_text("name: Example Corp\nempty: \"\"\nc: DE\nlow: de\n"
	    "three: DEU\nnum: 12\n", &root) != 0) {
		CHECK(0, "text/country document loads: %s", err_msg());
		return;
	}
	CHECK_RC(yamlcfg_text(root, tmp_path, "name", 1, 12, &t), 0,
	    "a 12-byte name within 12");
	CHECK(t != NULL && strcmp(t, "Example Corp") == 0, "copied: %s",
	    t ? t : "(null)");
	free(t);
	t = (char *)(uintptr_t)1;
	CHECK_RC(yamlcfg_text(root, tmp_path, "name", 1, 11, &t), ERR_CONFIG,
	    "a 12-byte name over 11 refused");
	CHECK(t == NULL, "nothing copied on refusal");
	CHECK(msg_is(1, "name is 12 bytes long; at most 11 are allowed"),
	    "the length and the limit named");
	CHECK_RC(yamlcfg_text(root, tmp_path, "absent", 0, 8, &t), 0,
	    "absent and optional");
	CHECK(t == NULL, "absent gives NULL");
	CHECK_RC(yamlcfg_text(root, tmp_path, "absent", 1, 8, &t), ERR_CONFIG,
	    "absent and required refused");
	CHECK_RC(yamlcfg_text(root, tmp_path, "empty", 0, 8, &t), ERR_CONFIG,
	    "empty text refused as yamlcfg_str() does");
	CHECK_RC(yamlcfg_country(root, tmp_path, "c", &c), 0, "DE accepted");
	CHECK(c != NULL && strcmp(c, "DE") == 0, "country DE");
	CHECK_RC(yamlcfg_country(root, tmp_path, "absent", &c), 0,
	    "no country is fine");
	CHECK(c == NULL, "absent country is NULL");
	CHECK_RC(yamlcfg_country(root, tmp_path, "low", &c), ERR_CONFIG,
	    "lower case refused");
	CHECK(msg_is(4, "low \"de\" must be two upper-case letters"),
	    "the bad code and the rule named");
	CHECK_RC(yamlcfg_country(root, tmp_path, "three", &c), ERR_CONFIG,
	    "three letters refused");
	CHECK_RC(yamlcfg_country(root, tmp_path, "num", &c), ERR_CONFIG,
	    "digits refused");
	CHECK(c == NULL, "nothing returned on refusal");
	yamlcfg_free(root);
}

int
main(void)
{
	test_good();
	test_defaults();
	test_structure_refused();
	test_missing_file();
	test_check_keys();
	test_numbers();
	test_types();
	test_text_country();
	return harness_done();
}
