/*
 * policy.c: load and validate an intermediate CA policy file.
 *
 * Trusts nothing in the file.  Every key is checked against the schema of
 * pki-policy(5) through yamlcfg (unknown, misspelt and duplicate keys
 * refused), and every value against the rule that makes it mean one
 * thing to every verifier: host names in lower-case A-label form, DNS
 * constraints without the leading dot that Python's cryptography rejects,
 * CIDR ranges whose host bits are clear, URI constraints only with an
 * explicit uri_constraints: true (GnuTLS and Python's cryptography do
 * not handle them), http URLs for the CRL and caIssuers (an https URL
 * would need the chain it is checking), OIDs that OpenSSL encodes as
 * written.  The file is read once; the SHA-256 is of the parsed bytes.
 * The lists in the result point into the YAML tree, which the policy
 * keeps until policy_free().  Never prints.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/objects.h>

#include "err.h"
#include "fileio.h"
#include "policy.h"
#include "yamlcfg.h"

#define MAX_NAME		64
#define MAX_SUBTREES		64	/* entries in one list */
#define MAX_URL			1024
#define MAX_OIDS		16
#define MAX_OID_TEXT		128
#define MAX_PATH_LEN		8

/* Which list a subtree entry belongs to. */
enum nc_kind {
	NC_DNS,
	NC_IP,
	NC_URI,
	NC_EMAIL
};

static const char *const top_keys[] = {
	"name", "subject", "validity", "path_len", "key_types",
	"name_constraints", "extended_key_usage", "root_urls",
	"certificate_policies", NULL
};
static const char *const subject_keys[] = {
	"country", "state", "locality", "organization",
	"organizational_unit", "common_name", "from_csr", NULL
};
static const char *const from_csr_names[] = {
	"common_name", "organizational_unit", "organization", NULL
};
static const char *const validity_keys[] = {
	"default_days", "max_days", NULL
};
static const char *const nc_keys[] = {
	"critical", "uri_constraints", "permitted", "excluded", NULL
};
static const char *const subtree_keys[] = {
	"dns", "ip", "uri", "email", NULL
};
static const char *const url_keys[] = { "crl", "ca_issuers", NULL };

/* OpenSSL short names, so OBJ_sn2nid() maps each to its OID. */
static const char *const eku_names[] = {
	"serverAuth", "clientAuth", "codeSigning", "emailProtection",
	"OCSPSigning", "timeStamping", NULL
};

static int
copy_str(const char *s, char **dst)
{
	*dst = NULL;
	if (s == NULL)
		return 0;
	if ((*dst = strdup(s)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	return 0;
}

/* The line of entry i of the list under key in map. */
static int
entry_line(const struct ynode *map, const char *key, size_t i)
{
	const struct ynode *seq = yamlcfg_get(map, key);

	return seq != NULL && i < seq->count ? seq->items[i]->line :
	    yamlcfg_line(map, key);
}

/*
 * Why s is not a host name in lower-case A-label form (RFC 1123, RFC
 * 5890), or NULL if it is one.  An all-numeric last label is refused:
 * such a name is an IP address written in the wrong place.
 */
static const char *
host_problem(const char *s)
{
	size_t i, label = 0, digits = 0, len = strlen(s);

	if (len == 0)
		return "is empty";
	if (len > 253)
		return "is longer than 253 bytes";
	for (i = 0; i <= len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '.' || ch == '\0') {
			if (label == 0)
				return "has an empty label (a dot at the start "
				    "or end, or two dots in a row)";
			if (s[i - 1] == '-' || s[i - label] == '-')
				return "has a label that begins or ends with "
				    "'-'";
			if (ch == '\0' && digits == label)
				return "ends in an all-numeric label: an IP "
				    "address belongs under ip, as a CIDR range";
			label = digits = 0;
			continue;
		}
		if (ch >= 0x80)
			return "is not ASCII: write an internationalised name "
			    "in its A-label form (xn--...)";
		if (ch >= 'A' && ch <= 'Z')
			return "has upper-case letters: write host names in "
			    "lower case";
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '-'))
			return "has a character other than a-z, 0-9, '-' and "
			    "'.'";
		if (ch >= '0' && ch <= '9')
			digits++;
		if (++label > 63)
			return "has a label longer than 63 bytes";
	}
	return NULL;
}

