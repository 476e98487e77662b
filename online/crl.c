/*
 * pki-crl: publish the online CA's full CRLs (run from cron).
 *
 * For each CRL shard (one CRL when ca.yaml says crl.shards: 1) the
 * revoked certificates that have not expired are streamed from the
 * inventory's revoked index (a lean walk: no certificate is read), the
 * CRL is built with each entry's revocation date and reason, the CA's
 * AKI and an Issuing Distribution Point naming the shard's URL with
 * onlyContainsUserCerts, signed with a throwaway key and linted, then
 * signed with the CA key and verified under the CA certificate.
 *
 * Invariants: the CA key is opened (and the PIN checked) before any CRL
 * number is taken; a CRL number is recorded in the inventory, in one
 * transaction that re-reads the last number under the write lock,
 * before its file is written, so that a crash, a clock step or two runs
 * at once never publish a number twice or a lower one; a CRL is never
 * published over one whose number is not below it.  Files are replaced
 * atomically (temp, fsync, rename); the one they replace is kept as
 * <file>.prev, hard-linked before the new one goes in so that the
 * published name never goes missing.  The run is recorded in the audit
 * log and sealed with the audit key.  Delta CRLs are not made here.
 * Nothing this program handles is secret except the PIN, which
 * cacfg_open_key() reads and wipes.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "cacfg.h"
#include "crl.h"
#include "db.h"
#include "err.h"
#include "fileio.h"
#include "json.h"
#include "keytype.h"
#include "lint.h"
#include "pin.h"
#include "secmem.h"

#define PROG		"pki-crl"
#define RACE_TRIES	5	/* another pki-crl took our number */

struct opts {
	const char *ca_dir;
	int json;
	int format_set;
	int pin_set;
	struct pin_source pin;
};

/* The revoked serials of one shard, as read from the inventory. */
struct revoked {
	char	 serial[DB_SERIAL_MAX + 1];
	time_t	 revoked_at;
	int	 reason;
};

/* What one shard's run published. */
struct shard_result {
	unsigned long long number;
	size_t	 entries;
	char	*path;
};

struct crlrun {
	const struct opts *opts;
	struct ca_config *cfg;
	X509 *cert;
	struct db *db;
	struct ca_key *key;
	time_t this_update, next_update;
	/* the shard being built */
	struct revoked *rev;
	size_t nrev, caprev;
	struct crl_entry *entries;
	X509_CRL *crl;
	/* per shard */
	struct shard_result *results;
	size_t nresults;
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s [--ca DIR] [--format text|json] "
	    "[--pin-file FILE | --pin-fd N]\n"
	    "       %s --help | --version\n", PROG, PROG);
}

