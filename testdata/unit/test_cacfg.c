/*
 * test_cacfg.c: the online CA's ca.yaml and init file.
 *
 * The shipped examples (policies/ca-prod.yaml, ca-dev.yaml) load with
 * the values they say; an init file written here, with one rule broken
 * at a time, is refused with ERR_CONFIG and a message naming the file,
 * the line and the rule; cacfg_write() and cacfg_load() round-trip every
 * field; a ca.yaml from a newer format, with state edited or the audit
 * key missing is refused; PKI_CA_DIR, CRL shard URLs and the allowed
 * profiles behave as documented; the installed certificate is checked
 * against its recorded SHA-256; and the CA key (an encrypted file)
 * opens only with the right passphrase and only for its certificate,
 * together with the audit key, which then seals audit entries.  Run from
 * the top of the tree.
 */
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "audit.h"
#include "cacfg.h"
#include "err.h"
#include "fileio.h"
#include "harness.h"
#include "keyfile.h"
#include "profile.h"
#include "secmem.h"
#include "x509.h"

static char tdir[] = "/tmp/test_cacfg.XXXXXX";
static char policies[PATH_MAX];

/* A good init file; {P} is replaced by the policies directory. */
static const char base[] =
    "name: prod\n"					/* 1 */
    "key:\n"						/* 2 */
    "  type: p384\n"					/* 3 */
    "  hsm:\n"						/* 4 */
    "    module: /usr/lib/softhsm/libsofthsm2.so\n"	/* 5 */
    "    uri: \"pkcs11:token=ca;object=ca-key\"\n"	/* 6 */
    "  pin_file: /etc/pki/prod.pin\n"			/* 7 */
    "csr:\n"						/* 8 */
    "  subject:\n"					/* 9 */
    "    country: \"DE\"\n"				/* 10 */
    "    organization: \"Example \\\"Corp\\\"\"\n"	/* 11 */
    "    common_name: \"Prod CA\"\n"			/* 12 */
    "urls:\n"						/* 13 */
    "  crl: http://pki.example.org/prod.crl\n"		/* 14 */
    "  ocsp: http://ocsp.example.org:8080/prod\n"	/* 15 */
    "  ca_issuers: http://[2001:db8::1]/prod.crt\n"	/* 16 */
    "profiles:\n"					/* 17 */
    "  directory: {P}\n"				/* 18 */
    "  allowed: [mtls-server, user]\n"			/* 19 */
    "issuance:\n"					/* 20 */
    "  backdate: 90s\n"					/* 21 */
    "crl:\n"						/* 22 */
    "  validity: 36h\n"					/* 23 */
    "  shards: 1\n"					/* 24 */
    "  delta: false\n"					/* 25 */
    "ocsp:\n"						/* 26 */
    "  validity: 4d\n"					/* 27 */
    "  refresh: 1d\n"					/* 28 */
    "publish:\n"					/* 29 */
    "  crl: www/crl\n"					/* 30 */
    "  ocsp: /srv/ocsp\n";				/* 31 */