static int
check_dns(const char *path, int line, const char *v)
{
	const char *why;

	if (v[0] == '.')
		return yamlcfg_err(path, line, "dns \"%s\" begins with a dot: "
		    "write \"%s\"; a dNSName constraint without the dot "
		    "already covers that name and every name under it, and "
		    "Python's cryptography rejects the leading-dot form as "
		    "malformed", v, v + 1);
	if (strchr(v, '*') != NULL)
		return yamlcfg_err(path, line, "dns \"%s\" has a wildcard: a "
		    "constraint such as \"example.org\" already covers every "
		    "name under it", v);
	if ((why = host_problem(v)) != NULL)
		return yamlcfg_err(path, line, "dns \"%s\" %s", v, why);
	return 0;
}

static int
check_uri(const char *path, int line, const char *v)
{
	const char *why;

	if (strstr(v, "://") != NULL)
		return yamlcfg_err(path, line, "uri \"%s\" has a scheme: write "
		    "the host only, such as \"dev.example.org\" for the SPIFFE "
		    "trust domain spiffe://dev.example.org (a URI constraint "
		    "matches the host part, RFC 5280 4.2.1.10)", v);
	if (strpbrk(v, "/:@?#[]") != NULL)
		return yamlcfg_err(path, line, "uri \"%s\" must be a host "
		    "(\"host.example.org\") or a domain (\".example.org\"), "
		    "without user, port or path", v);
	if ((why = host_problem(v[0] == '.' ? v + 1 : v)) != NULL)
		return yamlcfg_err(path, line, "uri \"%s\" %s", v, why);
	return 0;
}

/*
 * An rfc822Name constraint (RFC 5280 4.2.1.10): a mailbox
 * "user@host", all mailboxes at "host", or any host under ".domain".
 */
