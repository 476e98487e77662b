/*
 * pki-crl: publish the online CA's CRLs (run from cron).
 *
 * For each CRL shard (one CRL when ca.yaml says crl.shards: 1) the
 * revoked certificates that have not expired are streamed from the
 * inventory's revoked index in serial order (no certificate is read)
 * and each is encoded as it comes (common/crlstream.c: about 40 bytes
 * an entry, no OpenSSL object per entry) with its revocation date and
 * reason.  Everything else in the CRL, the CA's AKI, the CRL number and
 * an Issuing Distribution Point naming the shard's URL with
 * onlyContainsUserCerts, is a template CRL without entries that
 * crl_build() makes, signed with a throwaway key and linted against the
 * CA certificate; then the whole is signed with the CA key and the
 * signature verified under the CA certificate.  The entries are checked
 * as they are encoded (positive serials of at most 20 octets in strictly
 * increasing order, reasons that exist, no date after thisUpdate), which
 * is what lint would say of them.
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
 * log and sealed with the audit key.
 *
 * With crl.delta every run publishes, per shard, a base CRL (with a
 * freshestCRL pointer) and a delta CRL numbered right after it, naming
 * the base published by the previous run and listing every entry that
 * base lacks or lists otherwise: a diff against the published file, not
 * a filter on revocation dates, which pki-revoke --time may set in the
 * past.  The base's number and time go into the meta table in the
 * transaction that records the numbers.  With crl.keep_expired expired
 * entries stay and the CRLs carry expiredCertsOnCRL.
 *
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

#include <openssl/err.h>
#include <openssl/x509.h>

#include "args.h"
#include "cacfg.h"
#include "crl.h"
#include "crlstream.h"
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

/* What one shard's run published (delta_number 0: no delta CRL). */
struct shard_result {
	unsigned long long number;
	size_t	 entries;
	char	*path;
	unsigned long long delta_number, delta_base;
	size_t	 delta_entries;
	char	*delta_path;
};

struct crlrun {
	const struct opts *opts;
	struct ca_config *cfg;
	X509 *cert;
	struct db *db;
	struct ca_key *key;
	time_t this_update, next_update;
	/* the shard being built, and the DER of its signed CRL */
	struct crlstream *stream;
	const unsigned char *der;
	size_t derlen;
	/* its delta: the entries not on the previous base, as published */
	struct crlstream_base *prev;	/* that base, NULL: none usable */
	unsigned long long prev_base;	/* its number, 0: none usable */
	struct crlstream *dstream;
	const unsigned char *dder;
	size_t dderlen;
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
		return args_pin(&o->pin, &o->pin_set, c, optarg);
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
	/* A damaged inventory could lose revoked rows without an error on
	 * the rows read: check every page before anything is published. */
	if ((ret = db_open(c->cfg->db_path, 0, &c->db)) != 0 ||
	    (ret = db_quick_check(c->db)) != 0)
		return ret;
	/* The PIN is checked before any CRL number is taken. */
	return cacfg_open_key(c->cfg, c->opts->pin_set ? &c->opts->pin :
	    NULL, c->cert, CACFG_KEY_AUDIT, &c->key);
}

/* ---- phase 2: one shard ---- */

/*
 * The template carries a throwaway key's signature, which lint's
 * crl-signature rule checks under the CA's key: that finding is left
 * out (the streamed CRL's own signature is checked after signing).
 */
static void
drop_signature_finding(struct lint_report *r)
{
	size_t i, j = 0;

	for (i = 0; i < r->count; i++) {
		if (strcmp(r->findings[i].rule, "crl-signature") == 0) {
			if (r->findings[i].severity == LINT_ERROR)
				r->errors--;
			continue;
		}
		r->findings[j++] = r->findings[i];
	}
	r->count = j;
}

/* Lint the template against the CA certificate before the CA key
 * signs.  Findings go to stderr; any error refuses. */
static int
lint(X509_CRL *tmpl, X509 *issuer)
{
	struct lint_report r;
	char *text = NULL;
	int ret;

	memset(&r, 0, sizeof(r));
	if ((ret = lint_crl(tmpl, issuer, &r)) == 0) {
		drop_signature_finding(&r);
		ret = lint_report_text(&r, "CRL", &text);
	}
	if (ret == 0) {
		fputs(text, stderr);
		if (r.errors > 0)
			ret = err_set(ERR_NO, "the CRL fails lint before "
			    "signing (%d error%s); nothing was published",
			    r.errors, r.errors == 1 ? "" : "s");
	}
	free(text);
	lint_report_free(&r);
	return ret;
}

