/*
 * pki-ca-install: check the certificate the root ceremony signed for an
 * online CA, and make the CA active.
 *
 * Trusts only ROOT, as given on the command line, and the CA directory.
 * The certificate must be for this CA's key (the key fingerprint
 * ca.yaml recorded at init, and a test signature by the key itself), a
 * CA certificate (basicConstraints CA:TRUE, keyUsage keyCertSign and
 * cRLSign), within its validity, and must chain to ROOT with ROOT as the
 * only trust anchor.  Its subject, validity, path length and name
 * constraints are shown, and only after "yes" (or --yes) are ca.pem,
 * ca-chain.pem and root.pem written (each atomically), the installation
 * logged and sealed in audit.log, and ca.yaml rewritten with
 * "installed: true" -- the one step that makes the CA active.
 *
 * A CA is installed once; a second certificate is accepted only as a
 * renewal: same key, same subject, a later notAfter.  Everything holds
 * the audit log's lock from the re-check of ca.yaml to its rewrite, so
 * two installs cannot interleave.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sodium.h>

#include "args.h"
#include "audit.h"
#include "cacfg.h"
#include "err.h"
#include "fileio.h"
#include "intermediate.h"
#include "json.h"
#include "pin.h"
#include "secmem.h"
#include "ui.h"
#include "x509.h"

#define PROG	"pki-ca-install"

struct opts {
	const char *dir;
	const char *cert;
	const char *root;
	int yes;
	struct pin_source pin;
};

struct install {
	const struct opts *o;
	struct ca_config *cfg;
	X509 *cert, *root;
	X509 *old;			/* the installed certificate, if any */
	struct ca_key *key;
	char cert_hex[65], root_hex[65], old_hex[65];
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s [--ca DIR] [--yes] [--pin-file FILE | "
	    "--pin-fd N] CERT ROOT\n"
	    "       %s --help | --version\n", PROG, PROG);
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "ca", required_argument, NULL, 'd' },
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
	if (argc - optind != 2)
		return err_set(ERR_USAGE, "give the certificate and the root "
		    "certificate (see --help)");
	o->cert = argv[optind];
	o->root = argv[optind + 1];
	if ((o->dir = cacfg_dir_from_env(ca)) == NULL)
		return ERR_USAGE;
	return 0;
}

static int
cert_hex(X509 *cert, char out[65])
{
	unsigned char d[32];
	int ret;

	if ((ret = x509_cert_sha256(cert, d)) != 0)
		return ret;
	sodium_bin2hex(out, 65, d, sizeof(d));
	return 0;
}

/* The certificate's key must be the one pki-ca-init made. */
static int
check_key(const struct install *in)
{
	unsigned char d[32];
	char hex[65];
	int ret;

	if ((ret = x509_spki_sha256(X509_get0_pubkey(in->cert), d)) != 0)
		return ret;
	sodium_bin2hex(hex, sizeof(hex), d, sizeof(d));
	if (strcmp(hex, in->cfg->key_spki_sha256) != 0)
		return err_set(ERR_NO, "%s: its public key is not the key of CA "
		    "%s (key SHA-256 %.16s..., the CA's is %.16s...)",
		    in->o->cert, in->cfg->name, hex, in->cfg->key_spki_sha256);
	return 0;
}

/* basicConstraints CA:TRUE, keyUsage keyCertSign and cRLSign. */
static int
check_ca(const struct install *in)
{
	uint32_t flags = X509_get_extension_flags(in->cert);
	uint32_t ku = X509_get_key_usage(in->cert);
	const char *p = in->o->cert;

	if (flags & EXFLAG_INVALID)
		return err_set(ERR_NO, "%s: malformed or duplicate extensions",
		    p);
	if (!(flags & EXFLAG_BCONS) || !(flags & EXFLAG_CA))
		return err_set(ERR_NO, "%s: not a CA certificate "
		    "(basicConstraints CA:TRUE is missing)", p);
	if (!(flags & EXFLAG_KUSAGE) || !(ku & KU_KEY_CERT_SIGN))
		return err_set(ERR_NO, "%s: keyUsage does not allow "
		    "keyCertSign: the CA could not sign certificates", p);
	if (!(ku & KU_CRL_SIGN))
		return err_set(ERR_NO, "%s: keyUsage does not allow cRLSign: "
		    "the CRLs this CA publishes would not verify", p);
	return 0;
}

