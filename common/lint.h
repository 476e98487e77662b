/*
 * lint.h: certificate and CRL linting against RFC 5280, the CA/Browser
 * Forum Baseline Requirements and the issuing profile.
 *
 * The same code runs in pki-lint and before every signing: a program
 * builds the to-be-signed object, signs it with a throwaway key, lints
 * it and refuses to sign for real on any error.  Linting only reads the
 * object; it never trusts it (every field is checked before use, every
 * string taken from it is escaped before it reaches a message) and never
 * stops at the first finding.  Nothing here is secret.
 *
 * A finding names a stable rule id, its severity and the section of the
 * standard it comes from; lint_rules() lists every rule (man/pki-lint.1
 * has the same table).
 */
#ifndef PKI_LINT_H
#define PKI_LINT_H

#include <stddef.h>

#include <openssl/x509.h>

enum lint_severity { LINT_NOTICE, LINT_WARNING, LINT_ERROR };

struct lint_finding {
	enum lint_severity severity;
	const char *rule;	/* stable id, e.g. "serial-positive" */
	const char *source;	/* "RFC 5280 4.1.2.2" */
	char message[256];	/* printable ASCII only */
};

struct lint_report {
	struct lint_finding *findings;
	size_t count, cap;
	int errors, warnings, notices;
};

enum lint_kind { LINT_AUTO, LINT_ROOT, LINT_INTERMEDIATE, LINT_LEAF };

/*
 * What the profile expects of a certificate.  kind LINT_AUTO infers the
 * kind: a CA if basicConstraints says cA TRUE (or, without
 * basicConstraints, keyUsage asserts keyCertSign), a root if a CA is
 * also self-issued, else a leaf.  ekus are short names ("serverAuth",
 * "clientAuth", "codeSigning", "emailProtection", "OCSPSigning",
 * "timeStamping"); ekus NULL means the EKU is not checked against a
 * list, ekus non-NULL with nekus 0 means no EKU is expected.
 * check_entropy turns on the serial-entropy rule for leaves.
 */
struct lint_expect {
	enum lint_kind kind;
	const char *const *ekus;
	size_t nekus;
	int check_entropy;
};

/* One rule: its stable id, severity, source and a one-line summary. */
struct lint_rule {
	const char *id;
	enum lint_severity severity;
	const char *source;
	const char *summary;
};

/*
 * Lint a certificate on its own.  e NULL is kind LINT_AUTO, EKUs not
 * checked, check_entropy on.  Findings are appended to r (which must be
 * zeroed or come from lint_report_free()).  Returns 0 whatever the
 * findings; ERR_USAGE for an EKU name not listed above; ERR_INTERNAL
 * (out of memory) with r holding what was found so far.
 */
int	lint_cert(X509 *cert, const struct lint_expect *e,
	    struct lint_report *r);

/*
 * Lint a certificate against the certificate of its issuer: issuer
 * name, AKI keyid = issuer SKI, the signature, the issuer being a CA
 * with room in its pathLen, validity within the issuer's, the issuer's
 * name constraints.  Run it in addition to lint_cert().  Returns as
 * lint_cert().
 */
int	lint_cert_issuer(X509 *cert, X509 *issuer, struct lint_report *r);

/*
 * As lint_cert_issuer() but without issuer-signature: for the lint
 * before signing, when cert carries a throwaway key's signature (a key
 * of the issuer key's type, so that sig-alg-key and sig-ec-hash still
 * hold).  Run lint_cert_issuer() on the certificate signed for real.
 */
int	lint_cert_issuer_tbs(X509 *cert, X509 *issuer,
	    struct lint_report *r);

/*
 * Lint a CRL.  issuer NULL skips the checks against the issuer
 * certificate (name, AKI, signature, cRLSign).  Returns as lint_cert().
 */
int	lint_crl(X509_CRL *crl, X509 *issuer, struct lint_report *r);

/*
 * The findings as text in a malloc'd NUL-terminated string the caller
 * frees with free(), one line per finding:
 *   "<subject>: error: serial-positive (RFC 5280 4.1.2.2): serial
 *    number is negative\n"
 * subject (a file name, say) NULL leaves out the "<subject>: " prefix.
 * An empty report gives "".  Returns 0 or ERR_INTERNAL.
 */
int	lint_report_text(const struct lint_report *r, const char *subject,
	    char **text);

/* Free the findings and zero r so that it can be used again; NULL ok. */
void	lint_report_free(struct lint_report *r);

/* "error", "warning" or "notice". */
const char *lint_severity_name(enum lint_severity s);

/* The table of every rule, *count entries, static. */
const struct lint_rule *lint_rules(size_t *count);

#endif
