/*
 * profile.c: load leaf certificate profiles and check requests against
 * them.
 *
 * Trusts nothing in the profile file: every key is checked against the
 * schema of pki-profile(5) through yamlcfg (unknown, misspelt and
 * duplicate keys refused) and every pattern against a grammar with one
 * meaning: a DNS "*" is the whole first label and stands for exactly one
 * label, a URI "*" is a whole path (or URN) segment and stands for
 * exactly one non-empty segment, IP ranges are CIDR with the host bits
 * clear.  Trusts nothing in a request either: a name is validated before
 * it is matched (so that "..", percent-encoding or an empty label cannot
 * slip past a "*") and escaped before it is quoted in a message, since
 * it may hold terminal control characters.  Matching allocates nothing;
 * the lists of a profile point into its YAML tree, which it keeps until
 * profile_free().  Never prints.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "fileio.h"
#include "policy.h"
#include "profile.h"
#include "yamlcfg.h"

#define MAX_NAME		64
#define MAX_DESCRIPTION		128
#define MAX_PATTERNS		64
#define MAX_DNS			253
#define MAX_URI			2048
#define MAX_EMAIL		254
#define MAX_LOCAL		64
#define MAX_NAMES_CAP		1000
#define DEFAULT_MAX_NAMES	100
#define MAX_LISTED		128	/* profiles named in a message */
#define QUOTE_MAX		80	/* bytes of a value quoted */
#define QUOTE_BUF		(4 * QUOTE_MAX + 8)
#define WHY_BUF			192

/* Flags of dns_problem(). */
#define DNS_LOWER		0x01u	/* a profile pattern: lower case */
#define DNS_WILDCARD		0x02u	/* a leading "*." label is allowed */
#define DNS_UNDERSCORE		0x04u	/* '_' allowed (URI hosts) */

#define KEYS_EC			(PROFILE_KEY_P256 | PROFILE_KEY_P384)
#define KEYS_ALL		(KEYS_EC | PROFILE_KEY_RSA | \
				 PROFILE_KEY_ED25519)

static const char *const top_keys[] = {
	"profile", "description", "key", "subject", "names", "key_usage",
	"extended_key_usage", "lifetime", NULL
};
static const char *const key_keys[] = { "types", "rsa_min_bits", NULL };
static const char *const subject_keys[] = {
	"allow_common_name", "country", "state", "locality", "organization",
	"organizational_unit", NULL
};
static const char *const names_keys[] = {
	"dns", "ip", "uri", "email", "wildcard_certificates", "max",
	"from_csr", "from_flags", NULL
};
static const char *const lifetime_keys[] = {
	"default", "max", "from_flag", NULL
};
/* Indexed by enum san_kind. */
static const char *const kind_keys[] = { "dns", "ip", "uri", "email", NULL };

static const struct {
	const char	*name;
	unsigned	 bit;
	unsigned	 keys;		/* key types that can do it */
} ku_table[] = {
	{ "digitalSignature", X509v3_KU_DIGITAL_SIGNATURE, KEYS_ALL },
	{ "nonRepudiation", X509v3_KU_NON_REPUDIATION, KEYS_ALL },
	{ "keyEncipherment", X509v3_KU_KEY_ENCIPHERMENT, PROFILE_KEY_RSA },
	{ "dataEncipherment", X509v3_KU_DATA_ENCIPHERMENT, PROFILE_KEY_RSA },
	{ "keyAgreement", X509v3_KU_KEY_AGREEMENT, KEYS_EC },
};
#define NKU	(sizeof(ku_table) / sizeof(ku_table[0]))

static const char *const eku_names[] = {
	"serverAuth", "clientAuth", "codeSigning", "emailProtection",
	"timeStamping", NULL
};

static const struct {
	const char	*name;		/* in the file */
	unsigned	 bit;
	const char	*text;		/* in messages */
} key_table[] = {
	{ "p256", PROFILE_KEY_P256, "ECDSA P-256" },
	{ "p384", PROFILE_KEY_P384, "ECDSA P-384" },
	{ "rsa", PROFILE_KEY_RSA, "RSA" },
	{ "ed25519", PROFILE_KEY_ED25519, "Ed25519" },
};
#define NKEYS	(sizeof(key_table) / sizeof(key_table[0]))

/* Small helpers. */

