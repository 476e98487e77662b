/*
 * deploy.c: replacing a deployed certificate, chain and key as a unit,
 * and running the deploy hook.
 *
 * Trusts the caller's paths (checked by deploy_check_paths()) and
 * nothing it reads back: a staged certificate is put in place by
 * deploy_recover() only if the key file holds its private key.
 * Invariants: the private key is written only through a staged file
 * created O_EXCL|O_NOFOLLOW with mode 0600 and fsync'ed before it is
 * renamed; CERT is always renamed last (deploy.h explains why); the hook
 * runs through fork and execve with a fixed argv, never through the C
 * library's shell-command helper.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "deploy.h"
#include "err.h"
#include "fileio.h"
#include "secmem.h"
#include "x509.h"

#define STAGED_SUFFIX	".pki-new"
#define KEY_MAX		(64 * 1024)

extern char **environ;

/* "dir/.base.pki-new" beside path, malloc'd. */
static char *
staged_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash != NULL ? (size_t)(slash - path) + 1 : 0;
	size_t len = strlen(path) + sizeof(STAGED_SUFFIX) + 1;
	char *s;

	if ((s = malloc(len)) == NULL)
		return NULL;
	snprintf(s, len, "%.*s.%s%s", (int)dirlen, path, path + dirlen,
	    STAGED_SUFFIX);
	return s;
}

/* path's directory must exist and take new files (the staged ones). */
static int
check_dir(const char *path)
{
	char *copy, *dir;
	struct stat st;
	int ret = 0;

	if ((copy = strdup(path)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	dir = dirname(copy);
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode))
		ret = err_set(ERR_NOINPUT, "%s: its directory does not exist",
		    path);
	else if (access(dir, W_OK | X_OK) == -1)
		ret = err_set(ERR_EXISTS, "%s: cannot create files in %s: %s",
		    path, dir, strerror(errno));
	free(copy);
	return ret;
}

static int
check_one(const char *path, int required, struct stat *st)
{
	if (lstat(path, st) == -1) {
		memset(st, 0, sizeof(*st));
		if (errno != ENOENT)
			return err_set(ERR_IO, "%s: %s", path, strerror(errno));
		if (required)
			return err_set(ERR_NOINPUT, "%s: no such file", path);
		return check_dir(path);
	}
	if (S_ISLNK(st->st_mode))
		return err_set(ERR_DATA, "%s: is a symbolic link (a rename "
		    "would replace the link): give the file it points to",
		    path);
	if (!S_ISREG(st->st_mode))
		return err_set(ERR_DATA, "%s: not a regular file", path);
	return check_dir(path);
}

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino != 0 && a->st_dev == b->st_dev &&
	    a->st_ino == b->st_ino;
}

int
deploy_check_paths(const struct deploy_paths *d)
{
	struct stat c, k, h;
	int ret;

	memset(&h, 0, sizeof(h));
	if (strcmp(d->cert, d->key) == 0 || (d->chain != NULL &&
	    (strcmp(d->chain, d->cert) == 0 || strcmp(d->chain, d->key) == 0)))
		return err_set(ERR_USAGE, "the certificate, chain and key need "
		    "three different files");
	if ((ret = check_one(d->cert, 1, &c)) != 0 ||
	    (ret = check_one(d->key, 0, &k)) != 0 ||
	    (d->chain != NULL && (ret = check_one(d->chain, 0, &h)) != 0))
		return ret;
	if (same_file(&c, &k) || same_file(&c, &h) || same_file(&k, &h))
		return err_set(ERR_USAGE, "the certificate, chain and key need "
		    "three different files (two paths name one file)");
	return 0;
}

