/*
 * cacfg.c: load, check and write an online CA's ca.yaml (and the init
 * file pki-ca-init reads), and open the CA key it names.
 *
 * Trusts nothing in the file: every key is checked against the schema of
 * pki-ca(5), unknown and misspelt keys are refused, numbers and
 * durations are range-checked, URLs must be plain http:// URLs, names
 * and paths are checked for shape (a key file is a plain name in the CA
 * directory, publish directories never climb out of it with "..") and
 * the rules across keys ({shard} in the CRL URL exactly when the CRL is
 * sharded, a delta CRL URL exactly when delta CRLs are on, the OCSP
 * refresh shorter than the validity) are enforced here, so that a tool
 * sees only a configuration it can run.  The file is read once; the
 * SHA-256 kept is of the very bytes parsed.  Never prints.
 *
 * Opening the key reads the PIN once into locked memory and uses it for
 * both the CA key and the audit key, so that a PIN from a descriptor
 * (read once) serves both; the PIN is wiped as soon as the keys are
 * open.  A key is handed out only after it signed a test challenge that
 * verifies under the certificate's public key.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "audit.h"
#include "cacfg.h"
#include "ceremonycfg.h"
#include "err.h"
#include "fileio.h"
#include "hsm.h"
#include "keyfile.h"
#include "profile.h"
#include "secmem.h"
#include "x509.h"
#include "yamlcfg.h"

#define MAX_PATH		4096
#define MAX_NAME		64
#define DAY			86400LL

static const char *const top_keys[] = {
	"version", "name", "key", "csr", "urls", "profiles", "issuance",
	"crl", "ocsp", "publish", "audit", "state", NULL
};
static const char *const init_top_keys[] = {
	"name", "key", "csr", "urls", "profiles", "issuance", "crl", "ocsp",
	"publish", NULL
};
/* Written by the programs, never by hand in an init file. */
static const char *const generated_keys[] = {
	"version", "audit", "state", NULL
};
static const char *const key_keys[] = {
	"type", "hsm", "file", "pin_file", "spki_sha256", NULL
};
static const char *const init_key_keys[] = {
	"type", "hsm", "file", "pin_file", NULL
};
static const char *const hsm_keys[] = { "module", "uri", NULL };
static const char *const csr_keys[] = { "subject", NULL };
static const char *const subject_keys[] = {
	"country", "state", "locality", "organization",
	"organizational_unit", "common_name", NULL
};
static const char *const url_keys[] = {
	"crl", "delta_crl", "ocsp", "ca_issuers", NULL
};
static const char *const profiles_keys[] = { "directory", "allowed", NULL };
static const char *const issuance_keys[] = { "backdate", NULL };
static const char *const crl_keys[] = { "validity", "shards", "delta",
    "keep_expired", NULL };
static const char *const ocsp_keys[] = { "validity", "refresh", NULL };
static const char *const publish_keys[] = { "crl", "ocsp", NULL };
static const char *const audit_keys[] = { "public_key", NULL };
static const char *const state_keys[] = {
	"installed", "certificate_sha256", NULL
};

/* Names in the CA directory that a key file or publish path must not
 * take. */
static const char *const reserved[] = {
	CACFG_FILE, CACFG_DB, CACFG_AUDIT, CACFG_AUDIT_KEY, CACFG_CSR,
	CACFG_CERT, CACFG_CHAIN, CACFG_ROOT, "inventory.db-wal",
	"inventory.db-shm", "inventory.db-journal", NULL
};

/* What the loader is reading. */
struct load {
	struct ca_config	*c;
	const char		*path;	/* for messages */
	const char		*base;	/* directory for profiles.directory */
	int			 init;	/* an init file, not a ca.yaml */
};

static int
oom(void)
{
	return err_set(ERR_INTERNAL, "out of memory");
}

/* Copy s (NULL stays NULL) into *dst. */
static int
copy_str(const char *s, char **dst)
{
	free(*dst);
	*dst = NULL;
	if (s != NULL && (*dst = strdup(s)) == NULL)
		return oom();
	return 0;
}

static int
is_hex64(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == 64;
}

/* 64 lowercase hex digits (a SHA-256 or an Ed25519 key). */
static int
get_hex64(const struct ynode *map, const char *path, const char *key,
    int required, char **dst)
{
	int ret;

	if ((ret = yamlcfg_text(map, path, key, required, 128, dst)) != 0 ||
	    *dst == NULL)
		return ret;
	if (!is_hex64(*dst))
		return yamlcfg_err(path, yamlcfg_line(map, key), "%s must be "
		    "64 lowercase hex digits", key);
	return 0;
}

static int
is_reserved(const char *name, size_t len)
{
	size_t i;

	for (i = 0; reserved[i] != NULL; i++)
		if (strlen(reserved[i]) == len &&
		    strncmp(reserved[i], name, len) == 0)
			return 1;
	return 0;
}

static int
name_ok(const char *s)
{
	size_t i;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '_' || s[i] == '-'))
			return 0;
	return i <= MAX_NAME;
}

static int
load_name(struct load *l, const struct ynode *root)
{
	int ret;

	if ((ret = yamlcfg_text(root, l->path, "name", 1, 255, &l->c->name)) != 0)
		return ret;
	if (!name_ok(l->c->name))
		return yamlcfg_err(l->path, yamlcfg_line(root, "name"), "name "
		    "\"%s\" must be 1 to %d of a-z, 0-9, \".\", \"_\" and "
		    "\"-\", starting with a letter or digit", l->c->name,
		    MAX_NAME);
	return 0;
}

/* --- key ------------------------------------------------------------------ */

static int
load_hsm(struct load *l, const struct ynode *hsm)
{
	struct ca_config *c = l->c;
	int ret;

	if ((ret = yamlcfg_check_keys(hsm, l->path, NULL, hsm_keys)) != 0 ||
	    (ret = yamlcfg_text(hsm, l->path, "module", 1, MAX_PATH,
	    &c->hsm_module)) != 0 ||
	    (ret = yamlcfg_text(hsm, l->path, "uri", 1, MAX_PATH,
	    &c->hsm_uri)) != 0)
		return ret;
	if (c->hsm_module[0] != '/')
		return yamlcfg_err(l->path, yamlcfg_line(hsm, "module"),
		    "module \"%s\" must be an absolute path: the file names "
		    "the exact PKCS#11 library", c->hsm_module);
	return ceremonycfg_check_uri(l->path, yamlcfg_line(hsm, "uri"),
	    c->hsm_uri);
}

