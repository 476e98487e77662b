/*
 * err.h: error codes shared by every common/ module and every tool.
 *
 * A common/ function returns 0 on success or one of the negative codes
 * below.  The code is the negated exit status the tool will use, so
 * "return ERR_DATA" in a library function ends as exit status 65 without
 * a translation table.  Library code never prints: it records one
 * sentence of detail with err_set() (which input, which line, which rule),
 * and the tool prints it with err_report().
 *
 * Exit status table (the same EXIT STATUS section in every man page):
 *   0   success
 *   1   a definite "no": verification failed, policy refuses,
 *       shares do not reconstruct
 *   64  usage error            65  bad input data
 *   66  missing input          69  HSM unavailable
 *   70  internal error         73  output exists / cannot create
 *   74  I/O error              77  wrong PIN / not authorised
 *   78  bad configuration
 */
#ifndef PKI_ERR_H
#define PKI_ERR_H

#include <stdarg.h>

enum {
	ERR_OK = 0,
	ERR_NO = -1,		/* definite "no" */
	ERR_USAGE = -64,	/* EX_USAGE */
	ERR_DATA = -65,		/* EX_DATAERR */
	ERR_NOINPUT = -66,	/* EX_NOINPUT */
	ERR_UNAVAILABLE = -69,	/* EX_UNAVAILABLE: HSM or module */
	ERR_INTERNAL = -70,	/* EX_SOFTWARE */
	ERR_EXISTS = -73,	/* EX_CANTCREAT */
	ERR_IO = -74,		/* EX_IOERR */
	ERR_AUTH = -77,		/* EX_NOPERM: wrong PIN */
	ERR_CONFIG = -78	/* EX_CONFIG */
};

/*
 * Record a detail message for code and return code, so that a library
 * function can write "return err_set(ERR_DATA, "%s: ...", path);".
 * The message replaces any earlier one.
 */
int	err_set(int code, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* The detail message of the last err_set(), or "" if none. */
const char *err_msg(void);

/* Forget the detail message. */
void	err_clear(void);

/* A short generic text for a code ("bad input data", ...). */
const char *err_str(int code);

/* The process exit status for a code: 0, 1, or a sysexits value. */
int	err_exit_status(int code);

/*
 * Print "prog: detail" (or "prog: generic text" when there is no
 * detail) to stderr and return err_exit_status(code).
 */
int	err_report(const char *prog, int code);

/*
 * Append the first queued OpenSSL error to the detail message, as
 * " (openssl: ...)", and clear the OpenSSL error queue.
 */
void	err_add_openssl(void);

#endif
