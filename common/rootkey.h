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
#include <openssl/x509.h>

#include "hsm.h"
#include "json.h"
#include "keytype.h"
#include "pin.h"

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

/* An open root key, ready to sign: in a token or from a key file. */
struct rootkey;

/*
 * Open the root key named by module+uri (a token; the PIN comes from
 * pin) or by key_file (an encrypted key file; its passphrase comes from
 * pin), and prove it is the key of root_cert by signing a challenge.
 * Exactly one of uri / key_file is set.  ERR_NO if the key is not the
 * certificate's; otherwise the codes of hsm_open() / keyfile_read().
 */
int	rootkey_open(const char *module, const char *uri, const char *key_file,
	    const struct pin_source *pin, X509 *root_cert,
	    struct rootkey **out);

/* The signing key (owned by the handle) and its type. */
EVP_PKEY *rootkey_pkey(const struct rootkey *k);
enum key_type rootkey_type(const struct rootkey *k);

/* Close the token session or free the key; NULL is accepted. */
void	rootkey_close(struct rootkey *k);

#endif
