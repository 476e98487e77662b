/*
 * crlstream.h: CRLs too large to build as OpenSSL objects, streamed.
 *
 * crl_build() holds an X509_REVOKED per entry: half a kilobyte each, so
 * half a gigabyte for a million.  A crlstream encodes each entry into
 * one growing buffer as the caller reads it (about 40 bytes each), in
 * the caller's order, which must be serial order; the headers, the
 * CRL's extensions and the signature are put around the entries when it
 * is signed.  Everything but the entries comes from a template: a CRL
 * from crl_build() with no entries and its crl_add_*() extensions, so
 * that the extensions are encoded once, by OpenSSL, and the template
 * can be linted before any CA key signs.  The result is byte for byte
 * the CRL that crl_build() and crl_sign() make of the same entries.
 * Nothing here is secret: the key is the caller's and is only used.
 */
#ifndef PKI_CRLSTREAM_H
#define PKI_CRLSTREAM_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "crl.h"
#include "keytype.h"

struct crlstream;

/*
 * An empty stream for a CRL whose thisUpdate is this_update.  Free it
 * with crlstream_free() (NULL is fine).  Returns 0 or ERR_INTERNAL.
 */
int	crlstream_new(time_t this_update, struct crlstream **out);
void	crlstream_free(struct crlstream *s);

/*
 * Append one entry, encoded as crl_build() encodes it: the serial, the
 * revocationDate (UTCTime up to 2049, GeneralizedTime after) and a
 * non-critical reasonCode unless the reason is unspecified or
 * CRL_REASON_NONE.  Entries must come in strictly increasing serial
 * order by value (for the inventory's canonical hex: by length, then
 * text), which is the order crl_build() sorts into.  Returns 0,
 * ERR_USAGE (a malformed serial, a reason code that does not exist, a
 * date out of range), ERR_DATA (a serial given twice, a revocation
 * after thisUpdate, a CRL past 4 GiB) or ERR_INTERNAL (out of order,
 * out of memory).
 */
int	crlstream_add(struct crlstream *s, const struct crl_entry *e);

/* The number of entries added. */
size_t	crlstream_count(const struct crlstream *s);

/*
 * Sign the CRL with key, a software or token key of the given type.
 * tmpl: a CRL from crl_build() with no entries, the same thisUpdate and
 * any crl_add_*() extensions, signed with a key of the same type (a
 * throwaway will do) so that its signature algorithm is set; it is not
 * changed.  *der points into the stream and stays valid until the next
 * crlstream_sign() or crlstream_free(); the stream may be signed again
 * with another template (another CRL number).  Returns 0, ERR_USAGE
 * (tmpl has entries, another thisUpdate or no extensions),
 * ERR_UNAVAILABLE (signing failed: for a token key, the token is the
 * likely cause) or ERR_INTERNAL.
 */
int	crlstream_sign(struct crlstream *s, X509_CRL *tmpl, EVP_PKEY *key,
	    enum key_type type, const unsigned char **der, size_t *len);

/*
 * Check the signature of the last crlstream_sign() under issuer's
 * public key.  Returns 0, ERR_NO (it does not verify, or nothing is
 * signed) or ERR_INTERNAL.
 */
int	crlstream_verify(struct crlstream *s, X509 *issuer);

/*
 * The PEM text ("X509 CRL") of a DER CRL as crl_pem() writes it, in a
 * malloc'd buffer the caller frees with free().  Returns 0 or
 * ERR_INTERNAL.
 */
int	crlstream_pem(const unsigned char *der, size_t len,
	    unsigned char **pem, size_t *pemlen);


/*
 * The cRLNumber of the CRL (PEM or DER) at path, read without building
 * an OpenSSL object of its entries: for a check before a large CRL is
 * replaced.  The signature is not checked.  Returns 0, ERR_NOINPUT,
 * ERR_DATA (not a CRL, or no cRLNumber of at most 64 bits, naming
 * path), ERR_IO or ERR_INTERNAL.
 */
int	crlstream_file_number(const char *path, unsigned long long *number);


/*
 * A published complete CRL read back entry by entry, for a delta CRL's
 * diff without an OpenSSL object per entry (the file is held, as DER).
 *
 * crlstream_base_open(): the CRL (PEM or DER) at path must verify under
 * issuer's public key (with the digest of its key type), name issuer's
 * subject and have no deltaCRLIndicator; its cRLNumber goes into
 * *number.  Free with crlstream_base_free() (NULL is fine).  Returns 0,
 * ERR_NOINPUT, ERR_DATA (not such a CRL, naming path), ERR_IO or
 * ERR_INTERNAL.
 *
 * crlstream_base_lists(): *on = 1 if the base lists e exactly as
 * crlstream_add() would encode it now (same serial, revocation date and
 * reason), else 0.  Ask in strictly increasing serial order, as the
 * entries of a crlstream come: the base is read once, front to back.
 * Returns 0, ERR_USAGE (a malformed serial or date) or ERR_DATA (a
 * malformed entry in the base).
 */
struct crlstream_base;
int	crlstream_base_open(const char *path, X509 *issuer,
	    struct crlstream_base **out, unsigned long long *number);
int	crlstream_base_lists(struct crlstream_base *b,
	    const struct crl_entry *e, int *on);
void	crlstream_base_free(struct crlstream_base *b);

#endif
