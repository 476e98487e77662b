/*
 * ocsp.c: OCSP responses signed by a delegated signer, and requests.
 *
 * Trusts OpenSSL's OCSP encoder and the CA certificate it is handed.
 * Requests are untrusted: they are parsed with OpenSSL's DER decoder,
 * must hold exactly one request and nothing after it, and only their
 * CertID is read (a nonce or extensions are ignored).  Invariants: every
 * response is a SHA-256 ECDSA (or the signer key's) signature by the
 * delegated signer checked at ocsp_signer_new(), names the responder by
 * key hash and embeds the signer certificate; the CertID of a
 * pre-signed response is SHA-1 of this CA's name and key.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "ocsp.h"
#include "x509.h"

#define SERIAL_BYTES_MAX	20
#define SIGNER_BACKDATE		300

struct ocsp_signer {
	X509		*ca;
	X509		*cert;
	EVP_PKEY	*key;
};

struct ocsp_req {
	OCSP_REQUEST	*req;
	OCSP_CERTID	*id;		/* owned by req */
};

/* ---- the delegated signer's certificate ---- */

static int
signer_subject(X509 *ca, X509 *cert)
{
	X509_NAME *name;
	char cn[256], label[300];
	int i, ret = ERR_INTERNAL;

	if ((name = X509_NAME_dup(X509_get_subject_name(ca))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	cn[0] = '\0';
	if (X509_NAME_get_text_by_NID(name, NID_commonName, cn,
	    sizeof(cn)) < 0)
		cn[0] = '\0';
	while ((i = X509_NAME_get_index_by_NID(name, NID_commonName,
	    -1)) >= 0)
		X509_NAME_ENTRY_free(X509_NAME_delete_entry(name, i));
	snprintf(label, sizeof(label), "%s%sOCSP Signer", cn,
	    cn[0] != '\0' ? " " : "");
	if (X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
	    (unsigned char *)label, -1, -1, 0) != 1 ||
	    X509_set_subject_name(cert, name) != 1 ||
	    X509_set_issuer_name(cert, X509_get_subject_name(ca)) != 1)
		goto out;
	ret = 0;
out:
	X509_NAME_free(name);
	ERR_clear_error();
	return ret == 0 ? 0 : err_set(ret, "cannot set the signer's names");
}

static int
signer_validity(X509 *ca, X509 *cert, long long lifetime, time_t now)
{
	time_t nb = now - SIGNER_BACKDATE, na = now + (time_t)lifetime;

	if (ASN1_TIME_cmp_time_t(X509_get0_notAfter(ca), na) < 0) {
		if (X509_set1_notAfter(cert, X509_get0_notAfter(ca)) != 1)
			return err_set(ERR_INTERNAL, "cannot set notAfter");
	} else if (X509_time_adj_ex(X509_getm_notAfter(cert), 0, 0,
	    &na) == NULL)
		return err_set(ERR_INTERNAL, "cannot set notAfter");
	if (X509_time_adj_ex(X509_getm_notBefore(cert), 0, 0, &nb) == NULL)
		return err_set(ERR_INTERNAL, "cannot set notBefore");
	return 0;
}

int
ocsp_signer_build(X509 *ca, EVP_PKEY *pub, long long lifetime, time_t now,
    X509 **out)
{
	X509 *cert = NULL;
	int ret;

	*out = NULL;
	if (lifetime <= 0 || lifetime > 366LL * 86400)
		return err_set(ERR_USAGE, "signer lifetime must be between 1 "
		    "second and 366 days");
	if ((cert = X509_new()) == NULL || X509_set_version(cert, 2) != 1 ||
	    X509_set_pubkey(cert, pub) != 1) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	if ((ret = signer_subject(ca, cert)) != 0 ||
	    (ret = signer_validity(ca, cert, lifetime, now)) != 0 ||
	    (ret = x509_random_serial(cert)) != 0 ||
	    (ret = x509_add_ext(cert, ca, NID_basic_constraints,
	    "critical,CA:FALSE")) != 0 ||
	    (ret = x509_add_ext(cert, ca, NID_key_usage,
	    "critical,digitalSignature")) != 0 ||
	    (ret = x509_add_ext(cert, ca, NID_ext_key_usage,
	    "OCSPSigning")) != 0 ||
	    (ret = x509_add_ext(cert, ca, NID_id_pkix_OCSP_noCheck,
	    "ignored")) != 0 ||
	    (ret = x509_add_ext(cert, ca, NID_subject_key_identifier,
	    "hash")) != 0 ||
	    (ret = x509_add_ext(cert, ca, NID_authority_key_identifier,
	    "keyid:always")) != 0)
		goto out;
	*out = cert;
	cert = NULL;
out:
	X509_free(cert);
	return ret;
}

/* ---- the signer ---- */

int
ocsp_signer_new(X509 *ca, X509 *cert, EVP_PKEY *key,
    struct ocsp_signer **out)
{
	struct ocsp_signer *s;
	EVP_PKEY *capub = X509_get0_pubkey(ca);
	int ret;

	*out = NULL;
	if (capub == NULL || X509_verify(cert, capub) != 1 ||
	    X509_check_issued(ca, cert) != X509_V_OK)
		ret = err_set(ERR_NO, "the OCSP signer certificate was not "
		    "issued by this CA");
	else if ((X509_get_extension_flags(cert) & EXFLAG_XKUSAGE) == 0 ||
	    (X509_get_extended_key_usage(cert) & XKU_OCSP_SIGN) == 0)
		ret = err_set(ERR_NO, "the OCSP signer certificate lacks the "
		    "OCSPSigning extended key usage");
	else if (X509_check_private_key(cert, key) != 1)
		ret = err_set(ERR_NO, "the OCSP signer key does not match "
		    "its certificate");
	else
		ret = 0;
	ERR_clear_error();
	if (ret != 0)
		return ret;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	X509_up_ref(ca);
	X509_up_ref(cert);
	EVP_PKEY_up_ref(key);
	s->ca = ca;
	s->cert = cert;
	s->key = key;
	*out = s;
	return 0;
}

void
ocsp_signer_free(struct ocsp_signer *s)
{
	if (s == NULL)
		return;
	X509_free(s->ca);
	X509_free(s->cert);
	EVP_PKEY_free(s->key);
	free(s);
}

time_t
ocsp_signer_not_after(const struct ocsp_signer *s)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(X509_get0_notAfter(s->cert), &tm) != 1)
		return 0;
	return timegm(&tm);
}

