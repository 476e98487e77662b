/*
 * test_profile.c: leaf certificate profiles.
 *
 * The six shipped profiles load by name; an unknown or malformed name is
 * refused with the list of known profiles.  Every bad fixture in
 * testdata/fixtures/profile/ is refused with ERR_CONFIG and a message
 * naming the file, the line and the rule.  The matching rules are
 * checked one by one on fixtures/profile/good.yaml and the shipped
 * profiles: a DNS "*" is exactly one label, a wildcard name needs an
 * identical pattern and a profile that allows wildcards, IP ranges for
 * IPv4 and IPv6, a URI "*" is exactly one segment, e-mail domains,
 * ASCII case, malformed names (with control characters escaped in the
 * message).  Then durations and lifetimes, and the key rules on the
 * public keys that fixtures/profile/mkkeys.sh made.  Run from the top of
 * the tree (as scripts/run-tests does).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "fileio.h"
#include "harness.h"
#include "profile.h"

#define FIX	"testdata/fixtures/profile/"

static const char *const shipped[] = {
	"mtls-server", "mtls-client", "spiffe-workload", "user", "device",
	"code-signing", NULL
};

static const struct {
	const char	*file;
	int		 line;
	const char	*want;
} bad[] = {
	{ "unknown-key", 18, "unknown key \"extras\" at the top level" },
	{ "misspelt-key", 13, "unknown key \"wildcard_certificate\" in "
	    "section names (did you mean \"wildcard_certificates\"?)" },
	{ "duplicate-key", 21, "duplicate key \"max\" (first at line 20)" },
	{ "dns-middle-star", 9, "dns pattern \"foo.*.bar\" is malformed: it "
	    "has a \"*\" that is not the whole first label" },
	{ "dns-double-star", 9, "dns pattern \"**\" is malformed: it has a "
	    "\"*\" that is not the whole first label" },
	{ "dns-partial-star", 9, "dns pattern \"*foo.example.org\" is "
	    "malformed" },
	{ "dns-tld-wildcard", 9, "is a wildcard over a single label" },
	{ "dns-upper", 9, "has upper-case letters" },
	{ "dns-trailing-dot", 9, "ends with a dot" },
	{ "dns-twice", 11, "dns pattern \"*.svc.example.internal\" is listed "
	    "twice (first at line 10)" },
	{ "uri-partial-star", 11, "it has a \"*\" that is not a whole "
	    "segment" },
	{ "uri-host-star", 11, "its host has a \"*\"" },
	{ "uri-no-scheme", 11, "it has no scheme" },
	{ "uri-dotdot", 11, "it has a \".\" or \"..\" segment" },
	{ "cidr-host-bits", 10, "ip pattern \"10.10.0.1/16\" is malformed: it "
	    "has host bits set: the range is written 10.10.0.0/16" },
	{ "cidr-no-prefix", 10, "it has no prefix length" },
	{ "cidr-bad", 10, "ip pattern \"300.1.1.1/8\" is malformed" },
	{ "cidr-twice", 10, "ip pattern \"FD00::/8\" is listed twice" },
	{ "email-at", 12, "email pattern \"alice@example.org\" is malformed: "
	    "it has an \"@\"" },
	{ "default-over-max", 19, "lifetime default 120d is longer than max "
	    "90d" },
	{ "bad-duration", 20, "lifetime max \"90x\" has a unit other than d, "
	    "h, m or s" },
	{ "zero-duration", 19, "lifetime default \"0h\" is zero" },
	{ "no-names", 8, "names lists no dns, ip, uri or email pattern" },
	{ "flag-no-patterns", 14, "from_flags lists \"ip\" but the profile "
	    "allows no IP addresses" },
	{ "flag-unknown", 15, "from_flags entry \"cn\" is not known" },
	{ "flag-twice", 15, "from_flags lists \"dns\" twice" },
	{ "no-source", 14, "from_csr is false and from_flags is empty" },
	{ "wildcard-no-pattern", 13, "wildcard_certificates is true but no "
	    "dns pattern begins with \"*.\"" },
	{ "ku-certsign", 16, "key usage \"keyCertSign\" is for CA "
	    "certificates" },
	{ "ku-none-for-ec", 16, "key_usage leaves an ECDSA P-256 key no "
	    "usage" },
	{ "ku-unknown", 16, "key usage \"digitalsignature\" is not known" },
	{ "eku-ocsp", 17, "OCSPSigning is not issued from a profile" },
	{ "eku-unknown", 17, "extended key usage \"serverauth\" is not known" },
	{ "eku-timestamping", 17, "timeStamping must be the only extended key "
	    "usage" },
	{ "rsa-min-1024", 5, "rsa_min_bits 1024 is out of range "
	    "(2048..8192)" },
	{ "rsa-min-no-rsa", 5, "rsa_min_bits is set but rsa is not among the "
	    "key types" },
	{ "key-type-unknown", 4, "key type \"p521\" is not known" },
	{ "bad-name", 2, "profile name \"MTLS_Server\" must be 1 to 64 of "
	    "a-z, 0-9 and \"-\"" },
	{ "no-lifetime", 2, "missing required key \"lifetime\" at the top "
	    "level" },
	{ "bad-country", 8, "country \"DEU\" must be two upper-case letters" },
};

static struct profile *
load(const char *path)
{
	struct profile *p = NULL;

	if (profile_load(path, &p) != 0)
		printf("# cannot load %s: %s\n", path, err_msg());
	return p;
}

static struct profile *
load_named(const char *name)
{
	struct profile *p = NULL;

	if (profile_load_named("policies", name, &p) != 0)
		printf("# cannot load %s: %s\n", name, err_msg());
	return p;
}

static int
msg_has(const char *want)
{
	return strstr(err_msg(), want) != NULL;
}

static void
test_shipped(void)
{
	struct profile *p;
	unsigned char digest[32];
	char path[128];
	size_t i;

	for (i = 0; shipped[i] != NULL; i++) {
		p = load_named(shipped[i]);
		CHECK(p != NULL, "shipped profile %s loads", shipped[i]);
		if (p == NULL)
			continue;
		snprintf(path, sizeof(path), "policies/%s.yaml", shipped[i]);
		CHECK(strcmp(p->name, shipped[i]) == 0 &&
		    strcmp(p->path, path) == 0, "%s: name and path",
		    shipped[i]);
		CHECK(fileio_sha256(path, digest) == 0 &&
		    memcmp(digest, p->sha256, 32) == 0, "%s: SHA-256 of the "
		    "file", shipped[i]);
		CHECK(p->nekus >= 1 && p->lifetime_default > 0 &&
		    p->lifetime_default <= p->lifetime_max,
		    "%s: EKUs and lifetimes", shipped[i]);
		profile_free(p);
	}
	p = load_named("spiffe-workload");
	CHECK(p != NULL && !p->cn_allowed && p->ndns == 0 && p->nuri == 2 &&
	    p->max_names == 1 && p->lifetime_default == 86400 &&
	    p->lifetime_max == 7 * 86400, "spiffe-workload: one URI, no CN, "
	    "no DNS, 24h/7d");
	profile_free(p);
	p = load_named("code-signing");
	CHECK(p != NULL && p->key_usage == X509v3_KU_DIGITAL_SIGNATURE &&
	    p->nekus == 1 && strcmp(p->ekus[0], "codeSigning") == 0 &&
	    strcmp(p->subject_o, "Example Corp") == 0,
	    "code-signing: digitalSignature and codeSigning only");
	profile_free(p);
	p = load(FIX "minimal.yaml");
	CHECK(p != NULL && p->key_types == (PROFILE_KEY_P256 |
	    PROFILE_KEY_P384 | PROFILE_KEY_RSA) && p->rsa_min_bits == 2048 &&
	    !p->cn_allowed && !p->wildcard_certs && p->names_from_csr &&
	    p->from_flags == 0 && p->max_names == 100 &&
	    !p->lifetime_from_flag && p->description == NULL &&
	    p->subject_o == NULL, "minimal profile: the documented defaults");
	profile_free(p);
}

static void
test_named(void)
{
	struct profile *p = (struct profile *)1;

	CHECK_RC(profile_load_named(FIX "dir", "gamma", &p), ERR_CONFIG,
	    "unknown profile refused");
	CHECK(p == NULL, "nothing returned for an unknown profile");
	CHECK(strcmp(err_msg(), "unknown profile gamma in " FIX "dir (known: "
	    "alpha, beta, mismatch)") == 0, "the message lists the profiles, "
	    "not other files: %s", err_msg());
	CHECK_RC(profile_load_named(FIX "dir", "not-a-profile", &p),
	    ERR_CONFIG, "a YAML file that is not a profile is unknown");
	CHECK(msg_has("unknown profile not-a-profile"), "%s", err_msg());
	CHECK_RC(profile_load_named("policies", "intermediate-prod", &p),
	    ERR_CONFIG, "an intermediate policy is not a profile");
	CHECK(msg_has("(known: ") && msg_has("mtls-server") &&
	    !msg_has("intermediate-prod,") && !msg_has("root-ceremony"),
	    "policies/ lists profiles only: %s", err_msg());
	CHECK_RC(profile_load_named(FIX "dir", "mismatch", &p), ERR_CONFIG,
	    "a file whose profile key names another profile");
	CHECK(strcmp(err_msg(), FIX "dir/mismatch.yaml line 2: profile "
	    "\"other\" does not match the file name mismatch.yaml") == 0,
	    "%s", err_msg());
	CHECK_RC(profile_load_named(FIX "dir", "../good", &p), ERR_USAGE,
	    "a name with a path refused");
	CHECK_RC(profile_load_named(FIX "dir", "Upper", &p), ERR_USAGE,
	    "a name with capitals refused");
	CHECK_RC(profile_load_named(FIX "dir", "", &p), ERR_USAGE,
	    "an empty name refused");
	CHECK_RC(profile_load_named(FIX "nodir", "alpha", &p), ERR_CONFIG,
	    "a missing directory: unknown profile");
	CHECK(msg_has("(known: none)"), "%s", err_msg());
	CHECK_RC(profile_load_named(FIX "dir", "alpha", &p), 0, "alpha loads");
	profile_free(p);
	p = (struct profile *)1;
	CHECK_RC(profile_load(FIX "missing.yaml", &p), ERR_NOINPUT,
	    "a missing file is ERR_NOINPUT");
	CHECK(p == NULL, "nothing returned for a missing file");
}

static void
test_bad(void)
{
	struct profile *p;
	char path[128], prefix[160];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), FIX "bad-%s.yaml", bad[i].file);
		snprintf(prefix, sizeof(prefix), "%s line %d: ", path,
		    bad[i].line);
		p = (struct profile *)1;
		CHECK_RC(profile_load(path, &p), ERR_CONFIG, "bad-%s refused",
		    bad[i].file);
		CHECK(p == NULL, "bad-%s: nothing returned", bad[i].file);
		CHECK(strncmp(err_msg(), prefix, strlen(prefix)) == 0 &&
		    msg_has(bad[i].want), "bad-%s: names line %d and the rule: "
		    "%s", bad[i].file, bad[i].line, err_msg());
	}
}

/* want: 0, ERR_NO or ERR_DATA for each name of one kind. */
struct name_case {
	const char	*value;
	int		 want;
};

