/*
 * pki-renew: renew a deployed certificate if it is due, for cron and
 * scripts, and run a deploy hook.
 *
 * Due (by default) once two thirds of the lifetime have passed, as
 * cert-manager decides; --before D and --ratio N/M move the point.  A
 * renewal issues a certificate with the same names under the same
 * profile through the pipeline pki-issue uses (pending row, lint,
 * signature, issued row, audit entry), for a new key of the same type
 * (or the same key with --reuse-key), then replaces the key, chain and
 * certificate as one unit (deploy.h) and runs the hook.
 *
 * Trusts the CA directory; trusts nothing in CERT until its signature
 * verifies under the CA's certificate.  Invariants: nothing is written
 * before the new certificate is issued and recorded; a failure before
 * the replacement leaves CERT, CHAIN and KEY byte for byte as they were;
 * the new private key lives only in OpenSSL's secure heap and secmem
 * buffers until it is written 0600.
 */
#include <sys/stat.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "audit.h"
#include "cacfg.h"
#include "certout.h"
#include "db.h"
#include "deploy.h"
#include "args.h"
#include "err.h"
#include "issuer.h"
#include "json.h"
#include "pin.h"
#include "profile.h"
#include "renewal.h"
#include "secmem.h"
#include "x509.h"

#define PROG		"pki-renew"
#define LOCK_WAIT	60		/* seconds */
#define NOT_DUE		1	/* run(): --check found nothing due */

struct opts {
	const char *ca_dir, *cert, *key, *chain, *profile, *before, *ratio;
	const char *exec;
	long long before_s;
	unsigned long ratio_n, ratio_d;
	int dry_run, check, reuse_key, json, format_set;
	struct pin_source pin;
	int pin_set;
};

/* One renewal on its way. */
struct job {
	const struct opts *o;
	struct deploy_paths paths;
	mode_t cmask;		/* the caller's umask, for the hook */
	time_t now, due_at, not_after;
	X509 *old;			/* CERT as found */
	char *old_serial;
	char *profile;			/* --profile or the inventory's */
	EVP_PKEY *key;			/* the new (or reused) key */
	X509 *cert;			/* the new certificate */
	char serial[41];
	char *sans_json;
	int recovered;		/* finished an interrupted renewal */
	int hook_status;		/* -1: no hook ran */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: %s [--ca DIR] --cert CERT --key KEY [--chain FILE] "
	    "[--profile NAME]\n"
	    "           [--before D | --ratio N/M] [--reuse-key] "
	    "[--exec CMD] [--dry-run]\n"
	    "           [--format text|json] [--pin-file FILE | --pin-fd N]\n"
	    "       %s --check --cert CERT [--before D | --ratio N/M] "
	    "[--format text|json]\n"
	    "       %s --help | --version\n", PROG, PROG, PROG);
}

/* prefix, then the detail message already recorded (copied first: the
 * detail buffer must not be read while err_set() writes it). */
static int
err_prefix(int code, const char *prefix)
{
	char detail[1024];

	snprintf(detail, sizeof(detail), "%s", err_msg());
	return err_set(code, "%s%s", prefix, detail);
}

static int
parse_format(const char *s, struct opts *o)
{
	if (o->format_set++)
		return err_set(ERR_USAGE, "--format given twice");
	if (strcmp(s, "json") == 0)
		o->json = 1;
	else if (strcmp(s, "text") != 0)
		return err_set(ERR_USAGE, "--format %s: use text or json", s);
	return 0;
}

static int
check_args(struct opts *o)
{
	int ret;

	if (o->cert == NULL)
		return err_set(ERR_USAGE, "--cert is required");
	if (o->before != NULL && o->ratio != NULL)
		return err_set(ERR_USAGE, "give --before or --ratio, not both");
	if (o->before != NULL &&
	    (ret = profile_parse_duration(o->before, &o->before_s)) != 0)
		return err_prefix(ERR_USAGE, "--before: ");
	o->ratio_n = 2;
	o->ratio_d = 3;
	if (o->ratio != NULL && (ret = renewal_parse_ratio(o->ratio,
	    &o->ratio_n, &o->ratio_d)) != 0)
		return err_prefix(ret, "--ratio: ");
	if (o->check) {
		/* The options that act are ignored, so that a script can
		 * pass one argument list to --check and to the renewal. */
		if (o->dry_run)
			return err_set(ERR_USAGE, "give --check or --dry-run, "
			    "not both");
		return 0;
	}
	if (o->key == NULL)
		return err_set(ERR_USAGE, "--key is required");
	return 0;
}