/* ---- responses ---- */

static ASN1_INTEGER *
serial_parse(const char *hex)
{
	ASN1_INTEGER *ai = NULL;
	BIGNUM *bn = NULL;
	size_t n = strlen(hex);

	if (n < 1 || n > 2 * SERIAL_BYTES_MAX ||
	    strspn(hex, "0123456789ABCDEF") != n)
		return NULL;
	if (BN_hex2bn(&bn, hex) == (int)n)
		ai = BN_to_ASN1_INTEGER(bn, NULL);
	BN_free(bn);
	return ai;
}

/* Sign bs and wrap it in a successful OCSPResponse. */
static int
finish(const struct ocsp_signer *s, OCSP_BASICRESP *bs, unsigned char **der,
    size_t *len)
{
	OCSP_RESPONSE *resp = NULL;
	unsigned char *buf = NULL;
	int n, ret = 0;

	if (OCSP_basic_sign(bs, s->cert, s->key, EVP_sha256(), NULL,
	    OCSP_RESPID_KEY) != 1) {
		ret = err_set(ERR_UNAVAILABLE, "the OCSP signer key failed "
		    "to sign");
		goto out;
	}
	if ((resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL,
	    bs)) == NULL || (n = i2d_OCSP_RESPONSE(resp, &buf)) <= 0) {
		ret = err_set(ERR_INTERNAL, "cannot encode an OCSP response");
		goto out;
	}
	*der = buf;
	*len = (size_t)n;
out:
	OCSP_RESPONSE_free(resp);
	ERR_clear_error();
	return ret;
}

