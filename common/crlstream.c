/*
 * crlstream.c: a CRL encoded entry by entry, signed at the end.
 *
 * Layout of the one buffer: a gap at the front, the entries from
 * s->start to s->end, then, once signed, the extensions, the signature
 * algorithm and the signature.  Signing writes the revokedCertificates
 * header, the fields before it (from the template) and the TBSCertList
 * and CertificateList headers backwards into the gap, so the entries
 * are never moved (unless the gap is too small for the template's
 * fields: then once).
 *
 * Trusts the template (a CRL this program built) and OpenSSL's encoding
 * of it; checks every entry as crl_build() does (positive serial of at
 * most 20 octets, a reason that exists, no revocation after thisUpdate)
 * and, since entries are not sorted here, that each serial is above the
 * one before.  A CRL stays below 4 GiB, the most a DER_HEADER_MAX header
 * can say.
 *
 * CRL files read back (a published CRL's number; a previous base for a
 * delta) are not trusted: every length is checked against what holds
 * it, and a base is used only after its signature verifies under the
 * issuer's key.  Their entries are compared as encoded bytes, never
 * turned into OpenSSL objects.  Nothing here is secret.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "crlstream.h"
#include "der.h"
#include "err.h"
#include "fileio.h"

#define SERIAL_MAX	(CRL_SERIAL_HEX_MAX / 2)
/* Largest CRL file read: as crl_load(). */
#define FILE_MAX	((size_t)256 << 20)
#define FRONT		1024	/* the first gap: ample for most issuers */
#define ENTRY_MAX	(2 * DER_HEADER_MAX + SERIAL_MAX + 1 + DER_TIME_MAX + 14)
/* Room left under 4 GiB for the headers, extensions and signature. */
#define ENTRIES_MAX	(((size_t)1 << 32) - ((size_t)1 << 20))

/* OIDs of the extensions read back (contents only). */
static const unsigned char oid_crl_number[] = { 0x55, 0x1d, 0x14 };
static const unsigned char oid_delta[] = { 0x55, 0x1d, 0x1b };

struct crlstream {
	unsigned char	*buf;
	size_t		 cap, start, end;	/* entries: [start, end) */
	size_t		 count;
	time_t		 this_update;
	unsigned char	 last[SERIAL_MAX];	/* the previous serial */
	size_t		 lastlen;
	/* after crlstream_sign() */
	size_t		 tbs, tbslen;		/* offsets into buf */
	unsigned char	*sig;
	size_t		 siglen;
	enum key_type	 type;
};

/* The reasonCode extension (2.5.29.21) around an ENUMERATED of one
 * octet: SEQUENCE { SEQUENCE { OID, OCTET STRING { ENUMERATED } } }. */
static const unsigned char reason_ext[] = {
	0x30, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15,
	0x04, 0x03, 0x0a, 0x01
};

int
crlstream_new(time_t this_update, struct crlstream **out)
{
	struct crlstream *s;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->buf = malloc(FRONT + 65536)) == NULL) {
		free(s);
		return err_set(ERR_INTERNAL, "out of memory");
	}
	s->cap = FRONT + 65536;
	s->start = s->end = FRONT;
	s->this_update = this_update;
	*out = s;
	return 0;
}

void
crlstream_free(struct crlstream *s)
{
	if (s == NULL)
		return;
	free(s->buf);
	free(s->sig);
	free(s);
}

size_t
crlstream_count(const struct crlstream *s)
{
	return s->count;
}

