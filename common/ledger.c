/*
 * ledger.c: the root's ledger, an audit log of issuances, revocations
 * and CRLs.
 *
 * Trusts nothing in the file until audit_verify() has checked every
 * line, the chain and the seals with the lock held; then every entry is
 * replayed through the same checks that guard a new record, so that the
 * state in memory is exactly what a sequence of legitimate record calls
 * would have built.  A record is checked first, appended and fsync()ed
 * next, and only then applied in memory (with the memory it needs
 * reserved beforehand), so memory never runs ahead of the file.
 * Messages never echo strings from the file except hex and time values
 * that have been checked, so that a hostile ledger cannot send escape
 * sequences to the terminal.  Nothing here is secret; the seal key is
 * the caller's.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/x509v3.h>

#include "audit.h"
#include "crl.h"
#include "err.h"
#include "fileio.h"
#include "json.h"
#include "ledger.h"
#include "x509.h"

struct crl_rec {
	unsigned long long number;
	char	 sha256[65];
};

struct ledger {
	char		 *path;
	struct audit	 *log;
	struct ledger_entry **e;	/* in the order issued */
	size_t		  n, cap;
	struct crl_rec	 *crls;
	size_t		  ncrls, crlcap;
	int		  unsealed;
};

/* The members of one ledger line that replay looks at. */
struct rec {
	char		*action;
	char		*serial, *subject, *issuer, *not_after, *sha256;
	char		*kind, *reason, *revoked_at;
	long long	 number;
	int		 has_number;
};

/* The program name in the log's entries, if the log accepts it. */
static const char *
log_program(void)
{
	const char *p = program_invocation_short_name;
	size_t i, n = strlen(p);

	if (n == 0 || n > 64)
		return "pki-ledger";
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)p[i]) && strchr("._-", p[i]) ==
		    NULL)
			return "pki-ledger";
	return p;
}

static void
hex_lower(const unsigned char *buf, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[buf[i] >> 4];
		out[2 * i + 1] = digits[buf[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

static int
sha256_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (strchr("0123456789abcdef", s[i]) == NULL)
			return 0;
	return i == 64;
}

int
ledger_serial_norm(const char *in, char out[41])
{
	char digits[41];
	const char *p = in;
	size_t n = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (; *p != '\0'; p++) {
		if (*p == ':')
			continue;
		if (!isxdigit((unsigned char)*p))
			return err_set(ERR_USAGE, "serial \"%.48s\" is not "
			    "hexadecimal", in);
		if (n == 0 && *p == '0')
			continue;
		if (n == 40)
			return err_set(ERR_USAGE, "serial %.48s is longer than "
			    "20 octets", in);
		digits[n++] = (char)toupper((unsigned char)*p);
	}
	if (n == 0)
		return err_set(ERR_USAGE, "serial \"%.48s\" is not a positive "
		    "number", in);
	/* Whole octets: "ABC" is "0ABC", as BN_bn2hex() writes it. */
	p = digits;
	if (n % 2)
		*out++ = '0';
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

int
ledger_time_format(time_t t, char out[21])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
		return err_set(ERR_USAGE, "time out of range");
	return 0;
}

int
ledger_time_parse(const char *s, time_t *t)
{
	struct tm tm;
	const char *end;
	char back[21];

	memset(&tm, 0, sizeof(tm));
	if (strlen(s) != 20 ||
	    (end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL ||
	    *end != '\0')
		goto bad;
	*t = timegm(&tm);
	/* The round trip refuses 2026-02-30 and other normalised forms. */
	if (ledger_time_format(*t, back) != 0 || strcmp(back, s) != 0)
		goto bad;
	return 0;
bad:
	return err_set(ERR_USAGE, "time \"%.32s\" is not of the form "
	    "2026-03-02T09:14:07Z (UTC)", s);
}

/* ---- the state, and the checks shared by record and replay ---- */

static struct ledger_entry *
lookup(const struct ledger *l, const char *serial)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->e[i]->serial, serial) == 0)
			return l->e[i];
	return NULL;
}

