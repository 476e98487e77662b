/*
 * lint.c: certificate and CRL linting (RFC 5280, CA/B Forum Baseline
 * Requirements, the issuing profile).
 *
 * Trusts OpenSSL's DER parser to hand over a well-formed X509 or
 * X509_CRL structure and nothing more: every field is checked here
 * before it is used, extensions are found by walking the list (never
 * with X509V3_get_d2i(), which returns NULL for a duplicated extension
 * and so hides it), and every string that comes from the object is
 * escaped to printable ASCII before it reaches a message, so that a
 * hostile certificate cannot write to the terminal that shows the
 * findings.  The object is never modified (OpenSSL may fill its
 * extension cache when it is verified).  Invariant: every finding
 * names a rule of the table below; the severity and source come from
 * the table, not from the call site.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "lint.h"

enum rule {
	/* Certificates on their own. */
	R_SERIAL_POSITIVE, R_SERIAL_NONZERO, R_SERIAL_LENGTH,
	R_SERIAL_ENTROPY, R_VERSION_V3, R_UNIQUE_IDS,
	R_VALIDITY_ORDER, R_VALIDITY_ENCODING, R_VALIDITY_FORMAT,
	R_LEAF_VALIDITY_LONG, R_ISSUER_EMPTY, R_SUBJECT_EMPTY,
	R_EXT_DUPLICATE, R_EXT_UNKNOWN_CRITICAL, R_EXT_MALFORMED,
	R_CA_BC_MISSING, R_CA_BC_CRITICAL, R_CA_BC_CA_FALSE,
	R_CA_KU_MISSING, R_CA_KU_CRITICAL, R_CA_KU_KEYCERTSIGN, R_KU_EMPTY,
	R_PATHLEN_NOT_CA, R_ROOT_SELF_SIGNED, R_ROOT_PATHLEN, R_ROOT_EKU,
	R_CA_SKI_MISSING, R_LEAF_SKI_MISSING, R_SKI_CRITICAL,
	R_AKI_MISSING, R_AKI_KEYID, R_AKI_CRITICAL, R_AKI_SELF,
	R_LEAF_CA, R_LEAF_KEYCERTSIGN,
	R_SAN_MISSING, R_SAN_EMPTY, R_SAN_CRITICAL, R_SAN_DNS_SYNTAX,
	R_SAN_DNS_WILDCARD, R_SAN_IP_LENGTH,
	R_CN_NOT_IN_SAN, R_CN_MULTIPLE, R_CN_NOT_A_SAN,
	R_KEY_TYPE, R_KEY_RSA_SIZE, R_KEY_RSA_EXPONENT, R_KEY_EC_CURVE,
	R_KEY_EC_P521,
	R_SIG_ALG_MATCH, R_SIG_ALG_ALLOWED, R_SIG_ALG_PARAMS,
	R_SIG_PSS_PARAMS, R_SIG_ALG_KEY, R_SIG_EC_HASH,
	R_NC_NOT_CA, R_NC_CRITICAL, R_NC_EMPTY, R_NC_DNS_LEADING_DOT,
	R_NC_DNS_SYNTAX, R_NC_IP_LENGTH, R_NC_IP_MASK, R_NC_MIN_MAX,
	R_EKU_MISSING, R_EKU_EXTRA, R_EKU_ANY, R_EKU_EMPTY,
	R_LEAF_EKU_MISSING,
	/* A certificate against its issuer. */
	R_ISSUER_NAME, R_ISSUER_AKI, R_ISSUER_SIGNATURE, R_ISSUER_NOT_CA,
	R_ISSUER_PATHLEN, R_ISSUER_VALIDITY, R_ISSUER_NC,
	/* CRLs. */
	R_CRL_VERSION, R_CRL_ISSUER_EMPTY, R_CRL_TIME_ENCODING,
	R_CRL_TIME_FORMAT, R_CRL_NEXT_UPDATE_MISSING, R_CRL_UPDATE_ORDER,
	R_CRL_NUMBER_MISSING, R_CRL_NUMBER_CRITICAL, R_CRL_NUMBER_LENGTH,
	R_CRL_NUMBER_NEGATIVE, R_CRL_AKI_MISSING, R_CRL_AKI_KEYID,
	R_CRL_EXT_DUPLICATE, R_CRL_EXT_UNKNOWN_CRITICAL, R_CRL_EXT_MALFORMED,
	R_CRL_IDP_CRITICAL,
	R_CRL_SIG_ALG_MATCH, R_CRL_SIG_ALG_ALLOWED, R_CRL_SIG_ALG_PARAMS,
	R_CRL_SIG_PSS_PARAMS, R_CRL_SIG_ALG_KEY, R_CRL_SIG_EC_HASH,
	R_CRL_ENTRY_DUPLICATE, R_CRL_ENTRY_EXT_DUPLICATE,
	R_CRL_ENTRY_EXT_UNKNOWN_CRITICAL, R_CRL_ENTRY_EXT_MALFORMED,
	R_CRL_REASON_CODE, R_CRL_REASON_UNSPECIFIED, R_CRL_REASON_REMOVE,
	R_CRL_REASON_CRITICAL, R_CRL_REVOCATION_DATE,
	R_CRL_ISSUER_NAME, R_CRL_ISSUER_AKI, R_CRL_SIGNATURE,
	R_CRL_ISSUER_CRLSIGN,
	R_COUNT
};

#define E	LINT_ERROR
#define W	LINT_WARNING
#define N	LINT_NOTICE
#define RFC	"RFC 5280 "
#define BR	"CA/B BR "

