/*
 * fuzz_signcfg: the signing ceremony file that pki-root-sign and
 * pki-root-crl run (signcfg_load() for either program).
 */
#include "fuzz.h"
#include "signcfg.h"

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
	struct root_session *s = NULL;
	const char *path = fuzz_file(data, size);
	int rc;

	rc = signcfg_load(path, SIGNCFG_SIGN, &s);
	fuzz_check_rc(rc, "signcfg_load");
	if (rc == 0 && (!s->has_sign ||
	    (s->csr == NULL) == (s->cross_sign == NULL)))
		fuzz_die("signcfg_load accepted a sign section without one "
		    "input");
	signcfg_free(s);
	s = NULL;
	rc = signcfg_load(path, SIGNCFG_CRL, &s);
	fuzz_check_rc(rc, "signcfg_load");
	if (rc == 0 && (!s->has_crl || s->crl_validity_days < 1 ||
	    s->crl_validity_days > SIGNCFG_MAX_CRL_DAYS))
		fuzz_die("signcfg_load accepted a bad crl section");
	signcfg_free(s);
	return 0;
}
