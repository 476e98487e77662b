/*
 * pki-root-restore: disaster recovery of the root key.
 *
 * Backup + M shares -> the key, recovered in locked memory, checked
 * against the root certificate, then imported into a fresh token as
 * sensitive and non-extractable (or written as a new encrypted key
 * file), proven by a challenge signature, and wiped.  Nothing is written
 * and nothing imported unless the recovered key is the certificate's.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envgate.h"
#include "args.h"
#include "err.h"
#include "fileio.h"
#include "hsm.h"
#include "kekshare.h"
#include "keyfile.h"
#include "pin.h"
#include "rootkey.h"
#include "secmem.h"
#include "sheet.h"
#include "transcript.h"
#include "ui.h"
#include "x509.h"

#define PROG			"pki-root-restore"
#define DEFAULT_TRANSCRIPT	"restore-transcript.log"

struct opts {
	const char *backup, *cert, *module, *uri, *key_file, *transcript;
	int rehearsal, yes, pin_set;
	struct pin_source pin;
	char *const *shares;
	int nshares;
};

struct restore {
	const struct opts *opts;
	struct envgate gate;
	struct sheet_inputs in;
	unsigned char *backup;
	size_t backuplen;
	unsigned char *plain;		/* secmem: PKCS#8 of the root key */
	size_t plainlen;
	EVP_PKEY *key;
	X509 *cert;
	char *pin;			/* secmem */
	struct hsm *hsm;
	const char *label;
	struct transcript *log;
	int new_transcript;		/* created by this run */
	int imported;			/* undo on a later failure */
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s --backup FILE --cert ROOT\n"
	    "           (--hsm-module PATH --uri PKCS11-URI | --key-file OUT)\n"
	    "           [--pin-file FILE | --pin-fd N] [--transcript FILE]\n"
	    "           [--rehearsal] [--yes] SHARE...\n"
	    "       %s --help | --version\n", PROG, PROG);
}

