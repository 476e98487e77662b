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
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "ocsp.h"
#include "x509.h"

#define SERIAL_BYTES_MAX	20
#define SIGNER_BACKDATE		300

#define CTX_POOL	16
#define CERTS_MAX	16384	/* larger signer certificates: OpenSSL path */

/*
 * The constant parts of every pre-signed response, encoded once (see
 * "direct encoding" below), and signing contexts reused across calls.
 */
struct ocsp_signer {
	X509		*ca;
	X509		*cert;
	EVP_PKEY	*key;
	int		 direct;	/* 0: sign through OCSP_basic_sign() */
	unsigned char	 rid[24];	/* ResponderID byKey */
	unsigned char	 cid[55];	/* CertID up to the serial */
	const unsigned char *alg;	/* signatureAlgorithm */
	size_t		 alglen;
	unsigned char	*certs;		/* [0] { SEQUENCE { cert } } */
	size_t		 certslen;
	size_t		 siglen;	/* EVP_PKEY_get_size() */
	struct ctx_pool	*pool;		/* changes under a const signer */
};

struct ctx_pool {
	pthread_mutex_t	 lock;
	EVP_PKEY_CTX	*ctx[CTX_POOL];
	int		 n;
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

/* ---- direct encoding ----
 *
 * OCSP_basic_sign() and i2d_OCSP_RESPONSE() rebuild and re-encode the
 * responder ID, the signer certificate and a signing context for every
 * response.  A pre-signed response differs from the next only in the
 * serial, the status and the times, so the rest is encoded once here
 * and each response is written as DER directly (RFC 6960 4.2.1, the
 * same choices as OpenSSL: SHA-1 CertID with NULL parameters, v1
 * omitted, byKey responder ID, no extensions), the tbsResponseData
 * hashed with SHA-256 and signed with a reused EVP_PKEY_CTX.  Used for
 * EC and RSA (PKCS#1 v1.5) signer keys; other keys take OpenSSL's path.
 * test_ocsp.c checks the result against OpenSSL's encoding.
 */

static const unsigned char alg_ecdsa_sha256[] = {
	0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02
};
static const unsigned char alg_rsa_sha256[] = {
	0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
	0x0b, 0x05, 0x00
};
/* CertID's hashAlgorithm: SHA-1 with NULL parameters */
static const unsigned char alg_sha1[] = {
	0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00
};
/* id-pkix-ocsp-basic */
static const unsigned char oid_basic[] = {
	0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01
};

/* Write tag and the DER length of n (< 65536) at p; return its size. */
static size_t
der_hdr(unsigned char *p, int tag, size_t n)
{
	p[0] = (unsigned char)tag;
	if (n < 0x80) {
		p[1] = (unsigned char)n;
		return 2;
	}
	if (n < 0x100) {
		p[1] = 0x81;
		p[2] = (unsigned char)n;
		return 3;
	}
	p[1] = 0x82;
	p[2] = (unsigned char)(n >> 8);
	p[3] = (unsigned char)n;
	return 4;
}

/* Append tag, length and n bytes of content (which may already sit at
 * p's end: it is moved) at p; return the size written. */
static size_t
der_wrap(unsigned char *p, int tag, size_t n)
{
	unsigned char hdr[4];
	size_t h = der_hdr(hdr, tag, n);

	memmove(p + h, p, n);
	memcpy(p, hdr, h);
	return h + n;
}

static size_t
der_put(unsigned char *p, const void *src, size_t n)
{
	memcpy(p, src, n);
	return n;
}

/* A GeneralizedTime "YYYYMMDDHHMMSSZ" at p (17 bytes) or 0. */
static size_t
der_time(unsigned char *p, time_t t)
{
	struct tm tm;
	char buf[16];

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999 ||
	    tm.tm_year + 1900 < 1 || strftime(buf, sizeof(buf),
	    "%Y%m%d%H%M%SZ", &tm) != 15)
		return 0;
	p[0] = 0x18;
	p[1] = 15;
	memcpy(p + 2, buf, 15);
	return 17;
}

/* The serial (uppercase hex, 1-20 bytes) as a DER INTEGER, or 0. */
static size_t
der_serial(unsigned char *p, const char *hex)
{
	unsigned char v[SERIAL_BYTES_MAX + 1];
	size_t n = strlen(hex), i, k, len;
	const char *digits = "0123456789ABCDEF";

	if (n < 1 || n > 2 * SERIAL_BYTES_MAX ||
	    strspn(hex, digits) != n)
		return 0;
	memset(v, 0, sizeof(v));
	/* right-aligned big-endian bytes in v[1..20] */
	for (i = 0; i < n; i++) {
		k = sizeof(v) - 1 - (n - 1 - i) / 2;
		v[k] |= (unsigned char)((strchr(digits, hex[i]) - digits) <<
		    ((n - 1 - i) % 2 ? 4 : 0));
	}
	for (i = 1; i < sizeof(v) - 1 && v[i] == 0; i++)
		;
	if (v[i] & 0x80)	/* keep it positive */
		i--;
	len = sizeof(v) - i;
	p[0] = 0x02;
	p[1] = (unsigned char)len;
	memcpy(p + 2, v + i, len);
	return 2 + len;
}

