/*
 * test_ocsp.c: the delegated signer certificate and OCSP responses.
 * The signer certificate carries the OCSPSigning EKU, nocheck and
 * digitalSignature, a lifetime cut to the CA's; ocsp_signer_new()
 * refuses another CA's certificate, a certificate without the EKU and a
 * key that is not the certificate's; good and revoked responses verify
 * under the CA (OCSP_basic_verify with only the CA trusted), carry the
 * status, reason, times and embedded signer; requests match this CA
 * and not another; unknown and error responses encode; garbage and
 * GET paths decode or are refused.  The directly encoded responses
 * (ocsp.c encodes pre-signed responses itself): for serials of every
 * shape (1 byte, high bit set, leading zeros, zero, 20 bytes) and each
 * status, the DER is canonical (decoded and re-encoded by OpenSSL it is
 * the same bytes), it verifies, and its SingleResponse, responder ID,
 * signature algorithm and certificates are byte for byte those of the
 * same response built by OpenSSL's OCSP_basic_sign(); 200 responses
 * signed from two threads at once all verify.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "harness.h"
#include "keytype.h"
#include "ocsp.h"
#include "par.h"
#include "secmem.h"
#include "x509.h"

static EVP_PKEY *cakey, *otherkey, *skey;
static X509 *ca, *other, *scert;

static X509 *
make_ca(EVP_PKEY *key, const char *cn)
{
	struct x509_subject s = { "DE", NULL, NULL, "Example", NULL, cn };
	X509 *c = NULL;

	if (x509_build_root(key, &s, 1, &c) != 0 ||
	    x509_sign(c, key, KEY_P256) != 0)
		return NULL;
	return c;
}

static X509 *
make_signer(X509 *issuer, EVP_PKEY *issuer_key, long long life)
{
	X509 *c = NULL;

	if (ocsp_signer_build(issuer, skey, life, time(NULL), &c) != 0 ||
	    x509_sign(c, issuer_key, KEY_P256) != 0) {
		X509_free(c);
		return NULL;
	}
	return c;
}

static void
test_signer_cert(void)
{
	X509 *c = NULL, *longc;
	uint32_t xku;

	CHECK(scert != NULL, "signer certificate built: %s", err_msg());
	xku = X509_get_extended_key_usage(scert);
	CHECK(xku & XKU_OCSP_SIGN, "EKU OCSPSigning");
	CHECK(X509_get_ext_by_NID(scert, NID_id_pkix_OCSP_noCheck, -1) >= 0,
	    "id-pkix-ocsp-nocheck present");
	CHECK(X509_get_key_usage(scert) == KU_DIGITAL_SIGNATURE,
	    "keyUsage digitalSignature only");
	CHECK(X509_check_issued(ca, scert) == X509_V_OK, "issued by the CA");
	CHECK(X509_check_ca(scert) == 0, "not a CA");
	longc = make_signer(ca, cakey, 366LL * 86400);
	CHECK(longc != NULL && ASN1_TIME_compare(X509_get0_notAfter(longc),
	    X509_get0_notAfter(ca)) <= 0, "notAfter cut to the CA's");
	X509_free(longc);
	CHECK_RC(ocsp_signer_build(ca, skey, 0, time(NULL), &c), ERR_USAGE,
	    "zero lifetime refused");
	CHECK(c == NULL, "nothing built");
}

static void
test_signer_checks(void)
{
	struct ocsp_signer *s = NULL;
	X509 *foreign = make_signer(other, otherkey, 86400);

	CHECK_RC(ocsp_signer_new(ca, foreign, skey, &s), ERR_NO,
	    "another CA's signer refused");
	CHECK_RC(ocsp_signer_new(ca, ca, cakey, &s), ERR_NO,
	    "a certificate without OCSPSigning refused");
	CHECK_RC(ocsp_signer_new(ca, scert, otherkey, &s), ERR_NO,
	    "a key that is not the signer's refused");
	CHECK(s == NULL, "no signer returned");
	X509_free(foreign);
}

/* Decode der and check status and signature under the CA only. */
static int
resp_status(const unsigned char *der, size_t len, X509 *cert_ca,
    const char *serial_hex, int *reason, int *verified)
{
	const unsigned char *p = der;
	OCSP_RESPONSE *r = d2i_OCSP_RESPONSE(NULL, &p, (long)len);
	OCSP_BASICRESP *bs = NULL;
	OCSP_CERTID *id = NULL;
	ASN1_INTEGER *sn = NULL;
	BIGNUM *bn = NULL;
	X509_STORE *st = X509_STORE_new();
	ASN1_GENERALIZEDTIME *rev, *tu, *nu;
	int status = -1;

	*verified = 0;
	if (r == NULL || (bs = OCSP_response_get1_basic(r)) == NULL)
		goto out;
	X509_STORE_add_cert(st, cert_ca);
	*verified = OCSP_basic_verify(bs, NULL, st, 0) == 1;
	BN_hex2bn(&bn, serial_hex);
	sn = BN_to_ASN1_INTEGER(bn, NULL);
	id = OCSP_cert_id_new(EVP_sha1(), X509_get_subject_name(cert_ca),
	    X509_get0_pubkey_bitstr(cert_ca), sn);
	if (OCSP_resp_find_status(bs, id, &status, reason, &rev, &tu,
	    &nu) != 1 || OCSP_check_validity(tu, nu, 0, -1) != 1)
		status = -1;
out:
	ERR_clear_error();
	OCSP_CERTID_free(id);
	ASN1_INTEGER_free(sn);
	BN_free(bn);
	X509_STORE_free(st);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(r);
	return status;
}

