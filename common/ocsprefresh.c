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
	char *path, *tmp;
	int ret;

	/* Under ocsprefresh_lock(): one fixed temporary name serves. */
	path = ocsp_path(c, serial, ".der");
	tmp = fileio_join(c->ocsp_dir, OCSPREFRESH_ONE_TMP);
	if (path == NULL || tmp == NULL)
		ret = err_set(ERR_INTERNAL, "out of memory");
	else
		ret = fileio_replace_via(path, tmp, der, len, 0644);
	free(path);
	free(tmp);
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

/* A serial as a sortable key: its length in hex digits, then the
 * digits packed two to a byte. */
#define KEY_LEN		(1 + DB_SERIAL_MAX / 2)

struct ocsprefresh_lines {
	const struct ca_config *c;
	FILE		*f;
	char		*path, *tmp;
	int		 dirfd;	/* the OCSP directory */
	unsigned char	*der;	/* room for OCSP_REQUEST_MAX + 1 bytes */
	unsigned char	*b64;	/* room for OCSP_REQUEST_MAX bytes */
	unsigned char	*keys;	/* the serials added, KEY_LEN bytes each */
	size_t		 nkeys, capkeys;
	long long	 lines;
};

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'A' && ch <= 'F')	/* the inventory's serials */
		return ch - 'A' + 10;
	return -1;
}

/* Serial text to key; 0, or -1 when it is not 1 to 40 hex digits. */
static int
serial_key(const char *serial, unsigned char key[KEY_LEN])
{
	size_t i, n = strlen(serial);
	int v;

	if (n == 0 || n > DB_SERIAL_MAX)
		return -1;
	memset(key, 0, KEY_LEN);
	key[0] = (unsigned char)n;
	for (i = 0; i < n; i++) {
		if ((v = hexval((unsigned char)serial[i])) < 0)
			return -1;
		key[1 + i / 2] |= (unsigned char)(i % 2 == 0 ? v << 4 : v);
	}
	return 0;
}

static int
key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, KEY_LEN);
}

