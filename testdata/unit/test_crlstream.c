/*
 * test_crlstream.c: a streamed CRL is byte for byte the CRL that
 * crl_build() and crl_sign() make of the same entries.
 *
 * With an RSA key (deterministic PKCS#1 v1.5 signatures) the whole DER
 * and PEM are compared; with P-256 (random signatures) the TBSCertList
 * is compared and the signature checked.  Cases: no entries; serials of
 * 1 to 20 octets with and without the top bit set and with leading zero
 * digits; every reason code (unspecified and none left out);
 * revocation dates in UTCTime and GeneralizedTime (before 1950, after
 * 2049) and a thisUpdate after 2049; each extension pki-crl adds (IDP
 * with URI, delta indicator, freshestCRL, expiredCertsOnCRL); a second
 * signing with another CRL number; an issuer name longer than the
 * stream's first gap; entries given to crl_build() unsorted.  Every
 * bad entry is refused with crl_build()'s code, and entries out of
 * order with ERR_INTERNAL.  crlstream_file_number() reads the number of
 * PEM and DER files, critical or not, and refuses other files.  A base
 * read back for a delta (PEM and DER, streamed or OpenSSL's) must
 * verify under its issuer, name it and be complete; it lists an entry
 * only with the same serial, date and reason (unspecified and none
 * alike), asked in serial order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "crl.h"
#include "crlstream.h"
#include "der.h"
#include "err.h"
#include "fileio.h"
#include "harness.h"
#include "secmem.h"
#include "x509.h"

static EVP_PKEY *pkey, *rkey, *pkey2;
static X509 *pca, *rca, *bigca, *pca2;

#define T2026	1767225600LL	/* 2026-01-01 00:00:00Z */
#define T2051	2556144000LL	/* 2051-01-01 00:00:00Z */

static X509 *
make_ca(EVP_PKEY *key, enum key_type type, const char *cn, int ous)
{
	struct x509_subject s = { "DE", NULL, NULL, "Test Org", NULL, cn };
	char ou[80];
	X509 *c = NULL;
	int i;

	if (x509_build_root(key, &s, 40, &c) != 0)
		return NULL;
	for (i = 0; i < ous; i++) {
		snprintf(ou, sizeof(ou), "Organisational unit number %02d of "
		    "a very long issuer name", i);
		X509_NAME_add_entry_by_txt(X509_get_subject_name(c), "OU",
		    MBSTRING_ASC, (const unsigned char *)ou, -1, -1, 0);
	}
	if (x509_sign(c, key, type) != 0) {
		X509_free(c);
		return NULL;
	}
	return c;
}

/* The TBSCertList TLV of a DER CRL. */
static int
tbs_of(const unsigned char *der, size_t len, const unsigned char **tbs,
    size_t *tbslen)
{
	unsigned char tag;
	size_t l, h, tl, th;

	if (der_read_header(der, len, &tag, &l, &h) != 0 ||
	    der_read_header(der + h, l, &tag, &tl, &th) != 0)
		return -1;
	*tbs = der + h;
	*tbslen = th + tl;
	return 0;
}

struct variant {
	const char	*what;
	unsigned long long number;
	long long	 this_update;
	const char	*idp;
	int		 only_ca, only_user;
	unsigned long long delta_base;	/* 0: none */
	const char	*freshest;
	long long	 expired_since;	/* 0: none */
};

/* crl_build() of the entries with v's extensions, unsigned. */
static X509_CRL *
reference(X509 *ca, const struct variant *v, const struct crl_entry *e,
    size_t n)
{
	struct crl_params p = { ca, v->number, (time_t)v->this_update,
	    (time_t)v->this_update + 86400, v->only_ca, v->only_user,
	    v->idp };
	X509_CRL *crl = NULL;

	if (crl_build(&p, e, n, &crl) != 0 ||
	    (v->delta_base != 0 &&
	    crl_add_delta_indicator(crl, v->delta_base) != 0) ||
	    (v->freshest != NULL && crl_add_freshest(crl, v->freshest) != 0) ||
	    (v->expired_since != 0 && crl_add_expired_certs_on_crl(crl,
	    (time_t)v->expired_since) != 0)) {
		X509_CRL_free(crl);
		return NULL;
	}
	return crl;
}

/* The stream of the sorted entries, signed with key over a template
 * signed by key2 (of the same type). */