static void
test_responses(struct ocsp_signer *s)
{
	struct ocsp_entry good = { "4A01FF", OCSP_GOOD, 0, -1 };
	struct ocsp_entry rev = { "4A0200", OCSP_REVOKED, 1700000000, 1 };
	struct ocsp_entry bad = { "../x", OCSP_GOOD, 0, -1 };
	unsigned char *der = NULL;
	size_t len;
	time_t now = time(NULL);
	int reason, ok;

	CHECK_RC(ocsp_sign(s, &good, now, now + 3600, &der, &len), 0,
	    "sign good");
	CHECK(resp_status(der, len, ca, "4A01FF", &reason, &ok) ==
	    V_OCSP_CERTSTATUS_GOOD, "good response says good");
	CHECK(ok, "good response verifies with only the CA trusted");
	CHECK(resp_status(der, len, ca, "4A0200", &reason, &ok) == -1,
	    "no status for another serial");
	CHECK(resp_status(der, len, other, "4A01FF", &reason, &ok) == -1 &&
	    !ok, "not another CA's response");
	free(der);
	CHECK_RC(ocsp_sign(s, &rev, now, now + 3600, &der, &len), 0,
	    "sign revoked");
	CHECK(resp_status(der, len, ca, "4A0200", &reason, &ok) ==
	    V_OCSP_CERTSTATUS_REVOKED && reason == 1 && ok,
	    "revoked, keyCompromise, verified");
	free(der);
	der = NULL;
	CHECK_RC(ocsp_sign(s, &bad, now, now + 3600, &der, &len), ERR_DATA,
	    "a malformed serial refused");
	CHECK_RC(ocsp_sign(s, &good, now, now, &der, &len), ERR_DATA,
	    "nextUpdate not after thisUpdate refused");
	CHECK(der == NULL, "nothing returned on error");
}

static OCSP_REQUEST *
request_for(X509 *issuer, const char *serial_hex)
{
	OCSP_REQUEST *rq = OCSP_REQUEST_new();
	BIGNUM *bn = NULL;
	ASN1_INTEGER *sn;
	OCSP_CERTID *id;

	BN_hex2bn(&bn, serial_hex);
	sn = BN_to_ASN1_INTEGER(bn, NULL);
	id = OCSP_cert_id_new(EVP_sha1(), X509_get_subject_name(issuer),
	    X509_get0_pubkey_bitstr(issuer), sn);
	OCSP_request_add0_id(rq, id);
	ASN1_INTEGER_free(sn);
	BN_free(bn);
	return rq;
}

