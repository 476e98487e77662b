/*
 * leaf.h: building leaf certificates under a profile, fast.
 *
 * A template holds what every leaf of one (CA, profile) pair shares --
 * issuer, basicConstraints, EKU, AKI, CRL distribution point, AIA --
 * encoded once, so that a batch builds each certificate with only its
 * own parts: serial, validity, subject, SAN, SKI, keyUsage.  Names are
 * checked against the profile and against the CA's own name constraints;
 * nothing from a CSR reaches the certificate that the profile does not
 * allow.  Certificates come back unsigned.
 */
#ifndef PKI_LEAF_H
#define PKI_LEAF_H

#include <time.h>

#include <openssl/x509.h>

#include "cacfg.h"
#include "profile.h"

/* At most this many names in one request, whatever the profile says. */
#define LEAF_MAX_NAMES	1000

struct leaf_template;

/*
 * The shared parts of leaves under profile p issued by ca_cert with the
 * settings of ca (URLs, backdate).  Both must outlive the template.
 */
int	leaf_template_new(const struct profile *p, const struct ca_config *ca,
	    X509 *ca_cert, struct leaf_template **out);
void	leaf_template_free(struct leaf_template *t);

/* The names a certificate will carry, collected and checked. */
struct leaf_names {
	size_t n;
	enum san_kind kinds[LEAF_MAX_NAMES];
	char *values[LEAF_MAX_NAMES];	/* malloc'd, normalised */
	char *cn;			/* the subject CN, or NULL */
};

/*
 * Add one name (untrusted) of the given kind: refused with ERR_NO or
 * ERR_DATA (profile_allows_name()'s sentence) when the profile does not
 * allow it; a duplicate is ignored.  ERR_NO past the profile's maximum
 * number of names.
 */
int	leaf_names_add(struct leaf_names *ln, const struct profile *p,
	    enum san_kind kind, const char *value);

/*
 * Add the names of the CSR's subjectAltName (when the profile takes
 * names from CSRs) and its CN (when the profile allows a CN; it must
 * then equal one of the names -- checked by leaf_build()).  Other SAN
 * types (otherName, directoryName, ...) are refused.
 */
int	leaf_names_from_csr(struct leaf_names *ln, const struct profile *p,
	    X509_REQ *req, const char *source);

void	leaf_names_free(struct leaf_names *ln);

/*
 * Build the unsigned leaf for pub with names ln and the given lifetime
 * (seconds, already checked against the profile) at time now.  notAfter
 * is cut to the CA's notAfter.  ERR_NO when there are no names, when the
 * CN is not among them, or when a name is outside the CA certificate's
 * name constraints (naming it).  Free *out with X509_free().
 */
int	leaf_build(const struct leaf_template *t, EVP_PKEY *pub,
	    const struct leaf_names *ln, long long lifetime, time_t now,
	    X509 **out);

/*
 * The CRL shard of a certificate: fixed at issuance from its serial
 * (the low 64 bits modulo shards), and written into its CRL
 * distribution point.  0 when shards <= 1.
 */
unsigned leaf_shard(X509 *cert, unsigned shards);

/* The SANs of ln as a JSON array text (malloc'd), for the inventory. */
char	*leaf_names_json(const struct leaf_names *ln);

#endif
