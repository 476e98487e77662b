/*
 * test_crl.c: building, signing and reading CRLs.  Reason names both
 * ways; an empty CRL and one with entries carry v2, the issuer's name,
 * AKI = issuer SKI, the CRL number, a critical IDP with DER booleans,
 * entries sorted by serial with reasonCode only where RFC 5280 wants
 * one; every bad parameter is refused with its code; signatures verify
 * under the issuer and not under another key; PEM and DER round trips;
 * UTCTime and GeneralizedTime chosen by date; delta CRL indicator
 * (critical, base below the own number, once), freshestCRL URL and
 * expiredCertsOnCRL (by OID, exact DER).  Leaves nothing behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/x509v3.h>

#include "crl.h"
#include "err.h"
#include "harness.h"
#include "secmem.h"
#include "x509.h"

static char dir[] = "/tmp/test_crl.XXXXXX";
static EVP_PKEY *key1, *key2;
static X509 *ca1, *ca2;

static char *
tpath(const char *name)
{
	static char buf[2][512];
	static int next;

	next = (next + 1) % 2;
	snprintf(buf[next], sizeof(buf[next]), "%s/%s", dir, name);
	return buf[next];
}

static X509 *
make_ca(EVP_PKEY *key, const char *cn)
{
	struct x509_subject s = { "DE", NULL, NULL, "Test Org", NULL, cn };
	X509 *c = NULL;

	if (x509_build_root(key, &s, 5, &c) != 0 ||
	    x509_sign(c, key, KEY_P256) != 0) {
		X509_free(c);
		return NULL;
	}
	return c;
}

static void
test_reasons(void)
{
	static const char *const names[] = { "unspecified", "keyCompromise",
	    "cACompromise", "affiliationChanged", "superseded",
	    "cessationOfOperation", "certificateHold", NULL, "removeFromCRL",
	    "privilegeWithdrawn", "aACompromise" };
	int i, r, ok = 1;

	for (i = 0; i <= 10; i++) {
		if (names[i] == NULL)
			continue;
		r = -5;
		if (crl_reason_parse(names[i], &r) != 0 || r != i ||
		    crl_reason_name(i) == NULL ||
		    strcmp(crl_reason_name(i), names[i]) != 0)
			ok = 0;
	}
	CHECK(ok, "all ten RFC 5280 reason names parse to their codes and "
	    "back");
	CHECK(crl_reason_parse("KEYCOMPROMISE", &r) == 0 && r == 1,
	    "reason names ignore case");
	CHECK_RC(crl_reason_parse("stolen", &r), ERR_USAGE,
	    "an unknown reason is a usage error");
	CHECK(strstr(err_msg(), "\"stolen\"") != NULL &&
	    strstr(err_msg(), "keyCompromise") != NULL &&
	    strstr(err_msg(), "aACompromise") != NULL,
	    "the message names the value and the valid names: %s", err_msg());
	CHECK(crl_reason_name(7) == NULL && crl_reason_name(11) == NULL &&
	    strcmp(crl_reason_name(CRL_REASON_NONE), "none") == 0,
	    "code 7 and 11 have no name; CRL_REASON_NONE is \"none\"");
}

static int
ext_critical(X509_CRL *crl, int nid)
{
	int i = X509_CRL_get_ext_by_NID(crl, nid, -1);

	return i < 0 ? -1 : X509_EXTENSION_get_critical(
	    X509_CRL_get_ext(crl, i));
}

static void
test_empty(void)
{
	struct crl_params p = { ca1, 5, 1767225600, 1767225600 + 86400 * 30,
	    1, 0, NULL };
	AUTHORITY_KEYID *akid;
	ISSUING_DIST_POINT *idp;
	X509_CRL *crl = NULL;
	unsigned long long n = 0;
	unsigned char *der = NULL;
	size_t len = 0;
	int crit;

	CHECK_RC(crl_build(&p, NULL, 0, &crl), 0, "an empty CRL builds");
	if (crl == NULL)
		return;
	CHECK(X509_CRL_get_version(crl) == X509_CRL_VERSION_2, "version 2");
	CHECK(X509_NAME_cmp(X509_CRL_get_issuer(crl),
	    X509_get_subject_name(ca1)) == 0, "issuer is the CA's subject");
	CHECK(X509_CRL_get_REVOKED(crl) == NULL ||
	    sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)) == 0,
	    "no revoked certificates");
	CHECK(crl_number(crl, &n) == 0 && n == 5, "cRLNumber 5 (%llu)", n);
	CHECK(ext_critical(crl, NID_crl_number) == 0, "cRLNumber not critical");
	akid = X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, &crit,
	    NULL);
	CHECK(akid != NULL && akid->keyid != NULL && crit == 0 &&
	    ASN1_OCTET_STRING_cmp(akid->keyid,
	    X509_get0_subject_key_id(ca1)) == 0 && akid->issuer == NULL,
	    "AKI keyid = the CA's SKI, nothing else, not critical");
	AUTHORITY_KEYID_free(akid);
	idp = X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &crit,
	    NULL);
	CHECK(idp != NULL && crit == 1 && idp->onlyCA != 0 &&
	    idp->onlyuser == 0 && idp->distpoint == NULL,
	    "IDP critical, onlyContainsCACerts, no distribution point");
	ISSUING_DIST_POINT_free(idp);
	CHECK(crl_sign(crl, key1, KEY_P256) == 0 &&
	    crl_der(crl, &der, &len) == 0 &&
	    memmem(der, len, "\x30\x03\x82\x01\xff", 5) != NULL,
	    "IDP is SEQUENCE { [2] TRUE } with TRUE as 0xff (DER)");
	CHECK(ASN1_STRING_type(X509_CRL_get0_lastUpdate(crl)) ==
	    V_ASN1_UTCTIME, "thisUpdate in 2026 is UTCTime");
	free(der);
	X509_CRL_free(crl);
}

static const ASN1_INTEGER *
serial_at(X509_CRL *crl, int i)
{
	return X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(
	    X509_CRL_get_REVOKED(crl), i));
}

static int
reason_at(X509_CRL *crl, int i)
{
	X509_REVOKED *r = sk_X509_REVOKED_value(X509_CRL_get_REVOKED(crl), i);
	ASN1_ENUMERATED *e;
	int crit, v;

	e = X509_REVOKED_get_ext_d2i(r, NID_crl_reason, &crit, NULL);
	if (e == NULL)
		return crit == -1 ? -1 : -2;
	v = crit == 0 ? (int)ASN1_ENUMERATED_get(e) : -3;
	ASN1_ENUMERATED_free(e);
	return v;
}

static void
test_entries(void)
{
	const struct crl_entry e[] = {
		{ "7F01", 1767000000, CRL_REASON_KEY_COMPROMISE },
		{ "0a", 1767000100, CRL_REASON_UNSPECIFIED },
		{ "00FF", 1767000200, CRL_REASON_NONE },
		{ "4000000000000000000000000000000000000001", 1767000300,
		    CRL_REASON_SUPERSEDED },
	};
	struct crl_params p = { ca1, 1, 1767225600, 1767225600 + 86400, 1, 0,
	    "http://crl.example.org/root.crl" };
	ISSUING_DIST_POINT *idp;
	GENERAL_NAME *gn;
	X509_CRL *crl = NULL;
	ASN1_INTEGER *want;
	int ok = 1, type;

	CHECK_RC(crl_build(&p, e, 4, &crl), 0, "a CRL with four entries");
	if (crl == NULL)
		return;
	CHECK(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)) == 4,
	    "four entries");
	want = ASN1_INTEGER_new();
	ASN1_INTEGER_set(want, 0x0a);
	ok &= ASN1_INTEGER_cmp(serial_at(crl, 0), want) == 0;
	ASN1_INTEGER_set(want, 0xff);
	ok &= ASN1_INTEGER_cmp(serial_at(crl, 1), want) == 0;
	ASN1_INTEGER_set(want, 0x7f01);
	ok &= ASN1_INTEGER_cmp(serial_at(crl, 2), want) == 0;
	ASN1_INTEGER_free(want);
	CHECK(ok, "entries sorted by serial: 0A, FF, 7F01, 4000...01");
	CHECK(reason_at(crl, 2) == 1, "keyCompromise carries reasonCode 1, "
	    "not critical");
	CHECK(reason_at(crl, 0) == -1, "unspecified has no reasonCode");
	CHECK(reason_at(crl, 1) == -1, "no reason: no reasonCode");
	CHECK(reason_at(crl, 3) == 4, "superseded carries reasonCode 4");
	CHECK(ASN1_TIME_cmp_time_t(X509_REVOKED_get0_revocationDate(
	    sk_X509_REVOKED_value(X509_CRL_get_REVOKED(crl), 2)),
	    1767000000) == 0, "the revocation date is kept");
	idp = X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, NULL,
	    NULL);
	gn = idp != NULL && idp->distpoint != NULL &&
	    idp->distpoint->type == 0 ?
	    sk_GENERAL_NAME_value(idp->distpoint->name.fullname, 0) : NULL;
	CHECK(gn != NULL && GENERAL_NAME_get0_value(gn, &type) != NULL &&
	    type == GEN_URI && strcmp((const char *)ASN1_STRING_get0_data(
	    gn->d.uniformResourceIdentifier),
	    "http://crl.example.org/root.crl") == 0,
	    "IDP distributionPoint fullName is the URI");
	ISSUING_DIST_POINT_free(idp);
	X509_CRL_free(crl);
}

static void
test_bad(void)
{
	struct crl_params p = { ca1, 1, 1767225600, 1767225600 + 86400, 1, 0,
	    NULL };
	struct crl_entry e[2] = {
		{ "0A", 1767000000, CRL_REASON_SUPERSEDED },
		{ "0B", 1767000000, CRL_REASON_SUPERSEDED },
	};
	char big[48];
	X509_CRL *crl = NULL;
	X509 *noski = NULL;

	p.number = 0;
	CHECK_RC(crl_build(&p, NULL, 0, &crl), ERR_USAGE, "CRL number 0");
	p.number = 1;
	p.next_update = p.this_update;
	CHECK_RC(crl_build(&p, NULL, 0, &crl), ERR_USAGE,
	    "nextUpdate equal to thisUpdate");
	p.next_update = p.this_update + 60;
	p.only_user_certs = 1;
	CHECK_RC(crl_build(&p, NULL, 0, &crl), ERR_USAGE,
	    "only CA and only user certificates at once");
	p.only_user_certs = 0;
	e[1].serial_hex = "0a";
	CHECK_RC(crl_build(&p, e, 2, &crl), ERR_DATA, "a serial listed twice");
	CHECK(strstr(err_msg(), "0A") != NULL, "names the serial: %s",
	    err_msg());
	e[1].serial_hex = "xyz";
	CHECK_RC(crl_build(&p, e, 2, &crl), ERR_USAGE, "a serial not in hex");
	e[1].serial_hex = "000";
	CHECK_RC(crl_build(&p, e, 2, &crl), ERR_USAGE, "serial zero");
	memset(big, '1', 41);
	big[41] = '\0';
	e[1].serial_hex = big;
	CHECK_RC(crl_build(&p, e, 2, &crl), ERR_USAGE, "a 21-octet serial");
	big[40] = '\0';
	CHECK_RC(crl_build(&p, e, 2, &crl), 0, "a 20-octet serial is fine");
	X509_CRL_free(crl);
	crl = NULL;
	e[1].serial_hex = "0B";
	e[1].reason = 7;
	CHECK_RC(crl_build(&p, e, 2, &crl), ERR_USAGE, "reason code 7");
	e[1].reason = CRL_REASON_SUPERSEDED;
	e[1].revoked_at = p.this_update + 1;
	CHECK_RC(crl_build(&p, e, 2, &crl), ERR_DATA,
	    "a revocation after thisUpdate");
	e[1].revoked_at = p.this_update;
	CHECK_RC(crl_build(&p, e, 2, &crl), 0,
	    "a revocation at thisUpdate is fine");
	X509_CRL_free(crl);
	crl = NULL;
	noski = X509_dup(ca1);
	X509_EXTENSION_free(X509_delete_ext(noski, X509_get_ext_by_NID(noski,
	    NID_subject_key_identifier, -1)));
	x509_sign(noski, key1, KEY_P256);
	p.issuer = noski;
	CHECK_RC(crl_build(&p, NULL, 0, &crl), ERR_DATA,
	    "an issuer without subjectKeyIdentifier");
	X509_free(noski);
	CHECK(crl == NULL, "nothing is returned on failure");
}

static void
test_sign_and_files(void)
{
	struct crl_params p = { ca1, 42, 1767225600, 1767225600 + 86400, 1, 0,
	    NULL };
	const struct crl_entry e = { "1234", 1767000000,
	    CRL_REASON_CA_COMPROMISE };
	unsigned char *pem = NULL, *der = NULL, h1[32], h2[32];
	X509_CRL *crl = NULL, *back = NULL;
	unsigned long long n = 0;
	size_t plen = 0, dlen = 0;
	FILE *f;

	if (crl_build(&p, &e, 1, &crl) != 0)
		return;
	CHECK_RC(crl_sign(crl, key1, KEY_P256), 0, "sign with the CA key");
	CHECK_RC(crl_verify(crl, ca1), 0, "verifies under the CA");
	CHECK_RC(crl_verify(crl, ca2), ERR_NO, "not under another CA");
	CHECK_RC(crl_sign(crl, key2, KEY_P256), 0, "re-sign with another key");
	CHECK_RC(crl_verify(crl, ca1), ERR_NO,
	    "signed by the wrong key: does not verify under the CA");
	crl_sign(crl, key1, KEY_P256);
	CHECK(crl_pem(crl, &pem, &plen) == 0 && strncmp((char *)pem,
	    "-----BEGIN X509 CRL-----\n", 25) == 0, "PEM encoding");
	CHECK(crl_der(crl, &der, &dlen) == 0 && dlen > 0 && der[0] == 0x30,
	    "DER encoding");
	if ((f = fopen(tpath("c.pem"), "w")) != NULL) {
		fwrite(pem, 1, plen, f);
		fclose(f);
	}
	CHECK(crl_load(tpath("c.pem"), &back) == 0 && crl_number(back,
	    &n) == 0 && n == 42 && crl_verify(back, ca1) == 0,
	    "PEM loads back with number 42 and verifies");
	CHECK(back != NULL && crl_sha256(back, h1) == 0 &&
	    crl_sha256(crl, h2) == 0 && memcmp(h1, h2, 32) == 0,
	    "same SHA-256 after the round trip");
	X509_CRL_free(back);
	back = NULL;
	if ((f = fopen(tpath("c.der"), "w")) != NULL) {
		fwrite(der, 1, dlen, f);
		fputc(0, f);
		fclose(f);
	}
	CHECK_RC(crl_load(tpath("c.der"), &back), ERR_DATA,
	    "DER with a trailing byte is refused");
	CHECK(truncate(tpath("c.der"), (off_t)dlen) == 0, "cut the byte off");
	CHECK_RC(crl_load(tpath("c.der"), &back), 0, "DER loads");
	X509_CRL_free(back);
	back = NULL;
	CHECK_RC(crl_load(tpath("none.pem"), &back), ERR_NOINPUT,
	    "a missing file");
	CHECK_RC(crl_load("/etc/hostname", &back), ERR_DATA,
	    "a file that is not a CRL");
	unlink(tpath("c.pem"));
	unlink(tpath("c.der"));
	free(pem);
	free(der);
	X509_CRL_free(crl);
}

static void
test_generalized_time(void)
{
	/* 2050-01-01 and later: GeneralizedTime (RFC 5280 5.1.2.4). */
	struct crl_params p = { ca1, 1, 2524608000, 2524608000 + 86400, 0, 1,
	    NULL };
	X509_CRL *crl = NULL;
	ISSUING_DIST_POINT *idp;

	CHECK_RC(crl_build(&p, NULL, 0, &crl), 0, "a CRL dated 2050");
	if (crl == NULL)
		return;
	CHECK(ASN1_STRING_type(X509_CRL_get0_lastUpdate(crl)) ==
	    V_ASN1_GENERALIZEDTIME, "thisUpdate in 2050 is GeneralizedTime");
	idp = X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, NULL,
	    NULL);
	CHECK(idp != NULL && idp->onlyuser != 0 && idp->onlyCA == 0,
	    "onlyContainsUserCerts");
	ISSUING_DIST_POINT_free(idp);
	X509_CRL_free(crl);
	p.only_ca_certs = p.only_user_certs = 0;
	CHECK(crl_build(&p, NULL, 0, &crl) == 0 && ext_critical(crl,
	    NID_issuing_distribution_point) == -1,
	    "no IDP when nothing would go in it");
	X509_CRL_free(crl);
}

