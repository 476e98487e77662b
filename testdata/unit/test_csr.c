/*
 * test_csr.c: loading and checking CSRs from outside.
 *
 * The fixtures in testdata/fixtures/csr/ come from the openssl CLI
 * (regen.sh): good P-256, P-384 and RSA-3072 CSRs in PEM, DER and "req
 * -text" form load and pass; RSA-2048, P-521, secp256k1, Ed25519, an
 * RSA exponent of 3, P-256 with explicit parameters or a compressed
 * point, a SHA-1 signature and a flipped signature byte are
 * refused with ERR_DATA naming the CSR and the problem; a duplicated SAN
 * is refused by csr_extensions(); a request for CA:TRUE pathlen 5 is
 * reported by csr_requests_ca().  What the CLI cannot make is made here
 * in a scratch directory: two extensionRequest attributes, a malformed
 * one, 1 MB of garbage, a private key, two PEM blocks, trailing bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "csr.h"
#include "err.h"
#include "fileio.h"
#include "harness.h"
#include "policy.h"

#define FIX	"testdata/fixtures/csr/"

static char dir[256];

static const char *
tpath(const char *name)
{
	static char buf[320];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

static int
write_file(const char *path, const void *buf, size_t len)
{
	FILE *f;
	int ok;

	if ((f = fopen(path, "wb")) == NULL)
		return -1;
	ok = fwrite(buf, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* Load and check path; the result code of the first step that fails. */
static int
load_check(const char *path, unsigned allowed, enum key_type *type)
{
	X509_REQ *req = NULL;
	int ret;

	if ((ret = csr_load(path, &req)) == 0)
		ret = csr_check(req, path, allowed, type);
	X509_REQ_free(req);
	return ret;
}

static void
test_good(void)
{
	static const struct {
		const char	*file;
		enum key_type	 type;
	} good[] = {
		{ FIX "p256.csr", KEY_P256 },
		{ FIX "p384.csr", KEY_P384 },
		{ FIX "rsa3072.der", KEY_RSA3072 },
		{ FIX "p256-text.csr", KEY_P256 },
	};
	enum key_type t;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		t = KEY_NONE;
		CHECK_RC(load_check(good[i].file, POLICY_KEYS_DEFAULT, &t), 0,
		    "%s loads and checks", good[i].file);
		CHECK(t == good[i].type, "%s: key type %s", good[i].file,
		    keytype_name(good[i].type));
	}
	t = KEY_P384;
	CHECK_RC(load_check(FIX "p256.csr", POLICY_KEY_BIT(KEY_P384) |
	    POLICY_KEY_BIT(KEY_RSA4096), &t), ERR_DATA,
	    "P-256 refused when the policy allows p384 and rsa4096");
	CHECK(t == KEY_NONE && strstr(err_msg(), FIX "p256.csr: key type p256 "
	    "is not allowed here (allowed: p384, rsa4096)") != NULL,
	    "message: %s", err_msg());
}

static void
test_refused(void)
{
	static const struct {
		const char	*file;
		const char	*want;
	} bad[] = {
		{ "rsa2048.csr", "rsa2048.csr: RSA 2048-bit key is below the "
		    "3072 bits required" },
		{ "p521.csr", "p521.csr: EC key on curve secp521r1 is not "
		    "allowed (allowed: P-256, P-384)" },
		{ "secp256k1.csr", "secp256k1.csr: EC key on curve secp256k1 "
		    "is not allowed" },
		{ "ed25519.csr", "ed25519.csr: ED25519 key is not allowed" },
		{ "rsa-e3.csr", "rsa-e3.csr: the RSA public exponent is not an "
		    "odd number of at least 65537" },
		{ "p256-explicit.csr", "p256-explicit.csr: the EC key has "
		    "explicit curve parameters; RFC 5480 requires a named "
		    "curve" },
		{ "p256-compressed.csr", "p256-compressed.csr: the EC public "
		    "key is a compressed point; write it uncompressed" },
		{ "sha1.csr", "sha1.csr: the CSR is signed with SHA1; sign it "
		    "with SHA-256 or better" },
		{ "bad-sig.der", "bad-sig.der: the CSR signature does not "
		    "verify" },
	};
	char path[128];
	enum key_type t;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), FIX "%s", bad[i].file);
		t = KEY_P256;
		CHECK_RC(load_check(path, POLICY_KEYS_DEFAULT, &t), ERR_DATA,
		    "%s refused", bad[i].file);
		CHECK(t == KEY_NONE && strstr(err_msg(), bad[i].want) != NULL,
		    "%s: message: %s", bad[i].file, err_msg());
	}
}

