/*
 * test_keytype.c: unit tests for common/keytype.c.
 *
 * Covers: every name parses to its type and back; unknown, misspelt,
 * upper-case and weak names are ERR_CONFIG naming the value, leaving
 * the output alone; keytype_generate() for each type gives a key that
 * keytype_of() recognises (also from its public half alone), and a bad
 * type is ERR_INTERNAL; keytype_of() refuses RSA 2048, other curves and
 * Ed25519; keytype_digest() for each type.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "err.h"
#include "harness.h"
#include "keytype.h"
#include "secmem.h"

static const struct {
	enum key_type type;
	const char *name;
	int bits;
	int md;
} types[] = {
	{ KEY_P256, "p256", 256, NID_sha256 },
	{ KEY_P384, "p384", 384, NID_sha384 },
	{ KEY_RSA3072, "rsa3072", 3072, NID_sha256 },
	{ KEY_RSA4096, "rsa4096", 4096, NID_sha256 },
};
#define NTYPES	(sizeof(types) / sizeof(types[0]))

static void
test_names(void)
{
	static const char *bad[] = { "P256", "rsa2048", "ed25519", "p521",
	    "", "p256 ", "rsa", "secp256r1" };
	enum key_type t;
	size_t i;

	for (i = 0; i < NTYPES; i++) {
		t = KEY_NONE;
		CHECK_RC(keytype_parse(types[i].name, &t), 0, "parse \"%s\"",
		    types[i].name);
		CHECK(t == types[i].type, "\"%s\" is type %d (got %d)",
		    types[i].name, types[i].type, t);
		CHECK(strcmp(keytype_name(t), types[i].name) == 0,
		    "keytype_name(%d) is \"%s\" (got \"%s\")", t,
		    types[i].name, keytype_name(t));
	}
	CHECK(strcmp(keytype_name(KEY_NONE), "?") == 0, "KEY_NONE is \"?\"");
	CHECK(strcmp(keytype_name((enum key_type)99), "?") == 0,
	    "an unknown type is \"?\"");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[32];

		t = KEY_P384;
		CHECK_RC(keytype_parse(bad[i], &t), ERR_CONFIG,
		    "\"%s\" is refused", bad[i]);
		snprintf(want, sizeof(want), "\"%s\"", bad[i]);
		CHECK(strstr(err_msg(), want) != NULL,
		    "the message names the value (\"%s\")", err_msg());
		CHECK(t == KEY_P384, "the output is left alone");
	}
}

static void
test_generate(void)
{
	EVP_PKEY *k, *pub;
	unsigned char *der;
	const unsigned char *p;
	size_t i;
	int len;

	for (i = 0; i < NTYPES; i++) {
		k = NULL;
		CHECK_RC(keytype_generate(types[i].type, &k), 0,
		    "generate %s", types[i].name);
		if (k == NULL)
			continue;
		CHECK(keytype_of(k) == types[i].type,
		    "keytype_of a new %s key agrees (got %d)", types[i].name,
		    keytype_of(k));
		CHECK(EVP_PKEY_get_bits(k) == types[i].bits,
		    "%s has %d bits (got %d)", types[i].name, types[i].bits,
		    EVP_PKEY_get_bits(k));
		der = NULL;
		len = i2d_PUBKEY(k, &der);
		p = der;
		pub = len > 0 ? d2i_PUBKEY(NULL, &p, len) : NULL;
		CHECK(pub != NULL && keytype_of(pub) == types[i].type,
		    "keytype_of the public half of %s agrees", types[i].name);
		EVP_PKEY_free(pub);
		OPENSSL_free(der);
		EVP_PKEY_free(k);
	}
	k = (EVP_PKEY *)1;
	CHECK_RC(keytype_generate(KEY_NONE, &k), ERR_INTERNAL,
	    "generate KEY_NONE is ERR_INTERNAL");
	CHECK(k == NULL, "and gives no key");
}

static void
test_foreign(void)
{
	static const struct {
		const char *alg;
		const char *arg;
		size_t bits;
	} foreign[] = {
		{ "RSA", NULL, 2048 },
		{ "EC", "secp256k1", 0 },
		{ "EC", "P-521", 0 },
		{ "ED25519", NULL, 0 },
		{ "X25519", NULL, 0 },
	};
	EVP_PKEY *k;
	size_t i;

	for (i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
		if (foreign[i].bits != 0)
			k = EVP_PKEY_Q_keygen(NULL, NULL, foreign[i].alg,
			    foreign[i].bits);
		else if (foreign[i].arg != NULL)
			k = EVP_PKEY_Q_keygen(NULL, NULL, foreign[i].alg,
			    foreign[i].arg);
		else
			k = EVP_PKEY_Q_keygen(NULL, NULL, foreign[i].alg);
		if (k == NULL) {
			CHECK(0, "make a %s %s key", foreign[i].alg,
			    foreign[i].arg ? foreign[i].arg : "");
			continue;
		}
		CHECK(keytype_of(k) == KEY_NONE, "keytype_of %s %s is KEY_NONE "
		    "(got %d)", foreign[i].alg,
		    foreign[i].arg ? foreign[i].arg : "", keytype_of(k));
		EVP_PKEY_free(k);
	}
}

static void
test_digest(void)
{
	size_t i;

	for (i = 0; i < NTYPES; i++)
		CHECK(keytype_digest(types[i].type) != NULL &&
		    EVP_MD_get_type(keytype_digest(types[i].type)) ==
		    types[i].md, "%s signs with %s", types[i].name,
		    OBJ_nid2sn(types[i].md));
}

int
main(void)
{
	if (secmem_init() != 0) {
		printf("secmem_init: %s\n", err_msg());
		return 1;
	}
	test_names();
	test_generate();
	test_foreign();
	test_digest();
	return harness_done();
}
