/*
 * test_backup.c: unit tests for common/backup.c.
 *
 * Seals a real P-256 key's PKCS#8 and checks the documented layout of
 * pki-backup(5) byte by byte, the round trip, and that every change to
 * the file (each byte flipped, each truncation, a trailing byte, a
 * header re-signed by another key, out-of-range fields) is refused with
 * the right code.  Offsets here are computed from the man page, not from
 * backup.c, so the two are checked against each other.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "backup.h"
#include "err.h"
#include "harness.h"
#include "keytype.h"
#include "secmem.h"

/* pki-backup(5) */
#define HLEN(n)		(117 + 16 * (size_t)(n))
#define CT_OFF(n)	(HLEN(n) + 64 + 4)
#define FILE_LEN(n, p)	(CT_OFF(n) + (p) + 16)

static const unsigned char magic[8] = {
	0x89, 'P', 'K', 'B', 0x0d, 0x0a, 0x1a, 0x0a
};

struct fixture {
	EVP_PKEY	*key;
	unsigned char	*p8;		/* secmem */
	size_t		 p8len;
	unsigned char	*kek;		/* secmem */
	unsigned char	*sk;		/* secmem */
	unsigned char	 pk[32];
	unsigned char	*ys;		/* secmem, 16 * 32 */
	struct backup_header hdr;
};

static int
make_p8(struct fixture *f)
{
	PKCS8_PRIV_KEY_INFO *p8i;
	unsigned char *der = NULL;
	int len;

	if (keytype_generate(KEY_P256, &f->key) != 0)
		return -1;
	if ((p8i = EVP_PKEY2PKCS8(f->key)) == NULL)
		return -1;
	len = i2d_PKCS8_PRIV_KEY_INFO(p8i, &der);
	PKCS8_PRIV_KEY_INFO_free(p8i);
	if (len <= 0 || (f->p8 = secmem_alloc(len)) == NULL)
		return -1;
	memcpy(f->p8, der, len);
	f->p8len = len;
	OPENSSL_clear_free(der, len);
	return 0;
}

static int
make_fingerprint(EVP_PKEY *key, unsigned char out[32])
{
	unsigned char *der = NULL;
	int len;

	if ((len = i2d_PUBKEY(key, &der)) <= 0)
		return -1;
	crypto_hash_sha256(out, der, len);
	OPENSSL_free(der);
	return 0;
}

/* A header for an m-of-n set with commitments to random ys. */
static void
fill_header(struct fixture *f, unsigned m, unsigned n)
{
	unsigned x;

	memset(&f->hdr, 0, sizeof(f->hdr));
	randombytes_buf(f->hdr.set_id, sizeof(f->hdr.set_id));
	f->hdr.m = m;
	f->hdr.n = n;
	make_fingerprint(f->key, f->hdr.fingerprint);
	f->hdr.key_type = KEY_P256;
	for (x = 1; x <= n; x++)
		backup_commitment(f->hdr.set_id, x, f->ys + 32 * (x - 1),
		    f->hdr.commitments[x - 1]);
	memcpy(f->hdr.signer_pk, f->pk, 32);
	f->hdr.created = 0x0123456789abcdefULL;
}

static int
setup(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	if (make_p8(f) != 0)
		return -1;
	f->kek = secmem_alloc(BACKUP_KEK_LEN);
	f->sk = secmem_alloc(crypto_sign_SECRETKEYBYTES);
	f->ys = secmem_alloc(16 * 32);
	if (f->kek == NULL || f->sk == NULL || f->ys == NULL)
		return -1;
	randombytes_buf(f->kek, BACKUP_KEK_LEN);
	randombytes_buf(f->ys, 16 * 32);
	crypto_sign_keypair(f->pk, f->sk);
	fill_header(f, 3, 5);
	return 0;
}

static void
teardown(struct fixture *f)
{
	EVP_PKEY_free(f->key);
	secmem_free(f->p8);
	secmem_free(f->kek);
	secmem_free(f->sk);
	secmem_free(f->ys);
}

static int
seal(struct fixture *f, unsigned char **out, size_t *outlen)
{
	struct backup_header h = f->hdr;

	return backup_seal(&h, f->kek, f->p8, f->p8len, f->sk, out, outlen);
}

/* Sign the header of buf (N = n) again with sk, as the man page says. */
static void
resign(unsigned char *buf, unsigned n, const unsigned char *sk)
{
	static const char dom[] = "pki-backup-header-v1";
	unsigned char msg[sizeof(dom) + 373];

	memcpy(msg, dom, sizeof(dom));
	memcpy(msg + sizeof(dom), buf, HLEN(n));
	crypto_sign_detached(buf + HLEN(n), NULL, msg,
	    sizeof(dom) + HLEN(n), sk);
}

