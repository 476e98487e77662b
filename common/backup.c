/*
 * backup.c: seal, parse, authenticate and open the root key backup file.
 *
 * The byte layout is documented in pki-backup(5); the offsets below are
 * that table.  Trusts libsodium for XChaCha20-Poly1305, Ed25519, BLAKE2b
 * and the random nonce.  Invariants: nothing from a file is used before
 * its magic, version, algorithm, M, N, key type and every length have
 * been checked, and nothing is returned from a header whose signature
 * does not verify; a file with a byte added, removed or changed anywhere
 * is refused by backup_parse() or backup_open(); the KEK, the shares'
 * y values and the decrypted key are only ever in the caller's or our
 * own secmem_alloc() memory; the plaintext is handed out only after the
 * AEAD tag verified.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "backup.h"
#include "err.h"
#include "keytype.h"
#include "secmem.h"

/* The 8-byte magic: high bit, CR LF, DOS end-of-file, LF (as PNG). */
static const unsigned char backup_magic[8] = {
	0x89, 'P', 'K', 'B', '\r', '\n', 0x1a, '\n'
};

/* Domain strings, each including its terminating NUL. */
static const char sig_domain[] = "pki-backup-header-v1";
static const char commit_domain[] = "pki-share-commitment-v1";

/* Header offsets (pki-backup(5)). */
#define OFF_VERSION	8
#define OFF_ALG		9
#define OFF_SET_ID	10
#define OFF_M		18
#define OFF_N		19
#define OFF_FPR		20
#define OFF_KEY_TYPE	52
#define OFF_NONCE	53
#define OFF_COMMIT	77
#define HDR_PREFIX	20	/* enough to read M and N */
#define HDR_FIXED	117	/* header length without the commitments */
#define HDR_LEN(n)	(HDR_FIXED + BACKUP_COMMIT_LEN * (size_t)(n))
#define HDR_MAX		HDR_LEN(BACKUP_MAX_SHARES)
#define SIG_LEN		crypto_sign_BYTES
#define CLEN_LEN	4
#define TAG_LEN		crypto_aead_xchacha20poly1305_ietf_ABYTES

static void
put_be64(unsigned char *p, unsigned long long v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = v & 0xff;
		v >>= 8;
	}
}

