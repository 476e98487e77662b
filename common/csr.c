/*
 * csr.c: load a PKCS#10 CSR from outside and check it.
 *
 * Trusts OpenSSL's DER decoder and signature verification, and nothing
 * the CSR says about itself: the size is bounded before parsing, a file
 * must hold exactly one CSR (PEM or DER, no trailing bytes, no second
 * block), the self-signature must verify with a result of exactly 1
 * (OpenSSL 3.0's "openssl req -verify" exits 0 on a bad signature; the
 * C call does not hide it), and the key must be one of ours.  The
 * extensionRequest attribute is walked by hand, because
 * X509_REQ_get_extensions() reads only the first of two such attributes
 * and X509V3_get_d2i() reports a duplicated extension as absent.  For
 * the issuing pipeline, csr_load_keyed() builds ECDSA P-256/P-384 keys
 * from the SubjectPublicKeyInfo itself (o2i_ECPublicKey() checks the
 * point is on the curve) and leaves any other key to OpenSSL; the
 * signature on such a key is checked on its EC_KEY (verify_lean()).
 * Never prints.
 */
/* verify_lean() uses the EC_KEY functions that OpenSSL 3.0 deprecates
 * but keeps (see there why). */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "csr.h"
#include "err.h"
#include "fileio.h"

static const char *
display(const char *path)
{
	return strcmp(path, "-") == 0 ? "standard input" : path;
}

/*
 * DER: one CSR filling the whole buffer.  In libctx (NULL: the default)
 * OpenSSL also decodes the key through its providers' decoders; in the
 * lean context, which has none, the key is left for lean_key().
 */
static int
parse_der(const char *name, const unsigned char *der, size_t len,
    OSSL_LIB_CTX *libctx, X509_REQ **out)
{
	const unsigned char *p = der;

	if (len > LONG_MAX || (*out = (X509_REQ *)ASN1_item_d2i_ex(NULL, &p,
	    (long)len, ASN1_ITEM_rptr(X509_REQ), libctx, NULL)) == NULL)
		return err_set(ERR_DATA, "%s: not a CSR (neither PEM nor a "
		    "DER PKCS#10 request)", name);
	if (p != der + len) {
		X509_REQ_free(*out);
		*out = NULL;
		return err_set(ERR_DATA, "%s: %zu bytes after the CSR: not a "
		    "CSR file", name, len - (size_t)(p - der));
	}
	return 0;
}

static int
is_private_key(const char *pem_name)
{
	size_t n = strlen(pem_name);

	return n >= 11 && strcmp(pem_name + n - 11, "PRIVATE KEY") == 0;
}

/* What the PEM block is, refusing anything but one CSR. */
static int
check_pem_block(const char *name, const char *pem_name, const char *header)
{
	if (is_private_key(pem_name))
		return err_set(ERR_DATA, "%s: holds a private key, not a CSR: "
		    "a private key never comes to the ceremony", name);
	if (strcmp(pem_name, "CERTIFICATE REQUEST") != 0 &&
	    strcmp(pem_name, "NEW CERTIFICATE REQUEST") != 0)
		return err_set(ERR_DATA, "%s: holds a PEM \"%s\", not a CSR",
		    name, pem_name);
	if (header != NULL && header[0] != '\0')
		return err_set(ERR_DATA, "%s: the PEM block has headers: not "
		    "a plain CSR", name);
	return 0;
}

/* Nothing but white space may follow the block. */
static int
check_rest(const char *name, BIO *bio)
{
	char *rest;
	long n, i;

	n = BIO_get_mem_data(bio, &rest);
	for (i = 0; i < n; i++)
		if (strchr(" \t\r\n", rest[i]) == NULL)
			return err_set(ERR_DATA, "%s: more than one PEM block "
			    "or text after the CSR: not a CSR file", name);
	return 0;
}

