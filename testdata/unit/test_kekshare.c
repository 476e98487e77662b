/*
 * test_kekshare.c: unit tests for common/kekshare.c.
 *
 * Backs up a real P-256 key 3 of 5 and covers: the share records
 * (index, M, N, set, key fingerprint, custodian); the sealed header;
 * recovery from every 3-subset in every position, from 4 and 5 shares;
 * each refusal of kekshare_recover() in its documented order and with
 * the share named: 2 shares (ERR_NO), a duplicate (ERR_DATA), a share
 * of another backup (ERR_DATA), a share claiming another M or key
 * (ERR_DATA), a share with one flipped bit in y (ERR_NO "does not
 * belong", also when more than M shares are given), a damaged backup;
 * kekshare_selftest() with the right key (three distinct indices),
 * another key (ERR_NO), m = 1 or m > n (ERR_CONFIG) and, in a child,
 * n = m = 0 (refused, no crash); kekshare_create() refusing bad M/N and
 * long custodian names (ERR_CONFIG, nothing returned).
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "err.h"
#include "harness.h"
#include "kekshare.h"
#include "keytype.h"
#include "secmem.h"
#include "x509.h"

static const char *const custodians[5] = {
	"Alice", "Bob", "Carol", "Dave", "Eve"
};
static const char *const names[5] = {
	"share-1.txt", "share-2.txt", "share-3.txt", "share-4.txt",
	"share-5.txt"
};

struct fixture {
	EVP_PKEY	*key, *other;
	unsigned char	*p8;		/* secmem */
	size_t		 p8len;
	unsigned char	 fpr[32];
	unsigned char	*sk;		/* secmem, 64 */
	unsigned char	 pk[32];
	struct kekshare_params params;
	unsigned char	*backup;
	size_t		 backuplen;
	struct share	*shares;	/* secmem, 5 */
};

static int
setup(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	if (keytype_generate(KEY_P256, &f->key) != 0 ||
	    keytype_generate(KEY_P256, &f->other) != 0 ||
	    x509_private_der(f->key, &f->p8, &f->p8len) != 0 ||
	    x509_spki_sha256(f->key, f->fpr) != 0 ||
	    (f->sk = secmem_alloc(crypto_sign_SECRETKEYBYTES)) == NULL)
		return -1;
	crypto_sign_keypair(f->pk, f->sk);
	f->params.m = 3;
	f->params.n = 5;
	f->params.custodians = custodians;
	f->params.fingerprint = f->fpr;
	f->params.key_type = KEY_P256;
	f->params.signer_sk = f->sk;
	f->params.signer_pk = f->pk;
	return 0;
}

/* kekshare_recover() of count shares, checking the plaintext on success. */
static int
recover(const struct fixture *f, struct share *const *sh,
    const char *const *nm, unsigned count, struct backup_header *hdr)
{
	unsigned char *plain = (unsigned char *)"x";
	size_t plainlen = 0;
	int ret;

	ret = kekshare_recover(f->backup, f->backuplen, "root.backup", sh, nm,
	    count, &plain, &plainlen, hdr);
	if (ret == 0 && (plain == NULL || plainlen != f->p8len ||
	    memcmp(plain, f->p8, plainlen) != 0))
		ret = 999;
	if (ret != 0 && ret != 999 && plain != NULL)
		ret = 998;	/* an error must not return a plaintext */
	secmem_free(ret == 998 ? NULL : plain);
	return ret;
}

