/*
 * test_envgate.c: unit tests for common/envgate.c.
 *
 * The real environment of a test machine is whatever it is, so
 * envgate_check() is checked for shape and for agreement with
 * secmem.h; envgate_enforce() and envgate_summary() are checked on
 * fabricated findings: each problem alone is ERR_NO with a sentence
 * that names it (the interface by name), the network is reported first,
 * and --rehearsal lets everything through.
 */
#include <net/if.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "envgate.h"
#include "err.h"
#include "harness.h"
#include "secmem.h"

/* 1 if s is "YYYY-MM-DDTHH:MM:SSZ" within 60 s of now. */
static int
utc_shape(const char *s)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:ddZ";
	struct tm tm;
	time_t t;
	size_t i;

	if (strlen(s) != sizeof(pat) - 1)
		return 0;
	for (i = 0; pat[i] != '\0'; i++) {
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if (strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL)
		return 0;
	t = timegm(&tm);
	return t > time(NULL) - 60 && t < time(NULL) + 60;
}

static void
test_check(void)
{
	struct envgate g;

	memset(&g, 0x55, sizeof(g));
	CHECK_RC(envgate_check(&g), 0, "envgate_check succeeds");
	CHECK(utc_shape(g.utc),
	    "utc is YYYY-MM-DDTHH:MM:SSZ and now (\"%.31s\")", g.utc);
	CHECK(g.core_dumps == 0, "after secmem_init no core dumps are found");
	CHECK(g.mlock_ok == secmem_can_lock(256 * 1024),
	    "mlock_ok agrees with secmem_can_lock(256 kB)");
	if (g.network_up)
		CHECK(g.interface[0] != '\0' &&
		    strcmp(g.interface, "lo") != 0 &&
		    if_nametoindex(g.interface) != 0,
		    "network up names a real non-loopback interface (%.63s)",
		    g.interface);
	else
		CHECK(g.interface[0] == '\0',
		    "network down leaves interface empty");
}

static void
test_utc_now(void)
{
	char buf[32];

	envgate_utc_now(buf, sizeof(buf));
	CHECK(utc_shape(buf), "envgate_utc_now (\"%s\")", buf);
}

static struct envgate
good(void)
{
	struct envgate g;

	memset(&g, 0, sizeof(g));
	g.mlock_ok = 1;
	snprintf(g.utc, sizeof(g.utc), "2026-11-23T12:00:00Z");
	return g;
}

static void
test_enforce(void)
{
	struct envgate g = good();

	err_clear();
	CHECK_RC(envgate_enforce(&g, 0), 0, "a fit environment passes");
	g.network_up = 1;
	snprintf(g.interface, sizeof(g.interface), "wlp2s0");
	CHECK_RC(envgate_enforce(&g, 0), ERR_NO, "a network interface up");
	CHECK(strstr(err_msg(), "wlp2s0") != NULL,
	    "the message names the interface (\"%s\")", err_msg());
	CHECK_RC(envgate_enforce(&g, 1), 0, "rehearsal lets it through");

	g = good();
	g.core_dumps = 1;
	CHECK_RC(envgate_enforce(&g, 0), ERR_NO, "core dumps possible");
	CHECK(strstr(err_msg(), "core dump") != NULL,
	    "the message says core dumps (\"%s\")", err_msg());
	CHECK_RC(envgate_enforce(&g, 1), 0, "rehearsal lets it through");

	g = good();
	g.mlock_ok = 0;
	CHECK_RC(envgate_enforce(&g, 0), ERR_NO, "memory cannot be locked");
	CHECK(strstr(err_msg(), "lock") != NULL,
	    "the message says locking (\"%s\")", err_msg());
	CHECK_RC(envgate_enforce(&g, 1), 0, "rehearsal lets it through");

	g = good();
	g.network_up = 1;
	snprintf(g.interface, sizeof(g.interface), "eth0");
	g.core_dumps = 1;
	g.mlock_ok = 0;
	CHECK_RC(envgate_enforce(&g, 0), ERR_NO, "everything wrong");
	CHECK(strstr(err_msg(), "eth0") != NULL,
	    "the network is reported first (\"%s\")", err_msg());
	CHECK_RC(envgate_enforce(&g, 1), 0,
	    "rehearsal lets everything through");
}

static void
test_summary(void)
{
	struct envgate g = good();
	char buf[128], small[10];

	envgate_summary(&g, buf, sizeof(buf));
	CHECK(strcmp(buf, "network=down core_dumps=off mlock=ok") == 0,
	    "summary of a fit environment (\"%s\")", buf);
	g.network_up = 1;
	snprintf(g.interface, sizeof(g.interface), "eth0");
	g.core_dumps = 1;
	g.mlock_ok = 0;
	envgate_summary(&g, buf, sizeof(buf));
	CHECK(strcmp(buf, "network=up(eth0) core_dumps=possible mlock=failed")
	    == 0, "summary of an unfit environment (\"%s\")", buf);
	memset(small, 'x', sizeof(small));
	envgate_summary(&g, small, sizeof(small));
	CHECK(memchr(small, '\0', sizeof(small)) != NULL &&
	    strncmp(small, "network=u", 9) == 0,
	    "a short buffer is truncated and terminated");
}

int
main(void)
{
	if (secmem_init() != 0) {
		printf("secmem_init: %s\n", err_msg());
		return 1;
	}
	test_check();
	test_utc_now();
	test_enforce();
	test_summary();
	return harness_done();
}
