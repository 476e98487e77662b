/*
 * pki-revoke: record the revocation of a certificate an online CA issued.
 *
 * Revocation is a record in the CA's inventory: the time and RFC 5280
 * reason go into the certificate's row, and for keyCompromise the
 * certificate's public key goes on the blocklist that pki-issue reads,
 * both in one transaction; an audit entry follows, sealed with the audit
 * key when a PIN source is configured (--pin-file, --pin-fd or
 * key.pin_file).  Without one, or when the audit key does not open, the
 * revocation still stands (it is urgent; the seal is not) and the entry
 * waits for the next program that seals.  The CA key is not
 * used (pki-crl and pki-ocsp sign what the inventory says).  When the CA
 * has a delegated OCSP signer, the serial's OCSP response is re-signed
 * at once after the commit, with the signer key decrypted by the CA's
 * PIN from --pin-file, --pin-fd or key.pin_file (never a prompt); with
 * none of those, or if re-signing fails, the revocation stands and the
 * next pki-ocsp refresh re-signs.  Trusts: ca.yaml, the installed
 * ca.pem, the signer files and the inventory.  A --cert file is
 * untrusted: it counts only if the CA certificate's key verifies its
 * signature, it names the CA as issuer, and the inventory holds the
 * same certificate under its serial.  Secret: the PIN (secmem, wiped).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "audit.h"
#include "cacfg.h"
#include "crl.h"
#include "db.h"
#include "args.h"
#include "err.h"
#include "fileio.h"
#include "json.h"
#include "ledger.h"
#include "ocsprefresh.h"
#include "pin.h"
#include "secmem.h"
#include "x509.h"

#define PROG		"pki-revoke"

struct opts {
	const char *ca_dir, *serial_arg, *cert, *reason_name, *time;
	const char *format;
	char serial[DB_SERIAL_MAX + 1];
	int reason;
	time_t when;
	int json;
	int pin_set;
	struct pin_source pin;
};

/* What the revocation did, for the report and the audit entry. */
struct outcome {
	int	 previous_reason;	/* -1: was not revoked */
	int	 reason;
	long long revoked_at;
	int	 key_blocked;
	int	 ocsp;		/* OCSP_NONE, OCSP_RESIGNED, OCSP_LATER */
};

#define OCSP_NONE	0	/* no OCSP signer: nothing to re-sign */
#define OCSP_RESIGNED	1
#define OCSP_LATER	2	/* left to the next pki-ocsp refresh */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: %s [--ca DIR] (SERIAL | --cert FILE) --reason NAME "
	    "[--time T]\n"
	    "           [--format json] [--pin-file FILE | --pin-fd N]\n"
	    "       %s --help | --version\n", PROG, PROG);
}

/* A serial as openssl prints it: "serial=" prefix, colons, any case. */
static int
parse_serial(const char *in, char out[DB_SERIAL_MAX + 1])
{
	if (strncasecmp(in, "serial=", 7) == 0)
		in += 7;
	return ledger_serial_norm(in, out);
}

static int
parse_reason(struct opts *o)
{
	int ret;

	if (o->reason_name == NULL)
		return err_set(ERR_USAGE, "--reason is required (e.g. "
		    "keyCompromise, superseded, cessationOfOperation)");
	if ((ret = crl_reason_parse(o->reason_name, &o->reason)) != 0)
		return ret;
	if (o->reason == CRL_REASON_CERTIFICATE_HOLD ||
	    o->reason == CRL_REASON_REMOVE_FROM_CRL)
		return err_set(ERR_USAGE, "reason %s is not supported: a "
		    "revocation is final", crl_reason_name(o->reason));
	return 0;
}

static int
parse_time(struct opts *o)
{
	time_t now = time(NULL);

	if (o->time == NULL) {
		o->when = now;
		return 0;
	}
	if (ledger_time_parse(o->time, &o->when) != 0)
		return err_set(ERR_USAGE, "--time \"%.32s\" is not of the form "
		    "2026-03-02T09:14:07Z (UTC)", o->time);
	if (o->when > now)
		return err_set(ERR_USAGE, "--time %s is in the future",
		    o->time);
	return 0;
}