/* One rule broken: replace the first "from" in base with "to". */
static const struct {
	const char	*from, *to;
	int		 line;
	const char	*want;
} bad[] = {
	{ "name: prod", "name: Prod", 1, "name \"Prod\" must be 1 to 64 of "
	    "a-z, 0-9" },
	{ "name: prod", "nmae: prod", 1, "unknown key \"nmae\" at the top "
	    "level (did you mean \"name\"?)" },
	{ "name: prod\n", "name: prod\nstate: { installed: true }\n", 2,
	    "\"state\" belongs in the ca.yaml that pki-ca-init writes" },
	{ "name: prod\n", "name: prod\nversion: 1\n", 2, "\"version\" belongs "
	    "in the ca.yaml" },
	{ "  type: p384", "  type: rsa2048", 3, "key type \"rsa2048\" is not "
	    "allowed for a CA key" },
	{ "  pin_file: /etc/pki/prod.pin\n", "  pin_file: /etc/pki/prod.pin\n"
	    "  spki_sha256: \"00\"\n", 8, "unknown key \"spki_sha256\" in "
	    "section key" },
	{ "  pin_file: /etc/pki/prod.pin", "  pin_file: prod.pin", 7,
	    "pin_file \"prod.pin\" must be an absolute path" },
	{ "  pin_file: /etc/pki/prod.pin", "  file: ca.key", 7, "key.hsm "
	    "(line 4) and key.file are both set" },
	{ "  hsm:\n    module: /usr/lib/softhsm/libsofthsm2.so\n"
	    "    uri: \"pkcs11:token=ca;object=ca-key\"\n", "", 2, "section "
	    "key sets neither hsm nor file" },
	{ "  hsm:\n    module: /usr/lib/softhsm/libsofthsm2.so\n"
	    "    uri: \"pkcs11:token=ca;object=ca-key\"\n",
	    "  file: sub/ca.key\n", 4, "file \"sub/ca.key\" must be a plain "
	    "file name" },
	{ "  hsm:\n    module: /usr/lib/softhsm/libsofthsm2.so\n"
	    "    uri: \"pkcs11:token=ca;object=ca-key\"\n",
	    "  file: audit.key\n", 4, "file \"audit.key\" is the name of "
	    "another file in the CA directory" },
	{ "module: /usr", "module: usr", 5, "must be an absolute path" },
	{ "token=ca;object=ca-key", "token=ca", 6, "uri has no object= "
	    "attribute" },
	{ "token=ca;", "token=ca;pin-value=1234;", 6, "the PIN never appears "
	    "in this file" },
	{ "country: \"DE\"", "country: \"de\"", 10, "country \"de\" must be "
	    "two upper-case letters" },
	{ "    common_name: \"Prod CA\"\n", "", 9, "missing required key "
	    "\"common_name\" in section csr.subject" },
	{ "  crl: http://pki", "  crl: https://pki", 14, "crl URL "
	    "\"https://pki.example.org/prod.crl\" must be http://" },
	{ "  crl: http://pki", "  crl: ldap://pki", 14, "must start with "
	    "http://" },
	{ "  crl: http://pki.example.org/", "  crl: http:///", 14,
	    "is malformed" },
	{ "ocsp.example.org:8080", "ocsp.example.org:99999", 15,
	    "is malformed" },
	{ "/prod.crl", "/prod.crl#x", 14, "is malformed" },
	{ "/prod.crl", "/prod%zz.crl", 14, "is malformed" },
	{ "/prod.crl", "/{shard}.crl", 14, "contains {shard}, but only a "
	    "sharded CRL's URLs" },
	{ "  shards: 1", "  shards: 16", 14, "must contain {shard} exactly "
	    "once" },
	{ "  shards: 1", "  shards: 1025", 24, "shards 1025 is out of range "
	    "(1..1024)" },
	{ "  delta: false", "  delta: true", 13, "crl.delta is true but "
	    "urls.delta_crl is not set" },
	{ "  delta: false", "  delta: false\n  keep_expired: 1", 26,
	    "keep_expired" },
	{ "  delta: false", "  delta: false\n  keep_expire: true", 26,
	    "unknown key \"keep_expire\"" },
	{ "/prod.crt\n", "/prod.crt\n  delta_crl: http://a/d.crl\n", 17,
	    "urls.delta_crl is set but crl.delta is not true" },
	{ "  allowed: [mtls-server, user]", "  allowed: [user, user]", 19,
	    "profile \"user\" is listed twice (first at line 19)" },
	{ "  allowed: [mtls-server, user]", "  allowed: [Server]", 19,
	    "profile name \"Server\" must be 1 to 64 of a-z" },
	{ "  allowed: [mtls-server, user]", "  allowed: []", 19, "allowed has "
	    "0 entries" },
	{ "  directory: ", "  directory: /nonexistent/profiles #", 18,
	    "profiles directory /nonexistent/profiles: No such file" },
	{ "  backdate: 90s", "  backdate: 2d", 21, "backdate 2d is out of "
	    "range (0s..1d)" },
	{ "  backdate: 90s", "  backdate: 090s", 21, "backdate \"090s\" is not "
	    "a duration" },
	{ "  backdate: 90s", "  backdate: 5 m", 21, "is not a duration" },
	{ "  validity: 36h", "  validity: 31d", 23, "validity 31d is out of "
	    "range (1h..30d)" },
	{ "  refresh: 1d", "  refresh: 4d", 28, "refresh must be shorter than "
	    "the validity 4d" },
	{ "  crl: www/crl", "  crl: ../www", 30, "publish.crl \"../www\" must "
	    "be a path inside the CA directory" },
	{ "  crl: www/crl", "  crl: www//crl", 30, "must be a path inside" },
	{ "  crl: www/crl", "  crl: ca.pem/crl", 30, "publish.crl "
	    "\"ca.pem/crl\" would use the name of another file" },
	{ "issuance:\n", "issuance:\n  backdates: 1m\n", 21, "unknown key "
	    "\"backdates\" in section issuance (did you mean \"backdate\"?)" },
};

