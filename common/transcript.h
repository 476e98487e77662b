/*
 * transcript.h: the ceremony transcript, as the ceremony programs use it.
 *
 * A transcript is an audit log (audit.c) plus a signing key made for
 * this ceremony session: an Ed25519 key pair in locked memory that seals
 * the log at the end and signs the backup header.  Its private half is
 * never written anywhere; its public half is printed, logged and
 * embedded in the backup, so the witnesses can write it down.
 */
#ifndef PKI_TRANSCRIPT_H
#define PKI_TRANSCRIPT_H

#include "envgate.h"
#include "json.h"

struct transcript;

/*
 * Open (or continue) the transcript at path for program, make the
 * session key, and log a "start" entry: tool version, the SHA-256 of the
 * running binary, rehearsal or not, the environment gate's findings and
 * the config's SHA-256 (config_sha256 may be NULL).
 */
int	transcript_open(const char *path, const char *program, int rehearsal,
	    const struct envgate *gate, const unsigned char *config_sha256,
	    struct transcript **out);

/*
 * Append an entry: action plus the members built in j (NULL for none).
 * j is not freed.
 */
int	transcript_add(struct transcript *t, const char *action,
	    struct json_buf *j);

/* Append a one-member entry: action with "detail": text. */
int	transcript_note(struct transcript *t, const char *action,
	    const char *detail);

/* The session's Ed25519 keys (the secret key is secmem, 64 bytes). */
const unsigned char *transcript_public_key(const struct transcript *t);
const unsigned char *transcript_secret_key(const struct transcript *t);

/* What the witnesses write on the paper script after the seal. */
struct transcript_digest {
	char hex[65];		/* SHA-256 of the seal line */
	char *words;		/* the same in PGP words, malloc'd */
	char key_hex[65];	/* the session's public key */
};

/*
 * Seal the log with the session key and fill *d (free d->words with
 * free()).
 */
int	transcript_seal(struct transcript *t, struct transcript_digest *d);

/*
 * Seal, then format the lines the witnesses copy onto the paper script
 * into buf (the digest in hex and PGP words, the session key).
 */
int	transcript_seal_text(struct transcript *t, char *buf, size_t len);

/*
 * Log a sealed backup as it is on disk: its SHA-256, set id, M, N, the
 * per-share commitments and the custodians' names (n of them, from the
 * header).  Never share values.
 */
int	transcript_log_backup(struct transcript *t, const unsigned char *backup,
	    size_t len, const char *const *custodians);

/* Close; the session key is wiped.  NULL is accepted. */
void	transcript_close(struct transcript *t);

/* The SHA-256 of the running program's binary. */
int	transcript_self_sha256(unsigned char digest[32]);

/*
 * The same in lowercase hex, as the start entry records it
 * (binary_sha256) and as sha256sum and the kit's MANIFEST.sha256 print
 * it, so that a plan on screen can show it for the witnesses to compare.
 * Returns 0 or the error of fileio_sha256().
 */
int	transcript_self_hex(char hex[65]);

/* Lowercase hex of len bytes into out (2*len+1 bytes). */
void	transcript_hex(const unsigned char *buf, size_t len, char *out);

#endif
