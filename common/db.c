/*
 * db.c: the online CA's inventory in SQLite (the only module that uses
 * SQLite).
 *
 * What it trusts: the inventory file is the CA's own, written only
 * through this module; still, every handle runs with trusted_schema off
 * and SQLite's defensive mode, so a tampered schema cannot make our
 * statements call unsafe functions or rewrite the schema, and the file's
 * application_id and user_version must say "pki inventory, a schema we
 * know" before anything else is read.  Strings from callers are only
 * ever bound as parameters (the statuses put into db_each()'s SQL come
 * from a fixed list).
 *
 * Invariants: a serial, once reserved, is never reused or deleted; a row
 * goes pending -> issued -> revoked or pending -> failed and nowhere
 * else; CRL numbers only go up; every write is committed with
 * synchronous=FULL (db_reserve() outside a transaction excepted, see
 * db.h) before the call returns.  Writers take the write lock first
 * (BEGIN IMMEDIATE), so a transaction never has to be retried half way;
 * lock waits use a jittered back-off of 0.05 to 10 ms rather than
 * SQLite's default sleeps of up to 100 ms, so that concurrent issuers
 * take turns quickly.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "db.h"
#include "err.h"
#include "fileio.h"

#define DB_APP_ID	0x504B4969	/* "PKIi" in the file header */
#define DB_SCHEMA	1		/* PRAGMA user_version */
#define META_KEY_MAX	64

/* The lock wait limit; a static so that the unit test can shorten it. */
static long long busy_limit_ms = DB_BUSY_MS;

enum stmt_id {
	S_BEGIN, S_COMMIT, S_ROLLBACK, S_SYNC_NORMAL, S_SYNC_FULL,
	S_RESERVE, S_COMPLETE, S_FAIL, S_STATUS, S_GET, S_REVOKE,
	S_BLOCK, S_BLOCKED, S_CRL_LAST, S_CRL_RECORD, S_SET_OCSP,
	S_COUNT, S_COUNT_ALL, S_META_GET, S_META_SET, S_JSON_ARRAY,
	S_NSTMT
};

/* The row columns, in the order row_*() read them. */
#define CERT_COLS "serial, status, profile, subject, sans, requester, " \
	"not_before, not_after, created, revoked_at, reason, crl_shard, " \
	"spki_sha256, ocsp_this_update, ocsp_next_update, ocsp_status_hash"
enum {
	C_SERIAL, C_STATUS, C_PROFILE, C_SUBJECT, C_SANS, C_REQUESTER,
	C_NOT_BEFORE, C_NOT_AFTER, C_CREATED, C_REVOKED_AT, C_REASON,
	C_SHARD, C_SPKI, C_OCSP_THIS, C_OCSP_NEXT, C_OCSP_HASH, C_DER
};

static const char *const stmt_sql[S_NSTMT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_SYNC_NORMAL] = "PRAGMA synchronous=NORMAL",
	[S_SYNC_FULL] = "PRAGMA synchronous=FULL",
	[S_RESERVE] = "INSERT INTO certs (serial, status, profile, "
	    "requester, spki_sha256, crl_shard, created) "
	    "VALUES (?1, 'pending', ?2, ?3, ?4, ?5, ?6)",
	[S_COMPLETE] = "UPDATE certs SET status = 'issued', subject = ?2, "
	    "sans = ?3, not_before = ?4, not_after = ?5, der = ?6, "
	    "ocsp_next_update = 0 WHERE serial = ?1 AND status = 'pending'",
	[S_FAIL] = "UPDATE certs SET status = 'failed' "
	    "WHERE serial = ?1 AND status = 'pending'",
	[S_STATUS] = "SELECT status, reason, revoked_at FROM certs "
	    "WHERE serial = ?1",
	[S_GET] = "SELECT " CERT_COLS ", der FROM certs WHERE serial = ?1",
	[S_REVOKE] = "UPDATE certs SET status = 'revoked', "
	    "revoked_at = CASE WHEN status = 'revoked' "
	    "THEN min(revoked_at, ?3) ELSE ?3 END, "
	    "reason = ?2, ocsp_next_update = 0 WHERE serial = ?1 AND "
	    "(status = 'issued' OR (status = 'revoked' AND ?2 = 1 "
	    "AND reason <> 1))",
	[S_BLOCK] = "INSERT INTO blocked_keys (spki_sha256, serial, "
	    "blocked_at) VALUES (?1, ?2, ?3) "
	    "ON CONFLICT (spki_sha256) DO NOTHING",
	[S_BLOCKED] = "SELECT 1 FROM blocked_keys WHERE spki_sha256 = ?1",
	[S_CRL_LAST] = "SELECT last_number FROM crl_numbers WHERE shard = ?1",
	[S_CRL_RECORD] = "INSERT INTO crl_numbers (shard, last_number, "
	    "last_published) VALUES (?1, ?2, ?3) ON CONFLICT (shard) "
	    "DO UPDATE SET last_number = excluded.last_number, "
	    "last_published = excluded.last_published "
	    "WHERE excluded.last_number > crl_numbers.last_number",
	[S_SET_OCSP] = "UPDATE certs SET ocsp_this_update = ?2, "
	    "ocsp_next_update = ?3, ocsp_status_hash = ?4 "
	    "WHERE serial = ?1 AND status IN ('issued', 'revoked') AND "
	    "pki_status_hash(status, revoked_at, reason) = ?4",
	[S_COUNT] = "SELECT count(*) FROM certs WHERE status = ?1",
	[S_COUNT_ALL] = "SELECT count(*) FROM certs",
	[S_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[S_META_SET] = "INSERT OR REPLACE INTO meta (key, value) "
	    "VALUES (?1, ?2)",
	/* Here, not as a CHECK: trusted_schema=OFF bars JSON in schemas. */
	[S_JSON_ARRAY] = "SELECT CASE WHEN json_valid(?1) "
	    "THEN json_type(?1) = 'array' ELSE 0 END",
};

/*
 * migrations[v] takes a schema from user_version v to v + 1; [0] makes
 * the first schema in an empty file.  Keep man/pki-inventory.5 in step.
 */
static const char *const migrations[DB_SCHEMA] = {
	"CREATE TABLE certs ("
	" serial TEXT PRIMARY KEY NOT NULL"
	"  CHECK (length(serial) BETWEEN 2 AND 40"
	"   AND serial NOT GLOB '*[^0-9A-F]*'),"
	" status TEXT NOT NULL"
	"  CHECK (status IN ('pending', 'issued', 'failed', 'revoked')),"
	" profile TEXT NOT NULL,"
	" subject TEXT,"
	" sans TEXT,"
	" not_before INTEGER,"
	" not_after INTEGER,"
	" spki_sha256 TEXT NOT NULL,"
	" der BLOB,"
	" requester TEXT NOT NULL,"
	" created INTEGER NOT NULL,"
	" revoked_at INTEGER,"
	" reason INTEGER CHECK (reason IS NULL OR reason BETWEEN 0 AND 10),"
	" crl_shard INTEGER NOT NULL DEFAULT 0 CHECK (crl_shard >= 0),"
	" ocsp_this_update INTEGER,"
	" ocsp_next_update INTEGER,"
	" ocsp_status_hash TEXT,"
	" CHECK ((status = 'revoked') ="
	"  (revoked_at IS NOT NULL AND reason IS NOT NULL)),"
	" CHECK (status NOT IN ('issued', 'revoked') OR"
	"  (der IS NOT NULL AND not_after IS NOT NULL)));\n"
	"CREATE INDEX certs_status ON certs (status, not_after);\n"
	"CREATE INDEX certs_ocsp_due ON certs"
	" (ocsp_next_update, not_after, serial)"
	" WHERE ocsp_next_update IS NOT NULL;\n"
	"CREATE INDEX certs_revoked ON certs"
	" (crl_shard, not_after, serial, revoked_at, reason, status)"
	" WHERE status = 'revoked';\n"
	"CREATE TABLE blocked_keys ("
	" spki_sha256 TEXT PRIMARY KEY NOT NULL,"
	" serial TEXT REFERENCES certs (serial),"
	" blocked_at INTEGER NOT NULL);\n"
	"CREATE TABLE crl_numbers ("
	" shard INTEGER PRIMARY KEY NOT NULL CHECK (shard >= 0),"
	" last_number INTEGER NOT NULL CHECK (last_number > 0),"
	" last_published INTEGER NOT NULL);\n"
	"CREATE TABLE meta ("
	" key TEXT PRIMARY KEY NOT NULL,"
	" value TEXT NOT NULL);\n",
};

