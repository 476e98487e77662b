/*
 * kekshare.h: the root key backup as a whole: wrap the key under a fresh
 * KEK, split the KEK M-of-N into shares, and the way back.
 *
 * Ties together shamir.c (the split), share.c (the records custodians
 * hold) and backup.c (the sealed file with one commitment per share).
 * Used by pki-root-keygen, pki-shares and pki-root-restore.
 */
#ifndef PKI_KEKSHARE_H
#define PKI_KEKSHARE_H

#include <stddef.h>

#include <openssl/evp.h>

#include "backup.h"
#include "keytype.h"
#include "share.h"

struct kekshare_params {
	unsigned m, n;
	const char *const *custodians;		/* n names */
	const unsigned char *fingerprint;	/* 32: SHA-256 of the SPKI */
	enum key_type key_type;
	const unsigned char *signer_sk;		/* 64, secret: Ed25519 */
	const unsigned char *signer_pk;		/* 32 */
};

/*
 * Wrap plain (the PKCS#8 DER of the root key; secret) under a fresh
 * random KEK, split the KEK with a fresh set id, and seal the backup.
 * *backup is malloc'd; *shares is a secmem array of n records (free with
 * secmem_free()).  The KEK never leaves this function.
 */
int	kekshare_create(const unsigned char *plain, size_t plainlen,
	    const struct kekshare_params *p, unsigned char **backup,
	    size_t *backuplen, struct share **shares);

/*
 * Recover the plaintext from a backup and count shares (secret; names[]
 * are the inputs, for messages).  Checks, in order, each naming the
 * share: same set as the backup (ERR_DATA), same M, N and key, no
 * duplicate index (ERR_DATA), at least M shares (ERR_NO), each share's
 * commitment in the backup header (ERR_NO "does not belong"), then
 * combines and opens the backup (ERR_NO).  *plain is a secmem buffer.
 * hdr, if not NULL, receives the parsed header.
 */
int	kekshare_recover(const unsigned char *backup, size_t backuplen,
	    const char *backup_name, struct share *const *shares,
	    const char *const *names, unsigned count, unsigned char **plain,
	    size_t *plainlen, struct backup_header *hdr);

/*
 * The live restore test: pick m of the n shares at random, recover the
 * plaintext in memory and check it is the private key of pub.  used
 * receives the indices, e.g. "1,3,5".  ERR_NO if the key differs,
 * ERR_CONFIG unless 2 <= m <= n <= 16.
 */
int	kekshare_selftest(const unsigned char *backup, size_t backuplen,
	    struct share *shares, unsigned n, unsigned m, EVP_PKEY *pub,
	    char *used, size_t usedlen);

#endif
