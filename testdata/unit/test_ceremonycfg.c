/*
 * test_ceremonycfg.c: the root key ceremony file.
 *
 * The shipped example and the good fixtures load with the values they
 * say; every bad fixture in testdata/fixtures/ceremony/ is refused with
 * ERR_CONFIG and a message that names the file, the line of the
 * offending key and the rule.  Run from the top of the tree (as
 * scripts/run-tests does): the fixture paths are relative to it.
 */
#include <stdio.h>
#include <string.h>

#include "ceremonycfg.h"
#include "err.h"
#include "fileio.h"
#include "harness.h"

#define FIX	"testdata/fixtures/ceremony/"
#define EXAMPLE	"policies/root-ceremony.yaml"

static const struct {
	const char	*file;
	int		 line;
	const char	*want;
} bad[] = {
	{ "unknown-key", 21, "unknown key \"extras\" at the top level "
	    "(allowed: ceremony, key, certificate, backup, output)" },
	{ "misspelt-key", 12, "unknown key \"subjet\" in section certificate "
	    "(did you mean \"subject\"?)" },
	{ "duplicate-key", 18, "duplicate key \"threshold\" (first at line "
	    "17)" },
	{ "threshold-1", 17, "threshold 1 is less than 2" },
	{ "threshold-over", 17, "threshold 4 is more than the 3 custodians" },
	{ "custodians-17", 18, "17 custodians are too many: a backup has at "
	    "most 16 shares" },
	{ "custodian-twice", 21, "custodian \"carol\" is listed twice (first "
	    "at line 19)" },
	{ "custodian-long", 18, "is 41 bytes long; at most 32 are allowed" },
	{ "custodian-control", 18, "custodians entry 2 contains a control "
	    "character" },
	{ "hsm-and-file", 11, "key.hsm (line 8) and key.file are both set" },
	{ "no-key-location", 6, "sets neither hsm nor file" },
	{ "rsa2048", 7, "key type \"rsa2048\" is not allowed for a root key" },
	{ "p521", 7, "key type \"p521\" is not allowed for a root key" },
	{ "no-common-name", 12, "missing required key \"common_name\" in "
	    "section certificate.subject" },
	{ "bad-country", 13, "country \"DEU\" must be two upper-case letters" },
	{ "validity-0", 14, "validity_years 0 is out of range (1..25)" },
	{ "validity-26", 14, "validity_years 26 is out of range (1..25)" },
	{ "uri-no-object", 10, "uri has no object= attribute" },
	{ "uri-pin", 10, "the PIN never appears in this file" },
	{ "none-with-file", 14, "backup method none is refused for a key "
	    "file" },
	{ "threshold-quoted", 17, "threshold \"2\" is quoted" },
	{ "method-typo", 16, "method \"shamri\" is not known (did you mean "
	    "\"shamir\"?)" },
	{ "module-relative", 9, "module \"libsofthsm2.so\" must be an "
	    "absolute path" },
	{ "no-output", 2, "missing required key \"output\" at the top "
	    "level" },
};

static void
test_bad(void)
{
	static struct root_ceremony dummy;
	struct root_ceremony *c;
	char path[128], prefix[160];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), FIX "%s.yaml", bad[i].file);
		snprintf(prefix, sizeof(prefix), "%s line %d: ", path,
		    bad[i].line);
		c = &dummy;	/* must be reset to NULL */
		CHECK_RC(ceremonycfg_load(path, &c), ERR_CONFIG,
		    "%s refused", bad[i].file);
		CHECK(c == NULL, "%s: nothing returned", bad[i].file);
		CHECK(strncmp(err_msg(), prefix, strlen(prefix)) == 0 &&
		    strstr(err_msg(), bad[i].want) != NULL,
		    "%s: message names file, line %d and rule", bad[i].file,
		    bad[i].line);
		if (strstr(err_msg(), bad[i].want) == NULL ||
		    strncmp(err_msg(), prefix, strlen(prefix)) != 0)
			printf("      got: %s\n", err_msg());
		if (c != &dummy)
			ceremonycfg_free(c);
	}
}