/* The URI of the first distribution point of freshestCRL, or NULL. */
static const char *
freshest_uri(X509_CRL *crl)
{
	static char buf[256];
	CRL_DIST_POINTS *dps;
	DIST_POINT *dp;
	GENERAL_NAME *gn;
	const ASN1_IA5STRING *uri;

	buf[0] = '\0';
	dps = X509_CRL_get_ext_d2i(crl, NID_freshest_crl, NULL, NULL);
	if (dps != NULL && sk_DIST_POINT_num(dps) == 1 &&
	    (dp = sk_DIST_POINT_value(dps, 0))->distpoint != NULL &&
	    dp->distpoint->type == 0 &&
	    (gn = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, 0))
	    != NULL && gn->type == GEN_URI) {
		uri = gn->d.uniformResourceIdentifier;
		snprintf(buf, sizeof(buf), "%.*s", ASN1_STRING_length(uri),
		    (const char *)ASN1_STRING_get0_data(uri));
	}
	CRL_DIST_POINTS_free(dps);
	return buf[0] != '\0' ? buf : NULL;
}

static void
test_delta(void)
{
	struct crl_params p = { ca1, 7, 1767225600, 1767225600 + 86400, 0, 1,
	    "http://a.example/d.crl" };
	X509_CRL *crl = NULL;
	unsigned long long base = 0;
	const char *uri;

	if (crl_build(&p, NULL, 0, &crl) != 0)
		return;
	CHECK_RC(crl_delta_base(crl, &base), ERR_NO, "a complete CRL has no "
	    "base number");
	CHECK_RC(crl_add_delta_indicator(crl, 7), ERR_USAGE, "a delta's base "
	    "must be below its own number");
	CHECK_RC(crl_add_delta_indicator(crl, 0), ERR_USAGE, "base 0");
	CHECK_RC(crl_add_delta_indicator(crl, 6), 0, "delta of base 6");
	CHECK(ext_critical(crl, NID_delta_crl) == 1, "the deltaCRLIndicator "
	    "is critical");
	CHECK(crl_delta_base(crl, &base) == 0 && base == 6, "base 6 read "
	    "back");
	CHECK_RC(crl_add_delta_indicator(crl, 5), ERR_DATA, "only one "
	    "deltaCRLIndicator");
	CHECK_RC(crl_add_freshest(crl, NULL), ERR_USAGE, "no freshest URL");
	CHECK_RC(crl_add_freshest(crl, "http://a.example/delta.crl"), 0,
	    "freshestCRL added");
	CHECK(ext_critical(crl, NID_freshest_crl) == 0, "freshestCRL is not "
	    "critical");
	uri = freshest_uri(crl);
	CHECK(uri != NULL && strcmp(uri, "http://a.example/delta.crl") == 0,
	    "freshestCRL names the URL: %s", uri ? uri : "NULL");
	CHECK_RC(crl_add_freshest(crl, "http://x/"), ERR_DATA, "only one "
	    "freshestCRL");
	CHECK(crl_sign(crl, key1, KEY_P256) == 0 && crl_verify(crl, ca1) == 0,
	    "a delta CRL signs and verifies");
	X509_CRL_free(crl);
}

