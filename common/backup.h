/*
 * backup.h: the root key backup file (format in pki-backup(5)).
 *
 * The root private key (PKCS#8 DER) is encrypted with XChaCha20-Poly1305
 * under a random 256-bit key-encryption key (KEK); the KEK is split M of
 * N by shamir.h and never stored.  The file is public and is copied to
 * several media.  Its header names the share set, M, N, the root key's
 * fingerprint and one commitment per share, so that each share can be
 * authenticated before anything is combined; the header is signed with
 * the ceremony's Ed25519 transcript key and is the AEAD's additional
 * data, so an edited header fails twice: at the signature and at
 * decryption.
 *
 * The signature is checked under the public key stored in the header
 * itself: it proves that the header was not edited after sealing, and it
 * proves who sealed it only once the caller compares hdr->signer_pk with
 * the ceremony transcript's key.
 */
#ifndef PKI_BACKUP_H
#define PKI_BACKUP_H

#include <stddef.h>

#define BACKUP_KEK_LEN		32	/* the KEK and each share's y */
#define BACKUP_SET_ID_LEN	8
#define BACKUP_COMMIT_LEN	16
#define BACKUP_MAX_SHARES	16
#define BACKUP_FPR_LEN		32	/* SHA-256 of the SPKI DER */
#define BACKUP_NONCE_LEN	24
#define BACKUP_SIGNER_PK_LEN	32
#define BACKUP_VERSION		1
#define BACKUP_ALG_XCHACHA20POLY1305 1
/* The largest plaintext (PKCS#8 of an RSA 4096 key is about 2.4 kB). */
#define BACKUP_MAX_PLAIN	16384
/* The largest file backup_parse() accepts (N = 16, largest plaintext). */
#define BACKUP_MAX_FILE		(373 + 64 + 4 + BACKUP_MAX_PLAIN + 16)

/*
 * The public header, as found in the file.  commitments[x - 1] belongs
 * to share x; entries n .. 15 are zero after backup_parse().  key_type
 * holds an enum key_type value (keytype.h).  created is Unix seconds.
 */
struct backup_header {
	unsigned char	version;
	unsigned char	alg;
	unsigned char	set_id[BACKUP_SET_ID_LEN];
	unsigned char	m;
	unsigned char	n;
	unsigned char	fingerprint[BACKUP_FPR_LEN];
	unsigned char	key_type;
	unsigned char	nonce[BACKUP_NONCE_LEN];
	unsigned char	commitments[BACKUP_MAX_SHARES][BACKUP_COMMIT_LEN];
	unsigned char	signer_pk[BACKUP_SIGNER_PK_LEN];
	unsigned long long created;
};

/*
 * The commitment to share x of set set_id: the unkeyed 16-byte BLAKE2b
 * of "pki-share-commitment-v1" and its NUL, set_id, x and y.  y (32
 * bytes) is secret and is only copied into locked memory; out is public.
 * Returns 0, ERR_USAGE if x is 0 or above 16, ERR_INTERNAL if locked
 * memory is exhausted.
 */
int	backup_commitment(const unsigned char set_id[BACKUP_SET_ID_LEN],
	    unsigned char x, const unsigned char y[BACKUP_KEK_LEN],
	    unsigned char out[BACKUP_COMMIT_LEN]);

/*
 * Seal a backup.  The caller fills hdr's set_id, m, n, fingerprint,
 * key_type, commitments[0 .. n-1], signer_pk and created; this function
 * sets hdr->version, hdr->alg and a fresh random hdr->nonce, signs the
 * header with signer_sk and encrypts plain (plainlen bytes) under kek.
 * kek, plain and signer_sk (libsodium's 64-byte Ed25519 secret key) are
 * secret and stay in the caller's locked memory.  *out (public) is
 * malloc'd, the caller frees it with free(); on error *out is NULL and
 * *outlen 0.
 * Returns 0, or ERR_USAGE unless 2 <= m <= n <= 16, the key type is
 * known, every commitment is filled in, 1 <= plainlen <= BACKUP_MAX_PLAIN
 * and signer_pk belongs to signer_sk; ERR_INTERNAL on allocation or
 * library failure.
 */
int	backup_seal(struct backup_header *hdr,
	    const unsigned char kek[BACKUP_KEK_LEN], const unsigned char *plain,
	    size_t plainlen, const unsigned char signer_sk[64],
	    unsigned char **out, size_t *outlen);

/*
 * Parse and check a backup file read into buf (len bytes, public) and
 * fill *hdr.  Strict: magic, version, algorithm, 2 <= M <= N <= 16, key
 * type, lengths, no trailing bytes, and the header signature under
 * hdr->signer_pk (the caller still compares that key with the
 * transcript's).  source names the input in messages.  On error *hdr is
 * zeroed.
 * Returns 0 or ERR_DATA with "<source>: <the problem>".
 */
int	backup_parse(const unsigned char *buf, size_t len,
	    const char *source, struct backup_header *hdr);

/*
 * Check share (x, y) against the commitment in a parsed header; y (32
 * bytes) is secret.  Returns 0 if it matches, ERR_NO if not, ERR_DATA if
 * x is 0 or above hdr->n, ERR_INTERNAL if locked memory is exhausted.
 */
int	backup_check_share(const struct backup_header *hdr, unsigned char x,
	    const unsigned char y[BACKUP_KEK_LEN]);

/*
 * Parse buf as backup_parse() does and decrypt it with kek (secret).
 * *plain (the PKCS#8 DER, secret) is secmem_alloc()'d and the caller
 * frees it with secmem_free(); on error *plain is NULL and *plainlen 0.
 * Returns 0, ERR_DATA as backup_parse(), ERR_NO "<source>: the shares do
 * not open this backup ..." when decryption fails (wrong KEK or damaged
 * ciphertext), ERR_INTERNAL if locked memory is exhausted.
 */
int	backup_open(const unsigned char *buf, size_t len, const char *source,
	    const unsigned char kek[BACKUP_KEK_LEN], unsigned char **plain,
	    size_t *plainlen);

/*
 * The set tag that sheets and messages show: the first 4 characters of
 * the RFC 4648 base32 form of the set id (its first 20 bits), plus NUL.
 * The same as share_set_tag().  Returns 0.
 */
int	backup_set_tag(const struct backup_header *hdr, char tag[5]);

#endif