static void
check_names(const struct profile *p, enum san_kind kind,
    const struct name_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		CHECK_RC(profile_allows_name(p, kind, c[i].value), c[i].want,
		    "%s: %s \"%s\" -> %d", p->name, profile_kind_name(kind),
		    c[i].value, c[i].want);
}

#define NCASES(a)	(sizeof(a) / sizeof((a)[0]))

static void
test_dns(const struct profile *good)
{
	static const struct name_case c[] = {
		{ "a.svc.x.internal", 0 },
		{ "A.SVC.X.Internal", 0 },
		{ "web-1.svc.x.internal", 0 },
		{ "xn--bcher-kva.svc.x.internal", 0 },
		{ "a.b.svc.x.internal", ERR_NO },	/* two labels */
		{ "svc.x.internal", ERR_NO },		/* no label */
		{ "a.svc.x.internal.evil.org", ERR_NO },
		{ "asvc.x.internal", ERR_NO },
		{ "exact.example.org", 0 },
		{ "EXACT.Example.ORG", 0 },
		{ "x.exact.example.org", ERR_NO },
		{ "*.wild.example.org", 0 },		/* = a pattern */
		{ "*.WILD.example.org", 0 },
		{ "*.svc.x.internal", 0 },
		{ "*.a.wild.example.org", ERR_NO },
		{ "*.exact.example.org", ERR_NO },
		{ "*.example.org", ERR_NO },
		{ "a..svc.x.internal", ERR_DATA },
		{ "a.svc.x.internal.", ERR_DATA },
		{ ".a.svc.x.internal", ERR_DATA },
		{ "-a.svc.x.internal", ERR_DATA },
		{ "a-.svc.x.internal", ERR_DATA },
		{ "a_b.svc.x.internal", ERR_DATA },
		{ "a b.svc.x.internal", ERR_DATA },
		{ "caf\xc3\xa9.svc.x.internal", ERR_DATA },
		{ "", ERR_DATA },
		{ "foo.*.svc.x.internal", ERR_DATA },
		{ "**.svc.x.internal", ERR_DATA },
		{ "*a.svc.x.internal", ERR_DATA },
		{ "*", ERR_DATA },
		{ "*.internal", ERR_DATA },
		{ "10.10.0.1", ERR_DATA },
	};
	char label64[80], longname[300];

	check_names(good, SAN_DNS, c, NCASES(c));

	memset(label64, 'a', 64);
	snprintf(label64 + 64, sizeof(label64) - 64, ".svc.x.internal");
	CHECK_RC(profile_allows_name(good, SAN_DNS, label64), ERR_DATA,
	    "a 64-byte label is malformed");
	CHECK(msg_has("has a label longer than 63 bytes"), "%s", err_msg());
	memmove(label64, label64 + 1, strlen(label64));	/* 63 bytes */
	CHECK_RC(profile_allows_name(good, SAN_DNS, label64), 0,
	    "a 63-byte label is well-formed");
	memset(longname, 0, sizeof(longname));
	for (size_t i = 0; i < 248; i += 2)
		memcpy(longname + i, "a.", 2);
	snprintf(longname + 248, sizeof(longname) - 248, "x.internal");
	CHECK_RC(profile_allows_name(good, SAN_DNS, longname), ERR_DATA,
	    "a 258-byte name is malformed");
	CHECK(msg_has("is longer than 253 bytes"), "%s", err_msg());

	CHECK_RC(profile_allows_name(good, SAN_DNS, "a.b.svc.x.internal"),
	    ERR_NO, "message for a name outside the patterns");
	CHECK(strcmp(err_msg(), "DNS name \"a.b.svc.x.internal\" is not "
	    "allowed by profile good (allowed: *.svc.x.internal, "
	    "exact.example.org, *.wild.example.org)") == 0, "%s", err_msg());
	CHECK_RC(profile_allows_name(good, SAN_DNS, "a..b"), ERR_DATA,
	    "message for a malformed name");
	CHECK(strcmp(err_msg(), "DNS name \"a..b\" is malformed: it has an "
	    "empty label") == 0, "%s", err_msg());
	CHECK_RC(profile_allows_name(good, SAN_DNS, "a\x1b[2J\r.x\"y"),
	    ERR_DATA, "a name with control characters");
	CHECK(strchr(err_msg(), '\x1b') == NULL &&
	    strchr(err_msg(), '\r') == NULL &&
	    msg_has("\"a\\x1b[2J\\x0d.x\\x22y\""), "control characters and "
	    "quotes are escaped in the message: %s", err_msg());
}

