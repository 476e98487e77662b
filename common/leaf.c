/*
 * leaf.c: building leaf certificates under a profile, fast.
 *
 * Trusts the profile and CA configuration (validated by their loaders);
 * trusts nothing in a CSR.  Invariants: every name in a certificate
 * passed profile_allows_name() and the CA's name constraints; the
 * subject holds only the profile's fixed parts and a CN that equals one
 * of the names; notAfter never passes the CA's.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "csr.h"
#include "err.h"
#include "json.h"
#include "leaf.h"
#include "x509.h"

#define SHARED_EXTS	4

struct leaf_template {
	const struct profile *profile;
	X509 *ca;
	long long backdate;
	X509_NAME *issuer;
	X509_NAME *subject_base;	/* the profile's fixed parts */
	X509_EXTENSION *shared[SHARED_EXTS];	/* BC, EKU, AKI, AIA */
	size_t nshared;
	X509_EXTENSION *ku_rsa, *ku_ec, *ku_ed; /* keyUsage by algorithm */
	X509_EXTENSION **cdp;		/* one per CRL shard, or NULL */
	unsigned shards;
	NAME_CONSTRAINTS *nc;		/* the CA's, or NULL */
};

static X509_EXTENSION *
make_ext(X509 *ca, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, ca, NULL, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL) {
		ERR_clear_error();
		err_set(ERR_CONFIG, "cannot build extension %s from \"%s\"",
		    OBJ_nid2sn(nid), value);
	}
	return ext;
}

static int
add_shared(struct leaf_template *t, int nid, const char *value)
{
	if ((t->shared[t->nshared] = make_ext(t->ca, nid, value)) == NULL)
		return ERR_CONFIG;
	t->nshared++;
	return 0;
}

static int
add_fixed_subject(X509_NAME *name, const char *field, const char *value)
{
	if (value == NULL)
		return 0;
	if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
	    (const unsigned char *)value, -1, -1, 0) != 1) {
		ERR_clear_error();
		return err_set(ERR_CONFIG, "profile subject %s \"%s\" is not "
		    "valid", field, value);
	}
	return 0;
}

