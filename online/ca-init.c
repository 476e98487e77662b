/*
 * pki-ca-init: create an online intermediate CA's directory, its key and
 * the CSR that goes to the root signing ceremony.
 *
 * Reads one reviewed init file (pki-ca(5)), checks it and every profile
 * it allows, shows the plan and waits for "yes" (or --yes), then builds
 * the CA directory in a staging directory beside it: the CA key (inside
 * the token, sensitive and never extractable, or generated in locked
 * memory and written only encrypted), an Ed25519 audit sealing key
 * (encrypted under the same PIN or passphrase), the inventory, the
 * publish directories, the CSR signed by the new key, ca.yaml with
 * state "installed: false", and audit.log with a sealed "ca-init"
 * entry.  One rename publishes the whole directory.  A failure leaves
 * nothing behind: the staging directory is removed and a key already
 * generated in the token is deleted again.
 *
 * The CSR asks for nothing but the subject and the key: the root's
 * policy decides every extension.  No private key is written in the
 * clear; the PIN lives only in locked memory.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "args.h"
#include "audit.h"
#include "cacfg.h"
#include "db.h"
#include "err.h"
#include "fileio.h"
#include "hsm.h"
#include "json.h"
#include "keyfile.h"
#include "pin.h"
#include "profile.h"
#include "secmem.h"
#include "ui.h"
#include "x509.h"

#define PROG		"pki-ca-init"
#define MAX_DIRS	16

struct opts {
	const char *dir;
	const char *config;
	int yes;
	struct pin_source pin;
};

struct init {
	const struct opts *o;
	char *dir;			/* o->dir without trailing "/" */
	struct ca_config *cfg;
	char *pin;			/* secmem: PIN or passphrase */
	struct hsm *hsm;
	const char *label;		/* key label in the token */
	int generated;			/* delete from the token on failure */
	char *stage;			/* staging directory */
	char *made[MAX_DIRS];		/* made inside the stage, in order */
	size_t nmade;
	EVP_PKEY *key;			/* signing key (token or memory) */
	EVP_PKEY *pub;			/* its public key */
	unsigned char *audit_sk;	/* secmem, Ed25519, 64 bytes */
	char spki_hex[65], audit_hex[65], csr_hex[65];
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s [--ca DIR] --config INIT.yaml [--yes]\n"
	    "           [--pin-file FILE | --pin-fd N]\n"
	    "       %s --help | --version\n", PROG, PROG);
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "ca", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "yes", no_argument, NULL, 'y' },
		{ "pin-file", required_argument, NULL, 'p' },
		{ "pin-fd", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *ca = NULL;
	int c, seen_pin = 0, ret;

	memset(o, 0, sizeof(*o));
	o->pin.kind = PIN_PROMPT;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			ret = args_once(&ca, optarg, "ca");
			break;
		case 'c':
			ret = args_once(&o->config, optarg, "config");
			break;
		case 'y':
			ret = args_flag(&o->yes, "yes");
			break;
		case 'p':
		case 'f':
			ret = args_pin(&o->pin, &seen_pin, c, optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("%s %s\n", PROG, PKI_VERSION);
			exit(0);
		default:
			return ERR_USAGE;
		}
		if (ret != 0)
			return ret;
	}
	if (optind != argc || o->config == NULL)
		return err_set(ERR_USAGE, "give --config INIT.yaml and no "
		    "operands (see --help)");
	if ((o->dir = cacfg_dir_from_env(ca)) == NULL)
		return ERR_USAGE;
	return 0;
}

/* Every profile the CA may issue must load now, not at first use. */
static int
check_profiles(const struct ca_config *c)
{
	struct profile *p = NULL;
	size_t i;
	int ret;

	for (i = 0; i < c->nprofiles; i++) {
		if ((ret = cacfg_load_profile(c, c->profiles[i], &p)) != 0)
			return ret;
		profile_free(p);
	}
	return 0;
}

/* Absolute publish directories are the web server's: they must exist. */
static int
check_publish(const char *written, const char *path)
{
	struct stat st;

	if (written[0] != '/')
		return 0;
	if (stat(path, &st) == -1 || !S_ISDIR(st.st_mode))
		return err_set(ERR_NOINPUT, "%s: publish directory does not "
		    "exist (an absolute publish path is not created)", path);
	return 0;
}

/* With a token: open it now, so a wrong PIN or a taken label stops
 * everything before the plan is shown. */
