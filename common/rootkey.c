/*
 * rootkey.c: putting a root key into its home and proving it is there.
 *
 * Trusts the token to report its attributes honestly; checks everything
 * else itself.  Invariant: a key that fails any check does not stay in
 * the token.
 */
#include <stdlib.h>

#include "err.h"
#include "keyfile.h"
#include "secmem.h"
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

struct rootkey {
	struct hsm *hsm;
	EVP_PKEY *key;
	enum key_type type;
};

static int
open_token(struct rootkey *k, const char *module, const char *uri,
    const struct pin_source *pin)
{
	const char *label;
	char *secret = NULL;
	int ret;

	if ((ret = pin_read(pin, "HSM user PIN: ", &secret)) != 0)
		return ret;
	ret = hsm_open(module, uri, secret, &k->hsm);
	secmem_free(secret);
	if (ret != 0)
		return ret;
	if ((label = hsm_uri_object(k->hsm)) == NULL)
		return err_set(ERR_CONFIG, "%s: the URI names no object", uri);
	return hsm_signing_key(k->hsm, label, &k->key);
}

static int
open_file(struct rootkey *k, const char *key_file,
    const struct pin_source *pin)
{
	char *secret = NULL;
	int ret;

	if ((ret = pin_read(pin, "Passphrase for the root key file: ",
	    &secret)) != 0)
		return ret;
	ret = keyfile_read(key_file, secret, &k->key);
	secmem_free(secret);
	return ret;
}

int
rootkey_open(const char *module, const char *uri, const char *key_file,
    const struct pin_source *pin, X509 *root_cert, struct rootkey **out)
{
	EVP_PKEY *pub = X509_get0_pubkey(root_cert);
	struct rootkey *k;
	int ret;

	*out = NULL;
	if (pub == NULL)
		return err_set(ERR_DATA, "the root certificate has no "
		    "usable public key");
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	k->type = keytype_of(pub);
	ret = uri != NULL ? open_token(k, module, uri, pin) :
	    open_file(k, key_file, pin);
	if (ret == 0 && (ret = x509_challenge(k->key, pub, k->type)) == ERR_NO)
		ret = err_set(ERR_NO, "the root key does not match the root "
		    "certificate (a test signature does not verify under it)");
	if (ret != 0) {
		rootkey_close(k);
		return ret;
	}
	*out = k;
	return 0;
}

EVP_PKEY *
rootkey_pkey(const struct rootkey *k)
{
	return k->key;
}

enum key_type
rootkey_type(const struct rootkey *k)
{
	return k->type;
}

void
rootkey_close(struct rootkey *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->key);
	hsm_close(k->hsm);
	free(k);
}
