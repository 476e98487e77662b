/*
 * fuzz_base32: RFC 4648 base32 as the share code decodes it.
 *
 * Invariants checked beyond memory safety: the decoder accepts only
 * canonical text, so whatever decodes encodes back to the same
 * characters; any bytes encode to text that decodes back to them; and
 * base32_value() agrees with a plain reading of the alphabet.
 */
#include "base32.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

static int
slow_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *bin, *back;
	char *text;
	size_t i, n, m;
	int rc;

	for (i = 0; i < size; i++)
		if (base32_value(data[i]) != slow_value(data[i]) ||
		    (slow_value(data[i]) >= 0 &&
		    base32_char((unsigned)slow_value(data[i])) !=
		    (char)data[i]))
			fuzz_die("base32_value(0x%02x) is wrong", data[i]);

	/* The input as text. */
	if ((bin = malloc(size + 1)) == NULL ||
	    (text = malloc(base32_encoded_len(size) + 1)) == NULL)
		fuzz_die("out of memory");
	rc = base32_decode((const char *)data, size, bin, size, &n);
	fuzz_check_rc(rc, "base32_decode");
	if (rc == 0) {
		if (n != size * 5 / 8 || base32_encode(bin, n, text) != 0 ||
		    strlen(text) != size || memcmp(text, data, size) != 0)
			fuzz_die("decoded base32 does not encode back");
	} else if (n != 0) {
		fuzz_die("a failed decode left length %zu", n);
	}
	/* A short output buffer must be refused, never overrun. */
	if (size >= 8) {
		rc = base32_decode((const char *)data, size, bin,
		    size * 5 / 8 - 1, &n);
		if (rc == 0)
			fuzz_die("base32_decode overfilled its buffer");
	}

	/* The input as bytes. */
	if (base32_encode(data, size, text) != 0 ||
	    strlen(text) != base32_encoded_len(size))
		fuzz_die("base32_encode failed");
	if ((back = malloc(size + 1)) == NULL)
		fuzz_die("out of memory");
	rc = base32_decode(text, strlen(text), back, size, &m);
	if (rc != 0 || m != size || memcmp(back, data, size) != 0)
		fuzz_die("encoded bytes do not decode back");
	free(back);
	free(text);
	free(bin);
	return 0;
}