static int
streamed(X509 *ca, const struct variant *v, const struct crl_entry *sorted,
    size_t n, EVP_PKEY *key, EVP_PKEY *key2, enum key_type type,
    struct crlstream **sp, const unsigned char **der, size_t *len)
{
	X509_CRL *tmpl = reference(ca, v, NULL, 0);
	size_t i;
	int ret = ERR_INTERNAL;

	*sp = NULL;
	if (tmpl == NULL || crl_sign(tmpl, key2, type) != 0 ||
	    crlstream_new((time_t)v->this_update, sp) != 0)
		goto out;
	for (i = 0; i < n; i++)
		if ((ret = crlstream_add(*sp, &sorted[i])) != 0)
			goto out;
	ret = crlstream_sign(*sp, tmpl, key, type, der, len);
out:
	X509_CRL_free(tmpl);
	return ret;
}

static int
crl_to_der(X509_CRL *crl, unsigned char **der, size_t *len)
{
	return crl_der(crl, der, len);
}

/* One variant with an RSA key: the DER and the PEM, whole. */
static void
compare_rsa(const struct variant *v, const struct crl_entry *sorted,
    const struct crl_entry *shuffled, size_t n)
{
	struct crlstream *s = NULL;
	X509_CRL *ref = reference(rca, v, shuffled, n);
	unsigned char *rder = NULL, *rpem = NULL, *spem = NULL;
	const unsigned char *sder = NULL;
	size_t rlen = 0, slen = 0, rplen = 0, splen = 0;

	CHECK(ref != NULL && crl_sign(ref, rkey, KEY_RSA3072) == 0 &&
	    crl_to_der(ref, &rder, &rlen) == 0 &&
	    crl_pem(ref, &rpem, &rplen) == 0, "%s: OpenSSL's CRL", v->what);
	CHECK(streamed(rca, v, sorted, n, rkey, rkey, KEY_RSA3072, &s, &sder,
	    &slen) == 0 && crlstream_count(s) == n, "%s: streamed", v->what);
	CHECK(rder != NULL && sder != NULL && rlen == slen &&
	    memcmp(rder, sder, rlen) == 0, "%s: DER byte for byte (%zu, %zu "
	    "bytes)", v->what, rlen, slen);
	CHECK(sder != NULL && crlstream_pem(sder, slen, &spem, &splen) == 0 &&
	    rpem != NULL && rplen == splen && memcmp(rpem, spem, rplen) == 0,
	    "%s: PEM byte for byte", v->what);
	CHECK(s != NULL && crlstream_verify(s, rca) == 0, "%s: verifies",
	    v->what);
	free(rder);
	free(rpem);
	free(spem);
	X509_CRL_free(ref);
	crlstream_free(s);
}

/* One variant with a P-256 key: the TBS whole, the signature checked
 * here and by OpenSSL. */
static void
compare_p256(X509 *ca, const struct variant *v,
    const struct crl_entry *sorted, const struct crl_entry *shuffled,
    size_t n)
{
	struct crlstream *s = NULL;
	X509_CRL *ref = reference(ca, v, shuffled, n), *back = NULL;
	unsigned char *rder = NULL;
	const unsigned char *sder = NULL, *rt, *st, *p;
	size_t rlen = 0, slen = 0, rtl, stl;

	CHECK(ref != NULL && crl_sign(ref, pkey, KEY_P256) == 0 &&
	    crl_to_der(ref, &rder, &rlen) == 0, "%s: OpenSSL's CRL", v->what);
	CHECK(streamed(ca, v, sorted, n, pkey, pkey2, KEY_P256, &s, &sder,
	    &slen) == 0, "%s: streamed", v->what);
	CHECK(rder != NULL && sder != NULL &&
	    tbs_of(rder, rlen, &rt, &rtl) == 0 &&
	    tbs_of(sder, slen, &st, &stl) == 0 && rtl == stl &&
	    memcmp(rt, st, rtl) == 0, "%s: TBSCertList byte for byte",
	    v->what);
	p = sder;
	CHECK(sder != NULL && (back = d2i_X509_CRL(NULL, &p, (long)slen)) !=
	    NULL && p == sder + slen && crl_verify(back, ca) == 0 &&
	    crlstream_verify(s, ca) == 0, "%s: OpenSSL parses the whole and "
	    "verifies it", v->what);
	CHECK(s != NULL && crlstream_verify(s, pca2) == ERR_NO, "%s: not "
	    "under another key", v->what);
	free(rder);
	X509_CRL_free(ref);
	X509_CRL_free(back);
	crlstream_free(s);
}

