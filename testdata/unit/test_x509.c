/*
 * test_x509.c: unit tests for common/x509.c.
 *
 * Builds and signs root certificates for P-256 (25 years), P-384 and
 * RSA-3072 (10 years) and reads every field back with OpenSSL's
 * accessors, against the contract in x509.h and RFC 5280 4.2.1: v3,
 * a 20-byte positive serial, subject = issuer, exactly four extensions
 * (basicConstraints critical CA:TRUE without pathLen, keyUsage critical
 * keyCertSign|cRLSign only, SKI = SHA-1 of the key bits, AKI keyid = SKI
 * and nothing else), notAfter = notBefore + N years to the second, the
 * signature algorithm for the type, and a signature that verifies under
 * the key and not under another.  Also: distinct serials, both
 * fingerprints against independent computations, PEM and DER encodings,
 * x509_load() of PEM, DER, garbage, empty and missing files, the
 * challenge with the right and a wrong key, and the PKCS#8 round trip
 * including trailing and truncated input.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "csr.h"
#include "err.h"
#include "fileio.h"
#include "harness.h"
#include "keytype.h"
#include "secmem.h"
#include "x509.h"

static char tmpdir[] = "/tmp/test_x509.XXXXXX";

static const struct x509_subject subj = {
	"DE", NULL, "Berlin", "Example Org", NULL, "Example Root CA"
};

static const char *
tpath(const char *name)
{
	static char buf[2][512];
	static int k;

	k ^= 1;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return buf[k];
}

/* Build and sign a root for key; NULL on failure (already reported). */
static X509 *
make_root(EVP_PKEY *key, enum key_type type, unsigned years)
{
	X509 *cert = NULL;

	CHECK_RC(x509_build_root(key, &subj, years, &cert), 0,
	    "build a %s root for %u years", keytype_name(type), years);
	if (cert == NULL)
		return NULL;
	CHECK_RC(x509_sign(cert, key, type), 0, "sign the %s root",
	    keytype_name(type));
	return cert;
}

static void
check_serial(X509 *cert, const char *what)
{
	const ASN1_INTEGER *s = X509_get0_serialNumber(cert);
	char *hex;
	size_t i;
	int ok;

	CHECK(ASN1_STRING_type(s) == V_ASN1_INTEGER &&
	    ASN1_STRING_length(s) == 20 && ASN1_STRING_get0_data(s)[0] != 0 &&
	    ASN1_STRING_get0_data(s)[0] < 0x80,
	    "%s: serial is 20 bytes, positive, no leading zero (len %d)",
	    what, ASN1_STRING_length(s));
	hex = x509_serial_hex(cert);
	ok = hex != NULL && strlen(hex) == 40;
	for (i = 0; ok && hex[i] != '\0'; i++)
		ok = strchr("0123456789ABCDEF", hex[i]) != NULL;
	CHECK(ok, "%s: x509_serial_hex is 40 uppercase hex digits (%s)", what,
	    hex ? hex : "(null)");
	free(hex);
}

static void
check_names(X509 *cert, const char *what)
{
	char *line = x509_subject_line(cert);

	CHECK(X509_NAME_cmp(X509_get_subject_name(cert),
	    X509_get_issuer_name(cert)) == 0, "%s: subject = issuer", what);
	CHECK(line != NULL && strcmp(line, "CN=Example Root CA,O=Example Org,"
	    "L=Berlin,C=DE") == 0, "%s: subject line (\"%s\")", what,
	    line ? line : "(null)");
	free(line);
}

static void
check_bc_ku(X509 *cert, const char *what)
{
	BASIC_CONSTRAINTS *bc;
	int crit = -1, i;

	bc = X509_get_ext_d2i(cert, NID_basic_constraints, &crit, NULL);
	CHECK(bc != NULL && crit == 1 && bc->ca != 0 && bc->pathlen == NULL,
	    "%s: basicConstraints critical, CA:TRUE, no pathLen", what);
	BASIC_CONSTRAINTS_free(bc);
	i = X509_get_ext_by_NID(cert, NID_key_usage, -1);
	CHECK(i >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, i)) == 1,
	    "%s: keyUsage is critical", what);
	CHECK(X509_get_key_usage(cert) == (KU_KEY_CERT_SIGN | KU_CRL_SIGN),
	    "%s: keyUsage is keyCertSign|cRLSign only (0x%x)", what,
	    X509_get_key_usage(cert));
	CHECK(X509_get_ext_count(cert) == 4, "%s: exactly 4 extensions (%d)",
	    what, X509_get_ext_count(cert));
	CHECK(X509_check_ca(cert) == 1, "%s: OpenSSL sees a CA", what);
}

