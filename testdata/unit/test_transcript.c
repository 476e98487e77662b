/*
 * test_transcript.c: unit tests for common/transcript.c.
 *
 * Runs two ceremony sessions on one transcript in a temp directory, with
 * fabricated environment findings, and checks the file with audit.h.
 * Session one creates the log (0644), logs "start" (tool version, the
 * SHA-256 of this binary, rehearsal, the environment summary, the
 * gate's time, the config digest, the session key), adds entries and
 * seals: the digest is the log's head, in hex and 32 PGP words, and
 * names the session key; audit_verify() accepts the log pinned to that
 * key.  Session two continues seq and the chain, logs a sealed backup
 * (digest, set, M, N, the header's commitments and the custodians; a
 * truncated backup is ERR_DATA and logs nothing) and seals with a new
 * key through transcript_seal_text(); the whole log still verifies.
 * The session secret key matches the public key and its seed appears
 * nowhere in the log.  A log whose last line is torn is refused.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "audit.h"
#include "backup.h"
#include "err.h"
#include "fileio.h"
#include "harness.h"
#include "json.h"
#include "kekshare.h"
#include "keytype.h"
#include "secmem.h"
#include "transcript.h"
#include "x509.h"

#define MAXLINES	32

static char tmpdir[] = "/tmp/test_transcript.XXXXXX";
static char logpath[600];

struct lines {
	unsigned long	n;
	char		*line[MAXLINES];
};

static int
collect(void *arg, unsigned long lineno, const char *line, size_t len)
{
	struct lines *l = arg;

	(void)len;
	if (lineno != l->n + 1 || l->n == MAXLINES)
		return ERR_INTERNAL;
	if ((l->line[l->n] = strdup(line)) == NULL)
		return ERR_INTERNAL;
	l->n++;
	return 0;
}

static void
lines_free(struct lines *l)
{
	unsigned long i;

	for (i = 0; i < l->n; i++)
		free(l->line[i]);
	l->n = 0;
}

static int
read_lines(struct lines *l)
{
	memset(l, 0, sizeof(*l));
	return audit_each(logpath, collect, l);
}

/* 1 if member key of line is the string want. */
static int
member_is(const char *line, const char *key, const char *want)
{
	char *v = NULL;
	int ok;

	ok = json_get_str(line, strlen(line), key, &v) == 0 &&
	    strcmp(v, want) == 0;
	free(v);
	return ok;
}

static long long
member_int(const char *line, const char *key)
{
	long long v = -1;

	if (json_get_int(line, strlen(line), key, &v) != 0)
		return -1;
	return v;
}

static struct envgate
gate(int network)
{
	struct envgate g;

	memset(&g, 0, sizeof(g));
	g.network_up = network;
	if (network)
		snprintf(g.interface, sizeof(g.interface), "eth0");
	g.mlock_ok = 1;
	snprintf(g.utc, sizeof(g.utc), "2026-11-23T12:00:00Z");
	return g;
}

static void
check_start(const char *line, const unsigned char pk[32],
    const unsigned char *cfg)
{
	unsigned char self[32];
	char hex[65];

	CHECK(member_is(line, "action", "start") &&
	    member_is(line, "program", "pki-root-keygen"),
	    "line 1 is the start entry of pki-root-keygen");
	CHECK(member_is(line, "tool_version", PKI_VERSION),
	    "start: tool_version");
	if (fileio_sha256("/proc/self/exe", self) == 0) {
		transcript_hex(self, 32, hex);
		CHECK(member_is(line, "binary_sha256", hex),
		    "start: binary_sha256 is this binary's SHA-256");
	}
	transcript_hex(pk, 32, hex);
	CHECK(member_is(line, "session_key", hex),
	    "start: session_key is the public key");
	transcript_hex(cfg, 32, hex);
	CHECK(member_is(line, "config_sha256", hex), "start: config_sha256");
	CHECK(member_is(line, "environment",
	    "network=down core_dumps=off mlock=ok") &&
	    member_is(line, "utc_at_start", "2026-11-23T12:00:00Z"),
	    "start: the gate's findings and time");
	CHECK(strstr(line, "\"rehearsal\":true") != NULL, "start: rehearsal");
}

