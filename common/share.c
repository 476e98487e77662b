/*
 * share.c: the share record (format v1), its text block and QR payload.
 *
 * Trusts libsodium (BLAKE2b for the record check) and base32.c.  Input
 * is anything a custodian typed or scanned: every length is checked
 * before it is used and every malformed field is refused with one
 * sentence naming the input (and, for the text block, the line), never
 * guessed or corrected.
 *
 * Invariants: every copy of a share value (record, text, payload,
 * decoded bytes, line buffers) is in secmem_alloc() memory and wiped;
 * characters are mapped and line checks computed with branch-free
 * arithmetic (GF(32) multiply by masks), so the only branches on share
 * characters are the separators (which valid data never contains) and
 * the per-line verdict.  The record check and line checks catch typing
 * mistakes; they are not MACs: the backup header's commitments and the
 * AEAD authenticate shares (common/backup.c, common/kekshare.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "base32.h"
#include "err.h"
#include "secmem.h"
#include "share.h"

#define SHARE_BEGIN	"-----BEGIN PKI ROOT BACKUP SHARE-----"
#define SHARE_END	"-----END PKI ROOT BACKUP SHARE-----"
#define LINE_CHARS	28	/* data characters on a full line */
#define LINE_CHECK	2	/* check characters after them */
#define MAX_CHARS	144	/* base32_encoded_len(SHARE_RECORD_MAX) */
#define MAX_LINES	((MAX_CHARS + LINE_CHARS - 1) / LINE_CHARS)
#define HEAD_CHARS	40	/* 25 bytes: enough to read version and L */
#define OFF_LABEL_LEN	21
#define OFF_LABEL	22

/* Hashed with its NUL before the record bytes. */
static const char share_domain[] = "pki-share-record-v1";

/* All ones if x >= y, else 0; x, y < 2^31. */
static unsigned int
ct_ge(unsigned int x, unsigned int y)
{
	return ((x - y) >> 31) - 1U;
}

/* The record check: BLAKE2b-256 of domain and record, first 4 bytes. */
static int
share_record_check(const unsigned char *rec, size_t len,
    unsigned char check[SHARE_CHECK_LEN])
{
	crypto_generichash_state st;
	unsigned char h[crypto_generichash_BYTES];
	int rc = 0;

	if (crypto_generichash_init(&st, NULL, 0, sizeof(h)) != 0 ||
	    crypto_generichash_update(&st, (const unsigned char *)share_domain,
	    sizeof(share_domain)) != 0 ||
	    crypto_generichash_update(&st, rec, len) != 0 ||
	    crypto_generichash_final(&st, h, sizeof(h)) != 0)
		rc = err_set(ERR_INTERNAL, "share: BLAKE2b failed");
	memcpy(check, h, SHARE_CHECK_LEN);
	sodium_memzero(h, sizeof(h));
	sodium_memzero(&st, sizeof(st));
	return rc;
}

/*
 * 0 if p[0..len) is UTF-8 (shortest forms, no surrogates, at most
 * U+10FFFF) without C0, DEL or C1 control characters; 1 if not UTF-8;
 * 2 for a control character.  Labels are public.
 */
