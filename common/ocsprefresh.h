/*
 * ocsprefresh.h: what pki-ocsp refresh and pki-revoke share about the
 * pre-signed OCSP responses of an online CA: opening the delegated
 * signer, publishing one response file, re-signing one serial at once,
 * and the responses file that `cfssl ocspserve -responses` reads.
 *
 * Trusts: the CA's configuration, the inventory and the signer files
 * (ocsp_signer_new() checks them against the CA certificate).  Secret:
 * the PIN (read into secmem and wiped) and the signer key (held by
 * OpenSSL).  Files are replaced by rename, so a reader sees the old
 * complete file or the new complete one.
 */
#ifndef PKI_OCSPREFRESH_H
#define PKI_OCSPREFRESH_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "cacfg.h"
#include "db.h"
#include "ocsp.h"
#include "pin.h"

/* The cfssl responses file in the OCSP publish directory. */
#define OCSPREFRESH_RESPONSES	"responses"

/*
 * The inventory's meta key that ocsprefresh_one() sets to a value of
 * its own (time and pid; anything but "0" means stale): the responses
 * file lags a response file, and the next pki-ocsp refresh rewrites it,
 * then sets "0" if the value is still the one it read before writing.
 */
#define OCSPREFRESH_STALE	"ocsp_responses_stale"

/* The lock file of ocsprefresh_lock(), in the CA directory. */
#define OCSPREFRESH_LOCK	"ocsp.lock"

/*
 * Serialise the writers of response files: pki-ocsp refresh holds the
 * lock from reading a page of rows to recording it, ocsprefresh_one()
 * (pki-revoke) while it re-signs one serial.  So a response signed from
 * a row read before a revocation is never renamed over the revoked
 * response written after it, and two runs never share one serial's
 * temporary file.  An exclusive flock() on DIR/ocsp.lock (outside the
 * publish directory), released by ocsprefresh_unlock() or by the death
 * of the process.  Sets *fd (-1 on failure); returns 0 or ERR_IO.
 */
int	ocsprefresh_lock(const struct ca_config *c, int *fd);

/* Release the lock; -1 is fine. */
void	ocsprefresh_unlock(int fd);

/*
 * Create the CA's OCSP publish directory if missing and check that it
 * is writable.  Returns 0, ERR_CONFIG (none configured, not writable)
 * or ERR_IO.
 */
int	ocsprefresh_dir_ready(const struct ca_config *c);

/*
 * The delegated signer of CA c (certificate ca), its key decrypted with
 * the CA's PIN from cacfg_read_pin(c, cli, ...).  Free *out with
 * ocsp_signer_free().  Returns 0, ERR_CONFIG (no signer: run pki-ocsp
 * init-signer), or errors of x509_load(), pin_read(), keyfile_read()
 * and ocsp_signer_new().
 */
int	ocsprefresh_open_signer(const struct ca_config *c, X509 *ca,
	    const struct pin_source *cli, struct ocsp_signer **out);

/*
 * The temporary name in DIR through which ocsprefresh_publish() writes:
 * one fixed name, since its callers hold ocsprefresh_lock(); a re-sign
 * killed mid-write leaves only this file, which the next one reuses.
 */
#define OCSPREFRESH_ONE_TMP	".resign.tmp"

/*
 * Publish one response der as DIR/SERIAL.der (DIR the OCSP publish
 * directory) with fileio_replace_via() through OCSPREFRESH_ONE_TMP:
 * write, fsync, rename, fsync of DIR.  Only under ocsprefresh_lock().
 * For one file (pki-revoke); pki-ocsp refresh publishes its batches
 * with publish.h.  Returns 0, ERR_IO or ERR_INTERNAL.
 */
int	ocsprefresh_publish(const struct ca_config *c, const char *serial,
	    const unsigned char *der, size_t len);

/*
 * Re-sign the response of one issued or revoked serial now, as
 * pki-ocsp refresh would: sign with s (thisUpdate now, nextUpdate now
 * plus the CA's OCSP validity), publish the file, sync, record it
 * with db_set_ocsp() and mark the responses file stale (see above).
 * Returns 0, ERR_NOINPUT (unknown serial), ERR_DATA (not issued or
 * revoked), ERR_NO (the row changed meanwhile), or errors of
 * ocsp_sign() and the file and inventory calls.
 */
int	ocsprefresh_one(const struct ca_config *c,
	    const struct ocsp_signer *s, struct db *db, const char *serial,
	    time_t now);

/*
 * The responses file while pki-ocsp refresh rewrites it: DIR/responses.new,
 * 0644, renamed over DIR/responses by ocsprefresh_lines_finish().
 * ocsprefresh_lines_add() writes the line of a response just published
 * (from memory, so that a refresh does not read back what it wrote) and
 * remembers its serial; finish adds the line of every other issued or
 * revoked row not expired at now from its file (a row without one has no
 * line), syncs and renames.  Freed unfinished, the temporary file is
 * removed and DIR/responses stays as it was.  Not for several threads
 * at once.  Open returns 0, ERR_IO or ERR_INTERNAL; add returns 0,
 * ERR_DATA (a serial that is not hex, a response too large), ERR_IO or
 * ERR_INTERNAL; finish as ocsprefresh_write_responses().
 */
struct ocsprefresh_lines;

int	ocsprefresh_lines_open(const struct ca_config *c,
	    struct ocsprefresh_lines **out);
int	ocsprefresh_lines_add(struct ocsprefresh_lines *l, const char *serial,
	    const unsigned char *der, size_t len);
int	ocsprefresh_lines_finish(struct ocsprefresh_lines *l, struct db *db,
	    time_t now, long long *lines);
void	ocsprefresh_lines_free(struct ocsprefresh_lines *l);

/*
 * Write DIR/responses atomically (temporary file, fsync, rename): one
 * line per issued or revoked certificate not expired at now whose
 * response file exists, holding that file base64-encoded.  *lines (may
 * be NULL) gets the number of lines.  Returns 0, ERR_IO or
 * ERR_INTERNAL, or errors of db_each().
 */
int	ocsprefresh_write_responses(const struct ca_config *c,
	    struct db *db, time_t now, long long *lines);

#endif
