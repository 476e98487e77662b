/*
 * ocsprefresh.c: the pre-signed OCSP responses of an online CA, shared
 * by pki-ocsp refresh and pki-revoke (see ocsprefresh.h).
 *
 * Invariants: every published file is written beside its final name
 * and renamed over it, so a reader never sees a partial response or a
 * partial responses file; the inventory is told of a response only
 * after its file is on disk (fsync before db_set_ocsp()).  The
 * PIN lives in secmem and is freed (wiped) before returning.  Writers
 * of response files hold ocsprefresh_lock() from reading a row to
 * recording its response.
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "err.h"
#include "fileio.h"
#include "keyfile.h"
#include "ocsprefresh.h"
#include "secmem.h"
#include "x509.h"

int
ocsprefresh_dir_ready(const struct ca_config *c)
{
	if (c->ocsp_dir == NULL)
		return err_set(ERR_CONFIG, "%s: no publish.ocsp directory",
		    c->path);
	if (mkdir(c->ocsp_dir, 0755) == -1 && errno != EEXIST)
		return err_set(ERR_IO, "%s: %s", c->ocsp_dir, strerror(errno));
	if (access(c->ocsp_dir, W_OK | X_OK) != 0)
		return err_set(ERR_CONFIG, "%s: the OCSP publish directory is "
		    "not writable", c->ocsp_dir);
	return 0;
}

int
ocsprefresh_open_signer(const struct ca_config *c, X509 *ca,
    const struct pin_source *cli, struct ocsp_signer **out)
{
	char *keypath = NULL, *certpath = NULL, *pin = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int ret;

	keypath = fileio_join(c->dir, OCSP_SIGNER_KEY);
	certpath = fileio_join(c->dir, OCSP_SIGNER_CERT);
	if (keypath == NULL || certpath == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (!fileio_exists(keypath) || !fileio_exists(certpath)) {
		ret = err_set(ERR_CONFIG, "CA %s has no OCSP signer: run "
		    "pki-ocsp init-signer", c->name);
		goto out;
	}
	if ((ret = x509_load(certpath, &cert)) != 0 ||
	    (ret = cacfg_read_pin(c, cli, 0, &pin)) != 0 ||
	    (ret = keyfile_read(keypath, pin, &key)) != 0)
		goto out;
	ret = ocsp_signer_new(ca, cert, key, out);
out:
	secmem_free(pin);
	EVP_PKEY_free(key);
	X509_free(cert);
	free(keypath);
	free(certpath);
	return ret;
}

int
ocsprefresh_lock(const struct ca_config *c, int *fd)
{
	char *path;
	int ret = 0;

	if ((path = fileio_join(c->dir, OCSPREFRESH_LOCK)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if ((*fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1)
		ret = err_set(ERR_IO, "%s: %s", path, strerror(errno));
	else
		while (flock(*fd, LOCK_EX) == -1)
			if (errno != EINTR) {
				ret = err_set(ERR_IO, "%s: %s", path,
				    strerror(errno));
				close(*fd);
				*fd = -1;
				break;
			}
	free(path);
	return ret;
}

void
ocsprefresh_unlock(int fd)
{
	if (fd != -1)
		close(fd);
}

/* DIR/NAME + suffix, malloc'd. */
static char *
ocsp_path(const struct ca_config *c, const char *name, const char *suffix)
{
	char buf[DB_SERIAL_MAX + 32];

	snprintf(buf, sizeof(buf), "%s%s", name, suffix);
	return fileio_join(c->ocsp_dir, buf);
}

