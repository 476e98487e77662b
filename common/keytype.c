/*
 * keytype.c: CA key types: names, recognition and generation.
 *
 * Trusts OpenSSL for generation; it draws from the OS CSPRNG.
 */
/* keytype_ec_public_ok() reads a built-in key's EC_KEY, which OpenSSL
 * 3.0 deprecates but keeps (see there why). */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "err.h"
#include "keytype.h"

static const struct {
	enum key_type type;
	const char *name;
} keytypes[] = {
	{ KEY_P256, "p256" },
	{ KEY_P384, "p384" },
	{ KEY_RSA3072, "rsa3072" },
	{ KEY_RSA4096, "rsa4096" },
};

const char *
keytype_name(enum key_type type)
{
	size_t i;

	for (i = 0; i < sizeof(keytypes) / sizeof(keytypes[0]); i++)
		if (keytypes[i].type == type)
			return keytypes[i].name;
	return "?";
}

int
keytype_parse(const char *name, enum key_type *type)
{
	size_t i;

	for (i = 0; i < sizeof(keytypes) / sizeof(keytypes[0]); i++) {
		if (strcmp(keytypes[i].name, name) == 0) {
			*type = keytypes[i].type;
			return 0;
		}
	}
	return err_set(ERR_CONFIG, "key type \"%s\" is not supported "
	    "(supported: p256, p384, rsa3072, rsa4096)", name);
}

enum key_type
keytype_of(const EVP_PKEY *key)
{
	char group[64];
	size_t glen = 0;

	if (EVP_PKEY_is_a(key, "RSA")) {
		switch (EVP_PKEY_get_bits(key)) {
		case 3072:
			return KEY_RSA3072;
		case 4096:
			return KEY_RSA4096;
		default:
			return KEY_NONE;
		}
	}
	if (!EVP_PKEY_is_a(key, "EC"))
		return KEY_NONE;
	if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), &glen) != 1) {
		/* Keys behind a PKCS#11 method may not export params. */
		switch (EVP_PKEY_get_bits(key)) {
		case 256:
			return KEY_P256;
		case 384:
			return KEY_P384;
		default:
			return KEY_NONE;
		}
	}
	if (strcmp(group, "prime256v1") == 0)
		return KEY_P256;
	if (strcmp(group, "secp384r1") == 0)
		return KEY_P384;
	return KEY_NONE;
}

int
keytype_generate(enum key_type type, EVP_PKEY **key)
{
	*key = NULL;
	switch (type) {
	case KEY_P256:
		*key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case KEY_P384:
		*key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		break;
	case KEY_RSA3072:
		*key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
		break;
	case KEY_RSA4096:
		*key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096);
		break;
	default:
		return err_set(ERR_INTERNAL, "unknown key type");
	}
	if (*key == NULL) {
		err_set(ERR_INTERNAL, "key generation failed (%s)",
		    keytype_name(type));
		err_add_openssl();
		return ERR_INTERNAL;
	}
	return 0;
}

const EVP_MD *
keytype_digest(enum key_type type)
{
	return type == KEY_P384 ? EVP_sha384() : EVP_sha256();
}

/*
 * A built-in EC key (one that csr_load_keyed() makes) is checked on its
 * EC_KEY: asking the provider would first copy the key into it and make
 * the curve again, for a check of a few field multiplications.
 */
int
keytype_ec_public_ok(EVP_PKEY *key)
{
	EVP_PKEY_CTX *ctx;
	const EC_KEY *ec;
	const EC_POINT *pt;
	int ok;

	if (EVP_PKEY_get0_provider(key) == NULL &&
	    (ec = EVP_PKEY_get0_EC_KEY(key)) != NULL) {
		pt = EC_KEY_get0_public_key(ec);
		ok = pt != NULL &&
		    !EC_POINT_is_at_infinity(EC_KEY_get0_group(ec), pt) &&
		    EC_POINT_is_on_curve(EC_KEY_get0_group(ec), pt, NULL) == 1;
		ERR_clear_error();
		return ok;
	}
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) == NULL) {
		ERR_clear_error();
		return 0;
	}
	ok = EVP_PKEY_public_check_quick(ctx) == 1;
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}