static void
check_ski_aki(X509 *cert, const char *what)
{
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(cert);
	const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(cert);
	ASN1_BIT_STRING *bits = X509_get0_pubkey_bitstr(cert);
	unsigned char sha1[SHA_DIGEST_LENGTH];
	int ok;

	ok = bits != NULL && EVP_Digest(bits->data, (size_t)bits->length,
	    sha1, NULL, EVP_sha1(), NULL) == 1;
	CHECK(ok && ski != NULL && ASN1_STRING_length(ski) == 20 &&
	    memcmp(ASN1_STRING_get0_data(ski), sha1, 20) == 0,
	    "%s: SKI is SHA-1 of the public key bits", what);
	CHECK(ski != NULL && aki != NULL &&
	    ASN1_OCTET_STRING_cmp(ski, aki) == 0,
	    "%s: AKI keyid = SKI", what);
	CHECK(X509_get0_authority_issuer(cert) == NULL &&
	    X509_get0_authority_serial(cert) == NULL,
	    "%s: AKI has no issuer and serial", what);
}

static void
check_validity(X509 *cert, unsigned years, const char *what)
{
	struct tm nb, na;
	time_t now = time(NULL), t;
	int ok;

	ok = ASN1_TIME_to_tm(X509_get0_notBefore(cert), &nb) == 1 &&
	    ASN1_TIME_to_tm(X509_get0_notAfter(cert), &na) == 1;
	CHECK(ok, "%s: validity times parse", what);
	if (!ok)
		return;
	t = timegm(&nb);
	CHECK(t <= now && t > now - 120, "%s: notBefore is now", what);
	/* RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime after. */
	CHECK(ASN1_STRING_type(X509_get0_notAfter(cert)) ==
	    (na.tm_year + 1900 >= 2050 ? V_ASN1_GENERALIZEDTIME :
	    V_ASN1_UTCTIME), "%s: notAfter (%d) uses the RFC 5280 time type",
	    what, na.tm_year + 1900);
	CHECK(na.tm_year - nb.tm_year == (int)years && na.tm_mon == nb.tm_mon &&
	    na.tm_mday == nb.tm_mday && na.tm_hour == nb.tm_hour &&
	    na.tm_min == nb.tm_min && na.tm_sec == nb.tm_sec,
	    "%s: notAfter is notBefore + %u years (%04d-%02d-%02d vs "
	    "%04d-%02d-%02d)", what, years, nb.tm_year + 1900, nb.tm_mon + 1,
	    nb.tm_mday, na.tm_year + 1900, na.tm_mon + 1, na.tm_mday);
}

static void
check_root(X509 *cert, EVP_PKEY *key, EVP_PKEY *other, unsigned years,
    int signid, const char *what)
{
	CHECK(X509_get_version(cert) == X509_VERSION_3, "%s: version 3", what);
	check_serial(cert, what);
	check_names(cert, what);
	check_bc_ku(cert, what);
	check_ski_aki(cert, what);
	check_validity(cert, years, what);
	CHECK(X509_get_signature_nid(cert) == signid,
	    "%s: signed with %s (got %s)", what, OBJ_nid2sn(signid),
	    OBJ_nid2sn(X509_get_signature_nid(cert)));
	CHECK(X509_verify(cert, key) == 1, "%s: X509_verify with the key",
	    what);
	CHECK(X509_verify(cert, other) != 1, "%s: X509_verify with another "
	    "key fails", what);
	CHECK(X509_self_signed(cert, 1) == 1, "%s: OpenSSL sees it "
	    "self-signed", what);
}

