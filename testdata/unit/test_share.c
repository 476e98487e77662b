/*
 * test_share.c: unit tests for common/share.c.
 *
 * Includes share.c itself to reach the GF(32) line check and the record
 * check, so that malformed records can be built with a correct check.
 * Covers: round trips through the record, the text block and the QR
 * payload; every single-character change and every adjacent swap in
 * every line of sample sheets, each caught and its line named; any two
 * changed characters in a full line (the distance-3 claim) by
 * exhaustion; truncation, extra lines, wrong order; every malformed
 * field; lower case, dashes, surrounding text and zbarimg output.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../../common/share.c"

#include "err.h"
#include "harness.h"
#include "secmem.h"

static const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static void
sample(struct share *s, const char *label, unsigned char x)
{
	memset(s, 0, sizeof(*s));
	s->version = SHARE_VERSION;
	s->kind = SHARE_KIND_KEK;
	randombytes_buf(s->set_id, sizeof(s->set_id));
	s->m = 3;
	s->n = 5;
	s->x = x;
	randombytes_buf(s->fp_prefix, sizeof(s->fp_prefix));
	snprintf(s->custodian, sizeof(s->custodian), "%s", label);
	randombytes_buf(s->y, sizeof(s->y));
}

static int
same(const struct share *a, const struct share *b)
{
	return a->version == b->version && a->kind == b->kind &&
	    memcmp(a->set_id, b->set_id, SHARE_SET_ID_LEN) == 0 &&
	    a->m == b->m && a->n == b->n && a->x == b->x &&
	    memcmp(a->fp_prefix, b->fp_prefix, SHARE_FP_PREFIX_LEN) == 0 &&
	    strcmp(a->custodian, b->custodian) == 0 &&
	    memcmp(a->y, b->y, SHARE_Y_LEN) == 0;
}

/* share_parse of a NUL-terminated text; 0 or the error code. */
static int
parse(const char *text, struct share *out)
{
	return share_parse(text, strlen(text), "sheet.txt", out);
}

static unsigned int
slow_mul32(unsigned int a, unsigned int b)
{
	unsigned int r = 0;
	int i;

	for (i = 0; i < 5; i++)
		if (b & (1U << i))
			r ^= a << i;
	for (i = 9; i >= 5; i--)
		if (r & (1U << i))
			r ^= 0x25U << (i - 5);
	return r;
}

static void
test_gf32(void)
{
	unsigned int a, b, p = 1, order = 0, bad = 0;

	for (a = 0; a < 32; a++)
		for (b = 0; b < 32; b++)
			if (gf32_mul(a, b) != slow_mul32(a, b))
				bad++;
	CHECK(bad == 0, "gf32_mul equals the slow reference (%u differ)",
	    bad);
	do {
		p = gf32_mul(p, 2);
		order++;
	} while (p != 1 && order < 40);
	CHECK(order == 31, "2 has order 31 in GF(32) (got %u)", order);
	for (a = 1, bad = 0; a < 32; a++)
		if (gf32_mul(a, gf32_inv(a)) != 1)
			bad++;
	CHECK(bad == 0, "gf32 inverses (%u wrong)", bad);
}

/*
 * The distance-3 claim on a full line (line number, 28 characters and
 * the check: 31 symbols): every one- or two-symbol error is seen.
 */
static void
test_line_code_distance(void)
{
	char line[LINE_CHARS + LINE_CHECK];
	unsigned int i, j, e, f, missed = 0, tried = 0;
	char ci, cj;

	for (i = 0; i < LINE_CHARS; i++)
		line[i] = alphabet[randombytes_uniform(32)];
	line_check(6, line, LINE_CHARS, line + LINE_CHARS);
	CHECK(line_verify(6, line, sizeof(line)) == 0, "a fresh line checks");
	/* Positions 1..30 are characters; the line number is position 0. */
	for (i = 0; i < sizeof(line); i++) {
		ci = line[i];
		for (e = 1; e < 32; e++) {
			line[i] = base32_char(base32_value(ci) ^ e);
			tried++;
			missed += line_verify(6, line, sizeof(line)) == 0;
			for (j = i + 1; j < sizeof(line); j++) {
				cj = line[j];
				for (f = 1; f < 32; f++) {
					line[j] = base32_char(
					    base32_value(cj) ^ f);
					tried++;
					missed += line_verify(6, line,
					    sizeof(line)) == 0;
				}
				line[j] = cj;
			}
		}
		line[i] = ci;
	}
	CHECK(missed == 0 && tried == 30 * 31 + 435 * 961, "all %u one- and "
	    "two-character errors in a full line are detected (%u missed)",
	    tried, missed);
}

