/*
 * crl.c: building, signing and reading X.509 v2 CRLs.
 *
 * Trusts OpenSSL's encoders.  The caller's entries are checked, not
 * trusted: serials must be positive hex of at most 20 octets and appear
 * once, reason codes must exist, and no revocation may postdate the
 * CRL's thisUpdate.  A CRL is built complete and unsigned, so that the
 * exact TBS can be linted before a CA key signs it; signing does not
 * change anything but the signature.  Nothing here is secret.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "crl.h"
#include "err.h"
#include "fileio.h"

/* Largest CRL file crl_load() reads: a big online CA's full CRL. */
#define CRL_FILE_MAX	((size_t)256 << 20)

static const struct {
	const char	*name;
	int		 code;
} reasons[] = {
	{ "unspecified", CRL_REASON_UNSPECIFIED },
	{ "keyCompromise", CRL_REASON_KEY_COMPROMISE },
	{ "cACompromise", CRL_REASON_CA_COMPROMISE },
	{ "affiliationChanged", CRL_REASON_AFFILIATION_CHANGED },
	{ "superseded", CRL_REASON_SUPERSEDED },
	{ "cessationOfOperation", CRL_REASON_CESSATION_OF_OPERATION },
	{ "certificateHold", CRL_REASON_CERTIFICATE_HOLD },
	{ "removeFromCRL", CRL_REASON_REMOVE_FROM_CRL },
	{ "privilegeWithdrawn", CRL_REASON_PRIVILEGE_WITHDRAWN },
	{ "aACompromise", CRL_REASON_AA_COMPROMISE },
};
#define NREASONS	(sizeof(reasons) / sizeof(reasons[0]))

int
crl_reason_parse(const char *name, int *reason)
{
	size_t i;

	for (i = 0; i < NREASONS; i++)
		if (strcasecmp(name, reasons[i].name) == 0) {
			*reason = reasons[i].code;
			return 0;
		}
	return err_set(ERR_USAGE, "unknown revocation reason \"%.64s\" "
	    "(valid: unspecified, keyCompromise, cACompromise, "
	    "affiliationChanged, superseded, cessationOfOperation, "
	    "certificateHold, removeFromCRL, privilegeWithdrawn, "
	    "aACompromise)", name);
}

const char *
crl_reason_name(int reason)
{
	size_t i;

	if (reason == CRL_REASON_NONE)
		return "none";
	for (i = 0; i < NREASONS; i++)
		if (reasons[i].code == reason)
			return reasons[i].name;
	return NULL;
}

/* A positive serial of 1 to 20 octets written in hex digits only. */
static int
serial_parse(const char *hex, ASN1_INTEGER **out)
{
	size_t n = strlen(hex), i;
	BIGNUM *bn = NULL;
	int ret = 0;

	*out = NULL;
	for (i = 0; i < n; i++)
		if (strchr("0123456789abcdefABCDEF", hex[i]) == NULL)
			break;
	/* Leading zeros are allowed, within reason. */
	if (n == 0 || i != n || n > 2 * CRL_SERIAL_HEX_MAX)
		return err_set(ERR_USAGE, "serial \"%.48s\" is not 1 to %d "
		    "hex digits", hex, CRL_SERIAL_HEX_MAX);
	if (BN_hex2bn(&bn, hex) == 0)
		return err_set(ERR_INTERNAL, "out of memory");
	if (BN_is_zero(bn) || BN_num_bytes(bn) > CRL_SERIAL_HEX_MAX / 2)
		ret = err_set(ERR_USAGE, "serial %.48s is not a positive "
		    "number of at most 20 octets", hex);
	else if ((*out = BN_to_ASN1_INTEGER(bn, NULL)) == NULL)
		ret = err_set(ERR_INTERNAL, "out of memory");
	BN_free(bn);
	return ret;
}

static int
set_time(X509_CRL *crl, time_t t, int next)
{
	ASN1_TIME *at = ASN1_TIME_set(NULL, t);
	int ok;

	if (at == NULL)
		return err_set(ERR_USAGE, "CRL time out of range");
	ok = next ? X509_CRL_set1_nextUpdate(crl, at) :
	    X509_CRL_set1_lastUpdate(crl, at);
	ASN1_TIME_free(at);
	return ok == 1 ? 0 : err_set(ERR_INTERNAL, "cannot set CRL time");
}

