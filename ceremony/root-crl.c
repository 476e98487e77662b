/*
 * pki-root-crl: issue the root's CRL at a signing ceremony.
 *
 * Reads one reviewed signing ceremony file, checks the room, the root
 * certificate and the root's ledger (verified to its last seal, and
 * recording this very root), and optionally a revocation to record
 * (--revoke: the serial must be one this root issued).  The CRL lists
 * every revoked certificate in the ledger with its reason and date,
 * takes the number one above the last recorded one, and is linted
 * before the root key signs it.  After the plan is confirmed the root
 * key signs; the signature must verify under the root certificate and
 * the signed TBS must be the linted one.  The revocation and the CRL go
 * into the ledger, which is sealed with the session key before the CRL
 * files are written, so that a CRL number is never handed out twice;
 * then the CRL is published atomically as PEM and DER and the transcript
 * is sealed.
 *
 * An existing output is replaced only if it is a CRL that this ledger
 * recorded (the previous CRL, or an older one); anything else there is
 * refused, so that a wrong path never overwrites a foreign file.
 *
 * --plan loads and validates the ceremony file and the revocation
 * options as a real run does and prints the plan as JSON (plan.h) for
 * the paper script: no room check, no ledger, no PIN, no HSM, nothing
 * written.
 */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "args.h"
#include "crl.h"
#include "envgate.h"
#include "err.h"
#include "fileio.h"
#include "ledger.h"
#include "lint.h"
#include "pin.h"
#include "plan.h"
#include "rootkey.h"
#include "secmem.h"
#include "signcfg.h"
#include "transcript.h"
#include "ui.h"
#include "x509.h"

#define PROG		"pki-root-crl"
#define DAY		86400

struct opts {
	struct args_ceremony cer;	/* the ceremony file and options */
	const char *revoke;		/* as typed */
	char serial[41];		/* normalised */
	const char *reason_name;
	int reason;
	const char *time;		/* --time as typed, or NULL */
	time_t when;
};

/* An output file and what is there now. */
struct output {
	char	*path;
	unsigned long long replaces;	/* CRL number there now, 0: none */
};

struct crlrun {
	const struct opts *opts;
	struct root_session *cfg;
	struct envgate gate;
	X509 *root;
	struct ledger *ledger;
	const struct ledger_entry *target;	/* --revoke */
	time_t when;				/* its revocation time */
	struct rootkey *key;
	struct output pem_out, der_out;
	unsigned long long number;
	time_t this_update, next_update;
	struct crl_entry *entries;
	size_t nentries;
	X509_CRL *crl;
	unsigned char *tbs;			/* the linted TBS, DER */
	int tbslen;
	struct transcript *log;
	unsigned char *pem, *der;
	size_t pemlen, derlen;
	char sha256[65];
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s [--rehearsal] [--yes] [--pin-file FILE | "
	    "--pin-fd N]\n"
	    "           [--revoke SERIAL --reason REASON [--time TIME]]\n"
	    "           [--config] CEREMONY.yaml\n"
	    "       %s --plan [--rehearsal] [--revoke SERIAL --reason REASON "
	    "[--time TIME]]\n"
	    "           [--config] CEREMONY.yaml\n"
	    "       %s --help | --version\n", PROG, PROG, PROG);
}

/* The revocation options go together; parse their values. */
static int
check_revoke_args(struct opts *o)
{
	int ret;

	if (o->revoke == NULL && (o->reason_name != NULL || o->time != NULL))
		return err_set(ERR_USAGE, "--reason and --time go with "
		    "--revoke");
	if (o->revoke == NULL)
		return 0;
	if (o->reason_name == NULL)
		return err_set(ERR_USAGE, "--revoke needs --reason (e.g. "
		    "keyCompromise, superseded, cessationOfOperation)");
	if ((ret = ledger_serial_norm(o->revoke, o->serial)) != 0 ||
	    (ret = crl_reason_parse(o->reason_name, &o->reason)) != 0)
		return ret;
	if (o->time != NULL && ledger_time_parse(o->time, &o->when) != 0)
		return err_set(ERR_USAGE, "--time \"%.32s\" is not of the form "
		    "2026-03-02T09:14:07Z (UTC)", o->time);
	return 0;
}

