/*
 * test_hsm.c: unit tests for common/hsm.c on throwaway SoftHSM2 tokens.
 *
 * Two tokens ("t" and "u") in a fresh directory.  Opening: right PIN,
 * wrong PIN, missing or bogus module, unknown token, URIs with a PIN,
 * malformed or ambiguous URIs, percent-decoding, selection by serial.
 * Keys: P-256, P-384 and RSA-3072 imported, each checked sensitive and
 * not extractable, its public key read back equal, and a certificate
 * signed through the token with X509_sign() and verified under the
 * original public key (so OpenSSL 3 really routes signing through
 * libp11's method); a CRL signed the same way; an existing label
 * refused; P-256 and RSA-3072 generated in the token; delete, and a key
 * deleted and imported again under the same label (libp11's stale
 * cache).  RSA-4096 generation is left out: it takes seconds.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "err.h"
#include "fileio.h"
#include "harness.h"
#include "hsm.h"
#include "keytype.h"
#include "secmem.h"

#define MODULE	"/usr/lib/softhsm/libsofthsm2.so"
#define URI	"pkcs11:token=t;object=root"
#define PIN	"1234"

extern char **environ;

static char dir[] = "/tmp/test_hsm.XXXXXX";

/* Run argv with stdout to the file out (NULL: /dev/null); exit status. */
static int
run(char *argv[], const char *out)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out != NULL ? out :
	    "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int
