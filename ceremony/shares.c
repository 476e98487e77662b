/*
 * pki-shares: check, combine and re-split the shares of a root backup.
 *
 *   verify  each custodian checks their own share, alone, at any time
 *   combine M custodians prove together that their shares open the
 *           backup (the key is recovered in locked memory, compared with
 *           the root certificate, and wiped: it is never written)
 *   resplit new KEK, new set id, new backup, new shares for new
 *           custodians; the old shares cannot open the new backup
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "envgate.h"
#include "args.h"
#include "err.h"
#include "fileio.h"
#include "kekshare.h"
#include "pgpwords.h"
#include "secmem.h"
#include "sheet.h"
#include "transcript.h"
#include "ui.h"
#include "x509.h"

#define PROG		"pki-shares"
#define MAX_CUSTODIANS	16

enum command { CMD_VERIFY, CMD_COMBINE, CMD_RESPLIT };

struct opts {
	enum command cmd;
	const char *backup;
	const char *cert;
	const char *out;
	unsigned threshold;
	const char *custodians[MAX_CUSTODIANS];
	unsigned ncustodians;
	int rehearsal, yes;
	char *const *shares;
	int nshares;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: %s verify [--backup FILE] SHARE...\n"
	    "       %s combine --backup FILE [--cert ROOT] SHARE...\n"
	    "       %s resplit --backup FILE --cert ROOT --threshold M\n"
	    "           --custodian NAME... --out DIR [--rehearsal] [--yes] "
	    "SHARE...\n"
	    "       %s --help | --version\n"
	    "A SHARE is a sheet or QR text file; - reads shares from "
	    "standard input.\n", PROG, PROG, PROG, PROG);
}

static int
parse_threshold(const char *s, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s < '0' || *s > '9' || *end != '\0' || v < 2 || v > 16)
		return err_set(ERR_USAGE, "--threshold %s: give a number from "
		    "2 to 16", s);
	*out = (unsigned)v;
	return 0;
}

static int
parse_command(const char *word, enum command *cmd)
{
	if (strcmp(word, "verify") == 0)
		*cmd = CMD_VERIFY;
	else if (strcmp(word, "combine") == 0)
		*cmd = CMD_COMBINE;
	else if (strcmp(word, "resplit") == 0)
		*cmd = CMD_RESPLIT;
	else
		return err_set(ERR_USAGE, "unknown command \"%s\" (verify, "
		    "combine, resplit)", word);
	return 0;
}

static int
check_args(const struct opts *o)
{
	unsigned i, j;

	if (o->nshares == 0)
		return err_set(ERR_USAGE, "give at least one share");
	if (o->cmd != CMD_VERIFY && o->backup == NULL)
		return err_set(ERR_USAGE, "--backup is required");
	if (o->cmd == CMD_VERIFY && o->cert != NULL)
		return err_set(ERR_USAGE, "--cert is for combine and resplit");
	if (o->cmd != CMD_RESPLIT) {
		if (o->out || o->threshold || o->ncustodians || o->rehearsal)
			return err_set(ERR_USAGE, "--out, --threshold, "
			    "--custodian and --rehearsal are for resplit");
		return 0;
	}
	if (o->cert == NULL || o->out == NULL || o->threshold == 0)
		return err_set(ERR_USAGE, "resplit needs --cert, --out and "
		    "--threshold");
	if (o->ncustodians < o->threshold)
		return err_set(ERR_USAGE, "threshold %u but only %u "
		    "custodians", o->threshold, o->ncustodians);
	for (i = 0; i < o->ncustodians; i++)
		for (j = 0; j < i; j++)
			if (strcasecmp(o->custodians[i], o->custodians[j]) == 0)
				return err_set(ERR_USAGE, "custodian \"%s\" "
				    "given twice", o->custodians[i]);
	return 0;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "backup", required_argument, NULL, 'b' },
		{ "cert", required_argument, NULL, 'c' },
		{ "out", required_argument, NULL, 'o' },
		{ "threshold", required_argument, NULL, 't' },
		{ "custodian", required_argument, NULL, 'u' },
		{ "rehearsal", no_argument, NULL, 'r' },
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c, ret = 0;

	memset(o, 0, sizeof(*o));
	if (argc >= 2 && argv[1][0] != '-') {
		if ((ret = parse_command(argv[1], &o->cmd)) != 0)
			return ret;
		argv++;
		argc--;
	} else if (argc < 2 || (strcmp(argv[1], "--help") != 0 &&
	    strcmp(argv[1], "--version") != 0))
		return err_set(ERR_USAGE, "give a command: verify, combine or "
		    "resplit (see --help)");
	while (ret == 0 &&
	    (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			ret = args_once(&o->backup, optarg, "backup");
			break;
		case 'c':
			ret = args_once(&o->cert, optarg, "cert");
			break;
		case 'o':
			ret = args_once(&o->out, optarg, "out");
			break;
		case 't':
			ret = o->threshold ? err_set(ERR_USAGE, "--threshold "
			    "given twice") : parse_threshold(optarg,
			    &o->threshold);
			break;
		case 'u':
			if (o->ncustodians == MAX_CUSTODIANS)
				return err_set(ERR_USAGE, "at most 16 "
				    "custodians");
			o->custodians[o->ncustodians++] = optarg;
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

/* verify: each share on its own, and against the backup if given. */
static int
cmd_verify(const struct opts *o, const struct sheet_inputs *in)
{
	struct backup_header hdr;
	unsigned char *buf = NULL;
	size_t len;
	char tag[5];
	unsigned i;
	int ret = 0;

	if (o->backup != NULL &&
	    ((ret = fileio_read(o->backup, BACKUP_MAX_FILE, &buf, &len)) != 0 ||
	    (ret = backup_parse(buf, len, o->backup, &hdr)) != 0))
		goto out;
	for (i = 0; i < in->count; i++) {
		const struct share *s = in->shares[i];

		share_set_tag(s->set_id, tag);
		if (o->backup != NULL && memcmp(s->set_id, hdr.set_id,
		    sizeof(hdr.set_id)) != 0) {
			ret = err_set(ERR_DATA, "%s (share %u, %s) is from "
			    "another share set than backup %s", in->names[i],
			    s->x, s->custodian, o->backup);
			goto out;
		}
		if (o->backup != NULL && backup_check_share(&hdr, s->x,
		    s->y) != 0) {
			ret = err_set(ERR_NO, "%s (share %u, %s) does not "
			    "belong to backup %s", in->names[i], s->x,
			    s->custodian, o->backup);
			goto out;
		}
		printf("%s: share %u of %u (any %u), custodian %s, set %s: "
		    "ok%s\n", in->names[i], s->x, s->n, s->m, s->custodian,
		    tag, o->backup != NULL ? ", belongs to the backup" : "");
	}
out:
	free(buf);
	return ret;
}

