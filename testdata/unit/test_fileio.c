/*
 * test_fileio.c: unit tests for common/fileio.c.
 *
 * Everything happens in a fresh directory under /tmp.  Covers:
 * fileio_read() and fileio_read_secret() (exact size, one byte too
 * many -> ERR_DATA, missing -> ERR_NOINPUT, a directory -> ERR_IO,
 * empty file, "-" as stdin, outputs cleared on error);
 * fileio_write_new() (content, exact mode whatever the umask, refuses
 * an existing file, a symlink to a file and a dangling symlink without
 * touching either);
 * fileio_write_atomic() (replace 0 refuses an existing path or link,
 * replace 1 replaces, the mode is exact whatever the umask, a symlink is
 * replaced and not followed, no temp file is left after success or
 * failure); fileio_exists(); fileio_join(); fileio_stage_begin/commit/
 * abort(); fileio_sha256() against the FIPS 180-2 "abc" vector, also in
 * a process limited to 512 MiB of address space.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"
#include "harness.h"
#include "secmem.h"

static char tmpdir[] = "/tmp/test_fileio.XXXXXX";

/* tmpdir/name in a static buffer (one of two, so two may be live). */
static const char *
tpath(const char *name)
{
	static char buf[2][512];
	static int k;

	k ^= 1;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return buf[k];
}

/* Write a file directly (not with the code under test). */
static int
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (f == NULL)
		return -1;
	ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* 1 if path holds exactly text. */
static int
holds(const char *path, const char *text)
{
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return n == strlen(text) && memcmp(buf, text, n) == 0;
}

static unsigned
mode_of(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == -1)
		return 01000000;
	return (unsigned)(st.st_mode & 07777);
}

/* Entries of dir whose name contains ".tmp-". */
static int
count_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".tmp-") != NULL)
			n++;
	closedir(d);
	return n;
}

static void
test_read(void)
{
	unsigned char *buf = (unsigned char *)"x";
	size_t len = 99;

	put(tpath("ten"), "0123456789");
	CHECK_RC(fileio_read(tpath("ten"), 10, &buf, &len), 0,
	    "a 10-byte file reads with max 10");
	CHECK(buf != NULL && len == 10 && memcmp(buf, "0123456789", 10) == 0 &&
	    buf[10] == '\0', "content, length and terminating NUL");
	free(buf);
	CHECK_RC(fileio_read(tpath("ten"), 9, &buf, &len), ERR_DATA,
	    "a 10-byte file with max 9 is ERR_DATA");
	CHECK(buf == NULL && len == 0, "outputs are cleared on error");
	CHECK(strstr(err_msg(), tpath("ten")) != NULL,
	    "the message names the file (\"%s\")", err_msg());
	CHECK_RC(fileio_read(tpath("missing"), 10, &buf, &len), ERR_NOINPUT,
	    "a missing file is ERR_NOINPUT");
	CHECK(strstr(err_msg(), "missing") != NULL,
	    "the message names the file (\"%s\")", err_msg());
	CHECK_RC(fileio_read(tmpdir, 10, &buf, &len), ERR_IO,
	    "a directory is ERR_IO");
	put(tpath("empty"), "");
	CHECK_RC(fileio_read(tpath("empty"), 10, &buf, &len), 0,
	    "an empty file reads");
	CHECK(buf != NULL && len == 0 && buf[0] == '\0',
	    "an empty file gives an empty string");
	free(buf);
	CHECK_RC(fileio_read_secret(tpath("ten"), 10, &buf, &len), 0,
	    "fileio_read_secret reads");
	CHECK(buf != NULL && len == 10 && memcmp(buf, "0123456789", 10) == 0 &&
	    buf[10] == '\0', "fileio_read_secret: content and NUL");
	secmem_free(buf);
	CHECK_RC(fileio_read_secret(tpath("ten"), 5, &buf, &len), ERR_DATA,
	    "fileio_read_secret: too large is ERR_DATA");
	CHECK_RC(fileio_read_secret(tpath("missing"), 5, &buf, &len),
	    ERR_NOINPUT, "fileio_read_secret: missing is ERR_NOINPUT");
}

