/*
 * fileio.h: reading inputs and publishing outputs safely.
 *
 * Public outputs are published atomically (temp file in the same
 * directory, fsync, rename, fsync of the directory), so a reader never
 * sees half a file.  Outputs that must not replace anything are created
 * with O_CREAT|O_EXCL|O_NOFOLLOW.  A program that writes several outputs
 * builds them in a staging directory and publishes the whole directory
 * with one rename (fileio_stage_*), so that a failure leaves nothing.
 */
#ifndef PKI_FILEIO_H
#define PKI_FILEIO_H

#include <sys/types.h>
#include <stddef.h>

/*
 * Read a whole file ("-" is stdin) of at most max bytes into a malloc'd
 * buffer, NUL-terminated (the NUL is not counted in *len).  The caller
 * frees *buf with free().  Errors: ERR_NOINPUT (missing), ERR_DATA (too
 * large), ERR_IO.
 */
int	fileio_read(const char *path, size_t max, unsigned char **buf,
	    size_t *len);

/*
 * As fileio_read(), into a secmem_alloc() buffer (free with
 * secmem_free()).  For share files, PIN files and key files.
 */
int	fileio_read_secret(const char *path, size_t max, unsigned char **buf,
	    size_t *len);

/*
 * Write len bytes to path atomically with the given mode.  If replace is
 * 0 and path exists, fails with ERR_EXISTS and writes nothing.
 */
int	fileio_write_atomic(const char *path, const void *buf, size_t len,
	    mode_t mode, int replace);

/*
 * fsync the directory holding path, so that a name just created, linked
 * or renamed there survives a power cut; errors are ignored (some file
 * systems cannot sync a directory).
 */
void	fileio_sync_parent(const char *path);

/*
 * fileio_write_atomic(replace 1) through the fixed temporary name tmp,
 * in path's directory, for a writer holding a lock that covers both: tmp
 * is truncated and reused, so a writer killed mid-way leaves at most
 * that one file, which the next writer takes over (random temporary
 * names would pile up where a sweep cannot afford to look).
 */
int	fileio_replace_via(const char *path, const char *tmp, const void *buf,
	    size_t len, mode_t mode);

/*
 * Create path with O_CREAT|O_EXCL|O_NOFOLLOW and the given mode, write
 * len bytes and fsync.  ERR_EXISTS if it exists; on a write error the
 * file is removed.
 */
int	fileio_write_new(const char *path, const void *buf, size_t len,
	    mode_t mode);

/*
 * For batches: publish path like fileio_write_atomic(replace 0) but
 * without an fsync per file; call fileio_sync() once for the batch.
 */
int	fileio_write_lazy(const char *path, const void *buf, size_t len,
	    mode_t mode);

/*
 * fileio_write_lazy() in fewer system calls, for large batches: the
 * bytes go into an unnamed file (O_TMPFILE) in path's directory, which
 * is linked as path only once complete, so path is absent or whole and
 * an existing path is never replaced (ERR_EXISTS).  No flush: call
 * fileio_sync() once for the batch.  Where the file system or /proc
 * lacks what this needs it falls back to fileio_write_lazy().
 */
int	fileio_write_linked(const char *path, const void *buf, size_t len,
	    mode_t mode);

/*
 * An output written before the moment it may appear, so that flushing
 * it overlaps other work (another thread's): fileio_prepare() writes buf
 * into an unnamed file (O_TMPFILE) in path's directory, with mode, and
 * flushes it; fileio_publish() links it as path, never replacing one
 * (ERR_EXISTS), and flushes the directory.  The result is that of
 * fileio_write_atomic(replace 0), with one flush left after the moment
 * instead of two.  Nothing named exists before fileio_publish(): a
 * prepared file that is freed unpublished, or whose writer dies,
 * vanishes.  fileio_prepare() sets *out to NULL and returns 0 where the
 * file system or /proc lacks what this needs: write the ordinary way
 * then.  Errors: ERR_IO, ERR_INTERNAL.
 */
struct fileio_prepared;
int	fileio_prepare(const char *path, const void *buf, size_t len,
	    mode_t mode, struct fileio_prepared **out);
int	fileio_publish(struct fileio_prepared *p);
void	fileio_prepared_free(struct fileio_prepared *p);

/* Flush the file system holding path to disk (syncfs). */
int	fileio_sync(const char *path);

/*
 * Remove what a killed writer of path left: regular files named
 * "<path>.tmp-XXXXXX" (the temporary names of fileio_write_atomic())
 * last modified at least min_age seconds ago, so that a writer still
 * at work is never disturbed.  Best effort: errors are ignored.
 */
void	fileio_sweep_temps(const char *path, long long min_age);

/* 1 if path exists (any type, links not followed), 0 if not. */
int	fileio_exists(const char *path);

/*
 * A staging directory for the final directory final_dir: creates
 * "<final_dir>.tmp-XXXXXX" beside it (mode 0700) and returns its path in
 * a malloc'd string.  ERR_EXISTS if final_dir exists.
 */
int	fileio_stage_begin(const char *final_dir, char **stage_dir);

/*
 * Publish the staging directory: fsync it and rename it to final_dir
 * (which must still not exist), then fsync the parent.
 */
int	fileio_stage_commit(const char *stage_dir, const char *final_dir);

/* Remove the staging directory and everything in it (no subdirectories
 * below the first level are expected); NULL is accepted. */
void	fileio_stage_abort(const char *stage_dir);

/* "dir/name" in a malloc'd string, or NULL. */
char	*fileio_join(const char *dir, const char *name);

/* SHA-256 of a file's contents; ERR_NOINPUT or ERR_IO on failure. */
int	fileio_sha256(const char *path, unsigned char digest[32]);

#endif
