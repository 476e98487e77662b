/*
 * test_deploy.c: unit tests for common/deploy.c.
 *
 * Everything happens in a fresh directory under /tmp.  Covers:
 * deploy_check_paths() (distinct paths, hard links, missing files and
 * directories, symbolic links, a directory as KEY); deploy_lock() (a
 * second lock times out, the lock is close-on-exec, unlock frees it);
 * deploy_read_key() (PKCS#8 and traditional PEM, an encrypted key
 * refused without a prompt, garbage, missing, a link); deploy_replace()
 * (contents and modes 0600/0644, no staged file left, KEY untouched
 * without a key, no chain, a staged file in the way refuses and leaves
 * the old files); deploy_pending() and deploy_recover() (nothing staged,
 * a crash before the key moved, a crash between the renames completed,
 * a staged certificate for another key or garbage discarded);
 * deploy_hook() (exit status, signal, environment added and replaced,
 * stdin /dev/null, stdout to stderr, umask, no close-on-exec descriptor
 * inherited).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "certout.h"
#include "deploy.h"
#include "err.h"
#include "harness.h"
#include "secmem.h"

static char tmpdir[] = "/tmp/test_deploy.XXXXXX";

/* tmpdir/name in a static buffer (one of 64, so 64 may be live). */
static const char *
tpath(const char *name)
{
	static char buf[64][512];
	static int k;

	k = (k + 1) % 64;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return buf[k];
}

static int
put(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (f == NULL)
		return -1;
	ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static int
puts_file(const char *path, const char *text)
{
	return put(path, text, strlen(text));
}

/* 1 if path holds exactly text. */
static int
holds(const char *path, const char *text)
{
	char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return n == strlen(text) && memcmp(buf, text, n) == 0;
}

static int
mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static EVP_PKEY *
p256(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

/* A self-signed certificate for key, as PEM in buf. */
static int
cert_pem(EVP_PKEY *key, char *buf, size_t len)
{
	X509 *x = X509_new();
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int ok;

	ok = x != NULL && b != NULL && X509_set_version(x, 2) == 1 &&
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 1) == 1 &&
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) != NULL &&
	    X509_gmtime_adj(X509_getm_notAfter(x), 3600) != NULL &&
	    X509_set_pubkey(x, key) == 1 &&
	    X509_sign(x, key, EVP_sha256()) > 0 &&
	    PEM_write_bio_X509(b, x) == 1 &&
	    (n = BIO_get_mem_data(b, &data)) > 0 && (size_t)n < len;
	if (ok) {
		memcpy(buf, data, (size_t)n);
		buf[n] = '\0';
	}
	X509_free(x);
	BIO_free(b);
	return ok ? 0 : -1;
}

static int
key_pem_file(EVP_PKEY *key, const char *path)
{
	unsigned char *pem = NULL;
	size_t len;
	int ret;

	if (certout_key_pem(key, &pem, &len) != 0)
		return -1;
	ret = put(path, pem, len);
	secmem_free(pem);
	return ret;
}

static void
test_check_paths(void)
{
	struct deploy_paths d = { tpath("c.pem"), tpath("h.pem"),
	    tpath("k.pem") };
	struct deploy_paths same = { tpath("c.pem"), NULL, tpath("c.pem") };
	struct deploy_paths hard = { tpath("c.pem"), NULL, tpath("hard.pem") };
	struct deploy_paths nodir = { tpath("c.pem"), NULL,
	    tpath("nodir/k.pem") };
	struct deploy_paths sym = { tpath("link.pem"), NULL, tpath("k.pem") };
	struct deploy_paths dir = { tpath("c.pem"), NULL, tpath("sub") };
	struct deploy_paths ro = { tpath("c.pem"), NULL, tpath("ro/k.pem") };

	CHECK_RC(deploy_check_paths(&d), ERR_NOINPUT, "a missing CERT");
	puts_file(tpath("c.pem"), "cert");
	CHECK_RC(deploy_check_paths(&d), 0, "CERT present, KEY and CHAIN not");
	CHECK_RC(deploy_check_paths(&same), ERR_USAGE, "CERT = KEY");
	CHECK(link(tpath("c.pem"), tpath("hard.pem")) == 0, "(a hard link)");
	CHECK_RC(deploy_check_paths(&hard), ERR_USAGE,
	    "KEY a hard link of CERT");
	CHECK_RC(deploy_check_paths(&nodir), ERR_NOINPUT,
	    "KEY in a missing directory");
	CHECK(symlink("c.pem", tpath("link.pem")) == 0, "(a link)");
	CHECK_RC(deploy_check_paths(&sym), ERR_DATA, "CERT a symbolic link");
	CHECK(strstr(err_msg(), "symbolic link") != NULL, "the link is named");
	mkdir(tpath("sub"), 0700);
	CHECK_RC(deploy_check_paths(&dir), ERR_DATA, "KEY a directory");
	/* root may write anywhere: the refusal shows only for others */
	mkdir(tpath("ro"), 0500);
	if (geteuid() != 0)
		CHECK_RC(deploy_check_paths(&ro), ERR_EXISTS,
		    "KEY in a directory that takes no new file");
	else
		printf("# skipped as root: a read-only directory\n");
	rmdir(tpath("ro"));
	unlink(tpath("hard.pem"));
	unlink(tpath("link.pem"));
	unlink(tpath("c.pem"));
	rmdir(tpath("sub"));
}

