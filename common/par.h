/*
 * par.h: run a loop body on every core.
 *
 * The batch programs (pki-issue --batch, pki-ocsp refresh) sign many
 * independent objects; par_for() spreads the indices over worker
 * threads that take the next index from a shared counter, so a slow item
 * never holds up the others.
 */
#ifndef PKI_PAR_H
#define PKI_PAR_H

#include <stddef.h>

/* The number of online processors (at least 1). */
unsigned par_cores(void);

/*
 * Call fn(arg, i) for every i in [0, n), on up to threads threads
 * (0: par_cores()).  fn must be safe to run concurrently for distinct
 * i.  Returns 0, or ERR_INTERNAL when no thread could be started (then
 * nothing ran).
 */
int	par_for(size_t n, unsigned threads, void (*fn)(void *arg, size_t i),
	    void *arg);

#endif
