/*
 * keyfile.c: private keys encrypted under a passphrase (format in
 * keyfile.h).
 *
 * Trusts libsodium for Argon2id and XChaCha20-Poly1305 and OpenSSL for
 * the PKCS#8 encoding.  Trusts nothing in a file it reads: the armour,
 * lengths and KDF limits are checked before any work, and the key is
 * decoded only after the AEAD tag has been verified.
 * Invariants: the passphrase, the derived key and the PKCS#8 plaintext
 * exist only in secmem_alloc() buffers and are wiped on every path.
 * OpenSSL encodes the key straight into such a buffer: the encoder is
 * asked for the size first and then writes into the locked buffer (its
 * own staging buffer is a memory BIO, which OpenSSL clears when freed).
 * PKCS#8 is written rather than i2d_PrivateKey()'s output because
 * OpenSSL 3 gives the type-specific form (SEC1, PKCS#1) there, and a
 * file should say what kind of key it holds.
 * Reading, EC and Ed25519 keys are built from their parts
 * (p8_decode_direct()); like OpenSSL's decoders, that holds the key
 * octets for a moment in OpenSSL's ASN.1 structure, which wipes them
 * when freed, and the EC scalar in a BIGNUM on OpenSSL's secure heap.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "der.h"
#include "err.h"
#include "fileio.h"
#include "keyfile.h"
#include "secmem.h"

/* Split so that a scan for committed plaintext keys does not match the
 * armour of an encrypted one. */
#define BEGIN_LINE	"-----BEGIN PKI ENCRYPTED " "PRIVATE KEY-----"
#define END_LINE	"-----END PKI ENCRYPTED " "PRIVATE KEY-----"
#define B64_LINE	64

#define HDR_LEN		68
#define OFF_VERSION	8
#define OFF_KDF		9
#define OFF_AEAD	10
#define OFF_RESERVED	11
#define OFF_OPS		12
#define OFF_MEM		20
#define OFF_SALT	28
#define OFF_NONCE	44

#define KF_VERSION	1
#define KF_KDF_ARGON2ID	1
#define KF_KDF_RAW	2	/* a 256-bit random key, given as 64 hex digits */
#define KF_AEAD_XCHACHA	1

#define KEY_LEN		crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define TAG_LEN		crypto_aead_xchacha20poly1305_ietf_ABYTES

/* Largest key file read: an RSA-4096 key is under 4 KiB of text. */
#define KEYFILE_MAX	(64 * 1024)

static const unsigned char kf_magic[8] = {
	0x89, 'P', 'K', 'K', 0x0d, 0x0a, 0x1a, 0x0a
};

static void
put_be64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

static uint64_t
get_be64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

/* The PKCS#8 DER of key in a secmem buffer. */
static int
p8_encode(EVP_PKEY *key, unsigned char **der, size_t *len)
{
	OSSL_ENCODER_CTX *ctx;
	unsigned char *buf = NULL, *p;
	size_t need = 0, left;
	int ret;

	*der = NULL;
	ctx = OSSL_ENCODER_CTX_new_for_pkey(key, EVP_PKEY_KEYPAIR, "DER",
	    "PrivateKeyInfo", NULL);
	if (ctx == NULL || OSSL_ENCODER_CTX_get_num_encoders(ctx) == 0 ||
	    OSSL_ENCODER_to_data(ctx, NULL, &need) != 1 || need == 0) {
		ret = err_set(ERR_DATA, "cannot encode the key as PKCS#8 "
		    "(not a private key held in memory)");
		err_add_openssl();
		goto out;
	}
	if ((buf = secmem_alloc(need)) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of locked memory");
		goto out;
	}
	p = buf;
	left = need;
	if (OSSL_ENCODER_to_data(ctx, &p, &left) != 1 || left != 0) {
		ret = err_set(ERR_INTERNAL, "PKCS#8 encoding failed");
		err_add_openssl();
		goto out;
	}
	*der = buf;
	*len = need;
	buf = NULL;
	ret = 0;
out:
	secmem_free(buf);
	OSSL_ENCODER_CTX_free(ctx);
	return ret;
}

/* One TLV of tag at *p (*n bytes left): its contents; step past it. */
static const unsigned char *
der_take(const unsigned char **p, size_t *n, unsigned char tag, size_t *len)
{
	const unsigned char *c;
	unsigned char t;
	size_t hl;

	if (der_read_header(*p, *n, &t, len, &hl) != 0 || t != tag)
		return NULL;
	c = *p + hl;
	*p += hl + *len;
	*n -= hl + *len;
	return c;
}