static int
check_args(struct opts *o)
{
	if (o->backup == NULL || o->cert == NULL)
		return err_set(ERR_USAGE, "--backup and --cert are required");
	if ((o->module != NULL) != (o->uri != NULL))
		return err_set(ERR_USAGE, "--hsm-module and --uri go together");
	if ((o->uri != NULL) == (o->key_file != NULL))
		return err_set(ERR_USAGE, "give either --uri (a token) or "
		    "--key-file (an encrypted key file)");
	if (o->nshares == 0)
		return err_set(ERR_USAGE, "give the shares (files, or - for "
		    "standard input)");
	if (o->transcript == NULL)
		o->transcript = DEFAULT_TRANSCRIPT;
	return 0;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "backup", required_argument, NULL, 'b' },
		{ "cert", required_argument, NULL, 'c' },
		{ "hsm-module", required_argument, NULL, 'm' },
		{ "uri", required_argument, NULL, 'u' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "transcript", required_argument, NULL, 't' },
		{ "pin-file", required_argument, NULL, 'p' },
		{ "pin-fd", required_argument, NULL, 'f' },
		{ "rehearsal", no_argument, NULL, 'r' },
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c, ret = 0;

	memset(o, 0, sizeof(*o));
	o->pin.kind = PIN_PROMPT;
	while (ret == 0 &&
	    (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': ret = args_once(&o->backup, optarg, "backup"); break;
		case 'c': ret = args_once(&o->cert, optarg, "cert"); break;
		case 'm': ret = args_once(&o->module, optarg, "hsm-module"); break;
		case 'u': ret = args_once(&o->uri, optarg, "uri"); break;
		case 'k': ret = args_once(&o->key_file, optarg, "key-file"); break;
		case 't': ret = args_once(&o->transcript, optarg, "transcript");
			break;
		case 'p':
		case 'f':
			ret = args_pin(&o->pin, &o->pin_set, c, optarg);
			break;
		case 'r':
		case 'y':
			if ((c == 'r' ? o->rehearsal : o->yes) != 0)
				return err_set(ERR_USAGE, "option given twice");
			*(c == 'r' ? &o->rehearsal : &o->yes) = 1;
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
	o->shares = argv + optind;
	o->nshares = argc - optind;
	return check_args(o);
}

/* Phase 2: recover the key in memory; it must be the certificate's. */
static int
recover_key(struct restore *r)
{
	const struct opts *o = r->opts;
	int ret;

	if ((ret = x509_load(o->cert, &r->cert)) != 0 ||
	    (ret = fileio_read(o->backup, BACKUP_MAX_FILE, &r->backup,
	    &r->backuplen)) != 0 ||
	    (ret = sheet_read_inputs(o->shares, o->nshares, &r->in)) != 0 ||
	    (ret = kekshare_recover(r->backup, r->backuplen, o->backup,
	    r->in.shares, (const char *const *)r->in.names, r->in.count,
	    &r->plain, &r->plainlen, NULL)) != 0 ||
	    (ret = x509_private_parse(r->plain, r->plainlen, &r->key)) != 0)
		return ret;
	if (EVP_PKEY_eq(r->key, X509_get0_pubkey(r->cert)) != 1)
		return err_set(ERR_NO, "the shares open %s, but the key is not "
		    "the key of %s", o->backup, o->cert);
	printf("The shares open the backup; the key matches %s.\n", o->cert);
	return 0;
}

/* Phase 3: the destination is free and reachable. */
static int
open_destination(struct restore *r)
{
	const struct opts *o = r->opts;
	int ret, exists = 0;

	if (o->key_file != NULL) {
		if (fileio_exists(o->key_file))
			return err_set(ERR_EXISTS, "%s: already exists",
			    o->key_file);
		return pin_read_new(&o->pin, "Passphrase for the new key "
		    "file: ", &r->pin);
	}
	if (access(o->module, R_OK) != 0)
		return err_set(ERR_UNAVAILABLE, "%s: cannot read PKCS#11 "
		    "module", o->module);
	if ((ret = pin_read(&o->pin, "HSM user PIN: ", &r->pin)) != 0 ||
	    (ret = hsm_open(o->module, o->uri, r->pin, &r->hsm)) != 0)
		return ret;
	if ((r->label = hsm_uri_object(r->hsm)) == NULL)
		return err_set(ERR_USAGE, "%s: the URI names no object (add "
		    "object=LABEL)", o->uri);
	if ((ret = hsm_key_exists(r->hsm, r->label, &exists)) != 0)
		return ret;
	if (exists)
		return err_set(ERR_EXISTS, "token %s already holds a key "
		    "labelled \"%s\"", hsm_token_label(r->hsm), r->label);
	return 0;
}

/* Phase 5: import, or write the key file; prove it either way. */
static int
install(struct restore *r)
{
	const struct opts *o = r->opts;
	EVP_PKEY *pub = X509_get0_pubkey(r->cert), *back = NULL;
	struct json_buf *j = NULL;
	int ret;

	if ((ret = json_new(&j)) != 0)
		return ret;
	if (r->hsm != NULL) {
		ret = rootkey_import(r->hsm, r->label, r->key, pub, j);
		r->imported = ret == 0;
	}
	else if ((ret = keyfile_write(o->key_file, r->key, r->pin)) == 0 &&
	    ((ret = keyfile_read(o->key_file, r->pin, &back)) != 0 ||
	    (ret = x509_challenge(back, pub, keytype_of(pub))) != 0))
		unlink(o->key_file);
	if (ret == 0) {
		json_add_str(j, "certificate", o->cert);
		json_add_str(j, "backup", o->backup);
		json_add_int(j, "shares_used", r->in.count);
		ret = transcript_add(r->log, "root-key-restored", j);
	}
	EVP_PKEY_free(back);
	json_free(j);
	return ret;
}

/* A failed run leaves no new transcript; an existing one records the
 * failure and is sealed again. */
static void
abandon_transcript(struct restore *r, int failure)
{
	char reason[512], digest[512];

	if (r->new_transcript) {
		transcript_close(r->log);
		r->log = NULL;
		unlink(r->opts->transcript);
		return;
	}
	snprintf(reason, sizeof(reason), "%s", err_msg());
	(void)transcript_note(r->log, "failed", reason);
	(void)transcript_seal_text(r->log, digest, sizeof(digest));
	printf("%s", digest);
	err_set(failure, "%s", reason);
}

static int
run(const struct opts *o)
{
	struct restore r;
	char digest[512];
	int ret;

	memset(&r, 0, sizeof(r));
	r.opts = o;
	if ((ret = secmem_init()) != 0 || (ret = envgate_check(&r.gate)) != 0)
		return ret;
	printf("UTC time now: %s\n", r.gate.utc);
	if ((ret = envgate_enforce(&r.gate, o->rehearsal)) != 0 ||
	    (ret = recover_key(&r)) != 0 ||
	    (ret = open_destination(&r)) != 0)
		goto out;
	/* Phase 4: plan and confirmation. */
	printf("\nPlan: restore the root key of %s into %s%s\n\n", o->cert,
	    o->uri != NULL ? o->uri : o->key_file,
	    o->rehearsal ? " (REHEARSAL)" : "");
	r.new_transcript = !fileio_exists(o->transcript);
	if ((ret = ui_confirm("Proceed?", o->yes)) != 0 ||
	    (ret = transcript_open(o->transcript, PROG, o->rehearsal,
	    &r.gate, NULL, &r.log)) != 0 || (ret = install(&r)) != 0 ||
	    (ret = transcript_seal_text(r.log, digest, sizeof(digest))) != 0)
		goto out;
	printf("%s", digest);
	printf("Restored the root key into %s.\n",
	    o->uri != NULL ? o->uri : o->key_file);
out:
	if (ret != 0 && r.imported)
		(void)hsm_delete_key(r.hsm, r.label);
	if (ret != 0 && r.log != NULL)
		abandon_transcript(&r, ret);
	transcript_close(r.log);
	hsm_close(r.hsm);
	secmem_free(r.pin);
	EVP_PKEY_free(r.key);
	X509_free(r.cert);
	secmem_free(r.plain);
	free(r.backup);
	sheet_inputs_free(&r.in);
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
