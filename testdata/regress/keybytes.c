/*
 * keybytes: test helper for the secret-hygiene check.  Recovers the root
 * key from a backup and shares exactly as pki-root-restore does, and
 * prints, one per line in hex, the byte strings that must never appear
 * in a file: the PKCS#8 DER and the raw private scalar (EC) or private
 * exponent (RSA).  With -k it opens an encrypted key file instead (an
 * online CA's key or its OCSP signer's), with the passphrase or PIN on
 * the first line of PASSFILE.  Built by the regress scripts; never
 * installed.
 *
 *   keybytes BACKUP SHARE...
 *   keybytes -k KEYFILE PASSFILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "err.h"
#include "fileio.h"
#include "kekshare.h"
#include "keyfile.h"
#include "pin.h"
#include "secmem.h"
#include "sheet.h"
#include "x509.h"

static void
print_hex(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\n");
}

/* Print the key's PKCS#8 DER and its private scalar or exponent. */
static int
print_key(EVP_PKEY *key, const unsigned char *der, size_t derlen)
{
	unsigned char raw[1024];
	BIGNUM *secret = NULL;
	int n;

	size_t rawlen = sizeof(raw);

	print_hex(der, derlen);
	/* Ed25519 (an audit key) has raw bytes, not a number. */
	if (EVP_PKEY_get_raw_private_key(key, raw, &rawlen) == 1) {
		print_hex(raw, rawlen);
		OPENSSL_cleanse(raw, rawlen);
		return 0;
	}
	if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &secret) != 1 &&
	    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_D, &secret) != 1)
		return 70;
	n = BN_bn2bin(secret, raw);
	print_hex(raw, (size_t)n);
	OPENSSL_cleanse(raw, sizeof(raw));
	BN_clear_free(secret);
	return 0;
}

/* keybytes -k KEYFILE PASSFILE */
static int
from_keyfile(const char *path, const char *passfile)
{
	struct pin_source src = { PIN_FILE, passfile, -1 };
	unsigned char *der = NULL;
	EVP_PKEY *key = NULL;
	char *pass = NULL;
	size_t derlen;
	int ret;

	if ((ret = pin_read(&src, NULL, &pass)) != 0 ||
	    (ret = keyfile_read(path, pass, &key)) != 0 ||
	    (ret = x509_private_der(key, &der, &derlen)) != 0)
		ret = err_report("keybytes", ret);
	else
		ret = print_key(key, der, derlen);
	secmem_free(der);
	secmem_free(pass);
	EVP_PKEY_free(key);
	return ret;
}

int
main(int argc, char **argv)
{
	unsigned char *backup = NULL, *plain = NULL, raw[1024];
	size_t backuplen, plainlen;
	struct sheet_inputs in;
	EVP_PKEY *key = NULL;
	BIGNUM *secret = NULL;
	int ret, n;

	if (argc < 3)
		return 64;
	if (strcmp(argv[1], "-k") == 0) {
		if (argc != 4)
			return 64;
		if ((ret = secmem_init()) != 0)
			return err_report("keybytes", ret);
		return from_keyfile(argv[2], argv[3]);
	}
	if ((ret = secmem_init()) != 0 ||
	    (ret = fileio_read(argv[1], BACKUP_MAX_FILE, &backup,
	    &backuplen)) != 0 ||
	    (ret = sheet_read_inputs(argv + 2, argc - 2, &in)) != 0 ||
	    (ret = kekshare_recover(backup, backuplen, argv[1], in.shares,
	    (const char *const *)in.names, in.count, &plain, &plainlen,
	    NULL)) != 0 ||
	    (ret = x509_private_parse(plain, plainlen, &key)) != 0)
		return err_report("keybytes", ret);
	print_hex(plain, plainlen);
	if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &secret) != 1 &&
	    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_D, &secret) != 1)
		return 70;
	n = BN_bn2bin(secret, raw);
	print_hex(raw, (size_t)n);
	BN_clear_free(secret);
	EVP_PKEY_free(key);
	secmem_free(plain);
	free(backup);
	sheet_inputs_free(&in);
	return 0;
}