static int
reserve(struct ledger *l)
{
	struct ledger_entry **ne;
	size_t ncap;

	if (l->n < l->cap)
		return 0;
	ncap = l->cap == 0 ? 16 : 2 * l->cap;
	if ((ne = reallocarray(l->e, ncap, sizeof(*ne))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	l->e = ne;
	l->cap = ncap;
	return 0;
}

static int
reserve_crl(struct ledger *l)
{
	struct crl_rec *nc;
	size_t ncap;

	if (l->ncrls < l->crlcap)
		return 0;
	ncap = l->crlcap == 0 ? 16 : 2 * l->crlcap;
	if ((nc = reallocarray(l->crls, ncap, sizeof(*nc))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	l->crls = nc;
	l->crlcap = ncap;
	return 0;
}

static int
kind_ok(const char *kind)
{
	return strcmp(kind, LEDGER_KIND_ROOT) == 0 ||
	    strcmp(kind, LEDGER_KIND_INTERMEDIATE) == 0 ||
	    strcmp(kind, LEDGER_KIND_CROSS) == 0;
}

/* May e (issued by issuer) be added?  The root first and once; every
 * other certificate under the root's subject. */
static int
check_issued(const struct ledger *l, const struct ledger_entry *e,
    const char *issuer)
{
	char canon[41];
	time_t t;
	int root = strcmp(e->kind, LEDGER_KIND_ROOT) == 0;

	if (!kind_ok(e->kind))
		return err_set(ERR_USAGE, "unknown certificate kind (valid: "
		    "root, intermediate, cross)");
	if (ledger_serial_norm(e->serial, canon) != 0 ||
	    strcmp(canon, e->serial) != 0 || e->subject[0] == '\0' ||
	    ledger_time_parse(e->not_after, &t) != 0 || !sha256_ok(e->sha256))
		return err_set(ERR_DATA, "malformed \"issued\" entry");
	if (lookup(l, e->serial) != NULL)
		return err_set(ERR_DATA, "serial %s is already in the ledger",
		    e->serial);
	if (root && l->n != 0)
		return err_set(ERR_DATA, "serial %s: the ledger already "
		    "records its root", e->serial);
	if (root && strcmp(issuer, e->subject) != 0)
		return err_set(ERR_DATA, "serial %s: a root certificate must "
		    "be self-issued", e->serial);
	if (!root && l->n == 0)
		return err_set(ERR_DATA, "serial %s: the root certificate "
		    "must be recorded first", e->serial);
	if (!root && strcmp(issuer, l->e[0]->subject) != 0)
		return err_set(ERR_DATA, "serial %s was not issued under this "
		    "ledger's root (issuer differs)", e->serial);
	return 0;
}

/* May serial (normalised) be revoked with reason?  *found on success. */
static int
check_revoke(const struct ledger *l, const char *serial, int reason,
    struct ledger_entry **found)
{
	struct ledger_entry *e;

	if (reason == CRL_REASON_CERTIFICATE_HOLD ||
	    reason == CRL_REASON_REMOVE_FROM_CRL)
		return err_set(ERR_USAGE, "reason %s is not supported: a "
		    "revocation in the root's ledger is final",
		    crl_reason_name(reason));
	if (reason == CRL_REASON_NONE || crl_reason_name(reason) == NULL)
		return err_set(ERR_USAGE, "a revocation needs a reason");
	if ((e = lookup(l, serial)) == NULL)
		return err_set(ERR_NOINPUT, "serial %s was not issued by this "
		    "root", serial);
	if (strcmp(e->kind, LEDGER_KIND_ROOT) == 0)
		return err_set(ERR_DATA, "serial %s is the root certificate "
		    "itself, which its own CRL cannot revoke", serial);
	if (e->revoked && (reason != CRL_REASON_KEY_COMPROMISE ||
	    e->reason == CRL_REASON_KEY_COMPROMISE))
		return err_set(ERR_DATA, "serial %s was already revoked on "
		    "%s (%s); only a change of reason to keyCompromise may "
		    "follow", serial, e->revoked_at,
		    crl_reason_name(e->reason));
	*found = e;
	return 0;
}

static int
check_crl(const struct ledger *l, unsigned long long number,
    const char *sha256)
{
	unsigned long long last = l->ncrls ? l->crls[l->ncrls - 1].number : 0;

	if (number == 0 || number > LLONG_MAX)
		return err_set(ERR_DATA, "CRL number %llu out of range",
		    number);
	if (number <= last)
		return err_set(ERR_DATA, "CRL number %llu is not above the "
		    "last one, %llu", number, last);
	if (!sha256_ok(sha256))
		return err_set(ERR_DATA, "a CRL's SHA-256 must be 64 "
		    "lowercase hex digits");
	return 0;
}

static void
entry_free(struct ledger_entry *e)
{
	if (e == NULL)
		return;
	free(e->subject);
	free(e);
}

/* A new entry from the fields of an "issued" line or a certificate. */
static int
entry_new(const char *serial, const char *subject, const char *not_after,
    const char *sha256, const char *kind, struct ledger_entry **out)
{
	struct ledger_entry *e;

	*out = NULL;
	if (strlen(serial) >= sizeof(e->serial) ||
	    strlen(not_after) >= sizeof(e->not_after) ||
	    strlen(sha256) >= sizeof(e->sha256) ||
	    strlen(kind) >= sizeof(e->kind))
		return err_set(ERR_DATA, "malformed \"issued\" entry");
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->subject = strdup(subject)) == NULL) {
		free(e);
		return err_set(ERR_INTERNAL, "out of memory");
	}
	snprintf(e->serial, sizeof(e->serial), "%s", serial);
	snprintf(e->not_after, sizeof(e->not_after), "%s", not_after);
	snprintf(e->sha256, sizeof(e->sha256), "%s", sha256);
	snprintf(e->kind, sizeof(e->kind), "%s", kind);
	e->reason = CRL_REASON_NONE;
	*out = e;
	return 0;
}

/* ---- replay ---- */

static char **
rec_field(struct rec *r, const char *key)
{
	static const char *const names[] = { "action", "serial", "subject",
	    "issuer", "not_after", "sha256", "kind", "reason", "revoked_at" };
	char **fields[] = { &r->action, &r->serial, &r->subject, &r->issuer,
	    &r->not_after, &r->sha256, &r->kind, &r->reason,
	    &r->revoked_at };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(key, names[i]) == 0)
			return fields[i];
	return NULL;
}

static int
rec_member(void *arg, const char *key, const char *value, size_t vlen)
{
	struct rec *r = arg;
	char **field;

	if (strcmp(key, "number") == 0) {
		r->has_number = 1;
		return json_value_int(key, value, vlen, &r->number);
	}
	if ((field = rec_field(r, key)) == NULL)
		return 0;	/* seq, time, prev, seal members ... */
	return json_value_str(key, value, vlen, field);
}

static void
rec_free(struct rec *r)
{
	free(r->action);
	free(r->serial);
	free(r->subject);
	free(r->issuer);
	free(r->not_after);
	free(r->sha256);
	free(r->kind);
	free(r->reason);
	free(r->revoked_at);
}

static int
replay_issued(struct ledger *l, const struct rec *r)
{
	struct ledger_entry *e = NULL;
	int ret;

	if (r->serial == NULL || r->subject == NULL || r->issuer == NULL ||
	    r->not_after == NULL || r->sha256 == NULL || r->kind == NULL)
		return err_set(ERR_DATA, "an \"issued\" entry lacks a member");
	if ((ret = entry_new(r->serial, r->subject, r->not_after, r->sha256,
	    r->kind, &e)) != 0)
		return ret;
	if ((ret = check_issued(l, e, r->issuer)) != 0 ||
	    (ret = reserve(l)) != 0) {
		entry_free(e);
		return ret;
	}
	l->e[l->n++] = e;
	return 0;
}

static int
replay_revoked(struct ledger *l, const struct rec *r)
{
	struct ledger_entry *e;
	char serial[41];
	time_t t;
	int ret, reason;

	if (r->serial == NULL || r->reason == NULL || r->revoked_at == NULL)
		return err_set(ERR_DATA, "a \"revoked\" entry lacks a member");
	if (ledger_serial_norm(r->serial, serial) != 0 ||
	    strcmp(serial, r->serial) != 0 ||
	    crl_reason_parse(r->reason, &reason) != 0 ||
	    ledger_time_parse(r->revoked_at, &t) != 0)
		return err_set(ERR_DATA, "malformed \"revoked\" entry");
	if ((ret = check_revoke(l, serial, reason, &e)) != 0)
		return ret;
	e->revoked = 1;
	e->reason = reason;
	snprintf(e->revoked_at, sizeof(e->revoked_at), "%s", r->revoked_at);
	return 0;
}

static int
replay_crl(struct ledger *l, const struct rec *r)
{
	int ret;

	if (!r->has_number || r->sha256 == NULL || r->number < 1)
		return err_set(ERR_DATA, "malformed \"crl\" entry");
	if ((ret = check_crl(l, (unsigned long long)r->number,
	    r->sha256)) != 0 || (ret = reserve_crl(l)) != 0)
		return ret;
	l->crls[l->ncrls].number = (unsigned long long)r->number;
	snprintf(l->crls[l->ncrls].sha256, 65, "%s", r->sha256);
	l->ncrls++;
	return 0;
}

static int
replay_rec(struct ledger *l, const struct rec *r)
{
	if (r->action == NULL)
		return err_set(ERR_DATA, "an entry without an action");
	if (strcmp(r->action, "seal") == 0)
		return 0;
	if (strcmp(r->action, "issued") == 0)
		return replay_issued(l, r);
	if (strcmp(r->action, "revoked") == 0)
		return replay_revoked(l, r);
	if (strcmp(r->action, "crl") == 0)
		return replay_crl(l, r);
	return err_set(ERR_DATA, "not a ledger action");
}

static int
replay_line(void *arg, unsigned long lineno, const char *line, size_t len)
{
	struct ledger *l = arg;
	struct rec r;
	char why[200];
	int ret;

	memset(&r, 0, sizeof(r));
	if ((ret = json_each(line, len, rec_member, &r)) == 0)
		ret = replay_rec(l, &r);
	rec_free(&r);
	if (ret == 0 || ret == ERR_INTERNAL)
		return ret;
	snprintf(why, sizeof(why), "%s", err_msg());
	return err_set(ERR_DATA, "%s: line %lu: %s; the ledger contradicts "
	    "itself", l->path, lineno, why);
}

/* ---- open, close ---- */

/* The whole log verifies, or ERR_DATA naming the first bad line. */
static int
verify(const char *path)
{
	struct audit_report r;
	int ret;

	if ((ret = audit_verify(path, NULL, &r)) != ERR_NO)
		return ret;
	return err_set(ERR_DATA, "%s: %s; the ledger was edited, cut or not "
	    "sealed", path, r.problem);
}

static int
open_existing(struct ledger *l)
{
	char why[256];
	int ret;

	if ((ret = audit_open(l->path, log_program(), 0, &l->log)) != 0) {
		/* A torn last line: let the verifier name it. */
		if (ret == ERR_DATA) {
			snprintf(why, sizeof(why), "%s", err_msg());
			if (verify(l->path) == 0)
				err_set(ERR_DATA, "%s", why);
		}
		return ret;
	}
	if ((ret = verify(l->path)) != 0 ||
	    (ret = audit_each(l->path, replay_line, l)) != 0)
		return ret;
	if (l->n == 0)
		return err_set(ERR_DATA, "%s: the ledger does not record its "
		    "root certificate", l->path);
	return 0;
}

static int
open_new(struct ledger *l)
{
	int ret;

	if (fileio_exists(l->path))
		return err_set(ERR_EXISTS, "%s: a ledger already exists",
		    l->path);
	if ((ret = audit_open(l->path, log_program(), 1, &l->log)) != 0)
		return ret;
	if (audit_seq(l->log) != 0)
		return err_set(ERR_EXISTS, "%s: a ledger already exists",
		    l->path);
	return 0;
}

int
ledger_open(const char *path, int create, struct ledger **out)
{
	struct ledger *l;
	int ret;

	*out = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->path = strdup(path)) == NULL) {
		free(l);
		return err_set(ERR_INTERNAL, "out of memory");
	}
	ret = create ? open_new(l) : open_existing(l);
	if (ret != 0)
		goto out;
	*out = l;
	l = NULL;
