/*
 * base32.h: RFC 4648 base32 (alphabet A-Z 2-7, upper case, no padding),
 * constant time for secret data.
 *
 * Characters are mapped with arithmetic range checks, never a lookup
 * table, and no branch depends on a data byte; only the length is
 * public.  The decoder accepts exactly the 32 alphabet characters:
 * callers strip spaces and dashes and fold case first.
 */
#ifndef PKI_BASE32_H
#define PKI_BASE32_H

#include <stddef.h>

/* The number of characters (without the NUL) that n bytes encode to. */
size_t	base32_encoded_len(size_t n);

/*
 * Encode n bytes of in (may be secret) into out, which must hold
 * base32_encoded_len(n) + 1 bytes; out is NUL-terminated.  Put out in
 * secmem_alloc() memory when in is secret.  Returns 0, or ERR_INTERNAL
 * for a NULL buffer.
 */
int	base32_encode(const unsigned char *in, size_t n, char *out);

/*
 * Decode inlen characters of in (may be secret) into out, which holds
 * outmax bytes; *outlen gets the decoded length (inlen * 5 / 8).
 * Returns 0, or ERR_DATA for a character outside A-Z 2-7, a length no
 * encoding produces, non-zero trailing bits (a non-canonical encoding),
 * or more than outmax bytes.  Validity is computed without branching on
 * the data; only the final verdict is a branch.  On error out is wiped
 * and *outlen is 0.
 */
int	base32_decode(const char *in, size_t inlen, unsigned char *out,
	    size_t outmax, size_t *outlen);

/* The alphabet character for v & 31, branch-free. */
char	base32_char(unsigned int v);

/*
 * The value 0..31 of an alphabet character, or -1 for any other byte
 * (lower case included), branch-free.
 */
int	base32_value(unsigned char c);

#endif
