/*
 * fuzz_csr: a CSR from outside, as pki-root-sign and pki-issue read it
 * (csr_load(), csr_load_keyed() single and batch, csr_verify(),
 * csr_verify_key(), csr_check(), csr_extensions(),
 * csr_requests_ca()), and then what pki-issue does with it under each
 * leaf profile of policies/: the key check, the names from its
 * subjectAltName and CN against the profile's patterns, and the leaf
 * built for them under the name constraints of the lint fixtures'
 * intermediate.  Every step runs whether or not the CSR's signature
 * verifies, so that mutated CSRs reach the name matching.
 *
 * The same bytes are also tried as one name of each kind against each
 * profile (profile_allows_name(), the command line's --dns, --ip, --uri
 * and --email).
 */
#include <openssl/pem.h>

#include "cacfg.h"
#include "csr.h"
#include "fuzz.h"
#include "leaf.h"
#include "policy.h"
#include "profile.h"

static const char *const profile_names[] = {
	"mtls-server", "mtls-client", "spiffe-workload", "user", "device",
	"code-signing"
};
#define NPROFILES (sizeof(profile_names) / sizeof(profile_names[0]))

static struct profile *profiles[NPROFILES];
static struct leaf_template *templates[NPROFILES];
static struct ca_config *ca;
static X509 *ca_cert;
static struct leaf_names names;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *f;
	size_t i;

	(void)argc;
	(void)argv;
	fuzz_init();
	if (cacfg_load_init(PKI_FUZZ_TOP "/policies/ca-dev.yaml",
	    "/nonexistent/ca", &ca) != 0)
		fuzz_die("cannot load policies/ca-dev.yaml");
	if ((f = fopen(FUZZ_FIXTURES "/lint/intermediate.pem", "r")) ==
	    NULL || (ca_cert = PEM_read_X509(f, NULL, NULL, NULL)) == NULL)
		fuzz_die("cannot read the lint fixtures' intermediate.pem");
	fclose(f);
	for (i = 0; i < NPROFILES; i++)
		if (profile_load_named(PKI_FUZZ_TOP "/policies",
		    profile_names[i], &profiles[i]) != 0 ||
		    leaf_template_new(profiles[i], ca, ca_cert,
		    &templates[i]) != 0)
			fuzz_die("cannot load profile %s", profile_names[i]);
	return 0;
}

/* What pki-issue does with the CSR under profile i. */
static void
issue(X509_REQ *req, size_t i)
{
	const struct profile *p = profiles[i];
	EVP_PKEY *pub = X509_REQ_get0_pubkey(req);
	X509 *cert = NULL;
	char *json;
	int rc;

	if (pub != NULL)
		fuzz_check_rc(profile_allows_key(p, pub),
		    "profile_allows_key");
	rc = leaf_names_from_csr(&names, p, req, "fuzz");
	fuzz_check_rc(rc, "leaf_names_from_csr");
	if (rc == 0) {
		fuzz_check_rc(profile_check_cn(p, names.cn != NULL ?
		    names.cn : "", names.kinds,
		    (const char *const *)names.values, names.n),
		    "profile_check_cn");
		if ((json = leaf_names_json(&names)) == NULL)
			fuzz_die("leaf_names_json failed");
		free(json);
		if (pub != NULL && profile_allows_key(p, pub) == 0) {
			rc = leaf_build(templates[i], pub, &names,
			    p->lifetime_default, 1790000000, &cert);
			fuzz_check_rc(rc, "leaf_build");
			X509_free(cert);
		}
	}
	leaf_names_free(&names);
}

static void
one_csr(const uint8_t *data, size_t size)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	enum key_type type;
	X509_REQ *req = NULL;
	long pathlen;
	size_t i;
	int rc, isca;

	rc = csr_load(fuzz_file(data, size), &req);
	fuzz_check_rc(rc, "csr_load");
	if (rc != 0)
		return;
	fuzz_check_rc(csr_verify(req, "fuzz"), "csr_verify");
	fuzz_check_rc(csr_check(req, "fuzz", POLICY_KEYS_DEFAULT, &type),
	    "csr_check");
	rc = csr_extensions(req, "fuzz", &exts);
	fuzz_check_rc(rc, "csr_extensions");
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	fuzz_check_rc(csr_requests_ca(req, &isca, &pathlen),
	    "csr_requests_ca");
	for (i = 0; i < NPROFILES; i++)
		issue(req, i);
	X509_REQ_free(req);
}

/* The batch path: csr_load_keyed() builds EC keys from the SPKI itself,
 * in both its single and its many (decoder-less) forms. */
static void
one_keyed_csr(const uint8_t *data, size_t size, int many)
{
	X509_REQ *req = NULL;
	EVP_PKEY *key = NULL;
	int rc;

	rc = csr_load_keyed(fuzz_file(data, size), many, &req, &key);
	fuzz_check_rc(rc, "csr_load_keyed");
	if (rc == 0)
		fuzz_check_rc(csr_verify_key(req, key, "fuzz"),
		    "csr_verify_key");
	EVP_PKEY_free(key);
	X509_REQ_free(req);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum san_kind kind;
	char *name;
	size_t i;

	one_csr(data, size);
	one_keyed_csr(data, size, 0);
	one_keyed_csr(data, size, 1);
	name = fuzz_strdup(data, size);
	for (i = 0; i < NPROFILES; i++)
		for (kind = SAN_DNS; kind <= SAN_EMAIL; kind++) {
			fuzz_check_rc(leaf_names_add(&names, profiles[i],
			    kind, name), "leaf_names_add");
			leaf_names_free(&names);
		}
	free(name);
	return 0;
}