static int
open_token(struct init *in)
{
	const struct ca_config *c = in->cfg;
	int ret, exists = 0;

	if (access(c->hsm_module, R_OK) != 0)
		return err_set(ERR_UNAVAILABLE, "%s: cannot read PKCS#11 "
		    "module", c->hsm_module);
	if ((ret = cacfg_read_pin(c, &in->o->pin, 1, &in->pin)) != 0 ||
	    (ret = hsm_open(c->hsm_module, c->hsm_uri, in->pin,
	    &in->hsm)) != 0)
		return ret;
	in->label = hsm_uri_object(in->hsm);
	if ((ret = hsm_key_exists(in->hsm, in->label, &exists)) != 0)
		return ret;
	if (exists)
		return err_set(ERR_EXISTS, "token %s already holds a key "
		    "labelled \"%s\"", hsm_token_label(in->hsm), in->label);
	return 0;
}

/* Phase 2: everything is checked before anything is created. */
static int
load_and_check(struct init *in)
{
	const struct ca_config *c;
	int ret;

	if ((ret = cacfg_load_init(in->o->config, in->dir,
	    &in->cfg)) != 0)
		return ret;
	c = in->cfg;
	if (fileio_exists(in->dir))
		return err_set(ERR_EXISTS, "%s: already exists", in->dir);
	if ((ret = check_profiles(c)) != 0 ||
	    (ret = check_publish(c->written.crl_dir, c->crl_dir)) != 0 ||
	    (ret = check_publish(c->written.ocsp_dir, c->ocsp_dir)) != 0)
		return ret;
	if (c->hsm_uri != NULL)
		return open_token(in);
	return cacfg_read_pin(c, &in->o->pin, 1, &in->pin);
}

static void
print_urls(const struct ca_config *c)
{
	printf("  CRL URL:       %s\n", c->crl_url);
	if (c->delta_crl_url != NULL)
		printf("  delta CRL URL: %s\n", c->delta_crl_url);
	printf("  OCSP URL:      %s\n", c->ocsp_url != NULL ? c->ocsp_url :
	    "(none: leaves carry no OCSP URL)");
	if (c->ca_issuers_url != NULL)
		printf("  CA issuers:    %s\n", c->ca_issuers_url);
}

static void
print_subject(const struct ca_config *c)
{
	const char *parts[][2] = { { "C", c->subject_c },
	    { "ST", c->subject_st }, { "L", c->subject_l },
	    { "O", c->subject_o }, { "OU", c->subject_ou },
	    { "CN", c->subject_cn } };
	size_t i;

	printf("  CSR subject:   ");
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (parts[i][1] != NULL)
			printf("%s=%s%s", parts[i][0], parts[i][1],
			    i + 1 < sizeof(parts) / sizeof(parts[0]) ? ", " :
			    "\n");
}

/* Phase 3: the plan, then "yes". */
static int
show_plan(struct init *in)
{
	const struct ca_config *c = in->cfg;
	char a[32], b[32];
	size_t i;

	printf("\nPlan for CA \"%s\" in %s/\n", c->name, in->dir);
	if (c->hsm_uri != NULL)
		printf("  key:           %s, generated in token %s as \"%s\", "
		    "sensitive and\n                 not extractable\n",
		    keytype_name(c->key_type), hsm_token_label(in->hsm),
		    in->label);
	else
		printf("  key:           %s, generated in memory, written "
		    "encrypted to %s\n", keytype_name(c->key_type),
		    c->key_file);
	print_subject(c);
	print_urls(c);
	printf("  profiles:      ");
	for (i = 0; i < c->nprofiles; i++)
		printf("%s%s", i ? ", " : "", c->profiles[i]);
	printf("\n                 (from %s)\n", c->profiles_dir);
	cacfg_duration_text(c->crl_validity, a, sizeof(a));
	printf("  CRL:           valid %s, %u shard%s, %s\n", a, c->crl_shards,
	    c->crl_shards == 1 ? "" : "s", c->crl_delta ? "delta CRLs" :
	    "no delta CRLs");
	cacfg_duration_text(c->ocsp_validity, a, sizeof(a));
	cacfg_duration_text(c->ocsp_refresh, b, sizeof(b));
	printf("  OCSP:          responses valid %s, re-signed after %s\n", a,
	    b);
	printf("  publish:       %s, %s\n\n", c->crl_dir, c->ocsp_dir);
	return ui_confirm("Create this CA?", in->o->yes);
}