/* The log does not contain the secret seed in hex. */
static int
secret_absent(const unsigned char *sk)
{
	unsigned char *buf = NULL;
	size_t len;
	char hex[65];
	int ok;

	if (fileio_read(logpath, 1 << 20, &buf, &len) != 0)
		return 0;
	/* libsodium's secret key is seed || public key: look for the seed. */
	transcript_hex(sk, 32, hex);
	ok = strstr((char *)buf, hex) == NULL;
	free(buf);
	return ok;
}

static void
check_seal(const unsigned char pk[32], const struct transcript_digest *d)
{
	struct audit_report r;
	char hex[65];
	const char *p;
	int words = 0;

	CHECK_RC(audit_verify(logpath, pk, &r), 0,
	    "the transcript verifies, pinned to the session key");
	CHECK(r.entries == 3 && r.seals == 1 && r.sealed_at_end,
	    "3 entries and a seal at the end (%lu, %lu)", r.entries, r.seals);
	transcript_hex(r.head, 32, hex);
	CHECK(strcmp(d->hex, hex) == 0, "the digest is the log's head");
	transcript_hex(pk, 32, hex);
	CHECK(strcmp(d->key_hex, hex) == 0, "the digest names the session key");
	for (p = d->words; p != NULL && *p != '\0'; p++)
		if (*p != ' ' && (p == d->words || p[-1] == ' '))
			words++;
	CHECK(words == 32, "the digest in 32 PGP words (%d)", words);
}

static void
session_one(unsigned char pk[32])
{
	static const unsigned char cfg[32] = { 0xc0, 0xff, 0xee };
	struct envgate g = gate(0);
	struct transcript *t = NULL;
	struct json_buf *j = NULL;
	struct transcript_digest d;
	struct lines l;
	unsigned char derived[32];
	struct stat st;

	CHECK_RC(transcript_open(logpath, "pki-root-keygen", 1, &g, cfg, &t), 0,
	    "open a new transcript");
	if (t == NULL)
		return;
	memcpy(pk, transcript_public_key(t), 32);
	CHECK(crypto_sign_ed25519_sk_to_pk(derived, transcript_secret_key(t))
	    == 0 && memcmp(derived, pk, 32) == 0,
	    "the secret key belongs to the public key");
	CHECK(stat(logpath, &st) == 0 && (st.st_mode & 0777) == 0644,
	    "the log is created 0644");
	CHECK_RC(transcript_note(t, "keygen", "p256 in token root"), 0,
	    "transcript_note");
	if (json_new(&j) == 0) {
		json_add_str(j, "serial", "01AB");
		json_add_int(j, "years", 25);
		CHECK_RC(transcript_add(t, "root-cert", j), 0,
		    "transcript_add");
		json_free(j);
	}
	memset(&d, 0, sizeof(d));
	CHECK_RC(transcript_seal(t, &d), 0, "transcript_seal");
	CHECK(secret_absent(transcript_secret_key(t)),
	    "the secret key is nowhere in the log");
	transcript_close(t);
	check_seal(pk, &d);
	free(d.words);
	if (read_lines(&l) == 0 && l.n == 4) {
		check_start(l.line[0], pk, cfg);
		CHECK(member_is(l.line[1], "action", "keygen") &&
		    member_is(l.line[1], "detail", "p256 in token root"),
		    "line 2 is the note");
		CHECK(member_is(l.line[2], "serial", "01AB") &&
		    member_int(l.line[2], "years") == 25,
		    "line 3 holds the added members");
	} else
		CHECK(0, "the log has 4 lines (%lu)", l.n);
	lines_free(&l);
}

