/*
 * certfile.c: the certificates in a PEM, DER or PKCS#12 file.
 *
 * PEM is tried first (every CERTIFICATE block; other blocks skipped),
 * then one DER certificate that must fill the whole file, then PKCS#12
 * with the empty password and with none.  The input is untrusted: the
 * OpenSSL decoders are the only parsers, lengths come from len, and a
 * PKCS#12 bundle is walked by hand so that its MAC and PBE iteration
 * counts are bounded (P12_MAX_ITER) before OpenSSL follows them, and its
 * private keys are never decrypted.
 */
#include <limits.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "certfile.h"
#include "err.h"
#include "fileio.h"

/* Every CERTIFICATE block of a PEM text onto sk. */
static int
parse_pem(const unsigned char *buf, size_t len, STACK_OF(X509) *sk)
{
	BIO *bio;
	X509 *x;

	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			BIO_free(bio);
			return err_set(ERR_INTERNAL, "out of memory");
		}
	}
	ERR_clear_error();
	BIO_free(bio);
	return 0;
}

/* One DER certificate filling the buffer. */
static int
parse_der(const unsigned char *buf, size_t len, STACK_OF(X509) *sk)
{
	const unsigned char *p = buf;
	X509 *x;

	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL) {
		ERR_clear_error();
		return 0;
	}
	if (p != buf + len || !sk_X509_push(sk, x))
		X509_free(x);
	return 0;
}

/*
 * The largest PBE or MAC iteration count read.  OpenSSL writes 2048 and
 * sets no limit of its own: a bundle that says 2^31 would hold the scan
 * in PBKDF2 for hours.
 */
#define P12_MAX_ITER	1000000
#define P12_MAX_DEPTH	4	/* nested safeContents bags */

/* iter (absent: the default 1) is within 1 .. P12_MAX_ITER. */
static int
iter_ok(const ASN1_INTEGER *iter)
{
	long n;

	if (iter == NULL)
		return 1;
	n = ASN1_INTEGER_get(iter);
	return n >= 1 && n <= P12_MAX_ITER;
}

/*
 * The PBE algorithm alg (PKCS#12 PBE, or PBES2 with PBKDF2) asks for at
 * most P12_MAX_ITER iterations.  PBES2 with another key derivation
 * passes: scrypt is bounded by OpenSSL's own memory limit.
 */
static int
pbe_ok(const X509_ALGOR *alg)
{
	const ASN1_OBJECT *oid;
	const ASN1_TYPE *kp;
	const void *pval;
	PBEPARAM *pbe = NULL;
	PBE2PARAM *p2 = NULL;
	PBKDF2PARAM *kdf = NULL;
	int ptype, ok = 0;

	X509_ALGOR_get0(&oid, &ptype, &pval, alg);
	if (ptype != V_ASN1_SEQUENCE)
		return 0;
	if (OBJ_obj2nid(oid) != NID_pbes2) {
		if ((pbe = ASN1_item_unpack(pval,
		    ASN1_ITEM_rptr(PBEPARAM))) != NULL)
			ok = iter_ok(pbe->iter);
	} else if ((p2 = ASN1_item_unpack(pval,
	    ASN1_ITEM_rptr(PBE2PARAM))) != NULL) {
		kp = p2->keyfunc->parameter;
		if (OBJ_obj2nid(p2->keyfunc->algorithm) != NID_id_pbkdf2)
			ok = 1;
		else if (kp != NULL && kp->type == V_ASN1_SEQUENCE &&
		    (kdf = ASN1_item_unpack(kp->value.sequence,
		    ASN1_ITEM_rptr(PBKDF2PARAM))) != NULL)
			ok = iter_ok(kdf->iter);
	}
	PBEPARAM_free(pbe);
	PBE2PARAM_free(p2);
	PBKDF2PARAM_free(kdf);
	ERR_clear_error();
	return ok;
}

/* What walking the bags of a bundle has found so far. */
struct p12_walk {
	STACK_OF(X509)	*sk;		/* the caller's */
	ASN1_TYPE	*key_id;	/* localKeyID of the first key bag */
	int		 certs;		/* pass 2: take the certificates */
	int		 own;		/* the key's certificate is in */
};

/* One certificate bag onto w->sk, the key's own certificate first. */
static int
take_cert(const PKCS12_SAFEBAG *bag, struct p12_walk *w)
{
	const ASN1_TYPE *id = PKCS12_SAFEBAG_get0_attr(bag, NID_localKeyID);
	X509 *x;
	int ok;

	if (PKCS12_SAFEBAG_get_bag_nid(bag) != NID_x509Certificate)
		return 0;
	if ((x = PKCS12_SAFEBAG_get1_cert(bag)) == NULL) {
		ERR_clear_error();
		return 0;
	}
	if (!w->own && w->key_id != NULL && id != NULL &&
	    ASN1_TYPE_cmp(id, w->key_id) == 0) {
		w->own = 1;
		ok = sk_X509_unshift(w->sk, x) > 0;
	} else
		ok = sk_X509_push(w->sk, x) > 0;
	if (!ok) {
		X509_free(x);
		return err_set(ERR_INTERNAL, "out of memory");
	}
	return 0;
}

/* Pass 1 finds the key's localKeyID, pass 2 takes the certificates;
 * keys are never decrypted. */
