/*
 * pki-root-keygen: the root key ceremony.
 *
 * Reads one reviewed ceremony file, checks the room (air gap, no core
 * dumps, locked memory), shows the plan and waits for "yes", then:
 * generates the root key in locked memory, self-signs the root
 * certificate, wraps the key under a fresh KEK, splits the KEK M-of-N,
 * writes the backup and the share sheets, imports the key into the HSM
 * as non-extractable (or writes an encrypted key file), proves the token
 * key signs for the certificate, reads every share back, restores the
 * key from M random shares in memory, and seals the transcript.
 *
 * Every output is built in a staging directory that becomes the output
 * directory by one rename at the very end: a failure leaves nothing
 * behind, and a key already imported into the token is deleted again.
 *
 * --plan only loads and validates the ceremony file, as a real run does,
 * and prints the plan as JSON (plan.h) for the paper script: no room
 * check, no PIN, no HSM, nothing written.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "args.h"
#include "ceremonycfg.h"
#include "envgate.h"
#include "err.h"
#include "fileio.h"
#include "hsm.h"
#include "kekshare.h"
#include "ledger.h"
#include "keyfile.h"
#include "pgpwords.h"
#include "pin.h"
#include "plan.h"
#include "rootkey.h"
#include "secmem.h"
#include "sheet.h"
#include "transcript.h"
#include "ui.h"
#include "x509.h"

#define PROG	"pki-root-keygen"

struct opts {
	struct args_ceremony cer;	/* the ceremony file and options */
};

struct keygen {
	const struct opts *opts;
	struct root_ceremony *cfg;
	struct envgate gate;
	char *pin;			/* secmem: token PIN or passphrase */
	struct hsm *hsm;
	const char *label;		/* key label in the token */
	char *stage;			/* staging directory */
	struct transcript *log;
	EVP_PKEY *key;			/* software root key, if any */
	EVP_PKEY *token_key;		/* the key inside the token */
	EVP_PKEY *pub;			/* the root public key */
	X509 *cert;
	unsigned char fp[32];		/* SHA-256 of the SPKI */
	char *fp_hex, *fp_words, *subject;
	unsigned char *pkcs8;		/* secmem */
	size_t pkcs8len;
	unsigned char *backup;
	size_t backuplen;
	struct share *shares;		/* secmem, n records */
	int imported;			/* delete from the token on failure */
};

static int
parse_args(int argc, char **argv, struct opts *o)
{
	return args_ceremony_parse(argc, argv, PROG, &o->cer);
}

/* Phase 2: everything is checked before anything is created. */
static int
load_and_check(struct keygen *k)
{
	const struct root_ceremony *cfg;
	int ret, exists = 0;

	if ((ret = ceremonycfg_load(k->opts->cer.config, &k->cfg)) != 0)
		return ret;
	cfg = k->cfg;
	if (fileio_exists(cfg->output_dir))
		return err_set(ERR_EXISTS, "%s: output directory already "
		    "exists", cfg->output_dir);
	if ((ret = envgate_check(&k->gate)) != 0)
		return ret;
	printf("UTC time now: %s (witnesses: check it against an "
	    "independent clock)\n", k->gate.utc);
	if ((ret = envgate_enforce(&k->gate, k->opts->cer.rehearsal)) != 0)
		return ret;
	if (cfg->hsm_module == NULL)
		return pin_read_new(&k->opts->cer.pin, "Passphrase for the root "
		    "key file: ", &k->pin);
	if (access(cfg->hsm_module, R_OK) != 0)
		return err_set(ERR_UNAVAILABLE, "%s: cannot read PKCS#11 "
		    "module", cfg->hsm_module);
	if ((ret = pin_read(&k->opts->cer.pin, "HSM user PIN: ", &k->pin)) != 0)
		return ret;
	if ((ret = hsm_open(cfg->hsm_module, cfg->hsm_uri, k->pin,
	    &k->hsm)) != 0)
		return ret;
	k->label = hsm_uri_object(k->hsm);
	if ((ret = hsm_key_exists(k->hsm, k->label, &exists)) != 0)
		return ret;
	if (exists)
		return err_set(ERR_EXISTS, "token %s already holds a key "
		    "labelled \"%s\"", hsm_token_label(k->hsm), k->label);
	return 0;
}