static int
is_alpha(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int
is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static int
is_alnum(int ch)
{
	return is_alpha(ch) || is_digit(ch);
}

static int
has_upper(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			return 1;
	return 0;
}

/*
 * s as printable ASCII for a message: quotes, backslashes and bytes
 * outside 0x20..0x7e as \xNN, cut after QUOTE_MAX bytes.  buf holds at
 * least QUOTE_BUF bytes.
 */
static const char *
quote(const char *s, char *buf)
{
	size_t i, o = 0;
	unsigned char ch;

	for (i = 0; s[i] != '\0'; i++) {
		if (i == QUOTE_MAX) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		ch = (unsigned char)s[i];
		if (ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\') {
			snprintf(buf + o, QUOTE_BUF - o, "\\x%02x", ch);
			o += 4;
		} else
			buf[o++] = (char)ch;
	}
	buf[o] = '\0';
	return buf;
}

/* The line of entry i of the list under key in map. */
static int
entry_line(const struct ynode *map, const char *key, size_t i)
{
	const struct ynode *seq = yamlcfg_get(map, key);

	return seq != NULL && seq->kind == YNODE_SEQ && i < seq->count ?
	    seq->items[i]->line : yamlcfg_line(map, key);
}

/* Name checks: each returns why a value is malformed, or NULL. */

/*
 * Why s is not a sequence of LDH labels (RFC 1123): a verb phrase that
 * follows "it" in a message.  A last label of digits only is refused:
 * that name is an IP address written in the wrong place.
 */
static const char *
labels_problem(const char *s, unsigned flags)
{
	size_t i, label = 0, digits = 0;
	unsigned char ch;

	for (i = 0; ; i++) {
		ch = (unsigned char)s[i];
		if (ch == '.' || ch == '\0') {
			if (label == 0)
				return "has an empty label";
			if (s[i - 1] == '-' || s[i - label] == '-')
				return "has a label that begins or ends with "
				    "\"-\"";
			if (ch == '\0')
				return digits == label ? "ends in an "
				    "all-numeric label (an IP address is "
				    "an IP name, not a DNS name)" : NULL;
			label = digits = 0;
			continue;
		}
		if (ch >= 0x80)
			return "is not ASCII (write an internationalised "
			    "name in its xn-- form)";
		if ((flags & DNS_LOWER) && ch >= 'A' && ch <= 'Z')
			return "has upper-case letters (write patterns in "
			    "lower case)";
		if (!is_alnum(ch) && ch != '-' &&
		    !(ch == '_' && (flags & DNS_UNDERSCORE)))
			return "has a character other than letters, digits, "
			    "\"-\" and \".\"";
		digits += is_digit(ch);
		if (++label > 63)
			return "has a label longer than 63 bytes";
	}
}

/*
 * Why s is not a DNS name (or, with DNS_WILDCARD, a wildcard name
 * "*.a.b" whose "*" is the whole first label, over at least two labels).
 */
static const char *
dns_problem(const char *s, unsigned flags)
{
	size_t len = strlen(s);

	if (len == 0)
		return "is empty";
	if (len > MAX_DNS)
		return "is longer than 253 bytes";
	if (s[len - 1] == '.')
		return "ends with a dot";
	if ((flags & DNS_WILDCARD) && s[0] == '*' && s[1] == '.') {
		s += 2;
		if (strchr(s, '.') == NULL)
			return "is a wildcard over a single label (\"*.\" "
			    "must be followed by at least two labels)";
	}
	if (strchr(s, '*') != NULL)
		return (flags & DNS_WILDCARD) ? "has a \"*\" that is not the "
		    "whole first label" : "has a \"*\"";
	return labels_problem(s, flags);
}

static int
is_wildcard(const char *dns)
{
	return dns[0] == '*' && dns[1] == '.';
}

/*
 * Parse an IP address in text form into a (4 or 16 bytes, *alen).
 * Returns why it is malformed, or NULL.
 */
static const char *
ip_problem(const char *s, unsigned char a[16], size_t *alen)
{
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	if (strchr(s, ':') == NULL) {
		*alen = 4;
		return inet_pton(AF_INET, s, a) == 1 ? NULL : "is not an IPv4 "
		    "address in dotted decimal or an IPv6 address";
	}
	*alen = 16;
	if (inet_pton(AF_INET6, s, a) != 1)
		return "is not an IPv6 address";
	if (memcmp(a, mapped, sizeof(mapped)) == 0)
		return "is an IPv4-mapped IPv6 address (write the IPv4 "
		    "address)";
	return NULL;
}

/*
 * Why the local part (len bytes) of an e-mail address is not a plain
 * dot-atom (RFC 5322 3.2.3): no quotes, no empty atoms.
 */
static const char *
local_problem(const char *s, size_t len)
{
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~";
	size_t i;

	if (len == 0)
		return "has an empty local part";
	if (len > MAX_LOCAL)
		return "has a local part longer than 64 bytes";
	if (s[0] == '.' || s[len - 1] == '.')
		return "has a local part that begins or ends with \".\"";
	for (i = 0; i < len; i++) {
		if (s[i] == '.' && s[i + 1] == '.')
			return "has \"..\" in its local part";
		if (!is_alnum((unsigned char)s[i]) && s[i] != '.' &&
		    strchr(atext, s[i]) == NULL)
			return "has a local part that is not a plain dot-atom "
			    "(RFC 5322: no quotes, spaces or non-ASCII)";
	}
	return NULL;
}

/* Why s is not local@domain; the reason is written to why. */
static int
email_problem(const char *s, char *why, size_t sz)
{
	const char *at = strrchr(s, '@'), *r;

	if (strlen(s) > MAX_EMAIL)
		r = "is longer than 254 bytes";
	else if (at == NULL)
		r = "has no \"@\"";
	else if ((r = local_problem(s, (size_t)(at - s))) == NULL &&
	    (r = dns_problem(at + 1, 0)) != NULL) {
		snprintf(why, sz, "its domain %s", r);
		return -1;
	}
	if (r == NULL)
		return 0;
	snprintf(why, sz, "it %s", r);
	return -1;
}

/* URIs. */

/* A URI split for matching; pointers into the text. */
struct uri_view {
	const char	*scheme;
	size_t		 scheme_len;
	const char	*auth;		/* host[:port], or a URN's NID */
	size_t		 auth_len;
	const char	*rest;		/* "/a/b", ":a:b" or "" */
	char		 sep;		/* '/', ':', or 0: never matches */
};

/* Characters a URI may hold here (RFC 3986 less '%', '?' and '#'). */
static const char *
uri_chars_problem(const char *s, int pattern)
{
	static const char ok[] = "-._~!$&'()*+,;=:@/[]";

	for (; *s != '\0'; s++) {
		if (*s == '%')
			return "it has a percent-encoded character (refused, "
			    "so that every verifier reads the same name)";
		if (*s == '?' || *s == '#')
			return "it has a query or a fragment";
		if (*s == '*' && !pattern)
			return "it has a \"*\" (a name is never a pattern)";
		if (!is_alnum((unsigned char)*s) && strchr(ok, *s) == NULL)
			return "it has a character that a URI may not hold "
			    "(a space, quote, control character or "
			    "non-ASCII)";
	}
	return NULL;
}

/*
 * Why the segments of rest (each introduced by sep) are not acceptable:
 * empty, "." or "..", brackets, or in a pattern a "*" that is not a
 * whole segment.
 */
static const char *
segments_problem(const char *rest, char sep, int pattern)
{
	const char *p = rest, *q;
	size_t n;

	while (*p != '\0') {
		p++;
		q = strchr(p, sep);
		n = q != NULL ? (size_t)(q - p) : strlen(p);
		if (n == 0)
			return sep == '/' ? "it has an empty path segment "
			    "(\"//\" or a trailing \"/\")" : "it has an empty "
			    "segment (\"::\" or a trailing \":\")";
		if ((n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return "it has a \".\" or \"..\" segment";
		if (memchr(p, '[', n) != NULL || memchr(p, ']', n) != NULL)
			return "it has \"[\" or \"]\" outside the host";
		if (pattern && n > 1 && memchr(p, '*', n) != NULL)
			return "it has a \"*\" that is not a whole segment";
		p += n;
	}
	return NULL;
}

/* The port of an authority: 1..65535, digits without a leading zero. */
static int
port_ok(const char *s, size_t len)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5 || s[0] == '0')
		return 0;
	for (i = 0; i < len; i++) {
		if (!is_digit((unsigned char)s[i]))
			return 0;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v <= 65535;
}

/* Why host (len bytes: a name, IPv4 or [IPv6]) is malformed, into why. */
static int
host_problem(const char *h, size_t len, int pattern, char *why, size_t sz)
{
	char host[MAX_DNS + 1];
	unsigned char addr[16];
	const char *r;

	if (len == 0) {
		snprintf(why, sz, "it has no host");
		return -1;
	}
	if (len > MAX_DNS + 2) {
		snprintf(why, sz, "its host is longer than 253 bytes");
		return -1;
	}
	if (h[0] == '[') {
		snprintf(host, sizeof(host), "%.*s", (int)len - 2, h + 1);
		if (len < 3 || h[len - 1] != ']' ||
		    inet_pton(AF_INET6, host, addr) != 1) {
			snprintf(why, sz, "its [IPv6] host is malformed");
			return -1;
		}
		return 0;
	}
	snprintf(host, sizeof(host), "%.*s", (int)len, h);
	if (strspn(host, "0123456789.") == len)
		r = inet_pton(AF_INET, host, addr) == 1 ? NULL :
		    "is not a valid IPv4 address";
	else
		r = labels_problem(host, DNS_UNDERSCORE |
		    (pattern ? DNS_LOWER : 0));
	if (r == NULL)
		return 0;
	snprintf(why, sz, "its host %s", r);
	return -1;
}

/* scheme://authority[/path]: a starts after the "//". */
static int
hier_problem(const char *a, int pattern, struct uri_view *u, char *why,
    size_t sz)
{
	const char *slash = strchr(a, '/'), *end, *colon, *r;
	size_t alen = slash != NULL ? (size_t)(slash - a) : strlen(a);

	end = a + alen;
	r = memchr(a, '@', alen) != NULL ? "it has user information before "
	    "the host" : memchr(a, '*', alen) != NULL ? "its host has a "
	    "\"*\" (only a whole path segment may be \"*\")" : NULL;
	if (r == NULL && alen > 0) {
		colon = a[0] == '[' ? memchr(a, ']', alen) : a;
		if (colon != NULL)
			colon = memchr(colon, ':', (size_t)(end - colon));
		if (colon != NULL && !port_ok(colon + 1,
		    (size_t)(end - colon - 1)))
			r = "its port is not a number from 1 to 65535";
		else if (host_problem(a, colon != NULL ? (size_t)(colon - a) :
		    alen, pattern, why, sz) != 0)
			return -1;
	} else if (r == NULL)
		r = "it has no host";
	if (r == NULL)
		r = segments_problem(end, '/', pattern);
	if (r != NULL) {
		snprintf(why, sz, "%s", r);
		return -1;
	}
	u->auth = a;
	u->auth_len = alen;
	u->rest = end;
	u->sep = '/';
	return 0;
}

/* urn:nid:nss (RFC 8141): p starts after "urn:". */
static const char *
urn_problem(const char *p, int pattern, struct uri_view *u)
{
	const char *colon = strchr(p, ':');
	size_t i, n = colon != NULL ? (size_t)(colon - p) : 0;

	if (colon == NULL || n == 0 || colon[1] == '\0')
		return "it is a URN without a namespace and a name "
		    "(urn:nid:nss)";
	for (i = 0; i < n; i++)
		if (!is_alnum((unsigned char)p[i]) && (p[i] != '-' || i == 0))
			return "its URN namespace is not letters, digits and "
			    "\"-\"";
	if (n > 32)
		return "its URN namespace is longer than 32 bytes";
	if (pattern && has_upper(p, n))
		return "its URN namespace has upper-case letters (write "
		    "patterns in lower case)";
	u->auth = p;
	u->auth_len = n;
	u->rest = colon;
	u->sep = ':';
	return segments_problem(colon, ':', pattern);
}

/*
 * Parse s as a URI name (pattern 0) or a URI pattern (pattern 1) into
 * u.  Returns 0, or -1 with the reason in why.
 */
static int
uri_problem(const char *s, int pattern, struct uri_view *u, char *why,
    size_t sz)
{
	const char *r = NULL, *p;
	size_t i;

	memset(u, 0, sizeof(*u));
	/* RFC 3986 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
	for (i = 0; is_alnum((unsigned char)s[i]) || (i > 0 &&
	    s[i] != '\0' && strchr("+-.", s[i]) != NULL); i++)
		continue;
	if (s[0] == '\0')
		r = "it is empty";
	else if (strlen(s) > MAX_URI)
		r = "it is longer than 2048 bytes";
	else
		r = uri_chars_problem(s, pattern);
	if (r == NULL && (i == 0 || !is_alpha((unsigned char)s[0]) ||
	    s[i] != ':'))
		r = "it has no scheme (such as spiffe:// or urn:)";
	else if (r == NULL && pattern && has_upper(s, i))
		r = "its scheme has upper-case letters (write patterns in "
		    "lower case)";
	if (r != NULL) {
		snprintf(why, sz, "%s", r);
		return -1;
	}
	u->scheme = s;
	u->scheme_len = i;
	p = s + i + 1;
	if (p[0] == '/' && p[1] == '/')
		return hier_problem(p + 2, pattern, u, why, sz);
	if (i == 3 && strncasecmp(s, "urn", 3) == 0)
		r = urn_problem(p, pattern, u);
	else if (pattern)
		r = "it is neither scheme://host/path nor urn:nid:nss";
	else if (*p == '\0')
		r = "it has nothing after the scheme";
	else
		u->rest = p;	/* another opaque URI: valid, never matched */
	if (r == NULL)
		return 0;
	snprintf(why, sz, "%s", r);
	return -1;
}

/* Why value is not a well-formed name of its kind; into why. */
static int
name_problem(enum san_kind kind, const char *value, char *why, size_t sz)
{
	struct uri_view u;
	unsigned char a[16];
	size_t alen;
	const char *r;

	switch (kind) {
	case SAN_DNS:
		r = dns_problem(value, DNS_WILDCARD);
		break;
	case SAN_IP:
		r = ip_problem(value, a, &alen);
		break;
	case SAN_URI:
		return uri_problem(value, 0, &u, why, sz);
	default:
		return email_problem(value, why, sz);
	}
	if (r == NULL)
		return 0;
	snprintf(why, sz, "it %s", r);
	return -1;
}

/* Matching. */

/* Does the DNS pattern (lower case, maybe "*.base") allow name? */
static int
dns_match(const char *pattern, const char *name)
{
	const char *dot;

	if (is_wildcard(name))
		return strcasecmp(pattern, name) == 0;
	if (!is_wildcard(pattern))
		return strcasecmp(pattern, name) == 0;
	if ((dot = strchr(name, '.')) == NULL || dot == name)
		return 0;
	return strcasecmp(pattern + 2, dot + 1) == 0;
}

/* Is the address a (alen bytes) inside the CIDR range? */
static int
ip_match(const char *range, const unsigned char *a, size_t alen)
{
	unsigned char net[32];
	size_t len, i;

	if (policy_parse_cidr(range, net, &len) != 0 || len != 2 * alen)
		return 0;
	for (i = 0; i < alen; i++)
		if ((a[i] & net[alen + i]) != net[i])
			return 0;
	return 1;
}

/* The length of the segment at s, which ends at sep or the end. */
static size_t
seg_len(const char *s, char sep)
{
	const char *q = strchr(s, sep);

	return q != NULL ? (size_t)(q - s) : strlen(s);
}

static int
uri_match(const char *pattern, const struct uri_view *v)
{
	struct uri_view pv;
	const char *p, *q;
	char why[WHY_BUF];
	size_t pn, vn;

	if (uri_problem(pattern, 1, &pv, why, sizeof(why)) != 0 ||
	    pv.sep != v->sep || pv.scheme_len != v->scheme_len ||
	    pv.auth_len != v->auth_len ||
	    strncasecmp(pv.scheme, v->scheme, pv.scheme_len) != 0 ||
	    strncasecmp(pv.auth, v->auth, pv.auth_len) != 0)
		return 0;
	for (p = pv.rest, q = v->rest; *p != '\0' && *q != '\0';
	    p += pn, q += vn) {
		p++;
		q++;
		pn = seg_len(p, pv.sep);
		vn = seg_len(q, pv.sep);
		if ((pn != 1 || *p != '*') &&
		    (pn != vn || memcmp(p, q, pn) != 0))
			return 0;
	}
	return *p == '\0' && *q == '\0';
}

/* Does pattern (valid, of kind) allow value (valid)? */
static int
name_match(enum san_kind kind, const char *pattern, const char *value)
{
	struct uri_view u;
	unsigned char a[16];
	char why[WHY_BUF];
	size_t alen;

	switch (kind) {
	case SAN_DNS:
		return dns_match(pattern, value);
	case SAN_IP:
		return ip_problem(value, a, &alen) == NULL &&
		    ip_match(pattern, a, alen);
	case SAN_URI:
		return uri_problem(value, 0, &u, why, sizeof(why)) == 0 &&
		    uri_match(pattern, &u);
	default:
		return dns_match(pattern, strrchr(value, '@') + 1);
	}
}

static void
kind_patterns(const struct profile *p, enum san_kind kind,
    const char *const **list, size_t *n)
{
	switch (kind) {
	case SAN_DNS:
		*list = p->dns;
		*n = p->ndns;
		break;
	case SAN_IP:
		*list = p->ip;
		*n = p->nip;
		break;
	case SAN_URI:
		*list = p->uri;
		*n = p->nuri;
		break;
	default:
		*list = p->email;
		*n = p->nemail;
		break;
	}
}

/* The patterns as "a, b, c" ("*@dom" for e-mail), cut to fit buf. */
static const char *
join_patterns(const char *const *list, size_t n, enum san_kind kind,
    char *buf, size_t sz)
{
	size_t i, used = 0;
	int len;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		len = snprintf(buf + used, sz - used, "%s%s%s",
		    i > 0 ? ", " : "", kind == SAN_EMAIL ? "*@" : "", list[i]);
		if (len < 0 || (size_t)len >= sz - used) {
			snprintf(buf + used, sz - used, ", ...");
			break;
		}
		used += (size_t)len;
	}
	return buf;
}

const char *
profile_kind_name(enum san_kind kind)
{
	switch (kind) {
	case SAN_DNS:
		return "DNS name";
	case SAN_IP:
		return "IP address";
	case SAN_URI:
		return "URI";
	default:
		return "e-mail address";
	}
}

static const char *
kind_plural(enum san_kind kind)
{
	switch (kind) {
	case SAN_DNS:
		return "DNS names";
	case SAN_IP:
		return "IP addresses";
	case SAN_URI:
		return "URIs";
	default:
		return "e-mail addresses";
	}
}

int
profile_allows_name(const struct profile *p, enum san_kind kind,
    const char *value)
{
	const char *const *list;
	const char *what = profile_kind_name(kind);
	char q[QUOTE_BUF], why[WHY_BUF], allowed[512];
	size_t i, n;

	if ((unsigned)kind > SAN_EMAIL)
		return err_set(ERR_INTERNAL, "profile: unknown name kind %d",
		    (int)kind);
	quote(value, q);
	if (name_problem(kind, value, why, sizeof(why)) != 0)
		return err_set(ERR_DATA, "%s \"%s\" is malformed: %s", what,
		    q, why);
	kind_patterns(p, kind, &list, &n);
	if (n == 0)
		return err_set(ERR_NO, "%s \"%s\" is not allowed by profile "
		    "%s (it allows no %s)", what, q, p->name,
		    kind_plural(kind));
	if (kind == SAN_DNS && is_wildcard(value) && !p->wildcard_certs)
		return err_set(ERR_NO, "DNS name \"%s\" is a wildcard, and "
		    "profile %s issues no wildcard certificates", q, p->name);
	for (i = 0; i < n; i++)
		if (name_match(kind, list[i], value))
			return 0;
	return err_set(ERR_NO, "%s \"%s\" is not allowed by profile %s "
	    "(allowed: %s)", what, q, p->name,
	    join_patterns(list, n, kind, allowed, sizeof(allowed)));
}

int
profile_allows_flag(const struct profile *p, enum san_kind kind)
{
	char list[64];
	size_t used = 0;
	int k;

	if ((unsigned)kind > SAN_EMAIL)
		return err_set(ERR_INTERNAL, "profile: unknown name kind %d",
		    (int)kind);
	if (p->from_flags & PROFILE_SAN_BIT(kind))
		return 0;
	list[0] = '\0';
	for (k = SAN_DNS; k <= SAN_EMAIL; k++)
		if (p->from_flags & PROFILE_SAN_BIT(k))
			used += (size_t)snprintf(list + used,
			    sizeof(list) - used, "%s--%s", used > 0 ? ", " :
			    "", kind_keys[k]);
	return err_set(ERR_USAGE, "profile %s takes no --%s names (%s%s)",
	    p->name, kind_keys[kind], used > 0 ? "it takes: " : "names come "
	    "only from the CSR", list);
}

/* Is the common name cn the same name as value of the given kind? */
static int
same_name(enum san_kind kind, const char *value, const char *cn)
{
	unsigned char a[16], b[16];
	const char *at, *cat;
	size_t alen, blen;

	switch (kind) {
	case SAN_DNS:
		return strcasecmp(value, cn) == 0;
	case SAN_IP:
		return ip_problem(value, a, &alen) == NULL &&
		    ip_problem(cn, b, &blen) == NULL && alen == blen &&
		    memcmp(a, b, alen) == 0;
	case SAN_URI:
		return strcmp(value, cn) == 0;
	default:
		if ((at = strrchr(value, '@')) == NULL ||
		    (cat = strrchr(cn, '@')) == NULL || at - value != cat - cn)
			return 0;
		return memcmp(value, cn, (size_t)(at - value)) == 0 &&
		    strcasecmp(at, cat) == 0;
	}
}

/*
 * A TLS certificate, as pki-lint tells one (serverAuth, or a DNS or IP
 * name): its CN, which old clients read as a host name, must be one of
 * those names (CA/Browser Forum Baseline Requirements 7.1.4.3).
 */
static int
is_tls(const struct profile *p, const enum san_kind *kinds, size_t n)
{
	size_t i;

	for (i = 0; i < p->nekus; i++)
		if (strcmp(p->ekus[i], "serverAuth") == 0)
			return 1;
	for (i = 0; i < n; i++)
		if (kinds[i] == SAN_DNS || kinds[i] == SAN_IP)
			return 1;
	return 0;
}

int
profile_check_cn(const struct profile *p, const char *cn,
    const enum san_kind *kinds, const char *const *names, size_t n)
{
	char q[QUOTE_BUF];
	size_t i;
	int tls = is_tls(p, kinds, n);

	quote(cn, q);
	if (!p->cn_allowed)
		return err_set(ERR_NO, "subject common name \"%s\" is not "
		    "allowed: profile %s issues certificates without one", q,
		    p->name);
	for (i = 0; i < n; i++)
		if ((!tls || kinds[i] == SAN_DNS || kinds[i] == SAN_IP) &&
		    same_name(kinds[i], names[i], cn))
			return 0;
	return err_set(ERR_NO, "subject common name \"%s\" is not one of the "
	    "certificate's %s, as profile %s requires", q, tls ? "DNS names "
	    "or IP addresses" : "names", p->name);
}

/* Durations. */

/* Parse text into *seconds; why it is not a duration, or NULL. */
static const char *
duration_problem(const char *text, long long *seconds)
{
	long long v = 0, unit;
	size_t i, n = strlen(text);

	*seconds = 0;
	if (n < 2 || n > 12 || (text[0] == '0' && n > 2))
		return "is not a number and a unit such as 90d, 24h, 30m or "
		    "45s";
	for (i = 0; i + 1 < n; i++) {
		if (!is_digit((unsigned char)text[i]))
			return "is not a number and a unit such as 90d, 24h, "
			    "30m or 45s";
		v = v * 10 + (text[i] - '0');
	}
	switch (text[n - 1]) {
	case 'd':
		unit = 86400;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'm':
		unit = 60;
		break;
	case 's':
		unit = 1;
		break;
	default:
		return "has a unit other than d, h, m or s";
	}
	if (v == 0)
		return "is zero";
	if (v > PROFILE_MAX_SECONDS / unit)
		return "is longer than 3650d";
	*seconds = v * unit;
	return NULL;
}

int
profile_parse_duration(const char *text, long long *seconds)
{
	const char *why;
	char q[QUOTE_BUF];

	if ((why = duration_problem(text, seconds)) != NULL)
		return err_set(ERR_USAGE, "duration \"%s\" %s",
		    quote(text, q), why);
	return 0;
}

int
profile_lifetime(const struct profile *p, const char *requested,
    long long *seconds)
{
	const char *why;
	char q[QUOTE_BUF];
	long long s;

	*seconds = 0;
	if (requested == NULL) {
		*seconds = p->lifetime_default;
		return 0;
	}
	quote(requested, q);
	if (!p->lifetime_from_flag)
		return err_set(ERR_USAGE, "profile %s does not let the caller "
		    "choose the lifetime (it is always %s)", p->name,
		    p->lifetime_default_text);
	if ((why = duration_problem(requested, &s)) != NULL)
		return err_set(ERR_USAGE, "lifetime \"%s\" %s", q, why);
	if (s > p->lifetime_max)
		return err_set(ERR_NO, "lifetime %s is above the maximum %s of "
		    "profile %s", q, p->lifetime_max_text, p->name);
	*seconds = s;
	return 0;
}

/* Keys. */

/* "ECDSA P-256, RSA of 2048 to 8192 bits" for the profile's types. */
static const char *
key_list(const struct profile *p, char *buf, size_t sz)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < NKEYS; i++) {
		if (!(p->key_types & key_table[i].bit))
			continue;
		if (key_table[i].bit == PROFILE_KEY_RSA)
			used += (size_t)snprintf(buf + used, sz - used,
			    "%sRSA of %u to %d bits", used > 0 ? ", " : "",
			    p->rsa_min_bits, PROFILE_RSA_MAX_BITS);
		else
			used += (size_t)snprintf(buf + used, sz - used,
			    "%s%s", used > 0 ? ", " : "", key_table[i].text);
		if (used >= sz)
			break;
	}
	return buf;
}

