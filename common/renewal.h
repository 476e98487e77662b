/*
 * renewal.h: what renewing a certificate means, apart from the CA.
 *
 * When a certificate is due (cert-manager's rule: a fraction of its
 * lifetime has passed, two thirds by default; or less than a fixed time
 * is left), and what its successor asks for: a key of the same type, and
 * a request carrying the same subject CN and subjectAltName, which the
 * issuance pipeline (issuer.h) then checks against the profile like any
 * other request.  The old certificate is trusted only after the caller
 * has checked that its own CA issued it.  Nothing here prints or
 * touches files.
 */
#ifndef PKI_RENEWAL_H
#define PKI_RENEWAL_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "leaf.h"
#include "profile.h"

/* The largest denominator of a lifetime fraction. */
#define RENEWAL_RATIO_MAX	1000

/*
 * When cert is due for renewal: with before > 0 (seconds), before
 * seconds ahead of notAfter; otherwise once num/den of the lifetime
 * (notBefore to notAfter) has passed, 1 <= num <= den <=
 * RENEWAL_RATIO_MAX.  *not_after gets notAfter.  Returns 0, ERR_USAGE
 * for a fraction out of range, ERR_DATA if the validity cannot be read.
 */
int	renewal_due(X509 *cert, long long before, unsigned long num,
	    unsigned long den, time_t *due_at, time_t *not_after);

/*
 * Parse a lifetime fraction "N/M" (decimal, no sign or leading zero,
 * 1 <= N <= M <= RENEWAL_RATIO_MAX).  ERR_USAGE naming the text.
 */
int	renewal_parse_ratio(const char *text, unsigned long *num,
	    unsigned long *den);

/*
 * A new key of the type of pub: ECDSA on the same curve, RSA of the same
 * size, or Ed25519.  Private key material lives in OpenSSL's secure heap
 * when secmem_init() set it up.  Free *key with EVP_PKEY_free().
 * ERR_DATA for another key type, ERR_INTERNAL.
 */
int	renewal_generate_key(EVP_PKEY *pub, EVP_PKEY **key);

/*
 * A PKCS#10 request for key (the new or reused private key) whose
 * subject is old's CN (if any) and which, when with_san is non-zero,
 * asks for old's subjectAltName extension unchanged; signed by key
 * (SHA-384 for P-384, SHA-256 for other ECDSA and RSA, pure Ed25519),
 * so that the pipeline's proof-of-possession check applies as for any
 * CSR.  Free *req with X509_REQ_free().  ERR_INTERNAL.
 */
int	renewal_request(X509 *old, EVP_PKEY *key, int with_san,
	    X509_REQ **req);

/* old's subjectAltName as text, for a profile that takes names by flag. */
struct renewal_names {
	enum san_kind kinds[LEAF_MAX_NAMES];
	char *values[LEAF_MAX_NAMES];	/* malloc'd */
	size_t n;
};

/*
 * Fill *names (zeroed first) with old's DNS, IP (inet_ntop text), URI
 * and e-mail names in order.  Free with renewal_names_free(), also after
 * an error.  ERR_DATA "<source>: ..." for another name type, a NUL byte
 * in a name, a malformed IP address or more than LEAF_MAX_NAMES names;
 * ERR_INTERNAL.
 */
int	renewal_names(X509 *old, const char *source,
	    struct renewal_names *names);
void	renewal_names_free(struct renewal_names *names);

#endif