static int
parse_pem(const char *name, const unsigned char *buf, size_t len,
    OSSL_LIB_CTX *libctx, X509_REQ **out)
{
	BIO *bio;
	char *pem_name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long dlen = 0;
	int ret;

	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if (PEM_read_bio(bio, &pem_name, &header, &data, &dlen) != 1) {
		ret = err_set(ERR_DATA, "%s: not a CSR (a malformed PEM "
		    "block)", name);
		goto out;
	}
	if ((ret = check_pem_block(name, pem_name, header)) != 0 ||
	    (ret = check_rest(name, bio)) != 0)
		goto out;
	ret = parse_der(name, data, (size_t)dlen, libctx, out);
out:
	OPENSSL_free(pem_name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	BIO_free(bio);
	return ret;
}

/*
 * DER starts with a SEQUENCE whose length takes 1 to 4 more bytes (a CSR
 * is longer than 127 bytes); no text does.  Any other file holding
 * "-----BEGIN " is read as PEM, so text before the block is allowed.
 */
static int
looks_der(const unsigned char *buf, size_t len)
{
	return len >= 2 && buf[0] == 0x30 && buf[1] >= 0x81 && buf[1] <= 0x84;
}

/* Read path and parse the one CSR in it within libctx. */
static int
load_in(const char *path, OSSL_LIB_CTX *libctx, X509_REQ **out)
{
	const char *name = display(path);
	unsigned char *buf = NULL;
	size_t len;
	int ret;

	*out = NULL;
	ret = fileio_read(path, CSR_MAX_SIZE, &buf, &len);
	if (ret == ERR_DATA)
		ret = err_set(ERR_DATA, "%s: larger than %d KiB: not a CSR",
		    name, CSR_MAX_SIZE / 1024);
	if (ret != 0)
		goto out;
	if (looks_der(buf, len) || memmem(buf, len, "-----BEGIN ", 11) ==
	    NULL)
		ret = parse_der(name, buf, len, libctx, out);
	else
		ret = parse_pem(name, buf, len, libctx, out);
	ERR_clear_error();
out:
	free(buf);
	return ret;
}

int
csr_load(const char *path, X509_REQ **out)
{
	return load_in(path, NULL, out);
}

/*
 * The lean context: a library context whose only provider is "null",
 * so that parsing a CSR in it skips OpenSSL 3.0's provider decoder
 * (which costs about as much as checking the CSR's signature).  Made
 * once, and kept to the end of the process.
 */
static OSSL_LIB_CTX *lean_ctx;
static pthread_once_t lean_once = PTHREAD_ONCE_INIT;

/* The curves lean_key() builds, and (for many keys) a parameters-only
 * key of each to copy, which is cheaper than making the curve again. */
static const int lean_curves[] = { NID_X9_62_prime256v1, NID_secp384r1 };
static EVP_PKEY *lean_params[2];

/* A built-in EC key with only the named curve's parameters, or NULL. */
static EVP_PKEY *
curve_params(const ASN1_OBJECT *curve)
{
	unsigned char oid[16], *op = oid;
	const unsigned char *cp = oid;
	EVP_PKEY *key;
	int n;

	if (i2d_ASN1_OBJECT(curve, NULL) > (int)sizeof(oid) ||
	    (n = i2d_ASN1_OBJECT(curve, &op)) <= 0)
		return NULL;
	if ((key = d2i_KeyParams(EVP_PKEY_EC, NULL, &cp, n)) == NULL)
		ERR_clear_error();
	return key;
}

static void
lean_init(void)
{
	OSSL_LIB_CTX *ctx = OSSL_LIB_CTX_new();
	size_t i;

	if (ctx != NULL && OSSL_PROVIDER_load(ctx, "null") == NULL) {
		OSSL_LIB_CTX_free(ctx);
		ctx = NULL;
	}
	lean_ctx = ctx;
	for (i = 0; i < 2; i++)
		lean_params[i] = curve_params(OBJ_nid2obj(lean_curves[i]));
}

/* A fresh key holding the parameters of curve (index c of lean_curves):
 * with many, copied from lean_params when lean_init() made it (it is
 * only read there, so this is safe on several threads), else made. */
static EVP_PKEY *
new_params(const ASN1_OBJECT *curve, int c, int many)
{
	EVP_PKEY *key;

	if (!many || lean_params[c] == NULL)
		return curve_params(curve);
	if ((key = EVP_PKEY_new()) == NULL ||
	    EVP_PKEY_copy_parameters(key, lean_params[c]) != 1) {
		EVP_PKEY_free(key);
		ERR_clear_error();
		return curve_params(curve);
	}
	return key;
}

/*
 * The CSR's key when it is ECDSA on P-256 or P-384 as RFC 5480 writes
 * it (the curve's OID, an uncompressed point), built from the SPKI as a
 * built-in EC key: the point is checked to be on the curve by
 * o2i_ECPublicKey().  NULL for any other key, or if the point is bad:
 * the caller then reads the CSR the ordinary way.
 */
static EVP_PKEY *
lean_key(X509_REQ *req, int many)
{
	const unsigned char *pt;
	const ASN1_OBJECT *curve;
	ASN1_OBJECT *alg;
	const void *pval;
	X509_ALGOR *a;
	EVP_PKEY *key = NULL;
	int ptlen, ptype, c;

	if (X509_PUBKEY_get0_param(&alg, &pt, &ptlen, &a,
	    X509_REQ_get_X509_PUBKEY(req)) != 1 ||
	    OBJ_obj2nid(alg) != NID_X9_62_id_ecPublicKey)
		return NULL;
	X509_ALGOR_get0(NULL, &ptype, &pval, a);
	if (ptype != V_ASN1_OBJECT)
		return NULL;
	curve = pval;
	for (c = 0; c < 2; c++)
		if (OBJ_obj2nid(curve) == lean_curves[c])
			break;
	/* 65 or 97 bytes: 04 || X || Y. */
	if (c == 2 || ptlen != (c == 0 ? 65 : 97) ||
	    pt[0] != POINT_CONVERSION_UNCOMPRESSED)
		return NULL;
	if ((key = new_params(curve, c, many)) == NULL ||
	    d2i_PublicKey(EVP_PKEY_EC, &key, &pt, ptlen) == NULL) {
		EVP_PKEY_free(key);
		ERR_clear_error();
		return NULL;
	}
	return key;
}

int
csr_load_keyed(const char *path, int many, X509_REQ **out, EVP_PKEY **key)
{
	int ret;

	*out = NULL;
	*key = NULL;
	if (many)
		pthread_once(&lean_once, lean_init);
	if (many && lean_ctx != NULL) {
		if ((ret = load_in(path, lean_ctx, out)) != 0)
			return ret;
		if ((*key = lean_key(*out, 1)) != NULL)
			return 0;
		/* Another kind of key: read as csr_load() does. */
		X509_REQ_free(*out);
		*out = NULL;
	}
	if ((ret = load_in(path, NULL, out)) != 0)
		return ret;
	if ((*key = lean_key(*out, many)) == NULL &&
	    (*key = X509_REQ_get0_pubkey(*out)) != NULL)
		EVP_PKEY_up_ref(*key);
	ERR_clear_error();
	return 0;
}

/* "p256, p384" for the types in mask. */
static void
allowed_text(unsigned mask, char *buf, size_t len)
{
	static const enum key_type all[] = {
		KEY_P256, KEY_P384, KEY_RSA3072, KEY_RSA4096
	};
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (!(mask & (1u << (unsigned)all[i])) || used >= len)
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
		    used > 0 ? ", " : "", keytype_name(all[i]));
	}
}

