/*
 * pki-ocsp: the online CA's delegated OCSP signer and pre-signed OCSP
 * responses.
 *
 * init-signer and rotate-signer make a P-256 key, encrypted under the CA
 * key's PIN or passphrase into DIR/ocsp-signer.key, and a short-lived
 * certificate for it signed by the CA key (EKU OCSPSigning,
 * id-pkix-ocsp-nocheck), recorded in the inventory under the profile
 * "ocsp-signer" (pending before the CA key signs, issued after).
 * refresh (cron) signs and writes, with that signer and on every core,
 * a response for each certificate that has not expired and whose
 * response is missing, changed or old, page by page: files first
 * (publish.h: one syncfs, then an atomic rename each, then the
 * directory synced), then db_set_ocsp() for the page in one
 * transaction, so a crash leaves each file old-and-complete or
 * new-and-complete and the inventory never claims a response newer than
 * its file; a committer thread does that for one page while the cores
 * sign the next; then the cfssl responses file, whose lines for the
 * responses signed here come from memory (ocsprefresh_lines_add() as
 * each page is recorded) and the others from their files.  A
 * progress bar goes to stderr when it is a terminal.  respond answers
 * one request from those files.
 *
 * Trusts: ca.yaml, the installed ca.pem, the inventory and the signer
 * files (checked against each other).  Requests are untrusted.  Secret:
 * the PIN (secmem, wiped) and the signer key (held by OpenSSL).  The CA
 * key is opened only by init-signer and rotate-signer; the PIN read
 * once is handed to cacfg_open_key() through a pipe, so a prompt asks
 * once.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "args.h"
#include "audit.h"
#include "cacfg.h"
#include "db.h"
#include "err.h"
#include "fileio.h"
#include "json.h"
#include "keyfile.h"
#include "keytype.h"
#include "ocsp.h"
#include "ocsprefresh.h"
#include "par.h"
#include "pin.h"
#include "profile.h"
#include "publish.h"
#include "secmem.h"
#include "x509.h"

#define PROG		"pki-ocsp"
#define PAGE		1024
#define DEFAULT_LIFETIME "30d"

enum cmd { CMD_INIT, CMD_ROTATE, CMD_REFRESH, CMD_RESPOND };

struct opts {
	enum cmd cmd;
	const char *ca_dir, *lifetime_text, *format, *request, *get;
	long long lifetime;
	int all, json, pin_set;
	struct pin_source pin;
};

/* One due row on its way through a page. */
struct item {
	char	 serial[DB_SERIAL_MAX + 1];
	char	 hash[65];
	struct ocsp_entry e;
	unsigned char *der;
	size_t	 len;
	int	 ret;
	char	 error[256];
};

/*
 * One page of due rows.  Two alternate: while the workers sign one, a
 * committer thread publishes the other and records it in the inventory.
 */
struct batch {
	struct item *items;
	size_t	 n;
	size_t	 base;		/* its first publish slot */
	struct page *pg;
};

struct page {
	struct batch b[2];
	size_t	 rows;		/* visited in this page */
	struct db_cert last;
	const struct ocsp_signer *signer;
	const struct ca_config *c;
	struct publish *pub;	/* the OCSP directory, one slot an item */
	struct ocsprefresh_lines *lines; /* the responses file, once a
				   page is published */
	time_t	 this_update, next_update;
	int	 tty;		/* draw a progress bar on stderr */
	long long total, seen;	/* live rows; rows visited so far */
};

struct counts {
	long long signed_, skipped, failed;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: %s init-signer [--ca DIR] [--lifetime D] [PIN]\n"
	    "       %s rotate-signer [--ca DIR] [--lifetime D] [PIN]\n"
	    "       %s refresh [--ca DIR] [--all] [--format text|json] [PIN]\n"
	    "       %s respond [--ca DIR] [--request FILE | --get PATH] "
	    "[PIN]\n"
	    "       %s --help | --version\n"
	    "PIN: --pin-file FILE | --pin-fd N\n", PROG, PROG, PROG, PROG,
	    PROG);
}

