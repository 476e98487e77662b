/*
 * x509.c: certificates the ceremony builds and checks.
 *
 * Trusts OpenSSL's encoders and the CSPRNG.  Invariants: serials are 20
 * bytes, positive, from the CSPRNG; private key encodings only ever sit
 * in secmem buffers.
 */
#include <limits.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "secmem.h"
#include "x509.h"

#define SERIAL_LEN	20

void
x509_rand_setup(void)
{
	/* Fails, harmlessly, once the DRBGs exist. */
	if (RAND_set_DRBG_type(NULL, "HASH-DRBG", NULL, NULL, "SHA256") != 1)
		ERR_clear_error();
}

void
x509_no_cipher_names(void)
{
	(void)OPENSSL_init_crypto(OPENSSL_INIT_NO_ADD_ALL_CIPHERS, NULL);
}

int
x509_random_serial(X509 *cert)
{
	unsigned char bytes[SERIAL_LEN];
	BIGNUM *bn = NULL;
	int ret = ERR_INTERNAL;

	if (RAND_bytes(bytes, sizeof(bytes)) != 1)
		return err_set(ERR_INTERNAL, "random number generator failed");
	/* Positive, and exactly 20 octets in DER. */
	bytes[0] = (bytes[0] & 0x7f) | 0x40;
	if ((bn = BN_bin2bn(bytes, sizeof(bytes), NULL)) == NULL)
		goto out;
	if (BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) == NULL)
		goto out;
	ret = 0;
out:
	BN_free(bn);
	return ret == 0 ? 0 : err_set(ret, "cannot set serial number");
}

static int
add_name_part(X509_NAME *name, const char *field, const char *value)
{
	if (value == NULL)
		return 0;
	if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
	    (const unsigned char *)value, -1, -1, 0) != 1) {
		ERR_clear_error();
		return err_set(ERR_DATA, "subject %s \"%s\" is not valid",
		    field, value);
	}
	return 0;
}

static int
build_name(const struct x509_subject *s, X509_NAME **out)
{
	X509_NAME *name = X509_NAME_new();
	int ret;

	*out = NULL;
	if (name == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if ((ret = add_name_part(name, "C", s->country)) != 0 ||
	    (ret = add_name_part(name, "ST", s->state)) != 0 ||
	    (ret = add_name_part(name, "L", s->locality)) != 0 ||
	    (ret = add_name_part(name, "O", s->organization)) != 0 ||
	    (ret = add_name_part(name, "OU", s->org_unit)) != 0 ||
	    (ret = add_name_part(name, "CN", s->common_name)) != 0) {
		X509_NAME_free(name);
		return ret;
	}
	*out = name;
	return 0;
}

int
x509_add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL) {
		ERR_clear_error();
		return err_set(ERR_DATA, "cannot build extension %s from "
		    "\"%s\"", OBJ_nid2sn(nid), value);
	}
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? 0 : err_set(ERR_INTERNAL, "cannot add extension");
}

static int
set_validity(X509 *cert, unsigned years)
{
	time_t now = time(NULL), end;
	struct tm tm;

	gmtime_r(&now, &tm);
	tm.tm_year += (int)years;
	/* 29 February plus N years is 28 February, not 1 March. */
	if (tm.tm_mon == 1 && tm.tm_mday == 29)
		tm.tm_mday = 28;
	end = timegm(&tm);
	if (X509_time_adj_ex(X509_getm_notBefore(cert), 0, 0, &now) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(cert), 0, 0, &end) == NULL)
		return err_set(ERR_INTERNAL, "cannot set validity");
	return 0;
}

