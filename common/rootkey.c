/*
 * rootkey.c: putting a root key into its home and proving it is there.
 *
 * Trusts the token to report its attributes honestly; checks everything
 * else itself.  Invariant: a key that fails any check does not stay in
 * the token.
 */
#include "err.h"
#include "rootkey.h"
#include "x509.h"

int
rootkey_prove(struct hsm *h, const char *label, EVP_PKEY *cert_pub,
    struct json_buf *log)
{
	EVP_PKEY *token_key = NULL;
	int sensitive = 0, extractable = 1, ret;

	if ((ret = hsm_key_flags(h, label, &sensitive, &extractable)) != 0)
		return ret;
	if (!sensitive || extractable)
		return err_set(ERR_NO, "token key \"%s\" is %s: refusing it",
		    label, !sensitive ? "not sensitive" : "extractable");
	if ((ret = hsm_signing_key(h, label, &token_key)) != 0)
		return ret;
	ret = x509_challenge(token_key, cert_pub, keytype_of(cert_pub));
	EVP_PKEY_free(token_key);
	if (ret != 0)
		return ret;
	if (log != NULL) {
		json_add_str(log, "token", hsm_token_label(h));
		json_add_str(log, "token_serial", hsm_token_serial(h));
		json_add_str(log, "key_label", label);
		json_add_bool(log, "sensitive", sensitive);
		json_add_bool(log, "extractable", extractable);
		json_add_str(log, "challenge", "signed in token, verified "
		    "under the certificate key");
	}
	return 0;
}

int
rootkey_import(struct hsm *h, const char *label, EVP_PKEY *key,
    EVP_PKEY *cert_pub, struct json_buf *log)
{
	int ret;

	if (EVP_PKEY_eq(key, cert_pub) != 1)
		return err_set(ERR_NO, "the key does not match the root "
		    "certificate's public key");
	if ((ret = hsm_import_key(h, label, key)) != 0)
		return ret;
	if ((ret = rootkey_prove(h, label, cert_pub, log)) != 0)
		(void)hsm_delete_key(h, label);
	return ret;
}
