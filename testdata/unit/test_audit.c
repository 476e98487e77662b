/*
 * test_audit.c: the hash-chained, sealed log.  A good log verifies; every
 * kind of tampering (edit, delete, insert, duplicate, cut tail, cut
 * seal, torn line, changed key or signature, re-sealing by another key
 * against a pinned key) is named with the right line; two processes
 * appending at once keep one unbroken chain.  Leaves nothing behind.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "audit.h"
#include "err.h"
#include "harness.h"
#include "secmem.h"

#define MAXLINES	1024

static char dir[256];
static unsigned char pk1[32], pk2[32], *sk1, *sk2;

/* A log file as lines, each with its newline. */
struct lines {
	char	*l[MAXLINES];
	size_t	 n;
};

static char *
tpath(const char *name)
{
	static char buf[4][512];
	static int next;

	next = (next + 1) % 4;
	snprintf(buf[next], sizeof(buf[next]), "%s/%s", dir, name);
	return buf[next];
}

static int
load(const char *path, struct lines *ls)
{
	FILE *f = fopen(path, "r");
	size_t cap = 0;
	char *line = NULL;

	ls->n = 0;
	if (f == NULL)
		return -1;
	while (ls->n < MAXLINES && getline(&line, &cap, f) > 0) {
		ls->l[ls->n++] = line;
		line = NULL;
		cap = 0;
	}
	free(line);
	fclose(f);
	return 0;
}

static void
save(const char *path, const struct lines *ls)
{
	FILE *f = fopen(path, "w");
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < ls->n; i++)
		fputs(ls->l[i], f);
	fclose(f);
}

static void
drop(struct lines *ls)
{
	size_t i;

	for (i = 0; i < ls->n; i++)
		free(ls->l[i]);
	ls->n = 0;
}

/* Remove line i (1-based). */
static void
del_line(struct lines *ls, size_t i)
{
	free(ls->l[i - 1]);
	memmove(&ls->l[i - 1], &ls->l[i], (ls->n - i) * sizeof(char *));
	ls->n--;
}

/* Insert text as the new line i (1-based). */
static void
ins_line(struct lines *ls, size_t i, const char *text)
{
	memmove(&ls->l[i], &ls->l[i - 1], (ls->n - i + 1) * sizeof(char *));
	ls->l[i - 1] = strdup(text);
	ls->n++;
}

/* Append n entries (and a seal with sk if sk != NULL) to path. */
static int
write_log(const char *path, const char *program, int n,
    const unsigned char *sk)
{
	struct audit *a = NULL;
	char members[128];
	int i, ret;

	if ((ret = audit_open(path, program, 1, &a)) != 0)
		return ret;
	for (i = 0; i < n && ret == 0; i++) {
		snprintf(members, sizeof(members),
		    "\"i\":%d,\"note\":\"entry %lu\"", i, audit_seq(a) + 1);
		ret = audit_append(a, "step", members);
	}
	if (ret == 0 && sk != NULL)
		ret = audit_seal(a, sk);
	audit_close(a);
	return ret;
}

/* Verify path and check the verdict, bad line and message. */
static void
expect_bad(const char *path, const unsigned char *pin, unsigned long line,
    const char *msg, const char *what)
{
	struct audit_report r;
	int rc;

	rc = audit_verify(path, pin, &r);
	CHECK(rc == ERR_NO, "%s: verification fails (rc %d)", what, rc);
	CHECK(r.first_bad_line == line && strstr(r.problem, msg) != NULL,
	    "%s: line %lu, \"%s\" (got line %lu: %s)", what, line, msg,
	    r.first_bad_line, r.problem);
}

/* A fresh copy of the 6-entry, 1-seal base log, loaded as lines. */
static void
base_copy(const char *name, struct lines *ls)
{
	unlink(tpath(name));
	write_log(tpath(name), "pki-test", 6, sk1);
	load(tpath(name), ls);
}

