/*
 * audit.h: hash-chained, sealed logs (the ceremony transcript, and
 * audit.log in each online CA directory).
 *
 * A log is a file of JSON lines.  Every line is one entry:
 *
 *   {"seq":N,"time":"2026-11-23T12:00:00Z","program":"pki-root-keygen",
 *    "version":"0.1.0","action":"keygen",<caller's members>,
 *    "prev":"<SHA-256 of the previous line>"}
 *
 * seq counts from 1 with no gaps; time is UTC, to the second; prev is
 * the lowercase hex SHA-256 of the previous line's bytes without its
 * newline (64 zeros on line 1), so that changing, inserting, removing or
 * reordering any line breaks the chain at the next one.  A seal is an
 * entry with action "seal" and the members
 *
 *   "head":"<SHA-256 of the previous line, hex>",
 *   "key":"<Ed25519 public key, hex>",
 *   "sig":"<Ed25519 signature, hex>"
 *
 * where sig signs the bytes "pki-audit-seal-v1" || seq in decimal ||
 * the 32 bytes of head.  A seal vouches for every line before it; the
 * chain carries the seal's authority back to line 1, so the last seal
 * vouches for the whole log.  Each ceremony program may seal with its
 * own session key, so the key may change from one seal to the next;
 * every seal must verify under the key it names.  Nothing after the
 * last seal is vouched for, and a log cut back to an earlier seal still
 * verifies: compare the head digest with the one the witnesses wrote
 * down (pki-audit verify --head), and pin the key of the last seal
 * (--key), since a forger can re-seal a rewritten log with a key of
 * his own.
 *
 * Nothing in a log is secret; the seal's secret key stays in the
 * caller's secmem.
 */
#ifndef PKI_AUDIT_H
#define PKI_AUDIT_H

#include <stddef.h>

/* The longest line accepted or written, newline excluded. */
#define AUDIT_LINE_MAX	65536

struct audit;

/*
 * Open the log at path for appending, as program (letters, digits,
 * ".", "_", "-"; at most 64).  With create non-zero a missing log is
 * created (O_EXCL, mode 0644 whatever the umask: logs are public);
 * otherwise it must exist.  Takes an exclusive flock() held until
 * audit_close(), so that concurrent writers never interleave, then
 * reads the last line to continue seq and the chain (the rest of the
 * log is not checked: that is audit_verify()'s job).  Symbolic links are
 * not followed.  Free *out with audit_close().  Returns 0,
 * ERR_NOINPUT (missing and create is 0), ERR_EXISTS (cannot create),
 * ERR_DATA (the last line is malformed or has no newline: a torn write,
 * repaired only by hand after pki-audit verify), ERR_IO, or
 * ERR_INTERNAL (also for a bad program name).
 */
int	audit_open(const char *path, const char *program, int create,
	    struct audit **out);

/*
 * Append one entry with the given action (lowercase letters, digits,
 * ".", "_", "-"; at most 64; not "seal") and members: already formatted
 * JSON members without braces, such as "\"serial\":\"01AB\"" from a
 * json.c member list, or NULL.  The members must not repeat seq, time,
 * program, version, action or prev.  The line is written with one
 * write() and fsync()ed; if the write fails the file is cut back to
 * where it was.  Returns 0, ERR_DATA (bad action or members, line longer
 * than AUDIT_LINE_MAX), ERR_IO or ERR_INTERNAL.
 */
int	audit_append(struct audit *a, const char *action,
	    const char *members);

/*
 * Append a seal over everything written so far, signed with the
 * Ed25519 secret key sk (libsodium's 64-byte form; secret, in the
 * caller's secmem, not copied).  Returns 0, ERR_DATA (the log is empty:
 * nothing to seal), ERR_IO or ERR_INTERNAL.
 */
int	audit_seal(struct audit *a, const unsigned char sk[64]);

/*
 * audit_append() and then audit_seal() with sk, the two lines written
 * with one write() and one fsync() instead of two each: the same bytes
 * as those two calls make in the same second.  If the write fails the
 * file is cut back, neither line stays.  Errors as for audit_append()
 * and audit_seal().
 */
int	audit_append_sealed(struct audit *a, const char *action,
	    const char *members, const unsigned char sk[64]);

/*
 * The SHA-256 of the last line of the log (32 zero bytes for an empty
 * log): the digest the witnesses write on the paper script after the
 * final seal.  Returns 0.
 */
int	audit_head(const struct audit *a, unsigned char digest[32]);

/* The seq of the last line, 0 for an empty log. */
unsigned long audit_seq(const struct audit *a);

/* Release the lock and close; NULL is accepted. */
void	audit_close(struct audit *a);

/*
 * The name of the user running the program, from the password database,
 * or "unknown": whom an online entry names as requester when the caller
 * names nobody.  Points into static storage; not for threads.
 */
const char *audit_login_name(void);

struct audit_report {
	unsigned long	entries;	/* lines that are not seals */
	unsigned long	seals;		/* seal lines */
	unsigned long	first_bad_line;	/* 0 if none */
	char		problem[256];	/* "line 7: ...", or "" */
	unsigned char	head[32];	/* SHA-256 of the last line */
	unsigned char	key[32];	/* the last seal's key, or zeros */
	int		sealed_at_end;	/* the last line is a seal */
	unsigned long	key_changes;	/* seals by another key than the
					   seal before them */
};

/*
 * Verify the whole log at path: every line well formed, seq 1, 2, 3...,
 * every prev the hash of the line before, every seal's head and
 * signature, a seal as the last line, and, if pinned_key (32 bytes) is
 * given, the last seal made by that key.  Reading stops at the
 * first problem: r->first_bad_line names the line, r->problem says what
 * is wrong in one sentence ("line 7: prev does not match line 6
 * (edited, inserted or removed entry)"), and the error message is
 * "<path> line 7: ..." (or "<path>: ..." when no one line is at fault).
 * Counts, head and key describe the lines read.  Returns 0 if the log
 * verifies, ERR_NO if it does not, ERR_NOINPUT (missing file), ERR_IO
 * or ERR_INTERNAL.
 */
int	audit_verify(const char *path, const unsigned char *pinned_key,
	    struct audit_report *r);

/*
 * Call fn(arg, lineno, line, len) for each line of the log at path, in
 * order, without its newline (line is NUL-terminated; len excludes the
 * NUL).  Does not check the chain.  A non-zero return from fn stops the
 * walk and is returned.  Returns 0, ERR_NOINPUT, ERR_DATA (a line
 * longer than AUDIT_LINE_MAX or without a newline), ERR_IO or
 * ERR_INTERNAL.
 */
int	audit_each(const char *path,
	    int (*fn)(void *arg, unsigned long lineno, const char *line,
	    size_t len), void *arg);

#endif