static void
check_fingerprints(X509 *cert, EVP_PKEY *key)
{
	unsigned char got[32], want[32], *der = NULL, *buf = NULL;
	size_t len = 0;
	int n;

	n = i2d_PUBKEY(key, &der);
	EVP_Digest(der, (size_t)n, want, NULL, EVP_sha256(), NULL);
	OPENSSL_free(der);
	CHECK_RC(x509_spki_sha256(key, got), 0, "x509_spki_sha256");
	CHECK(memcmp(got, want, 32) == 0, "spki_sha256 = SHA-256(i2d_PUBKEY)");
	der = NULL;
	n = i2d_X509(cert, &der);
	EVP_Digest(der, (size_t)n, want, NULL, EVP_sha256(), NULL);
	CHECK_RC(x509_cert_sha256(cert, got), 0, "x509_cert_sha256");
	CHECK(memcmp(got, want, 32) == 0, "cert_sha256 = SHA-256(i2d_X509)");
	CHECK_RC(x509_der(cert, &buf, &len), 0, "x509_der");
	CHECK(buf != NULL && len == (size_t)n && memcmp(buf, der, len) == 0,
	    "x509_der = i2d_X509");
	free(buf);
	OPENSSL_free(der);
	CHECK_RC(x509_pem(cert, &buf, &len), 0, "x509_pem");
	CHECK(buf != NULL && strncmp((char *)buf, "-----BEGIN CERTIFICATE"
	    "-----\n", 28) == 0 && strlen((char *)buf) == len &&
	    strstr((char *)buf, "-----END CERTIFICATE-----\n") != NULL,
	    "x509_pem is a NUL-terminated PEM block");
	free(buf);
}

static void
test_load(X509 *cert)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	X509 *got = NULL;

	if (x509_pem(cert, &buf, &len) == 0)
		fileio_write_new(tpath("root.pem"), buf, len, 0644);
	free(buf);
	if (x509_der(cert, &buf, &len) == 0) {
		fileio_write_new(tpath("root.der"), buf, len, 0644);
		fileio_write_new(tpath("short.der"), buf, len / 2, 0644);
	}
	free(buf);
	fileio_write_new(tpath("garbage"), "not a certificate\n", 18, 0644);
	fileio_write_new(tpath("empty"), "", 0, 0644);

	CHECK_RC(x509_load(tpath("root.pem"), &got), 0, "load PEM");
	CHECK(got != NULL && X509_cmp(got, cert) == 0, "PEM loads the same");
	X509_free(got);
	CHECK_RC(x509_load(tpath("root.der"), &got), 0, "load DER");
	CHECK(got != NULL && X509_cmp(got, cert) == 0, "DER loads the same");
	X509_free(got);
	got = (X509 *)1;
	CHECK_RC(x509_load(tpath("garbage"), &got), ERR_DATA,
	    "garbage is ERR_DATA");
	CHECK(got == NULL && strstr(err_msg(), "garbage") != NULL,
	    "no output, message names the file (\"%s\")", err_msg());
	CHECK_RC(x509_load(tpath("short.der"), &got), ERR_DATA,
	    "truncated DER is ERR_DATA");
	CHECK_RC(x509_load(tpath("empty"), &got), ERR_DATA,
	    "an empty file is ERR_DATA");
	CHECK_RC(x509_load(tpath("missing.pem"), &got), ERR_NOINPUT,
	    "a missing file is ERR_NOINPUT");
	CHECK(got == NULL && strstr(err_msg(), "missing.pem") != NULL,
	    "message names the file (\"%s\")", err_msg());
}

static void
test_private(EVP_PKEY *key, const char *what)
{
	unsigned char *der = NULL, *longer;
	size_t len = 0;
	EVP_PKEY *back = NULL;

	CHECK_RC(x509_private_der(key, &der, &len), 0, "%s: private_der",
	    what);
	if (der == NULL)
		return;
	CHECK_RC(x509_private_parse(der, len, &back), 0, "%s: private_parse",
	    what);
	CHECK(back != NULL && EVP_PKEY_eq(back, key) == 1 &&
	    keytype_of(back) == keytype_of(key), "%s: the round trip gives "
	    "the same key", what);
	EVP_PKEY_free(back);
	if ((longer = secmem_alloc(len + 1)) != NULL) {
		memcpy(longer, der, len);
		longer[len] = 0;
		back = (EVP_PKEY *)1;
		CHECK_RC(x509_private_parse(longer, len + 1, &back), ERR_DATA,
		    "%s: a trailing byte is ERR_DATA", what);
		CHECK(back == NULL, "%s: and gives no key", what);
		secmem_free(longer);
	}
	CHECK_RC(x509_private_parse(der, len - 1, &back), ERR_DATA,
	    "%s: one byte short is ERR_DATA", what);
	CHECK_RC(x509_private_parse((const unsigned char *)"\x30\x00", 2,
	    &back), ERR_DATA, "%s: an empty sequence is ERR_DATA", what);
	secmem_free(der);
}