static void
test_good(void)
{
	struct audit_report r;
	struct audit *a = NULL;
	unsigned char head[32], last[32];
	struct lines ls;
	struct stat st;

	CHECK_RC(write_log(tpath("good.log"), "pki-test", 6, sk1), 0,
	    "write 6 entries and a seal");
	CHECK(stat(tpath("good.log"), &st) == 0 &&
	    (st.st_mode & 0777) == 0644, "new log is mode 0644 under umask "
	    "077 (%o)", (unsigned)(st.st_mode & 0777));
	CHECK_RC(audit_verify(tpath("good.log"), NULL, &r), 0,
	    "good log verifies");
	CHECK(r.entries == 6 && r.seals == 1 && r.sealed_at_end &&
	    r.first_bad_line == 0 && r.problem[0] == '\0',
	    "6 entries, 1 seal, sealed at the end");
	CHECK(memcmp(r.key, pk1, 32) == 0, "report names the seal key");
	CHECK_RC(audit_verify(tpath("good.log"), pk1, &r), 0,
	    "good log verifies with its key pinned");

	load(tpath("good.log"), &ls);
	crypto_hash_sha256(last, (const unsigned char *)ls.l[6],
	    strlen(ls.l[6]) - 1);
	CHECK(memcmp(r.head, last, 32) == 0,
	    "head is SHA-256 of the last line without its newline");
	CHECK_RC(audit_open(tpath("good.log"), "pki-test", 0, &a), 0,
	    "reopen existing log");
	CHECK(a != NULL && audit_head(a, head) == 0 &&
	    memcmp(head, last, 32) == 0 && audit_seq(a) == 7,
	    "reopened log continues at seq 7 with the same head");
	audit_close(a);
	CHECK(strncmp(ls.l[0], "{\"seq\":1,\"time\":\"", 17) == 0 &&
	    strstr(ls.l[0], ",\"program\":\"pki-test\",\"version\":\"") &&
	    strstr(ls.l[0], ",\"action\":\"step\",\"i\":0,\"note\":\"entry 1\""
	    ",\"prev\":\"00000000000000000000000000000000000000000000000000"
	    "00000000000000\"}\n") != NULL, "line 1 has the documented form");
	drop(&ls);
}

/* Recompute the seal signature from the documented message. */
static void
test_seal_format(void)
{
	unsigned char head[32], sig[64], msg[128], prev[32];
	struct lines ls;
	const char *h, *s;
	size_t n;

	load(tpath("good.log"), &ls);
	if (ls.n != 7)
		return;
	h = strstr(ls.l[6], "\"head\":\"");
	s = strstr(ls.l[6], "\"sig\":\"");
	CHECK(h && s && strstr(ls.l[6], "\"action\":\"seal\"") &&
	    strncmp(ls.l[6], "{\"seq\":7,", 9) == 0, "line 7 is the seal");
	if (h == NULL || s == NULL)
		return;
	sodium_hex2bin(head, 32, h + 8, 64, NULL, NULL, NULL);
	sodium_hex2bin(sig, 64, s + 7, 128, NULL, NULL, NULL);
	crypto_hash_sha256(prev, (const unsigned char *)ls.l[5],
	    strlen(ls.l[5]) - 1);
	CHECK(memcmp(head, prev, 32) == 0, "seal head is the hash of line 6");
	n = strlen("pki-audit-seal-v1");
	memcpy(msg, "pki-audit-seal-v1", n);
	msg[n++] = '7';
	memcpy(msg + n, head, 32);
	CHECK(crypto_sign_verify_detached(sig, msg, n + 32, pk1) == 0,
	    "sig verifies over \"pki-audit-seal-v1\" || \"7\" || head");
	drop(&ls);
}