/* The bad-signature fixture differs from a good CSR only in its
 * signature: the same request loads, so only the check refuses it. */
static void
test_bad_sig_is_a_csr(void)
{
	X509_REQ *req = NULL;

	CHECK_RC(csr_load(FIX "bad-sig.der", &req), 0,
	    "bad-signature CSR parses");
	CHECK(req != NULL && X509_REQ_verify(req,
	    X509_REQ_get0_pubkey(req)) == 0, "OpenSSL says 0 (not -1)");
	X509_REQ_free(req);
}

static void
test_extensions(void)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_REQ *req = NULL;
	long pathlen = 0;
	int ca = -1;

	if (csr_load(FIX "p256.csr", &req) == 0) {
		CHECK_RC(csr_extensions(req, "p256.csr", &exts), 0,
		    "extensions of a good CSR");
		CHECK(exts != NULL && sk_X509_EXTENSION_num(exts) == 2,
		    "basicConstraints and keyUsage requested");
		CHECK_RC(csr_requests_ca(req, &ca, &pathlen), 0,
		    "basicConstraints read");
		CHECK(ca == 1 && pathlen == 0, "asks CA:TRUE pathlen 0");
		sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	}
	X509_REQ_free(req);
	req = NULL;
	exts = NULL;
	if (csr_load(FIX "p384.csr", &req) == 0) {
		CHECK_RC(csr_extensions(req, "p384.csr", &exts), 0,
		    "CSR without extensions");
		CHECK(exts != NULL && sk_X509_EXTENSION_num(exts) == 0,
		    "empty stack");
		CHECK_RC(csr_requests_ca(req, &ca, &pathlen), 0, "no request");
		CHECK(ca == 0 && pathlen == -1, "asks nothing");
		sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	}
	X509_REQ_free(req);
}

static void
test_ca_pathlen5(void)
{
	X509_REQ *req = NULL;
	enum key_type t;
	long pathlen = 0;
	int ca = 0;

	CHECK_RC(load_check(FIX "ca-pathlen5.csr", POLICY_KEYS_DEFAULT, &t), 0,
	    "CA:TRUE pathlen 5 CSR is itself well formed");
	if (csr_load(FIX "ca-pathlen5.csr", &req) != 0)
		return;
	CHECK_RC(csr_requests_ca(req, &ca, &pathlen), 0, "request read");
	CHECK(ca == 1 && pathlen == 5, "reports CA:TRUE pathlen 5 (got %d, "
	    "%ld)", ca, pathlen);
	X509_REQ_free(req);
}

static void
test_dup_san(void)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_REQ *req = NULL;
	enum key_type t;
	long pathlen;
	int ca;

	CHECK_RC(load_check(FIX "dup-san.csr", POLICY_KEYS_DEFAULT, &t), 0,
	    "duplicate-SAN CSR has a good signature");
	if (csr_load(FIX "dup-san.csr", &req) != 0)
		return;
	CHECK_RC(csr_extensions(req, "dup-san.csr", &exts), ERR_DATA,
	    "duplicate SAN refused");
	CHECK(exts == NULL && strstr(err_msg(), "dup-san.csr: the CSR "
	    "requests the extension X509v3 Subject Alternative Name twice") !=
	    NULL, "message: %s", err_msg());
	CHECK_RC(csr_requests_ca(req, &ca, &pathlen), ERR_DATA,
	    "csr_requests_ca refuses it too");
	X509_REQ_free(req);
}