static void
test_lock(void)
{
	int a = -1, b = -1, flags;

	CHECK_RC(deploy_lock(tpath("c.pem"), 1, &a), 0, "the lock");
	flags = a >= 0 ? fcntl(a, F_GETFD) : 0;
	CHECK(a >= 0 && (flags & FD_CLOEXEC),
	    "its descriptor is close-on-exec");
	CHECK_RC(deploy_lock(tpath("other.pem"), 0, &b), ERR_IO,
	    "a second lock on the same directory times out");
	CHECK(b == -1 && strstr(err_msg(), "another pki-renew") != NULL,
	    "the message says another pki-renew holds it");
	deploy_unlock(a);
	CHECK_RC(deploy_lock(tpath("c.pem"), 0, &b), 0, "free after unlock");
	deploy_unlock(b);
	deploy_unlock(-1);
}

static void
test_read_key(void)
{
	EVP_PKEY *k = p256(), *got = NULL;
	FILE *f;
	BIO *b;

	key_pem_file(k, tpath("pk8.pem"));
	CHECK_RC(deploy_read_key(tpath("pk8.pem"), &got), 0, "PKCS#8 PEM");
	CHECK(got != NULL && EVP_PKEY_eq(got, k) == 1, "the same key");
	EVP_PKEY_free(got);
	if ((b = BIO_new_file(tpath("trad.pem"), "w")) != NULL) {
		PEM_write_bio_PrivateKey_traditional(b, k, NULL, NULL, 0, NULL,
		    NULL);
		BIO_free(b);
	}
	CHECK_RC(deploy_read_key(tpath("trad.pem"), &got), 0,
	    "traditional EC PEM");
	CHECK(got != NULL && EVP_PKEY_eq(got, k) == 1, "the same key");
	EVP_PKEY_free(got);
	if ((f = fopen(tpath("enc.pem"), "w")) != NULL) {
		PEM_write_PKCS8PrivateKey(f, k, EVP_aes_256_cbc(), "secret", 6,
		    NULL, NULL);
		fclose(f);
	}
	CHECK_RC(deploy_read_key(tpath("enc.pem"), &got), ERR_DATA,
	    "an encrypted key is refused (no prompt)");
	CHECK(got == NULL && strstr(err_msg(), "encrypted") != NULL,
	    "the message says encrypted");
	puts_file(tpath("junk.pem"), "-----BEGIN PRIVATE KEY-----\nxx\n");
	CHECK_RC(deploy_read_key(tpath("junk.pem"), &got), ERR_DATA,
	    "garbage is refused");
	CHECK_RC(deploy_read_key(tpath("none.pem"), &got), ERR_NOINPUT,
	    "a missing key file");
	CHECK(symlink("pk8.pem", tpath("klink.pem")) == 0, "(a link)");
	CHECK_RC(deploy_read_key(tpath("klink.pem"), &got), ERR_DATA,
	    "a symbolic link is refused");
	unlink(tpath("klink.pem"));
	unlink(tpath("trad.pem"));
	unlink(tpath("enc.pem"));
	unlink(tpath("junk.pem"));
	EVP_PKEY_free(k);
}

