/*
 * ceremonycfg.c: load and validate a root key ceremony file.
 *
 * Trusts nothing in the file: every key is checked against the schema of
 * pki-ceremony(5) (unknown and misspelt keys refused, numbers range
 * checked, names checked for length, control characters and duplicates,
 * the PKCS#11 URI parsed) and the rules across keys (exactly one of hsm
 * and file, 2 <= M <= N <= 16, no "none" backup for a key file) are
 * enforced here, so that the tool sees only a ceremony that can run to
 * the end.  The file is read once; the SHA-256 recorded is of the very
 * bytes that were parsed.  Never prints, never touches an HSM or the
 * output directory.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "ceremonycfg.h"
#include "err.h"
#include "fileio.h"
#include "yamlcfg.h"

#define MAX_CEREMONY_NAME	128
#define MAX_PERSON		64	/* administrator, witnesses */
#define MAX_WITNESSES		16
#define MAX_PATH		4096

static const char *const top_keys[] = {
	"ceremony", "key", "certificate", "backup", "output", NULL
};
static const char *const ceremony_keys[] = {
	"name", "administrator", "witnesses", NULL
};
static const char *const key_keys[] = { "type", "hsm", "file", NULL };
static const char *const hsm_keys[] = { "module", "uri", NULL };
static const char *const cert_keys[] = {
	"subject", "validity_years", NULL
};
static const char *const subject_keys[] = {
	"country", "state", "locality", "organization",
	"organizational_unit", "common_name", NULL
};
static const char *const backup_keys[] = {
	"method", "threshold", "custodians", NULL
};
static const char *const backup_methods[] = { "shamir", "none", NULL };
static const char *const output_keys[] = { "directory", NULL };

/* RFC 7512 path attributes; the query part is refused as a whole. */
static const char *const uri_attrs[] = {
	"token", "manufacturer", "serial", "model", "library-manufacturer",
	"library-description", "library-version", "object", "type", "id",
	"slot-manufacturer", "slot-description", "slot-id", NULL
};

/* Copy s (NULL stays NULL) into *dst. */
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