static void
test_wildcards(void)
{
	struct profile *p = load_named("mtls-server");

	if (p == NULL)
		return;
	CHECK_RC(profile_allows_name(p, SAN_DNS,
	    "*.svc.prod.example.internal"), ERR_NO,
	    "mtls-server: a wildcard name is refused");
	CHECK(strcmp(err_msg(), "DNS name \"*.svc.prod.example.internal\" is "
	    "a wildcard, and profile mtls-server issues no wildcard "
	    "certificates") == 0, "%s", err_msg());
	CHECK_RC(profile_allows_name(p, SAN_DNS, "api.svc.prod.example."
	    "internal"), 0, "mtls-server: a name under the wildcard pattern");
	CHECK_RC(profile_allows_name(p, SAN_DNS, "evil.example.com"), ERR_NO,
	    "mtls-server: a foreign name");
	CHECK(strncmp(err_msg(), "DNS name \"evil.example.com\" is not allowed "
	    "by profile mtls-server (allowed: *.svc.prod.example.internal, ",
	    101) == 0, "%s", err_msg());
	CHECK_RC(profile_allows_name(p, SAN_IP, "10.10.1.2"), 0,
	    "mtls-server: an IP in the prod range");
	CHECK_RC(profile_allows_name(p, SAN_URI, "spiffe://prod.example.org/"
	    "ns/a/sa/b"), ERR_NO, "mtls-server: no URIs");
	CHECK(msg_has("(it allows no URIs)"), "%s", err_msg());
	profile_free(p);
}

