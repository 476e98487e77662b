/*
 * test_lint.c: unit tests for common/lint.c.
 *
 * Builds certificates and CRLs in memory with the OpenSSL API: a good
 * root, intermediate and leaf (and the root that x509_build_root()
 * makes, and RSA and wildcard leaves), each of which must lint with no
 * finding at all, and a good CRL; then a bad variant for every rule of
 * the table, each asserting that the rule id fires with its severity,
 * and for several that a neighbouring case does not fire (a 20-octet
 * serial, a CA's short serial, GeneralizedTime for 2050, a critical SAN
 * with an empty subject, a CN that is the SAN's IP address or differs in
 * case only, a /16 IP constraint, a code-signing leaf of three years).
 * Objects OpenSSL will not build are made by hand: raw extension bytes,
 * an issuerUniqueID spliced into the DER, algorithm identifiers replaced
 * after signing.  Also: the checks against the issuer (name, AKI,
 * signature, pathLen, name constraints, validity, key and hash), the
 * entry cap of large CRLs, escaping of hostile strings in messages, the
 * text report format, an unknown EKU name in the profile, and the rule
 * table itself (unique ids, a source for each).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "harness.h"
#include "lint.h"
#include "x509.h"

struct keys {
	EVP_PKEY *root, *inter, *leaf, *p384, *p521, *p224, *ed, *rsa;
};

static struct keys k;

static const struct lint_expect as_root = { LINT_ROOT, NULL, 0, 1 };
static const struct lint_expect as_int = { LINT_INTERMEDIATE, NULL, 0, 1 };
static const struct lint_expect as_leaf = { LINT_LEAF, NULL, 0, 1 };

/* Building. */

static X509_NAME *
make_name(const char *cn)
{
	X509_NAME *n = X509_NAME_new();

	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8,
	    (const unsigned char *)"Example", -1, -1, 0);
	if (cn != NULL)
		X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
		    (const unsigned char *)cn, -1, -1, 0);
	return n;
}

/* A positive serial of octets octets (the top one 0x40-0x7f). */
static void
set_serial(X509 *x, int octets)
{
	unsigned char b[32];
	BIGNUM *bn;

	RAND_bytes(b, octets);
	b[0] = (b[0] & 0x3f) | 0x40;
	bn = BN_bin2bn(b, octets, NULL);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
}

/* An unsigned v3 certificate for pub, issued by issuer (NULL: self). */
static X509 *
new_cert(EVP_PKEY *pub, const char *cn, X509 *issuer, long days)
{
	X509 *x = X509_new();
	X509_NAME *n = make_name(cn);

	X509_set_version(x, X509_VERSION_3);
	set_serial(x, 16);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : n);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL);
	X509_set_pubkey(x, pub);
	X509_NAME_free(n);
	return x;
}

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL) {
		printf("test setup: cannot build %s=%s\n", OBJ_nid2sn(nid),
		    value);
		return;
	}
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
}

static void
del_ext(X509 *x, int nid)
{
	int i;

	while ((i = X509_get_ext_by_NID(x, nid, -1)) >= 0)
		X509_EXTENSION_free(X509_delete_ext(x, i));
}

static void
set_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	del_ext(x, nid);
	add_ext(x, issuer, nid, value);
}

/* Add an extension with raw DER contents. */
static void
add_raw_ext(X509 *x, const char *oid, int crit, const unsigned char *der,
    int len)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext;

	ASN1_OCTET_STRING_set(os, der, len);
	ext = X509_EXTENSION_create_by_OBJ(NULL, obj, crit, os);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
}

static const EVP_MD *
md_for(EVP_PKEY *key)
{
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519)
		return NULL;
	if (EVP_PKEY_get_bits(key) == 384)
		return EVP_sha384();
	if (EVP_PKEY_get_bits(key) == 521)
		return EVP_sha512();
	return EVP_sha256();
}

static X509 *
sign(X509 *x, EVP_PKEY *key)
{
	if (X509_sign(x, key, md_for(key)) <= 0)
		printf("test setup: signing failed\n");
	return x;
}

static X509 *
root_tbs(EVP_PKEY *key)
{
	X509 *x = new_cert(key, "Test Root", NULL, 3650);

	add_ext(x, NULL, NID_basic_constraints, "critical,CA:TRUE");
	add_ext(x, NULL, NID_key_usage, "critical,keyCertSign,cRLSign");
	add_ext(x, NULL, NID_subject_key_identifier, "hash");
	add_ext(x, NULL, NID_authority_key_identifier, "keyid:always");
	return x;
}