/* Nothing named *.pki-new in tmpdir. */
static int
no_staged(void)
{
	return access(tpath(".c.pem.pki-new"), F_OK) != 0 &&
	    access(tpath(".h.pem.pki-new"), F_OK) != 0 &&
	    access(tpath(".k.pem.pki-new"), F_OK) != 0;
}

static void
test_replace(void)
{
	struct deploy_paths d = { tpath("c.pem"), tpath("h.pem"),
	    tpath("k.pem") };
	struct deploy_paths nochain = { tpath("c.pem"), NULL, tpath("k.pem") };
	const unsigned char key[] = "new key";
	struct stat before, after;

	puts_file(tpath("c.pem"), "old cert");
	puts_file(tpath("h.pem"), "old chain");
	puts_file(tpath("k.pem"), "old key");
	chmod(tpath("c.pem"), 0600);
	CHECK_RC(deploy_replace(&d, "new cert", 8, "new chain", 9, key, 7), 0,
	    "replace all three");
	CHECK(holds(tpath("c.pem"), "new cert") &&
	    holds(tpath("h.pem"), "new chain") &&
	    holds(tpath("k.pem"), "new key"), "all three are new");
	CHECK(mode_of(tpath("k.pem")) == 0600 &&
	    mode_of(tpath("c.pem")) == 0644 && mode_of(tpath("h.pem")) == 0644,
	    "key 0600, certificate and chain 0644");
	CHECK(no_staged(), "no staged file is left");
	stat(tpath("k.pem"), &before);
	CHECK_RC(deploy_replace(&nochain, "cert 2", 6, NULL, 0, NULL, 0), 0,
	    "replace the certificate alone (key reused, no chain)");
	stat(tpath("k.pem"), &after);
	CHECK(holds(tpath("c.pem"), "cert 2") &&
	    holds(tpath("h.pem"), "new chain") &&
	    before.st_ino == after.st_ino && holds(tpath("k.pem"), "new key"),
	    "KEY and CHAIN untouched");
	puts_file(tpath(".c.pem.pki-new"), "someone's");
	CHECK_RC(deploy_replace(&d, "cert 3", 6, "chain 3", 7, key, 7),
	    ERR_EXISTS, "a staged file in the way");
	CHECK(holds(tpath("c.pem"), "cert 2") &&
	    holds(tpath("h.pem"), "new chain") &&
	    holds(tpath("k.pem"), "new key") &&
	    holds(tpath(".c.pem.pki-new"), "someone's") &&
	    access(tpath(".k.pem.pki-new"), F_OK) != 0 &&
	    access(tpath(".h.pem.pki-new"), F_OK) != 0,
	    "the old files stay, the other's file stays, ours are removed");
	unlink(tpath(".c.pem.pki-new"));
}

static void
test_recover(void)
{
	struct deploy_paths d = { tpath("c.pem"), tpath("h.pem"),
	    tpath("k.pem") };
	EVP_PKEY *old = p256(), *new = p256();
	enum deploy_recovery what = DEPLOY_COMPLETED;
	char oldcert[4096], newcert[4096];
	int pending = 1;

	cert_pem(old, oldcert, sizeof(oldcert));
	cert_pem(new, newcert, sizeof(newcert));
	puts_file(tpath("c.pem"), oldcert);
	puts_file(tpath("h.pem"), "old chain");
	key_pem_file(old, tpath("k.pem"));
	CHECK_RC(deploy_pending(&d, &pending), 0, "pending: nothing staged");
	CHECK(pending == 0, "nothing pending");
	CHECK_RC(deploy_recover(&d, &what), 0, "recover: nothing staged");
	CHECK(what == DEPLOY_CLEAN, "clean");

	/* A crash before the key moved. */
	key_pem_file(new, tpath(".k.pem.pki-new"));
	puts_file(tpath(".h.pem.pki-new"), "new chain");
	puts_file(tpath(".c.pem.pki-new"), newcert);
	CHECK_RC(deploy_pending(&d, &pending), 0, "pending: staged files");
	CHECK(pending == 1, "pending");
	CHECK_RC(deploy_recover(&d, &what), 0, "recover before the key moved");
	CHECK(what == DEPLOY_DISCARDED && no_staged() &&
	    holds(tpath("c.pem"), oldcert) && holds(tpath("h.pem"),
	    "old chain"), "discarded; the old files stay");

	/* A crash between the key's rename and the certificate's. */
	key_pem_file(new, tpath("k.pem"));
	puts_file(tpath(".h.pem.pki-new"), "new chain");
	puts_file(tpath(".c.pem.pki-new"), newcert);
	CHECK_RC(deploy_recover(&d, &what), 0, "recover after the key moved");
	CHECK(what == DEPLOY_COMPLETED && no_staged() &&
	    holds(tpath("c.pem"), newcert) && holds(tpath("h.pem"),
	    "new chain"), "completed: the new certificate and chain in place");

	/* A staged certificate for another key, and garbage. */
	puts_file(tpath(".c.pem.pki-new"), oldcert);
	CHECK_RC(deploy_recover(&d, &what), 0, "a staged certificate for "
	    "another key");
	CHECK(what == DEPLOY_DISCARDED && no_staged() &&
	    holds(tpath("c.pem"), newcert), "discarded, CERT unchanged");
	puts_file(tpath(".c.pem.pki-new"), "-----BEGIN CERTIFICATE-----\n");
	CHECK_RC(deploy_recover(&d, &what), 0, "a torn staged certificate");
	CHECK(what == DEPLOY_DISCARDED && no_staged() &&
	    holds(tpath("c.pem"), newcert), "discarded, CERT unchanged");
	EVP_PKEY_free(old);
	EVP_PKEY_free(new);
}

