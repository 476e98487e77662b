/*
 * sheet.c: a custodian's share sheet: text, QR as SVG and PBM.
 *
 * Every buffer that holds share text or the QR matrix is a secmem
 * buffer, wiped on every path.  Files are created new (O_EXCL), 0600.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"
#include "qr.h"
#include "secmem.h"
#include "sheet.h"

#define SHEET_MAX	8192
#define PBM_SCALE	4

static const char sheet_head[] =
    "PKI ROOT CA BACKUP SHARE\n"
    "========================\n"
    "This sheet is one share of the encrypted backup of a root CA private\n"
    "key.  Alone it reveals nothing.  Any %u of the %u shares, together\n"
    "with the backup file, recover the key.\n"
    "\n"
    "Share:            %u of %u (any %u recover the key)\n"
    "Custodian:        %s\n"
    "Share set:        %s\n"
    "Root certificate: %s\n"
    "Root key SHA-256: %s\n"
    "Read aloud:       %s\n"
    "Created:          %s by %s\n"
    "\n";

static const char sheet_tail[] =
    "\n"
    "Alphabet: A B C D E F G H I J K L M N O P Q R S T U V W X Y Z 2 3 4 5 6 7\n"
    "(there is no 0, 1, 8 or 9: read O as the letter O, I as the letter I)\n"
    "Each numbered line ends in two check characters; the tool names the\n"
    "line of any typo.\n"
    "\n"
    "To check this share at any time:  pki-shares verify THIS-FILE\n"
    "To restore the root key:  bring %u custodians, the backup file and\n"
    "the root certificate to the ceremony laptop, then run\n"
    "  pki-root-restore --backup BACKUP --cert ROOT.pem SHARE...\n"
    "(shares may be given as files, typed, or scanned from the QR code).\n"
    "Keep this sheet sealed in its tamper-evident bag; report loss at once.\n";

static int
write_text(const char *dir, const struct share *s,
    const struct sheet_info *info)
{
	char *block = NULL, *sheet = NULL, *path = NULL, tag[5];
	int n, m, ret;

	share_set_tag(s->set_id, tag);
	if ((ret = share_format_text(s, &block)) != 0)
		return ret;
	if ((sheet = secmem_alloc(SHEET_MAX)) == NULL ||
	    (path = sheet_text_path(dir, s->x)) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	n = snprintf(sheet, SHEET_MAX, sheet_head, s->m, s->n, s->x, s->n,
	    s->m, s->custodian, tag, info->subject, info->fingerprint_hex,
	    info->fingerprint_words, info->created, info->program);
	m = n < 0 || n >= SHEET_MAX ? -1 : snprintf(sheet + n,
	    SHEET_MAX - (size_t)n, "%s", block);
	if (m < 0 || n + m >= SHEET_MAX ||
	    snprintf(sheet + n + m, SHEET_MAX - (size_t)(n + m), sheet_tail,
	    s->m) >= SHEET_MAX - n - m) {
		ret = err_set(ERR_INTERNAL, "share sheet too long");
		goto out;
	}
	ret = fileio_write_new(path, sheet, strlen(sheet), 0600);
out:
	free(path);
	if (sheet != NULL)
		secmem_free(sheet);
	secmem_free(block);
	return ret;
}

static int
write_named(const char *dir, unsigned x, const char *ext,
    const void *buf, size_t len)
{
	char name[32], *path;
	int ret;

	snprintf(name, sizeof(name), "share-%u.%s", x, ext);
	if ((path = fileio_join(dir, name)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	ret = fileio_write_new(path, buf, len, 0600);
	free(path);
	return ret;
}

static int
write_qr(const char *dir, const struct share *s)
{
	char *payload = NULL, *svg = NULL;
	unsigned char *pbm = NULL;
	struct qr *q = NULL;
	size_t pbmlen;
	int ret;

	if ((ret = share_format_qr(s, &payload)) != 0 ||
	    (ret = qr_encode(payload, &q)) != 0 ||
	    (ret = qr_svg(q, &svg)) != 0 ||
	    (ret = qr_pbm(q, PBM_SCALE, &pbm, &pbmlen)) != 0)
		goto out;
	if ((ret = write_named(dir, s->x, "svg", svg, strlen(svg))) != 0 ||
	    (ret = write_named(dir, s->x, "pbm", pbm, pbmlen)) != 0)
		goto out;
out:
	qr_free(q);
	secmem_free(payload);
	secmem_free(svg);
	secmem_free(pbm);
	return ret;
}

char *
sheet_text_path(const char *dir, unsigned x)
{
	char name[32];

	snprintf(name, sizeof(name), "share-%u.txt", x);
	return fileio_join(dir, name);
}

int
sheet_write(const char *dir, const struct share *s,
    const struct sheet_info *info)
{
	int ret;

	if ((ret = write_text(dir, s, info)) != 0)
		return ret;
	return write_qr(dir, s);
}

int
sheet_show(int fd, const struct share *s)
{
	char *payload = NULL, *block = NULL;
	struct qr *q = NULL;
	int ret;

	if ((ret = share_format_qr(s, &payload)) != 0 ||
	    (ret = qr_encode(payload, &q)) != 0 ||
	    (ret = share_format_text(s, &block)) != 0)
		goto out;
	dprintf(fd, "Share %u of %u for %s\n\n", s->x, s->n, s->custodian);
	if ((ret = qr_terminal(q, fd)) != 0)
		goto out;
	dprintf(fd, "\n%s\n", block);
out:
	qr_free(q);
	secmem_free(payload);
	secmem_free(block);
	return ret;
}

int
sheet_same_share(const struct share *a, const struct share *b)
{
	return a->x == b->x && memcmp(a->set_id, b->set_id,
	    sizeof(a->set_id)) == 0 && secmem_equal(a->y, b->y,
	    sizeof(a->y)) == 0;
}

int
sheet_readback(const char *dir, const struct share *shares, unsigned n)
{
	unsigned char *text = NULL;
	struct share *got;
	char *path = NULL;
	size_t len;
	unsigned i;
	int ret = 0;

	if ((got = secmem_alloc(sizeof(*got))) == NULL)
		return err_set(ERR_INTERNAL, "out of locked memory");
	for (i = 0; i < n && ret == 0; i++) {
		if ((path = sheet_text_path(dir, i + 1)) == NULL) {
			ret = err_set(ERR_INTERNAL, "out of memory");
			break;
		}
		ret = fileio_read_secret(path, SHEET_MAX, &text, &len);
		if (ret == 0 && (ret = share_parse((char *)text, len, path,
		    got)) == 0 && !sheet_same_share(got, &shares[i]))
			ret = err_set(ERR_INTERNAL, "%s does not hold the "
			    "share that was made", path);
		secmem_free(text);
		text = NULL;
		free(path);
	}
	secmem_free(got);
	return ret;
}

static int
add_input(struct sheet_inputs *in, const char *text, size_t len,
    const char *name)
{
	struct share *s;
	int ret;

	if (in->count == 16)
		return err_set(ERR_USAGE, "more than 16 shares given");
	if ((s = secmem_alloc(sizeof(*s))) == NULL)
		return err_set(ERR_INTERNAL, "out of locked memory");
	if ((ret = share_parse(text, len, name, s)) != 0) {
		secmem_free(s);
		return ret;
	}
	if ((in->names[in->count] = strdup(name)) == NULL) {
		secmem_free(s);
		return err_set(ERR_INTERNAL, "out of memory");
	}
	in->shares[in->count++] = s;
	return 0;
}

/* Split standard input into shares: one per BEGIN..END block, one per
 * QR payload line. */