static int
parse_for(X509 *issuer, const char *hex, struct ocsp_req **r)
{
	OCSP_REQUEST *rq = request_for(issuer, hex);
	unsigned char *der = NULL;
	int n = i2d_OCSP_REQUEST(rq, &der), ret;

	ret = ocsp_request_parse(der, (size_t)n, "req", r);
	OPENSSL_free(der);
	OCSP_REQUEST_free(rq);
	return ret;
}

static void
test_requests(struct ocsp_signer *s)
{
	struct ocsp_req *r = NULL;
	unsigned char *der = NULL;
	size_t len;
	char serial[41];
	int ours = -1, reason, ok;
	time_t now = time(NULL);

	CHECK_RC(parse_for(ca, "4A01FF", &r), 0, "request parses");
	CHECK_RC(ocsp_request_match(r, ca, &ours, serial), 0, "match");
	CHECK(ours == 1 && strcmp(serial, "4A01FF") == 0,
	    "ours, serial 4A01FF (%s)", serial);
	CHECK_RC(ocsp_request_match(r, other, &ours, serial), 0, "match");
	CHECK(ours == 0, "not another CA's");
	CHECK_RC(ocsp_sign_unknown(s, r, now, now + 60, &der, &len), 0,
	    "sign unknown");
	CHECK(resp_status(der, len, ca, "4A01FF", &reason, &ok) ==
	    V_OCSP_CERTSTATUS_UNKNOWN && ok, "unknown, verified");
	free(der);
	ocsp_request_free(r);
	r = NULL;
	CHECK_RC(ocsp_request_parse((const unsigned char *)"garbage", 7,
	    "g", &r), ERR_DATA, "garbage refused");
	CHECK(r == NULL, "no request returned");
	CHECK_RC(ocsp_error_response(OCSP_ERR_MALFORMED, &der, &len), 0,
	    "error response");
	CHECK(len == 5 && der[4] == OCSP_ERR_MALFORMED,
	    "malformedRequest encoded as 30 03 0a 01 01");
	free(der);
}

/* The response OpenSSL builds for e, as OCSP_BASICRESP. */
static OCSP_BASICRESP *
openssl_response(const struct ocsp_entry *e, time_t tu, time_t nu)
{
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	ASN1_GENERALIZEDTIME *t1, *t2, *rt = NULL;
	ASN1_INTEGER *sn;
	OCSP_CERTID *id;
	BIGNUM *bn = NULL;
	int st;

	BN_hex2bn(&bn, e->serial);
	sn = BN_to_ASN1_INTEGER(bn, NULL);
	id = OCSP_cert_id_new(EVP_sha1(), X509_get_subject_name(ca),
	    X509_get0_pubkey_bitstr(ca), sn);
	t1 = ASN1_GENERALIZEDTIME_set(NULL, tu);
	t2 = ASN1_GENERALIZEDTIME_set(NULL, nu);
	st = e->status == OCSP_GOOD ? V_OCSP_CERTSTATUS_GOOD :
	    e->status == OCSP_REVOKED ? V_OCSP_CERTSTATUS_REVOKED :
	    V_OCSP_CERTSTATUS_UNKNOWN;
	if (e->status == OCSP_REVOKED)
		rt = ASN1_GENERALIZEDTIME_set(NULL, (time_t)e->revoked_at);
	if (OCSP_basic_add1_status(bs, id, st, e->reason > 0 ? e->reason :
	    -1, rt, t1, t2) == NULL || OCSP_basic_sign(bs, scert, skey,
	    EVP_sha256(), NULL, OCSP_RESPID_KEY) != 1) {
		OCSP_BASICRESP_free(bs);
		bs = NULL;
	}
	ASN1_GENERALIZEDTIME_free(t1);
	ASN1_GENERALIZEDTIME_free(t2);
	ASN1_GENERALIZEDTIME_free(rt);
	OCSP_CERTID_free(id);
	ASN1_INTEGER_free(sn);
	BN_free(bn);
	return bs;
}