static int
add_aki(X509_CRL *crl, X509 *issuer)
{
	const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(issuer);
	AUTHORITY_KEYID *akid = NULL;
	int ret = 0;

	if (skid == NULL)
		return err_set(ERR_DATA, "the issuer certificate has no "
		    "subjectKeyIdentifier to name in the CRL");
	if ((akid = AUTHORITY_KEYID_new()) == NULL ||
	    (akid->keyid = ASN1_OCTET_STRING_dup(skid)) == NULL ||
	    X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, akid,
	    0, X509V3_ADD_DEFAULT) != 1)
		ret = err_set(ERR_INTERNAL, "cannot add the CRL's "
		    "authorityKeyIdentifier");
	AUTHORITY_KEYID_free(akid);
	return ret;
}

static int
add_number(X509_CRL *crl, unsigned long long number)
{
	ASN1_INTEGER *num = ASN1_INTEGER_new();
	int ret = 0;

	if (num == NULL || ASN1_INTEGER_set_uint64(num, number) != 1 ||
	    X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0,
	    X509V3_ADD_DEFAULT) != 1)
		ret = err_set(ERR_INTERNAL, "cannot add the cRLNumber");
	ASN1_INTEGER_free(num);
	return ret;
}

/* A DistributionPointName whose fullName is one URI. */
static int
dpn_uri(const char *uri, DIST_POINT_NAME **out)
{
	DIST_POINT_NAME *dpn = NULL;
	GENERAL_NAME *gn = NULL;
	ASN1_IA5STRING *ia5 = NULL;

	*out = NULL;
	if ((dpn = DIST_POINT_NAME_new()) == NULL ||
	    (dpn->name.fullname = GENERAL_NAMES_new()) == NULL ||
	    (gn = GENERAL_NAME_new()) == NULL ||
	    (ia5 = ASN1_IA5STRING_new()) == NULL ||
	    ASN1_STRING_set(ia5, uri, -1) != 1)
		goto fail;
	dpn->type = 0;
	GENERAL_NAME_set0_value(gn, GEN_URI, ia5);
	ia5 = NULL;
	if (sk_GENERAL_NAME_push(dpn->name.fullname, gn) == 0)
		goto fail;
	*out = dpn;
	return 0;
fail:
	GENERAL_NAME_free(gn);
	ASN1_IA5STRING_free(ia5);
	DIST_POINT_NAME_free(dpn);
	return err_set(ERR_INTERNAL, "out of memory");
}

static int
add_idp(X509_CRL *crl, const struct crl_params *p)
{
	ISSUING_DIST_POINT *idp;
	int ret = 0;

	if (!p->only_ca_certs && !p->only_user_certs && p->idp_uri == NULL)
		return 0;	/* RFC 5280 5.2.5: never an empty IDP */
	if ((idp = ISSUING_DIST_POINT_new()) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	/* DER TRUE is 0xff; OpenSSL writes the int's low byte. */
	idp->onlyCA = p->only_ca_certs ? 0xff : 0;
	idp->onlyuser = p->only_user_certs ? 0xff : 0;
	if (p->idp_uri != NULL)
		ret = dpn_uri(p->idp_uri, &idp->distpoint);
	if (ret == 0 && X509_CRL_add1_ext_i2d(crl,
	    NID_issuing_distribution_point, idp, 1, X509V3_ADD_DEFAULT) != 1)
		ret = err_set(ERR_INTERNAL, "cannot add the CRL's "
		    "issuingDistributionPoint");
	ISSUING_DIST_POINT_free(idp);
	return ret;
}

static int
add_reason(X509_REVOKED *rev, int reason)
{
	ASN1_ENUMERATED *e;
	int ret = 0;

	if (reason == CRL_REASON_NONE || reason == CRL_REASON_UNSPECIFIED)
		return 0;	/* RFC 5280 5.3.1: omit unspecified */
	if ((e = ASN1_ENUMERATED_new()) == NULL ||
	    ASN1_ENUMERATED_set(e, reason) != 1 ||
	    X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, e, 0,
	    X509V3_ADD_DEFAULT) != 1)
		ret = err_set(ERR_INTERNAL, "cannot add a reasonCode");
	ASN1_ENUMERATED_free(e);
	return ret;
}

