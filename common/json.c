/*
 * json.c: a small JSON writer and a strict reader for flat objects.
 *
 * Trusts nothing it reads: every byte of the input is checked against
 * the RFC 8259 grammar, strings must be valid UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF) and \u escapes
 * must pair surrogates correctly.  Recursion is bounded by
 * JSON_DEPTH_MAX and the number of top-level members by
 * JSON_MEMBERS_MAX, so hostile input cannot exhaust the stack.  The
 * writer emits only valid UTF-8 and escapes every control character,
 * so a value can never break a log line in two.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json.h"

#define JSON_DEPTH_MAX		32
#define JSON_MEMBERS_MAX	1024

struct json_buf {
	char	*buf;		/* always NUL-terminated */
	size_t	 len;
	size_t	 cap;
	int	 err;		/* first error, sticky */
	int	 depth;		/* open objects */
	int	 outer;		/* the text is one object, not a list */
	int	 closed;	/* the outer object has been closed */
	int	 first[JSON_DEPTH_MAX + 1];
};

/* A cursor over the input being read. */
struct rd {
	const unsigned char *start;
	const unsigned char *p;
	const unsigned char *end;
	int	 depth;
};

struct member {
	char	*key;
	const char *value;
	size_t	 vlen;
};

static int parse_value(struct rd *);

/*
 * Length of the valid UTF-8 sequence at s (1-4), or 0 if the bytes are
 * not one valid sequence.
 */
static size_t
utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned long cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static size_t
utf8_put(unsigned long cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | (cp >> 18));
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* ---- reader ---- */

static int
rd_fail(const struct rd *r, const char *what)
{
	return err_set(ERR_DATA, "malformed JSON at byte %zu: %s",
	    (size_t)(r->p - r->start), what);
}

static void
skip_ws(struct rd *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
	    *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int
hex4(struct rd *r, unsigned long *cp)
{
	int i, d;

	*cp = 0;
	if (r->end - r->p < 4)
		return rd_fail(r, "short \\u escape");
	for (i = 0; i < 4; i++) {
		d = r->p[i];
		if (d >= '0' && d <= '9')
			d -= '0';
		else if (d >= 'a' && d <= 'f')
			d -= 'a' - 10;
		else if (d >= 'A' && d <= 'F')
			d -= 'A' - 10;
		else
			return rd_fail(r, "bad hex digit in \\u escape");
		*cp = (*cp << 4) | (unsigned long)d;
	}
	r->p += 4;
	return 0;
}

/* A \u escape (after the 'u'), with its surrogate pair if any. */
static int
scan_unicode(struct rd *r, unsigned long *cp)
{
	unsigned long lo;
	int ret;

	if ((ret = hex4(r, cp)) != 0)
		return ret;
	if (*cp >= 0xdc00 && *cp <= 0xdfff)
		return rd_fail(r, "lone low surrogate");
	if (*cp < 0xd800 || *cp > 0xdbff)
		return 0;
	if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
		return rd_fail(r, "high surrogate without low surrogate");
	r->p += 2;
	if ((ret = hex4(r, &lo)) != 0)
		return ret;
	if (lo < 0xdc00 || lo > 0xdfff)
		return rd_fail(r, "high surrogate without low surrogate");
	*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
	return 0;
}

static int
scan_escape(struct rd *r, unsigned char *out, size_t *olen, int *nul)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;
	unsigned long cp;
	int ret;

	if (r->p >= r->end)
		return rd_fail(r, "unterminated string");
	if (*r->p == 'u') {
		r->p++;
		if ((ret = scan_unicode(r, &cp)) != 0)
			return ret;
		if (cp == 0)
			*nul = 1;
		if (out != NULL)
			*olen += utf8_put(cp, out + *olen);
		return 0;
	}
	if (*r->p == '\0' || (e = strchr(from, *r->p)) == NULL)
		return rd_fail(r, "unknown escape");
	if (out != NULL)
		out[(*olen)++] = (unsigned char)to[e - from];
	r->p++;
	return 0;
}

/*
 * Scan the string at r->p (which must be '"').  With out non-NULL,
 * write the unescaped bytes there (never more than the raw length) and
 * their count to *olen.  *nul is set if the string holds U+0000.
 */