static void
test_tamper(void)
{
	struct lines ls;
	unsigned char h[32];
	char line[512], hex[65], *p;

	base_copy("edit.log", &ls);
	p = strstr(ls.l[2], "entry 3");
	if (p != NULL)
		p[4] = 'x';
	save(tpath("edit.log"), &ls);
	expect_bad(tpath("edit.log"), NULL, 4, "prev does not match line 3",
	    "one byte edited in line 3");
	drop(&ls);

	base_copy("del.log", &ls);
	del_line(&ls, 4);
	save(tpath("del.log"), &ls);
	expect_bad(tpath("del.log"), NULL, 4,
	    "seq 5 where 4 expected (missing entry)", "line 4 deleted");
	drop(&ls);

	/* A careful forger: right seq and prev, so the next line breaks. */
	base_copy("ins.log", &ls);
	crypto_hash_sha256(h, (const unsigned char *)ls.l[2],
	    strlen(ls.l[2]) - 1);
	sodium_bin2hex(hex, sizeof(hex), h, 32);
	snprintf(line, sizeof(line), "{\"seq\":4,\"time\":\"2026-11-23T12:00:"
	    "00Z\",\"program\":\"pki-test\",\"version\":\"0.1.0\",\"action\":"
	    "\"step\",\"prev\":\"%s\"}\n", hex);
	ins_line(&ls, 4, line);
	save(tpath("ins.log"), &ls);
	expect_bad(tpath("ins.log"), NULL, 5, "seq 4 where 5 expected "
	    "(duplicated or reordered entry)", "entry inserted as line 4");
	drop(&ls);

	base_copy("dup.log", &ls);
	ins_line(&ls, 4, ls.l[2]);
	save(tpath("dup.log"), &ls);
	expect_bad(tpath("dup.log"), NULL, 4, "seq 3 where 4 expected "
	    "(duplicated or reordered entry)", "line 3 duplicated");
	drop(&ls);

	base_copy("front.log", &ls);
	del_line(&ls, 1);
	save(tpath("front.log"), &ls);
	expect_bad(tpath("front.log"), NULL, 1, "seq 2 where 1 expected",
	    "line 1 cut from the front");
	drop(&ls);

	base_copy("junk.log", &ls);
	free(ls.l[1]);
	ls.l[1] = strdup("{\"seq\":2,\"seq\":3}\n");
	save(tpath("junk.log"), &ls);
	expect_bad(tpath("junk.log"), NULL, 2, "malformed entry",
	    "line 2 with a duplicated key");
	drop(&ls);
}

static void
test_seal_tamper(void)
{
	struct lines ls;
	char pkhex[65], *p;

	base_copy("key.log", &ls);
	p = strstr(ls.l[6], "\"key\":\"");
	sodium_bin2hex(pkhex, sizeof(pkhex), pk2, 32);
	if (p != NULL)
		memcpy(p + 7, pkhex, 64);
	save(tpath("key.log"), &ls);
	expect_bad(tpath("key.log"), NULL, 7, "seal signature does not verify",
	    "seal key replaced");
	drop(&ls);

	base_copy("sig.log", &ls);
	p = strstr(ls.l[6], "\"sig\":\"");
	if (p != NULL)
		p[7] = p[7] == '0' ? '1' : '0';
	save(tpath("sig.log"), &ls);
	expect_bad(tpath("sig.log"), NULL, 7, "seal signature does not verify",
	    "seal signature changed");
	drop(&ls);

	base_copy("head.log", &ls);
	p = strstr(ls.l[6], "\"head\":\"");
	if (p != NULL)
		memset(p + 8, 'a', 64);
	save(tpath("head.log"), &ls);
	expect_bad(tpath("head.log"), NULL, 7, "seal head does not match "
	    "line 6", "seal head changed");
	drop(&ls);

	base_copy("noseal.log", &ls);
	del_line(&ls, 7);
	save(tpath("noseal.log"), &ls);
	expect_bad(tpath("noseal.log"), NULL, 1, "the log has no seal",
	    "the only seal cut off");
	drop(&ls);

	base_copy("torn.log", &ls);
	ls.l[6][strlen(ls.l[6]) - 1] = '\0';
	save(tpath("torn.log"), &ls);
	expect_bad(tpath("torn.log"), NULL, 7, "no newline at the end",
	    "last line torn");
	drop(&ls);
}

