/*
 * keytype.h: the key types the toolkit issues and accepts for CA keys.
 *
 * ECDSA P-256 and P-384, RSA 3072 and 4096.  Anything else (RSA 2048,
 * other curves) is refused for CA keys as too weak or not interoperable.
 */
#ifndef PKI_KEYTYPE_H
#define PKI_KEYTYPE_H

#include <openssl/evp.h>

enum key_type {
	KEY_NONE = 0,
	KEY_P256,
	KEY_P384,
	KEY_RSA3072,
	KEY_RSA4096
};

/* "p256", "p384", "rsa3072", "rsa4096"; "?" for KEY_NONE. */
const char *keytype_name(enum key_type type);

/* Parse a name as above; ERR_CONFIG naming the value if unknown. */
int	keytype_parse(const char *name, enum key_type *type);

/* The type of an existing key, KEY_NONE if it is none of ours. */
enum key_type keytype_of(const EVP_PKEY *key);

/*
 * Generate a key of the given type.  Private key material lives in
 * OpenSSL's secure heap when secmem_init() set it up.  The caller frees
 * *key with EVP_PKEY_free().  ERR_INTERNAL on failure.
 */
int	keytype_generate(enum key_type type, EVP_PKEY **key);

/*
 * 1 if the EC key's point is on its curve and not at infinity (what
 * EVP_PKEY_public_check_quick() checks), 0 if not or on error.
 */
int	keytype_ec_public_ok(EVP_PKEY *key);

/* The digest a CA key of this type signs with (SHA-256 for P-256,
 * SHA-384 for P-384, SHA-256 for RSA). */
const EVP_MD *keytype_digest(enum key_type type);

#endif