static int
scan_string(struct rd *r, unsigned char *out, size_t *olen, int *nul)
{
	size_t n;
	int ret;

	*olen = 0;
	*nul = 0;
	if (r->p >= r->end || *r->p != '"')
		return rd_fail(r, "expected a string");
	r->p++;
	for (;;) {
		if (r->p >= r->end)
			return rd_fail(r, "unterminated string");
		if (*r->p == '"')
			break;
		if (*r->p < 0x20)
			return rd_fail(r, "control character in string");
		if (*r->p == '\\') {
			r->p++;
			if ((ret = scan_escape(r, out, olen, nul)) != 0)
				return ret;
			continue;
		}
		if ((n = utf8_seq(r->p, (size_t)(r->end - r->p))) == 0)
			return rd_fail(r, "invalid UTF-8 in string");
		if (out != NULL)
			memcpy(out + *olen, r->p, n);
		*olen += out != NULL ? n : 0;
		r->p += n;
	}
	r->p++;
	return 0;
}

static int
scan_digits(struct rd *r)
{
	if (r->p >= r->end || *r->p < '0' || *r->p > '9')
		return rd_fail(r, "expected a digit");
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
		r->p++;
	return 0;
}

/* A number per RFC 8259; *integer says it has no fraction or exponent. */
static int
scan_number(struct rd *r, int *integer)
{
	*integer = 1;
	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (r->p < r->end && *r->p == '0')
		r->p++;
	else if (scan_digits(r) != 0)
		return ERR_DATA;
	if (r->p < r->end && *r->p == '.') {
		*integer = 0;
		r->p++;
		if (scan_digits(r) != 0)
			return ERR_DATA;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		*integer = 0;
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (scan_digits(r) != 0)
			return ERR_DATA;
	}
	return 0;
}

static int
scan_literal(struct rd *r)
{
	static const char *const lits[] = { "true", "false", "null" };
	size_t i, n;

	for (i = 0; i < 3; i++) {
		n = strlen(lits[i]);
		if ((size_t)(r->end - r->p) >= n &&
		    memcmp(r->p, lits[i], n) == 0) {
			r->p += n;
			return 0;
		}
	}
	return rd_fail(r, "unexpected character");
}

/* The elements of an array or the members of an object after '[' / '{'. */
static int
scan_container(struct rd *r, int object)
{
	int ret, nul;
	size_t olen;
	unsigned char close = object ? '}' : ']';

	skip_ws(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return 0;
	}
	for (;;) {
		skip_ws(r);
		if (object) {
			if ((ret = scan_string(r, NULL, &olen, &nul)) != 0)
				return ret;
			skip_ws(r);
			if (r->p >= r->end || *r->p != ':')
				return rd_fail(r, "expected ':'");
			r->p++;
		}
		if ((ret = parse_value(r)) != 0)
			return ret;
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == close) {
			r->p++;
			return 0;
		}
		return rd_fail(r, object ? "expected ',' or '}'" :
		    "expected ',' or ']'");
	}
}

/* One value with leading spaces skipped; r->p ends just after it. */
static int
parse_value(struct rd *r)
{
	int ret, integer, nul;
	size_t olen;

	skip_ws(r);
	if (r->p >= r->end)
		return rd_fail(r, "unexpected end of input");
	switch (*r->p) {
	case '{':
	case '[':
		if (r->depth >= JSON_DEPTH_MAX)
			return rd_fail(r, "nested too deeply");
		r->depth++;
		r->p++;
		ret = scan_container(r, r->p[-1] == '{');
		r->depth--;
		return ret;
	case '"':
		return scan_string(r, NULL, &olen, &nul);
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return scan_number(r, &integer);
	default:
		return scan_literal(r);
	}
}