/* Recover the key in memory and check it against the certificate. */
static int
recover(const struct opts *o, const struct sheet_inputs *in,
    unsigned char **backup, size_t *backuplen, unsigned char **plain,
    size_t *plainlen, X509 **cert)
{
	EVP_PKEY *key = NULL;
	int ret;

	if ((ret = fileio_read(o->backup, BACKUP_MAX_FILE, backup,
	    backuplen)) != 0 ||
	    (ret = kekshare_recover(*backup, *backuplen, o->backup,
	    in->shares, (const char *const *)in->names, in->count, plain,
	    plainlen, NULL)) != 0)
		return ret;
	if (o->cert == NULL)
		return 0;
	if ((ret = x509_load(o->cert, cert)) != 0 ||
	    (ret = x509_private_parse(*plain, *plainlen, &key)) != 0)
		return ret;
	if (EVP_PKEY_eq(key, X509_get0_pubkey(*cert)) != 1)
		ret = err_set(ERR_NO, "the shares open %s, but the key is not "
		    "the key of %s", o->backup, o->cert);
	EVP_PKEY_free(key);
	return ret;
}

static int
cmd_combine(const struct opts *o, const struct sheet_inputs *in)
{
	unsigned char *backup = NULL, *plain = NULL;
	size_t backuplen, plainlen;
	X509 *cert = NULL;
	int ret;

	if ((ret = recover(o, in, &backup, &backuplen, &plain, &plainlen,
	    &cert)) != 0)
		goto out;
	printf("The %u shares open %s%s%s.  The key was wiped from memory "
	    "and written nowhere.\n", in->count, o->backup,
	    cert != NULL ? "; the key matches " : "",
	    cert != NULL ? o->cert : "");
out:
	X509_free(cert);
	secmem_free(plain);
	free(backup);
	return ret;
}