/* base with {P} filled in and one replacement made, into path. */
static int
write_init(const char *path, const char *from, const char *to)
{
	char text[8192], *at;
	size_t n;

	if (strlen(base) + strlen(policies) + (to ? strlen(to) : 0) + 1 >
	    sizeof(text))
		return -1;
	at = strstr(base, "{P}");
	n = (size_t)(at - base);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)n, base, policies,
	    at + 3);
	if (from != NULL) {
		char copy[8192];

		if ((at = strstr(text, from)) == NULL)
			return -1;
		n = (size_t)(at - text);
		snprintf(copy, sizeof(copy), "%.*s%s%s", (int)n, text, to,
		    at + strlen(from));
		memcpy(text, copy, sizeof(text));
	}
	return fileio_write_atomic(path, text, strlen(text), 0644, 1);
}

/* Replace the first "from" in the file at path with "to". */
static int
edit_file(const char *path, const char *from, const char *to)
{
	unsigned char *buf = NULL;
	char *at, *out = NULL;
	size_t len, olen;
	int ret = -1;

	if (fileio_read(path, 1 << 20, &buf, &len) != 0 ||
	    (at = strstr((char *)buf, from)) == NULL)
		goto out;
	olen = len + strlen(to) + 1;
	if ((out = malloc(olen)) == NULL)
		goto out;
	snprintf(out, olen, "%.*s%s%s", (int)(at - (char *)buf), (char *)buf,
	    to, at + strlen(from));
	ret = fileio_write_atomic(path, out, strlen(out), 0644, 1);
out:
	free(buf);
	free(out);
	return ret;
}

static void
test_examples(void)
{
	struct ca_config *c = NULL;

	CHECK_RC(cacfg_load_init("policies/ca-prod.yaml", "ca-prod", &c), 0,
	    "policies/ca-prod.yaml loads");
	if (c != NULL) {
		CHECK(strcmp(c->name, "prod") == 0 && c->key_type == KEY_P256 &&
		    c->hsm_uri != NULL && c->key_file == NULL,
		    "prod: P-256 key in a token");
		CHECK(strcmp(c->profiles_dir, policies) == 0,
		    "prod: profiles directory \".\" is the file's own, "
		    "absolute: %s", c->profiles_dir);
		CHECK(c->nprofiles == 5 && c->crl_validity == 7 * 86400 &&
		    c->ocsp_refresh == 2 * 86400 && c->backdate == 300,
		    "prod: profiles and durations as written");
		CHECK(strcmp(c->crl_dir, "ca-prod/publish/crl") == 0 &&
		    strcmp(c->cert_path, "ca-prod/ca.pem") == 0,
		    "prod: paths inside the CA directory");
	}
	cacfg_free(c);
	c = NULL;
	CHECK_RC(cacfg_load_init("policies/ca-dev.yaml", "d", &c), 0,
	    "policies/ca-dev.yaml loads");
	if (c != NULL)
		CHECK(c->hsm_uri == NULL && strcmp(c->key_file,
		    "d/ca-key.enc") == 0 && c->ocsp_refresh == 43200,
		    "dev: key file in the CA directory, refresh 12h");
	cacfg_free(c);
}

