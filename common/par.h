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

/*
 * par_for() on threads worker threads (0: par_cores()) started before
 * the calling thread runs serial(serial_arg), which returns what this
 * returns; then the calling thread takes indices too until all are
 * done.  For a single-threaded step (the inventory) that can overlap the
 * parallel work: serial must not touch what fn touches.  With threads 1
 * and a serial step, that one worker and the caller share the work.
 */
int	par_for_with(size_t n, unsigned threads,
	    void (*fn)(void *arg, size_t i), void *arg,
	    int (*serial)(void *serial_arg), void *serial_arg);

#endif