static const struct lint_rule rules[R_COUNT] = {
	[R_SERIAL_POSITIVE] = { "serial-positive", E, RFC "4.1.2.2",
	    "the serial number is not negative" },
	[R_SERIAL_NONZERO] = { "serial-nonzero", E, RFC "4.1.2.2",
	    "the serial number is not zero" },
	[R_SERIAL_LENGTH] = { "serial-length", E, RFC "4.1.2.2",
	    "the serial number is at most 20 octets" },
	[R_SERIAL_ENTROPY] = { "serial-entropy", E, BR "7.1",
	    "a leaf serial has 8 or more significant octets (64 bits)" },
	[R_VERSION_V3] = { "version-v3", E, RFC "4.1.2.1",
	    "a certificate with extensions is v3" },
	[R_UNIQUE_IDS] = { "unique-ids", E, RFC "4.1.2.8",
	    "no issuerUniqueID or subjectUniqueID" },
	[R_VALIDITY_ORDER] = { "validity-order", E, RFC "4.1.2.5",
	    "notBefore is before notAfter" },
	[R_VALIDITY_ENCODING] = { "validity-time-encoding", E,
	    RFC "4.1.2.5", "UTCTime through 2049, GeneralizedTime from 2050" },
	[R_VALIDITY_FORMAT] = { "validity-time-format", E, RFC "4.1.2.5.1",
	    "times are YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ" },
	[R_LEAF_VALIDITY_LONG] = { "leaf-validity-long", N, BR "6.3.2",
	    "a TLS leaf is valid for at most 398 days" },
	[R_ISSUER_EMPTY] = { "issuer-empty", E, RFC "4.1.2.4",
	    "the issuer name is not empty" },
	[R_SUBJECT_EMPTY] = { "subject-empty", E, RFC "4.1.2.6",
	    "a CA has a subject; an empty leaf subject needs a critical SAN" },
	[R_EXT_DUPLICATE] = { "ext-duplicate", E, RFC "4.2",
	    "no extension appears twice" },
	[R_EXT_UNKNOWN_CRITICAL] = { "ext-unknown-critical", E, RFC "4.2",
	    "no critical extension outside RFC 5280's list" },
	[R_EXT_MALFORMED] = { "ext-malformed", E, RFC "4.2",
	    "every known extension decodes" },
	[R_CA_BC_MISSING] = { "ca-bc-missing", E, RFC "4.2.1.9",
	    "a CA has basicConstraints" },
	[R_CA_BC_CRITICAL] = { "ca-bc-critical", E, RFC "4.2.1.9",
	    "a CA's basicConstraints is critical" },
	[R_CA_BC_CA_FALSE] = { "ca-bc-ca-false", E, RFC "4.2.1.9",
	    "a CA's basicConstraints has cA TRUE" },
	[R_CA_KU_MISSING] = { "ca-ku-missing", E, RFC "4.2.1.3",
	    "a CA has keyUsage" },
	[R_CA_KU_CRITICAL] = { "ca-ku-critical", E, BR "7.1.2.10.7",
	    "a CA's keyUsage is critical" },
	[R_CA_KU_KEYCERTSIGN] = { "ca-ku-keycertsign", E, RFC "4.2.1.9",
	    "a CA's keyUsage asserts keyCertSign" },
	[R_KU_EMPTY] = { "ku-empty", E, RFC "4.2.1.3",
	    "keyUsage asserts at least one bit" },
	[R_PATHLEN_NOT_CA] = { "pathlen-not-ca", E, RFC "4.2.1.9",
	    "pathLenConstraint only with cA TRUE and keyCertSign" },
	[R_ROOT_SELF_SIGNED] = { "root-self-signed", E, RFC "3.2",
	    "a root is self-issued and its signature verifies" },
	[R_ROOT_PATHLEN] = { "root-pathlen", N, BR "7.1.2.1.4",
	    "a root has no pathLenConstraint" },
	[R_ROOT_EKU] = { "root-eku", W, BR "7.1.2.1.2",
	    "a root has no extKeyUsage" },
	[R_CA_SKI_MISSING] = { "ca-ski-missing", E, RFC "4.2.1.2",
	    "a CA has a subjectKeyIdentifier" },
	[R_LEAF_SKI_MISSING] = { "leaf-ski-missing", N, RFC "4.2.1.2",
	    "a leaf has a subjectKeyIdentifier" },
	[R_SKI_CRITICAL] = { "ski-critical", E, RFC "4.2.1.2",
	    "subjectKeyIdentifier is not critical" },
	[R_AKI_MISSING] = { "aki-missing", E, RFC "4.2.1.1",
	    "authorityKeyIdentifier present (a self-signed root may omit it)" },
	[R_AKI_KEYID] = { "aki-keyid", E, RFC "4.2.1.1",
	    "authorityKeyIdentifier has a keyIdentifier" },
	[R_AKI_CRITICAL] = { "aki-critical", E, RFC "4.2.1.1",
	    "authorityKeyIdentifier is not critical" },
	[R_AKI_SELF] = { "aki-self", E, RFC "4.2.1.1",
	    "a self-signed certificate's AKI keyid equals its SKI" },
	[R_LEAF_CA] = { "leaf-ca", E, RFC "4.2.1.9",
	    "a leaf does not have cA TRUE" },
	[R_LEAF_KEYCERTSIGN] = { "leaf-keycertsign", E, RFC "4.2.1.3",
	    "a leaf does not assert keyCertSign" },
	[R_SAN_MISSING] = { "san-missing", E, BR "7.1.2.7.12",
	    "a leaf has subjectAltName" },
	[R_SAN_EMPTY] = { "san-empty", E, RFC "4.2.1.6",
	    "subjectAltName holds at least one name" },
	[R_SAN_CRITICAL] = { "san-critical", N, RFC "4.2.1.6",
	    "subjectAltName is critical only with an empty subject" },
	[R_SAN_DNS_SYNTAX] = { "san-dns-syntax", E, RFC "4.2.1.6",
	    "dNSName in preferred name syntax" },
	[R_SAN_DNS_WILDCARD] = { "san-dns-wildcard", E, "RFC 6125 6.4.3",
	    "a wildcard is the whole leftmost label" },
	[R_SAN_IP_LENGTH] = { "san-ip-length", E, RFC "4.2.1.6",
	    "iPAddress is 4 or 16 octets" },
	[R_CN_NOT_IN_SAN] = { "cn-not-in-san", E, BR "7.1.4.3",
	    "the CN is one of the SAN's DNS names or IP addresses" },
	[R_CN_MULTIPLE] = { "cn-multiple", W, BR "7.1.4.3",
	    "at most one CN" },
	[R_CN_NOT_A_SAN] = { "cn-not-a-san", N, BR "7.1.4.3",
	    "a non-TLS leaf's CN is a display name, not a SAN" },
	[R_KEY_TYPE] = { "key-type", E, BR "6.1.5",
	    "the key is RSA (rsaEncryption) or ECDSA" },
	[R_KEY_RSA_SIZE] = { "key-rsa-size", E, BR "6.1.5",
	    "RSA >= 2048 bits for leaves, >= 3072 for CAs, a multiple of 8" },
	[R_KEY_RSA_EXPONENT] = { "key-rsa-exponent", E, BR "6.1.6",
	    "the RSA exponent is odd and at least 3" },
	[R_KEY_EC_CURVE] = { "key-ec-curve", E, BR "6.1.5",
	    "the EC key is on a named curve P-256 or P-384" },
	[R_KEY_EC_P521] = { "key-ec-p521", W, BR "6.1.5",
	    "P-521 is allowed but interoperates poorly" },
	[R_SIG_ALG_MATCH] = { "sig-alg-match", E, RFC "4.1.1.2",
	    "signatureAlgorithm equals the TBS signature field" },
	[R_SIG_ALG_ALLOWED] = { "sig-alg-allowed", E, BR "7.1.3.2",
	    "ECDSA or RSA (PKCS#1 v1.5, PSS) with SHA-256/384/512" },
	[R_SIG_ALG_PARAMS] = { "sig-alg-params", E, "RFC 4055 5, RFC 5758 3.2",
	    "NULL parameters for RSA, none for ECDSA" },
	[R_SIG_PSS_PARAMS] = { "sig-pss-params", E, "RFC 4055 3.1",
	    "PSS: MGF1 with the same hash, salt = hash length" },
	[R_SIG_ALG_KEY] = { "sig-alg-key", E, RFC "4.1.1.2",
	    "the signature algorithm fits the signer's key" },
	[R_SIG_EC_HASH] = { "sig-ec-hash", W, BR "7.1.3.2",
	    "SHA-256 for P-256, SHA-384 for P-384, SHA-512 for P-521" },
	[R_NC_NOT_CA] = { "nc-not-ca", E, RFC "4.2.1.10",
	    "nameConstraints only in CA certificates" },
	[R_NC_CRITICAL] = { "nc-critical", W, RFC "4.2.1.10",
	    "nameConstraints is critical" },
	[R_NC_EMPTY] = { "nc-empty", E, RFC "4.2.1.10",
	    "no empty nameConstraints or subtree list" },
	[R_NC_DNS_LEADING_DOT] = { "nc-dns-leading-dot", E, RFC "4.2.1.10",
	    "a dNSName constraint has no leading dot" },
	[R_NC_DNS_SYNTAX] = { "nc-dns-syntax", E, RFC "4.2.1.10",
	    "a dNSName constraint is a DNS name" },
	[R_NC_IP_LENGTH] = { "nc-ip-length", E, RFC "4.2.1.10",
	    "an iPAddress constraint is 8 or 32 octets" },
	[R_NC_IP_MASK] = { "nc-ip-mask", E, RFC "4.2.1.10",
	    "an iPAddress constraint's mask is contiguous" },
	[R_NC_MIN_MAX] = { "nc-min-max", E, RFC "4.2.1.10",
	    "subtree minimum is 0 and maximum absent" },
	[R_EKU_MISSING] = { "eku-missing", E, RFC "4.2.1.12",
	    "every EKU the profile expects is present" },
	[R_EKU_EXTRA] = { "eku-extra", W, RFC "4.2.1.12",
	    "no EKU the profile does not expect" },
	[R_EKU_ANY] = { "eku-any", W, BR "7.1.2.7.10",
	    "no anyExtendedKeyUsage" },
	[R_EKU_EMPTY] = { "eku-empty", E, RFC "4.2.1.12",
	    "extKeyUsage holds at least one purpose" },
	[R_LEAF_EKU_MISSING] = { "leaf-eku-missing", N, BR "7.1.2.7.10",
	    "a leaf has extKeyUsage" },
	[R_ISSUER_NAME] = { "issuer-name", E, RFC "4.1.2.4",
	    "issuer equals the issuer certificate's subject" },
	[R_ISSUER_AKI] = { "issuer-aki", E, RFC "4.2.1.1",
	    "AKI keyid equals the issuer's SKI" },
	[R_ISSUER_SIGNATURE] = { "issuer-signature", E, RFC "4.1.1.3",
	    "the signature verifies under the issuer's key" },
	[R_ISSUER_NOT_CA] = { "issuer-not-ca", E, RFC "4.2.1.9",
	    "the issuer is a CA with keyCertSign" },
	[R_ISSUER_PATHLEN] = { "issuer-pathlen", E, RFC "4.2.1.9",
	    "the issuer's pathLenConstraint allows a CA below it" },
	[R_ISSUER_VALIDITY] = { "issuer-validity", W, RFC "6.1.3",
	    "validity within the issuer's validity" },
	[R_ISSUER_NC] = { "issuer-nc", E, RFC "4.2.1.10",
	    "names within the issuer's name constraints" },
	[R_CRL_VERSION] = { "crl-version", E, RFC "5.1.2.1",
	    "a CRL is v2" },
	[R_CRL_ISSUER_EMPTY] = { "crl-issuer-empty", E, RFC "5.1.2.3",
	    "the CRL issuer name is not empty" },
	[R_CRL_TIME_ENCODING] = { "crl-time-encoding", E, RFC "5.1.2.4",
	    "UTCTime through 2049, GeneralizedTime from 2050" },
	[R_CRL_TIME_FORMAT] = { "crl-time-format", E, RFC "5.1.2.4",
	    "times are YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ" },
	[R_CRL_NEXT_UPDATE_MISSING] = { "crl-next-update-missing", E,
	    RFC "5.1.2.5", "nextUpdate is present" },
	[R_CRL_UPDATE_ORDER] = { "crl-update-order", E, RFC "5.1.2.5",
	    "thisUpdate is before nextUpdate" },
	[R_CRL_NUMBER_MISSING] = { "crl-number-missing", E, RFC "5.2.3",
	    "a CRL has a CRL number" },
	[R_CRL_NUMBER_CRITICAL] = { "crl-number-critical", E, RFC "5.2.3",
	    "the CRL number is not critical" },
	[R_CRL_NUMBER_LENGTH] = { "crl-number-length", E, RFC "5.2.3",
	    "the CRL number is at most 20 octets" },
	[R_CRL_NUMBER_NEGATIVE] = { "crl-number-negative", E, RFC "5.2.3",
	    "the CRL number is not negative" },
	[R_CRL_AKI_MISSING] = { "crl-aki-missing", E, RFC "5.2.1",
	    "a CRL has an authorityKeyIdentifier" },
	[R_CRL_AKI_KEYID] = { "crl-aki-keyid", E, RFC "5.2.1",
	    "the CRL's AKI has a keyIdentifier" },
	[R_CRL_EXT_DUPLICATE] = { "crl-ext-duplicate", E, RFC "5.2",
	    "no CRL extension appears twice" },
	[R_CRL_EXT_UNKNOWN_CRITICAL] = { "crl-ext-unknown-critical", E,
	    RFC "5.2", "no critical CRL extension outside RFC 5280's list" },
	[R_CRL_EXT_MALFORMED] = { "crl-ext-malformed", E, RFC "5.2",
	    "every known CRL extension decodes" },
	[R_CRL_IDP_CRITICAL] = { "crl-idp-critical", E, RFC "5.2.5",
	    "issuingDistributionPoint is critical" },
	[R_CRL_SIG_ALG_MATCH] = { "crl-sig-alg-match", E, RFC "5.1.1.2",
	    "signatureAlgorithm equals the TBS signature field" },
	[R_CRL_SIG_ALG_ALLOWED] = { "crl-sig-alg-allowed", E, BR "7.1.3.2",
	    "ECDSA or RSA (PKCS#1 v1.5, PSS) with SHA-256/384/512" },
	[R_CRL_SIG_ALG_PARAMS] = { "crl-sig-alg-params", E,
	    "RFC 4055 5, RFC 5758 3.2",
	    "NULL parameters for RSA, none for ECDSA" },
	[R_CRL_SIG_PSS_PARAMS] = { "crl-sig-pss-params", E, "RFC 4055 3.1",
	    "PSS: MGF1 with the same hash, salt = hash length" },
	[R_CRL_SIG_ALG_KEY] = { "crl-sig-alg-key", E, RFC "5.1.1.2",
	    "the signature algorithm fits the issuer's key" },
	[R_CRL_SIG_EC_HASH] = { "crl-sig-ec-hash", W, BR "7.1.3.2",
	    "SHA-256 for P-256, SHA-384 for P-384, SHA-512 for P-521" },
	[R_CRL_ENTRY_DUPLICATE] = { "crl-entry-duplicate", E, RFC "5.1.2.6",
	    "no serial is listed twice" },
	[R_CRL_ENTRY_EXT_DUPLICATE] = { "crl-entry-ext-duplicate", E,
	    RFC "5.3", "no entry extension appears twice" },
	[R_CRL_ENTRY_EXT_UNKNOWN_CRITICAL] = { "crl-entry-ext-unknown-critical",
	    E, RFC "5.3", "no unknown critical entry extension" },
	[R_CRL_ENTRY_EXT_MALFORMED] = { "crl-entry-ext-malformed", E,
	    RFC "5.3", "every known entry extension decodes" },
	[R_CRL_REASON_CODE] = { "crl-reason-code", E, RFC "5.3.1",
	    "reason codes are 0-6 or 8-10" },
	[R_CRL_REASON_UNSPECIFIED] = { "crl-reason-unspecified", W,
	    RFC "5.3.1", "no reasonCode unspecified (leave it out)" },
	[R_CRL_REASON_REMOVE] = { "crl-reason-remove", W, RFC "5.3.1",
	    "removeFromCRL only in delta CRLs" },
	[R_CRL_REASON_CRITICAL] = { "crl-reason-critical", E, RFC "5.3.1",
	    "reasonCode is not critical" },
	[R_CRL_REVOCATION_DATE] = { "crl-revocation-date", W, RFC "5.1.2.6",
	    "revocation dates are not after thisUpdate" },
	[R_CRL_ISSUER_NAME] = { "crl-issuer-name", E, RFC "5.1.2.3",
	    "the CRL issuer equals the issuer certificate's subject" },
	[R_CRL_ISSUER_AKI] = { "crl-issuer-aki", E, RFC "5.2.1",
	    "the CRL's AKI keyid equals the issuer's SKI" },
	[R_CRL_SIGNATURE] = { "crl-signature", E, RFC "5.1.1.3",
	    "the CRL signature verifies under the issuer's key" },
	[R_CRL_ISSUER_CRLSIGN] = { "crl-issuer-crlsign", E, RFC "4.2.1.3",
	    "the issuer's keyUsage asserts cRLSign" },
};

