/*
 * db.h: the online CA's inventory, one SQLite file per CA directory.
 *
 * The inventory records every serial the CA has drawn (pending before
 * the CA key signs, then issued or failed), revocations, the public
 * keys blocked after a keyCompromise, the last CRL number per shard and
 * the state of each pre-signed OCSP response.  man/pki-inventory.5
 * documents the schema for operators who query it with sqlite3.
 *
 * Durability: a handle commits with synchronous=FULL, so a successful
 * db_commit() (or a successful write outside db_begin()) is on disk
 * before it returns; a tool may print success after it.  The one
 * exception is db_reserve() outside a transaction, see there.
 *
 * The WAL is copied into the database every 64 MiB and when a handle
 * that wrote more than a little closes, not at every close: so the
 * inventory's -wal and -shm files stay beside it, and a copy of the
 * main file alone may lack the last changes (use sqlite3's .backup).
 *
 * Concurrency: several processes may use one inventory at once.  Writes
 * take the write lock up front (BEGIN IMMEDIATE); a writer that finds
 * the inventory locked waits with a jittered back-off for up to
 * DB_BUSY_MS in all (SQLITE_BUSY and SQLITE_LOCKED are retried), and
 * only then fails with ERR_IO.  Readers never wait for writers (WAL).
 * A handle belongs to one thread at a time and must not cross fork().
 *
 * Every error message names the inventory's path.  Nothing here prints
 * and nothing in the inventory is secret (no private key ever goes in).
 */
#ifndef PKI_DB_H
#define PKI_DB_H

#include <stddef.h>

/* How long a writer waits for the write lock before giving up. */
#define DB_BUSY_MS		30000

/* Longest serial: 20 bytes in uppercase hex. */
#define DB_SERIAL_MAX		40

struct db;

/*
 * One row of certs.  Strings are never NULL ("" where the inventory
 * holds nothing, as for the subject of a pending row).  Times are Unix
 * seconds, 0 where unset.  reason is the RFC 5280 CRLReason code, -1 if
 * not revoked.  der is NULL unless the row is issued or revoked (and,
 * in db_each(), unless the filter asked for it).
 */
struct db_cert {
	char		 serial[DB_SERIAL_MAX + 1];
	char		 status[10];	/* pending, issued, ... */
	char		*profile;
	char		*subject;
	char		*sans;		/* JSON array text */
	char		*requester;
	long long	 not_before;
	long long	 not_after;
	long long	 created;
	long long	 revoked_at;
	int		 reason;
	int		 crl_shard;
	char		 spki_sha256[65];	/* lowercase hex */
	unsigned char	*der;
	size_t		 derlen;
	long long	 ocsp_this_update;	/* 0: no response yet */
	long long	 ocsp_next_update;	/* 0: due now */
	char		 ocsp_status_hash[65];	/* "" if none */
};

/*
 * Which rows db_each() visits.  A zeroed struct visits every row; each
 * set field narrows the walk (all must hold).
 */
struct db_filter {
	const char	*status;	/* one status, NULL: any */
	const char	*profile;	/* exact profile name, NULL: any */
	const char	*name;		/* substring of subject or SANs
					   (ASCII case-insensitive) */
	long long	 expiring_before;	/* not_after < this */
	long long	 not_expired_at;	/* not_after > this */
	long long	 ocsp_due_before;	/* the due walk: */
					/* ocsp_next_update < this */
	int		 revoked_only;
	int		 by_shard;	/* only crl_shard == shard */
	int		 shard;
	int		 with_der;	/* fill der and derlen */
	int		 lean;		/* fill only serial, status,
					   not_after, revoked_at, reason,
					   crl_shard (and ocsp_next_update
					   in a due walk); see db_each() */
	size_t		 limit;		/* paging: at most this many */
	const struct db_cert *after;	/* paging: resume after it */
};
/*
 * Open the inventory at path.  With create non-zero a missing file is
 * created (mode 0644 less the umask) and given the current schema;
 * an older schema is migrated in place.  Symbolic links are refused.
 * Free *out with db_close().  Returns 0, ERR_NOINPUT (missing and create
 * is 0), ERR_DATA ("not a pki inventory": another SQLite file, an empty
 * file when create is 0, not a regular file, a damaged file, or a schema
 * newer than this program), ERR_IO, or ERR_INTERNAL.
 */
int	db_open(const char *path, int create, struct db **out);

/* Close the handle (rolling back an open transaction); NULL is fine. */
void	db_close(struct db *db);

/*
 * With durable 0, commits from now on do not wait for the disk
 * (synchronous=NORMAL: a commit survives a crash of the process, and
 * reaches the disk with the next durable commit on this inventory);
 * with 1, back to the default.  Only between transactions
 * (ERR_INTERNAL otherwise).  For a transaction of pending rows, which
 * may be lost in a power cut because nothing certified under them has
 * left the process yet (see db_reserve()).  Errors as db_commit().
 */
