/*
 * keybytes: test helper for the secret-hygiene check.  Recovers the root
 * key from a backup and shares exactly as pki-root-restore does, and
 * prints, one per line in hex, the byte strings that must never appear
 * in a file: the PKCS#8 DER and the raw private scalar (EC) or private
 * exponent (RSA).  Built by the regress script; never installed.
 *
 *   keybytes BACKUP SHARE...
 */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "err.h"
#include "fileio.h"
#include "kekshare.h"
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