static int
check_args(struct opts *o)
{
	int ret;

	if ((o->serial_arg == NULL) == (o->cert == NULL))
		return err_set(ERR_USAGE, "give a SERIAL or --cert FILE");
	if (o->serial_arg != NULL &&
	    (ret = parse_serial(o->serial_arg, o->serial)) != 0)
		return ret;
	if (o->format != NULL) {
		if (strcmp(o->format, "json") != 0)
			return err_set(ERR_USAGE, "--format %s: use json",
			    o->format);
		o->json = 1;
	}
	if ((ret = parse_reason(o)) != 0)
		return ret;
	return parse_time(o);
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "ca", required_argument, NULL, 'a' },
		{ "cert", required_argument, NULL, 'c' },
		{ "reason", required_argument, NULL, 'r' },
		{ "time", required_argument, NULL, 't' },
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
	    (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': ret = args_once(&o->ca_dir, optarg, "ca"); break;
		case 'c': ret = args_once(&o->cert, optarg, "cert"); break;
		case 'r': ret = args_once(&o->reason_name, optarg, "reason");
			break;
		case 't': ret = args_once(&o->time, optarg, "time"); break;
		case 'm': ret = args_once(&o->format, optarg, "format"); break;
		case 'p':
		case 'f':
			ret = args_pin(&o->pin, &o->pin_set, c, optarg);
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
	}
	if (ret != 0)
		return ret;
	if (optind < argc)
		o->serial_arg = argv[optind++];
	if (optind != argc)
		return err_set(ERR_USAGE, "unexpected argument \"%s\"",
		    argv[optind]);
	return check_args(o);
}

/*
 * --cert: the file must be a certificate this CA signed (issuer name
 * and signature under the CA certificate's key); its serial goes to o.
 */