static void
test_bad_subject(EVP_PKEY *key)
{
	struct x509_subject bad = subj;
	X509 *cert = (X509 *)1;

	bad.country = "Germany";
	CHECK_RC(x509_build_root(key, &bad, 10, &cert), ERR_DATA,
	    "a country that is not 2 letters is ERR_DATA");
	CHECK(cert == NULL && strstr(err_msg(), "Germany") != NULL,
	    "no output, the message names the value (\"%s\")", err_msg());
}

static void
test_challenge(EVP_PKEY *p256, EVP_PKEY *p256b, EVP_PKEY *p384,
    EVP_PKEY *rsa)
{
	CHECK_RC(x509_challenge(p256, p256, KEY_P256), 0,
	    "challenge: P-256 key against itself");
	CHECK_RC(x509_challenge(p256, p256b, KEY_P256), ERR_NO,
	    "challenge: another P-256 key is ERR_NO");
	CHECK(strstr(err_msg(), "does not verify") != NULL,
	    "the message says so (\"%s\")", err_msg());
	CHECK_RC(x509_challenge(p384, p384, KEY_P384), 0,
	    "challenge: P-384 key against itself");
	CHECK_RC(x509_challenge(rsa, rsa, KEY_RSA3072), 0,
	    "challenge: RSA key against itself");
	CHECK_RC(x509_challenge(p256, rsa, KEY_P256), ERR_NO,
	    "challenge: a P-256 signature under an RSA key is ERR_NO");
}

/*
 * x509_sign_tbs(): the certificate X509_sign() makes, from the TBS
 * encoded once.  Same TBS and AlgorithmIdentifier, a signature that
 * verifies under key and not under other, DER that re-encodes to itself;
 * byte for byte X509_sign()'s for RSA (PKCS#1 v1.5 is deterministic).
 * x509_sig_algid() refuses a key without a provider (a CSR's built-in
 * key); x509_der_pem() writes what x509_pem() writes.
 */
static void
test_sign_tbs(X509 *cert, EVP_PKEY *key, enum key_type type,
    EVP_PKEY *other, const char *what)
{
	unsigned char *algid = NULL, *tbs = NULL, *der = NULL, *mine = NULL;
	unsigned char *again = NULL, *pem = NULL, *pem2 = NULL, *alg = NULL;
	const unsigned char *p;
	size_t algidlen = 0, derlen = 0, pemlen, pem2len;
	int tbslen, minelen, againlen, alglen;
	X509 *parsed = NULL;

	CHECK_RC(x509_sig_algid(key, type, &algid, &algidlen), 0,
	    "%s: the key names its signature algorithm", what);
	alglen = i2d_X509_ALGOR(X509_get0_tbs_sigalg(cert), &alg);
	CHECK(algid != NULL && alglen > 0 && (size_t)alglen == algidlen &&
	    memcmp(alg, algid, algidlen) == 0, "%s: the one X509_sign() "
	    "wrote", what);
	tbslen = i2d_re_X509_tbs(cert, &tbs);
	minelen = i2d_X509(cert, &mine);
	if (algid == NULL || tbslen <= 0 || minelen <= 0) {
		CHECK(0, "%s: encodings", what);
		goto out;
	}
	CHECK_RC(x509_sign_tbs(key, type, tbs, (size_t)tbslen, algid,
	    algidlen, &der, &derlen), 0, "%s: x509_sign_tbs", what);
	p = der;
	if (der == NULL || (parsed = d2i_X509(NULL, &p, (long)derlen)) ==
	    NULL || p != der + derlen) {
		CHECK(0, "%s: the signed certificate parses", what);
		goto out;
	}
	CHECK(X509_verify(parsed, key) == 1 && X509_verify(parsed, other) !=
	    1, "%s: its signature verifies under the key only", what);
	ERR_clear_error();
	againlen = i2d_X509(parsed, &again);
	CHECK(againlen > 0 && (size_t)againlen == derlen &&
	    memcmp(again, der, derlen) == 0, "%s: its DER re-encodes to "
	    "itself", what);
	OPENSSL_free(again);
	again = NULL;
	againlen = i2d_re_X509_tbs(parsed, &again);
	CHECK(againlen == tbslen && memcmp(again, tbs, (size_t)tbslen) == 0,
	    "%s: with the TBS it was given", what);
	if (type == KEY_RSA3072)
		CHECK((size_t)minelen == derlen && memcmp(mine, der, derlen) ==
		    0, "%s: the very bytes of X509_sign()", what);
	CHECK_RC(x509_der_pem(mine, (size_t)minelen, &pem, &pemlen), 0,
	    "%s: x509_der_pem", what);
	CHECK(x509_pem(cert, &pem2, &pem2len) == 0 && pem != NULL &&
	    pemlen == pem2len && memcmp(pem, pem2, pemlen) == 0 &&
	    pem[pemlen] == '\0', "%s: the PEM x509_pem() writes", what);
out:
	X509_free(parsed);
	OPENSSL_free(again);
	OPENSSL_free(alg);
	OPENSSL_free(tbs);
	OPENSSL_free(mine);
	free(algid);
	free(der);
	free(pem);
	free(pem2);
}