/* The CA certificate's notBefore: the expiredCertsOnCRL date. */
static int
ca_not_before(const struct crlrun *c, time_t *t)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(X509_get0_notBefore(c->cert), &tm) != 1)
		return err_set(ERR_DATA, "%s: cannot read the notBefore",
		    c->cfg->cert_path);
	*t = timegm(&tm);
	return 0;
}

/* Beyond crl_build(): expiredCertsOnCRL when expired entries are kept;
 * on a delta its deltaCRLIndicator, on a base (when deltas are made)
 * the freshestCRL naming the delta's URL. */
static int
add_extensions(struct crlrun *c, X509_CRL *crl, unsigned shard,
    int delta, unsigned long long base)
{
	char *url = NULL;
	time_t nb = 0;
	int ret;

	if (c->cfg->crl_keep_expired &&
	    ((ret = ca_not_before(c, &nb)) != 0 ||
	    (ret = crl_add_expired_certs_on_crl(crl, nb)) != 0))
		return ret;
	if (delta)
		return crl_add_delta_indicator(crl, base);
	if (!c->cfg->crl_delta)
		return 0;
	if ((ret = cacfg_crl_url(c->cfg, shard, 1, &url)) == 0)
		ret = crl_add_freshest(crl, url);
	free(url);
	return ret;
}

/* Number's CRL (the shard's base, or its delta): its template built,
 * signed with a throwaway key and linted, then the streamed entries
 * with it signed with the CA key and the signature checked.  A delta
 * without a usable previous base names the base built in this run
 * (number - 1) and is empty. */
static int
build_and_sign(struct crlrun *c, unsigned shard, unsigned long long number,
    int delta)
{
	struct crl_params p;
	enum key_type type = cacfg_key_type(c->key);
	struct crlstream *s = delta ? c->dstream : c->stream;
	EVP_PKEY *throwaway = NULL;
	X509_CRL *tmpl = NULL;
	char *url = NULL;
	int ret;

	/* A delta's IDP is its base's (RFC 5280 5.2.4 c: the same scope;
	 * OpenSSL applies a delta only then): never the delta's URL. */
	if ((ret = cacfg_crl_url(c->cfg, shard, 0, &url)) != 0)
		return ret;
	memset(&p, 0, sizeof(p));
	p.issuer = c->cert;
	p.number = number;
	p.this_update = c->this_update;
	p.next_update = c->next_update;
	p.only_user_certs = 1;
	p.idp_uri = url;
	if ((ret = crl_build(&p, NULL, 0, &tmpl)) != 0 ||
	    (ret = add_extensions(c, tmpl, shard, delta, c->prev_base != 0 ?
	    c->prev_base : number - 1)) != 0 ||
	    (ret = keytype_generate(type, &throwaway)) != 0 ||
	    (ret = crl_sign(tmpl, throwaway, type)) != 0 ||
	    (ret = lint(tmpl, c->cert)) != 0 ||
	    (ret = cacfg_key_failed(c->cfg, c->key, crlstream_sign(s, tmpl,
	    cacfg_key_pkey(c->key), type, delta ? &c->dder : &c->der,
	    delta ? &c->dderlen : &c->derlen))) != 0)
		goto out;
	if (crlstream_verify(s, c->cert) != 0)
		ret = err_set(ERR_NO, "the signed CRL does not verify under "
		    "%s; nothing was published", c->cfg->cert_path);
out:
	X509_CRL_free(tmpl);
	EVP_PKEY_free(throwaway);
	free(url);
	return ret;
}

/* The meta key holding "<number> <unix time>" of shard's last base. */
static void
base_key(unsigned shard, char key[32])
{
	snprintf(key, 32, "crl_base_%u", shard);
}

/*
 * Under the write lock: if want is still the next number, record it,
 * then the delta's (the next one of the same sequence) when deltas are
 * made, and the base's number and time in the meta table.  Returns 1
 * when another pki-crl took want (nothing recorded), 0 or an error.
 */
static int
record(struct crlrun *c, unsigned shard, unsigned long long want)
{
	unsigned long long now;
	char key[32], val[64];
	int ret;

