/*
 * audit.c: hash-chained, sealed logs.
 *
 * Writers trust only the last line of the log (to continue seq and the
 * chain) and hold an exclusive flock() from audit_open() to
 * audit_close(), so two programs appending at once never interleave or
 * fork the chain.  Each line (or an entry and its seal, from
 * audit_append_sealed()) goes out in one write() and is fsync()ed before
 * the call returns; a failed write is cut back, so a crash leaves at
 * worst a torn last line, which the next writer refuses to build on.  The verifier trusts nothing in the file: it checks every
 * line's syntax, seq, chain link and every seal's signature, and stops
 * at the first problem.  Messages never echo strings from the log, so a
 * hostile log cannot send escape sequences to the witness's terminal.
 * Logs are public; the seal key's secret half is the caller's.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "audit.h"
#include "err.h"
#include "json.h"

#ifndef PKI_VERSION
#define PKI_VERSION	"0.0.0"
#endif

#define SEAL_DOMAIN	"pki-audit-seal-v1"
#define NAME_MAX_LEN	64
#define AUDIT_LINE_MAX_STR "65536"	/* AUDIT_LINE_MAX, for messages */
_Static_assert(AUDIT_LINE_MAX == 65536, "AUDIT_LINE_MAX_STR is stale");

struct audit {
	int	 fd;
	char	*path;
	char	*program;
	unsigned long seq;		/* seq of the last line, 0 if none */
	unsigned char head[32];		/* SHA-256 of the last line */
	off_t	 size;			/* bytes in the file, under the lock */
};

/* The members of one line that the verifier looks at. */
struct entry {
	long long seq;
	int	 has_seq;
	char	*time;
	char	*program;
	char	*version;
	char	*action;
	char	*prev;
	char	*head;
	char	*key;
	char	*sig;
};

/* What the verifier carries from one line to the next. */
struct vstate {
	const unsigned char *pinned;
	struct audit_report *r;
	unsigned long line;		/* the line being checked */
	unsigned long seq;		/* seq of the previous line */
	unsigned char prev[32];		/* SHA-256 of the previous line */
	unsigned long last_seal;	/* line of the last seal */
	int	 last_was_seal;
};

static int
name_ok(const char *s, int lowercase)
{
	size_t n = strlen(s), i;
	char c;

	if (n == 0 || n > NAME_MAX_LEN)
		return 0;
	for (i = 0; i < n; i++) {
		c = s[i];
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-' ||
		    (!lowercase && c >= 'A' && c <= 'Z'))
			continue;
		return 0;
	}
	return 1;
}