/* Decode the string token at r->p into a malloc'd C string. */
static int
decode_string(struct rd *r, char **out)
{
	struct rd probe = *r;
	unsigned char *buf;
	size_t olen;
	int ret, nul;

	*out = NULL;
	if ((ret = scan_string(&probe, NULL, &olen, &nul)) != 0)
		return ret;
	if (nul)
		return rd_fail(r, "string contains U+0000");
	if ((buf = malloc((size_t)(probe.p - r->p) + 1)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if ((ret = scan_string(r, buf, &olen, &nul)) != 0) {
		free(buf);
		return ret;
	}
	buf[olen] = '\0';
	*out = (char *)buf;
	return 0;
}

static void
free_members(struct member *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(m[i].key);
	free(m);
}

/* One "key": value pair of the top-level object, appended to (*mp)[*n]. */
static int
read_member(struct rd *r, struct member **mp, size_t *cap, size_t *n)
{
	const unsigned char *v;
	struct member *m;
	size_t i;
	int ret;

	if (*n >= JSON_MEMBERS_MAX)
		return rd_fail(r, "too many members");
	if (*n == *cap) {
		m = reallocarray(*mp, *cap * 2, sizeof(*m));
		if (m == NULL)
			return err_set(ERR_INTERNAL, "out of memory");
		*mp = m;
		*cap *= 2;
	}
	m = *mp;
	m[*n].key = NULL;
	skip_ws(r);
	if ((ret = decode_string(r, &m[*n].key)) != 0)
		return ret;
	(*n)++;
	for (i = 0; i + 1 < *n; i++)
		if (strcmp(m[i].key, m[*n - 1].key) == 0)
			return rd_fail(r, "duplicate key");
	skip_ws(r);
	if (r->p >= r->end || *r->p != ':')
		return rd_fail(r, "expected ':'");
	r->p++;
	skip_ws(r);
	v = r->p;
	if ((ret = parse_value(r)) != 0)
		return ret;
	m[*n - 1].value = (const char *)v;
	m[*n - 1].vlen = (size_t)(r->p - v);
	return 0;
}

/* Parse the whole object into a malloc'd member array. */
static int
read_object(const char *json, size_t len, struct member **out, size_t *n)
{
	struct rd r = { (const unsigned char *)json,
	    (const unsigned char *)json, (const unsigned char *)json + len, 1 };
	struct member *m;
	size_t cap = 16;
	int ret = 0;

	*out = NULL;
	*n = 0;
	if ((m = calloc(cap, sizeof(*m))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	skip_ws(&r);
	if (r.p >= r.end || *r.p != '{') {
		ret = rd_fail(&r, "expected '{'");
		goto out;
	}
	r.p++;
	skip_ws(&r);
	if (r.p < r.end && *r.p == '}')
		r.p++;
	else {
		for (;;) {
			if ((ret = read_member(&r, &m, &cap, n)) != 0)
				goto out;
			skip_ws(&r);
			if (r.p < r.end && *r.p == ',') {
				r.p++;
				continue;
			}
			if (r.p < r.end && *r.p == '}') {
				r.p++;
				break;
			}
			ret = rd_fail(&r, "expected ',' or '}'");
			goto out;
		}
	}
	skip_ws(&r);
	if (r.p != r.end)
		ret = rd_fail(&r, "trailing data after the object");
out:
	if (ret != 0) {
		free_members(m, *n);
		*n = 0;
		return ret;
	}
	*out = m;
	return 0;
}

int
json_each(const char *json, size_t len,
    int (*fn)(void *arg, const char *key, const char *value, size_t vlen),
    void *arg)
{
	struct member *m;
	size_t n, i;
	int ret;

	if ((ret = read_object(json, len, &m, &n)) != 0)
		return ret;
	for (i = 0; i < n && ret == 0; i++)
		ret = fn(arg, m[i].key, m[i].value, m[i].vlen);
	free_members(m, n);
	return ret;
}

int
json_check_object(const char *json, size_t len)
{
	struct member *m;
	size_t n;
	int ret;

	if ((ret = read_object(json, len, &m, &n)) != 0)
		return ret;
	free_members(m, n);
	return 0;
}

/* Find key's raw value; ERR_NO if absent. */
static int
find_member(const char *json, size_t len, const char *key,
    const char **value, size_t *vlen)
{
	struct member *m;
	size_t n, i;
	int ret;

	if ((ret = read_object(json, len, &m, &n)) != 0)
		return ret;
	ret = err_set(ERR_NO, "no member \"%s\"", key);
	for (i = 0; i < n; i++) {
		if (strcmp(m[i].key, key) == 0) {
			*value = m[i].value;
			*vlen = m[i].vlen;
			ret = 0;
			break;
		}
	}
	free_members(m, n);
	return ret;
}

int
json_value_str(const char *key, const char *value, size_t vlen, char **out)
{
	struct rd r;
	int ret;

	*out = NULL;
	if (vlen == 0 || *value != '"')
		return err_set(ERR_DATA, "member \"%s\" is not a string", key);
	r.start = r.p = (const unsigned char *)value;
	r.end = r.p + vlen;
	r.depth = 0;
	if ((ret = decode_string(&r, out)) != 0)
		return ret;
	if (r.p != r.end) {
		free(*out);
		*out = NULL;
		return err_set(ERR_DATA, "member \"%s\" is not one string",
		    key);
	}
	return 0;
}

int
json_value_int(const char *key, const char *value, size_t vlen,
    long long *out)
{
	char tmp[32], *end;
	struct rd r;
	long long x;
	int integer;

	*out = 0;
	if (vlen == 0 || (*value != '-' && (*value < '0' || *value > '9')))
		return err_set(ERR_DATA, "member \"%s\" is not a number", key);
	r.start = r.p = (const unsigned char *)value;
	r.end = r.p + vlen;
	r.depth = 0;
	if (scan_number(&r, &integer) != 0 || !integer || r.p != r.end)
		return err_set(ERR_DATA, "member \"%s\" is not an integer",
		    key);
	if (vlen >= sizeof(tmp))
		return err_set(ERR_DATA, "member \"%s\" is out of range", key);
	memcpy(tmp, value, vlen);
	tmp[vlen] = '\0';
	errno = 0;
	x = strtoll(tmp, &end, 10);
	if (errno != 0 || *end != '\0')
		return err_set(ERR_DATA, "member \"%s\" is out of range", key);
	*out = x;
	return 0;
}

int
json_get_str(const char *json, size_t len, const char *key, char **value)
{
	const char *v;
	size_t vlen;
	int ret;

	*value = NULL;
	if ((ret = find_member(json, len, key, &v, &vlen)) != 0)
		return ret;
	return json_value_str(key, v, vlen, value);
}

int
json_get_int(const char *json, size_t len, const char *key,
    long long *value)
{
	const char *v;
	size_t vlen;
	int ret;

	*value = 0;
	if ((ret = find_member(json, len, key, &v, &vlen)) != 0)
		return ret;
	return json_value_int(key, v, vlen, value);
}

/* ---- writer ---- */

static int
jfail(struct json_buf *j, int code, const char *what)
{
	if (j->err == 0) {
		j->err = code;
		err_set(code, "JSON writer: %s", what);
	}
	return j->err;
}

static int
put(struct json_buf *j, const char *s, size_t n)
{
	size_t cap;
	char *nb;

	if (j->err != 0)
		return j->err;
	if (n > SIZE_MAX / 4 || j->len > SIZE_MAX / 4 - n)
		return jfail(j, ERR_INTERNAL, "text too long");
	if (j->len + n + 1 > j->cap) {
		cap = j->cap;
		while (cap < j->len + n + 1)
			cap *= 2;
		if ((nb = realloc(j->buf, cap)) == NULL)
			return jfail(j, ERR_INTERNAL, "out of memory");
		j->buf = nb;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
	return 0;
}

/* The letter of the two-character escape for c, or 0 if it has none. */
static char
short_escape(unsigned char c)
{
	switch (c) {
	case '\b':
		return 'b';
	case '\f':
		return 'f';
	case '\n':
		return 'n';
	case '\r':
		return 'r';
	case '\t':
		return 't';
	default:
		return 0;
	}
}

/* A quoted, escaped string; invalid UTF-8 is refused. */
static int
put_str(struct json_buf *j, const char *s)
{
	static const char hexd[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t avail = strlen(s), n;
	char esc[7];

	put(j, "\"", 1);
	while (avail > 0 && j->err == 0) {
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			put(j, esc, 2);
			n = 1;
		} else if (*p < 0x20 && short_escape(*p) != 0) {
			esc[0] = '\\';
			esc[1] = short_escape(*p);
			put(j, esc, 2);
			n = 1;
		} else if (*p < 0x20 || *p == 0x7f) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hexd[*p >> 4];
			esc[5] = hexd[*p & 0x0f];
			put(j, esc, 6);
			n = 1;
		} else if ((n = utf8_seq(p, avail)) == 0)
			return jfail(j, ERR_DATA, "invalid UTF-8 in a string");
		else
			put(j, (const char *)p, n);
		p += n;
		avail -= n;
	}
	return put(j, "\"", 1);
}

/* The separator and "key": before a member. */
static int
put_key(struct json_buf *j, const char *key)
{
	if (j->err != 0)
		return j->err;
	if (key == NULL)
		return jfail(j, ERR_INTERNAL, "member without a key");
	if (j->closed)
		return jfail(j, ERR_INTERNAL, "member after the object ended");
	if (!j->first[j->depth])
		put(j, ",", 1);
	j->first[j->depth] = 0;
	put_str(j, key);
	return put(j, ":", 1);
}

int
json_new(struct json_buf **out)
{
	struct json_buf *j;

	*out = NULL;
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->buf = malloc(64)) == NULL) {
		free(j);
		return err_set(ERR_INTERNAL, "out of memory");
	}
	j->cap = 64;
	j->buf[0] = '\0';
	j->first[0] = 1;
	*out = j;
	return 0;
}

void
json_free(struct json_buf *j)
{
	if (j == NULL)
		return;
	free(j->buf);
	free(j);
}

int
json_begin_object(struct json_buf *j, const char *key)
{
	if (j->err != 0)
		return j->err;
	if (j->depth >= JSON_DEPTH_MAX)
		return jfail(j, ERR_INTERNAL, "objects nested too deeply");
	if (key == NULL) {
		if (j->len != 0 || j->depth != 0)
			return jfail(j, ERR_INTERNAL,
			    "unnamed object inside other text");
		j->outer = 1;
	} else if (put_key(j, key) != 0)
		return j->err;
	if (put(j, "{", 1) != 0)
		return j->err;
	j->depth++;
	j->first[j->depth] = 1;
	return 0;
}

int
json_end_object(struct json_buf *j)
{
	if (j->err != 0)
		return j->err;
	if (j->depth == 0)
		return jfail(j, ERR_INTERNAL, "no object to end");
	if (put(j, "}", 1) != 0)
		return j->err;
	j->depth--;
	if (j->depth == 0 && j->outer)
		j->closed = 1;
	return 0;
}

int
json_add_str(struct json_buf *j, const char *key, const char *value)
{
	if (value == NULL)
		return jfail(j, ERR_INTERNAL, "NULL string value");
	put_key(j, key);
	return put_str(j, value);
}

int
json_add_int(struct json_buf *j, const char *key, long long value)
{
	char num[32];
	int n;

	n = snprintf(num, sizeof(num), "%lld", value);
	if (n < 0 || (size_t)n >= sizeof(num))
		return jfail(j, ERR_INTERNAL, "number formatting");
	put_key(j, key);
	return put(j, num, (size_t)n);
}

int
json_add_bool(struct json_buf *j, const char *key, int value)
{
	put_key(j, key);
	return value ? put(j, "true", 4) : put(j, "false", 5);
}

int
json_add_raw(struct json_buf *j, const char *key, const char *raw)
{
	const unsigned char *v, *vend;
	struct rd r;

	if (j->err != 0)
		return j->err;
	if (raw == NULL)
		return jfail(j, ERR_INTERNAL, "NULL raw value");
	r.start = r.p = (const unsigned char *)raw;
	r.end = r.p + strlen(raw);
	r.depth = 0;
	skip_ws(&r);
	v = r.p;
	if (parse_value(&r) != 0)
		return jfail(j, ERR_DATA, "raw value is not valid JSON");
	vend = r.p;
	skip_ws(&r);
	if (r.p != r.end)
		return jfail(j, ERR_DATA, "raw value has trailing data");
	put_key(j, key);
	return put(j, (const char *)v, (size_t)(vend - v));
}

int
json_add_str_array(struct json_buf *j, const char *key,
    const char *const *values, size_t n)
{
	size_t i;

	put_key(j, key);
	put(j, "[", 1);
	for (i = 0; i < n; i++) {
		if (values[i] == NULL)
			return jfail(j, ERR_INTERNAL, "NULL string value");
		if (i > 0)
			put(j, ",", 1);
		put_str(j, values[i]);
	}
	return put(j, "]", 1);
}

int
json_text(const struct json_buf *j, const char **text, size_t *len)
{
	*text = NULL;
	if (len != NULL)
		*len = 0;
	if (j->err != 0)
		return j->err;
	if (j->depth != 0)
		return err_set(ERR_INTERNAL, "JSON writer: object not ended");
	*text = j->buf;
	if (len != NULL)
		*len = j->len;
	return 0;
}