struct db {
	sqlite3		*h;
	char		*path;
	int		 txn;		/* in db_begin() */
	long long	 busy_start;	/* of the current lock wait */
	int		 wal_frames;	/* after our last commit */
	uint64_t	 rng;		/* back-off jitter */
	sqlite3_stmt	*st[S_NSTMT];
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep a random 50-100% of 0.1 ms doubled per try, capped at 10 ms. */
static void
backoff(struct db *db, int tries)
{
	struct timespec ts;
	long us = 100L << (tries < 7 ? tries : 7);

	if (us > 10000)
		us = 10000;
	db->rng ^= db->rng << 13;
	db->rng ^= db->rng >> 7;
	db->rng ^= db->rng << 17;
	us = us / 2 + (long)(db->rng % (uint64_t)(us / 2 + 1));
	ts.tv_sec = 0;
	ts.tv_nsec = us * 1000;
	nanosleep(&ts, NULL);
}

/* SQLite's busy handler: wait and retry until busy_limit_ms passed. */
static int
busy_cb(void *arg, int count)
{
	struct db *db = arg;

	if (count == 0)
		db->busy_start = now_ms();
	else if (now_ms() - db->busy_start >= busy_limit_ms)
		return 0;
	backoff(db, count);
	return 1;
}

/* Map an SQLite result to an ERR_ code with a message naming the file. */
static int
sql_err(struct db *db, int rc, const char *what)
{
	const char *msg = sqlite3_errmsg(db->h);
	int e = sqlite3_system_errno(db->h);

	/* A full disk reaches here as SQLITE_FULL, or as an I/O error
	 * (growing the -shm or -wal file): say it plainly. */
	if ((rc & 0xff) == SQLITE_FULL || (((rc & 0xff) == SQLITE_IOERR ||
	    (rc & 0xff) == SQLITE_CANTOPEN) && (e == ENOSPC || e == EDQUOT)))
		return err_set(ERR_IO, "%s: %s: no space left on device "
		    "(sqlite: %s)", db->path, what, msg);
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return err_set(ERR_IO, "%s: %s: the inventory stayed locked "
		    "by another process for %lld ms", db->path, what,
		    busy_limit_ms);
	case SQLITE_NOTADB:
		return err_set(ERR_DATA, "%s: not a pki inventory (not an "
		    "SQLite database)", db->path);
	case SQLITE_CORRUPT:
		return err_set(ERR_DATA, "%s: %s: the inventory is damaged "
		    "(sqlite: %s)", db->path, what, msg);
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_PROTOCOL:
		return err_set(ERR_IO, "%s: %s (sqlite: %s)", db->path, what,
		    msg);
	default:
		return err_set(ERR_INTERNAL, "%s: %s (sqlite: %s)", db->path,
		    what, msg);
	}
}

/* The cached statement id, prepared on first use. */
static int
stmt(struct db *db, enum stmt_id id, sqlite3_stmt **out)
{
	int rc;

	if (db->st[id] == NULL) {
		rc = sqlite3_prepare_v3(db->h, stmt_sql[id], -1,
		    SQLITE_PREPARE_PERSISTENT, &db->st[id], NULL);
		if (rc != SQLITE_OK)
			return sql_err(db, rc, "cannot prepare a statement");
	}
	*out = db->st[id];
	return 0;
}

/* Make a cached statement ready for its next use. */
static void
done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static int
is_busy(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

/*
 * sqlite3_step() that retries a lock conflict the busy handler did not
 * absorb (SQLITE_LOCKED, SQLITE_BUSY_SNAPSHOT, SQLITE_BUSY_RECOVERY),
 * but only where retrying is sound: outside an explicit transaction
 * (the statement is its own transaction) or for BEGIN/COMMIT (force).
 */
static int
step(struct db *db, sqlite3_stmt *st, int force)
{
	long long start = now_ms();
	int rc, tries = 0;

	for (;;) {
		rc = sqlite3_step(st);
		if (!is_busy(rc) || now_ms() - start >= busy_limit_ms)
			return rc;
		if (!force && !sqlite3_get_autocommit(db->h))
			return rc;
		sqlite3_reset(st);
		backoff(db, tries++);
	}
}

/* Run a statement that returns no rows we need (pragmas, DDL). */
static int
exec_once(struct db *db, const char *sql, const char *what)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		while ((rc = step(db, st, 0)) == SQLITE_ROW)
			;
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		rc = sql_err(db, rc, what);
	sqlite3_finalize(st);
	return rc;
}

/* The first column of the first row of sql, as an integer or text. */
static int
query_one(struct db *db, const char *sql, long long *n, char *text,
    size_t textlen)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *s;
	int rc;

	rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = step(db, st, 0)) == SQLITE_ROW) {
		if (n != NULL)
			*n = sqlite3_column_int64(st, 0);
		if (text != NULL) {
			s = sqlite3_column_text(st, 0);
			snprintf(text, textlen, "%s", s ? (const char *)s : "");
		}
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		rc = sql_err(db, rc, "cannot read the inventory");
	sqlite3_finalize(st);
	return rc;
}

/* Finish a write statement: SQLITE_DONE -> 0, else an error. */
static int
write_done(struct db *db, sqlite3_stmt *st, int rc, const char *what)
{
	int ret = 0;

	if (rc != SQLITE_DONE)
		ret = sql_err(db, rc, what);
	done(st);
	return ret;
}

static int
is_upper_hex(const char *s, size_t min, size_t max)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	for (; s[n] != '\0'; n++)
		if (n >= max || !((s[n] >= '0' && s[n] <= '9') ||
		    (s[n] >= 'A' && s[n] <= 'F')))
			return 0;
	return n >= min;
}

/* Canonical serial: even length 2..40, uppercase hex, no leading 00. */
static int
check_serial(struct db *db, const char *serial)
{
	size_t n = serial ? strlen(serial) : 0;

	if (!is_upper_hex(serial, 2, DB_SERIAL_MAX) || n % 2 != 0 ||
	    (serial[0] == '0' && serial[1] == '0'))
		return err_set(ERR_DATA, "%s: malformed serial number (want "
		    "2 to %d uppercase hex digits, an even number, no "
		    "leading 00)", db->path, DB_SERIAL_MAX);
	return 0;
}

static int
check_hash(struct db *db, const char *h, const char *what)
{
	size_t n;

	for (n = 0; h != NULL && n < 64; n++)
		if (!((h[n] >= '0' && h[n] <= '9') ||
		    (h[n] >= 'a' && h[n] <= 'f')))
			break;
	if (h == NULL || n != 64 || h[64] != '\0')
		return err_set(ERR_DATA, "%s: malformed %s (want 64 "
		    "lowercase hex digits)", db->path, what);
	return 0;
}