static int
check_validity(const struct install *in)
{
	const ASN1_TIME *nb = X509_get0_notBefore(in->cert);
	const ASN1_TIME *na = X509_get0_notAfter(in->cert);
	char t[64];

	if (X509_cmp_current_time(nb) >= 0) {
		x509_time_text(nb, t, sizeof(t));
		return err_set(ERR_NO, "%s: not valid before %s", in->o->cert,
		    t);
	}
	if (X509_cmp_current_time(na) <= 0) {
		x509_time_text(na, t, sizeof(t));
		return err_set(ERR_NO, "%s: expired on %s", in->o->cert, t);
	}
	return 0;
}

/* ROOT is the only trust anchor; no other certificate is offered. */
static int
check_chain(const struct install *in)
{
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	int ret = err_set(ERR_INTERNAL, "out of memory");

	if ((store = X509_STORE_new()) == NULL ||
	    X509_STORE_add_cert(store, in->root) != 1 ||
	    (ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, store, in->cert, NULL) != 1)
		goto out;
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_X509_STRICT |
	    X509_V_FLAG_CHECK_SS_SIGNATURE);
	if (X509_verify_cert(ctx) == 1)
		ret = 0;
	else
		ret = err_set(ERR_NO, "%s does not chain to %s: %s (depth %d)",
		    in->o->cert, in->o->root, X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(ctx)),
		    X509_STORE_CTX_get_error_depth(ctx));
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ret;
}

/* Installed already: only a renewal (same subject, later notAfter). */
static int
check_renewal(struct install *in)
{
	const char *name = in->cfg->name;
	int ret;

	if ((ret = cacfg_load_cert(in->cfg, &in->old)) != 0 ||
	    (ret = cert_hex(in->old, in->old_hex)) != 0)
		return ret;
	if (strcmp(in->old_hex, in->cert_hex) == 0)
		return err_set(ERR_EXISTS, "CA %s is already installed with "
		    "%s", name, in->o->cert);
	if (X509_NAME_cmp(X509_get_subject_name(in->old),
	    X509_get_subject_name(in->cert)) != 0)
		return err_set(ERR_EXISTS, "CA %s is already installed, and %s "
		    "has another subject: a second certificate is accepted "
		    "only as a renewal (same key, same subject, later "
		    "notAfter)", name, in->o->cert);
	if (ASN1_TIME_compare(X509_get0_notAfter(in->cert),
	    X509_get0_notAfter(in->old)) <= 0)
		return err_set(ERR_EXISTS, "CA %s is already installed, and %s "
		    "does not expire later than the installed certificate: "
		    "it is no renewal", name, in->o->cert);
	return 0;
}

/* Phase 2: load everything and check it; nothing needs the PIN yet. */
static int
load_and_check(struct install *in)
{
	int ret;

	if ((ret = cacfg_load(in->o->dir, &in->cfg)) != 0 ||
	    (ret = x509_load(in->o->cert, &in->cert)) != 0 ||
	    (ret = x509_load(in->o->root, &in->root)) != 0 ||
	    (ret = cert_hex(in->cert, in->cert_hex)) != 0 ||
	    (ret = cert_hex(in->root, in->root_hex)) != 0)
		return ret;
	if ((ret = check_key(in)) != 0 || (ret = check_ca(in)) != 0 ||
	    (ret = check_validity(in)) != 0 || (ret = check_chain(in)) != 0)
		return ret;
	if (in->cfg->installed)
		return check_renewal(in);
	return 0;
}