/*
 * The PROFILE_KEY_* bit of an EC key, or 0 for another curve; the
 * curve's name ("P-521", "brainpoolP256r1") into name.  -1 for a key
 * with explicit parameters.
 */
static int
ec_type(EVP_PKEY *pub, char *name, size_t sz)
{
	char group[64];
	const char *nist;
	size_t len;
	int nid;

	/* RFC 5480 2.1.1: named curves only (explicit parameters are
	 * how CVE-2020-0601 forged a curve). */
	if (EVP_PKEY_get_utf8_string_param(pub, OSSL_PKEY_PARAM_EC_ENCODING,
	    group, sizeof(group), &len) == 1 &&
	    strcmp(group, OSSL_PKEY_EC_ENCODING_EXPLICIT) == 0)
		return -1;
	if (EVP_PKEY_get_group_name(pub, group, sizeof(group), &len) != 1) {
		ERR_clear_error();
		return -1;
	}
	if ((nid = OBJ_sn2nid(group)) == NID_undef)
		nid = EC_curve_nist2nid(group);
	nist = nid != NID_undef ? EC_curve_nid2nist(nid) : NULL;
	snprintf(name, sz, "%s", nist != NULL ? nist : group);
	if (nid == NID_X9_62_prime256v1)
		return (int)PROFILE_KEY_P256;
	if (nid == NID_secp384r1)
		return (int)PROFILE_KEY_P384;
	return 0;
}