setup(void)
{
	char path[256], conf[512];
	char *t[] = { "softhsm2-util", "--init-token", "--free", "--label",
	    "t", "--pin", PIN, "--so-pin", "5678", NULL };
	char *u[] = { "softhsm2-util", "--init-token", "--free", "--label",
	    "u", "--pin", "0000", "--so-pin", "5678", NULL };
	FILE *f;

	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/tokens", dir);
	if (mkdir(path, 0700) == -1)
		return -1;
	snprintf(conf, sizeof(conf), "directories.tokendir = %s\n"
	    "objectstore.backend = file\nlog.level = ERROR\n"
	    "slots.removable = false\n", path);
	snprintf(path, sizeof(path), "%s/softhsm2.conf", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(conf, f);
	if (fclose(f) != 0 || setenv("SOFTHSM2_CONF", path, 1) != 0)
		return -1;
	return run(t, NULL) == 0 && run(u, NULL) == 0 ? 0 : -1;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
test_open(void)
{
	struct hsm *h = NULL;
	char uri[128];

	CHECK_RC(hsm_open(MODULE, URI, PIN, &h), 0, "open with the right PIN");
	CHECK(h != NULL && strcmp(hsm_token_label(h), "t") == 0,
	    "token label t");
	CHECK(h != NULL && strcmp(hsm_uri_object(h), "root") == 0,
	    "object from the URI");
	CHECK(h != NULL && strlen(hsm_token_serial(h)) > 0, "token serial");
	snprintf(uri, sizeof(uri), "pkcs11:serial=%s",
	    h != NULL ? hsm_token_serial(h) : "");
	hsm_close(h);
	CHECK_RC(hsm_open(MODULE, uri, NULL, &h), 0, "open by serial");
	CHECK(h != NULL && strcmp(hsm_token_label(h), "t") == 0 &&
	    hsm_uri_object(h) == NULL, "serial selects t, no object");
	hsm_close(h);
	CHECK_RC(hsm_open(MODULE, "pkcs11:token=%74;object=my%20key:pin-1",
	    NULL, &h), 0, "percent-encoded URI");
	CHECK(h != NULL && strcmp(hsm_uri_object(h), "my key:pin-1") == 0,
	    "object percent-decoded");
	hsm_close(h);
	hsm_close(NULL);

	CHECK_RC(hsm_open(MODULE, URI, "9999", &h), ERR_AUTH, "wrong PIN");
	CHECK(h == NULL && strcmp(err_msg(), "wrong PIN for token t") == 0,
	    "message: %s", err_msg());
	CHECK_RC(hsm_open("/nonexistent/p11.so", URI, PIN, &h),
	    ERR_UNAVAILABLE, "missing module");
	CHECK(strstr(err_msg(), "/nonexistent/p11.so: cannot load PKCS#11 "
	    "module") == err_msg(), "message: %s", err_msg());
	CHECK_RC(hsm_open("/etc/passwd", URI, PIN, &h), ERR_UNAVAILABLE,
	    "not a shared object");
	CHECK_RC(hsm_open("libm.so.6", URI, PIN, &h), ERR_UNAVAILABLE,
	    "a library that is no PKCS#11 module");
	CHECK_RC(hsm_open(MODULE, "pkcs11:token=nosuch", PIN, &h),
	    ERR_UNAVAILABLE, "unknown token");
	CHECK(strcmp(err_msg(), "no token matches pkcs11:token=nosuch") == 0,
	    "message: %s", err_msg());
	CHECK_RC(hsm_open(MODULE, "pkcs11:", NULL, &h), ERR_CONFIG,
	    "a URI matching both tokens");
}

static void
test_uri(void)
{
	static const char *const bad[] = {
		"file:///x", "pkcs11:token=t;token=u", "pkcs11:foo=bar",
		"pkcs11:token=%zz", "pkcs11:token=%7", "pkcs11:token",
		"pkcs11:token=", "pkcs11:type=bogus", "pkcs11:token=t%00x",
		"pkcs11:token=t#frag", "pkcs11:token=t?module-path=/x.so",
	};
	struct hsm *h = NULL;
	size_t i;

	CHECK_RC(hsm_open(MODULE, "pkcs11:token=t?pin-value=4321", NULL, &h),
	    ERR_CONFIG, "pin-value in the URI");
	CHECK(strcmp(err_msg(), "PINs are never taken from a URI") == 0,
	    "message: %s", err_msg());
	CHECK_RC(hsm_open(MODULE, "pkcs11:token=t;object=k?pin-source="
	    "file:/p", NULL, &h), ERR_CONFIG, "pin-source in the URI");
	CHECK_RC(hsm_open(MODULE, "pkcs11:pin-value=4321;token=t", NULL, &h),
	    ERR_CONFIG, "pin-value first in the path");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_RC(hsm_open(MODULE, bad[i], NULL, &h), ERR_CONFIG,
		    "malformed URI %s", bad[i]);
	CHECK(h == NULL, "no handle after errors");
}

/*
 * How many objects pkcs11-tool (OpenSC, independent of our code) lists
 * in token t with CKA_ID equal to the SHA-1 key identifier of pub.
 */
static int
objects_with_ski(EVP_PKEY *pub)
{
	char *argv[] = { "pkcs11-tool", "--module", MODULE, "--token-label",
	    "t", "--login", "--pin", PIN, "--list-objects", NULL };
	unsigned char md[20], *buf = NULL;
	char out[256], hex[41];
	const char *p;
	unsigned int n = 0, i;
	size_t len;
	X509 *x = X509_new();
	int count = 0;

	if (x == NULL || X509_set_pubkey(x, pub) != 1 ||
	    X509_pubkey_digest(x, EVP_sha1(), md, &n) != 1 || n != 20) {
		X509_free(x);
		return -1;
	}
	X509_free(x);
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	snprintf(out, sizeof(out), "%s/objects.txt", dir);
	if (run(argv, out) != 0 || fileio_read(out, 1 << 20, &buf, &len) != 0)
		return -1;
	for (p = (const char *)buf; (p = strstr(p, hex)) != NULL; p++)
		count++;
	free(buf);
	return count;
}

static X509 *
make_cert(EVP_PKEY *pub)
{
	X509 *x = X509_new();
	X509_NAME *n;

	if (x == NULL)
		return NULL;
	n = X509_get_subject_name(x);
	if (X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 42) != 1 ||
	    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)"hsm test", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, n) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 3600) == NULL ||
	    X509_set_pubkey(x, pub) != 1) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* Sign a certificate with the token's key; verify under pub. */