out:
	ledger_close(l);
	return ret;
}

void
ledger_close(struct ledger *l)
{
	size_t i;

	if (l == NULL)
		return;
	audit_close(l->log);
	for (i = 0; i < l->n; i++)
		entry_free(l->e[i]);
	free(l->e);
	free(l->crls);
	free(l->path);
	free(l);
}

/* ---- queries ---- */

int
ledger_find(const struct ledger *l, const char *serial_hex,
    const struct ledger_entry **e)
{
	char serial[41];
	int ret;

	*e = NULL;
	if ((ret = ledger_serial_norm(serial_hex, serial)) != 0)
		return ret;
	if ((*e = lookup(l, serial)) == NULL)
		return err_set(ERR_NOINPUT, "serial %s was not issued by this "
		    "root", serial);
	return 0;
}

int
ledger_root(const struct ledger *l, const struct ledger_entry **e)
{
	*e = l->n > 0 ? l->e[0] : NULL;
	return *e != NULL ? 0 : err_set(ERR_NOINPUT, "%s: the ledger does "
	    "not record its root yet", l->path);
}

size_t
ledger_count(const struct ledger *l)
{
	return l->n;
}

const struct ledger_entry *
ledger_entry_at(const struct ledger *l, size_t i)
{
	return i < l->n ? l->e[i] : NULL;
}

