/*
 * envgate.h: the air-gap check that ceremony programs run first.
 *
 * A ceremony program refuses to start when a non-loopback network
 * interface is up, when the process could dump core, or when memory
 * cannot be locked -- unless the operator says --rehearsal, in which
 * case the findings are only reported (and recorded in the transcript).
 */
#ifndef PKI_ENVGATE_H
#define PKI_ENVGATE_H

#include <stddef.h>

struct envgate {
	int network_up;		/* a non-loopback interface is up */
	char interface[64];	/* the first such interface */
	int core_dumps;		/* core dumps are possible */
	int mlock_ok;		/* memory can be locked */
	char utc[32];		/* "2026-11-23T12:00:00Z" at the check */
};

/* Look at the environment; fills *g and returns 0 (ERR_INTERNAL if the
 * interface list cannot be read). */
int	envgate_check(struct envgate *g);

/*
 * 0 if the environment is fit for a ceremony, or if rehearsal is set;
 * otherwise ERR_NO with one sentence naming the first problem.
 */
int	envgate_enforce(const struct envgate *g, int rehearsal);

/* "network=down core_dumps=off mlock=ok" style summary for transcripts. */
void	envgate_summary(const struct envgate *g, char *buf, size_t len);

/* The current time as "YYYY-MM-DDTHH:MM:SSZ". */
void	envgate_utc_now(char *buf, size_t len);

#endif
