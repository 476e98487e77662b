/*
 * pki-root-sign: sign an intermediate CA (or cross-sign another root)
 * at the root ceremony, under a policy.
 *
 * From one reviewed ceremony file: the CSR (or the certificate to
 * cross-sign), the policy, the root certificate, the root key and its
 * ledger.  Takes nothing from the CSR but the public key and the subject
 * parts the policy allows; refuses a CSR that asks for more.  Builds the
 * certificate, signs it first with a throwaway key and lints it (any
 * error refuses), shows a preview and waits for "yes", signs with the
 * root key, checks that the signed TBS is the linted one and that the
 * signature verifies under the root, writes certificate and chain, and
 * records the issuance in the ledger and the transcript.
 *
 * --plan loads and validates the ceremony file and its policy as a real
 * run does, and the CSR (or the certificate to cross-sign) if it is
 * already there, and prints the plan as JSON (plan.h) for the paper
 * script: no room check, no PIN, no HSM, nothing written.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "args.h"
#include "csr.h"
#include "envgate.h"
#include "err.h"
#include "fileio.h"
#include "intermediate.h"
#include "ledger.h"
#include "lint.h"
#include "pgpwords.h"
#include "pin.h"
#include "plan.h"
#include "policy.h"
#include "rootkey.h"
#include "secmem.h"
#include "signcfg.h"
#include "transcript.h"
#include "ui.h"
#include "x509.h"

#define PROG	"pki-root-sign"

struct opts {
	struct args_ceremony cer;	/* the ceremony file and options */
};

struct signing {
	const struct opts *opts;
	struct root_session *cfg;
	struct envgate gate;
	struct intermediate_policy *policy;
	X509 *root;
	X509_REQ *req;
	X509 *cross;
	EVP_PKEY *pub;			/* borrowed from req or cross */
	struct ledger *ledger;
	struct rootkey *key;
	X509 *cert;
	unsigned char *tbs;		/* the linted TBS */
	int tbslen;
	struct transcript *log;
	int wrote;			/* outputs to remove on failure */
};

static int
parse_args(int argc, char **argv, struct opts *o)
{
	return args_ceremony_parse(argc, argv, PROG, &o->cer);
}

/* What a CSR may ask for: CA:TRUE within the policy's pathLen, CA key
 * usages, an SKI.  Anything else is refused: the policy alone decides
 * the certificate's extensions. */
static int
check_requested(struct signing *s)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	const struct intermediate_policy *p = s->policy;
	int ret, i, ca = 0;
	long pathlen = -1;
	char name[80];

	if ((ret = csr_extensions(s->req, s->cfg->csr, &exts)) != 0)
		return ret;
	if ((ret = csr_requests_ca(s->req, &ca, &pathlen)) != 0)
		goto out;
	if (ca && pathlen >= 0 && p->path_len >= 0 && pathlen > p->path_len) {
		ret = err_set(ERR_NO, "%s asks for CA:TRUE with pathLen %ld; "
		    "policy %s grants pathLen %d", s->cfg->csr, pathlen,
		    p->name, p->path_len);
		goto out;
	}
	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
		X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, i);
		int nid = OBJ_obj2nid(X509_EXTENSION_get_object(e));

		if (nid == NID_basic_constraints || nid == NID_key_usage ||
		    nid == NID_subject_key_identifier)
			continue;
		OBJ_obj2txt(name, sizeof(name), X509_EXTENSION_get_object(e),
		    0);
		ret = err_set(ERR_NO, "%s asks for the %s extension, which "
		    "policy %s does not grant (only the public key and the "
		    "subject are taken from a CSR)", s->cfg->csr, name,
		    p->name);
		goto out;
	}
out:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return ret;
}

/* The ledger must be this root's: its first entry is the root
 * certificate itself. */