static void
test_example(void)
{
	struct root_ceremony *c = NULL;
	unsigned char digest[32];

	CHECK_RC(ceremonycfg_load(EXAMPLE, &c), 0, "shipped example loads");
	if (c == NULL)
		return;
	CHECK(strcmp(c->path, EXAMPLE) == 0, "path kept");
	CHECK(fileio_sha256(EXAMPLE, digest) == 0 &&
	    memcmp(digest, c->sha256, 32) == 0, "SHA-256 of the file's bytes");
	CHECK(strcmp(c->name, "Example Corp Root CA 2026 key ceremony") == 0 &&
	    strcmp(c->administrator, "Alice Admin") == 0, "name, admin");
	CHECK(c->nwitnesses == 2 && strcmp(c->witnesses[1],
	    "Wendy Witness") == 0, "two witnesses");
	CHECK(c->key_type == KEY_P384, "key type p384");
	CHECK(c->hsm_module != NULL && strcmp(c->hsm_module,
	    "/usr/lib/softhsm/libsofthsm2.so") == 0 && c->hsm_uri != NULL &&
	    strcmp(c->hsm_uri, "pkcs11:token=root-ca;object=root-key") == 0 &&
	    c->key_file == NULL, "HSM module and URI, no key file");
	CHECK(strcmp(c->subject_c, "DE") == 0 &&
	    strcmp(c->subject_o, "Example Corp") == 0 &&
	    strcmp(c->subject_cn, "Example Corp Root CA 2026") == 0 &&
	    c->subject_st == NULL && c->subject_l == NULL &&
	    c->subject_ou == NULL, "subject");
	CHECK(c->validity_years == 20, "20 years");
	CHECK(c->backup_shamir == 1 && c->threshold == 3 &&
	    c->ncustodians == 5 && strcmp(c->custodians[0], "Carol") == 0 &&
	    strcmp(c->custodians[4], "Grace") == 0, "3 of 5 Shamir backup");
	CHECK(strcmp(c->output_dir, "root-ceremony-2026") == 0, "output dir");
	ceremonycfg_free(c);
}

static void
test_good_fixtures(void)
{
	struct root_ceremony *c = NULL;

	CHECK_RC(ceremonycfg_load(FIX "good-file.yaml", &c), 0,
	    "key file ceremony loads");
	if (c != NULL) {
		CHECK(c->key_file != NULL && strcmp(c->key_file,
		    "root-key.enc") == 0 && c->hsm_module == NULL &&
		    c->hsm_uri == NULL, "key file, no HSM");
		CHECK(c->key_type == KEY_RSA4096, "rsa4096");
		CHECK(strcmp(c->subject_c, "NO") == 0 &&
		    strcmp(c->subject_st, "Oslo") == 0 &&
		    strcmp(c->subject_l, "Oslo") == 0 &&
		    strcmp(c->subject_ou, "PKI") == 0,
		    "full subject, plain NO is Norway");
		ceremonycfg_free(c);
	}
	c = NULL;
	CHECK_RC(ceremonycfg_load(FIX "good-none.yaml", &c), 0,
	    "HSM ceremony without Shamir backup loads");
	if (c != NULL) {
		CHECK(c->backup_shamir == 0 && c->threshold == 0 &&
		    c->ncustodians == 0 && c->custodians == NULL,
		    "no shares");
		CHECK(c->key_type == KEY_P384, "key type defaults to p384");
		ceremonycfg_free(c);
	}
	ceremonycfg_free(NULL);
}

static void
test_missing(void)
{
	struct root_ceremony *c = NULL;

	CHECK_RC(ceremonycfg_load(FIX "no-such-file.yaml", &c), ERR_NOINPUT,
	    "missing file is ERR_NOINPUT");
	CHECK(c == NULL && strstr(err_msg(), "no-such-file.yaml") != NULL,
	    "message names the file");
}

int
main(void)
{
	test_example();
	test_good_fixtures();
	test_bad();
	test_missing();
	return harness_done();
}
