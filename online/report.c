/*
 * pki-report: what an online CA has issued, and what is about to expire.
 *
 * Lists the inventory's certificates (filtered by status, profile, name
 * and expiry) as a table, a JSON array or the Prometheus text format for
 * node_exporter's textfile collector, and exits 1 when a certificate,
 * the CA certificate or the OCSP signer expires inside the warning
 * window, or a published CRL is past its nextUpdate, so that cron can
 * alert.  --scan reads certificate files on disk (PEM, DER, PKCS#12
 * without a passphrase) and lists those the inventory does not know.
 * --status pending lists the serials recorded as pending (an issuance
 * under way, or one whose process died between drawing the serial and
 * recording the certificate: nothing was handed out), with their age;
 * every report counts them, and notes those older than a minute.
 *
 * Read-only: the inventory is opened without creating it and walked one
 * row at a time with db_each() (never loaded whole); no key is opened
 * and nothing is audited.  The one output file (--out) is replaced
 * atomically.  Scanned files are untrusted and only parsed; a file that
 * cannot be read is skipped with a note on stderr.  Nothing here is
 * secret (a private key in a scanned PKCS#12 bundle is freed unread).
 */
#include <errno.h>
#include <fts.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cacfg.h"
#include "certfile.h"
#include "crl.h"
#include "db.h"
#include "args.h"
#include "err.h"
#include "fileio.h"
#include "json.h"
#include "ocsp.h"
#include "profile.h"
#include "x509.h"

#define PROG		"pki-report"
#define WARN_DEFAULT	(14LL * 86400)
#define MAX_GROUPS	256	/* (status, profile) pairs counted */
#define PENDING_STALE	60	/* seconds: no issuance takes longer */

enum format { FMT_TABLE, FMT_JSON, FMT_PROM };

struct opts {
	const char *ca_dir, *status, *profile, *name, *out;
	const char *expiring, *warn, *format_text;
	enum format format;
	long long expiring_secs, warn_secs;
	int scan;
	char **dirs;
	int ndirs;
};

/* One (status, profile) count for pki_certificates. */
struct group {
	char	 status[10];
	char	*profile;
	long long n;
};

struct report {
	const struct opts *o;
	struct ca_config *cfg;
	X509 *cert;
	struct db *db;
	FILE *f;		/* stdout or the --out buffer */
	char *outbuf;
	size_t outlen;
	time_t now;
	long long rows;		/* rows printed */
	long long warned;	/* certificates in the warning window */
	int other_warnings;	/* CA, signer, CRL */
	long long ocsp_oldest;	/* smallest thisUpdate, 0: none */
	long long pending;	/* pending rows */
	long long pending_oldest;	/* smallest created, 0: none */
	long long pending_stale;	/* older than PENDING_STALE */
	struct group groups[MAX_GROUPS];
	size_t ngroups;
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s [--ca DIR] "
	    "[--status issued|revoked|expired|pending|all] [--profile P]\n"
	    "       [--name SUBSTR] [--expiring D] [--warn D]\n"
	    "       [--format table|json|prometheus] [--out FILE]\n"
	    "       %s --scan [--ca DIR] [--warn D] [--format table|json] "
	    "[--out FILE] DIR...\n"
	    "       %s --help | --version\n", PROG, PROG, PROG);
}