static int
load_key_file(struct load *l, const struct ynode *key)
{
	const char *f = l->c->written.key_file;
	int line = yamlcfg_line(key, "file");

	if (strchr(f, '/') != NULL || strcmp(f, ".") == 0 ||
	    strcmp(f, "..") == 0)
		return yamlcfg_err(l->path, line, "file \"%s\" must be a plain "
		    "file name: the key file lives in the CA directory", f);
	if (is_reserved(f, strlen(f)))
		return yamlcfg_err(l->path, line, "file \"%s\" is the name of "
		    "another file in the CA directory", f);
	return 0;
}

static int
load_key_type(struct load *l, const struct ynode *key)
{
	const char *type;
	int ret;

	l->c->key_type = KEY_P256;
	if ((ret = yamlcfg_str(key, l->path, "type", 0, &type)) != 0 ||
	    type == NULL)
		return ret;
	if (keytype_parse(type, &l->c->key_type) != 0)
		return yamlcfg_err(l->path, yamlcfg_line(key, "type"), "key "
		    "type \"%s\" is not allowed for a CA key (allowed: p256, "
		    "p384, rsa3072, rsa4096)", type);
	return 0;
}

static int
load_pin_file(struct load *l, const struct ynode *key)
{
	int ret;

	if ((ret = yamlcfg_text(key, l->path, "pin_file", 0, MAX_PATH,
	    &l->c->pin_file)) != 0 || l->c->pin_file == NULL)
		return ret;
	if (l->c->pin_file[0] != '/')
		return yamlcfg_err(l->path, yamlcfg_line(key, "pin_file"),
		    "pin_file \"%s\" must be an absolute path (a file that "
		    "holds the PIN, never the PIN itself)", l->c->pin_file);
	return 0;
}

static int
load_key(struct load *l, const struct ynode *root)
{
	const struct ynode *key, *hsm;
	int ret;

	if ((ret = yamlcfg_map(root, l->path, "key", 1, &key)) != 0 ||
	    (ret = yamlcfg_check_keys(key, l->path, NULL, l->init ?
	    init_key_keys : key_keys)) != 0 ||
	    (ret = load_key_type(l, key)) != 0 ||
	    (ret = load_pin_file(l, key)) != 0 ||
	    (ret = yamlcfg_map(key, l->path, "hsm", 0, &hsm)) != 0 ||
	    (ret = yamlcfg_text(key, l->path, "file", 0, 255,
	    &l->c->written.key_file)) != 0 ||
	    (!l->init && (ret = get_hex64(key, l->path, "spki_sha256", 1,
	    &l->c->key_spki_sha256)) != 0))
		return ret;
	if (hsm != NULL && l->c->written.key_file != NULL)
		return yamlcfg_err(l->path, yamlcfg_line(key, "file"),
		    "key.hsm (line %d) and key.file are both set: the CA key "
		    "is either in an HSM or in an encrypted file",
		    yamlcfg_line(key, "hsm"));
	if (hsm != NULL)
		return load_hsm(l, hsm);
	if (l->c->written.key_file == NULL)
		return yamlcfg_err(l->path, key->head_line, "section key sets "
		    "neither hsm nor file: say where the CA key lives");
	return load_key_file(l, key);
}

/* --- csr ------------------------------------------------------------------ */

static int
load_country(struct load *l, const struct ynode *subj)
{
	const char *s;
	int ret;

	if ((ret = yamlcfg_country(subj, l->path, "country", &s)) != 0)
		return ret;
	return copy_str(s, &l->c->subject_c);
}

/* Lengths are the upper bounds of RFC 5280 appendix A. */
static int
load_csr(struct load *l, const struct ynode *root)
{
	struct ca_config *c = l->c;
	const struct ynode *csr, *subj;
	const char *p = l->path;
	int ret;

	if ((ret = yamlcfg_map(root, p, "csr", 1, &csr)) != 0 ||
	    (ret = yamlcfg_check_keys(csr, p, NULL, csr_keys)) != 0 ||
	    (ret = yamlcfg_map(csr, p, "subject", 1, &subj)) != 0 ||
	    (ret = yamlcfg_check_keys(subj, p, NULL, subject_keys)) != 0 ||
	    (ret = load_country(l, subj)) != 0 ||
	    (ret = yamlcfg_text(subj, p, "state", 0, 128, &c->subject_st)) != 0 ||
	    (ret = yamlcfg_text(subj, p, "locality", 0, 128,
	    &c->subject_l)) != 0 ||
	    (ret = yamlcfg_text(subj, p, "organization", 0, 64,
	    &c->subject_o)) != 0 ||
	    (ret = yamlcfg_text(subj, p, "organizational_unit", 0, 64,
	    &c->subject_ou)) != 0)
		return ret;
	return yamlcfg_text(subj, p, "common_name", 1, 64, &c->subject_cn);
}

/* --- urls ----------------------------------------------------------------- */

static int
url_char_ok(int ch)
{
	return ch > 0x20 && ch < 0x7f && strchr("\"<>\\^`{|}#", ch) == NULL;
}

static int
host_char_ok(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '.' || ch == '-';
}

/* The host and optional port after "http://"; NULL if malformed,
 * else where the path starts. */
static const char *
url_authority(const char *s)
{
	const char *p = s;
	unsigned long port = 0;

	if (*p == '[') {
		while (*++p != ']')
			if (!((*p >= '0' && *p <= '9') || (*p >= 'a' &&
			    *p <= 'f') || (*p >= 'A' && *p <= 'F') ||
			    *p == ':' || *p == '.'))
				return NULL;
		p++;
	} else
		while (host_char_ok(*p))
			p++;
	if (p == s || s[0] == '.' || s[0] == '-')
		return NULL;
	if (*p == ':') {
		if (!(p[1] >= '1' && p[1] <= '9'))
			return NULL;
		for (p++; *p >= '0' && *p <= '9'; p++)
			if ((port = port * 10 + (unsigned long)(*p - '0')) >
			    65535)
				return NULL;
	}
	return *p == '\0' || *p == '/' ? p : NULL;
}

