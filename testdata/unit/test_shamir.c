/*
 * test_shamir.c: unit tests for common/shamir.c.
 *
 * Includes shamir.c itself, compiled with PKI_TEST, to reach the
 * test-only RNG hook.  Covers the field arithmetic exhaustively, the
 * FIPS-197 values, the RTSS generation vectors of draft-mcgrew-tss-03
 * (as published in Botan's tss/generation.vec) byte for byte, recovery
 * from every subset, and the refusals.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../../common/shamir.c"

#include "err.h"
#include "harness.h"
#include "secmem.h"

/* The test RNG: replays a fixed byte string, then counts failures. */
static const unsigned char *rng_data;
static size_t rng_len, rng_pos;
static int rng_overrun;

static void
replay_rng(void *buf, size_t len)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		if (rng_pos < rng_len)
			p[i] = rng_data[rng_pos++];
		else {
			p[i] = 0;
			rng_overrun = 1;
		}
	}
}

static size_t
unhex(const char *hex, unsigned char *out, size_t max)
{
	size_t n = strlen(hex) / 2, i;
	unsigned int v;

	if (n > max)
		abort();
	for (i = 0; i < n; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			abort();
		out[i] = (unsigned char)v;
	}
	return n;
}

static unsigned char
slow_mul(unsigned char a, unsigned char b)
{
	unsigned int r = 0, aa = a;
	int i;

	/* Carry-less product, then long division by 0x11B. */
	for (i = 0; i < 8; i++)
		if (b & (1 << i))
			r ^= aa << i;
	for (i = 15; i >= 8; i--)
		if (r & (1U << i))
			r ^= 0x11BU << (i - 8);
	return (unsigned char)r;
}

static void
test_field(void)
{
	unsigned int a, b, bad = 0, badinv = 0;

	for (a = 0; a < 256; a++)
		for (b = 0; b < 256; b++)
			if (gf256_mul(a, b) != slow_mul(a, b))
				bad++;
	CHECK(bad == 0, "gf256_mul equals the slow reference on all 65536 "
	    "pairs (%u differ)", bad);
	for (a = 1; a < 256; a++)
		if (gf256_mul(a, gf256_inv(a)) != 1)
			badinv++;
	CHECK(badinv == 0, "a * inv(a) = 1 for all 255 non-zero a (%u "
	    "fail)", badinv);
	CHECK(gf256_inv(0) == 0, "inv(0) is 0 (the a^254 chain)");
	CHECK(gf256_mul(0x57, 0x83) == 0xc1, "FIPS-197: {57}.{83} = {c1}");
	CHECK(gf256_mul(0x57, 0x13) == 0xfe, "FIPS-197: {57}.{13} = {fe}");
	CHECK(gf256_inv(0x53) == 0xca, "FIPS-197: inverse of {53} is {ca}");
}

struct rtss_vector {
	const char *name;
	const char *secret;
	int sha256;		/* the secret is input || SHA-256(input) */
	unsigned m, n;
	const char *rng;
	const char *ys[SHAMIR_MAX_SHARES];
};

