/*
 * test_err.c: unit tests for common/err.c.
 *
 * Covers: err_set() returns its code and records (and replaces, and
 * truncates safely) its message; err_clear(); err_str() has a distinct
 * text for every code; err_exit_status() maps every code of err.h to its
 * sysexits value and anything else to 70; err_report() prints
 * "prog: detail" or "prog: generic text" to stderr (captured in a temp
 * file) and prints nothing for success; err_add_openssl() appends the
 * queued OpenSSL error and empties the queue.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "err.h"
#include "harness.h"

static const struct {
	int code;
	int status;
} codes[] = {
	{ ERR_OK, 0 },
	{ ERR_NO, 1 },
	{ ERR_USAGE, 64 },
	{ ERR_DATA, 65 },
	{ ERR_NOINPUT, 66 },
	{ ERR_UNAVAILABLE, 69 },
	{ ERR_INTERNAL, 70 },
	{ ERR_EXISTS, 73 },
	{ ERR_IO, 74 },
	{ ERR_AUTH, 77 },
	{ ERR_CONFIG, 78 },
};
#define NCODES	(sizeof(codes) / sizeof(codes[0]))

/*
 * Run err_report(prog, code) with stderr sent to a temp file; the text
 * it printed goes to out (NUL-terminated), its return value to *status.
 * Returns 0, or -1 if the redirection itself failed.
 */
static int
capture_report(const char *prog, int code, char *out, size_t outlen,
    int *status)
{
	FILE *f;
	int saved, ret = -1;
	size_t n;

	out[0] = '\0';
	if ((f = tmpfile()) == NULL)
		return -1;
	fflush(stderr);
	if ((saved = dup(STDERR_FILENO)) == -1)
		goto out;
	if (dup2(fileno(f), STDERR_FILENO) == -1) {
		close(saved);
		goto out;
	}
	*status = err_report(prog, code);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(out, 1, outlen - 1, f);
	out[n] = '\0';
	ret = 0;
out:
	fclose(f);
	return ret;
}

static void
test_set(void)
{
	char big[2048];

	err_clear();
	CHECK(strcmp(err_msg(), "") == 0, "err_msg is empty after err_clear");
	CHECK(err_set(ERR_DATA, "%s line %d: bad", "a.yaml", 7) == ERR_DATA,
	    "err_set returns its code (ERR_DATA)");
	CHECK(strcmp(err_msg(), "a.yaml line 7: bad") == 0,
	    "err_set records the formatted message (got \"%s\")", err_msg());
	CHECK(err_set(ERR_NO, "second") == ERR_NO,
	    "err_set returns its code (ERR_NO)");
	CHECK(strcmp(err_msg(), "second") == 0,
	    "a second err_set replaces the message (got \"%s\")", err_msg());
	CHECK(err_set(ERR_OK, "fine") == 0, "err_set returns 0 for ERR_OK");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err_set(ERR_DATA, "%s", big);
	CHECK(strlen(err_msg()) > 0 && strlen(err_msg()) < sizeof(big) - 1 &&
	    strspn(err_msg(), "x") == strlen(err_msg()),
	    "a 2 kB message is truncated, not overflowed (kept %zu bytes)",
	    strlen(err_msg()));
	err_clear();
	CHECK(err_msg()[0] == '\0', "err_clear forgets the message");
}

static void
test_str(void)
{
	size_t i, j;
	int distinct = 1;

	for (i = 0; i < NCODES; i++) {
		CHECK(err_str(codes[i].code) != NULL &&
		    err_str(codes[i].code)[0] != '\0',
		    "err_str(%d) has a text", codes[i].code);
		for (j = 0; j < i; j++)
			if (strcmp(err_str(codes[i].code),
			    err_str(codes[j].code)) == 0)
				distinct = 0;
	}
	CHECK(distinct, "err_str gives each code its own text");
	CHECK(strcmp(err_str(ERR_DATA), "bad input data") == 0,
	    "err_str(ERR_DATA) is \"bad input data\" (got \"%s\")",
	    err_str(ERR_DATA));
	CHECK(strcmp(err_str(-12345), err_str(ERR_INTERNAL)) == 0,
	    "an unknown code reads as an internal error");
}