static void
test_ip(const struct profile *good)
{
	static const struct name_case c[] = {
		{ "10.10.3.4", 0 },
		{ "10.10.0.0", 0 },
		{ "10.10.255.255", 0 },
		{ "10.9.255.255", ERR_NO },
		{ "10.11.0.0", ERR_NO },
		{ "192.0.2.7", 0 },
		{ "192.0.2.8", ERR_NO },
		{ "fd00:1::5", 0 },
		{ "FD00:1:ffff:ffff::1", 0 },
		{ "fd00:1:0:0:0:0:0:1", 0 },
		{ "fd00:2::1", ERR_NO },
		{ "fd00::1", ERR_NO },
		{ "::a0a:1", ERR_NO },		/* not 10.10.0.1 */
		{ "::ffff:10.10.0.1", ERR_DATA },
		{ "10.10.0", ERR_DATA },
		{ "10.10.0.1/32", ERR_DATA },
		{ "10.10.0.256", ERR_DATA },
		{ "010.10.0.1", ERR_DATA },
		{ "fe80::1%eth0", ERR_DATA },
		{ " 10.10.0.1", ERR_DATA },
		{ "", ERR_DATA },
	};
	struct profile *p;

	check_names(good, SAN_IP, c, NCASES(c));
	CHECK_RC(profile_allows_name(good, SAN_IP, "10.11.0.1"), ERR_NO,
	    "message for an address outside the ranges");
	CHECK(strcmp(err_msg(), "IP address \"10.11.0.1\" is not allowed by "
	    "profile good (allowed: 10.10.0.0/16, fd00:1::/32, "
	    "192.0.2.7/32)") == 0, "%s", err_msg());
	if ((p = load_named("spiffe-workload")) == NULL)
		return;
	CHECK_RC(profile_allows_name(p, SAN_IP, "10.10.0.1"), ERR_NO,
	    "spiffe-workload: no IP addresses");
	CHECK(strcmp(err_msg(), "IP address \"10.10.0.1\" is not allowed by "
	    "profile spiffe-workload (it allows no IP addresses)") == 0,
	    "%s", err_msg());
	CHECK_RC(profile_allows_name(p, SAN_DNS, "a.svc.prod.example."
	    "internal"), ERR_NO, "spiffe-workload: no DNS names");
	profile_free(p);
}

