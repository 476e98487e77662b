/*
 * test_db.c: unit tests for common/db.c, the CA inventory.
 *
 * Includes db.c itself to shorten the lock wait (busy_limit_ms) and to
 * look at the file with SQLite directly.  Everything happens in a fresh
 * directory under /tmp.  Covers: create, reopen, WAL mode and the schema
 * stamp; refusal of a missing file, an empty file, garbage, another
 * SQLite file, a newer schema, a symlink and a directory; reserve,
 * complete and get round trip; duplicate and malformed serials; fail;
 * the revocation rules; the blocklist; db_each with each filter, DER on
 * request, lean rows, paging in serial order and in the due walk's
 * order, and an early stop; the query plans of the walks that must stay
 * fast at a million rows (index ranges, no sort, the CRL walk answered
 * from its covering index); CRL numbers strictly increasing
 * per shard and surviving a reopen; the OCSP state and its guard
 * against a revocation racing a refresh; transactions; counts; meta;
 * 4 forked writers x 500 certificates at once beside a reader, with no
 * lock error; a lock held past the limit failing cleanly, and one held
 * briefly being waited out; a damaged file reported as ERR_DATA; and a
 * timing note for 10,000 certificates in transactions of 1,000.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "../../common/db.c"

#include "err.h"
#include "harness.h"

#define NOW		1800000000LL
#define WRITERS		4
#define PER_WRITER	500

static char tmpdir[] = "/tmp/test_db.XXXXXX";

/* tmpdir/name in a static buffer (one of two, so two may be live). */
static const char *
tpath(const char *name)
{
	static char buf[2][512];
	static int k;

	k ^= 1;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return buf[k];
}

/* A canonical serial and a key hash derived from n. */
static const char *
serial_of(unsigned n)
{
	static char buf[2][DB_SERIAL_MAX + 1];
	static int k;

	k ^= 1;
	snprintf(buf[k], sizeof(buf[k]), "7F%08X", n);
	return buf[k];
}

static const char *
spki_of(unsigned n)
{
	static char buf[65];

	snprintf(buf, sizeof(buf), "%064x", n);
	return buf;
}

/* Run sql on path with SQLite directly (not through db.c). */
static int
raw_exec(const char *path, const char *sql)
{
	sqlite3 *h = NULL;
	int rc;

	rc = sqlite3_open(path, &h);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
	sqlite3_close(h);
	return rc;
}