static int
check_ledger_root(struct signing *s)
{
	const struct ledger_entry *e;
	unsigned char digest[32];
	char hex[65];
	int ret;

	if ((ret = ledger_root(s->ledger, &e)) != 0 ||
	    (ret = x509_cert_sha256(s->root, digest)) != 0)
		return ret;
	transcript_hex(digest, sizeof(digest), hex);
	if (strcmp(hex, e->sha256) != 0)
		return err_set(ERR_DATA, "%s is the ledger of another root "
		    "than %s", s->cfg->ledger, s->cfg->root_cert);
	return 0;
}

/* Phase 2: every input is read and checked before the root key. */
static int
load_inputs(struct signing *s)
{
	const struct root_session *c;
	enum key_type type;
	int ret;

	if ((ret = signcfg_load(s->opts->cer.config, SIGNCFG_SIGN, &s->cfg)) != 0)
		return ret;
	c = s->cfg;
	if (fileio_exists(c->out_cert))
		return err_set(ERR_EXISTS, "%s: already exists", c->out_cert);
	if (c->out_chain != NULL && fileio_exists(c->out_chain))
		return err_set(ERR_EXISTS, "%s: already exists", c->out_chain);
	if ((ret = envgate_check(&s->gate)) != 0)
		return ret;
	printf("UTC time now: %s\n", s->gate.utc);
	if ((ret = envgate_enforce(&s->gate, s->opts->cer.rehearsal)) != 0 ||
	    (ret = policy_load(c->policy, &s->policy)) != 0 ||
	    (ret = x509_load(c->root_cert, &s->root)) != 0)
		return ret;
	if (c->csr != NULL) {
		if ((ret = csr_load(c->csr, &s->req)) != 0 ||
		    (ret = csr_check(s->req, c->csr, s->policy->key_types,
		    &type)) != 0 || (ret = check_requested(s)) != 0)
			return ret;
		s->pub = X509_REQ_get0_pubkey(s->req);
	} else {
		if ((ret = x509_load(c->cross_sign, &s->cross)) != 0)
			return ret;
		s->pub = X509_get0_pubkey(s->cross);
		type = s->pub != NULL ? keytype_of(s->pub) : KEY_NONE;
		if (type == KEY_NONE ||
		    (s->policy->key_types & (1u << type)) == 0)
			return err_set(ERR_DATA, "%s: its key type is not "
			    "allowed by policy %s", c->cross_sign,
			    s->policy->name);
	}
	if ((ret = ledger_open(c->ledger, 0, &s->ledger)) != 0)
		return ret;
	return check_ledger_root(s);
}

/* Phase 3: build, sign with a throwaway key, lint. */
static int
build_and_lint(struct signing *s)
{
	struct intermediate_request rq = { s->pub, NULL, s->cross,
	    s->cfg->validity_days };
	struct lint_expect expect = { LINT_INTERMEDIATE, s->policy->ekus,
	    s->policy->nekus, 0 };
	struct lint_report report;
	EVP_PKEY *throwaway = NULL;
	char *text = NULL;
	int ret;

	memset(&report, 0, sizeof(report));
	if (s->req != NULL)
		rq.csr_subject = X509_REQ_get_subject_name(s->req);
	if (s->policy->nekus == 0)
		expect.ekus = NULL;
	if ((ret = intermediate_build(s->policy, s->root, &rq, &s->cert)) != 0 ||
	    (ret = keytype_generate(rootkey_type(s->key), &throwaway)) != 0 ||
	    (ret = x509_sign(s->cert, throwaway, rootkey_type(s->key))) != 0 ||
	    (ret = lint_cert(s->cert, &expect, &report)) != 0)
		goto out;
	if (report.count > 0 &&
	    lint_report_text(&report, "certificate to sign", &text) == 0)
		fprintf(stderr, "%s", text);
	if (report.errors > 0) {
		ret = err_set(ERR_NO, "the certificate fails lint with %d "
		    "error%s: nothing was signed", report.errors,
		    report.errors == 1 ? "" : "s");
		goto out;
	}
	if ((s->tbslen = i2d_re_X509_tbs(s->cert, &s->tbs)) <= 0)
		ret = err_set(ERR_INTERNAL, "cannot encode the TBS");
out:
	free(text);
	lint_report_free(&report);
	EVP_PKEY_free(throwaway);
	return ret;
}