static void
test_examples_profiles(void)
{
	struct ca_config *c = NULL;
	struct profile *p = NULL;
	size_t i;
	int ok = 1;

	if (cacfg_load_init("policies/ca-prod.yaml", "x", &c) != 0)
		return;
	for (i = 0; i < c->nprofiles; i++) {
		if (cacfg_load_profile(c, c->profiles[i], &p) != 0) {
			printf("      %s\n", err_msg());
			ok = 0;
		}
		profile_free(p);
	}
	CHECK(ok, "every profile ca-prod.yaml allows loads from policies/");
	CHECK_RC(cacfg_load_profile(c, "spiffe-workload", &p), ERR_NO,
	    "a profile prod does not allow is refused before loading");
	CHECK(strstr(err_msg(), "profile spiffe-workload is not allowed for "
	    "CA prod (allowed: mtls-server, mtls-client, user, device, "
	    "code-signing)") != NULL, "the message lists what is allowed");
	CHECK_RC(cacfg_profile_allowed(c, "../etc/passwd"), ERR_USAGE,
	    "a malformed profile name is a usage error");
	cacfg_free(c);
}

static void
test_bad(void)
{
	char path[512], want[1024];
	struct ca_config *c = NULL;
	size_t i;

	snprintf(path, sizeof(path), "%s/init.yaml", tdir);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (write_init(path, bad[i].from, bad[i].to) != 0) {
			CHECK(0, "bad[%zu]: cannot build the file", i);
			continue;
		}
		CHECK_RC(cacfg_load_init(path, "ca", &c), ERR_CONFIG,
		    "refused: %s", bad[i].want);
		snprintf(want, sizeof(want), "%s/init.yaml line %d: ", tdir,
		    bad[i].line);
		CHECK(strncmp(err_msg(), want, strlen(want)) == 0 &&
		    strstr(err_msg(), bad[i].want) != NULL,
		    "message names line %d and the rule: %s", bad[i].line,
		    err_msg());
		cacfg_free(c);
		c = NULL;
	}
}

/* Every field of two configurations is the same. */
static int
same(const struct ca_config *a, const struct ca_config *b)
{
	const char *sa[] = { a->name, a->hsm_module, a->hsm_uri, a->key_file,
	    a->pin_file, a->key_spki_sha256, a->subject_c, a->subject_st,
	    a->subject_l, a->subject_o, a->subject_ou, a->subject_cn,
	    a->crl_url, a->delta_crl_url, a->ocsp_url, a->ca_issuers_url,
	    a->profiles_dir, a->crl_dir, a->ocsp_dir,
	    a->audit_public_key_hex, a->cert_sha256 };
	const char *sb[] = { b->name, b->hsm_module, b->hsm_uri, b->key_file,
	    b->pin_file, b->key_spki_sha256, b->subject_c, b->subject_st,
	    b->subject_l, b->subject_o, b->subject_ou, b->subject_cn,
	    b->crl_url, b->delta_crl_url, b->ocsp_url, b->ca_issuers_url,
	    b->profiles_dir, b->crl_dir, b->ocsp_dir,
	    b->audit_public_key_hex, b->cert_sha256 };
	size_t i;

	for (i = 0; i < sizeof(sa) / sizeof(sa[0]); i++)
		if ((sa[i] == NULL) != (sb[i] == NULL) ||
		    (sa[i] != NULL && strcmp(sa[i], sb[i]) != 0)) {
			printf("      field %zu: %s vs %s\n", i,
			    sa[i] ? sa[i] : "NULL", sb[i] ? sb[i] : "NULL");
			return 0;
		}
	if (a->nprofiles != b->nprofiles)
		return 0;
	for (i = 0; i < a->nprofiles; i++)
		if (strcmp(a->profiles[i], b->profiles[i]) != 0)
			return 0;
	return a->key_type == b->key_type && a->installed == b->installed &&
	    a->backdate == b->backdate && a->crl_validity == b->crl_validity &&
	    a->crl_shards == b->crl_shards && a->crl_delta == b->crl_delta &&
	    a->crl_keep_expired == b->crl_keep_expired &&
	    a->ocsp_validity == b->ocsp_validity &&
	    a->ocsp_refresh == b->ocsp_refresh;
}

