/*
 * test_json.c: the JSON writer's escaping and misuse handling, the
 * strict reader's answers, and its refusal of malformed input.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "harness.h"
#include "json.h"

/* The text of j, or "(error)" so that a CHECK can print it. */
static const char *
text_of(struct json_buf *j)
{
	const char *t;

	return json_text(j, &t, NULL) == 0 ? t : "(error)";
}

static void
test_members(void)
{
	struct json_buf *j = NULL;

	CHECK_RC(json_new(&j), 0, "json_new");
	json_add_str(j, "a", "x");
	json_add_int(j, "n", -5);
	json_add_bool(j, "t", 1);
	json_add_bool(j, "f", 0);
	CHECK(strcmp(text_of(j), "\"a\":\"x\",\"n\":-5,\"t\":true,"
	    "\"f\":false") == 0, "bare member list: %s", text_of(j));
	json_free(j);
}

static void
test_object(void)
{
	const char *const arr[] = { "a", "b\"c" };
	struct json_buf *j = NULL;

	CHECK_RC(json_new(&j), 0, "json_new");
	CHECK_RC(json_begin_object(j, NULL), 0, "begin outer object");
	json_add_str(j, "k", "v");
	CHECK_RC(json_begin_object(j, "sub"), 0, "begin nested object");
	json_add_int(j, "i", 1);
	CHECK_RC(json_end_object(j), 0, "end nested object");
	json_add_str_array(j, "arr", arr, 2);
	json_add_str_array(j, "e", NULL, 0);
	json_add_raw(j, "r", "  {\"x\": [1, 2.5e3, null]} ");
	CHECK_RC(json_end_object(j), 0, "end outer object");
	CHECK(strcmp(text_of(j), "{\"k\":\"v\",\"sub\":{\"i\":1},"
	    "\"arr\":[\"a\",\"b\\\"c\"],\"e\":[],"
	    "\"r\":{\"x\": [1, 2.5e3, null]}}") == 0,
	    "nested object, arrays, raw: %s", text_of(j));
	CHECK_RC(json_add_int(j, "late", 1), ERR_INTERNAL,
	    "member after the outer object ended is refused");
	json_free(j);
}

static void
test_escapes(void)
{
	struct json_buf *j = NULL;
	char *back = NULL;
	const char *t;
	size_t len;
	const char *in = "q\"b\\s/\n\t\r\b\f\x01\x1f\x7f \xc3\xa9\xe2\x82\xac"
	    "\xf0\x9f\x98\x80";

	CHECK_RC(json_new(&j), 0, "json_new");
	json_begin_object(j, NULL);
	json_add_str(j, "s", in);
	json_end_object(j);
	CHECK(strcmp(text_of(j), "{\"s\":\"q\\\"b\\\\s/\\n\\t\\r\\b\\f"
	    "\\u0001\\u001f\\u007f \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}")
	    == 0, "controls, quote, backslash escaped; UTF-8 kept: %s",
	    text_of(j));
	CHECK(json_text(j, &t, &len) == 0 && strchr(t, '\n') == NULL,
	    "no raw newline in the output");
	CHECK_RC(json_get_str(t, len, "s", &back), 0, "read it back");
	CHECK(back != NULL && strcmp(back, in) == 0,
	    "round trip gives the original bytes");
	free(back);
	json_free(j);
}

static void
test_bad_utf8(void)
{
	static const char *const bad[] = {
		"\xc3\x28", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
		"\xf4\x90\x80\x80", "\xe2\x82", "\xff", "\x80"
	};
	struct json_buf *j = NULL;
	const char *t;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_new(&j);
		CHECK_RC(json_add_str(j, "k", bad[i]), ERR_DATA,
		    "invalid UTF-8 #%zu refused", i);
		json_add_int(j, "n", 1);
		CHECK_RC(json_text(j, &t, NULL), ERR_DATA,
		    "the error sticks (#%zu)", i);
		json_free(j);
		j = NULL;
	}
	json_new(&j);
	CHECK_RC(json_add_str(j, "k\xc3", "v"), ERR_DATA,
	    "invalid UTF-8 in a key refused");
	json_free(j);
}