/* Same DER for the i-th SingleResponse of both? */
static int
same_single(OCSP_BASICRESP *a, OCSP_BASICRESP *b)
{
	unsigned char *da = NULL, *db = NULL;
	int na, nb, same;

	na = i2d_OCSP_SINGLERESP(OCSP_resp_get0(a, 0), &da);
	nb = i2d_OCSP_SINGLERESP(OCSP_resp_get0(b, 0), &db);
	same = na > 0 && na == nb && memcmp(da, db, (size_t)na) == 0;
	OPENSSL_free(da);
	OPENSSL_free(db);
	return same;
}

static int
same_responder(OCSP_BASICRESP *a, OCSP_BASICRESP *b)
{
	const ASN1_OCTET_STRING *ka = NULL, *kb = NULL;
	const X509_NAME *na = NULL, *nb = NULL;

	return OCSP_resp_get0_id(a, &ka, &na) == 1 &&
	    OCSP_resp_get0_id(b, &kb, &nb) == 1 && ka != NULL && kb != NULL &&
	    na == NULL && ASN1_STRING_cmp(ka, kb) == 0 &&
	    X509_ALGOR_cmp(OCSP_resp_get0_tbs_sigalg(a),
	    OCSP_resp_get0_tbs_sigalg(b)) == 0;
}

/* Canonical, verifying, and as OpenSSL would build it; 1 if so. */
static int
check_direct(const unsigned char *der, size_t len,
    const struct ocsp_entry *e, time_t tu, time_t nu, X509_STORE *store)
{
	const unsigned char *p = der;
	OCSP_RESPONSE *r = d2i_OCSP_RESPONSE(NULL, &p, (long)len);
	OCSP_BASICRESP *bs = NULL, *ref = NULL;
	const STACK_OF(X509) *certs;
	unsigned char *re = NULL;
	int n, ok = 0;

	if (r == NULL || p != der + len ||
	    (n = i2d_OCSP_RESPONSE(r, &re)) != (int)len ||
	    memcmp(re, der, len) != 0 ||
	    OCSP_response_status(r) != OCSP_RESPONSE_STATUS_SUCCESSFUL ||
	    (bs = OCSP_response_get1_basic(r)) == NULL ||
	    OCSP_basic_verify(bs, NULL, store, 0) != 1 ||
	    OCSP_resp_count(bs) != 1 ||
	    ASN1_TIME_cmp_time_t(OCSP_resp_get0_produced_at(bs), tu) != 0)
		goto out;
	certs = OCSP_resp_get0_certs(bs);
	if (sk_X509_num(certs) != 1 ||
	    X509_cmp(sk_X509_value(certs, 0), scert) != 0)
		goto out;
	if ((ref = openssl_response(e, tu, nu)) == NULL ||
	    !same_single(bs, ref) || !same_responder(bs, ref))
		goto out;
	ok = 1;
out:
	OPENSSL_free(re);
	OCSP_BASICRESP_free(ref);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(r);
	ERR_clear_error();
	return ok;
}

static void
test_direct(struct ocsp_signer *s)
{
	static const struct ocsp_entry cases[] = {
		{ "1", OCSP_GOOD, 0, -1 },
		{ "7F", OCSP_GOOD, 0, -1 },
		{ "80", OCSP_GOOD, 0, -1 },
		{ "00AB", OCSP_GOOD, 0, -1 },
		{ "0", OCSP_GOOD, 0, -1 },
		{ "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", OCSP_GOOD, 0, -1 },
		{ "4000000000000ABC", OCSP_REVOKED, 1700000000, 0 },
		{ "4000000000000ABD", OCSP_REVOKED, 1700000001, 1 },
		{ "4000000000000ABE", OCSP_REVOKED, 1700000002, 10 },
		{ "4000000000000ABF", OCSP_REVOKED, 1700000003, -1 },
		{ "123", OCSP_UNKNOWN, 0, -1 },
	};
	X509_STORE *store = X509_STORE_new();
	unsigned char *der;
	size_t i, len;
	time_t tu = 1795000000;

	X509_STORE_add_cert(store, ca);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		der = NULL;
		CHECK_RC(ocsp_sign(s, &cases[i], tu, tu + 86400, &der, &len),
		    0, "direct: sign %s", cases[i].serial);
		CHECK(der != NULL && check_direct(der, len, &cases[i], tu,
		    tu + 86400, store), "direct: %s (status %d, reason %d) "
		    "is canonical, verifies and matches OpenSSL's",
		    cases[i].serial, cases[i].status, cases[i].reason);
		free(der);
	}
	X509_STORE_free(store);
}