static int
msg_has(const char *s)
{
	return strstr(err_msg(), s) != NULL;
}

static void
test_roundtrip(struct fixture *f)
{
	struct backup_header h = f->hdr, p;
	unsigned char *out = NULL, *plain = NULL;
	const unsigned char *q;
	PKCS8_PRIV_KEY_INFO *p8i = NULL;
	EVP_PKEY *back = NULL;
	size_t outlen, plainlen;

	CHECK_RC(backup_seal(&h, f->kek, f->p8, f->p8len, f->sk, &out,
	    &outlen), 0, "seal a P-256 PKCS#8 (%zu bytes)", f->p8len);
	CHECK(h.version == 1 && h.alg == 1, "seal sets version and alg");
	CHECK_RC(backup_parse(out, outlen, "b", &p), 0, "parse it back");
	CHECK(memcmp(p.set_id, h.set_id, 8) == 0 && p.m == 3 && p.n == 5 &&
	    memcmp(p.fingerprint, h.fingerprint, 32) == 0 &&
	    p.key_type == KEY_P256 && memcmp(p.nonce, h.nonce, 24) == 0 &&
	    memcmp(p.commitments, h.commitments, 5 * 16) == 0 &&
	    memcmp(p.signer_pk, f->pk, 32) == 0 &&
	    p.created == 0x0123456789abcdefULL && p.version == 1 &&
	    p.alg == 1, "parsed header equals the sealed one");
	CHECK_RC(backup_open(out, outlen, "b", f->kek, &plain, &plainlen), 0,
	    "open with the right KEK");
	CHECK(plain != NULL && plainlen == f->p8len &&
	    memcmp(plain, f->p8, plainlen) == 0, "plaintext comes back");
	if (plain != NULL) {
		q = plain;
		p8i = d2i_PKCS8_PRIV_KEY_INFO(NULL, &q, plainlen);
		back = p8i != NULL ? EVP_PKCS82PKEY(p8i) : NULL;
	}
	CHECK(back != NULL && EVP_PKEY_eq(back, f->key) == 1,
	    "restored PKCS#8 is the same P-256 key");
	EVP_PKEY_free(back);
	PKCS8_PRIV_KEY_INFO_free(p8i);
	secmem_free(plain);
	free(out);
}

/* Decrypt as pki-backup(5) describes, without backup.c. */
static int
independent_open(struct fixture *f, const unsigned char *buf, size_t len,
    unsigned n)
{
	unsigned char *p;
	int rc;

	if ((p = secmem_alloc(len)) == NULL)
		return -1;
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt(p, NULL, NULL,
	    buf + CT_OFF(n), len - CT_OFF(n), buf, HLEN(n) + 64, buf + 53,
	    f->kek);
	if (rc == 0 && memcmp(p, f->p8, f->p8len) != 0)
		rc = -1;
	secmem_free(p);
	return rc;
}

static void
test_layout(struct fixture *f)
{
	struct backup_header h = f->hdr;
	unsigned char *out = NULL;
	size_t outlen, i, h5 = HLEN(5), win;
	int found = 0;

	if (backup_seal(&h, f->kek, f->p8, f->p8len, f->sk, &out,
	    &outlen) != 0) {
		CHECK(0, "seal for layout: %s", err_msg());
		return;
	}
	CHECK(outlen == FILE_LEN(5, f->p8len), "file length %zu", outlen);
	CHECK(memcmp(out, magic, 8) == 0, "magic at 0");
	CHECK(out[8] == 1 && out[9] == 1, "version and alg at 8, 9");
	CHECK(memcmp(out + 10, h.set_id, 8) == 0, "set id at 10");
	CHECK(out[18] == 3 && out[19] == 5, "M and N at 18, 19");
	CHECK(memcmp(out + 20, h.fingerprint, 32) == 0, "fingerprint at 20");
	CHECK(out[52] == KEY_P256, "key type at 52");
	CHECK(memcmp(out + 53, h.nonce, 24) == 0, "nonce at 53");
	CHECK(memcmp(out + 77, h.commitments, 80) == 0, "commitments at 77");
	CHECK(memcmp(out + 157, f->pk, 32) == 0, "signer key at 77+16N");
	CHECK(memcmp(out + 189, "\x01\x23\x45\x67\x89\xab\xcd\xef", 8) == 0,
	    "created big-endian at 109+16N");
	CHECK(out[h5 + 64] == 0 && out[h5 + 65] == 0 &&
	    (size_t)(out[h5 + 66] << 8 | out[h5 + 67]) == f->p8len + 16,
	    "ciphertext length big-endian after the signature");
	CHECK(independent_open(f, out, outlen, 5) == 0, "XChaCha20-Poly1305 "
	    "with AD = header and signature, key = KEK, nonce at 53");
	/* No 16-byte window of the key's PKCS#8 is in the file. */
	win = f->p8len < 16 ? f->p8len : 16;
	for (i = 0; i + win <= f->p8len; i++)
		if (memmem(out, outlen, f->p8 + i, win) != NULL)
			found++;
	CHECK(found == 0, "no 16-byte piece of the plaintext in the file "
	    "(%d found)", found);
	free(out);
}

