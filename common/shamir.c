/*
 * shamir.c: Shamir secret sharing over GF(256), constant time.
 *
 * Trusts libsodium's randombytes_buf() for coefficients and secmem for
 * locked memory.  Invariants: no branch and no memory index depends on
 * a secret byte, a coefficient or a y value (multiplication is
 * shift-and-add with masks, inversion is the fixed a^254 chain and is
 * only ever applied to functions of the public xs); coefficients are
 * uniform, fresh for every split, never derived from the secret, never
 * forced non-zero, and live only in locked memory that is wiped; x = 0
 * and repeated xs are refused before any arithmetic.
 * testdata/regress/ct-valgrind.sh checks the constant-time claim on the
 * -O2 build with valgrind.
 */
#include <stdint.h>

#include <sodium.h>

#include "err.h"
#include "secmem.h"
#include "shamir.h"

#ifdef PKI_TEST
static void (*shamir_test_rng)(void *, size_t);

void
shamir_set_test_rng(void (*rng)(void *buf, size_t len))
{
	shamir_test_rng = rng;
}
#endif

static void
shamir_random(void *buf, size_t len)
{
#ifdef PKI_TEST
	if (shamir_test_rng != NULL) {
		shamir_test_rng(buf, len);
		return;
	}
#endif
	randombytes_buf(buf, len);
}

#ifndef CT_SELFTEST_LEAKY
unsigned char
gf256_mul(unsigned char a, unsigned char b)
{
	unsigned int r = 0, aa = a, bb = b;
	int i;

	/* Eight rounds whatever the operands: add a if b's low bit is set,
	 * then a *= x, reduced by 0x11B if the top bit fell out. */
	for (i = 0; i < 8; i++) {
		r ^= aa & (0U - (bb & 1));
		bb >>= 1;
		aa = (aa << 1) ^ (0x11BU & (0U - ((aa >> 7) & 1)));
	}
	return (unsigned char)r;
}
#else
/*
 * Built only by testdata/regress/ct-valgrind.sh to prove that its check
 * can fail: the classic log/exp table multiply, which indexes memory by
 * the operands (CVE-2023-25000).  Never part of a normal build.
 */
static unsigned char leaky_exp[512], leaky_log[256];

static unsigned char
gf256_mul_slow(unsigned char a, unsigned char b)
{
	unsigned char r = 0;

	while (b != 0) {
		if (b & 1)
			r ^= a;
		a = (unsigned char)((a << 1) ^ ((a & 0x80) ? 0x1B : 0));
		b >>= 1;
	}
	return r;
}

unsigned char
gf256_mul(unsigned char a, unsigned char b)
{
	unsigned int zero;
	int i;

	if (leaky_exp[0] == 0) {
		leaky_exp[0] = 1;
		for (i = 1; i < 512; i++)
			leaky_exp[i] = gf256_mul_slow(leaky_exp[i - 1], 3);
		for (i = 0; i < 255; i++)
			leaky_log[leaky_exp[i]] = (unsigned char)i;
	}
	zero = ((unsigned int)a - 1) >> 8 | ((unsigned int)b - 1) >> 8;
	return leaky_exp[leaky_log[a] + leaky_log[b]] & (unsigned char)~zero;
}
#endif

unsigned char
gf256_inv(unsigned char a)
{
	unsigned char r = a;
	int i;

	/* Exponent 1 -> 3 -> 7 -> ... -> 127, then squared: 254. */
	for (i = 0; i < 6; i++)
		r = gf256_mul(gf256_mul(r, r), a);
	return gf256_mul(r, r);
}

