/*
 * shamir.h: Shamir secret sharing over GF(256), constant time.
 *
 * The field is GF(2^8) with the Rijndael polynomial x^8+x^4+x^3+x+1
 * (0x11B), the secret is the value at x = 0, and share i (0-based) is
 * the value at x = i + 1, so no share ever sits at 0.  Secret bytes,
 * polynomial coefficients and share values (y) are never used to pick a
 * branch or a memory address; the xs, M and N are public.
 */
#ifndef PKI_SHAMIR_H
#define PKI_SHAMIR_H

#include <stddef.h>

#define SHAMIR_MAX_SHARES	16

/*
 * Split secret (len bytes, secret) into n shares, any m of which recover
 * it.  Share i (0-based) has x = i + 1 and its len bytes of y at
 * ys + i * len; ys must hold n * len bytes and should be secmem_alloc()
 * memory owned by the caller.  Every byte gets m - 1 fresh coefficients
 * from randombytes_buf(), uniform (never forced non-zero), kept in
 * locked memory and wiped before returning.
 * Returns 0, ERR_DATA unless 2 <= m <= n <= 16 and len > 0, or
 * ERR_INTERNAL when locked memory is exhausted.  On error ys is left
 * untouched.
 */
int	shamir_split(const unsigned char *secret, size_t len, unsigned m,
	    unsigned n, unsigned char *ys);

/*
 * Recover the secret from count shares by Lagrange interpolation at 0.
 * xs[k] is the public index of share k and ys[k] its len secret bytes;
 * the result (secret, len bytes, caller's secmem) is only meaningful
 * when count >= M of the split and the shares belong together: this
 * function cannot tell, the caller authenticates the result.
 * Returns 0, or ERR_DATA for count < 2 or > 16, an x of 0, or two equal
 * xs (all checked on the xs before any arithmetic), or len 0.
 */
int	shamir_combine(const unsigned char *xs,
	    const unsigned char *const *ys, unsigned count, size_t len,
	    unsigned char *secret);

/* a * b in GF(256), branch-free.  Exported for the tests. */
unsigned char gf256_mul(unsigned char a, unsigned char b);

/* a^254 in GF(256) (the inverse; 0 for 0), branch-free. */
unsigned char gf256_inv(unsigned char a);

#ifdef PKI_TEST
/*
 * Tests only: make shamir_split() take its coefficients from rng
 * instead of randombytes_buf(); NULL restores randombytes_buf().
 * Coefficients are drawn as one stream: for each secret byte in turn,
 * a1 .. a(m-1), the order of the draft-mcgrew-tss vectors.
 */
void	shamir_set_test_rng(void (*rng)(void *buf, size_t len));
#endif

#endif