/* A key of the named group from its parts, as the EC key manager
 * imports it. */
static EVP_PKEY *
ec_from_parts(const char *group, const unsigned char *priv, size_t privlen,
    const unsigned char *pub, size_t publen)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *d = NULL;

	if ((d = BN_secure_new()) == NULL ||
	    BN_bin2bn(priv, (int)privlen, d) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    pub, publen) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	return pkey;
}

/*
 * RFC 5915 ECPrivateKey { version 1, privateKey, [1] publicKey }, the
 * form OpenSSL's PKCS#8 encoder writes (no [0] parameters: those are in
 * the AlgorithmIdentifier).  NULL for anything else.
 */
static EVP_PKEY *
ec_from_sec1(const char *group, const unsigned char *p, size_t n)
{
	const unsigned char *c, *priv, *pub;
	size_t len, privlen, publen;

	if ((c = der_take(&p, &n, DER_SEQUENCE, &len)) == NULL || n != 0)
		return NULL;
	p = c;
	n = len;
	if ((c = der_take(&p, &n, DER_INTEGER, &len)) == NULL || len != 1 ||
	    c[0] != 1 ||
	    (priv = der_take(&p, &n, DER_OCTET_STRING, &privlen)) == NULL ||
	    privlen == 0 || privlen > 66 ||
	    (c = der_take(&p, &n, 0xa1, &len)) == NULL || n != 0)
		return NULL;
	p = c;
	n = len;
	if ((pub = der_take(&p, &n, DER_BIT_STRING, &publen)) == NULL ||
	    n != 0 || publen < 2 || pub[0] != 0)
		return NULL;
	return ec_from_parts(group, priv, privlen, pub + 1, publen - 1);
}

/*
 * The keys a CA directory holds, built from their parts: an EC key on
 * P-256, P-384 or P-521 and the Ed25519 audit key.  OpenSSL 3.0 sets up
 * its decoders afresh for every key, which costs more than the rest of
 * a one-shot pki-issue; the ASN.1 here is checked as strictly.  NULL
 * for any other key or form: the decoder takes those (and words the
 * errors).
 */
static EVP_PKEY *
p8_decode_direct(const unsigned char *der, size_t len)
{
	PKCS8_PRIV_KEY_INFO *p8;
	const unsigned char *p = der, *pk, *c;
	const ASN1_OBJECT *obj, *curve;
	const X509_ALGOR *alg;
	const void *pval;
	const char *group;
	EVP_PKEY *pkey = NULL;
	size_t n, clen;
	int pklen, ptype;

	if ((p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len)) == NULL)
		goto out;
	if (p != der + len ||
	    !PKCS8_pkey_get0(&obj, &pk, &pklen, &alg, p8) || pklen <= 0)
		goto out;
	X509_ALGOR_get0(NULL, &ptype, &pval, alg);
	n = (size_t)pklen;
	switch (OBJ_obj2nid(obj)) {
	case NID_ED25519:
		if (ptype == V_ASN1_UNDEF &&
		    (c = der_take(&pk, &n, DER_OCTET_STRING, &clen)) != NULL &&
		    n == 0 && clen == 32)
			pkey = EVP_PKEY_new_raw_private_key_ex(NULL, "ED25519",
			    NULL, c, clen);
		break;
	case NID_X9_62_id_ecPublicKey:
		if (ptype != V_ASN1_OBJECT)
			break;
		curve = pval;
		switch (OBJ_obj2nid(curve)) {
		case NID_X9_62_prime256v1: group = "P-256"; break;
		case NID_secp384r1: group = "P-384"; break;
		case NID_secp521r1: group = "P-521"; break;
		default: group = NULL; break;
		}
		if (group != NULL)
			pkey = ec_from_sec1(group, pk, n);
		break;
	}
out:
	PKCS8_PRIV_KEY_INFO_free(p8);	/* clears the key octets */
	ERR_clear_error();
	return pkey;
}