static int
parse_option(int c, struct opts *o)
{
	switch (c) {
	case 'a': return args_once(&o->ca_dir, optarg, "ca");
	case 'c': return args_once(&o->cert, optarg, "cert");
	case 'k': return args_once(&o->key, optarg, "key");
	case 'C': return args_once(&o->chain, optarg, "chain");
	case 'r': return args_once(&o->profile, optarg, "profile");
	case 'b': return args_once(&o->before, optarg, "before");
	case 'R': return args_once(&o->ratio, optarg, "ratio");
	case 'e': return args_once(&o->exec, optarg, "exec");
	case 'n': return args_flag(&o->dry_run, "dry-run");
	case 'K': return args_flag(&o->check, "check");
	case 'u': return args_flag(&o->reuse_key, "reuse-key");
	case 'm': return parse_format(optarg, o);
	case 'p': case 'f':
		if (o->pin_set++)
			return err_set(ERR_USAGE, "give one source for the "
			    "PIN");
		return pin_source_parse(c == 'p' ? "--pin-file" : "--pin-fd",
		    optarg, &o->pin);
	case 'h':
		usage(stdout);
		exit(0);
	case 'V':
		printf("%s %s\n", PROG, PKI_VERSION);
		exit(0);
	default:
		return ERR_USAGE;
	}
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "ca", required_argument, NULL, 'a' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "chain", required_argument, NULL, 'C' },
		{ "profile", required_argument, NULL, 'r' },
		{ "before", required_argument, NULL, 'b' },
		{ "ratio", required_argument, NULL, 'R' },
		{ "exec", required_argument, NULL, 'e' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "check", no_argument, NULL, 'K' },
		{ "reuse-key", no_argument, NULL, 'u' },
		{ "format", required_argument, NULL, 'm' },
		{ "pin-file", required_argument, NULL, 'p' },
		{ "pin-fd", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c, ret = 0;

	memset(o, 0, sizeof(*o));
	while (ret == 0 &&
	    (c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		ret = parse_option(c, o);
	if (ret != 0)
		return ret;
	if (optind != argc)
		return err_set(ERR_USAGE, "unexpected argument \"%s\"",
		    argv[optind]);
	return check_args(o);
}

/* --- when is it due ------------------------------------------------- */

static time_t
asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return timegm(&tm);
}

static void
iso_time(time_t t, char buf[32])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, 32, "?");
}