static int
check_email(const char *path, int line, const char *v)
{
	static const char atext[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~.";
	const char *at = strchr(v, '@'), *host, *why, *p;

	host = at != NULL ? at + 1 : v[0] == '.' ? v + 1 : v;
	if (at != NULL) {
		if (at == v || strchr(at + 1, '@') != NULL)
			return yamlcfg_err(path, line, "email \"%s\" must be "
			    "\"user@host\", \"host\" or \".domain\"", v);
		for (p = v; p < at; p++)
			if (strchr(atext, *p) == NULL || (*p == '.' &&
			    (p == v || p + 1 == at || p[1] == '.')))
				return yamlcfg_err(path, line, "email \"%s\" "
				    "has a mailbox part that is not an RFC 5322 "
				    "dot-atom (letters, digits and %s, no dot "
				    "at either end or twice)", v, atext + 62);
	}
	if ((why = host_problem(host)) != NULL)
		return yamlcfg_err(path, line, "email \"%s\": the host \"%s\" "
		    "%s", v, host, why);
	return 0;
}

/* The prefix length after the slash: digits, no leading zero. */
static int
parse_prefix(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0') || strlen(s) > 3)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * Parse cidr into address || mask (8 or 32 bytes).  On failure write
 * the reason, a phrase that follows the quoted range, into why.
 */
static int
cidr_parse(const char *cidr, unsigned char out[32], size_t *len, char *why,
    size_t whylen)
{
	char addr[64], text[INET6_ADDRSTRLEN];
	const char *slash = strchr(cidr, '/');
	unsigned char *a = out, *m;
	unsigned prefix, i, alen;
	int v6, broken = 0;

	if (slash == NULL) {
		snprintf(why, whylen, "has no prefix length: write a CIDR "
		    "range such as 10.10.0.0/16 (one address is /32 or /128)");
		return -1;
	}
	v6 = memchr(cidr, ':', (size_t)(slash - cidr)) != NULL;
	alen = v6 ? 16 : 4;
	m = out + alen;
	if ((size_t)(slash - cidr) >= sizeof(addr) ||
	    snprintf(addr, sizeof(addr), "%.*s", (int)(slash - cidr), cidr) <
	    0 || inet_pton(v6 ? AF_INET6 : AF_INET, addr, a) != 1) {
		snprintf(why, whylen, "is not an IPv4 or IPv6 address range");
		return -1;
	}
	if (parse_prefix(slash + 1, alen * 8, &prefix) != 0) {
		snprintf(why, whylen, "has a prefix length that is not a "
		    "number from 0 to %u", alen * 8);
		return -1;
	}
	for (i = 0; i < alen; i++) {
		m[i] = prefix >= 8 * (i + 1) ? 0xff : prefix <= 8 * i ? 0 :
		    (unsigned char)(0xff00 >> (prefix - 8 * i));
		broken |= (a[i] & ~m[i]) != 0;
		a[i] &= m[i];
	}
	*len = 2 * alen;
	if (broken) {
		inet_ntop(v6 ? AF_INET6 : AF_INET, a, text, sizeof(text));
		snprintf(why, whylen, "has host bits set: the range is "
		    "written %s/%u", text, prefix);
		return -1;
	}
	return 0;
}

int
policy_parse_cidr(const char *cidr, unsigned char out[32], size_t *len)
{
	char why[160];

	if (cidr_parse(cidr, out, len, why, sizeof(why)) != 0)
		return err_set(ERR_DATA, "\"%s\" %s", cidr, why);
	return 0;
}

static int
check_ip(const char *path, int line, const char *v)
{
	unsigned char buf[32];
	char why[160];
	size_t len;

	if (cidr_parse(v, buf, &len, why, sizeof(why)) != 0)
		return yamlcfg_err(path, line, "ip \"%s\" %s", v, why);
	return 0;
}

/* Two entries of a list of the given kind name the same subtree. */
static int
same_entry(enum nc_kind kind, const char *a, const char *b)
{
	unsigned char ba[32], bb[32];
	char why[160];
	size_t la, lb;

	if (kind != NC_IP)
		return strcasecmp(a, b) == 0;
	if (cidr_parse(a, ba, &la, why, sizeof(why)) != 0 ||
	    cidr_parse(b, bb, &lb, why, sizeof(why)) != 0)
		return 0;
	return la == lb && memcmp(ba, bb, la) == 0;
}

static int
check_entry(enum nc_kind kind, const char *path, int line, const char *v)
{
	switch (kind) {
	case NC_DNS:
		return check_dns(path, line, v);
	case NC_IP:
		return check_ip(path, line, v);
	case NC_URI:
		return check_uri(path, line, v);
	default:
		return check_email(path, line, v);
	}
}

/* One list of a permitted or excluded section: entries valid, unique. */
static int
load_list(const struct ynode *sub, const char *path, const char *key,
    enum nc_kind kind, const char ***out, size_t *n)
{
	size_t i, j;
	int ret;

	if ((ret = yamlcfg_strlist(sub, path, key, 0, 0, MAX_SUBTREES, out,
	    n)) != 0)
		return ret;
	for (i = 0; i < *n; i++) {
		if ((ret = check_entry(kind, path, entry_line(sub, key, i),
		    (*out)[i])) != 0)
			return ret;
		for (j = 0; j < i; j++)
			if (same_entry(kind, (*out)[i], (*out)[j]))
				return yamlcfg_err(path, entry_line(sub, key,
				    i), "%s \"%s\" is listed twice (first at "
				    "line %d)", key, (*out)[i],
				    entry_line(sub, key, j));
	}
	return 0;
}

static int
load_subtrees(const struct ynode *nc, const char *path, const char *key,
    struct policy_subtrees *t)
{
	const struct ynode *sub;
	int ret;

	if ((ret = yamlcfg_map(nc, path, key, 0, &sub)) != 0 || sub == NULL)
		return ret;
	if ((ret = yamlcfg_check_keys(sub, path, NULL, subtree_keys)) != 0 ||
	    (ret = load_list(sub, path, "dns", NC_DNS, &t->dns,
	    &t->ndns)) != 0 ||
	    (ret = load_list(sub, path, "ip", NC_IP, &t->ip, &t->nip)) != 0 ||
	    (ret = load_list(sub, path, "uri", NC_URI, &t->uri,
	    &t->nuri)) != 0)
		return ret;
	return load_list(sub, path, "email", NC_EMAIL, &t->email,
	    &t->nemail);
}

/* An entry both permitted and excluded means nothing: refuse it. */
static int
check_overlap(const struct ynode *nc, const char *path, const char *key,
    enum nc_kind kind, const char **perm, size_t np, const char **excl,
    size_t ne)
{
	const struct ynode *ex = yamlcfg_get(nc, "excluded");
	size_t i, j;

	for (i = 0; i < ne; i++)
		for (j = 0; j < np; j++)
			if (same_entry(kind, excl[i], perm[j]))
				return yamlcfg_err(path, entry_line(ex, key, i),
				    "%s \"%s\" is both permitted and excluded",
				    key, excl[i]);
	return 0;
}

static int
check_uri_choice(const struct intermediate_policy *p, const struct ynode *nc,
    const char *path)
{
	size_t nuri = p->permitted.nuri + p->excluded.nuri;

	if (!p->uri_constraints && nuri > 0)
		return yamlcfg_err(path, yamlcfg_line(nc, "uri_constraints"),
		    "uri subtrees are listed but uri_constraints is false: "
		    "set it to true to write URI constraints (GnuTLS then "
		    "rejects every URI SAN under this intermediate and "
		    "Python's cryptography cannot verify its chains)");
	if (p->uri_constraints && nuri == 0)
		return yamlcfg_err(path, yamlcfg_line(nc, "uri_constraints"),
		    "uri_constraints is true but no permitted or excluded "
		    "uri is listed");
	return 0;
}

static int
check_nc(const struct intermediate_policy *p, const struct ynode *nc,
    const char *path)
{
	const struct policy_subtrees *a = &p->permitted, *b = &p->excluded;
	int ret;

	if (a->ndns + a->nip + a->nuri + a->nemail + b->ndns + b->nip +
	    b->nuri + b->nemail == 0)
		return yamlcfg_err(path, nc->head_line, "name_constraints "
		    "lists no permitted or excluded subtree (remove the "
		    "section for an intermediate without name constraints)");
	if ((ret = check_overlap(nc, path, "dns", NC_DNS, a->dns, a->ndns,
	    b->dns, b->ndns)) != 0 ||
	    (ret = check_overlap(nc, path, "ip", NC_IP, a->ip, a->nip,
	    b->ip, b->nip)) != 0 ||
	    (ret = check_overlap(nc, path, "uri", NC_URI, a->uri, a->nuri,
	    b->uri, b->nuri)) != 0 ||
	    (ret = check_overlap(nc, path, "email", NC_EMAIL, a->email,
	    a->nemail, b->email, b->nemail)) != 0)
		return ret;
	return check_uri_choice(p, nc, path);
}

static int
load_nc(struct intermediate_policy *p, const struct ynode *root,
    const char *path)
{
	const struct ynode *nc;
	int ret;

	p->nc_critical = 1;
	if ((ret = yamlcfg_map(root, path, "name_constraints", 0, &nc)) != 0 ||
	    nc == NULL)
		return ret;
	p->has_nc = 1;
	if ((ret = yamlcfg_check_keys(nc, path, NULL, nc_keys)) != 0 ||
	    (ret = yamlcfg_bool(nc, path, "critical", 0, 1,
	    &p->nc_critical)) != 0 ||
	    (ret = yamlcfg_bool(nc, path, "uri_constraints", 1, 0,
	    &p->uri_constraints)) != 0 ||
	    (ret = load_subtrees(nc, path, "permitted", &p->permitted)) != 0 ||
	    (ret = load_subtrees(nc, path, "excluded", &p->excluded)) != 0)
		return ret;
	return check_nc(p, nc, path);
}

static int
load_name(struct intermediate_policy *p, const struct ynode *root,
    const char *path)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
	size_t i;
	int ret;

	if ((ret = yamlcfg_text(root, path, "name", 1, MAX_NAME, &p->name)) != 0)
		return ret;
	for (i = 0; p->name[i] != '\0'; i++)
		if (strchr(ok, p->name[i]) == NULL)
			return yamlcfg_err(path, yamlcfg_line(root, "name"),
			    "name \"%s\" may hold only letters, digits, '.', "
			    "'_' and '-'", p->name);
	return 0;
}

static int
load_country(struct intermediate_policy *p, const struct ynode *subj,
    const char *path)
{
	const char *s;
	int ret;

	if ((ret = yamlcfg_country(subj, path, "country", &s)) != 0)
		return ret;
	return copy_str(s, &p->subject_c);
}

/* subject.from_csr: which parts the CSR chooses; never a fixed part. */
static int
load_from_csr(struct intermediate_policy *p, const struct ynode *subj,
    const char *path)
{
	int *flag[] = { &p->csr_may_set_cn, &p->csr_may_set_ou,
	    &p->csr_may_set_o };
	const char **list;
	size_t i, n;
	int ret, k;

	if ((ret = yamlcfg_strlist(subj, path, "from_csr", 0, 0, 3, &list,
	    &n)) != 0)
		return ret;
	for (i = 0; i < n; i++) {
		for (k = 0; from_csr_names[k] != NULL; k++)
			if (strcmp(list[i], from_csr_names[k]) == 0)
				break;
		if (from_csr_names[k] == NULL)
			return yamlcfg_err(path, entry_line(subj, "from_csr",
			    i), "from_csr entry \"%s\" is not known (known: "
			    "common_name, organizational_unit, organization)",
			    list[i]);
		if (*flag[k])
			return yamlcfg_err(path, entry_line(subj, "from_csr",
			    i), "from_csr lists \"%s\" twice", list[i]);
		if (yamlcfg_get(subj, from_csr_names[k]) != NULL)
			return yamlcfg_err(path, entry_line(subj, "from_csr",
			    i), "%s is both fixed (line %d) and taken from "
			    "the CSR: choose one", list[i],
			    yamlcfg_line(subj, from_csr_names[k]));
		*flag[k] = 1;
	}
	return 0;
}

/* Lengths are the upper bounds of RFC 5280 appendix A. */
static int
load_subject(struct intermediate_policy *p, const struct ynode *root,
    const char *path)
{
	const struct ynode *subj;
	int ret;

	if ((ret = yamlcfg_map(root, path, "subject", 1, &subj)) != 0 ||
	    (ret = yamlcfg_check_keys(subj, path, NULL, subject_keys)) != 0 ||
	    (ret = load_country(p, subj, path)) != 0 ||
	    (ret = yamlcfg_text(subj, path, "state", 0, 128,
	    &p->subject_st)) != 0 ||
	    (ret = yamlcfg_text(subj, path, "locality", 0, 128,
	    &p->subject_l)) != 0 ||
	    (ret = yamlcfg_text(subj, path, "organization", 0, 64,
	    &p->subject_o)) != 0 ||
	    (ret = yamlcfg_text(subj, path, "organizational_unit", 0, 64,
	    &p->subject_ou)) != 0 ||
	    (ret = yamlcfg_text(subj, path, "common_name", 0, 64,
	    &p->subject_cn)) != 0 ||
	    (ret = load_from_csr(p, subj, path)) != 0)
		return ret;
	if (p->subject_cn == NULL && !p->csr_may_set_cn)
		return yamlcfg_err(path, subj->head_line, "the subject has no "
		    "common_name: fix one, or list common_name in from_csr");
	return 0;
}

static int
load_validity(struct intermediate_policy *p, const struct ynode *root,
    const char *path)
{
	const struct ynode *v;
	int ret;

	if ((ret = yamlcfg_map(root, path, "validity", 1, &v)) != 0 ||
	    (ret = yamlcfg_check_keys(v, path, NULL, validity_keys)) != 0 ||
	    (ret = yamlcfg_uint(v, path, "default_days", 1, 1,
	    POLICY_MAX_DAYS, 0, &p->validity_days_default)) != 0 ||
	    (ret = yamlcfg_uint(v, path, "max_days", 1, 1, POLICY_MAX_DAYS,
	    0, &p->validity_days_max)) != 0)
		return ret;
	if (p->validity_days_default > p->validity_days_max)
		return yamlcfg_err(path, yamlcfg_line(v, "default_days"),
		    "default_days %u is more than max_days %u",
		    p->validity_days_default, p->validity_days_max);
	return 0;
}

/* A number 0..8, or none for no pathLenConstraint. */
static int
load_path_len(struct intermediate_policy *p, const struct ynode *root,
    const char *path)
{
	const struct ynode *n = yamlcfg_get(root, "path_len");
	unsigned v;
	int ret;

	if (n != NULL && n->kind == YNODE_SCALAR && !n->quoted &&
	    strcmp(n->value, "none") == 0) {
		p->path_len = -1;
		return 0;
	}
	if ((ret = yamlcfg_uint(root, path, "path_len", 0, 0, MAX_PATH_LEN,
	    0, &v)) != 0)
		return ret;
	p->path_len = (int)v;
	return 0;
}

static int
load_key_types(struct intermediate_policy *p, const struct ynode *root,
    const char *path)
{
	enum key_type t;
	const char **list;
	size_t i, n;
	int ret;

	p->key_types = POLICY_KEYS_DEFAULT;
	if ((ret = yamlcfg_strlist(root, path, "key_types", 0, 1, 4, &list,
	    &n)) != 0 || list == NULL)
		return ret;
	p->key_types = 0;
	for (i = 0; i < n; i++) {
		if (keytype_parse(list[i], &t) != 0)
			return yamlcfg_err(path, entry_line(root, "key_types",
			    i), "key type \"%s\" is not allowed for an "
			    "intermediate (allowed: p256, p384, rsa3072, "
			    "rsa4096)", list[i]);
		if (p->key_types & POLICY_KEY_BIT(t))
			return yamlcfg_err(path, entry_line(root, "key_types",
			    i), "key type \"%s\" is listed twice", list[i]);
		p->key_types |= POLICY_KEY_BIT(t);
	}
	return 0;
}

static int
check_eku(const char *path, int line, const char *v)
{
	int i;

	if (strcmp(v, "OCSPSigning") == 0)
		return yamlcfg_err(path, line, "OCSPSigning is refused for an "
		    "intermediate: a CA certificate with it answers OCSP for "
		    "the root, including about its sibling intermediates; "
		    "OCSP signers are leaves under the intermediate");
	for (i = 0; eku_names[i] != NULL; i++)
		if (strcmp(v, eku_names[i]) == 0)
			return 0;
	return yamlcfg_err(path, line, "extended key usage \"%s\" is not known "
	    "(known: serverAuth, clientAuth, codeSigning, emailProtection, "
	    "timeStamping)", v);
}

static int
load_ekus(struct intermediate_policy *p, const struct ynode *root,
    const char *path)
{
	const char *key = "extended_key_usage";
	size_t i, j;
	int ret;

	if ((ret = yamlcfg_strlist(root, path, key, 1, 0, 6, &p->ekus,
	    &p->nekus)) != 0)
		return ret;
	for (i = 0; i < p->nekus; i++) {
		if ((ret = check_eku(path, entry_line(root, key, i),
		    p->ekus[i])) != 0)
			return ret;
		for (j = 0; j < i; j++)
			if (strcmp(p->ekus[i], p->ekus[j]) == 0)
				return yamlcfg_err(path, entry_line(root, key,
				    i), "extended key usage \"%s\" is listed "
				    "twice", p->ekus[i]);
	}
	return 0;
}

/* RFC 3986 characters allowed in a URL's path and query. */
static int
url_chars_ok(const char *s)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/?";
	const char *hex = "0123456789abcdefABCDEF";

	for (; *s != '\0'; s++) {
		if (*s == '%') {
			if (s[1] == '\0' || strchr(hex, s[1]) == NULL ||
			    s[2] == '\0' || strchr(hex, s[2]) == NULL)
				return 0;
			s += 2;
		} else if (strchr(ok, *s) == NULL)
			return 0;
	}
	return 1;
}

