/*
 * test_sheet.c: unit tests for common/sheet.c.
 *
 * Writes the sheets of a 3-of-8 share set into a temp directory and
 * covers: share-N.txt, .svg and .pbm created with mode 0600 even under
 * umask 0, the text sheet describing itself (share x of N, threshold,
 * custodian, set, subject, fingerprint, the BEGIN/END block), an SVG and
 * a P4 PBM; a second sheet_write() refused (ERR_EXISTS) with the files
 * unchanged; sheet_readback() accepting the sheets and naming the sheet
 * after one character of it is edited (ERR_DATA), after it is replaced
 * by another share's sheet (ERR_INTERNAL) or removed (ERR_NOINPUT);
 * sheet_same_share(); sheet_show(); sheet_read_inputs() from files, from
 * "-" holding several BEGIN/END blocks (whole sheets, all eight of a set)
 * or several zbarimg "QR-Code:" lines, and its refusals: a typo
 * (ERR_DATA naming the file), an empty stdin (ERR_DATA), a missing file
 * (ERR_NOINPUT), 17 shares (ERR_USAGE), each leaving no shares behind.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "err.h"
#include "fileio.h"
#include "harness.h"
#include "secmem.h"
#include "sheet.h"
#include "share.h"

#define NSHARES	8

static char tmpdir[] = "/tmp/test_sheet.XXXXXX";
static struct share *shares;	/* secmem, NSHARES */

static const struct sheet_info info = {
	"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
	    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89",
	"aardvark absurd accrue acme adrift adult afflict ahead",
	"CN=Example Root CA,O=Example Org,C=DE",
	"2026-11-23T12:00:00Z",
	"pki-root-keygen 0.1.0"
};

/* tmpdir/name in a static buffer, one of four used in turn. */
static char *
tpath(const char *name)
{
	static char buf[4][512];
	static unsigned k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return buf[k];
}

static void
make_shares(void)
{
	static const char *const names[NSHARES] = { "Alice", "Bob", "Carol",
	    "Dave", "Eve", "Frank", "Grace", "Heidi" };
	unsigned char set[SHARE_SET_ID_LEN], fp[SHARE_FP_PREFIX_LEN];
	unsigned i;

	randombytes_buf(set, sizeof(set));
	randombytes_buf(fp, sizeof(fp));
	for (i = 0; i < NSHARES; i++) {
		struct share *s = &shares[i];

		memset(s, 0, sizeof(*s));
		s->version = SHARE_VERSION;
		s->kind = SHARE_KIND_KEK;
		memcpy(s->set_id, set, sizeof(set));
		s->m = 3;
		s->n = NSHARES;
		s->x = (unsigned char)(i + 1);
		memcpy(s->fp_prefix, fp, sizeof(fp));
		snprintf(s->custodian, sizeof(s->custodian), "%s", names[i]);
		randombytes_buf(s->y, sizeof(s->y));
	}
}

/* Whole file into a malloc'd NUL-terminated string, or NULL. */
static char *
slurp(const char *path, size_t *len)
{
	unsigned char *buf = NULL;
	size_t n;

	if (fileio_read(path, 1 << 20, &buf, &n) != 0)
		return NULL;
	if (len != NULL)
		*len = n;
	return (char *)buf;
}

static unsigned
mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISREG(st.st_mode) ?
	    (unsigned)(st.st_mode & 07777) : 01000000;
}

static void
check_text(const char *text)
{
	char tag[5];

	share_set_tag(shares[1].set_id, tag);
	CHECK(text != NULL && strstr(text, "2 of 8 (any 3 recover the key)") !=
	    NULL, "the sheet says share 2 of 8 and the threshold");
	CHECK(text != NULL && strstr(text, "Custodian:        Bob\n") != NULL,
	    "the sheet names the custodian");
	CHECK(text != NULL && strstr(text, tag) != NULL,
	    "the sheet shows the set tag %s", tag);
	CHECK(text != NULL && strstr(text, info.subject) != NULL &&
	    strstr(text, info.fingerprint_hex) != NULL &&
	    strstr(text, info.fingerprint_words) != NULL &&
	    strstr(text, info.program) != NULL,
	    "the sheet shows subject, fingerprint, words and program");
	CHECK(text != NULL && strstr(text, "-----BEGIN PKI ROOT BACKUP SHARE"
	    "-----\n") != NULL && strstr(text, "-----END PKI ROOT BACKUP "
	    "SHARE-----\n") != NULL, "the sheet holds the share block");
}