/* Why a key that keytype_of() does not know is refused. */
static int
foreign_key(const char *source, EVP_PKEY *key)
{
	char group[64];
	size_t glen = 0;
	int bits = EVP_PKEY_get_bits(key);

	if (EVP_PKEY_is_a(key, "RSA") && bits < 3072)
		return err_set(ERR_DATA, "%s: RSA %d-bit key is below the 3072 "
		    "bits required", source, bits);
	if (EVP_PKEY_is_a(key, "RSA"))
		return err_set(ERR_DATA, "%s: RSA %d-bit key is not a size "
		    "this toolkit uses (3072 or 4096)", source, bits);
	if (EVP_PKEY_is_a(key, "EC")) {
		if (EVP_PKEY_get_utf8_string_param(key,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
		    &glen) != 1)
			snprintf(group, sizeof(group), "of %d bits", bits);
		return err_set(ERR_DATA, "%s: EC key on curve %s is not "
		    "allowed (allowed: P-256, P-384)", source, group);
	}
	return err_set(ERR_DATA, "%s: %s key is not allowed (allowed: "
	    "ECDSA P-256, P-384, RSA 3072, 4096)", source,
	    EVP_PKEY_get0_type_name(key) != NULL ?
	    EVP_PKEY_get0_type_name(key) : "an unknown");
}