/* The RSA rules: size and public exponent. */
static int
check_rsa(const struct profile *p, EVP_PKEY *pub)
{
	BIGNUM *e = NULL, *n = NULL;
	int bits = EVP_PKEY_get_bits(pub), ret = 0;

	if (bits < (int)p->rsa_min_bits)
		return err_set(ERR_DATA, "RSA %d-bit key is below the %u bits "
		    "profile %s requires", bits, p->rsa_min_bits, p->name);
	if (bits > PROFILE_RSA_MAX_BITS)
		return err_set(ERR_DATA, "RSA %d-bit key is above the %d bits "
		    "this toolkit accepts", bits, PROFILE_RSA_MAX_BITS);
	if (EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_E, &e) != 1 ||
	    EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_N, &n) != 1) {
		ERR_clear_error();
		ret = err_set(ERR_DATA, "RSA key has no readable modulus or "
		    "exponent");
		goto out;
	}
	if (!BN_is_odd(e) || BN_num_bits(e) < 17 || BN_num_bits(e) > 256)
		ret = err_set(ERR_DATA, "RSA key's public exponent is not an "
		    "odd number from 65537 to 2^256-1 (CA/Browser Forum "
		    "Baseline Requirements 6.1.6)");
	else if (!BN_is_odd(n))
		ret = err_set(ERR_DATA, "RSA key's modulus is even");