static int
add_status(OCSP_BASICRESP *bs, OCSP_CERTID *id, const struct ocsp_entry *e,
    time_t this_update, time_t next_update)
{
	ASN1_GENERALIZEDTIME *tu, *nu, *rt = NULL;
	int ok = 0, reason = -1, st;

	tu = ASN1_GENERALIZEDTIME_set(NULL, this_update);
	nu = ASN1_GENERALIZEDTIME_set(NULL, next_update);
	st = e->status == OCSP_GOOD ? V_OCSP_CERTSTATUS_GOOD :
	    e->status == OCSP_REVOKED ? V_OCSP_CERTSTATUS_REVOKED :
	    V_OCSP_CERTSTATUS_UNKNOWN;
	if (e->status == OCSP_REVOKED) {
		rt = ASN1_GENERALIZEDTIME_set(NULL, (time_t)e->revoked_at);
		/* unspecified (0) is left out, as in a CRL entry */
		reason = e->reason > 0 ? e->reason : -1;
	}
	if (tu != NULL && nu != NULL && (e->status != OCSP_REVOKED ||
	    rt != NULL) && OCSP_basic_add1_status(bs, id, st, reason, rt,
	    tu, nu) != NULL)
		ok = 1;
	ASN1_GENERALIZEDTIME_free(tu);
	ASN1_GENERALIZEDTIME_free(nu);
	ASN1_GENERALIZEDTIME_free(rt);
	return ok ? 0 : err_set(ERR_INTERNAL, "cannot build an OCSP "
	    "SingleResponse");
}

static int
sign_one(const struct ocsp_signer *s, OCSP_CERTID *id,
    const struct ocsp_entry *e, time_t this_update, time_t next_update,
    unsigned char **der, size_t *len)
{
	OCSP_BASICRESP *bs = NULL;
	int ret;

	if (next_update <= this_update)
		return err_set(ERR_DATA, "OCSP nextUpdate is not after "
		    "thisUpdate");
	if ((bs = OCSP_BASICRESP_new()) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if ((ret = add_status(bs, id, e, this_update, next_update)) == 0)
		ret = finish(s, bs, der, len);
	OCSP_BASICRESP_free(bs);
	return ret;
}

int
ocsp_sign(const struct ocsp_signer *s, const struct ocsp_entry *e,
    time_t this_update, time_t next_update, unsigned char **der,
    size_t *len)
{
	ASN1_INTEGER *serial;
	OCSP_CERTID *id = NULL;
	int ret;

	*der = NULL;
	*len = 0;
	if ((serial = serial_parse(e->serial)) == NULL)
		return err_set(ERR_DATA, "serial \"%.48s\" is not uppercase "
		    "hex of 1 to 20 bytes", e->serial);
	if ((id = OCSP_cert_id_new(EVP_sha1(), X509_get_subject_name(s->ca),
	    X509_get0_pubkey_bitstr(s->ca), serial)) == NULL)
		ret = err_set(ERR_INTERNAL, "cannot build an OCSP CertID");
	else
		ret = sign_one(s, id, e, this_update, next_update, der, len);
	OCSP_CERTID_free(id);
	ASN1_INTEGER_free(serial);
	ERR_clear_error();
	return ret;
}

int
ocsp_sign_unknown(const struct ocsp_signer *s, const struct ocsp_req *r,
    time_t this_update, time_t next_update, unsigned char **der,
    size_t *len)
{
	struct ocsp_entry e = { "", OCSP_UNKNOWN, 0, -1 };

	*der = NULL;
	*len = 0;
	return sign_one(s, r->id, &e, this_update, next_update, der, len);
}

int
ocsp_error_response(int status, unsigned char **der, size_t *len)
{
	OCSP_RESPONSE *resp;
	unsigned char *buf = NULL;
	int n;

	*der = NULL;
	*len = 0;
	if ((resp = OCSP_response_create(status, NULL)) == NULL ||
	    (n = i2d_OCSP_RESPONSE(resp, &buf)) <= 0) {
		OCSP_RESPONSE_free(resp);
		ERR_clear_error();
		return err_set(ERR_INTERNAL, "cannot encode an OCSP error "
		    "response");
	}
	OCSP_RESPONSE_free(resp);
	*der = buf;
	*len = (size_t)n;
	return 0;
}

/* ---- requests ---- */

int
ocsp_request_parse(const unsigned char *der, size_t len, const char *source,
    struct ocsp_req **out)
{
	struct ocsp_req *r;
	OCSP_REQUEST *req;
	const unsigned char *p = der;

	*out = NULL;
	if (len == 0 || len > OCSP_REQUEST_MAX ||
	    (req = d2i_OCSP_REQUEST(NULL, &p, (long)len)) == NULL) {
		ERR_clear_error();
		return err_set(ERR_DATA, "%s: not a DER OCSP request", source);
	}
	if (p != der + len || OCSP_request_onereq_count(req) != 1) {
		OCSP_REQUEST_free(req);
		return err_set(ERR_DATA, "%s: %s", source, p != der + len ?
		    "trailing bytes after the OCSP request" :
		    "an OCSP request must ask about exactly one certificate");
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		OCSP_REQUEST_free(req);
		return err_set(ERR_INTERNAL, "out of memory");
	}
	r->req = req;
	r->id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, 0));
	*out = r;
	return 0;
}

