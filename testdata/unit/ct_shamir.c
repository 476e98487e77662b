/*
 * ct_shamir.c: the constant-time check, run under valgrind memcheck by
 * testdata/regress/ct-valgrind.sh (not a unit test: the Makefile does
 * not build it, the script does, with the shipped -O2 flags).
 *
 * The ctgrind/TIMECOP technique: the secret, every coefficient the RNG
 * hands out and every share value are marked undefined with
 * VALGRIND_MAKE_MEM_UNDEFINED, so memcheck reports any branch taken on
 * them ("conditional jump or move depends on uninitialised value") and
 * any address computed from them ("use of uninitialised value").  The
 * coefficients are marked by installing a libsodium randombytes
 * implementation that marks what it returns, so shamir.c is exactly the
 * shipped code.  Results are marked defined again before anything here
 * looks at them.  Exit status: 0 when every result is right (memcheck
 * adds its own errors through --error-exitcode), 2 otherwise.
 */
#include <sys/random.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>
#include <valgrind/memcheck.h>

#include "base32.h"
#include "secmem.h"
#include "shamir.h"
#include "share.h"

#define LEN	32

static int armed;

static void
ct_fill(void *buf, size_t size)
{
	unsigned char *p = buf;
	ssize_t got;

	while (size > 0) {
		if ((got = getrandom(p, size, 0)) <= 0)
			continue;
		p += got;
		size -= (size_t)got;
	}
}

static void
ct_buf(void *const buf, const size_t size)
{
	ct_fill(buf, size);
	if (armed)
		(void)VALGRIND_MAKE_MEM_UNDEFINED(buf, size);
}

static uint32_t
ct_random(void)
{
	uint32_t r;

	ct_fill(&r, sizeof(r));
	return r;
}

static const char *
ct_name(void)
{
	return "ct-valgrind";
}

static randombytes_implementation ct_rng = {
	ct_name, ct_random, NULL, NULL, ct_buf, NULL
};

/* 1 if every bit of p[0..n) is undefined for memcheck. */
static int
all_undefined(const void *p, size_t n)
{
	unsigned char vbits[16 * LEN];
	size_t i;

	if (n > sizeof(vbits) || VALGRIND_GET_VBITS(p, vbits, n) != 1)
		return 0;
	for (i = 0; i < n; i++)
		if (vbits[i] != 0xFF)
			return 0;
	return 1;
}

/*
 * The number of bytes of p[0..max) with undefined bits, up to the first
 * unaddressable byte (the guard page after a secmem buffer); those bytes
 * are then marked defined.
 */
static size_t
untaint_count(void *p, size_t max)
{
	unsigned char v, *q = p;
	size_t i, n = 0;

	for (i = 0; i < max && VALGRIND_GET_VBITS(q + i, &v, 1) == 1; i++) {
		n += v != 0;
		(void)VALGRIND_MAKE_MEM_DEFINED(q + i, 1);
	}
	return n;
}

static int
report(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "not ok", what);
	return ok ? 0 : 1;
}

/* Split with m, n; combine the first m shares; compare. */
static int
ct_split_combine(const unsigned char *expect, unsigned m, unsigned n)
{
	unsigned char *secret, *ys, *out, xs[SHAMIR_MAX_SHARES];
	const unsigned char *yp[SHAMIR_MAX_SHARES];
	unsigned i;
	int bad = 0, tainted;

	secret = secmem_alloc(LEN);
	ys = secmem_alloc((size_t)n * LEN);
	out = secmem_alloc(LEN);
	memcpy(secret, expect, LEN);
	(void)VALGRIND_MAKE_MEM_UNDEFINED(secret, LEN);
	armed = 1;
	bad |= shamir_split(secret, LEN, m, n, ys) != 0;
	armed = 0;
	tainted = all_undefined(ys, (size_t)n * LEN);
	bad |= report(tainted, "split: every share byte is tainted");
	for (i = 0; i < m; i++) {
		xs[i] = (unsigned char)(n - i);		/* public */
		yp[i] = ys + (size_t)(n - i - 1) * LEN;
	}
	bad |= shamir_combine(xs, yp, m, LEN, out) != 0;
	tainted = all_undefined(out, LEN);
	(void)VALGRIND_MAKE_MEM_DEFINED(out, LEN);
	bad |= report(tainted && memcmp(out, expect, LEN) == 0,
	    "combine: result tainted and equal to the secret");
	secmem_free(secret);
	secmem_free(ys);
	secmem_free(out);
	return bad;
}

/* base32_encode and the share text block (line checks) on a secret y. */
static int
ct_encodings(const unsigned char *expect)
{
	struct share *s;
	char *b32, *text = NULL;
	unsigned char back[LEN];
	size_t len = 0, n;
	int bad = 0, tainted;

	b32 = secmem_alloc(base32_encoded_len(LEN) + 1);
	s = secmem_alloc(sizeof(*s));
	memcpy(back, expect, LEN);
	(void)VALGRIND_MAKE_MEM_UNDEFINED(back, LEN);
	bad |= base32_encode(back, LEN, b32) != 0;
	tainted = all_undefined(b32, base32_encoded_len(LEN));
	(void)VALGRIND_MAKE_MEM_DEFINED(b32, base32_encoded_len(LEN) + 1);
	bad |= base32_decode(b32, strlen(b32), back, LEN, &len) != 0;
	bad |= report(tainted && len == LEN && memcmp(back, expect, LEN) == 0,
	    "base32_encode: output tainted, round-trips");

	memset(s, 0, sizeof(*s));
	s->version = SHARE_VERSION;
	s->kind = SHARE_KIND_KEK;
	s->m = 2;
	s->n = 3;
	s->x = 1;
	memcpy(s->custodian, "ct", 3);
	memcpy(s->y, expect, LEN);
	(void)VALGRIND_MAKE_MEM_UNDEFINED(s->y, LEN);
	bad |= share_format_text(s, &text) != 0;
	if (text != NULL) {
		n = untaint_count(text, 1024);
		printf("# %zu of %zu text bytes tainted\n", n, strlen(text));
		bad |= report(n >= 52 && memcmp(text, "-----BEGIN", 10) == 0,
		    "share_format_text of a tainted y: text tainted");
	}
	secmem_free(text);
	secmem_free(b32);
	secmem_free(s);
	return bad;
}

int
main(void)
{
	unsigned char expect[LEN];
	int bad = 0;

	if (randombytes_set_implementation(&ct_rng) != 0 ||
	    secmem_init() != 0)
		return 2;
	randombytes_buf(expect, sizeof(expect));
	bad |= ct_split_combine(expect, 3, 5);
	bad |= ct_split_combine(expect, 2, 2);
	bad |= ct_split_combine(expect, 16, 16);
	bad |= ct_encodings(expect);
	printf("%s\n", bad ? "ct_shamir: FAILED" : "ct_shamir: done");
	return bad ? 2 : 0;
}