/* A log with two seals: 3 entries, seal (4), 3 entries, seal (8). */
static void
test_cut_tail(void)
{
	struct audit_report r;
	unsigned char full[32];
	struct lines ls;
	char p[512];

	snprintf(p, sizeof(p), "%s", tpath("two.log"));
	unlink(p);
	write_log(p, "pki-test", 3, sk1);
	write_log(p, "pki-test", 3, sk1);
	CHECK_RC(audit_verify(p, pk1, &r), 0, "two-seal log verifies");
	CHECK(r.entries == 6 && r.seals == 2, "6 entries, 2 seals");
	memcpy(full, r.head, 32);

	load(p, &ls);
	del_line(&ls, 8);
	save(tpath("cutseal.log"), &ls);
	expect_bad(tpath("cutseal.log"), NULL, 5, "entries after the last "
	    "seal are not sealed (line 5)", "final seal cut off");
	drop(&ls);

	load(p, &ls);
	while (ls.n > 4)
		del_line(&ls, ls.n);
	save(tpath("cut4.log"), &ls);
	CHECK_RC(audit_verify(tpath("cut4.log"), pk1, &r), 0,
	    "a log cut back to its first seal still verifies");
	CHECK(r.seals == 1 && memcmp(r.head, full, 32) != 0,
	    "but its head differs from the one written down");
	drop(&ls);

	load(p, &ls);
	del_line(&ls, 7);
	save(tpath("cut7.log"), &ls);
	expect_bad(tpath("cut7.log"), NULL, 7, "seq 8 where 7 expected",
	    "entry before the final seal removed");
	drop(&ls);
}

static void
test_forged_seal(void)
{
	struct audit_report r;
	struct audit *a = NULL;
	char p[512];

	snprintf(p, sizeof(p), "%s", tpath("forge.log"));
	unlink(p);
	write_log(p, "pki-test", 4, sk1);
	/* Someone with the writer code but not the key adds and re-seals. */
	CHECK_RC(audit_open(p, "pki-test", 0, &a), 0, "reopen to forge");
	if (a != NULL) {
		audit_append(a, "step", "\"note\":\"forged\"");
		audit_seal(a, sk2);
		audit_close(a);
	}
	CHECK_RC(audit_verify(p, NULL, &r), 0,
	    "unpinned: a later seal by another key verifies");
	CHECK(r.key_changes == 1 && memcmp(r.key, pk2, 32) == 0,
	    "the report shows the key change and the last key");
	expect_bad(p, pk1, 7, "not by the pinned key",
	    "pinned: the forged final seal is refused");
	CHECK_RC(audit_verify(p, pk2, &r), 0,
	    "pinning the last seal's key accepts the log");

	unlink(tpath("rewrite.log"));
	write_log(tpath("rewrite.log"), "pki-test", 5, sk2);
	expect_bad(tpath("rewrite.log"), pk1, 6, "not by the pinned key",
	    "a wholly rewritten log sealed by another key");
}