/*
 * EC: a named curve (OpenSSL names a P-256 written with explicit
 * parameters "prime256v1" too, but RFC 5480 allows only the OID and
 * verifiers refuse the rest) and an uncompressed point, which every
 * verifier reads.
 */
static int
check_ec_encoding(const char *source, EVP_PKEY *key)
{
	char enc[32], form[32];
	size_t len;

	if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_EC_ENCODING,
	    enc, sizeof(enc), &len) != 1 ||
	    strcmp(enc, OSSL_PKEY_EC_ENCODING_GROUP) != 0)
		return err_set(ERR_DATA, "%s: the EC key has explicit curve "
		    "parameters; RFC 5480 requires a named curve", source);
	if (EVP_PKEY_get_utf8_string_param(key,
	    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, form, sizeof(form),
	    &len) != 1)
		form[0] = '\0';
	if (strcmp(form, OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) !=
	    0)
		return err_set(ERR_DATA, "%s: the EC public key is a %s point; "
		    "write it uncompressed", source, form[0] != '\0' ? form :
		    "non-standard");
	return 0;
}

/* RSA: an odd public exponent of at least 65537; EC: as above; any key:
 * OpenSSL's public key check (EC point on the curve, RSA modulus sane). */
static int
check_key_sanity(const char *source, EVP_PKEY *key)
{
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *e = NULL;
	int ret = 0;

	if (EVP_PKEY_is_a(key, "EC") &&
	    (ret = check_ec_encoding(source, key)) != 0)
		goto out;
	if (EVP_PKEY_is_a(key, "RSA") && (EVP_PKEY_get_bn_param(key,
	    OSSL_PKEY_PARAM_RSA_E, &e) != 1 || !BN_is_odd(e) ||
	    BN_num_bits(e) < 17)) {
		ret = err_set(ERR_DATA, "%s: the RSA public exponent is not an "
		    "odd number of at least 65537", source);
		goto out;
	}
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) == NULL ||
	    EVP_PKEY_public_check(ctx) != 1)
		ret = err_set(ERR_DATA, "%s: the CSR's public key fails "
		    "OpenSSL's public key check", source);
out:
	BN_free(e);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ret;
}

/* The digest of the CSR signature: SHA-256 or stronger (or none, as
 * with RSA-PSS, whose parameters OpenSSL checks when it verifies). */
static int
check_sig_digest(const char *source, X509_REQ *req)
{
	int md = NID_undef, pk = NID_undef;

	if (OBJ_find_sigid_algs(X509_REQ_get_signature_nid(req), &md,
	    &pk) != 1)
		return err_set(ERR_DATA, "%s: the CSR's signature algorithm "
		    "is not known", source);
	if (md == NID_md2 || md == NID_md4 || md == NID_md5 ||
	    md == NID_sha1 || md == NID_mdc2 || md == NID_sha224)
		return err_set(ERR_DATA, "%s: the CSR is signed with %s; sign "
		    "it with SHA-256 or better", source, OBJ_nid2sn(md));
	return 0;
}

/*
 * The signed part of req, as it was received: the first element of the
 * CSR's outer SEQUENCE.  i2d_X509_REQ() copies the cached encoding of a
 * parsed request, so this is the DER the signature covers.  *der is the
 * whole CSR, for OPENSSL_free(); 0, or -1 if it cannot be found.
 */
static int
signed_part(X509_REQ *req, unsigned char **der, const unsigned char **tbs,
    size_t *tbslen)
{
	const unsigned char *p;
	long len, inner;
	int n, tag, xclass;

	*der = NULL;
	if ((n = i2d_X509_REQ(req, der)) <= 0)
		return -1;
	p = *der;
	if ((ASN1_get_object(&p, &len, &tag, &xclass, n) & 0x80) != 0 ||
	    tag != V_ASN1_SEQUENCE)
		return -1;
	*tbs = p;
	if ((ASN1_get_object(&p, &inner, &tag, &xclass, len) & 0x80) != 0 ||
	    tag != V_ASN1_SEQUENCE)
		return -1;
	*tbslen = (size_t)(p - *tbs) + (size_t)inner;
	return 0;
}