static void
test_uri(const struct profile *good)
{
	static const struct name_case c[] = {
		{ "spiffe://prod.example.org/ns/default/sa/web", 0 },
		{ "SPIFFE://PROD.Example.org/ns/default/sa/web", 0 },
		{ "spiffe://prod.example.org/ns/a-b_c.d~e/sa/x:y@z", 0 },
		{ "spiffe://prod.example.org/ns/default/sa/web/x", ERR_NO },
		{ "spiffe://prod.example.org/ns/default/sa", ERR_NO },
		{ "spiffe://prod.example.org/ns/default", ERR_NO },
		{ "spiffe://prod.example.org", ERR_NO },
		{ "spiffe://prod.example.org/NS/default/sa/web", ERR_NO },
		{ "spiffe://dev.example.org/ns/default/sa/web", ERR_NO },
		{ "spiffe://prod.example.org:443/ns/a/sa/b", ERR_NO },
		{ "spiffe://prod.example.org.evil/ns/a/sa/b", ERR_NO },
		{ "https://prod.example.org/ns/a/sa/b", ERR_NO },
		{ "https://ci.example.org/pipelines/42", 0 },
		{ "https://ci.example.org/pipelines", ERR_NO },
		{ "https://ci.example.org/pipelines/42/jobs", ERR_NO },
		{ "urn:dev:mac:0024befffe804ff1", 0 },
		{ "URN:DEV:mac:0024befffe804ff1", 0 },
		{ "urn:dev:MAC:0024befffe804ff1", ERR_NO },
		{ "urn:dev:mac:00:24", ERR_NO },
		{ "urn:dev:ow:10e2073a01080063", ERR_NO },
		{ "mailto:alice@example.org", ERR_NO },
		{ "spiffe://prod.example.org/ns//sa/web", ERR_DATA },
		{ "spiffe://prod.example.org/ns/../sa/web", ERR_DATA },
		{ "spiffe://prod.example.org/ns/./sa/web", ERR_DATA },
		{ "spiffe://prod.example.org/ns/%2e%2e/sa/web", ERR_DATA },
		{ "spiffe://prod.example.org/ns/a%2Fb/sa/web", ERR_DATA },
		{ "spiffe://prod.example.org/ns/a/sa/b?x=1", ERR_DATA },
		{ "spiffe://prod.example.org/ns/a/sa/b#f", ERR_DATA },
		{ "spiffe://prod.example.org/ns/a/sa/b/", ERR_DATA },
		{ "spiffe://prod.example.org/ns/*/sa/b", ERR_DATA },
		{ "spiffe://u@prod.example.org/ns/a/sa/b", ERR_DATA },
		{ "spiffe://prod.example.org:0/ns/a/sa/b", ERR_DATA },
		{ "spiffe://prod.example.org:65536/ns/a/sa/b", ERR_DATA },
		{ "spiffe://prod..example.org/ns/a/sa/b", ERR_DATA },
		{ "spiffe:///ns/a/sa/b", ERR_DATA },
		{ "spiffe://[fd00::1/ns/a/sa/b", ERR_DATA },
		{ "spiffe://prod.example.org/ns/a b/sa/b", ERR_DATA },
		{ "spiffe://prod.example.org/ns/[a]/sa/b", ERR_DATA },
		{ "prod.example.org/ns/a/sa/b", ERR_DATA },
		{ "1spiffe://prod.example.org/ns/a/sa/b", ERR_DATA },
		{ "urn:dev:mac:", ERR_DATA },
		{ "urn:dev", ERR_DATA },
		{ "urn:-dev:mac:1", ERR_DATA },
		{ "spiffe:", ERR_DATA },
		{ "", ERR_DATA },
	};

	check_names(good, SAN_URI, c, NCASES(c));
	CHECK_RC(profile_allows_name(good, SAN_URI, "spiffe://[fd00::1]:8443/"
	    "x"), ERR_NO, "an [IPv6]:port host is well-formed");
	CHECK_RC(profile_allows_name(good, SAN_URI, "spiffe://prod.example."
	    "org/ns/a/sa/b/c"), ERR_NO, "message for a URI outside the "
	    "patterns");
	CHECK(strcmp(err_msg(), "URI \"spiffe://prod.example.org/ns/a/sa/b/c\" "
	    "is not allowed by profile good (allowed: spiffe://prod.example."
	    "org/ns/*/sa/*, https://ci.example.org/pipelines/*, "
	    "urn:dev:mac:*)") == 0, "%s", err_msg());
	CHECK_RC(profile_allows_name(good, SAN_URI, "spiffe://prod.example."
	    "org/ns/../sa/b"), ERR_DATA, "message for a dot segment");
	CHECK(strcmp(err_msg(), "URI \"spiffe://prod.example.org/ns/../sa/b\" "
	    "is malformed: it has a \".\" or \"..\" segment") == 0, "%s",
	    err_msg());
}

