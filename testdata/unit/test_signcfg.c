/*
 * test_signcfg.c: the signing ceremony file.
 *
 * The shipped example and the good fixtures load, for pki-root-sign and
 * for pki-root-crl, with the values they say; every bad fixture in
 * testdata/fixtures/signcfg/ (good-base.yaml with one rule broken) is
 * refused with ERR_CONFIG and a message that names the file, the line
 * and the rule.  Run from the top of the tree.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "fileio.h"
#include "harness.h"
#include "signcfg.h"

#define FIX	"testdata/fixtures/signcfg/"
#define EXAMPLE	"policies/root-sign-prod.yaml"

static const struct {
	const char		*file;
	enum signcfg_kind	 kind;
	int			 line;
	const char		*want;
} bad[] = {
	{ "unknown-key", SIGNCFG_SIGN, 23, "unknown key \"extras\" at the top "
	    "level (allowed: ceremony, root, sign, crl)" },
	{ "misspelt-key", SIGNCFG_SIGN, 14, "unknown key \"crs\" in section "
	    "sign (did you mean \"csr\"?)" },
	{ "duplicate-key", SIGNCFG_SIGN, 16, "duplicate key \"policy\" (first "
	    "at line 15)" },
	{ "no-sign", SIGNCFG_SIGN, 1, "missing required key \"sign\" at the "
	    "top level" },
	{ "no-crl", SIGNCFG_CRL, 1, "missing required key \"crl\" at the top "
	    "level" },
	{ "no-root", SIGNCFG_SIGN, 1, "missing required key \"root\" at the "
	    "top level" },
	{ "no-ceremony", SIGNCFG_SIGN, 1, "missing required key \"ceremony\" "
	    "at the top level" },
	{ "csr-and-cross", SIGNCFG_SIGN, 15, "sign.csr (line 14) and "
	    "sign.cross_sign are both set" },
	{ "neither-csr-nor-cross", SIGNCFG_SIGN, 13, "section sign sets "
	    "neither csr nor cross_sign" },
	{ "no-policy", SIGNCFG_SIGN, 13, "missing required key \"policy\" in "
	    "section sign" },
	{ "no-output-cert", SIGNCFG_SIGN, 17, "missing required key "
	    "\"certificate\" in section sign.output" },
	{ "validity-over", SIGNCFG_SIGN, 16, "validity_days 3651 is out of "
	    "range (1..3650)" },
	{ "validity-zero", SIGNCFG_SIGN, 16, "validity_days 0 is out of range "
	    "(1..3650)" },
	{ "crl-366", SIGNCFG_CRL, 21, "validity_days 366 is out of range "
	    "(1..365)" },
	{ "crl-no-validity", SIGNCFG_CRL, 20, "missing required key "
	    "\"validity_days\" in section crl" },
	{ "bad-other-section", SIGNCFG_SIGN, 22, "output must be a string" },
	{ "hsm-and-file", SIGNCFG_SIGN, 11, "root.key.hsm (line 8) and "
	    "root.key.file are both set" },
	{ "no-key-location", SIGNCFG_SIGN, 7, "section root.key sets neither "
	    "hsm nor file" },
	{ "module-relative", SIGNCFG_SIGN, 9, "module \"libsofthsm2.so\" must "
	    "be an absolute path" },
	{ "uri-pin", SIGNCFG_SIGN, 10, "the PIN never appears in this file" },
	{ "uri-no-token", SIGNCFG_SIGN, 10, "uri has no token= attribute" },
	{ "same-path", SIGNCFG_SIGN, 19, "sign.output.chain \"prod.pem\" is "
	    "the same path as sign.output.certificate (line 18)" },
	{ "output-over-input", SIGNCFG_SIGN, 18, "sign.output.certificate "
	    "\"prod.csr\" is the same path as sign.csr (line 14)" },
	{ "crl-over-ledger", SIGNCFG_CRL, 22, "crl.output \"root/ledger.log\" "
	    "is the same path as root.ledger (line 11)" },
	{ "witness-twice", SIGNCFG_SIGN, 4, "witness \"walter witness\" is "
	    "listed twice (first at line 4)" },
	{ "no-witnesses", SIGNCFG_SIGN, 4, "witnesses has 0 entries; at least "
	    "1 is required" },
	{ "no-transcript", SIGNCFG_CRL, 5, "missing required key "
	    "\"transcript\" in section root" },
};

static void
test_bad(void)
{
	static struct root_session dummy;
	struct root_session *s;
	char path[128], prefix[160];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), FIX "%s.yaml", bad[i].file);
		snprintf(prefix, sizeof(prefix), "%s line %d: ", path,
		    bad[i].line);
		s = &dummy;	/* must be reset to NULL */
		CHECK_RC(signcfg_load(path, bad[i].kind, &s), ERR_CONFIG,
		    "%s refused", bad[i].file);
		CHECK(s == NULL, "%s: nothing returned", bad[i].file);
		CHECK(strncmp(err_msg(), prefix, strlen(prefix)) == 0 &&
		    strstr(err_msg(), bad[i].want) != NULL,
		    "%s: message names file, line %d and rule", bad[i].file,
		    bad[i].line);
		if (strstr(err_msg(), bad[i].want) == NULL ||
		    strncmp(err_msg(), prefix, strlen(prefix)) != 0)
			printf("      got: %s\n", err_msg());
		if (s != &dummy)
			signcfg_free(s);
	}
}