static int
add_entry(X509_CRL *crl, const struct crl_entry *e, time_t this_update)
{
	X509_REVOKED *rev = NULL;
	ASN1_INTEGER *serial = NULL;
	ASN1_TIME *when = NULL;
	int ret;

	if (e->reason != CRL_REASON_NONE && crl_reason_name(e->reason) ==
	    NULL)
		return err_set(ERR_USAGE, "serial %.48s: reason code %d does "
		    "not exist", e->serial_hex, e->reason);
	if ((ret = serial_parse(e->serial_hex, &serial)) != 0)
		return ret;
	if (e->revoked_at > this_update) {
		ret = err_set(ERR_DATA, "serial %.48s is revoked after the "
		    "CRL's thisUpdate", e->serial_hex);
		goto out;
	}
	ret = ERR_INTERNAL;
	if ((rev = X509_REVOKED_new()) == NULL ||
	    (when = ASN1_TIME_set(NULL, e->revoked_at)) == NULL ||
	    X509_REVOKED_set_serialNumber(rev, serial) != 1 ||
	    X509_REVOKED_set_revocationDate(rev, when) != 1)
		goto out;
	if ((ret = add_reason(rev, e->reason)) != 0)
		goto out;
	ret = ERR_INTERNAL;
	if (X509_CRL_add0_revoked(crl, rev) != 1)
		goto out;
	rev = NULL;
	ret = 0;
out:
	if (ret == ERR_INTERNAL)
		err_set(ret, "cannot add a CRL entry");
	X509_REVOKED_free(rev);
	ASN1_TIME_free(when);
	ASN1_INTEGER_free(serial);
	return ret;
}

/* Sort the entries by serial and refuse a serial given twice. */
static int
sort_entries(X509_CRL *crl)
{
	STACK_OF(X509_REVOKED) *revs;
	const ASN1_INTEGER *a, *b;
	char *hex;
	BIGNUM *bn;
	int i;

	if (X509_CRL_sort(crl) != 1)
		return err_set(ERR_INTERNAL, "cannot sort the CRL entries");
	revs = X509_CRL_get_REVOKED(crl);
	for (i = 1; i < sk_X509_REVOKED_num(revs); i++) {
		a = X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revs,
		    i - 1));
		b = X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revs,
		    i));
		if (ASN1_INTEGER_cmp(a, b) != 0)
			continue;
		bn = ASN1_INTEGER_to_BN(b, NULL);
		hex = bn != NULL ? BN_bn2hex(bn) : NULL;
		err_set(ERR_DATA, "serial %s is listed twice", hex != NULL ?
		    hex : "?");
		OPENSSL_free(hex);
		BN_free(bn);
		return ERR_DATA;
	}
	return 0;
}

static int
check_params(const struct crl_params *p)
{
	if (p->issuer == NULL)
		return err_set(ERR_USAGE, "no CRL issuer");
	if (p->number == 0)
		return err_set(ERR_USAGE, "the CRL number must be at least 1");
	if (p->next_update <= p->this_update)
		return err_set(ERR_USAGE, "the CRL's nextUpdate must be after "
		    "its thisUpdate");
	if (p->only_ca_certs && p->only_user_certs)
		return err_set(ERR_USAGE, "a CRL cannot hold only CA "
		    "certificates and only user certificates");
	return 0;
}

int
crl_build(const struct crl_params *p, const struct crl_entry *entries,
    size_t n, X509_CRL **out)
{
	X509_CRL *crl = NULL;
	size_t i;
	int ret;

	*out = NULL;
	if ((ret = check_params(p)) != 0)
		return ret;
	if ((crl = X509_CRL_new()) == NULL ||
	    X509_CRL_set_version(crl, X509_CRL_VERSION_2) != 1 ||
	    X509_CRL_set_issuer_name(crl,
	    X509_get_subject_name(p->issuer)) != 1) {
		ret = err_set(ERR_INTERNAL, "cannot make a CRL");
		goto out;
	}
	if ((ret = set_time(crl, p->this_update, 0)) != 0 ||
	    (ret = set_time(crl, p->next_update, 1)) != 0 ||
	    (ret = add_aki(crl, p->issuer)) != 0 ||
	    (ret = add_number(crl, p->number)) != 0 ||
	    (ret = add_idp(crl, p)) != 0)
		goto out;
	for (i = 0; i < n; i++)
		if ((ret = add_entry(crl, &entries[i], p->this_update)) != 0)
			goto out;
	if ((ret = sort_entries(crl)) != 0)
		goto out;
	*out = crl;
	crl = NULL;
out:
	X509_CRL_free(crl);
	return ret;
}

static int
has_ext(X509_CRL *crl, int nid, const char *what)
{
	if (X509_CRL_get_ext_by_NID(crl, nid, -1) >= 0)
		return err_set(ERR_DATA, "the CRL has a %s already", what);
	return 0;
}