static void
test_misuse(void)
{
	struct json_buf *j = NULL;
	const char *t;

	json_new(&j);
	CHECK_RC(json_end_object(j), ERR_INTERNAL, "end without begin");
	json_free(j);
	json_new(&j);
	json_begin_object(j, NULL);
	CHECK_RC(json_text(j, &t, NULL), ERR_INTERNAL,
	    "text of an open object refused");
	json_free(j);
	json_new(&j);
	json_add_int(j, "a", 1);
	CHECK_RC(json_begin_object(j, NULL), ERR_INTERNAL,
	    "unnamed object after members refused");
	json_free(j);
	json_new(&j);
	CHECK_RC(json_add_raw(j, "r", "{"), ERR_DATA, "raw \"{\" refused");
	json_free(j);
	json_new(&j);
	CHECK_RC(json_add_raw(j, "r", "1 2"), ERR_DATA, "raw \"1 2\" refused");
	json_free(j);
	json_new(&j);
	CHECK_RC(json_add_raw(j, "r", "   "), ERR_DATA, "empty raw refused");
	json_free(j);
	json_free(NULL);
}

static void
test_reader(void)
{
	const char *s = " {\"o\":{\"seq\":99,\"x\":[1,{\"seq\":\"y\"}]},"
	    "\"seq\":3 , \"s\":\"a\\u00e9\\ud83d\\ude00\\n\\/\","
	    "\"neg\":-9223372036854775808,\"t\":true} \n";
	long long v = 0;
	char *str = NULL;

	CHECK_RC(json_check_object(s, strlen(s)), 0, "well-formed object");
	CHECK_RC(json_get_int(s, strlen(s), "seq", &v), 0, "get seq");
	CHECK(v == 3, "top-level seq is 3, nested ones skipped (%lld)", v);
	CHECK_RC(json_get_str(s, strlen(s), "s", &str), 0, "get s");
	CHECK(str != NULL && strcmp(str, "a\xc3\xa9\xf0\x9f\x98\x80\n/") == 0,
	    "escapes and surrogate pair decoded");
	free(str);
	CHECK_RC(json_get_int(s, strlen(s), "neg", &v), 0, "get neg");
	CHECK(v == -9223372036854775807LL - 1, "LLONG_MIN read exactly");
	CHECK_RC(json_get_str(s, strlen(s), "missing", &str), ERR_NO,
	    "absent key is ERR_NO");
	CHECK(str == NULL, "no value for an absent key");
	CHECK_RC(json_get_str(s, strlen(s), "seq", &str), ERR_DATA,
	    "number read as string refused");
	CHECK_RC(json_get_int(s, strlen(s), "s", &v), ERR_DATA,
	    "string read as number refused");
	CHECK_RC(json_get_int(s, strlen(s), "t", &v), ERR_DATA,
	    "literal read as number refused");
	CHECK_RC(json_get_str(s, strlen(s), "o", &str), ERR_DATA,
	    "object read as string refused");
	CHECK_RC(json_check_object("{}", 2), 0, "empty object");
}

static void
test_int_range(void)
{
	static const char *const bad[] = {
		"{\"n\":1.5}", "{\"n\":1e3}", "{\"n\":9223372036854775808}",
		"{\"n\":-9223372036854775809}",
		"{\"n\":123456789012345678901234567890123}"
	};
	long long v;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_RC(json_get_int(bad[i], strlen(bad[i]), "n", &v),
		    ERR_DATA, "not an in-range integer: %s", bad[i]);
}