static int
direct_setup(struct ocsp_signer *s)
{
	unsigned char nh[SHA_DIGEST_LENGTH], kh[SHA_DIGEST_LENGTH];
	unsigned char rk[SHA_DIGEST_LENGTH], *p;
	unsigned int n1 = 0, n2 = 0, n3 = 0;
	int type = EVP_PKEY_get_base_id(s->key), len, size;

	if (type == EVP_PKEY_EC) {
		s->alg = alg_ecdsa_sha256;
		s->alglen = sizeof(alg_ecdsa_sha256);
	} else if (type == EVP_PKEY_RSA) {
		s->alg = alg_rsa_sha256;
		s->alglen = sizeof(alg_rsa_sha256);
	} else
		return 0;
	if ((len = i2d_X509(s->cert, NULL)) <= 0 || len > CERTS_MAX ||
	    (size = EVP_PKEY_get_size(s->key)) <= 0 || size > 1024)
		return 0;
	if (X509_NAME_digest(X509_get_subject_name(s->ca), EVP_sha1(), nh,
	    &n1) != 1 || X509_pubkey_digest(s->ca, EVP_sha1(), kh,
	    &n2) != 1 || X509_pubkey_digest(s->cert, EVP_sha1(), rk,
	    &n3) != 1 || n1 != sizeof(nh) || n2 != sizeof(kh) ||
	    n3 != sizeof(rk)) {
		ERR_clear_error();
		return err_set(ERR_INTERNAL, "cannot hash the OCSP names");
	}
	/* byKey [2] EXPLICIT KeyHash (OCTET STRING) */
	s->rid[0] = 0xa2;
	s->rid[1] = 22;
	s->rid[2] = 0x04;
	s->rid[3] = 20;
	memcpy(s->rid + 4, rk, 20);
	/* CertID contents before serialNumber */
	p = s->cid;
	p += der_put(p, alg_sha1, sizeof(alg_sha1));
	p += der_hdr(p, 0x04, 20);
	p += der_put(p, nh, 20);
	p += der_hdr(p, 0x04, 20);
	p += der_put(p, kh, 20);
	if ((s->certs = malloc((size_t)len + 8)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	p = s->certs;
	if (i2d_X509(s->cert, &p) != len)
		return err_set(ERR_INTERNAL, "cannot encode the signer");
	s->certslen = der_wrap(s->certs, 0x30, (size_t)len);
	s->certslen = der_wrap(s->certs, 0xa0, s->certslen);
	s->siglen = (size_t)size;
	s->direct = 1;
	return 0;
}

/* A signing context of s's key: one from the pool or a new one. */
static EVP_PKEY_CTX *
ctx_take(const struct ocsp_signer *s)
{
	struct ctx_pool *pl = s->pool;
	EVP_PKEY_CTX *ctx = NULL;

	pthread_mutex_lock(&pl->lock);
	if (pl->n > 0)
		ctx = pl->ctx[--pl->n];
	pthread_mutex_unlock(&pl->lock);
	if (ctx != NULL)
		return ctx;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, s->key, NULL)) == NULL ||
	    EVP_PKEY_sign_init(ctx) != 1 ||
	    (EVP_PKEY_get_base_id(s->key) == EVP_PKEY_RSA &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1) ||
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) != 1) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static void
ctx_give(const struct ocsp_signer *s, EVP_PKEY_CTX *ctx)
{
	struct ctx_pool *pl = s->pool;

	pthread_mutex_lock(&pl->lock);
	if (pl->n < CTX_POOL) {
		pl->ctx[pl->n++] = ctx;
		ctx = NULL;
	}
	pthread_mutex_unlock(&pl->lock);
	EVP_PKEY_CTX_free(ctx);
}

/* The SingleResponse for e at p (room for 256 bytes); 0 on bad input. */
static size_t
single_der(const struct ocsp_signer *s, const struct ocsp_entry *e,
    time_t this_update, time_t next_update, unsigned char *p)
{
	size_t n, m, k, t;

	n = der_put(p, s->cid, sizeof(s->cid));
	if ((k = der_serial(p + n, e->serial)) == 0)
		return 0;
	n = der_wrap(p, 0x30, n + k);			/* certID */
	if (e->status == OCSP_GOOD)
		n += der_hdr(p + n, 0x80, 0);		/* good [0] NULL */
	else if (e->status == OCSP_REVOKED) {
		if ((m = der_time(p + n, (time_t)e->revoked_at)) == 0)
			return 0;
		if (e->reason > 0 && e->reason < 128) {	/* [0] CRLReason */
			p[n + m] = 0xa0;
			p[n + m + 1] = 3;
			p[n + m + 2] = 0x0a;
			p[n + m + 3] = 1;
			p[n + m + 4] = (unsigned char)e->reason;
			m += 5;
		}
		n += der_wrap(p + n, 0xa1, m);		/* revoked [1] */
	} else
		n += der_hdr(p + n, 0x82, 0);		/* unknown [2] */
	if ((t = der_time(p + n, this_update)) == 0)
		return 0;
	n += t;
	if ((t = der_time(p + n, next_update)) == 0)
		return 0;
	n += der_wrap(p + n, 0xa0, t);			/* nextUpdate [0] */
	return der_wrap(p, 0x30, n);
}