static int
check_status(struct db *db, const char *status)
{
	static const char *const ok[] = {
		"pending", "issued", "failed", "revoked"
	};
	size_t i;

	for (i = 0; status != NULL && i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(status, ok[i]) == 0)
			return 0;
	return err_set(ERR_DATA, "%s: unknown status (want pending, issued, "
	    "failed or revoked)", db->path);
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* The status hash of a row's state into out (65 bytes). */
static int
status_hash(const char *status, long long revoked_at, int reason,
    char out[65])
{
	unsigned char md[crypto_hash_sha256_BYTES];
	char key[64];

	if (strcmp(status, "issued") == 0)
		snprintf(key, sizeof(key), "good");
	else if (strcmp(status, "revoked") == 0)
		snprintf(key, sizeof(key), "revoked:%lld:%d", revoked_at,
		    reason);
	else
		return ERR_DATA;
	crypto_hash_sha256(md, (const unsigned char *)key, strlen(key));
	sodium_bin2hex(out, 65, md, sizeof(md));
	return 0;
}

/* SQL function pki_status_hash(status, revoked_at, reason). */
static void
sql_status_hash(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *status = sqlite3_value_text(argv[0]);
	char out[65];

	(void)argc;
	if (status == NULL || status_hash((const char *)status,
	    sqlite3_value_int64(argv[1]), sqlite3_value_int(argv[2]),
	    out) != 0)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_text(ctx, out, 64, SQLITE_TRANSIENT);
}

int
db_ocsp_status_hash(const struct db_cert *c, char out[65])
{
	out[0] = '\0';
	if (status_hash(c->status, c->revoked_at, c->reason, out) != 0)
		return err_set(ERR_DATA, "serial %s is %s: it has no OCSP "
		    "status", c->serial, c->status);
	return 0;
}

/* Refuse symbolic links, non-files and (unless create) missing files. */
static int
check_path(const char *path, int create)
{
	struct stat sb;

	if (lstat(path, &sb) == -1) {
		if (errno == ENOENT && create)
			return 0;
		if (errno == ENOENT)
			return err_set(ERR_NOINPUT, "%s: no such inventory",
			    path);
		return err_set(ERR_IO, "%s: %s", path, strerror(errno));
	}
	if (S_ISLNK(sb.st_mode))
		return err_set(ERR_DATA, "%s: not a pki inventory (a symbolic "
		    "link; give the real path)", path);
	if (!S_ISREG(sb.st_mode))
		return err_set(ERR_DATA, "%s: not a pki inventory (not a "
		    "regular file)", path);
	return 0;
}

/*
 * Checkpoints.  SQLite's own policy (copy the WAL into the database
 * every 1,000 pages, and in full whenever the last connection closes)
 * costs a one-shot pki-issue two extra fsyncs and a WAL restart every
 * time.  Instead: copy it every WAL_CKPT_PAGES pages (fewer, larger
 * checkpoints for --batch), and at close only once the WAL holds more
 * than WAL_CLOSE_PAGES, so that the next process's WAL recovery (which
 * reads it all) stays short.  Committed data is durable in the WAL
 * either way.
 */
#define WAL_CKPT_PAGES	16384		/* 64 MiB of 4 KiB pages */
#define WAL_CLOSE_PAGES	64

static int
wal_hook(void *arg, sqlite3 *h, const char *name, int frames)
{
	struct db *db = arg;

	db->wal_frames = frames;
	if (frames >= WAL_CKPT_PAGES)
		(void)sqlite3_wal_checkpoint_v2(h, name,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return SQLITE_OK;
}

/* Per-connection settings; none of them touches the file. */
static int
configure(struct db *db)
{
	static const char *const pragmas[] = {
		"PRAGMA foreign_keys = ON",
		"PRAGMA synchronous = FULL",
		"PRAGMA trusted_schema = OFF",
		"PRAGMA cache_size = -16384",
		"PRAGMA journal_size_limit = 67108864",
	};
	size_t i;
	int rc, one = 1;

	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_handler(db->h, busy_cb, db);
	sqlite3_wal_hook(db->h, wal_hook, db);
	sqlite3_file_control(db->h, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
	sqlite3_db_config(db->h, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_db_config(db->h, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	rc = sqlite3_create_function(db->h, "pki_status_hash", 3,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, NULL,
	    sql_status_hash, NULL, NULL);
	if (rc != SQLITE_OK)
		return sql_err(db, rc, "cannot set up the connection");
	for (i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++)
		if ((rc = exec_once(db, pragmas[i],
		    "cannot set up the connection")) != 0)
			return rc;
	return 0;
}

/* The file header's identity: application_id, user_version, objects. */
struct header {
	long long app, version, objects;
};

static int
read_header(struct db *db, struct header *hd)
{
	int rc;

	if ((rc = query_one(db, "PRAGMA application_id", &hd->app, NULL,
	    0)) != 0 ||
	    (rc = query_one(db, "PRAGMA user_version", &hd->version, NULL,
	    0)) != 0 ||
	    (rc = query_one(db, "SELECT count(*) FROM sqlite_schema",
	    &hd->objects, NULL, 0)) != 0)
		return rc;
	return 0;
}

/*
 * 0 if the header is current; 1 if it needs creating (fresh and create)
 * or migrating; an error if the file is not (or not yet) ours.
 */
static int
judge_header(struct db *db, const struct header *hd, int create)
{
	if (hd->app == DB_APP_ID && hd->version == DB_SCHEMA)
		return 0;
	if (hd->app == DB_APP_ID && hd->version > DB_SCHEMA)
		return err_set(ERR_DATA, "%s: inventory schema %lld is newer "
		    "than this program knows (%d): use a newer pki", db->path,
		    hd->version, DB_SCHEMA);
	if (hd->app == DB_APP_ID && hd->version >= 0)
		return 1;
	if (hd->app == 0 && hd->version == 0 && hd->objects == 0 && create)
		return 1;
	return err_set(ERR_DATA, "%s: not a pki inventory", db->path);
}

/* Switch to WAL if the file is not in it (a new file, or an operator). */
static int
ensure_wal(struct db *db)
{
	char mode[16];
	int rc;

	if ((rc = query_one(db, "PRAGMA journal_mode", NULL, mode,
	    sizeof(mode))) != 0)
		return rc;
	if (strcmp(mode, "wal") == 0)
		return 0;
	if ((rc = query_one(db, "PRAGMA journal_mode = WAL", NULL, mode,
	    sizeof(mode))) != 0)
		return rc;
	if (strcmp(mode, "wal") != 0)
		return err_set(ERR_IO, "%s: cannot switch the inventory to "
		    "WAL mode (it is in %s mode)", db->path, mode);
	return 0;
}

/* Create or migrate under the write lock, judging the header again. */
static int
migrate(struct db *db, int create)
{
	struct header hd;
	char sql[96];
	int rc;
	long long v;

	if ((rc = db_begin(db)) != 0)
		return rc;
	if ((rc = read_header(db, &hd)) != 0 ||
	    (rc = judge_header(db, &hd, create)) <= 0)
		goto out;
	for (v = hd.version; v < DB_SCHEMA; v++) {
		rc = sqlite3_exec(db->h, migrations[v], NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			rc = sql_err(db, rc, "cannot create or migrate the "
			    "inventory schema");
			goto out;
		}
	}
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d; "
	    "PRAGMA user_version = %d", DB_APP_ID, DB_SCHEMA);
	rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		rc = sql_err(db, rc, "cannot stamp the inventory schema");
		goto out;
	}
	return db_commit(db);
out:
	db_rollback(db);
	return rc;
}

/*
 * The WAL's directory entry.  SQLite opens the WAL with O_CREAT and then
 * fsyncs the directory at its first sync, in every process, although
 * the WAL is kept (SQLITE_FCNTL_PERSIST_WAL) and so nearly always there
 * already: a whole flush of the directory per pki-issue run, for
 * nothing.  This VFS is SQLite's own with one change: it opens an
 * existing WAL without O_CREAT (no directory sync), and makes the
 * directory entry of a WAL it has to create durable at once, before
 * anything is written to it.  So every WAL that is found was made
 * durable by whoever created it (pki-ca-init, or SQLite itself for a
 * WAL that SQLite's own tools left behind).
 */
#define WAL_VFS		"pki-wal"

static sqlite3_vfs wal_vfs;
static sqlite3_vfs *base_vfs;
static pthread_once_t wal_vfs_once = PTHREAD_ONCE_INIT;

static int
wal_vfs_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f,
    int flags, int *outflags)
{
	int rc;

	(void)vfs;
	if (name == NULL || !(flags & SQLITE_OPEN_WAL) ||
	    !(flags & SQLITE_OPEN_CREATE))
		return base_vfs->xOpen(base_vfs, name, f, flags, outflags);
	rc = base_vfs->xOpen(base_vfs, name, f, flags & ~SQLITE_OPEN_CREATE,
	    outflags);
	if (rc == SQLITE_OK)
		return rc;
	if ((rc = base_vfs->xOpen(base_vfs, name, f, flags, outflags)) ==
	    SQLITE_OK)
		fileio_sync_parent(name);
	return rc;
}

static void
wal_vfs_register(void)
{
	if ((base_vfs = sqlite3_vfs_find(NULL)) == NULL)
		return;
	wal_vfs = *base_vfs;
	wal_vfs.zName = WAL_VFS;
	wal_vfs.pNext = NULL;
	wal_vfs.xOpen = wal_vfs_open;
	if (sqlite3_vfs_register(&wal_vfs, 0) != SQLITE_OK)
		base_vfs = NULL;
}

static int
open_file(const char *path, int create, struct db *db)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	    SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_EXRESCODE;
	int rc;

	if (create)
		flags |= SQLITE_OPEN_CREATE;
	pthread_once(&wal_vfs_once, wal_vfs_register);
	rc = sqlite3_open_v2(path, &db->h, flags,
	    base_vfs != NULL ? WAL_VFS : NULL);
	if (rc == SQLITE_OK)
		return 0;
	if (db->h == NULL)
		return err_set(ERR_INTERNAL, "%s: out of memory", path);
	if ((rc & 0xff) == SQLITE_CANTOPEN && !create && access(path, F_OK))
		return err_set(ERR_NOINPUT, "%s: no such inventory", path);
	return sql_err(db, rc, "cannot open the inventory");
}

static int open_once(const char *path, int create, struct db **out);

/* 1 if path starts like an SQLite 3 database file. */
static int
looks_sqlite(const char *path)
{
	static const char magic[16] = "SQLite format 3";
	char buf[16];
	FILE *f = fopen(path, "rb");
	int ok;

	if (f == NULL)
		return 0;
	ok = fread(buf, 1, sizeof(buf), f) == sizeof(buf) &&
	    memcmp(buf, magic, sizeof(buf)) == 0;
	fclose(f);
	return ok;
}

/*
 * Opening while other processes commit and checkpoint can, rarely, read
 * a header SQLite calls "not a database" (seen with four concurrent
 * pki-issue batches): a file that carries SQLite's magic is opened
 * again a few times before it is called foreign.
 */
int
db_open(const char *path, int create, struct db **out)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	int rc, attempt;

	for (attempt = 0; attempt < 5; attempt++) {
		rc = open_once(path, create, out);
		if (rc != ERR_DATA || !looks_sqlite(path))
			return rc;
		nanosleep(&pause, NULL);
		pause.tv_nsec *= 2;
	}
	return rc;
}