static void
test_email(const struct profile *good)
{
	static const struct name_case c[] = {
		{ "alice@example.org", 0 },
		{ "Alice.Smith+tag@EXAMPLE.ORG", 0 },
		{ "o'brien@example.org", 0 },
		{ "bob@x.dept.example.com", 0 },
		{ "alice@sub.example.org", ERR_NO },
		{ "alice@example.org.evil.com", ERR_NO },
		{ "alice@evilexample.org", ERR_NO },
		{ "bob@dept.example.com", ERR_NO },
		{ "bob@a.b.dept.example.com", ERR_NO },
		{ "alice", ERR_DATA },
		{ "@example.org", ERR_DATA },
		{ "alice@", ERR_DATA },
		{ "a..b@example.org", ERR_DATA },
		{ ".a@example.org", ERR_DATA },
		{ "a.@example.org", ERR_DATA },
		{ "\"a b\"@example.org", ERR_DATA },
		{ "a@b@example.org", ERR_DATA },
		{ "alice@example..org", ERR_DATA },
		{ "alice@*.example.org", ERR_DATA },
		{ "alice@example.org.", ERR_DATA },
		{ "j\xc3\xb6rg@example.org", ERR_DATA },
	};
	char local[100];

	check_names(good, SAN_EMAIL, c, NCASES(c));
	memset(local, 'a', 65);
	snprintf(local + 65, sizeof(local) - 65, "@example.org");
	CHECK_RC(profile_allows_name(good, SAN_EMAIL, local), ERR_DATA,
	    "a 65-byte local part is malformed");
	local[0] = 'b';
	memmove(local, local + 1, strlen(local));
	CHECK_RC(profile_allows_name(good, SAN_EMAIL, local), 0,
	    "a 64-byte local part is allowed");
	CHECK_RC(profile_allows_name(good, SAN_EMAIL, "alice@evil.com"),
	    ERR_NO, "message for an address at another domain");
	CHECK(strcmp(err_msg(), "e-mail address \"alice@evil.com\" is not "
	    "allowed by profile good (allowed: *@example.org, "
	    "*@*.dept.example.com)") == 0, "%s", err_msg());
	CHECK_RC(profile_allows_name(good, SAN_EMAIL, "alice@example..org"),
	    ERR_DATA, "message for a malformed domain");
	CHECK(strcmp(err_msg(), "e-mail address \"alice@example..org\" is "
	    "malformed: its domain has an empty label") == 0, "%s",
	    err_msg());
}

static void
test_flags_cn(const struct profile *good)
{
	static const enum san_kind kinds[] = { SAN_DNS, SAN_IP, SAN_EMAIL,
	    SAN_URI };
	static const char *const names[] = { "a.svc.x.internal", "10.10.0.1",
	    "Alice@example.org", "spiffe://prod.example.org/ns/a/sa/b" };
	struct profile *p;

	CHECK_RC(profile_allows_flag(good, SAN_DNS), 0, "--dns allowed");
	CHECK_RC(profile_allows_flag(good, SAN_URI), 0, "--uri allowed");
	CHECK_RC(profile_allows_flag(good, SAN_IP), ERR_USAGE, "--ip refused");
	CHECK(strcmp(err_msg(), "profile good takes no --ip names (it takes: "
	    "--dns, --uri)") == 0, "%s", err_msg());
	CHECK_RC(profile_allows_flag(good, SAN_EMAIL), ERR_USAGE,
	    "--email refused");

	CHECK_RC(profile_check_cn(good, "A.SVC.x.internal", kinds, names, 4),
	    0, "a CN equal to a DNS name, ignoring case");
	CHECK_RC(profile_check_cn(good, "10.10.0.1", kinds, names, 4), 0,
	    "a CN equal to an IP address");
	CHECK_RC(profile_check_cn(good, "Alice@example.org", kinds, names, 4),
	    ERR_NO, "a TLS certificate's CN is not an e-mail address");
	CHECK_RC(profile_check_cn(good, "spiffe://prod.example.org/ns/a/sa/b",
	    kinds, names, 4), ERR_NO, "nor a URI");
	CHECK_RC(profile_check_cn(good, "b.svc.x.internal", kinds, names, 4),
	    ERR_NO, "a CN that is none of the names");
	CHECK(strcmp(err_msg(), "subject common name \"b.svc.x.internal\" is "
	    "not one of the certificate's DNS names or IP addresses, as "
	    "profile good requires") == 0, "%s", err_msg());
	CHECK_RC(profile_check_cn(good, "a.svc.x.internal", kinds, names, 0),
	    ERR_NO, "a CN with no names at all");
	if ((p = load_named("user")) != NULL) {
		CHECK_RC(profile_check_cn(p, "Alice@EXAMPLE.org", kinds + 2,
		    names + 2, 1), 0, "user: a CN equal to the address, "
		    "domain ignoring case");
		CHECK_RC(profile_check_cn(p, "alice@example.org", kinds + 2,
		    names + 2, 1), ERR_NO, "user: the local part keeps its "
		    "case");
		CHECK(msg_has("not one of the certificate's names, as profile "
		    "user requires"), "%s", err_msg());
		profile_free(p);
	}
	if ((p = load_named("mtls-client")) != NULL) {
		CHECK_RC(profile_check_cn(p, names[3], kinds + 3, names + 3,
		    1), 0, "mtls-client: a CN equal to its SPIFFE ID");
		profile_free(p);
	}
	if ((p = load_named("spiffe-workload")) == NULL)
		return;
	CHECK_RC(profile_check_cn(p, "spiffe://prod.example.org/ns/a/sa/b",
	    kinds, names, 4), ERR_NO, "spiffe-workload: no CN at all");
	CHECK(msg_has("profile spiffe-workload issues certificates without "
	    "one"), "%s", err_msg());
	profile_free(p);
}