/* Decode exactly 2 * len lowercase hex digits; -1 otherwise. */
static int
hex_strict(const char *hex, unsigned char *out, size_t len)
{
	size_t i;
	int hi, lo;

	if (strlen(hex) != 2 * len)
		return -1;
	for (i = 0; i < 2 * len; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') ||
		    (hex[i] >= 'a' && hex[i] <= 'f')))
			return -1;
	for (i = 0; i < len; i++) {
		hi = hex[2 * i];
		lo = hex[2 * i + 1];
		hi = hi <= '9' ? hi - '0' : hi - 'a' + 10;
		lo = lo <= '9' ? lo - '0' : lo - 'a' + 10;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static void
sha256(const char *buf, size_t len, unsigned char out[32])
{
	crypto_hash_sha256(out, (const unsigned char *)buf, len);
}

/* "2026-11-23T12:00:00Z" */
static int
time_ok(const char *t)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:ddZ";
	size_t i;

	if (strlen(t) != sizeof(pat) - 1)
		return 0;
	for (i = 0; pat[i] != '\0'; i++)
		if (pat[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != pat[i])
			return 0;
	return 1;
}

static int
utc_now(char out[21])
{
	struct tm tm;
	time_t now = time(NULL);

	if (now == (time_t)-1 || gmtime_r(&now, &tm) == NULL ||
	    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
		return err_set(ERR_INTERNAL, "cannot read the clock");
	return 0;
}

/*
 * The message a seal signs: domain || seq in decimal || head.  Returns
 * its length; msg must hold 64 + 32 bytes.
 */
static size_t
seal_message(unsigned long long seq, const unsigned char head[32],
    unsigned char *msg)
{
	size_t n = sizeof(SEAL_DOMAIN) - 1;
	int d;

	memcpy(msg, SEAL_DOMAIN, n);
	d = snprintf((char *)msg + n, 24, "%llu", seq);
	n += (size_t)d;
	memcpy(msg + n, head, 32);
	return n + 32;
}

/* ---- writing ---- */

static int
open_log(const char *path, int create, int *fd, int *created)
{
	int flags = O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW;

	*created = 0;
	if (create) {
		*fd = open(path, flags | O_CREAT | O_EXCL, 0644);
		if (*fd != -1) {
			*created = 1;
			return 0;
		}
		if (errno != EEXIST)
			return err_set(ERR_EXISTS, "%s: cannot create: %s",
			    path, strerror(errno));
	}
	if ((*fd = open(path, flags)) != -1)
		return 0;
	if (errno == ENOENT)
		return err_set(ERR_NOINPUT, "%s: no such file", path);
	if (errno == ELOOP)
		return err_set(ERR_IO, "%s: is a symbolic link", path);
	return err_set(ERR_IO, "%s: %s", path, strerror(errno));
}

/* Make a new log's mode and directory entry durable. */
static int
settle_new(const char *path, int fd)
{
	char *copy;
	int dfd, ret = 0;

	if (fchmod(fd, 0644) == -1)
		return err_set(ERR_IO, "%s: chmod: %s", path, strerror(errno));
	if ((copy = strdup(path)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1 || fsync(dfd) == -1)
		ret = err_set(ERR_IO, "%s: cannot sync its directory: %s",
		    path, strerror(errno));
	if (dfd != -1)
		close(dfd);
	free(copy);
	return ret;
}

static int
pread_all(int fd, char *buf, size_t len, off_t off)
{
	ssize_t n;

	while (len > 0) {
		n = pread(fd, buf, len, off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/* Take seq and head from the last line of tail[0..n) (ending '\n'). */
static int
parse_tail(struct audit *a, char *tail, size_t n, int whole)
{
	char *nl, *line, why[200];
	long long seq;
	size_t len;
	int ret;

	if (tail[n - 1] != '\n')
		return err_set(ERR_DATA, "%s: the last line has no newline "
		    "(a torn write); check the log with pki-audit verify",
		    a->path);
	nl = memrchr(tail, '\n', n - 1);
	if (nl == NULL && !whole)
		return err_set(ERR_DATA, "%s: the last line is longer than "
		    "%d bytes", a->path, AUDIT_LINE_MAX);
	line = nl != NULL ? nl + 1 : tail;
	len = (size_t)(tail + n - 1 - line);
	if ((ret = json_get_int(line, len, "seq", &seq)) != 0 || seq < 1 ||
	    seq >= LLONG_MAX) {
		snprintf(why, sizeof(why), "%s", ret != 0 ? err_msg() :
		    "seq out of range");
		return err_set(ret == ERR_INTERNAL ? ret : ERR_DATA,
		    "%s: the last line is not an audit entry (%s)", a->path,
		    why);
	}
	a->seq = (unsigned long)seq;
	sha256(line, len, a->head);
	return 0;
}

static int
read_tail(struct audit *a)
{
	struct stat st;
	size_t want;
	char *tail;
	int ret;

	if (fstat(a->fd, &st) == -1)
		return err_set(ERR_IO, "%s: %s", a->path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return err_set(ERR_DATA, "%s: not a regular file", a->path);
	a->size = st.st_size;
	a->seq = 0;
	memset(a->head, 0, sizeof(a->head));
	if (st.st_size == 0)
		return 0;
	/* The longest line, its newline and the newline before it. */
	want = st.st_size > AUDIT_LINE_MAX + 2 ? AUDIT_LINE_MAX + 2 :
	    (size_t)st.st_size;
	if ((tail = malloc(want)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if (pread_all(a->fd, tail, want, st.st_size - (off_t)want) != 0)
		ret = err_set(ERR_IO, "%s: cannot read the last line",
		    a->path);
	else
		ret = parse_tail(a, tail, want, (off_t)want == st.st_size);
	free(tail);
	return ret;
}

int
audit_open(const char *path, const char *program, int create,
    struct audit **out)
{
	struct audit *a = NULL;
	int ret, created = 0;

	*out = NULL;
	if (sodium_init() < 0)
		return err_set(ERR_INTERNAL, "libsodium failed to initialise");
	if (!name_ok(program, 0))
		return err_set(ERR_INTERNAL, "bad program name for the log");
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	a->fd = -1;
	if ((a->path = strdup(path)) == NULL ||
	    (a->program = strdup(program)) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	if ((ret = open_log(path, create, &a->fd, &created)) != 0)
		goto out;
	if (created && (ret = settle_new(path, a->fd)) != 0)
		goto out;
	while (flock(a->fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			ret = err_set(ERR_IO, "%s: cannot lock: %s", path,
			    strerror(errno));
			goto out;
		}
	}
	if ((ret = read_tail(a)) != 0)
		goto out;
	*out = a;
	a = NULL;
out:
	/* Leave no empty log behind when creating it went wrong. */
	if (a != NULL && created)
		unlink(path);
	audit_close(a);
	return ret;
}

void
audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	if (a->fd != -1)
		close(a->fd);	/* releases the flock */
	free(a->path);
	free(a->program);
	free(a);
}

int
audit_head(const struct audit *a, unsigned char digest[32])
{
	memcpy(digest, a->head, 32);
	return 0;
}

unsigned long
audit_seq(const struct audit *a)
{
	return a->seq;
}

/* The fixed members seq, time, program, version, action. */
static int
fixed_members(const struct audit *a, const char *action,
    struct json_buf **out)
{
	struct json_buf *j = NULL;
	char now[21];
	int ret;

	*out = NULL;
	if ((ret = utc_now(now)) != 0 || (ret = json_new(&j)) != 0)
		return ret;
	json_add_int(j, "seq", (long long)(a->seq + 1));
	json_add_str(j, "time", now);
	json_add_str(j, "program", a->program);
	json_add_str(j, "version", PKI_VERSION);
	json_add_str(j, "action", action);
	*out = j;
	return 0;
}

/* The complete next line, newline included, in a malloc'd buffer. */
static int
build_line(const struct audit *a, const char *action, const char *members,
    char **line, size_t *len)
{
	struct json_buf *j = NULL;
	const char *fixed;
	char prev[65], *buf = NULL;
	size_t flen, mlen = members != NULL ? strlen(members) : 0, cap;
	int ret;

	*line = NULL;
	if (mlen > AUDIT_LINE_MAX || memchr(members ? members : "", '\n',
	    mlen) != NULL || memchr(members ? members : "", '\r', mlen))
		return err_set(ERR_DATA, "%s: audit members too long or with "
		    "a line break", a->path);
	if ((ret = fixed_members(a, action, &j)) != 0 ||
	    (ret = json_text(j, &fixed, &flen)) != 0)
		goto out;
	sodium_bin2hex(prev, sizeof(prev), a->head, sizeof(a->head));
	cap = flen + mlen + 96;
	if ((buf = malloc(cap)) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	*len = (size_t)snprintf(buf, cap, "{%s%s%s,\"prev\":\"%s\"}\n", fixed,
	    mlen ? "," : "", mlen ? members : "", prev);
	if (*len - 1 > AUDIT_LINE_MAX) {
		ret = err_set(ERR_DATA, "%s: audit entry longer than %d bytes",
		    a->path, AUDIT_LINE_MAX);
		goto out;
	}
	if (json_check_object(buf, *len - 1) != 0) {
		ret = err_set(ERR_DATA, "%s: audit members are not valid JSON "
		    "members or repeat a reserved one", a->path);
		goto out;
	}
	*line = buf;
	buf = NULL;
out:
	free(buf);
	json_free(j);
	return ret;
}

/* One write() of the whole line, cut back if it fails; then fsync. */
static int
write_line(struct audit *a, const char *line, size_t len)
{
	ssize_t n;
	int e;

	do {
		n = write(a->fd, line, len);
	} while (n == -1 && errno == EINTR);
	if (n != (ssize_t)len) {
		e = n == -1 ? errno : EIO;
		if (n > 0 && ftruncate(a->fd, a->size) == -1)
			return err_set(ERR_IO, "%s: short write, and cannot "
			    "cut it back: the last line is torn", a->path);
		return err_set(ERR_IO, "%s: %s", a->path, strerror(e));
	}
	if (fsync(a->fd) == -1)
		return err_set(ERR_IO, "%s: fsync: %s", a->path,
		    strerror(errno));
	a->size += (off_t)len;
	return 0;
}

/* Write one built line (newline included) and move seq and the head on. */
static int
write_advance(struct audit *a, const char *line, size_t len)
{
	int ret;

	if ((ret = write_line(a, line, len)) == 0) {
		a->seq++;
		sha256(line, len - 1, a->head);
	}
	return ret;
}

static int
append_entry(struct audit *a, const char *action, const char *members)
{
	char *line = NULL;
	size_t len = 0;
	int ret;

	if ((ret = build_line(a, action, members, &line, &len)) != 0)
		return ret;
	ret = write_advance(a, line, len);
	free(line);
	return ret;
}

int
audit_append(struct audit *a, const char *action, const char *members)
{
	if (!name_ok(action, 1) || strcmp(action, "seal") == 0)
		return err_set(ERR_DATA, "%s: bad audit action", a->path);
	return append_entry(a, action, members);
}

/* The seal line that would follow a's last line, in a malloc'd buffer. */
static int
build_seal(const struct audit *a, const unsigned char sk[64], char **line,
    size_t *len)
{
	unsigned char pk[32], sig[64], msg[sizeof(SEAL_DOMAIN) + 24 + 32];
	unsigned char seed[32], again[64];
	char hhex[65], khex[65], shex[129];
	struct json_buf *j = NULL;
	const char *members;
	size_t mlen;
	int ret, ok;

	*line = NULL;
	if (a->seq == 0)
		return err_set(ERR_DATA, "%s: nothing to seal (the log is "
		    "empty)", a->path);
	/* A secret key whose public half is wrong would seal forever
	 * unverifiable logs: check before writing, by deriving the public
	 * half from the seed (a third of the cost of verifying). */
	crypto_sign_ed25519_sk_to_seed(seed, sk);
	crypto_sign_seed_keypair(pk, again, seed);
	ok = sodium_memcmp(again, sk, sizeof(again)) == 0;
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(again, sizeof(again));
	if (!ok)
		return err_set(ERR_INTERNAL, "%s: the seal key's public half "
		    "does not match its secret half", a->path);
	mlen = seal_message(a->seq + 1, a->head, msg);
	crypto_sign_detached(sig, NULL, msg, mlen, sk);
	sodium_bin2hex(hhex, sizeof(hhex), a->head, 32);
	sodium_bin2hex(khex, sizeof(khex), pk, 32);
	sodium_bin2hex(shex, sizeof(shex), sig, 64);
	if ((ret = json_new(&j)) != 0)
		return ret;
	json_add_str(j, "head", hhex);
	json_add_str(j, "key", khex);
	json_add_str(j, "sig", shex);
	if ((ret = json_text(j, &members, NULL)) == 0)
		ret = build_line(a, "seal", members, line, len);
	json_free(j);
	return ret;
}

int
audit_seal(struct audit *a, const unsigned char sk[64])
{
	char *line = NULL;
	size_t len = 0;
	int ret;

	if ((ret = build_seal(a, sk, &line, &len)) != 0)
		return ret;
	ret = write_advance(a, line, len);
	free(line);
	return ret;
}

int
audit_append_sealed(struct audit *a, const char *action,
    const char *members, const unsigned char sk[64])
{
	struct audit next;
	char *entry = NULL, *seal = NULL, *both = NULL;
	size_t elen = 0, slen = 0;
	int ret;

	if (!name_ok(action, 1) || strcmp(action, "seal") == 0)
		return err_set(ERR_DATA, "%s: bad audit action", a->path);
	if ((ret = build_line(a, action, members, &entry, &elen)) != 0)
		goto out;
	/* The seal is built as if the entry were already written. */
	next = *a;
	next.seq++;
	sha256(entry, elen - 1, next.head);
	if ((ret = build_seal(&next, sk, &seal, &slen)) != 0)
		goto out;
	if ((both = malloc(elen + slen)) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	memcpy(both, entry, elen);
	memcpy(both + elen, seal, slen);
	if ((ret = write_line(a, both, elen + slen)) == 0) {
		a->seq += 2;
		sha256(seal, slen - 1, a->head);
	}
out:
	free(entry);
	free(seal);
	free(both);
	return ret;
}

/* ---- reading ---- */

/*
 * Read one line (newline dropped) into buf, which holds
 * AUDIT_LINE_MAX + 1 bytes.  Returns 1 (a line), 0 (end of file), 2 (the
 * line is too long) or ERR_IO; *nl says the line ended with a newline.
 */
static int
read_line(FILE *f, char *buf, size_t *len, int *nl)
{
	size_t n = 0;
	int c;

	*nl = 0;
	while ((c = getc_unlocked(f)) != EOF) {
		if (c == '\n') {
			*nl = 1;
			break;
		}
		if (n == AUDIT_LINE_MAX)
			return 2;
		buf[n++] = (char)c;
	}
	if (ferror(f))
		return ERR_IO;
	buf[n] = '\0';
	*len = n;
	return n > 0 || *nl ? 1 : 0;
}

static int
open_read(const char *path, FILE **f, char **buf)
{
	*buf = NULL;
	if ((*f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT)
			return err_set(ERR_NOINPUT, "%s: no such file", path);
		return err_set(ERR_NOINPUT, "%s: %s", path, strerror(errno));
	}
	if ((*buf = malloc(AUDIT_LINE_MAX + 1)) == NULL) {
		fclose(*f);
		*f = NULL;
		return err_set(ERR_INTERNAL, "out of memory");
	}
	return 0;
}

/* Why a walk over the lines stopped early. */
enum walk_stop { WALK_OK, WALK_TORN, WALK_LONG };

/*
 * Call fn for each complete line.  A torn or over-long line stops the
 * walk with ERR_DATA, *stop saying which and *lineno naming the line;
 * no message is recorded for those two, so that each caller words it.
 */
static int
walk_lines(const char *path,
    int (*fn)(void *, unsigned long, const char *, size_t), void *arg,
    unsigned long *lineno, enum walk_stop *stop)
{
	FILE *f;
	char *buf;
	size_t len;
	int ret, nl;

	*lineno = 0;
	*stop = WALK_OK;
	if ((ret = open_read(path, &f, &buf)) != 0)
		return ret;
	while ((ret = read_line(f, buf, &len, &nl)) == 1) {
		++*lineno;
		if (!nl) {
			*stop = WALK_TORN;
			ret = ERR_DATA;
			break;
		}
		if ((ret = fn(arg, *lineno, buf, len)) != 0)
			break;
	}
	if (ret == 2) {
		++*lineno;
		*stop = WALK_LONG;
		ret = ERR_DATA;
	} else if (ret == ERR_IO)
		ret = err_set(ERR_IO, "%s: read error", path);
	fclose(f);
	free(buf);
	return ret;
}

static const char *
stop_reason(enum walk_stop stop)
{
	return stop == WALK_TORN ?
	    "no newline at the end (a torn or truncated write)" :
	    "longer than " AUDIT_LINE_MAX_STR " bytes";
}

int
audit_each(const char *path,
    int (*fn)(void *arg, unsigned long lineno, const char *line, size_t len),
    void *arg)
{
	enum walk_stop stop;
	unsigned long lineno;
	int ret;

	ret = walk_lines(path, fn, arg, &lineno, &stop);
	if (stop != WALK_OK)
		return err_set(ERR_DATA, "%s line %lu: %s", path, lineno,
		    stop_reason(stop));
	return ret;
}

static int
bad(struct vstate *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Record the first problem; the walk stops with ERR_NO. */
static int
bad(struct vstate *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->r->problem, sizeof(st->r->problem), fmt, ap);
	va_end(ap);
	st->r->first_bad_line = st->line;
	return ERR_NO;
}

static char **
entry_field(struct entry *e, const char *key)
{
	if (strcmp(key, "time") == 0)
		return &e->time;
	if (strcmp(key, "program") == 0)
		return &e->program;
	if (strcmp(key, "version") == 0)
		return &e->version;
	if (strcmp(key, "action") == 0)
		return &e->action;
	if (strcmp(key, "prev") == 0)
		return &e->prev;
	if (strcmp(key, "head") == 0)
		return &e->head;
	if (strcmp(key, "key") == 0)
		return &e->key;
	if (strcmp(key, "sig") == 0)
		return &e->sig;
	return NULL;
}

static int
entry_member(void *arg, const char *key, const char *value, size_t vlen)
{
	struct entry *e = arg;
	char **field;

	if (strcmp(key, "seq") == 0) {
		e->has_seq = 1;
		return json_value_int(key, value, vlen, &e->seq);
	}
	if ((field = entry_field(e, key)) == NULL)
		return 0;
	return json_value_str(key, value, vlen, field);
}

static void
entry_free(struct entry *e)
{
	free(e->time);
	free(e->program);
	free(e->version);
	free(e->action);
	free(e->prev);
	free(e->head);
	free(e->key);
	free(e->sig);
}

/* The members every entry must have, and seq in order. */
static int
check_common(struct vstate *st, const struct entry *e)
{
	static const char *const names[] = {
		"time", "program", "version", "action", "prev"
	};
	const char *const vals[] = {
		e->time, e->program, e->version, e->action, e->prev
	};
	size_t i;

	if (!e->has_seq)
		return bad(st, "line %lu: not an audit entry (no \"seq\")",
		    st->line);
	for (i = 0; i < 5; i++)
		if (vals[i] == NULL)
			return bad(st, "line %lu: not an audit entry "
			    "(no \"%s\")", st->line, names[i]);
	if (!time_ok(e->time))
		return bad(st, "line %lu: time is not of the form "
		    "2026-11-23T12:00:00Z", st->line);
	if (e->seq != (long long)st->seq + 1)
		return bad(st, "line %lu: seq %lld where %lu expected (%s)",
		    st->line, e->seq, st->seq + 1,
		    e->seq > (long long)st->seq + 1 ? "missing entry" :
		    "duplicated or reordered entry");
	return 0;
}

static int
check_prev(struct vstate *st, const struct entry *e)
{
	unsigned char prev[32];

	if (hex_strict(e->prev, prev, 32) != 0)
		return bad(st, "line %lu: prev is not 64 lowercase hex digits",
		    st->line);
	if (sodium_memcmp(prev, st->prev, 32) == 0)
		return 0;
	if (st->line == 1)
		return bad(st, "line 1: prev is not zero (the log does not "
		    "start here)");
	return bad(st, "line %lu: prev does not match line %lu (edited, "
	    "inserted or removed entry)", st->line, st->line - 1);
}

/* Count key changes between consecutive seals. */
static void
note_seal_key(struct vstate *st, const unsigned char key[32])
{
	if (st->last_seal != 0 && memcmp(key, st->r->key, 32) != 0)
		st->r->key_changes++;
	memcpy(st->r->key, key, 32);
	st->last_seal = st->line;
}

static int
check_seal(struct vstate *st, const struct entry *e)
{
	unsigned char head[32], key[32], sig[64];
	unsigned char msg[sizeof(SEAL_DOMAIN) + 24 + 32];
	size_t mlen;

	if (st->line == 1)
		return bad(st, "line 1: a seal cannot be the first line");
	if (e->head == NULL || e->key == NULL || e->sig == NULL)
		return bad(st, "line %lu: seal without \"%s\"", st->line,
		    e->head == NULL ? "head" : e->key == NULL ? "key" : "sig");
	if (hex_strict(e->head, head, 32) != 0 ||
	    hex_strict(e->key, key, 32) != 0 ||
	    hex_strict(e->sig, sig, 64) != 0)
		return bad(st, "line %lu: seal head, key or sig is not "
		    "lowercase hex of the right length", st->line);
	if (memcmp(head, st->prev, 32) != 0)
		return bad(st, "line %lu: seal head does not match line %lu",
		    st->line, st->line - 1);
	mlen = seal_message((unsigned long long)e->seq, head, msg);
	if (crypto_sign_verify_detached(sig, msg, mlen, key) != 0)
		return bad(st, "line %lu: seal signature does not verify",
		    st->line);
	note_seal_key(st, key);
	return 0;
}

static int
verify_line(void *arg, unsigned long lineno, const char *line, size_t len)
{
	struct vstate *st = arg;
	struct entry e;
	char why[200];
	int ret, seal;

	st->line = lineno;
	memset(&e, 0, sizeof(e));
	if ((ret = json_each(line, len, entry_member, &e)) != 0) {
		snprintf(why, sizeof(why), "%s", err_msg());
		ret = ret == ERR_INTERNAL ? ret :
		    bad(st, "line %lu: malformed entry (%s)", lineno, why);
		goto out;
	}
	if ((ret = check_common(st, &e)) != 0 ||
	    (ret = check_prev(st, &e)) != 0)
		goto out;
	seal = strcmp(e.action, "seal") == 0;
	if (seal && (ret = check_seal(st, &e)) != 0)
		goto out;
	if (seal)
		st->r->seals++;
	else
		st->r->entries++;
	st->last_was_seal = seal;
	st->seq = (unsigned long)e.seq;
	sha256(line, len, st->prev);
out:
	entry_free(&e);
	return ret;
}

/* The log read to its end: is everything sealed? */
static int
check_end(struct vstate *st)
{
	char got[65], want[65];

	st->line = 0;
	if (st->r->entries + st->r->seals == 0)
		return bad(st, "the log is empty (nothing is sealed)");
	st->line = st->last_seal + 1;
	if (st->last_seal == 0)
		return bad(st, "the log has no seal (entries are not sealed "
		    "from line 1)");
	if (!st->last_was_seal)
		return bad(st, "entries after the last seal are not sealed "
		    "(line %lu)", st->last_seal + 1);
	st->line = st->last_seal;
	if (st->pinned != NULL && memcmp(st->r->key, st->pinned, 32) != 0) {
		sodium_bin2hex(got, sizeof(got), st->r->key, 32);
		sodium_bin2hex(want, sizeof(want), st->pinned, 32);
		return bad(st, "line %lu: sealed by key %.16s..., not by the "
		    "pinned key %.16s...", st->line, got, want);
	}
	return 0;
}

int
audit_verify(const char *path, const unsigned char *pinned_key,
    struct audit_report *r)
{
	enum walk_stop stop;
	unsigned long lineno;
	struct vstate st;
	int ret;

	memset(r, 0, sizeof(*r));
	memset(&st, 0, sizeof(st));
	st.pinned = pinned_key;
	st.r = r;
	if (sodium_init() < 0)
		return err_set(ERR_INTERNAL, "libsodium failed to initialise");
	ret = walk_lines(path, verify_line, &st, &lineno, &stop);
	if (stop != WALK_OK) {
		st.line = lineno;
		ret = bad(&st, "line %lu: %s", lineno, stop_reason(stop));
	} else if (ret == 0)
		ret = check_end(&st);
	memcpy(r->head, st.prev, 32);
	r->sealed_at_end = st.last_was_seal;
	if (ret != ERR_NO)
		return ret;
	if (strncmp(r->problem, "line ", 5) == 0)
		return err_set(ERR_NO, "%s %s", path, r->problem);
	return err_set(ERR_NO, "%s: %s", path, r->problem);
}

const char *
audit_login_name(void)
{
	struct passwd *pw = getpwuid(getuid());

	return pw != NULL ? pw->pw_name : "unknown";
}
