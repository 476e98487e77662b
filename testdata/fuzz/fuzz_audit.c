/*
 * fuzz_audit: a hash-chained, sealed log (a ceremony transcript or a
 * CA's audit.log) as pki-audit verify and show read it:
 * audit_verify() without and with a pinned key, and audit_each().
 */
#include "audit.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

static int
line(void *arg, unsigned long lineno, const char *text, size_t len)
{
	unsigned long *n = arg;

	if (lineno != *n + 1 || text[len] != '\0' || len > AUDIT_LINE_MAX)
		fuzz_die("audit_each passed line %lu after %lu", lineno, *n);
	*n = lineno;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char pin[32] = { 1, 2, 3 };
	struct audit_report r;
	const char *path = fuzz_file(data, size);
	unsigned long n = 0;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = audit_verify(path, NULL, &r);
	fuzz_check_rc(rc, "audit_verify");
	if (rc == 0 && (r.first_bad_line != 0 || !r.sealed_at_end))
		fuzz_die("a log verified with a bad line or no final seal");
	if (rc == ERR_NO && r.problem[0] == '\0')
		fuzz_die("a log failed without saying why");
	if (memchr(r.problem, '\0', sizeof(r.problem)) == NULL)
		fuzz_die("the problem text is not terminated");
	memset(&r, 0, sizeof(r));
	fuzz_check_rc(audit_verify(path, pin, &r), "audit_verify");
	fuzz_check_rc(audit_each(path, line, &n), "audit_each");
	return 0;
}