/* Phase 4: the preview the witnesses compare with the paper script. */
static int
preview(struct signing *s)
{
	unsigned char fp[32];
	char *hex = NULL, *words = NULL, *subject = NULL, *ext = NULL;
	char from[32], until[32], cfghex[65], polhex[65], self[65];
	int ret;

	if ((ret = x509_spki_sha256(s->pub, fp)) != 0 ||
	    (ret = hexfp_format(fp, sizeof(fp), &hex)) != 0 ||
	    (ret = pgpwords_format(fp, sizeof(fp), &words)) != 0 ||
	    (ret = intermediate_describe(s->cert, &ext)) != 0 ||
	    (ret = transcript_self_hex(self)) != 0)
		goto out;
	subject = x509_subject_line(s->cert);
	x509_time_text(X509_get0_notBefore(s->cert), from, sizeof(from));
	x509_time_text(X509_get0_notAfter(s->cert), until, sizeof(until));
	printf("\n%s under policy %s%s\n", s->cross != NULL ?
	    "Cross-sign" : "Sign intermediate", s->policy->name,
	    s->opts->cer.rehearsal ? " (REHEARSAL)" : "");
	transcript_hex(s->cfg->sha256, 32, cfghex);
	transcript_hex(s->policy->sha256, 32, polhex);
	printf("  program:     %s %s, SHA-256 (compare with the kit's "
	    "manifest)\n               %s\n", PROG, PKI_VERSION, self);
	printf("  ceremony:    %s (SHA-256 %s)\n", s->cfg->name, cfghex);
	printf("  policy file: %s (SHA-256 %s)\n", s->cfg->policy, polhex);
	printf("  subject:     %s\n", subject != NULL ? subject : "?");
	printf("  valid:       %s to %s\n", from, until);
	printf("  key SHA-256: %s\n               %s\n%s\n", hex, words, ext);
	ret = ui_confirm("Sign this certificate with the root key?",
	    s->opts->cer.yes);
out:
	free(hex);
	free(words);
	free(subject);
	free(ext);
	return ret;
}

/* The signed certificate against its issuer: name, AKI, signature,
 * validity within the root's. */
static int
lint_against_root(struct signing *s)
{
	struct lint_report report;
	char *text = NULL;
	int ret;

	memset(&report, 0, sizeof(report));
	if ((ret = lint_cert_issuer(s->cert, s->root, &report)) != 0)
		goto out;
	if (report.count > 0 &&
	    lint_report_text(&report, "signed certificate", &text) == 0)
		fprintf(stderr, "%s", text);
	if (report.errors > 0)
		ret = err_set(ERR_NO, "the signed certificate fails lint "
		    "against the root: it is not written");
out:
	free(text);
	lint_report_free(&report);
	return ret;
}

/* Phase 5: sign with the root key; the signed TBS must be the linted
 * one and the signature must verify under the root certificate. */
static int
sign_and_check(struct signing *s)
{
	unsigned char *tbs = NULL;
	int len, ret = 0;

	if ((ret = x509_sign(s->cert, rootkey_pkey(s->key),
	    rootkey_type(s->key))) != 0)
		return ret;
	len = i2d_re_X509_tbs(s->cert, &tbs);
	if (len != s->tbslen || memcmp(tbs, s->tbs, (size_t)len) != 0)
		ret = err_set(ERR_INTERNAL, "the signed certificate differs "
		    "from the linted one: refusing it");
	else if (X509_verify(s->cert, X509_get0_pubkey(s->root)) != 1)
		ret = err_set(ERR_NO, "the signature does not verify under "
		    "the root certificate");
	else
		ret = lint_against_root(s);
	OPENSSL_free(tbs);
	return ret;
}

