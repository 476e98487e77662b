/*
 * deploy.h: replacing a deployed certificate, its chain and its key.
 *
 * A service reads three files: its certificate, the chain and the
 * private key.  pki-renew replaces them as one unit, so that a crash or
 * a kill at any moment leaves either the old pair, the new pair, or a
 * state that deploy_recover() completes on the next run -- never a
 * certificate beside a key it does not match that stays that way.
 *
 * The order (deploy_replace()):
 *   1. the new key, chain and certificate are written to staged files
 *      beside their targets (".NAME.pki-new", O_EXCL|O_NOFOLLOW, the key
 *      0600, the others 0644), each fsync'ed with its directory;
 *   2. the key is renamed over KEY, then the chain over CHAIN;
 *   3. the certificate is renamed over CERT, last: CERT is the commit
 *      record.  The directories are fsync'ed.
 * A crash before 2 leaves the old files and staged leftovers, which
 * deploy_recover() removes.  A crash between 2 and 3 leaves the new key
 * beside the old certificate and the staged certificate that matches
 * it; the old certificate is still due, so the next renew-if-due run
 * comes back, and deploy_recover() finishes the renames before it does
 * anything else.  Renaming the certificate first would instead leave a
 * new, not-due certificate beside the old key: a renew-if-due run would
 * see nothing to do.
 *
 * Callers serialise on deploy_lock().  Symbolic links are refused
 * everywhere (a rename would replace the link, not its target).  Nothing
 * here prints.  The private key is read into and written from secmem
 * buffers only.
 */
#ifndef PKI_DEPLOY_H
#define PKI_DEPLOY_H

#include <sys/types.h>
#include <stddef.h>

#include <openssl/evp.h>

/* The files of one deployed certificate. */
struct deploy_paths {
	const char *cert;		/* required */
	const char *chain;		/* or NULL: no chain file */
	const char *key;		/* required */
};

/*
 * Check the paths before anything is done (before a certificate is
 * issued for them): distinct, none a symbolic link, each in an existing
 * directory this process may create files in, CERT an existing regular
 * file, KEY and CHAIN regular files if they exist.  ERR_USAGE for the
 * same path given twice, ERR_NOINPUT for a missing CERT or directory,
 * ERR_EXISTS for a directory that takes no new file, ERR_DATA for a
 * link or a file that is not regular.
 */
int	deploy_check_paths(const struct deploy_paths *d);

/*
 * Take the exclusive lock of CERT's directory (flock on the directory
 * itself, so that no lock file is left behind), waiting up to timeout
 * seconds.  The descriptor is close-on-exec: a deploy hook does not
 * inherit the lock.  *fd is released by deploy_unlock() (-1 accepted).
 * ERR_IO "... another pki-renew holds it" when the time is up, ERR_IO
 * otherwise.
 */
int	deploy_lock(const char *cert, unsigned timeout, int *fd);
void	deploy_unlock(int fd);

/*
 * Read an unencrypted PEM private key (PKCS#8 "PRIVATE KEY" as
 * pki-issue --generate-key writes it, or OpenSSL's "EC PRIVATE KEY" /
 * "RSA PRIVATE KEY") from path, never prompting for a passphrase.  The
 * file is read into a secmem buffer, wiped after parsing.  Free *key
 * with EVP_PKEY_free().  ERR_NOINPUT (missing), ERR_DATA "<path>: ..."
 * (a link, not a private key, encrypted), ERR_IO.
 */
int	deploy_read_key(const char *path, EVP_PKEY **key);

/*
 * 1 in *pending if staged files of an unfinished deploy_replace() lie
 * beside the targets, else 0.  Changes nothing (for --dry-run).
 */
int	deploy_pending(const struct deploy_paths *d, int *pending);

/* What deploy_recover() found. */
enum deploy_recovery {
	DEPLOY_CLEAN,			/* nothing staged */
	DEPLOY_DISCARDED,		/* staged files removed, old files
					   kept (crash before the key moved) */
	DEPLOY_COMPLETED		/* the renames were finished: CERT,
					   CHAIN and KEY are the new ones */
};

/*
 * Finish or undo an interrupted deploy_replace(), under the lock.  A
 * staged certificate is put in place (with the staged chain) when no
 * staged key remains and KEY holds the staged certificate's private key;
 * every other staged file is removed.  Returns 0 with *what set, or
 * the errors of the file operations (ERR_IO, ERR_DATA).
 */
int	deploy_recover(const struct deploy_paths *d,
	    enum deploy_recovery *what);

/*
 * Replace CERT (cert, certlen bytes), CHAIN (if d->chain: chain) and KEY
 * (if key is not NULL: keylen bytes of secret PEM) in the order above.
 * key NULL leaves KEY as it is (the key was reused).  On an error before
 * the first rename every staged file is removed and the old files are
 * untouched; on an error after it (rare: the staged files were created
 * in the same directories) ERR_IO says that the next run completes the
 * renewal.  Returns 0, ERR_EXISTS (a staged file appeared: another
 * writer ignores the lock), ERR_IO.
 */
int	deploy_replace(const struct deploy_paths *d, const void *cert,
	    size_t certlen, const void *chain, size_t chainlen,
	    const unsigned char *key, size_t keylen);

/*
 * Run the deploy hook as /bin/sh -c cmd, by fork and execve so that the
 * child alone gets the environment, descriptors and umask below: env
 * (NULL-terminated "NAME=value" strings) added to this process's
 * environment, replacing variables of the same name.
 * The hook's standard input is /dev/null, its standard output goes to
 * this process's standard error (standard output stays the caller's
 * report), its umask is cmask, and it inherits no close-on-exec
 * descriptor.  Waits for it; *status is its exit status, or 128 plus
 * the signal that killed it.  Returns 0 (whatever *status) or
 * ERR_INTERNAL when it cannot be started.
 */
int	deploy_hook(const char *cmd, const char *const *env, mode_t cmask,
	    int *status);

#endif