static const char hex_a[] =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static const char hex_b[] =
    "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

/* Make tdir/ca (a CA directory with a ca.yaml from base). */
static int
make_ca_dir(struct ca_config **init)
{
	char path[512], dir[512], yaml[512];

	snprintf(path, sizeof(path), "%s/init.yaml", tdir);
	snprintf(dir, sizeof(dir), "%s/ca", tdir);
	snprintf(yaml, sizeof(yaml), "%s/ca/ca.yaml", tdir);
	if (write_init(path, NULL, NULL) != 0 ||
	    cacfg_load_init(path, dir, init) != 0)
		return -1;
	(void)mkdir(dir, 0755);
	return cacfg_set_identity(*init, hex_a, hex_b) == 0 ?
	    cacfg_write(*init, yaml, 1) : -1;
}

static void
test_roundtrip(void)
{
	struct ca_config *init = NULL, *c = NULL, *c2 = NULL;
	char dir[512], yaml[512];

	snprintf(dir, sizeof(dir), "%s/ca", tdir);
	snprintf(yaml, sizeof(yaml), "%s/ca/ca.yaml", tdir);
	CHECK_RC(make_ca_dir(&init), 0, "ca.yaml written from an init file");
	CHECK_RC(cacfg_write(init, yaml, 0), ERR_EXISTS,
	    "cacfg_write without replace refuses an existing ca.yaml");
	CHECK_RC(cacfg_load(dir, &c), 0, "the written ca.yaml loads");
	if (c == NULL || init == NULL)
		goto out;
	CHECK(same(init, c) && c->version == CACFG_VERSION && !c->installed,
	    "every field round-trips (quotes, IPv6 URL, durations, "
	    "profiles), not installed");
	CHECK(strcmp(c->subject_o, "Example \"Corp\"") == 0 &&
	    c->backdate == 90 && c->crl_validity == 36 * 3600,
	    "quoted subject and odd durations survive");
	CHECK(strcmp(c->crl_dir, "/srv/ocsp") != 0 &&
	    strcmp(c->ocsp_dir, "/srv/ocsp") == 0 &&
	    strncmp(c->crl_dir, dir, strlen(dir)) == 0,
	    "publish: absolute kept, relative inside the CA directory");
	CHECK_RC(cacfg_set_installed(c, "xyz"), ERR_DATA,
	    "a malformed certificate hash is refused");
	CHECK(!c->crl_keep_expired, "crl.keep_expired defaults to false");
	CHECK_RC(cacfg_set_installed(c, hex_a), 0, "set installed");
	c->crl_keep_expired = 1;
	CHECK_RC(cacfg_write(c, yaml, 1), 0, "rewrite ca.yaml installed");
	CHECK_RC(cacfg_load(dir, &c2), 0, "the installed ca.yaml loads");
	if (c2 != NULL)
		CHECK(same(c, c2) && c2->installed && c2->crl_keep_expired &&
		    strcmp(c2->cert_sha256, hex_a) == 0,
		    "installed and the certificate hash round-trip");
out:
	cacfg_free(init);
	cacfg_free(c);
	cacfg_free(c2);
}

/* Edit the written ca.yaml: replace from with to, expect a refusal,
 * then put the file back. */
static void
edit_refused(const char *from, const char *to, const char *want)
{
	char dir[512], yaml[512];
	struct ca_config *c = NULL;
	unsigned char *buf = NULL;
	size_t len;

	snprintf(dir, sizeof(dir), "%s/ca", tdir);
	snprintf(yaml, sizeof(yaml), "%s/ca/ca.yaml", tdir);
	if (fileio_read(yaml, 1 << 20, &buf, &len) != 0 ||
	    edit_file(yaml, from, to) != 0) {
		CHECK(0, "cannot edit ca.yaml for: %s", want);
		free(buf);
		return;
	}
	CHECK_RC(cacfg_load(dir, &c), ERR_CONFIG, "ca.yaml refused: %s",
	    want);
	CHECK(strstr(err_msg(), want) != NULL && strstr(err_msg(), yaml) ==
	    err_msg(), "message names ca.yaml and the rule: %s", err_msg());
	(void)fileio_write_atomic(yaml, buf, len, 0644, 1);
	cacfg_free(c);
	free(buf);
}

