/*
 * test_publish.c: unit tests for common/publish.c.
 *
 * Everything happens in a fresh directory under /tmp.  Covers: nothing
 * visible before publish_commit(), then each file whole with mode 0644
 * whatever the umask; a replacement; the pool keeps the old file and
 * the next batch recycles it; a reader holding the old file open keeps
 * its old bytes (the lease refuses the recycle) and so does another
 * link to it; a slot put twice publishes the second; slots not
 * committed never appear; a range commits only its slots; bad slots
 * and names; the pool lock excludes a second user; many slots from
 * several threads (par_for).
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "harness.h"
#include "par.h"
#include "publish.h"

static char tmpdir[] = "/tmp/test_publish.XXXXXX";

static const char *
tpath(const char *name)
{
	static char buf[2][512];
	static int k;

	k ^= 1;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return buf[k];
}

/* Does path hold exactly text? */
static int
holds(const char *path, const char *text)
{
	char buf[256];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n == (ssize_t)strlen(text) && memcmp(buf, text, (size_t)n) == 0;
}

static int
mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static ino_t
ino_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_ino : 0;
}

static int
put_text(struct publish *p, size_t slot, const char *name, const char *t)
{
	return publish_put(p, slot, name, t, strlen(t));
}

static void
test_basic(void)
{
	struct publish *p = NULL;
	size_t done = 9;
	ino_t pooled;

	umask(077);
	CHECK_RC(publish_open(tmpdir, 4, &p), 0, "publish_open");
	if (p == NULL)
		return;
	CHECK_RC(put_text(p, 0, "a.der", "first a"), 0, "put a");
	CHECK_RC(put_text(p, 2, "b.der", "first b, longer"), 0, "put b");
	CHECK(access(tpath("a.der"), F_OK) == -1, "nothing before commit");
	CHECK_RC(publish_commit(p, &done), 0, "commit");
	CHECK(done == 2, "two files published (%zu)", done);
	CHECK(holds(tpath("a.der"), "first a") &&
	    holds(tpath("b.der"), "first b, longer"), "contents published");
	CHECK(mode_of(tpath("a.der")) == 0644, "mode 0644 under umask 077");
	CHECK_RC(publish_commit(p, &done), 0, "empty commit");
	CHECK(done == 0, "an empty commit publishes nothing");

	/* b shrinks: the recycled file must be cut to the new length */
	CHECK_RC(put_text(p, 0, "b.der", "b2"), 0, "put b again");
	CHECK_RC(put_text(p, 1, "c.der", "c"), 0, "put c");
	CHECK_RC(publish_commit(p, &done), 0, "commit 2");
	CHECK(holds(tpath("b.der"), "b2") && holds(tpath("a.der"), "first a"),
	    "b replaced, a kept");
	CHECK(holds(tpath(PUBLISH_POOL "/0"), "first b, longer"),
	    "the old b went to the pool");
	pooled = ino_of(tpath(PUBLISH_POOL "/0"));
	CHECK_RC(put_text(p, 0, "b.der", "b3"), 0, "put b a third time");
	CHECK_RC(put_text(p, 0, "a.der", "a2"), 0, "slot 0 put twice");
	CHECK_RC(publish_commit(p, &done), 0, "commit 3");
	CHECK(holds(tpath("a.der"), "a2") && holds(tpath("b.der"), "b2"),
	    "a slot put twice publishes the second name and bytes");
	CHECK(pooled != 0 && ino_of(tpath("a.der")) == pooled,
	    "the pool file was recycled, not replaced");

	CHECK_RC(put_text(p, 1, "r1.der", "one"), 0, "put slot 1");
	CHECK_RC(put_text(p, 2, "r2.der", "two"), 0, "put slot 2");
	CHECK_RC(publish_commit_range(p, 2, 1, &done), 0, "commit slot 2");
	CHECK(done == 1 && holds(tpath("r2.der"), "two") &&
	    access(tpath("r1.der"), F_OK) == -1,
	    "a range publishes its slots only");
	CHECK_RC(publish_commit_range(p, 1, 1, &done), 0, "commit slot 1");
	CHECK(done == 1 && holds(tpath("r1.der"), "one"), "then the other");
	CHECK_RC(publish_commit_range(p, 3, 2, &done), ERR_USAGE,
	    "a range past the slots");
	CHECK_RC(put_text(p, 3, "never.der", "x"), 0, "put, not committed");
	publish_close(p);
	CHECK(access(tpath("never.der"), F_OK) == -1,
	    "a slot not committed never appears");
	umask(022);
}

