/*
 * test_renewal.c: unit tests for common/renewal.c.
 *
 * Covers renewal_parse_ratio() (valid fractions, every malformed form,
 * out of range, overflow); renewal_due() (2/3, 1/1, 1/1000, floor
 * rounding, --before, a lifetime of eight thousand years without
 * overflow, a fraction out of range); renewal_generate_key() (P-256,
 * P-384, RSA 2048, Ed25519 keep their type and differ from the old key;
 * X25519 is refused); renewal_request() (a signature that verifies, the
 * CN alone as subject, the subjectAltName byte for byte or none, the
 * digest by key type, a certificate without CN); renewal_names() (DNS,
 * IPv4, IPv6, URI and e-mail as text; no SAN; an otherName, a NUL byte
 * and two SAN extensions refused).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "harness.h"
#include "renewal.h"
#include "secmem.h"

static EVP_PKEY *
keygen(const char *alg, const char *arg)
{
	if (strcmp(alg, "RSA") == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if (arg != NULL)
		return EVP_PKEY_Q_keygen(NULL, NULL, alg, arg);
	return EVP_PKEY_Q_keygen(NULL, NULL, alg);
}

/* A certificate for key valid from nb to na, with subject cn (or none)
 * and a subjectAltName in OpenSSL's config syntax (or none). */
static X509 *
mkcert(EVP_PKEY *key, time_t nb, time_t na, const char *cn, const char *san)
{
	X509 *x = X509_new();
	X509_EXTENSION *ext;

	if (x == NULL)
		return NULL;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	ASN1_TIME_set(X509_getm_notBefore(x), nb);
	ASN1_TIME_set(X509_getm_notAfter(x), na);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "O", MBSTRING_ASC,
	    (const unsigned char *)"Example", -1, -1, 0);
	if (cn != NULL)
		X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
		    MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	if (san != NULL) {
		ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name,
		    san);
		if (ext == NULL || X509_add_ext(x, ext, -1) != 1) {
			X509_EXTENSION_free(ext);
			X509_free(x);
			return NULL;
		}
		X509_EXTENSION_free(ext);
	}
	return x;
}

static void
test_parse_ratio(void)
{
	static const char *const bad[] = { "", "2", "/3", "2/", "0/3", "01/3",
	    "2/03", "-1/3", "+1/3", "3/2", "1/1001", "2/3x", "2 /3", "1/0",
	    "99999999999999999999/3", "1/99999999999999999999", NULL };
	unsigned long n = 0, d = 0;
	size_t i;

	CHECK_RC(renewal_parse_ratio("2/3", &n, &d), 0, "2/3 parses");
	CHECK(n == 2 && d == 3, "2/3 is 2 and 3");
	CHECK_RC(renewal_parse_ratio("1/1", &n, &d), 0, "1/1 parses");
	CHECK(n == 1 && d == 1, "1/1 is 1 and 1");
	CHECK_RC(renewal_parse_ratio("999/1000", &n, &d), 0,
	    "999/1000 parses");
	CHECK(n == 999 && d == 1000, "999/1000 is 999 and 1000");
	for (i = 0; bad[i] != NULL; i++)
		CHECK_RC(renewal_parse_ratio(bad[i], &n, &d), ERR_USAGE,
		    "\"%s\" is refused", bad[i]);
	CHECK(strstr(err_msg(), "1/99999999999999999999") != NULL,
	    "the message names the text");
}

static void
test_due(EVP_PKEY *key)
{
	time_t t0 = 1700000000, due = 0, na = 0;
	long long life = 8000LL * 366 * 86400;
	X509 *c = mkcert(key, t0, t0 + 3000, "a", NULL);
	X509 *tiny = mkcert(key, t0, t0 + 10, "a", NULL);
	X509 *huge = mkcert(key, -(time_t)1000000000, -(time_t)1000000000 +
	    (time_t)life, "a", NULL);

	CHECK(c != NULL && tiny != NULL && huge != NULL, "test certificates");
	CHECK_RC(renewal_due(c, 0, 2, 3, &due, &na), 0, "2/3 of 3000 s");
	CHECK(due == t0 + 2000 && na == t0 + 3000,
	    "due 2000 s after notBefore, notAfter read");
	CHECK_RC(renewal_due(c, 0, 1, 1, &due, &na), 0, "1/1");
	CHECK(due == t0 + 3000, "1/1: due at notAfter");
	CHECK_RC(renewal_due(c, 0, 1, 1000, &due, &na), 0, "1/1000");
	CHECK(due == t0 + 3, "1/1000 of 3000 s is 3 s");
	CHECK_RC(renewal_due(tiny, 0, 2, 3, &due, &na), 0, "2/3 of 10 s");
	CHECK(due == t0 + 6, "2/3 of 10 s rounds down to 6 s");
	CHECK_RC(renewal_due(c, 100, 0, 0, &due, &na), 0, "before 100 s");
	CHECK(due == t0 + 2900, "before 100 s: 100 s ahead of notAfter");
	CHECK_RC(renewal_due(huge, 0, 999, 1000, &due, &na), 0,
	    "8000 years");
	CHECK((long long)due == -1000000000LL + life / 1000 * 999,
	    "8000 years, 999/1000: exact, no overflow");
	CHECK_RC(renewal_due(c, 0, 3, 2, &due, &na), ERR_USAGE,
	    "3/2 is refused");
	CHECK_RC(renewal_due(c, 0, 0, 3, &due, &na), ERR_USAGE,
	    "0/3 is refused");
	CHECK_RC(renewal_due(c, 0, 1, 1001, &due, &na), ERR_USAGE,
	    "1/1001 is refused");
	X509_free(c);
	X509_free(tiny);
	X509_free(huge);
}