static int
parse_opt(int c, struct opts *o)
{
	switch (c) {
	case 'a': return args_once(&o->ca_dir, optarg, "ca");
	case 'l': return args_once(&o->lifetime_text, optarg, "lifetime");
	case 'm': return args_once(&o->format, optarg, "format");
	case 'r': return args_once(&o->request, optarg, "request");
	case 'g': return args_once(&o->get, optarg, "get");
	case 'A': return args_flag(&o->all, "all");
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
parse_cmd(const char *word, struct opts *o)
{
	static const char *const names[] = { "init-signer", "rotate-signer",
	    "refresh", "respond" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(word, names[i]) == 0) {
			o->cmd = (enum cmd)i;
			return 0;
		}
	return err_set(ERR_USAGE, "unknown command \"%.32s\" (init-signer, "
	    "rotate-signer, refresh, respond)", word);
}

static int
check_args(struct opts *o)
{
	int signer = o->cmd == CMD_INIT || o->cmd == CMD_ROTATE;

	if (!signer && o->lifetime_text != NULL)
		return err_set(ERR_USAGE, "--lifetime is for init-signer and "
		    "rotate-signer");
	if (o->cmd != CMD_REFRESH && (o->all || o->format != NULL))
		return err_set(ERR_USAGE, "--all and --format are for "
		    "refresh");
	if (o->cmd != CMD_RESPOND && (o->request != NULL || o->get != NULL))
		return err_set(ERR_USAGE, "--request and --get are for "
		    "respond");
	if (o->request != NULL && o->get != NULL)
		return err_set(ERR_USAGE, "give --request or --get, not both");
	if (o->format != NULL) {
		if (strcmp(o->format, "json") != 0 &&
		    strcmp(o->format, "text") != 0)
			return err_set(ERR_USAGE, "--format %s: use text or "
			    "json", o->format);
		o->json = strcmp(o->format, "json") == 0;
	}
	if (signer)
		return profile_parse_duration(o->lifetime_text != NULL ?
		    o->lifetime_text : DEFAULT_LIFETIME, &o->lifetime);
	return 0;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "ca", required_argument, NULL, 'a' },
		{ "lifetime", required_argument, NULL, 'l' },
		{ "all", no_argument, NULL, 'A' },
		{ "format", required_argument, NULL, 'm' },
		{ "request", required_argument, NULL, 'r' },
		{ "get", required_argument, NULL, 'g' },
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
	if (optind >= argc)
		return err_set(ERR_USAGE, "give a command: init-signer, "
		    "rotate-signer, refresh or respond");
	if ((ret = parse_cmd(argv[optind++], o)) != 0)
		return ret;
	if (optind != argc)
		return err_set(ERR_USAGE, "unexpected argument \"%s\"",
		    argv[optind]);
	return check_args(o);
}

/* ---- shared: the CA, the PIN, the signer ---- */

static const struct pin_source *
cli_pin(const struct opts *o)
{
	return o->pin_set ? &o->pin : NULL;
}

static int
load_ca(const struct opts *o, struct ca_config **c, X509 **ca)
{
	const char *dir;
	int ret;

	if ((dir = cacfg_dir_from_env(o->ca_dir)) == NULL)
		return ERR_USAGE;
	if ((ret = cacfg_load(dir, c)) != 0)
		return ret;
	return cacfg_load_cert(*c, ca);
}

static int
signer_paths(const struct ca_config *c, char **key, char **cert)
{
	*key = fileio_join(c->dir, OCSP_SIGNER_KEY);
	*cert = fileio_join(c->dir, OCSP_SIGNER_CERT);
	if (*key == NULL || *cert == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	return 0;
}

/* The delegated signer, decrypted with the CA's PIN. */
static int
open_signer(const struct opts *o, const struct ca_config *c, X509 *ca,
    struct ocsp_signer **out)
{
	return ocsprefresh_open_signer(c, ca, cli_pin(o), out);
}

/* ---- init-signer, rotate-signer ---- */

static long long
asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (long long)timegm(&tm);
}

/* A descriptor from which pin_read() gets pin (the PIN is read once). */
static int
pin_pipe(const char *pin, struct pin_source *src)
{
	int fds[2];
	size_t n = strlen(pin);

	if (pipe(fds) == -1)
		return err_set(ERR_INTERNAL, "pipe: %s", strerror(errno));
	if (write(fds[1], pin, n) != (ssize_t)n || write(fds[1], "\n", 1)
	    != 1) {
		close(fds[0]);
		close(fds[1]);
		return err_set(ERR_INTERNAL, "pipe: short write");
	}
	close(fds[1]);
	memset(src, 0, sizeof(*src));
	src->kind = PIN_FD;
	src->fd = fds[0];
	return 0;
}

static int
open_ca_key(const struct ca_config *c, X509 *ca, const char *pin,
    struct ca_key **k)
{
	struct pin_source src;
	int ret;

	if ((ret = pin_pipe(pin, &src)) != 0)
		return ret;
	ret = cacfg_open_key(c, &src, ca, CACFG_KEY_AUDIT, k);
	close(src.fd);
	return ret;
}

/* Record as pending, sign with the CA key, record as issued. */
static int
sign_signer(const struct ca_config *c, struct ca_key *k, X509 *cert,
    EVP_PKEY *key, char **serial)
{
	struct db *db = NULL;
	unsigned char spki[32], *der = NULL;
	char hex[65], *subject = NULL;
	size_t len, i;
	int ret;

	if ((*serial = x509_serial_hex(cert)) == NULL ||
	    (subject = x509_subject_line(cert)) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	if ((ret = x509_spki_sha256(key, spki)) != 0)
		goto out;
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", spki[i]);
	if ((ret = db_open(c->db_path, 0, &db)) != 0 ||
	    (ret = db_reserve(db, *serial, OCSP_SIGNER_PROFILE, audit_login_name(),
	    hex, 0)) != 0)
		goto out;
	if ((ret = cacfg_key_failed(c, k, x509_sign(cert, cacfg_key_pkey(k),
	    cacfg_key_type(k)))) != 0 || (ret = x509_der(cert, &der,
	    &len)) != 0) {
		db_fail(db, *serial);
		goto out;
	}
	ret = db_complete(db, *serial, subject, NULL,
	    asn1_time(X509_get0_notBefore(cert)),
	    asn1_time(X509_get0_notAfter(cert)), der,
	    len);
out:
	free(der);
	free(subject);
	db_close(db);
	return ret;
}

/* The key first (through KEY.new and rename), then the certificate. */
static int
write_signer(const struct ca_config *c, X509 *cert, EVP_PKEY *key,
    const char *pin)
{
	char *keypath = NULL, *certpath = NULL, *tmp = NULL;
	unsigned char *pem = NULL;
	size_t len;
	int ret;

	if ((ret = signer_paths(c, &keypath, &certpath)) != 0)
		goto out;
	if ((tmp = malloc(strlen(keypath) + 5)) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	snprintf(tmp, strlen(keypath) + 5, "%s.new", keypath);
	(void)unlink(tmp);	/* left by a crash */
	if ((ret = keyfile_write(tmp, key, pin)) != 0)
		goto out;
	if (rename(tmp, keypath) == -1) {
		ret = err_set(ERR_IO, "%s: %s", keypath, strerror(errno));
		(void)unlink(tmp);
		goto out;
	}
	if ((ret = x509_pem(cert, &pem, &len)) != 0)
		goto out;
	ret = fileio_write_atomic(certpath, pem, len, 0644, 1);
out:
	free(pem);
	free(tmp);
	free(keypath);
	free(certpath);
	return ret;
}

static int
signer_members(const char *serial, X509 *cert, char **text)
{
	struct json_buf *j = NULL;
	const char *t;
	char na[64];
	int ret;

	*text = NULL;
	if ((ret = json_new(&j)) != 0)
		return ret;
	x509_time_text(X509_get0_notAfter(cert), na, sizeof(na));
	json_add_str(j, "serial", serial);
	json_add_str(j, "not_after", na);
	json_add_str(j, "requester", audit_login_name());
	if ((ret = json_text(j, &t, NULL)) == 0 &&
	    (*text = strdup(t)) == NULL)
		ret = err_set(ERR_INTERNAL, "out of memory");
	json_free(j);
	return ret;
}

/* Refuse init-signer over an existing signer. */
static int
check_no_signer(const struct ca_config *c)
{
	char *keypath = NULL, *certpath = NULL;
	int ret;

	if ((ret = signer_paths(c, &keypath, &certpath)) == 0 &&
	    (fileio_exists(keypath) || fileio_exists(certpath)))
		ret = err_set(ERR_EXISTS, "CA %s already has an OCSP signer "
		    "(%s): use pki-ocsp rotate-signer", c->name, certpath);
	free(keypath);
	free(certpath);
	return ret;
}

static int
make_signer(const struct opts *o, const struct ca_config *c, X509 *ca,
    const char *pin, struct ca_key *k)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	char *serial = NULL, *members = NULL, na[64];
	int ret;

	/* 3. The key and the certificate, signed by the CA key. */
	if ((ret = keytype_generate(KEY_P256, &key)) != 0 ||
	    (ret = ocsp_signer_build(ca, key, o->lifetime, time(NULL),
	    &cert)) != 0 ||
	    (ret = sign_signer(c, k, cert, key, &serial)) != 0)
		goto out;
	/* 4. The files, then the audit entry. */
	if ((ret = write_signer(c, cert, key, pin)) != 0 ||
	    (ret = signer_members(serial, cert, &members)) != 0 ||
	    (ret = cacfg_audit(c, k, PROG, o->cmd == CMD_INIT ?
	    "init-signer" : "rotate-signer", members)) != 0)
		goto out;
	x509_time_text(X509_get0_notAfter(cert), na, sizeof(na));
	printf("OCSP signer %s of CA %s, valid until %s: %s/%s\n", serial,
	    c->name, na, c->dir, OCSP_SIGNER_CERT);
out:
	free(members);
	free(serial);
	X509_free(cert);
	EVP_PKEY_free(key);
	return ret;
}

static int
run_signer(const struct opts *o)
{
	struct ca_config *c = NULL;
	struct ca_key *k = NULL;
	X509 *ca = NULL;
	char *pin = NULL;
	int ret;

	/* 1. The CA, installed; no signer yet for init-signer. */
	if ((ret = load_ca(o, &c, &ca)) != 0 ||
	    (o->cmd == CMD_INIT && (ret = check_no_signer(c)) != 0))
		goto out;
	/* 2. The PIN, once: it opens the CA key and encrypts the new. */
	if ((ret = cacfg_read_pin(c, cli_pin(o), 0, &pin)) != 0 ||
	    (ret = open_ca_key(c, ca, pin, &k)) != 0)
		goto out;
	ret = make_signer(o, c, ca, pin, k);
out:
	cacfg_key_close(k);
	secmem_free(pin);
	X509_free(ca);
	cacfg_free(c);
	return ret;
}

/* ---- refresh ---- */

static int
collect(void *arg, const struct db_cert *row)
{
	struct batch *b = arg;
	struct page *pg = b->pg;
	struct item *it;

	pg->last = *row;	/* the paging cursor reads only scalars */
	pg->rows++;
	if (strcmp(row->status, "issued") != 0 &&
	    strcmp(row->status, "revoked") != 0)
		return 0;
	it = &b->items[b->n++];
	memset(it, 0, sizeof(*it));
	snprintf(it->serial, sizeof(it->serial), "%s", row->serial);
	it->e.serial = it->serial;
	it->e.status = row->revoked_at != 0 ? OCSP_REVOKED : OCSP_GOOD;
	it->e.revoked_at = row->revoked_at;
	it->e.reason = row->reason;
	if ((it->ret = db_ocsp_status_hash(row, it->hash)) != 0)
		snprintf(it->error, sizeof(it->error), "%s", err_msg());
	return 0;
}

static void
sign_item(void *arg, size_t i)
{
	struct batch *b = arg;
	struct page *pg = b->pg;
	struct item *it = &b->items[i];
	char name[DB_SERIAL_MAX + 8];

	if (it->ret != 0)
		return;
	snprintf(name, sizeof(name), "%s.der", it->serial);
	if ((it->ret = ocsp_sign(pg->signer, &it->e, pg->this_update,
	    pg->next_update, &it->der, &it->len)) != 0 ||
	    (it->ret = publish_put(pg->pub, b->base + i, name, it->der,
	    it->len)) != 0)
		snprintf(it->error, sizeof(it->error), "%s", err_msg());
}

/* The stale mark (OCSPREFRESH_STALE) set to a value of this run's: a
 * run that dies after recording a page leaves the responses file to be
 * rewritten by the next; write_responses() clears it. */
static int
mark_stale(struct db *db)
{
	struct timespec ts;
	char mark[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(mark, sizeof(mark), "refresh.%lld.%09ld.%ld",
	    (long long)ts.tv_sec, ts.tv_nsec, (long)getpid());
	return db_meta_set(db, OCSPREFRESH_STALE, mark);
}

/* The lines of the page's published responses, from memory. */
static int
add_lines(struct page *pg, struct batch *b)
{
	struct item *it;
	size_t i;
	int ret;

	if (pg->lines == NULL &&
	    (ret = ocsprefresh_lines_open(pg->c, &pg->lines)) != 0)
		return ret;
	for (i = 0; i < b->n; i++) {
		it = &b->items[i];
		if (it->ret == 0 && (ret = ocsprefresh_lines_add(pg->lines,
		    it->serial, it->der, it->len)) != 0)
			return ret;
	}
	return 0;
}

/* The files (put by sign_item()) published and made durable as one
 * batch, then the inventory in one transaction. */
static int
record_batch(struct db *db, struct batch *b, struct counts *n)
{
	struct item *it;
	size_t i;
	int ret;

	/* A file that cannot be written is the disk's fault, not the
	 * record's: stop (exit 74); the page stays due. */
	for (i = 0; i < b->n; i++)
		if (b->items[i].ret == ERR_IO)
			return err_set(ERR_IO, "%s", b->items[i].error);
	for (i = 0; i < b->n; i++) {
		it = &b->items[i];
		if (it->ret != 0) {
			fprintf(stderr, "%s: serial %s skipped: %s\n", PROG,
			    it->serial, it->error);
			n->failed++;
		}
	}
	if ((ret = publish_commit_range(b->pg->pub, b->base, PAGE,
	    NULL)) != 0 || (ret = db_begin(db)) != 0)
		return ret;
	if (b->pg->lines == NULL && (ret = mark_stale(db)) != 0) {
		db_rollback(db);
		return ret;
	}
	for (i = 0; i < b->n; i++) {
		it = &b->items[i];
		if (it->ret != 0)
			continue;
		ret = db_set_ocsp(db, it->serial, (long long)b->pg->this_update,
		    (long long)b->pg->next_update, it->hash);
		if (ret == ERR_NO) {	/* revoked meanwhile: still due */
			n->skipped++;
			continue;
		}
		if (ret != 0) {
			db_rollback(db);
			return ret;
		}
		n->signed_++;
	}
	if ((ret = db_commit(db)) != 0)
		return ret;
	return add_lines(b->pg, b);
}

/* The committer thread: record_batch() beside the signing workers.  The
 * inventory handle is used by one thread at a time (see refresh_pages). */
struct committer {
	pthread_t tid;
	int	 running;
	struct db *db;
	struct batch *b;
	struct counts *n;
	int	 ret;
	char	 error[512];
};

static void *
committer_main(void *arg)
{
	struct committer *k = arg;

	if ((k->ret = record_batch(k->db, k->b, k->n)) != 0)
		snprintf(k->error, sizeof(k->error), "%s", err_msg());
	return NULL;
}

static void
commit_start(struct committer *k, struct db *db, struct batch *b,
    struct counts *n)
{
	k->db = db;
	k->b = b;
	k->n = n;
	k->ret = 0;
	k->running = pthread_create(&k->tid, NULL, committer_main, k) == 0;
	if (!k->running)	/* no thread: commit here */
		committer_main(k);
}

/* Wait for the committer; its result, with its message restored. */
static int
commit_wait(struct committer *k)
{
	if (k->running)
		pthread_join(k->tid, NULL);
	k->running = 0;
	if (k->ret != 0)
		return err_set(k->ret, "%s", k->error);
	return 0;
}

static void
batch_clear(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->items[i].der);
	b->n = 0;
}

/* The live rows, the denominator of the progress bar. */
static void
progress_begin(struct db *db, struct page *pg)
{
	long long issued = 0, revoked = 0;

	if (!isatty(STDERR_FILENO))
		return;
	if (db_count(db, "issued", &issued) != 0 ||
	    db_count(db, "revoked", &revoked) != 0)
		return;
	pg->tty = 1;
	pg->total = issued + revoked;
}

/* "[#####     ]  42%  123456/300000 rows" on one line of stderr. */
static void
progress(struct page *pg, int last)
{
	char bar[41];
	long long t = pg->total > pg->seen ? pg->total : pg->seen;
	int fill, pct;

	if (!pg->tty)
		return;
	if (last)
		t = pg->seen;
	pct = t > 0 ? (int)(pg->seen * 100 / t) : 100;
	fill = (int)(sizeof(bar) - 1) * pct / 100;
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, ' ', sizeof(bar) - 1 - (size_t)fill);
	bar[sizeof(bar) - 1] = '\0';
	fprintf(stderr, "\r[%s] %3d%% %lld/%lld rows%s", bar, pct, pg->seen,
	    t, last ? "\n" : "");
	fflush(stderr);
}

/*
 * Page after page: read the next due rows (the main thread alone uses
 * the inventory then), then sign them on every core while the
 * committer publishes and records the page before; wait for both.
 */
static int
refresh_pages(const struct opts *o, const struct ca_config *c,
    struct db *db, struct page *pg, struct counts *n)
{
	struct committer k;
	struct db_filter f;
	struct batch *cur, *prev = NULL;
	int ret, i = 0, lock = -1;

	memset(&k, 0, sizeof(k));
	memset(&f, 0, sizeof(f));
	f.not_expired_at = (long long)pg->this_update;
	/* due: signed at least ocsp_refresh ago (or never, or changed) */
	if (!o->all)
		f.ocsp_due_before = (long long)pg->this_update +
		    c->ocsp_validity - c->ocsp_refresh + 1;
	f.lean = 1;
	f.limit = PAGE;
	/* From reading the first rows to recording the last: a
	 * revocation's re-signing waits, see ocsprefresh_lock().  Pages
	 * overlap (one is recorded while the next is signed), so the lock
	 * is held for the whole run, not page by page. */
	if ((ret = ocsprefresh_lock(c, &lock)) != 0)
		return ret;
	do {
		cur = &pg->b[i];
		pg->rows = 0;
		if ((ret = db_each(db, &f, collect, cur)) != 0)
			break;
		f.after = &pg->last;
		pg->seen += (long long)pg->rows;
		if (prev != NULL)
			commit_start(&k, db, prev, n);
		if (cur->n > 0)
			par_for(cur->n, 0, sign_item, cur);
		if (prev != NULL) {
			ret = commit_wait(&k);
			batch_clear(prev);
			prev = NULL;
			if (ret != 0)
				break;
		}
		if (cur->n > 0) {
			prev = cur;
			i ^= 1;
		}
		progress(pg, pg->rows != PAGE);
	} while (pg->rows == PAGE);
	if (ret == 0 && prev != NULL)
		ret = record_batch(db, prev, n);
	ocsprefresh_unlock(lock);
	batch_clear(&pg->b[0]);
	batch_clear(&pg->b[1]);
	return ret;
}

static int
report_counts(const struct opts *o, const struct counts *n, int audit,
    char **text)
{
	struct json_buf *j = NULL;
	const char *t;
	int ret;

	*text = NULL;
	if ((ret = json_new(&j)) != 0)
		return ret;
	if (!audit)
		json_begin_object(j, NULL);
	json_add_int(j, "signed", n->signed_);
	json_add_int(j, "skipped", n->skipped);
	json_add_int(j, "failed", n->failed);
	if (audit)
		json_add_bool(j, "all", o->all);
	else
		json_end_object(j);
	if ((ret = json_text(j, &t, NULL)) == 0 &&
	    (*text = strdup(t)) == NULL)
		ret = err_set(ERR_INTERNAL, "out of memory");
	json_free(j);
	return ret;
}

/* The signer must outlive now; say so when it will not outlive the
 * responses it signs. */
static int
check_signer_time(const struct ca_config *c, const struct ocsp_signer *s,
    time_t now)
{
	time_t na = ocsp_signer_not_after(s);

	if (na <= now)
		return err_set(ERR_CONFIG, "the OCSP signer of CA %s has "
		    "expired: run pki-ocsp rotate-signer", c->name);
	if (na < now + (time_t)c->ocsp_validity)
		fprintf(stderr, "%s: warning: the OCSP signer of CA %s "
		    "expires before the responses it signs now: run pki-ocsp "
		    "rotate-signer, then refresh --all\n", PROG, c->name);
	return 0;
}

/*
 * The audit key, to seal the refresh's entry, when the PIN can be read
 * again without a person: --pin-file or ca.yaml's pin_file (--pin-fd
 * was read once already for the signer; a prompt would ask twice).
 * NULL otherwise, or with a warning when it does not open: the entry
 * then waits for the next program that seals the log.
 */
static struct ca_key *
refresh_audit_key(const struct opts *o, const struct ca_config *c)
{
	struct ca_key *k = NULL;

	if (o->pin_set ? o->pin.kind != PIN_FILE : c->pin_file == NULL)
		return NULL;
	if (cacfg_open_audit_key(c, cli_pin(o), &k) != 0)
		fprintf(stderr, "%s: warning: %s; the audit entry waits for "
		    "the next program that seals the log\n", PROG, err_msg());
	return k;
}

static int
refresh_finish(const struct opts *o, const struct ca_config *c,
    const struct counts *n)
{
	struct ca_key *k = NULL;
	char *text = NULL;
	int ret = 0;

	/* 5. The audit entry, sealed when the PIN can be read again, only
	 * when something happened: cron runs often. */
	if (n->signed_ + n->failed > 0 &&
	    ((ret = report_counts(o, n, 1, &text)) != 0 ||
	    (ret = cacfg_audit(c, k = refresh_audit_key(o, c), PROG,
	    "refresh", text)) != 0))
		goto out;
	free(text);
	text = NULL;
	if (o->json) {
		if ((ret = report_counts(o, n, 0, &text)) != 0)
			goto out;
		printf("%s\n", text);
	} else
		printf("OCSP responses of CA %s: %lld signed, %lld skipped "
		    "(changed meanwhile), %lld failed\n", c->name, n->signed_,
		    n->skipped, n->failed);
	if (n->failed > 0)
		ret = err_set(ERR_DATA, "%lld record%s could not be signed "
		    "(see above)", n->failed, n->failed == 1 ? "" : "s");
out:
	cacfg_key_close(k);
	free(text);
	return ret;
}

/* Clear the stale mark if it still holds the value seen before the
 * responses file was written; a revocation meanwhile set another. */
static int
clear_stale(struct db *db, const char *seen)
{
	char *now = NULL;
	int ret;

	if ((ret = db_begin(db)) != 0)
		return ret;
	if ((ret = db_meta_get(db, OCSPREFRESH_STALE, &now)) == 0 &&
	    strcmp(now, seen) == 0)
		ret = db_meta_set(db, OCSPREFRESH_STALE, "0");
	free(now);
	if (ret != 0) {
		db_rollback(db);
		return ret == ERR_NOINPUT ? 0 : ret;
	}
	return db_commit(db);
}

/* 4. The cfssl responses file, when anything was signed here or by
 * pki-revoke, or it is missing (nothing due stays one index probe):
 * the one begun by add_lines() if a page was published.  The stale mark
 * (set by the first page recorded, or by pki-revoke) is cleared only
 * once the file is in place: a run that dies or fails before leaves it
 * for the next. */
static int
write_responses(const struct ca_config *c, struct db *db,
    const struct page *pg, const struct counts *n)
{
	char *path, *stale = NULL;
	int missing, is_stale, ret;

	if ((path = fileio_join(c->ocsp_dir, OCSPREFRESH_RESPONSES)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	missing = !fileio_exists(path);
	free(path);
	ret = db_meta_get(db, OCSPREFRESH_STALE, &stale);
	if (ret != 0 && ret != ERR_NOINPUT)
		return ret;
	is_stale = stale != NULL && strcmp(stale, "0") != 0;
	ret = 0;
	if (pg->lines != NULL)
		ret = ocsprefresh_lines_finish(pg->lines, db, pg->this_update,
		    NULL);
	else if (n->signed_ > 0 || missing || is_stale)
		ret = ocsprefresh_write_responses(c, db, pg->this_update,
		    NULL);
	if (ret == 0 && is_stale)
		ret = clear_stale(db, stale);
	free(stale);
	return ret;
}

static int
run_refresh(const struct opts *o)
{
	struct ca_config *c = NULL;
	struct ocsp_signer *s = NULL;
	struct db *db = NULL;
	struct page pg;
	struct counts n;
	X509 *ca = NULL;
	int i, ret;

	memset(&pg, 0, sizeof(pg));
	memset(&n, 0, sizeof(n));
	pg.this_update = time(NULL);
	/* 1. The CA and its signer, valid now. */
	if ((ret = load_ca(o, &c, &ca)) != 0 ||
	    (ret = open_signer(o, c, ca, &s)) != 0 ||
	    (ret = check_signer_time(c, s, pg.this_update)) != 0 ||
	    (ret = ocsprefresh_dir_ready(c)) != 0)
		goto out;
	pg.signer = s;
	pg.c = c;
	pg.next_update = pg.this_update + (time_t)c->ocsp_validity;
	/* 2. The due rows, page by page: 3. signed, written, recorded. */
	for (i = 0; i < 2; i++) {
		pg.b[i].pg = &pg;
		pg.b[i].base = (size_t)i * PAGE;
		if ((pg.b[i].items = calloc(PAGE, sizeof(*pg.b[i].items))) ==
		    NULL) {
			ret = err_set(ERR_INTERNAL, "out of memory");
			goto out;
		}
	}
	if ((ret = publish_open(c->ocsp_dir, 2 * PAGE, &pg.pub)) != 0 ||
	    (ret = db_open(c->db_path, 0, &db)) != 0)
		goto out;
	progress_begin(db, &pg);
	if ((ret = refresh_pages(o, c, db, &pg, &n)) != 0 ||
	    (ret = write_responses(c, db, &pg, &n)) != 0)
		goto out;
	ret = refresh_finish(o, c, &n);
out:
	ocsprefresh_lines_free(pg.lines);
	free(pg.b[0].items);
	free(pg.b[1].items);
	db_close(db);
	publish_close(pg.pub);
	ocsp_signer_free(s);
	X509_free(ca);
	cacfg_free(c);
	return ret;
}

/* ---- respond ---- */

static int
emit(const unsigned char *der, size_t len)
{
	if (fwrite(der, 1, len, stdout) != len || fflush(stdout) != 0)
		return err_set(ERR_IO, "stdout: %s", strerror(errno));
	return 0;
}

static int
emit_error(int status)
{
	unsigned char *der = NULL;
	size_t len;
	int ret;

	if ((ret = ocsp_error_response(status, &der, &len)) == 0)
		ret = emit(der, len);
	free(der);
	return ret;
}

static int
read_request(const struct opts *o, struct ocsp_req **r)
{
	const char *src = o->request != NULL ? o->request : "-";
	unsigned char *der = NULL;
	size_t len;
	int ret;

	if (o->get != NULL)
		ret = ocsp_get_decode(o->get, &der, &len);
	else
		ret = fileio_read(src, OCSP_REQUEST_MAX, &der, &len);
	if (ret == 0)
		ret = ocsp_request_parse(der, len, o->get != NULL ?
		    "the GET request" : strcmp(src, "-") == 0 ? "stdin" : src,
		    r);
	free(der);
	return ret;
}

static int
answer_unknown(const struct opts *o, const struct ca_config *c, X509 *ca,
    const struct ocsp_req *r)
{
	struct ocsp_signer *s = NULL;
	unsigned char *der = NULL;
	size_t len;
	time_t now = time(NULL);
	int ret;

	if ((ret = open_signer(o, c, ca, &s)) == 0 &&
	    (ret = check_signer_time(c, s, now)) == 0 &&
	    (ret = ocsp_sign_unknown(s, r, now, now +
	    (time_t)c->ocsp_validity, &der, &len)) == 0)
		ret = emit(der, len);
	free(der);
	ocsp_signer_free(s);
	return ret;
}

/* The pre-signed file, if it is there and still current. */
static int
answer_known(const struct ca_config *c, const struct db_cert *row)
{
	char name[DB_SERIAL_MAX + 8], *path;
	unsigned char *der = NULL;
	size_t len;
	int ret;

	if (row->ocsp_next_update <= (long long)time(NULL))
		return emit_error(OCSP_ERR_TRY_LATER);
	snprintf(name, sizeof(name), "%s.der", row->serial);
	if ((path = fileio_join(c->ocsp_dir, name)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	ret = fileio_read(path, OCSP_REQUEST_MAX, &der, &len);
	free(path);
	if (ret == ERR_NOINPUT)
		ret = emit_error(OCSP_ERR_TRY_LATER);
	else if (ret == 0)
		ret = emit(der, len);
	free(der);
	return ret;
}

static int
answer(const struct opts *o, const struct ca_config *c, X509 *ca,
    const struct ocsp_req *r)
{
	struct db *db = NULL;
	struct db_cert row;
	char serial[41];
	int ours, ret;

	memset(&row, 0, sizeof(row));
	if ((ret = ocsp_request_match(r, ca, &ours, serial)) != 0)
		return ret;
	if (!ours)
		return emit_error(OCSP_ERR_UNAUTHORIZED);
	if (serial[0] == '\0')
		return answer_unknown(o, c, ca, r);
	if ((ret = db_open(c->db_path, 0, &db)) != 0)
		return ret;
	ret = db_get(db, serial, &row);
	db_close(db);
	if (ret == ERR_NOINPUT || ret == ERR_DATA)
		return answer_unknown(o, c, ca, r);
	if (ret != 0)
		return ret;
	if (strcmp(row.status, "issued") == 0 ||
	    strcmp(row.status, "revoked") == 0)
		ret = answer_known(c, &row);
	else
		ret = answer_unknown(o, c, ca, r);
	db_cert_clear(&row);
	return ret;
}

static int
run_respond(const struct opts *o)
{
	struct ca_config *c = NULL;
	struct ocsp_req *r = NULL;
	X509 *ca = NULL;
	int ret;

	/* 1. The request: garbage gets malformedRequest, exit 0. */
	if ((ret = read_request(o, &r)) == ERR_DATA) {
		fprintf(stderr, "%s: %s\n", PROG, err_msg());
		return emit_error(OCSP_ERR_MALFORMED);
	}
	if (ret != 0)
		return ret;
	/* 2. The CA; 3. the answer.  A failure answers internalError. */
	if ((ret = load_ca(o, &c, &ca)) != 0 ||
	    (ret = answer(o, c, ca, r)) != 0)
		(void)emit_error(OCSP_ERR_INTERNAL);
	ocsp_request_free(r);
	X509_free(ca);
	cacfg_free(c);
	return ret;
}

static int
run(const struct opts *o)
{
	int ret;

	if ((ret = secmem_init()) != 0)
		return ret;
	switch (o->cmd) {
	case CMD_INIT:
	case CMD_ROTATE:
		return run_signer(o);
	case CMD_REFRESH:
		return run_refresh(o);
	default:
		return run_respond(o);
	}
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