static int
cert_serial(const struct ca_config *c, X509 *ca, struct opts *o,
    X509 **cert)
{
	EVP_PKEY *capub;
	char *hex;
	int ret;

	if ((ret = x509_load(o->cert, cert)) != 0)
		return ret;
	capub = X509_get0_pubkey(ca);
	if (X509_NAME_cmp(X509_get_issuer_name(*cert),
	    X509_get_subject_name(ca)) != 0 || capub == NULL ||
	    X509_verify(*cert, capub) != 1)
		return err_set(ERR_NO, "%s: not issued by CA %s", o->cert,
		    c->name);
	if ((hex = x509_serial_hex(*cert)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	ret = parse_serial(hex, o->serial);
	free(hex);
	if (ret != 0)
		return err_set(ERR_DATA, "%s: a serial this CA never draws",
		    o->cert);
	return 0;
}

/* The file given with --cert is the inventory's certificate. */
static int
same_cert(const struct opts *o, X509 *cert, const struct db_cert *row)
{
	unsigned char *der = NULL;
	size_t len;
	int ret, same;

	if ((ret = x509_der(cert, &der, &len)) != 0)
		return ret;
	same = row->der != NULL && row->derlen == len &&
	    memcmp(row->der, der, len) == 0;
	free(der);
	if (!same)
		return err_set(ERR_DATA, "%s: serial %s in the inventory is "
		    "another certificate", o->cert, o->serial);
	return 0;
}

static void
time_text(long long t, char out[21])
{
	if (ledger_time_format((time_t)t, out) != 0)
		snprintf(out, 21, "%lld", t);
}

/* May the row be revoked as o asks?  Clear messages before db_revoke. */
static int
check_row(const struct ca_config *c, const struct opts *o,
    const struct db_cert *row)
{
	char at[21];

	if (strcmp(row->status, "revoked") == 0) {
		if (o->reason == CRL_REASON_KEY_COMPROMISE &&
		    row->reason != CRL_REASON_KEY_COMPROMISE)
			return 0;
		time_text(row->revoked_at, at);
		return err_set(ERR_DATA, "serial %s is already revoked (%s, "
		    "%s); only a change of reason to keyCompromise is "
		    "allowed", o->serial, crl_reason_name(row->reason), at);
	}
	if (strcmp(row->status, "issued") != 0)
		return err_set(ERR_DATA, "serial %s of CA %s was never issued "
		    "(%s)", o->serial, c->name, row->status);
	if ((long long)o->when < row->not_before) {
		time_text(row->not_before, at);
		return err_set(ERR_USAGE, "--time %s is before the "
		    "certificate's notBefore %s", o->time, at);
	}
	return 0;
}

/* Inside the transaction: read, check, revoke, block the key. */
static int
revoke_row(const struct ca_config *c, struct db *db, const struct opts *o,
    X509 *cert, struct outcome *res)
{
	struct db_cert row;
	int ret;

	if ((ret = db_get(db, o->serial, &row)) != 0) {
		if (ret == ERR_NOINPUT)
			err_set(ret, "serial %s is not in the inventory of CA "
			    "%s", o->serial, c->name);
		return ret;
	}
	res->previous_reason = strcmp(row.status, "revoked") == 0 ?
	    row.reason : -1;
	if ((ret = check_row(c, o, &row)) != 0 ||
	    (cert != NULL && (ret = same_cert(o, cert, &row)) != 0) ||
	    (ret = db_revoke(db, o->serial, o->reason,
	    (long long)o->when)) != 0)
		goto out;
	if (o->reason == CRL_REASON_KEY_COMPROMISE) {
		if ((ret = db_block_key(db, row.spki_sha256, o->serial)) != 0)
			goto out;
		res->key_blocked = 1;
	}
	db_cert_clear(&row);
	if ((ret = db_get(db, o->serial, &row)) != 0)
		return ret;
	res->reason = row.reason;
	res->revoked_at = row.revoked_at;
out:
	db_cert_clear(&row);
	return ret;
}

static int
record_revocation(const struct ca_config *c, const struct opts *o,
    X509 *cert, struct outcome *res)
{
	struct db *db = NULL;
	int ret;

	if ((ret = db_open(c->db_path, 0, &db)) != 0)
		return ret;
	if ((ret = db_begin(db)) != 0)
		goto out;
	if ((ret = revoke_row(c, db, o, cert, res)) != 0) {
		db_rollback(db);
		goto out;
	}
	ret = db_commit(db);
out:
	db_close(db);
	return ret;
}

/* The members shared by the audit entry and --format json. */
static int
describe(const struct opts *o, const struct outcome *res, int audit,
    char **text)
{
	struct json_buf *j = NULL;
	const char *t;
	char at[21];
	int ret;

	*text = NULL;
	if ((ret = json_new(&j)) != 0)
		return ret;
	time_text(res->revoked_at, at);
	if (!audit)
		json_begin_object(j, NULL);
	json_add_str(j, "serial", o->serial);
	json_add_str(j, "reason", crl_reason_name(res->reason));
	json_add_int(j, "reason_code", res->reason);
	json_add_str(j, "revoked_at", at);
	if (res->previous_reason >= 0)
		json_add_str(j, "previous_reason",
		    crl_reason_name(res->previous_reason));
	json_add_bool(j, "key_blocked", res->key_blocked);
	json_add_str(j, "requester", audit_login_name());
	if (!audit) {
		json_add_bool(j, "ocsp_resigned", res->ocsp == OCSP_RESIGNED);
		json_end_object(j);
	}
	if ((ret = json_text(j, &t, NULL)) == 0 &&
	    (*text = strdup(t)) == NULL)
		ret = err_set(ERR_INTERNAL, "out of memory");
	json_free(j);
	return ret;
}

static int
report(const struct opts *o, const struct outcome *res)
{
	char *text = NULL, at[21];
	int ret;

	if (o->json) {
		if ((ret = describe(o, res, 0, &text)) == 0)
			printf("%s\n", text);
		free(text);
		return ret;
	}
	time_text(res->revoked_at, at);
	printf("%s revoked: %s, %s%s\n", o->serial,
	    crl_reason_name(res->reason), at, res->key_blocked ?
	    "; its key is blocked" : "");
	if (res->ocsp == OCSP_RESIGNED)
		printf("%s: OCSP response re-signed\n", o->serial);
	return 0;
}

/*
 * Re-sign the serial's OCSP response as pki-ocsp refresh would.  The
 * revocation is recorded already: a failure here is a warning, and the
 * next refresh re-signs (db_revoke() made the response due).
 */
static int
resign(const struct opts *o, const struct ca_config *c, X509 *ca)
{
	struct ocsp_signer *s = NULL;
	struct db *db = NULL;
	char *cert;
	int have, ret;

	if ((cert = fileio_join(c->dir, OCSP_SIGNER_CERT)) == NULL)
		return OCSP_LATER;
	have = fileio_exists(cert);
	free(cert);
	if (!have)
		return OCSP_NONE;
	if (!o->pin_set && c->pin_file == NULL) {
		fprintf(stderr, "%s: no PIN source (--pin-file, --pin-fd or "
		    "key.pin_file): the next pki-ocsp refresh re-signs the "
		    "OCSP response of %s\n", PROG, o->serial);
		return OCSP_LATER;
	}
	if ((ret = ocsprefresh_open_signer(c, ca, o->pin_set ? &o->pin :
	    NULL, &s)) == 0 && (ret = db_open(c->db_path, 0, &db)) == 0)
		ret = ocsprefresh_one(c, s, db, o->serial, time(NULL));
	db_close(db);
	ocsp_signer_free(s);
	if (ret == 0)
		return OCSP_RESIGNED;
	fprintf(stderr, "%s: warning: %s; the next pki-ocsp refresh re-signs "
	    "the OCSP response of %s\n", PROG, err_msg(), o->serial);
	return OCSP_LATER;
}

/*
 * The audit key, when a PIN source other than a prompt is configured:
 * pki-revoke runs from scripts and never prompts.  NULL without one, or
 * with a warning when it does not open; the entry is then sealed by the
 * next program that seals.
 */
static struct ca_key *
open_audit_key(const struct opts *o, const struct ca_config *c)
{
	struct ca_key *k = NULL;

	if (!o->pin_set && c->pin_file == NULL)
		return NULL;
	if (cacfg_open_audit_key(c, o->pin_set ? &o->pin : NULL, &k) != 0)
		fprintf(stderr, "%s: warning: %s; the audit entry waits for "
		    "the next program that seals the log\n", PROG, err_msg());
	return k;
}

static int
run(struct opts *o)
{
	struct ca_config *c = NULL;
	struct ca_key *k = NULL;
	struct outcome res;
	X509 *ca = NULL, *cert = NULL;
	const char *dir;
	char *members = NULL;
	int ret;

	memset(&res, 0, sizeof(res));
	if ((ret = secmem_init()) != 0)
		return ret;
	/* 1. The CA, installed. */
	if ((dir = cacfg_dir_from_env(o->ca_dir)) == NULL)
		return ERR_USAGE;
	if ((ret = cacfg_load(dir, &c)) != 0 ||
	    (ret = cacfg_load_cert(c, &ca)) != 0)
		goto out;
	/* 2. --cert: one this CA signed. */
	if (o->cert != NULL && (ret = cert_serial(c, ca, o, &cert)) != 0)
		goto out;
	/* 3. The audit key, to seal the entry. */
	k = open_audit_key(o, c);
	/* 4. One transaction: revoke, and block a compromised key. */
	if ((ret = record_revocation(c, o, cert, &res)) != 0)
		goto out;
	/* 5. The audit entry, sealed if the audit key is open. */
	if ((ret = describe(o, &res, 1, &members)) != 0 ||
	    (ret = cacfg_audit(c, k, PROG, "revoke", members)) != 0)
		goto out;
	/* 6. The OCSP response, at once if a signer and a PIN are there. */
	res.ocsp = resign(o, c, ca);
	ret = report(o, &res);
out:
	cacfg_key_close(k);
	free(members);
	X509_free(cert);
	X509_free(ca);
	cacfg_free(c);
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
