/*
 * intermediate.c: building an intermediate CA certificate under policy.
 *
 * Trusts the policy (already validated by policy.c) and OpenSSL's
 * extension encoders.  Invariants: no extension is copied from a CSR;
 * validity never exceeds the policy maximum, ten years, or the root's
 * own notAfter.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "intermediate.h"
#include "x509.h"

#define EXT_MAX	8192

/* Append ",<kind>;<type>:<value>" entries for one list. */
static int
add_subtrees(char *buf, size_t len, const char *kind, const char *type,
    const char **values, size_t n)
{
	size_t i, used;

	for (i = 0; i < n; i++) {
		used = strlen(buf);
		if ((size_t)snprintf(buf + used, len - used, "%s%s;%s:%s",
		    used ? "," : "", kind, type, values[i]) >= len - used)
			return err_set(ERR_DATA, "name constraints too long");
	}
	return 0;
}

/* "10.0.0.0/8" -> "10.0.0.0/255.0.0.0", the form OpenSSL's config
 * syntax takes; IPv6 likewise with a full mask.  policy.c validated and
 * parses the CIDR. */
static int
cidr_to_mask(const char *cidr, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN], maskstr[INET6_ADDRSTRLEN];
	unsigned char bytes[32];
	size_t blen;
	int family, ret;

	if ((ret = policy_parse_cidr(cidr, bytes, &blen)) != 0)
		return ret;
	family = blen == 8 ? AF_INET : AF_INET6;
	if (inet_ntop(family, bytes, host, sizeof(host)) == NULL ||
	    inet_ntop(family, bytes + blen / 2, maskstr,
	    sizeof(maskstr)) == NULL)
		return err_set(ERR_DATA, "IP range \"%s\" is not CIDR", cidr);
	snprintf(out, len, "%s/%s", host, maskstr);
	return 0;
}

static int
add_ip_subtrees(char *buf, size_t len, const char *kind,
    const char **cidrs, size_t n)
{
	char one[2 * INET6_ADDRSTRLEN + 2];
	const char *v[1] = { one };
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		if ((ret = cidr_to_mask(cidrs[i], one, sizeof(one))) != 0 ||
		    (ret = add_subtrees(buf, len, kind, "IP", v, 1)) != 0)
			return ret;
	}
	return 0;
}

static int
add_constraint_list(char *buf, size_t len, const char *kind,
    const struct policy_subtrees *t)
{
	int ret;

	if ((ret = add_subtrees(buf, len, kind, "DNS", t->dns, t->ndns)) != 0 ||
	    (ret = add_ip_subtrees(buf, len, kind, t->ip, t->nip)) != 0 ||
	    (ret = add_subtrees(buf, len, kind, "URI", t->uri, t->nuri)) != 0)
		return ret;
	return add_subtrees(buf, len, kind, "email", t->email, t->nemail);
}

static int
add_name_constraints(X509 *cert, X509 *root,
    const struct intermediate_policy *p)
{
	char list[EXT_MAX] = "", value[EXT_MAX + 16];
	int ret;

	if ((ret = add_constraint_list(list, sizeof(list), "permitted",
	    &p->permitted)) != 0 ||
	    (ret = add_constraint_list(list, sizeof(list), "excluded",
	    &p->excluded)) != 0)
		return ret;
	if (list[0] == '\0')
		return 0;
	snprintf(value, sizeof(value), "%s%s", p->nc_critical ?
	    "critical," : "", list);
	return x509_add_ext(cert, root, NID_name_constraints, value);
}

static int
join(char *buf, size_t len, const char *prefix, const char **items,
    size_t n)
{
	size_t i, used;

	snprintf(buf, len, "%s", prefix);
	for (i = 0; i < n; i++) {
		used = strlen(buf);
		if ((size_t)snprintf(buf + used, len - used, "%s%s",
		    i ? "," : "", items[i]) >= len - used)
			return err_set(ERR_DATA, "extension value too long");
	}
	return 0;
}

/* certificatePolicies with bare OIDs.  (OpenSSL's config syntax for it
 * needs a config database, so it is built directly.) */
static int
add_policies(X509 *cert, const struct intermediate_policy *p)
{
	CERTIFICATEPOLICIES *pols = NULL;
	POLICYINFO *info = NULL;
	size_t i;
	int ret = ERR_INTERNAL;

	if (p->npolicy_oids == 0)
		return 0;
	if ((pols = sk_POLICYINFO_new_null()) == NULL)
		goto out;
	for (i = 0; i < p->npolicy_oids; i++) {
		if ((info = POLICYINFO_new()) == NULL)
			goto out;
		ASN1_OBJECT_free(info->policyid);
		if ((info->policyid = OBJ_txt2obj(p->policy_oids[i], 1)) ==
		    NULL) {
			ret = err_set(ERR_DATA, "policy OID %s is not valid",
			    p->policy_oids[i]);
			goto out;
		}
		if (sk_POLICYINFO_push(pols, info) == 0)
			goto out;
		info = NULL;
	}
	if (X509_add1_ext_i2d(cert, NID_certificate_policies, pols, 0,
	    X509V3_ADD_DEFAULT) == 1)
		ret = 0;
out:
	POLICYINFO_free(info);
	sk_POLICYINFO_pop_free(pols, POLICYINFO_free);
	ERR_clear_error();
	return ret == ERR_INTERNAL ? err_set(ret, "cannot encode "
	    "certificatePolicies") : ret;
}

