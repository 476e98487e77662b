/*
 * pin.c: reading PINs and passphrases from a terminal, a file or a
 * file descriptor.
 *
 * Trusts nothing it reads: a PIN is one line of at most PIN_MAX bytes
 * without NUL bytes.  Invariants: every byte read lands directly in a
 * secmem_alloc() buffer (one byte at a time, so no stdio buffer and no
 * read-ahead past the end of the line holds a copy), and what is not
 * handed to the caller is wiped.  The terminal's echo is switched off
 * while a PIN is typed and restored on every path: the catchable signals
 * that end or stop a process interrupt the read, the terminal is
 * restored, and the signal is then delivered as if we had not caught it
 * (a stop restarts the prompt after the process continues).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "err.h"
#include "pin.h"
#include "secmem.h"

#define NO_TTY_MSG \
	"no terminal to prompt for the PIN; use --pin-file or --pin-fd"

/* The signals that interrupt a prompt, as readpassphrase(3) catches. */
static const int pin_signals[] = {
	SIGALRM, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU
};
#define NPIN_SIGNALS	(sizeof(pin_signals) / sizeof(pin_signals[0]))

static volatile sig_atomic_t pin_signo;

/* A terminal in the middle of a prompt. */
struct tty {
	int fd;
	struct termios saved;
	struct sigaction old[NPIN_SIGNALS];
	sigset_t oldmask;
};

int
pin_source_parse(const char *opt_name, const char *value,
    struct pin_source *src)
{
	size_t olen = strlen(opt_name);
	char *end;
	long n;

	memset(src, 0, sizeof(*src));
	src->fd = -1;
	if (olen >= 4 && strcmp(opt_name + olen - 4, "file") == 0) {
		if (value[0] == '\0')
			return err_set(ERR_USAGE, "%s: empty path", opt_name);
		src->kind = PIN_FILE;
		src->path = value;
		return 0;
	}
	if (olen < 2 || strcmp(opt_name + olen - 2, "fd") != 0)
		return err_set(ERR_USAGE, "%s: not a PIN source option",
		    opt_name);
	errno = 0;
	n = strtol(value, &end, 10);
	if (value[0] < '0' || value[0] > '9' || *end != '\0' ||
	    errno != 0 || n > INT_MAX)
		return err_set(ERR_USAGE, "%s: \"%s\" is not a file "
		    "descriptor number (0 to %d)", opt_name, value, INT_MAX);
	src->kind = PIN_FD;
	src->fd = (int)n;
	return 0;
}

/*
 * Read one line from fd into buf (PIN_MAX + 2 bytes), byte by byte so
 * that nothing past the newline is consumed.  A line too long is read
 * to its end (so that the rest does not reach the next reader of a
 * terminal) and refused.  name says where the line comes from.
 */
/*
 * Wait until fd has a byte, or until a prompt's signal came.  Checking
 * pin_signo and then calling read() would leave a window: a signal
 * caught between the two is lost and read() waits for ever (a Ctrl-C
 * that does nothing).  So the signals are blocked for the check and
 * ppoll() lets them in and waits in one step.  Returns -1 when a signal
 * ended the wait, else 0 (read() then reports any error).
 */