/* Run cmd with env; its status, or -1. */
static int
hook(const char *cmd, const char *const *env, mode_t cmask)
{
	int status = -1;

	if (deploy_hook(cmd, env, cmask, &status) != 0)
		return -1;
	return status;
}

static void
test_hook(void)
{
	const char *env[] = { "PKI_A=one", "PKI_B=two words", NULL };
	const char *none[] = { NULL };
	char cmd[256];
	int fd, out, err, saved, saved2;

	CHECK(hook("exit 3", none, 022) == 3, "exit status 3");
	CHECK(hook("true", none, 022) == 0, "exit status 0");
	CHECK(hook("kill -TERM $$", none, 022) == 128 + 15,
	    "killed by SIGTERM: 143");
	setenv("PKI_A", "old", 1);
	setenv("KEEP_ME", "kept", 1);
	CHECK(hook("test \"$PKI_A\" = one && test \"$PKI_B\" = 'two words' "
	    "&& test \"$KEEP_ME\" = kept && test $(env | grep -c '^PKI_A=') "
	    "= 1", env, 022) == 0,
	    "the environment: added, replaced once, the rest kept");
	CHECK(hook("! read line", none, 022) == 0, "stdin is /dev/null");
	CHECK(hook("test \"$(umask)\" = 0027", none, 027) == 0,
	    "the umask is the one given");
	fd = open(tpath("cloexec"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	snprintf(cmd, sizeof(cmd), "test ! -e /proc/$$/fd/%d", fd);
	CHECK(fd > 2 && hook(cmd, none, 022) == 0,
	    "a close-on-exec descriptor is not inherited");
	close(fd);
	/* stdout and stderr to files: the hook's echo must reach stderr */
	fflush(stdout);
	fflush(stderr);
	saved = dup(STDOUT_FILENO);
	saved2 = dup(STDERR_FILENO);
	out = open(tpath("stdout"), O_CREAT | O_WRONLY | O_TRUNC, 0600);
	err = open(tpath("stderr"), O_CREAT | O_WRONLY | O_TRUNC, 0600);
	dup2(out, STDOUT_FILENO);
	dup2(err, STDERR_FILENO);
	hook("echo from-the-hook", none, 022);
	dup2(saved, STDOUT_FILENO);
	dup2(saved2, STDERR_FILENO);
	close(saved);
	close(saved2);
	close(out);
	close(err);
	CHECK(holds(tpath("stdout"), "") &&
	    holds(tpath("stderr"), "from-the-hook\n"),
	    "the hook's stdout goes to the caller's stderr");
}

static void
cleanup(void)
{
	const char *names[] = { "c.pem", "h.pem", "k.pem", "pk8.pem",
	    "cloexec", "stdout", "stderr", NULL };
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		unlink(tpath(names[i]));
	rmdir(tmpdir);
}

int
main(void)
{
	if (secmem_init() != 0 || mkdtemp(tmpdir) == NULL)
		return 2;
	umask(022);
	test_check_paths();
	test_lock();
	test_read_key();
	test_replace();
	test_recover();
	test_hook();
	cleanup();
	return harness_done();
}