/* Phase 3: the plan, for the witnesses to compare with the script. */
static int
show_plan(struct keygen *k)
{
	const struct root_ceremony *c = k->cfg;
	char self[65];
	size_t i;
	int ret;

	if ((ret = transcript_self_hex(self)) != 0)
		return ret;
	printf("\nPlan for \"%s\"%s\n", c->name,
	    k->opts->cer.rehearsal ? " (REHEARSAL)" : "");
	printf("  program:       %s %s, SHA-256 (compare with the kit's "
	    "manifest)\n                 %s\n", PROG, PKI_VERSION, self);
	printf("  administrator: %s\n", c->administrator);
	for (i = 0; i < c->nwitnesses; i++)
		printf("  witness:       %s\n", c->witnesses[i]);
	printf("  root key:      %s, %s\n", keytype_name(c->key_type),
	    c->hsm_uri != NULL ? c->hsm_uri : c->key_file);
	if (c->hsm_uri != NULL)
		printf("                 imported as sensitive and "
		    "non-extractable into token %s\n", hsm_token_label(k->hsm));
	printf("  certificate:   CN=%s, valid %u years\n", c->subject_cn,
	    c->validity_years);
	if (c->backup_shamir) {
		printf("  backup:        encrypted, KEK split %u of %zu\n",
		    c->threshold, c->ncustodians);
		for (i = 0; i < c->ncustodians; i++)
			printf("  custodian %2zu:  %s\n", i + 1,
			    c->custodians[i]);
	} else
		printf("  backup:        none (key generated inside the HSM; "
		    "rely on the HSM vendor's own backup)\n");
	printf("  output:        %s/\n\n", c->output_dir);
	return ui_confirm("Proceed with this plan?", k->opts->cer.yes);
}