out:
	BN_free(e);
	BN_free(n);
	return ret;
}

/* The PROFILE_KEY_* bit of pub, or 0 with a description into name. */
static unsigned
key_bit(EVP_PKEY *pub, char *name, size_t sz)
{
	char curve[64];
	int id = EVP_PKEY_get_base_id(pub), t;

	switch (id) {
	case EVP_PKEY_RSA:
		snprintf(name, sz, "RSA %d-bit", EVP_PKEY_get_bits(pub));
		return PROFILE_KEY_RSA;
	case EVP_PKEY_ED25519:
		snprintf(name, sz, "Ed25519");
		return PROFILE_KEY_ED25519;
	case EVP_PKEY_EC:
		if ((t = ec_type(pub, curve, sizeof(curve))) < 0) {
			snprintf(name, sz, "ECDSA (explicit curve "
			    "parameters)");
			return 0;
		}
		snprintf(name, sz, "ECDSA %s", curve);
		return (unsigned)t;
	case EVP_PKEY_RSA_PSS:
		snprintf(name, sz, "RSA-PSS (use a plain RSA key)");
		return 0;
	default:
		snprintf(name, sz, "%s", id != NID_undef ? OBJ_nid2sn(id) :
		    "unknown");
		return 0;
	}
}

int
profile_allows_key(const struct profile *p, EVP_PKEY *pub)
{
	char name[96], allowed[160];
	unsigned bit = key_bit(pub, name, sizeof(name));

	if (bit == 0 || !(p->key_types & bit))
		return err_set(ERR_DATA, "%s key is not allowed by profile %s "
		    "(allowed: %s)", name, p->name,
		    key_list(p, allowed, sizeof(allowed)));
	if (bit == PROFILE_KEY_RSA)
		return check_rsa(p, pub);
	if (bit == PROFILE_KEY_ED25519)
		return 0;
	/* EC: the point is on the curve and not at infinity. */
	return keytype_ec_public_ok(pub) ? 0 : err_set(ERR_DATA, "%s key fails the public key check "
	    "(its point is not on the curve)", name);
}

int
profile_key_usage(const struct profile *p, EVP_PKEY *pub, unsigned *bits,
    char *text, size_t textlen)
{
	char name[96];
	unsigned bit = key_bit(pub, name, sizeof(name));

	if (bits != NULL)
		*bits = 0;
	if (bit == 0 || !(p->key_types & bit))
		return err_set(ERR_DATA, "%s key is not allowed by profile %s",
		    name, p->name);
	return profile_key_usage_for(p, bit, bits, text, textlen);
}