static int
open_once(const char *path, int create, struct db **out)
{
	struct db *db = NULL;
	struct header hd;
	int rc, need = 0;

	*out = NULL;
	if ((rc = check_path(path, create)) != 0)
		return rc;
	if ((db = calloc(1, sizeof(*db))) == NULL ||
	    (db->path = strdup(path)) == NULL) {
		rc = err_set(ERR_INTERNAL, "%s: out of memory", path);
		goto out;
	}
	db->rng = ((uint64_t)getpid() << 32 ^ (uint64_t)now_ms()) | 1;
	if ((rc = open_file(path, create, db)) != 0 ||
	    (rc = configure(db)) != 0 ||
	    (rc = read_header(db, &hd)) != 0 ||
	    (rc = need = judge_header(db, &hd, create)) < 0 ||
	    (rc = ensure_wal(db)) != 0)
		goto out;
	if (need == 1 && (rc = migrate(db, create)) != 0)
		goto out;
	*out = db;
	db = NULL;
	rc = 0;
out:
	db_close(db);
	return rc;
}

void
db_close(struct db *db)
{
	size_t i;

	if (db == NULL)
		return;
	for (i = 0; i < S_NSTMT; i++)
		sqlite3_finalize(db->st[i]);
	if (db->h != NULL && db->wal_frames > WAL_CLOSE_PAGES) {
		/* Never wait for readers here: they checkpoint later. */
		sqlite3_busy_handler(db->h, NULL, NULL);
		(void)sqlite3_wal_checkpoint_v2(db->h, "main",
		    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	}
	sqlite3_close_v2(db->h);
	free(db->path);
	free(db);
}

int
db_begin(struct db *db)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (db->txn || !sqlite3_get_autocommit(db->h))
		return err_set(ERR_INTERNAL, "%s: a transaction is already "
		    "open", db->path);
	if ((rc = stmt(db, S_BEGIN, &st)) != 0)
		return rc;
	rc = step(db, st, 1);
	if ((rc = write_done(db, st, rc, "cannot begin a transaction")) != 0)
		return rc;
	db->txn = 1;
	return 0;
}

int
db_commit(struct db *db)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (!db->txn)
		return err_set(ERR_INTERNAL, "%s: no transaction to commit",
		    db->path);
	if (sqlite3_get_autocommit(db->h)) {
		/* SQLite rolled back on its own after an I/O error. */
		db->txn = 0;
		return err_set(ERR_IO, "%s: the transaction was rolled back "
		    "after an error", db->path);
	}
	if ((rc = stmt(db, S_COMMIT, &st)) != 0) {
		db_rollback(db);
		return rc;
	}
	rc = step(db, st, 1);
	if ((rc = write_done(db, st, rc, "cannot commit")) != 0) {
		db_rollback(db);
		return rc;
	}
	db->txn = 0;
	return 0;
}

void
db_rollback(struct db *db)
{
	sqlite3_stmt *st = NULL;

	if (db == NULL)
		return;
	db->txn = 0;
	if (sqlite3_get_autocommit(db->h) || stmt(db, S_ROLLBACK, &st) != 0)
		return;
	(void)step(db, st, 1);
	done(st);
}

/* Run a cached pragma, for the synchronous switch in db_reserve(). */
static int
run_pragma(struct db *db, enum stmt_id id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = stmt(db, id, &st)) != 0)
		return rc;
	rc = step(db, st, 0);
	return write_done(db, st, rc, "cannot set synchronous");
}

static int
reserve_row(struct db *db, const char *serial, const char *profile,
    const char *requester, const char *spki_sha256, int crl_shard)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = stmt(db, S_RESERVE, &st)) != 0)
		return rc;
	bind_text(st, 1, serial);
	bind_text(st, 2, profile);
	bind_text(st, 3, requester != NULL ? requester : "");
	bind_text(st, 4, spki_sha256);
	sqlite3_bind_int(st, 5, crl_shard);
	sqlite3_bind_int64(st, 6, (long long)time(NULL));
	rc = step(db, st, 0);
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
		done(st);
		return err_set(ERR_EXISTS, "%s: serial %s is already in the "
		    "inventory", db->path, serial);
	}
	return write_done(db, st, rc, "cannot record the pending serial");
}