static int
signs_for(struct hsm *h, const char *label, EVP_PKEY *pub)
{
	EVP_PKEY *hk = NULL;
	X509 *x = NULL;
	int ok;

	ok = hsm_signing_key(h, label, &hk) == 0 &&
	    (x = make_cert(pub)) != NULL &&
	    X509_sign(x, hk, keytype_digest(keytype_of(pub))) > 0 &&
	    X509_verify(x, pub) == 1;
	X509_free(x);
	EVP_PKEY_free(hk);
	return ok;
}

static void
import_one(struct hsm *h, enum key_type type, const char *label)
{
	EVP_PKEY *key = NULL, *pub = NULL, *other = NULL;
	int exists = -1, sens = -1, extr = -1;

	if (keytype_generate(type, &key) != 0 ||
	    keytype_generate(KEY_P256, &other) != 0) {
		CHECK(0, "generate %s", label);
		return;
	}
	CHECK(hsm_key_exists(h, label, &exists) == 0 && exists == 0,
	    "%s: absent before", label);
	CHECK_RC(hsm_import_key(h, label, key), 0, "import %s", label);
	CHECK(hsm_key_exists(h, label, &exists) == 0 && exists == 1,
	    "%s: present after", label);
	CHECK(hsm_key_flags(h, label, &sens, &extr) == 0 && sens == 1 &&
	    extr == 0, "%s: sensitive %d, extractable %d", label, sens, extr);
	CHECK(hsm_public_key(h, label, &pub) == 0 && EVP_PKEY_eq(pub, key) ==
	    1, "%s: public key read back equal", label);
	CHECK(objects_with_ski(key) == 2, "%s: pkcs11-tool lists 2 objects "
	    "with CKA_ID = SHA-1 key identifier", label);
	CHECK(signs_for(h, label, key), "%s: X509_sign through the token, "
	    "verified under the original key", label);
	CHECK(!signs_for(h, label, other), "%s: and not under another key",
	    label);
	CHECK_RC(hsm_import_key(h, label, other), ERR_EXISTS,
	    "%s: existing label refused", label);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(other);
	EVP_PKEY_free(key);
}

static void
test_crl(struct hsm *h, const char *label)
{
	EVP_PKEY *hk = NULL, *pub = NULL;
	X509_CRL *crl = X509_CRL_new();
	X509_NAME *n = X509_NAME_new();
	ASN1_TIME *t = ASN1_TIME_set(NULL, 0);
	int ok;

	ok = crl != NULL && n != NULL && t != NULL &&
	    hsm_signing_key(h, label, &hk) == 0 &&
	    hsm_public_key(h, label, &pub) == 0 &&
	    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)"crl test", -1, -1, 0) == 1 &&
	    X509_CRL_set_version(crl, 1) == 1 &&
	    X509_CRL_set_issuer_name(crl, n) == 1 &&
	    X509_CRL_set1_lastUpdate(crl, t) == 1 &&
	    X509_CRL_sign(crl, hk, EVP_sha256()) > 0 &&
	    X509_CRL_verify(crl, pub) == 1;
	CHECK(ok, "%s: X509_CRL_sign through the token", label);
	ASN1_TIME_free(t);
	X509_NAME_free(n);
	X509_CRL_free(crl);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(hk);
}

static void
generate_one(struct hsm *h, enum key_type type, const char *label)
{
	EVP_PKEY *pub = NULL;
	int sens = -1, extr = -1;

	CHECK_RC(hsm_generate_key(h, label, type), 0, "generate %s in the "
	    "token", label);
	CHECK(hsm_key_flags(h, label, &sens, &extr) == 0 && sens == 1 &&
	    extr == 0, "%s: sensitive %d, extractable %d", label, sens, extr);
	CHECK(hsm_public_key(h, label, &pub) == 0 && keytype_of(pub) == type,
	    "%s: public key of type %s", label, keytype_name(type));
	CHECK(pub != NULL && signs_for(h, label, pub), "%s: signs, verified "
	    "under its public key", label);
	CHECK(pub != NULL && objects_with_ski(pub) == 2, "%s: CKA_ID set to "
	    "the key identifier on both objects", label);
	CHECK_RC(hsm_generate_key(h, label, type), ERR_EXISTS,
	    "%s: generating over it refused", label);
	EVP_PKEY_free(pub);
}