static void
test_misuse(void)
{
	struct audit_report r;
	struct audit *a = NULL;
	struct stat st1, st2;
	char p[512], *big;

	snprintf(p, sizeof(p), "%s", tpath("misuse.log"));
	unlink(p);
	CHECK_RC(audit_open(p, "pki-test", 0, &a), ERR_NOINPUT,
	    "missing log without create");
	CHECK_RC(audit_verify(p, NULL, &r), ERR_NOINPUT, "verify missing log");
	CHECK_RC(audit_open(p, "pki test", 1, &a), ERR_INTERNAL,
	    "bad program name");
	CHECK_RC(audit_open(p, "pki-test", 1, &a), 0, "create");
	if (a == NULL)
		return;
	CHECK_RC(audit_seal(a, sk1), ERR_DATA, "sealing an empty log refused");
	audit_close(a);
	expect_bad(p, NULL, 0, "the log is empty", "empty log");
	audit_open(p, "pki-test", 1, &a);
	audit_append(a, "ok", NULL);
	stat(p, &st1);
	CHECK_RC(audit_append(a, "seal", NULL), ERR_DATA, "action seal");
	CHECK_RC(audit_append(a, "Bad Action", NULL), ERR_DATA,
	    "action with space and capitals");
	CHECK_RC(audit_append(a, "x", "\"prev\":\"00\""), ERR_DATA,
	    "members repeating prev");
	CHECK_RC(audit_append(a, "x", "\"seq\":9"), ERR_DATA,
	    "members repeating seq");
	CHECK_RC(audit_append(a, "x", "\"a\":"), ERR_DATA,
	    "malformed members");
	CHECK_RC(audit_append(a, "x", "\"a\":1}\n{\"b\":2"), ERR_DATA,
	    "members with a newline");
	CHECK_RC(audit_append(a, "x", "\"a\":1},{\"b\":2"), ERR_DATA,
	    "members closing the object");
	if ((big = malloc(AUDIT_LINE_MAX + 16)) != NULL) {
		memset(big, 'x', AUDIT_LINE_MAX + 15);
		memcpy(big, "\"big\":\"", 7);
		memcpy(big + AUDIT_LINE_MAX + 13, "\"", 2);
		CHECK_RC(audit_append(a, "x", big), ERR_DATA,
		    "an entry longer than AUDIT_LINE_MAX refused");
		free(big);
	}
	stat(p, &st2);
	CHECK(st1.st_size == st2.st_size, "nothing written by refused calls");
	CHECK_RC(audit_seal(a, sk1), 0, "seal");
	audit_close(a);
	CHECK_RC(audit_verify(p, pk1, &r), 0, "log still verifies");

	CHECK(symlink(p, tpath("link.log")) == 0, "make a symlink");
	CHECK_RC(audit_open(tpath("link.log"), "pki-test", 0, &a), ERR_IO,
	    "symlinked log refused");
	CHECK_RC(audit_open(tpath("torn.log"), "pki-test", 0, &a), ERR_DATA,
	    "writer refuses a log with a torn last line");
	audit_close(NULL);
}

/* An entry and its seal in one write: two lines, as the two calls
 * would write them; a refused entry leaves nothing. */
static void
test_append_sealed(void)
{
	struct audit_report r;
	struct audit *a = NULL;
	struct stat st1, st2;
	unsigned char last[32], head[32];
	struct lines ls;
	char p[512];

	snprintf(p, sizeof(p), "%s", tpath("sealed.log"));
	unlink(p);
	CHECK_RC(write_log(p, "pki-test", 2, sk1), 0, "base log");
	CHECK_RC(audit_open(p, "pki-test", 0, &a), 0, "reopen");
	if (a == NULL)
		return;
	stat(p, &st1);
	CHECK_RC(audit_append_sealed(a, "seal", NULL, sk1), ERR_DATA,
	    "action seal refused");
	CHECK_RC(audit_append_sealed(a, "x", "\"seq\":9", sk1), ERR_DATA,
	    "members repeating seq refused");
	{
		unsigned char bad[64];

		memcpy(bad, sk1, 32);
		memcpy(bad + 32, pk2, 32);
		CHECK_RC(audit_append_sealed(a, "x", NULL, bad), ERR_INTERNAL,
		    "a key whose public half is another key's refused");
		CHECK_RC(audit_seal(a, bad), ERR_INTERNAL,
		    "by audit_seal() too");
		sodium_memzero(bad, sizeof(bad));
	}
	stat(p, &st2);
	CHECK(st1.st_size == st2.st_size, "nothing written by refused calls");
	CHECK_RC(audit_append_sealed(a, "issue", "\"serial\":\"01\"", sk1),
	    0, "entry and seal");
	CHECK(audit_seq(a) == 5 && audit_head(a, head) == 0, "seq 5 after it");
	audit_close(a);
	CHECK_RC(audit_verify(p, pk1, &r), 0, "the log verifies");
	CHECK(r.entries == 3 && r.seals == 2 && r.sealed_at_end,
	    "3 entries and 2 seals, sealed at the end");
	load(p, &ls);
	CHECK(ls.n == 5 && strncmp(ls.l[3], "{\"seq\":4,", 9) == 0 &&
	    strstr(ls.l[3], "\"action\":\"issue\",\"serial\":\"01\"") &&
	    strncmp(ls.l[4], "{\"seq\":5,", 9) == 0 &&
	    strstr(ls.l[4], "\"action\":\"seal\""), "line 4 is the entry, "
	    "line 5 its seal");
	if (ls.n == 5) {
		crypto_hash_sha256(last, (const unsigned char *)ls.l[4],
		    strlen(ls.l[4]) - 1);
		CHECK(memcmp(last, head, 32) == 0 &&
		    memcmp(r.head, head, 32) == 0, "the writer's head is the "
		    "hash of the seal line");
	}
	drop(&ls);
}

