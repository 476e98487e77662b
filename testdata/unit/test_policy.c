/*
 * test_policy.c: the intermediate CA policy file.
 *
 * The three shipped policies and the good fixtures load with the values
 * they say; testdata/fixtures/policy/good-base.yaml loads, and every bad
 * fixture (good-base with one rule broken) is refused with ERR_CONFIG
 * and a message that names the file, the line and the rule.
 * policy_parse_cidr() gives the iPAddress constraint bytes.  Run from
 * the top of the tree (as scripts/run-tests does).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/objects.h>

#include "err.h"
#include "fileio.h"
#include "harness.h"
#include "policy.h"

#define FIX	"testdata/fixtures/policy/"

static const struct {
	const char	*file;
	int		 line;
	const char	*want;
} bad[] = {
	{ "unknown-key", 24, "unknown key \"extras\" at the top level" },
	{ "misspelt-key", 11, "unknown key \"name_constraint\" at the top "
	    "level (did you mean \"name_constraints\"?)" },
	{ "duplicate-key", 9, "duplicate key \"default_days\" (first at line "
	    "7)" },
	{ "dns-leading-dot", 15, "dns \".svc.prod.example.internal\" begins "
	    "with a dot: write \"svc.prod.example.internal\"" },
	{ "dns-wildcard", 15, "has a wildcard" },
	{ "dns-upper", 15, "dns \"Prod.Example.org\" has upper-case letters" },
	{ "dns-numeric", 15, "ends in an all-numeric label: an IP address "
	    "belongs under ip" },
	{ "dns-label-long", 15, "has a label longer than 63 bytes" },
	{ "dns-empty-label", 15, "has an empty label" },
	{ "dns-hyphen", 15, "has a label that begins or ends with '-'" },
	{ "dns-underscore", 15, "has a character other than a-z, 0-9, '-' and "
	    "'.'" },
	{ "dns-twice", 18, "dns \"prod.example.org\" is listed twice (first at "
	    "line 16)" },
	{ "ip-no-prefix", 16, "ip \"10.10.0.1\" has no prefix length" },
	{ "ip-host-bits", 16, "ip \"10.10.1.0/16\" has host bits set: the "
	    "range is written 10.10.0.0/16" },
	{ "ip6-host-bits", 16, "ip \"fd00::1/8\" has host bits set: the range "
	    "is written fd00::/8" },
	{ "ip-prefix-33", 16, "has a prefix length that is not a number from 0 "
	    "to 32" },
	{ "ip-prefix-zero", 16, "has a prefix length that is not a number from "
	    "0 to 32" },
	{ "ip-not-address", 16, "ip \"10.10.0/16\" is not an IPv4 or IPv6 "
	    "address range" },
	{ "ip-twice", 16, "ip \"fd00:0::/8\" is listed twice" },
	{ "both-permitted-excluded", 18, "dns \"prod.example.org\" is both "
	    "permitted and excluded" },
	{ "uri-not-chosen", 13, "uri subtrees are listed but uri_constraints "
	    "is false" },
	{ "uri-chosen-none", 13, "uri_constraints is true but no permitted or "
	    "excluded uri is listed" },
	{ "uri-choice-missing", 11, "missing required key \"uri_constraints\" "
	    "in section name_constraints" },
	{ "uri-scheme", 16, "uri \"spiffe://prod.example.org\" has a scheme: "
	    "write the host only" },
	{ "uri-path", 16, "must be a host (\"host.example.org\") or a domain" },
	{ "email-bad", 16, "email \"@example.org\" must be \"user@host\", "
	    "\"host\" or \".domain\"" },
	{ "email-bad-host", 16, "the host \"example..org\" has an empty "
	    "label" },
	{ "email-comma", 16, "email \"a,b@example.org\" has a mailbox part "
	    "that is not an RFC 5322 dot-atom" },
	{ "nc-empty", 11, "name_constraints lists no permitted or excluded "
	    "subtree" },
	{ "subtree-typo", 16, "unknown key \"ips\" in section "
	    "name_constraints.permitted (did you mean \"ip\"?)" },
	{ "validity-default-over", 7, "default_days 3000 is more than max_days "
	    "1825" },
	{ "validity-over-cap", 8, "max_days 3651 is out of range (1..3650)" },
	{ "validity-zero", 7, "default_days 0 is out of range (1..3650)" },
	{ "validity-missing-max", 6, "missing required key \"max_days\" in "
	    "section validity" },
	{ "path-len-9", 9, "path_len 9 is out of range (0..8)" },
	{ "path-len-negative", 9, "path_len \"-1\" is not a decimal number" },
	{ "key-type-rsa2048", 10, "key type \"rsa2048\" is not allowed for an "
	    "intermediate (allowed: p256, p384, rsa3072, rsa4096)" },
	{ "key-type-p521", 11, "key type \"p521\" is not allowed for an "
	    "intermediate" },
	{ "key-type-twice", 10, "key type \"p256\" is listed twice" },
	{ "key-types-empty", 10, "key_types has 0 entries; at least 1 is "
	    "required" },
	{ "eku-unknown", 19, "extended key usage \"serverauth\" is not known "
	    "(known: serverAuth," },
	{ "eku-ocsp", 19, "OCSPSigning is refused for an intermediate" },
	{ "eku-twice", 19, "extended key usage \"clientAuth\" is listed "
	    "twice" },
	{ "eku-missing", 1, "missing required key \"extended_key_usage\" at "
	    "the top level" },
	{ "crl-https", 21, "crl \"https://pki.example.org/root.crl\" is https: "
	    "use http" },
	{ "crl-ftp", 21, "crl \"ftp://pki.example.org/root.crl\" is not an "
	    "http:// URL" },
	{ "crl-no-path", 21, "names no file" },
	{ "crl-port", 21, "has a port that is not a number from 1 to 65535" },
	{ "crl-user", 21, "has a user name" },
	{ "aia-bad-host", 22, "ca_issuers \"http://pki_example.org/root.crt\" "
	    "has a malformed host name" },
	{ "aia-space", 22, "has a character that RFC 3986 wants "
	    "percent-encoded" },
	{ "aia-bad-ipv6", 22, "has a malformed [IPv6] host" },
	{ "urls-missing", 1, "missing required key \"root_urls\" at the top "
	    "level" },
	{ "oid-leading-zero", 23, "is not dotted decimal" },
	{ "oid-first-arc", 23, "OID \"3.1.2\" has arcs that X.660 does not "
	    "allow" },
	{ "oid-second-arc", 23, "OID \"1.40.1\" has arcs that X.660 does not "
	    "allow" },
	{ "oid-single", 23, "OID \"1\" has a single arc" },
	{ "oid-twice", 23, "OID \"2.23.140.1.2.1\" is listed twice" },
	{ "subject-no-cn", 2, "the subject has no common_name: fix one, or "
	    "list common_name in from_csr" },
	{ "subject-fixed-and-csr", 5, "organization is both fixed (line 4) and "
	    "taken from the CSR" },
	{ "from-csr-unknown", 5, "from_csr entry \"country\" is not known" },
	{ "from-csr-twice", 5, "from_csr lists \"common_name\" twice" },
	{ "bad-country", 3, "country \"Germany\" must be two upper-case "
	    "letters" },
	{ "cn-too-long", 5, "common_name is 65 bytes long; at most 64 are "
	    "allowed" },
	{ "name-bad-chars", 1, "name \"prod eu\" may hold only letters, "
	    "digits" },
	{ "nc-critical-quoted", 12, "critical \"true\" is quoted" },
};

static void
test_bad(void)
{
	static struct intermediate_policy dummy;
	struct intermediate_policy *p;
	char path[128], prefix[160];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), FIX "%s.yaml", bad[i].file);
		snprintf(prefix, sizeof(prefix), "%s line %d: ", path,
		    bad[i].line);
		p = &dummy;	/* must be reset to NULL */
		CHECK_RC(policy_load(path, &p), ERR_CONFIG, "%s refused",
		    bad[i].file);
		CHECK(p == NULL, "%s: nothing returned", bad[i].file);
		CHECK(strncmp(err_msg(), prefix, strlen(prefix)) == 0 &&
		    strstr(err_msg(), bad[i].want) != NULL,
		    "%s: message names file, line %d and rule", bad[i].file,
		    bad[i].line);
		if (strstr(err_msg(), bad[i].want) == NULL ||
		    strncmp(err_msg(), prefix, strlen(prefix)) != 0)
			printf("      got: %s\n", err_msg());
		if (p != &dummy)
			policy_free(p);
	}
}