static X509 *
int_tbs(EVP_PKEY *key, X509 *root)
{
	X509 *x = new_cert(key, "Test Intermediate", root, 1825);

	add_ext(x, root, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
	add_ext(x, root, NID_key_usage,
	    "critical,digitalSignature,keyCertSign,cRLSign");
	add_ext(x, root, NID_ext_key_usage, "serverAuth,clientAuth");
	add_ext(x, root, NID_subject_key_identifier, "hash");
	add_ext(x, root, NID_authority_key_identifier, "keyid:always");
	add_ext(x, root, NID_name_constraints, "critical,"
	    "permitted;DNS:example.com,permitted;IP:10.0.0.0/255.0.0.0");
	return x;
}

static X509 *
leaf_tbs(EVP_PKEY *key, X509 *inter)
{
	X509 *x = new_cert(key, "www.example.com", inter, 90);

	add_ext(x, inter, NID_basic_constraints, "critical,CA:FALSE");
	add_ext(x, inter, NID_key_usage, "critical,digitalSignature");
	add_ext(x, inter, NID_ext_key_usage, "serverAuth");
	add_ext(x, inter, NID_subject_key_identifier, "hash");
	add_ext(x, inter, NID_authority_key_identifier, "keyid:always");
	add_ext(x, inter, NID_subject_alt_name,
	    "DNS:www.example.com,DNS:api.example.com,IP:10.1.2.3");
	return x;
}

static X509 *good_root, *good_int;

static X509 *
leaf(void)
{
	return leaf_tbs(k.leaf, good_int);
}

static X509 *
inter(void)
{
	return int_tbs(k.inter, good_root);
}

/* Checking. */

static const struct lint_finding *
find(const struct lint_report *r, const char *rule)
{
	size_t i;

	for (i = 0; i < r->count; i++)
		if (strcmp(r->findings[i].rule, rule) == 0)
			return &r->findings[i];
	return NULL;
}

static void
dump(const struct lint_report *r)
{
	size_t i;

	for (i = 0; i < r->count; i++)
		printf("      %s %s: %s\n",
		    lint_severity_name(r->findings[i].severity),
		    r->findings[i].rule, r->findings[i].message);
}

/* The severity the table gives rule (checked against the call). */
static void
check_found(const struct lint_report *r, const char *rule,
    enum lint_severity sev, const char *what)
{
	const struct lint_finding *f = find(r, rule);

	CHECK(f != NULL && f->severity == sev, "%s: %s fires as %s", what,
	    rule, lint_severity_name(sev));
	if (f == NULL || f->severity != sev)
		dump(r);
}

/* Lint x (and free it): rule must fire with severity sev. */
static void
want_cert(X509 *x, const struct lint_expect *e, const char *rule,
    enum lint_severity sev, const char *what)
{
	struct lint_report r = { 0 };

	CHECK_RC(lint_cert(x, e, &r), 0, "%s: lint_cert returns 0", what);
	check_found(&r, rule, sev, what);
	lint_report_free(&r);
	X509_free(x);
}

/* Lint x (and free it): rule must not fire. */
static void
not_cert(X509 *x, const struct lint_expect *e, const char *rule,
    const char *what)
{
	struct lint_report r = { 0 };

	CHECK_RC(lint_cert(x, e, &r), 0, "%s: lint_cert returns 0", what);
	CHECK(find(&r, rule) == NULL, "%s: %s does not fire", what, rule);
	if (find(&r, rule) != NULL)
		dump(&r);
	lint_report_free(&r);
	X509_free(x);
}

/* Lint x (not freed): no finding at all. */
static void
clean_cert(X509 *x, const struct lint_expect *e, const char *what)
{
	struct lint_report r = { 0 };

	CHECK_RC(lint_cert(x, e, &r), 0, "%s: lint_cert returns 0", what);
	CHECK(r.count == 0 && r.errors == 0 && r.warnings == 0 &&
	    r.notices == 0, "%s: no findings (%zu)", what, r.count);
	dump(&r);
	lint_report_free(&r);
}

static void
want_issuer(X509 *x, X509 *issuer, const char *rule, enum lint_severity sev,
    const char *what)
{
	struct lint_report r = { 0 };

	CHECK_RC(lint_cert_issuer(x, issuer, &r), 0,
	    "%s: lint_cert_issuer returns 0", what);
	check_found(&r, rule, sev, what);
	lint_report_free(&r);
	X509_free(x);
}

/*
 * Replace a signature AlgorithmIdentifier that OpenSSL hands out as
 * const (the test deliberately corrupts the object; lint never does).
 */
static void
set_alg(const X509_ALGOR *calg, int nid, int ptype)
{
	X509_ALGOR *alg;

	memcpy(&alg, &calg, sizeof(alg));
	X509_ALGOR_set0(alg, OBJ_nid2obj(nid), ptype, NULL);
}

/* Tests: good certificates. */

static void
test_good(void)
{
	static const char *const ekus[] = { "serverAuth" };
	const struct lint_expect prof = { LINT_LEAF, ekus, 1, 1 };
	struct x509_subject s = { "DE", NULL, NULL, "Example", NULL,
	    "Example Root" };
	X509 *x = NULL, *l;

	clean_cert(good_root, NULL, "good root (auto)");
	clean_cert(good_root, &as_root, "good root (kind root)");
	clean_cert(good_int, NULL, "good intermediate (auto)");
	clean_cert(good_int, &as_int, "good intermediate (kind)");
	l = sign(leaf(), k.inter);
	clean_cert(l, NULL, "good leaf (auto)");
	clean_cert(l, &prof, "good leaf (profile serverAuth)");
	X509_free(l);
	l = leaf();
	set_ext(l, good_int, NID_subject_alt_name, "DNS:*.example.com");
	X509_NAME_ENTRY_free(X509_NAME_delete_entry(
	    X509_get_subject_name(l), 1));
	clean_cert(sign(l, k.inter), NULL, "good wildcard leaf, no CN");
	X509_free(l);
	l = sign(leaf_tbs(k.rsa, good_int), k.inter);
	clean_cert(l, NULL, "good RSA-2048 leaf");
	X509_free(l);
	CHECK_RC(x509_build_root(k.root, &s, 25, &x), 0, "x509_build_root");
	if (x != NULL) {
		clean_cert(sign(x, k.root), &as_root, "x509_build_root's root");
		X509_free(x);
	}
}

/* Tests: serial, version, validity, names. */

static void
test_serial(void)
{
	const struct lint_expect noent = { LINT_AUTO, NULL, 0, 0 };
	X509 *x;

	x = leaf();
	ASN1_INTEGER_set(X509_get_serialNumber(x), -5);
	want_cert(sign(x, k.inter), NULL, "serial-positive", LINT_ERROR,
	    "negative serial");
	x = leaf();
	ASN1_INTEGER_set(X509_get_serialNumber(x), 0);
	want_cert(sign(x, k.inter), NULL, "serial-nonzero", LINT_ERROR,
	    "zero serial");
	x = leaf();
	set_serial(x, 21);
	want_cert(sign(x, k.inter), NULL, "serial-length", LINT_ERROR,
	    "21-octet serial");
	x = leaf();
	set_serial(x, 20);
	not_cert(sign(x, k.inter), NULL, "serial-length", "20-octet serial");
	x = leaf();
	set_serial(x, 4);
	want_cert(sign(x, k.inter), NULL, "serial-entropy", LINT_ERROR,
	    "4-octet leaf serial");
	x = leaf();
	set_serial(x, 4);
	not_cert(sign(x, k.inter), &noent, "serial-entropy",
	    "4-octet leaf serial, entropy not checked");
	x = inter();
	set_serial(x, 4);
	not_cert(sign(x, k.root), NULL, "serial-entropy",
	    "4-octet CA serial");
	x = leaf();
	set_serial(x, 8);
	not_cert(sign(x, k.inter), NULL, "serial-entropy", "8-octet serial");
}

/* Write tag, length (< 65536) and len octets of content at o. */
static unsigned char *
put_tlv(unsigned char *o, int tag, const unsigned char *content, size_t len)
{
	*o++ = (unsigned char)tag;
	if (len >= 256)
		*o++ = 0x82;
	else if (len >= 128)
		*o++ = 0x81;
	if (len >= 256)
		*o++ = (unsigned char)(len >> 8);
	*o++ = (unsigned char)len;
	memcpy(o, content, len);
	return o + len;
}

/*
 * x (freed) with an issuerUniqueID put into its DER before the
 * extensions, as no setter exists for it; the signature no longer
 * verifies, which the rule does not need.  NULL if that fails.
 */
static X509 *
with_issuer_uid(X509 *x)
{
	static const unsigned char uid[] = { 0x81, 0x02, 0x00, 0x01 };
	unsigned char *der = NULL, body[4096], tbs[4096], cert[8192], *o;
	const unsigned char *p, *start, *end, *e, *ins;
	long len, tlen;
	int n, tag, cls;
	X509 *out = NULL;

	if ((n = i2d_X509(x, &der)) <= 0 || n > 4000)
		goto out;
	p = der;
	ASN1_get_object(&p, &len, &tag, &cls, n);	/* Certificate */
	ASN1_get_object(&p, &tlen, &tag, &cls, der + n - p);
	start = p;					/* TBS contents */
	end = p + tlen;
	for (ins = e = start; e < end; e += len) {
		ins = e;
		ASN1_get_object(&e, &len, &tag, &cls, end - e);
		if (cls == V_ASN1_CONTEXT_SPECIFIC && tag == 3)
			break;
	}
	o = body;
	memcpy(o, start, (size_t)(ins - start));
	o += ins - start;
	memcpy(o, uid, sizeof(uid));
	o += sizeof(uid);
	memcpy(o, ins, (size_t)(end - ins));
	o += end - ins;
	o = put_tlv(tbs, 0x30, body, (size_t)(o - body));
	memcpy(o, end, (size_t)(der + n - end));	/* algorithm, value */
	o += der + n - end;
	o = put_tlv(cert, 0x30, tbs, (size_t)(o - tbs));
	p = cert;
	out = d2i_X509(NULL, &p, o - cert);
out:
	OPENSSL_free(der);
	X509_free(x);
	return out;
}

static void
test_version(void)
{
	X509 *x;

	x = leaf();
	X509_set_version(x, X509_VERSION_1);
	want_cert(sign(x, k.inter), NULL, "version-v3", LINT_ERROR,
	    "v1 with extensions");
	x = leaf();
	X509_set_version(x, X509_VERSION_2);
	want_cert(sign(x, k.inter), NULL, "version-v3", LINT_ERROR,
	    "v2 with extensions");
	x = with_issuer_uid(sign(leaf(), k.inter));
	CHECK(x != NULL, "a certificate with an issuerUniqueID parses");
	if (x != NULL)
		want_cert(x, NULL, "unique-ids", LINT_ERROR,
		    "issuerUniqueID present");
}

static void
test_validity(void)
{
	X509 *x;

	x = leaf();
	X509_time_adj_ex(X509_getm_notAfter(x), -2, 0, NULL);
	want_cert(sign(x, k.inter), NULL, "validity-order", LINT_ERROR,
	    "notAfter before notBefore");
	x = leaf();
	ASN1_TIME_set_string(X509_getm_notAfter(x), "300101000000Z");
	ASN1_TIME_set_string(X509_getm_notBefore(x), "300101000000Z");
	want_cert(sign(x, k.inter), NULL, "validity-order", LINT_ERROR,
	    "notAfter equal to notBefore");
	x = leaf();
	ASN1_GENERALIZEDTIME_set_string(X509_getm_notAfter(x),
	    "20300101000000Z");
	want_cert(sign(x, k.inter), NULL, "validity-time-encoding",
	    LINT_ERROR, "GeneralizedTime for 2030");
	x = root_tbs(k.root);
	ASN1_GENERALIZEDTIME_set_string(X509_getm_notAfter(x),
	    "20500101000000Z");
	not_cert(sign(x, k.root), NULL, "validity-time-encoding",
	    "GeneralizedTime for 2050");
	x = leaf();
	ASN1_STRING_set(X509_getm_notAfter(x), "3001010000+0100", -1);
	want_cert(sign(x, k.inter), NULL, "validity-time-format", LINT_ERROR,
	    "UTCTime without seconds, with an offset");
	x = leaf();
	X509_time_adj_ex(X509_getm_notAfter(x), 400, 0, NULL);
	want_cert(sign(x, k.inter), NULL, "leaf-validity-long", LINT_NOTICE,
	    "400-day leaf");
	x = leaf();
	X509_time_adj_ex(X509_getm_notAfter(x), 1095, 0, NULL);
	set_ext(x, good_int, NID_subject_alt_name, "email:ci@example.com");
	set_ext(x, good_int, NID_ext_key_usage, "codeSigning");
	X509_NAME_ENTRY_free(X509_NAME_delete_entry(
	    X509_get_subject_name(x), 1));
	not_cert(sign(x, k.inter), NULL, "leaf-validity-long",
	    "3-year code-signing leaf");
}

static void
test_names(void)
{
	X509_NAME *empty = X509_NAME_new();
	X509 *x;

	x = leaf();
	X509_set_issuer_name(x, empty);
	want_cert(sign(x, k.inter), NULL, "issuer-empty", LINT_ERROR,
	    "empty issuer");
	x = inter();
	X509_set_subject_name(x, empty);
	want_cert(sign(x, k.root), NULL, "subject-empty", LINT_ERROR,
	    "CA with an empty subject");
	x = leaf();
	X509_set_subject_name(x, empty);
	want_cert(sign(x, k.inter), NULL, "subject-empty", LINT_ERROR,
	    "leaf, empty subject, non-critical SAN");
	x = leaf();
	X509_set_subject_name(x, empty);
	set_ext(x, good_int, NID_subject_alt_name,
	    "critical,DNS:www.example.com");
	not_cert(sign(x, k.inter), NULL, "subject-empty",
	    "leaf, empty subject, critical SAN");
	x = leaf();
	set_ext(x, good_int, NID_subject_alt_name,
	    "critical,DNS:www.example.com");
	want_cert(sign(x, k.inter), NULL, "san-critical", LINT_NOTICE,
	    "critical SAN with a subject");
	X509_NAME_free(empty);
}

/* Tests: extensions in general. */

static void
test_exts(void)
{
	static const unsigned char junk[] = { 0x04, 0x02, 0x01, 0x02 };
	static const unsigned char bad_bc[] = { 0x02, 0x01 };
	static const unsigned char bc_tail[] = { 0x30, 0x00, 0x00 };
	X509 *x;

	x = leaf();
	add_ext(x, good_int, NID_subject_alt_name, "DNS:evil.example.org");
	want_cert(sign(x, k.inter), NULL, "ext-duplicate", LINT_ERROR,
	    "two SAN extensions");
	x = leaf();
	add_raw_ext(x, "1.3.6.1.4.1.99999.1", 1, junk, sizeof(junk));
	want_cert(sign(x, k.inter), NULL, "ext-unknown-critical", LINT_ERROR,
	    "unknown critical extension");
	x = leaf();
	add_raw_ext(x, "1.3.6.1.4.1.99999.1", 0, junk, sizeof(junk));
	not_cert(sign(x, k.inter), NULL, "ext-unknown-critical",
	    "unknown non-critical extension");
	x = leaf();
	del_ext(x, NID_basic_constraints);
	add_raw_ext(x, "2.5.29.19", 1, bad_bc, sizeof(bad_bc));
	want_cert(sign(x, k.inter), &as_leaf, "ext-malformed", LINT_ERROR,
	    "basicConstraints that does not decode");
	x = leaf();
	del_ext(x, NID_basic_constraints);
	add_raw_ext(x, "2.5.29.19", 1, bc_tail, sizeof(bc_tail));
	want_cert(sign(x, k.inter), &as_leaf, "ext-malformed", LINT_ERROR,
	    "basicConstraints followed by a stray octet");
}

/* Tests: CA and leaf usage. */

static void
test_ca(void)
{
	ASN1_BIT_STRING *bits;
	X509 *x;

	x = inter();
	del_ext(x, NID_basic_constraints);
	want_cert(sign(x, k.root), NULL, "ca-bc-missing", LINT_ERROR,
	    "CA (keyCertSign) without basicConstraints");
	x = inter();
	del_ext(x, NID_basic_constraints);
	want_cert(sign(x, k.root), &as_int, "ca-bc-missing", LINT_ERROR,
	    "intermediate without basicConstraints");
	x = inter();
	set_ext(x, good_root, NID_basic_constraints, "CA:TRUE,pathlen:0");
	want_cert(sign(x, k.root), NULL, "ca-bc-critical", LINT_ERROR,
	    "non-critical basicConstraints");
	x = inter();
	set_ext(x, good_root, NID_basic_constraints, "critical,CA:FALSE");
	want_cert(sign(x, k.root), &as_int, "ca-bc-ca-false", LINT_ERROR,
	    "intermediate with cA FALSE");
	x = inter();
	del_ext(x, NID_key_usage);
	want_cert(sign(x, k.root), NULL, "ca-ku-missing", LINT_ERROR,
	    "CA without keyUsage");
	x = inter();
	set_ext(x, good_root, NID_key_usage, "keyCertSign,cRLSign");
	want_cert(sign(x, k.root), NULL, "ca-ku-critical", LINT_ERROR,
	    "CA with non-critical keyUsage");
	x = inter();
	set_ext(x, good_root, NID_key_usage, "critical,cRLSign");
	want_cert(sign(x, k.root), NULL, "ca-ku-keycertsign", LINT_ERROR,
	    "CA without keyCertSign");
	x = leaf();
	set_ext(x, good_int, NID_basic_constraints, "critical,CA:FALSE,"
	    "pathlen:0");
	want_cert(sign(x, k.inter), NULL, "pathlen-not-ca", LINT_ERROR,
	    "pathLen with cA FALSE");
	x = leaf();
	set_ext(x, good_int, NID_basic_constraints, "critical,CA:TRUE");
	want_cert(sign(x, k.inter), &as_leaf, "leaf-ca", LINT_ERROR,
	    "leaf profile, cA TRUE");
	x = leaf();
	set_ext(x, good_int, NID_key_usage,
	    "critical,digitalSignature,keyCertSign");
	want_cert(sign(x, k.inter), NULL, "leaf-keycertsign", LINT_ERROR,
	    "leaf with keyCertSign");
	x = leaf();
	del_ext(x, NID_basic_constraints);
	set_ext(x, good_int, NID_key_usage,
	    "critical,digitalSignature,keyCertSign");
	want_cert(sign(x, k.inter), &as_leaf, "leaf-keycertsign", LINT_ERROR,
	    "leaf profile, keyCertSign, no basicConstraints");
	x = leaf();
	del_ext(x, NID_key_usage);
	bits = ASN1_BIT_STRING_new();
	X509_add1_ext_i2d(x, NID_key_usage, bits, 1, X509V3_ADD_APPEND);
	ASN1_BIT_STRING_free(bits);
	want_cert(sign(x, k.inter), NULL, "ku-empty", LINT_ERROR,
	    "keyUsage without bits");
}

static void
test_root(void)
{
	X509 *x;

	x = root_tbs(k.root);
	set_ext(x, NULL, NID_basic_constraints, "critical,CA:TRUE,pathlen:1");
	want_cert(sign(x, k.root), NULL, "root-pathlen", LINT_NOTICE,
	    "root with pathLen");
	x = root_tbs(k.root);
	add_ext(x, NULL, NID_ext_key_usage, "serverAuth");
	want_cert(sign(x, k.root), NULL, "root-eku", LINT_WARNING,
	    "root with EKU");
	want_cert(X509_dup(good_int), &as_root, "root-self-signed",
	    LINT_ERROR, "intermediate linted as a root");
	x = root_tbs(k.root);
	want_cert(sign(x, k.inter), &as_root, "root-self-signed", LINT_ERROR,
	    "self-issued root signed by another key");
}

static void
test_keyids(void)
{
	X509 *x;

	x = inter();
	del_ext(x, NID_subject_key_identifier);
	want_cert(sign(x, k.root), NULL, "ca-ski-missing", LINT_ERROR,
	    "CA without SKI");
	x = leaf();
	del_ext(x, NID_subject_key_identifier);
	want_cert(sign(x, k.inter), NULL, "leaf-ski-missing", LINT_NOTICE,
	    "leaf without SKI");
	x = leaf();
	set_ext(x, good_int, NID_subject_key_identifier, "critical,hash");
	want_cert(sign(x, k.inter), NULL, "ski-critical", LINT_ERROR,
	    "critical SKI");
	x = leaf();
	del_ext(x, NID_authority_key_identifier);
	want_cert(sign(x, k.inter), NULL, "aki-missing", LINT_ERROR,
	    "leaf without AKI");
	x = root_tbs(k.root);
	del_ext(x, NID_authority_key_identifier);
	not_cert(sign(x, k.root), NULL, "aki-missing",
	    "self-signed root without AKI");
	x = leaf();
	set_ext(x, good_int, NID_authority_key_identifier,
	    "critical,keyid:always");
	want_cert(sign(x, k.inter), NULL, "aki-critical", LINT_ERROR,
	    "critical AKI");
	x = leaf();
	set_ext(x, good_int, NID_authority_key_identifier, "issuer:always");
	want_cert(sign(x, k.inter), NULL, "aki-keyid", LINT_ERROR,
	    "AKI without keyIdentifier");
	x = root_tbs(k.root);
	set_ext(x, good_int, NID_authority_key_identifier, "keyid:always");
	want_cert(sign(x, k.root), NULL, "aki-self", LINT_ERROR,
	    "self-signed root whose AKI names another key");
}

/* Tests: SAN and CN. */

static GENERAL_NAME *
ip_name(const unsigned char *b, int len)
{
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();

	ASN1_OCTET_STRING_set(os, b, len);
	GENERAL_NAME_set0_value(g, GEN_IPADD, os);
	return g;
}

static void
test_san(void)
{
	static const unsigned char ip5[] = { 10, 1, 2, 3, 4 };
	GENERAL_NAMES *names;
	X509 *x;

	x = leaf();
	del_ext(x, NID_subject_alt_name);
	want_cert(sign(x, k.inter), NULL, "san-missing", LINT_ERROR,
	    "leaf without SAN");
	x = leaf();
	del_ext(x, NID_subject_alt_name);
	names = GENERAL_NAMES_new();
	X509_add1_ext_i2d(x, NID_subject_alt_name, names, 0,
	    X509V3_ADD_APPEND);
	want_cert(sign(x, k.inter), NULL, "san-empty", LINT_ERROR,
	    "empty SAN");
	x = leaf();
	sk_GENERAL_NAME_push(names, ip_name(ip5, sizeof(ip5)));
	set_ext(x, good_int, NID_subject_alt_name, "DNS:www.example.com");
	del_ext(x, NID_subject_alt_name);
	X509_add1_ext_i2d(x, NID_subject_alt_name, names, 0,
	    X509V3_ADD_APPEND);
	want_cert(sign(x, k.inter), NULL, "san-ip-length", LINT_ERROR,
	    "5-octet IP address in SAN");
	GENERAL_NAMES_free(names);
	x = leaf();
	set_ext(x, good_int, NID_subject_alt_name,
	    "DNS:www.example.com,DNS:exa_mple.com");
	want_cert(sign(x, k.inter), NULL, "san-dns-syntax", LINT_ERROR,
	    "underscore in a DNS name");
	x = leaf();
	set_ext(x, good_int, NID_subject_alt_name,
	    "DNS:www.example.com,DNS:example.com.");
	want_cert(sign(x, k.inter), NULL, "san-dns-syntax", LINT_ERROR,
	    "trailing dot in a DNS name");
	x = leaf();
	set_ext(x, good_int, NID_subject_alt_name,
	    "DNS:www.example.com,DNS:www.*.example.com");
	want_cert(sign(x, k.inter), NULL, "san-dns-wildcard", LINT_ERROR,
	    "wildcard in the second label");
	x = leaf();
	set_ext(x, good_int, NID_subject_alt_name,
	    "DNS:www.example.com,DNS:w*.example.com");
	want_cert(sign(x, k.inter), NULL, "san-dns-wildcard", LINT_ERROR,
	    "partial wildcard label");
}

static void
test_cn(void)
{
	X509_NAME *n;
	X509 *x;

	x = leaf();
	set_ext(x, good_int, NID_subject_alt_name, "DNS:api.example.com");
	want_cert(sign(x, k.inter), NULL, "cn-not-in-san", LINT_ERROR,
	    "CN not among the SAN DNS names");
	x = leaf();
	n = make_name("10.1.2.3");
	X509_set_subject_name(x, n);
	X509_NAME_free(n);
	not_cert(sign(x, k.inter), NULL, "cn-not-in-san",
	    "CN is the SAN IP address");
	x = leaf();
	n = make_name("WWW.Example.COM");
	X509_set_subject_name(x, n);
	X509_NAME_free(n);
	not_cert(sign(x, k.inter), NULL, "cn-not-in-san",
	    "CN in other letter case");
	x = leaf();
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_UTF8, (const unsigned char *)"api.example.com", -1, -1,
	    0);
	want_cert(sign(x, k.inter), NULL, "cn-multiple", LINT_WARNING,
	    "two CNs");
	x = leaf();
	n = make_name("Alice Example");
	X509_set_subject_name(x, n);
	X509_NAME_free(n);
	set_ext(x, good_int, NID_subject_alt_name, "email:alice@example.com");
	set_ext(x, good_int, NID_ext_key_usage, "clientAuth,emailProtection");
	want_cert(sign(x, k.inter), NULL, "cn-not-a-san", LINT_NOTICE,
	    "user certificate, CN a display name");
	x = leaf();
	n = make_name("Alice Example");
	X509_set_subject_name(x, n);
	X509_NAME_free(n);
	set_ext(x, good_int, NID_subject_alt_name, "email:alice@example.com");
	set_ext(x, good_int, NID_ext_key_usage, "clientAuth,emailProtection");
	not_cert(sign(x, k.inter), NULL, "cn-not-in-san",
	    "user certificate: not a TLS error");
}