static int
share_label_bad(const unsigned char *p, size_t len)
{
	uint32_t cp, min;
	size_t i = 0, k, more;

	while (i < len) {
		if (p[i] < 0x80) {
			cp = p[i];
			more = 0;
			min = 0;
		} else if (p[i] >= 0xC2 && p[i] <= 0xDF) {
			cp = p[i] & 0x1F;
			more = 1;
			min = 0x80;
		} else if (p[i] >= 0xE0 && p[i] <= 0xEF) {
			cp = p[i] & 0x0F;
			more = 2;
			min = 0x800;
		} else if (p[i] >= 0xF0 && p[i] <= 0xF4) {
			cp = p[i] & 0x07;
			more = 3;
			min = 0x10000;
		} else
			return 1;
		if (more > len - i - 1)
			return 1;
		for (k = 1; k <= more; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return 1;
			cp = cp << 6 | (p[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 1;
		if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
			return 2;
		i += more + 1;
	}
	return 0;
}

/* The rules share_decode() enforces on the fields, for both ways. */
static int
share_check_fields(const struct share *s, const char *source)
{
	size_t l = strnlen(s->custodian, sizeof(s->custodian));

	if (s->version != SHARE_VERSION)
		return err_set(ERR_DATA, "%s: share format v%u not supported",
		    source, s->version);
	if (s->kind != SHARE_KIND_KEK)
		return err_set(ERR_DATA, "%s: share kind %u not supported (%u "
		    "is a root backup key share)", source, s->kind,
		    SHARE_KIND_KEK);
	if (s->n > 16 || s->m < 2 || s->m > s->n)
		return err_set(ERR_DATA, "%s: threshold %u of %u shares is not "
		    "valid (need 2 <= M <= N <= 16)", source, s->m, s->n);
	if (s->x == 0)
		return err_set(ERR_DATA, "%s: share index 0 is not valid",
		    source);
	if (s->x > s->n)
		return err_set(ERR_DATA, "%s: share index %u is larger than "
		    "the share count %u", source, s->x, s->n);
	if (l > SHARE_CUSTODIAN_MAX)
		return err_set(ERR_DATA, "%s: custodian label is longer than "
		    "%d bytes", source, SHARE_CUSTODIAN_MAX);
	switch (share_label_bad((const unsigned char *)s->custodian, l)) {
	case 1:
		return err_set(ERR_DATA, "%s: custodian label is not valid "
		    "UTF-8", source);
	case 2:
		return err_set(ERR_DATA, "%s: custodian label contains a "
		    "control character", source);
	}
	return 0;
}

int
share_encode(const struct share *s, unsigned char *rec, size_t *reclen)
{
	size_t l, o;
	int rc;

	if (s == NULL || rec == NULL || reclen == NULL)
		return err_set(ERR_INTERNAL, "share: no buffer to encode");
	*reclen = 0;
	if ((rc = share_check_fields(s, "share")) != 0)
		return rc;
	l = strlen(s->custodian);
	rec[0] = s->version;
	rec[1] = s->kind;
	memcpy(rec + 2, s->set_id, SHARE_SET_ID_LEN);
	rec[10] = s->m;
	rec[11] = s->n;
	rec[12] = s->x;
	memcpy(rec + 13, s->fp_prefix, SHARE_FP_PREFIX_LEN);
	rec[OFF_LABEL_LEN] = (unsigned char)l;
	memcpy(rec + OFF_LABEL, s->custodian, l);
	memcpy(rec + OFF_LABEL + l, s->y, SHARE_Y_LEN);
	o = OFF_LABEL + l + SHARE_Y_LEN;
	if ((rc = share_record_check(rec, o, rec + o)) != 0) {
		secmem_wipe(rec, SHARE_RECORD_MAX);
		return rc;
	}
	*reclen = o + SHARE_CHECK_LEN;
	return 0;
}

/*
 * From the first bytes of a record (at least OFF_LABEL when have allows),
 * the full record length; checks version and label length.
 */
static int
share_record_len(const unsigned char *rec, size_t have, const char *source,
    size_t *need)
{
	if (have < 1)
		return err_set(ERR_DATA, "%s: empty share", source);
	if (rec[0] != SHARE_VERSION)
		return err_set(ERR_DATA, "%s: share format v%u not supported",
		    source, rec[0]);
	if (have < OFF_LABEL)
		return err_set(ERR_DATA, "%s: truncated share (%zu bytes, at "
		    "least %d needed)", source, have, SHARE_RECORD_MIN);
	if (rec[OFF_LABEL_LEN] > SHARE_CUSTODIAN_MAX)
		return err_set(ERR_DATA, "%s: custodian label of %u bytes is "
		    "longer than %d", source, rec[OFF_LABEL_LEN],
		    SHARE_CUSTODIAN_MAX);
	*need = SHARE_RECORD_MIN + rec[OFF_LABEL_LEN];
	return 0;
}

int
share_decode(const unsigned char *rec, size_t len, const char *source,
    struct share *s)
{
	unsigned char check[SHARE_CHECK_LEN];
	size_t need = 0, l;
	int rc;

	if (s == NULL || (rec == NULL && len > 0))
		return err_set(ERR_INTERNAL, "share: no buffer to decode");
	secmem_wipe(s, sizeof(*s));
	if ((rc = share_record_len(rec, len, source, &need)) != 0)
		return rc;
	if (len < need)
		return err_set(ERR_DATA, "%s: truncated share (%zu bytes of "
		    "%zu)", source, len, need);
	if (len > need)
		return err_set(ERR_DATA, "%s: trailing bytes after the share "
		    "(%zu)", source, len - need);
	if ((rc = share_record_check(rec, need - SHARE_CHECK_LEN, check)) != 0)
		return rc;
	if (sodium_memcmp(check, rec + need - SHARE_CHECK_LEN,
	    SHARE_CHECK_LEN) != 0)
		return err_set(ERR_DATA, "%s: share record check does not "
		    "match (damaged or mistyped share)", source);
	l = rec[OFF_LABEL_LEN];
	s->version = rec[0];
	s->kind = rec[1];
	memcpy(s->set_id, rec + 2, SHARE_SET_ID_LEN);
	s->m = rec[10];
	s->n = rec[11];
	s->x = rec[12];
	memcpy(s->fp_prefix, rec + 13, SHARE_FP_PREFIX_LEN);
	memcpy(s->custodian, rec + OFF_LABEL, l);
	s->custodian[l] = '\0';
	memcpy(s->y, rec + OFF_LABEL + l, SHARE_Y_LEN);
	/* A NUL inside the label would hide bytes from every later check. */
	if (strlen(s->custodian) != l)
		rc = err_set(ERR_DATA, "%s: custodian label contains a control "
		    "character", source);
	else
		rc = share_check_fields(s, source);
	if (rc != 0)
		secmem_wipe(s, sizeof(*s));
	return rc;
}

/*
 * GF(32) with x^5 + x^2 + 1, branch-free.  The line check is a
 * Reed-Solomon code over it: the codeword w_0 .. w_(k+2) is the line
 * number, the k data characters and the 2 check characters, and both
 * sums S1 = sum w_j a^j and S2 = sum w_j a^2j are zero (a = 2, of order
 * 31).  Any two columns (a^i, a^2i), (a^j, a^2j) with i != j < 31 are
 * independent, so any one or two changed characters, hence any swap of
 * two characters, leave a non-zero sum.  k + 3 <= 31 keeps i != j.
 */
static unsigned int
gf32_mul(unsigned int a, unsigned int b)
{
	unsigned int r = 0;
	int i;

	for (i = 0; i < 5; i++) {
		r ^= a & (0U - (b & 1));
		b >>= 1;
		a = (a << 1) ^ (0x25U & (0U - ((a >> 4) & 1)));
	}
	return r & 31;
}

/* a^30, the inverse of a; only ever applied to public powers of 2. */
static unsigned int
gf32_inv(unsigned int a)
{
	unsigned int r = 1;
	int i;

	for (i = 0; i < 30; i++)
		r = gf32_mul(r, a);
	return r;
}

/* S1 and S2 over lineno and the n characters of chars (upper case). */
static void
line_sums(unsigned int lineno, const char *chars, size_t n,
    unsigned int *s1, unsigned int *s2)
{
	unsigned int p1 = 2, p2 = 4, w;
	size_t j;

	*s1 = lineno;
	*s2 = lineno;
	for (j = 0; j < n; j++) {
		w = (unsigned int)base32_value((unsigned char)chars[j]) & 31;
		*s1 ^= gf32_mul(w, p1);
		*s2 ^= gf32_mul(w, p2);
		p1 = gf32_mul(p1, 2);
		p2 = gf32_mul(p2, 4);
	}
}

/* The 2 check characters for lineno and k data characters. */
static void
line_check(unsigned int lineno, const char *data, size_t k, char out[2])
{
	unsigned int t1, t2, aa = 1, ab, p, q;
	size_t j;

	line_sums(lineno, data, k, &t1, &t2);
	for (j = 0; j < k + 1; j++)
		aa = gf32_mul(aa, 2);		/* a^(k+1) */
	ab = gf32_mul(aa, 2);			/* a^(k+2) */
	p = gf32_mul(t2 ^ gf32_mul(t1, ab),
	    gf32_inv(gf32_mul(aa, aa ^ ab)));
	q = gf32_mul(t1 ^ gf32_mul(p, aa), gf32_inv(ab));
	out[0] = base32_char(p);
	out[1] = base32_char(q);
}

/* 0 if the n characters (data and check) of line lineno are a codeword. */
static int
line_verify(unsigned int lineno, const char *chars, size_t n)
{
	unsigned int s1, s2;

	line_sums(lineno, chars, n, &s1, &s2);
	return (s1 | s2) != 0;
}

/* The record of s in base32, in a secmem buffer the caller frees. */
static int
share_base32(const struct share *s, char **b32, size_t *nchars)
{
	unsigned char *rec = NULL;
	size_t reclen;
	int rc;

	*b32 = NULL;
	if ((rec = secmem_alloc(SHARE_RECORD_MAX)) == NULL ||
	    (*b32 = secmem_alloc(MAX_CHARS + 1)) == NULL) {
		rc = err_set(ERR_INTERNAL, "share: out of locked memory");
		goto out;
	}
	if ((rc = share_encode(s, rec, &reclen)) != 0 ||
	    (rc = base32_encode(rec, reclen, *b32)) != 0)
		goto out;
	*nchars = base32_encoded_len(reclen);
out:
	if (rc != 0) {
		secmem_free(*b32);
		*b32 = NULL;
	}
	secmem_free(rec);
	return rc;
}

/* Append line lineno ("01  ABCD EFGH ...  K7\n") of k characters. */
static size_t
share_put_line(char *out, unsigned int lineno, const char *data, size_t k)
{
	size_t o = 0, j;
	char check[LINE_CHECK];

	out[o++] = (char)('0' + lineno / 10);
	out[o++] = (char)('0' + lineno % 10);
	out[o++] = ' ';
	out[o++] = ' ';
	for (j = 0; j < k; j++) {
		if (j > 0 && j % 4 == 0)
			out[o++] = ' ';
		out[o++] = data[j];
	}
	line_check(lineno, data, k, check);
	out[o++] = ' ';
	out[o++] = ' ';
	out[o++] = check[0];
	out[o++] = check[1];
	out[o++] = '\n';
	secmem_wipe(check, sizeof(check));
	return o;
}

int
share_format_text(const struct share *s, char **text)
{
	char *b32 = NULL, *out = NULL;
	size_t nchars = 0, o, k, pos, size;
	unsigned int lineno;
	int rc;

	if (text == NULL)
		return err_set(ERR_INTERNAL, "share: no output buffer");
	*text = NULL;
	if ((rc = share_base32(s, &b32, &nchars)) != 0)
		goto out;
	/* Per line: number, 2 spaces, 28 characters, 6 spaces, 2 + 2, NL. */
	size = sizeof(SHARE_BEGIN) + sizeof(SHARE_END) +
	    MAX_LINES * (4 + LINE_CHARS + 6 + 4 + 1) + 1;
	if ((out = secmem_alloc(size)) == NULL) {
		rc = err_set(ERR_INTERNAL, "share: out of locked memory");
		goto out;
	}
	memcpy(out, SHARE_BEGIN "\n", sizeof(SHARE_BEGIN));
	o = sizeof(SHARE_BEGIN);
	for (pos = 0, lineno = 1; pos < nchars; pos += k, lineno++) {
		k = nchars - pos < LINE_CHARS ? nchars - pos : LINE_CHARS;
		o += share_put_line(out + o, lineno, b32 + pos, k);
	}
	memcpy(out + o, SHARE_END "\n", sizeof(SHARE_END) + 1);
	*text = out;
	out = NULL;
out:
	secmem_free(out);
	secmem_free(b32);
	return rc;
}

int
share_format_qr(const struct share *s, char **payload)
{
	char *b32 = NULL, *out = NULL;
	size_t nchars = 0, plen = sizeof(SHARE_QR_PREFIX) - 1;
	int rc;

	if (payload == NULL)
		return err_set(ERR_INTERNAL, "share: no output buffer");
	*payload = NULL;
	if ((rc = share_base32(s, &b32, &nchars)) != 0)
		goto out;
	if ((out = secmem_alloc(plen + nchars + 1)) == NULL) {
		rc = err_set(ERR_INTERNAL, "share: out of locked memory");
		goto out;
	}
	memcpy(out, SHARE_QR_PREFIX, plen);
	memcpy(out + plen, b32, nchars + 1);
	*payload = out;
	out = NULL;
out:
	secmem_free(out);
	secmem_free(b32);
	return rc;
}

void
share_set_tag(const unsigned char set_id[SHARE_SET_ID_LEN], char tag[5])
{
	char b32[16];

	(void)base32_encode(set_id, SHARE_SET_ID_LEN, b32);
	memcpy(tag, b32, 4);
	tag[4] = '\0';
}

/*
 * Copy the characters of in[0..n) to out, folding lower case and
 * dropping spaces, tabs, carriage returns and dashes.  Returns the count,
 * or SIZE_MAX when more than max remain.  *bad gets the offset in in of
 * the first character outside the alphabet, or SIZE_MAX.  Only the
 * separators branch: alphabet characters all take the same path.
 */
static size_t
share_normalize(const char *in, size_t n, char *out, size_t max,
    size_t *bad)
{
	unsigned int c, invalid = 0;
	size_t i, k = 0;

	*bad = SIZE_MAX;
	for (i = 0; i < n; i++) {
		c = (unsigned char)in[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '-')
			continue;
		if (k == max)
			return SIZE_MAX;
		c ^= 0x20U & ct_ge(c, 'a') & ct_ge('z', c);
		invalid |= (unsigned int)base32_value((unsigned char)c) >> 31;
		out[k++] = (char)c;
	}
	if (invalid == 0)
		return k;
	/* Error path: the input is refused, find what to name. */
	for (i = 0; i < n && *bad == SIZE_MAX; i++) {
		c = (unsigned char)in[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '-')
			continue;
		if (c >= 'a' && c <= 'z')
			c -= 0x20;
		if (base32_value((unsigned char)c) < 0)
			*bad = i;
	}
	return k;
}

/* "<where>: '0' is not a share character ...". */
static int
share_bad_char(const char *where, unsigned char c)
{
	const char *hint = "";

	if (c == '0' || c == '1' || c == '8' || c == '9')
		hint = "; the digits 0, 1, 8 and 9 never occur";
	if (c > 0x20 && c < 0x7F)
		return err_set(ERR_DATA, "%s: '%c' is not a share character "
		    "(only A-Z and 2-7 are used%s)", where, c, hint);
	return err_set(ERR_DATA, "%s: byte 0x%02x is not a share character "
	    "(only A-Z and 2-7 are used)", where, c);
}

/* The next line from text at *pos, without its newline; 0 at the end. */
static int
next_line(const char *text, size_t len, size_t *pos, const char **line,
    size_t *n)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	*line = text + *pos;
	nl = memchr(*line, '\n', len - *pos);
	*n = nl == NULL ? len - *pos : (size_t)(nl - *line);
	*pos += *n + (nl != NULL);
	return 1;
}

/* Strip blanks at both ends. */
static void
trim(const char **line, size_t *n)
{
	while (*n > 0 && (**line == ' ' || **line == '\t' || **line == '\r')) {
		(*line)++;
		(*n)--;
	}
	while (*n > 0 && ((*line)[*n - 1] == ' ' || (*line)[*n - 1] == '\t' ||
	    (*line)[*n - 1] == '\r'))
		(*n)--;
}

static int
is_marker(const char *line, size_t n, const char *marker)
{
	trim(&line, &n);
	return n == strlen(marker) && strncasecmp(line, marker, n) == 0;
}

/* The text block being read: data characters so far, line by line. */
struct share_block {
	const char	*source;
	char		*chars;		/* secmem, MAX_CHARS + 1 */
	char		*linebuf;	/* secmem, one normalized line */
	unsigned char	*rec;		/* secmem, SHARE_RECORD_MAX */
	size_t		 nchars;
	size_t		 linelen[MAX_LINES];
	unsigned int	 lines;
	unsigned int	 want_lines;	/* 0 until the length is known */
	size_t		 want_chars;
};

/* Once 40 characters are in: check the version, learn the length. */
static int
block_layout(struct share_block *b)
{
	size_t n, need = 0;
	int rc;

	if ((rc = base32_decode(b->chars, HEAD_CHARS, b->rec,
	    SHARE_RECORD_MAX, &n)) != 0)
		return rc;
	if ((rc = share_record_len(b->rec, n, b->source, &need)) != 0)
		return rc;
	secmem_wipe(b->rec, n);
	b->want_chars = base32_encoded_len(need);
	b->want_lines = (b->want_chars + LINE_CHARS - 1) / LINE_CHARS;
	return 0;
}

/* Parse "NN" and the blank after it; *i is left after the number. */
static int
block_line_number(struct share_block *b, const char *line, size_t n,
    size_t *i)
{
	unsigned int num = 0, want = b->lines + 1;

	for (*i = 0; *i < n && *i < 3 && line[*i] >= '0' && line[*i] <= '9';
	    (*i)++)
		num = num * 10 + (unsigned int)(line[*i] - '0');
	if (*i == 0 || *i == 3 || *i == n ||
	    (line[*i] != ' ' && line[*i] != '\t'))
		return err_set(ERR_DATA, "%s line %u: expected the line number "
		    "%02u and a space at the start of the line", b->source,
		    want, want);
	if (num != want)
		return err_set(ERR_DATA, "%s: line %02u found where line %02u "
		    "was expected", b->source, num, want);
	if (b->want_lines != 0 && b->lines == b->want_lines)
		return err_set(ERR_DATA, "%s line %u: one line too many (the "
		    "share ends at line %u)", b->source, want, b->want_lines);
	if (b->lines == MAX_LINES)
		return err_set(ERR_DATA, "%s line %u: a share has at most %d "
		    "lines", b->source, want, MAX_LINES);
	return 0;
}

static int
block_line(struct share_block *b, const char *line, size_t n)
{
	char where[300];
	size_t i, k, bad;
	unsigned int want = b->lines + 1;
	int rc;

	if ((rc = block_line_number(b, line, n, &i)) != 0)
		return rc;
	snprintf(where, sizeof(where), "%s line %u", b->source, want);
	k = share_normalize(line + i, n - i, b->linebuf,
	    LINE_CHARS + LINE_CHECK, &bad);
	if (k == SIZE_MAX)
		return err_set(ERR_DATA, "%s: too many characters (at most %d "
		    "and the %d-character line check)", where, LINE_CHARS,
		    LINE_CHECK);
	if (bad != SIZE_MAX)
		return share_bad_char(where, (unsigned char)line[i + bad]);
	if (k < 1 + LINE_CHECK)
		return err_set(ERR_DATA, "%s: too short", where);
	if (line_verify(want, b->linebuf, k) != 0)
		return err_set(ERR_DATA, "%s: typo (line check does not "
		    "match)", where);
	if (b->lines > 0 && b->linelen[b->lines - 1] != LINE_CHARS)
		return err_set(ERR_DATA, "%s line %u: %zu characters where %d "
		    "were expected", b->source, b->lines,
		    b->linelen[b->lines - 1], LINE_CHARS);
	k -= LINE_CHECK;
	memcpy(b->chars + b->nchars, b->linebuf, k);
	b->nchars += k;
	b->linelen[b->lines++] = k;
	if (b->want_lines == 0 && b->nchars >= HEAD_CHARS)
		return block_layout(b);
	return 0;
}

static int
block_finish(struct share_block *b, int saw_end, struct share *s)
{
	size_t last, reclen;
	int rc;

	if (b->lines == 0)
		return err_set(ERR_DATA, "%s: the share block has no lines",
		    b->source);
	if (b->want_lines == 0)
		return err_set(ERR_DATA, "%s: truncated share (ends at line "
		    "%u)", b->source, b->lines);
	if (b->lines < b->want_lines)
		return err_set(ERR_DATA, "%s: truncated share (ends at line %u "
		    "of %u)", b->source, b->lines, b->want_lines);
	if (!saw_end)
		return err_set(ERR_DATA, "%s: truncated share (no END line "
		    "after line %u)", b->source, b->lines);
	if (b->nchars != b->want_chars) {
		last = b->want_chars - (size_t)LINE_CHARS * (b->lines - 1);
		return err_set(ERR_DATA, "%s line %u: %zu characters where %zu "
		    "were expected", b->source, b->lines,
		    b->linelen[b->lines - 1], last);
	}
	if ((rc = base32_decode(b->chars, b->nchars, b->rec, SHARE_RECORD_MAX,
	    &reclen)) != 0)
		return err_set(ERR_DATA, "%s: damaged share (the characters do "
		    "not decode)", b->source);
	return share_decode(b->rec, reclen, b->source, s);
}

/* Read the block after the BEGIN line at *pos. */
static int
share_parse_block(const char *text, size_t len, size_t pos,
    const char *source, struct share *s)
{
	struct share_block b;
	const char *line;
	size_t n;
	int rc = 0, saw_end = 0;

	memset(&b, 0, sizeof(b));
	b.source = source;
	b.chars = secmem_alloc(MAX_CHARS + 1);
	b.linebuf = secmem_alloc(LINE_CHARS + LINE_CHECK);
	b.rec = secmem_alloc(SHARE_RECORD_MAX);
	if (b.chars == NULL || b.linebuf == NULL || b.rec == NULL) {
		rc = err_set(ERR_INTERNAL, "share: out of locked memory");
		goto out;
	}
	while (rc == 0 && !saw_end && next_line(text, len, &pos, &line, &n)) {
		trim(&line, &n);
		if (n == 0)
			continue;
		if (is_marker(line, n, SHARE_END))
			saw_end = 1;
		else
			rc = block_line(&b, line, n);
	}
	/* A second block would be ignored silently: refuse instead. */
	while (rc == 0 && next_line(text, len, &pos, &line, &n))
		if (is_marker(line, n, SHARE_BEGIN))
			rc = err_set(ERR_DATA, "%s: more than one share in the "
			    "input", source);
	if (rc == 0)
		rc = block_finish(&b, saw_end, s);
out:
	secmem_free(b.chars);
	secmem_free(b.linebuf);
	secmem_free(b.rec);
	return rc;
}

/* After "PKISHARE": the format digits and ':'; *i is left after it. */
static int
payload_version(const char *p, size_t n, const char *source, size_t *i)
{
	size_t d;

	for (d = 0; d < n && d < 3 && p[d] >= '0' && p[d] <= '9'; d++)
		;
	if (d == 0 || d == 3 || d == n || p[d] != ':')
		return err_set(ERR_DATA, "%s: QR payload does not start with "
		    "%s", source, SHARE_QR_PREFIX);
	if (d != 1 || p[0] != '1')
		return err_set(ERR_DATA, "%s: QR payload format v%.*s not "
		    "supported", source, (int)d, p);
	*i = d + 1;
	return 0;
}

/* A bare payload or zbarimg's "QR-Code:payload" on the first line. */
static int
share_parse_payload(const char *line, size_t n, const char *rest,
    size_t restlen, const char *source, struct share *s)
{
	char *buf = NULL, where[300];
	unsigned char *rec = NULL;
	size_t i = 0, k, bad, reclen;
	int rc;

	if (n >= 8 && strncasecmp(line, "QR-Code:", 8) == 0) {
		line += 8;
		n -= 8;
	}
	if (n < 8 || strncasecmp(line, "PKISHARE", 8) != 0)
		return err_set(ERR_DATA, "%s: no share found (expected a "
		    "BEGIN PKI ROOT BACKUP SHARE block or a %s QR payload)",
		    source, SHARE_QR_PREFIX);
	if ((rc = payload_version(line + 8, n - 8, source, &i)) != 0)
		return rc;
	for (k = 0; k < restlen; k++)
		if (rest[k] != ' ' && rest[k] != '\t' && rest[k] != '\r' &&
		    rest[k] != '\n')
			return err_set(ERR_DATA, "%s: text after the QR "
			    "payload (one share per input)", source);
	line += 8 + i;
	n -= 8 + i;
	snprintf(where, sizeof(where), "%s (QR payload)", source);
	if ((buf = secmem_alloc(MAX_CHARS)) == NULL ||
	    (rec = secmem_alloc(SHARE_RECORD_MAX)) == NULL) {
		rc = err_set(ERR_INTERNAL, "share: out of locked memory");
		goto out;
	}
	k = share_normalize(line, n, buf, MAX_CHARS, &bad);
	if (k == SIZE_MAX)
		rc = err_set(ERR_DATA, "%s: too long (at most %d characters)",
		    where, MAX_CHARS);
	else if (bad != SIZE_MAX)
		rc = share_bad_char(where, (unsigned char)line[bad]);
	else if (base32_decode(buf, k, rec, SHARE_RECORD_MAX, &reclen) != 0)
		rc = err_set(ERR_DATA, "%s: damaged or truncated share (%zu "
		    "characters do not make whole bytes)", where, k);
	else
		rc = share_decode(rec, reclen, source, s);
out:
	secmem_free(buf);
	secmem_free(rec);
	return rc;
}

int
share_parse(const char *text, size_t len, const char *source,
    struct share *s)
{
	const char *line, *first = NULL;
	size_t pos = 0, n, firstn = 0, firstend = 0;

	if (s == NULL || (text == NULL && len > 0))
		return err_set(ERR_INTERNAL, "share: no buffer to parse");
	if (source == NULL)
		source = "share";
	secmem_wipe(s, sizeof(*s));
	while (next_line(text, len, &pos, &line, &n)) {
		if (is_marker(line, n, SHARE_BEGIN))
			return share_parse_block(text, len, pos, source, s);
		trim(&line, &n);
		if (first == NULL && n > 0) {
			first = line;
			firstn = n;
			firstend = pos;
		}
	}
	if (first == NULL)
		return err_set(ERR_DATA, "%s: no share found (the input is "
		    "empty)", source);
	return share_parse_payload(first, firstn, text + firstend,
	    len - firstend, source, s);
}