int
crl_add_delta_indicator(X509_CRL *crl, unsigned long long base)
{
	ASN1_INTEGER *num = NULL;
	unsigned long long own;
	int ret;

	if ((ret = has_ext(crl, NID_delta_crl, "deltaCRLIndicator")) != 0 ||
	    (ret = crl_number(crl, &own)) != 0)
		return ret;
	if (base == 0 || base >= own)
		return err_set(ERR_USAGE, "a delta CRL's base number (%llu) "
		    "must be at least 1 and below its own (%llu)", base, own);
	if ((num = ASN1_INTEGER_new()) == NULL ||
	    ASN1_INTEGER_set_uint64(num, base) != 1 ||
	    X509_CRL_add1_ext_i2d(crl, NID_delta_crl, num, 1,
	    X509V3_ADD_DEFAULT) != 1)
		ret = err_set(ERR_INTERNAL, "cannot add the "
		    "deltaCRLIndicator");
	ASN1_INTEGER_free(num);
	return ret;
}

int
crl_add_freshest(X509_CRL *crl, const char *uri)
{
	CRL_DIST_POINTS *dps = NULL;
	DIST_POINT *dp = NULL;
	int ret;

	if (uri == NULL || *uri == '\0')
		return err_set(ERR_USAGE, "no delta CRL URL");
	if ((ret = has_ext(crl, NID_freshest_crl, "freshestCRL")) != 0)
		return ret;
	if ((dps = CRL_DIST_POINTS_new()) == NULL ||
	    (dp = DIST_POINT_new()) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	if ((ret = dpn_uri(uri, &dp->distpoint)) != 0)
		goto out;
	if (sk_DIST_POINT_push(dps, dp) == 0) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	dp = NULL;
	if (X509_CRL_add1_ext_i2d(crl, NID_freshest_crl, dps, 0,
	    X509V3_ADD_DEFAULT) != 1)
		ret = err_set(ERR_INTERNAL, "cannot add the freshestCRL");
out:
	DIST_POINT_free(dp);
	CRL_DIST_POINTS_free(dps);
	return ret;
}

/* RFC 5280 5.2.7 id-ce-expiredCertsOnCRL; OpenSSL 3.0 has no NID. */
#define OID_EXPIRED_CERTS_ON_CRL	"2.5.29.60"

int
crl_add_expired_certs_on_crl(X509_CRL *crl, time_t when)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(OID_EXPIRED_CERTS_ON_CRL, 1);
	ASN1_GENERALIZEDTIME *gt = NULL;
	ASN1_OCTET_STRING *oct = NULL;
	X509_EXTENSION *ext = NULL;
	unsigned char *der = NULL;
	int n, ret = ERR_INTERNAL;

	if (obj == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if (X509_CRL_get_ext_by_OBJ(crl, obj, -1) >= 0) {
		ret = err_set(ERR_DATA, "the CRL has an expiredCertsOnCRL "
		    "already");
		goto out;
	}
	if ((gt = ASN1_GENERALIZEDTIME_set(NULL, when)) == NULL) {
		ret = err_set(ERR_USAGE, "expiredCertsOnCRL time out of "
		    "range");
		goto out;
	}
	if ((n = i2d_ASN1_GENERALIZEDTIME(gt, &der)) <= 0 ||
	    (oct = ASN1_OCTET_STRING_new()) == NULL ||
	    ASN1_OCTET_STRING_set(oct, der, n) != 1 ||
	    (ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, oct)) == NULL ||
	    X509_CRL_add_ext(crl, ext, -1) != 1)
		goto out;
	ret = 0;
out:
	if (ret == ERR_INTERNAL)
		err_set(ret, "cannot add the expiredCertsOnCRL");
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(oct);
	OPENSSL_free(der);
	ASN1_GENERALIZEDTIME_free(gt);
	ASN1_OBJECT_free(obj);
	return ret;
}

int
crl_delta_base(X509_CRL *crl, unsigned long long *base)
{
	ASN1_INTEGER *num;
	uint64_t v;
	int crit, ret = 0;

	num = X509_CRL_get_ext_d2i(crl, NID_delta_crl, &crit, NULL);
	if (num == NULL) {
		if (crit == -1)
			return ERR_NO;
		ERR_clear_error();
		return err_set(ERR_DATA, "the CRL's deltaCRLIndicator is "
		    "malformed or given twice");
	}
	if (ASN1_INTEGER_get_uint64(&v, num) != 1) {
		ERR_clear_error();
		ret = err_set(ERR_DATA, "the CRL's deltaCRLIndicator is "
		    "negative or too large");
	} else
		*base = v;
	ASN1_INTEGER_free(num);
	return ret;
}