/* Is the path of a URL well formed, with the {shard} token counted in
 * *tokens rather than refused? */
static int
url_path_ok(const char *p, int *tokens)
{
	size_t tlen = strlen(CACFG_SHARD_TOKEN);

	*tokens = 0;
	while (*p != '\0') {
		if (strncmp(p, CACFG_SHARD_TOKEN, tlen) == 0) {
			(*tokens)++;
			p += tlen;
		} else if (*p == '%') {
			if (!isxdigit((unsigned char)p[1]) ||
			    !isxdigit((unsigned char)p[2]))
				return 0;
			p += 3;
		} else if (!url_char_ok((unsigned char)*p++))
			return 0;
	}
	return 1;
}

/*
 * An http:// URL for leaves.  shard: 1 if "{shard}" must appear exactly
 * once, 0 if it must not.
 */
static int
check_url(const char *path, int line, const char *key, const char *url,
    int shard)
{
	const char *p;
	int tokens;

	if (strncmp(url, "https://", 8) == 0)
		return yamlcfg_err(path, line, "%s URL \"%s\" must be http://: "
		    "clients fetch CRLs, OCSP responses and issuer "
		    "certificates without TLS (RFC 5280, RFC 6960), and an "
		    "https URL would need a revocation check of its own", key,
		    url);
	if (strncmp(url, "http://", 7) != 0)
		return yamlcfg_err(path, line, "%s URL \"%s\" must start with "
		    "http://", key, url);
	if ((p = url_authority(url + 7)) == NULL || !url_path_ok(p, &tokens))
		return yamlcfg_err(path, line, "%s URL \"%s\" is malformed: "
		    "http://host[:port]/path with no spaces, quotes or "
		    "fragment, and %%XX escapes", key, url);
	if (shard && tokens != 1)
		return yamlcfg_err(path, line, "%s URL \"%s\" must contain "
		    "%s exactly once: the CRL is sharded (crl.shards > 1) and "
		    "each leaf names its shard's CRL", key, url,
		    CACFG_SHARD_TOKEN);
	if (!shard && tokens != 0)
		return yamlcfg_err(path, line, "%s URL \"%s\" contains %s, "
		    "but only a sharded CRL's URLs (crl.shards > 1) may", key,
		    url, CACFG_SHARD_TOKEN);
	return 0;
}

static int
get_url(struct load *l, const struct ynode *map, const char *key,
    int required, int shard, char **dst)
{
	int ret;

	if ((ret = yamlcfg_text(map, l->path, key, required, CACFG_MAX_URL,
	    dst)) != 0 || *dst == NULL)
		return ret;
	return check_url(l->path, yamlcfg_line(map, key), key, *dst, shard);
}

/* After crl: the shard count decides whether {shard} is required. */
static int
load_urls(struct load *l, const struct ynode *root)
{
	struct ca_config *c = l->c;
	const struct ynode *urls;
	int ret, sharded = c->crl_shards > 1;

	if ((ret = yamlcfg_map(root, l->path, "urls", 1, &urls)) != 0 ||
	    (ret = yamlcfg_check_keys(urls, l->path, NULL, url_keys)) != 0 ||
	    (ret = get_url(l, urls, "crl", 1, sharded, &c->crl_url)) != 0 ||
	    (ret = get_url(l, urls, "delta_crl", 0, sharded,
	    &c->delta_crl_url)) != 0 ||
	    (ret = get_url(l, urls, "ocsp", 0, 0, &c->ocsp_url)) != 0 ||
	    (ret = get_url(l, urls, "ca_issuers", 0, 0,
	    &c->ca_issuers_url)) != 0)
		return ret;
	if (c->crl_delta && c->delta_crl_url == NULL)
		return yamlcfg_err(l->path, urls->head_line, "crl.delta is "
		    "true but urls.delta_crl is not set: leaves must name "
		    "where the delta CRL is (freshestCRL)");
	if (!c->crl_delta && c->delta_crl_url != NULL)
		return yamlcfg_err(l->path, yamlcfg_line(urls, "delta_crl"),
		    "urls.delta_crl is set but crl.delta is not true");
	return 0;
}

/* --- durations ------------------------------------------------------------ */

/*
 * "90d", "12h", "30m", "45s": a decimal number without sign or leading
 * zero (but "0" itself) and one unit.  -1 if malformed or above 10
 * years.
 */
static long long
parse_duration(const char *s)
{
	long long n = 0, unit;
	const char *p = s;

	if (*p == '0' && p[1] >= '0' && p[1] <= '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((n = n * 10 + (*p - '0')) > 3650 * DAY)
			return -1;
	if (p == s || p[1] != '\0')
		return -1;
	switch (*p) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = DAY; break;
	default: return -1;
	}
	return n * unit > 3650 * DAY ? -1 : n * unit;
}

void
cacfg_duration_text(long long secs, char *buf, size_t len)
{
	if (secs != 0 && secs % DAY == 0)
		snprintf(buf, len, "%lldd", secs / DAY);
	else if (secs != 0 && secs % 3600 == 0)
		snprintf(buf, len, "%lldh", secs / 3600);
	else if (secs != 0 && secs % 60 == 0)
		snprintf(buf, len, "%lldm", secs / 60);
	else
		snprintf(buf, len, "%llds", secs);
}

static int
get_duration(struct load *l, const struct ynode *map, const char *key,
    long long min, long long max, long long def, long long *out)
{
	char lo[32], hi[32];
	const char *s;
	int ret;

	*out = def;
	if ((ret = yamlcfg_str(map, l->path, key, 0, &s)) != 0 || s == NULL)
		return ret;
	if ((*out = parse_duration(s)) < 0)
		return yamlcfg_err(l->path, yamlcfg_line(map, key), "%s \"%s\" "
		    "is not a duration (a number and one of s, m, h, d, as in "
		    "\"5m\" or \"7d\")", key, s);
	cacfg_duration_text(min, lo, sizeof(lo));
	cacfg_duration_text(max, hi, sizeof(hi));
	if (*out < min || *out > max)
		return yamlcfg_err(l->path, yamlcfg_line(map, key), "%s %s is "
		    "out of range (%s..%s)", key, s, lo, hi);
	return 0;
}

