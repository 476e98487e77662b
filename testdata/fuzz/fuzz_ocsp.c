/*
 * fuzz_ocsp: an OCSP request as pki-ocsp respond reads it, from a file
 * or standard input (DER) and from a GET path (ocsp_get_decode()), then
 * the answer it picks: ocsp_request_match() against the lint fixtures'
 * intermediate, and an unauthorized, unknown, good or revoked response
 * as respond would send (serial 01AB stands for an issued certificate,
 * 02CD for a revoked one; the rest are unknown).  The responses are
 * signed by a delegated signer made at start-up under a throwaway CA;
 * every response made must parse back as an OCSP response.
 */
#include <time.h>

#include <openssl/ocsp.h>
#include <openssl/pem.h>

#include "fuzz.h"
#include "keytype.h"
#include "ocsp.h"
#include "x509.h"

static X509 *match_ca;
static struct ocsp_signer *signer;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct x509_subject subj = { NULL, NULL, NULL, NULL, NULL,
	    "Fuzz OCSP CA" };
	EVP_PKEY *cakey = NULL, *key = NULL;
	X509 *ca = NULL, *cert = NULL;
	FILE *f;

	(void)argc;
	(void)argv;
	fuzz_init();
	if ((f = fopen(FUZZ_FIXTURES "/lint/intermediate.pem", "r")) ==
	    NULL || (match_ca = PEM_read_X509(f, NULL, NULL, NULL)) == NULL)
		fuzz_die("cannot read the lint fixtures' intermediate.pem");
	fclose(f);
	if (keytype_generate(KEY_P256, &cakey) != 0 ||
	    x509_build_root(cakey, &subj, 1, &ca) != 0 ||
	    x509_sign(ca, cakey, KEY_P256) != 0 ||
	    keytype_generate(KEY_P256, &key) != 0 ||
	    ocsp_signer_build(ca, key, 86400, time(NULL), &cert) != 0 ||
	    x509_sign(cert, cakey, KEY_P256) != 0 ||
	    ocsp_signer_new(ca, cert, key, &signer) != 0)
		fuzz_die("cannot make the OCSP signer");
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(key);
	X509_free(ca);
	X509_free(cert);
	return 0;
}

static void
check_response(int rc, unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	OCSP_RESPONSE *resp;

	fuzz_check_rc(rc, "ocsp response");
	if (rc != 0)
		return;
	if ((resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len)) == NULL ||
	    p != der + len)
		fuzz_die("a response made does not parse back");
	OCSP_RESPONSE_free(resp);
	free(der);
}

/* What pki-ocsp respond answers to r. */
static void
answer(const struct ocsp_req *r)
{
	struct ocsp_entry e = { NULL, OCSP_GOOD, 0, -1 };
	unsigned char *der = NULL;
	size_t len = 0;
	time_t now = 1790000000;
	char serial[41];
	int ours, rc;

	if ((rc = ocsp_request_match(r, match_ca, &ours, serial)) != 0)
		fuzz_die("ocsp_request_match failed (%d)", rc);
	if (memchr(serial, '\0', sizeof(serial)) == NULL)
		fuzz_die("the serial is not terminated");
	if (!ours) {
		rc = ocsp_error_response(OCSP_ERR_UNAUTHORIZED, &der, &len);
	} else if (strcmp(serial, "01AB") == 0 ||
	    strcmp(serial, "02CD") == 0) {
		e.serial = serial;
		if (serial[1] == '2') {
			e.status = OCSP_REVOKED;
			e.revoked_at = now - 3600;
			e.reason = 1;
		}
		rc = ocsp_sign(signer, &e, now, now + 86400, &der, &len);
	} else {
		rc = ocsp_sign_unknown(signer, r, now, now + 86400, &der,
		    &len);
	}
	check_response(rc, der, len);
}

static void
request(const unsigned char *der, size_t len)
{
	struct ocsp_req *r = NULL;
	int rc;

	rc = ocsp_request_parse(der, len, "fuzz", &r);
	fuzz_check_rc(rc, "ocsp_request_parse");
	if ((rc == 0) != (r != NULL))
		fuzz_die("ocsp_request_parse returned %d and %p", rc,
		    (void *)r);
	if (r != NULL)
		answer(r);
	ocsp_request_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *der = NULL;
	size_t len = 0;
	char *path;
	int rc;

	request(data, size);

	path = fuzz_strdup(data, size);
	rc = ocsp_get_decode(path, &der, &len);
	fuzz_check_rc(rc, "ocsp_get_decode");
	if (rc == 0)
		request(der, len);
	free(der);
	free(path);
	return 0;
}