int
profile_key_usage_for(const struct profile *p, unsigned bit, unsigned *bits,
    char *text, size_t textlen)
{
	unsigned mask = 0;
	size_t i, used = 0;
	int n;

	if (bits != NULL)
		*bits = 0;
	if (text != NULL) {
		if ((n = snprintf(text, textlen, "critical")) < 0 ||
		    (size_t)n >= textlen)
			return err_set(ERR_INTERNAL, "profile: key usage "
			    "buffer too short");
		used = (size_t)n;
	}
	for (i = 0; i < NKU; i++) {
		if (!(p->key_usage & ku_table[i].bit) ||
		    !(ku_table[i].keys & bit))
			continue;
		mask |= ku_table[i].bit;
		if (text == NULL)
			continue;
		n = snprintf(text + used, textlen - used, ",%s",
		    ku_table[i].name);
		if (n < 0 || (size_t)n >= textlen - used)
			return err_set(ERR_INTERNAL, "profile: key usage "
			    "buffer too short");
		used += (size_t)n;
	}
	if (bits != NULL)
		*bits = mask;
	return 0;
}

int
profile_eku_text(const struct profile *p, char *text, size_t textlen)
{
	size_t i, used = 0;
	int n;

	for (i = 0; i < p->nekus; i++) {
		/* RFC 3161 2.3: timeStamping alone, in a critical EKU. */
		n = snprintf(text + used, textlen - used, "%s%s",
		    i > 0 ? "," : strcmp(p->ekus[i], "timeStamping") == 0 ?
		    "critical," : "", p->ekus[i]);
		if (n < 0 || (size_t)n >= textlen - used)
			return err_set(ERR_INTERNAL, "profile: extended key "
			    "usage buffer too short");
		used += (size_t)n;
	}
	return 0;
}

/* Loading: each load_* checks one section. */

static int
copy_str(const char *s, char **dst)
{
	if ((*dst = strdup(s)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	return 0;
}

/* [a-z0-9-]{1,64} */
static int
name_ok(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-");

	return n > 0 && n <= MAX_NAME && s[n] == '\0';
}

static int
load_name(struct profile *p, const char *path)
{
	const char *s;
	int ret;

	if ((ret = yamlcfg_str(p->tree, path, "profile", 1, &s)) != 0)
		return ret;
	if (!name_ok(s))
		return yamlcfg_err(path, yamlcfg_line(p->tree, "profile"),
		    "profile name \"%s\" must be 1 to 64 of a-z, 0-9 and "
		    "\"-\"", s);
	if ((ret = copy_str(s, &p->name)) != 0 ||
	    (ret = yamlcfg_str(p->tree, path, "description", 0,
	    &p->description)) != 0)
		return ret;
	if (p->description != NULL && strlen(p->description) >
	    MAX_DESCRIPTION)
		return yamlcfg_err(path, yamlcfg_line(p->tree, "description"),
		    "description is longer than %d bytes", MAX_DESCRIPTION);
	return 0;
}

static int
load_key_types(struct profile *p, const struct ynode *key, const char *path)
{
	const char **list;
	size_t i, j, n;
	int ret;

	if ((ret = yamlcfg_strlist(key, path, "types", 0, 1, NKEYS, &list,
	    &n)) != 0 || list == NULL)
		return ret;
	p->key_types = 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < NKEYS; j++)
			if (strcmp(list[i], key_table[j].name) == 0)
				break;
		if (j == NKEYS)
			return yamlcfg_err(path, entry_line(key, "types", i),
			    "key type \"%s\" is not known (known: p256, p384, "
			    "rsa, ed25519)", list[i]);
		if (p->key_types & key_table[j].bit)
			return yamlcfg_err(path, entry_line(key, "types", i),
			    "key type \"%s\" is listed twice", list[i]);
		p->key_types |= key_table[j].bit;
	}
	return 0;
}

static int
load_key(struct profile *p, const char *path)
{
	const struct ynode *key;
	int ret;

	p->key_types = PROFILE_KEY_P256 | PROFILE_KEY_P384 | PROFILE_KEY_RSA;
	p->rsa_min_bits = 2048;
	if ((ret = yamlcfg_map(p->tree, path, "key", 0, &key)) != 0 ||
	    key == NULL)
		return ret;
	if ((ret = yamlcfg_check_keys(key, path, NULL, key_keys)) != 0 ||
	    (ret = load_key_types(p, key, path)) != 0 ||
	    (ret = yamlcfg_uint(key, path, "rsa_min_bits", 0, 2048,
	    PROFILE_RSA_MAX_BITS, 2048, &p->rsa_min_bits)) != 0)
		return ret;
	if (yamlcfg_get(key, "rsa_min_bits") != NULL &&
	    !(p->key_types & PROFILE_KEY_RSA))
		return yamlcfg_err(path, yamlcfg_line(key, "rsa_min_bits"),
		    "rsa_min_bits is set but rsa is not among the key types");
	return 0;
}

static int
load_subject(struct profile *p, const char *path)
{
	const struct ynode *s;
	int ret;

	if ((ret = yamlcfg_map(p->tree, path, "subject", 0, &s)) != 0 ||
	    s == NULL)
		return ret;
	if ((ret = yamlcfg_check_keys(s, path, NULL, subject_keys)) != 0 ||
	    (ret = yamlcfg_bool(s, path, "allow_common_name", 0, 0,
	    &p->cn_allowed)) != 0 ||
	    (ret = yamlcfg_country(s, path, "country", &p->subject_c)) != 0 ||
	    (ret = yamlcfg_str(s, path, "state", 0, &p->subject_st)) != 0 ||
	    (ret = yamlcfg_str(s, path, "locality", 0, &p->subject_l)) != 0 ||
	    (ret = yamlcfg_str(s, path, "organization", 0,
	    &p->subject_o)) != 0 ||
	    (ret = yamlcfg_str(s, path, "organizational_unit", 0,
	    &p->subject_ou)) != 0)
		return ret;
	/* The upper bounds of RFC 5280 appendix A. */
	if ((p->subject_st != NULL && strlen(p->subject_st) > 128) ||
	    (p->subject_l != NULL && strlen(p->subject_l) > 128) ||
	    (p->subject_o != NULL && strlen(p->subject_o) > 64) ||
	    (p->subject_ou != NULL && strlen(p->subject_ou) > 64))
		return yamlcfg_err(path, s->head_line, "a subject part is "
		    "longer than RFC 5280 allows (state and locality 128 "
		    "bytes, organization and organizational_unit 64)");
	return 0;
}

/* Why pattern v of kind is malformed, into why; 0 if it is fine. */
static int
pattern_problem(enum san_kind kind, const char *v, char *why, size_t sz)
{
	struct uri_view u;
	unsigned char net[32];
	size_t len;
	const char *r;

	switch (kind) {
	case SAN_DNS:
		r = dns_problem(v, DNS_LOWER | DNS_WILDCARD);
		break;
	case SAN_IP:
		if (policy_parse_cidr(v, net, &len) == 0)
			return 0;
		/* Its message begins with the quoted range: say "it". */
		r = err_msg();
		len = strlen(v);
		if (r[0] == '"' && strncmp(r + 1, v, len) == 0 &&
		    strncmp(r + 1 + len, "\" ", 2) == 0)
			r += len + 3;
		snprintf(why, sz, "it %s", r);
		return -1;
	case SAN_URI:
		return uri_problem(v, 1, &u, why, sz);
	default:
		r = strchr(v, '@') != NULL ? "has an \"@\" (write the domain "
		    "only, such as example.org: it covers every address "
		    "there)" : dns_problem(v, DNS_LOWER | DNS_WILDCARD);
		break;
	}
	if (r == NULL)
		return 0;
	snprintf(why, sz, "it %s", r);
	return -1;
}