static int
load_issuance(struct load *l, const struct ynode *root)
{
	const struct ynode *m;
	int ret;

	if ((ret = yamlcfg_map(root, l->path, "issuance", 0, &m)) != 0 ||
	    (ret = yamlcfg_check_keys(m, l->path, NULL, issuance_keys)) != 0)
		return ret;
	return get_duration(l, m, "backdate", 0, DAY, 300, &l->c->backdate);
}

static int
load_crl(struct load *l, const struct ynode *root)
{
	struct ca_config *c = l->c;
	const struct ynode *m;
	int ret;

	if ((ret = yamlcfg_map(root, l->path, "crl", 0, &m)) != 0 ||
	    (ret = yamlcfg_check_keys(m, l->path, NULL, crl_keys)) != 0 ||
	    (ret = get_duration(l, m, "validity", 3600, 30 * DAY, 7 * DAY,
	    &c->crl_validity)) != 0 ||
	    (ret = yamlcfg_uint(m, l->path, "shards", 0, 1, CACFG_MAX_SHARDS,
	    1, &c->crl_shards)) != 0)
		return ret;
	if ((ret = yamlcfg_bool(m, l->path, "delta", 0, 0,
	    &c->crl_delta)) != 0)
		return ret;
	return yamlcfg_bool(m, l->path, "keep_expired", 0, 0,
	    &c->crl_keep_expired);
}

static int
load_ocsp(struct load *l, const struct ynode *root)
{
	struct ca_config *c = l->c;
	const struct ynode *m;
	char v[32];
	int ret;

	if ((ret = yamlcfg_map(root, l->path, "ocsp", 0, &m)) != 0 ||
	    (ret = yamlcfg_check_keys(m, l->path, NULL, ocsp_keys)) != 0 ||
	    (ret = get_duration(l, m, "validity", 3600, 30 * DAY, 4 * DAY,
	    &c->ocsp_validity)) != 0 ||
	    (ret = get_duration(l, m, "refresh", 60, 30 * DAY,
	    c->ocsp_validity / 2, &c->ocsp_refresh)) != 0)
		return ret;
	cacfg_duration_text(c->ocsp_validity, v, sizeof(v));
	if (c->ocsp_refresh >= c->ocsp_validity)
		return yamlcfg_err(l->path, yamlcfg_line(m, "refresh"),
		    "refresh must be shorter than the validity %s: a response "
		    "is re-signed once it is this old, before it expires", v);
	return 0;
}

/* --- profiles and paths --------------------------------------------------- */

static int
profile_name_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return i >= 1 && i <= 64;
}

/* A relative path is joined to base; an absolute one is copied. */
static int
resolve(const char *base, const char *p, char **dst)
{
	free(*dst);
	*dst = p[0] == '/' || base == NULL ? strdup(p) : fileio_join(base, p);
	return *dst == NULL ? oom() : 0;
}

/* In an init file a relative directory is the init file's; it is kept
 * as an absolute path, since the CA directory lives elsewhere. */
static int
resolve_profiles(struct load *l, const struct ynode *m, const char *d)
{
	struct ca_config *c = l->c;
	char *joined = NULL, real[PATH_MAX];
	int ret;

	if (!l->init)
		return resolve(c->dir, d, &c->profiles_dir);
	if ((ret = resolve(l->base, d, &joined)) != 0)
		return ret;
	if (realpath(joined, real) == NULL) {
		ret = yamlcfg_err(l->path, yamlcfg_line(m, "directory"),
		    "profiles directory %s: %s", joined, strerror(errno));
		free(joined);
		return ret;
	}
	free(joined);
	if ((ret = copy_str(real, &c->profiles_dir)) != 0)
		return ret;
	return copy_str(real, &c->written.profiles_dir);
}

static int
check_profiles(struct load *l, const struct ynode *m)
{
	const struct ynode *seq = yamlcfg_get(m, "allowed");
	size_t i, j;

	for (i = 0; i < seq->count; i++) {
		if (!profile_name_ok(seq->values[i]))
			return yamlcfg_err(l->path, seq->items[i]->line,
			    "profile name \"%s\" must be 1 to 64 of a-z, 0-9 "
			    "and \"-\"", seq->values[i]);
		for (j = 0; j < i; j++)
			if (strcmp(seq->values[i], seq->values[j]) == 0)
				return yamlcfg_err(l->path,
				    seq->items[i]->line, "profile \"%s\" is "
				    "listed twice (first at line %d)",
				    seq->values[i], seq->items[j]->line);
	}
	return 0;
}

static int
load_profiles(struct load *l, const struct ynode *root)
{
	struct ca_config *c = l->c;
	const struct ynode *m;
	const char *d;
	int ret;

	if ((ret = yamlcfg_map(root, l->path, "profiles", 1, &m)) != 0 ||
	    (ret = yamlcfg_check_keys(m, l->path, NULL, profiles_keys)) != 0 ||
	    (ret = yamlcfg_str(m, l->path, "directory", 0, &d)) != 0 ||
	    (ret = yamlcfg_strlist(m, l->path, "allowed", 1, 1,
	    CACFG_MAX_PROFILES, &c->profiles, &c->nprofiles)) != 0 ||
	    (ret = check_profiles(l, m)) != 0)
		return ret;
	if (d == NULL)
		d = ".";
	if (strlen(d) > MAX_PATH)
		return yamlcfg_err(l->path, yamlcfg_line(m, "directory"),
		    "directory is longer than %d bytes", MAX_PATH);
	if ((ret = copy_str(d, &c->written.profiles_dir)) != 0)
		return ret;
	return resolve_profiles(l, m, d);
}

/* A relative publish path stays inside the CA directory. */
static int
check_publish_path(struct load *l, const struct ynode *m, const char *key,
    const char *p)
{
	const char *seg = p, *end;
	size_t len;

	if (p[0] == '/')
		return 0;
	for (; *seg != '\0'; seg = *end != '\0' ? end + 1 : end) {
		end = strchr(seg, '/');
		len = end != NULL ? (size_t)(end - seg) : strlen(seg);
		if (end == NULL)
			end = seg + len;
		if (len == 0 || (len == 1 && seg[0] == '.') ||
		    (len == 2 && strncmp(seg, "..", 2) == 0))
			return yamlcfg_err(l->path, yamlcfg_line(m, key),
			    "publish.%s \"%s\" must be a path inside the CA "
			    "directory without empty, \".\" or \"..\" parts, "
			    "or an absolute path", key, p);
		if (seg == p && is_reserved(seg, len))
			return yamlcfg_err(l->path, yamlcfg_line(m, key),
			    "publish.%s \"%s\" would use the name of another "
			    "file in the CA directory", key, p);
	}
	return 0;
}