/* The port after the colon of an authority: 1..65535. */
static int
port_ok(const char *s, size_t len)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5 || s[0] == '0')
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v <= 65535;
}

/* Why the host[:port] of an http URL is wrong, or NULL. */
static const char *
authority_problem(const char *auth, size_t len)
{
	char host[256];
	unsigned char addr[16];
	const char *end = auth + len, *hend;

	if (memchr(auth, '@', len) != NULL)
		return "has a user name";
	if (auth[0] == '[')
		hend = memchr(auth, ']', len) != NULL ?
		    (const char *)memchr(auth, ']', len) + 1 : end;
	else if ((hend = memchr(auth, ':', len)) == NULL)
		hend = end;
	if (hend < end && (*hend != ':' || !port_ok(hend + 1,
	    (size_t)(end - hend - 1))))
		return "has a port that is not a number from 1 to 65535";
	if (hend == auth || (size_t)(hend - auth) >= sizeof(host))
		return "has no host";
	snprintf(host, sizeof(host), "%.*s", (int)(hend - auth), auth);
	if (host[0] == '[') {
		host[strlen(host) - 1] = '\0';
		return hend[-1] != ']' || inet_pton(AF_INET6, host + 1,
		    addr) != 1 ? "has a malformed [IPv6] host" : NULL;
	}
	if (strspn(host, "0123456789.") == strlen(host))
		return inet_pton(AF_INET, host, addr) == 1 ? NULL :
		    "has a malformed IPv4 host";
	return host_problem(host) != NULL ? "has a malformed host name" : NULL;
}