static void
test_roundtrip(void)
{
	struct share *s, *t;
	unsigned char *rec;
	char *text = NULL, *qr = NULL, *z;
	size_t len, i, bad = 0;

	s = secmem_alloc(sizeof(*s));
	t = secmem_alloc(sizeof(*t));
	rec = secmem_alloc(SHARE_RECORD_MAX);
	z = secmem_alloc(400);
	sample(s, "Alice Example", 2);
	CHECK_RC(share_encode(s, rec, &len), 0, "encode");
	CHECK(len == 58 + 13, "record is 58 + label bytes (%zu)", len);
	CHECK(rec[0] == 1 && rec[1] == 1 && rec[10] == 3 && rec[11] == 5 &&
	    rec[12] == 2 && rec[21] == 13 &&
	    memcmp(rec + 22, "Alice", 5) == 0 &&
	    memcmp(rec + 35, s->y, 32) == 0,
	    "record layout as in pki-share(5)");
	CHECK_RC(share_decode(rec, len, "rec", t), 0, "decode");
	CHECK(same(s, t), "record round trip");

	CHECK_RC(share_format_text(s, &text), 0, "format text");
	printf("# sample sheet:\n%s", text);
	CHECK(strncmp(text, SHARE_BEGIN "\n01  ", 42) == 0 &&
	    strstr(text, "\n" SHARE_END "\n") != NULL,
	    "text block has BEGIN, numbered lines, END");
	CHECK(text[4 + 38 + 4] == ' ' && text[38 + 4 + 34] == ' ' &&
	    text[38 + 4 + 35] == ' ' && text[38 + 42] == '\n',
	    "line layout: NN, 2 spaces, 7 groups of 4, 2 spaces, 2 checks");
	memset(t, 0xAA, sizeof(*t));
	CHECK_RC(parse(text, t), 0, "parse text");
	CHECK(same(s, t), "text round trip");

	CHECK_RC(share_format_qr(s, &qr), 0, "format qr");
	for (i = 0; qr[i] != '\0'; i++)
		if (strchr("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:",
		    qr[i]) == NULL)
			bad++;
	CHECK(bad == 0 && strncmp(qr, "PKISHARE1:", 10) == 0 &&
	    strlen(qr) == 10 + base32_encoded_len(len),
	    "QR payload: PKISHARE1: + base32, alphanumeric mode only");
	memset(t, 0, sizeof(*t));
	CHECK_RC(parse(qr, t), 0, "parse QR payload");
	CHECK(same(s, t), "QR round trip");
	snprintf(z, 400, "QR-Code:%s\n", qr);
	memset(t, 0, sizeof(*t));
	CHECK_RC(parse(z, t), 0, "parse zbarimg output");
	CHECK(same(s, t), "zbarimg round trip");
	for (i = 0; z[i] != '\0'; i++)
		z[i] = (char)((z[i] >= 'A' && z[i] <= 'Z') ? z[i] + 32 : z[i]);
	CHECK_RC(parse(z + 8, t), 0, "parse lower-case payload");
	CHECK(same(s, t), "lower-case payload round trip");

	secmem_free(text);
	secmem_free(qr);
	secmem_free(z);
	secmem_free(rec);
	secmem_free(s);
	secmem_free(t);
}