int
db_reserve(struct db *db, const char *serial, const char *profile,
    const char *requester, const char *spki_sha256, int crl_shard)
{
	int rc, relaxed = !db->txn;

	if ((rc = check_serial(db, serial)) != 0 ||
	    (rc = check_hash(db, spki_sha256, "public key hash")) != 0)
		return rc;
	if (profile == NULL || profile[0] == '\0' || crl_shard < 0)
		return err_set(ERR_DATA, "%s: a pending row needs a profile "
		    "and a CRL shard >= 0", db->path);
	/* See db.h: the pending row need not wait for the disk. */
	if (relaxed && (rc = run_pragma(db, S_SYNC_NORMAL)) != 0)
		return rc;
	rc = reserve_row(db, serial, profile, requester, spki_sha256,
	    crl_shard);
	if (relaxed) {
		int rc2 = run_pragma(db, S_SYNC_FULL);

		if (rc == 0)
			rc = rc2;
	}
	return rc;
}

int
db_set_durable(struct db *db, int durable)
{
	if (db->txn || !sqlite3_get_autocommit(db->h))
		return err_set(ERR_INTERNAL, "%s: durability changes only "
		    "between transactions", db->path);
	return run_pragma(db, durable ? S_SYNC_FULL : S_SYNC_NORMAL);
}

/*
 * Why an UPDATE guarded by the row's status changed nothing: unknown
 * serial (ERR_NOINPUT) or a row in another state (ERR_DATA, naming it
 * after "serial X is <status>").  *status, *reason, *revoked_at get the
 * row's state when not NULL.
 */
static int
why_unchanged(struct db *db, const char *serial, const char *wanted,
    char status[10], int *reason, long long *revoked_at)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *s;
	char buf[10];
	int rc;

	if (status == NULL)
		status = buf;
	if ((rc = stmt(db, S_STATUS, &st)) != 0)
		return rc;
	bind_text(st, 1, serial);
	if ((rc = step(db, st, 0)) != SQLITE_ROW) {
		rc = rc == SQLITE_DONE ? err_set(ERR_NOINPUT, "%s: serial %s "
		    "is not in the inventory", db->path, serial) :
		    sql_err(db, rc, "cannot read a row");
		done(st);
		return rc;
	}
	s = sqlite3_column_text(st, 0);
	snprintf(status, 10, "%s", s != NULL ? (const char *)s : "");
	if (reason != NULL)
		*reason = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 :
		    sqlite3_column_int(st, 1);
	if (revoked_at != NULL)
		*revoked_at = sqlite3_column_int64(st, 2);
	done(st);
	return err_set(ERR_DATA, "%s: serial %s is %s, not %s", db->path,
	    serial, status, wanted);
}

static int
check_complete_args(struct db *db, const char *subject,
    long long not_before, long long not_after, const unsigned char *der,
    size_t derlen)
{
	if (subject == NULL || der == NULL || derlen == 0 ||
	    derlen > INT32_MAX)
		return err_set(ERR_DATA, "%s: an issued row needs a subject "
		    "and the certificate", db->path);
	if (not_before > not_after || not_after <= 0)
		return err_set(ERR_DATA, "%s: notBefore %lld is after notAfter "
		    "%lld", db->path, not_before, not_after);
	return 0;
}

/* The SANs must be a JSON array (SQLite's JSON parser judges). */
static int
check_sans(struct db *db, const char *serial, const char *sans)
{
	sqlite3_stmt *st = NULL;
	int rc, ok = 0;

	if ((rc = stmt(db, S_JSON_ARRAY, &st)) != 0)
		return rc;
	bind_text(st, 1, sans);
	rc = step(db, st, 0);
	if (rc == SQLITE_ROW)
		ok = sqlite3_column_int(st, 0);
	rc = rc == SQLITE_ROW ? 0 : sql_err(db, rc, "cannot check the SANs");
	done(st);
	if (rc == 0 && !ok)
		rc = err_set(ERR_DATA, "%s: serial %s: the SANs are not a "
		    "JSON array", db->path, serial);
	return rc;
}

int
db_complete(struct db *db, const char *serial, const char *subject,
    const char *sans_json, long long not_before, long long not_after,
    const unsigned char *der, size_t derlen)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sans_json == NULL)
		sans_json = "[]";
	if ((rc = check_serial(db, serial)) != 0 ||
	    (rc = check_complete_args(db, subject, not_before, not_after,
	    der, derlen)) != 0 ||
	    (rc = check_sans(db, serial, sans_json)) != 0 ||
	    (rc = stmt(db, S_COMPLETE, &st)) != 0)
		return rc;
	bind_text(st, 1, serial);
	bind_text(st, 2, subject);
	bind_text(st, 3, sans_json);
	sqlite3_bind_int64(st, 4, not_before);
	sqlite3_bind_int64(st, 5, not_after);
	sqlite3_bind_blob(st, 6, der, (int)derlen, SQLITE_STATIC);
	rc = step(db, st, 0);
	if ((rc = write_done(db, st, rc, "cannot complete the row")) != 0)
		return rc;
	if (sqlite3_changes(db->h) == 0)
		return why_unchanged(db, serial, "pending", NULL, NULL, NULL);
	return 0;
}

int
db_fail(struct db *db, const char *serial)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = check_serial(db, serial)) != 0 ||
	    (rc = stmt(db, S_FAIL, &st)) != 0)
		return rc;
	bind_text(st, 1, serial);
	rc = step(db, st, 0);
	if ((rc = write_done(db, st, rc, "cannot mark the row failed")) != 0)
		return rc;
	if (sqlite3_changes(db->h) == 0)
		return why_unchanged(db, serial, "pending", NULL, NULL, NULL);
	return 0;
}

/* Copy a text column into a fixed buffer ("" for NULL). */
static void
col_fixed(sqlite3_stmt *st, int col, char *buf, size_t len)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	snprintf(buf, len, "%s", s != NULL ? (const char *)s : "");
}

/* Everything but the variable-length strings and the DER. */
static void
row_fixed(sqlite3_stmt *st, struct db_cert *c)
{
	col_fixed(st, C_SERIAL, c->serial, sizeof(c->serial));
	col_fixed(st, C_STATUS, c->status, sizeof(c->status));
	col_fixed(st, C_SPKI, c->spki_sha256, sizeof(c->spki_sha256));
	col_fixed(st, C_OCSP_HASH, c->ocsp_status_hash,
	    sizeof(c->ocsp_status_hash));
	c->not_before = sqlite3_column_int64(st, C_NOT_BEFORE);
	c->not_after = sqlite3_column_int64(st, C_NOT_AFTER);
	c->created = sqlite3_column_int64(st, C_CREATED);
	c->revoked_at = sqlite3_column_int64(st, C_REVOKED_AT);
	c->reason = sqlite3_column_type(st, C_REASON) == SQLITE_NULL ? -1 :
	    sqlite3_column_int(st, C_REASON);
	c->crl_shard = sqlite3_column_int(st, C_SHARD);
	c->ocsp_this_update = sqlite3_column_int64(st, C_OCSP_THIS);
	c->ocsp_next_update = sqlite3_column_int64(st, C_OCSP_NEXT);
}

/* A malloc'd copy of a text column ("" for NULL). */
static char *
col_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return strdup(s != NULL ? (const char *)s : "");
}

/* Fill *c with owned copies of the current row (for db_get). */
static int
row_owned(struct db *db, sqlite3_stmt *st, struct db_cert *c)
{
	const void *der;
	int n;

	row_fixed(st, c);
	c->profile = col_dup(st, C_PROFILE);
	c->subject = col_dup(st, C_SUBJECT);
	c->sans = col_dup(st, C_SANS);
	c->requester = col_dup(st, C_REQUESTER);
	der = sqlite3_column_blob(st, C_DER);
	n = sqlite3_column_bytes(st, C_DER);
	if (der != NULL && n > 0 && (c->der = malloc((size_t)n)) != NULL) {
		memcpy(c->der, der, (size_t)n);
		c->derlen = (size_t)n;
	}
	if (c->profile == NULL || c->subject == NULL || c->sans == NULL ||
	    c->requester == NULL || (der != NULL && n > 0 && c->der == NULL))
		return err_set(ERR_INTERNAL, "%s: out of memory", db->path);
	return 0;
}