int
ledger_next_crl_number(const struct ledger *l, unsigned long long *n)
{
	*n = (l->ncrls ? l->crls[l->ncrls - 1].number : 0) + 1;
	return 0;
}

int
ledger_find_crl(const struct ledger *l, const char *sha256_hex,
    unsigned long long *number)
{
	size_t i;

	for (i = 0; i < l->ncrls; i++)
		if (strcmp(l->crls[i].sha256, sha256_hex) == 0) {
			*number = l->crls[i].number;
			return 0;
		}
	return err_set(ERR_NOINPUT, "%s: no such CRL recorded", l->path);
}

int
ledger_check_revoke(const struct ledger *l, const char *serial_hex,
    int reason)
{
	struct ledger_entry *e;
	char serial[41];
	int ret;

	if ((ret = ledger_serial_norm(serial_hex, serial)) != 0)
		return ret;
	return check_revoke(l, serial, reason, &e);
}

int
ledger_unsealed(const struct ledger *l)
{
	return l->unsealed;
}

/* ---- records ---- */

static int
append(struct ledger *l, const char *action, struct json_buf *j)
{
	const char *text;
	int ret;

	if ((ret = json_text(j, &text, NULL)) != 0 ||
	    (ret = audit_append(l->log, action, text)) != 0)
		return ret;
	l->unsealed = 1;
	return 0;
}