static X509_EXTENSION *
make_ext(int nid, const char *value)
{
	return X509V3_EXT_conf_nid(NULL, NULL, nid, value);
}

/* A P-256 CSR signed after add() has set its attributes; NULL on error. */
static X509_REQ *
crafted(int (*add)(X509_REQ *), EVP_PKEY **keyp)
{
	EVP_PKEY *key = NULL;
	X509_REQ *req;

	if ((req = X509_REQ_new()) == NULL ||
	    keytype_generate(KEY_P256, &key) != 0 ||
	    X509_REQ_set_pubkey(req, key) != 1 || add(req) != 1 ||
	    X509_REQ_sign(req, key, EVP_sha256()) <= 0) {
		X509_REQ_free(req);
		req = NULL;
	}
	if (keyp != NULL)
		*keyp = key;
	else
		EVP_PKEY_free(key);
	return req;
}

static int
add_one(X509_REQ *req, X509_EXTENSION *ext)
{
	STACK_OF(X509_EXTENSION) *sk = sk_X509_EXTENSION_new_null();
	int ok;

	ok = sk != NULL && ext != NULL && sk_X509_EXTENSION_push(sk, ext) &&
	    X509_REQ_add_extensions(req, sk) == 1;
	sk_X509_EXTENSION_pop_free(sk, X509_EXTENSION_free);
	return ok;
}

/*
 * An extensionRequest asking for DNS a.example.org, and a second
 * attribute, smimeCapabilities (an OID of the same length), holding a
 * list of extensions that asks for CA:TRUE.  OpenSSL refuses to add a
 * second extensionRequest; two_attr_req() renames the second later.
 */
static int
add_two_attrs(X509_REQ *req)
{
	STACK_OF(X509_EXTENSION) *sk = sk_X509_EXTENSION_new_null();
	X509_EXTENSION *bc = make_ext(NID_basic_constraints,
	    "critical,CA:TRUE");
	unsigned char *der = NULL;
	int len = -1, ok;

	if (sk != NULL && bc != NULL && sk_X509_EXTENSION_push(sk, bc))
		bc = NULL;
	if (bc == NULL)
		len = i2d_X509_EXTENSIONS(sk, &der);
	ok = len > 0 && add_one(req, make_ext(NID_subject_alt_name,
	    "DNS:a.example.org")) && X509_REQ_add1_attr_by_NID(req,
	    NID_SMIMECapabilities, V_ASN1_SEQUENCE, der, len) == 1;
	X509_EXTENSION_free(bc);
	sk_X509_EXTENSION_pop_free(sk, X509_EXTENSION_free);
	OPENSSL_free(der);
	return ok;
}

/* The CSR of add_two_attrs() with the second attribute's OID turned
 * into extensionRequest (1.2.840.113549.1.9.15 -> .14), signed again. */
static X509_REQ *
two_attr_req(void)
{
	static const unsigned char smime[] = {
		0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09,
		0x0f
	};
	X509_REQ *req, *out = NULL;
	EVP_PKEY *key = NULL;
	unsigned char *der = NULL, *hit;
	const unsigned char *p;
	int len;

	if ((req = crafted(add_two_attrs, &key)) == NULL ||
	    (len = i2d_X509_REQ(req, &der)) <= 0 ||
	    (hit = memmem(der, (size_t)len, smime, sizeof(smime))) == NULL)
		goto out;
	hit[sizeof(smime) - 1] = 0x0e;
	p = der;
	if ((out = d2i_X509_REQ(NULL, &p, len)) != NULL &&
	    X509_REQ_sign(out, key, EVP_sha256()) <= 0) {
		X509_REQ_free(out);
		out = NULL;
	}
out:
	OPENSSL_free(der);
	X509_REQ_free(req);
	EVP_PKEY_free(key);
	return out;
}

static int
add_pem_cn(X509_REQ *req)
{
	X509_NAME *name = X509_REQ_get_subject_name(req);

	return X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"-----BEGIN CERTIFICATE REQUEST-----", -1,
	    -1, 0);
}