/* Lower case, dashes for spaces, text around the block, CRLF. */
static void
test_lenient_input(void)
{
	struct share *s, *t;
	char *text = NULL, *buf, *p, *end;
	size_t i, o = 0;

	s = secmem_alloc(sizeof(*s));
	t = secmem_alloc(sizeof(*t));
	buf = secmem_alloc(1200);
	sample(s, "Bob", 5);
	(void)share_format_text(s, &text);
	end = strstr(text, SHARE_END);
	o = (size_t)snprintf(buf, 1200, "Root CA backup share\r\nset tag "
	    "ABCD, share 5 of 5\r\n\r\n");
	for (i = 0; text[i] != '\0'; i++) {
		p = text + i;
		if (*p == '\n')
			buf[o++] = '\r';
		if (*p >= 'A' && *p <= 'Z' && i > 40)
			buf[o++] = (char)(*p + 32);
		else if (*p == ' ' && i > 40 && p < end && p[-1] != ' ' &&
		    p[1] != ' ' && i % 2 == 0)
			buf[o++] = '-';
		else
			buf[o++] = *p;
	}
	o += (size_t)snprintf(buf + o, 1200 - o, "\r\nTo restore: ...\r\n");
	CHECK_RC(share_parse(buf, o, "sheet.txt", t), 0, "lower case, "
	    "dashes, CRLF and surrounding text accepted");
	CHECK(same(s, t), "lenient input gives the same share");
	CHECK(strchr(buf + 40, '-') != NULL && strstr(buf, "\r\n") != NULL,
	    "the lenient input had dashes and CRLF");
	secmem_free(text);
	secmem_free(buf);
	secmem_free(s);
	secmem_free(t);
}

/* The line number of the text line holding offset off (0 = BEGIN). */
static unsigned int
line_of(const char *text, size_t off)
{
	unsigned int l = 0;
	size_t i;

	for (i = 0; i < off; i++)
		if (text[i] == '\n')
			l++;
	return l;
}

static int
names_line(unsigned int line, const char *what)
{
	char want[64];

	snprintf(want, sizeof(want), "sheet.txt line %u: %s", line, what);
	return strstr(err_msg(), want) != NULL;
}

/* Every substitution of every character of every line, and 0/1/8/9. */
static void
test_every_change(const char *label)
{
	struct share *s, *t;
	char *text = NULL, orig;
	size_t i, nlines, changes = 0, caught = 0, bad = 0, badnamed = 0;
	unsigned int c, line;

	s = secmem_alloc(sizeof(*s));
	t = secmem_alloc(sizeof(*t));
	sample(s, label, 1);
	(void)share_format_text(s, &text);
	nlines = line_of(text, strlen(text)) - 2;
	for (i = sizeof(SHARE_BEGIN); text[i] != '-'; i++) {
		if (strchr(alphabet, text[i]) == NULL || text[i] == '\0' ||
		    text[i - 1] == '\n' || text[i - 2] == '\n')
			continue;	/* spaces, newlines, line numbers */
		orig = text[i];
		line = line_of(text, i);
		for (c = 0; c < 32; c++) {
			if (alphabet[c] == orig)
				continue;
			text[i] = alphabet[c];
			changes++;
			if (parse(text, t) == ERR_DATA && names_line(line,
			    "typo (line check does not match)"))
				caught++;
		}
		text[i] = '0' + (char)(i % 2) + (char)(i % 3 == 0 ? 8 : 0);
		if (parse(text, t) == ERR_DATA && names_line(line, "'"))
			badnamed++;
		bad++;
		text[i] = orig;
	}
	CHECK(changes > 0 && caught == changes, "label \"%s\" (%zu lines): "
	    "all %zu single-character changes caught, line named (%zu)",
	    label, nlines, changes, caught);
	CHECK(bad > 0 && badnamed == bad, "label \"%s\": 0, 1, 8 or 9 in each "
	    "of %zu places refused, line named (%zu)", label, bad, badnamed);
	CHECK_RC(parse(text, t), 0, "label \"%s\": the sheet is intact after",
	    label);
	secmem_free(text);
	secmem_free(s);
	secmem_free(t);
}