int	db_set_durable(struct db *db, int durable);

/*
 * Transactions.  db_begin() takes the write lock (BEGIN IMMEDIATE),
 * waiting as described above; transactions do not nest (ERR_INTERNAL).
 * db_commit() makes everything since db_begin() durable; if it fails the
 * transaction is rolled back.  db_rollback() undoes an open transaction
 * and does nothing if none is open.  A write outside db_begin() is its
 * own transaction.  Return 0, ERR_IO (locked past DB_BUSY_MS, disk
 * full, I/O error), ERR_DATA (damaged inventory) or ERR_INTERNAL.
 */
int	db_begin(struct db *db);
int	db_commit(struct db *db);
void	db_rollback(struct db *db);

/*
 * Record serial as pending before the CA key signs it: profile,
 * requester (may be NULL: ""), the SHA-256 of the public key to be
 * certified (64 lowercase hex digits) and the CRL shard (>= 0).  The
 * serial must be uppercase hex as `openssl x509 -noout -serial` prints
 * it: an even number of digits, 2 to DB_SERIAL_MAX, no leading "00".
 * Outside db_begin() the pending row is committed without waiting for
 * the disk (it survives a crash of the process, being in the kernel's
 * cache; after a power cut no certificate exists to account for, since
 * none leaves the process before db_complete() has made the pending row
 * and its completion durable together).  Returns 0, ERR_EXISTS (the
 * serial is taken: draw another), ERR_DATA (a malformed argument), or
 * an error as db_commit().
 */
int	db_reserve(struct db *db, const char *serial, const char *profile,
	    const char *requester, const char *spki_sha256, int crl_shard);

/*
 * Complete a pending row: pending -> issued, with the subject (one-line
 * text, may be ""), the SANs as a JSON array (NULL: "[]"), the validity
 * and the certificate's DER (copied).  not_before must not be after
 * not_after.  The OCSP response becomes due.  Returns 0, ERR_NOINPUT
 * (unknown serial), ERR_DATA (the row is not pending, or a malformed
 * argument) or an error as db_commit().
 */
int	db_complete(struct db *db, const char *serial, const char *subject,
	    const char *sans_json, long long not_before, long long not_after,
	    const unsigned char *der, size_t derlen);

/*
 * Mark a pending row failed (signing failed; the serial is never used
 * again).  Returns 0, ERR_NOINPUT, ERR_DATA (not pending) or as above.
 */
int	db_fail(struct db *db, const char *serial);

/*
 * Read the row for serial into *out (cleared first; free with
 * db_cert_clear(), which the caller must call on success only).
 * Returns 0, ERR_NOINPUT (unknown serial), ERR_DATA (malformed serial)
 * or as above.
 */
int	db_get(struct db *db, const char *serial, struct db_cert *out);

/* Free what db_get() allocated and zero *c; NULL is fine. */
void	db_cert_clear(struct db_cert *c);

/*
 * Revoke an issued certificate at time when with an RFC 5280 reason
 * code (0-6, 9 or 10; 8 removeFromCRL is not a revocation).  The OCSP
 * response becomes due at once.  An already revoked certificate may be
 * revoked again only to change its reason to keyCompromise (1); it
 * keeps the earlier of the two revocation times.  Returns 0,
 * ERR_NOINPUT (unknown serial), ERR_DATA (never issued, already revoked,
 * bad reason or time) or as above.
 */
int	db_revoke(struct db *db, const char *serial, int reason,
	    long long when);

/*
 * Put a public key (SHA-256 of its SPKI, lowercase hex) on the
 * keyCompromise blocklist, naming the serial that revealed it (NULL if
 * none).  Blocking a blocked key again keeps the first record and
 * returns 0.  Returns 0, ERR_NOINPUT (serial not in the inventory),
 * ERR_DATA (malformed argument) or as above.
 */
int	db_block_key(struct db *db, const char *spki_sha256,
	    const char *serial);

/*
 * *blocked = 1 if the key (lowercase hex SHA-256 of its SPKI) is on the
 * blocklist, else 0.  Returns 0, ERR_DATA (malformed hash) or as above.
 */
int	db_key_blocked(struct db *db, const char *spki_sha256, int *blocked);

