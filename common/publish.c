/*
 * publish.c: small public files replaced in batches through a pool of
 * recycled files (see publish.h).
 *
 * Invariants: a pool file is renamed (exchanged) into the directory only
 * after syncfs() has returned for the whole batch, so a name never
 * points at a file whose data is not on disk; a pool file is written
 * only when it has one link and nobody else has it open (a write lease
 * was granted), so no reader of an earlier published file sees its
 * bytes change.  The pool lock keeps two processes out of one pool.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "publish.h"

#define SLOTS_MAX	65536
#define FILE_MODE	0644

struct publish {
	char	*dir;
	int	 dir_fd, pool_fd, lock_fd;
	size_t	 slots;
	char	**names;	/* per slot: the name to publish, or NULL */
	unsigned char *moved;	/* per slot: its pool file was renamed
				   away (a new name), none to recycle */
	int	 fresh;		/* the last name installed was new */
};

static int
io_err(const struct publish *p, const char *what)
{
	return err_set(ERR_IO, "%s: %s: %s", p->dir, what, strerror(errno));
}

static int
lock_pool(struct publish *p)
{
	if (mkdirat(p->dir_fd, PUBLISH_POOL, 0700) == -1 && errno != EEXIST)
		return io_err(p, "cannot create " PUBLISH_POOL);
	if ((p->pool_fd = openat(p->dir_fd, PUBLISH_POOL, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return io_err(p, PUBLISH_POOL);
	if ((p->lock_fd = openat(p->pool_fd, "lock", O_RDWR | O_CREAT |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1)
		return io_err(p, PUBLISH_POOL "/lock");
	while (flock(p->lock_fd, LOCK_EX) == -1)
		if (errno != EINTR)
			return io_err(p, "cannot lock " PUBLISH_POOL "/lock");
	return 0;
}

int
publish_open(const char *dir, size_t slots, struct publish **out)
{
	struct publish *p;
	int ret;

	*out = NULL;
	if (slots == 0 || slots > SLOTS_MAX)
		return err_set(ERR_USAGE, "publish: %zu slots (1 to %d)",
		    slots, SLOTS_MAX);
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	p->dir_fd = p->pool_fd = p->lock_fd = -1;
	if ((p->dir = strdup(dir)) == NULL ||
	    (p->names = calloc(slots, sizeof(*p->names))) == NULL ||
	    (p->moved = calloc(slots, 1)) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	p->slots = slots;
	if ((p->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		ret = io_err(p, "cannot open the directory");
		goto out;
	}
	if ((ret = lock_pool(p)) != 0)
		goto out;
	*out = p;
	p = NULL;
out:
	publish_close(p);
	return ret;
}

/*
 * Is the pool file open as fd ours alone?  One link, a regular file of
 * this user, and a write lease granted (nobody else has it open).  The
 * lease is dropped at once: nobody can open the file meanwhile but
 * through the pool, which is ours.
 */
static int
reusable(int fd, mode_t *mode, off_t *size)
{
	struct stat st;

	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_nlink != 1 || st.st_uid != geteuid())
		return 0;
	*mode = st.st_mode & 07777;
	*size = st.st_size;
	if (fcntl(fd, F_SETLEASE, F_WRLCK) == -1)
		return 0;
	(void)fcntl(fd, F_SETLEASE, F_UNLCK);
	return 1;
}

/* A new pool file pname, mode 0644 whatever the umask. */
static int
pool_create(struct publish *p, const char *pname, int *fdp)
{
	int fd;

	if ((fd = openat(p->pool_fd, pname, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, FILE_MODE)) == -1)
		return -1;
	if (fchmod(fd, FILE_MODE) == -1) {
		close(fd);
		return -1;
	}
	*fdp = fd;
	return 0;
}

/*
 * The pool file of slot, ready to be written from offset 0; *size gets
 * its length now.  After a move (p->moved) there is normally no file:
 * create one at once.
 */
static int
pool_file(struct publish *p, size_t slot, const char *pname, int *fdp,
    off_t *size)
{
	mode_t mode = 0;
	int fd = -1, moved = p->moved[slot];

	*size = 0;
	p->moved[slot] = 0;
	if (moved && pool_create(p, pname, fdp) == 0)
		return 0;
	fd = openat(p->pool_fd, pname, O_RDWR | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd != -1 && reusable(fd, &mode, size)) {
		if (mode != FILE_MODE && fchmod(fd, FILE_MODE) == -1) {
			close(fd);
			return io_err(p, "cannot set a pool file's mode");
		}
		*fdp = fd;
		return 0;
	}
	if (fd != -1)
		close(fd);
	*size = 0;
	if (unlinkat(p->pool_fd, pname, 0) == -1 && errno != ENOENT)
		return io_err(p, "cannot remove a pool file");
	if (pool_create(p, pname, fdp) == -1)
		return io_err(p, "cannot create a pool file");
	return 0;
}

/* Write buf over a file of length size; truncate only when it shrinks
 * (a truncate costs a metadata update). */
static int
write_all(int fd, const unsigned char *buf, size_t len, off_t size)
{
	off_t off = 0;
	ssize_t w;

	while (len > 0) {
		if ((w = pwrite(fd, buf, len, off)) == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		buf += w;
		off += w;
		len -= (size_t)w;
	}
	return off < size ? ftruncate(fd, off) : 0;
}

static int
name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n < 256 && strchr(name, '/') == NULL &&
	    strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
	    strcmp(name, PUBLISH_POOL) != 0;
}

int
publish_put(struct publish *p, size_t slot, const char *name,
    const void *buf, size_t len)
{
	char pname[24], *copy;
	off_t size;
	int fd = -1, ret;

	if (slot >= p->slots || !name_ok(name))
		return err_set(ERR_USAGE, "publish: bad slot %zu or name "
		    "\"%.64s\"", slot, name);
	if ((copy = strdup(name)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	snprintf(pname, sizeof(pname), "%zu", slot);
	if ((ret = pool_file(p, slot, pname, &fd, &size)) != 0)
		goto out;
	if (write_all(fd, buf, len, size) == -1) {
		ret = err_set(ERR_IO, "%s: %s: %s", p->dir, name,
		    strerror(errno));
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		ret = err_set(ERR_IO, "%s: %s: %s", p->dir, name,
		    strerror(errno));
		goto out;
	}
	fd = -1;
	free(p->names[slot]);
	p->names[slot] = copy;
	copy = NULL;
out:
	if (fd != -1)
		close(fd);
	free(copy);
	return ret;
}

/*
 * Swap pool file slot into DIR/name, or move it there if name is new.
 * The names of a batch are mostly alike (all new on a first run, all
 * there on the next), so what the last one needed is tried first:
 * RENAME_NOREPLACE for a new name, RENAME_EXCHANGE for an existing one,
 * the other when it fails; a plain rename where the flags are unknown.
 */
static int
install(struct publish *p, size_t slot)
{
	char pname[24];
	const char *name = p->names[slot];

	snprintf(pname, sizeof(pname), "%zu", slot);
	if (p->fresh) {
		if (renameat2(p->pool_fd, pname, p->dir_fd, name,
		    RENAME_NOREPLACE) == 0) {
			p->moved[slot] = 1;
			return 0;
		}
		if (errno != EEXIST)
			goto plain;	/* no flags here, or an error */
		p->fresh = 0;
	}
	if (renameat2(p->pool_fd, pname, p->dir_fd, name,
	    RENAME_EXCHANGE) == 0)
		return 0;
	if (errno != ENOENT && errno != EINVAL && errno != ENOSYS)
		return -1;
	p->fresh = errno == ENOENT;
plain:
	if (renameat(p->pool_fd, pname, p->dir_fd, name) == -1)
		return -1;
	p->moved[slot] = 1;
	return 0;
}

static void
clear_slots(struct publish *p, size_t first, size_t end)
{
	size_t i;

	for (i = first; i < end; i++) {
		free(p->names[i]);
		p->names[i] = NULL;
	}
}

int
publish_commit_range(struct publish *p, size_t first, size_t count,
    size_t *done)
{
	size_t i, end = first + count, n = 0;
	int ret = 0;

	if (done != NULL)
		*done = 0;
	if (first > p->slots || count > p->slots - first)
		return err_set(ERR_USAGE, "publish: slots %zu+%zu out of "
		    "range", first, count);
	for (i = first; i < end && p->names[i] == NULL; i++)
		;
	if (i == end)
		return 0;
	/* 1. Every new file's data on disk: one flush for the batch. */
	if (syncfs(p->pool_fd) == -1) {
		ret = io_err(p, "syncfs");
		goto out;
	}
	/* 2. Into place, one atomic rename each. */
	for (; i < end; i++) {
		if (p->names[i] == NULL)
			continue;
		if (install(p, i) == -1) {
			ret = err_set(ERR_IO, "%s: %s: %s", p->dir,
			    p->names[i], strerror(errno));
			break;
		}
		n++;
	}
	/* 3. The names on disk. */
	if ((fsync(p->dir_fd) == -1 || fsync(p->pool_fd) == -1) && ret == 0)
		ret = io_err(p, "fsync");
out:
	clear_slots(p, first, end);
	if (done != NULL)
		*done = n;
	return ret;
}

int
publish_commit(struct publish *p, size_t *done)
{
	return publish_commit_range(p, 0, p->slots, done);
}

void
publish_close(struct publish *p)
{
	if (p == NULL)
		return;
	if (p->names != NULL)
		clear_slots(p, 0, p->slots);
	if (p->lock_fd != -1)
		close(p->lock_fd);	/* drops the flock */
	if (p->pool_fd != -1)
		close(p->pool_fd);
	if (p->dir_fd != -1)
		close(p->dir_fd);
	free(p->names);
	free(p->moved);
	free(p->dir);
	free(p);
}