/* A DER CSR whose subject holds a PEM header is still read as DER. */
static void
test_der_with_pem_text(void)
{
	X509_REQ *req, *loaded = NULL;
	unsigned char *der = NULL;
	int len;

	if ((req = crafted(add_pem_cn, NULL)) == NULL ||
	    (len = i2d_X509_REQ(req, &der)) <= 0 ||
	    write_file(tpath("pem-cn.der"), der, (size_t)len) != 0) {
		CHECK(0, "crafting a DER CSR with a PEM header in its CN");
		goto out;
	}
	CHECK_RC(csr_load(tpath("pem-cn.der"), &loaded), 0,
	    "DER CSR with \"-----BEGIN \" inside loads as DER");
	CHECK(loaded != NULL && X509_NAME_cmp(X509_REQ_get_subject_name(req),
	    X509_REQ_get_subject_name(loaded)) == 0, "same subject");
	unlink(tpath("pem-cn.der"));
out:
	OPENSSL_free(der);
	X509_REQ_free(loaded);
	X509_REQ_free(req);
}

static int
add_int_attr(X509_REQ *req)
{
	static const unsigned char five[] = { 5 };

	return X509_REQ_add1_attr_by_NID(req, NID_ext_req, V_ASN1_INTEGER,
	    five, 1);
}

static void
test_two_attributes(void)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_REQ *req, *loaded = NULL;
	enum key_type t;
	unsigned char *der = NULL;
	long pathlen;
	int len, ca;

	if ((req = two_attr_req()) == NULL) {
		CHECK(0, "crafting a CSR with two extensionRequests");
		return;
	}
	CHECK(X509_REQ_get_attr_count(req) == 2 &&
	    X509_REQ_get_attr_by_NID(req, NID_ext_req, -1) == 0 &&
	    X509_REQ_get_attr_by_NID(req, NID_ext_req, 0) == 1,
	    "two extensionRequest attributes crafted");
	len = i2d_X509_REQ(req, &der);
	CHECK(len > 0 && write_file(tpath("two.der"), der, (size_t)len) == 0,
	    "written");
	CHECK_RC(load_check(tpath("two.der"), POLICY_KEYS_DEFAULT, &t), 0,
	    "its signature verifies");
	CHECK_RC(csr_load(tpath("two.der"), &loaded), 0, "loads");
	CHECK_RC(csr_extensions(loaded != NULL ? loaded : req, "two.der",
	    &exts), ERR_DATA, "two extensionRequest attributes refused");
	CHECK(exts == NULL && strstr(err_msg(), "two.der: the CSR has two "
	    "extensionRequest attributes") != NULL, "message: %s", err_msg());
	CHECK_RC(csr_requests_ca(req, &ca, &pathlen), ERR_DATA,
	    "the CA:TRUE in one of them is not read as absent");
	OPENSSL_free(der);
	X509_REQ_free(loaded);
	X509_REQ_free(req);

	if ((req = crafted(add_int_attr, NULL)) == NULL) {
		CHECK(0, "crafting a CSR with an INTEGER extensionRequest");
		return;
	}
	CHECK_RC(csr_extensions(req, "int.csr", &exts), ERR_DATA,
	    "an extensionRequest that is not a list is refused");
	CHECK(strstr(err_msg(), "does not hold exactly one list") != NULL,
	    "message: %s", err_msg());
	X509_REQ_free(req);
}

/* Not a CSR: each file is refused by csr_load() with ERR_DATA. */
static void
check_not_csr(const char *name, const void *buf, size_t len,
    const char *want)
{
	X509_REQ *req = (X509_REQ *)&req;	/* must be reset to NULL */

	if (write_file(tpath(name), buf, len) != 0) {
		CHECK(0, "writing %s", name);
		return;
	}
	CHECK_RC(csr_load(tpath(name), &req), ERR_DATA, "%s refused", name);
	CHECK(req == NULL && strstr(err_msg(), tpath(name)) != NULL &&
	    strstr(err_msg(), want) != NULL, "%s: message: %s", name,
	    err_msg());
	unlink(tpath(name));
}