static int
same_pattern(enum san_kind kind, const char *a, const char *b)
{
	unsigned char na[32], nb[32];
	size_t la, lb;

	if (kind != SAN_IP)
		return strcmp(a, b) == 0;
	return policy_parse_cidr(a, na, &la) == 0 &&
	    policy_parse_cidr(b, nb, &lb) == 0 && la == lb &&
	    memcmp(na, nb, la) == 0;
}

static int
load_patterns(const struct ynode *names, const char *path,
    enum san_kind kind, const char ***out, size_t *n)
{
	const char *key = kind_keys[kind];
	char why[WHY_BUF];
	size_t i, j;
	int ret;

	if ((ret = yamlcfg_strlist(names, path, key, 0, 0, MAX_PATTERNS, out,
	    n)) != 0)
		return ret;
	for (i = 0; i < *n; i++) {
		if (pattern_problem(kind, (*out)[i], why, sizeof(why)) != 0)
			return yamlcfg_err(path, entry_line(names, key, i),
			    "%s pattern \"%s\" is malformed: %s", key,
			    (*out)[i], why);
		for (j = 0; j < i; j++)
			if (same_pattern(kind, (*out)[i], (*out)[j]))
				return yamlcfg_err(path, entry_line(names, key,
				    i), "%s pattern \"%s\" is listed twice "
				    "(first at line %d)", key, (*out)[i],
				    entry_line(names, key, j));
	}
	return 0;
}

static int
load_from_flags(struct profile *p, const struct ynode *names,
    const char *path)
{
	const char **list;
	size_t i, n, count[4];
	int k, line, ret;

	if ((ret = yamlcfg_strlist(names, path, "from_flags", 0, 0, 4, &list,
	    &n)) != 0)
		return ret;
	count[SAN_DNS] = p->ndns;
	count[SAN_IP] = p->nip;
	count[SAN_URI] = p->nuri;
	count[SAN_EMAIL] = p->nemail;
	for (i = 0; i < n; i++) {
		line = entry_line(names, "from_flags", i);
		for (k = SAN_DNS; k <= SAN_EMAIL; k++)
			if (strcmp(list[i], kind_keys[k]) == 0)
				break;
		if (k > SAN_EMAIL)
			return yamlcfg_err(path, line, "from_flags entry "
			    "\"%s\" is not known (known: dns, ip, uri, email)",
			    list[i]);
		if (p->from_flags & PROFILE_SAN_BIT(k))
			return yamlcfg_err(path, line, "from_flags lists "
			    "\"%s\" twice", list[i]);
		if (count[k] == 0)
			return yamlcfg_err(path, line, "from_flags lists "
			    "\"%s\" but the profile allows no %s", list[i],
			    kind_plural((enum san_kind)k));
		p->from_flags |= PROFILE_SAN_BIT(k);
	}
	return 0;
}

/* wildcard_certificates: needs a "*." dns pattern to mean anything. */
static int
check_wildcards(const struct profile *p, const struct ynode *names,
    const char *path)
{
	size_t i;

	if (!p->wildcard_certs)
		return 0;
	for (i = 0; i < p->ndns; i++)
		if (is_wildcard(p->dns[i]))
			return 0;
	return yamlcfg_err(path, yamlcfg_line(names, "wildcard_certificates"),
	    "wildcard_certificates is true but no dns pattern begins with "
	    "\"*.\" (a wildcard name must equal such a pattern)");
}

static int
load_names(struct profile *p, const char *path)
{
	const struct ynode *names;
	int ret;

	if ((ret = yamlcfg_map(p->tree, path, "names", 1, &names)) != 0 ||
	    (ret = yamlcfg_check_keys(names, path, NULL, names_keys)) != 0 ||
	    (ret = load_patterns(names, path, SAN_DNS, &p->dns,
	    &p->ndns)) != 0 ||
	    (ret = load_patterns(names, path, SAN_IP, &p->ip, &p->nip)) != 0 ||
	    (ret = load_patterns(names, path, SAN_URI, &p->uri,
	    &p->nuri)) != 0 ||
	    (ret = load_patterns(names, path, SAN_EMAIL, &p->email,
	    &p->nemail)) != 0)
		return ret;
	if (p->ndns + p->nip + p->nuri + p->nemail == 0)
		return yamlcfg_err(path, names->head_line, "names lists no "
		    "dns, ip, uri or email pattern: every certificate needs "
		    "at least one name");
	if ((ret = yamlcfg_bool(names, path, "wildcard_certificates", 0, 0,
	    &p->wildcard_certs)) != 0 ||
	    (ret = check_wildcards(p, names, path)) != 0 ||
	    (ret = yamlcfg_uint(names, path, "max", 0, 1, MAX_NAMES_CAP,
	    DEFAULT_MAX_NAMES, &p->max_names)) != 0 ||
	    (ret = yamlcfg_bool(names, path, "from_csr", 0, 1,
	    &p->names_from_csr)) != 0 ||
	    (ret = load_from_flags(p, names, path)) != 0)
		return ret;
	if (!p->names_from_csr && p->from_flags == 0)
		return yamlcfg_err(path, yamlcfg_line(names, "from_csr"),
		    "from_csr is false and from_flags is empty: no "
		    "certificate could have a name");
	return 0;
}

static int
check_ku_name(const char *path, int line, const char *v, unsigned *bit)
{
	size_t i;

	for (i = 0; i < NKU; i++)
		if (strcmp(v, ku_table[i].name) == 0) {
			*bit = ku_table[i].bit;
			return 0;
		}
	if (strcmp(v, "keyCertSign") == 0 || strcmp(v, "cRLSign") == 0)
		return yamlcfg_err(path, line, "key usage \"%s\" is for CA "
		    "certificates: a leaf signs no certificates or CRLs", v);
	return yamlcfg_err(path, line, "key usage \"%s\" is not known (known: "
	    "digitalSignature, nonRepudiation, keyEncipherment, "
	    "dataEncipherment, keyAgreement)", v);
}

/* Every allowed key type must be left with at least one usage. */
static int
check_ku_keys(const struct profile *p, const struct ynode *root,
    const char *path)
{
	size_t i, k;
	unsigned mask;

	for (k = 0; k < NKEYS; k++) {
		if (!(p->key_types & key_table[k].bit))
			continue;
		for (i = 0, mask = 0; i < NKU; i++)
			if (ku_table[i].keys & key_table[k].bit)
				mask |= ku_table[i].bit;
		if ((p->key_usage & mask) == 0)
			return yamlcfg_err(path, yamlcfg_line(root,
			    "key_usage"), "key_usage leaves an %s key no usage "
			    "(keyEncipherment and dataEncipherment apply to "
			    "RSA only, keyAgreement to ECDSA only)",
			    key_table[k].text);
	}
	return 0;
}

static int
load_key_usage(struct profile *p, const char *path)
{
	const char **list;
	size_t i, n;
	unsigned bit = 0;
	int ret, line;

	if ((ret = yamlcfg_strlist(p->tree, path, "key_usage", 1, 1, NKU,
	    &list, &n)) != 0)
		return ret;
	for (i = 0; i < n; i++) {
		line = entry_line(p->tree, "key_usage", i);
		if ((ret = check_ku_name(path, line, list[i], &bit)) != 0)
			return ret;
		if (p->key_usage & bit)
			return yamlcfg_err(path, line, "key usage \"%s\" is "
			    "listed twice", list[i]);
		p->key_usage |= bit;
	}
	return check_ku_keys(p, p->tree, path);
}