/* Load CERT and decide when it is due. */
static int
load_cert(struct job *r)
{
	const struct opts *o = r->o;
	int ret;

	if ((ret = x509_load(o->cert, &r->old)) != 0)
		return ret;
	if ((r->old_serial = x509_serial_hex(r->old)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if ((ret = renewal_due(r->old, o->before_s, o->ratio_n, o->ratio_d,
	    &r->due_at, &r->not_after)) != 0)
		return err_set(ret, "%s: its validity cannot be read",
		    o->cert);
	return 0;
}

/* --- reports -------------------------------------------------------- */

static void
print_json(struct json_buf *j)
{
	const char *text;

	if (json_end_object(j) == 0 && json_text(j, &text, NULL) == 0)
		printf("%s\n", text);
	else
		fprintf(stderr, "%s: cannot format the report: %s\n", PROG,
		    err_msg());
}

/* "not due" and "due" (--check). */
static void
report_due(const struct job *r, int due)
{
	char na[32], at[32];
	struct json_buf *j = NULL;

	iso_time(r->not_after, na);
	iso_time(r->due_at, at);
	if (!r->o->json) {
		printf("%s: %s: serial %s expires %s, renewal %s %s\n",
		    r->o->cert, due ? "due" : "not due", r->old_serial, na,
		    due ? "due since" : "due at", at);
		return;
	}
	if (json_new(&j) != 0)
		return;
	json_begin_object(j, NULL);
	json_add_str(j, "status", due ? "due" : "not due");
	json_add_str(j, "cert", r->o->cert);
	json_add_str(j, "serial", r->old_serial);
	json_add_str(j, "not_after", na);
	json_add_str(j, "due_at", at);
	print_json(j);
	json_free(j);
}

static void
report_dry_run(const struct job *r)
{
	struct json_buf *j = NULL;
	const char *key = r->o->reuse_key ? "reused" : "new";
	char at[32];

	iso_time(r->due_at, at);
	if (!r->o->json) {
		printf("%s: would renew serial %s (due since %s) under profile "
		    "%s with %s key, names %s; nothing was changed\n",
		    r->o->cert, r->old_serial, at, r->profile,
		    r->o->reuse_key ? "the same" : "a new", r->sans_json);
		return;
	}
	if (json_new(&j) != 0)
		return;
	json_begin_object(j, NULL);
	json_add_str(j, "status", "would renew");
	json_add_str(j, "cert", r->o->cert);
	json_add_str(j, "serial", r->old_serial);
	json_add_str(j, "due_at", at);
	json_add_str(j, "profile", r->profile);
	json_add_str(j, "key", key);
	json_add_raw(j, "names", r->sans_json);
	print_json(j);
	json_free(j);
}

static void
report_renewed(const struct job *r)
{
	struct json_buf *j = NULL;
	char na[32];

	iso_time(asn1_time(X509_get0_notAfter(r->cert)), na);
	if (!r->o->json) {
		printf("%s: renewed%s: serial %s replaced by %s, expires %s\n",
		    r->o->cert, r->recovered ? " (an interrupted renewal "
		    "completed)" : "", r->old_serial, r->serial, na);
		return;
	}
	if (json_new(&j) != 0)
		return;
	json_begin_object(j, NULL);
	json_add_str(j, "status", "renewed");
	json_add_str(j, "cert", r->o->cert);
	json_add_str(j, "key", r->o->key);
	if (r->o->chain != NULL)
		json_add_str(j, "chain", r->o->chain);
	json_add_str(j, "old_serial", r->old_serial);
	json_add_str(j, "serial", r->serial);
	if (r->profile != NULL)
		json_add_str(j, "profile", r->profile);
	json_add_str(j, "not_after", na);
	json_add_bool(j, "key_reused", r->o->reuse_key);
	json_add_bool(j, "recovered", r->recovered);
	if (r->hook_status >= 0)
		json_add_int(j, "hook_status", r->hook_status);
	print_json(j);
	json_free(j);
}

/* --- checks against the CA and the inventory ------------------------ */

static int
check_issued_by(const struct job *r, const struct ca_config *cfg,
    X509 *ca)
{
	char *issuer = NULL;
	int ret = 0;

	if (X509_check_issued(ca, r->old) != X509_V_OK) {
		issuer = X509_NAME_oneline(X509_get_issuer_name(r->old),
		    NULL, 0);
		ret = err_set(ERR_NO, "%s was not issued by CA %s (its issuer "
		    "%s or authority key identifier is another CA's)",
		    r->o->cert, cfg->name, issuer != NULL ? issuer : "?");
	} else if (X509_verify(r->old, X509_get0_pubkey(ca)) != 1)
		ret = err_set(ERR_NO, "%s: its signature does not verify under "
		    "the key of CA %s", r->o->cert, cfg->name);
	OPENSSL_free(issuer);
	ERR_clear_error();
	return ret;
}

/* The profile: --profile, else the inventory's record of the serial. */
static int
find_profile(struct job *r, struct db *db, const char *ca)
{
	struct db_cert row;
	int ret;

	memset(&row, 0, sizeof(row));
	ret = db_get(db, r->old_serial, &row);
	if (ret == ERR_NOINPUT && r->o->profile == NULL)
		return err_set(ERR_NOINPUT, "%s: serial %s is not in the "
		    "inventory of CA %s, so its profile is unknown: give "
		    "--profile", r->o->cert, r->old_serial, ca);
	if (ret != 0 && ret != ERR_NOINPUT)
		return ret;
	if (ret == 0 && strcmp(row.status, "revoked") == 0)
		ret = err_set(ERR_NO, "%s: serial %s is revoked: it is not "
		    "renewed (issue a new certificate with pki-issue)",
		    r->o->cert, r->old_serial);
	else {
		r->profile = strdup(r->o->profile != NULL ? r->o->profile :
		    row.profile);
		ret = r->profile != NULL ? 0 : err_set(ERR_INTERNAL,
		    "out of memory");
	}
	db_cert_clear(&row);
	return ret;
}

/* Before any PIN is asked: is CERT ours, and under which profile? */
static int
check_ca(struct job *r, const char *dir)
{
	struct ca_config *cfg = NULL;
	struct db *db = NULL;
	X509 *ca = NULL;
	int ret;

	if ((ret = cacfg_load(dir, &cfg)) != 0 ||
	    (ret = cacfg_load_cert(cfg, &ca)) != 0 ||
	    (ret = check_issued_by(r, cfg, ca)) != 0 ||
	    (ret = db_open(cfg->db_path, 0, &db)) != 0)
		goto out;
	ret = find_profile(r, db, cfg->name);
out:
	db_close(db);
	X509_free(ca);
	cacfg_free(cfg);
	return ret;
}

/* --- the key ---------------------------------------------------------- */

/* KEY, if it exists, must be CERT's key; --reuse-key takes it. */
static int
check_key(struct job *r)
{
	EVP_PKEY *key = NULL;
	int ret;

	ret = deploy_read_key(r->o->key, &key);
	if (ret == ERR_NOINPUT && !r->o->reuse_key) {
		err_clear();
		return 0;	/* a new key goes where none was */
	}
	if (ret != 0)
		return ret;
	if (EVP_PKEY_eq(X509_get0_pubkey(r->old), key) != 1) {
		ERR_clear_error();
		EVP_PKEY_free(key);
		return err_set(ERR_DATA, "%s does not hold the private key of "
		    "%s: fix the paths, or remove the stale key file",
		    r->o->key, r->o->cert);
	}
	if (r->o->reuse_key)
		r->key = key;
	else
		EVP_PKEY_free(key);
	return 0;
}

/* --- issuance ------------------------------------------------------- */

static int
audit_renewal(struct issuer *is, const struct job *r)
{
	struct json_buf *j = NULL;
	const char *members;
	int ret;

	if ((ret = json_new(&j)) != 0)
		return ret;
	json_add_str(j, "requester", audit_login_name());
	json_add_str(j, "profile", r->profile);
	json_add_str(j, "old_serial", r->old_serial);
	json_add_str(j, "serial", r->serial);
	json_add_str(j, "cert", r->o->cert);
	json_add_bool(j, "key_reused", r->o->reuse_key);
	if ((ret = json_text(j, &members, NULL)) == 0)
		ret = cacfg_audit(issuer_config(is), issuer_key(is), PROG,
		    "renew", members);
	json_free(j);
	return ret;
}

/* Steps 1-4 of issuer.h; with --dry-run only step 1. */
static int
issue(struct job *r, struct issuer *is, X509_REQ *csr,
    const struct renewal_names *f)
{
	struct issue_request rq;
	struct issue_item item;
	int ret;

	memset(&rq, 0, sizeof(rq));
	memset(&item, 0, sizeof(item));
	rq.source = r->o->cert;
	rq.profile = r->profile;
	rq.csr = csr;
	rq.flag_kinds = f->kinds;
	rq.flag_names = (const char *const *)f->values;
	rq.nflags = f->n;
	rq.requester = audit_login_name();
	rq.program = "pki-renew";
	item.want_cert = 1;
	issuer_prepare(is, &rq, r->now, &item);
	if (item.ret == 0 && !r->o->dry_run &&
	    (ret = issuer_reserve(is, &item, 1)) != 0)
		goto out;
	if (!r->o->dry_run) {
		issuer_sign(is, &item);
		if ((ret = issuer_complete(is, &item, 1)) != 0)
			goto out;
	}
	if ((ret = item.ret) != 0) {
		err_set(ret, "%s", item.error);
		goto out;
	}
	snprintf(r->serial, sizeof(r->serial), "%s", item.serial);
	r->sans_json = item.sans_json;
	item.sans_json = NULL;
	if (r->o->dry_run) {
		/* For the report only: what would be signed. */
		r->cert = item.linted;
		item.linted = NULL;
	} else if ((ret = issue_item_cert(&item, &r->cert)) == 0)
		ret = audit_renewal(is, r);
out:
	issue_item_clear(&item);
	return ret;
}

/* The request for the profile, then issuance. */
static int
request_and_issue(struct job *r, struct issuer *is)
{
	const struct profile *p;
	struct renewal_names f;
	X509_REQ *csr = NULL;
	int ret;

	memset(&f, 0, sizeof(f));
	if ((ret = issuer_profile(is, r->profile, &p)) != 0 ||
	    (ret = renewal_request(r->old, r->key, p->names_from_csr,
	    &csr)) != 0)
		goto out;
	/* A profile that takes names by flag only gets them so. */
	if (!p->names_from_csr && (ret = renewal_names(r->old, r->o->cert,
	    &f)) != 0)
		goto out;
	ret = issue(r, is, csr, &f);
out:
	renewal_names_free(&f);
	X509_REQ_free(csr);
	return ret;
}

/* --- the new files and the hook ------------------------------------- */

/* The PEM forms, while the issuer (and its chain) is still open. */
struct outputs {
	unsigned char *cert, *chain, *key;	/* key: secmem */
	size_t certlen, chainlen, keylen;
};

static int
make_outputs(const struct job *r, struct issuer *is, struct outputs *w)
{
	const unsigned char *chain;
	int ret;

	memset(w, 0, sizeof(*w));
	if (EVP_PKEY_eq(X509_get0_pubkey(r->cert), r->key) != 1)
		return err_set(ERR_INTERNAL, "the new certificate does not "
		    "certify the new key");
	if ((ret = x509_pem(r->cert, &w->cert, &w->certlen)) != 0)
		return ret;
	chain = issuer_chain_pem(is, &w->chainlen);
	if ((w->chain = malloc(w->chainlen + 1)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	memcpy(w->chain, chain, w->chainlen);
	if (!r->o->reuse_key)
		ret = certout_key_pem(r->key, &w->key, &w->keylen);
	return ret;
}

static void
outputs_free(struct outputs *w)
{
	free(w->cert);
	free(w->chain);
	secmem_free(w->key);
	memset(w, 0, sizeof(*w));
}

/* An absolute form of path for the hook (it may change directory). */
static char *
absolute(const char *path)
{
	char *abs = realpath(path, NULL);

	return abs != NULL ? abs : strdup(path);
}

static int
run_hook(struct job *r)
{
	char *env[7] = { NULL }, *cert, *key, *chain, na[32];
	int ret = ERR_INTERNAL, n = 0;

	iso_time(asn1_time(X509_get0_notAfter(r->cert)), na);
	cert = absolute(r->o->cert);
	key = absolute(r->o->key);
	chain = r->o->chain != NULL ? absolute(r->o->chain) : strdup("");
	if (cert != NULL && key != NULL && chain != NULL &&
	    asprintf(&env[n++], "PKI_CERT=%s", cert) > 0 &&
	    asprintf(&env[n++], "PKI_KEY=%s", key) > 0 &&
	    asprintf(&env[n++], "PKI_CHAIN=%s", chain) > 0 &&
	    asprintf(&env[n++], "PKI_SERIAL=%s", r->serial) > 0 &&
	    asprintf(&env[n++], "PKI_OLD_SERIAL=%s", r->old_serial) > 0 &&
	    asprintf(&env[n++], "PKI_NOT_AFTER=%s", na) > 0)
		ret = deploy_hook(r->o->exec, (const char *const *)env,
		    r->cmask, &r->hook_status);
	else
		err_set(ret, "out of memory");
	while (n > 0)
		free(env[--n]);
	free(cert);
	free(key);
	free(chain);
	return ret;
}

/* After the files are new: the hook, then the report. */
static int
finish(struct job *r)
{
	char files[PATH_MAX * 3 + 16], msg[PATH_MAX * 3 + 128];
	int ret = 0;

	r->hook_status = -1;
	if (r->o->chain != NULL)
		snprintf(files, sizeof(files), "%s, %s and %s", r->o->cert,
		    r->o->chain, r->o->key);
	else
		snprintf(files, sizeof(files), "%s and %s", r->o->cert,
		    r->o->key);
	if (r->o->exec != NULL && (ret = run_hook(r)) != 0) {
		snprintf(msg, sizeof(msg), "%s are new (serial %s), but the "
		    "deploy hook could not run: ", files, r->serial);
		ret = err_prefix(ret, msg);
	}
	report_renewed(r);
	if (ret == 0 && r->hook_status > 0)
		ret = err_set(ERR_NO, "%s are new (serial %s), but the deploy "
		    "hook failed with exit status %d", files, r->serial,
		    r->hook_status);
	return ret;
}

/* --- the phases ----------------------------------------------------- */

static void
job_free(struct job *r)
{
	X509_free(r->old);
	X509_free(r->cert);
	EVP_PKEY_free(r->key);
	free(r->old_serial);
	free(r->profile);
	free(r->sans_json);
}

/* 2. An interrupted renewal is finished (or undone) first. */
static int
recover(struct job *r, int *done)
{
	enum deploy_recovery what;
	char *serial;
	int ret, pending;

	*done = 0;
	if (r->o->dry_run) {
		if ((ret = deploy_pending(&r->paths, &pending)) == 0 &&
		    pending) {
			printf("%s: would finish or undo an interrupted "
			    "renewal first; nothing was changed\n", r->o->cert);
			*done = 1;
		}
		return ret;
	}
	if ((ret = deploy_recover(&r->paths, &what)) != 0)
		return ret;
	if (what == DEPLOY_DISCARDED)
		fprintf(stderr, "%s: %s: removed the staged files of an "
		    "interrupted renewal\n", PROG, r->o->cert);
	if (what != DEPLOY_COMPLETED)
		return 0;
	/* The staged certificate is CERT now: report it, run the hook. */
	r->recovered = 1;
	*done = 1;
	if ((ret = x509_load(r->o->cert, &r->cert)) != 0 ||
	    (serial = x509_serial_hex(r->cert)) == NULL)
		return ret != 0 ? ret : err_set(ERR_INTERNAL, "out of memory");
	snprintf(r->serial, sizeof(r->serial), "%s", serial);
	free(serial);
	return finish(r);
}

/* 3-5. Issue, replace the files, run the hook. */
static int
renew(struct job *r, const char *dir)
{
	struct issuer *is = NULL;
	struct outputs w;
	int ret;

	memset(&w, 0, sizeof(w));
	if ((ret = check_ca(r, dir)) != 0 || (ret = check_key(r)) != 0 ||
	    (!r->o->reuse_key && (ret = renewal_generate_key(
	    X509_get0_pubkey(r->old), &r->key)) != 0) ||
	    (ret = issuer_open(dir, r->o->pin_set ? &r->o->pin : NULL,
	    &is)) != 0 ||
	    (ret = request_and_issue(r, is)) != 0)
		goto out;
	if (r->o->dry_run) {
		report_dry_run(r);
		goto out;
	}
	ret = make_outputs(r, is, &w);
	issuer_close(is);	/* the hook inherits no CA session */
	is = NULL;
	if (ret != 0 || (ret = deploy_replace(&r->paths, w.cert, w.certlen,
	    w.chain, w.chainlen, w.key, w.keylen)) != 0)
		goto out;
	ret = finish(r);
out:
	outputs_free(&w);
	issuer_close(is);
	return ret;
}

static int
run(const struct opts *o)
{
	struct job r;
	const char *dir = NULL;
	int ret, lock = -1, done;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.paths.cert = o->cert;
	r.paths.chain = o->chain;
	r.paths.key = o->key;
	r.cmask = umask(077);
	if ((ret = secmem_init()) != 0)
		goto out;
	/* 1. The CA directory, the paths, the lock. */
	if (!o->check) {
		if ((dir = cacfg_dir_from_env(o->ca_dir)) == NULL) {
			ret = ERR_USAGE;
			goto out;
		}
		if ((ret = deploy_check_paths(&r.paths)) != 0 ||
		    (!o->dry_run && (ret = deploy_lock(o->cert, LOCK_WAIT,
		    &lock)) != 0))
			goto out;
	}
	/* 2. Finish an interrupted renewal; is CERT due? */
	r.now = time(NULL);
	if ((ret = load_cert(&r)) != 0 || (!o->check &&
	    ((ret = recover(&r, &done)) != 0 || done)))
		goto out;
	if (r.now < r.due_at || o->check) {
		report_due(&r, r.now >= r.due_at);
		ret = r.now >= r.due_at || !o->check ? 0 : NOT_DUE;
		goto out;
	}
	/* 3-5. */
	ret = renew(&r, dir);
out:
	deploy_unlock(lock);
	job_free(&r);
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
	if ((ret = run(&o)) == NOT_DUE)
		return 1;
	return err_report(PROG, ret);
}