static void
test_not_csr(void)
{
	unsigned char *good = NULL, *big, *both;
	size_t glen = 0, i;
	EVP_PKEY *key = NULL;
	BIO *bio;
	char *pem;
	long plen;

	if ((big = malloc(1 << 20)) == NULL ||
	    fileio_read(FIX "p384.csr", 4096, &good, &glen) != 0) {
		CHECK(0, "setting up");
		goto out;
	}
	for (i = 0; i < (1 << 20); i++)
		big[i] = (unsigned char)(i * 2654435761u >> 13);
	check_not_csr("garbage-1m", big, 1 << 20, "larger than 64 KiB: not "
	    "a CSR");
	check_not_csr("garbage-1k", big, 1024, "not a CSR (neither PEM nor a "
	    "DER PKCS#10 request)");
	check_not_csr("empty", "", 0, "not a CSR");
	if ((both = malloc(2 * glen)) != NULL) {
		memcpy(both, good, glen);
		memcpy(both + glen, good, glen);
		check_not_csr("two-blocks", both, 2 * glen, "more than one PEM "
		    "block");
		free(both);
	}
	if ((bio = BIO_new(BIO_s_mem())) != NULL &&
	    keytype_generate(KEY_P256, &key) == 0 &&
	    PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL,
	    NULL) == 1 && (plen = BIO_get_mem_data(bio, &pem)) > 0)
		check_not_csr("key.pem", pem, (size_t)plen, "holds a private "
		    "key, not a CSR");
	BIO_free(bio);
	EVP_PKEY_free(key);
	check_not_csr("cert.pem", "-----BEGIN CERTIFICATE-----\nMAA=\n"
	    "-----END CERTIFICATE-----\n", 59, "holds a PEM \"CERTIFICATE\", "
	    "not a CSR");
out:
	free(big);
	free(good);
}

static void
test_der_trailing(void)
{
	unsigned char *der = NULL;
	size_t len = 0;

	if (fileio_read(FIX "rsa3072.der", 8192, &der, &len) != 0) {
		CHECK(0, "reading rsa3072.der");
		return;
	}
	der[len] = 0;	/* fileio_read leaves room for a NUL */
	check_not_csr("trailing.der", der, len + 1, "1 bytes after the CSR");
	check_not_csr("short.der", der, len - 1, "not a CSR");
	free(der);
}

static void
test_missing_and_stdin(void)
{
	X509_REQ *req = NULL;
	enum key_type t = KEY_NONE;

	CHECK_RC(csr_load(FIX "no-such.csr", &req), ERR_NOINPUT,
	    "missing CSR is ERR_NOINPUT");
	CHECK(req == NULL, "nothing returned");
	if (freopen(FIX "p384.csr", "r", stdin) == NULL) {
		CHECK(0, "redirecting stdin");
		return;
	}
	CHECK_RC(csr_load("-", &req), 0, "\"-\" reads standard input");
	CHECK(req != NULL && csr_check(req, "-", POLICY_KEYS_DEFAULT,
	    &t) == 0 && t == KEY_P384, "the P-384 CSR from stdin");
	X509_REQ_free(req);
}

/* The DER SubjectPublicKeyInfo of key (or of req when key is NULL). */
static int
spki_der(EVP_PKEY *key, X509_REQ *req, unsigned char **der)
{
	*der = NULL;
	if (key != NULL)
		return i2d_PUBKEY(key, der);
	return i2d_X509_PUBKEY(X509_REQ_get_X509_PUBKEY(req), der);
}

/* 1 if key encodes as the SPKI the CSR at path holds. */
static int
same_spki(EVP_PKEY *key, const char *path)
{
	unsigned char *a = NULL, *b = NULL;
	X509_REQ *req = NULL;
	int la, lb, same;

	if (csr_load(path, &req) != 0)
		return 0;
	la = spki_der(key, NULL, &a);
	lb = spki_der(NULL, req, &b);
	same = la > 0 && la == lb && memcmp(a, b, (size_t)la) == 0;
	OPENSSL_free(a);
	OPENSSL_free(b);
	X509_REQ_free(req);
	return same;
}