static int
has(const char **list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* What the three shipped policies have in common. */
static void
check_shipped(const struct intermediate_policy *p, const char *name)
{
	size_t i;

	CHECK(strcmp(p->name, name) == 0, "%s: name", name);
	CHECK(strcmp(p->subject_c, "DE") == 0 &&
	    strcmp(p->subject_o, "Example Corp") == 0 &&
	    p->subject_ou != NULL && p->subject_cn == NULL &&
	    p->csr_may_set_cn && !p->csr_may_set_o && !p->csr_may_set_ou,
	    "%s: fixed C, O, OU; CN from the CSR", name);
	CHECK(p->validity_days_default == 1825 &&
	    p->validity_days_max == 3650, "%s: 1825 days, at most 3650", name);
	CHECK(p->path_len == 0, "%s: pathLen 0", name);
	CHECK(p->key_types == POLICY_KEYS_DEFAULT, "%s: all four key types",
	    name);
	CHECK(p->has_nc && p->nc_critical, "%s: critical name constraints",
	    name);
	CHECK(p->nekus == 2 && strcmp(p->ekus[0], "serverAuth") == 0 &&
	    strcmp(p->ekus[1], "clientAuth") == 0, "%s: EKUs", name);
	for (i = 0; i < p->nekus; i++)
		CHECK(OBJ_sn2nid(p->ekus[i]) != NID_undef,
		    "%s: EKU %s is an OpenSSL short name", name, p->ekus[i]);
	CHECK(strcmp(p->crl_url, "http://pki.example.org/root.crl") == 0 &&
	    strcmp(p->ca_issuers_url, "http://pki.example.org/root.crt") == 0,
	    "%s: root URLs", name);
	CHECK(p->npolicy_oids == 1, "%s: one policy OID", name);
}

static void
test_prod(void)
{
	struct intermediate_policy *p = NULL;
	unsigned char digest[32];
	const char *path = "policies/intermediate-prod.yaml";

	CHECK_RC(policy_load(path, &p), 0, "prod policy loads");
	if (p == NULL)
		return;
	check_shipped(p, "prod");
	CHECK(strcmp(p->path, path) == 0, "path kept");
	CHECK(fileio_sha256(path, digest) == 0 &&
	    memcmp(digest, p->sha256, 32) == 0, "SHA-256 of the file's bytes");
	CHECK(p->permitted.ndns == 2 &&
	    has(p->permitted.dns, 2, "svc.prod.example.internal") &&
	    has(p->permitted.dns, 2, "prod.example.org"), "prod: DNS");
	CHECK(p->permitted.nip == 1 &&
	    strcmp(p->permitted.ip[0], "10.10.0.0/16") == 0, "prod: IP");
	CHECK(!p->uri_constraints && p->permitted.nuri == 0 &&
	    p->excluded.nuri == 0, "prod: no URI constraint");
	CHECK(p->excluded.ndns + p->excluded.nip + p->excluded.nemail == 0,
	    "prod: nothing excluded");
	policy_free(p);
}

static void
test_stage_dev(void)
{
	struct intermediate_policy *p = NULL;

	CHECK_RC(policy_load("policies/intermediate-stage.yaml", &p), 0,
	    "stage policy loads");
	if (p != NULL) {
		check_shipped(p, "stage");
		CHECK(p->permitted.ndns == 1 && strcmp(p->permitted.dns[0],
		    "stage.example.internal") == 0 && p->permitted.nip == 1 &&
		    strcmp(p->permitted.ip[0], "10.20.0.0/16") == 0 &&
		    !p->uri_constraints, "stage: DNS, IP, no URI");
		policy_free(p);
	}
	p = NULL;
	CHECK_RC(policy_load("policies/intermediate-dev.yaml", &p), 0,
	    "dev policy loads");
	if (p != NULL) {
		check_shipped(p, "dev");
		CHECK(p->permitted.ndns == 1 && strcmp(p->permitted.dns[0],
		    "dev.example.internal") == 0 && p->permitted.nip == 1 &&
		    strcmp(p->permitted.ip[0], "10.30.0.0/16") == 0,
		    "dev: DNS, IP");
		CHECK(p->uri_constraints && p->permitted.nuri == 1 &&
		    strcmp(p->permitted.uri[0], "dev.example.org") == 0,
		    "dev: SPIFFE trust domain as URI constraint");
		CHECK(p->excluded.nip == 1 && strcmp(p->excluded.ip[0],
		    "10.30.0.0/24") == 0, "dev: infrastructure excluded");
		policy_free(p);
	}
}

static void
test_full(void)
{
	struct intermediate_policy *p = NULL;

	CHECK_RC(policy_load(FIX "good-full.yaml", &p), 0, "full policy loads");
	if (p == NULL)
		return;
	CHECK(strcmp(p->name, "spiffe-dev_2.eu") == 0, "name");
	CHECK(strcmp(p->subject_c, "NO") == 0 &&
	    strcmp(p->subject_st, "Oslo") == 0 &&
	    strcmp(p->subject_l, "Oslo") == 0 &&
	    strcmp(p->subject_cn, "Example Corp Dev Workload CA") == 0 &&
	    p->subject_ou == NULL && p->csr_may_set_ou && !p->csr_may_set_cn &&
	    !p->csr_may_set_o, "subject: fixed CN, OU from the CSR");
	CHECK(p->validity_days_default == 90 && p->validity_days_max == 365,
	    "validity");
	CHECK(p->path_len == -1, "path_len none");
	CHECK(p->key_types == (POLICY_KEY_BIT(KEY_P384) |
	    POLICY_KEY_BIT(KEY_RSA4096)), "key types p384, rsa4096");
	CHECK(p->has_nc && !p->nc_critical && p->uri_constraints,
	    "non-critical constraints with URI");
	CHECK(p->permitted.ndns == 2 && p->permitted.nip == 3 &&
	    p->permitted.nuri == 2 && p->permitted.nemail == 3,
	    "permitted counts");
	CHECK(p->excluded.ndns == 1 && p->excluded.nip == 2 &&
	    p->excluded.nuri == 1 && p->excluded.nemail == 0,
	    "excluded counts");
	CHECK(has(p->permitted.uri, p->permitted.nuri,
	    ".workloads.example.org") && has(p->permitted.email,
	    p->permitted.nemail, ".mail.example.net"), "domain forms kept");
	CHECK(p->nekus == 5 && strcmp(p->ekus[4], "timeStamping") == 0,
	    "five EKUs");
	CHECK(strcmp(p->crl_url,
	    "http://10.0.0.1:8080/pki/root.crl?v=1") == 0 &&
	    strcmp(p->ca_issuers_url, "http://[fd00::1]/root%20ca.crt") == 0,
	    "URLs with IP hosts, port, query, escape");
	CHECK(p->npolicy_oids == 3 && strcmp(p->policy_oids[0],
	    "2.23.140.1.2.1") == 0, "three OIDs, one a UUID arc");
	policy_free(p);
}

static void
test_minimal(void)
{
	struct intermediate_policy *p = NULL;

	CHECK_RC(policy_load(FIX "good-minimal.yaml", &p), 0,
	    "minimal policy loads");
	if (p != NULL) {
		CHECK(!p->has_nc && !p->uri_constraints &&
		    p->permitted.ndns == 0 && p->excluded.nip == 0,
		    "no name constraints");
		CHECK(p->nekus == 0, "no EKU");
		CHECK(p->path_len == 0, "path_len defaults to 0");
		CHECK(p->key_types == POLICY_KEYS_DEFAULT, "default key types");
		CHECK(p->npolicy_oids == 0 && p->subject_c == NULL &&
		    p->subject_o == NULL, "no OIDs, no other subject parts");
		policy_free(p);
	}
	p = NULL;
	CHECK_RC(policy_load(FIX "good-base.yaml", &p), 0,
	    "the base of the bad fixtures loads");
	policy_free(p);
	policy_free(NULL);
	CHECK_RC(policy_load(FIX "no-such-file.yaml", &p), ERR_NOINPUT,
	    "missing file is ERR_NOINPUT");
	CHECK(p == NULL && strstr(err_msg(), "no-such-file.yaml") != NULL,
	    "message names the file");
}

static void
test_cidr(void)
{
	static const unsigned char v4[8] = {
		10, 10, 0, 0, 255, 255, 0, 0
	};
	static const unsigned char v6[32] = {
		0xfd, 0x00, 0x00, 0x30, [16] = 0xff, 0xff, 0xff, 0xf0
	};
	unsigned char buf[32];
	size_t len = 0;

	CHECK_RC(policy_parse_cidr("10.10.0.0/16", buf, &len), 0, "IPv4 range");
	CHECK(len == 8 && memcmp(buf, v4, 8) == 0, "address and mask");
	CHECK_RC(policy_parse_cidr("fd00:30::/28", buf, &len), 0, "IPv6 range");
	CHECK(len == 32 && memcmp(buf, v6, 32) == 0, "IPv6 address and mask");
	CHECK_RC(policy_parse_cidr("0.0.0.0/0", buf, &len), 0, "all of IPv4");
	CHECK(len == 8 && buf[4] == 0 && buf[7] == 0, "empty mask");
	CHECK_RC(policy_parse_cidr("10.10.0.1/16", buf, &len), ERR_DATA,
	    "host bits refused");
	CHECK(strstr(err_msg(), "\"10.10.0.1/16\" has host bits set: the "
	    "range is written 10.10.0.0/16") != NULL, "message: %s",
	    err_msg());
	CHECK_RC(policy_parse_cidr("10.10.0.0", buf, &len), ERR_DATA,
	    "no prefix refused");
	CHECK_RC(policy_parse_cidr("fd00::%eth0/8", buf, &len), ERR_DATA,
	    "scoped IPv6 refused");
	CHECK_RC(policy_parse_cidr("fd00::/129", buf, &len), ERR_DATA,
	    "prefix 129 refused");
	CHECK_RC(policy_parse_cidr("10.0.0.0/+8", buf, &len), ERR_DATA,
	    "signed prefix refused");
}

int
main(void)
{
	test_prod();
	test_stage_dev();
	test_full();
	test_minimal();
	test_bad();
	test_cidr();
	return harness_done();
}