int
deploy_lock(const char *cert, unsigned timeout, int *fd)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	unsigned long tries = (unsigned long)timeout * 10;
	char *copy, *dir;
	int ret = 0;

	*fd = -1;
	if ((copy = strdup(cert)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	dir = dirname(copy);
	if ((*fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		ret = err_set(ERR_IO, "%s: %s", dir, strerror(errno));
		goto out;
	}
	while (flock(*fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			ret = err_set(ERR_IO, "%s: cannot lock: %s", dir,
			    strerror(errno));
			break;
		}
		if (tries-- == 0) {
			ret = err_set(ERR_IO, "%s: still locked after %u "
			    "seconds: another pki-renew holds it", dir,
			    timeout);
			break;
		}
		nanosleep(&pause, NULL);
	}
	if (ret != 0) {
		close(*fd);
		*fd = -1;
	}
out:
	free(copy);
	return ret;
}

void
deploy_unlock(int fd)
{
	if (fd != -1)
		close(fd);	/* releases the flock */
}

/* A passphrase callback that never asks: encrypted keys fail. */
static int
no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return 0;
}

int
deploy_read_key(const char *path, EVP_PKEY **key)
{
	unsigned char *buf = NULL;
	struct stat st;
	size_t len;
	BIO *bio = NULL;
	int ret;

	*key = NULL;
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		return err_set(ERR_DATA, "%s: is a symbolic link", path);
	if ((ret = fileio_read_secret(path, KEY_MAX, &buf, &len)) != 0)
		return ret;
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	*key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	ERR_clear_error();
	if (*key == NULL)
		ret = err_set(ERR_DATA, "%s: %s", path,
		    strstr((char *)buf, "ENCRYPTED") != NULL ?
		    "the private key is encrypted: pki-renew reads unencrypted "
		    "PEM keys only" : "not a PEM private key");
out:
	BIO_free(bio);
	secmem_free(buf);
	return ret;
}

static int
staged_exists(const char *path, int *exists)
{
	char *s;

	if (path == NULL)
		return 0;
	if ((s = staged_name(path)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if (fileio_exists(s))
		*exists = 1;
	free(s);
	return 0;
}

int
deploy_pending(const struct deploy_paths *d, int *pending)
{
	int ret;

	*pending = 0;
	if ((ret = staged_exists(d->cert, pending)) != 0 ||
	    (ret = staged_exists(d->chain, pending)) != 0)
		return ret;
	return staged_exists(d->key, pending);
}

/* The three staged names (chain NULL without a chain file). */
struct staged {
	char *cert, *chain, *key;
};

static void
staged_free(struct staged *s)
{
	free(s->cert);
	free(s->chain);
	free(s->key);
	memset(s, 0, sizeof(*s));
}

static int
staged_names(const struct deploy_paths *d, struct staged *s)
{
	memset(s, 0, sizeof(*s));
	s->cert = staged_name(d->cert);
	s->key = staged_name(d->key);
	if (d->chain != NULL)
		s->chain = staged_name(d->chain);
	if (s->cert == NULL || s->key == NULL ||
	    (d->chain != NULL && s->chain == NULL)) {
		staged_free(s);
		return err_set(ERR_INTERNAL, "out of memory");
	}
	return 0;
}

/* Remove every staged file; 1 if there was one. */
static int
discard(const struct staged *s)
{
	const char *names[] = { s->key, s->chain, s->cert };
	size_t i;
	int found = 0;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i] != NULL && unlink(names[i]) == 0)
			found = 1;
	return found;
}

static void
fsync_dir_of(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (copy == NULL)
		return;
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
	free(copy);
}

static int
move(const char *from, const char *to)
{
	if (rename(from, to) == -1)
		return err_set(ERR_IO, "%s: cannot rename to %s: %s", from,
		    to, strerror(errno));
	fsync_dir_of(to);
	return 0;
}

/* Does KEY hold the private key of the staged certificate? */
static int
staged_matches(const struct deploy_paths *d, const char *staged_cert)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int match = 0;

	if (x509_load(staged_cert, &cert) == 0 &&
	    deploy_read_key(d->key, &key) == 0)
		match = EVP_PKEY_eq(X509_get0_pubkey(cert), key) == 1;
	ERR_clear_error();
	err_clear();
	EVP_PKEY_free(key);
	X509_free(cert);
	return match;
}

int
deploy_recover(const struct deploy_paths *d, enum deploy_recovery *what)
{
	struct staged s;
	int ret;

	*what = DEPLOY_CLEAN;
	if ((ret = staged_names(d, &s)) != 0)
		return ret;
	if (fileio_exists(s.cert) && !fileio_exists(s.key) &&
	    staged_matches(d, s.cert)) {
		/* The key moved: finish what the crash interrupted. */
		if ((s.chain != NULL && fileio_exists(s.chain) &&
		    (ret = move(s.chain, d->chain)) != 0) ||
		    (ret = move(s.cert, d->cert)) != 0)
			goto out;
		*what = DEPLOY_COMPLETED;
	} else if (discard(&s))
		*what = DEPLOY_DISCARDED;
out:
	staged_free(&s);
	return ret;
}