static const char serial_20ff[] = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF";
static const char serial_207f[] = "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF";

/* In serial order by value, with every reason and both time forms. */
static const struct crl_entry sorted_entries[] = {
	{ "01", T2026 - 10, CRL_REASON_NONE },
	{ "7f", T2026 - 20, CRL_REASON_UNSPECIFIED },
	{ "80", T2026 - 30, CRL_REASON_KEY_COMPROMISE },
	{ "00FF", -700000000, CRL_REASON_CA_COMPROMISE },	/* 1947 */
	{ "100", T2026 - 40, CRL_REASON_AFFILIATION_CHANGED },
	{ "7FFF", T2026 - 50, CRL_REASON_SUPERSEDED },
	{ "8000", 0, CRL_REASON_CESSATION_OF_OPERATION },	/* 1970 */
	{ "0123456789", T2026 - 60, CRL_REASON_CERTIFICATE_HOLD },
	{ "40000000000000FF", T2026 - 70, CRL_REASON_REMOVE_FROM_CRL },
	{ "C0000000000000FF", T2026 - 80, CRL_REASON_PRIVILEGE_WITHDRAWN },
	{ serial_207f, T2026 - 90, CRL_REASON_AA_COMPROMISE },
	{ serial_20ff, T2026 - 100, CRL_REASON_KEY_COMPROMISE },
};
#define NSORTED	(sizeof(sorted_entries) / sizeof(sorted_entries[0]))

/* After 2049: GeneralizedTime revocation dates and thisUpdate. */
static const struct crl_entry late_entries[] = {
	{ "05", 2524608000LL, CRL_REASON_SUPERSEDED },	/* 2050-01-01 */
	{ "0A", T2051 - 1, CRL_REASON_NONE },
	{ "0B", 2524607999LL, CRL_REASON_KEY_COMPROMISE },
};

static void
test_variants(void)
{
	static const struct variant v[] = {
		{ "empty", 1, T2026, NULL, 0, 0, 0, NULL, 0 },
		{ "entries", 2, T2026, NULL, 0, 0, 0, NULL, 0 },
		{ "IDP URI, only user", 300, T2026, "http://a.example/c.crl",
		    0, 1, 0, NULL, 0 },
		{ "IDP only CA", 70000, T2026, NULL, 1, 0, 0, NULL, 0 },
		{ "delta", 5, T2026, "http://a.example/c.crl", 0, 1, 4, NULL,
		    0 },
		{ "freshest and expiredCertsOnCRL", 1ULL << 40, T2026,
		    "http://a.example/c.crl", 0, 1, 0,
		    "http://a.example/c-delta.crl", T2026 - 86400 * 365 },
	};
	struct crl_entry shuffled[NSORTED];
	size_t i, n;

	for (i = 0; i < NSORTED; i++)
		shuffled[i] = sorted_entries[(i * 5 + 3) % NSORTED];
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = i == 0 ? 0 : NSORTED;
		compare_rsa(&v[i], sorted_entries, shuffled, n);
		compare_p256(pca, &v[i], sorted_entries, shuffled, n);
	}
}

static void
test_late_and_big_issuer(void)
{
	static const struct variant late = { "after 2049", 9, T2051,
	    "http://a.example/c.crl", 0, 1, 0, NULL, 0 };
	static const struct variant big = { "issuer name past the gap", 9,
	    T2026, "http://a.example/c.crl", 0, 1, 0, NULL, 0 };
	const struct crl_entry sorted[] = { late_entries[0], late_entries[1],
	    late_entries[2] };
	const struct crl_entry shuffled[] = { late_entries[2],
	    late_entries[0], late_entries[1] };

	compare_rsa(&late, sorted, shuffled, 3);
	compare_p256(pca, &late, sorted, shuffled, 3);
	CHECK(X509_NAME_entry_count(X509_get_subject_name(bigca)) > 20,
	    "the big issuer has a long name");
	compare_p256(bigca, &big, sorted_entries, sorted_entries, NSORTED);
}