/* Tests: keys and signatures. */

/* An RSA public key with modulus n from key and exponent e. */
static EVP_PKEY *
rsa_with_e(EVP_PKEY *key, unsigned long e)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *out = NULL;
	BIGNUM *n = NULL, *be = BN_new();

	EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n);
	BN_set_word(be, e);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be);
	params = OSSL_PARAM_BLD_to_param(bld);
	if (EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &out,
	    EVP_PKEY_PUBLIC_KEY, params) != 1)
		printf("test setup: cannot build the RSA key\n");
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(n);
	BN_free(be);
	return out;
}

static void
test_keys(void)
{
	EVP_PKEY *even;
	X509 *x;

	want_cert(sign(int_tbs(k.rsa, good_root), k.root), NULL,
	    "key-rsa-size", LINT_ERROR, "RSA-2048 CA");
	want_cert(sign(leaf_tbs(k.p521, good_int), k.inter), NULL,
	    "key-ec-p521", LINT_WARNING, "P-521 leaf");
	want_cert(sign(leaf_tbs(k.p224, good_int), k.inter), NULL,
	    "key-ec-curve", LINT_ERROR, "P-224 leaf");
	want_cert(sign(leaf_tbs(k.ed, good_int), k.inter), NULL, "key-type",
	    LINT_ERROR, "Ed25519 leaf");
	if ((even = rsa_with_e(k.rsa, 65536)) != NULL) {
		x = leaf_tbs(k.leaf, good_int);
		X509_set_pubkey(x, even);
		want_cert(sign(x, k.inter), NULL, "key-rsa-exponent",
		    LINT_ERROR, "RSA exponent 65536");
		EVP_PKEY_free(even);
	}
}

