/*
 * test_ledger.c: the root's ledger.  A ledger records the root, an
 * intermediate and a cross-certificate, revocations and CRLs, is sealed,
 * and reads back the same; serials are found in any spelling; every rule
 * (root first and once, issuer is the root, no serial twice, unknown
 * serial, root not revocable, re-revocation only to keyCompromise, no
 * hold, CRL numbers grow) refuses with its code and writes nothing; an
 * edited, cut, torn, empty or unsealed ledger is refused naming the
 * line; a re-sealed ledger that contradicts itself is refused at replay;
 * the lock is held while open.  Leaves nothing behind.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "audit.h"
#include "crl.h"
#include "err.h"
#include "harness.h"
#include "ledger.h"
#include "secmem.h"
#include "x509.h"

static char dir[] = "/tmp/test_ledger.XXXXXX";
static unsigned char *sk;
static EVP_PKEY *rkey, *ikey, *okey;
static X509 *root, *inter, *cross, *other, *foreign;
static char *inter_serial;

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static char *
tpath(const char *name)
{
	static char buf[4][512];
	static int next;

	next = (next + 1) % 4;
	snprintf(buf[next], sizeof(buf[next]), "%s/%s", dir, name);
	return buf[next];
}

/* A certificate for key named cn, issued by issuer (self if NULL). */
static X509 *
make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *ikey_)
{
	struct x509_subject s = { "DE", NULL, NULL, "Test Org", NULL, cn };
	X509 *c = NULL;

	if (x509_build_root(key, &s, 5, &c) != 0)
		return NULL;
	if (issuer != NULL)
		X509_set_issuer_name(c, X509_get_subject_name(issuer));
	if (x509_sign(c, issuer != NULL ? ikey_ : key, KEY_P256) != 0) {
		X509_free(c);
		return NULL;
	}
	return c;
}

