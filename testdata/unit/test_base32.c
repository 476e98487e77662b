/*
 * test_base32.c: unit tests for common/base32.c.
 *
 * RFC 4648 section 10 vectors (without the padding we do not write),
 * round trips of random lengths, the character mapping over all 256
 * bytes, and the refusals: characters outside A-Z 2-7, impossible
 * lengths, non-canonical trailing bits, a too small output buffer.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base32.h"
#include "err.h"
#include "harness.h"
#include "secmem.h"

static void
test_rfc4648(void)
{
	static const char *const in[] = {
		"", "f", "fo", "foo", "foob", "fooba", "foobar"
	};
	static const char *const want[] = {
		"", "MY", "MZXQ", "MZXW6", "MZXW6YQ", "MZXW6YTB",
		"MZXW6YTBOI"
	};
	char out[32];
	unsigned char back[16];
	size_t i, n, len;

	for (i = 0; i < 7; i++) {
		n = strlen(in[i]);
		CHECK(base32_encoded_len(n) == strlen(want[i]),
		    "encoded_len(%zu) = %zu", n, strlen(want[i]));
		CHECK_RC(base32_encode((const unsigned char *)in[i], n, out), 0,
		    "encode \"%s\"", in[i]);
		CHECK(strcmp(out, want[i]) == 0, "RFC 4648: \"%s\" -> \"%s\" "
		    "(got \"%s\")", in[i], want[i], out);
		CHECK_RC(base32_decode(want[i], strlen(want[i]), back,
		    sizeof(back), &len), 0, "decode \"%s\"", want[i]);
		CHECK(len == n && memcmp(back, in[i], n) == 0,
		    "RFC 4648: \"%s\" decodes to \"%s\"", want[i], in[i]);
	}
}

static void
test_mapping(void)
{
	const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	unsigned int c, v, bad = 0;
	const char *p;
	int want;

	for (v = 0; v < 32; v++)
		if (base32_char(v) != alphabet[v] ||
		    base32_char(v + 32) != alphabet[v])
			bad++;
	CHECK(bad == 0, "base32_char maps 0..31 to the alphabet (%u wrong)",
	    bad);
	bad = 0;
	for (c = 0; c < 256; c++) {
		p = c == 0 ? NULL : strchr(alphabet, (int)c);
		want = p == NULL ? -1 : (int)(p - alphabet);
		if (base32_value((unsigned char)c) != want)
			bad++;
	}
	CHECK(bad == 0, "base32_value is right for all 256 bytes (%u wrong)",
	    bad);
}

static void
test_roundtrip(void)
{
	unsigned char *in, *back;
	char *text;
	size_t n, len, i, fail = 0;

	in = secmem_alloc(200);
	back = secmem_alloc(200);
	text = secmem_alloc(base32_encoded_len(200) + 1);
	for (i = 0; i < 500; i++) {
		n = randombytes_uniform(201);
		randombytes_buf(in, n);
		if (base32_encode(in, n, text) != 0 ||
		    strlen(text) != base32_encoded_len(n) ||
		    base32_decode(text, strlen(text), back, 200, &len) != 0 ||
		    len != n || memcmp(in, back, n) != 0)
			fail++;
	}
	CHECK(fail == 0, "500 random round trips of 0..200 bytes (%zu fail)",
	    fail);
	secmem_free(in);
	secmem_free(back);
	secmem_free(text);
}

static void
test_refusals(void)
{
	static const char bad[] = { '0', '1', '8', '9', '=', 'a', ' ', '-',
	    '@', '[', '\0', '\x80', '\xff' };
	unsigned char out[16];
	char text[] = "MZXW6YTB";
	size_t i, len;

	for (i = 0; i < sizeof(bad); i++) {
		text[3] = bad[i];
		len = 99;
		CHECK_RC(base32_decode(text, 8, out, sizeof(out), &len),
		    ERR_DATA, "refuses byte 0x%02x", (unsigned char)bad[i]);
		CHECK(len == 0, "no length on refusal of 0x%02x",
		    (unsigned char)bad[i]);
	}
	CHECK_RC(base32_decode("MZXW6YQ=", 8, out, sizeof(out), &len),
	    ERR_DATA, "refuses padding");
	CHECK_RC(base32_decode("MZX", 3, out, sizeof(out), &len), ERR_DATA,
	    "refuses 3 characters (no encoding has that length)");
	CHECK_RC(base32_decode("M", 1, out, sizeof(out), &len), ERR_DATA,
	    "refuses 1 character");
	CHECK_RC(base32_decode("MZ", 2, out, sizeof(out), &len), ERR_DATA,
	    "refuses non-zero trailing bits (\"MZ\")");
	CHECK_RC(base32_decode("MY", 2, out, sizeof(out), &len), 0,
	    "accepts the canonical \"MY\"");
	CHECK_RC(base32_decode("MZXW6YTBOI", 10, out, 5, &len), ERR_DATA,
	    "refuses output larger than the buffer");
	CHECK_RC(base32_decode("mzxw6ytb", 8, out, sizeof(out), &len),
	    ERR_DATA, "refuses lower case (callers fold case)");
}

int
main(void)
{
	if (secmem_init() != 0)
		return 70;
	test_rfc4648();
	test_mapping();
	test_roundtrip();
	test_refusals();
	return harness_done();
}
