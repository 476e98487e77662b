/*
 * certfile.c: the certificates in a PEM, DER or PKCS#12 file.
 *
 * PEM is tried first (every CERTIFICATE block; other blocks skipped),
 * then one DER certificate that must fill the whole file, then PKCS#12
 * with the empty password and with none.  The input is untrusted: the
 * OpenSSL decoders are the only parsers, and lengths come from len.
 */
#include <limits.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "certfile.h"
#include "err.h"
#include "fileio.h"

/* Every CERTIFICATE block of a PEM text onto sk. */
static int
parse_pem(const unsigned char *buf, size_t len, STACK_OF(X509) *sk)
{
	BIO *bio;
	X509 *x;

	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			BIO_free(bio);
			return err_set(ERR_INTERNAL, "out of memory");
		}
	}
	ERR_clear_error();
	BIO_free(bio);
	return 0;
}

/* One DER certificate filling the buffer. */
static int
parse_der(const unsigned char *buf, size_t len, STACK_OF(X509) *sk)
{
	const unsigned char *p = buf;
	X509 *x;

	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL) {
		ERR_clear_error();
		return 0;
	}
	if (p != buf + len || !sk_X509_push(sk, x))
		X509_free(x);
	return 0;
}

/* Move the certificates of a parsed PKCS#12 onto sk. */
static int
take_p12(X509 *cert, STACK_OF(X509) *ca, STACK_OF(X509) *sk)
{
	X509 *x;

	if (cert != NULL && !sk_X509_push(sk, cert)) {
		X509_free(cert);
		sk_X509_pop_free(ca, X509_free);
		return err_set(ERR_INTERNAL, "out of memory");
	}
	while (ca != NULL && (x = sk_X509_shift(ca)) != NULL)
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			sk_X509_pop_free(ca, X509_free);
			return err_set(ERR_INTERNAL, "out of memory");
		}
	sk_X509_free(ca);
	return 0;
}

/* A PKCS#12 bundle without a passphrase; ERR_AUTH if it has one. */
static int
parse_p12(const unsigned char *buf, size_t len, const char *path,
    STACK_OF(X509) *sk)
{
	const unsigned char *p = buf;
	PKCS12 *p12;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	STACK_OF(X509) *ca = NULL;
	int ok;

	if ((p12 = d2i_PKCS12(NULL, &p, (long)len)) == NULL) {
		ERR_clear_error();
		return 0;
	}
	ok = PKCS12_parse(p12, "", &key, &cert, &ca);
	if (!ok)
		ok = PKCS12_parse(p12, NULL, &key, &cert, &ca);
	ERR_clear_error();
	EVP_PKEY_free(key);
	PKCS12_free(p12);
	if (!ok)
		return err_set(ERR_AUTH, "%s: a PKCS#12 bundle with a "
		    "passphrase", path);
	return take_p12(cert, ca, sk);
}

int
certfile_parse(const unsigned char *buf, size_t len, const char *path,
    STACK_OF(X509) **out)
{
	STACK_OF(X509) *sk;
	int ret;

	*out = NULL;
	if (len > INT_MAX)
		return err_set(ERR_DATA, "%s: too large", path);
	if ((sk = sk_X509_new_null()) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if ((ret = parse_pem(buf, len, sk)) == 0 && sk_X509_num(sk) == 0)
		ret = parse_der(buf, len, sk);
	if (ret == 0 && sk_X509_num(sk) == 0)
		ret = parse_p12(buf, len, path, sk);
	if (ret == 0 && sk_X509_num(sk) == 0)
		ret = err_set(ERR_DATA, "%s: no certificate in it (not PEM, "
		    "DER or PKCS#12)", path);
	if (ret != 0) {
		sk_X509_pop_free(sk, X509_free);
		return ret;
	}
	*out = sk;
	return 0;
}

int
certfile_load(const char *path, STACK_OF(X509) **out)
{
	unsigned char *buf = NULL;
	size_t len;
	int ret;

	*out = NULL;
	if ((ret = fileio_read(path, CERTFILE_MAX, &buf, &len)) != 0)
		return ret;
	ret = certfile_parse(buf, len, path, out);
	free(buf);
	return ret;
}