struct count {
	unsigned long a, b;
};

static int
count_writers(void *arg, unsigned long lineno, const char *line,
    size_t len)
{
	struct count *c = arg;

	(void)lineno;
	(void)len;
	if (strstr(line, "\"program\":\"writer-a\"") != NULL)
		c->a++;
	if (strstr(line, "\"program\":\"writer-b\"") != NULL)
		c->b++;
	return 0;
}

static void
child(const char *path, const char *program)
{
	struct audit *a;
	int i;

	for (i = 0; i < 200; i++) {
		if (audit_open(path, program, 1, &a) != 0)
			_exit(1);
		if (audit_append(a, "step", "\"n\":1") != 0)
			_exit(2);
		audit_close(a);
	}
	_exit(0);
}

static void
test_concurrent(void)
{
	char p[512];
	struct audit_report r;
	struct audit *a = NULL;
	struct count c = { 0, 0 };
	int st1 = -1, st2 = -1;
	pid_t p1, p2;

	snprintf(p, sizeof(p), "%s", tpath("concurrent.log"));
	unlink(p);
	fflush(stdout);
	if ((p1 = fork()) == 0)
		child(p, "writer-a");
	if ((p2 = fork()) == 0)
		child(p, "writer-b");
	if (p1 > 0)
		waitpid(p1, &st1, 0);
	if (p2 > 0)
		waitpid(p2, &st2, 0);
	CHECK(p1 > 0 && p2 > 0 && WIFEXITED(st1) && WEXITSTATUS(st1) == 0 &&
	    WIFEXITED(st2) && WEXITSTATUS(st2) == 0,
	    "two writers of 200 entries each finish");
	if (audit_open(p, "pki-test", 0, &a) == 0) {
		audit_seal(a, sk1);
		audit_close(a);
	}
	CHECK_RC(audit_verify(p, pk1, &r), 0, "interleaved log verifies");
	CHECK(r.entries == 400 && r.seals == 1, "400 entries (got %lu)",
	    r.entries);
	CHECK_RC(audit_each(p, count_writers, &c), 0, "walk the lines");
	CHECK(c.a == 200 && c.b == 200, "200 from each writer (%lu, %lu)",
	    c.a, c.b);
}

static void
cleanup(void)
{
	static const char *const names[] = {
		"good.log", "edit.log", "del.log", "ins.log", "dup.log",
		"front.log", "junk.log", "key.log", "sig.log", "noseal.log",
		"torn.log", "head.log", "two.log", "cutseal.log", "cut4.log", "cut7.log",
		"forge.log", "rewrite.log", "misuse.log", "link.log",
		"concurrent.log", "sealed.log"
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(tpath(names[i]));
	CHECK(rmdir(dir) == 0, "scratch directory left empty");
}

int
main(void)
{
	unsigned char seed[32];
	const char *tmp = getenv("TMPDIR");

	if (secmem_init() != 0)
		return 70;
	snprintf(dir, sizeof(dir), "%s/test_audit.XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return 74;
	sk1 = secmem_alloc(64);
	sk2 = secmem_alloc(64);
	memset(seed, 1, sizeof(seed));
	crypto_sign_seed_keypair(pk1, sk1, seed);
	memset(seed, 2, sizeof(seed));
	crypto_sign_seed_keypair(pk2, sk2, seed);

	test_good();
	test_seal_format();
	test_tamper();
	test_seal_tamper();
	test_cut_tail();
	test_forged_seal();
	test_misuse();
	test_append_sealed();
	test_concurrent();
	cleanup();
	secmem_free(sk1);
	secmem_free(sk2);
	return harness_done();
}