int
db_get(struct db *db, const char *serial, struct db_cert *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = check_serial(db, serial)) != 0 ||
	    (rc = stmt(db, S_GET, &st)) != 0)
		return rc;
	bind_text(st, 1, serial);
	rc = step(db, st, 0);
	if (rc == SQLITE_ROW)
		rc = row_owned(db, st, out);
	else if (rc == SQLITE_DONE)
		rc = err_set(ERR_NOINPUT, "%s: serial %s is not in the "
		    "inventory", db->path, serial);
	else
		rc = sql_err(db, rc, "cannot read a row");
	done(st);
	if (rc != 0)
		db_cert_clear(out);
	return rc;
}

void
db_cert_clear(struct db_cert *c)
{
	if (c == NULL)
		return;
	free(c->profile);
	free(c->subject);
	free(c->sans);
	free(c->requester);
	free(c->der);
	memset(c, 0, sizeof(*c));
}

/* Explain a refused revocation, given the row's current state. */
static int
revoke_refused(struct db *db, const char *serial, int reason)
{
	char status[10];
	long long at;
	int rc, old;

	rc = why_unchanged(db, serial, "issued", status, &old, &at);
	if (rc != ERR_DATA || strcmp(status, "revoked") != 0)
		return rc;
	if (reason == 1 && old == 1)
		return err_set(ERR_DATA, "%s: serial %s is already revoked "
		    "for keyCompromise", db->path, serial);
	return err_set(ERR_DATA, "%s: serial %s is already revoked (reason "
	    "%d at %lld); only a change to keyCompromise is allowed",
	    db->path, serial, old, at);
}

int
db_revoke(struct db *db, const char *serial, int reason, long long when)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = check_serial(db, serial)) != 0)
		return rc;
	if (reason < 0 || reason > 10 || reason == 7 || reason == 8)
		return err_set(ERR_DATA, "%s: %d is not a revocation reason "
		    "(RFC 5280: 0-6, 9, 10)", db->path, reason);
	if (when <= 0)
		return err_set(ERR_DATA, "%s: bad revocation time %lld",
		    db->path, when);
	if ((rc = stmt(db, S_REVOKE, &st)) != 0)
		return rc;
	bind_text(st, 1, serial);
	sqlite3_bind_int(st, 2, reason);
	sqlite3_bind_int64(st, 3, when);
	rc = step(db, st, 0);
	if ((rc = write_done(db, st, rc, "cannot revoke")) != 0)
		return rc;
	if (sqlite3_changes(db->h) == 0)
		return revoke_refused(db, serial, reason);
	return 0;
}

int
db_block_key(struct db *db, const char *spki_sha256, const char *serial)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = check_hash(db, spki_sha256, "public key hash")) != 0 ||
	    (serial != NULL && (rc = check_serial(db, serial)) != 0) ||
	    (rc = stmt(db, S_BLOCK, &st)) != 0)
		return rc;
	bind_text(st, 1, spki_sha256);
	bind_text(st, 2, serial);
	sqlite3_bind_int64(st, 3, (long long)time(NULL));
	rc = step(db, st, 0);
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
		done(st);
		return err_set(ERR_NOINPUT, "%s: serial %s is not in the "
		    "inventory", db->path, serial);
	}
	return write_done(db, st, rc, "cannot block the key");
}

int
db_key_blocked(struct db *db, const char *spki_sha256, int *blocked)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*blocked = 0;
	if ((rc = check_hash(db, spki_sha256, "public key hash")) != 0 ||
	    (rc = stmt(db, S_BLOCKED, &st)) != 0)
		return rc;
	bind_text(st, 1, spki_sha256);
	rc = step(db, st, 0);
	if (rc == SQLITE_ROW)
		*blocked = 1;
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	    sql_err(db, rc, "cannot read the blocklist");
	done(st);
	return rc;
}

/* The last CRL number of shard into *last (0 if none). */
static int
crl_last(struct db *db, int shard, long long *last)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*last = 0;
	if ((rc = stmt(db, S_CRL_LAST, &st)) != 0)
		return rc;
	sqlite3_bind_int(st, 1, shard);
	rc = step(db, st, 0);
	if (rc == SQLITE_ROW)
		*last = sqlite3_column_int64(st, 0);
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	    sql_err(db, rc, "cannot read the CRL number");
	done(st);
	return rc;
}

int
db_next_crl_number(struct db *db, int shard, unsigned long long *n)
{
	long long last;
	int rc;

	*n = 0;
	if (shard < 0)
		return err_set(ERR_DATA, "%s: bad CRL shard %d", db->path,
		    shard);
	if ((rc = crl_last(db, shard, &last)) != 0)
		return rc;
	if (last < 0 || last == INT64_MAX)
		return err_set(ERR_DATA, "%s: CRL numbers of shard %d are "
		    "exhausted", db->path, shard);
	*n = (unsigned long long)last + 1;
	return 0;
}

int
db_record_crl(struct db *db, int shard, unsigned long long n,
    long long published)
{
	sqlite3_stmt *st = NULL;
	long long last;
	int rc;

	if (shard < 0 || n == 0 || n > INT64_MAX)
		return err_set(ERR_DATA, "%s: bad CRL shard %d or number %llu",
		    db->path, shard, n);
	if ((rc = stmt(db, S_CRL_RECORD, &st)) != 0)
		return rc;
	sqlite3_bind_int(st, 1, shard);
	sqlite3_bind_int64(st, 2, (long long)n);
	sqlite3_bind_int64(st, 3, published);
	rc = step(db, st, 0);
	if ((rc = write_done(db, st, rc, "cannot record the CRL")) != 0)
		return rc;
	if (sqlite3_changes(db->h) > 0)
		return 0;
	if ((rc = crl_last(db, shard, &last)) != 0)
		return rc;
	return err_set(ERR_DATA, "%s: CRL number %llu of shard %d is not "
	    "above the last one recorded (%lld)", db->path, n, shard, last);
}

int
db_set_ocsp(struct db *db, const char *serial, long long this_update,
    long long next_update, const char *status_hash_hex)
{
	sqlite3_stmt *st = NULL;
	char status[10];
	int rc;

	if ((rc = check_serial(db, serial)) != 0 ||
	    (rc = check_hash(db, status_hash_hex, "status hash")) != 0)
		return rc;
	if (this_update <= 0 || next_update <= this_update)
		return err_set(ERR_DATA, "%s: serial %s: OCSP nextUpdate must "
		    "be after thisUpdate", db->path, serial);
	if ((rc = stmt(db, S_SET_OCSP, &st)) != 0)
		return rc;
	bind_text(st, 1, serial);
	sqlite3_bind_int64(st, 2, this_update);
	sqlite3_bind_int64(st, 3, next_update);
	bind_text(st, 4, status_hash_hex);
	rc = step(db, st, 0);
	if ((rc = write_done(db, st, rc, "cannot record the OCSP "
	    "response")) != 0)
		return rc;
	if (sqlite3_changes(db->h) > 0)
		return 0;
	rc = why_unchanged(db, serial, "issued or revoked", status, NULL,
	    NULL);
	if (rc == ERR_DATA && (strcmp(status, "issued") == 0 ||
	    strcmp(status, "revoked") == 0))
		return err_set(ERR_NO, "%s: serial %s changed since its OCSP "
		    "response was made: read it again and re-sign", db->path,
		    serial);
	return rc;
}

/* Append to the SQL being built for db_each(); the buffer is ample. */
static void
sql_add(char *buf, size_t len, const char *s)
{
	size_t used = strlen(buf);

	if (used < len)
		snprintf(buf + used, len - used, "%s", s);
}