	if ((ret = db_next_crl_number(c->db, (int)shard, &now)) != 0)
		return ret;
	if (now != want)
		return 1;
	if ((ret = db_record_crl(c->db, (int)shard, want,
	    (long long)c->this_update)) != 0)
		return ret;
	if (c->cfg->crl_delta) {
		if ((ret = db_next_crl_number(c->db, (int)shard, &now)) != 0)
			return ret;
		if (now != want + 1)
			return err_set(ERR_INTERNAL, "%s: the delta CRL number "
			    "is not the base's plus one", c->cfg->db_path);
		if ((ret = db_record_crl(c->db, (int)shard, now,
		    (long long)c->this_update)) != 0)
			return ret;
	}
	base_key(shard, key);
	snprintf(val, sizeof(val), "%llu %lld", want,
	    (long long)c->this_update);
	return db_meta_set(c->db, key, val);
}

/*
 * Take the next CRL number (and the one after it for the delta): build
 * and sign with the numbers read now, then, under the write lock,
 * record them if they are still the next ones (else another pki-crl ran
 * meanwhile: build again with the new ones).
 */
static int
number_and_sign(struct crlrun *c, unsigned shard, unsigned long long *n)
{
	unsigned long long want;
	int ret, tries;

	for (tries = 0; tries < RACE_TRIES; tries++) {
		if ((ret = db_next_crl_number(c->db, (int)shard, &want)) != 0 ||
		    (ret = build_and_sign(c, shard, want, 0)) != 0 ||
		    (c->cfg->crl_delta && (ret = build_and_sign(c, shard,
		    want + 1, 1)) != 0) ||
		    (ret = db_begin(c->db)) != 0)
			return ret;
		if ((ret = record(c, shard, want)) != 0) {
			db_rollback(c->db);
			if (ret == 1)
				continue;
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

/* ---- phase 2b: the delta's entries ---- */

/*
 * The base published at path, if the meta table records a base for
 * shard: it must be a complete CRL of this CA numbered at most as
 * recorded, else it is refused (a foreign or edited file).  It is read
 * as DER, not as an OpenSSL object per entry.  *out NULL: no base yet
 * (the first run with deltas).
 */
static int
load_prev_base(struct crlrun *c, unsigned shard, const char *path,
    struct crlstream_base **out, unsigned long long *n)
{
	unsigned long long recorded;
	char key[32], *val = NULL, *end;
	int ret;

	*out = NULL;
	base_key(shard, key);
	if ((ret = db_meta_get(c->db, key, &val)) == ERR_NOINPUT)
		return 0;
	if (ret != 0)
		return ret;
	recorded = strtoull(val, &end, 10);
	ret = end == val || *end != ' ';
	free(val);
	if (ret)
		return err_set(ERR_DATA, "%s: the meta value %s is malformed",
		    c->cfg->db_path, key);
	if (!fileio_exists(path))
		return 0;
	ret = crlstream_base_open(path, c->cert, out, n);
	if (ret == 0 && *n <= recorded)
		return 0;
	crlstream_base_free(*out);
	*out = NULL;
	if (ret != 0 && ret != ERR_DATA)
		return ret;
	return err_set(ERR_DATA, "%s is not a complete CRL of this CA "
	    "numbered at most %llu, the last base recorded in the "
	    "inventory; move it away", path, recorded);
}

/* With deltas: the previous base and its number, if one is usable. */
static int
prepare_delta(struct crlrun *c, unsigned shard, const char *der_path)
{
	int ret;

	crlstream_base_free(c->prev);
	c->prev = NULL;
	c->prev_base = 0;
	if (!c->cfg->crl_delta)
		return 0;
	if ((ret = load_prev_base(c, shard, der_path, &c->prev,
	    &c->prev_base)) != 0 || c->prev == NULL)
		c->prev_base = 0;
	return ret;
}

/*
 * One revoked row: onto the shard's CRL and, when it makes deltas, onto
 * the delta if the previous base does not list it as it is now (revoked
 * since, whatever date pki-revoke --time gave, or changed to
 * keyCompromise).  Certificates that left the CRL by expiring are not
 * listed (RFC 5280 5.2.4 lets a delta omit them).
 */
static int
walk_one(void *arg, const char *serial, long long revoked_at, int reason)
{
	struct crlrun *c = arg;
	struct crl_entry e = { serial, (time_t)revoked_at, reason };
	char msg[512];
	int ret, on = 0;

	if ((ret = crlstream_add(c->stream, &e)) != 0) {
		snprintf(msg, sizeof(msg), "%s", err_msg());
		return err_set(ret, "%s: %s", c->cfg->db_path, msg);
	}
	if (c->prev == NULL)
		return 0;
	if ((ret = crlstream_base_lists(c->prev, &e, &on)) != 0)
		return ret;
	return on ? 0 : crlstream_add(c->dstream, &e);
}

/* Stream the shard's revoked rows (crl.keep_expired: expired ones too)
 * from the inventory into its CRL and delta. */
static int
walk(struct crlrun *c, unsigned shard)
{
	int ret;

	crlstream_free(c->stream);
	crlstream_free(c->dstream);
	c->stream = c->dstream = NULL;
	if ((ret = crlstream_new(c->this_update, &c->stream)) != 0 ||
	    (c->cfg->crl_delta &&
	    (ret = crlstream_new(c->this_update, &c->dstream)) != 0))
		return ret;
	ret = db_crl_walk(c->db, c->cfg->crl_shards > 1 ? (int)shard : -1,
	    c->cfg->crl_keep_expired ? 0 : (long long)c->this_update,
	    walk_one, c);
	/* The previous base is needed no more. */
	crlstream_base_free(c->prev);
	c->prev = NULL;
	return ret;
}

/* ---- phase 3: publish ---- */

/* DIR/<name>.crl, or DIR/<name>-<shard>.crl when sharded, with
 * "-delta" before ".crl" for a delta; suffix appended ("", ".der",
 * ".prev", ...). */
static char *
out_path(const struct crlrun *c, unsigned shard, int delta,
    const char *suffix)
{
	const char *d = delta ? "-delta" : "";
	char name[128];

	if (c->cfg->crl_shards > 1)
		snprintf(name, sizeof(name), "%s-%u%s.crl%s", c->cfg->name,
		    shard, d, suffix);
	else
		snprintf(name, sizeof(name), "%s%s.crl%s", c->cfg->name, d,
		    suffix);
	return fileio_join(c->cfg->crl_dir, name);
}

/* A published CRL must never be replaced by one not above it. */
static int
check_above(const char *path, unsigned long long number)
{
	unsigned long long was = 0;
	int ret;

	if (!fileio_exists(path))
		return 0;
	/* Its number only: no OpenSSL object of a million entries. */
	if ((ret = crlstream_file_number(path, &was)) != 0)
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

	/* What a killed run left in the served directory, an hour on. */
	fileio_sweep_temps(path, 3600);
	if ((ret = keep_previous(path)) != 0)
		return ret;
	return fileio_write_atomic(path, buf, len, 0644, 1);
}

static int
publish(const unsigned char *der, size_t derlen, const char *pem_path,
    const char *der_path)
{
	unsigned char *pem = NULL;
	size_t pemlen;
	int ret;

	if ((ret = publish_file(der_path, der, derlen)) == 0 &&
	    (ret = crlstream_pem(der, derlen, &pem, &pemlen)) == 0)
		ret = publish_file(pem_path, pem, pemlen);
	free(pem);
	return ret;
}

/* The four files of a shard: base PEM and DER, delta PEM and DER. */
enum { P_PEM, P_DER, P_DPEM, P_DDER, NPATHS };

/* Nothing published may be replaced by a CRL not above it: the base's
 * files against n, the delta's against n + 1. */
static int
check_paths(struct crlrun *c, char *const *path, unsigned long long n)
{
	int ret;

	if ((ret = check_above(path[P_PEM], n)) != 0 ||
	    (ret = check_above(path[P_DER], n)) != 0 || !c->cfg->crl_delta)
		return ret;
	if ((ret = check_above(path[P_DPEM], n + 1)) != 0)
		return ret;
	return check_above(path[P_DDER], n + 1);
}

/* Check what is published before a number is taken (and again after),
 * then number, sign and write: the base first, then its delta. */
static int
do_shard(struct crlrun *c, unsigned shard)
{
	struct shard_result *r = &c->results[c->nresults];
	unsigned long long n;
	char *path[NPATHS];
	int i, ret;

	for (i = 0; i < NPATHS; i++)
		path[i] = out_path(c, shard, i >= P_DPEM, i % 2 ? ".der" : "");
	if (path[0] == NULL || path[1] == NULL || path[2] == NULL ||
	    path[3] == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	if ((ret = db_next_crl_number(c->db, (int)shard, &n)) != 0 ||
	    (ret = check_paths(c, path, n)) != 0 ||
	    (ret = prepare_delta(c, shard, path[P_DER])) != 0 ||
	    (ret = walk(c, shard)) != 0 ||
	    (ret = number_and_sign(c, shard, &n)) != 0 ||
	    (ret = check_paths(c, path, n)) != 0 ||
	    (ret = publish(c->der, c->derlen, path[P_PEM], path[P_DER])) != 0)
		goto out;
	r->number = n;
	r->entries = crlstream_count(c->stream);
	r->path = path[P_PEM];
	path[P_PEM] = NULL;
	c->nresults++;
	if (!c->cfg->crl_delta ||
	    (ret = publish(c->dder, c->dderlen, path[P_DPEM],
	    path[P_DDER])) != 0)
		goto out;
	r->delta_number = n + 1;
	r->delta_base = c->prev_base != 0 ? c->prev_base : n;
	r->delta_entries = crlstream_count(c->dstream);
	r->delta_path = path[P_DPEM];
	path[P_DPEM] = NULL;
out:
	for (i = 0; i < NPATHS; i++)
		free(path[i]);
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

/* "[a,b,...]" of the numbers (what 0), entry counts (what 1), delta
 * numbers (what 2) or delta entry counts (what 3). */
static unsigned long long
result_int(const struct shard_result *r, int what)
{
	switch (what) {
	case 0:
		return r->number;
	case 1:
		return (unsigned long long)r->entries;
	case 2:
		return r->delta_number;
	default:
		return (unsigned long long)r->delta_entries;
	}
}

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
		    i > 0 ? "," : "", result_int(&c->results[i], what));
	snprintf(s + off, cap - off, "]");
	return s;
}

static int
audit(struct crlrun *c)
{
	struct json_buf *j = NULL;
	char *numbers = int_array(c, 0), *counts = int_array(c, 1);
	char *dnumbers = int_array(c, 2), *dcounts = int_array(c, 3);
	char t1[21], t2[21];
	const char *members;
	int ret;

	if (numbers == NULL || counts == NULL || dnumbers == NULL ||
	    dcounts == NULL) {
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
	if (c->cfg->crl_delta) {
		json_add_raw(j, "delta_numbers", dnumbers);
		json_add_raw(j, "delta_entries", dcounts);
	}
	if (c->cfg->crl_keep_expired)
		json_add_int(j, "keep_expired", 1);
	json_add_str(j, "this_update", t1);
	json_add_str(j, "next_update", t2);
	json_add_str(j, "directory", c->cfg->crl_dir);
	if ((ret = json_text(j, &members, NULL)) == 0)
		ret = cacfg_audit(c->cfg, c->key, PROG, "crl", members);
out:
	json_free(j);
	free(numbers);
	free(counts);
	free(dnumbers);
	free(dcounts);
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
		if (c->results[i].delta_path != NULL) {
			json_add_int(j, "delta_number",
			    (long long)c->results[i].delta_number);
			json_add_int(j, "delta_base",
			    (long long)c->results[i].delta_base);
			json_add_int(j, "delta_entries",
			    (long long)c->results[i].delta_entries);
			json_add_str(j, "delta_path",
			    c->results[i].delta_path);
		}
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
	const struct shard_result *r;
	size_t i;

	if (c->opts->json)
		return report_json(c);
	for (i = 0; i < c->nresults; i++) {
		r = &c->results[i];
		printf("CRL number %llu, %zu entr%s: %s\n", r->number,
		    r->entries, r->entries == 1 ? "y" : "ies", r->path);
		if (r->delta_path != NULL)
			printf("delta CRL number %llu (base %llu), %zu "
			    "entr%s: %s\n", r->delta_number, r->delta_base,
			    r->delta_entries, r->delta_entries == 1 ? "y" :
			    "ies", r->delta_path);
	}
	return 0;
}

static void
crlrun_cleanup(struct crlrun *c)
{
	size_t i;

	for (i = 0; i < c->nresults; i++) {
		free(c->results[i].path);
		free(c->results[i].delta_path);
	}
	free(c->results);
	crlstream_free(c->stream);
	crlstream_free(c->dstream);
	crlstream_base_free(c->prev);
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