static long long
raw_int(const char *path, const char *sql, char *text, size_t len)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (sqlite3_open(path, &h) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		v = sqlite3_column_int64(st, 0);
		if (text != NULL)
			snprintf(text, len, "%s",
			    (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

/* PRAGMA synchronous on the handle itself (2 is FULL). */
static long long
raw_sync(struct db *db)
{
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (sqlite3_prepare_v2(db->h, "PRAGMA synchronous", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (f == NULL)
		return -1;
	ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* Reserve and complete serial_of(n) with a fake DER. */
static int
issue(struct db *db, unsigned n, const char *profile, const char *subject,
    const char *sans, long long not_after, int shard)
{
	unsigned char der[32];
	int rc;

	memset(der, (int)(n & 0xff), sizeof(der));
	if ((rc = db_reserve(db, serial_of(n), profile, "tester",
	    spki_of(n), shard)) != 0)
		return rc;
	return db_complete(db, serial_of(n), subject, sans, NOW - 100000,
	    not_after, der, sizeof(der));
}

static void
test_open(void)
{
	struct db *db = NULL;
	char mode[16] = "";

	CHECK_RC(db_open(tpath("inv.db"), 0, &db), ERR_NOINPUT,
	    "a missing inventory is ERR_NOINPUT without create");
	CHECK(strstr(err_msg(), "inv.db") != NULL, "the message names the "
	    "path: %s", err_msg());
	CHECK(db == NULL, "nothing is returned on error");
	CHECK_RC(db_open(tpath("inv.db"), 1, &db), 0, "create");
	db_close(db);
	db = NULL;
	CHECK_RC(db_open(tpath("inv.db"), 0, &db), 0, "reopen");
	CHECK(db != NULL && sqlite3_get_autocommit(db->h), "no transaction "
	    "is left open by db_open");
	db_close(db);
	raw_int(tpath("inv.db"), "PRAGMA journal_mode", mode, sizeof(mode));
	CHECK(strcmp(mode, "wal") == 0, "the inventory is in WAL mode (%s)",
	    mode);
	CHECK(raw_int(tpath("inv.db"), "PRAGMA user_version", NULL, 0) ==
	    DB_SCHEMA, "user_version is the schema version");
	CHECK(raw_int(tpath("inv.db"), "PRAGMA application_id", NULL, 0) ==
	    DB_APP_ID, "application_id marks a pki inventory");
	CHECK(raw_int(tpath("inv.db"), "SELECT count(*) FROM sqlite_schema "
	    "WHERE name IN ('certs', 'blocked_keys', 'crl_numbers', 'meta', "
	    "'certs_status', 'certs_ocsp_due', 'certs_revoked')", NULL,
	    0) == 7, "the tables and indexes exist");
}

static void
expect_refused(const char *name, int create, int want, const char *text)
{
	struct db *db = NULL;

	CHECK_RC(db_open(tpath(name), create, &db), want, "%s is refused "
	    "(create %d)", name, create);
	CHECK(strstr(err_msg(), text) != NULL && strstr(err_msg(), name),
	    "the message says %s: %s", text, err_msg());
	CHECK(db == NULL, "no handle for %s", name);
	db_close(db);
}

/* An inventory stamped with a schema this program does not know. */
static int
make_newer(const char *path)
{
	struct db *db = NULL;

	if (db_open(path, 1, &db) != 0)
		return -1;
	db_close(db);
	return raw_exec(path, "PRAGMA user_version = 99") == SQLITE_OK ?
	    0 : -1;
}

static void
test_refusals(void)
{
	CHECK(raw_exec(tpath("other.db"), "CREATE TABLE t (x)") == 0,
	    "made another SQLite file");
	expect_refused("other.db", 0, ERR_DATA, "not a pki inventory");
	expect_refused("other.db", 1, ERR_DATA, "not a pki inventory");
	CHECK(raw_int(tpath("other.db"), "SELECT count(*) FROM "
	    "sqlite_schema", NULL, 0) == 1, "the other file is untouched");
	CHECK(put(tpath("empty.db"), "") == 0, "made an empty file");
	expect_refused("empty.db", 0, ERR_DATA, "not a pki inventory");
	CHECK(put(tpath("junk.db"), "this is not a database at all, but "
	    "it is long enough to look like a file header, yes it is. "
	    "more text here to pass one hundred bytes of header......\n") ==
	    0, "made a garbage file");
	expect_refused("junk.db", 0, ERR_DATA, "not an SQLite database");
	CHECK(symlink("inv.db", tpath("link.db")) == 0, "made a symlink");
	expect_refused("link.db", 0, ERR_DATA, "symbolic link");
	CHECK(mkdir(tpath("dir.db"), 0700) == 0, "made a directory");
	expect_refused("dir.db", 1, ERR_DATA, "not a regular file");
	CHECK(make_newer(tpath("newer.db")) == 0, "made an inventory from "
	    "the future");
	expect_refused("newer.db", 0, ERR_DATA, "newer than this program");
}

static void
test_round_trip(struct db *db)
{
	static const unsigned char der[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
	struct db_cert c;
	long long t0 = (long long)time(NULL);

	CHECK_RC(db_reserve(db, "0AB1", "mtls-server", "alice",
	    spki_of(1), 3), 0, "reserve");
	CHECK_RC(db_get(db, "0AB1", &c), 0, "get a pending row");
	CHECK(strcmp(c.status, "pending") == 0 && c.der == NULL &&
	    strcmp(c.subject, "") == 0 && c.reason == -1, "pending: no "
	    "certificate yet, strings empty");
	db_cert_clear(&c);
	CHECK(sqlite3_get_autocommit(db->h) && raw_int(tpath("inv.db"),
	    "SELECT count(*) FROM certs WHERE serial = '0AB1'", NULL, 0) == 1,
	    "a reservation outside a transaction is committed at once");
	CHECK(raw_sync(db) == 2, "and synchronous is FULL again after it");
	CHECK_RC(db_complete(db, "0AB1", "CN=web.svc.prod.internal",
	    "[\"DNS:web.svc.prod.internal\"]", NOW - 60, NOW + 86400, der,
	    sizeof(der)), 0, "complete");
	CHECK_RC(db_get(db, "0AB1", &c), 0, "get");
	CHECK(strcmp(c.serial, "0AB1") == 0 && strcmp(c.status, "issued") ==
	    0 && strcmp(c.profile, "mtls-server") == 0 &&
	    strcmp(c.requester, "alice") == 0 &&
	    strcmp(c.subject, "CN=web.svc.prod.internal") == 0 &&
	    strcmp(c.sans, "[\"DNS:web.svc.prod.internal\"]") == 0,
	    "the strings come back");
	CHECK(c.not_before == NOW - 60 && c.not_after == NOW + 86400 &&
	    c.created >= t0 && c.created <= t0 + 5 && c.crl_shard == 3 &&
	    c.revoked_at == 0 && c.reason == -1, "the numbers come back");
	CHECK(strcmp(c.spki_sha256, spki_of(1)) == 0 &&
	    c.derlen == sizeof(der) && memcmp(c.der, der, sizeof(der)) == 0,
	    "the key hash and DER come back");
	CHECK(c.ocsp_next_update == 0 && c.ocsp_this_update == 0 &&
	    c.ocsp_status_hash[0] == '\0', "no OCSP response yet");
	db_cert_clear(&c);
	CHECK(c.profile == NULL && c.der == NULL, "db_cert_clear frees");
	db_cert_clear(NULL);
	CHECK_RC(db_get(db, "0AB2", &c), ERR_NOINPUT, "unknown serial");
	CHECK(c.profile == NULL, "the output is cleared on error");
}

static void
test_serials(struct db *db)
{
	static const char *const bad[] = {
		"0ab1", "ABC", "00AB", "", "0AB1 ", "G1",
		"0102030405060708091011121314151617181920AB"
	};
	size_t i;

	CHECK_RC(db_reserve(db, "0AB1", "user", NULL, spki_of(2), 0),
	    ERR_EXISTS, "a duplicate serial is ERR_EXISTS");
	CHECK(strstr(err_msg(), "0AB1") != NULL, "naming it: %s", err_msg());
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_RC(db_reserve(db, bad[i], "user", NULL, spki_of(2), 0),
		    ERR_DATA, "malformed serial \"%s\" refused", bad[i]);
	CHECK_RC(db_reserve(db, NULL, "user", NULL, spki_of(2), 0),
	    ERR_DATA, "NULL serial refused");
	CHECK_RC(db_reserve(db, "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
	    "user", NULL, spki_of(2), 0), 0, "a 20-byte serial is fine");
	CHECK_RC(db_reserve(db, "0AB3", "user", NULL, "ABCD", 0), ERR_DATA,
	    "a malformed key hash is refused");
	CHECK_RC(db_reserve(db, "0AB3", "", NULL, spki_of(2), 0), ERR_DATA,
	    "an empty profile is refused");
	CHECK_RC(db_reserve(db, "0AB3", "user", NULL, spki_of(2), -1),
	    ERR_DATA, "a negative shard is refused");
}

static void
test_complete_fail(struct db *db)
{
	static const unsigned char der[] = { 0x30, 0x00 };

	CHECK_RC(db_complete(db, "0AB9", "", NULL, NOW, NOW + 1, der, 2),
	    ERR_NOINPUT, "completing an unknown serial");
	CHECK_RC(db_complete(db, "0AB1", "", NULL, NOW, NOW + 1, der, 2),
	    ERR_DATA, "completing an issued row");
	CHECK(strstr(err_msg(), "issued, not pending") != NULL, "says why: "
	    "%s", err_msg());
	CHECK_RC(db_reserve(db, "0AC1", "user", NULL, spki_of(3), 0), 0,
	    "reserve another");
	CHECK_RC(db_complete(db, "0AC1", "", "{\"a\":1}", NOW, NOW + 1, der,
	    2), ERR_DATA, "SANs that are not a JSON array");
	CHECK_RC(db_complete(db, "0AC1", "", "[", NOW, NOW + 1, der, 2),
	    ERR_DATA, "SANs that are not JSON");
	CHECK_RC(db_complete(db, "0AC1", "", NULL, NOW + 2, NOW + 1, der, 2),
	    ERR_DATA, "notBefore after notAfter");
	CHECK_RC(db_complete(db, "0AC1", "", NULL, NOW, NOW + 1, der, 0),
	    ERR_DATA, "no certificate");
	CHECK_RC(db_fail(db, "0AC1"), 0, "fail a pending row");
	CHECK_RC(db_fail(db, "0AC1"), ERR_DATA, "fail it again");
	CHECK_RC(db_complete(db, "0AC1", "", NULL, NOW, NOW + 1, der, 2),
	    ERR_DATA, "complete a failed row");
	CHECK_RC(db_fail(db, "0AB1"), ERR_DATA, "fail an issued row");
	CHECK_RC(db_fail(db, "0AC9"), ERR_NOINPUT, "fail an unknown serial");
	CHECK_RC(db_reserve(db, "0AC1", "user", NULL, spki_of(3), 0),
	    ERR_EXISTS, "a failed serial is never drawn again");
}

static void
test_revoke(struct db *db)
{
	struct db_cert c;

	CHECK_RC(db_revoke(db, "0AD1", 1, NOW), ERR_NOINPUT, "revoke an "
	    "unknown serial");
	CHECK_RC(db_revoke(db, "0AC1", 1, NOW), ERR_DATA, "revoke a failed "
	    "row");
	CHECK_RC(db_reserve(db, "0AD1", "user", NULL, spki_of(4), 0), 0,
	    "reserve");
	CHECK_RC(db_revoke(db, "0AD1", 1, NOW), ERR_DATA, "revoke a pending "
	    "row");
	CHECK_RC(db_revoke(db, "0AB1", 7, NOW), ERR_DATA, "reason 7");
	CHECK_RC(db_revoke(db, "0AB1", 8, NOW), ERR_DATA, "reason 8");
	CHECK_RC(db_revoke(db, "0AB1", 11, NOW), ERR_DATA, "reason 11");
	CHECK_RC(db_revoke(db, "0AB1", -1, NOW), ERR_DATA, "reason -1");
	CHECK_RC(db_revoke(db, "0AB1", 4, 0), ERR_DATA, "time 0");
	CHECK_RC(db_revoke(db, "0AB1", 4, NOW), 0, "revoke (superseded)");
	CHECK_RC(db_get(db, "0AB1", &c), 0, "get");
	CHECK(strcmp(c.status, "revoked") == 0 && c.reason == 4 &&
	    c.revoked_at == NOW, "revoked, reason 4, at the time given");
	db_cert_clear(&c);
	CHECK_RC(db_revoke(db, "0AB1", 4, NOW + 5), ERR_DATA, "revoke again");
	CHECK(strstr(err_msg(), "already revoked") != NULL, "says so: %s",
	    err_msg());
	CHECK_RC(db_revoke(db, "0AB1", 3, NOW + 5), ERR_DATA, "change to "
	    "another reason");
	CHECK_RC(db_revoke(db, "0AB1", 1, NOW + 5), 0, "change to "
	    "keyCompromise");
	CHECK_RC(db_get(db, "0AB1", &c), 0, "get");
	CHECK(c.reason == 1 && c.revoked_at == NOW, "keyCompromise, the "
	    "earlier time kept");
	db_cert_clear(&c);
	CHECK_RC(db_revoke(db, "0AB1", 1, NOW - 100), ERR_DATA,
	    "keyCompromise twice");
	CHECK_RC(db_get(db, "0AB1", &c), 0, "get");
	CHECK(c.reason == 1 && c.revoked_at == NOW, "unchanged by the "
	    "refusal");
	db_cert_clear(&c);
}

static void
test_blocklist(struct db *db)
{
	int b = -1;

	CHECK_RC(db_key_blocked(db, spki_of(1), &b), 0, "look up a key");
	CHECK(b == 0, "not blocked yet");
	CHECK_RC(db_block_key(db, spki_of(1), "0AB1"), 0, "block it");
	CHECK_RC(db_key_blocked(db, spki_of(1), &b), 0, "look up");
	CHECK(b == 1, "blocked");
	CHECK_RC(db_block_key(db, spki_of(1), NULL), 0, "block it again");
	CHECK(raw_int(tpath("inv.db"), "SELECT count(*) FROM blocked_keys "
	    "WHERE serial = '0AB1'", NULL, 0) == 1, "the first record stays");
	CHECK_RC(db_block_key(db, spki_of(5), NULL), 0, "block a key "
	    "without a certificate");
	CHECK_RC(db_block_key(db, spki_of(6), "0AF1"), ERR_NOINPUT,
	    "naming an unknown serial");
	CHECK_RC(db_key_blocked(db, spki_of(6), &b), 0, "look up");
	CHECK(b == 0, "nothing was blocked by the refusal");
	CHECK_RC(db_key_blocked(db, "00", &b), ERR_DATA, "malformed hash");
}

/* What db_each() visited: the last digit of each serial, in order. */
struct seen {
	char	 s[64];
	int	 with_der;
	int	 without_der;
	int	 stop_after;	/* if > 0: return -42 after this many */
	struct db *db;		/* if set: db_get() each row inside */
	int	 get_failed;
};

static int
collect(void *arg, const struct db_cert *c)
{
	struct seen *sn = arg;
	size_t n = strlen(sn->s);
	struct db_cert g;

	if (n + 1 < sizeof(sn->s)) {
		sn->s[n] = c->serial[strlen(c->serial) - 1];
		sn->s[n + 1] = '\0';
	}
	if (c->der != NULL && c->derlen > 0)
		sn->with_der++;
	else
		sn->without_der++;
	if (sn->db != NULL) {
		if (db_get(sn->db, c->serial, &g) != 0 ||
		    strcmp(g.profile, c->profile) != 0)
			sn->get_failed++;
		db_cert_clear(&g);
	}
	if (sn->stop_after > 0 && (int)n + 1 >= sn->stop_after)
		return -42;
	return 0;
}

static int
by_char(const void *a, const void *b)
{
	return *(const char *)a - *(const char *)b;
}

/* The rows f selects, sorted unless paging (only paging has an order). */
static const char *
walk(struct db *db, const struct db_filter *f)
{
	static struct seen sn;

	memset(&sn, 0, sizeof(sn));
	if (db_each(db, f, collect, &sn) != 0)
		return "error";
	if (f == NULL || (f->after == NULL && f->limit == 0))
		qsort(sn.s, strlen(sn.s), 1, by_char);
	return sn.s;
}

#define EXPECT_WALK(db, f, want, what) do {				\
	const char *got_ = walk((db), (f));				\
	CHECK(strcmp(got_, (want)) == 0, "%s: rows %s (want %s)",	\
	    (what), got_, (want));					\
} while (0)

/* Six rows of every kind; see test_each() for what each one is. */
static int
each_fixture(struct db *db)
{
	if (issue(db, 1, "mtls-server", "CN=api.svc.prod.internal",
	    "[\"DNS:api.svc.prod.internal\"]", NOW + 100, 0) != 0 ||
	    issue(db, 2, "mtls-client", "CN=alice",
	    "[\"email:alice@example.org\"]", NOW + 200, 1) != 0 ||
	    issue(db, 3, "mtls-server", "",
	    "[\"URI:spiffe://prod.example.org/ns/a/sa/b\"]", NOW - 100,
	    1) != 0 ||
	    issue(db, 4, "user", "CN=100%_done", "[]", NOW + 300, 0) != 0 ||
	    db_revoke(db, serial_of(3), 1, NOW - 200) != 0 ||
	    db_revoke(db, serial_of(4), 0, NOW - 10) != 0 ||
	    db_reserve(db, serial_of(5), "user", NULL, spki_of(5), 1) != 0 ||
	    db_reserve(db, serial_of(6), "device", NULL, spki_of(6), 0) != 0 ||
	    db_fail(db, serial_of(6)) != 0)
		return -1;
	return 0;
}

static void
test_each_fields(struct db *db)
{
	struct db_filter f;

	memset(&f, 0, sizeof(f));
	EXPECT_WALK(db, NULL, "123456", "no filter");
	EXPECT_WALK(db, &f, "123456", "a zeroed filter");
	f.status = "issued";
	EXPECT_WALK(db, &f, "12", "status issued");
	f.status = "pending";
	EXPECT_WALK(db, &f, "5", "status pending");
	f.status = "failed";
	EXPECT_WALK(db, &f, "6", "status failed");
	f.status = "revoked";
	EXPECT_WALK(db, &f, "34", "status revoked");
	memset(&f, 0, sizeof(f));
	f.revoked_only = 1;
	EXPECT_WALK(db, &f, "34", "revoked only");
	f.not_expired_at = NOW;
	EXPECT_WALK(db, &f, "4", "revoked and not expired");
	memset(&f, 0, sizeof(f));
	f.profile = "mtls-server";
	EXPECT_WALK(db, &f, "13", "profile");
	memset(&f, 0, sizeof(f));
	f.expiring_before = NOW + 250;
	EXPECT_WALK(db, &f, "123", "expiring before");
	memset(&f, 0, sizeof(f));
	f.not_expired_at = NOW;
	EXPECT_WALK(db, &f, "124", "not expired");
	memset(&f, 0, sizeof(f));
	f.by_shard = 1;
	f.shard = 1;
	EXPECT_WALK(db, &f, "235", "shard 1");
	f.shard = 0;
	EXPECT_WALK(db, &f, "146", "shard 0");
	f.revoked_only = 1;
	EXPECT_WALK(db, &f, "4", "shard 0, revoked");
}

static void
test_each_names(struct db *db)
{
	struct db_filter f;

	memset(&f, 0, sizeof(f));
	f.name = "svc.prod";
	EXPECT_WALK(db, &f, "1", "name in subject and SANs");
	f.name = "ALICE@";
	EXPECT_WALK(db, &f, "2", "name, another case, in the SANs only");
	f.name = "spiffe://prod.example.org/ns/";
	EXPECT_WALK(db, &f, "3", "URI name");
	f.name = "%";
	EXPECT_WALK(db, &f, "4", "a literal %");
	f.name = "0%_d";
	EXPECT_WALK(db, &f, "4", "a literal % and _");
	f.name = "a_i";
	EXPECT_WALK(db, &f, "", "_ is not a wildcard");
	f.name = "nowhere";
	EXPECT_WALK(db, &f, "", "no match");
}

static void
test_each_paging(struct db *db)
{
	struct db_filter f;
	struct db_cert after;
	struct seen sn;

	memset(&f, 0, sizeof(f));
	memset(&after, 0, sizeof(after));
	f.limit = 2;
	EXPECT_WALK(db, &f, "12", "first page");
	f.after = &after;
	snprintf(after.serial, sizeof(after.serial), "%s", serial_of(2));
	EXPECT_WALK(db, &f, "34", "second page");
	snprintf(after.serial, sizeof(after.serial), "%s", serial_of(4));
	EXPECT_WALK(db, &f, "56", "third page");
	snprintf(after.serial, sizeof(after.serial), "%s", serial_of(6));
	EXPECT_WALK(db, &f, "", "past the end");
	snprintf(after.serial, sizeof(after.serial), "7f");
	CHECK_RC(db_each(db, &f, collect, &sn), ERR_DATA, "a malformed "
	    "paging serial");
	memset(&f, 0, sizeof(f));
	f.status = "good";
	CHECK_RC(db_each(db, &f, collect, &sn), ERR_DATA, "an unknown "
	    "status");
	memset(&sn, 0, sizeof(sn));
	sn.stop_after = 2;
	CHECK_RC(db_each(db, NULL, collect, &sn), -42, "fn's value stops "
	    "the walk and is returned");
	CHECK(strlen(sn.s) == 2, "after two rows (%s)", sn.s);
	memset(&sn, 0, sizeof(sn));
	sn.db = db;
	CHECK_RC(db_each(db, NULL, collect, &sn), 0, "db_get from inside");
	CHECK(sn.get_failed == 0 && strlen(sn.s) == 6, "every row read "
	    "back from inside the walk");
}

/* A lean walk: only the revocation fields. */
static int
check_lean(void *arg, const struct db_cert *c)
{
	int *bad = arg;

	if (strcmp(c->status, "revoked") != 0 || c->revoked_at == 0 ||
	    c->reason < 0 || c->not_after == 0 || c->profile == NULL ||
	    c->profile[0] != '\0' || c->der != NULL || c->created != 0)
		(*bad)++;
	return 0;
}

static void
test_each_lean(struct db *db)
{
	struct db_filter f;
	int bad = 0;

	memset(&f, 0, sizeof(f));
	f.revoked_only = 1;
	f.lean = 1;
	f.with_der = 1;
	EXPECT_WALK(db, &f, "34", "a lean revoked walk");
	CHECK_RC(db_each(db, &f, check_lean, &bad), 0, "walk it again");
	CHECK(bad == 0, "with the revocation fields and nothing else");
	f.by_shard = 1;
	f.shard = 1;
	f.not_expired_at = NOW - 1000;
	EXPECT_WALK(db, &f, "3", "lean, by shard and expiry");
	memset(&f, 0, sizeof(f));
	f.lean = 1;
	f.status = "issued";
	EXPECT_WALK(db, &f, "12", "a lean walk of other rows");
}
static void
test_each_der(struct db *db)
{
	struct db_filter f;
	struct seen sn;

	memset(&f, 0, sizeof(f));
	memset(&sn, 0, sizeof(sn));
	CHECK_RC(db_each(db, &f, collect, &sn), 0, "walk without DER");
	CHECK(sn.with_der == 0 && sn.without_der == 6, "no DER unless "
	    "asked (%d with)", sn.with_der);
	f.with_der = 1;
	memset(&sn, 0, sizeof(sn));
	CHECK_RC(db_each(db, &f, collect, &sn), 0, "walk with DER");
	CHECK(sn.with_der == 4 && sn.without_der == 2, "DER for the four "
	    "issued or revoked rows (%d)", sn.with_der);
}

/* OCSP state, and the guard against a revocation racing a refresh. */
static void
test_ocsp(struct db *db)
{
	struct db_filter f;
	struct db_cert c;
	char h[65], h2[65];

	memset(&f, 0, sizeof(f));
	f.ocsp_due_before = NOW;
	EXPECT_WALK(db, &f, "1234", "every issued or revoked row is due");
	CHECK_RC(db_get(db, serial_of(1), &c), 0, "get");
	CHECK_RC(db_ocsp_status_hash(&c, h), 0, "status hash");
	CHECK(strlen(h) == 64, "64 hex digits");
	db_cert_clear(&c);
	CHECK_RC(db_set_ocsp(db, serial_of(1), NOW, NOW + 1000, h), 0,
	    "record a response");
	CHECK_RC(db_get(db, serial_of(1), &c), 0, "get");
	CHECK(c.ocsp_this_update == NOW && c.ocsp_next_update == NOW + 1000 &&
	    strcmp(c.ocsp_status_hash, h) == 0, "recorded");
	db_cert_clear(&c);
	EXPECT_WALK(db, &f, "234", "no longer due");
	f.not_expired_at = NOW;
	EXPECT_WALK(db, &f, "24", "due and not expired");
	f.not_expired_at = 0;
	f.ocsp_due_before = NOW + 2000;
	EXPECT_WALK(db, &f, "1234", "due again inside a later window");
	CHECK_RC(db_get(db, serial_of(2), &c), 0, "a refresh reads row 2");
	CHECK_RC(db_ocsp_status_hash(&c, h2), 0, "and hashes it (good)");
	CHECK(strcmp(h, h2) == 0, "good is good");
	db_cert_clear(&c);
	CHECK_RC(db_revoke(db, serial_of(2), 1, NOW), 0, "meanwhile row 2 "
	    "is revoked");
	CHECK_RC(db_set_ocsp(db, serial_of(2), NOW, NOW + 1000, h2), ERR_NO,
	    "the stale good response is not recorded");
	CHECK_RC(db_get(db, serial_of(2), &c), 0, "read it again");
	CHECK(c.ocsp_next_update == 0, "still due");
	CHECK_RC(db_ocsp_status_hash(&c, h2), 0, "hash the revoked state");
	CHECK(strcmp(h, h2) != 0, "revoked hashes differently from good");
	db_cert_clear(&c);
	CHECK_RC(db_set_ocsp(db, serial_of(2), NOW, NOW + 1000, h2), 0,
	    "the re-signed response is recorded");
	CHECK_RC(db_revoke(db, serial_of(1), 1, NOW), 0, "revoke row 1");
	f.ocsp_due_before = NOW;
	EXPECT_WALK(db, &f, "134", "a revocation makes the response due");
	CHECK_RC(db_set_ocsp(db, serial_of(5), NOW, NOW + 1, h), ERR_DATA,
	    "a pending row has no OCSP response");
	CHECK_RC(db_set_ocsp(db, "0B01", NOW, NOW + 1, h), ERR_NOINPUT,
	    "unknown serial");
	CHECK_RC(db_set_ocsp(db, serial_of(2), NOW, NOW, h2), ERR_DATA,
	    "nextUpdate not after thisUpdate");
	CHECK_RC(db_get(db, serial_of(5), &c), 0, "get a pending row");
	CHECK_RC(db_ocsp_status_hash(&c, h2), ERR_DATA, "no status hash for "
	    "a pending row");
	db_cert_clear(&c);
}

/* Collect a page and remember its last row, as pki-ocsp refresh would. */
struct page {
	char		s[16];
	struct db_cert	last;
};

static int
page_add(void *arg, const struct db_cert *c)
{
	struct page *pg = arg;
	size_t n = strlen(pg->s);

	if (n + 1 < sizeof(pg->s)) {
		pg->s[n] = c->serial[strlen(c->serial) - 1];
		pg->s[n + 1] = '\0';
	}
	pg->last = *c;
	pg->last.profile = pg->last.subject = pg->last.sans = NULL;
	pg->last.requester = NULL;
	pg->last.der = NULL;
	return 0;
}

/* The next page of the due walk f (f->after set from the last page). */
static const char *
due_page(struct db *db, struct db_filter *f, struct page *pg)
{
	pg->s[0] = '\0';
	if (db_each(db, f, page_add, pg) != 0)
		return "error";
	f->after = &pg->last;
	return pg->s;
}

/* Rows 1-5 due at two times; row 6 expired; walked two at a time. */
static void
test_due_paging(void)
{
	struct db *db = NULL;
	struct db_filter f;
	struct page pg;
	char h[65];
	const char *got;
	unsigned i;
	int ok = 1;

	CHECK_RC(db_open(tpath("due.db"), 1, &db), 0, "create due.db");
	if (db == NULL)
		return;
	for (i = 1; i <= 6; i++)
		ok &= issue(db, i, "user", "", "[]", i == 6 ? NOW - 10 :
		    NOW + 100 * i, 0) == 0;
	ok &= status_hash("issued", 0, -1, h) == 0;
	ok &= db_set_ocsp(db, serial_of(2), NOW - 5, NOW + 50, h) == 0;
	ok &= db_set_ocsp(db, serial_of(4), NOW - 5, NOW + 50, h) == 0;
	CHECK(ok, "six rows, two of them signed");
	memset(&f, 0, sizeof(f));
	memset(&pg, 0, sizeof(pg));
	f.ocsp_due_before = NOW + 100;
	f.not_expired_at = NOW;
	f.limit = 2;
	got = due_page(db, &f, &pg);
	CHECK(strcmp(got, "13") == 0, "first page: never signed, by notAfter "
	    "(%s)", got);
	ok = db_set_ocsp(db, serial_of(1), NOW, NOW + 1000, h) == 0 &&
	    db_set_ocsp(db, serial_of(3), NOW, NOW + 1000, h) == 0;
	CHECK(ok, "sign them");
	got = due_page(db, &f, &pg);
	CHECK(strcmp(got, "52") == 0, "second page (%s)", got);
	got = due_page(db, &f, &pg);
	CHECK(strcmp(got, "4") == 0, "third page (%s)", got);
	got = due_page(db, &f, &pg);
	CHECK(strcmp(got, "") == 0, "then nothing (%s)", got);
	f.after = NULL;
	f.ocsp_due_before = NOW + 10;
	got = due_page(db, &f, &pg);
	CHECK(strcmp(got, "5") == 0, "a narrower window (%s)", got);
	db_close(db);
}

/* EXPLAIN QUERY PLAN of the walk f, its lines joined by "; ". */
static const char *
plan_of(struct db *db, const struct db_filter *f)
{
	static char plan[512];
	sqlite3_stmt *st = NULL;
	char sql[1100];

	snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN ");
	each_sql(f, sql + strlen(sql), sizeof(sql) - strlen(sql));
	snprintf(plan, sizeof(plan), "(none)");
	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) == SQLITE_OK)
		plan[0] = '\0';
	while (st != NULL && sqlite3_step(st) == SQLITE_ROW)
		snprintf(plan + strlen(plan), sizeof(plan) - strlen(plan),
		    "%s; ", (const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	return plan;
}

#define EXPECT_PLAN(db, f, want, what) do {				\
	const char *plan_ = plan_of((db), (f));				\
	CHECK(strstr(plan_, (want)) != NULL &&				\
	    strstr(plan_, "TEMP B-TREE") == NULL, "%s: %s", (what),	\
	    plan_);							\
} while (0)

/* The walks that must stay fast at a million rows use their indexes. */
static void
test_plans(struct db *db)
{
	struct db_filter f;
	struct db_cert after;

	memset(&f, 0, sizeof(f));
	memset(&after, 0, sizeof(after));
	snprintf(after.serial, sizeof(after.serial), "0A");
	f.ocsp_due_before = NOW;
	f.not_expired_at = NOW;
	EXPECT_PLAN(db, &f, "INDEX certs_ocsp_due (ocsp_next_update<?)",
	    "the due walk is a range of certs_ocsp_due");
	f.limit = 1000;
	f.after = &after;
	EXPECT_PLAN(db, &f, "INDEX certs_ocsp_due ((ocsp_next_update,"
	    "not_after,serial)>(?,?,?) AND ocsp_next_update<?)", "so is "
	    "each page, unsorted");
	f.lean = 1;
	f.revoked_only = 1;
	EXPECT_PLAN(db, &f, "INDEX certs_ocsp_due ((ocsp_next_update,"
	    "not_after,serial)>(?,?,?) AND ocsp_next_update<?)", "also a "
	    "lean revoked one");
	memset(&f, 0, sizeof(f));
	f.revoked_only = 1;
	f.lean = 1;
	f.not_expired_at = NOW;
	EXPECT_PLAN(db, &f, "COVERING INDEX certs_revoked", "the lean "
	    "revoked walk reads certs_revoked alone");
	f.by_shard = 1;
	EXPECT_PLAN(db, &f, "COVERING INDEX certs_revoked (crl_shard=? "
	    "AND not_after>?)", "one shard's is a range of it");
	memset(&f, 0, sizeof(f));
	f.expiring_before = NOW;
	EXPECT_PLAN(db, &f, "INDEX certs_status (status=? AND not_after<?)",
	    "the expiry walk uses certs_status");
	memset(&f, 0, sizeof(f));
	f.status = "pending";
	EXPECT_PLAN(db, &f, "INDEX certs_status (status=?)", "so does a "
	    "walk by status");
}

static void
test_each(void)
{
	struct db *db = NULL;

	CHECK_RC(db_open(tpath("each.db"), 1, &db), 0, "create each.db");
	if (db == NULL)
		return;
	CHECK(each_fixture(db) == 0, "six rows of every kind: %s",
	    err_msg());
	test_each_fields(db);
	test_each_names(db);
	test_each_paging(db);
	test_each_lean(db);
	test_each_der(db);
	test_ocsp(db);
	test_plans(db);
	db_close(db);
}

static void
test_crl_numbers(struct db *db)
{
	unsigned long long n = 0;

	CHECK_RC(db_next_crl_number(db, 0, &n), 0, "next CRL number");
	CHECK(n == 1, "starts at 1 (%llu)", n);
	CHECK_RC(db_record_crl(db, 0, 1, NOW), 0, "record 1");
	CHECK_RC(db_next_crl_number(db, 0, &n), 0, "next");
	CHECK(n == 2, "then 2 (%llu)", n);
	CHECK_RC(db_record_crl(db, 0, 1, NOW), ERR_DATA, "1 again refused");
	CHECK(strstr(err_msg(), "not above") != NULL, "says why: %s",
	    err_msg());
	CHECK_RC(db_record_crl(db, 0, 5, NOW), 0, "a gap is fine: 5");
	CHECK_RC(db_record_crl(db, 0, 3, NOW), ERR_DATA, "3 after 5 refused");
	CHECK_RC(db_next_crl_number(db, 1, &n), 0, "shard 1");
	CHECK(n == 1, "shards count apart (%llu)", n);
	CHECK_RC(db_begin(db), 0, "begin");
	CHECK_RC(db_next_crl_number(db, 1, &n), 0, "next in a transaction");
	CHECK_RC(db_record_crl(db, 1, n, NOW), 0, "record it");
	CHECK_RC(db_commit(db), 0, "commit");
	CHECK_RC(db_record_crl(db, 0, 0, NOW), ERR_DATA, "number 0");
	CHECK_RC(db_record_crl(db, -1, 9, NOW), ERR_DATA, "shard -1");
	CHECK_RC(db_record_crl(db, 0, 1ULL << 63, NOW), ERR_DATA, "2^63");
	CHECK_RC(db_record_crl(db, 0, (1ULL << 63) - 1, NOW), 0, "2^63-1");
	CHECK_RC(db_next_crl_number(db, 0, &n), ERR_DATA, "then exhausted");
	CHECK_RC(db_next_crl_number(db, -1, &n), ERR_DATA, "shard -1");
}

static void
test_crl_reopen(void)
{
	struct db *db = NULL;
	unsigned long long n = 0;

	CHECK_RC(db_open(tpath("inv.db"), 0, &db), 0, "reopen");
	if (db == NULL)
		return;
	CHECK_RC(db_next_crl_number(db, 1, &n), 0, "shard 1 after reopen");
	CHECK(n == 2, "still 2 (%llu)", n);
	CHECK_RC(db_record_crl(db, 1, 1, NOW), ERR_DATA, "1 still refused "
	    "after reopen");
	db_close(db);
}

static void
test_transactions(struct db *db)
{
	struct db_cert c;

	CHECK_RC(db_begin(db), 0, "begin");
	CHECK_RC(db_reserve(db, "0E01", "user", NULL, spki_of(7), 0), 0,
	    "reserve in a transaction");
	CHECK_RC(db_begin(db), ERR_INTERNAL, "transactions do not nest");
	db_rollback(db);
	CHECK_RC(db_get(db, "0E01", &c), ERR_NOINPUT, "rolled back");
	db_rollback(db);
	CHECK(sqlite3_get_autocommit(db->h), "a second rollback is harmless");
	CHECK_RC(db_commit(db), ERR_INTERNAL, "commit without begin");
	CHECK_RC(db_begin(db), 0, "begin");
	CHECK_RC(db_reserve(db, "0E02", "user", NULL, spki_of(7), 0), 0,
	    "reserve");
	CHECK_RC(db_reserve(db, "0E02", "user", NULL, spki_of(7), 0),
	    ERR_EXISTS, "a duplicate inside the transaction");
	CHECK_RC(db_reserve(db, "0E03", "user", NULL, spki_of(7), 0), 0,
	    "the transaction goes on after it");
	CHECK_RC(db_commit(db), 0, "commit");
	CHECK(raw_int(tpath("inv.db"), "SELECT count(*) FROM certs WHERE "
	    "serial IN ('0E02', '0E03')", NULL, 0) == 2, "both committed");
	/* db_set_durable(): only between transactions. */
	CHECK_RC(db_set_durable(db, 0), 0, "commits without a flush");
	CHECK(raw_sync(db) == 1, "synchronous=NORMAL (%lld)", raw_sync(db));
	CHECK_RC(db_begin(db), 0, "begin");
	CHECK_RC(db_set_durable(db, 1), ERR_INTERNAL,
	    "no durability change inside a transaction");
	CHECK_RC(db_reserve(db, "0E04", "user", NULL, spki_of(7), 0), 0,
	    "reserve");
	CHECK_RC(db_commit(db), 0, "commit without a flush");
	CHECK(raw_int(tpath("inv.db"), "SELECT count(*) FROM certs WHERE "
	    "serial = '0E04'", NULL, 0) == 1, "visible to another handle");
	CHECK_RC(db_set_durable(db, 1), 0, "back to durable commits");
	CHECK(raw_sync(db) == 2, "synchronous=FULL (%lld)", raw_sync(db));
}

static void
test_count_meta(struct db *db)
{
	long long n = -1, all = -1, sum = 0;
	char *v = NULL;
	const char *st[] = { "pending", "issued", "failed", "revoked" };
	size_t i;

	CHECK_RC(db_count(db, NULL, &all), 0, "count all");
	for (i = 0; i < 4; i++) {
		CHECK_RC(db_count(db, st[i], &n), 0, "count %s", st[i]);
		sum += n;
	}
	CHECK(all > 0 && sum == all, "the statuses add up (%lld of %lld)",
	    sum, all);
	CHECK(raw_int(tpath("inv.db"), "SELECT count(*) FROM certs", NULL,
	    0) == all, "and match SQLite's count");
	CHECK_RC(db_count(db, "good", &n), ERR_DATA, "unknown status");
	CHECK_RC(db_meta_get(db, "ocsp.signer", &v), ERR_NOINPUT, "no meta");
	CHECK_RC(db_meta_set(db, "ocsp.signer", "01AB"), 0, "set meta");
	CHECK_RC(db_meta_set(db, "ocsp.signer", "01AC"), 0, "replace it");
	CHECK_RC(db_meta_get(db, "ocsp.signer", &v), 0, "get it");
	CHECK(v != NULL && strcmp(v, "01AC") == 0, "the last value");
	free(v);
	CHECK_RC(db_meta_set(db, "a b", "x"), ERR_DATA, "a key with a space");
	CHECK_RC(db_meta_set(db, "", "x"), ERR_DATA, "an empty key");
}

/* A random canonical 16-byte serial, as pki-issue would draw. */
static void
random_serial(char out[DB_SERIAL_MAX + 1])
{
	unsigned char b[16];
	size_t i;

	randombytes_buf(b, sizeof(b));
	b[0] = (b[0] & 0x7f) | 0x01;
	for (i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02X", b[i]);
}

static void
writer(int id)
{
	static unsigned char der[600];
	struct db *db = NULL;
	char serial[DB_SERIAL_MAX + 1];
	int i, rc = 0;

	if ((rc = db_open(tpath("conc.db"), 0, &db)) != 0)
		goto out;
	for (i = 0; i < PER_WRITER && rc == 0; i++) {
		do {
			random_serial(serial);
			rc = db_reserve(db, serial, "mtls-server", "writer",
			    spki_of((unsigned)(id * 1000 + i)), i % 4);
		} while (rc == ERR_EXISTS);
		if (rc == 0)
			rc = db_complete(db, serial, "CN=w", "[]", NOW,
			    NOW + 3600, der, sizeof(der));
	}
out:
	if (rc != 0)
		printf("# writer %d: %s\n", id, err_msg());
	db_close(db);
	fflush(stdout);
	_exit(rc != 0);
}

/* Count issued rows while the writers run; counts never go down. */
static void
reader(void)
{
	struct db *db = NULL;
	long long n = 0, last = 0, start = now_ms();
	int rc;

	if ((rc = db_open(tpath("conc.db"), 0, &db)) != 0)
		goto out;
	while (n < WRITERS * PER_WRITER && now_ms() - start < 60000) {
		if ((rc = db_count(db, "issued", &n)) != 0)
			break;
		if (n < last) {
			rc = -1;
			break;
		}
		last = n;
		usleep(2000);
	}
out:
	if (rc != 0)
		printf("# reader: %s\n", err_msg());
	db_close(db);
	fflush(stdout);
	_exit(rc != 0);
}

static void
test_concurrent(void)
{
	struct db *db = NULL;
	pid_t pid[WRITERS + 1];
	long long n = -1, t0;
	int i, status, ok = 0;

	CHECK_RC(db_open(tpath("conc.db"), 1, &db), 0, "create conc.db");
	db_close(db);
	db = NULL;
	fflush(stdout);
	t0 = now_ms();
	for (i = 0; i <= WRITERS; i++)
		if ((pid[i] = fork()) == 0) {
			if (i < WRITERS)
				writer(i);
			reader();
		}
	for (i = 0; i <= WRITERS; i++)
		if (pid[i] > 0 && waitpid(pid[i], &status, 0) == pid[i] &&
		    WIFEXITED(status) && WEXITSTATUS(status) == 0)
			ok++;
	CHECK(ok == WRITERS + 1, "%d writers x %d certificates and a reader "
	    "at once: every process succeeded (%d of %d)", WRITERS,
	    PER_WRITER, ok, WRITERS + 1);
	printf("# %d concurrent writers x %d: %lld ms\n", WRITERS,
	    PER_WRITER, now_ms() - t0);
	CHECK_RC(db_open(tpath("conc.db"), 0, &db), 0, "reopen conc.db");
	if (db == NULL)
		return;
	CHECK_RC(db_count(db, "issued", &n), 0, "count");
	CHECK(n == WRITERS * PER_WRITER, "%lld complete rows", n);
	CHECK_RC(db_count(db, NULL, &n), 0, "count all");
	CHECK(n == WRITERS * PER_WRITER, "and nothing else (%lld)", n);
	CHECK_RC(db_integrity_check(db), 0, "integrity check");
	db_close(db);
}

/*
 * A child takes the write lock on lock.db, holds it for hold_ms and
 * lets go; the parent returns once the lock is held.  Returns the pid.
 */
static pid_t
hold_lock(long hold_ms)
{
	struct db *db = NULL;
	int fd[2];
	pid_t pid;
	char b = 0;

	if (pipe(fd) == -1)
		return -1;
	fflush(stdout);
	if ((pid = fork()) == 0) {
		close(fd[0]);
		if (db_open(tpath("lock.db"), 0, &db) != 0 ||
		    db_begin(db) != 0)
			_exit(1);
		if (write(fd[1], "x", 1) != 1)
			_exit(1);
		usleep((useconds_t)hold_ms * 1000);
		db_rollback(db);
		db_close(db);
		_exit(0);
	}
	close(fd[1]);
	if (pid > 0 && read(fd[0], &b, 1) != 1)
		b = 0;
	close(fd[0]);
	return b == 'x' ? pid : -1;
}

static int
reaped(pid_t pid)
{
	int status;

	return pid > 0 && waitpid(pid, &status, 0) == pid &&
	    WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void
test_lock(void)
{
	struct db *db = NULL;
	long long t0, ms;
	pid_t pid;

	CHECK_RC(db_open(tpath("lock.db"), 1, &db), 0, "create lock.db");
	db_close(db);
	db = NULL;
	busy_limit_ms = 300;
	pid = hold_lock(1000);
	CHECK(pid > 0, "another process holds the write lock");
	CHECK_RC(db_open(tpath("lock.db"), 0, &db), 0, "opening needs no "
	    "write lock");
	t0 = now_ms();
	CHECK_RC(db_reserve(db, "0F01", "user", NULL, spki_of(8), 0), ERR_IO,
	    "a lock held past the limit fails the write");
	ms = now_ms() - t0;
	CHECK(strstr(err_msg(), "locked") != NULL && strstr(err_msg(),
	    "lock.db") != NULL, "saying so: %s", err_msg());
	CHECK(ms >= 250 && ms < 900, "after about the limit (%lld ms)", ms);
	CHECK_RC(db_begin(db), ERR_IO, "and db_begin too");
	CHECK(sqlite3_get_autocommit(db->h) && !db->txn, "leaving no "
	    "transaction open");
	CHECK(reaped(pid), "the holder let go");
	busy_limit_ms = DB_BUSY_MS;
	pid = hold_lock(300);
	t0 = now_ms();
	CHECK_RC(db_reserve(db, "0F01", "user", NULL, spki_of(8), 0), 0,
	    "a lock held briefly is waited out");
	ms = now_ms() - t0;
	CHECK(ms >= 200, "after waiting (%lld ms)", ms);
	CHECK(reaped(pid), "the holder let go");
	db_close(db);
}

/* Overwrite the middle of every page after the first with junk. */
static int
damage(const char *path)
{
	unsigned char junk[1024];
	struct stat sb;
	off_t off;
	int fd, ok = 1;

	memset(junk, 0xa5, sizeof(junk));
	if ((fd = open(path, O_WRONLY)) == -1 || fstat(fd, &sb) == -1)
		return -1;
	for (off = 4096; off + 3072 <= sb.st_size; off += 4096)
		if (pwrite(fd, junk, sizeof(junk), off + 1024) !=
		    (ssize_t)sizeof(junk))
			ok = 0;
	return close(fd) == 0 && ok && sb.st_size > 8192 ? 0 : -1;
}

static void
test_damaged(void)
{
	struct db *db = NULL;
	unsigned i;
	int rc;

	CHECK_RC(db_open(tpath("bad.db"), 1, &db), 0, "create bad.db");
	if (db == NULL)
		return;
	for (i = 0; i < 100; i++)
		if (issue(db, i + 1, "user", "CN=x", "[]", NOW + 1, 0) != 0)
			break;
	CHECK(i == 100, "100 rows");
	CHECK_RC(db_integrity_check(db), 0, "integrity check ok");
	db_close(db);
	db = NULL;
	CHECK(damage(tpath("bad.db")) == 0, "damaged the file");
	rc = db_open(tpath("bad.db"), 0, &db);
	if (rc == 0)
		rc = db_integrity_check(db);
	CHECK(rc == ERR_DATA, "a damaged inventory is ERR_DATA (%d): %s", rc,
	    err_msg());
	CHECK(strstr(err_msg(), "bad.db") != NULL, "naming the file");
	db_close(db);
}

/* Not asserted: 10,000 certificates as --batch records them. */
static void
test_timing(void)
{
	static unsigned char der[600];
	struct db *db = NULL;
	long long t0, n = 0, ms;
	unsigned i, j;
	int rc = 0;

	CHECK_RC(db_open(tpath("perf.db"), 1, &db), 0, "create perf.db");
	if (db == NULL)
		return;
	t0 = now_ms();
	for (i = 0; i < 10 && rc == 0; i++) {
		rc = db_begin(db);
		for (j = 0; j < 1000 && rc == 0; j++)
			rc = db_reserve(db, serial_of(i * 1000 + j), "user",
			    "bench", spki_of(j), (int)(j % 16));
		if (rc == 0 && (rc = db_commit(db)) == 0)
			rc = db_begin(db);
		for (j = 0; j < 1000 && rc == 0; j++)
			rc = db_complete(db, serial_of(i * 1000 + j),
			    "CN=bench", "[\"DNS:bench.example\"]", NOW,
			    NOW + 86400, der, sizeof(der));
		if (rc == 0)
			rc = db_commit(db);
	}
	ms = now_ms() - t0;
	CHECK(rc == 0, "10,000 reserve+complete in transactions of 1,000: "
	    "%s", rc == 0 ? "ok" : err_msg());
	printf("# 10000 reserve+complete in transactions of 1000: %lld ms "
	    "(%.0f/s)\n", ms, ms > 0 ? 10000.0 * 1000 / (double)ms : 0.0);
	CHECK(db_count(db, "issued", &n) == 0 && n == 10000, "10,000 rows");
	db_close(db);
}

/* Remove the scratch directory (kept when a check failed). */
static void
cleanup(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			unlink(tpath(e->d_name));
	if (d != NULL)
		closedir(d);
	rmdir(tpath("dir.db"));
	rmdir(tmpdir);
}

int
main(void)
{
	struct db *db = NULL;

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_open();
	test_refusals();
	CHECK_RC(db_open(tpath("inv.db"), 0, &db), 0, "open inv.db");
	if (db != NULL) {
		test_round_trip(db);
		test_serials(db);
		test_complete_fail(db);
		test_revoke(db);
		test_blocklist(db);
		test_crl_numbers(db);
		test_transactions(db);
		test_count_meta(db);
		CHECK_RC(db_integrity_check(db), 0, "integrity check");
		db_close(db);
	}
	test_crl_reopen();
	test_each();
	test_due_paging();
	test_concurrent();
	test_lock();
	test_damaged();
	test_timing();
	if (harness_failed == 0)
		cleanup();
	return harness_done();
}
