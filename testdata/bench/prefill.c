/*
 * prefill: fill a bench CA's inventory with N issued rows, quickly, for
 * scripts/bench.
 *
 *   prefill INVENTORY N PERMILLE
 *
 * Rows go in through db.h as the CA would put them (db_reserve, then
 * db_complete), one transaction per 10,000 rows.  Serials are
 * "40" followed by the row number in 14 hex digits (scripts/bench
 * revokes some of them by that name).  Each row holds a small
 * well-formed DER placeholder (a SEQUENCE holding INTEGER 0), not a
 * certificate: nothing the bench runs reads it (pki-ocsp refresh and
 * pki-crl walk lean rows; OCSP signs from the row's fields).  PERMILLE of
 * every thousand rows are revoked (superseded) in the same transaction.
 * Trusts its arguments; a bench tool only, never installed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "db.h"
#include "err.h"

#define BATCH	10000

static const unsigned char placeholder[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };

static int
one_row(struct db *db, long long i, long long permille, time_t now)
{
	char serial[DB_SERIAL_MAX + 1], spki[65];
	int ret;

	snprintf(serial, sizeof(serial), "40%014llX", i);
	snprintf(spki, sizeof(spki), "%064llx", i);
	if ((ret = db_reserve(db, serial, "mtls-server", "bench", spki,
	    0)) != 0 ||
	    (ret = db_complete(db, serial, "CN=bench", NULL,
	    (long long)now - 60, (long long)now + 90 * 86400, placeholder,
	    sizeof(placeholder))) != 0)
		return ret;
	if (i % 1000 < permille)
		ret = db_revoke(db, serial, 4, (long long)now - 30);
	return ret;
}

static int
fill(struct db *db, long long n, long long permille)
{
	time_t now = time(NULL);
	long long i;
	int ret;

	for (i = 0; i < n; i++) {
		if (i % BATCH == 0 && (ret = db_begin(db)) != 0)
			return ret;
		if ((ret = one_row(db, i, permille, now)) != 0) {
			db_rollback(db);
			return ret;
		}
		if ((i % BATCH == BATCH - 1 || i == n - 1) &&
		    (ret = db_commit(db)) != 0)
			return ret;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct db *db = NULL;
	long long n, permille;
	int ret;

	if (argc != 4) {
		fprintf(stderr, "usage: prefill INVENTORY N PERMILLE\n");
		return 64;
	}
	n = strtoll(argv[2], NULL, 10);
	permille = strtoll(argv[3], NULL, 10);
	if (n <= 0 || permille < 0 || permille > 1000) {
		fprintf(stderr, "prefill: bad N or PERMILLE\n");
		return 64;
	}
	if ((ret = db_open(argv[1], 0, &db)) == 0)
		ret = fill(db, n, permille);
	db_close(db);
	if (ret != 0) {
		fprintf(stderr, "prefill: %s\n", err_msg());
		return 1;
	}
	return 0;
}