/* The fingerprint texts a share sheet prints. */
static int
sheet_texts(X509 *cert, unsigned char fp[32], char **hex, char **words,
    char **subject)
{
	int ret;

	if ((ret = x509_spki_sha256(X509_get0_pubkey(cert), fp)) != 0 ||
	    (ret = hexfp_format(fp, 32, hex)) != 0 ||
	    (ret = pgpwords_format(fp, 32, words)) != 0)
		return ret;
	if ((*subject = x509_subject_line(cert)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	return 0;
}

/* The old shares must not open the new backup. */
static int
old_shares_refused(const struct sheet_inputs *in, const unsigned char *nb,
    size_t nblen)
{
	unsigned char *plain = NULL;
	size_t plainlen;
	int ret;

	ret = kekshare_recover(nb, nblen, "the new backup", in->shares,
	    (const char *const *)in->names, in->count, &plain, &plainlen,
	    NULL);
	secmem_free(plain);
	if (ret == 0)
		return err_set(ERR_INTERNAL, "the old shares open the new "
		    "backup");
	err_clear();
	return 0;
}

static int
resplit_write(const struct opts *o, const char *stage, struct transcript *t,
    const unsigned char *plain, size_t plainlen, X509 *cert,
    const struct envgate *gate, const struct sheet_inputs *in)
{
	unsigned char fp[32], *nb = NULL;
	char *hex = NULL, *words = NULL, *subject = NULL, *path = NULL;
	char program[64], used[64];
	struct share *shares = NULL;
	size_t nblen;
	unsigned i;
	int ret;

	snprintf(program, sizeof(program), "%s %s", PROG, PKI_VERSION);
	if ((ret = sheet_texts(cert, fp, &hex, &words, &subject)) != 0)
		goto out;
	{
		struct kekshare_params p = { o->threshold, o->ncustodians,
		    o->custodians, fp, keytype_of(X509_get0_pubkey(cert)),
		    transcript_secret_key(t), transcript_public_key(t) };
		struct sheet_info info = { hex, words, subject, gate->utc,
		    program };

		if ((ret = kekshare_create(plain, plainlen, &p, &nb, &nblen,
		    &shares)) != 0)
			goto out;
		if ((path = fileio_join(stage, "root-backup.bin")) == NULL) {
			ret = err_set(ERR_INTERNAL, "out of memory");
			goto out;
		}
		if ((ret = fileio_write_new(path, nb, nblen, 0644)) != 0 ||
		    (ret = transcript_log_backup(t, nb, nblen,
		    o->custodians)) != 0)
			goto out;
		for (i = 0; i < o->ncustodians; i++)
			if ((ret = sheet_write(stage, &shares[i], &info)) != 0)
				goto out;
	}
	if ((ret = sheet_readback(stage, shares, o->ncustodians)) != 0 ||
	    (ret = kekshare_selftest(nb, nblen, shares, o->ncustodians,
	    o->threshold, X509_get0_pubkey(cert), used, sizeof(used))) != 0 ||
	    (ret = old_shares_refused(in, nb, nblen)) != 0)
		goto out;
	printf("Restore test with new shares %s: the key matches the root "
	    "certificate.\n", used);
	ret = transcript_note(t, "restore-test", "new shares recover the "
	    "root key; the old shares do not open the new backup");
out:
	secmem_free(shares);
	free(nb);
	free(path);
	free(hex);
	free(words);
	free(subject);
	return ret;
}

static int
resplit_plan(const struct opts *o, const struct sheet_inputs *in)
{
	char tag[5];
	unsigned i;

	share_set_tag(in->shares[0]->set_id, tag);
	printf("\nPlan: re-split the root backup %s (share set %s)%s\n",
	    o->backup, tag, o->rehearsal ? " (REHEARSAL)" : "");
	printf("  new KEK and share set, new backup: %s/root-backup.bin\n",
	    o->out);
	printf("  new threshold: %u of %u\n", o->threshold, o->ncustodians);
	for (i = 0; i < o->ncustodians; i++)
		printf("  custodian %2u:  %s\n", i + 1, o->custodians[i]);
	printf("  afterwards every copy of the old backup and every old "
	    "share must be destroyed\n\n");
	return ui_confirm("Proceed with this plan?", o->yes);
}

static int
cmd_resplit(const struct opts *o, const struct sheet_inputs *in)
{
	unsigned char *backup = NULL, *plain = NULL;
	size_t backuplen, plainlen;
	struct transcript *t = NULL;
	char *stage = NULL, *path = NULL, tag[5], digest[512];
	struct envgate gate;
	X509 *cert = NULL;
	int ret;

	if ((ret = envgate_check(&gate)) != 0)
		return ret;
	printf("UTC time now: %s\n", gate.utc);
	if ((ret = envgate_enforce(&gate, o->rehearsal)) != 0)
		return ret;
	if (fileio_exists(o->out))
		return err_set(ERR_EXISTS, "%s: already exists", o->out);
	if ((ret = recover(o, in, &backup, &backuplen, &plain, &plainlen,
	    &cert)) != 0 || (ret = resplit_plan(o, in)) != 0 ||
	    (ret = fileio_stage_begin(o->out, &stage)) != 0)
		goto out;
	if ((path = fileio_join(stage, "transcript.log")) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	share_set_tag(in->shares[0]->set_id, tag);
	if ((ret = transcript_open(path, PROG, o->rehearsal, &gate, NULL,
	    &t)) != 0 || (ret = transcript_note(t, "resplit", "old share set "
	    "opened by the custodians present")) != 0 ||
	    (ret = resplit_write(o, stage, t, plain, plainlen, cert, &gate,
	    in)) != 0)
		goto out;
	fprintf(stdout, "Destroy every copy of the old backup and every old "
	    "share of set %s now.\n", tag);
	if ((ret = transcript_note(t, "destroy-old", "every copy of the old "
	    "backup and every old share must be destroyed; record each")) != 0 ||
	    (ret = transcript_seal_text(t, digest, sizeof(digest))) != 0)
		goto out;
	printf("%s", digest);
	transcript_close(t);
	t = NULL;
	ret = fileio_stage_commit(stage, o->out);
out:
	transcript_close(t);
	if (ret != 0)
		fileio_stage_abort(stage);
	free(stage);
	free(path);
	X509_free(cert);
	secmem_free(plain);
	free(backup);
	return ret;
}

static int
run(const struct opts *o)
{
	struct sheet_inputs in;
	int ret;

	if ((ret = secmem_init()) != 0)
		return ret;
	if ((ret = sheet_read_inputs(o->shares, o->nshares, &in)) != 0)
		return ret;
	switch (o->cmd) {
	case CMD_VERIFY:
		ret = cmd_verify(o, &in);
		break;
	case CMD_COMBINE:
		ret = cmd_combine(o, &in);
		break;
	case CMD_RESPLIT:
		ret = cmd_resplit(o, &in);
		break;
	}
	sheet_inputs_free(&in);
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