static int
add_stdin(struct sheet_inputs *in, const char *text, size_t len)
{
	static const char end[] = "-----END PKI ROOT BACKUP SHARE-----";
	const char *p = text, *stop = text + len, *nl, *e;
	char name[32];
	unsigned k = 0;
	int ret;

	while (p < stop) {
		nl = memchr(p, '\n', (size_t)(stop - p));
		nl = nl == NULL ? stop : nl + 1;
		snprintf(name, sizeof(name), "stdin share %u", k + 1);
		if (strncmp(p, "QR-Code:", 8) == 0 ||
		    strncmp(p, "PKISHARE", 8) == 0) {
			if ((ret = add_input(in, p, (size_t)(nl - p),
			    name)) != 0)
				return ret;
			k++;
		} else if (strncmp(p, "-----BEGIN PKI ROOT BACKUP SHARE",
		    32) == 0) {
			if ((e = strstr(p, end)) == NULL)
				return err_set(ERR_DATA, "%s: truncated share "
				    "(no END line)", name);
			e += sizeof(end) - 1;
			if ((ret = add_input(in, p, (size_t)(e - p),
			    name)) != 0)
				return ret;
			k++;
			nl = e;
		}
		p = nl;
	}
	if (k == 0)
		return err_set(ERR_DATA, "standard input holds no share");
	return 0;
}

int
sheet_read_inputs(char *const *paths, int npaths, struct sheet_inputs *in)
{
	unsigned char *text = NULL;
	size_t len;
	int i, ret = 0;

	memset(in, 0, sizeof(*in));
	for (i = 0; i < npaths && ret == 0; i++) {
		/* Standard input may carry all 16 sheets of a set. */
		if ((ret = fileio_read_secret(paths[i], strcmp(paths[i],
		    "-") == 0 ? 16 * SHEET_MAX : SHEET_MAX, &text,
		    &len)) != 0)
			break;
		if (strcmp(paths[i], "-") == 0)
			ret = add_stdin(in, (char *)text, len);
		else
			ret = add_input(in, (char *)text, len, paths[i]);
		secmem_free(text);
		text = NULL;
	}
	if (ret != 0)
		sheet_inputs_free(in);
	return ret;
}

void
sheet_inputs_free(struct sheet_inputs *in)
{
	unsigned i;

	for (i = 0; i < in->count; i++) {
		secmem_free(in->shares[i]);
		free(in->names[i]);
	}
	in->count = 0;
}