static void
test_fresh_nonce(struct fixture *f)
{
	unsigned char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;

	seal(f, &a, &alen);
	seal(f, &b, &blen);
	CHECK(a != NULL && b != NULL && alen == blen &&
	    memcmp(a + 53, b + 53, 24) != 0 &&
	    memcmp(a + CT_OFF(5), b + CT_OFF(5), alen - CT_OFF(5)) != 0,
	    "two seals of one key have different nonces and ciphertexts");
	free(a);
	free(b);
}

static void
test_wrong_kek(struct fixture *f)
{
	unsigned char *out = NULL, *plain = NULL, *kek2;
	size_t outlen = 0, plainlen = 1;

	kek2 = secmem_alloc(BACKUP_KEK_LEN);
	seal(f, &out, &outlen);
	memcpy(kek2, f->kek, BACKUP_KEK_LEN);
	kek2[31] ^= 0x01;
	CHECK_RC(backup_open(out, outlen, "b.bak", kek2, &plain, &plainlen),
	    ERR_NO, "a KEK with one bit changed is refused");
	CHECK(plain == NULL && plainlen == 0, "nothing handed out");
	CHECK(msg_has("b.bak: the shares do not open this backup"),
	    "message: %s", err_msg());
	secmem_free(kek2);
	free(out);
}

/* Open with one byte changed; returns 1 if refused as documented. */
static int
flip_refused(struct fixture *f, unsigned char *out, size_t outlen,
    size_t off, unsigned char mask)
{
	struct backup_header p;
	unsigned char *plain = NULL;
	size_t plainlen;
	int prc, orc;

	out[off] ^= mask;
	prc = backup_parse(out, outlen, "b", &p);
	orc = backup_open(out, outlen, "b", f->kek, &plain, &plainlen);
	out[off] ^= mask;
	secmem_free(plain);
	if (off < CT_OFF(5))
		return prc == ERR_DATA && orc == ERR_DATA;
	return prc == 0 && orc == ERR_NO && plain == NULL;
}

static void
test_flips(struct fixture *f)
{
	static const unsigned char masks[] = { 0x01, 0x80, 0xff };
	unsigned char *out = NULL;
	size_t outlen = 0, off, bad = 0, first = 0, m;

	seal(f, &out, &outlen);
	for (off = 0; off < outlen; off++) {
		for (m = 0; m < sizeof(masks); m++) {
			if (flip_refused(f, out, outlen, off, masks[m]))
				continue;
			if (bad++ == 0)
				first = off;
		}
	}
	CHECK(outlen > 0 && bad == 0, "each of %zu bytes flipped 3 ways is "
	    "refused (header by parse, ciphertext by open): %zu accepted, "
	    "first at %zu", outlen, bad, first);
	free(out);
}

static void
test_truncation(struct fixture *f)
{
	struct backup_header p;
	unsigned char *out = NULL, *plain = NULL, *big;
	size_t outlen = 0, len, bad = 0, plainlen;

	seal(f, &out, &outlen);
	for (len = 0; len < outlen; len++) {
		if (backup_parse(out, len, "b", &p) != ERR_DATA ||
		    !msg_has(len == 0 ? "empty" : "truncated") ||
		    backup_open(out, len, "b", f->kek, &plain,
		    &plainlen) != ERR_DATA || plain != NULL)
			bad++;
	}
	CHECK(outlen > 0 && bad == 0, "each of %zu truncations refused as "
	    "truncated (%zu not)", outlen, bad);
	big = malloc(outlen + 1);
	memcpy(big, out, outlen);
	big[outlen] = 0;
	CHECK_RC(backup_parse(big, outlen + 1, "b", &p), ERR_DATA,
	    "one trailing byte refused");
	CHECK(msg_has("1 trailing bytes"), "message: %s", err_msg());
	CHECK_RC(backup_open(big, outlen + 1, "b", f->kek, &plain,
	    &plainlen), ERR_DATA, "open refuses it too");
	free(big);
	free(out);
}