int
ocsprefresh_publish(const struct ca_config *c, const char *serial,
    const unsigned char *der, size_t len)
{
	char *path;
	int ret;

	if ((path = ocsp_path(c, serial, ".der")) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	ret = fileio_write_atomic(path, der, len, 0644, 1);
	free(path);
	return ret;
}

int
ocsprefresh_one(const struct ca_config *c, const struct ocsp_signer *s,
    struct db *db, const char *serial, time_t now)
{
	struct db_cert row;
	struct ocsp_entry e;
	struct timespec ts;
	unsigned char *der = NULL;
	char hash[65], mark[64];
	size_t len;
	time_t next = now + (time_t)c->ocsp_validity;
	int ret, lock = -1;

	memset(&row, 0, sizeof(row));
	/* The row is read under the lock: see ocsprefresh_lock(). */
	if ((ret = ocsprefresh_lock(c, &lock)) != 0 ||
	    (ret = db_get(db, serial, &row)) != 0) {
		ocsprefresh_unlock(lock);
		return ret;
	}
	if ((ret = db_ocsp_status_hash(&row, hash)) != 0)
		goto out;
	memset(&e, 0, sizeof(e));
	e.serial = row.serial;
	e.status = row.revoked_at != 0 ? OCSP_REVOKED : OCSP_GOOD;
	e.revoked_at = row.revoked_at;
	e.reason = row.reason;
	if ((ret = ocsprefresh_dir_ready(c)) != 0 ||
	    (ret = ocsp_sign(s, &e, now, next, &der, &len)) != 0 ||
	    (ret = ocsprefresh_publish(c, row.serial, der, len)) != 0)
		goto out;
	if ((ret = db_set_ocsp(db, row.serial, (long long)now,
	    (long long)next, hash)) != 0)
		goto out;
	/* A value of its own, so that a refresh writing the responses file
	 * meanwhile does not clear it: see OCSPREFRESH_STALE. */
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(mark, sizeof(mark), "%lld.%09ld.%ld", (long long)ts.tv_sec,
	    ts.tv_nsec, (long)getpid());
	ret = db_meta_set(db, OCSPREFRESH_STALE, mark);
out:
	ocsprefresh_unlock(lock);
	free(der);
	db_cert_clear(&row);
	return ret;
}

struct responses {
	const struct ca_config *c;
	FILE		*f;
	const char	*tmp;
	int		 dirfd;	/* the OCSP directory */
	unsigned char	*der;	/* room for OCSP_REQUEST_MAX + 1 bytes */
	unsigned char	*b64;	/* room for OCSP_REQUEST_MAX bytes */
	long long	 lines;
};

/* DIR/SERIAL.der into r->der: its length, 0 if missing, or an error. */
static ssize_t
read_response(struct responses *r, const char *serial)
{
	char name[DB_SERIAL_MAX + 8];
	ssize_t n, got = 0;
	int fd;

	snprintf(name, sizeof(name), "%s.der", serial);
	if ((fd = openat(r->dirfd, name, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : err_set(ERR_IO, "%s/%s: %s",
		    r->c->ocsp_dir, name, strerror(errno));
	while (got <= OCSP_REQUEST_MAX && (n = read(fd, r->der + got,
	    OCSP_REQUEST_MAX + 1 - (size_t)got)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			got = err_set(ERR_IO, "%s/%s: %s", r->c->ocsp_dir,
			    name, strerror(errno));
			break;
		}
		got += n;
	}
	close(fd);
	if (got > OCSP_REQUEST_MAX)
		return err_set(ERR_DATA, "%s/%s: too large", r->c->ocsp_dir,
		    name);
	return got;
}

static int
add_line(void *arg, const struct db_cert *row)
{
	struct responses *r = arg;
	ssize_t len;
	int n;

	if (strcmp(row->status, "issued") != 0 &&
	    strcmp(row->status, "revoked") != 0)
		return 0;
	if ((len = read_response(r, row->serial)) < 0)
		return (int)len;
	if (len == 0)			/* not signed yet */
		return 0;
	n = EVP_EncodeBlock(r->b64, r->der, (int)len);
	if (fwrite(r->b64, 1, (size_t)n, r->f) != (size_t)n ||
	    putc('\n', r->f) == EOF)
		return err_set(ERR_IO, "%s: %s", r->tmp, strerror(errno));
	r->lines++;
	return 0;
}

static int
finish_file(FILE *f, const char *tmp, const char *path)
{
	int ret = 0;

	if (fflush(f) != 0 || fsync(fileno(f)) == -1)
		ret = err_set(ERR_IO, "%s: %s", tmp, strerror(errno));
	if (fclose(f) != 0 && ret == 0)
		ret = err_set(ERR_IO, "%s: %s", tmp, strerror(errno));
	if (ret == 0 && rename(tmp, path) == -1)
		ret = err_set(ERR_IO, "%s: %s", path, strerror(errno));
	return ret;
}

int
ocsprefresh_write_responses(const struct ca_config *c, struct db *db,
    time_t now, long long *lines)
{
	struct responses r;
	struct db_filter f;
	char *path = NULL, *tmp = NULL;
	int fd, ret;

	memset(&r, 0, sizeof(r));
	r.dirfd = -1;
	if ((path = ocsp_path(c, OCSPREFRESH_RESPONSES, "")) == NULL ||
	    (tmp = ocsp_path(c, OCSPREFRESH_RESPONSES, ".new")) == NULL ||
	    (r.der = malloc(OCSP_REQUEST_MAX + 1)) == NULL ||
	    (r.b64 = malloc(OCSP_REQUEST_MAX / 3 * 4 + 8)) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	if ((r.dirfd = open(c->ocsp_dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		ret = err_set(ERR_IO, "%s: %s", c->ocsp_dir, strerror(errno));
		goto out;
	}
	(void)unlink(tmp);	/* left by a crash */
	/* 0644 whatever the umask: web servers read it */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1 || fchmod(fd, 0644) == -1 ||
	    (r.f = fdopen(fd, "w")) == NULL) {
		ret = err_set(ERR_IO, "%s: %s", tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		goto out;
	}
	r.c = c;
	r.tmp = tmp;
	memset(&f, 0, sizeof(f));
	f.not_expired_at = (long long)now;
	f.lean = 1;
	if ((ret = db_each(db, &f, add_line, &r)) != 0) {
		fclose(r.f);
		(void)unlink(tmp);
		goto out;
	}
	if ((ret = finish_file(r.f, tmp, path)) != 0)
		(void)unlink(tmp);
	else if (lines != NULL)
		*lines = r.lines;
out:
	if (r.dirfd != -1)
		close(r.dirfd);
	free(r.der);
	free(r.b64);
	free(tmp);
	free(path);
	return ret;
}
