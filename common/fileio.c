/*
 * fileio.c: reading inputs and publishing outputs safely.
 *
 * Invariants: a published file is either absent or complete; a file that
 * must be new is never overwritten and never followed through a symlink;
 * a failed write removes what it created.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "err.h"
#include "fileio.h"
#include "secmem.h"

/* A buffer of size bytes, locked and wiped if secret; NULL when out of
 * memory. */
static unsigned char *
buf_alloc(size_t size, int secret)
{
	return secret ? secmem_alloc(size) : malloc(size);
}

static void
buf_free(unsigned char *buf, int secret)
{
	if (secret)
		secmem_free(buf);
	else
		free(buf);
}

/* Twice the room (at most max + 2 bytes): the old buffer copied over,
 * wiped if secret, and freed.  ERR_INTERNAL when out of memory. */
static int
buf_grow(unsigned char **buf, size_t *cap, size_t used, size_t max,
    int secret)
{
	size_t want = *cap * 2 < max + 2 ? *cap * 2 : max + 2;
	unsigned char *bigger;

	if ((bigger = buf_alloc(want, secret)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	memcpy(bigger, *buf, used);
	buf_free(*buf, secret);
	*buf = bigger;
	*cap = want;
	return 0;
}

/* The first room for fd's bytes: its size when it is a regular file
 * (and one byte more, to see the end in one read), else 4 KiB; never
 * more than max + 2 (max bytes, one to see it is too long, the NUL). */
static size_t
first_size(int fd, size_t max)
{
	struct stat st;
	size_t want = 4096;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (unsigned long long)st.st_size < (unsigned long long)max)
		want = (size_t)st.st_size + 2;
	return want < max + 2 ? want : max + 2;
}

/*
 * All of fd into a NUL-terminated buffer sized to the data, not to max:
 * a 256 MiB limit must not cost 256 MiB for a 1 KiB file.
 */
static int
read_fd(int fd, const char *path, size_t max, int secret,
    unsigned char **out, size_t *len)
{
	size_t cap = first_size(fd, max), used = 0;
	unsigned char *buf;
	ssize_t n;
	int ret = 0;

	if ((buf = buf_alloc(cap, secret)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	for (;;) {
		if (used == max + 1) {
			ret = err_set(ERR_DATA, "%s: larger than %zu bytes",
			    path, max);
			break;
		}
		if (used + 1 == cap &&
		    (ret = buf_grow(&buf, &cap, used, max, secret)) != 0)
			break;
		n = read(fd, buf + used, cap - 1 - used);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			ret = err_set(ERR_IO, "%s: %s", path,
			    strerror(errno));
			break;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (ret != 0) {
		buf_free(buf, secret);
		return ret;
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	return 0;
}

static int
open_input(const char *path, int *fd)
{
	if (strcmp(path, "-") == 0) {
		*fd = STDIN_FILENO;
		return 0;
	}
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd == -1) {
		if (errno == ENOENT)
			return err_set(ERR_NOINPUT, "%s: no such file", path);
		return err_set(ERR_NOINPUT, "%s: %s", path, strerror(errno));
	}
	return 0;
}

static int
read_into(const char *path, size_t max, unsigned char **buf, size_t *len,
    int secret)
{
	int fd = -1, ret;

	*buf = NULL;
	*len = 0;
	if ((ret = open_input(path, &fd)) != 0)
		return ret;
	ret = read_fd(fd, path, max, secret, buf, len);
	if (fd > STDIN_FILENO)
		close(fd);
	return ret;
}

int
fileio_read(const char *path, size_t max, unsigned char **buf, size_t *len)
{
	return read_into(path, max, buf, len, 0);
}

int
fileio_read_secret(const char *path, size_t max, unsigned char **buf,
    size_t *len)
{
	return read_into(path, max, buf, len, 1);
}

static int
write_some(int fd, const char *path, const void *buf, size_t len, int sync)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return err_set(ERR_IO, "%s: %s", path,
			    errno == ENOSPC ? "no space left on device" :
			    strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	if (sync && fsync(fd) == -1)
		return err_set(ERR_IO, "%s: %s", path,
		    errno == ENOSPC ? "no space left on device" :
		    strerror(errno));
	return 0;
}

/* A file could not be created: a full or broken disk is an I/O error
 * (74), anything else (permissions, a missing directory) as before. */
static int
create_error(const char *path)
{
	if (errno == ENOSPC || errno == EDQUOT)
		return err_set(ERR_IO, "%s: cannot create: no space left on "
		    "device", path);
	if (errno == EIO || errno == EROFS)
		return err_set(ERR_IO, "%s: cannot create: %s", path,
		    strerror(errno));
	return err_set(ERR_EXISTS, "%s: cannot create: %s", path,
	    strerror(errno));
}

static int
write_all(int fd, const char *path, const void *buf, size_t len)
{
	return write_some(fd, path, buf, len, 1);
}

void
fileio_sync_parent(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (copy == NULL)
		return;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd != -1) {
		(void)fsync(fd);
		close(fd);
	}
	free(copy);
}

int
fileio_write_new(const char *path, const void *buf, size_t len, mode_t mode)
{
	int fd, ret;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd == -1) {
		if (errno == EEXIST)
			return err_set(ERR_EXISTS, "%s: already exists", path);
		return create_error(path);
	}
	/* The mode asked for, whatever the umask: public outputs are 0644
	 * even in programs that set umask 077. */
	if (fchmod(fd, mode) == -1)
		ret = err_set(ERR_IO, "%s: %s", path, strerror(errno));
	else
		ret = write_all(fd, path, buf, len);
	if (close(fd) == -1 && ret == 0)
		ret = err_set(ERR_IO, "%s: %s", path, strerror(errno));
	if (ret != 0)
		unlink(path);
	else
		fileio_sync_parent(path);
	return ret;
}

static int
write_published(const char *path, const void *buf, size_t len, mode_t mode,
    int replace, int sync);

int
fileio_write_atomic(const char *path, const void *buf, size_t len,
    mode_t mode, int replace)
{
	return write_published(path, buf, len, mode, replace, 1);
}

int
fileio_write_lazy(const char *path, const void *buf, size_t len,
    mode_t mode)
{
	return write_published(path, buf, len, mode, 0, 0);
}

/* The directory part of path ("." when there is none), into buf. */
static int
dir_of(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash == NULL ? 0 : slash == path ? 1 :
	    (size_t)(slash - path);

	if (n >= len)
		return -1;
	if (n == 0)
		snprintf(buf, len, ".");
	else
		snprintf(buf, len, "%.*s", (int)n, path);
	return 0;
}

int
fileio_write_linked(const char *path, const void *buf, size_t len,
    mode_t mode)
{
	char dir[4096], proc[64];
	int fd, ret;

	if (dir_of(path, dir, sizeof(dir)) != 0 ||
	    (fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600)) == -1)
		return fileio_write_lazy(path, buf, len, mode);
	/* The mode asked for, whatever the umask, as write_published(). */
	if (fchmod(fd, mode) == -1) {
		ret = err_set(ERR_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((ret = write_some(fd, path, buf, len, 0)) != 0)
		goto out;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == -1) {
		if (errno == ENOENT && access("/proc/self/fd", F_OK) != 0) {
			/* No /proc: the ordinary way. */
			close(fd);
			return fileio_write_lazy(path, buf, len, mode);
		}
		ret = err_set(errno == EEXIST ? ERR_EXISTS : ERR_IO, "%s: %s",
		    path, errno == EEXIST ? "already exists" :
		    strerror(errno));
	}
out:
	/* An unnamed file that was never linked vanishes with its fd. */
	close(fd);
	return ret;
}

struct fileio_prepared {
	int	 fd;
	char	*path;
};

int
fileio_prepare(const char *path, const void *buf, size_t len, mode_t mode,
    struct fileio_prepared **out)
{
	struct fileio_prepared *p;
	char dir[4096];
	int ret;

	*out = NULL;
	if (dir_of(path, dir, sizeof(dir)) != 0 ||
	    access("/proc/self/fd", F_OK) != 0)
		return 0;
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->path = strdup(path)) == NULL) {
		free(p);
		return err_set(ERR_INTERNAL, "out of memory");
	}
	if ((p->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600)) == -1) {
		free(p->path);
		free(p);
		return 0;
	}
	if (fchmod(p->fd, mode) == -1)
		ret = err_set(ERR_IO, "%s: %s", path, strerror(errno));
	else
		ret = write_all(p->fd, path, buf, len);
	if (ret != 0) {
		fileio_prepared_free(p);
		return ret;
	}
	*out = p;
	return 0;
}

