/*
 * fuzz_lint: pki-lint's checks over an arbitrary DER certificate or CRL
 * (lint_cert() under several expectations, lint_cert_issuer() and
 * lint_cert_issuer_tbs(), lint_crl(), lint_report_text()).
 *
 * The input is one DER object, optionally followed by a DER certificate
 * that is then used as its issuer; without one, the issuer is the lint
 * fixtures' intermediate (for certificates) or root (for CRLs), and the
 * object itself.  Invariants: every finding names a known rule, and its
 * message is printable ASCII, as lint.h promises.
 */
#include <openssl/pem.h>

#include "fuzz.h"
#include "lint.h"

static X509 *fix_intermediate, *fix_root;
static const struct lint_rule *rules;
static size_t nrules;

static X509 *
load(const char *path)
{
	FILE *f;
	X509 *x;

	if ((f = fopen(path, "r")) == NULL ||
	    (x = PEM_read_X509(f, NULL, NULL, NULL)) == NULL)
		fuzz_die("cannot read %s", path);
	fclose(f);
	return x;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	fix_intermediate = load(FUZZ_FIXTURES "/lint/intermediate.pem");
	fix_root = load(FUZZ_FIXTURES "/lint/root.pem");
	rules = lint_rules(&nrules);
	return 0;
}

/* Check the report's promises, print it to memory, and free it. */
static void
finish(struct lint_report *r, int rc)
{
	const unsigned char *c;
	char *text = NULL;
	size_t i, k;

	fuzz_check_rc(rc, "lint");
	if (rc == ERR_USAGE)
		fuzz_die("lint refused a known EKU name");
	for (i = 0; i < r->count; i++) {
		for (k = 0; k < nrules; k++)
			if (strcmp(rules[k].id, r->findings[i].rule) == 0)
				break;
		if (k == nrules)
			fuzz_die("finding of unknown rule %s",
			    r->findings[i].rule);
		if (memchr(r->findings[i].message, '\0',
		    sizeof(r->findings[i].message)) == NULL)
			fuzz_die("unterminated message");
		for (c = (const unsigned char *)r->findings[i].message;
		    *c != '\0'; c++)
			if (*c < 0x20 || *c > 0x7e)
				fuzz_die("rule %s: byte 0x%02x in message",
				    r->findings[i].rule, *c);
	}
	if (lint_report_text(r, "fuzz", &text) != 0)
		fuzz_die("lint_report_text failed");
	free(text);
	lint_report_free(r);
}

static void
cert(X509 *x, X509 *issuer)
{
	static const char *const tls[] = { "serverAuth", "clientAuth" };
	const struct lint_expect expect[] = {
		{ LINT_LEAF, tls, 2, 1 },
		{ LINT_INTERMEDIATE, NULL, 0, 0 },
		{ LINT_ROOT, tls, 0, 0 },
	};
	struct lint_report r;
	size_t i;

	memset(&r, 0, sizeof(r));
	finish(&r, lint_cert(x, NULL, &r));
	for (i = 0; i < sizeof(expect) / sizeof(expect[0]); i++)
		finish(&r, lint_cert(x, &expect[i], &r));
	finish(&r, lint_cert_issuer(x, issuer, &r));
	finish(&r, lint_cert_issuer_tbs(x, issuer, &r));
	finish(&r, lint_cert_issuer(x, x, &r));
}

static void
crl(X509_CRL *c, X509 *issuer)
{
	struct lint_report r;

	memset(&r, 0, sizeof(r));
	finish(&r, lint_crl(c, NULL, &r));
	finish(&r, lint_crl(c, issuer, &r));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *p = data, *q;
	X509_CRL *c = NULL;
	X509 *x, *issuer = NULL;

	if ((x = d2i_X509(NULL, &p, (long)size)) == NULL) {
		p = data;
		c = d2i_X509_CRL(NULL, &p, (long)size);
	}
	ERR_clear_error();
	if (x == NULL && c == NULL)
		return 0;
	if (p != data + size) {
		q = p;
		if ((issuer = d2i_X509(NULL, &q, (long)(data + size - p))) ==
		    NULL)
			ERR_clear_error();
	}
	if (x != NULL)
		cert(x, issuer != NULL ? issuer : fix_intermediate);
	if (c != NULL)
		crl(c, issuer != NULL ? issuer : fix_root);
	X509_free(x);
	X509_CRL_free(c);
	X509_free(issuer);
	return 0;
}