void
ocsp_request_free(struct ocsp_req *r)
{
	if (r == NULL)
		return;
	OCSP_REQUEST_free(r->req);
	free(r);
}

static void
serial_text(ASN1_INTEGER *ai, char out[41])
{
	const unsigned char *d = ASN1_STRING_get0_data(ai);
	int i, n = ASN1_STRING_length(ai);

	out[0] = '\0';
	while (n > 1 && d[0] == 0) {	/* a non-minimal encoding */
		d++;
		n--;
	}
	if (ASN1_STRING_type(ai) != V_ASN1_INTEGER || n < 1 ||
	    n > SERIAL_BYTES_MAX || (n == 1 && d[0] == 0))
		return;
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02X", d[i]);
}

int
ocsp_request_match(const struct ocsp_req *r, X509 *ca, int *ours,
    char serial[41])
{
	ASN1_OBJECT *md_oid = NULL;
	ASN1_INTEGER *sn = NULL;
	const EVP_MD *md;
	OCSP_CERTID *mine;

	*ours = 0;
	serial[0] = '\0';
	if (OCSP_id_get0_info(NULL, &md_oid, NULL, &sn, r->id) != 1)
		return 0;
	serial_text(sn, serial);
	if ((md = EVP_get_digestbyobj(md_oid)) == NULL) {
		ERR_clear_error();
		return 0;
	}
	if ((mine = OCSP_cert_id_new(md, X509_get_subject_name(ca),
	    X509_get0_pubkey_bitstr(ca), sn)) == NULL) {
		ERR_clear_error();
		return err_set(ERR_INTERNAL, "cannot build an OCSP CertID");
	}
	*ours = OCSP_id_issuer_cmp(mine, r->id) == 0;
	OCSP_CERTID_free(mine);
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* %XX-decode src into dst (as long as src); 0 or -1 for a bad escape. */
static int
url_decode(const char *src, char *dst)
{
	int hi, lo;

	while (*src != '\0') {
		if (*src != '%') {
			*dst++ = *src++;
			continue;
		}
		if ((hi = hexval(src[1])) < 0 || (lo = hexval(src[2])) < 0)
			return -1;
		*dst++ = (char)(hi << 4 | lo);
		src += 3;
	}
	*dst = '\0';
	return 0;
}

int
ocsp_get_decode(const char *path, unsigned char **der, size_t *len)
{
	EVP_ENCODE_CTX *ctx = NULL;
	char *text = NULL;
	unsigned char *buf = NULL;
	int n = 0, m = 0, ret = ERR_DATA;
	size_t tl;

	*der = NULL;
	*len = 0;
	while (*path == '/')
		path++;
	if ((tl = strlen(path)) == 0 || tl > 2 * OCSP_REQUEST_MAX)
		return err_set(ERR_DATA, "the GET path is empty or too long");
	if ((text = malloc(tl + 1)) == NULL || (buf = malloc(tl)) == NULL ||
	    (ctx = EVP_ENCODE_CTX_new()) == NULL) {
		ret = ERR_INTERNAL;
		goto out;
	}
	if (url_decode(path, text) != 0)
		goto out;
	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, buf, &n, (unsigned char *)text,
	    (int)strlen(text)) < 0 || EVP_DecodeFinal(ctx, buf + n, &m) != 1 ||
	    n + m == 0)
		goto out;
	*der = buf;
	*len = (size_t)(n + m);
	buf = NULL;
	ret = 0;
out:
	EVP_ENCODE_CTX_free(ctx);
	free(text);
	free(buf);
	ERR_clear_error();
	if (ret == ERR_DATA)
		return err_set(ret, "the GET path is not URL-encoded base64");
	return ret == 0 ? 0 : err_set(ret, "out of memory");
}