static off_t
fsize(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

static int
copy_file(const char *from, const char *to)
{
	char buf[4096];
	FILE *in = fopen(from, "r"), *out = fopen(to, "w");
	size_t n;
	int ret = -1;

	if (in != NULL && out != NULL) {
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			fwrite(buf, 1, n, out);
		ret = ferror(in) ? -1 : 0;
	}
	if (in != NULL)
		fclose(in);
	if (out != NULL && fclose(out) != 0)
		ret = -1;
	return ret;
}

static void
test_norm_and_time(void)
{
	char out[41];
	time_t t = 0;
	int ok = 1;

	ok &= ledger_serial_norm("0x1a2b", out) == 0 && !strcmp(out, "1A2B");
	ok &= ledger_serial_norm("1a:2b", out) == 0 && !strcmp(out, "1A2B");
	ok &= ledger_serial_norm("00001A2B", out) == 0 && !strcmp(out, "1A2B");
	ok &= ledger_serial_norm("abc", out) == 0 && !strcmp(out, "0ABC");
	CHECK(ok, "serials normalise: 0x, colons, case, leading zeros, odd "
	    "length");
	CHECK_RC(ledger_serial_norm("0", out), ERR_USAGE, "serial zero");
	CHECK_RC(ledger_serial_norm("", out), ERR_USAGE, "empty serial");
	CHECK_RC(ledger_serial_norm("12g4", out), ERR_USAGE, "not hex");
	CHECK_RC(ledger_serial_norm("-12", out), ERR_USAGE, "negative");
	CHECK_RC(ledger_serial_norm("1234567890123456789012345678901234567890"
	    "1", out), ERR_USAGE, "41 hex digits");
	CHECK_RC(ledger_serial_norm("00123456789012345678901234567890123456"
	    "7890", out), 0, "40 digits after leading zeros");
	CHECK(ledger_time_parse("2026-03-02T09:14:07Z", &t) == 0 &&
	    t == 1772442847 && ledger_time_format(t, out) == 0 &&
	    strcmp(out, "2026-03-02T09:14:07Z") == 0, "time round trip");
	CHECK_RC(ledger_time_parse("2026-02-30T00:00:00Z", &t), ERR_USAGE,
	    "February 30th");
	CHECK_RC(ledger_time_parse("2026-03-02 09:14:07", &t), ERR_USAGE,
	    "a time without T and Z");
	CHECK_RC(ledger_time_parse("2026-03-02T09:14:07Z ", &t), ERR_USAGE,
	    "trailing space");
}

/* The good ledger: root, intermediate, cross; a revocation; CRL 1. */
static void
test_write(void)
{
	struct ledger *l = NULL;
	unsigned long long n = 0;

	CHECK_RC(ledger_open(tpath("good.ledger"), 1, &l), 0, "create");
	if (l == NULL)
		return;
	CHECK_RC(ledger_record_issue(l, inter, LEDGER_KIND_INTERMEDIATE),
	    ERR_DATA, "an intermediate before the root");
	CHECK(ledger_count(l) == 0 && fsize(tpath("good.ledger")) == 0,
	    "nothing recorded or written");
	CHECK_RC(ledger_record_issue(l, root, LEDGER_KIND_ROOT), 0,
	    "record the root");
	CHECK_RC(ledger_record_issue(l, inter, LEDGER_KIND_INTERMEDIATE), 0,
	    "record an intermediate");
	CHECK_RC(ledger_record_issue(l, cross, LEDGER_KIND_CROSS), 0,
	    "record a cross-certificate");
	CHECK_RC(ledger_next_crl_number(l, &n), 0, "next CRL number");
	CHECK(n == 1, "the first CRL is number 1 (%llu)", n);
	CHECK_RC(ledger_record_revoke(l, inter_serial,
	    CRL_REASON_SUPERSEDED, 1767000000), 0, "revoke the intermediate");
	CHECK_RC(ledger_record_crl(l, 1, SHA_A), 0, "record CRL 1");
	CHECK(ledger_unsealed(l), "unsealed before the seal");
	CHECK_RC(ledger_seal(l, sk), 0, "seal");
	CHECK(!ledger_unsealed(l), "sealed");
	ledger_close(l);
	CHECK_RC(ledger_open(tpath("good.ledger"), 1, &l), ERR_EXISTS,
	    "create refuses an existing ledger");
	CHECK(l == NULL, "no handle on failure");
}

static void
test_read(void)
{
	const struct ledger_entry *e = NULL, *r = NULL;
	struct ledger *l = NULL;
	unsigned long long n = 0;
	unsigned char digest[32];
	char hex[65], lower[64];
	size_t i;

	CHECK_RC(ledger_open(tpath("good.ledger"), 0, &l), 0, "reopen");
	if (l == NULL)
		return;
	CHECK(ledger_count(l) == 3 && ledger_entry_at(l, 3) == NULL,
	    "three certificates");
	CHECK(ledger_root(l, &r) == 0 && r == ledger_entry_at(l, 0) &&
	    strcmp(r->kind, "root") == 0 && !r->revoked,
	    "the root is entry 0");
	e = ledger_entry_at(l, 1);
	x509_cert_sha256(inter, digest);
	sodium_bin2hex(hex, sizeof(hex), digest, 32);
	CHECK(e != NULL && strcmp(e->serial, inter_serial) == 0 &&
	    strcmp(e->kind, "intermediate") == 0 &&
	    strcmp(e->sha256, hex) == 0 &&
	    strstr(e->subject, "CN=Test Intermediate") != NULL &&
	    strlen(e->not_after) == 20 && e->not_after[19] == 'Z',
	    "the intermediate's serial, kind, SHA-256, subject, notAfter");
	CHECK(e != NULL && e->revoked && e->reason == CRL_REASON_SUPERSEDED &&
	    strcmp(e->revoked_at, "2025-12-29T09:20:00Z") == 0,
	    "its revocation: superseded at 2025-12-29T09:20:00Z");
	CHECK(strcmp(ledger_entry_at(l, 2)->kind, "cross") == 0 &&
	    !ledger_entry_at(l, 2)->revoked, "the cross-certificate");
	for (i = 0; inter_serial[i] != '\0' && i < sizeof(lower) - 1; i++)
		lower[i] = (char)(inter_serial[i] | 0x20);
	lower[i] = '\0';
	CHECK(ledger_find(l, lower, &e) == 0 && e == ledger_entry_at(l, 1),
	    "found by its serial in lowercase");
	CHECK_RC(ledger_find(l, "0BADBEEF", &e), ERR_NOINPUT,
	    "an unknown serial");
	CHECK(strstr(err_msg(), "serial 0BADBEEF was not issued by this root")
	    != NULL, "message: %s", err_msg());
	CHECK_RC(ledger_find(l, "xyz", &e), ERR_USAGE, "a malformed serial");
	CHECK(ledger_next_crl_number(l, &n) == 0 && n == 2,
	    "next CRL is number 2");
	CHECK(ledger_find_crl(l, SHA_A, &n) == 0 && n == 1,
	    "CRL 1 found by its SHA-256");
	CHECK_RC(ledger_find_crl(l, SHA_B, &n), ERR_NOINPUT,
	    "an unrecorded CRL");
	ledger_close(l);
}

static void
test_rules(void)
{
	struct ledger *l = NULL;
	char *rs;
	off_t before;

	copy_file(tpath("good.ledger"), tpath("rules.ledger"));
	if (ledger_open(tpath("rules.ledger"), 0, &l) != 0)
		return;
	before = fsize(tpath("rules.ledger"));
	rs = x509_serial_hex(root);
	CHECK_RC(ledger_record_issue(l, inter, LEDGER_KIND_INTERMEDIATE),
	    ERR_DATA, "the same serial twice");
	CHECK_RC(ledger_record_issue(l, other, LEDGER_KIND_ROOT), ERR_DATA,
	    "a second root");
	CHECK_RC(ledger_record_issue(l, foreign, LEDGER_KIND_INTERMEDIATE),
	    ERR_DATA, "a certificate from another issuer");
	CHECK_RC(ledger_record_issue(l, other, "leaf"), ERR_USAGE,
	    "an unknown kind");
	CHECK_RC(ledger_record_revoke(l, "0BADBEEF", 1, 1767000000),
	    ERR_NOINPUT, "revoke an unknown serial");
	CHECK_RC(ledger_record_revoke(l, rs, 1, 1767000000), ERR_DATA,
	    "revoke the root itself");
	CHECK_RC(ledger_record_revoke(l, inter_serial,
	    CRL_REASON_CESSATION_OF_OPERATION, 1767000000), ERR_DATA,
	    "revoke again, not keyCompromise");
	CHECK(strstr(err_msg(), "already revoked on 2025-12-29T09:20:00Z "
	    "(superseded)") != NULL, "message: %s", err_msg());
	CHECK_RC(ledger_check_revoke(l, inter_serial, 4), ERR_DATA,
	    "check_revoke agrees");
	CHECK_RC(ledger_record_revoke(l, inter_serial,
	    CRL_REASON_CERTIFICATE_HOLD, 1767000000), ERR_USAGE,
	    "certificateHold");
	CHECK_RC(ledger_record_revoke(l, inter_serial,
	    CRL_REASON_REMOVE_FROM_CRL, 1767000000), ERR_USAGE,
	    "removeFromCRL");
	CHECK_RC(ledger_record_revoke(l, inter_serial, 7, 1767000000),
	    ERR_USAGE, "reason 7");
	CHECK_RC(ledger_record_crl(l, 1, SHA_B), ERR_DATA,
	    "a CRL number that does not grow");
	CHECK_RC(ledger_record_crl(l, 2, "ABC"), ERR_DATA, "a bad SHA-256");
	CHECK(fsize(tpath("rules.ledger")) == before && !ledger_unsealed(l),
	    "none of these wrote anything");
	CHECK_RC(ledger_check_revoke(l, inter_serial,
	    CRL_REASON_KEY_COMPROMISE), 0, "keyCompromise may follow");
	CHECK(fsize(tpath("rules.ledger")) == before, "check wrote nothing");
	CHECK_RC(ledger_record_revoke(l, inter_serial,
	    CRL_REASON_KEY_COMPROMISE, 1766000000), 0,
	    "re-revoke for keyCompromise");
	CHECK_RC(ledger_record_revoke(l, inter_serial,
	    CRL_REASON_KEY_COMPROMISE, 1766000000), ERR_DATA,
	    "keyCompromise twice");
	CHECK_RC(ledger_record_crl(l, 7, SHA_B), 0, "CRL numbers may jump");
	ledger_seal(l, sk);
	ledger_close(l);
	l = NULL;
	CHECK(ledger_open(tpath("rules.ledger"), 0, &l) == 0 &&
	    ledger_entry_at(l, 1)->reason == CRL_REASON_KEY_COMPROMISE &&
	    strcmp(ledger_entry_at(l, 1)->revoked_at,
	    "2025-12-17T19:33:20Z") == 0, "the new reason and time replay");
	ledger_close(l);
	free(rs);
}

/* Change the first occurrence of from in the file to to (same size). */
static int
edit(const char *path, const char *from, const char *to)
{
	unsigned char *buf;
	char *p;
	FILE *f;
	long n;
	int ok = 0;

	if ((f = fopen(path, "r+")) == NULL)
		return 0;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	if ((buf = calloc(1, (size_t)n + 1)) != NULL &&
	    fread(buf, 1, (size_t)n, f) == (size_t)n &&
	    (p = strstr((char *)buf, from)) != NULL) {
		memcpy(p, to, strlen(to));
		rewind(f);
		ok = fwrite(buf, 1, (size_t)n, f) == (size_t)n;
	}
	free(buf);
	fclose(f);
	return ok;
}

static void
expect_refused(const char *name, const char *what, const char *msg)
{
	struct ledger *l = NULL;

	CHECK_RC(ledger_open(tpath(name), 0, &l), ERR_DATA, "%s: refused",
	    what);
	CHECK(strstr(err_msg(), msg) != NULL && strstr(err_msg(), name) !=
	    NULL, "%s: \"%s\" in: %s", what, msg, err_msg());
	ledger_close(l);
}

static void
test_tamper(void)
{
	struct ledger *l = NULL;

	copy_file(tpath("good.ledger"), tpath("edit.ledger"));
	CHECK(edit(tpath("edit.ledger"), "2025-12-29T09:20:00Z",
	    "2025-12-28T09:20:00Z"), "edit the revocation date");
	expect_refused("edit.ledger", "an edited revocation date",
	    "line 5: prev does not match line 4");
	CHECK(strstr(err_msg(), "the ledger was edited") != NULL,
	    "says the ledger was edited");
	copy_file(tpath("good.ledger"), tpath("torn.ledger"));
	CHECK(truncate(tpath("torn.ledger"), fsize(tpath("torn.ledger")) - 1)
	    == 0, "cut the last newline");
	expect_refused("torn.ledger", "a torn ledger", "line 6");
	copy_file(tpath("good.ledger"), tpath("cut.ledger"));
	CHECK(truncate(tpath("cut.ledger"), 0) == 0, "empty a ledger");
	expect_refused("cut.ledger", "an empty ledger", "empty");
	copy_file(tpath("good.ledger"), tpath("open.ledger"));
	if (ledger_open(tpath("open.ledger"), 0, &l) == 0) {
		ledger_record_crl(l, 2, SHA_B);
		ledger_close(l);	/* not sealed */
	}
	expect_refused("open.ledger", "an unsealed entry", "not sealed");
	CHECK_RC(ledger_open(tpath("missing.ledger"), 0, &l), ERR_NOINPUT,
	    "a missing ledger");
}

/* A chain that verifies, sealed, but says what the rules forbid. */
static void
forged(const char *name, const char *action, const char *members,
    const char *msg)
{
	struct audit *a = NULL;
	char what[128];

	copy_file(tpath("good.ledger"), tpath(name));
	if (audit_open(tpath(name), "pki-forger", 0, &a) == 0) {
		audit_append(a, action, members);
		audit_seal(a, sk);
	}
	audit_close(a);
	snprintf(what, sizeof(what), "re-sealed %s", name);
	expect_refused(name, what, msg);
	CHECK(strstr(err_msg(), "line 7: ") != NULL, "%s: names line 7",
	    what);
}

static void
test_contradictions(void)
{
	forged("f1.ledger", "revoked", "\"serial\":\"0BADBEEF\",\"reason\":"
	    "\"keyCompromise\",\"revoked_at\":\"2026-01-01T00:00:00Z\"",
	    "serial 0BADBEEF was not issued");
	forged("f2.ledger", "crl", "\"number\":1,\"sha256\":\"" SHA_B "\"",
	    "not above the last one");
	forged("f3.ledger", "delete", "\"serial\":\"01\"",
	    "not a ledger action");
	forged("f4.ledger", "revoked", "\"serial\":\"1\",\"reason\":"
	    "\"superseded\",\"revoked_at\":\"2026-01-01T00:00:00Z\"",
	    "malformed");
}

static void
test_lock(void)
{
	struct ledger *l = NULL;
	int fd;

	if (ledger_open(tpath("good.ledger"), 0, &l) != 0)
		return;
	fd = open(tpath("good.ledger"), O_RDONLY);
	CHECK(fd != -1 && flock(fd, LOCK_EX | LOCK_NB) == -1 &&
	    errno == EWOULDBLOCK, "the ledger is locked while open");
	ledger_close(l);
	CHECK(fd != -1 && flock(fd, LOCK_EX | LOCK_NB) == 0,
	    "and unlocked after close");
	if (fd != -1)
		close(fd);
}

static void
cleanup(void)
{
	static const char *const names[] = { "good.ledger", "rules.ledger",
	    "edit.ledger", "torn.ledger", "cut.ledger", "open.ledger",
	    "f1.ledger", "f2.ledger", "f3.ledger", "f4.ledger" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(tpath(names[i]));
	rmdir(dir);
}

static int
setup(void)
{
	unsigned char pk[32];

	if (secmem_init() != 0 || mkdtemp(dir) == NULL ||
	    (sk = secmem_alloc(64)) == NULL ||
	    keytype_generate(KEY_P256, &rkey) != 0 ||
	    keytype_generate(KEY_P256, &ikey) != 0 ||
	    keytype_generate(KEY_P256, &okey) != 0)
		return -1;
	crypto_sign_keypair(pk, sk);
	root = make_cert(rkey, "Test Root", NULL, NULL);
	inter = make_cert(ikey, "Test Intermediate", root, rkey);
	cross = make_cert(okey, "Other Root", root, rkey);
	other = make_cert(okey, "Other Root", NULL, NULL);
	foreign = make_cert(ikey, "Foreign Intermediate", other, okey);
	if (root == NULL || inter == NULL || cross == NULL || other == NULL ||
	    foreign == NULL || (inter_serial = x509_serial_hex(inter)) == NULL)
		return -1;
	return 0;
}

int
main(void)
{
	if (setup() != 0) {
		printf("FAIL: test_ledger.c: setup\n");
		return 1;
	}
	test_norm_and_time();
	test_write();
	test_read();
	test_rules();
	test_tamper();
	test_contradictions();
	test_lock();
	cleanup();
	X509_free(root);
	X509_free(inter);
	X509_free(cross);
	X509_free(other);
	X509_free(foreign);
	EVP_PKEY_free(rkey);
	EVP_PKEY_free(ikey);
	EVP_PKEY_free(okey);
	free(inter_serial);
	secmem_free(sk);
	return harness_done();
}
