/*
 * rootkey.h: putting a root key into its home and proving it is there.
 *
 * Shared by pki-root-keygen (a new key) and pki-root-restore (a key
 * recovered from the backup): import into a token as sensitive and
 * non-extractable, check those attributes, and sign a random challenge
 * with the token key that must verify under the root certificate's key.
 */
#ifndef PKI_ROOTKEY_H
#define PKI_ROOTKEY_H

#include <openssl/evp.h>

#include "hsm.h"
#include "json.h"
#include "keytype.h"

/*
 * Import key (secret) into the token under label and prove it: the
 * token reports it sensitive and not extractable, and a challenge signed
 * in the token verifies under cert_pub.  On any failure after the import
 * the key is deleted from the token again.  Findings are added to log
 * (may be NULL).  Returns 0, or the failing step's code.
 */
int	rootkey_import(struct hsm *h, const char *label, EVP_PKEY *key,
	    EVP_PKEY *cert_pub, struct json_buf *log);

/*
 * Prove an existing token key (generated inside the token) the same way.
 */
int	rootkey_prove(struct hsm *h, const char *label, EVP_PKEY *cert_pub,
	    struct json_buf *log);

#endif