static void
one_keygen(const char *alg, const char *arg, const char *what)
{
	EVP_PKEY *old = keygen(alg, arg), *key = NULL;
	char g1[64] = "", g2[64] = "";
	size_t len;

	CHECK_RC(renewal_generate_key(old, &key), 0, "%s: a new key", what);
	if (key == NULL) {
		EVP_PKEY_free(old);
		return;
	}
	CHECK(EVP_PKEY_get_base_id(key) == EVP_PKEY_get_base_id(old) &&
	    EVP_PKEY_get_bits(key) == EVP_PKEY_get_bits(old),
	    "%s: same algorithm and size", what);
	if (EVP_PKEY_get_base_id(old) == EVP_PKEY_EC) {
		EVP_PKEY_get_utf8_string_param(old, "group", g1, sizeof(g1),
		    &len);
		EVP_PKEY_get_utf8_string_param(key, "group", g2, sizeof(g2),
		    &len);
		CHECK(g1[0] != '\0' && strcmp(g1, g2) == 0,
		    "%s: same curve (%s)", what, g2);
	}
	CHECK(EVP_PKEY_eq(old, key) != 1, "%s: not the old key", what);
	EVP_PKEY_free(old);
	EVP_PKEY_free(key);
}

static void
test_generate_key(void)
{
	EVP_PKEY *x = keygen("X25519", NULL), *key = NULL;

	one_keygen("EC", "P-256", "P-256");
	one_keygen("EC", "P-384", "P-384");
	one_keygen("RSA", NULL, "RSA 2048");
	one_keygen("ED25519", NULL, "Ed25519");
	CHECK_RC(renewal_generate_key(x, &key), ERR_DATA,
	    "an X25519 key is refused");
	CHECK(key == NULL, "no key on error");
	EVP_PKEY_free(x);
}

/* The DER of the subjectAltName extension's value, or of req's. */
static int
san_der(const ASN1_OCTET_STRING *s, unsigned char *buf, size_t len)
{
	if (s == NULL || (size_t)s->length > len)
		return -1;
	memcpy(buf, s->data, (size_t)s->length);
	return s->length;
}

static void
test_request(EVP_PKEY *p256)
{
	const char *san = "DNS:web.example.org,IP:10.1.2.3,"
	    "URI:spiffe://example.org/ns/a/sa/b,email:ops@example.org";
	X509 *c = mkcert(p256, 1700000000, 1700003000, "web.example.org",
	    san);
	X509 *nocn = mkcert(p256, 1700000000, 1700003000, NULL, san);
	EVP_PKEY *key = keygen("EC", "P-384"), *ed = keygen("ED25519", NULL);
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_REQ *req = NULL;
	unsigned char a[512], b[512];
	int la, lb, idx;

	CHECK_RC(renewal_request(c, key, 1, &req), 0, "a request");
	CHECK(req != NULL && X509_REQ_verify(req, key) == 1,
	    "its signature verifies under the new key");
	CHECK(req != NULL && EVP_PKEY_eq(X509_REQ_get0_pubkey(req), key) == 1,
	    "it is for the new key");
	CHECK(req != NULL && X509_REQ_get_signature_nid(req) ==
	    NID_ecdsa_with_SHA384, "P-384: signed with SHA-384");
	CHECK(req != NULL && X509_NAME_entry_count(
	    X509_REQ_get_subject_name(req)) == 1 && X509_NAME_get_index_by_NID(
	    X509_REQ_get_subject_name(req), NID_commonName, -1) == 0,
	    "the subject is the CN alone (O is the profile's)");
	if (req != NULL)
		exts = X509_REQ_get_extensions(req);
	idx = X509v3_get_ext_by_NID(exts, NID_subject_alt_name, -1);
	la = san_der(X509_EXTENSION_get_data(X509_get_ext(c,
	    X509_get_ext_by_NID(c, NID_subject_alt_name, -1))), a, sizeof(a));
	lb = idx < 0 ? -2 : san_der(X509_EXTENSION_get_data(
	    sk_X509_EXTENSION_value(exts, idx)), b, sizeof(b));
	CHECK(sk_X509_EXTENSION_num(exts) == 1 && la > 0 && la == lb &&
	    memcmp(a, b, (size_t)la) == 0,
	    "the subjectAltName is the certificate's, byte for byte");
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
	req = NULL;

	CHECK_RC(renewal_request(c, ed, 0, &req), 0, "without the SAN");
	exts = req != NULL ? X509_REQ_get_extensions(req) : NULL;
	CHECK(req != NULL && sk_X509_EXTENSION_num(exts) <= 0,
	    "with_san 0: no extension requested");
	CHECK(req != NULL && X509_REQ_verify(req, ed) == 1 &&
	    X509_REQ_get_signature_nid(req) == NID_ED25519,
	    "Ed25519: a pure Ed25519 signature that verifies");
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
	req = NULL;

	CHECK_RC(renewal_request(nocn, p256, 1, &req), 0, "no CN");
	CHECK(req != NULL && X509_NAME_entry_count(
	    X509_REQ_get_subject_name(req)) == 0 &&
	    X509_REQ_get_signature_nid(req) == NID_ecdsa_with_SHA256,
	    "no CN: an empty subject; P-256: SHA-256");
	X509_REQ_free(req);
	EVP_PKEY_free(key);
	EVP_PKEY_free(ed);
	X509_free(c);
	X509_free(nocn);
}