static void
print_cert(X509 *cert, const char *label)
{
	char *subject = x509_subject_line(cert), *serial;
	char nb[64], na[64];

	serial = x509_serial_hex(cert);
	x509_time_text(X509_get0_notBefore(cert), nb, sizeof(nb));
	x509_time_text(X509_get0_notAfter(cert), na, sizeof(na));
	printf("  %-12s %s\n", label, subject != NULL ? subject : "?");
	printf("  %-12s %s\n", "serial:", serial != NULL ? serial : "?");
	printf("  %-12s %s to %s\n", "valid:", nb, na);
	free(subject);
	free(serial);
}

/* A name as x509_subject_line() writes a subject; malloc'd or NULL. */
static char *
name_line(const X509_NAME *name)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *line = NULL;
	long n;

	if (bio != NULL && X509_NAME_print_ex(bio, name, 0,
	    XN_FLAG_RFC2253) >= 0 && (n = BIO_get_mem_data(bio, &data)) >= 0)
		line = strndup(data, (size_t)n);
	BIO_free(bio);
	return line;
}

/* Phase 4: what is about to become this CA's certificate. */
static int
preview(struct install *in)
{
	long pathlen = X509_get_pathlen(in->cert);
	char *issuer, *text = NULL;
	int ret;

	if ((ret = intermediate_describe(in->cert, &text)) != 0)
		return ret;
	issuer = name_line(X509_get_issuer_name(in->cert));
	printf("\n%s certificate for CA \"%s\" (%s/)\n", in->old != NULL ?
	    "Renewed" : "The", in->cfg->name, in->o->dir);
	print_cert(in->cert, "subject:");
	printf("  %-12s %s\n", "issuer:", issuer != NULL ? issuer : "?");
	if (pathlen < 0)
		printf("  %-12s none (no pathLen constraint)\n", "path length:");
	else
		printf("  %-12s %ld%s\n", "path length:", pathlen,
		    pathlen == 0 ? " (issues leaves only)" : "");
	printf("  %-12s %s\n", "SHA-256:", in->cert_hex);
	printf("  %-12s proven: a test signature by %s verifies\n", "key:",
	    in->cfg->hsm_uri != NULL ? in->cfg->hsm_uri : in->cfg->key_file);
	printf("  %-12s %s (SHA-256 %s)\n", "root:", in->o->root,
	    in->root_hex);
	if (in->old != NULL)
		printf("  %-12s %s\n", "replaces:", in->old_hex);
	printf("%s\n", text);
	free(issuer);
	free(text);
	return ui_confirm("Install this certificate?", in->o->yes);
}

/* Phase 3: the key must sign for the certificate; the same PIN opens
 * the audit key that seals the log. */
static int
prove_key(struct install *in)
{
	return cacfg_open_key(in->cfg, &in->o->pin, in->cert, CACFG_KEY_AUDIT,
	    &in->key);
}