/* New and existing names mixed in one batch: each new one moved into
 * place, each existing one exchanged (its old file back in the pool),
 * whichever came before it. */
static void
test_mixed(void)
{
	static const char *const names[8] = { "n0.der", "m0.der", "n1.der",
	    "n2.der", "m1.der", "m2.der", "n3.der", "m3.der" };
	struct publish *p = NULL;
	char pool[32], want[32];
	size_t done = 0, i;
	int ok = 1, pooled = 1;

	CHECK_RC(publish_open(tmpdir, 8, &p), 0, "publish_open (mixed)");
	if (p == NULL)
		return;
	for (i = 0; i < 4; i++) {
		snprintf(want, sizeof(want), "old m%zu", i);
		snprintf(pool, sizeof(pool), "m%zu.der", i);
		CHECK_RC(put_text(p, i, pool, want), 0, "put %s", pool);
	}
	CHECK_RC(publish_commit(p, &done), 0, "the existing names");
	for (i = 0; i < 8; i++) {
		snprintf(want, sizeof(want), "new %s", names[i]);
		CHECK_RC(put_text(p, i, names[i], want), 0, "put %s",
		    names[i]);
	}
	CHECK_RC(publish_commit(p, &done), 0, "the mixed batch");
	CHECK(done == 8, "eight published (%zu)", done);
	for (i = 0; i < 8; i++) {
		snprintf(want, sizeof(want), "new %s", names[i]);
		ok &= holds(tpath(names[i]), want);
		snprintf(pool, sizeof(pool), PUBLISH_POOL "/%zu", i);
		if (names[i][0] == 'n')
			pooled &= access(tpath(pool), F_OK) == -1;
		else {
			snprintf(want, sizeof(want), "old %.2s", names[i]);
			pooled &= holds(tpath(pool), want);
		}
	}
	CHECK(ok, "every name holds its new bytes");
	CHECK(pooled, "new names moved, old files exchanged into the pool");
	publish_close(p);
}

/* A reader of the old file, and a second link to it, keep the old
 * bytes when the pool file is used again. */
static void
test_readers(void)
{
	struct publish *p = NULL;
	char buf[64];
	ssize_t n;
	int fd;

	CHECK_RC(publish_open(tmpdir, 2, &p), 0, "publish_open");
	if (p == NULL)
		return;
	CHECK_RC(put_text(p, 0, "r.der", "old r"), 0, "put r");
	CHECK_RC(put_text(p, 1, "l.der", "old l"), 0, "put l");
	CHECK_RC(publish_commit(p, NULL), 0, "commit");
	fd = open(tpath("r.der"), O_RDONLY);
	CHECK(link(tpath("l.der"), tpath("l.keep")) == 0, "second link");
	CHECK_RC(put_text(p, 0, "r.der", "new r"), 0, "put r again");
	CHECK_RC(put_text(p, 1, "l.der", "new l"), 0, "put l again");
	CHECK_RC(publish_commit(p, NULL), 0, "commit");
	/* the pool's slots 0 and 1 now hold the old r and l: write them */
	CHECK_RC(put_text(p, 0, "s.der", "someone else entirely"), 0,
	    "put into the slot holding the open old r");
	CHECK_RC(put_text(p, 1, "t.der", "another one entirely"), 0,
	    "put into the slot holding the linked old l");
	CHECK_RC(publish_commit(p, NULL), 0, "commit");
	n = fd == -1 ? -1 : pread(fd, buf, sizeof(buf), 0);
	CHECK(n == 5 && memcmp(buf, "old r", 5) == 0,
	    "an open reader keeps the old bytes");
	CHECK(holds(tpath("l.keep"), "old l"), "another link keeps them");
	CHECK(holds(tpath("r.der"), "new r") && holds(tpath("l.der"),
	    "new l") && holds(tpath("s.der"), "someone else entirely"),
	    "the new files are published");
	if (fd != -1)
		close(fd);
	publish_close(p);
}