static int
get_publish(struct load *l, const struct ynode *m, const char *key,
    const char *def, char **written, char **resolved)
{
	const char *s;
	int ret;

	if ((ret = yamlcfg_str(m, l->path, key, 0, &s)) != 0)
		return ret;
	if (s == NULL)
		s = def;
	if (strlen(s) > MAX_PATH)
		return yamlcfg_err(l->path, yamlcfg_line(m, key), "publish.%s "
		    "is longer than %d bytes", key, MAX_PATH);
	if ((ret = check_publish_path(l, m, key, s)) != 0 ||
	    (ret = copy_str(s, written)) != 0)
		return ret;
	return resolve(l->c->dir, s, resolved);
}

static int
load_publish(struct load *l, const struct ynode *root)
{
	struct ca_config *c = l->c;
	const struct ynode *m;
	int ret;

	if ((ret = yamlcfg_map(root, l->path, "publish", 0, &m)) != 0 ||
	    (ret = yamlcfg_check_keys(m, l->path, NULL, publish_keys)) != 0 ||
	    (ret = get_publish(l, m, "crl", "publish/crl", &c->written.crl_dir,
	    &c->crl_dir)) != 0)
		return ret;
	return get_publish(l, m, "ocsp", "publish/ocsp", &c->written.ocsp_dir,
	    &c->ocsp_dir);
}

/* --- what only ca.yaml has ------------------------------------------------ */

static int
load_version(struct load *l, const struct ynode *root)
{
	unsigned v;
	int ret;

	if ((ret = yamlcfg_uint(root, l->path, "version", 1, 0, UINT_MAX, 0,
	    &v)) != 0)
		return ret;
	if (v != CACFG_VERSION)
		return yamlcfg_err(l->path, yamlcfg_line(root, "version"),
		    "ca.yaml format version %u is not the one this program "
		    "reads (%d)", v, CACFG_VERSION);
	l->c->version = (int)v;
	return 0;
}

static int
load_generated(struct load *l, const struct ynode *root)
{
	struct ca_config *c = l->c;
	const struct ynode *audit, *state;
	int ret;

	if ((ret = load_version(l, root)) != 0 ||
	    (ret = yamlcfg_map(root, l->path, "audit", 1, &audit)) != 0 ||
	    (ret = yamlcfg_check_keys(audit, l->path, NULL, audit_keys)) != 0 ||
	    (ret = get_hex64(audit, l->path, "public_key", 1,
	    &c->audit_public_key_hex)) != 0 ||
	    (ret = yamlcfg_map(root, l->path, "state", 1, &state)) != 0 ||
	    (ret = yamlcfg_check_keys(state, l->path, NULL, state_keys)) != 0 ||
	    (ret = yamlcfg_bool(state, l->path, "installed", 1, 0,
	    &c->installed)) != 0 ||
	    (ret = get_hex64(state, l->path, "certificate_sha256",
	    c->installed, &c->cert_sha256)) != 0)
		return ret;
	if (!c->installed && c->cert_sha256 != NULL)
		return yamlcfg_err(l->path, yamlcfg_line(state,
		    "certificate_sha256"), "certificate_sha256 is set but "
		    "installed is false");
	return 0;
}

/* An init file must not carry what the programs write. */
static int
refuse_generated(struct load *l, const struct ynode *root)
{
	size_t i;

	for (i = 0; generated_keys[i] != NULL; i++)
		if (yamlcfg_get(root, generated_keys[i]) != NULL)
			return yamlcfg_err(l->path, yamlcfg_line(root,
			    generated_keys[i]), "\"%s\" belongs in the ca.yaml "
			    "that pki-ca-init writes, not in an init file",
			    generated_keys[i]);
	return yamlcfg_check_keys(root, l->path, NULL, init_top_keys);
}

/* --- loading -------------------------------------------------------------- */

static int
set_paths(struct ca_config *c)
{
	struct {
		char **dst;
		const char *name;
	} p[] = {
		{ &c->cert_path, CACFG_CERT }, { &c->chain_path, CACFG_CHAIN },
		{ &c->root_path, CACFG_ROOT }, { &c->csr_path, CACFG_CSR },
		{ &c->db_path, CACFG_DB }, { &c->audit_path, CACFG_AUDIT },
		{ &c->audit_key_path, CACFG_AUDIT_KEY }
	};
	size_t i;

	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		if ((*p[i].dst = fileio_join(c->dir, p[i].name)) == NULL)
			return oom();
	if (c->written.key_file != NULL &&
	    (c->key_file = fileio_join(c->dir, c->written.key_file)) == NULL)
		return oom();
	return 0;
}

/* The sections in dependency order: crl before urls. */
static int
load_sections(struct load *l)
{
	const struct ynode *root = l->c->tree;
	int ret;

	if (l->init)
		ret = refuse_generated(l, root);
	else if ((ret = yamlcfg_check_keys(root, l->path, NULL,
	    top_keys)) == 0)
		ret = load_generated(l, root);
	if (ret != 0 ||
	    (ret = load_name(l, root)) != 0 ||
	    (ret = load_key(l, root)) != 0 ||
	    (ret = load_csr(l, root)) != 0 ||
	    (ret = load_crl(l, root)) != 0 ||
	    (ret = load_urls(l, root)) != 0 ||
	    (ret = load_profiles(l, root)) != 0 ||
	    (ret = load_issuance(l, root)) != 0 ||
	    (ret = load_ocsp(l, root)) != 0 ||
	    (ret = load_publish(l, root)) != 0)
		return ret;
	return set_paths(l->c);
}