static X509 *
sign_pss(X509 *x, EVP_PKEY *key, int saltlen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;

	if (EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), NULL, key) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, saltlen) != 1 ||
	    X509_sign_ctx(x, ctx) <= 0)
		printf("test setup: PSS signing failed\n");
	EVP_MD_CTX_free(ctx);
	return x;
}

static void
test_sig(void)
{
	const ASN1_BIT_STRING *sig;
	const X509_ALGOR *alg;
	X509 *x;

	x = leaf();
	X509_sign(x, k.inter, EVP_sha1());
	want_cert(x, NULL, "sig-alg-allowed", LINT_ERROR, "ECDSA with SHA-1");
	x = sign(leaf(), k.inter);
	X509_get0_signature(&sig, &alg, x);
	set_alg(alg, NID_ecdsa_with_SHA384, V_ASN1_UNDEF);
	want_cert(x, NULL, "sig-alg-match", LINT_ERROR,
	    "outer algorithm differs from the inner one");
	x = sign(leaf(), k.inter);
	X509_get0_signature(&sig, &alg, x);
	set_alg(alg, NID_ecdsa_with_SHA256, V_ASN1_NULL);
	set_alg(X509_get0_tbs_sigalg(x), NID_ecdsa_with_SHA256, V_ASN1_NULL);
	want_cert(x, NULL, "sig-alg-params", LINT_ERROR,
	    "ECDSA with NULL parameters");
	x = sign(leaf(), k.rsa);
	X509_get0_signature(&sig, &alg, x);
	set_alg(alg, NID_sha256WithRSAEncryption, V_ASN1_UNDEF);
	set_alg(X509_get0_tbs_sigalg(x), NID_sha256WithRSAEncryption,
	    V_ASN1_UNDEF);
	want_cert(x, NULL, "sig-alg-params", LINT_ERROR,
	    "RSA without NULL parameters");
	x = sign_pss(leaf(), k.rsa, RSA_PSS_SALTLEN_DIGEST);
	not_cert(x, NULL, "sig-pss-params", "RSA-PSS, salt = hash length");
	x = sign_pss(leaf(), k.rsa, RSA_PSS_SALTLEN_DIGEST);
	not_cert(x, NULL, "sig-alg-allowed", "RSA-PSS with SHA-256");
	x = sign_pss(leaf(), k.rsa, 20);
	want_cert(x, NULL, "sig-pss-params", LINT_ERROR,
	    "RSA-PSS, 20-octet salt with SHA-256");
	x = leaf();
	X509_sign(x, k.ed, NULL);
	want_cert(x, NULL, "sig-alg-allowed", LINT_ERROR, "Ed25519 signature");
	x = root_tbs(k.p384);
	X509_sign(x, k.p384, EVP_sha256());
	want_cert(x, NULL, "sig-ec-hash", LINT_WARNING,
	    "P-384 root signed with SHA-256");
	x = root_tbs(k.root);
	X509_sign(x, k.root, EVP_sha256());
	X509_get0_signature(&sig, &alg, x);
	set_alg(alg, NID_sha256WithRSAEncryption, V_ASN1_NULL);
	set_alg(X509_get0_tbs_sigalg(x), NID_sha256WithRSAEncryption,
	    V_ASN1_NULL);
	want_cert(x, NULL, "sig-alg-key", LINT_ERROR,
	    "self-signed P-256 root claiming RSA");
}