static void
check_example(const struct root_session *s)
{
	CHECK(strcmp(s->path, EXAMPLE) == 0, "path kept");
	CHECK(strcmp(s->name, "Example Corp prod intermediate signing, "
	    "2026") == 0 && strcmp(s->administrator, "Alice Admin") == 0,
	    "name, administrator");
	CHECK(s->nwitnesses == 2 && strcmp(s->witnesses[1],
	    "Wendy Witness") == 0 && s->witnesses[2] == NULL, "witnesses");
	CHECK(strcmp(s->root_cert, "root-ceremony-2026/root.pem") == 0,
	    "root certificate");
	CHECK(s->hsm_module != NULL && strcmp(s->hsm_module,
	    "/usr/lib/softhsm/libsofthsm2.so") == 0 && s->hsm_uri != NULL &&
	    strcmp(s->hsm_uri, "pkcs11:token=root-ca;object=root-key") == 0 &&
	    s->key_file == NULL, "HSM key, no key file");
	CHECK(strcmp(s->ledger, "root-ceremony-2026/ledger.log") == 0 &&
	    strcmp(s->transcript, "root-ceremony-2026/transcript.log") == 0,
	    "ledger and transcript");
	CHECK(s->has_sign && strcmp(s->csr, "prod.csr") == 0 &&
	    s->cross_sign == NULL && strcmp(s->policy,
	    "policies/intermediate-prod.yaml") == 0 &&
	    s->validity_days == 1825, "sign: CSR, policy, validity");
	CHECK(strcmp(s->out_cert, "prod.pem") == 0 &&
	    strcmp(s->out_chain, "prod-chain.pem") == 0, "sign outputs");
	CHECK(s->has_crl && s->crl_validity_days == 180 &&
	    strcmp(s->crl_out, "root.crl") == 0, "crl section");
}

static void
test_example(void)
{
	struct root_session *s = NULL;
	unsigned char digest[32];

	CHECK_RC(signcfg_load(EXAMPLE, SIGNCFG_SIGN, &s), 0,
	    "example loads for pki-root-sign");
	if (s != NULL) {
		check_example(s);
		CHECK(fileio_sha256(EXAMPLE, digest) == 0 &&
		    memcmp(digest, s->sha256, 32) == 0,
		    "SHA-256 of the file's bytes");
		signcfg_free(s);
	}
	s = NULL;
	CHECK_RC(signcfg_load(EXAMPLE, SIGNCFG_CRL, &s), 0,
	    "example loads for pki-root-crl");
	if (s != NULL)
		check_example(s);
	signcfg_free(s);
}

static void
test_good(void)
{
	struct root_session *s = NULL;

	CHECK_RC(signcfg_load(FIX "good-cross-file.yaml", SIGNCFG_SIGN, &s),
	    0, "cross-sign with a key file loads");
	if (s != NULL) {
		CHECK(s->key_file != NULL && strcmp(s->key_file,
		    "root/root-key.enc") == 0 && s->hsm_module == NULL &&
		    s->hsm_uri == NULL, "key file, no HSM");
		CHECK(s->csr == NULL && strcmp(s->cross_sign,
		    "old-root.pem") == 0, "cross_sign, no CSR");
		CHECK(s->validity_days == 0 && s->out_chain == NULL,
		    "validity from the policy, no chain");
		CHECK(!s->has_crl && s->crl_out == NULL &&
		    s->crl_validity_days == 0, "no crl section");
		signcfg_free(s);
	}
	s = NULL;
	CHECK_RC(signcfg_load(FIX "good-cross-file.yaml", SIGNCFG_CRL, &s),
	    ERR_CONFIG, "a file without crl is refused for pki-root-crl");
	CHECK(s == NULL && strstr(err_msg(), "missing required key \"crl\"")
	    != NULL, "message: %s", err_msg());
	CHECK_RC(signcfg_load(FIX "good-crl-only.yaml", SIGNCFG_CRL, &s), 0,
	    "crl-only file loads for pki-root-crl");
	if (s != NULL) {
		CHECK(!s->has_sign && s->csr == NULL && s->policy == NULL &&
		    s->out_cert == NULL, "no sign section");
		CHECK(s->has_crl && s->crl_validity_days == 365 &&
		    strcmp(s->crl_out, "/srv/pki/root.crl") == 0,
		    "a year's CRL to an absolute path");
		CHECK(s->nwitnesses == 2, "two witnesses");
		signcfg_free(s);
	}
	s = NULL;
	CHECK_RC(signcfg_load(FIX "good-base.yaml", SIGNCFG_SIGN, &s), 0,
	    "the base of the bad fixtures loads");
	signcfg_free(s);
	signcfg_free(NULL);
	s = NULL;
	CHECK_RC(signcfg_load(FIX "no-such-file.yaml", SIGNCFG_SIGN, &s),
	    ERR_NOINPUT, "missing file is ERR_NOINPUT");
	CHECK(s == NULL && strstr(err_msg(), "no-such-file.yaml") != NULL,
	    "message names the file");
}

int
main(void)
{
	test_example();
	test_good();
	test_bad();
	return harness_done();
}