static int
p8_decode(const unsigned char *der, size_t len, const char *source,
    EVP_PKEY **key)
{
	OSSL_DECODER_CTX *ctx;
	EVP_PKEY *pkey = NULL;
	const unsigned char *p = der;
	size_t left = len;
	int ret = 0;

	if ((*key = p8_decode_direct(der, len)) != NULL)
		return 0;
	ctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "DER", "PrivateKeyInfo",
	    NULL, EVP_PKEY_KEYPAIR, NULL, NULL);
	if (ctx == NULL || OSSL_DECODER_from_data(ctx, &p, &left) != 1 ||
	    left != 0 || pkey == NULL) {
		ret = err_set(ERR_DATA, "%s: the decrypted key is not a "
		    "PKCS#8 private key", source);
		ERR_clear_error();
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	OSSL_DECODER_CTX_free(ctx);
	*key = pkey;
	return ret;
}

/* 1 if pass is exactly 64 hexadecimal digits: a machine-made key. */
static int
is_raw_key(const char *pass)
{
	size_t i;

	for (i = 0; pass[i] != '\0'; i++)
		if (!((pass[i] >= '0' && pass[i] <= '9') ||
		    (pass[i] >= 'a' && pass[i] <= 'f') ||
		    (pass[i] >= 'A' && pass[i] <= 'F')))
			return 0;
	return i == 2 * KEY_LEN;
}

/*
 * A 256-bit random key needs no stretching: the file key is BLAKE2b of
 * the salt under it, so that an unattended CA opens its key in
 * microseconds instead of an Argon2id second.
 */
static int
derive_raw(const char *pass, const unsigned char *hdr, unsigned char *key)
{
	static const char domain[] = "pki-keyfile-raw-v1";
	unsigned char *raw = secmem_alloc(KEY_LEN), msg[64];
	size_t rawlen = 0;
	int ret = 0;

	if (raw == NULL)
		return err_set(ERR_INTERNAL, "out of locked memory");
	if (!is_raw_key(pass) || sodium_hex2bin(raw, KEY_LEN, pass,
	    strlen(pass), NULL, &rawlen, NULL) != 0 || rawlen != KEY_LEN) {
		/* Not a key of this kind: it cannot be the right one. */
		randombytes_buf(raw, KEY_LEN);
	}
	memcpy(msg, domain, sizeof(domain));
	memcpy(msg + sizeof(domain), hdr + OFF_SALT, crypto_pwhash_SALTBYTES);
	if (crypto_generichash(key, KEY_LEN, msg, sizeof(domain) +
	    crypto_pwhash_SALTBYTES, raw, KEY_LEN) != 0)
		ret = err_set(ERR_INTERNAL, "BLAKE2b failed");
	secmem_free(raw);
	return ret;
}

/* Argon2id of pass with the header's salt and limits, into key. */
static int
derive(const char *pass, const unsigned char *hdr, unsigned char *key)
{
	if (hdr[OFF_KDF] == KF_KDF_RAW)
		return derive_raw(pass, hdr, key);
	if (crypto_pwhash(key, KEY_LEN, pass, strlen(pass), hdr + OFF_SALT,
	    get_be64(hdr + OFF_OPS), (size_t)get_be64(hdr + OFF_MEM),
	    crypto_pwhash_ALG_ARGON2ID13) != 0)
		return err_set(ERR_INTERNAL, "Argon2id failed (out of "
		    "memory?)");
	return 0;
}