static int
each_check(struct db *db, const struct db_filter *f)
{
	int rc;

	if (f->status != NULL && (rc = check_status(db, f->status)) != 0)
		return rc;
	if (f->after != NULL &&
	    (rc = check_serial(db, f->after->serial)) != 0)
		return rc;
	if (f->by_shard && f->shard < 0)
		return err_set(ERR_DATA, "%s: bad CRL shard %d", db->path,
		    f->shard);
	return 0;
}

/* Whether the walk is over revoked rows only (the CRL's walk). */
static int
each_revoked(const struct db_filter *f)
{
	return f->revoked_only ||
	    (f->status != NULL && strcmp(f->status, "revoked") == 0);
}

/*
 * The walks that must stay fast at a million rows name their index, so
 * that the planner (which has no statistics) cannot pick a worse one:
 * a due walk reads certs_ocsp_due, a revoked walk certs_revoked (unless
 * paged: pages go in serial order, which certs_revoked would sort).
 */
static const char *
each_index(const struct db_filter *f)
{
	if (f->ocsp_due_before != 0)
		return " INDEXED BY certs_ocsp_due";
	if (each_revoked(f) && f->after == NULL && f->limit == 0)
		return " INDEXED BY certs_revoked";
	return "";
}

/*
 * The select list.  A lean walk reads only what certs_revoked holds (so
 * that a CRL walk never touches the table) plus, in a due walk, the
 * paging key.
 */
static void
each_columns(const struct db_filter *f, char *sql, size_t len)
{
	if (!f->lean) {
		snprintf(sql, len, "SELECT " CERT_COLS ", %s FROM certs%s "
		    "WHERE 1", f->with_der ? "der" : "NULL", each_index(f));
		return;
	}
	snprintf(sql, len, "SELECT serial, status, '', '', '', '', 0, "
	    "not_after, 0, revoked_at, reason, crl_shard, '', 0, %s, '', "
	    "NULL FROM certs%s WHERE 1",
	    f->ocsp_due_before != 0 ? "ocsp_next_update" : "0",
	    each_index(f));
}

/*
 * The WHERE clause.  Statuses are written in as literals (from the four
 * statuses) because SQLite uses a partial index only for a literal
 * match.  A walk by expiry alone names the two statuses that have a
 * notAfter, so that certs_status (status, not_after) serves it.
 */
static void
each_where(const struct db_filter *f, char *sql, size_t len)
{
	if (f->status != NULL) {
		sql_add(sql, len, " AND status = '");
		sql_add(sql, len, f->status);
		sql_add(sql, len, "'");
	}
	if (f->revoked_only)
		sql_add(sql, len, " AND status = 'revoked'");
	if (f->profile != NULL)
		sql_add(sql, len, " AND profile = ?1");
	if (f->name != NULL)
		sql_add(sql, len, " AND (subject LIKE ?2 ESCAPE '\\' "
		    "OR sans LIKE ?2 ESCAPE '\\')");
	if (f->expiring_before != 0 && f->status == NULL &&
	    !f->revoked_only && f->ocsp_due_before == 0)
		sql_add(sql, len, " AND status IN ('issued', 'revoked')");
	if (f->expiring_before != 0)
		sql_add(sql, len, " AND not_after < ?3");
	if (f->not_expired_at != 0)
		sql_add(sql, len, " AND not_after > ?4");
	if (f->ocsp_due_before != 0)
		sql_add(sql, len, " AND ocsp_next_update < ?5");
	if (f->by_shard)
		sql_add(sql, len, " AND crl_shard = ?6");
}

/*
 * The SQL for a filter.  Parameters have fixed numbers (?1 profile, ?2
 * name pattern, ?3 expiring before, ?4 not expired at, ?5 OCSP due
 * before, ?6 shard, ?7 ?9 ?10 the paging key, ?8 limit) so that
 * each_bind() binds the same set without tracking positions.  Paging
 * follows an index: certs_ocsp_due's order in a due walk, so that each
 * page is a short range scan, and the serial otherwise.
 */
static void
each_sql(const struct db_filter *f, char *sql, size_t len)
{
	int due = f->ocsp_due_before != 0;

	each_columns(f, sql, len);
	each_where(f, sql, len);
	if (f->after != NULL)
		sql_add(sql, len, due ? " AND (ocsp_next_update, not_after, "
		    "serial) > (?9, ?10, ?7)" : " AND serial > ?7");
	if (f->after != NULL || f->limit != 0)
		sql_add(sql, len, due ? " ORDER BY ocsp_next_update, "
		    "not_after, serial" : " ORDER BY serial");
	if (f->limit != 0)
		sql_add(sql, len, " LIMIT ?8");
}

/* "%name%" with LIKE's wildcards and the escape character escaped. */
static char *
like_pattern(const char *name)
{
	size_t i, j = 0, n = strlen(name);
	char *p;

	if (n > (SIZE_MAX - 3) / 2 || (p = malloc(2 * n + 3)) == NULL)
		return NULL;
	p[j++] = '%';
	for (i = 0; i < n; i++) {
		if (name[i] == '%' || name[i] == '_' || name[i] == '\\')
			p[j++] = '\\';
		p[j++] = name[i];
	}
	p[j++] = '%';
	p[j] = '\0';
	return p;
}

static void
each_bind(sqlite3_stmt *st, const struct db_filter *f, const char *pat)
{
	if (f->profile != NULL)
		bind_text(st, 1, f->profile);
	if (pat != NULL)
		bind_text(st, 2, pat);
	if (f->expiring_before != 0)
		sqlite3_bind_int64(st, 3, f->expiring_before);
	if (f->not_expired_at != 0)
		sqlite3_bind_int64(st, 4, f->not_expired_at);
	if (f->ocsp_due_before != 0)
		sqlite3_bind_int64(st, 5, f->ocsp_due_before);
	if (f->by_shard)
		sqlite3_bind_int(st, 6, f->shard);
	if (f->after != NULL) {
		bind_text(st, 7, f->after->serial);
		sqlite3_bind_int64(st, 9, f->after->ocsp_next_update);
		sqlite3_bind_int64(st, 10, f->after->not_after);
	}
	if (f->limit != 0)
		sqlite3_bind_int64(st, 8, f->limit > INT64_MAX ? INT64_MAX :
		    (long long)f->limit);
}

/* A buffer that db_each() reuses for each row's strings and DER. */
struct scratch {
	char	*buf;
	size_t	 cap;
};

/* Point *c's strings into the scratch buffer, valid until the next row. */
static int
row_view(sqlite3_stmt *st, struct scratch *sc, struct db_cert *c)
{
	static const int cols[4] = { C_PROFILE, C_SUBJECT, C_SANS,
	    C_REQUESTER };
	char **dst[4] = { &c->profile, &c->subject, &c->sans, &c->requester };
	const unsigned char *s[4];
	const void *der = sqlite3_column_blob(st, C_DER);
	size_t n[4], need, derlen = (size_t)sqlite3_column_bytes(st, C_DER);
	char *p;
	int i;

	need = derlen;
	for (i = 0; i < 4; i++) {
		s[i] = sqlite3_column_text(st, cols[i]);
		n[i] = (size_t)sqlite3_column_bytes(st, cols[i]);
		need += n[i] + 1;
	}
	if (need > sc->cap) {
		if ((p = realloc(sc->buf, need)) == NULL)
			return ERR_INTERNAL;
		sc->buf = p;
		sc->cap = need;
	}
	memset(c, 0, sizeof(*c));
	row_fixed(st, c);
	p = sc->buf;
	for (i = 0; i < 4; i++) {
		if (n[i] > 0)
			memcpy(p, s[i], n[i]);
		p[n[i]] = '\0';
		*dst[i] = p;
		p += n[i] + 1;
	}
	if (der != NULL && derlen > 0) {
		memcpy(p, der, derlen);
		c->der = (unsigned char *)p;
		c->derlen = derlen;
	}
	return 0;
}

