/*
 * test_pin.c: unit tests for common/pin.c.
 *
 * PIN files (LF, CRLF, no newline, empty, too long, NUL byte, missing),
 * a pipe given as a descriptor (and that nothing past the first line is
 * consumed), option parsing, a process without a terminal, and the
 * prompt itself on a pseudo-terminal: the PIN typed is returned, is not
 * echoed, and a new passphrase typed twice differently is refused.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "harness.h"
#include "pin.h"
#include "secmem.h"

static char dir[] = "/tmp/test_pin.XXXXXX";

static const char *
put_file(const char *name, const void *data, size_t len)
{
	static char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1 || write(fd, data, len) != (ssize_t)len)
		printf("# cannot write %s\n", path);
	if (fd != -1)
		close(fd);
	return path;
}

/* Read a PIN file holding len bytes of data; 0 and *pin or an error. */
static int
file_pin(const char *name, const void *data, size_t len, char **pin)
{
	struct pin_source src;

	memset(&src, 0, sizeof(src));
	src.kind = PIN_FILE;
	src.path = put_file(name, data, len);
	return pin_read(&src, "unused: ", pin);
}

static void
test_files(void)
{
	char long_pin[PIN_MAX + 2], *pin = NULL;
	struct pin_source src;

	CHECK_RC(file_pin("lf", "1234\n", 5, &pin), 0, "PIN file with LF");
	CHECK(pin != NULL && strcmp(pin, "1234") == 0, "LF stripped");
	secmem_free(pin);
	CHECK_RC(file_pin("crlf", "abcd\r\nsecond\n", 13, &pin), 0,
	    "PIN file with CRLF and a second line");
	CHECK(pin != NULL && strcmp(pin, "abcd") == 0,
	    "CRLF stripped, first line only");
	secmem_free(pin);
	CHECK_RC(file_pin("bare", "p w d", 5, &pin), 0, "no newline");
	CHECK(pin != NULL && strcmp(pin, "p w d") == 0,
	    "PIN without newline, inner spaces kept");
	secmem_free(pin);

	CHECK_RC(file_pin("empty", "", 0, &pin), ERR_DATA, "empty file");
	CHECK(pin == NULL, "no PIN on error");
	CHECK(strstr(err_msg(), "empty PIN") != NULL &&
	    strstr(err_msg(), "/empty") != NULL,
	    "message names the file: %s", err_msg());
	CHECK_RC(file_pin("nl", "\r\n", 2, &pin), ERR_DATA,
	    "file holding only CRLF is an empty PIN");
	CHECK_RC(file_pin("nul", "12\0" "34\n", 6, &pin), ERR_DATA,
	    "NUL byte refused");

	memset(long_pin, 'x', sizeof(long_pin));
	long_pin[PIN_MAX] = '\n';
	CHECK_RC(file_pin("max", long_pin, PIN_MAX + 1, &pin), 0,
	    "a PIN of exactly %d bytes", PIN_MAX);
	CHECK(pin != NULL && strlen(pin) == PIN_MAX, "all %d bytes kept",
	    PIN_MAX);
	secmem_free(pin);
	long_pin[PIN_MAX] = 'x';
	long_pin[PIN_MAX + 1] = '\n';
	CHECK_RC(file_pin("long", long_pin, PIN_MAX + 2, &pin), ERR_DATA,
	    "a PIN of %d bytes refused", PIN_MAX + 1);
	long_pin[PIN_MAX] = '\r';
	CHECK_RC(file_pin("maxcr", long_pin, PIN_MAX + 2, &pin), 0,
	    "a PIN of %d bytes and CRLF", PIN_MAX);
	CHECK(pin != NULL && strlen(pin) == PIN_MAX, "CR stripped");
	secmem_free(pin);
	pin = NULL;
	{
		char big[3 * PIN_MAX];

		memset(big, 'y', sizeof(big));
		CHECK_RC(file_pin("big", big, sizeof(big), &pin), ERR_DATA,
		    "a file of %zu bytes without a newline refused",
		    sizeof(big));
		CHECK(pin == NULL && strstr(err_msg(), "longer than") != NULL,
		    "as too long: %s", err_msg());
	}

	memset(&src, 0, sizeof(src));
	src.kind = PIN_FILE;
	src.path = "/nonexistent/pin";
	CHECK_RC(pin_read(&src, "", &pin), ERR_NOINPUT, "missing file");
	CHECK(strstr(err_msg(), "/nonexistent/pin") != NULL,
	    "message names the missing file: %s", err_msg());
}