static void
test_create(struct fixture *f)
{
	struct share *s = f->shares;
	struct backup_header hdr;
	unsigned i, ok = 1;

	for (i = 0; i < 5; i++)
		ok &= s[i].version == SHARE_VERSION &&
		    s[i].kind == SHARE_KIND_KEK && s[i].m == 3 &&
		    s[i].n == 5 && s[i].x == i + 1 &&
		    memcmp(s[i].set_id, s[0].set_id, SHARE_SET_ID_LEN) == 0 &&
		    memcmp(s[i].fp_prefix, f->fpr, SHARE_FP_PREFIX_LEN) == 0 &&
		    strcmp(s[i].custodian, custodians[i]) == 0;
	CHECK(ok, "the five records: x 1..5, 3 of 5, one set, key, names");
	ok = 1;
	for (i = 1; i < 5; i++)
		ok &= memcmp(s[i].y, s[0].y, SHARE_Y_LEN) != 0;
	CHECK(ok, "the share values differ");
	CHECK_RC(backup_parse(f->backup, f->backuplen, "b", &hdr), 0,
	    "the backup parses");
	CHECK(hdr.m == 3 && hdr.n == 5 && hdr.key_type == KEY_P256 &&
	    memcmp(hdr.fingerprint, f->fpr, 32) == 0 &&
	    memcmp(hdr.signer_pk, f->pk, 32) == 0 &&
	    memcmp(hdr.set_id, s[0].set_id, SHARE_SET_ID_LEN) == 0,
	    "its header: 3 of 5, key type, fingerprint, signer, set");
	for (i = 0, ok = 1; i < 5; i++)
		ok &= backup_check_share(&hdr, s[i].x, s[i].y) == 0;
	CHECK(ok, "every share matches its commitment in the header");
}

static void
test_subsets(struct fixture *f)
{
	struct share *sh[5];
	const char *nm[5];
	struct backup_header hdr;
	unsigned a, b, c, i, good = 0, tried = 0;

	for (a = 0; a < 5; a++)
		for (b = a + 1; b < 5; b++)
			for (c = b + 1; c < 5; c++) {
				/* Reversed order as well: order is free. */
				sh[0] = &f->shares[c];
				sh[1] = &f->shares[a];
				sh[2] = &f->shares[b];
				nm[0] = names[c];
				nm[1] = names[a];
				nm[2] = names[b];
				tried++;
				good += recover(f, sh, nm, 3, NULL) == 0;
			}
	CHECK(tried == 10 && good == 10, "every 3 of 5 recover the key "
	    "(%u of %u)", good, tried);
	for (i = 0; i < 5; i++) {
		sh[i] = &f->shares[4 - i];
		nm[i] = names[4 - i];
	}
	memset(&hdr, 0, sizeof(hdr));
	CHECK_RC(recover(f, sh, nm, 4, &hdr), 0, "4 shares recover the key");
	CHECK(hdr.m == 3 && hdr.n == 5 &&
	    memcmp(hdr.set_id, f->shares[0].set_id, SHARE_SET_ID_LEN) == 0,
	    "hdr receives the parsed header");
	CHECK_RC(recover(f, sh, nm, 5, NULL), 0, "all 5 recover the key");
}

static void
test_refusals(struct fixture *f, struct fixture *g)
{
	struct share *sh[3];
	const char *nm[3] = { names[0], names[1], names[2] };

	sh[0] = &f->shares[0];
	sh[1] = &f->shares[1];
	CHECK_RC(recover(f, sh, nm, 2, NULL), ERR_NO, "2 shares are ERR_NO");
	CHECK(strstr(err_msg(), "2 shares given, 3 needed") != NULL,
	    "the message counts them (\"%s\")", err_msg());
	sh[2] = &f->shares[0];
	nm[2] = "again.txt";
	CHECK_RC(recover(f, sh, nm, 3, NULL), ERR_DATA,
	    "a duplicate share is ERR_DATA");
	CHECK(strstr(err_msg(), "share-1.txt") != NULL &&
	    strstr(err_msg(), "again.txt") != NULL,
	    "the message names both inputs (\"%s\")", err_msg());
	nm[2] = names[2];
	sh[2] = &g->shares[2];
	CHECK_RC(recover(f, sh, nm, 3, NULL), ERR_DATA,
	    "a share of another backup is ERR_DATA");
	CHECK(strstr(err_msg(), "share-3.txt") != NULL,
	    "the message names it (\"%s\")", err_msg());
}

