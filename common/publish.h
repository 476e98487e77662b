/*
 * publish.h: many small public files replaced in one directory, in
 * batches, each replacement atomic and durable.
 *
 * For pki-ocsp refresh (one DER response per serial) and any other
 * batch output.  A batch is a set of numbered slots: publish_put() (from
 * any thread, one slot each) writes a file's new bytes into a private
 * pool file DIR/.publish/SLOT; publish_commit() makes every pool file's
 * data durable with one syncfs(), then swaps each into DIR/NAME with
 * renameat2(RENAME_EXCHANGE) (rename() for a new name), then fsyncs the
 * directories.  A reader of DIR/NAME sees the old complete file or the
 * new complete one at every moment, and after a crash it is one of the
 * two; after publish_commit() returns 0 every new file is on disk.
 *
 * Why a pool: on ext4, replacing a file by rename() frees the old
 * file's blocks and allocates new ones for every file, which costs
 * milliseconds a file on a loaded disk.  The exchange leaves the old
 * file in the pool, and the next batch overwrites it in place: no block
 * is freed or allocated.  A pool file is overwritten only when nobody
 * else has it open (a write lease, fcntl(2) F_SETLEASE, proves it) and
 * it has no other link; otherwise it is unlinked and a new one made.
 * So a reader that opened the old DIR/NAME keeps reading the old bytes.
 * The lease is held for two system calls; a process of the same user
 * that opens a pool file in that instant sends this one SIGIO.
 *
 * One process at a time uses a directory's pool: publish_open() waits
 * for an exclusive flock(2) on DIR/.publish/lock.  Trusts the
 * directory's owner; names must be plain file names.
 */
#ifndef PKI_PUBLISH_H
#define PKI_PUBLISH_H

#include <stddef.h>

/* The pool directory inside the publish directory. */
#define PUBLISH_POOL	".publish"

struct publish;

/*
 * Open dir (which must exist) for batches of up to slots files, mode
 * 0644.  Creates DIR/.publish (0700) when missing and waits for its
 * lock.  Free with publish_close().  Returns 0, ERR_USAGE (slots 0 or
 * above 65536), ERR_IO or ERR_INTERNAL.
 */
int	publish_open(const char *dir, size_t slots, struct publish **out);

/*
 * Write len bytes as the next content of DIR/name, in slot (< slots).
 * Nothing is visible under name until publish_commit().  Distinct slots
 * may be put from several threads at once.  Putting a slot again before
 * the commit replaces its content and name.  Returns 0, ERR_USAGE (bad
 * slot or name), ERR_IO or ERR_INTERNAL.
 */
int	publish_put(struct publish *p, size_t slot, const char *name,
	    const void *buf, size_t len);

/*
 * Publish every slot put since the last commit, as described above, and
 * empty the batch.  *done (may be NULL) gets the number of files
 * published.  On ERR_IO some files may be published and some not, each
 * one whole.  Returns 0 or ERR_IO.
 */
int	publish_commit(struct publish *p, size_t *done);

/*
 * As publish_commit(), for the slots first to first + count - 1 only.
 * Other slots may be put meanwhile from other threads (a batch is
 * signed while the one before is committed).  Returns 0, ERR_USAGE
 * (range) or ERR_IO.
 */
int	publish_commit_range(struct publish *p, size_t first, size_t count,
	    size_t *done);

/* Forget slots not committed, unlock, free; NULL is fine. */
void	publish_close(struct publish *p);

#endif