static void
test_durations(void)
{
	static const struct {
		const char	*text;
		long long	 want;	/* -1: refused */
	} c[] = {
		{ "90d", 7776000 }, { "24h", 86400 }, { "30m", 1800 },
		{ "45s", 45 }, { "1s", 1 }, { "3650d", 315360000 },
		{ "87600h", 315360000 }, { "3651d", -1 }, { "87601h", -1 },
		{ "0d", -1 }, { "090d", -1 }, { "90", -1 }, { "d", -1 },
		{ "", -1 }, { "1.5d", -1 }, { "-1d", -1 }, { "+1d", -1 },
		{ "90D", -1 }, { "1d12h", -1 }, { " 90d", -1 }, { "90d ", -1 },
		{ "1w", -1 }, { "99999999999d", -1 }, { "0x10d", -1 },
	};
	long long s;
	size_t i;

	for (i = 0; i < NCASES(c); i++) {
		s = 12345;
		if (c[i].want < 0) {
			CHECK_RC(profile_parse_duration(c[i].text, &s),
			    ERR_USAGE, "duration \"%s\" refused", c[i].text);
			CHECK(s == 0, "\"%s\": zero on failure", c[i].text);
		} else
			CHECK(profile_parse_duration(c[i].text, &s) == 0 &&
			    s == c[i].want, "duration \"%s\" is %lld s",
			    c[i].text, c[i].want);
	}
	profile_parse_duration("90x", &s);
	CHECK(strcmp(err_msg(), "duration \"90x\" has a unit other than d, h, "
	    "m or s") == 0, "%s", err_msg());
}

static void
test_lifetime(const struct profile *good)
{
	struct profile *p;
	long long s;

	CHECK(profile_lifetime(good, NULL, &s) == 0 && s == 43200,
	    "no request: the default 12h");
	CHECK(profile_lifetime(good, "2d", &s) == 0 && s == 172800,
	    "2d: the maximum itself");
	CHECK(profile_lifetime(good, "48h", &s) == 0 && s == 172800,
	    "48h: the maximum in hours");
	CHECK(profile_lifetime(good, "30m", &s) == 0 && s == 1800,
	    "30m: shorter than the default");
	CHECK_RC(profile_lifetime(good, "49h", &s), ERR_NO, "49h: above");
	CHECK(strcmp(err_msg(), "lifetime 49h is above the maximum 2d of "
	    "profile good") == 0 && s == 0, "%s", err_msg());
	CHECK_RC(profile_lifetime(good, "2days", &s), ERR_USAGE,
	    "malformed lifetime");
	CHECK(msg_has("lifetime \"2days\""), "%s", err_msg());
	if ((p = load_named("mtls-server")) != NULL) {
		CHECK(profile_lifetime(p, NULL, &s) == 0 && s == 30 * 86400,
		    "mtls-server: 30d by default");
		CHECK(profile_lifetime(p, "90d", &s) == 0 && s == 90 * 86400,
		    "mtls-server: 90d allowed");
		CHECK_RC(profile_lifetime(p, "91d", &s), ERR_NO,
		    "mtls-server: 91d refused");
		profile_free(p);
	}
	if ((p = load(FIX "minimal.yaml")) != NULL) {
		CHECK_RC(profile_lifetime(p, "30m", &s), ERR_USAGE,
		    "a profile without from_flag refuses --lifetime");
		CHECK(msg_has("does not let the caller choose the lifetime "
		    "(it is always 1h)"), "%s", err_msg());
		CHECK(profile_lifetime(p, NULL, &s) == 0 && s == 3600,
		    "minimal: its default");
		profile_free(p);
	}
}