int
crl_sign(X509_CRL *crl, EVP_PKEY *key, enum key_type type)
{
	if (X509_CRL_sign(crl, key, keytype_digest(type)) <= 0) {
		err_set(ERR_UNAVAILABLE, "signing the CRL failed");
		err_add_openssl();
		return ERR_UNAVAILABLE;	/* a token is the likely cause */
	}
	return 0;
}

int
crl_verify(X509_CRL *crl, X509 *issuer)
{
	EVP_PKEY *pub = X509_get0_pubkey(issuer);

	if (pub == NULL)
		return err_set(ERR_INTERNAL, "the issuer has no usable "
		    "public key");
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl),
	    X509_get_subject_name(issuer)) != 0)
		return err_set(ERR_NO, "the CRL names another issuer");
	if (X509_CRL_verify(crl, pub) != 1) {
		ERR_clear_error();
		return err_set(ERR_NO, "the CRL's signature does not verify "
		    "under the issuer's key");
	}
	return 0;
}

static int
bio_to_buf(BIO *bio, unsigned char **buf, size_t *len)
{
	char *data;
	long n = BIO_get_mem_data(bio, &data);

	if (n <= 0 || (*buf = malloc((size_t)n + 1)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	memcpy(*buf, data, (size_t)n);
	(*buf)[n] = '\0';
	*len = (size_t)n;
	return 0;
}

int
crl_pem(X509_CRL *crl, unsigned char **buf, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int ret;

	*buf = NULL;
	if (bio == NULL || PEM_write_bio_X509_CRL(bio, crl) != 1)
		ret = err_set(ERR_INTERNAL, "cannot encode the CRL");
	else
		ret = bio_to_buf(bio, buf, len);
	BIO_free(bio);
	return ret;
}

int
crl_der(X509_CRL *crl, unsigned char **buf, size_t *len)
{
	unsigned char *der = NULL;
	int n;

	*buf = NULL;
	if ((n = i2d_X509_CRL(crl, &der)) <= 0)
		return err_set(ERR_INTERNAL, "cannot encode the CRL");
	if ((*buf = malloc((size_t)n)) == NULL) {
		OPENSSL_free(der);
		return err_set(ERR_INTERNAL, "out of memory");
	}
	memcpy(*buf, der, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(der);
	return 0;
}

static X509_CRL *
parse_crl(const unsigned char *buf, size_t len)
{
	const unsigned char *p = buf;
	X509_CRL *crl = NULL;
	BIO *bio;

	if (memmem(buf, len, "-----BEGIN X509 CRL-----", 24) != NULL) {
		if ((bio = BIO_new_mem_buf(buf, (int)len)) != NULL)
			crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
		BIO_free(bio);
		return crl;
	}
	crl = d2i_X509_CRL(NULL, &p, (long)len);
	if (crl != NULL && p != buf + len) {
		X509_CRL_free(crl);	/* trailing bytes */
		crl = NULL;
	}
	return crl;
}

int
crl_load(const char *path, X509_CRL **out)
{
	unsigned char *buf = NULL;
	size_t len;
	int ret;

	*out = NULL;
	if ((ret = fileio_read(path, CRL_FILE_MAX, &buf, &len)) != 0)
		return ret;
	if ((*out = parse_crl(buf, len)) == NULL) {
		ERR_clear_error();
		ret = err_set(ERR_DATA, "%s: not a CRL (PEM or DER)", path);
	}
	free(buf);
	return ret;
}

int
crl_number(X509_CRL *crl, unsigned long long *number)
{
	ASN1_INTEGER *num;
	uint64_t v;
	int crit, ret = 0;

	num = X509_CRL_get_ext_d2i(crl, NID_crl_number, &crit, NULL);
	if (num == NULL)
		return err_set(ERR_DATA, "the CRL has no cRLNumber");
	if (ASN1_INTEGER_get_uint64(&v, num) != 1) {
		ERR_clear_error();
		ret = err_set(ERR_DATA, "the CRL's cRLNumber is negative or "
		    "too large");
	} else
		*number = v;
	ASN1_INTEGER_free(num);
	return ret;
}

int
crl_sha256(X509_CRL *crl, unsigned char out[32])
{
	unsigned char *der = NULL;
	int n, ret = 0;

	if ((n = i2d_X509_CRL(crl, &der)) <= 0)
		return err_set(ERR_INTERNAL, "cannot encode the CRL");
	if (EVP_Digest(der, (size_t)n, out, NULL, EVP_sha256(), NULL) != 1)
		ret = err_set(ERR_INTERNAL, "SHA-256 failed");
	OPENSSL_free(der);
	return ret;
}