static int
parse_opt(int c, struct opts *o)
{
	switch (c) {
	case 'a': return args_once(&o->ca_dir, optarg, "ca");
	case 's': return args_once(&o->status, optarg, "status");
	case 'p': return args_once(&o->profile, optarg, "profile");
	case 'n': return args_once(&o->name, optarg, "name");
	case 'e': return args_once(&o->expiring, optarg, "expiring");
	case 'w': return args_once(&o->warn, optarg, "warn");
	case 'm': return args_once(&o->format_text, optarg, "format");
	case 'o': return args_once(&o->out, optarg, "out");
	case 'S':
		if (o->scan++)
			return err_set(ERR_USAGE, "--scan given twice");
		return 0;
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
check_format(struct opts *o)
{
	const char *s = o->format_text;

	if (s == NULL || strcmp(s, "table") == 0)
		o->format = FMT_TABLE;
	else if (strcmp(s, "json") == 0)
		o->format = FMT_JSON;
	else if (strcmp(s, "prometheus") == 0 && !o->scan)
		o->format = FMT_PROM;
	else
		return err_set(ERR_USAGE, "--format %s: use table, json%s", s,
		    o->scan ? "" : " or prometheus");
	return 0;
}

static int
check_args(struct opts *o, int argc, char **argv)
{
	int ret;

	if ((ret = check_format(o)) != 0)
		return ret;
	o->warn_secs = WARN_DEFAULT;
	if (o->warn != NULL && (ret = profile_parse_duration(o->warn,
	    &o->warn_secs)) != 0)
		return ret;
	if (o->expiring != NULL && (ret = profile_parse_duration(o->expiring,
	    &o->expiring_secs)) != 0)
		return ret;
	if (o->status != NULL && strcmp(o->status, "issued") != 0 &&
	    strcmp(o->status, "revoked") != 0 &&
	    strcmp(o->status, "expired") != 0 &&
	    strcmp(o->status, "pending") != 0 && strcmp(o->status, "all") != 0)
		return err_set(ERR_USAGE, "--status %s: use issued, revoked, "
		    "expired, pending or all", o->status);
	if (o->scan) {
		if (o->status || o->profile || o->name || o->expiring)
			return err_set(ERR_USAGE, "--scan takes no filters");
		if (optind == argc)
			return err_set(ERR_USAGE, "--scan needs a directory");
		o->dirs = argv + optind;
		o->ndirs = argc - optind;
	} else if (optind != argc)
		return err_set(ERR_USAGE, "unexpected argument \"%s\"",
		    argv[optind]);
	return 0;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "ca", required_argument, NULL, 'a' },
		{ "status", required_argument, NULL, 's' },
		{ "profile", required_argument, NULL, 'p' },
		{ "name", required_argument, NULL, 'n' },
		{ "expiring", required_argument, NULL, 'e' },
		{ "warn", required_argument, NULL, 'w' },
		{ "format", required_argument, NULL, 'm' },
		{ "out", required_argument, NULL, 'o' },
		{ "scan", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c, ret;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if ((ret = parse_opt(c, o)) != 0)
			return ret;
	return check_args(o, argc, argv);
}

/* ---- helpers ---- */

static void
time_text(long long t, char buf[21])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, 21, "?");
}

/* An ASN1_TIME as Unix time; 0 if it cannot be read. */
static long long
asn1_unix(const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (long long)timegm(&tm);
}

/* The first SAN of the JSON array text ("[\"DNS:a\",...]"), else the
 * subject (leaves often have none); into buf. */
static void
display_name(const struct db_cert *c, char *buf, size_t len)
{
	const char *s = c->sans, *e;

	if (s != NULL && strncmp(s, "[\"", 2) == 0 &&
	    (e = strpbrk(s + 2, "\"\\")) != NULL && *e == '"' && e > s + 2) {
		snprintf(buf, len, "%.*s", (int)(e - s - 2), s + 2);
		return;
	}
	snprintf(buf, len, "%s", c->subject);
}

/* "revoked", "expired" or "issued" for an issued or revoked row. */
static const char *
shown_status(const struct report *r, const struct db_cert *c)
{
	if (strcmp(c->status, "revoked") == 0)
		return "revoked";
	return c->not_after <= (long long)r->now ? "expired" : "issued";
}

/* ---- phase 1: load ---- */

static int
load(struct report *r, const char *dir)
{
	int ret;

	if ((ret = cacfg_load(dir, &r->cfg)) != 0 ||
	    (ret = cacfg_load_cert(r->cfg, &r->cert)) != 0)
		return ret;
	return db_open(r->cfg->db_path, 0, &r->db);
}

/* ---- phase 2: the walk ---- */