static void
test_read_stdin(void)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int saved, fd;

	put(tpath("stdin"), "from stdin\n");
	saved = dup(STDIN_FILENO);
	fd = open(tpath("stdin"), O_RDONLY);
	if (saved == -1 || fd == -1 || dup2(fd, STDIN_FILENO) == -1) {
		CHECK(0, "redirect stdin");
		return;
	}
	close(fd);
	CHECK_RC(fileio_read("-", 100, &buf, &len), 0, "\"-\" reads stdin");
	CHECK(buf != NULL && len == 11 && strcmp((char *)buf,
	    "from stdin\n") == 0, "stdin's content");
	free(buf);
	CHECK(fcntl(STDIN_FILENO, F_GETFD) != -1, "stdin is left open");
	dup2(saved, STDIN_FILENO);
	close(saved);
}

/* Read back n bytes of a pattern written into a FIFO by a child: a
 * stream with no size, so the buffer must grow as the bytes come. */
static int
read_fifo(size_t n, size_t max, int secret, unsigned char **buf,
    size_t *len)
{
	char path[256];
	pid_t pid;
	size_t i;
	int fd, ret, status;

	snprintf(path, sizeof(path), "%s", tpath("fifo"));
	unlink(path);
	if (mkfifo(path, 0600) == -1)
		return -1000;
	if ((pid = fork()) == 0) {
		unsigned char b[1000];

		if ((fd = open(path, O_WRONLY)) == -1)
			_exit(1);
		for (i = 0; i < n; i += sizeof(b)) {
			size_t k = n - i < sizeof(b) ? n - i : sizeof(b), j;

			for (j = 0; j < k; j++)
				b[j] = (unsigned char)((i + j) % 251);
			if (write(fd, b, k) != (ssize_t)k)
				break;
		}
		_exit(0);
	}
	ret = secret ? fileio_read_secret(path, max, buf, len) :
	    fileio_read(path, max, buf, len);
	waitpid(pid, &status, 0);
	return ret;
}

static void
test_read_stream(void)
{
	unsigned char *buf = NULL;
	size_t len = 0, i;
	int good;

	CHECK_RC(read_fifo(100000, 200000, 0, &buf, &len), 0,
	    "100,000 bytes from a FIFO with max 200,000");
	good = buf != NULL && len == 100000 && buf[len] == '\0';
	for (i = 0; good && i < len; i++)
		good = buf[i] == (unsigned char)(i % 251);
	CHECK(good, "every byte read, in order, NUL-terminated");
	free(buf);
	CHECK_RC(read_fifo(100000, 100000, 1, &buf, &len), 0,
	    "a secret stream of exactly max bytes");
	CHECK(buf != NULL && len == 100000 && buf[99999] ==
	    (unsigned char)(99999 % 251), "the secret stream's last byte");
	secmem_free(buf);
	CHECK_RC(read_fifo(100000, 99999, 0, &buf, &len), ERR_DATA,
	    "a stream one byte over max is ERR_DATA");
	CHECK(buf == NULL && len == 0, "nothing returned for it");
}

static void
test_write_new(void)
{
	umask(022);
	CHECK_RC(fileio_write_new(tpath("new"), "hello", 5, 0640), 0,
	    "write_new creates a file");
	CHECK(holds(tpath("new"), "hello"), "with the content");
	CHECK(mode_of(tpath("new")) == 0640, "with mode 0640 (is %03o)",
	    mode_of(tpath("new")));
	CHECK_RC(fileio_write_new(tpath("new"), "other", 5, 0600), ERR_EXISTS,
	    "write_new refuses an existing file");
	CHECK(holds(tpath("new"), "hello") && mode_of(tpath("new")) == 0640,
	    "the existing file is unchanged");

	put(tpath("target"), "target");
	if (symlink(tpath("target"), tpath("link")) == -1)
		CHECK(0, "make symlink");
	CHECK_RC(fileio_write_new(tpath("link"), "evil", 4, 0600), ERR_EXISTS,
	    "write_new refuses a symlink to a file");
	CHECK(holds(tpath("target"), "target"),
	    "the link's target is unchanged");
	if (symlink(tpath("nowhere"), tpath("dangling")) == -1)
		CHECK(0, "make dangling symlink");
	CHECK_RC(fileio_write_new(tpath("dangling"), "evil", 4, 0600),
	    ERR_EXISTS, "write_new refuses a dangling symlink");
	CHECK(!fileio_exists(tpath("nowhere")),
	    "the dangling link's target was not created");
	CHECK_RC(fileio_write_new(tpath("nodir/x"), "x", 1, 0600), ERR_EXISTS,
	    "write_new in a missing directory fails (ERR_EXISTS)");
	CHECK_RC(fileio_write_new(tpath("zero"), "", 0, 0600), 0,
	    "write_new of 0 bytes");
	CHECK(holds(tpath("zero"), "") && mode_of(tpath("zero")) == 0600,
	    "an empty file with mode 0600");
	umask(077);
	CHECK_RC(fileio_write_new(tpath("public"), "pub", 3, 0644), 0,
	    "write_new under umask 077");
	CHECK(mode_of(tpath("public")) == 0644,
	    "the mode asked for, whatever the umask (0644, is %03o)",
	    mode_of(tpath("public")));
}