#undef E
#undef W
#undef N
#undef RFC
#undef BR

/* A CRL with many entries reports each entry rule this many times. */
#define ENTRY_FINDINGS_MAX	5
/* Untrusted strings in messages: at most this many output characters. */
#define ESC_MAX			64

/* Key usage bits (RFC 5280 4.2.1.3). */
#define KU_KEYCERTSIGN		5
#define KU_CRLSIGN		6

/* Findings being collected. */
struct lctx {
	struct lint_report *r;
	int oom;			/* a finding could not be stored */
	int capped;			/* walking CRL entries */
	unsigned long hits[R_COUNT];	/* per rule, while capped */
};

/* One extension of a certificate or CRL, the first of its type. */
struct ext {
	X509_EXTENSION *ext;		/* NULL if absent */
	int critical;
	void *val;			/* decoded; NULL if absent or bad */
};

/* Rule ids that differ between certificates and CRLs. */
struct ext_rules {
	enum rule dup, unknown_critical, malformed;
};

struct sig_rules {
	enum rule match, allowed, params, pss, key, ec_hash;
};

struct time_rules {
	enum rule encoding, format;
};

static const struct ext_rules cert_ext_rules = {
	R_EXT_DUPLICATE, R_EXT_UNKNOWN_CRITICAL, R_EXT_MALFORMED
};
static const struct ext_rules crl_ext_rules = {
	R_CRL_EXT_DUPLICATE, R_CRL_EXT_UNKNOWN_CRITICAL, R_CRL_EXT_MALFORMED
};
static const struct ext_rules entry_ext_rules = {
	R_CRL_ENTRY_EXT_DUPLICATE, R_CRL_ENTRY_EXT_UNKNOWN_CRITICAL,
	R_CRL_ENTRY_EXT_MALFORMED
};
static const struct sig_rules cert_sig_rules = {
	R_SIG_ALG_MATCH, R_SIG_ALG_ALLOWED, R_SIG_ALG_PARAMS,
	R_SIG_PSS_PARAMS, R_SIG_ALG_KEY, R_SIG_EC_HASH
};
static const struct sig_rules crl_sig_rules = {
	R_CRL_SIG_ALG_MATCH, R_CRL_SIG_ALG_ALLOWED, R_CRL_SIG_ALG_PARAMS,
	R_CRL_SIG_PSS_PARAMS, R_CRL_SIG_ALG_KEY, R_CRL_SIG_EC_HASH
};
static const struct time_rules cert_time_rules = {
	R_VALIDITY_ENCODING, R_VALIDITY_FORMAT
};
static const struct time_rules crl_time_rules = {
	R_CRL_TIME_ENCODING, R_CRL_TIME_FORMAT
};

/*
 * Extensions that RFC 5280 defines and a relying party processes; a
 * critical extension outside these lists is "unknown".
 */
static const int cert_known_nids[] = {
	NID_authority_key_identifier, NID_subject_key_identifier,
	NID_key_usage, NID_certificate_policies, NID_policy_mappings,
	NID_subject_alt_name, NID_issuer_alt_name,
	NID_subject_directory_attributes, NID_basic_constraints,
	NID_name_constraints, NID_policy_constraints, NID_ext_key_usage,
	NID_crl_distribution_points, NID_inhibit_any_policy,
	NID_freshest_crl, NID_info_access, NID_sinfo_access,
};
static const int crl_known_nids[] = {
	NID_authority_key_identifier, NID_issuer_alt_name, NID_crl_number,
	NID_delta_crl, NID_issuing_distribution_point, NID_freshest_crl,
	NID_info_access,
};
static const int entry_known_nids[] = {
	NID_crl_reason, NID_invalidity_date, NID_certificate_issuer,
	NID_hold_instruction_code,
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Findings. */

static void add(struct lctx *, enum rule, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
add(struct lctx *c, enum rule id, const char *fmt, ...)
{
	struct lint_report *r = c->r;
	struct lint_finding *f;
	va_list ap;
	size_t ncap;

	if (c->capped && ++c->hits[id] > ENTRY_FINDINGS_MAX)
		return;
	if (r->count == r->cap) {
		ncap = r->cap == 0 ? 16 : r->cap * 2;
		if ((f = reallocarray(r->findings, ncap, sizeof(*f))) == NULL) {
			c->oom = 1;
			return;
		}
		r->findings = f;
		r->cap = ncap;
	}
	f = &r->findings[r->count++];
	f->severity = rules[id].severity;
	f->rule = rules[id].id;
	f->source = rules[id].source;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
	if (f->severity == LINT_ERROR)
		r->errors++;
	else if (f->severity == LINT_WARNING)
		r->warnings++;
	else
		r->notices++;
}

/*
 * Bytes from the object as printable ASCII in out (ESC_MAX + 4 bytes):
 * anything outside 0x20-0x7e becomes \xHH, and a long value is cut
 * with "...".
 */
static const char *
esc(char out[ESC_MAX + 4], const unsigned char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (o + 4 > ESC_MAX) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\') {
			out[o++] = (char)s[i];
			continue;
		}
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[s[i] >> 4];
		out[o++] = hex[s[i] & 0xf];
	}
	out[o] = '\0';
	return out;
}

static const char *
esc_str(char out[ESC_MAX + 4], const ASN1_STRING *s)
{
	return esc(out, ASN1_STRING_get0_data(s),
	    (size_t)ASN1_STRING_length(s));
}

/* An object's name for messages: short name, else dotted OID. */
static const char *
obj_name(char out[80], const ASN1_OBJECT *obj)
{
	int nid = OBJ_obj2nid(obj);

	if (nid != NID_undef && OBJ_nid2sn(nid) != NULL)
		snprintf(out, 80, "%s", OBJ_nid2sn(nid));
	else if (OBJ_obj2txt(out, 80, obj, 1) <= 0)
		snprintf(out, 80, "(unprintable OID)");
	return out;
}

static int
nid_in(int nid, const int *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] == nid)
			return 1;
	return 0;
}

/* Extensions. */

static void
ext_val_free(X509_EXTENSION *ext, void *val)
{
	const X509V3_EXT_METHOD *m;

	if (val == NULL || (m = X509V3_EXT_get(ext)) == NULL)
		return;
	if (m->it != NULL)
		ASN1_item_free(val, ASN1_ITEM_ptr(m->it));
	else if (m->ext_free != NULL)
		m->ext_free(val);
}

/*
 * The decoded value of a known extension, NULL if it does not decode or
 * if bytes follow the value (X509V3_EXT_d2i() ignores those).
 */
static void *
ext_decode(X509_EXTENSION *ext)
{
	const X509V3_EXT_METHOD *m = X509V3_EXT_get(ext);
	const ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(ext);
	const unsigned char *p = ASN1_STRING_get0_data(os);
	long len = ASN1_STRING_length(os);
	void *val = NULL;

	if (m == NULL || p == NULL)
		return NULL;
	if (m->it != NULL)
		val = ASN1_item_d2i(NULL, &p, len, ASN1_ITEM_ptr(m->it));
	else if (m->d2i != NULL)
		val = m->d2i(NULL, &p, len);
	ERR_clear_error();
	if (val != NULL && p != ASN1_STRING_get0_data(os) + len) {
		ext_val_free(ext, val);
		val = NULL;
	}
	return val;
}

/* The first extension nid in exts, decoded. */
static void
ext_get(const STACK_OF(X509_EXTENSION) *exts, int nid, struct ext *x)
{
	int i = X509v3_get_ext_by_NID(exts, nid, -1);

	memset(x, 0, sizeof(*x));
	if (i < 0)
		return;
	x->ext = X509v3_get_ext(exts, i);
	x->critical = X509_EXTENSION_get_critical(x->ext) > 0;
	x->val = ext_decode(x->ext);
}

static void
ext_put(struct ext *x)
{
	ext_val_free(x->ext, x->val);
	memset(x, 0, sizeof(*x));
}

/*
 * Walk every extension: duplicates by OID (compared with every earlier
 * one, so three copies give two findings), unknown critical ones, and
 * known ones that do not decode.  where prefixes messages ("" or
 * "entry 3: ").
 */
static void
check_exts(struct lctx *c, const STACK_OF(X509_EXTENSION) *exts,
    const int *known, size_t nknown, const struct ext_rules *er,
    const char *where)
{
	X509_EXTENSION *ext;
	const ASN1_OBJECT *obj;
	char name[80];
	void *val;
	int i, j, n = X509v3_get_ext_count(exts);

	for (i = 0; i < n; i++) {
		ext = X509v3_get_ext(exts, i);
		obj = X509_EXTENSION_get_object(ext);
		for (j = 0; j < i; j++)
			if (OBJ_cmp(obj, X509_EXTENSION_get_object(
			    X509v3_get_ext(exts, j))) == 0)
				break;
		if (j < i) {
			add(c, er->dup, "%sextension %s appears more than "
			    "once", where, obj_name(name, obj));
			continue;
		}
		if (!nid_in(OBJ_obj2nid(obj), known, nknown)) {
			if (X509_EXTENSION_get_critical(ext) > 0)
				add(c, er->unknown_critical, "%sunknown "
				    "extension %s is critical", where,
				    obj_name(name, obj));
			continue;
		}
		if ((val = ext_decode(ext)) == NULL)
			add(c, er->malformed, "%sextension %s does not "
			    "decode", where, obj_name(name, obj));
		ext_val_free(ext, val);
	}
}

/* The keyIdentifier of an AKI, or NULL. */
static const ASN1_OCTET_STRING *
aki_keyid(const struct ext *aki)
{
	const AUTHORITY_KEYID *a = aki->val;

	return a != NULL ? a->keyid : NULL;
}

/* Key usage bit n is asserted (ku decoded, non-NULL). */
static int
ku_bit(const struct ext *ku, int n)
{
	return ku->val != NULL && ASN1_BIT_STRING_get_bit(ku->val, n);
}

/* Times. */

/*
 * The year of a time in the DER form RFC 5280 requires (UTCTime
 * YYMMDDHHMMSSZ, GeneralizedTime YYYYMMDDHHMMSSZ, a real date), or -1.
 */
static int
time_year(const ASN1_TIME *t)
{
	const unsigned char *d;
	int i, n, len, type;

	if (t == NULL)
		return -1;
	d = ASN1_STRING_get0_data(t);
	len = ASN1_STRING_length(t);
	type = ASN1_STRING_type(t);
	if (type == V_ASN1_UTCTIME)
		n = 13;
	else if (type == V_ASN1_GENERALIZEDTIME)
		n = 15;
	else
		return -1;
	if (len != n || d[n - 1] != 'Z')
		return -1;
	for (i = 0; i < n - 1; i++)
		if (d[i] < '0' || d[i] > '9')
			return -1;
	if (ASN1_TIME_check(t) != 1) {
		ERR_clear_error();
		return -1;
	}
	if (type == V_ASN1_UTCTIME) {
		i = (d[0] - '0') * 10 + (d[1] - '0');
		return i < 50 ? 2000 + i : 1900 + i;
	}
	return (d[0] - '0') * 1000 + (d[1] - '0') * 100 +
	    (d[2] - '0') * 10 + (d[3] - '0');
}

