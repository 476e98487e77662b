/*
 * policy.h: the intermediate CA policy, what the root may sign.
 *
 * A policy file (pki-policy(5), policies/intermediate-*.yaml) is
 * reviewed before the signing ceremony and fixes everything about an
 * intermediate certificate that matters for trust: the subject (or which
 * parts of it the CSR may choose), the validity, the path length, the
 * key types the intermediate may have, its name constraints, its EKUs,
 * the root's CRL and caIssuers URLs and the certificate policies.
 * policy_load() checks all of it, syntax and meaning, so that
 * pki-root-sign only ever builds from a policy whose every value has
 * been validated: DNS constraints without a leading dot, IP ranges as
 * CIDR with the host bits clear, URI constraints only where the policy
 * says so explicitly, http URLs, well-formed OIDs, known EKUs.  Never
 * prints, never touches anything but the file.
 */
#ifndef PKI_POLICY_H
#define PKI_POLICY_H

#include <stddef.h>

#include "keytype.h"

/* Bit for a key type in intermediate_policy.key_types and csr_check(). */
#define POLICY_KEY_BIT(t)	(1u << (unsigned)(t))
#define POLICY_KEYS_DEFAULT	(POLICY_KEY_BIT(KEY_P256) | \
				 POLICY_KEY_BIT(KEY_P384) | \
				 POLICY_KEY_BIT(KEY_RSA3072) | \
				 POLICY_KEY_BIT(KEY_RSA4096))

#define POLICY_MAX_DAYS		3650	/* the code's cap: 10 years */

struct ynode;

/*
 * Subtrees of one kind (permitted or excluded).  Every string is
 * validated and unique within its list and against the other kind.
 */
struct policy_subtrees {
	const char	**dns;		/* "svc.prod.internal": no dot */
	size_t		  ndns;
	const char	**ip;		/* "10.0.0.0/8", "fd00::/8" */
	size_t		  nip;
	const char	**uri;		/* "host" or ".domain" (RFC 5280) */
	size_t		  nuri;
	const char	**email;	/* "user@host", "host", ".domain" */
	size_t		  nemail;
};

struct intermediate_policy {
	char		 *path;		/* the file as named */
	unsigned char	  sha256[32];	/* of the bytes that were parsed */
	char		 *name;		/* "prod": [A-Za-z0-9._-]{1,64} */

	/* Fixed subject parts; NULL when not fixed. */
	char		 *subject_c;	/* two upper-case letters */
	char		 *subject_st;
	char		 *subject_l;
	char		 *subject_o;
	char		 *subject_ou;
	char		 *subject_cn;
	/* Parts the CSR may choose (subject.from_csr); never also fixed. */
	int		  csr_may_set_cn;
	int		  csr_may_set_ou;
	int		  csr_may_set_o;

	unsigned	  validity_days_default;  /* 1 .. max */
	unsigned	  validity_days_max;	   /* .. POLICY_MAX_DAYS */
	int		  path_len;	/* 0..8; -1: no pathLenConstraint */
	unsigned	  key_types;	/* POLICY_KEY_BIT() mask, never 0 */

	/*
	 * Name constraints.  has_nc is 0 when the policy has no
	 * name_constraints section (no extension); then everything below
	 * but ekus is empty.  With has_nc, at least one subtree is set.
	 */
	int		  has_nc;
	int		  nc_critical;	/* default 1 */
	struct policy_subtrees permitted, excluded;
	int		  uri_constraints; /* 0: no uri subtree anywhere */

	/* OpenSSL short names; nekus == 0: no EKU extension. */
	const char	**ekus;
	size_t		  nekus;

	char		 *crl_url;	/* the root's CRL: http:// */
	char		 *ca_issuers_url; /* the root's certificate: http:// */

	const char	**policy_oids;	/* dotted, e.g. "2.23.140.1.2.1" */
	size_t		  npolicy_oids;

	struct ynode	 *tree;		/* private: owns the list strings */
};

/*
 * Load and validate the policy file at path.  The caller frees *out
 * with policy_free(); the lists point into memory *out owns.
 * ERR_NOINPUT if the file is missing; every refusal is ERR_CONFIG with
 * one sentence "<path> line N: ..." naming the key, the value and the
 * rule; ERR_IO or ERR_INTERNAL otherwise.
 */
int	policy_load(const char *path, struct intermediate_policy **out);

/* Free a policy; NULL is accepted. */
void	policy_free(struct intermediate_policy *p);

/*
 * Parse a CIDR range ("10.10.0.0/16", "fd00::/8") into the form of an
 * iPAddress name constraint (RFC 5280 4.2.1.10): the address followed by
 * the mask, 8 bytes for IPv4 and 32 for IPv6, written to out with the
 * count in *len.  ERR_DATA "... is not ..." naming cidr for a malformed
 * range or one with host bits set.
 */
int	policy_parse_cidr(const char *cidr, unsigned char out[32],
	    size_t *len);

#endif