static void
test_algid_builtin(void)
{
	unsigned char *algid = NULL;
	size_t len = 1;
	X509_REQ *req = NULL;
	EVP_PKEY *key = NULL;

	if (csr_load_keyed("testdata/fixtures/csr/p256.csr", 1, &req,
	    &key) != 0 || key == NULL) {
		CHECK(0, "loading p256.csr: %s", err_msg());
		goto out;
	}
	CHECK(x509_sig_algid(key, KEY_P256, &algid, &len) == ERR_UNAVAILABLE &&
	    algid == NULL && len == 0, "a built-in key cannot name its "
	    "algorithm: sign with x509_sign()");
out:
	EVP_PKEY_free(key);
	X509_REQ_free(req);
}

int
main(void)
{
	EVP_PKEY *p256 = NULL, *p256b = NULL, *p384 = NULL, *rsa = NULL;
	X509 *a = NULL, *b = NULL, *c = NULL, *d = NULL;

	if (secmem_init() != 0 || mkdtemp(tmpdir) == NULL ||
	    keytype_generate(KEY_P256, &p256) != 0 ||
	    keytype_generate(KEY_P256, &p256b) != 0 ||
	    keytype_generate(KEY_P384, &p384) != 0 ||
	    keytype_generate(KEY_RSA3072, &rsa) != 0) {
		printf("setup: %s\n", err_msg());
		return 1;
	}
	if ((a = make_root(p256, KEY_P256, 25)) != NULL)
		check_root(a, p256, p256b, 25, NID_ecdsa_with_SHA256, "P-256");
	if ((b = make_root(p256, KEY_P256, 25)) != NULL && a != NULL)
		CHECK(ASN1_INTEGER_cmp(X509_get0_serialNumber(a),
		    X509_get0_serialNumber(b)) != 0,
		    "two roots have different serials");
	if ((c = make_root(rsa, KEY_RSA3072, 10)) != NULL)
		check_root(c, rsa, p256, 10, NID_sha256WithRSAEncryption,
		    "RSA-3072");
	if ((d = make_root(p384, KEY_P384, 10)) != NULL)
		check_root(d, p384, p256, 10, NID_ecdsa_with_SHA384, "P-384");
	if (a != NULL) {
		check_fingerprints(a, p256);
		test_load(a);
	}
	if (a != NULL)
		test_sign_tbs(a, p256, KEY_P256, p256b, "P-256");
	if (c != NULL)
		test_sign_tbs(c, rsa, KEY_RSA3072, p256, "RSA-3072");
	if (d != NULL)
		test_sign_tbs(d, p384, KEY_P384, p256, "P-384");
	test_algid_builtin();
	test_bad_subject(p256);
	test_challenge(p256, p256b, p384, rsa);
	test_private(p256, "P-256");
	test_private(rsa, "RSA-3072");
	X509_free(a);
	X509_free(b);
	X509_free(c);
	X509_free(d);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p256b);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(rsa);
	unlink(tpath("root.pem"));
	unlink(tpath("root.der"));
	unlink(tpath("short.der"));
	unlink(tpath("garbage"));
	unlink(tpath("empty"));
	rmdir(tmpdir);
	return harness_done();
}