static void
test_cayaml_edits(void)
{
	struct ca_config *c = NULL;
	char dir[512];

	edit_refused("version: 1", "version: 2", "ca.yaml format version 2 is "
	    "not the one this program reads (1)");
	edit_refused("  installed: true", "  installed: yes", "installed "
	    "must be true or false");
	edit_refused("  installed: true", "  installed: false",
	    "certificate_sha256 is set but installed is false");
	edit_refused("audit:\n", "audti:\n", "unknown key \"audti\" at the "
	    "top level (did you mean \"audit\"?)");
	edit_refused("  spki_sha256: \"", "  spki_sha256: \"A", "spki_sha256 "
	    "must be 64 lowercase hex digits");
	edit_refused("  installed: true\n", "  installed: true\n  extra: 1\n",
	    "unknown key \"extra\" in section state");
	snprintf(dir, sizeof(dir), "%s/ca", tdir);
	CHECK_RC(cacfg_load(dir, &c), 0, "ca.yaml is back as it was");
	cacfg_free(c);
	c = NULL;
	CHECK_RC(cacfg_load(tdir, &c), ERR_NOINPUT, "a directory without "
	    "ca.yaml is not a CA directory");
	CHECK(strstr(err_msg(), "not a CA directory (no ca.yaml)") != NULL,
	    "message: %s", err_msg());
	CHECK_RC(cacfg_load("/nonexistent/ca", &c), ERR_NOINPUT,
	    "a missing CA directory");
}

static void
test_env(void)
{
	const char *d;

	unsetenv("PKI_CA_DIR");
	d = cacfg_dir_from_env(NULL);
	CHECK(d == NULL && strcmp(err_msg(), "no CA directory: give --ca DIR "
	    "or set PKI_CA_DIR") == 0, "neither --ca nor PKI_CA_DIR: %s",
	    err_msg());
	setenv("PKI_CA_DIR", "/srv/ca-env", 1);
	d = cacfg_dir_from_env(NULL);
	CHECK(d != NULL && strcmp(d, "/srv/ca-env") == 0, "PKI_CA_DIR used");
	d = cacfg_dir_from_env("/srv/ca-opt");
	CHECK(d != NULL && strcmp(d, "/srv/ca-opt") == 0, "--ca wins");
	CHECK(cacfg_dir_from_env("") == NULL, "an empty --ca is refused");
	setenv("PKI_CA_DIR", "", 1);
	CHECK(cacfg_dir_from_env(NULL) == NULL, "an empty PKI_CA_DIR is as "
	    "none");
	unsetenv("PKI_CA_DIR");
}

static void
test_crl_urls(void)
{
	char path[512], *url = NULL;
	struct ca_config *c = NULL;

	snprintf(path, sizeof(path), "%s/shard.yaml", tdir);
	if (write_init(path, "  shards: 1\n  delta: false",
	    "  shards: 16\n  delta: true") != 0 ||
	    edit_file(path, "/prod.crl\n", "/p-{shard}.crl\n  delta_crl: "
	    "http://pki.example.org/d/{shard}.crl\n") != 0) {
		CHECK(0, "cannot write %s", path);
		return;
	}
	CHECK_RC(cacfg_load_init(path, "ca", &c), 0, "a sharded CRL with "
	    "delta CRLs loads");
	if (c == NULL)
		return;
	CHECK_RC(cacfg_crl_url(c, 15, 0, &url), 0, "shard 15's URL");
	CHECK(url != NULL && strcmp(url, "http://pki.example.org/p-15.crl")
	    == 0, "{shard} replaced: %s", url ? url : "NULL");
	free(url);
	CHECK_RC(cacfg_crl_url(c, 3, 1, &url), 0, "shard 3's delta URL");
	CHECK(url != NULL && strcmp(url, "http://pki.example.org/d/3.crl")
	    == 0, "delta {shard} replaced");
	free(url);
	CHECK_RC(cacfg_crl_url(c, 16, 0, &url), ERR_USAGE,
	    "shard 16 of 16 is out of range");
	cacfg_free(c);
}
/* A self-signed certificate for a new key of type t. */
static int
make_cert(enum key_type t, EVP_PKEY **key, X509 **cert)
{
	struct x509_subject subj = { NULL, NULL, NULL, NULL, NULL, "CA" };

	*cert = NULL;
	if (keytype_generate(t, key) != 0 ||
	    x509_build_root(*key, &subj, 1, cert) != 0 ||
	    x509_sign(*cert, *key, t) != 0)
		return -1;
	return 0;
}