static int
write_outputs(struct signing *s)
{
	unsigned char *pem = NULL, *rootpem = NULL, *chain = NULL;
	size_t pemlen, rootlen;
	int ret;

	if ((ret = x509_pem(s->cert, &pem, &pemlen)) != 0 ||
	    (ret = x509_pem(s->root, &rootpem, &rootlen)) != 0)
		goto out;
	if ((chain = malloc(pemlen + rootlen)) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	memcpy(chain, pem, pemlen);
	memcpy(chain + pemlen, rootpem, rootlen);
	if ((ret = fileio_write_atomic(s->cfg->out_cert, pem, pemlen, 0644,
	    0)) != 0)
		goto out;
	s->wrote = 1;
	if (s->cfg->out_chain != NULL && (ret = fileio_write_atomic(
	    s->cfg->out_chain, chain, pemlen + rootlen, 0644, 0)) != 0)
		goto out;
	s->wrote = 2;
out:
	free(pem);
	free(rootpem);
	free(chain);
	return ret;
}

/* Phase 6: the ledger records the issuance, the files are written, the
 * transcript records it all. */
static int
record(struct signing *s)
{
	unsigned char digest[32];
	char hex[65], *serial = NULL, *subject = NULL, text[512];
	struct json_buf *j = NULL;
	int ret;

	/* The ledger first: a certificate that exists but is not in the
	 * ledger could never be revoked.  Then the files, then the
	 * transcript. */
	if ((ret = transcript_open(s->cfg->transcript, PROG,
	    s->opts->cer.rehearsal, &s->gate, s->cfg->sha256, &s->log)) != 0 ||
	    (ret = ledger_record_issue(s->ledger, s->cert, s->cross != NULL ?
	    "cross" : "intermediate")) != 0 ||
	    (ret = ledger_seal(s->ledger, transcript_secret_key(s->log))) != 0 ||
	    (ret = write_outputs(s)) != 0 ||
	    (ret = json_new(&j)) != 0 ||
	    (ret = x509_cert_sha256(s->cert, digest)) != 0)
		goto out;
	serial = x509_serial_hex(s->cert);
	subject = x509_subject_line(s->cert);
	transcript_hex(digest, sizeof(digest), hex);
	json_add_str(j, "kind", s->cross != NULL ? "cross" : "intermediate");
	json_add_str(j, "serial", serial != NULL ? serial : "?");
	json_add_str(j, "subject", subject != NULL ? subject : "?");
	json_add_str(j, "certificate_sha256", hex);
	transcript_hex(s->policy->sha256, 32, hex);
	json_add_str(j, "policy", s->policy->name);
	json_add_str(j, "policy_sha256", hex);
	json_add_str(j, "lint", "no errors (throwaway-key TBS equals the "
	    "signed TBS)");
	if ((ret = transcript_add(s->log, "certificate-signed", j)) != 0 ||
	    (ret = transcript_seal_text(s->log, text, sizeof(text))) != 0)
		goto out;
	printf("Signed %s (serial %s) -> %s\n%s", subject, serial,
	    s->cfg->out_cert, text);
out:
	json_free(j);
	free(serial);
	free(subject);
	return ret;
}

static void
cleanup(struct signing *s, int failed)
{
	if (failed && s->wrote >= 1)
		unlink(s->cfg->out_cert);
	if (failed && s->wrote >= 2 && s->cfg->out_chain != NULL)
		unlink(s->cfg->out_chain);
	if (failed && s->log != NULL) {
		char reason[512], text[512];

		/* The ledger may already hold the certificate: the
		 * transcript says what happened. */
		snprintf(reason, sizeof(reason), "%s", err_msg());
		(void)transcript_note(s->log, "failed", reason);
		if (transcript_seal_text(s->log, text, sizeof(text)) == 0)
			printf("%s", text);
		err_set(ERR_IO, "%s", reason);
	}
	transcript_close(s->log);
	OPENSSL_free(s->tbs);
	X509_free(s->cert);
	rootkey_close(s->key);
	ledger_close(s->ledger);
	X509_free(s->cross);
	X509_REQ_free(s->req);
	X509_free(s->root);
	policy_free(s->policy);
	signcfg_free(s->cfg);
}

static int
run(const struct opts *o)
{
	struct signing s;
	int ret;

	memset(&s, 0, sizeof(s));
	s.opts = o;
	if ((ret = secmem_init()) != 0)
		return ret;
	/* Phase 2: inputs.  Phase 3: the root key, found and matched. */
	if ((ret = load_inputs(&s)) != 0 ||
	    (ret = rootkey_open(s.cfg->hsm_module, s.cfg->hsm_uri,
	    s.cfg->key_file, &o->cer.pin, s.root, &s.key)) != 0)
		goto out;
	/* Phase 4: build and lint; preview; confirm. */
	if ((ret = build_and_lint(&s)) != 0 || (ret = preview(&s)) != 0)
		goto out;
	ui_block_signals();
	/* Phase 5: sign.  Phase 6: write and record. */
	if ((ret = sign_and_check(&s)) != 0 ||
	    (ret = ui_interrupted()) != 0 || (ret = record(&s)) != 0)
		goto out;
out:
	cleanup(&s, ret != 0);
	return ret;
}

/*
 * --plan: "request": the public key to be certified, checked as a real
 * run checks it, or null when the file is not here yet.
 */
static int
plan_request(struct json_buf *j, const struct root_session *c,
    const struct intermediate_policy *p)
{
	const char *path = c->csr != NULL ? c->csr : c->cross_sign;
	X509_REQ *req = NULL;
	X509 *cert = NULL;
	EVP_PKEY *pub;
	enum key_type type;
	unsigned char fp[32];
	char *hex = NULL, *words = NULL;
	int ret;

	ret = c->csr != NULL ? csr_load(path, &req) : x509_load(path, &cert);
	if (ret == ERR_NOINPUT) {
		err_clear();
		return json_add_raw(j, "request", "null");
	}
	if (ret != 0 || (req != NULL && (ret = csr_check(req, path,
	    p->key_types, &type)) != 0))
		goto out;
	pub = req != NULL ? X509_REQ_get0_pubkey(req) : X509_get0_pubkey(cert);
	type = pub != NULL ? keytype_of(pub) : KEY_NONE;
	if ((ret = x509_spki_sha256(pub, fp)) != 0 ||
	    (ret = hexfp_format(fp, sizeof(fp), &hex)) != 0 ||
	    (ret = pgpwords_format(fp, sizeof(fp), &words)) != 0)
		goto out;
	json_begin_object(j, "request");
	json_add_str(j, "path", path);
	json_add_str(j, "key_type", keytype_name(type));
	json_add_str(j, "key_sha256", hex);
	json_add_str(j, "key_words", words);
	json_end_object(j);
out:
	free(hex);
	free(words);
	X509_REQ_free(req);
	X509_free(cert);
	return ret;
}

/* --plan: the validated ceremony file and policy as one line of JSON. */
static int
print_plan(const struct opts *o)
{
	struct root_session *cfg = NULL;
	struct intermediate_policy *policy = NULL;
	struct json_buf *j = NULL;
	const char *text;
	int ret;

	if ((ret = signcfg_load(o->cer.config, SIGNCFG_SIGN, &cfg)) != 0 ||
	    (ret = policy_load(cfg->policy, &policy)) != 0 ||
	    (ret = json_new(&j)) != 0)
		goto out;
	plan_begin(j, PROG, o->cer.rehearsal, cfg->path, cfg->sha256);
	plan_root_session(j, cfg);
	plan_policy(j, policy, cfg->validity_days);
	if ((ret = plan_request(j, cfg, policy)) != 0)
		goto out;
	json_end_object(j);
	if ((ret = json_text(j, &text, NULL)) != 0)
		goto out;
	if (printf("%s\n", text) < 0 || fflush(stdout) != 0)
		ret = err_set(ERR_IO, "writing the plan to standard output");
out:
	json_free(j);
	policy_free(policy);
	signcfg_free(cfg);
	return ret;
}

int
main(int argc, char **argv)
{
	struct opts o;
	int ret;

	if ((ret = parse_args(argc, argv, &o)) != 0) {
		if (err_msg()[0] == '\0')
			args_ceremony_usage(stderr, PROG);
		return err_report(PROG, ret);
	}
	return err_report(PROG, o.cer.plan ? print_plan(&o) : run(&o));
}
