/*
 * csr.h: reading and checking a PKCS#10 certificate request from outside.
 *
 * A CSR reaches the ceremony on removable media from the host that made
 * the intermediate's key.  It is untrusted input: csr_load() bounds and
 * parses it, csr_check() proves possession (the self-signature must
 * verify) and checks the key against the policy's allowed types, and
 * csr_extensions() reads the extensions it asks for without the
 * ambiguities of OpenSSL's own reader (two extensionRequest attributes,
 * an extension requested twice), so that a message about what the CSR
 * asks for is about what it really says.  Nothing but the public key
 * and the subject parts a policy allows is ever taken from a CSR.
 */
#ifndef PKI_CSR_H
#define PKI_CSR_H

#include <openssl/x509.h>

#include "keytype.h"

#define CSR_MAX_SIZE	(64 * 1024)

/*
 * Load a CSR from path ("-" is standard input), PEM ("CERTIFICATE
 * REQUEST" or "NEW CERTIFICATE REQUEST", optionally after text such as
 * openssl req -text writes) or DER, at most CSR_MAX_SIZE bytes.  Free
 * *out with X509_REQ_free().  ERR_NOINPUT if path does not exist;
 * ERR_DATA "<path>: ..." for anything that is not exactly one CSR
 * (too large, garbage, another PEM type, trailing data, a second
 * block); ERR_IO.
 */
int	csr_load(const char *path, X509_REQ **out);

/*
 * csr_load() for the issuing pipeline, which needs the key as an
 * EVP_PKEY: *key is the CSR's public key (free it with EVP_PKEY_free()),
 * or NULL when OpenSSL cannot read it (csr_verify_key() then refuses the
 * CSR).  An ECDSA P-256 or P-384 key written as RFC 5480 says (named
 * curve, uncompressed point on the curve) is built from the SPKI as a
 * built-in EC key, which X509_set_pubkey() encodes directly instead of
 * through OpenSSL 3.0's provider encoder and decoder.  With many
 * non-zero (a batch) such a CSR is also parsed without the provider
 * decoder, in a library context that has none (about 0.5 ms once, then
 * about a third of the cost of each parse saved); X509_REQ_get0_pubkey()
 * is then NULL, so pass *key on.  Any other key is read exactly as
 * csr_load() reads it.  Errors as csr_load().
 */
int	csr_load_keyed(const char *path, int many, X509_REQ **out,
	    EVP_PKEY **key);

/*
 * The first half of csr_check(), for leaf CSRs whose key rules come from
 * a profile: version 1, a readable public key, a signature digest of
 * SHA-256 or better, and a self-signature that verifies
 * (X509_REQ_verify() == 1 exactly).  ERR_DATA naming source otherwise.
 */
int	csr_verify(X509_REQ *req, const char *source);

/* csr_verify() with the key given (csr_load_keyed()'s; NULL: refused as
 * unreadable). */
int	csr_verify_key(X509_REQ *req, EVP_PKEY *key, const char *source);

/*
 * Check that req is a version 1 CSR whose self-signature verifies under
 * its own public key (X509_REQ_verify() == 1), signed with a digest no
 * weaker than SHA-256, whose key passes OpenSSL's public key check and
 * is one of the toolkit's types (keytype.h) and in allowed, a mask of
 * (1u << enum key_type) (policy.h: POLICY_KEY_BIT).  source names the
 * CSR in messages.  On success *type is the key's type.  ERR_DATA with
 * one sentence otherwise, for example "csr.pem: RSA 2048-bit key is
 * below the 3072 bits required" or "csr.pem: the CSR signature does not
 * verify".
 */
int	csr_check(X509_REQ *req, const char *source, unsigned allowed,
	    enum key_type *type);

/*
 * The extensions req asks for, read from its extensionRequest attribute
 * (PKCS#9; or Microsoft's older OID): an empty stack if there is none.
 * Free *exts with sk_X509_EXTENSION_pop_free(*exts, X509_EXTENSION_free).
 * ERR_DATA "<source>: ..." if there are two such attributes (OpenSSL's
 * X509_REQ_get_extensions() would silently read the first), if the
 * attribute does not hold exactly one well-formed list, or if an
 * extension appears twice in it (X509V3_get_d2i() would report none).
 */
int	csr_extensions(X509_REQ *req, const char *source,
	    STACK_OF(X509_EXTENSION) **exts);

/*
 * What basicConstraints req asks for, for messages: *ca is 1 for
 * CA:TRUE, else 0; *pathlen the requested pathLenConstraint, -1 when
 * there is none (or no basicConstraints at all).  ERR_DATA as
 * csr_extensions(), or for a malformed basicConstraints.
 */
int	csr_requests_ca(X509_REQ *req, int *ca, long *pathlen);

#endif