static int
copy_list(const char **src, size_t n, char ***dst, size_t *count)
{
	size_t i;
	int ret;

	if ((*dst = calloc(n + 1, sizeof(**dst))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	*count = n;
	for (i = 0; i < n; i++)
		if ((ret = copy_str(src[i], &(*dst)[i])) != 0)
			return ret;
	return 0;
}

static void
free_list(char **list, size_t n)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/*
 * Each entry of list key at most max bytes and no two the same, ignoring
 * ASCII case: names are read aloud and printed on shares.
 */
static int
check_names(const struct ynode *map, const char *path, const char *key,
    const char *what, size_t max)
{
	const struct ynode *seq = yamlcfg_get(map, key);
	size_t i, j, len;

	for (i = 0; seq != NULL && i < seq->count; i++) {
		if ((len = strlen(seq->values[i])) > max)
			return yamlcfg_err(path, seq->items[i]->line, "%s "
			    "\"%s\" is %zu bytes long; at most %zu are "
			    "allowed", what, seq->values[i], len, max);
		for (j = 0; j < i; j++)
			if (strcasecmp(seq->values[i], seq->values[j]) == 0)
				return yamlcfg_err(path, seq->items[i]->line,
				    "%s \"%s\" is listed twice (first at line "
				    "%d)", what, seq->values[i],
				    seq->items[j]->line);
	}
	return 0;
}

static int
load_people(struct root_ceremony *c, const struct ynode *root,
    const char *path)
{
	const struct ynode *sec;
	const char **list;
	size_t n;
	int ret;

	if ((ret = yamlcfg_map(root, path, "ceremony", 1, &sec)) != 0 ||
	    (ret = yamlcfg_check_keys(sec, path, NULL, ceremony_keys)) != 0 ||
	    (ret = yamlcfg_text(sec, path, "name", 1, MAX_CEREMONY_NAME,
	    &c->name)) != 0 ||
	    (ret = yamlcfg_text(sec, path, "administrator", 1, MAX_PERSON,
	    &c->administrator)) != 0 ||
	    (ret = yamlcfg_strlist(sec, path, "witnesses", 1, 1,
	    MAX_WITNESSES, &list, &n)) != 0 ||
	    (ret = check_names(sec, path, "witnesses", "witness",
	    MAX_PERSON)) != 0)
		return ret;
	return copy_list(list, n, &c->witnesses, &c->nwitnesses);
}

static int
attr_index(const char *name, size_t len)
{
	int i;

	for (i = 0; uri_attrs[i] != NULL; i++)
		if (strlen(uri_attrs[i]) == len &&
		    strncmp(uri_attrs[i], name, len) == 0)
			return i;
	return -1;
}

/* One "name=value" path attribute of a PKCS#11 URI. */
static int
check_uri_attr(const char *path, int line, const char *attr, size_t len,
    unsigned *seen)
{
	const char *eq = memchr(attr, '=', len), *v;
	size_t nlen, vlen;
	int i;

	if (eq == NULL)
		return yamlcfg_err(path, line, "PKCS#11 URI attribute "
		    "\"%.*s\" has no \"=value\"", (int)len, attr);
	nlen = (size_t)(eq - attr);
	v = eq + 1;
	vlen = len - nlen - 1;
	if (nlen >= 4 && strncmp(attr, "pin-", 4) == 0)
		return yamlcfg_err(path, line, "the PKCS#11 URI names a PIN: "
		    "the PIN never appears in this file");
	if ((i = attr_index(attr, nlen)) == -1)
		return yamlcfg_err(path, line, "PKCS#11 URI attribute "
		    "\"%.*s\" is not known (RFC 7512)", (int)nlen, attr);
	if (*seen & (1u << i))
		return yamlcfg_err(path, line, "PKCS#11 URI attribute \"%s\" "
		    "appears twice", uri_attrs[i]);
	*seen |= 1u << i;
	if (vlen == 0)
		return yamlcfg_err(path, line, "PKCS#11 URI attribute \"%s\" "
		    "is empty", uri_attrs[i]);
	if (strcmp(uri_attrs[i], "type") == 0 &&
	    (vlen != 7 || strncmp(v, "private", 7) != 0))
		return yamlcfg_err(path, line, "PKCS#11 URI has type=%.*s; the "
		    "root key is type=private", (int)vlen, v);
	return 0;
}

static int
is_alnum(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9');
}

static int
is_xdigit(int ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
	    (ch >= 'A' && ch <= 'F');
}

/* RFC 7512 p11-pchar and ";", or a well-formed %XX. */
static int
uri_chars_ok(const char *s)
{
	static const char extra[] = "-._~:[]@!$'()*+,=;";
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '%') {
			if (!is_xdigit(s[i + 1]) || !is_xdigit(s[i + 2]))
				return 0;
			i += 2;
		} else if (!is_alnum(s[i]) && strchr(extra, s[i]) == NULL)
			return 0;
	}
	return 1;
}

/* Exported for the signing ceremony file (signcfg.c): one rule set. */
int
ceremonycfg_check_uri(const char *path, int line, const char *uri)
{
	const char *p, *end;
	unsigned seen = 0;
	int ret;

	if (strncmp(uri, "pkcs11:", 7) != 0)
		return yamlcfg_err(path, line, "uri \"%s\" is not a PKCS#11 "
		    "URI (RFC 7512: it starts with \"pkcs11:\")", uri);
	if (strchr(uri, '?') != NULL)
		return yamlcfg_err(path, line, "uri has query attributes "
		    "(\"?...\"): the module is key.hsm.module and the PIN "
		    "never appears in this file");
	if (!uri_chars_ok(uri + 7))
		return yamlcfg_err(path, line, "uri \"%s\" has a character "
		    "that RFC 7512 wants percent-encoded", uri);
	for (p = uri + 7; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		if ((end = strchr(p, ';')) == NULL)
			end = p + strlen(p);
		if ((ret = check_uri_attr(path, line, p, (size_t)(end - p),
		    &seen)) != 0)
			return ret;
	}
	if (!(seen & (1u << attr_index("token", 5))))
		return yamlcfg_err(path, line, "uri has no token= attribute: "
		    "name the HSM token (pkcs11:token=...;object=...)");
	if (!(seen & (1u << attr_index("object", 6))))
		return yamlcfg_err(path, line, "uri has no object= attribute: "
		    "name the key object (pkcs11:token=...;object=...)");
	return 0;
}

static int
load_hsm(struct root_ceremony *c, const struct ynode *hsm, const char *path)
{
	int ret;

	if ((ret = yamlcfg_check_keys(hsm, path, NULL, hsm_keys)) != 0 ||
	    (ret = yamlcfg_text(hsm, path, "module", 1, MAX_PATH,
	    &c->hsm_module)) != 0 ||
	    (ret = yamlcfg_text(hsm, path, "uri", 1, MAX_PATH, &c->hsm_uri)) != 0)
		return ret;
	if (c->hsm_module[0] != '/')
		return yamlcfg_err(path, yamlcfg_line(hsm, "module"), "module "
		    "\"%s\" must be an absolute path: the reviewed file names "
		    "the exact PKCS#11 library", c->hsm_module);
	return ceremonycfg_check_uri(path, yamlcfg_line(hsm, "uri"),
	    c->hsm_uri);
}