static void
test_expired_certs_on_crl(void)
{
	struct crl_params p = { ca1, 3, 1767225600, 1767225600 + 86400, 0, 1,
	    NULL };
	static const unsigned char want[] = { 0x18, 0x0f, '2', '0', '2', '6',
	    '0', '1', '0', '1', '0', '0', '0', '0', '0', '0', 'Z' };
	ASN1_OBJECT *obj = OBJ_txt2obj("2.5.29.60", 1);
	X509_EXTENSION *ext;
	const ASN1_OCTET_STRING *v;
	X509_CRL *crl = NULL;
	int i;

	if (obj == NULL || crl_build(&p, NULL, 0, &crl) != 0) {
		ASN1_OBJECT_free(obj);
		CHECK(0, "setup");
		return;
	}
	CHECK(X509_CRL_get_ext_by_OBJ(crl, obj, -1) < 0, "none by default");
	CHECK_RC(crl_add_expired_certs_on_crl(crl, 1767225600), 0,
	    "expiredCertsOnCRL added");
	i = X509_CRL_get_ext_by_OBJ(crl, obj, -1);
	ext = i >= 0 ? X509_CRL_get_ext(crl, i) : NULL;
	v = ext != NULL ? X509_EXTENSION_get_data(ext) : NULL;
	CHECK(ext != NULL && !X509_EXTENSION_get_critical(ext) && v != NULL &&
	    ASN1_STRING_length(v) == (int)sizeof(want) &&
	    memcmp(ASN1_STRING_get0_data(v), want, sizeof(want)) == 0,
	    "non-critical, a GeneralizedTime 20260101000000Z");
	CHECK_RC(crl_add_expired_certs_on_crl(crl, 1767225600), ERR_DATA,
	    "only one expiredCertsOnCRL");
	CHECK(crl_sign(crl, key1, KEY_P256) == 0 && crl_verify(crl, ca1) == 0,
	    "signs and verifies with it");
	ASN1_OBJECT_free(obj);
	X509_CRL_free(crl);
}

int
main(void)
{
	if (secmem_init() != 0 || mkdtemp(dir) == NULL ||
	    keytype_generate(KEY_P256, &key1) != 0 ||
	    keytype_generate(KEY_P256, &key2) != 0 ||
	    (ca1 = make_ca(key1, "CRL Test CA 1")) == NULL ||
	    (ca2 = make_ca(key2, "CRL Test CA 2")) == NULL) {
		printf("FAIL: test_crl.c: setup\n");
		return 1;
	}
	test_reasons();
	test_empty();
	test_entries();
	test_bad();
	test_sign_and_files();
	test_generalized_time();
	test_delta();
	test_expired_certs_on_crl();
	X509_free(ca1);
	X509_free(ca2);
	EVP_PKEY_free(key1);
	EVP_PKEY_free(key2);
	rmdir(dir);
	return harness_done();
}
