/*
 * profile.h: leaf certificate profiles, what an online CA may issue.
 *
 * A profile file (pki-profile(5), policies/mtls-server.yaml, ...) is
 * reviewed like the intermediate policies and says, for one kind of
 * leaf: which keys are acceptable, which names it may carry (patterns
 * for DNS names, IP ranges, URI patterns, e-mail domains), whether a
 * subject common name is allowed, which key usages and extended key
 * usages it gets, its default and maximum lifetime, and which names and
 * lifetime the caller may choose on the command line.  profile_load()
 * checks all of it, syntax and meaning, with the file and line of every
 * problem; the checking functions below then answer one question each
 * about a request, and every "no" is one sentence that names the value
 * and what the profile allows.  Names are compared as verifiers compare
 * them: DNS names and hosts ignoring ASCII case, a "*" standing for
 * exactly one DNS label or one URI path segment.  Values from a request
 * are untrusted: they are validated before matching and escaped before
 * they appear in a message.  Never prints, never touches anything but
 * the profile files.
 */
#ifndef PKI_PROFILE_H
#define PKI_PROFILE_H

#include <stddef.h>

#include <openssl/evp.h>

struct ynode;

/* The kinds of subjectAltName a profile governs. */
enum san_kind {
	SAN_DNS,
	SAN_IP,
	SAN_URI,
	SAN_EMAIL
};

/* Bit for a kind in profile.from_flags. */
#define PROFILE_SAN_BIT(k)	(1u << (unsigned)(k))

/* Bits of profile.key_types. */
#define PROFILE_KEY_P256	0x01u	/* ECDSA on P-256 */
#define PROFILE_KEY_P384	0x02u	/* ECDSA on P-384 */
#define PROFILE_KEY_RSA		0x04u	/* RSA, rsa_min_bits .. 8192 */
#define PROFILE_KEY_ED25519	0x08u	/* Ed25519 (RFC 8410) */

#define PROFILE_RSA_MAX_BITS	8192	/* the code's cap on RSA leaves */
#define PROFILE_MAX_SECONDS	(3650LL * 86400)  /* 10 years */

/* Longest text profile_key_usage() writes, with its NUL. */
#define PROFILE_KU_TEXT		96
/* Longest text profile_eku_text() writes, with its NUL. */
#define PROFILE_EKU_TEXT	96

/*
 * A loaded profile.  Every field is validated and read-only; lists
 * point into memory the profile owns until profile_free().
 */
struct profile {
	char		 *path;		/* the file as named */
	unsigned char	  sha256[32];	/* of the bytes that were parsed */
	char		 *name;		/* "mtls-server": [a-z0-9-]{1,64} */
	const char	 *description;	/* or NULL */

	unsigned	  key_types;	/* PROFILE_KEY_* bits, never 0 */
	unsigned	  rsa_min_bits;	/* 2048 .. 8192 */

	/* Subject: fixed parts (NULL when absent) and the CN rule. */
	const char	 *subject_c;
	const char	 *subject_st;
	const char	 *subject_l;
	const char	 *subject_o;
	const char	 *subject_ou;
	int		  cn_allowed;	/* a CN equal to one of the names */

	/* Allowed names, as written (lower case), each list unique. */
	const char	**dns;		/* "*.svc.prod.example.internal" */
	size_t		  ndns;
	const char	**ip;		/* "10.10.0.0/16", "fd00::/8" */
	size_t		  nip;
	const char	**uri;		/* spiffe://..., urn:...: "*" is
					   one segment */
	size_t		  nuri;
	const char	**email;	/* domains: "example.org" */
	size_t		  nemail;
	int		  wildcard_certs; /* may a SAN be "*.foo.bar" */
	unsigned	  max_names;	/* 1 .. 1000 names in one cert */
	int		  names_from_csr; /* names come from the CSR's SAN */
	unsigned	  from_flags;	/* PROFILE_SAN_BIT()s: --dns ... */

	/* keyUsage as OpenSSL X509v3_KU_* bits; see profile_key_usage(). */
	unsigned	  key_usage;
	const char	**ekus;		/* OpenSSL short names, >= 1 */
	size_t		  nekus;

	long long	  lifetime_default;	/* seconds */
	long long	  lifetime_max;		/* seconds, >= default */
	const char	 *lifetime_default_text; /* "30d" as written */
	const char	 *lifetime_max_text;
	int		  lifetime_from_flag;	/* --lifetime allowed */

	struct ynode	 *tree;		/* private: owns the strings */
};

/*
 * Load and validate the profile file at path.  The caller frees *out
 * with profile_free().  ERR_NOINPUT if the file is missing; every
 * refusal is ERR_CONFIG with one sentence "<path> line N: ..." naming
 * the key, the value and the rule (unknown, misspelt or duplicate key,
 * a malformed pattern such as "foo.*.bar", a bad CIDR range, a default
 * lifetime above the maximum, ...); ERR_IO or ERR_INTERNAL otherwise.
 */
int	profile_load(const char *path, struct profile **out);

/*
 * Load the profile called name from dir/name.yaml and check that the
 * file's "profile:" key says the same name.  name must match
 * [a-z0-9-]{1,64} (ERR_USAGE otherwise).  A name with no such file, or
 * whose file is not a profile, is ERR_CONFIG "unknown profile NAME in
 * DIR (known: a, b, c)", listing the profiles in dir.  Otherwise as
 * profile_load().
 */