int
fileio_publish(struct fileio_prepared *p)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", p->fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, p->path, AT_SYMLINK_FOLLOW) == -1)
		return err_set(errno == EEXIST ? ERR_EXISTS : ERR_IO, "%s: %s",
		    p->path, errno == EEXIST ? "already exists" :
		    strerror(errno));
	fileio_sync_parent(p->path);
	return 0;
}

void
fileio_prepared_free(struct fileio_prepared *p)
{
	if (p == NULL)
		return;
	/* Unlinked, or never linked: then the file vanishes with its fd. */
	close(p->fd);
	free(p->path);
	free(p);
}

int
fileio_sync(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;

	if (fd == -1)
		return err_set(ERR_IO, "%s: %s", path, strerror(errno));
	if (syncfs(fd) == -1)
		ret = err_set(ERR_IO, "%s: %s", path, strerror(errno));
	close(fd);
	return ret;
}

static int
write_published(const char *path, const void *buf, size_t len, mode_t mode,
    int replace, int sync)
{
	char *tmp = NULL;
	size_t tmplen = strlen(path) + 16;
	int fd = -1, ret;

	if (!replace && fileio_exists(path))
		return err_set(ERR_EXISTS, "%s: already exists", path);
	if ((tmp = malloc(tmplen)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	snprintf(tmp, tmplen, "%s.tmp-XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		ret = create_error(path);
		goto out;
	}
	if (fchmod(fd, mode) == -1) {
		ret = err_set(ERR_IO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if ((ret = write_some(fd, path, buf, len, sync)) != 0)
		goto out;
	if (close(fd) == -1) {
		fd = -1;
		ret = err_set(ERR_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	if (!replace) {
		/* Never clobber a path that appeared meanwhile.  vfat (USB
		 * sticks across the air gap) has RENAME_NOREPLACE but no
		 * hard links; other file systems may lack the flag. */
		if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path,
		    RENAME_NOREPLACE) == -1) {
			if (errno != EINVAL && errno != ENOSYS) {
				ret = err_set(errno == EEXIST ? ERR_EXISTS :
				    ERR_IO, "%s: %s", path, strerror(errno));
				goto out;
			}
			if (link(tmp, path) == -1) {
				ret = err_set(errno == EEXIST ? ERR_EXISTS :
				    ERR_IO, "%s: %s", path, strerror(errno));
				goto out;
			}
			unlink(tmp);
		}
	} else if (rename(tmp, path) == -1) {
		ret = err_set(ERR_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (sync)
		fileio_sync_parent(path);
	ret = 0;
out:
	if (fd != -1)
		close(fd);
	if (ret != 0 && tmp != NULL)
		unlink(tmp);
	free(tmp);
	return ret;
}

int
fileio_replace_via(const char *path, const char *tmp, const void *buf,
    size_t len, mode_t mode)
{
	int fd, ret;

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1)
		return create_error(tmp);
	if (fchmod(fd, mode) == -1)
		ret = err_set(ERR_IO, "%s: %s", tmp, strerror(errno));
	else
		ret = write_some(fd, path, buf, len, 1);
	if (close(fd) == -1 && ret == 0)
		ret = err_set(ERR_IO, "%s: %s", tmp, strerror(errno));
	if (ret == 0 && rename(tmp, path) == -1)
		ret = err_set(ERR_IO, "%s: %s", path, strerror(errno));
	if (ret != 0) {
		unlink(tmp);
		return ret;
	}
	fileio_sync_parent(path);
	return 0;
}

void
fileio_sweep_temps(const char *path, long long min_age)
{
	char *copy = strdup(path), *dir, *base, *victim;
	struct dirent *de;
	struct stat st;
	size_t blen;
	DIR *d = NULL;
	time_t now = time(NULL);

	if (copy == NULL)
		return;
	base = strrchr(copy, '/');
	dir = base != NULL ? copy : ".";
	if (base != NULL)
		*base++ = '\0';
	else
		base = copy;
	blen = strlen(base);
	if ((d = opendir(dir[0] != '\0' ? dir : "/")) == NULL)
		goto out;
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) != blen + 11 ||
		    strncmp(de->d_name, base, blen) != 0 ||
		    strncmp(de->d_name + blen, ".tmp-", 5) != 0 ||
		    (victim = fileio_join(dir, de->d_name)) == NULL)
			continue;
		if (lstat(victim, &st) == 0 && S_ISREG(st.st_mode) &&
		    (long long)(now - st.st_mtime) >= min_age)
			(void)unlink(victim);
		free(victim);
	}
out:
	if (d != NULL)
		closedir(d);
	free(copy);
}

int
fileio_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

char *
fileio_join(const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char *p = malloc(len);

	if (p != NULL)
		snprintf(p, len, "%s/%s", dir, name);
	return p;
}

int
fileio_stage_begin(const char *final_dir, char **stage_dir)
{
	size_t len = strlen(final_dir) + 16;
	char *tmp;

	*stage_dir = NULL;
	if (fileio_exists(final_dir))
		return err_set(ERR_EXISTS, "%s: already exists", final_dir);
	if ((tmp = malloc(len)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	snprintf(tmp, len, "%s.tmp-XXXXXX", final_dir);
	if (mkdtemp(tmp) == NULL) {
		int e = errno;

		free(tmp);
		return err_set(ERR_EXISTS, "%s: cannot create: %s",
		    final_dir, strerror(e));
	}
	*stage_dir = tmp;
	return 0;
}

int
fileio_stage_commit(const char *stage_dir, const char *final_dir)
{
	int fd;

	fd = open(stage_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd != -1) {
		(void)fsync(fd);
		close(fd);
	}
	if (chmod(stage_dir, 0755) == -1)
		return err_set(ERR_IO, "%s: %s", stage_dir, strerror(errno));
	/* renameat2(RENAME_NOREPLACE) would be better; a check suffices
	 * against our own mistakes, and rename() of a directory onto a
	 * non-empty directory fails anyway. */
	if (fileio_exists(final_dir))
		return err_set(ERR_EXISTS, "%s: already exists", final_dir);
	if (rename(stage_dir, final_dir) == -1)
		return err_set(ERR_IO, "%s: %s", final_dir, strerror(errno));
	fileio_sync_parent(final_dir);
	return 0;
}

void
fileio_stage_abort(const char *stage_dir)
{
	DIR *d;
	struct dirent *de;
	char *path;

	if (stage_dir == NULL || (d = opendir(stage_dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((path = fileio_join(stage_dir, de->d_name)) != NULL) {
			unlink(path);
			free(path);
		}
	}
	closedir(d);
	rmdir(stage_dir);
}

int
fileio_sha256(const char *path, unsigned char digest[32])
{
	unsigned char buf[65536];
	EVP_MD_CTX *ctx = NULL;
	ssize_t n;
	int fd, ret;

	if ((ret = open_input(path, &fd)) != 0)
		return ret;
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		ret = err_set(ERR_INTERNAL, "SHA-256 failed");
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			ret = err_set(ERR_IO, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1) {
			ret = err_set(ERR_INTERNAL, "SHA-256 failed");
			goto out;
		}
	}
	if (EVP_DigestFinal_ex(ctx, digest, NULL) != 1)
		ret = err_set(ERR_INTERNAL, "SHA-256 failed");
out:
	EVP_MD_CTX_free(ctx);
	if (fd > STDIN_FILENO)
		close(fd);
	return ret;
}
