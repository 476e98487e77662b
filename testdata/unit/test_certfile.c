/*
 * test_certfile.c: the certificates in PEM, DER and PKCS#12 files.
 *
 * Two self-signed certificates are made in memory and encoded every way
 * certfile_parse() reads: PEM with two certificates and a key block,
 * DER, DER with a trailing byte, PKCS#12 with the empty password and
 * with a passphrase, and junk.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/pkcs12.h>

#include "certfile.h"
#include "err.h"
#include "harness.h"
#include "keytype.h"
#include "x509.h"

static X509 *
make_cert(const char *cn, EVP_PKEY **key)
{
	struct x509_subject s;
	X509 *x = NULL;

	memset(&s, 0, sizeof(s));
	s.common_name = cn;
	if (keytype_generate(KEY_P256, key) != 0 ||
	    x509_build_root(*key, &s, 1, &x) != 0 ||
	    x509_sign(x, *key, KEY_P256) != 0)
		return NULL;
	return x;
}

/* certfile_parse() of buf: the count, or the error code if negative. */
static int
parse_count(const void *buf, size_t len, STACK_OF(X509) **sk)
{
	int ret;

	if ((ret = certfile_parse(buf, len, "t", sk)) != 0)
		return ret;
	return sk_X509_num(*sk);
}

static void
test_pem_der(X509 *a, X509 *b, EVP_PKEY *ka)
{
	STACK_OF(X509) *sk = NULL;
	unsigned char *pa, *pb, *der, *both;
	size_t la, lb, ld;
	BIO *bio = BIO_new(BIO_s_mem());
	char *keypem;
	long lk;

	x509_pem(a, &pa, &la);
	x509_pem(b, &pb, &lb);
	x509_der(a, &der, &ld);
	PEM_write_bio_PrivateKey(bio, ka, NULL, NULL, 0, NULL, NULL);
	lk = BIO_get_mem_data(bio, &keypem);
	both = malloc((size_t)lk + la + lb);
	memcpy(both, keypem, (size_t)lk);
	memcpy(both + lk, pa, la);
	memcpy(both + (size_t)lk + la, pb, lb);
	CHECK(parse_count(both, (size_t)lk + la + lb, &sk) == 2,
	    "PEM: a key block passed over, two certificates");
	CHECK(sk != NULL && X509_cmp(sk_X509_value(sk, 1), b) == 0,
	    "PEM: in file order");
	sk_X509_pop_free(sk, X509_free);
	CHECK(parse_count(der, ld, &sk) == 1 &&
	    X509_cmp(sk_X509_value(sk, 0), a) == 0, "DER: one certificate");
	sk_X509_pop_free(sk, X509_free);
	sk = NULL;
	CHECK_RC(parse_count(der, ld - 1, &sk), ERR_DATA, "truncated DER");
	memcpy(both, der, ld);
	both[ld] = 0;
	CHECK_RC(parse_count(both, ld + 1, &sk), ERR_DATA,
	    "DER with a trailing byte");
	CHECK_RC(parse_count(keypem, (size_t)lk, &sk), ERR_DATA,
	    "a key alone is no certificate");
	CHECK_RC(parse_count("junk\n", 5, &sk), ERR_DATA, "junk");
	CHECK(sk == NULL, "nothing returned on failure");
	BIO_free(bio);
	free(pa);
	free(pb);
	free(der);
	free(both);
}

static int
p12_count_iter(const char *pass, X509 *a, EVP_PKEY *ka, X509 *b, int iter,
    int mac_iter)
{
	STACK_OF(X509) *ca = sk_X509_new_null(), *sk = NULL;
	PKCS12 *p12;
	unsigned char *der = NULL;
	int len, ret;

	sk_X509_push(ca, b);
	p12 = PKCS12_create(pass, "t", ka, a, ca, 0, 0, iter, mac_iter, 0);
	sk_X509_free(ca);
	if (p12 == NULL || (len = i2d_PKCS12(p12, &der)) <= 0)
		return ERR_INTERNAL;
	ret = parse_count(der, (size_t)len, &sk);
	if (ret == 2 && X509_cmp(sk_X509_value(sk, 0), a) != 0)
		ret = -1000;	/* the bundle's own certificate first */
	sk_X509_pop_free(sk, X509_free);
	OPENSSL_free(der);
	PKCS12_free(p12);
	return ret;
}

static int
p12_count(const char *pass, X509 *a, EVP_PKEY *ka, X509 *b)
{
	return p12_count_iter(pass, a, ka, b, 0, 0);
}

int
main(void)
{
	EVP_PKEY *ka = NULL, *kb = NULL;
	X509 *a = make_cert("cert-a", &ka), *b = make_cert("cert-b", &kb);

	CHECK(a != NULL && b != NULL, "test certificates made");
	if (a == NULL || b == NULL)
		return harness_done();
	test_pem_der(a, b, ka);
	CHECK(p12_count("", a, ka, b) == 2,
	    "PKCS#12 with the empty password: both certificates, own first");
	CHECK_RC(p12_count("secret", a, ka, b), ERR_AUTH,
	    "PKCS#12 with a passphrase");
	/* A hostile bundle must not hold the scan in PBKDF2 for hours. */
	CHECK_RC(p12_count_iter("", a, ka, b, 1, 1000001), ERR_DATA,
	    "PKCS#12 whose MAC asks for more than a million iterations");
	CHECK_RC(p12_count_iter("", a, ka, b, 1000001, 1), ERR_DATA,
	    "PKCS#12 whose certificates need more than a million "
	    "iterations to decrypt");
	X509_free(a);
	X509_free(b);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
	return harness_done();
}