/* tdir/kca: a CA whose key is an encrypted file, pin_file tdir/pin. */
static int
make_file_ca(EVP_PKEY *key, unsigned char pk[32])
{
	char path[512], dir[512], pin[512], file[512];
	unsigned char sk[64], fp[32];
	char spki[65], pkhex[65];
	struct ca_config *c = NULL;
	EVP_PKEY *ak = NULL;
	int ret = -1;

	snprintf(path, sizeof(path), "%s/file.yaml", tdir);
	snprintf(dir, sizeof(dir), "%s/kca", tdir);
	snprintf(pin, sizeof(pin), "  pin_file: %s/pin", tdir);
	if (write_init(path, "  pin_file: /etc/pki/prod.pin", pin) != 0 ||
	    edit_file(path, "  hsm:\n    module: /usr/lib/softhsm/"
	    "libsofthsm2.so\n    uri: \"pkcs11:token=ca;object=ca-key\"\n",
	    "  file: ca.key\n") != 0 || mkdir(dir, 0700) != 0 ||
	    cacfg_load_init(path, dir, &c) != 0)
		goto out;
	crypto_sign_keypair(pk, sk);
	if ((ak = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk,
	    32)) == NULL || keyfile_write(c->key_file, key, "sesame") != 0 ||
	    keyfile_write(c->audit_key_path, ak, "sesame") != 0 ||
	    x509_spki_sha256(key, fp) != 0)
		goto out;
	sodium_bin2hex(spki, sizeof(spki), fp, 32);
	sodium_bin2hex(pkhex, sizeof(pkhex), pk, 32);
	snprintf(file, sizeof(file), "%s/kca/ca.yaml", tdir);
	snprintf(pin, sizeof(pin), "%s/pin", tdir);
	if (cacfg_set_identity(c, spki, pkhex) == 0 &&
	    cacfg_write(c, file, 0) == 0 &&
	    fileio_write_atomic(pin, "sesame\n", 7, 0600, 1) == 0)
		ret = 0;
out:
	sodium_memzero(sk, sizeof(sk));
	EVP_PKEY_free(ak);
	cacfg_free(c);
	return ret;
}

/* Write cert as dir's ca.pem and record it as installed. */
static int
install(struct ca_config *c, X509 *cert)
{
	unsigned char *pem = NULL, d[32];
	char hex[65];
	size_t len;
	int ret;

	if ((ret = x509_pem(cert, &pem, &len)) != 0 ||
	    (ret = fileio_write_atomic(c->cert_path, pem, len, 0644, 1)) != 0 ||
	    (ret = x509_cert_sha256(cert, d)) != 0)
		goto out;
	sodium_bin2hex(hex, sizeof(hex), d, 32);
	if ((ret = cacfg_set_installed(c, hex)) == 0)
		ret = cacfg_write(c, c->path, 1);
out:
	free(pem);
	return ret;
}

static void
test_cert(struct ca_config *c, X509 *cert, X509 *other)
{
	unsigned char *pem = NULL;
	X509 *got = NULL;
	size_t len;

	CHECK_RC(cacfg_load_cert(c, &got), ERR_CONFIG, "no certificate "
	    "before installation");
	CHECK(strstr(err_msg(), "CA prod is not installed yet: run "
	    "pki-ca-install") != NULL, "message: %s", err_msg());
	CHECK_RC(install(c, cert), 0, "install the certificate");
	CHECK_RC(cacfg_load_cert(c, &got), 0, "the installed certificate "
	    "loads");
	CHECK(got != NULL && X509_cmp(got, cert) == 0, "it is the one "
	    "installed");
	X509_free(got);
	got = NULL;
	if (x509_pem(other, &pem, &len) == 0 &&
	    fileio_write_atomic(c->cert_path, pem, len, 0644, 1) == 0)
		CHECK_RC(cacfg_load_cert(c, &got), ERR_DATA, "a ca.pem swapped "
		    "behind ca.yaml's back is refused");
	free(pem);
	pem = NULL;
	if (x509_pem(cert, &pem, &len) == 0)
		(void)fileio_write_atomic(c->cert_path, pem, len, 0644, 1);
	free(pem);
}

