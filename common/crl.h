/*
 * crl.h: building, signing and reading X.509 v2 CRLs (RFC 5280 section 5).
 *
 * Shared by the root ceremony (pki-root-crl: the revoked intermediates)
 * and the online CA (pki-crl: the revoked leaves).  crl_build() makes
 * the unsigned CRL from a list of revoked serials, so that it can be
 * linted before any CA key signs it; crl_sign() signs it with a
 * software or token key.  Nothing here is secret: the signing key is
 * the caller's and is only used, never copied or encoded.
 */
#ifndef PKI_CRL_H
#define PKI_CRL_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "keytype.h"

/*
 * Reason codes are OpenSSL's CRL_REASON_* from <openssl/x509v3.h>: the
 * CRLReason values of RFC 5280 section 5.3.1 (0 to 10, 7 unused), and
 * CRL_REASON_NONE (-1) for an entry without a reasonCode.
 */

/* The longest serial accepted, in hex digits (20 octets). */
#define CRL_SERIAL_HEX_MAX	40

/* One revoked certificate. */
struct crl_entry {
	const char	*serial_hex;	/* hex digits, as x509_serial_hex() */
	time_t		 revoked_at;
	int		 reason;	/* CRL_REASON_*, or CRL_REASON_NONE */
};

struct crl_params {
	X509		*issuer;	/* the CA certificate (not consumed) */
	unsigned long long number;	/* cRLNumber, >= 1 */
	time_t		 this_update;
	time_t		 next_update;	/* after this_update */
	int		 only_ca_certs;	/* IDP onlyContainsCACerts */
	int		 only_user_certs; /* IDP onlyContainsUserCerts */
	const char	*idp_uri;	/* IDP distributionPoint, or NULL */
};

/*
 * Build an unsigned v2 CRL: issuer = the issuer certificate's subject,
 * thisUpdate and nextUpdate (UTCTime up to 2049, GeneralizedTime after),
 * authorityKeyIdentifier keyid = the issuer's subjectKeyIdentifier,
 * cRLNumber, and an issuingDistributionPoint marked critical when any of
 * only_ca_certs, only_user_certs or idp_uri is set (never both only_*
 * flags).  Each entry carries its revocationDate and, unless the reason
 * is unspecified or CRL_REASON_NONE (RFC 5280 5.3.1 says to omit
 * unspecified), a non-critical reasonCode.  Entries are sorted by
 * serial.  n may be 0 (an empty CRL has no revokedCertificates).
 * The caller frees *out with X509_CRL_free().  Returns 0, ERR_USAGE (bad
 * parameters: dates out of order, number 0, both only_* flags, a reason
 * code that does not exist, a malformed serial), ERR_DATA (the issuer has
 * no subjectKeyIdentifier, a serial given twice, a revocation after
 * thisUpdate) or ERR_INTERNAL.
 */
int	crl_build(const struct crl_params *p, const struct crl_entry *entries,
	    size_t n, X509_CRL **out);

/*
 * Extensions for delta CRLs and kept expired entries, added to a CRL
 * from crl_build() before it is signed (each may be added once).
 *
 * crl_add_delta_indicator(): the CRL becomes a delta CRL (RFC 5280
 * 5.2.4): a critical deltaCRLIndicator naming base, the cRLNumber of
 * the complete CRL it updates; base must be below the CRL's own number.
 * crl_add_freshest(): a non-critical freshestCRL (RFC 5280 5.2.6) whose
 * one distribution point is uri, the delta CRL's URL, for a complete CRL.
 * crl_add_expired_certs_on_crl(): the non-critical expiredCertsOnCRL
 * (RFC 5280 5.2.7, OID 2.5.29.60, a GeneralizedTime, encoded by OID as
 * OpenSSL 3.0 does not know it): the CRL keeps the entries of
 * certificates that expired at or after when.
 * Each returns 0, ERR_USAGE (bad argument), ERR_DATA (the extension is
 * there already) or ERR_INTERNAL.
 */
int	crl_add_delta_indicator(X509_CRL *crl, unsigned long long base);
int	crl_add_freshest(X509_CRL *crl, const char *uri);
int	crl_add_expired_certs_on_crl(X509_CRL *crl, time_t when);

/* The deltaCRLIndicator's base number into *base.  Returns 0, ERR_NO (a
 * complete CRL: no indicator) or ERR_DATA (malformed). */
int	crl_delta_base(X509_CRL *crl, unsigned long long *base);

/*
 * Sign crl with key (a software or token key of the given type), with
 * the digest keytype_digest(type).  Returns 0 or ERR_UNAVAILABLE (for a
 * token key, the token is the likely cause).
 */
int	crl_sign(X509_CRL *crl, EVP_PKEY *key, enum key_type type);

/*
 * Check crl's signature under issuer's public key and that crl names
 * issuer's subject as its issuer.  Returns 0, ERR_NO (it does not
 * verify) or ERR_INTERNAL.
 */
int	crl_verify(X509_CRL *crl, X509 *issuer);

/*
 * The reason code for an RFC 5280 name (unspecified keyCompromise
 * cACompromise affiliationChanged superseded cessationOfOperation
 * certificateHold removeFromCRL privilegeWithdrawn aACompromise; case is
 * ignored).  Returns 0 or ERR_USAGE naming the valid names.
 */
int	crl_reason_parse(const char *name, int *reason);

/* The RFC 5280 name of a reason code; "none" for CRL_REASON_NONE and
 * NULL for a code that does not exist. */
const char *crl_reason_name(int reason);

/* PEM ("X509 CRL") or DER encoding in a malloc'd buffer the caller
 * frees with free().  Returns 0 or ERR_INTERNAL. */
int	crl_pem(X509_CRL *crl, unsigned char **buf, size_t *len);
int	crl_der(X509_CRL *crl, unsigned char **buf, size_t *len);

/*
 * Load a PEM or DER CRL from path.  The caller frees *out with
 * X509_CRL_free().  Returns 0, ERR_NOINPUT, ERR_DATA (not a CRL, naming
 * path), ERR_IO.
 */
int	crl_load(const char *path, X509_CRL **out);

/* The cRLNumber of crl.  Returns 0, or ERR_DATA when it has none or it
 * does not fit. */
int	crl_number(X509_CRL *crl, unsigned long long *number);

/* SHA-256 of the CRL's DER encoding.  Returns 0 or ERR_INTERNAL. */
int	crl_sha256(X509_CRL *crl, unsigned char out[32]);

#endif