/* 1 if t is well formed and correctly encoded, else 0 (reported). */
static int
check_time(struct lctx *c, const ASN1_TIME *t, const char *what,
    const struct time_rules *tr)
{
	char buf[ESC_MAX + 4];
	int year = time_year(t);

	if (year < 0) {
		add(c, tr->format, "%s \"%s\" is not YYMMDDHHMMSSZ (UTCTime) "
		    "or YYYYMMDDHHMMSSZ (GeneralizedTime)", what,
		    t != NULL ? esc_str(buf, t) : "");
		return 0;
	}
	if (ASN1_STRING_type(t) == V_ASN1_GENERALIZEDTIME &&
	    year >= 1950 && year <= 2049) {
		add(c, tr->encoding, "%s %s is a GeneralizedTime; dates "
		    "through 2049 must be UTCTime", what, esc_str(buf, t));
		return 0;
	}
	return 1;
}

/* INTEGER sizes. */

/* The number of content octets of the DER encoding of v, or -1. */
static long
integer_der_len(const ASN1_INTEGER *v)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	long len = -1;
	int n, tag, cls;

	if ((n = i2d_ASN1_INTEGER(v, &der)) <= 0)
		return -1;
	p = der;
	if (ASN1_get_object(&p, &len, &tag, &cls, n) & 0x80)
		len = -1;
	OPENSSL_free(der);
	ERR_clear_error();
	return len;
}

/* 1 if every octet of an INTEGER or BIT STRING is zero (or none). */
static int
all_zero(const ASN1_STRING *v)
{
	const unsigned char *d = ASN1_STRING_get0_data(v);
	int i, n = ASN1_STRING_length(v);

	for (i = 0; i < n; i++)
		if (d[i] != 0)
			return 0;
	return 1;
}

/* Significant octets of the magnitude. */
static int
integer_octets(const ASN1_INTEGER *v)
{
	const unsigned char *d = ASN1_STRING_get0_data(v);
	int n = ASN1_STRING_length(v), i = 0;

	while (i < n && d[i] == 0)
		i++;
	return n - i;
}

/* Signature algorithms. */

static int
md_allowed(int md)
{
	return md == NID_sha256 || md == NID_sha384 || md == NID_sha512;
}

/* A PSS hash AlgorithmIdentifier's NID; absent is SHA-1, the default. */
static int
hash_nid(const X509_ALGOR *a)
{
	return a == NULL ? NID_sha1 : OBJ_obj2nid(a->algorithm);
}

/* MGF1's hash from maskGenAlgorithm, NID_undef if not MGF1. */
static int
mgf1_hash(const X509_ALGOR *mgf)
{
	X509_ALGOR *h;
	int nid;

	if (mgf == NULL)
		return NID_sha1;	/* the default: MGF1 with SHA-1 */
	if (OBJ_obj2nid(mgf->algorithm) != NID_mgf1 || mgf->parameter == NULL)
		return NID_undef;
	if ((h = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR),
	    mgf->parameter)) == NULL) {
		ERR_clear_error();
		return NID_undef;
	}
	nid = OBJ_obj2nid(h->algorithm);
	X509_ALGOR_free(h);
	return nid;
}

#define PSS_BAD		(-1)	/* parameters missing, already reported */

/*
 * RSASSA-PSS parameters: the message digest NID (NID_undef for an
 * unknown hash), or PSS_BAD.
 */
static int
check_pss(struct lctx *c, const X509_ALGOR *alg, const struct sig_rules *sr)
{
	RSA_PSS_PARAMS *p;
	long salt, trailer;
	int md, mgf, hlen;

	if (alg->parameter == NULL ||
	    alg->parameter->type != V_ASN1_SEQUENCE ||
	    (p = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS),
	    alg->parameter)) == NULL) {
		ERR_clear_error();
		add(c, sr->pss, "RSASSA-PSS parameters are missing or "
		    "malformed");
		return PSS_BAD;
	}
	md = hash_nid(p->hashAlgorithm);
	mgf = mgf1_hash(p->maskGenAlgorithm);
	salt = p->saltLength == NULL ? 20 : ASN1_INTEGER_get(p->saltLength);
	trailer = p->trailerField == NULL ? 1 :
	    ASN1_INTEGER_get(p->trailerField);
	hlen = md_allowed(md) ? EVP_MD_get_size(EVP_get_digestbynid(md)) : 0;
	if (mgf != md)
		add(c, sr->pss, "RSASSA-PSS mask generation is not MGF1 with "
		    "the message hash");
	if (hlen > 0 && salt != hlen)
		add(c, sr->pss, "RSASSA-PSS salt length %ld is not the hash "
		    "length %d", salt, hlen);
	if (trailer != 1)
		add(c, sr->pss, "RSASSA-PSS trailerField %ld is not 1",
		    trailer);
	RSA_PSS_PARAMS_free(p);
	return md;
}

/* The curve of an EC key, NID_undef if explicit or unknown. */
static int
ec_curve(const EVP_PKEY *pk)
{
	char name[64];
	size_t len = 0;
	int nid;

	if (EVP_PKEY_get_group_name(pk, name, sizeof(name), &len) != 1) {
		ERR_clear_error();
		return NID_undef;
	}
	if ((nid = OBJ_sn2nid(name)) == NID_undef)
		nid = EC_curve_nist2nid(name);
	return nid;
}

/* The signature algorithm against the signer's key. */
static void
check_sig_key(struct lctx *c, const X509_ALGOR *alg, EVP_PKEY *signer,
    const struct sig_rules *sr)
{
	char name[80];
	int nid = OBJ_obj2nid(alg->algorithm), md, pk, base, curve, want;

	if (nid == NID_rsassaPss) {
		md = NID_undef;
		pk = NID_rsaEncryption;
	} else if (!OBJ_find_sigid_algs(nid, &md, &pk))
		return;			/* reported as not allowed */
	base = EVP_PKEY_get_base_id(signer);
	if ((base == EVP_PKEY_RSA && pk != NID_rsaEncryption) ||
	    (base == EVP_PKEY_EC && pk != NID_X9_62_id_ecPublicKey) ||
	    (pk == NID_rsaEncryption && base != EVP_PKEY_RSA) ||
	    (pk == NID_X9_62_id_ecPublicKey && base != EVP_PKEY_EC)) {
		add(c, sr->key, "signature algorithm %s does not fit the "
		    "signer's %s key", obj_name(name, alg->algorithm),
		    OBJ_nid2sn(base));
		return;
	}
	if (base != EVP_PKEY_EC)
		return;
	curve = ec_curve(signer);
	want = curve == NID_X9_62_prime256v1 ? NID_sha256 :
	    curve == NID_secp384r1 ? NID_sha384 :
	    curve == NID_secp521r1 ? NID_sha512 : NID_undef;
	if (want != NID_undef && md != want)
		add(c, sr->ec_hash, "a %s key signs with %s, not %s",
		    EC_curve_nid2nist(curve), OBJ_nid2sn(want),
		    md != NID_undef ? OBJ_nid2sn(md) : "an unknown hash");
}

/*
 * The outer signatureAlgorithm against the TBS copy (inner may be NULL
 * when it could not be found), the algorithm and its parameters, and,
 * when the signer's key is known, the key type and curve.
 */
/* NULL parameters for RSA PKCS#1 v1.5, none for ECDSA. */
static void
check_sig_params(struct lctx *c, const X509_ALGOR *alg, int pk,
    const struct sig_rules *sr)
{
	int ptype = alg->parameter == NULL ? V_ASN1_UNDEF :
	    alg->parameter->type;

	if (pk == NID_rsaEncryption && ptype != V_ASN1_NULL)
		add(c, sr->params, "RSA signature algorithm parameters must "
		    "be NULL");
	else if (pk == NID_X9_62_id_ecPublicKey && ptype != V_ASN1_UNDEF)
		add(c, sr->params, "ECDSA signature algorithm parameters "
		    "must be absent");
}

/*
 * The outer signatureAlgorithm against the TBS copy (inner may be NULL
 * when it could not be found), the algorithm and its parameters, and,
 * when the signer's key is known, the key type and curve.
 */
static void
check_sig(struct lctx *c, const X509_ALGOR *outer, const X509_ALGOR *inner,
    EVP_PKEY *signer, const struct sig_rules *sr)
{
	char name[80];
	int nid, md, pk;

	obj_name(name, outer->algorithm);
	if (inner == NULL || X509_ALGOR_cmp(outer, inner) != 0)
		add(c, sr->match, "the signature algorithm (%s) differs from "
		    "the one in the signed part", name);
	nid = OBJ_obj2nid(outer->algorithm);
	if (nid == NID_rsassaPss) {
		pk = NID_rsaEncryption;
		if ((md = check_pss(c, outer, sr)) == PSS_BAD)
			return;
	} else if (!OBJ_find_sigid_algs(nid, &md, &pk)) {
		add(c, sr->allowed, "signature algorithm %s is not allowed",
		    name);
		return;
	} else
		check_sig_params(c, outer, pk, sr);
	if (!md_allowed(md) || (pk != NID_rsaEncryption &&
	    pk != NID_X9_62_id_ecPublicKey))
		add(c, sr->allowed, "signature algorithm %s%s%s is not "
		    "allowed (ECDSA or RSA with SHA-256, SHA-384 or SHA-512)",
		    name, nid == NID_rsassaPss ? " with " : "",
		    nid != NID_rsassaPss ? "" : md != NID_undef ?
		    OBJ_nid2sn(md) : "an unknown hash");
	if (signer != NULL)
		check_sig_key(c, outer, signer, sr);
}

/* DNS names. */

enum dns_result { DNS_OK, DNS_SYNTAX, DNS_WILDCARD };

/* One label [A-Za-z0-9-]{1,63}, no hyphen at either end. */
static int
dns_label_ok(const unsigned char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

/*
 * Preferred name syntax (RFC 1034 3.5 as RFC 5280 4.2.1.6 requires),
 * at most 253 octets, no trailing dot; "*" as the whole first label when
 * wildcard is allowed.
 */
static enum dns_result
dns_check(const unsigned char *s, size_t len, int wildcard)
{
	size_t start = 0, i;
	int first = 1, star = 0;

	if (len == 0 || len > 253)
		return DNS_SYNTAX;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (first && wildcard && i - start == 1 && s[start] == '*')
			;
		else if (memchr(s + start, '*', i - start) != NULL)
			star = 1;
		else if (!dns_label_ok(s + start, i - start))
			return DNS_SYNTAX;
		first = 0;
		start = i + 1;
	}
	return star ? (wildcard ? DNS_WILDCARD : DNS_SYNTAX) : DNS_OK;
}

/* Certificates. */