/* The directory part of path: "." or "/" at the extremes. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static int
load_common(const char *path, const char *dir, int init,
    struct ca_config **out)
{
	struct load l = { NULL, path, NULL, init };
	char *base = NULL;
	int ret;

	*out = NULL;
	if ((l.c = calloc(1, sizeof(*l.c))) == NULL)
		return oom();
	if ((ret = copy_str(path, &l.c->path)) != 0 ||
	    (ret = copy_str(dir, &l.c->dir)) != 0 ||
	    (ret = yamlcfg_load_hashed(path, l.c->sha256, &l.c->tree)) != 0)
		goto out;
	if (init && (base = dir_of(path)) == NULL) {
		ret = oom();
		goto out;
	}
	l.base = base;
	if ((ret = load_sections(&l)) != 0)
		goto out;
	*out = l.c;
	l.c = NULL;
out:
	free(base);
	cacfg_free(l.c);
	return ret;
}

/* --- public: loading ------------------------------------------------------ */

const char *
cacfg_dir_from_env(const char *opt)
{
	const char *env;

	if (opt != NULL && opt[0] != '\0')
		return opt;
	if (opt != NULL) {
		err_set(ERR_USAGE, "--ca: the CA directory name is empty");
		return NULL;
	}
	if ((env = getenv("PKI_CA_DIR")) != NULL && env[0] != '\0')
		return env;
	err_set(ERR_USAGE, "no CA directory: give --ca DIR or set "
	    "PKI_CA_DIR");
	return NULL;
}

int
cacfg_load(const char *dir, struct ca_config **out)
{
	struct stat st;
	char *path;
	int ret;

	*out = NULL;
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode))
		return err_set(ERR_NOINPUT, "%s: no such CA directory", dir);
	if ((path = fileio_join(dir, CACFG_FILE)) == NULL)
		return oom();
	if (!fileio_exists(path))
		ret = err_set(ERR_NOINPUT, "%s: not a CA directory (no %s)",
		    dir, CACFG_FILE);
	else
		ret = load_common(path, dir, 0, out);
	free(path);
	return ret;
}

int
cacfg_load_init(const char *path, const char *dir, struct ca_config **out)
{
	return load_common(path, dir, 1, out);
}

static void
free_strings(struct ca_config *c)
{
	char **s[] = {
		&c->dir, &c->path, &c->name, &c->hsm_module, &c->hsm_uri,
		&c->key_file, &c->pin_file, &c->key_spki_sha256,
		&c->subject_c, &c->subject_st, &c->subject_l, &c->subject_o,
		&c->subject_ou, &c->subject_cn, &c->crl_url,
		&c->delta_crl_url, &c->ocsp_url, &c->ca_issuers_url,
		&c->profiles_dir, &c->crl_dir, &c->ocsp_dir,
		&c->audit_public_key_hex, &c->cert_sha256, &c->cert_path,
		&c->chain_path, &c->root_path, &c->csr_path, &c->db_path,
		&c->audit_path, &c->audit_key_path, &c->written.key_file,
		&c->written.profiles_dir, &c->written.crl_dir,
		&c->written.ocsp_dir
	};
	size_t i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		free(*s[i]);
}

void
cacfg_free(struct ca_config *c)
{
	if (c == NULL)
		return;
	free_strings(c);
	yamlcfg_free(c->tree);
	free(c);
}

int
cacfg_set_identity(struct ca_config *c, const char *spki_sha256,
    const char *audit_public_key)
{
	int ret;

	if (!is_hex64(spki_sha256) || !is_hex64(audit_public_key))
		return err_set(ERR_DATA, "CA identity: want 64 lowercase hex "
		    "digits");
	if ((ret = copy_str(spki_sha256, &c->key_spki_sha256)) != 0)
		return ret;
	return copy_str(audit_public_key, &c->audit_public_key_hex);
}

int
cacfg_set_installed(struct ca_config *c, const char *cert_sha256)
{
	int ret;

	if (!is_hex64(cert_sha256))
		return err_set(ERR_DATA, "certificate SHA-256: want 64 "
		    "lowercase hex digits");
	if ((ret = copy_str(cert_sha256, &c->cert_sha256)) != 0)
		return ret;
	c->installed = 1;
	return 0;
}

/* --- public: writing ------------------------------------------------------ */

/* v as a YAML double-quoted scalar.  Values passed yamlcfg_str() (no
 * control characters), so escaping the quote and the backslash is
 * enough. */
static void
put_quoted(FILE *f, const char *v)
{
	fputc('"', f);
	for (; *v != '\0'; v++) {
		if (*v == '"' || *v == '\\')
			fputc('\\', f);
		fputc(*v, f);
	}
	fputs("\"\n", f);
}

/* key: "value"; nothing if v is NULL. */
static void
put_str(FILE *f, const char *indent, const char *key, const char *v)
{
	if (v == NULL)
		return;
	fprintf(f, "%s%s: ", indent, key);
	put_quoted(f, v);
}

static void
put_duration(FILE *f, const char *key, long long secs)
{
	char buf[32];

	cacfg_duration_text(secs, buf, sizeof(buf));
	fprintf(f, "  %s: %s\n", key, buf);
}

static void
write_key(FILE *f, const struct ca_config *c)
{
	fprintf(f, "key:\n  type: %s\n", keytype_name(c->key_type));
	if (c->hsm_uri != NULL) {
		fputs("  hsm:\n", f);
		put_str(f, "    ", "module", c->hsm_module);
		put_str(f, "    ", "uri", c->hsm_uri);
	}
	put_str(f, "  ", "file", c->written.key_file);
	put_str(f, "  ", "pin_file", c->pin_file);
	put_str(f, "  ", "spki_sha256", c->key_spki_sha256);
	fputs("csr:\n  subject:\n", f);
	put_str(f, "    ", "country", c->subject_c);
	put_str(f, "    ", "state", c->subject_st);
	put_str(f, "    ", "locality", c->subject_l);
	put_str(f, "    ", "organization", c->subject_o);
	put_str(f, "    ", "organizational_unit", c->subject_ou);
	put_str(f, "    ", "common_name", c->subject_cn);
}

