/*
 * secmem.c: locked memory for secrets and process hardening.
 *
 * Trusts libsodium for guarded allocation and wiping.  Invariant: after
 * secmem_init() succeeds the process cannot dump core and new files are
 * created without group or other permissions.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <sodium.h>

#include "err.h"
#include "secmem.h"

/* OpenSSL's secure heap for BIGNUM private key material. */
#define SECURE_HEAP_BYTES	(1 << 17)
#define SECURE_HEAP_MIN		32

static int
open_std_fds(void)
{
	int fd;

	for (fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) != -1)
			continue;
		if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			return ERR_INTERNAL;
	}
	return 0;
}

int
secmem_init(void)
{
	struct rlimit no_core = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &no_core) == -1)
		return err_set(ERR_INTERNAL, "cannot disable core dumps");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		return err_set(ERR_INTERNAL, "cannot mark process undumpable");
	if (open_std_fds() != 0)
		return err_set(ERR_INTERNAL, "cannot open /dev/null");
	umask(077);
	if (sodium_init() < 0)
		return err_set(ERR_INTERNAL, "libsodium failed to initialise");
	/* Best effort: without it OpenSSL falls back to ordinary memory. */
	if (CRYPTO_secure_malloc_initialized() == 0)
		(void)CRYPTO_secure_malloc_init(SECURE_HEAP_BYTES,
		    SECURE_HEAP_MIN);
	return 0;
}

void *
secmem_alloc(size_t len)
{
	return sodium_malloc(len == 0 ? 1 : len);
}

void
secmem_free(void *p)
{
	if (p != NULL)
		sodium_free(p);
}

void
secmem_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		sodium_memzero(p, len);
}

int
secmem_equal(const void *a, const void *b, size_t len)
{
	return sodium_memcmp(a, b, len) == 0 ? 0 : -1;
}

int
secmem_core_dumps_off(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_CORE, &rl) == -1)
		return 0;
	if (rl.rlim_cur != 0)
		return 0;
	return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0;
}

int
secmem_can_lock(size_t len)
{
	void *p = calloc(1, len);
	int ok;

	if (p == NULL)
		return 0;
	ok = mlock(p, len) == 0;
	if (ok)
		munlock(p, len);
	free(p);
	return ok;
}