static void
test_fd(void)
{
	struct pin_source src;
	char *pin = NULL, rest[16];
	int p[2];
	ssize_t n;

	if (pipe(p) == -1) {
		CHECK(0, "pipe: %s", strerror(errno));
		return;
	}
	if (write(p[1], "5678\nrest", 9) != 9)
		printf("# short write\n");
	close(p[1]);
	CHECK_RC(pin_source_parse("--pin-fd", "0", &src), 0, "parse fd 0");
	src.fd = p[0];
	CHECK_RC(pin_read(&src, "", &pin), 0, "PIN from a pipe");
	CHECK(pin != NULL && strcmp(pin, "5678") == 0, "first line of pipe");
	secmem_free(pin);
	n = read(p[0], rest, sizeof(rest));
	CHECK(n == 4 && memcmp(rest, "rest", 4) == 0,
	    "nothing after the first line consumed");
	close(p[0]);
	src.fd = p[0];		/* closed now */
	CHECK_RC(pin_read(&src, "", &pin), ERR_NOINPUT, "closed descriptor");
	CHECK(strstr(err_msg(), "file descriptor") != NULL,
	    "message names the descriptor: %s", err_msg());

	if (pipe(p) == -1)
		return;
	close(p[1]);
	src.fd = p[0];
	CHECK_RC(pin_read(&src, "", &pin), ERR_DATA, "empty pipe");
	close(p[0]);
}

static void
test_parse(void)
{
	struct pin_source src;

	CHECK_RC(pin_source_parse("--pin-file", "/x/pin", &src), 0,
	    "--pin-file");
	CHECK(src.kind == PIN_FILE && strcmp(src.path, "/x/pin") == 0,
	    "file source filled");
	CHECK_RC(pin_source_parse("--pin-fd", "7", &src), 0, "--pin-fd 7");
	CHECK(src.kind == PIN_FD && src.fd == 7, "fd source filled");
	CHECK_RC(pin_source_parse("--passphrase-fd", "2147483647", &src), 0,
	    "--passphrase-fd INT_MAX");
	CHECK_RC(pin_source_parse("--pin-fd", "2147483648", &src), ERR_USAGE,
	    "fd above INT_MAX");
	CHECK_RC(pin_source_parse("--pin-fd", "-1", &src), ERR_USAGE,
	    "negative fd");
	CHECK_RC(pin_source_parse("--pin-fd", "3x", &src), ERR_USAGE,
	    "trailing garbage");
	CHECK_RC(pin_source_parse("--pin-fd", "", &src), ERR_USAGE,
	    "empty fd");
	CHECK_RC(pin_source_parse("--pin-fd", " 3", &src), ERR_USAGE,
	    "leading space");
	CHECK(strstr(err_msg(), "--pin-fd") != NULL,
	    "message names the option: %s", err_msg());
	CHECK_RC(pin_source_parse("--pin-file", "", &src), ERR_USAGE,
	    "empty path");
	CHECK_RC(pin_source_parse("--pin", "1234", &src), ERR_USAGE,
	    "not a PIN source option");
}

/* In a child without a controlling terminal, the prompt must fail. */
static void
test_no_tty(void)
{
	struct pin_source src;
	char *pin = NULL;
	pid_t pid;
	int st, rc;

	memset(&src, 0, sizeof(src));
	if ((pid = fork()) == 0) {
		setsid();
		rc = pin_read(&src, "PIN: ", &pin);
		_exit(rc == ERR_USAGE &&
		    strstr(err_msg(), "--pin-file") != NULL ? 0 : 1);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "no terminal -> ERR_USAGE naming "
	    "--pin-file");
}