/* A sealed 3-of-5 backup signed by t's session key. */
static int
make_backup(struct transcript *t, unsigned char **backup, size_t *len)
{
	static const char *const names[5] = { "A", "B", "C", "D", "E" };
	struct kekshare_params p;
	EVP_PKEY *key = NULL;
	unsigned char *p8 = NULL, fpr[32];
	struct share *shares = NULL;
	size_t p8len;
	int ret;

	if ((ret = keytype_generate(KEY_P256, &key)) != 0 ||
	    (ret = x509_private_der(key, &p8, &p8len)) != 0 ||
	    (ret = x509_spki_sha256(key, fpr)) != 0)
		goto out;
	memset(&p, 0, sizeof(p));
	p.m = 3;
	p.n = 5;
	p.custodians = names;
	p.fingerprint = fpr;
	p.key_type = KEY_P256;
	p.signer_sk = transcript_secret_key(t);
	p.signer_pk = transcript_public_key(t);
	ret = kekshare_create(p8, p8len, &p, backup, len, &shares);
out:
	secmem_free(shares);
	secmem_free(p8);
	EVP_PKEY_free(key);
	return ret;
}

static void
check_backup_entry(const char *line, const unsigned char *backup,
    size_t len)
{
	static const char custodians[] =
	    "\"custodians\":[\"Alice\",\"Bob\",\"Carol\",\"Dave\",\"Eve\"]";
	struct backup_header hdr;
	unsigned char digest[32];
	char hex[65], commits[6 * 35 + 32] = "\"commitments\":[";
	unsigned i;

	CHECK(member_is(line, "action", "backup"), "the backup entry");
	crypto_hash_sha256(digest, backup, len);
	transcript_hex(digest, 32, hex);
	CHECK(member_is(line, "backup_sha256", hex), "backup: its SHA-256");
	if (backup_parse(backup, len, "b", &hdr) != 0)
		return;
	transcript_hex(hdr.set_id, sizeof(hdr.set_id), hex);
	CHECK(member_is(line, "set_id", hex), "backup: set_id");
	CHECK(member_int(line, "threshold") == 3 &&
	    member_int(line, "shares") == 5, "backup: threshold and shares");
	for (i = 0; i < 5; i++) {
		transcript_hex(hdr.commitments[i], BACKUP_COMMIT_LEN, hex);
		snprintf(commits + strlen(commits), sizeof(commits) -
		    strlen(commits), "%s\"%s\"", i ? "," : "", hex);
	}
	snprintf(commits + strlen(commits), sizeof(commits) - strlen(commits),
	    "]");
	CHECK(strstr(line, commits) != NULL,
	    "backup: the five commitments of the header, in order");
	CHECK(strstr(line, custodians) != NULL, "backup: the custodians");
}

/* Lines 5 and 6 of the log after session two (7 lines in all). */
static void
check_two_lines(const unsigned char *backup, size_t len)
{
	unsigned char head[32];
	struct lines l;
	char hex[65], *cfg = NULL;

	if (read_lines(&l) != 0 || l.n != 7) {
		CHECK(0, "the log has 7 lines (%lu)", l.n);
		lines_free(&l);
		return;
	}
	crypto_hash_sha256(head, (unsigned char *)l.line[3],
	    strlen(l.line[3]));
	transcript_hex(head, 32, hex);
	CHECK(member_int(l.line[4], "seq") == 5 &&
	    member_is(l.line[4], "prev", hex) &&
	    member_is(l.line[4], "action", "start") &&
	    member_is(l.line[4], "program", "pki-shares"),
	    "line 5 starts session two and chains to the seal");
	CHECK(member_is(l.line[4], "environment",
	    "network=up(eth0) core_dumps=off mlock=ok") &&
	    strstr(l.line[4], "\"rehearsal\":false") != NULL,
	    "session two's start: its findings, not a rehearsal");
	CHECK(json_get_str(l.line[4], strlen(l.line[4]), "config_sha256",
	    &cfg) == ERR_NO, "no config_sha256 when none is given");
	free(cfg);
	if (backup != NULL)
		check_backup_entry(l.line[5], backup, len);
	lines_free(&l);
}

