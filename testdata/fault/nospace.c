/*
 * nospace.c: an LD_PRELOAD shim for testdata/regress/faults-disk.sh on
 * machines where the test cannot mount a small tmpfs: every write to a
 * file below $NOSPACE_PREFIX fails with ENOSPC, as on a full disk.
 *
 * Interposes write, pwrite, pwrite64, writev, fsync, fdatasync,
 * ftruncate (growing) and fallocate; a file is "below the prefix" when
 * /proc/self/fd/N names it so.  The programs link glibc dynamically, so
 * SQLite's and OpenSSL's calls come through here too.  Reads, opens,
 * renames and unlinks pass: a full disk still allows those.  Built by
 * the test: cc -shared -fPIC -o nospace.so nospace.c -ldl.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/uio.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
full(int fd)
{
	const char *prefix = getenv("NOSPACE_PREFIX");
	char link[64], path[4096];
	ssize_t n;

	if (prefix == NULL || prefix[0] == '\0')
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, path, sizeof(path) - 1)) <= 0)
		return 0;
	path[n] = '\0';
	return strncmp(path, prefix, strlen(prefix)) == 0;
}

#define NEXT(name) \
	static __typeof__(name) *next; \
	if (next == NULL) \
		next = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

ssize_t
write(int fd, const void *buf, size_t len)
{
	NEXT(write);
	if (len > 0 && full(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return next(fd, buf, len);
}

ssize_t
pwrite(int fd, const void *buf, size_t len, off_t off)
{
	NEXT(pwrite);
	if (len > 0 && full(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return next(fd, buf, len, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
	NEXT(pwrite64);
	if (len > 0 && full(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return next(fd, buf, len, off);
}

ssize_t
writev(int fd, const struct iovec *iov, int n)
{
	NEXT(writev);
	if (full(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return next(fd, iov, n);
}

int
fsync(int fd)
{
	NEXT(fsync);
	if (full(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return next(fd);
}

int
fdatasync(int fd)
{
	NEXT(fdatasync);
	if (full(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return next(fd);
}

int
fallocate(int fd, int mode, off_t off, off_t len)
{
	NEXT(fallocate);
	if (full(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return next(fd, mode, off, len);
}

int
posix_fallocate(int fd, off_t off, off_t len)
{
	NEXT(posix_fallocate);
	if (full(fd))
		return ENOSPC;
	return next(fd, off, len);
}
