/*
 * signcfg.c: load and validate a signing ceremony file.
 *
 * Trusts nothing in the file: every key is checked against the schema of
 * pki-sign-ceremony(5) through yamlcfg (unknown, misspelt and duplicate
 * keys refused), numbers are range checked, the PKCS#11 URI goes through
 * the same rules as the root key ceremony's (ceremonycfg_check_uri()),
 * and the rules across keys are enforced here: exactly one of hsm and
 * file, exactly one of csr and cross_sign, the section the program needs
 * present, and no path named twice (an output over an input, or the
 * ledger over the transcript, would destroy a record).  The file is read
 * once; the SHA-256 is of the parsed bytes.  Never prints and looks at
 * no other file.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "ceremonycfg.h"
#include "err.h"
#include "fileio.h"
#include "policy.h"
#include "signcfg.h"
#include "yamlcfg.h"

#define MAX_CEREMONY_NAME	128
#define MAX_PERSON		64
#define MAX_WITNESSES		16
#define MAX_PATH		4096
#define MAX_PATHS		10	/* paths a file can name */

static const char *const top_keys[] = {
	"ceremony", "root", "sign", "crl", NULL
};
static const char *const ceremony_keys[] = {
	"name", "administrator", "witnesses", NULL
};
static const char *const root_keys[] = {
	"certificate", "key", "ledger", "transcript", NULL
};
static const char *const key_keys[] = { "hsm", "file", NULL };
static const char *const hsm_keys[] = { "module", "uri", NULL };
static const char *const sign_keys[] = {
	"csr", "cross_sign", "policy", "validity_days", "output", NULL
};
static const char *const sign_output_keys[] = {
	"certificate", "chain", NULL
};
static const char *const crl_keys[] = { "validity_days", "output", NULL };

/* A path named by the file, for the check that no two are the same. */
struct named_path {
	const char	*where;		/* "sign.output.certificate" */
	const char	*value;
	int		 line;
};

struct paths {
	struct named_path	 p[MAX_PATHS];
	size_t			 n;
};

/* A path (may be absent when not required), remembered in ps. */
static int
get_path(const struct ynode *map, const char *path, const char *key,
    int required, const char *where, struct paths *ps, char **dst)
{
	int ret;

	if ((ret = yamlcfg_text(map, path, key, required, MAX_PATH, dst)) != 0 ||
	    *dst == NULL)
		return ret;
	if (ps->n == MAX_PATHS)
		return err_set(ERR_INTERNAL, "too many paths");
	ps->p[ps->n].where = where;
	ps->p[ps->n].value = *dst;
	ps->p[ps->n].line = yamlcfg_line(map, key);
	ps->n++;
	return 0;
}

/* No path twice: an output must not overwrite an input or a record. */
static int
check_paths(const struct paths *ps, const char *path)
{
	size_t i, j;

	for (i = 0; i < ps->n; i++)
		for (j = 0; j < i; j++)
			if (strcmp(ps->p[i].value, ps->p[j].value) == 0)
				return yamlcfg_err(path, ps->p[i].line, "%s "
				    "\"%s\" is the same path as %s (line %d)",
				    ps->p[i].where, ps->p[i].value,
				    ps->p[j].where, ps->p[j].line);
	return 0;
}

/* Witnesses: at most MAX_PERSON bytes each, distinct ignoring case. */
static int
check_witnesses(const struct ynode *sec, const char *path,
    const char **list, size_t n)
{
	const struct ynode *seq = yamlcfg_get(sec, "witnesses");
	size_t i, j, len;

	for (i = 0; i < n; i++) {
		if ((len = strlen(list[i])) > MAX_PERSON)
			return yamlcfg_err(path, seq->items[i]->line, "witness "
			    "\"%s\" is %zu bytes long; at most %d are allowed",
			    list[i], len, MAX_PERSON);
		for (j = 0; j < i; j++)
			if (strcasecmp(list[i], list[j]) == 0)
				return yamlcfg_err(path, seq->items[i]->line,
				    "witness \"%s\" is listed twice (first at "
				    "line %d)", list[i], seq->items[j]->line);
	}
	return 0;
}