/* tbsResponseData at p (room for 512 bytes); 0 on bad input. */
static size_t
tbs_der(const struct ocsp_signer *s, const struct ocsp_entry *e,
    time_t this_update, time_t next_update, unsigned char *p)
{
	size_t n, k;

	n = der_put(p, s->rid, sizeof(s->rid));
	n += der_time(p + n, this_update);		/* producedAt */
	if ((k = single_der(s, e, this_update, next_update, p + n)) == 0)
		return 0;
	n += der_wrap(p + n, 0x30, k);			/* responses */
	return der_wrap(p, 0x30, n);
}

static int
direct_sign(const struct ocsp_signer *s, const struct ocsp_entry *e,
    time_t this_update, time_t next_update, unsigned char **der,
    size_t *len)
{
	unsigned char md[SHA256_DIGEST_LENGTH], *buf, *p;
	EVP_PKEY_CTX *ctx;
	size_t n, siglen, cap;
	int ok;

	cap = 512 + s->alglen + s->siglen + 8 + s->certslen + 64;
	if ((buf = malloc(cap)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	/* the BasicOCSPResponse starts 24 bytes in, room for the wrapping */
	p = buf + 24;
	if ((n = tbs_der(s, e, this_update, next_update, p)) == 0) {
		free(buf);
		return err_set(ERR_DATA, "serial \"%.48s\" or a time cannot "
		    "be encoded", e->serial);
	}
	SHA256(p, n, md);
	n += der_put(p + n, s->alg, s->alglen);
	siglen = s->siglen;
	if ((ctx = ctx_take(s)) == NULL) {
		ok = 0;
	} else {
		ok = EVP_PKEY_sign(ctx, p + n + 5, &siglen, md,
		    sizeof(md)) == 1;
		ctx_give(s, ctx);
	}
	ERR_clear_error();
	if (!ok) {
		free(buf);
		return err_set(ERR_UNAVAILABLE, "the OCSP signer key failed "
		    "to sign");
	}
	/* BIT STRING: the header is written for up to 5 bytes and the
	 * signature moved right behind it */
	p[n + 4] = 0;			/* no unused bits */
	memmove(p + n, p + n + 4, siglen + 1);
	n += der_wrap(p + n, 0x03, siglen + 1);
	n += der_put(p + n, s->certs, s->certslen);
	n = der_wrap(p, 0x30, n);			/* BasicOCSPResponse */
	n = der_wrap(p, 0x04, n);			/* response OCTET STRING */
	memmove(p + sizeof(oid_basic), p, n);
	memcpy(p, oid_basic, sizeof(oid_basic));
	n = der_wrap(p, 0x30, n + sizeof(oid_basic));	/* ResponseBytes */
	n = der_wrap(p, 0xa0, n);			/* [0] EXPLICIT */
	memmove(p + 3, p, n);
	p[0] = 0x0a;					/* responseStatus */
	p[1] = 1;
	p[2] = 0;					/* successful */
	n = der_wrap(p, 0x30, n + 3);
	memmove(buf, p, n);
	*der = buf;
	*len = n;
	return 0;
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
	if ((s->pool = calloc(1, sizeof(*s->pool))) == NULL ||
	    pthread_mutex_init(&s->pool->lock, NULL) != 0) {
		free(s->pool);
		free(s);
		return err_set(ERR_INTERNAL, "out of memory");
	}
	X509_up_ref(ca);
	X509_up_ref(cert);
	EVP_PKEY_up_ref(key);
	s->ca = ca;
	s->cert = cert;
	s->key = key;
	if ((ret = direct_setup(s)) != 0) {
		ocsp_signer_free(s);
		return ret;
	}
	*out = s;
	return 0;
}

void
ocsp_signer_free(struct ocsp_signer *s)
{
	if (s == NULL)
		return;
	while (s->pool->n > 0)
		EVP_PKEY_CTX_free(s->pool->ctx[--s->pool->n]);
	pthread_mutex_destroy(&s->pool->lock);
	free(s->pool);
	free(s->certs);
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
	if (next_update <= this_update)
		return err_set(ERR_DATA, "OCSP nextUpdate is not after "
		    "thisUpdate");
	if (s->direct)
		return direct_sign(s, e, this_update,
		    next_update, der, len);
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