/* Shares of the right set whose fields or value were changed. */
static void
test_forged(struct fixture *f)
{
	struct share *sh[4] = { &f->shares[0], &f->shares[1], NULL, NULL };
	const char *nm[4] = { names[0], names[1], names[2], names[3] };
	struct share *bad;

	if ((bad = secmem_alloc(sizeof(*bad))) == NULL)
		return;
	sh[2] = bad;
	*bad = f->shares[2];
	bad->m = 2;
	CHECK_RC(recover(f, sh, nm, 3, NULL), ERR_DATA,
	    "a share that says 2 of 5 is ERR_DATA");
	*bad = f->shares[2];
	bad->fp_prefix[0] ^= 1;
	CHECK_RC(recover(f, sh, nm, 3, NULL), ERR_DATA,
	    "a share for another key is ERR_DATA");
	*bad = f->shares[2];
	bad->y[17] ^= 0x04;
	CHECK_RC(recover(f, sh, nm, 3, NULL), ERR_NO,
	    "a share with one flipped bit is ERR_NO");
	CHECK(strstr(err_msg(), "share-3.txt") != NULL &&
	    strstr(err_msg(), "does not belong") != NULL,
	    "the message names it (\"%s\")", err_msg());
	sh[0] = bad;
	nm[0] = "share-3.txt";
	sh[1] = &f->shares[0];
	sh[2] = &f->shares[1];
	sh[3] = &f->shares[3];
	nm[1] = names[0];
	nm[2] = names[1];
	nm[3] = names[3];
	CHECK_RC(recover(f, sh, nm, 4, NULL), ERR_NO,
	    "with 4 shares, one bad, still ERR_NO");
	CHECK(strstr(err_msg(), "share-3.txt") != NULL,
	    "and the bad one is named (\"%s\")", err_msg());
	secmem_free(bad);
}

static void
test_damaged(struct fixture *f)
{
	struct share *sh[3] = { &f->shares[0], &f->shares[1], &f->shares[2] };

	f->backup[f->backuplen - 1] ^= 1;
	CHECK_RC(recover(f, sh, names, 3, NULL), ERR_NO,
	    "a damaged ciphertext does not open (ERR_NO)");
	f->backup[f->backuplen - 1] ^= 1;
	f->backup[20] ^= 1;
	CHECK_RC(recover(f, sh, names, 3, NULL), ERR_DATA,
	    "a damaged header is ERR_DATA");
	f->backup[20] ^= 1;
	CHECK_RC(recover(f, sh, names, 3, NULL), 0, "repaired, it opens");
}

static void
test_selftest(struct fixture *f)
{
	char used[64];
	unsigned a, b, c;
	int k = 0;

	memset(used, 'x', sizeof(used));
	CHECK_RC(kekshare_selftest(f->backup, f->backuplen, f->shares, 5, 3,
	    f->key, used, sizeof(used)), 0, "selftest with the root key");
	CHECK(sscanf(used, "%u,%u,%u%n", &a, &b, &c, &k) == 3 &&
	    used[k] == '\0' && a >= 1 && a <= 5 && b >= 1 && b <= 5 &&
	    c >= 1 && c <= 5 && a != b && b != c && a != c,
	    "it reports three distinct indices (\"%.63s\")", used);
	CHECK_RC(kekshare_selftest(f->backup, f->backuplen, f->shares, 5, 3,
	    f->other, used, sizeof(used)), ERR_NO,
	    "selftest against another public key is ERR_NO");
	CHECK(strstr(err_msg(), "not the root certificate") != NULL,
	    "the message says so (\"%s\")", err_msg());
	CHECK_RC(kekshare_selftest(f->backup, f->backuplen, f->shares, 5, 1,
	    f->key, used, sizeof(used)), ERR_CONFIG,
	    "selftest with m = 1 is refused");
	CHECK_RC(kekshare_selftest(f->backup, f->backuplen, f->shares, 5, 6,
	    f->key, used, sizeof(used)), ERR_CONFIG,
	    "selftest with m > n is refused");
}