static int
load_people(struct root_session *s, const char *path)
{
	const struct ynode *sec;
	int ret;

	if ((ret = yamlcfg_map(s->tree, path, "ceremony", 1, &sec)) != 0 ||
	    (ret = yamlcfg_check_keys(sec, path, NULL, ceremony_keys)) != 0 ||
	    (ret = yamlcfg_text(sec, path, "name", 1, MAX_CEREMONY_NAME,
	    &s->name)) != 0 ||
	    (ret = yamlcfg_text(sec, path, "administrator", 1, MAX_PERSON,
	    &s->administrator)) != 0 ||
	    (ret = yamlcfg_strlist(sec, path, "witnesses", 1, 1,
	    MAX_WITNESSES, &s->witnesses, &s->nwitnesses)) != 0)
		return ret;
	return check_witnesses(sec, path, s->witnesses, s->nwitnesses);
}

static int
load_hsm(struct root_session *s, const struct ynode *hsm, const char *path)
{
	int ret;

	if ((ret = yamlcfg_check_keys(hsm, path, NULL, hsm_keys)) != 0 ||
	    (ret = yamlcfg_text(hsm, path, "module", 1, MAX_PATH,
	    &s->hsm_module)) != 0 ||
	    (ret = yamlcfg_text(hsm, path, "uri", 1, MAX_PATH, &s->hsm_uri)) != 0)
		return ret;
	if (s->hsm_module[0] != '/')
		return yamlcfg_err(path, yamlcfg_line(hsm, "module"), "module "
		    "\"%s\" must be an absolute path: the reviewed file names "
		    "the exact PKCS#11 library", s->hsm_module);
	return ceremonycfg_check_uri(path, yamlcfg_line(hsm, "uri"),
	    s->hsm_uri);
}

static int
load_key(struct root_session *s, const struct ynode *root, const char *path,
    struct paths *ps)
{
	const struct ynode *key, *hsm;
	int ret;

	if ((ret = yamlcfg_map(root, path, "key", 1, &key)) != 0 ||
	    (ret = yamlcfg_check_keys(key, path, NULL, key_keys)) != 0 ||
	    (ret = yamlcfg_map(key, path, "hsm", 0, &hsm)) != 0 ||
	    (ret = get_path(key, path, "file", 0, "root.key.file", ps,
	    &s->key_file)) != 0)
		return ret;
	if (hsm != NULL && s->key_file != NULL)
		return yamlcfg_err(path, yamlcfg_line(key, "file"),
		    "root.key.hsm (line %d) and root.key.file are both set: "
		    "the root key is either in an HSM or in an encrypted file",
		    yamlcfg_line(key, "hsm"));
	if (hsm != NULL)
		return load_hsm(s, hsm, path);
	if (s->key_file == NULL)
		return yamlcfg_err(path, key->head_line, "section root.key "
		    "sets neither hsm nor file: say where the root key is");
	return 0;
}

static int
load_root(struct root_session *s, const char *path, struct paths *ps)
{
	const struct ynode *root;
	int ret;

	if ((ret = yamlcfg_map(s->tree, path, "root", 1, &root)) != 0 ||
	    (ret = yamlcfg_check_keys(root, path, NULL, root_keys)) != 0 ||
	    (ret = get_path(root, path, "certificate", 1, "root.certificate",
	    ps, &s->root_cert)) != 0 ||
	    (ret = load_key(s, root, path, ps)) != 0 ||
	    (ret = get_path(root, path, "ledger", 1, "root.ledger", ps,
	    &s->ledger)) != 0)
		return ret;
	return get_path(root, path, "transcript", 1, "root.transcript", ps,
	    &s->transcript);
}

