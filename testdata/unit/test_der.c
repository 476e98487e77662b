/*
 * test_der.c: the hand-written DER pieces against OpenSSL's encoder.
 * Headers at every length-of-length boundary written and read back;
 * non-minimal, indefinite, over-long and cut-short headers refused;
 * INTEGERs with and without the top bit set as i2d_ASN1_INTEGER writes
 * them; times on both sides of 1950 and 2050 (and at the ends of the
 * range) as i2d_ASN1_TIME writes ASN1_TIME_set()'s choice.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>

#include "der.h"
#include "harness.h"

static void
test_headers(void)
{
	static const size_t lens[] = { 0, 1, 127, 128, 255, 256, 65535,
	    65536, 16777215, 16777216, 4294967295UL };
	static const size_t sizes[] = { 2, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6 };
	unsigned char buf[DER_HEADER_MAX], tag;
	size_t i, n, len, hlen;
	int ok;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		n = der_header(buf, DER_SEQUENCE, lens[i]);
		ok = der_read_header(buf, n + lens[i], &tag, &len, &hlen) == 0;
		CHECK(n == sizes[i] && der_header_size(lens[i]) == n && ok &&
		    tag == DER_SEQUENCE && len == lens[i] && hlen == n,
		    "length %zu: a %zu-byte header read back", lens[i], n);
	}
}

static void
test_read_bad(void)
{
	static const unsigned char indefinite[] = { 0x30, 0x80, 0, 0 };
	static const unsigned char long_short[] = { 0x30, 0x81, 0x05, 1, 2, 3,
	    4, 5 };
	static const unsigned char padded[] = { 0x30, 0x82, 0x00, 0x80 };
	static const unsigned char too_long[] = { 0x30, 0x85, 1, 0, 0, 0, 0 };
	static const unsigned char cut[] = { 0x30, 0x05, 1, 2 };
	static const unsigned char hightag[] = { 0x1f, 0x01, 0x00 };
	static const unsigned char ok[] = { 0x04, 0x02, 0xab, 0xcd };
	unsigned char tag;
	size_t len, hlen;

	CHECK(der_read_header(indefinite, sizeof(indefinite), &tag, &len,
	    &hlen) == -1, "indefinite length refused");
	CHECK(der_read_header(long_short, sizeof(long_short), &tag, &len,
	    &hlen) == -1, "a long form for a short length refused");
	CHECK(der_read_header(padded, sizeof(padded), &tag, &len, &hlen) ==
	    -1, "a length with a leading zero octet refused");
	CHECK(der_read_header(too_long, sizeof(too_long), &tag, &len,
	    &hlen) == -1, "a five-octet length refused");
	CHECK(der_read_header(cut, sizeof(cut), &tag, &len, &hlen) == -1,
	    "contents past the end refused");
	CHECK(der_read_header(cut, 1, &tag, &len, &hlen) == -1,
	    "a header cut short refused");
	CHECK(der_read_header(hightag, sizeof(hightag), &tag, &len,
	    &hlen) == -1, "a multi-octet tag refused");
	CHECK(der_read_header(ok, sizeof(ok), &tag, &len, &hlen) == 0 &&
	    tag == 0x04 && len == 2 && hlen == 2, "a short OCTET STRING");
}

/* der_uint() of hex against i2d_ASN1_INTEGER(). */
static void
one_uint(const char *hex)
{
	unsigned char mag[128], mine[136], *theirs = NULL;
	BIGNUM *bn = NULL;
	ASN1_INTEGER *ai = NULL;
	size_t n = 0, m = 0;
	int tn = -1;

	if (BN_hex2bn(&bn, hex) != 0 && (ai = BN_to_ASN1_INTEGER(bn, NULL)) !=
	    NULL) {
		n = (size_t)BN_bn2bin(bn, mag);
		if (n == 0)
			mag[n++] = 0;
		m = der_uint(mine, mag, n);
		tn = i2d_ASN1_INTEGER(ai, &theirs);
	}
	CHECK(tn > 0 && (size_t)tn == m && memcmp(mine, theirs, m) == 0,
	    "INTEGER 0x%s as OpenSSL writes it (%zu bytes)", hex, m);
	OPENSSL_free(theirs);
	ASN1_INTEGER_free(ai);
	BN_free(bn);
}

static void
test_uint(void)
{
	one_uint("0");
	one_uint("1");
	one_uint("7F");
	one_uint("80");
	one_uint("FF");
	one_uint("100");
	one_uint("7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
	one_uint("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
	one_uint("8000000000000000000000000000000000000000000000000000000000"
	    "0000000000000000000000000000000000000000000000000000000000000"
	    "000000000000000000000000000000000000000000000000000000000000");
}

/* der_time() of t against i2d_ASN1_TIME(ASN1_TIME_set(t)). */
static void
one_time(long long t, const char *what)
{
	unsigned char mine[DER_TIME_MAX], *theirs = NULL;
	ASN1_TIME *at = ASN1_TIME_set(NULL, (time_t)t);
	size_t m = der_time(mine, (time_t)t);
	int n = at != NULL ? i2d_ASN1_TIME(at, &theirs) : -1;

	CHECK(n > 0 && (size_t)n == m && memcmp(mine, theirs, m) == 0,
	    "%s (%lld): %.*s as OpenSSL writes it", what, t,
	    m > 2 ? (int)m - 2 : 0, (const char *)mine + 2);
	OPENSSL_free(theirs);
	ASN1_TIME_free(at);
}

static void
test_time(void)
{
	unsigned char buf[DER_TIME_MAX];

	one_time(0, "1970");
	one_time(1767225600LL, "2026-01-01");
	one_time(1767312245LL, "2026-01-02 00:04:05");
	one_time(-631152001LL, "1949-12-31 23:59:59: GeneralizedTime");
	one_time(-631152000LL, "1950-01-01: UTCTime");
	one_time(2524607999LL, "2049-12-31 23:59:59: UTCTime");
	one_time(2524608000LL, "2050-01-01: GeneralizedTime");
	one_time(253402300799LL, "9999-12-31 23:59:59");
	CHECK(der_time(buf, (time_t)253402300800LL) == 0,
	    "year 10000 is out of range");
	CHECK(der_time(buf, (time_t)-62167219201LL) == 0,
	    "year -1 is out of range");
}

int
main(void)
{
	test_headers();
	test_read_bad();
	test_uint();
	test_time();
	return harness_done();
}