static void
test_write(void)
{
	static const char *ext[3] = { "txt", "svg", "pbm" };
	char name[32], *before, *after, *svg, *pbm;
	unsigned i, k, ok = 1;

	umask(0);
	for (i = 0; i < NSHARES; i++)
		CHECK_RC(sheet_write(tmpdir, &shares[i], &info), 0,
		    "write the sheets of share %u", i + 1);
	umask(077);
	for (i = 0; i < NSHARES; i++)
		for (k = 0; k < 3; k++) {
			snprintf(name, sizeof(name), "share-%u.%s", i + 1,
			    ext[k]);
			if (mode_of(tpath(name)) != 0600) {
				ok = 0;
				printf("# %s: mode %03o\n", name,
				    mode_of(tpath(name)));
			}
		}
	CHECK(ok, "share-N.txt, .svg and .pbm are regular files, mode 0600 "
	    "under umask 0");
	before = slurp(tpath("share-2.txt"), NULL);
	check_text(before);
	svg = slurp(tpath("share-2.svg"), NULL);
	CHECK(svg != NULL && strstr(svg, "<svg") != NULL &&
	    strstr(svg, "</svg>") != NULL, "share-2.svg is an SVG document");
	pbm = slurp(tpath("share-2.pbm"), NULL);
	CHECK(pbm != NULL && strncmp(pbm, "P4", 2) == 0,
	    "share-2.pbm is a binary PBM");
	free(svg);
	free(pbm);

	CHECK_RC(sheet_write(tmpdir, &shares[1], &info), ERR_EXISTS,
	    "writing share 2 again is ERR_EXISTS");
	after = slurp(tpath("share-2.txt"), NULL);
	CHECK(before != NULL && after != NULL && strcmp(before, after) == 0,
	    "and share-2.txt is unchanged");
	free(before);
	free(after);
	before = sheet_text_path(tmpdir, 4);
	CHECK(before != NULL && strcmp(before, tpath("share-4.txt")) == 0,
	    "sheet_text_path");
	free(before);
}