struct certlint {
	struct lctx c;
	X509 *cert;
	const struct lint_expect *e;
	enum lint_kind kind;		/* resolved */
	int ca, self_issued, self_signed, check_entropy;
	struct ext bc, ku, eku, san, nc, ski, aki;
};

static void
cert_setup(struct certlint *l, X509 *cert, const struct lint_expect *e,
    struct lint_report *r)
{
	const STACK_OF(X509_EXTENSION) *exts = X509_get0_extensions(cert);
	const BASIC_CONSTRAINTS *bc;
	EVP_PKEY *pk;

	memset(l, 0, sizeof(*l));
	l->c.r = r;
	l->cert = cert;
	l->e = e;
	ext_get(exts, NID_basic_constraints, &l->bc);
	ext_get(exts, NID_key_usage, &l->ku);
	ext_get(exts, NID_ext_key_usage, &l->eku);
	ext_get(exts, NID_subject_alt_name, &l->san);
	ext_get(exts, NID_name_constraints, &l->nc);
	ext_get(exts, NID_subject_key_identifier, &l->ski);
	ext_get(exts, NID_authority_key_identifier, &l->aki);
	l->self_issued = X509_NAME_cmp(X509_get_issuer_name(cert),
	    X509_get_subject_name(cert)) == 0;
	pk = X509_get0_pubkey(cert);
	l->self_signed = l->self_issued && pk != NULL &&
	    X509_verify(cert, pk) == 1;
	ERR_clear_error();
	if (e != NULL && e->kind != LINT_AUTO)
		l->kind = e->kind;
	else {
		bc = l->bc.val;
		if (bc != NULL ? bc->ca != 0 :
		    l->bc.ext == NULL && ku_bit(&l->ku, KU_KEYCERTSIGN))
			l->kind = l->self_issued ? LINT_ROOT :
			    LINT_INTERMEDIATE;
		else
			l->kind = LINT_LEAF;
	}
	l->ca = l->kind != LINT_LEAF;
	l->check_entropy = e == NULL || e->check_entropy;
}

static void
cert_cleanup(struct certlint *l)
{
	ext_put(&l->bc);
	ext_put(&l->ku);
	ext_put(&l->eku);
	ext_put(&l->san);
	ext_put(&l->nc);
	ext_put(&l->ski);
	ext_put(&l->aki);
}

static void
check_serial(struct certlint *l)
{
	const ASN1_INTEGER *s = X509_get0_serialNumber(l->cert);
	long der = integer_der_len(s);
	int octets = integer_octets(s);

	if (all_zero(s)) {
		add(&l->c, R_SERIAL_NONZERO, "the serial number is zero");
		return;
	}
	if (ASN1_STRING_type(s) == V_ASN1_NEG_INTEGER)
		add(&l->c, R_SERIAL_POSITIVE, "the serial number is negative");
	if (der > 20)
		add(&l->c, R_SERIAL_LENGTH, "the serial number is %ld octets "
		    "long; at most 20 are allowed", der);
	/*
	 * 64 bits from a CSPRNG cannot be seen in one certificate; what
	 * can be seen is room for them: at least 8 significant octets.
	 */
	if (l->kind == LINT_LEAF && l->check_entropy && octets < 8)
		add(&l->c, R_SERIAL_ENTROPY, "the serial number has %d "
		    "significant octets; 8 or more are needed to hold 64 "
		    "random bits", octets);
}

static void
check_version(struct certlint *l)
{
	const ASN1_BIT_STRING *iuid, *suid;
	long v = X509_get_version(l->cert);

	if (X509_get_ext_count(l->cert) > 0 && v != X509_VERSION_3)
		add(&l->c, R_VERSION_V3, "the certificate has extensions but "
		    "is version %ld, not 3", v + 1);
	X509_get0_uids(l->cert, &iuid, &suid);
	if (iuid != NULL || suid != NULL)
		add(&l->c, R_UNIQUE_IDS, "the certificate has %s",
		    iuid != NULL ? "an issuerUniqueID" : "a subjectUniqueID");
}

/* 1 if the SAN holds a DNS name or IP address, or EKU serverAuth. */
static int
is_tls(const struct certlint *l)
{
	const GENERAL_NAMES *names = l->san.val;
	const EXTENDED_KEY_USAGE *eku = l->eku.val;
	int i;

	for (i = 0; i < sk_GENERAL_NAME_num(names); i++)
		if (sk_GENERAL_NAME_value(names, i)->type == GEN_DNS ||
		    sk_GENERAL_NAME_value(names, i)->type == GEN_IPADD)
			return 1;
	for (i = 0; i < sk_ASN1_OBJECT_num(eku); i++)
		if (OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i)) ==
		    NID_server_auth)
			return 1;
	return 0;
}

static void
check_validity(struct certlint *l)
{
	const ASN1_TIME *nb = X509_get0_notBefore(l->cert);
	const ASN1_TIME *na = X509_get0_notAfter(l->cert);
	char b1[ESC_MAX + 4], b2[ESC_MAX + 4];
	int days, secs;

	/* A wrong encoding is reported, but the dates still compare. */
	(void)check_time(&l->c, nb, "notBefore", &cert_time_rules);
	(void)check_time(&l->c, na, "notAfter", &cert_time_rules);
	if (time_year(nb) < 0 || time_year(na) < 0)
		return;
	if (ASN1_TIME_compare(nb, na) >= 0) {
		add(&l->c, R_VALIDITY_ORDER, "notAfter %s is not after "
		    "notBefore %s", esc_str(b1, na), esc_str(b2, nb));
		return;
	}
	if (l->kind == LINT_LEAF && is_tls(l) &&
	    ASN1_TIME_diff(&days, &secs, nb, na) &&
	    (days > 398 || (days == 398 && secs > 0)))
		add(&l->c, R_LEAF_VALIDITY_LONG, "the leaf is valid for %d "
		    "days; at most 398 are allowed for TLS", days);
}

static void
check_names(struct certlint *l)
{
	int empty = X509_NAME_entry_count(X509_get_subject_name(l->cert))
	    == 0;

	if (X509_NAME_entry_count(X509_get_issuer_name(l->cert)) == 0)
		add(&l->c, R_ISSUER_EMPTY, "the issuer name is empty");
	if (!empty) {
		if (l->san.critical)
			add(&l->c, R_SAN_CRITICAL, "subjectAltName is "
			    "critical although the subject is not empty");
		return;
	}
	if (l->ca)
		add(&l->c, R_SUBJECT_EMPTY, "a CA certificate has an empty "
		    "subject");
	else if (l->san.ext == NULL)
		add(&l->c, R_SUBJECT_EMPTY, "the subject is empty and there "
		    "is no subjectAltName");
	else if (!l->san.critical)
		add(&l->c, R_SUBJECT_EMPTY, "the subject is empty but "
		    "subjectAltName is not critical");
}

static void
check_ca_ext(struct certlint *l)
{
	const BASIC_CONSTRAINTS *bc = l->bc.val;

	if (l->bc.ext == NULL)
		add(&l->c, R_CA_BC_MISSING, "a CA certificate has no "
		    "basicConstraints");
	else {
		if (!l->bc.critical)
			add(&l->c, R_CA_BC_CRITICAL, "basicConstraints is not "
			    "critical");
		if (bc != NULL && !bc->ca)
			add(&l->c, R_CA_BC_CA_FALSE, "a CA certificate has "
			    "basicConstraints cA FALSE");
	}
	if (l->ku.ext == NULL)
		add(&l->c, R_CA_KU_MISSING, "a CA certificate has no "
		    "keyUsage");
	else {
		if (!l->ku.critical)
			add(&l->c, R_CA_KU_CRITICAL, "keyUsage is not "
			    "critical");
		if (l->ku.val != NULL && !ku_bit(&l->ku, KU_KEYCERTSIGN))
			add(&l->c, R_CA_KU_KEYCERTSIGN, "a CA certificate's "
			    "keyUsage does not assert keyCertSign");
	}
}

static void
check_root(struct certlint *l)
{
	const BASIC_CONSTRAINTS *bc = l->bc.val;

	if (!l->self_issued)
		add(&l->c, R_ROOT_SELF_SIGNED, "a root must be self-issued, "
		    "but issuer and subject differ");
	else if (!l->self_signed)
		add(&l->c, R_ROOT_SELF_SIGNED, "the root's signature does not "
		    "verify under its own key");
	if (bc != NULL && bc->pathlen != NULL)
		add(&l->c, R_ROOT_PATHLEN, "the root has a "
		    "pathLenConstraint");
	if (l->eku.ext != NULL)
		add(&l->c, R_ROOT_EKU, "the root has extKeyUsage");
}

static void
check_usage(struct certlint *l)
{
	const BASIC_CONSTRAINTS *bc = l->bc.val;
	const ASN1_BIT_STRING *ku = l->ku.val;

	if (l->ca)
		check_ca_ext(l);
	if (l->kind == LINT_ROOT)
		check_root(l);
	if (ku != NULL && all_zero(ku))
		add(&l->c, R_KU_EMPTY, "keyUsage asserts no bit");
	if (bc != NULL && bc->pathlen != NULL &&
	    (!bc->ca || (ku != NULL && !ku_bit(&l->ku, KU_KEYCERTSIGN))))
		add(&l->c, R_PATHLEN_NOT_CA, "pathLenConstraint is present "
		    "without %s", !bc->ca ? "cA TRUE" : "keyCertSign");
	if (l->ca)
		return;
	if (bc != NULL && bc->ca)
		add(&l->c, R_LEAF_CA, "a leaf certificate has basicConstraints "
		    "cA TRUE");
	if (ku_bit(&l->ku, KU_KEYCERTSIGN))
		add(&l->c, R_LEAF_KEYCERTSIGN, "a leaf certificate asserts "
		    "keyCertSign");
}

static void
check_keyids(struct certlint *l)
{
	const ASN1_OCTET_STRING *kid = aki_keyid(&l->aki);

	if (l->ski.ext == NULL)
		add(&l->c, l->ca ? R_CA_SKI_MISSING : R_LEAF_SKI_MISSING,
		    "there is no subjectKeyIdentifier");
	else if (l->ski.critical)
		add(&l->c, R_SKI_CRITICAL, "subjectKeyIdentifier is critical");
	if (l->aki.ext == NULL) {
		if (!(l->ca && l->self_issued))
			add(&l->c, R_AKI_MISSING, "there is no "
			    "authorityKeyIdentifier");
		return;
	}
	if (l->aki.critical)
		add(&l->c, R_AKI_CRITICAL, "authorityKeyIdentifier is "
		    "critical");
	if (l->aki.val != NULL && kid == NULL)
		add(&l->c, R_AKI_KEYID, "authorityKeyIdentifier has no "
		    "keyIdentifier");
	if (l->self_signed && kid != NULL && l->ski.val != NULL &&
	    ASN1_OCTET_STRING_cmp(kid, l->ski.val) != 0)
		add(&l->c, R_AKI_SELF, "the self-signed certificate's "
		    "authorityKeyIdentifier differs from its "
		    "subjectKeyIdentifier");
}

