/*
 * certout.h: the forms an issued certificate leaves the CA in.
 *
 * PEM and DER, the chain and full chain, a JSON summary, a Kubernetes
 * kubernetes.io/tls Secret manifest, PKCS#12 for client certificates,
 * and the private key of --generate-key.  Buffers that hold a private key
 * are secmem buffers.
 */
#ifndef PKI_CERTOUT_H
#define PKI_CERTOUT_H

#include <stddef.h>

#include <openssl/x509.h>

/* The private key as unencrypted PKCS#8 PEM (secret: secmem buffer). */
int	certout_key_pem(EVP_PKEY *key, unsigned char **pem, size_t *len);

/*
 * A JSON object (malloc'd, one line): serial, subject, SANs, profile,
 * not_before, not_after, SHA-256 and SHA-1 fingerprints, and the paths
 * written (NULL members omitted).  pem_inline, if not NULL, is included
 * as "certificate".
 */
int	certout_json(X509 *cert, const char *profile, const char *cert_path,
	    const char *chain_path, const char *key_path,
	    const char *pem_inline, char **json);

/*
 * A kubernetes.io/tls Secret manifest (YAML, secmem buffer: it holds
 * the key): tls.crt = fullchain, tls.key = key, ca.crt = root.
 */
int	certout_k8s_secret(const char *name, const unsigned char *fullchain,
	    size_t fullchain_len, const unsigned char *key, size_t key_len,
	    const unsigned char *ca, size_t ca_len, char **yaml);

/*
 * PKCS#12 with the certificate, its key and the chain (chain_pem: PEM
 * certificates), encrypted under pass with AES-256 and PBKDF2.
 */
int	certout_pkcs12(X509 *cert, EVP_PKEY *key, const unsigned char *chain_pem,
	    size_t chain_len, const char *pass, unsigned char **der,
	    size_t *len);

#endif