static void
test_write_atomic(void)
{
	umask(077);
	CHECK_RC(fileio_write_atomic(tpath("pub"), "v1", 2, 0644, 0), 0,
	    "write_atomic creates a new file");
	CHECK(holds(tpath("pub"), "v1"), "with the content");
	CHECK(mode_of(tpath("pub")) == 0644,
	    "mode 0644 despite umask 077 (is %03o)", mode_of(tpath("pub")));
	CHECK_RC(fileio_write_atomic(tpath("pub"), "v2", 2, 0644, 0),
	    ERR_EXISTS, "replace 0 refuses an existing file");
	CHECK(holds(tpath("pub"), "v1"), "which is unchanged");
	CHECK_RC(fileio_write_atomic(tpath("pub"), "v3-longer", 9, 0640, 1), 0,
	    "replace 1 replaces it");
	CHECK(holds(tpath("pub"), "v3-longer") &&
	    mode_of(tpath("pub")) == 0640, "new content and mode 0640 (%03o)",
	    mode_of(tpath("pub")));
	CHECK_RC(fileio_write_atomic(tpath("dangling"), "x", 1, 0644, 0),
	    ERR_EXISTS, "replace 0 refuses a dangling symlink");
	CHECK(!fileio_exists(tpath("nowhere")),
	    "and does not create its target");
	CHECK_RC(fileio_write_atomic(tpath("link"), "replaced", 8, 0644, 1), 0,
	    "replace 1 over a symlink");
	CHECK(holds(tpath("target"), "target"),
	    "the symlink's target is untouched");
	CHECK(holds(tpath("link"), "replaced") && mode_of(tpath("link")) ==
	    0644, "the link itself became the new file");
	CHECK(count_temps(tmpdir) == 0, "no temp file is left behind (%d)",
	    count_temps(tmpdir));
	CHECK(fileio_write_atomic(tpath("nodir/x"), "x", 1, 0644, 1) != 0,
	    "write_atomic into a missing directory fails");
	CHECK(count_temps(tmpdir) == 0, "still no temp file (%d)",
	    count_temps(tmpdir));
}

/* fileio_replace_via(): one fixed temporary name, taken over if left. */
static void
test_replace_via(void)
{
	umask(077);
	CHECK_RC(fileio_replace_via(tpath("via"), tpath(".via.tmp"), "one", 3,
	    0644), 0, "replace_via creates the file");
	CHECK(holds(tpath("via"), "one") && mode_of(tpath("via")) == 0644,
	    "with its content and mode 0644 despite umask 077 (%03o)",
	    mode_of(tpath("via")));
	CHECK(!fileio_exists(tpath(".via.tmp")), "the temporary name is gone");
	/* What a writer killed mid-way leaves: a longer, torn temp file. */
	CHECK(fileio_write_new(tpath(".via.tmp"), "torn-and-longer", 15,
	    0600) == 0, "a left-over temporary file");
	CHECK_RC(fileio_replace_via(tpath("via"), tpath(".via.tmp"), "two", 3,
	    0644), 0, "the next writer takes it over");
	CHECK(holds(tpath("via"), "two"), "the new content, not the torn one");
	CHECK(!fileio_exists(tpath(".via.tmp")), "and the name is gone again");
	CHECK(fileio_replace_via(tpath("via"), tpath("nodir/.t"), "x", 1,
	    0644) != 0, "a temporary name in a missing directory fails");
	CHECK(holds(tpath("via"), "two"), "leaving the file as it was");
}

