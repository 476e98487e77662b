/*
 * test_secmem.c: unit tests for common/secmem.c.
 *
 * Covers: secmem_alloc() of n and of 0 bytes gives writable memory,
 * secmem_free(NULL); secmem_wipe(); secmem_equal() on equal and on
 * buffers differing in the first or the last byte; secmem_init() turns
 * core dumps off (secmem_core_dumps_off() goes from 0 to 1 when the
 * test could turn them on first), sets umask 077 (a file and a
 * directory created afterwards are 0600 and 0700), opens a closed fd 0
 * on /dev/null, and may be called twice; secmem_can_lock() for a small
 * buffer, and its refusal in a child without CAP_IPC_LOCK and with
 * RLIMIT_MEMLOCK 0.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/capability.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "harness.h"
#include "secmem.h"

static char tmpdir[] = "/tmp/test_secmem.XXXXXX";

static int
all_bytes(const unsigned char *p, size_t len, unsigned char v)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

static void
test_alloc(void)
{
	unsigned char *p, *z;

	p = secmem_alloc(100);
	CHECK(p != NULL, "secmem_alloc(100) gives a buffer");
	if (p != NULL) {
		memset(p, 0xa5, 100);
		secmem_wipe(p, 100);
		CHECK(all_bytes(p, 100, 0), "secmem_wipe zeroes it");
		memset(p, 0xa5, 100);
		secmem_wipe(p, 50);
		CHECK(all_bytes(p, 50, 0) && all_bytes(p + 50, 50, 0xa5),
		    "secmem_wipe zeroes exactly len bytes");
	}
	secmem_free(p);
	z = secmem_alloc(0);
	CHECK(z != NULL, "secmem_alloc(0) gives a valid buffer");
	if (z != NULL)
		z[0] = 1;	/* under ASan, a bad buffer would stop here */
	secmem_free(z);
	secmem_free(NULL);
	secmem_wipe(NULL, 10);
}

static void
test_equal(void)
{
	unsigned char a[64], b[64];

	memset(a, 0x3c, sizeof(a));
	memcpy(b, a, sizeof(b));
	CHECK(secmem_equal(a, b, sizeof(a)) == 0, "equal buffers are equal");
	b[63] ^= 0x80;
	CHECK(secmem_equal(a, b, sizeof(a)) == -1,
	    "a difference in the last byte is seen");
	CHECK(secmem_equal(a, b, 63) == 0, "only len bytes are compared");
	b[63] = a[63];
	b[0] ^= 1;
	CHECK(secmem_equal(a, b, sizeof(a)) == -1,
	    "a difference in the first byte is seen");
	CHECK(secmem_equal(a, b, 0) == 0, "zero bytes are equal");
}

/* Try to make core dumps possible, so that secmem_init() has work. */
static int
enable_core_dumps(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_CORE, &rl) == -1 || rl.rlim_max == 0)
		return 0;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		return 0;
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == -1)
		return 0;
	return 1;
}

static void
test_init_core(void)
{
	struct rlimit rl;

	if (enable_core_dumps())
		CHECK(secmem_core_dumps_off() == 0,
		    "before secmem_init core dumps are possible");
	else
		printf("# core dumps cannot be enabled here; skipped the "
		    "before check\n");
	CHECK_RC(secmem_init(), 0, "secmem_init succeeds");
	CHECK(secmem_core_dumps_off() == 1,
	    "after secmem_init core dumps are off");
	CHECK(getrlimit(RLIMIT_CORE, &rl) == 0 && rl.rlim_cur == 0 &&
	    rl.rlim_max == 0, "RLIMIT_CORE is 0 (soft and hard)");
	CHECK(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0,
	    "the process is not dumpable");
	CHECK_RC(secmem_init(), 0, "secmem_init may be called twice");
}

static void
test_init_umask(void)
{
	char path[256];
	struct stat st;
	mode_t old;
	int fd;

	umask(022);
	CHECK_RC(secmem_init(), 0, "secmem_init succeeds again");
	old = umask(077);
	CHECK(old == 077, "secmem_init set umask 077 (found %03o)",
	    (unsigned)old);
	snprintf(path, sizeof(path), "%s/file", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
	CHECK(fd != -1 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0600,
	    "a file created 0666 afterwards is 0600 (is %03o)",
	    fd == -1 ? 0 : (unsigned)(st.st_mode & 07777));
	if (fd != -1)
		close(fd);
	unlink(path);
	snprintf(path, sizeof(path), "%s/dir", tmpdir);
	CHECK(mkdir(path, 0777) == 0 && stat(path, &st) == 0 &&
	    (st.st_mode & 07777) == 0700,
	    "a directory created 0777 afterwards is 0700");
	rmdir(path);
}

static void
test_init_fds(void)
{
	struct stat st, null;
	int saved;

	if ((saved = dup(STDIN_FILENO)) == -1) {
		CHECK(0, "dup stdin");
		return;
	}
	close(STDIN_FILENO);
	CHECK(fcntl(STDIN_FILENO, F_GETFD) == -1, "fd 0 is closed");
	CHECK_RC(secmem_init(), 0, "secmem_init with fd 0 closed succeeds");
	CHECK(fstat(STDIN_FILENO, &st) == 0 && stat("/dev/null", &null) == 0 &&
	    st.st_rdev == null.st_rdev && S_ISCHR(st.st_mode),
	    "secmem_init opened fd 0 on /dev/null");
	dup2(saved, STDIN_FILENO);
	close(saved);
}

/*
 * Give up CAP_IPC_LOCK (which ignores RLIMIT_MEMLOCK) if held.
 * Returns 0, or -1 if it is still held afterwards.
 */
static int
drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capget, &hdr, data) == -1)
		return -1;
	data[0].effective &= ~(1U << CAP_IPC_LOCK);
	if (syscall(SYS_capset, &hdr, data) == -1)
		return -1;
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) == -1)
		return -1;
	return (data[0].effective & (1U << CAP_IPC_LOCK)) ? -1 : 0;
}

/*
 * In a child: without CAP_IPC_LOCK and with RLIMIT_MEMLOCK 0, locking
 * must fail.  Child status: 10 it said no, 11 it said yes, 12 setup.
 */
static void
test_can_lock(void)
{
	struct rlimit rl = { 0, 0 };
	pid_t pid;
	int status = 0;

	CHECK(secmem_can_lock(4096) == 1, "4 kB can be locked");
#ifdef __SANITIZE_ADDRESS__
	/* ASan replaces mlock() with a no-op that always succeeds. */
	printf("# AddressSanitizer fakes mlock(): refusal check skipped\n");
	return;
#endif
	fflush(stdout);
	if ((pid = fork()) == -1) {
		CHECK(0, "fork");
		return;
	}
	if (pid == 0) {
		if (drop_ipc_lock() != 0 ||
		    setrlimit(RLIMIT_MEMLOCK, &rl) == -1)
			_exit(12);
		_exit(secmem_can_lock(4096) ? 11 : 10);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 10,
	    "with RLIMIT_MEMLOCK 0 secmem_can_lock says no (child status %d)",
	    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	/* First: it needs the state before secmem_init(). */
	test_init_core();
	test_alloc();
	test_equal();
	test_init_umask();
	test_init_fds();
	test_can_lock();
	rmdir(tmpdir);
	return harness_done();
}
