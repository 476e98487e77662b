/*
 * test_keyfile.c: unit tests for common/keyfile.c.
 *
 * Round trips for P-256, RSA-3072 (in memory) and P-384 (through a
 * file), a wrong passphrase, single flipped bytes in each part of the
 * header and in the ciphertext, malformed armour, an existing output
 * path (refused, file unchanged), the file mode, and that the key's raw
 * private value appears nowhere in the output.  Offsets come from the
 * format description in keyfile.h.  Argon2id MODERATE costs about a
 * second each, so the tests derive a key only about ten times: the
 * malformed cases are all refused before any derivation.
 */
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "err.h"
#include "fileio.h"
#include "harness.h"
#include "keyfile.h"
#include "keytype.h"
#include "secmem.h"

#define BEGIN	"-----BEGIN PKI ENCRYPTED PRIVATE KEY-----\n"
#define END	"-----END PKI ENCRYPTED PRIVATE KEY-----\n"
#define HDR	68

static const char pass[] = "correct horse battery staple";

/* The binary inside the armour (test's own decoder), malloc'd. */
static unsigned char *
unwrap(const unsigned char *txt, size_t len, size_t *binlen)
{
	size_t blen = strlen(BEGIN), elen = strlen(END);
	unsigned char *bin;

	if (len < blen + elen || memcmp(txt, BEGIN, blen) != 0 ||
	    memcmp(txt + len - elen, END, elen) != 0)
		return NULL;
	if ((bin = malloc(len)) == NULL)
		return NULL;
	if (sodium_base642bin(bin, len, (const char *)txt + blen,
	    len - blen - elen, "\n", binlen, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(bin);
		return NULL;
	}
	return bin;
}

/* The armour around bin, malloc'd and NUL-terminated. */
static unsigned char *
wrap(const unsigned char *bin, size_t binlen, size_t *len)
{
	size_t b64 = sodium_base64_ENCODED_LEN(binlen,
	    sodium_base64_VARIANT_ORIGINAL);
	size_t blen = strlen(BEGIN), elen = strlen(END), n;
	char *txt = malloc(blen + b64 + elen + 2);

	if (txt == NULL)
		return NULL;
	memcpy(txt, BEGIN, blen);
	sodium_bin2base64(txt + blen, b64, bin, binlen,
	    sodium_base64_VARIANT_ORIGINAL);
	n = blen + strlen(txt + blen);
	txt[n++] = '\n';
	memcpy(txt + n, END, elen + 1);
	*len = n + elen;
	return (unsigned char *)txt;
}

/* Decode enc with byte off of its binary form flipped (off < 0: from the
 * end); return the error code. */
static int
decode_flipped(const unsigned char *enc, size_t len, long off)
{
	unsigned char *bin, *txt;
	EVP_PKEY *k = NULL;
	size_t binlen = 0, txtlen = 0;
	int rc = 999;

	if ((bin = unwrap(enc, len, &binlen)) == NULL)
		return rc;
	bin[off < 0 ? (long)binlen + off : off] ^= 0x01;
	if ((txt = wrap(bin, binlen, &txtlen)) != NULL)
		rc = keyfile_decode(txt, txtlen, "flipped", pass, &k);
	if (rc == 0 || k != NULL)
		rc = 998;
	EVP_PKEY_free(k);
	free(txt);
	free(bin);
	return rc;
}

/* Decode enc cut to its first keep binary bytes. */
static int
decode_truncated(const unsigned char *enc, size_t len, size_t keep)
{
	unsigned char *bin, *txt = NULL;
	EVP_PKEY *k = NULL;
	size_t binlen = 0, txtlen = 0;
	int rc = 999;

	if ((bin = unwrap(enc, len, &binlen)) != NULL && keep < binlen &&
	    (txt = wrap(bin, keep, &txtlen)) != NULL)
		rc = keyfile_decode(txt, txtlen, "cut", pass, &k);
	EVP_PKEY_free(k);
	free(txt);
	free(bin);
	return rc;
}

static int
priv_bytes(EVP_PKEY *key, unsigned char *buf, size_t len)
{
	BIGNUM *bn = NULL;
	const char *name = EVP_PKEY_is_a(key, "RSA") ?
	    OSSL_PKEY_PARAM_RSA_D : OSSL_PKEY_PARAM_PRIV_KEY;
	int ok;

	ok = EVP_PKEY_get_bn_param(key, name, &bn) == 1 &&
	    BN_bn2binpad(bn, buf, (int)len) == (int)len;
	BN_clear_free(bn);
	return ok ? 0 : -1;
}

/* No 8-byte window of the raw private value occurs in hay. */
static int
leaks(EVP_PKEY *key, size_t dlen, const unsigned char *hay, size_t haylen)
{
	unsigned char d[512];
	size_t i;

	if (dlen > sizeof(d) || priv_bytes(key, d, dlen) != 0)
		return 1;
	for (i = 0; i + 8 <= dlen; i++)
		if (memmem(hay, haylen, d + i, 8) != NULL)
			return 1;
	return 0;
}

static int
same_private(EVP_PKEY *a, EVP_PKEY *b, size_t dlen)
{
	unsigned char da[512], db[512];

	return priv_bytes(a, da, dlen) == 0 && priv_bytes(b, db, dlen) == 0 &&
	    memcmp(da, db, dlen) == 0 && EVP_PKEY_eq(a, b) == 1;
}

static void
round_trip(enum key_type type, size_t dlen, unsigned char **keep,
    size_t *keeplen)
{
	EVP_PKEY *key = NULL, *back = NULL;
	unsigned char *enc = NULL, *bin = NULL;
	size_t len = 0, binlen = 0;
	const char *name = keytype_name(type);

	if (keytype_generate(type, &key) != 0) {
		CHECK(0, "generate %s", name);
		return;
	}
	CHECK_RC(keyfile_encode(key, pass, &enc, &len), 0, "encode %s", name);
	CHECK(enc != NULL && len > strlen(BEGIN) &&
	    memcmp(enc, BEGIN, strlen(BEGIN)) == 0, "%s: armour", name);
	bin = enc != NULL ? unwrap(enc, len, &binlen) : NULL;
	CHECK(bin != NULL && binlen > HDR && memcmp(bin + 1, "PKK", 3) == 0 &&
	    bin[8] == 1 && bin[12 + 7] == crypto_pwhash_OPSLIMIT_MODERATE,
	    "%s: header as documented", name);
	CHECK(enc != NULL && bin != NULL && !leaks(key, dlen, enc, len) &&
	    !leaks(key, dlen, bin, binlen),
	    "%s: raw private value not in the output", name);
	CHECK_RC(keyfile_decode(enc, len, "mem", pass, &back), 0,
	    "decode %s", name);
	CHECK(back != NULL && same_private(key, back, dlen),
	    "%s: the same key back", name);
	EVP_PKEY_free(back);
	EVP_PKEY_free(key);
	free(bin);
	if (keep != NULL) {
		*keep = enc;
		*keeplen = len;
	} else
		free(enc);
}

static void
test_tamper(const unsigned char *enc, size_t len)
{
	EVP_PKEY *k = NULL;
	unsigned char *bad;

	CHECK_RC(keyfile_decode(enc, len, "k.key", "wrong", &k), ERR_AUTH,
	    "wrong passphrase");
	CHECK(k == NULL && strcmp(err_msg(),
	    "k.key: wrong passphrase or damaged file") == 0,
	    "message: %s", err_msg());
	CHECK_RC(decode_flipped(enc, len, 0), ERR_DATA, "magic flipped");
	CHECK_RC(decode_flipped(enc, len, 8), ERR_DATA, "version flipped");
	CHECK_RC(decode_flipped(enc, len, 9), ERR_DATA, "KDF id flipped");
	CHECK_RC(decode_flipped(enc, len, 11), ERR_DATA, "reserved flipped");
	CHECK_RC(decode_flipped(enc, len, 12), ERR_DATA, "opslimit flipped");
	CHECK_RC(decode_flipped(enc, len, 20), ERR_DATA, "memlimit flipped");
	CHECK_RC(decode_flipped(enc, len, 28), ERR_AUTH, "salt flipped");
	CHECK_RC(decode_flipped(enc, len, 50), ERR_AUTH, "nonce flipped");
	CHECK_RC(decode_flipped(enc, len, HDR + 5), ERR_AUTH,
	    "ciphertext flipped");

	CHECK_RC(keyfile_decode(enc, len - 10, "cut", pass, &k), ERR_DATA,
	    "END line cut off");
	CHECK_RC(keyfile_decode(enc + 1, len - 1, "x", pass, &k), ERR_DATA,
	    "BEGIN line damaged");
	CHECK_RC(decode_truncated(enc, len, HDR + 16), ERR_DATA,
	    "truncated to header and tag");
	if ((bad = malloc(len + 8)) == NULL)
		return;
	memcpy(bad, enc, len);
	memcpy(bad + len, "extra\n", 6);
	CHECK_RC(keyfile_decode(bad, len + 6, "x", pass, &k), ERR_DATA,
	    "data after END");
	memcpy(bad, enc, len);
	bad[strlen(BEGIN) + 3] = '*';
	CHECK_RC(keyfile_decode(bad, len, "bad.key", pass, &k), ERR_DATA,
	    "bad base64");
	CHECK(strstr(err_msg(), "bad.key") != NULL, "message names the "
	    "input: %s", err_msg());
	free(bad);
}

static void
test_file(void)
{
	char dir[] = "/tmp/test_keyfile.XXXXXX", *path = NULL, *path2 = NULL;
	unsigned char before[32], after[32], *txt = NULL;
	EVP_PKEY *key = NULL, *back = NULL;
	struct stat st;
	size_t len = 0;

	if (mkdtemp(dir) == NULL || (path = fileio_join(dir, "ca.key")) ==
	    NULL || (path2 = fileio_join(dir, "other.key")) == NULL ||
	    keytype_generate(KEY_P384, &key) != 0) {
		CHECK(0, "file test setup");
		return;
	}
	CHECK_RC(keyfile_write(path, key, pass), 0, "write P-384 key file");
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600,
	    "mode 0600 (%o)", (unsigned)(st.st_mode & 07777));
	CHECK(fileio_read(path, 1 << 16, &txt, &len) == 0 &&
	    !leaks(key, 48, txt, len), "P-384 scalar not in the file");
	CHECK_RC(keyfile_read(path, pass, &back), 0, "read it back");
	CHECK(back != NULL && same_private(key, back, 48),
	    "the same P-384 key back");
	CHECK(fileio_sha256(path, before) == 0, "hash before");
	CHECK_RC(keyfile_write(path, key, "other"), ERR_EXISTS,
	    "existing path refused");
	CHECK(fileio_sha256(path, after) == 0 &&
	    memcmp(before, after, 32) == 0, "existing file unchanged");
	EVP_PKEY_free(back);
	CHECK_RC(keyfile_read("/nonexistent/k.key", pass, &back),
	    ERR_NOINPUT, "missing file");
	CHECK_RC(keyfile_write(path2, key, ""), ERR_USAGE,
	    "empty passphrase refused");
	CHECK(!fileio_exists(path2), "nothing written for it");
	free(txt);
	EVP_PKEY_free(back);
	EVP_PKEY_free(key);
	unlink(path);
	unlink(path2);
	CHECK(rmdir(dir) == 0, "nothing else left in the directory");
	free(path);
	free(path2);
}