static int
stage_write(struct init *in, const char *name, const void *buf, size_t len)
{
	char *path = fileio_join(in->stage, name);
	int ret;

	if (path == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	ret = fileio_write_new(path, buf, len, 0644);
	free(path);
	return ret;
}

static void
hex32(const unsigned char *bin, char out[65])
{
	sodium_bin2hex(out, 65, bin, 32);
}

/* The CA key: in the token, or in memory and written encrypted. */
static int
make_key(struct init *in)
{
	const struct ca_config *c = in->cfg;
	unsigned char fp[32];
	char *path = NULL;
	int ret, sensitive = 0, extractable = 1;

	if (c->hsm_uri != NULL) {
		if ((ret = hsm_generate_key(in->hsm, in->label,
		    c->key_type)) != 0)
			return ret;
		in->generated = 1;
		if ((ret = hsm_key_flags(in->hsm, in->label, &sensitive,
		    &extractable)) != 0 ||
		    (ret = hsm_signing_key(in->hsm, in->label, &in->key)) != 0 ||
		    (ret = hsm_public_key(in->hsm, in->label, &in->pub)) != 0)
			return ret;
		if (!sensitive || extractable)
			return err_set(ERR_NO, "token %s made key \"%s\" %s: "
			    "refusing it", hsm_token_label(in->hsm), in->label,
			    !sensitive ? "not sensitive" : "extractable");
	} else {
		if ((ret = keytype_generate(c->key_type, &in->key)) != 0)
			return ret;
		if (EVP_PKEY_up_ref(in->key) != 1)
			return err_set(ERR_INTERNAL, "out of memory");
		in->pub = in->key;
		if ((path = fileio_join(in->stage, c->written.key_file)) == NULL)
			return err_set(ERR_INTERNAL, "out of memory");
		ret = keyfile_write(path, in->key, in->pin);
		free(path);
		if (ret != 0)
			return ret;
	}
	if ((ret = x509_spki_sha256(in->pub, fp)) != 0)
		return ret;
	hex32(fp, in->spki_hex);
	return 0;
}

/* The Ed25519 key that seals audit.log, encrypted under the same PIN. */
static int
make_audit_key(struct init *in)
{
	unsigned char pk[32];
	EVP_PKEY *ak = NULL;
	char *path = NULL;
	int ret;

	if ((in->audit_sk = secmem_alloc(64)) == NULL)
		return err_set(ERR_INTERNAL, "out of locked memory");
	crypto_sign_keypair(pk, in->audit_sk);
	hex32(pk, in->audit_hex);
	/* libsodium's secret key starts with the 32-byte seed. */
	if ((ak = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
	    in->audit_sk, 32)) == NULL ||
	    (path = fileio_join(in->stage, CACFG_AUDIT_KEY)) == NULL)
		ret = err_set(ERR_INTERNAL, "out of memory");
	else
		ret = keyfile_write(path, ak, in->pin);
	free(path);
	EVP_PKEY_free(ak);
	return ret;
}

/* One directory of a publish path, remembered for the clean-up. */
static int
make_one_dir(struct init *in, const char *path)
{
	if (mkdir(path, 0755) == -1)
		return errno == EEXIST ? 0 : err_set(ERR_IO, "%s: %s", path,
		    strerror(errno));
	if (in->nmade == MAX_DIRS ||
	    (in->made[in->nmade] = strdup(path)) == NULL) {
		(void)rmdir(path);
		return err_set(ERR_INTERNAL, "out of memory");
	}
	in->nmade++;
	/* Public: a web server publishes what pki-crl and pki-ocsp put
	 * here, whatever our umask. */
	if (chmod(path, 0755) == -1)
		return err_set(ERR_IO, "%s: %s", path, strerror(errno));
	return 0;
}