static void
test_open_key(const struct ca_config *c, X509 *cert, X509 *other,
    const unsigned char pk[32])
{
	struct pin_source wrong = { PIN_FILE, NULL, -1 };
	struct audit_report r;
	struct audit *a = NULL;
	struct ca_key *k = NULL;
	char badpin[512];

	CHECK_RC(cacfg_open_key(c, NULL, cert, CACFG_KEY_AUDIT, &k), 0,
	    "the file key opens with pin_file, with the audit key");
	if (k == NULL)
		return;
	CHECK(cacfg_key_type(k) == KEY_P384 && cacfg_key_audit_sk(k) != NULL &&
	    x509_challenge(cacfg_key_pkey(k), X509_get0_pubkey(cert),
	    KEY_P384) == 0, "it signs for the certificate; the audit key "
	    "is there");
	if (audit_open(c->audit_path, "test_cacfg", 1, &a) == 0)
		audit_close(a);
	CHECK_RC(cacfg_audit(c, k, "test_cacfg", "test-entry", "\"n\":1"), 0,
	    "an audit entry, sealed");
	CHECK_RC(audit_verify(c->audit_path, pk, &r), 0, "the log verifies "
	    "under audit.public_key");
	CHECK(r.entries == 1 && r.seals == 1 && r.sealed_at_end,
	    "one entry, one seal at the end");
	cacfg_key_close(k);
	k = NULL;
	snprintf(badpin, sizeof(badpin), "%s/badpin", tdir);
	wrong.path = badpin;
	if (fileio_write_atomic(badpin, "open up\n", 8, 0600, 1) == 0)
		CHECK_RC(cacfg_open_key(c, &wrong, cert, 0, &k), ERR_AUTH,
		    "--pin-file with the wrong passphrase (overrides "
		    "pin_file)");
	CHECK_RC(cacfg_open_key(c, NULL, other, 0, &k), ERR_NO,
	    "the key does not open for another key's certificate");
	CHECK(strstr(err_msg(), "the key of CA prod") != NULL &&
	    strstr(err_msg(), "does not match the certificate") != NULL,
	    "message: %s", err_msg());
	CHECK(k == NULL, "no handle on failure");
}

static void
test_key(void)
{
	EVP_PKEY *key = NULL, *okey = NULL;
	X509 *cert = NULL, *other = NULL;
	struct ca_config *c = NULL;
	unsigned char pk[32];
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/kca", tdir);
	if (make_cert(KEY_P384, &key, &cert) != 0 ||
	    make_cert(KEY_P384, &okey, &other) != 0 ||
	    make_file_ca(key, pk) != 0 || cacfg_load(dir, &c) != 0) {
		CHECK(0, "set up a CA with a key file: %s", err_msg());
		goto out;
	}
	test_cert(c, cert, other);
	test_open_key(c, cert, other, pk);
out:
	cacfg_free(c);
	X509_free(cert);
	X509_free(other);
	EVP_PKEY_free(key);
	EVP_PKEY_free(okey);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int
main(void)
{
	if (secmem_init() != 0 || mkdtemp(tdir) == NULL ||
	    realpath("policies", policies) == NULL) {
		printf("FAIL: %s: setup\n", __FILE__);
		return 1;
	}
	test_examples();
	test_examples_profiles();
	test_bad();
	test_roundtrip();
	test_cayaml_edits();
	test_env();
	test_crl_urls();
	test_key();
	CHECK(nftw(tdir, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0,
	    "scratch directory removed");
	return harness_done();
}