/* Step through the rows, handing each to fn. */
static int
each_walk(struct db *db, sqlite3_stmt *st,
    int (*fn)(void *arg, const struct db_cert *c), void *arg)
{
	struct scratch sc = { NULL, 0 };
	struct db_cert c;
	int rc, ret = 0, first = 1;

	for (;;) {
		/* Retrying a lock wait is sound only before any row. */
		rc = first ? step(db, st, 0) : sqlite3_step(st);
		first = 0;
		if (rc != SQLITE_ROW)
			break;
		if (row_view(st, &sc, &c) != 0) {
			ret = err_set(ERR_INTERNAL, "%s: out of memory",
			    db->path);
			goto out;
		}
		if ((ret = fn(arg, &c)) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		ret = sql_err(db, rc, "cannot read the inventory");
out:
	free(sc.buf);
	return ret;
}

int
db_each(struct db *db, const struct db_filter *f,
    int (*fn)(void *arg, const struct db_cert *c), void *arg)
{
	static const struct db_filter all;
	sqlite3_stmt *st = NULL;
	char sql[1024], *pat = NULL;
	int rc;

	if (f == NULL)
		f = &all;
	if ((rc = each_check(db, f)) != 0)
		return rc;
	if (f->name != NULL && (pat = like_pattern(f->name)) == NULL) {
		rc = err_set(ERR_INTERNAL, "%s: out of memory", db->path);
		goto out;
	}
	each_sql(f, sql, sizeof(sql));
	rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		rc = sql_err(db, rc, "cannot prepare a query");
		goto out;
	}
	each_bind(st, f, pat);
	rc = each_walk(db, st, fn, arg);
out:
	sqlite3_finalize(st);
	free(pat);
	return rc;
}

/*
 * Run a check pragma.  integrity_check answers "ok" or complaints, the
 * first of which may start with a "*** in database main ***" line;
 * foreign_key_check answers nothing or the tables with orphan rows.
 */
static int
check_pragma(struct db *db, const char *sql, const char *what)
{
	sqlite3_stmt *st = NULL;
	const char *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = step(db, st, 0);
	if (rc == SQLITE_ROW)
		s = (const char *)sqlite3_column_text(st, 0);
	if (rc == SQLITE_DONE || (s != NULL && strcmp(s, "ok") == 0))
		rc = 0;
	else if (rc == SQLITE_ROW) {
		if (s == NULL)
			s = "?";
		if (strncmp(s, "*** ", 4) == 0 && strchr(s, '\n') != NULL)
			s = strchr(s, '\n') + 1;
		rc = err_set(ERR_DATA, "%s: %s failed: %.*s", db->path, what,
		    (int)(strcspn(s, "\n") > 200 ? 200 : strcspn(s, "\n")),
		    s);
	} else
		rc = sql_err(db, rc, what);
	sqlite3_finalize(st);
	return rc;
}

int
db_integrity_check(struct db *db)
{
	int rc;

	if ((rc = check_pragma(db, "PRAGMA integrity_check",
	    "integrity check")) != 0)
		return rc;
	return check_pragma(db, "PRAGMA foreign_key_check",
	    "foreign key check (a row refers to a missing one) in table");
}

int
db_quick_check(struct db *db)
{
	return check_pragma(db, "PRAGMA quick_check", "the inventory's "
	    "quick check (the file is damaged)");
}

int
db_count(struct db *db, const char *status, long long *n)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*n = 0;
	if (status != NULL && (rc = check_status(db, status)) != 0)
		return rc;
	if ((rc = stmt(db, status ? S_COUNT : S_COUNT_ALL, &st)) != 0)
		return rc;
	if (status != NULL)
		bind_text(st, 1, status);
	rc = step(db, st, 0);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	rc = rc == SQLITE_ROW ? 0 : sql_err(db, rc, "cannot count rows");
	done(st);
	return rc;
}

static int
check_meta_key(struct db *db, const char *key)
{
	size_t i;

	for (i = 0; key != NULL && key[i] != '\0'; i++)
		if (i >= META_KEY_MAX || key[i] <= ' ' || key[i] > '~')
			break;
	if (key == NULL || i == 0 || key[i] != '\0')
		return err_set(ERR_DATA, "%s: bad meta key (1 to %d printable "
		    "ASCII characters, no spaces)", db->path, META_KEY_MAX);
	return 0;
}

int
db_meta_get(struct db *db, const char *key, char **value)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*value = NULL;
	if ((rc = check_meta_key(db, key)) != 0 ||
	    (rc = stmt(db, S_META_GET, &st)) != 0)
		return rc;
	bind_text(st, 1, key);
	rc = step(db, st, 0);
	if (rc == SQLITE_ROW)
		rc = (*value = col_dup(st, 0)) != NULL ? 0 :
		    err_set(ERR_INTERNAL, "%s: out of memory", db->path);
	else if (rc == SQLITE_DONE)
		rc = err_set(ERR_NOINPUT, "%s: no meta value %s", db->path,
		    key);
	else
		rc = sql_err(db, rc, "cannot read the meta table");
	done(st);
	return rc;
}

int
db_meta_set(struct db *db, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = check_meta_key(db, key)) != 0)
		return rc;
	if (value == NULL)
		return err_set(ERR_DATA, "%s: no value for meta key %s",
		    db->path, key);
	if ((rc = stmt(db, S_META_SET, &st)) != 0)
		return rc;
	bind_text(st, 1, key);
	bind_text(st, 2, value);
	rc = step(db, st, 0);
	return write_done(db, st, rc, "cannot write the meta table");
}

/*
 * The CRL's walk in serial order by value: canonical serials (no
 * leading "00") compare by value as (length, text).  certs_revoked
 * narrows the rows and holds every column read; SQLite's sorter orders
 * them, spilling to temporary files past its memory budget, so the walk
 * holds no more than a row at a time of its own.
 */
static void
crl_walk_sql(int shard, long long not_expired_at, char *sql, size_t len)
{
	snprintf(sql, len, "SELECT serial, revoked_at, reason FROM certs "
	    "INDEXED BY certs_revoked WHERE status = 'revoked'%s%s "
	    "ORDER BY length(serial), serial",
	    shard >= 0 ? " AND crl_shard = ?1" : "",
	    not_expired_at != 0 ? " AND not_after > ?2" : "");
}

int
db_crl_walk(struct db *db, int shard, long long not_expired_at,
    int (*fn)(void *arg, const char *serial, long long revoked_at,
    int reason), void *arg)
{
	sqlite3_stmt *st = NULL;
	const char *serial;
	char sql[256];
	int rc, ret = 0, first = 1;

	crl_walk_sql(shard, not_expired_at, sql, sizeof(sql));
	if ((rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL)) != SQLITE_OK)
		return sql_err(db, rc, "cannot prepare a query");
	if (shard >= 0)
		sqlite3_bind_int(st, 1, shard);
	if (not_expired_at != 0)
		sqlite3_bind_int64(st, 2, not_expired_at);
	for (;;) {
		/* Retrying a lock wait is sound only before any row. */
		rc = first ? step(db, st, 0) : sqlite3_step(st);
		first = 0;
		if (rc != SQLITE_ROW)
			break;
		if ((serial = (const char *)sqlite3_column_text(st, 0)) ==
		    NULL) {
			ret = err_set(ERR_DATA, "%s: a revoked row has no "
			    "serial", db->path);
			goto out;
		}
		if ((ret = fn(arg, serial, sqlite3_column_int64(st, 1),
		    sqlite3_column_int(st, 2))) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		ret = sql_err(db, rc, "cannot read the inventory");
out:
	sqlite3_finalize(st);
	return ret;
}