/* A second signing with another template: the next CRL number. */
static void
test_resign(void)
{
	struct variant v = { "number 10", 10, T2026, "http://a.example/c.crl",
	    0, 1, 0, NULL, 0 };
	struct crlstream *s = NULL;
	X509_CRL *tmpl = NULL, *ref = NULL;
	const unsigned char *sder = NULL;
	unsigned char *rder = NULL;
	size_t slen = 0, rlen = 0;

	CHECK(streamed(rca, &v, sorted_entries, NSORTED, rkey, rkey,
	    KEY_RSA3072, &s, &sder, &slen) == 0, "signed as number 10");
	v.number = 11;
	tmpl = reference(rca, &v, NULL, 0);
	ref = reference(rca, &v, sorted_entries, NSORTED);
	CHECK(s != NULL && tmpl != NULL && ref != NULL &&
	    crl_sign(tmpl, rkey, KEY_RSA3072) == 0 &&
	    crl_sign(ref, rkey, KEY_RSA3072) == 0 &&
	    crlstream_sign(s, tmpl, rkey, KEY_RSA3072, &sder, &slen) == 0 &&
	    crl_der(ref, &rder, &rlen) == 0 && rlen == slen &&
	    memcmp(rder, sder, rlen) == 0, "signed again as number 11: the "
	    "same bytes as OpenSSL's number 11");
	free(rder);
	X509_CRL_free(ref);
	X509_CRL_free(tmpl);
	crlstream_free(s);
}

static int
add_one(struct crlstream *s, const char *serial, long long at, int reason)
{
	struct crl_entry e = { serial, (time_t)at, reason };

	return crlstream_add(s, &e);
}

static void
test_bad(void)
{
	struct variant v = { "bad", 1, T2026, NULL, 0, 0, 0, NULL, 0 };
	struct crlstream *s = NULL;
	X509_CRL *tmpl = NULL;
	const unsigned char *der;
	size_t len;

	if (crlstream_new((time_t)T2026, &s) != 0) {
		CHECK(0, "setup");
		return;
	}
	CHECK_RC(add_one(s, "12G4", T2026, 1), ERR_USAGE, "not hex");
	CHECK_RC(add_one(s, "", T2026, 1), ERR_USAGE, "empty serial");
	CHECK_RC(add_one(s, "0000", T2026, 1), ERR_USAGE, "serial zero");
	CHECK_RC(add_one(s, "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", T2026,
	    1), ERR_USAGE, "a 21-octet serial");
	CHECK_RC(add_one(s, "0001FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", T2026,
	    1), 0, "20 octets after leading zero digits");
	CHECK_RC(add_one(s, "03", T2026, 7), ERR_USAGE, "reason code 7");
	CHECK_RC(add_one(s, "03", T2026, 11), ERR_USAGE, "reason code 11");
	CHECK_RC(add_one(s, "03", T2026 + 1, 1), ERR_DATA,
	    "revoked after thisUpdate");
	CHECK_RC(add_one(s, "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", T2026,
	    1), ERR_DATA, "the same serial again");
	CHECK_RC(add_one(s, "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFE", T2026,
	    1), ERR_INTERNAL, "a lower serial: out of order");
	CHECK_RC(add_one(s, "FF", T2026, 1), ERR_INTERNAL, "a shorter serial "
	    "is lower: out of order");
	CHECK(crlstream_count(s) == 1, "one entry taken");
	CHECK_RC(crlstream_verify(s, pca), ERR_NO, "nothing signed yet");
	v.this_update = T2026 - 1;
	tmpl = reference(pca, &v, NULL, 0);
	CHECK(tmpl != NULL && crl_sign(tmpl, pkey, KEY_P256) == 0 &&
	    crlstream_sign(s, tmpl, pkey, KEY_P256, &der, &len) == ERR_USAGE,
	    "a template of another thisUpdate is refused");
	X509_CRL_free(tmpl);
	v.this_update = T2026;
	tmpl = reference(pca, &v, sorted_entries, 1);
	CHECK(tmpl != NULL && crl_sign(tmpl, pkey, KEY_P256) == 0 &&
	    crlstream_sign(s, tmpl, pkey, KEY_P256, &der, &len) == ERR_USAGE,
	    "a template with entries is refused");
	X509_CRL_free(tmpl);
	crlstream_free(s);
	crlstream_free(NULL);
}

static char dir[] = "/tmp/test_crlstream.XXXXXX";

static char *
tpath(const char *name)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

/* A CRL numbered number with the sorted entries, written as PEM and
 * DER; their numbers read back. */