int
x509_build_root(EVP_PKEY *pub, const struct x509_subject *subject,
    unsigned years, X509 **out)
{
	X509 *cert = NULL;
	X509_NAME *name = NULL;
	int ret;

	*out = NULL;
	if ((cert = X509_new()) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if ((ret = build_name(subject, &name)) != 0)
		goto out;
	ret = ERR_INTERNAL;
	if (X509_set_version(cert, X509_VERSION_3) != 1 ||
	    X509_set_subject_name(cert, name) != 1 ||
	    X509_set_issuer_name(cert, name) != 1 ||
	    X509_set_pubkey(cert, pub) != 1) {
		err_set(ret, "cannot build the root certificate");
		goto out;
	}
	if ((ret = x509_random_serial(cert)) != 0 ||
	    (ret = set_validity(cert, years)) != 0 ||
	    (ret = x509_add_ext(cert, cert, NID_basic_constraints,
	    "critical,CA:TRUE")) != 0 ||
	    (ret = x509_add_ext(cert, cert, NID_key_usage,
	    "critical,keyCertSign,cRLSign")) != 0 ||
	    (ret = x509_add_ext(cert, cert, NID_subject_key_identifier,
	    "hash")) != 0 ||
	    (ret = x509_add_ext(cert, cert, NID_authority_key_identifier,
	    "keyid:always")) != 0)
		goto out;
	*out = cert;
	cert = NULL;
	ret = 0;
out:
	X509_NAME_free(name);
	X509_free(cert);
	return ret;
}

int
x509_sign(X509 *cert, EVP_PKEY *signer, enum key_type type)
{
	if (X509_sign(cert, signer, keytype_digest(type)) <= 0) {
		err_set(ERR_UNAVAILABLE, "signing the certificate failed");
		err_add_openssl();
		return ERR_UNAVAILABLE;	/* a token is the likely cause */
	}
	return 0;
}

int
x509_sig_algid(EVP_PKEY *signer, enum key_type type, unsigned char **der,
    size_t *len)
{
	unsigned char aid[128];
	OSSL_PARAM params[2];
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	int ret = ERR_UNAVAILABLE;

	*der = NULL;
	*len = 0;
	/* As ASN1_item_sign_ctx() asks a provider's key. */
	params[0] = OSSL_PARAM_construct_octet_string(
	    OSSL_SIGNATURE_PARAM_ALGORITHM_ID, aid, sizeof(aid));
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_get0_provider(signer) == NULL ||
	    (ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, &pctx, keytype_digest(type), NULL,
	    signer) != 1 || EVP_PKEY_CTX_get_params(pctx, params) != 1 ||
	    params[0].return_size == 0 ||
	    params[0].return_size > sizeof(aid))
		goto out;
	if ((*der = malloc(params[0].return_size)) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	memcpy(*der, aid, params[0].return_size);
	*len = params[0].return_size;
	ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ret == ERR_UNAVAILABLE ? err_set(ret, "the key cannot name "
	    "its signature algorithm") : ret;
}

int
x509_sign_tbs(EVP_PKEY *signer, enum key_type type, const unsigned char *tbs,
    size_t tbslen, const unsigned char *algid, size_t algidlen,
    unsigned char **der, size_t *len)
{
	unsigned char sig[1024], *p;
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *ctx;
	int bits, body, total, ok;

	*der = NULL;
	*len = 0;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	ok = EVP_DigestSignInit(ctx, NULL, keytype_digest(type), NULL,
	    signer) == 1 && EVP_DigestSign(ctx, sig, &siglen, tbs,
	    tbslen) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		err_set(ERR_UNAVAILABLE, "signing the certificate failed");
		err_add_openssl();
		return ERR_UNAVAILABLE;
	}
	/* The signature as a BIT STRING with no unused bits. */
	if (tbslen > INT_MAX / 2 || algidlen > INT_MAX / 4 ||
	    (bits = ASN1_object_size(0, (int)siglen + 1,
	    V_ASN1_BIT_STRING)) <= 0 ||
	    (total = ASN1_object_size(1, body = (int)(tbslen + algidlen) +
	    bits, V_ASN1_SEQUENCE)) <= 0)
		return err_set(ERR_INTERNAL, "the certificate is too large");
	if ((*der = p = malloc((size_t)total)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	ASN1_put_object(&p, 1, body, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	memcpy(p, tbs, tbslen);
	p += tbslen;
	memcpy(p, algid, algidlen);
	p += algidlen;
	ASN1_put_object(&p, 0, (int)siglen + 1, V_ASN1_BIT_STRING,
	    V_ASN1_UNIVERSAL);
	*p++ = 0;
	memcpy(p, sig, siglen);
	*len = (size_t)total;
	return 0;
}

int
x509_der_pem(const unsigned char *der, size_t derlen, unsigned char **buf,
    size_t *len)
{
	static const char head[] = "-----BEGIN CERTIFICATE-----\n";
	static const char tail[] = "-----END CERTIFICATE-----\n";
	EVP_ENCODE_CTX *ctx;
	unsigned char *out;
	size_t cap;
	int n, used, ok;

	*buf = NULL;
	/* 64 characters and a newline for every 48 bytes, rounded up. */
	if (derlen > INT_MAX / 2)
		return err_set(ERR_INTERNAL, "the certificate is too large");
	cap = sizeof(head) + sizeof(tail) + (derlen + 47) / 48 * 65 + 1;
	if ((out = malloc(cap)) == NULL ||
	    (ctx = EVP_ENCODE_CTX_new()) == NULL) {
		free(out);
		return err_set(ERR_INTERNAL, "out of memory");
	}
	memcpy(out, head, sizeof(head) - 1);
	used = (int)sizeof(head) - 1;
	EVP_EncodeInit(ctx);
	ok = EVP_EncodeUpdate(ctx, out + used, &n, der, (int)derlen) == 1;
	used += n;
	EVP_EncodeFinal(ctx, out + used, &n);
	used += n;
	EVP_ENCODE_CTX_free(ctx);
	if (!ok || (size_t)used + sizeof(tail) > cap) {
		free(out);
		return err_set(ERR_INTERNAL, "cannot encode the certificate");
	}
	memcpy(out + used, tail, sizeof(tail));
	*buf = out;
	*len = (size_t)used + sizeof(tail) - 1;
	return 0;
}

int
x509_spki_sha256(EVP_PKEY *pub, unsigned char out[32])
{
	unsigned char *der = NULL;
	int len, ret = 0;

	if ((len = i2d_PUBKEY(pub, &der)) <= 0)
		return err_set(ERR_INTERNAL, "cannot encode the public key");
	if (EVP_Digest(der, (size_t)len, out, NULL, EVP_sha256(), NULL) != 1)
		ret = err_set(ERR_INTERNAL, "SHA-256 failed");
	OPENSSL_free(der);
	return ret;
}

int
x509_cert_sha256(X509 *cert, unsigned char out[32])
{
	unsigned int len = 32;

	if (X509_digest(cert, EVP_sha256(), out, &len) != 1)
		return err_set(ERR_INTERNAL, "SHA-256 failed");
	return 0;
}

int
x509_load(const char *path, X509 **out)
{
	BIO *bio;
	X509 *cert;

	*out = NULL;
	if ((bio = BIO_new_file(path, "rb")) == NULL) {
		ERR_clear_error();
		return err_set(ERR_NOINPUT, "%s: cannot open certificate",
		    path);
	}
	cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	if (cert == NULL) {
		ERR_clear_error();
		(void)BIO_reset(bio);
		cert = d2i_X509_bio(bio, NULL);
	}
	BIO_free(bio);
	if (cert == NULL) {
		ERR_clear_error();
		return err_set(ERR_DATA, "%s: not a PEM or DER certificate",
		    path);
	}
	*out = cert;
	return 0;
}

static int
bio_to_buf(BIO *bio, unsigned char **buf, size_t *len)
{
	char *data;
	long n = BIO_get_mem_data(bio, &data);

	if (n <= 0 || (*buf = malloc((size_t)n + 1)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	memcpy(*buf, data, (size_t)n);
	(*buf)[n] = '\0';
	*len = (size_t)n;
	return 0;
}

int
x509_pem(X509 *cert, unsigned char **buf, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int ret;

	*buf = NULL;
	if (bio == NULL || PEM_write_bio_X509(bio, cert) != 1)
		ret = err_set(ERR_INTERNAL, "cannot encode certificate");
	else
		ret = bio_to_buf(bio, buf, len);
	BIO_free(bio);
	return ret;
}

int
x509_der(X509 *cert, unsigned char **buf, size_t *len)
{
	unsigned char *der = NULL;
	int n = i2d_X509(cert, &der);

	*buf = NULL;
	if (n <= 0)
		return err_set(ERR_INTERNAL, "cannot encode certificate");
	if ((*buf = malloc((size_t)n)) == NULL) {
		OPENSSL_free(der);
		return err_set(ERR_INTERNAL, "out of memory");
	}
	memcpy(*buf, der, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(der);
	return 0;
}

int
x509_challenge(EVP_PKEY *signer, EVP_PKEY *verifier, enum key_type type)
{
	unsigned char nonce[32], sig[1024];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *ctx = NULL;
	int ret = ERR_UNAVAILABLE;

	if (RAND_bytes(nonce, sizeof(nonce)) != 1 ||
	    (ctx = EVP_MD_CTX_new()) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if (EVP_DigestSignInit(ctx, NULL, keytype_digest(type), NULL,
	    signer) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, nonce, sizeof(nonce)) != 1) {
		err_set(ret, "the key could not sign a test challenge");
		err_add_openssl();
		goto out;
	}
	EVP_MD_CTX_free(ctx);
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (EVP_DigestVerifyInit(ctx, NULL, keytype_digest(type), NULL,
	    verifier) != 1 ||
	    EVP_DigestVerify(ctx, sig, siglen, nonce, sizeof(nonce)) != 1) {
		ERR_clear_error();
		ret = err_set(ERR_NO, "the test signature does not verify "
		    "under the certificate's public key");
		goto out;
	}
	ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	return ret;
}

char *
x509_serial_hex(X509 *cert)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	char *hex = NULL, *copy = NULL;

	if (bn != NULL && (hex = BN_bn2hex(bn)) != NULL)
		copy = strdup(hex);
	OPENSSL_free(hex);
	BN_free(bn);
	return copy;
}

void
x509_time_text(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	if (len == 0)
		return;
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "?");
}

char *
x509_subject_line(X509 *cert)
{
	BIO *bio = BIO_new(BIO_s_mem());
	unsigned char *buf = NULL;
	size_t len;

	if (bio == NULL)
		return NULL;
	if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0,
	    XN_FLAG_RFC2253) < 0)
		buf = NULL;
	else if (X509_NAME_entry_count(X509_get_subject_name(cert)) == 0)
		buf = (unsigned char *)strdup("");	/* an empty subject */
	else if (bio_to_buf(bio, &buf, &len) != 0)
		buf = NULL;
	BIO_free(bio);
	return (char *)buf;
}

int
x509_private_der(EVP_PKEY *key, unsigned char **der, size_t *len)
{
	PKCS8_PRIV_KEY_INFO *p8;
	unsigned char *buf = NULL, *p;
	int n, ret = ERR_INTERNAL;

	*der = NULL;
	*len = 0;
	if ((p8 = EVP_PKEY2PKCS8(key)) == NULL)
		return err_set(ret, "cannot encode the private key");
	if ((n = i2d_PKCS8_PRIV_KEY_INFO(p8, NULL)) <= 0 ||
	    (buf = secmem_alloc((size_t)n)) == NULL) {
		err_set(ret, "cannot encode the private key");
		goto out;
	}
	p = buf;
	if (i2d_PKCS8_PRIV_KEY_INFO(p8, &p) != n) {
		err_set(ret, "cannot encode the private key");
		goto out;
	}
	*der = buf;
	*len = (size_t)n;
	buf = NULL;
	ret = 0;
out:
	secmem_free(buf);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return ret;
}

int
x509_private_parse(const unsigned char *der, size_t len, EVP_PKEY **key)
{
	const unsigned char *p = der;

	*key = d2i_AutoPrivateKey(NULL, &p, (long)len);
	if (*key == NULL || p != der + len) {
		EVP_PKEY_free(*key);
		*key = NULL;
		ERR_clear_error();
		return err_set(ERR_DATA, "the private key is malformed");
	}
	return 0;
}