static int
write_staged(const struct deploy_paths *d, const struct staged *s,
    const void *cert, size_t certlen, const void *chain, size_t chainlen,
    const unsigned char *key, size_t keylen)
{
	int ret = 0, made_key = 0, made_chain = 0;

	if (key != NULL && (ret = fileio_write_new(s->key, key, keylen,
	    0600)) == 0)
		made_key = 1;
	if (ret == 0 && d->chain != NULL && (ret = fileio_write_new(s->chain,
	    chain, chainlen, 0644)) == 0)
		made_chain = 1;
	if (ret == 0)
		ret = fileio_write_new(s->cert, cert, certlen, 0644);
	if (ret != 0) {
		/* Remove what this call made, never another's file. */
		if (made_key)
			unlink(s->key);
		if (made_chain)
			unlink(s->chain);
	}
	return ret;
}

int
deploy_replace(const struct deploy_paths *d, const void *cert,
    size_t certlen, const void *chain, size_t chainlen,
    const unsigned char *key, size_t keylen)
{
	struct staged s;
	char msg[512];
	int ret;

	if ((ret = staged_names(d, &s)) != 0)
		return ret;
	if ((ret = write_staged(d, &s, cert, certlen, chain, chainlen, key,
	    keylen)) != 0)
		goto out;
	if (key != NULL && (ret = move(s.key, d->key)) != 0) {
		discard(&s);	/* nothing moved yet: the old files stay */
		goto out;
	}
	if ((d->chain != NULL && (ret = move(s.chain, d->chain)) != 0) ||
	    (ret = move(s.cert, d->cert)) != 0) {
		snprintf(msg, sizeof(msg), "%s", err_msg());
		ret = err_set(ERR_IO, "%s; the renewal is half done: run "
		    "pki-renew again to complete it", msg);
	}
out:
	staged_free(&s);
	return ret;
}

/* environ without the names env sets, then env; NULL-terminated. */
static char **
hook_environment(const char *const *env)
{
	size_t n = 0, m = 0, i, j, k = 0, len;
	char **envp;
	int replaced;

	while (environ != NULL && environ[n] != NULL)
		n++;
	while (env[m] != NULL)
		m++;
	if ((envp = calloc(n + m + 1, sizeof(*envp))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		for (replaced = 0, j = 0; j < m && !replaced; j++) {
			len = strcspn(env[j], "=") + 1;
			replaced = strncmp(environ[i], env[j], len) == 0;
		}
		if (!replaced)
			envp[k++] = environ[i];
	}
	for (j = 0; j < m; j++)
		envp[k++] = (char *)(uintptr_t)env[j];
	return envp;
}

int
deploy_hook(const char *cmd, const char *const *env, mode_t cmask,
    int *status)
{
	char *argv[] = { "sh", "-c", (char *)(uintptr_t)cmd, NULL };
	char **envp;
	pid_t pid;
	int wst, fd;

	*status = -1;
	if ((envp = hook_environment(env)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		free(envp);
		return err_set(ERR_INTERNAL, "cannot start the deploy hook: "
		    "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		/* Only async-signal-safe calls until execve. */
		if ((fd = open("/dev/null", O_RDONLY)) == -1 ||
		    dup2(fd, STDIN_FILENO) == -1 ||
		    dup2(STDERR_FILENO, STDOUT_FILENO) == -1)
			_exit(127);
		if (fd > STDERR_FILENO)
			close(fd);
		umask(cmask);
		execve("/bin/sh", argv, envp);
		_exit(127);
	}
	free(envp);
	while (waitpid(pid, &wst, 0) == -1)
		if (errno != EINTR)
			return err_set(ERR_INTERNAL, "deploy hook: waitpid: "
			    "%s", strerror(errno));
	*status = WIFEXITED(wst) ? WEXITSTATUS(wst) :
	    WIFSIGNALED(wst) ? 128 + WTERMSIG(wst) : 255;
	return 0;
}