/* Botan src/tests/data/tss/generation.vec; y = share minus its header. */
static const struct rtss_vector rtss[] = {
	{ "M=2 N=2", "010203040506070809", 0, 2, 2, "9fe3b9dd722f908784",
	  { "9ee1bad97729978f8d", "24df6aa5e1583c1d1a" } },
	{ "M=2 N=3", "010203040506070809", 0, 2, 3, "9029efdc18eed8aee4",
	  { "912becd81de8dfa6ed", "3a50c6a735c1ac4fda",
	    "aa79297b2d2f74e13e" } },
	{ "M=3 N=5", "010203040506070809", 0, 3, 5,
	  "c4aa8d6ff358dca4deb47125d81e41d242f8",
	  { "6fe0a87c6f52c19bb3", "0ca485014470d4ef40", "62462e792e24127cfa",
	    "72aa15f7e5bfb19803", "1c48be8f8feb770bb9" } },
	{ "M=2 N=2 SHA-256", "010203040506070809", 1, 2, 2,
	  "f97c494be6209aa56d3724f761287328037e63a54cc45556b4ed1847f0e4a6"
	  "4609d05038a7f0c962f4",
	  { "f87e4a4fe3269dad6470c0191e096c5b2523b2d31432b74aa7f5a52b7117d3"
	    "deebda776e8e658b8d3b",
	    "e8fa9192d2462859d329ac1bbd71f92320a11727c06548b060d98de27a2022"
	    "14f0b187267c6ecb2b3c" } },
	/* Published with N = 17; our cap is 16, the first 16 must match. */
	{ "M=5 N=17 (first 16)", "010203040506070809", 0, 5, 16,
	  "00ec467b2f562fc871e37a5d14065d8c7259958b3d2c7b72e12ded83057be8"
	  "3e6895ed5f",
	  { "d09cb6c7301ea5a046", "6b481af23258ab3915", "3534a8e4544151d702",
	    "faf1590591a71981da", "2415fe0e55b970a65e", "84ea780108f143b630",
	    "d5ecd8df9fee72d7ec", "c104446bfbc57593de", "26cca5dc70c1ad32eb",
	    "d3b3cd8705abdbb6c0", "bb992be5ddae5b51ad", "9a49c5bb68249a2afc",
	    "72fb36c41226890402", "9caf74a53842c20914", "fbff800f11418961b2",
	    "15386257cf3e465c9d" } },
};

static void
test_rtss_one(const struct rtss_vector *v)
{
	unsigned char secret[64], rng[64], want[64], *ys;
	size_t len;
	unsigned i, match = 0;

	len = unhex(v->secret, secret, sizeof(secret));
	if (v->sha256) {
		crypto_hash_sha256(secret + len, secret, len);
		len += crypto_hash_sha256_BYTES;
	}
	rng_len = unhex(v->rng, rng, sizeof(rng));
	rng_data = rng;
	rng_pos = 0;
	rng_overrun = 0;
	ys = secmem_alloc(len * v->n);
	shamir_set_test_rng(replay_rng);
	CHECK_RC(shamir_split(secret, len, v->m, v->n, ys), 0,
	    "RTSS %s: split", v->name);
	shamir_set_test_rng(NULL);
	CHECK(rng_pos == rng_len && !rng_overrun, "RTSS %s: consumed exactly "
	    "the %zu RNG bytes (%zu)", v->name, rng_len, rng_pos);
	for (i = 0; i < v->n; i++) {
		if (unhex(v->ys[i], want, sizeof(want)) == len &&
		    memcmp(ys + i * len, want, len) == 0)
			match++;
	}
	CHECK(match == v->n, "RTSS %s: all %u shares byte for byte (%u "
	    "match)", v->name, v->n, match);
	secmem_free(ys);
}

static void
test_rtss(void)
{
	size_t i;

	for (i = 0; i < sizeof(rtss) / sizeof(rtss[0]); i++)
		test_rtss_one(&rtss[i]);
}

/* Combine the shares whose bits are set in mask; 0 if secret comes out. */
static int
combine_subset(const unsigned char *ys, size_t len, unsigned n,
    unsigned mask, const unsigned char *secret, unsigned char *out)
{
	unsigned char xs[SHAMIR_MAX_SHARES];
	const unsigned char *yp[SHAMIR_MAX_SHARES];
	unsigned i, count = 0;
	int rc;

	for (i = 0; i < n; i++)
		if (mask & (1U << i)) {
			xs[count] = (unsigned char)(i + 1);
			yp[count++] = ys + i * len;
		}
	if ((rc = shamir_combine(xs, yp, count, len, out)) != 0)
		return rc;
	return memcmp(out, secret, len) == 0 ? 0 : 1;
}