static int
wait_readable(int fd)
{
	struct pollfd p;
	sigset_t block, old;
	size_t i;
	int r;

	sigemptyset(&block);
	for (i = 0; i < NPIN_SIGNALS; i++)
		sigaddset(&block, pin_signals[i]);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (pin_signo != 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return -1;
	}
	p.fd = fd;
	p.events = POLLIN;
	p.revents = 0;
	r = ppoll(&p, 1, NULL, &old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r == -1 && errno == EINTR ? -1 : 0;
}

/*
 * The end of a PIN line of used bytes in buf (room for used + 1): a
 * trailing CR dropped, NUL-terminated, *len set; then the verdicts every
 * PIN source shares.
 */
static int
line_verdict(const char *name, char *buf, size_t used, int too_long,
    size_t *len)
{
	if (used > 0 && buf[used - 1] == '\r')
		used--;
	buf[used] = '\0';
	*len = used;
	if (too_long || used > PIN_MAX)
		return err_set(ERR_DATA, "%s: PIN longer than %d bytes", name,
		    PIN_MAX);
	if (used == 0)
		return err_set(ERR_DATA, "%s: empty PIN", name);
	if (memchr(buf, '\0', used) != NULL)
		return err_set(ERR_DATA, "%s: PIN contains a NUL byte", name);
	return 0;
}

static int
read_line(int fd, const char *name, char *buf, size_t *len)
{
	size_t used = 0;
	int too_long = 0, ret = 0;
	ssize_t n;
	char c = '\0';

	for (;;) {
		if (pin_signo != 0)
			break;
		if (wait_readable(fd) != 0)
			continue;	/* a signal: pin_signo says which */
		n = read(fd, &c, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			ret = err_set(errno == EBADF ? ERR_NOINPUT : ERR_IO,
			    "%s: %s", name, strerror(errno));
			break;
		}
		if (n == 0 || c == '\n')
			break;
		if (used == PIN_MAX + 1)
			too_long = 1;
		else
			buf[used++] = c;
	}
	secmem_wipe(&c, sizeof(c));
	if (ret != 0 || pin_signo != 0) {
		buf[used] = '\0';
		*len = used;
		return ret;
	}
	return line_verdict(name, buf, used, too_long, len);
}

/*
 * read_line() for a regular file, which nobody else reads after us: in
 * one read() of PIN_MAX + 2 bytes instead of three system calls a byte,
 * with the same verdicts.  What follows the first line is wiped.
 */
static int
read_regular(int fd, const char *name, char *buf, size_t *len)
{
	size_t got = 0, used;
	char *nl;
	ssize_t n;

	while (got < PIN_MAX + 2) {
		n = read(fd, buf + got, PIN_MAX + 2 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			secmem_wipe(buf, PIN_MAX + 2);
			*len = 0;
			buf[0] = '\0';
			return err_set(ERR_IO, "%s: %s", name, strerror(errno));
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if ((nl = memchr(buf, '\n', got)) != NULL)
		used = (size_t)(nl - buf);
	else
		used = got < PIN_MAX + 2 ? got : PIN_MAX + 2;
	secmem_wipe(buf + (used < PIN_MAX + 1 ? used : PIN_MAX + 1),
	    PIN_MAX + 2 - (used < PIN_MAX + 1 ? used : PIN_MAX + 1));
	if (used > PIN_MAX + 1)
		return err_set(ERR_DATA, "%s: PIN longer than %d bytes", name,
		    PIN_MAX);
	return line_verdict(name, buf, used, 0, len);
}

static int
read_file(const char *path, char *buf, size_t *len)
{
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		if (errno == ENOENT)
			return err_set(ERR_NOINPUT, "%s: no such file", path);
		return err_set(ERR_NOINPUT, "%s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		ret = read_regular(fd, path, buf, len);
	else
		ret = read_line(fd, path, buf, len);
	close(fd);
	return ret;
}

static int
read_fd(int fd, char *buf, size_t *len)
{
	char name[40];

	snprintf(name, sizeof(name), "file descriptor %d", fd);
	return read_line(fd, name, buf, len);
}

static void
pin_catch(int sig)
{
	pin_signo = sig;
}

static void
catch_signals(struct tty *t)
{
	struct sigaction sa;
	sigset_t unblock;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = pin_catch;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: a signal ends the read() */
	pin_signo = 0;
	sigemptyset(&unblock);
	for (i = 0; i < NPIN_SIGNALS; i++) {
		sigaction(pin_signals[i], &sa, &t->old[i]);
		/* A signal the program ignores stays ignored. */
		if (t->old[i].sa_handler == SIG_IGN)
			sigaction(pin_signals[i], &t->old[i], NULL);
		sigaddset(&unblock, pin_signals[i]);
	}
	/* A program that holds signals between its steps (ui.h) still
	 * lets the person at the prompt interrupt it: nothing is half done
	 * while it waits for a PIN.  The mask comes back in
	 * restore_signals(), and the signal, re-raised, stays pending for
	 * the program's own step-boundary check. */
	sigprocmask(SIG_UNBLOCK, &unblock, &t->oldmask);
}

static void
restore_signals(struct tty *t)
{
	size_t i;

	for (i = 0; i < NPIN_SIGNALS; i++)
		sigaction(pin_signals[i], &t->old[i], NULL);
	sigprocmask(SIG_SETMASK, &t->oldmask, NULL);
}

static int
tty_begin(struct tty *t, const char *prompt)
{
	struct termios quiet;
	size_t off = 0, plen = strlen(prompt);
	ssize_t n;

	t->fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (t->fd == -1)
		return err_set(ERR_USAGE, NO_TTY_MSG);
	if (tcgetattr(t->fd, &t->saved) == -1) {
		close(t->fd);
		return err_set(ERR_USAGE, NO_TTY_MSG);
	}
	catch_signals(t);
	quiet = t->saved;
	quiet.c_lflag &= ~(ECHO | ECHOE | ECHOK);
	quiet.c_lflag |= ECHONL | ICANON;
	/* TCSAFLUSH: drop anything typed before echo went off. */
	(void)tcsetattr(t->fd, TCSAFLUSH, &quiet);
	while (off < plen) {
		n = write(t->fd, prompt + off, plen - off);
		if (n == -1 && errno == EINTR && pin_signo == 0)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	return 0;
}

static void
tty_end(struct tty *t)
{
	(void)tcsetattr(t->fd, TCSAFLUSH, &t->saved);
	restore_signals(t);
	close(t->fd);
}

/*
 * Prompt on the terminal and read one line with echo off.  A signal
 * that stops the process restarts the prompt once it continues; any
 * other caught signal is delivered with the program's own disposition,
 * and if the program survives it the prompt fails.
 */
static int
read_prompt(const char *prompt, char *buf, size_t *len)
{
	struct tty t;
	int ret, sig;

	for (;;) {
		if ((ret = tty_begin(&t, prompt)) != 0)
			return ret;
		ret = read_line(t.fd, "PIN prompt", buf, len);
		tty_end(&t);
		if ((sig = pin_signo) == 0)
			return ret;
		secmem_wipe(buf, PIN_MAX + 2);
		pin_signo = 0;
		kill(getpid(), sig);
		if (sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU)
			return err_set(ERR_USAGE, "PIN entry interrupted");
	}
}

static int
read_source(const struct pin_source *src, const char *prompt, char *buf,
    size_t *len)
{
	switch (src->kind) {
	case PIN_PROMPT:
		return read_prompt(prompt, buf, len);
	case PIN_FILE:
		return read_file(src->path, buf, len);
	case PIN_FD:
		return read_fd(src->fd, buf, len);
	}
	return err_set(ERR_INTERNAL, "unknown PIN source");
}

static int
pin_get(const struct pin_source *src, const char *prompt, int confirm,
    char **pin)
{
	char *buf = NULL, *again = NULL;
	size_t len, len2;
	int ret;

	*pin = NULL;
	confirm = confirm && src->kind == PIN_PROMPT;
	buf = secmem_alloc(PIN_MAX + 2);
	if (confirm)
		again = secmem_alloc(PIN_MAX + 2);
	if (buf == NULL || (confirm && again == NULL)) {
		ret = err_set(ERR_INTERNAL, "out of locked memory");
		goto out;
	}
	if ((ret = read_source(src, prompt, buf, &len)) != 0)
		goto out;
	if (confirm) {
		if ((ret = read_source(src, "Type it again: ", again,
		    &len2)) != 0)
			goto out;
		if (len != len2 || secmem_equal(buf, again, len) != 0) {
			ret = err_set(ERR_DATA, "the two entries differ");
			goto out;
		}
	}
	*pin = buf;
	buf = NULL;
out:
	secmem_free(buf);
	secmem_free(again);
	return ret;
}

int
pin_read(const struct pin_source *src, const char *prompt, char **pin)
{
	return pin_get(src, prompt, 0, pin);
}

int
pin_read_new(const struct pin_source *src, const char *prompt, char **pin)
{
	return pin_get(src, prompt, 1, pin);
}