/*
 * Call fn for each row that f selects (f NULL: every row), one row at a
 * time, without loading the table.  The row passed to fn and its
 * strings are valid only during the call (never db_cert_clear() it).
 * fn returns 0 to go on; anything else stops the walk and db_each()
 * returns it (so return a negative ERR_ code from fn).  fn may read
 * (db_get, db_key_blocked) but must not write.
 *
 * Rows come in no particular order, except when paging (limit or after
 * set): then a due walk (ocsp_due_before set) goes in the order of
 * (ocsp_next_update, not_after, serial) and any other walk in serial
 * order, and after resumes behind the given row (a copy of the last row
 * of the previous page; only its serial, not_after and ocsp_next_update
 * are read).  So pki-ocsp refresh reads a page of due rows, signs,
 * records them in one transaction, and reads the next page: each page
 * is a short index range, and "nothing due" costs one index probe (plus
 * one index entry per expired row) whatever the size of the inventory.
 * A row that becomes due behind the cursor meanwhile (a revocation) is
 * left for the next refresh; pki-revoke re-signs at once anyway.
 *
 * A lean revoked walk (revoked_only or status "revoked", lean set) is
 * answered from the certs_revoked index alone: that is how pki-crl
 * streams a million revoked serials without reading certificates.
 * Returns 0, fn's value, ERR_DATA (bad filter) or as above.
 */
int	db_each(struct db *db, const struct db_filter *f,
	    int (*fn)(void *arg, const struct db_cert *c), void *arg);

/*
 * The next CRL number for shard (>= 0): one above the last recorded, 1
 * if none.  Nothing is stored: call db_record_crl() with it, inside the
 * same db_begin()/db_commit() when several pki-crl may run at once.
 * Returns 0, ERR_DATA (bad shard, or the numbers are exhausted) or as
 * above.
 */
int	db_next_crl_number(struct db *db, int shard,
	    unsigned long long *n);

/*
 * Record that CRL number n of shard was published at time published.
 * CRL numbers are strictly increasing: a number not above the last one
 * recorded is refused with ERR_DATA and nothing changes.  n must be
 * between 1 and 2^63-1.  Returns 0, ERR_DATA or as above.
 */
int	db_record_crl(struct db *db, int shard, unsigned long long n,
	    long long published);

/*
 * The status hash of a row (lowercase hex SHA-256 of "good", or of
 * "revoked:<revoked_at>:<reason>") into out: what an OCSP response made
 * from this row says.  Returns 0, or ERR_DATA for a pending or failed
 * row.
 */
int	db_ocsp_status_hash(const struct db_cert *c, char out[65]);

/*
 * Record the OCSP response signed for serial: its thisUpdate and
 * nextUpdate and the status hash (db_ocsp_status_hash()) of the row it
 * was made from.  Write the response file first, then call this: if the
 * row changed since it was read (revoked meanwhile) nothing is recorded
 * and ERR_NO says "read it again and re-sign", so a stale "good" never
 * ends as the recorded, up-to-date response.  Returns 0, ERR_NO,
 * ERR_NOINPUT (unknown serial), ERR_DATA (not issued or revoked, bad
 * arguments) or as above.
 */
int	db_set_ocsp(struct db *db, const char *serial, long long this_update,
	    long long next_update, const char *status_hash);

/*
 * PRAGMA integrity_check and foreign_key_check.  Returns 0, ERR_DATA
 * with SQLite's first complaint, or as above.  Reads every page: slow
 * on a large inventory.
 */
int	db_integrity_check(struct db *db);

/*
 * PRAGMA quick_check: every page's structure, without comparing each
 * index with its table; what pki-crl runs before it publishes, so that
 * a damaged inventory is reported as damaged instead of yielding a CRL
 * that silently lacks revocations.  Returns as db_integrity_check().
 */
int	db_quick_check(struct db *db);

/*
 * The number of rows with status (NULL: all rows) into *n.  Returns 0,
 * ERR_DATA (unknown status) or as above.
 */
int	db_count(struct db *db, const char *status, long long *n);

/*
 * The meta table: free-form settings, one value per key (printable
 * ASCII keys of at most 64 characters).  db_meta_get() returns a
 * malloc'd copy in *value (caller frees) or ERR_NOINPUT for a missing
 * key; db_meta_set() inserts or replaces.
 */
int	db_meta_get(struct db *db, const char *key, char **value);
int	db_meta_set(struct db *db, const char *key, const char *value);

/*
 * The CRL's walk: call fn with the serial, revocation time and reason of
 * each revoked row of shard (-1: every shard) whose not_after is above
 * not_expired_at (0: expired rows too), in increasing order of the
 * serial's value, which is the order a CRL lists them in.  Rows are
 * streamed (SQLite sorts them, spilling to temporary files when large);
 * the serial passed to fn is valid only during the call.  fn returns 0
 * to go on; anything else stops the walk and is returned (a negative
 * ERR_ code).  fn must not use db.  Returns 0, fn's value or as above.
 */
int	db_crl_walk(struct db *db, int shard, long long not_expired_at,
	    int (*fn)(void *arg, const char *serial, long long revoked_at,
	    int reason), void *arg);

#endif
