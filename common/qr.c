/*
 * qr.c: QR codes for share sheets, through libqrencode.
 *
 * Trusts libqrencode to build a correct symbol; zbarimg checks that in
 * testdata/unit/test_qr.c.  Invariant: the module matrix and every
 * rendering of it exist only in secmem_alloc() buffers, and the matrix
 * libqrencode returns is wiped before it is freed, because the payload
 * is normally a Shamir share.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <qrencode.h>

#include "err.h"
#include "qr.h"
#include "secmem.h"

#define QR_QUIET	4	/* modules of white border, ISO/IEC 18004 */
#define QR_MM_TENTHS	8	/* printed module size: 0.8 mm */

struct qr {
	int	 version;
	int	 width;
	unsigned char *mod;	/* secmem, width * width, 1 = dark */
};

/* 1 if every character of s is in the QR alphanumeric set. */
static int
qr_alnum_only(const char *s)
{
	static const char set[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

	for (; *s != '\0'; s++)
		if (strchr(set, *s) == NULL)
			return 0;
	return 1;
}

static QRcode *
qr_lib_encode(const char *text, size_t len)
{
	QRinput *in;
	QRcode *code;

	if (!qr_alnum_only(text))
		return QRcode_encodeString(text, 0, QR_ECLEVEL_Q, QR_MODE_8,
		    1);
	/* One alphanumeric segment: 5.5 bits per character. */
	if ((in = QRinput_new2(0, QR_ECLEVEL_Q)) == NULL)
		return NULL;
	if (QRinput_append(in, QR_MODE_AN, (int)len,
	    (const unsigned char *)text) != 0) {
		QRinput_free(in);
		return NULL;
	}
	code = QRcode_encodeInput(in);
	QRinput_free(in);
	return code;
}

int
qr_encode(const char *text, struct qr **out)
{
	struct qr *q = NULL;
	QRcode *code = NULL;
	size_t len = strlen(text), i, n;
	int ret;

	*out = NULL;
	if (len == 0 || len > INT_MAX)
		return err_set(ERR_DATA, "QR payload is empty or too long");
	errno = 0;
	if ((code = qr_lib_encode(text, len)) == NULL) {
		if (errno == ERANGE || errno == EINVAL)
			return err_set(ERR_DATA, "a payload of %zu characters "
			    "does not fit a QR code at level Q", len);
		return err_set(ERR_INTERNAL, "QR encoding failed");
	}
	n = (size_t)code->width * (size_t)code->width;
	if ((q = secmem_alloc(sizeof(*q))) == NULL ||
	    (q->mod = secmem_alloc(n)) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of locked memory");
		goto out;
	}
	q->version = code->version;
	q->width = code->width;
	for (i = 0; i < n; i++)
		q->mod[i] = code->data[i] & 1;
	*out = q;
	q = NULL;
	ret = 0;
out:
	secmem_wipe(code->data, n);
	QRcode_free(code);
	if (q != NULL)
		secmem_free(q->mod);
	secmem_free(q);
	return ret;
}

void
qr_free(struct qr *q)
{
	if (q == NULL)
		return;
	secmem_free(q->mod);
	secmem_free(q);
}

int
qr_width(const struct qr *q)
{
	return q->width;
}

int
qr_version(const struct qr *q)
{
	return q->version;
}

int
qr_module(const struct qr *q, int x, int y)
{
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return 0;
	return q->mod[(size_t)y * (size_t)q->width + (size_t)x];
}

/* Append formatted text to buf (capacity cap, used *len); -1 if full. */
static int
bput(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
bput(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - *len)
		return -1;
	*len += (size_t)n;
	return 0;
}

/* The number of horizontal runs of dark modules. */
static size_t
qr_runs(const struct qr *q)
{
	size_t runs = 0;
	int x, y;

	for (y = 0; y < q->width; y++)
		for (x = 0; x < q->width; x++)
			if (qr_module(q, x, y) && !qr_module(q, x - 1, y))
				runs++;
	return runs;
}

static int
svg_path(const struct qr *q, char *buf, size_t cap, size_t *len)
{
	int x, y, x0;

	for (y = 0; y < q->width; y++) {
		for (x = 0; x < q->width; x++) {
			if (!qr_module(q, x, y))
				continue;
			for (x0 = x; qr_module(q, x, y); x++)
				;
			if (bput(buf, cap, len, "M%d %dh%dv1h-%dz",
			    x0 + QR_QUIET, y + QR_QUIET, x - x0, x - x0) != 0)
				return -1;
		}
	}
	return 0;
}

int
qr_svg(const struct qr *q, char **svg)
{
	int total = q->width + 2 * QR_QUIET;
	int mm = total * QR_MM_TENTHS;
	size_t cap, len = 0;
	char *buf;

	*svg = NULL;
	/* Each run is at most "M177 177h177v1h-177z": 21 bytes. */
	cap = 512 + qr_runs(q) * 24;
	if ((buf = secmem_alloc(cap)) == NULL)
		return err_set(ERR_INTERNAL, "out of locked memory");
	if (bput(buf, cap, &len, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
	    "width=\"%d.%dmm\" height=\"%d.%dmm\" viewBox=\"0 0 %d %d\" "
	    "shape-rendering=\"crispEdges\">\n"
	    "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n"
	    "<path fill=\"#000\" d=\"", mm / 10, mm % 10, mm / 10, mm % 10,
	    total, total, total, total) != 0 ||
	    svg_path(q, buf, cap, &len) != 0 ||
	    bput(buf, cap, &len, "\"/>\n</svg>\n") != 0) {
		secmem_free(buf);
		return err_set(ERR_INTERNAL, "SVG buffer too small");
	}
	*svg = buf;
	return 0;
}

int
qr_pbm(const struct qr *q, int scale, unsigned char **pbm, size_t *len)
{
	int dim, px, py, hlen;
	size_t rowbytes, total;
	unsigned char *buf, *row;
	char hdr[32];

	*pbm = NULL;
	*len = 0;
	if (scale < 1 || scale > 32)
		return err_set(ERR_USAGE, "PBM scale %d is not in 1..32",
		    scale);
	dim = (q->width + 2 * QR_QUIET) * scale;
	hlen = snprintf(hdr, sizeof(hdr), "P4\n%d %d\n", dim, dim);
	if (hlen < 0 || (size_t)hlen >= sizeof(hdr))
		return err_set(ERR_INTERNAL, "PBM header");
	rowbytes = ((size_t)dim + 7) / 8;
	total = (size_t)hlen + rowbytes * (size_t)dim;
	if ((buf = secmem_alloc(total)) == NULL)
		return err_set(ERR_INTERNAL, "out of locked memory");
	memcpy(buf, hdr, (size_t)hlen);
	memset(buf + hlen, 0, total - (size_t)hlen);
	for (py = 0; py < dim; py++) {
		row = buf + hlen + (size_t)py * rowbytes;
		for (px = 0; px < dim; px++)
			if (qr_module(q, px / scale - QR_QUIET,
			    py / scale - QR_QUIET))
				row[px / 8] |= (unsigned char)
				    (0x80 >> (px % 8));
	}
	*pbm = buf;
	*len = total;
	return 0;
}

/* Write all of buf to fd. */
static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return err_set(ERR_IO, "writing the QR code: %s",
			    n == 0 ? "short write" : strerror(errno));
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One text line: module rows y and y + 1, quiet zone included. */
static void
term_line(const struct qr *q, int y, char *buf, size_t *len)
{
	static const char on[] = "\033[30;107m", off[] = "\033[0m\n";
	int x, top, bot;
	const char *cell;

	memcpy(buf + *len, on, sizeof(on) - 1);
	*len += sizeof(on) - 1;
	for (x = -QR_QUIET; x < q->width + QR_QUIET; x++) {
		top = qr_module(q, x, y);
		bot = qr_module(q, x, y + 1);
		if (top && bot)
			cell = "\xe2\x96\x88";	/* U+2588 full block */
		else if (top)
			cell = "\xe2\x96\x80";	/* U+2580 upper half */
		else if (bot)
			cell = "\xe2\x96\x84";	/* U+2584 lower half */
		else
			cell = " ";
		memcpy(buf + *len, cell, strlen(cell));
		*len += strlen(cell);
	}
	memcpy(buf + *len, off, sizeof(off) - 1);
	*len += sizeof(off) - 1;
}

int
qr_terminal(const struct qr *q, int fd)
{
	int total = q->width + 2 * QR_QUIET, lines = (total + 1) / 2, i;
	size_t cap, len = 0;
	char *buf;
	int ret;

	cap = (size_t)lines * (16 + 3 * (size_t)total);
	if ((buf = secmem_alloc(cap)) == NULL)
		return err_set(ERR_INTERNAL, "out of locked memory");
	for (i = 0; i < lines; i++)
		term_line(q, 2 * i - QR_QUIET, buf, &len);
	ret = write_all(fd, buf, len);
	secmem_free(buf);
	return ret;
}