static int
parse_opt(int c, struct opts *o)
{
	switch (c) {
	case 'a':
		if (o->ca_dir != NULL)
			return err_set(ERR_USAGE, "--ca given twice");
		o->ca_dir = optarg;
		return 0;
	case 'm':
		if (o->format_set++)
			return err_set(ERR_USAGE, "--format given twice");
		if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
			return err_set(ERR_USAGE, "--format %s: use text or "
			    "json", optarg);
		o->json = strcmp(optarg, "json") == 0;
		return 0;
	case 'p':
	case 'f':
		if (o->pin_set++)
			return err_set(ERR_USAGE, "give one PIN source");
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
		{ "format", required_argument, NULL, 'm' },
		{ "pin-file", required_argument, NULL, 'p' },
		{ "pin-fd", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c, ret;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if ((ret = parse_opt(c, o)) != 0)
			return ret;
	if (optind != argc)
		return err_set(ERR_USAGE, "unexpected argument \"%s\"",
		    argv[optind]);
	return 0;
}

/* ---- phase 1: load the CA, open the key ---- */

static int
load(struct crlrun *c, const char *dir)
{
	int ret;

	if ((ret = cacfg_load(dir, &c->cfg)) != 0 ||
	    (ret = cacfg_load_cert(c->cfg, &c->cert)) != 0)
		return ret;
	if (c->cfg->crl_dir == NULL || access(c->cfg->crl_dir, W_OK | X_OK))
		return err_set(ERR_CONFIG, "%s: the CRL publish directory %s "
		    "is missing or not writable", c->cfg->path,
		    c->cfg->crl_dir != NULL ? c->cfg->crl_dir : "(none)");
	c->this_update = time(NULL);
	c->next_update = c->this_update + (time_t)c->cfg->crl_validity;
	if (ASN1_TIME_cmp_time_t(X509_get0_notBefore(c->cert),
	    c->this_update) > 0 ||
	    ASN1_TIME_cmp_time_t(X509_get0_notAfter(c->cert),
	    c->this_update) < 0)
		return err_set(ERR_CONFIG, "%s: the CA certificate is not "
		    "valid now (expired, or check the clock)",
		    c->cfg->cert_path);
	if (c->cfg->crl_delta && !c->opts->json)
		fprintf(stderr, "%s: note: delta CRLs are not made yet; "
		    "publishing full CRLs only\n", PROG);
	if ((ret = db_open(c->cfg->db_path, 0, &c->db)) != 0)
		return ret;
	/* The PIN is checked before any CRL number is taken. */
	return cacfg_open_key(c->cfg, c->opts->pin_set ? &c->opts->pin :
	    NULL, c->cert, CACFG_KEY_AUDIT, &c->key);
}

/* ---- phase 2: one shard ---- */

static int
collect_one(void *arg, const struct db_cert *row)
{
	struct crlrun *c = arg;
	struct revoked *r;
	size_t cap;

	if (c->nrev == c->caprev) {
		cap = c->caprev == 0 ? 1024 : c->caprev * 2;
		if ((r = realloc(c->rev, cap * sizeof(*r))) == NULL)
			return err_set(ERR_INTERNAL, "out of memory");
		c->rev = r;
		c->caprev = cap;
	}
	r = &c->rev[c->nrev++];
	snprintf(r->serial, sizeof(r->serial), "%s", row->serial);
	r->revoked_at = (time_t)row->revoked_at;
	r->reason = row->reason;
	return 0;
}

/* Stream the shard's unexpired revoked rows from the revoked index. */
static int
collect(struct crlrun *c, unsigned shard)
{
	struct db_filter f;
	size_t i;
	int ret;

	memset(&f, 0, sizeof(f));
	f.revoked_only = 1;
	f.lean = 1;
	f.not_expired_at = (long long)c->this_update;
	if (c->cfg->crl_shards > 1) {
		f.by_shard = 1;
		f.shard = (int)shard;
	}
	c->nrev = 0;
	if ((ret = db_each(c->db, &f, collect_one, c)) != 0)
		return ret;
	free(c->entries);
	if ((c->entries = calloc(c->nrev + 1, sizeof(*c->entries))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	for (i = 0; i < c->nrev; i++) {
		c->entries[i].serial_hex = c->rev[i].serial;
		c->entries[i].revoked_at = c->rev[i].revoked_at;
		c->entries[i].reason = c->rev[i].reason;
	}
	return 0;
}

/* Findings go to stderr; any error refuses. */
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
			    "error%s); nothing was published", when, r.errors,
			    r.errors == 1 ? "" : "s");
	}
	free(text);
	lint_report_free(&r);
	return ret;
}

/* Build number's CRL, lint it under a throwaway key, sign it with the
 * CA key, check the signature and lint it again. */
static int
build_and_sign(struct crlrun *c, unsigned shard, unsigned long long number)
{
	struct crl_params p;
	enum key_type type = cacfg_key_type(c->key);
	EVP_PKEY *throwaway = NULL;
	char *url = NULL;
	int ret;

	X509_CRL_free(c->crl);
	c->crl = NULL;
	if ((ret = cacfg_crl_url(c->cfg, shard, 0, &url)) != 0)
		return ret;
	memset(&p, 0, sizeof(p));
	p.issuer = c->cert;
	p.number = number;
	p.this_update = c->this_update;
	p.next_update = c->next_update;
	p.only_user_certs = 1;
	p.idp_uri = url;
	if ((ret = crl_build(&p, c->entries, c->nrev, &c->crl)) != 0 ||
	    (ret = keytype_generate(type, &throwaway)) != 0 ||
	    (ret = crl_sign(c->crl, throwaway, type)) != 0 ||
	    (ret = lint(c->crl, NULL, "before signing")) != 0 ||
	    (ret = crl_sign(c->crl, cacfg_key_pkey(c->key), type)) != 0)
		goto out;
	if (crl_verify(c->crl, c->cert) != 0)
		ret = err_set(ERR_NO, "the signed CRL does not verify under "
		    "%s; nothing was published", c->cfg->cert_path);
	else
		ret = lint(c->crl, c->cert, "after signing");
out:
	EVP_PKEY_free(throwaway);
	free(url);
	return ret;
}

/*
 * Take the next CRL number: build and sign with the number read now,
 * then, under the write lock, record it if it is still the next one
 * (else another pki-crl ran meanwhile: build again with the new one).
 */
static int
number_and_sign(struct crlrun *c, unsigned shard, unsigned long long *n)
{
	unsigned long long want, now;
	int ret, tries;

	for (tries = 0; tries < RACE_TRIES; tries++) {
		if ((ret = db_next_crl_number(c->db, (int)shard, &want)) != 0 ||
		    (ret = build_and_sign(c, shard, want)) != 0 ||
		    (ret = db_begin(c->db)) != 0)
			return ret;
		if ((ret = db_next_crl_number(c->db, (int)shard, &now)) != 0) {
			db_rollback(c->db);
			return ret;
		}
		if (now != want) {
			db_rollback(c->db);
			continue;
		}
		if ((ret = db_record_crl(c->db, (int)shard, want,
		    (long long)c->this_update)) != 0) {
			db_rollback(c->db);
			return ret;
		}
		if ((ret = db_commit(c->db)) != 0)
			return ret;
		*n = want;
		return 0;
	}
	return err_set(ERR_IO, "%s: other pki-crl runs kept taking the "
	    "next CRL number of shard %u; try again", c->cfg->db_path, shard);
}

/* ---- phase 3: publish ---- */

/* DIR/<name>.crl, or DIR/<name>-<shard>.crl when sharded; suffix
 * appended ("", ".der", ".prev", ...). */
static char *
out_path(const struct crlrun *c, unsigned shard, const char *suffix)
{
	char name[128];

	if (c->cfg->crl_shards > 1)
		snprintf(name, sizeof(name), "%s-%u.crl%s", c->cfg->name,
		    shard, suffix);
	else
		snprintf(name, sizeof(name), "%s.crl%s", c->cfg->name, suffix);
	return fileio_join(c->cfg->crl_dir, name);
}

/* A published CRL must never be replaced by one not above it. */
static int
check_above(const char *path, unsigned long long number)
{
	X509_CRL *old = NULL;
	unsigned long long was = 0;
	int ret;

	if (!fileio_exists(path))
		return 0;
	if ((ret = crl_load(path, &old)) == 0)
		ret = crl_number(old, &was);
	X509_CRL_free(old);
	if (ret != 0)
		return err_set(ERR_EXISTS, "%s is there and is not a CRL with "
		    "a number; move it away", path);
	if (was >= number)
		return err_set(ERR_DATA, "%s has CRL number %llu, not below "
		    "the new %llu: refusing to publish (was the inventory "
		    "restored from an old copy?)", path, was, number);
	return 0;
}

/* Keep path as path.prev: a hard link renamed into place, so that path
 * itself never goes missing. */
static int
keep_previous(const char *path)
{
	char tmp[4096], prev[4096];

	if (!fileio_exists(path))
		return 0;
	snprintf(prev, sizeof(prev), "%s.prev", path);
	snprintf(tmp, sizeof(tmp), "%s.prev.tmp", path);
	(void)unlink(tmp);
	if (link(path, tmp) == -1 || rename(tmp, prev) == -1) {
		(void)unlink(tmp);
		return err_set(ERR_IO, "cannot keep %s as %s: %s", path, prev,
		    strerror(errno));
	}
	return 0;
}

static int
publish_file(const char *path, const unsigned char *buf, size_t len)
{
	int ret;

	if ((ret = keep_previous(path)) != 0)
		return ret;
	return fileio_write_atomic(path, buf, len, 0644, 1);
}

static int
publish(struct crlrun *c, const char *pem_path, const char *der_path)
{
	unsigned char *pem = NULL, *der = NULL;
	size_t pemlen, derlen;
	int ret;

	if ((ret = crl_pem(c->crl, &pem, &pemlen)) == 0 &&
	    (ret = crl_der(c->crl, &der, &derlen)) == 0 &&
	    (ret = publish_file(der_path, der, derlen)) == 0)
		ret = publish_file(pem_path, pem, pemlen);
	free(pem);
	free(der);
	return ret;
}

/* Check what is published before a number is taken (and again after),
 * then number, sign and write. */
static int
do_shard(struct crlrun *c, unsigned shard)
{
	struct shard_result *r = &c->results[c->nresults];
	unsigned long long n;
	char *pem_path = out_path(c, shard, ""), *der_path = out_path(c,
	    shard, ".der");
	int ret;

	if (pem_path == NULL || der_path == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	if ((ret = db_next_crl_number(c->db, (int)shard, &n)) != 0 ||
	    (ret = check_above(pem_path, n)) != 0 ||
	    (ret = check_above(der_path, n)) != 0 ||
	    (ret = collect(c, shard)) != 0 ||
	    (ret = number_and_sign(c, shard, &n)) != 0 ||
	    (ret = check_above(pem_path, n)) != 0 ||
	    (ret = check_above(der_path, n)) != 0 ||
	    (ret = publish(c, pem_path, der_path)) != 0)
		goto out;
	r->number = n;
	r->entries = c->nrev;
	r->path = pem_path;
	pem_path = NULL;
	c->nresults++;
out:
	free(pem_path);
	free(der_path);
	return ret;
}

/* ---- phase 4: audit and report ---- */

static void
time_text(time_t t, char buf[21])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "[a,b,...]" of the numbers (what 0) or entry counts (what 1). */
static char *
int_array(const struct crlrun *c, int what)
{
	size_t i, cap = 2 + c->nresults * 22, off = 0;
	char *s = malloc(cap);

	if (s == NULL)
		return NULL;
	s[off++] = '[';
	for (i = 0; i < c->nresults; i++)
		off += (size_t)snprintf(s + off, cap - off, "%s%llu",
		    i > 0 ? "," : "", what == 0 ? c->results[i].number :
		    (unsigned long long)c->results[i].entries);
	snprintf(s + off, cap - off, "]");
	return s;
}

static int
audit(struct crlrun *c)
{
	struct json_buf *j = NULL;
	char *numbers = int_array(c, 0), *counts = int_array(c, 1);
	char t1[21], t2[21];
	const char *members;
	int ret;

	if (numbers == NULL || counts == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	time_text(c->this_update, t1);
	time_text(c->next_update, t2);
	if ((ret = json_new(&j)) != 0)
		goto out;
	json_add_str(j, "ca", c->cfg->name);
	json_add_int(j, "shards", (long long)c->cfg->crl_shards);
	json_add_raw(j, "numbers", numbers);
	json_add_raw(j, "entries", counts);
	json_add_str(j, "this_update", t1);
	json_add_str(j, "next_update", t2);
	json_add_str(j, "directory", c->cfg->crl_dir);
	if ((ret = json_text(j, &members, NULL)) == 0)
		ret = cacfg_audit(c->cfg, c->key, PROG, "crl", members);
out:
	json_free(j);
	free(numbers);
	free(counts);
	return ret;
}

static int
report_json(const struct crlrun *c)
{
	struct json_buf *j;
	const char *text;
	char t1[21], t2[21];
	size_t i;
	int ret = 0;

	time_text(c->this_update, t1);
	time_text(c->next_update, t2);
	printf("[");
	for (i = 0; ret == 0 && i < c->nresults; i++) {
		if ((ret = json_new(&j)) != 0)
			break;
		json_begin_object(j, NULL);
		json_add_int(j, "shard", (long long)i);
		json_add_int(j, "number", (long long)c->results[i].number);
		json_add_int(j, "entries", (long long)c->results[i].entries);
		json_add_str(j, "this_update", t1);
		json_add_str(j, "next_update", t2);
		json_add_str(j, "path", c->results[i].path);
		json_end_object(j);
		if ((ret = json_text(j, &text, NULL)) == 0)
			printf("%s%s", i > 0 ? "," : "", text);
		json_free(j);
	}
	printf("]\n");
	return ret;
}

static int
report(const struct crlrun *c)
{
	size_t i;

	if (c->opts->json)
		return report_json(c);
	for (i = 0; i < c->nresults; i++)
		printf("CRL number %llu, %zu entr%s: %s\n",
		    c->results[i].number, c->results[i].entries,
		    c->results[i].entries == 1 ? "y" : "ies",
		    c->results[i].path);
	return 0;
}

static void
crlrun_cleanup(struct crlrun *c)
{
	size_t i;

	for (i = 0; i < c->nresults; i++)
		free(c->results[i].path);
	free(c->results);
	X509_CRL_free(c->crl);
	free(c->entries);
	free(c->rev);
	cacfg_key_close(c->key);
	db_close(c->db);
	X509_free(c->cert);
	cacfg_free(c->cfg);
}

static int
run(const struct opts *o)
{
	struct crlrun c;
	const char *dir;
	char msg[1024];
	unsigned shard;
	int ret;

	memset(&c, 0, sizeof(c));
	c.opts = o;
	if ((ret = secmem_init()) != 0)
		return ret;
	if ((dir = cacfg_dir_from_env(o->ca_dir)) == NULL)
		return ERR_USAGE;
	/* Phase 1: load and check; open the key (nothing written). */
	if ((ret = load(&c, dir)) != 0)
		goto out;
	if ((c.results = calloc(c.cfg->crl_shards,
	    sizeof(*c.results))) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	/* Phases 2 and 3: each shard built, numbered, signed, written. */
	for (shard = 0; ret == 0 && shard < c.cfg->crl_shards; shard++)
		ret = do_shard(&c, shard);
	/* Phase 4: what was published is audited even after a failure,
	 * whose message is kept for the report. */
	if (ret != 0 && c.nresults > 0) {
		snprintf(msg, sizeof(msg), "%s", err_msg());
		(void)audit(&c);
		err_set(ret, "%s", msg);
	} else if (ret == 0 && (ret = audit(&c)) == 0)
		ret = report(&c);
out:
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
	return err_report(PROG, run(&o));
}