static int
parse_opt(int c, struct opts *o)
{
	int ret, taken;

	if ((ret = args_ceremony_option(&o->cer, c, optarg, &taken)) != 0 ||
	    taken)
		return ret;
	switch (c) {
	case 'R':
		return args_once(&o->revoke, optarg, "revoke");
	case 'e':
		return args_once(&o->reason_name, optarg, "reason");
	case 't':
		return args_once(&o->time, optarg, "time");
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
		ARGS_CEREMONY_LONGOPTS,
		{ "revoke", required_argument, NULL, 'R' },
		{ "reason", required_argument, NULL, 'e' },
		{ "time", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c, ret;

	memset(o, 0, sizeof(*o));
	args_ceremony_init(&o->cer);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if ((ret = parse_opt(c, o)) != 0)
			return ret;
	if ((ret = args_ceremony_file(&o->cer, argc, argv)) != 0)
		return ret;
	return check_revoke_args(o);
}

/* ---- phase 2: load and check ---- */

/* The DER copy: "x.pem" -> "x.der", anything else -> "x.der" added. */
static int
der_path(struct crlrun *c)
{
	const struct root_session *s = c->cfg;
	const char *pem = s->crl_out;
	size_t n = strlen(pem);
	const char *other[] = { s->root_cert, s->ledger, s->transcript,
	    s->key_file, s->csr, s->cross_sign, s->policy, s->out_cert,
	    s->out_chain };
	size_t i;

	if (n > 4 && strcmp(pem + n - 4, ".der") == 0)
		return err_set(ERR_CONFIG, "%s: crl.output \"%s\" names the "
		    "PEM file; the DER copy is written beside it", s->path,
		    pem);
	if ((c->der_out.path = malloc(n + 5)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if (n > 4 && strcmp(pem + n - 4, ".pem") == 0)
		n -= 4;
	snprintf(c->der_out.path, n + 5, "%.*s.der", (int)n, pem);
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (other[i] != NULL && strcmp(other[i], c->der_out.path) == 0)
			return err_set(ERR_CONFIG, "%s: the CRL's DER copy "
			    "\"%s\" would overwrite another file the ceremony "
			    "names", s->path, c->der_out.path);
	return 0;
}

/* The ledger must be this root's: its first entry is this certificate. */
static int
check_ledger_root(struct crlrun *c)
{
	const struct ledger_entry *r;
	unsigned char digest[32];
	char hex[65];
	int ret;

	if ((ret = ledger_root(c->ledger, &r)) != 0 ||
	    (ret = x509_cert_sha256(c->root, digest)) != 0)
		return ret;
	transcript_hex(digest, sizeof(digest), hex);
	if (strcmp(hex, r->sha256) != 0)
		return err_set(ERR_DATA, "%s: the ledger belongs to another "
		    "root (its root certificate has SHA-256 %.16s..., %s has "
		    "%.16s...)", c->cfg->ledger, r->sha256, c->cfg->root_cert,
		    hex);
	return 0;
}

/* --revoke: a serial this root issued, revocable, at a sane time. */
static int
check_revocation(struct crlrun *c)
{
	const struct opts *o = c->opts;
	int ret;

	if (o->revoke == NULL)
		return 0;
	c->when = o->time != NULL ? o->when : c->this_update;
	if (c->when > c->this_update)
		return err_set(ERR_USAGE, "--time %s is in the future",
		    o->time);
	if (ASN1_TIME_cmp_time_t(X509_get0_notBefore(c->root), c->when) > 0)
		return err_set(ERR_USAGE, "--time %s is before the root "
		    "certificate's notBefore", o->time);
	if ((ret = ledger_check_revoke(c->ledger, o->serial,
	    o->reason)) != 0)
		return ret;
	return ledger_find(c->ledger, o->serial, &c->target);
}

/* thisUpdate now, nextUpdate within the root's lifetime. */
static int
set_dates(struct crlrun *c)
{
	c->this_update = time(NULL);
	c->next_update = c->this_update +
	    (time_t)c->cfg->crl_validity_days * DAY;
	if (ASN1_TIME_cmp_time_t(X509_get0_notBefore(c->root),
	    c->this_update) > 0)
		return err_set(ERR_DATA, "%s: the root certificate is not "
		    "valid yet (check the clock)", c->cfg->root_cert);
	if (ASN1_TIME_cmp_time_t(X509_get0_notAfter(c->root),
	    c->next_update) < 0)
		return err_set(ERR_CONFIG, "%s: crl.validity_days %u would put "
		    "nextUpdate past the root certificate's notAfter",
		    c->cfg->path, c->cfg->crl_validity_days);
	return ledger_next_crl_number(c->ledger, &c->number);
}

/* A new output's directory must exist and be writable, so that the
 * ceremony does not sign and then fail to write. */
static int
check_dir(const char *path)
{
	char *copy = strdup(path);
	int ok;

	if (copy == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	ok = access(dirname(copy), W_OK | X_OK) == 0;
	free(copy);
	return ok ? 0 : err_set(ERR_EXISTS, "cannot create %s: its directory "
	    "is missing or not writable", path);
}

/* An existing output may only be a CRL that this ledger recorded. */
static int
check_output(struct crlrun *c, struct output *out)
{
	X509_CRL *old = NULL;
	unsigned char digest[32];
	char hex[65];
	int ret;

	out->replaces = 0;
	if (!fileio_exists(out->path))
		return check_dir(out->path);
	if ((ret = crl_load(out->path, &old)) == 0 &&
	    (ret = crl_sha256(old, digest)) == 0) {
		transcript_hex(digest, sizeof(digest), hex);
		ret = ledger_find_crl(c->ledger, hex, &out->replaces);
	}
	X509_CRL_free(old);
	if (ret == ERR_DATA || ret == ERR_NOINPUT)
		return err_set(ERR_EXISTS, "%s exists and is not a CRL that "
		    "the ledger %s recorded; move it away first", out->path,
		    c->cfg->ledger);
	return ret;
}

/* The revoked certificates: the ledger's, and the one being revoked. */
static int
collect_entries(struct crlrun *c)
{
	const struct ledger_entry *e;
	struct crl_entry *ce;
	size_t i, n = ledger_count(c->ledger);
	int ret;

	if ((c->entries = calloc(n + 1, sizeof(*c->entries))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	for (i = 0; i < n; i++) {
		e = ledger_entry_at(c->ledger, i);
		ce = &c->entries[c->nentries];
		if (e == c->target) {
			ce->revoked_at = c->when;
			ce->reason = c->opts->reason;
		} else if (e->revoked) {
			if ((ret = ledger_time_parse(e->revoked_at,
			    &ce->revoked_at)) != 0)
				return ret;
			ce->reason = e->reason;
		} else
			continue;
		ce->serial_hex = e->serial;
		c->nentries++;
	}
	return 0;
}

/* Findings are printed; any error refuses. */
static int
lint(X509_CRL *crl, X509 *issuer, const char *when)
{
	struct lint_report r;
	char *text = NULL;
	int ret;

	memset(&r, 0, sizeof(r));
	if ((ret = lint_crl(crl, issuer, &r)) == 0 &&
	    (ret = lint_report_text(&r, "CRL", &text)) == 0) {
		fputs(text, stderr);
		if (r.errors > 0)
			ret = err_set(ERR_NO, "the CRL fails lint %s (%d "
			    "error%s); nothing was signed", when, r.errors,
			    r.errors == 1 ? "" : "s");
	}
	free(text);
	lint_report_free(&r);
	return ret;
}

/* Build the CRL, sign it with a throwaway key of the root key's type
 * and lint it; keep its TBS to compare with the real signature's. */
static int
build_and_lint(struct crlrun *c)
{
	struct crl_params p = { c->root, c->number, c->this_update,
	    c->next_update, 1, 0, NULL };
	enum key_type type = keytype_of(X509_get0_pubkey(c->root));
	EVP_PKEY *throwaway = NULL;
	int ret;

	if ((ret = collect_entries(c)) != 0 ||
	    (ret = crl_build(&p, c->entries, c->nentries, &c->crl)) != 0 ||
	    (ret = keytype_generate(type, &throwaway)) != 0 ||
	    (ret = crl_sign(c->crl, throwaway, type)) != 0 ||
	    (ret = lint(c->crl, NULL, "before signing")) != 0)
		goto out;
	if ((c->tbslen = i2d_re_X509_CRL_tbs(c->crl, &c->tbs)) <= 0)
		ret = err_set(ERR_INTERNAL, "cannot encode the CRL");
out:
	EVP_PKEY_free(throwaway);
	return ret;
}

static int
load_and_check(struct crlrun *c)
{
	struct root_session *s;
	int ret;

	if ((ret = signcfg_load(c->opts->cer.config, SIGNCFG_CRL, &c->cfg)) != 0)
		return ret;
	s = c->cfg;
	c->pem_out.path = s->crl_out;
	if ((ret = der_path(c)) != 0 || (ret = envgate_check(&c->gate)) != 0)
		return ret;
	printf("UTC time now: %s (witnesses: check it against an "
	    "independent clock)\n", c->gate.utc);
	if ((ret = envgate_enforce(&c->gate, c->opts->cer.rehearsal)) != 0 ||
	    (ret = x509_load(s->root_cert, &c->root)) != 0 ||
	    (ret = ledger_open(s->ledger, 0, &c->ledger)) != 0 ||
	    (ret = check_ledger_root(c)) != 0 ||
	    (ret = set_dates(c)) != 0 ||
	    (ret = check_revocation(c)) != 0 ||
	    (ret = check_output(c, &c->pem_out)) != 0 ||
	    (ret = check_output(c, &c->der_out)) != 0 ||
	    (ret = build_and_lint(c)) != 0)
		return ret;
	return rootkey_open(s->hsm_module, s->hsm_uri, s->key_file,
	    &c->opts->cer.pin, c->root, &c->key);
}

/* ---- phase 3: the plan ---- */

static void
show_entries(const struct crlrun *c)
{
	const struct ledger_entry *e;
	char at[21];
	size_t i;

	printf("  entries:       %zu revoked certificate%s\n", c->nentries,
	    c->nentries == 1 ? "" : "s");
	for (i = 0; i < c->nentries; i++) {
		if (ledger_find(c->ledger, c->entries[i].serial_hex, &e) != 0)
			continue;
		ledger_time_format(c->entries[i].revoked_at, at);
		printf("    %s\n      %s, %s since %s%s\n", e->subject,
		    e->serial, crl_reason_name(c->entries[i].reason), at,
		    e == c->target ? " (NEW)" : "");
	}
}

static void
show_output(const struct output *o)
{
	if (o->replaces != 0)
		printf("  output:        %s (replaces CRL number %llu)\n",
		    o->path, o->replaces);
	else
		printf("  output:        %s (new file)\n", o->path);
}

static int
show_plan(struct crlrun *c)
{
	const struct root_session *s = c->cfg;
	char t1[21], t2[21], at[21], self[65];
	size_t i;
	int ret;

	if ((ret = transcript_self_hex(self)) != 0)
		return ret;
	ledger_time_format(c->this_update, t1);
	ledger_time_format(c->next_update, t2);
	printf("\nPlan for \"%s\"%s\n", s->name,
	    c->opts->cer.rehearsal ? " (REHEARSAL)" : "");
	printf("  program:       %s %s, SHA-256 (compare with the kit's "
	    "manifest)\n                 %s\n", PROG, PKI_VERSION, self);
	printf("  administrator: %s\n", s->administrator);
	for (i = 0; i < s->nwitnesses; i++)
		printf("  witness:       %s\n", s->witnesses[i]);
	printf("  root:          %s\n", ledger_entry_at(c->ledger, 0)->subject);
	printf("  root key:      %s\n", s->hsm_uri != NULL ? s->hsm_uri :
	    s->key_file);
	printf("  ledger:        %s (%zu certificates, ", s->ledger,
	    ledger_count(c->ledger));
	if (c->number > 1)
		printf("last CRL number %llu)\n", c->number - 1);
	else
		printf("no CRL yet)\n");
	if (c->target != NULL) {
		ledger_time_format(c->when, at);
		printf("  revoke:        %s\n                 serial %s (%s), "
		    "%s, at %s\n", c->target->subject, c->target->serial,
		    c->target->kind, crl_reason_name(c->opts->reason), at);
	}
	printf("  CRL number:    %llu\n", c->number);
	printf("  thisUpdate:    %s\n  nextUpdate:    %s (%u days)\n", t1, t2,
	    s->crl_validity_days);
	show_entries(c);
	show_output(&c->pem_out);
	show_output(&c->der_out);
	printf("\n");
	return ui_confirm("Proceed with this plan?", c->opts->cer.yes);
}

/* ---- phase 4: the ceremony ---- */

/* Sign with the root key; the signature must verify and the TBS must be
 * the one that was linted. */
static int
sign_and_check(struct crlrun *c)
{
	unsigned char *tbs = NULL, digest[32];
	int len, ret;

	if ((ret = crl_sign(c->crl, rootkey_pkey(c->key),
	    rootkey_type(c->key))) != 0)
		return ret;
	if ((ret = crl_verify(c->crl, c->root)) != 0)
		return err_set(ERR_NO, "the signed CRL does not verify under "
		    "the root certificate; nothing was written");
	len = i2d_re_X509_CRL_tbs(c->crl, &tbs);
	if (len != c->tbslen || memcmp(tbs, c->tbs, (size_t)len) != 0)
		ret = err_set(ERR_INTERNAL, "the signed CRL differs from the "
		    "linted one; nothing was written");
	OPENSSL_free(tbs);
	if (ret != 0 || (ret = lint(c->crl, c->root, "after signing")) != 0 ||
	    (ret = crl_pem(c->crl, &c->pem, &c->pemlen)) != 0 ||
	    (ret = crl_der(c->crl, &c->der, &c->derlen)) != 0 ||
	    (ret = crl_sha256(c->crl, digest)) != 0)
		return ret;
	transcript_hex(digest, sizeof(digest), c->sha256);
	return 0;
}

static int
log_revocation(struct crlrun *c)
{
	struct json_buf *j = NULL;
	char at[21];
	int ret;

	if ((ret = ledger_time_format(c->when, at)) != 0 ||
	    (ret = json_new(&j)) != 0)
		return ret;
	json_add_str(j, "serial", c->target->serial);
	json_add_str(j, "subject", c->target->subject);
	json_add_str(j, "kind", c->target->kind);
	json_add_str(j, "reason", crl_reason_name(c->opts->reason));
	json_add_str(j, "revoked_at", at);
	ret = transcript_add(c->log, "revoked", j);
	json_free(j);
	return ret;
}

static int
log_crl(struct crlrun *c)
{
	struct json_buf *j = NULL;
	char t1[21], t2[21];
	int ret;

	if ((ret = ledger_time_format(c->this_update, t1)) != 0 ||
	    (ret = ledger_time_format(c->next_update, t2)) != 0 ||
	    (ret = json_new(&j)) != 0)
		return ret;
	json_add_int(j, "number", (long long)c->number);
	json_add_str(j, "this_update", t1);
	json_add_str(j, "next_update", t2);
	json_add_int(j, "entries", (long long)c->nentries);
	json_add_str(j, "sha256", c->sha256);
	json_add_str(j, "output", c->pem_out.path);
	json_add_str(j, "output_der", c->der_out.path);
	ret = transcript_add(c->log, "crl", j);
	json_free(j);
	return ret;
}

/* The ledger first, sealed, so that a CRL number is never reused. */
static int
record(struct crlrun *c)
{
	int ret;

	if (c->target != NULL && ((ret = ledger_record_revoke(c->ledger,
	    c->target->serial, c->opts->reason, c->when)) != 0 ||
	    (ret = log_revocation(c)) != 0))
		return ret;
	if ((ret = ledger_record_crl(c->ledger, c->number, c->sha256)) != 0 ||
	    (ret = log_crl(c)) != 0)
		return ret;
	return ledger_seal(c->ledger, transcript_secret_key(c->log));
}

static int
publish(struct crlrun *c)
{
	int ret;

	if ((ret = fileio_write_atomic(c->der_out.path, c->der, c->derlen,
	    0644, c->der_out.replaces != 0)) != 0 ||
	    (ret = fileio_write_atomic(c->pem_out.path, c->pem, c->pemlen,
	    0644, c->pem_out.replaces != 0)) != 0)
		return ret;
	return transcript_note(c->log, "crl-written", c->pem_out.path);
}

static int
ceremony(struct crlrun *c)
{
	char digest[512];
	int ret;

	/* From here on a signal stops us only at a step boundary. */
	ui_block_signals();
	if ((ret = transcript_open(c->cfg->transcript, PROG,
	    c->opts->cer.rehearsal, &c->gate, c->cfg->sha256, &c->log)) != 0 ||
	    (ret = transcript_note(c->log, "plan-confirmed", c->opts->cer.yes ?
	    "--yes given" : "typed yes")) != 0)
		return ret;
	if ((ret = sign_and_check(c)) != 0 || (ret = ui_interrupted()) != 0 ||
	    (ret = record(c)) != 0 || (ret = publish(c)) != 0)
		return ret;
	if (c->target != NULL)
		printf("Revoked serial %s (%s).\n", c->target->serial,
		    crl_reason_name(c->opts->reason));
	printf("CRL number %llu, %zu entr%s, SHA-256 %s\nWrote %s and %s\n",
	    c->number, c->nentries, c->nentries == 1 ? "y" : "ies",
	    c->sha256, c->pem_out.path, c->der_out.path);
	if ((ret = transcript_seal_text(c->log, digest, sizeof(digest))) != 0)
		return ret;
	printf("%s", digest);
	return 0;
}

/* After a failure in the ceremony: say so in the transcript and seal
 * what was recorded, keeping the error for the report. */
static void
record_failure(struct crlrun *c, int code)
{
	char msg[512], digest[512];

	if (c->log == NULL)
		return;
	snprintf(msg, sizeof(msg), "%s", err_msg());
	if (ledger_unsealed(c->ledger))
		(void)ledger_seal(c->ledger, transcript_secret_key(c->log));
	if (transcript_note(c->log, "failed", msg[0] != '\0' ? msg :
	    err_str(code)) == 0 &&
	    transcript_seal_text(c->log, digest, sizeof(digest)) == 0)
		printf("%s", digest);
	err_set(code, "%s", msg);
}

static void
crlrun_cleanup(struct crlrun *c)
{
	transcript_close(c->log);
	free(c->pem);
	free(c->der);
	OPENSSL_free(c->tbs);
	X509_CRL_free(c->crl);
	free(c->entries);
	free(c->der_out.path);
	rootkey_close(c->key);
	ledger_close(c->ledger);
	X509_free(c->root);
	signcfg_free(c->cfg);
}

static int
run(const struct opts *o)
{
	struct crlrun c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.opts = o;
	if ((ret = secmem_init()) != 0)
		return ret;
	/* Phase 2: load and check; nothing is written. */
	if ((ret = load_and_check(&c)) != 0)
		goto out;
	/* Phase 3: show the plan and wait for "yes". */
	if ((ret = show_plan(&c)) != 0)
		goto out;
	/* Phase 4: sign, record, publish. */
	if ((ret = ceremony(&c)) != 0)
		record_failure(&c, ret);
out:
	crlrun_cleanup(&c);
	return ret;
}

/* --plan: the validated ceremony file as one line of JSON. */
static int
print_plan(const struct opts *o)
{
	struct crlrun c;
	struct json_buf *j = NULL;
	const char *text;
	int ret;

	memset(&c, 0, sizeof(c));
	c.opts = o;
	if ((ret = signcfg_load(o->cer.config, SIGNCFG_CRL, &c.cfg)) != 0 ||
	    (ret = der_path(&c)) != 0 || (ret = json_new(&j)) != 0)
		goto out;
	plan_begin(j, PROG, o->cer.rehearsal, c.cfg->path, c.cfg->sha256);
	plan_root_session(j, c.cfg);
	json_add_str(j, "der_output", c.der_out.path);
	if (o->revoke != NULL) {
		json_begin_object(j, "revoke");
		json_add_str(j, "serial", o->serial);
		json_add_str(j, "reason", crl_reason_name(o->reason));
		if (o->time != NULL)
			json_add_str(j, "time", o->time);
		json_end_object(j);
	} else
		json_add_raw(j, "revoke", "null");
	json_end_object(j);
	if ((ret = json_text(j, &text, NULL)) != 0)
		goto out;
	if (printf("%s\n", text) < 0 || fflush(stdout) != 0)
		ret = err_set(ERR_IO, "writing the plan to standard output");
out:
	json_free(j);
	crlrun_cleanup(&c);
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
	return err_report(PROG, o.cer.plan ? print_plan(&o) : run(&o));
}
