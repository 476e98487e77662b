/*
 * certfile.h: the certificates held in one file found on disk.
 *
 * For pki-report --scan, which reads whatever lies in a directory
 * tree: PEM files with any number of certificates (other PEM blocks,
 * such as private keys, are passed over), a DER certificate, and a
 * PKCS#12 bundle without a passphrase (the empty password or none).
 * Every input is untrusted and only parsed; nothing is verified.  A
 * private key inside a PKCS#12 bundle is freed at once, never kept.
 */
#ifndef PKI_CERTFILE_H
#define PKI_CERTFILE_H

#include <stddef.h>

#include <openssl/x509.h>

/* The largest file read. */
#define CERTFILE_MAX	(4 * 1024 * 1024)

/*
 * Parse the len bytes of buf (named path in messages) and return the
 * certificates in *out, in file order (for PKCS#12: the bundle's own
 * certificate first).  The caller frees *out with
 * sk_X509_pop_free(*out, X509_free).  Returns 0, ERR_AUTH (a PKCS#12
 * bundle that needs a passphrase), ERR_DATA (no certificate in it,
 * naming path) or ERR_INTERNAL.
 */
int	certfile_parse(const unsigned char *buf, size_t len,
	    const char *path, STACK_OF(X509) **out);

/*
 * fileio_read() path (at most CERTFILE_MAX bytes), then
 * certfile_parse().  Errors of both.
 */
int	certfile_load(const char *path, STACK_OF(X509) **out);

#endif