static void
test_malformed(void)
{
	static const char *const bad[] = {
		"", " ", "[]", "\"s\"", "{", "{\"a\":1,}", "{\"a\" 1}",
		"{\"a\":}", "{a:1}", "{\"a\":1}{}", "{\"a\":1} x",
		"{\"a\":\"x}", "{\"a\":\"\x01\"}", "{\"a\":\"\\x\"}",
		"{\"a\":\"\\udc00\"}", "{\"a\":\"\\ud800\"}",
		"{\"a\":\"\\ud800\\u0041\"}", "{\"a\":\"\\u12g4\"}",
		"{\"a\":01}", "{\"a\":1.}", "{\"a\":-}", "{\"a\":.5}",
		"{\"a\":1e}", "{\"a\":+1}", "{\"a\":tru}", "{\"a\":nul}",
		"{\"a\":[1,]}", "{\"a\":[1 2]}", "{\"a\":{\"b\"}}",
		"{\"a\":1,\"a\":2}", "{\"a\":\"\xc3\x28\"}",
		"{\"a\":\"\xed\xa0\x80\"}", "{\"a\xff\":1}", "{'a':1}",
		"{\"a\":1,\"b\":2,\"a\":\"x\"}"
	};
	char deep[80];
	long long v;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_RC(json_check_object(bad[i], strlen(bad[i])), ERR_DATA,
		    "malformed refused: %s", bad[i]);
	CHECK_RC(json_check_object("{\"a\":1}\0", 8), ERR_DATA,
	    "NUL byte after the object refused");
	CHECK_RC(json_check_object("{\"a\":\"\0\"}", 8), ERR_DATA,
	    "raw NUL inside a string refused");
	CHECK_RC(json_get_int("{\"a\":1,\"a\":2}", 13, "a", &v), ERR_DATA,
	    "duplicate key refused by json_get_int");

	/* 33 levels: one past the limit. */
	memset(deep, 0, sizeof(deep));
	memcpy(deep, "{\"a\":", 5);
	memset(deep + 5, '[', 32);
	memset(deep + 37, ']', 32);
	deep[69] = '}';
	CHECK_RC(json_check_object(deep, 70), ERR_DATA,
	    "nesting past 32 levels refused");
	deep[5] = ' ';
	deep[68] = ' ';
	CHECK_RC(json_check_object(deep, 70), 0, "nesting of 32 accepted");
	CHECK_RC(json_get_str("{\"a\":\"x\\u0000y\"}", 16, "a",
	    &(char *){ NULL }), ERR_DATA, "U+0000 in a wanted string refused");
}

struct walk {
	char	 keys[64];
	size_t	 n;
};

static int
walk_fn(void *arg, const char *key, const char *value, size_t vlen)
{
	struct walk *w = arg;

	strncat(w->keys, key, sizeof(w->keys) - strlen(w->keys) - 1);
	strncat(w->keys, "=", sizeof(w->keys) - strlen(w->keys) - 1);
	if (vlen < sizeof(w->keys) - strlen(w->keys))
		strncat(w->keys, value, vlen);
	strncat(w->keys, ";", sizeof(w->keys) - strlen(w->keys) - 1);
	return ++w->n == 3 ? 42 : 0;
}

static void
test_each(void)
{
	const char *s = "{\"b\":1,\"a\":\"x\",\"c\":[2],\"d\":null}";
	struct walk w;

	memset(&w, 0, sizeof(w));
	CHECK_RC(json_each(s, strlen(s), walk_fn, &w), 42,
	    "callback's non-zero return stops the walk");
	CHECK(strcmp(w.keys, "b=1;a=\"x\";c=[2];") == 0,
	    "members in order with raw values: %s", w.keys);
	memset(&w, 0, sizeof(w));
	CHECK_RC(json_each("{\"b\":1,}", 8, walk_fn, &w), ERR_DATA,
	    "json_each refuses malformed input");
	CHECK(w.n == 0, "callback not called for malformed input");
}

int
main(void)
{
	test_members();
	test_object();
	test_escapes();
	test_bad_utf8();
	test_misuse();
	test_reader();
	test_int_range();
	test_malformed();
	test_each();
	return harness_done();
}