/* mkdir -p of a relative publish path inside the stage. */
static int
make_publish_dir(struct init *in, const char *rel)
{
	char *path, *p, save;
	int ret = 0;

	if (rel[0] == '/')
		return 0;
	if ((path = fileio_join(in->stage, rel)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	for (p = path + strlen(in->stage) + 1; ret == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		save = *p;
		*p = '\0';
		ret = make_one_dir(in, path);
		*p = save;
		if (save == '\0')
			break;
	}
	free(path);
	return ret;
}

static int
make_inventory(struct init *in)
{
	struct db *db = NULL;
	char *path;
	int ret;

	if ((path = fileio_join(in->stage, CACFG_DB)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if ((ret = db_open(path, 1, &db)) == 0 &&
	    (ret = db_meta_set(db, "ca_name", in->cfg->name)) == 0)
		ret = db_meta_set(db, "ca_key_spki_sha256", in->spki_hex);
	db_close(db);
	free(path);
	return ret;
}

static int
add_name_part(X509_NAME *name, const char *field, const char *value)
{
	if (value == NULL)
		return 0;
	if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
	    (const unsigned char *)value, -1, -1, 0) != 1) {
		err_set(ERR_DATA, "subject %s \"%s\" cannot be encoded", field,
		    value);
		err_add_openssl();
		return ERR_DATA;
	}
	return 0;
}

/* Subject and key only: no extensions, no attributes. */
static int
build_csr(struct init *in, X509_REQ **out)
{
	const struct ca_config *c = in->cfg;
	X509_NAME *name = NULL;
	X509_REQ *req = NULL;
	int ret = ERR_INTERNAL;

	if ((req = X509_REQ_new()) == NULL || (name = X509_NAME_new()) == NULL ||
	    X509_REQ_set_version(req, 0) != 1 ||
	    X509_REQ_set_pubkey(req, in->pub) != 1) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	if ((ret = add_name_part(name, "C", c->subject_c)) != 0 ||
	    (ret = add_name_part(name, "ST", c->subject_st)) != 0 ||
	    (ret = add_name_part(name, "L", c->subject_l)) != 0 ||
	    (ret = add_name_part(name, "O", c->subject_o)) != 0 ||
	    (ret = add_name_part(name, "OU", c->subject_ou)) != 0 ||
	    (ret = add_name_part(name, "CN", c->subject_cn)) != 0)
		goto out;
	if (X509_REQ_set_subject_name(req, name) != 1 ||
	    X509_REQ_sign(req, in->key, keytype_digest(c->key_type)) <= 0 ||
	    X509_REQ_verify(req, in->pub) != 1) {
		ret = err_set(ERR_UNAVAILABLE, "the new key could not sign the "
		    "CSR");
		err_add_openssl();
		goto out;
	}
	*out = req;
	req = NULL;
	ret = 0;
out:
	X509_NAME_free(name);
	X509_REQ_free(req);
	return ret;
}

static int
write_csr(struct init *in)
{
	unsigned char *der = NULL, digest[32];
	X509_REQ *req = NULL;
	BIO *bio = NULL;
	char *pem;
	long n;
	int ret, len;

	if ((ret = build_csr(in, &req)) != 0)
		return ret;
	ret = err_set(ERR_INTERNAL, "out of memory");
	if ((len = i2d_X509_REQ(req, &der)) <= 0 ||
	    (bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509_REQ(bio, req) != 1 ||
	    (n = BIO_get_mem_data(bio, &pem)) <= 0)
		goto out;
	if (EVP_Digest(der, (size_t)len, digest, NULL, EVP_sha256(),
	    NULL) != 1)
		goto out;
	hex32(digest, in->csr_hex);
	ret = stage_write(in, CACFG_CSR, pem, (size_t)n);
out:
	BIO_free(bio);
	OPENSSL_free(der);
	X509_REQ_free(req);
	return ret;
}

static int
write_config(struct init *in)
{
	char *path;
	int ret;

	if ((ret = cacfg_set_identity(in->cfg, in->spki_hex,
	    in->audit_hex)) != 0)
		return ret;
	if ((path = fileio_join(in->stage, CACFG_FILE)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	ret = cacfg_write(in->cfg, path, 0);
	free(path);
	return ret;
}

/* The first entry of audit.log, sealed: what was made, from what. */
static int
start_audit(struct init *in)
{
	const struct ca_config *c = in->cfg;
	struct json_buf *j = NULL;
	struct audit *a = NULL;
	const char *members;
	char *path = NULL, hex[65];
	int ret;

	if ((ret = json_new(&j)) != 0)
		return ret;
	json_add_str(j, "ca", c->name);
	json_add_str(j, "key_type", keytype_name(c->key_type));
	json_add_str(j, "key", c->hsm_uri != NULL ? c->hsm_uri :
	    c->written.key_file);
	if (in->hsm != NULL) {
		json_add_str(j, "token", hsm_token_label(in->hsm));
		json_add_str(j, "token_serial", hsm_token_serial(in->hsm));
	}
	json_add_str(j, "key_spki_sha256", in->spki_hex);
	json_add_str(j, "audit_key", in->audit_hex);
	json_add_str(j, "csr_sha256", in->csr_hex);
	json_add_str(j, "init_file", in->o->config);
	hex32(c->sha256, hex);
	json_add_str(j, "init_file_sha256", hex);
	json_add_str_array(j, "profiles", c->profiles, c->nprofiles);
	if ((ret = json_text(j, &members, NULL)) != 0 ||
	    (path = fileio_join(in->stage, CACFG_AUDIT)) == NULL) {
		ret = ret != 0 ? ret : err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	if ((ret = audit_open(path, PROG, 1, &a)) == 0 &&
	    (ret = audit_append(a, "ca-init", members)) == 0)
		ret = audit_seal(a, in->audit_sk);
out:
	audit_close(a);
	free(path);
	json_free(j);
	return ret;
}

/* Phase 4: build the CA directory in the stage. */
static int
build(struct init *in)
{
	int ret;

	/* From here on a signal stops us only at a step boundary, where
	 * the key is deleted from the token again. */
	ui_block_signals();
	if ((ret = fileio_stage_begin(in->dir, &in->stage)) != 0 ||
	    (ret = make_key(in)) != 0 || (ret = ui_interrupted()) != 0 ||
	    (ret = make_audit_key(in)) != 0 ||
	    (ret = make_publish_dir(in, in->cfg->written.crl_dir)) != 0 ||
	    (ret = make_publish_dir(in, in->cfg->written.ocsp_dir)) != 0 ||
	    (ret = make_inventory(in)) != 0 ||
	    (ret = write_csr(in)) != 0 ||
	    (ret = write_config(in)) != 0 ||
	    (ret = start_audit(in)) != 0 || (ret = ui_interrupted()) != 0)
		return ret;
	return fileio_stage_commit(in->stage, in->dir);
}

static void
report(const struct init *in)
{
	const struct ca_config *c = in->cfg;

	printf("Wrote %s/\n", in->dir);
	printf("  CA key SHA-256 (SubjectPublicKeyInfo):\n    %s\n",
	    in->spki_hex);
	printf("  CSR for the root signing ceremony: %s\n    SHA-256 of its "
	    "DER: %s\n", c->csr_path, in->csr_hex);
	printf("  audit log sealed with key %s\n", in->audit_hex);
	printf("Next: sign %s at the root ceremony (pki-root-sign), then\n"
	    "  pki-ca-install --ca %s CERT ROOT\n", c->csr_path, in->dir);
}

static void
init_cleanup(struct init *in, int failed)
{
	size_t i;

	if (failed && in->generated && in->hsm != NULL)
		(void)hsm_delete_key(in->hsm, in->label);
	if (failed && in->stage != NULL) {
		/* fileio_stage_abort() removes one level: the publish
		 * directories go first, deepest first. */
		for (i = in->nmade; i > 0; i--)
			(void)rmdir(in->made[i - 1]);
		fileio_stage_abort(in->stage);
	}
	for (i = 0; i < in->nmade; i++)
		free(in->made[i]);
	free(in->stage);
	secmem_free(in->audit_sk);
	EVP_PKEY_free(in->key);
	EVP_PKEY_free(in->pub);
	hsm_close(in->hsm);
	secmem_free(in->pin);
	cacfg_free(in->cfg);
	free(in->dir);
}

static int
run(const struct opts *o)
{
	struct init in;
	size_t len;
	int ret;

	memset(&in, 0, sizeof(in));
	in.o = o;
	if ((ret = secmem_init()) != 0)
		return ret;
	if ((in.dir = strdup(o->dir)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	/* "prod/" names the directory prod, whose stage is beside it. */
	for (len = strlen(in.dir); len > 1 && in.dir[len - 1] == '/'; len--)
		in.dir[len - 1] = '\0';
	/* Phase 2: load and check; open the token. */
	if ((ret = load_and_check(&in)) != 0)
		goto out;
	/* Phase 3: show the plan and wait for "yes". */
	if ((ret = show_plan(&in)) != 0)
		goto out;
	/* Phase 4: build the directory and publish it with one rename. */
	if ((ret = build(&in)) != 0)
		goto out;
	/* Phase 5: say what to do next. */
	report(&in);
out:
	init_cleanup(&in, ret);
	return ret;
}

int
main(int argc, char **argv)
{
	struct opts o;
	int ret;

	if ((ret = parse_args(argc, argv, &o)) != 0) {
		if (err_msg()[0] == '\0')
			usage(stderr);
		return err_report(PROG, ret);
	}
	return err_report(PROG, run(&o));
}
