/*
 * fuzz_ledger: the root's ledger as pki-root-sign and pki-root-crl read
 * it (ledger_open(), which verifies the log and replays its entries),
 * and the audit log writer under it.
 *
 * A sealed log cannot be mutated into another sealed log, so the input
 * is not the file: it is a script, one entry a line, "ACTION MEMBERS"
 * (MEMBERS is JSON members without braces, as audit_append() takes
 * them) or "seal".  The target writes the log with audit_append() and
 * audit_seal() under a fixed Ed25519 key into a directory in /dev/shm,
 * then opens it as a ledger, so that the replay rules (a serial issued
 * twice, a revocation of an unknown serial, CRL numbers that must grow)
 * see whatever entries the fuzzer invents.
 *
 * Invariant checked beyond memory safety: every log the writer seals
 * verifies (audit_verify() with the key pinned).
 */
#include "audit.h"
#include "fuzz.h"
#include "ledger.h"

#define LEDGER	"ledger.log"

static unsigned char pk[crypto_sign_PUBLICKEYBYTES];
static unsigned char sk[crypto_sign_SECRETKEYBYTES];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned char seed[crypto_sign_SEEDBYTES];

	(void)argc;
	(void)argv;
	fuzz_init();
	memset(seed, 7, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	return 0;
}

/* Append the script's entries; returns the number written. */
static unsigned
write_log(struct audit *a, char *script)
{
	char *line, *next, *sp;
	unsigned n = 0;

	for (line = script; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strcmp(line, "seal") == 0) {
			if (audit_seq(a) > 0 &&
			    audit_seal(a, sk) != 0)
				fuzz_die("audit_seal failed");
			continue;
		}
		if ((sp = strchr(line, ' ')) != NULL)
			*sp++ = '\0';
		if (audit_append(a, line, sp) == 0)
			n++;
		ERR_clear_error();
	}
	return n;
}

static void
ask(const struct ledger *l)
{
	const struct ledger_entry *e;
	unsigned long long crl;
	size_t i;

	for (i = 0; i < ledger_count(l); i++) {
		if ((e = ledger_entry_at(l, i)) == NULL)
			fuzz_die("entry %zu of %zu missing", i,
			    ledger_count(l));
		if (ledger_find(l, e->serial, &e) != 0)
			fuzz_die("entry %zu not found by its serial", i);
		fuzz_check_rc(ledger_check_revoke(l, e->serial, 1),
		    "ledger_check_revoke");
	}
	fuzz_check_rc(ledger_root(l, &e), "ledger_root");
	fuzz_check_rc(ledger_check_revoke(l, "01AB", 0),
	    "ledger_check_revoke");
	if (ledger_next_crl_number(l, &crl) != 0 || crl < 1)
		fuzz_die("no next CRL number");
	if (ledger_unsealed(l))
		fuzz_die("an open ledger has unsealed entries");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct audit_report r;
	struct audit *a = NULL;
	struct ledger *l = NULL;
	char *script, path[128];
	const char *dir;
	unsigned n;
	int rc;

	if (memchr(data, '\0', size) != NULL)
		return 0;
	dir = fuzz_dir(LEDGER, NULL, 0);
	snprintf(path, sizeof(path), "%s/%s", dir, LEDGER);
	if (unlink(path) == -1 || audit_open(path, "pki-root-sign", 1,
	    &a) != 0)
		fuzz_die("cannot create %s", path);
	script = fuzz_strdup(data, size);
	n = write_log(a, script);
	free(script);
	if (n > 0 && audit_seal(a, sk) != 0)
		fuzz_die("audit_seal failed");
	audit_close(a);
	if (n > 0) {
		memset(&r, 0, sizeof(r));
		if ((rc = audit_verify(path, pk, &r)) != 0)
			fuzz_die("a log the writer sealed does not verify "
			    "(%d): %s", rc, r.problem);
		rc = ledger_open(path, 0, &l);
		fuzz_check_rc(rc, "ledger_open");
		if (rc == 0)
			ask(l);
		ledger_close(l);
	}
	fuzz_dir_remove(dir, LEDGER);
	return 0;
}