/*
 * csr_load_keyed(): P-256 and P-384 keys are built from the SPKI (with
 * many, the CSR is parsed without the provider decoder: OpenSSL's own
 * key is then absent), give the same SPKI, verify, and go into a
 * certificate with X509_set_pubkey(); a bad signature still fails.
 */
static void
test_keyed_lean(void)
{
	static const char *const files[] = { FIX "p256.csr", FIX "p384.csr",
	    FIX "p256-text.csr" };
	X509_REQ *req;
	EVP_PKEY *key;
	X509 *cert;
	size_t i;
	int many;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		for (many = 0; many <= 1; many++) {
			req = NULL;
			key = NULL;
			CHECK_RC(csr_load_keyed(files[i], many, &req, &key), 0,
			    "%s loads with its key (many %d)", files[i], many);
			if (req == NULL || key == NULL)
				continue;
			CHECK(EVP_PKEY_get0_provider(key) == NULL,
			    "%s: a built-in EC key", files[i]);
			CHECK(!many || X509_REQ_get0_pubkey(req) == NULL,
			    "%s: no provider decoding in a batch", files[i]);
			ERR_clear_error();
			CHECK(same_spki(key, files[i]), "%s: the same SPKI",
			    files[i]);
			CHECK_RC(csr_verify_key(req, key, files[i]), 0,
			    "%s: the signature verifies", files[i]);
			cert = X509_new();
			CHECK(cert != NULL && X509_set_pubkey(cert, key) == 1 &&
			    X509_get0_pubkey(cert) != NULL &&
			    EVP_PKEY_eq(X509_get0_pubkey(cert), key) == 1,
			    "%s: a certificate takes the key", files[i]);
			X509_free(cert);
			EVP_PKEY_free(key);
			X509_REQ_free(req);
		}
	req = NULL;
	key = NULL;
	CHECK_RC(csr_load_keyed(FIX "bad-sig.der", 1, &req, &key), 0,
	    "bad-signature CSR loads lean");
	CHECK(key != NULL && csr_verify_key(req, key, "bad-sig.der") ==
	    ERR_DATA && strstr(err_msg(), "bad-sig.der: the CSR signature "
	    "does not verify") != NULL, "and is refused: %s", err_msg());
	EVP_PKEY_free(key);
	X509_REQ_free(req);
	CHECK_RC(csr_load_keyed(FIX "no-such.csr", 1, &req, &key),
	    ERR_NOINPUT, "a missing CSR is ERR_NOINPUT");
	CHECK(req == NULL && key == NULL, "nothing returned");
}

/* Any other key is OpenSSL's own, read as csr_load() reads it. */
static void
test_keyed_other(void)
{
	static const char *const files[] = { FIX "rsa3072.der",
	    FIX "ed25519.csr", FIX "p256-compressed.csr",
	    FIX "p256-explicit.csr", FIX "p521.csr", FIX "secp256k1.csr" };
	X509_REQ *req;
	EVP_PKEY *key;
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		req = NULL;
		key = NULL;
		CHECK_RC(csr_load_keyed(files[i], 1, &req, &key), 0,
		    "%s loads", files[i]);
		CHECK(key != NULL && req != NULL &&
		    key == X509_REQ_get0_pubkey(req), "%s: OpenSSL's own key",
		    files[i]);
		EVP_PKEY_free(key);
		X509_REQ_free(req);
	}
}