/* notAfter in the ledger's time format. */
static int
cert_not_after(X509 *cert, char out[21])
{
	struct tm tm;

	if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1 ||
	    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
		return err_set(ERR_DATA, "the certificate's notAfter is "
		    "malformed");
	return 0;
}

/* The issuer name in the same one-line form as x509_subject_line(). */
static char *
issuer_line(X509 *cert)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *line = NULL;
	long n;

	if (bio != NULL && X509_NAME_print_ex(bio, X509_get_issuer_name(cert),
	    0, XN_FLAG_RFC2253) >= 0 && (n = BIO_get_mem_data(bio, &data)) >= 0)
		line = strndup(data, (size_t)n);
	BIO_free(bio);
	return line;
}

/* The ledger entry for cert, and its issuer's one-line name. */
static int
entry_of_cert(X509 *cert, const char *kind, struct ledger_entry **e,
    char **issuer)
{
	char *serial = NULL, *subject = NULL, not_after[21], hex[65];
	unsigned char digest[32];
	int ret;

	*e = NULL;
	if ((serial = x509_serial_hex(cert)) == NULL ||
	    (subject = x509_subject_line(cert)) == NULL ||
	    (*issuer = issuer_line(cert)) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	if ((ret = cert_not_after(cert, not_after)) != 0 ||
	    (ret = x509_cert_sha256(cert, digest)) != 0)
		goto out;
	hex_lower(digest, sizeof(digest), hex);
	if (strlen(serial) > 40 || serial[0] == '-')
		ret = err_set(ERR_DATA, "the certificate's serial is negative "
		    "or longer than 20 octets");
	else
		ret = entry_new(serial, subject, not_after, hex, kind, e);
out:
	free(serial);
	free(subject);
	return ret;
}

int
ledger_record_issue(struct ledger *l, X509 *cert, const char *kind)
{
	struct ledger_entry *e = NULL;
	struct json_buf *j = NULL;
	char *issuer = NULL;
	int ret;

	if ((ret = entry_of_cert(cert, kind, &e, &issuer)) != 0 ||
	    (ret = check_issued(l, e, issuer)) != 0 ||
	    (ret = reserve(l)) != 0 || (ret = json_new(&j)) != 0)
		goto out;
	json_add_str(j, "serial", e->serial);
	json_add_str(j, "kind", e->kind);
	json_add_str(j, "subject", e->subject);
	json_add_str(j, "issuer", issuer);
	json_add_str(j, "not_after", e->not_after);
	json_add_str(j, "sha256", e->sha256);
	if ((ret = append(l, "issued", j)) != 0)
		goto out;
	l->e[l->n++] = e;
	e = NULL;
out:
	json_free(j);
	free(issuer);
	entry_free(e);
	return ret;
}

int
ledger_record_revoke(struct ledger *l, const char *serial_hex, int reason,
    time_t when)
{
	struct ledger_entry *e;
	struct json_buf *j = NULL;
	char serial[41], at[21];
	int ret;

	if ((ret = ledger_serial_norm(serial_hex, serial)) != 0 ||
	    (ret = check_revoke(l, serial, reason, &e)) != 0 ||
	    (ret = ledger_time_format(when, at)) != 0 ||
	    (ret = json_new(&j)) != 0)
		return ret;
	json_add_str(j, "serial", serial);
	json_add_str(j, "reason", crl_reason_name(reason));
	json_add_str(j, "revoked_at", at);
	if ((ret = append(l, "revoked", j)) == 0) {
		e->revoked = 1;
		e->reason = reason;
		snprintf(e->revoked_at, sizeof(e->revoked_at), "%s", at);
	}
	json_free(j);
	return ret;
}

int
ledger_record_crl(struct ledger *l, unsigned long long number,
    const char *sha256_hex)
{
	struct json_buf *j = NULL;
	int ret;

	if ((ret = check_crl(l, number, sha256_hex)) != 0 ||
	    (ret = reserve_crl(l)) != 0 || (ret = json_new(&j)) != 0)
		return ret;
	json_add_int(j, "number", (long long)number);
	json_add_str(j, "sha256", sha256_hex);
	if ((ret = append(l, "crl", j)) == 0) {
		l->crls[l->ncrls].number = number;
		snprintf(l->crls[l->ncrls].sha256, 65, "%s", sha256_hex);
		l->ncrls++;
	}
	json_free(j);
	return ret;
}

int
ledger_seal(struct ledger *l, const unsigned char sk[64])
{
	int ret;

	if (!l->unsealed)
		return 0;
	if ((ret = audit_seal(l->log, sk)) != 0)
		return ret;
	l->unsealed = 0;
	return 0;
}