static void
write_issuing(FILE *f, const struct ca_config *c)
{
	size_t i;

	fputs("urls:\n", f);
	put_str(f, "  ", "crl", c->crl_url);
	put_str(f, "  ", "delta_crl", c->delta_crl_url);
	put_str(f, "  ", "ocsp", c->ocsp_url);
	put_str(f, "  ", "ca_issuers", c->ca_issuers_url);
	fputs("profiles:\n", f);
	put_str(f, "  ", "directory", c->written.profiles_dir);
	fputs("  allowed:\n", f);
	for (i = 0; i < c->nprofiles; i++) {
		fputs("    - ", f);
		put_quoted(f, c->profiles[i]);
	}
	fputs("issuance:\n", f);
	put_duration(f, "backdate", c->backdate);
	fputs("crl:\n", f);
	put_duration(f, "validity", c->crl_validity);
	fprintf(f, "  shards: %u\n  delta: %s\n", c->crl_shards,
	    c->crl_delta ? "true" : "false");
	if (c->crl_keep_expired)	/* written only when not the default */
		fputs("  keep_expired: true\n", f);
	fputs("ocsp:\n", f);
	put_duration(f, "validity", c->ocsp_validity);
	put_duration(f, "refresh", c->ocsp_refresh);
	fputs("publish:\n", f);
	put_str(f, "  ", "crl", c->written.crl_dir);
	put_str(f, "  ", "ocsp", c->written.ocsp_dir);
}

static void
write_all(FILE *f, const struct ca_config *c)
{
	fprintf(f, "# %s: the online CA \"%s\", written by pki-ca-init and "
	    "pki-ca-install.\n# See pki-ca(5).  Every program on this CA "
	    "reads it strictly; pki-ca-install\n# rewrites it, so comments "
	    "added here are not kept.\nversion: %d\n", CACFG_FILE, c->name,
	    CACFG_VERSION);
	put_str(f, "", "name", c->name);
	write_key(f, c);
	write_issuing(f, c);
	fputs("audit:\n", f);
	put_str(f, "  ", "public_key", c->audit_public_key_hex);
	fprintf(f, "state:\n  installed: %s\n", c->installed ? "true" :
	    "false");
	if (c->installed)
		put_str(f, "  ", "certificate_sha256", c->cert_sha256);
}

int
cacfg_write(const struct ca_config *c, const char *path, int replace)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int ret, bad;

	if (c->key_spki_sha256 == NULL || c->audit_public_key_hex == NULL ||
	    (c->installed && c->cert_sha256 == NULL))
		return err_set(ERR_DATA, "%s: the CA's identity is not set",
		    path);
	if ((f = open_memstream(&text, &len)) == NULL)
		return oom();
	write_all(f, c);
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		free(text);
		return oom();
	}
	ret = fileio_write_atomic(path, text, len, 0644, replace);
	free(text);
	return ret;
}

/* --- public: what a CA may do --------------------------------------------- */

int
cacfg_profile_allowed(const struct ca_config *c, const char *name)
{
	char list[CACFG_MAX_PROFILES * 68];
	size_t i, off = 0;

	if (!profile_name_ok(name))
		return err_set(ERR_USAGE, "a profile name is 1 to 64 of a-z, "
		    "0-9 and \"-\"");
	for (i = 0; i < c->nprofiles; i++)
		if (strcmp(c->profiles[i], name) == 0)
			return 0;
	list[0] = '\0';
	for (i = 0; i < c->nprofiles && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
		    i > 0 ? ", " : "", c->profiles[i]);
	return err_set(ERR_NO, "profile %s is not allowed for CA %s "
	    "(allowed: %s)", name, c->name, list);
}

int
cacfg_load_profile(const struct ca_config *c, const char *name,
    struct profile **out)
{
	int ret;

	*out = NULL;
	if ((ret = cacfg_profile_allowed(c, name)) != 0)
		return ret;
	return profile_load_named(c->profiles_dir, name, out);
}

int
cacfg_crl_url(const struct ca_config *c, unsigned shard, int delta,
    char **url)
{
	const char *tmpl = delta ? c->delta_crl_url : c->crl_url;
	const char *at;
	size_t len;

	*url = NULL;
	if (tmpl == NULL)
		return err_set(ERR_USAGE, "CA %s publishes no delta CRL",
		    c->name);
	if (shard >= c->crl_shards)
		return err_set(ERR_USAGE, "CRL shard %u is out of range for CA "
		    "%s (0..%u)", shard, c->name, c->crl_shards - 1);
	if ((at = strstr(tmpl, CACFG_SHARD_TOKEN)) == NULL)
		return (*url = strdup(tmpl)) == NULL ? oom() : 0;
	len = strlen(tmpl) + 16;
	if ((*url = malloc(len)) == NULL)
		return oom();
	snprintf(*url, len, "%.*s%u%s", (int)(at - tmpl), tmpl, shard,
	    at + strlen(CACFG_SHARD_TOKEN));
	return 0;
}

/* --- public: the key ------------------------------------------------------ */

int
cacfg_read_pin(const struct ca_config *c, const struct pin_source *cli,
    int new_key, char **pin)
{
	struct pin_source src = { PIN_PROMPT, NULL, -1 };
	char prompt[160];

	*pin = NULL;
	if (cli != NULL && cli->kind != PIN_PROMPT)
		src = *cli;
	else if (c->pin_file != NULL) {
		src.kind = PIN_FILE;
		src.path = c->pin_file;
	}
	if (c->hsm_uri != NULL)
		snprintf(prompt, sizeof(prompt), "HSM user PIN for CA %s: ",
		    c->name);
	else
		snprintf(prompt, sizeof(prompt), "Passphrase for the key of "
		    "CA %s: ", c->name);
	if (new_key && c->hsm_uri == NULL)
		return pin_read_new(&src, prompt, pin);
	return pin_read(&src, prompt, pin);
}

int
cacfg_load_cert(const struct ca_config *c, X509 **cert)
{
	unsigned char digest[32];
	char hex[65];
	int ret;

	*cert = NULL;
	if (!c->installed)
		return err_set(ERR_CONFIG, "%s: CA %s is not installed yet: "
		    "run pki-ca-install with the certificate the root signed",
		    c->dir, c->name);
	if ((ret = x509_load(c->cert_path, cert)) != 0)
		return ret;
	if ((ret = x509_cert_sha256(*cert, digest)) != 0)
		goto out;
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	if (strcmp(hex, c->cert_sha256) != 0)
		ret = err_set(ERR_DATA, "%s: not the certificate that was "
		    "installed (its SHA-256 differs from state."
		    "certificate_sha256 in %s)", c->cert_path, c->path);
out:
	if (ret != 0) {
		X509_free(*cert);
		*cert = NULL;
	}
	return ret;
}