static int
shamir_check_params(size_t len, unsigned m, unsigned n)
{
	if (len == 0)
		return err_set(ERR_DATA, "shamir: nothing to split");
	if (n > SHAMIR_MAX_SHARES)
		return err_set(ERR_DATA, "shamir: %u shares requested, at "
		    "most %d are supported", n, SHAMIR_MAX_SHARES);
	if (m < 2 || m > n)
		return err_set(ERR_DATA, "shamir: threshold %u must be "
		    "between 2 and the number of shares (%u)", m, n);
	if (len > SIZE_MAX / SHAMIR_MAX_SHARES)
		return err_set(ERR_DATA, "shamir: secret too long");
	return 0;
}

/* f(x) = secret + a1 x + ... + a(m-1) x^(m-1), by Horner's rule. */
static unsigned char
shamir_eval(unsigned char secret, const unsigned char *coef, unsigned m,
    unsigned char x)
{
	unsigned char y = 0;
	unsigned k;

	for (k = m - 1; k > 0; k--)
		y = gf256_mul(y, x) ^ coef[k - 1];
	return gf256_mul(y, x) ^ secret;
}

int
shamir_split(const unsigned char *secret, size_t len, unsigned m,
    unsigned n, unsigned char *ys)
{
	unsigned char *coef = NULL;
	size_t j;
	unsigned i;
	int rc;

	if (secret == NULL || ys == NULL)
		return err_set(ERR_INTERNAL, "shamir: no buffer to split");
	if ((rc = shamir_check_params(len, m, n)) != 0)
		return rc;
	if ((coef = secmem_alloc(len * (m - 1))) == NULL)
		return err_set(ERR_INTERNAL, "shamir: out of locked memory");
	shamir_random(coef, len * (m - 1));
	for (j = 0; j < len; j++)
		for (i = 0; i < n; i++)
			ys[i * len + j] = shamir_eval(secret[j],
			    coef + j * (m - 1), m, (unsigned char)(i + 1));
	secmem_free(coef);
	return 0;
}

/*
 * The Lagrange basis at 0: l_k = prod_{j != k} x_j / (x_j - x_k), in
 * characteristic 2 where minus is plus.  Public values only.
 */
static int
shamir_basis(const unsigned char *xs, unsigned count, unsigned char *l)
{
	unsigned char num, den;
	unsigned j, k;

	for (k = 0; k < count; k++) {
		if (xs[k] == 0)
			return err_set(ERR_DATA, "shamir: share index 0 is "
			    "not valid");
		for (j = 0; j < k; j++)
			if (xs[j] == xs[k])
				return err_set(ERR_DATA, "shamir: share index "
				    "%u appears twice", xs[k]);
	}
	for (k = 0; k < count; k++) {
		num = 1;
		den = 1;
		for (j = 0; j < count; j++) {
			if (j == k)
				continue;
			num = gf256_mul(num, xs[j]);
			den = gf256_mul(den, xs[j] ^ xs[k]);
		}
		l[k] = gf256_mul(num, gf256_inv(den));
	}
	return 0;
}

int
shamir_combine(const unsigned char *xs, const unsigned char *const *ys,
    unsigned count, size_t len, unsigned char *secret)
{
	unsigned char l[SHAMIR_MAX_SHARES], acc;
	unsigned k;
	size_t j;
	int rc;

	if (xs == NULL || ys == NULL || secret == NULL)
		return err_set(ERR_INTERNAL, "shamir: no buffer to combine");
	if (count < 2 || count > SHAMIR_MAX_SHARES)
		return err_set(ERR_DATA, "shamir: %u shares given, between 2 "
		    "and %d are needed", count, SHAMIR_MAX_SHARES);
	if (len == 0)
		return err_set(ERR_DATA, "shamir: shares are empty");
	for (k = 0; k < count; k++)
		if (ys[k] == NULL)
			return err_set(ERR_INTERNAL, "shamir: share %u has "
			    "no value", k);
	if ((rc = shamir_basis(xs, count, l)) != 0)
		return rc;
	for (j = 0; j < len; j++) {
		acc = 0;
		for (k = 0; k < count; k++)
			acc ^= gf256_mul(l[k], ys[k][j]);
		secret[j] = acc;
	}
	return 0;
}