static int
check_url(const char *path, int line, const char *key, const char *v)
{
	const char *auth = v + 7, *slash, *why;

	if (strncasecmp(v, "https://", 8) == 0)
		return yamlcfg_err(path, line, "%s \"%s\" is https: use http "
		    "(RFC 5280 4.2.1.13 and 4.2.2.1); a client fetching it "
		    "over TLS would need the chain it is checking, and the "
		    "object is signed anyway", key, v);
	if (strncmp(v, "http://", 7) != 0)
		return yamlcfg_err(path, line, "%s \"%s\" is not an http:// "
		    "URL", key, v);
	if ((slash = strchr(auth, '/')) == NULL || slash[1] == '\0')
		return yamlcfg_err(path, line, "%s \"%s\" names no file, such "
		    "as http://pki.example.org/root.crl", key, v);
	if ((why = authority_problem(auth, (size_t)(slash - auth))) != NULL)
		return yamlcfg_err(path, line, "%s \"%s\" %s", key, v, why);
	if (!url_chars_ok(slash) || strchr(slash, '#') != NULL)
		return yamlcfg_err(path, line, "%s \"%s\" has a character that "
		    "RFC 3986 wants percent-encoded", key, v);
	return 0;
}

static int
load_urls(struct intermediate_policy *p, const struct ynode *root,
    const char *path)
{
	const struct ynode *u;
	int ret;

	if ((ret = yamlcfg_map(root, path, "root_urls", 1, &u)) != 0 ||
	    (ret = yamlcfg_check_keys(u, path, NULL, url_keys)) != 0 ||
	    (ret = yamlcfg_text(u, path, "crl", 1, MAX_URL, &p->crl_url)) != 0 ||
	    (ret = yamlcfg_text(u, path, "ca_issuers", 1, MAX_URL,
	    &p->ca_issuers_url)) != 0 ||
	    (ret = check_url(path, yamlcfg_line(u, "crl"), "crl",
	    p->crl_url)) != 0)
		return ret;
	return check_url(path, yamlcfg_line(u, "ca_issuers"), "ca_issuers",
	    p->ca_issuers_url);
}

