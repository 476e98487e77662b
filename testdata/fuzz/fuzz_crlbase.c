/*
 * fuzz_crlbase: a published CRL read back without OpenSSL's parser, as
 * pki-crl does before a delta (crlstream_base_open(), then
 * crlstream_base_lists() entry by entry) and before replacing a CRL
 * (crlstream_file_number()).
 *
 * The input is the TBSCertList.  A mutated CRL would stop at its
 * signature, so the target signs the input itself with the issuer key
 * made at start-up ("Fuzz CRL CA", P-256) and wraps it as a
 * CertificateList: the reader then walks the fuzzer's bytes.  The seeds
 * (testdata/fuzz/make-seeds.sh) are TBSCertLists of CRLs issued under
 * that name, so they reach the entries.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "crl.h"
#include "crlstream.h"
#include "der.h"
#include "fuzz.h"
#include "keytype.h"
#include "x509.h"

static EVP_PKEY *issuer_key;
static X509 *issuer;

/* ecdsa-with-SHA256 (RFC 5758), without parameters. */
static const unsigned char ecdsa_sha256[] = {
	0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct x509_subject subj = { NULL, NULL, NULL, NULL, NULL,
	    "Fuzz CRL CA" };

	(void)argc;
	(void)argv;
	fuzz_init();
	if (keytype_generate(KEY_P256, &issuer_key) != 0 ||
	    x509_build_root(issuer_key, &subj, 1, &issuer) != 0 ||
	    x509_sign(issuer, issuer_key, KEY_P256) != 0)
		fuzz_die("cannot make the issuer");
	return 0;
}

/* SEQUENCE { tbs, algorithm, BIT STRING { 0, signature } } in *out. */
static int
wrap(const uint8_t *tbs, size_t tbslen, unsigned char **out, size_t *len)
{
	unsigned char sig[80], *p;
	size_t siglen = sizeof(sig), body, at;
	EVP_MD_CTX *ctx;
	int ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL,
	    issuer_key) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, tbs, tbslen) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	body = tbslen + sizeof(ecdsa_sha256) + der_header_size(siglen + 1) +
	    siglen + 1;
	*len = der_header_size(body) + body;
	if ((p = *out = malloc(*len)) == NULL)
		return -1;
	at = der_header(p, 0x30, body);
	memcpy(p + at, tbs, tbslen);
	at += tbslen;
	memcpy(p + at, ecdsa_sha256, sizeof(ecdsa_sha256));
	at += sizeof(ecdsa_sha256);
	at += der_header(p + at, 0x03, siglen + 1);
	p[at++] = 0;
	memcpy(p + at, sig, siglen);
	return 0;
}

/* Ask the base about a few serials, in increasing order as pki-crl
 * does; whatever the answers, the calls must stay within the buffer. */
static void
walk(struct crlstream_base *b)
{
	static const char *const serials[] = {
		"01", "7F", "80", "0102", "1000", "7FFFFFFF", "FFFFFFFFFF",
		"0123456789ABCDEF0123456789ABCDEF01234567"
	};
	struct crl_entry e;
	size_t i;
	int on;

	for (i = 0; i < sizeof(serials) / sizeof(serials[0]); i++) {
		memset(&e, 0, sizeof(e));
		e.serial_hex = serials[i];
		e.revoked_at = 1700000000;
		e.reason = CRL_REASON_NONE;
		if (crlstream_base_lists(b, &e, &on) != 0)
			break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crlstream_base *b = NULL;
	unsigned long long number;
	unsigned char *der = NULL;
	size_t len;
	int rc;

	if (wrap(data, size, &der, &len) != 0)
		fuzz_die("cannot sign the input");
	fuzz_check_rc(crlstream_file_number(fuzz_file(der, len), &number),
	    "crlstream_file_number");
	rc = crlstream_base_open(fuzz_file(der, len), issuer, &b, &number);
	fuzz_check_rc(rc, "crlstream_base_open");
	if (rc == 0)
		walk(b);
	crlstream_base_free(b);
	free(der);
	return 0;
}