/* Replace path's content with text (not through fileio). */
static int
overwrite(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (f == NULL)
		return -1;
	ok = fwrite(text, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* Change one base32 character on the second line of the share block. */
static int
edit_block(char *text)
{
	char *p = strstr(text, "-----BEGIN PKI ROOT BACKUP SHARE-----\n");

	if (p == NULL || (p = strchr(p, '\n')) == NULL ||
	    (p = strchr(p + 1, '\n')) == NULL)
		return -1;
	p += 1;
	while (*p != '\0' && strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", *p)
	    == NULL)
		p++;
	p += 4;
	if (*p == '\0')
		return -1;
	*p = *p == 'Q' ? 'R' : 'Q';
	return 0;
}

static void
test_readback(void)
{
	char *orig, *other, *edited;
	size_t len, olen;

	CHECK_RC(sheet_readback(tmpdir, shares, NSHARES), 0,
	    "sheet_readback accepts the sheets");
	orig = slurp(tpath("share-3.txt"), &len);
	other = slurp(tpath("share-1.txt"), &olen);
	edited = orig != NULL ? strdup(orig) : NULL;
	if (edited == NULL || other == NULL || edit_block(edited) != 0) {
		CHECK(0, "prepare edited sheets");
		goto out;
	}
	overwrite(tpath("share-3.txt"), edited, len);
	CHECK_RC(sheet_readback(tmpdir, shares, NSHARES), ERR_DATA,
	    "one edited character in share-3.txt is caught");
	CHECK(strstr(err_msg(), "share-3.txt") != NULL,
	    "the message names the sheet (\"%s\")", err_msg());
	overwrite(tpath("share-3.txt"), other, olen);
	CHECK_RC(sheet_readback(tmpdir, shares, NSHARES), ERR_INTERNAL,
	    "share-3.txt holding share 1 is caught");
	CHECK(strstr(err_msg(), "share-3.txt") != NULL,
	    "the message names the sheet (\"%s\")", err_msg());
	unlink(tpath("share-3.txt"));
	CHECK_RC(sheet_readback(tmpdir, shares, NSHARES), ERR_NOINPUT,
	    "a missing sheet is ERR_NOINPUT");
	overwrite(tpath("share-3.txt"), orig, len);
	chmod(tpath("share-3.txt"), 0600);
	CHECK_RC(sheet_readback(tmpdir, shares, NSHARES), 0,
	    "restored, the sheets read back");
out:
	free(orig);
	free(other);
	free(edited);
}

static void
test_same_share(void)
{
	struct share *t = secmem_alloc(sizeof(*t));

	if (t == NULL)
		return;
	*t = shares[0];
	CHECK(sheet_same_share(t, &shares[0]) == 1, "same share");
	t->y[31] ^= 1;
	CHECK(sheet_same_share(t, &shares[0]) == 0, "another y");
	*t = shares[0];
	t->x = 2;
	CHECK(sheet_same_share(t, &shares[0]) == 0, "another index");
	*t = shares[0];
	t->set_id[7] ^= 1;
	CHECK(sheet_same_share(t, &shares[0]) == 0, "another set");
	secmem_free(t);
}

static void
test_show(void)
{
	char *out;
	int fd;

	fd = open(tpath("show.out"), O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK_RC(sheet_show(fd, &shares[2]), 0, "sheet_show");
	close(fd);
	out = slurp(tpath("show.out"), NULL);
	CHECK(out != NULL && strstr(out, "Share 3 of 8 for Carol") != NULL &&
	    strstr(out, "-----BEGIN PKI ROOT BACKUP SHARE-----") != NULL,
	    "it shows the share's heading and block");
	free(out);
	unlink(tpath("show.out"));
}

/* Run sheet_read_inputs() with stdin read from path. */
static int
read_with_stdin(const char *path, char *const *args, int nargs,
    struct sheet_inputs *in)
{
	int saved, fd, ret;

	fd = open(path, O_RDONLY);
	saved = dup(STDIN_FILENO);
	if (fd == -1 || saved == -1 || dup2(fd, STDIN_FILENO) == -1)
		return 12345;
	close(fd);
	ret = sheet_read_inputs(args, nargs, in);
	dup2(saved, STDIN_FILENO);
	close(saved);
	return ret;
}

static int
same_as(const struct sheet_inputs *in, const unsigned *xs, unsigned n)
{
	unsigned i;

	if (in->count != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!sheet_same_share(in->shares[i], &shares[xs[i] - 1]))
			return 0;
	return 1;
}

static void
test_inputs_files(void)
{
	char *args[3];
	struct sheet_inputs in;
	static const unsigned xs[3] = { 4, 2 };

	args[0] = tpath("share-4.txt");
	args[1] = tpath("share-2.txt");
	CHECK_RC(sheet_read_inputs(args, 2, &in), 0, "read two sheet files");
	CHECK(same_as(&in, xs, 2), "they hold shares 4 and 2");
	CHECK(in.count == 2 && strcmp(in.names[0], args[0]) == 0,
	    "inputs are named by path");
	sheet_inputs_free(&in);
	CHECK(in.count == 0, "sheet_inputs_free empties the set");
	args[1] = tpath("nothere.txt");
	CHECK_RC(sheet_read_inputs(args, 2, &in), ERR_NOINPUT,
	    "a missing file is ERR_NOINPUT");
	CHECK(in.count == 0, "and leaves no shares");
}

/* Concatenate the text sheets of shares xs[0..n-1] into path. */
static int
concat_sheets(const char *path, const unsigned *xs, unsigned n)
{
	FILE *f = fopen(path, "w");
	char *text, *p;
	unsigned i;
	int ok = f != NULL;

	for (i = 0; ok && i < n; i++) {
		p = sheet_text_path(tmpdir, xs[i]);
		text = p != NULL ? slurp(p, NULL) : NULL;
		ok = text != NULL && fputs(text, f) >= 0;
		free(text);
		free(p);
	}
	if (f != NULL && fclose(f) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

static void
test_inputs_stdin(void)
{
	static const unsigned two[2] = { 5, 1 };
	static const unsigned all[NSHARES] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	char *args[1] = { "-" }, *qr = NULL, *qr2 = NULL, *lines;
	struct sheet_inputs in;
	size_t len;

	concat_sheets(tpath("two.txt"), two, 2);
	CHECK_RC(read_with_stdin(tpath("two.txt"), args, 1, &in), 0,
	    "stdin with two whole sheets");
	CHECK(same_as(&in, two, 2), "gives shares 5 and 1");
	CHECK(in.count == 2 && strcmp(in.names[1], "stdin share 2") == 0,
	    "named \"stdin share 2\"");
	sheet_inputs_free(&in);

	/* "cat share-*.txt | pki-shares combine -" for a whole set. */
	concat_sheets(tpath("all.txt"), all, NSHARES);
	len = 0;
	free(slurp(tpath("all.txt"), &len));
	CHECK_RC(read_with_stdin(tpath("all.txt"), args, 1, &in), 0,
	    "stdin with all %d sheets of the set (%zu bytes)", NSHARES, len);
	CHECK(same_as(&in, all, NSHARES), "gives shares 1 to %d", NSHARES);
	sheet_inputs_free(&in);

	if (share_format_qr(&shares[2], &qr) != 0 ||
	    share_format_qr(&shares[3], &qr2) != 0 ||
	    (lines = secmem_alloc(strlen(qr) + strlen(qr2) + 32)) == NULL) {
		CHECK(0, "make QR payloads");
		goto out;
	}
	len = strlen(qr) + strlen(qr2) + 32;
	snprintf(lines, len, "QR-Code:%s\nQR-Code:%s\n", qr, qr2);
	len = strlen(lines);
	fileio_write_new(tpath("qr.txt"), lines, len, 0600);
	secmem_free(lines);
	CHECK_RC(read_with_stdin(tpath("qr.txt"), args, 1, &in), 0,
	    "stdin with two zbarimg lines");
	CHECK(same_as(&in, (const unsigned[]){ 3, 4 }, 2),
	    "gives shares 3 and 4");
	sheet_inputs_free(&in);
	fileio_write_new(tpath("empty.txt"), "", 0, 0600);
	CHECK_RC(read_with_stdin(tpath("empty.txt"), args, 1, &in), ERR_DATA,
	    "an empty stdin is ERR_DATA");
	CHECK(in.count == 0, "and leaves no shares");
out:
	secmem_free(qr);
	secmem_free(qr2);
}

static void
test_inputs_bad(void)
{
	char *text, *args[17];
	struct sheet_inputs in;
	size_t len;
	int i;

	text = slurp(tpath("share-1.txt"), &len);
	if (text == NULL || edit_block(text) != 0) {
		CHECK(0, "prepare a typo");
		free(text);
		return;
	}
	fileio_write_new(tpath("typo.txt"), text, len, 0600);
	free(text);
	args[0] = tpath("share-2.txt");
	args[1] = tpath("typo.txt");
	CHECK_RC(sheet_read_inputs(args, 2, &in), ERR_DATA,
	    "a typo is ERR_DATA");
	CHECK(strstr(err_msg(), "typo.txt line") != NULL,
	    "the message names the file and line (\"%s\")", err_msg());
	CHECK(in.count == 0, "and leaves no shares");
	args[0] = "-";
	CHECK_RC(read_with_stdin(tpath("typo.txt"), args, 1, &in), ERR_DATA,
	    "a typo on stdin is ERR_DATA");
	CHECK(strstr(err_msg(), "stdin share 1") != NULL,
	    "the message names the stdin share (\"%s\")", err_msg());

	for (i = 0; i < 17; i++)
		args[i] = tpath("share-1.txt");
	CHECK_RC(sheet_read_inputs(args, 17, &in), ERR_USAGE,
	    "17 shares are ERR_USAGE");
	CHECK(in.count == 0, "and leave no shares");
}

static void
cleanup(void)
{
	static const char *names[] = { "two.txt", "all.txt", "qr.txt",
	    "empty.txt", "typo.txt" };
	static const char *ext[3] = { "txt", "svg", "pbm" };
	char name[32];
	unsigned i, k;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(tpath(names[i]));
	for (i = 1; i <= NSHARES; i++)
		for (k = 0; k < 3; k++) {
			snprintf(name, sizeof(name), "share-%u.%s", i, ext[k]);
			unlink(tpath(name));
		}
	rmdir(tmpdir);
}

int
main(void)
{
	if (secmem_init() != 0 || mkdtemp(tmpdir) == NULL ||
	    (shares = secmem_alloc(NSHARES * sizeof(*shares))) == NULL) {
		printf("setup: %s\n", err_msg());
		return 1;
	}
	make_shares();
	test_write();
	test_readback();
	test_same_share();
	test_show();
	test_inputs_files();
	test_inputs_stdin();
	test_inputs_bad();
	secmem_free(shares);
	cleanup();
	return harness_done();
}