/*
 * A dotted OID as X.660 allows: at least two arcs, the first 0..2, the
 * second below 40 under 0 and 1, decimal arcs without leading zeros.
 */
static int
check_oid(const char *path, int line, const char *v)
{
	ASN1_OBJECT *obj;
	const char *p;
	size_t arcs = 0, len;

	if (strlen(v) > MAX_OID_TEXT)
		return yamlcfg_err(path, line, "OID \"%.20s...\" is longer "
		    "than %d characters", v, MAX_OID_TEXT);
	for (p = v; ; p += len + 1) {
		len = strspn(p, "0123456789");
		if (len == 0 || (p[0] == '0' && len > 1) ||
		    (p[len] != '.' && p[len] != '\0'))
			return yamlcfg_err(path, line, "OID \"%s\" is not "
			    "dotted decimal (such as 1.3.6.1.4.1.32473.1)", v);
		if ((arcs == 0 && (len > 1 || p[0] > '2')) || (arcs == 1 &&
		    v[0] != '2' && (len > 2 || (len == 2 && p[0] > '3'))))
			return yamlcfg_err(path, line, "OID \"%s\" has arcs "
			    "that X.660 does not allow (first 0..2; second "
			    "0..39 under 0 and 1)", v);
		arcs++;
		if (p[len] == '\0')
			break;
	}
	if (arcs < 2)
		return yamlcfg_err(path, line, "OID \"%s\" has a single arc",
		    v);
	if ((obj = OBJ_txt2obj(v, 1)) == NULL)
		return yamlcfg_err(path, line, "OID \"%s\" cannot be encoded",
		    v);
	ASN1_OBJECT_free(obj);
	return 0;
}