static unsigned long long
get_be64(const unsigned char *p)
{
	unsigned long long v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t
get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Write the header (magic included) to buf; returns its length. */
static size_t
header_encode(const struct backup_header *hdr, unsigned char *buf)
{
	size_t off;

	memcpy(buf, backup_magic, sizeof(backup_magic));
	buf[OFF_VERSION] = hdr->version;
	buf[OFF_ALG] = hdr->alg;
	memcpy(buf + OFF_SET_ID, hdr->set_id, BACKUP_SET_ID_LEN);
	buf[OFF_M] = hdr->m;
	buf[OFF_N] = hdr->n;
	memcpy(buf + OFF_FPR, hdr->fingerprint, BACKUP_FPR_LEN);
	buf[OFF_KEY_TYPE] = hdr->key_type;
	memcpy(buf + OFF_NONCE, hdr->nonce, BACKUP_NONCE_LEN);
	off = OFF_COMMIT;
	memcpy(buf + off, hdr->commitments, BACKUP_COMMIT_LEN * hdr->n);
	off += BACKUP_COMMIT_LEN * hdr->n;
	memcpy(buf + off, hdr->signer_pk, BACKUP_SIGNER_PK_LEN);
	off += BACKUP_SIGNER_PK_LEN;
	put_be64(buf + off, hdr->created);
	return off + 8;
}

/* Read a header whose magic, N and length have been checked. */
static void
header_decode(const unsigned char *buf, struct backup_header *hdr)
{
	size_t off;

	memset(hdr, 0, sizeof(*hdr));
	hdr->version = buf[OFF_VERSION];
	hdr->alg = buf[OFF_ALG];
	memcpy(hdr->set_id, buf + OFF_SET_ID, BACKUP_SET_ID_LEN);
	hdr->m = buf[OFF_M];
	hdr->n = buf[OFF_N];
	memcpy(hdr->fingerprint, buf + OFF_FPR, BACKUP_FPR_LEN);
	hdr->key_type = buf[OFF_KEY_TYPE];
	memcpy(hdr->nonce, buf + OFF_NONCE, BACKUP_NONCE_LEN);
	off = OFF_COMMIT;
	memcpy(hdr->commitments, buf + off, BACKUP_COMMIT_LEN * hdr->n);
	off += BACKUP_COMMIT_LEN * hdr->n;
	memcpy(hdr->signer_pk, buf + off, BACKUP_SIGNER_PK_LEN);
	off += BACKUP_SIGNER_PK_LEN;
	hdr->created = get_be64(buf + off);
}

/* The signed message: sig_domain with its NUL, then the header. */
static size_t
signed_message(const unsigned char *hbuf, size_t hlen, unsigned char *msg)
{
	memcpy(msg, sig_domain, sizeof(sig_domain));
	memcpy(msg + sizeof(sig_domain), hbuf, hlen);
	return sizeof(sig_domain) + hlen;
}

static int
valid_key_type(unsigned char t)
{
	return strcmp(keytype_name((enum key_type)t), "?") != 0;
}

static int
valid_counts(unsigned m, unsigned n)
{
	return m >= 2 && m <= n && n <= BACKUP_MAX_SHARES;
}

int
backup_commitment(const unsigned char set_id[BACKUP_SET_ID_LEN],
    unsigned char x, const unsigned char y[BACKUP_KEK_LEN],
    unsigned char out[BACKUP_COMMIT_LEN])
{
	unsigned char *msg;
	size_t off = sizeof(commit_domain);
	int rc = ERR_INTERNAL;

	if (x == 0 || x > BACKUP_MAX_SHARES)
		return err_set(ERR_USAGE, "share index %u is outside 1..%d",
		    x, BACKUP_MAX_SHARES);
	/* y is secret: the whole message goes to locked memory. */
	msg = secmem_alloc(off + BACKUP_SET_ID_LEN + 1 + BACKUP_KEK_LEN);
	if (msg == NULL)
		return err_set(ERR_INTERNAL, "out of locked memory");
	memcpy(msg, commit_domain, off);
	memcpy(msg + off, set_id, BACKUP_SET_ID_LEN);
	off += BACKUP_SET_ID_LEN;
	msg[off++] = x;
	memcpy(msg + off, y, BACKUP_KEK_LEN);
	off += BACKUP_KEK_LEN;
	if (crypto_generichash(out, BACKUP_COMMIT_LEN, msg, off, NULL, 0)
	    != 0) {
		err_set(ERR_INTERNAL, "BLAKE2b failed");
		goto out;
	}
	rc = 0;
out:
	secmem_free(msg);
	return rc;
}

/* Check what the caller of backup_seal() filled in. */
static int
check_seal_args(const struct backup_header *hdr, size_t plainlen,
    const unsigned char signer_sk[64])
{
	static const unsigned char zero[BACKUP_COMMIT_LEN];
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	unsigned x;

	if (!valid_counts(hdr->m, hdr->n))
		return err_set(ERR_USAGE, "backup: M = %u, N = %u is out of "
		    "range (need 2 <= M <= N <= %d)", hdr->m, hdr->n,
		    BACKUP_MAX_SHARES);
	if (!valid_key_type(hdr->key_type))
		return err_set(ERR_USAGE, "backup: key type %u is unknown",
		    hdr->key_type);
	for (x = 1; x <= hdr->n; x++)
		if (memcmp(hdr->commitments[x - 1], zero, sizeof(zero)) == 0)
			return err_set(ERR_USAGE, "backup: the commitment "
			    "for share %u is not filled in", x);
	if (plainlen == 0 || plainlen > BACKUP_MAX_PLAIN)
		return err_set(ERR_USAGE, "backup: a key of %zu bytes cannot "
		    "be sealed (1 to %d)", plainlen, BACKUP_MAX_PLAIN);
	if (crypto_sign_ed25519_sk_to_pk(pk, signer_sk) != 0 ||
	    memcmp(pk, hdr->signer_pk, sizeof(pk)) != 0)
		return err_set(ERR_USAGE, "backup: the signer public key "
		    "does not belong to the signing key");
	return 0;
}

int
backup_seal(struct backup_header *hdr,
    const unsigned char kek[BACKUP_KEK_LEN], const unsigned char *plain,
    size_t plainlen, const unsigned char signer_sk[64],
    unsigned char **out, size_t *outlen)
{
	unsigned char msg[sizeof(sig_domain) + HDR_MAX];
	unsigned char *buf = NULL;
	size_t hlen, len;
	int rc;

	*out = NULL;
	*outlen = 0;
	if ((rc = check_seal_args(hdr, plainlen, signer_sk)) != 0)
		return rc;
	hdr->version = BACKUP_VERSION;
	hdr->alg = BACKUP_ALG_XCHACHA20POLY1305;
	randombytes_buf(hdr->nonce, sizeof(hdr->nonce));

	len = HDR_LEN(hdr->n) + SIG_LEN + CLEN_LEN + plainlen + TAG_LEN;
	if ((buf = malloc(len)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	hlen = header_encode(hdr, buf);
	if (crypto_sign_detached(buf + hlen, NULL, msg,
	    signed_message(buf, hlen, msg), signer_sk) != 0) {
		rc = err_set(ERR_INTERNAL, "backup: Ed25519 signing failed");
		goto out;
	}
	put_be32(buf + hlen + SIG_LEN, (uint32_t)(plainlen + TAG_LEN));
	/* Additional data: everything before the ciphertext length. */
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(
	    buf + hlen + SIG_LEN + CLEN_LEN, NULL, plain, plainlen,
	    buf, hlen + SIG_LEN, NULL, hdr->nonce, kek) != 0) {
		rc = err_set(ERR_INTERNAL, "backup: encryption failed");
		goto out;
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	return rc;
}

/* Magic, version, algorithm, M, N, key type: the first 53 bytes. */
static int
check_prefix(const unsigned char *buf, size_t len, const char *source)
{
	size_t n = len < sizeof(backup_magic) ? len : sizeof(backup_magic);

	if (len == 0)
		return err_set(ERR_DATA, "%s: empty file, not a backup",
		    source);
	if (memcmp(buf, backup_magic, n) != 0) {
		if (n >= 4 && memcmp(buf + 1, backup_magic + 1, 3) == 0)
			return err_set(ERR_DATA, "%s: not a backup file any "
			    "more: a text-mode transfer changed its line "
			    "endings or high bits", source);
		return err_set(ERR_DATA, "%s: not a backup file", source);
	}
	if (len < OFF_KEY_TYPE + 1)
		return err_set(ERR_DATA, "%s: truncated (%zu bytes)", source,
		    len);
	if (buf[OFF_VERSION] != BACKUP_VERSION)
		return err_set(ERR_DATA, "%s: backup format version %u is "
		    "not supported (only %d)", source, buf[OFF_VERSION],
		    BACKUP_VERSION);
	if (buf[OFF_ALG] != BACKUP_ALG_XCHACHA20POLY1305)
		return err_set(ERR_DATA, "%s: wrap algorithm %u is not "
		    "supported (only 1, XChaCha20-Poly1305)", source,
		    buf[OFF_ALG]);
	if (!valid_counts(buf[OFF_M], buf[OFF_N]))
		return err_set(ERR_DATA, "%s: M = %u, N = %u is out of range "
		    "(need 2 <= M <= N <= %d)", source, buf[OFF_M],
		    buf[OFF_N], BACKUP_MAX_SHARES);
	if (!valid_key_type(buf[OFF_KEY_TYPE]))
		return err_set(ERR_DATA, "%s: key type %u is unknown", source,
		    buf[OFF_KEY_TYPE]);
	return 0;
}

/* Lengths: header, signature, ciphertext length, exact end of file. */
static int
check_lengths(const unsigned char *buf, size_t len, const char *source,
    size_t *hlen, size_t *clen)
{
	size_t h = HDR_LEN(buf[OFF_N]), c;

	if (len < h + SIG_LEN + CLEN_LEN)
		return err_set(ERR_DATA, "%s: truncated (%zu bytes, the "
		    "header and signature alone take %zu)", source, len,
		    h + SIG_LEN + CLEN_LEN);
	c = get_be32(buf + h + SIG_LEN);
	if (c <= TAG_LEN || c > BACKUP_MAX_PLAIN + TAG_LEN)
		return err_set(ERR_DATA, "%s: ciphertext length %zu is out "
		    "of range (%d to %d)", source, c, TAG_LEN + 1,
		    BACKUP_MAX_PLAIN + TAG_LEN);
	if (len - (h + SIG_LEN + CLEN_LEN) < c)
		return err_set(ERR_DATA, "%s: truncated (%zu bytes, the "
		    "file says %zu)", source, len, h + SIG_LEN + CLEN_LEN + c);
	if (len - (h + SIG_LEN + CLEN_LEN) > c)
		return err_set(ERR_DATA, "%s: %zu trailing bytes after the "
		    "ciphertext", source, len - (h + SIG_LEN + CLEN_LEN) - c);
	*hlen = h;
	*clen = c;
	return 0;
}

/* All checks of backup_parse(); also returns the lengths. */
static int
parse(const unsigned char *buf, size_t len, const char *source,
    struct backup_header *hdr, size_t *hlen, size_t *clen)
{
	unsigned char msg[sizeof(sig_domain) + HDR_MAX];
	struct backup_header h;
	int rc;

	memset(hdr, 0, sizeof(*hdr));
	if ((rc = check_prefix(buf, len, source)) != 0 ||
	    (rc = check_lengths(buf, len, source, hlen, clen)) != 0)
		return rc;
	header_decode(buf, &h);
	if (crypto_sign_verify_detached(buf + *hlen, msg,
	    signed_message(buf, *hlen, msg), h.signer_pk) != 0)
		return err_set(ERR_DATA, "%s: header signature does not "
		    "verify (the header was edited)", source);
	*hdr = h;
	return 0;
}

int
backup_parse(const unsigned char *buf, size_t len, const char *source,
    struct backup_header *hdr)
{
	size_t hlen, clen;

	return parse(buf, len, source, hdr, &hlen, &clen);
}

int
backup_check_share(const struct backup_header *hdr, unsigned char x,
    const unsigned char y[BACKUP_KEK_LEN])
{
	unsigned char c[BACKUP_COMMIT_LEN];
	char tag[5];
	int rc;

	if (x == 0 || x > hdr->n || x > BACKUP_MAX_SHARES)
		return err_set(ERR_DATA, "share index %u is outside 1..%u",
		    x, hdr->n);
	if ((rc = backup_commitment(hdr->set_id, x, y, c)) != 0)
		return rc;
	if (sodium_memcmp(c, hdr->commitments[x - 1], sizeof(c)) != 0) {
		backup_set_tag(hdr, tag);
		return err_set(ERR_NO, "share %u does not belong to backup "
		    "%s", x, tag);
	}
	return 0;
}

int
backup_open(const unsigned char *buf, size_t len, const char *source,
    const unsigned char kek[BACKUP_KEK_LEN], unsigned char **plain,
    size_t *plainlen)
{
	struct backup_header hdr;
	unsigned char *p = NULL;
	size_t hlen, clen;
	int rc;

	*plain = NULL;
	*plainlen = 0;
	if ((rc = parse(buf, len, source, &hdr, &hlen, &clen)) != 0)
		return rc;
	if ((p = secmem_alloc(clen - TAG_LEN)) == NULL)
		return err_set(ERR_INTERNAL, "out of locked memory");
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(p, NULL, NULL,
	    buf + hlen + SIG_LEN + CLEN_LEN, clen, buf, hlen + SIG_LEN,
	    hdr.nonce, kek) != 0) {
		rc = err_set(ERR_NO, "%s: the shares do not open this backup "
		    "(wrong shares, or the encrypted key is damaged)", source);
		goto out;
	}
	*plain = p;
	*plainlen = clen - TAG_LEN;
	p = NULL;
	rc = 0;
out:
	secmem_free(p);
	return rc;
}

int
backup_set_tag(const struct backup_header *hdr, char tag[5])
{
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint32_t bits;
	int i;

	/* The set id is public: a table lookup is fine here. */
	bits = (uint32_t)hdr->set_id[0] << 12 |
	    (uint32_t)hdr->set_id[1] << 4 | hdr->set_id[2] >> 4;
	for (i = 0; i < 4; i++)
		tag[i] = b32[(bits >> (15 - 5 * i)) & 31];
	tag[4] = '\0';
	return 0;
}