static int
template_subject(struct leaf_template *t, const struct profile *p)
{
	int ret;

	if ((t->subject_base = X509_NAME_new()) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if ((ret = add_fixed_subject(t->subject_base, "C", p->subject_c)) ||
	    (ret = add_fixed_subject(t->subject_base, "ST", p->subject_st)) ||
	    (ret = add_fixed_subject(t->subject_base, "L", p->subject_l)) ||
	    (ret = add_fixed_subject(t->subject_base, "O", p->subject_o)) ||
	    (ret = add_fixed_subject(t->subject_base, "OU", p->subject_ou)))
		return ret;
	return 0;
}

static int
template_key_usage(struct leaf_template *t, const struct profile *p)
{
	char text[PROFILE_KU_TEXT];
	int ret;

	/* keyUsage depends only on the key's algorithm: one per kind. */
	if ((ret = profile_key_usage_for(p, PROFILE_KEY_RSA, NULL, text,
	    sizeof(text))) != 0)
		return ret;
	if ((t->ku_rsa = make_ext(t->ca, NID_key_usage, text)) == NULL)
		return ERR_CONFIG;
	if ((ret = profile_key_usage_for(p, PROFILE_KEY_P256, NULL, text,
	    sizeof(text))) != 0)
		return ret;
	if ((t->ku_ec = make_ext(t->ca, NID_key_usage, text)) == NULL)
		return ERR_CONFIG;
	if ((ret = profile_key_usage_for(p, PROFILE_KEY_ED25519, NULL, text,
	    sizeof(text))) != 0)
		return ret;
	if ((t->ku_ed = make_ext(t->ca, NID_key_usage, text)) == NULL)
		return ERR_CONFIG;
	return 0;
}

/* The CRL distribution point: one URL, or one per shard with the
 * shard number in place of {shard} (as Let's Encrypt shards its CRLs). */
static int
template_cdp(struct leaf_template *t, const struct ca_config *ca)
{
	char value[2048], url[CACFG_MAX_URL + 16];
	const char *tok;
	unsigned i;

	if (ca->crl_url == NULL)
		return 0;
	t->shards = ca->crl_shards > 1 ? ca->crl_shards : 1;
	if ((t->cdp = calloc(t->shards, sizeof(*t->cdp))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	for (i = 0; i < t->shards; i++) {
		tok = strstr(ca->crl_url, CACFG_SHARD_TOKEN);
		if (t->shards > 1 && tok != NULL)
			snprintf(url, sizeof(url), "%.*s%u%s",
			    (int)(tok - ca->crl_url), ca->crl_url, i,
			    tok + strlen(CACFG_SHARD_TOKEN));
		else
			snprintf(url, sizeof(url), "%s", ca->crl_url);
		snprintf(value, sizeof(value), "URI:%s", url);
		if ((t->cdp[i] = make_ext(t->ca, NID_crl_distribution_points,
		    value)) == NULL)
			return ERR_CONFIG;
	}
	return 0;
}

unsigned
leaf_shard(X509 *cert, unsigned shards)
{
	const ASN1_INTEGER *serial = X509_get0_serialNumber(cert);
	const unsigned char *b = ASN1_STRING_get0_data(serial);
	int n = ASN1_STRING_length(serial), i;
	unsigned long long v = 0;

	if (shards <= 1)
		return 0;
	/* The low 64 bits of a uniformly random serial. */
	for (i = n > 8 ? n - 8 : 0; i < n; i++)
		v = (v << 8) | b[i];
	return (unsigned)(v % shards);
}

static int
template_urls(struct leaf_template *t, const struct ca_config *ca)
{
	char value[2048];
	int ret;

	if ((ret = template_cdp(t, ca)) != 0)
		return ret;
	if (ca->ocsp_url != NULL || ca->ca_issuers_url != NULL) {
		snprintf(value, sizeof(value), "%s%s%s%s%s",
		    ca->ocsp_url != NULL ? "OCSP;URI:" : "",
		    ca->ocsp_url != NULL ? ca->ocsp_url : "",
		    ca->ocsp_url != NULL && ca->ca_issuers_url != NULL ?
		    "," : "",
		    ca->ca_issuers_url != NULL ? "caIssuers;URI:" : "",
		    ca->ca_issuers_url != NULL ? ca->ca_issuers_url : "");
		if ((ret = add_shared(t, NID_info_access, value)) != 0)
			return ret;
	}
	return 0;
}

int
leaf_template_new(const struct profile *p, const struct ca_config *ca,
    X509 *ca_cert, struct leaf_template **out)
{
	struct leaf_template *t;
	char eku[PROFILE_EKU_TEXT];
	int ret, crit;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	t->profile = p;
	t->ca = ca_cert;
	t->backdate = ca->backdate;
	t->nc = X509_get_ext_d2i(ca_cert, NID_name_constraints, &crit, NULL);
	if ((t->issuer = X509_NAME_dup(X509_get_subject_name(ca_cert))) ==
	    NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	if ((ret = template_subject(t, p)) != 0 ||
	    (ret = add_shared(t, NID_basic_constraints, "critical,CA:FALSE")) ||
	    (ret = profile_eku_text(p, eku, sizeof(eku))) != 0 ||
	    (ret = add_shared(t, NID_ext_key_usage, eku)) != 0 ||
	    (ret = add_shared(t, NID_authority_key_identifier,
	    "keyid:always")) != 0 ||
	    (ret = template_urls(t, ca)) != 0 ||
	    (ret = template_key_usage(t, p)) != 0)
		goto out;
	*out = t;
	t = NULL;
out:
	leaf_template_free(t);
	return ret;
}

void
leaf_template_free(struct leaf_template *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nshared; i++)
		X509_EXTENSION_free(t->shared[i]);
	for (i = 0; t->cdp != NULL && i < t->shards; i++)
		X509_EXTENSION_free(t->cdp[i]);
	free(t->cdp);
	X509_EXTENSION_free(t->ku_rsa);
	X509_EXTENSION_free(t->ku_ec);
	X509_EXTENSION_free(t->ku_ed);
	X509_NAME_free(t->issuer);
	X509_NAME_free(t->subject_base);
	NAME_CONSTRAINTS_free(t->nc);
	free(t);
}

int
leaf_names_add(struct leaf_names *ln, const struct profile *p,
    enum san_kind kind, const char *value)
{
	size_t i;
	int ret;

	if ((ret = profile_allows_name(p, kind, value)) != 0)
		return ret;
	for (i = 0; i < ln->n; i++)
		if (ln->kinds[i] == kind &&
		    strcasecmp(ln->values[i], value) == 0)
			return 0;
	if (ln->n >= p->max_names || ln->n >= LEAF_MAX_NAMES)
		return err_set(ERR_NO, "more than %u names: profile %s allows "
		    "at most %u", p->max_names, p->name, p->max_names);
	if ((ln->values[ln->n] = strdup(value)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	/* DNS names and e-mail domains compare without case: keep one. */
	if (kind == SAN_DNS) {
		char *c;

		for (c = ln->values[ln->n]; *c != '\0'; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
	}
	ln->kinds[ln->n++] = kind;
	return 0;
}

/* An IA5String SAN value as C text; refuses embedded NULs. */
static int
ia5_text(const ASN1_IA5STRING *s, const char *source, char *buf,
    size_t len)
{
	int n = ASN1_STRING_length(s);

	if (n <= 0 || (size_t)n >= len ||
	    memchr(ASN1_STRING_get0_data(s), '\0', (size_t)n) != NULL)
		return err_set(ERR_DATA, "%s: a subjectAltName entry is empty, "
		    "too long or holds a NUL byte", source);
	memcpy(buf, ASN1_STRING_get0_data(s), (size_t)n);
	buf[n] = '\0';
	return 0;
}

static int
ip_text(const ASN1_OCTET_STRING *s, const char *source, char *buf,
    size_t len)
{
	int n = ASN1_STRING_length(s);

	if ((n != 4 && n != 16) || inet_ntop(n == 4 ? AF_INET : AF_INET6,
	    ASN1_STRING_get0_data(s), buf, (socklen_t)len) == NULL)
		return err_set(ERR_DATA, "%s: a subjectAltName IP address is "
		    "malformed", source);
	return 0;
}

static int
add_general_name(struct leaf_names *ln, const struct profile *p,
    const GENERAL_NAME *gn, const char *source)
{
	char text[1024];
	enum san_kind kind;
	int ret;

	switch (gn->type) {
	case GEN_DNS:
		kind = SAN_DNS;
		ret = ia5_text(gn->d.dNSName, source, text, sizeof(text));
		break;
	case GEN_URI:
		kind = SAN_URI;
		ret = ia5_text(gn->d.uniformResourceIdentifier, source, text,
		    sizeof(text));
		break;
	case GEN_EMAIL:
		kind = SAN_EMAIL;
		ret = ia5_text(gn->d.rfc822Name, source, text, sizeof(text));
		break;
	case GEN_IPADD:
		kind = SAN_IP;
		ret = ip_text(gn->d.iPAddress, source, text, sizeof(text));
		break;
	default:
		return err_set(ERR_NO, "%s asks for a subjectAltName of a type "
		    "no profile issues (only DNS, IP, URI, e-mail)", source);
	}
	if (ret != 0)
		return ret;
	return leaf_names_add(ln, p, kind, text);
}

static int
add_csr_cn(struct leaf_names *ln, const struct profile *p, X509_REQ *req,
    const char *source)
{
	X509_NAME *name = X509_REQ_get_subject_name(req);
	unsigned char *utf8 = NULL;
	int idx, len;

	if (!p->cn_allowed || (idx = X509_NAME_get_index_by_NID(name,
	    NID_commonName, -1)) < 0)
		return 0;	/* a CN the profile does not allow is dropped */
	len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(
	    X509_NAME_get_entry(name, idx)));
	if (len <= 0 || memchr(utf8, '\0', (size_t)len) != NULL) {
		OPENSSL_free(utf8);
		return err_set(ERR_DATA, "%s: the subject CN is not text",
		    source);
	}
	ln->cn = strdup((char *)utf8);
	OPENSSL_free(utf8);
	return ln->cn != NULL ? 0 : err_set(ERR_INTERNAL, "out of memory");
}

/* A CSR asking for a critical extension this CA does not understand is
 * refused: silently dropping it could change what the requester meant. */
static int
check_critical(const STACK_OF(X509_EXTENSION) *exts, const char *source)
{
	static const int known[] = { NID_subject_alt_name, NID_key_usage,
	    NID_ext_key_usage, NID_basic_constraints,
	    NID_subject_key_identifier };
	char name[80];
	size_t k;
	int i, nid;

	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
		X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, i);

		if (!X509_EXTENSION_get_critical(e))
			continue;
		nid = OBJ_obj2nid(X509_EXTENSION_get_object(e));
		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (nid == known[k])
				break;
		if (k == sizeof(known) / sizeof(known[0])) {
			OBJ_obj2txt(name, sizeof(name),
			    X509_EXTENSION_get_object(e), 1);
			return err_set(ERR_DATA, "%s asks for the critical "
			    "extension %s, which this CA does not know",
			    source, name);
		}
	}
	return 0;
}

int
leaf_names_from_csr(struct leaf_names *ln, const struct profile *p,
    X509_REQ *req, const char *source)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	GENERAL_NAMES *gens = NULL;
	int i, idx, ret;

	if ((ret = csr_extensions(req, source, &exts)) != 0)
		return ret;
	if ((ret = check_critical(exts, source)) != 0)
		goto out;
	idx = X509v3_get_ext_by_NID(exts, NID_subject_alt_name, -1);
	if (!p->names_from_csr && idx >= 0) {
		ret = err_set(ERR_NO, "%s asks for names in its "
		    "subjectAltName, but profile %s takes names only from "
		    "the command line", source, p->name);
		goto out;
	}
	if (idx >= 0) {
		gens = X509V3_EXT_d2i(sk_X509_EXTENSION_value(exts, idx));
		if (gens == NULL) {
			ERR_clear_error();
			ret = err_set(ERR_DATA, "%s: its subjectAltName is "
			    "malformed", source);
			goto out;
		}
		for (i = 0; i < sk_GENERAL_NAME_num(gens) && ret == 0; i++)
			ret = add_general_name(ln, p,
			    sk_GENERAL_NAME_value(gens, i), source);
		if (ret != 0)
			goto out;
	}
	ret = add_csr_cn(ln, p, req, source);
out:
	GENERAL_NAMES_free(gens);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return ret;
}

void
leaf_names_free(struct leaf_names *ln)
{
	size_t i;

	for (i = 0; i < ln->n; i++)
		free(ln->values[i]);
	free(ln->cn);
	memset(ln, 0, sizeof(*ln));
}

char *
leaf_names_json(const struct leaf_names *ln)
{
	static const char *const kind[] = { "DNS", "IP", "URI", "email" };
	size_t i, len = 3;
	char *out, *p;

	for (i = 0; i < ln->n; i++)
		len += strlen(ln->values[i]) * 6 + 16;
	if ((out = malloc(len)) == NULL)
		return NULL;
	p = out;
	*p++ = '[';
	for (i = 0; i < ln->n; i++) {
		const char *c;

		p += snprintf(p, len - (size_t)(p - out), "%s\"%s:", i ? "," :
		    "", kind[ln->kinds[i]]);
		for (c = ln->values[i]; *c != '\0'; c++) {
			if (*c == '"' || *c == '\\')
				*p++ = '\\';
			*p++ = *c;
		}
		*p++ = '"';
	}
	*p++ = ']';
	*p = '\0';
	return out;
}

static int
add_san(X509 *cert, const struct leaf_names *ln, int critical)
{
	static const int type[] = { GEN_DNS, GEN_IPADD, GEN_URI, GEN_EMAIL };
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	GENERAL_NAME *gn;
	size_t i;
	int ret = 0;

	if (gens == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	for (i = 0; i < ln->n && ret == 0; i++) {
		gn = a2i_GENERAL_NAME(NULL, NULL, NULL, type[ln->kinds[i]],
		    ln->values[i], 0);
		if (gn == NULL || sk_GENERAL_NAME_push(gens, gn) == 0) {
			GENERAL_NAME_free(gn);
			ERR_clear_error();
			ret = err_set(ERR_DATA, "cannot encode %s \"%s\"",
			    profile_kind_name(ln->kinds[i]), ln->values[i]);
		}
	}
	if (ret == 0 && X509_add1_ext_i2d(cert, NID_subject_alt_name, gens,
	    critical, X509V3_ADD_DEFAULT) != 1)
		ret = err_set(ERR_INTERNAL, "cannot add subjectAltName");
	GENERAL_NAMES_free(gens);
	return ret;
}

static int
add_ski(X509 *cert)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	ASN1_OCTET_STRING *ski = ASN1_OCTET_STRING_new();
	int ret = ERR_INTERNAL;

	if (ski != NULL && X509_pubkey_digest(cert, EVP_sha1(), md, &len) ==
	    1 && ASN1_OCTET_STRING_set(ski, md, (int)len) == 1 &&
	    X509_add1_ext_i2d(cert, NID_subject_key_identifier, ski, 0,
	    X509V3_ADD_DEFAULT) == 1)
		ret = 0;
	ASN1_OCTET_STRING_free(ski);
	return ret == 0 ? 0 : err_set(ret, "cannot add the SKI");
}

static int
set_subject(X509 *cert, const struct leaf_template *t,
    const struct leaf_names *ln)
{
	X509_NAME *name = X509_NAME_dup(t->subject_base);
	int ret = 0;

	if (name == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if (ln->cn != NULL) {
		if ((ret = profile_check_cn(t->profile, ln->cn,
		    ln->kinds, (const char *const *)ln->values, ln->n)) != 0)
			goto out;
		if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
		    (const unsigned char *)ln->cn, -1, -1, 0) != 1) {
			ERR_clear_error();
			ret = err_set(ERR_DATA, "CN \"%s\" is not valid",
			    ln->cn);
			goto out;
		}
	}
	if (X509_set_subject_name(cert, name) != 1)
		ret = err_set(ERR_INTERNAL, "cannot set the subject");
out:
	X509_NAME_free(name);
	return ret;
}

static int
set_validity(X509 *cert, const struct leaf_template *t, long long lifetime,
    time_t now)
{
	time_t from = now - (time_t)t->backdate, until = now + (time_t)lifetime;

	if (X509_time_adj_ex(X509_getm_notBefore(cert), 0, 0, &from) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(cert), 0, 0, &until) == NULL)
		return err_set(ERR_INTERNAL, "cannot set validity");
	/* The backdate never reaches before the CA's own notBefore. */
	if (ASN1_TIME_compare(X509_get0_notBefore(cert),
	    X509_get0_notBefore(t->ca)) < 0 &&
	    X509_set1_notBefore(cert, X509_get0_notBefore(t->ca)) != 1)
		return err_set(ERR_INTERNAL, "cannot set validity");
	/* Never past the CA's own notAfter. */
	if (ASN1_TIME_compare(X509_get0_notAfter(cert),
	    X509_get0_notAfter(t->ca)) > 0 &&
	    X509_set1_notAfter(cert, X509_get0_notAfter(t->ca)) != 1)
		return err_set(ERR_INTERNAL, "cannot set validity");
	return 0;
}

