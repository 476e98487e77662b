/*
 * x509.h: certificates the ceremony builds and checks.
 *
 * Builds the self-signed root certificate, computes the fingerprints
 * that are read aloud, loads and writes certificates, and runs the
 * sign-a-random-challenge test that proves a key in a token matches a
 * certificate.
 */
#ifndef PKI_X509_H
#define PKI_X509_H

#include <stddef.h>

#include <openssl/x509.h>

#include "keytype.h"

struct x509_subject {
	const char *country, *state, *locality;
	const char *organization, *org_unit, *common_name;
};

/*
 * An unsigned root certificate for pub: 20-byte positive random serial,
 * subject = issuer, notBefore now, notAfter now + years, basicConstraints
 * CA:TRUE critical (no pathLen), keyUsage keyCertSign+cRLSign critical,
 * SKI (SHA-1 of the public key bits) and AKI keyid = SKI.  Free with
 * X509_free().  ERR_DATA for a bad subject, ERR_INTERNAL otherwise.
 */
int	x509_build_root(EVP_PKEY *pub, const struct x509_subject *subject,
	    unsigned years, X509 **out);

/* Give cert a 20-byte positive serial from the CSPRNG. */
int	x509_random_serial(X509 *cert);

/* Add an extension from OpenSSL's configuration syntax ("critical,
 * CA:TRUE"), with cert as subject and issuer as issuer (for AKI). */
int	x509_add_ext(X509 *cert, X509 *issuer, int nid, const char *value);

/* Sign cert with signer (software or token key) using the digest for
 * type; ERR_UNAVAILABLE when signing fails (for a token key, the token
 * is the likely cause). */
int	x509_sign(X509 *cert, EVP_PKEY *signer, enum key_type type);

/*
 * The DER AlgorithmIdentifier that signer, a key of a provider, writes
 * for the digest of type: what X509_sign() puts into a certificate,
 * asked of the signer without signing anything.  *der is malloc'd.
 * ERR_UNAVAILABLE if the key cannot say (a legacy or token key: sign
 * those with x509_sign()).
 */
int	x509_sig_algid(EVP_PKEY *signer, enum key_type type,
	    unsigned char **der, size_t *len);

/*
 * Sign the DER TBSCertificate tbs with signer, the digest of type, and
 * write Certificate ::= SEQUENCE { tbs, algid, BIT STRING signature }
 * into *der (malloc'd, *len bytes): the encoding i2d_X509() gives for a
 * certificate with that TBS signed so, made without encoding the TBS
 * again.  algid must be x509_sig_algid()'s for signer and the same
 * AlgorithmIdentifier as inside tbs (the caller checks).
 * ERR_UNAVAILABLE when signing fails.
 */
int	x509_sign_tbs(EVP_PKEY *signer, enum key_type type,
	    const unsigned char *tbs, size_t tbslen,
	    const unsigned char *algid, size_t algidlen,
	    unsigned char **der, size_t *len);

/* PEM ("CERTIFICATE") of a DER certificate, as x509_pem() writes it,
 * in a malloc'd NUL-terminated buffer. */
int	x509_der_pem(const unsigned char *der, size_t derlen,
	    unsigned char **buf, size_t *len);

/* SHA-256 of pub's SubjectPublicKeyInfo DER: the key fingerprint. */
int	x509_spki_sha256(EVP_PKEY *pub, unsigned char out[32]);

/* SHA-256 of the certificate's DER: the certificate fingerprint. */
int	x509_cert_sha256(X509 *cert, unsigned char out[32]);

/*
 * Make OpenSSL's random generators Hash_DRBG over SHA-256 (SP 800-90A,
 * 256-bit strength, seeded from the kernel as before) instead of its
 * default CTR_DRBG over AES-256.  Same strength; but a one-shot program
 * then never fetches a cipher, and OpenSSL 3.0's first cipher fetch
 * builds every cipher of the provider (4M of the 24M instructions of a
 * pki-issue run).  Call before the first random number; afterwards it
 * does nothing.
 */
void	x509_rand_setup(void);

/*
 * Leave OpenSSL's legacy table of cipher names empty: OpenSSL 3.0 fills
 * it, and copies it into its name map, on the first fetch of anything
 * (2M instructions).  Only for a program that never looks a cipher up
 * by that table (EVP_get_cipherbynid(), EVP_get_cipherbyname()):
 * PKCS#12 output does.  Call before any other use of OpenSSL.
 */
void	x509_no_cipher_names(void);

/* Load a PEM or DER certificate; ERR_NOINPUT, ERR_DATA naming path. */
int	x509_load(const char *path, X509 **out);

/* PEM or DER encoding in a malloc'd buffer. */
int	x509_pem(X509 *cert, unsigned char **buf, size_t *len);
int	x509_der(X509 *cert, unsigned char **buf, size_t *len);

/*
 * Sign 32 random bytes with signer and verify the signature under
 * verifier (the certificate's public key).  0, or ERR_NO when the
 * signature does not verify (the key does not match).
 */
int	x509_challenge(EVP_PKEY *signer, EVP_PKEY *verifier,
	    enum key_type type);

/* The serial number as uppercase hex without separators, malloc'd. */
char	*x509_serial_hex(X509 *cert);

/* "2026-11-23 12:00:00 UTC" into buf; "?" if t cannot be read. */
void	x509_time_text(const ASN1_TIME *t, char *buf, size_t len);

/* "CN=...,O=..." one-line subject, malloc'd. */
char	*x509_subject_line(X509 *cert);

/*
 * The private key as PKCS#8 DER in a secmem_alloc() buffer (OpenSSL's
 * intermediate PKCS8_PRIV_KEY_INFO is cleansed when freed).  Secret:
 * free with secmem_free().
 */
int	x509_private_der(EVP_PKEY *key, unsigned char **der, size_t *len);

/* Parse PKCS#8 DER (secret) into a key; ERR_DATA if malformed. */
int	x509_private_parse(const unsigned char *der, size_t len,
	    EVP_PKEY **key);

#endif