/* Tests: name constraints. */

static NAME_CONSTRAINTS *
nc_one(int type, const unsigned char *b, int len, int with_max)
{
	NAME_CONSTRAINTS *nc = NAME_CONSTRAINTS_new();
	GENERAL_SUBTREE *st = GENERAL_SUBTREE_new();
	ASN1_STRING *s = type == GEN_DNS ? ASN1_IA5STRING_new() :
	    ASN1_OCTET_STRING_new();

	ASN1_STRING_set(s, b, len);
	GENERAL_NAME_set0_value(st->base, type, s);
	if (with_max) {
		st->maximum = ASN1_INTEGER_new();
		ASN1_INTEGER_set(st->maximum, 3);
	}
	nc->permittedSubtrees = sk_GENERAL_SUBTREE_new_null();
	sk_GENERAL_SUBTREE_push(nc->permittedSubtrees, st);
	return nc;
}

static void
want_nc(NAME_CONSTRAINTS *nc, const char *rule, const char *what)
{
	X509 *x = inter();

	del_ext(x, NID_name_constraints);
	X509_add1_ext_i2d(x, NID_name_constraints, nc, 1, X509V3_ADD_APPEND);
	NAME_CONSTRAINTS_free(nc);
	want_cert(sign(x, k.root), NULL, rule, LINT_ERROR, what);
}

static void
test_nc(void)
{
	static const unsigned char ip6[] = { 10, 0, 0, 0, 255, 0 };
	static const unsigned char holes[] = { 10, 0, 0, 0, 255, 0, 255, 0 };
	static const unsigned char good[] = { 10, 0, 0, 0, 255, 255, 0, 0 };
	X509 *x;

	x = inter();
	set_ext(x, good_root, NID_name_constraints,
	    "critical,permitted;DNS:.example.com");
	want_cert(sign(x, k.root), NULL, "nc-dns-leading-dot", LINT_ERROR,
	    "dNSName constraint with a leading dot");
	x = inter();
	set_ext(x, good_root, NID_name_constraints,
	    "critical,permitted;DNS:exa mple.com");
	want_cert(sign(x, k.root), NULL, "nc-dns-syntax", LINT_ERROR,
	    "dNSName constraint with a space");
	x = inter();
	set_ext(x, good_root, NID_name_constraints,
	    "permitted;DNS:example.com");
	want_cert(sign(x, k.root), NULL, "nc-critical", LINT_WARNING,
	    "non-critical nameConstraints");
	x = leaf();
	add_ext(x, good_int, NID_name_constraints,
	    "critical,permitted;DNS:example.com");
	want_cert(sign(x, k.inter), NULL, "nc-not-ca", LINT_ERROR,
	    "nameConstraints in a leaf");
	want_nc(NAME_CONSTRAINTS_new(), "nc-empty", "empty nameConstraints");
	want_nc(nc_one(GEN_IPADD, ip6, sizeof(ip6), 0), "nc-ip-length",
	    "6-octet iPAddress constraint");
	want_nc(nc_one(GEN_IPADD, holes, sizeof(holes), 0), "nc-ip-mask",
	    "iPAddress constraint with mask 255.0.255.0");
	want_nc(nc_one(GEN_IPADD, good, sizeof(good), 1), "nc-min-max",
	    "subtree with a maximum");
	x = inter();
	del_ext(x, NID_name_constraints);
	{
		NAME_CONSTRAINTS *nc = nc_one(GEN_IPADD, good, sizeof(good),
		    0);

		X509_add1_ext_i2d(x, NID_name_constraints, nc, 1,
		    X509V3_ADD_APPEND);
		NAME_CONSTRAINTS_free(nc);
	}
	not_cert(sign(x, k.root), NULL, "nc-ip-mask",
	    "iPAddress constraint 10.0.0.0/16");
}

/* Tests: EKU. */

static void
test_eku(void)
{
	static const char *const both[] = { "serverAuth", "clientAuth" };
	static const char *const server[] = { "serverAuth" };
	static const char *const bogus[] = { "serverAuth", "webAuth" };
	const struct lint_expect want_both = { LINT_LEAF, both, 2, 1 };
	const struct lint_expect want_server = { LINT_LEAF, server, 1, 1 };
	const struct lint_expect want_none = { LINT_LEAF, server, 0, 1 };
	const struct lint_expect bad = { LINT_LEAF, bogus, 2, 1 };
	struct lint_report r = { 0 };
	X509 *x;

	want_cert(sign(leaf(), k.inter), &want_both, "eku-missing",
	    LINT_ERROR, "profile wants clientAuth too");
	x = leaf();
	del_ext(x, NID_ext_key_usage);
	want_cert(sign(x, k.inter), &want_server, "eku-missing", LINT_ERROR,
	    "no EKU at all, profile wants serverAuth");
	x = leaf();
	set_ext(x, good_int, NID_ext_key_usage, "serverAuth,codeSigning");
	want_cert(sign(x, k.inter), &want_server, "eku-extra", LINT_WARNING,
	    "codeSigning beyond the profile");
	want_cert(sign(leaf(), k.inter), &want_none, "eku-extra",
	    LINT_WARNING, "profile expects no EKU");
	x = leaf();
	set_ext(x, good_int, NID_ext_key_usage,
	    "serverAuth,anyExtendedKeyUsage");
	want_cert(sign(x, k.inter), NULL, "eku-any", LINT_WARNING,
	    "anyExtendedKeyUsage");
	x = leaf();
	del_ext(x, NID_ext_key_usage);
	want_cert(sign(x, k.inter), NULL, "leaf-eku-missing", LINT_NOTICE,
	    "leaf without EKU");
	x = leaf();
	del_ext(x, NID_ext_key_usage);
	{
		EXTENDED_KEY_USAGE *eku = sk_ASN1_OBJECT_new_null();

		X509_add1_ext_i2d(x, NID_ext_key_usage, eku, 0,
		    X509V3_ADD_APPEND);
		sk_ASN1_OBJECT_free(eku);
	}
	want_cert(sign(x, k.inter), NULL, "eku-empty", LINT_ERROR,
	    "empty extKeyUsage");
	x = sign(leaf(), k.inter);
	CHECK_RC(lint_cert(x, &bad, &r), ERR_USAGE,
	    "unknown EKU name in the profile is a usage error");
	CHECK(strstr(err_msg(), "webAuth") != NULL, "the message names it "
	    "(%s)", err_msg());
	CHECK(r.count == 0, "and nothing is reported");
	lint_report_free(&r);
	X509_free(x);
}

/* Tests: against the issuer. */