static int
load_key_type(struct root_ceremony *c, const struct ynode *key,
    const char *path)
{
	const char *type;
	int ret;

	c->key_type = KEY_P384;
	if ((ret = yamlcfg_str(key, path, "type", 0, &type)) != 0 ||
	    type == NULL)
		return ret;
	if (keytype_parse(type, &c->key_type) != 0)
		return yamlcfg_err(path, yamlcfg_line(key, "type"), "key type "
		    "\"%s\" is not allowed for a root key (allowed: %s, %s, "
		    "%s, %s)", type, keytype_name(KEY_P256),
		    keytype_name(KEY_P384), keytype_name(KEY_RSA3072),
		    keytype_name(KEY_RSA4096));
	return 0;
}

static int
load_key(struct root_ceremony *c, const struct ynode *root, const char *path)
{
	const struct ynode *key, *hsm;
	int ret;

	if ((ret = yamlcfg_map(root, path, "key", 1, &key)) != 0 ||
	    (ret = yamlcfg_check_keys(key, path, NULL, key_keys)) != 0 ||
	    (ret = load_key_type(c, key, path)) != 0 ||
	    (ret = yamlcfg_map(key, path, "hsm", 0, &hsm)) != 0 ||
	    (ret = yamlcfg_text(key, path, "file", 0, 255, &c->key_file)) != 0)
		return ret;
	if (hsm != NULL && c->key_file != NULL)
		return yamlcfg_err(path, yamlcfg_line(key, "file"), "key.hsm "
		    "(line %d) and key.file are both set: the root key is "
		    "either in an HSM or in an encrypted file",
		    yamlcfg_line(key, "hsm"));
	if (hsm != NULL)
		return load_hsm(c, hsm, path);
	if (c->key_file == NULL)
		return yamlcfg_err(path, key->head_line, "section key sets "
		    "neither hsm nor file: say where the root key will live");
	if (strchr(c->key_file, '/') != NULL ||
	    strcmp(c->key_file, ".") == 0 || strcmp(c->key_file, "..") == 0)
		return yamlcfg_err(path, yamlcfg_line(key, "file"), "file "
		    "\"%s\" must be a plain file name: the key file is written "
		    "into the output directory", c->key_file);
	return 0;
}

static int
load_country(struct root_ceremony *c, const struct ynode *subj,
    const char *path)
{
	const char *s;
	int ret;

	if ((ret = yamlcfg_country(subj, path, "country", &s)) != 0)
		return ret;
	return copy_str(s, &c->subject_c);
}

/* Lengths are the upper bounds of RFC 5280 appendix A. */
static int
load_subject(struct root_ceremony *c, const struct ynode *cert,
    const char *path)
{
	const struct ynode *subj;
	int ret;

	if ((ret = yamlcfg_map(cert, path, "subject", 1, &subj)) != 0 ||
	    (ret = yamlcfg_check_keys(subj, path, NULL, subject_keys)) != 0 ||
	    (ret = load_country(c, subj, path)) != 0 ||
	    (ret = yamlcfg_text(subj, path, "state", 0, 128,
	    &c->subject_st)) != 0 ||
	    (ret = yamlcfg_text(subj, path, "locality", 0, 128,
	    &c->subject_l)) != 0 ||
	    (ret = yamlcfg_text(subj, path, "organization", 0, 64,
	    &c->subject_o)) != 0 ||
	    (ret = yamlcfg_text(subj, path, "organizational_unit", 0, 64,
	    &c->subject_ou)) != 0)
		return ret;
	return yamlcfg_text(subj, path, "common_name", 1, 64, &c->subject_cn);
}

static int
load_certificate(struct root_ceremony *c, const struct ynode *root,
    const char *path)
{
	const struct ynode *cert;
	int ret;

	if ((ret = yamlcfg_map(root, path, "certificate", 1, &cert)) != 0 ||
	    (ret = yamlcfg_check_keys(cert, path, NULL, cert_keys)) != 0 ||
	    (ret = load_subject(c, cert, path)) != 0)
		return ret;
	return yamlcfg_uint(cert, path, "validity_years", 1, 1, 25, 0,
	    &c->validity_years);
}