static void
test_other_signer(struct fixture *f)
{
	struct backup_header p;
	unsigned char pk2[32], *sk2, *out = NULL, *plain = NULL;
	size_t outlen = 0, plainlen;

	sk2 = secmem_alloc(crypto_sign_SECRETKEYBYTES);
	crypto_sign_keypair(pk2, sk2);
	seal(f, &out, &outlen);
	resign(out, 5, sk2);
	CHECK_RC(backup_parse(out, outlen, "b", &p), ERR_DATA,
	    "header signed by another key than signer_pk refused");
	CHECK(msg_has("b: header signature does not verify (the header was "
	    "edited)"), "message: %s", err_msg());

	/* A forger who also swaps in his own public key: parse accepts
	 * (the caller must compare signer_pk), decryption does not. */
	memcpy(out + HLEN(5) - 40, pk2, 32);
	resign(out, 5, sk2);
	CHECK_RC(backup_parse(out, outlen, "b", &p), 0,
	    "consistently re-signed header parses");
	CHECK(memcmp(p.signer_pk, f->pk, 32) != 0 &&
	    memcmp(p.signer_pk, pk2, 32) == 0,
	    "and shows the forger's key for the caller to refuse");
	CHECK_RC(backup_open(out, outlen, "b", f->kek, &plain, &plainlen),
	    ERR_NO, "the AEAD refuses the re-signed header");
	secmem_free(sk2);
	free(out);
}

static void
test_commitments(struct fixture *f)
{
	static const char dom[] = "pki-share-commitment-v1";
	unsigned char msg[sizeof(dom) + 8 + 1 + 32], c[16], *y;
	struct backup_header h;
	unsigned x, bit, bad = 0, good = 0;

	memcpy(msg, dom, sizeof(dom));
	memcpy(msg + sizeof(dom), f->hdr.set_id, 8);
	msg[sizeof(dom) + 8] = 2;
	memcpy(msg + sizeof(dom) + 9, f->ys + 32, 32);
	crypto_generichash(c, 16, msg, sizeof(msg), NULL, 0);
	CHECK(memcmp(c, f->hdr.commitments[1], 16) == 0,
	    "commitment is BLAKE2b-128(domain NUL || set id || x || y)");
	for (x = 1; x <= 5; x++)
		if (backup_check_share(&f->hdr, x, f->ys + 32 * (x - 1)) == 0)
			good++;
	CHECK(good == 5, "all 5 right shares pass (%u)", good);
	y = secmem_alloc(32);
	for (bit = 0; bit < 256; bit++) {
		memcpy(y, f->ys + 64, 32);
		y[bit / 8] ^= 1 << (bit % 8);
		if (backup_check_share(&f->hdr, 3, y) != ERR_NO)
			bad++;
	}
	CHECK(bad == 0, "each of 256 one-bit changes to y refused (%u not)",
	    bad);
	h = f->hdr;
	for (bit = 0; bit < 128; bit++) {
		h.commitments[2][bit / 8] ^= 1 << (bit % 8);
		if (backup_check_share(&h, 3, f->ys + 64) != ERR_NO)
			bad++;
		h.commitments[2][bit / 8] ^= 1 << (bit % 8);
	}
	CHECK(bad == 0, "each one-bit change to the commitment refused (%u "
	    "not)", bad);
	CHECK_RC(backup_check_share(&f->hdr, 4, f->ys + 64), ERR_NO,
	    "share 3's y presented as share 4 refused");
	CHECK(msg_has("does not belong to backup"), "message: %s", err_msg());
	CHECK_RC(backup_check_share(&f->hdr, 0, f->ys), ERR_DATA, "x = 0");
	CHECK_RC(backup_check_share(&f->hdr, 6, f->ys), ERR_DATA, "x = N+1");
	CHECK_RC(backup_check_share(&f->hdr, 255, f->ys), ERR_DATA, "x = 255");
	CHECK_RC(backup_commitment(f->hdr.set_id, 0, f->ys, c), ERR_USAGE,
	    "no commitment for x = 0");
	CHECK_RC(backup_commitment(f->hdr.set_id, 17, f->ys, c), ERR_USAGE,
	    "no commitment for x = 17");
	secmem_free(y);
}