static void
test_errors(void)
{
	struct publish *p = NULL, *q = NULL;
	int fd;

	CHECK_RC(publish_open(tmpdir, 0, &p), ERR_USAGE, "zero slots");
	CHECK_RC(publish_open(tpath("missing"), 1, &p), ERR_IO,
	    "missing directory");
	CHECK(p == NULL, "no handle on error");
	CHECK_RC(publish_open(tmpdir, 2, &p), 0, "publish_open");
	if (p == NULL)
		return;
	CHECK_RC(put_text(p, 2, "x.der", "x"), ERR_USAGE, "slot out of range");
	CHECK_RC(put_text(p, 0, "a/b", "x"), ERR_USAGE, "a name with /");
	CHECK_RC(put_text(p, 0, "..", "x"), ERR_USAGE, "..");
	CHECK_RC(put_text(p, 0, "", "x"), ERR_USAGE, "empty name");
	CHECK_RC(put_text(p, 0, PUBLISH_POOL, "x"), ERR_USAGE, "the pool");
	fd = open(tpath(PUBLISH_POOL "/lock"), O_RDWR);
	CHECK(fd != -1 && flock(fd, LOCK_EX | LOCK_NB) == -1 &&
	    errno == EWOULDBLOCK, "the pool is locked while open");
	publish_close(p);
	CHECK(fd != -1 && flock(fd, LOCK_EX | LOCK_NB) == 0,
	    "and unlocked after publish_close");
	if (fd != -1)
		close(fd);
	CHECK_RC(publish_open(tmpdir, 1, &q), 0, "open again");
	publish_close(q);
	publish_close(NULL);
}

#define MANY	600

struct many {
	struct publish *p;
	int round, failed;
};

static void
put_many(void *arg, size_t i)
{
	struct many *m = arg;
	char name[32], text[32];

	snprintf(name, sizeof(name), "%04zX.der", i);
	snprintf(text, sizeof(text), "%d:%zu%s", m->round, i,
	    i % 3 == 0 ? " longer" : "");
	if (put_text(m->p, i, name, text) != 0)
		m->failed = 1;
}

static void
test_many(void)
{
	struct many m;
	char name[32], text[32];
	size_t i, done = 0;
	int ok;

	memset(&m, 0, sizeof(m));
	CHECK_RC(publish_open(tmpdir, MANY, &m.p), 0, "publish_open");
	if (m.p == NULL)
		return;
	for (m.round = 0; m.round < 3; m.round++) {
		par_for(MANY, 2, put_many, &m);
		CHECK_RC(publish_commit(m.p, &done), 0, "commit round %d",
		    m.round);
		for (ok = done == MANY, i = 0; ok && i < MANY; i++) {
			snprintf(name, sizeof(name), "%04zX.der", i);
			snprintf(text, sizeof(text), "%d:%zu%s", m.round, i,
			    i % 3 == 0 ? " longer" : "");
			ok = holds(tpath(name), text);
		}
		CHECK(ok && !m.failed, "round %d: %d files from two threads",
		    m.round, MANY);
	}
	publish_close(m.p);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL)
		return 2;
	test_basic();
	test_mixed();
	test_readers();
	test_errors();
	test_many();
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return harness_done();
}