#define THREADED	200

struct threaded {
	struct ocsp_signer *s;
	char serial[THREADED][24];
	struct ocsp_entry e[THREADED];
	unsigned char *der[THREADED];
	size_t len[THREADED];
	time_t tu;
};

static void
sign_one(void *arg, size_t i)
{
	struct threaded *t = arg;

	snprintf(t->serial[i], sizeof(t->serial[i]), "40%014zX", i);
	t->e[i].serial = t->serial[i];
	t->e[i].status = i % 7 == 0 ? OCSP_REVOKED : OCSP_GOOD;
	t->e[i].revoked_at = 1700000000;
	t->e[i].reason = 4;
	if (ocsp_sign(t->s, &t->e[i], t->tu, t->tu + 3600, &t->der[i],
	    &t->len[i]) != 0)
		t->der[i] = NULL;
}

static void
test_threads(struct ocsp_signer *s)
{
	static struct threaded t;
	X509_STORE *store = X509_STORE_new();
	size_t i, good = 0;

	X509_STORE_add_cert(store, ca);
	t.s = s;
	t.tu = 1795000000;
	par_for(THREADED, 2, sign_one, &t);
	for (i = 0; i < THREADED; i++) {
		if (t.der[i] != NULL && check_direct(t.der[i], t.len[i],
		    &t.e[i], t.tu, t.tu + 3600, store))
			good++;
		free(t.der[i]);
	}
	CHECK(good == THREADED, "%zu of %d responses signed on two threads "
	    "check out", good, THREADED);
	X509_STORE_free(store);
}

static void
test_get(void)
{
	unsigned char *der = NULL;
	size_t len;

	CHECK_RC(ocsp_get_decode("/MAMKAQE%3D", &der, &len), 0, "GET decodes");
	CHECK(len == 5 && memcmp(der, "\x30\x03\x0a\x01\x01", 5) == 0,
	    "GET bytes");
	free(der);
	der = NULL;
	CHECK_RC(ocsp_get_decode("/%zz", &der, &len), ERR_DATA, "bad escape");
	CHECK_RC(ocsp_get_decode("!!!!", &der, &len), ERR_DATA, "bad base64");
	CHECK_RC(ocsp_get_decode("/", &der, &len), ERR_DATA, "empty");
	CHECK(der == NULL, "nothing returned");
}

int
main(void)
{
	struct ocsp_signer *s = NULL;

	if (secmem_init() != 0 || keytype_generate(KEY_P256, &cakey) != 0 ||
	    keytype_generate(KEY_P256, &otherkey) != 0 ||
	    keytype_generate(KEY_P256, &skey) != 0 ||
	    (ca = make_ca(cakey, "Test CA")) == NULL ||
	    (other = make_ca(otherkey, "Other CA")) == NULL) {
		fprintf(stderr, "setup failed: %s\n", err_msg());
		return 1;
	}
	scert = make_signer(ca, cakey, 30 * 86400);
	test_signer_cert();
	test_signer_checks();
	CHECK_RC(ocsp_signer_new(ca, scert, skey, &s), 0, "signer opens");
	CHECK(s != NULL && ocsp_signer_not_after(s) > time(NULL) + 29 * 86400,
	    "signer notAfter about 30 days ahead");
	if (s != NULL) {
		test_responses(s);
		test_direct(s);
		test_threads(s);
		test_requests(s);
	}
	test_get();
	ocsp_signer_free(s);
	X509_free(scert);
	X509_free(ca);
	X509_free(other);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(otherkey);
	EVP_PKEY_free(skey);
	return harness_done();
}
