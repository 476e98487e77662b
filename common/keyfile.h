/*
 * keyfile.h: private keys encrypted under a passphrase, the HSM-less
 * way to keep a CA key (the root, or an online intermediate).
 *
 * The file is text:
 *
 *	a BEGIN line: five dashes, "BEGIN PKI ENCRYPTED PRIVATE KEY",
 *	    five dashes (the usual PEM armour)
 *	base64 of header || ciphertext, 64 characters a line
 *	the matching END line
 *
 * The binary part, integers big-endian:
 *
 *	offset size
 *	 0      8   magic 0x89 'P' 'K' 'K' 0x0d 0x0a 0x1a 0x0a
 *	 8      1   version, 1
 *	 9      1   key derivation, 1 = Argon2id v1.3 (crypto_pwhash),
 *	            2 = raw key (below)
 *	10      1   cipher, 1 = XChaCha20-Poly1305 (IETF construction)
 *	11      1   reserved, 0
 *	12      8   Argon2id opslimit
 *	20      8   Argon2id memlimit in bytes
 *	28     16   salt, random
 *	44     24   nonce, random
 *	68      -   ciphertext of the PKCS#8 PrivateKeyInfo DER, then the
 *	            16-byte Poly1305 tag
 *
 * The 68-byte header is the AEAD's associated data, so changing any
 * byte of the file makes decryption fail.  Files are written with
 * crypto_pwhash's MODERATE limits (about 1 s and 256 MiB); a reader
 * accepts opslimit 2 to 16 and memlimit 64 MiB to 1 GiB.
 *
 * A "passphrase" of exactly 64 hexadecimal digits is a machine-made
 * 256-bit random key (openssl rand -hex 32 into a CA's pin_file, for
 * cron and CI): it needs no stretching, so the file records key
 * derivation 2, limits 0, and the file key is BLAKE2b-256 keyed with
 * those 32 bytes over "pki-keyfile-raw-v1" and the salt.  Opening such a
 * file takes microseconds instead of an Argon2id second.
 */
#ifndef PKI_KEYFILE_H
#define PKI_KEYFILE_H

#include <stddef.h>

#include <openssl/evp.h>

/*
 * Encrypt key (a private key held by OpenSSL) under the passphrase pass
 * (secret, NUL-terminated, not empty) into the text form above.  *out is
 * malloc'd (it holds only ciphertext); the caller frees it with free().
 * Errors: ERR_USAGE (empty passphrase), ERR_DATA (not a private key
 * OpenSSL can encode, e.g. a key in a token), ERR_INTERNAL.
 */
int	keyfile_encode(EVP_PKEY *key, const char *pass, unsigned char **out,
	    size_t *outlen);

/*
 * keyfile_encode() and write the result to path, which must not exist,
 * with mode 0600 (O_CREAT|O_EXCL|O_NOFOLLOW).  Errors: those of
 * keyfile_encode(), ERR_EXISTS (path exists; it is left as it was),
 * ERR_IO (nothing is left behind).
 */
int	keyfile_write(const char *path, EVP_PKEY *key, const char *pass);

/*
 * Decrypt the text form in buf (len bytes, not necessarily
 * NUL-terminated) with the passphrase pass (secret).  source names the
 * input in messages.  *key is a new key; the caller frees it with
 * EVP_PKEY_free().  Errors: ERR_DATA (malformed: the message names what),
 * ERR_AUTH "<source>: wrong passphrase or damaged file" (the AEAD check
 * failed), ERR_INTERNAL (out of memory).
 */
int	keyfile_decode(const unsigned char *buf, size_t len,
	    const char *source, const char *pass, EVP_PKEY **key);

/*
 * keyfile_decode() of the file at path.  Errors: those of
 * keyfile_decode(), ERR_NOINPUT, ERR_IO.
 */
int	keyfile_read(const char *path, const char *pass, EVP_PKEY **key);

#endif