static void
test_delete(struct hsm *h)
{
	EVP_PKEY *key = NULL, *hk = NULL;
	int exists = -1;

	CHECK_RC(hsm_delete_key(h, "gen-p256"), 0, "delete gen-p256");
	CHECK(hsm_key_exists(h, "gen-p256", &exists) == 0 && exists == 0,
	    "gen-p256 gone");
	CHECK_RC(hsm_delete_key(h, "gen-p256"), ERR_NOINPUT, "delete again");
	CHECK_RC(hsm_signing_key(h, "gen-p256", &hk), ERR_NOINPUT,
	    "no signing key after delete");
	CHECK(strcmp(err_msg(), "no key labelled gen-p256 in token t") == 0,
	    "message: %s", err_msg());
	CHECK_RC(hsm_public_key(h, "nosuch", &key), ERR_NOINPUT,
	    "no public key for an unknown label");

	/* Seen by libp11, deleted, imported again: the live one is used. */
	if (keytype_generate(KEY_P384, &key) != 0)
		return;
	CHECK(hsm_import_key(h, "again", key) == 0 &&
	    signs_for(h, "again", key), "import and sign");
	CHECK(hsm_delete_key(h, "again") == 0 &&
	    hsm_import_key(h, "again", key) == 0,
	    "delete and import again under the same label");
	CHECK(signs_for(h, "again", key), "signs after re-import");
	EVP_PKEY_free(key);
}

static void
test_refusals(struct hsm *h)
{
	struct hsm *second = NULL;
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

	CHECK_RC(hsm_import_key(h, "ed", ed), ERR_DATA, "Ed25519 refused");
	CHECK_RC(hsm_generate_key(h, "none", KEY_NONE), ERR_DATA,
	    "KEY_NONE refused");
	CHECK_RC(hsm_import_key(h, "", ed), ERR_CONFIG, "empty label");
	EVP_PKEY_free(ed);
	CHECK_RC(hsm_open(MODULE, URI, NULL, &second), ERR_INTERNAL,
	    "a second handle while one is open");
	CHECK(second == NULL, "no second handle");
}

/* After the logged-in handle is closed: a handle without a PIN. */
static void
test_nopin(void)
{
	struct hsm *h = NULL;
	EVP_PKEY *hk = NULL, *pub = NULL;
	int exists = -1;

	if (hsm_open(MODULE, URI, NULL, &h) != 0) {
		CHECK(0, "open without PIN: %s", err_msg());
		return;
	}
	CHECK_RC(hsm_signing_key(h, "p256", &hk), ERR_AUTH,
	    "signing needs a login");
	CHECK_RC(hsm_generate_key(h, "x", KEY_P256), ERR_AUTH,
	    "generating needs a login");
	CHECK(hsm_key_exists(h, "x", &exists) == 0 && exists == 0,
	    "nothing left by the refused generation");
	CHECK(hsm_public_key(h, "p256", &pub) == 0 && keytype_of(pub) ==
	    KEY_P256, "public key readable without a login");
	EVP_PKEY_free(pub);
	hsm_close(h);
}

int
main(void)
{
	struct hsm *h = NULL;

	if (secmem_init() != 0 || setup() != 0) {
		printf("FAIL: cannot set up SoftHSM2 tokens in %s\n", dir);
		return 1;
	}
	test_open();
	test_uri();
	if (hsm_open(MODULE, URI, PIN, &h) == 0) {
		import_one(h, KEY_P256, "p256");
		import_one(h, KEY_P384, "p384");
		import_one(h, KEY_RSA3072, "rsa3072");
		test_crl(h, "p256");
		test_crl(h, "rsa3072");
		generate_one(h, KEY_P256, "gen-p256");
		generate_one(h, KEY_RSA3072, "gen-rsa3072");
		test_delete(h);
		test_refusals(h);
		hsm_close(h);
		test_nopin();
	} else
		CHECK(0, "open for the key tests: %s", err_msg());
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return harness_done();
}