int	profile_load_named(const char *dir, const char *name,
	    struct profile **out);

/* Free a profile; NULL is accepted. */
void	profile_free(struct profile *p);

/* "DNS name", "IP address", "URI", "e-mail address": for messages. */
const char *profile_kind_name(enum san_kind kind);

/*
 * May a certificate under p carry the name value of the given kind?
 * value is untrusted and NUL-terminated (a caller converting an ASN.1
 * string must refuse one with an embedded NUL first).  Returns 0;
 * ERR_DATA for a malformed name ('DNS name "a..b" is malformed: it has
 * an empty label'); ERR_NO with one sentence naming the name and the
 * allowed patterns ('DNS name "evil.example.com" is not allowed by
 * profile mtls-server (allowed: *.svc.prod.example.internal)'), for a
 * kind the profile has no patterns for, and for a wildcard name
 * ("*.foo.bar") under a profile that issues no wildcard certificates.
 * DNS names: LDH labels of 1..63 bytes, at most 253 bytes, no trailing
 * dot, compared ignoring ASCII case.  IP addresses: dotted IPv4 or
 * IPv6 text (inet_pton), IPv4-mapped IPv6 refused.  URIs:
 * scheme://host[:port]/path or urn:nid:nss, no percent-encoding, query,
 * fragment, empty or dot segments.  E-mail: dot-atom@domain.
 */
int	profile_allows_name(const struct profile *p, enum san_kind kind,
	    const char *value);

/*
 * May the caller give names of this kind on the command line (--dns,
 * --ip, --uri, --email)?  0, or ERR_USAGE naming the flag and the flags
 * the profile takes.  The names themselves still go through
 * profile_allows_name().
 */
int	profile_allows_flag(const struct profile *p, enum san_kind kind);

/*
 * May the subject carry the common name cn, given the n names (kinds[i],
 * names[i]) the certificate will have?  0 if the profile allows a CN and
 * cn equals one of the names (DNS names and e-mail domains ignoring
 * case, IP addresses by value, URIs exactly) -- for a TLS certificate
 * (serverAuth, or any DNS or IP name: the test pki-lint applies) one of
 * its DNS names or IP addresses; ERR_NO otherwise, naming the CN.  cn is
 * untrusted.
 */
int	profile_check_cn(const struct profile *p, const char *cn,
	    const enum san_kind *kinds, const char *const *names, size_t n);

/*
 * Parse a duration: a decimal number without sign or leading zero and
 * one unit, d (days), h (hours), m (minutes) or s (seconds): "90d",
 * "24h", "30m".  At least one second, at most PROFILE_MAX_SECONDS.
 * ERR_USAGE naming the text otherwise.
 */
int	profile_parse_duration(const char *text, long long *seconds);

/*
 * The lifetime in seconds of a certificate under p: the profile's
 * default when requested is NULL, else the requested duration.
 * ERR_USAGE for a malformed duration or when the profile does not let
 * the caller choose (lifetime.from_flag false); ERR_NO when it is above
 * the profile's maximum ("lifetime 120d is above the maximum 90d of
 * profile mtls-server").  The caller still caps it at the CA's own
 * notAfter.
 */
int	profile_lifetime(const struct profile *p, const char *requested,
	    long long *seconds);

/*
 * Is the public key pub acceptable under p?  0, or ERR_DATA with one
 * sentence naming the key: a type the profile does not list ("ECDSA
 * P-521 key is not allowed by profile mtls-server (allowed: ECDSA
 * P-256, ECDSA P-384, RSA of 2048 to 8192 bits)"), an RSA key below
 * rsa_min_bits ("RSA 1024-bit key is below the 2048 bits profile user
 * requires") or above PROFILE_RSA_MAX_BITS, an RSA public exponent that
 * is even or below 65537, explicit EC parameters, RSA-PSS keys, or a
 * key that fails OpenSSL's public key check.
 */
int	profile_allows_key(const struct profile *p, EVP_PKEY *pub);

/*
 * The keyUsage of a certificate for key pub under p: the profile's
 * usages that the key's algorithm can perform (keyEncipherment and
 * dataEncipherment for RSA only, keyAgreement for ECDSA keys only).
 * *bits gets OpenSSL X509v3_KU_* bits; text (when not NULL) gets at most
 * textlen bytes of "critical,digitalSignature,keyEncipherment", the
 * value x509_add_ext(NID_key_usage) takes.  Either may be NULL.
 * ERR_DATA if the key's type is not one of the profile's; ERR_INTERNAL
 * if text is too short.
 */
int	profile_key_usage(const struct profile *p, EVP_PKEY *pub,
	    unsigned *bits, char *text, size_t textlen);

/*
 * As profile_key_usage(), for a key of the kind bit (one PROFILE_KEY_*
 * bit) without a key at hand: for templates built once per profile.
 * Does not check that the profile allows that kind.
 */
int	profile_key_usage_for(const struct profile *p, unsigned bit,
	    unsigned *bits, char *text, size_t textlen);

/*
 * The extended key usages as "serverAuth,clientAuth", the value
 * x509_add_ext(NID_ext_key_usage) takes (not critical).  ERR_INTERNAL
 * if text is shorter than needed (PROFILE_EKU_TEXT always suffices).
 */
int	profile_eku_text(const struct profile *p, char *text, size_t textlen);

#endif
