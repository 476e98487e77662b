/*
 * par.c: run a loop body on every core.
 *
 * Workers take indices from an atomic counter; the calling thread works
 * too.  No shared state beyond the counter: fn owns its item.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "err.h"
#include "par.h"

#define PAR_MAX_THREADS	64

struct par_job {
	size_t n;
	atomic_size_t next;
	void (*fn)(void *, size_t);
	void *arg;
};

unsigned
par_cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > PAR_MAX_THREADS ? PAR_MAX_THREADS : (unsigned)n;
}

static void *
worker(void *p)
{
	struct par_job *job = p;
	size_t i;

	while ((i = atomic_fetch_add(&job->next, 1)) < job->n)
		job->fn(job->arg, i);
	return NULL;
}

int
par_for_with(size_t n, unsigned threads, void (*fn)(void *arg, size_t i),
    void *arg, int (*serial)(void *serial_arg), void *serial_arg)
{
	pthread_t tids[PAR_MAX_THREADS];
	struct par_job job;
	unsigned i, started = 0;
	int ret;

	if (threads == 0)
		threads = par_cores();
	if (threads > PAR_MAX_THREADS)
		threads = PAR_MAX_THREADS;
	if ((size_t)threads > n)
		threads = (unsigned)n;
	job.n = n;
	atomic_init(&job.next, 0);
	job.fn = fn;
	job.arg = arg;
	for (i = 0; i < threads; i++)
		if (pthread_create(&tids[started], NULL, worker, &job) == 0)
			started++;
	ret = serial(serial_arg);
	worker(&job);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	return ret;
}

int
par_for(size_t n, unsigned threads, void (*fn)(void *arg, size_t i),
    void *arg)
{
	pthread_t tids[PAR_MAX_THREADS];
	struct par_job job;
	unsigned i, started = 0;

	if (threads == 0)
		threads = par_cores();
	if (threads > PAR_MAX_THREADS)
		threads = PAR_MAX_THREADS;
	if ((size_t)threads > n)
		threads = n == 0 ? 1 : (unsigned)n;
	job.n = n;
	atomic_init(&job.next, 0);
	job.fn = fn;
	job.arg = arg;
	for (i = 1; i < threads; i++)
		if (pthread_create(&tids[started], NULL, worker, &job) == 0)
			started++;
	worker(&job);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	return 0;
}
