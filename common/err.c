/*
 * err.c: the detail message behind an error code.
 *
 * One buffer per thread.  Detail messages never contain secrets: callers pass names
 * of inputs and rules, never PINs, shares or key bytes.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "err.h"

/* Per thread: batch programs sign on several threads. */
static _Thread_local char err_detail[1024];

int
err_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_detail, sizeof(err_detail), fmt, ap);
	va_end(ap);
	return code;
}

const char *
err_msg(void)
{
	return err_detail;
}

void
err_clear(void)
{
	err_detail[0] = '\0';
}

const char *
err_str(int code)
{
	switch (code) {
	case ERR_OK:
		return "success";
	case ERR_NO:
		return "verification failed";
	case ERR_USAGE:
		return "usage error";
	case ERR_DATA:
		return "bad input data";
	case ERR_NOINPUT:
		return "missing input";
	case ERR_UNAVAILABLE:
		return "HSM or PKCS#11 module unavailable";
	case ERR_EXISTS:
		return "output exists or cannot be created";
	case ERR_IO:
		return "I/O error";
	case ERR_AUTH:
		return "wrong PIN or not authorised";
	case ERR_CONFIG:
		return "bad configuration";
	default:
		return "internal error";
	}
}

int
err_exit_status(int code)
{
	switch (code) {
	case ERR_OK:
	case ERR_NO:
	case ERR_USAGE:
	case ERR_DATA:
	case ERR_NOINPUT:
	case ERR_UNAVAILABLE:
	case ERR_INTERNAL:
	case ERR_EXISTS:
	case ERR_IO:
	case ERR_AUTH:
	case ERR_CONFIG:
		return -code;
	default:
		return -ERR_INTERNAL;
	}
}

int
err_report(const char *prog, int code)
{
	if (code == ERR_OK)
		return 0;
	if (err_detail[0] != '\0')
		fprintf(stderr, "%s: %s\n", prog, err_detail);
	else
		fprintf(stderr, "%s: %s\n", prog, err_str(code));
	return err_exit_status(code);
}

void
err_add_openssl(void)
{
	unsigned long e = ERR_get_error();
	size_t used = strlen(err_detail);
	char buf[256];

	if (e == 0)
		return;
	ERR_error_string_n(e, buf, sizeof(buf));
	if (used < sizeof(err_detail))
		snprintf(err_detail + used, sizeof(err_detail) - used,
		    " (openssl: %s)", buf);
	ERR_clear_error();
}