static void
test_issuer(void)
{
	struct lint_report r = { 0 };
	X509 *x, *rsa_ca, *sub;

	x = sign(leaf(), k.inter);
	CHECK_RC(lint_cert_issuer(x, good_int, &r), 0, "good leaf vs issuer");
	CHECK(r.count == 0, "good leaf vs issuer: no findings (%zu)",
	    r.count);
	dump(&r);
	lint_report_free(&r);
	CHECK_RC(lint_cert_issuer(good_int, good_root, &r), 0,
	    "good intermediate vs root");
	CHECK(r.count == 0, "good intermediate vs root: no findings (%zu)",
	    r.count);
	dump(&r);
	lint_report_free(&r);
	want_issuer(X509_dup(x), good_root, "issuer-name", LINT_ERROR,
	    "leaf vs the root");
	want_issuer(X509_dup(x), good_root, "issuer-aki", LINT_ERROR,
	    "leaf vs the root (AKI)");
	want_issuer(X509_dup(x), good_root, "issuer-signature", LINT_ERROR,
	    "leaf vs the root (signature)");
	want_issuer(X509_dup(x), x, "issuer-not-ca", LINT_ERROR,
	    "leaf vs itself");
	X509_free(x);
	x = sign(leaf(), k.leaf);
	want_issuer(X509_dup(x), good_int, "issuer-signature", LINT_ERROR,
	    "leaf signed by a throwaway key");
	CHECK_RC(lint_cert_issuer_tbs(x, good_int, &r), 0,
	    "the same before signing (lint_cert_issuer_tbs)");
	CHECK(r.count == 0, "lint_cert_issuer_tbs: no findings (%zu)",
	    r.count);
	dump(&r);
	lint_report_free(&r);
	X509_free(x);
	x = leaf();
	set_ext(x, good_int, NID_subject_alt_name, "DNS:evil.example.org");
	sign(x, k.leaf);
	CHECK_RC(lint_cert_issuer_tbs(x, good_int, &r), 0,
	    "lint_cert_issuer_tbs, name outside the constraints");
	check_found(&r, "issuer-nc", LINT_ERROR, "lint_cert_issuer_tbs");
	lint_report_free(&r);
	X509_free(x);
	sub = int_tbs(k.leaf, good_int);
	X509_NAME_ENTRY_free(X509_NAME_delete_entry(
	    X509_get_subject_name(sub), 1));
	X509_NAME_add_entry_by_txt(X509_get_subject_name(sub), "CN",
	    MBSTRING_UTF8, (const unsigned char *)"Sub CA", -1, -1, 0);
	want_issuer(sign(sub, k.inter), good_int, "issuer-pathlen",
	    LINT_ERROR, "CA below pathLen 0");
	x = leaf();
	set_ext(x, good_int, NID_subject_alt_name, "DNS:www.example.org");
	want_issuer(sign(x, k.inter), good_int, "issuer-nc", LINT_ERROR,
	    "DNS name outside the permitted subtree");
	x = leaf();
	set_ext(x, good_int, NID_subject_alt_name, "IP:192.168.1.1");
	want_issuer(sign(x, k.inter), good_int, "issuer-nc", LINT_ERROR,
	    "IP address outside the permitted subtree");
	x = leaf();
	X509_time_adj_ex(X509_getm_notAfter(x), 4000, 0, NULL);
	want_issuer(sign(x, k.inter), good_int, "issuer-validity",
	    LINT_WARNING, "leaf outliving its issuer");
	rsa_ca = sign(int_tbs(k.rsa, good_root), k.root);
	x = sign(leaf_tbs(k.leaf, rsa_ca), k.inter);
	want_issuer(x, rsa_ca, "sig-alg-key", LINT_ERROR,
	    "ECDSA signature, RSA issuer");
	X509_free(rsa_ca);
	rsa_ca = sign(int_tbs(k.p384, good_root), k.root);
	x = leaf_tbs(k.leaf, rsa_ca);
	X509_sign(x, k.p384, EVP_sha256());
	want_issuer(x, rsa_ca, "sig-ec-hash", LINT_WARNING,
	    "P-384 issuer signing with SHA-256");
	X509_free(rsa_ca);
}

/* Tests: CRLs. */

static void
add_revoked(X509_CRL *c, long serial, int reason, long offset, int crit)
{
	X509_REVOKED *rev = X509_REVOKED_new();
	ASN1_INTEGER *s = ASN1_INTEGER_new();
	ASN1_TIME *t = X509_time_adj_ex(NULL, 0, offset, NULL);
	ASN1_ENUMERATED *e;

	ASN1_INTEGER_set(s, serial);
	X509_REVOKED_set_serialNumber(rev, s);
	X509_REVOKED_set_revocationDate(rev, t);
	if (reason >= 0) {
		e = ASN1_ENUMERATED_new();
		ASN1_ENUMERATED_set(e, reason);
		X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, e, crit,
		    X509V3_ADD_APPEND);
		ASN1_ENUMERATED_free(e);
	}
	X509_CRL_add0_revoked(c, rev);
	ASN1_INTEGER_free(s);
	ASN1_TIME_free(t);
}

static void
crl_ext(X509_CRL *c, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer, NULL, NULL, c, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL) {
		printf("test setup: cannot build %s\n", OBJ_nid2sn(nid));
		return;
	}
	X509_CRL_add_ext(c, ext, -1);
	X509_EXTENSION_free(ext);
}

static void
crl_number(X509_CRL *c, long n, int crit)
{
	ASN1_INTEGER *num = ASN1_INTEGER_new();

	ASN1_INTEGER_set(num, n);
	X509_CRL_add1_ext_i2d(c, NID_crl_number, num, crit,
	    X509V3_ADD_APPEND);
	ASN1_INTEGER_free(num);
}

/*
 * An unsigned v2 CRL of issuer: number 7, AKI, valid for a week (or
 * without nextUpdate), one entry.
 */
static X509_CRL *
crl_tbs_next(X509 *issuer, int next)
{
	X509_CRL *c = X509_CRL_new();
	ASN1_TIME *t;

	X509_CRL_set_version(c, X509_CRL_VERSION_2);
	X509_CRL_set_issuer_name(c, X509_get_subject_name(issuer));
	t = X509_time_adj_ex(NULL, 0, 0, NULL);
	X509_CRL_set1_lastUpdate(c, t);
	ASN1_TIME_free(t);
	if (next) {
		t = X509_time_adj_ex(NULL, 7, 0, NULL);
		X509_CRL_set1_nextUpdate(c, t);
		ASN1_TIME_free(t);
	}
	crl_number(c, 7, 0);
	crl_ext(c, issuer, NID_authority_key_identifier, "keyid:always");
	add_revoked(c, 0x1234, 1, -3600, 0);
	return c;
}

static X509_CRL *
crl_tbs(X509 *issuer)
{
	return crl_tbs_next(issuer, 1);
}

static X509_CRL *
crl_sign(X509_CRL *c, EVP_PKEY *key)
{
	if (X509_CRL_sign(c, key, md_for(key)) <= 0)
		printf("test setup: CRL signing failed\n");
	return c;
}

static void
want_crl(X509_CRL *c, X509 *issuer, const char *rule,
    enum lint_severity sev, const char *what)
{
	struct lint_report r = { 0 };

	CHECK_RC(lint_crl(c, issuer, &r), 0, "%s: lint_crl returns 0", what);
	check_found(&r, rule, sev, what);
	lint_report_free(&r);
	X509_CRL_free(c);
}

static X509_CRL *
crl(void)
{
	return crl_tbs(good_int);
}

static void
test_crl_good(void)
{
	struct lint_report r = { 0 };
	X509_CRL *c = crl_sign(crl(), k.inter);

	CHECK_RC(lint_crl(c, good_int, &r), 0, "good CRL");
	CHECK(r.count == 0, "good CRL: no findings (%zu)", r.count);
	dump(&r);
	lint_report_free(&r);
	CHECK_RC(lint_crl(c, NULL, &r), 0, "good CRL without issuer");
	CHECK(r.count == 0, "good CRL without issuer: no findings");
	lint_report_free(&r);
	X509_CRL_free(c);
}