/* Every swap of two adjacent, different characters of a line. */
static void
test_every_swap(const char *label)
{
	struct share *s, *t;
	char *text = NULL, tmp;
	size_t i, j, swaps = 0, caught = 0;

	s = secmem_alloc(sizeof(*s));
	t = secmem_alloc(sizeof(*t));
	sample(s, label, 4);
	(void)share_format_text(s, &text);
	for (i = sizeof(SHARE_BEGIN); text[i] != '-'; i++) {
		if (text[i] == ' ' || text[i] == '\n' || text[i - 1] == '\n' ||
		    text[i - 2] == '\n')
			continue;
		/* The next character on the line, across the spaces. */
		for (j = i + 1; text[j] == ' '; j++)
			;
		if (text[j] == '\n' || text[j] == text[i])
			continue;
		tmp = text[i];
		text[i] = text[j];
		text[j] = tmp;
		swaps++;
		if (parse(text, t) == ERR_DATA && names_line(line_of(text, i),
		    "typo (line check does not match)"))
			caught++;
		text[j] = text[i];
		text[i] = tmp;
	}
	CHECK(swaps > 100 && caught == swaps, "label \"%s\": all %zu adjacent "
	    "swaps caught, line named (%zu)", label, swaps, caught);
	secmem_free(text);
	secmem_free(s);
	secmem_free(t);
}

/* The text of s with line `drop` (1-based; 0 for none) left out. */
static char *
sheet_without(const struct share *s, unsigned int drop, int drop_end)
{
	char *text = NULL, *p, *q;
	char tag[8];

	(void)share_format_text(s, &text);
	if (drop > 0) {
		snprintf(tag, sizeof(tag), "\n%02u  ", drop);
		p = strstr(text, tag) + 1;
		q = strchr(p, '\n') + 1;
		memmove(p, q, strlen(q) + 1);
	}
	if (drop_end)
		*strstr(text, SHARE_END) = '\0';
	return text;
}

static void
test_structure(void)
{
	struct share *s, *t, *u;
	char *text, *other = NULL, *p, *q, *r, *buf;
	size_t n;

	s = secmem_alloc(sizeof(*s));
	t = secmem_alloc(sizeof(*t));
	u = secmem_alloc(sizeof(*u));
	buf = secmem_alloc(1200);
	sample(s, "Carol with a longer name", 3);	/* 5 lines */

	text = sheet_without(s, 5, 0);
	CHECK_RC(parse(text, t), ERR_DATA, "last line missing");
	CHECK(strstr(err_msg(), "sheet.txt: truncated share (ends at line 4 "
	    "of 5)") != NULL, "message: %s", err_msg());
	secmem_free(text);
	text = sheet_without(s, 0, 1);
	CHECK_RC(parse(text, t), ERR_DATA, "END line missing");
	CHECK(strstr(err_msg(), "truncated share (no END line after line "
	    "5)") != NULL, "message: %s", err_msg());
	*strstr(text, "\n02  ") = '\0';
	CHECK_RC(parse(text, t), ERR_DATA, "only line 1");
	CHECK(strstr(err_msg(), "truncated share (ends at line 1)") != NULL,
	    "message: %s", err_msg());
	secmem_free(text);
	text = sheet_without(s, 3, 0);
	CHECK_RC(parse(text, t), ERR_DATA, "line 3 missing");
	CHECK(strstr(err_msg(), "line 04 found where line 03 was expected") !=
	    NULL, "message: %s", err_msg());
	secmem_free(text);

	/* Line 2's content under number 3: the number is in the check. */
	(void)share_format_text(s, &text);
	p = strstr(text, "\n02  ") + 1;
	q = strstr(text, "\n03  ") + 1;
	memcpy(q + 2, p + 2, 40);
	CHECK_RC(parse(text, t), ERR_DATA, "line 2 copied as line 3");
	CHECK(names_line(3, "typo"), "message: %s", err_msg());
	secmem_free(text);

	/* Line 5 of a 5-line share spliced onto a 4-line share. */
	sample(u, "Dan", 1);
	(void)share_format_text(s, &text);
	(void)share_format_text(u, &other);
	p = strstr(text, "\n05  ") + 1;
	q = strstr(other, SHARE_END);
	n = (size_t)(q - other);
	memcpy(buf, other, n);
	r = strchr(p, '\n') + 1;
	memcpy(buf + n, p, (size_t)(r - p));
	memcpy(buf + n + (size_t)(r - p), q, strlen(q) + 1);
	CHECK_RC(parse(buf, t), ERR_DATA, "one line too many");
	CHECK(strstr(err_msg(), "sheet.txt line 5: one line too many (the "
	    "share ends at line 4)") != NULL, "message: %s", err_msg());
	/* Line 4 of the short share is short: fine only as the last line. */
	CHECK_RC(parse(other, t), 0, "the 4-line share parses");
	n = strlen(other);
	memcpy(buf, other, n);
	memcpy(buf + n, other, n + 1);
	CHECK_RC(parse(buf, t), ERR_DATA, "two blocks in one input");
	CHECK(strstr(err_msg(), "more than one share") != NULL, "message: %s",
	    err_msg());
	secmem_free(text);
	secmem_free(other);

	CHECK_RC(parse("", t), ERR_DATA, "empty input");
	CHECK_RC(parse("hello\nworld\n", t), ERR_DATA, "no share in text");
	CHECK(strstr(err_msg(), "no share found") != NULL, "message: %s",
	    err_msg());
	CHECK_RC(parse(SHARE_BEGIN "\n" SHARE_END "\n", t), ERR_DATA,
	    "empty block");
	CHECK_RC(parse(SHARE_BEGIN "\nAB CD\n" SHARE_END "\n", t), ERR_DATA,
	    "line without number");
	CHECK(strstr(err_msg(), "line 1: expected the line number 01") != NULL,
	    "message: %s", err_msg());
	secmem_free(buf);
	secmem_free(s);
	secmem_free(t);
	secmem_free(u);
}