static EVP_PKEY *
pub(const char *name)
{
	char path[128];
	EVP_PKEY *k = NULL;
	FILE *f;

	snprintf(path, sizeof(path), FIX "%s.pub.pem", name);
	if ((f = fopen(path, "r")) != NULL) {
		k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (k == NULL)
		printf("# cannot read %s\n", path);
	return k;
}

static void
check_key(const struct profile *p, const char *key, int want,
    const char *msg)
{
	EVP_PKEY *k = pub(key);

	if (k == NULL) {
		CHECK(0, "%s: key %s readable", p->name, key);
		return;
	}
	CHECK_RC(profile_allows_key(p, k), want, "%s: %s key -> %d", p->name,
	    key, want);
	if (msg != NULL)
		CHECK(strcmp(err_msg(), msg) == 0, "%s", err_msg());
	EVP_PKEY_free(k);
}

static void
test_keys(const struct profile *good)
{
	struct profile *p;

	check_key(good, "p256", 0, NULL);
	check_key(good, "ed25519", 0, NULL);
	check_key(good, "rsa3072", 0, NULL);
	check_key(good, "rsa2048", ERR_DATA, "RSA 2048-bit key is below the "
	    "3072 bits profile good requires");
	check_key(good, "p384", ERR_DATA, "ECDSA P-384 key is not allowed by "
	    "profile good (allowed: ECDSA P-256, RSA of 3072 to 8192 bits, "
	    "Ed25519)");
	check_key(good, "ed448", ERR_DATA, NULL);
	if ((p = load_named("user")) == NULL)
		return;
	check_key(p, "rsa1024", ERR_DATA, "RSA 1024-bit key is below the 2048 "
	    "bits profile user requires");
	check_key(p, "rsa2048", 0, NULL);
	check_key(p, "p256", 0, NULL);
	check_key(p, "p384", 0, NULL);
	check_key(p, "p521", ERR_DATA, "ECDSA P-521 key is not allowed by "
	    "profile user (allowed: ECDSA P-256, ECDSA P-384, RSA of 2048 to "
	    "8192 bits)");
	check_key(p, "brainpool", ERR_DATA, NULL);
	CHECK(msg_has("ECDSA brainpoolP256r1 key is not allowed"), "%s",
	    err_msg());
	check_key(p, "ed25519", ERR_DATA, NULL);
	check_key(p, "rsa2048-e3", ERR_DATA, NULL);
	CHECK(msg_has("public exponent is not an odd number from 65537"),
	    "%s", err_msg());
	check_key(p, "rsapss2048", ERR_DATA, NULL);
	CHECK(msg_has("RSA-PSS"), "%s", err_msg());
	check_key(p, "p256-explicit", ERR_DATA, NULL);
	CHECK(msg_has("explicit curve parameters"), "%s", err_msg());
	profile_free(p);
}

static void
check_ku(const struct profile *p, const char *key, unsigned bits,
    const char *text)
{
	EVP_PKEY *k = pub(key);
	char buf[PROFILE_KU_TEXT];
	unsigned got = 0;

	CHECK(k != NULL && profile_key_usage(p, k, &got, buf,
	    sizeof(buf)) == 0 && got == bits && strcmp(buf, text) == 0,
	    "%s: %s key gets %s", p->name, key, text);
	EVP_PKEY_free(k);
}

static void
test_usage(const struct profile *good)
{
	struct profile *p;
	EVP_PKEY *k;
	char buf[PROFILE_EKU_TEXT], tiny[12];
	unsigned bits;

	check_ku(good, "p256", X509v3_KU_DIGITAL_SIGNATURE |
	    X509v3_KU_KEY_AGREEMENT, "critical,digitalSignature,keyAgreement");
	check_ku(good, "rsa3072", X509v3_KU_DIGITAL_SIGNATURE |
	    X509v3_KU_KEY_ENCIPHERMENT,
	    "critical,digitalSignature,keyEncipherment");
	check_ku(good, "ed25519", X509v3_KU_DIGITAL_SIGNATURE,
	    "critical,digitalSignature");
	if ((k = pub("p384")) != NULL) {
		CHECK_RC(profile_key_usage(good, k, &bits, NULL, 0), ERR_DATA,
		    "key usage for a key type the profile lacks");
		EVP_PKEY_free(k);
	}
	if ((k = pub("rsa3072")) != NULL) {
		CHECK_RC(profile_key_usage(good, k, &bits, tiny,
		    sizeof(tiny)), ERR_INTERNAL, "a short buffer is refused");
		EVP_PKEY_free(k);
	}
	CHECK(profile_eku_text(good, buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "serverAuth,clientAuth") == 0, "EKU text: %s", buf);
	CHECK_RC(profile_eku_text(good, tiny, 8), ERR_INTERNAL,
	    "EKU text: a short buffer is refused");
	if ((p = load_named("code-signing")) != NULL) {
		check_ku(p, "p256", X509v3_KU_DIGITAL_SIGNATURE,
		    "critical,digitalSignature");
		CHECK(profile_eku_text(p, buf, sizeof(buf)) == 0 &&
		    strcmp(buf, "codeSigning") == 0, "code-signing EKU: %s",
		    buf);
		profile_free(p);
	}
}

int
main(void)
{
	struct profile *good;

	test_shipped();
	test_named();
	test_bad();
	test_durations();
	if ((good = load(FIX "good.yaml")) == NULL) {
		CHECK(0, "good.yaml loads");
		return harness_done();
	}
	test_dns(good);
	test_wildcards();
	test_ip(good);
	test_uri(good);
	test_email(good);
	test_flags_cn(good);
	test_lifetime(good);
	test_keys(good);
	test_usage(good);
	profile_free(good);
	return harness_done();
}