static void
check_san_name(struct certlint *l, const GENERAL_NAME *g)
{
	char buf[ESC_MAX + 4];
	const ASN1_STRING *s;
	enum dns_result d;

	if (g->type == GEN_DNS) {
		s = g->d.dNSName;
		d = dns_check(ASN1_STRING_get0_data(s),
		    (size_t)ASN1_STRING_length(s), 1);
		if (d == DNS_WILDCARD)
			add(&l->c, R_SAN_DNS_WILDCARD, "DNS name \"%s\" has a "
			    "wildcard that is not the whole leftmost label",
			    esc_str(buf, s));
		else if (d == DNS_SYNTAX)
			add(&l->c, R_SAN_DNS_SYNTAX, "DNS name \"%s\" is not a "
			    "valid host name", esc_str(buf, s));
	} else if (g->type == GEN_IPADD) {
		s = g->d.iPAddress;
		if (ASN1_STRING_length(s) != 4 && ASN1_STRING_length(s) != 16)
			add(&l->c, R_SAN_IP_LENGTH, "an IP address in "
			    "subjectAltName is %d octets, not 4 or 16",
			    ASN1_STRING_length(s));
	}
}

static void
check_san(struct certlint *l)
{
	const GENERAL_NAMES *names = l->san.val;
	int i;

	if (l->san.ext == NULL) {
		if (!l->ca)
			add(&l->c, R_SAN_MISSING, "the leaf has no "
			    "subjectAltName");
		return;
	}
	if (names == NULL)
		return;
	if (sk_GENERAL_NAME_num(names) == 0)
		add(&l->c, R_SAN_EMPTY, "subjectAltName holds no name");
	for (i = 0; i < sk_GENERAL_NAME_num(names); i++)
		check_san_name(l, sk_GENERAL_NAME_value(names, i));
}

/* 1 if the name g of the SAN equals the CN text cn (UTF-8). */
static int
cn_matches(const GENERAL_NAME *g, const unsigned char *cn, size_t len,
    const ASN1_OCTET_STRING *ip)
{
	const ASN1_STRING *s;

	switch (g->type) {
	case GEN_DNS:
	case GEN_EMAIL:
	case GEN_URI:
		s = g->d.ia5;
		return len > 0 && (size_t)ASN1_STRING_length(s) == len &&
		    strncasecmp((const char *)ASN1_STRING_get0_data(s),
		    (const char *)cn, len) == 0 && memchr(cn, 0, len) == NULL;
	case GEN_IPADD:
		return ip != NULL && ASN1_OCTET_STRING_cmp(ip,
		    g->d.iPAddress) == 0;
	default:
		return 0;
	}
}

/* 0 no match, 1 a DNS or IP match, 2 an e-mail or URI match. */
static int
cn_in_san(const struct certlint *l, const unsigned char *cn, size_t len)
{
	const GENERAL_NAMES *names = l->san.val;
	const GENERAL_NAME *g;
	ASN1_OCTET_STRING *ip = NULL;
	int i, found = 0;

	if (memchr(cn, 0, len) == NULL)
		ip = a2i_IPADDRESS((const char *)cn);
	ERR_clear_error();
	for (i = 0; i < sk_GENERAL_NAME_num(names) && found != 1; i++) {
		g = sk_GENERAL_NAME_value(names, i);
		if (cn_matches(g, cn, len, ip))
			found = g->type == GEN_DNS || g->type == GEN_IPADD ?
			    1 : 2;
	}
	ASN1_OCTET_STRING_free(ip);
	return found;
}

static void
check_cn(struct certlint *l)
{
	const X509_NAME *subj = X509_get_subject_name(l->cert);
	const ASN1_STRING *data;
	unsigned char *cn;
	char buf[ESC_MAX + 4];
	int loc = -1, count = 0, len, tls = is_tls(l), found;

	if (l->ca || l->san.val == NULL)
		return;
	while ((loc = X509_NAME_get_index_by_NID(subj, NID_commonName,
	    loc)) >= 0) {
		count++;
		data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj,
		    loc));
		if ((len = ASN1_STRING_to_UTF8(&cn, data)) < 0) {
			ERR_clear_error();
			cn = NULL;
			len = 0;
		}
		found = cn != NULL ? cn_in_san(l, cn, (size_t)len) : 0;
		esc_str(buf, data);
		if (tls && found != 1)
			add(&l->c, R_CN_NOT_IN_SAN, "CN \"%s\" is not one of "
			    "the subjectAltName DNS names or IP addresses",
			    buf);
		else if (!tls && found == 0)
			add(&l->c, R_CN_NOT_A_SAN, "CN \"%s\" is not in "
			    "subjectAltName (fine as a display name outside "
			    "TLS)", buf);
		OPENSSL_free(cn);
	}
	if (count > 1)
		add(&l->c, R_CN_MULTIPLE, "the subject has %d CNs", count);
}

static void
check_rsa(struct certlint *l, const EVP_PKEY *pk)
{
	BIGNUM *e = NULL;
	int bits = EVP_PKEY_get_bits(pk), min = l->ca ? 3072 : 2048;

	if (bits < min)
		add(&l->c, R_KEY_RSA_SIZE, "the RSA key has %d bits; a %s "
		    "needs at least %d", bits, l->ca ? "CA" : "leaf", min);
	else if (bits % 8 != 0)
		add(&l->c, R_KEY_RSA_SIZE, "the RSA modulus has %d bits, not a "
		    "multiple of 8", bits);
	if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
		ERR_clear_error();
		add(&l->c, R_KEY_RSA_EXPONENT, "the RSA public exponent "
		    "cannot be read");
		return;
	}
	if (!BN_is_odd(e) || BN_num_bits(e) < 2)
		add(&l->c, R_KEY_RSA_EXPONENT, "the RSA public exponent is "
		    "even or below 3");
	BN_free(e);
}

static void
check_key(struct certlint *l)
{
	EVP_PKEY *pk = X509_get0_pubkey(l->cert);
	int base, curve;

	ERR_clear_error();
	if (pk == NULL) {
		add(&l->c, R_KEY_TYPE, "the public key cannot be decoded");
		return;
	}
	base = EVP_PKEY_get_base_id(pk);
	if (base == EVP_PKEY_RSA) {
		check_rsa(l, pk);
		return;
	}
	if (base != EVP_PKEY_EC) {
		add(&l->c, R_KEY_TYPE, "public key type %s is not allowed "
		    "(RSA or ECDSA P-256, P-384)", base == EVP_PKEY_RSA_PSS ?
		    "RSASSA-PSS" : OBJ_nid2sn(base) != NULL ?
		    OBJ_nid2sn(base) : "unknown");
		return;
	}
	curve = ec_curve(pk);
	if (curve == NID_secp521r1)
		add(&l->c, R_KEY_EC_P521, "the key is on P-521, which many "
		    "clients do not support; use P-256 or P-384");
	else if (curve != NID_X9_62_prime256v1 && curve != NID_secp384r1)
		add(&l->c, R_KEY_EC_CURVE, "the EC key is on %s; only P-256 "
		    "and P-384 are allowed", curve == NID_undef ?
		    "explicit or unknown parameters" : OBJ_nid2sn(curve));
}

/* Name constraints. */

/* 1 if the second half of an 8- or 32-octet iPAddress is a prefix mask. */
static int
mask_contiguous(const unsigned char *m, int n)
{
	int i, zero = 0;
	unsigned char b;

	for (i = 0; i < n; i++) {
		b = m[i];
		if (zero && b != 0)
			return 0;
		if (b == 0xff)
			continue;
		/* b must be 1...10...0: its complement plus one is a power
		 * of two. */
		if ((((unsigned)(unsigned char)~b + 1) &
		    (unsigned)(unsigned char)~b) != 0)
			return 0;
		zero = 1;
	}
	return 1;
}

static void
check_subtree(struct certlint *l, const GENERAL_SUBTREE *st,
    const char *which)
{
	const ASN1_STRING *s;
	char buf[ESC_MAX + 4];
	int len;

	if ((st->minimum != NULL && !all_zero(st->minimum)) ||
	    st->maximum != NULL)
		add(&l->c, R_NC_MIN_MAX, "a %s subtree has a minimum other "
		    "than 0 or a maximum", which);
	if (st->base->type == GEN_DNS) {
		s = st->base->d.dNSName;
		len = ASN1_STRING_length(s);
		if (len > 0 && ASN1_STRING_get0_data(s)[0] == '.')
			add(&l->c, R_NC_DNS_LEADING_DOT, "%s dNSName "
			    "constraint \"%s\" has a leading dot; write it "
			    "without (it covers the name and all below)",
			    which, esc_str(buf, s));
		else if (len > 0 && dns_check(ASN1_STRING_get0_data(s),
		    (size_t)len, 0) != DNS_OK)
			add(&l->c, R_NC_DNS_SYNTAX, "%s dNSName constraint "
			    "\"%s\" is not a DNS name", which,
			    esc_str(buf, s));
	} else if (st->base->type == GEN_IPADD) {
		s = st->base->d.iPAddress;
		len = ASN1_STRING_length(s);
		if (len != 8 && len != 32)
			add(&l->c, R_NC_IP_LENGTH, "a %s iPAddress constraint "
			    "is %d octets, not 8 or 32", which, len);
		else if (!mask_contiguous(ASN1_STRING_get0_data(s) + len / 2,
		    len / 2))
			add(&l->c, R_NC_IP_MASK, "a %s iPAddress constraint's "
			    "mask is not contiguous", which);
	}
}

static void
check_subtrees(struct certlint *l, const STACK_OF(GENERAL_SUBTREE) *sk,
    const char *which)
{
	int i;

	if (sk != NULL && sk_GENERAL_SUBTREE_num(sk) == 0)
		add(&l->c, R_NC_EMPTY, "%sSubtrees is present but empty",
		    which);
	for (i = 0; i < sk_GENERAL_SUBTREE_num(sk); i++)
		check_subtree(l, sk_GENERAL_SUBTREE_value(sk, i), which);
}

static void
check_nc(struct certlint *l)
{
	const NAME_CONSTRAINTS *nc = l->nc.val;

	if (l->nc.ext == NULL)
		return;
	if (!l->ca)
		add(&l->c, R_NC_NOT_CA, "a leaf certificate has "
		    "nameConstraints");
	if (!l->nc.critical)
		add(&l->c, R_NC_CRITICAL, "nameConstraints is not critical");
	if (nc == NULL)
		return;
	if (sk_GENERAL_SUBTREE_num(nc->permittedSubtrees) <= 0 &&
	    sk_GENERAL_SUBTREE_num(nc->excludedSubtrees) <= 0)
		add(&l->c, R_NC_EMPTY, "nameConstraints has neither permitted "
		    "nor excluded subtrees");
	check_subtrees(l, nc->permittedSubtrees, "permitted");
	check_subtrees(l, nc->excludedSubtrees, "excluded");
}

/* EKUs. */

static const char *const eku_names[] = {
	"serverAuth", "clientAuth", "codeSigning", "emailProtection",
	"OCSPSigning", "timeStamping"
};

static int
eku_nid(const char *name)
{
	size_t i;

	for (i = 0; i < NELEM(eku_names); i++)
		if (strcmp(name, eku_names[i]) == 0)
			return OBJ_sn2nid(name);
	return NID_undef;
}

