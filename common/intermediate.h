/*
 * intermediate.h: building an intermediate CA certificate (or a
 * cross-certificate) under a policy.
 *
 * Takes nothing from the request but the public key and the subject
 * parts the policy lets the CSR choose; everything else -- validity,
 * pathLen, name constraints, EKUs, CRL and AIA URLs, policy OIDs --
 * comes from the policy.  The certificate comes back unsigned.
 */
#ifndef PKI_INTERMEDIATE_H
#define PKI_INTERMEDIATE_H

#include <openssl/x509.h>

#include "policy.h"

/* Intermediates are capped at 10 years whatever a policy says. */
#define INTERMEDIATE_MAX_DAYS	3650

struct intermediate_request {
	EVP_PKEY *pub;			/* the intermediate's public key */
	X509_NAME *csr_subject;		/* the CSR's subject, or NULL */
	X509 *cross;			/* cross-sign: keep its subject and
					 * SKI; NULL for a CSR */
	unsigned validity_days;		/* 0: the policy's default */
};

/*
 * Build the unsigned certificate for rq under policy p, issued by root.
 * ERR_NO (the policy or the code refuses: validity above the maximum or
 * past the root's notAfter, no common name), ERR_DATA (a policy value
 * OpenSSL cannot encode), ERR_INTERNAL.  Free *out with X509_free().
 */
int	intermediate_build(const struct intermediate_policy *p, X509 *root,
	    const struct intermediate_request *rq, X509 **out);

/*
 * The certificate's name constraints, EKUs and basic constraints as
 * text for the preview (malloc'd, one extension per paragraph).
 */
int	intermediate_describe(X509 *cert, char **text);

#endif