/* Which name breaks the CA's name constraints?  Checked one by one only
 * after the whole certificate failed, to name it. */
static int
name_outside(const struct leaf_template *t, const struct leaf_names *ln)
{
	struct leaf_names one;
	X509 *probe;
	size_t i;
	int bad;

	for (i = 0; i < ln->n; i++) {
		memset(&one, 0, sizeof(one));
		one.n = 1;
		one.kinds[0] = ln->kinds[i];
		one.values[0] = ln->values[i];
		if ((probe = X509_new()) == NULL)
			break;
		bad = add_san(probe, &one, 0) == 0 &&
		    X509_check_purpose(probe, -1, 0) >= 0 &&
		    NAME_CONSTRAINTS_check(probe, t->nc) != X509_V_OK;
		X509_free(probe);
		if (bad)
			return err_set(ERR_NO, "%s \"%s\" is outside the CA's "
			    "name constraints", profile_kind_name(ln->kinds[i]),
			    ln->values[i]);
	}
	return err_set(ERR_NO, "the certificate's names are outside the CA's "
	    "name constraints");
}

static int
add_extensions(X509 *cert, const struct leaf_template *t, EVP_PKEY *pub,
    const struct leaf_names *ln)
{
	size_t i;
	int ret;

	if (X509_add_ext(cert, t->shared[0], -1) != 1 ||
	    X509_add_ext(cert, EVP_PKEY_is_a(pub, "RSA") ? t->ku_rsa :
	    EVP_PKEY_is_a(pub, "ED25519") ? t->ku_ed : t->ku_ec, -1) != 1)
		return err_set(ERR_INTERNAL, "cannot add extensions");
	for (i = 1; i < 3; i++)
		if (X509_add_ext(cert, t->shared[i], -1) != 1)
			return err_set(ERR_INTERNAL, "cannot add extensions");
	if ((ret = add_ski(cert)) != 0 ||
	    (ret = add_san(cert, ln, ln->cn == NULL &&
	    X509_NAME_entry_count(t->subject_base) == 0)) != 0)
		return ret;
	if (t->cdp != NULL && X509_add_ext(cert,
	    t->cdp[leaf_shard(cert, t->shards)], -1) != 1)
		return err_set(ERR_INTERNAL, "cannot add extensions");
	for (i = 3; i < t->nshared; i++)
		if (X509_add_ext(cert, t->shared[i], -1) != 1)
			return err_set(ERR_INTERNAL, "cannot add extensions");
	return 0;
}

