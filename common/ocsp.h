/*
 * ocsp.h: OCSP responses (RFC 6960, RFC 5019 profile) signed by a
 * delegated OCSP signer, and the parsing of OCSP requests.
 *
 * This is the only module that builds OCSP structures.  A response
 * holds one SingleResponse for a SHA-1 CertID, names its responder by
 * key hash, embeds the delegated signer's certificate (openssl ocsp has
 * no -untrusted option) and carries no nonce, so it can be pre-signed
 * and served to anyone.  The delegated signer is a short-lived
 * certificate issued by the CA with the OCSPSigning EKU and
 * id-pkix-ocsp-nocheck.
 *
 * Trusts: the CA certificate and the signer certificate and key handed
 * in (ocsp_signer_new() checks that they belong together).  Requests
 * are untrusted and only parsed.  The signer key is secret but held by
 * OpenSSL; nothing here copies it.
 */
#ifndef PKI_OCSP_H
#define PKI_OCSP_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* The delegated signer's files in the CA directory. */
#define OCSP_SIGNER_KEY		"ocsp-signer.key"	/* keyfile.h */
#define OCSP_SIGNER_CERT	"ocsp-signer.pem"
#define OCSP_SIGNER_PROFILE	"ocsp-signer"	/* in the inventory */

/* Certificate status in a response. */
#define OCSP_GOOD		0
#define OCSP_REVOKED		1
#define OCSP_UNKNOWN		2

/* Response status of an error response (RFC 6960 4.2.1). */
#define OCSP_ERR_MALFORMED	1	/* malformedRequest */
#define OCSP_ERR_INTERNAL	2	/* internalError */
#define OCSP_ERR_TRY_LATER	3	/* tryLater */
#define OCSP_ERR_UNAUTHORIZED	6	/* unauthorized */

/* The largest request accepted. */
#define OCSP_REQUEST_MAX	65536

struct ocsp_signer;
struct ocsp_req;

/*
 * Build the unsigned delegated signer certificate for pub: a random
 * 20-byte serial, issuer and AKI from ca, subject "CN=<CA's CN> OCSP
 * Signer" with the CA's other subject parts, notBefore now - 5 min,
 * notAfter now + lifetime (seconds, > 0; cut to ca's notAfter), EKU
 * OCSPSigning (not critical), keyUsage digitalSignature (critical),
 * id-pkix-ocsp-nocheck, basicConstraints CA:FALSE, SKI.  Free *out with
 * X509_free().  ERR_USAGE (lifetime), ERR_DATA, ERR_INTERNAL.
 */
int	ocsp_signer_build(X509 *ca, EVP_PKEY *pub, long long lifetime,
	    time_t now, X509 **out);

/*
 * A signer: the CA certificate ca, the delegated certificate cert and
 * its private key (all up-referenced, so the caller may free its own).
 * Checks that cert was signed by ca's key and names ca as issuer, has
 * the OCSPSigning EKU, and that key is cert's.  Free with
 * ocsp_signer_free().  Returns 0, ERR_NO (one of those checks failed,
 * naming it) or ERR_INTERNAL.  A software key may sign from several
 * threads at once.
 */
int	ocsp_signer_new(X509 *ca, X509 *cert, EVP_PKEY *key,
	    struct ocsp_signer **out);
void	ocsp_signer_free(struct ocsp_signer *s);

/* The signer certificate's notAfter as Unix time (0 if unreadable). */
time_t	ocsp_signer_not_after(const struct ocsp_signer *s);

/* What one response says. */
struct ocsp_entry {
	const char	*serial;	/* uppercase hex, as the inventory */
	int		 status;	/* OCSP_GOOD, OCSP_REVOKED,
					   OCSP_UNKNOWN */
	long long	 revoked_at;	/* OCSP_REVOKED: Unix time */
	int		 reason;	/* OCSP_REVOKED: CRLReason, or -1
					   or 0 for none */
};

/*
 * Sign a successful OCSPResponse for e at this_update, valid until
 * next_update, with a SHA-1 CertID for the signer's CA.  *der is
 * malloc'd (caller frees).  Thread-safe for distinct calls with a
 * software key.  Returns 0, ERR_DATA (malformed serial, bad times),
 * ERR_UNAVAILABLE (signing failed), ERR_INTERNAL.
 */
int	ocsp_sign(const struct ocsp_signer *s, const struct ocsp_entry *e,
	    time_t this_update, time_t next_update, unsigned char **der,
	    size_t *len);

/*
 * Sign an `unknown' response echoing the request's CertID (whatever its
 * hash algorithm).  As ocsp_sign().
 */
int	ocsp_sign_unknown(const struct ocsp_signer *s,
	    const struct ocsp_req *r, time_t this_update, time_t next_update,
	    unsigned char **der, size_t *len);

/*
 * An unsuccessful OCSPResponse with status (OCSP_ERR_*) and no body.
 * *der is malloc'd.  Returns 0 or ERR_INTERNAL.
 */
int	ocsp_error_response(int status, unsigned char **der, size_t *len);

/*
 * Parse one DER OCSPRequest (untrusted) holding exactly one request.
 * Free *out with ocsp_request_free().  Returns 0 or ERR_DATA "<source>:
 * ..." (not an OCSP request, trailing bytes, no or several requests).
 */
int	ocsp_request_parse(const unsigned char *der, size_t len,
	    const char *source, struct ocsp_req **out);
void	ocsp_request_free(struct ocsp_req *r);

/*
 * Does r ask about a certificate of ca (its issuer name and key hashes,
 * under the request's hash algorithm)?  *ours = 1 or 0.  serial gets
 * the requested serial as uppercase hex ("" when it is negative, zero
 * or longer than 20 bytes: no certificate of ours).  Returns 0 or
 * ERR_INTERNAL.
 */
int	ocsp_request_match(const struct ocsp_req *r, X509 *ca, int *ours,
	    char serial[41]);

/*
 * Decode the last part of an OCSP GET URL (RFC 6960 A.1): leading '/'
 * removed, %XX decoded, then base64.  *der is malloc'd.  Returns 0 or
 * ERR_DATA.
 */
int	ocsp_get_decode(const char *path, unsigned char **der, size_t *len);

#endif