static int
add_policy_extensions(X509 *cert, X509 *root,
    const struct intermediate_policy *p)
{
	char value[EXT_MAX];
	int ret;

	if (p->nekus > 0 && ((ret = join(value, sizeof(value), "", p->ekus,
	    p->nekus)) != 0 || (ret = x509_add_ext(cert, root,
	    NID_ext_key_usage, value)) != 0))
		return ret;
	if (p->crl_url != NULL) {
		snprintf(value, sizeof(value), "URI:%s", p->crl_url);
		if ((ret = x509_add_ext(cert, root, NID_crl_distribution_points,
		    value)) != 0)
			return ret;
	}
	if (p->ca_issuers_url != NULL) {
		snprintf(value, sizeof(value), "caIssuers;URI:%s",
		    p->ca_issuers_url);
		if ((ret = x509_add_ext(cert, root, NID_info_access,
		    value)) != 0)
			return ret;
	}
	return add_policies(cert, p);
}

static int
add_ca_extensions(X509 *cert, X509 *root, const struct intermediate_policy *p,
    X509 *cross)
{
	char bc[64];
	int ret;

	if (p->path_len >= 0)
		snprintf(bc, sizeof(bc), "critical,CA:TRUE,pathlen:%d",
		    p->path_len);
	else
		snprintf(bc, sizeof(bc), "critical,CA:TRUE");
	if ((ret = x509_add_ext(cert, root, NID_basic_constraints, bc)) != 0 ||
	    (ret = x509_add_ext(cert, root, NID_key_usage, "critical,"
	    "digitalSignature,keyCertSign,cRLSign")) != 0)
		return ret;
	if (cross != NULL && X509_get0_subject_key_id(cross) != NULL) {
		/* Root rollover: keep the SKI byte for byte. */
		if (X509_add1_ext_i2d(cert, NID_subject_key_identifier,
		    (void *)(uintptr_t)X509_get0_subject_key_id(cross), 0,
		    X509V3_ADD_DEFAULT) != 1)
			return err_set(ERR_INTERNAL, "cannot copy the SKI");
	} else if ((ret = x509_add_ext(cert, root, NID_subject_key_identifier,
	    "hash")) != 0)
		return ret;
	if ((ret = x509_add_ext(cert, root, NID_authority_key_identifier,
	    "keyid:always")) != 0 ||
	    (ret = add_name_constraints(cert, root, p)) != 0)
		return ret;
	return add_policy_extensions(cert, root, p);
}

/* One subject part: the policy's fixed value, else the CSR's when the
 * policy lets the CSR choose it, else none. */
static int
subject_part(X509_NAME *name, const char *field, int nid, const char *fixed,
    int from_csr, X509_NAME *csr)
{
	const ASN1_STRING *value;
	unsigned char *utf8 = NULL;
	int idx, len, ok;

	if (fixed != NULL)
		ok = X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
		    (const unsigned char *)fixed, -1, -1, 0);
	else if (from_csr && csr != NULL &&
	    (idx = X509_NAME_get_index_by_NID(csr, nid, -1)) >= 0) {
		value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(csr, idx));
		if ((len = ASN1_STRING_to_UTF8(&utf8, value)) < 0)
			return err_set(ERR_DATA, "the CSR's %s is not text",
			    field);
		ok = X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
		    utf8, len, -1, 0);
		OPENSSL_free(utf8);
	} else
		return 0;
	if (ok != 1) {
		ERR_clear_error();
		return err_set(ERR_DATA, "subject %s is not valid", field);
	}
	return 0;
}