static int
count_group(struct report *r, const char *status, const char *profile)
{
	struct group *g;
	size_t i;

	for (i = 0; i < r->ngroups; i++) {
		g = &r->groups[i];
		if (strcmp(g->status, status) == 0 &&
		    strcmp(g->profile, profile) == 0) {
			g->n++;
			return 0;
		}
	}
	if (r->ngroups == MAX_GROUPS)
		return err_set(ERR_DATA, "%s: more than %d profiles",
		    r->cfg->db_path, MAX_GROUPS / 3);
	g = &r->groups[r->ngroups];
	if ((g->profile = strdup(profile)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	snprintf(g->status, sizeof(g->status), "%s", status);
	g->n = 1;
	r->ngroups++;
	return 0;
}

/* A Prometheus label value: backslash, quote and newline escaped. */
static void
prom_label(FILE *f, const char *name, const char *value, int last)
{
	const char *p;

	fprintf(f, "%s=\"", name);
	for (p = value; *p != '\0'; p++) {
		if (*p == '\\' || *p == '"')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
	fprintf(f, "\"%s", last ? "" : ",");
}

static void
row_table(struct report *r, const struct db_cert *c, const char *status)
{
	char na[21], name[256];

	if (r->rows == 0)
		fprintf(r->f, "%-40s %-7s %-16s %-20s %8s  %s\n", "SERIAL",
		    "STATUS", "PROFILE", "NOT AFTER", "DAYS", "NAME");
	time_text(c->not_after, na);
	display_name(c, name, sizeof(name));
	fprintf(r->f, "%-40s %-7s %-16s %-20s %8.1f  %s\n", c->serial, status,
	    c->profile, na, (double)(c->not_after - (long long)r->now) /
	    86400.0, name);
}

static int
row_json(struct report *r, const struct db_cert *c, const char *status)
{
	struct json_buf *j = NULL;
	const char *text;
	char nb[21], na[21], ra[21];
	int ret;

	time_text(c->not_before, nb);
	time_text(c->not_after, na);
	if ((ret = json_new(&j)) != 0)
		return ret;
	json_begin_object(j, NULL);
	json_add_str(j, "serial", c->serial);
	json_add_str(j, "status", status);
	json_add_str(j, "profile", c->profile);
	json_add_str(j, "subject", c->subject);
	json_add_raw(j, "sans", c->sans[0] != '\0' ? c->sans : "[]");
	json_add_str(j, "not_before", nb);
	json_add_str(j, "not_after", na);
	json_add_int(j, "seconds_left", c->not_after - (long long)r->now);
	if (strcmp(c->status, "revoked") == 0) {
		time_text(c->revoked_at, ra);
		json_add_str(j, "revoked_at", ra);
		json_add_str(j, "reason", crl_reason_name(c->reason) != NULL ?
		    crl_reason_name(c->reason) : "?");
	}
	json_end_object(j);
	if ((ret = json_text(j, &text, NULL)) == 0)
		fprintf(r->f, "%s\n%s", r->rows > 0 ? "," : "[", text);
	json_free(j);
	return ret;
}

static void
row_prom(struct report *r, const struct db_cert *c, const char *status)
{
	char name[256];

	if (strcmp(status, "issued") != 0)
		return;
	display_name(c, name, sizeof(name));
	fputs("pki_certificate_expiry_seconds{", r->f);
	prom_label(r->f, "ca", r->cfg->name, 0);
	prom_label(r->f, "serial", c->serial, 0);
	prom_label(r->f, "profile", c->profile, 0);
	prom_label(r->f, "subject", name, 1);
	fprintf(r->f, "} %lld\n", c->not_after - (long long)r->now);
}

/* Is a row that the database filter let through one that --status
 * wants, given that expiry is not a database status? */
static int
wanted(const struct report *r, const char *status)
{
	const char *want = r->o->status;

	if (want == NULL || strcmp(want, "all") == 0)
		return 1;
	return strcmp(want, status) == 0;
}

/* A pending row: counted always, listed under --status pending. */
static int
visit_pending(void *arg, const struct db_cert *c)
{
	struct report *r = arg;
	struct json_buf *j = NULL;
	const char *text;
	char t[21];
	long long age = (long long)r->now - c->created;
	int ret;

	r->pending++;
	if (r->pending_oldest == 0 || c->created < r->pending_oldest)
		r->pending_oldest = c->created;
	r->pending_stale += age > PENDING_STALE;
	if (r->o->status == NULL || strcmp(r->o->status, "pending") != 0)
		return 0;
	time_text(c->created, t);
	if (r->o->format == FMT_TABLE) {
		if (r->rows++ == 0)
			fprintf(r->f, "%-40s %-7s %-16s %-20s %8s  %s\n",
			    "SERIAL", "STATUS", "PROFILE", "RESERVED", "AGE(S)",
			    "REQUESTER");
		fprintf(r->f, "%-40s %-7s %-16s %-20s %8lld  %s\n", c->serial,
		    "pending", c->profile, t, age, c->requester);
		return 0;
	}
	if (r->o->format != FMT_JSON || (ret = json_new(&j)) != 0)
		return 0;
	json_begin_object(j, NULL);
	json_add_str(j, "serial", c->serial);
	json_add_str(j, "status", "pending");
	json_add_str(j, "profile", c->profile);
	json_add_str(j, "requester", c->requester);
	json_add_str(j, "reserved", t);
	json_add_int(j, "age_s", age);
	json_end_object(j);
	if ((ret = json_text(j, &text, NULL)) == 0)
		fprintf(r->f, "%s\n%s", r->rows++ > 0 ? "," : "[", text);
	json_free(j);
	return ret;
}

static int
visit(void *arg, const struct db_cert *c)
{
	struct report *r = arg;
	const char *status;
	int ret = 0;

	if (strcmp(c->status, "issued") != 0 &&
	    strcmp(c->status, "revoked") != 0)
		return 0;	/* pending, failed: no certificate */
	status = shown_status(r, c);
	if (!wanted(r, status))
		return 0;
	if (strcmp(status, "issued") == 0 &&
	    c->not_after < (long long)r->now + r->o->warn_secs)
		r->warned++;
	if (strcmp(status, "expired") != 0 && c->ocsp_this_update > 0 &&
	    (r->ocsp_oldest == 0 || c->ocsp_this_update < r->ocsp_oldest))
		r->ocsp_oldest = c->ocsp_this_update;
	if ((ret = count_group(r, status, c->profile)) != 0)
		return ret;
	if (r->o->format == FMT_TABLE)
		row_table(r, c, status);
	else if (r->o->format == FMT_JSON)
		ret = row_json(r, c, status);
	else
		row_prom(r, c, status);
	r->rows++;
	return ret;
}

static int
walk(struct report *r)
{
	struct db_filter f;
	const char *s = r->o->status;
	int ret;

	memset(&f, 0, sizeof(f));
	f.status = "pending";
	if ((ret = db_each(r->db, &f, visit_pending, r)) != 0 ||
	    (s != NULL && strcmp(s, "pending") == 0))
		return ret;
	f.status = NULL;
	f.profile = r->o->profile;
	f.name = r->o->name;
	if (s != NULL && strcmp(s, "revoked") == 0)
		f.status = "revoked";
	else if (s != NULL && strcmp(s, "issued") == 0) {
		f.status = "issued";
		f.not_expired_at = (long long)r->now;
	} else if (s != NULL && strcmp(s, "expired") == 0) {
		f.status = "issued";
		f.expiring_before = (long long)r->now + 1;
	}
	if (r->o->expiring != NULL) {
		f.expiring_before = (long long)r->now + r->o->expiring_secs;
		f.not_expired_at = (long long)r->now;
	}
	if (r->o->format == FMT_PROM)
		fputs("# HELP pki_certificate_expiry_seconds Seconds until "
		    "the notAfter of a certificate that is neither revoked "
		    "nor expired.\n"
		    "# TYPE pki_certificate_expiry_seconds gauge\n", r->f);
	return db_each(r->db, &f, visit, r);
}

/* ---- phase 3: the CA, its OCSP signer and its CRLs ---- */

static void
warn(struct report *r, const char *what, long long when, const char *verb)
{
	char t[21];

	time_text(when, t);
	fprintf(stderr, "%s: warning: %s %s %s\n", PROG, what, verb, t);
	r->other_warnings++;
}

/* The notAfter of the OCSP signer certificate, 0 if there is none. */
static long long
signer_not_after(const struct report *r)
{
	X509 *x = NULL;
	char *path = fileio_join(r->cfg->dir, OCSP_SIGNER_CERT);
	long long t = 0;

	if (path != NULL && fileio_exists(path) && x509_load(path, &x) == 0)
		t = asn1_unix(X509_get0_notAfter(x));
	else if (path != NULL && fileio_exists(path))
		fprintf(stderr, "%s: note: %s\n", PROG, err_msg());
	X509_free(x);
	free(path);
	return t;
}

/* The published CRL of shard: thisUpdate and nextUpdate, or 0 and 0
 * when there is none (with a note on stderr). */
static void
crl_times(const struct report *r, unsigned shard, long long *last,
    long long *next)
{
	char name[128], *path;
	X509_CRL *crl = NULL;

	*last = *next = 0;
	if (r->cfg->crl_shards > 1)
		snprintf(name, sizeof(name), "%s-%u.crl", r->cfg->name, shard);
	else
		snprintf(name, sizeof(name), "%s.crl", r->cfg->name);
	if (r->cfg->crl_dir == NULL ||
	    (path = fileio_join(r->cfg->crl_dir, name)) == NULL)
		return;
	if (crl_load(path, &crl) == 0) {
		*last = asn1_unix(X509_CRL_get0_lastUpdate(crl));
		*next = asn1_unix(X509_CRL_get0_nextUpdate(crl));
	} else
		fprintf(stderr, "%s: note: no CRL: %s\n", PROG, err_msg());
	X509_CRL_free(crl);
	free(path);
}

static void
prom_family(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void
prom_ca(const struct report *r, const char *name, long long value)
{
	fprintf(r->f, "%s{", name);
	prom_label(r->f, "ca", r->cfg->name, 1);
	fprintf(r->f, "} %lld\n", value);
}

static void
prom_counts(const struct report *r)
{
	size_t i;

	prom_family(r->f, "pki_certificates", "Certificates in the "
	    "inventory by status and profile.");
	for (i = 0; i < r->ngroups; i++) {
		fputs("pki_certificates{", r->f);
		prom_label(r->f, "ca", r->cfg->name, 0);
		prom_label(r->f, "status", r->groups[i].status, 0);
		prom_label(r->f, "profile", r->groups[i].profile, 1);
		fprintf(r->f, "} %lld\n", r->groups[i].n);
	}
}

static void
prom_crls(const struct report *r, const long long *t, int which)
{
	unsigned s;
	long long now = (long long)r->now;

	if (which == 0)
		prom_family(r->f, "pki_crl_age_seconds", "Seconds since the "
		    "thisUpdate of the published CRL.");
	else
		prom_family(r->f, "pki_crl_next_update_seconds", "Seconds "
		    "until the nextUpdate of the published CRL.");
	for (s = 0; s < r->cfg->crl_shards; s++) {
		if (t[2 * s] == 0)
			continue;
		fprintf(r->f, "%s{", which == 0 ? "pki_crl_age_seconds" :
		    "pki_crl_next_update_seconds");
		prom_label(r->f, "ca", r->cfg->name, 0);
		fprintf(r->f, "shard=\"%u\"} %lld\n", s, which == 0 ?
		    now - t[2 * s] : t[2 * s + 1] - now);
	}
}

/* Prometheus families other than the per-certificate one. */
static void
prom_tail(const struct report *r, long long ca_end, long long signer_end,
    const long long *crl)
{
	long long now = (long long)r->now;

	prom_counts(r);
	prom_family(r->f, "pki_ca_expiry_seconds", "Seconds until the CA "
	    "certificate's notAfter.");
	prom_ca(r, "pki_ca_expiry_seconds", ca_end - now);
	if (signer_end != 0) {
		prom_family(r->f, "pki_ocsp_signer_expiry_seconds", "Seconds "
		    "until the OCSP signer certificate's notAfter.");
		prom_ca(r, "pki_ocsp_signer_expiry_seconds", signer_end - now);
	}
	if (r->ocsp_oldest != 0) {
		prom_family(r->f, "pki_ocsp_responses_oldest_seconds",
		    "Age of the oldest pre-signed OCSP response.");
		prom_ca(r, "pki_ocsp_responses_oldest_seconds",
		    now - r->ocsp_oldest);
	}
	prom_crls(r, crl, 0);
	prom_crls(r, crl, 1);
	prom_family(r->f, "pki_pending_serials", "Serials recorded as "
	    "pending: issuances under way, or interrupted (nothing was "
	    "handed out for them).");
	prom_ca(r, "pki_pending_serials", r->pending);
	if (r->pending_oldest != 0) {
		prom_family(r->f, "pki_pending_oldest_seconds", "Age of the "
		    "oldest pending serial; above a minute, an issuance was "
		    "interrupted.");
		prom_ca(r, "pki_pending_oldest_seconds",
		    now - r->pending_oldest);
	}
}

/* The CA, the signer and the CRLs: warnings, and the Prometheus tail. */
static int
infrastructure(struct report *r)
{
	long long ca_end, signer_end, limit, *crl;
	unsigned s;

	limit = (long long)r->now + r->o->warn_secs;
	if ((crl = calloc(2 * (size_t)r->cfg->crl_shards,
	    sizeof(*crl))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	ca_end = asn1_unix(X509_get0_notAfter(r->cert));
	if (ca_end < limit)
		warn(r, "the CA certificate", ca_end, "expires");
	if ((signer_end = signer_not_after(r)) != 0 && signer_end < limit)
		warn(r, "the OCSP signer certificate", signer_end, "expires");
	for (s = 0; s < r->cfg->crl_shards; s++) {
		crl_times(r, s, &crl[2 * s], &crl[2 * s + 1]);
		if (crl[2 * s] != 0 && crl[2 * s + 1] < (long long)r->now)
			warn(r, "the CRL", crl[2 * s + 1], "was due at");
	}
	if (r->o->format == FMT_PROM)
		prom_tail(r, ca_end, signer_end, crl);
	free(crl);
	return 0;
}

/* ---- --scan: certificate files the inventory does not know ---- */

/* A name as one RFC 2253 line, malloc'd. */
static char *
name_line(const X509_NAME *n)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *s = NULL;
	long len;

	if (bio == NULL)
		return NULL;
	if (X509_NAME_print_ex(bio, n, 0, XN_FLAG_RFC2253) >= 0 &&
	    (len = BIO_get_mem_data(bio, &data)) >= 0 &&
	    (s = malloc((size_t)len + 1)) != NULL) {
		memcpy(s, data, (size_t)len);
		s[len] = '\0';
	}
	BIO_free(bio);
	return s;
}

/* *known = 1 if x is the CA certificate or one of its issued serials. */
static int
is_known(struct report *r, X509 *x, int *known)
{
	struct db_cert c;
	char *serial;
	int ret;

	*known = 0;
	if (X509_cmp(x, r->cert) == 0) {
		*known = 1;
		return 0;
	}
	if (X509_check_issued(r->cert, x) != X509_V_OK)
		return 0;
	if ((serial = x509_serial_hex(x)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	memset(&c, 0, sizeof(c));
	ret = db_get(r->db, serial, &c);
	free(serial);
	if (ret == 0) {
		*known = strcmp(c.status, "issued") == 0 ||
		    strcmp(c.status, "revoked") == 0;
		db_cert_clear(&c);
	}
	return ret == ERR_NOINPUT || ret == ERR_DATA ? 0 : ret;
}

static int
unmanaged_json(struct report *r, const char *path, const char *subject,
    const char *issuer, long long not_after)
{
	struct json_buf *j = NULL;
	const char *text;
	char na[21];
	int ret;

	time_text(not_after, na);
	if ((ret = json_new(&j)) != 0)
		return ret;
	json_begin_object(j, NULL);
	json_add_str(j, "path", path);
	json_add_str(j, "subject", subject);
	json_add_str(j, "issuer", issuer);
	json_add_str(j, "not_after", na);
	json_add_int(j, "seconds_left", not_after - (long long)r->now);
	json_end_object(j);
	if ((ret = json_text(j, &text, NULL)) == 0)
		fprintf(r->f, "%s\n%s", r->rows > 0 ? "," : "[", text);
	else
		fprintf(stderr, "%s: note: %s: skipped: %s\n", PROG, path,
		    err_msg());
	json_free(j);
	return ret == ERR_DATA ? 0 : ret;
}

static int
unmanaged(struct report *r, const char *path, X509 *x)
{
	char *subject = name_line(X509_get_subject_name(x));
	char *issuer = name_line(X509_get_issuer_name(x));
	long long na = asn1_unix(X509_get0_notAfter(x));
	char t[21];
	int ret = 0;

	if (subject == NULL || issuer == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (na > (long long)r->now && na < (long long)r->now +
	    r->o->warn_secs)
		r->warned++;
	if (r->o->format == FMT_JSON)
		ret = unmanaged_json(r, path, subject, issuer, na);
	else {
		if (r->rows == 0)
			fprintf(r->f, "%-20s %8s  %s\n", "NOT AFTER", "DAYS",
			    "PATH, SUBJECT, ISSUER");
		time_text(na, t);
		fprintf(r->f, "%-20s %8.1f  %s\n%31s subject: %s\n"
		    "%31s issuer: %s\n", t, (double)(na - (long long)r->now) /
		    86400.0, path, "", subject, "", issuer);
	}
	r->rows++;
out:
	free(subject);
	free(issuer);
	return ret;
}

static int
scan_file(struct report *r, const char *path)
{
	STACK_OF(X509) *sk = NULL;
	int i, known, ret;

	if ((ret = certfile_load(path, &sk)) != 0) {
		fprintf(stderr, "%s: note: skipped: %s\n", PROG, err_msg());
		return 0;
	}
	for (i = 0; ret == 0 && i < sk_X509_num(sk); i++)
		if ((ret = is_known(r, sk_X509_value(sk, i), &known)) == 0 &&
		    !known)
			ret = unmanaged(r, path, sk_X509_value(sk, i));
	sk_X509_pop_free(sk, X509_free);
	return ret;
}

/* Every regular file below the directories, symbolic links not
 * followed. */
static int
scan(struct report *r)
{
	FTS *fts;
	FTSENT *e;
	int ret = 0;

	if ((fts = fts_open(r->o->dirs, FTS_PHYSICAL | FTS_NOCHDIR,
	    NULL)) == NULL)
		return err_set(ERR_INTERNAL, "fts_open failed");
	while (ret == 0 && (e = fts_read(fts)) != NULL) {
		if (e->fts_info == FTS_F)
			ret = scan_file(r, e->fts_path);
		else if (e->fts_info == FTS_DNR || e->fts_info == FTS_ERR ||
		    e->fts_info == FTS_NS)
			fprintf(stderr, "%s: note: skipped %s: %s\n", PROG,
			    e->fts_path, strerror(e->fts_errno));
	}
	fts_close(fts);
	return ret;
}

/* ---- phase 4: output ---- */

static int
open_output(struct report *r)
{
	if (r->o->out == NULL) {
		r->f = stdout;
		return 0;
	}
	if ((r->f = open_memstream(&r->outbuf, &r->outlen)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	return 0;
}

/* Close the JSON array, then write --out or flush stdout. */
static int
finish_output(struct report *r)
{
	FILE *f = r->f;

	if (r->o->format == FMT_JSON)
		fputs(r->rows > 0 ? "\n]\n" : "[]\n", f);
	r->f = NULL;
	if (f == stdout)
		return fflush(stdout) == 0 ? 0 : err_set(ERR_IO, "cannot "
		    "write the report: %s", strerror(errno));
	if (fclose(f) != 0)
		return err_set(ERR_INTERNAL, "out of memory");
	return fileio_write_atomic(r->o->out, r->outbuf, r->outlen, 0644, 1);
}

/* Exit status 1 (ERR_NO) when anything is inside the warning window. */
static int
verdict(const struct report *r)
{
	if (r->warned > 0)
		fprintf(stderr, "%s: warning: %lld %scertificate%s expire%s "
		    "within %s\n", PROG, r->warned, r->o->scan ?
		    "unmanaged " : "", r->warned == 1 ? "" : "s",
		    r->warned == 1 ? "s" : "", r->o->warn != NULL ?
		    r->o->warn : "14d");
	if (r->pending_stale > 0 && !r->o->scan)
		fprintf(stderr, "%s: note: %lld issuance%s interrupted "
		    "(serial%s pending for more than %d s, never handed out): "
		    "pki-report --status pending\n", PROG, r->pending_stale,
		    r->pending_stale == 1 ? " was" : "s were",
		    r->pending_stale == 1 ? "" : "s", PENDING_STALE);
	if (r->warned > 0 || r->other_warnings > 0)
		return err_set(ERR_NO, "something is inside the warning "
		    "window");
	return 0;
}

static void
report_cleanup(struct report *r)
{
	size_t i;

	if (r->f != NULL && r->f != stdout)
		fclose(r->f);
	free(r->outbuf);
	for (i = 0; i < r->ngroups; i++)
		free(r->groups[i].profile);
	db_close(r->db);
	X509_free(r->cert);
	cacfg_free(r->cfg);
}

static int
run(const struct opts *o)
{
	struct report r;
	const char *dir;
	int ret;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.now = time(NULL);
	if ((dir = cacfg_dir_from_env(o->ca_dir)) == NULL)
		return ERR_USAGE;
	/* Phase 1: ca.yaml, the CA certificate, the inventory. */
	if ((ret = load(&r, dir)) != 0 || (ret = open_output(&r)) != 0)
		goto out;
	/* Phases 2 and 3: the inventory or the files on disk; the CA. */
	if (o->scan)
		ret = scan(&r);
	else if ((ret = walk(&r)) == 0)
		ret = infrastructure(&r);
	/* Phase 4: the output, then the verdict. */
	if (ret == 0 && (ret = finish_output(&r)) == 0)
		ret = verdict(&r);
out:
	report_cleanup(&r);
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
