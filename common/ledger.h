/*
 * ledger.h: the root's ledger, kept on the ceremony media
 * (pki-ledger(5)).
 *
 * Everything the root has issued (the root certificate itself,
 * intermediates, cross-certificates), every revocation and every CRL,
 * so that pki-root-crl knows what to list and which CRL number comes
 * next, and so that a serial the root never issued cannot be revoked.
 * A ledger is an audit log (audit.h) whose entries have the actions
 * "issued", "revoked" and "crl", sealed with the ceremony session key
 * at the end of every program run.  ledger_open() verifies the whole
 * chain and every seal before it believes a line, and refuses a ledger
 * that was edited, had lines removed, inserted or torn off, or holds
 * entries that no seal vouches for.  It then replays the entries and
 * refuses one that contradicts the ones before it (a serial issued
 * twice, a revocation of an unknown serial, a CRL number that does not
 * grow).
 *
 * What the chain cannot show: a ledger cut back to an earlier seal, or
 * rewritten and re-sealed with another key, still verifies.  Compare
 * the ledger's last seal key with the session key in the ceremony
 * transcript, and its CRL numbers with the CRL last published.
 *
 * Nothing in a ledger is secret.
 */
#ifndef PKI_LEDGER_H
#define PKI_LEDGER_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

/* Kinds of certificate the root issues. */
#define LEDGER_KIND_ROOT		"root"
#define LEDGER_KIND_INTERMEDIATE	"intermediate"
#define LEDGER_KIND_CROSS		"cross"

struct ledger;

/* One certificate the root issued, with its revocation if any. */
struct ledger_entry {
	char	 serial[41];	/* uppercase hex, whole octets, no leading
				   zero octets: as x509_serial_hex() */
	char	*subject;	/* RFC 2253 one-line subject */
	char	 not_after[21];	/* "2036-03-02T09:14:07Z" */
	char	 sha256[65];	/* of the certificate's DER, lowercase */
	char	 kind[16];	/* LEDGER_KIND_* */
	int	 revoked;
	int	 reason;	/* CRL_REASON_* (crl.h) if revoked, else
				   CRL_REASON_NONE */
	char	 revoked_at[21]; /* "" unless revoked */
};

/*
 * Open the ledger at path and hold it (an exclusive flock() until
 * ledger_close(), so that two programs never append at once).
 * With create non-zero the ledger must not exist and is created empty:
 * record the root with ledger_record_issue() and seal before closing,
 * or remove the file, since an empty or unsealed ledger is refused by
 * the next open.  Otherwise the whole ledger is verified first (chain,
 * seals, sealed to the end) and its entries are replayed into memory.
 * Free *out with ledger_close().  Returns 0, ERR_NOINPUT (missing),
 * ERR_EXISTS (create, and it exists), ERR_DATA ("<path>: line N: ...;
 * the ledger was edited, cut or not sealed", or "<path>: line N: ...;
 * the ledger contradicts itself" for a sealed entry that breaks the
 * rules), ERR_IO or ERR_INTERNAL.
 */
int	ledger_open(const char *path, int create, struct ledger **out);

/*
 * The entry for a serial (hex, any case, colons and leading zeros
 * allowed, as ledger_serial_norm() takes it).  *e points into l and
 * stays valid until ledger_close().  Returns 0, ERR_USAGE (malformed
 * serial) or ERR_NOINPUT ("serial X was not issued by this root").
 */
int	ledger_find(const struct ledger *l, const char *serial_hex,
	    const struct ledger_entry **e);

/*
 * The root certificate's own entry (the first entry of every ledger).
 * Returns 0, or ERR_NOINPUT for a new ledger that holds nothing yet.
 */
int	ledger_root(const struct ledger *l, const struct ledger_entry **e);