static int
walk_bags(const STACK_OF(PKCS12_SAFEBAG) *bags, struct p12_walk *w,
    int depth)
{
	const PKCS12_SAFEBAG *bag;
	const ASN1_TYPE *id;
	int i, nid, ret = 0;

	for (i = 0; ret == 0 && i < sk_PKCS12_SAFEBAG_num(bags); i++) {
		bag = sk_PKCS12_SAFEBAG_value(bags, i);
		nid = PKCS12_SAFEBAG_get_nid(bag);
		if (nid == NID_safeContentsBag && depth < P12_MAX_DEPTH)
			ret = walk_bags(PKCS12_SAFEBAG_get0_safes(bag), w,
			    depth + 1);
		else if (nid == NID_certBag && w->certs)
			ret = take_cert(bag, w);
		else if ((nid == NID_keyBag ||
		    nid == NID_pkcs8ShroudedKeyBag) && !w->certs &&
		    w->key_id == NULL &&
		    (id = PKCS12_SAFEBAG_get0_attr(bag, NID_localKeyID)) !=
		    NULL && (w->key_id = ASN1_TYPE_new()) != NULL &&
		    ASN1_TYPE_set1(w->key_id, id->type,
		    id->value.ptr) != 1)
			ret = err_set(ERR_INTERNAL, "out of memory");
	}
	return ret;
}

/* The bags of one authenticated safe (plain or encrypted), or NULL. */
static STACK_OF(PKCS12_SAFEBAG) *
safe_bags(PKCS7 *p7, const char *pass)
{
	STACK_OF(PKCS12_SAFEBAG) *bags = NULL;

	switch (OBJ_obj2nid(p7->type)) {
	case NID_pkcs7_data:
		bags = PKCS12_unpack_p7data(p7);
		break;
	case NID_pkcs7_encrypted:
		if (p7->d.encrypted != NULL &&
		    p7->d.encrypted->enc_data != NULL &&
		    pbe_ok(p7->d.encrypted->enc_data->algorithm))
			bags = PKCS12_unpack_p7encdata(p7, pass, -1);
		break;
	}
	ERR_clear_error();
	return bags;
}

/* The password that opens p12: NULL or "" (no passphrase), as
 * PKCS12_parse() chooses; ERR_AUTH if neither does. */
static int
p12_pass(PKCS12 *p12, const char *path, const char **pass)
{
	const ASN1_INTEGER *iter = NULL;

	*pass = NULL;
	if (!PKCS12_mac_present(p12))
		return 0;
	PKCS12_get0_mac(NULL, NULL, NULL, &iter, p12);
	if (!iter_ok(iter))
		return err_set(ERR_DATA, "%s: a PKCS#12 bundle whose MAC "
		    "asks for more than %d iterations", path, P12_MAX_ITER);
	if (PKCS12_verify_mac(p12, NULL, 0))
		return 0;
	*pass = "";
	if (PKCS12_verify_mac(p12, "", 0))
		return 0;
	ERR_clear_error();
	return err_set(ERR_AUTH, "%s: a PKCS#12 bundle with a passphrase",
	    path);
}

/*
 * A PKCS#12 bundle without a passphrase; ERR_AUTH if it has one.  Read
 * by hand rather than with PKCS12_parse(), so that no iteration count
 * is followed unchecked and no private key is ever decrypted.
 */
static int
parse_p12(const unsigned char *buf, size_t len, const char *path,
    STACK_OF(X509) *sk)
{
	struct p12_walk w = { sk, NULL, 0, 0 };
	STACK_OF(PKCS12_SAFEBAG) **safes = NULL;
	STACK_OF(PKCS7) *asafes = NULL;
	const unsigned char *p = buf;
	const char *pass;
	PKCS12 *p12;
	int i, n = 0, ret;

	if ((p12 = d2i_PKCS12(NULL, &p, (long)len)) == NULL) {
		ERR_clear_error();
		return 0;
	}
	if ((ret = p12_pass(p12, path, &pass)) != 0)
		goto out;
	if ((asafes = PKCS12_unpack_authsafes(p12)) == NULL ||
	    (n = sk_PKCS7_num(asafes)) <= 0)
		goto out;
	if ((safes = calloc((size_t)n, sizeof(*safes))) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		safes[i] = safe_bags(sk_PKCS7_value(asafes, i), pass);
	for (w.certs = 0; ret == 0 && w.certs < 2; w.certs++)
		for (i = 0; ret == 0 && i < n; i++)
			ret = walk_bags(safes[i], &w, 0);
out:
	for (i = 0; safes != NULL && i < n; i++)
		sk_PKCS12_SAFEBAG_pop_free(safes[i], PKCS12_SAFEBAG_free);
	free(safes);
	sk_PKCS7_pop_free(asafes, PKCS7_free);
	ASN1_TYPE_free(w.key_id);
	PKCS12_free(p12);
	ERR_clear_error();
	return ret;
}

int
certfile_parse(const unsigned char *buf, size_t len, const char *path,
    STACK_OF(X509) **out)
{
	STACK_OF(X509) *sk;
	int ret;

	*out = NULL;
	if (len > INT_MAX)
		return err_set(ERR_DATA, "%s: too large", path);
	if ((sk = sk_X509_new_null()) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if ((ret = parse_pem(buf, len, sk)) == 0 && sk_X509_num(sk) == 0)
		ret = parse_der(buf, len, sk);
	if (ret == 0 && sk_X509_num(sk) == 0)
		ret = parse_p12(buf, len, path, sk);
	if (ret == 0 && sk_X509_num(sk) == 0)
		ret = err_set(ERR_DATA, "%s: no certificate in it (not PEM, "
		    "DER or PKCS#12)", path);
	if (ret != 0) {
		sk_X509_pop_free(sk, X509_free);
		return ret;
	}
	*out = sk;
	return 0;
}

int
certfile_load(const char *path, STACK_OF(X509) **out)
{
	unsigned char *buf = NULL;
	size_t len;
	int ret;

	*out = NULL;
	if ((ret = fileio_read(path, CERTFILE_MAX, &buf, &len)) != 0)
		return ret;
	ret = certfile_parse(buf, len, path, out);
	free(buf);
	return ret;
}
