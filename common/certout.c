/*
 * certout.c: the forms an issued certificate leaves the CA in.
 *
 * Invariant: a private key's encodings (PEM, base64 in a manifest) only
 * ever sit in secmem buffers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>
#include <sodium.h>

#include "certout.h"
#include "err.h"
#include "json.h"
#include "secmem.h"
#include "x509.h"

#define P12_ITER	100000	/* PBKDF2 and MAC iterations */

int
certout_key_pem(EVP_PKEY *key, unsigned char **pem, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	char *data;
	long n;
	int ret = ERR_INTERNAL;

	*pem = NULL;
	if (bio == NULL || PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0,
	    NULL, NULL) != 1 || (n = BIO_get_mem_data(bio, &data)) <= 0 ||
	    (*pem = secmem_alloc((size_t)n + 1)) == NULL) {
		err_set(ret, "cannot encode the private key");
		goto out;
	}
	memcpy(*pem, data, (size_t)n);
	(*pem)[n] = '\0';
	*len = (size_t)n;
	ret = 0;
out:
	BIO_free(bio);	/* a secmem BIO is cleansed when freed */
	return ret;
}

static void
time_iso(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "?");
}

static void
fingerprint(X509 *cert, const EVP_MD *md, char *hex)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	hex[0] = '\0';
	if (X509_digest(cert, md, digest, &len) == 1)
		for (i = 0; i < len; i++)
			snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

static void
add_sans(struct json_buf *j, X509 *cert)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name,
	    NULL, NULL);
	const char *names[64];
	char *texts[64];
	int i, n = 0;

	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens) && n < 64;
	    i++) {
		GENERAL_NAME *gn = sk_GENERAL_NAME_value(gens, i);
		BIO *bio = BIO_new(BIO_s_mem());
		char *data;
		long len;

		if (bio == NULL)
			break;
		GENERAL_NAME_print(bio, gn);
		len = BIO_get_mem_data(bio, &data);
		if (len > 0 && (texts[n] = strndup(data, (size_t)len)) != NULL) {
			names[n] = texts[n];
			n++;
		}
		BIO_free(bio);
	}
	json_add_str_array(j, "sans", names, (size_t)n);
	for (i = 0; i < n; i++)
		free(texts[i]);
	GENERAL_NAMES_free(gens);
}

int
certout_json(X509 *cert, const char *profile, const char *cert_path,
    const char *chain_path, const char *key_path, const char *pem_inline,
    char **json)
{
	struct json_buf *j = NULL;
	char *serial = x509_serial_hex(cert), *subject = x509_subject_line(cert);
	char from[32], until[32], sha256[65], sha1[41];
	const char *text;
	size_t len;
	int ret;

	*json = NULL;
	if ((ret = json_new(&j)) != 0)
		goto out;
	time_iso(X509_get0_notBefore(cert), from, sizeof(from));
	time_iso(X509_get0_notAfter(cert), until, sizeof(until));
	fingerprint(cert, EVP_sha256(), sha256);
	fingerprint(cert, EVP_sha1(), sha1);
	json_begin_object(j, NULL);
	json_add_str(j, "serial", serial != NULL ? serial : "?");
	json_add_str(j, "subject", subject != NULL ? subject : "");
	add_sans(j, cert);
	json_add_str(j, "profile", profile);
	json_add_str(j, "not_before", from);
	json_add_str(j, "not_after", until);
	json_add_str(j, "sha256", sha256);
	json_add_str(j, "sha1", sha1);
	if (cert_path != NULL)
		json_add_str(j, "certificate_path", cert_path);
	if (chain_path != NULL)
		json_add_str(j, "chain_path", chain_path);
	if (key_path != NULL)
		json_add_str(j, "key_path", key_path);
	if (pem_inline != NULL)
		json_add_str(j, "certificate", pem_inline);
	json_end_object(j);
	if ((ret = json_text(j, &text, &len)) == 0 &&
	    (*json = strdup(text)) == NULL)
		ret = err_set(ERR_INTERNAL, "out of memory");
out:
	json_free(j);
	free(serial);
	free(subject);
	return ret;
}

/* base64 of buf into a secmem buffer. */
static char *
b64(const unsigned char *buf, size_t len)
{
	size_t outlen = sodium_base64_encoded_len(len,
	    sodium_base64_VARIANT_ORIGINAL);
	char *out = secmem_alloc(outlen);

	if (out != NULL)
		sodium_bin2base64(out, outlen, buf, len,
		    sodium_base64_VARIANT_ORIGINAL);
	return out;
}

int
certout_k8s_secret(const char *name, const unsigned char *fullchain,
    size_t fullchain_len, const unsigned char *key, size_t key_len,
    const unsigned char *ca, size_t ca_len, char **yaml)
{
	char *crt = b64(fullchain, fullchain_len), *k = b64(key, key_len);
	char *cab = b64(ca, ca_len), *out = NULL;
	size_t len;
	int ret = 0;

	*yaml = NULL;
	if (crt == NULL || k == NULL || cab == NULL) {
		ret = err_set(ERR_INTERNAL, "out of locked memory");
		goto out;
	}
	len = strlen(crt) + strlen(k) + strlen(cab) + strlen(name) + 256;
	if ((out = secmem_alloc(len)) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of locked memory");
		goto out;
	}
	snprintf(out, len, "apiVersion: v1\nkind: Secret\nmetadata:\n"
	    "  name: %s\ntype: kubernetes.io/tls\ndata:\n  tls.crt: %s\n"
	    "  tls.key: %s\n  ca.crt: %s\n", name, crt, k, cab);
	*yaml = out;
out:
	secmem_free(crt);
	secmem_free(k);
	secmem_free(cab);
	return ret;
}

static STACK_OF(X509) *
read_chain(const unsigned char *pem, size_t len)
{
	STACK_OF(X509) *chain = sk_X509_new_null();
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	X509 *x;

	while (chain != NULL && bio != NULL &&
	    (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		if (sk_X509_push(chain, x) == 0)
			X509_free(x);
	ERR_clear_error();
	BIO_free(bio);
	return chain;
}

int
certout_pkcs12(X509 *cert, EVP_PKEY *key, const unsigned char *chain_pem,
    size_t chain_len, const char *pass, unsigned char **der, size_t *len)
{
	STACK_OF(X509) *chain = read_chain(chain_pem, chain_len);
	PKCS12 *p12 = NULL;
	unsigned char *buf = NULL, *p;
	int n, ret = ERR_INTERNAL;

	*der = NULL;
	/* AES-256 with PBKDF2, and a MAC over the whole file. */
	p12 = PKCS12_create(pass, NULL, key, cert, chain, NID_aes_256_cbc,
	    NID_aes_256_cbc, P12_ITER, P12_ITER, 0);
	if (p12 == NULL || (n = i2d_PKCS12(p12, NULL)) <= 0 ||
	    (buf = malloc((size_t)n)) == NULL) {
		ERR_clear_error();
		err_set(ret, "cannot build the PKCS#12 file");
		goto out;
	}
	p = buf;
	i2d_PKCS12(p12, &p);
	*der = buf;
	*len = (size_t)n;
	ret = 0;
out:
	PKCS12_free(p12);
	sk_X509_pop_free(chain, X509_free);
	return ret;
}