static void
test_exit_status(void)
{
	static const int unknown[] = { -2, -63, -71, -79, 1, 65, -1000 };
	size_t i;

	for (i = 0; i < NCODES; i++)
		CHECK(err_exit_status(codes[i].code) == codes[i].status,
		    "err_exit_status(%d) is %d (got %d)", codes[i].code,
		    codes[i].status, err_exit_status(codes[i].code));
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		CHECK(err_exit_status(unknown[i]) == 70,
		    "err_exit_status(%d) of an unknown code is 70 (got %d)",
		    unknown[i], err_exit_status(unknown[i]));
}

static void
test_report(void)
{
	char out[2048];
	int status = -1;

	err_set(ERR_DATA, "csr.pem: signature does not verify");
	if (capture_report("pki-issue", ERR_DATA, out, sizeof(out),
	    &status) != 0) {
		CHECK(0, "capture stderr");
		return;
	}
	CHECK(strcmp(out, "pki-issue: csr.pem: signature does not verify\n")
	    == 0, "err_report prints \"prog: detail\" (got \"%.*s\")",
	    (int)strcspn(out, "\n"), out);
	CHECK(status == 65, "err_report returns the exit status (got %d)",
	    status);

	err_clear();
	capture_report("pki-audit", ERR_NOINPUT, out, sizeof(out), &status);
	CHECK(strcmp(out, "pki-audit: missing input\n") == 0,
	    "without detail err_report prints the generic text (got \"%.*s\")",
	    (int)strcspn(out, "\n"), out);
	CHECK(status == 66, "err_report(ERR_NOINPUT) returns 66 (got %d)",
	    status);

	err_set(ERR_DATA, "stale detail");
	capture_report("pki-x", ERR_OK, out, sizeof(out), &status);
	CHECK(out[0] == '\0' && status == 0,
	    "err_report(ERR_OK) prints nothing and returns 0 (got \"%.*s\", "
	    "%d)", (int)strcspn(out, "\n"), out, status);

	err_set(-5, "odd");
	capture_report("pki-x", -5, out, sizeof(out), &status);
	CHECK(status == 70 && strcmp(out, "pki-x: odd\n") == 0,
	    "err_report of an unknown code: detail and status 70 (%d)",
	    status);
	err_clear();
}

static void
test_openssl(void)
{
	const unsigned char junk[] = { 0x30, 0x03, 0x02, 0x01 };
	const unsigned char *p = junk;
	EVP_PKEY *k;

	ERR_clear_error();
	err_set(ERR_DATA, "key.der: malformed");
	err_add_openssl();
	CHECK(strcmp(err_msg(), "key.der: malformed") == 0,
	    "err_add_openssl with an empty queue changes nothing (\"%s\")",
	    err_msg());

	k = d2i_AutoPrivateKey(NULL, &p, sizeof(junk));
	CHECK(k == NULL && ERR_peek_error() != 0,
	    "a malformed key queues an OpenSSL error");
	EVP_PKEY_free(k);
	err_set(ERR_DATA, "key.der: malformed");
	err_add_openssl();
	CHECK(strncmp(err_msg(), "key.der: malformed (openssl: ", 29) == 0 &&
	    err_msg()[strlen(err_msg()) - 1] == ')',
	    "err_add_openssl appends \" (openssl: ...)\" (got \"%s\")",
	    err_msg());
	CHECK(ERR_peek_error() == 0, "err_add_openssl empties the queue");
	err_clear();
}

int
main(void)
{
	test_set();
	test_str();
	test_exit_status();
	test_report();
	test_openssl();
	return harness_done();
}