/* Encode s, apply a change at off, recompute the record check. */
static size_t
forged(const struct share *s, size_t off, unsigned char val,
    unsigned char *rec)
{
	size_t len;

	(void)share_encode(s, rec, &len);
	rec[off] = val;
	(void)share_record_check(rec, len - 4, rec + len - 4);
	return len;
}

static void
test_fields(void)
{
	struct share *s, *t;
	unsigned char *rec;
	size_t len;

	s = secmem_alloc(sizeof(*s));
	t = secmem_alloc(sizeof(*t));
	rec = secmem_alloc(SHARE_RECORD_MAX + 8);
	sample(s, "Erin", 2);

	len = forged(s, 0, 2, rec);
	CHECK_RC(share_decode(rec, len, "s.txt", t), ERR_DATA, "version 2");
	CHECK(strcmp(err_msg(), "s.txt: share format v2 not supported") == 0,
	    "message: %s", err_msg());
	len = forged(s, 1, 3, rec);
	CHECK_RC(share_decode(rec, len, "s.txt", t), ERR_DATA, "kind 3");
	CHECK(strstr(err_msg(), "share kind 3 not supported") != NULL,
	    "message: %s", err_msg());
	len = forged(s, 1, 2, rec);
	CHECK_RC(share_decode(rec, len, "s.txt", t), ERR_DATA, "kind 2");
	len = forged(s, 12, 0, rec);
	CHECK_RC(share_decode(rec, len, "s.txt", t), ERR_DATA, "x=0");
	CHECK(strcmp(err_msg(), "s.txt: share index 0 is not valid") == 0,
	    "message: %s", err_msg());
	len = forged(s, 12, 6, rec);
	CHECK_RC(share_decode(rec, len, "s.txt", t), ERR_DATA, "x>N");
	CHECK(strstr(err_msg(), "share index 6 is larger than the share count "
	    "5") != NULL, "message: %s", err_msg());
	len = forged(s, 10, 6, rec);
	CHECK_RC(share_decode(rec, len, "s.txt", t), ERR_DATA, "M>N");
	CHECK(strstr(err_msg(), "threshold 6 of 5") != NULL, "message: %s",
	    err_msg());
	len = forged(s, 10, 1, rec);
	CHECK_RC(share_decode(rec, len, "s.txt", t), ERR_DATA, "M=1");
	len = forged(s, 11, 17, rec);
	CHECK_RC(share_decode(rec, len, "s.txt", t), ERR_DATA, "N=17");
	len = forged(s, 11, 255, rec);
	CHECK_RC(share_decode(rec, len, "s.txt", t), ERR_DATA, "N=255");
	len = forged(s, 22, 0x07, rec);
	CHECK_RC(share_decode(rec, len, "s.txt", t), ERR_DATA, "BEL in label");
	CHECK(strstr(err_msg(), "control character") != NULL, "message: %s",
	    err_msg());
	len = forged(s, 22, 0, rec);
	CHECK_RC(share_decode(rec, len, "s.txt", t), ERR_DATA, "NUL in label");
	len = forged(s, 22, 0xC0, rec);
	CHECK_RC(share_decode(rec, len, "s.txt", t), ERR_DATA,
	    "invalid UTF-8 in label");
	CHECK(strstr(err_msg(), "not valid UTF-8") != NULL, "message: %s",
	    err_msg());
	len = forged(s, 21, 33, rec);
	CHECK_RC(share_decode(rec, len, "s.txt", t), ERR_DATA, "label 33");
	CHECK(strstr(err_msg(), "custodian label of 33 bytes") != NULL,
	    "message: %s", err_msg());
	CHECK(t->x == 0 && t->y[0] == 0 && t->m == 0, "s is wiped on error");

	(void)share_encode(s, rec, &len);
	CHECK_RC(share_decode(rec, len - 1, "s.txt", t), ERR_DATA, "truncated");
	CHECK(strstr(err_msg(), "truncated share") != NULL, "message: %s",
	    err_msg());
	CHECK_RC(share_decode(rec, 10, "s.txt", t), ERR_DATA, "10 bytes");
	CHECK_RC(share_decode(rec, 0, "s.txt", t), ERR_DATA, "0 bytes");
	rec[len] = 0;
	CHECK_RC(share_decode(rec, len + 1, "s.txt", t), ERR_DATA,
	    "trailing byte");
	CHECK(strstr(err_msg(), "trailing bytes after the share (1)") != NULL,
	    "message: %s", err_msg());
	rec[40] ^= 1;
	CHECK_RC(share_decode(rec, len, "s.txt", t), ERR_DATA, "flipped bit");
	CHECK(strstr(err_msg(), "record check does not match") != NULL,
	    "message: %s", err_msg());
	rec[40] ^= 1;
	CHECK_RC(share_decode(rec, len, "s.txt", t), 0, "original decodes");

	snprintf(s->custodian, sizeof(s->custodian), "Zo\xc3\xab");
	CHECK_RC(share_encode(s, rec, &len), 0, "UTF-8 label encodes");
	CHECK_RC(share_decode(rec, len, "s.txt", t), 0, "UTF-8 label decodes");
	memset(s->custodian, 'a', sizeof(s->custodian));
	CHECK_RC(share_encode(s, rec, &len), ERR_DATA, "label 33 not encoded");
	snprintf(s->custodian, sizeof(s->custodian), "tab\there");
	CHECK_RC(share_encode(s, rec, &len), ERR_DATA, "tab not encoded");
	snprintf(s->custodian, sizeof(s->custodian), "%s", "Erin");
	s->x = 0;
	CHECK_RC(share_encode(s, rec, &len), ERR_DATA, "x=0 not encoded");
	secmem_free(rec);
	secmem_free(s);
	secmem_free(t);
}