static int
build_subject(const struct intermediate_policy *p, X509_NAME *csr,
    X509_NAME **out)
{
	X509_NAME *name = X509_NAME_new();
	int ret;

	*out = NULL;
	if (name == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if ((ret = subject_part(name, "C", NID_countryName, p->subject_c, 0,
	    csr)) != 0 ||
	    (ret = subject_part(name, "ST", NID_stateOrProvinceName,
	    p->subject_st, 0, csr)) != 0 ||
	    (ret = subject_part(name, "L", NID_localityName, p->subject_l, 0,
	    csr)) != 0 ||
	    (ret = subject_part(name, "O", NID_organizationName, p->subject_o,
	    p->csr_may_set_o, csr)) != 0 ||
	    (ret = subject_part(name, "OU", NID_organizationalUnitName,
	    p->subject_ou, p->csr_may_set_ou, csr)) != 0 ||
	    (ret = subject_part(name, "CN", NID_commonName, p->subject_cn,
	    p->csr_may_set_cn, csr)) != 0)
		goto out;
	if (X509_NAME_get_index_by_NID(name, NID_commonName, -1) < 0) {
		ret = err_set(ERR_NO, "the subject has no common name: policy "
		    "%s fixes none and the CSR gives none it may choose",
		    p->name);
		goto out;
	}
	*out = name;
	name = NULL;
out:
	X509_NAME_free(name);
	return ret;
}

static int
set_validity(X509 *cert, X509 *root, const struct intermediate_policy *p,
    unsigned days)
{
	time_t now = time(NULL), end;
	int cmp;

	if (days == 0)
		days = p->validity_days_default;
	if (days > p->validity_days_max)
		return err_set(ERR_NO, "validity of %u days is above the "
		    "maximum of policy %s (%u days)", days, p->name,
		    p->validity_days_max);
	if (days > INTERMEDIATE_MAX_DAYS)
		return err_set(ERR_NO, "validity of %u days is above the "
		    "10-year cap for intermediates", days);
	end = now + (time_t)days * 86400;
	if (X509_time_adj_ex(X509_getm_notBefore(cert), 0, 0, &now) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(cert), 0, 0, &end) == NULL)
		return err_set(ERR_INTERNAL, "cannot set validity");
	cmp = ASN1_TIME_compare(X509_get0_notAfter(cert),
	    X509_get0_notAfter(root));
	if (cmp > 0)
		return err_set(ERR_NO, "validity of %u days would end after the "
		    "root certificate's notAfter", days);
	return 0;
}

int
intermediate_build(const struct intermediate_policy *p, X509 *root,
    const struct intermediate_request *rq, X509 **out)
{
	X509_NAME *subject = NULL;
	X509 *cert;
	int ret;

	*out = NULL;
	if ((cert = X509_new()) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if (rq->cross != NULL)
		subject = X509_NAME_dup(X509_get_subject_name(rq->cross));
	else if ((ret = build_subject(p, rq->csr_subject, &subject)) != 0)
		goto out;
	ret = ERR_INTERNAL;
	if (subject == NULL || X509_set_version(cert, X509_VERSION_3) != 1 ||
	    X509_set_subject_name(cert, subject) != 1 ||
	    X509_set_issuer_name(cert, X509_get_subject_name(root)) != 1 ||
	    X509_set_pubkey(cert, rq->pub) != 1) {
		err_set(ret, "cannot build the certificate");
		goto out;
	}
	if ((ret = x509_random_serial(cert)) != 0 ||
	    (ret = set_validity(cert, root, p, rq->validity_days)) != 0 ||
	    (ret = add_ca_extensions(cert, root, p, rq->cross)) != 0)
		goto out;
	*out = cert;
	cert = NULL;
out:
	X509_NAME_free(subject);
	X509_free(cert);
	return ret;
}

static void
describe_ext(BIO *bio, X509 *cert, int nid, const char *title)
{
	int idx = X509_get_ext_by_NID(cert, nid, -1);

	if (idx < 0)
		return;
	BIO_printf(bio, "  %s%s:\n", title, X509_EXTENSION_get_critical(
	    X509_get_ext(cert, idx)) ? " (critical)" : "");
	if (!X509V3_EXT_print(bio, X509_get_ext(cert, idx), 0, 6))
		BIO_printf(bio, "      (cannot print)");
	BIO_printf(bio, "\n");
}

int
intermediate_describe(X509 *cert, char **text)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long n;

	*text = NULL;
	if (bio == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	describe_ext(bio, cert, NID_basic_constraints, "Basic constraints");
	describe_ext(bio, cert, NID_key_usage, "Key usage");
	describe_ext(bio, cert, NID_name_constraints, "Name constraints");
	describe_ext(bio, cert, NID_ext_key_usage, "Extended key usage");
	describe_ext(bio, cert, NID_crl_distribution_points, "CRL");
	describe_ext(bio, cert, NID_info_access, "Authority info access");
	describe_ext(bio, cert, NID_certificate_policies, "Policies");
	n = BIO_get_mem_data(bio, &data);
	if (n >= 0 && (*text = malloc((size_t)n + 1)) != NULL) {
		memcpy(*text, data, (size_t)n);
		(*text)[n] = '\0';
	}
	BIO_free(bio);
	return *text != NULL ? 0 : err_set(ERR_INTERNAL, "out of memory");
}