/*
 * The CSR signature of a built-in EC key (lean_key()'s) checked on the
 * EC_KEY itself: 1 good, 0 bad, -1 not such a key or signature (then
 * X509_REQ_verify() decides).  The same checks as X509_REQ_verify()
 * (no unused bits in the signature, the digest of the signature
 * algorithm, ECDSA_verify(), which refuses a non-canonical encoding)
 * without OpenSSL 3.0's provider path, which copies the key into the
 * provider and so makes the curve a second time: a quarter of the cost
 * of the check, once per CSR of a batch.
 */
static int
verify_lean(X509_REQ *req, EVP_PKEY *key)
{
	const ASN1_BIT_STRING *sig;
	const X509_ALGOR *alg;
	const unsigned char *tbs;
	unsigned char *der = NULL, digest[EVP_MAX_MD_SIZE];
	unsigned int dlen;
	const EVP_MD *md;
	EC_KEY *ec = NULL;
	size_t tbslen;
	int mdnid, pknid, ret = -1;

	if (EVP_PKEY_get0_provider(key) != NULL ||
	    EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
		return -1;
	X509_REQ_get0_signature(req, &sig, &alg);
	if (OBJ_find_sigid_algs(OBJ_obj2nid(alg->algorithm), &mdnid,
	    &pknid) != 1 || pknid != NID_X9_62_id_ecPublicKey ||
	    (md = EVP_get_digestbynid(mdnid)) == NULL)
		return -1;
	if ((sig->flags & 0x7) != 0)
		return 0;
	if ((ec = EVP_PKEY_get1_EC_KEY(key)) == NULL ||
	    signed_part(req, &der, &tbs, &tbslen) != 0 ||
	    EVP_Digest(tbs, tbslen, digest, &dlen, md, NULL) != 1)
		goto out;
	ret = ECDSA_verify(0, digest, (int)dlen, sig->data, sig->length,
	    ec) == 1;
out:
	EC_KEY_free(ec);
	OPENSSL_free(der);
	return ret;
}

int
csr_verify_key(X509_REQ *req, EVP_PKEY *key, const char *source)
{
	int ok, ret;

	if (X509_REQ_get_version(req) != X509_REQ_VERSION_1)
		return err_set(ERR_DATA, "%s: the CSR has version %ld; PKCS#10 "
		    "knows only version 1 (0)", source,
		    X509_REQ_get_version(req));
	if (key == NULL) {
		ERR_clear_error();
		return err_set(ERR_DATA, "%s: the CSR's public key cannot be "
		    "read", source);
	}
	if ((ret = check_sig_digest(source, req)) != 0)
		return ret;
	if ((ok = verify_lean(req, key)) < 0)
		ok = X509_REQ_verify(req, key) == 1;
	if (!ok) {
		ERR_clear_error();
		return err_set(ERR_DATA, "%s: the CSR signature does not "
		    "verify", source);
	}
	return 0;
}

int
csr_verify(X509_REQ *req, const char *source)
{
	return csr_verify_key(req, X509_REQ_get0_pubkey(req), source);
}

int
csr_check(X509_REQ *req, const char *source, unsigned allowed,
    enum key_type *type)
{
	EVP_PKEY *key;
	char names[64];
	enum key_type t;
	int ret;

	*type = KEY_NONE;
	if ((ret = csr_verify(req, source)) != 0)
		return ret;
	key = X509_REQ_get0_pubkey(req);
	if ((t = keytype_of(key)) == KEY_NONE)
		return foreign_key(source, key);
	if ((ret = check_key_sanity(source, key)) != 0)
		return ret;
	if (!(allowed & (1u << (unsigned)t))) {
		allowed_text(allowed, names, sizeof(names));
		return err_set(ERR_DATA, "%s: key type %s is not allowed here "
		    "(allowed: %s)", source, keytype_name(t), names);
	}
	*type = t;
	return 0;
}

/* The one extensionRequest attribute of req, or NULL. */
static int
find_ext_attr(X509_REQ *req, const char *source, X509_ATTRIBUTE **attr)
{
	X509_ATTRIBUTE *a;
	int i, nid, n = X509_REQ_get_attr_count(req);

	*attr = NULL;
	for (i = 0; i < n; i++) {
		a = X509_REQ_get_attr(req, i);
		nid = OBJ_obj2nid(X509_ATTRIBUTE_get0_object(a));
		if (nid != NID_ext_req && nid != NID_ms_ext_req)
			continue;
		if (*attr != NULL)
			return err_set(ERR_DATA, "%s: the CSR has two "
			    "extensionRequest attributes (OpenSSL would read "
			    "only the first): refused as ambiguous", source);
		*attr = a;
	}
	return 0;
}

/* An extension requested twice is refused: readers disagree on it. */
static int
check_duplicates(const char *source, const STACK_OF(X509_EXTENSION) *exts)
{
	const ASN1_OBJECT *a, *b;
	char name[80];
	int i, j;

	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
		a = X509_EXTENSION_get_object(sk_X509_EXTENSION_value(exts, i));
		for (j = 0; j < i; j++) {
			b = X509_EXTENSION_get_object(
			    sk_X509_EXTENSION_value(exts, j));
			if (OBJ_cmp(a, b) != 0)
				continue;
			OBJ_obj2txt(name, sizeof(name), a, 0);
			return err_set(ERR_DATA, "%s: the CSR requests the "
			    "extension %s twice: refused as ambiguous",
			    source, name);
		}
	}
	return 0;
}