/* fileio_write_linked(): an O_TMPFILE linked into place when whole. */
static void
test_write_linked(void)
{
	char cwd[512];

	umask(077);
	CHECK_RC(fileio_write_linked(tpath("linked"), "v1", 2, 0644), 0,
	    "write_linked creates a new file");
	CHECK(holds(tpath("linked"), "v1"), "with the content");
	CHECK(mode_of(tpath("linked")) == 0644,
	    "mode 0644 despite umask 077 (is %03o)", mode_of(tpath("linked")));
	CHECK_RC(fileio_write_linked(tpath("linked"), "v2", 2, 0644),
	    ERR_EXISTS, "an existing file is refused");
	CHECK(holds(tpath("linked"), "v1"), "which is unchanged");
	CHECK_RC(fileio_write_linked(tpath("dangling"), "x", 1, 0644),
	    ERR_EXISTS, "a dangling symlink is refused");
	CHECK(!fileio_exists(tpath("nowhere")),
	    "and its target is not created");
	CHECK(fileio_write_linked(tpath("nodir/x"), "x", 1, 0644) != 0,
	    "write_linked into a missing directory fails");
	if (getcwd(cwd, sizeof(cwd)) != NULL && chdir(tmpdir) == 0) {
		CHECK_RC(fileio_write_linked("plain", "p", 1, 0600), 0,
		    "a name without a directory goes into the current one");
		CHECK(chdir(cwd) == 0 && holds(tpath("plain"), "p") &&
		    mode_of(tpath("plain")) == 0600, "with its content");
	} else
		CHECK(0, "chdir");
	CHECK(count_temps(tmpdir) == 0, "no temp file is left behind (%d)",
	    count_temps(tmpdir));
}

/* fileio_prepare() and fileio_publish(): nothing named until published. */
static void
test_prepare(void)
{
	struct fileio_prepared *p = NULL, *q = NULL;

	umask(077);
	CHECK_RC(fileio_prepare(tpath("prepared"), "v1", 2, 0644, &p), 0,
	    "prepare");
	CHECK(p != NULL, "O_TMPFILE is there on this file system");
	if (p == NULL)
		return;
	CHECK(!fileio_exists(tpath("prepared")) &&
	    count_temps(tmpdir) == 0, "nothing named before publishing");
	CHECK_RC(fileio_publish(p), 0, "publish");
	CHECK(holds(tpath("prepared"), "v1") &&
	    mode_of(tpath("prepared")) == 0644, "the content, mode 0644 "
	    "despite umask 077 (is %03o)", mode_of(tpath("prepared")));
	fileio_prepared_free(p);
	CHECK(holds(tpath("prepared"), "v1"), "freeing keeps what was "
	    "published");
	CHECK_RC(fileio_prepare(tpath("prepared"), "v2", 2, 0644, &q), 0,
	    "prepare over an existing name");
	CHECK(q != NULL && fileio_publish(q) == ERR_EXISTS,
	    "publishing never replaces");
	CHECK(holds(tpath("prepared"), "v1"), "which is unchanged");
	fileio_prepared_free(q);
	q = NULL;
	CHECK_RC(fileio_prepare(tpath("unpub"), "x", 1, 0644, &q), 0,
	    "prepare another");
	fileio_prepared_free(q);
	CHECK(!fileio_exists(tpath("unpub")) && count_temps(tmpdir) == 0,
	    "freed unpublished: nothing left");
	q = NULL;
	CHECK(fileio_prepare(tpath("nodir/x"), "x", 1, 0644, &q) != 0 ||
	    q == NULL, "no directory: an error, or the ordinary way");
	fileio_prepared_free(q);
}

static void
test_exists_join(void)
{
	char *j;

	CHECK(fileio_exists(tpath("pub")) == 1, "exists: a file");
	CHECK(fileio_exists(tpath("dangling")) == 1,
	    "exists: a dangling symlink (not followed)");
	CHECK(fileio_exists(tpath("absent")) == 0, "exists: absent");
	j = fileio_join("dir", "name");
	CHECK(j != NULL && strcmp(j, "dir/name") == 0, "join: \"%s\"",
	    j == NULL ? "(null)" : j);
	free(j);
}

