/*
 * der.h: the few pieces of DER (X.690) that the CRL stream writes and
 * reads by hand: tag-length headers, positive INTEGERs and times.
 *
 * For objects too large to build through OpenSSL's ASN.1 structures (a
 * CRL of a million entries).  Everything else is encoded by OpenSSL.
 * Writers take an output buffer of at least the stated size and return
 * the number of bytes written; nothing here allocates or is secret.
 */
#ifndef PKI_DER_H
#define PKI_DER_H

#include <stddef.h>
#include <time.h>

/* The longest header der_header() writes: tag, 0x84, four octets. */
#define DER_HEADER_MAX	6

/* The longest time der_time() writes: a GeneralizedTime TLV. */
#define DER_TIME_MAX	17

/* DER tags used here. */
#define DER_INTEGER	0x02
#define DER_BIT_STRING	0x03
#define DER_OCTET_STRING 0x04
#define DER_ENUMERATED	0x0a
#define DER_UTCTIME	0x17
#define DER_GENTIME	0x18
#define DER_SEQUENCE	0x30

/* The size of the header of a TLV whose contents are len bytes (len
 * below 2^32). */
size_t	der_header_size(size_t len);

/* Write the header of a TLV with tag and len bytes of contents into out
 * (DER_HEADER_MAX bytes); returns its size. */
size_t	der_header(unsigned char *out, unsigned char tag, size_t len);

/*
 * Read one TLV header at p (avail bytes there): a one-octet tag and a
 * definite length in the shortest form, the contents within avail.  Sets
 * *tag, *len (contents) and *hlen (header).  Returns 0 or -1 (not DER,
 * or cut short).
 */
int	der_read_header(const unsigned char *p, size_t avail,
	    unsigned char *tag, size_t *len, size_t *hlen);

/*
 * Write the INTEGER whose big-endian magnitude is mag (n bytes, n >= 1,
 * no leading zero byte unless the value is 0) into out (n + 3 bytes):
 * a leading zero octet is added when the top bit is set, so the value
 * stays positive.  Returns its size.
 */
size_t	der_uint(unsigned char *out, const unsigned char *mag, size_t n);

/*
 * Write t as RFC 5280 4.1.2.5 wants it: UTCTime (YYMMDDHHMMSSZ) for the
 * years 1950 to 2049, GeneralizedTime (YYYYMMDDHHMMSSZ) otherwise, into
 * out (DER_TIME_MAX bytes).  Returns its size, or 0 for a time outside
 * the years 0 to 9999.
 */
size_t	der_time(unsigned char *out, time_t t);

#endif