static int
check_eku(const char *path, int line, const char *v)
{
	int i;

	if (strcmp(v, "OCSPSigning") == 0)
		return yamlcfg_err(path, line, "OCSPSigning is not issued from "
		    "a profile: pki-ocsp makes the delegated OCSP signer");
	for (i = 0; eku_names[i] != NULL; i++)
		if (strcmp(v, eku_names[i]) == 0)
			return 0;
	return yamlcfg_err(path, line, "extended key usage \"%s\" is not known "
	    "(known: serverAuth, clientAuth, codeSigning, emailProtection, "
	    "timeStamping)", v);
}

static int
load_ekus(struct profile *p, const char *path)
{
	const char *key = "extended_key_usage";
	size_t i, j;
	int ret;

	if ((ret = yamlcfg_strlist(p->tree, path, key, 1, 1, 5, &p->ekus,
	    &p->nekus)) != 0)
		return ret;
	for (i = 0; i < p->nekus; i++) {
		if ((ret = check_eku(path, entry_line(p->tree, key, i),
		    p->ekus[i])) != 0)
			return ret;
		for (j = 0; j < i; j++)
			if (strcmp(p->ekus[i], p->ekus[j]) == 0)
				return yamlcfg_err(path, entry_line(p->tree,
				    key, i), "extended key usage \"%s\" is "
				    "listed twice", p->ekus[i]);
		if (strcmp(p->ekus[i], "timeStamping") == 0 && p->nekus > 1)
			return yamlcfg_err(path, entry_line(p->tree, key, i),
			    "timeStamping must be the only extended key usage "
			    "(RFC 3161 2.3)");
	}
	return 0;
}

static int
load_duration(const struct ynode *lt, const char *path, const char *key,
    const char **text, long long *seconds)
{
	const char *why;
	int ret;

	if ((ret = yamlcfg_str(lt, path, key, 1, text)) != 0)
		return ret;
	if ((why = duration_problem(*text, seconds)) != NULL)
		return yamlcfg_err(path, yamlcfg_line(lt, key), "lifetime %s "
		    "\"%s\" %s", key, *text, why);
	return 0;
}

static int
load_lifetime(struct profile *p, const char *path)
{
	const struct ynode *lt;
	int ret;

	if ((ret = yamlcfg_map(p->tree, path, "lifetime", 1, &lt)) != 0 ||
	    (ret = yamlcfg_check_keys(lt, path, NULL, lifetime_keys)) != 0 ||
	    (ret = load_duration(lt, path, "default",
	    &p->lifetime_default_text, &p->lifetime_default)) != 0 ||
	    (ret = load_duration(lt, path, "max", &p->lifetime_max_text,
	    &p->lifetime_max)) != 0 ||
	    (ret = yamlcfg_bool(lt, path, "from_flag", 0, 0,
	    &p->lifetime_from_flag)) != 0)
		return ret;
	if (p->lifetime_default > p->lifetime_max)
		return yamlcfg_err(path, yamlcfg_line(lt, "default"),
		    "lifetime default %s is longer than max %s",
		    p->lifetime_default_text, p->lifetime_max_text);
	return 0;
}

/*
 * profile_load(); *not_profile (when not NULL) is set to 1 if the file
 * parses but has no "profile" key, and nothing is checked further.
 */
static int
load_file(const char *path, struct profile **out, int *not_profile)
{
	struct profile *p;
	int ret;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if ((ret = copy_str(path, &p->path)) != 0 ||
	    (ret = yamlcfg_load_hashed(path, p->sha256, &p->tree)) != 0)
		goto out;
	if (not_profile != NULL && yamlcfg_get(p->tree, "profile") == NULL) {
		*not_profile = 1;
		ret = ERR_CONFIG;
		goto out;
	}
	if ((ret = yamlcfg_check_keys(p->tree, path, NULL, top_keys)) != 0 ||
	    (ret = load_name(p, path)) != 0 ||
	    (ret = load_key(p, path)) != 0 ||
	    (ret = load_subject(p, path)) != 0 ||
	    (ret = load_names(p, path)) != 0 ||
	    (ret = load_key_usage(p, path)) != 0 ||
	    (ret = load_ekus(p, path)) != 0 ||
	    (ret = load_lifetime(p, path)) != 0)
		goto out;
	*out = p;
	p = NULL;
out:
	profile_free(p);
	return ret;
}

int
profile_load(const char *path, struct profile **out)
{
	return load_file(path, out, NULL);
}

/* Is dir/file (a "*.yaml" with a valid stem) a profile file? */
static int
is_profile_file(const char *dir, const char *file)
{
	struct ynode *tree = NULL;
	char *path;
	int yes;

	if ((path = fileio_join(dir, file)) == NULL)
		return 0;
	yes = yamlcfg_load(path, &tree) == 0 &&
	    yamlcfg_get(tree, "profile") != NULL;
	yamlcfg_free(tree);
	free(path);
	return yes;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The profiles in dir as "a, b, c" into buf; "none" if there are none. */
static void
list_profiles(const char *dir, char *buf, size_t sz)
{
	char *names[MAX_LISTED], stem[MAX_NAME + 1];
	struct dirent *e;
	size_t i, n = 0, len, used = 0;
	DIR *d;

	snprintf(buf, sz, "none");
	if ((d = opendir(dir)) == NULL)
		return;
	while (n < MAX_LISTED && (e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len <= 5 || len - 5 > MAX_NAME ||
		    strcmp(e->d_name + len - 5, ".yaml") != 0)
			continue;
		snprintf(stem, sizeof(stem), "%.*s", (int)(len - 5),
		    e->d_name);
		if (name_ok(stem) && is_profile_file(dir, e->d_name) &&
		    (names[n] = strdup(stem)) != NULL)
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (i = 0; i < n; i++) {
		if (used < sz)
			used += (size_t)snprintf(buf + used, sz - used, "%s%s",
			    i > 0 ? ", " : "", names[i]);
		free(names[i]);
	}
}

static int
unknown_profile(const char *dir, const char *name)
{
	char list[600];

	list_profiles(dir, list, sizeof(list));
	return err_set(ERR_CONFIG, "unknown profile %s in %s (known: %s)",
	    name, dir, list);
}

int
profile_load_named(const char *dir, const char *name, struct profile **out)
{
	char file[MAX_NAME + 8], *path = NULL, q[QUOTE_BUF];
	int ret, not_profile = 0;

	*out = NULL;
	if (!name_ok(name))
		return err_set(ERR_USAGE, "profile name \"%s\" must be 1 to 64 "
		    "of a-z, 0-9 and \"-\"", quote(name, q));
	snprintf(file, sizeof(file), "%s.yaml", name);
	if ((path = fileio_join(dir, file)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	ret = load_file(path, out, &not_profile);
	if (ret == ERR_NOINPUT || not_profile) {
		ret = unknown_profile(dir, name);
		goto out;
	}
	if (ret == 0 && strcmp((*out)->name, name) != 0) {
		ret = yamlcfg_err(path, yamlcfg_line((*out)->tree, "profile"),
		    "profile \"%s\" does not match the file name %s",
		    (*out)->name, file);
		profile_free(*out);
		*out = NULL;
	}
out:
	free(path);
	return ret;
}

void
profile_free(struct profile *p)
{
	if (p == NULL)
		return;
	free(p->path);
	free(p->name);
	yamlcfg_free(p->tree);
	free(p);
}