static void
test_seal_refusals(struct fixture *f)
{
	static const unsigned char mn[][2] = {
		{ 1, 5 }, { 0, 5 }, { 6, 5 }, { 2, 17 }, { 17, 17 }, { 0, 0 }
	};
	struct backup_header h;
	unsigned char *out, pk2[32], *sk2;
	size_t outlen, i;

	for (i = 0; i < sizeof(mn) / sizeof(mn[0]); i++) {
		h = f->hdr;
		h.m = mn[i][0];
		h.n = mn[i][1];
		out = (unsigned char *)1;
		CHECK_RC(backup_seal(&h, f->kek, f->p8, f->p8len, f->sk, &out,
		    &outlen), ERR_USAGE, "seal refuses M=%u N=%u", h.m, h.n);
		CHECK(out == NULL && outlen == 0, "and returns nothing");
	}
	h = f->hdr;
	h.key_type = 0;
	CHECK_RC(backup_seal(&h, f->kek, f->p8, f->p8len, f->sk, &out,
	    &outlen), ERR_USAGE, "seal refuses an unknown key type");
	h = f->hdr;
	memset(h.commitments[4], 0, 16);
	CHECK_RC(backup_seal(&h, f->kek, f->p8, f->p8len, f->sk, &out,
	    &outlen), ERR_USAGE, "seal refuses a missing commitment");
	h = f->hdr;
	CHECK_RC(backup_seal(&h, f->kek, f->p8, 0, f->sk, &out, &outlen),
	    ERR_USAGE, "seal refuses an empty plaintext");
	CHECK_RC(backup_seal(&h, f->kek, f->p8, BACKUP_MAX_PLAIN + 1, f->sk,
	    &out, &outlen), ERR_USAGE, "seal refuses an oversized plaintext");
	sk2 = secmem_alloc(crypto_sign_SECRETKEYBYTES);
	crypto_sign_keypair(pk2, sk2);
	CHECK_RC(backup_seal(&h, f->kek, f->p8, f->p8len, sk2, &out,
	    &outlen), ERR_USAGE, "seal refuses a signing key that does not "
	    "match signer_pk");
	secmem_free(sk2);
}

/* Parse with byte off set to v (and the header re-signed). */
static int
parse_edited(struct fixture *f, const unsigned char *good, size_t len,
    size_t off, unsigned char v)
{
	struct backup_header p;
	unsigned char *buf;
	int rc;

	buf = malloc(len);
	memcpy(buf, good, len);
	buf[off] = v;
	if (off != 19)
		resign(buf, 5, f->sk);
	rc = backup_parse(buf, len, "b", &p);
	free(buf);
	return rc;
}

static void
test_parse_refusals(struct fixture *f)
{
	static const unsigned char bad_m[] = { 0, 1, 6, 255 };
	static const unsigned char bad_n[] = { 0, 1, 2, 17, 255 };
	struct backup_header p;
	unsigned char *out = NULL, *mangled;
	size_t outlen = 0, i;

	seal(f, &out, &outlen);
	for (i = 0; i < sizeof(bad_m); i++) {
		CHECK_RC(parse_edited(f, out, outlen, 18, bad_m[i]), ERR_DATA,
		    "parse refuses M=%u N=5 (re-signed)", bad_m[i]);
		CHECK(msg_has("out of range"), "message: %s", err_msg());
	}
	for (i = 0; i < sizeof(bad_n); i++) {
		CHECK_RC(parse_edited(f, out, outlen, 19, bad_n[i]), ERR_DATA,
		    "parse refuses M=3 N=%u", bad_n[i]);
		CHECK(msg_has("out of range"), "message: %s", err_msg());
	}
	CHECK_RC(parse_edited(f, out, outlen, 8, 2), ERR_DATA, "version 2");
	CHECK(msg_has("version 2 is not supported"), "message: %s",
	    err_msg());
	CHECK_RC(parse_edited(f, out, outlen, 9, 2), ERR_DATA, "alg 2");
	CHECK(msg_has("algorithm 2"), "message: %s", err_msg());
	CHECK_RC(parse_edited(f, out, outlen, 52, 99), ERR_DATA, "key type");
	CHECK(msg_has("key type 99"), "message: %s", err_msg());

	/* A text-mode transfer: CR LF became LF. */
	mangled = malloc(outlen);
	memcpy(mangled, out, 4);
	memcpy(mangled + 4, out + 5, outlen - 5);
	CHECK_RC(backup_parse(mangled, outlen - 1, "b", &p), ERR_DATA,
	    "CR LF turned into LF refused");
	CHECK(msg_has("text-mode"), "message: %s", err_msg());
	memcpy(mangled, out, outlen);
	mangled[0] &= 0x7f;
	CHECK_RC(backup_parse(mangled, outlen, "b", &p), ERR_DATA,
	    "high bit stripped refused");
	CHECK(msg_has("text-mode"), "message: %s", err_msg());
	CHECK_RC(backup_parse((const unsigned char *)"-----BEGIN", 10, "x.pem",
	    &p), ERR_DATA, "a PEM file is refused");
	CHECK(msg_has("x.pem: not a backup file"), "message: %s", err_msg());
	free(mangled);
	free(out);
}