/* The sizes of a Shamir split, each rule with its own sentence. */
static int
check_split(const struct root_ceremony *c, const struct ynode *b,
    const char *path)
{
	size_t n = c->ncustodians;
	unsigned m = c->threshold;

	if (m < 2)
		return yamlcfg_err(path, yamlcfg_line(b, "threshold"),
		    "threshold %u is less than 2: every custodian alone could "
		    "restore the root key", m);
	if (n > CEREMONY_MAX_SHARES)
		return yamlcfg_err(path, yamlcfg_line(b, "custodians"),
		    "%zu custodians are too many: a backup has at most %d "
		    "shares", n, CEREMONY_MAX_SHARES);
	if (m > n)
		return yamlcfg_err(path, yamlcfg_line(b, "threshold"),
		    "threshold %u is more than the %zu custodians: the backup "
		    "could never be restored", m, n);
	return 0;
}

static int
load_none(struct root_ceremony *c, const struct ynode *b, const char *path)
{
	if (c->key_file != NULL)
		return yamlcfg_err(path, yamlcfg_line(b, "method"), "backup "
		    "method none is refused for a key file: a key file "
		    "without a backup is lost with its disk (use shamir)");
	if (yamlcfg_get(b, "threshold") != NULL)
		return yamlcfg_err(path, yamlcfg_line(b, "threshold"),
		    "backup method none takes no threshold");
	if (yamlcfg_get(b, "custodians") != NULL)
		return yamlcfg_err(path, yamlcfg_line(b, "custodians"),
		    "backup method none takes no custodians");
	return 0;
}

static int
load_backup(struct root_ceremony *c, const struct ynode *root,
    const char *path)
{
	const struct ynode *b;
	const char **list;
	size_t n;
	int method, ret;

	if ((ret = yamlcfg_map(root, path, "backup", 1, &b)) != 0 ||
	    (ret = yamlcfg_check_keys(b, path, NULL, backup_keys)) != 0 ||
	    (ret = yamlcfg_enum(b, path, "method", 0, backup_methods, 0,
	    &method)) != 0)
		return ret;
	c->backup_shamir = method == 0;
	if (!c->backup_shamir)
		return load_none(c, b, path);
	if ((ret = yamlcfg_uint(b, path, "threshold", 1, 0, 255, 0,
	    &c->threshold)) != 0 ||
	    (ret = yamlcfg_strlist(b, path, "custodians", 1, 1, (size_t)-1,
	    &list, &n)) != 0 ||
	    (ret = copy_list(list, n, &c->custodians, &c->ncustodians)) != 0 ||
	    (ret = check_split(c, b, path)) != 0)
		return ret;
	return check_names(b, path, "custodians", "custodian",
	    CEREMONY_MAX_NAME);
}

static int
load_output(struct root_ceremony *c, const struct ynode *root,
    const char *path)
{
	const struct ynode *out;
	int ret;

	if ((ret = yamlcfg_map(root, path, "output", 1, &out)) != 0 ||
	    (ret = yamlcfg_check_keys(out, path, NULL, output_keys)) != 0)
		return ret;
	return yamlcfg_text(out, path, "directory", 1, MAX_PATH, &c->output_dir);
}

int
ceremonycfg_load(const char *path, struct root_ceremony **out)
{
	struct root_ceremony *c;
	struct ynode *root = NULL;
	int ret;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if ((ret = copy_str(path, &c->path)) != 0 ||
	    (ret = yamlcfg_load_hashed(path, c->sha256, &root)) != 0)
		goto out;
	if ((ret = yamlcfg_check_keys(root, path, NULL, top_keys)) != 0 ||
	    (ret = load_people(c, root, path)) != 0 ||
	    (ret = load_key(c, root, path)) != 0 ||
	    (ret = load_certificate(c, root, path)) != 0 ||
	    (ret = load_backup(c, root, path)) != 0 ||
	    (ret = load_output(c, root, path)) != 0)
		goto out;
	*out = c;
	c = NULL;
out:
	yamlcfg_free(root);
	ceremonycfg_free(c);
	return ret;
}

void
ceremonycfg_free(struct root_ceremony *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->name);
	free(c->administrator);
	free_list(c->witnesses, c->nwitnesses);
	free(c->hsm_module);
	free(c->hsm_uri);
	free(c->key_file);
	free(c->subject_c);
	free(c->subject_st);
	free(c->subject_l);
	free(c->subject_o);
	free(c->subject_ou);
	free(c->subject_cn);
	free_list(c->custodians, c->ncustodians);
	free(c->output_dir);
	free(c);
}
