/*
 * fuzz_ceremonycfg: the root key ceremony file that pki-root-keygen
 * runs (ceremonycfg_load()), and the PKCS#11 URI check it shares with
 * the signing ceremony file.
 */
#include "ceremonycfg.h"
#include "fuzz.h"

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
	struct root_ceremony *c = NULL;
	char *uri;
	int rc;

	rc = ceremonycfg_load(fuzz_file(data, size), &c);
	fuzz_check_rc(rc, "ceremonycfg_load");
	if (rc == 0) {
		if (c->subject_cn == NULL || c->validity_years < 1 ||
		    c->validity_years > 25 ||
		    (c->hsm_uri == NULL) == (c->key_file == NULL))
			fuzz_die("ceremonycfg_load accepted a bad ceremony");
		if (c->backup_shamir && (c->threshold < 2 ||
		    c->threshold > c->ncustodians ||
		    c->ncustodians > CEREMONY_MAX_SHARES))
			fuzz_die("ceremonycfg_load accepted %u of %zu",
			    c->threshold, c->ncustodians);
	}
	ceremonycfg_free(c);

	/* The input as a URI. */
	uri = fuzz_strdup(data, size);
	fuzz_check_rc(ceremonycfg_check_uri("fuzz", 1, uri),
	    "ceremonycfg_check_uri");
	free(uri);
	return 0;
}