/* A file whose ciphertext length field and size agree on a bad value. */
static void
test_clen(struct fixture *f)
{
	static const size_t clens[] = { 0, 1, 16, BACKUP_MAX_PLAIN + 17 };
	struct backup_header p;
	unsigned char *out = NULL, *buf, *plain = NULL;
	size_t outlen = 0, plainlen, i, c, off = HLEN(5) + 64;

	seal(f, &out, &outlen);
	for (i = 0; i < sizeof(clens) / sizeof(clens[0]); i++) {
		c = clens[i];
		buf = calloc(1, off + 4 + c);
		memcpy(buf, out, off);
		buf[off + 1] = c >> 16;
		buf[off + 2] = c >> 8;
		buf[off + 3] = c;
		CHECK_RC(backup_parse(buf, off + 4 + c, "b", &p), ERR_DATA,
		    "ciphertext length %zu refused", c);
		CHECK(msg_has("ciphertext length"), "message: %s", err_msg());
		CHECK_RC(backup_open(buf, off + 4 + c, "b", f->kek, &plain,
		    &plainlen), ERR_DATA, "open refuses it too");
		free(buf);
	}
	free(out);
}

/* Round trips at the ends of the M, N range. */
static void
test_extremes(struct fixture *f)
{
	static const unsigned char mn[][2] = { { 2, 2 }, { 16, 16 }, {2, 16} };
	unsigned char *out, *plain;
	size_t outlen, plainlen, i;
	struct backup_header p;

	for (i = 0; i < sizeof(mn) / sizeof(mn[0]); i++) {
		fill_header(f, mn[i][0], mn[i][1]);
		out = plain = NULL;
		CHECK_RC(seal(f, &out, &outlen), 0, "seal %u of %u",
		    mn[i][0], mn[i][1]);
		CHECK(outlen == FILE_LEN(mn[i][1], f->p8len),
		    "length for N=%u", mn[i][1]);
		CHECK_RC(backup_parse(out, outlen, "b", &p), 0, "parse");
		CHECK(p.n == mn[i][1] && backup_check_share(&p, p.n,
		    f->ys + 32 * (p.n - 1)) == 0, "last share checks");
		CHECK_RC(backup_open(out, outlen, "b", f->kek, &plain,
		    &plainlen), 0, "open");
		secmem_free(plain);
		free(out);
	}
	fill_header(f, 3, 5);
}

static void
test_set_tag(void)
{
	struct backup_header h;
	char tag[5];

	memset(&h, 0, sizeof(h));
	backup_set_tag(&h, tag);
	CHECK(strcmp(tag, "AAAA") == 0, "tag of zeros: %s", tag);
	memcpy(h.set_id, "\x08\x42\x10\xff", 4);
	backup_set_tag(&h, tag);
	CHECK(strcmp(tag, "BBBB") == 0, "tag of 08 42 10: %s", tag);
	memset(h.set_id, 0xff, 8);
	backup_set_tag(&h, tag);
	CHECK(strcmp(tag, "7777") == 0, "tag of ff ff ff: %s", tag);
}

int
main(void)
{
	struct fixture f;

	if (secmem_init() != 0 || setup(&f) != 0) {
		CHECK(0, "setup: %s", err_msg());
		return harness_done();
	}
	test_roundtrip(&f);
	test_layout(&f);
	test_fresh_nonce(&f);
	test_wrong_kek(&f);
	test_flips(&f);
	test_truncation(&f);
	test_other_signer(&f);
	test_commitments(&f);
	test_seal_refusals(&f);
	test_parse_refusals(&f);
	test_clen(&f);
	test_extremes(&f);
	test_set_tag();
	teardown(&f);
	return harness_done();
}