/* DIR/SERIAL.der into l->der: its length, 0 if missing, or an error. */
static ssize_t
read_response(struct ocsprefresh_lines *l, const char *serial)
{
	char name[DB_SERIAL_MAX + 8];
	ssize_t n, got = 0;
	int fd;

	snprintf(name, sizeof(name), "%s.der", serial);
	if ((fd = openat(l->dirfd, name, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : err_set(ERR_IO, "%s/%s: %s",
		    l->c->ocsp_dir, name, strerror(errno));
	while (got <= OCSP_REQUEST_MAX && (n = read(fd, l->der + got,
	    OCSP_REQUEST_MAX + 1 - (size_t)got)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			got = err_set(ERR_IO, "%s/%s: %s", l->c->ocsp_dir,
			    name, strerror(errno));
			break;
		}
		got += n;
	}
	close(fd);
	if (got > OCSP_REQUEST_MAX)
		return err_set(ERR_DATA, "%s/%s: too large", l->c->ocsp_dir,
		    name);
	return got;
}

/* One line: der base64-encoded. */
static int
put_line(struct ocsprefresh_lines *l, const unsigned char *der, size_t len)
{
	int n;

	if (len > OCSP_REQUEST_MAX)
		return err_set(ERR_DATA, "an OCSP response of %zu bytes is "
		    "too large", len);
	n = EVP_EncodeBlock(l->b64, der, (int)len);
	if (fwrite(l->b64, 1, (size_t)n, l->f) != (size_t)n ||
	    putc('\n', l->f) == EOF)
		return err_set(ERR_IO, "%s: %s", l->tmp, strerror(errno));
	l->lines++;
	return 0;
}

int
ocsprefresh_lines_open(const struct ca_config *c,
    struct ocsprefresh_lines **out)
{
	struct ocsprefresh_lines *l;
	int fd = -1, ret;

	*out = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	l->c = c;
	l->dirfd = -1;
	if ((l->path = ocsp_path(c, OCSPREFRESH_RESPONSES, "")) == NULL ||
	    (l->tmp = ocsp_path(c, OCSPREFRESH_RESPONSES, ".new")) == NULL ||
	    (l->der = malloc(OCSP_REQUEST_MAX + 1)) == NULL ||
	    (l->b64 = malloc(OCSP_REQUEST_MAX / 3 * 4 + 8)) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	if ((l->dirfd = open(c->ocsp_dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		ret = err_set(ERR_IO, "%s: %s", c->ocsp_dir, strerror(errno));
		goto out;
	}
	(void)unlink(l->tmp);	/* left by a crash */
	/* 0644 whatever the umask: web servers read it */
	if ((fd = open(l->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1 || fchmod(fd, 0644) == -1 ||
	    (l->f = fdopen(fd, "w")) == NULL) {
		ret = err_set(ERR_IO, "%s: %s", l->tmp, strerror(errno));
		if (fd != -1) {
			close(fd);
			(void)unlink(l->tmp);
		}
		goto out;
	}
	*out = l;
	l = NULL;
	ret = 0;
out:
	ocsprefresh_lines_free(l);
	return ret;
}

int
ocsprefresh_lines_add(struct ocsprefresh_lines *l, const char *serial,
    const unsigned char *der, size_t len)
{
	unsigned char *k;
	size_t cap;

	if (l->nkeys == l->capkeys) {
		cap = l->capkeys == 0 ? 4096 : l->capkeys * 2;
		if ((k = realloc(l->keys, cap * KEY_LEN)) == NULL)
			return err_set(ERR_INTERNAL, "out of memory");
		l->keys = k;
		l->capkeys = cap;
	}
	if (serial_key(serial, l->keys + l->nkeys * KEY_LEN) != 0)
		return err_set(ERR_DATA, "serial \"%.48s\" is not 1 to 40 "
		    "uppercase hex digits", serial);
	l->nkeys++;
	return put_line(l, der, len);
}

/* A live row not added already: the line of its file, if it has one. */
static int
add_line(void *arg, const struct db_cert *row)
{
	struct ocsprefresh_lines *l = arg;
	unsigned char key[KEY_LEN];
	ssize_t len;

	if (strcmp(row->status, "issued") != 0 &&
	    strcmp(row->status, "revoked") != 0)
		return 0;
	if (l->nkeys > 0 && serial_key(row->serial, key) == 0 &&
	    bsearch(key, l->keys, l->nkeys, KEY_LEN, key_cmp) != NULL)
		return 0;
	if ((len = read_response(l, row->serial)) < 0)
		return (int)len;
	if (len == 0)			/* not signed yet */
		return 0;
	return put_line(l, l->der, (size_t)len);
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
ocsprefresh_lines_finish(struct ocsprefresh_lines *l, struct db *db,
    time_t now, long long *lines)
{
	struct db_filter f;
	FILE *fp;
	int ret;

	if (l->f == NULL)
		return err_set(ERR_INTERNAL, "the responses file is finished");
	if (l->nkeys > 0)
		qsort(l->keys, l->nkeys, KEY_LEN, key_cmp);
	memset(&f, 0, sizeof(f));
	f.not_expired_at = (long long)now;
	f.lean = 1;
	if ((ret = db_each(db, &f, add_line, l)) != 0)
		return ret;
	fp = l->f;
	l->f = NULL;
	if ((ret = finish_file(fp, l->tmp, l->path)) != 0)
		(void)unlink(l->tmp);
	else if (lines != NULL)
		*lines = l->lines;
	return ret;
}

void
ocsprefresh_lines_free(struct ocsprefresh_lines *l)
{
	if (l == NULL)
		return;
	if (l->f != NULL) {	/* not finished: nothing is published */
		fclose(l->f);
		(void)unlink(l->tmp);
	}
	if (l->dirfd != -1)
		close(l->dirfd);
	free(l->keys);
	free(l->der);
	free(l->b64);
	free(l->tmp);
	free(l->path);
	free(l);
}

int
ocsprefresh_write_responses(const struct ca_config *c, struct db *db,
    time_t now, long long *lines)
{
	struct ocsprefresh_lines *l = NULL;
	int ret;

	if ((ret = ocsprefresh_lines_open(c, &l)) == 0)
		ret = ocsprefresh_lines_finish(l, db, now, lines);
	ocsprefresh_lines_free(l);
	return ret;
}
