/*
 * fuzz_certfile: whatever file pki-report --scan finds on disk, read by
 * certfile_parse() as PEM (any number of certificates among other
 * blocks), one DER certificate, or a PKCS#12 bundle without a
 * passphrase.
 */
#include "certfile.h"
#include "fuzz.h"
#include "x509.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	STACK_OF(X509) *sk = NULL;
	char when[64];
	int i, rc;

	rc = certfile_parse(data, size, "fuzz", &sk);
	fuzz_check_rc(rc, "certfile_parse");
	if ((rc == 0) != (sk != NULL) || (sk != NULL && sk_X509_num(sk) < 1))
		fuzz_die("certfile_parse returned %d and %d certificates",
		    rc, sk != NULL ? sk_X509_num(sk) : -1);
	/* What pki-report prints of each. */
	for (i = 0; i < sk_X509_num(sk); i++) {
		free(x509_serial_hex(sk_X509_value(sk, i)));
		free(x509_subject_line(sk_X509_value(sk, i)));
		x509_time_text(X509_get0_notAfter(sk_X509_value(sk, i)),
		    when, sizeof(when));
	}
	sk_X509_pop_free(sk, X509_free);
	return 0;
}
