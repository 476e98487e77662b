/*
 * transcript.c: the ceremony transcript and its session key.
 *
 * Never logs secrets: only hashes, fingerprints, set ids, commitments,
 * names and outcomes.  The session secret key lives in secmem and is
 * wiped at close.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit.h"
#include "backup.h"
#include "err.h"
#include "fileio.h"
#include "pgpwords.h"
#include "secmem.h"
#include "transcript.h"

struct transcript {
	struct audit *log;
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char *sk;	/* secmem, crypto_sign_SECRETKEYBYTES */
};

void
transcript_hex(const unsigned char *buf, size_t len, char *out)
{
	sodium_bin2hex(out, len * 2 + 1, buf, len);
}

int
transcript_self_sha256(unsigned char digest[32])
{
	return fileio_sha256("/proc/self/exe", digest);
}

int
transcript_self_hex(char hex[65])
{
	unsigned char self[32];
	int ret;

	if ((ret = transcript_self_sha256(self)) != 0)
		return ret;
	transcript_hex(self, sizeof(self), hex);
	return 0;
}

static int
log_start(struct transcript *t, int rehearsal, const struct envgate *gate,
    const unsigned char *config_sha256)
{
	char hex[65], summary[128];
	struct json_buf *j = NULL;
	int ret;

	if ((ret = json_new(&j)) != 0)
		return ret;
	json_add_str(j, "tool_version", PKI_VERSION);
	/* The witnesses compare this with the kit's manifest: no entry
	 * without it. */
	if ((ret = transcript_self_hex(hex)) != 0)
		goto out;
	json_add_str(j, "binary_sha256", hex);
	json_add_bool(j, "rehearsal", rehearsal);
	envgate_summary(gate, summary, sizeof(summary));
	json_add_str(j, "environment", summary);
	json_add_str(j, "utc_at_start", gate->utc);
	if (config_sha256 != NULL) {
		transcript_hex(config_sha256, 32, hex);
		json_add_str(j, "config_sha256", hex);
	}
	transcript_hex(t->pk, sizeof(t->pk), hex);
	json_add_str(j, "session_key", hex);
	ret = transcript_add(t, "start", j);
out:
	json_free(j);
	return ret;
}

int
transcript_open(const char *path, const char *program, int rehearsal,
    const struct envgate *gate, const unsigned char *config_sha256,
    struct transcript **out)
{
	struct transcript *t;
	int ret;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if ((t->sk = secmem_alloc(crypto_sign_SECRETKEYBYTES)) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of locked memory");
		goto out;
	}
	crypto_sign_keypair(t->pk, t->sk);
	if ((ret = audit_open(path, program, !fileio_exists(path),
	    &t->log)) != 0)
		goto out;
	if ((ret = log_start(t, rehearsal, gate, config_sha256)) != 0)
		goto out;
	*out = t;
	t = NULL;
out:
	transcript_close(t);
	return ret;
}

int
transcript_add(struct transcript *t, const char *action, struct json_buf *j)
{
	const char *text = NULL;
	size_t len;
	int ret;

	if (j != NULL && (ret = json_text(j, &text, &len)) != 0)
		return ret;
	return audit_append(t->log, action, text);
}

int
transcript_note(struct transcript *t, const char *action, const char *detail)
{
	struct json_buf *j = NULL;
	int ret;

	if ((ret = json_new(&j)) != 0)
		return ret;
	json_add_str(j, "detail", detail);
	ret = transcript_add(t, action, j);
	json_free(j);
	return ret;
}

const unsigned char *
transcript_public_key(const struct transcript *t)
{
	return t->pk;
}

const unsigned char *
transcript_secret_key(const struct transcript *t)
{
	return t->sk;
}

int
transcript_seal(struct transcript *t, struct transcript_digest *d)
{
	unsigned char head[32];
	int ret;

	memset(d, 0, sizeof(*d));
	if ((ret = audit_seal(t->log, t->sk)) != 0 ||
	    (ret = audit_head(t->log, head)) != 0)
		return ret;
	transcript_hex(head, sizeof(head), d->hex);
	transcript_hex(t->pk, sizeof(t->pk), d->key_hex);
	return pgpwords_format(head, sizeof(head), &d->words);
}

int
transcript_seal_text(struct transcript *t, char *buf, size_t len)
{
	struct transcript_digest d;
	int ret;

	if ((ret = transcript_seal(t, &d)) != 0)
		return ret;
	snprintf(buf, len, "Transcript digest (write it on the paper "
	    "script):\n  %s\n  %s\nSealed with session key %s\n", d.hex,
	    d.words, d.key_hex);
	free(d.words);
	return 0;
}

void
transcript_close(struct transcript *t)
{
	if (t == NULL)
		return;
	audit_close(t->log);
	secmem_free(t->sk);
	free(t);
}

int
transcript_log_backup(struct transcript *t, const unsigned char *backup,
    size_t len, const char *const *custodians)
{
	struct backup_header hdr;
	unsigned char digest[32];
	char hex[65], *commit[BACKUP_MAX_SHARES] = { NULL };
	struct json_buf *j = NULL;
	unsigned i;
	int ret;

	/* Parse what was sealed: the header logged is the one on disk. */
	if ((ret = backup_parse(backup, len, "the new backup", &hdr)) != 0 ||
	    (ret = json_new(&j)) != 0)
		goto out;
	crypto_hash_sha256(digest, backup, len);
	transcript_hex(digest, sizeof(digest), hex);
	json_add_str(j, "backup_sha256", hex);
	transcript_hex(hdr.set_id, sizeof(hdr.set_id), hex);
	json_add_str(j, "set_id", hex);
	json_add_int(j, "threshold", hdr.m);
	json_add_int(j, "shares", hdr.n);
	for (i = 0; i < hdr.n; i++) {
		if ((commit[i] = malloc(2 * BACKUP_COMMIT_LEN + 1)) == NULL) {
			ret = err_set(ERR_INTERNAL, "out of memory");
			goto out;
		}
		transcript_hex(hdr.commitments[i], BACKUP_COMMIT_LEN,
		    commit[i]);
	}
	json_add_str_array(j, "commitments", (const char *const *)commit,
	    hdr.n);
	json_add_str_array(j, "custodians", custodians, hdr.n);
	ret = transcript_add(t, "backup", j);
out:
	for (i = 0; i < BACKUP_MAX_SHARES; i++)
		free(commit[i]);
	json_free(j);
	return ret;
}