/* A text block of the characters b32 with correct line checks. */
static void
make_block(char *out, const char *b32)
{
	size_t o, pos, k, n = strlen(b32);
	unsigned int lineno = 1;

	memcpy(out, SHARE_BEGIN "\n", sizeof(SHARE_BEGIN));
	o = sizeof(SHARE_BEGIN);
	for (pos = 0; pos < n; pos += k, lineno++) {
		k = n - pos < LINE_CHARS ? n - pos : LINE_CHARS;
		o += share_put_line(out + o, lineno, b32 + pos, k);
	}
	memcpy(out + o, SHARE_END "\n", sizeof(SHARE_END) + 1);
}

/* Malformed records through the text and QR forms. */
static void
test_forms_refuse(void)
{
	struct share *s, *t;
	unsigned char *rec;
	char *b32, *text;
	size_t len;

	s = secmem_alloc(sizeof(*s));
	t = secmem_alloc(sizeof(*t));
	rec = secmem_alloc(SHARE_RECORD_MAX + 8);
	b32 = secmem_alloc(300);
	text = secmem_alloc(600);
	sample(s, "Frank", 2);

	len = forged(s, 0, 2, rec);
	snprintf(text, 600, "PKISHARE1:");
	(void)base32_encode(rec, len, text + 10);
	CHECK_RC(parse(text, t), ERR_DATA, "QR payload with version 2 record");
	CHECK(strstr(err_msg(), "share format v2 not supported") != NULL,
	    "message: %s", err_msg());
	(void)share_encode(s, rec, &len);
	rec[len] = 0x55;
	(void)base32_encode(rec, len + 1, text + 10);
	CHECK_RC(parse(text, t), ERR_DATA, "QR payload with a trailing byte");
	CHECK(strstr(err_msg(), "trailing bytes") != NULL, "message: %s",
	    err_msg());
	(void)base32_encode(rec, len - 5, text + 10);
	CHECK_RC(parse(text, t), ERR_DATA, "truncated QR payload");
	CHECK(strstr(err_msg(), "truncated share") != NULL, "message: %s",
	    err_msg());
	(void)base32_encode(rec, len, text + 10);
	text[20] = '8';
	CHECK_RC(parse(text, t), ERR_DATA, "QR payload with '8'");
	CHECK(strstr(err_msg(), "sheet.txt (QR payload): '8' is not a share "
	    "character") != NULL, "message: %s", err_msg());
	memcpy(text, "PKISHARE2:", 10);
	CHECK_RC(parse(text, t), ERR_DATA, "PKISHARE2");
	CHECK(strstr(err_msg(), "QR payload format v2 not supported") != NULL,
	    "message: %s", err_msg());
	secmem_free(b32);
	(void)share_format_qr(s, &b32);
	snprintf(text, 600, "QR-Code:%s\nQR-Code:%s\n", b32, b32);
	CHECK_RC(parse(text, t), ERR_DATA, "two QR codes");
	CHECK(strstr(err_msg(), "text after the QR payload") != NULL,
	    "message: %s", err_msg());
	secmem_free(b32);

	/* A version 2 record laid out as a text block. */
	len = forged(s, 0, 2, rec);
	b32 = secmem_alloc(300);
	(void)base32_encode(rec, len, b32);
	make_block(text, b32);
	CHECK_RC(parse(text, t), ERR_DATA, "text block of a v2 record");
	CHECK(strstr(err_msg(), "sheet.txt: share format v2 not supported") !=
	    NULL, "message: %s", err_msg());
	secmem_free(b32);
	secmem_free(text);
	secmem_free(rec);
	secmem_free(s);
	secmem_free(t);
}

static void
test_set_tag(void)
{
	unsigned char id[8] = { 0xff, 0, 0, 0, 0, 0, 0, 1 };
	char tag[5], b32[16];

	share_set_tag(id, tag);
	(void)base32_encode(id, 8, b32);
	CHECK(strlen(tag) == 4 && strncmp(tag, b32, 4) == 0 &&
	    strcmp(tag, "74AA") == 0, "set tag is the first 4 base32 "
	    "characters (%s)", tag);
}

int
main(void)
{
	if (secmem_init() != 0)
		return 70;
	test_gf32();
	test_line_code_distance();
	test_roundtrip();
	test_lenient_input();
	test_every_change("Alice Example");
	test_every_change("");
	test_every_change("Carol with a longer name 0123456");
	test_every_swap("Alice Example");
	test_every_swap("Carol with a longer name 0123456");
	test_structure();
	test_fields();
	test_forms_refuse();
	test_set_tag();
	return harness_done();
}