static int
load_oids(struct intermediate_policy *p, const struct ynode *root,
    const char *path)
{
	const char *key = "certificate_policies";
	size_t i, j;
	int ret;

	if ((ret = yamlcfg_strlist(root, path, key, 0, 1, MAX_OIDS,
	    &p->policy_oids, &p->npolicy_oids)) != 0)
		return ret;
	for (i = 0; i < p->npolicy_oids; i++) {
		if ((ret = check_oid(path, entry_line(root, key, i),
		    p->policy_oids[i])) != 0)
			return ret;
		for (j = 0; j < i; j++)
			if (strcmp(p->policy_oids[i], p->policy_oids[j]) == 0)
				return yamlcfg_err(path, entry_line(root, key,
				    i), "OID \"%s\" is listed twice",
				    p->policy_oids[i]);
	}
	return 0;
}

int
policy_load(const char *path, struct intermediate_policy **out)
{
	struct intermediate_policy *p;
	int ret;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if ((ret = copy_str(path, &p->path)) != 0 ||
	    (ret = yamlcfg_load_hashed(path, p->sha256, &p->tree)) != 0)
		goto out;
	if ((ret = yamlcfg_check_keys(p->tree, path, NULL, top_keys)) != 0 ||
	    (ret = load_name(p, p->tree, path)) != 0 ||
	    (ret = load_subject(p, p->tree, path)) != 0 ||
	    (ret = load_validity(p, p->tree, path)) != 0 ||
	    (ret = load_path_len(p, p->tree, path)) != 0 ||
	    (ret = load_key_types(p, p->tree, path)) != 0 ||
	    (ret = load_nc(p, p->tree, path)) != 0 ||
	    (ret = load_ekus(p, p->tree, path)) != 0 ||
	    (ret = load_urls(p, p->tree, path)) != 0 ||
	    (ret = load_oids(p, p->tree, path)) != 0)
		goto out;
	*out = p;
	p = NULL;
out:
	policy_free(p);
	return ret;
}

void
policy_free(struct intermediate_policy *p)
{
	if (p == NULL)
		return;
	free(p->path);
	free(p->name);
	free(p->subject_c);
	free(p->subject_st);
	free(p->subject_l);
	free(p->subject_o);
	free(p->subject_ou);
	free(p->subject_cn);
	free(p->crl_url);
	free(p->ca_issuers_url);
	yamlcfg_free(p->tree);
	free(p);
}