struct ca_key {
	struct hsm	*hsm;
	EVP_PKEY	*key;
	enum key_type	 type;
	unsigned char	*audit_sk;	/* secmem, 64 bytes, or NULL */
};

static int
open_token(const struct ca_config *c, const char *pin, struct ca_key *k)
{
	const char *label;
	int sensitive = 0, extractable = 1, ret;

	if ((ret = hsm_open(c->hsm_module, c->hsm_uri, pin, &k->hsm)) != 0)
		return ret;
	if ((label = hsm_uri_object(k->hsm)) == NULL)
		return err_set(ERR_CONFIG, "%s: the URI names no object",
		    c->hsm_uri);
	if ((ret = hsm_key_flags(k->hsm, label, &sensitive,
	    &extractable)) != 0)
		return ret;
	if (!sensitive || extractable)
		return err_set(ERR_NO, "the key of CA %s in token %s is %s: "
		    "refusing it", c->name, hsm_token_label(k->hsm),
		    !sensitive ? "not sensitive" : "extractable");
	return hsm_signing_key(k->hsm, label, &k->key);
}

/* Decrypt audit.key and check it is the key ca.yaml names. */
static int
open_audit(const struct ca_config *c, const char *pin, struct ca_key *k)
{
	unsigned char *seed = NULL, pk[32];
	EVP_PKEY *ak = NULL;
	char hex[65];
	size_t len = 32;
	int ret;

	if ((ret = keyfile_read(c->audit_key_path, pin, &ak)) != 0)
		return ret;
	if ((seed = secmem_alloc(32)) == NULL ||
	    (k->audit_sk = secmem_alloc(64)) == NULL) {
		ret = oom();
		goto out;
	}
	if (EVP_PKEY_get_base_id(ak) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_private_key(ak, seed, &len) != 1 || len != 32 ||
	    crypto_sign_seed_keypair(pk, k->audit_sk, seed) != 0) {
		ret = err_set(ERR_DATA, "%s: not an Ed25519 key",
		    c->audit_key_path);
		goto out;
	}
	sodium_bin2hex(hex, sizeof(hex), pk, sizeof(pk));
	if (c->audit_public_key_hex == NULL ||
	    strcmp(hex, c->audit_public_key_hex) != 0)
		ret = err_set(ERR_DATA, "%s: not the audit key that %s names "
		    "(audit.public_key)", c->audit_key_path, c->path);
out:
	secmem_free(seed);
	EVP_PKEY_free(ak);
	return ret;
}

/* The key opened, proven against cert, and the audit key if asked. */
static int
open_all(const struct ca_config *c, const char *pin, X509 *cert,
    unsigned flags, struct ca_key *k)
{
	EVP_PKEY *pub = X509_get0_pubkey(cert);
	int ret;

	if (pub == NULL || (k->type = keytype_of(pub)) == KEY_NONE)
		return err_set(ERR_DATA, "the certificate for CA %s has no "
		    "usable CA public key", c->name);
	ret = c->hsm_uri != NULL ? open_token(c, pin, k) :
	    keyfile_read(c->key_file, pin, &k->key);
	if (ret != 0)
		return ret;
	if ((ret = x509_challenge(k->key, pub, k->type)) == ERR_NO)
		return err_set(ERR_NO, "the key of CA %s (%s) does not match "
		    "the certificate: a test signature does not verify under "
		    "its public key", c->name, c->hsm_uri != NULL ?
		    c->hsm_uri : c->key_file);
	if (ret != 0 || !(flags & CACFG_KEY_AUDIT))
		return ret;
	return open_audit(c, pin, k);
}

int
cacfg_open_key(const struct ca_config *c, const struct pin_source *cli,
    X509 *cert, unsigned flags, struct ca_key **out)
{
	struct ca_key *k;
	char *pin = NULL;
	int ret;

	*out = NULL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return oom();
	if ((ret = cacfg_read_pin(c, cli, 0, &pin)) == 0)
		ret = open_all(c, pin, cert, flags, k);
	secmem_free(pin);
	if (ret != 0) {
		cacfg_key_close(k);
		return ret;
	}
	*out = k;
	return 0;
}

int
cacfg_open_audit_key(const struct ca_config *c,
    const struct pin_source *cli, struct ca_key **out)
{
	struct ca_key *k;
	char *pin = NULL;
	int ret;

	*out = NULL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return oom();
	if ((ret = cacfg_read_pin(c, cli, 0, &pin)) == 0)
		ret = open_audit(c, pin, k);
	secmem_free(pin);
	if (ret != 0) {
		cacfg_key_close(k);
		return ret;
	}
	*out = k;
	return 0;
}

EVP_PKEY *
cacfg_key_pkey(const struct ca_key *k)
{
	return k->key;
}

int
cacfg_key_failed(const struct ca_config *c, const struct ca_key *k,
    int ret)
{
	char why[768];

	if (k == NULL || k->hsm == NULL || ret != ERR_UNAVAILABLE)
		return ret;
	snprintf(why, sizeof(why), "%s", err_msg());
	return err_set(ret, "the HSM holding the key of CA %s (%s, module "
	    "%s) failed: %s", c->name, c->hsm_uri, c->hsm_module, why);
}

enum key_type
cacfg_key_type(const struct ca_key *k)
{
	return k->type;
}

const unsigned char *
cacfg_key_audit_sk(const struct ca_key *k)
{
	return k->audit_sk;
}

void
cacfg_key_close(struct ca_key *k)
{
	if (k == NULL)
		return;
	secmem_free(k->audit_sk);
	EVP_PKEY_free(k->key);
	hsm_close(k->hsm);
	free(k);
}

int
cacfg_audit(const struct ca_config *c, const struct ca_key *k,
    const char *program, const char *action, const char *members)
{
	struct audit *a = NULL;
	int ret;

	if ((ret = audit_open(c->audit_path, program, 0, &a)) != 0)
		return ret;
	if (k != NULL && k->audit_sk != NULL)
		ret = audit_append_sealed(a, action, members, k->audit_sk);
	else
		ret = audit_append(a, action, members);
	audit_close(a);
	return ret;
}