int
csr_extensions(X509_REQ *req, const char *source,
    STACK_OF(X509_EXTENSION) **exts)
{
	X509_ATTRIBUTE *attr;
	const ASN1_TYPE *t;
	const unsigned char *p, *end;
	int ret;

	*exts = NULL;
	if ((ret = find_ext_attr(req, source, &attr)) != 0)
		return ret;
	if (attr == NULL) {
		if ((*exts = sk_X509_EXTENSION_new_null()) == NULL)
			return err_set(ERR_INTERNAL, "out of memory");
		return 0;
	}
	if (X509_ATTRIBUTE_count(attr) != 1 ||
	    (t = X509_ATTRIBUTE_get0_type(attr, 0)) == NULL ||
	    t->type != V_ASN1_SEQUENCE)
		return err_set(ERR_DATA, "%s: the CSR's extensionRequest "
		    "attribute does not hold exactly one list of extensions",
		    source);
	p = t->value.sequence->data;
	end = p + t->value.sequence->length;
	if ((*exts = d2i_X509_EXTENSIONS(NULL, &p, end - p)) == NULL ||
	    p != end) {
		ERR_clear_error();
		ret = err_set(ERR_DATA, "%s: the CSR's requested extensions "
		    "are malformed", source);
		goto out;
	}
	ret = check_duplicates(source, *exts);
out:
	if (ret != 0) {
		sk_X509_EXTENSION_pop_free(*exts, X509_EXTENSION_free);
		*exts = NULL;
	}
	return ret;
}

int
csr_requests_ca(X509_REQ *req, int *ca, long *pathlen)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	BASIC_CONSTRAINTS *bc = NULL;
	X509_EXTENSION *ext;
	int i, ret;

	*ca = 0;
	*pathlen = -1;
	if ((ret = csr_extensions(req, "CSR", &exts)) != 0)
		return ret;
	if ((i = X509v3_get_ext_by_NID(exts, NID_basic_constraints, -1)) < 0)
		goto out;
	ext = X509v3_get_ext(exts, i);
	if ((bc = X509V3_EXT_d2i(ext)) == NULL) {
		ERR_clear_error();
		ret = err_set(ERR_DATA, "CSR: the requested basicConstraints "
		    "is malformed");
		goto out;
	}
	*ca = bc->ca != 0;
	if (bc->pathlen != NULL)
		*pathlen = ASN1_INTEGER_get(bc->pathlen);
out:
	BASIC_CONSTRAINTS_free(bc);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return ret;
}