int
leaf_build(const struct leaf_template *t, EVP_PKEY *pub,
    const struct leaf_names *ln, long long lifetime, time_t now,
    X509 **out)
{
	X509 *cert = NULL;
	int ret;

	*out = NULL;
	if (ln->n == 0)
		return err_set(ERR_NO, "the certificate would have no names: "
		    "give them in the CSR or with --dns/--ip/--uri/--email as "
		    "profile %s allows", t->profile->name);
	if ((cert = X509_new()) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	ret = ERR_INTERNAL;
	if (X509_set_version(cert, X509_VERSION_3) != 1 ||
	    X509_set_issuer_name(cert, t->issuer) != 1 ||
	    X509_set_pubkey(cert, pub) != 1) {
		err_set(ret, "cannot build the certificate");
		goto out;
	}
	if ((ret = x509_random_serial(cert)) != 0 ||
	    (ret = set_subject(cert, t, ln)) != 0 ||
	    (ret = set_validity(cert, t, lifetime, now)) != 0 ||
	    (ret = add_extensions(cert, t, pub, ln)) != 0)
		goto out;
	/* NAME_CONSTRAINTS_check reads the SANs from the extension cache,
	 * which a certificate built in memory has not filled yet. */
	(void)X509_check_purpose(cert, -1, 0);
	if (t->nc != NULL && NAME_CONSTRAINTS_check(cert, t->nc) != X509_V_OK) {
		ret = name_outside(t, ln);
		goto out;
	}
	*out = cert;
	cert = NULL;
out:
	X509_free(cert);
	return ret;
}