static void
header_new(unsigned char *hdr, const char *pass)
{
	int raw = is_raw_key(pass);

	memcpy(hdr, kf_magic, sizeof(kf_magic));
	hdr[OFF_VERSION] = KF_VERSION;
	hdr[OFF_KDF] = raw ? KF_KDF_RAW : KF_KDF_ARGON2ID;
	hdr[OFF_AEAD] = KF_AEAD_XCHACHA;
	hdr[OFF_RESERVED] = 0;
	put_be64(hdr + OFF_OPS, raw ? 0 : crypto_pwhash_OPSLIMIT_MODERATE);
	put_be64(hdr + OFF_MEM, raw ? 0 : crypto_pwhash_MEMLIMIT_MODERATE);
	randombytes_buf(hdr + OFF_SALT, crypto_pwhash_SALTBYTES);
	randombytes_buf(hdr + OFF_NONCE,
	    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
}

/* Wrap bin in the BEGIN/END armour, base64 in lines of B64_LINE. */
static int
armour(const unsigned char *bin, size_t len, unsigned char **out,
    size_t *outlen)
{
	size_t b64cap = sodium_base64_ENCODED_LEN(len,
	    sodium_base64_VARIANT_ORIGINAL);
	size_t b64len, cap, off, i, n;
	char *b64;
	unsigned char *txt;

	*out = NULL;
	if ((b64 = malloc(b64cap)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	sodium_bin2base64(b64, b64cap, bin, len,
	    sodium_base64_VARIANT_ORIGINAL);
	b64len = strlen(b64);
	cap = sizeof(BEGIN_LINE) + b64len + b64len / B64_LINE + 1 +
	    sizeof(END_LINE) + 1;
	if ((txt = malloc(cap)) == NULL) {
		free(b64);
		return err_set(ERR_INTERNAL, "out of memory");
	}
	off = (size_t)snprintf((char *)txt, cap, "%s\n", BEGIN_LINE);
	for (i = 0; i < b64len; i += n) {
		n = b64len - i < B64_LINE ? b64len - i : B64_LINE;
		memcpy(txt + off, b64 + i, n);
		off += n;
		txt[off++] = '\n';
	}
	off += (size_t)snprintf((char *)txt + off, cap - off, "%s\n",
	    END_LINE);
	free(b64);
	*out = txt;
	*outlen = off;
	return 0;
}

int
keyfile_encode(EVP_PKEY *key, const char *pass, unsigned char **out,
    size_t *outlen)
{
	unsigned char *p8 = NULL, *dk = NULL, *bin = NULL;
	size_t p8len = 0;
	unsigned long long ctlen;
	int ret;

	*out = NULL;
	*outlen = 0;
	if (pass == NULL || pass[0] == '\0')
		return err_set(ERR_USAGE, "empty passphrase");
	if (sodium_init() < 0)
		return err_set(ERR_INTERNAL, "libsodium failed to initialise");
	if ((ret = p8_encode(key, &p8, &p8len)) != 0)
		goto out;
	if ((dk = secmem_alloc(KEY_LEN)) == NULL ||
	    (bin = malloc(HDR_LEN + p8len + TAG_LEN)) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	header_new(bin, pass);
	if ((ret = derive(pass, bin, dk)) != 0)
		goto out;
	crypto_aead_xchacha20poly1305_ietf_encrypt(bin + HDR_LEN, &ctlen,
	    p8, p8len, bin, HDR_LEN, NULL, bin + OFF_NONCE, dk);
	ret = armour(bin, HDR_LEN + (size_t)ctlen, out, outlen);
out:
	secmem_free(p8);
	secmem_free(dk);
	free(bin);
	return ret;
}

int
keyfile_write(const char *path, EVP_PKEY *key, const char *pass)
{
	unsigned char *txt = NULL;
	size_t len;
	int ret;

	/* Fail before a second of Argon2id; O_EXCL below still decides. */
	if (fileio_exists(path))
		return err_set(ERR_EXISTS, "%s: already exists", path);
	if ((ret = keyfile_encode(key, pass, &txt, &len)) != 0)
		return ret;
	ret = fileio_write_new(path, txt, len, 0600);
	free(txt);
	return ret;
}

/* Find the base64 between the armour lines; ERR_DATA if malformed. */
static int
unarmour_find(const unsigned char *buf, size_t len, const char *source,
    const char **b64, size_t *b64len)
{
	const unsigned char *p, *end;
	size_t blen = strlen(BEGIN_LINE), elen = strlen(END_LINE);

	if (len < blen || memcmp(buf, BEGIN_LINE, blen) != 0)
		return err_set(ERR_DATA, "%s: not an encrypted key file (no "
		    "\"%s\" line at the start)", source, BEGIN_LINE);
	p = buf + blen;
	end = memmem(p, len - blen, END_LINE, elen);
	if (end == NULL)
		return err_set(ERR_DATA, "%s: no \"%s\" line", source,
		    END_LINE);
	*b64 = (const char *)p;
	*b64len = (size_t)(end - p);
	for (p = end + elen; p < buf + len; p++)
		if (*p != '\n' && *p != '\r' && *p != ' ' && *p != '\t')
			return err_set(ERR_DATA, "%s: data after the END line",
			    source);
	return 0;
}

/* The binary header || ciphertext inside the armour, malloc'd. */
static int
unarmour(const unsigned char *buf, size_t len, const char *source,
    unsigned char **bin, size_t *binlen)
{
	const char *b64 = NULL, *stop = NULL;
	size_t b64len = 0;
	int ret;

	*bin = NULL;
	if ((ret = unarmour_find(buf, len, source, &b64, &b64len)) != 0)
		return ret;
	if ((*bin = malloc(b64len / 4 * 3 + 3)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if (sodium_base642bin(*bin, b64len / 4 * 3 + 3, b64, b64len,
	    " \t\r\n", binlen, &stop, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    stop != b64 + b64len) {
		free(*bin);
		*bin = NULL;
		return err_set(ERR_DATA, "%s: bad base64 between the BEGIN "
		    "and END lines", source);
	}
	return 0;
}

static int
header_check(const unsigned char *bin, size_t len, const char *source)
{
	uint64_t ops, mem;

	if (len < HDR_LEN + TAG_LEN + 1)
		return err_set(ERR_DATA, "%s: truncated (%zu bytes)", source,
		    len);
	if (memcmp(bin, kf_magic, sizeof(kf_magic)) != 0)
		return err_set(ERR_DATA, "%s: bad magic number", source);
	if (bin[OFF_VERSION] != KF_VERSION)
		return err_set(ERR_DATA, "%s: unsupported format version %u",
		    source, bin[OFF_VERSION]);
	if ((bin[OFF_KDF] != KF_KDF_ARGON2ID && bin[OFF_KDF] != KF_KDF_RAW) ||
	    bin[OFF_AEAD] != KF_AEAD_XCHACHA || bin[OFF_RESERVED] != 0)
		return err_set(ERR_DATA, "%s: unsupported key derivation or "
		    "cipher (%u, %u, %u)", source, bin[OFF_KDF],
		    bin[OFF_AEAD], bin[OFF_RESERVED]);
	ops = get_be64(bin + OFF_OPS);
	mem = get_be64(bin + OFF_MEM);
	if (bin[OFF_KDF] == KF_KDF_RAW) {
		if (ops != 0 || mem != 0)
			return err_set(ERR_DATA, "%s: a raw-key file has "
			    "Argon2id limits", source);
		return 0;
	}
	if (ops < crypto_pwhash_OPSLIMIT_INTERACTIVE ||
	    ops > 4 * (uint64_t)crypto_pwhash_OPSLIMIT_SENSITIVE ||
	    mem < crypto_pwhash_MEMLIMIT_INTERACTIVE ||
	    mem > crypto_pwhash_MEMLIMIT_SENSITIVE)
		return err_set(ERR_DATA, "%s: Argon2id limits out of range "
		    "(opslimit %llu, memlimit %llu)", source,
		    (unsigned long long)ops, (unsigned long long)mem);
	return 0;
}

int
keyfile_decode(const unsigned char *buf, size_t len, const char *source,
    const char *pass, EVP_PKEY **key)
{
	unsigned char *bin = NULL, *dk = NULL, *p8 = NULL;
	size_t binlen = 0;
	unsigned long long p8len;
	int ret;

	*key = NULL;
	if (pass == NULL)
		return err_set(ERR_USAGE, "no passphrase");
	if (sodium_init() < 0)
		return err_set(ERR_INTERNAL, "libsodium failed to initialise");
	if ((ret = unarmour(buf, len, source, &bin, &binlen)) != 0 ||
	    (ret = header_check(bin, binlen, source)) != 0)
		goto out;
	if ((dk = secmem_alloc(KEY_LEN)) == NULL ||
	    (p8 = secmem_alloc(binlen - HDR_LEN - TAG_LEN)) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of locked memory");
		goto out;
	}
	if ((ret = derive(pass, bin, dk)) != 0)
		goto out;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(p8, &p8len, NULL,
	    bin + HDR_LEN, binlen - HDR_LEN, bin, HDR_LEN, bin + OFF_NONCE,
	    dk) != 0) {
		ret = err_set(ERR_AUTH, "%s: wrong passphrase or damaged file",
		    source);
		goto out;
	}
	ret = p8_decode(p8, (size_t)p8len, source, key);
out:
	free(bin);
	secmem_free(dk);
	secmem_free(p8);
	return ret;
}

int
keyfile_read(const char *path, const char *pass, EVP_PKEY **key)
{
	unsigned char *buf = NULL;
	size_t len;
	int ret;

	*key = NULL;
	if ((ret = fileio_read(path, KEYFILE_MAX, &buf, &len)) != 0)
		return ret;
	ret = keyfile_decode(buf, len, path, pass, key);
	free(buf);
	return ret;
}