/* A P-256 point moved off the curve: no key, refused as unreadable. */
static void
test_keyed_off_curve(void)
{
	unsigned char *der = NULL, *pt;
	const unsigned char *point;
	X509_REQ *req = NULL;
	EVP_PKEY *key = NULL;
	int len, plen, many;

	if (csr_load(FIX "p256.csr", &req) != 0 ||
	    X509_PUBKEY_get0_param(NULL, &point, &plen, NULL,
	    X509_REQ_get_X509_PUBKEY(req)) != 1 ||
	    (len = i2d_X509_REQ(req, &der)) <= 0 ||
	    (pt = memmem(der, (size_t)len, point, (size_t)plen)) == NULL) {
		CHECK(0, "making an off-curve CSR");
		goto out;
	}
	pt[plen - 1] ^= 0x01;
	CHECK(write_file(tpath("offcurve.der"), der, (size_t)len) == 0,
	    "off-curve CSR written");
	for (many = 0; many <= 1; many++) {
		X509_REQ_free(req);
		req = NULL;
		CHECK_RC(csr_load_keyed(tpath("offcurve.der"), many, &req,
		    &key), 0, "it parses (many %d)", many);
		CHECK(key == NULL, "but has no key");
		CHECK(req != NULL && csr_verify_key(req, key, "offcurve.der") ==
		    ERR_DATA && strstr(err_msg(), "offcurve.der: the CSR's "
		    "public key cannot be read") != NULL, "refused: %s",
		    err_msg());
		EVP_PKEY_free(key);
		key = NULL;
	}
	unlink(tpath("offcurve.der"));
out:
	OPENSSL_free(der);
	X509_REQ_free(req);
}

/*
 * What the built-in key's signature check reads: the signed part as
 * received (a changed subject fails) and the BIT STRING's unused-bits
 * octet (non-zero fails), as X509_REQ_verify() on OpenSSL's own key.
 */
static void
test_keyed_tampered(void)
{
	const ASN1_BIT_STRING *sig;
	const X509_ALGOR *alg;
	unsigned char *der = NULL, *at;
	char cn[64];
	X509_REQ *req = NULL, *plain;
	EVP_PKEY *key;
	int len, k;

	if (csr_load(FIX "p256.csr", &req) != 0 ||
	    X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req),
	    NID_commonName, cn, sizeof(cn)) < 2 ||
	    (len = i2d_X509_REQ(req, &der)) <= 0) {
		CHECK(0, "reading p256.csr");
		goto out;
	}
	X509_REQ_get0_signature(req, &sig, &alg);
	for (k = 0; k < 2; k++) {
		if (k == 0) {
			at = memmem(der, (size_t)len, cn, strlen(cn));
			if (at == NULL) {
				CHECK(0, "the CN is in the DER");
				continue;
			}
			at[0] ^= 0x20;		/* another letter case */
		} else
			der[len - sig->length - 1] = 0x01;
		CHECK(write_file(tpath("tampered.der"), der, (size_t)len) == 0,
		    "tampered CSR %d written", k);
		if (csr_load(tpath("tampered.der"), &plain) == 0) {
			CHECK(X509_REQ_verify(plain, X509_REQ_get0_pubkey(
			    plain)) != 1, "OpenSSL refuses tampered CSR %d", k);
			X509_REQ_free(plain);
		}
		ERR_clear_error();
		plain = NULL;
		key = NULL;
		CHECK_RC(csr_load_keyed(tpath("tampered.der"), 1, &plain,
		    &key), 0, "tampered CSR %d loads lean", k);
		CHECK(key != NULL && EVP_PKEY_get0_provider(key) == NULL &&
		    csr_verify_key(plain, key, "tampered.der") == ERR_DATA,
		    "and its signature is refused on the built-in key (%d)", k);
		EVP_PKEY_free(key);
		X509_REQ_free(plain);
		if (k == 0)
			at[0] ^= 0x20;
	}
	unlink(tpath("tampered.der"));
out:
	OPENSSL_free(der);
	X509_REQ_free(req);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/test_csr.XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return 74;
	test_good();
	test_refused();
	test_bad_sig_is_a_csr();
	test_extensions();
	test_ca_pathlen5();
	test_dup_san();
	test_two_attributes();
	test_der_with_pem_text();
	test_not_csr();
	test_der_trailing();
	test_missing_and_stdin();
	test_keyed_lean();
	test_keyed_other();
	test_keyed_off_curve();
	test_keyed_tampered();
	unlink(tpath("two.der"));
	CHECK(rmdir(dir) == 0, "scratch directory left empty");
	return harness_done();
}