/* A certificate whose SAN holds one dNSName with a NUL byte. */
static X509 *
nul_cert(EVP_PKEY *key)
{
	GENERAL_NAMES *gens = GENERAL_NAMES_new();
	GENERAL_NAME *gn = GENERAL_NAME_new();
	ASN1_IA5STRING *s = ASN1_IA5STRING_new();
	X509 *x = mkcert(key, 1700000000, 1700003000, NULL, NULL);

	ASN1_STRING_set(s, "a.example\0.evil", 15);
	GENERAL_NAME_set0_value(gn, GEN_DNS, s);
	sk_GENERAL_NAME_push(gens, gn);
	X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_APPEND);
	GENERAL_NAMES_free(gens);
	return x;
}

static void
test_names(EVP_PKEY *key)
{
	X509 *c = mkcert(key, 1700000000, 1700003000, NULL,
	    "DNS:web.example.org,IP:10.1.2.3,IP:fd00::1,"
	    "URI:spiffe://example.org/ns/a/sa/b,email:ops@example.org");
	X509 *none = mkcert(key, 1700000000, 1700003000, "a", NULL);
	X509 *other = mkcert(key, 1700000000, 1700003000, NULL,
	    "DNS:a.example.org,otherName:1.2.3.4;UTF8:x");
	X509 *twice = mkcert(key, 1700000000, 1700003000, NULL,
	    "DNS:a.example.org");
	X509 *nul = nul_cert(key);
	GENERAL_NAMES *gens = X509_get_ext_d2i(c, NID_subject_alt_name, NULL,
	    NULL);
	struct renewal_names n;

	X509_add1_ext_i2d(twice, NID_subject_alt_name, gens, 0,
	    X509V3_ADD_APPEND);
	GENERAL_NAMES_free(gens);
	CHECK_RC(renewal_names(c, "c.pem", &n), 0, "five names");
	CHECK(n.n == 5 && n.kinds[0] == SAN_DNS && n.kinds[1] == SAN_IP &&
	    n.kinds[2] == SAN_IP && n.kinds[3] == SAN_URI &&
	    n.kinds[4] == SAN_EMAIL, "their kinds in order");
	CHECK(n.n == 5 && strcmp(n.values[0], "web.example.org") == 0 &&
	    strcmp(n.values[1], "10.1.2.3") == 0 &&
	    strcmp(n.values[2], "fd00::1") == 0 &&
	    strcmp(n.values[3], "spiffe://example.org/ns/a/sa/b") == 0 &&
	    strcmp(n.values[4], "ops@example.org") == 0,
	    "their texts (IP addresses as inet_ntop writes them)");
	renewal_names_free(&n);
	CHECK(n.n == 0, "renewal_names_free() empties the list");
	CHECK_RC(renewal_names(none, "none.pem", &n), 0, "no SAN");
	CHECK(n.n == 0, "no SAN: no names");
	renewal_names_free(&n);
	CHECK_RC(renewal_names(other, "other.pem", &n), ERR_DATA,
	    "an otherName is refused");
	CHECK(strstr(err_msg(), "other.pem") != NULL, "the input is named");
	renewal_names_free(&n);
	CHECK_RC(renewal_names(nul, "nul.pem", &n), ERR_DATA,
	    "a DNS name with a NUL byte is refused");
	renewal_names_free(&n);
	CHECK_RC(renewal_names(twice, "twice.pem", &n), ERR_DATA,
	    "two subjectAltName extensions are refused");
	renewal_names_free(&n);
	X509_free(c);
	X509_free(none);
	X509_free(other);
	X509_free(twice);
	X509_free(nul);
}

int
main(void)
{
	EVP_PKEY *p256;

	if (secmem_init() != 0)
		return 2;
	p256 = keygen("EC", "P-256");
	test_parse_ratio();
	test_due(p256);
	test_generate_key();
	test_request(p256);
	test_names(p256);
	EVP_PKEY_free(p256);
	return harness_done();
}