static int
stage_write(struct keygen *k, const char *name, const void *buf, size_t len,
    mode_t mode)
{
	char *path = fileio_join(k->stage, name);
	int ret;

	if (path == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	ret = fileio_write_new(path, buf, len, mode);
	free(path);
	return ret;
}

static int
write_certificate(struct keygen *k)
{
	unsigned char *pem = NULL, *der = NULL, digest[32];
	size_t pemlen, derlen;
	char hex[65], text[1024];
	struct json_buf *j = NULL;
	char *serial = NULL;
	int ret;

	if ((ret = x509_pem(k->cert, &pem, &pemlen)) != 0 ||
	    (ret = x509_der(k->cert, &der, &derlen)) != 0 ||
	    (ret = stage_write(k, "root.pem", pem, pemlen, 0644)) != 0 ||
	    (ret = stage_write(k, "root.der", der, derlen, 0644)) != 0)
		goto out;
	snprintf(text, sizeof(text), "Root key SHA-256 (SubjectPublicKeyInfo):"
	    "\n  %s\n  %s\n", k->fp_hex, k->fp_words);
	if ((ret = stage_write(k, "root.fingerprint.txt", text, strlen(text),
	    0644)) != 0 || (ret = x509_cert_sha256(k->cert, digest)) != 0 ||
	    (ret = json_new(&j)) != 0)
		goto out;
	transcript_hex(digest, sizeof(digest), hex);
	json_add_str(j, "certificate_sha256", hex);
	transcript_hex(k->fp, sizeof(k->fp), hex);
	json_add_str(j, "key_sha256", hex);
	json_add_str(j, "key_words", k->fp_words);
	json_add_str(j, "key_type", keytype_name(k->cfg->key_type));
	json_add_str(j, "subject", k->subject);
	if ((serial = x509_serial_hex(k->cert)) != NULL)
		json_add_str(j, "serial", serial);
	ret = transcript_add(k->log, "root-certificate", j);
out:
	free(serial);
	json_free(j);
	free(pem);
	free(der);
	return ret;
}

/* Generate the key (in locked memory, or in the token for backup: none)
 * and self-sign the root certificate. */
static int
make_key_and_cert(struct keygen *k)
{
	const struct root_ceremony *c = k->cfg;
	struct x509_subject subject = { c->subject_c, c->subject_st,
	    c->subject_l, c->subject_o, c->subject_ou, c->subject_cn };
	int ret;

	if (c->backup_shamir) {
		if ((ret = keytype_generate(c->key_type, &k->key)) != 0)
			return ret;
	} else {
		if ((ret = hsm_generate_key(k->hsm, k->label,
		    c->key_type)) != 0)
			return ret;
		k->imported = 1;
		if ((ret = hsm_signing_key(k->hsm, k->label,
		    &k->token_key)) != 0)
			return ret;
	}
	if (k->key != NULL)
		ret = x509_build_root(k->key, &subject, c->validity_years,
		    &k->cert);
	else {
		EVP_PKEY *pub = NULL;

		if ((ret = hsm_public_key(k->hsm, k->label, &pub)) != 0)
			return ret;
		ret = x509_build_root(pub, &subject, c->validity_years,
		    &k->cert);
		EVP_PKEY_free(pub);
	}
	if (ret != 0 || (ret = x509_sign(k->cert, k->key != NULL ? k->key :
	    k->token_key, c->key_type)) != 0)
		return ret;
	k->pub = X509_get0_pubkey(k->cert);
	if ((ret = x509_spki_sha256(k->pub, k->fp)) != 0 ||
	    (ret = hexfp_format(k->fp, sizeof(k->fp), &k->fp_hex)) != 0 ||
	    (ret = pgpwords_format(k->fp, sizeof(k->fp), &k->fp_words)) != 0)
		return ret;
	if ((k->subject = x509_subject_line(k->cert)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	return write_certificate(k);
}

/* Wrap the key under a fresh KEK, split it, write backup and sheets. */
static int
make_backup(struct keygen *k)
{
	const struct root_ceremony *c = k->cfg;
	struct kekshare_params p = { c->threshold, (unsigned)c->ncustodians,
	    (const char *const *)c->custodians, k->fp, c->key_type,
	    transcript_secret_key(k->log), transcript_public_key(k->log) };
	char program[64];
	struct sheet_info info = { k->fp_hex, k->fp_words, k->subject,
	    k->gate.utc, program };
	unsigned i;
	int ret;

	snprintf(program, sizeof(program), "%s %s", PROG, PKI_VERSION);
	if ((ret = x509_private_der(k->key, &k->pkcs8, &k->pkcs8len)) != 0 ||
	    (ret = kekshare_create(k->pkcs8, k->pkcs8len, &p, &k->backup,
	    &k->backuplen, &k->shares)) != 0 ||
	    (ret = stage_write(k, "root-backup.bin", k->backup, k->backuplen,
	    0644)) != 0 || (ret = transcript_log_backup(k->log, k->backup,
	    k->backuplen, (const char *const *)c->custodians)) != 0)
		return ret;
	for (i = 0; i < p.n; i++)
		if ((ret = sheet_write(k->stage, &k->shares[i], &info)) != 0)
			return ret;
	return transcript_note(k->log, "share-sheets", "written: text, SVG "
	    "and PBM for every custodian (share values are not logged)");
}

/* Put the key into its home: the token, or an encrypted key file. */
static int
install_key(struct keygen *k)
{
	const struct root_ceremony *c = k->cfg;
	struct json_buf *j = NULL;
	unsigned char *enc = NULL;
	EVP_PKEY *back = NULL;
	size_t enclen;
	int ret;

	if ((ret = json_new(&j)) != 0)
		return ret;
	if (c->hsm_uri != NULL && c->backup_shamir) {
		if ((ret = rootkey_import(k->hsm, k->label, k->key, k->pub,
		    j)) != 0)
			goto out;
		k->imported = 1;
	} else if (c->hsm_uri != NULL) {
		ret = rootkey_prove(k->hsm, k->label, k->pub, j);
		if (ret != 0)
			goto out;
	} else {
		if ((ret = keyfile_encode(k->key, k->pin, &enc, &enclen)) != 0 ||
		    (ret = stage_write(k, c->key_file, enc, enclen, 0600)) != 0 ||
		    (ret = keyfile_decode(enc, enclen, c->key_file, k->pin,
		    &back)) != 0 ||
		    (ret = x509_challenge(back, k->pub, c->key_type)) != 0)
			goto out;
		json_add_str(j, "key_file", c->key_file);
		json_add_str(j, "check", "decrypted again and signed a "
		    "challenge that verifies under the certificate key");
	}
	ret = transcript_add(k->log, "key-installed", j);
out:
	EVP_PKEY_free(back);
	free(enc);
	json_free(j);
	return ret;
}

/* A custodian may type only the numbered lines: frame them. */
static int
parse_typed(const char *text, size_t len, struct share *got)
{
	static const char begin[] = "-----BEGIN PKI ROOT BACKUP SHARE-----\n";
	static const char end[] = "-----END PKI ROOT BACKUP SHARE-----\n";
	size_t total = sizeof(begin) + len + sizeof(end);
	char *framed;
	int ret;

	if (strstr(text, "-----BEGIN") != NULL || strstr(text, "QR-Code:") ||
	    strstr(text, "PKISHARE") != NULL)
		return share_parse(text, len, "typed share", got);
	if ((framed = secmem_alloc(total)) == NULL)
		return err_set(ERR_INTERNAL, "out of locked memory");
	snprintf(framed, total, "%s%s%s", begin, text, end);
	ret = share_parse(framed, strlen(framed), "typed share", got);
	secmem_free(framed);
	return ret;
}

/* One custodian reads their share back from the screen (scan or type). */
static int
readback_typed(struct keygen *k, unsigned i, struct share *got)
{
	char *text = NULL, prompt[160];
	size_t len;
	int ret, tries;

	snprintf(prompt, sizeof(prompt), "Custodian %s: press Enter when "
	    "only you can see the screen.", k->shares[i].custodian);
	ui_pause_and_clear(prompt);
	if ((ret = sheet_show(STDOUT_FILENO, &k->shares[i])) != 0)
		return ret;
	for (tries = 0; tries < 3; tries++) {
		ret = ui_read_block("Scan the QR code or type the numbered "
		    "lines back, then an empty line:\n", &text, &len);
		if (ret == 0)
			ret = parse_typed(text, len, got);
		secmem_free(text);
		text = NULL;
		if (ret == 0 && sheet_same_share(got, &k->shares[i]))
			break;
		fprintf(stderr, "%s: %s\n", PROG, ret != 0 ? err_msg() :
		    "that is not this custodian's share");
		ret = err_set(ERR_NO, "custodian %s could not read the share "
		    "back", k->shares[i].custodian);
	}
	ui_pause_and_clear("Press Enter to clear the screen.");
	return ret;
}

/* Every share is read back: typed by each custodian on a terminal, or
 * parsed from its sheet file when run from a script. */
static int
readback(struct keygen *k)
{
	unsigned i, n = (unsigned)k->cfg->ncustodians;
	int typed = ui_interactive() && !k->opts->cer.yes;
	struct share *got = NULL;
	int ret = 0;

	if (!typed)
		ret = sheet_readback(k->stage, k->shares, n);
	else if ((got = secmem_alloc(sizeof(*got))) == NULL)
		ret = err_set(ERR_INTERNAL, "out of locked memory");
	for (i = 0; typed && i < n && ret == 0; i++)
		ret = readback_typed(k, i, got);
	secmem_free(got);
	if (ret != 0)
		return ret;
	return transcript_note(k->log, "readback", typed ?
	    "every custodian read their share back from the screen" :
	    "every share sheet was read back from its file and matched");
}

/* Restore from M shares picked at random, in memory; the key must be
 * the certificate's. */
static int
restore_test(struct keygen *k)
{
	struct json_buf *j = NULL;
	char used[64];
	int ret;

	if ((ret = kekshare_selftest(k->backup, k->backuplen, k->shares,
	    (unsigned)k->cfg->ncustodians, k->cfg->threshold, k->pub, used,
	    sizeof(used))) != 0 || (ret = json_new(&j)) != 0)
		return ret;
	json_add_str(j, "shares_used", used);
	json_add_str(j, "result", "recovered key equals the root "
	    "certificate's public key");
	ret = transcript_add(k->log, "restore-test", j);
	json_free(j);
	printf("Restore test with shares %s: the key matches the root "
	    "certificate.\n", used);
	return ret;
}

/* The root's ledger starts with the root itself; pki-root-sign and
 * pki-root-crl add to it. */
static int
start_ledger(struct keygen *k)
{
	struct ledger *l = NULL;
	char *path;
	int ret;

	if ((path = fileio_join(k->stage, "ledger.log")) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if ((ret = ledger_open(path, 1, &l)) == 0 &&
	    (ret = ledger_record_issue(l, k->cert, "root")) == 0)
		ret = ledger_seal(l, transcript_secret_key(k->log));
	ledger_close(l);
	free(path);
	if (ret == 0)
		ret = transcript_note(k->log, "ledger", "started with the root "
		    "certificate; sealed with the session key");
	return ret;
}

static int
ceremony(struct keygen *k)
{
	char *path = NULL, digest[512];
	int ret;

	/* From here on a signal stops us only at a step boundary, where
	 * everything is undone. */
	ui_block_signals();
	if ((ret = fileio_stage_begin(k->cfg->output_dir, &k->stage)) != 0)
		return ret;
	if ((path = fileio_join(k->stage, "transcript.log")) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	ret = transcript_open(path, PROG, k->opts->cer.rehearsal, &k->gate,
	    k->cfg->sha256, &k->log);
	free(path);
	if (ret != 0 || (ret = transcript_note(k->log, "plan-confirmed",
	    k->opts->cer.yes ? "--yes given" : "typed yes")) != 0)
		return ret;
	if ((ret = make_key_and_cert(k)) != 0 ||
	    (ret = ui_interrupted()) != 0)
		return ret;
	if (k->cfg->backup_shamir && (ret = make_backup(k)) != 0)
		return ret;
	if ((ret = install_key(k)) != 0 ||
	    (ret = ui_interrupted()) != 0)
		return ret;
	if (k->cfg->backup_shamir && ((ret = readback(k)) != 0 ||
	    (ret = restore_test(k)) != 0))
		return ret;
	if ((ret = start_ledger(k)) != 0)
		return ret;
	printf("Root key SHA-256:\n  %s\n  %s\n", k->fp_hex, k->fp_words);
	if ((ret = ui_interrupted()) != 0 ||
	    (ret = transcript_seal_text(k->log, digest, sizeof(digest))) != 0)
		return ret;
	printf("%s", digest);
	return 0;
}

static void
keygen_cleanup(struct keygen *k, int failed)
{
	if (failed && k->imported && k->hsm != NULL)
		(void)hsm_delete_key(k->hsm, k->label);
	transcript_close(k->log);
	if (failed)
		fileio_stage_abort(k->stage);
	else if (k->stage != NULL)
		printf("Wrote %s/\n", k->cfg->output_dir);
	free(k->stage);
	secmem_free(k->shares);
	free(k->backup);
	secmem_free(k->pkcs8);
	free(k->fp_hex);
	free(k->fp_words);
	free(k->subject);
	X509_free(k->cert);
	EVP_PKEY_free(k->token_key);
	EVP_PKEY_free(k->key);
	hsm_close(k->hsm);
	secmem_free(k->pin);
	ceremonycfg_free(k->cfg);
}

static int
run(const struct opts *o)
{
	struct keygen k;
	int ret;

	memset(&k, 0, sizeof(k));
	k.opts = o;
	if ((ret = secmem_init()) != 0)
		return ret;
	/* Phase 2: load and check. */
	if ((ret = load_and_check(&k)) != 0)
		goto out;
	/* Phase 3: show the plan and wait for "yes". */
	if ((ret = show_plan(&k)) != 0)
		goto out;
	/* Phase 4: the ceremony. */
	if ((ret = ceremony(&k)) != 0)
		goto out;
	/* Phase 5: publish. */
	ret = fileio_stage_commit(k.stage, k.cfg->output_dir);
out:
	keygen_cleanup(&k, ret);
	return ret;
}

/* --plan: the validated ceremony file as one line of JSON. */
static int
print_plan(const struct opts *o)
{
	struct root_ceremony *cfg = NULL;
	struct json_buf *j = NULL;
	const char *text;
	int ret;

	if ((ret = ceremonycfg_load(o->cer.config, &cfg)) != 0 ||
	    (ret = json_new(&j)) != 0)
		goto out;
	plan_begin(j, PROG, o->cer.rehearsal, cfg->path, cfg->sha256);
	plan_root_ceremony(j, cfg);
	json_end_object(j);
	if ((ret = json_text(j, &text, NULL)) != 0)
		goto out;
	if (printf("%s\n", text) < 0 || fflush(stdout) != 0)
		ret = err_set(ERR_IO, "writing the plan to standard output");
out:
	json_free(j);
	ceremonycfg_free(cfg);
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