static void
session_two(const unsigned char pk1[32])
{
	static const char *const custodians[5] = { "Alice", "Bob", "Carol",
	    "Dave", "Eve" };
	struct envgate g = gate(1);
	struct transcript *t = NULL;
	unsigned char *backup = NULL, pk2[32];
	struct audit_report r;
	size_t len = 0;
	char hex[65], text[1024];

	CHECK_RC(transcript_open(logpath, "pki-shares", 0, &g, NULL, &t), 0,
	    "reopen the transcript");
	if (t == NULL)
		return;
	memcpy(pk2, transcript_public_key(t), 32);
	CHECK(memcmp(pk1, pk2, 32) != 0, "a new session has a new key");
	CHECK_RC(make_backup(t, &backup, &len), 0, "seal a backup");
	if (backup != NULL) {
		CHECK_RC(transcript_log_backup(t, backup, len, custodians), 0,
		    "transcript_log_backup");
		CHECK_RC(transcript_log_backup(t, backup, len - 1, custodians),
		    ERR_DATA, "a truncated backup is ERR_DATA");
	}
	CHECK_RC(transcript_seal_text(t, text, sizeof(text)), 0,
	    "seal again, as text");
	transcript_close(t);
	CHECK_RC(audit_verify(logpath, pk2, &r), 0,
	    "the continued transcript verifies under the new key");
	transcript_hex(r.head, 32, hex);
	CHECK(strstr(text, hex) != NULL, "the text holds the head digest");
	transcript_hex(pk2, 32, hex);
	CHECK(strstr(text, hex) != NULL, "the text holds the session key");
	CHECK(r.entries == 5 && r.seals == 2 && r.key_changes == 1 &&
	    r.sealed_at_end, "5 entries, 2 seals by 2 keys (%lu, %lu, %lu)",
	    r.entries, r.seals, r.key_changes);
	check_two_lines(backup, len);
	free(backup);
}

static void
test_torn(void)
{
	struct envgate g = gate(0);
	struct transcript *t = (struct transcript *)1;
	char *torn = fileio_join(tmpdir, "torn.log");

	if (torn == NULL ||
	    fileio_write_new(torn, "{\"seq\":1", 8, 0644) != 0) {
		CHECK(0, "write a torn log");
		free(torn);
		return;
	}
	CHECK_RC(transcript_open(torn, "pki-shares", 0, &g, NULL, &t),
	    ERR_DATA, "a log with a torn last line is ERR_DATA");
	CHECK(t == NULL, "and gives no transcript");
	unlink(torn);
	free(torn);
}

static void
test_helpers(void)
{
	static const unsigned char b[3] = { 0x00, 0xff, 0x1a };
	unsigned char d1[32], d2[32];
	char hex[7];

	transcript_hex(b, 3, hex);
	CHECK(strcmp(hex, "00ff1a") == 0, "transcript_hex (\"%s\")", hex);
	CHECK(transcript_self_sha256(d1) == 0 &&
	    fileio_sha256("/proc/self/exe", d2) == 0 &&
	    memcmp(d1, d2, 32) == 0, "transcript_self_sha256");
	transcript_close(NULL);
}

int
main(void)
{
	unsigned char pk1[32];

	if (secmem_init() != 0 || mkdtemp(tmpdir) == NULL) {
		printf("setup: %s\n", err_msg());
		return 1;
	}
	snprintf(logpath, sizeof(logpath), "%s/transcript.log", tmpdir);
	test_helpers();
	session_one(pk1);
	session_two(pk1);
	test_torn();
	unlink(logpath);
	rmdir(tmpdir);
	return harness_done();
}
