/*
 * ui.c: talking to the people in the ceremony room.
 *
 * Everything typed back (shares) lands in secmem buffers; echo is off
 * while a share is typed or scanned so it does not stay on the screen.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "err.h"
#include "secmem.h"
#include "ui.h"

#define BLOCK_MAX	4096

int
ui_interactive(void)
{
	return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

int
ui_confirm(const char *question, int assume_yes)
{
	char answer[16];
	FILE *tty;
	int ret;

	if (assume_yes)
		return 0;
	if ((tty = fopen("/dev/tty", "r+")) == NULL)
		return err_set(ERR_USAGE, "no terminal to confirm the plan; "
		    "review it and use --yes");
	/* Only an answer typed after the question counts: drop
	 * type-ahead (a "yes" typed before the plan was on screen). */
	(void)tcflush(fileno(tty), TCIFLUSH);
	fprintf(tty, "%s Type \"yes\" to continue: ", question);
	fflush(tty);
	if (fgets(answer, sizeof(answer), tty) == NULL)
		answer[0] = '\0';
	answer[strcspn(answer, "\r\n")] = '\0';
	ret = strcmp(answer, "yes") == 0 ? 0 :
	    err_set(ERR_NO, "not confirmed: nothing was done");
	fclose(tty);
	return ret;
}

void
ui_pause_and_clear(const char *prompt)
{
	char line[16];
	FILE *tty = fopen("/dev/tty", "r+");

	if (tty == NULL)
		return;
	(void)tcflush(fileno(tty), TCIFLUSH);
	fprintf(tty, "%s", prompt);
	fflush(tty);
	if (fgets(line, sizeof(line), tty) == NULL)
		line[0] = '\0';
	/* Clear the screen and the scrollback. */
	fprintf(tty, "\033[H\033[2J\033[3J");
	fflush(tty);
	fclose(tty);
}

static int
read_lines(int fd, char *buf, size_t *used)
{
	size_t line_start = 0;
	ssize_t n;
	char c;

	*used = 0;
	while ((n = read(fd, &c, 1)) == 1) {
		if (*used + 1 >= BLOCK_MAX)
			return err_set(ERR_DATA, "typed share is too long");
		buf[(*used)++] = c;
		if (c != '\n')
			continue;
		if (*used - line_start == 1 && line_start > 0)
			break;	/* an empty line ends the block */
		line_start = *used;
	}
	buf[*used] = '\0';
	return 0;
}

int
ui_read_block(const char *prompt, char **text, size_t *len)
{
	struct termios saved, quiet;
	char *buf = NULL;
	int fd, ret, echo_off = 0;

	*text = NULL;
	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) == -1)
		return err_set(ERR_USAGE, "no terminal to read the share");
	if ((buf = secmem_alloc(BLOCK_MAX)) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	/* Echo off before the prompt: a scanner may start at once. */
	if (tcgetattr(fd, &saved) == 0) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		echo_off = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	if (write(fd, prompt, strlen(prompt)) < 0) {
		ret = err_set(ERR_IO, "cannot write to the terminal");
		goto out;
	}
	if ((ret = read_lines(fd, buf, len)) != 0)
		goto out;
	*text = buf;
	buf = NULL;
out:
	if (echo_off)
		(void)tcsetattr(fd, TCSAFLUSH, &saved);
	secmem_free(buf);
	close(fd);
	return ret;
}

static void
stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
}

void
ui_block_signals(void)
{
	sigset_t set;

	stop_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

int
ui_interrupted(void)
{
	sigset_t pending, set;
	int sig;

	stop_signals(&set);
	if (sigpending(&pending) == -1)
		return 0;
	for (sig = 1; sig < NSIG; sig++)
		if (sigismember(&set, sig) && sigismember(&pending, sig))
			return err_set(ERR_NO, "interrupted by signal %d: "
			    "everything done so far was undone", sig);
	return 0;
}
