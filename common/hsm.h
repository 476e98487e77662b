/*
 * hsm.h: CA keys inside a PKCS#11 token (an HSM, or SoftHSM2 in tests).
 *
 * A token is named by an RFC 7512 URI and reached through a PKCS#11
 * module given by the configuration.  Keys in the token are named by
 * their CKA_LABEL.  Private keys this module creates are sensitive and
 * never extractable, may only sign, and carry as CKA_ID the SHA-1 of
 * their public key (the RFC 5280 method-1 key identifier); a matching
 * public key object is created beside each.  The PIN comes from pin.h,
 * never from the URI.
 */
#ifndef PKI_HSM_H
#define PKI_HSM_H

#include <openssl/evp.h>

#include "keytype.h"

struct hsm;

/*
 * Load the PKCS#11 module at the path module, find the one token that
 * uri (RFC 7512: token, serial, manufacturer, model, object, id and type
 * attributes, percent-encoded) names, and log in as the user with pin
 * (secret, NUL-terminated) unless pin is NULL.  Only initialised tokens
 * are considered; a URI without token attributes must match exactly one.
 * On success *out is a handle for hsm_close().
 * Errors: ERR_CONFIG (malformed URI, an unsupported attribute, a URI
 * with pin-value or pin-source: "PINs are never taken from a URI", or a
 * URI matching several tokens), ERR_UNAVAILABLE ("<module>: cannot load
 * PKCS#11 module", "no token matches <uri>", a failing token),
 * ERR_AUTH ("wrong PIN for token <label>", a locked or expired PIN).
 */
int	hsm_open(const char *module, const char *uri, const char *pin,
	    struct hsm **out);

/*
 * Log out, release the token and unload the module.  Keys from
 * hsm_signing_key() must be freed before.  NULL is accepted.
 */
void	hsm_close(struct hsm *h);

/* The object= attribute of the URI (percent-decoded), or NULL. */
const char *hsm_uri_object(const struct hsm *h);

/* The token's label and serial number, valid while h is open. */
const char *hsm_token_label(const struct hsm *h);
const char *hsm_token_serial(const struct hsm *h);

/*
 * Set *exists to 1 if the token holds a private, public or secret key
 * object labelled label, else 0.  Without a login, private objects are
 * invisible.  Errors: ERR_UNAVAILABLE.
 */
int	hsm_key_exists(struct hsm *h, const char *label, int *exists);

/*
 * Import the private key key (P-256, P-384, RSA 3072 or 4096, held by
 * OpenSSL) into the token as label: a private key object (token,
 * private, sensitive, not extractable, sign only) and its public key
 * object, both with CKA_ID = SHA-1 of the public key.  Every copy of the
 * private key's bytes made here is in locked memory and wiped.  If the
 * second object cannot be created the first is destroyed.
 * Errors: ERR_EXISTS (label taken), ERR_DATA (unsupported key),
 * ERR_AUTH (not logged in), ERR_UNAVAILABLE (the token refused).
 */
int	hsm_import_key(struct hsm *h, const char *label, EVP_PKEY *key);

/*
 * Generate a key pair of the given type inside the token, with the same
 * attributes as hsm_import_key().  Errors as hsm_import_key().
 */
int	hsm_generate_key(struct hsm *h, const char *label,
	    enum key_type type);

/*
 * An EVP_PKEY for the private key labelled label whose private
 * operations run in the token: usable with X509_sign(), X509_CRL_sign(),
 * X509_REQ_sign(), OCSP_basic_sign() and EVP_DigestSign*().  The key is
 * valid only while h is open; the caller frees it with EVP_PKEY_free()
 * before hsm_close().
 * Errors: ERR_NOINPUT ("no key labelled X in token Y"), ERR_AUTH (opened
 * without a PIN), ERR_DATA (several keys with that label),
 * ERR_UNAVAILABLE.
 */
int	hsm_signing_key(struct hsm *h, const char *label, EVP_PKEY **key);

/*
 * The public key of the key pair labelled label, as an ordinary OpenSSL
 * key independent of h; the caller frees it with EVP_PKEY_free().
 * Errors: ERR_NOINPUT, ERR_DATA (several keys with that label, or a key
 * type other than P-256, P-384 and RSA), ERR_UNAVAILABLE.
 */
int	hsm_public_key(struct hsm *h, const char *label, EVP_PKEY **key);

/*
 * CKA_SENSITIVE and CKA_EXTRACTABLE (1 or 0) of the private key
 * labelled label.  Errors: ERR_NOINPUT, ERR_DATA, ERR_UNAVAILABLE.
 */
int	hsm_key_flags(struct hsm *h, const char *label, int *sensitive,
	    int *extractable);

/*
 * Destroy the private and public key objects labelled label.
 * Errors: ERR_NOINPUT (there are none), ERR_UNAVAILABLE.
 */
int	hsm_delete_key(struct hsm *h, const char *label);

#endif