static void
test_crl_fields(void)
{
	X509_CRL *c;
	ASN1_TIME *t;

	c = crl();
	X509_CRL_set_version(c, X509_CRL_VERSION_1);
	want_crl(crl_sign(c, k.inter), NULL, "crl-version", LINT_ERROR,
	    "v1 CRL");
	c = crl();
	t = X509_time_adj_ex(NULL, -1, 0, NULL);
	X509_CRL_set1_nextUpdate(c, t);
	ASN1_TIME_free(t);
	want_crl(crl_sign(c, k.inter), NULL, "crl-update-order", LINT_ERROR,
	    "nextUpdate before thisUpdate");
	c = crl_tbs_next(good_int, 0);
	want_crl(crl_sign(c, k.inter), NULL, "crl-next-update-missing",
	    LINT_ERROR, "no nextUpdate");
	c = crl();
	t = ASN1_TIME_new();
	ASN1_GENERALIZEDTIME_set_string(t, "20300101000000Z");
	X509_CRL_set1_nextUpdate(c, t);
	ASN1_TIME_free(t);
	want_crl(crl_sign(c, k.inter), NULL, "crl-time-encoding", LINT_ERROR,
	    "GeneralizedTime nextUpdate in 2030");
	c = crl();
	t = ASN1_UTCTIME_new();
	ASN1_STRING_set(t, "3001010000Z", -1);
	X509_CRL_set1_nextUpdate(c, t);
	ASN1_TIME_free(t);
	want_crl(crl_sign(c, k.inter), NULL, "crl-time-format", LINT_ERROR,
	    "UTCTime without seconds");
}

static void
del_crl_ext(X509_CRL *c, int nid)
{
	int i;

	while ((i = X509_CRL_get_ext_by_NID(c, nid, -1)) >= 0)
		X509_EXTENSION_free(X509_CRL_delete_ext(c, i));
}

static void
test_crl_exts(void)
{
	X509_NAME *empty = X509_NAME_new();
	ASN1_INTEGER *big;
	BIGNUM *bn;
	X509_CRL *c;

	c = crl();
	del_crl_ext(c, NID_crl_number);
	want_crl(crl_sign(c, k.inter), NULL, "crl-number-missing", LINT_ERROR,
	    "CRL without number");
	c = crl();
	del_crl_ext(c, NID_crl_number);
	crl_number(c, 7, 1);
	want_crl(crl_sign(c, k.inter), NULL, "crl-number-critical",
	    LINT_ERROR, "critical CRL number");
	c = crl();
	del_crl_ext(c, NID_crl_number);
	crl_number(c, -7, 0);
	want_crl(crl_sign(c, k.inter), NULL, "crl-number-negative",
	    LINT_ERROR, "negative CRL number");
	c = crl();
	del_crl_ext(c, NID_crl_number);
	bn = BN_new();
	BN_set_bit(bn, 166);
	big = BN_to_ASN1_INTEGER(bn, NULL);
	X509_CRL_add1_ext_i2d(c, NID_crl_number, big, 0, X509V3_ADD_APPEND);
	ASN1_INTEGER_free(big);
	BN_free(bn);
	want_crl(crl_sign(c, k.inter), NULL, "crl-number-length", LINT_ERROR,
	    "21-octet CRL number");
	c = crl();
	crl_number(c, 8, 0);
	want_crl(crl_sign(c, k.inter), NULL, "crl-ext-duplicate", LINT_ERROR,
	    "two CRL numbers");
	c = crl();
	del_crl_ext(c, NID_authority_key_identifier);
	want_crl(crl_sign(c, k.inter), NULL, "crl-aki-missing", LINT_ERROR,
	    "CRL without AKI");
	c = crl();
	del_crl_ext(c, NID_authority_key_identifier);
	crl_ext(c, good_int, NID_authority_key_identifier, "issuer:always");
	want_crl(crl_sign(c, k.inter), NULL, "crl-aki-keyid", LINT_ERROR,
	    "CRL AKI without keyIdentifier");
	c = crl();
	crl_ext(c, good_int, NID_issuing_distribution_point,
	    "onlyCA:TRUE");
	want_crl(crl_sign(c, k.inter), NULL, "crl-idp-critical", LINT_ERROR,
	    "non-critical IDP");
	c = crl();
	X509_CRL_set_issuer_name(c, empty);
	want_crl(crl_sign(c, k.inter), NULL, "crl-issuer-empty", LINT_ERROR,
	    "empty CRL issuer");
	X509_NAME_free(empty);
}

static void
crl_raw_ext(X509_CRL *c, const char *oid, int crit, const unsigned char *der,
    int len)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext;

	ASN1_OCTET_STRING_set(os, der, len);
	ext = X509_EXTENSION_create_by_OBJ(NULL, obj, crit, os);
	X509_CRL_add_ext(c, ext, -1);
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
}

/* An entry with a raw extension (and reasonCode keyCompromise). */
static void
entry_raw_ext(X509_CRL *c, const char *oid, int crit,
    const unsigned char *der, int len)
{
	STACK_OF(X509_REVOKED) *revoked;
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext;

	add_revoked(c, 0x77, 1, -60, 0);
	revoked = X509_CRL_get_REVOKED(c);
	ASN1_OCTET_STRING_set(os, der, len);
	ext = X509_EXTENSION_create_by_OBJ(NULL, obj, crit, os);
	X509_REVOKED_add_ext(sk_X509_REVOKED_value(revoked,
	    sk_X509_REVOKED_num(revoked) - 1), ext, -1);
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
}

static void
test_crl_raw(void)
{
	static const unsigned char junk[] = { 0x04, 0x01, 0x00 };
	static const unsigned char reason[] = { 0x0a, 0x01, 0x04 };
	X509_CRL *c;

	c = crl();
	crl_raw_ext(c, "1.3.6.1.4.1.99999.2", 1, junk, sizeof(junk));
	want_crl(crl_sign(c, k.inter), NULL, "crl-ext-unknown-critical",
	    LINT_ERROR, "unknown critical CRL extension");
	c = crl();
	del_crl_ext(c, NID_crl_number);
	crl_raw_ext(c, "2.5.29.20", 0, junk, sizeof(junk));
	want_crl(crl_sign(c, k.inter), NULL, "crl-ext-malformed", LINT_ERROR,
	    "CRL number that is no INTEGER");
	c = crl();
	entry_raw_ext(c, "2.5.29.21", 0, reason, sizeof(reason));
	want_crl(crl_sign(c, k.inter), NULL, "crl-entry-ext-duplicate",
	    LINT_ERROR, "entry with two reason codes");
	c = crl();
	entry_raw_ext(c, "1.3.6.1.4.1.99999.3", 1, junk, sizeof(junk));
	want_crl(crl_sign(c, k.inter), NULL, "crl-entry-ext-unknown-critical",
	    LINT_ERROR, "entry with an unknown critical extension");
	c = crl();
	entry_raw_ext(c, "2.5.29.24", 0, junk, sizeof(junk));
	want_crl(crl_sign(c, k.inter), NULL, "crl-entry-ext-malformed",
	    LINT_ERROR, "invalidityDate that is no time");
}

static void
test_crl_entries(void)
{
	struct lint_report r = { 0 };
	const struct lint_finding *f;
	X509_CRL *c;
	size_t i, n;
	int j;

	c = crl();
	add_revoked(c, 0x1234, 4, -60, 0);
	want_crl(crl_sign(c, k.inter), NULL, "crl-entry-duplicate",
	    LINT_ERROR, "serial listed twice");
	c = crl();
	add_revoked(c, 0x99, 7, -60, 0);
	want_crl(crl_sign(c, k.inter), NULL, "crl-reason-code", LINT_ERROR,
	    "reason code 7");
	c = crl();
	add_revoked(c, 0x99, 0, -60, 0);
	want_crl(crl_sign(c, k.inter), NULL, "crl-reason-unspecified",
	    LINT_WARNING, "reason unspecified");
	c = crl();
	add_revoked(c, 0x99, 8, -60, 0);
	want_crl(crl_sign(c, k.inter), NULL, "crl-reason-remove",
	    LINT_WARNING, "removeFromCRL in a full CRL");
	c = crl();
	add_revoked(c, 0x99, 1, -60, 1);
	want_crl(crl_sign(c, k.inter), NULL, "crl-reason-critical",
	    LINT_ERROR, "critical reason code");
	c = crl();
	add_revoked(c, 0x99, 1, 86400, 0);
	want_crl(crl_sign(c, k.inter), NULL, "crl-revocation-date",
	    LINT_WARNING, "revoked tomorrow");
	/* Twenty unspecified reasons: five findings, the last counts. */
	c = crl();
	for (j = 0; j < 20; j++)
		add_revoked(c, 0x100 + j, 0, -60, 0);
	crl_sign(c, k.inter);
	CHECK_RC(lint_crl(c, NULL, &r), 0, "CRL with 20 bad entries");
	for (i = n = 0, f = NULL; i < r.count; i++)
		if (strcmp(r.findings[i].rule, "crl-reason-unspecified") == 0) {
			n++;
			f = &r.findings[i];
		}
	CHECK(n == 5 && r.warnings == 5, "capped at 5 findings (%zu)", n);
	CHECK(f != NULL && strstr(f->message, "and 15 more entries") != NULL,
	    "the last one counts the rest (%s)", f ? f->message : "");
	lint_report_free(&r);
	X509_CRL_free(c);
}