/* Read the pty master until want appears or 5 s pass; append to log. */
static int
pty_expect(int m, const char *want, char *log, size_t cap)
{
	struct pollfd pfd = { m, POLLIN, 0 };
	size_t used = strlen(log);
	ssize_t n;

	while (want == NULL || strstr(log, want) == NULL) {
		if (poll(&pfd, 1, 5000) <= 0)
			return -1;
		n = read(m, log + used, cap - used - 1);
		if (n <= 0)
			return want == NULL ? 0 : -1;
		used += (size_t)n;
		log[used] = '\0';
	}
	return 0;
}

/*
 * Run pin_read (confirm 0) or pin_read_new (1) in a child whose
 * controlling terminal is a new pty; type each line after its prompt.
 * Returns the child's exit status: 0 if it read want, else 100 + -rc.
 */
static int
pty_run(int confirm, const char *line1, const char *line2,
    const char *want, char *log, size_t cap)
{
	struct pin_source src;
	char *pin = NULL;
	int m, s, st, rc;
	pid_t pid;

	log[0] = '\0';
	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) == -1 ||
	    grantpt(m) == -1 || unlockpt(m) == -1)
		return -1;
	memset(&src, 0, sizeof(src));
	if ((pid = fork()) == 0) {
		setsid();
		if ((s = open(ptsname(m), O_RDWR)) == -1)
			_exit(99);
		close(m);
		rc = confirm ? pin_read_new(&src, "New PIN: ", &pin) :
		    pin_read(&src, "PIN: ", &pin);
		_exit(rc != 0 ? 100 - rc : strcmp(pin, want) == 0 ? 0 : 98);
	}
	if (pty_expect(m, "PIN: ", log, cap) == 0 &&
	    write(m, line1, strlen(line1)) > 0 && line2 != NULL &&
	    pty_expect(m, "again: ", log, cap) == 0 &&
	    write(m, line2, strlen(line2)) <= 0)
		printf("# cannot type the second line\n");
	(void)pty_expect(m, NULL, log, cap);
	close(m);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void
test_prompt(void)
{
	char log[4096];
	int st;

	st = pty_run(0, "s3cr3t-pin\n", NULL, "s3cr3t-pin", log, sizeof(log));
	CHECK(st == 0, "prompt on a terminal returns the typed PIN "
	    "(status %d)", st);
	CHECK(strstr(log, "PIN: ") != NULL, "prompt shown on the terminal");
	CHECK(strstr(log, "s3cr3t") == NULL, "PIN not echoed");

	st = pty_run(1, "new-pass\n", "new-pass\n", "new-pass", log,
	    sizeof(log));
	CHECK(st == 0, "new passphrase typed twice (status %d)", st);
	CHECK(strstr(log, "again: ") != NULL, "asked a second time");
	CHECK(strstr(log, "new-pass") == NULL, "passphrase not echoed");

	st = pty_run(1, "new-pass\n", "new-pasS\n", "", log, sizeof(log));
	CHECK(st == 100 - ERR_DATA, "two different entries -> ERR_DATA "
	    "(status %d)", st);

	st = pty_run(0, "\n", NULL, "", log, sizeof(log));
	CHECK(st == 100 - ERR_DATA, "empty entry -> ERR_DATA (status %d)", st);
}

int
main(void)
{
	char path[256];
	const char *names[] = { "lf", "crlf", "bare", "empty", "nl", "nul",
	    "max", "long" };
	size_t i;

	if (secmem_init() != 0 || mkdtemp(dir) == NULL) {
		printf("FAIL: setup\n");
		return 1;
	}
	test_files();
	test_fd();
	test_parse();
	test_no_tty();
	test_prompt();
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
	return harness_done();
}
