/*
 * ui.h: talking to the people in the ceremony room.
 *
 * Questions are asked on the controlling terminal (/dev/tty), never on
 * stdin, so that a script cannot confirm by accident; scripts say --yes.
 */
#ifndef PKI_UI_H
#define PKI_UI_H

#include <stddef.h>

/*
 * Ask the question and wait for the word "yes".  0 if confirmed (or
 * assume_yes), ERR_NO if anything else was typed, ERR_USAGE when there
 * is no terminal ("use --yes").
 */
int	ui_confirm(const char *question, int assume_yes);

/* 1 if stdin and stdout are both terminals. */
int	ui_interactive(void);

/* Wait for Enter on the terminal, then clear the screen. */
void	ui_pause_and_clear(const char *prompt);

/*
 * Read one line from the terminal without echo into a secmem buffer
 * (NUL-terminated); for a custodian typing or scanning a share back.
 * Reads until an empty line, so that a multi-line block can be pasted.
 */
int	ui_read_block(const char *prompt, char **text, size_t *len);

/*
 * Block SIGINT, SIGTERM, SIGHUP and SIGQUIT from now on, so that a
 * program in the middle of a ceremony is never stopped between two
 * steps; it asks ui_interrupted() at each step boundary instead and
 * cleans up.  (SIGKILL cannot be blocked: see the man pages.)
 */
void	ui_block_signals(void);

/* ERR_NO "interrupted" if one of those signals is pending, else 0. */
int	ui_interrupted(void);

#endif