static void
test_recovery(void)
{
	unsigned char *secret, *ys, *out;
	unsigned mask, bits, ok = 0, subsets = 0, wrong = 0, pairs = 0;
	size_t len = 32;

	secret = secmem_alloc(len);
	ys = secmem_alloc(len * 5);
	out = secmem_alloc(len);
	randombytes_buf(secret, len);
	CHECK_RC(shamir_split(secret, len, 3, 5, ys), 0, "split 3 of 5");
	for (mask = 1; mask < 32; mask++) {
		bits = (unsigned)__builtin_popcount(mask);
		if (bits >= 3) {
			subsets++;
			if (combine_subset(ys, len, 5, mask, secret, out) == 0)
				ok++;
		} else if (bits == 2) {
			pairs++;
			if (combine_subset(ys, len, 5, mask, secret, out) == 1)
				wrong++;
		}
	}
	CHECK(subsets == 16 && ok == subsets, "3 of 5: all %u subsets of 3 "
	    "or more shares recover the secret (%u do)", subsets, ok);
	CHECK(pairs == 10 && wrong == pairs, "3 of 5: each of the %u pairs "
	    "gives a different value (%u do)", pairs, wrong);
	secmem_free(secret);
	secmem_free(ys);
	secmem_free(out);
}

static void
test_fresh(void)
{
	unsigned char *secret, *a, *b;
	size_t len = 32;

	secret = secmem_alloc(len);
	a = secmem_alloc(len * 2);
	b = secmem_alloc(len * 2);
	memset(secret, 0x42, len);
	CHECK_RC(shamir_split(secret, len, 2, 2, a), 0, "first split");
	CHECK_RC(shamir_split(secret, len, 2, 2, b), 0, "second split");
	CHECK(memcmp(a, b, len * 2) != 0, "two splits of one secret give "
	    "different shares");
	CHECK(memcmp(a, secret, len) != 0 && memcmp(a + len, secret, len) != 0,
	    "no share equals the secret");
	secmem_free(secret);
	secmem_free(a);
	secmem_free(b);
}

static void
test_refusals(void)
{
	unsigned char secret[4] = { 1, 2, 3, 4 }, ys[17 * 4], out[4];
	unsigned char xs[3] = { 1, 2, 3 }, x0[3] = { 1, 0, 3 };
	unsigned char xd[3] = { 2, 5, 2 }, many[17];
	const unsigned char *yp[17];
	unsigned i;

	CHECK_RC(shamir_split(secret, 4, 1, 3, ys), ERR_DATA, "split m=1");
	CHECK_RC(shamir_split(secret, 4, 0, 3, ys), ERR_DATA, "split m=0");
	CHECK_RC(shamir_split(secret, 4, 4, 3, ys), ERR_DATA, "split m>n");
	CHECK_RC(shamir_split(secret, 4, 2, 17, ys), ERR_DATA, "split n=17");
	CHECK_RC(shamir_split(secret, 0, 2, 3, ys), ERR_DATA, "split len=0");
	CHECK_RC(shamir_split(secret, 4, 16, 16, ys), 0, "split 16 of 16");
	for (i = 0; i < 17; i++) {
		many[i] = (unsigned char)(i + 1);
		yp[i] = ys + (i % 16) * 4;
	}
	CHECK_RC(shamir_combine(many, yp, 16, 4, out), 0, "combine 16");
	CHECK(memcmp(out, secret, 4) == 0, "16 of 16 recovers the secret");
	CHECK_RC(shamir_combine(many, yp, 17, 4, out), ERR_DATA,
	    "combine 17 shares");
	CHECK_RC(shamir_combine(many, yp, 1, 4, out), ERR_DATA,
	    "combine 1 share");
	CHECK_RC(shamir_combine(x0, yp, 3, 4, out), ERR_DATA, "combine x=0");
	CHECK(strstr(err_msg(), "index 0") != NULL, "x=0 message: %s",
	    err_msg());
	CHECK_RC(shamir_combine(xd, yp, 3, 4, out), ERR_DATA,
	    "combine duplicate x");
	CHECK(strstr(err_msg(), "index 2 appears twice") != NULL,
	    "duplicate message: %s", err_msg());
	CHECK_RC(shamir_combine(xs, yp, 3, 0, out), ERR_DATA,
	    "combine len=0");
}

int
main(void)
{
	if (secmem_init() != 0)
		return 70;
	test_field();
	test_rtss();
	test_recovery();
	test_fresh();
	test_refusals();
	return harness_done();
}