static void
one_file_number(unsigned long long number)
{
	struct variant v = { "file", number, T2026, "http://a.example/c.crl",
	    0, 1, 0, NULL, 0 };
	struct crlstream *s = NULL;
	const unsigned char *der = NULL;
	unsigned char *pem = NULL;
	unsigned long long a = 0, b = 0;
	size_t len = 0, plen = 0;

	CHECK(streamed(pca, &v, sorted_entries, NSORTED, pkey, pkey,
	    KEY_P256, &s, &der, &len) == 0 &&
	    crlstream_pem(der, len, &pem, &plen) == 0 &&
	    fileio_write_atomic(tpath("c.der"), der, len, 0644, 1) == 0 &&
	    fileio_write_atomic(tpath("c.pem"), pem, plen, 0644, 1) == 0 &&
	    crlstream_file_number(tpath("c.der"), &a) == 0 &&
	    crlstream_file_number(tpath("c.pem"), &b) == 0 && a == number &&
	    b == number, "number %llu read back from DER (%llu) and PEM "
	    "(%llu)", number, a, b);
	free(pem);
	crlstream_free(s);
}

static void
test_file_number(void)
{
	static const char junk[] = "-----BEGIN X509 CRL-----\nAAAA\n"
	    "-----END X509 CRL-----\n";
	unsigned long long n = 0;
	X509_CRL *crl = NULL;
	unsigned char *der = NULL;
	size_t len = 0;
	struct crl_params p = { pca, 77, (time_t)T2026,
	    (time_t)T2026 + 86400, 0, 0, NULL };

	one_file_number(1);
	one_file_number(300);
	one_file_number(0x7fffffffffffffffULL);
	CHECK_RC(crlstream_file_number(tpath("none"), &n), ERR_NOINPUT,
	    "a missing file");
	CHECK(fileio_write_atomic(tpath("junk"), junk, sizeof(junk) - 1,
	    0644, 1) == 0, "junk written");
	CHECK_RC(crlstream_file_number(tpath("junk"), &n), ERR_DATA,
	    "PEM that is not a CRL");
	CHECK(fileio_write_atomic(tpath("junk"), "\x30\x03\x02\x01\x00",
	    5, 0644, 1) == 0, "junk written");
	CHECK_RC(crlstream_file_number(tpath("junk"), &n), ERR_DATA,
	    "DER that is not a CRL");
	/* An OpenSSL CRL whose cRLNumber is critical (never ours). */
	if (crl_build(&p, NULL, 0, &crl) == 0) {
		X509_EXTENSION_set_critical(X509_CRL_get_ext(crl,
		    X509_CRL_get_ext_by_NID(crl, NID_crl_number, -1)), 1);
		crl_sign(crl, pkey, KEY_P256);
	}
	CHECK(crl != NULL && crl_der(crl, &der, &len) == 0 &&
	    fileio_write_atomic(tpath("crit"), der, len, 0644, 1) == 0 &&
	    crlstream_file_number(tpath("crit"), &n) == 0 && n == 77,
	    "a critical cRLNumber read (%llu)", n);
	free(der);
	X509_CRL_free(crl);
	unlink(tpath("c.der"));
	unlink(tpath("c.pem"));
	unlink(tpath("junk"));
	unlink(tpath("crit"));
}

/* Which of the asked entries the base at path lists. */
static int
lists(const char *path, X509 *issuer, const struct crl_entry *ask,
    size_t n, char *got)
{
	struct crlstream_base *b = NULL;
	unsigned long long num = 0;
	size_t i;
	int on, ret;

	if ((ret = crlstream_base_open(path, issuer, &b, &num)) != 0)
		return ret;
	for (i = 0; i < n; i++) {
		if ((ret = crlstream_base_lists(b, &ask[i], &on)) != 0)
			break;
		got[i] = on ? '1' : '0';
	}
	got[n] = '\0';
	crlstream_base_free(b);
	if (ret != 0)
		return ret;
	return num == 21 ? 0 : ERR_INTERNAL;
}