/* Room for need more bytes after the first used bytes of the buffer. */
static int
grow(struct crlstream *s, size_t used, size_t need)
{
	size_t cap = s->cap;
	unsigned char *p;

	if (s->cap - used >= need)
		return 0;
	while (cap - used < need) {
		if (cap > SIZE_MAX / 2)
			return err_set(ERR_INTERNAL, "out of memory");
		cap *= 2;
	}
	if ((p = realloc(s->buf, cap)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	s->buf = p;
	s->cap = cap;
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * The magnitude of a serial in hex (leading zeros allowed, as by
 * crl_build()): 1 to 20 octets, not zero.
 */
static int
serial_bytes(const char *hex, unsigned char out[SERIAL_MAX], size_t *n)
{
	size_t len = strlen(hex), i, j;
	int hi, lo;

	for (i = 0; i < len; i++)
		if (hexval(hex[i]) < 0)
			break;
	if (len == 0 || i != len || len > 2 * CRL_SERIAL_HEX_MAX)
		return err_set(ERR_USAGE, "serial \"%.48s\" is not 1 to %d "
		    "hex digits", hex, CRL_SERIAL_HEX_MAX);
	for (i = 0; i < len && hex[i] == '0'; i++)
		;
	if (i == len || (len - i + 1) / 2 > SERIAL_MAX)
		return err_set(ERR_USAGE, "serial %.48s is not a positive "
		    "number of at most 20 octets", hex);
	j = 0;
	if ((len - i) % 2 == 1)
		out[j++] = (unsigned char)hexval(hex[i++]);
	for (; i < len; i += 2) {
		hi = hexval(hex[i]);
		lo = hexval(hex[i + 1]);
		out[j++] = (unsigned char)(hi << 4 | lo);
	}
	*n = j;
	return 0;
}

/* Compare two magnitudes without leading zero octets, by value. */
static int
serial_cmp(const unsigned char *a, size_t alen, const unsigned char *b,
    size_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

static int
check_entry(struct crlstream *s, const struct crl_entry *e,
    const unsigned char *serial, size_t n)
{
	int c;

	if (e->reason != CRL_REASON_NONE && crl_reason_name(e->reason) ==
	    NULL)
		return err_set(ERR_USAGE, "serial %.48s: reason code %d does "
		    "not exist", e->serial_hex, e->reason);
	if (e->revoked_at > s->this_update)
		return err_set(ERR_DATA, "serial %.48s is revoked after the "
		    "CRL's thisUpdate", e->serial_hex);
	if (s->count == 0)
		return 0;
	c = serial_cmp(s->last, s->lastlen, serial, n);
	if (c == 0)
		return err_set(ERR_DATA, "serial %.48s is listed twice",
		    e->serial_hex);
	if (c > 0)
		return err_set(ERR_INTERNAL, "CRL entries out of serial order "
		    "at %.48s", e->serial_hex);
	return 0;
}

/* The entry's DER (ENTRY_MAX bytes) for the serial's magnitude. */
static int
encode_entry(const struct crl_entry *e, const unsigned char *serial,
    size_t n, unsigned char out[ENTRY_MAX], size_t *outlen)
{
	unsigned char body[ENTRY_MAX];
	size_t len, tlen, h;

	len = der_uint(body, serial, n);
	if ((tlen = der_time(body + len, e->revoked_at)) == 0)
		return err_set(ERR_USAGE, "serial %.48s: revocation date out "
		    "of range", e->serial_hex);
	len += tlen;
	/* RFC 5280 5.3.1: unspecified is left out. */
	if (e->reason != CRL_REASON_NONE &&
	    e->reason != CRL_REASON_UNSPECIFIED) {
		memcpy(body + len, reason_ext, sizeof(reason_ext));
		len += sizeof(reason_ext);
		body[len++] = (unsigned char)e->reason;
	}
	h = der_header(out, DER_SEQUENCE, len);
	memcpy(out + h, body, len);
	*outlen = h + len;
	return 0;
}

int
crlstream_add(struct crlstream *s, const struct crl_entry *e)
{
	unsigned char serial[SERIAL_MAX], der[ENTRY_MAX];
	size_t n = 0, len = 0;
	int ret;

	if ((ret = serial_bytes(e->serial_hex, serial, &n)) != 0 ||
	    (ret = check_entry(s, e, serial, n)) != 0 ||
	    (ret = encode_entry(e, serial, n, der, &len)) != 0)
		return ret;
	if (s->end - s->start > ENTRIES_MAX - len)
		return err_set(ERR_DATA, "the CRL would exceed 4 GiB at serial "
		    "%.48s", e->serial_hex);
	if ((ret = grow(s, s->end, len)) != 0)
		return ret;
	memcpy(s->buf + s->end, der, len);
	s->end += len;
	memcpy(s->last, serial, n);
	s->lastlen = n;
	s->count++;
	return 0;
}

/* The parts of the template's DER around where the entries go. */
struct parts {
	unsigned char	*der;		/* OPENSSL_free() */
	const unsigned char *prefix;	/* version .. nextUpdate */
	size_t		 prefixlen;
	const unsigned char *exts;	/* [0] crlExtensions */
	size_t		 extslen;
	const unsigned char *alg;	/* signatureAlgorithm */
	size_t		 alglen;
};

/* Split TBSCertList's contents at the crlExtensions ([0]). */
static int
split_tbs(struct parts *pt, const unsigned char *p, size_t len)
{
	unsigned char tag;
	size_t off = 0, l, h;

	while (off < len) {
		if (der_read_header(p + off, len - off, &tag, &l, &h) != 0)
			return -1;
		if (tag == 0xa0)
			break;
		off += h + l;
	}
	pt->prefix = p;
	pt->prefixlen = off;
	pt->exts = p + off;
	pt->extslen = len - off;
	return pt->extslen == 0 ? -1 : 0;
}

static int
template_parts(X509_CRL *tmpl, struct parts *pt)
{
	const unsigned char *p;
	unsigned char tag;
	size_t len, h, tl, th, al, ah;
	int n;

	memset(pt, 0, sizeof(*pt));
	if ((n = i2d_X509_CRL(tmpl, &pt->der)) <= 0)
		return err_set(ERR_INTERNAL, "cannot encode the CRL template");
	p = pt->der;
	if (der_read_header(p, (size_t)n, &tag, &len, &h) != 0 ||
	    tag != DER_SEQUENCE || h + len != (size_t)n)
		goto bad;
	p += h;
	if (der_read_header(p, len, &tag, &tl, &th) != 0 ||
	    tag != DER_SEQUENCE ||
	    der_read_header(p + th + tl, len - th - tl, &tag, &al, &ah) != 0 ||
	    tag != DER_SEQUENCE ||
	    split_tbs(pt, p + th, tl) != 0)
		goto bad;
	pt->alg = p + th + tl;
	pt->alglen = ah + al;
	return 0;
bad:
	OPENSSL_free(pt->der);
	pt->der = NULL;
	return err_set(ERR_USAGE, "the CRL template is not a signed CRL with "
	    "extensions");
}

static int
check_template(struct crlstream *s, X509_CRL *tmpl)
{
	if (sk_X509_REVOKED_num(X509_CRL_get_REVOKED(tmpl)) > 0)
		return err_set(ERR_USAGE, "the CRL template has entries");
	if (ASN1_TIME_cmp_time_t(X509_CRL_get0_lastUpdate(tmpl),
	    s->this_update) != 0)
		return err_set(ERR_USAGE, "the CRL template has another "
		    "thisUpdate");
	return 0;
}

/*
 * Write the TBSCertList's header, the template's fields and the
 * revokedCertificates header (none for no entries) backwards into the
 * gap before the entries, then the extensions after them; moves the
 * entries first if the gap is too small.  Sets s->tbs and s->tbslen.
 */
static int
assemble_tbs(struct crlstream *s, const struct parts *pt)
{
	size_t elen = s->end - s->start, rh, body, need, off, h;
	unsigned char hdr[DER_HEADER_MAX];

	rh = s->count > 0 ? der_header_size(elen) : 0;
	need = 2 * DER_HEADER_MAX + pt->prefixlen + rh;
	if (s->start < need) {
		if (grow(s, s->end, need - s->start) != 0)
			return ERR_INTERNAL;
		memmove(s->buf + need, s->buf + s->start, elen);
		s->start = need;
		s->end = need + elen;
	}
	off = s->start;
	if (rh > 0) {
		off -= rh;
		der_header(s->buf + off, DER_SEQUENCE, elen);
	}
	off -= pt->prefixlen;
	memcpy(s->buf + off, pt->prefix, pt->prefixlen);
	body = pt->prefixlen + rh + elen + pt->extslen;
	h = der_header(hdr, DER_SEQUENCE, body);
	off -= h;
	memcpy(s->buf + off, hdr, h);
	if (grow(s, s->end, pt->extslen) != 0)
		return ERR_INTERNAL;
	memcpy(s->buf + s->end, pt->exts, pt->extslen);
	s->tbs = off;
	s->tbslen = h + body;
	return 0;
}

static int
sign_tbs(struct crlstream *s, EVP_PKEY *key, enum key_type type)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t len = 0;
	int ret = ERR_UNAVAILABLE;

	free(s->sig);
	s->sig = NULL;
	s->siglen = 0;
	if (ctx == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if (EVP_DigestSignInit(ctx, NULL, keytype_digest(type), NULL,
	    key) != 1 ||
	    EVP_DigestSignUpdate(ctx, s->buf + s->tbs, s->tbslen) != 1 ||
	    EVP_DigestSignFinal(ctx, NULL, &len) != 1)
		goto out;
	if ((s->sig = malloc(len)) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (EVP_DigestSignFinal(ctx, s->sig, &len) != 1)
		goto out;
	s->siglen = len;
	s->type = type;
	ret = 0;
out:
	if (ret == ERR_UNAVAILABLE) {
		err_set(ret, "signing the CRL failed");
		err_add_openssl();
	}
	EVP_MD_CTX_free(ctx);
	return ret;
}

/* After the TBS: the algorithm and the signature as a BIT STRING; then
 * the CertificateList header before the TBS. */
static int
finish(struct crlstream *s, const struct parts *pt,
    const unsigned char **der, size_t *len)
{
	size_t at = s->tbs + s->tbslen, bits, body, h;
	unsigned char hdr[DER_HEADER_MAX];

	bits = der_header_size(s->siglen + 1) + 1 + s->siglen;
	body = s->tbslen + pt->alglen + bits;
	h = der_header_size(body);
	if (s->tbs < h)
		return err_set(ERR_INTERNAL, "no room for the CRL header");
	if (grow(s, at, pt->alglen + bits) != 0)
		return ERR_INTERNAL;
	memcpy(s->buf + at, pt->alg, pt->alglen);
	at += pt->alglen;
	at += der_header(s->buf + at, DER_BIT_STRING, s->siglen + 1);
	s->buf[at++] = 0;	/* no unused bits */
	memcpy(s->buf + at, s->sig, s->siglen);
	der_header(hdr, DER_SEQUENCE, body);
	memcpy(s->buf + s->tbs - h, hdr, h);
	*der = s->buf + s->tbs - h;
	*len = h + body;
	return 0;
}

int
crlstream_sign(struct crlstream *s, X509_CRL *tmpl, EVP_PKEY *key,
    enum key_type type, const unsigned char **der, size_t *len)
{
	struct parts pt;
	int ret;

	*der = NULL;
	*len = 0;
	s->tbslen = 0;
	if ((ret = check_template(s, tmpl)) != 0 ||
	    (ret = template_parts(tmpl, &pt)) != 0)
		return ret;
	if ((ret = assemble_tbs(s, &pt)) == 0 &&
	    (ret = sign_tbs(s, key, type)) == 0)
		ret = finish(s, &pt, der, len);
	if (ret != 0)
		s->tbslen = 0;
	OPENSSL_free(pt.der);
	return ret;
}

int
crlstream_verify(struct crlstream *s, X509 *issuer)
{
	EVP_PKEY *pub = X509_get0_pubkey(issuer);
	EVP_MD_CTX *ctx;
	int ok;

	if (s->tbslen == 0 || s->sig == NULL)
		return err_set(ERR_NO, "the CRL is not signed");
	if (pub == NULL)
		return err_set(ERR_INTERNAL, "the issuer has no usable "
		    "public key");
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	ok = EVP_DigestVerifyInit(ctx, NULL, keytype_digest(s->type), NULL,
	    pub) == 1 && EVP_DigestVerify(ctx, s->sig, s->siglen,
	    s->buf + s->tbs, s->tbslen) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok ? 0 : err_set(ERR_NO, "the CRL's signature does not "
	    "verify under the issuer's key");
}

#define PEM_BEGIN	"-----BEGIN X509 CRL-----\n"
#define PEM_END		"-----END X509 CRL-----\n"

int
crlstream_pem(const unsigned char *der, size_t len, unsigned char **pem,
    size_t *pemlen)
{
	size_t lines = (len + 47) / 48, cap, off, i, n;
	unsigned char *p;

	*pem = NULL;
	if (lines > (SIZE_MAX - 64) / 65)
		return err_set(ERR_INTERNAL, "out of memory");
	cap = sizeof(PEM_BEGIN) + lines * 65 + sizeof(PEM_END);
	if ((p = malloc(cap)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	memcpy(p, PEM_BEGIN, sizeof(PEM_BEGIN) - 1);
	off = sizeof(PEM_BEGIN) - 1;
	for (i = 0; i < len; i += 48) {
		n = len - i < 48 ? len - i : 48;
		off += (size_t)EVP_EncodeBlock(p + off, der + i, (int)n);
		p[off++] = '\n';
	}
	memcpy(p + off, PEM_END, sizeof(PEM_END));	/* with the NUL */
	*pem = p;
	*pemlen = off + sizeof(PEM_END) - 1;
	return 0;
}

/* The DER between the PEM markers of buf, decoded in place. */
static int
pem_to_der(unsigned char *buf, size_t len, size_t *derlen)
{
	static const char begin[] = "-----BEGIN X509 CRL-----";
	static const char end[] = "-----END X509 CRL-----";
	unsigned char *b, *e;
	EVP_ENCODE_CTX *ctx;
	int n = 0, m = 0, ok;

	if ((b = memmem(buf, len, begin, sizeof(begin) - 1)) == NULL)
		return -1;
	b += sizeof(begin) - 1;
	if ((e = memmem(b, len - (size_t)(b - buf), end,
	    sizeof(end) - 1)) == NULL || e - b > INT32_MAX)
		return -1;
	if ((ctx = EVP_ENCODE_CTX_new()) == NULL)
		return -1;
	/* Decoding never writes ahead of what it has read. */
	EVP_DecodeInit(ctx);
	ok = EVP_DecodeUpdate(ctx, buf, &n, b, (int)(e - b)) >= 0 &&
	    EVP_DecodeFinal(ctx, buf + n, &m) == 1;
	EVP_ENCODE_CTX_free(ctx);
	*derlen = (size_t)n + (size_t)m;
	return ok ? 0 : -1;
}

/* The value of an INTEGER's contents: positive, at most 64 bits. */
static int
uint64_of(const unsigned char *p, size_t len, unsigned long long *v)
{
	size_t i;

	if (len == 0 || (p[0] & 0x80) != 0)
		return -1;
	if (p[0] == 0 && len > 1) {
		p++;
		len--;
	}
	if (len > 8)
		return -1;
	*v = 0;
	for (i = 0; i < len; i++)
		*v = *v << 8 | p[i];
	return 0;
}

/* The pieces of a DER CRL that are read back; pointers into it. */
struct crlview {
	const unsigned char *tbs, *issuer, *revoked, *exts, *sig;
	size_t tbslen, issuerlen, revokedlen, extslen, siglen;
};

/* The element of a SEQUENCE's contents p at *off: its tag and contents;
 * *off moves past it. */
static int
element(const unsigned char *p, size_t len, size_t *off, unsigned char *tag,
    const unsigned char **c, size_t *clen)
{
	size_t l, h;

	if (*off >= len ||
	    der_read_header(p + *off, len - *off, tag, &l, &h) != 0)
		return -1;
	*c = p + *off + h;
	*clen = l;
	*off += h + l;
	return 0;
}

static int
is_time(unsigned char tag)
{
	return tag == DER_UTCTIME || tag == DER_GENTIME;
}

/* TBSCertList: version, signature, issuer, thisUpdate, nextUpdate,
 * revokedCertificates (absent when empty), [0] crlExtensions. */
static int
view_tbs(const unsigned char *p, size_t len, struct crlview *v)
{
	const unsigned char *c;
	unsigned char tag;
	size_t off = 0, start, clen;

	if (element(p, len, &off, &tag, &c, &clen) || tag != DER_INTEGER ||
	    element(p, len, &off, &tag, &c, &clen) || tag != DER_SEQUENCE)
		return -1;
	start = off;
	if (element(p, len, &off, &tag, &c, &clen) || tag != DER_SEQUENCE)
		return -1;
	v->issuer = p + start;
	v->issuerlen = off - start;
	if (element(p, len, &off, &tag, &c, &clen) || !is_time(tag))
		return -1;
	while (off < len) {
		if (element(p, len, &off, &tag, &c, &clen) != 0)
			return -1;
		if (is_time(tag) && v->revoked == NULL && v->exts == NULL)
			continue;	/* nextUpdate */
		if (tag == DER_SEQUENCE && v->revoked == NULL &&
		    v->exts == NULL) {
			v->revoked = c;
			v->revokedlen = clen;
		} else if (tag == 0xa0 && v->exts == NULL) {
			v->exts = c;
			v->extslen = clen;
		} else
			return -1;
	}
	return 0;
}

/* CertificateList: TBSCertList, signatureAlgorithm, signatureValue. */
static int
view_crl(const unsigned char *der, size_t len, struct crlview *v)
{
	const unsigned char *p, *c;
	unsigned char tag;
	size_t l, h, off = 0, clen;

	memset(v, 0, sizeof(*v));
	if (der_read_header(der, len, &tag, &l, &h) != 0 ||
	    tag != DER_SEQUENCE || h + l != len)
		return -1;
	p = der + h;
	if (element(p, l, &off, &tag, &c, &clen) || tag != DER_SEQUENCE)
		return -1;
	v->tbs = p;
	v->tbslen = off;
	if (view_tbs(c, clen, v) != 0 ||
	    element(p, l, &off, &tag, &c, &clen) || tag != DER_SEQUENCE ||
	    element(p, l, &off, &tag, &c, &clen) || tag != DER_BIT_STRING ||
	    clen < 2 || c[0] != 0 || off != l)
		return -1;
	v->sig = c + 1;
	v->siglen = clen - 1;
	return 0;
}

/*
 * The extnValue of the extension oid among a view's crlExtensions.
 * Returns 0 (found), 1 (absent) or -1 (malformed).
 */
static int
find_ext(const struct crlview *v, const unsigned char *oid, size_t oidlen,
    const unsigned char **val, size_t *vallen)
{
	const unsigned char *exts, *c, *ext;
	unsigned char tag;
	size_t len, off = 0, eoff, clen, extlen;

	if (v->exts == NULL)
		return 1;
	if (der_read_header(v->exts, v->extslen, &tag, &len, &off) != 0 ||
	    tag != DER_SEQUENCE)
		return -1;
	exts = v->exts + off;
	for (off = 0; off < len; ) {
		if (element(exts, len, &off, &tag, &ext, &extlen) != 0 ||
		    tag != DER_SEQUENCE)
			return -1;
		eoff = 0;
		if (element(ext, extlen, &eoff, &tag, &c, &clen) != 0 ||
		    tag != 0x06)
			return -1;
		if (clen != oidlen || memcmp(c, oid, oidlen) != 0)
			continue;
		if (element(ext, extlen, &eoff, &tag, &c, &clen) != 0 ||
		    (tag == 0x01 && element(ext, extlen, &eoff, &tag, &c,
		    &clen) != 0) || tag != DER_OCTET_STRING)
			return -1;
		*val = c;
		*vallen = clen;
		return 0;
	}
	return 1;
}

/* An extension whose value is an INTEGER of at most 64 bits (cRLNumber,
 * deltaCRLIndicator).  Returns 0, 1 (absent) or -1 (malformed). */
static int
ext_uint(const struct crlview *v, const unsigned char *oid, size_t oidlen,
    unsigned long long *n)
{
	const unsigned char *val, *c;
	unsigned char tag;
	size_t vallen, off = 0, clen;
	int r;

	if ((r = find_ext(v, oid, oidlen, &val, &vallen)) != 0)
		return r;
	if (element(val, vallen, &off, &tag, &c, &clen) != 0 ||
	    tag != DER_INTEGER || off != vallen)
		return -1;
	return uint64_of(c, clen, n);
}

/* The file at path as DER in a malloc'd buffer, *view filled. */
static int
read_crl(const char *path, unsigned char **buf, size_t *len,
    struct crlview *view)
{
	size_t n;
	int ret;

	*buf = NULL;
	if ((ret = fileio_read(path, FILE_MAX, buf, &n)) != 0)
		return ret;
	*len = n;
	if ((memmem(*buf, n, "-----BEGIN", 10) != NULL &&
	    pem_to_der(*buf, n, len) != 0) ||
	    view_crl(*buf, *len, view) != 0) {
		free(*buf);
		*buf = NULL;
		return err_set(ERR_DATA, "%s: not a CRL (PEM or DER)", path);
	}
	return 0;
}

int
crlstream_file_number(const char *path, unsigned long long *number)
{
	struct crlview v;
	unsigned char *buf = NULL;
	size_t len;
	int ret;

	if ((ret = read_crl(path, &buf, &len, &v)) != 0)
		return ret;
	if (ext_uint(&v, oid_crl_number, sizeof(oid_crl_number),
	    number) != 0)
		ret = err_set(ERR_DATA, "%s: not a CRL with a cRLNumber of "
		    "at most 64 bits", path);
	free(buf);
	return ret;
}

struct crlstream_base {
	unsigned char	*buf;		/* the file, as DER */
	const unsigned char *entries;	/* revokedCertificates' contents */
	size_t		 len, off;	/* of the entries; the cursor */
};

void
crlstream_base_free(struct crlstream_base *b)
{
	if (b == NULL)
		return;
	free(b->buf);
	free(b);
}

/* The signature under issuer's key, the issuer's name, no delta. */
static int
base_check(const struct crlview *v, X509 *issuer)
{
	EVP_PKEY *pub = X509_get0_pubkey(issuer);
	enum key_type type = pub != NULL ? keytype_of(pub) : KEY_NONE;
	unsigned char *name = NULL;
	unsigned long long n;
	EVP_MD_CTX *ctx = NULL;
	int len, ok = 0;

	if (type == KEY_NONE || ext_uint(v, oid_delta, sizeof(oid_delta),
	    &n) != 1)
		return -1;
	len = i2d_X509_NAME(X509_get_subject_name(issuer), &name);
	if (len <= 0 || (size_t)len != v->issuerlen ||
	    memcmp(name, v->issuer, v->issuerlen) != 0)
		goto out;
	ok = (ctx = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, keytype_digest(type), NULL,
	    pub) == 1 && EVP_DigestVerify(ctx, v->sig, v->siglen, v->tbs,
	    v->tbslen) == 1;
out:
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(name);
	ERR_clear_error();
	return ok ? 0 : -1;
}

int
crlstream_base_open(const char *path, X509 *issuer,
    struct crlstream_base **out, unsigned long long *number)
{
	struct crlstream_base *b;
	struct crlview v;
	int ret;

	*out = NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if ((ret = read_crl(path, &b->buf, &b->len, &v)) != 0)
		goto out;
	if (base_check(&v, issuer) != 0 ||
	    ext_uint(&v, oid_crl_number, sizeof(oid_crl_number),
	    number) != 0) {
		ret = err_set(ERR_DATA, "%s: not a complete CRL with a "
		    "cRLNumber that verifies under the issuer", path);
		goto out;
	}
	b->entries = v.revoked;
	b->len = v.revoked != NULL ? v.revokedlen : 0;
	*out = b;
	b = NULL;
out:
	crlstream_base_free(b);
	return ret;
}

/* The entry at the cursor: its whole TLV and its serial's magnitude. */
static int
base_entry(struct crlstream_base *b, const unsigned char **tlv,
    size_t *tlvlen, const unsigned char **mag, size_t *maglen)
{
	const unsigned char *c, *s;
	unsigned char tag;
	size_t off = b->off, clen, soff = 0, slen;

	if (element(b->entries, b->len, &off, &tag, &c, &clen) != 0 ||
	    tag != DER_SEQUENCE ||
	    element(c, clen, &soff, &tag, &s, &slen) != 0 ||
	    tag != DER_INTEGER || slen == 0)
		return err_set(ERR_DATA, "a malformed entry in the base CRL");
	if (slen > 1 && s[0] == 0) {
		s++;
		slen--;
	}
	*tlv = b->entries + b->off;
	*tlvlen = off - b->off;
	*mag = s;
	*maglen = slen;
	return 0;
}

int
crlstream_base_lists(struct crlstream_base *b, const struct crl_entry *e,
    int *on)
{
	unsigned char serial[SERIAL_MAX], der[ENTRY_MAX];
	const unsigned char *tlv = NULL, *mag = NULL;
	size_t n = 0, len = 0, tlvlen = 0, maglen = 0;
	int ret, c;

	*on = 0;
	if ((ret = serial_bytes(e->serial_hex, serial, &n)) != 0 ||
	    (ret = encode_entry(e, serial, n, der, &len)) != 0)
		return ret;
	while (b->off < b->len) {
		if ((ret = base_entry(b, &tlv, &tlvlen, &mag, &maglen)) != 0)
			return ret;
		if ((c = serial_cmp(mag, maglen, serial, n)) > 0)
			return 0;	/* not on the base */
		b->off += tlvlen;
		if (c == 0) {
			*on = tlvlen == len && memcmp(tlv, der, len) == 0;
			return 0;
		}
	}
	return 0;
}