static int
check_expect(const struct lint_expect *e)
{
	size_t i;

	if (e == NULL || e->ekus == NULL)
		return 0;
	for (i = 0; i < e->nekus; i++)
		if (e->ekus[i] == NULL || eku_nid(e->ekus[i]) == NID_undef)
			return err_set(ERR_USAGE, "unknown EKU \"%s\" (known: "
			    "serverAuth, clientAuth, codeSigning, "
			    "emailProtection, OCSPSigning, timeStamping)",
			    e->ekus[i] != NULL ? e->ekus[i] : "(null)");
	return 0;
}

static int
eku_has(const EXTENDED_KEY_USAGE *eku, int nid)
{
	int i;

	for (i = 0; i < sk_ASN1_OBJECT_num(eku); i++)
		if (OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i)) == nid)
			return 1;
	return 0;
}

static void
check_eku_profile(struct certlint *l)
{
	const EXTENDED_KEY_USAGE *eku = l->eku.val;
	const ASN1_OBJECT *obj;
	char name[80];
	size_t j;
	int i, nid;

	for (j = 0; j < l->e->nekus; j++)
		if (!eku_has(eku, eku_nid(l->e->ekus[j])))
			add(&l->c, R_EKU_MISSING, "extKeyUsage lacks %s, "
			    "which the profile requires", l->e->ekus[j]);
	for (i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
		obj = sk_ASN1_OBJECT_value(eku, i);
		nid = OBJ_obj2nid(obj);
		for (j = 0; j < l->e->nekus; j++)
			if (nid != NID_undef &&
			    nid == eku_nid(l->e->ekus[j]))
				break;
		if (j == l->e->nekus)
			add(&l->c, R_EKU_EXTRA, "extKeyUsage %s is not in the "
			    "profile", obj_name(name, obj));
	}
}

static void
check_eku(struct certlint *l)
{
	const EXTENDED_KEY_USAGE *eku = l->eku.val;

	if (l->eku.ext == NULL && l->kind == LINT_LEAF)
		add(&l->c, R_LEAF_EKU_MISSING, "the leaf has no extKeyUsage");
	if (eku != NULL && sk_ASN1_OBJECT_num(eku) == 0)
		add(&l->c, R_EKU_EMPTY, "extKeyUsage holds no purpose");
	if (eku_has(eku, NID_anyExtendedKeyUsage))
		add(&l->c, R_EKU_ANY, "extKeyUsage holds "
		    "anyExtendedKeyUsage");
	if (l->e != NULL && l->e->ekus != NULL &&
	    (l->eku.ext == NULL || eku != NULL))
		check_eku_profile(l);
}

int
lint_cert(X509 *cert, const struct lint_expect *e, struct lint_report *r)
{
	struct certlint l;
	const ASN1_BIT_STRING *sig;
	const X509_ALGOR *outer;
	int ret;

	if ((ret = check_expect(e)) != 0)
		return ret;
	cert_setup(&l, cert, e, r);
	check_exts(&l.c, X509_get0_extensions(cert), cert_known_nids,
	    NELEM(cert_known_nids), &cert_ext_rules, "");
	check_serial(&l);
	check_version(&l);
	check_validity(&l);
	check_names(&l);
	check_usage(&l);
	check_keyids(&l);
	check_san(&l);
	check_cn(&l);
	check_key(&l);
	X509_get0_signature(&sig, &outer, cert);
	check_sig(&l.c, outer, X509_get0_tbs_sigalg(cert),
	    l.self_issued ? X509_get0_pubkey(cert) : NULL, &cert_sig_rules);
	check_nc(&l);
	check_eku(&l);
	cert_cleanup(&l);
	ERR_clear_error();
	if (l.c.oom)
		return err_set(ERR_INTERNAL, "out of memory while linting");
	return 0;
}

/* A certificate against its issuer. */

static void
check_issuer_ca(struct lctx *c, const struct ext *cbc,
    const struct ext *ibc, const struct ext *iku, int self_issued)
{
	const BASIC_CONSTRAINTS *bc = ibc->val, *sbc = cbc->val;

	if (bc == NULL || !bc->ca || (iku->val != NULL &&
	    !ku_bit(iku, KU_KEYCERTSIGN)))
		add(c, R_ISSUER_NOT_CA, "the issuer certificate is not a CA "
		    "with keyCertSign");
	else if (bc->pathlen != NULL && sbc != NULL && sbc->ca &&
	    !self_issued && ASN1_INTEGER_get(bc->pathlen) <= 0)
		add(c, R_ISSUER_PATHLEN, "the issuer's pathLenConstraint 0 "
		    "allows no CA certificate below it");
}

static void
check_issuer_nc(struct lctx *c, X509 *cert, NAME_CONSTRAINTS *nc,
    const struct ext *cbc)
{
	const BASIC_CONSTRAINTS *bc = cbc->val;
	int rv;

	if (nc == NULL)
		return;
	/* Fills the extension cache that NAME_CONSTRAINTS_check reads. */
	(void)X509_check_purpose(cert, -1, 0);
	rv = NAME_CONSTRAINTS_check(cert, nc);
	if (rv == X509_V_OK && (bc == NULL || !bc->ca))
		rv = NAME_CONSTRAINTS_check_CN(cert, nc);
	ERR_clear_error();
	if (rv != X509_V_OK)
		add(c, R_ISSUER_NC, "a name is outside the issuer's name "
		    "constraints (%s)", X509_verify_cert_error_string(rv));
}

static void
check_issuer_validity(struct lctx *c, X509 *cert, X509 *issuer)
{
	if (ASN1_TIME_compare(X509_get0_notAfter(cert),
	    X509_get0_notAfter(issuer)) > 0)
		add(c, R_ISSUER_VALIDITY, "notAfter is after the issuer's "
		    "notAfter");
	if (ASN1_TIME_compare(X509_get0_notBefore(cert),
	    X509_get0_notBefore(issuer)) < 0)
		add(c, R_ISSUER_VALIDITY, "notBefore is before the issuer's "
		    "notBefore");
	ERR_clear_error();
}

/* The certificate's names, key ids and constraints against the issuer. */
static void
check_against(struct lctx *c, X509 *cert, X509 *issuer)
{
	struct ext aki, cbc, ski, ibc, iku, inc;
	const ASN1_OCTET_STRING *kid;

	ext_get(X509_get0_extensions(cert), NID_authority_key_identifier,
	    &aki);
	ext_get(X509_get0_extensions(cert), NID_basic_constraints, &cbc);
	ext_get(X509_get0_extensions(issuer), NID_subject_key_identifier,
	    &ski);
	ext_get(X509_get0_extensions(issuer), NID_basic_constraints, &ibc);
	ext_get(X509_get0_extensions(issuer), NID_key_usage, &iku);
	ext_get(X509_get0_extensions(issuer), NID_name_constraints, &inc);
	if (X509_NAME_cmp(X509_get_issuer_name(cert),
	    X509_get_subject_name(issuer)) != 0)
		add(c, R_ISSUER_NAME, "the issuer name differs from the "
		    "issuer certificate's subject");
	kid = aki_keyid(&aki);
	if (kid != NULL && ski.val != NULL &&
	    ASN1_OCTET_STRING_cmp(kid, ski.val) != 0)
		add(c, R_ISSUER_AKI, "the authorityKeyIdentifier differs "
		    "from the issuer's subjectKeyIdentifier");
	check_issuer_ca(c, &cbc, &ibc, &iku, X509_NAME_cmp(
	    X509_get_issuer_name(cert), X509_get_subject_name(cert)) == 0);
	check_issuer_validity(c, cert, issuer);
	check_issuer_nc(c, cert, inc.val, &cbc);
	ext_put(&aki);
	ext_put(&cbc);
	ext_put(&ski);
	ext_put(&ibc);
	ext_put(&iku);
	ext_put(&inc);
}

static int
issuer_lint(X509 *cert, X509 *issuer, int verify, struct lint_report *r)
{
	struct lctx c = { .r = r };
	const ASN1_BIT_STRING *sig;
	const X509_ALGOR *alg;
	EVP_PKEY *pk = X509_get0_pubkey(issuer);

	check_against(&c, cert, issuer);
	if (verify && (pk == NULL || X509_verify(cert, pk) != 1))
		add(&c, R_ISSUER_SIGNATURE, "the signature does not verify "
		    "under the issuer's key");
	X509_get0_signature(&sig, &alg, cert);
	if (pk != NULL)
		check_sig_key(&c, alg, pk, &cert_sig_rules);
	ERR_clear_error();
	if (c.oom)
		return err_set(ERR_INTERNAL, "out of memory while linting");
	return 0;
}

int
lint_cert_issuer(X509 *cert, X509 *issuer, struct lint_report *r)
{
	return issuer_lint(cert, issuer, 1, r);
}

int
lint_cert_issuer_tbs(X509 *cert, X509 *issuer, struct lint_report *r)
{
	return issuer_lint(cert, issuer, 0, r);
}

/* CRLs. */

struct crllint {
	struct lctx c;
	X509_CRL *crl;
	X509 *issuer;
	struct ext number, aki, idp;
	int delta;
};

/*
 * The AlgorithmIdentifier in the signed part of a CRL, which OpenSSL
 * 3.0 has no accessor for: CertificateList ::= SEQUENCE { tbsCertList
 * SEQUENCE { version INTEGER OPTIONAL, signature AlgorithmIdentifier,
 * ... } ... }.  NULL if it cannot be found.
 */
static X509_ALGOR *
crl_inner_alg(X509_CRL *crl)
{
	unsigned char *der = NULL;
	const unsigned char *p, *q, *end;
	X509_ALGOR *alg = NULL;
	long len;
	int n, tag, cls;

	if ((n = i2d_X509_CRL(crl, &der)) <= 0)
		goto out;
	p = der;
	end = der + n;
	if ((ASN1_get_object(&p, &len, &tag, &cls, end - p) & 0x80) ||
	    (ASN1_get_object(&p, &len, &tag, &cls, end - p) & 0x80) ||
	    tag != V_ASN1_SEQUENCE)
		goto out;
	q = p;
	if ((ASN1_get_object(&q, &len, &tag, &cls, end - q) & 0x80))
		goto out;
	if (tag == V_ASN1_INTEGER && cls == V_ASN1_UNIVERSAL)
		p = q + len;
	alg = d2i_X509_ALGOR(NULL, &p, end - p);
out:
	OPENSSL_free(der);
	ERR_clear_error();
	return alg;
}

static void
check_crl_times(struct crllint *l)
{
	const ASN1_TIME *tu = X509_CRL_get0_lastUpdate(l->crl);
	const ASN1_TIME *nu = X509_CRL_get0_nextUpdate(l->crl);
	char b1[ESC_MAX + 4], b2[ESC_MAX + 4];

	(void)check_time(&l->c, tu, "thisUpdate", &crl_time_rules);
	if (nu == NULL) {
		add(&l->c, R_CRL_NEXT_UPDATE_MISSING, "the CRL has no "
		    "nextUpdate");
		return;
	}
	(void)check_time(&l->c, nu, "nextUpdate", &crl_time_rules);
	if (time_year(tu) >= 0 && time_year(nu) >= 0 &&
	    ASN1_TIME_compare(tu, nu) >= 0)
		add(&l->c, R_CRL_UPDATE_ORDER, "nextUpdate %s is not after "
		    "thisUpdate %s", esc_str(b1, nu), esc_str(b2, tu));
}