/* PEM certificates, one after the other, published atomically. */
static int
write_pem(const char *path, X509 *a, X509 *b)
{
	unsigned char *pa = NULL, *pb = NULL, *all = NULL;
	size_t la, lb = 0;
	int ret;

	if ((ret = x509_pem(a, &pa, &la)) != 0 ||
	    (b != NULL && (ret = x509_pem(b, &pb, &lb)) != 0))
		goto out;
	if ((all = malloc(la + lb)) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	memcpy(all, pa, la);
	if (lb > 0)
		memcpy(all + la, pb, lb);
	ret = fileio_write_atomic(path, all, la + lb, 0644, 1);
out:
	free(pa);
	free(pb);
	free(all);
	return ret;
}

static int
audit_entry(const struct install *in, struct audit *a)
{
	struct json_buf *j = NULL;
	char *subject = NULL, *serial = NULL, nb[64], na[64];
	const char *members;
	int ret;

	if ((ret = json_new(&j)) != 0)
		return ret;
	subject = x509_subject_line(in->cert);
	serial = x509_serial_hex(in->cert);
	x509_time_text(X509_get0_notBefore(in->cert), nb, sizeof(nb));
	x509_time_text(X509_get0_notAfter(in->cert), na, sizeof(na));
	json_add_str(j, "ca", in->cfg->name);
	json_add_str(j, "certificate_sha256", in->cert_hex);
	json_add_str(j, "serial", serial != NULL ? serial : "?");
	json_add_str(j, "subject", subject != NULL ? subject : "?");
	json_add_str(j, "not_before", nb);
	json_add_str(j, "not_after", na);
	json_add_int(j, "path_len", X509_get_pathlen(in->cert));
	json_add_str(j, "root_sha256", in->root_hex);
	json_add_bool(j, "renewal", in->old != NULL);
	if (in->old != NULL)
		json_add_str(j, "replaces", in->old_hex);
	if ((ret = json_text(j, &members, NULL)) == 0 &&
	    (ret = audit_append(a, "ca-install", members)) == 0)
		ret = audit_seal(a, cacfg_key_audit_sk(in->key));
	free(subject);
	free(serial);
	json_free(j);
	return ret;
}

/* ca.yaml is still as checked: nobody installed meanwhile. */
static int
unchanged(const struct install *in, const struct ca_config *now)
{
	const struct ca_config *was = in->cfg;

	if (now->installed == was->installed && (!now->installed ||
	    strcmp(now->cert_sha256, was->cert_sha256) == 0) &&
	    strcmp(now->key_spki_sha256, was->key_spki_sha256) == 0)
		return 0;
	return err_set(ERR_EXISTS, "%s changed while %s ran (another "
	    "installation?): run it again", now->path, PROG);
}

/* Phase 5: write the certificates, log, then the one step that makes
 * the CA active: ca.yaml with installed: true. */
static int
commit(struct install *in)
{
	const struct ca_config *c = in->cfg;
	struct ca_config *now = NULL;
	struct audit *a = NULL;
	int ret;

	ui_block_signals();
	if ((ret = audit_open(c->audit_path, PROG, 0, &a)) != 0 ||
	    (ret = cacfg_load(in->o->dir, &now)) != 0 ||
	    (ret = unchanged(in, now)) != 0)
		goto out;
	if ((ret = write_pem(c->root_path, in->root, NULL)) != 0 ||
	    (ret = write_pem(c->chain_path, in->cert, in->root)) != 0 ||
	    (ret = write_pem(c->cert_path, in->cert, NULL)) != 0 ||
	    (ret = ui_interrupted()) != 0 ||
	    (ret = audit_entry(in, a)) != 0 ||
	    (ret = cacfg_set_installed(now, in->cert_hex)) != 0)
		goto out;
	ret = cacfg_write(now, now->path, 1);
out:
	audit_close(a);
	cacfg_free(now);
	return ret;
}

static int
run(const struct opts *o)
{
	struct install in;
	int ret;

	memset(&in, 0, sizeof(in));
	in.o = o;
	if ((ret = secmem_init()) != 0)
		return ret;
	/* Phase 2: load and check the certificate. */
	if ((ret = load_and_check(&in)) != 0)
		goto out;
	/* Phase 3: prove the key. */
	if ((ret = prove_key(&in)) != 0)
		goto out;
	/* Phase 4: show it and wait for "yes". */
	if ((ret = preview(&in)) != 0)
		goto out;
	/* Phase 5: install. */
	if ((ret = commit(&in)) != 0)
		goto out;
	printf("CA %s is installed and active: %s, %s, %s\n", in.cfg->name,
	    in.cfg->cert_path, in.cfg->chain_path, in.cfg->root_path);
out:
	cacfg_key_close(in.key);
	X509_free(in.cert);
	X509_free(in.root);
	X509_free(in.old);
	cacfg_free(in.cfg);
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