static void
test_crl_issuer(void)
{
	const ASN1_BIT_STRING *sig;
	const X509_ALGOR *alg;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *ctx;
	X509_CRL *c;
	X509 *x, *rsa_ca;

	want_crl(crl_sign(crl(), k.inter), good_root, "crl-issuer-name",
	    LINT_ERROR, "CRL vs the wrong issuer");
	want_crl(crl_sign(crl(), k.inter), good_root, "crl-issuer-aki",
	    LINT_ERROR, "CRL vs the wrong issuer (AKI)");
	want_crl(crl_sign(crl(), k.inter), good_root, "crl-signature",
	    LINT_ERROR, "CRL vs the wrong issuer (signature)");
	x = inter();
	set_ext(x, good_root, NID_key_usage, "critical,keyCertSign");
	sign(x, k.root);
	want_crl(crl_sign(crl_tbs(x), k.inter), x, "crl-issuer-crlsign",
	    LINT_ERROR, "issuer without cRLSign");
	X509_free(x);
	c = crl();
	X509_CRL_sign(c, k.inter, EVP_sha1());
	want_crl(c, NULL, "crl-sig-alg-allowed", LINT_ERROR,
	    "CRL signed with SHA-1");
	c = crl_sign(crl(), k.inter);
	X509_CRL_get0_signature(c, &sig, &alg);
	set_alg(alg, NID_ecdsa_with_SHA384, V_ASN1_UNDEF);
	want_crl(c, NULL, "crl-sig-alg-match", LINT_ERROR,
	    "CRL outer algorithm differs");
	c = crl_sign(crl(), k.inter);
	X509_CRL_get0_signature(c, &sig, &alg);
	set_alg(alg, NID_ecdsa_with_SHA256, V_ASN1_NULL);
	want_crl(c, NULL, "crl-sig-alg-params", LINT_ERROR,
	    "CRL: ECDSA with NULL parameters");
	c = crl();
	ctx = EVP_MD_CTX_new();
	if (EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), NULL, k.rsa) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 20) != 1 ||
	    X509_CRL_sign_ctx(c, ctx) <= 0)
		printf("test setup: PSS CRL signing failed\n");
	EVP_MD_CTX_free(ctx);
	want_crl(c, NULL, "crl-sig-pss-params", LINT_ERROR,
	    "CRL: RSA-PSS with a 20-octet salt");
	rsa_ca = sign(int_tbs(k.rsa, good_root), k.root);
	want_crl(crl_sign(crl(), k.inter), rsa_ca, "crl-sig-alg-key",
	    LINT_ERROR, "ECDSA CRL, RSA issuer");
	X509_free(rsa_ca);
	rsa_ca = sign(int_tbs(k.p384, good_root), k.root);
	c = crl_tbs(rsa_ca);
	X509_CRL_sign(c, k.p384, EVP_sha256());
	want_crl(c, rsa_ca, "crl-sig-ec-hash", LINT_WARNING,
	    "P-384 CRL signed with SHA-256");
	X509_free(rsa_ca);
}

/* Tests: reports, escaping, the table. */

static void
test_report(void)
{
	struct lint_report r = { 0 };
	char *text = NULL;
	BIGNUM *bn = NULL;
	X509 *x;
	int ok;

	x = leaf();
	BN_hex2bn(&bn, "-4142434445464748494a4b4c4d4e4f50");
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	sign(x, k.inter);
	CHECK_RC(lint_cert(x, NULL, &r), 0, "lint the negative serial");
	CHECK(r.count == 1 && r.errors == 1, "exactly one finding (%zu)",
	    r.count);
	if (r.count != 1)
		dump(&r);
	CHECK_RC(lint_report_text(&r, "leaf.pem", &text), 0, "text report");
	ok = text != NULL && strcmp(text, "leaf.pem: error: serial-positive "
	    "(RFC 5280 4.1.2.2): the serial number is negative\n") == 0;
	CHECK(ok, "text line: subject, severity, rule, source, message");
	if (!ok)
		printf("      got: %s\n", text ? text : "(null)");
	free(text);
	CHECK_RC(lint_report_text(&r, NULL, &text), 0, "without subject");
	CHECK(text != NULL && strncmp(text, "error: serial-positive", 22) == 0,
	    "without subject: no prefix");
	free(text);
	CHECK_RC(lint_cert(x, NULL, &r), 0, "lint again into the report");
	CHECK(r.count == 2 && r.errors == 2, "findings append (%zu)", r.count);
	lint_report_free(&r);
	CHECK(r.count == 0 && r.findings == NULL && r.errors == 0,
	    "lint_report_free empties the report");
	CHECK_RC(lint_report_text(&r, "x", &text), 0, "empty report");
	CHECK(text != NULL && text[0] == '\0', "empty report is \"\"");
	free(text);
	lint_report_free(NULL);
	X509_free(x);
}

static void
test_escape(void)
{
	struct lint_report r = { 0 };
	const struct lint_finding *f;
	X509 *x = leaf();
	size_t i;
	int ok = 1;

	set_ext(x, good_int, NID_subject_alt_name,
	    "DNS:www.example.com,DNS:\x1b[31mred\x1b[0m.example.com");
	sign(x, k.inter);
	CHECK_RC(lint_cert(x, NULL, &r), 0, "lint a hostile DNS name");
	f = find(&r, "san-dns-syntax");
	CHECK(f != NULL && strstr(f->message, "\\x1b[31mred") != NULL,
	    "escape sequence shown as \\x1b (%s)", f ? f->message : "");
	for (i = 0; f != NULL && f->message[i] != '\0'; i++)
		ok &= f->message[i] >= 0x20 && f->message[i] < 0x7f;
	CHECK(ok, "the message is printable ASCII");
	lint_report_free(&r);
	X509_free(x);
}

static void
test_table(void)
{
	const struct lint_rule *t;
	size_t n, i, j;
	int ok = 1;

	t = lint_rules(&n);
	CHECK(n >= 100, "the table has %zu rules", n);
	for (i = 0; i < n; i++) {
		ok &= t[i].id != NULL && t[i].source != NULL &&
		    t[i].summary != NULL && t[i].id[0] != '\0' &&
		    (strncmp(t[i].source, "RFC ", 4) == 0 ||
		    strncmp(t[i].source, "CA/B BR ", 8) == 0);
		for (j = 0; ok && j < i; j++)
			ok &= strcmp(t[i].id, t[j].id) != 0;
	}
	CHECK(ok, "every rule has a unique id, a source and a summary");
	CHECK(strcmp(lint_severity_name(LINT_ERROR), "error") == 0 &&
	    strcmp(lint_severity_name(LINT_WARNING), "warning") == 0 &&
	    strcmp(lint_severity_name(LINT_NOTICE), "notice") == 0,
	    "severity names");
}

static int
setup(void)
{
	k.root = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	k.inter = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	k.leaf = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	k.p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	k.p521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	k.p224 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-224");
	k.ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	k.rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if (k.root == NULL || k.inter == NULL || k.leaf == NULL ||
	    k.p384 == NULL || k.p521 == NULL || k.p224 == NULL ||
	    k.ed == NULL || k.rsa == NULL)
		return -1;
	good_root = sign(root_tbs(k.root), k.root);
	good_int = sign(int_tbs(k.inter, good_root), k.root);
	return 0;
}

int
main(void)
{
	if (setup() != 0) {
		printf("FAIL: %s: key generation\n", __FILE__);
		return 1;
	}
	test_good();
	test_serial();
	test_version();
	test_validity();
	test_names();
	test_exts();
	test_ca();
	test_root();
	test_keyids();
	test_san();
	test_cn();
	test_keys();
	test_sig();
	test_nc();
	test_eku();
	test_issuer();
	test_crl_good();
	test_crl_fields();
	test_crl_exts();
	test_crl_raw();
	test_crl_entries();
	test_crl_issuer();
	test_report();
	test_escape();
	test_table();
	X509_free(good_root);
	X509_free(good_int);
	EVP_PKEY_free(k.root);
	EVP_PKEY_free(k.inter);
	EVP_PKEY_free(k.leaf);
	EVP_PKEY_free(k.p384);
	EVP_PKEY_free(k.p521);
	EVP_PKEY_free(k.p224);
	EVP_PKEY_free(k.ed);
	EVP_PKEY_free(k.rsa);
	return harness_done();
}
