/*
 * fuzz_keyfile: an encrypted key file (keyfile.h) as the online CA
 * programs read ca.key, audit.key and ocsp-signer.key, opened with a
 * fixed machine key (64 hex digits, the raw-key derivation), so that
 * the armour, header, derivation and decryption are all reached.
 *
 * An input that starts with '-' is the file's text.  Any other input
 * is taken as the plaintext (a PKCS#8 candidate): the target seals it
 * under the machine key in the file format and decodes the result, so
 * that the PKCS#8 decoder behind the AEAD is fuzzed too.  A file that
 * asks for Argon2id within the accepted limits is skipped: at 64 MiB
 * and more a try, it would stall the fuzzer without testing any parsing
 * (the limits check itself runs before, on every other input).
 */
#include <openssl/evp.h>

#include "fuzz.h"
#include "keyfile.h"

#define MACHINE_KEY \
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define BEGIN_LINE	"-----BEGIN PKI ENCRYPTED " "PRIVATE KEY-----"
#define END_LINE	"-----END PKI ENCRYPTED " "PRIVATE KEY-----"
#define HDR_LEN		68

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

static uint64_t
be64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Would keyfile_decode() run Argon2id on this text? */
static int
asks_argon2(const uint8_t *data, size_t size)
{
	size_t i, k = 0, blen = strlen(BEGIN_LINE), binlen = 0;
	unsigned char bin[30];
	char b64[40];
	uint64_t ops, mem;

	if (size < blen || memcmp(data, BEGIN_LINE, blen) != 0)
		return 0;
	/* The first 40 base64 characters hold the first 30 bytes. */
	for (i = blen; i < size && k < sizeof(b64); i++)
		if (strchr(" \t\r\n", data[i]) == NULL || data[i] == '\0')
			b64[k++] = (char)data[i];
	if (k < sizeof(b64) || sodium_base642bin(bin, sizeof(bin), b64, k,
	    NULL, &binlen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    binlen < 28 || bin[9] != 1)
		return 0;
	ops = be64(bin + 12);
	mem = be64(bin + 20);
	return ops >= crypto_pwhash_OPSLIMIT_INTERACTIVE &&
	    ops <= 4 * (uint64_t)crypto_pwhash_OPSLIMIT_SENSITIVE &&
	    mem >= crypto_pwhash_MEMLIMIT_INTERACTIVE &&
	    mem <= crypto_pwhash_MEMLIMIT_SENSITIVE;
}

/* The key file holding plain, sealed under MACHINE_KEY; malloc'd text. */
static char *
seal(const uint8_t *plain, size_t size, size_t *len)
{
	static const unsigned char magic[8] = {
		0x89, 'P', 'K', 'K', 0x0d, 0x0a, 0x1a, 0x0a
	};
	static const char domain[] = "pki-keyfile-raw-v1";
	unsigned char raw[32], key[32], msg[sizeof(domain) + 16], *bin;
	unsigned long long clen;
	size_t binlen = HDR_LEN + size + 16, b64len, n;
	char *text;

	if ((bin = calloc(1, binlen)) == NULL)
		fuzz_die("out of memory");
	memcpy(bin, magic, sizeof(magic));
	bin[8] = 1;			/* version */
	bin[9] = 2;			/* raw key */
	bin[10] = 1;			/* XChaCha20-Poly1305 */
	memset(bin + 28, 0xa5, 16);	/* salt */
	memset(bin + 44, 0x3c, 24);	/* nonce */
	if (sodium_hex2bin(raw, sizeof(raw), MACHINE_KEY, 64, NULL, NULL,
	    NULL) != 0)
		fuzz_die("bad machine key");
	memcpy(msg, domain, sizeof(domain));
	memcpy(msg + sizeof(domain), bin + 28, 16);
	if (crypto_generichash(key, sizeof(key), msg, sizeof(msg), raw,
	    sizeof(raw)) != 0 ||
	    crypto_aead_xchacha20poly1305_ietf_encrypt(bin + HDR_LEN, &clen,
	    plain, size, bin, HDR_LEN, NULL, bin + 44, key) != 0)
		fuzz_die("cannot seal");
	b64len = sodium_base64_ENCODED_LEN(binlen,
	    sodium_base64_VARIANT_ORIGINAL);
	if ((text = malloc(strlen(BEGIN_LINE) + b64len +
	    strlen(END_LINE) + 3)) == NULL)
		fuzz_die("out of memory");
	n = (size_t)snprintf(text, strlen(BEGIN_LINE) + 2, "%s\n",
	    BEGIN_LINE);
	sodium_bin2base64(text + n, b64len, bin, binlen,
	    sodium_base64_VARIANT_ORIGINAL);
	n += strlen(text + n);
	n += (size_t)snprintf(text + n, strlen(END_LINE) + 3, "\n%s\n",
	    END_LINE);
	free(bin);
	*len = n;
	return text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	EVP_PKEY *key = NULL;
	char *text;
	size_t len;
	int rc = 0;

	if (size > 0 && data[0] != '-') {
		text = seal(data, size, &len);
		rc = keyfile_decode((unsigned char *)text, len, "fuzz",
		    MACHINE_KEY, &key);
		fuzz_check_rc(rc, "keyfile_decode");
		if (rc == ERR_AUTH)
			fuzz_die("the sealed plaintext does not open");
		free(text);
	} else if (asks_argon2(data, size)) {
		return 0;	/* seconds of Argon2id per input: not fuzzed */
	} else {
		rc = keyfile_decode(data, size, "fuzz", MACHINE_KEY, &key);
		fuzz_check_rc(rc, "keyfile_decode");
	}
	if ((key == NULL) != (rc != 0))
		fuzz_die("keyfile_decode returned %d and a key %p", rc,
		    (void *)key);
	EVP_PKEY_free(key);
	return 0;
}