static void
test_stage(void)
{
	char *stage = NULL, *f = NULL, *prefix;
	const char *final = tpath("out");

	CHECK_RC(fileio_stage_begin(final, &stage), 0, "stage_begin");
	prefix = fileio_join(tmpdir, "out.tmp-");
	CHECK(stage != NULL && prefix != NULL &&
	    strncmp(stage, prefix, strlen(prefix)) == 0,
	    "the stage is \"<final>.tmp-...\" (%s)", stage ? stage : "-");
	free(prefix);
	CHECK(stage != NULL && mode_of(stage) == 0700,
	    "the stage is a 0700 directory");
	if (stage == NULL)
		return;
	f = fileio_join(stage, "a");
	CHECK_RC(fileio_write_new(f, "A", 1, 0600), 0, "write into the stage");
	free(f);
	CHECK(!fileio_exists(final), "the final directory is not there yet");
	CHECK_RC(fileio_stage_commit(stage, final), 0, "stage_commit");
	CHECK(!fileio_exists(stage), "the stage is gone");
	CHECK(holds(tpath("out/a"), "A"), "its file is in the final directory");
	free(stage);
	stage = (char *)"x";
	CHECK_RC(fileio_stage_begin(final, &stage), ERR_EXISTS,
	    "stage_begin refuses an existing final directory");
	CHECK(stage == NULL, "and returns no stage");

	CHECK_RC(fileio_stage_begin(tpath("out2"), &stage), 0, "stage again");
	if (stage == NULL)
		return;
	f = fileio_join(stage, "b");
	fileio_write_new(f, "B", 1, 0600);
	free(f);
	mkdir(tpath("out2"), 0700);
	CHECK_RC(fileio_stage_commit(stage, tpath("out2")), ERR_EXISTS,
	    "commit refuses when the final directory appeared meanwhile");
	CHECK(fileio_exists(stage), "the stage is still there");
	fileio_stage_abort(stage);
	CHECK(!fileio_exists(stage), "abort removes the stage and its files");
	CHECK(count_temps(tmpdir) == 0, "no staging directory left (%d)",
	    count_temps(tmpdir));
	free(stage);
	fileio_stage_abort(NULL);
	rmdir(tpath("out2"));
}

static void
test_sha256(void)
{
	static const unsigned char abc[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
		0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
		0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad
	};
	static const unsigned char empty[4] = { 0xe3, 0xb0, 0xc4, 0x42 };
	unsigned char d[32];

	put(tpath("abc"), "abc");
	CHECK_RC(fileio_sha256(tpath("abc"), d), 0, "sha256 of a file");
	CHECK(memcmp(d, abc, 32) == 0, "SHA-256(\"abc\") is the FIPS vector");
	CHECK_RC(fileio_sha256(tpath("empty"), d), 0, "sha256 of empty file");
	CHECK(memcmp(d, empty, 4) == 0, "SHA-256(\"\") starts e3b0c442");
	CHECK_RC(fileio_sha256(tpath("absent"), d), ERR_NOINPUT,
	    "sha256 of a missing file is ERR_NOINPUT");
}

/*
 * Hashing a 3-byte file must not need a gigabyte: in a child limited to
 * 512 MiB of address space (as a hardened ceremony laptop may be) the
 * digest must still come out.  Child status 10 = right digest.
 */
static void
test_sha256_small_memory(void)
{
	struct rlimit rl = { 512UL << 20, 512UL << 20 };
	unsigned char d[32];
	pid_t pid;
	int status = 0;

#ifdef __SANITIZE_ADDRESS__
	/* ASan reserves terabytes of shadow: no address space limit. */
	printf("# AddressSanitizer: RLIMIT_AS check skipped\n");
	return;
#endif
	fflush(stdout);
	if ((pid = fork()) == -1) {
		CHECK(0, "fork");
		return;
	}
	if (pid == 0) {
		if (setrlimit(RLIMIT_AS, &rl) == -1)
			_exit(12);
		if (fileio_sha256(tpath("abc"), d) != 0) {
			printf("      child: %s\n", err_msg());
			fflush(stdout);
			_exit(11);
		}
		_exit(d[0] == 0xba && d[31] == 0xad ? 10 : 11);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 10,
	    "sha256 of a small file under a 512 MiB RLIMIT_AS (status %d)",
	    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void
cleanup(void)
{
	static const char *names[] = { "ten", "empty", "stdin", "new",
	    "target", "link", "dangling", "zero", "public", "pub", "abc",
	    "out/a", "prepared" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(tpath(names[i]));
	rmdir(tpath("out"));
	rmdir(tmpdir);
}

int
main(void)
{
	if (secmem_init() != 0 || mkdtemp(tmpdir) == NULL) {
		perror("setup");
		return 1;
	}
	test_read();
	test_read_stdin();
	test_read_stream();
	test_write_new();
	test_write_atomic();
	test_replace_via();
	test_write_linked();
	test_prepare();
	test_exists_join();
	test_stage();
	test_sha256();
	test_sha256_small_memory();
	cleanup();
	return harness_done();
}