/*
 * kekshare_selftest() with no shares at all, in a child: it must refuse,
 * not crash.  Child status 20 = refused, 10 = accepted.
 */
static void
test_selftest_empty(struct fixture *f)
{
	char used[64];
	pid_t pid;
	int status = 0, ret;

	fflush(stdout);
	if ((pid = fork()) == -1) {
		CHECK(0, "fork");
		return;
	}
	if (pid == 0) {
		ret = kekshare_selftest(f->backup, f->backuplen, f->shares, 0,
		    0, f->key, used, sizeof(used));
		_exit(ret == 0 ? 10 : 20);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 20,
	    "selftest with n = 0 and m = 0 refuses without crashing "
	    "(%s %d)", WIFEXITED(status) ? "exit" : "signal",
	    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

static void
test_bad_params(struct fixture *f)
{
	static const unsigned mn[][2] = { { 1, 5 }, { 0, 5 }, { 6, 5 },
	    { 3, 17 }, { 17, 17 } };
	static const char *const longnames[5] = { "Alice",
	    "A custodian whose name is far too long", "Carol", "Dave", "Eve" };
	struct kekshare_params p = f->params;
	unsigned char *backup;
	struct share *shares;
	size_t len, i;

	for (i = 0; i < sizeof(mn) / sizeof(mn[0]); i++) {
		p.m = mn[i][0];
		p.n = mn[i][1];
		backup = (unsigned char *)1;
		shares = (struct share *)1;
		CHECK_RC(kekshare_create(f->p8, f->p8len, &p, &backup, &len,
		    &shares), ERR_CONFIG, "%u of %u is ERR_CONFIG", p.m, p.n);
		CHECK(backup == NULL && shares == NULL,
		    "%u of %u: nothing is returned", p.m, p.n);
	}
	p = f->params;
	p.custodians = longnames;
	CHECK_RC(kekshare_create(f->p8, f->p8len, &p, &backup, &len,
	    &shares), ERR_CONFIG, "a 38-byte custodian name is ERR_CONFIG");
	CHECK(backup == NULL && shares == NULL &&
	    strstr(err_msg(), "far too long") != NULL,
	    "nothing returned, the name is quoted (\"%s\")", err_msg());
	p = f->params;
	p.m = 2;
	p.n = 2;
	CHECK_RC(kekshare_create(f->p8, f->p8len, &p, &backup, &len,
	    &shares), 0, "2 of 2 is accepted");
	free(backup);
	secmem_free(shares);
}

static void
teardown(struct fixture *f)
{
	EVP_PKEY_free(f->key);
	EVP_PKEY_free(f->other);
	secmem_free(f->p8);
	secmem_free(f->sk);
	free(f->backup);
	secmem_free(f->shares);
}

int
main(void)
{
	struct fixture f, g;

	memset(&g, 0, sizeof(g));
	if (secmem_init() != 0 || setup(&f) != 0) {
		printf("setup: %s\n", err_msg());
		return 1;
	}
	/* g: a second backup of the same key (another set). */
	CHECK_RC(kekshare_create(f.p8, f.p8len, &f.params, &f.backup,
	    &f.backuplen, &f.shares), 0, "create 3 of 5");
	CHECK_RC(kekshare_create(f.p8, f.p8len, &f.params, &g.backup,
	    &g.backuplen, &g.shares), 0, "create a second set");
	if (f.shares == NULL || g.shares == NULL)
		return harness_done();
	CHECK(memcmp(f.shares[0].set_id, g.shares[0].set_id,
	    SHARE_SET_ID_LEN) != 0, "the two sets have different ids");
	test_create(&f);
	test_subsets(&f);
	test_refusals(&f, &g);
	test_forged(&f);
	test_damaged(&f);
	test_selftest(&f);
	test_selftest_empty(&f);
	test_bad_params(&f);
	teardown(&f);
	teardown(&g);
	return harness_done();
}