static void
check_crl_number(struct crllint *l)
{
	const ASN1_INTEGER *num = l->number.val;
	long der;

	if (l->number.ext == NULL) {
		add(&l->c, R_CRL_NUMBER_MISSING, "the CRL has no CRL number");
		return;
	}
	if (l->number.critical)
		add(&l->c, R_CRL_NUMBER_CRITICAL, "the CRL number is "
		    "critical");
	if (num == NULL)
		return;
	if (ASN1_STRING_type(num) == V_ASN1_NEG_INTEGER)
		add(&l->c, R_CRL_NUMBER_NEGATIVE, "the CRL number is "
		    "negative");
	if ((der = integer_der_len(num)) > 20)
		add(&l->c, R_CRL_NUMBER_LENGTH, "the CRL number is %ld octets "
		    "long; at most 20 are allowed", der);
}

static void
check_crl_exts(struct crllint *l)
{
	check_exts(&l->c, X509_CRL_get0_extensions(l->crl), crl_known_nids,
	    NELEM(crl_known_nids), &crl_ext_rules, "");
	check_crl_number(l);
	if (l->aki.ext == NULL)
		add(&l->c, R_CRL_AKI_MISSING, "the CRL has no "
		    "authorityKeyIdentifier");
	else if (l->aki.val != NULL && aki_keyid(&l->aki) == NULL)
		add(&l->c, R_CRL_AKI_KEYID, "the CRL's authorityKeyIdentifier "
		    "has no keyIdentifier");
	if (l->idp.ext != NULL && !l->idp.critical)
		add(&l->c, R_CRL_IDP_CRITICAL, "issuingDistributionPoint is "
		    "not critical");
}

static void
check_reason(struct crllint *l, X509_REVOKED *rev, long n)
{
	struct ext reason;
	long code;

	ext_get(X509_REVOKED_get0_extensions(rev), NID_crl_reason, &reason);
	if (reason.ext == NULL)
		return;
	if (reason.critical)
		add(&l->c, R_CRL_REASON_CRITICAL, "entry %ld: reasonCode is "
		    "critical", n);
	if (reason.val != NULL) {
		code = ASN1_ENUMERATED_get(reason.val);
		if (code < 0 || code == 7 || code > 10)
			add(&l->c, R_CRL_REASON_CODE, "entry %ld: reasonCode "
			    "%ld is not defined", n, code);
		else if (code == 0)
			add(&l->c, R_CRL_REASON_UNSPECIFIED, "entry %ld: "
			    "reasonCode unspecified; leave the reason out "
			    "instead", n);
		else if (code == 8 && !l->delta)
			add(&l->c, R_CRL_REASON_REMOVE, "entry %ld: "
			    "reasonCode removeFromCRL in a CRL that is not a "
			    "delta CRL", n);
	}
	ext_put(&reason);
	ERR_clear_error();
}

/* One revoked entry; n counts from 1. */
static void
check_entry(struct crllint *l, X509_REVOKED *rev, long n)
{
	const ASN1_TIME *t = X509_REVOKED_get0_revocationDate(rev);
	char where[40];

	snprintf(where, sizeof(where), "entry %ld: ", n);
	check_exts(&l->c, X509_REVOKED_get0_extensions(rev),
	    entry_known_nids, NELEM(entry_known_nids), &entry_ext_rules,
	    where);
	snprintf(where, sizeof(where), "entry %ld: revocationDate", n);
	if (check_time(&l->c, t, where, &crl_time_rules) &&
	    ASN1_TIME_compare(t, X509_CRL_get0_lastUpdate(l->crl)) > 0)
		add(&l->c, R_CRL_REVOCATION_DATE, "entry %ld: the revocation "
		    "date is after thisUpdate", n);
	check_reason(l, rev, n);
}

static int
cmp_serial(const void *a, const void *b)
{
	const ASN1_INTEGER *const *x = a, *const *y = b;

	return ASN1_INTEGER_cmp(*x, *y);
}

/* Duplicate serials, by sorting a copy: a CRL may list a million. */
static void
check_duplicates(struct crllint *l, STACK_OF(X509_REVOKED) *revoked)
{
	const ASN1_INTEGER **serials;
	char buf[ESC_MAX + 4], *hex;
	BIGNUM *bn;
	int i, n = sk_X509_REVOKED_num(revoked);

	if (n < 2)
		return;
	if ((serials = calloc((size_t)n, sizeof(*serials))) == NULL) {
		l->c.oom = 1;
		return;
	}
	for (i = 0; i < n; i++)
		serials[i] = X509_REVOKED_get0_serialNumber(
		    sk_X509_REVOKED_value(revoked, i));
	qsort(serials, (size_t)n, sizeof(*serials), cmp_serial);
	for (i = 1; i < n; i++) {
		if (ASN1_INTEGER_cmp(serials[i - 1], serials[i]) != 0)
			continue;
		hex = NULL;
		if ((bn = ASN1_INTEGER_to_BN(serials[i], NULL)) != NULL)
			hex = BN_bn2hex(bn);
		add(&l->c, R_CRL_ENTRY_DUPLICATE, "serial %s is listed more "
		    "than once", hex != NULL ? esc(buf, (unsigned char *)hex,
		    strlen(hex)) : "?");
		OPENSSL_free(hex);
		BN_free(bn);
	}
	free(serials);
	ERR_clear_error();
}

/*
 * After a capped walk: the last finding of each rule that hit the cap
 * says how many were left out.
 */
static void
note_capped(struct crllint *l)
{
	struct lint_finding *f;
	size_t i, used;
	int id;

	for (id = 0; id < R_COUNT; id++) {
		if (l->c.hits[id] <= ENTRY_FINDINGS_MAX)
			continue;
		for (i = l->c.r->count; i-- > 0; ) {
			f = &l->c.r->findings[i];
			if (f->rule != rules[id].id)
				continue;
			used = strlen(f->message);
			snprintf(f->message + used, sizeof(f->message) - used,
			    " (and %lu more entries)",
			    l->c.hits[id] - ENTRY_FINDINGS_MAX);
			break;
		}
	}
}

static void
check_entries(struct crllint *l)
{
	STACK_OF(X509_REVOKED) *revoked = X509_CRL_get_REVOKED(l->crl);
	int i;

	l->c.capped = 1;
	for (i = 0; i < sk_X509_REVOKED_num(revoked); i++)
		check_entry(l, sk_X509_REVOKED_value(revoked, i), i + 1L);
	check_duplicates(l, revoked);
	l->c.capped = 0;
	note_capped(l);
}

static void
check_crl_issuer(struct crllint *l)
{
	struct ext ski, ku;
	const ASN1_OCTET_STRING *kid = aki_keyid(&l->aki);
	EVP_PKEY *pk = X509_get0_pubkey(l->issuer);

	ext_get(X509_get0_extensions(l->issuer), NID_subject_key_identifier,
	    &ski);
	ext_get(X509_get0_extensions(l->issuer), NID_key_usage, &ku);
	if (X509_NAME_cmp(X509_CRL_get_issuer(l->crl),
	    X509_get_subject_name(l->issuer)) != 0)
		add(&l->c, R_CRL_ISSUER_NAME, "the CRL issuer differs from the "
		    "issuer certificate's subject");
	if (kid != NULL && ski.val != NULL &&
	    ASN1_OCTET_STRING_cmp(kid, ski.val) != 0)
		add(&l->c, R_CRL_ISSUER_AKI, "the CRL's authorityKeyIdentifier "
		    "differs from the issuer's subjectKeyIdentifier");
	if (pk == NULL || X509_CRL_verify(l->crl, pk) != 1)
		add(&l->c, R_CRL_SIGNATURE, "the CRL signature does not verify "
		    "under the issuer's key");
	if (ku.val != NULL && !ku_bit(&ku, KU_CRLSIGN))
		add(&l->c, R_CRL_ISSUER_CRLSIGN, "the issuer's keyUsage does "
		    "not assert cRLSign");
	ext_put(&ski);
	ext_put(&ku);
	ERR_clear_error();
}

int
lint_crl(X509_CRL *crl, X509 *issuer, struct lint_report *r)
{
	const STACK_OF(X509_EXTENSION) *exts = X509_CRL_get0_extensions(crl);
	struct crllint crllint, *l = &crllint;
	const ASN1_BIT_STRING *sig;
	const X509_ALGOR *outer;
	X509_ALGOR *inner;
	int ret = 0;

	memset(l, 0, sizeof(*l));
	l->c.r = r;
	l->crl = crl;
	l->issuer = issuer;
	ext_get(exts, NID_crl_number, &l->number);
	ext_get(exts, NID_authority_key_identifier, &l->aki);
	ext_get(exts, NID_issuing_distribution_point, &l->idp);
	l->delta = X509v3_get_ext_by_NID(exts, NID_delta_crl, -1) >= 0;
	if (X509_CRL_get_version(crl) != 1)
		add(&l->c, R_CRL_VERSION, "the CRL is version %ld, not 2",
		    X509_CRL_get_version(crl) + 1);
	if (X509_NAME_entry_count(X509_CRL_get_issuer(crl)) == 0)
		add(&l->c, R_CRL_ISSUER_EMPTY, "the CRL issuer name is empty");
	check_crl_times(l);
	check_crl_exts(l);
	X509_CRL_get0_signature(crl, &sig, &outer);
	inner = crl_inner_alg(crl);
	check_sig(&l->c, outer, inner, issuer != NULL ?
	    X509_get0_pubkey(issuer) : NULL, &crl_sig_rules);
	X509_ALGOR_free(inner);
	check_entries(l);
	if (issuer != NULL)
		check_crl_issuer(l);
	if (l->c.oom)
		ret = err_set(ERR_INTERNAL, "out of memory while linting");
	ext_put(&l->number);
	ext_put(&l->aki);
	ext_put(&l->idp);
	ERR_clear_error();
	return ret;
}

/* Reports. */

const char *
lint_severity_name(enum lint_severity s)
{
	return s == LINT_ERROR ? "error" : s == LINT_WARNING ? "warning" :
	    "notice";
}

int
lint_report_text(const struct lint_report *r, const char *subject,
    char **text)
{
	const struct lint_finding *f;
	char *buf = NULL;
	size_t size, i;
	FILE *fp;
	int ret = 0;

	*text = NULL;
	if ((fp = open_memstream(&buf, &size)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	for (i = 0; i < r->count; i++) {
		f = &r->findings[i];
		if (subject != NULL)
			fprintf(fp, "%s: ", subject);
		fprintf(fp, "%s: %s (%s): %s\n",
		    lint_severity_name(f->severity), f->rule, f->source,
		    f->message);
	}
	if (ferror(fp))
		ret = err_set(ERR_INTERNAL, "out of memory");
	if (fclose(fp) != 0 && ret == 0)
		ret = err_set(ERR_INTERNAL, "out of memory");
	if (ret != 0) {
		free(buf);
		return ret;
	}
	*text = buf;
	return 0;
}

void
lint_report_free(struct lint_report *r)
{
	if (r == NULL)
		return;
	free(r->findings);
	memset(r, 0, sizeof(*r));
}

const struct lint_rule *
lint_rules(size_t *count)
{
	*count = R_COUNT;
	return rules;
}
