/*
 * base32.c: RFC 4648 base32, upper case, no padding, constant time.
 *
 * Trusts nothing but its arguments.  Invariant: for a given length the
 * sequence of instructions and memory addresses is the same whatever
 * the bytes are (the libsodium hex/base64 discipline; CVE-2021-24115 was
 * a table-driven decoder).  Characters are mapped by range checks done
 * with masks; the only data-dependent branch is the decoder's final
 * "valid or not".
 */
#include <stdint.h>

#include "base32.h"
#include "err.h"
#include "secmem.h"

/* All ones if x >= y, else 0; x, y < 2^31. */
static unsigned int
ct_ge(unsigned int x, unsigned int y)
{
	return ((x - y) >> 31) - 1U;
}

size_t
base32_encoded_len(size_t n)
{
	return n / 5 * 8 + (n % 5 * 8 + 4) / 5;
}

char
base32_char(unsigned int v)
{
	v &= 31;
	/* 'A' + v for 0..25; '2' + (v - 26) for 26..31: 41 lower. */
	return (char)('A' + v - (ct_ge(v, 26) & ('A' + 26 - '2')));
}

int
base32_value(unsigned char c)
{
	unsigned int alpha, digit, v;

	alpha = ct_ge(c, 'A') & ct_ge('Z', c);
	digit = ct_ge(c, '2') & ct_ge('7', c);
	v = (alpha & (c - 'A')) | (digit & (c - '2' + 26));
	return (int)(v | ~(alpha | digit));
}

int
base32_encode(const unsigned char *in, size_t n, char *out)
{
	uint32_t acc = 0;
	unsigned int bits = 0;
	size_t i, o = 0;

	if ((in == NULL && n > 0) || out == NULL)
		return err_set(ERR_INTERNAL, "base32: no buffer");
	/* Branches below depend on bit counts, i.e. on the length only. */
	for (i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = base32_char(acc >> bits);
		}
		acc &= (1U << bits) - 1;
	}
	if (bits > 0)
		out[o++] = base32_char(acc << (5 - bits));
	out[o] = '\0';
	return 0;
}

/* Decoded length, or SIZE_MAX for a length that no encoding has. */
static size_t
base32_decoded_len(size_t inlen)
{
	switch (inlen % 8) {
	case 1:
	case 3:
	case 6:
		return SIZE_MAX;
	default:
		return inlen / 8 * 5 + inlen % 8 * 5 / 8;
	}
}

int
base32_decode(const char *in, size_t inlen, unsigned char *out,
    size_t outmax, size_t *outlen)
{
	uint32_t acc = 0, bad = 0;
	unsigned int bits = 0;
	size_t i, need, o = 0;
	int v;

	if (outlen != NULL)
		*outlen = 0;
	if ((in == NULL && inlen > 0) || out == NULL || outlen == NULL)
		return err_set(ERR_INTERNAL, "base32: no buffer");
	if ((need = base32_decoded_len(inlen)) == SIZE_MAX)
		return err_set(ERR_DATA, "base32: %zu characters is not a "
		    "possible length", inlen);
	if (need > outmax)
		return err_set(ERR_DATA, "base32: %zu bytes do not fit in "
		    "%zu", need, outmax);
	for (i = 0; i < inlen; i++) {
		v = base32_value((unsigned char)in[i]);
		bad |= (uint32_t)v >> 31;
		acc = (acc << 5) | ((uint32_t)v & 31);
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
		acc &= (1U << bits) - 1;
	}
	/* The leftover bits of the last character must be zero. */
	bad |= (acc | (0U - acc)) >> 31;
	if (bad != 0) {
		secmem_wipe(out, need);
		return err_set(ERR_DATA, "base32: invalid character or "
		    "non-canonical ending");
	}
	*outlen = need;
	return 0;
}