static void
test_base(void)
{
	struct variant v = { "base", 21, T2026, "http://a.example/c.crl",
	    0, 1, 0, NULL, 0 };
	struct variant dv = { "delta", 22, T2026, "http://a.example/c.crl",
	    0, 1, 21, NULL, 0 };
	/* the base: 01 7f 80 00FF ... (sorted_entries) */
	const struct crl_entry ask[] = {
		{ "01", T2026 - 10, CRL_REASON_UNSPECIFIED },	/* same */
		{ "02", T2026 - 10, CRL_REASON_NONE },		/* absent */
		{ "7F", T2026 - 20, CRL_REASON_NONE },		/* same */
		{ "80", T2026 - 30, CRL_REASON_SUPERSEDED },	/* reason */
		{ "FF", -700000001, CRL_REASON_CA_COMPROMISE },	/* date */
		{ "0100", T2026 - 40, CRL_REASON_AFFILIATION_CHANGED },
		{ serial_20ff, T2026 - 100, CRL_REASON_KEY_COMPROMISE },
		{ "01000000000000000000000000000000000000000000", T2026, 1 },
	};
	struct crlstream *s = NULL;
	const unsigned char *der = NULL;
	unsigned char *pem = NULL, *rder = NULL;
	X509_CRL *ref = NULL;
	char got[16];
	size_t len = 0, plen = 0, rlen = 0;

	CHECK(streamed(pca, &v, sorted_entries, NSORTED, pkey, pkey,
	    KEY_P256, &s, &der, &len) == 0 &&
	    crlstream_pem(der, len, &pem, &plen) == 0 &&
	    fileio_write_atomic(tpath("b.der"), der, len, 0644, 1) == 0 &&
	    fileio_write_atomic(tpath("b.pem"), pem, plen, 0644, 1) == 0,
	    "a base written");
	CHECK(lists(tpath("b.der"), pca, ask, 7, got) == 0 &&
	    strcmp(got, "1010011") == 0, "DER base: lists what it lists "
	    "as it is (%s)", got);
	CHECK(lists(tpath("b.pem"), pca, ask, 7, got) == 0 &&
	    strcmp(got, "1010011") == 0, "PEM base too (%s)", got);
	CHECK_RC(lists(tpath("b.der"), pca, ask, 8, got), ERR_USAGE,
	    "a malformed serial asked");
	CHECK_RC(lists(tpath("b.der"), pca2, ask, 1, got), ERR_DATA,
	    "not under another CA's key");
	CHECK_RC(lists(tpath("b.der"), bigca, ask, 1, got), ERR_DATA,
	    "not for another issuer name with the same key");
	CHECK_RC(lists(tpath("none"), pca, ask, 1, got), ERR_NOINPUT,
	    "a missing base");
	ref = reference(pca, &v, sorted_entries, NSORTED);
	CHECK(ref != NULL && crl_sign(ref, pkey, KEY_P256) == 0 &&
	    crl_der(ref, &rder, &rlen) == 0 &&
	    fileio_write_atomic(tpath("o.der"), rder, rlen, 0644, 1) == 0 &&
	    lists(tpath("o.der"), pca, ask, 7, got) == 0 &&
	    strcmp(got, "1010011") == 0, "a base OpenSSL made (%s)", got);
	free(rder);
	rder = NULL;
	X509_CRL_free(ref);
	ref = reference(pca, &dv, sorted_entries, 2);
	CHECK(ref != NULL && crl_sign(ref, pkey, KEY_P256) == 0 &&
	    crl_der(ref, &rder, &rlen) == 0 &&
	    fileio_write_atomic(tpath("d.der"), rder, rlen, 0644, 1) == 0 &&
	    lists(tpath("d.der"), pca, ask, 1, got) == ERR_DATA,
	    "a delta CRL is no base");
	free(rder);
	X509_CRL_free(ref);
	free(pem);
	crlstream_free(s);
	unlink(tpath("b.der"));
	unlink(tpath("b.pem"));
	unlink(tpath("o.der"));
	unlink(tpath("d.der"));
}

int
main(void)
{
	if (secmem_init() != 0 ||
	    keytype_generate(KEY_P256, &pkey) != 0 ||
	    keytype_generate(KEY_P256, &pkey2) != 0 ||
	    keytype_generate(KEY_RSA3072, &rkey) != 0 ||
	    (pca = make_ca(pkey, KEY_P256, "Stream CA", 0)) == NULL ||
	    (pca2 = make_ca(pkey2, KEY_P256, "Stream CA", 0)) == NULL ||
	    (rca = make_ca(rkey, KEY_RSA3072, "Stream RSA CA", 0)) == NULL ||
	    (bigca = make_ca(pkey, KEY_P256, "Stream CA", 24)) == NULL) {
		printf("FAIL: test_crlstream.c: setup\n");
		return 1;
	}
	test_variants();
	test_late_and_big_issuer();
	test_resign();
	test_bad();
	if (mkdtemp(dir) == NULL) {
		printf("FAIL: test_crlstream.c: mkdtemp\n");
		return 1;
	}
	test_file_number();
	test_base();
	rmdir(dir);
	X509_free(pca);
	X509_free(pca2);
	X509_free(rca);
	X509_free(bigca);
	EVP_PKEY_free(pkey);
	EVP_PKEY_free(pkey2);
	EVP_PKEY_free(rkey);
	return harness_done();
}
