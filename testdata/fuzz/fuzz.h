/*
 * fuzz.h: what the libFuzzer targets in testdata/fuzz/ share.
 *
 * Each fuzz_<name>.c defines LLVMFuzzerTestOneInput() and, where it
 * needs one-time setup, LLVMFuzzerInitialize().  Targets never print
 * (libFuzzer and the sanitizers do the talking) and call abort() only
 * for a broken invariant of the code under test (a round trip that does
 * not come back, an error code outside err.h): that is a finding, as a
 * crash is.
 *
 * Loaders that only take a path read the input from a memfd through
 * /proc/self/fd/N, so nothing is written to a file system.  The one
 * loader that takes a directory (cacfg_load) gets a directory in
 * /dev/shm that lives only for the duration of one input.
 */
#ifndef PKI_FUZZ_H
#define PKI_FUZZ_H

#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <sodium.h>

#include "err.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

/* The fixtures directory, for targets that need a fixed certificate. */
#ifndef PKI_FUZZ_TOP
#define PKI_FUZZ_TOP "."
#endif
#define FUZZ_FIXTURES	PKI_FUZZ_TOP "/testdata/fixtures"

/* Die loudly: setup failed, or the code under test broke a contract. */
__attribute__((noreturn, format(printf, 1, 2))) static inline void
fuzz_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " [%s]\n", err_msg());
	abort();
}

/* libsodium and a clean OpenSSL error queue. */
static inline void
fuzz_init(void)
{
	if (sodium_init() < 0)
		fuzz_die("sodium_init failed");
}

/* Every return code a common/ function may give. */
static inline void
fuzz_check_rc(int rc, const char *what)
{
	switch (rc) {
	case 0: case ERR_NO: case ERR_USAGE: case ERR_DATA:
	case ERR_NOINPUT: case ERR_UNAVAILABLE: case ERR_INTERNAL:
	case ERR_EXISTS: case ERR_IO: case ERR_AUTH: case ERR_CONFIG:
		break;
	default:
		fuzz_die("%s returned %d, not an err.h code", what, rc);
	}
	/* Nothing may leave OpenSSL errors behind for the next input. */
	ERR_clear_error();
}

/* A NUL-terminated malloc'd copy of the input. */
static inline char *
fuzz_strdup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		fuzz_die("out of memory");
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * The input as a file: a memfd created once, rewritten for each input.
 * Returns its path "/proc/self/fd/N" (static storage; not to be changed,
 * but char * for sheet_read_inputs()'s argv-like list).
 */
static inline char *
fuzz_file(const uint8_t *data, size_t size)
{
	static char path[64];
	static int fd = -1;

	if (fd == -1) {
		if ((fd = memfd_create("pki-fuzz", MFD_CLOEXEC)) == -1)
			fuzz_die("memfd_create: %s", strerror(errno));
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) == -1 ||
	    (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size))
		fuzz_die("memfd write: %s", strerror(errno));
	return path;
}

/*
 * A fresh directory in /dev/shm holding the input as the file name;
 * remove it with fuzz_dir_remove() before the input ends.  The returned
 * directory path is static storage.
 */
static inline const char *
fuzz_dir(const char *name, const uint8_t *data, size_t size)
{
	static char dir[64];
	char path[128];
	int fd;

	snprintf(dir, sizeof(dir), "/dev/shm/pki-fuzz.XXXXXX");
	if (mkdtemp(dir) == NULL)
		fuzz_die("mkdtemp: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1 ||
	    (size > 0 && write(fd, data, size) != (ssize_t)size) ||
	    close(fd) == -1)
		fuzz_die("%s: %s", path, strerror(errno));
	return dir;
}

static inline void
fuzz_dir_remove(const char *dir, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (unlink(path) == -1 || rmdir(dir) == -1)
		fuzz_die("%s: cannot remove: %s", dir, strerror(errno));
}

#endif
