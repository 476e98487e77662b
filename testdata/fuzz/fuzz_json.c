/*
 * fuzz_json: the strict JSON reader that pki-audit runs over every log
 * line (json_check_object(), json_get_str(), json_get_int(),
 * json_each() with json_value_str() and json_value_int()), and the
 * writer's json_add_raw(), which checks a value with the same rules.
 *
 * Invariants checked beyond memory safety: the readers agree with
 * json_check_object() on what is well formed; a string read back is
 * re-escaped by the writer into an object the reader accepts.
 */
#include "fuzz.h"
#include "json.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

struct walk {
	size_t	members;
};

static int
member(void *arg, const char *key, const char *value, size_t vlen)
{
	struct walk *w = arg;
	struct json_buf *j = NULL;
	long long n;
	char *s = NULL;
	const char *text;
	int rc;

	w->members++;
	fuzz_check_rc(json_value_int(key, value, vlen, &n), "json_value_int");
	rc = json_value_str(key, value, vlen, &s);
	fuzz_check_rc(rc, "json_value_str");
	if (json_new(&j) != 0)
		fuzz_die("json_new failed");
	(void)json_add_str(j, key, s != NULL ? s : "");
	if (json_text(j, &text, NULL) == 0 && rc == 0) {
		/* The writer's member list, made an object, reads back. */
		size_t len = strlen(text);
		char *obj = malloc(len + 3);

		if (obj == NULL)
			fuzz_die("out of memory");
		obj[0] = '{';
		memcpy(obj + 1, text, len);
		obj[len + 1] = '}';
		obj[len + 2] = '\0';
		if (json_check_object(obj, len + 2) != 0)
			fuzz_die("the writer's output does not read back");
		free(obj);
	}
	json_free(j);
	free(s);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {
		"seq", "time", "program", "action", "prev", "sig", ""
	};
	struct json_buf *j = NULL;
	struct walk w = { 0 };
	const char *json = (const char *)data;
	char *s, *text;
	long long n;
	size_t i;
	int ok, rc;

	rc = json_check_object(json, size);
	fuzz_check_rc(rc, "json_check_object");
	ok = rc == 0;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		s = NULL;
		rc = json_get_str(json, size, keys[i], &s);
		fuzz_check_rc(rc, "json_get_str");
		if (!ok && rc != ERR_DATA)
			fuzz_die("json_get_str read malformed input (%d)", rc);
		free(s);
		rc = json_get_int(json, size, keys[i], &n);
		fuzz_check_rc(rc, "json_get_int");
		if (!ok && rc != ERR_DATA)
			fuzz_die("json_get_int read malformed input (%d)", rc);
	}
	rc = json_each(json, size, member, &w);
	fuzz_check_rc(rc, "json_each");
	if ((rc == 0) != ok)
		fuzz_die("json_each and json_check_object disagree");

	/* The input as a raw value for the writer. */
	text = fuzz_strdup(data, size);
	if (json_new(&j) != 0)
		fuzz_die("json_new failed");
	fuzz_check_rc(json_add_raw(j, "raw", text), "json_add_raw");
	json_free(j);
	free(text);
	return 0;
}
