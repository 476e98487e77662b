/*
 * issuer.h: the online CA's issuance pipeline, shared by pki-issue and
 * pki-renew.
 *
 * One certificate goes through four steps, and a batch goes through each
 * step for many certificates at once:
 *   1. issuer_prepare   check the request against the profile and the
 *                       CA, build the certificate, sign it with a
 *                       throwaway key and lint it (thread-safe)
 *   2. issuer_reserve   record the serials as pending (one transaction)
 *   3. issuer_sign      sign with the CA key exactly the TBS that was
 *                       linted (thread-safe for software keys)
 *   4. issuer_complete  append the signed serials to the audit log, then
 *                       record the certificates as issued (one
 *                       transaction)
 * A crash between 2 and 4 leaves pending rows, never an unrecorded
 * certificate; every issued row is named by an audit entry.
 */
#ifndef PKI_ISSUER_H
#define PKI_ISSUER_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "cacfg.h"
#include "leaf.h"
#include "pin.h"

struct issuer;

/*
 * Open the CA in dir: ca.yaml, the installed certificate (ERR_CONFIG if
 * the CA is not installed or its certificate has expired), the chain,
 * the inventory, the CA key and the audit key (pin: the CLI's PIN
 * source, or NULL for ca.yaml's pin_file or a prompt).  Every audit
 * entry issuer_complete() appends is sealed at once, so the log
 * verifies after every run.  The audit key costs one Argon2id
 * derivation (about a second) unless the PIN is a 64-hex machine key.  threads: how many signers will run
 * at once (a token key is used by one at a time).
 */
int	issuer_open(const char *dir, const struct pin_source *pin,
	    struct issuer **out);
void	issuer_close(struct issuer *is);

const struct ca_config *issuer_config(const struct issuer *is);
X509	*issuer_ca_cert(const struct issuer *is);

/* The chain (CA certificate then root) and the root, as PEM. */
const unsigned char *issuer_chain_pem(const struct issuer *is, size_t *len);
const unsigned char *issuer_root_pem(const struct issuer *is, size_t *len);

/* The CA key, with the audit key opened too: cacfg_audit() with it
 * appends and seals the CA's audit log. */
const struct ca_key *issuer_key(const struct issuer *is);

/* 1 if the CA key may sign from several threads at once. */
int	issuer_parallel(const struct issuer *is);

/*
 * Load a profile the CA may issue (cached; not thread-safe: call it for
 * every profile of a batch before issuer_prepare() runs in parallel).
 */
int	issuer_profile(struct issuer *is, const char *name,
	    const struct profile **out);

struct issue_request {
	const char *source;		/* the CSR's name, for messages */
	const char *profile;
	X509_REQ *csr;			/* or NULL: pub */
	EVP_PKEY *pub;			/* the key when there is no CSR;
					   with one, csr_load_keyed()'s
					   key or NULL (then the CSR's) */
	const enum san_kind *flag_kinds; /* names given by flag */
	const char *const *flag_names;
	size_t nflags;
	const char *lifetime;		/* NULL: the profile's default */
	const char *requester;
	const char *program;		/* for the audit log; NULL: pki-issue */
};

/* One certificate on its way through the pipeline. */
struct issue_item {
	int ret;			/* first error, 0 so far */
	char error[512];		/* its message */
	int want_cert;			/* set before issuer_sign(): the
					   caller takes issue_item_cert() */
	X509 *linted;			/* as built and linted, signed by
					   the throwaway key: never hand it
					   out (issue_item_cert()) */
	int signed_object;		/* issuer_sign() signed linted */
	char serial[41];
	char spki_sha256[65];
	char *sans_json;
	const char *profile;
	const char *requester;
	const char *source;		/* the request's name */
	const char *program;
	unsigned shard;
	int reserved;			/* a pending row is ours */
	unsigned char *tbs;		/* the linted TBS */
	int tbslen;
	unsigned char *der;		/* the signed certificate */
	size_t derlen;
	char *subject;			/* its subject, for the inventory */
};

/* Steps 1-4; each records failures in the item (ret, error) and skips
 * items that failed before.  prepare and sign are thread-safe for
 * distinct items and never touch the inventory (sign also encodes what
 * complete records, so that the single-threaded step does little);
 * reserve (which also checks the keyCompromise blocklist) and complete
 * take all items at once, each in one transaction. */
void	issuer_prepare(struct issuer *is, const struct issue_request *rq,
	    time_t now, struct issue_item *item);
int	issuer_reserve(struct issuer *is, struct issue_item *items, size_t n);
void	issuer_sign(struct issuer *is, struct issue_item *item);
int	issuer_complete(struct issuer *is, struct issue_item *items, size_t n);

/* The signed certificate of an item that went through issuer_sign();
 * the caller frees *out.  Cheap when the item had want_cert set (the
 * CA key then signed the linted object itself), else parsed from the
 * DER.  ERR_INTERNAL if the item failed or was not signed. */
int	issue_item_cert(const struct issue_item *it, X509 **out);

/* Free what an item holds; _release keeps ret, error and serial (for a
 * batch's report) and may run on several threads for distinct items. */
void	issue_item_clear(struct issue_item *item);
void	issue_item_release(struct issue_item *item);

#endif
