/*
 * secmem.h: locked memory for secrets and process hardening.
 *
 * Every PIN, passphrase, share, KEK and unwrapped key byte lives in a
 * secmem_alloc() buffer: libsodium's guarded, mlock'ed allocation,
 * wiped when freed.  Every program that touches a secret calls
 * secmem_init() first.
 */
#ifndef PKI_SECMEM_H
#define PKI_SECMEM_H

#include <stddef.h>

/*
 * Initialise libsodium and OpenSSL's secure heap, switch off core dumps
 * (RLIMIT_CORE 0, PR_SET_DUMPABLE 0), make sure fds 0-2 are open and set
 * umask 077.  Returns 0 or ERR_INTERNAL.
 */
int	secmem_init(void);

/*
 * A locked, guarded buffer of len bytes (len 0 gives a valid 1-byte
 * buffer), or NULL.  Free with secmem_free(), which wipes it.
 */
void	*secmem_alloc(size_t len);

/* Wipe and free a secmem_alloc() buffer; NULL is accepted. */
void	secmem_free(void *p);

/* Wipe len bytes in a way the compiler cannot remove. */
void	secmem_wipe(void *p, size_t len);

/* Compare secrets in constant time: 0 if equal, -1 otherwise. */
int	secmem_equal(const void *a, const void *b, size_t len);

/*
 * 1 if core dumps are impossible for this process (RLIMIT_CORE is 0 and
 * the process is not dumpable), 0 otherwise.
 */
int	secmem_core_dumps_off(void);

/* 1 if locking len bytes of memory succeeds (tried and undone), else 0. */
int	secmem_can_lock(size_t len);

#endif