/*
 * Record that the root issued cert, of kind LEDGER_KIND_ROOT (the
 * self-signed root, first and only once), LEDGER_KIND_INTERMEDIATE or
 * LEDGER_KIND_CROSS (issued under the recorded root's subject).  The
 * entry is appended and fsync()ed at once; it stays unsealed until
 * ledger_seal().  Returns 0, ERR_USAGE (unknown kind), ERR_DATA (the
 * serial is already recorded, the root is missing or given twice, the
 * issuer is not the root), ERR_IO or ERR_INTERNAL.
 */
int	ledger_record_issue(struct ledger *l, X509 *cert, const char *kind);

/*
 * Whether serial_hex could be revoked now with reason, without writing
 * anything; the same checks as ledger_record_revoke().
 */
int	ledger_check_revoke(const struct ledger *l, const char *serial_hex,
	    int reason);

/*
 * Record the revocation of serial_hex with reason (a CRL_REASON_* code;
 * certificateHold and removeFromCRL are refused, since a revocation in
 * the ledger is final) at time when.  A serial revoked before may be
 * revoked again only to change its reason to keyCompromise (RFC 5280
 * 5.3.1; the new time replaces the old).  Appended and fsync()ed at
 * once, unsealed until ledger_seal().  Returns 0, ERR_USAGE (malformed
 * serial, reason that is not allowed), ERR_NOINPUT (serial not in the
 * ledger), ERR_DATA (already revoked, the root itself), ERR_IO or
 * ERR_INTERNAL.
 */
int	ledger_record_revoke(struct ledger *l, const char *serial_hex,
	    int reason, time_t when);

/* One above the last recorded CRL number (1 if none).  Returns 0. */
int	ledger_next_crl_number(const struct ledger *l, unsigned long long *n);

/*
 * Record that CRL number (greater than every earlier one, at most
 * LLONG_MAX) was signed; sha256_hex is the SHA-256 of its DER in 64
 * lowercase hex digits.  Returns 0, ERR_DATA (number does not grow,
 * malformed digest), ERR_IO or ERR_INTERNAL.
 */
int	ledger_record_crl(struct ledger *l, unsigned long long number,
	    const char *sha256_hex);

/*
 * The number of the CRL whose DER has SHA-256 sha256_hex (lowercase
 * hex), if the ledger recorded it.  Returns 0 or ERR_NOINPUT.
 */
int	ledger_find_crl(const struct ledger *l, const char *sha256_hex,
	    unsigned long long *number);

/* Certificates in the ledger, and the i-th in the order issued (NULL
 * past the end); entries stay valid until ledger_close(). */
size_t	ledger_count(const struct ledger *l);
const struct ledger_entry *ledger_entry_at(const struct ledger *l,
	    size_t i);

/*
 * Seal everything recorded since the ledger was opened with the
 * ceremony session's Ed25519 secret key sk (64 bytes, secret, the
 * caller's; not copied).  Does nothing if nothing was recorded.
 * Returns 0, ERR_IO or ERR_INTERNAL.
 */
int	ledger_seal(struct ledger *l, const unsigned char sk[64]);

/* 1 if entries were recorded since the last seal (or the open). */
int	ledger_unsealed(const struct ledger *l);

/* Release the lock and free; unsealed entries stay in the file (and
 * make the next open fail).  NULL is accepted. */
void	ledger_close(struct ledger *l);

/*
 * Normalise a serial typed by a person or printed by a tool ("0x1A2B",
 * "1a:2b", "00001A2B") to the ledger's form ("1A2B"): uppercase hex,
 * whole octets, no leading zero octets.  Returns 0 or ERR_USAGE (not
 * hex, zero, or longer than 20 octets).
 */
int	ledger_serial_norm(const char *in, char out[41]);

/* The ledger's time format, "2026-03-02T09:14:07Z" (UTC).  parse
 * accepts exactly that form; both return 0 or ERR_USAGE. */
int	ledger_time_format(time_t t, char out[21]);
int	ledger_time_parse(const char *s, time_t *t);

#endif
