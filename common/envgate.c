/*
 * envgate.c: the air-gap check that ceremony programs run first.
 *
 * Reads the interface list with getifaddrs(); an interface counts as up
 * when IFF_UP and IFF_RUNNING are set and it is not IFF_LOOPBACK.  Trusts
 * the kernel's view; it cannot see radios that have no interface.
 */
#include <sys/types.h>

#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "envgate.h"
#include "err.h"
#include "secmem.h"

/* What a ceremony program locks at most at once: keys, shares, KEK. */
#define LOCK_PROBE_BYTES	(256 * 1024)

void
envgate_utc_now(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	if (strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0 && len > 0)
		buf[0] = '\0';
}

int
envgate_check(struct envgate *g)
{
	struct ifaddrs *ifs, *ifa;
	unsigned want = IFF_UP | IFF_RUNNING;

	memset(g, 0, sizeof(*g));
	envgate_utc_now(g->utc, sizeof(g->utc));
	if (getifaddrs(&ifs) == -1)
		return err_set(ERR_INTERNAL, "cannot list network interfaces");
	for (ifa = ifs; ifa != NULL; ifa = ifa->ifa_next) {
		if ((ifa->ifa_flags & IFF_LOOPBACK) != 0)
			continue;
		if ((ifa->ifa_flags & want) != want)
			continue;
		g->network_up = 1;
		snprintf(g->interface, sizeof(g->interface), "%s",
		    ifa->ifa_name);
		break;
	}
	freeifaddrs(ifs);
	g->core_dumps = !secmem_core_dumps_off();
	g->mlock_ok = secmem_can_lock(LOCK_PROBE_BYTES);
	return 0;
}

int
envgate_enforce(const struct envgate *g, int rehearsal)
{
	if (rehearsal)
		return 0;
	if (g->network_up)
		return err_set(ERR_NO, "network interface %s is up: a ceremony "
		    "runs air-gapped (use --rehearsal for a dry run)",
		    g->interface);
	if (g->core_dumps)
		return err_set(ERR_NO, "core dumps are possible: refusing to "
		    "handle key material (use --rehearsal for a dry run)");
	if (!g->mlock_ok)
		return err_set(ERR_NO, "memory cannot be locked (raise "
		    "RLIMIT_MEMLOCK; use --rehearsal for a dry run)");
	return 0;
}

void
envgate_summary(const struct envgate *g, char *buf, size_t len)
{
	snprintf(buf, len, "network=%s%s%s core_dumps=%s mlock=%s",
	    g->network_up ? "up(" : "down", g->network_up ? g->interface : "",
	    g->network_up ? ")" : "", g->core_dumps ? "possible" : "off",
	    g->mlock_ok ? "ok" : "failed");
}