/* A signature by a verifies under b. */
static int
signs_for(EVP_PKEY *a, EVP_PKEY *b)
{
	static const unsigned char msg[] = "challenge";
	unsigned char sig[256];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	ok = ctx != NULL && EVP_DigestSignInit(ctx, NULL, NULL, NULL, a) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, msg, sizeof(msg)) == 1;
	EVP_MD_CTX_free(ctx);
	ctx = EVP_MD_CTX_new();
	ok = ok && ctx != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, b) == 1 &&
	    EVP_DigestVerify(ctx, sig, siglen, msg, sizeof(msg)) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

/*
 * EC and Ed25519 keys are decoded without OpenSSL's decoders, other
 * forms (here: an EC key whose encoding leaves out the public point)
 * by them: either way, the same key comes back.  A 256-bit machine key
 * as the passphrase keeps Argon2id out of it.
 */
static void
test_direct(void)
{
	static const char raw[] = "00112233445566778899aabbccddeeff"
	    "00112233445566778899AABBCCDDEEFF";
	const char *names[] = { "P-256", "P-384", "P-521", "ED25519",
	    "P-256 without its public point" };
	unsigned char *enc = NULL, a[32], b[32];
	EVP_PKEY *key = NULL, *back = NULL;
	size_t i, len, alen = 32, blen = 32;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (i < 3)
			key = EVP_EC_gen(names[i]);
		else if (i == 3)
			key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		else if ((key = EVP_EC_gen("P-256")) != NULL &&
		    EVP_PKEY_set_int_param(key,
		    OSSL_PKEY_PARAM_EC_INCLUDE_PUBLIC, 0) != 1) {
			EVP_PKEY_free(key);
			key = NULL;
		}
		if (key == NULL) {
			CHECK(0, "generate %s", names[i]);
			continue;
		}
		CHECK_RC(keyfile_encode(key, raw, &enc, &len), 0, "encode %s",
		    names[i]);
		CHECK_RC(keyfile_decode(enc, len, "mem", raw, &back), 0,
		    "decode %s", names[i]);
		if (i == 3)
			CHECK(back != NULL && EVP_PKEY_get_raw_private_key(key,
			    a, &alen) == 1 && EVP_PKEY_get_raw_private_key(back,
			    b, &blen) == 1 && alen == 32 && blen == 32 &&
			    memcmp(a, b, 32) == 0 && EVP_PKEY_eq(key, back) == 1,
			    "%s: the same key back", names[i]);
		else
			CHECK(back != NULL && same_private(key, back,
			    (size_t)(EVP_PKEY_get_bits(key) + 7) / 8),
			    "%s: the same key back", names[i]);
		CHECK(back != NULL && signs_for(back, key),
		    "%s: the key read back signs for the original", names[i]);
		free(enc);
		enc = NULL;
		EVP_PKEY_free(back);
		back = NULL;
		EVP_PKEY_free(key);
	}
}

static void
test_public_only(void)
{
	EVP_PKEY *key = NULL, *pub = NULL;
	unsigned char *der = NULL, *enc = NULL;
	const unsigned char *p;
	size_t len;
	int n;

	if (keytype_generate(KEY_P256, &key) != 0 ||
	    (n = i2d_PUBKEY(key, &der)) <= 0) {
		CHECK(0, "public key setup");
		return;
	}
	p = der;
	pub = d2i_PUBKEY(NULL, &p, n);
	CHECK_RC(keyfile_encode(pub, pass, &enc, &len), ERR_DATA,
	    "a public key cannot be encrypted as a private key");
	CHECK(enc == NULL, "no output");
	OPENSSL_free(der);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(key);
}

int
main(void)
{
	unsigned char *enc = NULL;
	size_t len = 0;

	if (secmem_init() != 0) {
		printf("FAIL: secmem_init\n");
		return 1;
	}
	round_trip(KEY_P256, 32, &enc, &len);
	round_trip(KEY_RSA3072, 384, NULL, NULL);
	if (enc != NULL)
		test_tamper(enc, len);
	test_file();
	test_direct();
	test_public_only();
	free(enc);
	return harness_done();
}
