/*
 * test_qr.c: QR symbols decode back to their payload (zbarimg reads the
 * PBM rendering), uppercase base32 uses alphanumeric mode, and the SVG
 * and terminal renderings draw exactly the module matrix.
 */
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "harness.h"
#include "qr.h"
#include "secmem.h"

/* 112 characters of uppercase base32, the size of a share record. */
static char payload[113];

static void
make_payload(void)
{
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	unsigned int x = 12345;
	int i;

	for (i = 0; i < 112; i++) {
		x = x * 1103515245u + 12345u;
		payload[i] = b32[(x >> 16) & 31];
	}
	payload[112] = '\0';
}

/* Write buf to a new temporary file; its name goes to path. */
static int
write_temp(const unsigned char *buf, size_t len, char *path, size_t cap)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, cap, "%s/test_qr.XXXXXX", dir ? dir : "/tmp");
	if ((fd = mkstemp(path)) == -1)
		return -1;
	if (write(fd, buf, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

/* Run zbarimg --raw -q path; its stdout goes to out (NUL-terminated). */
static int
zbar_decode(const char *path, char *out, size_t cap)
{
	size_t used = 0;
	ssize_t n;
	int p[2], status;
	pid_t pid;

	if (pipe(p) == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		close(p[0]);
		if (dup2(p[1], STDOUT_FILENO) == -1 ||
		    !freopen("/dev/null", "w", stderr))
			_exit(126);
		execlp("zbarimg", "zbarimg", "--raw", "-q", path, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (used + 1 < cap &&
	    ((n = read(p[0], out + used, cap - 1 - used)) > 0 ||
	    (n == -1 && errno == EINTR)))
		used += n > 0 ? (size_t)n : 0;
	out[used] = '\0';
	close(p[0]);
	if (waitpid(pid, &status, 0) == -1)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Render text as a PBM, let zbarimg read it, compare byte for byte. */
static void
roundtrip(const char *text, int scale, const char *what)
{
	struct qr *q = NULL;
	unsigned char *pbm = NULL;
	size_t len = 0;
	char path[256], got[4096], want[4096];
	int rc;

	CHECK_RC(qr_encode(text, &q), 0, "%s: encode", what);
	if (q == NULL)
		return;
	CHECK_RC(qr_pbm(q, scale, &pbm, &len), 0, "%s: PBM", what);
	if (pbm == NULL || write_temp(pbm, len, path, sizeof(path)) != 0) {
		CHECK(0, "%s: temporary PBM file", what);
		goto out;
	}
	rc = zbar_decode(path, got, sizeof(got));
	unlink(path);
	CHECK(rc == 0, "%s: zbarimg exits 0 (got %d)", what, rc);
	snprintf(want, sizeof(want), "%s\n", text);
	CHECK(strcmp(got, want) == 0, "%s: zbarimg decodes the payload byte "
	    "for byte", what);
	if (strcmp(got, want) != 0)
		printf("      got \"%s\"\n", got);
out:
	secmem_free(pbm);
	qr_free(q);
}

static void
test_base32(void)
{
	struct qr *q = NULL;
	unsigned char *pbm = NULL;
	size_t len;
	char hdr[32];
	int dim;

	CHECK_RC(qr_encode(payload, &q), 0, "encode 112 base32 characters");
	if (q == NULL)
		return;
	CHECK(qr_width(q) == 17 + 4 * qr_version(q),
	    "width %d matches version %d", qr_width(q), qr_version(q));
	/* Alphanumeric at Q fits 112 characters in version 7; byte mode
	 * would need version 10. */
	CHECK(qr_version(q) == 7, "alphanumeric mode: version 7 (got %d)",
	    qr_version(q));
	CHECK_RC(qr_pbm(q, 4, &pbm, &len), 0, "PBM at scale 4");
	dim = (qr_width(q) + 8) * 4;
	snprintf(hdr, sizeof(hdr), "P4\n%d %d\n", dim, dim);
	CHECK(pbm != NULL && memcmp(pbm, hdr, strlen(hdr)) == 0 &&
	    len == strlen(hdr) + (size_t)((dim + 7) / 8) * (size_t)dim,
	    "P4 header with quiet zone and size %zu", len);
	/* The quiet zone is white: the first 16 pixel rows are zero. */
	CHECK(pbm != NULL && pbm[strlen(hdr)] == 0 &&
	    pbm[strlen(hdr) + (size_t)((dim + 7) / 8) * 15] == 0,
	    "quiet zone rows are white");
	secmem_free(pbm);
	CHECK_RC(qr_pbm(q, 0, &pbm, &len), ERR_USAGE, "scale 0 refused");
	CHECK_RC(qr_pbm(q, 33, &pbm, &len), ERR_USAGE, "scale 33 refused");
	qr_free(q);
	roundtrip(payload, 4, "base32 share");
	roundtrip(payload, 2, "base32 share at scale 2");
}

static void
test_limits(void)
{
	struct qr *q = NULL;
	char *big;

	CHECK_RC(qr_encode("", &q), ERR_DATA, "empty payload refused");
	CHECK(q == NULL, "no symbol for an empty payload");
	if ((big = malloc(8001)) == NULL)
		return;
	memset(big, 'A', 8000);
	big[8000] = '\0';
	CHECK_RC(qr_encode(big, &q), ERR_DATA,
	    "8000 characters do not fit at level Q");
	free(big);
	qr_free(NULL);
	roundtrip("Hello, world: mixed Case & bytes ~{}", 3,
	    "mixed-case text");
}

/* Rebuild the matrix from the SVG path and compare with the symbol. */
static void
test_svg(void)
{
	struct qr *q = NULL;
	char *svg = NULL, *d;
	int x, y, w, w2, n, bad = 0, count = 0, dark = 0;
	unsigned char seen[45 + 8][45 + 8];

	if (qr_encode(payload, &q) != 0)
		return;
	CHECK_RC(qr_svg(q, &svg), 0, "SVG");
	if (svg == NULL)
		goto out;
	CHECK(strncmp(svg, "<?xml", 5) == 0 && strstr(svg, "<svg") != NULL,
	    "SVG starts with <?xml and has an <svg> element");
	CHECK(strstr(svg, "viewBox=\"0 0 53 53\"") != NULL &&
	    strstr(svg, "width=\"42.4mm\"") != NULL,
	    "4-module quiet zone, 0.8 mm per module");
	CHECK(strlen(svg) > 6 && strcmp(svg + strlen(svg) - 7, "</svg>\n")
	    == 0, "SVG ends with </svg>");
	memset(seen, 0, sizeof(seen));
	d = strstr(svg, " d=\"");
	for (d = d ? d + 4 : svg; sscanf(d, "M%d %dh%dv1h-%dz%n", &x, &y, &w,
	    &w2, &n) == 4; d += n, count++)
		for (; w > 0 && x < 53 && y < 53; w--, x++)
			seen[y][x] = 1;
	for (y = 0; y < 53; y++)
		for (x = 0; x < 53; x++) {
			dark += seen[y][x];
			if (seen[y][x] != qr_module(q, x - 4, y - 4))
				bad++;
		}
	CHECK(count > 0 && strncmp(d, "\"/>", 3) == 0,
	    "path is one list of %d runs", count);
	CHECK(bad == 0 && dark > 0, "SVG path draws exactly the dark "
	    "modules (%d wrong)", bad);
out:
	secmem_free(svg);
	qr_free(q);
}

/* Decode the half-block rendering back into modules. */
static void
test_terminal(void)
{
	struct qr *q = NULL;
	char path[256], *text = NULL, *line, *p;
	FILE *f = NULL;
	size_t cap = 0;
	int lines = 0, bad = 0, x, top, bot, white = 1;

	if (qr_encode(payload, &q) != 0)
		return;
	snprintf(path, sizeof(path), "%s/test_qr_term.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (write_temp((const unsigned char *)"", 0, path, sizeof(path)) != 0
	    || (f = fopen(path, "r+")) == NULL) {
		CHECK(0, "temporary file for terminal output");
		goto out;
	}
	CHECK_RC(qr_terminal(q, fileno(f)), 0, "terminal rendering");
	rewind(f);
	while (getline(&text, &cap, f) > 0) {
		line = text;
		if (strncmp(line, "\033[30;107m", 9) != 0)
			bad++;
		p = line + 9;
		for (x = -4; x < qr_width(q) + 4; x++) {
			if (*p == ' ') {
				top = bot = 0;
				p++;
			} else if (strncmp(p, "\xe2\x96", 2) == 0) {
				top = p[2] == '\x88' || p[2] == '\x80';
				bot = p[2] == '\x88' || p[2] == '\x84';
				p += 3;
			} else {
				bad++;
				break;
			}
			if (top != qr_module(q, x, 2 * lines - 4) ||
			    bot != qr_module(q, x, 2 * lines - 3))
				bad++;
			if (lines == 0 && (top || bot))
				white = 0;
		}
		if (strcmp(p, "\033[0m\n") != 0)
			bad++;
		lines++;
	}
	CHECK(lines == (qr_width(q) + 8 + 1) / 2,
	    "two module rows per line: %d lines", lines);
	CHECK(bad == 0, "half blocks draw exactly the modules (%d wrong)",
	    bad);
	CHECK(white, "the first line is quiet zone");
out:
	free(text);
	if (f != NULL) {
		fclose(f);
		unlink(path);
	}
	qr_free(q);
}

int
main(void)
{
	if (secmem_init() != 0)
		return 70;
	make_payload();
	test_base32();
	test_limits();
	test_svg();
	test_terminal();
	return harness_done();
}
