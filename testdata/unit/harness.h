/*
 * harness.h: the project's small unit test harness.
 *
 * Each CHECK prints "PASS: file: what" or "FAIL: file:line: what" and the
 * binary exits non-zero if anything failed.  scripts/run-tests counts the
 * PASS and FAIL lines of every unit binary and regress script and ends
 * the run with "N passed, N failed".
 */
#ifndef PKI_HARNESS_H
#define PKI_HARNESS_H

#include <stdio.h>
#include <string.h>

static int harness_passed, harness_failed;

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		harness_passed++;					\
		printf("PASS: %s: ", __FILE__);				\
	} else {							\
		harness_failed++;					\
		printf("FAIL: %s:%d: ", __FILE__, __LINE__);		\
	}								\
	printf(__VA_ARGS__);						\
	printf("\n");							\
} while (0)

/* CHECK that an expression returns the expected error code. */
#define CHECK_RC(expr, want, ...) do {					\
	int harness_rc_ = (expr);					\
	CHECK(harness_rc_ == (want), __VA_ARGS__);			\
	if (harness_rc_ != (want))					\
		printf("      got %d, want %d: %s\n", harness_rc_,	\
		    (want), err_msg());					\
} while (0)

#define harness_done() harness_summary(__FILE__)

static inline int
harness_summary(const char *file)
{
	printf("# %s: %d ok, %d failing\n", file, harness_passed,
	    harness_failed);
	return harness_failed == 0 ? 0 : 1;
}

#endif