/* Exactly one of csr and cross_sign: what the root is asked to sign. */
static int
load_subject_key(struct root_session *s, const struct ynode *sign,
    const char *path, struct paths *ps)
{
	int ret;

	if ((ret = get_path(sign, path, "csr", 0, "sign.csr", ps,
	    &s->csr)) != 0 ||
	    (ret = get_path(sign, path, "cross_sign", 0, "sign.cross_sign", ps,
	    &s->cross_sign)) != 0)
		return ret;
	if (s->csr != NULL && s->cross_sign != NULL)
		return yamlcfg_err(path, yamlcfg_line(sign, "cross_sign"),
		    "sign.csr (line %d) and sign.cross_sign are both set: a "
		    "ceremony signs either an intermediate's CSR or another "
		    "CA's certificate", yamlcfg_line(sign, "csr"));
	if (s->csr == NULL && s->cross_sign == NULL)
		return yamlcfg_err(path, sign->head_line, "section sign sets "
		    "neither csr nor cross_sign: say what the root signs");
	return 0;
}

static int
load_sign(struct root_session *s, const char *path, struct paths *ps,
    int required)
{
	const struct ynode *sign, *out;
	int ret;

	if ((ret = yamlcfg_map(s->tree, path, "sign", required, &sign)) != 0 ||
	    sign == NULL)
		return ret;
	s->has_sign = 1;
	if ((ret = yamlcfg_check_keys(sign, path, NULL, sign_keys)) != 0 ||
	    (ret = load_subject_key(s, sign, path, ps)) != 0 ||
	    (ret = get_path(sign, path, "policy", 1, "sign.policy", ps,
	    &s->policy)) != 0 ||
	    (ret = yamlcfg_uint(sign, path, "validity_days", 0, 1,
	    POLICY_MAX_DAYS, 0, &s->validity_days)) != 0 ||
	    (ret = yamlcfg_map(sign, path, "output", 1, &out)) != 0 ||
	    (ret = yamlcfg_check_keys(out, path, NULL,
	    sign_output_keys)) != 0 ||
	    (ret = get_path(out, path, "certificate", 1,
	    "sign.output.certificate", ps, &s->out_cert)) != 0)
		return ret;
	return get_path(out, path, "chain", 0, "sign.output.chain", ps,
	    &s->out_chain);
}

static int
load_crl(struct root_session *s, const char *path, struct paths *ps,
    int required)
{
	const struct ynode *crl;
	int ret;

	if ((ret = yamlcfg_map(s->tree, path, "crl", required, &crl)) != 0 ||
	    crl == NULL)
		return ret;
	s->has_crl = 1;
	if ((ret = yamlcfg_check_keys(crl, path, NULL, crl_keys)) != 0 ||
	    (ret = yamlcfg_uint(crl, path, "validity_days", 1, 1,
	    SIGNCFG_MAX_CRL_DAYS, 0, &s->crl_validity_days)) != 0)
		return ret;
	return get_path(crl, path, "output", 1, "crl.output", ps,
	    &s->crl_out);
}

int
signcfg_load(const char *path, enum signcfg_kind kind,
    struct root_session **out)
{
	struct root_session *s;
	struct paths ps;
	int ret;

	*out = NULL;
	memset(&ps, 0, sizeof(ps));
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if ((s->path = strdup(path)) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	if ((ret = yamlcfg_load_hashed(path, s->sha256, &s->tree)) != 0 ||
	    (ret = yamlcfg_check_keys(s->tree, path, NULL, top_keys)) != 0 ||
	    (ret = load_people(s, path)) != 0 ||
	    (ret = load_root(s, path, &ps)) != 0 ||
	    (ret = load_sign(s, path, &ps, kind == SIGNCFG_SIGN)) != 0 ||
	    (ret = load_crl(s, path, &ps, kind == SIGNCFG_CRL)) != 0 ||
	    (ret = check_paths(&ps, path)) != 0)
		goto out;
	*out = s;
	s = NULL;
out:
	signcfg_free(s);
	return ret;
}

void
signcfg_free(struct root_session *s)
{
	if (s == NULL)
		return;
	free(s->path);
	free(s->name);
	free(s->administrator);
	free(s->root_cert);
	free(s->hsm_module);
	free(s->hsm_uri);
	free(s->key_file);
	free(s->ledger);
	free(s->transcript);
	free(s->csr);
	free(s->cross_sign);
	free(s->policy);
	free(s->out_cert);
	free(s->out_chain);
	free(s->crl_out);
	yamlcfg_free(s->tree);
	free(s);
}
